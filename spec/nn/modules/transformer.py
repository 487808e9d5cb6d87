"""Transformer encoders, as ``torch.nn``: `TransformerEncoderLayer` (self-attention and a
feed-forward block, each with a residual connection, layer norm and dropout) and
`TransformerEncoder` (a stack of copies of one layer, with an optional final norm).

Built from gradspec.nn's own layers, so the submodules, ``state_dict`` keys and printed form
are torch's and a torch ``state_dict`` loads.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from .. import functional as F
from .activation import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

__all__ = ["TransformerEncoder", "TransformerEncoderLayer"]

_ACTIVATIONS: dict[str, Callable[[Any], Any]] = {"relu": F.relu, "gelu": F.gelu}


class TransformerEncoderLayer(Module):
    """``x = norm1(x + dropout1(self_attn(x)))``, then ``x = norm2(x + dropout2(linear2(
    dropout(activation(linear1(x))))))``; with ``norm_first=True`` each block normalises its
    input instead (``x = x + block(norm(x))``).  ``activation`` is ``"relu"``, ``"gelu"`` or a
    callable (a module is registered as a submodule, as in torch)."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Any = "relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device: Any = None, dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__()
        b = self._parameter_backend(backend)
        opts = {"device": device, "dtype": dtype, "backend": b}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **opts)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **opts)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **opts)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **opts)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **opts)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise RuntimeError(f"activation should be relu/gelu, not {activation}")
            activation = _ACTIVATIONS[activation]
        self.activation = activation

    def forward(self, src: Any, src_mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool = False) -> Any:
        """The encoded sequence, shaped as ``src`` ((S, N, E), (N, S, E) with
        ``batch_first``, or (S, E))."""
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x: Any, attn_mask: Any, key_padding_mask: Any, is_causal: bool) -> Any:
        out = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                             need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(out)

    def _ff_block(self, x: Any) -> Any:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` (deep copies: each has its own parameters,
    starting equal), applied in turn, then ``norm`` when given.  ``enable_nested_tensor`` and
    ``mask_check`` are accepted for torch's signature (nested tensors are an optimisation)."""

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src: Any, mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool | None = None) -> Any:
        """``src`` through every layer (with the same masks), then the final norm."""
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return self.norm(x) if self.norm is not None else x
