"""What the optimizers share: the step counter torch keeps in their state, torch's fused in-place
updates spelled with protocol ops, and the checks of their arguments.

torch's kernels compute ``addcmul_(a, b, value=v)`` as ``self + (v * a) * b``, ``addcdiv_`` as
``self + (v * a) / b`` and ``lerp_`` with its two formulas; writing them the same way keeps our
trajectories on torch's to the last few bits in float64 (torch's CPU kernels may fuse a multiply
and an add, which no array-API call does, so bit-for-bit is not the aim).
"""

from __future__ import annotations

import inspect
from typing import Any, Mapping

__all__ = ["addcdiv_", "addcmul_", "advance_step", "check_unsupported", "decayed_gradient",
           "lerp_", "new_step", "sub_scaled_"]


def _step_dtype(backend: Any) -> Any:
    """torch's dtype for step counters: float64 under a float64 default dtype, else float32."""
    return backend.float64 if backend.get_default_dtype() == backend.float64 else backend.float32


def new_step(backend: Any) -> Any:
    """A fresh step counter: a 0-d tensor holding 0 (float32, or float64 under a float64
    default dtype), as torch keeps ``state["step"]``."""
    return backend.tensor(0.0, dtype=_step_dtype(backend))


def advance_step(backend: Any, state: dict[str, Any]) -> float:
    """Add one to ``state["step"]`` (created at 0 if missing; a plain number, as older
    checkpoints hold, becomes a tensor) and return the new count as a Python float."""
    step = state.get("step")
    if step is None:
        step = state["step"] = new_step(backend)
    elif not hasattr(step, "add_"):
        step = state["step"] = backend.tensor(float(step), dtype=_step_dtype(backend))
    step.add_(1)
    return float(step.item())


def decayed_gradient(p: Any, grad: Any, group: Mapping[str, Any]) -> Any:
    """The gradient an update uses, in torch's order: negated under ``maximize``; then, with
    ``weight_decay``, either ``p`` shrunk in place by ``1 - lr * weight_decay``
    (``decoupled_weight_decay``) or ``weight_decay * p`` added to the gradient (L2)."""
    if group["maximize"]:
        grad = -grad
    weight_decay = group["weight_decay"]
    if weight_decay:
        if group.get("decoupled_weight_decay"):
            p.mul_(1 - group["lr"] * weight_decay)
        else:
            grad = grad + p * weight_decay
    return grad


def lerp_(t: Any, end: Any, weight: float) -> Any:
    """``t += weight * (end - t)`` in place, with torch's two formulas (exact at both ends)."""
    if abs(weight) < 0.5:
        return t.add_((end - t) * weight)
    return t.copy_(end - (end - t) * (1 - weight))


def addcmul_(t: Any, a: Any, b: Any, value: float = 1.0) -> Any:
    """``t += value * a * b`` in place (torch's ``Tensor.addcmul_``)."""
    return t.add_(a * value * b if value != 1 else a * b)


def addcdiv_(t: Any, a: Any, b: Any, value: float = 1.0) -> Any:
    """``t += value * a / b`` in place (torch's ``Tensor.addcdiv_``)."""
    return t.add_(a * value / b if value != 1 else a / b)


def sub_scaled_(t: Any, a: Any, scale: Any) -> Any:
    """``t -= scale * a`` in place: ``t.add_(a, alpha=-scale)`` on a tensor type whose ``add_``
    takes torch's ``alpha`` (one fused update where the backend has one), ``t.sub_(a * scale)``
    on the protocol's plain ``add_``.  Both give the same bits: ``-scale * a`` is exactly the
    negation of ``a * scale``."""
    kind = type(t)
    takes = _ALPHA.get(kind)
    if takes is None:
        takes = _ALPHA[kind] = _takes_alpha(kind)
    if takes:
        return t.add_(a, alpha=-scale)
    return t.sub_(a * scale)


_ALPHA: dict[type, bool] = {}  # tensor type -> whether its add_ takes alpha


def _takes_alpha(kind: type) -> bool:
    """Whether ``kind.add_`` declares an ``alpha`` parameter (or ``**kwargs``); a method
    without a readable signature (a C builtin) counts as not."""
    method = getattr(kind, "add_", None)
    if method is None:
        return False
    try:
        params = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "alpha" or p.kind is p.VAR_KEYWORD for p in params)


def check_unsupported(group: Mapping[str, Any]) -> None:
    """Refuse torch options that would change what a step means.  ``foreach``, ``fused`` and
    ``capturable`` only pick torch's kernels (the same algorithm), so they are kept and ignored;
    ``differentiable=True`` asks for a step autograd can see through, which ours is not."""
    if group.get("differentiable"):
        raise ValueError(
            "differentiable=True is not supported: gradspec's optimizers update parameters in "
            "place under no_grad; leave it False"
        )


_FOREACH: dict[type, Any] = {}  # tensor type -> its backend's _foreach_add_, or None


def foreach_add(t: Any) -> Any:
    """The ``_foreach_add_`` of ``t``'s backend (torch's list-at-once in-place add), or None
    where the backend has none (found by feature, remembered per tensor type)."""
    kind = type(t)
    try:
        return _FOREACH[kind]
    except KeyError:
        from ..plugins import backend_of

        found = _FOREACH[kind] = getattr(backend_of(t), "_foreach_add_", None)
        return found
