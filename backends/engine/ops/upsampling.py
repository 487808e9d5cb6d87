"""Resizing: interpolate (nearest, nearest-exact, linear, bilinear, trilinear; 'area' is
adaptive_avg_pool2d), as torch.nn.functional.interpolate.

Each mode is, per spatial dim, a fixed matrix from input to output positions (`.linmaps`),
built with PyTorch's source-index rules: nearest takes ``floor(i * scale)`` computed in float32
as PyTorch does, linear blends the two neighbours of ``(i + 0.5) * scale - 0.5`` (or of
``i * (n - 1) / (m - 1)`` with ``align_corners``).  The gradient is the transposed matrices.
"""

from __future__ import annotations

import math
import struct
from typing import Any

from ..apply import unary
from ..node import Node, register
from ..tensor import Tensor
from . import linmaps

MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area")
#: the interpolating modes, and the spatial dims each takes
LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3}


def _f32(v: float) -> float:
    """``v`` rounded to float32 (PyTorch computes nearest's source index in float)."""
    return struct.unpack("f", struct.pack("f", v))[0]


@register("interpolate")
class UpsampleNearest2DBackward0(Node):
    """Resizing by per-dim matrices; named as PyTorch names each mode and rank
    (``UpsampleNearest2DBackward0``, ``UpsampleBilinear2DBackward0``, ...)."""

    quiet = True
    __slots__ = ("maps", "mode", "dims")
    keeps = ("maps",)

    def forward(self, xp, x, maps, mode):
        self.maps, self.mode, self.dims = maps, mode, len(maps)
        return linmaps.apply_raw(xp, x, maps)

    def name(self):
        kind = {"nearest": "Nearest", "nearest-exact": "NearestExact", "linear": "Linear",
                "bilinear": "Bilinear", "trilinear": "Trilinear"}[self.mode]
        return f"Upsample{kind}{self.dims}DBackward0"

    def backward(self, F, g, x):
        return (linmaps.adjoint(F, g, self.maps),)


def _nearest(n: int, m: int, scale: float, exact: bool) -> list:
    s = _f32(scale)
    rows = []
    for i in range(m):
        at = _f32(_f32(i + 0.5 if exact else float(i)) * s)
        rows.append([(min(int(math.floor(at)), n - 1), 1.0)])
    return rows


def _linear(n: int, m: int, scale: float, align_corners: bool) -> list:
    rows = []
    for i in range(m):
        src = scale * i if align_corners else max(scale * (i + 0.5) - 0.5, 0.0)
        lo = min(int(src), n - 1)
        step = 1 if lo < n - 1 else 0
        frac = src - lo
        rows.append([(lo, 1.0 - frac), (lo + step, frac)])
    return rows


def interpolate(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: Any = None, recompute_scale_factor: Any = None,
                antialias: bool = False) -> Any:
    """Resize the spatial dims of ``input`` (N, C, L), (N, C, H, W) or (N, C, D, H, W) to
    ``size`` or by ``scale_factor``, as torch.nn.functional.interpolate (modes nearest,
    nearest-exact, linear for 3-D input, bilinear for 4-D, trilinear for 5-D, area for 4-D)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): input must be a tensor, got {type(input).__name__}")
    if mode not in MODES:
        raise NotImplementedError(f"interpolate(): mode {mode!r} is not supported; use one of "
                                  f"{', '.join(MODES)}")
    if antialias:
        raise NotImplementedError("interpolate(): antialias=True is not supported")
    if align_corners is not None and mode not in LINEAR:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    dims = input.ndim - 2
    if dims not in (1, 2, 3):
        raise NotImplementedError(f"interpolate(): input of {input.ndim} dims is not supported; "
                                  "give (N, C, L), (N, C, H, W) or (N, C, D, H, W)")
    if mode in LINEAR and dims != LINEAR[mode]:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                  f"{LINEAR[mode] + 2}D input")
    if (size is None) == (scale_factor is None):
        raise ValueError("either size or scale_factor should be defined" if size is None
                         else "only one of size or scale_factor should be defined")
    in_size = tuple(input.shape[2:])
    scales: tuple = (None,) * dims
    if size is not None:
        out = (size,) * dims if isinstance(size, int) else tuple(int(s) for s in size)
        if len(out) != dims:
            raise ValueError(f"Input and output must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of "
                             f"{list(in_size)} and output size of {list(out)}")
    else:
        factors = ((float(scale_factor),) * dims if isinstance(scale_factor, (int, float))
                   else tuple(float(f) for f in scale_factor))
        if len(factors) != dims:
            raise ValueError(f"Input and scale_factor must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of "
                             f"{list(in_size)} and scale_factor of shape {list(factors)}")
        out = tuple(int(math.floor(n * f)) for n, f in zip(in_size, factors))
        if not recompute_scale_factor:
            scales = tuple(1.0 / f for f in factors)
    if any(o <= 0 for o in out) or any(n <= 0 for n in in_size):
        raise RuntimeError(f"interpolate(): input and output sizes should be greater than 0, "
                           f"but got input ({list(in_size)}) and output ({list(out)})")
    if mode == "area":
        from .pooling import adaptive_avg_pool2d

        if dims != 2:
            raise NotImplementedError("interpolate(mode='area') supports 4-D input here")
        return adaptive_avg_pool2d(input, out)
    eng = type(input)._eng
    if not eng.is_floating(input._data.dtype):
        raise RuntimeError(f"interpolate(): not implemented for "
                           f"{eng.dtype_name(input._data.dtype)} input; convert with .float()")
    maps = []
    for n, m, given in zip(in_size, out, scales):
        if mode in ("nearest", "nearest-exact"):
            rows = _nearest(n, m, given if given is not None else n / m, mode != "nearest")
        elif align_corners:
            rows = _linear(n, m, (n - 1) / (m - 1) if m > 1 else 0.0, True)
        else:
            rows = _linear(n, m, given if given is not None else n / m, False)
        maps.append(linmaps.matrix(type(input)._xp, rows, n, input._data.dtype))
    return unary(UpsampleNearest2DBackward0, input, maps=tuple(maps), mode=mode)
