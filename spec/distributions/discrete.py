"""Discrete distributions: `Categorical` (one of ``K`` classes) and `Bernoulli` (0 or 1), each
given by ``probs`` or by ``logits`` (``torch.distributions``).  Draws come from the backend's
generator by inverting the cumulative probabilities: they follow the distribution, not
torch's stream of draws."""

from __future__ import annotations

import math
from typing import Any, Sequence

from .. import nn
from .continuous import _check
from .distribution import Distribution, _broadcast_shape, _is_tensor, broadcast_all

__all__ = ["Bernoulli", "Categorical"]


def _one_of(probs: Any, logits: Any) -> None:
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


def _clamped_log(backend: Any, probs: Any) -> Any:
    eps = backend.finfo(probs.dtype).eps
    return probs.clamp(eps, 1 - eps).log()


class Categorical(Distribution):
    """One of ``K`` classes (the last dimension of ``probs`` or ``logits``; the leading ones
    are the batch).  ``probs`` are normalised to sum to 1, ``logits`` to log-probabilities.
    Draws are int64 class indices."""

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        _one_of(probs, logits)
        given = probs if probs is not None else logits
        name = "probs" if probs is not None else "logits"
        if not _is_tensor(given) or given.dim() < 1:
            raise ValueError(f"`{name}` parameter must be at least one-dimensional (a tensor "
                             "whose last dimension holds the classes).")
        self._backend, _ = broadcast_all(type(self), given)
        if probs is not None:
            if validate_args is not False and not bool((probs >= 0).all()):
                raise ValueError(f"Expected parameter probs of distribution Categorical to "
                                 f"satisfy the constraint Simplex(), but found negative "
                                 f"values:\n{probs}")
            self._probs, self._logits = probs / probs.sum(-1, keepdim=True), None
        else:
            self._probs, self._logits = None, logits - logits.logsumexp(-1, keepdim=True)
        self._num_events = given.shape[-1]
        super().__init__(tuple(given.shape[:-1]), (), validate_args)

    def _param_names(self) -> tuple[str, ...]:
        return ("probs",) if self._logits is None else ("logits",)

    @property
    def probs(self) -> Any:
        """The class probabilities (normalised)."""
        if self._probs is None:
            self._probs = self._logits.softmax(-1)
        return self._probs

    @property
    def logits(self) -> Any:
        """The log-probabilities (from ``probs``: of probabilities clamped to [eps, 1 - eps])."""
        if self._logits is None:
            self._logits = _clamped_log(self._backend, self._probs)
        return self._logits

    @property
    def param_shape(self) -> Any:
        """The shape of ``probs`` / ``logits``."""
        return self._size(self._batch_shape + (self._num_events,))

    @property
    def mean(self) -> Any:
        """Not defined for classes: NaN, as torch."""
        return self._backend.full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    @property
    def variance(self) -> Any:
        """Not defined for classes: NaN, as torch."""
        return self.mean

    @property
    def mode(self) -> Any:
        """The most probable class."""
        return self.probs.argmax(-1)

    def sample(self, sample_shape: Sequence[int] = ()) -> Any:
        """Class indices (int64) of shape ``sample_shape + batch_shape``."""
        B = self._backend
        with B.no_grad():
            shape = self._extended_shape(sample_shape)
            u = B.rand(shape + (1,), dtype=self.probs.dtype)
            cumulative = self.probs.cumsum(-1).expand(*(shape + (self._num_events,)))
            return (cumulative <= u).sum(-1).clamp_max(self._num_events - 1)

    def log_prob(self, value: Any) -> Any:
        """The log-probability of the class indices ``value`` (broadcast against the
        batch)."""
        B = self._backend
        if not _is_tensor(value):
            value = B.tensor(value)
        if self._validate_args:
            ok = (value >= 0) & (value < self._num_events)
            if value.is_floating_point():
                ok = ok & (value == value.floor())
            if not bool(ok.all()):
                raise ValueError(f"Expected value argument (Tensor of shape "
                                 f"{tuple(value.shape)}) to be within the support "
                                 f"(IntegerInterval(lower_bound=0, upper_bound="
                                 f"{self._num_events - 1})) of the distribution {self!r}, but "
                                 f"found invalid values:\n{value}")
        index = value.long().unsqueeze(-1)
        logits = self.logits
        shape = _broadcast_shape([tuple(index.shape), tuple(logits.shape)])
        index = index.expand(*shape)[..., :1]
        return logits.expand(*shape).gather(-1, index).squeeze(-1)

    def entropy(self) -> Any:
        """``-sum(p log p)`` over the classes (a class of probability 0 adds 0)."""
        smallest = self._backend.finfo(self.logits.dtype).min
        return -(self.logits.clamp_min(smallest) * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Any:
        """Every class index, along a new leading dimension (expanded over the batch)."""
        B = self._backend
        values = B.arange(self._num_events).reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand(-1, *self._batch_shape) if expand else values


class Bernoulli(Distribution):
    """1 with probability ``probs`` (or ``sigmoid(logits)``), else 0; draws are floats."""

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        _one_of(probs, logits)
        if probs is not None:
            self._backend, (self._probs,) = broadcast_all(type(self), probs)
            self._logits = None
            shape = tuple(self._probs.shape)
        else:
            self._backend, (self._logits,) = broadcast_all(type(self), logits)
            self._probs = None
            shape = tuple(self._logits.shape)
        super().__init__(shape, (), validate_args)
        if self._validate_args and probs is not None:
            _check(self, "probs", self._probs, (self._probs >= 0) & (self._probs <= 1),
                   "Interval(lower_bound=0.0, upper_bound=1.0)")

    def _param_names(self) -> tuple[str, ...]:
        return ("probs",) if self._logits is None else ("logits",)

    @property
    def probs(self) -> Any:
        """The probability of 1."""
        if self._probs is None:
            self._probs = self._logits.sigmoid()
        return self._probs

    @property
    def logits(self) -> Any:
        """``log(p) - log(1 - p)`` (of ``probs`` clamped to [eps, 1 - eps])."""
        if self._logits is None:
            eps = self._backend.finfo(self._probs.dtype).eps
            clamped = self._probs.clamp(eps, 1 - eps)
            self._logits = clamped.log() - (-clamped).log1p()
        return self._logits

    @property
    def mean(self) -> Any:
        """``probs``."""
        return self.probs

    @property
    def variance(self) -> Any:
        """``probs * (1 - probs)``."""
        return self.probs * (1 - self.probs)

    @property
    def mode(self) -> Any:
        """1 where ``probs > 1/2``, 0 where below, NaN at 1/2 (as torch)."""
        B = self._backend
        p = self.probs
        mode = (p >= 0.5).to(p.dtype)
        return B.where(p == 0.5, B.full_like(p, math.nan), mode)

    def sample(self, sample_shape: Sequence[int] = ()) -> Any:
        """0.0 or 1.0 draws of shape ``sample_shape + batch_shape``."""
        B = self._backend
        with B.no_grad():
            shape = self._extended_shape(sample_shape)
            p = self.probs.expand(*shape) if shape else self.probs
            return (B.rand(shape, dtype=p.dtype) < p).to(p.dtype)

    def log_prob(self, value: Any) -> Any:
        """``value log p + (1 - value) log(1 - p)``, computed from the logits."""
        B = self._backend
        if not _is_tensor(value):
            value = B.tensor(float(value), dtype=self.logits.dtype)
        if self._validate_args and not bool(((value == 0) | (value == 1)).all()):
            raise ValueError(f"Expected value argument (Tensor of shape {tuple(value.shape)}) "
                             f"to be within the support (Boolean()) of the distribution "
                             f"{self!r}, but found invalid values:\n{value}")
        shape = _broadcast_shape([tuple(value.shape), tuple(self.logits.shape)])
        logits = self.logits.expand(*shape) if tuple(self.logits.shape) != shape else self.logits
        value = value.expand(*shape) if tuple(value.shape) != shape else value
        return -nn.functional.binary_cross_entropy_with_logits(logits, value.to(logits.dtype),
                                                                reduction="none")

    def entropy(self) -> Any:
        """``-(p log p + (1 - p) log(1 - p))``."""
        return nn.functional.binary_cross_entropy_with_logits(self.logits, self.probs,
                                                              reduction="none")
