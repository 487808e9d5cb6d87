"""The flags and helpers scripts call as boilerplate: ``torch.compile``, deterministic
algorithms, float32 matmul precision, the default device, dtype promotion questions."""

from __future__ import annotations

from typing import Any, Callable

from .registry import _composed

_STATE: dict[str, Any] = {"deterministic": False, "warn_only": False, "precision": "highest"}


@_composed("compile", what="the model or function unchanged (the engines do not compile)")
def compile(backend: Any, model: Callable[..., Any] | None = None, **options: Any) -> Any:  # noqa: A001
    """``model`` itself: gradspec's engines run eagerly, so ``torch.compile(model)`` (or
    ``@torch.compile``, with or without options) leaves the program's results as they are."""
    if model is None:
        return lambda fn: fn
    return model


@_composed("use_deterministic_algorithms", what="remember the flag (the engines are deterministic)")
def use_deterministic_algorithms(backend: Any, mode: bool, *, warn_only: bool = False) -> None:
    """Keep the flag for `are_deterministic_algorithms_enabled`; gradspec's engines are
    deterministic on the CPU either way."""
    if not isinstance(mode, bool):
        raise RuntimeError(f"use_deterministic_algorithms expects a bool, but got "
                           f"{type(mode).__name__}")
    _STATE["deterministic"], _STATE["warn_only"] = mode, bool(warn_only)


@_composed("are_deterministic_algorithms_enabled", what="the flag use_deterministic_algorithms set")
def are_deterministic_algorithms_enabled(backend: Any) -> bool:
    """What `use_deterministic_algorithms` was last given (False at start)."""
    return bool(_STATE["deterministic"])


@_composed("set_float32_matmul_precision", what="remember the precision (float32 is computed as float32)")
def set_float32_matmul_precision(backend: Any, precision: str) -> None:
    """Keep ``'highest'``, ``'high'`` or ``'medium'``; the engines never lower float32 products
    (no TF32), so results do not change."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid precision {precision!r}: expected 'highest', 'high' or "
                           "'medium'")
    _STATE["precision"] = precision


@_composed("get_float32_matmul_precision", what="the precision set_float32_matmul_precision set")
def get_float32_matmul_precision(backend: Any) -> str:
    """What `set_float32_matmul_precision` was last given (``'highest'`` at start)."""
    return str(_STATE["precision"])


@_composed("get_default_device", what="the backend's device")
def get_default_device(backend: Any) -> Any:
    """Where the backend's factories put tensors."""
    return backend.device


@_composed("set_default_device", what="accepted for the backend's own device")
def set_default_device(backend: Any, device: Any) -> None:
    """A no-op for the backend's own device (or None); any other device is an error, since a
    backend keeps all its tensors on one device."""
    if device is None or str(device) in (str(backend.device), str(backend.device).split(":")[0]):
        return
    raise RuntimeError(f"backend {getattr(backend, 'name', '?')!r} keeps its tensors on "
                       f"{backend.device}; load a backend on {device} instead")


def _probe(x: Any) -> Any:
    """An operand standing for ``x`` in promotion: a 0-d tensor or a number as it is, an empty
    slice of a dimensioned tensor (no arithmetic on its values)."""
    if not hasattr(x, "dim"):
        return x
    return x if x.dim() == 0 else x.reshape(-1)[:0]


@_composed("result_type", what="the dtype an operation on two operands gives")
def result_type(backend: Any, tensor1: Any, tensor2: Any) -> Any:
    """The dtype of ``tensor1 + tensor2`` under PyTorch's promotion (0-d tensors and numbers
    weaker than dimensioned tensors), found by adding stand-ins of no elements."""
    a, b = _probe(tensor1), _probe(tensor2)
    if not hasattr(a, "dim") and not hasattr(b, "dim"):
        a = backend.tensor(a)
    return (a + b).dtype


@_composed("promote_types", what="the smallest dtype both dtypes convert to")
def promote_types(backend: Any, type1: Any, type2: Any) -> Any:
    """The dtype PyTorch promotes ``type1`` and ``type2`` to."""
    return (backend.zeros(1, dtype=type1) + backend.zeros(1, dtype=type2)).dtype


_KIND = {"bool": 0, "uint8": 1, "int8": 1, "int16": 1, "int32": 1, "int64": 1, "float16": 2,
         "float32": 2, "float64": 2}


@_composed("can_cast", what="whether a cast keeps the kind (no float to int, ...)")
def can_cast(backend: Any, from_: Any, to: Any) -> bool:
    """False for casts PyTorch refuses in in-place type promotion: floating to integral or
    bool, integral to bool; True otherwise."""
    a = _KIND[str(from_).rsplit(".", 1)[-1]]
    b = _KIND[str(to).rsplit(".", 1)[-1]]
    return a <= b
