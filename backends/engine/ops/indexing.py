"""Index keys: PyTorch/numpy indexing on any array namespace.

Basic keys (ints, slices, None, Ellipsis) are passed to the namespace as full tuples (array API
namespaces require every dimension to be covered, hence the trailing Ellipsis).  Advanced keys
(integer arrays, lists, boolean masks, possibly mixed with basic components) are resolved here
into *linear indices* into the indexed array, following numpy's placement rules; gathering is
then ``take`` on the flattened array and the backward is a scatter-add.  Namespaces that can do
better natively offer ``scatter_add``/``index_put`` through the engine's extension seam.
"""

from __future__ import annotations

import operator
from typing import Any

from gradspec import notices


class Index:
    """A normalised key for an array of shape ``shape``: ``basic``, a full basic key, or for
    advanced keys ``lin``, the int64 linear positions shaped like the result (``out_shape``),
    and ``native``, the key with arrays, for namespaces that take it.  A key that picks whole
    rows (``x[i]``, ``x[i, :]``, a mask ``x[m]`` over the first ``lead`` dimensions) also
    keeps them as ``rows``, non-negative positions along those dimensions taken as one: it
    gathers with one ``take`` and computes ``lin`` only when asked (for a backward or an
    assignment)."""

    __slots__ = ("basic", "shape", "_lin", "out_shape", "native", "rows", "lead", "_xp")

    def __init__(self, basic: tuple | None, shape: tuple[int, ...], lin: Any = None,
                 out_shape: tuple[int, ...] = (), native: tuple | None = None,
                 rows: Any = None, lead: int = 1, xp: Any = None) -> None:
        self.basic, self.shape, self._lin = basic, shape, lin
        self.out_shape, self.native, self.rows, self._xp = out_shape, native, rows, xp
        self.lead = lead

    @property
    def lin(self) -> Any:
        """The linear positions into the flattened array, shaped like the result."""
        if self._lin is None and self.rows is not None:
            self._lin = _rows_lin(self._xp, self.rows, self.shape[self.lead:], self.out_shape)
        return self._lin

    def __repr__(self) -> str:
        return (f"Index(basic={self.basic!r}, shape={self.shape!r}, "
                f"out_shape={self.out_shape!r})")


def _rows_lin(xp: Any, rows: Any, row_shape: tuple[int, ...], out_shape: tuple[int, ...]
              ) -> Any:
    """Linear positions (C order) of whole rows ``rows``, each of ``row_shape``."""
    tail = 1
    for s in row_shape:
        tail *= s
    flat = xp.reshape(rows, (-1, 1)) * tail + xp.reshape(
        xp.arange(tail, dtype=rows.dtype), (1, -1))
    return xp.reshape(flat, out_shape)


def _component(k: Any, eng: Any) -> Any:
    from ..tensor import Tensor

    if k is None or k is Ellipsis or isinstance(k, slice):
        return k
    if isinstance(k, bool):
        return eng.asarray(k)
    if isinstance(k, Tensor):
        if k.ndim == 0 and eng.is_integer(k._data.dtype) and not _is_byte(eng, k._data):
            return int(k.item())
        data = k._data
    elif isinstance(k, (list, tuple)) or hasattr(k, "__array__") or hasattr(k, "__array_namespace__"):
        data = eng.asarray(k)
    else:
        try:
            return operator.index(k)
        except TypeError:
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
                f"are valid indices (got {type(k).__name__}; integer or boolean tensors index)"
            ) from None
    if not (eng.is_integer(data.dtype) or eng.is_bool(data.dtype)):
        raise IndexError(
            f"tensors used as indices must be long, int, byte or bool tensors, got "
            f"{eng.dtype_name(data.dtype)}")
    if _is_byte(eng, data):
        # a uint8 index is a mask, as the comparisons of PyTorch before 1.2 returned them
        # (a 0-d one, without the notice, as there)
        if data.ndim:
            notices.warn("indexing with dtype torch.uint8 is now deprecated, please use a "
                         "dtype torch.bool instead.")
        return data != 0
    return data


def _is_byte(eng: Any, data: Any) -> bool:
    """Whether an index array is of dtype uint8 (a byte mask, in PyTorch's indexing)."""
    return eng.dtype_name(data.dtype) == "uint8"


def normalize(key: Any, shape: tuple[int, ...], eng: Any) -> Index:
    """Resolve ``key`` for an array of ``shape``; raise IndexError for keys that do not fit."""
    if not isinstance(key, tuple):
        key = (key,)
    comps = [_component(k, eng) for k in key]
    # identity tests only below: ``in``/``count``/``index`` would compare arrays with ==
    ellipsis_at = [i for i, c in enumerate(comps) if c is Ellipsis]
    if len(ellipsis_at) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    ndim = len(shape)
    used = 0
    for c in comps:
        if c is None or c is Ellipsis:
            continue
        if isinstance(c, (int, slice)):
            used += 1
        else:
            used += c.ndim if eng.is_bool(c.dtype) else 1
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim} ({used} given)")
    if all(c is None or c is Ellipsis or isinstance(c, (int, slice)) for c in comps):
        dim = 0
        for i, c in enumerate(comps):
            if c is Ellipsis:
                dim = ndim - sum(isinstance(k, (int, slice)) for k in comps[i + 1:])
                continue
            if isinstance(c, int):
                size = shape[dim]
                if not -size <= c < size:
                    raise IndexError(
                        f"index {c} is out of bounds for dimension {i} with size {size} "
                        f"(valid: {-size} to {size - 1})")
            elif isinstance(c, slice):
                if c.step is not None and c.step < 0:  # (a zero step: indices() refuses it)
                    raise ValueError("slicing with a negative step is not supported (as in "
                                     "PyTorch); reverse with flip(dims) instead")
                # clamp out-of-range bounds as Python does; the array API leaves them undefined
                comps[i] = slice(*c.indices(shape[dim]))
            if c is not None:
                dim += 1
        if not ellipsis_at:
            comps.append(Ellipsis)
        return Index(tuple(comps), tuple(shape))
    return _advanced(comps, tuple(shape), eng, used)


def _advanced(comps: list, shape: tuple[int, ...], eng: Any, used: int) -> Index:
    xp = eng.xp
    native = tuple(comps)
    first = comps[0]
    if (not isinstance(first, (int, slice)) and first is not None and first is not Ellipsis
            and all(_whole(c) for c in comps[1:])):
        if not eng.is_bool(first.dtype):
            return _leading_rows(xp, eng, first, shape, native)
        if first.ndim and tuple(first.shape) == shape[:first.ndim]:
            return _leading_mask(xp, eng, first, shape, native)
    ndim = len(shape)
    at = [i for i, c in enumerate(comps) if c is Ellipsis]
    if at:
        comps[at[0]:at[0] + 1] = [slice(None)] * (ndim - used)
    else:
        comps += [slice(None)] * (ndim - used)
    # boolean masks become one integer array per masked dimension
    expanded: list = []
    dim = 0
    for c in comps:
        if c is not None and not isinstance(c, (int, slice)) and eng.is_bool(c.dtype):
            want = shape[dim:dim + c.ndim]
            if tuple(c.shape) != tuple(want):
                j = next(j for j, (m, n) in enumerate(zip(c.shape, want)) if m != n)
                raise IndexError(
                    f"The shape of the mask {list(c.shape)} at index {j} does not match the "
                    f"shape of the indexed tensor {list(shape)} at index {dim + j}")
            if c.ndim:
                expanded.extend(xp.nonzero(c))
            else:  # x[True], x[False]: a new dimension, taken whole or not at all
                expanded.append(_Unit(xp.asarray([0] if bool(c) else [], dtype=eng.int64)))
            dim += c.ndim
        else:
            expanded.append(c)
            dim += c is not None
    comps = expanded
    # PyTorch's rule, not numpy's: an integer selects (its dimension goes) before the arrays
    # index, so x[0, :, [1, 2]] is x[0][:, [1, 2]], and only the arrays decide whether their
    # block stays in place (adjacent once the integers are gone) or moves to the front
    ints = [i for i, c in enumerate(comps) if isinstance(c, int)]
    adv = [i for i, c in enumerate(comps) if c is not None and not isinstance(c, (int, slice))]
    rank = {i: r for r, i in enumerate(j for j in range(len(comps)) if j not in ints)}
    adjacent = [rank[i] for i in adv] == list(range(rank[adv[0]], rank[adv[-1]] + 1))
    arrays = [comps[i].array if isinstance(comps[i], _Unit) else xp.astype(comps[i], eng.int64)
              for i in adv]
    if len(arrays) > 1:
        try:
            arrays = list(xp.broadcast_arrays(*arrays))
        except ValueError:
            shapes = ", ".join(str(list(a.shape)) for a in arrays)
            raise IndexError(f"shape mismatch: indexing tensors could not be broadcast together "
                             f"with shapes {shapes}") from None
    bshape = tuple(arrays[0].shape)
    # output layout: basic dims in order, the broadcast block where numpy puts it
    layout: list = []  # entries: ("dim", input_dim, length, slice) | ("new",) | ("adv",)
    dim = 0
    for i, c in enumerate(comps):
        if c is None:
            layout.append(("new",))
        elif isinstance(c, slice):
            start, stop, step = c.indices(shape[dim])
            layout.append(("dim", dim, len(range(start, stop, step)), (start, step)))
            dim += 1
        else:
            if not isinstance(c, int) and (i == adv[0] or not adjacent):
                if not layout or layout[-1] != ("adv",):
                    layout.append(("adv",))
            dim += _consumes(c)
    if not adjacent:
        layout = [("adv",)] + [e for e in layout if e != ("adv",)]
    out_shape: list[int] = []
    adv_at = 0
    for e in layout:
        if e[0] == "adv":
            adv_at = len(out_shape)
            out_shape.extend(bshape)
        elif e[0] == "new":
            out_shape.append(1)
        else:
            out_shape.append(e[2])
    nout = len(out_shape)
    strides = [1] * ndim
    for d in range(ndim - 2, -1, -1):
        strides[d] = strides[d + 1] * shape[d + 1]
    lin = xp.zeros(tuple(out_shape), dtype=eng.int64)
    pos = 0
    for e in layout:
        if e[0] == "dim":
            _, d, length, (start, step) = e
            vals = xp.arange(start, start + step * length, step, dtype=eng.int64)[:length]
            lin = lin + xp.reshape(vals, tuple(length if j == pos else 1 for j in range(nout))) * strides[d]
            pos += 1
        elif e[0] == "new":
            pos += 1
        else:
            pos += len(bshape)
    for i in ints:  # a constant offset each
        d = sum(_consumes(c) for c in comps[:i])
        size, c = shape[d], comps[i]
        if not -size <= c < size:
            raise IndexError(f"index {c} is out of bounds for dimension {d} with size {size}")
        lin = lin + (c + size if c < 0 else c) * strides[d]
    adv_dims = [sum(_consumes(c) for c in comps[:i]) for i in adv]
    for arr, d, i in zip(arrays, adv_dims, adv):
        if isinstance(comps[i], _Unit):
            continue  # (position 0 of a new dimension: no offset)
        size = shape[d]
        if arr.size and bool(xp.any((arr < -size) | (arr >= size))):
            bad = int(xp.max(xp.where((arr < -size) | (arr >= size), arr, xp.zeros_like(arr))) or
                      xp.min(arr))
            raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {size}")
        arr = xp.where(arr < 0, arr + size, arr)
        block = (1,) * adv_at + bshape + (1,) * (nout - adv_at - len(bshape))
        lin = lin + xp.reshape(arr, block) * strides[d]
    # (numpy would order an integer-and-array key its own way: no native key for one)
    return Index(None, shape, lin, tuple(out_shape), None if ints else native)


class _Unit:
    """A 0-d bool index, ``x[True]`` or ``x[False]``: an array ([0] or empty) in the advanced
    block over a new dimension of length 1, so it takes no dimension of the input."""

    __slots__ = ("array",)

    def __init__(self, array: Any) -> None:
        self.array = array


def _consumes(c: Any) -> bool:
    """Whether key component ``c`` (after masks are expanded) takes a dimension of the input."""
    return c is not None and not isinstance(c, _Unit)


def _whole(c: Any) -> bool:
    """A component that keeps a dimension whole (``:``) or all the rest (``...``)."""
    return c is Ellipsis or (isinstance(c, slice) and c.start is None and c.stop is None
                             and c.step is None)


def _leading_rows(xp: Any, eng: Any, rows: Any, shape: tuple[int, ...], native: tuple) -> Index:
    """The key ``x[i]`` (or ``x[i, :]``, ``x[i, ...]``): rows ``i`` of the first dimension, the
    commonest advanced key (a batch, an embedding lookup), checked and wrapped in two
    reductions, its positions left for `Index.lin` to work out when a backward wants them."""
    if rows.dtype != eng.int64:
        rows = xp.astype(rows, eng.int64)
    size = shape[0]
    if rows.size:
        lo, hi = int(xp.min(rows)), int(xp.max(rows))
        if lo < -size or hi >= size:
            raise IndexError(f"index {hi if hi >= size else lo} is out of bounds for dimension 0 "
                             f"with size {size}")
        if lo < 0:
            rows = xp.where(rows < 0, rows + size, rows)
    return Index(None, shape, None, tuple(rows.shape) + shape[1:], native, rows, 1, xp)


def _leading_mask(xp: Any, eng: Any, mask: Any, shape: tuple[int, ...], native: tuple) -> Index:
    """The key ``x[m]`` for a mask ``m`` of the first ``m.ndim`` dimensions' shape: the rows
    where it is true, those dimensions taken as one."""
    lead = mask.ndim
    flat = mask if lead == 1 else xp.reshape(mask, (-1,))
    rows = xp.nonzero(flat)[0]
    if rows.dtype != eng.int64:
        rows = xp.astype(rows, eng.int64)
    return Index(None, shape, None, (rows.shape[0],) + shape[lead:], native, rows, lead, xp)


def set_basic(xp: Any, target: Any, key: tuple, values: Any) -> None:
    """``target[key] = values`` for a full basic key.  array API namespaces refuse ``None`` in
    assignment keys, so new axes are dropped from the key and from the values instead."""
    if any(k is None for k in key):
        shape = target[key].shape
        if hasattr(values, "shape"):
            values = xp.broadcast_to(values, shape)
        key = tuple(k for k in key if k is not None)
        if hasattr(values, "shape"):
            values = xp.reshape(values, target[key].shape)
    target[key] = values


def gather(eng: Any, data: Any, index: Index) -> Any:
    xp = eng.xp
    rows = index.rows
    if rows is not None:
        lead = index.lead
        if lead != 1:  # a mask's dimensions, taken as one
            data = xp.reshape(data, (-1,) + tuple(data.shape[lead:]))
        picked = xp.take(data, rows if rows.ndim == 1 else xp.reshape(rows, (-1,)), axis=0)
        return picked if rows.ndim == 1 else xp.reshape(picked, index.out_shape)
    flat = xp.reshape(data, (-1,))
    return xp.reshape(xp.take(flat, xp.reshape(index.lin, (-1,))), index.out_shape)


def scatter_add(eng: Any, values: Any, index: Index, dtype: Any) -> Any:
    """An array of ``index.shape`` with ``values`` added at ``index`` (repeats accumulate)."""
    xp = eng.xp
    n = 1
    for s in index.shape:
        n *= s
    flat_pos = xp.reshape(index.lin, (-1,))
    if not hasattr(values, "shape"):
        values = xp.asarray(values, dtype=dtype)
    flat_val = xp.reshape(xp.broadcast_to(values, index.out_shape), (-1,))
    out = xp.zeros((n,), dtype=dtype)
    if eng.ext.scatter_add is not None:
        eng.ext.scatter_add(out, flat_pos, flat_val)
    elif flat_pos.shape[0]:
        # portable: each value selected into a (k, n) one-hot grid, summed over k (memory
        # k * n; used where no native scatter exists).  A select, not a product with the 0/1
        # matrix: 0 * inf would put NaN at every position the inf does not go to
        hits = xp.reshape(flat_pos, (-1, 1)) == xp.reshape(xp.arange(n, dtype=eng.int64), (1, -1))
        grid = xp.where(hits, xp.reshape(flat_val, (-1, 1)), xp.zeros((), dtype=dtype))
        out = xp.sum(grid, axis=0, dtype=dtype)
    return xp.reshape(out, index.shape)


def scatter_combine(eng: Any, values: Any, index: Index, dtype: Any, how: str,
                    identity: Any) -> Any:
    """An array of ``index.shape``: ``identity`` where no value goes, else the values sent to
    each position combined by ``how`` ("max", "min" or "mul")."""
    xp = eng.xp
    n = 1
    for s in index.shape:
        n *= s
    flat_pos = xp.reshape(index.lin, (-1,))
    flat_val = xp.reshape(xp.broadcast_to(values, index.out_shape), (-1,))
    native = getattr(eng.ext, f"scatter_{how}", None)
    out = xp.full((n,), identity, dtype=dtype)
    if native is not None:
        native(out, flat_pos, flat_val)
    elif flat_pos.shape[0]:
        # portable, as scatter_add's: a (k, n) one-hot grid, reduced over k
        hits = xp.reshape(flat_pos, (-1, 1)) == xp.reshape(xp.arange(n, dtype=eng.int64), (1, -1))
        grid = xp.where(hits, xp.reshape(flat_val, (-1, 1)), xp.full((), identity, dtype=dtype))
        reduce = {"max": xp.max, "min": xp.min, "mul": xp.prod}[how]
        out = reduce(grid, axis=0) if how != "mul" else xp.prod(grid, axis=0, dtype=dtype)
    return xp.reshape(out, index.shape)


def put(eng: Any, target: Any, index: Index, values: Any) -> None:
    """Write ``values`` at ``index`` into ``target`` in place (repeated positions: unspecified)."""
    xp = eng.xp
    values = eng.cast_like(values, target)
    if index.basic is not None:
        set_basic(xp, target, index.basic, values)
        return
    if eng.ext.index_put is not None and index.native is not None:
        eng.ext.index_put(target, index.native, values)
        return
    # portable: the mean of the values written to each position (the value itself where
    # positions do not repeat), in the target's dtype; integers and bools count in int64
    floating = eng.kind(target.dtype) in "fc"
    work = target.dtype if floating else eng.int64
    if hasattr(values, "shape") and values.dtype != work:
        values = xp.astype(values, work)
    counts = scatter_add(eng, xp.ones(index.out_shape, dtype=work), index, work)
    sums = scatter_add(eng, values, index, work)
    hit = counts > 0
    safe = xp.where(hit, counts, xp.ones((), dtype=work))
    mean = sums / safe if floating else sums // safe
    target[...] = xp.where(hit, xp.astype(mean, target.dtype), target)
