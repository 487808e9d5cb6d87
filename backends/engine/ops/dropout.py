"""Dropout: each element zeroed with probability ``p`` in training, the rest scaled by
``1 / (1 - p)``; the mask is drawn from the backend's seeded generator (``manual_seed``)."""

from __future__ import annotations

from typing import Any

from ..apply import apply
from ..node import Node, register
from ..tensor import Tensor


@register("dropout")
class MulBackward0(Node):
    """``input * mask``, the mask holding 0 or ``1 / (1 - p)``.  PyTorch records dropout as
    this product, so its node has the product's name; the mask is a constant input, saved."""

    quiet = True
    saves = (1,)

    def forward(self, xp, x, mask):
        return x * mask

    def backward(self, F, g, x, mask):
        return g * mask, None


def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
    """Zero each element of ``input`` with probability ``p`` and scale the others by
    ``1 / (1 - p)`` when ``training`` (else return ``input`` itself), as
    torch.nn.functional.dropout; ``inplace`` writes the result into ``input``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout(): input must be a tensor, got {type(input).__name__}")
    if isinstance(p, bool) or not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    eng = type(input)._eng
    dtype = input._data.dtype
    if not eng.is_floating(dtype):
        raise RuntimeError(f"dropout(): result type Float can't be cast to the desired output "
                           f"type {eng.dtype_name(dtype)}; dropout needs a floating input")
    if inplace:
        return input._inplace(lambda t: dropout(t, p, True))
    xp = type(input)._xp
    if p == 1:
        mask = xp.zeros(input._data.shape, dtype=dtype)
    else:
        draws = eng.host.rng.uniform(tuple(input._data.shape), eng.dtype_name(dtype))
        mask = xp.astype(draws < 1 - p, dtype) * (1 / (1 - p))
        if mask.dtype != dtype:
            mask = xp.astype(mask, dtype)
    return apply(MulBackward0, (input, type(input)._wrap(mask)), type(input))
