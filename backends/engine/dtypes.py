"""Dtypes as PyTorch users see them: ``torch.float32`` objects, ``finfo``, ``iinfo``.

The engine computes with the array namespace's own dtype objects (numpy's ``dtype('float32')``,
array_api_strict's ``float32``); users see `dtype` objects that wrap them.  A `dtype` prints as
``torch.float32``, has torch's attributes (``is_floating_point``, ``itemsize``, ...), and
compares equal to the dtype it wraps, so ``x.dtype == torch.float32`` and, on numpy,
``x.dtype == numpy.float32`` both hold.  The engine turns any of them back into the namespace's
dtype with ``Engine.dtype``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["TENSOR_TYPES", "dtype", "finfo", "iinfo"]

_ITEMSIZE = {"bool": 1, "int8": 1, "uint8": 1, "int16": 2, "int32": 4, "int64": 8,
             "float16": 2, "bfloat16": 2, "float32": 4, "float64": 8}

#: ``Tensor.type()`` names, as PyTorch prints them for CPU tensors
TENSOR_TYPES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
                "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}


class dtype:
    """One dtype of a backend (``torch.float32`` ...): prints as PyTorch's, equals the array
    namespace's dtype object it stands for."""

    __slots__ = ("name", "native")

    def __init__(self, name: str, native: Any) -> None:
        self.name = name
        self.native = native

    @property
    def is_floating_point(self) -> bool:
        """True for float16, bfloat16, float32 and float64."""
        return "float" in self.name

    @property
    def is_complex(self) -> bool:
        """Always False: gradspec's engine has no complex dtypes."""
        return False

    @property
    def is_signed(self) -> bool:
        """False for bool and uint8, True otherwise."""
        return self.name not in ("bool", "uint8")

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return _ITEMSIZE[self.name]

    def to_real(self) -> "dtype":
        """This dtype (it is real already)."""
        return self

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if isinstance(other, dtype):
            return self.name == other.name
        if isinstance(other, str):  # torch.float32 == "float32" is False in PyTorch
            return False
        try:
            return bool(self.native == other)
        except Exception:  # a namespace's dtype may refuse foreign objects
            return False

    def __hash__(self) -> int:
        return hash(self.native)

    def __reduce__(self) -> Any:
        from gradspec.serialization import _dtype

        return (_dtype, (self.name,))


class finfo:
    """Machine limits of a floating dtype (``torch.finfo``)."""

    def __init__(self, np: Any, d: dtype) -> None:
        if not d.is_floating_point:
            raise TypeError(f"torch.finfo() requires a floating point input type, got {d}; use "
                            "torch.iinfo for integer types")
        info = np.finfo(getattr(np, d.name))
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)  # as torch: a power of ten
        self.dtype = d.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype (``torch.iinfo``)."""

    def __init__(self, np: Any, d: dtype) -> None:
        if d.is_floating_point or d.name == "bool":
            raise TypeError(f"torch.iinfo() requires an integer input type, got {d}; use "
                            "torch.finfo for floating types")
        info = np.iinfo(getattr(np, d.name))
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = d.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
