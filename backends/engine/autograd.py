"""The backward engine: ``backward`` and ``grad``.

The graph is walked iteratively (no recursion: a 100,000-op chain is fine) in topological order
(Kahn's algorithm on the nodes reachable from the outputs, restricted to those that lead to the
requested inputs), once per node, so the cost is linear in the graph's size.  Leaf gradients are
summed over the whole pass, given to the leaf's hooks once, and accumulated at the end: a
backward that fails half way leaves every ``.grad`` as it was.
"""

from __future__ import annotations

import traceback
from typing import Any

from gradspec.errors import (
    AnomalyError,
    EmptyInputsError,
    GradientCountError,
    GradientShapeError,
    NonScalarBackwardError,
    NoGradPathError,
    UnusedInputError,
)

from gradspec import notices
from .functional import GRAPH_F
from .grad_mode import STATE
from .node import Node, op_info
from .ops.cast import clone
from .tensor import Tensor


def _as_list(x: Any, what: str) -> list:
    if isinstance(x, Tensor):
        return [x]
    if x is None:
        return []
    try:
        return list(x)
    except TypeError:
        raise TypeError(f"{what} must be a tensor or a sequence of tensors, got {type(x).__name__}") from None


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, grad_variables: Any = None, inputs: Any = None) -> None:
    """Accumulate into ``.grad`` the gradients of ``tensors`` (weighted by ``grad_tensors``)."""
    outputs = _as_list(tensors, "tensors")
    if grad_tensors is None:
        grad_tensors = grad_variables
    grads = _grads(grad_tensors, len(outputs), "grad_tensors")
    targets = None
    if inputs is not None:
        targets = _as_list(inputs, "inputs")
        if not targets:
            raise EmptyInputsError("`inputs` argument to backward() cannot be empty; pass None "
                                   "to accumulate into every leaf")
        _check_inputs(targets, "backward(inputs=...)")
        for t in targets:  # as PyTorch: a non-leaf input retains its grad from now on (BWD-7)
            if t._grad_fn is not None:
                t.retain_grad()
    if create_graph:  # (PyTorch's notice, once per process as there)
        notices.warn("Using backward() with create_graph=True will create a reference cycle "
                     "between the parameter and its gradient which can cause a memory leak. We "
                     "recommend using autograd.grad when creating the graph to avoid this. If "
                     "you have to use this function, make sure to reset the .grad fields of "
                     "your parameters to None after use to break the cycle and avoid the leak.",
                     once="backward-create-graph")
    _run(outputs, grads, retain_graph, create_graph, targets, accumulate=True)


def _check_inputs(inputs: list, what: str) -> None:
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: inputs must be tensors, got {type(t).__name__}")
        if not t.requires_grad:
            raise NoGradPathError(
                f"{what}: one of the differentiated tensors does not require grad; set "
                "requires_grad=True on it (or remove it from inputs)")


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple; ``.grad`` untouched."""
    outs = _as_list(outputs, "outputs")
    ins = _as_list(inputs, "inputs")
    if not ins:
        raise EmptyInputsError("`inputs` argument to grad() cannot be empty; pass the tensors "
                               "to differentiate with respect to")
    if is_grads_batched:
        return _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
                             allow_unused, materialize_grads)
    _check_inputs(ins, "grad()")
    grads = _grads(grad_outputs, len(outs), "grad_outputs")
    results = _run(outs, grads, retain_graph, create_graph, ins, accumulate=False)
    out = []
    for i, (t, r) in enumerate(zip(ins, results)):
        if r is None:
            if materialize_grads:
                r = type(t)._wrap(type(t)._xp.zeros_like(t._data))
            elif not allow_unused:
                raise UnusedInputError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
        out.append(r)
    return tuple(out)


def _batched_grad(outputs: Any, inputs: Any, grad_outputs: Any, retain_graph: bool | None,
                  create_graph: bool, allow_unused: bool | None,
                  materialize_grads: bool) -> tuple:
    """``grad`` with ``is_grads_batched``: each ``grad_outputs`` tensor carries a leading batch
    dim, and the result is one backward pass per batch entry, stacked along a new first dim
    (what PyTorch computes with vmap, as plain passes here)."""
    from .functional import stack

    outs = _as_list(outputs, "outputs")
    seeds = _as_list(grad_outputs, "grad_outputs") if grad_outputs is not None else []
    if len(seeds) != len(outs) or any(s is None for s in seeds):
        raise RuntimeError("grad(is_grads_batched=True) needs a grad_outputs tensor with a "
                           "leading batch dim for every output")
    sizes = {int(s.shape[0]) if s.ndim else -1 for s in seeds}
    if len(sizes) != 1 or -1 in sizes:
        raise RuntimeError("grad(is_grads_batched=True): every grad_outputs tensor needs the "
                           f"same leading batch dim, got sizes {sorted(sizes)}")
    (batch,) = sizes
    rows = [grad(outs, inputs, [s[b] for s in seeds],
                 retain_graph=True if b < batch - 1 else retain_graph,
                 create_graph=create_graph, allow_unused=allow_unused,
                 materialize_grads=materialize_grads) for b in range(batch)]
    return tuple(None if rows[0][i] is None else stack([r[i] for r in rows])
                 for i in range(len(rows[0])))


def _grads(given: Any, n: int, what: str) -> list:
    if given is None:
        return [None] * n
    grads = [given] if isinstance(given, Tensor) else _as_list(given, what)
    if len(grads) < n:
        raise GradientCountError(
            f"got {n} tensors and {len(grads)} gradients: pass one gradient per output in {what} "
            "(None for a one-element output)")
    if len(grads) > n:
        raise GradientCountError(f"got {n} tensors and {len(grads)} gradients in {what}")
    return grads


def _root_grad(i: int, t: Tensor, g: Any, raw: bool) -> Any:
    t._fresh()
    if not t._requires_grad:
        raise NoGradPathError(
            f"element {i} of tensors does not require grad and does not have a grad_fn; did you "
            "forget requires_grad=True on a leaf, or compute it under no_grad / from detach()? "
            "(A gradient is such a tensor unless it was computed with create_graph=True and "
            "depends on an input: the derivative of a linear function is a constant.)")
    T = type(t)
    if g is None:
        if t.numel() != 1:
            raise NonScalarBackwardError(
                f"grad can be implicitly created only for scalar outputs: output {i} has shape "
                f"{tuple(t.shape)}; pass a gradient of that shape, or reduce it first (e.g. .sum())")
        ones = T._xp.ones_like(t._data)
        return ones if raw else T._wrap(ones)
    if not isinstance(g, Tensor):
        raise TypeError(f"gradients can be either tensors or None, but got {type(g).__name__}; "
                        "make it a tensor of the output's shape, e.g. torch.ones_like(output)")
    if tuple(g.shape) != tuple(t.shape):
        raise GradientShapeError(
            f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
            f"has a shape of {t.shape}. (A gradient must have exactly its output's shape.)")
    if g._data.dtype != t._data.dtype:
        g = g.detach().to(t.dtype) if raw else g.to(t.dtype)
    return g._data if raw else g


def _run(outputs: list, grads: list, retain_graph: bool | None, create_graph: bool,
         inputs: list | None, accumulate: bool) -> list | None:
    """`_walk` inside the host's quiet context: backward formulas meet inf and NaN (the
    derivative of sqrt at 0, a NaN upstream) where PyTorch prints nothing, and one context
    per backward call costs nothing per op."""
    var = type(outputs[0])._eng.quiet_var if outputs and isinstance(outputs[0], Tensor) else None
    if var is None:  # (also no output, or not a tensor: _walk's own error)
        return _walk(outputs, grads, retain_graph, create_graph, inputs, accumulate)
    token = var.set(type(outputs[0])._eng.quiet_value)
    try:
        return _walk(outputs, grads, retain_graph, create_graph, inputs, accumulate)
    finally:
        var.reset(token)


def _walk(outputs: list, grads: list, retain_graph: bool | None, create_graph: bool,
          inputs: list | None, accumulate: bool) -> list | None:
    if not outputs:
        raise RuntimeError("backward()/grad() needs at least one output tensor")
    for i, t in enumerate(outputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"element {i} of the outputs is a {type(t).__name__}, not a tensor; "
                            "backward() and grad() differentiate tensors")
    if retain_graph is None:
        retain_graph = create_graph
    raw = not create_graph
    T = type(outputs[0])
    eng = T._eng
    F = eng.raw_F if raw else GRAPH_F

    # -- the starting gradients: nodes get them in ``buffers``, leaves in ``leaf_grads`` -------
    # Nodes are keys as themselves (identity hash); tensors by id (their == is elementwise).
    buffers: dict[Node, Any] = {}
    leaf_grads: dict[int, Any] = {}
    leaves: dict[int, Tensor] = {}
    owned: set[int] = set()  # leaves whose gradient array nothing else holds (Node.fresh, sums)
    owns: set[Node] = set()  # nodes whose gradient buffer is such an array (Node.backward_owned)
    for i, (t, g) in enumerate(zip(outputs, grads)):
        gv = _root_grad(i, t, g, raw)
        fn = t._grad_fn
        if fn is not None:
            prev = buffers.get(fn)
            buffers[fn] = gv if prev is None else prev + gv
        else:
            prev = leaf_grads.get(id(t))
            leaves[id(t)] = t
            leaf_grads[id(t)] = gv if prev is None else prev + gv
    root_nodes = list(buffers)

    # -- what to capture ------------------------------------------------------------------------
    capture: dict[int, list[int]] | None = None
    if inputs is not None:
        capture = {}
        for j, t in enumerate(inputs):
            t._fresh()
            target = t._grad_fn if t._grad_fn is not None else t
            capture.setdefault(id(target), []).append(j)

    # -- discover the graph, count each node's consumers ------------------------------------
    needed: set[int] | None = None
    expand: set[int] | None = None  # nodes whose backward must run (something needed below)
    if capture is None:
        deps = _consumers(root_nodes, T)
    else:  # keep only what leads to the captured tensors
        order = _discover(root_nodes, T)
        needed, expand = _leading_to(order, capture)
        deps = {}
        for n in order:
            if id(n) in expand:
                for e in n._next:
                    if e is not None and type(e) is not T and id(e) in needed:
                        deps[e] = deps.get(e, 0) + 1

    # -- walk -----------------------------------------------------------------------------------
    captured: dict[int, Any] = {}
    retained: list[tuple[Tensor, Any]] = []
    # With one output, its node's hooks and retain_grad run even when nothing wanted lies
    # below it (PyTorch's graph root always runs its tensor pre-hooks).
    single = root_nodes[0] if needed is not None and len(outputs) == 1 and root_nodes else None
    ready = [n for n in root_nodes
             if n not in deps and (needed is None or id(n) in needed or n is single)]
    anomaly = eng.anomaly
    prev_mode = STATE.enabled
    STATE.enabled = create_graph
    try:
        while ready:
            node = ready.pop()
            g = buffers.pop(node, None)
            own = False
            if owns and g is not None:  # (the common graph has no owned buffer: one test)
                own = node in owns
            x = node._x
            if g is not None and x is not None:
                if x.hooks:
                    g = _call_hooks(x.hooks, g, raw, T)
                    own = False  # a hook may have kept it
                if x.retain is not None:
                    owner = x.retain()
                    if owner is not None:
                        retained.append((owner, g))
                        own = False
                if x.pre:
                    g = _call_node_prehooks(x.pre, g, raw, T)
                    own = False
            if capture is not None:
                if id(node) in capture:
                    captured[id(node)] = g
                    own = False  # grad() returns it
                    if id(node) not in expand:  # type: ignore[operator]
                        continue  # nothing wanted lies below this input
                elif id(node) not in needed:  # type: ignore[operator]
                    continue  # the single output's node: its hooks ran, nothing below
            if g is None:  # no gradient arrived: pass on "nothing" so the walk can go on
                grads_in: Any = (None,) * len(node._next)
            else:
                if anomaly:
                    grads_in = _anomalous(node, F, g, raw, eng.check_nan)
                else:
                    saved = node._saved  # a plain tuple holds constants only: nothing to check
                    # the class's function, looked up now (a test may patch it), called
                    # with the node: no bound method made
                    if own and op_info(type(node)).overwrites:
                        grads_in = type(node).backward_owned(node, F, g, *(
                            saved if type(saved) is tuple else node._unpack(raw)))
                    else:
                        grads_in = type(node).backward(node, F, g, *(
                            saved if type(saved) is tuple else node._unpack(raw)))
                if x is not None and x.post:
                    grads_in = _call_node_hooks(x.post, grads_in, g, raw, T)
                if not retain_graph:
                    node._release()
            meta = node._meta
            # (a node hook may keep the gradients it saw: none of them is the walk's to reuse)
            fresh = op_info(type(node)).fresh if raw and (x is None or not x.post) else ()
            nxt = node._next
            gis = tuple(grads_in)  # the same tuple when backward returned one
            for i in range(min(len(nxt), len(gis))):
                e = nxt[i]
                if e is None:
                    continue
                gi = gis[i]
                if meta is not None and gi is not None and meta[i] is not None:
                    shape, dtype = meta[i]
                    if tuple(gi.shape) != shape:
                        gi = F.sum_to(gi, shape)
                    if gi.dtype != dtype:
                        gi = F.astype(gi, dtype)
                if type(e) is T:  # a leaf
                    ek = id(e)
                    if gi is None or (capture is not None and ek not in capture):
                        continue
                    leaves[ek] = e
                    prev = leaf_grads.get(ek)
                    if prev is None:
                        leaf_grads[ek] = gi
                        if i in fresh:
                            owned.add(ek)
                    else:
                        leaf_grads[ek] = prev + gi
                        owned.add(ek)
                    continue
                if needed is not None and id(e) not in needed:
                    continue
                if gi is not None:
                    prev = buffers.get(e)
                    if prev is None:
                        buffers[e] = gi
                        if fresh and i in fresh:
                            owns.add(e)
                    else:
                        buffers[e] = prev + gi
                        if raw:
                            owns.add(e)
                left = deps[e] - 1
                deps[e] = left
                if left == 0:
                    ready.append(e)

        # -- leaves: hooks once per pass, then accumulate or capture ---------------------------
        for k, leaf in list(leaves.items()):
            if not leaf._requires_grad:  # turned off after the graph was built (LEAF-6)
                del leaves[k]
                continue
            x = leaf._x
            if x is not None and x.hooks:
                leaf_grads[k] = _call_hooks(x.hooks, leaf_grads[k], raw, T)
                owned.discard(k)  # a hook may have kept it
    finally:
        STATE.enabled = prev_mode

    for owner, g in retained:
        _retain(owner, g, raw)
    if capture is None:
        for k, leaf in leaves.items():
            _accumulate(leaf, leaf_grads[k], raw, k in owned)
            x = leaf._x
            if x is not None and x.post_hooks:
                _post_accumulate(leaf, x.post_hooks)
        return None
    results: list[Any] = [None] * len(inputs)  # type: ignore[arg-type]
    for k, positions in capture.items():
        g = leaf_grads.get(k, captured.get(k))
        if g is None:
            continue
        for j in positions:
            if accumulate:
                if inputs[j]._grad_fn is None:  # type: ignore[index]
                    _accumulate(inputs[j], g, raw)  # type: ignore[index]
                    x = inputs[j]._x  # type: ignore[index]
                    if x is not None and x.post_hooks:
                        _post_accumulate(inputs[j], x.post_hooks)  # type: ignore[index]
                # (a non-leaf input retains its grad: the walk gave it its gradient)
            else:
                results[j] = _as_input(inputs[j], g, raw)  # type: ignore[index]
    return results


def _as_input(t: Tensor, g: Any, raw: bool) -> Any:
    """A gradient returned for ``t``: in ``t``'s dtype, like a leaf's accumulated ``.grad``
    (a mixed-precision formula can compute it wider)."""
    T = type(t)
    if raw:
        if g.dtype != t._data.dtype:
            g = T._xp.astype(g, t._data.dtype)
        return T._wrap(g)
    if g.dtype != t._data.dtype:
        prev, STATE.enabled = STATE.enabled, True  # create_graph: the cast is part of the graph
        try:
            g = g.to(t.dtype)
        finally:
            STATE.enabled = prev
    return g


def _consumers(roots: list[Node], T: type) -> dict[Node, int]:
    """Every node reachable from ``roots`` -> how many edges of the graph lead to it; one
    iterative depth-first pass.  (An edge is None, a leaf tensor of class ``T``, or a node.)"""
    deps: dict[Node, int] = {}
    is_root = set(roots)
    stack = list(roots)
    while stack:
        for e in stack.pop()._next:
            if e is None or type(e) is T:
                continue  # no gradient wanted, or a leaf
            count = deps.get(e)
            if count is None:
                deps[e] = 1
                if e not in is_root:
                    stack.append(e)
            else:
                deps[e] = count + 1
    return deps


def _discover(roots: list[Node], T: type) -> list[Node]:
    """The nodes reachable from ``roots``, in iterative depth-first discovery order."""
    order: list[Node] = []
    seen = {id(n) for n in roots}
    stack = list(roots)
    while stack:
        n = stack.pop()
        order.append(n)
        for e in n._next:
            if e is not None and type(e) is not T and id(e) not in seen and isinstance(e, Node):
                seen.add(id(e))
                stack.append(e)
    return order


def _leading_to(order: list[Node], capture: dict[int, list[int]]) -> tuple[set[int], set[int]]:
    """The nodes that are captured or lead to a captured node or leaf (``needed``), and those
    among them whose backward must run because something captured lies below (``expand``)."""
    needed: set[int] = set()
    expand: set[int] = set()
    # ``order`` is a DFS discovery order, so walking it backwards mostly visits children before
    # parents; iterate to a fixpoint for nodes discovered before another of their parents.
    changed = True
    while changed:
        changed = False
        for n in reversed(order):
            k = id(n)
            if k in expand:
                continue
            if any(e is not None and (id(e) in needed or id(e) in capture) for e in n._next):
                expand.add(k)
                needed.add(k)
                changed = True
            elif k in capture and k not in needed:
                needed.add(k)
                changed = True
    return needed, expand


def _call_hooks(hooks: list, g: Any, raw: bool, T: type) -> Any:
    cur = T._wrap(g) if raw else g
    for hook in list(hooks):
        out = hook(cur)
        if out is not None:
            if not isinstance(out, Tensor):
                raise TypeError(f"a hook must return a tensor or None, got {type(out).__name__}")
            if tuple(out.shape) != tuple(cur.shape):
                raise GradientShapeError(
                    f"hook {getattr(hook, '__name__', hook)!r} has changed the size of the gradient "
                    f"from {tuple(cur.shape)} to {tuple(out.shape)}; a hook must keep its shape")
            cur = out
    return cur._data if raw else cur


def _call_node_prehooks(hooks: list, g: Any, raw: bool, T: type) -> Any:
    """A node's pre-hooks on ``(g,)``, each one's tuple replacing it (Node.register_prehook)."""
    cur = (T._wrap(g) if raw else g,)
    for hook in list(hooks):
        out = hook(cur)
        if out is not None:
            cur = _hook_tuple(hook, out, cur, "grad_outputs")
    return cur[0]._data if raw else cur[0]


def _call_node_hooks(hooks: list, grads_in: Any, g: Any, raw: bool, T: type) -> tuple:
    """A node's hooks on ``(grad_inputs, grad_outputs)`` after its backward, each one's tuple
    replacing ``grad_inputs`` (Node.register_hook)."""
    cur = tuple(None if v is None else (T._wrap(v) if raw else v) for v in grads_in)
    outputs = (T._wrap(g) if raw else g,)
    for hook in list(hooks):
        out = hook(cur, outputs)
        if out is not None:
            cur = _hook_tuple(hook, out, cur, "grad_inputs")
    return tuple(None if v is None else (v._data if raw else v) for v in cur)


def _hook_tuple(hook: Any, out: Any, cur: tuple, what: str) -> tuple:
    """A node hook's result checked: a tuple of as many gradients (or None), each of the
    shape it replaces."""
    name = getattr(hook, "__name__", hook)
    if not isinstance(out, (tuple, list)):
        raise TypeError(f"hook {name!r} returned {type(out).__name__} where a tuple of "
                        f"{len(cur)} {what} (tensors or None) or None was expected")
    if len(out) != len(cur):  # (PyTorch's words first)
        raise RuntimeError(f"hook {name!r} has returned an incorrect number of values (got "
                           f"{len(out)}, but expected {len(cur)}): return one of the {what} "
                           "per input of the node, None where it has none")
    for new, old in zip(out, cur):
        if new is None:
            continue
        if not isinstance(new, Tensor):
            raise TypeError(f"hook {name!r} must return tensors or None in its {what}, got "
                            f"{type(new).__name__}")
        if old is not None and tuple(new.shape) != tuple(old.shape):
            raise GradientShapeError(
                f"hook {name!r} has changed the size of a gradient from {tuple(old.shape)} to "
                f"{tuple(new.shape)}; a hook must keep its shape")
    return tuple(out)


def _accumulate(t: Tensor, g: Any, raw: bool, owned: bool = False) -> None:
    """Add ``g`` to the ``.grad`` of leaf ``t`` (clauses ACC-5, ACC-6); ``owned``: nothing else
    holds ``g``, which may then become the new ``.grad`` itself.

    Without create_graph the sum goes into the existing ``.grad`` in place, even when that
    ``.grad`` carries a graph from an earlier create_graph pass: it stays the same object (what
    an optimizer or a user holds sees the sum) and its version counter moves, so a graph that
    saved it notices.  With create_graph the sum is a new, differentiable tensor."""
    T = type(t)
    if raw:
        if g.dtype != t._data.dtype:
            g = T._xp.astype(g, t._data.dtype)
            owned = True
        cur = t._grad
        if cur is None:
            # a new .grad is laid out in C order, as PyTorch's AccumulateGrad gives a contiguous
            # leaf a contiguous grad (a transpose's backward hands over a transposed view)
            dense = T._eng.c_order(g)
            t._grad = T._wrap(dense if owned or dense is not g else T._eng.copy(g))
            return
        cur._own()  # a 0-d numpy result is an immutable scalar: give it storage first
        try:
            cur._data += g
        except ValueError as exc:  # read-only: an expanded view assigned as .grad
            raise RuntimeError(
                f"cannot accumulate into this tensor's .grad in place ({exc}): it is probably an "
                "expanded view whose elements share memory. Assign a tensor of its own, e.g. "
                "x.grad = g.clone().") from None
        cur._bump()
        return
    # create_graph: record the accumulation, as the pass itself was (also inside no_grad)
    prev, STATE.enabled = STATE.enabled, True
    try:
        if g.dtype != t._data.dtype:
            g = g.to(t.dtype)
        # a copy, never ``g`` itself: it may be the caller's gradient or a tensor autograd.grad
        # returned, and a later backward accumulates into .grad in place
        t._grad = clone(g) if t._grad is None else t._grad + g
    finally:
        STATE.enabled = prev


def _post_accumulate(t: Tensor, hooks: list) -> None:
    """Call the leaf's post-accumulate hooks; each must return None (PyTorch's rule)."""
    for hook in list(hooks):
        out = hook(t)
        if out is not None:
            raise TypeError(f"expected Variable, but hook returned '{type(out).__name__}': a "
                            "post-accumulate-grad hook must return None (change t.grad in "
                            "place instead)")


def _retain(t: Tensor, g: Any, raw: bool) -> None:
    """Give ``g`` to the non-leaf ``t`` that retains its gradient (RETAINGRAD-1): a copy the
    first time, then ``old + g`` as a new tensor: unlike a leaf's, a retained ``.grad`` is
    never updated in place (ACC-5), as in PyTorch."""
    T = type(t)
    if raw:
        if g.dtype != t._data.dtype:
            g = T._xp.astype(g, t._data.dtype)
        cur = t._grad
        t._grad = T._wrap(T._eng.copy(g) if cur is None else cur._data + g)
        return
    prev, STATE.enabled = STATE.enabled, True
    try:
        if g.dtype != t._data.dtype:
            g = g.to(t.dtype)
        t._grad = clone(g) if t._grad is None else t._grad + g
    finally:
        STATE.enabled = prev


def _anomalous(node: Node, F: Any, g: Any, raw: bool, check_nan: bool) -> Any:
    """One backward step in anomaly mode: errors say where the failing node was created, and
    a NaN in what it returns is an error."""
    try:
        grads = node.backward(F, g, *node._unpack(raw))
    except Exception as exc:
        _annotate(exc, node)
        raise
    if check_nan:
        for i, gi in enumerate(grads):
            data = gi if raw or gi is None else gi._data
            if data is not None and bool(_xp_of(data).any(_xp_of(data).isnan(data))):
                raise AnomalyError(
                    f"Function {node.name()!r} returned nan values in its {i}th output: its "
                    "forward input or the incoming gradient holds inf or 0/0 (sqrt or log at 0, a "
                    "division by zero, an unselected where() branch); clamp or mask the input "
                    f"before that op.{_origin(node)}")
    return grads


def _origin(node: Node) -> str:
    """Where ``node`` was created, as recorded in anomaly mode."""
    trace = node._x.trace if node._x is not None else None
    if not trace:
        return (f"\nWhere {node.name()} was created is unknown: it was created before anomaly "
                "mode was switched on.")
    last = trace[-1]
    return (f"\nThe failing node {node.name()} was created at {last.filename}:{last.lineno} "
            f"({(last.line or '').strip()}); the forward call's stack (most recent call last):\n"
            + "".join(traceback.format_list(trace)).rstrip())


def _annotate(exc: BaseException, node: Node) -> None:
    """Append where ``node`` was created to ``exc``'s message (its class is kept)."""
    note = _origin(node)
    if exc.args and isinstance(exc.args[0], str):
        exc.args = (exc.args[0] + note, *exc.args[1:])
    elif hasattr(exc, "add_note"):
        exc.add_note(note)


def _xp_of(data: Any) -> Any:
    return data.__array_namespace__()
