"""One node class per op: the numpy forward and its gradient side by side.

Arrays the gradient needs go through ``save`` (freed after backward unless ``retain_graph``);
shapes and options are plain attributes, so graphs that save no array can be walked again, as
in PyTorch.

``backward`` receives the gradient of the op's output and returns one gradient per input (None
where there is none); the walk sums them back to each input's shape and dtype (graph.sum_to), so
no op undoes broadcasting itself.  Gradients are plain numpy arrays: without ``create_graph``
they never need to be differentiated again.  Class names are PyTorch's node names without
``Backward0``: they are what ``grad_fn.name()`` shows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .graph import Node


def _unreduce(grad: np.ndarray, shape: tuple[int, ...], dim: Any, keepdim: bool) -> np.ndarray:
    """Give a reduction's gradient back the reduced dimensions, ready to broadcast."""
    if dim is not None and not keepdim:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        grad = np.expand_dims(grad, tuple(d % len(shape) for d in dims))
    return np.broadcast_to(grad, shape)


# ----------------------------------------------------------------------------------- arithmetic
class Add(Node):
    def forward(self, a, b):
        return np.add(a, b)

    def backward(self, g):
        return g, g


class Sub(Node):
    def forward(self, a, b):
        return np.subtract(a, b)

    def backward(self, g):
        return g, -g


# --8<-- [start:mul]
class Mul(Node):
    def forward(self, a, b):
        self.save(a, b)
        return np.multiply(a, b)

    def backward(self, g):
        a, b = self.saved
        return g * b, g * a
# --8<-- [end:mul]


class Div(Node):
    def forward(self, a, b):
        self.save(a, b)
        return np.divide(a, b)

    def backward(self, g):
        a, b = self.saved
        return g / b, -g * a / (b * b)


class Neg(Node):
    def forward(self, a):
        return np.negative(a)

    def backward(self, g):
        return (-g,)


class Pow(Node):
    def forward(self, a, b):
        out = np.power(a, b)
        self.save(a, b, out)
        return out

    def backward(self, g):
        a, b, out = self.saved
        with np.errstate(divide="ignore", invalid="ignore"):
            # x**0 is constant: its derivative is 0 even where x**-1 is not finite
            ga = np.where(np.equal(b, 0), 0.0, g * b * np.power(a, np.subtract(b, 1)))
            # d(a**b)/db = a**b * log(a), taken as 0 at a == 0 (PyTorch's convention)
            gb = np.where((np.equal(a, 0)) & (np.greater_equal(b, 0)), 0.0, g * out * np.log(a))
        return ga, gb


# ----------------------------------------------------------------------------- elementwise math
class Exp(Node):
    def forward(self, a):
        out = np.exp(a)
        self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g * out,)


class Log(Node):
    def forward(self, a):
        self.save(a)
        return np.log(a)

    def backward(self, g):
        (a,) = self.saved
        return (g / a,)


class Sqrt(Node):
    def forward(self, a):
        out = np.sqrt(a)
        self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g / (2 * out),)


class Sin(Node):
    def forward(self, a):
        self.save(a)
        return np.sin(a)

    def backward(self, g):
        (a,) = self.saved
        return (g * np.cos(a),)


class Cos(Node):
    def forward(self, a):
        self.save(a)
        return np.cos(a)

    def backward(self, g):
        (a,) = self.saved
        return (-g * np.sin(a),)


class Sigmoid(Node):
    def forward(self, a):
        out = 1 / (1 + np.exp(-a))
        self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g * out * (1 - out),)


class Tanh(Node):
    def forward(self, a):
        out = np.tanh(a)
        self.save(out)
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g * (1 - out * out),)


# ------------------------------------------------------------ kinks: PyTorch's choice at each
class Abs(Node):
    def forward(self, a):
        self.save(a)
        return np.abs(a)

    def backward(self, g):
        (a,) = self.saved
        return (g * np.sign(a),)  # sign(0) = 0: abs'(0) = 0


class Relu(Node):
    def forward(self, a):
        self.save(a)
        return np.maximum(a, 0).astype(np.result_type(a), copy=False)

    def backward(self, g):
        (a,) = self.saved
        return (g * (a > 0),)  # relu'(0) = 0


class Clamp(Node):
    def forward(self, a, *, min=None, max=None):
        self.save(a, min, max)
        return np.clip(a, min, max).astype(np.result_type(a), copy=False)

    def backward(self, g):
        a, low, high = self.saved
        inside = np.ones(np.shape(a), dtype=bool)  # a bound itself passes the gradient
        if low is not None:
            inside &= a >= low
        if high is not None:
            inside &= a <= high
        return (g * inside,)


class Maximum(Node):
    def forward(self, a, b):
        self.save(a, b)
        return np.maximum(a, b)

    def backward(self, g):
        a, b = self.saved
        tie = 0.5 * np.equal(a, b)  # a tie splits the gradient evenly
        return g * (np.greater(a, b) + tie), g * (np.less(a, b) + tie)


class Minimum(Node):
    def forward(self, a, b):
        self.save(a, b)
        return np.minimum(a, b)

    def backward(self, g):
        a, b = self.saved
        tie = 0.5 * np.equal(a, b)
        return g * (np.less(a, b) + tie), g * (np.greater(a, b) + tie)


# --8<-- [start:max]
class Max(Node):
    """Full reduction: ties share the gradient evenly."""

    pick = staticmethod(np.max)

    def forward(self, a):
        out = self.pick(a)
        self.save(a, out)
        return np.asarray(out)

    def backward(self, g):
        a, out = self.saved
        hits = a == out
        return (g * hits / hits.sum(),)


class Min(Max):
    pick = staticmethod(np.min)
# --8<-- [end:max]


class MaxDim(Node):
    """Reduction along ``dim``: the gradient goes to the index returned (the first maximum)."""

    locate = staticmethod(np.argmax)

    def forward(self, a, *, dim, keepdim=False):
        index = np.expand_dims(self.locate(a, axis=dim), dim)
        self.save(index)
        self.shape, self.dim, self.keepdim = a.shape, dim, keepdim
        values = np.take_along_axis(a, index, dim)
        return values if keepdim else np.squeeze(values, dim)

    def backward(self, g):
        (index,) = self.saved
        out = np.zeros(self.shape, dtype=g.dtype)
        np.put_along_axis(out, index, g if self.keepdim else np.expand_dims(g, self.dim), self.dim)
        return (out,)


class MinDim(MaxDim):
    locate = staticmethod(np.argmin)


# -------------------------------------------------------------------------------- reductions
class Sum(Node):
    def forward(self, a, *, dim=None, keepdim=False):
        self.shape, self.dim, self.keepdim = a.shape, dim, keepdim
        return np.asarray(np.sum(a, axis=_axis(dim), keepdims=keepdim))

    def backward(self, g):
        return (_unreduce(g, self.shape, self.dim, self.keepdim),)


class Mean(Node):
    def forward(self, a, *, dim=None, keepdim=False):
        self.shape, self.dim, self.keepdim = a.shape, dim, keepdim
        return np.asarray(np.mean(a, axis=_axis(dim), keepdims=keepdim))

    def backward(self, g):
        shape, dim, keepdim = self.shape, self.dim, self.keepdim
        dims = range(len(shape)) if dim is None else (dim,) if isinstance(dim, int) else dim
        count = int(np.prod([shape[d] for d in dims]))
        spread = _unreduce(g, shape, dim, keepdim)
        return (spread / count if count else spread,)


def _axis(dim: Any) -> Any:
    return tuple(dim) if isinstance(dim, (list, tuple)) else dim


# -------------------------------------------------------------------------------- matrices
class Matmul(Node):
    def forward(self, a, b):
        self.save(a, b)
        return np.matmul(a, b)

    def backward(self, g):
        a, b = self.saved
        # Treat vectors as a row (left) or a column (right), then drop that axis again.
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g[..., None] if b.ndim == 1 else g
        g2 = g2[..., None, :] if a.ndim == 1 else g2
        ga = g2 @ np.swapaxes(b2, -1, -2)
        gb = np.swapaxes(a2, -1, -2) @ g2
        if a.ndim == 1:
            ga = ga[..., 0, :]
        if b.ndim == 1:
            gb = gb[..., :, 0]
        return ga, gb


class Mm(Matmul):
    """Matmul of two matrices: PyTorch names this node ``MmBackward0``."""


# ------------------------------------------------------------------------ shapes and joins
class View(Node):
    """Any reshape (view, reshape, squeeze, unsqueeze): the gradient takes the input's shape."""

    def forward(self, a, *, shape):
        self.shape = a.shape
        return np.reshape(a, shape)

    def backward(self, g):
        return (np.reshape(g, self.shape),)


class Squeeze(View):
    pass


class Unsqueeze(View):
    pass


class Transpose(Node):
    def forward(self, a, *, dims):
        self.dims = dims
        return np.swapaxes(a, *dims)

    def backward(self, g):
        return (np.swapaxes(g, *self.dims),)


class Expand(Node):
    def forward(self, a, *, shape):
        return np.broadcast_to(a, shape).copy()

    def backward(self, g):
        return (g,)  # the walk sums it back to the input's shape


class Cat(Node):
    def forward(self, *arrays, dim=0):
        self.sizes, self.dim = [a.shape[dim] for a in arrays], dim
        return np.concatenate(arrays, axis=dim)

    def backward(self, g):
        return tuple(np.split(g, np.cumsum(self.sizes)[:-1], axis=self.dim))


class Stack(Node):
    def forward(self, *arrays, dim=0):
        self.count, self.dim = len(arrays), dim
        return np.stack(arrays, axis=dim)

    def backward(self, g):
        return tuple(np.take(g, i, axis=self.dim) for i in range(self.count))


class Index(Node):
    """``t[key]``, basic or advanced: repeated indices accumulate their gradients."""

    def forward(self, a, *, key):
        self.shape, self.key = a.shape, key
        return np.array(a[key])

    def backward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        np.add.at(out, self.key, g)
        return (out,)


class Where(Node):
    def forward(self, a, b, *, condition):
        self.save(condition)
        return np.where(condition, a, b)

    def backward(self, g):
        (condition,) = self.saved
        # multiplying by the mask (not selecting) keeps PyTorch's NaN trap: 0 * inf = nan
        return g * condition, g * ~condition


class Softmax(Node):
    def forward(self, a, *, dim):
        e = np.exp(a - a.max(axis=dim, keepdims=True))
        out = e / e.sum(axis=dim, keepdims=True)
        self.save(out)
        self.dim = dim
        return out

    def backward(self, g):
        (out,) = self.saved
        return (out * (g - (g * out).sum(axis=self.dim, keepdims=True)),)


class LogSoftmax(Node):
    def forward(self, a, *, dim):
        shifted = a - a.max(axis=dim, keepdims=True)
        out = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        self.save(out)
        self.dim = dim
        return out

    def backward(self, g):
        (out,) = self.saved
        return (g - np.exp(out) * g.sum(axis=self.dim, keepdims=True),)


class To(Node):
    def forward(self, a, *, dtype):
        return a.astype(dtype)

    def backward(self, g):
        return (g,)  # the walk casts it back to the input's dtype


class Clone(Node):
    def forward(self, a):
        return np.array(a)

    def backward(self, g):
        return (g,)
