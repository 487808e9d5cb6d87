"""Sliding windows over the spatial dims of ``(N, C, *spatial)`` arrays: the im2col and col2im
of convolution and pooling, written once over the array namespace.

``unfold`` gathers every window into ``(N, C, taps, *out)`` (one slice per tap of the kernel,
strided over the windows); ``fold`` is its adjoint: it adds each tap's slice back where it came
from.  Padding is never materialised: a tap whose windows reach into the padding reads (or
writes) only the windows that land inside the input, and the rest keep the fill value.

Both are differentiable for backward formulas (``F.im2col``, ``F.col2im``): the nodes
`Im2ColBackward0` and `Col2ImBackward0` (PyTorch's names for unfold and fold) are each other's
backward, so a convolution's or a pool's gradient can itself be differentiated.
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any

from ..apply import unary
from ..node import Node, register


class Windows:
    """Where the windows lie over an input of spatial shape ``size``: per dim, ``out`` windows
    ``stride`` apart, each of ``kernel`` taps ``dilation`` apart, over the input padded by
    ``lo`` before (and as much as the last window needs after)."""

    __slots__ = ("size", "kernel", "stride", "dilation", "lo", "out", "taps", "inside",
                 "reads")

    def __init__(self, size: tuple, kernel: tuple, stride: tuple, dilation: tuple, lo: tuple,
                 out: tuple) -> None:
        self.size = tuple(size)
        self.kernel = tuple(kernel)
        self.stride = tuple(stride)
        self.dilation = tuple(dilation)
        self.lo = tuple(lo)
        self.out = tuple(out)
        self.taps = math.prod(self.kernel)
        # whether every tap of every window reads the input itself (no padding involved)
        self.inside = not any(self.lo) and all(
            (o - 1) * s + (k - 1) * d < n
            for o, s, k, d, n in zip(self.out, self.stride, self.kernel, self.dilation, self.size))
        # per tap (in the order of the taps axis): its windows' and the input's slices
        self.reads = tuple((k, spans) for k, spans in enumerate(
            self.spans(offset) for offset in self.offsets()) if spans is not None)

    def offsets(self) -> list[tuple[int, ...]]:
        """The kernel's taps in row-major order (the order of the ``taps`` axis)."""
        return list(itertools.product(*(range(k) for k in self.kernel)))

    def spans(self, offset: tuple[int, ...]) -> tuple[tuple, tuple] | None:
        """For one tap: the windows whose tap lands inside the input (a slice per dim) and the
        input positions they read (a strided slice per dim); None when there are none."""
        windows, positions = [], []
        for t, n, s, d, lo, o in zip(offset, self.size, self.stride, self.dilation, self.lo,
                                     self.out):
            shift = t * d - lo  # window j reads j * s + shift
            first = max(0, -(shift // s) if shift < 0 else 0)
            last = min(o, (n - 1 - shift) // s + 1) if n - 1 - shift >= 0 else 0
            if first >= last:
                return None
            windows.append(slice(first, last))
            start = first * s + shift
            positions.append(slice(start, start + (last - first - 1) * s + 1, s))
        return tuple(windows), tuple(positions)


@functools.lru_cache(maxsize=256)
def cached_windows(size: tuple, kernel: tuple, stride: tuple, dilation: tuple, lo: tuple,
            out: tuple) -> Windows:
    """`Windows`, remembered: a layer asks for the same ones every step."""
    return Windows(size, kernel, stride, dilation, lo, out)


def conv_windows(size: tuple, kernel: tuple, stride: tuple, dilation: tuple, lo: tuple,
                 hi: tuple) -> Windows:
    """The windows of a convolution over ``size`` padded by ``lo`` and ``hi``."""
    out = tuple((n + a + b - d * (k - 1) - 1) // s + 1
                for n, a, b, d, k, s in zip(size, lo, hi, dilation, kernel, stride))
    return cached_windows(tuple(size), tuple(kernel), tuple(stride), tuple(dilation),
                          tuple(lo), out)


_ALL = (slice(None), slice(None))


def unfold_raw(xp: Any, x: Any, win: Windows, fill: Any = 0) -> Any:
    """``(N, C, *size)`` -> ``(N, C, taps, *out)``: each window's taps, padding read as
    ``fill``."""
    if win.inside:
        return xp.stack([x[_ALL + spans[1]] for _, spans in win.reads], axis=2)
    n, c = x.shape[0], x.shape[1]
    shape = (n, c, win.taps) + win.out
    cols = (xp.zeros(shape, dtype=x.dtype) if fill == 0
            else xp.full(shape, fill, dtype=x.dtype))
    for k, spans in win.reads:
        cols[_ALL + (k,) + spans[0]] = x[_ALL + spans[1]]
    return cols


def fold_raw(xp: Any, cols: Any, win: Windows) -> Any:
    """``(N, C, taps, *out)`` -> ``(N, C, *size)``: each tap added back where it was read
    (overlapping windows accumulate; what was read from the padding is dropped)."""
    n, c = cols.shape[0], cols.shape[1]
    out = xp.zeros((n, c) + win.size, dtype=cols.dtype)
    for k, spans in win.reads:
        region = out[_ALL + spans[1]]
        region += cols[_ALL + (k,) + spans[0]]
    return out


@register("im2col", public=False)
class Im2ColBackward0(Node):
    """Windows gathered into ``(N, C, taps, *out)`` (zero padding); its backward is col2im."""

    __slots__ = ("win",)

    def forward(self, xp, x, win):
        self.win = win
        return unfold_raw(xp, x, win)

    def backward(self, F, g, x):
        return (F.col2im(g, self.win),)


@register("col2im", public=False)
class Col2ImBackward0(Node):
    """Taps added back into ``(N, C, *size)``; its backward is im2col."""

    __slots__ = ("win",)

    def forward(self, xp, cols, win):
        self.win = win
        return fold_raw(xp, cols, win)

    def backward(self, F, g, cols):
        return (F.im2col(g, self.win),)


def im2col(x: Any, win: Windows) -> Any:
    """Differentiable `unfold_raw` (zero padding), for backward formulas."""
    return unary(Im2ColBackward0, x, win=win)


def col2im(cols: Any, win: Windows) -> Any:
    """Differentiable `fold_raw`, for backward formulas."""
    return unary(Col2ImBackward0, cols, win=win)
