"""Distinct values: unique (no gradient, as in PyTorch)."""

from __future__ import annotations

from typing import Any

from ..apply import constant
from ..tensor import Tensor


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
