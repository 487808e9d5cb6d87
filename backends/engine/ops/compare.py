"""Comparing tensors by value: isclose allclose equal (no gradient)."""

from __future__ import annotations

from typing import Any

from ..apply import constant
from ..tensor import Tensor
from .args import broadcast_shapes


def isclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Any:
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (or equal, infinities
    included); broadcasting; both tensors of one dtype."""
    T = type(input)
    eng, xp = T._eng, T._xp
    if not isinstance(other, Tensor):
        raise TypeError(f"isclose(): other must be a tensor, got {type(other).__name__}")
    a, b = input._data, other._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"isclose(): {eng.dtype_name(a.dtype)} did not match "
                           f"{eng.dtype_name(b.dtype)}; convert one with .to(...)")
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"isclose(): rtol and atol must be non-negative, got rtol={rtol}, "
                           f"atol={atol}")
    broadcast_shapes(tuple(a.shape), tuple(b.shape))  # (PyTorch's error, not numpy's)
    same = a == b
    if not eng.is_floating(a.dtype):
        if eng.is_bool(a.dtype) or (rtol == 0 and atol == 0):
            return constant(T, same)
        a, b = xp.astype(a, eng.float64), xp.astype(b, eng.float64)
    finite = xp.isfinite(a) & xp.isfinite(b)
    near = finite & (xp.abs(a - b) <= atol + rtol * xp.abs(b))
    out = same | near
    if equal_nan:
        out = out | (xp.isnan(a) & xp.isnan(b))
    return constant(T, out)


def allclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether every element of ``input`` is close to ``other``'s (see `isclose`)."""
    close = isclose(input, other, rtol, atol, equal_nan)
    return bool(type(input)._xp.all(close._data))


def equal(input: Any, other: Any) -> bool:
    """Whether both tensors have the same shape and the same values (NaN is never equal)."""
    if not isinstance(other, Tensor):
        raise TypeError(f"equal(): argument 'other' must be Tensor, not {type(other).__name__}")
    if tuple(input.shape) != tuple(other.shape):
        return False
    eng = type(input)._eng
    a, b = eng.promote(input._data, other._data, True, True)
    return bool(type(input)._xp.all(a == b))
