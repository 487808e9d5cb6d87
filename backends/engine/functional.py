"""The engine's functions on tensors (PyTorch's names), and ``GRAPH_F``, the differentiable
namespace backward formulas use under ``create_graph=True``."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from .apply import apply as _apply
from .apply import constant
from .ops.arith import add, div, mul, neg, pow, rsub, sub
from .ops.cast import clone, filled, to
from .ops.join import cat, stack
from .ops.linalg import dot, linear, matmul, mm, mv
from .ops.loss import binary_cross_entropy
from .ops.reduce import _aliases, argmax, argmin, max, mean, min, sum, sum_to
from .ops.select import maximum, minimum, where
from .ops.softmax import log_softmax, softmax
from .ops.unary import abs, clamp, cos, exp, log, relu, sigmoid, sign, sin, sqrt, tanh, threshold_grad
from .ops.views import (
    broadcast_to,
    copy_slices,
    expand,
    expand_as,
    flatten,
    getitem,
    index_gather,
    index_scatter,
    permute,
    region,
    reshape,
    setitem,
    slice_scatter,
    squeeze,
    t,
    transpose,
    unsqueeze,
    view,
)
from .tensor import Tensor

# -- ops (issue 12): linear algebra, reductions and scans, elementwise, shape and indexing -----
from .ops.activation import elu, gelu, hardtanh, leaky_relu, logsigmoid, mish, selu, silu, softplus
from .ops.compare import allclose, equal, isclose
from .ops.gather import (
    gather,
    index_add,
    index_select,
    masked_fill,
    masked_select,
    nonzero,
    index_reduce,
    scatter,
    scatter_add,
    scatter_reduce,
    take_along_dim,
)
from .ops.matrix import (
    addmm,
    baddbmm,
    bmm,
    diag,
    diag_embed,
    diagonal,
    einsum,
    outer,
    tensordot,
    trace,
    tril,
    triu,
)
from gradspec.errors import LinAlgError

from .ops import decompositions, linsolve
from .ops.norms import linalg_norm, matrix_norm, norm, vector_norm
from .ops.pointwise import (
    atan2,
    ceil,
    clamp_max,
    clamp_min,
    erf,
    expm1,
    floor,
    floor_divide,
    fmod,
    lerp,
    log1p,
    reciprocal,
    remainder,
    round,
    rsqrt,
    square,
    trunc,
)
from .ops.scan import cumprod, cumsum
from .ops.shape import (
    chunk,
    flip,
    movedim,
    narrow,
    repeat,
    repeat_interleave,
    roll,
    split,
    swapaxes,
    tile,
    unbind,
)
from .ops.sort import argsort, kthvalue, median, sort, topk
from .ops.stats import amax, amin, logsumexp, prod, std, var

moveaxis = movedim
swapdims = swapaxes
linalg = SimpleNamespace(vector_norm=vector_norm, norm=linalg_norm, matrix_norm=matrix_norm,
                         inv=linsolve.inv, det=linsolve.det, slogdet=linsolve.slogdet,
                         solve=linsolve.solve, cholesky=linsolve.cholesky,
                         qr=decompositions.qr, eigh=decompositions.eigh,
                         eigvalsh=decompositions.eigvalsh, svd=decompositions.svd,
                         svdvals=decompositions.svdvals, LinAlgError=LinAlgError)
"""``torch.linalg``'s functions the engine implements."""


# nnlib: convolution, pooling, normalization, embedding, dropout, padding, resizing, attention,
# losses (the fused cross_entropy of .ops.loss is reached through .ops.losses.cross_entropy)
from .ops import padding as _padding, sparse as _sparse, tie as _tie, windows as _windows
from .ops.attention import scaled_dot_product_attention
from .ops.conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,
                       conv_transpose3d)
from .ops.dropout import dropout
from .ops.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from .ops.normalization import batch_norm, group_norm, layer_norm
from .ops.padding import pad
from .ops.pooling import (adaptive_avg_pool2d, adaptive_avg_pool3d, avg_pool2d, avg_pool3d,
                          max_pool2d, max_pool3d)
from .ops.sparse import embedding, one_hot
from .ops.upsampling import interpolate
from .ops.unique import unique  # surface2

__all__ = [
    "abs", "add", "argmax", "argmin", "broadcast_to", "cat", "clamp", "clone", "cos", "div", "dot",
    "eq", "exp", "expand", "expand_as", "flatten", "ge", "getitem", "gt", "le", "log",
    "log_softmax", "logical_and", "logical_not", "logical_or", "lt", "matmul", "max", "maximum",
    "mean", "min", "minimum", "mm", "mul", "mv", "ne", "neg", "permute", "pow", "relu", "reshape",
    "rsub", "setitem", "sigmoid", "sign", "sin", "softmax", "sqrt", "squeeze", "stack", "sub",
    "sum", "t", "tanh", "to", "transpose", "unsqueeze", "view", "where", "clip", "isnan",
    "isinf", "isfinite", "any", "all", "linear", "binary_cross_entropy",
    "cross_entropy",
    # nnlib
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
    "max_pool2d", "avg_pool2d", "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d",
    "adaptive_avg_pool2d", "layer_norm", "batch_norm", "group_norm", "embedding", "one_hot",
    "dropout", "pad", "interpolate", "scaled_dot_product_attention", "nll_loss",
    "binary_cross_entropy_with_logits", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
    "kl_div",
]
__all__ += [  # ops (issue 12)
    "addmm", "allclose", "amax", "amin", "argsort", "atan2", "baddbmm", "bmm", "ceil", "chunk",
    "clamp_max", "clamp_min", "cumprod", "cumsum", "diag", "diag_embed", "diagonal", "einsum",
    "elu", "equal", "erf", "expm1", "flip", "floor", "fmod", "gather", "gelu", "hardtanh",
    "index_add", "index_select", "isclose", "kthvalue", "leaky_relu", "lerp", "linalg", "log1p",
    "logsigmoid", "logsumexp", "masked_fill", "masked_select", "median", "mish", "moveaxis",
    "movedim", "narrow", "nonzero", "norm", "outer", "prod", "reciprocal", "remainder", "repeat",
    "repeat_interleave", "roll", "round", "rsqrt", "scatter", "scatter_add", "selu", "silu",
    "softplus", "sort", "split", "square", "std", "swapaxes", "swapdims", "take_along_dim",
    "tensordot", "tile", "topk", "trace", "tril", "triu", "trunc", "unbind", "var",
]
__all__ += ["unique"]  # surface2
__all__ += ["scatter_reduce", "index_reduce"]
__all__ += ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
            "bitwise_right_shift"]


# ------------------------------------------------------------------ non-differentiable results
def _compare(a: Any, b: Any, op: str) -> Tensor:
    ta = isinstance(a, Tensor)
    T = type(a) if ta else type(b)
    eng = T._eng
    tb = isinstance(b, Tensor)
    da, db = eng.promote(a._data if ta else a, b._data if tb else b, ta, tb)
    if op == "eq":
        out = da == db
    elif op == "ne":
        out = da != db
    elif op == "gt":
        out = da > db
    elif op == "ge":
        out = da >= db
    elif op == "lt":
        out = da < db
    else:
        out = da <= db
    return constant(T, out)


def eq(a: Any, b: Any) -> Tensor:
    return _compare(a, b, "eq")


def ne(a: Any, b: Any) -> Tensor:
    return _compare(a, b, "ne")


def gt(a: Any, b: Any) -> Tensor:
    return _compare(a, b, "gt")


def ge(a: Any, b: Any) -> Tensor:
    return _compare(a, b, "ge")


def lt(a: Any, b: Any) -> Tensor:
    return _compare(a, b, "lt")


def le(a: Any, b: Any) -> Tensor:
    return _compare(a, b, "le")


def _logical(a: Tensor, b: Any, op: str) -> Tensor:
    xp = type(a)._xp
    da = a._data if type(a)._eng.is_bool(a._data.dtype) else a._data != 0
    db = b._data if isinstance(b, Tensor) else b
    if isinstance(b, Tensor) and not type(a)._eng.is_bool(db.dtype):
        db = db != 0
    return constant(type(a), xp.logical_and(da, db) if op == "and" else xp.logical_or(da, db))


_BITWISE = {"and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor",
            "left_shift": "bitwise_left_shift", "right_shift": "bitwise_right_shift"}
_KINDS = {"b": "Bool", "i": "Long", "f": "Float"}  # a Python number's, in PyTorch's words


def _bitwise(a: Any, b: Any, op: str) -> Tensor:
    """PyTorch's bitwise ops: on integers bit by bit, on bools logically (shifts promote bools
    to integers), refused on floats; not differentiable (the result is outside the graph)."""
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    T = type(a) if ta else type(b)
    eng = T._eng
    for x, is_tensor in ((a, ta), (b, tb)):
        kind = eng.kind(x._data.dtype) if is_tensor else (
            "b" if isinstance(x, bool) else "i" if isinstance(x, int) else "f")
        if kind not in "biu":
            name = eng.scalar_type_name(x._data.dtype) if is_tensor else _KINDS[kind]
            raise NotImplementedError(f'"{_BITWISE[op]}_cpu" not implemented for \'{name}\': '
                                      "bitwise ops take integer or bool tensors")
    da, db = eng.promote(a._data if ta else a, b._data if tb else b, ta, tb)
    xp = T._xp
    if op in ("left_shift", "right_shift"):  # bools shift as integers
        da, db = (xp.astype(d, eng.int64) if hasattr(d, "dtype") and eng.is_bool(d.dtype)
                  else int(d) if isinstance(d, bool) else d for d in (da, db))
    if not hasattr(da, "dtype") or not hasattr(db, "dtype"):  # a Python number: the tensor's dtype
        arr = da if hasattr(da, "dtype") else db
        scalar = xp.asarray(db if arr is da else da, dtype=arr.dtype)
        da, db = (arr, scalar) if arr is da else (scalar, arr)
    return constant(T, getattr(xp, _BITWISE[op])(da, db))


def bitwise_and(a: Any, b: Any) -> Tensor:
    return _bitwise(a, b, "and")


def bitwise_or(a: Any, b: Any) -> Tensor:
    return _bitwise(a, b, "or")


def bitwise_xor(a: Any, b: Any) -> Tensor:
    return _bitwise(a, b, "xor")


def bitwise_left_shift(a: Any, b: Any) -> Tensor:
    return _bitwise(a, b, "left_shift")


def bitwise_right_shift(a: Any, b: Any) -> Tensor:
    return _bitwise(a, b, "right_shift")


def bitwise_not(a: Tensor) -> Tensor:
    eng = type(a)._eng
    kind = eng.kind(a._data.dtype)
    if kind not in "biu":
        raise NotImplementedError(f'"bitwise_not_cpu" not implemented for \'{_KINDS.get(kind, kind)}\': '
                                  "~ takes integer or bool tensors")
    xp = type(a)._xp
    d = a._data
    return constant(type(a), xp.logical_not(d) if kind == "b" else xp.bitwise_invert(d))


def logical_and(a: Tensor, b: Any) -> Tensor:
    return _logical(a, b, "and")


def logical_or(a: Tensor, b: Any) -> Tensor:
    return _logical(a, b, "or")


def logical_not(a: Tensor) -> Tensor:
    xp = type(a)._xp
    d = a._data if type(a)._eng.is_bool(a._data.dtype) else a._data != 0
    return constant(type(a), xp.logical_not(d))


def isnan(a: Tensor) -> Tensor:
    return constant(type(a), type(a)._xp.isnan(a._data))


def isinf(a: Tensor) -> Tensor:
    return constant(type(a), type(a)._xp.isinf(a._data))


def isfinite(a: Tensor) -> Tensor:
    return constant(type(a), type(a)._xp.isfinite(a._data))


def _truth(a: Tensor, found: Any) -> Tensor:
    """The result of ``any``/``all``: bool, but uint8 for a uint8 input (PyTorch's rule)."""
    eng = type(a)._eng
    if a._data.dtype == eng.uint8:
        found = eng.xp.astype(found, eng.uint8)
    return constant(type(a), found)


def any(a: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: Any = None) -> Tensor:
    if axis is not None or keepdims is not None:
        dim, keepdim = _aliases("any", dim, axis, keepdim, keepdims)
    return _truth(a, type(a)._xp.any(a._data, axis=dim, keepdims=keepdim))


def all(a: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: Any = None) -> Tensor:
    if axis is not None or keepdims is not None:
        dim, keepdim = _aliases("all", dim, axis, keepdim, keepdims)
    return _truth(a, type(a)._xp.all(a._data, axis=dim, keepdims=keepdim))


clip = clamp


# ------------------------------------------------------------------ the graph namespace
class _GraphF:
    """Same members as `.rawf.RawF`, differentiable, on tensors."""

    exp = staticmethod(exp)
    log = staticmethod(log)
    sign = staticmethod(sign)
    sin = staticmethod(sin)
    cos = staticmethod(cos)
    threshold_grad = staticmethod(threshold_grad)
    copy_slices = staticmethod(copy_slices)
    region = staticmethod(region)
    slice_scatter = staticmethod(slice_scatter)
    index_scatter = staticmethod(index_scatter)
    index_gather = staticmethod(index_gather)
    sum_to = staticmethod(sum_to)

    @staticmethod
    def zeros_like(x: Tensor) -> Tensor:
        return constant(type(x), type(x)._xp.zeros_like(x._data))

    @staticmethod
    def ones_like(x: Tensor) -> Tensor:
        return constant(type(x), type(x)._xp.ones_like(x._data))

    @staticmethod
    def where(cond: Any, a: Any, b: Any) -> Tensor:
        return where(cond, a, b)

    @staticmethod
    def broadcast_to(x: Tensor, shape: tuple) -> Tensor:
        return x if tuple(x.shape) == tuple(shape) else expand(x, tuple(shape))

    @staticmethod
    def reshape(x: Tensor, shape: tuple) -> Tensor:
        return reshape(x, tuple(shape))

    @staticmethod
    def sum(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
        return sum(x, dim=axis, keepdim=keepdims)

    @staticmethod
    def astype(x: Tensor, dtype: Any) -> Tensor:
        return to(x, dtype)

    @staticmethod
    def expand_dims(x: Tensor, axis: int) -> Tensor:
        return unsqueeze(x, axis)

    @staticmethod
    def onehot(like: Tensor, indices: Any, shape: tuple, axis: int) -> Tensor:
        T = type(like)
        if isinstance(indices, Tensor):  # a saved integer input: its values
            indices = indices._data
        return constant(T, T._eng.raw_F.onehot(like._data, indices, shape, axis))

    @staticmethod
    def log_softmax(x: Tensor, axis: int) -> Tensor:
        return log_softmax(x, axis)

    @staticmethod
    def getitem(x: Tensor, key: tuple) -> Tensor:
        return getitem(x, key)

    @staticmethod
    def permute_dims(x: Tensor, axes: tuple) -> Tensor:
        return permute(x, *axes)

    @staticmethod
    def matrix_transpose(x: Tensor) -> Tensor:
        return transpose(x, -2, -1)

    @staticmethod
    def clamp_min(x: Tensor, lo: float) -> Tensor:
        return clamp(x, min=lo)

    # -- ops (issue 12) ------------------------------------------------------------------------
    @staticmethod
    def apply(cls: type, *args: Any, **params: Any) -> Tensor:
        T = next(type(a) for a in args if isinstance(a, Tensor))
        return _apply(cls, args, T, **params)

    # -- nnlib: convolution and pooling windows, constants, activations, padding, embedding --
    im2col = staticmethod(_windows.im2col)
    col2im = staticmethod(_windows.col2im)
    rows_scatter = staticmethod(_sparse.rows_scatter)
    rows_gather = staticmethod(_sparse.rows_gather)
    tie = staticmethod(_tie.tie)
    sigmoid = staticmethod(sigmoid)

    @staticmethod
    def constant(like: Tensor, value: Any) -> Tensor:
        """``value`` (an array computed outside the graph) as a tensor outside the graph."""
        return constant(type(like), value)

    @staticmethod
    def softmax(x: Tensor, axis: int) -> Tensor:
        return softmax(x, axis)

    @staticmethod
    def pad(x: Tensor, widths: tuple) -> Tensor:
        return _padding.constant_pad(x, widths)


GRAPH_F = _GraphF()
