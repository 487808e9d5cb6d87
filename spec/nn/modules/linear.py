"""Affine layers."""

from __future__ import annotations

import math
from typing import Any

from .. import functional as F
from ..parameter import Parameter
from .module import Module

__all__ = ["Identity", "Linear"]


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` of shape ``(out_features, in_features)``.

    Initialised as torch does: weight and bias uniform in ``(-1/sqrt(in_features),
    1/sqrt(in_features))`` (what ``kaiming_uniform_(a=sqrt(5))`` reduces to), drawn with
    ``backend.rand``, so ``backend.manual_seed`` makes it repeatable.  The numbers differ from
    torch's own generator; load a ``state_dict`` to start from given values.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *,
                 backend: Any = None, dtype: Any = None) -> None:
        super().__init__()
        for label, n in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f"Linear: {label} must be a positive integer, got {n!r}")
        backend = self._parameter_backend(backend)
        self.in_features = in_features
        self.out_features = out_features
        bound = 1.0 / math.sqrt(in_features)
        self.weight = Parameter(_uniform(backend, (out_features, in_features), bound, dtype))
        if bias:
            self.bias = Parameter(_uniform(backend, (out_features,), bound, dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Any) -> Any:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


def _uniform(backend: Any, shape: tuple[int, ...], bound: float, dtype: Any) -> Any:
    """Samples of U(-bound, bound) as a leaf (no graph: nothing here requires grad)."""
    return backend.rand(*shape, dtype=dtype) * (2 * bound) - bound


class Identity(Module):
    """Returns its input unchanged (any constructor arguments are ignored, as in torch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input
