"""Utilities as ``torch.utils``: `data` (datasets, loaders, splits)."""

from __future__ import annotations

from . import data

__all__ = ["data"]
