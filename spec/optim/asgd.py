"""Averaged stochastic gradient descent (``torch.optim.ASGD``)."""

from __future__ import annotations

import struct
from typing import Any, Iterable, Mapping

from ._functional import advance_step, check_unsupported, decayed_gradient, new_step, sub_scaled_
from .optimizer import Optimizer, non_negative

__all__ = ["ASGD"]


def _float32(x: float) -> float:
    """``x`` rounded to float32, as torch rounds a Python float it turns into a tensor."""
    return struct.unpack("f", struct.pack("f", x))[0]


class ASGD(Optimizer):
    """Averaged SGD (Polyak and Juditsky), as ``torch.optim.ASGD``:

        g = -grad (maximize) or grad;   g = g + weight_decay * p;   t = t + 1
        p = p * (1 - lambd * eta);   p = p - eta * g
        ax = p (while mu == 1)  or  ax + mu * (p - ax)
        eta = lr / (1 + lambd * lr * t) ** alpha;   mu = 1 / max(1, t - t0)

    ``ax`` is the running average of the parameters (averaging starts after ``t0`` steps).  The
    state is torch's: ``step``, ``eta`` and ``mu`` (float32 scalar tensors: torch rounds eta and
    mu to float32 every step, and so does this) and ``ax``.  ``foreach`` and ``capturable``
    select torch's kernels: accepted, kept in the groups and ignored.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _check(self, group: Mapping[str, Any]) -> None:
        for name in ("lr", "weight_decay"):
            non_negative(name, group[name])
        check_unsupported(group)

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: Mapping[str, Any]) -> None:
        backend = self._backend
        lr, lambd = float(group["lr"]), group["lambd"]
        if not state:
            state["step"] = new_step(backend)
            state["eta"] = backend.tensor(lr, dtype=backend.float32)
            state["mu"] = backend.ones((), dtype=backend.float32)
            state["ax"] = backend.zeros_like(p)
        step = advance_step(backend, state)
        grad = decayed_gradient(p, grad, group)
        eta = float(state["eta"].item())
        p.mul_(1 - lambd * eta)
        sub_scaled_(p, grad, eta)
        ax, mu = state["ax"], float(state["mu"].item())
        if mu != 1:
            ax.add_((p - ax) * mu)
        else:
            ax.copy_(p)
        state["eta"].fill_(_float32(lr / ((1 + lambd * lr * step) ** group["alpha"])))
        state["mu"].fill_(_float32(1 / max(1, step - group["t0"])))
