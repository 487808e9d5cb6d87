"""Adadelta (``torch.optim.Adadelta``)."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ._functional import (addcmul_, advance_step, check_unsupported, decayed_gradient, new_step,
    sub_scaled_)
from .optimizer import Optimizer, non_negative

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler), as ``torch.optim.Adadelta``:

        g = -grad (maximize) or grad;   g = g + weight_decay * p
        v = rho * v + (1 - rho) * g * g
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        p = p - lr * delta

    The state is torch's: ``step``, ``square_avg``, ``acc_delta``.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, capturable=capturable,
                                      foreach=foreach, differentiable=differentiable))

    def _check(self, group: Mapping[str, Any]) -> None:
        for name in ("lr", "eps", "weight_decay"):
            non_negative(name, group[name])
        if not 0.0 <= group["rho"] <= 1.0:
            raise ValueError(f"invalid rho value: {group['rho']} (must be in [0, 1])")
        check_unsupported(group)

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: Mapping[str, Any]) -> None:
        backend = self._backend
        rho, eps = group["rho"], group["eps"]
        if "square_avg" not in state:
            state["step"] = new_step(backend)
            state["square_avg"] = backend.zeros_like(p)
            state["acc_delta"] = backend.zeros_like(p)
        advance_step(backend, state)
        grad = decayed_gradient(p, grad, group)
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg.mul_(rho)
        addcmul_(square_avg, grad, grad, 1 - rho)
        std = (square_avg + eps).sqrt()
        delta = (acc_delta + eps).sqrt() / std * grad
        acc_delta.mul_(rho)
        addcmul_(acc_delta, delta, delta, 1 - rho)
        sub_scaled_(p, delta, group["lr"])
