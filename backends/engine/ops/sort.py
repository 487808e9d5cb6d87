"""Sorting and order statistics: sort argsort topk kthvalue median (of all elements or along a
dim).  Values are picked from the input by the sorting indices (one gather node, named after
the op), so their gradient goes back to the positions they came from."""

from __future__ import annotations

import operator
from typing import Any

# PyTorch's torch.return_types (values first, then int64 indices)
from gradspec.return_types import kthvalue as KthvalueResult
from gradspec.return_types import median as MedianResult
from gradspec.return_types import sort as SortResult
from gradspec.return_types import topk as TopkResult

from ..apply import constant, unary
from .args import axis_of, dim_of, keepdim_of
from .gather import GatherBackward0, along
from .indexing import Index
from .stats import median_all


def _order(input: Any, axis: int, descending: bool) -> Any:
    """Sorting indices along ``axis`` (stable: ties keep their order, also descending)."""
    xp = type(input)._xp
    idx = xp.argsort(input._data, axis=axis, descending=descending, stable=True)
    return xp.astype(idx, type(input)._eng.int64)


def _pick(input: Any, axis: int, idx: Any, label: str, shape: Any = None) -> Any:
    """The input's values at ``idx`` along ``axis``, in ``shape`` (default: ``idx``'s; the
    same elements), recorded as one node named ``label`` (a fresh tensor, never a view)."""
    eng = type(input)._eng
    index = along(eng, tuple(input.shape), idx, axis)
    if shape is not None and tuple(shape) != tuple(index.out_shape):
        index = Index(None, index.shape, eng.xp.reshape(index.lin, tuple(shape)), tuple(shape),
                      None)
    return unary(GatherBackward0, input, index=index, eng=eng, label=label)


def _dim(input: Any, dim: Any, axis: Any, what: str, default: Any = -1) -> tuple[Any, int]:
    """``(input as at least 1-d, axis)``: PyTorch treats a 0-d tensor as one element."""
    d = axis_of(dim_of(dim, axis, what, default), input.ndim, what)
    return (input if input.ndim else input.reshape(1)), d


def _indices(x: Any, idx: Any, shape: Any = None) -> Any:
    xp = type(x)._xp
    return constant(type(x), idx if shape is None else xp.reshape(idx, tuple(shape)))


class _NotGiven:
    """sort's default ``stable``: False, told apart from a ``stable=False`` given (PyTorch
    records that call as its other overload, SortBackward1); shown as False in signatures."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "False"


_UNSET = _NotGiven()


def sort(input: Any, dim: Any = -1, descending: bool = False, stable: Any = _UNSET, *,
         axis: Any = None) -> SortResult:
    """``(values, indices)`` sorted along ``dim``; ties keep their order (whatever
    ``stable`` says, as PyTorch's CPU sort)."""
    x, d = _dim(input, dim, axis, "sort")
    idx = _order(x, d, descending)
    shape = tuple(input.shape)
    # PyTorch records the overload that takes ``stable`` as SortBackward1
    label = "SortBackward0" if stable is _UNSET else "SortBackward1"
    return SortResult(_pick(x, d, idx, label, shape), _indices(x, idx, shape))


def argsort(input: Any, dim: Any = -1, descending: bool = False, stable: bool = False, *,
            axis: Any = None) -> Any:
    """The indices that sort ``input`` along ``dim`` (int64)."""
    x, d = _dim(input, dim, axis, "argsort")
    return _indices(x, _order(x, d, descending), tuple(input.shape))


def topk(input: Any, k: int, dim: Any = -1, largest: bool = True, sorted: bool = True, *,
         axis: Any = None) -> TopkResult:
    """The ``k`` largest (or smallest) values along ``dim`` and their indices, largest first."""
    x, d = _dim(input, dim, axis, "topk")
    k = operator.index(k)
    if not 0 <= k <= x.shape[d]:
        raise RuntimeError(f"selected index k out of range (topk(): k={k} for a dimension of "
                           f"size {x.shape[d]})")
    key = (slice(None),) * d + (slice(0, k), Ellipsis)
    idx = _order(x, d, descending=largest)[key]
    shape = () if input.ndim == 0 and k == 1 else None
    return TopkResult(_pick(x, d, idx, "TopkBackward0", shape), _indices(x, idx, shape))


def _select(input: Any, d: int, position: Any, keepdim: bool, label: str, result: type,
            scalar: bool) -> Any:
    """The values at sorted ``position`` along ``d`` and their indices (``scalar``: the
    input was 0-d, and so are they)."""
    xp = type(input)._xp
    order = _order(input, d, descending=False)
    if isinstance(position, int):
        idx = order[(slice(None),) * d + (slice(position, position + 1), Ellipsis)]
    else:  # one position per slice
        idx = xp.take_along_axis(order, position, axis=d)
    shape = tuple(idx.shape)
    if scalar:
        shape = ()
    elif not keepdim:
        shape = shape[:d] + shape[d + 1:]
    return result(_pick(input, d, idx, label, shape), _indices(input, idx, shape))


def kthvalue(input: Any, k: int, dim: Any = -1, keepdim: Any = False, *, axis: Any = None,
             keepdims: Any = None) -> KthvalueResult:
    """The ``k``-th smallest value along ``dim`` (k counts from 1) and its index."""
    x, d = _dim(input, dim, axis, "kthvalue")
    keep = keepdim_of(keepdim, keepdims, "kthvalue")
    k = operator.index(k)
    if not 1 <= k <= x.shape[d]:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d} "
                           f"(k={k}, size {x.shape[d]})")
    return _select(x, d, k - 1, keep, "KthvalueBackward0", KthvalueResult, input.ndim == 0)


def median(input: Any, dim: Any = None, keepdim: Any = False, *, axis: Any = None,
           keepdims: Any = None) -> Any:
    """The lower median of all elements (a tensor), or ``(values, indices)`` along ``dim``.
    A slice holding NaN has median NaN (at its first NaN), as in PyTorch."""
    dim = dim_of(dim, axis, "median")
    if dim is None:
        return median_all(input)
    x, d = _dim(input, dim, None, "median")
    keep = keepdim_of(keepdim, keepdims, "median")
    n = x.shape[d]
    if n == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size.")
    xp = type(x)._xp
    eng = type(x)._eng
    nans = xp.sum(xp.astype(xp.isnan(x._data), eng.int64), axis=d, keepdims=True)
    if bool(xp.any(nans > 0)):  # NaN sorts last: the first NaN sits at n - count
        position = xp.where(nans > 0, n - nans, xp.full_like(nans, (n - 1) // 2))
    else:
        position = (n - 1) // 2
    return _select(x, d, position, keep, "MedianBackward1", MedianResult, input.ndim == 0)
