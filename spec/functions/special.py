"""Special functions composed of differentiable elementwise ops: ``lgamma``, ``digamma``,
``polygamma``, ``mvlgamma``, ``erfinv``, ``erfc``, ``i0`` and the ``torch.special`` namespace
(``ndtr``, ``ndtri``, ``log_ndtr``, ``erfcx``, ``xlog1py``, ``entr``, ``i0e``, ``i1``, ...), and
the sampled-data helpers ``logspace``, ``gradient`` and ``cumulative_trapezoid``.

Each is made of ops the catalogue already differentiates (``exp``, ``log``, ``sin``, ``erf``,
``where``, ...), so first and second derivatives come from the composition and match PyTorch's
to the accuracy of the approximation.  Lower-precision inputs are computed in float64 and
rounded once (when the backend has float64), so float32 results are correctly rounded where
PyTorch's own float32 kernels may be off by an ulp or two.

Methods used: the gamma family shifts its argument up by a fixed number of steps (the
recurrence) and sums the asymptotic (Stirling / Bernoulli) series there, with the reflection
formula for negative arguments (``lgamma`` uses its power series about 2 on [0.5, 2.5), so its
zeros at 1 and 2 keep their digits); ``erfinv`` starts from PyTorch's rational first guess and
takes three Newton steps (on ``erfc`` in the tails); ``erfc``/``erfcx`` use W. J. Cody's
rational approximations; ``ndtri`` takes Newton steps on ``log_ndtr``; the modified Bessel functions sum
their power series up to 20 and their asymptotic series beyond.

Where a branch of a ``where`` is not taken its input is replaced by a harmless value first, so
poles and infinities do not leak NaN into the gradients of the other elements.  The gamma
family, ``erfinv``, ``entr`` and ``xlog1py`` differentiate by PyTorch's own formulas
(`with_derivative`: ``digamma`` for ``lgamma``, ``sqrt(pi)/2 exp(erfinv(y)^2)`` for ``erfinv``,
...), so their gradients at poles and domain ends are PyTorch's infinities and NaNs too; the
others' may be 0 where PyTorch's is infinite (see each docstring).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from ..graph_names import shown_as
from .derivative import with_derivative
from .elementwise import _slope_at_zero, _x_zero
from .registry import INPLACE, _composed, _dim, _floating, _floating_pair

__all__: list[str] = []

# B_2, B_4, ..., B_26: the Bernoulli numbers of the asymptotic series
_BERNOULLI = (Fraction(1, 6), Fraction(-1, 30), Fraction(1, 42), Fraction(-1, 30),
              Fraction(5, 66), Fraction(-691, 2730), Fraction(7, 6), Fraction(-3617, 510),
              Fraction(43867, 798), Fraction(-174611, 330), Fraction(854513, 138),
              Fraction(-236364091, 2730), Fraction(8553103, 6))
_SHIFT = 10  # the recurrence moves arguments below this up by this many steps
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_LOG_PI = math.log(math.pi)
# lgamma: sum of B_2k / (2k (2k - 1) z^(2k - 1)), k = 1..7 (the next term is below 1e-16 at 10)
_STIRLING = tuple(float(b / (2 * k * (2 * k - 1))) for k, b in enumerate(_BERNOULLI[:7], 1))
# digamma: log z - 1/(2z) - sum of B_2k / (2k z^2k), k = 1..8
_PSI = tuple(float(b / (2 * k)) for k, b in enumerate(_BERNOULLI[:8], 1))
_EULER_GAMMA = 0.57721566490153286061


def _zeta_minus_one(k: int) -> float:
    """``zeta(k) - 1`` for an integer ``k >= 2``: 62 terms, then Euler-Maclaurin's tail."""
    n = 64
    head = math.fsum(m ** -k for m in range(2, n))
    tail = (n ** (1 - k) / (k - 1) + n ** -k / 2 + k * n ** (-k - 1) / 12
            - k * (k + 1) * (k + 2) * n ** (-k - 3) / 720
            + k * (k + 1) * (k + 2) * (k + 3) * (k + 4) * n ** (-k - 5) / 30240)
    return head + tail


# lgamma(2 + e) = (1 - gamma) e + sum_k (-1)^k (zeta(k) - 1) / k e^k, for |e| <= 1/2: keeps the
# digits near the zeros at 1 and 2 (exactly 0 there)
_LGAMMA_NEAR_2 = (1 - _EULER_GAMMA,
                  *((-1) ** k * _zeta_minus_one(k) / k for k in range(2, 30)))


# ----------------------------------------------------------------------------------- helpers
def _is_low(dtype: Any) -> bool:
    return str(dtype).rsplit(".", 1)[-1] in ("float16", "bfloat16", "float32", "half", "float")


def _wide(backend: Any, input: Any, name: str) -> tuple[Any, Any]:
    """``input`` as a floating tensor in the working precision (float64 for lower precisions,
    where the backend has it), and the dtype to round the result back to."""
    if not hasattr(input, "dim"):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    x = _floating(backend, input)
    dtype = x.dtype
    if _is_low(dtype) and getattr(backend, "float64", None) is not None:
        return x.to(backend.float64), dtype
    return x, dtype


def _check_tensor(input: Any, name: str) -> None:
    if not hasattr(input, "dim"):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")


def _back(out: Any, dtype: Any) -> Any:
    return out if out.dtype == dtype else out.to(dtype)


def _horner(w: Any, coefficients: Sequence[float]) -> Any:
    """``c0 + c1 w + c2 w^2 + ...`` (``w`` a tensor, the coefficients numbers)."""
    acc = w * coefficients[-1] + coefficients[-2]
    for c in reversed(coefficients[:-2]):
        acc = acc * w + c
    return acc


def _full(backend: Any, like: Any, value: float) -> Any:
    return backend.full_like(like, value)


def _reduced(backend: Any, x: Any, take: Any) -> Any:
    """``x - round(x)`` in [-1/2, 1/2] where ``take`` (finite values), -1/2 elsewhere: the
    argument at which ``sin(pi x)`` and ``cot(pi x)`` are computed without losing digits."""
    safe = backend.where(take, x, _full(backend, x, -0.5))
    return safe - backend.round(safe.detach())


def _shifted(backend: Any, y: Any, shift: int) -> tuple[Any, Any, Any]:
    """For ``y >= 0`` (or NaN / inf): ``small`` (below ``shift``), ``ys`` (``y`` where small,
    else 1) and ``z`` (``y + shift`` where small, ``y`` where large and finite, else
    ``shift``): the point where the asymptotic series is summed."""
    small = y < shift
    ys = backend.where(small, y, _full(backend, y, 1.0))
    large = backend.where(backend.isfinite(y), y, _full(backend, y, float(shift)))
    return small, ys, backend.where(small, ys + shift, large)


def _lgamma_nonneg(backend: Any, y: Any) -> Any:
    """``lgamma`` for ``y >= 0``: Stirling's series at ``y`` (or ``y + 10`` minus the log of
    the product ``y (y + 1) ... (y + 9)``); finite for finite ``y``."""
    small, ys, z = _shifted(backend, y, _SHIFT)
    product = ys
    for k in range(1, _SHIFT):
        product = product * (ys + k)
    r = 1 / z
    series = (z - 0.5) * z.log() - z + _HALF_LOG_2PI + r * _horner(r * r, _STIRLING)
    general = series - backend.where(small, product, backend.ones_like(product)).log()
    # on [0.5, 2.5): the power series about 2 (about 1 through lgamma(y) = lgamma(y+1) - log y)
    near = backend.logical_and(y >= 0.5, y < 2.5)
    below = y < 1.5
    e = backend.where(near, y - backend.where(below, backend.ones_like(y),
                                              _full(backend, y, 2.0)), backend.zeros_like(y))
    about_two = e * _horner(e, _LGAMMA_NEAR_2)
    close = about_two - backend.where(below, e.log1p(), backend.zeros_like(e))
    return backend.where(near, close, general)


def _digamma_nonneg(backend: Any, y: Any) -> Any:
    """``digamma`` for ``y >= 0`` (``+inf`` at ``-0.0``, ``-inf`` at ``+0.0``, as torch)."""
    small, ys, z = _shifted(backend, y, _SHIFT)
    total = 1 / ys
    for k in range(1, _SHIFT):
        total = total + 1 / (ys + k)
    r = 1 / z
    w = r * r
    series = z.log() - 0.5 * r - w * _horner(w, _PSI)
    return series - backend.where(small, total, backend.zeros_like(total))


def _polygamma_coefficients(n: int) -> tuple[float, ...]:
    """The asymptotic series of ``psi^(n)`` (n >= 1) divided by ``(-1)^(n+1) / z^n``:
    ``(n-1)! + n!/(2z) + sum_k B_2k (2k+n-1)! / (2k)! / z^2k``; returns ``(n-1)!``, ``n!/2``,
    then the coefficients of ``1/z^2``, ``1/z^4``, ..."""
    return (float(math.factorial(n - 1)), math.factorial(n) / 2,
            *(float(b * math.factorial(2 * k + n - 1) / math.factorial(2 * k))
              for k, b in enumerate(_BERNOULLI[:11], 1)))


def _polygamma_nonneg(backend: Any, n: int, y: Any) -> Any:
    """``psi^(n)(y)`` for ``y >= 0`` and ``n >= 1``."""
    shift = _SHIFT + n
    small, ys, z = _shifted(backend, y.abs(), shift)  # -0.0 as +0.0 (torch's sign at 0)
    total = ys.pow(-(n + 1))
    for k in range(1, shift):
        total = total + (ys + k).pow(-(n + 1))
    c = _polygamma_coefficients(n)
    r = 1 / z
    series = (c[0] + r * c[1] + r * r * _horner(r * r, c[2:])) * z.pow(-n)
    sign = 1.0 if n % 2 else -1.0
    return (series + math.factorial(n) * backend.where(small, total,
                                                       backend.zeros_like(total))) * sign


def _cot_derivative(n: int) -> list[int]:
    """The coefficients (lowest power first) of ``P_n`` with ``d^n/dt^n cot(t) = P_n(cot t)``."""
    p = [0, 1]
    for _ in range(n):
        derivative = [k * p[k] for k in range(1, len(p))] + [0]
        # times -(1 + c^2)
        out = [0] * (len(derivative) + 2)
        for k, a in enumerate(derivative):
            out[k] -= a
            out[k + 2] -= a
        while len(out) > 1 and out[-1] == 0:
            out.pop()
        p = out
    return p


# ------------------------------------------------------------------------------ gamma family
@_composed("lgamma", "special.gammaln", what="log of the absolute value of the gamma function",
           shown="LgammaBackward0")
def lgamma(backend: Any, input: Any) -> Any:
    """``log|Gamma(x)|``: Stirling's series after shifting the argument up, the reflection
    formula below 0; ``+inf`` at the poles (0, -1, -2, ...) and at +-inf.  Its gradient is
    ``digamma``, as PyTorch's (-inf at +0, NaN at the negative poles)."""
    _check_tensor(input, "lgamma")
    return with_derivative(backend, "lgamma", _lgamma, _lgamma_derivative, (input,))


def _lgamma_derivative(backend: Any, g: Any, out: Any, x: Any) -> tuple:
    return (g * digamma(backend, x),)


def _lgamma(backend: Any, input: Any) -> Any:
    x, dtype = _wide(backend, input, "lgamma")
    neg = x < 0
    positive = _lgamma_nonneg(backend, backend.where(neg, 1 - x, x))
    finite = backend.isfinite(x)
    r = _reduced(backend, x, backend.logical_and(neg, finite))
    reflected = _LOG_PI - (r * math.pi).sin().abs().log() - positive
    out = backend.where(neg, reflected, positive)
    out = backend.where(backend.isinf(x), _full(backend, x, math.inf), out)
    return _back(backend.where(backend.isnan(x), x, out), dtype)


@_composed("digamma", "special.digamma", "special.psi",
           what="the digamma function, the derivative of lgamma", shown="DigammaBackward0")
def digamma(backend: Any, input: Any) -> Any:
    """``psi(x) = d/dx lgamma(x)``: the asymptotic series after shifting the argument up, the
    reflection formula below 0.  As torch: ``-inf`` at +0, ``+inf`` at -0, NaN at the negative
    integers and at -inf, ``+inf`` at +inf.  Its gradient is ``polygamma(1, x)``."""
    _check_tensor(input, "digamma")
    return with_derivative(backend, "digamma", _digamma, _digamma_derivative, (input,))


def _digamma_derivative(backend: Any, g: Any, out: Any, x: Any) -> tuple:
    return (g * polygamma(backend, 1, x),)


def _digamma(backend: Any, input: Any) -> Any:
    x, dtype = _wide(backend, input, "digamma")
    neg = x < 0
    positive = _digamma_nonneg(backend, backend.where(neg, 1 - x, x))
    finite = backend.isfinite(x)
    r = _reduced(backend, x, backend.logical_and(neg, finite)) * math.pi
    reflected = positive - math.pi * r.cos() / r.sin()
    out = backend.where(neg, reflected, positive)
    pole = backend.logical_and(neg, x == backend.round(x.detach()))
    bad = backend.logical_or(pole, backend.logical_or(backend.isnan(x), x == -math.inf))
    out = backend.where(x == math.inf, _full(backend, x, math.inf), out)
    return _back(backend.where(bad, _full(backend, x, math.nan), out), dtype)


@_composed("polygamma", "special.polygamma", what="the n-th derivative of digamma",
           shown="PolygammaBackward0")
def polygamma(backend: Any, n: int, input: Any) -> Any:
    """``psi^(n)(x)``, the ``n``-th derivative of ``digamma`` (``n = 0`` is ``digamma``):
    the asymptotic series after shifting the argument up, the reflection formula below 0.
    ``x.polygamma(n)`` (the method) is ``polygamma(n, x)``.  At the poles (0, -1, ...)
    ``(-1)^(n+1) inf``; at +inf 0 for ``n = 1`` and NaN for larger ``n``, at -inf NaN for
    ``n = 1`` and ``(-1)^(n+1) inf`` for larger ``n`` (all as torch)."""
    if hasattr(n, "dim") and isinstance(input, int) and not isinstance(input, bool):
        n, input = input, n  # the method form: x.polygamma(n)
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    if n == 0:
        return digamma(backend, input)
    _check_tensor(input, "polygamma")
    return with_derivative(backend, "polygamma", _polygamma, _polygamma_derivative, (input,),
                           (n,))


def _polygamma_derivative(backend: Any, g: Any, out: Any, x: Any, n: int) -> tuple:
    return (g * polygamma(backend, n + 1, x),)


def _polygamma(backend: Any, input: Any, n: int) -> Any:
    x, dtype = _wide(backend, input, "polygamma")
    neg = x < 0
    positive = _polygamma_nonneg(backend, n, backend.where(neg, 1 - x, x))
    finite = backend.isfinite(x)
    take = backend.logical_and(neg, finite)
    r = _reduced(backend, x, take) * math.pi
    nonzero = backend.where(r == 0, _full(backend, r, 0.5), r)  # poles: replaced below
    c = nonzero.cos() / nonzero.sin()
    p = _cot_derivative(n)  # of degree n + 1, with only odd or only even powers
    odd = (n + 1) % 2
    poly = _horner(c * c, [float(a) for a in p[odd::2]])
    poly = poly * c if odd else poly
    reflected = positive * (1.0 if n % 2 == 0 else -1.0) - math.pi ** (n + 1) * poly
    out = backend.where(neg, reflected, positive)
    sign = 1.0 if n % 2 else -1.0
    pole = backend.logical_and(take, x == backend.round(x.detach()))
    out = backend.where(pole, _full(backend, x, sign * math.inf), out)
    at_inf = 0.0 if n == 1 else math.nan
    out = backend.where(x == math.inf, _full(backend, x, at_inf), out)
    out = backend.where(backend.isnan(x), x, out)
    at_minus_inf = math.nan if n == 1 else sign * math.inf
    return _back(backend.where(x == -math.inf, _full(backend, x, at_minus_inf), out), dtype)


@_composed("mvlgamma", "special.multigammaln", what="the multivariate log-gamma function",
           shown="MvlgammaBackward0")
def mvlgamma(backend: Any, input: Any, p: int) -> Any:
    """``p (p - 1) / 4 log(pi) + sum_{i < p} lgamma(x - i / 2)``, elementwise."""
    if isinstance(p, bool) or not isinstance(p, int):
        raise TypeError(f"mvlgamma(): argument 'p' must be int, not {type(p).__name__}")
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = _floating(backend, input)
    total = lgamma(backend, x)
    for i in range(1, p):
        total = total + lgamma(backend, x - i / 2)
    return total + p * (p - 1) / 4 * _LOG_PI


# ------------------------------------------------------------------------------ error family
# PyTorch's first guess for erfinv (central |y| <= 0.7, and the tails)
_ERFINV_A = (0.886226899, -1.645349621, 0.914624893, -0.140543331)
_ERFINV_B = (1.0, -2.118377725, 1.442710462, -0.329097515, 0.012229801)
_ERFINV_C = (-1.970840454, -1.624906493, 3.429567803, 1.641345311)
_ERFINV_D = (1.0, 3.543889200, 1.637067800)
_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)

# W. J. Cody's rational approximations of erfc(x) exp(x^2) (Math. Comp. 23, 1969): on
# 0.46875 < x <= 4 (_C / _D) and x > 4 (_P / _Q, in 1 / x^2)
_CODY_C = (0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131,
           881.952221241769090, 1712.04761263407058, 2051.07837782607147, 1230.33935479799725,
           2.15311535474403846e-8)
_CODY_D = (15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019,
           3290.79923573345963, 4362.61909014324716, 3439.36767414372164, 1230.33935480374942)
_CODY_P = (0.305326634961232344, 0.360344899949804439, 0.125781726111229246,
           0.0160837851487422766, 6.58749161529837803e-4, 0.0163153871373020978)
_CODY_Q = (2.56852019228982242, 1.87295284992346047, 0.527905102951428412,
           0.0605183413124413191, 0.00233520497626869185)
_ERF_SMALL = 0.46875


def _cody_scaled(backend: Any, y: Any) -> Any:
    """``erfc(y) exp(y^2)`` for ``y > 0.46875`` (other elements: a finite value)."""
    middle_y = backend.where(y <= 4.0, y, _full(backend, y, 1.0))
    num, den = middle_y * _CODY_C[8], middle_y
    for i in range(7):
        num = (num + _CODY_C[i]) * middle_y
        den = (den + _CODY_D[i]) * middle_y
    middle = (num + _CODY_C[7]) / (den + _CODY_D[7])
    far = backend.where(y > 4.0, y, _full(backend, y, 5.0))
    r = 1 / far
    z = r * r
    num, den = z * _CODY_P[5], z
    for i in range(4):
        num = (num + _CODY_P[i]) * z
        den = (den + _CODY_Q[i]) * z
    tail = (1 / math.sqrt(math.pi) - z * (num + _CODY_P[4]) / (den + _CODY_Q[4])) * r
    return backend.where(y <= 4.0, middle, tail)


def _erfc_wide(backend: Any, x: Any) -> Any:
    y = x.abs()
    y = backend.where(y > 30.0, _full(backend, y, 30.0), y)  # erfc(30) is 0: inf kept finite
    head = (y.detach() * 16.0).trunc() / 16.0  # exp(-y^2) in two factors: y^2 loses no digits
    far = backend.exp(-head * head) * backend.exp(-(y - head) * (y + head)) \
        * _cody_scaled(backend, backend.where(y > _ERF_SMALL, y, _full(backend, y, 1.0)))
    far = backend.where(x < 0, 2 - far, far)
    return backend.where(y <= _ERF_SMALL, 1 - backend.erf(x), far)


def _erfcx_wide(backend: Any, x: Any) -> Any:
    big = x > _ERF_SMALL
    near = backend.where(big, _full(backend, x, 0.0), x)
    near = backend.where(near < -26.7, _full(backend, x, -26.7), near)  # exp overflows there
    low = (near * near).exp() * (1 - backend.erf(near))
    low = backend.where(x < -26.7, _full(backend, x, math.inf), low)
    out = backend.where(big, _cody_scaled(backend, backend.where(big, x, _full(backend, x, 1.0))),
                        low)
    return backend.where(x == math.inf, backend.zeros_like(x), out)


@_composed("erfc", "special.erfc", what="the complementary error function, 1 - erf(x)",
           shown="ErfcBackward0")
def erfc(backend: Any, input: Any) -> Any:
    """``1 - erf(x)``, accurate also where it is tiny (Cody's rational approximation of
    ``erfc(x) exp(x^2)`` beyond 0.46875)."""
    x, dtype = _wide(backend, input, "erfc")
    return _back(_erfc_wide(backend, x), dtype)


@_composed("special.erfcx", what="the scaled complementary error function, exp(x^2) erfc(x)",
           shown="SpecialErfcxBackward0")
def erfcx(backend: Any, input: Any) -> Any:
    """``exp(x^2) erfc(x)``, without overflow for large ``x`` (inf for ``x < -26.7``)."""
    x, dtype = _wide(backend, input, "erfcx")
    return _back(_erfcx_wide(backend, x), dtype)


def _erfinv_wide(backend: Any, y: Any) -> Any:
    inside = y.abs() < 1
    ys = backend.where(inside, y, backend.zeros_like(y))
    z = ys * ys
    central = ys * _horner(z, _ERFINV_A) / _horner(z, _ERFINV_B)
    is_central = ys.abs() <= 0.7
    yt = backend.where(is_central, _full(backend, ys, 0.9), ys)
    zt = (-((1 - yt.abs()) / 2).log()).sqrt()
    tail = backend.sign(yt.detach()) * _horner(zt, _ERFINV_C) / _horner(zt, _ERFINV_D)
    x = backend.where(is_central, central, tail)
    xt_sign = backend.sign(yt.detach())
    for _ in range(3):  # Newton's steps; in the tails on erfc, whose digits 1 - |y| keeps
        xt = backend.where(is_central, _full(backend, x, 1.0), x.abs())
        residual = backend.where(is_central, backend.erf(x) - ys,
                                 xt_sign * ((1 - yt.abs()) - _erfc_wide(backend, xt)))
        x = x - residual / ((-(x * x)).exp() * _TWO_OVER_SQRT_PI)
    edge = backend.where(y == 1, _full(backend, y, math.inf),
                         backend.where(y == -1, _full(backend, y, -math.inf),
                                       _full(backend, y, math.nan)))
    return backend.where(inside, x, edge)


@_composed("erfinv", "special.erfinv", what="the inverse error function", shown="ErfinvBackward0")
def erfinv(backend: Any, input: Any) -> Any:
    """The inverse of ``erf`` on (-1, 1): PyTorch's rational first guess, then three Newton
    steps (on ``erfc`` where ``|y| > 0.7``, so the tails keep their digits); +-inf at +-1, NaN
    beyond.  Its gradient is ``sqrt(pi)/2 exp(erfinv(y)^2)``, as PyTorch's (inf at +-1, NaN
    beyond)."""
    _check_tensor(input, "erfinv")
    return with_derivative(backend, "erfinv", _erfinv, _erfinv_derivative, (input,))


def _erfinv(backend: Any, input: Any) -> Any:
    y, dtype = _wide(backend, input, "erfinv")
    return _back(_erfinv_wide(backend, y), dtype)


def _erfinv_derivative(backend: Any, g: Any, out: Any, y: Any) -> tuple:
    return (g * ((out * out).exp() * (math.sqrt(math.pi) / 2)),)


def _log_ndtr_wide(backend: Any, x: Any) -> Any:
    t = x * (1 / math.sqrt(2))
    low = x < -1.0
    tl = backend.where(low, t, _full(backend, t, -1.0))
    far = (_erfcx_wide(backend, -tl) / 2).log() - tl * tl
    th = backend.where(low, _full(backend, t, 0.0), t)
    near = (-_erfc_wide(backend, th) / 2).log1p()
    return backend.where(low, far, near)


@_composed("special.ndtr", what="the standard normal cumulative distribution function",
           shown="MulBackward1")
def ndtr(backend: Any, input: Any) -> Any:
    """``(1 + erf(x / sqrt(2))) / 2``, computed as ``erfc(-x / sqrt(2)) / 2``: accurate in the
    lower tail too."""
    x, dtype = _wide(backend, input, "ndtr")
    return _back(_erfc_wide(backend, x * (-1 / math.sqrt(2))) / 2, dtype)


@_composed("special.log_ndtr", what="the log of the standard normal cdf",
           shown="SpecialLogNdtrBackward0")
def log_ndtr(backend: Any, input: Any) -> Any:
    """``log(ndtr(x))``, accurate far into the lower tail (through ``erfcx``), as torch."""
    x, dtype = _wide(backend, input, "log_ndtr")
    return _back(_log_ndtr_wide(backend, x), dtype)


@_composed("special.ndtri", what="the inverse of the standard normal cdf (the quantile)",
           shown="SpecialNdtriBackward0")
def ndtri(backend: Any, input: Any) -> Any:
    """The ``x`` with ``ndtr(x) = p``: a rational first guess (from ``min(p, 1 - p)`` so the
    tails keep their digits), then Newton's steps on ``log_ndtr``; -inf at 0, inf at 1, NaN
    outside [0, 1]."""
    p, dtype = _wide(backend, input, "ndtri")
    inside = backend.logical_and(p > 0, p < 1)
    ps = backend.where(inside, p, _full(backend, p, 0.5))
    upper = ps > 0.5
    q = backend.where(upper, 1 - ps, ps)  # <= 1/2, exact
    y = 2 * q - 1  # in [-1, 0]
    central_q = backend.where(q >= 0.15, y, _full(backend, q, -0.5))
    zc = central_q * central_q
    central = central_q * _horner(zc, _ERFINV_A) / _horner(zc, _ERFINV_B)
    tail_q = backend.where(q < 0.15, q, _full(backend, q, 0.01))
    zt = (-tail_q.log()).sqrt()
    tail = -_horner(zt, _ERFINV_C) / _horner(zt, _ERFINV_D)
    x = backend.where(q >= 0.15, central, tail) * math.sqrt(2)
    log_q = q.log()
    for _ in range(3):  # Newton on log ndtr(x) = log q; ndtr / pdf = sqrt(pi/2) erfcx(-x/sqrt 2)
        ratio = _erfcx_wide(backend, x * (-1 / math.sqrt(2))) * math.sqrt(math.pi / 2)
        x = x - (_log_ndtr_wide(backend, x) - log_q) * ratio
    x = backend.where(upper, -x, x)
    edge = backend.where(p == 0, _full(backend, p, -math.inf),
                         backend.where(p == 1, _full(backend, p, math.inf),
                                       _full(backend, p, math.nan)))
    return _back(backend.where(inside, x, edge), dtype)


# --------------------------------------------------------------------- modified Bessel I0, I1
_BESSEL_SMALL = 20.0


def _bessel(backend: Any, input: Any, order: int, scaled: bool, name: str) -> Any:
    """``I_order(x)`` (``order`` 0 or 1), times ``exp(-|x|)`` when ``scaled``: the power series
    up to |x| = 20, the asymptotic series beyond."""
    x, dtype = _wide(backend, input, name)
    y = x.abs()
    small = y <= _BESSEL_SMALL
    xs = backend.where(small, x, backend.zeros_like(x))
    t = xs * xs / 4
    terms = 44
    if order == 0:
        series = _horner(t, [1 / math.factorial(k) ** 2 for k in range(terms)])
    else:
        series = xs / 2 * _horner(t, [1 / (math.factorial(k) * math.factorial(k + 1))
                                      for k in range(terms)])
    if scaled:
        series = series * (-xs.abs()).exp()
    mu = 4 * order * order
    coefficients, a = [1.0], 1.0
    for k in range(1, 30):
        a *= -(mu - (2 * k - 1) ** 2) / (k * 8)
        coefficients.append(a)
    yl = backend.where(small, _full(backend, y, 2 * _BESSEL_SMALL), y)
    yl = backend.where(backend.isinf(yl), _full(backend, y, 1e300), yl)
    far = _horner(1 / yl, coefficients) / (2 * math.pi * yl).sqrt()
    if not scaled:
        far = yl.exp() * far  # inf beyond 709.78, as torch's (Cephes') own
    if order == 1:
        far = backend.sign(x.detach()) * far
    out = backend.where(small, series, far)
    at_inf = _full(backend, x, 0.0 if scaled else math.nan)  # torch's (Cephes') inf / inf
    out = backend.where(backend.isinf(x), at_inf, out)
    return _back(out, dtype)


@_composed("i0", "special.i0", what="the modified Bessel function of the first kind, order 0",
           shown="I0Backward0")
def i0(backend: Any, input: Any) -> Any:
    """``I0(x) = sum (x^2/4)^k / (k!)^2``; its gradient is ``I1(x)``.  NaN at +-inf, as
    torch's."""
    return _bessel(backend, input, 0, False, "i0")


@_composed("special.i0e", what="the exponentially scaled modified Bessel function I0",
           shown="SpecialI0EBackward0")
def i0e(backend: Any, input: Any) -> Any:
    """``exp(-|x|) I0(x)``."""
    return _bessel(backend, input, 0, True, "i0e")


@_composed("special.i1", what="the modified Bessel function of the first kind, order 1",
           shown="SpecialI1Backward0")
def i1(backend: Any, input: Any) -> Any:
    """``I1(x) = x/2 sum (x^2/4)^k / (k! (k+1)!)`` (NaN at +-inf, as torch's)."""
    return _bessel(backend, input, 1, False, "i1")


@_composed("special.i1e", what="the exponentially scaled modified Bessel function I1",
           shown="SpecialI1EBackward0")
def i1e(backend: Any, input: Any) -> Any:
    """``exp(-|x|) I1(x)``."""
    return _bessel(backend, input, 1, True, "i1e")


# ----------------------------------------------------------------- the rest of torch.special
def _tensor_pair(backend: Any, input: Any, other: Any, name: str) -> tuple[Any, Any]:
    if not hasattr(input, "dim") and not hasattr(other, "dim"):
        raise TypeError(f"{name}(): expected at least one Tensor argument")
    x = input if hasattr(input, "dim") else backend.tensor(float(input), dtype=other.dtype)
    y = other if hasattr(other, "dim") else backend.tensor(float(other), dtype=x.dtype)
    return x, y


@_composed("special.xlog1py", what="x * log1p(y), 0 where x is 0",
           shown="SpecialXlog1PyBackward0")
def xlog1py(backend: Any, input: Any, other: Any) -> Any:
    """``x * log1p(y)``, 0 where ``x == 0`` (unless ``y`` is NaN), as ``torch.special.xlog1py``,
    with PyTorch's gradients: ``log1p(y)`` in ``x``, also where ``x == 0`` (0 there where
    ``y <= -1``), and ``x / (1 + y)`` in ``y``, as `xlogy`'s."""
    _tensor_pair(backend, input, other, "xlog1py")  # (its error for two numbers)
    x, y = _floating_pair(backend, input, other)
    return with_derivative(backend, "xlog1py", _xlog1py, _xlog1py_derivative, (x, y))


def _xlog1py(backend: Any, x: Any, y: Any) -> Any:
    return x * backend.where(_x_zero(backend, x, y), backend.zeros_like(y), y).log1p()


def _xlog1py_derivative(backend: Any, g: Any, out: Any, x: Any, y: Any) -> tuple:
    return g * _slope_at_zero(backend, x, y <= -1, y.log1p()), g * x / (y + 1)


@_composed("special.xlogy", what="x * log(y), 0 where x is 0")
def special_xlogy(backend: Any, input: Any, other: Any) -> Any:
    """``torch.xlogy``."""
    x, y = _tensor_pair(backend, input, other, "xlogy")
    return backend.xlogy(x, y)


@_composed("special.entr", what="the elementwise entropy, -x log(x)", shown="SpecialEntrBackward0")
def entr(backend: Any, input: Any) -> Any:
    """``-x log(x)`` for ``x > 0``, 0 at 0, ``-inf`` below 0 (NaN stays NaN).  Its gradient is
    ``-(1 + log(x))``, as PyTorch's (inf at 0, NaN below)."""
    _check_tensor(input, "special.entr")
    return with_derivative(backend, "entr", _entr, _entr_derivative, (input,))


def _entr_derivative(backend: Any, g: Any, out: Any, x: Any) -> tuple:
    return (g * -(x.log() + 1),)


def _entr(backend: Any, input: Any) -> Any:
    x = _floating(backend, input)
    positive = x > 0
    safe = backend.where(positive, x, backend.ones_like(x))
    value = -safe * safe.log()
    out = backend.where(positive, value, backend.where(x == 0, backend.zeros_like(x),
                                                       _full(backend, x, -math.inf)))
    return backend.where(backend.isnan(x), x, out)


@_composed("special.expit", what="the logistic sigmoid")
def expit(backend: Any, input: Any) -> Any:
    """``torch.sigmoid``."""
    return backend.sigmoid(_floating(backend, input))


@_composed("special.logit", what="log(p / (1 - p)), optionally clamped to [eps, 1 - eps]")
def special_logit(backend: Any, input: Any, eps: float | None = None) -> Any:
    """``torch.logit``."""
    return backend.logit(input, eps)


@_composed("special.erf", what="the error function")
def special_erf(backend: Any, input: Any) -> Any:
    """``torch.erf``."""
    return backend.erf(input)


@_composed("special.exp2", what="2 to the power of the input")
def special_exp2(backend: Any, input: Any) -> Any:
    """``torch.exp2``."""
    return backend.exp2(input)


@_composed("special.expm1", what="exp(x) - 1")
def special_expm1(backend: Any, input: Any) -> Any:
    """``torch.expm1``."""
    return backend.expm1(input)


@_composed("special.log1p", what="log(1 + x)")
def special_log1p(backend: Any, input: Any) -> Any:
    """``torch.log1p``."""
    return backend.log1p(input)


@_composed("special.sinc", what="the normalized sinc, sin(pi x) / (pi x)")
def special_sinc(backend: Any, input: Any) -> Any:
    """``torch.sinc``."""
    return backend.sinc(input)


@_composed("special.round", what="rounding to the nearest (even) integer or decimal",
           shown="RoundBackward1")
def special_round(backend: Any, input: Any, *, decimals: int = 0) -> Any:
    """``torch.round``."""
    return backend.round(input, decimals=decimals)


@_composed("special.logsumexp", what="log of the sum of exponentials over dims")
def special_logsumexp(backend: Any, input: Any, dim: Any, keepdim: bool = False) -> Any:
    """``torch.logsumexp``."""
    return backend.logsumexp(input, dim, keepdim)


def _cast(input: Any, dtype: Any) -> Any:
    return input if dtype is None else input.to(dtype)


@_composed("special.softmax", what="softmax over a dim")
def special_softmax(backend: Any, input: Any, dim: int, *, dtype: Any = None) -> Any:
    """``torch.softmax`` (``input`` cast to ``dtype`` first when given)."""
    return backend.softmax(_cast(input, dtype), dim)


@_composed("special.log_softmax", what="log of softmax over a dim")
def special_log_softmax(backend: Any, input: Any, dim: int, *, dtype: Any = None) -> Any:
    """``torch.log_softmax`` (``input`` cast to ``dtype`` first when given)."""
    return backend.log_softmax(_cast(input, dtype), dim)


# ------------------------------------------------------------------------- sampled data
@_composed("logspace", what="points evenly spaced on a log scale")
def logspace(backend: Any, start: Any, end: Any, steps: int, base: float = 10.0, *,
             dtype: Any = None, layout: Any = None, device: Any = None,
             requires_grad: bool = False) -> Any:
    """``base ** linspace(start, end, steps)``: ``steps`` points from ``base**start`` to
    ``base**end`` (the default float dtype unless ``dtype``; integer dtypes truncate)."""
    start = float(start.item() if hasattr(start, "item") else start)
    end = float(end.item() if hasattr(end, "item") else end)
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise TypeError(f"logspace(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    base = float(base)
    if steps == 1:
        values = [base ** start]
    else:  # from the nearer end, as torch
        step = (end - start) / (steps - 1)
        values = [base ** (start + step * i) if i < steps / 2
                  else base ** (end - step * (steps - 1 - i)) for i in range(steps)]
    dtype = backend.get_default_dtype() if dtype is None else dtype
    probe = backend.zeros((), dtype=dtype)
    if not probe.is_floating_point():
        values = [int(v) for v in values]
    kwargs = {} if device is None else {"device": device}
    out = backend.tensor(values, dtype=dtype, **kwargs)
    return out.requires_grad_() if requires_grad else out


def _spacings(backend: Any, spacing: Any, dims: list[int]) -> list[Any]:
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            raise RuntimeError("torch.gradient expected spacing to be unspecified, a scalar or "
                               "it's spacing and dim arguments to have the same length, but got "
                               f"a spacing argument of length {len(spacing)} and a dim argument "
                               f"of length {len(dims)}.")
        return list(spacing)
    if hasattr(spacing, "dim"):
        if spacing.dim() != 0:
            raise RuntimeError("torch.gradient expected spacing to be a scalar, a list of "
                               "scalars or a list of 1-d tensors")
        spacing = spacing.item()
    return [spacing] * len(dims)


def _along(t: Any, d: int, ndim: int) -> Any:
    """A 1-d ``t`` shaped to broadcast along dim ``d`` of an ``ndim``-d tensor."""
    return t.reshape(*[t.shape[0] if i == d else 1 for i in range(ndim)])


def _gradient_dim(backend: Any, f: Any, d: int, h: Any, edge_order: int) -> Any:
    n, ndim = f.shape[d], f.dim()

    def at(start: int, length: int) -> Any:
        return f.narrow(d, start % n, length)

    if not hasattr(h, "dim"):
        h = float(h)
        center = (at(2, n - 2) - at(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first = (at(1, 1) - at(0, 1)) / h
            last = (at(-1, 1) - at(-2, 1)) / h
        else:
            first = (at(0, 1) * -1.5 + at(1, 1) * 2.0 - at(2, 1) * 0.5) / h
            last = (at(-3, 1) * 0.5 - at(-2, 1) * 2.0 + at(-1, 1) * 1.5) / h
        return backend.cat([first, center, last], dim=d)
    if h.dim() != 1 or h.shape[0] != n:
        raise RuntimeError(f"torch.gradient expected each tensor to be on the same device and "
                           f"1-d with as many elements as the input's dimension {d} ({n}), got "
                           f"shape {tuple(h.shape)}")
    dx = _floating(backend, h).to(f.dtype)
    dx = dx[1:] - dx[:-1]
    dx1, dx2 = dx[:-1], dx[1:]
    a = _along(-dx2 / (dx1 * (dx1 + dx2)), d, ndim)
    b = _along((dx2 - dx1) / (dx1 * dx2), d, ndim)
    c = _along(dx1 / (dx2 * (dx1 + dx2)), d, ndim)
    center = a * at(0, n - 2) + b * at(1, n - 2) + c * at(2, n - 2)
    if edge_order == 1:
        first = (at(1, 1) - at(0, 1)) / dx[0]
        last = (at(-1, 1) - at(-2, 1)) / dx[-1]
    else:
        d0, d1, e1, e2 = dx[0], dx[1], dx[-1], dx[-2]
        first = (at(0, 1) * (-(2.0 * d0 + d1) / (d0 * (d0 + d1)))
                 + at(1, 1) * ((d0 + d1) / (d0 * d1)) + at(2, 1) * (-d0 / (d1 * (d0 + d1))))
        last = (at(-3, 1) * (e1 / (e2 * (e2 + e1))) + at(-2, 1) * (-(e1 + e2) / (e1 * e2))
                + at(-1, 1) * ((2 * e1 + e2) / (e1 * (e2 + e1))))
    return backend.cat([first, center, last], dim=d)


@_composed("gradient", what="the numerical gradient of sampled values (central differences)")
def gradient(backend: Any, input: Any, *, spacing: Any = 1, dim: Any = None,
             edge_order: int = 1) -> tuple:
    """Central differences in the interior and one-sided ones (``edge_order`` 1 or 2) at the
    ends, along each of ``dim`` (default: every dim): a tuple with one tensor per dim.
    ``spacing`` is a number, one number per dim, or one 1-d tensor of coordinates per dim."""
    if edge_order not in (1, 2):
        raise RuntimeError(f"torch.gradient only supports edge_order=1 and edge_order=2, got "
                           f"{edge_order}")
    if not hasattr(input, "dim"):
        raise TypeError(f"gradient(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    ndim = input.dim()
    if dim is None:
        dims = list(range(ndim))
    else:
        raw = list(dim) if isinstance(dim, (list, tuple)) else [dim]
        dims = [_dim(d, ndim, "gradient") for d in raw]
        if len(set(dims)) != len(dims):
            raise RuntimeError("torch.gradient expected each dim to appear once")
    f = _floating(backend, input)
    for d in dims:
        if f.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least "
                               "edge_order+1")
    return tuple(_gradient_dim(backend, f, d, h, edge_order)
                 for d, h in zip(dims, _spacings(backend, spacing, dims)))


@_composed("cumulative_trapezoid", what="the running integral by the trapezoidal rule")
def cumulative_trapezoid(backend: Any, y: Any, x: Any = None, *, dx: Any = None,
                         dim: int = -1) -> Any:
    """The trapezoidal rule's running sum along ``dim`` (one element fewer than ``y``): over
    sample points ``x`` (the shape of ``y``, or 1-d along ``dim``) or a constant spacing
    ``dx`` (default 1)."""
    if isinstance(x, (int, float)) and dx is None:
        x, dx = None, x
    d = _dim(dim, y.dim(), "cumulative_trapezoid")
    y = _floating(backend, y)
    length = y.shape[d]
    if length == 0:
        return y.narrow(d, 0, 0)
    pairs = y.narrow(d, 1, length - 1) + y.narrow(d, 0, length - 1)
    if x is None:
        return (pairs * ((1.0 if dx is None else float(dx)) / 2)).cumsum(d)
    if dx is not None:
        raise TypeError("cumulative_trapezoid(): pass either sample points x or a spacing dx, "
                        "not both")
    if x.dim() == 1:
        if x.shape[0] != length:
            raise RuntimeError(f"cumulative_trapezoid: There must be one `x` value for each "
                               f"sample point; got {x.shape[0]} for {length}")
        x = x.reshape(*[length if i == d else 1 for i in range(y.dim())])
    steps = x.narrow(d, 1, length - 1) - x.narrow(d, 0, length - 1)
    return (steps * pairs / 2).cumsum(d)


INPLACE.update(lgamma_=lgamma, digamma_=digamma, polygamma_=polygamma, mvlgamma_=mvlgamma,
               erfinv_=erfinv, erfc_=erfc, i0_=i0)
