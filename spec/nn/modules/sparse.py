"""Embedding: a lookup table of ``num_embeddings`` vectors (torch.nn.Embedding's signature,
N(0, 1) initialisation with the padding row zeroed, ``from_pretrained``); EmbeddingBag: the
sum, mean or max of bags of them (text classifiers' bag of words)."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..parameter import Parameter, is_tensor
from . import _draw
from .module import Module

__all__ = ["Embedding", "EmbeddingBag"]


def _table(module: Module, num_embeddings: int, embedding_dim: int, padding_idx: Any,
           given: Any, dtype: Any, device: Any, backend: Any, label: str) -> Any:
    """Set ``module``'s sizes and ``padding_idx`` (checked, made non-negative) and return its
    weight: ``given`` (checked against the sizes), or N(0, 1) draws with the padding row zeroed.
    ``label``: how PyTorch spells padding_idx in this layer's error."""
    module.num_embeddings, module.embedding_dim = num_embeddings, embedding_dim
    if padding_idx is not None:
        if not -num_embeddings <= padding_idx < num_embeddings:
            raise AssertionError(f"{label} must be within num_embeddings")
        padding_idx %= num_embeddings
    module.padding_idx = padding_idx
    if given is not None:
        if tuple(given.shape) != (num_embeddings, embedding_dim):
            raise AssertionError("Shape of weight does not match num_embeddings and "
                                 "embedding_dim")
        return given
    backend = module._parameter_backend(backend)
    weight = _draw.normal(backend, (num_embeddings, embedding_dim), 1.0, dtype, device)
    if padding_idx is not None:
        weight[padding_idx] = 0.0
    return weight


class Embedding(Module):
    """Rows of ``weight`` (num_embeddings, embedding_dim) picked by integer indices; the
    ``padding_idx`` row starts at zero and gets no gradient."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: Any = None,
                 max_norm: Any = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, _weight: Any = None, _freeze: bool = False,
                 device: Any = None, dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__()
        weight = _table(self, num_embeddings, embedding_dim, padding_idx, _weight, dtype, device,
                        backend, "Padding_idx")
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        # registered explicitly: a frozen weight (from_pretrained) is a parameter too
        self.register_parameter("weight", Parameter(weight, requires_grad=not _freeze))

    def forward(self, input: Any) -> Any:
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True, padding_idx: Any = None,
                        max_norm: Any = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, sparse: bool = False) -> "Embedding":
        """An Embedding holding ``embeddings`` (a 2-D tensor; shared, not copied), frozen
        unless ``freeze=False``."""
        if not is_tensor(embeddings) or embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            text += ", sparse=True"
        return text


class EmbeddingBag(Module):
    """The ``mode`` ('sum', 'mean', 'max') of each bag of rows of ``weight``
    (num_embeddings, embedding_dim): the bags are the rows of a 2-D input, or the runs of a 1-D
    input starting at ``offsets`` (`functional.embedding_bag`).  Initialised N(0, 1), the
    ``padding_idx`` row zeroed and left out of every bag."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: Any = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Any = None, include_last_offset: bool = False,
                 padding_idx: Any = None, device: Any = None, dtype: Any = None, *,
                 backend: Any = None) -> None:
        super().__init__()
        if mode not in ("sum", "mean", "max"):
            raise ValueError("mode has to be one of sum, mean or max")
        weight = _table(self, num_embeddings, embedding_dim, padding_idx, _weight, dtype, device,
                        backend, "padding_idx")
        self.max_norm, self.norm_type, self.scale_grad_by_freq = max_norm, norm_type, \
            scale_grad_by_freq
        self.mode, self.sparse, self.include_last_offset = mode, sparse, include_last_offset
        self.register_parameter("weight", Parameter(weight))

    def forward(self, input: Any, offsets: Any = None, per_sample_weights: Any = None) -> Any:
        """One vector per bag: (bags, embedding_dim)."""
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               self.scale_grad_by_freq, self.mode, self.sparse,
                               per_sample_weights, self.include_last_offset, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True, max_norm: Any = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        mode: str = "mean", sparse: bool = False,
                        include_last_offset: bool = False,
                        padding_idx: Any = None) -> "EmbeddingBag":
        """An EmbeddingBag holding ``embeddings`` (2-D; shared, not copied), frozen unless
        ``freeze=False``."""
        if not is_tensor(embeddings) or embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        bag = cls(rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  _weight=embeddings, include_last_offset=include_last_offset,
                  padding_idx=padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        text += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text
