"""Convolution: conv1d/2d/3d and conv_transpose1d/2d/3d (stride, padding, dilation, groups) as
one node, ``ConvolutionBackward0``, as in PyTorch.

The formulation is im2col: the input's windows (`.windows.unfold_raw`) times the weight as a
matrix, one batched matrix product per group.  A transposed convolution is the adjoint: the
weight's transpose times the input, folded back (`.windows.fold_raw`).  The backward formulas
use the same two moves, through the differentiable ``F.im2col``/``F.col2im`` and matrix
products, so a convolution's gradient can itself be differentiated (create_graph=True).
"""

from __future__ import annotations

import math
from typing import Any

from ..apply import apply
from ..node import Node, register
from ..tensor import Tensor
from .windows import cached_windows, conv_windows, fold_raw, unfold_raw


@register("convolution")
class ConvolutionBackward0(Node):
    """``input`` (N, C, *size) convolved with ``weight``: (OC, C/groups, *kernel), or
    (C, OC/groups, *kernel) when ``transposed``; plus ``bias`` (OC,) when given."""

    quiet = True
    __slots__ = ("win", "groups", "transposed", "shapes")
    saves = (0, 1)  # both, as PyTorch's node: its gradients tie to both (see .tie)

    def forward(self, xp, x, w, b, win, groups, transposed):
        self.win, self.groups, self.transposed = win, groups, transposed
        self.shapes = (tuple(x.shape), tuple(w.shape))  # only one of x and w may be saved
        n, c = x.shape[0], x.shape[1]
        taps, windows = win.taps, math.prod(win.out)
        if transposed:  # x holds one value per window: spread each over its taps
            inner = c // groups
            outer = w.shape[1]
            cols = (xp.matrix_transpose(xp.reshape(w, (groups, inner, outer * taps)))
                    @ xp.reshape(x, (n, groups, inner, windows)))
            out = fold_raw(xp, xp.reshape(cols, (n, groups * outer, taps) + win.out), win)
        else:
            cols = xp.reshape(unfold_raw(xp, x, win), (n, groups, c // groups * taps, windows))
            oc = w.shape[0]
            out = xp.reshape(w, (groups, oc // groups, c // groups * taps)) @ cols
            out = xp.reshape(out, (n, oc) + win.out)
        if b is not None:
            out += xp.reshape(b, (b.shape[0],) + (1,) * len(win.out))
        return out

    def backward(self, F, g, x, w, b):
        ex, ew, eb = self._next
        win, groups = self.win, self.groups
        n, taps, windows = g.shape[0], win.taps, math.prod(win.out)
        x_shape, w_shape = self.shapes  # (what the backward needs without create_graph)
        gx = gw = gb = None
        if self.transposed:
            inner, outer = x_shape[1] // groups, w_shape[1]
            # the output's windows are the input's positions: unfold the output's gradient
            if ex is not None or ew is not None:
                cols = F.reshape(F.im2col(g, win), (n, groups, outer * taps, windows))
            if ex is not None:
                gx = F.reshape(F.reshape(w, (groups, inner, outer * taps)) @ cols, x_shape)
            if ew is not None:
                xs = F.reshape(x, (n, groups, inner, windows))
                gw = F.reshape(F.sum(xs @ F.matrix_transpose(cols), axis=0), w_shape)
        else:
            c, oc = x_shape[1], w_shape[0]
            g2 = F.reshape(g, (n, groups, oc // groups, windows))
            if ex is not None:
                w2 = F.reshape(w, (groups, oc // groups, c // groups * taps))
                cols = F.matrix_transpose(w2) @ g2
                gx = F.col2im(F.reshape(cols, (n, c, taps) + win.out), win)
            if ew is not None:
                cols = F.reshape(F.im2col(x, win), (n, groups, c // groups * taps, windows))
                gw = F.reshape(F.sum(g2 @ F.matrix_transpose(cols), axis=0), w_shape)
        if eb is not None:
            gb = F.sum(g, axis=(0,) + tuple(range(2, g.ndim)))
        label = "ConvolutionBackwardBackward0"
        return tuple(None if d is None else F.tie(d, label, x, w) for d in (gx, gw, gb))


# ------------------------------------------------------------------ user-facing functions
def _tuple(value: Any, n: int, what: str, op: str) -> tuple[int, ...]:
    """An int or a sequence of ``n`` ints, as a tuple of ``n`` ints."""
    if isinstance(value, bool):
        raise TypeError(f"{op}(): {what} must be an int or a tuple of {n} ints, got a bool")
    if isinstance(value, int):
        return (value,) * n
    try:
        items = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{op}(): {what} must be an int or a tuple of {n} ints, got "
                        f"{type(value).__name__}") from None
    if len(items) == 1:
        return items * n
    if len(items) != n:
        raise RuntimeError(f"{op}(): expected {what} to be a single integer value or a list of "
                           f"{n} values to match the convolution dimensions, but got "
                           f"{what}={list(items)}")
    return items


def _check_tensors(op: str, x: Any, w: Any, b: Any, dims: int) -> None:
    for label, t in (("input", x), ("weight", w)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): {label} must be a tensor, got {type(t).__name__}")
    if b is not None and not isinstance(b, Tensor):
        raise TypeError(f"{op}(): bias must be a tensor or None, got {type(b).__name__}")
    if x.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {op}, but got "
            f"input of size: {list(x.shape)}")
    if w.ndim != dims + 2:
        raise RuntimeError(f"{op}(): weight must be {dims + 2}-dimensional, got weight of size "
                           f"{list(w.shape)}")
    eng = type(x)._eng
    dtypes = [t._data.dtype for t in (x, w, b) if t is not None]
    if any(d != dtypes[0] for d in dtypes):
        got = ", ".join(eng.dtype_name(d) for d in dtypes)
        raise RuntimeError(f"{op}(): input, weight and bias must have the same dtype (PyTorch "
                           f"does not promote here), got {got}; convert with .to(...)")


def _check_geometry(op: str, stride: tuple, dilation: tuple, padding: tuple) -> None:
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{op}(): non-positive stride is not supported (stride={list(stride)})")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"{op}(): dilation should be greater than zero (dilation="
                           f"{list(dilation)})")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"{op}(): negative padding is not supported (padding="
                           f"{list(padding)})")


def _batched(x: Any, dims: int) -> tuple[Any, bool]:
    if x.ndim == dims + 1:
        return x.unsqueeze(0), True
    return x, False


def _convolution(op: str, dims: int, input: Any, weight: Any, bias: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int) -> Any:
    _check_tensors(op, input, weight, bias, dims)
    stride = _tuple(stride, dims, "stride", op)
    dilation = _tuple(dilation, dims, "dilation", op)
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            lo = hi = (0,) * dims
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError(f"{op}(): padding='same' is not supported for strided "
                                   "convolutions")
            total = tuple(d * (k - 1) for d, k in zip(dilation, kernel))
            lo = tuple(t // 2 for t in total)
            hi = tuple(t - a for t, a in zip(total, lo))
        else:
            raise RuntimeError(f"{op}(): invalid padding string {padding!r}; use 'valid', "
                               "'same', an int or a tuple of ints")
    else:
        lo = hi = _tuple(padding, dims, "padding", op)
    _check_geometry(op, stride, dilation, lo)
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise RuntimeError(f"{op}(): non-positive groups is not supported (groups={groups!r})")
    x, unbatched = _batched(input, dims)
    c, oc = x.shape[1], weight.shape[0]
    if oc % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size {list(weight.shape)} instead")
    if c != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
            f"{list(x.shape)} to have {weight.shape[1] * groups} channels, but got {c} channels "
            "instead")
    if bias is not None and tuple(bias.shape) != (oc,):
        raise RuntimeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
            f"{oc} elements, but got bias of size {list(bias.shape)} instead")
    size = tuple(x.shape[2:])
    padded = tuple(n + a + b for n, a, b in zip(size, lo, hi))
    reach = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    if any(r > p for r, p in zip(reach, padded)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, reach))}). Kernel size can't be greater than "
            f"actual input size (in {op}(): pad the input or use a smaller kernel)")
    win = conv_windows(size, kernel, stride, dilation, lo, hi)
    out = apply(ConvolutionBackward0, (x, weight, bias), type(x), win=win, groups=groups,
                transposed=False)
    return out.squeeze(0) if unbatched else out


def conv1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Any:
    """1-D convolution of ``input`` (N, C, L) or (C, L) with ``weight`` (OC, C/groups, K), as
    torch.nn.functional.conv1d (padding: an int, a 1-tuple, 'valid' or 'same')."""
    return _convolution("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Any:
    """2-D convolution of ``input`` (N, C, H, W) or (C, H, W) with ``weight``
    (OC, C/groups, KH, KW), as torch.nn.functional.conv2d (padding: an int, a pair, 'valid' or
    'same')."""
    return _convolution("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Any:
    """3-D convolution of ``input`` (N, C, D, H, W) or (C, D, H, W) with ``weight``
    (OC, C/groups, KD, KH, KW), as torch.nn.functional.conv3d (padding: an int, a triple,
    'valid' or 'same')."""
    return _convolution("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _transposed(op: str, dims: int, input: Any, weight: Any, bias: Any, stride: Any,
                padding: Any, output_padding: Any, groups: int, dilation: Any) -> Any:
    _check_tensors(op, input, weight, bias, dims)
    stride = _tuple(stride, dims, "stride", op)
    dilation = _tuple(dilation, dims, "dilation", op)
    if isinstance(padding, str):
        raise RuntimeError(f"{op}(): padding must be an int or a tuple of ints (no string "
                           "padding for transposed convolutions)")
    padding = _tuple(padding, dims, "padding", op)
    extra = _tuple(output_padding, dims, "output_padding", op)
    _check_geometry(op, stride, dilation, padding)
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise RuntimeError(f"{op}(): non-positive groups is not supported (groups={groups!r})")
    for e, s, d in zip(extra, stride, dilation):
        if e < 0 or e >= max(s, d):
            raise RuntimeError(
                f"{op}(): output padding must be smaller than either stride or dilation, but got"
                f" output_padding={list(extra)}, stride={list(stride)}, dilation={list(dilation)}")
    x, unbatched = _batched(input, dims)
    c = x.shape[1]
    if c != weight.shape[0] or c % groups:
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
            f"{list(x.shape)} to have {weight.shape[0]} channels (divisible by groups={groups}), "
            f"but got {c} channels instead")
    oc = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (oc,):
        raise RuntimeError(
            f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
            f"1-dimensional with {oc} elements, but got bias of size {list(bias.shape)} instead")
    kernel = tuple(weight.shape[2:])
    size = tuple(x.shape[2:])
    out = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1
                for n, s, p, d, k, e in zip(size, stride, padding, dilation, kernel, extra))
    if any(o < 1 for o in out):
        raise RuntimeError(f"{op}(): given input size {list(size)}, the calculated output size "
                           f"{list(out)} is too small")
    # the windows of the (virtual) convolution that maps the output back onto the input
    win = cached_windows(out, kernel, stride, dilation, padding, size)
    y = apply(ConvolutionBackward0, (x, weight, bias), type(x), win=win, groups=groups,
              transposed=True)
    return y.squeeze(0) if unbatched else y


def conv_transpose1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Any:
    """1-D transposed convolution of ``input`` (N, C, L) with ``weight`` (C, OC/groups, K), as
    torch.nn.functional.conv_transpose1d (the gradient of conv1d with respect to its input)."""
    return _transposed("conv_transpose1d", 1, input, weight, bias, stride, padding,
                       output_padding, groups, dilation)


def conv_transpose2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Any:
    """2-D transposed convolution of ``input`` (N, C, H, W) with ``weight``
    (C, OC/groups, KH, KW), as torch.nn.functional.conv_transpose2d."""
    return _transposed("conv_transpose2d", 2, input, weight, bias, stride, padding,
                       output_padding, groups, dilation)


def conv_transpose3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Any:
    """3-D transposed convolution of ``input`` (N, C, D, H, W) with ``weight``
    (C, OC/groups, KD, KH, KW), as torch.nn.functional.conv_transpose3d."""
    return _transposed("conv_transpose3d", 3, input, weight, bias, stride, padding,
                       output_padding, groups, dilation)
