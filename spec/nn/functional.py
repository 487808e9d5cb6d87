"""Functions of layers and losses (``torch.nn.functional``), written once against the protocol.

Each function takes the backend from its tensor argument (`gradspec.backend_of`).  Where the
backend offers the function as a single op of its own, under ``torch.nn.functional``'s name and
signature (gradspec's engine and the torch adapter offer ``linear``, ``binary_cross_entropy``,
``cross_entropy``), that op runs, with its own gradient; elsewhere the function is composed of
the protocol's elementary ops.  The choice is made by feature, never by backend name, and is
remembered per backend.

Differences from ``torch.nn.functional``, all deliberate: the losses raise ``ValueError`` when
input and target shapes differ (``mse_loss`` only warns in torch, then broadcasts).
"""

from __future__ import annotations

from typing import Any

from ..errors import OpNotSupportedError
from ..plugins import backend_of

__all__ = [
    "backend_op", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "linear",
    "log_softmax", "mse_loss", "relu", "sigmoid", "softmax", "tanh",
    # ops (issue 12): activations
    "elu", "gelu", "hardtanh", "leaky_relu", "logsigmoid", "mish", "relu6", "selu", "silu",
    "softplus",
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
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(
            f"{what}: target shape {tuple(target.shape)} differs from input shape "
            f"{tuple(input.shape)}; reshape one (e.g. input.squeeze()) so they match"
        )


# ---------------------------------------------------------------------------------- layers
def linear(input: Any, weight: Any, bias: Any = None) -> Any:
    """``input @ weight.T + bias``, with ``weight`` of shape ``(out_features, in_features)``."""
    fused = _fused(weight, "linear")
    if fused is not None:
        return fused(input, weight, bias)
    y = input.matmul(weight.t())
    return y if bias is None else y + bias


def relu(input: Any) -> Any:
    """``max(input, 0)``, elementwise."""
    return input.relu()


def sigmoid(input: Any) -> Any:
    """The logistic function, elementwise."""
    return input.sigmoid()


def tanh(input: Any) -> Any:
    """The hyperbolic tangent, elementwise."""
    return input.tanh()


def softmax(input: Any, dim: int) -> Any:
    """``exp(x) / exp(x).sum(dim)``, computed stably."""
    return input.softmax(dim)


def log_softmax(input: Any, dim: int) -> Any:
    """``x - logsumexp(x, dim)``, computed stably."""
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



# --------------------------------------------- convolution, pooling, normalization, embedding


# ---------------------------------------------------------------------------------- losses
def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Squared error ``(input - target) ** 2``, reduced."""
    _check_reduction(reduction)
    _same_shape("mse_loss", input, target)
    return _reduce((input - target) ** 2, reduction)


def binary_cross_entropy(input: Any, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Any:
    """Binary cross entropy on probabilities: ``-w (y log p + (1 - y) log(1 - p))``.

    Each log is clamped at -100, as torch does, so p = 0 or 1 gives a finite loss.  On a
    backend with a ``binary_cross_entropy`` op of its own, the loss is that op, with torch's
    gradients; elsewhere it is composed of elementary ops and its gradients are those of the
    formula: they agree with torch's for p in [1e-12, 1 - 1e-12], where torch does not cap them.
    """
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
            "binary_cross_entropy: all elements of input should be between 0 and 1; apply "
            "sigmoid first, or use binary_cross_entropy_with_logits on the raw scores"
        )


def binary_cross_entropy_with_logits(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Binary cross entropy on raw scores x: ``softplus(x) - y x``, written to stay finite for
    large |x| and with the exact gradient ``sigmoid(x) - y`` everywhere, 0 included."""
    _check_reduction(reduction)
    _same_shape("binary_cross_entropy_with_logits", input, target)
    magnitude = input.abs()
    # (x + |x|) / 2 is max(x, 0) with the derivative 1/2 at 0 that softplus needs there.
    softplus = (input + magnitude) / 2 + (1 + (-magnitude).exp()).log()
    return _reduce(softplus - input * target, reduction)


def cross_entropy(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Cross entropy of raw scores ``input`` (N, C) against class indices (N,) or class
    probabilities (N, C): ``-log_softmax(input)`` picked (or weighted) by the target."""
    _check_reduction(reduction)
    if input.dim() != 2:
        raise ValueError(
            f"cross_entropy expects scores of shape (N, C), got {tuple(input.shape)}")
    probabilities = tuple(target.shape) == tuple(input.shape)
    if not probabilities:
        _check_indices(input, target)
    fused = _fused(input, "cross_entropy")
    if fused is not None and (target.dtype == input.dtype if probabilities
                              else input.is_floating_point()):
        try:
            return fused(input, target, reduction=reduction)
        except IndexError:
            _check_range(input, target)  # our message when a target is the problem
            raise
    log_p = input.log_softmax(dim=1)
    if probabilities:
        return _reduce(-(target * log_p).sum(dim=1), reduction)
    _check_range(input, target)
    classes = input.shape[1]
    backend = backend_of(input)
    one_hot = target.unsqueeze(1) == backend.arange(classes).unsqueeze(0)
    return _reduce(-(log_p * one_hot.to(log_p.dtype)).sum(dim=1), reduction)


def _check_indices(input: Any, target: Any) -> None:
    n = input.shape[0]
    if tuple(target.shape) != (n,) or target.is_floating_point():
        raise ValueError(
            f"cross_entropy: target must be class indices of shape ({n},) (an integer tensor) "
            f"or probabilities of shape {tuple(input.shape)}; got {tuple(target.shape)} of "
            f"dtype {target.dtype}"
        )


def _check_range(input: Any, target: Any) -> None:
    n, classes = input.shape
    if n and (target.min().item() < 0 or target.max().item() >= classes):
        bad = target.min().item() if target.min().item() < 0 else target.max().item()
        raise IndexError(f"cross_entropy: target {bad} is out of bounds for {classes} classes")
