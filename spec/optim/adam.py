"""Adam (``torch.optim.Adam``); `AdamW` is this update with decoupled weight decay."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ._betas import check_betas
from ._functional import (addcdiv_, addcmul_, advance_step, check_unsupported, decayed_gradient,
    lerp_, new_step)
from .optimizer import Optimizer, non_negative

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam (Kingma and Ba), with optional weight decay (L2 or decoupled) and AMSGrad, as
    ``torch.optim.Adam``:

        g = -grad (maximize) or grad;  t = t + 1
        p = p * (1 - lr * weight_decay)   (decoupled_weight_decay)  or  g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g;   v = beta2 * v + (1 - beta2) * g * g
        (AMSGrad: v_max = max(v_max, v), used in place of v below)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    The state of a parameter is torch's: ``step`` (a float32 scalar tensor), ``exp_avg``,
    ``exp_avg_sq`` and, with AMSGrad, ``max_exp_avg_sq``.  ``foreach``, ``fused`` and
    ``capturable`` select torch's kernels, not the algorithm: accepted, kept in the groups so
    torch's state dicts load, and ignored.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=decoupled_weight_decay))

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
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = backend.zeros_like(p)
        step = advance_step(backend, state)
        grad = decayed_gradient(p, grad, group)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        lerp_(exp_avg, grad, 1 - beta1)
        exp_avg_sq.mul_(beta2)
        addcmul_(exp_avg_sq, grad, grad, 1 - beta2)
        step_size = lr / (1 - beta1 ** step)
        bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
        if group["amsgrad"]:
            second = state.get("max_exp_avg_sq")
            if second is None:  # AMSGrad switched on after the first steps
                second = state["max_exp_avg_sq"] = backend.zeros_like(p)
            second.copy_(backend.maximum(second, exp_avg_sq))
        else:
            second = exp_avg_sq
        denom = second.sqrt() / bias_correction2_sqrt + group["eps"]
        addcdiv_(p, exp_avg, denom, -step_size)
