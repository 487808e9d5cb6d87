"""Functions of layers and losses (``torch.nn.functional``), written once against the protocol.

Each function takes the backend from its tensor argument (`gradspec.backend_of`).  Where the
backend offers the function as a single op of its own, under ``torch.nn.functional``'s name and
signature (gradspec's engine and the torch adapter offer every function here), that op runs,
with its own gradient.  A few (``linear``, ``binary_cross_entropy``, plain ``cross_entropy``,
``mse_loss``, ``binary_cross_entropy_with_logits``) are composed of the protocol's elementary
ops on a backend without the op; the others are optional ops (`gradspec.ops`) and raise
`gradspec.errors.OpNotSupportedError` there.  The choice is made by feature, never by backend
name, and is remembered per backend.  Others are composed on every backend: those of
`gradspec.nn.composed` and `gradspec.nn.spatial` (``unfold``/``fold``, ``grid_sample``,
``affine_grid``, bicubic ``interpolate``, ``max_unpool*``, ``lp_pool*``), and here ``rms_norm``,
``gumbel_softmax`` and the in-place forms (``relu_``, ``elu_``, ...).  A query row of
``scaled_dot_product_attention`` that its mask leaves nothing to attend to gives zeros, as in
torch.

Differences from ``torch.nn.functional``, all deliberate: the elementwise losses raise
``ValueError`` when input and target shapes differ (``mse_loss``, ``l1_loss``,
``smooth_l1_loss`` and ``huber_loss`` only warn in torch, then broadcast).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ..errors import OpNotSupportedError, check_class_target
from ..graph_names import shown_as
from ..plugins import backend_of
from .composed import (  # re-exported: members of torch.nn.functional composed of protocol ops
    adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d, bilinear, celu, channel_shuffle,
    cosine_similarity, dropout1d, dropout2d, dropout3d, embedding_bag, glu, hardshrink,
    hardsigmoid, hardswish, normalize, pairwise_distance, pixel_shuffle, pixel_unshuffle, prelu,
    rrelu, softmin, softshrink, softsign, tanhshrink, threshold,
)
from .composed import _apply_inplace, _result, _source
from .spatial import (  # re-exported: sliding blocks, sampling, unpooling, power pooling
    affine_grid, fold, grid_sample, lp_pool1d, lp_pool2d, max_unpool1d, max_unpool2d, unfold,
)
from .spatial import interpolate_bicubic as _interpolate_bicubic

__all__ = [
    "backend_op", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "linear",
    "log_softmax", "mse_loss", "relu", "sigmoid", "softmax", "tanh",
    # ops (issue 12): activations
    "elu", "gelu", "hardtanh", "leaky_relu", "logsigmoid", "mish", "relu6", "selu", "silu",
    "softplus",
    # nnlib: convolution, pooling, normalization, embedding, dropout, padding, resizing,
    # attention, losses
    "adaptive_avg_pool2d", "adaptive_avg_pool3d", "avg_pool2d", "avg_pool3d", "batch_norm",
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "dropout", "embedding", "group_norm", "huber_loss", "interpolate", "kl_div", "l1_loss",
    "layer_norm", "max_pool2d", "max_pool3d", "nll_loss", "one_hot", "pad",
    "scaled_dot_product_attention", "smooth_l1_loss",
    # composed of protocol ops (gradspec.nn.composed), and 1-d pooling by the 2-d ops
    "adaptive_avg_pool1d", "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
    "avg_pool1d", "bilinear", "celu", "channel_shuffle", "cosine_similarity", "dropout1d", "dropout2d",
    "dropout3d", "embedding_bag", "glu", "hardshrink", "hardsigmoid", "hardswish", "max_pool1d",
    "normalize", "pairwise_distance", "pixel_shuffle", "pixel_unshuffle", "prelu", "softmin",
    "softshrink", "softsign", "tanhshrink", "threshold",
    # margin, ranking and likelihood losses, composed
    "cosine_embedding_loss", "gaussian_nll_loss", "hinge_embedding_loss", "margin_ranking_loss",
    "multi_margin_loss", "multilabel_soft_margin_loss", "poisson_nll_loss", "soft_margin_loss",
    "triplet_margin_loss",
    # in-place activations, rrelu; sliding blocks, sampling, unpooling, power pooling;
    # deprecated resizing names; rms_norm, gumbel_softmax
    "celu_", "elu_", "hardtanh_", "leaky_relu_", "relu_", "rrelu", "rrelu_", "selu_",
    "threshold_", "affine_grid", "fold", "grid_sample", "lp_pool1d", "lp_pool2d",
    "max_unpool1d", "max_unpool2d", "unfold", "upsample", "upsample_bilinear",
    "upsample_nearest", "gumbel_softmax", "rms_norm",
    # more layers and losses
    "alpha_dropout", "feature_alpha_dropout", "instance_norm", "local_response_norm",
    "multilabel_margin_loss", "pdist", "triplet_margin_with_distance_loss",
]

REDUCTIONS = ("mean", "sum", "none")

# binary_cross_entropy clamps each log term at -100 as torch does.  The probability is first
# clamped to a tiny positive number so that log's derivative is never evaluated at exactly 0
# (0 * inf = nan in the chain rule); any p below e**-100 already gives the clamped value -100.
_LOG_FLOOR = -100.0
_TINY_PROBABILITY = 1e-44

_FUSED: dict[tuple[Any, str], Any] = {}


def _fused(tensor: Any, name: str) -> Any:
    """The backend's own single-op form of ``name``, or None when the backend does not offer it
    (found by feature, never by backend name, and remembered per backend)."""
    backend = backend_of(tensor)
    key = (backend, name)
    try:
        return _FUSED[key]
    except KeyError:
        found = _FUSED[key] = getattr(backend, name, None)
        return found


def backend_op(tensor: Any, name: str) -> Any:
    """The op ``name`` (a `gradspec.ops` name) of ``tensor``'s backend; an optional op the
    backend does not implement raises `gradspec.errors.OpNotSupportedError` naming both."""
    backend = backend_of(tensor)
    key = (backend, name)
    try:
        found = _FUSED[key]
    except KeyError:
        found = backend
        for part in name.split("."):
            found = getattr(found, part, None)
            if found is None:
                break
        _FUSED[key] = found
    if found is None:
        raise OpNotSupportedError(
            f"backend {backend.name!r} does not implement the optional op {name!r} (see "
            "gradspec.ops); run the model on a backend that has it, e.g. numpy or torch")
    return found


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction!r} is not a valid value for reduction; use one of "
                         f"{REDUCTIONS}")


def _reduce(losses: Any, reduction: str) -> Any:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _same_shape(what: str, input: Any, target: Any) -> None:
    a, b = input.shape, target.shape
    if a != b and tuple(a) != tuple(b):  # (shapes compare as tuples: no copies when equal)
        raise ValueError(
            f"{what}: target shape {tuple(target.shape)} differs from input shape "
            f"{tuple(input.shape)}; reshape one (e.g. input.squeeze()) so they match"
        )


def _broadcast_pair(what: str, input: Any, target: Any) -> tuple[Any, Any]:
    """The regression losses' rule, as PyTorch's: a target of another shape than the input is
    broadcast against it, with a warning (an (N, 1) prediction against an (N,) target is a
    common slip that PyTorch lets run); shapes that do not broadcast are an error."""
    a, b = tuple(input.shape), tuple(target.shape)
    if a == b:
        return input, target
    warnings.warn(f"Using a target size (torch.Size({list(b)})) that is different to the input "
                  f"size (torch.Size({list(a)})). This will likely lead to incorrect results due "
                  "to broadcasting. Please ensure they have the same size.", UserWarning,
                  stacklevel=3)
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    shape = []
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x != y and 1 not in (x, y):
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {i}: {what} broadcasts the "
                               f"target {b} against the input {a}")
        shape.append(y if x == 1 else x)
    shape = tuple(shape)
    return (input if pa == shape and len(a) == n else input.expand(*shape),
            target if pb == shape and len(b) == n else target.expand(*shape))


# ---------------------------------------------------------------------------------- layers
def linear(input: Any, weight: Any, bias: Any = None) -> Any:
    """``input @ weight.T + bias``, with ``weight`` of shape ``(out_features, in_features)``."""
    fused = _fused(weight, "linear")
    if fused is not None:
        return fused(input, weight, bias)
    y = input.matmul(weight.t())
    return y if bias is None else y + bias


def relu(input: Any, inplace: bool = False) -> Any:
    """``max(input, 0)``, elementwise (``inplace``: written into ``input``)."""
    if not inplace:
        return input.relu()
    if hasattr(input, "relu_"):
        return input.relu_()
    return _apply_inplace(input, lambda x: x.relu())


def sigmoid(input: Any) -> Any:
    """The logistic function, elementwise."""
    return input.sigmoid()


def tanh(input: Any) -> Any:
    """The hyperbolic tangent, elementwise."""
    return input.tanh()


def softmax(input: Any, dim: Any = None, _stacklevel: int = 3, dtype: Any = None) -> Any:
    """``exp(x) / exp(x).sum(dim)``, computed stably (in ``dtype`` when given: the input is
    converted first, as PyTorch does; an integer input needs it)."""
    if dim is None:
        from .modules.activation import _softmax_dim

        dim = _softmax_dim("softmax", input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return input.softmax(dim)


def log_softmax(input: Any, dim: Any = None, _stacklevel: int = 3, dtype: Any = None) -> Any:
    """``x - logsumexp(x, dim)``, computed stably (in ``dtype`` when given, as `softmax`)."""
    if dim is None:
        from .modules.activation import _softmax_dim

        dim = _softmax_dim("log_softmax", input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return input.log_softmax(dim)


# ---------------------------------------------------------------------------------- activations
# ops (issue 12): each runs the backend's own op (gradspec.ops lists them as optional).
def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Any:
    """``log(1 + exp(beta * input)) / beta``, and ``input`` itself where ``beta * input``
    exceeds ``threshold``."""
    return backend_op(input, "softplus")(input, beta, threshold)


def gelu(input: Any, approximate: str = "none") -> Any:
    """``input * Phi(input)``, Phi the standard normal CDF; ``approximate='tanh'`` uses
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x**3)))``."""
    return backend_op(input, "gelu")(input, approximate=approximate)


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Any:
    """``input`` where positive, else ``negative_slope * input``."""
    return backend_op(input, "leaky_relu")(input, negative_slope, inplace)


def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Any:
    """``input`` where positive, else ``alpha * (exp(input) - 1)``."""
    return backend_op(input, "elu")(input, alpha, inplace)


def selu(input: Any, inplace: bool = False) -> Any:
    """``scale * elu(input, alpha)`` with scale 1.0507... and alpha 1.6732... (self-normalising)."""
    return backend_op(input, "selu")(input, inplace)


def silu(input: Any, inplace: bool = False) -> Any:
    """``input * sigmoid(input)`` (swish)."""
    return backend_op(input, "silu")(input, inplace)


def mish(input: Any, inplace: bool = False) -> Any:
    """``input * tanh(softplus(input))``."""
    return backend_op(input, "mish")(input, inplace)


def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Any:
    """``input`` clipped to ``[min_val, max_val]``; the gradient passes strictly inside."""
    return backend_op(input, "hardtanh")(input, min_val, max_val, inplace)


def relu6(input: Any, inplace: bool = False) -> Any:
    """``min(max(input, 0), 6)``: ``hardtanh(input, 0, 6)``, as PyTorch computes it."""
    return backend_op(input, "hardtanh")(input, 0.0, 6.0, inplace)


def logsigmoid(input: Any) -> Any:
    """``log(sigmoid(input))``, computed without overflow."""
    return backend_op(input, "logsigmoid")(input)


# The in-place forms torch.nn.functional offers: each writes the result into ``input`` and
# returns it (a leaf that requires grad is refused, as torch refuses it).
def relu_(input: Any) -> Any:
    """`relu` written into ``input``."""
    return relu(input, inplace=True)


def elu_(input: Any, alpha: float = 1.0) -> Any:
    """`elu` written into ``input``."""
    return elu(input, alpha, inplace=True)


def leaky_relu_(input: Any, negative_slope: float = 0.01) -> Any:
    """`leaky_relu` written into ``input``."""
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Any, min_val: float = -1.0, max_val: float = 1.0) -> Any:
    """`hardtanh` written into ``input``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input: Any, threshold: float, value: float) -> Any:
    """`threshold` written into ``input``."""
    from .composed import threshold as _threshold

    return _threshold(input, threshold, value, inplace=True)


def rrelu_(input: Any, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Any:
    """`rrelu` written into ``input``."""
    return rrelu(input, lower, upper, training, inplace=True)


def celu_(input: Any, alpha: float = 1.0) -> Any:
    """`celu` written into ``input``."""
    return celu(input, alpha, inplace=True)


def selu_(input: Any) -> Any:
    """`selu` written into ``input``."""
    return selu(input, inplace=True)


def gumbel_softmax(logits: Any, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Any:
    """A sample of the Gumbel-softmax distribution: ``softmax((logits + g) / tau)`` along
    ``dim``, ``g`` standard Gumbel noise from the backend's seeded generator; ``hard`` gives
    the one-hot of its largest entry, with the soft sample's gradient (straight through).
    ``eps`` is deprecated and unused, as in torch."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", UserWarning,
                      stacklevel=2)
    B = backend_of(logits)
    with B.no_grad():  # g = -log(E), E ~ Exp(1) = -log(1 - U); E kept above 0
        exponential = -(1 - B.rand_like(logits)).log()
        gumbels = -exponential.clamp_min(B.finfo(logits.dtype).tiny).log()
    soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return soft
    axis = dim % soft.dim() if soft.dim() else 0
    shape = [1] * soft.dim()
    shape[axis] = soft.shape[axis]
    positions = B.arange(soft.shape[axis], **_device(soft)).reshape(shape)
    one_hot = (soft.argmax(axis, keepdim=True) == positions).to(soft.dtype)
    return one_hot - soft.detach() + soft


def _device(tensor: Any) -> dict[str, Any]:
    device = getattr(tensor, "device", None)
    return {} if device is None else {"device": device}



# --------------------------------------------- convolution, pooling, normalization, embedding
# Thin wrappers: each runs the backend's op of its name (an optional op of gradspec.ops), with
# torch.nn.functional's signature; a backend without it raises OpNotSupportedError.
def conv1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Any:
    """1-D convolution of ``input`` (N, C, L) with ``weight`` (OC, C / groups, K)."""
    return backend_op(input, "conv1d")(input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Any:
    """2-D convolution of ``input`` (N, C, H, W) with ``weight`` (OC, C / groups, KH, KW);
    ``padding`` an int, a pair, ``'valid'`` or ``'same'``."""
    return backend_op(input, "conv2d")(input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Any:
    """3-D convolution of ``input`` (N, C, D, H, W) with ``weight`` (OC, C / groups, KD, KH,
    KW); ``padding`` an int, a triple, ``'valid'`` or ``'same'``."""
    return backend_op(input, "conv3d")(input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Any:
    """1-D transposed convolution, ``weight`` (C, OC / groups, K): conv1d's adjoint."""
    return backend_op(input, "conv_transpose1d")(input, weight, bias, stride, padding,
                                                 output_padding, groups, dilation)


def conv_transpose2d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Any:
    """2-D transposed convolution, ``weight`` (C, OC / groups, KH, KW): conv2d's adjoint."""
    return backend_op(input, "conv_transpose2d")(input, weight, bias, stride, padding,
                                                 output_padding, groups, dilation)


def conv_transpose3d(input: Any, weight: Any, bias: Any = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                     dilation: Any = 1) -> Any:
    """3-D transposed convolution, ``weight`` (C, OC / groups, KD, KH, KW): conv3d's adjoint."""
    return backend_op(input, "conv_transpose3d")(input, weight, bias, stride, padding,
                                                 output_padding, groups, dilation)


def max_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """The largest element of each window (stride defaults to the kernel size); with
    ``return_indices`` also each one's position in its flattened input plane."""
    return backend_op(input, "max_pool2d")(input, kernel_size, stride, padding, dilation,
                                           ceil_mode=ceil_mode, return_indices=return_indices)


def avg_pool2d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: Any = None) -> Any:
    """The mean of each window (stride defaults to the kernel size)."""
    return backend_op(input, "avg_pool2d")(input, kernel_size, stride, padding, ceil_mode,
                                           count_include_pad, divisor_override)


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Any:
    """Means over the windows that tile ``input`` into ``output_size`` (None keeps a dim)."""
    return backend_op(input, "adaptive_avg_pool2d")(input, output_size)


def max_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """The largest element of each 3-D window (stride defaults to the kernel size); with
    ``return_indices`` also each one's position in its flattened input volume."""
    return backend_op(input, "max_pool3d")(input, kernel_size, stride, padding, dilation,
                                           ceil_mode=ceil_mode, return_indices=return_indices)


def avg_pool3d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: Any = None) -> Any:
    """The mean of each 3-D window (stride defaults to the kernel size)."""
    return backend_op(input, "avg_pool3d")(input, kernel_size, stride, padding, ceil_mode,
                                           count_include_pad, divisor_override)


def adaptive_avg_pool3d(input: Any, output_size: Any) -> Any:
    """Means over the 3-D windows that tile ``input`` into ``output_size`` (None keeps a
    dim)."""
    return backend_op(input, "adaptive_avg_pool3d")(input, output_size)


# 1-d pooling: the 2-d op on a plane of height 1 (an (N, C, L) input viewed as (N, C, 1, L)),
# which gives the same windows, values, gradients and flat indices
def _as_plane(input: Any, name: str) -> Any:
    if input.dim() not in (2, 3):
        raise RuntimeError(f"{name}: expected a 2-D (C, L) or 3-D (N, C, L) input, got "
                           f"{input.dim()}-D of shape {tuple(input.shape)}")
    return input.unsqueeze(-2)


def _one(value: Any, name: str) -> int:
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise RuntimeError(f"{name} must be a single int or a tuple of one int, got "
                               f"{tuple(value)}")
        value = value[0]
    return int(value)


def max_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False, return_indices: bool = False) -> Any:
    """The largest element of each window along the last dim (stride defaults to the
    kernel size); with ``return_indices`` also each one's position along that dim."""
    k = _one(kernel_size, "max_pool1d: kernel_size")
    s = k if stride is None or stride == () else _one(stride, "max_pool1d: stride")
    out = max_pool2d(_as_plane(input, "max_pool1d"), (1, k), (1, s),
                     (0, _one(padding, "max_pool1d: padding")),
                     (1, _one(dilation, "max_pool1d: dilation")), ceil_mode=ceil_mode,
                     return_indices=return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool1d(input: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Any:
    """The mean of each window along the last dim (stride defaults to the kernel size)."""
    k = _one(kernel_size, "avg_pool1d: kernel_size")
    s = k if stride is None or stride == () else _one(stride, "avg_pool1d: stride")
    return avg_pool2d(_as_plane(input, "avg_pool1d"), (1, k), (1, s),
                      (0, _one(padding, "avg_pool1d: padding")), ceil_mode,
                      count_include_pad).squeeze(-2)


def adaptive_avg_pool1d(input: Any, output_size: Any) -> Any:
    """Means over the windows that tile the last dim into ``output_size`` pieces."""
    size = _one(output_size, "adaptive_avg_pool1d: output_size")
    return adaptive_avg_pool2d(_as_plane(input, "adaptive_avg_pool1d"), (1, size)).squeeze(-2)


def layer_norm(input: Any, normalized_shape: Any, weight: Any = None, bias: Any = None,
               eps: float = 1e-5) -> Any:
    """Normalize over the trailing dims ``normalized_shape``, then ``* weight + bias``."""
    return backend_op(input, "layer_norm")(input, normalized_shape, weight, bias, eps)


def batch_norm(input: Any, running_mean: Any, running_var: Any, weight: Any = None,
               bias: Any = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Any:
    """Per-channel normalization of (N, C, *): by the batch's statistics when ``training``
    (updating the running ones in place), else by the running statistics."""
    return backend_op(input, "batch_norm")(input, running_mean, running_var, weight, bias,
                                           training, momentum, eps)


def _normalized_shape(normalized_shape: Any) -> tuple[int, ...]:
    """``normalized_shape`` (an int or a sequence of them) as a tuple of ints."""
    if isinstance(normalized_shape, int):
        return (int(normalized_shape),)
    return tuple(int(s) for s in normalized_shape)


def rms_norm(input: Any, normalized_shape: Any, weight: Any = None, eps: Any = None) -> Any:
    """Root-mean-square normalization over the trailing dims ``normalized_shape``:
    ``input / sqrt(mean(input**2) + eps) * weight`` (``eps`` None: the dtype's machine
    epsilon, ``finfo(dtype).eps``)."""
    shape = _normalized_shape(normalized_shape)
    n = len(shape)
    if n == 0 or input.dim() < n or tuple(input.shape[input.dim() - n:]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*{', '.join(str(s) for s in shape)}], but got input of size"
                           f"{list(input.shape)}; normalized_shape must be the input's last "
                           f"dims")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got "
                           f"weight of shape {list(weight.shape)} and normalized_shape = "
                           f"{list(shape)}")
    if eps is None:
        eps = backend_of(input).finfo(input.dtype).eps
    dims = tuple(range(-n, 0))
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


def group_norm(input: Any, num_groups: int, weight: Any = None, bias: Any = None,
               eps: float = 1e-5) -> Any:
    """Normalize each group of ``C / num_groups`` channels, then the per-channel affine map."""
    return backend_op(input, "group_norm")(input, num_groups, weight, bias, eps)


def embedding(input: Any, weight: Any, padding_idx: Any = None, max_norm: Any = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Any:
    """Rows of ``weight`` (V, D) picked by the integer tensor ``input``."""
    return backend_op(weight, "embedding")(input, weight, padding_idx, max_norm, norm_type,
                                           scale_grad_by_freq, sparse)


def one_hot(tensor: Any, num_classes: int = -1) -> Any:
    """int64 class indices as one-hot int64 vectors (a new last dim of ``num_classes``)."""
    return backend_op(tensor, "one_hot")(tensor, num_classes)


def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
    """In training, zero each element with probability ``p`` (from the backend's seeded
    generator) and scale the rest by ``1 / (1 - p)``; else return ``input``."""
    return backend_op(input, "dropout")(input, p, training, inplace)


def pad(input: Any, pad: Any, mode: str = "constant", value: Any = None) -> Any:
    """Pad the last ``len(pad) // 2`` dims, ``pad`` listing (before, after) from the last dim
    backwards; mode ``constant`` (negative widths crop), ``reflect``, ``replicate`` or
    ``circular``."""
    return backend_op(input, "pad")(input, pad, mode, value)


def interpolate(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                align_corners: Any = None, recompute_scale_factor: Any = None,
                antialias: bool = False) -> Any:
    """Resize the spatial dims to ``size`` or by ``scale_factor`` (nearest, nearest-exact,
    linear, bilinear, trilinear, area: the backend's op; bicubic: composed, torch's cubic
    convolution with A = -0.75)."""
    if mode == "bicubic" and not antialias:
        return _interpolate_bicubic(input, size, scale_factor, align_corners,
                                    recompute_scale_factor)
    return backend_op(input, "interpolate")(input, size, scale_factor, mode, align_corners,
                                            recompute_scale_factor, antialias)


def upsample(input: Any, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
             align_corners: Any = None) -> Any:
    """Deprecated (as in torch, with its warning): `interpolate`."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Any, size: Any = None, scale_factor: Any = None) -> Any:
    """Deprecated (as in torch, with its warning): ``interpolate(mode='nearest')``."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Any, size: Any = None, scale_factor: Any = None) -> Any:
    """Deprecated (as in torch, with its warning): ``interpolate(mode='bilinear',
    align_corners=True)``."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def scaled_dot_product_attention(query: Any, key: Any, value: Any, attn_mask: Any = None,
                                 dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: Any = None, enable_gqa: bool = False) -> Any:
    """``softmax(query @ key.transpose(-2, -1) * scale + mask) @ value``; a boolean mask says
    where to attend, a float one is added.  A query row the mask leaves nothing to attend to
    (all False, or all -inf) gives zeros, with zero gradients, as torch does."""
    op = backend_op(query, "scaled_dot_product_attention")
    dead = None if attn_mask is None else _fully_masked_rows(attn_mask)
    if dead is not None:  # attend anywhere in those rows, then zero them
        B = backend_of(query)
        if attn_mask.is_floating_point():
            attn_mask = B.where(dead, B.zeros_like(attn_mask), attn_mask)
        else:
            attn_mask = attn_mask | dead
    out = op(query, key, value, attn_mask=attn_mask, dropout_p=dropout_p, is_causal=is_causal,
             scale=scale, enable_gqa=enable_gqa)
    if dead is None:
        return out
    B = backend_of(out)
    return B.where(dead, B.zeros_like(out), out)


def _fully_masked_rows(mask: Any) -> Any:
    """(..., L, 1) True where a row of the attention mask allows no key, or None when none
    is."""
    if mask.dim() == 0 or mask.shape[-1] == 0:
        return None
    if mask.is_floating_point():
        dead = (mask == -math.inf).all(-1, keepdim=True)
    else:
        dead = ~mask.any(-1, keepdim=True)
    return dead if bool(dead.any()) else None



# ---------------------------------------------------------------------------------- losses
def _legacy(size_average: Any, reduce: Any, reduction: str) -> str:
    """``reduction``, or what the deprecated ``size_average``/``reduce`` pair means."""
    if size_average is None and reduce is None:
        return reduction
    mean = True if size_average is None else bool(size_average)
    keep = True if reduce is None else bool(reduce)
    return ("mean" if mean else "sum") if keep else "none"


def mse_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
             reduction: str = "mean", weight: Any = None) -> Any:
    """Squared error ``(input - target) ** 2``, reduced (``weight``: per element, the mean then
    divides by the summed weights)."""
    _check_reduction(reduction)
    input, target = _broadcast_pair("mse_loss", input, target)
    op = _fused(input, "mse_loss")
    if op is not None:
        return op(input, target, size_average, reduce, reduction, weight=weight)
    reduction = _legacy(size_average, reduce, reduction)
    losses = (input - target) ** 2
    if weight is None:
        return _reduce(losses, reduction)
    weighted = losses * weight
    if reduction == "mean":
        return weighted.sum() / weight.sum()
    return _reduce(weighted, reduction)


def l1_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
            reduction: str = "mean", weight: Any = None) -> Any:
    """Absolute error ``|input - target|``, reduced (``weight`` as in `mse_loss`)."""
    _check_reduction(reduction)
    input, target = _broadcast_pair("l1_loss", input, target)
    return backend_op(input, "l1_loss")(input, target, size_average, reduce, reduction,
                                        weight=weight)


def smooth_l1_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
                   reduction: str = "mean", beta: float = 1.0) -> Any:
    """``0.5 d ** 2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta``, reduced."""
    _check_reduction(reduction)
    input, target = _broadcast_pair("smooth_l1_loss", input, target)
    return backend_op(input, "smooth_l1_loss")(input, target, size_average, reduce, reduction,
                                               beta=beta)


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0,
               weight: Any = None) -> Any:
    """``0.5 d ** 2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``, reduced."""
    _check_reduction(reduction)
    input, target = _broadcast_pair("huber_loss", input, target)
    return backend_op(input, "huber_loss")(input, target, reduction, delta, weight=weight)


def kl_div(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
           reduction: str = "mean", log_target: bool = False) -> Any:
    """The Kullback-Leibler divergence of ``target`` from the log-probabilities ``input``,
    pointwise ``target * (log(target) - input)``; ``'batchmean'`` divides the sum by the batch
    size (the mathematical definition; ``'mean'`` divides by every element, with a warning)."""
    if reduction != "batchmean":
        _check_reduction(reduction)
    return backend_op(input, "kl_div")(input, target, size_average, reduce, reduction,
                                       log_target)


def nll_loss(input: Any, target: Any, weight: Any = None, size_average: Any = None,
             ignore_index: int = -100, reduce: Any = None, reduction: str = "mean") -> Any:
    """The negative log likelihood of log-probabilities ``input`` (N, C) or (N, C, d...) at
    the int64 class indices ``target``, weighted per class, ``ignore_index`` left out."""
    _check_reduction(reduction)
    return backend_op(input, "nll_loss")(input, target, weight, size_average, ignore_index,
                                         reduce, reduction)


def binary_cross_entropy(input: Any, target: Any, weight: Any = None,
                         size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Any:
    """Binary cross entropy on probabilities: ``-w (y log p + (1 - y) log(1 - p))``.

    Each log is clamped at -100, as torch does, so p = 0 or 1 gives a finite loss.  On a
    backend with a ``binary_cross_entropy`` op of its own, the loss is that op, with torch's
    gradients; elsewhere it is composed of elementary ops and its gradients are those of the
    formula: they agree with torch's for p in [1e-12, 1 - 1e-12], where torch does not cap them.
    (``size_average`` and ``reduce`` are the deprecated spellings of ``reduction``.)
    """
    if size_average is not None or reduce is not None:  # (a training step pays no call)
        reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction)
    _same_shape("binary_cross_entropy", input, target)
    fused = _fused(input, "binary_cross_entropy")
    if fused is not None:
        try:
            if weight is None:
                return fused(input, target, reduction=reduction)
            return fused(input, target, weight, reduction=reduction)
        except RuntimeError:
            _check_probabilities(input)  # our message when the input is the problem
            raise
    _check_probabilities(input)
    log_p = input.clamp(min=_TINY_PROBABILITY).log().clamp(min=_LOG_FLOOR)
    log_q = (1 - input).clamp(min=_TINY_PROBABILITY).log().clamp(min=_LOG_FLOOR)
    losses = -(target * log_p + (1 - target) * log_q)
    return _reduce(losses if weight is None else losses * weight, reduction)


def _check_probabilities(input: Any) -> None:
    if input.numel() and (input.min().item() < 0 or input.max().item() > 1):
        raise RuntimeError(
            "all elements of input should be between 0 and 1 (binary_cross_entropy takes "
            "probabilities: apply sigmoid first, or use binary_cross_entropy_with_logits on the "
            "raw scores)"
        )


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     size_average: Any = None, reduce: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Any:
    """Binary cross entropy on raw scores x: ``(1 - y) x - lw log_sigmoid(x)`` with
    ``lw = 1 + (pos_weight - 1) y``, times ``weight``.  Composed (for a backend without the op)
    it is written to stay finite for large |x|, with the gradient ``sigmoid(x) - y``."""
    _check_reduction(reduction)
    _same_shape("binary_cross_entropy_with_logits", input, target)
    op = _fused(input, "binary_cross_entropy_with_logits")
    if op is not None:
        return op(input, target, weight, size_average, reduce, reduction, pos_weight=pos_weight)
    if pos_weight is not None:
        raise OpNotSupportedError(
            f"backend {backend_of(input).name!r} does not implement the optional op "
            "'binary_cross_entropy_with_logits', which pos_weight needs")
    reduction = _legacy(size_average, reduce, reduction)
    magnitude = input.abs()
    # (x + |x|) / 2 is max(x, 0) with the derivative 1/2 at 0 that softplus needs there.
    softplus = (input + magnitude) / 2 + (1 + (-magnitude).exp()).log()
    losses = softplus - input * target
    return _reduce(losses if weight is None else losses * weight, reduction)


def cross_entropy(input: Any, target: Any, weight: Any = None, size_average: Any = None,
                  ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Any:
    """Cross entropy of raw scores ``input`` (N, C), (C,) or (N, C, d...) against class indices
    (an int64 tensor without the class dim) or class probabilities (the input's shape):
    ``-log_softmax(input)`` picked (or weighted) by the target; per-class ``weight``,
    ``ignore_index``, ``label_smoothing``.  A backend without the op gets the plain form
    (scores (N, C), no options) composed of elementary ops."""
    fused = _fused(input, "cross_entropy")
    if fused is not None:
        # the backend's own op checks its arguments: the checks below run only to word a
        # refusal the same way on every backend (a training loop's call pays for none of them)
        try:
            return fused(input, target, weight, size_average, ignore_index, reduce, reduction,
                         label_smoothing)
        except (IndexError, ValueError, RuntimeError):
            _check_cross_entropy(input, target, reduction, ignore_index)
            raise
    probabilities = _check_cross_entropy(input, target, reduction)
    options = (weight is not None or ignore_index != -100 or label_smoothing
               or size_average is not None or reduce is not None)
    if options or input.dim() != 2:
        raise OpNotSupportedError(
            f"backend {backend_of(input).name!r} does not implement the optional op "
            "'cross_entropy'; without it gradspec composes only plain cross entropy of (N, C) "
            "scores (no weight, ignore_index or label_smoothing)")
    log_p = input.log_softmax(dim=1)
    if probabilities:
        return _reduce(-(target * log_p).sum(dim=1), reduction)
    _check_index_dtype(target)
    _check_range(input, target, ignore_index)
    classes = input.shape[1]
    backend = backend_of(input)
    one_hot = target.unsqueeze(1) == backend.arange(classes).unsqueeze(0)
    return _reduce(-(log_p * one_hot.to(log_p.dtype)).sum(dim=1), reduction)


def _check_cross_entropy(input: Any, target: Any, reduction: str,
                         ignore_index: int | None = None) -> bool:
    """Raise PyTorch's error kind, in our words, for a reduction or target that cross_entropy
    refuses (with ``ignore_index``, also a class index out of range); otherwise whether the
    target holds class probabilities."""
    _check_reduction(reduction)
    matrix = input.dim() == 2
    # a vector target of (N, C) scores holds class indices: no shapes to compare
    probabilities = not (matrix and target.dim() == 1) and tuple(target.shape) == tuple(
        input.shape)
    if matrix and not probabilities:
        _check_indices(input, target)
        if ignore_index is not None:
            _check_range(input, target, ignore_index)
    return probabilities


def _check_indices(input: Any, target: Any) -> None:
    check_class_target("cross_entropy", tuple(input.shape), tuple(target.shape),
                       str(target.dtype).rsplit(".", 1)[-1])


def _check_index_dtype(target: Any) -> None:
    """PyTorch's rule (the backend's own op checks it where there is one)."""
    if str(target.dtype).rsplit(".", 1)[-1] not in ("int64", "uint8"):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target.dtype}: "
                           "class indices must be an int64 tensor (convert with .long())")


def _check_range(input: Any, target: Any, ignore_index: int = -100) -> None:
    n, classes = input.shape
    if not n:
        return
    kept = target[target != ignore_index] if ignore_index != -100 else target
    if kept.numel() and (kept.min().item() < 0 or kept.max().item() >= classes):
        bad = kept.min().item() if kept.min().item() < 0 else kept.max().item()
        raise IndexError(f"Target {bad} is out of bounds. (cross_entropy: {classes} classes)")



# ------------------------------------------------ margin, ranking and likelihood losses
# Composed of protocol ops with torch's formulas (so values and gradients are torch's), each
# with torch's signature (``size_average``/``reduce`` still choose a reduction, as in torch).
def _reduced(losses: Any, size_average: Any, reduce: Any, reduction: str) -> Any:
    reduction = _legacy(size_average, reduce, reduction)
    _check_reduction(reduction)
    return _reduce(losses, reduction)


def soft_margin_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
                     reduction: str = "mean") -> Any:
    """``log(1 + exp(-target * input))`` (targets -1 or 1), reduced."""
    _same_shape("soft_margin_loss", input, target)
    return shown_as(_reduced((-target * input).exp().log1p(), size_average, reduce, reduction),
                    "SoftMarginLossBackward0", input, target)


def margin_ranking_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0,
                        size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Any:
    """``max(0, -target * (input1 - input2) + margin)``: ``input1`` should rank above
    ``input2`` where ``target`` is 1, below where it is -1."""
    if not (input1.dim() == input2.dim() == target.dim()):
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {tuple(input1.shape)}, input2: "
                           f"{tuple(input2.shape)}, target: {tuple(target.shape)} ")
    losses = (-target * (input1 - input2) + margin).clamp_min(0)
    return _reduced(losses, size_average, reduce, reduction)


def hinge_embedding_loss(input: Any, target: Any, margin: float = 1.0,
                         size_average: Any = None, reduce: Any = None,
                         reduction: str = "mean") -> Any:
    """``input`` where ``target`` is 1, ``max(0, margin - input)`` where it is -1, reduced."""
    B = backend_of(input)
    zeros = B.zeros_like(input)
    margin_part = B.where(target != 1, (margin - input).clamp_min(0), zeros)
    self_part = B.where(target != -1, input, zeros)
    return _reduced(margin_part + self_part, size_average, reduce, reduction)


def cosine_embedding_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0,
                          size_average: Any = None, reduce: Any = None,
                          reduction: str = "mean") -> Any:
    """``1 - cos(input1, input2)`` where ``target`` is 1, ``max(0, cos - margin)`` where it is
    -1 (the cosine along the last dimension, as torch computes it), reduced."""
    if input1.dim() not in (1, 2) or tuple(input1.shape) != tuple(input2.shape):
        raise RuntimeError(f"cosine_embedding_loss: expected two 1-D or 2-D inputs of one shape, "
                           f"got {tuple(input1.shape)} and {tuple(input2.shape)}")
    dim = input1.dim() - 1
    eps = 1e-12
    product = (input1 * input2).sum(dim)
    squares = ((input1 * input1).sum(dim) + eps) * ((input2 * input2).sum(dim) + eps)
    cos = product / squares.sqrt()
    B = backend_of(input1)
    zeros = B.zeros_like(cos)
    losses = (B.where(target == 1, 1 - cos, zeros)
              + B.where(target == -1, (cos - margin).clamp_min(0), zeros))
    return _reduced(losses, size_average, reduce, reduction)


def triplet_margin_loss(anchor: Any, positive: Any, negative: Any, margin: float = 1.0,
                        p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                        size_average: Any = None, reduce: Any = None,
                        reduction: str = "mean") -> Any:
    """``max(0, d(anchor, positive) - d(anchor, negative) + margin)`` with ``d`` the p-norm
    distance (``swap``: the smaller of the two negative distances), reduced."""
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_swap = pairwise_distance(positive, negative, p, eps)
        d_neg = backend_of(anchor).minimum(d_neg, d_swap)
    losses = (margin + d_pos - d_neg).clamp_min(0)
    return _reduced(losses, size_average, reduce, reduction)


def gaussian_nll_loss(input: Any, target: Any, var: Any, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Any:
    """The negative log-likelihood of ``target`` under N(``input``, ``var``):
    ``(log(var) + (input - target)**2 / var) / 2`` (``full``: plus ``log(2 pi) / 2``), with
    ``var`` floored at ``eps`` for the value only (the gradient passes, as torch's in-place
    clamp under no_grad)."""
    _check_reduction(reduction)
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError("var is of incorrect size")
    if bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    var = var + (var.clamp_min(eps) - var).detach()
    losses = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return _reduce(losses, reduction)


def poisson_nll_loss(input: Any, target: Any, log_input: bool = True, full: bool = False,
                     size_average: Any = None, eps: float = 1e-8, reduce: Any = None,
                     reduction: str = "mean") -> Any:
    """The Poisson negative log-likelihood: ``exp(input) - target * input`` (``log_input``),
    else ``input - target * log(input + eps)``; ``full`` adds Stirling's approximation of
    ``log(target!)`` where ``target > 1``."""
    if log_input:
        losses = input.exp() - target * input
    else:
        losses = input - target * (input + eps).log()
    if full:
        B = backend_of(input)
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        losses = losses + B.where(target > 1, stirling, B.zeros_like(stirling))
    return _reduced(losses, size_average, reduce, reduction)


def multi_margin_loss(input: Any, target: Any, p: int = 1, margin: float = 1.0,
                      weight: Any = None, size_average: Any = None, reduce: Any = None,
                      reduction: str = "mean") -> Any:
    """The multi-class hinge loss of (N, C) (or (C,)) scores against class indices: for each
    sample, ``max(0, margin - x[y] + x[i]) ** p`` summed over the classes ``i != y`` (each
    times ``weight[y]`` when given) and divided by C, then reduced over the batch."""
    if p not in (1, 2):
        raise ValueError(f"only p == 1 and p == 2 supported, got p={p!r}")
    if input.dim() not in (1, 2):
        raise RuntimeError(f"multi_margin_loss: expected a 1-D or 2-D input (scores by class), "
                           f"got {input.dim()}-D of shape {tuple(input.shape)}")
    scores = input if input.dim() == 2 else input.unsqueeze(0)
    picks = target.reshape(-1, 1)
    if picks.shape[0] != scores.shape[0]:
        raise RuntimeError(f"multi_margin_loss: {scores.shape[0]} samples but "
                           f"{picks.shape[0]} targets; give one class index per sample")
    # relu, not clamp: exactly at the margin the loss passes no gradient (PyTorch's z > 0)
    hinge = (margin - scores.gather(1, picks) + scores).relu()
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * weight.gather(0, picks.reshape(-1)).unsqueeze(1)
    losses = hinge.scatter(1, picks, 0.0).sum(1) / scores.shape[1]  # (the target's own: none)
    if input.dim() == 1 and target.dim() == 0:  # (a 1-element target keeps its dim)
        losses = losses.squeeze(0)
    return shown_as(_reduced(losses, size_average, reduce, reduction),
                    "MultiMarginLossBackward0", input)


def multilabel_soft_margin_loss(input: Any, target: Any, weight: Any = None,
                                size_average: Any = None, reduce: Any = None,
                                reduction: str = "mean") -> Any:
    """Binary cross entropy of each of the C labels of (N, C) scores, averaged over the
    labels (``weight``: per label), then reduced over the batch."""
    losses = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        losses = losses * weight
    losses = losses.sum(-1) / input.shape[-1]
    return _reduced(losses, size_average, reduce, reduction)


# ------------------------------------------------------------- more layers and losses
def instance_norm(input: Any, running_mean: Any = None, running_var: Any = None,
                  weight: Any = None, bias: Any = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Any:
    """Each channel of each sample of (N, C, ...) normalized over its own positions (group
    normalization with one group per channel), then ``* weight + bias`` per channel; the
    running statistics, when given, move towards the batch's average instance mean and
    unbiased variance by ``momentum``.  ``use_input_stats=False`` normalizes by them."""
    if input.dim() < 3:
        raise ValueError(f"instance_norm expects an input of at least 3 dimensions (N, C, ...), "
                         f"got {input.dim()}-D")
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, 0.0, eps)
    if running_mean is not None or running_var is not None:
        dims = tuple(range(2, input.dim()))
        with backend_of(input).no_grad():
            if running_mean is not None:
                running_mean.mul_(1 - momentum).add_(input.mean(dims).mean(0) * momentum)
            if running_var is not None:
                var = input.var(dims, correction=1).mean(0)
                running_var.mul_(1 - momentum).add_(var * momentum)
    # (PyTorch's runs a batch norm over a reshaped view and shapes the result back)
    return shown_as(group_norm(input, input.shape[1], weight, bias, eps), "ViewBackward0", input)


def local_response_norm(input: Any, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Any:
    """Each element divided by ``(k + alpha * mean of the squares of the ``size`` channels
    around it) ** beta`` (AlexNet's normalization across channels, of (N, C, ...))."""
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    squares = input * input
    if dim == 3:
        windows = pad(squares.unsqueeze(1), (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(windows, (size, 1), stride=1).squeeze(1)
    else:
        sizes = tuple(input.shape)
        windows = pad(squares.reshape(sizes[0], 1, sizes[1], sizes[2], -1),
                      (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(windows, (size, 1, 1), stride=1).squeeze(1).reshape(sizes)
    return input / (div * alpha + k) ** beta


def pdist(input: Any, p: float = 2.0) -> Any:
    """The p-norm distances between the rows of the (N, M) ``input``, each pair ``i < j``
    once, in row-major order: N (N - 1) / 2 values."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    B = backend_of(input)
    n = input.shape[0]
    if n < 2:
        return B.zeros(0, dtype=input.dtype)
    rows, cols = B.triu_indices(n, n, offset=1)
    diffs = input[rows] - input[cols]
    return B.linalg.vector_norm(diffs, ord=p, dim=1)


def triplet_margin_with_distance_loss(anchor: Any, positive: Any, negative: Any, *,
                                      distance_function: Any = None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Any:
    """``max(0, d(anchor, positive) - d(anchor, negative) + margin)`` with any distance
    ``d`` (default `pairwise_distance`; ``swap``: the smaller negative distance), reduced."""
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"triplet_margin_with_distance_loss: expected margin to be greater "
                         f"than 0, got {margin} instead")
    distance = pairwise_distance if distance_function is None else distance_function
    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:
        d_neg = backend_of(anchor).minimum(d_neg, distance(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def multilabel_margin_loss(input: Any, target: Any, size_average: Any = None,
                           reduce: Any = None, reduction: str = "mean") -> Any:
    """The multi-label hinge loss of (N, C) (or (C,)) scores: each sample's target row lists
    its classes, ended by the first -1; the loss sums ``max(0, 1 - (x[y] - x[i]))`` over its
    classes ``y`` and the other classes ``i``, divided by C, then reduced over the batch."""
    if input.dim() not in (1, 2) or tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"multilabel_margin_loss: expected input and target of one shape, "
                           f"(C,) or (N, C); got {tuple(input.shape)} and {tuple(target.shape)}")
    B = backend_of(input)
    scores = input if input.dim() == 2 else input.unsqueeze(0)
    labels = target if target.dim() == 2 else target.unsqueeze(0)
    classes = scores.shape[1]
    # the targets of a row are those before its first -1
    listed = (labels != -1).to(B.int64).cumprod(1).to(B.bool)
    picks = B.where(listed, labels, B.zeros_like(labels))
    hits = (labels.unsqueeze(2) == B.arange(classes)) & listed.unsqueeze(2)  # (N, j, class)
    is_target = hits.any(1)
    picked = scores.gather(1, picks)  # (N, C): the score of each listed target
    # relu, not clamp: exactly at the margin the loss passes no gradient (PyTorch's z > 0)
    hinge = (1 - (picked.unsqueeze(2) - scores.unsqueeze(1))).relu()  # (N, target, i)
    mask = listed.unsqueeze(2) & ~is_target.unsqueeze(1)
    losses = B.where(mask, hinge, B.zeros_like(hinge)).sum((1, 2)) / classes
    if input.dim() == 1:
        losses = losses.squeeze(0)
    return shown_as(_reduced(losses, size_average, reduce, reduction),
                    "MultilabelMarginLossBackward0", input)


_SELU_NEGATIVE = -1.7580993408473766  # -scale * alpha of selu: where dropped values go


def _alpha_dropout(input: Any, p: float, training: bool, inplace: bool, features: bool) -> Any:
    if isinstance(p, bool) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    B = backend_of(input)
    x = _source(input, inplace)
    if p == 1.0:
        out = x * 0.0
    else:
        shape = (tuple(input.shape[:2]) + (1,) * (input.dim() - 2) if features
                 else tuple(input.shape))
        keep = (B.rand(shape, dtype=input.dtype) >= p).to(input.dtype)
        a = ((1 - p) * (1 + p * _SELU_NEGATIVE ** 2)) ** -0.5
        b = -a * _SELU_NEGATIVE * p
        out = (x * keep + _SELU_NEGATIVE * (1 - keep)) * a + b
    return _result(input, out, inplace)


def alpha_dropout(input: Any, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Any:
    """Dropout that keeps SELU's self-normalizing mean and variance: dropped elements take
    SELU's negative saturation value, then all are scaled and shifted back (in training)."""
    return _alpha_dropout(input, p, training, inplace, False)


def feature_alpha_dropout(input: Any, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Any:
    """`alpha_dropout` of whole channels of (N, C, ...)."""
    return _alpha_dropout(input, p, training, inplace, True)
