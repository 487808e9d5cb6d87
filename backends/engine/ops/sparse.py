"""Lookups: embedding (rows of a weight matrix picked by integer indices; padding_idx,
max_norm, scale_grad_by_freq) and one_hot.

The embedding's gradient adds each output row's gradient into the weight row it came from
(`EmbeddingDenseBackward0`, PyTorch's ``embedding_dense_backward``).  That sum is a product with
the indices' one-hot matrix where the vocabulary is small, and the namespace's native
scatter-add where it is not; its own backward picks rows again, so it can be differentiated.
"""

from __future__ import annotations

from typing import Any

from ..apply import constant, unary
from ..dtypes import TENSOR_TYPES
from ..node import Node, register
from ..tensor import Tensor

ONE_HOT_LIMIT = 1 << 22  # elements of the one-hot matrix a gradient may build


def rows_scatter_raw(eng: Any, g: Any, flat: Any, rows: int, scale: Any) -> Any:
    """``(rows, D)`` sums of the rows of ``g`` (..., D) into the positions ``flat`` (a flat
    int64 array of indices, -1 for "nowhere"), each row first multiplied by ``scale`` (an array
    of one factor per index, or None)."""
    xp = eng.xp
    d = g.shape[-1]
    values = xp.reshape(g, (-1, d))
    if scale is not None:
        values = values * xp.reshape(scale, (-1, 1))
    k = values.shape[0]
    if k * rows <= ONE_HOT_LIMIT or eng.ext.scatter_add is None:
        hits = xp.reshape(xp.arange(rows, dtype=flat.dtype), (-1, 1)) == xp.reshape(flat, (1, -1))
        return xp.astype(hits, g.dtype) @ values
    # indices of "nowhere" (-1) go to an extra row, dropped afterwards
    safe = xp.where(flat >= 0, flat, xp.full_like(flat, rows))
    positions = xp.reshape(xp.reshape(safe, (-1, 1)) * d + xp.reshape(
        xp.arange(d, dtype=flat.dtype), (1, -1)), (-1,))
    out = xp.zeros(((rows + 1) * d,), dtype=g.dtype)
    eng.ext.scatter_add(out, positions, xp.reshape(values, (-1,)))
    return xp.reshape(out, (rows + 1, d))[:rows, ...]


def rows_gather_raw(xp: Any, g: Any, flat: Any, shape: tuple, scale: Any) -> Any:
    """The adjoint of `rows_scatter_raw`: rows of ``g`` (rows, D) at ``flat`` (zero where -1),
    scaled, shaped ``shape + (D,)``."""
    d = g.shape[-1]
    safe = xp.where(flat >= 0, flat, xp.zeros_like(flat))
    picked = xp.take(g, safe, axis=0)
    factor = xp.astype(flat >= 0, g.dtype)
    if scale is not None:
        factor = factor * scale
    return xp.reshape(picked * xp.reshape(factor, (-1, 1)), tuple(shape) + (d,))


@register("embedding")
class EmbeddingBackward0(Node):
    """``weight[indices]``: rows of the weight (V, D) for integer indices of any shape."""

    __slots__ = ("flat", "rows", "scale")
    saves = (1,)  # the indices, as PyTorch's node (an in-place change of them is caught)
    keeps = ("flat", "scale")

    def forward(self, xp, weight, indices, padding_idx, scale_grad_by_freq):
        rows = self.rows = weight.shape[0]
        flat = xp.reshape(indices, (-1,))
        out = xp.reshape(xp.take(weight, flat, axis=0), tuple(indices.shape) + (weight.shape[1],))
        self.scale = None
        if scale_grad_by_freq:  # each row's gradient divided by how often it was picked
            counts = xp.sum(xp.astype(xp.reshape(flat, (-1, 1)) == xp.reshape(
                xp.arange(rows, dtype=flat.dtype), (1, -1)), weight.dtype), axis=0)
            self.scale = 1 / xp.take(counts, flat, axis=0)
        if padding_idx is not None:  # that row gets no gradient
            flat = xp.where(flat == padding_idx, xp.full_like(flat, -1), flat)
        self.flat = flat
        return out

    def backward(self, F, g, weight, indices):
        return F.rows_scatter(g, self.flat, self.rows, self.scale), None


@register("embedding_dense_backward", public=False)
class EmbeddingDenseBackward0(Node):
    """The embedding's gradient: rows of ``g`` summed into the weight rows they came from."""

    __slots__ = ("flat", "shape", "scale")

    def forward(self, xp, g, flat, rows, scale, eng):
        self.flat, self.scale, self.shape = flat, scale, tuple(g.shape[:-1])
        return rows_scatter_raw(eng, g, flat, rows, scale)

    def backward(self, F, gg, g):
        return (F.rows_gather(gg, self.flat, self.shape, self.scale),)


@register("embedding_rows", public=False)
class EmbeddingRowsBackward0(Node):
    """Rows picked again (the adjoint of `EmbeddingDenseBackward0`), for double backward."""

    __slots__ = ("flat", "rows", "scale")

    def forward(self, xp, gg, flat, shape, scale):
        self.flat, self.rows, self.scale = flat, gg.shape[0], scale
        return rows_gather_raw(xp, gg, flat, shape, scale)

    def backward(self, F, g, gg):
        return (F.rows_scatter(g, self.flat, self.rows, self.scale),)


def rows_scatter(g: Any, flat: Any, rows: int, scale: Any) -> Any:
    """Differentiable `rows_scatter_raw`, for backward formulas."""
    return unary(EmbeddingDenseBackward0, g, flat=flat, rows=rows, scale=scale, eng=type(g)._eng)


def rows_gather(g: Any, flat: Any, shape: tuple, scale: Any) -> Any:
    """Differentiable `rows_gather_raw`, for backward formulas."""
    return unary(EmbeddingRowsBackward0, g, flat=flat, shape=shape, scale=scale)


# ------------------------------------------------------------------ user-facing functions
def _index_check(op: str, t: Any, accepted: tuple[str, ...]) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}(): indices must be a tensor, got {type(t).__name__}")
    eng = type(t)._eng
    name = eng.dtype_name(t._data.dtype)
    if name not in accepted:
        if op == "one_hot":
            raise RuntimeError(f"one_hot is only applicable to index tensor of type LongTensor. "
                               f"(got {name}; convert with .long())")
        kinds = ", ".join(eng.scalar_type_name(eng.dtype(n)) for n in accepted)
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: {kinds}; but got "
                           f"torch.{TENSOR_TYPES.get(name, name)} instead (while checking "
                           f"arguments for {op}); convert with .long()")


def embedding(input: Any, weight: Any, padding_idx: Any = None, max_norm: Any = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Any:
    """Rows of ``weight`` (V, D) picked by the integer tensor ``input``, as
    torch.nn.functional.embedding.  ``padding_idx``'s row gets no gradient; ``max_norm``
    renormalizes, in place, the picked rows whose ``norm_type``-norm exceeds it;
    ``scale_grad_by_freq`` divides each row's gradient by its count in ``input``."""
    _index_check("embedding", input, ("int64", "int32"))
    if not isinstance(weight, Tensor):
        raise TypeError(f"embedding(): weight must be a tensor, got {type(weight).__name__}")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding(): 'weight' must be 2-D, got shape {list(weight.shape)}")
    if sparse:
        raise NotImplementedError("embedding(sparse=True): gradspec has no sparse tensors; "
                                  "leave sparse=False (the gradient is dense)")
    rows = weight.shape[0]
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise AssertionError(f"Padding_idx must be within num_embeddings (got {padding_idx} "
                                 f"for {rows} embeddings)")
        padding_idx %= rows
    xp, eng = type(weight)._xp, type(weight)._eng
    idx = input._data
    if idx.dtype != eng.int64:
        idx = xp.astype(idx, eng.int64)
    if idx.size and (int(xp.min(idx)) < 0 or int(xp.max(idx)) >= rows):
        bad = int(xp.min(idx)) if int(xp.min(idx)) < 0 else int(xp.max(idx))
        raise IndexError(f"index out of range in self (embedding(): index {bad}, for {rows} "
                         "embeddings)")
    if max_norm is not None and idx.size:
        _renorm(weight, idx, float(max_norm), float(norm_type))
    return _embed(weight, type(input)._wrap(idx) if idx is not input._data else input,
                  padding_idx, bool(scale_grad_by_freq))


def _embed(weight: Any, indices: Any, padding_idx: Any, scale_grad_by_freq: bool) -> Any:
    from ..apply import apply

    return apply(EmbeddingBackward0, (weight, indices), type(weight), padding_idx=padding_idx,
                 scale_grad_by_freq=scale_grad_by_freq)


def _renorm(weight: Any, idx: Any, max_norm: float, norm_type: float) -> None:
    """Scale, in place and outside autograd, the rows ``idx`` points to whose norm exceeds
    ``max_norm`` down to it (PyTorch's embedding_renorm_, with its 1e-7 margin)."""
    xp = type(weight)._xp
    data = weight._data
    picked = xp.unique_values(xp.reshape(idx, (-1,)))
    rows = xp.arange(data.shape[0], dtype=picked.dtype)
    at = xp.searchsorted(picked, rows)
    found = xp.take(picked, xp.clip(at, 0, picked.shape[0] - 1)) == rows
    norms = xp.sum(xp.abs(data) ** norm_type, axis=1) ** (1 / norm_type)
    over = found & (norms > max_norm)
    factor = xp.where(over, max_norm / (norms + 1e-7), xp.ones_like(norms))
    weight._write(data * xp.reshape(factor, (-1, 1)))
    weight._bump()


def one_hot(tensor: Any, num_classes: int = -1) -> Any:
    """Integer class indices as one-hot vectors (int64, a new last dim of ``num_classes``; by
    default one more than the largest index), as torch.nn.functional.one_hot."""
    _index_check("one_hot", tensor, ("int64",))
    xp, eng = type(tensor)._xp, type(tensor)._eng
    idx = tensor._data
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("one_hot(): can not infer total number of classes from empty "
                               "tensor; pass num_classes")
        num_classes = int(xp.max(idx)) + 1
    if idx.size:
        if int(xp.min(idx)) < 0:
            raise RuntimeError("Class values must be non-negative. (one_hot())")
        if int(xp.max(idx)) >= num_classes:
            raise RuntimeError(f"Class values must be smaller than num_classes. (one_hot(): "
                               f"num_classes={num_classes}, largest class "
                               f"{int(xp.max(idx))})")
    hits = xp.expand_dims(idx, axis=-1) == xp.arange(num_classes, dtype=eng.int64)
    return constant(type(tensor), xp.astype(hits, eng.int64))
