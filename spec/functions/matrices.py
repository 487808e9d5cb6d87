"""Square-matrix functions under their top-level names: ``inverse``, ``det``, ``slogdet``,
``logdet`` and ``cholesky``, from the backend's ``linalg`` ops (an optional op a backend lacks
raises its own error)."""

from __future__ import annotations

from typing import Any

from .registry import _composed


@_composed("inverse", what="torch.linalg.inv")
def inverse(backend: Any, input: Any) -> Any:
    """``torch.linalg.inv(input)``."""
    return backend.linalg.inv(input)


@_composed("det", what="torch.linalg.det")
def det(backend: Any, input: Any) -> Any:
    """``torch.linalg.det(input)``."""
    return backend.linalg.det(input)


@_composed("slogdet", what="torch.linalg.slogdet")
def slogdet(backend: Any, input: Any) -> Any:
    """``torch.linalg.slogdet(input)``: ``(sign, logabsdet)``."""
    return backend.linalg.slogdet(input)


@_composed("logdet", what="log of the determinant (NaN where it is negative)")
def logdet(backend: Any, input: Any) -> Any:
    """``log(det(input))``: from `slogdet`, NaN for a negative determinant and -inf for a
    singular matrix, as PyTorch's."""
    sign, logabsdet = backend.linalg.slogdet(input)
    return logabsdet + sign.log()


@_composed("cholesky", what="torch.linalg.cholesky, with torch.cholesky's upper argument")
def cholesky(backend: Any, input: Any, upper: bool = False) -> Any:
    """The Cholesky factor of a symmetric positive-definite matrix: lower, or upper with
    ``upper=True`` (PyTorch's older ``torch.cholesky``)."""
    return backend.linalg.cholesky(input, upper=upper)
