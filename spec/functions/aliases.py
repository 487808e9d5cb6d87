"""Top-level names PyTorch keeps beside the tensor methods and ``torch.nn.functional``:
``torch.relu_(x)`` is ``x.relu_()``, ``torch.pixel_shuffle`` is ``F.pixel_shuffle``,
``torch.vmap`` is ``torch.func.vmap``, ``torch.detach(x)`` is ``x.detach()``."""

from __future__ import annotations

from typing import Any, Callable

from .registry import _composed

#: ``torch.NAME(input, ...)`` = ``input.NAME(...)``: PyTorch's top-level in-place functions
#: (and ``detach``), each the tensor method of that name
AS_METHOD = (
    "abs_", "acos_", "arccos_", "acosh_", "arccosh_", "asin_", "arcsin_", "asinh_", "arcsinh_",
    "atan_", "arctan_", "atanh_", "arctanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_",
    "clip_", "cos_", "cosh_", "deg2rad_", "erf_", "erfc_", "exp_", "exp2_", "expm1_", "fix_",
    "floor_", "frac_", "gcd_", "i0_", "lcm_", "ldexp_", "log_", "log10_", "log1p_", "log2_",
    "logit_", "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_", "relu_",
    "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_", "tan_",
    "tanh_", "trunc_", "xlogy_", "zero_", "fill_", "detach", "detach_",
)

#: ``torch.NAME`` = ``torch.nn.functional.NAME`` (same arguments)
AS_FUNCTIONAL = (
    "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "celu", "rrelu", "prelu",
    "threshold", "hardshrink", "bilinear", "adaptive_avg_pool1d", "adaptive_max_pool1d",
    "avg_pool1d", "max_pool1d", "celu_", "rrelu_", "threshold_",
)
# (not selu: it is an op of the catalogue, which nn.functional.selu asks the backend for; an
# alias of it would call itself on a backend without the op)


def _as_method(name: str) -> Callable[..., Any]:
    def call(backend: Any, input: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(input, name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``input.{name}(...)``."
    return call


def _as_functional(name: str) -> Callable[..., Any]:
    def call(backend: Any, *args: Any, **kwargs: Any) -> Any:
        return getattr(backend.nn.functional, name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``torch.nn.functional.{name}``."
    return call


for _name in AS_METHOD:
    _composed(_name, what=f"input.{_name}(...)")(_as_method(_name))
for _name in AS_FUNCTIONAL:
    _composed(_name, what=f"torch.nn.functional.{_name}")(_as_functional(_name))


@_composed("vmap", what="torch.func.vmap")
def vmap(backend: Any, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``torch.func.vmap``."""
    return backend.func.vmap(func, *args, **kwargs)


@_composed("_assert", what="assert, as a function (what torch.jit scripts call)")
def _assert(backend: Any, condition: Any, message: str) -> None:
    """Raise ``AssertionError(message)`` unless ``condition`` holds."""
    assert bool(condition), message
