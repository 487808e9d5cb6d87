"""Members of ``torch.nn.functional`` that move pixels around, composed of protocol ops:
sliding blocks (`unfold`, `fold`), sampling at coordinates (`grid_sample`, `affine_grid`),
bicubic resizing (`interpolate_bicubic`, which `gradspec.nn.functional.interpolate` runs for
``mode='bicubic'``), max unpooling (`max_unpool1d`, `max_unpool2d`) and power-average pooling
(`lp_pool1d`, `lp_pool2d`).  `gradspec.nn.functional` re-exports them.

Written once against the backend protocol (slicing, ``stack``, ``gather``, ``index_add``,
``scatter``, ``matmul``, ``where``), so every backend runs them and autograd differentiates
them as any graph: the gradients are torch's, including at the borders where torch defines
them specially (a coordinate clipped by ``grid_sample``'s ``'border'`` or ``'reflection'``
padding passes no gradient at the border itself, as torch's kernel says).
"""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

from ..graph_names import shown_as
from ..plugins import backend_of

__all__ = ["affine_grid", "fold", "grid_sample", "interpolate_bicubic", "lp_pool1d",
           "lp_pool2d", "max_unpool1d", "max_unpool2d", "unfold"]


def _tuple(value: Any, n: int, what: str, name: str) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ``n`` ints) as ``n`` ints."""
    if isinstance(value, (tuple, list)):
        if len(value) != n:
            raise ValueError(f"{name}: {what} must be an int or a tuple of {n} ints, got "
                             f"{tuple(value)}")
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _device(tensor: Any) -> dict[str, Any]:
    device = getattr(tensor, "device", None)
    return {} if device is None else {"device": device}


# ------------------------------------------------------------------------- sliding blocks
def _blocks(name: str, size: tuple[int, int], kernel: tuple[int, int],
            dilation: tuple[int, int], padding: tuple[int, int],
            stride: tuple[int, int]) -> tuple[int, int]:
    """The number of sliding blocks along each of the two spatial dims (torch's checks)."""
    for what, values, least in (("kernel_size", kernel, 1), ("dilation", dilation, 1),
                                ("stride", stride, 1), ("padding", padding, 0)):
        if min(values) < least:
            bound = "greater than zero" if least else "non-negative"
            raise RuntimeError(f"{name}: {what} should be {bound}, but got {what}={values}")
    blocks = tuple((s + 2 * p - d * (k - 1) - 1) // st + 1
                   for s, k, d, p, st in zip(size, kernel, dilation, padding, stride))
    if min(blocks) < 1:
        raise RuntimeError(f"Given input with spatial size {size}, kernel_size={kernel}, "
                           f"dilation={dilation}, padding={padding}, calculated shape of the "
                           f"array of sliding blocks as {blocks}, but its components must be "
                           f"at least one; use a smaller kernel or dilation, or more padding")
    return blocks  # type: ignore[return-value]


def unfold(input: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Any:
    """Extract sliding local blocks (im2col): (N, C, H, W) to (N, C * kh * kw, L), each column
    one block, L blocks (unbatched (C, H, W) gives (C * kh * kw, L)); the block's channel
    ``c * kh * kw + i * kw + j`` holds kernel position (i, j) of channel c."""
    if input.dim() not in (3, 4):
        raise RuntimeError(f"unfold: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
                           f"shape {tuple(input.shape)}; only 2-D blocks are supported")
    kernel = _tuple(kernel_size, 2, "kernel_size", "unfold")
    dil = _tuple(dilation, 2, "dilation", "unfold")
    pad = _tuple(padding, 2, "padding", "unfold")
    step = _tuple(stride, 2, "stride", "unfold")
    x = input.unsqueeze(0) if input.dim() == 3 else input
    n, c, h, w = tuple(x.shape)
    oh, ow = _blocks("unfold", (h, w), kernel, dil, pad, step)
    if pad[0] or pad[1]:
        from .functional import pad as _pad

        x = _pad(x, (pad[1], pad[1], pad[0], pad[0]))
    columns = []
    for i in range(kernel[0]):
        top = i * dil[0]
        rows = slice(top, top + step[0] * (oh - 1) + 1, step[0])
        for j in range(kernel[1]):
            left = j * dil[1]
            columns.append(x[:, :, rows, left:left + step[1] * (ow - 1) + 1:step[1]])
    out = backend_of(input).stack(columns, 2).reshape(n, c * kernel[0] * kernel[1], oh * ow)
    return shown_as(out.squeeze(0) if input.dim() == 3 else out, "Im2ColBackward0", input)


def fold(input: Any, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
         stride: Any = 1) -> Any:
    """Combine sliding local blocks into a tensor (col2im, the adjoint of `unfold`):
    (N, C * kh * kw, L) to (N, C, *output_size), overlapping values summed (unbatched
    (C * kh * kw, L) gives (C, *output_size))."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"fold: expected a 2-D (C * kh * kw, L) or 3-D (N, C * kh * kw, L) "
                           f"input, got shape {tuple(input.shape)}")
    size = _tuple(output_size, 2, "output_size", "fold")
    kernel = _tuple(kernel_size, 2, "kernel_size", "fold")
    dil = _tuple(dilation, 2, "dilation", "fold")
    pad = _tuple(padding, 2, "padding", "fold")
    step = _tuple(stride, 2, "stride", "fold")
    x = input.unsqueeze(0) if input.dim() == 2 else input
    n, ck, length = tuple(x.shape)
    area = kernel[0] * kernel[1]
    if ck % area:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={ck} and "
                           f"kernel_size={kernel}.")
    oh, ow = _blocks("fold", size, kernel, dil, pad, step)
    if oh * ow != length:
        raise RuntimeError(f"Given output_size={size}, kernel_size={kernel}, dilation={dil}, "
                           f"padding={pad}, stride={step}, expected size of input's dimension "
                           f"2 to match the calculated number of sliding blocks {oh} * {ow} = "
                           f"{oh * ow}, but got input.size(2)={length}.")
    B = backend_of(input)
    c = ck // area
    hp, wp = size[0] + 2 * pad[0], size[1] + 2 * pad[1]
    where = _device(x)
    rows = (B.arange(kernel[0], **where) * dil[0]).reshape(kernel[0], 1, 1, 1) \
        + (B.arange(oh, **where) * step[0]).reshape(1, 1, oh, 1)
    cols = (B.arange(kernel[1], **where) * dil[1]).reshape(1, kernel[1], 1, 1) \
        + (B.arange(ow, **where) * step[1]).reshape(1, 1, 1, ow)
    index = (rows * wp + cols).reshape(-1)  # (kh, kw, oh, ow): the input's layout
    out = x.new_zeros((n, c, hp * wp)).index_add(2, index, x.reshape(n, c, area * length))
    out = out.reshape(n, c, hp, wp)[:, :, pad[0]:pad[0] + size[0], pad[1]:pad[1] + size[1]]
    return out.squeeze(0) if input.dim() == 2 else out


# ------------------------------------------------------------------- sampling at coordinates
_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                  "align_corners=False since 1.3.0. Please specify align_corners=True if the old "
                  "behavior is desired. See the documentation of grid_sample for details.")


def _clip(B: Any, coord: Any, size: int) -> Any:
    """``coord`` clipped to [0, size - 1]; the gradient passes strictly inside only (torch's
    kernel counts the borders as outside)."""
    inside = (coord > 0) & (coord < size - 1)
    return B.where(inside, coord, coord.detach().clamp(0, size - 1))


def _reflect(B: Any, coord: Any, twice_low: int, twice_high: int) -> Any:
    """``coord`` reflected into [twice_low / 2, twice_high / 2], as torch's kernel."""
    if twice_low == twice_high:
        return B.zeros_like(coord)
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    shifted = coord - low
    distance = B.where(shifted < 0, -shifted, shifted)  # |x|, with the slope 1 at 0
    extra = distance.fmod(span)
    flips = (distance.detach() / span).floor()
    even = flips.fmod(2) == 0
    return B.where(even, extra + low, span - extra + low)


def _source_index(B: Any, coord: Any, size: int, padding_mode: str,
                  align_corners: bool) -> Any:
    """A normalized coordinate in [-1, 1] as a pixel position of a dim of ``size``."""
    if align_corners:
        coord = (coord + 1) / 2 * (size - 1)
    else:
        coord = ((coord + 1) * size - 1) / 2
    if padding_mode == "border":
        coord = _clip(B, coord, size)
    elif padding_mode == "reflection":
        if align_corners:
            coord = _reflect(B, coord, 0, 2 * (size - 1))
        else:
            coord = _reflect(B, coord, -1, 2 * size - 1)
        coord = _clip(B, coord, size)
    return coord


def grid_sample(input: Any, grid: Any, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: Any = None) -> Any:
    """The values of ``input`` (N, C, H, W) at the positions ``grid`` (N, Ho, Wo, 2) holds,
    each (x, y) normalized to [-1, 1] over the width and height (5-D: (N, C, D, H, W) at
    (N, Do, Ho, Wo, 3) positions (x, y, z)); ``mode`` ``'bilinear'`` or ``'nearest'``,
    ``padding_mode`` ``'zeros'``, ``'border'`` or ``'reflection'`` for positions outside.
    Differentiable in ``input`` and in ``grid`` (bilinear)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample: mode='bicubic' is not supported by gradspec; "
                                  "use mode='bilinear' or mode='nearest'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    shapes = f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
    if input.dim() not in (4, 5) or grid.dim() != input.dim():
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number "
                           f"of dimensions, but got {shapes}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got {shapes}")
    d = input.dim() - 2
    if grid.shape[-1] != d:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {d} in last dimension, "
                           f"but got grid with sizes {list(grid.shape)}")
    if input.dtype != grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have the same dtype, "
                           f"got {input.dtype} and {grid.dtype}; convert one (grid.to(...))")
    B = backend_of(input)
    n, c = input.shape[0], input.shape[1]
    spatial = tuple(input.shape[2:])       # (H, W) or (D, H, W)
    out_spatial = tuple(grid.shape[1:-1])
    points = math.prod(out_spatial)
    sizes = spatial[::-1]                  # per grid coordinate: x is the width, y the height
    strides = [math.prod(sizes[:k]) for k in range(d)]  # x moves by 1, y by W, z by H * W
    flat = input.reshape(n, c, math.prod(spatial))
    source = [_source_index(B, grid[..., k], sizes[k], padding_mode, align_corners)
              for k in range(d)]

    def tap(corner: list[Any]) -> Any:
        """The input's values at integer positions ``corner`` (zero outside)."""
        inside, index = None, None
        for k in range(d):
            at = corner[k]
            ok = (at >= 0) & (at <= sizes[k] - 1)
            inside = ok if inside is None else inside & ok
            offset = at.clamp(0, sizes[k] - 1).long() * strides[k]
            index = offset if index is None else index + offset
        index = index.reshape(n, 1, points).expand(n, c, points)
        values = flat.gather(2, index).reshape(n, c, *out_spatial)
        return B.where(inside.unsqueeze(1), values, B.zeros_like(values))

    if mode == "nearest":
        nearest = [s.round() for s in source]
        out = tap([s.detach() for s in nearest])
        if grid.requires_grad:  # the grid's gradient is zeros, as torch's (not None):
            bounded = [s.clamp(-2.0 ** 30, 2.0 ** 30) for s in nearest]  # finite, round's
            zero = sum(b - b.detach() for b in bounded)  # derivative 0 passed on: value 0
            out = out + zero.unsqueeze(1)
        return out
    low = [s.detach().floor() for s in source]
    out = None
    for bits in itertools.product((0, 1), repeat=d):
        weight = None
        for k, bit in enumerate(bits):
            part = source[k] - low[k] if bit else low[k] + 1 - source[k]
            weight = part if weight is None else weight * part
        term = tap([low[k] + bits[k] for k in range(d)]) * weight.unsqueeze(1)
        out = term if out is None else out + term
    return out


def _linspace(B: Any, steps: int, align_corners: bool, like: Any) -> Any:
    """torch's base-grid coordinates: ``steps`` points over [-1, 1] (pixel centres unless
    ``align_corners``); one step is 0."""
    if steps <= 1:
        return B.zeros(max(steps, 1), dtype=like.dtype, **_device(like))
    line = B.linspace(-1.0, 1.0, steps, dtype=like.dtype, **_device(like))
    return line if align_corners else line * ((steps - 1) / steps)


def affine_grid(theta: Any, size: Any, align_corners: Any = None) -> Any:
    """The sampling grid of a batch of affine maps ``theta`` (N, 2, 3) for an output of
    ``size`` (N, C, H, W), as (N, H, W, 2) positions for `grid_sample` (3-D: ``theta``
    (N, 3, 4), ``size`` (N, C, D, H, W), a (N, D, H, W, 3) grid)."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = [int(s) for s in size]
    if len(size) == 4:
        rows, cols, kind = 2, 3, "2D affine matrices of shape Nx2x3"
    elif len(size) == 5:
        rows, cols, kind = 3, 4, "3D affine matrices of shape Nx3x4"
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    if theta.dim() != 3 or tuple(theta.shape[1:]) != (rows, cols):
        raise ValueError(f"Expected a batch of {kind} for size {size}. Got "
                         f"{tuple(theta.shape)}.")
    if align_corners and min(size[2:]) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size "
                      "grids when align_corners=True. This is not an intended use case of "
                      "affine_grid. See the documentation of affine_grid for details.",
                      UserWarning, stacklevel=2)
    elif min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise ValueError(f"affine_grid: theta holds {theta.shape[0]} matrices but size asks "
                         f"for a batch of {size[0]}; give one matrix per sample")
    B = backend_of(theta)
    spatial = size[2:]                     # (H, W) or (D, H, W)
    d = len(spatial)
    axes = []
    for k in range(d):                     # x along W (the last dim), then y, then z
        dim = d - 1 - k
        shape = [1] * d
        shape[dim] = spatial[dim]
        axes.append(_linspace(B, spatial[dim], align_corners, theta).reshape(shape)
                    .expand(*spatial))
    axes.append(B.ones(spatial, dtype=theta.dtype, **_device(theta)))
    base = B.stack(axes, -1).reshape(1, math.prod(spatial), d + 1)
    grid = base.matmul(theta.transpose(1, 2))  # (N, points, d)
    return shown_as(grid.reshape(size[0], *spatial, d), "AffineGridGeneratorBackward0", theta)


# ---------------------------------------------------------------------- bicubic resizing
_A = -0.75  # torch's cubic convolution constant


def _cubic_weights(t: float) -> tuple[float, float, float, float]:
    """The four cubic-convolution weights of the neighbours -1, 0, 1, 2 at offset ``t``."""
    def near(x: float) -> float:
        return ((_A + 2) * x - (_A + 3)) * x * x + 1

    def far(x: float) -> float:
        return ((_A * x - 5 * _A) * x + 8 * _A) * x - 4 * _A

    return far(t + 1), near(t), near(1 - t), far(2 - t)


def _bicubic_map(B: Any, n: int, m: int, scale: Any, align_corners: bool, like: Any) -> Any:
    """The (m, n) matrix that resizes one dim of n samples to m, as torch's bicubic kernel:
    source index unclamped, neighbours clamped to the edge (replicated)."""
    if align_corners:
        ratio = (n - 1) / (m - 1) if m > 1 else 0.0
    else:
        ratio = scale if scale is not None and scale > 0 else n / m
    taps: list[list[int]] = [[], [], [], []]
    weights: list[list[float]] = [[], [], [], []]
    for i in range(m):
        src = ratio * i if align_corners else ratio * (i + 0.5) - 0.5
        low = min(math.floor(src), n - 1)
        t = min(max(src - low, 0.0), 1.0)
        for k, (offset, weight) in enumerate(zip((-1, 0, 1, 2), _cubic_weights(t))):
            taps[k].append(min(max(low + offset, 0), n - 1))
            weights[k].append(weight)
    where = _device(like)
    columns = B.arange(n, **where).reshape(1, n)
    matrix = None
    for k in range(4):  # one neighbour at a time: its weight where its column is
        hit = (B.tensor(taps[k], **where).reshape(m, 1) == columns).to(like.dtype)
        term = hit * B.tensor(weights[k], dtype=like.dtype, **where).reshape(m, 1)
        matrix = term if matrix is None else matrix + term
    return matrix


def interpolate_bicubic(input: Any, size: Any = None, scale_factor: Any = None,
                        align_corners: Any = None, recompute_scale_factor: Any = None) -> Any:
    """Bicubic resizing of (N, C, H, W) to ``size`` or by ``scale_factor`` (torch's cubic
    convolution, A = -0.75, edges replicated; ``align_corners`` as in torch): one fixed
    matrix per spatial dim, so the gradient is the transposed matrices."""
    if input.dim() != 4:
        raise NotImplementedError(f"Got {input.dim()}D input, but bicubic mode needs 4D input "
                                  f"(N, C, H, W)")
    if (size is None) == (scale_factor is None):
        raise ValueError("either size or scale_factor should be defined" if size is None
                         else "only one of size or scale_factor should be defined")
    in_size = tuple(input.shape[2:])
    scales: tuple[Any, ...] = (None, None)
    if size is not None:
        out = _tuple(size, 2, "size", "interpolate")
    else:
        factors = ((float(scale_factor),) * 2 if isinstance(scale_factor, (int, float))
                   else tuple(float(f) for f in scale_factor))
        if len(factors) != 2:
            raise ValueError(f"Input and scale_factor must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of "
                             f"{list(in_size)} and scale_factor of shape {list(factors)}")
        out = tuple(math.floor(n * f) for n, f in zip(in_size, factors))
        if not recompute_scale_factor:
            scales = tuple(1.0 / f for f in factors)
    if min(out) <= 0 or min(in_size) <= 0:
        raise RuntimeError(f"interpolate(): input and output sizes should be greater than 0, "
                           f"but got input ({list(in_size)}) and output ({list(out)})")
    B = backend_of(input)
    corners = bool(align_corners)
    rows = _bicubic_map(B, in_size[0], out[0], scales[0], corners, input)
    cols = _bicubic_map(B, in_size[1], out[1], scales[1], corners, input)
    return rows.matmul(input.matmul(cols.t()))


# ------------------------------------------------------------------------------- unpooling
def _unpool_size(name: str, input: Any, kernel: tuple[int, ...], stride: tuple[int, ...],
                 padding: tuple[int, ...], output_size: Any) -> tuple[int, ...]:
    """torch's output size of max unpooling (the default, or ``output_size`` checked)."""
    d = len(kernel)
    spatial = tuple(input.shape[-d:])
    default = tuple((s - 1) * st - 2 * p + k
                    for s, st, p, k in zip(spatial, stride, padding, kernel))
    if output_size is None:
        return default
    size = tuple(int(s) for s in output_size)
    if len(size) == d + 2:
        size = size[2:]
    if len(size) != d:
        raise ValueError(f"output_size should be a sequence containing {d} or {d + 2} "
                         f"elements, but it has a length of '{len(size)}'")
    for k in range(d):
        low, high = default[k] - stride[k], default[k] + stride[k]
        if not low < size[k] < high:
            raise ValueError(f'invalid output_size "{list(size)}" (dim {k} must be between '
                             f'{low} and {high})')
    return size


def _unpool(name: str, input: Any, indices: Any, kernel_size: Any, stride: Any, padding: Any,
            output_size: Any, d: int) -> Any:
    if input.dim() not in (d + 1, d + 2):
        raise RuntimeError(f"{name}: expected a {d + 1}-D or {d + 2}-D input, got shape "
                           f"{tuple(input.shape)}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"{name}: expected indices of the input's shape "
                           f"{tuple(input.shape)}, got {tuple(indices.shape)}; pass the indices "
                           f"max_pool returned with return_indices=True")
    kernel = _tuple(kernel_size, d, "kernel_size", name)
    step = kernel if stride is None or stride == () else _tuple(stride, d, "stride", name)
    pad = _tuple(padding, d, "padding", name)
    size = _unpool_size(name, input, kernel, step, pad, output_size)
    lead = tuple(input.shape[:-d])
    plane = math.prod(size)
    x = input.reshape(*lead, -1)
    index = indices.reshape(*lead, -1)
    if index.numel():
        low, high = int(index.min().item()), int(index.max().item())
        if low < 0 or high >= plane:
            bad = low if low < 0 else high
            raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                               f"{'x'.join(str(s) for s in size)}); the indices must come from "
                               f"the max_pool that made the input")
    out = x.new_zeros(lead + (plane,)).scatter(x.dim() - 1, index, x)
    return out.reshape(*lead, *size)


def max_unpool1d(input: Any, indices: Any, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Any:
    """The partial inverse of `max_pool1d`: each value of ``input`` (N, C, L) placed at its
    position ``indices`` (from ``max_pool1d(..., return_indices=True)``), zeros elsewhere."""
    return shown_as(_unpool("max_unpool1d", input, indices, kernel_size, stride, padding,
                            output_size, 1), "SqueezeBackward1", input)


def max_unpool2d(input: Any, indices: Any, kernel_size: Any, stride: Any = None,
                 padding: Any = 0, output_size: Any = None) -> Any:
    """The partial inverse of `max_pool2d`: each value of ``input`` (N, C, H, W) placed at its
    flat position ``indices`` in the output plane, zeros elsewhere."""
    return shown_as(_unpool("max_unpool2d", input, indices, kernel_size, stride, padding,
                            output_size, 2), "MaxUnpool2DBackward0", input)


# ---------------------------------------------------------------------- power-average pooling
def lp_pool1d(input: Any, norm_type: float, kernel_size: int, stride: Any = None,
              ceil_mode: bool = False) -> Any:
    """The p-norm of each window along the last dim, ``(sum x**p) ** (1/p)`` (p =
    ``norm_type``; torch's formula, through `avg_pool1d`)."""
    from .functional import avg_pool1d, relu

    k = int(kernel_size[0] if isinstance(kernel_size, (tuple, list)) else kernel_size)
    powered = input.pow(norm_type)
    if stride is not None:
        out = avg_pool1d(powered, kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool1d(powered, kernel_size, padding=0, ceil_mode=ceil_mode)
    return (out.sign() * relu(out.abs())).mul(k).pow(1.0 / norm_type)


def lp_pool2d(input: Any, norm_type: float, kernel_size: Any, stride: Any = None,
              ceil_mode: bool = False) -> Any:
    """The p-norm of each window of the last two dims, ``(sum x**p) ** (1/p)`` (p =
    ``norm_type``; torch's formula, through `avg_pool2d`)."""
    from .functional import avg_pool2d, relu

    kh, kw = _tuple(kernel_size, 2, "kernel_size", "lp_pool2d")
    powered = input.pow(norm_type)
    if stride is not None:
        out = avg_pool2d(powered, kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool2d(powered, kernel_size, padding=0, ceil_mode=ceil_mode)
    return (out.sign() * relu(out.abs())).mul(kh * kw).pow(1.0 / norm_type)
