"""`Independent`: a batch of distributions read as one distribution over their joint draw (a
diagonal Gaussian policy is ``Independent(Normal(mu, sigma), 1)``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import constraints
from .distribution import Distribution

__all__ = ["Independent"]


class Independent(Distribution):
    """``base_distribution`` with its last ``reinterpreted_batch_ndims`` batch dimensions
    moved into the event: ``log_prob`` and ``entropy`` sum over them."""

    def __init__(self, base_distribution: Distribution, reinterpreted_batch_ndims: int,
                 validate_args: bool | None = None) -> None:
        batch = tuple(base_distribution.batch_shape)
        n = reinterpreted_batch_ndims
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= len(batch):
            raise ValueError(f"Expected reinterpreted_batch_ndims <= len(base_distribution."
                             f"batch_shape), actual {n} vs {len(batch)}")
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = n
        self._backend = base_distribution._backend
        self.has_rsample = base_distribution.has_rsample
        cut = len(batch) - n
        super().__init__(batch[:cut], batch[cut:] + tuple(base_distribution.event_shape),
                         validate_args)

    def __repr__(self) -> str:
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"

    @property
    def support(self) -> Any:  # type: ignore[override]
        """The base's support over the reinterpreted dims."""
        support = self.base_dist.support
        n = self.reinterpreted_batch_ndims
        return constraints.independent(support, n) if n and support is not None else support

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Independent:
        """A new Independent over ``batch_shape`` (the base expanded to match)."""
        batch_shape = tuple(batch_shape)
        cut = len(self._event_shape) - len(tuple(self.base_dist.event_shape))
        base = self.base_dist.expand(batch_shape + self._event_shape[:cut])
        return Independent(base, self.reinterpreted_batch_ndims, self._validate_args)

    def _sum(self, value: Any) -> Any:
        n = self.reinterpreted_batch_ndims
        return value.sum(tuple(range(-n, 0))) if n else value

    @property
    def mean(self) -> Any:
        """The base distribution's mean."""
        return self.base_dist.mean

    @property
    def variance(self) -> Any:
        """The base distribution's variance."""
        return self.base_dist.variance

    @property
    def mode(self) -> Any:
        """The base distribution's mode."""
        return self.base_dist.mode

    def sample(self, sample_shape: Sequence[int] = ()) -> Any:
        """The base distribution's draws."""
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Any:
        """The base distribution's reparameterized draws."""
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value: Any) -> Any:
        """The base's log-probabilities summed over the reinterpreted dimensions."""
        return self._sum(self.base_dist.log_prob(value))

    def entropy(self) -> Any:
        """The base's entropies summed over the reinterpreted dimensions."""
        return self._sum(self.base_dist.entropy())
