"""Arithmetic: add sub mul div neg pow.  Broadcasting is undone by the engine, not here."""

from __future__ import annotations

import math
from typing import Any

from ..apply import binary, unary
from ..node import Node, register
from ..tensor import Tensor


@register("add")
class AddBackward0(Node):
    broadcasts = True
    numbers_as_arrays = True

    def forward(self, xp, a, b):
        return a + b

    def backward(self, F, g, a, b):
        return g, g


@register("sub")
class SubBackward0(Node):
    broadcasts = True
    numbers_as_arrays = True

    def forward(self, xp, a, b):
        return a - b

    def backward(self, F, g, a, b):
        return g, -g if self._next[1] is not None else None


@register("rsub", public=False)
class RsubBackward0(Node):
    """``other - tensor`` for a constant array ``other`` (PyTorch's reflected subtraction)."""

    broadcasts = True
    numbers_as_arrays = True

    def forward(self, xp, a, b):
        return b - a

    def backward(self, F, g, a, b):
        return -g, None


@register("rsub_scalar", public=False)
class RsubBackward1(Node):
    """``number - tensor``: as in PyTorch's node, the number is no input of the graph (the
    node's one edge is the tensor's)."""

    def forward(self, xp, a, other):
        return other - a

    def backward(self, F, g, a):
        return (-g,)


@register("mul")
class MulBackward0(Node):
    broadcasts = True
    numbers_as_arrays = True
    save_map = {0: (1,), 1: (0,)}  # d/da needs b, d/db needs a

    def forward(self, xp, a, b):
        return a * b

    def backward(self, F, g, a, b):
        ga, gb = self._next
        return (g * b if ga is not None else None,
                g * a if gb is not None else None)


@register("div")
class DivBackward0(Node):
    quiet = True
    broadcasts = True
    numbers_as_arrays = True
    save_map = {0: (1,), 1: (0, 1)}

    def forward(self, xp, a, b):
        return a / b

    def backward(self, F, g, a, b):
        ga, gb = self._next
        return (g / b if ga is not None else None,
                -g * a / (b * b) if gb is not None else None)


@register("neg")
class NegBackward0(Node):
    def forward(self, xp, a):
        return -a

    def backward(self, F, g, a):
        return (-g,)


@register("pow")
class PowBackward0(Node):
    """``tensor ** number``."""

    quiet = True
    __slots__ = ("exponent",)
    saves = (0,)

    def forward(self, xp, a, exponent):
        self.exponent = exponent
        return a**exponent

    def backward(self, F, g, a):
        c = self.exponent
        if c == 0:
            return (F.zeros_like(g),)  # d/dx x**0 is 0 everywhere, also at 0 (as PyTorch)
        return (g * (c * a ** (c - 1)),)


@register("pow_tensor")
class PowBackward1(Node):
    """``tensor ** tensor``."""

    quiet = True
    broadcasts = True
    saves = (0, 1)
    saves_output = True

    def forward(self, xp, a, b):
        try:
            return a**b
        except ValueError:  # numpy refuses integers to negative integer powers
            if not (_integral(xp, a) and _integral(xp, b)):
                raise  # (e.g. shapes that do not broadcast)
        return integer_power(xp, a, b)

    def backward(self, F, g, a, b, out):
        ga, gb = self._next
        da = None
        if ga is not None:  # 0 where the exponent is 0 (PyTorch's mask: 0 * 0 ** -1 is NaN)
            da = F.where(b == 0, F.zeros_like(g), g * (b * a ** (b - 1)))
        db = None
        if gb is not None:
            # 0 ** b for b >= 0 has derivative 0 in b (PyTorch masks the log(0) there)
            safe = F.where((a == 0) & (b >= 0), F.ones_like(a), a)
            db = F.where((a == 0) & (b >= 0), F.zeros_like(g), g * out * F.log(safe))
        return da, db


def _integral(xp: Any, v: Any) -> bool:
    return (type(v) is int) or (hasattr(v, "dtype") and xp.isdtype(v.dtype, "integral"))


def integer_power(xp: Any, a: Any, b: Any) -> Any:
    """``a ** b`` of integers where the exponent ``b`` (an array) may be negative, as PyTorch
    computes it: a negative power truncates toward zero, so it is 1 for a base of 1, 1 or -1 for
    a base of -1 (by the exponent's parity) and 0 for any other base (0 included)."""
    if type(a) is int:  # a Python integer takes the tensor's dtype (PyTorch's promotion)
        a = xp.asarray(a, dtype=b.dtype)
    negative = b < 0
    out = a ** xp.where(negative, xp.zeros_like(b), b)
    unit = a == 1
    if not xp.isdtype(a.dtype, "unsigned integer"):  # (-1 is no unsigned value to compare)
        unit = unit | (a == -1)
    truncated = xp.where(unit, xp.where(b % 2 != 0, a, a * a), xp.zeros_like(a))
    return xp.where(negative, xp.astype(truncated, out.dtype), out)


@register("rpow")
class PowBackward2(Node):
    """``number ** tensor``."""

    quiet = True
    __slots__ = ("base",)
    saves_output = True

    def forward(self, xp, exponent, base):
        self.base = base
        return base**exponent

    def backward(self, F, g, a, out):
        if self.base == 0:
            # 0 where the exponent is >= 0 (the power is 0 or 1), as PyTorch's; -inf times g
            # where it is negative (the power is inf); NaN stays NaN
            return (F.where(out <= 1, F.zeros_like(g), g * out * -math.inf),)
        # a negative base has no real logarithm: NaN, as PyTorch's log(base)
        return (g * out * (math.log(self.base) if self.base > 0 else math.nan),)


# ------------------------------------------------------------------ user-facing functions
def _scaled(b: Any, alpha: Any) -> Any:
    """``alpha * b`` for add/sub's ``alpha``: a number times a number stays a number."""
    return mul(b, alpha) if isinstance(b, Tensor) else b * alpha


def add(a: Any, b: Any, alpha: Any = 1) -> Any:
    if alpha != 1:
        b = _scaled(b, alpha)
    return binary(AddBackward0, a, b)


def refuses_bool(x: Any) -> bool:
    """A bool tensor, or a Python bool (PyTorch refuses ``t - True`` too): ``-`` refuses it."""
    return type(x) is bool or (isinstance(x, Tensor) and type(x)._eng.kind(x._data.dtype) == "b")


def refuse_bool_subtraction(a: Any, b: Any) -> None:
    """PyTorch refuses ``-`` with a bool tensor (numpy would promote it to integers): say
    what to use instead."""
    raise RuntimeError(
        "subtraction with bool tensors is not supported (PyTorch refuses it too): "
        + ("compare two masks with ^ or logical_xor()" if refuses_bool(a) and refuses_bool(b) else
           "invert a mask with ~ or logical_not(), or convert it with .int() or .float() to "
           "compute with it"))


def sub(a: Any, b: Any, alpha: Any = 1) -> Any:
    if alpha != 1:
        b = _scaled(b, alpha)
    if refuses_bool(a) or refuses_bool(b):
        refuse_bool_subtraction(a, b)
    if not isinstance(a, Tensor):
        if (type(a) is int or type(a) is float) and isinstance(b, Tensor) and type(
                b)._eng.is_floating(b._data.dtype):
            return unary(RsubBackward1, b, other=a)
        return binary(RsubBackward0, b, a)
    return binary(SubBackward0, a, b)


def rsub(a: Any, b: Any) -> Any:
    """``b - a`` (PyTorch's torch.rsub)."""
    return sub(b, a)


def mul(a: Any, b: Any) -> Any:
    return binary(MulBackward0, a, b)


def div(a: Any, b: Any, *, rounding_mode: Any = None) -> Any:
    if rounding_mode is not None:  # 'floor' or 'trunc': a rounded quotient, zero gradient
        from .pointwise import rounded_division

        return rounded_division(a, b, rounding_mode)
    ta = a if isinstance(a, Tensor) else b
    eng = type(ta)._eng
    # true division of integers gives the default float dtype, as in PyTorch
    if isinstance(a, Tensor) and not eng.is_floating(a._data.dtype) and not _is_float(b):
        a = a.to(eng.default_float)
    elif isinstance(b, Tensor) and not eng.is_floating(b._data.dtype) and not _is_float(a):
        b = b.to(eng.default_float)
    return binary(DivBackward0, a, b)


def _is_float(x: Any) -> bool:
    if isinstance(x, Tensor):
        return type(x)._eng.is_floating(x._data.dtype)
    return isinstance(x, float)


def neg(a: Any) -> Any:
    if refuses_bool(a):
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")
    return unary(NegBackward0, a)


def pow(a: Any, b: Any) -> Any:
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            return binary(PowBackward1, a, b)
        if not isinstance(b, (int, float)):
            raise TypeError(f"pow(): exponent must be a number or a tensor, got {type(b).__name__}")
        eng = type(a)._eng
        kind = eng.kind(a._data.dtype)
        if type(b) is bool:  # True and False are 1 and 0 that keep the tensor's dtype
            if kind == "b":
                return unary(PowBackward0, a.to(eng.int64), exponent=int(b)).to(eng.bool)
            b = int(b)
        if isinstance(b, float) and not eng.is_floating(a._data.dtype):
            a = a.to(eng.default_float)
        elif kind in "iub" and b < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        elif kind == "b":  # a bool tensor to an integer power: int64, as in PyTorch
            a = a.to(eng.int64)
        return unary(PowBackward0, a, exponent=b)
    if not isinstance(b, Tensor):
        raise TypeError("pow(): one of the arguments must be a tensor")
    eng = type(b)._eng
    if type(a) in (int, bool) and eng.kind(b._data.dtype) in "iub":
        # an integer to integer powers stays an integer of the tensor's dtype (a bool tensor's:
        # int64), as in PyTorch; negative powers truncate (`integer_power`)
        return binary(PowBackward1, a, b if eng.kind(b._data.dtype) != "b" else b.to(eng.int64))
    if not eng.is_floating(b._data.dtype):
        b = b.to(eng.default_float)
    return unary(PowBackward2, b, base=a)
