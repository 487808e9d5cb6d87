"""Linear algebra beyond matmul: addmm baddbmm bmm outer tensordot einsum, and the matrix
structure ops diagonal diag_embed diag trace tril triu.

einsum and tensordot are compositions of the engine's own ops (diagonal, sum, permute,
reshape, matmul, mul), the way PyTorch computes them, so their gradients, second derivatives
and ``grad_fn`` names come from those ops.
"""

from __future__ import annotations

import operator
from typing import Any, Sequence

from ..apply import apply, unary
from ..node import Node, register
from ..tensor import Tensor
from .args import axis_of, same_dtype
from .views import replay_raw


@register("baddbmm")
class BaddbmmBackward0(Node):
    """``beta * input + alpha * (a @ b)`` for matrices (AddmmBackward0) or batches of them
    (BaddbmmBackward0); ``input`` broadcasts, and is ignored (NaN included) when beta is 0."""

    quiet = True
    __slots__ = ("beta", "alpha", "nd")
    broadcasts = True
    save_map = {1: (2,), 2: (1,)}
    fresh = (1, 2)

    def forward(self, xp, c, a, b, beta, alpha):
        self.beta, self.alpha, self.nd = beta, alpha, a.ndim
        out = xp.matmul(a, b)
        if alpha != 1:
            out = out * alpha
        if beta != 0:
            out = out + (c if beta == 1 else c * beta)
        return out

    def name(self):
        return "AddmmBackward0" if self.nd == 2 else "BaddbmmBackward0"

    def backward(self, F, g, c, a, b):
        ec, ea, eb = self._next
        ga = gb = None
        if ea is not None:
            ga = g @ F.matrix_transpose(b)
            ga = ga * self.alpha if self.alpha != 1 else ga
        if eb is not None:
            gb = F.matrix_transpose(a) @ g
            gb = gb * self.alpha if self.alpha != 1 else gb
        gc = None
        if ec is not None:
            gc = g if self.beta == 1 else g * self.beta
        return gc, ga, gb


@register("diagonal")
class DiagonalBackward0(Node):
    """The diagonal ``offset`` of the matrices spanned by ``dim1`` and ``dim2``, as the last
    dimension: a view (``steps``: dims moved last, the two flattened, every (m+1)-th element)
    where the input's layout allows, else a copy."""

    __slots__ = ("offset", "dim1", "dim2", "shape", "copied")

    def forward(self, xp, a, offset, dim1, dim2, steps=None, copied=False):
        self.offset, self.dim1, self.dim2, self.shape = offset, dim1, dim2, a.shape
        self.copied = copied
        if steps is not None:
            return replay_raw(xp, a, steps)  # raises where the layout needs a copy
        return diagonal_raw(xp, a, offset, dim1, dim2)

    def name(self):
        return "DiagonalBackward0_copy" if self.copied else "DiagonalBackward0"

    def backward(self, F, g, a):
        return (F.apply(DiagEmbedBackward0, g, offset=self.offset, dim1=self.dim1,
                        dim2=self.dim2, shape=self.shape),)


@register("diag_embed")
class DiagEmbedBackward0(Node):
    """Zeros of ``shape`` with the last dimension of the input on the diagonal ``offset`` of
    the matrices spanned by ``dim1`` and ``dim2`` (diagonal's adjoint)."""

    __slots__ = ("offset", "dim1", "dim2")

    def forward(self, xp, g, offset, dim1, dim2, shape):
        self.offset, self.dim1, self.dim2 = offset, dim1, dim2
        return diag_embed_raw(xp, g, offset, dim1, dim2, shape)

    def backward(self, F, gg, g):
        return (F.apply(DiagonalBackward0, gg, offset=self.offset, dim1=self.dim1,
                        dim2=self.dim2),)


@register("trace")
class TraceBackward0(Node):
    """The sum of a matrix's main diagonal."""

    quiet = True
    __slots__ = ("shape",)

    def forward(self, xp, a):
        self.shape = a.shape
        return xp.sum(diagonal_raw(xp, a, 0, 0, 1))

    def backward(self, F, g, a):
        n = min(self.shape)
        return (F.apply(DiagEmbedBackward0, F.broadcast_to(g, (n,)), offset=0, dim1=0, dim2=1,
                        shape=self.shape),)


@register("tril")
class TrilBackward0(Node):
    """The lower triangle (on and below diagonal ``k``) of the last two dimensions."""

    __slots__ = ("k",)

    def forward(self, xp, a, k):
        self.k = k
        return xp.tril(a, k=k)

    def backward(self, F, g, a):
        return (F.apply(TrilBackward0, g, k=self.k),)


@register("triu")
class TriuBackward0(Node):
    """The upper triangle (on and above diagonal ``k``) of the last two dimensions."""

    __slots__ = ("k",)

    def forward(self, xp, a, k):
        self.k = k
        return xp.triu(a, k=k)

    def backward(self, F, g, a):
        return (F.apply(TriuBackward0, g, k=self.k),)


# ------------------------------------------------------------------ raw helpers
def _diagonal_layout(shape: Sequence[int], offset: int, dim1: int, dim2: int
                     ) -> tuple[list[int], int, int, int]:
    """(the other dims, in order), the diagonal's length, its first flat position in an
    ``n x m`` matrix, and the flat step between its elements."""
    rest = [i for i in range(len(shape)) if i not in (dim1, dim2)]
    n, m = shape[dim1], shape[dim2]
    if offset >= 0:
        length, start = max(min(n, m - offset), 0), offset
    else:
        length, start = max(min(n + offset, m), 0), -offset * m
    return rest, length, start, m + 1


def diagonal_steps(shape: Sequence[int], offset: int, dim1: int, dim2: int) -> tuple:
    """The view steps (`.views`) from a tensor of ``shape`` to its diagonal."""
    rest, length, start, step = _diagonal_layout(shape, offset, dim1, dim2)
    order = tuple(rest) + (dim1, dim2)
    lead = tuple(shape[i] for i in rest)
    steps: list[tuple] = []
    if order != tuple(range(len(shape))):
        steps.append(("permute", order))
    steps.append(("reshape", lead + (shape[dim1] * shape[dim2],)))
    stop = start + (length - 1) * step + 1 if length else start
    steps.append(("getitem", (Ellipsis, slice(start, stop, step))))
    return tuple(steps)


def diagonal_raw(xp: Any, a: Any, offset: int, dim1: int, dim2: int) -> Any:
    rest, length, start, step = _diagonal_layout(a.shape, offset, dim1, dim2)
    lead = tuple(a.shape[i] for i in rest)
    if length == 0:
        return xp.zeros(lead + (0,), dtype=a.dtype)
    moved = xp.permute_dims(a, tuple(rest) + (dim1, dim2))
    flat = xp.reshape(moved, lead + (a.shape[dim1] * a.shape[dim2],))
    picked = flat[..., start:start + (length - 1) * step + 1:step]
    return xp.asarray(picked, copy=True)  # a view of the input otherwise


def diag_embed_raw(xp: Any, g: Any, offset: int, dim1: int, dim2: int, shape: tuple) -> Any:
    rest, length, start, step = _diagonal_layout(shape, offset, dim1, dim2)
    lead = tuple(shape[i] for i in rest)
    n, m = shape[dim1], shape[dim2]
    flat = xp.zeros(lead + (n * m,), dtype=g.dtype)
    if length:
        flat[..., start:start + (length - 1) * step + 1:step] = g
    moved = xp.reshape(flat, lead + (n, m))
    order = tuple(rest) + (dim1, dim2)
    inverse = [0] * len(order)
    for i, ax in enumerate(order):
        inverse[ax] = i
    return xp.permute_dims(moved, tuple(inverse))


# ------------------------------------------------------------------ user-facing functions
def _matrix_args(what: str, *tensors: Any) -> None:
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}(): expected tensors, got {type(t).__name__}")
    same_dtype(what, *tensors)


def _broadcastable(what: str, shape: tuple, target: tuple) -> None:
    if len(shape) > len(target) or any(
            s not in (1, t) for s, t in zip(shape[::-1], target[::-1])):
        raise RuntimeError(f"{what}(): the input of shape {list(shape)} cannot be broadcast to the "
                           f"product's shape {list(target)}")


def addmm(input: Any, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
    """``beta * input + alpha * (mat1 @ mat2)``; ``input`` broadcasts to the product's shape."""
    _matrix_args("addmm", input, mat1, mat2)
    for name, t in (("mat1", mat1), ("mat2", mat2)):
        if t.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {t.ndim}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x"
                           f"{mat1.shape[1]} and {mat2.shape[0]}x{mat2.shape[1]})")
    _broadcastable("addmm", tuple(input.shape), (mat1.shape[0], mat2.shape[1]))
    return apply(BaddbmmBackward0, (input, mat1, mat2), type(input), beta=beta, alpha=alpha)


def baddbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Any:
    """``beta * input + alpha * bmm(batch1, batch2)``; ``input`` broadcasts."""
    _matrix_args("baddbmm", input, batch1, batch2)
    _check_bmm("baddbmm", batch1, batch2)
    target = (batch1.shape[0], batch1.shape[1], batch2.shape[2])
    _broadcastable("baddbmm", tuple(input.shape), target)
    return apply(BaddbmmBackward0, (input, batch1, batch2), type(input), beta=beta, alpha=alpha)


def _check_bmm(what: str, a: Any, b: Any) -> None:
    for name, t in (("batch1", a), ("batch2", b)):
        if t.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor ({what}() multiplies (b, n, m) by "
                               f"(b, m, p) tensors, got {a.ndim}-D and {b.ndim}-D)")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to "
                           f"be: [{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, "
                           f"{b.shape[1]}].")


def bmm(input: Any, mat2: Any) -> Any:
    """Batched matrix product of (b, n, m) and (b, m, p) tensors (no broadcasting)."""
    from ..apply import binary
    from .linalg import BmmBackward0

    _matrix_args("bmm", input, mat2)
    _check_bmm("bmm", input, mat2)
    if input._data.dtype != mat2._data.dtype:  # (no promotion in products, as matmul's)
        from .linalg import matmul

        return matmul(input, mat2)
    return binary(BmmBackward0, input, mat2)


def outer(input: Any, vec2: Any) -> Any:
    """The outer product of two vectors (MulBackward0, as PyTorch computes it)."""
    if input.ndim != 1 or vec2.ndim != 1:
        bad, n = ("self", input.ndim) if input.ndim != 1 else ("vec2", vec2.ndim)
        raise RuntimeError(f"outer: Expected 1-D argument {bad}, but got {n}-D")
    from .arith import mul
    from .views import reshape

    return mul(reshape(input, (input.shape[0], 1)), vec2)


def tensordot(a: Any, b: Any, dims: Any = 2) -> Any:
    """Sum of products over ``dims``: the last ``dims`` dimensions of ``a`` with the first of
    ``b``, or the listed pairs ``([a's dims], [b's dims])``."""
    from .linalg import matmul
    from .views import permute, reshape

    _matrix_args("tensordot", a, b)
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = (list(x) if isinstance(x, (list, tuple)) else [x] for x in dims)
        if len(da) != len(db):
            raise RuntimeError("both dimension lists should have same length")
        da = [axis_of(d, a.ndim, "tensordot") for d in da]
        db = [axis_of(d, b.ndim, "tensordot") for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[x]} in dim {x} and second has size {b.shape[y]} in "
                               f"dim {y}")
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    k = _prod(a.shape[d] for d in da)
    left = permute(a, *(fa + da)) if fa + da != list(range(a.ndim)) else a
    right = permute(b, *(db + fb)) if db + fb != list(range(b.ndim)) else b
    left = reshape(left, (_prod(a.shape[d] for d in fa), k))
    right = reshape(right, (k, _prod(b.shape[d] for d in fb)))
    shape = tuple(a.shape[d] for d in fa) + tuple(b.shape[d] for d in fb)
    return reshape(matmul(left, right), shape)


def _prod(values: Any) -> int:
    n = 1
    for v in values:
        n *= v
    return n


def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Any:
    """The diagonal ``offset`` (above the main one when positive) of the matrices spanned by
    ``dim1`` and ``dim2``, appended as the last dimension."""
    if input.ndim < 2:
        raise RuntimeError(f"diagonal(): expected a tensor of at least 2 dimensions, got "
                           f"{input.ndim}")
    d1, d2 = axis_of(dim1, input.ndim, "diagonal"), axis_of(dim2, input.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return _diagonal(input, operator.index(offset), d1, d2)


def _diagonal(input: Any, offset: int, d1: int, d2: int) -> Any:
    """A view of the diagonal, as in PyTorch, where the memory layout allows; else a copy."""
    steps = diagonal_steps(tuple(input.shape), offset, d1, d2)
    try:
        out = unary(DiagonalBackward0, input, offset=offset, dim1=d1, dim2=d2, steps=steps)
    except (ValueError, AttributeError, TypeError):
        return unary(DiagonalBackward0, input, offset=offset, dim1=d1, dim2=d2)
    return input._make_view(out, steps)


def diag_embed(input: Any, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Any:
    """Matrices (spanned by ``dim1`` and ``dim2`` of the result) with the input's last
    dimension on their diagonal ``offset``, zeros elsewhere."""
    nd = input.ndim + 1
    d1, d2 = axis_of(dim1, nd, "diag_embed"), axis_of(dim2, nd, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if input.ndim == 0:
        input = input.reshape(1)
    offset = operator.index(offset)
    size = input.shape[-1] + abs(offset)
    lead = list(input.shape[:-1])
    shape: list[int] = []
    for i in range(nd):
        shape.append(size if i in (d1, d2) else lead.pop(0))
    return unary(DiagEmbedBackward0, input, offset=offset, dim1=d1, dim2=d2, shape=tuple(shape))


def diag(input: Any, diagonal: int = 0) -> Any:
    """A vector's square diagonal matrix (on diagonal ``diagonal``), or a matrix's diagonal."""
    if input.ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.ndim == 2:  # a copy, as PyTorch's (diagonal() is the view)
        return unary(DiagonalBackward0, input, offset=operator.index(diagonal), dim1=0, dim2=1,
                     copied=True)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


def trace(input: Any) -> Any:
    """The sum of a matrix's main diagonal."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return unary(TraceBackward0, input)


def tril(input: Any, diagonal: int = 0) -> Any:
    """The lower triangle of the last two dimensions: elements on and below ``diagonal``."""
    if input.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return unary(TrilBackward0, input, k=operator.index(diagonal))


def triu(input: Any, diagonal: int = 0) -> Any:
    """The upper triangle of the last two dimensions: elements on and above ``diagonal``."""
    if input.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return unary(TriuBackward0, input, k=operator.index(diagonal))


# ------------------------------------------------------------------ einsum
def einsum(equation: str, *operands: Any) -> Any:
    """Einstein summation: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``.  Any number of operands,
    repeated subscripts (diagonals), implicit output (the subscripts seen once, sorted),
    ``...`` for broadcast dimensions, size-1 dimensions broadcasting.  Operands are contracted
    left to right with matrix products."""
    if not isinstance(equation, str) and not isinstance(equation, (list, tuple)):
        equation, operands = _sublist_form(equation, operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): the equation must be a string, got {type(equation).__name__}")
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    _matrix_args("einsum", *operands)
    terms, out_labels, sizes = _parse_einsum(equation, operands)
    work = [_take_diagonals(t, labels) for t, labels in zip(operands, terms)]
    # sum away what only one operand has and the output does not want
    for i, (t, labels) in enumerate(work):
        elsewhere = set(out_labels)
        for j, (_, other) in enumerate(work):
            if j != i:
                elsewhere.update(other)
        work[i] = _sum_out(t, labels, [lab for lab in labels if lab not in elsewhere])
    t, labels = work[0]
    for j in range(1, len(work)):
        keep = set(out_labels)
        for _, later in work[j + 1:]:
            keep.update(later)
        t, labels = _contract(t, labels, *work[j], keep)
    t, labels = _sum_out(t, labels, [lab for lab in labels if lab not in out_labels])
    return _arrange(t, labels, out_labels)


_SUBLIST_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _sublist_form(first: Any, rest: Sequence[Any]) -> tuple[str, tuple]:
    """``einsum(a, [0, 1], b, [1, 2], [0, 2])`` (operands each followed by its subscripts as
    integers in [0, 52) or ``...``, then optionally the output's) as an equation and its
    operands: ``("ab,bc->ac", (a, b))``."""
    args = (first,) + tuple(rest)
    pairs, out = args[:len(args) - len(args) % 2], args[len(args) - len(args) % 2:]
    operands = pairs[0::2]

    def letters(sub: Any) -> str:
        if not isinstance(sub, (list, tuple)):
            raise TypeError(f"einsum(): in the sublist form each operand is followed by a list "
                            f"of subscripts, got {type(sub).__name__}")
        text = []
        for s in sub:
            if s is Ellipsis:
                text.append("...")
            elif isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 52:
                text.append(_SUBLIST_LETTERS[s])
            else:
                raise ValueError(f"einsum(): subscript in subscript list is not within the valid "
                                 f"range [0, 52), got {s!r}")
        return "".join(text)

    equation = ",".join(letters(sub) for sub in pairs[1::2])
    if out:
        equation += "->" + letters(out[0])
    return equation, operands


def _parse_einsum(equation: str, operands: Sequence[Any]) -> tuple[list, list, dict]:
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        more = "more" if len(operands) > len(terms) else "fewer"
        raise RuntimeError(f"einsum(): {more} operands were provided than specified in the "
                           f"equation ({len(operands)} operands, {len(terms)} in {equation!r})")
    parsed: list[list[Any]] = []
    ellipsis_dims = 0
    for k, (term, t) in enumerate(zip(terms, operands)):
        letters, has_ellipsis = _subscripts(term, equation)
        if has_ellipsis:
            extra = t.ndim - (len(letters) - 1)
            if extra < 0:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                                   f"({len(letters) - 1}) is more than the number of dimensions "
                                   f"({t.ndim}) for operand {k}")
            ellipsis_dims = max(ellipsis_dims, extra)
        elif len(letters) != t.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                               f"({len(letters)}) does not match the number of dimensions "
                               f"({t.ndim}) for operand {k} and no ellipsis was given")
        parsed.append(letters)
    # ellipsis dimensions become labels 0 .. n-1, right-aligned across operands
    terms_out: list[list[Any]] = []
    for letters, t in zip(parsed, operands):
        labels: list[Any] = []
        for s in letters:
            if s == "...":
                extra = t.ndim - (len(letters) - 1)
                labels.extend(range(ellipsis_dims - extra, ellipsis_dims))
            else:
                labels.append(s)
        terms_out.append(labels)
    sizes: dict[Any, int] = {}
    for k, (labels, t) in enumerate(zip(terms_out, operands)):
        for lab, size in zip(labels, t.shape):
            seen = sizes.get(lab)
            if seen is None or seen == 1:
                sizes[lab] = size
            elif size not in (1, seen):
                name = lab if isinstance(lab, str) else "..."
                raise RuntimeError(f"einsum(): subscript {name} has size {size} for operand {k} "
                                   f"which does not broadcast with previously seen size {seen}")
    if arrow:
        letters, has_ellipsis = _subscripts(rhs, equation)
        out: list[Any] = []
        for s in letters:
            if s == "...":
                out.extend(range(ellipsis_dims))
            elif s not in sizes:
                raise RuntimeError(f"einsum(): output subscript {s} does not appear in the "
                                   "equation for any input operand")
            elif s in out:
                raise RuntimeError(f"einsum(): output subscript {s} appears more than once in "
                                   "the output")
            else:
                out.append(s)
    else:
        counts: dict[str, int] = {}
        for labels in terms_out:
            for lab in labels:
                if isinstance(lab, str):
                    counts[lab] = counts.get(lab, 0) + 1
        out = list(range(ellipsis_dims)) + sorted(lab for lab, c in counts.items() if c == 1)
    return terms_out, out, sizes


def _subscripts(term: str, equation: str) -> tuple[list[str], bool]:
    letters: list[str] = []
    rest = term
    has_ellipsis = False
    while rest:
        if rest.startswith("..."):
            if has_ellipsis:
                raise RuntimeError(f"einsum(): found more than one ellipsis in {term!r} of "
                                   f"{equation!r}")
            letters.append("...")
            has_ellipsis = True
            rest = rest[3:]
        elif rest[0].isascii() and rest[0].isalpha():
            letters.append(rest[0])
            rest = rest[1:]
        else:
            raise RuntimeError(f"einsum(): invalid subscript given in the equation string "
                               f"{equation!r}: {rest[0]!r} (subscripts are letters a-z, A-Z and "
                               "'...')")
    return letters, has_ellipsis


def _take_diagonals(t: Any, labels: list) -> tuple[Any, list]:
    """Repeated subscripts within one operand: their diagonal, as one dimension."""
    labels = list(labels)
    while True:
        repeated = next((lab for i, lab in enumerate(labels) if lab in labels[i + 1:]), None)
        if repeated is None:
            return t, labels
        p = labels.index(repeated)
        q = labels.index(repeated, p + 1)
        if t.shape[p] != t.shape[q]:
            raise RuntimeError(f"einsum(): subscript {repeated} is repeated for operand but the "
                               f"sizes don't match, {t.shape[p]} != {t.shape[q]}")
        t = diagonal(t, 0, p, q)
        labels = [lab for i, lab in enumerate(labels) if i not in (p, q)] + [repeated]


def _sum_out(t: Any, labels: list, drop: list) -> tuple[Any, list]:
    if not drop:
        return t, labels
    from .reduce import sum

    dims = tuple(labels.index(lab) for lab in drop)
    return sum(t, dims), [lab for lab in labels if lab not in drop]


def _arrange(t: Any, labels: list, order: list) -> Any:
    from .views import permute

    if labels == order:
        return t
    return permute(t, *(labels.index(lab) for lab in order))


def _contract(a: Any, la: list, b: Any, lb: list, keep: set) -> tuple[Any, list]:
    """The product of two operands, summing over the shared subscripts ``keep`` lacks."""
    from .arith import mul
    from .linalg import matmul
    from .reduce import sum
    from .views import reshape

    a, la = _sum_out(a, la, [lab for lab in la if lab not in lb and lab not in keep])
    b, lb = _sum_out(b, lb, [lab for lab in lb if lab not in la and lab not in keep])
    # a summed subscript of size 1 on one side broadcasts: sum the other side alone
    for lab in [lab for lab in la if lab in lb and lab not in keep]:
        ia, ib = la.index(lab), lb.index(lab)
        if a.shape[ia] != b.shape[ib]:
            if a.shape[ia] == 1:
                a, la = reshape(a, a.shape[:ia] + a.shape[ia + 1:]), la[:ia] + la[ia + 1:]
                b, lb = sum(b, ib), lb[:ib] + lb[ib + 1:]
            else:
                b, lb = reshape(b, b.shape[:ib] + b.shape[ib + 1:]), lb[:ib] + lb[ib + 1:]
                a, la = sum(a, ia), la[:ia] + la[ia + 1:]
    batch = [lab for lab in la if lab in lb and lab in keep]
    summed = [lab for lab in la if lab in lb and lab not in keep]
    left = [lab for lab in la if lab not in lb]
    right = [lab for lab in lb if lab not in la]
    a = _arrange(a, la, batch + left + summed)
    b = _arrange(b, lb, batch + summed + right)
    nb, nl, nr = len(batch), len(left), len(right)
    left_shape = tuple(a.shape[nb:nb + nl])
    right_shape = tuple(b.shape[nb + len(summed):])
    if not summed:  # nothing to sum: a broadcasting product
        a = reshape(a, tuple(a.shape) + (1,) * nr)
        b = reshape(b, tuple(b.shape[:nb]) + (1,) * nl + right_shape)
        return mul(a, b), batch + left + right
    k = _prod(a.shape[nb + nl:])
    a = reshape(a, tuple(a.shape[:nb]) + (_prod(left_shape), k))
    b = reshape(b, tuple(b.shape[:nb]) + (k, _prod(right_shape)))
    product = matmul(a, b)
    return reshape(product, tuple(product.shape[:nb]) + left_shape + right_shape), \
        batch + left + right
