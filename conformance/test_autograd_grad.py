"""AGRAD: autograd.grad (clauses AGRAD-1 .. AGRAD-4)."""

import warnings

import pytest

from gradspec.conformance.helpers import raises_kind
from gradspec.errors import (
    EmptyInputsError,
    GradientShapeError,
    NoGradPathError,
    NonScalarBackwardError,
    UnusedInputError,
)


def _grad(t):
    # Non-leaf .grad reads warn on torch; the value is what we check.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return t.grad


# ----------------------------------------------------------------------------------- AGRAD-1
@pytest.mark.clause("AGRAD-1")
def test_single_tensor_input_gives_a_one_tuple(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    g = backend.autograd.grad((x * x).sum(), x)
    assert isinstance(g, tuple) and len(g) == 1
    assert g[0].tolist() == [2.0, 4.0]


@pytest.mark.clause("AGRAD-1")
def test_one_tuple_entry_per_input_in_order(backend):
    x = backend.tensor(2.0, requires_grad=True)
    u = backend.tensor(5.0, requires_grad=True)
    y = x * x * u
    g = backend.autograd.grad(y, [u, x])
    assert isinstance(g, tuple) and len(g) == 2
    assert (g[0].item(), g[1].item()) == (4.0, 20.0)


@pytest.mark.clause("AGRAD-1")
def test_grad_does_not_touch_leaf_grads(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    u = backend.tensor([3.0, 4.0], requires_grad=True)
    backend.autograd.grad((x * u).sum(), [x])
    assert x.grad is None and u.grad is None


@pytest.mark.clause("AGRAD-1")
def test_grad_does_not_change_an_existing_grad(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    (x * 5).sum().backward()
    (g,) = backend.autograd.grad((x * 3).sum(), x)
    assert g.tolist() == [3.0, 3.0]
    assert x.grad.tolist() == [5.0, 5.0]


@pytest.mark.clause("AGRAD-1")
def test_non_leaf_input(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (g,) = backend.autograd.grad((h * h).sum(), h)
    assert g.tolist() == [6.0, 12.0]  # 2 h
    assert x.grad is None and _grad(h) is None


@pytest.mark.clause("AGRAD-1")
def test_leaf_and_non_leaf_inputs_together(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    gx, gh = backend.autograd.grad((h * h).sum(), [x, h])
    assert gx.tolist() == [18.0, 36.0] and gh.tolist() == [6.0, 12.0]


@pytest.mark.clause("AGRAD-1")
def test_seed_example_multiple_outputs_are_summed(backend):
    x1 = backend.tensor(1.0, requires_grad=True)
    x2 = backend.tensor(2.0, requires_grad=True)
    y1 = x1 * x2
    y2 = x1 + x2
    d1 = backend.autograd.grad(outputs=y1, inputs=[x1, x2], retain_graph=True)
    assert [t.item() for t in d1] == [2.0, 1.0]
    d12 = backend.autograd.grad(outputs=[y1, y2], inputs=[x1, x2])
    assert isinstance(d12, tuple) and [t.item() for t in d12] == [3.0, 2.0]
    assert x1.grad is None and x2.grad is None


@pytest.mark.clause("AGRAD-1")
def test_fan_out_is_summed_in_the_result(backend):
    x = backend.tensor(3.0, requires_grad=True)
    (g,) = backend.autograd.grad(x * x + x, x)
    assert g.item() == 7.0


@pytest.mark.clause("AGRAD-1")
def test_result_has_the_input_shape(backend):
    m = backend.ones(2, 3, requires_grad=True)
    s = backend.tensor(2.0, requires_grad=True)
    gm, gs = backend.autograd.grad((m * s).sum(), [m, s])
    assert tuple(gm.shape) == (2, 3) and tuple(gs.shape) == ()
    assert gs.item() == 6.0


# ----------------------------------------------------------------------------------- AGRAD-2
@pytest.mark.clause("AGRAD-2")
def test_unused_leaf_raises(backend):
    x = backend.tensor(1.0, requires_grad=True)
    u = backend.tensor(1.0, requires_grad=True)
    with raises_kind(backend, UnusedInputError):
        backend.autograd.grad(x * 2, [x, u])
    assert x.grad is None and u.grad is None


@pytest.mark.clause("AGRAD-2")
def test_allow_unused_gives_none_in_that_slot(backend):
    x = backend.tensor(1.0, requires_grad=True)
    u = backend.tensor(1.0, requires_grad=True)
    gu, gx = backend.autograd.grad(x * 2, [u, x], allow_unused=True)
    assert gu is None and gx.item() == 2.0


@pytest.mark.clause("AGRAD-2")
def test_unreachable_non_leaf_input_raises(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3  # requires grad, but the output does not go through it
    with raises_kind(backend, UnusedInputError):
        backend.autograd.grad((x * 2).sum(), [x, h])


@pytest.mark.clause("AGRAD-2")
def test_unreachable_non_leaf_input_with_allow_unused(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    gx, gh = backend.autograd.grad((x * 2).sum(), [x, h], allow_unused=True)
    assert gx.tolist() == [2.0, 2.0] and gh is None


@pytest.mark.clause("AGRAD-2")
def test_input_reached_only_through_detach_is_unused(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    u = backend.tensor([3.0, 4.0], requires_grad=True)
    y = (x * 2 + u.detach()).sum()
    with raises_kind(backend, UnusedInputError):
        backend.autograd.grad(y, [x, u])
    gx, gu = backend.autograd.grad((x * 2 + u.detach()).sum(), [x, u], allow_unused=True)
    assert gx.tolist() == [2.0, 2.0] and gu is None


@pytest.mark.clause("AGRAD-2")
def test_input_used_by_one_of_several_outputs_is_used(backend):
    x = backend.tensor(1.0, requires_grad=True)
    u = backend.tensor(1.0, requires_grad=True)
    gx, gu = backend.autograd.grad([x * 2, u * 5], [x, u])
    assert (gx.item(), gu.item()) == (2.0, 5.0)


# ----------------------------------------------------------------------------------- AGRAD-3
@pytest.mark.clause("AGRAD-3")
def test_input_that_does_not_require_grad_raises(backend):
    x = backend.tensor(1.0, requires_grad=True)
    with raises_kind(backend, NoGradPathError):
        backend.autograd.grad(x * 2, [backend.tensor(1.0)])
    assert x.grad is None


@pytest.mark.clause("AGRAD-3")
def test_detached_input_raises(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    with raises_kind(backend, NoGradPathError):
        backend.autograd.grad((x * d).sum(), [d])


@pytest.mark.clause("AGRAD-3")
def test_output_that_does_not_require_grad_raises(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    with raises_kind(backend, NoGradPathError):
        backend.autograd.grad(backend.ones(2).sum(), [x])
    assert x.grad is None


@pytest.mark.clause("AGRAD-3")
def test_output_computed_under_no_grad_raises(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    with backend.no_grad():
        y = (x * 2).sum()
    with raises_kind(backend, NoGradPathError):
        backend.autograd.grad(y, [x])


@pytest.mark.clause("AGRAD-3")
@pytest.mark.parametrize("empty", [[], ()], ids=["list", "tuple"])
def test_empty_inputs_raises(backend, empty):
    x = backend.tensor(1.0, requires_grad=True)
    with raises_kind(backend, EmptyInputsError):
        backend.autograd.grad(x * 2, empty)
    assert x.grad is None


# ----------------------------------------------------------------------------------- AGRAD-4
@pytest.mark.clause("AGRAD-4")
def test_grad_outputs_weight_a_non_scalar_output(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    (g,) = backend.autograd.grad(x * 3, x, grad_outputs=backend.tensor([1.0, 10.0]))
    assert g.tolist() == [3.0, 30.0]


@pytest.mark.clause("AGRAD-4")
def test_grad_outputs_compute_a_vector_jacobian_product(backend):
    a = backend.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    x = backend.ones(3, requires_grad=True)
    (g,) = backend.autograd.grad(backend.matmul(a, x), x, grad_outputs=backend.tensor([1.0, 10.0]))
    assert g.tolist() == [41.0, 52.0, 63.0]


@pytest.mark.clause("AGRAD-4")
def test_one_grad_output_per_output(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    (g,) = backend.autograd.grad(
        [x * 3, x * x], x, grad_outputs=[backend.tensor([1.0, 2.0]), backend.tensor([10.0, 100.0])])
    assert g.tolist() == [23.0, 406.0]  # 3 v1 + 2 x v2


@pytest.mark.clause("AGRAD-4")
def test_none_grad_output_means_one_for_a_scalar_output(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    (g,) = backend.autograd.grad([(x * 2).sum(), (x * 3).sum()], x,
                                 grad_outputs=[None, backend.tensor(2.0)])
    assert g.tolist() == [8.0, 8.0]


@pytest.mark.clause("AGRAD-4")
def test_grad_output_scales_a_scalar_output(backend):
    x = backend.tensor(2.0, requires_grad=True)
    (g,) = backend.autograd.grad(x * x, x, grad_outputs=backend.tensor(3.0))
    assert g.item() == 12.0


GRAD_OUTPUT_MISMATCHES = [((2,), (3,)), ((2,), (1,)), ((), (1,)), ((1,), ()), ((2, 2), (4,))]


@pytest.mark.clause("AGRAD-4")
@pytest.mark.parametrize("out_shape,go_shape", GRAD_OUTPUT_MISMATCHES,
                         ids=[f"{o}-vs-{g}" for o, g in GRAD_OUTPUT_MISMATCHES])
def test_grad_output_of_another_shape_raises(backend, out_shape, go_shape):
    x = backend.full(out_shape, 1.0, requires_grad=True)
    with raises_kind(backend, GradientShapeError):
        backend.autograd.grad(x * 3, x, grad_outputs=backend.full(go_shape, 1.0))
    assert x.grad is None


@pytest.mark.clause("AGRAD-4")
@pytest.mark.parametrize("shape", [(2,), (2, 2)], ids=str)
def test_non_scalar_output_without_grad_outputs_raises(backend, shape):
    x = backend.full(shape, 1.0, requires_grad=True)
    with raises_kind(backend, NonScalarBackwardError):
        backend.autograd.grad(x * 3, x)
    assert x.grad is None
