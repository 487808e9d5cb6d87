"""Matrix decompositions: linalg.qr, linalg.eigh and linalg.svd (batched), through the
namespace's linalg extension.

A decomposition returns several tensors from one factorization.  Each returned tensor gets a
node of its own (``part``), all sharing the one factorization, computed once; a gradient is
linear in the gradients of the parts, so each node's formula is PyTorch's with the other
parts' gradients left out, and a part nobody differentiates adds nothing, as PyTorch's
undefined gradients do (the eigenvalues alone, or the singular values alone, stay finite for
repeated values).  The nodes keep the factorization to themselves and hand out copies, so
writing into a returned tensor never changes a gradient.  Under ``create_graph`` a node
factorizes its saved input again, differentiably, so the gradients are differentiable too.
"""

from __future__ import annotations

from typing import Any

from gradspec.errors import LinAlgError
from gradspec.return_types import linalg_eigh as Eigh  # what they return, as torch's
from gradspec.return_types import linalg_qr as QR
from gradspec.return_types import linalg_svd as SVD

from ..apply import apply
from ..node import Node, register
from ..tensor import Tensor
from .linsolve import LinalgSolveExBackward0, _matrices


def _t(F: Any, x: Any) -> Any:
    return F.matrix_transpose(x)


def _eye_like(F: Any, like: Any, n: int) -> Any:
    """The n x n identity in ``like``'s dtype, as an operand of ``like``'s kind."""
    xp, dtype = _raw(F, like)
    return F.constant(like, xp.eye(n, dtype=dtype))


def _raw(F: Any, like: Any) -> tuple:
    """The namespace and dtype of ``like``'s arrays (a tensor under create_graph)."""
    if isinstance(like, Tensor):
        return like._xp, like._data.dtype
    return F.xp, like.dtype


def _cols(start: int, stop: int | None) -> tuple:
    """The key of columns ``start:stop`` of a batch of matrices."""
    return (Ellipsis, slice(None), slice(start, stop))


def _rows(start: int, stop: int | None) -> tuple:
    """The key of rows ``start:stop`` of a batch of matrices."""
    return (Ellipsis, slice(start, stop), slice(None))


def _skew(F: Any, x: Any) -> Any:
    return x - _t(F, x)


def _gaps(F: Any, values: Any) -> Any:
    """``E[..., i, j] = values[j] - values[i]``, with ones on the diagonal (it divides a matrix
    whose diagonal is zero)."""
    n = values.shape[-1]
    return (F.expand_dims(values, -2) - F.expand_dims(values, -1)) + _eye_like(F, values, n)


def _solve_right(F: Any, b: Any, r: Any) -> Any:
    """``b R^-T``: X with ``X R^T = b``, i.e. ``R X^T = b^T``."""
    return _t(F, F.apply(LinalgSolveExBackward0, r, _t(F, b)))


def _fail(op: str, exc: Exception) -> RuntimeError:
    return LinAlgError(f"linalg.{op}: the algorithm failed to converge because the input "
                        f"matrix is ill-conditioned or holds NaN or infinity ({exc})")


def _keep(node: Any, xp: Any, factors: tuple, part: int, options: Any) -> Any:
    """A part's forward: keep the factorization, hand out a copy of the part."""
    node.part, node.factors, node.options = part, factors, options
    return xp.asarray(factors[part], copy=True)  # the nodes keep the originals


class _Part(Node):
    """One returned tensor of a factorization (``part`` indexes the returned tuple)."""

    quiet = True
    __slots__ = ("part", "factors", "options")
    keeps = ("factors",)
    saves = (0,)  # the input: a create_graph backward factorizes it again, differentiably
    fresh = (0,)

    def _factors(self, a: Any) -> tuple:
        """The factorization: kept from the forward pass on raw arrays, computed again (with
        its graph) from the input tensor under create_graph."""
        return self.factors if not isinstance(a, Tensor) else self._again(a)

    def _again(self, a: Tensor) -> tuple:
        raise NotImplementedError


# ------------------------------------------------------------------------------ eigh
@register("linalg_eigh")
class LinalgEighBackward0(_Part):
    """Eigenvalues (ascending) and orthonormal eigenvectors of a symmetric matrix, from its
    lower triangle.  With ``A = V diag(L) V^T``, PyTorch's gradient is
    ``V (diag(gL) + skew(V^T gV) / E) V^T``, ``skew(X) = (X - X^T) / 2`` and
    ``E[i, j] = L[j] - L[i]``: the eigenvalues' term and the eigenvectors' term are the two
    parts' (the latter divides by gaps, so repeated eigenvalues make it infinite, as in
    PyTorch)."""

    def forward(self, xp, a, factors, part, options=()):
        return _keep(self, xp, factors, part, options)

    def _again(self, a):
        return tuple(eigh(a))

    def backward(self, F, g, a):
        values, vectors = self._factors(a)
        vt = _t(F, vectors)
        if self.part == 0:
            return (vectors @ (F.expand_dims(g, -1) * vt),)
        inner = vt @ g
        core = 0.5 * _skew(F, inner) / _gaps(F, values)
        return (vectors @ core @ vt,)


def _factorize_eigh(xp: Any, a: Any) -> tuple:
    try:
        return tuple(xp.linalg.eigh(a))
    except Exception as exc:
        raise _fail("eigh", exc) from None


def eigh(A: Any, UPLO: str = "L") -> Eigh:
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix, or of each in a
    batch, as torch.linalg.eigh: only the triangle ``UPLO`` names ("L" or "U") is read."""
    _matrices("eigh", A, square=True)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    source = A.mT if UPLO == "U" else A  # A^T's lower triangle is A's upper one
    T = type(A)
    with T._eng.quiet():
        factors = _factorize_eigh(T._xp, source._data)
    return Eigh(*(apply(LinalgEighBackward0, (source,), T, factors=factors, part=i)
                  for i in range(2)))


def eigvalsh(A: Any, UPLO: str = "L") -> Any:
    """The eigenvalues of a symmetric matrix (ascending), as torch.linalg.eigvalsh; their
    gradient ``V diag(gL) V^T`` needs no gaps, so it is finite for repeated eigenvalues."""
    return eigh(A, UPLO).eigenvalues


# ------------------------------------------------------------------------------- svd
@register("linalg_svd")
class LinalgSvdBackward0(_Part):
    """``A = U diag(S) Vh`` (S descending, k = min(m, n) of them).  PyTorch's gradient, with
    ``E[j, i] = S[i]^2 - S[j]^2`` and ``skew(X) = X - X^T``: the singular values' part is
    ``U diag(gS) Vh``; the left vectors' part ``U ((skew(U^T gU) / E) S) Vh``, plus
    ``(I - U U^T) gU S^-1 Vh`` when m > n; the right vectors' part, with ``gV = gVh^T``,
    ``U (S (skew(Vh gV) / E)) Vh``, plus ``U S^-1 gVh (I - V Vh)`` when m < n.  With
    ``full_matrices`` only the first k columns of U and rows of Vh carry a gradient, as in
    PyTorch."""

    def forward(self, xp, a, factors, part, options=()):
        return _keep(self, xp, factors, part, options)

    def _again(self, a):
        return tuple(svd(a, full_matrices=False))

    def backward(self, F, g, a):
        u, s, vh = self._factors(a)
        m, n = a.shape[-2], a.shape[-1]
        k = s.shape[-1]
        if m != n and self.options:  # full_matrices: the first k vectors carry the gradient
            u, vh = F.getitem(u, _cols(0, k)), F.getitem(vh, _rows(0, k))
        part = self.part
        if part == 1:
            return (u @ (F.expand_dims(g, -1) * vh),)
        full = self.options
        if part == 0:
            gu = F.getitem(g, _cols(0, k)) if full and m != k else g
            core = (_skew(F, _t(F, u) @ gu) / _gaps(F, s * s)) * F.expand_dims(s, -2)
            if m > n:
                scaled = gu / F.expand_dims(s, -2)
                return ((u @ core + scaled - u @ (_t(F, u) @ scaled)) @ vh,)
            return (u @ core @ vh,)
        gvh = F.getitem(g, _rows(0, k)) if full and n != k else g
        core = F.expand_dims(s, -1) * (_skew(F, vh @ _t(F, gvh)) / _gaps(F, s * s))
        if m < n:
            scaled = gvh / F.expand_dims(s, -1)
            return (u @ (core @ vh + scaled - (scaled @ _t(F, vh)) @ vh),)
        return (u @ core @ vh,)


def svd(A: Any, full_matrices: bool = True, *, driver: Any = None) -> SVD:
    """``(U, S, Vh)`` with ``A = U diag(S) Vh``, S descending, as torch.linalg.svd: with
    ``full_matrices`` (the default) U is m x m and Vh n x n, else m x k and k x n
    (k = min(m, n)).  ``driver`` chooses among CUDA's algorithms in PyTorch; here it is
    accepted and ignored."""
    _matrices("svd", A)
    T = type(A)
    xp = T._xp
    full = bool(full_matrices)
    with T._eng.quiet():
        try:
            u, s, vh = xp.linalg.svd(A._data, full_matrices=full)
        except Exception as exc:
            raise _fail("svd", exc) from None
    factors = (u, s, vh)
    return SVD(*(apply(LinalgSvdBackward0, (A,), T, factors=factors, part=i, options=full)
                 for i in range(3)))


def svdvals(A: Any, *, driver: Any = None) -> Any:
    """The singular values, descending, as torch.linalg.svdvals (gradient ``U diag(gS) Vh``)."""
    return svd(A, full_matrices=False).S


# -------------------------------------------------------------------------------- qr
@register("linalg_qr")
class LinalgQrBackward0(_Part):
    """``A = Q R``, Q with orthonormal columns, R upper triangular.  PyTorch's gradient for
    m >= n: ``(gQ + Q copyltu(M)) R^-T`` with ``M = R gR^T - gQ^T Q``, ``copyltu`` the
    symmetric matrix of M's lower triangle; for m < n, with ``A = [X | Y]`` and
    ``R = [U | V]``: X's gradient by that formula with ``gQ + Y gV^T`` and ``gU``, and Y's
    ``Q gV``.  Not differentiable for mode='complete' with m > n, nor for mode='r', as in
    PyTorch."""

    def forward(self, xp, a, factors, part, options=()):
        return _keep(self, xp, factors, part, options)

    def _again(self, a):
        return tuple(qr(a))

    def backward(self, F, g, a):
        refusal = self.options
        if refusal:
            raise RuntimeError(refusal)
        q, r = self._factors(a)
        m, n = a.shape[-2], a.shape[-1]
        gq, gr = (g, None) if self.part == 0 else (None, g)
        if m >= n:
            return (_qr_square(F, q, r, gq, gr),)
        y = F.getitem(a, _cols(m, None))
        r_left = F.getitem(r, _cols(0, m))
        if gr is None:  # only Q's gradient: nothing reaches Y
            return (F.pad(_qr_square(F, q, r_left, gq, None), _widths(g, 0, n - m)),)
        gr_left = F.getitem(gr, _cols(0, m))
        gr_right = F.getitem(gr, _cols(m, None))
        gx = _qr_square(F, q, r_left, y @ _t(F, gr_right), gr_left)
        return (F.pad(gx, _widths(g, 0, n - m)) + F.pad(q @ gr_right, _widths(g, m, 0)),)


def _widths(like: Any, before: int, after: int) -> tuple:
    """Zero padding of the last dim only."""
    return ((0, 0),) * (like.ndim - 1) + ((before, after),)


def _qr_square(F: Any, q: Any, r: Any, gq: Any, gr: Any) -> Any:
    """The m >= n formula, for the gradients given (None: that part's gradient is absent)."""
    n = r.shape[-1]
    m_ = None
    if gr is not None:
        m_ = r @ _t(F, gr)
    if gq is not None:
        m_ = -(_t(F, gq) @ q) if m_ is None else m_ - _t(F, gq) @ q
    xp, dtype = _raw(F, r)
    ones = xp.ones((n, n), dtype=dtype)
    lower, strict = xp.tril(ones), xp.tril(ones, k=-1)
    sym = m_ * F.constant(m_, lower) + _t(F, m_ * F.constant(m_, strict))
    b = q @ sym if gq is None else gq + q @ sym
    return _solve_right(F, b, r)


QR_MODES = ("reduced", "complete", "r")


def qr(A: Any, mode: str = "reduced") -> QR:
    """``(Q, R)`` with ``A = Q R``, as torch.linalg.qr: ``mode`` "reduced" (Q m x k, R k x n,
    k = min(m, n)), "complete" (Q m x m, R m x n) or "r" (R only: Q is empty)."""
    _matrices("qr", A)
    if mode not in QR_MODES:
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    T = type(A)
    m, n = A.shape[-2], A.shape[-1]
    complete = mode == "complete" and m > n
    with T._eng.quiet():
        try:
            factors = tuple(T._xp.linalg.qr(A._data, mode="complete" if complete else "reduced"))
        except Exception as exc:
            raise _fail("qr", exc) from None
    refusal = ""
    if complete:
        refusal = ("The QR decomposition is not differentiable when mode='complete' and "
                   "nrows > ncols.")
    elif mode == "r":
        refusal = ("The derivative of linalg.qr depends on Q, which is not computed when "
                   "mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to "
                   "differentiate through linalg.qr.")
    q, r = (apply(LinalgQrBackward0, (A,), T, factors=factors, part=i, options=refusal)
            for i in range(2))
    if mode == "r":
        q = T._wrap(T._xp.zeros((0,), dtype=A._data.dtype))
    return QR(q, r)
