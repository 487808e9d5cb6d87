"""Square-matrix functions under their top-level names: ``inverse``, ``det``, ``slogdet``,
``logdet`` and ``cholesky``, from the backend's ``linalg`` ops (an optional op a backend lacks
raises its own error)."""

from __future__ import annotations

import math
from typing import Any

from .. import return_types
from ..errors import OpNotSupportedError
from .registry import _composed


def _linalg(backend: Any, name: str) -> Any:
    """``backend.linalg.<name>``; a backend without that optional op gets the error that marks
    it unsupported (so a composed function over it is reported unsupported, not failed)."""
    found = getattr(getattr(backend, "linalg", None), name, None)
    if found is None:
        raise OpNotSupportedError(f"backend {getattr(backend, 'name', '?')!r} does not implement "
                                  f"the optional op 'linalg.{name}', which this function needs")
    return found


@_composed("inverse", what="torch.linalg.inv")
def inverse(backend: Any, input: Any) -> Any:
    """``torch.linalg.inv(input)``."""
    return _linalg(backend, "inv")(input)


@_composed("det", what="torch.linalg.det")
def det(backend: Any, input: Any) -> Any:
    """``torch.linalg.det(input)``."""
    return _linalg(backend, "det")(input)


@_composed("slogdet", what="torch.linalg.slogdet")
def slogdet(backend: Any, input: Any) -> Any:
    """``torch.linalg.slogdet(input)``: ``(sign, logabsdet)``, as torch.return_types.slogdet
    (linalg.slogdet's is linalg_slogdet)."""
    return return_types.slogdet(*_linalg(backend, "slogdet")(input))


@_composed("logdet", what="log of the determinant (NaN where it is negative)")
def logdet(backend: Any, input: Any) -> Any:
    """``log(det(input))``: from `slogdet`, NaN for a negative determinant (whose gradient is
    then 0, as PyTorch's: the NaN is a constant picked by ``where``) and -inf for a singular
    matrix."""
    sign, logabsdet = _linalg(backend, "slogdet")(input)
    return backend.where(sign < 0, backend.full_like(logabsdet, float("nan")), logabsdet)


@_composed("cholesky", what="torch.linalg.cholesky, with torch.cholesky's upper argument",
           shown="CholeskyBackward0")
def cholesky(backend: Any, input: Any, upper: bool = False) -> Any:
    """The Cholesky factor of a symmetric positive-definite matrix: lower, or upper with
    ``upper=True`` (PyTorch's older ``torch.cholesky``)."""
    return _linalg(backend, "cholesky")(input, upper=upper)


# ------------------------------------------------------------ from the decompositions
@_composed("linalg.eigvalsh", what="eigenvalues of a symmetric matrix, from linalg.eigh")
def eigvalsh(backend: Any, A: Any, UPLO: str = "L") -> Any:
    """The eigenvalues of a symmetric matrix, ascending: ``linalg.eigh(A, UPLO)[0]``."""
    return _linalg(backend, "eigh")(A, UPLO)[0]


@_composed("linalg.svdvals", what="singular values, from linalg.svd")
def svdvals(backend: Any, A: Any, *, driver: Any = None) -> Any:
    """The singular values, descending: ``linalg.svd(A, full_matrices=False)[1]``."""
    return _linalg(backend, "svd")(A, full_matrices=False)[1]


@_composed("linalg.cond", what="condition number, from the singular values or the inverse")
def cond(backend: Any, A: Any, p: Any = None) -> Any:
    """The condition number of ``A`` in the norm ``p``, as torch.linalg.cond: for ``p`` None or
    2 the largest singular value over the smallest (-2: the smallest over the largest; NaN for
    a zero matrix, as 0 / 0), for "fro", "nuc", inf, -inf, 1 and -1 (square matrices only)
    ``matrix_norm(A, p) * matrix_norm(inv(A), p)``, inf for a singular one."""
    from ..graph_names import shown_as

    if A.dim() < 2:
        raise RuntimeError("linalg.cond: The input tensor must have at least 2 dimensions.")
    if p is None or (not isinstance(p, str) and p in (2, -2)):
        s = svdvals(backend, A)
        hi, lo = s[..., :1], s[..., -1:]
        return shown_as((lo / hi if p == -2 else hi / lo).squeeze(-1), "SqueezeBackward1", A)
    if not (p in ("fro", "nuc") if isinstance(p, str) else p in (math.inf, -math.inf, 1, -1)):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    m, n = A.shape[-2], A.shape[-1]
    if m != n:
        raise RuntimeError(f"linalg.cond(ord={p}): A must be batches of square matrices, but "
                           f"they are {m} by {n} matrices")
    from ..errors import LinAlgError

    norm = _linalg(backend, "matrix_norm")
    try:
        inverse = _linalg(backend, "inv")(A)
    except LinAlgError:
        if A.dim() == 2:  # singular: infinitely ill-conditioned
            return backend.full((), math.inf, dtype=A.dtype)
        # a batch with a singular matrix: each matrix on its own
        each = [cond(backend, a, p) for a in A.reshape(-1, n, n)]
        return backend.stack(each).reshape(A.shape[:-2])
    out = norm(A, p) * norm(inverse, p)
    return out if p == "nuc" else shown_as(out, "NanToNumBackward0", A)


#: what torch.svd returns (V, not Vh), and torch.qr and torch.triangular_solve
Svd = return_types.svd
Qr = return_types.qr
TriangularSolve = return_types.triangular_solve
Lstsq = return_types.linalg_lstsq


@_composed("svd", what="torch.svd: U, S and V (not Vh), from linalg.svd")
def svd(backend: Any, input: Any, some: bool = True, compute_uv: bool = True) -> Any:
    """PyTorch's older ``torch.svd``: ``(U, S, V)`` with ``input = U diag(S) V^T``, reduced
    unless ``some=False``; without ``compute_uv`` U and V are zero-filled (m x m and n x n)."""
    if not compute_uv:
        m, n = input.shape[-2], input.shape[-1]
        batch = tuple(input.shape[:-2])
        zeros = backend.zeros
        return Svd(zeros(*batch, m, m, dtype=input.dtype),
                   _linalg(backend, "svd")(input, full_matrices=False)[1],
                   zeros(*batch, n, n, dtype=input.dtype))
    u, s, vh = _linalg(backend, "svd")(input, full_matrices=not some)
    return Svd(u, s, vh.mT)


@_composed("qr", what="torch.qr: Q and R, from linalg.qr")
def qr(backend: Any, input: Any, some: bool = True) -> Any:
    """PyTorch's older ``torch.qr``: ``linalg.qr`` in mode "reduced", or "complete" when
    ``some=False``."""
    q, r = _linalg(backend, "qr")(input, "reduced" if some else "complete")
    return Qr(q, r)


def _triangle(backend: Any, A: Any, upper: bool, unitriangular: bool) -> Any:
    """The triangle of ``A`` a triangular solve reads (with ones on the diagonal when
    ``unitriangular``: the diagonal is then not read)."""
    if unitriangular:
        strict = A.triu(1) if upper else A.tril(-1)
        return strict + backend.eye(A.shape[-1], dtype=A.dtype)
    return A.triu() if upper else A.tril()


@_composed("linalg.solve_triangular", what="triangular solve, from linalg.solve")
def solve_triangular(backend: Any, A: Any, B: Any, *, upper: bool, left: bool = True,
                     unitriangular: bool = False) -> Any:
    """``X`` with ``A X = B`` (``X A = B`` when ``left=False``) reading only the triangle of
    ``A`` that ``upper`` names (its diagonal taken as ones when ``unitriangular``), as
    torch.linalg.solve_triangular; batch dims broadcast."""
    if B.dim() < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 "
                           "dimensions.")
    if A.dim() < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError("linalg.solve_triangular: The input tensor A must have at least 2 "
                           "dimensions and be batches of square matrices")
    tri = _triangle(backend, A, upper, unitriangular)
    if left:
        return _linalg(backend, "solve")(tri, B)
    return _linalg(backend, "solve")(tri.mT, B.mT).mT


@_composed("triangular_solve", what="torch.triangular_solve, from linalg.solve")
def triangular_solve(backend: Any, input: Any, A: Any, upper: bool = True,
                     transpose: bool = False, unitriangular: bool = False) -> Any:
    """PyTorch's older ``torch.triangular_solve(b, A)``: ``(X, A.clone())`` with ``A X = b``
    (``A^T X = b`` when ``transpose``), ``A`` upper triangular unless ``upper=False``."""
    tri = _triangle(backend, A, upper, unitriangular)
    if transpose:
        tri = tri.mT
    return TriangularSolve(_linalg(backend, "solve")(tri, input), A.clone())


@_composed("cholesky_solve", what="solve with a Cholesky factor, from linalg.solve")
def cholesky_solve(backend: Any, input: Any, input2: Any, upper: bool = False) -> Any:
    """``X`` with ``(L L^T) X = input`` given the lower Cholesky factor ``L = input2`` (with
    ``upper=True``, the upper factor ``U``, ``A = U^T U``), as torch.cholesky_solve: two
    triangular solves.  Only the factor's triangle is read, but its gradient is PyTorch's: that
    of ``(L L^T)^-1 B`` in the whole of ``L``."""
    # the other triangle's values leave, and its gradient stays (PyTorch's formula)
    unread = input2.tril(-1) if upper else input2.triu(1)
    factor = input2 - unread.detach()
    lower = factor.mT if upper else factor
    step = _linalg(backend, "solve")(lower, input)
    return _linalg(backend, "solve")(lower.mT, step)


@_composed("cholesky_inverse", what="inverse from a Cholesky factor",
           shown="CholeskyInverseBackward0")
def cholesky_inverse(backend: Any, input: Any, upper: bool = False) -> Any:
    """``(L L^T)^-1`` given the lower Cholesky factor ``L`` (``(U^T U)^-1`` with ``upper``),
    as torch.cholesky_inverse."""
    n = input.shape[-1]
    eye = backend.eye(n, dtype=input.dtype).expand(*input.shape[:-2], n, n)
    return cholesky_solve(backend, eye, input, upper)


def _epsilon(backend: Any, t: Any) -> float:
    return float(backend.finfo(t.dtype).eps)


def _cutoff(backend: Any, s: Any, m: int, n: int, atol: Any, rtol: Any) -> Any:
    """The singular values kept (a mask): above ``max(atol, rtol * largest)``, PyTorch's rule
    (``rtol`` defaults to eps * max(m, n) when neither is given, else to 0)."""
    if rtol is None:
        rtol = _epsilon(backend, s) * max(m, n) if atol is None or atol == 0 else 0.0
    largest = s.amax(dim=-1, keepdim=True).detach() if s.shape[-1] else s.sum(-1, keepdim=True)
    tol = largest * rtol
    if atol is None:
        return s > tol
    if hasattr(atol, "shape"):  # a tensor of tolerances, one per matrix of the batch
        return s > backend.maximum(tol, atol.unsqueeze(-1) if atol.dim() else atol)
    return s > backend.clamp(tol, min=float(atol))


@_composed("linalg.pinv", what="pseudo-inverse, from linalg.svd", shown="LinalgPinvBackward0")
def pinv(backend: Any, A: Any, *, atol: Any = None, rtol: Any = None,
         hermitian: bool = False) -> Any:
    """The Moore-Penrose pseudo-inverse, as torch.linalg.pinv: from the SVD, singular values at
    or below ``max(atol, rtol * largest)`` counted as zero (``hermitian`` is accepted; the SVD
    serves symmetric matrices too)."""
    m, n = A.shape[-2], A.shape[-1]
    u, s, vh = _linalg(backend, "svd")(A, full_matrices=False)
    keep = _cutoff(backend, s, m, n, atol, rtol)
    safe = backend.where(keep, s, backend.ones_like(s))  # no 1/0 even in the branch not taken
    inverse = backend.where(keep, 1 / safe, backend.zeros_like(s))
    return vh.mT @ (inverse.unsqueeze(-1) * u.mT)


@_composed("pinverse", what="torch.pinverse, from linalg.pinv", shown="LinalgPinvBackward0")
def pinverse(backend: Any, input: Any, rcond: float = 1e-15) -> Any:
    """``linalg.pinv(input, rtol=rcond)``."""
    return pinv(backend, input, rtol=rcond)


@_composed("linalg.matrix_rank", what="rank from the singular values")
def matrix_rank(backend: Any, A: Any, *, atol: Any = None, rtol: Any = None,
                hermitian: bool = False, tol: Any = None) -> Any:
    """The number of singular values above ``max(atol, rtol * largest)`` (an int64 count), as
    torch.linalg.matrix_rank."""
    if tol is not None:
        atol, rtol = tol, 0.0
    s = _linalg(backend, "svd")(A.detach(), full_matrices=False)[1]
    return _cutoff(backend, s, A.shape[-2], A.shape[-1], atol, rtol).sum(-1)


LSTSQ_DRIVERS = (None, "gels", "gelsy", "gelsd", "gelss")


@_composed("linalg.lstsq", what="least squares, from linalg.pinv")
def lstsq(backend: Any, A: Any, B: Any, rcond: Any = None, *, driver: Any = None) -> Any:
    """The least-squares (minimum-norm) ``X`` of ``A X ~ B``, as torch.linalg.lstsq: returns
    ``(solution, residuals, rank, singular_values)``, filled as PyTorch's CPU drivers fill
    them (``gelsy``, the default: the rank; ``gelsd``/``gelss``: also the singular values and,
    for tall full-rank A, the squared residuals per column; ``gels``: the solution only).
    Computed through the pseudo-inverse, so it is differentiable in A and B."""
    if driver not in LSTSQ_DRIVERS:
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of "
                           f"(gels, gelsy, gelsd, gelss), got {driver}")
    if A.dim() < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    vector = B.dim() == A.dim() - 1
    rhs = B.unsqueeze(-1) if vector else B
    m, n = A.shape[-2], A.shape[-1]
    if rhs.shape[-2] != m:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2), "
                           f"got {m} and {rhs.shape[-2]}")
    rtol = None if rcond is None else float(rcond)
    solution = pinv(backend, A, rtol=rtol) @ rhs
    driver = driver or "gelsy"
    empty = backend.zeros(0, dtype=A.dtype)
    rank = backend.zeros(0, dtype=backend.int64)
    values = empty
    residuals = empty
    if driver != "gels":
        rank = matrix_rank(backend, A, rtol=rtol if rtol is not None else
                           _epsilon(backend, A) * max(m, n))
    if driver in ("gelsd", "gelss"):
        values = _linalg(backend, "svd")(A, full_matrices=False)[1]
    if driver != "gelsy" and m > n and bool((matrix_rank(backend, A) == n).all()):
        residuals = ((A @ solution - rhs) ** 2).sum(-2)
    return Lstsq(solution.squeeze(-1) if vector else solution, residuals, rank, values)


@_composed("linalg.multi_dot", what="a chain of matrix products")
def multi_dot(backend: Any, tensors: Any) -> Any:
    """The product of a list of matrices, left to right, as torch.linalg.multi_dot (the first
    may be a vector, taken as a row, and the last a vector, taken as a column)."""
    items = list(tensors)
    if len(items) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(items)}")
    out = items[0]
    for item in items[1:]:
        out = out @ item
    return out


@_composed("linalg.matrix_power", what="torch.matrix_power")
def linalg_matrix_power(backend: Any, A: Any, n: int) -> Any:
    """``A`` to the integer power ``n`` (the inverse's for negative ``n``)."""
    return backend.matrix_power(A, n)


@_composed("linalg.vecdot", what="dot products along a dim")
def vecdot(backend: Any, x: Any, y: Any, *, dim: int = -1) -> Any:
    """``sum(x * y, dim)`` with broadcasting, as torch.linalg.vecdot (real tensors)."""
    return (x * y).sum(dim)


# Taylor terms of exp(A / 2^s) and the scaling: with ||A / 2^s||_1 <= 1/2, 18 terms leave a
# remainder below float64's epsilon
_EXP_TERMS = 18


@_composed("matrix_exp", "linalg.matrix_exp", what="matrix exponential by scaling and squaring",
           shown="LinalgMatrixExpBackward0")
def matrix_exp(backend: Any, A: Any) -> Any:
    """``exp(A)`` of a square matrix (or of each in a batch), as torch.linalg.matrix_exp:
    a Taylor series of ``A / 2^s``, squared ``s`` times, with ``s`` chosen from A's 1-norm.
    Composed of matrix products, so it is differentiable (twice too)."""
    if A.dim() < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError("linalg.matrix_exp: A must be batches of square matrices")
    n = A.shape[-1]
    norm = float(A.detach().abs().sum(-2).amax()) if A.numel() else 0.0
    squarings = max(0, math.ceil(math.log2(norm / 0.5))) if norm > 0.5 else 0
    if not math.isfinite(norm):
        squarings = 0
    scaled = A / (2.0 ** squarings) if squarings else A
    term = result = backend.eye(n, dtype=A.dtype).expand(*A.shape)
    for k in range(1, _EXP_TERMS + 1):
        term = (term @ scaled) / k
        result = result + term
    for _ in range(squarings):
        result = result @ result
    return result
