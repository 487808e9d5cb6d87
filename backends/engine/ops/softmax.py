"""softmax and log_softmax along a dimension (max-shifted, so large inputs do not overflow)."""

from __future__ import annotations

from typing import Any

from ..apply import unary
from ..node import Node, register


@register("softmax")
class SoftmaxBackward0(Node):
    quiet = True
    __slots__ = ("axis",)
    saves_output = True

    def forward(self, xp, a, axis, eng):
        self.axis = axis
        if a.ndim and a.shape[axis] == 0:  # nothing to normalise
            return xp.zeros(a.shape, dtype=a.dtype)
        e = xp.exp(a - xp.max(a, axis=axis, keepdims=True))
        return eng.c_order(e / xp.sum(e, axis=axis, keepdims=True))  # contiguous, as PyTorch

    def backward(self, F, g, a, out):
        return (out * (g - F.sum(g * out, axis=self.axis, keepdims=True)),)


@register("log_softmax")
class LogSoftmaxBackward0(Node):
    quiet = True
    __slots__ = ("axis",)
    saves_output = True

    def forward(self, xp, a, axis, eng):
        self.axis = axis
        return eng.c_order(log_softmax_raw(xp, a, axis))  # contiguous, as PyTorch

    def backward(self, F, g, a, out):
        return (g - F.exp(out) * F.sum(g, axis=self.axis, keepdims=True),)


def log_softmax_raw(xp: Any, a: Any, axis: int) -> Any:
    if a.ndim and a.shape[axis] == 0:  # nothing to normalise (the max of nothing has no value)
        return xp.zeros(a.shape, dtype=a.dtype)
    shifted = a - xp.max(a, axis=axis, keepdims=True)
    return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))


def _axis(a: Any, dim: Any, what: str) -> int:
    if dim is None:
        raise TypeError(f"{what}() requires dim= (the dimension to normalise over)")
    n = max(a.ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


def _floating(a: Any, dtype: Any, what: str) -> Any:
    """``a`` in ``dtype`` when one is given; an integer or bool tensor without one is refused,
    as PyTorch refuses it."""
    if dtype is not None:
        return a.to(dtype)
    eng = type(a)._eng
    if not eng.is_floating(a._data.dtype):
        raise NotImplementedError(
            f"{what}() is not implemented for {eng.dtype_name(a._data.dtype)} tensors; convert "
            f"the input with .float(), or pass dtype=torch.float32")
    return a


def softmax(a: Any, dim: Any = None, dtype: Any = None, *, axis: Any = None) -> Any:
    if axis is not None:  # numpy's spelling, as PyTorch accepts it
        from .args import dim_of

        dim = dim_of(dim, axis, "softmax")
    a = _floating(a, dtype, "softmax")
    eng = type(a)._eng
    if a.ndim == 0:
        return unary(SoftmaxBackward0, a.reshape(1), axis=0, eng=eng).reshape(())
    return unary(SoftmaxBackward0, a, axis=_axis(a, dim, "softmax"), eng=eng)


def log_softmax(a: Any, dim: Any = None, dtype: Any = None, *, axis: Any = None) -> Any:
    if axis is not None:  # numpy's spelling, as PyTorch accepts it
        from .args import dim_of

        dim = dim_of(dim, axis, "log_softmax")
    a = _floating(a, dtype, "log_softmax")
    eng = type(a)._eng
    if a.ndim == 0:
        return unary(LogSoftmaxBackward0, a.reshape(1), axis=0, eng=eng).reshape(())
    return unary(LogSoftmaxBackward0, a, axis=_axis(a, dim, "log_softmax"), eng=eng)
