"""Reductions: sum mean max min (full, and along a dim), and sum_to (undoing broadcasting)."""

from __future__ import annotations

import builtins
import warnings
from typing import Any

# what max(dim)/min(dim) return: torch.return_types.max / .min
from gradspec.return_types import max_ as MaxResult
from gradspec.return_types import min_ as MinResult

from ..apply import constant, unary
from ..node import Node, register
from ..tensor import Tensor


def normalize_dims(dim: Any, ndim: int) -> tuple[int, ...] | None:
    """``dim`` (None, int, or sequence) as a sorted tuple of non-negative axes (empty for a 0-d
    tensor, whose only valid dims, 0 and -1, reduce nothing); None (every dimension) for None
    or an empty sequence."""
    if dim is None:
        return None
    if type(dim) is int and ndim and -ndim <= dim < ndim:  # one valid dim, the common call
        return (dim % ndim,)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:  # dim=[]: every dimension, as PyTorch's reductions read it
        return None
    out = []
    for d in dims:
        n = builtins.max(ndim, 1)  # this module defines its own max()
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                             f"but got {d})")
        out.append(d % n)
    if len(set(out)) != len(out):
        twice = next(d for d in out if out.count(d) > 1)
        raise RuntimeError(f"dim {twice} appears multiple times in the list of dims (got {dims})")
    return tuple(sorted(out)) if ndim else ()


def _restore(F: Any, g: Any, axes: tuple[int, ...] | None, keepdim: bool, shape: tuple) -> Any:
    """Broadcast a reduction's gradient back to the input's shape."""
    if axes is not None and not keepdim and len(shape) > 0:
        g = F.reshape(g, tuple(1 if i in axes else s for i, s in enumerate(shape)))
    return F.broadcast_to(g, shape)


@register("sum")
class SumBackward0(Node):
    __slots__ = ("axes", "keepdim", "shape")

    def forward(self, xp, a, axes=None, keepdim=False):
        self.axes, self.keepdim, self.shape = axes, keepdim, a.shape
        return xp.sum(a, axis=axes, keepdims=keepdim)

    def name(self):
        return "SumBackward0" if self.axes is None else "SumBackward1"

    def backward(self, F, g, a):
        return (_restore(F, g, self.axes, self.keepdim, self.shape),)


@register("mean")
class MeanBackward0(Node):
    __slots__ = ("axes", "keepdim", "shape", "count")

    def forward(self, xp, a, axes=None, keepdim=False):
        self.axes, self.keepdim, self.shape = axes, keepdim, a.shape
        n = 1
        for i, s in enumerate(a.shape):
            if axes is None or i in axes:
                n *= s
        self.count = n
        return xp.mean(a, axis=axes, keepdims=keepdim)

    def name(self):
        return "MeanBackward0" if self.axes is None else "MeanBackward1"

    def backward(self, F, g, a):
        return (_restore(F, g / self.count, self.axes, self.keepdim, self.shape),)


@register("sum_to", public=False)
class SumToBackward(Node):
    """Sum a broadcast gradient back to ``shape`` (the engine's single unbroadcast)."""

    __slots__ = ("shape",)

    def forward(self, xp, a, shape):
        self.shape = a.shape
        return sum_to_raw(xp, a, shape)

    def backward(self, F, g, a):
        return (F.broadcast_to(g, self.shape),)


def sum_to_raw(xp: Any, a: Any, shape: tuple[int, ...]) -> Any:
    lead = a.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and a.shape[lead + i] != 1)
    if axes:
        a = xp.sum(a, axis=axes, keepdims=True)
    if lead or a.shape != tuple(shape):
        a = xp.reshape(a, tuple(shape))
    return a


@register("max")
class MaxBackward1(Node):
    """Full max: ties share the gradient evenly (as PyTorch's max() and amax())."""

    saves = (0,)
    saves_output = True

    def forward(self, xp, a):
        return xp.max(a)

    def backward(self, F, g, a, out):
        return (evenly(F, g, a, out),)


@register("min")
class MinBackward1(Node):
    saves = (0,)
    saves_output = True

    def forward(self, xp, a):
        return xp.min(a)

    def backward(self, F, g, a, out):
        return (evenly(F, g, a, out),)


def evenly(F: Any, g: Any, a: Any, out: Any) -> Any:
    """The gradient of a full reduction that picks an element (max(), min(), median()):
    ``g`` shared evenly by the elements of ``a`` equal to ``out`` (the NaNs, for a NaN
    ``out``), 0 for the others even where ``g`` is inf or NaN (a product with the mask would
    give NaN), as PyTorch's evenly_distribute_backward."""
    hit = (a == out) | ((a != a) & (out != out))  # (x != x: NaN, on arrays and tensors alike)
    mask = F.astype(hit, g.dtype)
    return F.where(hit, g / F.sum(mask), F.zeros_like(mask))


@register("max_dim")
class MaxBackward0(Node):
    """``max(dim)``: the gradient goes to the index it returned (the first maximum)."""

    __slots__ = ("axis", "keepdim", "shape", "indices")
    keeps = ("indices",)

    def forward(self, xp, a, axis, keepdim):
        return _reduce_dim(self, xp, a, axis, keepdim, xp.argmax)

    def backward(self, F, g, a):
        return (_route(F, g, self),)


@register("min_dim")
class MinBackward0(Node):
    __slots__ = ("axis", "keepdim", "shape", "indices")
    keeps = ("indices",)

    def forward(self, xp, a, axis, keepdim):
        return _reduce_dim(self, xp, a, axis, keepdim, xp.argmin)

    def backward(self, F, g, a):
        return (_route(F, g, self),)


def _reduce_dim(node: Any, xp: Any, a: Any, axis: int, keepdim: bool, arg: Any) -> Any:
    node.axis, node.keepdim, node.shape = axis, keepdim, a.shape
    idx = _positions(xp, arg, a, axis)
    node.indices = idx
    # the picked elements themselves: their dtype kept (a sum would widen uint8 and bool)
    values = xp.take_along_axis(a, idx, axis=axis)
    return values if keepdim else xp.squeeze(values, axis=axis)


def _positions(xp: Any, arg: Any, a: Any, axis: int) -> Any:
    """``arg`` (argmax or argmin) along ``axis``, kept dims; booleans as 0 and 1 (a namespace
    may refuse argmax of booleans, which PyTorch's max(dim) takes)."""
    return arg(xp.astype(a, xp.uint8) if a.dtype == xp.bool else a, axis=axis, keepdims=True)


def _route(F: Any, g: Any, node: Any) -> Any:
    if not node.keepdim:
        g = F.expand_dims(g, node.axis)
    onehot = F.onehot(g, node.indices, node.shape, node.axis)
    return g * onehot


# ------------------------------------------------------------------ user-facing functions
def _float_or_int(a: Any) -> Any:
    """``a`` as a sum takes it: bools and every integer dtype are summed as int64 (PyTorch's
    rule; numpy sums uint8 as uint64 and int32 as the platform's integer)."""
    eng = type(a)._eng
    dtype = a._data.dtype
    if eng.kind(dtype) != "f" and dtype != eng.int64:
        return a.to(eng.int64)
    return a


def sum(a: Any, dim: Any = None, keepdim: bool = False, dtype: Any = None, *, axis: Any = None,
        keepdims: Any = None) -> Any:
    if axis is not None or keepdims is not None:  # numpy's spellings, as PyTorch accepts them
        dim, keepdim = _aliases("sum", dim, axis, keepdim, keepdims)
    if dtype is None:
        a = _float_or_int(a)
        axes = normalize_dims(dim, a.ndim)
        return _c_order(unary(SumBackward0, a, axes=axes, keepdim=keepdim), a, axes)
    a = a.to(dtype)
    wanted = a.dtype
    a = _float_or_int(a)
    axes = normalize_dims(dim, a.ndim)
    out = _c_order(unary(SumBackward0, a, axes=axes, keepdim=keepdim), a, axes)
    # an integer dtype= is the result's (summed in int64: the same bits modulo its width)
    return out if wanted == out.dtype else out.to(wanted)


def mean(a: Any, dim: Any = None, keepdim: bool = False, dtype: Any = None, *, axis: Any = None,
         keepdims: Any = None) -> Any:
    if axis is not None or keepdims is not None:
        dim, keepdim = _aliases("mean", dim, axis, keepdim, keepdims)
    if dtype is not None:
        a = a.to(dtype)
    eng = type(a)._eng
    if not eng.is_floating(a._data.dtype):
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {eng.scalar_type_name(a._data.dtype)} (call .float() "
            f"first, or pass dtype=)")
    axes = normalize_dims(dim, a.ndim)
    if 0 in a._data.shape:  # the mean of nothing is NaN, without the host's notices (as PyTorch)
        with warnings.catch_warnings(), eng.quiet():
            warnings.simplefilter("ignore", RuntimeWarning)
            return _c_order(unary(MeanBackward0, a, axes=axes, keepdim=keepdim), a, axes)
    return _c_order(unary(MeanBackward0, a, axes=axes, keepdim=keepdim), a, axes)


def _c_order(out: Any, a: Any, axes: Any) -> Any:
    """A reduction's result in C order, as PyTorch's (numpy keeps the input's layout in what
    remains, so a view() of it could fail).  Only a result of two or more dims can differ, so
    the common reductions pay one comparison."""
    if axes and a._data.ndim > 2:
        out._data = type(a)._eng.c_order(out._data)
    return out


def sum_to(a: Any, shape: tuple[int, ...]) -> Any:
    if tuple(a.shape) == tuple(shape):
        return a
    return unary(SumToBackward, a, shape=tuple(shape))


def _full_or_dim(node_full: type, node_dim: type, a: Any, dim: Any, keepdim: bool, what: str) -> Any:
    if isinstance(dim, Tensor):  # max(a, b): the elementwise form
        from .select import maximum, minimum

        return maximum(a, dim) if what == "max" else minimum(a, dim)
    if dim is None:
        if a.numel() == 0:
            raise RuntimeError(f"{what}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        return unary(node_full, a)
    (axis,) = normalize_dims(dim, a.ndim) or (0,)
    _nonempty_along(a, axis, what)
    if a.ndim == 0:
        return (MaxResult if what == "max" else MinResult)(
            unary(node_full, a), constant(type(a), type(a)._xp.asarray(0)))
    values = _c_order(unary(node_dim, a, axis=axis, keepdim=keepdim), a, (axis,))
    node = values._grad_fn
    xp = type(a)._xp
    if node is not None:
        idx = node.indices
    else:
        idx = _positions(xp, xp.argmax if what == "max" else xp.argmin, a._data, axis)
    if not keepdim:
        idx = xp.squeeze(idx, axis=axis)
    return (MaxResult if what == "max" else MinResult)(values, constant(type(a), idx))


def max(a: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: Any = None) -> Any:
    if axis is not None or keepdims is not None:
        dim, keepdim = _aliases("max", dim, axis, keepdim, keepdims)
    return _full_or_dim(MaxBackward1, MaxBackward0, a, dim, keepdim, "max")


def min(a: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: Any = None) -> Any:
    if axis is not None or keepdims is not None:
        dim, keepdim = _aliases("min", dim, axis, keepdim, keepdims)
    return _full_or_dim(MinBackward1, MinBackward0, a, dim, keepdim, "min")


def _nonempty_along(a: Any, axis: Any, what: str) -> None:
    """PyTorch's refusal of a max/min (or their positions) along a dimension of size 0."""
    if axis is not None and a.ndim and a._data.shape[axis] == 0:
        raise IndexError(f"{what}(): Expected reduction dim {axis} to have non-zero size.")


def _position(a: Any, dim: Any, keepdim: bool, what: str) -> Any:
    """argmax/argmin: the flat position over everything (kept as 1s in every dimension with
    ``keepdim``, as PyTorch keeps it), else along ``dim``."""
    xp = type(a)._xp
    find = xp.argmax if what == "argmax" else xp.argmin
    if dim is None:
        if a.numel() == 0:
            raise IndexError(f"{what}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        found = find(xp.reshape(a._data, (-1,)))
        return constant(type(a), xp.reshape(found, (1,) * a.ndim) if keepdim else found)
    (axis,) = normalize_dims(dim, a.ndim) or (None,)
    _nonempty_along(a, axis, what)
    return constant(type(a), find(a._data, axis=axis, keepdims=keepdim))


def argmax(a: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
           keepdims: Any = None) -> Any:
    if axis is not None or keepdims is not None:
        dim, keepdim = _aliases("argmax", dim, axis, keepdim, keepdims)
    return _position(a, dim, keepdim, "argmax")


def argmin(a: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
           keepdims: Any = None) -> Any:
    if axis is not None or keepdims is not None:
        dim, keepdim = _aliases("argmin", dim, axis, keepdim, keepdims)
    return _position(a, dim, keepdim, "argmin")


def _aliases(what: str, dim: Any, axis: Any, keepdim: Any, keepdims: Any) -> tuple[Any, bool]:
    """``dim``/``keepdim`` from numpy's spellings ``axis``/``keepdims`` (ops, issue 12)."""
    from .args import dim_of, keepdim_of

    return dim_of(dim, axis, what), keepdim_of(keepdim, keepdims, what)
