"""`Size`: a tensor's shape as PyTorch returns it (a tuple printed as ``torch.Size([2, 3])``)."""

from __future__ import annotations

from typing import Any

__all__ = ["Size"]


class Size(tuple):
    """A tuple of dimension sizes (``x.shape``, ``x.size()``), printed as PyTorch prints it.

    Slicing and adding a tuple give a `Size` again; everything else is a tuple's behaviour.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def __getitem__(self, key: Any) -> Any:
        got = tuple.__getitem__(self, key)
        return Size(got) if isinstance(key, slice) else got

    def __add__(self, other: Any) -> "Size":
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __radd__(self, other: Any) -> "Size":
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n

    def __reduce__(self) -> Any:
        return (tuple, (tuple(self),))
