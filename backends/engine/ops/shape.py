"""Shape ops: split chunk unbind (views, one node per piece), narrow, repeat tile,
repeat_interleave, flip, roll, movedim/moveaxis, swapaxes/swapdims."""

from __future__ import annotations

import operator
from typing import Any

from ..apply import unary
from ..node import Node, register
from ..tensor import Tensor
from .args import axis_of, dim_of
from .views import _shape_arg, _view, getitem, permute, reshape, transpose


@register("split")
class SplitBackward0(Node):
    """One piece of split/chunk/unbind: a view of the input at a basic key.  PyTorch's pieces
    share one node; here each piece has its own, under the same name."""

    __slots__ = ("key", "shape", "label")

    def forward(self, xp, a, key, label):
        self.key, self.shape, self.label = key, a.shape, label
        return a[key]

    def name(self):
        return self.label

    def backward(self, F, g, a):
        return (F.slice_scatter(g, self.key, self.shape),)


@register("repeat")
class RepeatBackward0(Node):
    """The input tiled ``reps`` times along each dimension (new leading dims for extra reps)."""

    __slots__ = ("shape", "reps")

    def forward(self, xp, a, reps):
        self.shape, self.reps = a.shape, reps
        lead = len(reps) - a.ndim
        return xp.tile(xp.reshape(a, (1,) * lead + tuple(a.shape)), reps)

    def backward(self, F, g, a):
        # (r0*s0, r1*s1, ...) -> (r0, s0, r1, s1, ...): sum the copies, axes 0, 2, 4, ...
        full = (1,) * (len(self.reps) - len(self.shape)) + tuple(self.shape)
        split: list[int] = []
        for r, s in zip(self.reps, full):
            split += [r, s]
        summed = F.sum(F.reshape(g, tuple(split)), axis=tuple(range(0, len(split), 2)))
        return (F.reshape(summed, tuple(self.shape)),)


@register("flip")
class FlipBackward0(Node):
    """The input with the order of ``axes`` reversed (a copy, as in PyTorch)."""

    __slots__ = ("axes",)

    def forward(self, xp, a, axes):
        self.axes = axes
        return xp.asarray(xp.flip(a, axis=axes), copy=True)  # numpy's flip is a view

    def backward(self, F, g, a):
        return (F.apply(FlipBackward0, g, axes=self.axes),)


@register("roll")
class RollBackward0(Node):
    """Elements shifted cyclically by ``shifts`` along ``axes`` (or the flattened tensor)."""

    contiguous = True
    __slots__ = ("shifts", "axes")

    def forward(self, xp, a, shifts, axes):
        self.shifts, self.axes = shifts, axes
        return xp.roll(a, shifts, axis=axes)

    def backward(self, F, g, a):
        back = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return (F.apply(RollBackward0, g, shifts=back, axes=self.axes),)


# ------------------------------------------------------------------ user-facing functions
def _piece(a: Any, axis: int, index: Any, label: str, position: int) -> Any:
    key = (slice(None),) * axis + (index, Ellipsis)
    out = _view(a, SplitBackward0, ("getitem", key), key=key, label=label)
    # PyTorch refuses in-place writes into the outputs of a function that returns several
    # views (their one node cannot be rebased): remembered on the piece itself
    out._extra().piece = (label[:-len("Backward0")], position)
    return out


def split(tensor: Any, split_size_or_sections: Any, dim: Any = 0, *, axis: Any = None) -> tuple:
    """Pieces of ``split_size_or_sections`` elements along ``dim`` (the last may be smaller),
    or of the listed sizes; views of ``tensor``."""
    d = axis_of(dim_of(dim, axis, "split", 0), tensor.ndim, "split")
    if tensor.ndim == 0:
        raise RuntimeError("split(): a 0-d tensor cannot be split; unsqueeze it first")
    size = tensor.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [operator.index(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's "
                f"size at dimension {d}), but got split_sizes={sizes}")
        label = "SplitWithSizesBackward0"
    else:
        step = operator.index(split_size_or_sections)
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={step}")
        if step == 0 and size != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {size}")
        sizes = [min(step, size - start) for start in range(0, size, step)] if step else [0]
        label = "SplitBackward0"
    out, start = [], 0
    for i, s in enumerate(sizes):
        out.append(_piece(tensor, d, slice(start, start + s), label, i))
        start += s
    return tuple(out)


def chunk(input: Any, chunks: int, dim: Any = 0, *, axis: Any = None) -> tuple:
    """At most ``chunks`` equal pieces along ``dim`` (the last may be smaller); views."""
    chunks = operator.index(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = axis_of(dim_of(dim, axis, "chunk", 0), input.ndim, "chunk")
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    size = input.shape[d]
    if size == 0:  # PyTorch's rule: ``chunks`` empty pieces
        return tuple(narrow(input, d, 0, 0) for _ in range(chunks))
    step = max(-(-size // chunks), 1)
    return split(input, step, d)


def unbind(input: Any, dim: Any = 0, *, axis: Any = None) -> tuple:
    """The slices along ``dim``, that dimension removed; views."""
    if input.ndim == 0:
        raise IndexError("unbind(): a 0-d tensor has no dimension to unbind")
    d = axis_of(dim_of(dim, axis, "unbind", 0), input.ndim, "unbind")
    return tuple(_piece(input, d, i, "UnbindBackward0", i) for i in range(input.shape[d]))


def narrow(input: Any, dim: int, start: Any, length: int) -> Any:
    """``length`` elements from ``start`` along ``dim``: a view (SliceBackward0)."""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = axis_of(dim, input.ndim, "narrow")
    size = input.shape[d]
    start = operator.index(start.item() if isinstance(start, Tensor) else start)
    length = operator.index(length)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but "
                         f"got {start})")
    start %= size if size else 1
    if length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return getitem(input, (slice(None),) * d + (slice(start, start + length),))


def repeat(input: Any, *sizes: Any, repeats: Any = None) -> Any:
    """The tensor tiled ``sizes[i]`` times along each dimension; ``sizes`` may add leading ones."""
    reps = _shape_arg(sizes if repeats is None else (repeats,))
    if len(reps) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           f"dimensions of tensor ({len(reps)} < {input.ndim})")
    if any(r < 0 for r in reps):
        raise RuntimeError(f"repeat(): repeats must be non-negative, got {list(reps)}")
    return unary(RepeatBackward0, input, reps=reps)


def tile(input: Any, dims: Any) -> Any:
    """``repeat`` that pads ``dims`` with leading ones when shorter than the tensor's rank."""
    reps = _shape_arg((dims,) if isinstance(dims, int) else tuple(dims))
    reps = (1,) * (input.ndim - len(reps)) + reps
    return repeat(input, reps)


def repeat_interleave(input: Any, repeats: Any = None, dim: Any = None, *,
                      output_size: Any = None, axis: Any = None) -> Any:
    """Each element repeated ``repeats`` times (a number, or one count per element along
    ``dim``) along ``dim`` (default: the flattened tensor).  ``repeat_interleave(counts)``
    alone repeats each index ``counts[i]`` times."""
    eng = type(input)._eng
    xp = type(input)._xp
    if repeats is None:  # the counts are the input: 0, 1, ... each repeated
        counts = input._data
        return type(input)._wrap(xp.repeat(xp.arange(counts.shape[0], dtype=eng.int64), counts))
    dim = dim_of(dim, axis, "repeat_interleave")
    if dim is None:  # flattened first (a vector as it is: no view node, as in PyTorch)
        input, d = (input if input.ndim == 1 else reshape(input, (-1,))), 0
    else:
        d = axis_of(dim, input.ndim, "repeat_interleave")
        if input.ndim == 0:
            input = reshape(input, (1,))
    n = input.shape[d]
    if isinstance(repeats, Tensor) and repeats.ndim > 0:
        counts = repeats._data
        if counts.ndim != 1 or counts.shape[0] not in (1, n):
            raise RuntimeError(f"repeat_interleave(): repeats must have the same size as input "
                               f"along dim ({n}), got shape {tuple(repeats.shape)}")
        if not eng.is_integer(counts.dtype) or bool(xp.any(counts < 0)):
            raise RuntimeError("repeat_interleave(): repeats must be non-negative integers")
        if counts.shape[0] == 1 and n != 1:
            counts = xp.broadcast_to(counts, (n,))
        from .gather import index_select

        index = xp.repeat(xp.arange(n, dtype=eng.int64), xp.astype(counts, eng.int64))
        if output_size is not None and index.shape[0] != output_size:
            raise RuntimeError(f"repeat_interleave(): output_size {output_size} does not match "
                               f"the {index.shape[0]} elements the repeats give")
        return index_select(input, d, type(input)._wrap(index))
    r = operator.index(repeats.item() if isinstance(repeats, Tensor) else repeats)
    if r < 0:
        raise RuntimeError(f"repeat_interleave(): repeats must be non-negative, got {r}")
    shape = tuple(input.shape)
    from .views import _reshape, expand, unsqueeze

    wide = expand(unsqueeze(input, d + 1), shape[:d + 1] + (r,) + shape[d + 1:])
    # (PyTorch clones the expanded tensor and views it: ViewBackward0 over CloneBackward0)
    return _reshape(wide, shape[:d] + (shape[d] * r,) + shape[d + 1:], view=False,
                    copied="ViewBackward0")


def flip(input: Any, *axes: Any, dims: Any = None) -> Any:
    """The tensor with the order of elements along ``dims`` reversed (a copy)."""
    if dims is not None:
        axes = (dims,)
    dims = axes
    axes = _shape_arg(dims) if dims else ()
    if not dims:
        raise TypeError("flip() missing 1 required positional argument: 'dims'")
    axes = tuple(axis_of(d, input.ndim, "flip") for d in axes)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"flip(): dims {list(axes)} repeat a dimension")
    return unary(FlipBackward0, input, axes=axes if input.ndim else None)


def roll(input: Any, shifts: Any, dims: Any = None) -> Any:
    """Elements shifted cyclically by ``shifts`` along ``dims`` (default: the flattened tensor,
    shape kept)."""
    many = isinstance(shifts, (tuple, list))
    shift_list = [operator.index(s) for s in (shifts if many else (shifts,))]
    if dims is None:
        if len(shift_list) != 1:
            raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: "
                               f"{len(shift_list)}, dims: 0")
        return unary(RollBackward0, input, shifts=shift_list[0], axes=None)
    dim_list = list(dims) if isinstance(dims, (tuple, list)) else [dims]
    if len(dim_list) != len(shift_list):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shift_list)}, dims:"
                           f"{len(dim_list)}")
    axes = tuple(axis_of(d, input.ndim, "roll") for d in dim_list)
    if input.ndim == 0:
        return input.clone()
    return unary(RollBackward0, input, shifts=tuple(shift_list), axes=axes)


def movedim(input: Any, source: Any, destination: Any) -> Any:
    """The dimensions ``source`` moved to positions ``destination``, the others in order
    (a view: PermuteBackward0)."""
    many = isinstance(source, (tuple, list))
    if many != isinstance(destination, (tuple, list)):
        raise TypeError(f"movedim(): source and destination must both be ints or both be "
                        f"sequences of ints, got {source!r} and {destination!r}")
    src = list(source) if many else [source]
    dst = list(destination) if many else [destination]
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    n = input.ndim
    src = [axis_of(d, n, "movedim") for d in src]
    dst = [axis_of(d, n, "movedim") for d in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in source ({src}) or destination ({dst})")
    order: list[Any] = [None] * n
    for s, t in zip(src, dst):
        order[t] = s
    rest = iter(d for d in range(n) if d not in src)
    order = [next(rest) if o is None else o for o in order]
    if n == 0:
        return permute(input)
    return permute(input, *order)


def swapaxes(input: Any, axis0: int, axis1: int) -> Any:
    """``transpose(input, axis0, axis1)`` (numpy's name)."""
    return transpose(input, axis0, axis1)
