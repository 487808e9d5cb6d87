"""torch.nn.functional's activations: softplus gelu leaky_relu elu selu silu mish hardtanh
logsigmoid.  Each is one node; backward formulas use the differentiable ``F`` namespace (other
nodes through ``F.apply``), so second derivatives exist wherever PyTorch's do."""

from __future__ import annotations

import math
from typing import Any

from ..apply import unary
from ..node import Node, register
from .args import floating
from .pointwise import ErfBackward0, erf_raw
from .unary import SigmoidBackward0, TanhBackward0, constant_raw

SQRT_HALF = math.sqrt(0.5)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
GELU_TANH_SCALE = math.sqrt(2.0 / math.pi)
GELU_TANH_CUBIC = 0.044715
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


@register("softplus")
class SoftplusBackward0(Node):
    """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where ``beta * x > threshold``."""

    quiet = True
    __slots__ = ("beta", "threshold")
    saves = (0,)

    def forward(self, xp, a, beta=1.0, threshold=20.0):
        self.beta, self.threshold = beta, threshold
        return softplus_raw(xp, a, beta, threshold)

    def backward(self, F, g, a):
        z = a * self.beta
        linear = z > self.threshold
        e = F.exp(F.where(linear, F.zeros_like(z), z))
        return (F.where(linear, g, g * (e / (e + 1))),)


@register("gelu")
class GeluBackward0(Node):
    """``x * Phi(x)`` with Phi the standard normal CDF (``approximate='none'``), or its tanh
    approximation (``'tanh'``)."""

    quiet = True
    __slots__ = ("approximate",)
    saves = (0,)

    def forward(self, xp, a, approximate="none"):
        self.approximate = approximate
        if approximate == "tanh":
            inner = GELU_TANH_SCALE * (a + GELU_TANH_CUBIC * a * a * a)
            return 0.5 * a * (1 + xp.tanh(inner))
        return 0.5 * a * (1 + erf_raw(xp, a * SQRT_HALF))

    def backward(self, F, g, a):
        if self.approximate == "tanh":
            sq = a * a
            t = F.apply(TanhBackward0, GELU_TANH_SCALE * (a + GELU_TANH_CUBIC * sq * a))
            left = 0.5 * (1 + t)
            right = 0.5 * a * (1 - t * t) * (GELU_TANH_SCALE * (1 + 3 * GELU_TANH_CUBIC * sq))
            return (g * (left + right),)
        cdf = 0.5 * (1 + F.apply(ErfBackward0, a * SQRT_HALF))
        pdf = INV_SQRT_2PI * F.exp(-0.5 * (a * a))
        return (g * (cdf + a * pdf),)


@register("leaky_relu")
class LeakyReluBackward0(Node):
    """``x`` where ``x > 0``, else ``negative_slope * x`` (the slope's side at 0)."""

    __slots__ = ("slope",)
    saves = (0,)

    def forward(self, xp, a, negative_slope=0.01):
        self.slope = negative_slope
        return xp.where(a > 0, a, a * negative_slope)

    def backward(self, F, g, a):
        return (F.apply(SlopeGradBackward, g, a, lo=0.0, hi=None, inside=1.0,
                        outside=self.slope),)


@register("elu")
class EluBackward0(Node):
    """``scale * x`` where ``x > 0``, else ``scale * alpha * (exp(input_scale * x) - 1)``;
    selu is elu with fixed alpha and scale (EluBackward0 in PyTorch too)."""

    quiet = True
    __slots__ = ("alpha", "scale", "input_scale")
    saves = (0,)

    def forward(self, xp, a, alpha=1.0, scale=1.0, input_scale=1.0):
        self.alpha, self.scale, self.input_scale = alpha, scale, input_scale
        negative = xp.where(a > 0, xp.zeros_like(a), a)  # exp of the negative side only
        return xp.where(a > 0, a * scale, xp.expm1(negative * input_scale) * (alpha * scale))

    def backward(self, F, g, a):
        positive = a > 0
        negative = F.where(positive, F.zeros_like(a), a)
        slope = F.exp(negative * self.input_scale) * (self.alpha * self.scale * self.input_scale)
        return (F.where(positive, g * self.scale, g * slope),)


@register("silu")
class SiluBackward0(Node):
    """``x * sigmoid(x)``."""

    quiet = True
    saves = (0,)

    def forward(self, xp, a):
        return a / (xp.exp(-a) + constant_raw(xp, 1.0, a.dtype))  # PyTorch's x / (1 + exp(-x))

    def backward(self, F, g, a):
        s = F.apply(SigmoidBackward0, a)
        return (g * (s * (1 + a * (1 - s))),)


@register("mish")
class MishBackward0(Node):
    """``x * tanh(softplus(x))``."""

    quiet = True
    saves = (0,)

    def forward(self, xp, a):
        return a * xp.tanh(softplus_raw(xp, a, 1.0, 20.0))

    def backward(self, F, g, a):
        t = F.apply(TanhBackward0, F.apply(SoftplusBackward0, a))
        s = F.apply(SigmoidBackward0, a)
        return (g * (t + a * s * (1 - t * t)),)


@register("hardtanh")
class HardtanhBackward0(Node):
    """``x`` clipped to ``[min_val, max_val]``; the gradient passes strictly inside only."""

    __slots__ = ("lo", "hi")
    saves = (0,)

    def forward(self, xp, a, lo=-1.0, hi=1.0):
        self.lo, self.hi = lo, hi
        return xp.clip(a, lo, hi)

    def backward(self, F, g, a):
        return (F.apply(SlopeGradBackward, g, a, lo=self.lo, hi=self.hi, inside=1.0,
                        outside=0.0),)


@register("slope_grad", public=False)
class SlopeGradBackward(Node):
    """``g`` times ``inside`` where ``lo < x`` (and ``x < hi``), else times ``outside``: the
    gradient of a piecewise-linear activation, linear in ``g``.  ``x`` stays in the graph with
    a zero gradient, so that the derivative of leaky_relu or hardtanh keeps a graph under
    create_graph as PyTorch's does (HIGHER-4)."""

    __slots__ = ("lo", "hi", "inside", "outside")
    saves = (1,)

    def forward(self, xp, g, x, lo, hi, inside, outside):
        self.lo, self.hi, self.inside, self.outside = lo, hi, inside, outside
        keep = x > lo if hi is None else (x > lo) & (x < hi)
        # a dropped gradient is 0, as PyTorch's, even where ``g`` is inf or NaN (inf * 0 is NaN)
        dropped = xp.zeros_like(g) if outside == 0 else g * outside
        return xp.where(keep, g * inside if inside != 1 else g, dropped)

    def backward(self, F, gg, g, x):
        gx = F.zeros_like(x) if self._next[1] is not None else None
        return (F.apply(SlopeGradBackward, gg, x, lo=self.lo, hi=self.hi, inside=self.inside,
                        outside=self.outside), gx)


@register("logsigmoid")
class LogSigmoidBackward0(Node):
    """``log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|))``, finite for any x."""

    quiet = True
    saves = (0,)

    def forward(self, xp, a):
        return xp.minimum(a, xp.zeros_like(a)) - xp.log1p(xp.exp(-xp.abs(a)))

    def backward(self, F, g, a):
        # sigmoid(-x), through sigmoid's own node (exact for any x, and differentiable again:
        # a form through |x| or sign(x) loses the second derivative at 0)
        return (g * F.apply(SigmoidBackward0, -a),)


def softplus_raw(xp: Any, a: Any, beta: float, threshold: float) -> Any:
    z = a * beta
    linear = z > threshold
    safe = xp.where(linear, xp.zeros_like(z), z)  # no exp overflow where x itself is used
    return xp.where(linear, a, xp.log1p(xp.exp(safe)) / beta)


# ------------------------------------------------------------------ user-facing functions
def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Any:
    """``log(1 + exp(beta * input)) / beta``; linear above ``threshold`` (for stability)."""
    floating(input, "softplus")
    return unary(SoftplusBackward0, input, beta=beta, threshold=threshold)


def gelu(input: Any, approximate: str = "none") -> Any:
    """``input * Phi(input)``, Phi the standard normal CDF; ``approximate='tanh'`` for the
    tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu(): approximate argument must be either none or tanh, got "
                           f"{approximate!r}")
    floating(input, "gelu")
    return unary(GeluBackward0, input, approximate=approximate)


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Any:
    """``input`` where positive, else ``negative_slope * input``."""
    floating(input, "leaky_relu")
    return _maybe_inplace(input, lambda x: unary(LeakyReluBackward0, x,
                                                 negative_slope=negative_slope), inplace)


def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Any:
    """``input`` where positive, else ``alpha * (exp(input) - 1)``."""
    floating(input, "elu")
    return _maybe_inplace(input, lambda x: unary(EluBackward0, x, alpha=alpha), inplace)


def selu(input: Any, inplace: bool = False) -> Any:
    """``scale * elu(input, alpha)`` with the self-normalising constants of Klambauer et al."""
    floating(input, "selu")
    return _maybe_inplace(input, lambda x: unary(EluBackward0, x, alpha=SELU_ALPHA,
                                                 scale=SELU_SCALE), inplace)


def silu(input: Any, inplace: bool = False) -> Any:
    """``input * sigmoid(input)`` (also called swish)."""
    floating(input, "silu")
    return _maybe_inplace(input, lambda x: unary(SiluBackward0, x), inplace)


def mish(input: Any, inplace: bool = False) -> Any:
    """``input * tanh(softplus(input))``."""
    floating(input, "mish")
    return _maybe_inplace(input, lambda x: unary(MishBackward0, x), inplace)


def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Any:
    """``input`` clipped to ``[min_val, max_val]``."""
    if min_val > max_val:
        raise ValueError(f"hardtanh(): min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    if not type(input)._eng.is_floating(input._data.dtype):  # integers keep their dtype
        min_val, max_val = int(min_val), int(max_val)
    return _maybe_inplace(input, lambda x: unary(HardtanhBackward0, x, lo=min_val, hi=max_val),
                          inplace)


def logsigmoid(input: Any) -> Any:
    """``log(sigmoid(input))``, computed without overflow."""
    floating(input, "logsigmoid")
    return unary(LogSigmoidBackward0, input)


def _maybe_inplace(input: Any, fn: Any, inplace: bool) -> Any:
    """``fn(input)``, or with ``inplace=True`` written into ``input`` through the engine's
    in-place path (leaf guard, version counter, graph rewiring, as ``relu_``)."""
    return input._inplace(fn) if inplace else fn(input)
