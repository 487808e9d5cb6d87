"""Padding layers, as ``torch.nn``: ``ZeroPad``, ``ConstantPad``, ``ReflectionPad``,
``ReplicationPad`` and ``CircularPad`` in 1, 2 and 3 dimensions, each
`gradspec.nn.functional.pad` with its mode (no parameters; torch's printed forms).  The 3-d
reflection, replication and circular layers pad one dimension at a time from slices (``narrow``,
``flip``, ``cat``), so they run where ``pad`` covers only the last two dimensions."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from .module import Module

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d",
           "ZeroPad3d"]


class _Pad(Module):
    """``padding``: an int (every side) or the (left, right[, top, bottom[, front, back]])
    widths, last dimension first."""

    _mode = "constant"
    _dims = 1

    def __init__(self, padding: Any, value: float = 0.0) -> None:
        super().__init__()
        if isinstance(padding, int):
            padding = (padding,) * (2 * self._dims)
        padding = tuple(padding)
        if len(padding) != 2 * self._dims:
            raise ValueError(f"{type(self).__name__}: padding must be an int or "
                             f"{2 * self._dims} widths, got {padding}")
        self.padding, self.value = padding, value

    def forward(self, input: Any) -> Any:
        if self._mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        if self._dims == 3:
            return _pad_by_slices(input, self.padding, self._mode)
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPad(_Pad):
    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding, value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class _ZeroPad(_ConstantPad):
    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPad):
    """Pads the last dimension with zeros."""

    _dims = 1


class ZeroPad2d(_ZeroPad):
    """Pads the last 2 dimensions with zeros."""

    _dims = 2


class ZeroPad3d(_ZeroPad):
    """Pads the last 3 dimensions with zeros."""

    _dims = 3


class ConstantPad1d(_ConstantPad):
    """Pads the last dimension with ``value``."""

    _dims = 1


class ConstantPad2d(_ConstantPad):
    """Pads the last 2 dimensions with ``value``."""

    _dims = 2


class ConstantPad3d(_ConstantPad):
    """Pads the last 3 dimensions with ``value``."""

    _dims = 3


class ReflectionPad1d(_Pad):
    """Pads the last dimension with the input mirrored at its border (not repeating it)."""

    _dims = 1
    _mode = "reflect"


class ReflectionPad2d(_Pad):
    """Pads the last 2 dimensions with the input mirrored at its border (not repeating it)."""

    _dims = 2
    _mode = "reflect"


class ReflectionPad3d(_Pad):
    """Pads the last 3 dimensions with the input mirrored at its border (not repeating it)."""

    _dims = 3
    _mode = "reflect"


class ReplicationPad1d(_Pad):
    """Pads the last dimension with copies of the border values."""

    _dims = 1
    _mode = "replicate"


class ReplicationPad2d(_Pad):
    """Pads the last 2 dimensions with copies of the border values."""

    _dims = 2
    _mode = "replicate"


class ReplicationPad3d(_Pad):
    """Pads the last 3 dimensions with copies of the border values."""

    _dims = 3
    _mode = "replicate"


class CircularPad1d(_Pad):
    """Pads the last dimension by wrapping the input around."""

    _dims = 1
    _mode = "circular"


class CircularPad2d(_Pad):
    """Pads the last 2 dimensions by wrapping the input around."""

    _dims = 2
    _mode = "circular"


class CircularPad3d(_Pad):
    """Pads the last 3 dimensions by wrapping the input around."""

    _dims = 3
    _mode = "circular"


def _pad_by_slices(input: Any, padding: tuple, mode: str) -> Any:
    """``pad`` in mode ``reflect``, ``replicate`` or ``circular``, one dimension at a time (the
    last first), from slices of the input: the same values, and gradients summed where torch's
    kernels sum them."""
    from ...plugins import backend_of

    B = backend_of(input)
    x = input
    for i in range(len(padding) // 2):
        dim = x.dim() - 1 - i
        left, right = padding[2 * i], padding[2 * i + 1]
        n = x.shape[dim]
        if mode == "reflect" and max(left, right) >= n:
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({left}, {right}) at "
                               f"dimension {dim} of input {tuple(input.shape)}")
        if mode == "circular" and max(left, right) > n:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        parts = []
        if left:
            parts.append(x.narrow(dim, 1, left).flip(dim) if mode == "reflect"
                         else x.narrow(dim, n - left, left) if mode == "circular"
                         else B.cat([x.narrow(dim, 0, 1)] * left, dim))
        parts.append(x)
        if right:
            parts.append(x.narrow(dim, n - 1 - right, right).flip(dim) if mode == "reflect"
                         else x.narrow(dim, 0, right) if mode == "circular"
                         else B.cat([x.narrow(dim, n - 1, 1)] * right, dim))
        x = B.cat(parts, dim) if len(parts) > 1 else x
    return x
