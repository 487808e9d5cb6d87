"""Distinct values: unique (no gradient, as in PyTorch)."""

from __future__ import annotations

from typing import Any

from ..apply import constant
from ..tensor import Tensor


def unique(input: Any, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: Any = None) -> Any:
    """The distinct values of all elements, ascending (also with ``sorted=False``, as PyTorch
    on the CPU), or with ``dim`` the distinct slices along it in lexicographic order; with
    ``return_inverse`` the position of each element's (slice's) value in them, with
    ``return_counts`` how often each occurs.  No gradient."""
    if not isinstance(input, Tensor):
        raise TypeError(f"unique(): input must be a tensor, got {type(input).__name__}")
    if dim is not None:
        return _unique_slices(input, dim, return_inverse, return_counts)
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


def _unique_slices(input: Tensor, dim: Any, return_inverse: bool, return_counts: bool) -> Any:
    """``unique(dim=...)``: the slices along ``dim`` sorted lexicographically (one stable sort
    per element of a slice, last element first), equal neighbours merged."""
    from .args import axis_of

    T = type(input)
    eng, xp = T._eng, T._xp
    d = axis_of(dim, input.ndim, "unique")
    data = input._data
    n = data.shape[d]
    moved = xp.moveaxis(data, d, 0)
    width = 1
    for size in moved.shape[1:]:
        width *= size
    rows = xp.reshape(moved, (n, width))
    order = xp.arange(n, dtype=eng.int64)
    for column in range(rows.shape[1] - 1, -1, -1):
        keys = xp.take(rows[:, column], order)
        order = xp.take(order, xp.argsort(keys, stable=True))
    ordered = xp.take(rows, order, axis=0)
    if n:
        changed = xp.any(ordered[1:, :] != ordered[:-1, :], axis=1)
        starts = xp.concat([xp.ones((1,), dtype=xp.bool), changed])
    else:
        starts = xp.zeros((0,), dtype=xp.bool)
    group = xp.cumulative_sum(xp.astype(starts, eng.int64)) - 1
    firsts = xp.nonzero(starts)[0]
    kept = xp.take(ordered, firsts, axis=0)
    shape = (int(firsts.shape[0]),) + tuple(moved.shape[1:])
    out = [constant(T, xp.moveaxis(xp.reshape(kept, shape), 0, d))]
    if return_inverse:
        out.append(constant(T, xp.take(group, xp.argsort(order, stable=True))))
    if return_counts:
        ends = xp.concat([firsts[1:], xp.asarray([n], dtype=firsts.dtype)])
        out.append(constant(T, xp.astype(ends - firsts, eng.int64)))
    return out[0] if len(out) == 1 else tuple(out)
