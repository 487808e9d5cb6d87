"""Matrix products: matmul (and its 1-d forms: dot, mv, vector-matrix), and ``linear``
(``x @ weight.T + bias`` as one node, as torch.nn.functional.linear)."""

from __future__ import annotations

from typing import Any

from ..apply import apply, binary
from ..node import Node, register, shown
from ..tensor import Tensor


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
        if na > 2:  # PyTorch folds the batch into one product and views the result back
            return "UnsafeViewBackward0"
        return "BmmBackward0" if nb > 2 else "MmBackward0"

    def shown_next(self, edges):
        # the graph PyTorch's matmul records for a batched first operand: the product of its
        # rows flattened (mm, mv), or of both expanded to a batch (bmm), viewed back
        na, nb = self.nd
        a_edge, b_edge = edges
        if na <= 2:
            return edges
        if nb == 2:
            return (shown("MmBackward0", shown("ViewBackward0", a_edge), b_edge),)
        if nb == 1:
            return (shown("MvBackward0", shown("ViewBackward0", a_edge), b_edge),)
        return (shown("BmmBackward0", shown("ViewBackward0", shown("ExpandBackward0", a_edge)),
                      shown("ViewBackward0", shown("ExpandBackward0", b_edge))),)

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


@register("bmm", public=False)
class BmmBackward0(Node):
    """``torch.bmm`` of (b, n, m) and (b, m, p): one node over its two inputs, as PyTorch's
    (matmul of batches shows PyTorch's folded graph instead, `MmBackward0.shown_next`)."""

    quiet = True  # (products may overflow or meet NaN: PyTorch says nothing)
    save_map = {0: (1,), 1: (0,)}

    def forward(self, xp, a, b):
        return xp.matmul(a, b)

    def backward(self, F, g, a, b):
        ea, eb = self._next
        return (g @ F.matrix_transpose(b) if ea is not None else None,
                F.matrix_transpose(a) @ g if eb is not None else None)


def matmul(a: Any, b: Any) -> Any:
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        raise TypeError(f"matmul(): both operands must be tensors, got {type(a).__name__} and "
                        f"{type(b).__name__}; wrap data with torch.tensor(...)")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, got "
                           f"{a.ndim}D and {b.ndim}D")
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb or (a.ndim > 2 and b.ndim > 2 and a.shape[:-2] != b.shape[:-2]):
        _check_matmul_shapes(tuple(a.shape), tuple(b.shape))
    da, db = a._data.dtype, b._data.dtype
    if da != db:  # PyTorch does not promote in matrix products
        eng = type(a)._eng
        raise RuntimeError(f"expected both operands of matmul to have the same dtype, got "
                           f"{eng.dtype_name(da)} and {eng.dtype_name(db)}; convert one with "
                           f".to(...) first")
    return binary(MmBackward0, a, b)


def _rows(shape: tuple) -> int:
    n = 1
    for size in shape:
        n *= size
    return n


_MATMUL_HINT = ("the first's last dimension must equal the second's next-to-last; transpose or "
                "reshape one of them")


def _check_matmul_shapes(sa: tuple, sb: tuple) -> None:
    """Raise PyTorch's error for operands ``matmul`` cannot multiply, in the words of the kernel
    PyTorch hands each case to (dot, mv, mm on folded rows, bmm on broadcast batches)."""
    ka, kb = sa[-1], sb[0] if len(sb) == 1 else sb[-2]
    if len(sa) > 2 or len(sb) > 2:
        batch_a, batch_b = sa[:-2] if len(sa) > 1 else (), sb[:-2]
        if len(sb) > 2:  # a batched product: batch dimensions broadcast first
            n = max(len(batch_a), len(batch_b))
            pa, pb = (1,) * (n - len(batch_a)) + batch_a, (1,) * (n - len(batch_b)) + batch_b
            for d, (x, y) in enumerate(zip(pa, pb)):
                if x != y and x != 1 and y != 1:
                    raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor "
                                       f"b ({y}) at non-singleton dimension {d}: the batch "
                                       f"dimensions of {list(sa)} and {list(sb)} must broadcast")
            if ka == kb:
                return
            batch = _rows(max(x, y) for x, y in zip(pa, pb))
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{batch}, {ka}] but got: [{batch}, {kb}]. ({_MATMUL_HINT})")
    if ka == kb:
        return
    if len(sb) == 1:
        if len(sa) == 1:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{ka}] and src [{kb}] "
                               f"to have the same number of elements, but got {ka} and {kb} "
                               "elements respectively")
        rows = _rows(sa[:-1])
        raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{ka}), vec ({kb}): "
                           "the matrix's last dimension must equal the vector's length")
    raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_rows(sa[:-1])}x{ka} and "
                       f"{kb}x{sb[-1]}): {_MATMUL_HINT}")


def mm(a: Any, b: Any) -> Any:
    for name, t in (("self", a), ("mat2", b)):
        if t.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix (mm() multiplies 2-D tensors, got "
                               f"{a.ndim}-D and {b.ndim}-D; torch.matmul takes other shapes)")
    return matmul(a, b)


def mv(a: Any, b: Any) -> Any:
    if a.ndim != 2 or b.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {b.ndim} (mv() "
                           "takes a 2-D matrix and a 1-D vector)")
    return matmul(a, b)


def dot(a: Any, b: Any) -> Any:
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    return matmul(a, b)


@register("linear")
class AddmmBackward0(Node):
    """``input @ weight.T + bias`` (bias optional) for a matrix ``weight``: a layer's affine map
    in one node.  The weight's gradient is ``g.T @ input``, in the weight's own layout."""

    __slots__ = ("scalar_bias", "biased", "ndim")
    save_map = {0: (1,), 1: (0,)}  # d/dinput needs the weight, d/dweight the input
    fresh = (0, 1, 2)  # matrix products and a sum: new arrays a leaf's .grad may keep

    def forward(self, xp, a, w, b):
        self.biased = b is not None
        self.scalar_bias = self.biased and b.ndim == 0
        self.ndim = a.ndim
        out = a @ w.T  # (w is a matrix here: linear composes the vector case)
        if b is not None:
            out += b  # in the fresh product (one dtype, w is a matrix): no second full-size array
        return out

    # PyTorch records linear as addmm(bias, input, weight.t()) (mm without a bias), an input of
    # other than two dimensions flattened to a matrix first and the result shaped back: the
    # names and next_functions below show that graph; the node computes it all at once.
    def name(self):
        if self.ndim == 2:
            return "AddmmBackward0" if self.biased else "MmBackward0"
        if self.biased:
            return "ViewBackward0"
        return "SqueezeBackward4" if self.ndim == 1 else "UnsafeViewBackward0"

    def shown_next(self, edges):
        x_edge, w_edge, b_edge = edges
        weight_t = shown("TBackward0", w_edge)
        if self.ndim == 2:
            return (b_edge, x_edge, weight_t) if self.biased else (x_edge, weight_t)
        matrix = shown("UnsqueezeBackward0" if self.ndim == 1 and not self.biased
                       else "ViewBackward0", x_edge)
        inner = (b_edge, matrix, weight_t) if self.biased else (matrix, weight_t)
        return (shown("AddmmBackward0" if self.biased else "MmBackward0", *inner),)

    def backward(self, F, g, a, w, b):
        ea, ew, eb = self._next
        ga = g @ w if ea is not None else None
        gw = gb = None
        if ew is not None:
            if g.ndim == 1:  # one sample: the outer product
                gw = F.expand_dims(g, -1) * F.expand_dims(a, 0)
            elif g.ndim == 2:
                gw = g.T @ a  # (a matrix's .T: an attribute of arrays and tensors alike)
            else:  # samples along several leading dimensions
                gw = (F.matrix_transpose(F.reshape(g, (-1, g.shape[-1])))
                      @ F.reshape(a, (-1, a.shape[-1])))
        if eb is not None:
            if self.scalar_bias:
                gb = F.sum(g)
            elif g.ndim == 1:  # one sample: g itself, as a sum of one row (a new array, as
                gb = F.sum(F.expand_dims(g, 0), axis=0)  # ``fresh`` promises the walk)
            else:
                gb = F.sum(g, axis=0 if g.ndim == 2 else tuple(range(g.ndim - 1)))
        return ga, gw, gb


def linear(input: Any, weight: Any, bias: Any = None) -> Any:
    """``input @ weight.T + bias`` with ``input`` (..., in), ``weight`` (out, in) or (in,) and
    ``bias`` (out,) or 0-d, as torch.nn.functional.linear."""
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor)
            and (bias is None or isinstance(bias, Tensor))):
        kinds = ", ".join(type(t).__name__ for t in (input, weight, bias))
        raise TypeError(f"linear(): input, weight and bias must be tensors (bias may be None), "
                        f"got {kinds}")
    x, w = input._data, weight._data
    b = None if bias is None else bias._data
    if w.ndim not in (1, 2):
        raise RuntimeError(f"linear(): weight must be 1-D or 2-D, got {w.ndim}-D")
    out_features = () if w.ndim == 1 else (w.shape[0],)
    if b is not None and b.shape != () and b.shape != out_features:
        raise RuntimeError(f"linear(): bias must have shape {out_features} or (), got "
                           f"{tuple(b.shape)}")
    if w.dtype != x.dtype or (b is not None and b.dtype != x.dtype):
        eng = type(input)._eng
        got = ", ".join(eng.dtype_name(a.dtype) for a in (x, w, b) if a is not None)
        raise RuntimeError(f"linear(): input, weight and bias must have the same dtype (PyTorch "
                           f"does not promote here), got {got}; convert with .to(...)")
    if w.ndim == 1 or x.ndim == 0:  # a vector weight, or a 0-d input's error: composed
        out = matmul(input, weight.t() if w.ndim == 2 else weight)
        return out if bias is None else out + bias
    if x.shape[-1] != w.shape[1]:
        rows = _rows(x.shape[:-1])
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} and "
            f"{w.shape[1]}x{w.shape[0]}): the input's last dimension must equal the weight's "
            "in_features (its second dimension)")
    return apply(AddmmBackward0, (input, weight, bias), type(input))
