"""Argument handling shared by the ops: PyTorch's ``axis``/``keepdims`` aliases, dims, dtypes.

PyTorch accepts numpy's names for two arguments of every function that reduces or works along a
dimension: ``axis`` for ``dim`` and ``keepdims`` for ``keepdim`` (``x.sum(axis=1)``).  Functions
take both spellings as keyword arguments and resolve them here, once.
"""

from __future__ import annotations

from typing import Any

class _Unset:
    """The default of an argument whose absence must be told apart from every value."""

    def __repr__(self) -> str:
        return "<unset>"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()


def alias(value: Any, alias_value: Any, name: str, alias_name: str, what: str,
          default: Any = None) -> Any:
    """``value`` or, when given, its numpy-style alias (``axis`` for ``dim``); both is an error."""
    if alias_value is None or alias_value is UNSET:
        return default if value is UNSET else value
    if value is not UNSET and value is not None and value != default:
        raise TypeError(f"{what}() got both {name!r} and its alias {alias_name!r}; pass one")
    return alias_value


def dim_of(dim: Any, axis: Any, what: str, default: Any = None) -> Any:
    """The ``dim`` argument, or ``axis`` when that spelling was used."""
    return alias(dim, axis, "dim", "axis", what, default)


def keepdim_of(keepdim: Any, keepdims: Any, what: str) -> bool:
    """The ``keepdim`` argument, or ``keepdims`` when that spelling was used."""
    return bool(alias(keepdim, keepdims, "keepdim", "keepdims", what, False))


def axis_of(dim: Any, ndim: int, what: str = "") -> int:
    """``dim`` as a non-negative axis of a tensor with ``ndim`` dimensions (a 0-d tensor takes
    0 and -1), or IndexError naming the valid range."""
    if isinstance(dim, bool) or not isinstance(dim, int):
        try:
            dim = dim.__index__()
        except (AttributeError, TypeError):
            raise TypeError(f"{what + '(): ' if what else ''}dim must be an integer, got "
                            f"{type(dim).__name__}") from None
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim}){' in ' + what + '()' if what else ''}")
    return dim % n


def floating(a: Any, what: str) -> None:
    """PyTorch's refusal of integer and bool inputs to functions defined on real numbers."""
    eng = type(a)._eng
    if not eng.is_floating(a._data.dtype):
        raise NotImplementedError(
            f"{what}() is not implemented for {eng.dtype_name(a._data.dtype)} tensors (PyTorch "
            "neither); convert the input first, e.g. x.float()")


def as_float(a: Any) -> Any:
    """``a`` itself when floating, else converted to the default float dtype (float32 unless
    set), as PyTorch's functions of real numbers do with integer inputs."""
    eng = type(a)._eng
    return a if eng.is_floating(a._data.dtype) else a.to(eng.default_float)


def same_dtype(what: str, *tensors: Any) -> None:
    """PyTorch's matrix products and lerp do not promote: operands must share one dtype."""
    dtypes = [t._data.dtype for t in tensors]
    if any(d != dtypes[0] for d in dtypes[1:]):
        eng = type(tensors[0])._eng
        names = ", ".join(eng.dtype_name(d) for d in dtypes)
        raise RuntimeError(f"{what}(): expected all operands to have the same dtype (PyTorch does "
                           f"not promote here), got {names}; convert with .to(...) first")


def is_tensor(x: Any) -> bool:
    from ..tensor import Tensor

    return isinstance(x, Tensor)


def strides(shape: tuple[int, ...]) -> list[int]:
    """Row-major strides (in elements) of an array of ``shape``."""
    out = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        out[d] = out[d + 1] * shape[d + 1]
    return out


def broadcast_shapes(a: tuple, b: tuple) -> tuple:
    """The shape ``a`` and ``b`` broadcast to; PyTorch's RuntimeError (naming the first
    dimension, from the right, where they differ) when they do not."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    for d in range(n - 1, -1, -1):
        if a[d] != b[d] and 1 not in (a[d], b[d]):
            raise RuntimeError(f"The size of tensor a ({a[d]}) must match the size of tensor b "
                               f"({b[d]}) at non-singleton dimension {d}")
    return tuple(y if x == 1 else x for x, y in zip(a, b))
