"""Continuous distributions: `Normal`, `Uniform`, `Exponential` and `Laplace`
(``torch.distributions``), all reparameterizable: ``rsample`` draws as a differentiable function
of the parameters."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from . import constraints
from .distribution import Distribution, _is_tensor, broadcast_all

__all__ = ["Exponential", "Laplace", "Normal", "Uniform"]


def _check(dist: Distribution, name: str, value: Any, ok: Any, constraint: str) -> None:
    if not bool(ok.all()):
        raise ValueError(f"Expected parameter {name} (Tensor of shape {tuple(value.shape)}) of "
                         f"distribution {dist!r} to satisfy the constraint {constraint}, but "
                         f"found invalid values:\n{value}")


class Normal(Distribution):
    """The normal distribution with mean ``loc`` and standard deviation ``scale`` (numbers or
    tensors, broadcast together)."""

    has_rsample = True
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

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
        if self._validate_args and _is_tensor(value):
            self._validate_sample(value)
        var = self.scale.pow(2)
        return (-((value - self.loc) ** 2) / (2 * var) - self.scale.log()
                - math.log(math.sqrt(2 * math.pi)))

    def cdf(self, value: Any) -> Any:
        """``(1 + erf((value - loc) / (scale sqrt(2)))) / 2``."""
        return 0.5 * (1 + ((value - self.loc) * self.scale.reciprocal()
                           / math.sqrt(2)).erf())

    def icdf(self, value: Any) -> Any:
        """``loc + scale sqrt(2) erfinv(2 value - 1)``: the quantile at ``value``."""
        return self.loc + self.scale * self._backend.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self) -> Any:
        """``1/2 + log(2 pi)/2 + log(scale)``."""
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


class Uniform(Distribution):
    """The uniform distribution on ``[low, high)`` (numbers or tensors, broadcast together)."""

    has_rsample = True

    @property
    def arg_constraints(self) -> dict[str, Any]:  # type: ignore[override]
        """``low < high``, as torch's (checked in the constructor, with its own message)."""
        return {"low": constraints.less_than(self.high),
                "high": constraints.greater_than(self.low)}

    def _check_args(self) -> None:
        pass  # the constructor checks low < high itself

    def _expand_params(self) -> list[tuple[str, int]]:
        return [("low", 0), ("high", 0)]

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> Any:
        """``Interval(low, high)``."""
        return constraints.interval(self.low, self.high)

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

    def icdf(self, value: Any) -> Any:
        """``low + value (high - low)``."""
        return value * (self.high - self.low) + self.low

    def entropy(self) -> Any:
        """``log(high - low)``."""
        return (self.high - self.low).log()


class Exponential(Distribution):
    """The exponential distribution of rate ``rate`` (mean ``1 / rate``)."""

    has_rsample = True
    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        self._backend, (self.rate,) = broadcast_all(type(self), rate)
        super().__init__(tuple(self.rate.shape), (), validate_args)

    @property
    def mean(self) -> Any:
        """``1 / rate``."""
        return self.rate.reciprocal()

    @property
    def mode(self) -> Any:
        """0."""
        return self._backend.zeros_like(self.rate)

    @property
    def stddev(self) -> Any:
        """``1 / rate``."""
        return self.rate.reciprocal()

    @property
    def variance(self) -> Any:
        """``rate ** -2``."""
        return self.rate.pow(-2)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Any:
        """``-log(1 - u) / rate`` with ``u`` uniform draws in [0, 1)."""
        u = self._backend.rand(self._extended_shape(sample_shape), dtype=self.rate.dtype)
        return -(-u).log1p() / self.rate

    def log_prob(self, value: Any) -> Any:
        """``log(rate) - rate value``."""
        value = self._as_value(value, self.rate)
        return self.rate.log() - self.rate * value

    def cdf(self, value: Any) -> Any:
        """``1 - exp(-rate value)``."""
        value = self._as_value(value, self.rate)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value: Any) -> Any:
        """``-log1p(-value) / rate``."""
        return -(-value).log1p() / self.rate

    def entropy(self) -> Any:
        """``1 - log(rate)``."""
        return 1.0 - self.rate.log()


class Laplace(Distribution):
    """The Laplace (double exponential) distribution of location ``loc`` and scale
    ``scale``."""

    has_rsample = True
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self._backend, (self.loc, self.scale) = broadcast_all(type(self), loc, scale)
        super().__init__(tuple(self.loc.shape), (), validate_args)

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
        """``2 scale**2``."""
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Any:
        """``sqrt(2) scale``."""
        return 2 ** 0.5 * self.scale

    def rsample(self, sample_shape: Sequence[int] = ()) -> Any:
        """``loc - scale sign(u) log1p(-|u|)`` with ``u`` uniform in [eps - 1, 1)."""
        B = self._backend
        eps = B.finfo(self.loc.dtype).eps
        u = B.rand(self._extended_shape(sample_shape), dtype=self.loc.dtype) * (2 - eps) \
            + (eps - 1)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value: Any) -> Any:
        """``-log(2 scale) - |value - loc| / scale``."""
        value = self._as_value(value, self.loc)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value: Any) -> Any:
        """``1/2 - 1/2 sign(value - loc) expm1(-|value - loc| / scale)``."""
        value = self._as_value(value, self.loc)
        return 0.5 - 0.5 * (value - self.loc).sign() * (
            -(value - self.loc).abs() / self.scale).expm1()

    def icdf(self, value: Any) -> Any:
        """``loc - scale sign(value - 1/2) log1p(-2 |value - 1/2|)``."""
        term = value - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    def entropy(self) -> Any:
        """``1 + log(2 scale)``."""
        return 1 + (2 * self.scale).log()
