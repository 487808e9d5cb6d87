"""The node contract: one ``Node`` subclass per op, forward and backward on one screen.

A node is a tensor's ``grad_fn``.  Its class declares

* ``forward(self, xp, *inputs, **params)``: the op on raw arrays of the namespace ``xp``
  (inputs may also be Python scalars); it stores on ``self`` whatever backward needs besides
  saved tensors (shapes, dims, index keys) and returns the raw result;
* ``backward(self, F, g, *saved)``: the gradients with respect to each input, or None where not
  needed (``self.needs_input_grad``), given ``g``, the gradient with respect to the output.
  ``saved`` holds one entry per input (the saved input, or None when it was not saved) and, for
  ``saves_output`` nodes, the output last.  Formulas use operators and the functions of ``F``
  only, so the same formula runs on raw arrays (F is the raw namespace: fast, no graph) and on
  tensors (F is the differentiable namespace: ``create_graph=True``);
* what it saves: ``saves`` (input positions, always) or ``save_map`` (input position ->
  positions whose gradient needs it), and ``saves_output``.  Saved tensors are checked against
  their version counter when backward unpacks them;
* ``keeps``: the names of slots holding data saved for backward that is not a saved tensor
  (``where``'s condition, the index arrays of advanced indexing, the positions ``max(dim)``
  chose).  A node with any is freed with the graph like one that saved tensors (clause
  RETAIN-4), and the data is dropped;
* ``broadcasts``: whether inputs may broadcast; the engine then reduces each input's gradient to
  the input's shape and dtype, once, for every such op;
* ``numbers_as_arrays``: a Python float operand of a two-input op may reach ``forward`` (and
  ``backward``, when saved) as a 0-d array of the other operand's dtype, for ops whose result
  is the same either way (arithmetic); the engine caches those arrays;
* ``fresh``: input positions whose gradient backward always returns as a new array, one per
  position, that nothing else holds (a product, not ``g`` or a view of it).  A leaf then keeps
  that array as its ``.grad`` instead of a copy, as PyTorch's AccumulateGrad takes over a
  gradient nobody else uses; and the node that receives it may write into it (below);
* ``backward_owned(self, F, g, *saved)`` (optional): ``backward`` for when ``g`` is the walk's
  own array, that nothing else holds (a ``fresh`` gradient, or a sum the walk made) and no
  ``create_graph``: it may write its result into ``g`` and return it, as PyTorch's ReLU
  backward reuses a buffer, saving a full-size array per step.
"""

from __future__ import annotations

import re
from typing import Any, Callable, ClassVar

from gradspec.errors import GraphFreedError, SavedTensorModifiedError

from .dtypes import TENSOR_TYPES

#: op name -> node class; tests enumerate it, the docs list it.
REGISTRY: dict[str, type["Node"]] = {}

FREED: Any = type("Freed", (), {"__repr__": lambda self: "<freed>"})()


def register(op: str, *, public: bool = True):
    """Class decorator: enter a node class in the op registry under ``op``."""

    def deco(cls: type[Node]) -> type[Node]:
        if op in REGISTRY:
            raise ValueError(f"op {op!r} registered twice ({REGISTRY[op].__name__}, {cls.__name__})")
        cls.op = op
        cls.public = public
        REGISTRY[op] = cls
        return cls

    return deco


class OpInfo:
    """What the engine reads from a node class on every op and every backward step, read once
    per class: one dictionary lookup (`op_info`) in place of an attribute lookup on the class
    for each.  ``positions``: which inputs a node saves, given which of its inputs need a
    gradient (the mask of ``save_map``), filled as masks occur.  (``forward`` and ``backward``
    are not kept: they are looked up on the class at each call, which a test may patch.)"""

    __slots__ = ("broadcasts", "saves", "save_map", "saves_output", "fresh", "arrays",
                 "quiet", "overwrites", "positions", "contiguous")

    def __init__(self, cls: type) -> None:
        self.broadcasts = bool(cls.broadcasts)
        self.saves = tuple(cls.saves)
        self.save_map = cls.save_map
        self.saves_output = bool(cls.saves_output)
        self.fresh = tuple(cls.fresh)
        self.arrays = bool(cls.numbers_as_arrays)
        self.quiet = bool(cls.quiet)
        self.contiguous = bool(cls.contiguous)
        self.overwrites = cls.backward_owned is not None  # the class may write into g
        self.positions: dict[tuple[bool, ...], tuple[int, ...]] = {}

    def saved_positions(self, edges: tuple) -> tuple[int, ...]:
        """The input positions a node with these edges saves (sorted)."""
        smap = self.save_map
        if smap is None:
            return self.saves
        mask = tuple([e is not None for e in edges])
        found = self.positions.get(mask)
        if found is None:
            wanted: set[int] = set()
            for i, needed in enumerate(mask):
                if needed:
                    wanted.update(smap.get(i, ()))
            found = self.positions[mask] = tuple(sorted(wanted))
        return found


_INFO: dict[type, OpInfo] = {}


def op_info(cls: type) -> OpInfo:
    """The `OpInfo` of node class ``cls`` (made on first use)."""
    info = _INFO.get(cls)
    if info is None:
        info = _INFO[cls] = OpInfo(cls)
    return info


class NodeExtra:
    """Rare per-node state, kept out of the hot path."""

    __slots__ = ("hooks", "retain", "trace", "shown", "pre", "post", "metadata")

    def __init__(self) -> None:
        self.hooks: list | None = None  # tensor hooks of the non-leaf this node produced
        self.retain: Any = None  # weakref to the non-leaf tensor that retains its grad
        self.trace: Any = None  # anomaly mode: where the node was created
        self.shown: Any = None  # next_functions as PyTorch's graph has them (see shown_next)
        self.pre: list | None = None  # the node's own pre-hooks (register_prehook)
        self.post: list | None = None  # the node's hooks (register_hook)
        self.metadata: dict | None = None  # Node.metadata, made when first read


class SavedInput:
    """An input tensor saved for backward, with the version it had when saved."""

    __slots__ = ("tensor", "version")

    def __init__(self, tensor: Any, version: int) -> None:
        self.tensor = tensor
        self.version = version


class SavedOutput:
    """A node's own output, saved as data and version counter (not the tensor: that would be a
    reference cycle output -> node -> output)."""

    __slots__ = ("data", "vc", "version", "dtype_owner")

    def __init__(self, data: Any, vc: Any, version: int, dtype_owner: type) -> None:
        self.data = data
        self.vc = vc
        self.version = version
        self.dtype_owner = dtype_owner  # the tensor class, to rebuild a tensor for create_graph


class Checked(tuple):
    """Saved entries that hold tensors (`SavedInput`, `SavedOutput`): checked when unpacked.
    A node that saved only None and Python constants keeps a plain tuple, used as it is."""

    __slots__ = ()


class Node:
    """Base of every op's backward node (a tensor's ``grad_fn``)."""

    # _next: per input, the grad_fn of a non-leaf, the leaf tensor itself, or None.
    # _saved: per input the saved value (or None), then the saved output, as a plain tuple
    #   (constants only) or a `Checked` one (tensors); FREED after release.
    # _meta: None, or per input (shape, dtype) of inputs whose gradient needs reducing/casting.
    # _x: None, or a NodeExtra with the rarely used state (hooks, retained tensor, anomaly trace).
    __slots__ = ("_next", "_saved", "_meta", "_x")

    op: ClassVar[str] = ""
    public: ClassVar[bool] = True
    saves: ClassVar[tuple[int, ...]] = ()
    save_map: ClassVar[dict[int, tuple[int, ...]] | None] = None
    saves_output: ClassVar[bool] = False
    keeps: ClassVar[tuple[str, ...]] = ()
    broadcasts: ClassVar[bool] = False
    numbers_as_arrays: ClassVar[bool] = False
    fresh: ClassVar[tuple[int, ...]] = ()
    #: the forward may meet or make inf and NaN (a log, a division, an exp that overflows):
    #: it runs inside the host's ``quiet`` context, so numpy warns no more than PyTorch does.
    #: Left False on the cheap arithmetic every model runs (add, mul), whose cost is per op.
    quiet: ClassVar[bool] = False
    #: the result is laid out in C order whatever the input's strides, as PyTorch's op gives
    #: it (numpy's keeps a transposed input's layout, and ``view()`` of it would then refuse)
    contiguous: ClassVar[bool] = False
    #: optional: backward writing into a ``g`` that nothing else holds (see the module's doc)
    backward_owned: ClassVar[Any] = None
    #: optional: ``shown_next(node, edges)``, the ``next_functions`` PyTorch's graph has where
    #: one node computes what PyTorch records as several (linear: the weight's transpose, the
    #: reshapes of an N-d input), built from the node's own ``(node, 0)`` edges with
    #: `ShownNode` for the folded steps
    shown_next: ClassVar[Any] = None

    # -- the per-op contract --------------------------------------------------------------------
    def forward(self, xp: Any, *args: Any, **params: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, F: Any, g: Any, *saved: Any) -> tuple[Any, ...]:  # pragma: no cover
        raise NotImplementedError

    # -- what users see -----------------------------------------------------------------------
    def name(self) -> str:
        return type(self).__name__

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        from .tensor import Tensor

        out = []
        for edge in self._next:
            if isinstance(edge, Tensor):
                out.append((edge._accumulator(), 0))
            else:
                out.append((as_named(edge), 0))
        shown = type(self).shown_next
        if shown is None:
            return tuple(out)
        x = self._extra()
        if x.shown is None:  # made once: the same node objects on every read, as PyTorch's
            x.shown = shown(self, tuple(out))
        return x.shown

    def register_prehook(self, fn: Callable[[tuple], Any]) -> "RemovableHandle":
        """Call ``fn(grad_outputs)`` (a tuple of one gradient) before this node's backward
        runs; a tuple it returns replaces ``grad_outputs``.  Returns a handle whose
        ``remove()`` unregisters it (as ``torch.autograd.graph.Node.register_prehook``)."""
        x = self._extra()
        if x.pre is None:
            x.pre = []
        x.pre.append(fn)
        return RemovableHandle(x.pre, fn)

    def register_hook(self, fn: Callable[[tuple, tuple], Any]) -> "RemovableHandle":
        """Call ``fn(grad_inputs, grad_outputs)`` after this node's backward has computed the
        gradients of its inputs (None where an input needs none); a tuple it returns replaces
        ``grad_inputs`` (as ``torch.autograd.graph.Node.register_hook``)."""
        x = self._extra()
        if x.post is None:
            x.post = []
        x.post.append(fn)
        return RemovableHandle(x.post, fn)

    @property
    def metadata(self) -> dict:
        """A dict of the user's own, kept with the node (PyTorch's ``Node.metadata``)."""
        x = self._extra()
        if x.metadata is None:
            x.metadata = {}
        return x.metadata

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        return tuple(e is not None for e in self._next)

    def __repr__(self) -> str:
        return f"<{short_name(self)} object at {id(self):#x}>"

    # -- engine internals -----------------------------------------------------------------------
    def _unpack(self, raw: bool) -> tuple[Any, ...]:
        """The saved values, checked: raw arrays (``raw``) or tensors (for create_graph)."""
        saved = self._saved
        if type(saved) is tuple:
            return saved
        if saved is FREED:
            raise GraphFreedError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or if "
                "you need to access saved tensors after calling backward. (The freed tensors "
                f"were saved by {short_name(self)}; recomputing the forward pass also works.)"
            )
        out = []
        for entry in saved:
            kind = type(entry)
            if kind is SavedInput:
                t = entry.tensor
                now = t._vc.value if t._vc is not None else 0
                if now != entry.version:
                    raise _modified(self, t._data.shape, entry.version, now, t,
                                    t._eng.dtype_name(t._data.dtype))
                out.append(t._data if raw else t)
            elif kind is SavedOutput:
                now = entry.vc.value
                if now != entry.version:
                    raise _modified(self, entry.data.shape, entry.version, now, None,
                                    entry.dtype_owner._eng.dtype_name(entry.data.dtype), self)
                if raw:
                    out.append(entry.data)
                else:
                    t = entry.dtype_owner._wrap(entry.data, self, True)
                    t._vc = entry.vc
                    out.append(t)
            else:
                out.append(entry)  # None, or a Python scalar saved as is
        return tuple(out)

    def _extra(self) -> NodeExtra:
        x = self._x
        if x is None:
            x = self._x = NodeExtra()
        return x

    def _release(self) -> None:
        """Free what was saved (after a backward without retain_graph), tensors and kept data
        alike (RETAIN-1, RETAIN-4).  Nodes that saved nothing stay runnable, as in PyTorch
        (clause RETAIN-3)."""
        saved = self._saved
        if saved is FREED:
            return
        keeps = self.keeps
        if keeps:
            self._saved = FREED
            for name in keeps:
                setattr(self, name, None)
        elif _holds_any(saved):
            self._saved = FREED


def _holds_any(saved: tuple) -> bool:
    """Whether saved entries hold anything but None (``is``, not ``==``: a saved constant
    may be an array, whose ``==`` is elementwise or refuses None)."""
    for entry in saved:
        if entry is not None:
            return True
    return False


def _modified(node: Node, shape: tuple[int, ...], saved: int, now: int, tensor: Any,
              dtype_name: str = "float32", output_of: Any = None) -> Exception:
    # PyTorch's words first (the tensor by its legacy type and shape, the op whose output it
    # is: ``output_of``, the node that saved its own output, else the op that made the saved
    # input last, named as the op, "Exp" for ExpBackward0), then which node saved it and how
    # to avoid it
    origin = ""
    if output_of is None and tensor is not None:
        output_of = tensor._grad_fn
    if output_of is not None:
        op = re.sub(r"Backward\d*$", "", short_name(output_of)) or short_name(output_of)
        origin = f", which is output 0 of {op},"
    legacy = TENSOR_TYPES.get(dtype_name, "Tensor")  # (the name its messages print)
    return SavedTensorModifiedError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [torch.{legacy} {list(shape)}]{origin} is at version {now}; expected "
        f"version {saved} instead. Hint: enable anomaly detection to find the operation that "
        "failed to compute its gradient, with torch.autograd.set_detect_anomaly(True). (It was "
        f"saved by {short_name(node)}: clone it before the in-place operation, y = y.clone(), "
        "or move the in-place operation after backward().)"
    )



class AccumulateGrad:
    """The node through which a leaf receives its gradient (shown in ``next_functions``)."""

    __slots__ = ("variable", "__weakref__")

    def __init__(self, variable: Any) -> None:
        self.variable = variable

    next_functions: tuple = ()

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"  # PyTorch's name for its C++ node

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


def short_name(node: Any) -> str:
    """``node.name()`` without a C++ namespace: ``torch::autograd::CopySlices`` is shown, in
    printed tensors and nodes, as ``CopySlices``."""
    return node.name().rsplit("::", 1)[-1]


def as_named(node: Any) -> Any:
    """``node``, its class made one whose ``__name__`` is the node's ``name()`` where the two
    differ (one node class serves several of PyTorch's: ``MmBackward0`` is also
    ``DotBackward0``); ``type(fn).__name__`` is what graph tools such as torchviz print.  Done
    when a user reads the node (``grad_fn``, ``next_functions``), once per node."""
    cls = type(node)
    if node is None or "_named" in cls.__dict__:
        return node
    name = short_name(node)
    if name == cls.__name__ or not name.isidentifier():
        return node
    key = (cls, name)
    named = _NAMED.get(key)
    if named is None:
        named = _NAMED[key] = type(name, (cls,), {"__slots__": (), "_named": True,
                                                  "__module__": "gradspec.graph_names",
                                                  "__doc__": cls.__doc__})
    node.__class__ = named
    return node


_NAMED: dict[tuple, type] = {}


def rename(node: Any, name: str) -> None:
    """Show ``node`` as PyTorch's node ``name`` (its ``name()`` and its class's ``__name__``):
    the last step of a function gradspec composes from others (hardswish's where) stands for
    the whole function, as PyTorch's one node (``HardswishBackward0``) does.  Its backward is
    unchanged."""
    cls = type(node)
    if "_named" in cls.__dict__:  # an `as_named` or earlier `rename` class: rename its base
        cls = cls.__mro__[1]
    key = (cls, name, "renamed")
    renamed = _NAMED.get(key)
    if renamed is None:
        renamed = _NAMED[key] = type(name, (cls,), {
            "__slots__": (), "_named": True, "name": lambda self: name,
            "__module__": "gradspec.graph_names", "__doc__": cls.__doc__})
    node.__class__ = renamed


class ShownNode:
    """A step of PyTorch's graph that the engine computes inside a neighbouring node (a
    linear layer's weight transpose, say): listed in that node's ``next_functions``, with
    PyTorch's ``name()``, so a printed or drawn graph has PyTorch's shape.  The backward walk
    never visits it; its gradient flows through the node that holds it."""

    __slots__ = ("_name", "next_functions", "__weakref__")

    def __init__(self, name: str, next_functions: tuple) -> None:
        self._name = name
        self.next_functions = next_functions

    def name(self) -> str:
        """PyTorch's name for this step (e.g. ``TBackward0``)."""
        return self._name

    def __repr__(self) -> str:
        return f"<{self._name} object at {id(self):#x}>"


def shown(name: str, *edges: tuple) -> tuple:
    """``(node, 0)``, the edge to a folded step, its node of a `ShownNode` class named as
    PyTorch's (``type(node).__name__`` is ``TBackward0`` too); ``(None, 0)`` when no gradient
    flows through it (its inputs do not require grad: PyTorch records no node then)."""
    if all(e[0] is None for e in edges):
        return (None, 0)
    kind = _SHOWN.get(name)
    if kind is None:
        kind = _SHOWN[name] = type(name, (ShownNode,), {"__slots__": ()})
    return (kind(name, edges), 0)


_SHOWN: dict[str, type] = {}


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks: list, hook: Any) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        try:
            self._hooks.remove(self._hook)
        except ValueError:
            pass

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()
