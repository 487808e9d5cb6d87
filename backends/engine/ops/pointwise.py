"""More elementwise functions: log1p expm1 square rsqrt reciprocal erf atan2, the rounding
functions (floor ceil round trunc), remainder fmod, clamp_min clamp_max, lerp."""

from __future__ import annotations

import math
from typing import Any

from ..apply import apply, binary, unary
from ..node import Node, register
from ..tensor import Tensor
from .args import as_float, same_dtype


@register("log1p")
class Log1PBackward0(Node):
    quiet = True
    saves = (0,)

    def forward(self, xp, a):
        return xp.log1p(a)

    def backward(self, F, g, a):
        return (g / (a + 1),)


@register("expm1")
class Expm1Backward0(Node):
    quiet = True
    saves_output = True

    def forward(self, xp, a):
        return xp.expm1(a)

    def backward(self, F, g, a, out):
        return (g * (out + 1),)


@register("rsqrt")
class RsqrtBackward0(Node):
    quiet = True
    saves_output = True

    def forward(self, xp, a):
        return 1 / xp.sqrt(a)

    def backward(self, F, g, a, out):
        return (-0.5 * g * (out * out * out),)


@register("reciprocal")
class ReciprocalBackward0(Node):
    quiet = True
    saves_output = True

    def forward(self, xp, a):
        return 1 / a

    def backward(self, F, g, a, out):
        return (-g * (out * out),)


@register("erf")
class ErfBackward0(Node):
    quiet = True
    saves = (0,)

    def forward(self, xp, a):
        return erf_raw(xp, a)

    def backward(self, F, g, a):
        return (g * (TWO_OVER_SQRT_PI * F.exp(-(a * a))),)


@register("atan2")
class Atan2Backward0(Node):
    quiet = True
    broadcasts = True
    saves = (0, 1)

    def forward(self, xp, a, b):
        return xp.atan2(a, b)

    def backward(self, F, g, a, b):
        ea, eb = self._next
        denominator = a * a + b * b
        origin = denominator == F.zeros_like(denominator)
        # at the origin PyTorch's gradient is 0 (a masked reciprocal), not 0/0
        scale = F.where(origin, F.zeros_like(g),
                        g / F.where(origin, F.ones_like(denominator), denominator))
        return (scale * b if ea is not None else None, -scale * a if eb is not None else None)


# -- rounding: piecewise constant, zero gradient, kept in the graph (as PyTorch's) ------------
@register("floor")
class FloorBackward0(Node):
    def forward(self, xp, a):
        return xp.floor(a)

    def backward(self, F, g, a):
        return (F.zeros_like(g),)


@register("ceil")
class CeilBackward0(Node):
    def forward(self, xp, a):
        return xp.ceil(a)

    def backward(self, F, g, a):
        return (F.zeros_like(g),)


@register("trunc")
class TruncBackward0(Node):
    def forward(self, xp, a):
        return xp.trunc(a)

    def backward(self, F, g, a):
        return (F.zeros_like(g),)


@register("round")
class RoundBackward0(Node):
    """Half to even, as PyTorch; ``decimals`` rounds ``a * 10**decimals`` (RoundBackward1)."""

    __slots__ = ("decimals",)

    def forward(self, xp, a, decimals=0):
        self.decimals = decimals
        if decimals == 0:
            return xp.round(a)
        scale = 10.0 ** decimals
        if decimals > 0:
            return xp.round(a * scale) / scale
        return xp.round(a / 10.0 ** -decimals) * 10.0 ** -decimals

    def name(self):
        return "RoundBackward0" if self.decimals == 0 else "RoundBackward1"

    def backward(self, F, g, a):
        return (F.zeros_like(g),)


# -- remainder and fmod -----------------------------------------------------------------------
@register("remainder")
class RemainderBackward0(Node):
    """``a - b * floor(a / b)``: the result has the divisor's sign (Python's ``%``).
    RemainderBackward0 for a number divisor, RemainderBackward1 for a tensor."""

    quiet = True
    __slots__ = ("tensor_divisor",)
    broadcasts = True
    save_map = {1: (0, 1)}  # only the divisor's gradient needs the operands

    def forward(self, xp, a, b):
        self.tensor_divisor = hasattr(b, "shape")
        r = xp.remainder(a, b)
        if not _is_float(xp, r):
            return r
        # a zero result has the dividend's sign in PyTorch (it adds the divisor to C's fmod
        # only where that is not 0), the divisor's in numpy: remainder(0., -5.) is 0., not -0.
        return xp.where(r == 0, xp.copysign(r, a), r)

    def name(self):
        return "RemainderBackward1" if self.tensor_divisor else "RemainderBackward0"

    def backward(self, F, g, a, b):
        ea, eb = self._next
        gb = -g * F.apply(FloorBackward0, a / b) if eb is not None else None
        return (g if ea is not None else None, gb)


@register("floor_divide", public=False)
class FloorDivideBackward0(Node):
    """Python's ``a // b`` (``floor(a / b)``, exact for integers): PyTorch's ``floor_divide``,
    whose result is in the graph but has no derivative (backward raises, as in PyTorch)."""

    quiet = True
    broadcasts = True

    def forward(self, xp, a, b):
        return xp.floor_divide(a, b)

    def name(self):
        return "torch::autograd::NotImplemented"

    def backward(self, F, g, a, b):
        raise RuntimeError("derivative for floor_divide is not implemented (as in PyTorch): "
                           "use torch.div(a, b, rounding_mode='floor'), whose gradient is zero, "
                           "or detach the quotient")


@register("div_floor", public=False)
class DivFloorBackward(Node):
    """``div(a, b, rounding_mode='floor')``: the quotient rounded down; its gradient is zero
    everywhere, as PyTorch's (DivBackward2)."""

    quiet = True
    broadcasts = True

    def forward(self, xp, a, b):
        return xp.floor_divide(a, b)

    def name(self):
        return "DivBackward2"

    def backward(self, F, g, a, b):
        # (the operands are not saved: zeros of the gradient's shape, which the engine reduces
        # to each operand's own shape)
        ea, eb = self._next
        return (F.zeros_like(g) if ea is not None else None,
                F.zeros_like(g) if eb is not None else None)


@register("div_trunc", public=False)
class DivTruncBackward(Node):
    """``div(a, b, rounding_mode='trunc')``: the quotient rounded towards zero; its gradient is
    zero everywhere, as PyTorch's (DivBackward2)."""

    quiet = True
    broadcasts = True

    def forward(self, xp, a, b):
        if xp.isdtype(a.dtype, "real floating"):
            return xp.trunc(a / b)
        q = xp.floor_divide(a, b)  # integers: floor, then one up where the signs differ
        uneven = (xp.remainder(a, b) != 0) & ((a < 0) != (b < 0))
        return xp.where(uneven, q + 1, q)

    def name(self):
        return "DivBackward2"

    def backward(self, F, g, a, b):
        ea, eb = self._next
        return (F.zeros_like(g) if ea is not None else None,
                F.zeros_like(g) if eb is not None else None)


@register("fmod")
class FmodBackward0(Node):
    """``a - b * trunc(a / b)``: the result has the dividend's sign (C's fmod).
    FmodBackward0 for a number divisor, FmodBackward1 for a tensor."""

    quiet = True
    __slots__ = ("tensor_divisor",)
    broadcasts = True
    save_map = {1: (0, 1)}

    def forward(self, xp, a, b):
        self.tensor_divisor = hasattr(b, "shape")
        return fmod_raw(xp, a, b)

    def name(self):
        return "FmodBackward1" if self.tensor_divisor else "FmodBackward0"

    def backward(self, F, g, a, b):
        ea, eb = self._next
        gb = -g * F.apply(TruncBackward0, a / b) if eb is not None else None
        return (g if ea is not None else None, gb)


# -- clamp_min, clamp_max ---------------------------------------------------------------------
@register("clamp_min")
class ClampMinBackward0(Node):
    """``max(a, lo)``: the gradient goes to ``a`` where ``a >= lo`` (ties included), the rest to
    a tensor ``lo`` (ClampMinBackward1); NaN propagates."""

    __slots__ = ("tensor_bound",)
    broadcasts = True
    saves = (0, 1)

    def forward(self, xp, a, lo):
        self.tensor_bound = hasattr(lo, "shape")
        return xp.maximum(a, lo) if self.tensor_bound else xp.clip(a, min=lo)

    def name(self):
        return "ClampMinBackward1" if self.tensor_bound else "ClampMinBackward0"

    def backward(self, F, g, a, lo):
        keep = a >= lo
        zero = F.zeros_like(g)
        ea, eb = self._next
        return (F.where(keep, g, zero) if ea is not None else None,
                F.where(keep, zero, g) if eb is not None else None)


@register("clamp_max")
class ClampMaxBackward0(Node):
    """``min(a, hi)``: the gradient goes to ``a`` where ``a <= hi`` (ties included), the rest to
    a tensor ``hi`` (ClampMaxBackward1); NaN propagates."""

    __slots__ = ("tensor_bound",)
    broadcasts = True
    saves = (0, 1)

    def forward(self, xp, a, hi):
        self.tensor_bound = hasattr(hi, "shape")
        return xp.minimum(a, hi) if self.tensor_bound else xp.clip(a, max=hi)

    def name(self):
        return "ClampMaxBackward1" if self.tensor_bound else "ClampMaxBackward0"

    def backward(self, F, g, a, hi):
        keep = a <= hi
        zero = F.zeros_like(g)
        ea, eb = self._next
        return (F.where(keep, g, zero) if ea is not None else None,
                F.where(keep, zero, g) if eb is not None else None)


# -- lerp -------------------------------------------------------------------------------------
@register("lerp")
class LerpBackward0(Node):
    """``start + weight * (end - start)``, computed from the nearer end as PyTorch does.
    LerpBackward0 for a number weight, LerpBackward1 for a tensor."""

    quiet = True
    __slots__ = ("weight",)
    broadcasts = True
    save_map = {0: (2,), 1: (2,), 2: (0, 1)}  # the ends' gradients need the weight; its, the ends

    def forward(self, xp, start, end, weight):
        self.weight = weight
        diff = end - start
        if not hasattr(weight, "shape"):
            return start + weight * diff if abs(weight) < 0.5 else end - diff * (1 - weight)
        return xp.where(xp.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))

    def name(self):
        return "LerpBackward1" if hasattr(self.weight, "shape") else "LerpBackward0"

    def backward(self, F, g, start, end, w):
        es, ee, ew = self._next
        return (g * (1 - w) if es is not None else None,
                g * w if ee is not None else None,
                g * (end - start) if ew is not None else None)


# ------------------------------------------------------------------ raw helpers
TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

# W. J. Cody's rational approximations of erf and erfc (Math. Comp. 23, 1969, pp. 631-638),
# accurate to double precision on |x| <= 0.46875, 0.46875 < |x| <= 4 and |x| > 4.
_A = (3.16112374387056560, 113.864154151050156, 377.485237685302021, 3209.37758913846947,
      0.185777706184603153)
_B = (23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062)
_C = (0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131,
      881.952221241769090, 1712.04761263407058, 2051.07837782607147, 1230.33935479799725,
      2.15311535474403846e-8)
_D = (15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019,
      3290.79923573345963, 4362.61909014324716, 3439.36767414372164, 1230.33935480374942)
_P = (0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766,
      6.58749161529837803e-4, 0.0163153871373020978)
_Q = (2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191,
      0.00233520497626869185)
_ONE_OVER_SQRT_PI = 0.56418958354775628695


def erf_raw(xp: Any, x: Any) -> Any:
    """The error function, elementwise, from the array API's arithmetic alone (the standard has
    no erf).  All three of Cody's approximations are evaluated everywhere and the right one
    picked per element: no branching on data, so it runs the same on every namespace."""
    y = xp.abs(x)
    y = xp.where(y > 30.0, xp.full_like(y, 30.0), y)  # erfc(30) is 0: keeps inf finite below
    ysq = y * y
    num, den = _A[4] * ysq, ysq
    for i in range(3):
        num = (num + _A[i]) * ysq
        den = (den + _B[i]) * ysq
    small = x * (num + _A[3]) / (den + _B[3])
    num, den = _C[8] * y, y
    for i in range(7):
        num = (num + _C[i]) * y
        den = (den + _D[i]) * y
    middle = (num + _C[7]) / (den + _D[7])
    far = xp.where(y > 4.0, y, xp.full_like(y, 4.0))  # keeps 1 / y**2 finite where unused
    z = 1 / (far * far)
    num, den = _P[5] * z, z
    for i in range(4):
        num = (num + _P[i]) * z
        den = (den + _Q[i]) * z
    tail = (_ONE_OVER_SQRT_PI - z * (num + _P[4]) / (den + _Q[4])) / far
    # erfc(y) = exp(-y**2) * R(y); exp(-y**2) in two factors so that y**2 loses no digits
    head = xp.trunc(y * 16.0) / 16.0
    scaled = xp.where(y <= 4.0, middle, tail)
    erfc = xp.exp(-head * head) * xp.exp(-(y - head) * (y + head)) * scaled
    large = (0.5 - erfc) + 0.5
    return xp.where(y <= 0.46875, small, xp.where(x < 0, -large, large))


def _is_float(xp: Any, a: Any) -> bool:
    return xp.isdtype(a.dtype, "real floating")


def fmod_raw(xp: Any, a: Any, b: Any) -> Any:
    """C's fmod: ``|a| mod |b|`` with the sign of ``a`` (the standard has remainder only)."""
    r = xp.remainder(xp.abs(a), xp.abs(b) if hasattr(b, "shape") else abs(b))
    if _is_float(xp, r):  # (the sign bit: fmod(-0., 5.) is -0.)
        return xp.copysign(r, a)
    return xp.where(a < 0, -r, r)


# ------------------------------------------------------------------ user-facing functions
def log1p(input: Any) -> Any:
    """``log(1 + input)``, accurate for small ``input``."""
    return unary(Log1PBackward0, as_float(input))


def expm1(input: Any) -> Any:
    """``exp(input) - 1``, accurate for small ``input``."""
    return unary(Expm1Backward0, as_float(input))


def square(input: Any) -> Any:
    """``input * input`` (PyTorch records it as ``pow(input, 2)``)."""
    from .arith import pow

    return pow(input, 2)


def rsqrt(input: Any) -> Any:
    """``1 / sqrt(input)``."""
    return unary(RsqrtBackward0, as_float(input))


def reciprocal(input: Any) -> Any:
    """``1 / input``."""
    return unary(ReciprocalBackward0, as_float(input))


def erf(input: Any) -> Any:
    """The error function ``2/sqrt(pi) * integral of exp(-t**2) from 0 to input``."""
    return unary(ErfBackward0, as_float(input))


def atan2(input: Any, other: Any) -> Any:
    """The angle of the point ``(other, input)``, in ``(-pi, pi]``; broadcasting."""
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        raise TypeError(f"atan2(): both arguments must be tensors, got {type(input).__name__} and "
                        f"{type(other).__name__}")
    eng = type(input)._eng
    if not eng.is_floating(input._data.dtype) and not eng.is_floating(other._data.dtype):
        input, other = input.to(eng.default_float), other.to(eng.default_float)
    return binary(Atan2Backward0, input, other)


def _rounding(node: type, input: Any) -> Any:
    if not type(input)._eng.is_floating(input._data.dtype):
        return input.clone()  # integers are already whole: PyTorch returns a copy
    return unary(node, input)


def floor(input: Any) -> Any:
    """The largest integer not greater than each element (gradient zero)."""
    return _rounding(FloorBackward0, input)


def ceil(input: Any) -> Any:
    """The smallest integer not less than each element (gradient zero)."""
    return _rounding(CeilBackward0, input)


def trunc(input: Any) -> Any:
    """Each element rounded toward zero (gradient zero)."""
    return _rounding(TruncBackward0, input)


def round(input: Any, *, decimals: int = 0) -> Any:
    """Each element rounded to the nearest integer, halves to even (or to ``decimals``
    places); gradient zero."""
    if not isinstance(decimals, int) or isinstance(decimals, bool):
        raise TypeError(f"round(): decimals must be an integer, got {type(decimals).__name__}")
    eng = type(input)._eng
    if not eng.is_floating(input._data.dtype):
        if decimals:
            raise NotImplementedError(f"round(decimals={decimals}) is not implemented for "
                                      f"{eng.dtype_name(input.dtype)} tensors (PyTorch neither)")
        return input.clone()
    return unary(RoundBackward0, input, decimals=decimals)


def _division(node: type, what: str, input: Any, other: Any) -> Any:
    ta, tb = isinstance(input, Tensor), isinstance(other, Tensor)
    if not (ta or tb):
        raise TypeError(f"{what}(): one of the arguments must be a tensor")
    T = type(input) if ta else type(other)
    eng = T._eng
    if not ta:  # a number dividend: a 0-d constant in the dtype PyTorch's promotion gives
        number, divisor = eng.promote(input, other._data, False, True)
        input = T._wrap(T._xp.asarray(number, dtype=divisor.dtype))
    result_int = not eng.is_floating(input._data.dtype) and not (
        isinstance(other, float) or (tb and eng.is_floating(other._data.dtype)))
    if result_int:
        divisor = other._data if tb else other
        if (bool(T._xp.any(divisor == 0)) if tb else divisor == 0):
            raise RuntimeError(f"ZeroDivisionError: {what}() of integers by zero")
    return binary(node, input, other)


def remainder(input: Any, other: Any) -> Any:
    """Python's ``input % other``: the result takes the divisor's sign; broadcasting."""
    return _division(RemainderBackward0, "remainder", input, other)


def floor_divide(input: Any, other: Any) -> Any:
    """Python's ``input // other`` (floor of the quotient; integers stay integers); the result
    has no derivative, as PyTorch's ``floor_divide``."""
    return _division(FloorDivideBackward0, "floor_divide", input, other)


_ROUNDED = {"floor": DivFloorBackward, "trunc": DivTruncBackward}


def rounded_division(input: Any, other: Any, rounding_mode: str) -> Any:
    """``div(input, other, rounding_mode='floor' | 'trunc')``, with a zero gradient."""
    node = _ROUNDED.get(rounding_mode)
    if node is None:
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found {rounding_mode!r}")
    return _division(node, "div", input, other)


def fmod(input: Any, other: Any) -> Any:
    """C's ``fmod``: the result takes the dividend's sign; broadcasting."""
    return _division(FmodBackward0, "fmod", input, other)


def clamp_min(input: Any, min: Any) -> Any:
    """``max(input, min)`` with ``min`` a number or a broadcasting tensor."""
    if min is None:
        raise TypeError("clamp_min(): min must be a number or a tensor, not None")
    return binary(ClampMinBackward0, input, min)


def clamp_max(input: Any, max: Any) -> Any:
    """``min(input, max)`` with ``max`` a number or a broadcasting tensor."""
    if max is None:
        raise TypeError("clamp_max(): max must be a number or a tensor, not None")
    return binary(ClampMaxBackward0, input, max)


def lerp(input: Any, end: Any, weight: Any) -> Any:
    """``input + weight * (end - input)``; ``weight`` a number or a tensor; broadcasting."""
    tensors = [t for t in (input, end, weight) if isinstance(t, Tensor)]
    if not (isinstance(input, Tensor) and isinstance(end, Tensor)):
        raise TypeError("lerp(): input and end must be tensors")
    eng = type(input)._eng
    if (isinstance(weight, Tensor) and weight.ndim == 0
            and weight._data.dtype != input._data.dtype):
        # a 0-d weight is a scalar: it takes the input's dtype (an integer or bool one too, as
        # PyTorch's torch.lerp(a, b, torch.tensor(1)))
        weight = weight.to(input.dtype)
        tensors = [input, end, weight]
    same_dtype("lerp", *tensors)
    if not eng.is_floating(input._data.dtype):
        raise NotImplementedError(f"lerp() is not implemented for {eng.dtype_name(input.dtype)} "
                                  "tensors (PyTorch neither); convert them with .float() first")
    if isinstance(weight, bool) or not isinstance(weight, (int, float, Tensor)):
        raise TypeError(f"lerp(): weight must be a number or a tensor, got "
                        f"{type(weight).__name__}")
    return apply(LerpBackward0, (input, end, weight), type(input))
