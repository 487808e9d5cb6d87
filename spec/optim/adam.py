"""Adam (``torch.optim.Adam``)."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from .optimizer import Optimizer, non_negative

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam (Kingma and Ba), with optional L2 weight decay and AMSGrad, as ``torch.optim.Adam``:

        g = grad + weight_decay * p
        m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g * g
        (AMSGrad: v_max = max(v_max, v), used in place of v below)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad))

    def _check(self, group: Mapping[str, Any]) -> None:
        for name in ("lr", "eps", "weight_decay"):
            non_negative(name, group[name])
        betas = group["betas"]
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"invalid beta parameter at index {i}: {beta} (must be in [0, 1))")

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: Mapping[str, Any]) -> None:
        backend = self._backend
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = 0.0
            state["exp_avg"] = backend.zeros_like(p)
            state["exp_avg_sq"] = backend.zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = backend.zeros_like(p)
        state["step"] += 1
        step = state["step"]
        if group["weight_decay"]:
            grad = grad + p * group["weight_decay"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg.add_((grad - exp_avg) * (1 - beta1))  # torch's lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2)
        exp_avg_sq.add_(grad * grad * (1 - beta2))
        if group["amsgrad"]:
            second = backend.maximum(state["max_exp_avg_sq"], exp_avg_sq)
            state["max_exp_avg_sq"].copy_(second)
        else:
            second = exp_avg_sq
        step_size = group["lr"] / (1 - beta1 ** step)
        denom = second.sqrt() / (1 - beta2 ** step) ** 0.5 + group["eps"]
        p.sub_(exp_avg / denom * step_size)
