"""Transformers, as ``torch.nn``: `TransformerEncoderLayer` (self-attention and a feed-forward
block, each with a residual connection, layer norm and dropout), `TransformerDecoderLayer` (the
same with attention over the encoder's output between them), `TransformerEncoder` and
`TransformerDecoder` (stacks of copies of one layer, with an optional final norm) and
`Transformer` (an encoder and a decoder, each with a final norm).

Built from gradspec.nn's own layers, so the submodules, ``state_dict`` keys and printed form
are torch's and a torch ``state_dict`` loads.
"""

from __future__ import annotations

import copy
import math
import warnings
from typing import Any, Callable

from ...plugins import backend_of
from .. import functional as F
from .. import init
from .activation import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module, class_backend
from .normalization import LayerNorm

__all__ = ["Transformer", "TransformerDecoder", "TransformerDecoderLayer", "TransformerEncoder",
           "TransformerEncoderLayer"]

_ACTIVATIONS: dict[str, Callable[[Any], Any]] = {"relu": F.relu, "gelu": F.gelu}


def _activation(activation: Any) -> Any:
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise RuntimeError(f"activation should be relu/gelu, not {activation}")
        return _ACTIVATIONS[activation]
    return activation


class _Layer(Module):
    """What the encoder and decoder layers share: the feed-forward sublayers and the
    self-attention block."""

    def _add_feed_forward(self, d_model: int, dim_feedforward: int, dropout: float, bias: bool,
                          opts: dict) -> None:
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **opts)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **opts)

    def _feed_forward(self, x: Any) -> Any:
        return self.linear2(self.dropout(self.activation(self.linear1(x))))

    def _sa_block(self, x: Any, attn_mask: Any, key_padding_mask: Any, is_causal: bool) -> Any:
        out = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                             need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(out)


class TransformerEncoderLayer(_Layer):
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
        self._add_feed_forward(d_model, dim_feedforward, dropout, bias, opts)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **opts)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **opts)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(activation)

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

    def _ff_block(self, x: Any) -> Any:
        return self.dropout2(self._feed_forward(x))


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` (deep copies: each has its own parameters,
    starting equal), applied in turn, then ``norm`` when given.

    PyTorch's inference fast path is reproduced where it changes results: with
    ``enable_nested_tensor`` (the default) and a layer it accepts (batch_first, post-norm,
    ReLU or GELU, an even number of heads, ...), a call in eval mode without gradients and with
    a right-padded ``src_key_padding_mask`` (no ``mask``) returns exact zeros at the padded
    positions (before ``norm``), as PyTorch's nested tensors do; and, as PyTorch, constructing
    one with ``enable_nested_tensor`` and a layer it refuses warns why."""

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        reason = _why_no_fast_path(encoder_layer)
        if enable_nested_tensor and reason:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False "
                          f"because {reason}", UserWarning, stacklevel=2)
        self.use_nested_tensor = enable_nested_tensor and not reason

    def forward(self, src: Any, mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool | None = None) -> Any:
        """``src`` through every layer (with the same masks), then the final norm."""
        padded = self._padded_positions(src, mask, src_key_padding_mask)
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        if padded is not None:
            x = x.masked_fill(padded.unsqueeze(-1), 0.0)
        return self.norm(x) if self.norm is not None else x

    def _padded_positions(self, src: Any, mask: Any, key_padding_mask: Any) -> Any:
        """The positions PyTorch's fast path leaves at zero (a bool (N, S) tensor), or None
        when the call does not take it."""
        if not (getattr(self, "use_nested_tensor", False) and key_padding_mask is not None
                and mask is None and src.dim() == 3 and self.layers
                and not self.layers[0].training):
            return None
        backend = backend_of(src)
        if backend.is_grad_enabled() and (src.requires_grad or any(
                p.requires_grad for p in self.layers[0].parameters())):
            return None
        if _autocast_active(backend):
            return None
        padded = key_padding_mask if key_padding_mask.dtype == backend.bool else (
            key_padding_mask != 0)
        if self.mask_check:  # PyTorch takes the path only for right padding (kept, then pads)
            kept = (~padded).long()
            if bool((kept[:, 1:] > kept[:, :-1]).any()):
                return None
        return padded


def _why_no_fast_path(layer: Module) -> str:
    """Why PyTorch's TransformerEncoder would not use nested tensors with ``layer`` ("" when
    it would), in PyTorch's words."""
    name = "encoder_layer"
    if not isinstance(layer, TransformerEncoderLayer):
        return f"{name} was not TransformerEncoderLayer"
    attention = layer.self_attn
    if layer.norm_first:
        return f"{name}.norm_first was True"
    if not attention.batch_first:
        return (f"{name}.self_attn.batch_first was not True(use batch_first for better "
                "inference performance)")
    if not attention._qkv_same_embed_dim:
        return f"{name}.self_attn._qkv_same_embed_dim was not True"
    if getattr(attention, "in_proj_bias", None) is None:
        return f"{name}.self_attn was passed bias=False"
    if not _relu_or_gelu(layer.activation):
        return f"{name}.activation_relu_or_gelu was not True"
    if layer.norm1.eps != layer.norm2.eps:
        return f"{name}.norm1.eps was not equal to {name}.norm2.eps"
    if attention.num_heads % 2 == 1:
        return f"{name}.self_attn.num_heads is odd"
    return ""


def _relu_or_gelu(activation: Any) -> bool:
    return activation in (F.relu, F.gelu) or type(activation).__name__ in ("ReLU", "GELU")


def _autocast_active(backend: Any) -> bool:
    check = getattr(backend, "is_autocast_enabled", None)
    return bool(check()) if check is not None else False


class TransformerDecoderLayer(_Layer):
    """``x = norm1(x + dropout1(self_attn(x)))``, then ``x = norm2(x + dropout2(multihead_attn(
    x, memory)))`` (attention over the encoder's output), then ``x = norm3(x + dropout3(linear2(
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
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, **opts)
        self._add_feed_forward(d_model, dim_feedforward, dropout, bias, opts)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **opts)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **opts)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **opts)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation)

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool = False, memory_is_causal: bool = False) -> Any:
        """The decoded sequence, shaped as ``tgt`` ((T, N, E), (N, T, E) with
        ``batch_first``, or (T, E)); ``memory`` is the encoder's output ((S, N, E), ...)."""
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask,
                                    memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                           memory_is_causal))
        return self.norm3(x + self._ff_block(x))

    def _mha_block(self, x: Any, memory: Any, attn_mask: Any, key_padding_mask: Any,
                   is_causal: bool) -> Any:
        out = self.multihead_attn(x, memory, memory, attn_mask=attn_mask,
                                  key_padding_mask=key_padding_mask, need_weights=False,
                                  is_causal=is_causal)[0]
        return self.dropout2(out)

    def _ff_block(self, x: Any) -> Any:
        return self.dropout3(self._feed_forward(x))


class TransformerDecoder(Module):
    """``num_layers`` copies of ``decoder_layer`` (deep copies: each has its own parameters,
    starting equal), applied in turn with the same memory and masks, then ``norm`` when
    given."""

    def __init__(self, decoder_layer: Module, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: Any, memory: Any, tgt_mask: Any = None, memory_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Any:
        """``tgt`` through every layer, then the final norm.  ``tgt_is_causal`` is a hint, as
        in torch: a given ``tgt_mask`` is what masks (without one, True masks causally)."""
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        return self.norm(x) if self.norm is not None else x


class _CausalMask:
    """``Transformer.generate_square_subsequent_mask``: a static method in torch, here one that
    knows its backend: the model's (called on a model) or the class's (``torch.nn.Transformer``
    of a backend; gradspec.nn's own class: the default backend)."""

    def __get__(self, model: Any, cls: Any = None) -> Callable[..., Any]:
        def generate_square_subsequent_mask(sz: int, device: Any = None,
                                            dtype: Any = None) -> Any:
            """A square causal mask of ``sz`` rows: 0.0 on and below the diagonal, ``-inf``
            above it (added to attention scores, it hides later positions)."""
            param = next(iter(model.parameters()), None) if model is not None else None
            if param is not None:
                backend = backend_of(param)
            else:
                backend = class_backend(cls)
            where = {} if device is None else {"device": device}
            rows = backend.arange(sz).unsqueeze(1)
            above = backend.arange(sz).unsqueeze(0) > rows
            return backend.where(above, backend.full((sz, sz), -math.inf, dtype=dtype, **where),
                                 backend.zeros((sz, sz), dtype=dtype, **where))

        return generate_square_subsequent_mask


class Transformer(Module):
    """An encoder (``num_encoder_layers`` `TransformerEncoderLayer` copies and a final
    `LayerNorm`) and a decoder (``num_decoder_layers`` `TransformerDecoderLayer` copies and a
    final `LayerNorm`), or the ``custom_encoder`` / ``custom_decoder`` given; every parameter
    of two or more dimensions is then drawn by ``xavier_uniform_``, as torch does.
    ``forward(src, tgt)`` encodes ``src`` and decodes ``tgt`` attending to it."""

    generate_square_subsequent_mask = _CausalMask()

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: Any = "relu", custom_encoder: Any = None, custom_decoder: Any = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__()
        b = self._parameter_backend(backend)
        opts = {"device": device, "dtype": dtype, "backend": b}
        layer = {"dim_feedforward": dim_feedforward, "dropout": dropout,
                 "activation": activation, "layer_norm_eps": layer_norm_eps,
                 "batch_first": batch_first, "norm_first": norm_first, "bias": bias, **opts}
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(
                TransformerEncoderLayer(d_model, nhead, **layer), num_encoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **opts))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(
                TransformerDecoderLayer(d_model, nhead, **layer), num_decoder_layers,
                LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **opts))
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src: Any, tgt: Any, src_mask: Any = None, tgt_mask: Any = None,
                memory_mask: Any = None, src_key_padding_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Any:
        """The decoder's output for ``tgt`` ((T, N, E), (N, T, E) with ``batch_first``, or
        (T, E)) attending to the encoded ``src`` ((S, N, E), ...)."""
        if src.dim() == 3:
            axis = 0 if self.batch_first else 1
            if src.shape[axis] != tgt.shape[axis]:
                raise RuntimeError(f"the batch number of src and tgt must be equal (got "
                                   f"{src.shape[axis]} and {tgt.shape[axis]} along dim {axis})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"the feature number of src and tgt must be equal to d_model "
                               f"({self.d_model}), got {src.shape[-1]} and {tgt.shape[-1]}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
