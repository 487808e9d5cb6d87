"""Stochastic gradient descent (``torch.optim.SGD``)."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ._functional import check_unsupported, foreach_add, sub_scaled_
from .optimizer import Optimizer, non_negative

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum (heavy ball or Nesterov), dampening
    and weight decay, exactly as ``torch.optim.SGD``:

        g = -grad (maximize) or grad;   g = g + weight_decay * p
        buf = g (first step) or momentum * buf + (1 - dampening) * g
        g = g + momentum * buf (nesterov) or buf
        p = p - lr * g

    ``momentum_buffer`` is kept in the state only when ``momentum`` is non-zero, as torch does.
    ``foreach`` and ``fused`` select torch's kernels, not the algorithm: they are accepted (and
    kept in the parameter groups, so torch's state dicts load) and ignored.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _check(self, group: Mapping[str, Any]) -> None:
        for name in ("lr", "momentum", "weight_decay"):
            non_negative(name, group[name])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening")
        check_unsupported(group)

    def _step_group(self, group: Mapping[str, Any]) -> None:
        """A group without momentum, weight decay or ``maximize`` (plain SGD, the common case)
        is ``p -= lr * grad`` for each parameter: no state is made for it (torch keeps none
        either) and the step costs no per-parameter call of `_update` (unless a subclass
        overrides `_update`: then it is called for every parameter, as before).  Where the
        backend has torch's ``_foreach_add_``, the whole group is one call of it (as torch's
        ``foreach`` SGD), the same update in the same order of operations."""
        params = group["params"]
        if (group["momentum"] or group["weight_decay"] or group["maximize"]
                or type(self)._update is not SGD._update):
            state = self.state  # (Optimizer's loop written out: a call fewer per step)
            for p in params:
                grad = p.grad
                if grad is not None:
                    self._update(p, grad, state[p], group)
            return
        lr = group["lr"]
        if params:
            update = foreach_add(params[0])
            if update is not None:
                with_grads, grads = [], []
                for p in params:
                    grad = p.grad
                    if grad is not None:
                        with_grads.append(p)
                        grads.append(grad)
                if with_grads:  # (torch's refuses an empty list)
                    update(with_grads, grads, alpha=-lr)
                return
        for p in params:
            grad = p.grad
            if grad is not None:
                sub_scaled_(p, grad, lr)

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: Mapping[str, Any]) -> None:
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        if group["maximize"]:
            grad = -grad
        if weight_decay:
            grad = grad + p * weight_decay
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = grad.detach().clone()
                state["momentum_buffer"] = buf
            else:
                buf.mul_(momentum)
                buf.add_(grad if group["dampening"] == 0 else grad * (1 - group["dampening"]))
            grad = grad + buf * momentum if group["nesterov"] else buf
        sub_scaled_(p, grad, group["lr"])
