"""RMSprop (``torch.optim.RMSprop``)."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ._functional import addcdiv_, addcmul_, advance_step, check_unsupported, lerp_, new_step
from .optimizer import Optimizer, non_negative

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton), optionally centered (Graves) and with momentum, as
    ``torch.optim.RMSprop``:

        g = -grad (maximize) or grad;   g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        centered: m = alpha * m + (1 - alpha) * g;  avg = sqrt(v - m * m) + eps
        else:     avg = sqrt(v) + eps
        momentum > 0: buf = momentum * buf + g / avg;  p = p - lr * buf
        else:         p = p - lr * g / avg

    The state is torch's: ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0) and
    ``grad_avg`` (centered).  ``foreach`` and ``capturable`` are accepted and ignored.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, capturable: bool = False, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      capturable=capturable, foreach=foreach, maximize=maximize,
                                      differentiable=differentiable))

    def _check(self, group: Mapping[str, Any]) -> None:
        for name in ("lr", "eps", "momentum", "weight_decay", "alpha"):
            non_negative(name, group[name])
        check_unsupported(group)

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: Mapping[str, Any]) -> None:
        backend = self._backend
        alpha, momentum = group["alpha"], group["momentum"]
        if "square_avg" not in state:
            state["step"] = new_step(backend)
            state["square_avg"] = backend.zeros_like(p)
        # a group may gain momentum or centering after its first steps (a scheduler, a user)
        if momentum > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = backend.zeros_like(p)
        if group["centered"] and "grad_avg" not in state:
            state["grad_avg"] = backend.zeros_like(p)
        advance_step(backend, state)
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"]:
            grad = grad + p * group["weight_decay"]
        square_avg = state["square_avg"]
        square_avg.mul_(alpha)
        addcmul_(square_avg, grad, grad, 1 - alpha)
        if group["centered"]:
            grad_avg = lerp_(state["grad_avg"], grad, 1 - alpha)
            avg = (square_avg - grad_avg * grad_avg).sqrt()
        else:
            avg = square_avg.sqrt()
        avg = avg + group["eps"]
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf.mul_(momentum)
            addcdiv_(buf, grad, avg)
            p.sub_(buf * group["lr"])
        else:
            addcdiv_(p, grad, avg, -group["lr"])
