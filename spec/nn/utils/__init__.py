"""Utilities for training, as ``torch.nn.utils``: gradient clipping (`clip_grad_norm_`,
`clip_grad_value_`, and torch's two halves of the first, `get_total_norm` and
`clip_grads_with_norm_`), and a model's parameters as one vector (`parameters_to_vector`,
`vector_to_parameters`); variable-length sequences in `rnn` (`pad_sequence`,
`pack_padded_sequence`, `PackedSequence`...)."""

from __future__ import annotations

from . import clip_grad, convert, rnn
from .clip_grad import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)
from .convert import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad", "clip_grad_norm", "clip_grad_norm_", "clip_grad_value_",
           "clip_grads_with_norm_", "convert", "get_total_norm", "parameters_to_vector", "rnn",
           "vector_to_parameters"]
