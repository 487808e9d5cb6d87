"""DETACH: detach, detach_, and leaving autograd (item, numpy, tolist).

``detach()`` gives a new leaf that aliases the same data but is cut from the graph;
``detach_()`` cuts a tensor itself.  Converting to Python numbers is always allowed; converting to
numpy is refused while the tensor requires grad, so the graph is never dropped unnoticed.
"""

import pytest

from gradspec.conformance.helpers import raises_kind
from gradspec.errors import DetachRequiredError


def _is_plain_leaf(t):
    return t.is_leaf and not t.requires_grad and t.grad_fn is None


# ---------------------------------------------------------------------------- DETACH-1
@pytest.mark.clause("DETACH-1")
def test_detach_of_leaf_is_untracked_leaf_with_same_values(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert _is_plain_leaf(d)
    assert d.tolist() == [1.0, 2.0] and tuple(d.shape) == (2,) and d.dtype == x.dtype
    assert x.requires_grad and x.is_leaf  # the original is untouched


@pytest.mark.clause("DETACH-1")
def test_detach_of_non_leaf_is_untracked_leaf(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert _is_plain_leaf(d)
    assert d.tolist() == [3.0, 6.0]
    assert not y.is_leaf and y.grad_fn is not None
    assert not (d * 2).requires_grad


@pytest.mark.clause("DETACH-4")
def test_write_through_detached_is_visible_in_original(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    d.mul_(10)  # allowed: d does not require grad
    assert x.tolist() == [10.0, 20.0]
    assert x.requires_grad and x.is_leaf


@pytest.mark.clause("DETACH-4")
def test_write_through_original_is_visible_in_detached(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    dy = y.detach()
    dx = x.detach()
    y.add_(5)
    with backend.no_grad():
        x.mul_(3)
    assert dy.tolist() == [6.0, 7.0]
    assert dx.tolist() == [3.0, 6.0]


@pytest.mark.clause("DETACH-1")
def test_product_with_detached_self_differentiates_one_factor(backend):
    x = backend.tensor(2.0, requires_grad=True)
    (x * x.detach()).backward()
    assert x.grad.item() == 2.0


@pytest.mark.clause("DETACH-1")
def test_detached_factor_is_a_constant(backend):
    x = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x.detach()).sum().backward()
    # d/dx (x * c) with c = x's values
    assert x.grad.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.clause("DETACH-1")
def test_detach_stops_gradient_of_intermediate(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    (y.detach() * x + y).sum().backward()
    # y.detach() contributes its value (3x) as a constant; y contributes 3
    assert x.grad.tolist() == [3.0 + 3.0, 6.0 + 3.0]


@pytest.mark.clause("DETACH-1", "LEAF-1")
def test_detached_tensor_can_start_its_own_graph(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach().requires_grad_()
    assert d.is_leaf and d.requires_grad
    (d * 4).sum().backward()
    assert d.grad.tolist() == [4.0, 4.0]
    assert x.grad is None


# ---------------------------------------------------------------------------- DETACH-2
@pytest.mark.clause("DETACH-2")
def test_detach_in_place_on_non_leaf(backend):
    x = backend.tensor([1.0], requires_grad=True)
    y = x * 2
    assert y.detach_() is y
    assert _is_plain_leaf(y)
    assert y.tolist() == [2.0]
    assert not (y * 3).requires_grad


@pytest.mark.clause("DETACH-2")
def test_detach_in_place_on_leaf(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    assert x.detach_() is x
    assert _is_plain_leaf(x)
    assert x.tolist() == [1.0, 2.0]
    assert not (x * 2).requires_grad


@pytest.mark.clause("DETACH-2")
def test_detach_in_place_cuts_later_uses_only(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    before = (y * 5).sum()  # recorded while y was still in the graph
    y.detach_()
    assert not (y * 5).requires_grad
    before.backward()
    assert x.grad.tolist() == [10.0, 10.0]


# ---------------------------------------------------------------------------- DETACH-3
@pytest.mark.clause("DETACH-3")
@pytest.mark.parametrize("data", [2.5, [2.5], [[2.5]]], ids=["0d", "1", "1x1"])
def test_item_returns_python_float(backend, data):
    x = backend.tensor(data)
    v = x.item()
    assert type(v) is float and v == 2.5


@pytest.mark.clause("DETACH-3")
def test_item_on_tensor_that_requires_grad(backend):
    x = backend.tensor([2.0], requires_grad=True)
    y = x * 3
    assert type(x.item()) is float and x.item() == 2.0
    assert type(y.item()) is float and y.item() == 6.0
    # item leaves the graph alone
    y.backward()
    assert x.grad.item() == 3.0


@pytest.mark.clause("DETACH-3")
def test_item_of_integer_and_bool_tensors(backend):
    assert type(backend.tensor([7]).item()) is int and backend.tensor([7]).item() == 7
    b = backend.tensor([1.0], requires_grad=True).ge(0)
    assert type(b.item()) is bool and b.item() is True


@pytest.mark.clause("DETACH-3")
@pytest.mark.parametrize("requires_grad", [False, True])
def test_item_on_more_than_one_element_raises(backend, requires_grad):
    x = backend.tensor([1.0, 2.0], requires_grad=requires_grad)
    # The clause says "raise" without a kind: torch raises RuntimeError; ValueError is fair too.
    with pytest.raises((RuntimeError, ValueError)):
        x.item()
    assert x.tolist() == [1.0, 2.0]


@pytest.mark.clause("DETACH-3")
def test_numpy_of_leaf_requiring_grad_raises(backend):
    x = backend.tensor([2.0, 3.0], requires_grad=True)
    with raises_kind(backend, DetachRequiredError):
        x.numpy()
    assert x.requires_grad and x.tolist() == [2.0, 3.0] and x.grad is None


@pytest.mark.clause("DETACH-3")
def test_numpy_of_non_leaf_requiring_grad_raises(backend):
    x = backend.tensor([2.0, 3.0], requires_grad=True)
    y = x * 2
    with raises_kind(backend, DetachRequiredError):
        y.numpy()
    y.sum().backward()  # the graph is intact
    assert x.grad.tolist() == [2.0, 2.0]


@pytest.mark.clause("DETACH-3")
def test_detach_then_numpy_gives_values(backend):
    x = backend.tensor([[2.0, 3.0], [4.0, 5.0]], requires_grad=True)
    a = (x * 2).detach().numpy()
    assert tuple(a.shape) == (2, 2)
    assert a.tolist() == [[4.0, 6.0], [8.0, 10.0]]


@pytest.mark.clause("DETACH-3")
def test_numpy_of_untracked_tensor(backend):
    x = backend.tensor([2.0, 3.0], requires_grad=True)
    with backend.no_grad():
        y = x * 2
    assert y.numpy().tolist() == [4.0, 6.0]
    assert backend.tensor([1.0, 2.0]).numpy().tolist() == [1.0, 2.0]


@pytest.mark.clause("DETACH-3")
def test_tolist_returns_python_numbers(backend):
    x = backend.tensor([[1.5, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 2
    out = y.tolist()
    assert out == [[3.0, 4.0], [6.0, 8.0]]
    assert type(out) is list and type(out[0]) is list and type(out[0][0]) is float
    assert x.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert backend.tensor(2.0).tolist() == 2.0
