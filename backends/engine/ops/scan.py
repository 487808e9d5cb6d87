"""Scans along a dimension: cumsum and cumprod (zeros in the input handled)."""

from __future__ import annotations

from typing import Any

from ..apply import unary
from ..node import Node, register
from ..tensor import Tensor
from .args import UNSET, axis_of, dim_of
from .shape import FlipBackward0, RollBackward0


@register("cumsum")
class CumsumBackward0(Node):
    quiet = True
    contiguous = True
    __slots__ = ("axis",)

    def forward(self, xp, a, axis):
        self.axis = axis
        if a.ndim == 0:  # one element: the running sum is a copy of it
            return xp.asarray(a, copy=True)
        return xp.cumulative_sum(a, axis=axis)

    def backward(self, F, g, a):
        return (g if g.ndim == 0 else reverse_cumsum(F, g, self.axis),)


@register("cumprod")
class CumprodBackward0(Node):
    """Running products.  Without zeros the gradient is ``reverse_cumsum(g * out) / a``;
    with zeros, that holds before a slice's first zero, the first zero gets the running
    products that skip it, and everything after it gets zero (PyTorch's formula, O(n)).  Under
    create_graph with zeros, a quadratic formula whose own derivative is right (as PyTorch)."""

    quiet = True
    contiguous = True
    __slots__ = ("axis", "zeros")
    saves = (0,)
    saves_output = True

    def forward(self, xp, a, axis):
        self.axis = axis
        self.zeros = None
        if a.ndim == 0:
            return xp.asarray(a, copy=True)
        out = xp.cumulative_prod(a, axis=axis)
        zero = a == 0
        if bool(xp.any(zero)):
            seen = xp.cumulative_sum(xp.astype(zero, xp.int64), axis=axis)
            before = seen == 0
            self.zeros = (before, zero & (seen == 1), xp.logical_not(before))
        return out

    def backward(self, F, g, a, out):
        ax = self.axis
        if a.ndim == 0 or a.shape[ax] == 1:  # the identity: PyTorch passes g through as it is
            return (g,)
        if self.zeros is None:
            return (reverse_cumsum(F, g * out, ax) / a,)
        if isinstance(g, Tensor):  # create_graph: a formula whose own derivative is right too
            return (_grad_by_pairs(F, g, a, ax),)
        before, first, after = self.zeros
        ones, zeros = F.ones_like(a), F.zeros_like(g)
        head = reverse_cumsum(F, g * out, ax) / F.where(before, a, ones)
        skipping = F.apply(CumprodBackward0, F.where(first, ones, a), axis=ax)
        tail = reverse_cumsum(F, F.where(after, g * skipping, zeros), ax)
        return (F.where(before, head, F.where(first, tail, zeros)),)


def _grad_by_pairs(F: Any, g: Any, a: Any, axis: int) -> Any:
    """``grad[k] = prod(a[:k]) * sum over j >= k of g[j] * prod(a[k+1:j+1])``, through an
    (n, n) table per slice and no division: O(n**2), differentiable at zeros (PyTorch's
    create_graph path is quadratic too)."""
    xp = type(a)._xp
    order = tuple(d for d in range(a.ndim) if d != axis) + (axis,)
    back = [0] * len(order)
    for i, d in enumerate(order):
        back[d] = i
    x, gl = F.permute_dims(a, order), F.permute_dims(g, order)
    n = x.shape[-1]
    k = xp.reshape(xp.arange(n), (n, 1))
    j = xp.reshape(xp.arange(n), (1, n))
    table = F.broadcast_to(F.expand_dims(x, -2), tuple(x.shape[:-1]) + (n, n))
    # runs[k, j] = prod(a[k+1:j+1]): the running product of the elements after k
    runs = F.apply(CumprodBackward0, F.where(j > k, table, F.ones_like(table)), axis=a.ndim)
    terms = F.where(j >= k, F.expand_dims(gl, -2) * runs, F.zeros_like(runs))
    before = exclusive_cumprod(F, x, a.ndim - 1, xp.arange(n) == 0)
    return F.permute_dims(before * F.sum(terms, axis=-1), tuple(back))


def exclusive_cumprod(F: Any, a: Any, axis: int, first: Any) -> Any:
    """Products of the elements before each one along ``axis`` (1 for the first; ``first``
    marks position 0 of ``axis``), differentiable and exact with zeros."""
    shifted = F.apply(RollBackward0, a, shifts=(1,), axes=(axis,))
    return F.apply(CumprodBackward0, F.where(first, F.ones_like(a), shifted), axis=axis)


def reverse_cumsum(F: Any, x: Any, axis: int) -> Any:
    """``sum of x[j] for j >= i`` along ``axis``, differentiable (flip, cumsum, flip)."""
    flipped = F.apply(FlipBackward0, x, axes=(axis,))
    return F.apply(FlipBackward0, F.apply(CumsumBackward0, flipped, axis=axis), axes=(axis,))


# ------------------------------------------------------------------ user-facing functions
def _scan(node: type, what: str, input: Any, dim: Any, dtype: Any, axis: Any) -> Any:
    dim = dim_of(dim, axis, what, UNSET)
    if dim is UNSET:
        raise TypeError(f"{what}() missing 1 required positional argument: 'dim'")
    eng = type(input)._eng
    wanted = None if dtype is None else eng.dtype(dtype)
    if wanted is not None:
        input = input.to(wanted)
    if not eng.is_floating(input._data.dtype):
        input = input.to(eng.int64)  # integers and bools accumulate in int64, as in PyTorch
    out = unary(node, input, axis=axis_of(dim, input.ndim, what))
    # an integer dtype= is the result's (the same bits modulo its width)
    return out if wanted is None or out._data.dtype == wanted else out.to(wanted)


def cumsum(input: Any, dim: Any = UNSET, *, dtype: Any = None, axis: Any = None) -> Any:
    """Running sums along ``dim``; integers and bools accumulate in int64."""
    return _scan(CumsumBackward0, "cumsum", input, dim, dtype, axis)


def cumprod(input: Any, dim: Any = UNSET, *, dtype: Any = None, axis: Any = None) -> Any:
    """Running products along ``dim``; integers and bools accumulate in int64."""
    return _scan(CumprodBackward0, "cumprod", input, dim, dtype, axis)
