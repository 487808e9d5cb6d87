"""Paddle's tensors and grad nodes under PyTorch's names.

Paddle's dynamic graph is close to PyTorch's: most members keep their names (``is_leaf``,
``grad``, ``grad_fn``, ``register_hook``, ``detach_``, ``add_``...).  What differs is translated
here: the inverse flag ``stop_gradient``, ``axis=`` for ``dim=``, ``retain_grads()`` for
``retain_grad()``, ``inplace_version`` for ``_version``, ``subtract_`` for ``sub_``, a node's
``next_functions`` as a list of nodes rather than ``(node, index)`` pairs.  Nothing adds
autograd behaviour Paddle lacks: what it has no API for raises ``ApiAbsent``.
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from typing import Any

import numpy as np
import paddle

from gradspec.protocol import ApiAbsent, absent

MaxMin = namedtuple("MaxMin", ["values", "indices"])


# ----------------------------------------------------------------------------- wrapping
def wrap(native: Any) -> "Tensor":
    """The one `Tensor` for a ``paddle.Tensor`` (the same object each time while it lives)."""
    ref = getattr(native, "_gradspec_tensor", None)
    found = ref() if ref is not None else None
    if found is None:
        found = Tensor(native)
        native._gradspec_tensor = weakref.ref(found)
    return found


def unwrap(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value._t
    if isinstance(value, (list, tuple)):
        return type(value)(unwrap(v) for v in value)
    return value


def result(value: Any) -> Any:
    if isinstance(value, paddle.Tensor):
        return wrap(value)
    if isinstance(value, (tuple, list)):
        return type(value)(result(v) for v in value)
    return value


def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    return result(fn(*unwrap(args), **{k: unwrap(v) for k, v in kwargs.items()}))


def _shape(size: tuple[Any, ...]) -> list[int]:
    return list(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else list(size)


def _operand(value: Any, like: "Tensor") -> Any:
    """Paddle's in-place ops take tensors only: a Python number becomes one of ``like``'s dtype."""
    if isinstance(value, Tensor):
        return value._t
    return paddle.to_tensor(value, dtype=like._t.dtype)


# ----------------------------------------------------------------------------- nodes
_NODES: "weakref.WeakValueDictionary[int, Node]" = weakref.WeakValueDictionary()


class Node:
    """A ``grad_fn``: one of Paddle's grad nodes, with Paddle's own name
    (``MultiplyGradNode``, ``GradNodeAccumulation``), not renamed to PyTorch's."""

    def __init__(self, native: Any) -> None:
        self._n = native

    @staticmethod
    def of(native: Any) -> "Node | None":
        if native is None:
            return None
        key = native.node_ptr()
        node = _NODES.get(key)
        if node is None:
            node = Node(native)
            _NODES[key] = node
        return node

    def name(self) -> str:
        return self._n.name()

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        return tuple((Node.of(n), 0) for n in self._n.next_functions)

    variable = absent("Paddle's accumulation node does not expose its leaf", is_property=True)

    def __repr__(self) -> str:
        return f"<{self.name()}>"


# ----------------------------------------------------------------------------- tensors
class Tensor:
    """A Paddle tensor under PyTorch's names."""

    __slots__ = ("_t", "__weakref__")
    __hash__ = object.__hash__

    def __init__(self, native: Any) -> None:
        self._t = native

    # -- autograd state ------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return not self._t.stop_gradient

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._t.stop_gradient = not value

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        self._t.stop_gradient = not requires_grad
        return self

    @property
    def grad(self) -> "Tensor | None":
        return result(self._t.grad)

    @grad.setter
    def grad(self, value: Any) -> None:
        self._t.grad = unwrap(value)

    @property
    def is_leaf(self) -> bool:
        return self._t.is_leaf

    @property
    def grad_fn(self) -> Node | None:
        return Node.of(self._t.grad_fn)

    def retain_grad(self) -> None:
        self._t.retain_grads()

    retains_grad = absent("Paddle has no query of retain_grads()", is_property=True)

    @property
    def _version(self) -> int:
        return self._t.inplace_version

    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        if create_graph:
            raise ApiAbsent("Paddle's backward has no create_graph (paddle.grad has)")
        if inputs is not None:
            raise ApiAbsent("Paddle's backward has no inputs= argument")
        self._t.backward(unwrap(gradient), retain_graph=bool(retain_graph))

    def detach(self) -> "Tensor":
        return result(self._t.detach())

    def detach_(self) -> "Tensor":
        self._t.detach_()
        return self

    def register_hook(self, hook: Any) -> Any:
        def native_hook(grad: Any) -> Any:
            return unwrap(hook(wrap(grad)))

        return self._t.register_hook(native_hook)

    # -- metadata and conversion ---------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._t.shape)

    @property
    def dtype(self) -> Any:
        return self._t.dtype

    @property
    def device(self) -> str:
        return str(self._t.place)

    @property
    def ndim(self) -> int:
        return self._t.ndim

    def size(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return self._t.ndim

    def numel(self) -> int:
        return int(np.prod(self.shape))

    def item(self) -> Any:
        return self._t.item()

    def numpy(self) -> np.ndarray:
        return self._t.numpy()

    def tolist(self) -> Any:
        return self._t.tolist()

    def __len__(self) -> int:
        return len(self._t)

    def __float__(self) -> float:
        return float(self._t)

    def __int__(self) -> int:
        return int(self._t)

    def __bool__(self) -> bool:
        return bool(self._t)

    def __repr__(self) -> str:
        return repr(self._t)

    # -- operators (Paddle's, same names) -------------------------------------------------
    def __add__(self, o: Any) -> Any: return result(self._t + unwrap(o))
    def __radd__(self, o: Any) -> Any: return result(unwrap(o) + self._t)
    def __sub__(self, o: Any) -> Any: return result(self._t - unwrap(o))
    def __rsub__(self, o: Any) -> Any: return result(unwrap(o) - self._t)
    def __mul__(self, o: Any) -> Any: return result(self._t * unwrap(o))
    def __rmul__(self, o: Any) -> Any: return result(unwrap(o) * self._t)
    def __truediv__(self, o: Any) -> Any: return result(self._t / unwrap(o))
    def __rtruediv__(self, o: Any) -> Any: return result(unwrap(o) / self._t)
    def __pow__(self, o: Any) -> Any: return result(self._t ** unwrap(o))
    def __rpow__(self, o: Any) -> Any: return result(unwrap(o) ** self._t)
    def __matmul__(self, o: Any) -> Any: return result(self._t @ unwrap(o))
    def __rmatmul__(self, o: Any) -> Any: return result(unwrap(o) @ self._t)
    def __neg__(self) -> Any: return result(-self._t)
    def __abs__(self) -> Any: return result(abs(self._t))
    def __ge__(self, o: Any) -> Any: return result(self._t >= unwrap(o))
    def __gt__(self, o: Any) -> Any: return result(self._t > unwrap(o))
    def __le__(self, o: Any) -> Any: return result(self._t <= unwrap(o))
    def __lt__(self, o: Any) -> Any: return result(self._t < unwrap(o))
    def __eq__(self, o: Any) -> Any: return result(self._t == unwrap(o))  # type: ignore[override]
    def __ne__(self, o: Any) -> Any: return result(self._t != unwrap(o))  # type: ignore[override]

    def __getitem__(self, key: Any) -> Any:
        return result(self._t[unwrap(key)])

    # -- augmented assignment: whatever `t op= x` does in the library (in place, or a new
    # tensor bound to the name), the adapter does too
    def __iadd__(self, o: Any) -> Any:
        t = self._t
        t += unwrap(o)
        return self if t is self._t else result(t)

    def __isub__(self, o: Any) -> Any:
        t = self._t
        t -= unwrap(o)
        return self if t is self._t else result(t)

    def __imul__(self, o: Any) -> Any:
        t = self._t
        t *= unwrap(o)
        return self if t is self._t else result(t)

    def __itruediv__(self, o: Any) -> Any:
        t = self._t
        t /= unwrap(o)
        return self if t is self._t else result(t)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._t[unwrap(key)] = unwrap(value)

    # -- methods: PyTorch's name -> Paddle's ----------------------------------------------
    def sum(self, dim: Any = None, keepdim: bool = False) -> Any:
        return result(self._t.sum(axis=dim, keepdim=keepdim))

    def mean(self, dim: Any = None, keepdim: bool = False) -> Any:
        return result(self._t.mean(axis=dim, keepdim=keepdim))

    def max(self, dim: int | None = None, keepdim: bool = False) -> Any:
        if dim is None:
            return result(paddle.max(self._t))
        return MaxMin(result(paddle.max(self._t, axis=dim, keepdim=keepdim)),
                      result(paddle.argmax(self._t, axis=dim, keepdim=keepdim)))

    def min(self, dim: int | None = None, keepdim: bool = False) -> Any:
        if dim is None:
            return result(paddle.min(self._t))
        return MaxMin(result(paddle.min(self._t, axis=dim, keepdim=keepdim)),
                      result(paddle.argmin(self._t, axis=dim, keepdim=keepdim)))

    def pow(self, exponent: Any) -> Any: return self ** exponent
    def exp(self) -> Any: return call(paddle.exp, self)
    def log(self) -> Any: return call(paddle.log, self)
    def sqrt(self) -> Any: return call(paddle.sqrt, self)
    def abs(self) -> Any: return call(paddle.abs, self)
    def sin(self) -> Any: return call(paddle.sin, self)
    def cos(self) -> Any: return call(paddle.cos, self)
    def tanh(self) -> Any: return call(paddle.tanh, self)
    def sign(self) -> Any: return call(paddle.sign, self)
    def neg(self) -> Any: return call(paddle.neg, self)
    def sigmoid(self) -> Any: return call(paddle.nn.functional.sigmoid, self)
    def relu(self) -> Any: return call(paddle.nn.functional.relu, self)

    def clamp(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002 - PyTorch's names
        return call(paddle.clip, self, min, max)

    def softmax(self, dim: int) -> Any: return call(paddle.nn.functional.softmax, self, axis=dim)

    def log_softmax(self, dim: int) -> Any:
        return call(paddle.nn.functional.log_softmax, self, axis=dim)

    def matmul(self, other: Any) -> Any: return self @ other
    def mm(self, other: Any) -> Any: return call(paddle.mm, self, other)

    def view(self, *shape: Any) -> Any: return result(self._t.view(_shape(shape)))
    def reshape(self, *shape: Any) -> Any: return call(paddle.reshape, self, _shape(shape))
    def flatten(self) -> Any: return call(paddle.flatten, self)

    def squeeze(self, dim: int | None = None) -> Any:
        return call(paddle.squeeze, self, axis=dim)

    def unsqueeze(self, dim: int) -> Any: return call(paddle.unsqueeze, self, dim)

    def transpose(self, dim0: int, dim1: int) -> Any:
        perm = list(range(self.dim()))
        perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
        return call(paddle.transpose, self, perm)

    def permute(self, *dims: Any) -> Any: return call(paddle.transpose, self, _shape(dims))
    def t(self) -> Any: return call(paddle.t, self)

    @property
    def T(self) -> Any:
        return call(paddle.transpose, self, list(range(self.dim()))[::-1])

    def expand(self, *sizes: Any) -> Any: return call(paddle.expand, self, _shape(sizes))

    def ge(self, other: Any) -> Any: return self >= other
    def gt(self, other: Any) -> Any: return self > other
    def le(self, other: Any) -> Any: return self <= other
    def lt(self, other: Any) -> Any: return self < other
    def eq(self, other: Any) -> Any: return self == other
    def ne(self, other: Any) -> Any: return self != other

    def to(self, dtype: Any) -> Any: return result(self._t.astype(dtype))
    def float(self) -> Any: return self.to(paddle.float32)
    def double(self) -> Any: return self.to(paddle.float64)
    def long(self) -> Any: return self.to(paddle.int64)
    def int(self) -> Any: return self.to(paddle.int32)
    def bool(self) -> Any: return self.to(paddle.bool)
    def clone(self) -> Any: return result(self._t.clone())

    # -- in-place: Paddle's own in-place ops -----------------------------------------------
    def add_(self, other: Any) -> "Tensor":
        self._t.add_(_operand(other, self))
        return self

    def sub_(self, other: Any) -> "Tensor":
        self._t.subtract_(_operand(other, self))
        return self

    def mul_(self, other: Any) -> "Tensor":
        self._t.multiply_(_operand(other, self))
        return self

    def div_(self, other: Any) -> "Tensor":
        self._t.divide_(_operand(other, self))
        return self

    def zero_(self) -> "Tensor":
        self._t.zero_()
        return self

    def fill_(self, value: Any) -> "Tensor":
        self._t.fill_(float(unwrap(value)) if isinstance(value, Tensor) else value)
        return self

    def copy_(self, src: Any) -> "Tensor":
        self._t.copy_(_operand(src, self))
        return self
