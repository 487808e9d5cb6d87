"""Elementwise functions: numpy's names for torch's ops, logarithms in other bases, inverse
trigonometry, logaddexp, xlogy, nan_to_num, ..."""

from __future__ import annotations

import math
from typing import Any

from ..graph_names import shown_as
from .derivative import with_derivative
from .registry import _composed, _floating, _floating_pair


@_composed("absolute", what="torch.abs")
def absolute(backend: Any, input: Any) -> Any:
    """``torch.abs``."""
    return backend.abs(input)


@_composed("negative", what="torch.neg")
def negative(backend: Any, input: Any) -> Any:
    """``torch.neg``."""
    return backend.neg(input)


@_composed("positive", what="the input itself (not for bool tensors)")
def positive(backend: Any, input: Any) -> Any:
    """``input`` itself, as ``+input``; PyTorch refuses bool tensors."""
    if str(input.dtype).endswith("bool"):
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


@_composed("multiply", what="torch.mul")
def multiply(backend: Any, input: Any, other: Any) -> Any:
    """``torch.mul``."""
    return input * other


@_composed("subtract", what="torch.sub")
def subtract(backend: Any, input: Any, other: Any, *, alpha: Any = 1) -> Any:
    """``input - alpha * other``."""
    return input - (other if alpha == 1 else other * alpha)


@_composed("divide", "true_divide", what="torch.div")
def divide(backend: Any, input: Any, other: Any, *, rounding_mode: str | None = None) -> Any:
    """``torch.div``, with its ``rounding_mode``."""
    if rounding_mode is None:
        return input / other
    return backend.div(input, other, rounding_mode=rounding_mode)


@_composed("floor_divide", what="division rounded towards minus infinity")
def floor_divide(backend: Any, input: Any, other: Any) -> Any:
    """``input // other``: rounded down, as PyTorch since 1.13 (it has no gradient)."""
    return input // other


@_composed("greater", what="torch.gt")
def greater(backend: Any, input: Any, other: Any) -> Any:
    """``input > other``."""
    return backend.gt(input, other)


@_composed("greater_equal", what="torch.ge")
def greater_equal(backend: Any, input: Any, other: Any) -> Any:
    """``input >= other``."""
    return backend.ge(input, other)


@_composed("less", what="torch.lt")
def less(backend: Any, input: Any, other: Any) -> Any:
    """``input < other``."""
    return backend.lt(input, other)


@_composed("less_equal", what="torch.le")
def less_equal(backend: Any, input: Any, other: Any) -> Any:
    """``input <= other``."""
    return backend.le(input, other)


@_composed("not_equal", what="torch.ne")
def not_equal(backend: Any, input: Any, other: Any) -> Any:
    """``input != other``."""
    return backend.ne(input, other)


@_composed("logical_xor", what="elementwise exclusive or of truth values")
def logical_xor(backend: Any, input: Any, other: Any) -> Any:
    """True where exactly one of ``input`` and ``other`` is non-zero (a bool tensor)."""
    return backend.ne(input != 0, other != 0)


_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _log_base(backend: Any, input: Any, scale: float) -> Any:
    x = _floating(backend, input)
    low = str(x.dtype).rsplit(".", 1)[-1] in ("float16", "float32", "half", "float")
    if low and getattr(backend, "float64", None) is not None:
        # in double, then rounded once: log2(8) is 3 exactly, as PyTorch's own
        return (x.to(backend.float64).log() * scale).to(x.dtype)
    return x.log() * scale


@_composed("log2", what="base-2 logarithm", shown="Log2Backward0")
def log2(backend: Any, input: Any) -> Any:
    """The base-2 logarithm (computed in float64 for lower precisions: exact at powers of 2)."""
    return _log_base(backend, input, 1 / _LN2)


@_composed("log10", what="base-10 logarithm", shown="Log10Backward0")
def log10(backend: Any, input: Any) -> Any:
    """The base-10 logarithm (computed in float64 for lower precisions)."""
    return _log_base(backend, input, 1 / _LN10)


@_composed("exp2", what="2 to the power of the input", shown="Exp2Backward0")
def exp2(backend: Any, input: Any) -> Any:
    """``2 ** input`` (exact at integers)."""
    return 2.0 ** _floating(backend, input)


@_composed("tan", what="tangent", shown="TanBackward0")
def tan(backend: Any, input: Any) -> Any:
    """``sin(x) / cos(x)``: the tangent, its derivative ``1 + tan(x)**2``."""
    x = _floating(backend, input)
    return x.sin() / x.cos()


@_composed("sinh", what="hyperbolic sine", shown="SinhBackward0")
def sinh(backend: Any, input: Any) -> Any:
    """``(expm1(x) - expm1(-x)) / 2``: the hyperbolic sine, accurate near 0 too."""
    x = _floating(backend, input)
    return (x.expm1() - (-x).expm1()) / 2


@_composed("cosh", what="hyperbolic cosine", shown="CoshBackward0")
def cosh(backend: Any, input: Any) -> Any:
    """``(exp(x) + exp(-x)) / 2``."""
    x = _floating(backend, input)
    return (x.exp() + (-x).exp()) / 2


@_composed("atan", "arctan", what="inverse tangent", shown="AtanBackward0")
def atan(backend: Any, input: Any) -> Any:
    """``atan2(x, 1)``: the inverse tangent, its derivative ``1 / (1 + x**2)``."""
    x = _floating(backend, input)
    return backend.atan2(x, backend.ones_like(x))


@_composed("asin", "arcsin", what="inverse sine", shown="AsinBackward0")
def asin(backend: Any, input: Any) -> Any:
    """``atan2(x, sqrt(1 - x) sqrt(1 + x))``: the inverse sine (NaN outside [-1, 1]); its
    derivative ``1 / sqrt(1 - x**2)``, inf at +-1 as PyTorch's."""
    x = _floating(backend, input)
    return backend.atan2(x, _cosine_of_asin(x))


def _cosine_of_asin(x: Any) -> Any:
    """``sqrt(1 - x**2)`` as two square roots: at +-1 the derivative through it is inf, where
    that of one root of the product is ``0 * inf``, NaN."""
    return (1 - x).sqrt() * (1 + x).sqrt()


@_composed("acos", "arccos", what="inverse cosine", shown="AcosBackward0")
def acos(backend: Any, input: Any) -> Any:
    """``atan2(sqrt(1 - x) sqrt(1 + x), x)``: the inverse cosine (NaN outside [-1, 1]); its
    derivative ``-1 / sqrt(1 - x**2)``, -inf at +-1 as PyTorch's."""
    x = _floating(backend, input)
    return backend.atan2(_cosine_of_asin(x), x)


@_composed("acosh", "arccosh", what="inverse hyperbolic cosine", shown="AcoshBackward0")
def acosh(backend: Any, input: Any) -> Any:
    """``log1p((x - 1) + sqrt((x - 1)(x + 1)))``: the inverse hyperbolic cosine, accurate near
    1 (NaN below 1)."""
    x = _floating(backend, input)
    below = x - 1
    # (two square roots, not one of the product: at 1 the derivative is inf, not 0 * inf)
    return (below + below.sqrt() * (x + 1).sqrt()).log1p()


#: beyond this, asinh(a) is log(a) + log(2) to the last bit of float64 (the term dropped is
#: 1 / (4 a**2)), and a**2 would overflow float32 from about 1.8e19
_ASINH_LARGE = 1e8


def _asinh_of_positive(backend: Any, a: Any) -> Any:
    # log1p(a + a**2 / (1 + sqrt(1 + a**2))) is log(a + sqrt(a**2 + 1)) without cancellation;
    # each branch sees only its own range (clamped), so neither overflows nor leaks a NaN
    small = a.clamp(max=_ASINH_LARGE)
    square = small * small
    near = (small + square / (1 + (1 + square).sqrt())).log1p()
    far = a.clamp(min=_ASINH_LARGE).log() + math.log(2.0)
    return backend.where(a > _ASINH_LARGE, far, near)


@_composed("asinh", "arcsinh", what="inverse hyperbolic sine")
def asinh(backend: Any, input: Any) -> Any:
    """The inverse hyperbolic sine, an odd function computed on ``|x|`` (accurate near 0; its
    derivative ``1 / sqrt(x**2 + 1)``, 1 at 0; ``log(2|x|)`` for huge ``|x|``, +-inf at
    +-inf)."""
    x = _floating(backend, input)
    # each side sees only its own half (clamped, whose boundary passes the gradient), so the
    # side where() leaves out stays finite and its zero gradient stays zero
    out = backend.where(x < 0, -_asinh_of_positive(backend, (-x).clamp(min=0)),
                        _asinh_of_positive(backend, x.clamp(min=0)))
    return shown_as(out, "AsinhBackward0", input)


@_composed("atanh", "arctanh", what="inverse hyperbolic tangent", shown="AtanhBackward0")
def atanh(backend: Any, input: Any) -> Any:
    """``(log1p(x) - log1p(-x)) / 2``: the inverse hyperbolic tangent (+-inf at +-1, NaN
    beyond)."""
    x = _floating(backend, input)
    return (x.log1p() - (-x).log1p()) / 2


@_composed("arctan2", what="torch.atan2")
def arctan2(backend: Any, input: Any, other: Any) -> Any:
    """``torch.atan2``."""
    return backend.atan2(input, other)


@_composed("ldexp", what="input * 2 ** other", shown="LdexpBackward0")
def ldexp(backend: Any, input: Any, other: Any) -> Any:
    """``input * 2 ** other``, in the pair's floating dtype (`_floating_pair`)."""
    x, e = _floating_pair(backend, input, other)
    return x * (2.0 ** e)


@_composed("deg2rad", what="degrees to radians", shown="Deg2RadBackward0")
def deg2rad(backend: Any, input: Any) -> Any:
    """``input * pi / 180``."""
    return _floating(backend, input) * (math.pi / 180)


@_composed("rad2deg", what="radians to degrees", shown="Rad2DegBackward0")
def rad2deg(backend: Any, input: Any) -> Any:
    """``input * 180 / pi``."""
    return _floating(backend, input) * (180 / math.pi)


@_composed("angle", what="the argument of each element (0 or pi, for real tensors)",
           shown="AngleBackward0")
def angle(backend: Any, input: Any) -> Any:
    """pi where the element is negative, 0 elsewhere, NaN at NaN (a floating result; the
    gradient is 0, as PyTorch's for real tensors)."""
    x = _floating(backend, input)
    turned = (x < 0).to(x.dtype) * math.pi
    value = backend.where(backend.isnan(x), x.detach(), turned)
    # + 0 * x (0 at infinities too): the result stays in x's graph with a zero gradient
    return value + backend.where(backend.isfinite(x), x, backend.zeros_like(x)) * 0


@_composed("sgn", what="the sign (torch.sign, for real tensors)", shown="SgnBackward0")
def sgn(backend: Any, input: Any) -> Any:
    """``torch.sign``: gradspec's tensors are real."""
    return backend.sign(input)


@_composed("signbit", what="whether the sign bit is set (also for -0.0)")
def signbit(backend: Any, input: Any) -> Any:
    """True where the element is negative, including -0.0 (``1 / x < 0`` for zeros)."""
    if not input.is_floating_point():
        return input < 0
    zero = input == 0
    reciprocal = 1 / backend.where(zero, input, backend.ones_like(input))  # zeros: their sign
    return backend.where(zero, reciprocal < 0, input < 0)


@_composed("isposinf", what="whether an element is +inf")
def isposinf(backend: Any, input: Any) -> Any:
    """True at +inf."""
    return backend.logical_and(backend.isinf(input), input > 0)


@_composed("isneginf", what="whether an element is -inf")
def isneginf(backend: Any, input: Any) -> Any:
    """True at -inf."""
    return backend.logical_and(backend.isinf(input), input < 0)


@_composed("isreal", what="whether an element is real (always, for gradspec's dtypes)")
def isreal(backend: Any, input: Any) -> Any:
    """True everywhere: gradspec's dtypes are real."""
    return backend.ones(tuple(input.shape), dtype=backend.bool)


@_composed("frac", what="the fractional part, x - trunc(x)")
def frac(backend: Any, input: Any) -> Any:
    """``x - trunc(x)`` (sign of ``x``); its derivative is 1, as PyTorch's."""
    return shown_as(input - input.detach().trunc(), "FracBackward0", input)


@_composed("sinc", what="the normalized sinc, sin(pi x) / (pi x)")
def sinc(backend: Any, input: Any) -> Any:
    """``sin(pi x) / (pi x)``, 1 at 0 (derivative 0 there)."""
    x = _floating(backend, input)
    zero = x == 0
    one = backend.ones_like(x)
    safe = backend.where(zero, one, x) * math.pi
    return shown_as(backend.where(zero, one, safe.sin() / safe), "SincBackward0", input)


@_composed("hypot", what="sqrt(a**2 + b**2), elementwise")
def hypot(backend: Any, input: Any, other: Any) -> Any:
    """The length of the hypotenuse, ``sqrt(input**2 + other**2)``."""
    return shown_as((input * input + other * other).sqrt(), "HypotBackward0", input, other)


@_composed("logaddexp", what="log(exp(a) + exp(b)), without overflow")
def logaddexp(backend: Any, input: Any, other: Any) -> Any:
    """``log(exp(a) + exp(b))`` as ``max + log1p(exp(-|a - b|))``: no overflow, -inf and
    +inf where both are, and the derivative ``sigmoid(a - b)`` (1/2 each at a tie; also where
    both are the same infinity, at which PyTorch's is NaN)."""
    a, b = _floating_pair(backend, input, other)
    top = backend.maximum(a, b)
    same = backend.logical_and(backend.isinf(a), a == b)  # both +inf or both -inf
    gap = backend.where(same, backend.zeros_like(a), a - b).abs()
    return shown_as(backend.where(same, a, top + (-gap).exp().log1p()), "LogaddexpBackward0",
                    input, other)


@_composed("logaddexp2", what="log2(2**a + 2**b), without overflow", shown="Logaddexp2Backward0")
def logaddexp2(backend: Any, input: Any, other: Any) -> Any:
    """``logaddexp`` in base 2."""
    a, b = _floating_pair(backend, input, other)
    return logaddexp(backend, a * _LN2, b * _LN2) * (1 / _LN2)


@_composed("xlogy", what="x * log(y), 0 where x is 0", shown="XlogyBackward0")
def xlogy(backend: Any, input: Any, other: Any) -> Any:
    """``x * log(y)``, 0 where ``x == 0`` (unless ``y`` is NaN), as ``torch.xlogy``, with
    PyTorch's gradients: ``log(y)`` in ``x``, also where ``x == 0`` (0 there where ``y <= 0``),
    and ``x / y`` in ``y`` (NaN where both are 0)."""
    x, y = _floating_pair(backend, input, other)
    return with_derivative(backend, "xlogy", _xlogy, _xlogy_derivative, (x, y))


def _xlogy(backend: Any, x: Any, y: Any) -> Any:
    return x * backend.where(_x_zero(backend, x, y), backend.ones_like(y), y).log()


def _xlogy_derivative(backend: Any, g: Any, out: Any, x: Any, y: Any) -> tuple:
    return g * _slope_at_zero(backend, x, y <= 0, y.log()), g * x / y


def _x_zero(backend: Any, x: Any, y: Any) -> Any:
    """Where ``x == 0`` makes ``x * f(y)`` zero: everywhere ``y`` is not NaN."""
    return backend.logical_and(x == 0, backend.logical_not(backend.isnan(y)))


def _slope_at_zero(backend: Any, x: Any, pole: Any, slope: Any) -> Any:
    """``slope`` (``log(y)``, or ``log1p(y)``), the gradient of ``x * slope`` in ``x``, with
    PyTorch's 0 where ``x == 0`` and ``y`` is at or below the log's pole (``pole``)."""
    return backend.where(backend.logical_and(x == 0, pole), backend.zeros_like(slope), slope)


@_composed("logit", what="log(p / (1 - p)), optionally clamped to [eps, 1 - eps]",
           shown="LogitBackward0")
def logit(backend: Any, input: Any, eps: float | None = None) -> Any:
    """The log-odds of ``input``, ``log(p) - log1p(-p)``; with ``eps`` the input is clamped to
    ``[eps, 1 - eps]`` first (gradient 0 where it was clamped).  The gradient
    ``1 / (p (1 - p))`` is inf at 0 and 1 and NaN outside [0, 1], as PyTorch's."""
    p = _floating(backend, input)
    if eps is not None:
        p = p.clamp(eps, 1 - eps)
        return p.log() - (-p).log1p()
    return with_derivative(backend, "logit", _logit, _logit_derivative, (p,))


def _logit(backend: Any, p: Any) -> Any:
    return p.log() - (-p).log1p()


def _logit_derivative(backend: Any, g: Any, out: Any, p: Any) -> tuple:
    outside = backend.logical_or(p < 0, p > 1)
    return (backend.where(outside, backend.full_like(g, math.nan), g / (p * (1 - p))),)


@_composed("nan_to_num", what="NaN and infinities replaced by finite numbers")
def nan_to_num(backend: Any, input: Any, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Any:
    """NaN to ``nan``, +inf to ``posinf`` and -inf to ``neginf`` (default: the dtype's largest
    and lowest finite values); gradient 0 at replaced elements, as PyTorch's."""
    if not input.is_floating_point():
        return input.clone()
    info = backend.finfo(input.dtype)
    high = info.max if posinf is None else posinf
    low = info.min if neginf is None else neginf
    out = backend.where(backend.isnan(input), backend.full_like(input, nan), input)
    out = backend.where(isposinf(backend, input), backend.full_like(input, high), out)
    out = backend.where(isneginf(backend, input), backend.full_like(input, low), out)
    return shown_as(out, "NanToNumBackward0", input)


@_composed("fmax", what="elementwise maximum ignoring NaN", shown="FmaxBackward0")
def fmax(backend: Any, input: Any, other: Any) -> Any:
    """The larger of the two, the other where one is NaN (NaN where both are); the gradient
    goes to ``input`` at a tie, as PyTorch's."""
    return backend.where(backend.logical_or(input >= other, backend.isnan(other)), input, other)


@_composed("fmin", what="elementwise minimum ignoring NaN", shown="FminBackward0")
def fmin(backend: Any, input: Any, other: Any) -> Any:
    """The smaller of the two, the other where one is NaN (NaN where both are); the gradient
    goes to ``input`` at a tie, as PyTorch's."""
    return backend.where(backend.logical_or(input <= other, backend.isnan(other)), input, other)


@_composed("float_power", what="power computed in float64")
def float_power(backend: Any, input: Any, exponent: Any) -> Any:
    """``input ** exponent`` in float64, as PyTorch's ``float_power``."""
    base = input.to(backend.float64) if hasattr(input, "dim") else input
    power = exponent.to(backend.float64) if hasattr(exponent, "dim") else exponent
    if not hasattr(base, "dim"):
        return backend.pow(backend.tensor(float(base), dtype=backend.float64), power)
    return base ** power


@_composed("rsub", what="other - alpha * input (subtraction, operands reversed)")
def rsub(backend: Any, input: Any, other: Any, *, alpha: Any = 1) -> Any:
    """``other - alpha * input``: ``torch.rsub``, what ``number - tensor`` calls."""
    if not hasattr(input, "dim"):
        raise TypeError(f"rsub(): argument 'input' must be Tensor, not {type(input).__name__}")
    out = other - (input if alpha == 1 else input * alpha)
    return shown_as(out, "RsubBackward1" if not hasattr(other, "dim") else "RsubBackward0",
                    input, other)


@_composed("addcmul", what="input + value * t1 * t2")
def addcmul(backend: Any, input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
    """``input + value * tensor1 * tensor2``."""
    out = input + (tensor1 * tensor2 if value == 1 else tensor1 * tensor2 * value)
    return shown_as(out, "AddcmulBackward0", input, tensor1, tensor2)


@_composed("addcdiv", what="input + value * t1 / t2")
def addcdiv(backend: Any, input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Any:
    """``input + value * tensor1 / tensor2``."""
    out = input + (tensor1 / tensor2 if value == 1 else tensor1 / tensor2 * value)
    return shown_as(out, "AddcdivBackward0", input, tensor1, tensor2)


