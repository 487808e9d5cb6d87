"""Adafactor (``torch.optim.Adafactor``)."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ._functional import advance_step, lerp_, new_step, sub_scaled_
from .optimizer import Optimizer

__all__ = ["Adafactor"]

_EPS = {"float16": 2.0 ** -10, "bfloat16": 2.0 ** -7, "float32": 2.0 ** -23,
        "float64": 2.0 ** -52}


def _machine_eps(backend: Any, dtype: Any) -> float:
    """``torch.finfo(dtype).eps``, from the backend's ``finfo`` where it has one."""
    finfo = getattr(backend, "finfo", None)
    if finfo is not None:
        try:
            return float(finfo(dtype).eps)
        except (TypeError, ValueError, AttributeError):
            pass
    return _EPS[str(dtype).rsplit(".", 1)[-1]]


def _norm(t: Any, **kw: Any) -> Any:
    """The 2-norm (over ``dim`` with ``keepdim``, when given)."""
    if hasattr(t, "norm"):
        return t.norm(**kw) if kw else t.norm()
    square = (t * t).sum(kw.get("dim"), kw.get("keepdim", False)) if kw else (t * t).sum()
    return square.sqrt()


class Adafactor(Optimizer):
    """Adafactor (Shazeer and Stern), as ``torch.optim.Adafactor``: Adam's second moment
    kept factored (a row and a column mean over the last two dimensions) for tensors of two or
    more dimensions, no first moment, a relative step size and update clipping:

        g = -grad (maximize) or grad;   t = t + 1;   b = t ** beta2_decay
        rho = min(lr, 1 / sqrt(t));   alpha = max(eps2, RMS(p)) * rho
        p = p * (1 - lr * weight_decay)
        (dim > 1)  R = lerp(R, mean(g*g, -1), b);  C = lerp(C, mean(g*g, -2), b);
                   V = R @ C / max(mean(R, -2), eps1)
        (dim <= 1) V = lerp(V, g*g, b)
        u = g / sqrt(max(V, eps1**2));   p = p - alpha / max(1, RMS(u) / d) * u

    ``eps = (eps1, eps2)``; ``eps1=None`` is the machine epsilon of the parameters' dtype (the
    first parameter with a gradient in the group, as torch).  The state is torch's: ``step``
    and ``row_var`` / ``col_var`` (factored) or ``variance``.  ``foreach`` is accepted and
    ignored.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, *, foreach: bool | None = None,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=tuple(eps), d=d,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize))

    def _check(self, group: Mapping[str, Any]) -> None:
        lr, beta2_decay, eps, d = group["lr"], group["beta2_decay"], group["eps"], group["d"]
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if len(eps) != 2:
            raise ValueError(f"eps must be a pair (eps1 or None, eps2), got {eps!r}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= group["weight_decay"]:
            raise ValueError(f"weight_decay should be >= 0 but is: {group['weight_decay']}")

    def _update(self, p: Any, grad: Any, state: dict[str, Any], group: Mapping[str, Any]) -> None:
        backend = self._backend
        lr = float(group["lr"])
        eps1, eps2 = group["eps"]
        if eps1 is None:
            first = next(q for q in group["params"] if q.grad is not None)
            eps1 = _machine_eps(backend, first.dtype)
        if not state:
            state["step"] = new_step(backend)
            if grad.dim() > 1:
                shape = tuple(grad.shape)
                state["row_var"] = backend.zeros(*shape[:-1], 1, dtype=grad.dtype)
                state["col_var"] = backend.zeros(*shape[:-2], 1, shape[-1], dtype=grad.dtype)
            else:
                state["variance"] = backend.zeros_like(grad)
        if group["maximize"]:
            grad = -grad
        step = advance_step(backend, state)
        weight = step ** group["beta2_decay"]
        rho = min(lr, 1 / (step ** 0.5))
        alpha = max(eps2, float(_norm(p).item()) / (p.numel() ** 0.5)) * rho
        if group["weight_decay"] != 0:
            p.mul_(1 - lr * group["weight_decay"])
        if grad.dim() > 1:
            row_var, col_var = state["row_var"], state["col_var"]
            rows = _norm(grad, dim=-1, keepdim=True)  # mean of g*g over a row, as torch's
            lerp_(row_var, rows * rows / grad.shape[-1], weight)
            cols = _norm(grad, dim=-2, keepdim=True)
            lerp_(col_var, cols * cols / grad.shape[-2], weight)
            estimate = (row_var @ col_var) / row_var.mean(dim=-2, keepdim=True).clamp(min=eps1)
        else:
            lerp_(state["variance"], grad * grad, weight)
            estimate = state["variance"]
        clamped = estimate.clamp(min=eps1 * eps1)
        update = (clamped.rsqrt() if hasattr(clamped, "rsqrt") else 1 / clamped.sqrt()) * grad
        denom = max(1.0, float(_norm(update).item()) / ((update.numel() ** 0.5) * group["d"]))
        sub_scaled_(p, update, alpha / denom)
