"""RAdam (``torch.optim.RAdam``): Adam with its adaptive step rectified while the variance
estimate is unreliable."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ._betas import check_betas
from ._functional import (addcmul_, advance_step, check_unsupported, decayed_gradient, lerp_,
    new_step)
from .optimizer import Optimizer, non_negative

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam (Liu et al.), as ``torch.optim.RAdam``:

        g = -grad (maximize) or grad;  t = t + 1
        p = p * (1 - lr * weight_decay)  (decoupled_weight_decay)  or  g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        rho_inf = 2 / (1 - beta2) - 1;   rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
        rho_t > 5: p = p - lr m_hat sqrt(1 - beta2**t) / (sqrt(v) + eps) * r_t, with
                   r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
        else:      p = p - lr m_hat

    The state is torch's: ``step``, ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      differentiable=differentiable))

    def _check(self, group: Mapping[str, Any]) -> None:
        for name in ("lr", "eps", "weight_decay"):
            non_negative(name, group[name])
        check_betas(group["betas"])
        check_unsupported(group)

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: Mapping[str, Any]) -> None:
        backend = self._backend
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        if "exp_avg" not in state:
            state["step"] = new_step(backend)
            state["exp_avg"] = backend.zeros_like(p)
            state["exp_avg_sq"] = backend.zeros_like(p)
        step = advance_step(backend, state)
        grad = decayed_gradient(p, grad, group)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        lerp_(exp_avg, grad, 1 - beta1)
        exp_avg_sq.mul_(beta2)
        addcmul_(exp_avg_sq, grad, grad, 1 - beta2)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        corrected = exp_avg / bias_correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            adaptive = (bias_correction2 ** 0.5) / (exp_avg_sq.sqrt() + group["eps"])
            p.sub_(corrected * lr * adaptive * rect)
        else:
            p.sub_(corrected * lr)
