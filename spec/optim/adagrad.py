"""Adagrad (``torch.optim.Adagrad``)."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ._functional import addcdiv_, addcmul_, advance_step, check_unsupported, new_step
from .optimizer import Optimizer, non_negative

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.), with learning-rate decay, as ``torch.optim.Adagrad``:

        g = -grad (maximize) or grad;   g = g + weight_decay * p;   t = t + 1
        lr_t = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g                    (s starts at initial_accumulator_value)
        p = p - lr_t * g / (sqrt(s) + eps)

    As in torch, every parameter's state (``step`` at 0, ``sum`` filled with
    ``initial_accumulator_value``) exists from construction on, so a state dict saved before the
    first step already has it.  ``foreach`` and ``fused`` are accepted and ignored.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, fused=fused))
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, self.state.setdefault(p, {}), group)

    def _check(self, group: Mapping[str, Any]) -> None:
        for name in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            non_negative(name, group[name])
        check_unsupported(group)

    def _init_state(self, p: Any, state: dict[str, Any], group: Mapping[str, Any]) -> None:
        backend = self._backend
        state["step"] = new_step(backend)
        state["sum"] = backend.zeros_like(p).fill_(group["initial_accumulator_value"])

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: Mapping[str, Any]) -> None:
        if "sum" not in state:  # a group added after construction
            self._init_state(p, state, group)
        step = advance_step(self._backend, state)
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"]:
            grad = grad + p * group["weight_decay"]
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        state_sum = state["sum"]
        addcmul_(state_sum, grad, grad)
        addcdiv_(p, grad, state_sum.sqrt() + group["eps"], -clr)
