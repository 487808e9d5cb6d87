"""The gamma family: `Gamma`, `Chi2`, `Beta`, `Dirichlet` and `StudentT`
(``torch.distributions``).

Their ``rsample`` is torch's implicit reparameterization: the draw ``x`` comes from a rejection
sampler (the backend's generator feeding `_host`), and its gradient with respect to the
concentration is ``-(d/dalpha cdf(x; alpha)) / pdf(x; alpha)``, from the same approximations
torch uses (``_standard_gamma_grad`` and ``_dirichlet_grad``), so a draw's gradient is torch's
for that draw.  The gradient is first order only (as torch's, which refuses a second).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from . import _host, constraints
from .distribution import Distribution, _is_tensor, broadcast_all

__all__ = ["Beta", "Chi2", "Dirichlet", "Gamma", "StudentT"]


def _standard_gamma(backend: Any, alpha: Any) -> Any:
    """Gamma(alpha, 1) draws of ``alpha``'s shape whose gradient in ``alpha`` is the implicit
    reparameterization gradient."""
    a = _host.host(backend, alpha)
    with backend.no_grad():
        x = _host.standard_gamma(backend, a)
        value = _host.from_host(backend, x, alpha.dtype)
    if not alpha.requires_grad:
        return value
    grad = _host.from_host(backend, _host.standard_gamma_grad(a, x), alpha.dtype)
    return value + (alpha - alpha.detach()) * grad


def _dirichlet(backend: Any, concentration: Any) -> Any:
    """Dirichlet draws (normalized gamma draws) whose gradient in ``concentration`` is torch's:
    ``d * (g - sum(x g))`` with ``d = _dirichlet_grad(x, alpha, total)``."""
    a = _host.host(backend, concentration)
    gammas = _host.standard_gamma(backend, a)
    tiny = float(backend.finfo(concentration.dtype).tiny)
    total = gammas.sum(-1, keepdims=True)
    x = (gammas / total).clip(tiny, 1 - float(backend.finfo(concentration.dtype).eps) / 2)
    with backend.no_grad():
        value = _host.from_host(backend, x, concentration.dtype)
    if not concentration.requires_grad:
        return value
    d = _host.dirichlet_grad(x, a, a.sum(-1, keepdims=True))
    d = _host.from_host(backend, d, concentration.dtype)
    delta = (concentration - concentration.detach()) * d
    return value + delta - value * delta.sum(-1, keepdim=True)


def _ensure_tensor(dist: Distribution, value: Any, like: Any) -> Any:
    return dist._as_value(value, like)


class Gamma(Distribution):
    """The gamma distribution of shape ``concentration`` and rate ``rate`` (mean
    ``concentration / rate``)."""

    has_rsample = True
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self._backend, (self.concentration, self.rate) = broadcast_all(type(self),
                                                                       concentration, rate)
        super().__init__(tuple(self.concentration.shape), (), validate_args)

    @property
    def mean(self) -> Any:
        """``concentration / rate``."""
        return self.concentration / self.rate

    @property
    def mode(self) -> Any:
        """``(concentration - 1) / rate``, at least 0."""
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Any:
        """``concentration / rate**2``."""
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Any:
        """Marsaglia and Tsang's draws divided by ``rate``; the gradient in
        ``concentration`` is the implicit one (torch's ``_standard_gamma_grad``)."""
        shape = self._extended_shape(sample_shape)
        value = _standard_gamma(self._backend, self.concentration.expand(*shape)) \
            / self.rate.expand(*shape)
        tiny = self._backend.finfo(value.dtype).tiny
        return value + (value.detach().clamp(min=tiny) - value.detach())

    def log_prob(self, value: Any) -> Any:
        """``xlogy(c, rate) + xlogy(c - 1, value) - rate value - lgamma(c)``."""
        B = self._backend
        value = _ensure_tensor(self, value, self.rate)
        return (B.xlogy(self.concentration, self.rate) + B.xlogy(self.concentration - 1, value)
                - self.rate * value - B.lgamma(self.concentration))

    def entropy(self) -> Any:
        """``c - log(rate) + lgamma(c) + (1 - c) digamma(c)``."""
        B = self._backend
        c = self.concentration
        return c - self.rate.log() + B.lgamma(c) + (1.0 - c) * B.digamma(c)


class Chi2(Gamma):
    """The chi-squared distribution with ``df`` degrees of freedom: ``Gamma(df / 2, 1 / 2)``."""

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df: Any, validate_args: bool | None = None) -> None:
        backend, (df,) = broadcast_all(type(self), df)
        super().__init__(0.5 * df, backend.full_like(df, 0.5), validate_args)

    @property
    def df(self) -> Any:
        """The degrees of freedom, ``2 concentration``."""
        return self.concentration * 2

    def _expand_params(self) -> list[tuple[str, int]]:
        return [("concentration", 0), ("rate", 0)]


class Dirichlet(Distribution):
    """The Dirichlet distribution over the simplex of the last dim of ``concentration``."""

    has_rsample = True
    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex

    def __init__(self, concentration: Any, validate_args: bool | None = None) -> None:
        if not _is_tensor(concentration) or concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self._backend, (self.concentration,) = broadcast_all(type(self), concentration)
        shape = tuple(concentration.shape)
        super().__init__(shape[:-1], shape[-1:], validate_args)

    @property
    def mean(self) -> Any:
        """``concentration / sum(concentration)``."""
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Any:
        """``(c - 1)+ / sum((c - 1)+)``; where every ``c < 1``, the one-hot of the largest."""
        B = self._backend
        cm1 = (self.concentration - 1).clamp(min=0.0)
        mode = cm1 / cm1.sum(-1, keepdim=True)
        all_small = (self.concentration < 1).all(-1, keepdim=True)
        hot = B.nn.functional.one_hot(mode.argmax(-1), cm1.shape[-1]).to(mode.dtype)
        return B.where(all_small, hot, mode)

    @property
    def variance(self) -> Any:
        """``c (c0 - c) / (c0**2 (c0 + 1))``, ``c0 = sum(c)``."""
        c0 = self.concentration.sum(-1, keepdim=True)
        return self.concentration * (c0 - self.concentration) / (c0.pow(2) * (c0 + 1))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Any:
        """Normalized gamma draws; the gradient is torch's implicit one
        (``_dirichlet_grad``)."""
        shape = self._extended_shape(sample_shape)
        return _dirichlet(self._backend, self.concentration.expand(*shape))

    def log_prob(self, value: Any) -> Any:
        """``sum(xlogy(c - 1, value)) + lgamma(sum(c)) - sum(lgamma(c))``."""
        B = self._backend
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return (B.xlogy(c - 1.0, value).sum(-1) + B.lgamma(c.sum(-1))
                - B.lgamma(c).sum(-1))

    def entropy(self) -> Any:
        """``sum(lgamma(c)) - lgamma(c0) - (k - c0) digamma(c0) - sum((c - 1) digamma(c))``."""
        B = self._backend
        c = self.concentration
        k = c.shape[-1]
        c0 = c.sum(-1)
        return (B.lgamma(c).sum(-1) - B.lgamma(c0) - (k - c0) * B.digamma(c0)
                - ((c - 1.0) * B.digamma(c)).sum(-1))


class Beta(Distribution):
    """The beta distribution on [0, 1] with concentrations ``concentration1`` (alpha) and
    ``concentration0`` (beta); a two-class `Dirichlet` underneath, as torch."""

    has_rsample = True
    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval

    def __init__(self, concentration1: Any, concentration0: Any,
                 validate_args: bool | None = None) -> None:
        backend, (c1, c0) = broadcast_all(type(self), concentration1, concentration0)
        self._backend = backend
        self._dirichlet = Dirichlet(backend.stack([c1, c0], -1), validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, (), validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> Beta:
        """A new Beta with the concentrations expanded to ``batch_shape``."""
        new = super().expand(batch_shape)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        return new

    @property
    def concentration1(self) -> Any:
        """alpha."""
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> Any:
        """beta."""
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self) -> Any:
        """``alpha / (alpha + beta)``."""
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Any:
        """The Dirichlet's mode, first class."""
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Any:
        """``alpha beta / ((alpha + beta)**2 (alpha + beta + 1))``."""
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: Sequence[int] = ()) -> Any:
        """The first class of the Dirichlet's reparameterized draws."""
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def log_prob(self, value: Any) -> Any:
        """The Dirichlet's log-density at ``(value, 1 - value)``."""
        value = _ensure_tensor(self, value, self.concentration1)
        return self._dirichlet.log_prob(self._backend.stack([value, 1.0 - value], -1))

    def entropy(self) -> Any:
        """The Dirichlet's entropy."""
        return self._dirichlet.entropy()


class StudentT(Distribution):
    """Student's t distribution with ``df`` degrees of freedom, location ``loc`` and scale
    ``scale``."""

    has_rsample = True
    arg_constraints = {"df": constraints.positive, "loc": constraints.real,
                       "scale": constraints.positive}
    support = constraints.real

    def __init__(self, df: Any, loc: Any = 0.0, scale: Any = 1.0,
                 validate_args: bool | None = None) -> None:
        self._backend, (self.df, self.loc, self.scale) = broadcast_all(type(self), df, loc,
                                                                       scale)
        self._chi2 = Chi2(self.df, validate_args=False)
        super().__init__(tuple(self.df.shape), (), validate_args)

    def expand(self, batch_shape: Sequence[int], _instance: Any = None) -> StudentT:
        """A new StudentT with the parameters expanded to ``batch_shape``."""
        new = super().expand(batch_shape)
        new._chi2 = self._chi2.expand(batch_shape)
        return new

    @property
    def mean(self) -> Any:
        """``loc`` (NaN where ``df <= 1``)."""
        B = self._backend
        return B.where(self.df <= 1, B.full_like(self.loc, math.nan), self.loc)

    @property
    def mode(self) -> Any:
        """``loc``."""
        return self.loc

    @property
    def variance(self) -> Any:
        """``scale**2 df / (df - 2)`` for ``df > 2``, inf for ``1 < df <= 2``, NaN below."""
        B = self._backend
        df = self.df
        safe = B.where(df > 2, df, B.full_like(df, 3.0))
        var = self.scale.pow(2) * safe / (safe - 2)
        var = B.where(df > 2, var, B.full_like(var, math.inf))
        return B.where(df <= 1, B.full_like(var, math.nan), var)

    def rsample(self, sample_shape: Sequence[int] = ()) -> Any:
        """``loc + scale X / sqrt(Z / df)``, ``X`` standard normal, ``Z`` a chi-squared
        draw (reparameterized)."""
        shape = self._extended_shape(sample_shape)
        x = self._backend.randn(shape, dtype=self.df.dtype)
        z = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * (x * (z / self.df).rsqrt())

    def log_prob(self, value: Any) -> Any:
        """torch's ``-(df + 1)/2 log1p(y**2 / df) - Z`` with ``y = (value - loc) / scale``."""
        B = self._backend
        value = _ensure_tensor(self, value, self.loc)
        y = (value - self.loc) / self.scale
        z = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi)
             + B.lgamma(0.5 * self.df) - B.lgamma(0.5 * (self.df + 1.0)))
        return -0.5 * (self.df + 1.0) * (y ** 2.0 / self.df).log1p() - z

    def entropy(self) -> Any:
        """torch's closed form (digamma and lgamma of ``df / 2`` and ``(df + 1) / 2``)."""
        B = self._backend
        df = self.df
        lbeta = B.lgamma(0.5 * df) + math.lgamma(0.5) - B.lgamma(0.5 * (df + 1))
        return (self.scale.log() + 0.5 * (df + 1) * (B.digamma(0.5 * (df + 1))
                                                     - B.digamma(0.5 * df))
                + 0.5 * df.log() + lbeta)
