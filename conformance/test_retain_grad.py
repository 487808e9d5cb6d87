"""RETAINGRAD: gradients of non-leaf tensors (clauses RETAINGRAD-1 .. RETAINGRAD-3).

Reading a non-leaf's ``.grad`` warns on torch (and on our engines); the reads below silence it.
"""

import warnings

import pytest

from gradspec.conformance.helpers import raises_kind
from gradspec.errors import NoGradPathError


def _grad(t):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = t.grad
    return None if g is None else g.tolist()


# ----------------------------------------------------------------------------------- RETAINGRAD-1
@pytest.mark.clause("RETAINGRAD-1")
def test_non_leaf_grad_is_none_after_backward(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.sum().backward()
    assert _grad(y) is None
    assert y.retains_grad is False
    assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.clause("RETAINGRAD-1")
def test_every_intermediate_of_a_chain_keeps_none(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    a = x * 2
    b = a.exp()
    c = b.sum()
    c.backward()
    assert [_grad(t) for t in (a, b, c)] == [None, None, None]
    assert not any(t.retains_grad for t in (a, b, c))


@pytest.mark.clause("RETAINGRAD-1")
def test_non_leaf_grad_stays_none_after_repeated_backward(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    z = y.sum()
    z.backward(retain_graph=True)
    z.backward()
    assert _grad(y) is None and x.grad.tolist() == [4.0, 8.0]


@pytest.mark.clause("RETAINGRAD-1")
def test_seed_graph_non_leaves_keep_none(backend):
    w = backend.tensor([1.0], requires_grad=True)
    x = backend.tensor([2.0], requires_grad=True)
    a = w + x
    b = w + 1
    y = a * b
    y.backward()
    assert [_grad(t) for t in (a, b, y)] == [None, None, None]


# ----------------------------------------------------------------------------------- RETAINGRAD-2
@pytest.mark.clause("RETAINGRAD-2")
def test_retain_grad_sets_the_flag(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    assert y.retains_grad is False
    assert y.retain_grad() is None
    assert y.retains_grad is True


@pytest.mark.clause("RETAINGRAD-2")
def test_retained_grad_is_populated_and_accumulates(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    z = (y ** 2).sum()
    z.backward(retain_graph=True)
    assert _grad(y) == [6.0, 12.0]
    assert x.grad.tolist() == [18.0, 36.0]
    z.backward()
    assert _grad(y) == [12.0, 24.0]
    assert x.grad.tolist() == [36.0, 72.0]


@pytest.mark.clause("RETAINGRAD-2")
def test_retained_grad_accumulates_across_fresh_graphs(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    # Two graphs on top of the same y; y's own node is shared, so keep it for the second.
    (y * 2).sum().backward(retain_graph=True)
    (y * y).sum().backward()
    assert _grad(y) == [2.0 + 6.0, 2.0 + 12.0]


@pytest.mark.clause("RETAINGRAD-2")
def test_retained_grad_looks_like_a_leaf_grad(backend):
    x = backend.tensor([[1.0, 2.0]], requires_grad=True)
    y = x * 3
    y.retain_grad()
    (y * y).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = y.grad
    assert tuple(g.shape) == (1, 2) and g.dtype == y.dtype
    assert g.requires_grad is False and g.grad_fn is None


@pytest.mark.clause("RETAINGRAD-2")
def test_seed_graph_retain_grad_on_one_intermediate(backend):
    w = backend.tensor([1.0], requires_grad=True)
    x = backend.tensor([2.0], requires_grad=True)
    a = w + x
    a.retain_grad()
    b = w + 1
    (a * b).backward()
    assert _grad(a) == [2.0] and _grad(b) is None
    assert a.retains_grad and not b.retains_grad


@pytest.mark.clause("RETAINGRAD-2")
def test_retained_grad_can_be_reset_to_none(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    z = (y * y).sum()
    z.backward(retain_graph=True)
    y.grad = None
    z.backward()
    assert _grad(y) == [6.0, 12.0]


@pytest.mark.clause("RETAINGRAD-2")
def test_retain_grad_on_a_leaf_is_a_no_op(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    x.retain_grad()
    assert x.retains_grad is False
    assert x.is_leaf and x.grad is None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.clause("RETAINGRAD-2")
@pytest.mark.parametrize("make", ["plain", "detached", "untracked-result"])
def test_retain_grad_without_requires_grad_raises(backend, make):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    t = {
        "plain": lambda: backend.tensor([1.0, 2.0]),
        "detached": lambda: x.detach(),
        "untracked-result": lambda: backend.tensor([1.0]) * 2,
    }[make]()
    with raises_kind(backend, NoGradPathError):
        t.retain_grad()
    assert t.retains_grad is False and t.grad is None


@pytest.mark.clause("RETAINGRAD-2")
def test_retain_grad_after_backward_affects_only_later_calls(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    z = (y ** 2).sum()
    z.backward(retain_graph=True)
    assert _grad(y) is None
    y.retain_grad()
    assert _grad(y) is None  # nothing is filled in retroactively
    z.backward()
    assert _grad(y) == [6.0, 12.0]
    assert x.grad.tolist() == [36.0, 72.0]


@pytest.mark.clause("RETAINGRAD-2")
def test_retained_grad_with_weighted_backward(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    y.backward(backend.tensor([1.0, 10.0]))
    assert _grad(y) == [1.0, 10.0]


# ----------------------------------------------------------------------------------- RETAINGRAD-3
@pytest.mark.clause("RETAINGRAD-3")
def test_retained_grad_after_in_place_mul(backend):
    x = backend.tensor([1.0], requires_grad=True)
    a = x * 1
    a.retain_grad()
    a.mul_(2)
    a.sum().backward()
    assert _grad(a) == [1.0] and x.grad.tolist() == [2.0]


@pytest.mark.clause("RETAINGRAD-3")
def test_retained_grad_is_with_respect_to_the_latest_value(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    a.retain_grad()
    a.add_(1)  # a = [2, 3]
    (a * a).sum().backward()
    assert _grad(a) == [4.0, 6.0]  # 2 a at the new value, not the old one
    assert x.grad.tolist() == [4.0, 6.0]


@pytest.mark.clause("RETAINGRAD-3")
def test_retained_grad_after_two_in_place_ops(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    a.retain_grad()
    a.add_(1)
    a.mul_(3)  # a = 3 (x + 1)
    (a * 2).sum().backward()
    assert _grad(a) == [2.0, 2.0] and x.grad.tolist() == [6.0, 6.0]
    assert a.retains_grad
