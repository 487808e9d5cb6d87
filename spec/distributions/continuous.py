"""Continuous distributions: `Normal` and `Uniform` (``torch.distributions``), both
reparameterizable: ``rsample`` draws as a differentiable function of the parameters."""

from __future__ import annotations

import math
from typing import Any, Sequence

from .distribution import Distribution, _is_tensor, broadcast_all

__all__ = ["Normal", "Uniform"]


def _check(dist: Distribution, name: str, value: Any, ok: Any, constraint: str) -> None:
    if not bool(ok.all()):
        raise ValueError(f"Expected parameter {name} (Tensor of shape {tuple(value.shape)}) of "
                         f"distribution {dist!r} to satisfy the constraint {constraint}, but "
                         f"found invalid values:\n{value}")


class Normal(Distribution):
    """The normal distribution with mean ``loc`` and standard deviation ``scale`` (numbers or
    tensors, broadcast together)."""

    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self._backend, (self.loc, self.scale) = broadcast_all(type(self), loc, scale)
        super().__init__(tuple(self.loc.shape), (), validate_args)
        if self._validate_args:
            _check(self, "scale", self.scale, self.scale > 0, "GreaterThan(lower_bound=0.0)")

    def _param_names(self) -> tuple[str, ...]:
        return ("loc", "scale")

    @property
    def mean(self) -> Any:
        """``loc``."""
        return self.loc

    @property
    def mode(self) -> Any:
        """``loc``."""
        return self.loc

    @property
    def stddev(self) -> Any:
        """``scale``."""
        return self.scale

    @property
    def variance(self) -> Any:
        """``scale ** 2``."""
        return self.scale.pow(2)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Any:
        """``loc + scale * eps`` with ``eps`` standard normal draws of the backend's
        generator."""
        eps = self._backend.randn(self._extended_shape(sample_shape), dtype=self.loc.dtype)
        return self.loc + eps * self.scale

    def log_prob(self, value: Any) -> Any:
        """``-(value - loc)**2 / (2 scale**2) - log(scale) - log(sqrt(2 pi))``."""
        var = self.scale.pow(2)
        return (-((value - self.loc) ** 2) / (2 * var) - self.scale.log()
                - math.log(math.sqrt(2 * math.pi)))

    def cdf(self, value: Any) -> Any:
        """``(1 + erf((value - loc) / (scale sqrt(2)))) / 2``."""
        return 0.5 * (1 + ((value - self.loc) * self.scale.reciprocal()
                           / math.sqrt(2)).erf())

    def entropy(self) -> Any:
        """``1/2 + log(2 pi)/2 + log(scale)``."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


class Uniform(Distribution):
    """The uniform distribution on ``[low, high)`` (numbers or tensors, broadcast together)."""

    has_rsample = True

    def __init__(self, low: Any, high: Any, validate_args: bool | None = None) -> None:
        self._backend, (self.low, self.high) = broadcast_all(type(self), low, high)
        super().__init__(tuple(self.low.shape), (), validate_args)
        if self._validate_args and not bool((self.low < self.high).all()):
            raise ValueError("Uniform is not defined when low >= high: every low must be below "
                             f"its high, got low {self.low} and high {self.high}")

    def _param_names(self) -> tuple[str, ...]:
        return ("low", "high")

    @property
    def mean(self) -> Any:
        """``(low + high) / 2``."""
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Any:
        """Not unique: NaN, as torch."""
        return self.high * math.nan

    @property
    def stddev(self) -> Any:
        """``(high - low) / sqrt(12)``."""
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self) -> Any:
        """``(high - low)**2 / 12``."""
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape: Sequence[int] = ()) -> Any:
        """``low + u * (high - low)`` with ``u`` uniform draws in [0, 1)."""
        u = self._backend.rand(self._extended_shape(sample_shape), dtype=self.low.dtype)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value: Any) -> Any:
        """``-log(high - low)`` inside ``[low, high)``, ``-inf`` at ``high`` (and outside,
        which ``validate_args`` refuses, as torch)."""
        if not _is_tensor(value):
            value = self._backend.tensor(float(value), dtype=self.low.dtype)
        if self._validate_args and not bool(((self.low <= value) & (value <= self.high)).all()):
            raise ValueError(f"Expected value argument (Tensor of shape {tuple(value.shape)}) "
                             f"to be within the support (Interval(lower_bound={self.low}, "
                             f"upper_bound={self.high})) of the distribution {self!r}, but "
                             f"found invalid values:\n{value}")
        inside = (self.low <= value).to(self.low.dtype) * (self.high > value).to(self.low.dtype)
        return inside.log() - (self.high - self.low).log()

    def cdf(self, value: Any) -> Any:
        """``(value - low) / (high - low)``, clamped to [0, 1]."""
        return ((value - self.low) / (self.high - self.low)).clamp(0.0, 1.0)

    def entropy(self) -> Any:
        """``log(high - low)``."""
        return (self.high - self.low).log()
