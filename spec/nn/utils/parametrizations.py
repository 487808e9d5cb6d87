"""Parametrizations PyTorch ships (``torch.nn.utils.parametrizations``): `weight_norm` and
`spectral_norm`, registered with `parametrize.register_parametrization`, so that they store
and name their tensors as PyTorch's do (``parametrizations.weight.original0``/``original1``;
``original`` with the power iteration's vectors ``_u`` and ``_v`` as buffers)."""

from __future__ import annotations

from typing import Any

from ...graph_names import shown_as
from ...plugins import backend_of
from ..modules.module import Module
from .parametrize import register_parametrization
from .reparameterize import _norm_except_dim

__all__ = ["spectral_norm", "weight_norm"]


class _WeightNorm(Module):
    """``v * g / |v|``, the norm over every dim but ``dim`` (None: over all)."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Any, weight_v: Any) -> Any:
        """The weight from its magnitude and direction."""
        return shown_as(weight_v * (weight_g / _norm_except_dim(weight_v, self.dim)),
                        "WeightNormInterfaceBackward0", weight_g, weight_v)

    def right_inverse(self, weight: Any) -> tuple[Any, Any]:
        """A weight as (magnitude, direction)."""
        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Parametrize ``module.<name>`` as a magnitude ``g`` times a direction ``v / |v|`` (the
    norm over every dim but ``dim``), as torch.nn.utils.parametrizations.weight_norm; returns
    ``module``."""
    return register_parametrization(module, name, _WeightNorm(dim), unsafe=True)


class _SpectralNorm(Module):
    """A weight divided by its largest singular value, estimated by power iteration (in
    training, ``n_power_iterations`` steps per read); a vector is normalized instead."""

    def __init__(self, weight: Any, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.dim()
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            backend = backend_of(weight)
            with backend.no_grad():
                mat = self._matrix(weight)
                h, w = mat.shape
                u = backend.zeros(h, dtype=weight.dtype).normal_(0, 1)
                v = backend.zeros(w, dtype=weight.dtype).normal_(0, 1)
                self.register_buffer("_u", self._normalized(u))
                self.register_buffer("_v", self._normalized(v))
                self._power_method(mat, 15)

    def _matrix(self, weight: Any) -> Any:
        if self.dim != 0:
            order = [self.dim] + [d for d in range(weight.dim()) if d != self.dim]
            weight = weight.permute(*order)
        return weight.flatten(1)

    def _normalized(self, x: Any) -> Any:
        return x / x.norm().clamp_min(self.eps)

    def _power_method(self, mat: Any, iterations: int) -> None:
        with backend_of(mat).no_grad():
            for _ in range(iterations):
                self._u.copy_(self._normalized(mat.mv(self._v)))
                self._v.copy_(self._normalized(mat.t().mv(self._u)))

    def forward(self, weight: Any) -> Any:
        """The weight over its estimated spectral norm."""
        if weight.dim() == 1:
            return self._normalized(weight)
        mat = self._matrix(weight)
        if self.training:
            self._power_method(mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = u.dot(mat.mv(v))
        return weight / sigma

    def right_inverse(self, value: Any) -> Any:
        """The weight itself (a stored weight is normalized when read)."""
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Parametrize ``module.<name>`` as itself over its spectral norm, as
    torch.nn.utils.parametrizations.spectral_norm (``dim``: the output dim, 1 for transposed
    convolutions, else 0); returns ``module``."""
    weight = getattr(module, name, None)
    if weight is None or not hasattr(weight, "dim"):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    return register_parametrization(module, name,
                                    _SpectralNorm(weight, n_power_iterations, dim, eps))
