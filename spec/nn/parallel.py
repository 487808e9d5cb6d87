"""``torch.nn.parallel``: `DataParallel`, which runs the wrapped module as it is where there
are no GPUs to spread a batch over (see `gradspec.nn.modules.parallel`)."""

from __future__ import annotations

from .modules.parallel import DataParallel

__all__ = ["DataParallel"]
