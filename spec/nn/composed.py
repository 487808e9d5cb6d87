"""Members of ``torch.nn.functional`` written as compositions of protocol ops: activations
(`celu`, `rrelu`, `hardswish`, `hardsigmoid`, `softsign`, `tanhshrink`, `threshold`, `softmin`,
`glu`, `prelu`, `softshrink`, `hardshrink`) and similarities (`normalize`, `cosine_similarity`,
`pairwise_distance`) and the sub-pixel rearrangements (`pixel_shuffle`,
`pixel_unshuffle`) and adaptive max pooling (`adaptive_max_pool1d`, `2d`, `3d`:
each window's max by ``max(dim)``, whose gradient goes to the first maximum, as torch's
kernel's), channel dropout (`dropout1d`/`2d`/`3d`), `channel_shuffle`, `bilinear` and
`embedding_bag`.  `gradspec.nn.functional` re-exports them.

Every backend runs them and autograd differentiates them as it does any graph.  Where torch's
own kernel defines the gradient at a kink differently from what the plain formula would give,
the formula is split with ``where`` along torch's boundaries (``hardswish`` at -3 and 3), so the
values and the gradients are torch's everywhere.  A branch ``where`` leaves unused is computed
on a clamped input, so that it stays finite (an infinite branch would turn its zero gradient
into NaN).  ``inplace=True`` writes the result into the input with ``copy_``: the result is
computed from a clone of an input that requires grad (so nothing the graph saved is overwritten)
and the engine's in-place rules apply to the copy (a leaf that requires grad is refused, as
torch refuses it; a non-leaf gets the right gradients).
"""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

from ..graph_names import shown_as
from ..plugins import backend_of

__all__ = ["adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d", "bilinear", "celu",
           "channel_shuffle", "cosine_similarity", "dropout1d", "dropout2d", "dropout3d",
           "embedding_bag", "glu", "hardshrink", "hardsigmoid", "hardswish", "normalize",
           "pairwise_distance", "pixel_shuffle", "pixel_unshuffle", "prelu", "rrelu", "softmin",
           "softshrink", "softsign", "tanhshrink", "threshold"]


def _source(input: Any, inplace: bool) -> Any:
    """What an in-place form computes from: a clone of an input that requires grad, so that
    writing the result into the input leaves every tensor the graph saved untouched."""
    return input.clone() if inplace and input.requires_grad else input


def _result(input: Any, out: Any, inplace: bool) -> Any:
    return input.copy_(out) if inplace else out


def _apply_inplace(input: Any, compute: Any) -> Any:
    """``compute(input)`` written into ``input`` (its in-place form), with autograd's rules:
    a leaf that requires grad is refused (`gradspec.errors.LeafInPlaceError`), a non-leaf gets
    the gradient of ``compute``."""
    return input.copy_(compute(_source(input, True)))


def celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Any:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("celu: alpha must not be 0 (the formula divides by it)")
    x = _source(input, inplace)
    negative = (x.clamp_max(0.0) / alpha).exp() * alpha - alpha
    return shown_as(_result(input, backend_of(input).where(x > 0, x, negative), inplace),
                    "CeluBackward0", input)


def hardswish(input: Any, inplace: bool = False) -> Any:
    """``x * relu6(x + 3) / 6``: 0 up to -3, ``x`` from 3 on (torch's gradient there: 0 and
    1)."""
    B = backend_of(input)
    x = _source(input, inplace)
    inside = x.clamp(-3.0, 3.0)
    # x * 0 below -3, as PyTorch's x * relu6(x + 3) / 6 gives there: -0.0 for a negative x
    out = B.where(x <= -3, x * 0.0, B.where(x < 3, inside * (inside + 3) / 6, x))
    return shown_as(_result(input, out, inplace), "HardswishBackward0", input)


def hardsigmoid(input: Any, inplace: bool = False) -> Any:
    """``relu6(x + 3) / 6``: 0 up to -3, 1 from 3 on, linear between (the gradient 1/6
    strictly inside)."""
    B = backend_of(input)
    x = _source(input, inplace)
    out = B.where(x <= -3, B.zeros_like(x), B.where(x >= 3, B.ones_like(x), (x + 3) / 6))
    return shown_as(_result(input, out, inplace), "HardsigmoidBackward0", input)


def softsign(input: Any) -> Any:
    """``x / (1 + |x|)``."""
    return input / (input.abs() + 1)


def tanhshrink(input: Any) -> Any:
    """``x - tanh(x)``."""
    return input - input.tanh()


def threshold(input: Any, threshold: float, value: float, inplace: bool = False) -> Any:
    """``x`` where it exceeds ``threshold``, else ``value``."""
    B = backend_of(input)
    x = _source(input, inplace)
    out = B.where(x > threshold, x, B.full_like(x, value))
    return shown_as(_result(input, out, inplace), "ThresholdBackward0", input)


def rrelu(input: Any, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Any:
    """The randomized leaky ReLU: ``x`` where positive, else ``a * x``; in training ``a`` is
    drawn from U(``lower``, ``upper``) per element (the backend's seeded generator) and is
    also the gradient there, in eval it is ``(lower + upper) / 2`` (a `leaky_relu`)."""
    if not training or upper - lower <= 1e-6:
        from .functional import leaky_relu

        return shown_as(leaky_relu(input, (lower + upper) / 2, inplace),
                        "RreluWithNoiseBackward0", input)
    B = backend_of(input)
    x = _source(input, inplace)
    with B.no_grad():
        slopes = B.rand_like(x) * (upper - lower) + lower
        noise = B.where(x > 0, B.ones_like(x), slopes)
    return shown_as(_result(input, x * noise, inplace), "RreluWithNoiseBackward0", input)


def softmin(input: Any, dim: Any = None, _stacklevel: int = 3, dtype: Any = None) -> Any:
    """``softmax(-x)`` along ``dim`` (computed in ``dtype`` when given)."""
    if dim is None:
        from .modules.activation import _softmax_dim

        dim = _softmax_dim("softmin", input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return (-input).softmax(dim)


def glu(input: Any, dim: int = -1) -> Any:
    """The gated linear unit: ``a * sigmoid(b)`` for the halves ``a``, ``b`` of ``dim``."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = input.shape[dim]
    if size % 2:
        axis = dim % input.dim()
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size "
                           f"{size}")
    a, b = input.chunk(2, dim)
    return shown_as(a * b.sigmoid(), "GluBackward0", input)


def prelu(input: Any, weight: Any) -> Any:
    """``x`` where positive, else ``weight * x``; ``weight`` holds one slope, or one per
    channel (dimension 1 of the input, dimension 0 of a vector)."""
    slopes = weight.numel()
    if slopes != 1:
        axis = 1 if input.dim() >= 2 else 0
        if input.dim() == 0 or input.shape[axis] != slopes:
            channels = input.shape[axis] if input.dim() else 1
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {slopes} and channel size = {channels}.")
        weight = weight.reshape(tuple(slopes if d == axis else 1 for d in range(input.dim())))
    elif weight.dim() != 0:
        weight = weight.reshape(())
    out = backend_of(input).where(input > 0, input, weight * input.clamp_max(0.0))
    return shown_as(out, "PreluKernelBackward0", input, weight)


def softshrink(input: Any, lambd: float = 0.5) -> Any:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, 0 between."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    B = backend_of(input)
    out = B.where(input > lambd, input - lambd,
                  B.where(input < -lambd, input + lambd, B.zeros_like(input)))
    return shown_as(out, "SoftshrinkBackward0", input)


def hardshrink(input: Any, lambd: float = 0.5) -> Any:
    """``x`` where ``|x| > lambd``, else 0."""
    B = backend_of(input)
    out = B.where((input > lambd) | (input < -lambd), input, B.zeros_like(input))
    return shown_as(out, "HardshrinkBackward0", input)


def normalize(input: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Any = None) -> Any:
    """``input / max(norm_p(input, dim), eps)``: unit p-norm slices along ``dim``."""
    if out is not None:
        raise TypeError("normalize(out=...) is not supported by gradspec; assign the result")
    denominator = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denominator


def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Any:
    """``x1 . x2 / (max(|x1|, eps) * max(|x2|, eps))`` along ``dim`` (the two broadcast)."""
    if x1.is_floating_point() != x2.is_floating_point():  # an integer side takes the other's
        x1, x2 = (x1, x2.to(x1.dtype)) if x1.is_floating_point() else (x1.to(x2.dtype), x2)
    if tuple(x1.shape) != tuple(x2.shape):  # broadcast first, as PyTorch: norms of the pairs
        x1, x2 = backend_of(x1).broadcast_tensors(x1, x2)
    n1 = x1.norm(2, dim, keepdim=True).clamp_min(eps)
    n2 = x2.norm(2, dim, keepdim=True).clamp_min(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Any:
    """The p-norm of ``x1 - x2 + eps`` along the last dimension."""
    return shown_as((x1 - x2 + eps).norm(p, -1, keepdim=keepdim), "NormBackward1", x1, x2)


def pixel_shuffle(input: Any, upscale_factor: int) -> Any:
    """(*, C r**2, H, W) to (*, C, H r, W r): each group of r**2 channels becomes an r x r
    block of pixels (``r = upscale_factor``)."""
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {input.dim()} dimension(s)")
    *lead, c, h, w = tuple(input.shape)
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    n = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return shown_as(x.reshape(*lead, c // (r * r), h * r, w * r), "PixelShuffleBackward0", input)


def pixel_unshuffle(input: Any, downscale_factor: int) -> Any:
    """(*, C, H r, W r) to (*, C r**2, H, W): the inverse of `pixel_shuffle`."""
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.dim()} dimension(s)")
    *lead, c, h, w = tuple(input.shape)
    for label, size, axis in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise RuntimeError(f"pixel_unshuffle expects {label} to be divisible by "
                               f"downscale_factor, but input.size({axis})={size} is not "
                               f"divisible by {r}")
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return shown_as(x.reshape(*lead, c * r * r, h // r, w // r), "PixelUnshuffleBackward0",
                    input)


def _windows(size: int, out: int) -> list[tuple[int, int]]:
    """torch's adaptive windows: ``[floor(i size / out), ceil((i + 1) size / out))``."""
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


def adaptive_max_pool2d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """The max of each of the windows that tile the last two dims into ``output_size`` (an int,
    a pair; None keeps a dim); with ``return_indices`` also each max's position in its flattened
    plane."""
    return _adaptive_max_pool("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool3d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """The max of each of the windows that tile the last three dims into ``output_size`` (an
    int, a triple; None keeps a dim); with ``return_indices`` also each max's position in its
    flattened volume."""
    return _adaptive_max_pool("adaptive_max_pool3d", 3, input, output_size, return_indices)


def _adaptive_max_pool(name: str, dims: int, input: Any, output_size: Any,
                       return_indices: bool) -> Any:
    if input.dim() not in (dims + 1, dims + 2):
        raise RuntimeError(f"{name}(): Expected {dims + 1}D or {dims + 2}D tensor, but got "
                           f"{tuple(input.shape)}")
    size = tuple(input.shape[-dims:])
    wanted = (output_size,) * dims if isinstance(output_size, int) else tuple(output_size)
    out_size = tuple(n if m is None else int(m) for m, n in zip(wanted, size))
    lead = tuple(input.shape[:-dims])
    B = backend_of(input)
    values, indices = [], []
    for spans in itertools.product(*(_windows(n, m) for n, m in zip(size, out_size))):
        window = input[(...,) + tuple(slice(s, e) for s, e in spans)].reshape(*lead, -1)
        value, index = window.max(-1)
        values.append(value)
        if return_indices:  # the window's row-major position, then the input's
            position, rest = 0, index
            for d in range(dims - 1, -1, -1):
                width = spans[d][1] - spans[d][0]
                along = rest % width
                rest = ((rest - along) / width).long()  # exact: the difference divides
                position = position + (along + spans[d][0]) * math.prod(size[d + 1:])
            indices.append(position)
    out = shown_as(B.stack(values, -1).reshape(*lead, *out_size),
                   f"AdaptiveMaxPool{dims}DBackward0", input)
    if not return_indices:
        return out
    return out, B.stack(indices, -1).reshape(*lead, *out_size)


def adaptive_max_pool1d(input: Any, output_size: Any, return_indices: bool = False) -> Any:
    """The max of each of the windows that tile the last dim into ``output_size`` pieces."""
    if input.dim() not in (2, 3):
        raise RuntimeError(f"adaptive_max_pool1d(): Expected 2D or 3D tensor, but got "
                           f"{tuple(input.shape)}")
    size = output_size[0] if isinstance(output_size, (tuple, list)) else output_size
    out = adaptive_max_pool2d(input.unsqueeze(-2), (1, size), return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def _channel_dropout(input: Any, p: float, training: bool, inplace: bool, spatial: int) -> Any:
    """Zero whole channels with probability ``p`` (the rest scaled by ``1 / (1 - p)``): the mask
    has the batch and channel dims and 1 elsewhere, by PyTorch's rules for each ``spatial``:
    dropout1d takes (C, L) or (N, C, L); dropout3d (C, D, H, W) or (N, C, D, H, W), other
    shapes with a deprecation warning, read as unbatched; dropout2d reads any input as
    (N, C, ...), warning unless it is 4-D, and for 3-D that it is taken as (N, C, L)."""
    name = f"dropout{spatial}d"
    if isinstance(p, bool) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    dim = input.dim()
    if spatial == 1 and dim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {dim}D input. Note that "
            "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs).")
    if spatial > 1 and dim not in (spatial + 1, spatial + 2):
        warnings.warn(
            f"{name}: Received a {dim}-D input to {name}, which is deprecated and will result "
            "in an error in a future release. To retain the behavior and silence this warning, "
            f"please use dropout instead. Note that {name} exists to provide channel-wise "
            f"dropout on inputs with {spatial} spatial dimensions, a channel dimension, and an "
            f"optional batch dimension (i.e. {spatial + 1}D or {spatial + 2}D inputs).",
            stacklevel=3)
    if spatial == 2 and dim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=3)
    batched = True if spatial == 2 else dim == spatial + 2
    if dim + (0 if batched else 1) < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if not training or p == 0.0:
        return input
    B = backend_of(input)
    channels = 2 if batched else 1  # the batch (if any) and the channel dim
    mask_shape = tuple(input.shape[:channels]) + (1,) * (dim - channels)
    x = _source(input, inplace)
    if p == 1.0:
        out = x * B.zeros(mask_shape, dtype=input.dtype)
    else:
        keep = (B.rand(mask_shape, dtype=input.dtype) >= p).to(input.dtype)
        out = x * (keep / (1.0 - p))
    return _result(input, out, inplace)


def dropout1d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
    """Channel dropout of (N, C, L) or (C, L): whole channels zeroed with probability ``p``."""
    return _channel_dropout(input, p, training, inplace, 1)


def dropout2d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
    """Channel dropout of (N, C, H, W): whole feature maps zeroed with probability ``p``
    (other shapes as PyTorch reads them, with its warnings: see `_channel_dropout`)."""
    return _channel_dropout(input, p, training, inplace, 2)


def dropout3d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
    """Channel dropout of (N, C, D, H, W) or (C, D, H, W)."""
    return _channel_dropout(input, p, training, inplace, 3)


def channel_shuffle(input: Any, groups: int) -> Any:
    """(N, C, *) with its C channels in ``groups`` interleaved: channel ``g * (C / groups) + i``
    moves to ``i * groups + g`` (ShuffleNet's shuffle)."""
    if input.dim() < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with sizes {tuple(input.shape)}")
    n, c, *rest = tuple(input.shape)
    if groups <= 0 or c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    x = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)
    return x.reshape(n, c, *rest)


def bilinear(input1: Any, input2: Any, weight: Any, bias: Any = None) -> Any:
    """``y_k = x1 . weight[k] . x2 + bias[k]`` over the last dims (leading dims broadcast)."""
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear: expected a 3-D weight (out, in1, in2), got shape "
                           f"{tuple(weight.shape)}")
    if input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear: expected inputs (..., {weight.shape[1]}) and (..., "
                           f"{weight.shape[2]}) for a weight of shape {tuple(weight.shape)}, got "
                           f"{tuple(input1.shape)} and {tuple(input2.shape)}")
    out = backend_of(input1).einsum("...i,kij,...j->...k", input1, weight, input2)
    return out if bias is None else out + bias


def embedding_bag(input: Any, weight: Any, offsets: Any = None, max_norm: Any = None,
                  norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                  sparse: bool = False, per_sample_weights: Any = None,
                  include_last_offset: bool = False, padding_idx: Any = None) -> Any:
    """The sum, mean or max of each bag of embeddings: the bags are the rows of a 2-D
    ``input``, or the runs of a 1-D ``input`` starting at ``offsets``; ``padding_idx`` entries
    are left out (also from a mean's count), an empty bag gives zeros, ``per_sample_weights``
    (mode ``'sum'``) scale each entry."""
    from . import functional as F

    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                  f"per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}').")
    B = backend_of(weight)
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences.")
        rows, length = input.shape
        starts = [i * length for i in range(rows)]
        ends = [(i + 1) * length for i in range(rows)]
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        bounds = [int(o) for o in offsets.tolist()]
        if not include_last_offset:
            bounds.append(input.shape[0])
        starts, ends = bounds[:-1], bounds[1:]
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    vectors = F.embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq)
    indices = [int(i) for i in input.tolist()]
    zeros = B.zeros(weight.shape[1], dtype=weight.dtype)
    bags = []
    for start, end in zip(starts, ends):
        kept = [k for k in range(start, end) if indices[k] != padding_idx]
        if not kept:
            bags.append(zeros)
            continue
        rows = vectors[B.tensor(kept)]
        if mode == "sum":
            if per_sample_weights is not None:
                rows = rows * per_sample_weights[B.tensor(kept)].unsqueeze(-1)
            bags.append(rows.sum(0))
        elif mode == "mean":
            bags.append(rows.sum(0) / len(kept))
        else:
            bags.append(rows.max(0)[0])
    if not bags:
        return B.zeros(0, weight.shape[1], dtype=weight.dtype)
    return shown_as(B.stack(bags), "EmbeddingBagBackward0", weight)
