"""Adamax (``torch.optim.Adamax``): Adam with the infinity norm."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ._betas import check_betas
from ._functional import (addcdiv_, advance_step, check_unsupported, decayed_gradient, lerp_,
    new_step)
from .optimizer import Optimizer, non_negative

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (Kingma and Ba), as ``torch.optim.Adamax``:

        g = -grad (maximize) or grad;  t = t + 1;   g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g;   u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1**t) * m / u

    The state is torch's: ``step``, ``exp_avg``, ``exp_inf``.
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _check(self, group: Mapping[str, Any]) -> None:
        for name in ("lr", "eps", "weight_decay"):
            non_negative(name, group[name])
        check_betas(group["betas"])
        check_unsupported(group)

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: Mapping[str, Any]) -> None:
        backend = self._backend
        beta1, beta2 = group["betas"]
        if "exp_avg" not in state:
            state["step"] = new_step(backend)
            state["exp_avg"] = backend.zeros_like(p)
            state["exp_inf"] = backend.zeros_like(p)
        step = advance_step(backend, state)
        grad = decayed_gradient(p, grad, group)
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        lerp_(exp_avg, grad, 1 - beta1)
        exp_inf.mul_(beta2)
        exp_inf.copy_(backend.maximum(exp_inf, grad.abs() + group["eps"]))
        addcdiv_(p, exp_avg, exp_inf, -(group["lr"] / (1 - beta1 ** step)))
