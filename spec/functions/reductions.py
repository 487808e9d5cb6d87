"""Reductions and products: nansum, nanmean, nanmedian, count_nonzero, aminmax, cov, corrcoef,
addmv, matrix_power, ..."""

from __future__ import annotations

from typing import Any

from .. import return_types
from ..graph_names import shown_as
from .registry import _composed, _floating, _varargs


def _reduce_args(input: Any, dim: Any) -> tuple:
    if dim is None:
        return tuple(range(input.dim()))
    return tuple(dim) if isinstance(dim, (list, tuple)) else (dim,)


@_composed("nansum", what="sum ignoring NaN", shown="NansumBackward0")
def nansum(backend: Any, input: Any, dim: Any = None, keepdim: bool = False, *,
           dtype: Any = None) -> Any:
    """The sum with NaN counted as 0 (gradient 0 there, as PyTorch's)."""
    x = input if dtype is None else input.to(dtype)
    if x.is_floating_point():
        x = backend.where(backend.isnan(x), backend.zeros_like(x), x)
    if dim is None and not keepdim:
        return x.sum()
    return x.sum(dim=_reduce_args(x, dim), keepdim=keepdim)


@_composed("nanmean", what="mean ignoring NaN")
def nanmean(backend: Any, input: Any, dim: Any = None, keepdim: bool = False, *,
            dtype: Any = None) -> Any:
    """The mean of the elements that are not NaN (NaN where all are)."""
    x = input if dtype is None else input.to(dtype)
    if not x.is_floating_point():
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype "
                           f"but got {x.dtype}")
    present = (~backend.isnan(x)).to(x.dtype)
    dims = _reduce_args(x, dim)
    return (nansum(backend, x, dims, keepdim) / present.sum(dim=dims, keepdim=keepdim))


_NanMedian = return_types.nanmedian


@_composed("nanmedian", what="the lower median ignoring NaN")
def nanmedian(backend: Any, input: Any, dim: int | None = None, keepdim: bool = False) -> Any:
    """The lower median of the elements that are not NaN (NaN where all are), as
    ``torch.nanmedian``: over everything (a 0-d tensor), or along ``dim`` as a named tuple
    ``(values, indices)``, the indices pointing into ``input``; the gradient goes to the
    chosen element (over everything: shared by the elements equal to it, as ``median()``)."""
    if dim is None:
        flat = input.reshape(-1)
        if flat.is_floating_point():
            flat = flat[~backend.isnan(flat)]
        return shown_as(flat.median(), "NanmedianBackward0", input)  # (of nothing: NaN)
    d = dim % max(input.dim(), 1)
    x = input if input.dim() else input.reshape(1)
    ordered, order = x.sort(dim=d)  # NaN sorts last
    present = (~backend.isnan(x)).to(backend.int64).sum(dim=d, keepdim=True) if (
        x.is_floating_point()) else backend.full_like(x.select(d, 0).unsqueeze(d), x.shape[d],
                                                      dtype=backend.int64)
    middle = ((present - 1).clamp_min(0)) // 2
    values, indices = ordered.gather(d, middle), order.gather(d, middle)
    if not keepdim or not input.dim():
        values, indices = values.squeeze(d), indices.squeeze(d)
    return _NanMedian(values, indices)


@_composed("count_nonzero", what="the number of non-zero elements")
def count_nonzero(backend: Any, input: Any, dim: Any = None) -> Any:
    """How many elements are non-zero (over ``dim``, or all), as int64."""
    hits = (input != 0).to(backend.int64)
    if dim is None:
        return hits.sum()
    return hits.sum(dim=_reduce_args(input, dim))


_AMinMax = return_types.aminmax


@_composed("aminmax", what="(min, max) in one call")
def aminmax(backend: Any, input: Any, *, dim: int | None = None, keepdim: bool = False) -> Any:
    """``(amin, amax)`` of ``input`` (over ``dim``, or all), a named tuple ``min``, ``max``
    (both shown as PyTorch's one node, ``AminmaxBackward0``)."""
    if dim is None:
        if keepdim:
            dims = tuple(range(input.dim()))
            low, high = input.amin(dim=dims, keepdim=True), input.amax(dim=dims, keepdim=True)
        else:
            low, high = input.min(), input.max()
    else:
        low, high = input.amin(dim=dim, keepdim=keepdim), input.amax(dim=dim, keepdim=keepdim)
    return _AMinMax(shown_as(low, "AminmaxBackward0", input),
                    shown_as(high, "AminmaxBackward0", input))


@_composed("cov", what="covariance matrix of variables in rows")
def cov(backend: Any, input: Any, *, correction: int = 1, fweights: Any = None,
        aweights: Any = None) -> Any:
    """The covariance of the variables in ``input``'s rows (observations in columns; a 1-d
    input is one variable), with PyTorch's ``correction`` and integer ``fweights`` /
    floating ``aweights`` per observation."""
    if input.dim() > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.dim()} dimensions")
    x = _floating(backend, input)
    x = x.reshape(1, -1) if x.dim() < 2 else x
    n = x.shape[1]
    weights = None
    if fweights is not None:
        weights = fweights.to(x.dtype)
    if aweights is not None:
        weights = aweights.to(x.dtype) if weights is None else weights * aweights.to(x.dtype)
    if weights is None:
        total = float(n)
        mean = x.mean(dim=1, keepdim=True)
        norm = total - correction
    else:
        total = weights.sum()
        mean = (x * weights).sum(dim=1, keepdim=True) / total
        if correction == 0:
            norm = total
        elif aweights is None:
            norm = total - correction
        else:
            norm = total - correction * (weights * aweights.to(x.dtype)).sum() / total
    centred = x - mean
    other = centred if weights is None else centred * weights
    result = (centred @ other.transpose(0, 1)) / norm
    return result.reshape(()) if x.shape[0] == 1 else result  # one variable: a 0-d result


@_composed("corrcoef", what="Pearson correlation matrix of variables in rows")
def corrcoef(backend: Any, input: Any) -> Any:
    """The correlation coefficients of the variables in ``input``'s rows, clipped to
    [-1, 1] as PyTorch clips them."""
    c = cov(backend, input)
    if c.dim() == 0:
        return c / c
    d = backend.diagonal(c).sqrt()
    return (c / d.reshape(-1, 1) / d.reshape(1, -1)).clamp(-1, 1)


@_composed("dist", what="the p-norm of the difference of two tensors")
def dist(backend: Any, input: Any, other: Any, p: float = 2) -> Any:
    """``torch.linalg.vector_norm(input - other, p)``."""
    return shown_as(backend.linalg.vector_norm(input - other, p), "DistBackward0", input, other)


@_composed("inner", what="inner product over the last dimension")
def inner(backend: Any, input: Any, other: Any) -> Any:
    """The sum of products over the last dimension of both (a product with a 0-d one)."""
    if input.dim() == 0 or other.dim() == 0:
        return input * other
    return backend.tensordot(input, other, dims=([input.dim() - 1], [other.dim() - 1]))


@_composed("vdot", what="dot product of two 1-d tensors (real)", shown="VdotBackward0")
def vdot(backend: Any, input: Any, other: Any) -> Any:
    """``torch.dot`` (gradspec's tensors are real, so nothing to conjugate)."""
    return backend.dot(input, other)


@_composed("addmv", what="beta * input + alpha * mat @ vec")
def addmv(backend: Any, input: Any, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
    """``beta * input + alpha * (mat @ vec)``."""
    product = backend.mv(mat, vec)
    return (input if beta == 1 else input * beta) + (product if alpha == 1 else product * alpha)


@_composed("addr", what="beta * input + alpha * outer(vec1, vec2)")
def addr(backend: Any, input: Any, vec1: Any, vec2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
    """``beta * input + alpha * outer(vec1, vec2)``."""
    product = backend.outer(vec1, vec2)
    return (input if beta == 1 else input * beta) + (product if alpha == 1 else product * alpha)


@_composed("addbmm", what="beta * input + alpha * the sum of batch1 @ batch2")
def addbmm(backend: Any, input: Any, batch1: Any, batch2: Any, *, beta: Any = 1,
           alpha: Any = 1) -> Any:
    """``beta * input + alpha * sum_i(batch1[i] @ batch2[i])``."""
    product = backend.bmm(batch1, batch2).sum(dim=0)
    return (input if beta == 1 else input * beta) + (product if alpha == 1 else product * alpha)


@_composed("chain_matmul", what="the product of matrices, left to right")
def chain_matmul(backend: Any, *matrices: Any) -> Any:
    """``m1 @ m2 @ ...`` (deprecated in PyTorch for ``torch.linalg.multi_dot``)."""
    items = _varargs(matrices)
    if not items:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    if len(items) == 1:  # a new tensor, as PyTorch's (a copy: writing to it spares the input)
        return items[0].clone()
    out = items[0]
    for m in items[1:]:
        out = out @ m
    return out


@_composed("matrix_power", what="a square matrix to an integer power")
def matrix_power(backend: Any, input: Any, n: int) -> Any:
    """``input @ input @ ...`` (``n`` times; the identity for 0), by repeated squaring; a
    negative ``n`` powers the inverse (an error for a singular matrix, as in PyTorch)."""
    if input.dim() < 2 or input.shape[-1] != input.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but they "
                           f"are {input.shape[-2] if input.dim() > 1 else 1} by "
                           f"{input.shape[-1] if input.dim() else 1} matrices")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        input, n = backend.linalg.inv(input), -n
    size = input.shape[-1]
    result = None
    base = input
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    if result is None:
        eye = backend.eye(size, dtype=input.dtype)
        return eye.expand(*input.shape).clone() + input * 0
    return result


