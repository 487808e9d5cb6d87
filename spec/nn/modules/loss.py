"""Loss layers: each applies the function of `gradspec.nn.functional` of its name."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from .module import Module

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "MSELoss"]


class _Loss(Module):
    """A loss with torch's ``reduction`` argument: ``"mean"`` (default), ``"sum"`` or ``"none"``."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        F._check_reduction(reduction)
        self.reduction = reduction


class BCELoss(_Loss):
    """Binary cross entropy on probabilities (`functional.binary_cross_entropy`)."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.binary_cross_entropy(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy on raw scores (`functional.binary_cross_entropy_with_logits`)."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.binary_cross_entropy_with_logits(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error ``(input - target) ** 2`` (`functional.mse_loss`)."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.mse_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Cross entropy of raw scores (N, C) against class indices (N,) or class probabilities
    (N, C) (`functional.cross_entropy`)."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.cross_entropy(input, target, reduction=self.reduction)
