"""Views and indexing: reshape/view, permute/transpose, squeeze/unsqueeze, expand, getitem,
and indexed assignment (CopySlices).

A view's data aliases its base's (the engine relies on the namespace returning views for
basic slicing, reshapes that need no copy, transposes and broadcasts: numpy, CuPy and
array_api_strict all do).  Each view records the *steps* from its base, so that after an
in-place change the base's graph can be rebased (``rebase``) and the view's grad_fn replayed
(``replay``).  A step is ``(kind, argument)`` with kind ``reshape``, ``permute``, ``expand`` or
``getitem`` (a basic key).
"""

from __future__ import annotations

from typing import Any

from ..apply import _edge, apply, unary
from ..node import Node, register, rename, shown
from ..tensor import Tensor
from . import indexing


def _shape_arg(shape: tuple) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple([int(s) for s in shape])


def infer_shape(shape: tuple, numel: int) -> tuple[int, ...]:
    """``shape`` with its one -1 (if any) worked out from ``numel``; checked, in one pass."""
    known, free = 1, -1
    for i, s in enumerate(shape):
        if s == -1:
            if free >= 0:
                raise RuntimeError("only one dimension can be inferred (-1)")
            free = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape "
                               f"{list(shape)}")
        else:
            known *= s
    if free >= 0:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}: "
                               f"the sizes must multiply to {numel}")
        return tuple(shape[:free]) + (numel // known,) + tuple(shape[free + 1:])
    if known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}: the "
                           f"sizes must multiply to {numel} (-1 lets one size be inferred)")
    return tuple(shape)


@register("reshape")
class ViewBackward0(Node):
    __slots__ = ("shape", "label", "copied")

    def forward(self, xp, a, shape, view, label="ViewBackward0"):
        self.shape, self.label, self.copied = a.shape, label, not view
        return xp.reshape(a, shape, copy=False) if view else xp.reshape(a, shape)

    def name(self):
        return self.label

    def shown_next(self, edges):
        # a reshape that had to copy is PyTorch's _unsafe_view of a clone
        return (shown("CloneBackward0", edges[0]),) if self.copied else edges

    def backward(self, F, g, a):
        return (F.reshape(g, self.shape),)


@register("permute")
class PermuteBackward0(Node):
    __slots__ = ("axes", "label")

    def forward(self, xp, a, axes, label):
        self.axes, self.label = axes, label
        return xp.permute_dims(a, axes)

    def name(self):
        return self.label

    def backward(self, F, g, a):
        inverse = [0] * len(self.axes)
        for i, ax in enumerate(self.axes):
            inverse[ax] = i
        return (F.permute_dims(g, tuple(inverse)),)


@register("expand")
class ExpandBackward0(Node):
    __slots__ = ("shape",)

    def forward(self, xp, a, shape):
        self.shape = a.shape
        return xp.broadcast_to(a, shape)

    def backward(self, F, g, a):
        return (F.sum_to(g, self.shape),)


@register("getitem")
class SliceBackward0(Node):
    """Basic indexing (ints, slices, None, Ellipsis): a view, named as PyTorch names the
    last view its indexing made (`index_label`)."""

    __slots__ = ("key", "shape", "label")

    def forward(self, xp, a, key, label=None):
        self.key, self.shape, self.label = key, a.shape, label
        return a[key]

    def name(self):
        return self.label or index_label(self.key, self.key, self.shape)

    def backward(self, F, g, a):
        return (F.slice_scatter(g, self.key, self.shape),)


@register("slice_scatter", public=False)
class SliceScatterBackward(Node):
    """Zeros of ``shape`` with ``g`` at a basic key: getitem's backward, differentiable."""

    __slots__ = ("key",)

    def forward(self, xp, g, key, shape):
        self.key = key
        out = xp.zeros(shape, dtype=g.dtype)
        indexing.set_basic(xp, out, key, g)
        return out

    def backward(self, F, gg, g):
        return (F.getitem(gg, self.key),)


@register("index")
class IndexBackward0(Node):
    """Advanced indexing (integer arrays, masks): a copy; repeated indices accumulate."""

    __slots__ = ("index",)
    keeps = ("index",)

    def forward(self, xp, a, index, eng):
        self.index = index
        return indexing.gather(eng, a, index)

    def backward(self, F, g, a):
        return (F.index_scatter(g, self.index),)


@register("index_scatter", public=False)
class IndexPutBackward0(Node):
    __slots__ = ("index",)
    keeps = ("index",)

    def forward(self, xp, g, index, eng):
        self.index = index
        return indexing.scatter_add(eng, g, index, g.dtype)

    def backward(self, F, gg, g):
        return (F.index_gather(gg, self.index),)


@register("setitem")
class CopySlices(Node):
    """``base`` with the region ``steps`` + ``key`` replaced by ``value`` (indexed assignment and
    in-place ops through views).  Out of place here; in-place updates build it with rebase()."""

    __slots__ = ("steps", "key")
    # always freed, as PyTorch's CopySlices (it releases the node of the op it replaced), and
    # its key may hold index arrays
    keeps = ("key",)
    broadcasts = True

    def forward(self, xp, base, value, steps, key, eng):
        self.steps, self.key = steps, key
        out = eng.copy(base)
        write_region(eng, out, steps, key, value)
        return out

    def name(self):
        return "torch::autograd::CopySlices"

    def backward(self, F, g, base, value):
        gb, gv = self._next
        return (F.copy_slices(g, self.steps, self.key, 0) if gb is not None else None,
                F.region(g, self.steps, self.key) if gv is not None else None)


# ------------------------------------------------------------------ raw helpers (also used by F)
def replay_raw(xp: Any, data: Any, steps: tuple, read_only: bool = False) -> Any:
    """``data`` seen through the view ``steps``; writable (each reshape a view) unless
    ``read_only``, where a reshape may copy (a gradient arriving broadcast, stride 0, has no
    flat view)."""
    for kind, arg in steps:
        if kind == "reshape":
            data = xp.reshape(data, arg, copy=None if read_only else False)
        elif kind == "permute":
            data = xp.permute_dims(data, arg)
        elif kind == "expand":
            data = xp.broadcast_to(data, arg)
        else:
            data = data[arg]
    return data


def write_region(eng: Any, target: Any, steps: tuple, key: Any, value: Any) -> None:
    region = replay_raw(eng.xp, target, steps)
    if key is None:
        region[...] = eng.cast_like(value, region)
    else:
        indexing.put(eng, region, key, value)


def region_raw(eng: Any, data: Any, steps: tuple, key: Any) -> Any:
    region = replay_raw(eng.xp, data, steps, read_only=True)
    if key is None:
        return region
    return region[key.basic] if key.basic is not None else indexing.gather(eng, region, key)


# ------------------------------------------------------------------ graph helpers
def replay(t: Any, steps: tuple) -> Any:
    """Apply view ``steps`` to tensor ``t`` with the differentiable view functions."""
    for kind, arg in steps:
        if kind == "reshape":
            t = _reshape(t, arg, view=True)
        elif kind == "permute":
            t = permute(t, arg)
        elif kind == "expand":
            t = expand(t, arg)
        else:
            t = _getitem_basic(t, arg)
    return t


def rebase(base: Any, steps: tuple, key: Any, value: Any) -> None:
    """Record that ``base``'s region (``steps``, ``key``) now holds ``value`` (data already
    written): ``base``'s grad_fn becomes a CopySlices node."""

    node = CopySlices.__new__(CopySlices)
    node.steps, node.key = steps, key
    node._next = (_edge(base), _edge(value) if isinstance(value, Tensor) else None)
    node._saved = (None, None)
    node._x = None
    # the value's gradient comes back shaped like the region: reduce/cast it to the value's
    node._meta = [None, (value._data.shape, value._data.dtype)] if node._next[1] is not None else None
    old = base._grad_fn
    base._grad_fn = node
    base._requires_grad = True
    if old is not None and old._x is not None and old._x.retain is not None:
        node._extra().retain, old._x.retain = old._x.retain, None


# ------------------------------------------------------------------ user-facing functions
def _view(a: Any, node_cls: type, step: tuple, **params: Any) -> Any:
    out = unary(node_cls, a, **params)
    return a._make_view(out, (step,))


def _reshape(a: Any, shape: tuple, view: bool, label: str = "ViewBackward0",
             valid: bool = False, copied: str = "UnsafeViewBackward0") -> Any:
    """``a`` in ``shape`` (checked and -1 inferred unless ``valid``): a view where the memory
    layout allows, else (unless ``view`` is required) a copy, named ``copied`` then (PyTorch's
    reshape copies as ``_unsafe_view(clone(a))``)."""
    if not valid:
        shape = infer_shape(shape, a.numel())
    step = ("reshape", shape)
    try:  # a view when the memory layout allows it
        return _view(a, ViewBackward0, step, shape=shape, view=True, label=label)
    except (ValueError, AttributeError, TypeError) as exc:
        if view:
            raise RuntimeError(
                f"view size is not compatible with input tensor's size and stride ({exc}); use "
                ".reshape(...) instead") from None
    if label == "ViewBackward0":  # (shown over CloneBackward0, as PyTorch's graph has it)
        label = copied
    return unary(ViewBackward0, a, shape=shape, view=False, label=label)  # reshape copies


def reshape(a: Any, *sizes: Any, shape: Any = None) -> Any:
    return _reshape(a, _shape_arg(sizes if shape is None else (shape,)), view=False)


def view(a: Any, *sizes: Any, size: Any = None) -> Any:
    return _reshape(a, _shape_arg(sizes if size is None else (size,)), view=True)


def flatten(a: Any, start_dim: int = 0, end_dim: int = -1) -> Any:
    shape = tuple(a.shape)
    s, e = _axis(start_dim, len(shape)), _axis(end_dim, len(shape))
    if not shape:
        return reshape(a, (1,))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return a  # nothing to flatten: the tensor itself, as PyTorch documents
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return reshape(a, shape[:s] + (n,) + shape[e + 1:])


def _axis(d: int, ndim: int) -> int:
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {d})")
    return d % n


def _expand_refused(sizes: tuple, shape: tuple, lead: int) -> None:
    """PyTorch's refusal of an expand, naming the last dimension that cannot grow."""
    for i in range(len(sizes) - 1, lead - 1, -1):
        cur = shape[i - lead]
        want = cur if sizes[i] == -1 else sizes[i]
        if cur != 1 and want != cur:
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size ({cur}) "
                f"at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(shape)}")


def permute(a: Any, *order: Any, dims: Any = None, label: str = "PermuteBackward0") -> Any:
    n = a._data.ndim
    given = _shape_arg(order if dims is None else (dims,))
    if len(given) != n:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {n} is not equal to len(dims) = {len(given)}")
    axes = tuple([_axis(d, n) for d in given])
    if sorted(axes) != list(range(n)):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _view(a, PermuteBackward0, ("permute", axes), axes=axes, label=label)


def reverse_dims(a: Any) -> Any:
    """``a.T``: every dim reversed, a permute (also for a matrix, as in PyTorch)."""
    n = a._data.ndim
    axes = tuple(range(n - 1, -1, -1))
    return _view(a, PermuteBackward0, ("permute", axes), axes=axes, label="PermuteBackward0")


def transpose(a: Any, dim0: int, dim1: int) -> Any:
    return _transpose(a, dim0, dim1, "TransposeBackward0")


def _transpose(a: Any, dim0: int, dim1: int, label: str) -> Any:
    axes = list(range(a.ndim))
    d0, d1 = _axis(dim0, a.ndim), _axis(dim1, a.ndim)
    axes[d0], axes[d1] = axes[d1], axes[d0]
    if a.ndim < 2:
        return _reshape(a, tuple(a.shape), view=True, label=label)
    return permute(a, *axes, label=label)


def t(a: Any) -> Any:
    return _t(a, "TBackward0")


def _t(a: Any, label: str) -> Any:
    if a.ndim > 2:
        name = "t_" if label == "TBackward1" else "t"
        raise RuntimeError(f"{name}() expects a tensor with <= 2 dimensions, but self is "
                           f"{a.ndim}D")
    if a.ndim < 2:
        return _reshape(a, tuple(a.shape), view=True, label=label)
    return _view(a, PermuteBackward0, ("permute", (1, 0)), axes=(1, 0), label=label)


def squeeze(a: Any, dim: Any = None, *, axis: Any = None) -> Any:
    if axis is not None:  # numpy's spelling, which PyTorch takes too
        dim = axis
    return _squeeze(a, dim, "SqueezeBackward0" if dim is None else "SqueezeBackward1")


def _squeeze(a: Any, dim: Any, label: str) -> Any:
    shape = tuple(a._data.shape)  # (not a.shape: a Size made for nothing)
    if dim is None:
        new = tuple([s for s in shape if s != 1])
    else:
        dims = {_axis(d, a.ndim) for d in ((dim,) if isinstance(dim, int) else dim)}
        new = tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1))
    return _reshape(a, new, view=True, label=label, valid=True)


def unsqueeze(a: Any, dim: int) -> Any:
    return _unsqueeze(a, dim, "UnsqueezeBackward0")


def _unsqueeze(a: Any, dim: int, label: str) -> Any:
    n = a.ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim}): unsqueeze() of a {a.ndim}-d tensor")
    d = dim % n
    shape = tuple(a._data.shape)
    return _reshape(a, shape[:d] + (1,) + shape[d:], view=True, label=label, valid=True)


def _become(a: Any, make: Any) -> Any:
    """``a`` itself takes on the view ``make()`` cuts from it: the in-place shape ops
    (squeeze_, unsqueeze_, t_, transpose_).  As in PyTorch the tensor keeps its identity and
    its storage (aliases made before keep their own shape), its version moves on, and where
    the op is recorded the view's node becomes its grad_fn (the view's own name, e.g.
    UnsqueezeBackward1)."""
    a._guard_inplace()
    a._fresh()
    a._own()  # a 0-d numpy result is an immutable scalar: give it storage to alias
    out = make()
    a._data = out._data
    x, ox = a._x, out._x
    if x is not None and x.base is not None:  # a view: one step more from its base
        x.steps = ox.steps
    node = out._grad_fn
    if node is not None:
        old = a._grad_fn
        a._grad_fn, a._requires_grad = node, out._requires_grad
        if old is not None and old._x is not None and old._x.retain is not None:
            node._extra().retain = old._x.retain  # retain_grad follows the new version
            old._x.retain = None
    a._bump()
    if x is not None and x.base is not None:
        x.view_version = a._vc.value  # its grad_fn is current: no replay from the base
    return a


def squeeze_(a: Any, dim: Any = None) -> Any:
    """``a.squeeze_(dim)``: `squeeze` in place (the tensor's shape changes, not its data)."""
    label = ("SqueezeBackward3" if dim is None else
             "SqueezeBackward4" if isinstance(dim, int) else "SqueezeBackward5")
    return _become(a, lambda: _squeeze(a, dim, label))


def unsqueeze_(a: Any, dim: int) -> Any:
    """``a.unsqueeze_(dim)``: `unsqueeze` in place."""
    return _become(a, lambda: _unsqueeze(a, dim, "UnsqueezeBackward1"))


def transpose_(a: Any, dim0: int, dim1: int) -> Any:
    """``a.transpose_(dim0, dim1)`` (also ``swapdims_``/``swapaxes_``): `transpose` in
    place."""
    return _become(a, lambda: _transpose(a, dim0, dim1, "TransposeBackward1"))


def t_(a: Any) -> Any:
    """``a.t_()``: `t` in place (tensors of at most 2 dimensions)."""
    return _become(a, lambda: _t(a, "TBackward1"))


def expand(a: Any, *sizes: Any, size: Any = None) -> Any:
    sizes = _shape_arg(sizes if size is None else (size,))
    shape = tuple(a.shape)
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand: the number of sizes ({len(sizes)}) must be at least the tensor's dimensions "
            f"({len(shape)})")
    lead = len(sizes) - len(shape)
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError("expand: -1 is not allowed for a new leading dimension")
            out.append(s)
        else:
            cur = shape[i - lead]
            want = cur if s == -1 else s
            if cur != 1 and want != cur:
                _expand_refused(sizes, shape, lead)
            out.append(want)
    out = tuple(out)
    return _view(a, ExpandBackward0, ("expand", out), shape=out)


def expand_as(a: Any, other: Any) -> Any:
    return expand(a, tuple(other.shape))


def broadcast_to(a: Any, shape: tuple) -> Any:
    return expand(a, tuple(shape))


def index_label(raw: Any, basic: tuple, shape: tuple) -> str:
    """The grad_fn name PyTorch gives ``x[raw]`` for a basic key (``basic``, its normalised
    form, for an input of ``shape``): indexing applies each component in turn (an int
    selects, None unsqueezes, a slice slices) and the result shows the last one; in a tuple, a
    slice over a whole dimension is skipped, and a key that does nothing is an alias."""
    if not isinstance(raw, tuple):  # one component is applied whatever it is
        if raw is None:
            return "UnsqueezeBackward0"
        if raw is Ellipsis:
            return "AliasBackward0"
        return "SliceBackward0" if isinstance(raw, slice) else "SelectBackward0"
    label = "AliasBackward0"
    used = sum(1 for c in basic if c is not None and c is not Ellipsis)
    dim = 0
    for c in basic:
        if c is Ellipsis:
            dim += len(shape) - used
        elif c is None:
            label = "UnsqueezeBackward0"
        else:
            if isinstance(c, int):
                label = "SelectBackward0"
            elif not (c.start == 0 and c.step == 1 and c.stop >= shape[dim]):
                label = "SliceBackward0"
            dim += 1
    return label


def _getitem_basic(a: Any, key: tuple, label: str | None = None) -> Any:
    return _view(a, SliceBackward0, ("getitem", key), key=key, label=label)


def getitem(a: Any, key: Any) -> Any:
    if type(key) is int:  # x[i], the commonest key: one bounds check, no normalising
        shape = a._data.shape
        if shape and -shape[0] <= key < shape[0]:
            return _getitem_basic(a, (key, Ellipsis), "SelectBackward0")
    eng = type(a)._eng
    shape = tuple(a._data.shape)
    index = indexing.normalize(key, shape, eng)
    if index.basic is not None:
        return _getitem_basic(a, index.basic, index_label(key, index.basic, shape))
    return unary(IndexBackward0, a, index=index, eng=eng)


def _selects_all(key: Any) -> bool:
    """A key of full slices and ellipses only (``t[:]``, ``t[...]``, ``t[:, :]``)."""
    keys = key if isinstance(key, tuple) else (key,)
    return all(k is Ellipsis or (type(k) is slice and k == slice(None)) for k in keys)


def _assignment_name(eng: Any, key: Any, value: Any) -> str | None:
    """PyTorch's node for ``t[key] = value`` written into ``t`` itself, where it is not
    CopySlices: ``index_put_``'s for tensor, list or mask indices whose other parts take whole
    dimensions (``t[m] = v``, ``t[:, i] = v``), ``fill_``'s or ``copy_``'s for a key that takes
    everything (``t[:] = 0``); None where PyTorch first takes a view (an integer, a partial slice
    or None in the key), whose write shows as CopySlices."""
    keys = key if isinstance(key, tuple) else (key,)
    advanced = False
    for k in keys:
        if k is Ellipsis or (type(k) is slice and k == slice(None)):
            continue
        if k is None or isinstance(k, (int, slice)) and not isinstance(k, bool):
            return None
        if (isinstance(k, Tensor) and k.ndim == 0 and eng.is_integer(k._data.dtype)
                and eng.dtype_name(k._data.dtype) != "uint8"):
            return None  # a 0-d integer tensor indexes as an integer
        advanced = True
    if advanced:
        return "IndexPutBackward0"
    return "torch::autograd::CopyBackwards" if isinstance(value, Tensor) else "FillBackward3"


def setitem(t: Any, key: Any, value: Any) -> None:
    """``t[key] = value``: in place; recorded as CopySlices when autograd is involved (shown as
    PyTorch shows the op it runs: `_assignment_name`)."""
    from ..grad_mode import STATE

    eng = type(t)._eng
    given = value
    index = indexing.normalize(key, tuple(t.shape), eng)
    # t[0] = v writes through a view (t[:] = v and t[...] = v, as in PyTorch, into t itself)
    t._guard_inplace(through_view=index.basic is not None and not _selects_all(key))
    t._fresh()
    if isinstance(value, Tensor):
        # a view whose base changed in place since (t[0] += v assigns t[0] back to itself)
        # takes its graph from the base now, before this assignment moves the base on
        value._fresh()
    elif not isinstance(value, (int, float, bool)):
        value = type(t)._wrap(eng.asarray(value, dtype=t._data.dtype))
    x = t._x
    base = x.base if x is not None else None
    tracked = STATE.enabled and (t._requires_grad or (isinstance(value, Tensor) and value._requires_grad)
                                 or (base is not None and base._requires_grad))
    raw_value = value._data if isinstance(value, Tensor) else value
    try:
        indexing.put(eng, t._data, index, raw_value)
    except ValueError as exc:
        raise RuntimeError(f"indexed assignment failed: {exc}") from exc
    t._bump()
    if tracked:
        if base is None:
            rebase(t, (), index, value)
            name = _assignment_name(eng, key, given)
            if name is not None:
                rename(t._grad_fn, name)
        else:
            rebase(base, x.steps, index, value)


def copy_slices(base: Any, steps: tuple, key: Any, value: Any) -> Any:
    return apply(CopySlices, (base, value), type(base), steps=steps, key=key, eng=type(base)._eng)


def region(g: Any, steps: tuple, key: Any) -> Any:
    r = replay(g, steps)
    if key is None:
        return r
    if key.basic is not None:
        return _getitem_basic(r, key.basic)
    return unary(IndexBackward0, r, index=key, eng=type(g)._eng)


def slice_scatter(g: Any, key: tuple, shape: tuple) -> Any:
    return unary(SliceScatterBackward, g, key=key, shape=shape)


def index_scatter(g: Any, index: Any) -> Any:
    return unary(IndexPutBackward0, g, index=index, eng=type(g)._eng)


def index_gather(g: Any, index: Any) -> Any:
    return unary(IndexBackward0, g, index=index, eng=type(g)._eng)
