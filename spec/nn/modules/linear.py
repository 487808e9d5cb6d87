"""Affine layers."""

from __future__ import annotations

import math
from typing import Any

from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Bilinear", "Identity", "Linear", "NonDynamicallyQuantizableLinear"]


class Identity(Module):
    """Returns its input unchanged (its arguments are accepted and ignored, as in torch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        """``input`` itself."""
        return input


class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` of shape ``(out_features, in_features)``.

    Parameters are created on the backend the class was reached through (``torch.nn.Linear``
    of ``torch = gradspec.load_backend(...)``), else on ``backend=``, else on the default
    backend; ``dtype=`` and ``device=`` as in torch.  Initialised as torch does: weight by
    ``nn.init.kaiming_uniform_(a=sqrt(5))``, bias uniform in ``(-1/sqrt(in_features),
    1/sqrt(in_features))``, drawn from the backend's generator, so ``backend.manual_seed`` makes
    it repeatable (on the torch backend the numbers are ``torch.nn.Linear``'s own); load a
    ``state_dict`` to start from given values.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__()
        for label, n in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f"Linear: {label} must be a positive integer, got {n!r}")
        backend = self._parameter_backend(backend)
        self.in_features = in_features
        self.out_features = out_features
        bound = 1.0 / math.sqrt(in_features)
        where = {} if device is None else {"device": device}
        self.weight = init.kaiming_uniform_(
            Parameter(backend.zeros(out_features, in_features, dtype=dtype, **where)),
            a=math.sqrt(5))
        if bias:
            self.bias = init.uniform_(
                Parameter(backend.zeros(out_features, dtype=dtype, **where)), -bound, bound)
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """Draw new initial values as the constructor does (in place: the parameters stay the
        same objects)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Any) -> Any:
        """``input @ weight.T + bias``."""
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        """The sizes and whether there is a bias, as torch prints them."""
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class NonDynamicallyQuantizableLinear(Linear):
    """`Linear` under torch's name for ``MultiheadAttention.out_proj`` (so the printed model
    reads as torch's; quantization is not part of gradspec)."""


class Bilinear(Module):
    """``y = x1^T A x2 + b`` with ``weight`` (out_features, in1_features, in2_features) and
    ``bias`` (out_features), both drawn uniform in +-1/sqrt(in1_features), as torch's."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None, *,
                 backend: Any = None) -> None:
        super().__init__()
        for label, n in (("in1_features", in1_features), ("in2_features", in2_features),
                         ("out_features", out_features)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f"Bilinear: {label} must be a positive integer, got {n!r}")
        backend = self._parameter_backend(backend)
        where = {} if device is None else {"device": device}
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = Parameter(backend.zeros(out_features, in1_features, in2_features,
                                              dtype=dtype, **where))
        if bias:
            self.bias = Parameter(backend.zeros(out_features, dtype=dtype, **where))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Weight and bias uniform in ``(-1/sqrt(in1_features), 1/sqrt(in1_features))``."""
        bound = 1.0 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Any, input2: Any) -> Any:
        """``input1^T weight input2 + bias`` over the last dims."""
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        """The sizes and whether there is a bias, as torch prints them."""
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
