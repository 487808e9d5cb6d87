"""NAdam (``torch.optim.NAdam``): Adam with Nesterov momentum."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ._betas import check_betas
from ._functional import (addcdiv_, addcmul_, advance_step, check_unsupported, decayed_gradient,
    lerp_, new_step)
from .optimizer import Optimizer, non_negative

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam (Dozat), as ``torch.optim.NAdam``, with its momentum schedule
    ``mu_t = beta1 * (1 - 0.96 ** (t * momentum_decay) / 2)``:

        g = -grad (maximize) or grad;  t = t + 1
        p = p * (1 - lr * weight_decay)  (decoupled_weight_decay)  or  g = g + weight_decay * p
        mu_product = mu_product * mu_t
        m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g * g
        denom = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr (1 - mu_t) / (1 - mu_product) g / denom
              - lr mu_{t+1} / (1 - mu_product mu_{t+1}) m / denom

    The state is torch's: ``step`` and ``mu_product`` (float32 scalar tensors, so the product
    rounds as torch's does), ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    def _check(self, group: Mapping[str, Any]) -> None:
        for name in ("lr", "eps", "weight_decay", "momentum_decay"):
            non_negative(name, group[name])
        check_betas(group["betas"])
        check_unsupported(group)

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: Mapping[str, Any]) -> None:
        backend = self._backend
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        if "exp_avg" not in state:
            state["step"] = new_step(backend)
            state["mu_product"] = backend.tensor(1.0, dtype=backend.float32)
            state["exp_avg"] = backend.zeros_like(p)
            state["exp_avg_sq"] = backend.zeros_like(p)
        step = advance_step(backend, state)
        grad = decayed_gradient(p, grad, group)
        decay = group["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * decay)))
        mu_product = state["mu_product"]
        mu_product.mul_(mu)
        product = float(mu_product.item())
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        lerp_(exp_avg, grad, 1 - beta1)
        exp_avg_sq.mul_(beta2)
        addcmul_(exp_avg_sq, grad, grad, 1 - beta2)
        denom = (exp_avg_sq / (1 - beta2 ** step)).sqrt() + group["eps"]
        addcdiv_(p, grad, denom, -lr * (1.0 - mu) / (1.0 - product))
        addcdiv_(p, exp_avg, denom, (-lr * mu_next) / (1.0 - product * mu_next))
