"""ACC: gradient accumulation, what a gradient looks like, zeroing and assigning (ACC-1 .. ACC-4)."""

import pytest

from gradspec.conformance.helpers import raises_kind
from gradspec.errors import GradientShapeError


def _seed_graph(backend, w, x):
    a = w + x
    b = w + 1
    return a * b


# ----------------------------------------------------------------------------------- ACC-1
@pytest.mark.clause("ACC-1")
def test_fresh_graph_each_time_accumulates_5_10_15_20(backend):
    w = backend.tensor([1.0], requires_grad=True)
    x = backend.tensor([2.0], requires_grad=True)
    seen_w, seen_x = [], []
    for _ in range(4):
        _seed_graph(backend, w, x).backward()
        seen_w.append(w.grad.item())
        seen_x.append(x.grad.item())
    assert seen_w == [5.0, 10.0, 15.0, 20.0]
    assert seen_x == [2.0, 4.0, 6.0, 8.0]


@pytest.mark.clause("ACC-1")
def test_retained_graph_accumulates_5_10_15_20(backend):
    w = backend.tensor([1.0], requires_grad=True)
    x = backend.tensor([2.0], requires_grad=True)
    y = _seed_graph(backend, w, x)
    seen = []
    for _ in range(4):
        y.backward(retain_graph=True)
        seen.append((w.grad.item(), x.grad.item()))
    assert seen == [(5.0, 2.0), (10.0, 4.0), (15.0, 6.0), (20.0, 8.0)]


@pytest.mark.clause("ACC-1")
def test_accumulation_across_different_graphs(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    (x * x).sum().backward()
    assert x.grad.tolist() == [4.0, 6.0]


@pytest.mark.clause("ACC-1")
def test_accumulation_only_into_reached_leaves(backend):
    x = backend.tensor([1.0], requires_grad=True)
    u = backend.tensor([1.0], requires_grad=True)
    (x * u * 3).sum().backward()
    (x * 5).sum().backward()
    assert x.grad.tolist() == [8.0] and u.grad.tolist() == [3.0]


@pytest.mark.clause("ACC-1")
def test_autograd_backward_accumulates_too(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    backend.autograd.backward([(x * 3).sum()])
    backend.autograd.backward([(x * 3).sum()])
    assert x.grad.tolist() == [6.0, 6.0]


# ----------------------------------------------------------------------------------- ACC-2
@pytest.mark.clause("ACC-2")
def test_grad_is_none_before_first_backward(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    assert x.grad is None  # building a graph does not create the gradient
    y.backward()
    assert x.grad is not None


@pytest.mark.clause("ACC-2")
def test_grad_stays_none_until_a_backward_reaches_it(backend):
    x = backend.tensor([1.0], requires_grad=True)
    u = backend.tensor([1.0], requires_grad=True)
    (u * 2).sum().backward()
    assert x.grad is None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0]


@pytest.mark.clause("ACC-2")
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)], ids=str)
def test_grad_has_leaf_shape_and_dtype_and_is_plain_data(backend, shape):
    x = backend.full(shape, 2.0, requires_grad=True)
    (x * x).sum().backward()
    g = x.grad
    assert isinstance(g, backend.Tensor)
    assert tuple(g.shape) == shape
    assert g.dtype == x.dtype == backend.float32
    assert g.requires_grad is False
    assert g.is_leaf is True
    assert g.grad_fn is None
    assert g.tolist() == backend.full(shape, 4.0).tolist()


@pytest.mark.clause("ACC-2")
@pytest.mark.requires("float64")
def test_float64_leaf_gets_a_float64_grad(backend):
    x = backend.tensor([1.0, 2.0], dtype=backend.float64, requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.dtype == backend.float64 and x.grad.tolist() == [2.0, 4.0]


@pytest.mark.clause("ACC-2")
def test_grad_of_a_broadcast_leaf_has_the_leaf_shape(backend):
    s = backend.tensor([[1.0], [2.0]], requires_grad=True)  # (2, 1)
    (s * backend.ones(2, 3)).sum().backward()
    assert tuple(s.grad.shape) == (2, 1) and s.grad.tolist() == [[3.0], [3.0]]


# ----------------------------------------------------------------------------------- ACC-3
@pytest.mark.clause("ACC-3")
def test_zero_underscore_resets_accumulation(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    x.grad.zero_()
    assert x.grad.tolist() == [0.0, 0.0]
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.clause("ACC-3")
def test_setting_grad_to_none_resets_accumulation(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    x.grad = None
    assert x.grad is None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.clause("ACC-3")
def test_zeroing_inside_a_training_loop(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    for step in range(3):
        (x * (step + 1)).sum().backward()
        seen.append(x.grad.tolist())
        x.grad.zero_()
    assert seen == [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]


@pytest.mark.clause("ACC-3")
def test_assigned_grad_is_the_start_of_accumulation(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    x.grad = backend.tensor([10.0, 20.0])
    assert x.grad.tolist() == [10.0, 20.0]
    (x * 3).sum().backward()
    assert x.grad.tolist() == [13.0, 23.0]


@pytest.mark.clause("ACC-3")
def test_assigned_zeros_like_grad(backend):
    x = backend.tensor([[1.0, 2.0]], requires_grad=True)
    (x * 3).sum().backward()
    x.grad = backend.zeros_like(x)
    (x * x).sum().backward()
    assert x.grad.tolist() == [[2.0, 4.0]]


@pytest.mark.clause("ACC-3")
def test_grad_can_be_assigned_before_any_backward(backend):
    x = backend.tensor(1.0, requires_grad=True)
    x.grad = backend.tensor(0.5)
    (x * 2).backward()
    assert x.grad.item() == 2.5


# ----------------------------------------------------------------------------------- ACC-4
WRONG_SHAPES = [((2,), (3,)), ((2,), (1, 2)), ((1,), ()), ((), (1,)), ((2, 2), (4,))]


@pytest.mark.clause("ACC-4")
@pytest.mark.parametrize("leaf_shape,grad_shape", WRONG_SHAPES,
                         ids=[f"{a}-gets-{b}" for a, b in WRONG_SHAPES])
def test_assigning_grad_of_wrong_shape_raises_and_keeps_none(backend, leaf_shape, grad_shape):
    x = backend.full(leaf_shape, 1.0, requires_grad=True)
    with raises_kind(backend, GradientShapeError):
        x.grad = backend.full(grad_shape, 0.0)
    assert x.grad is None


@pytest.mark.clause("ACC-4")
def test_assigning_grad_of_wrong_shape_keeps_existing_grad(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    with raises_kind(backend, GradientShapeError):
        x.grad = backend.zeros(3)
    assert x.grad.tolist() == [3.0, 3.0]
    (x * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
