"""Norms: linalg.vector_norm (one node, any order), linalg.norm and norm (vector norms, and the
matrix norms built from sums and amax/amin, as PyTorch builds them)."""

from __future__ import annotations

import math
from typing import Any

from ..apply import unary
from ..node import Node, register
from .args import axis_of, dim_of, keepdim_of
from .reduce import normalize_dims
from .stats import _keep

INF = math.inf


@register("vector_norm")
class LinalgVectorNormBackward0(Node):
    """``sum(|a|**ord) ** (1/ord)`` over ``axes``; ``ord`` inf/-inf is the largest/smallest
    magnitude (ties share the gradient), 0 the count of nonzeros (gradient 0)."""

    quiet = True
    __slots__ = ("ord", "axes", "keepdim", "shape")
    saves = (0,)
    saves_output = True

    def forward(self, xp, a, ord, axes, keepdim):
        self.ord, self.axes, self.keepdim, self.shape = ord, axes, keepdim, a.shape
        size = xp.abs(a)
        if ord == INF or ord == -INF:
            return (xp.max if ord == INF else xp.min)(size, axis=axes, keepdims=keepdim)
        if ord == 0:
            return xp.sum(xp.astype(a != 0, a.dtype), axis=axes, keepdims=keepdim)
        if ord == 1:
            return xp.sum(size, axis=axes, keepdims=keepdim)
        if ord == 2:
            return xp.sqrt(xp.sum(a * a, axis=axes, keepdims=keepdim))
        return xp.sum(size ** ord, axis=axes, keepdims=keepdim) ** (1.0 / ord)

    def backward(self, F, g, a, out):
        p = self.ord
        g = _keep(F, g, self)
        if p == 0:  # no gradient at all, as PyTorch (autograd.grad calls the input unused)
            return (None,)
        sign = F.sign(a)
        if p == 1:
            return (g * sign,)
        norm = _keep(F, out, self)
        if p == INF or p == -INF:  # shared by the largest (smallest) magnitudes, NaN included
            size = sign * a
            hit = F.astype((size == norm) | (size != size), g.dtype)
            return (sign * (g / F.sum(hit, axis=self.axes, keepdims=True) * hit),)
        zero = norm == 0
        safe = F.where(zero, F.ones_like(norm), norm)
        if p == 2:
            return (F.where(zero, F.zeros_like(norm), g / safe) * a,)
        size = sign * a
        if p < 1:  # |a|**(p-1) is infinite at 0, where PyTorch's gradient is 0
            nonzero = a != 0
            powered = F.where(nonzero, F.where(nonzero, size, F.ones_like(a)) ** (p - 1),
                              F.zeros_like(a))
            return (sign * powered * g * safe ** (1 - p),)
        scaled = sign * size ** (p - 1) if p < 2 else a * size ** (p - 2)
        return (scaled * F.where(zero, F.zeros_like(norm), g / safe ** (p - 1)),)


# ------------------------------------------------------------------ user-facing functions
def _order(ord: Any, what: str) -> float:
    if isinstance(ord, str) or isinstance(ord, bool) or not isinstance(ord, (int, float)):
        raise TypeError(f"{what}(): argument 'ord' must be a number, not {type(ord).__name__}")
    return float(ord)


def vector_norm(x: Any, ord: Any = 2, dim: Any = None, keepdim: Any = False, *, dtype: Any = None,
                axis: Any = None, keepdims: Any = None) -> Any:
    """The vector norm of order ``ord`` over ``dim`` (default: all elements)."""
    eng = type(x)._eng
    p = _order(ord, "linalg.vector_norm")
    if dtype is not None:
        x = x.to(eng.dtype(dtype))
    if not eng.is_floating(x._data.dtype):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {eng.dtype_name(x._data.dtype)}")
    dim = dim_of(dim, axis, "linalg.vector_norm")
    keep = keepdim_of(keepdim, keepdims, "linalg.vector_norm")
    axes = normalize_dims(dim, x.ndim)
    if axes == ():
        axes = None
    if p in (INF, -INF) and x.numel() == 0:
        raise IndexError("linalg.vector_norm: Expected reduction dims to have non-zero size "
                         f"for ord={ord}")
    return unary(LinalgVectorNormBackward0, x, ord=p, axes=axes, keepdim=keep)


def matrix_norm(A: Any, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,
                dtype: Any = None) -> Any:
    """The matrix norm of order ``ord`` ('fro', 'nuc', inf, -inf, 1, -1, 2, -2) over the two
    ``dim``."""
    from .reduce import sum
    from .stats import amax, amin
    from .unary import abs

    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    d0, d1 = (axis_of(d, A.ndim, "linalg.matrix_norm") for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    if dtype is not None:
        A = A.to(type(A)._eng.dtype(dtype))
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):  # from the singular values (their gradient is U diag(g) Vh)
        from .decompositions import svdvals

        moved = A.movedim((d0, d1), (-2, -1))
        values = svdvals(moved)
        if ord == "nuc":
            out = values.sum(-1)
        else:
            out = values.amax(-1) if ord == 2 else values.amin(-1)
        if keepdim:
            for d in sorted((d0, d1)):
                out = out.unsqueeze(d)
        return out
    if isinstance(ord, str) or ord not in (INF, -INF, 1, -1):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    # inf: largest row sum (sum over columns, d1); 1: largest column sum (sum over rows, d0)
    summed, other = (d1, d0) if ord in (INF, -INF) else (d0, d1)
    sums = sum(abs(A), summed, keepdim)
    if not keepdim and other > summed:
        other -= 1
    return (amax if ord > 0 else amin)(sums, other, keepdim)


def linalg_norm(A: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None) -> Any:
    """``torch.linalg.norm``: a vector norm (one ``dim``, a vector, or ``ord=None``) or a
    matrix norm (two ``dim``, or a matrix with ``ord`` given)."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) != 1:
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. "
                               f"Got {list(dims)}")
        return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 2 or isinstance(ord, str):  # 'fro' and 'nuc' are matrix norms
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D "
                       f"or 2D. Got {A.ndim}D.")


def norm(input: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False,
         dtype: Any = None) -> Any:
    """``torch.norm``: the Frobenius/2-norm by default, ``p`` a number for other vector norms
    over ``dim`` (default: all elements)."""
    if isinstance(p, str):
        if p == "fro":
            return vector_norm(input, 2, dim, keepdim, dtype=dtype)
        if p == "nuc":
            return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim,
                               dtype=dtype)
        raise RuntimeError(f"norm(): p must be 'fro', 'nuc' or a number, got {p!r}")
    return vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)
