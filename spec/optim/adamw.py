"""AdamW (``torch.optim.AdamW``): Adam with decoupled weight decay."""

from __future__ import annotations

from typing import Any, Iterable

from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    """Adam with weight decay decoupled from the gradient (Loshchilov and Hutter), as
    ``torch.optim.AdamW``: each step first shrinks the parameter,
    ``p = p * (1 - lr * weight_decay)``, then applies Adam's update to the plain gradient (the
    decay never enters the moment estimates).  The default ``weight_decay`` is 1e-2, as torch's.

    The parameter groups carry ``decoupled_weight_decay=True`` (torch's layout: AdamW is Adam
    with that flag), and loading a state dict keeps it True.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)

    def load_state_dict(self, state_dict: Any) -> None:
        """As `Optimizer.load_state_dict`; the groups stay decoupled (an Adam state dict loads)."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
