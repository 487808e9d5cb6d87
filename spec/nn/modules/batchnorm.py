"""Batch normalization layers: BatchNorm1d, BatchNorm2d, BatchNorm3d and SyncBatchNorm, with
torch's buffers (``running_mean``, ``running_var``, ``num_batches_tracked``), its ``bias``
switch and train/eval behaviour."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..parameter import Parameter
from . import _draw
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm"]


class _BatchNorm(Module):
    """Per-channel normalization: in training by the batch's statistics (the running ones
    move towards them by ``momentum``, or average all batches when it is None), in eval by the
    running statistics (when ``track_running_stats``).  With ``affine`` the per-channel
    ``weight`` (ones) and, unless ``bias=False``, ``bias`` (zeros) are learned."""

    _dims: tuple[int, ...] = ()
    #: entries a checkpoint saved before PyTorch tracked batches lacks: the count stays
    _state_defaults = {"num_batches_tracked": lambda current: current.detach().clone()}

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: Any = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True, backend: Any = None) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        backend = self._parameter_backend(backend)
        factory = _draw.kw(dtype, device)
        if affine:
            self.weight = Parameter(backend.ones(num_features, **factory))
            if bias:
                self.bias = Parameter(backend.zeros(num_features, **factory))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", backend.zeros(num_features, **factory))
            self.register_buffer("running_var", backend.ones(num_features, **factory))
            self.register_buffer("num_batches_tracked",
                                 backend.tensor(0, **_draw.kw(backend.int64, device)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        """Running mean 0, variance 1, no batches tracked."""
        if self.track_running_stats:
            for t, value in ((self.running_mean, 0), (self.running_var, 1),
                             (self.num_batches_tracked, 0)):
                t.fill_(value)

    def _check_input_dim(self, input: Any) -> None:
        if input.dim() not in self._dims:
            want = " or ".join(f"{d}D" for d in self._dims)
            raise ValueError(f"expected {want} input (got {input.dim()}D input)")

    def forward(self, input: Any) -> Any:
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            factor = (1.0 / float(self.num_batches_tracked.item()) if self.momentum is None
                      else self.momentum)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if keep else None,
                            self.running_var if keep else None, self.weight, self.bias,
                            use_batch, factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L), per channel C."""

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W), per channel C."""

    _dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalization of (N, C, D, H, W), per channel C."""

    _dims = (5,)


class SyncBatchNorm(_BatchNorm):
    """Batch normalization of (N, C, ...) inputs whose statistics PyTorch gathers over the
    processes of a distributed job.  Here one process holds the whole batch (gradspec trains
    data-parallel on Dask, `gradspec.distributed`, with its own reduction of gradients), so
    the batch's statistics are already the job's: it normalizes exactly as BatchNorm does.
    ``process_group`` is accepted and kept; `convert_sync_batchnorm` swaps a model's
    BatchNorm layers for this one, as DistributedDataParallel scripts do."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: Any = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 process_group: Any = None, device: Any = None, dtype: Any = None, *,
                 backend: Any = None) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, backend=backend)
        self.process_group = process_group

    def _check_input_dim(self, input: Any) -> None:
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """``module`` with every BatchNorm layer in it (itself included) replaced by a
        SyncBatchNorm holding the same parameters and running statistics (the same tensors,
        not copies) and the same training mode."""
        converted = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            converted = cls(module.num_features, module.eps, module.momentum, module.affine,
                            module.track_running_stats, process_group)
            for name in ("weight", "bias"):  # shared: an optimizer made before still updates them
                setattr(converted, name, getattr(module, name))
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                setattr(converted, name, getattr(module, name))
            converted.train(module.training)
        for name, child in module.named_children():
            converted.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return converted
