"""Shapes, stacking and rearranging: hstack, vstack, meshgrid, broadcast_tensors, kron, diff, ..."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from ..errors import SCALAR_TYPE_NAMES
from .registry import _composed, _dim, _tensors, _varargs


def _lift(t: Any, ndim: int) -> Any:
    d = t.dim()
    if d >= ndim:
        return t
    if ndim == 1:
        return t.reshape(1)
    if ndim == 2:
        return t.reshape(1, -1) if d == 1 else t.reshape(1, 1)
    if d == 0:
        return t.reshape(1, 1, 1)
    return t.reshape(1, -1, 1) if d == 1 else t.unsqueeze(-1)


def _atleast(ndim: int, tensors: tuple) -> Any:
    single = len(tensors) == 1 and not isinstance(tensors[0], (list, tuple))
    out = tuple(_lift(t, ndim) for t in _varargs(tensors))
    return out[0] if single else out


@_composed("atleast_1d", what="tensors viewed with at least one dimension")
def atleast_1d(backend: Any, *tensors: Any) -> Any:
    """Each tensor with at least 1 dimension (a 0-d one becomes shape (1,)); one tensor in,
    one out, else a tuple."""
    return _atleast(1, tensors)


@_composed("atleast_2d", what="tensors viewed with at least two dimensions")
def atleast_2d(backend: Any, *tensors: Any) -> Any:
    """Each tensor with at least 2 dimensions: (n,) becomes (1, n), a 0-d one (1, 1)."""
    return _atleast(2, tensors)


@_composed("atleast_3d", what="tensors viewed with at least three dimensions")
def atleast_3d(backend: Any, *tensors: Any) -> Any:
    """Each tensor with at least 3 dimensions: (n,) becomes (1, n, 1), (m, n) (m, n, 1)."""
    return _atleast(3, tensors)


@_composed("hstack", what="tensors concatenated column-wise (along dim 1; dim 0 for vectors)")
def hstack(backend: Any, tensors: Sequence[Any]) -> Any:
    """Concatenation along the second dimension, or the first for 1-d tensors (0-d ones are
    made 1-d first), as ``torch.hstack``."""
    items = [_lift(t, 1) for t in _tensors("hstack", tensors)]
    return backend.cat(items, dim=0 if items[0].dim() == 1 else 1)


@_composed("vstack", "row_stack", what="tensors stacked row-wise (2-d, along dim 0)")
def vstack(backend: Any, tensors: Sequence[Any]) -> Any:
    """Concatenation along the first dimension of the tensors made at least 2-d."""
    return backend.cat([_lift(t, 2) for t in _tensors("vstack", tensors)], dim=0)


@_composed("dstack", what="tensors stacked depth-wise (3-d, along dim 2)")
def dstack(backend: Any, tensors: Sequence[Any]) -> Any:
    """Concatenation along the third dimension of the tensors made at least 3-d."""
    return backend.cat([_lift(t, 3) for t in _tensors("dstack", tensors)], dim=2)


@_composed("column_stack", what="vectors as columns of a matrix, beside matrices")
def column_stack(backend: Any, tensors: Sequence[Any]) -> Any:
    """Concatenation along dim 1, 0-d and 1-d tensors taken as columns (n, 1)."""
    items = [t.reshape(-1, 1) if t.dim() <= 1 else t
             for t in _tensors("column_stack", tensors)]
    return backend.cat(items, dim=1)


@_composed("meshgrid", what="coordinate grids from 1-d tensors ('ij' or 'xy' indexing)")
def meshgrid(backend: Any, *tensors: Any, indexing: str | None = None) -> tuple:
    """One grid per 1-d (or 0-d) input, each of the shape of all inputs' lengths: input ``i``
    varies along dim ``i`` (``indexing='ij'``, the default, for which PyTorch warns when it is
    not given) or with the first two dims swapped (``'xy'``, numpy's default).  The grids are
    expanded views of the inputs, as PyTorch's."""
    items = _varargs(tensors)
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    if not items:
        raise RuntimeError("torch.meshgrid expects a non-empty TensorList")
    for t in items:
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list "
                               f"but got: {t.dim()}D")
    sizes = [t.numel() for t in items]
    axes = list(range(len(items)))
    if indexing == "xy" and len(items) >= 2:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(items)
    for i, axis in enumerate(axes):
        shape[axis] = sizes[i]
    grids = []
    for i, t in enumerate(items):
        view = [1] * len(items)
        view[axes[i]] = sizes[i]
        grids.append(t.reshape(*view).expand(*shape))
    return tuple(grids)


@_composed("broadcast_shapes", what="the shape shapes broadcast to")
def broadcast_shapes(backend: Any, *shapes: Any) -> Any:
    """The shape the given shapes (tuples, sizes or ints) broadcast to, as ``torch.Size``."""
    result: list[int] = []
    for shape in shapes:
        dims = [shape] if isinstance(shape, int) else list(shape)
        if len(dims) > len(result):
            result = [1] * (len(dims) - len(result)) + result
        for i, n in enumerate(dims, start=len(result) - len(dims)):
            if n == result[i] or n == 1:
                continue
            if result[i] != 1:
                raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single "
                                   f"shape.  Mismatch is between arg 0 and arg "
                                   f"{shapes.index(shape)}.")
            result[i] = n
    size = getattr(backend, "Size", tuple)
    return size(result)


@_composed("broadcast_tensors", what="tensors expanded to their common broadcast shape")
def broadcast_tensors(backend: Any, *tensors: Any) -> tuple:
    """Each tensor expanded (a view) to the shape all of them broadcast to."""
    items = _varargs(tensors)
    shape = tuple(broadcast_shapes(backend, *(tuple(t.shape) for t in items)))
    return tuple(t.expand(*shape) for t in items)


@_composed("cartesian_prod", what="the Cartesian product of 1-d tensors, one row per tuple")
def cartesian_prod(backend: Any, *tensors: Any) -> Any:
    """Every combination of one element from each 1-d tensor, as the rows of an (N, k) tensor
    (for one tensor, its elements), in the order of nested loops."""
    items = _varargs(tensors)
    for t in items:
        if t.dim() != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(items) == 1:
        return items[0].reshape(-1)
    grids = meshgrid(backend, *items, indexing="ij")
    return backend.stack([g.reshape(-1) for g in grids], dim=1)


@_composed("block_diag", what="a block-diagonal matrix of the given blocks",
           shown="BlockDiagBackward0")
def block_diag(backend: Any, *tensors: Any) -> Any:
    """The blocks (0-d as 1x1, 1-d as one row) along the diagonal of a matrix, zeros
    elsewhere; the result has the blocks' promoted dtype."""
    blocks = []
    for i, t in enumerate(tensors):
        if t.dim() > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {t.dim()} dimensions")
        blocks.append(t.reshape(1, 1) if t.dim() == 0 else t.reshape(1, -1) if t.dim() == 1
                      else t)
    if not blocks:
        return backend.zeros(1, 0)
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        r, c = b.shape
        parts = [backend.zeros(r, left, dtype=b.dtype), b,
                 backend.zeros(r, width - left - c, dtype=b.dtype)]
        rows.append(backend.cat(parts, dim=1))
        left += c
    return backend.cat(rows, dim=0)


@_composed("fliplr", what="a matrix's columns in reverse order")
def fliplr(backend: Any, input: Any) -> Any:
    """``input`` flipped along dim 1 (left to right); needs at least 2 dimensions."""
    if input.dim() < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return input.flip(1)


@_composed("flipud", what="a tensor's rows in reverse order")
def flipud(backend: Any, input: Any) -> Any:
    """``input`` flipped along dim 0 (up to down); needs at least 1 dimension."""
    if input.dim() < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return input.flip(0)


@_composed("rot90", what="a rotation by 90 degrees in the plane of two dims",
           shown="Rot90Backward0")
def rot90(backend: Any, input: Any, k: int = 1, dims: Sequence[int] = (0, 1)) -> Any:
    """``input`` rotated ``k`` times by 90 degrees from the first of ``dims`` towards the
    second (a flip and a transpose, as PyTorch's)."""
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.dim() < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.dim()}")
    a, b = (_dim(d, input.dim(), "rot90") for d in dims)
    if a == b:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {a} and "
                           f"dim1 = {b}")
    k %= 4
    if k == 1:
        return input.flip(b).transpose(a, b)
    if k == 2:
        return input.flip([a, b])
    if k == 3:
        return input.flip(a).transpose(a, b)
    return input.clone()


@_composed("ravel", what="the elements as a 1-d tensor")
def ravel(backend: Any, input: Any) -> Any:
    """``input.reshape(-1)``."""
    return input.reshape(-1)


@_composed("numel", what="the number of elements")
def numel(backend: Any, input: Any) -> int:
    """``input.numel()``."""
    return input.numel()


@_composed("concat", "concatenate", what="torch.cat under numpy's names")
def concat(backend: Any, tensors: Sequence[Any], dim: int = 0, *, axis: int | None = None) -> Any:
    """``torch.cat(tensors, dim)``."""
    return backend.cat(list(tensors), dim=dim if axis is None else axis)


@_composed("kron", what="the Kronecker product", shown="UnsafeViewBackward0")
def kron(backend: Any, input: Any, other: Any) -> Any:
    """The Kronecker product: every element of ``input`` times the whole of ``other``, tiled
    block by block (any number of dims; the shorter shape is padded with leading 1s)."""
    nd = max(input.dim(), other.dim())
    a_shape = [1] * (nd - input.dim()) + list(input.shape)
    b_shape = [1] * (nd - other.dim()) + list(other.shape)
    a_view, b_view = [], []
    for n, m in zip(a_shape, b_shape):
        a_view += [n, 1]
        b_view += [1, m]
    product = input.reshape(*a_view) * other.reshape(*b_view)
    return product.reshape(*[n * m for n, m in zip(a_shape, b_shape)])


@_composed("msort", what="sorted along dim 0")
def msort(backend: Any, input: Any) -> Any:
    """The values of ``input`` sorted along its first dimension."""
    return input.sort(dim=0)[0]


@_composed("diff", what="n-th forward differences along a dim")
def diff(backend: Any, input: Any, n: int = 1, dim: int = -1, prepend: Any = None,
         append: Any = None) -> Any:
    """``out[i] = x[i + 1] - x[i]`` along ``dim``, ``n`` times, after concatenating
    ``prepend`` and ``append`` (same number of dims) on either side; for bool tensors ``!=``."""
    if input.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _dim(dim, input.dim(), "diff")
    parts = [t for t in (prepend, input, append) if t is not None]
    x = backend.cat(parts, dim=d) if len(parts) > 1 else input
    boolean = str(x.dtype).endswith("bool")
    for _ in range(n):
        length = x.shape[d]
        if length == 0:
            break
        later, earlier = x.narrow(d, 1, length - 1), x.narrow(d, 0, length - 1)
        x = later != earlier if boolean else later - earlier
    return x


@_composed("trapezoid", "trapz", what="integral by the trapezoidal rule along a dim")
def trapezoid(backend: Any, y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Any:
    """The trapezoidal rule along ``dim``: over sample points ``x`` (the shape of ``y``, or
    1-d along ``dim``) or a constant spacing ``dx`` (default 1)."""
    if isinstance(x, (int, float)) and dx is None:  # trapz(y, dx) positionally
        x, dx = None, x
    d = _dim(dim, y.dim(), "trapezoid")
    length = y.shape[d]
    if length == 0:
        return (y * 0).sum(d)
    pairs = y.narrow(d, 1, length - 1) + y.narrow(d, 0, length - 1)
    if x is None:
        return pairs.sum(d) * ((1.0 if dx is None else dx) / 2)
    if dx is not None:
        raise TypeError("trapezoid(): pass either sample points x or a spacing dx, not both")
    if x.dim() == 1:
        if x.shape[0] != length:
            raise RuntimeError(f"trapezoid: There must be one `x` value for each sample point; "
                               f"got {x.shape[0]} for {length}")
        x = x.reshape(*[length if i == d else 1 for i in range(y.dim())])
    steps = x.narrow(d, 1, length - 1) - x.narrow(d, 0, length - 1)
    return (steps * pairs).sum(d) / 2




@_composed("select", what="the slice at one index of a dim, without that dim")
def select(backend: Any, input: Any, dim: int, index: int) -> Any:
    """``input`` at ``index`` along ``dim`` (negative counts from the end), that dim removed."""
    d = _dim(dim, input.dim(), "select")
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    return input[(slice(None),) * d + (index,)]  # indexing's select: a view, as PyTorch's


@_composed("tensor_split", what="split into n near-equal parts, or at given indices")
def tensor_split(backend: Any, input: Any, indices_or_sections: Any, dim: int = 0) -> tuple:
    """Views of ``input`` along ``dim``: ``n`` parts (the first ``size % n`` one longer) for an
    int, or cut before each given index (clamped to the size) for a list."""
    d = _dim(dim, input.dim(), "tensor_split")
    size = input.shape[d]
    if hasattr(indices_or_sections, "dim") and indices_or_sections.dim() == 0:
        indices_or_sections = int(indices_or_sections.item())  # a 0-d tensor: a count of parts
    elif hasattr(indices_or_sections, "tolist"):
        indices_or_sections = indices_or_sections.tolist()  # a 1-d tensor: the indices
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        cuts, start = [], 0
        for i in range(n - 1):
            start += size // n + (1 if i < size % n else 0)
            cuts.append(start)
    else:
        cuts = [min(max(int(i) if int(i) >= 0 else size + int(i), 0), size)
                for i in indices_or_sections]
    bounds = [0, *cuts, size]
    return tuple(input.narrow(d, lo, max(hi - lo, 0)) for lo, hi in zip(bounds, bounds[1:]))


def _split_along(name: str, input: Any, sections: Any, dim: int, least: int) -> tuple:
    if input.dim() < least:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {least} dimension, but "
                           f"got a tensor with {input.dim()} dimensions!")
    if isinstance(sections, int) and input.shape[dim] % sections:
        raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size "
                           f"of the dimension {input.shape[dim]} is not divisible by the split_size"
                           f" {sections}!")
    return tensor_split(None, input, sections, dim)


@_composed("hsplit", what="tensor_split along dim 1 (dim 0 for vectors)")
def hsplit(backend: Any, input: Any, indices_or_sections: Any) -> tuple:
    """`tensor_split` along the second dim (the first of a 1-d tensor); an int must divide it."""
    return _split_along("hsplit", input, indices_or_sections, 0 if input.dim() == 1 else 1, 1)


@_composed("vsplit", what="tensor_split along dim 0 of a matrix")
def vsplit(backend: Any, input: Any, indices_or_sections: Any) -> tuple:
    """`tensor_split` along the first dim of an at least 2-d tensor; an int must divide it."""
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


@_composed("dsplit", what="tensor_split along dim 2")
def dsplit(backend: Any, input: Any, indices_or_sections: Any) -> tuple:
    """`tensor_split` along the third dim of an at least 3-d tensor; an int must divide it."""
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


@_composed("unflatten", what="one dim reshaped into several")
def unflatten(backend: Any, input: Any, dim: int, sizes: Sequence[int]) -> Any:
    """``input`` with dim ``dim`` replaced by ``sizes`` (one of them may be -1)."""
    d = _dim(dim, input.dim(), "unflatten")
    shape = list(input.shape)
    sizes = [int(n) for n in sizes]
    known = 1
    for n in sizes:
        known *= n if n != -1 else 1
    if sizes.count(-1) <= 1 and (shape[d] % known if -1 in sizes and known else
                                 known != shape[d]):
        raise RuntimeError(f"unflatten: Provided sizes {sizes} don't multiply up to the size of "
                           f"dim {dim} ({shape[d]}) in the input tensor")
    return input.reshape(*shape[:d], *sizes, *shape[d + 1:])


def _index_mask(backend: Any, input: Any, d: int, index: Any) -> Any:
    """True at the positions of ``index`` along dim ``d`` (negative ones from the end; out of
    range: PyTorch's IndexError), broadcastable to ``input``."""
    size = input.shape[d]
    index = index.reshape(-1)
    if index.numel():
        low, high = index.min().item(), index.max().item()
        if low < -size or high >= size:
            raise IndexError(f"index {low if low < -size else high} is out of bounds for "
                             f"dimension {d} with size {size}")
    index = backend.where(index < 0, index + size, index)
    hits = backend.arange(size).reshape(-1, 1) == index.reshape(1, -1)
    mask = hits.any(dim=1)
    return mask.reshape(*[input.shape[d] if i == d else 1 for i in range(input.dim())])


@_composed("index_fill", what="a copy with the given indices of a dim set to a value")
def index_fill(backend: Any, input: Any, dim: int, index: Any, value: Any) -> Any:
    """``input`` with every slice ``index[i]`` along ``dim`` set to ``value`` (gradient 0 there)."""
    d = _dim(dim, input.dim(), "index_fill")
    fill = value if hasattr(value, "dim") else backend.full_like(input, value)
    return backend.where(_index_mask(backend, input, d, index), fill, input)


@_composed("index_copy", what="a copy with the given indices of a dim taken from a source",
           shown="IndexCopyBackward0")
def index_copy(backend: Any, input: Any, dim: int, index: Any, source: Any) -> Any:
    """``input`` with slice ``index[i]`` along ``dim`` replaced by slice ``i`` of ``source``
    (indices distinct); gradients flow to the slice each value came from."""
    d = _dim(dim, input.dim(), "index_copy")
    try:
        mask = _index_mask(backend, input, d, index)
    except IndexError as exc:  # PyTorch names its in-place kernel
        raise IndexError(f"index_copy_(): {exc}") from None
    placed = backend.zeros_like(input).index_add(d, index, source)
    return backend.where(mask, placed, input)


@_composed("vander", what="the Vandermonde matrix of a vector")
def vander(backend: Any, x: Any, N: int | None = None, increasing: bool = False) -> Any:
    """Columns ``x ** (N - 1), ..., x ** 0`` (reversed with ``increasing``); N defaults to
    ``len(x)``; integer input stays integer."""
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    powers = range(n) if increasing else range(n - 1, -1, -1)
    columns = [x ** p if p else backend.ones_like(x) for p in powers]
    if not columns:
        return backend.zeros(x.shape[0], 0, dtype=x.dtype)
    return backend.stack(columns, dim=1)


@_composed("unravel_index", what="flat indices as coordinates of a shape")
def unravel_index(backend: Any, indices: Any, shape: Any) -> tuple:
    """One int64 tensor of coordinates per dim of ``shape`` for the flat (C-order) ``indices``."""
    dims = [shape] if isinstance(shape, int) else list(shape)
    total = 1
    for n in dims:
        total *= n
    flat = indices if hasattr(indices, "dim") else backend.tensor(indices)
    if flat.is_floating_point():
        raise TypeError("expected 'indices' to be integer dtype, but got a floating dtype")
    if flat.numel() and (int(flat.min()) < -total or int(flat.max()) >= total):
        raise RuntimeError("index out of bounds for shape")
    flat = backend.where(flat < 0, flat + total, flat)
    out = []
    for n in reversed(dims):
        out.append(flat % n)
        flat = flat // n
    return tuple(reversed(out))


def fill_diagonal(backend: Any, input: Any, fill_value: Any, wrap: bool = False) -> Any:
    """``input`` with its main diagonal (``i == j == ...``; all dims equal beyond 2-d) set to
    ``fill_value``; ``wrap`` continues the diagonal of a tall matrix below its first square,
    as PyTorch's ``fill_diagonal_``.  (The method ``x.fill_diagonal_(v)`` writes it back.)"""
    shape = tuple(input.shape)
    if len(shape) < 2:
        raise RuntimeError(f"dimensions must larger than 1, got {len(shape)}")
    if len(shape) > 2 and len(set(shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    numel, step, stride = input.numel(), 0, 1
    for n in reversed(shape):
        step += stride
        stride *= n
    limit = numel if wrap and len(shape) == 2 else min(shape) * step
    if len(shape) == 2 and not wrap:
        limit = min(min(shape[0], shape[1]) * step, numel)
    flat = backend.arange(numel)
    mask = backend.logical_and(flat % step == 0, flat < limit).reshape(*shape)
    return backend.where(mask, backend.full_like(input, fill_value), input)


@_composed("masked_scatter", what="a copy with the masked positions filled from a source, in order",
           shown="MaskedScatterBackward0")
def masked_scatter(backend: Any, input: Any, mask: Any, source: Any) -> Any:
    """``input`` with the positions where ``mask`` (broadcast to its shape) is True filled by
    the first elements of ``source``, in row-major order; differentiable in both."""
    if str(mask.dtype).rsplit(".", 1)[-1] != "bool":
        name = str(mask.dtype).rsplit(".", 1)[-1]
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with "
                           f"dtype {SCALAR_TYPE_NAMES.get(name, name)}")
    mask = mask.expand(*input.shape) if tuple(mask.shape) != tuple(input.shape) else mask
    count = int(mask.sum())
    if count > source.numel():
        raise RuntimeError("masked_scatter: expected source to have at least as many "
                           f"elements as ones in mask ({count}), got {source.numel()}")
    out = input.clone()
    out[mask] = source.reshape(-1)[:count].to(input.dtype)
    return out


@_composed("renorm", what="sub-tensors along a dim scaled down to a maximum p-norm")
def renorm(backend: Any, input: Any, p: float, dim: int, maxnorm: float) -> Any:
    """Each slice of ``input`` along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled by
    ``maxnorm / (norm + 1e-7)``; the others unchanged."""
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported, got p={p}")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = _dim(dim, input.dim(), "renorm")
    others = [i for i in range(input.dim()) if i != d]
    norms = input.abs().pow(p).sum(dim=others, keepdim=True).pow(1.0 / p) if others else \
        input.abs()
    factor = backend.where(norms > maxnorm, maxnorm / (norms + 1e-7), backend.ones_like(norms))
    return input * factor
