"""MyGrad's tensors and operations under PyTorch's names.

`Tensor` holds a ``mygrad.Tensor`` and translates each PyTorch member to MyGrad's: the
``requires_grad`` flag is MyGrad's inverse flag ``constant``, ``grad_fn`` is its ``creator``,
``sum(dim=, keepdim=)`` is ``sum(axis=, keepdims=)``, ``clone()`` is ``copy()``, in-place ops
are MyGrad's augmented assignments.  Nothing here adds autograd behaviour MyGrad lacks: what
MyGrad does not have raises ``gradspec.protocol.ApiAbsent`` (members built with ``absent``).
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from typing import Any

import mygrad as mg
import numpy as np

from gradspec.protocol import absent

#: What ``max(dim)``/``min(dim)`` return in PyTorch: values and indices.
MaxMin = namedtuple("MaxMin", ["values", "indices"])


# ----------------------------------------------------------------------------- wrapping
# --8<-- [start:wrap]
def wrap(native: Any) -> "Tensor":
    """The one `Tensor` for a ``mygrad.Tensor`` (the same object each time while it lives)."""
    ref = getattr(native, "_gradspec_tensor", None)
    found = ref() if ref is not None else None
    if found is None:
        found = Tensor(native)
        native._gradspec_tensor = weakref.ref(found)
    return found


def unwrap(value: Any) -> Any:
    """MyGrad's value of an argument: tensors unwrapped, inside lists and tuples too."""
    if isinstance(value, Tensor):
        return value._t
    if isinstance(value, (list, tuple)):
        return type(value)(unwrap(v) for v in value)
    return value


# --8<-- [end:wrap]


def index(key: Any) -> Any:
    """An index for MyGrad: tensors used as indices are their numpy arrays."""
    if isinstance(key, Tensor):
        return key._t.data
    if isinstance(key, tuple):
        return tuple(index(k) for k in key)
    return key


def result(value: Any) -> Any:
    """A MyGrad result as the adapter's: tensors wrapped; numpy arrays (comparisons) become
    constant tensors; tuples element by element."""
    if isinstance(value, mg.Tensor):
        return wrap(value)
    if isinstance(value, (np.ndarray, np.generic)):
        return wrap(mg.tensor(value, constant=True))
    if isinstance(value, tuple):
        return tuple(result(v) for v in value)
    return value


def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """``fn`` on unwrapped arguments, its result wrapped."""
    return result(fn(*unwrap(args), **{k: unwrap(v) for k, v in kwargs.items()}))


def _shape(size: tuple[Any, ...]) -> tuple[int, ...]:
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)


# ----------------------------------------------------------------------------- nodes
class Node:
    """A ``grad_fn``: one MyGrad operation (a tensor's ``creator``).  Its name is MyGrad's own
    operation class (``Multiply``), not renamed to PyTorch's."""

    def __init__(self, op: Any) -> None:
        self._op = op

    @staticmethod
    def of(op: Any) -> "Node":
        node = getattr(op, "_gradspec_node", None)
        if node is None:
            node = Node(op)
            op._gradspec_node = node
        return node

    def name(self) -> str:
        return type(self._op).__name__

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        out: list[tuple[Any, int]] = []
        for var in getattr(self._op, "variables", ()):
            if var.constant:
                out.append((None, 0))
            elif var.creator is not None:
                out.append((Node.of(var.creator), 0))
            else:
                out.append((AccumulateGrad(wrap(var)), 0))
        return tuple(out)

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class AccumulateGrad:
    """How the protocol shows an input that is a leaf: MyGrad has no node for it, the leaf
    itself is the end of the graph."""

    def __init__(self, variable: "Tensor") -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    next_functions: tuple = ()


# ----------------------------------------------------------------------------- tensors
class Tensor:
    """A MyGrad tensor under PyTorch's names."""

    __slots__ = ("_t", "_grad", "__weakref__")
    __hash__ = object.__hash__  # tensors are hashable by identity, as in PyTorch

    def __init__(self, native: Any) -> None:
        self._t = native
        self._grad: tuple[Any, Tensor] | None = None

    # --8<-- [start:state]
    # -- autograd state ------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return not self._t.constant

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if bool(requires_grad) == self.requires_grad:
            return self
        raise _absent("MyGrad fixes whether a tensor is a constant when it is created; "
                      "`constant` cannot be changed afterwards")

    @property
    def grad(self) -> "Tensor | None":
        array = self._t.grad
        if array is None:
            return None
        if self._grad is None or self._grad[0] is not array:  # one Tensor per gradient array
            self._grad = (array, wrap(mg.tensor(array, constant=True, copy=False)))
        return self._grad[1]

    @grad.setter
    def grad(self, value: Any) -> None:
        if value is None:
            self._t.null_grad()
            return
        raise _absent("MyGrad's Tensor.grad cannot be assigned (null_grad() clears it)")

    @property
    def is_leaf(self) -> bool:
        return self._t.creator is None

    @property
    def grad_fn(self) -> Node | None:
        creator = self._t.creator
        return None if creator is None else Node.of(creator)

    def retain_grad(self) -> None:
        """MyGrad keeps every tensor's gradient: nothing to ask for."""

    retains_grad = absent("MyGrad has no per-tensor retain_grad flag (every tensor keeps its "
                          "gradient)", is_property=True)
    _version = absent("MyGrad keeps no version counters (it locks arrays read-only instead)",
                      is_property=True)
    detach_ = absent("MyGrad has no in-place detach")
    register_hook = absent("MyGrad has no tensor hooks")

    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        if create_graph:
            raise _absent("MyGrad's backward has no create_graph: its gradients are numpy "
                          "arrays, never part of a graph")
        if inputs is not None:
            raise _absent("MyGrad's backward has no inputs= argument")
        if retain_graph:
            raise _absent("MyGrad's backward has no retain_graph: it always clears the graph")
        self._t.backward(None if gradient is None else unwrap(gradient))
    # --8<-- [end:state]

    def detach(self) -> "Tensor":
        return wrap(mg.tensor(self._t.data, constant=True, copy=False))

    # -- metadata and conversion ---------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._t.shape)

    @property
    def dtype(self) -> Any:
        return self._t.dtype

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def ndim(self) -> int:
        return self._t.ndim

    def size(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return self._t.ndim

    def numel(self) -> int:
        return int(self._t.size)

    def item(self) -> Any:
        return self._t.item()

    def numpy(self) -> np.ndarray:
        return self._t.data

    def tolist(self) -> Any:
        return self._t.data.tolist()

    def __len__(self) -> int:
        return len(self._t)

    def __float__(self) -> float:
        return float(self._t)

    def __int__(self) -> int:
        return int(self._t)

    def __bool__(self) -> bool:
        return bool(self._t)

    def __repr__(self) -> str:
        return repr(self._t).replace("Tensor(", "tensor(", 1)

    # -- arithmetic (MyGrad's operators, same names) --------------------------------------
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
    def __pos__(self) -> Any: return result(+self._t)
    def __abs__(self) -> Any: return result(abs(self._t))
    def __ge__(self, o: Any) -> Any: return result(self._t >= unwrap(o))
    def __gt__(self, o: Any) -> Any: return result(self._t > unwrap(o))
    def __le__(self, o: Any) -> Any: return result(self._t <= unwrap(o))
    def __lt__(self, o: Any) -> Any: return result(self._t < unwrap(o))
    def __eq__(self, o: Any) -> Any: return result(self._t == unwrap(o))  # type: ignore[override]
    def __ne__(self, o: Any) -> Any: return result(self._t != unwrap(o))  # type: ignore[override]

    def __getitem__(self, key: Any) -> Any:
        return result(self._t[index(key)])

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
        self._t[index(key)] = unwrap(value)

    # -- methods: PyTorch's name -> MyGrad's ----------------------------------------------
    def sum(self, dim: Any = None, keepdim: bool = False) -> Any:
        return result(self._t.sum(axis=dim, keepdims=keepdim))

    def mean(self, dim: Any = None, keepdim: bool = False) -> Any:
        return result(self._t.mean(axis=dim, keepdims=keepdim))

    def max(self, dim: int | None = None, keepdim: bool = False) -> Any:
        if dim is None:
            return result(mg.max(self._t))
        return MaxMin(result(mg.max(self._t, axis=dim, keepdims=keepdim)),
                      result(np.argmax(self._t.data, axis=dim, keepdims=keepdim)))

    def min(self, dim: int | None = None, keepdim: bool = False) -> Any:
        if dim is None:
            return result(mg.min(self._t))
        return MaxMin(result(mg.min(self._t, axis=dim, keepdims=keepdim)),
                      result(np.argmin(self._t.data, axis=dim, keepdims=keepdim)))

    def pow(self, exponent: Any) -> Any: return self ** exponent
    def exp(self) -> Any: return call(mg.exp, self)
    def log(self) -> Any: return call(mg.log, self)
    def sqrt(self) -> Any: return call(mg.sqrt, self)
    def abs(self) -> Any: return call(mg.abs, self)
    def sin(self) -> Any: return call(mg.sin, self)
    def cos(self) -> Any: return call(mg.cos, self)
    def tanh(self) -> Any: return call(mg.tanh, self)
    def sign(self) -> Any: return call(mg.sign, self)
    def neg(self) -> Any: return -self
    def sigmoid(self) -> Any: return call(mg.nnet.sigmoid, self)
    def relu(self) -> Any: return call(mg.nnet.relu, self)

    def clamp(self, min: Any = None, max: Any = None) -> Any:  # noqa: A002 - PyTorch's names
        return call(mg.clip, self, min, max)

    def softmax(self, dim: int) -> Any: return call(mg.nnet.softmax, self, axis=dim)
    def log_softmax(self, dim: int) -> Any: return call(mg.nnet.logsoftmax, self, axis=dim)
    def matmul(self, other: Any) -> Any: return self @ other
    def mm(self, other: Any) -> Any: return self @ other

    def view(self, *shape: Any) -> Any:
        return result(self._t.reshape(_shape(shape)))

    def reshape(self, *shape: Any) -> Any:
        return result(self._t.reshape(_shape(shape)))

    def flatten(self) -> Any:
        return result(self._t.reshape(-1))

    def squeeze(self, dim: int | None = None) -> Any:
        return call(mg.squeeze, self, axis=dim)

    def unsqueeze(self, dim: int) -> Any:
        return call(mg.expand_dims, self, dim)

    def transpose(self, dim0: int, dim1: int) -> Any:
        return call(mg.swapaxes, self, dim0, dim1)

    def permute(self, *dims: Any) -> Any:
        return call(mg.transpose, self, _shape(dims))

    def t(self) -> Any:
        return call(mg.transpose, self)

    @property
    def T(self) -> Any:
        return call(mg.transpose, self)

    def expand(self, *sizes: Any) -> Any:
        sizes = _shape(sizes)
        lead = len(sizes) - self.dim()
        full = tuple(self.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
        return call(mg.broadcast_to, self, full)

    def ge(self, other: Any) -> Any: return self >= other
    def gt(self, other: Any) -> Any: return self > other
    def le(self, other: Any) -> Any: return self <= other
    def lt(self, other: Any) -> Any: return self < other
    def eq(self, other: Any) -> Any: return self == other
    def ne(self, other: Any) -> Any: return self != other

    def to(self, dtype: Any) -> Any: return result(self._t.astype(dtype))
    def float(self) -> Any: return self.to(np.float32)
    def double(self) -> Any: return self.to(np.float64)
    def long(self) -> Any: return self.to(np.int64)
    def int(self) -> Any: return self.to(np.int32)
    def bool(self) -> Any: return self.to(np.bool_)

    def clone(self) -> Any:
        return result(self._t.copy())  # MyGrad's copy: a new tensor without a creator

    # -- in-place: MyGrad's augmented and indexed assignments ------------------------------
    def add_(self, other: Any) -> "Tensor":
        t = self._t
        t += unwrap(other)
        return self

    def sub_(self, other: Any) -> "Tensor":
        t = self._t
        t -= unwrap(other)
        return self

    def mul_(self, other: Any) -> "Tensor":
        t = self._t
        t *= unwrap(other)
        return self

    def div_(self, other: Any) -> "Tensor":
        t = self._t
        t /= unwrap(other)
        return self

    def zero_(self) -> "Tensor":
        self._t[...] = 0
        return self

    def fill_(self, value: Any) -> "Tensor":
        self._t[...] = unwrap(value)
        return self

    def copy_(self, src: Any) -> "Tensor":
        self._t[...] = unwrap(src)
        return self


def _absent(what: str) -> Exception:
    from gradspec.protocol import ApiAbsent

    return ApiAbsent(what)
