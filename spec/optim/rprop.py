"""Resilient backpropagation (``torch.optim.Rprop``)."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ._functional import advance_step, check_unsupported, new_step
from .optimizer import Optimizer, non_negative

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop (Riedmiller and Braun), as ``torch.optim.Rprop``: every weight has its own step
    size, which grows by ``etaplus`` while its gradient keeps its sign and shrinks by
    ``etaminus`` when the sign flips (within ``step_sizes = (min, max)``); the weight moves by
    its step size against the gradient's sign only:

        g = -grad (maximize) or grad;   c = g * prev
        step_size = clamp(step_size * (etaplus if c > 0, etaminus if c < 0, 1 if c == 0))
        g = 0 where c < 0;   p = p - sign(g) * step_size;   prev = g

    The state is torch's: ``step``, ``prev`` and ``step_size`` (starting at ``lr``).
    ``foreach`` and ``capturable`` select torch's kernels: accepted, kept and ignored.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def _check(self, group: Mapping[str, Any]) -> None:
        non_negative("lr", group["lr"])
        etas, sizes = group["etas"], group["step_sizes"]
        if len(etas) != 2:
            raise ValueError(f"etas must be a pair (etaminus, etaplus), got {etas!r}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]} (need 0 < etaminus < 1 "
                             "< etaplus)")
        if len(sizes) != 2:
            raise ValueError(f"step_sizes must be a pair (min, max), got {sizes!r}")
        check_unsupported(group)

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: Mapping[str, Any]) -> None:
        backend = self._backend
        etaminus, etaplus = group["etas"]
        lowest, highest = group["step_sizes"]
        if not state:
            state["step"] = new_step(backend)
            state["prev"] = backend.zeros_like(p)
            state["step_size"] = backend.full_like(grad, float(group["lr"]))
        advance_step(backend, state)
        if group["maximize"]:
            grad = -grad
        prev, step_size = state["prev"], state["step_size"]
        agree = grad * prev
        factor = agree.sign()  # NaN stays NaN, as in torch
        factor = backend.where(agree > 0, etaplus, factor)
        factor = backend.where(agree < 0, etaminus, factor)
        factor = backend.where(agree == 0, 1.0, factor)
        step_size.mul_(factor)
        step_size.copy_(step_size.clamp(lowest, highest))
        grad = backend.where(agree < 0, 0.0, grad)  # a flipped sign: no move this step
        p.sub_(grad.sign() * step_size)
        prev.copy_(grad)
