"""Activation layers: each applies the function of `gradspec.nn.functional` of its name."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from .module import Module

__all__ = ["ReLU", "Sigmoid", "Tanh"]


class Sigmoid(Module):
    """The logistic function ``1 / (1 + exp(-x))``, elementwise."""

    def forward(self, x: Any) -> Any:
        return F.sigmoid(x)


class ReLU(Module):
    """``max(x, 0)``, elementwise."""

    def forward(self, x: Any) -> Any:
        return F.relu(x)


class Tanh(Module):
    """The hyperbolic tangent, elementwise."""

    def forward(self, x: Any) -> Any:
        return F.tanh(x)
