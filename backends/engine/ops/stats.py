"""More reductions: var std (``correction``/``unbiased``), prod (zeros handled), logsumexp,
amax amin (ties share the gradient), median of all elements."""

from __future__ import annotations

import math
from typing import Any

from gradspec import notices

from ..apply import unary
from ..node import Node, register
from .args import UNSET, as_float, dim_of, keepdim_of
from .reduce import evenly, normalize_dims
from .scan import exclusive_cumprod
from .shape import FlipBackward0


def _count(shape: tuple, axes: tuple | None) -> int:
    n = 1
    for i, s in enumerate(shape):
        if axes is None or i in axes:
            n *= s
    return n


def _keep(F: Any, g: Any, node: Any) -> Any:
    """A reduction's gradient (or output) with the reduced dims back, as size 1."""
    if node.keepdim or not node.shape:
        return g
    axes = node.axes if node.axes is not None else tuple(range(len(node.shape)))
    return F.reshape(g, tuple(1 if i in axes else s for i, s in enumerate(node.shape)))


@register("var")
class VarBackward0(Node):
    """``sum((a - mean)**2) / (N - correction)`` over ``axes``."""

    quiet = True
    __slots__ = ("axes", "keepdim", "shape", "count", "dof")
    saves = (0,)

    def forward(self, xp, a, axes, keepdim, correction):
        return _variance(self, xp, a, axes, keepdim, correction)

    def backward(self, F, g, a):
        mean = F.sum(a, axis=self.axes, keepdims=True) / self.count
        return (_keep(F, g, self) * (_per_dof(2.0, self.dof)) * (a - mean),)


@register("std")
class StdBackward0(Node):
    """``sqrt(var)``; where the result is 0 the gradient is 0 (as PyTorch masks it)."""

    quiet = True
    __slots__ = ("axes", "keepdim", "shape", "count", "dof")
    saves = (0,)
    saves_output = True

    def forward(self, xp, a, axes, keepdim, correction):
        return xp.sqrt(_variance(self, xp, a, axes, keepdim, correction))

    def backward(self, F, g, a, out):
        zero = out == 0
        half = F.where(zero, F.zeros_like(g), g / (2 * F.where(zero, F.ones_like(out), out)))
        mean = F.sum(a, axis=self.axes, keepdims=True) / self.count
        return (_keep(F, half, self) * (_per_dof(2.0, self.dof)) * (a - mean),)


def _variance(node: Any, xp: Any, a: Any, axes: Any, keepdim: bool, correction: Any) -> Any:
    node.axes, node.keepdim, node.shape = axes, keepdim, a.shape
    node.count = n = _count(a.shape, axes)
    node.dof = max(n - correction, 0)
    centred = a - xp.mean(a, axis=axes, keepdims=True)
    return _per_dof(xp.sum(centred * centred, axis=axes, keepdims=keepdim), node.dof)


def _per_dof(x: Any, dof: int) -> Any:
    """``x / dof``, with PyTorch's results for no degrees of freedom: 0/0 = nan, x/0 = inf."""
    return x / dof if dof > 0 else x * math.inf


@register("logsumexp")
class LogsumexpBackward0(Node):
    """``log(sum(exp(a)))`` over ``axes``, shifted by the maximum so it never overflows."""

    quiet = True
    __slots__ = ("axes", "keepdim", "shape")
    saves = (0,)
    saves_output = True

    def forward(self, xp, a, axes, keepdim):
        self.axes, self.keepdim, self.shape = axes, keepdim, a.shape
        if a.size == 0:
            return xp.log(xp.sum(xp.exp(a), axis=axes, keepdims=keepdim))
        top = xp.max(a, axis=axes, keepdims=True)
        top = xp.where(xp.isinf(top), xp.zeros_like(top), top)  # all -inf (or an inf) slices
        out = xp.log(xp.sum(xp.exp(a - top), axis=axes, keepdims=True)) + top
        if not keepdim:
            out = xp.reshape(out, tuple(s for i, s in enumerate(a.shape)
                                        if axes is not None and i not in axes))
        return out

    def backward(self, F, g, a, out):
        return (_keep(F, g, self) * F.exp(a - _keep(F, out, self)),)


@register("amax")
class AmaxBackward0(Node):
    """The maximum over ``axes``; the elements that attain it share the gradient evenly."""

    __slots__ = ("axes", "keepdim", "shape")
    saves = (0,)
    saves_output = True

    def forward(self, xp, a, axes, keepdim):
        self.axes, self.keepdim, self.shape = axes, keepdim, a.shape
        return xp.max(a, axis=axes, keepdims=keepdim)

    def backward(self, F, g, a, out):
        return (_evenly(F, g, a, out, self),)


@register("amin")
class AminBackward0(Node):
    """The minimum over ``axes``; the elements that attain it share the gradient evenly."""

    __slots__ = ("axes", "keepdim", "shape")
    saves = (0,)
    saves_output = True

    def forward(self, xp, a, axes, keepdim):
        self.axes, self.keepdim, self.shape = axes, keepdim, a.shape
        return xp.min(a, axis=axes, keepdims=keepdim)

    def backward(self, F, g, a, out):
        return (_evenly(F, g, a, out, self),)


def _evenly(F: Any, g: Any, a: Any, out: Any, node: Any) -> Any:
    """``g`` shared by the elements equal to ``out`` in each reduced slice (PyTorch's
    scale_grad_by_count: a NaN result has no such element, and the gradient is NaN)."""
    hit = F.astype(a == _keep(F, out, node), g.dtype)
    return _keep(F, g, node) * hit / F.sum(hit, axis=node.axes, keepdims=True)


@register("prod")
class ProdBackward0(Node):
    """The product over one axis (ProdBackward1) or all elements (ProdBackward0).  Without
    zeros the gradient is ``g * out / a``; with zeros, the product of the other elements,
    from running products from both ends (no division, right to second order)."""

    quiet = True
    __slots__ = ("axes", "keepdim", "shape", "zeros", "first")
    saves = (0,)
    saves_output = True

    def forward(self, xp, a, axes, keepdim):
        self.axes, self.keepdim, self.shape = axes, keepdim, a.shape
        self.zeros = bool(xp.any(a == 0))
        n = a.shape[axes[0]] if axes else a.size
        first = xp.arange(n) == 0
        self.first = first if axes is None else xp.reshape(
            first, tuple(n if i == axes[0] else 1 for i in range(a.ndim)))
        return xp.prod(a, axis=axes, keepdims=keepdim)

    def name(self):
        return "ProdBackward0" if self.axes is None else "ProdBackward1"

    def backward(self, F, g, a, out):
        if not self.shape:  # a 0-d input: the gradient itself, as PyTorch (no graph to the input)
            return (g,)
        gk = _keep(F, g, self)
        if not self.zeros:
            return (gk * (_keep(F, out, self) / a),)
        if self.axes is None:
            flat = F.reshape(a, (-1,))
            return (gk * F.reshape(_others(F, flat, 0, self.first), tuple(self.shape)),)
        return (gk * _others(F, a, self.axes[0], self.first),)


def _others(F: Any, a: Any, axis: int, first: Any) -> Any:
    """For each element, the product of the other elements along ``axis``."""
    before = exclusive_cumprod(F, a, axis, first)
    flipped = F.apply(FlipBackward0, a, axes=(axis,))
    after = F.apply(FlipBackward0, exclusive_cumprod(F, flipped, axis, first), axes=(axis,))
    return before * after




@register("median")
class MedianBackward0(Node):
    """The lower median of all elements (NaN if any is NaN); the elements equal to it (the
    NaNs, for a NaN median) share the gradient evenly, as PyTorch's median()."""

    saves = (0,)
    saves_output = True

    def forward(self, xp, a):
        flat = xp.reshape(a, (-1,))
        n = flat.shape[0]
        if n == 0 or bool(xp.any(xp.isnan(flat))):
            return xp.asarray(math.nan, dtype=a.dtype)
        return xp.sort(flat)[(n - 1) // 2]

    def backward(self, F, g, a, out):
        return (evenly(F, g, a, out),)


# ------------------------------------------------------------------ user-facing functions
def _reduction_args(what: str, input: Any, dim: Any, keepdim: Any, axis: Any,
                    keepdims: Any, default: Any = None) -> tuple[Any, bool]:
    dim = dim_of(dim, axis, what, default)
    keep = keepdim_of(keepdim, keepdims, what)
    return normalize_dims(dim, input.ndim), keep


def _correction(what: str, unbiased: Any, correction: Any) -> Any:
    if unbiased is not None and correction is not None:
        raise TypeError(f"{what}(): pass either unbiased or correction, not both")
    if correction is not None:
        return correction
    return 0 if unbiased is False else 1


def _moments(node: type, what: str, input: Any, dim: Any, unbiased: Any, keepdim: Any,
             correction: Any, axis: Any, keepdims: Any) -> Any:
    if isinstance(dim, bool):  # var(input, unbiased): the legacy overload
        dim, unbiased = None, dim
    eng = type(input)._eng
    if not eng.is_floating(input._data.dtype):
        raise RuntimeError(f"std and var only support floating point and complex dtypes, got "
                           f"{eng.dtype_name(input._data.dtype)}; call .float() first")
    axes, keep = _reduction_args(what, input, dim, keepdim, axis, keepdims)
    c = _correction(what, unbiased, correction)
    if _count(tuple(input.shape), axes) - c <= 0:
        notices.warn(f"{what}(): degrees of freedom is <= 0. Correction should be strictly less "
                     "than the reduction factor (input numel divided by output numel).")
    return unary(node, input, axes=axes, keepdim=keep, correction=c)


def var(input: Any, dim: Any = None, unbiased: Any = None, keepdim: Any = False, *,
        correction: Any = None, axis: Any = None, keepdims: Any = None) -> Any:
    """The variance over ``dim`` (default: all elements), divided by ``N - correction``:
    ``correction`` 1 by default, or given as ``unbiased`` (True: 1, False: 0)."""
    return _moments(VarBackward0, "var", input, dim, unbiased, keepdim, correction, axis,
                    keepdims)


def std(input: Any, dim: Any = None, unbiased: Any = None, keepdim: Any = False, *,
        correction: Any = None, axis: Any = None, keepdims: Any = None) -> Any:
    """The standard deviation ``sqrt(var(...))``; same arguments as `var`."""
    return _moments(StdBackward0, "std", input, dim, unbiased, keepdim, correction, axis,
                    keepdims)


def logsumexp(input: Any, dim: Any = UNSET, keepdim: Any = False, *, axis: Any = None,
              keepdims: Any = None) -> Any:
    """``log(sum(exp(input)))`` over ``dim``, computed without overflow."""
    dim = dim_of(dim, axis, "logsumexp", UNSET)
    if dim is UNSET:
        raise TypeError("logsumexp() missing 1 required positional argument: 'dim'")
    input = as_float(input)
    axes, keep = _reduction_args("logsumexp", input, dim, keepdim, None, keepdims)
    if axes == () and input.ndim:
        axes = None  # dim=() reduces every dimension
    return unary(LogsumexpBackward0, input, axes=axes, keepdim=keep)


def _amax_amin(node: type, what: str, input: Any, dim: Any, keepdim: Any, axis: Any,
               keepdims: Any) -> Any:
    axes, keep = _reduction_args(what, input, dim, keepdim, axis, keepdims, ())
    if axes == ():
        axes = None  # dim=() (the default) reduces every dimension
    if input.numel() == 0 and (axes is None or any(input.shape[d] == 0 for d in axes)):
        raise IndexError(f"{what}(): Expected reduction dim to have non-zero size")
    return unary(node, input, axes=axes, keepdim=keep)


def amax(input: Any, dim: Any = (), keepdim: Any = False, *, axis: Any = None,
         keepdims: Any = None) -> Any:
    """The maximum over ``dim`` (default: all); ties share the gradient evenly."""
    return _amax_amin(AmaxBackward0, "amax", input, dim, keepdim, axis, keepdims)


def amin(input: Any, dim: Any = (), keepdim: Any = False, *, axis: Any = None,
         keepdims: Any = None) -> Any:
    """The minimum over ``dim`` (default: all); ties share the gradient evenly."""
    return _amax_amin(AminBackward0, "amin", input, dim, keepdim, axis, keepdims)


def prod(input: Any, dim: Any = None, keepdim: Any = False, *, dtype: Any = None,
         axis: Any = None, keepdims: Any = None) -> Any:
    """The product of all elements, or over one ``dim``; integers and bools multiply in int64."""
    eng = type(input)._eng
    wanted = None if dtype is None else eng.dtype(dtype)
    if wanted is not None:
        input = input.to(wanted)
    if not eng.is_floating(input._data.dtype):
        input = input.to(eng.int64)
    dim = dim_of(dim, axis, "prod")
    keep = keepdim_of(keepdim, keepdims, "prod")
    if dim is not None and not isinstance(dim, int):
        raise TypeError(f"prod(): dim must be one integer, got {dim!r}")
    axes = normalize_dims(dim, input.ndim)
    if axes == ():  # a 0-d tensor along dim 0
        axes = None
    out = unary(ProdBackward0, input, axes=axes, keepdim=keep)
    # an integer dtype= is the result's (multiplied in int64: the same bits modulo its width)
    return out if wanted is None or out._data.dtype == wanted else out.to(wanted)


def median_all(input: Any) -> Any:
    """The lower median of all elements (MedianBackward0)."""
    return unary(MedianBackward0, input)

