"""Applying an op: run its forward on raw arrays and, when recording, wire its node into the graph.

This is the engine's hot path.  ``unary`` and ``binary`` are the specialised common cases;
``apply`` handles any arity (inputs may be tensors, Python scalars or raw arrays, the last two
being constants).  PyTorch's dtype promotion is applied here, once, because array namespaces
disagree (array_api_strict refuses int + float).
"""

from __future__ import annotations

from typing import Any, Sequence

from .grad_mode import STATE
from .node import Checked, Node, OpInfo, SavedInput, SavedOutput, op_info
from .tensor import Tensor, VersionCounter, _constant, _new

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


def _save(node: Node, info: OpInfo, args: Sequence[Any], out: Any, result: Tensor) -> tuple:
    n = len(args)
    positions = info.saved_positions(node._next)
    if not positions and not info.saves_output:
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
    if info.saves_output:
        vc = result._vc = VersionCounter()
        entries.append(SavedOutput(out, vc, 0, type(result)))
        tensors = True
    return Checked(entries) if tensors else tuple(entries)


_NOTHING = tuple((None,) * n for n in range(5))  # what a node that saves nothing keeps


def _meta(node: Node, args: Sequence[Any], out: Any) -> Any:
    """Shapes/dtypes of inputs whose gradient the engine must reduce or cast."""
    oshape, odtype = out.shape, out.dtype
    meta = None
    nxt = node._next
    for i in range(len(args)):
        if nxt[i] is not None:
            d = args[i]._data
            if d.shape != oshape or (d.dtype is not odtype and d.dtype != odtype):
                if meta is None:
                    meta = [None] * len(args)
                meta[i] = (d.shape, d.dtype)
    return meta


def _finish(node: Node, info: OpInfo, args: Sequence[Any], out: Any, T: type, eng: Any,
            meta: Any) -> Tensor:
    node._meta = meta
    node._x = None
    result = _new(T, out, node, True)
    node._saved = _save(node, info, args, out, result)
    if eng.anomaly:  # anomaly mode: remember where the node was created
        node._extra().trace = eng.anomaly_trace()
    return result


def _quiet_on(T: type) -> Any:
    """Set the host's floating-point state to silent for a ``quiet`` node's forward; the token
    to restore it (None where the host has none).  (A context manager costs several times
    more, and this runs on every such op.)"""
    eng = T._eng
    var = eng.quiet_var
    return None if var is None else var.set(eng.quiet_value)


def _quiet_off(T: type, token: Any) -> None:
    if token is not None:
        T._eng.quiet_var.reset(token)


def _number(x: Any) -> bool:
    """A Python number: as an operand it keeps an array's shape and (unpromoted) dtype."""
    k = type(x)
    return k is float or k is int or k is bool


@cython.locals(t=Tensor, node=Node, info=OpInfo)
def unary(cls: type, a: Tensor, **params: Any) -> Tensor:
    if not isinstance(a, Tensor):
        raise TypeError(f"{cls.op}(): expected a tensor, got {type(a).__name__}")
    t = a
    if t._x is not None:
        _fresh(t)
    info = op_info(cls)
    node = cls.__new__(cls)
    T = type(a)
    if info.quiet:
        token = _quiet_on(T)
        try:
            out = cls.forward(node, T._xp, t._data, **params)
        finally:
            _quiet_off(T, token)
    elif params:
        out = cls.forward(node, T._xp, t._data, **params)
    else:
        out = cls.forward(node, T._xp, t._data)
    if info.contiguous:
        out = T._eng.c_order(out)
    if t._requires_grad and STATE.enabled:
        node._next = (_edge(t),)
        return _finish(node, info, (a,), out, T, T._eng,
                       _meta(node, (a,), out) if info.broadcasts else None)
    return _new(T, out, None, False)


def binary(cls: type, a: Any, b: Any) -> Tensor:
    """A two-input op; a Python number or a raw array on either side is a constant."""
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
    eng = T._eng
    info = op_info(cls)
    kept = False  # the result has the tensor operand's shape and dtype
    if ta and tb:
        da, db = x._data, y._data
        ka, kb = da.dtype, db.dtype
        if ka is not kb and ka != kb:
            da, db = eng.promote(da, db, True, True)
        args = (a, b)
    elif ta:
        da = x._data
        if type(b) is float and eng._kinds.get(da.dtype) == "f":
            db = b  # a float array and a Python float: nothing to promote (promote's first case)
        else:
            da, db = eng.promote(da, b, True, False)
        # a Python number keeps the array's shape, and its dtype when promotion left the
        # array as it was: nothing to reduce or cast then
        kept = _number(b) and da is x._data
        if info.arrays and type(db) is float:
            db = _constant(eng, T._xp, db, da.dtype)
        args = (a, db)  # the constant as the op used it: backward formulas use it too
    else:
        db = y._data
        if type(a) is float and eng._kinds.get(db.dtype) == "f":
            da = a
        else:
            da, db = eng.promote(a, db, False, True)
        kept = _number(a) and db is y._data
        if info.arrays and type(da) is float:
            da = _constant(eng, T._xp, da, db.dtype)
        args = (da, b)
    node = cls.__new__(cls)
    try:
        if info.quiet:
            token = _quiet_on(T)
            try:
                out = cls.forward(node, T._xp, da, db)
            finally:
                _quiet_off(T, token)
        else:
            out = cls.forward(node, T._xp, da, db)
    except ValueError as exc:  # namespaces say ValueError; PyTorch code catches RuntimeError
        raise _shape_error(cls, (da, db), exc) from exc
    if info.contiguous:
        out = eng.c_order(out)
    if STATE.enabled and ((ta and x._requires_grad) or (tb and y._requires_grad)):
        node._next = (_edge(x) if ta else None, _edge(y) if tb else None)
        return _finish(node, info, args, out, T, eng,
                       _meta(node, args, out) if info.broadcasts and not kept else None)
    return _new(T, out, None, False)


@cython.locals(t=Tensor, node=Node, info=OpInfo, tracked=cython.bint, raw=list, edges=list)
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
    info = op_info(cls)
    node = cls.__new__(cls)
    try:
        if info.quiet:
            token = _quiet_on(T)
            try:
                out = cls.forward(node, T._xp, *raw, **params)
            finally:
                _quiet_off(T, token)
        else:
            out = cls.forward(node, T._xp, *raw, **params)
    except ValueError as exc:
        raise _shape_error(cls, raw, exc) from exc
    if info.contiguous:
        out = T._eng.c_order(out)
    if tracked and STATE.enabled:
        node._next = tuple(edges)
        return _finish(node, info, args, out, T, T._eng,
                       _meta(node, args, out) if info.broadcasts else None)
    return _new(T, out, None, False)


def broadcast_clash(shapes: Sequence[tuple]) -> str:
    """PyTorch's sentence for operands that do not broadcast ("The size of tensor a (3) must
    match ..."), or "" when they do: the operands broadcast in order, each against the shape of
    those before it, and the first clash from the last dimension back is named."""
    a = tuple(shapes[0]) if shapes else ()
    for b in shapes[1:]:
        n = max(len(a), len(b))
        a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + tuple(b)
        clash = next((d for d in range(n - 1, -1, -1)
                      if a[d] != b[d] and 1 not in (a[d], b[d])), None)
        if clash is not None:
            return (f"The size of tensor a ({a[clash]}) must match the size of tensor b "
                    f"({b[clash]}) at non-singleton dimension {clash}")
        a = tuple(y if x == 1 else x for x, y in zip(a, b))
    return ""


def _shape_error(cls: type, raw: Sequence[Any], exc: ValueError) -> RuntimeError:
    shapes = [tuple(getattr(a, "shape", ())) for a in raw]
    where = broadcast_clash(shapes)
    listed = " and ".join(str(s) for s in shapes)
    return RuntimeError(
        f"{where + ': ' if where else ''}{cls.op}: operands of shapes {listed} do not broadcast "
        f"together ({exc}); make the trailing dimensions equal or 1, e.g. with unsqueeze() or "
        "reshape()")


def constant(T: type, data: Any) -> Tensor:
    """A tensor outside the graph (comparisons, indices)."""
    return _new(T, data, None, False)
