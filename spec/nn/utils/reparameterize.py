"""Reparameterized weights, as ``torch.nn.utils``: `weight_norm` (a weight as a direction ``v``
times a learned norm ``g``) and `spectral_norm` (a weight divided by its largest singular
value, estimated by power iteration), with `remove_weight_norm` / `remove_spectral_norm`.

Both work as torch's: the layer's parameter ``name`` is replaced by new ones (``name_g`` and
``name_v``; ``name_orig``, with buffers ``name_u`` and ``name_v``), and a forward pre-hook
recomputes ``name`` before each call, so the layer's own ``forward`` is unchanged and a torch
``state_dict`` of the same layer loads.
"""

from __future__ import annotations

import warnings
from typing import Any

from ...graph_names import shown_as
from ...plugins import backend_of
from ..parameter import Parameter

__all__ = ["remove_spectral_norm", "remove_weight_norm", "spectral_norm", "weight_norm"]


def _norm_except_dim(v: Any, dim: int | None) -> Any:
    """The 2-norm of ``v`` over every dimension but ``dim``, keeping ``dim`` (None or -1: over
    all, a 0-d result, as torch's legacy convention)."""
    if dim is None or dim == -1:
        return v.norm()
    dim = dim % v.dim()
    others = tuple(d for d in range(v.dim()) if d != dim)
    return v.pow(2).sum(others, keepdim=True).sqrt()


class _WeightNorm:
    """The forward pre-hook of `weight_norm`."""

    def __init__(self, name: str, dim: int | None) -> None:
        self.name, self.dim = name, dim

    def compute_weight(self, module: Any) -> Any:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return shown_as(v * (g / _norm_except_dim(v, self.dim)), "WeightNormInterfaceBackward0",
                        g, v)

    def __call__(self, module: Any, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: Any, name: str = "weight", dim: int | None = 0) -> Any:
    """Reparameterize ``module.<name>`` as ``g * v / |v|`` (the norm over every dimension but
    ``dim``; None: over all): parameters ``<name>_g`` and ``<name>_v`` replace it.  Returns
    ``module``.  (Deprecated in torch in favour of ``parametrizations.weight_norm``, with the
    same warning here.)"""
    warnings.warn("torch.nn.utils.weight_norm is deprecated in favor of "
                  "torch.nn.utils.parametrizations.weight_norm.", FutureWarning, stacklevel=2)
    hooks = module.__dict__.setdefault("_reparameterizations", {})
    if name in hooks:
        raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
    weight = getattr(module, name, None)
    if weight is None or name not in module._parameters:
        raise AttributeError(f"{type(module).__name__} has no parameter {name!r} to normalize")
    fn = _WeightNorm(name, dim)
    del module._parameters[name]
    module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight, dim).detach()))
    module.register_parameter(name + "_v", Parameter(weight.detach()))
    setattr(module, name, fn.compute_weight(module))
    hooks[name] = (fn, module.register_forward_pre_hook(fn))
    return module


def remove_weight_norm(module: Any, name: str = "weight") -> Any:
    """Undo `weight_norm`: ``module.<name>`` becomes a parameter again, holding the current
    ``g * v / |v|``."""
    found = module.__dict__.get("_reparameterizations", {}).get(name)
    if found is None or not isinstance(found[0], _WeightNorm):
        raise ValueError(f"weight_norm of '{name}' not found in {module}")
    fn, handle = found
    weight = fn.compute_weight(module).detach()
    handle.remove()
    del module._parameters[name + "_g"]
    del module._parameters[name + "_v"]
    module.__dict__.pop(name, None)
    module.register_parameter(name, Parameter(weight))
    del module._reparameterizations[name]
    return module


class _SpectralNorm:
    """The forward pre-hook of `spectral_norm`."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name, self.n_power_iterations, self.dim, self.eps = (name, n_power_iterations,
                                                                   dim, eps)

    def matrix(self, weight: Any) -> Any:
        """The weight as a matrix whose rows run along ``dim``."""
        if self.dim != 0:
            order = [self.dim] + [d for d in range(weight.dim()) if d != self.dim]
            weight = weight.permute(*order)
        return weight.reshape(weight.shape[0], -1)

    def _normalized(self, x: Any) -> Any:
        return x / x.norm().clamp_min(self.eps)

    def compute_weight(self, module: Any, do_power_iteration: bool) -> Any:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        mat = self.matrix(weight)
        if do_power_iteration:
            backend = backend_of(weight)
            with backend.no_grad():
                for _ in range(self.n_power_iterations):
                    v.copy_(self._normalized(mat.t().matmul(u)))
                    u.copy_(self._normalized(mat.matmul(v)))
            u, v = u.clone(), v.clone()
        sigma = u.dot(mat.matmul(v))
        return weight / sigma

    def __call__(self, module: Any, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, module.training))


def spectral_norm(module: Any, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Any:
    """Divide ``module.<name>`` by its spectral norm (largest singular value), estimated with
    ``n_power_iterations`` of power iteration per training call: parameter ``<name>_orig`` and
    buffers ``<name>_u``, ``<name>_v`` replace it (``dim``: the output dimension, 1 for
    transposed convolutions, else 0).  Returns ``module``."""
    hooks = module.__dict__.setdefault("_reparameterizations", {})
    if name in hooks:
        raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter "
                           f"{name}")
    if name not in module._parameters or module._parameters[name] is None:
        raise AttributeError(f"{type(module).__name__} has no parameter {name!r} to normalize")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    fn = _SpectralNorm(name, n_power_iterations, dim, eps)
    weight = module._parameters[name]
    backend = backend_of(weight)
    with backend.no_grad():
        mat = fn.matrix(weight)
        h, w = mat.shape
        u = fn._normalized(backend.zeros(h, dtype=weight.dtype).normal_(0, 1))
        v = fn._normalized(backend.zeros(w, dtype=weight.dtype).normal_(0, 1))
    del module._parameters[name]
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, weight.detach())
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    hooks[name] = (fn, module.register_forward_pre_hook(fn))
    return module


def remove_spectral_norm(module: Any, name: str = "weight") -> Any:
    """Undo `spectral_norm`: ``module.<name>`` becomes a parameter again, holding the current
    normalized weight."""
    found = module.__dict__.get("_reparameterizations", {}).get(name)
    if found is None or not isinstance(found[0], _SpectralNorm):
        raise ValueError(f"spectral_norm of '{name}' not found in {module}")
    fn, handle = found
    with backend_of(getattr(module, name + "_orig")).no_grad():
        weight = fn.compute_weight(module, do_power_iteration=False)
    handle.remove()
    del module._parameters[name + "_orig"]
    del module._buffers[name + "_u"]
    del module._buffers[name + "_v"]
    module.__dict__.pop(name, None)
    module.register_parameter(name, Parameter(weight.detach()))
    del module._reparameterizations[name]
    return module
