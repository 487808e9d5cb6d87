"""Discrete distributions: `Categorical` (one of ``K`` classes), `OneHotCategorical` (the
same as one-hot vectors), `Bernoulli` (0 or 1) and `Binomial`, each given by ``probs`` or by
``logits``, and `Poisson` (``torch.distributions``).  Draws come from the backend's
generator by inverting the cumulative probabilities: they follow the distribution, not
torch's stream of draws."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .. import nn
from . import _host, constraints
from .continuous import _check
from .distribution import Distribution, _broadcast_shape, _is_tensor, broadcast_all, lazy_property

__all__ = ["Bernoulli", "Binomial", "Categorical", "OneHotCategorical",
           "OneHotCategoricalStraightThrough", "Poisson"]


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

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> Any:
        """``IntegerInterval(0, K - 1)``."""
        return constraints.integer_interval(0, self._num_events - 1)

    def _check_args(self) -> None:
        pass  # the constructor checks the probabilities itself

    def _expand_params(self) -> list[tuple[str, int]]:
        return [(name, 1) for name in ("_probs", "_logits")]

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

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean

    def _check_args(self) -> None:
        pass  # the constructor checks the probabilities itself

    def _expand_params(self) -> list[tuple[str, int]]:
        return [(name, 0) for name in ("_probs", "_logits")]

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


class Poisson(Distribution):
    """The Poisson distribution of rate ``rate``; draws are whole numbers in ``rate``'s
    dtype."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        self._backend, (self.rate,) = broadcast_all(type(self), rate)
        super().__init__(tuple(self.rate.shape), (), validate_args)

    @property
    def mean(self) -> Any:
        """``rate``."""
        return self.rate

    @property
    def mode(self) -> Any:
        """``floor(rate)``."""
        return self.rate.floor()

    @property
    def variance(self) -> Any:
        """``rate``."""
        return self.rate

    def sample(self, sample_shape: Sequence[int] = ()) -> Any:
        """Draws of shape ``sample_shape + batch_shape`` (torch's algorithms, the backend's
        generator)."""
        B = self._backend
        shape = self._extended_shape(sample_shape)
        with B.no_grad():
            rate = _host.host(B, self.rate.expand(*shape))
            return _host.from_host(B, _host.poisson(B, rate), self.rate.dtype)

    def log_prob(self, value: Any) -> Any:
        """``xlogy(value, rate) - rate - lgamma(value + 1)``."""
        B = self._backend
        value = self._as_value(value, self.rate)
        _, (rate, value) = broadcast_all(type(self), self.rate, value)
        return B.xlogy(value, rate) - rate - B.lgamma(value + 1)


def _clamp_by_zero(x: Any) -> Any:
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class Binomial(Distribution):
    """The number of successes in ``total_count`` trials of probability ``probs`` (or
    ``sigmoid(logits)``)."""

    arg_constraints = {"total_count": constraints.nonnegative_integer,
                       "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count: Any = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        _one_of(probs, logits)
        name = "probs" if probs is not None else "logits"
        self._backend, (count, param) = broadcast_all(type(self), total_count,
                                                      probs if probs is not None else logits)
        self.__dict__[name] = param
        self.total_count = count.to(param.dtype)
        self._param = param
        super().__init__(tuple(param.shape), (), validate_args)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> Any:
        """``IntegerInterval(0, total_count)``."""
        return constraints.integer_interval(0, self.total_count)

    @lazy_property
    def logits(self) -> Any:
        """``log(p) - log1p(-p)`` of ``probs`` clamped to [eps, 1 - eps]."""
        eps = self._backend.finfo(self.probs.dtype).eps
        p = self.probs.clamp(min=eps, max=1 - eps)
        return p.log() - (-p).log1p()

    @lazy_property
    def probs(self) -> Any:
        """``sigmoid(logits)``."""
        return self.logits.sigmoid()

    @property
    def param_shape(self) -> Any:
        """The shape of ``probs`` / ``logits``."""
        return self._size(tuple(self._param.shape))

    @property
    def mean(self) -> Any:
        """``total_count probs``."""
        return self.total_count * self.probs

    @property
    def mode(self) -> Any:
        """``floor((total_count + 1) probs)``, at most ``total_count``."""
        B = self._backend
        return B.minimum(((self.total_count + 1) * self.probs).floor(), self.total_count)

    @property
    def variance(self) -> Any:
        """``total_count probs (1 - probs)``."""
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Sequence[int] = ()) -> Any:
        """Draws (torch's inversion / BTRS algorithms, the backend's generator), in the
        parameter's dtype."""
        B = self._backend
        shape = self._extended_shape(sample_shape)
        with B.no_grad():
            count = _host.host(B, self.total_count.expand(*shape))
            probs = _host.host(B, self.probs.expand(*shape))
            return _host.from_host(B, _host.binomial(B, count, probs), self._param.dtype)

    def log_prob(self, value: Any) -> Any:
        """torch's form, from the logits: ``value logits - log C(n, value) -
        n log1p(exp(logits))`` computed without overflow."""
        B = self._backend
        value = self._as_value(value, self._param)
        n, logits = self.total_count, self.logits
        log_factorial_n = B.lgamma(n + 1)
        log_factorial_k = B.lgamma(value + 1)
        log_factorial_nmk = B.lgamma(n - value + 1)
        normalize = (n * _clamp_by_zero(logits) + n * (-logits.abs()).exp().log1p()
                     - log_factorial_n)
        return value * logits - log_factorial_k - log_factorial_nmk - normalize

    def entropy(self) -> Any:
        """``-sum p log p`` over the support (one ``total_count`` for the whole batch)."""
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Any:
        """``0, 1, ..., total_count`` along a new leading dim (one count for the batch)."""
        B = self._backend
        top = int(self.total_count.max().item())
        if int(self.total_count.min().item()) != top:
            raise NotImplementedError("Inhomogeneous total count not supported by "
                                      "`enumerate_support`.")
        values = B.arange(1 + top, dtype=self._param.dtype)
        values = values.reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand(-1, *self._batch_shape) if expand else values


class OneHotCategorical(Distribution):
    """A `Categorical` whose draws are one-hot vectors (the classes are the event dim)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        self._backend = self._categorical._backend
        super().__init__(self._categorical._batch_shape, (self._categorical._num_events,),
                         validate_args)

    @property
    def _param(self) -> Any:
        return self._categorical.probs if self._categorical._logits is None \
            else self._categorical.logits

    @property
    def probs(self) -> Any:
        """The class probabilities."""
        return self._categorical.probs

    @property
    def logits(self) -> Any:
        """The class log-probabilities."""
        return self._categorical.logits

    @property
    def param_shape(self) -> Any:
        """The shape of ``probs`` / ``logits``."""
        return self._categorical.param_shape

    @property
    def mean(self) -> Any:
        """``probs``."""
        return self._categorical.probs

    @property
    def mode(self) -> Any:
        """The one-hot vector of the most probable class."""
        probs = self._categorical.probs
        return nn.functional.one_hot(probs.argmax(-1), probs.shape[-1]).to(probs.dtype)

    @property
    def variance(self) -> Any:
        """``probs (1 - probs)``."""
        return self._categorical.probs * (1 - self._categorical.probs)

    def sample(self, sample_shape: Sequence[int] = ()) -> Any:
        """One-hot draws of shape ``sample_shape + batch_shape + (K,)``, in ``probs``'
        dtype."""
        indices = self._categorical.sample(sample_shape)
        return nn.functional.one_hot(indices, self._categorical._num_events).to(
            self._categorical.probs.dtype)

    def log_prob(self, value: Any) -> Any:
        """The `Categorical`'s log-probability of the hot class."""
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.argmax(-1))

    def entropy(self) -> Any:
        """The `Categorical`'s entropy."""
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Any:
        """The ``K`` one-hot vectors along a new leading dim."""
        B = self._backend
        n = self._event_shape[0]
        values = B.eye(n, dtype=self._param.dtype).reshape(
            (n,) + (1,) * len(self._batch_shape) + (n,))
        return values.expand(n, *self._batch_shape, n) if expand else values


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """`OneHotCategorical` whose ``rsample`` passes gradients straight through to ``probs``
    (the draw plus ``probs - probs.detach()``)."""

    has_rsample = True

    def rsample(self, sample_shape: Sequence[int] = ()) -> Any:
        """One-hot draws whose gradient flows to ``probs`` as if they were ``probs``."""
        samples = self.sample(sample_shape)
        probs = self._categorical.probs
        return samples + (probs - probs.detach())
