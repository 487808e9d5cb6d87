"""Per-dimension linear maps on the trailing dims of an array: adaptive average pooling,
nearest and (bi)linear interpolation, and reflect/replicate/circular padding are each one
matrix per spatial dim, applied by matrix products.

A map for a dim of size ``n`` onto ``m`` positions is an ``(m, n)`` matrix; applying maps
``[A, B]`` to ``x`` (..., n1, n2) gives ``A @ x @ B.T`` (..., m1, m2).  The adjoint, what the
gradient needs, applies the transposes.  Being matrix products with constant matrices, both
directions are differentiable as they are, with any array namespace.
"""

from __future__ import annotations

from typing import Any, Sequence


def apply_raw(xp: Any, x: Any, maps: Sequence[Any]) -> Any:
    """``x`` with ``maps[i]`` applied along the i-th of its ``len(maps)`` trailing dims."""
    if len(maps) == 1:
        return x @ xp.matrix_transpose(maps[0])
    if len(maps) == 2:
        return maps[0] @ (x @ xp.matrix_transpose(maps[1]))
    if len(maps) == 3:  # the last two dims as one, for the first map
        y = maps[1] @ (x @ xp.matrix_transpose(maps[2]))
        lead, (n, h, w) = tuple(y.shape[:-3]), tuple(y.shape[-3:])
        z = maps[0] @ xp.reshape(y, lead + (n, h * w))
        return xp.reshape(z, lead + (maps[0].shape[0], h, w))
    raise ValueError(f"linear maps over {len(maps)} dims are not supported (1 to 3)")


def adjoint(F: Any, g: Any, maps: Sequence[Any]) -> Any:
    """The transpose of `apply_raw` for backward formulas (``F`` raw or differentiable)."""
    mats = [F.constant(g, m) for m in maps]
    if len(mats) == 1:
        return g @ mats[0]
    if len(mats) == 2:
        return F.matrix_transpose(mats[0]) @ (g @ mats[1])
    y = F.matrix_transpose(mats[1]) @ (g @ mats[2])
    lead, (n, h, w) = tuple(y.shape[:-3]), tuple(y.shape[-3:])
    z = F.matrix_transpose(mats[0]) @ F.reshape(y, lead + (n, h * w))
    return F.reshape(z, lead + (mats[0].shape[1], h, w))


def matrix(xp: Any, rows: Sequence[Sequence[tuple[int, float]]], n: int, dtype: Any) -> Any:
    """An ``(len(rows), n)`` matrix from its nonzero entries: ``rows[i]`` lists
    ``(column, value)`` pairs (a column listed twice adds up).  Built as Python lists: the maps
    are as small as the spatial dims they act on."""
    if not rows or not n:
        return xp.zeros((len(rows), n), dtype=dtype)
    dense = []
    for entries in rows:
        row = [0.0] * n
        for j, v in entries:
            row[j] += v
        dense.append(row)
    return xp.asarray(dense, dtype=dtype)
