"""Copies and casts: to(dtype), clone, and the in-place fills (zero_, fill_, copy_)."""

from __future__ import annotations

from typing import Any

from gradspec.devices import device as _device

from ..apply import apply, unary
from ..node import Node, register
from ..tensor import Tensor


@register("to")
class ToCopyBackward0(Node):
    quiet = True
    __slots__ = ("dtype",)

    def forward(self, xp, a, dtype):
        self.dtype = a.dtype
        return xp.astype(a, dtype)

    def backward(self, F, g, a):
        return (F.astype(g, self.dtype),)


@register("clone")
class CloneBackward0(Node):
    def forward(self, xp, a, eng, c_order=False):
        return eng.c_order(a) if c_order else eng.copy(a)

    def backward(self, F, g, a):
        return (g,)


@register("fill", public=False)
class FillBackward2(Node):
    """``fill_(value)``: the old values get no gradient; a tensor value gets the sum."""

    __slots__ = ("label",)
    broadcasts = True

    def forward(self, xp, a, value, label):
        self.label = label
        if hasattr(value, "shape"):  # an array: broadcast into a's shape and dtype
            return xp.astype(xp.broadcast_to(value, a.shape), a.dtype, copy=True)
        return xp.full(a.shape, value, dtype=a.dtype)

    def name(self):
        return self.label

    def backward(self, F, g, a, value):
        ga, gv = self._next
        return (F.zeros_like(g) if ga is not None else None, g if gv is not None else None)


def to(a: Any, *args: Any, dtype: Any = None, device: Any = None, **kwargs: Any) -> Any:
    """``a`` converted to a dtype and/or device, as ``Tensor.to``: ``to(dtype)``,
    ``to(device)``, ``to("cpu", torch.float64)``, ``to(other_tensor)``, keywords too.  Returns
    ``a`` itself when nothing changes; a cast keeps the graph (ToCopyBackward0)."""
    eng = type(a)._eng
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif arg is None or isinstance(arg, (str, int, _device)) and not isinstance(arg, bool):
            device = arg
        else:
            dtype = arg
    eng.check_device(device)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    copy = kwargs.pop("copy", False)
    if kwargs:
        raise TypeError(f"to() got unexpected arguments {sorted(kwargs)}")
    native = a._data.dtype if dtype is None else eng.dtype(dtype)
    if native == a._data.dtype:
        return clone(a) if copy else a
    if a._requires_grad and not eng.is_floating(native):
        return a.detach().to(native)  # a cast to integers leaves the graph
    return unary(ToCopyBackward0, a, dtype=native)


def clone(a: Any, *, memory_format: Any = None) -> Any:
    """A copy of ``a`` (``memory_format`` is accepted for PyTorch's signature: every copy is C
    order here)."""
    return unary(CloneBackward0, a, eng=type(a)._eng)


def contiguous(a: Any, memory_format: Any = None) -> Any:
    """``a`` itself when its data is in C order, else a copy that is (as PyTorch: a clone).
    ``memory_format`` is accepted for PyTorch's signature; every format is C order here."""
    eng = type(a)._eng
    if eng.c_order(a._data) is a._data:
        return a
    return unary(CloneBackward0, a, eng=eng, c_order=True)


def is_contiguous(a: Any, memory_format: Any = None) -> bool:
    """Whether ``a``'s data is in C order, so `contiguous` would return ``a`` itself and
    ``view`` can reshape it (``memory_format`` as in `contiguous`)."""
    return type(a)._eng.c_order(a._data) is a._data


def stride(a: Any, dim: int | None = None) -> Any:
    """The step in elements between neighbours along each dim (``dim``: that one only), as
    PyTorch's ``Tensor.stride``: the array's own strides where the namespace shows them (numpy,
    CuPy), else those of C order (array_api_strict hides its layout; an empty tensor's too)."""
    data = a._data
    shape = tuple(data.shape)
    strides = getattr(data, "strides", None)
    if strides is not None and len(strides) == len(shape) and all(shape):
        size = data.dtype.itemsize
        steps = [int(s) // size for s in strides]
        # a dim of size one has no step of its own (numpy may say 0, as after x[:, None]):
        # PyTorch gives it the span of the dims after it
        for d in range(len(shape) - 1, -1, -1):
            if shape[d] == 1:
                steps[d] = steps[d + 1] * shape[d + 1] if d + 1 < len(shape) else 1
        steps = tuple(steps)
    else:
        steps, step = [], 1
        for n in reversed(shape):
            steps.append(step)
            step *= max(n, 1)
        steps = tuple(reversed(steps))
    if dim is None:
        return steps
    if not -max(len(shape), 1) <= dim < max(len(shape), 1):
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(len(shape), 1)}, {max(len(shape), 1) - 1}], but got {dim})")
    return steps[dim % max(len(shape), 1)] if shape else 1


def storage_offset(a: Any) -> int:
    """How many elements into its storage the tensor's first element sits (a view's offset
    in its base), where the namespace shows it (numpy); 0 elsewhere."""
    data = a._data
    root = data
    while getattr(root, "base", None) is not None and hasattr(root.base, "__array_interface__"):
        root = root.base
    here = getattr(data, "__array_interface__", None)
    there = getattr(root, "__array_interface__", None)
    if here is None or there is None:
        return 0
    return (here["data"][0] - there["data"][0]) // data.dtype.itemsize


def data_ptr(a: Any) -> int:
    """The address of the tensor's first element (where the namespace shows it: numpy, CuPy),
    else a number unique to its data while it lives, as PyTorch's ``data_ptr`` serves to tell
    whether two tensors share memory."""
    data = a._data
    interface = getattr(data, "__array_interface__", None) or getattr(
        data, "__cuda_array_interface__", None)
    if interface is not None:
        return int(interface["data"][0])
    return id(data)


def filled(a: Any, value: Any, label: str = "FillBackward2") -> Any:
    """``a``'s shape and dtype, every element ``value`` (number or 0-d/broadcastable tensor)."""
    return apply(FillBackward2, (a, value), type(a), label=label)
