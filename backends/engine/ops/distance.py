"""Pairwise distances and distinct values: cdist (with its gradient), unique (no gradient)."""

from __future__ import annotations

import math
from typing import Any

from ..apply import apply, constant
from ..node import Node, register
from ..tensor import Tensor


@register("cdist")
class CdistBackward0(Node):
    """The ``p``-norm distance between every row of ``x1`` (..., P, M) and every row of ``x2``
    (..., R, M): a (..., P, R) result, batch dims broadcasting.  Where a distance is 0 its
    gradient is 0 (as PyTorch's), and for ``p=inf`` every coordinate attaining the maximum gets
    the gradient."""

    __slots__ = ("p",)
    saves = (0, 1)
    saves_output = True

    def forward(self, xp, x1, x2, p):
        self.p = p
        diff = xp.abs(xp.expand_dims(x1, axis=-2) - xp.expand_dims(x2, axis=-3))
        if p == 0:
            return xp.sum(xp.astype(diff != 0, x1.dtype), axis=-1)
        if p == math.inf:
            return xp.max(diff, axis=-1)
        if p == 1:
            return xp.sum(diff, axis=-1)
        if p == 2:
            return xp.sqrt(xp.sum(diff * diff, axis=-1))
        return xp.sum(diff ** p, axis=-1) ** (1.0 / p)

    def backward(self, F, g, x1, x2, out):
        p = self.p
        e1, e2 = self._next
        diff = F.expand_dims(x1, -2) - F.expand_dims(x2, -3)
        gk = F.expand_dims(g, -1)
        dist = F.expand_dims(out, -1)
        sign = F.sign(diff)
        if p == 0:
            gd = F.zeros_like(diff)
        elif p == 1:
            gd = gk * sign
        elif p == math.inf:
            gd = gk * sign * F.astype(sign * diff == dist, diff.dtype)
        else:
            zero = dist == 0
            safe = F.where(zero, F.ones_like(dist), dist)
            if p == 2:
                gd = gk * diff / safe
            else:
                magnitude = sign * diff
                if p < 1:  # |diff| ** (p - 1) is infinite at 0; PyTorch's gradient is 0 there
                    flat = magnitude == 0
                    magnitude = F.where(flat, F.ones_like(magnitude), magnitude)
                    sign = F.where(flat, F.zeros_like(sign), sign)
                gd = gk * sign * magnitude ** (p - 1) / safe ** (p - 1)
            gd = F.where(zero, F.zeros_like(gd), gd)
        g1 = F.sum_to(F.sum(gd, axis=-2), tuple(x1.shape)) if e1 is not None else None
        g2 = F.sum_to(-F.sum(gd, axis=-3), tuple(x2.shape)) if e2 is not None else None
        return (g1, g2)


def cdist(x1: Any, x2: Any, p: float = 2.0, compute_mode: Any = None) -> Any:
    """The ``p``-norm distances between the rows of two batches of row vectors: ``x1``
    (..., P, M) and ``x2`` (..., R, M) give (..., P, R).  ``compute_mode`` is accepted for
    PyTorch's signature; distances are always computed directly (no matrix-product shortcut)."""
    for name, x in (("x1", x1), ("x2", x2)):
        if not isinstance(x, Tensor):
            raise TypeError(f"cdist(): {name} must be a tensor, got {type(x).__name__}")
    T = type(x1)
    eng = T._eng
    if not (eng.is_floating(x1._data.dtype) and eng.is_floating(x2._data.dtype)):
        raise RuntimeError("cdist only supports floating-point dtypes, X1 got: "
                           f"{eng.dtype_name(x1._data.dtype)}, X2 got: "
                           f"{eng.dtype_name(x2._data.dtype)}")
    if x1._data.dtype != x2._data.dtype:
        raise RuntimeError("X1 and X2 must have the same dtype for cdist; convert one with .to()")
    if x1.dim() < 2 or x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D, "
                           f"X2 got: {x2.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    p = float(p)
    if not p >= 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    return apply(CdistBackward0, (x1, x2), T, p=p)


def unique(input: Any, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: Any = None) -> Any:
    """The distinct values of all elements, ascending (also with ``sorted=False``, as PyTorch
    on the CPU); with ``return_inverse`` the position of each element's value in them (in the
    input's shape), with ``return_counts`` how often each occurs.  No gradient."""
    if not isinstance(input, Tensor):
        raise TypeError(f"unique(): input must be a tensor, got {type(input).__name__}")
    if dim is not None:
        raise NotImplementedError("unique(dim=...) (distinct slices) is not supported by "
                                  "gradspec's engine; call unique() without dim for distinct "
                                  "elements")
    T = type(input)
    eng, xp = T._eng, T._xp
    flat = xp.reshape(input._data, (-1,))
    found = xp.unique_all(flat)
    order = xp.argsort(found.values, stable=True)  # the standard leaves the order open
    values = xp.take(found.values, order)
    out = [constant(T, values)]
    if return_inverse:
        rank = xp.argsort(order, stable=True)  # old position -> sorted position
        inverse = xp.take(rank, xp.reshape(found.inverse_indices, (-1,)))
        out.append(constant(T, xp.reshape(xp.astype(inverse, eng.int64), tuple(input.shape))))
    if return_counts:
        out.append(constant(T, xp.astype(xp.take(found.counts, order), eng.int64)))
    return out[0] if len(out) == 1 else tuple(out)
