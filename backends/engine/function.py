"""Custom ops written by users: ``torch.autograd.Function`` on the engine.

A user subclasses `Function` with a static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``
and calls ``F.apply(*args)``.  As in PyTorch, the ``ctx`` of a call *is* the backward node of
its outputs (``y.grad_fn``), an instance of a class made once per subclass and named
``<Subclass>Backward``; what ``forward`` stores on ``ctx`` is there in ``backward``.

How it sits on the node machinery (`node.Node`), unchanged:

* the node's inputs (``_next``) are the tensor arguments of ``apply``, so ``next_functions``
  lists them as PyTorch does; the engine calls ``backward(F, g)`` with raw arrays (then the
  user's backward runs on tensors wrapping them, with grad recording off) or, under
  ``create_graph=True``, with tensors (then the user's backward is recorded: double backward);
* tensors given to ``ctx.save_for_backward`` are checked against their version counter when
  ``ctx.saved_tensors`` unpacks them, and freed with the graph (``retain_graph``);
* a function with several differentiable outputs gives each output its own small node of the
  same name whose gradient travels to the shared ``ctx`` tagged with the output's position
  (`_Grads`): the engine sums gradients per node, and this keeps them apart per output.  The
  outputs' ``grad_fn`` are then distinct objects (in PyTorch they are one), each showing the
  ``ctx``'s ``next_functions`` and attributes.
"""

from __future__ import annotations

import functools
import weakref
from typing import Any, Callable

from gradspec.errors import GraphFreedError

from .functional import GRAPH_F
from .grad_mode import STATE
from .node import FREED, Node, _modified
from .ops.reduce import sum_to
from .tensor import Tensor

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable"]


class FunctionCtx:
    """What ``forward`` and ``backward`` may call on ``ctx`` (PyTorch's ``FunctionCtx``)."""

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep ``tensors`` (inputs, outputs or None) for ``backward``; read them back with
        ``ctx.saved_tensors``, which checks they were not modified in place since."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save tensors or None, got "
                                f"{type(t).__name__}; keep other values as attributes of ctx "
                                "(ctx.k = k)")
        self._to_save = tensors

    def mark_non_differentiable(self, *tensors: Any) -> None:
        """Mark outputs that have no gradient: they do not require grad, and ``backward``
        receives zeros (or None, see `set_materialize_grads`) for them."""
        self._non_diff = tuple(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """Whether ``backward`` receives zeros (True, the default) or None for outputs whose
        gradient is not needed."""
        self._materialize = bool(value)

    def mark_dirty(self, *tensors: Any) -> None:
        """Declare inputs that ``forward`` modified in place; ``forward`` must return them.
        Each becomes an output of this call itself (the same tensor object, its version moved
        on, its ``grad_fn`` this node), as an in-place op's result does."""
        for t in tensors:
            if not isinstance(t, Tensor):
                raise TypeError(f"mark_dirty takes the input tensors forward modified in place, "
                                f"got {type(t).__name__}")
        self._dirty = tensors


class BackwardCFunction(FunctionCtx, Node):
    """The backward node of one call of a `Function` (and that call's ``ctx``).

    One subclass per `Function` subclass, named ``<Name>Backward``; instances keep what
    ``forward`` stored on them in their ``__dict__``.
    """

    _forward_cls: Any = None

    def __repr__(self) -> str:
        return f"<torch.autograd.function.{type(self).__name__} object at {id(self):#x}>"

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """One bool per positional argument of ``apply``: whether its gradient is needed."""
        return self._needs

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The tensors given to ``save_for_backward``, each checked against its version
        counter (a ``SavedTensorModifiedError`` names the one modified in place)."""
        saved = self._saved
        if saved is FREED:
            raise GraphFreedError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or if "
                "you need to access saved tensors after calling backward. (The freed tensors "
                f"were saved by {self.name()}.)")
        if not saved:
            return ()
        out = []
        for entry in saved[0]:
            if entry is None:
                out.append(None)
                continue
            t, vc, version, position = entry
            if vc.value != version:
                raise _modified(self, tuple(t.shape) if position is None else t[0].shape,
                                version, vc.value, t if position is None else None,
                                t._eng.dtype_name(t._data.dtype) if position is None
                                else "float32")
            if position is None:
                out.append(t)
            else:  # an output: rebuilt (holding it would make a cycle output -> node -> output)
                data, T = t
                rebuilt = T._wrap(data, self._output_node(position), True)
                rebuilt._vc = vc
                out.append(rebuilt)
        return tuple(out)

    def _output_node(self, position: int) -> Node:
        if self._single is not None:
            return self
        ref = self._proxies.get(position)
        node = ref() if ref is not None else None
        if node is None:
            node = _new_output_node(self, position)
        return node

    # -- the engine's side ---------------------------------------------------------------------
    def backward(self, F: Any, g: Any, *saved: Any) -> tuple[Any, ...]:  # type: ignore[override]
        raw = F is not GRAPH_F
        T = self._T
        grads: list[Any] = [None] * len(self._outs)
        if type(g) is _Grads:
            for j, gj in g.by_output.items():
                grads[j] = gj
        else:
            grads[self._single] = g
        for j, meta in enumerate(self._outs):
            if meta is None:
                continue  # not a tensor output: backward gets None for it
            if grads[j] is None:
                if self._materialize:
                    grads[j] = T._wrap(T._xp.zeros(meta[0], dtype=meta[1]))
            elif raw:
                grads[j] = T._wrap(grads[j])
        result = self._forward_cls.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self._needs)
        if len(result) < n or any(r is not None for r in result[n:]):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {n}, got {len(result)})")
        out = []
        for i, r in enumerate(result[:n]):
            meta = self._ins[i]
            if meta is None:
                if r is not None:
                    raise RuntimeError(
                        f"function {self.name()} returned a gradient different than None at "
                        f"position {i + 1}, but the corresponding forward input was not a tensor; "
                        "return None for arguments that are not tensors")
                continue
            k, shape, dtype = meta
            if self._next[k] is None or r is None:
                out.append(None)
                continue
            out.append(self._validate(i, r, shape, dtype, raw))
        return tuple(out)

    def _validate(self, i: int, r: Any, shape: tuple, dtype: Any, raw: bool) -> Any:
        if not isinstance(r, Tensor):
            raise TypeError(f"function {self.name()} returned a {type(r).__name__} as the gradient "
                            f"of input {i}; return a tensor (or None)")
        got = tuple(r.shape)
        if got != shape:
            if not _expandable(shape, got):
                raise RuntimeError(
                    f"Function {self.name()} returned an invalid gradient at index {i} - got "
                    f"{list(got)} but expected shape compatible with {list(shape)}")
            r = sum_to(r, shape)
        if r._data.dtype != dtype:
            r = r.to(r._eng.public_dtype(dtype))
        return r._data if raw else r


def _expandable(shape: tuple, to: tuple) -> bool:
    """Whether ``shape`` broadcasts to ``to`` (so a gradient of shape ``to`` sums down to it)."""
    if len(shape) > len(to):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(to)))


class _Grads:
    """Gradients of several outputs of one call, by output position, on their way to the
    shared node: the engine adds what arrives for one node, and adding these merges them."""

    __slots__ = ("by_output",)

    def __init__(self, by_output: dict[int, Any]) -> None:
        self.by_output = by_output

    def __add__(self, other: "_Grads") -> "_Grads":
        merged = dict(self.by_output)
        for j, g in other.by_output.items():
            merged[j] = g if j not in merged else merged[j] + g
        return _Grads(merged)

    # Anomaly mode looks for NaN in what every node returns; these are checked when the shared
    # node returns its own gradients, so here there is nothing to find.
    @property
    def _data(self) -> "_Grads":
        return self

    def __array_namespace__(self) -> Any:
        return _NOTHING_TO_CHECK


class _NothingToCheck:
    @staticmethod
    def isnan(x: Any) -> bool:
        return False

    @staticmethod
    def any(x: Any) -> bool:
        return False


_NOTHING_TO_CHECK = _NothingToCheck()


class _OutputNode(Node):
    """The node of one output of a call with several differentiable outputs: it tags the
    gradient with the output's position and hands it to the call's shared node."""

    def backward(self, F: Any, g: Any, *saved: Any) -> tuple[Any, ...]:  # type: ignore[override]
        return (_Grads({self._position: g}),)

    def __repr__(self) -> str:
        return f"<torch.autograd.function.{type(self).__name__} object at {id(self):#x}>"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        return self._next[0].next_functions

    def __getattr__(self, name: str) -> Any:  # ctx's attributes, saved_tensors...
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._next[0], name)


def _new_output_node(ctx: BackwardCFunction, position: int) -> Node:
    cls = type(ctx)._output_cls
    node = cls.__new__(cls)
    node._next = (ctx,)
    node._saved = ()
    node._meta = None
    node._x = None
    node.__dict__["_position"] = position
    ctx._proxies[position] = weakref.ref(node)
    return node


def _init_node(node: Node) -> None:
    node._next = ()
    node._saved = ()
    node._meta = None
    node._x = None


class _FunctionMeta(type):
    """Makes each `Function` subclass its ``<Name>Backward`` node class."""

    def __init__(cls, name: str, bases: tuple, attrs: dict) -> None:
        super().__init__(name, bases, attrs)
        backward_name = f"{name}Backward"
        # PyTorch makes these classes in torch.autograd.function, so a printed node reads
        # <torch.autograd.function.MyFnBackward object at ...>
        cls._backward_cls = type(backward_name, (BackwardCFunction,),
                                 {"_forward_cls": cls, "__module__": "torch.autograd.function"})
        cls._backward_cls._output_cls = type(backward_name, (_OutputNode,),
                                             {"__module__": "torch.autograd.function"})


class Function(metaclass=_FunctionMeta):
    """Base of a custom op: subclass it with static ``forward(ctx, *args)`` and
    ``backward(ctx, *grad_outputs)``, then call ``YourFunction.apply(*args)``.

    ``forward`` runs with grad recording off and returns a tensor, or a tuple of tensors and
    other values.  ``backward`` gets one gradient per output of ``forward`` and returns one
    gradient per argument of ``apply`` (None for arguments that are not tensors or need no
    gradient: see ``ctx.needs_input_grad``).  Written with differentiable ops, it is itself
    differentiated under ``create_graph=True``.  The other style of PyTorch, ``forward`` without
    ``ctx`` plus ``setup_context(ctx, inputs, output)``, works too.
    """

    _backward_cls: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # PyTorch still lets a Function be instantiated, with any arguments, and warns
        import warnings

        warnings.warn(f"{type(self)} should not be instantiated: its methods are static, so "
                      "call them on the class itself (YourFunction.apply(...)); PyTorch plans "
                      "to refuse instances", DeprecationWarning, stacklevel=2)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method: call YourFunction.apply(...)")

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        """The op's result (override it as a staticmethod)."""
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> Any:
        """Optional: fill ``ctx`` from the inputs and output, for a ``forward`` without ctx."""
        return _NO_SETUP

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        """The gradients with respect to each input (override it as a staticmethod)."""
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on ``args`` and record one node (``<Name>Backward``) whose backward
        is this class's ``backward``."""
        if cls._backward_cls is None or cls is Function:
            raise RuntimeError("call apply() on a subclass of autograd.Function that defines "
                               "forward and backward")
        bcls = cls._backward_cls
        ctx = bcls.__new__(bcls)
        _init_node(ctx)
        T = None
        for a in args:
            if isinstance(a, Tensor):
                if T is None:
                    T = type(a)
                elif type(a) is not T:
                    raise TypeError(f"{cls.__name__}.apply: cannot mix tensors of different "
                                    f"backends ({T._eng.name} and {type(a)._eng.name})")
        state = ctx.__dict__
        state["_needs"] = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        state.update(_T=T, _to_save=(), _non_diff=(), _dirty=(), _materialize=True,
                     _single=None, _proxies={})
        recording = STATE.enabled and any(state["_needs"])
        custom_setup = cls.setup_context is not Function.setup_context
        prev, STATE.enabled = STATE.enabled, False
        try:
            if custom_setup:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        finally:
            STATE.enabled = prev
        if T is None:
            return output
        outs = list(output) if isinstance(output, tuple) else [output]
        dirty = _check_dirty(state.pop("_dirty"), args, outs, recording)
        inputs = {id(a) for a in args if isinstance(a, Tensor)}
        kept = dirty if recording else {}  # (unrecorded, a dirty input comes back as an alias too)
        for j, o in enumerate(outs):
            if isinstance(o, Tensor) and id(o) in inputs and id(o) not in kept:
                # an input returned as it is: the output is a new tensor sharing its data
                outs[j] = alias = type(o)._wrap(o._data)
                alias._vc = o._counter()
        if recording:
            _record(ctx, args, outs, dirty)
        else:
            ctx.__dict__.pop("_to_save", None)
            for t in dirty.values():
                t._bump()
        return tuple(outs) if isinstance(output, tuple) else outs[0]


_NO_SETUP = object()


def _check_dirty(dirty: tuple, args: tuple, outs: list, recording: bool) -> dict[int, Tensor]:
    """The inputs ``forward`` marked dirty, by id, once checked as PyTorch checks them: each
    is returned, and none is a leaf that requires grad (or a view of one) while the call is
    recorded."""
    if not dirty:
        return {}
    inputs = {id(a) for a in args if isinstance(a, Tensor)}
    returned = {id(o) for o in outs if isinstance(o, Tensor)}
    dirty = tuple(t for t in dirty if id(t) in inputs)  # (PyTorch ignores any other tensor)
    for t in dirty:
        if id(t) not in returned:
            raise RuntimeError(
                "Some elements marked as dirty during the forward method were not returned as "
                "output. The inputs that are modified inplace must all be outputs of the "
                "Function.")
        if recording:
            t._guard_inplace()  # (the data is already written, as in PyTorch)
    return {id(t): t for t in dirty}


def _record(ctx: BackwardCFunction, args: tuple, outs: list,
            dirty: dict[int, Tensor] | None = None) -> None:
    """Wire ``ctx`` into the graph: edges to the tensor inputs, ``grad_fn`` on the
    differentiable outputs (for ``dirty`` inputs, the tensors themselves: a view's base is
    rebased as an in-place op rebases it), saved tensors with their versions."""
    state = ctx.__dict__
    edges, ins = [], []
    for a in args:
        if isinstance(a, Tensor):
            ins.append((len(edges), tuple(a._data.shape), a._data.dtype))
            a._fresh()
            edges.append(a._grad_fn if a._grad_fn is not None else (a if a._requires_grad
                                                                    else None))
        else:
            ins.append(None)
    ctx._next = tuple(edges)
    non_diff = set(state.pop("_non_diff"))
    metas, diff = [], []
    for j, o in enumerate(outs):
        if not isinstance(o, Tensor):
            metas.append(None)
            continue
        metas.append((tuple(o._data.shape), o._data.dtype))
        if id(o) not in non_diff and o._eng.is_floating(o._data.dtype):
            diff.append(j)
    state.update(_ins=tuple(ins), _outs=tuple(metas))
    if len(diff) == 1:
        state["_single"] = diff[0]
    for j in diff:
        o = outs[j]
        o._grad_fn = ctx if len(diff) == 1 else _new_output_node(ctx, j)
        o._requires_grad = True
    for t in (dirty or {}).values():
        x = t._x
        if x is not None and x.base is not None and t._requires_grad:
            from .ops.views import rebase  # (views import this module's neighbours)

            rebase(x.base, x.steps, None, type(t)._wrap(t._data, t._grad_fn, True))
        t._bump()  # after rebasing, so the view re-derives its grad_fn from its base
    positions = {id(outs[j]): j for j in diff}
    entries = []
    for t in state.pop("_to_save"):
        if t is None:
            entries.append(None)
            continue
        vc = t._counter()
        j = positions.get(id(t))
        if j is None:
            entries.append((t, vc, vc.value, None))
        else:
            entries.append(((t._data, type(t)), vc, vc.value, j))
    ctx._saved = (tuple(entries),) if entries else ()


# -- once_differentiable -------------------------------------------------------------------------
class Error(Node):
    """Stands after the results of a ``@once_differentiable`` backward run under
    ``create_graph=True``: differentiating them again is an error.  (PyTorch's DelayedError
    node, whose class is named ``Error``: a printed gradient shows ``grad_fn=<Error>``.)"""

    def name(self) -> str:
        return "torch::autograd::Error"

    def backward(self, F: Any, g: Any, *saved: Any) -> tuple[Any, ...]:  # type: ignore[override]
        raise RuntimeError("trying to differentiate twice a function that was marked with "
                           "@once_differentiable")


def once_differentiable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a ``backward`` that is not itself differentiable: it runs with grad recording
    off, and under ``create_graph=True`` differentiating its results raises an error."""

    @functools.wraps(fn)
    def wrapper(ctx: Any, *grads: Any) -> Any:
        prev, STATE.enabled = STATE.enabled, False
        try:
            outputs = fn(ctx, *grads)
        finally:
            STATE.enabled = prev
        if not prev:
            return outputs
        edges = tuple(g._grad_fn if g._grad_fn is not None else g for g in grads
                      if isinstance(g, Tensor) and g._requires_grad)
        if not edges:
            return outputs
        single = not isinstance(outputs, tuple)
        wrapped = []
        for r in (outputs,) if single else outputs:
            if isinstance(r, Tensor):
                node = Error.__new__(Error)
                _init_node(node)
                node._next = edges
                r = type(r)._wrap(r._data, node, True)
            wrapped.append(r)
        return wrapped[0] if single else tuple(wrapped)

    return wrapper
