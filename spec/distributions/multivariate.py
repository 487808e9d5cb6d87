"""`MultivariateNormal` (``torch.distributions``): given by ``loc`` and one of
``covariance_matrix``, ``precision_matrix`` or ``scale_tril``, computed through the Cholesky
factor (``backend.linalg.cholesky`` / ``solve_triangular``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from . import constraints
from .distribution import Distribution, _broadcast_shape, _is_tensor, lazy_property

__all__ = ["MultivariateNormal"]


def _batch_mahalanobis(backend: Any, L: Any, x: Any) -> Any:
    """``|L^-1 x|^2`` over the last dim, ``L`` lower triangular (batch dims broadcast)."""
    n = x.shape[-1]
    batch = _broadcast_shape([tuple(L.shape[:-2]), tuple(x.shape[:-1])])
    L = L.expand(*(batch + (n, n)))
    x = x.expand(*(batch + (n,))).unsqueeze(-1)
    return backend.linalg.solve_triangular(L, x, upper=False).pow(2).sum((-2, -1))


def _precision_to_scale_tril(backend: Any, P: Any) -> Any:
    """The lower Cholesky factor of ``P^-1``, from the flipped Cholesky factor of ``P``."""
    Lf = backend.linalg.cholesky(P.flip((-2, -1)))
    L_inv = Lf.flip((-2, -1)).transpose(-2, -1)
    eye = backend.eye(P.shape[-1], dtype=P.dtype)
    return backend.linalg.solve_triangular(L_inv, eye.expand(*L_inv.shape), upper=False)


class MultivariateNormal(Distribution):
    """The multivariate normal distribution of mean ``loc`` (the last dim is the event) and
    covariance given by exactly one of ``covariance_matrix``, ``precision_matrix`` or
    ``scale_tril`` (a lower Cholesky factor of the covariance)."""

    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Any, covariance_matrix: Any = None, precision_matrix: Any = None,
                 scale_tril: Any = None, validate_args: bool | None = None) -> None:
        if not _is_tensor(loc) or loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = [(n, m) for n, m in (("covariance_matrix", covariance_matrix),
                                     ("precision_matrix", precision_matrix),
                                     ("scale_tril", scale_tril)) if m is not None]
        if len(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                             "scale_tril may be specified.")
        name, matrix = given[0]
        if not _is_tensor(matrix) or matrix.dim() < 2:
            what = "scale_tril matrix" if name == "scale_tril" else name
            raise ValueError(f"{what} must be at least two-dimensional, with optional leading "
                             "batch dimensions")
        from .distribution import _backend_for

        self._backend = B = _backend_for(type(self), [loc, matrix])
        n = loc.shape[-1]
        if tuple(matrix.shape[-2:]) != (n, n):
            raise ValueError(f"{name} must be a batch of {n}x{n} matrices to match loc, got "
                             f"shape {tuple(matrix.shape)}")
        batch = _broadcast_shape([tuple(matrix.shape[:-2]), tuple(loc.shape[:-1])])
        self.__dict__[name] = matrix.expand(*(batch + (n, n)))
        self.loc = loc.expand(*(batch + (n,)))
        super().__init__(batch, (n,), validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = B.linalg.cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(B, matrix)

    def _expand_params(self) -> list[tuple[str, int]]:
        return [(name, 2 if name != "loc" else 1) for name in self.arg_constraints
                if name in self.__dict__]

    def _full(self) -> tuple:
        return self._batch_shape + self._event_shape + self._event_shape

    @lazy_property
    def scale_tril(self) -> Any:
        """The lower Cholesky factor of the covariance."""
        return self._unbroadcasted_scale_tril.expand(*self._full())

    @lazy_property
    def covariance_matrix(self) -> Any:
        """``L L^T``."""
        L = self._unbroadcasted_scale_tril
        return (L @ L.mT).expand(*self._full())

    @lazy_property
    def precision_matrix(self) -> Any:
        """The inverse of the covariance, ``cholesky_inverse(L)``."""
        B = self._backend
        L = self._unbroadcasted_scale_tril
        eye = B.eye(L.shape[-1], dtype=L.dtype).expand(*L.shape)
        inv_L = B.linalg.solve_triangular(L, eye, upper=False)
        return (inv_L.mT @ inv_L).expand(*self._full())

    @property
    def mean(self) -> Any:
        """``loc``."""
        return self.loc

    @property
    def mode(self) -> Any:
        """``loc``."""
        return self.loc

    @property
    def variance(self) -> Any:
        """The diagonal of the covariance."""
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(
            *(self._batch_shape + self._event_shape))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Any:
        """``loc + L eps`` with ``eps`` standard normal draws."""
        shape = self._extended_shape(sample_shape)
        eps = self._backend.randn(shape, dtype=self.loc.dtype)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value: Any) -> Any:
        """``-(n log(2 pi) + |L^-1 (value - loc)|^2) / 2 - sum(log diag L)``."""
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        M = _batch_mahalanobis(self._backend, self._unbroadcasted_scale_tril, diff)
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + M) - half_log_det

    def entropy(self) -> Any:
        """``n (1 + log(2 pi)) / 2 + sum(log diag L)``."""
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        H = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + half_log_det
        if not self._batch_shape or tuple(H.shape) == self._batch_shape:
            return H
        return H.expand(*self._batch_shape)
