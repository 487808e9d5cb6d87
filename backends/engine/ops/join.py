"""Joining tensors: cat and stack."""

from __future__ import annotations

from typing import Any, Sequence

from ..apply import apply
from ..node import Node, register
from ..tensor import Tensor


@register("cat")
class CatBackward0(Node):
    __slots__ = ("axis", "sizes", "ndim")
    broadcasts = True  # only for dtype promotion of mixed inputs

    def forward(self, xp, *arrays, axis, eng):
        self.axis, self.ndim = axis, arrays[0].ndim
        self.sizes = [a.shape[axis] for a in arrays]
        # C order, as PyTorch's cat (numpy keeps the inputs' layout: a view() would fail)
        return eng.c_order(xp.concat(arrays, axis=axis))

    def backward(self, F, g, *saved):
        out, start = [], 0
        lead = (slice(None),) * self.axis
        for size, edge in zip(self.sizes, self._next):
            if edge is not None:
                out.append(F.getitem(g, lead + (slice(start, start + size), Ellipsis)))
            else:
                out.append(None)
            start += size
        return tuple(out)


@register("stack")
class StackBackward0(Node):
    __slots__ = ("axis",)
    broadcasts = True

    def forward(self, xp, *arrays, axis, eng):
        self.axis = axis
        return eng.c_order(xp.stack(arrays, axis=axis))  # C order, as cat

    def backward(self, F, g, *saved):
        lead = (slice(None),) * self.axis
        return tuple(F.getitem(g, lead + (i, Ellipsis)) if e is not None else None
                     for i, e in enumerate(self._next))


def _tensors(tensors: Sequence[Any], what: str) -> tuple[list, type]:
    if isinstance(tensors, Tensor):  # (iterating would split it into rows)
        raise TypeError(f"{what}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        "not Tensor")
    items = list(tensors)
    if not items:  # (PyTorch's words; cat's is a ValueError there)
        if what == "cat":
            raise ValueError("torch.cat(): expected a non-empty list of Tensors")
        raise RuntimeError(f"{what} expects a non-empty TensorList")
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}(): expected a sequence of tensors, element {i} is {type(t).__name__}")
    T = type(items[0])
    first = items[0]._data.dtype
    for t in items:
        if t._data.dtype != first:
            break
    else:  # one dtype, the common case: nothing to promote
        return items, T
    dtype = T._eng.result_dtype(*[t._data.dtype for t in items])
    return [t if t._data.dtype == dtype else t.to(dtype) for t in items], T


def cat(tensors: Sequence[Any], dim: int = 0, *, axis: Any = None) -> Any:
    if axis is not None:  # numpy's spelling, which PyTorch takes too
        dim = axis
    items, T = _tensors(tensors, "cat")
    # PyTorch's legacy rule: a 1-d empty tensor is left out next to others (code that grows a
    # result from torch.tensor([]) concatenates it with matrices)
    kept = [t for t in items if t._data.shape != (0,)]
    if kept and len(kept) < len(items):
        items = kept
    ndim = items[0].ndim
    if ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated; "
                           "use stack() or unsqueeze() them first")
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                         f"{ndim - 1}], but got {dim})")
    axis = dim % ndim
    first = items[0]._data.shape
    for i, t in enumerate(items):
        shape = t._data.shape
        if shape == first:
            continue
        if len(shape) != ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ndim} and "
                               f"{len(shape)}")
        for d in range(ndim):
            if d != axis and shape[d] != first[d]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {axis}. Expected size "
                    f"{first[d]} but got size {shape[d]} for tensor number {i} in the list.")
    return apply(CatBackward0, items, T, axis=axis, eng=T._eng)


def stack(tensors: Sequence[Any], dim: int = 0, *, axis: Any = None) -> Any:
    if axis is not None:  # numpy's spelling, which PyTorch takes too
        dim = axis
    items, T = _tensors(tensors, "stack")
    shape = tuple(items[0]._data.shape)
    for i, t in enumerate(items):
        if tuple(t._data.shape) != shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 "
                f"and {list(t.shape)} at entry {i}")
    n = len(shape) + 1
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return apply(StackBackward0, items, T, axis=dim % n, eng=T._eng)
