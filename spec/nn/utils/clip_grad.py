"""Gradient clipping, as ``torch.nn.utils``: by the total norm of all gradients, or by value.

Both work in place on the ``.grad`` of the given parameters, under the backend's ``no_grad()``,
and skip parameters without a gradient.  Norms are computed as torch computes them: the norm of
each gradient, then the norm of those norms (as if every gradient were one long vector).
"""

from __future__ import annotations

import math
import types
import warnings
from typing import Any

from ...plugins import backend_of, load_backend
from ..parameter import is_tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm"]


def _as_list(tensors: Any, *, warn_empty_generator: bool = False) -> list[Any]:
    if is_tensor(tensors):
        return [tensors]
    is_generator = isinstance(tensors, types.GeneratorType)
    tensors = list(tensors)
    if warn_empty_generator and is_generator and not tensors:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                      stacklevel=3)
    return tensors


def _vector_norm(t: Any, p: float) -> Any:
    """The p-norm of ``t``'s elements (torch's ``linalg.vector_norm`` orders: inf, -inf, 0 and
    any other p), written with protocol ops."""
    if p == math.inf:
        return t.abs().max()
    if p == -math.inf:
        return t.abs().min()
    if p == 0:
        return (t != 0).sum().to(t.dtype)
    if p == 1:
        return t.abs().sum()
    if p == 2:
        return (t * t).sum().sqrt()
    return (t.abs() ** p).sum() ** (1.0 / p)


def get_total_norm(tensors: Any, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Any:
    """The ``norm_type``-norm of ``tensors`` seen as one vector (a 0-dim tensor).  With no
    tensors it is ``tensor(0.)`` of the default backend, as torch returns ``tensor(0.)``.
    ``foreach`` picks torch's kernels only, and is ignored."""
    tensors = _as_list(tensors)
    p = float(norm_type)
    if not tensors:
        return load_backend().tensor(0.0)
    backend = backend_of(tensors[0])
    with backend.no_grad():
        norms = [_vector_norm(t, p) for t in tensors]
        if len({n.dtype for n in norms}) > 1:  # mixed precisions: stack in the widest, as torch
            norms = [n.double() for n in norms]
        total = _vector_norm(backend.stack(norms), p)
    if error_if_nonfinite and not math.isfinite(float(total)):
        raise RuntimeError(
            f"The total norm of order {p} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the non-finite "
            "norm anyway, set `error_if_nonfinite=False`"
        )
    return total


def clip_grads_with_norm_(parameters: Any, max_norm: float, total_norm: Any,
                          foreach: bool | None = None) -> None:
    """Scale every gradient by ``min(max_norm / (total_norm + 1e-6), 1)`` in place."""
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    backend = backend_of(grads[0])
    with backend.no_grad():
        coef = (float(max_norm) / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef)


def clip_grad_norm_(parameters: Any, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Any:
    """Scale the gradients of ``parameters`` (a tensor or an iterable of them) in place so that
    their total ``norm_type``-norm (``float("inf")``: the largest absolute value) is at most
    ``max_norm``, and return the total norm before clipping (a 0-dim tensor).

    A non-finite total norm raises ``RuntimeError`` with ``error_if_nonfinite=True``; otherwise
    the gradients are scaled by it as torch does (NaN in, NaN out).  ``foreach`` is ignored.
    """
    parameters = _as_list(parameters, warn_empty_generator=True)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total_norm)
    return total_norm


def clip_grad_norm(parameters: Any, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Any:
    """Deprecated alias of `clip_grad_norm_` (warns, as torch)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Any, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient of ``parameters`` to ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    with backend_of(grads[0]).no_grad():
        for g in grads:
            g.clamp_(min=-clip_value, max=clip_value)
