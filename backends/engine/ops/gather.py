"""Indexing along a dimension: gather take_along_dim index_select masked_select (and the
values of sort/topk/kthvalue/median, which pick by index too), scatter scatter_add index_add,
masked_fill, nonzero.

Each op turns its index tensor into an `.indexing.Index` (linear positions into the input), so
that picking is ``take`` on the flattened array and its gradient the engine's scatter-add (the
namespace's native one where the plugin supplies it), both already differentiable through
``F.index_scatter`` and ``F.index_gather``.
"""

from __future__ import annotations

import math
from typing import Any

from gradspec import notices
from ..apply import apply, constant, unary
from ..node import Node, register
from ..tensor import Tensor
from . import indexing
from .args import axis_of, dim_of, strides


@register("gather")
class GatherBackward0(Node):
    """The input's elements at an `Index` (a copy); the gradient adds ``g`` back at those
    positions.  Named after the op that picked: GatherBackward0, IndexSelectBackward0,
    MaskedSelectBackward0, SortBackward0, TopkBackward0, KthvalueBackward0, MedianBackward1."""

    __slots__ = ("index", "label")
    keeps = ("index",)  # freed with the graph, as PyTorch's (RETAIN-4)

    def forward(self, xp, a, index, eng, label="GatherBackward0"):
        self.index, self.label = index, label
        return indexing.gather(eng, a, index)

    def name(self):
        return self.label

    def backward(self, F, g, a):
        return (F.index_scatter(g, self.index),)


@register("scatter_add")
class ScatterAddBackward0(Node):
    """``a`` plus ``alpha * src`` added at an `Index` (repeated positions accumulate):
    scatter_add (ScatterAddBackward0) and index_add (IndexAddBackward0)."""

    quiet = True
    __slots__ = ("index", "alpha", "label")
    keeps = ("index",)  # freed with the graph, as PyTorch's (RETAIN-4)

    def forward(self, xp, a, src, index, eng, alpha=1, label="ScatterAddBackward0"):
        self.index, self.alpha, self.label = index, alpha, label
        added = indexing.scatter_add(eng, src if alpha == 1 else src * alpha, index, a.dtype)
        return a + added

    def name(self):
        return self.label

    def backward(self, F, g, a, src):
        ea, es = self._next
        gs = None
        if es is not None:
            gs = F.index_gather(g, self.index)
            if self.alpha != 1:
                gs = gs * self.alpha
        return (g if ea is not None else None, gs)


REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _extreme(eng: Any, dtype: Any, largest: bool) -> Any:
    """The identity of max (the least value of ``dtype``) or of min (the greatest)."""
    if eng.is_floating(dtype):
        return -float("inf") if largest else float("inf")
    if eng.is_bool(dtype):
        return not largest
    info = eng.host.numpy.iinfo(eng.dtype_name(dtype))
    return int(info.min if largest else info.max)


@register("scatter_reduce")
class ScatterReduceBackward0(Node):
    """``a`` with ``src``'s values combined into the positions an `Index` picks, by ``reduce``
    (sum, prod, mean, amax or amin), ``a``'s own value included unless ``include_self`` is
    False; positions nothing goes to keep ``a``.  PyTorch's gradients: sum passes ``g`` on;
    mean divides it by the count; prod is ``g * result / value`` (with the product of the
    others where a value is 0); amax/amin split it evenly among the values equal to the
    result.  Without ``include_self`` the scattered positions' own values get none."""

    quiet = True
    __slots__ = ("index", "eng", "reduce", "include_self", "hit", "count", "label")
    keeps = ("index", "hit", "count")
    save_map = {0: (0, 1), 1: (0, 1)}  # prod, amax and amin read both inputs
    saves_output = True
    fresh = (0, 1)

    def forward(self, xp, a, src, index, eng, reduce, include_self,
                label="ScatterReduceBackward0"):
        self.index, self.eng, self.reduce, self.include_self = index, eng, reduce, include_self
        self.label = label
        dtype = a.dtype
        count = indexing.scatter_add(eng, xp.ones(index.out_shape, dtype=eng.int64), index,
                                     eng.int64)
        hit = count > 0
        self.hit, self.count = hit, count
        if reduce in ("sum", "mean"):
            base = a if include_self else xp.where(hit, xp.zeros((), dtype=dtype), a)
            total = base + indexing.scatter_add(eng, src, index, dtype)
            if reduce == "sum":
                return total
            n = count + 1 if include_self else xp.where(hit, count, xp.ones_like(count))
            if eng.is_floating(dtype):
                mean = total / xp.astype(n, dtype)
            else:  # integers: floor division, as PyTorch
                mean = xp.astype(xp.floor_divide(xp.astype(total, eng.int64), n), dtype)
            return xp.where(hit, mean, a)
        if reduce == "prod":
            product = indexing.scatter_combine(eng, src, index, dtype, "mul", 1)
            return (a if include_self else xp.where(hit, xp.ones((), dtype=dtype), a)) * product
        largest = reduce == "amax"
        best = indexing.scatter_combine(eng, src, index, dtype, "max" if largest else "min",
                                        _extreme(eng, dtype, largest))
        if include_self:
            best = xp.maximum(a, best) if largest else xp.minimum(a, best)
        return xp.where(hit, best, a)

    def name(self):
        return self.label

    def backward(self, F, g, a, src, out):
        ea, es = self._next
        reduce, index, hit = self.reduce, self.index, F.constant(g, self.hit)
        ga = gs = None
        if reduce == "sum":
            ga, gs = g, F.index_gather(g, index)
        elif reduce == "mean":
            raw = self.count
            xp = _xp(g)
            counts = raw + 1 if self.include_self else xp.where(raw > 0, raw, xp.ones_like(raw))
            n = F.constant(g, xp.astype(counts, _dtype(g)))
            ga = g / n
            gs = F.index_gather(ga, index)
        elif reduce == "prod":
            ga, gs = self._prod_grads(F, g, a, src, out)
        else:
            value = F.index_gather(out, index)
            self_is = F.astype(a == out, _dtype(g))
            src_is = F.astype(src == value, _dtype(g))
            spread = F.apply(ScatterAddBackward0, self_is, src_is, index=index, eng=self.eng)
            share = g / spread
            ga = self_is * share
            gs = src_is * F.index_gather(share, index)
        if not self.include_self and ga is not None:
            ga = F.where(hit, F.zeros_like(ga), ga)
        return (ga if ea is not None else None, gs if es is not None else None)

    def _prod_grads(self, F, g, a, src, out):
        """PyTorch's product gradients, exact where values are 0: the product of the others."""
        index, eng, include = self.index, self.eng, self.include_self
        dtype = _dtype(g)
        zero = F.zeros_like(a)
        masked_self = F.where(a == zero, F.ones_like(a), a)
        masked_result = F.apply(ScatterReduceBackward0, masked_self, src, index=index, eng=eng,
                                reduce="prod", include_self=include)
        ga = g * masked_result / masked_self
        src_zero = src == F.zeros_like(src)
        zeros_at = F.index_gather(F.apply(ScatterAddBackward0, zero, F.astype(src_zero, dtype),
                                          index=index, eng=eng), index)
        single = src_zero & (zeros_at == F.ones_like(zeros_at))
        one_src = F.ones_like(src)
        masked_src = F.where(single, one_src, src)
        masked_src_result = F.apply(ScatterReduceBackward0, a, masked_src, index=index, eng=eng,
                                    reduce="prod", include_self=include)
        gs = F.where(single, F.index_gather(g * masked_src_result, index),
                     F.index_gather(g * out, index) / F.where(src_zero, one_src, src))
        return ga, gs


@register("scatter_multiply", public=False)
class ScatterMultiply(ScatterReduceBackward0):
    """``scatter(..., reduce='multiply')``: each position ``index`` picks multiplied by the
    ``src`` values sent to it (its own value included).  PyTorch records it without a
    derivative (grad_fn ``NotImplemented``, and backward raises); so does this node."""

    save_map: dict = {}
    saves_output = False
    fresh = ()

    def forward(self, xp, a, src, index, eng):
        return ScatterReduceBackward0.forward(self, xp, a, src, index, eng, "prod", True)

    def name(self):
        return "torch::autograd::NotImplemented"

    def backward(self, F, g, a, src):
        raise RuntimeError("derivative for aten::scatter is not implemented (as in PyTorch: "
                           "scatter with reduce= has no gradient); use scatter_reduce(..., "
                           "reduce='prod'), which has one")


def _xp(x: Any) -> Any:
    return type(x)._xp if isinstance(x, Tensor) else x.__array_namespace__()


def _dtype(x: Any) -> Any:
    return x._data.dtype if isinstance(x, Tensor) else x.dtype


@register("scatter")
class ScatterBackward0(Node):
    """``a`` with the positions of an `Index` replaced by ``src`` (a tensor: ScatterBackward0;
    a number: ScatterBackward1).  Replaced positions pass no gradient to ``a``."""

    __slots__ = ("index", "hit", "label")
    keeps = ("index", "hit")  # freed with the graph, as PyTorch's (RETAIN-4)

    def forward(self, xp, a, src, index, eng):
        self.index = index
        self.label = "ScatterBackward0" if hasattr(src, "shape") else "ScatterBackward1"
        out = eng.copy(a)
        indexing.put(eng, out, index, src)
        ones = xp.ones(index.out_shape, dtype=a.dtype)
        self.hit = indexing.scatter_add(eng, ones, index, a.dtype) > 0
        return out

    def name(self):
        return self.label

    def backward(self, F, g, a, src):
        ea, es = self._next
        return (F.where(self.hit, F.zeros_like(g), g) if ea is not None else None,
                F.index_gather(g, self.index) if es is not None else None)


@register("masked_fill")
class MaskedFillBackward0(Node):
    """``a`` with ``value`` where ``mask`` holds (broadcasting); a 0-d tensor ``value`` gets
    the sum of the gradient at the filled positions (MaskedFillBackward1)."""

    contiguous = True
    __slots__ = ("mask", "label")
    keeps = ("mask",)  # freed with the graph, as PyTorch's (RETAIN-4)
    broadcasts = True

    def forward(self, xp, a, value, mask):
        self.mask = mask
        self.label = "MaskedFillBackward1" if hasattr(value, "shape") else "MaskedFillBackward0"
        if not hasattr(value, "shape"):
            value = xp.asarray(value, dtype=a.dtype)
        return xp.where(mask, value, a)

    def name(self):
        return self.label

    def backward(self, F, g, a, value):
        ea, ev = self._next
        zero = F.zeros_like(g)
        return (F.where(self.mask, zero, g) if ea is not None else None,
                F.where(self.mask, g, zero) if ev is not None else None)


# ------------------------------------------------------------------ building Index objects
def _index_array(index: Any, what: str) -> Any:
    if not isinstance(index, Tensor):
        raise TypeError(f"{what}(): index must be a tensor of integers, got {type(index).__name__}")
    eng = type(index)._eng
    if not eng.is_integer(index._data.dtype):
        raise RuntimeError(f"{what}(): Expected dtype int32/int64 for index, got "
                           f"{eng.dtype_name(index._data.dtype)}")
    return index._data


#: dtype name -> the C type PyTorch's kernels name it by in their refusals
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
            "bool": "bool"}


def _check_range(eng: Any, values: Any, size: int, dim: int, kind: type = RuntimeError) -> None:
    xp = eng.xp
    if values.size == 0:
        return
    if int(xp.min(values)) >= 0 and int(xp.max(values)) < size:
        return
    bad = (values < 0) | (values >= size)
    if bool(xp.any(bad)):
        first = int(xp.reshape(values[bad], (-1,))[0])
        raise kind(f"index {first} is out of bounds for dimension {dim} with size {size}")


def along(eng: Any, shape: tuple[int, ...], index: Any, axis: int) -> indexing.Index:
    """The `Index` of ``torch.gather``'s rule: result element ``i`` comes from position ``i``
    with its coordinate ``axis`` replaced by ``index[i]``.  ``index`` has the input's rank and
    is no larger in any other dimension."""
    xp = eng.xp
    ishape = tuple(index.shape)
    ndim = len(shape)
    if index.dtype != eng.int64:
        index = xp.astype(index, eng.int64)
    step, offsets, coords = _grid(eng, tuple(shape), ishape, axis)
    lin = index * step if offsets is None else index * step + offsets
    native = coords[:axis] + (index,) + coords[axis + 1:]
    return indexing.Index(None, tuple(shape), xp.reshape(lin, ishape) if ndim else lin, ishape,
                          native)


_GRIDS: dict = {}  # (namespace, shape, index shape, axis) -> `_grid`'s answer, never written to


def _grid(eng: Any, shape: tuple, ishape: tuple, axis: int) -> tuple[int, Any, tuple]:
    """What `along` adds to ``index * step`` (``step``: the stride of ``axis``): the linear
    offset of every other coordinate (None for a vector), and those coordinates, each an
    int64 range shaped to broadcast along its dimension.  They depend on the shapes only, so a
    loop that sorts or gathers the same shapes makes them once."""
    key = (eng.xp, shape, ishape, axis)
    found = _GRIDS.get(key)
    if found is not None:
        return found
    xp = eng.xp
    ndim = len(shape)
    st = strides(shape)
    offsets = None
    coords = []
    for d in range(ndim):
        if d == axis:
            coords.append(None)
            continue
        coord = xp.reshape(xp.arange(ishape[d], dtype=eng.int64),
                           tuple(ishape[d] if j == d else 1 for j in range(ndim)))
        coords.append(coord)
        offsets = coord * st[d] if offsets is None else offsets + coord * st[d]
    found = (st[axis] if ndim else 1, offsets, tuple(coords))
    if len(_GRIDS) >= 64:  # a bound: a model with ever new shapes must not fill memory
        _GRIDS.clear()
    _GRIDS[key] = found
    return found


def _check_gather_shapes(what: str, shape: tuple, ishape: tuple, axis: int,
                         other: tuple | None = None, name: str = "self") -> None:
    if len(ishape) != len(shape) and not (len(shape) <= 1 and len(ishape) <= 1):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as "
                           f"{'input' if what == 'gather' else name} tensor ({what}(): "
                           f"{len(ishape)} vs {len(shape)})")
    for d, (i, s) in enumerate(zip(ishape, shape)):
        if d != axis and i > s:
            raise RuntimeError(f"{what}(): Size does not match at dimension {d} expected index "
                               f"{list(ishape)} to be no larger than {name} {list(shape)} apart "
                               f"from dimension {axis}")
        if other is not None and i > other[d]:
            raise RuntimeError(f"{what}(): Expected index {list(ishape)} to be no larger than src "
                               f"{list(other)} in any dimension")


def _prepare(what: str, input: Any, dim: Any, index: Any) -> tuple[Any, int, Any]:
    eng = type(input)._eng
    idx = _index_array(index, what)
    axis = axis_of(dim, input.ndim, what)
    shape = tuple(input.shape)
    if not shape:  # 0-d: PyTorch treats it as one element along dim 0
        shape = (1,)
        idx = eng.xp.reshape(idx, (-1,)) if idx.ndim == 0 else idx
    _check_gather_shapes(what, shape, tuple(idx.shape), axis)
    _check_range(eng, idx, shape[axis], axis)
    return idx, axis, shape


# ------------------------------------------------------------------ user-facing functions
def gather(input: Any, dim: Any = None, index: Any = None, *, sparse_grad: bool = False,
           axis: Any = None) -> Any:
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (and so on): the elements ``index``
    picks along ``dim``; ``index`` has ``input``'s rank."""
    dim = dim_of(dim, axis, "gather")
    if dim is None or index is None:
        raise TypeError("gather() missing required arguments: dim and index")
    eng = type(input)._eng
    idx, axis, shape = _prepare("gather", input, dim, index)
    source = input if input.ndim else input.reshape(1)
    found = along(eng, shape, idx, axis)
    if not index.ndim:  # a 0-d result, fresh (not a view of a 1-element one)
        found = indexing.Index(None, found.shape, eng.xp.reshape(found.lin, ()), (), None)
    return unary(GatherBackward0, source, index=found, eng=eng)


def take_along_dim(input: Any, indices: Any, dim: Any = None, *, axis: Any = None) -> Any:
    """``gather`` with ``input`` and ``indices`` broadcast against each other apart from
    ``dim`` (or numpy's ``axis``); without it, on the flattened tensors."""
    if axis is not None:
        dim = axis
    if dim is None:
        flat = input.reshape(-1)
        return gather(flat, 0, indices.reshape(-1))
    axis = axis_of(dim, input.ndim, "take_along_dim")
    if indices.ndim != input.ndim:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number of "
                           f"dimensions, but got {input.ndim} dimensions for input, and "
                           f"{indices.ndim} dimensions for indices")
    a_shape, i_shape = list(input.shape), list(indices.shape)
    for d in range(input.ndim):
        if d == axis:
            continue
        if a_shape[d] != i_shape[d] and 1 not in (a_shape[d], i_shape[d]):
            raise RuntimeError(f"The size of tensor a ({a_shape[d]}) must match the size of "
                               f"tensor b ({i_shape[d]}) at non-singleton dimension {d}")
        a_shape[d] = i_shape[d] = max(a_shape[d], i_shape[d])
    if tuple(a_shape) != tuple(input.shape):
        input = input.expand(*a_shape)
    if tuple(i_shape) != tuple(indices.shape):
        indices = type(indices)._wrap(type(indices)._xp.broadcast_to(indices._data,
                                                                      tuple(i_shape)))
    return gather(input, axis, indices)


def index_select(input: Any, dim: Any = None, index: Any = None, *, axis: Any = None) -> Any:
    """The slices of ``input`` along ``dim`` at the positions of the vector ``index``."""
    dim = dim_of(dim, axis, "index_select")
    eng = type(input)._eng
    xp = type(input)._xp
    idx = _index_array(index, "index_select")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    idx = xp.reshape(idx, (-1,))
    d = axis_of(dim, input.ndim, "index_select")
    shape = tuple(input.shape) or (1,)
    if idx.size and (int(xp.min(idx)) < 0 or int(xp.max(idx)) >= shape[d]):
        bad = int(xp.reshape(idx[(idx < 0) | (idx >= shape[d])], (-1,))[0])
        # PyTorch's two kernels word it differently: along dim 0, and along any other dim
        if d == 0:
            raise IndexError(f"index out of range in self (index_select(): index {bad} along "
                             f"dim 0 of size {shape[0]}; valid indices are 0 to {shape[0] - 1})")
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={shape[d]} "
                           f"(index_select() along dim {d}: valid indices are 0 to "
                           f"{shape[d] - 1})")
    ishape = shape[:d] + (idx.shape[0],) + shape[d + 1:]
    full = xp.broadcast_to(xp.reshape(idx, tuple(-1 if j == d else 1 for j in range(len(shape)))),
                           ishape)
    source = input if input.ndim else input.reshape(1)
    out = unary(GatherBackward0, source, index=along(eng, shape, full, d), eng=eng,
                label="IndexSelectBackward0")
    return out if input.ndim else out.reshape(())


def masked_select(input: Any, mask: Any) -> Any:
    """The elements of ``input`` where the boolean ``mask`` holds (broadcasting), as a vector."""
    eng = type(input)._eng
    xp = type(input)._xp
    m = _bool_mask(mask, "masked_select")
    shape = _broadcast_shape("masked_select", tuple(input.shape), tuple(m.shape))
    if tuple(input.shape) != shape:
        input = input.expand(*shape)
    m = xp.broadcast_to(m, shape)
    flat = xp.reshape(m, (-1,))
    positions = xp.nonzero(flat)[0] if flat.shape[0] else xp.zeros((0,), dtype=eng.int64)
    index = indexing.Index(None, shape, xp.astype(positions, eng.int64),
                           (positions.shape[0],), None)
    return unary(GatherBackward0, input, index=index, eng=eng, label="MaskedSelectBackward0")


def scatter(input: Any, dim: Any = None, index: Any = None, src: Any = None, *,
            value: Any = None, reduce: Any = None, axis: Any = None) -> Any:
    """``input`` with ``src`` (a tensor, or a number) written at the positions ``index`` picks
    along ``dim`` (``out[index[i][j]][j] = src[i][j]`` for ``dim=0``)."""
    dim = dim_of(dim, axis, "scatter")
    if src is None:
        src = value
    if src is None or dim is None or index is None:
        raise TypeError("scatter() needs dim, index and src (a tensor) or value (a number)")
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got "
                               f"{reduce!r}")
        if isinstance(src, Tensor):  # (PyTorch's own notice, for the same call)
            notices.warn("The reduce argument of torch.scatter with Tensor src is deprecated "
                         "and will be removed in a future PyTorch release. Use "
                         "torch.scatter_reduce instead for more reduction options.",
                         once="scatter-reduce")
        if reduce == "add":
            if not isinstance(src, Tensor):
                src = type(input)._wrap(type(input)._xp.full(tuple(index.shape), src,
                                                             dtype=input._data.dtype))
            return scatter_add(input, dim, index, src)
    eng = type(input)._eng
    idx, axis, shape = _prepare("scatter", input, dim, index)
    index_obj = along(eng, shape, idx, axis)
    if isinstance(src, Tensor):
        src = _leading(src, tuple(idx.shape), "scatter", input)
    elif isinstance(src, bool) or not isinstance(src, (int, float)):
        raise TypeError(f"scatter(): src must be a tensor or a number, got {type(src).__name__}")
    target = input if input.ndim else input.reshape(1)
    if reduce == "multiply":
        if not isinstance(src, Tensor):
            src = type(input)._wrap(type(input)._xp.full(tuple(idx.shape), src,
                                                         dtype=input._data.dtype))
        out = apply(ScatterMultiply, (target, src), type(input), index=index_obj, eng=eng)
        return out if input.ndim else out.reshape(())
    out = apply(ScatterBackward0, (target, src), type(input), index=index_obj, eng=eng)
    return out if input.ndim else out.reshape(())


def scatter_add(input: Any, dim: Any = None, index: Any = None, src: Any = None, *,
                axis: Any = None) -> Any:
    """``input`` plus ``src`` added at the positions ``index`` picks along ``dim``;
    repeated positions accumulate."""
    dim = dim_of(dim, axis, "scatter_add")
    if dim is None or index is None or not isinstance(src, Tensor):
        raise TypeError("scatter_add() needs dim, index and src (a tensor)")
    eng = type(input)._eng
    idx, axis, shape = _prepare("scatter_add", input, dim, index)
    src = _leading(src, tuple(idx.shape), "scatter_add", input)
    target = input if input.ndim else input.reshape(1)
    out = apply(ScatterAddBackward0, (target, src), type(input),
                index=along(eng, shape, idx, axis), eng=eng)
    return out if input.ndim else out.reshape(())


def scatter_reduce(input: Any, dim: Any = None, index: Any = None, src: Any = None,
                   reduce: str | None = None, *, include_self: bool = True,
                   axis: Any = None, label: str = "ScatterReduceBackward0") -> Any:
    """``input`` with ``src``'s values combined into the positions ``index`` picks along
    ``dim`` by ``reduce`` ("sum", "prod", "mean", "amax" or "amin"), each position's own value
    joining in unless ``include_self=False``, as torch.scatter_reduce (differentiable in both
    ``input`` and ``src``)."""
    dim = dim_of(dim, axis, "scatter_reduce")
    if dim is None or index is None or not isinstance(src, Tensor):
        raise TypeError("scatter_reduce() needs dim, index, src (a tensor) and reduce")
    if reduce not in REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    if src._data.dtype != input._data.dtype:
        eng = type(input)._eng
        raise RuntimeError(f"scatter_reduce(): Expected self.dtype to be equal to src.dtype, got "
                           f"{eng.dtype_name(input._data.dtype)} and "
                           f"{eng.dtype_name(src._data.dtype)}")
    eng = type(input)._eng
    idx, axis, shape = _prepare("scatter_reduce", input, dim, index)
    src = _leading(src, tuple(idx.shape), "scatter_reduce", input)
    target = input if input.ndim else input.reshape(1)
    out = apply(ScatterReduceBackward0, (target, src), type(input),
                index=along(eng, shape, idx, axis), eng=eng, reduce=reduce,
                include_self=bool(include_self), label=label)
    return out if input.ndim else out.reshape(())


def index_reduce(input: Any, dim: int, index: Any, source: Any, reduce: str, *,
                 include_self: bool = True) -> Any:
    """``input`` with the slices of ``source`` along ``dim`` combined into the positions of the
    vector ``index`` by ``reduce`` ("prod", "mean", "amax" or "amin"), as torch.index_reduce."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    xp = type(input)._xp
    idx = _index_array(index, "index_reduce")
    if idx.ndim > 1:
        raise IndexError("index_reduce(): Index is supposed to be a vector")
    d = axis_of(dim, max(source.ndim, 1), "index_reduce")
    if source.ndim == 0:
        source = source.reshape(1)
    shape = [1] * source.ndim
    shape[d] = -1
    spread = xp.broadcast_to(xp.reshape(xp.reshape(idx, (-1,)), tuple(shape)),
                             tuple(source.shape))
    return scatter_reduce(input, d, constant(type(input), spread), source, reduce,
                          include_self=include_self, label="IndexReduceBackward0")


def index_add(input: Any, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Any:
    """``input`` plus ``alpha * source``, whose slices along ``dim`` go to the positions of the
    vector ``index`` (repeated positions accumulate)."""
    eng = type(input)._eng
    xp = type(input)._xp
    idx = _index_array(index, "index_add")
    if idx.ndim > 1:
        raise IndexError("index_add(): Index is supposed to be a vector")
    idx = xp.reshape(idx, (-1,))
    d = axis_of(dim, input.ndim, "index_add")
    shape = tuple(input.shape) or (1,)
    want = shape[:d] + (idx.shape[0],) + shape[d + 1:]
    sshape = tuple(source.shape) or (1,)
    if sshape != want:
        raise RuntimeError(f"index_add(): source tensor shape must match self tensor shape, "
                           f"excluding the specified dimension. Got self.shape = {list(shape)} "
                           f"source.shape = {list(sshape)}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"index_add(): self ({eng.dtype_name(input.dtype)}) and source "
                           f"({eng.dtype_name(source.dtype)}) must have the same scalar type")
    if d == 0 and idx.size and (int(xp.min(idx)) < 0 or int(xp.max(idx)) >= shape[0]):
        # PyTorch's kernel along dim 0 words it so; along other dims, as _check_range
        raise IndexError(f"index out of range in self (index_add(): an index along dim 0 of "
                         f"size {shape[0]} is outside 0 to {shape[0] - 1})")
    _check_range(eng, idx, shape[d], d)
    full = xp.broadcast_to(xp.reshape(idx, tuple(-1 if j == d else 1 for j in range(len(shape)))),
                           want)
    target = input if input.ndim else input.reshape(1)
    source = source if source.ndim else source.reshape(1)
    out = apply(ScatterAddBackward0, (target, source), type(input),
                index=along(eng, shape, full, d), eng=eng, alpha=alpha, label="IndexAddBackward0")
    return out if input.ndim else out.reshape(())


def masked_fill(input: Any, mask: Any, value: Any) -> Any:
    """``input`` with ``value`` (a number or a 0-d tensor) where the boolean ``mask`` holds;
    ``mask`` broadcasts."""
    m = _bool_mask(mask, "masked_fill")
    T = type(input)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value.ndim} dimension(s).")
        if value._data.dtype != input._data.dtype:
            value = value.to(input.dtype)
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"masked_fill(): value must be a number or a 0-d tensor, got "
                        f"{type(value).__name__}")
    elif not T._eng.is_floating(input._data.dtype):  # the value takes the input's dtype
        if isinstance(value, float) and not math.isfinite(value):
            raise RuntimeError(f"value cannot be converted to type "
                               f"{T._eng.dtype_name(input._data.dtype)}_t without overflow")
        value = bool(value) if T._eng.is_bool(input._data.dtype) else int(value)
    _broadcast_shape("masked_fill", tuple(input.shape), tuple(m.shape))
    return apply(MaskedFillBackward0, (input, value), T, mask=m)


def nonzero(input: Any, *, as_tuple: bool = False) -> Any:
    """The indices of the nonzero elements: a (count, ndim) int64 tensor, or with
    ``as_tuple=True`` one index vector per dimension."""
    T = type(input)
    eng, xp = T._eng, T._xp
    data = input._data
    if data.ndim == 0:
        hits = xp.reshape(data, (1,))
        count = int(xp.sum(xp.astype(hits != 0, eng.int64)))
        if as_tuple:
            return (constant(T, xp.zeros((count,), dtype=eng.int64)),)
        return constant(T, xp.zeros((count, 0), dtype=eng.int64))
    coords = [xp.astype(c, eng.int64) for c in xp.nonzero(data)]
    if as_tuple:
        return tuple(constant(T, c) for c in coords)
    return constant(T, xp.stack(coords, axis=1))


# ------------------------------------------------------------------ helpers
def _bool_mask(mask: Any, what: str) -> Any:
    if not isinstance(mask, Tensor):
        raise TypeError(f"{what}(): mask must be a boolean tensor, got {type(mask).__name__}")
    eng = type(mask)._eng
    if not eng.is_bool(mask._data.dtype):
        if what == "masked_select":  # (PyTorch's words, which differ by op)
            raise RuntimeError("masked_select: expected BoolTensor for mask (compare first, e.g. "
                               "mask != 0)")
        raise RuntimeError(f"{what}_ only supports boolean masks, but got mask with dtype "
                           f"{_C_NAMES.get(eng.dtype_name(mask._data.dtype), 'int')} (compare "
                           f"first, e.g. mask != 0)")
    return mask._data


def _broadcast_shape(what: str, a: tuple, b: tuple) -> tuple:
    out = []
    n = max(len(a), len(b))
    for i in range(1, n + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and 1 not in (x, y):  # PyTorch's words: the mask is its tensor a
            raise RuntimeError(f"The size of tensor a ({y}) must match the size of tensor b "
                               f"({x}) at non-singleton dimension {n - i}: {what}() takes a "
                               f"mask {list(b)} that broadcasts to the input {list(a)}")
        out.append(max(x, y) if 0 not in (x, y) else 0)
    return tuple(reversed(out))


def _leading(src: Any, ishape: tuple, what: str, input: Any) -> Any:
    """The block of ``src`` the index uses (its leading ``ishape`` elements), as a view."""
    sshape = tuple(src.shape) or (1,)
    if len(sshape) != len(ishape):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as src tensor "
                           f"({what}(): {len(ishape)} vs {len(sshape)})")
    if any(i > s for i, s in zip(ishape, sshape)):
        raise RuntimeError(f"{what}(): Expected index {list(ishape)} to be no larger than src "
                           f"{list(sshape)} in any dimension")
    if src._data.dtype != input._data.dtype:
        eng = type(input)._eng
        raise RuntimeError(f"{what}(): Expected self.dtype to be equal to src.dtype (got "
                           f"{eng.dtype_name(input.dtype)} and {eng.dtype_name(src.dtype)})")
    if not src.ndim:
        src = src.reshape(1)
    if sshape != ishape:
        src = src[tuple(slice(0, i) for i in ishape)]
    return src
