"""`DataParallel`: PyTorch's single-process data-parallel wrapper, as it runs without GPUs.

With no CUDA devices ``torch.nn.DataParallel`` calls the wrapped module as it is, and code
written for several GPUs runs unchanged on one CPU: so does this one.  Its children are named
``module``, so state dicts carry PyTorch's ``module.`` prefix.  (Data that outgrows one machine
goes to `gradspec.distributed`, on Dask.)
"""

from __future__ import annotations

from typing import Any, Sequence

from .module import Module

__all__ = ["DataParallel"]


class DataParallel(Module):
    """Wrap ``module``; calling the wrapper calls it (``device_ids`` and ``output_device`` name
    GPUs, of which there are none to spread over here: ``device_ids`` is ``[]``, as PyTorch's on
    a CPU).  The wrapped module is ``.module``."""

    def __init__(self, module: Module, device_ids: Sequence[Any] | None = None,
                 output_device: Any = None, dim: int = 0) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel wraps a Module, got {type(module).__name__}")
        self.module = module
        self.device_ids: list[Any] = []

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """The wrapped module's output for these inputs."""
        return self.module(*inputs, **kwargs)
