"""Selecting between values: where, maximum, minimum."""

from __future__ import annotations

from typing import Any

from ..apply import apply, binary, broadcast_clash
from ..node import Node, register
from ..tensor import Tensor


@register("where")
class WhereBackward0(Node):
    """``where(cond, a, b)``; the unselected branch gets exactly zero (so a NaN or infinite
    derivative there still yields NaN through its own backward: PyTorch's documented trap)."""

    __slots__ = ("cond",)
    keeps = ("cond",)
    broadcasts = True

    def forward(self, xp, a, b, cond):
        self.cond = cond
        return xp.where(cond, a, b)

    def backward(self, F, g, a, b):
        ga, gb = self._next
        zero = F.zeros_like(g)
        return (F.where(self.cond, g, zero) if ga is not None else None,
                F.where(self.cond, zero, g) if gb is not None else None)


@register("maximum")
class MaximumBackward0(Node):
    broadcasts = True
    saves = (0, 1)

    def forward(self, xp, a, b):
        return xp.maximum(a, b)

    def backward(self, F, g, a, b):
        a, b = _compared(F, g, a, b)
        return _split(F, g, a, b, a > b, self._next)


@register("minimum")
class MinimumBackward0(Node):
    broadcasts = True
    saves = (0, 1)

    def forward(self, xp, a, b):
        return xp.minimum(a, b)

    def backward(self, F, g, a, b):
        a, b = _compared(F, g, a, b)
        return _split(F, g, a, b, a < b, self._next)


def _compared(F: Any, g: Any, a: Any, b: Any) -> tuple[Any, Any]:
    """The operands as the forward compared them: in the result's dtype, which is the
    gradient's (a 0-d float64 against a float32 tensor compares in float32, so values equal
    there are a tie)."""
    return tuple(F.astype(x, g.dtype) if hasattr(x, "dtype") else x for x in (a, b))


def _split(F: Any, g: Any, a: Any, b: Any, wins: Any, edges: tuple) -> tuple:
    """The winner gets the gradient; ties split it evenly (as PyTorch)."""
    tie = a == b
    half = g / 2
    zero = F.zeros_like(g)
    ga = F.where(tie, half, F.where(wins, g, zero)) if edges[0] is not None else None
    gb = F.where(tie, half, F.where(wins, zero, g)) if edges[1] is not None else None
    return ga, gb


def where(condition: Any, input: Any = None, other: Any = None) -> Any:
    """``input`` where ``condition`` (a bool tensor) holds, else ``other`` (tensors or Python
    numbers, broadcast together; PyTorch's dtype promotion), as torch.where; with the condition
    alone, the indices of its true elements (``nonzero(condition, as_tuple=True)``)."""
    if input is None and other is None:
        from .gather import nonzero

        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() takes a condition and both input and other (or the condition "
                        "alone, for the indices where it holds)")
    a, b = input, other
    tensors = [x for x in (a, b, condition) if isinstance(x, Tensor)]
    if not tensors:
        raise TypeError("where(): condition must be a tensor, got "
                        f"{type(condition).__name__}")
    T = type(tensors[0])
    eng = T._eng
    c = condition._data if isinstance(condition, Tensor) else eng.asarray(condition)
    if not eng.is_bool(c.dtype):
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {eng.scalar_type_name(c.dtype)}; compare it first "
                           "(x > 0) or convert it with .bool()")
    xp = T._xp
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):  # two numbers
        a, b = (xp.asarray(x, dtype=_numbers_dtype(eng, a, b)) for x in (a, b))
        return apply(WhereBackward0, (a, b), T, cond=c)
    da = a._data if isinstance(a, Tensor) else a
    db = b._data if isinstance(b, Tensor) else b
    da, db = eng.promote(da, db, isinstance(a, Tensor), isinstance(b, Tensor))
    # scalars become arrays of the result dtype so every namespace accepts them
    if not isinstance(a, Tensor):
        a = xp.asarray(da, dtype=db.dtype) if isinstance(b, Tensor) else eng.asarray(da)
    elif da is not a._data:
        a = a.to(da.dtype)
    if not isinstance(b, Tensor):
        b = xp.asarray(db, dtype=a._data.dtype if isinstance(a, Tensor) else a.dtype)
    elif db is not b._data:
        b = b.to(db.dtype)
    shapes = (tuple(c.shape), tuple(a.shape), tuple(b.shape))
    if not shapes[0] == shapes[1] == shapes[2]:
        clash = broadcast_clash(shapes)
        if clash:
            raise RuntimeError(f"{clash}: where: operands of shapes {shapes[0]} (the "
                               f"condition), {shapes[1]} and {shapes[2]} do not broadcast "
                               "together; make the trailing dimensions equal or 1, e.g. with "
                               "unsqueeze() or reshape()")
    return apply(WhereBackward0, (a, b), T, cond=c)


def _numbers_dtype(eng: Any, *numbers: Any) -> Any:
    """The dtype PyTorch gives Python numbers alone: the default float if any is a float, else
    int64 if any is an integer, else bool."""
    if any(isinstance(x, float) for x in numbers):
        return eng.default_float
    if any(isinstance(x, int) and not isinstance(x, bool) for x in numbers):
        return eng.int64
    return eng.xp.bool


def maximum(a: Any, b: Any) -> Any:
    return binary(MaximumBackward0, a, b)


def minimum(a: Any, b: Any) -> Any:
    return binary(MinimumBackward0, a, b)
