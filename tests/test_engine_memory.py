"""Memory in gradspec's engine: graphs hold no reference cycles, and backward frees what they saved.

With the cyclic garbage collector off, an object that is freed was freed by reference counting
alone; a weak reference that dies proves it.  A cycle anywhere in tensor -> grad_fn -> saved
tensors -> ... would keep the whole graph (and its arrays) alive until a collection.
"""

from __future__ import annotations

import weakref

import pytest

import gradspec
from gradspec.backends.engine.node import FREED, SavedInput, SavedOutput
from support import refcount_only


@pytest.fixture
def no_cycle_collector():
    """The cyclic garbage collector off for the test (reference counting only)."""
    with refcount_only():
        yield


def _saved_refs(*tensors) -> list:
    """Weak references to everything the tensors' grad_fn nodes saved (tensors and arrays)."""
    refs = []
    for t in tensors:
        for entry in t.grad_fn._saved:
            if isinstance(entry, SavedInput):
                refs.append(weakref.ref(entry.tensor))
            elif isinstance(entry, SavedOutput):
                refs.append(weakref.ref(entry.data))
    return refs


def _graph(B):
    """x (leaf) -> a = x * 2 -> b = exp(a) (saves its output) -> c = a * b (saves a and b) ->
    d = sin(c) (saves c) -> loss = d.sum()."""
    x = B.tensor([0.1, 0.2, 0.3], dtype=B.float64, requires_grad=True)
    a = x * 2
    b = a.exp()
    c = a * b
    d = c.sin()
    loss = d.sum()
    return x, a, b, c, d, loss


def _alive(refs) -> int:
    return sum(r() is not None for r in refs)


def test_dropping_a_graph_after_backward_frees_it(engine_backend, no_cycle_collector):
    x, a, b, c, d, loss = _graph(engine_backend)
    refs = [weakref.ref(t) for t in (a, b, c, d, loss)] + _saved_refs(b, c, d)
    assert len(refs) == 5 + 4
    loss.backward()
    del a, b, c, d, loss
    assert _alive(refs) == 0
    assert x.grad is not None  # the leaf and its gradient stay


def test_dropping_a_graph_without_backward_frees_it(engine_backend, no_cycle_collector):
    x, a, b, c, d, loss = _graph(engine_backend)
    refs = [weakref.ref(t) for t in (a, b, c, d, loss)] + _saved_refs(b, c, d)
    del a, b, c, d, loss
    assert _alive(refs) == 0
    assert x.grad is None


def test_backward_releases_saved_tensors_while_the_output_lives(engine_backend, no_cycle_collector):
    x, a, b, c, d, loss = _graph(engine_backend)
    saved = _saved_refs(b, c, d)
    nodes = [t.grad_fn for t in (b, c, d)]
    del a, b, c, d  # the graph still holds them through loss
    assert _alive(saved) == len(saved)
    loss.backward()
    assert _alive(saved) == 0
    assert all(n._saved is FREED for n in nodes)
    assert loss.grad_fn is not None  # the graph's structure is still there


def test_retain_graph_keeps_saved_tensors_until_the_last_backward(engine_backend,
                                                                  no_cycle_collector):
    x, a, b, c, d, loss = _graph(engine_backend)
    saved = _saved_refs(b, c, d)
    del a, b, c, d
    loss.backward(retain_graph=True)
    assert _alive(saved) == len(saved)
    first = x.grad.tolist()
    loss.backward()
    assert _alive(saved) == 0
    assert x.grad.tolist() == pytest.approx([2 * g for g in first])


def test_grad_with_create_graph_leaves_no_cycle(engine_backend, no_cycle_collector):
    B = engine_backend
    x = B.tensor([0.5, 1.5], dtype=B.float64, requires_grad=True)
    y = (x.sin() * x).sum()
    (g,) = B.autograd.grad(y, x, create_graph=True)
    refs = [weakref.ref(t) for t in (y, g)] + _saved_refs(y, g)
    (gg,) = B.autograd.grad(g.sum(), x)
    refs.append(weakref.ref(gg))
    del y, g, gg
    assert _alive(refs) == 0


def test_views_retain_grad_and_in_place_updates_leave_no_cycle(engine_backend,
                                                               no_cycle_collector):
    B = engine_backend
    x = B.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    v = y[1:3]  # a view of a non-leaf
    v.mul_(10)  # rebases y's graph (CopySlices)
    w = y.view(2, 2)
    loss = (w * w).sum()
    refs = [weakref.ref(t) for t in (y, v, w, loss)]
    loss.backward()
    assert y.grad is not None
    del y, v, w, loss
    assert _alive(refs) == 0
    # loss = sum(y**2) with y = [2x0, 20x1, 20x2, 2x3]
    assert x.grad.tolist() == [8.0, 1600.0, 2400.0, 32.0]


def test_dropping_a_100000_op_chain_frees_it(engine_backend, no_cycle_collector):
    B = engine_backend
    x = B.tensor(1.0, requires_grad=True)
    first = x * 1.0
    ref = weakref.ref(first)
    y = first
    for _ in range(100_000):
        y = y * x  # saves y: d/dx needs it
    del first
    assert ref() is not None  # saved by the chain's first node
    del y
    assert ref() is None


def test_a_raw_numpy_operand_is_freed_like_a_saved_tensor():
    """A numpy array operand is saved as is; releasing the node must not compare it with
    ``==`` (an array's truth value is ambiguous), and a second backward is refused as for
    any node that saved something (RETAIN-1)."""
    import numpy as np

    B = gradspec.load_backend("numpy")
    x = B.tensor([1.0, 2.0], requires_grad=True)
    y = (x * np.array([3.0, 4.0])).sum()
    y.backward()
    assert x.grad.tolist() == [3.0, 4.0]
    assert y.grad_fn.next_functions[0][0]._saved is FREED
    with pytest.raises(gradspec.GraphFreedError):
        y.backward()
