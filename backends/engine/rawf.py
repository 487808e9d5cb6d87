"""The raw backward namespace: the functions backward formulas call, on plain arrays.

Backward formulas are written once, against ``F`` and Python operators.  Without
``create_graph`` the engine passes this namespace and raw arrays (no graph, no tensor objects);
with it, `.functional`'s ``GRAPH_F`` and tensors, whose members have the same names and
meanings.  A test checks that the two namespaces offer exactly the same functions.
"""

from __future__ import annotations

from typing import Any

from .ops import indexing, views
from .ops import padding, sparse, windows  # nnlib
from .ops.loss import clamp_min_raw, onehot_raw
from .ops.reduce import sum_to_raw
from .ops.softmax import log_softmax_raw
from .ops.unary import relu_grad_raw, sign_raw

NAMES = (
    "zeros_like", "ones_like", "where", "exp", "log", "sign", "sin", "cos", "threshold_grad",
    "broadcast_to", "reshape", "sum", "astype", "expand_dims", "onehot", "copy_slices", "region",
    "slice_scatter", "index_scatter", "index_gather", "getitem", "permute_dims", "sum_to",
    "matrix_transpose", "clamp_min", "log_softmax",
    # ops (issue 12): any node class, for formulas that need an op the list above lacks
    "apply",
    # nnlib: convolution and pooling windows, constants, activations, padding, embedding
    "im2col", "col2im", "constant", "sigmoid", "softmax", "pad", "rows_scatter", "rows_gather",
    "tie",
)


class RawF:
    def __init__(self, eng: Any) -> None:
        xp = self.xp = eng.xp
        self.eng = eng
        self.zeros_like = xp.zeros_like
        self.ones_like = xp.ones_like
        self.where = xp.where
        self.exp = xp.exp
        self.log = xp.log
        self.sin = xp.sin
        self.cos = xp.cos
        self.broadcast_to = xp.broadcast_to
        self.reshape = xp.reshape
        self.permute_dims = xp.permute_dims
        self.matrix_transpose = xp.matrix_transpose

    def sign(self, a: Any) -> Any:
        return sign_raw(self.xp, a)

    def threshold_grad(self, g: Any, x: Any) -> Any:
        return relu_grad_raw(self.eng, g, x)

    def sum(self, x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return self.xp.sum(x, axis=axis, keepdims=keepdims)

    def astype(self, x: Any, dtype: Any) -> Any:
        return x if x.dtype == dtype else self.xp.astype(x, dtype)

    def expand_dims(self, x: Any, axis: int) -> Any:
        return self.xp.expand_dims(x, axis=axis)

    def onehot(self, like: Any, indices: Any, shape: tuple, axis: int) -> Any:
        """1 where ``indices`` (kept dims) point along ``axis``, in ``like``'s dtype."""
        return onehot_raw(self.xp, like, indices, shape, axis)

    def copy_slices(self, g: Any, steps: tuple, key: Any, value: Any) -> Any:
        out = self.eng.copy(g)
        views.write_region(self.eng, out, steps, key, value)
        return out

    def region(self, g: Any, steps: tuple, key: Any) -> Any:
        return views.region_raw(self.eng, g, steps, key)

    def slice_scatter(self, g: Any, key: tuple, shape: tuple) -> Any:
        out = self.xp.zeros(shape, dtype=g.dtype)
        indexing.set_basic(self.xp, out, key, g)
        return out

    def index_scatter(self, g: Any, index: Any) -> Any:
        return indexing.scatter_add(self.eng, g, index, g.dtype)

    def index_gather(self, g: Any, index: Any) -> Any:
        return indexing.gather(self.eng, g, index)

    def getitem(self, x: Any, key: tuple) -> Any:
        return x[key]

    def sum_to(self, x: Any, shape: tuple) -> Any:
        return x if tuple(x.shape) == tuple(shape) else sum_to_raw(self.xp, x, shape)

    def clamp_min(self, x: Any, lo: float) -> Any:
        return clamp_min_raw(self.xp, x, lo)

    def log_softmax(self, x: Any, axis: int) -> Any:
        return log_softmax_raw(self.xp, x, axis)

    # -- ops (issue 12) ------------------------------------------------------------------------
    def apply(self, cls: type, *args: Any, **params: Any) -> Any:
        """Node class ``cls``'s forward on raw arrays (no graph): a backward formula may use
        any op of the registry this way, and gets the recorded op under create_graph."""
        return cls.__new__(cls).forward(self.xp, *args, **params)

    # -- nnlib: convolution and pooling windows, constants, activations, padding, embedding --
    def im2col(self, x: Any, win: Any) -> Any:
        return windows.unfold_raw(self.xp, x, win)

    def col2im(self, cols: Any, win: Any) -> Any:
        return windows.fold_raw(self.xp, cols, win)

    def constant(self, like: Any, value: Any) -> Any:
        """``value`` (an array computed outside the graph) as an operand of ``like``'s kind."""
        return value

    def sigmoid(self, x: Any) -> Any:
        return 1 / (self.xp.exp(-x) + 1)  # PyTorch's form: exact for x < 0 too (backward runs quiet)

    def softmax(self, x: Any, axis: int) -> Any:
        e = self.xp.exp(x - self.xp.max(x, axis=axis, keepdims=True))
        return e / self.xp.sum(e, axis=axis, keepdims=True)

    def pad(self, x: Any, widths: tuple) -> Any:
        """Zero padding, ``widths[d] = (before, after)`` per dim (negative: crop)."""
        return padding.constant_pad_raw(self.xp, x, widths)

    def rows_scatter(self, g: Any, flat: Any, rows: int, scale: Any) -> Any:
        return sparse.rows_scatter_raw(self.eng, g, flat, rows, scale)

    def rows_gather(self, g: Any, flat: Any, shape: tuple, scale: Any) -> Any:
        return sparse.rows_gather_raw(self.xp, g, flat, shape, scale)

    def tie(self, value: Any, label: str, a: Any, b: Any = None, c: Any = None) -> Any:
        """Without create_graph there is no graph to tie into: ``value`` itself."""
        return value
