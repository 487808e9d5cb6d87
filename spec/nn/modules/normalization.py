"""Normalization layers: LayerNorm, GroupNorm, RMSNorm (BatchNorm lives in `.batchnorm`)."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..parameter import Parameter
from . import _draw
from .module import Module

__all__ = ["GroupNorm", "LayerNorm", "LocalResponseNorm", "RMSNorm"]


class LayerNorm(Module):
    """Normalization over the trailing dims ``normalized_shape``, then (with
    ``elementwise_affine``) ``* weight + bias``: weight ones, bias zeros, of that shape."""

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device: Any = None, dtype: Any = None, *,
                 backend: Any = None) -> None:
        super().__init__()
        self.normalized_shape, self.eps = F._normalized_shape(normalized_shape), eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            backend = self._parameter_backend(backend)
            factory = _draw.kw(dtype, device)
            self.weight = Parameter(backend.ones(*self.normalized_shape, **factory))
            if bias:
                self.bias = Parameter(backend.zeros(*self.normalized_shape, **factory))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Any) -> Any:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalization of each of ``num_groups`` groups of channels of (N, C, *), then (with
    ``affine``) the per-channel ``weight`` (ones) and, unless ``bias=False``, ``bias``
    (zeros)."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device: Any = None, dtype: Any = None, *, bias: bool = True,
                 backend: Any = None) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                     eps, affine)
        if affine:
            backend = self._parameter_backend(backend)
            self.weight = Parameter(backend.ones(num_channels, **_draw.kw(dtype, device)))
            if bias:
                self.bias = Parameter(backend.zeros(num_channels, **_draw.kw(dtype, device)))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: Any) -> Any:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """Root-mean-square normalization over the trailing dims ``normalized_shape``
    (``x / sqrt(mean(x**2) + eps)``; ``eps`` None: the dtype's machine epsilon), then (with
    ``elementwise_affine``) ``* weight``, ones of that shape."""

    def __init__(self, normalized_shape: Any, eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None, *,
                 backend: Any = None) -> None:
        super().__init__()
        self.normalized_shape, self.eps = F._normalized_shape(normalized_shape), eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            backend = self._parameter_backend(backend)
            self.weight = Parameter(backend.ones(*self.normalized_shape,
                                                 **_draw.kw(dtype, device)))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        """The weight back to ones."""
        if self.weight is not None:
            self.weight.data.fill_(1.0)

    def forward(self, x: Any) -> Any:
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """Normalization across neighbouring channels (`functional.local_response_norm`):
    ``x / (k + alpha * mean of the squares of size channels) ** beta``."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Any) -> Any:
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        """The size and constants, as torch prints them."""
        return "{size}, alpha={alpha}, beta={beta}, k={k}".format(**self.__dict__)
