"""Utilities for training, as ``torch.nn.utils``: gradient clipping (`clip_grad_norm_`,
`clip_grad_value_`, and torch's two halves of the first, `get_total_norm` and
`clip_grads_with_norm_`)."""

from __future__ import annotations

from . import clip_grad
from .clip_grad import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)

__all__ = ["clip_grad", "clip_grad_norm", "clip_grad_norm_", "clip_grad_value_",
           "clip_grads_with_norm_", "get_total_norm"]
