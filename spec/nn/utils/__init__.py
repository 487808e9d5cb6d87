"""Utilities for training, as ``torch.nn.utils``: gradient clipping (`clip_grad_norm_`,
`clip_grad_value_`, and torch's two halves of the first, `get_total_norm` and
`clip_grads_with_norm_`), and a model's parameters as one vector (`parameters_to_vector`,
`vector_to_parameters`); variable-length sequences in `rnn` (`pad_sequence`,
`pack_padded_sequence`, `PackedSequence`...); reparameterized weights (`weight_norm`,
`spectral_norm`), and their successors: `parametrize` (``register_parametrization``) and
`parametrizations` (``weight_norm``, ``spectral_norm``)."""

from __future__ import annotations

from . import clip_grad, convert, parametrizations, parametrize, reparameterize, rnn
from .clip_grad import (
    clip_grad_norm,
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
)
from .convert import parameters_to_vector, vector_to_parameters
from .reparameterize import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm

__all__ = ["clip_grad", "clip_grad_norm", "clip_grad_norm_", "clip_grad_value_",
           "clip_grads_with_norm_", "convert", "get_total_norm", "parameters_to_vector",
           "parametrizations", "parametrize",
           "remove_spectral_norm", "remove_weight_norm", "reparameterize", "rnn",
           "spectral_norm", "vector_to_parameters", "weight_norm"]
