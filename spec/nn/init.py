"""Initialising parameters in place, as ``torch.nn.init``.

Every function fills the tensor it is given, in place and under the backend's ``no_grad()`` (so
a parameter that requires grad can be initialised), and returns it.  The fans are torch's: for
a weight of shape ``(out, in, *kernel)``, ``fan_in = in * prod(kernel)`` and
``fan_out = out * prod(kernel)``.

Random draws come from the tensor's backend generator, so ``backend.manual_seed(s)`` makes them
repeatable.  Where the tensor has torch's in-place samplers (``uniform_``/``normal_``: torch
tensors do), they draw the numbers, so on the torch backend the values are ``torch.nn.init``'s
own, bit for bit; elsewhere a uniform draw is ``rand(shape) * (b - a) + a`` and a normal one
``randn(shape) * std + mean``, from the same generator ``backend.rand``/``randn`` use.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from .. import notices
from ..plugins import backend_of

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_",
    "eye_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
    "dirac_", "sparse_", "_calculate_fan_in_and_fan_out",
    # PyTorch's deprecated names (each warns and calls the one with the underscore)
    "uniform", "normal", "constant", "xavier_uniform", "xavier_normal", "kaiming_uniform",
    "kaiming_normal", "orthogonal", "sparse", "dirac", "eye",
]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d")


# ------------------------------------------------------------------------------ drawing
def _uniform_sample(backend: Any, like: Any, low: float, high: float) -> Any:
    """A new tensor shaped and typed as ``like``, drawn from U(low, high)."""
    if hasattr(like, "uniform_"):
        return backend.zeros_like(like).uniform_(low, high)
    return backend.rand(*like.shape, dtype=like.dtype) * (high - low) + low


def _normal_sample(backend: Any, like: Any, mean: float, std: float) -> Any:
    """A new tensor shaped and typed as ``like``, drawn from N(mean, std**2)."""
    if hasattr(like, "normal_"):
        return backend.zeros_like(like).normal_(mean, std)
    return backend.randn(*like.shape, dtype=like.dtype) * std + mean


def _check_generator(tensor: Any, generator: Any) -> None:
    if generator is not None and not hasattr(tensor, "uniform_"):
        raise ValueError(
            "generator= is only supported where tensors draw with their own generators (torch); "
            "seed this backend with backend.manual_seed(...) instead"
        )


def _fill_uniform(tensor: Any, low: float, high: float, generator: Any = None) -> Any:
    _check_generator(tensor, generator)
    backend = backend_of(tensor)
    with backend.no_grad():
        if hasattr(tensor, "uniform_"):
            kw = {} if generator is None else {"generator": generator}
            return tensor.uniform_(low, high, **kw)
        return tensor.copy_(_uniform_sample(backend, tensor, low, high))


def _fill_normal(tensor: Any, mean: float, std: float, generator: Any = None) -> Any:
    _check_generator(tensor, generator)
    backend = backend_of(tensor)
    with backend.no_grad():
        if hasattr(tensor, "normal_"):
            kw = {} if generator is None else {"generator": generator}
            return tensor.normal_(mean, std, **kw)
        return tensor.copy_(_normal_sample(backend, tensor, mean, std))


# ------------------------------------------------------------------------------ gains and fans
def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (torch's values): 1 for linear, convolutions and
    sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope**2)) for leaky_relu (``param``
    is the negative slope, default 0.01), 3/4 for selu."""
    if nonlinearity in _LINEAR or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param!r} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"Unsupported nonlinearity {nonlinearity!r}; known: {', '.join(_LINEAR)}, sigmoid, "
        "tanh, relu, leaky_relu, selu"
    )


def _calculate_fan_in_and_fan_out(tensor: Any) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight shaped ``(out, in, *kernel)`` (torch's helper)."""
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {shape})"
        )
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _calculate_correct_fan(tensor: Any, mode: str) -> int:
    """``fan_in`` or ``fan_out`` of ``tensor``, as ``mode`` says."""
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


# ------------------------------------------------------------------------------ constant fills
def constant_(tensor: Any, val: float) -> Any:
    """Fill ``tensor`` with ``val``."""
    with backend_of(tensor).no_grad():
        return tensor.fill_(val)


def ones_(tensor: Any) -> Any:
    """Fill ``tensor`` with ones."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Any) -> Any:
    """Fill ``tensor`` with zeros."""
    with backend_of(tensor).no_grad():
        return tensor.zero_()


def eye_(tensor: Any) -> Any:
    """Fill the 2-D ``tensor`` with the identity matrix (ones on the diagonal; a rectangular
    one keeps its shape), preserving the identity of the inputs in a linear layer."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    backend = backend_of(tensor)
    rows, cols = tensor.shape
    with backend.no_grad():
        return tensor.copy_(backend.eye(rows, cols, dtype=tensor.dtype))


# ------------------------------------------------------------------------------ distributions
def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Any:
    """Fill ``tensor`` with draws from U(a, b)."""
    return _fill_uniform(tensor, a, b, generator)


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Any:
    """Fill ``tensor`` with draws from N(mean, std**2)."""
    return _fill_normal(tensor, mean, std, generator)


def trunc_normal_(tensor: Any, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Any = None) -> Any:
    """Fill ``tensor`` with draws from N(mean, std**2) truncated to ``[a, b]`` (exactly that
    distribution, by rejection: normal proposals when the interval holds a good share of the
    mass, uniform proposals on ``[a, b]`` otherwise).  Warns, as torch, when ``mean`` lies more
    than 2 std outside ``[a, b]``."""
    if not a < b:
        raise ValueError(f"trunc_normal_ needs a < b, got a={a}, b={b}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    _check_generator(tensor, generator)
    backend = backend_of(tensor)

    def cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    def log_density(x: Any) -> Any:  # log of the normal density relative to its peak on [a, b]
        peak = max(a, min(mean, b))
        return ((x - mean) / std) ** 2 * -0.5 + 0.5 * ((peak - mean) / std) ** 2

    with backend.no_grad():
        if cdf((b - mean) / std) - cdf((a - mean) / std) > 0.3:
            result = _normal_sample(backend, tensor, mean, std)
            pending = (result < a) | (result > b)
            while bool(pending.any()):
                result = backend.where(pending, _normal_sample(backend, tensor, mean, std), result)
                pending = (result < a) | (result > b)
        else:
            result = _uniform_sample(backend, tensor, a, b)
            pending = _uniform_sample(backend, tensor, 0.0, 1.0).log() > log_density(result)
            while bool(pending.any()):
                candidate = _uniform_sample(backend, tensor, a, b)
                result = backend.where(pending, candidate, result)
                rejected = _uniform_sample(backend, tensor, 0.0, 1.0).log() > log_density(candidate)
                pending = pending & rejected
        return tensor.copy_(result)


def xavier_uniform_(tensor: Any, gain: float = 1.0, generator: Any = None) -> Any:
    """Glorot initialisation: U(-bound, bound) with
    ``bound = gain * sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return _fill_uniform(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Any, gain: float = 1.0, generator: Any = None) -> Any:
    """Glorot initialisation: N(0, std**2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _fill_normal(tensor, 0.0, std, generator)


def _kaiming_std(tensor: Any, a: float, mode: str, nonlinearity: str) -> float | None:
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: Any, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator: Any = None) -> Any:
    """He initialisation: U(-bound, bound) with ``bound = gain * sqrt(3 / fan)``, ``gain`` from
    `calculate_gain` (``a`` is leaky_relu's negative slope; ``mode`` picks fan_in, which keeps
    the forward variance, or fan_out, the backward one).  ``Linear`` uses ``a=sqrt(5)``."""
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return _fill_uniform(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Any, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator: Any = None) -> Any:
    """He initialisation: N(0, std**2) with ``std = gain / sqrt(fan)`` (arguments as
    `kaiming_uniform_`)."""
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return _fill_normal(tensor, 0, std, generator)


def orthogonal_(tensor: Any, gain: float = 1.0, generator: Any = None) -> Any:
    """Fill ``tensor`` (2 or more dims, flattened to ``(shape[0], -1)``) with a (semi-)orthogonal
    matrix times ``gain``: the Q factor, with R's diagonal made positive, of a matrix of
    standard normal draws (Saxe et al.), as torch.  Q comes from Gram-Schmidt orthogonalisation
    applied twice (orthogonal to rounding), written in protocol ops so every backend has it;
    with torch's draws it is torch's Q to rounding."""
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError(f"Only tensors with 2 or more dimensions are supported (got shape {shape})")
    _check_generator(tensor, generator)
    rows = shape[0]
    cols = math.prod(shape) // rows if rows else 0
    if rows == 0 or cols == 0:
        return tensor
    backend = backend_of(tensor)
    with backend.no_grad():
        flat = backend.zeros(rows, cols, dtype=tensor.dtype)
        if hasattr(flat, "normal_"):
            kw = {} if generator is None else {"generator": generator}
            flat.normal_(0, 1, **kw)
        else:
            flat = backend.randn(rows, cols, dtype=tensor.dtype)
        tall = flat.t() if rows < cols else flat  # orthonormal columns of the taller shape
        q = _orthonormal_columns(backend, tall)
        if rows < cols:
            q = q.t()
        return tensor.copy_((q * gain).reshape(shape))


def dirac_(tensor: Any, groups: int = 1) -> Any:
    """Fill the 3-, 4- or 5-D convolution weight ``tensor`` (out, in, *kernel) with the Dirac
    delta: the kernel's centre is 1 where output channel ``d`` of each of the ``groups`` meets
    input channel ``d``, 0 elsewhere, so the convolution keeps its input's channels."""
    dims = tensor.dim()
    if dims not in (3, 4, 5):
        raise ValueError(f"Only tensors with 3, 4, or 5 dimensions are supported (got shape "
                         f"{tuple(tensor.shape)})")
    sizes = tuple(tensor.shape)
    if groups < 1 or sizes[0] % groups:
        raise ValueError(f"dim 0 must be divisible by groups: {sizes[0]} output channels, "
                         f"groups={groups}")
    per_group = sizes[0] // groups
    centre = tuple(s // 2 for s in sizes[2:])
    with backend_of(tensor).no_grad():
        tensor.zero_()
        for g in range(groups):
            for d in range(min(per_group, sizes[1])):
                tensor[(g * per_group + d, d) + centre] = 1
    return tensor


def sparse_(tensor: Any, sparsity: float, std: float = 0.01, generator: Any = None) -> Any:
    """Fill the 2-D ``tensor`` with N(0, std**2) draws, then zero ``ceil(sparsity * rows)``
    randomly chosen entries of every column (Martens, 2010); the positions come from the
    backend's generator (``generator`` draws the normal values only, as in torch)."""
    if tensor.dim() != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported (got shape "
                         f"{tuple(tensor.shape)})")
    rows, cols = tuple(tensor.shape)
    zeros = math.ceil(sparsity * rows)
    backend = backend_of(tensor)
    _fill_normal(tensor, 0.0, std, generator)
    with backend.no_grad():
        for col in range(cols):
            order = backend.randperm(rows)  # the backend's generator, as torch's own randperm
            tensor[order[:zeros], col] = 0
    return tensor


def _orthonormal_columns(backend: Any, a: Any) -> Any:
    """Q of a = QR (a tall, full column rank), R's diagonal positive: classical Gram-Schmidt,
    each column projected twice (once is not orthogonal to rounding)."""
    m, n = tuple(a.shape)
    q = backend.zeros(m, n, dtype=a.dtype)
    for j in range(n):
        v = a[:, j]
        if j:
            done = q[:, :j]
            for _ in range(2):
                v = v - done @ (v @ done)
        q[:, j] = v / (v * v).sum().sqrt()
    return q


def _deprecated(new: Any) -> Any:
    """PyTorch's old name without the trailing underscore (``xavier_normal``), kept callable:
    it warns, as PyTorch's does, and calls ``new``."""
    old = new.__name__[:-1]

    def call(*args: Any, **kwargs: Any) -> Any:
        notices.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{new.__name__}`.",
                     FutureWarning)
        return new(*args, **kwargs)

    call.__name__ = call.__qualname__ = old
    call.__doc__ = f"Deprecated: `{new.__name__}`."
    return call


uniform, normal, constant = _deprecated(uniform_), _deprecated(normal_), _deprecated(constant_)
xavier_uniform, xavier_normal = _deprecated(xavier_uniform_), _deprecated(xavier_normal_)
kaiming_uniform, kaiming_normal = _deprecated(kaiming_uniform_), _deprecated(kaiming_normal_)
orthogonal, sparse, dirac, eye = (_deprecated(orthogonal_), _deprecated(sparse_),
                                  _deprecated(dirac_), _deprecated(eye_))
