"""The tensor: a numpy array plus autograd state, with PyTorch's method names.

What tiny leaves out, on purpose (the capabilities it does not declare): gradients of
gradients (``create_graph``), tensor hooks, and in-place ops on tensors that are part of a
graph (there are no version counters to make them safe).  In-place ops on tensors outside any
graph (a gradient's ``zero_()``, an update under ``no_grad``) work.
"""

from __future__ import annotations

import warnings
import weakref
from collections import namedtuple
from typing import Any, Callable

import numpy as np

from gradspec import errors

from . import ops
from .graph import GRAD_MODE, AccumulateGrad, Node

MinMax = namedtuple("MinMax", ["values", "indices"])


def as_array(value: Any) -> Any:
    """An op operand: a tensor's array; Python numbers stay numbers so they keep the tensor's
    dtype (numpy's weak scalars, as in PyTorch)."""
    return value.data if isinstance(value, Tensor) else value


# --8<-- [start:apply]
def apply(node_type: type[Node], *inputs: Any, **options: Any) -> Tensor:
    """Run one op; record a node when grad mode is on and a floating input requires grad."""
    node = node_type()
    out = np.asarray(node.forward(*(as_array(x) for x in inputs), **options))
    tracked = [isinstance(x, Tensor) and x.requires_grad for x in inputs]
    if not (GRAD_MODE.enabled and any(tracked) and out.dtype.kind == "f"):
        return Tensor(out)
    node.next_functions = tuple((x._edge(), 0) if t else (None, 0) for x, t in zip(inputs, tracked))
    node.inputs = tuple((x.shape, x.dtype) if t else None for x, t in zip(inputs, tracked))
    result = Tensor(out)
    result._requires_grad, result._grad_fn = True, node
    return result
# --8<-- [end:apply]


class Tensor:
    """A tiny tensor (always on the CPU)."""

    __array_priority__ = 1000  # `ndarray * tensor` defers to Tensor.__rmul__

    def __init__(self, data: np.ndarray) -> None:
        self.data = data
        self._requires_grad = False
        self._grad_fn: Node | None = None
        self._grad: Tensor | None = None
        self._retains_grad = False
        self._accumulator: weakref.ref[AccumulateGrad] | None = None
        self._version = 0  # counts in-place writes (tiny checks no saved values against it)

    # ------------------------------------------------------------------ autograd state
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if not self.is_leaf:
            raise errors.NonLeafRequiresGradError(
                "only leaves can change requires_grad; use detach() to get an untracked copy")
        if requires_grad and self.dtype.kind != "f":
            raise errors.RequiresGradDtypeError(
                f"only floating point tensors can require grad, this one is {self.dtype}")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def grad_fn(self) -> Node | None:
        return self._grad_fn

    @property
    def grad(self) -> Tensor | None:
        if not self.is_leaf and not self._retains_grad:
            warnings.warn("reading .grad of a non-leaf tensor: it is None unless you call "
                          "retain_grad() before backward", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None and tuple(value.shape) != self.shape:
            raise errors.GradientShapeError(
                f"cannot assign a gradient of shape {tuple(value.shape)} to a tensor of shape "
                f"{self.shape}")
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        if not self.requires_grad:
            raise errors.NoGradPathError("retain_grad() on a tensor that does not require grad")
        if self.is_leaf:
            return  # leaves keep their gradient anyway
        self._retains_grad = True
        self._grad_fn.retained = weakref.ref(self)

    def register_hook(self, hook: Callable[[Any], Any]) -> Any:
        raise NotImplementedError(
            "the tiny backend has no tensor hooks (it does not declare the 'hooks' capability); "
            "use gradspec's numpy backend for hooks")

    def _edge(self) -> Node:
        """Where this tensor's gradient goes: its grad_fn, or the leaf's (shared) accumulator."""
        if self._grad_fn is not None:
            return self._grad_fn
        acc = self._accumulator() if self._accumulator is not None else None
        if acc is None:
            acc = AccumulateGrad(self)
            self._accumulator = weakref.ref(acc)
        return acc

    def _accumulate(self, grad: np.ndarray) -> None:
        grad = np.asarray(grad, dtype=self.dtype)
        if self._grad is None:
            self._grad = Tensor(np.array(grad))
        else:
            self._grad.data += grad  # in place: the tensor the user holds sees it

    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        from .autograd import backward

        backward([self], None if gradient is None else [gradient], retain_graph, create_graph,
                 inputs)

    def detach(self) -> Tensor:
        return Tensor(self.data)  # shares memory, as in PyTorch

    def detach_(self) -> Tensor:
        self._grad_fn, self._requires_grad, self._retains_grad = None, False, False
        return self

    # ------------------------------------------------------------- metadata, conversions
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def T(self) -> Tensor:
        return self.permute(*reversed(range(self.dim())))

    def size(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return self.data.ndim

    def numel(self) -> int:
        return int(self.data.size)

    def item(self) -> float | int | bool:
        if self.data.size != 1:
            raise RuntimeError(f"item() needs a tensor with one element, this one has "
                               f"{self.data.size}")
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise errors.DetachRequiredError(
                "numpy() on a tensor that requires grad; use tensor.detach().numpy()")
        return self.data

    def __len__(self) -> int:
        return len(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __bool__(self) -> bool:
        return bool(self.item())

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = f", grad_fn=<{self._grad_fn.name()}>" if self._grad_fn is not None else (
            ", requires_grad=True" if self.requires_grad else "")
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ out-of-place ops
    def __add__(self, other): return apply(ops.Add, self, other)
    def __radd__(self, other): return apply(ops.Add, other, self)
    def __sub__(self, other): return apply(ops.Sub, self, other)
    def __rsub__(self, other): return apply(ops.Sub, other, self)
    def __mul__(self, other): return apply(ops.Mul, self, other)
    def __rmul__(self, other): return apply(ops.Mul, other, self)
    def __truediv__(self, other): return apply(ops.Div, self, other)
    def __rtruediv__(self, other): return apply(ops.Div, other, self)
    def __pow__(self, other): return apply(ops.Pow, self, other)
    def __rpow__(self, other): return apply(ops.Pow, other, self)
    def __neg__(self): return apply(ops.Neg, self)
    def __abs__(self): return self.abs()
    def __matmul__(self, other): return matmul(self, other)

    def __getitem__(self, key: Any) -> Tensor:
        return apply(ops.Index, self, key=_index_key(key))

    def add(self, other): return self + other
    def sub(self, other): return self - other
    def mul(self, other): return self * other
    def div(self, other): return self / other
    def neg(self): return -self
    def pow(self, exponent): return self ** exponent
    def exp(self): return apply(ops.Exp, self)
    def log(self): return apply(ops.Log, self)
    def sqrt(self): return apply(ops.Sqrt, self)
    def abs(self): return apply(ops.Abs, self)
    def sin(self): return apply(ops.Sin, self)
    def cos(self): return apply(ops.Cos, self)
    def sigmoid(self): return apply(ops.Sigmoid, self)
    def tanh(self): return apply(ops.Tanh, self)
    def relu(self): return apply(ops.Relu, self)

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        return apply(ops.Clamp, self, min=min, max=max)

    def softmax(self, dim: int) -> Tensor:
        return apply(ops.Softmax, self, dim=dim)

    def log_softmax(self, dim: int) -> Tensor:
        return apply(ops.LogSoftmax, self, dim=dim)

    def maximum(self, other): return apply(ops.Maximum, self, other)
    def minimum(self, other): return apply(ops.Minimum, self, other)

    def max(self, dim: int | None = None, keepdim: bool = False) -> Any:
        return self._extreme(ops.Max, ops.MaxDim, dim, keepdim)

    def min(self, dim: int | None = None, keepdim: bool = False) -> Any:
        return self._extreme(ops.Min, ops.MinDim, dim, keepdim)

    def _extreme(self, full: type[Node], along: type[Node], dim: Any, keepdim: bool) -> Any:
        if dim is None:
            return apply(full, self)
        index = along.locate(self.data, axis=dim)
        indices = Tensor(np.expand_dims(index, dim) if keepdim else index)
        return MinMax(apply(along, self, dim=dim, keepdim=keepdim), indices)

    def sum(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return apply(ops.Sum, self, dim=dim, keepdim=keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return apply(ops.Mean, self, dim=dim, keepdim=keepdim)

    def mm(self, other): return matmul(self, other)
    def matmul(self, other): return matmul(self, other)

    def view(self, *shape: Any) -> Tensor:
        return apply(ops.View, self, shape=_shape(shape))

    reshape = view

    def flatten(self) -> Tensor:
        return self.view(-1)

    def squeeze(self, dim: int | None = None) -> Tensor:
        if dim is None:
            shape = tuple(n for n in self.shape if n != 1)
        else:
            shape = self.shape[:dim % self.dim()] + self.shape[dim % self.dim() + 1:] \
                if self.shape[dim] == 1 else self.shape
        return apply(ops.Squeeze, self, shape=shape)

    def unsqueeze(self, dim: int) -> Tensor:
        return apply(ops.Unsqueeze, self, shape=np.expand_dims(self.data, dim).shape)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return apply(ops.Transpose, self, dims=(dim0, dim1))

    def t(self) -> Tensor:
        return self if self.dim() < 2 else self.transpose(0, 1)

    def permute(self, *dims: Any) -> Tensor:
        # a permutation is a product of transpositions: keeps the op set small
        order, out = list(range(self.dim())), self
        for i, d in enumerate(_shape(dims)):
            j = order.index(d % self.dim())
            if j != i:
                out = out.transpose(i, j)
                order[i], order[j] = order[j], order[i]
        return out

    def expand(self, *shape: Any) -> Tensor:
        shape = _shape(shape)
        full = tuple(n if n != -1 else self.shape[i - len(shape) + self.dim()]
                     for i, n in enumerate(shape))
        return apply(ops.Expand, self, shape=full)

    def to(self, dtype: Any) -> Tensor:
        return self if np.dtype(dtype) == self.dtype else apply(ops.To, self, dtype=np.dtype(dtype))

    def float(self) -> Tensor: return self.to(np.float32)
    def double(self) -> Tensor: return self.to(np.float64)
    def long(self) -> Tensor: return self.to(np.int64)
    def clone(self) -> Tensor: return apply(ops.Clone, self)

    # comparisons: no gradient, so no node
    def ge(self, other): return Tensor(np.greater_equal(self.data, as_array(other)))
    def gt(self, other): return Tensor(np.greater(self.data, as_array(other)))
    def le(self, other): return Tensor(np.less_equal(self.data, as_array(other)))
    def lt(self, other): return Tensor(np.less(self.data, as_array(other)))
    def eq(self, other): return Tensor(np.equal(self.data, as_array(other)))
    def ne(self, other): return Tensor(np.not_equal(self.data, as_array(other)))
    __ge__, __gt__, __le__, __lt__, __eq__, __ne__ = ge, gt, le, lt, eq, ne

    # ------------------------------------------------------------------ in-place ops
    def _write(self, update: Callable[[np.ndarray], None], others: tuple[Any, ...] = ()) -> Tensor:
        if GRAD_MODE.enabled:
            if self.requires_grad and self.is_leaf:
                raise errors.LeafInPlaceError(
                    "in-place op on a leaf that requires grad; do it under no_grad() or on "
                    "tensor.detach()")
            if self.requires_grad or any(isinstance(o, Tensor) and o.requires_grad
                                         for o in others):
                raise RuntimeError(
                    "the tiny backend does not record in-place ops on tensors in a graph (it "
                    "does not declare the 'inplace' capability); use the out-of-place op")
        update(self.data)
        self._version += 1
        return self

    def _update(self, ufunc: Any, other: Any) -> Tensor:
        return self._write(lambda a: ufunc(a, as_array(other), out=a, casting="same_kind"),
                           (other,))

    def add_(self, other): return self._update(np.add, other)
    def sub_(self, other): return self._update(np.subtract, other)
    def mul_(self, other): return self._update(np.multiply, other)
    def div_(self, other): return self._update(np.divide, other)
    def zero_(self): return self._write(lambda a: a.fill(0))
    def fill_(self, value): return self._write(lambda a: a.fill(as_array(value)))
    def copy_(self, src): return self._write(lambda a: np.copyto(a, as_array(src), casting="same_kind"), (src,))

    __iadd__, __isub__, __imul__, __itruediv__ = add_, sub_, mul_, div_

    def __setitem__(self, key: Any, value: Any) -> None:
        def put(a: np.ndarray) -> None:
            a[_index_key(key)] = as_array(value)

        self._write(put, (value,))


def matmul(a: Tensor, b: Tensor) -> Tensor:
    return apply(ops.Mm if a.dim() == 2 and b.dim() == 2 else ops.Matmul, a, b)


def _shape(args: tuple[Any, ...]) -> tuple[int, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` both mean the shape (2, 3)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _index_key(key: Any) -> Any:
    if isinstance(key, tuple):
        return tuple(as_array(k) for k in key)
    return as_array(key)
