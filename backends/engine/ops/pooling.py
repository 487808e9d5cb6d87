"""Pooling: max_pool2d, avg_pool2d (over sliding windows, `.windows`) and adaptive_avg_pool2d
(one averaging matrix per spatial dim, `.linmaps`), with PyTorch's output sizes, ceil_mode,
padding rules and node names."""

from __future__ import annotations

import math
from typing import Any

from ..apply import constant, unary
from ..node import Node, register
from ..tensor import Tensor
from . import linmaps
from .windows import Windows, cached_windows, unfold_raw


@register("max_pool2d")
class MaxPool2DWithIndicesBackward0(Node):
    """The largest element of each window (padding never wins); the gradient goes to it (the
    first one, on ties, as PyTorch)."""

    __slots__ = ("win", "winners")
    saves = (0,)  # as PyTorch's node (an in-place change of the input is caught)
    keeps = ("winners",)

    def forward(self, xp, x, win, fill):
        self.win = win
        cols = unfold_raw(xp, x, win, fill)
        self.winners = xp.argmax(cols, axis=2, keepdims=True)  # the tap of each window's max
        return xp.max(cols, axis=2)

    def backward(self, F, g, x):
        shape = (g.shape[0], g.shape[1], self.win.taps) + tuple(g.shape[2:])
        hits = F.onehot(g, self.winners, shape, 2)
        gx = F.col2im(hits * F.expand_dims(g, 2), self.win)
        return (F.tie(gx, "MaxPool2DWithIndicesBackwardBackward0", x),)


@register("avg_pool2d")
class AvgPool2DBackward0(Node):
    """The mean of each window: its sum over the divisor PyTorch uses (taps inside the padded
    input, taps inside the input, or ``divisor_override``)."""

    quiet = True
    __slots__ = ("win", "divisor")
    saves = (0,)
    keeps = ("divisor",)

    def forward(self, xp, x, win, divisor):
        self.win, self.divisor = win, divisor
        total = xp.sum(unfold_raw(xp, x, win), axis=2)
        if not xp.isdtype(x.dtype, "real floating"):  # integers: truncated, as PyTorch
            return xp.astype(xp.astype(total, xp.float64) / divisor, x.dtype)
        return total / divisor

    def backward(self, F, g, x):
        d = self.divisor
        share = F.expand_dims(g / (d if isinstance(d, float) else F.constant(g, d)), 2)
        shape = (g.shape[0], g.shape[1], self.win.taps) + tuple(g.shape[2:])
        gx = F.col2im(F.broadcast_to(share, shape), self.win)
        return (F.tie(gx, "AvgPool2DBackwardBackward0", x),)


@register("adaptive_avg_pool2d")
class AdaptiveAvgPool2DBackward0(Node):
    """Averages over PyTorch's adaptive windows (``floor(i n / m)`` to ``ceil((i + 1) n / m)``),
    as one averaging matrix per spatial dim."""

    quiet = True
    __slots__ = ("maps",)
    saves = (0,)
    keeps = ("maps",)

    def forward(self, xp, x, maps):
        self.maps = maps
        return linmaps.apply_raw(xp, x, maps)

    def backward(self, F, g, x):
        return (F.tie(linmaps.adjoint(F, g, self.maps), "AdaptiveAvgPool2DBackwardBackward0", x),)


# ------------------------------------------------------------------ user-facing functions
def _pair(value: Any, what: str, op: str) -> tuple[int, int]:
    if isinstance(value, bool):
        raise TypeError(f"{op}(): {what} must be an int or a pair of ints, got a bool")
    if isinstance(value, int):
        return (value, value)
    items = tuple(int(v) for v in value)
    if len(items) == 1:
        return (items[0], items[0])
    if len(items) != 2:
        raise RuntimeError(f"{op}(): {what} must either be a single int, or a tuple of two "
                           f"ints, got {list(items)}")
    return items  # type: ignore[return-value]


def _spatial(op: str, x: Any) -> tuple[Any, bool]:
    """``x`` as (N, C, H, W), and whether it came without the batch dim."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): input must be a tensor, got {type(x).__name__}")
    if x.ndim not in (3, 4) or 0 in x.shape[x.ndim - 3:]:
        raise RuntimeError(f"{op}(): non-empty 3D or 4D (batch mode) tensor expected for input, "
                           f"got shape {list(x.shape)}")
    return (x.unsqueeze(0), True) if x.ndim == 3 else (x, False)


def _pool_windows(op: str, x: Any, kernel: Any, stride: Any, padding: Any, dilation: Any,
                  ceil_mode: bool) -> Windows:
    kernel = _pair(kernel, "kernel_size", op)
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
        else _pair(stride, "stride", op)
    padding = _pair(padding, "padding", op)
    dilation = _pair(dilation, "dilation", op)
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"{op}(): kernel size should be greater than zero, but got "
                           f"kernel_size={list(kernel)}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{op}(): stride should be greater than zero, but got "
                           f"stride={list(stride)}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"{op}(): dilation should be greater than zero, but got "
                           f"dilation={list(dilation)}")
    for k, p, d in zip(kernel, padding, dilation):
        if p < 0 or 2 * p > (k - 1) * d + 1:
            raise RuntimeError(f"{op}(): pad should be at most half of effective kernel size, "
                               f"but got pad={p}, kernel_size={k} and dilation={d}")
    size = tuple(x.shape[2:])
    out = []
    for n, k, s, p, d in zip(size, kernel, stride, padding, dilation):
        span = n + 2 * p - d * (k - 1) - 1
        o = (span + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (o - 1) * s >= n + p:  # the last window must start inside
            o -= 1
        out.append(o)
    if any(o < 1 for o in out):
        raise RuntimeError(
            f"{op}(): given input size: ({x.shape[1]}x{size[0]}x{size[1]}). Calculated output "
            f"size: ({x.shape[1]}x{out[0]}x{out[1]}). Output size is too small")
    return cached_windows(size, kernel, stride, dilation, padding, tuple(out))


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """The maximum of each window of ``input`` (N, C, H, W) or (C, H, W), as
    torch.nn.functional.max_pool2d; with ``return_indices`` also each maximum's position in its
    input plane (flattened H * W), as PyTorch gives them to max_unpool2d."""
    x, unbatched = _spatial("max_pool2d", input)
    win = _pool_windows("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    eng = type(x)._eng
    xp = type(x)._xp
    dtype = x._data.dtype
    if eng.is_floating(dtype):
        fill = -math.inf
    elif eng.is_integer(dtype):
        fill = xp.iinfo(dtype).min
    else:
        raise RuntimeError(f"max_pool2d(): not implemented for {eng.dtype_name(dtype)} input")
    pooled = unary(MaxPool2DWithIndicesBackward0, x, win=win, fill=fill)
    out = pooled.squeeze(0) if unbatched else pooled
    if not return_indices:
        return out
    node = pooled._grad_fn
    if node is not None and node.op == "max_pool2d":
        winners = node.winners
    else:  # nothing recorded: find the winners again
        winners = xp.argmax(unfold_raw(xp, x._data, win, fill), axis=2, keepdims=True)
    indices = constant(type(x), _positions(xp, winners, win, eng))
    return out, indices.squeeze(0) if unbatched else indices


def _positions(xp: Any, winners: Any, win: Windows, eng: Any) -> Any:
    """Each window's winning tap as a position in its (unpadded) input plane, h * W + w."""
    kw = win.kernel[1]
    tap = xp.squeeze(winners, axis=2)
    th, tw = tap // kw, tap % kw
    oh = xp.reshape(xp.arange(win.out[0], dtype=eng.int64), (-1, 1))
    ow = xp.reshape(xp.arange(win.out[1], dtype=eng.int64), (1, -1))
    h = oh * win.stride[0] - win.lo[0] + th * win.dilation[0]
    w = ow * win.stride[1] - win.lo[1] + tw * win.dilation[1]
    return h * win.size[1] + w


def avg_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: Any = None) -> Any:
    """The mean of each window of ``input`` (N, C, H, W) or (C, H, W), as
    torch.nn.functional.avg_pool2d (padding counts as zeros unless ``count_include_pad`` is
    False; ``divisor_override`` replaces the window size)."""
    x, unbatched = _spatial("avg_pool2d", input)
    win = _pool_windows("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode)
    eng = type(x)._eng
    if eng.is_bool(x._data.dtype):
        raise RuntimeError("avg_pool2d(): not implemented for bool input")
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or int(divisor_override) == 0:
            raise RuntimeError("avg_pool2d(): divisor must be not zero")
        divisor: Any = float(divisor_override)
    else:
        counts = []
        for n, k, s, p, o in zip(win.size, win.kernel, win.stride, win.lo, win.out):
            per = []
            for j in range(o):
                start = j * s - p
                end = min(start + k, n + p)
                if not count_include_pad:
                    start, end = max(start, 0), min(end, n)
                per.append(float(end - start))
            counts.append(per)
        xp = type(x)._xp
        wide = eng.float64 if x._data.dtype == eng.float64 else eng.float32
        divisor = (xp.reshape(xp.asarray(counts[0], dtype=wide), (-1, 1))
                   * xp.reshape(xp.asarray(counts[1], dtype=wide), (1, -1)))
        if eng.is_floating(x._data.dtype) and divisor.dtype != x._data.dtype:
            divisor = xp.astype(divisor, x._data.dtype)
    out = unary(AvgPool2DBackward0, x, win=win, divisor=divisor)
    return out.squeeze(0) if unbatched else out


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Any:
    """Averages of ``input`` (N, C, H, W) or (C, H, W) over windows that tile it into
    ``output_size`` (an int, a pair, None keeping a dim), as
    torch.nn.functional.adaptive_avg_pool2d."""
    x, unbatched = _spatial("adaptive_avg_pool2d", input)
    eng = type(x)._eng
    if not eng.is_floating(x._data.dtype):
        raise NotImplementedError(f"adaptive_avg_pool2d(): not implemented for "
                           f"{eng.dtype_name(x._data.dtype)} input; convert with .float()")
    if isinstance(output_size, int) or output_size is None:
        output_size = (output_size, output_size)
    sizes = tuple(output_size)
    if len(sizes) != 2:
        raise RuntimeError(f"adaptive_avg_pool2d(): output_size must be 2, got {list(sizes)}")
    size = tuple(x.shape[2:])
    sizes = tuple(n if m is None else int(m) for m, n in zip(sizes, size))
    if any(m < 0 for m in sizes) or (0 in sizes and x.numel()):
        raise RuntimeError(f"adaptive_avg_pool2d(): elements of output_size must be greater "
                           f"than or equal to 0 but received {list(sizes)}")
    if sizes == (1, 1):  # PyTorch's route for a global average: a mean (MeanBackward1)
        return input.mean(dim=(-1, -2), keepdim=True)
    maps = []
    for m, n in zip(sizes, size):
        rows = []
        for i in range(m):
            start, end = (i * n) // m, -((-(i + 1) * n) // m)
            rows.append([(j, 1.0 / (end - start)) for j in range(start, end)])
        maps.append(linmaps.matrix(type(x)._xp, rows, n, x._data.dtype))
    out = unary(AdaptiveAvgPool2DBackward0, x, maps=tuple(maps))
    return out.squeeze(0) if unbatched else out
