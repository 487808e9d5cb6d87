"""Instance normalization, as ``torch.nn``: `InstanceNorm1d`, `InstanceNorm2d`,
`InstanceNorm3d` (each channel of each sample normalized over its own spatial extent: style
transfer's and CycleGAN's normalization).

In training, or without ``track_running_stats``, it is group normalization with one group per
channel (`gradspec.nn.functional.group_norm`, so values and gradients are that op's); with
``track_running_stats`` the running mean and (unbiased) variance move towards the batch's
average instance statistics by ``momentum`` (None: they stay, as torch's), and eval mode
normalizes by them.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import functional as F
from .batchnorm import _BatchNorm

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_BatchNorm):
    """What the three share; ``_spatial`` is the number of spatial dimensions."""

    _spatial = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: Any = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True, backend: Any = None) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias, backend=backend)

    def forward(self, input: Any) -> Any:
        batched = self._spatial + 2
        if input.dim() not in (batched - 1, batched):
            raise ValueError(f"expected {batched - 1}D or {batched}D input (got {input.dim()}D "
                             "input)")
        unbatched = input.dim() == batched - 1
        x = input.unsqueeze(0) if unbatched else input
        channels = x.shape[1]
        if channels != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim=1 to match num_features "
                                 f"({self.num_features}), but got: {channels}.")
            warnings.warn("input's size at dim=1 does not match num_features. You can silence "
                          "this warning by not passing in num_features, which is not used "
                          "because affine=False", UserWarning, stacklevel=2)
        if self.training or not self.track_running_stats:
            if self.training and self.track_running_stats and self.momentum:
                self._track(x)
            out = F.group_norm(x, channels, self.weight, self.bias, self.eps)
        else:
            out = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                               False, 0.0, self.eps)
        return out.squeeze(0) if unbatched else out

    def _track(self, x: Any) -> None:
        """Move the running statistics towards the batch's mean instance mean and unbiased
        variance."""
        dims = tuple(range(2, x.dim()))
        m = self.momentum
        with _no_grad(x):
            mean = x.mean(dims).mean(0)
            var = x.var(dims, correction=1).mean(0)
            self.running_mean.mul_(1 - m).add_(mean * m)
            self.running_var.mul_(1 - m).add_(var * m)


def _no_grad(x: Any) -> Any:
    from ...plugins import backend_of

    return backend_of(x).no_grad()


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of (N, C, L) or (C, L)."""

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of (N, C, H, W) or (C, H, W)."""

    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of (N, C, D, H, W) or (C, D, H, W)."""

    _spatial = 3
