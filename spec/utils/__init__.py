"""Utilities as ``torch.utils``: `data` (datasets, loaders, splits) and `checkpoint`
(activation checkpointing's calls, run as they are)."""

from __future__ import annotations

from . import checkpoint, data

__all__ = ["checkpoint", "data"]
