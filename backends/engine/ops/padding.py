"""Padding: pad with a constant (negative widths crop) or by reflecting, replicating or wrapping
the edges of the last one, two or three dims, as torch.nn.functional.pad.

A constant pad's backward crops (a pad with the widths negated), which is itself this op;
the other modes copy input elements by a fixed index map, one matrix per padded dim
(`.linmaps`), whose transpose sums each output's gradient back into its source.
"""

from __future__ import annotations

from typing import Any

from ..apply import unary
from ..node import Node, register
from ..tensor import Tensor
from . import linmaps

MODES = ("constant", "reflect", "replicate", "circular")


def constant_pad_raw(xp: Any, x: Any, widths: tuple, value: Any = 0) -> Any:
    """``x`` with ``widths[d] = (before, after)`` elements of ``value`` added around dim d (a
    negative width removes elements instead)."""
    shape = tuple(n + a + b for n, (a, b) in zip(x.shape, widths))
    source, target = [], []
    for n, (a, b) in zip(x.shape, widths):
        start, stop = max(0, -a), n - max(0, -b)
        source.append(slice(start, max(start, stop)))
        target.append(slice(max(0, a), max(0, a) + max(0, stop - start)))
    out = xp.full(shape, value, dtype=x.dtype)
    out[tuple(target)] = x[tuple(source)]
    return out


@register("pad")
class ConstantPadNdBackward0(Node):
    """A pad of any mode; named as PyTorch names each (``ConstantPadNdBackward0``,
    ``ReflectionPad2DBackward0``, ``ReplicationPad1DBackward0``, ...)."""

    quiet = True
    __slots__ = ("widths", "mode", "maps", "dims")
    saves = (0,)  # (the edge modes' gradients tie to it, as PyTorch's; see .tie)
    keeps = ("maps",)

    def forward(self, xp, x, widths, value, mode, maps):
        self.widths, self.mode, self.maps, self.dims = widths, mode, maps, len(maps)
        if mode == "constant":
            return constant_pad_raw(xp, x, widths, value)
        return linmaps.apply_raw(xp, x, maps)

    def name(self):
        if self.mode == "constant":
            return "ConstantPadNdBackward0"
        if self.mode == "circular":
            # PyTorch composes circular padding of slice assignments
            return "torch::autograd::CopySlices"
        kind = "Reflection" if self.mode == "reflect" else "Replication"
        return f"{kind}Pad{self.dims}DBackward0"

    def backward(self, F, g, x):
        if self.mode == "constant":
            return (F.pad(g, tuple((-a, -b) for a, b in self.widths)),)
        gx = linmaps.adjoint(F, g, self.maps)
        if self.mode == "circular":  # composed of slices in PyTorch: nothing to tie
            return (gx,)
        return (F.tie(gx, self.name().replace("Backward0", "BackwardBackward0"), x),)


def constant_pad(x: Any, widths: tuple) -> Any:
    """Differentiable zero padding with per-dim (before, after) widths, for backward
    formulas."""
    return unary(ConstantPadNdBackward0, x, widths=tuple(widths), value=0, mode="constant",
                 maps=())


def _source(mode: str, i: int, n: int) -> int:
    """The input position an output position ``i`` (relative to the input's start) copies."""
    if mode == "reflect":
        i = -i if i < 0 else i
        return 2 * (n - 1) - i if i >= n else i
    if mode == "replicate":
        return min(max(i, 0), n - 1)
    return i % n  # circular


def pad(input: Any, pad: Any, mode: str = "constant", value: Any = None) -> Any:
    """Pad the last ``len(pad) // 2`` dims of ``input``: ``pad`` lists (before, after) widths
    from the last dim backwards, as torch.nn.functional.pad.  ``constant`` fills with
    ``value`` (default 0; negative widths crop); ``reflect``, ``replicate`` and ``circular``
    pad the last one, two or three dims from the input's edges."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): input must be a tensor, got {type(input).__name__}")
    widths_list = [int(p) for p in pad]
    if len(widths_list) % 2:
        raise RuntimeError("pad(): Padding length must be divisible by 2")
    k = len(widths_list) // 2
    nd = input.ndim
    if k > nd:
        raise RuntimeError(f"pad(): Padding length should be less than or equal to two times "
                           f"the input dimension but got padding length {len(widths_list)} and "
                           f"input of dimension {nd}")
    if mode not in MODES:
        raise NotImplementedError(f"pad(): Unrecognised padding mode {mode}; use one of "
                                  f"{', '.join(MODES)}")
    # (before, after) per dim of the input, leading dims untouched
    widths = tuple([(0, 0)] * (nd - k) + [
        (widths_list[2 * (nd - 1 - d)], widths_list[2 * (nd - 1 - d) + 1])
        for d in range(nd - k, nd)])
    eng = type(input)._eng
    if mode == "constant":
        shape = [n + a + b for n, (a, b) in zip(input.shape, widths)]
        if any(s < 0 for s in shape):
            raise RuntimeError(f"pad(): the input size {list(input.shape)} with padding "
                               f"{widths_list} gives a negative size {shape}")
        return unary(ConstantPadNdBackward0, input, widths=widths,
                     value=0 if value is None else value, mode=mode, maps=())
    if value is not None and value != 0:
        raise RuntimeError(f'pad(): Padding mode "{mode}" doesn\'t take in value argument.')
    if k > 3 or nd not in (k + 1, k + 2):
        raise NotImplementedError(
            f"pad(): padding size {len(widths_list)} is not supported for {nd}D input tensor "
            f"in mode {mode!r}; supported: 2D or 3D input with padding size 2 (last dim), 3D "
            "or 4D input with padding size 4 (last 2 dims), 4D or 5D input with padding size 6 "
            "(last 3 dims)")
    if not eng.is_floating(input._data.dtype):
        raise RuntimeError(f"pad(): mode {mode!r} needs a floating input, got "
                           f"{eng.dtype_name(input._data.dtype)}")
    maps = []
    for d in range(nd - k, nd):
        n = input.shape[d]
        a, b = widths[d]
        if a < 0 or b < 0:
            raise RuntimeError(f"pad(): negative padding is only supported in constant mode, "
                               f"got {widths_list} in mode {mode!r}")
        limit = n - 1 if mode == "reflect" else n
        if (mode != "replicate" and (a > limit or b > limit)) or n == 0:
            raise RuntimeError(
                f"pad(): Padding size should be less than the corresponding input dimension, "
                f"but got: padding ({a}, {b}) at dimension {d} of input {list(input.shape)}")
        rows = [[(_source(mode, i - a, n), 1.0)] for i in range(n + a + b)]
        maps.append(linmaps.matrix(type(input)._xp, rows, n, input._data.dtype))
    return unary(ConstantPadNdBackward0, input, widths=widths, value=0, mode=mode,
                 maps=tuple(maps))
