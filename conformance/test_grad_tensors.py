"""GRADT: weighting non-scalar outputs with gradient / grad_tensors / grad_outputs (GRADT-1 .. GRADT-4)."""

import pytest

from gradspec.conformance.helpers import assert_close, raises_kind
from gradspec.errors import GradientCountError


def _seed(backend, shape=(1,)):
    """The tutorials' w=1, x=2; a = w + x; b = w + 1; y0 = a * b (6), y1 = a + b (5)."""
    w = backend.full(shape, 1.0, requires_grad=True)
    x = backend.full(shape, 2.0, requires_grad=True)
    a = w + x
    b = w + 1
    return w, x, a * b, a + b


# ----------------------------------------------------------------------------------- GRADT-1
@pytest.mark.clause("GRADT-1")
@pytest.mark.parametrize("weights,expected", [([1.0, 2.0], (9.0, 4.0)), ([1.0, 1.0], (7.0, 3.0))],
                         ids=["1-2", "1-1"])
def test_seed_cat_example(backend, weights, expected):
    w, x, y0, y1 = _seed(backend)
    loss = backend.cat([y0, y1], dim=0)
    assert loss.tolist() == [6.0, 5.0]
    loss.backward(gradient=backend.tensor(weights))
    assert (w.grad.item(), x.grad.item()) == expected


@pytest.mark.clause("GRADT-1")
def test_seed_stack_example_with_0d_leaves(backend):
    w, x, y0, y1 = _seed(backend, shape=())
    loss = backend.stack([y0, y1])
    loss.backward(backend.tensor([1.0, 2.0]))
    assert (w.grad.item(), x.grad.item()) == (9.0, 4.0)
    assert tuple(w.grad.shape) == ()


@pytest.mark.clause("GRADT-1")
def test_elementwise_weights(backend):
    x = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * 2).backward(backend.tensor([1.0, 0.1, 0.01]))
    assert_close(x.grad, [2.0, 0.2, 0.02])


@pytest.mark.clause("GRADT-1")
def test_vector_jacobian_product_of_a_matrix(backend):
    # y = A x has Jacobian A; backward(v) must give A^T v, not A v or sum(A).
    a = backend.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    x = backend.tensor([1.0, 1.0, 1.0], requires_grad=True)
    y = backend.matmul(a, x)
    y.backward(backend.tensor([1.0, 10.0]))
    assert x.grad.tolist() == [41.0, 52.0, 63.0]


@pytest.mark.clause("GRADT-1")
def test_two_dimensional_weights(backend):
    m = backend.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    (m * m).backward(backend.tensor([[1.0, 0.0], [2.0, 3.0]]))
    assert m.grad.tolist() == [[2.0, 0.0], [12.0, 24.0]]


@pytest.mark.clause("GRADT-1")
def test_scalar_weight_scales_a_scalar_output(backend):
    s = backend.tensor(2.0, requires_grad=True)
    (s * 5).backward(backend.tensor(3.0))
    assert s.grad.item() == 15.0


@pytest.mark.clause("GRADT-1")
def test_weighted_backward_accumulates(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).backward(backend.tensor([1.0, 2.0]))
    (x * 3).backward(backend.tensor([10.0, 20.0]))
    assert x.grad.tolist() == [33.0, 66.0]


@pytest.mark.clause("GRADT-1")
def test_zero_weights_give_zero_gradient(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).backward(backend.zeros(2))
    assert x.grad.tolist() == [0.0, 0.0]


# ----------------------------------------------------------------------------------- GRADT-2
@pytest.mark.clause("GRADT-2")
def test_autograd_backward_with_grad_tensors(backend):
    w, x, y0, y1 = _seed(backend)
    backend.autograd.backward([y0, y1], grad_tensors=[backend.tensor([1.0]), backend.tensor([2.0])])
    assert (w.grad.item(), x.grad.item()) == (9.0, 4.0)


@pytest.mark.clause("GRADT-2")
def test_none_entry_means_one_for_a_one_element_output(backend):
    w, x, y0, y1 = _seed(backend)
    backend.autograd.backward([y0, y1], grad_tensors=[None, backend.tensor([2.0])])
    assert (w.grad.item(), x.grad.item()) == (9.0, 4.0)


@pytest.mark.clause("GRADT-2")
def test_all_none_entries(backend):
    w, x, y0, y1 = _seed(backend)
    backend.autograd.backward([y0, y1], grad_tensors=[None, None])
    assert (w.grad.item(), x.grad.item()) == (7.0, 3.0)


@pytest.mark.clause("GRADT-2")
def test_omitted_grad_tensors_mean_ones(backend):
    w, x, y0, y1 = _seed(backend)
    backend.autograd.backward([y0, y1])
    assert (w.grad.item(), x.grad.item()) == (7.0, 3.0)


@pytest.mark.clause("GRADT-2")
def test_vector_and_scalar_outputs_together(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    s = backend.tensor(2.0, requires_grad=True)
    backend.autograd.backward([x * s, (x * s).sum()],
                              grad_tensors=[backend.tensor([1.0, 10.0]), None])
    assert x.grad.tolist() == [4.0, 22.0]
    assert s.grad.item() == 24.0


@pytest.mark.clause("GRADT-2")
def test_autograd_backward_adds_to_existing_grads(backend):
    w, x, y0, y1 = _seed(backend)
    y0.backward(retain_graph=True)
    backend.autograd.backward([y0, y1], grad_tensors=[backend.tensor([1.0]), backend.tensor([2.0])])
    assert (w.grad.item(), x.grad.item()) == (14.0, 6.0)


# ----------------------------------------------------------------------------------- GRADT-3
@pytest.mark.clause("GRADT-3")
def test_fewer_grad_tensors_than_outputs_raises(backend):
    x = backend.tensor([1.0], requires_grad=True)
    ys = [x * 2, x * 3]
    with raises_kind(backend, GradientCountError):
        backend.autograd.backward(ys, grad_tensors=[backend.tensor([1.0])])
    assert x.grad is None


@pytest.mark.clause("GRADT-3")
def test_fewer_grad_tensors_for_non_scalar_outputs_raises(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    ys = [x * 2, x * 3, x * 4]
    with raises_kind(backend, GradientCountError):
        backend.autograd.backward(ys, grad_tensors=[backend.ones(2), backend.ones(2)])
    assert x.grad is None


@pytest.mark.clause("GRADT-3")
def test_fewer_grad_outputs_than_outputs_raises(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    ys = [(x * 2).sum(), (x * 3).sum()]
    with raises_kind(backend, GradientCountError):
        backend.autograd.grad(ys, x, grad_outputs=[backend.tensor(1.0)])
    assert x.grad is None


# ----------------------------------------------------------------------------------- GRADT-4
@pytest.mark.clause("GRADT-4")
def test_grad_outputs_are_differentiable_with_create_graph(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    v = backend.tensor([1.0, 1.0], requires_grad=True)
    (g,) = backend.autograd.grad(x ** 2, x, grad_outputs=v, create_graph=True)
    assert g.tolist() == [2.0, 4.0] and g.requires_grad
    (dv,) = backend.autograd.grad(g.sum(), v)
    assert dv.tolist() == [2.0, 4.0]


@pytest.mark.clause("GRADT-4")
def test_grad_outputs_and_inputs_differentiated_together(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    v = backend.tensor([3.0, 5.0], requires_grad=True)
    (g,) = backend.autograd.grad(x ** 2, x, grad_outputs=v, create_graph=True)
    assert g.tolist() == [6.0, 20.0]  # 2 x v
    dx, dv = backend.autograd.grad(g.sum(), [x, v])
    assert dx.tolist() == [6.0, 10.0] and dv.tolist() == [2.0, 4.0]


@pytest.mark.clause("GRADT-4")
def test_backward_through_a_vjp_reaches_the_weights(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    v = backend.tensor([1.0, 1.0], requires_grad=True)
    (g,) = backend.autograd.grad(x ** 2, x, grad_outputs=v, create_graph=True)
    g.sum().backward()
    assert v.grad.tolist() == [2.0, 4.0] and x.grad.tolist() == [2.0, 2.0]
