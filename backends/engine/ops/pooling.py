"""Pooling over two or three spatial dims: max_pool2d/3d, avg_pool2d/3d (over sliding windows,
`.windows`) and adaptive_avg_pool2d/3d (each window added in PyTorch's order; its gradient one
averaging matrix per spatial dim, `.linmaps`), with
PyTorch's output sizes, ceil_mode, padding rules and node names."""

from __future__ import annotations

import itertools
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
    first one, on ties, as PyTorch).  Over two or three spatial dims (named for them)."""

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
        return (F.tie(gx, self.name().replace("Backward0", "BackwardBackward0"), x),)

    def name(self):
        return f"MaxPool{len(self.win.kernel)}DWithIndicesBackward0"  # 2-d or 3-d


@register("avg_pool2d")
class AvgPool2DBackward0(Node):
    """The mean of each window: its sum over the divisor PyTorch uses (taps inside the padded
    input, taps inside the input, or ``divisor_override``); two or three spatial dims."""

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
        return (F.tie(gx, self.name().replace("Backward0", "BackwardBackward0"), x),)

    def name(self):
        return f"AvgPool{len(self.win.kernel)}DBackward0"


@register("adaptive_avg_pool2d")
class AdaptiveAvgPool2DBackward0(Node):
    """Averages over PyTorch's adaptive windows (``floor(i n / m)`` to ``ceil((i + 1) n / m)``).
    The forward adds each window's elements in PyTorch's order (row by row, one after the
    other) and divides by the window's size along each dim in turn, so the values are
    PyTorch's to the bit; the gradient divides the same way and spreads each share over its
    window with one 0/1 matrix per spatial dim."""

    quiet = True
    __slots__ = ("maps", "dims", "counts")
    saves = (0,)
    keeps = ("maps", "counts")

    def forward(self, xp, x, maps, plan):
        self.maps, self.dims = maps, len(maps)  # (the name outlives the freed maps)
        index, counts, out_size = plan
        counts = tuple(xp.astype(c, x.dtype) for c in counts)
        self.counts = counts
        lead = tuple(x.shape[:-len(maps)])
        flat = xp.reshape(x, lead + (-1,))
        # one zero after the elements: where a window shorter than the longest one points
        flat = xp.concat([flat, xp.zeros(lead + (1,), dtype=x.dtype)], axis=-1)
        picked = xp.reshape(xp.take(flat, xp.reshape(index, (-1,)), axis=len(lead)),
                            lead + tuple(index.shape))
        # the window's position is not the fastest axis: the host adds in order, not pairwise
        out = xp.reshape(xp.sum(picked, axis=len(lead)), lead + out_size)
        for count in counts:
            out = out / count
        return out

    def backward(self, F, g, x):
        # each window's share, divided as the forward divides, then spread over its elements
        for count in self.counts:
            g = g / count
        label = self.name().replace("Backward0", "BackwardBackward0")
        return (F.tie(linmaps.adjoint(F, g, self.maps), label, x),)

    def name(self):
        return f"AdaptiveAvgPool{self.dims}DBackward0"


# ------------------------------------------------------------------ user-facing functions
_COUNTS = {2: "two", 3: "three"}


def _ntuple(value: Any, n: int, what: str, op: str) -> tuple[int, ...]:
    if isinstance(value, bool):
        raise TypeError(f"{op}(): {what} must be an int or a tuple of {n} ints, got a bool")
    if isinstance(value, int):
        return (value,) * n
    items = tuple(int(v) for v in value)
    if len(items) == 1:
        return items * n
    if len(items) != n:
        raise RuntimeError(f"{op}(): {what} must either be a single int, or a tuple of "
                           f"{_COUNTS[n]} ints, got {list(items)}")
    return items


def _spatial(op: str, x: Any, dims: int = 2) -> tuple[Any, bool]:
    """``x`` with a batch dim (N, C, *spatial), and whether it came without one."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): input must be a tensor, got {type(x).__name__}")
    if x.ndim not in (dims + 1, dims + 2) or 0 in x.shape[x.ndim - dims - 1:]:
        raise RuntimeError(f"{op}(): non-empty {dims + 1}D or {dims + 2}D (batch mode) tensor "
                           f"expected for input, got shape {list(x.shape)}")
    return (x.unsqueeze(0), True) if x.ndim == dims + 1 else (x, False)


def _pool_windows(op: str, x: Any, kernel: Any, stride: Any, padding: Any, dilation: Any,
                  ceil_mode: bool, dims: int = 2) -> Windows:
    kernel = _ntuple(kernel, dims, "kernel_size", op)
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
        else _ntuple(stride, dims, "stride", op)
    padding = _ntuple(padding, dims, "padding", op)
    dilation = _ntuple(dilation, dims, "dilation", op)
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
        given = "x".join(map(str, (x.shape[1],) + size))
        got = "x".join(map(str, (x.shape[1],) + tuple(out)))
        raise RuntimeError(f"Given input size: ({given}). Calculated output size: ({got}). "
                           f"Output size is too small (in {op}(): make the kernel smaller or "
                           "pad the input)")
    return cached_windows(size, kernel, stride, dilation, padding, tuple(out))


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """The maximum of each window of ``input`` (N, C, H, W) or (C, H, W), as
    torch.nn.functional.max_pool2d; with ``return_indices`` also each maximum's position in its
    input plane (flattened H * W), as PyTorch gives them to max_unpool2d."""
    return _max_pool("max_pool2d", 2, MaxPool2DWithIndicesBackward0, input, kernel_size, stride,
                     padding, dilation, ceil_mode, return_indices)


def max_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """The maximum of each window of ``input`` (N, C, D, H, W) or (C, D, H, W), as
    torch.nn.functional.max_pool3d; with ``return_indices`` also each maximum's position in its
    input volume (flattened D * H * W)."""
    return _max_pool("max_pool3d", 3, MaxPool2DWithIndicesBackward0, input, kernel_size, stride,
                     padding, dilation, ceil_mode, return_indices)


def _max_pool(op: str, dims: int, node_cls: type, input: Any, kernel_size: Any, stride: Any,
              padding: Any, dilation: Any, ceil_mode: bool, return_indices: bool) -> Any:
    x, unbatched = _spatial(op, input, dims)
    win = _pool_windows(op, x, kernel_size, stride, padding, dilation, ceil_mode, dims)
    eng = type(x)._eng
    xp = type(x)._xp
    dtype = x._data.dtype
    if eng.is_floating(dtype):
        fill = -math.inf
    elif eng.is_integer(dtype):
        fill = xp.iinfo(dtype).min
    else:
        raise RuntimeError(f"{op}(): not implemented for {eng.dtype_name(dtype)} input")
    pooled = unary(node_cls, x, win=win, fill=fill)
    out = pooled.squeeze(0) if unbatched else pooled
    if not return_indices:
        return out
    node = pooled._grad_fn
    if node is not None and node.op == "max_pool2d":  # (the node of 2-d and 3-d pooling)
        winners = node.winners
    else:  # nothing recorded: find the winners again
        winners = xp.argmax(unfold_raw(xp, x._data, win, fill), axis=2, keepdims=True)
    indices = constant(type(x), _positions(xp, winners, win, eng))
    return out, indices.squeeze(0) if unbatched else indices


def _positions(xp: Any, winners: Any, win: Windows, eng: Any) -> Any:
    """Each window's winning tap as a position in its (unpadded) input plane or volume,
    flattened in row-major order (h * W + w in a plane)."""
    tap = xp.squeeze(winners, axis=2)
    dims = len(win.kernel)
    position = None
    for d in range(dims):
        inner = math.prod(win.kernel[d + 1:])  # the tap's coordinate along d, row-major
        offset = (tap // inner) % win.kernel[d]
        shape = tuple(-1 if e == d else 1 for e in range(dims))
        start = xp.reshape(xp.arange(win.out[d], dtype=eng.int64), shape)
        coord = start * win.stride[d] - win.lo[d] + offset * win.dilation[d]
        position = coord if position is None else position * win.size[d] + coord
    return position


def avg_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: Any = None) -> Any:
    """The mean of each window of ``input`` (N, C, H, W) or (C, H, W), as
    torch.nn.functional.avg_pool2d (padding counts as zeros unless ``count_include_pad`` is
    False; ``divisor_override`` replaces the window size)."""
    return _avg_pool("avg_pool2d", 2, AvgPool2DBackward0, input, kernel_size, stride, padding,
                     ceil_mode, count_include_pad, divisor_override)


def avg_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: Any = None) -> Any:
    """The mean of each window of ``input`` (N, C, D, H, W) or (C, D, H, W), as
    torch.nn.functional.avg_pool3d."""
    return _avg_pool("avg_pool3d", 3, AvgPool2DBackward0, input, kernel_size, stride, padding,
                     ceil_mode, count_include_pad, divisor_override)


def _avg_pool(op: str, dims: int, node_cls: type, input: Any, kernel_size: Any, stride: Any,
              padding: Any, ceil_mode: bool, count_include_pad: bool,
              divisor_override: Any) -> Any:
    x, unbatched = _spatial(op, input, dims)
    win = _pool_windows(op, x, kernel_size, stride, padding, 1, ceil_mode, dims)
    eng = type(x)._eng
    if eng.is_bool(x._data.dtype):
        raise RuntimeError(f"{op}(): not implemented for bool input")
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or int(divisor_override) == 0:
            raise RuntimeError(f"{op}(): divisor must be not zero")
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
        divisor = None
        for d, per in enumerate(counts):
            shape = tuple(-1 if e == d else 1 for e in range(dims))
            factor = xp.reshape(xp.asarray(per, dtype=wide), shape)
            divisor = factor if divisor is None else divisor * factor
        if eng.is_floating(x._data.dtype) and divisor.dtype != x._data.dtype:
            divisor = xp.astype(divisor, x._data.dtype)
    out = unary(node_cls, x, win=win, divisor=divisor)
    return out.squeeze(0) if unbatched else out


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Any:
    """Averages of ``input`` (N, C, H, W) or (C, H, W) over windows that tile it into
    ``output_size`` (an int, a pair, None keeping a dim), as
    torch.nn.functional.adaptive_avg_pool2d."""
    return _adaptive_avg_pool("adaptive_avg_pool2d", 2, AdaptiveAvgPool2DBackward0, input,
                              output_size)


def adaptive_avg_pool3d(input: Any, output_size: Any) -> Any:
    """Averages of ``input`` (N, C, D, H, W) or (C, D, H, W) over windows that tile it into
    ``output_size`` (an int, a triple, None keeping a dim), as
    torch.nn.functional.adaptive_avg_pool3d."""
    return _adaptive_avg_pool("adaptive_avg_pool3d", 3, AdaptiveAvgPool2DBackward0, input,
                              output_size)


def _adaptive_avg_pool(op: str, dims: int, node_cls: type, input: Any, output_size: Any) -> Any:
    x, unbatched = _spatial(op, input, dims)
    eng = type(x)._eng
    if not eng.is_floating(x._data.dtype):
        raise NotImplementedError(f"{op}(): not implemented for "
                                  f"{eng.dtype_name(x._data.dtype)} input; convert with .float()")
    if isinstance(output_size, int) or output_size is None:
        output_size = (output_size,) * dims
    sizes = tuple(output_size)
    if len(sizes) != dims:
        raise RuntimeError(f"{op}(): output_size must be {dims}, got {list(sizes)}")
    size = tuple(x.shape[2:])
    sizes = tuple(n if m is None else int(m) for m, n in zip(sizes, size))
    if any(m < 0 for m in sizes) or (0 in sizes and x.numel()):
        raise RuntimeError(f"{op}(): elements of output_size must be greater than or equal to "
                           f"0 but received {list(sizes)}")
    if sizes == (1,) * dims:  # PyTorch's route for a global average: a mean (MeanBackward1)
        return input.mean(dim=tuple(range(-1, -dims - 1, -1)), keepdim=True)
    maps = []
    for m, n in zip(sizes, size):
        rows = []
        for i in range(m):
            start, end = (i * n) // m, -((-(i + 1) * n) // m)
            rows.append([(j, 1.0) for j in range(start, end)])  # (the sizes divide apart)
        maps.append(linmaps.matrix(type(x)._xp, rows, n, x._data.dtype))
    # (the node pools the trailing dims whatever leads them: an unbatched input as it is, so
    # its grad_fn is the pooling node, as PyTorch's)
    return unary(node_cls, input if unbatched else x, maps=tuple(maps),
                 plan=_window_plan(type(x)._xp, size, sizes))


def _window_plan(xp: Any, size: tuple[int, ...], out_size: tuple[int, ...]) -> tuple:
    """Adaptive pooling's windows as `AdaptiveAvgPool2DBackward0` adds them: ``index`` (K, M),
    for each of the M output cells the flat positions of its window's elements in row-major
    order (the position one past the last element where the window has fewer than K), the
    windows' sizes along each dim (shaped to divide the output), and the output size.  Made
    once per namespace and shape: a model pools the same shapes at every step."""
    key = (xp, size, out_size)
    found = _PLANS.get(key)
    if found is not None:
        return found
    per_dim = [[((i * n) // m, -((-(i + 1) * n) // m)) for i in range(m)]
               for n, m in zip(size, out_size)]
    strides = [math.prod(size[d + 1:]) for d in range(len(size))]
    cells = list(itertools.product(*per_dim))
    total = math.prod(size)
    windows = []
    for cell in cells:
        ranges = [range(start, end) for start, end in cell]
        windows.append([sum(i * st for i, st in zip(pos, strides))
                        for pos in itertools.product(*ranges)])
    k = max((len(w) for w in windows), default=0)
    index = [[w[j] if j < len(w) else total for w in windows] for j in range(k)]
    counts = []
    for d, spans in enumerate(per_dim):
        shape = tuple(-1 if e == d else 1 for e in range(len(size)))
        counts.append(xp.reshape(xp.asarray([end - start for start, end in spans]), shape))
    plan = (xp.asarray(index, dtype=xp.int64), tuple(counts), tuple(out_size))
    if len(_PLANS) >= 64:  # a few shapes per model: forget the oldest beyond that
        del _PLANS[next(iter(_PLANS))]
    _PLANS[key] = plan
    return plan


_PLANS: dict[tuple, tuple] = {}
