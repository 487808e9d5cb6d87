"""Running and order statistics, and set membership: cummax, cummin, logcumsumexp, quantile,
nanquantile, mode, isin, take, unique_consecutive, combinations, cosine_similarity,
pairwise_distance.

Running maxima and log-sum-exps are scans by doubling (log2(n) whole-tensor steps, each
combining every position with the one 2^k before it), so a long sequence costs no Python loop
per element; values come from ``gather`` at the positions found, so gradients reach the
elements PyTorch's do.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from .. import return_types
from ..graph_names import shown_as
from .registry import _composed, _dim

#: what they return, as torch.return_types
Cummax = return_types.cummax
Cummin = return_types.cummin
Mode = return_types.mode


def _shifted(backend: Any, t: Any, dim: int, by: int, fill: Any) -> Any:
    """``t`` moved ``by`` places forward along ``dim``, the first ``by`` places ``fill``."""
    n = t.shape[dim]
    head_shape = list(t.shape)
    head_shape[dim] = by
    head = backend.full(tuple(head_shape), fill, dtype=t.dtype)
    return backend.cat([head, t.narrow(dim, 0, n - by)], dim)


def _running_extreme(backend: Any, name: str, input: Any, dim: int) -> Any:
    d = _dim(dim, input.dim(), name)
    shown = "CummaxBackward0" if name == "cummax" else "CumminBackward0"  # PyTorch's node
    if input.dim() == 0:
        return (Cummax if name == "cummax" else Cummin)(
            shown_as(input.clone(), shown, input), backend.zeros((), dtype=backend.int64))
    n = input.shape[d]
    x = input.detach()
    index_shape = [1] * x.dim()
    index_shape[d] = n
    best = x
    where = backend.arange(n).reshape(index_shape).expand(*x.shape)
    larger = name == "cummax"
    fill = -math.inf if x.is_floating_point() else None
    if fill is None:
        info = backend.iinfo(x.dtype) if x.dtype != backend.bool else None
        fill = (info.min if larger else info.max) if info is not None else (not larger)
    elif not larger:
        fill = math.inf
    step = 1
    while step < n:
        earlier = _shifted(backend, best, d, step, fill)
        earlier_at = _shifted(backend, where, d, step, 0)
        # an earlier winner takes over only when strictly better (later ties win, as in
        # PyTorch), and NaN beats everything
        if larger:
            wins = earlier > best
        else:
            wins = earlier < best
        if x.is_floating_point():
            wins = wins | (earlier.isnan() & ~best.isnan())
        best = backend.where(wins, earlier, best)
        where = backend.where(wins, earlier_at, where)
        step *= 2
    values = shown_as(input.gather(d, where), shown, input)
    return (Cummax if larger else Cummin)(values, where)


@_composed("cummax", what="running maximum and its positions along a dim")
def cummax(backend: Any, input: Any, dim: int) -> Any:
    """``(values, indices)``: the largest element so far along ``dim`` and where it is (the
    latest of equal ones; NaN wins and stays), as torch.cummax; the gradient goes to it."""
    return _running_extreme(backend, "cummax", input, dim)


@_composed("cummin", what="running minimum and its positions along a dim")
def cummin(backend: Any, input: Any, dim: int) -> Any:
    """``(values, indices)``: the smallest element so far along ``dim`` and where it is, as
    torch.cummin."""
    return _running_extreme(backend, "cummin", input, dim)


@_composed("logcumsumexp", what="running log of the sum of exponentials along a dim",
           shown="LogcumsumexpBackward0")
def logcumsumexp(backend: Any, input: Any, dim: int) -> Any:
    """``log(cumsum(exp(input), dim))`` computed without overflow or underflow (a doubling
    scan of logaddexp), as torch.logcumsumexp."""
    d = _dim(dim, input.dim(), "logcumsumexp")
    if input.dim() == 0 or input.shape[d] <= 1:  # a new tensor, never the input itself
        return input.clone()
    out = input
    n = input.shape[d]
    step = 1
    while step < n:
        out = backend.logaddexp(out, _shifted(backend, out, d, step, -math.inf))
        step *= 2
    return out


INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(backend: Any, name: str, input: Any, q: Any, dim: Any, keepdim: bool,
              interpolation: str, ignore_nan: bool) -> Any:
    if not input.is_floating_point():
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest. Got {interpolation}")
    scalar_q = not hasattr(q, "shape") or q.dim() == 0
    # a tensor q stays in the graph: the linear interpolation is differentiable in it
    qs = backend.tensor([float(q)], dtype=input.dtype) if not hasattr(q, "shape") else (
        q.to(input.dtype).reshape(-1) if q.dim() == 0 else q.to(input.dtype))
    if qs.dim() > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if bool(((qs < 0) | (qs > 1)).any()):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if dim is None:
        x, d = input.reshape(-1), 0
    else:
        d = _dim(dim, input.dim(), name)
        x = input
    if x.shape[d] == 0 if x.dim() else False:
        raise IndexError(f"{name}() input tensor must be non-empty")
    ordered = x.sort(dim=d).values  # NaN sorts last
    n = x.shape[d] if x.dim() else 1
    if x.dim() == 0:
        ordered = ordered.reshape(1)
    nan = ordered.isnan()
    count = (~nan).sum(dim=d, keepdim=True) if ignore_nan else backend.full(
        tuple(1 if i == d else s for i, s in enumerate(ordered.shape)), n, dtype=backend.int64)
    last = (count - 1).clamp(min=0).to(input.dtype)
    # quantile: a slice holding NaN takes its last element, NaN, as PyTorch does
    holds_nan = None if ignore_nan else nan.any(dim=d, keepdim=True)
    results = []
    for k in range(qs.shape[0]):
        position = last * qs[k]
        if holds_nan is not None:
            position = backend.where(holds_nan, backend.full_like(position, n - 1), position)
        lower = position.floor().long()
        upper = position.ceil().long()
        if interpolation == "lower":
            picks = ordered.gather(d, lower)
        elif interpolation == "higher":
            picks = ordered.gather(d, upper)
        elif interpolation == "nearest":
            picks = ordered.gather(d, position.round().long())
        else:
            low, high = ordered.gather(d, lower), ordered.gather(d, upper)
            weight = 0.5 if interpolation == "midpoint" else position - lower.to(input.dtype)
            picks = low + (high - low) * weight
        results.append(picks if keepdim and dim is not None else picks.squeeze(d))
    if dim is None and keepdim:
        results = [r.reshape((1,) * input.dim()) for r in results]
    if scalar_q:
        return results[0] if (dim is not None or keepdim) else results[0].reshape(())
    return backend.stack(results)


@_composed("quantile", what="q-th quantiles along a dim (NaN where a slice holds NaN)")
def quantile(backend: Any, input: Any, q: Any, dim: int | None = None, keepdim: bool = False,
             *, interpolation: str = "linear") -> Any:
    """The ``q``-th quantiles (``q`` a number or a 1-D tensor in [0, 1]) of ``input`` along
    ``dim`` (of the flattened input when None), with ``interpolation`` between the two nearest
    order statistics as torch.quantile; a tensor ``q`` adds a leading dim."""
    return _quantile(backend, "quantile", input, q, dim, keepdim, interpolation, False)


@_composed("nanquantile", what="q-th quantiles ignoring NaN")
def nanquantile(backend: Any, input: Any, q: Any, dim: int | None = None,
                keepdim: bool = False, *, interpolation: str = "linear") -> Any:
    """`quantile` of the elements that are not NaN (NaN for a slice of NaN only), as
    torch.nanquantile."""
    return _quantile(backend, "nanquantile", input, q, dim, keepdim, interpolation, True)


@_composed("mode", what="the most frequent value along a dim, and where it last occurs")
def mode(backend: Any, input: Any, dim: int = -1, keepdim: bool = False) -> Any:
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest of equally
    frequent ones) and the last position holding it, as torch.mode (counts compare every pair
    of a slice: n^2 work per slice)."""
    if input.dim() == 0:
        return Mode(shown_as(input.clone(), "ModeBackward0", input),
                    backend.zeros((), dtype=backend.int64))
    d = _dim(dim, input.dim(), "mode")
    x = input.detach().movedim(d, -1)
    same = x.unsqueeze(-1) == x.unsqueeze(-2)  # (..., n, n)
    counts = same.sum(-1)
    top = counts.amax(-1, keepdim=True)
    frequent = counts == top
    n = x.shape[-1]
    # the smallest frequent value: sort the frequent ones first by value
    big = backend.where(frequent, x, backend.full_like(x, math.inf) if x.is_floating_point()
                        else backend.full_like(x, backend.iinfo(x.dtype).max))
    value = big.amin(-1, keepdim=True)
    hits = x == value
    positions = backend.arange(n).expand(*x.shape)
    last = backend.where(hits, positions, backend.full_like(positions, -1)).amax(-1, keepdim=True)
    index = last.movedim(-1, d)
    values = input.gather(d, index)
    if not keepdim:
        values, index = values.squeeze(d), index.squeeze(d)
    return Mode(shown_as(values, "ModeBackward0", input), index)


@_composed("isin", what="whether each element is among the test elements")
def isin(backend: Any, elements: Any, test_elements: Any, *, assume_unique: bool = False,
         invert: bool = False) -> Any:
    """A bool tensor shaped like ``elements``: True where an element is among
    ``test_elements`` (a tensor or a number; False where ``invert``), as torch.isin (by sorting
    and binary search: (n + m) log m)."""
    if not hasattr(elements, "shape"):
        elements = backend.tensor(elements)
    tests = test_elements.reshape(-1) if hasattr(test_elements, "shape") else backend.tensor(
        [test_elements], dtype=elements.dtype)
    if tests.numel() == 0:
        found = backend.zeros(tuple(elements.shape), dtype=backend.bool)
    else:
        ordered = tests.sort().values
        at = backend.searchsorted(ordered, elements.reshape(-1)).clamp(max=tests.numel() - 1)
        found = (ordered[at] == elements.reshape(-1)).reshape(tuple(elements.shape))
    return ~found if invert else found


@_composed("take", what="elements of the flattened input at the given indices")
def take(backend: Any, input: Any, index: Any) -> Any:
    """``input.flatten()[index]``, shaped like ``index`` (negative indices count from the end),
    as torch.take."""
    flat = input.reshape(-1)
    n = flat.shape[0]
    if index.numel() and (bool((index >= n).any()) or bool((index < -n).any())):
        bad = int(index.reshape(-1)[((index >= n) | (index < -n)).reshape(-1).nonzero()[0, 0]])
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                         "elements.")
    return flat[index.reshape(-1)].reshape(tuple(index.shape))


@_composed("unique_consecutive", what="one element of each run of equal ones")
def unique_consecutive(backend: Any, input: Any, return_inverse: bool = False,
                       return_counts: bool = False, dim: int | None = None) -> Any:
    """The input with each run of equal consecutive elements (or slices along ``dim``) kept
    once, as torch.unique_consecutive; with ``return_inverse`` the run each element belongs to,
    with ``return_counts`` each run's length."""
    if dim is None:
        x, d = input.reshape(-1), 0
    else:
        d = _dim(dim, input.dim(), "unique_consecutive")
        x = input
    n = x.shape[d] if x.dim() else 1
    if n == 0:
        values = x
        runs = backend.zeros(0, dtype=backend.int64)
        inverse = backend.zeros(tuple(input.shape) if dim is None else (0,), dtype=backend.int64)
    else:
        moved = x.movedim(d, 0).reshape(n, -1) if x.dim() else x.reshape(1, 1)
        changed = (moved[1:] != moved[:-1]).any(-1) if n > 1 else backend.zeros(
            0, dtype=backend.bool)
        starts = backend.cat([backend.ones(1, dtype=backend.bool), changed])
        inverse = starts.long().cumsum(0) - 1
        values = x.index_select(d, starts.nonzero().reshape(-1))
        runs = backend.bincount(inverse)
        if dim is None:
            inverse = inverse.reshape(tuple(input.shape))
    out = [values]
    if return_inverse:
        out.append(inverse)
    if return_counts:
        out.append(runs)
    return out[0] if len(out) == 1 else tuple(out)


@_composed("combinations", what="the length-r combinations of a vector's elements")
def combinations(backend: Any, input: Any, r: int = 2, with_replacement: bool = False) -> Any:
    """The ``r``-element combinations of a 1-D ``input``, one per row (in itertools' order),
    as torch.combinations; differentiable (they are picked by indexing)."""
    if input.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    rows = list(pick(range(input.shape[0]), r))
    if r == 0 or not rows:
        return backend.zeros((0,) if r == 0 else (0, r), dtype=input.dtype)
    index = backend.tensor(rows, dtype=backend.int64)
    return input[index.reshape(-1)].reshape(len(rows), r)


@_composed("cosine_similarity", what="torch.nn.functional.cosine_similarity")
def cosine_similarity(backend: Any, x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Any:
    """``torch.nn.functional.cosine_similarity`` under its top-level name."""
    return backend.nn.functional.cosine_similarity(x1, x2, dim, eps)


@_composed("pairwise_distance", what="torch.nn.functional.pairwise_distance")
def pairwise_distance(backend: Any, x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Any:
    """``torch.nn.functional.pairwise_distance`` under its top-level name."""
    return backend.nn.functional.pairwise_distance(x1, x2, p, eps, keepdim)


@_composed("index_put", what="a copy with values written (or added) at advanced indices")
def index_put(backend: Any, input: Any, indices: Any, values: Any,
              accumulate: bool = False) -> Any:
    """``input`` with ``values`` written at ``input[indices]`` (a tuple of index or mask
    tensors), as torch.index_put; with ``accumulate`` the values are added, repeated positions
    adding up (``x[idx] += v`` would keep only one of them)."""
    key = tuple(indices)
    if not hasattr(values, "shape"):
        values = backend.tensor(values, dtype=input.dtype)
    if not accumulate:
        out = input.clone()
        out[key] = values
        return out
    positions = backend.arange(input.numel()).reshape(tuple(input.shape))[key]
    spread = values.expand(*positions.shape) if values.dim() <= positions.dim() else values
    flat = input.reshape(-1).index_add(0, positions.reshape(-1), spread.reshape(-1))
    return flat.reshape(tuple(input.shape))


# -- sparse tensors, held dense ---------------------------------------------------------------
@_composed("sparse_coo_tensor", what="a COO tensor, held dense (values added at the indices)")
def sparse_coo_tensor(backend: Any, indices: Any, values: Any, size: Any = None, *,
                      dtype: Any = None, device: Any = None, requires_grad: bool = False,
                      check_invariants: Any = None, is_coalesced: Any = None) -> Any:
    """``torch.sparse_coo_tensor(indices, values, size)`` as a dense tensor: ``values[k]`` added
    at ``indices[:, k]`` (repeated indices add up, as coalescing does), differentiable in
    ``values``.  gradspec's engines hold every tensor dense, so ``is_sparse`` is False and the
    memory is the dense size; products and sums give PyTorch's values."""
    if not hasattr(indices, "shape"):
        indices = backend.tensor(indices, dtype=backend.int64)
    if not hasattr(values, "shape"):
        values = backend.tensor(values, dtype=dtype)
    elif dtype is not None:
        values = values.to(dtype)
    if indices.dim() != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(indices.shape)}")
    sparse_dims = indices.shape[0]
    if size is None:
        size = tuple(int(m) + 1 for m in indices.amax(1).tolist()) if indices.shape[1] else \
            (0,) * sparse_dims
        size = size + tuple(values.shape[1:])
    size = tuple(int(s) for s in size)
    out = backend.zeros(*size, dtype=values.dtype)
    key = tuple(indices[d] for d in range(sparse_dims))
    out = out.index_put(key, values, accumulate=True)
    return out.requires_grad_() if requires_grad and not out.requires_grad else out


@_composed("sparse.mm", "spmm", what="a (sparse) matrix times a dense one")
def sparse_mm(backend: Any, mat1: Any, mat2: Any, reduce: str = "sum") -> Any:
    """``mat1 @ mat2`` (torch.sparse.mm; ``mat1`` held dense here)."""
    if reduce != "sum":
        raise RuntimeError(f"sparse.mm: reduce={reduce!r} needs PyTorch's sparse CSR kernels; "
                           "only 'sum' is supported")
    return mat1 @ mat2


@_composed("sparse.sum", what="the sum of a (sparse) tensor")
def sparse_sum(backend: Any, input: Any, dim: Any = None, dtype: Any = None) -> Any:
    """``input.sum(dim)`` (torch.sparse.sum; ``input`` held dense here)."""
    out = input.sum() if dim is None else input.sum(dim)
    return out if dtype is None else out.to(dtype)


@_composed("to_dense", what="the dense tensor (every tensor is dense here)")
def to_dense(backend: Any, input: Any, dtype: Any = None, *, masked_grad: bool = True) -> Any:
    """The tensor itself (as a dense tensor it already is), cast to ``dtype`` when given."""
    return input if dtype is None else input.to(dtype)


@_composed("to_sparse", what="the tensor, held dense (every tensor is dense here)")
def to_sparse(backend: Any, input: Any, *args: Any, **kwargs: Any) -> Any:
    """The tensor itself: gradspec's engines hold every tensor dense (its products and sums
    give a sparse tensor's values)."""
    return input
