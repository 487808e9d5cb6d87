"""Dropout: zeroes elements (or, ``Dropout1d``/``2d``/``3d``, whole channels) with probability
``p`` in training mode (from the backend's seeded generator), the identity in eval mode."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from .module import Module

__all__ = ["AlphaDropout", "Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
           "FeatureAlphaDropout"]


class Dropout(Module):
    """In training, each element is zeroed with probability ``p`` and the rest scaled by
    ``1 / (1 - p)``; in eval mode the input passes unchanged."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if isinstance(p, bool) or not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Any) -> Any:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """In training, each channel of (N, C, L) or (C, L) is zeroed with probability ``p`` and
    the rest scaled by ``1 / (1 - p)``."""

    def forward(self, input: Any) -> Any:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(Dropout):
    """In training, each feature map of (N, C, H, W) or (C, H, W) is zeroed with probability
    ``p`` and the rest scaled by ``1 / (1 - p)``."""

    def forward(self, input: Any) -> Any:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(Dropout):
    """In training, each channel of (N, C, D, H, W) or (C, D, H, W) is zeroed with probability
    ``p`` and the rest scaled by ``1 / (1 - p)``."""

    def forward(self, input: Any) -> Any:
        return F.dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(Dropout):
    """Dropout for SELU networks (`functional.alpha_dropout`): in training, dropped elements
    take SELU's negative saturation value and the output keeps the input's mean and variance;
    in eval mode the input passes unchanged."""

    def forward(self, input: Any) -> Any:
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(Dropout):
    """`AlphaDropout` of whole channels (`functional.feature_alpha_dropout`)."""

    def forward(self, input: Any) -> Any:
        return F.feature_alpha_dropout(input, self.p, self.training)
