"""Elementwise functions: exp log sqrt abs sign sin cos sigmoid tanh relu clamp."""

from __future__ import annotations

from typing import Any

from ..apply import binary, unary
from ..node import Node, register, rename
from ..tensor import Tensor


def sign_raw(xp: Any, a: Any) -> Any:
    """PyTorch's sign: 0 for NaN and +0 for -0.0, where numpy's gives NaN and -0.0 (and so
    abs's gradient at a NaN is 0 there: ``g * sign(x)``)."""
    if xp.isdtype(a.dtype, "bool"):  # (numpy has no sign of bools; PyTorch's is the bool)
        return xp.asarray(a, copy=True)
    s = xp.sign(a)
    if not xp.isdtype(s.dtype, "real floating"):
        return s
    return xp.where(s == s, s + 0.0, xp.zeros_like(s))  # (-0.0 + 0.0 is +0.0)


@register("exp")
class ExpBackward0(Node):
    quiet = True
    saves_output = True

    def forward(self, xp, a):
        return xp.exp(a)

    def backward(self, F, g, a, out):
        return (g * out,)


@register("log")
class LogBackward0(Node):
    quiet = True
    saves = (0,)

    def forward(self, xp, a):
        return xp.log(a)

    def backward(self, F, g, a):
        return (g / a,)


@register("sqrt")
class SqrtBackward0(Node):
    quiet = True
    saves_output = True

    def forward(self, xp, a):
        return xp.sqrt(a)

    def backward(self, F, g, a, out):
        return (g / (2 * out),)


@register("sign")
class SignBackward0(Node):
    """Piecewise constant: its gradient is zero, but it stays in the graph (as PyTorch's)."""

    def forward(self, xp, a):
        return sign_raw(xp, a)

    def backward(self, F, g, a):
        return (F.zeros_like(g),)


@register("abs")
class AbsBackward0(Node):
    saves = (0,)

    def forward(self, xp, a):
        return xp.abs(a)

    def backward(self, F, g, a):
        return (g * F.sign(a),)  # sign(0) = 0: abs'(0) = 0, the minimum-norm subgradient


@register("sin")
class SinBackward0(Node):
    quiet = True
    saves = (0,)

    def forward(self, xp, a):
        return xp.sin(a)

    def backward(self, F, g, a):
        return (g * F.cos(a),)


@register("cos")
class CosBackward0(Node):
    quiet = True
    saves = (0,)

    def forward(self, xp, a):
        return xp.cos(a)

    def backward(self, F, g, a):
        return (-g * F.sin(a),)


_CONSTANTS: dict = {}


def constant_raw(xp: Any, value: float, dtype: Any) -> Any:
    """``value`` as a 0-d array of ``dtype`` in ``xp``, made once: an operand a forward formula
    uses on every call (``0.5 * a``).  The result is the same as with the Python number (which
    takes the array's dtype anyway), and numpy converts a Python number on every call, which
    costs as much as the small array's arithmetic."""
    key = (xp, dtype, value)
    try:
        return _CONSTANTS[key]
    except KeyError:
        found = _CONSTANTS[key] = xp.asarray(value, dtype=dtype)
        return found


@register("sigmoid")
class SigmoidBackward0(Node):
    # ``quiet``: exp(-a) overflows to inf below about -88 (float32), where 1 / inf is the 0
    # PyTorch gives there too
    quiet = True
    saves_output = True

    def forward(self, xp, a):
        # PyTorch's form, 1 / (1 + exp(-a)): exact to the last bits on both sides (the tanh
        # form, 0.5 * (1 + tanh(a / 2)), cancels for a < 0: 44% off at -17 in float32)
        one = constant_raw(xp, 1.0, a.dtype)
        out = xp.exp(-a)
        out += one
        return one / out

    def backward(self, F, g, a, out):
        if isinstance(out, Tensor):
            return (g * (out * (1 - out)),)
        d = constant_raw(F.xp, 1.0, out.dtype) - out
        if g.dtype != out.dtype or g.shape != out.shape:
            return (g * (out * d),)
        d *= out  # in the fresh 1 - out: one array made, not three; the same bits
        d *= g
        return (d,)


@register("tanh")
class TanhBackward0(Node):
    quiet = True
    saves_output = True

    def forward(self, xp, a):
        return xp.tanh(a)

    def backward(self, F, g, a, out):
        return (g * (1 - out * out),)


@register("relu")
class ReluBackward0(Node):
    saves_output = True
    fresh = (0,)  # a new array, or the walk's own ``g`` written over (backward_owned)

    def forward(self, xp, a):
        # maximum, not where: as fast as a copy (where branches per element), and NaN stays
        # NaN as in PyTorch
        return xp.maximum(a, xp.asarray(0, dtype=a.dtype))

    def backward(self, F, g, a, out):
        return (F.threshold_grad(g, out),)

    def backward_owned(self, F, g, a, out):
        return (relu_grad_raw(F.eng, g, out, True),)


@register("threshold_grad", public=False)
class ThresholdBackwardBackward0(Node):
    """``where(x <= 0, 0, g)``, differentiable in ``g``; zero gradient in ``x``, which stays in
    the graph so that relu's derivative keeps a graph under create_graph, as in PyTorch."""

    saves = (1,)

    def forward(self, xp, g, x):
        return threshold_grad_raw(xp, g, x)

    def backward(self, F, gg, g, x):
        gx = F.zeros_like(x) if self._next[1] is not None else None
        return F.threshold_grad(gg, x), gx


@register("clamp")
class ClampBackward1(Node):
    __slots__ = ("lo", "hi")
    saves = (0,)

    def forward(self, xp, a, lo, hi):
        self.lo, self.hi = lo, hi
        return xp.clip(a, lo, hi)

    def backward(self, F, g, a):
        # the gradient passes at the boundaries (clamp(0, 1)'(0) = 1), as in PyTorch
        keep = None
        if self.lo is not None:
            keep = a >= self.lo
        if self.hi is not None:
            keep = (a <= self.hi) if keep is None else keep & (a <= self.hi)
        return (F.where(keep, g, F.zeros_like(g)),)


def threshold_grad_raw(xp: Any, g: Any, x: Any) -> Any:
    """PyTorch's ``threshold_backward(g, x, 0)`` on raw arrays: 0 where ``x <= 0``, ``g``
    elsewhere, so a NaN in ``x`` passes ``g`` on (ReLU's derivative at NaN is taken as 1)."""
    return xp.where(x <= 0, xp.zeros_like(g), g)


def relu_grad_raw(eng: Any, g: Any, out: Any, inplace: bool = False) -> Any:
    """ReLU's backward on raw arrays, from its output ``out`` (>= 0, or NaN): `threshold_grad_raw`,
    where ``x <= 0`` is ``out == 0``.  With the host's ``keep`` (`Host.keep`: ``g``'s bits times
    the mask, one pass as cheap as a product) the result is where()'s bit for bit: +0.0 where
    dropped, even under an inf or NaN in ``g``; ``inplace`` writes it into ``g``, an array
    nothing else holds."""
    keep = eng.host.keep
    if keep is None or g.shape != out.shape or not eng.is_floating(g.dtype):
        return threshold_grad_raw(eng.xp, g, out)
    return keep(g, out != 0, inplace)


# ------------------------------------------------------------------ user-facing functions
def _float(a: Any) -> Any:
    eng = type(a)._eng
    return a if eng.is_floating(a._data.dtype) else a.to(eng.default_float)


def exp(a):
    return unary(ExpBackward0, _float(a))


def log(a):
    return unary(LogBackward0, _float(a))


def sqrt(a):
    return unary(SqrtBackward0, _float(a))


def sign(a):
    return unary(SignBackward0, a)


def abs(a):
    return unary(AbsBackward0, a)


def sin(a):
    return unary(SinBackward0, _float(a))


def cos(a):
    return unary(CosBackward0, _float(a))


def sigmoid(a):
    return unary(SigmoidBackward0, _float(a))


def tanh(a):
    return unary(TanhBackward0, _float(a))


def relu(a):
    return unary(ReluBackward0, a)


def threshold_grad(g, x):
    return binary(ThresholdBackwardBackward0, g, x)


def clamp(a: Any, min: Any = None, max: Any = None) -> Any:
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")

    if isinstance(min, Tensor) or isinstance(max, Tensor):
        from ..functional import logical_not, lt
        from .select import where

        # PyTorch's gradient: to the input where it is within the bound, ties included (not
        # split as maximum/minimum split them); to the bound where it is out; NaN stays
        out = a
        if min is not None:
            out = where(logical_not(lt(out, min)), out, min)
        if max is not None:
            out = where(logical_not(lt(max, out)), out, max)
        if out._grad_fn is not None and out is not a:  # one node, as PyTorch shows it
            rename(out._grad_fn, "ClampBackward0")
        return out
    if isinstance(a, Tensor) and (isinstance(min, float) or isinstance(max, float)):
        eng = type(a)._eng
        if not eng.is_floating(a._data.dtype):  # an integer tensor and a float bound: floats
            a = a.to(eng.default_float)  # (PyTorch promotes, as for arithmetic)
    elif isinstance(a, Tensor) and a._data.dtype == type(a)._eng.bool:
        a = a.to(type(a)._eng.int64)  # a mask clamped by integers: int64, as PyTorch promotes
    return unary(ClampBackward1, a, lo=min, hi=max)
