"""Matrix products: matmul (and its 1-d forms: dot, mv, vector-matrix)."""

from __future__ import annotations

from typing import Any

from ..apply import binary
from ..node import Node, register


@register("matmul")
class MmBackward0(Node):
    __slots__ = ("nd",)
    broadcasts = True  # batch dimensions broadcast; the engine sums them back
    save_map = {0: (1,), 1: (0,)}

    def forward(self, xp, a, b):
        self.nd = (a.ndim, b.ndim)
        return xp.matmul(a, b)

    def name(self):
        na, nb = self.nd
        if na == nb == 1:
            return "DotBackward0"
        if na == 2 and nb == 1:
            return "MvBackward0"
        if na == nb == 2:
            return "MmBackward0"
        return "BmmBackward0" if na > 2 or nb > 2 else "MmBackward0"

    def backward(self, F, g, a, b):
        na, nb = self.nd
        ea, eb = self._next
        # promote 1-d operands to matrices, as matmul itself does, then undo it
        if na == 1:
            g = F.expand_dims(g, -2 if nb > 1 else 0)
        if nb == 1:
            g = F.expand_dims(g, -1)
        ga = gb = None
        if ea is not None:
            b2 = F.expand_dims(b, -1) if nb == 1 else b
            ga = g @ F.matrix_transpose(b2)
            if na == 1:
                ga = F.reshape(ga, ga.shape[:-2] + ga.shape[-1:]) if ga.ndim > 2 else F.reshape(ga, ga.shape[-1:])
        if eb is not None:
            a2 = F.expand_dims(a, 0) if na == 1 else a
            gb = F.matrix_transpose(a2) @ g
            if nb == 1:
                gb = F.reshape(gb, gb.shape[:-1])
        return ga, gb


def matmul(a: Any, b: Any) -> Any:
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, got "
                           f"{a.ndim}D and {b.ndim}D")
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        sa = tuple(a.shape) if a.ndim > 1 else (1,) + tuple(a.shape)
        sb = tuple(b.shape) if b.ndim > 1 else tuple(b.shape) + (1,)
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sa[-2]}x{sa[-1]} and "
                           f"{sb[-2]}x{sb[-1]}): the first's last dimension must equal the "
                           "second's next-to-last; transpose or reshape one of them")
    return binary(MmBackward0, a, b)


def mm(a: Any, b: Any) -> Any:
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm(): both arguments must be matrices, got {a.ndim}D and {b.ndim}D")
    return matmul(a, b)


def mv(a: Any, b: Any) -> Any:
    if a.ndim != 2 or b.ndim != 1:
        raise RuntimeError(f"mv(): expected a matrix and a vector, got {a.ndim}D and {b.ndim}D")
    return matmul(a, b)


def dot(a: Any, b: Any) -> Any:
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"dot(): 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    return matmul(a, b)
