"""``kl_divergence(p, q)``: KL(p || q) in closed form for pairs of one family (`Normal`,
`Uniform`, `Categorical`, `Bernoulli`, and `Independent` of a pair that has one), with torch's
formulas; `register_kl` adds a pair."""

from __future__ import annotations

import math
from typing import Any, Callable

from .. import nn
from .continuous import Normal, Uniform
from .discrete import Bernoulli, Categorical
from .distribution import Distribution
from .independent import Independent

__all__ = ["kl_divergence", "register_kl"]

_KL: dict[tuple[type, type], Callable[[Any, Any], Any]] = {}


def register_kl(type_p: type, type_q: type) -> Callable[[Callable], Callable]:
    """Decorator: ``fn(p, q)`` computes KL(p || q) for ``p`` of ``type_p`` and ``q`` of
    ``type_q`` (subclasses included; the most specific registered pair wins)."""
    def decorate(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        _KL[(type_p, type_q)] = fn
        return fn

    return decorate


def _lookup(type_p: type, type_q: type) -> Callable[[Any, Any], Any] | None:
    best, rank = None, None
    for (p, q), fn in _KL.items():
        if issubclass(type_p, p) and issubclass(type_q, q):
            here = (type_p.__mro__.index(p), type_q.__mro__.index(q))
            if rank is None or here < rank:
                best, rank = fn, here
    return best


def kl_divergence(p: Distribution, q: Distribution) -> Any:
    """KL(p || q) for each distribution of the batch."""
    fn = _lookup(type(p), type(q))
    if fn is None:
        raise NotImplementedError(f"No KL(p || q) is implemented for p of type "
                                  f"{type(p).__name__} and q of type {type(q).__name__}")
    return fn(p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Any:
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Any:
    result = ((q.high - q.low) / (p.high - p.low)).log()
    outside = (q.low > p.low) | (q.high < p.high)
    return p._backend.where(outside, p._backend.full_like(result, math.inf), result)


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Any:
    B = p._backend
    t = p.probs * (p.logits - q.logits)
    t = B.where((q.probs == 0).expand_as(t), B.full_like(t, math.inf), t)
    t = B.where((p.probs == 0).expand_as(t), B.zeros_like(t), t)
    return t.sum(-1)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Any:
    B = p._backend
    softplus = nn.functional.softplus
    t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    t1 = B.where(q.probs == 0, B.full_like(t1, math.inf), t1)
    t1 = B.where(p.probs == 0, B.zeros_like(t1), t1)
    t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    t2 = B.where(q.probs == 1, B.full_like(t2, math.inf), t2)
    t2 = B.where(p.probs == 1, B.zeros_like(t2), t2)
    return t1 + t2


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> Any:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError("KL between Independent distributions with different "
                                  "reinterpreted_batch_ndims is not implemented")
    return p._sum(kl_divergence(p.base_dist, q.base_dist))
