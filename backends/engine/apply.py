"""Applying an op: run its forward on raw arrays and, when recording, wire its node into the graph.

This is the engine's hot path.  ``unary`` and ``binary`` are the specialised common cases;
``apply`` handles any arity (inputs may be tensors, Python scalars or raw arrays, the last two
being constants).  PyTorch's dtype promotion is applied here, once, because array namespaces
disagree (array_api_strict refuses int + float).
"""

from __future__ import annotations

from typing import Any, Sequence

from .grad_mode import STATE
from .node import Checked, Node, SavedInput, SavedOutput
from .tensor import Tensor, VersionCounter

try:
    import cython
except ImportError:  # running as Python without Cython installed: the decorators do nothing
    from . import _cython as cython


def _edge(t: Tensor) -> Any:
    fn = t._grad_fn
    if fn is not None:
        return fn
    return t if t._requires_grad else None


def _fresh(t: Tensor) -> None:
    x = t._x
    if x is not None and x.base is not None:
        t._fresh()


def _save(node: Node, args: Sequence[Any], out: Any, result: Tensor) -> tuple:
    cls = type(node)
    n = len(args)
    smap = cls.save_map
    if smap is not None:
        positions: set[int] | tuple[int, ...] = set()
        for i, edge in enumerate(node._next):
            if edge is not None:
                positions.update(smap.get(i, ()))  # type: ignore[union-attr]
    else:
        positions = cls.saves
        if not positions and not cls.saves_output:
            return _NOTHING[n] if n < len(_NOTHING) else (None,) * n
    entries: list[Any] = [None] * n
    tensors = False
    for i in positions:
        a = args[i]
        if isinstance(a, Tensor):
            t = a
            entries[i] = SavedInput(a, t._vc.value if t._vc is not None else 0)
            tensors = True
        else:
            entries[i] = a  # a Python scalar or raw constant array
    if cls.saves_output:
        vc = result._vc = VersionCounter()
        entries.append(SavedOutput(out, vc, 0, type(result)))
        tensors = True
    return Checked(entries) if tensors else tuple(entries)


_NOTHING = tuple((None,) * n for n in range(5))  # what a node that saves nothing keeps


def _meta(node: Node, args: Sequence[Any], out: Any) -> Any:
    """Shapes/dtypes of inputs whose gradient the engine must reduce or cast."""
    oshape, odtype = out.shape, out.dtype
    meta = None
    for i, a in enumerate(args):
        if node._next[i] is not None:
            d = a._data
            if d.shape != oshape or (d.dtype is not odtype and d.dtype != odtype):
                if meta is None:
                    meta = [None] * len(args)
                meta[i] = (d.shape, d.dtype)
    return meta


def _finish(node: Node, cls: type, args: Sequence[Any], out: Any, T: type) -> Tensor:
    node._meta = _meta(node, args, out) if cls.broadcasts else None
    node._x = None
    result = T._wrap(out, node, True)
    node._saved = _save(node, args, out, result)
    if T._eng.anomaly:  # anomaly mode: remember where the node was created
        node._extra().trace = T._eng.anomaly_trace()
    return result


@cython.locals(t=Tensor, node=Node)
def unary(cls: type, a: Tensor, **params: Any) -> Tensor:
    if not isinstance(a, Tensor):
        raise TypeError(f"{cls.op}(): expected a tensor, got {type(a).__name__}")
    t = a
    if t._x is not None:
        _fresh(t)
    node = cls.__new__(cls)
    T = type(a)
    out = node.forward(T._xp, t._data, **params) if params else node.forward(T._xp, t._data)
    if t._requires_grad and STATE.enabled:
        node._next = (_edge(t),)
        return _finish(node, cls, (a,), out, T)
    return T._wrap(out)


@cython.locals(x=Tensor, y=Tensor, node=Node, ta=cython.bint, tb=cython.bint)
def binary(cls: type, a: Any, b: Any, **params: Any) -> Tensor:
    ta = isinstance(a, Tensor)
    tb = isinstance(b, Tensor)
    if ta:
        x = a
        if x._x is not None:
            _fresh(x)
        T = type(a)
        if tb:
            y = b
            if y._x is not None:
                _fresh(y)
            if type(b) is not T:
                raise TypeError(
                    f"cannot mix tensors of different backends ({T._eng.name} and {type(b)._eng.name})")
    else:
        y = b
        if y._x is not None:
            _fresh(y)
        T = type(b)
    da, db = T._eng.promote(x._data if ta else a, y._data if tb else b, ta, tb)
    node = cls.__new__(cls)
    try:
        out = node.forward(T._xp, da, db, **params) if params else node.forward(T._xp, da, db)
    except ValueError as exc:  # namespaces say ValueError; PyTorch code catches RuntimeError
        raise _shape_error(cls, (da, db), exc) from exc
    if STATE.enabled and ((ta and x._requires_grad) or (tb and y._requires_grad)):
        node._next = (_edge(x) if ta else None, _edge(y) if tb else None)
        return _finish(node, cls, (a, b), out, T)
    return T._wrap(out)


@cython.locals(t=Tensor, node=Node, tracked=cython.bint, raw=list, edges=list)
def apply(cls: type, args: Sequence[Any], T: type, **params: Any) -> Tensor:
    """Any arity; non-tensor arguments are constants."""
    raw = []
    edges = []  # what each input's gradient flows into, should the op be recorded
    tracked = False
    for a in args:
        if isinstance(a, Tensor):
            t = a
            if t._x is not None:
                _fresh(t)
            if type(a) is not T:
                raise TypeError(
                    f"cannot mix tensors of different backends ({T._eng.name} and {type(a)._eng.name})")
            raw.append(t._data)
            if t._grad_fn is not None:
                edges.append(t._grad_fn)
                tracked = True
            elif t._requires_grad:
                edges.append(a)
                tracked = True
            else:
                edges.append(None)
        else:
            raw.append(a)
            edges.append(None)
    node = cls.__new__(cls)
    try:
        out = node.forward(T._xp, *raw, **params)
    except ValueError as exc:
        raise _shape_error(cls, raw, exc) from exc
    if tracked and STATE.enabled:
        node._next = tuple(edges)
        return _finish(node, cls, args, out, T)
    return T._wrap(out)


def _shape_error(cls: type, raw: Sequence[Any], exc: ValueError) -> RuntimeError:
    shapes = " and ".join(str(tuple(getattr(a, "shape", ()))) for a in raw)
    return RuntimeError(
        f"{cls.op}: operands of shapes {shapes} do not broadcast together ({exc}); make the "
        "trailing dimensions equal or 1, e.g. with unsqueeze() or reshape()")


def constant(T: type, data: Any) -> Tensor:
    """A tensor outside the graph (comparisons, indices)."""
    return T._wrap(data)
