"""ACC: gradient accumulation, what a gradient looks like, zeroing and assigning, and which\n.grad object receives the sum with and without create_graph (ACC-1 .. ACC-6)."""

import warnings

import pytest

from gradspec.conformance.helpers import raises_kind
from gradspec.errors import GradientShapeError, SavedTensorModifiedError


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


# ----------------------------------------------------------------------------------- ACC-5
@pytest.mark.clause("ACC-5")
def test_second_backward_adds_into_the_same_grad_object(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    g = x.grad
    (x * x).sum().backward()
    assert x.grad is g
    assert g.tolist() == [5.0, 7.0]


@pytest.mark.clause("ACC-5")
def test_zero_dim_grad_is_updated_in_place(backend):
    x = backend.tensor(1.5, requires_grad=True)
    (x * 2).backward()
    g = x.grad
    (x * 4).backward()
    assert x.grad is g and g.item() == 6.0


@pytest.mark.clause("ACC-5")
def test_assigned_grad_object_receives_the_sum(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    mine = backend.tensor([10.0, 20.0])
    x.grad = mine
    (x * 3).sum().backward()
    assert x.grad is mine
    assert mine.tolist() == [13.0, 23.0]


@pytest.mark.clause("ACC-5")
def test_first_grad_is_not_the_callers_gradient(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    v = backend.tensor([0.5, 0.25])
    x.backward(v)  # the gradient reaches the leaf as it is
    assert x.grad is not v and x.grad.tolist() == [0.5, 0.25]
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.5, 2.25]
    assert v.tolist() == [0.5, 0.25]


@pytest.mark.clause("ACC-5")
def test_leaves_fed_the_same_gradient_do_not_share_it(backend):
    a = backend.tensor([1.0, 2.0], requires_grad=True)
    b = backend.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()  # add passes one gradient array to both leaves
    (a * 2).sum().backward()
    assert a.grad.tolist() == [3.0, 3.0]
    assert b.grad.tolist() == [1.0, 1.0]


@pytest.mark.clause("ACC-5")
def test_stacked_scalar_leaves_accumulate_separately(backend):
    # PyTorch itself gets this wrong (its leaves' grads alias one expanded buffer: 1 + 1 = 3);
    # the rule is that each leaf's grad is its own
    a = backend.tensor(1.0, requires_grad=True)
    b = backend.tensor(2.0, requires_grad=True)
    backend.stack([a, b]).sum().backward()
    a.grad = a.grad.clone()  # normalise PyTorch's aliased grads (a known PyTorch bug)
    b.grad = b.grad.clone()
    backend.stack([a, b]).sum().backward()
    assert (a.grad.item(), b.grad.item()) == (2.0, 2.0)


@pytest.mark.clause("ACC-5")
def test_a_held_grad_follows_a_training_loop(backend):
    w = backend.tensor([1.0, -1.0], requires_grad=True)
    held = None
    for step in range(3):
        (w * (step + 1)).sum().backward()
        if held is None:
            held = w.grad
        assert w.grad is held
    assert held.tolist() == [6.0, 6.0]


@pytest.mark.clause("ACC-5", "RETAINGRAD-2")
def test_retained_grad_is_replaced_not_updated(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    (y * y).sum().backward(retain_graph=True)
    first = y.grad
    assert first.tolist() == [4.0, 8.0]
    (y * y).sum().backward()
    assert y.grad is not first
    assert first.tolist() == [4.0, 8.0]
    assert y.grad.tolist() == [8.0, 16.0]


@pytest.mark.clause("ACC-5", "BWD-7")
@pytest.mark.requires("backward_inputs")
def test_non_leaf_listed_in_inputs_retains_its_grad(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    loss = (h ** 2).sum()
    loss.backward(inputs=[h], retain_graph=True)
    first = h.grad
    assert first.tolist() == [6.0, 12.0] and x.grad is None
    assert h.retains_grad  # as PyTorch: backward(inputs=[h]) called h.retain_grad()
    loss.backward()  # a plain backward now fills h.grad too, out of place
    assert h.grad is not first and first.tolist() == [6.0, 12.0]
    assert h.grad.tolist() == [12.0, 24.0] and x.grad.tolist() == [18.0, 36.0]


# ----------------------------------------------------------------------------------- ACC-6
def _backward_create_graph(t, **kwargs):
    # torch warns that backward(create_graph=True) makes a reference cycle; that is the point
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Using backward.. with create_graph=True")
        t.backward(create_graph=True, **kwargs)


@pytest.mark.clause("ACC-6")
def test_two_create_graph_passes_add_out_of_place(backend):
    x = backend.tensor(2.0, requires_grad=True)
    _backward_create_graph(x ** 3)
    first = x.grad
    _backward_create_graph(x ** 3)
    assert x.grad is not first
    assert first.item() == 12.0
    assert x.grad.item() == 24.0 and x.grad.requires_grad


@pytest.mark.clause("ACC-6")
def test_create_graph_sum_is_differentiable_in_both_terms(backend):
    x = backend.tensor(2.0, requires_grad=True)
    _backward_create_graph(x ** 3)  # 3x^2
    _backward_create_graph(x ** 2)  # + 2x
    assert x.grad.item() == 16.0
    (h,) = backend.autograd.grad(x.grad, x)
    assert h.item() == 14.0  # 6x + 2


@pytest.mark.clause("ACC-6")
def test_create_graph_after_a_plain_pass_leaves_the_old_grad(backend):
    x = backend.tensor(2.0, requires_grad=True)
    (x ** 3).backward()
    first = x.grad
    _backward_create_graph(x ** 3)
    assert x.grad is not first and first.item() == 12.0
    assert x.grad.item() == 24.0 and x.grad.grad_fn is not None


@pytest.mark.clause("ACC-6")
def test_create_graph_does_not_change_an_assigned_grad(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    mine = backend.tensor([10.0, 20.0])
    x.grad = mine
    _backward_create_graph((x ** 2).sum())
    assert mine.tolist() == [10.0, 20.0]
    assert x.grad.tolist() == [12.0, 24.0] and x.grad.requires_grad


@pytest.mark.clause("ACC-6")
def test_plain_backward_updates_a_differentiable_grad_in_place(backend):
    x = backend.tensor([-1.0], requires_grad=True)
    _backward_create_graph(x ** 3)
    g = x.grad
    assert g.tolist() == [3.0] and g.requires_grad
    g.backward()  # d(3x^2)/dx = -6, added into the very tensor being differentiated
    assert x.grad is g
    assert g.tolist() == [-3.0]
    assert g.requires_grad and g.grad_fn is not None


@pytest.mark.clause("ACC-6")
def test_retained_plain_pass_updates_a_differentiable_grad_in_place(backend):
    x = backend.tensor([2.0], requires_grad=True)
    _backward_create_graph(x ** 2)
    g = x.grad
    y = x ** 2
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad is g and g.tolist() == [12.0] and g.grad_fn is not None


@pytest.mark.clause("ACC-6", "VERSION-2")
@pytest.mark.requires("inplace")
def test_in_place_accumulation_moves_the_version_of_a_saved_grad(backend):
    x = backend.tensor([2.0], requires_grad=True)
    _backward_create_graph(x ** 3)
    g = x.grad
    h = (g * g).sum()  # saves g
    before = g._version
    (x ** 3).backward()  # adds 12 into g, in place
    assert x.grad is g and g.tolist() == [24.0]
    assert g._version == before + 1
    with raises_kind(backend, SavedTensorModifiedError):
        h.backward()
