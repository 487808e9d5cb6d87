"""Square matrices: linalg.inv, det, slogdet, solve and cholesky (with batch dims), through the
namespace's linalg extension.  Their gradients are PyTorch's formulas, written with matrix
products and the same ops, so they are differentiable again."""

from __future__ import annotations

from typing import Any

from gradspec.errors import LinAlgError
from gradspec.return_types import linalg_slogdet as Slogdet

from ..apply import apply
from ..node import Node, register
from ..tensor import Tensor


def _linalg_error(op: str, xp: Any, a: Any) -> RuntimeError:
    """PyTorch's error for a singular (inv, solve) or not positive-definite (cholesky) matrix
    ``a``: the first failing matrix of a batch, and where its factorization broke down."""
    matrices = xp.reshape(a, (-1,) + tuple(a.shape[-2:]))
    n = a.shape[-1]
    where = ""
    for b in range(matrices.shape[0]):
        m = matrices[b, ...]
        if op == "cholesky":  # the first leading minor that is not positive-definite
            order = next((k for k in range(1, n + 1) if not _factors(xp.linalg.cholesky,
                                                                     m[:k, :k])), None)
            if order is None:
                continue
        else:  # LU's first zero pivot: the first column in the span of those before it
            order = next((k for k in range(1, n + 1)
                          if int(xp.linalg.matrix_rank(m[:, :k])) < k), None)
            if order is None and _factors(xp.linalg.inv, m):
                continue
            order = order or n
        if a.ndim > 2:
            where = f"(Batch element {b}): "
        break
    if op == "cholesky":
        return LinAlgError(f"linalg.cholesky: {where}The factorization could not be completed "
                           f"because the input is not positive-definite (the leading minor of "
                           f"order {order} is not positive-definite).")
    if op == "solve":
        return LinAlgError(f"torch.linalg.solve: {where}The solver failed because the input "
                           "matrix is singular.")
    return LinAlgError(f"linalg.inv: {where}The diagonal element {order} is zero, the inversion "
                       "could not be completed because the input matrix is singular.")


def _factors(f: Any, m: Any) -> bool:
    try:
        f(m)
    except Exception:  # numpy's LinAlgError, and its kind in other namespaces
        return False
    return True


@register("linalg_inv")
class LinalgInvExBackward0(Node):
    """``inv(A)``; the gradient ``-inv(A)^T g inv(A)^T``."""

    quiet = True
    saves_output = True
    fresh = (0,)

    def forward(self, xp, a):
        try:
            return xp.linalg.inv(a)
        except Exception:  # numpy's LinAlgError, and its kind in other namespaces
            raise _linalg_error("inv", xp, a) from None

    def backward(self, F, g, a, out):
        t = F.matrix_transpose(out)
        return (-(t @ g @ t),)


def _scale(F: Any, g: Any) -> Any:
    """``g`` of a batch of scalars as (..., 1, 1), to scale a batch of matrices."""
    return F.expand_dims(F.expand_dims(g, -1), -1)


@register("linalg_det")
class LinalgDetBackward0(Node):
    """``det(A)``; the gradient ``g det(A) inv(A)^T`` (which needs ``A`` invertible)."""

    quiet = True
    saves = (0,)
    saves_output = True
    fresh = (0,)

    def forward(self, xp, a):
        return xp.linalg.det(a)

    def backward(self, F, g, a, out):
        inverse = F.apply(LinalgInvExBackward0, a)
        return (_scale(F, g * out) * F.matrix_transpose(inverse),)


@register("linalg_slogdet")
class LinalgSlogdetBackward0(Node):
    """``log|det(A)|`` (its sign is computed beside it, outside the graph); the gradient
    ``g inv(A)^T``."""

    quiet = True
    saves = (0,)
    fresh = (0,)

    def forward(self, xp, a):
        return xp.linalg.slogdet(a)[1]

    def backward(self, F, g, a):
        return (_scale(F, g) * F.matrix_transpose(F.apply(LinalgInvExBackward0, a)),)


@register("linalg_solve")
class LinalgSolveExBackward0(Node):
    """``X`` with ``A X = B`` for a matrix (or batch of them) ``B``; the gradients
    ``gB = solve(A^T, g)`` and ``gA = -gB X^T``.  Batch dims broadcast."""

    quiet = True
    broadcasts = True
    save_map = {0: (0,), 1: (0,)}  # both gradients solve with A; gA also needs X (the output)
    saves_output = True
    fresh = (0, 1)

    def forward(self, xp, a, b):
        try:
            return xp.linalg.solve(a, b)
        except Exception:  # numpy's LinAlgError, and its kind in other namespaces
            raise _linalg_error("solve", xp, a) from None

    def backward(self, F, g, a, b, out):
        gb = F.apply(LinalgSolveExBackward0, F.matrix_transpose(a), g)
        ga = -(gb @ F.matrix_transpose(out)) if self._next[0] is not None else None
        return ga, (gb if self._next[1] is not None else None)


@register("linalg_cholesky")
class LinalgCholeskyExBackward0(Node):
    """The lower factor ``L`` of ``A = L L^T`` (A symmetric positive-definite); the gradient
    ``L^-T Phi(L^T g) L^-1`` made symmetric, ``Phi`` keeping the lower triangle with its
    diagonal halved (PyTorch's formula)."""

    quiet = True
    __slots__ = ("half",)
    keeps = ("half",)
    saves_output = True
    fresh = (0,)

    def forward(self, xp, a):
        n = a.shape[-1]
        rows = xp.reshape(xp.arange(n), (n, 1))
        cols = xp.reshape(xp.arange(n), (1, n))
        self.half = xp.astype(rows > cols, a.dtype) + 0.5 * xp.astype(rows == cols, a.dtype)
        try:
            return xp.linalg.cholesky(a)
        except Exception:
            raise _linalg_error("cholesky", xp, a) from None

    def backward(self, F, g, a, factor):
        phi = (F.matrix_transpose(factor) @ g) * F.constant(g, self.half)
        inverse = F.apply(LinalgInvExBackward0, factor)
        s = F.matrix_transpose(inverse) @ phi @ inverse
        return (0.5 * (s + F.matrix_transpose(s)),)


# ------------------------------------------------------------------ user-facing functions
def _matrices(op: str, a: Any, square: bool = False) -> None:
    """PyTorch's checks of a linalg input: a tensor of matrices (square ones with ``square``)
    of a floating dtype, refused in its words."""
    if not isinstance(a, Tensor):
        raise TypeError(f"linalg.{op}(): argument 'A' must be a tensor, not {type(a).__name__}")
    if a.ndim < 2:
        raise RuntimeError(f"linalg.{op}: The input tensor A must have at least 2 dimensions.")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.{op}: A must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    eng = type(a)._eng
    if not eng.is_floating(a._data.dtype):
        raise RuntimeError(f"linalg.{op}: Expected a floating point or complex tensor as input. "
                           f"Got {eng.scalar_type_name(a._data.dtype)}")


def inv(A: Any) -> Any:
    """The inverse of a square matrix (or of each in a batch), as torch.linalg.inv."""
    _matrices("inv", A, square=True)
    return apply(LinalgInvExBackward0, (A,), type(A))


def det(A: Any) -> Any:
    """The determinant of a square matrix (or of each in a batch), as torch.linalg.det."""
    _matrices("det", A, square=True)
    return apply(LinalgDetBackward0, (A,), type(A))


def slogdet(A: Any) -> Slogdet:
    """``(sign, logabsdet)`` of the determinant, as torch.linalg.slogdet: ``sign`` is -1, 0 or
    1 (outside the graph), ``logabsdet`` differentiable."""
    _matrices("slogdet", A, square=True)
    T = type(A)
    with T._eng.quiet():  # a singular matrix: log(0) inside, as PyTorch quietly
        sign = T._wrap(T._xp.linalg.slogdet(A._data)[0])
    return Slogdet(sign, apply(LinalgSlogdetBackward0, (A,), T))


def solve(A: Any, B: Any, *, left: bool = True) -> Any:
    """``X`` with ``A X = B`` (``X A = B`` when ``left=False``), as torch.linalg.solve: ``B`` a
    matrix, a batch of them, or a vector (then ``X`` is a vector); batch dims broadcast."""
    _matrices("solve", A, square=True)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve(): argument 'B' must be a tensor, not {type(B).__name__}")
    if B._data.dtype != A._data.dtype:
        eng = type(A)._eng
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found "
                           f"A of type {eng.scalar_type_name(A._data.dtype)} and B of "
                           f"type {eng.scalar_type_name(B._data.dtype)} instead")
    if not left:  # X A = B  <=>  A^T X^T = B^T
        if B.ndim < 2:
            raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not "
                               "supported for left=False; give B as a matrix (1 x n)")
        return solve(A.mT, B.mT).mT
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    column = B.unsqueeze(-1) if vector else B
    n = A.shape[-1]
    if column.shape[-2] != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({n}x{n} and {column.shape[-2]}x{column.shape[-1]})")
    out = apply(LinalgSolveExBackward0, (A, column), type(A))
    return out.squeeze(-1) if vector else out


def cholesky(A: Any, *, upper: bool = False) -> Any:
    """The lower Cholesky factor ``L`` of a symmetric positive-definite ``A = L L^T`` (its
    transpose, the upper factor, with ``upper=True``), as torch.linalg.cholesky; only ``A``'s
    lower triangle is read."""
    _matrices("cholesky", A, square=True)
    factor = apply(LinalgCholeskyExBackward0, (A,), type(A))
    return factor.mT if upper else factor
