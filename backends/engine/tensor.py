"""The engine's tensor: data, autograd state, views, in-place updates, and PyTorch's methods.

One subclass of `Tensor` exists per engine instance (``engine.Tensor``); its class
attributes ``_xp`` (the array namespace) and ``_eng`` (the engine) are how an op finds the
namespace of its inputs.  Per-tensor state is a handful of slots; rarely used state (hooks,
view bookkeeping, the AccumulateGrad node) lives in one optional ``_x`` object.
"""

from __future__ import annotations

import weakref
from typing import Any, Callable, Iterator

from gradspec.errors import (
    DetachRequiredError,
    GradientShapeError,
    LeafInPlaceError,
    NoGradPathError,
    NonLeafRequiresGradError,
    RequiresGradDtypeError,
)

from gradspec import notices

from . import grad_mode
from .grad_mode import STATE
from .node import AccumulateGrad, RemovableHandle, as_named
from .size import Size

try:
    import cython
except ImportError:  # running as Python without Cython installed: the decorators do nothing
    from . import _cython as cython


class VersionCounter:
    """Counts in-place modifications; shared by a tensor, its views and its detached aliases."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


#: the tensors nn.Parameter made, by id (kept out of the tensor's own fields, which the hot
#: in-place path reads: only printing asks)
PARAMETERS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


class TensorExtra:
    """Rarely used per-tensor state."""

    __slots__ = ("hooks", "retains_grad", "base", "steps", "view_version", "tracked", "acc",
                 "post_hooks", "piece")

    def __init__(self) -> None:
        self.hooks: list | None = None  # leaf hooks (non-leaf hooks live on the grad_fn)
        self.retains_grad = False
        self.base: Tensor | None = None  # for views: the tensor whose data this one aliases
        self.steps: tuple = ()  # for views: how to get from base to this view
        self.view_version = 0  # version of the base when this view's grad_fn was last set
        self.tracked = False  # the view was made with grad recording on
        self.acc: Any = None  # weakref to this leaf's AccumulateGrad node
        self.post_hooks: list | None = None  # called with the leaf once its .grad is summed
        #: for the outputs of split/chunk/unbind: (the function's name, the output's index)
        self.piece: tuple | None = None


class Tensor:
    """A tensor of the gradspec engine (PyTorch's names and semantics)."""

    __slots__ = ("_data", "_grad_fn", "_requires_grad", "_grad", "_vc", "_x", "__weakref__")

    _xp: Any = None  # set on the per-engine subclass
    _eng: Any = None

    # ------------------------------------------------------------------ construction
    @classmethod
    def _wrap(cls, data: Any, grad_fn: Any = None, requires_grad: bool = False) -> "Tensor":
        return _new(cls, data, grad_fn, requires_grad)

    def __init__(self, *args: Any) -> None:
        # The legacy constructor ``Tensor([1, 2])`` / ``Tensor(2, 3)``: the default float dtype, like torch.Tensor.
        eng = self._eng
        if len(args) == 1 and not isinstance(args[0], int):
            data = eng.asarray(args[0], dtype=eng.default_float)
        elif not args:  # torch.Tensor(): an empty float tensor
            data = self._xp.zeros((0,), dtype=eng.default_float)
        else:
            data = self._xp.zeros(tuple(args), dtype=eng.default_float)
        self._data = data
        self._grad_fn = None
        self._requires_grad = False
        self._grad = None
        self._vc = None
        self._x = None

    # ------------------------------------------------------------------ autograd state
    @property
    def requires_grad(self) -> bool:
        self._fresh()
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self._grad_fn is not None:
            raise NonLeafRequiresGradError(
                "you can only change requires_grad flags of leaf tensors; this tensor was computed "
                f"by {self._grad_fn.name()}. To use it without tracking, take var.detach()."
            )
        if flag:
            self._check_float("setting requires_grad=True")
            self._become_root()
        self._requires_grad = bool(flag)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if not isinstance(requires_grad, bool):
            raise TypeError(f"requires_grad_() takes True or False, got "
                            f"{type(requires_grad).__name__} {requires_grad!r}")
        if self._grad_fn is not None:
            if not requires_grad:
                raise NonLeafRequiresGradError(
                    "you can only change requires_grad flags of leaf tensors; to stop tracking "
                    "a computed tensor use var.detach()."
                )
            return self  # already requires grad (PyTorch: a no-op)
        if requires_grad:
            self._check_float("requires_grad_()")
            self._become_root()
        self._requires_grad = bool(requires_grad)
        return self

    def _become_root(self) -> None:
        """A leaf view that starts to require grad (``arange(6.).reshape(2, 3)
        .requires_grad_()``) is the root of its own views from now on, as in PyTorch: a view
        of it is a view of a leaf that requires grad (in-place writes through it are refused),
        not of the tensor it was cut from, which needs no gradient."""
        x = self._x
        if x is not None and x.base is not None:
            x.base, x.steps = None, ()

    def _check_float(self, what: str) -> None:
        if not self._eng.is_floating(self._data.dtype):
            raise RequiresGradDtypeError(
                f"only Tensors of floating point dtype can require gradients ({what}: got "
                f"{self._eng.dtype_name(self._data.dtype)}; convert first, e.g. t.float())"
            )

    @property
    def is_leaf(self) -> bool:
        self._fresh()
        return self._grad_fn is None

    @property
    def grad_fn(self) -> Any:
        self._fresh()
        fn = self._grad_fn
        return fn if fn is None else as_named(fn)

    @property
    def grad(self) -> "Tensor | None":
        if self._grad_fn is not None and not self.retains_grad:
            notices.warn(
                "The .grad attribute of a tensor that is not a leaf is being read: backward() "
                "does not populate it. Call .retain_grad() on it before backward() if you want "
                "its gradient, or read the .grad of the leaf you meant.")
        return self._grad

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad must be a tensor or None, got {type(value).__name__}")
            if tuple(value.shape) != tuple(self.shape):
                raise GradientShapeError(
                    f"attempting to assign a gradient of shape {tuple(value.shape)} to a tensor of "
                    f"shape {tuple(self.shape)}; a gradient must have its tensor's shape."
                )
            if value._data.dtype != self._data.dtype:
                raise GradientShapeError(
                    f"attempting to assign a gradient of dtype {self._eng.dtype_name(value.dtype)} "
                    f"to a tensor of dtype {self._eng.dtype_name(self.dtype)}; cast it with .to()."
                )
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    @property
    def retains_grad(self) -> bool:
        return self._x is not None and self._x.retains_grad and self._grad_fn is not None

    def retain_grad(self) -> None:
        if not self._requires_grad:
            raise NoGradPathError(
                "can't retain_grad on a tensor that has requires_grad=False: it has no gradient; "
                "set requires_grad=True on the leaf it is computed from")
        if self._grad_fn is None:
            return  # a leaf keeps its gradient anyway
        self._extra().retains_grad = True
        self._grad_fn._extra().retain = weakref.ref(self)

    @property
    def _version(self) -> int:
        return self._vc.value if self._vc is not None else 0

    def register_hook(self, hook: Callable[["Tensor"], "Tensor | None"]) -> RemovableHandle:
        if not self._requires_grad:
            raise NoGradPathError(
                "cannot register a hook on a tensor that doesn't require gradient: it would never "
                "be called; set requires_grad=True on the leaf it is computed from")
        self._fresh()
        owner = self._extra() if self._grad_fn is None else self._grad_fn._extra()
        if owner.hooks is None:
            owner.hooks = []
        owner.hooks.append(hook)
        return RemovableHandle(owner.hooks, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[["Tensor"], None]
                                           ) -> RemovableHandle:
        """Call ``hook(self)`` after each backward pass has accumulated into this leaf's
        ``.grad`` (an optimizer step per parameter, for instance)."""
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf "
                               "tensors")
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        x = self._extra()
        if x.post_hooks is None:
            x.post_hooks = []
        x.post_hooks.append(hook)
        return RemovableHandle(x.post_hooks, hook)

    def detach(self) -> "Tensor":
        self._own()
        t = type(self)._wrap(self._data)
        t._vc = self._counter()
        return t

    def detach_(self) -> "Tensor":
        if self._x is not None and self._x.base is not None and self._requires_grad:
            raise RuntimeError(
                "can't detach a view in place: use detach() instead, which returns a new tensor")
        self._grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> "Tensor":
        """An alias of the data outside autograd (its own version counter, as in PyTorch)."""
        self._own()
        return type(self)._wrap(self._data)

    @data.setter
    def data(self, value: "Tensor") -> None:
        self._data = value._data if isinstance(value, Tensor) else self._eng.asarray(value)

    # ------------------------------------------------------------------ internals
    def _mark_parameter(self) -> None:
        """Made by ``nn.Parameter``: it prints as PyTorch prints a parameter, and a module
        registers it as one."""
        PARAMETERS[id(self)] = self

    def _is_marked_parameter(self) -> bool:
        """Whether ``nn.Parameter`` made it (or its original, copied or unpickled)."""
        return PARAMETERS.get(id(self)) is self

    def _extra(self) -> TensorExtra:
        x = self._x
        if x is None:
            x = self._x = TensorExtra()
        return x

    def _counter(self) -> VersionCounter:
        vc = self._vc
        if vc is None:
            vc = self._vc = VersionCounter()
        return vc

    def _accumulator(self) -> AccumulateGrad:
        x = self._extra()
        acc = x.acc() if x.acc is not None else None
        if acc is None:
            acc = AccumulateGrad(self)
            x.acc = weakref.ref(acc)
        return acc

    def _fresh(self) -> None:
        """Re-derive a view's grad_fn after its base was modified in place."""
        x = self._x
        if x is None or x.base is None or not x.tracked or x.view_version == self._vc.value:
            return
        base = x.base
        if base._requires_grad:
            from .ops.views import replay

            with grad_mode.enable_grad():
                cur = replay(base, x.steps)
            self._grad_fn = cur._grad_fn
            self._requires_grad = cur._requires_grad
        x.view_version = self._vc.value

    def _make_view(self, out: "Tensor", steps: tuple) -> "Tensor":
        """Mark ``out`` (whose data aliases this tensor's) as a view of this tensor's base."""
        root, prefix = self, ()
        if self._x is not None and self._x.base is not None:
            root, prefix = self._x.base, self._x.steps
        vc = root._counter()
        out._vc = vc
        x = out._extra()
        x.base = root
        x.steps = prefix + steps
        if root._own():  # the view was computed from a scalar copy: alias the new storage
            from .ops.views import replay_raw

            out._data = replay_raw(self._xp, root._data, x.steps)
        x.view_version = vc.value
        x.tracked = STATE.enabled
        return out

    def _bump(self) -> None:
        self._counter().value += 1

    def _own(self) -> bool:
        """Give a 0-d tensor storage of its own, before it is written in place or shared with a
        view or a detached alias: numpy returns 0-d results as immutable scalars.  True when
        the data was replaced."""
        if hasattr(self._data, "__setitem__"):
            return False
        self._data = self._xp.asarray(self._data)
        return True

    def _guard_inplace(self, through_view: bool = False) -> None:
        """PyTorch's leaf guard: no in-place ops on leaves that require grad (in grad mode),
        nor on views of them.  ``through_view``: the write goes through a view of this tensor
        (``t[0] = v``), which PyTorch's message names."""
        if not STATE.enabled:
            return
        x = self._x
        view_of_leaf = (x is not None and x.base is not None and x.base._grad_fn is None
                        and x.base._requires_grad)
        if self._grad_fn is None and self._requires_grad and not through_view:
            raise LeafInPlaceError(
                "a leaf Variable that requires grad is being used in an in-place operation. "
                "Update parameters inside `with no_grad():` (as optimizers do), or work on a "
                "copy: w = w.clone()."
            )
        if x is not None and x.piece is not None and self._requires_grad:
            name, index = x.piece
            raise RuntimeError(
                f"Output {index} of {name} is a view and is being modified inplace. This view is "
                "the output of a function that returns multiple views. Such functions do not "
                "allow the output views to be modified inplace. You should replace the inplace "
                "operation by an out-of-place one (or clone() the piece first).")
        if view_of_leaf or (self._grad_fn is None and self._requires_grad):
            raise LeafInPlaceError(
                "a view of a leaf Variable that requires grad is being used in an in-place "
                "operation. Update it inside `with no_grad():`, or clone the leaf first."
            )

    def _inplace(self, fn: Callable[..., "Tensor"], *args: Any, raw: str | None = None
                 ) -> "Tensor":
        """Apply the out-of-place op ``fn(self, *args)`` in place.

        Without recording, ``raw`` (when given: the name of the array's in-place operator, e.g.
        ``"__iadd__"``, for an operand that keeps this tensor's dtype and shape) updates the data
        in place directly.  With recording, the op's node replaces this tensor's grad_fn (or,
        for a view, the base's graph is rebased through CopySlices) and the result is written
        into the data, so views and aliases see it.
        """
        if raw is not None and _update(self, raw, args[0]):
            return self
        self._guard_inplace()
        self._fresh()
        self._own()
        others = any(isinstance(a, Tensor) and a._requires_grad for a in args)
        x = self._x
        base = x.base if x is not None else None
        tracked = STATE.enabled and (self._requires_grad or others
                                     or (base is not None and base._requires_grad))
        if not tracked:
            if raw is not None:
                try:
                    getattr(self._data, raw)(args[0]._data if isinstance(args[0], Tensor)
                                             else args[0])
                except ValueError as exc:
                    if "read-only" not in str(exc):
                        raise
                    raise _shared_memory(exc) from exc
            else:
                with grad_mode.no_grad():
                    new = fn(type(self)._wrap(self._data), *args)
                self._castable_from(new._data.dtype)
                self._write(new._data)
            self._bump()
            return self
        new = fn(self, *args)
        node = new._grad_fn
        self._castable_from(new._data.dtype)
        if node is not None:
            node_mod = _node_mod()
            for entry in node._saved:  # the op saved the old value of self: snapshot it
                if type(entry) is node_mod.SavedInput and entry.tensor is self:
                    snap = type(self)._wrap(self._eng.copy(self._data), self._grad_fn,
                                            self._requires_grad)
                    entry.tensor, entry.version = snap, 0
        if new._data.dtype != self._data.dtype:  # e.g. float32 += float64 stays float32
            new = new.to(self.dtype)
            node = new._grad_fn
        self._write(new._data)
        self._bump()
        if base is None:
            old = self._grad_fn
            self._grad_fn = node
            self._requires_grad = new._requires_grad
            if node is not None:
                _rebind_saved_output(node, self)
                if old is not None and old._x is not None and old._x.retain is not None:
                    node._extra().retain = old._x.retain  # retain_grad follows the new version
                    old._x.retain = None
        else:
            from .ops.views import rebase

            rebase(base, x.steps, None, new)
        return self

    def _castable_from(self, dtype: Any) -> None:
        """PyTorch's rule for in-place results: within a kind or towards a wider kind
        (bool -> integer -> floating) only."""
        eng = self._eng
        if "bif".index(eng.kind(dtype)) > "bif".index(eng.kind(self._data.dtype)):
            raise RuntimeError(
                f"result type {eng.scalar_type_name(dtype)} can't be cast to the desired output "
                f"type {eng.scalar_type_name(self._data.dtype)} (an in-place op keeps its "
                "tensor's dtype; use the out-of-place op instead)")

    def _write(self, data: Any) -> None:
        if tuple(data.shape) != tuple(self._data.shape):
            raise RuntimeError(
                f"output with shape {list(self._data.shape)} doesn't match the broadcast shape "
                f"{list(data.shape)} (an in-place op cannot change its tensor's shape; use the "
                "out-of-place op, y = y + other)")
        data = self._eng.cast_like(data, self._data)
        try:
            self._data[...] = data
        except ValueError as exc:  # read-only, e.g. an expanded view
            raise _shared_memory(exc) from exc

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None) -> Any:
        shape = self._data.shape
        return Size(shape) if dim is None else shape[dim]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        n = 1
        for s in self._data.shape:
            n *= s
        return n

    nelement = numel

    @property
    def dtype(self) -> Any:
        """The dtype as users see it (``torch.float32``; equal to the namespace's own)."""
        try:
            return self._eng._public[self._data.dtype]
        except KeyError:  # a dtype torch has no name for (numpy's uint16, from_numpy): as is
            return self._data.dtype

    @property
    def device(self) -> Any:
        """Where the data lives, as a device object (``device(type='cpu')``)."""
        return self._eng.device_obj

    @property
    def is_cuda(self) -> bool:
        """Whether the data lives on a CUDA device."""
        return self._eng.device_obj.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        """Whether the data lives in the host's memory."""
        return self._eng.device_obj.type == "cpu"

    def is_floating_point(self) -> bool:
        return self._eng.is_floating(self._data.dtype)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    # ------------------------------------------------------------------ leaving autograd
    def item(self) -> Any:
        n = self.numel()
        if n != 1:
            raise RuntimeError(
                f"a Tensor with {n} elements cannot be converted to Scalar: index it or reduce "
                "it first (e.g. .sum())")
        return self._eng.item(self._data)

    def tolist(self) -> Any:
        return self._eng.tolist(self._data)

    def numpy(self, *, force: bool = False) -> Any:
        """The data as a numpy array (sharing memory on the host); ``force`` allows a tensor
        that requires grad (as ``detach().numpy()``)."""
        if self._requires_grad and not force:
            raise DetachRequiredError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead.")
        return self._eng.to_host(self._data)

    # numpy's operators give way to the tensor's (np.float32(2) * t is t.__rmul__), as PyTorch's
    __array_priority__ = 1000
    #: the engine's tensors are all dense (torch.sparse_coo_tensor gives a dense one here)
    is_sparse = False

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        arr = self.numpy()
        return arr if dtype is None else arr.astype(dtype)

    def __float__(self) -> float:
        self._one_element("float")
        if self._requires_grad and "float-requires-grad" not in notices._GIVEN:
            notices.warn("Converting a tensor with requires_grad=True to a scalar may lead to "
                         "unexpected behavior.\nConsider using tensor.detach() first.",
                         once="float-requires-grad")
        return float(self.item())

    def __int__(self) -> int:
        self._one_element("int")
        return int(self.item())

    def _one_element(self, what: str) -> None:
        if self.numel() != 1:  # ValueError here, as PyTorch (item() raises RuntimeError)
            raise ValueError(
                f"only one element tensors can be converted to Python scalars: {what}() of a "
                f"tensor with {self.numel()} elements; index it or reduce it first (e.g. .sum())")

    def __index__(self) -> int:
        if self._eng.is_floating(self._data.dtype) or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self.numel() != 1:
            many = "no values" if self.numel() == 0 else "more than one value"
            raise RuntimeError(
                f"Boolean value of Tensor with {many} is ambiguous ({self.numel()} values): use "
                ".any() or .all()")
        return bool(self.item())

    def __iter__(self) -> Iterator["Tensor"]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        if spec:  # as PyTorch: only a 0-d tensor takes a number's format
            raise TypeError(f"unsupported format string passed to Tensor.__format__ (a tensor "
                            f"of shape {tuple(self._data.shape)}): format t.item() or t.tolist()")
        return repr(self)

    def __repr__(self) -> str:
        from .formatting import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__

    __hash__ = object.__hash__

    def __deepcopy__(self, memo: dict) -> "Tensor":
        if self._grad_fn is not None:
            raise RuntimeError(
                "only leaf tensors support deepcopy; detach() or clone() a computed tensor first")
        t = type(self)._wrap(self._eng.copy(self._data), None, self._requires_grad)
        if self._grad is not None:
            t._grad = type(self)._wrap(self._eng.copy(self._grad._data))
        if PARAMETERS.get(id(self)) is self:  # a copied model's parameters print as parameters
            t._mark_parameter()
        memo[id(self)] = t
        return t

    def __reduce_ex__(self, protocol: int) -> Any:
        # Pickled by value (host numpy), rebuilt on the backend that unpickles it: the backend
        # of gradspec.load, else a backend of the same name (see gradspec.serialization).
        from gradspec.serialization import _rebuild_tensor

        args = (self._eng.name, self._eng.to_host(self._data),
                self._eng.dtype_name(self._data.dtype), self._requires_grad)
        if PARAMETERS.get(id(self)) is self:
            args += (True,)  # (a plain tensor's pickle stays as before: older gradspec loads it)
        return (_rebuild_tensor, args)


def _shared_memory(exc: Exception) -> RuntimeError:
    """PyTorch's error for an in-place write into an expanded view (numpy: a read-only
    array), with how to avoid it."""
    return RuntimeError(
        "unsupported operation: more than one element of the written-to tensor refers to a "
        f"single memory location. Please clone() the tensor before performing the operation. "
        f"({exc})")


def _new(T: type, data: Any, grad_fn: Any, requires_grad: bool) -> Tensor:
    """A tensor of class ``T`` (an engine's subclass) around ``data``: `Tensor._wrap`, as a
    function the compiled apply path calls directly."""
    t = Tensor.__new__(T)  # not object.__new__: the compiled Tensor is an extension type
    t._data = data
    t._grad_fn = grad_fn
    t._requires_grad = requires_grad
    t._grad = None
    t._vc = None
    t._x = None
    return t


def _constant(eng: Any, xp: Any, c: float, dtype: Any) -> Any:
    """The Python float ``c`` as a 0-d array of ``dtype``, made once per engine and value: an
    array operand of the same dtype costs an array library less than a Python number (numpy
    converts the number on every call), and the result is the same, since a Python float
    takes the array's dtype anyway (the array API's rule, and numpy's).  Made like the
    engine's other constants (``xp.asarray``, the default device); never written to."""
    if c != c or c == 0.0:
        return c  # NaN is no dictionary key (it never equals itself); 0.0 == -0.0
    cache = eng.constants.get(dtype)
    if cache is None:
        cache = eng.constants[dtype] = {}
    found = cache.get(c)
    if found is None:
        if len(cache) >= 256:  # a bound: a loop over ever new numbers must not fill memory
            cache.clear()
        found = cache[c] = xp.asarray(c, dtype=dtype)
    return found


def _update(t: Tensor, raw: str, other: Any) -> bool:
    """The optimizer's case of an in-place op (no recording, no view to rebase, nothing to
    guard): ``raw``, the array's in-place operator (``"__iadd__"``), updates the data
    directly, for an operand that keeps the tensor's dtype and shape.  False, having done
    nothing, when the case does not apply."""
    if t._x is not None or STATE.enabled:
        return False
    t._own()
    data = t._data
    o = other._data if isinstance(other, Tensor) else other
    if type(o) is float:
        T = type(t)
        if T._eng._kinds.get(data.dtype) == "f":
            o = _constant(T._eng, T._xp, o, data.dtype)
    # the operators themselves, where they are these: no method looked up by name
    if raw == "__iadd__":
        data += o
    elif raw == "__isub__":
        data -= o
    elif raw == "__imul__":
        data *= o
    else:
        getattr(data, raw)(o)
    vc = t._vc
    if vc is None:
        vc = t._vc = VersionCounter()
    vc.value += 1
    return True


def _node_mod():
    from . import node

    return node


def _rebind_saved_output(node: Any, t: Tensor) -> None:
    """After an in-place op, a saved output is ``t`` itself: check ``t``'s versions from now on."""
    from .node import SavedOutput

    saved = node._saved
    if saved and type(saved[-1]) is SavedOutput:
        saved[-1].data = t._data
        saved[-1].vc = t._counter()
        saved[-1].version = t._vc.value

