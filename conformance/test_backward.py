"""BWD: backward() basics (clauses BWD-1 .. BWD-8)."""

import warnings

import pytest

from gradspec.conformance.helpers import assert_close, raises_kind
from gradspec.errors import (
    EmptyInputsError,
    GradientShapeError,
    NoGradPathError,
    NonScalarBackwardError,
)


def _grad(t):
    # Non-leaf .grad reads warn on torch; the value is what we check.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return t.grad


# ----------------------------------------------------------------------------------- BWD-1
@pytest.mark.clause("BWD-1")
@pytest.mark.parametrize("shape", [(), (1,), (1, 1), (1, 1, 1)], ids=str)
def test_one_element_output_gets_implicit_gradient_one(backend, shape):
    x = backend.full(shape, 2.0, requires_grad=True)
    (x * 3).backward()
    assert tuple(x.grad.shape) == shape
    assert x.grad.tolist() == backend.full(shape, 3.0).tolist()


@pytest.mark.clause("BWD-1")
def test_seed_example_one_element_vector(backend):
    z = backend.tensor([2.0], requires_grad=True)
    (z * 3).backward()
    assert z.grad.tolist() == [3.0]


@pytest.mark.clause("BWD-1")
def test_reduction_to_a_scalar_gets_implicit_one(backend):
    x = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]


@pytest.mark.clause("BWD-1")
@pytest.mark.parametrize("shape", [(), (1,), (1, 1)], ids=str)
def test_backward_on_a_leaf_gives_one_and_accumulates(backend, shape):
    x = backend.full(shape, 5.0, requires_grad=True)
    x.backward()
    assert x.grad.tolist() == backend.full(shape, 1.0).tolist()
    x.backward()
    assert x.grad.tolist() == backend.full(shape, 2.0).tolist()
    assert x.tolist() == backend.full(shape, 5.0).tolist()


# ----------------------------------------------------------------------------------- BWD-2
@pytest.mark.clause("BWD-2")
@pytest.mark.parametrize("shape", [(2,), (2, 2), (1, 3)], ids=str)
def test_non_scalar_backward_without_gradient_raises(backend, shape):
    x = backend.full(shape, 1.0, requires_grad=True)
    y = x * 2
    with raises_kind(backend, NonScalarBackwardError):
        y.backward()
    assert x.grad is None


@pytest.mark.clause("BWD-2")
def test_non_scalar_error_leaves_other_leaves_untouched(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    u = backend.tensor([3.0, 4.0], requires_grad=True)
    y = x * u + x
    with raises_kind(backend, NonScalarBackwardError):
        y.backward()
    assert x.grad is None and u.grad is None
    # The graph is still there: a correct call afterwards works.
    y.sum().backward()
    assert x.grad.tolist() == [4.0, 5.0] and u.grad.tolist() == [1.0, 2.0]


@pytest.mark.clause("BWD-2")
def test_non_scalar_autograd_grad_without_grad_outputs_raises(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    with raises_kind(backend, NonScalarBackwardError):
        backend.autograd.grad(x ** 2, x)
    assert x.grad is None


@pytest.mark.clause("BWD-2")
def test_non_scalar_autograd_backward_without_grad_tensors_raises(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    with raises_kind(backend, NonScalarBackwardError):
        backend.autograd.backward([x * 2])
    assert x.grad is None


# ----------------------------------------------------------------------------------- BWD-3
SHAPE_MISMATCHES = [
    ((3,), (2,)),
    ((1,), ()),
    ((), (1,)),
    ((2, 3), (3,)),  # broadcastable, still refused
    ((3,), (1, 3)),
    ((2, 2), (4,)),  # same number of elements, still refused
]


@pytest.mark.clause("BWD-3")
@pytest.mark.parametrize("out_shape,grad_shape", SHAPE_MISMATCHES,
                         ids=[f"{o}-vs-{g}" for o, g in SHAPE_MISMATCHES])
def test_gradient_of_another_shape_raises(backend, out_shape, grad_shape):
    x = backend.full(out_shape, 1.0, requires_grad=True)
    y = x * 2
    with raises_kind(backend, GradientShapeError):
        y.backward(backend.full(grad_shape, 1.0))
    assert x.grad is None


@pytest.mark.clause("BWD-3")
def test_gradient_of_the_output_shape_is_used(backend):
    x = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    with raises_kind(backend, GradientShapeError):
        y.backward(backend.ones(2))
    y.backward(backend.tensor([1.0, 0.1, 0.01]))
    assert_close(x.grad, [2.0, 0.2, 0.02])


@pytest.mark.clause("BWD-3")
@pytest.mark.requires("float64")
def test_gradient_of_another_float_dtype_is_accepted_grad_keeps_leaf_dtype(backend):
    x = backend.tensor([1.0, 2.0], dtype=backend.float32, requires_grad=True)
    (x * 3).backward(backend.tensor([1.0, 2.0], dtype=backend.float64))
    assert x.grad.dtype == backend.float32
    assert x.grad.tolist() == [3.0, 6.0]


@pytest.mark.clause("BWD-3")
@pytest.mark.requires("float64")
def test_float32_gradient_for_a_float64_leaf(backend):
    x = backend.tensor([1.0, 2.0], dtype=backend.float64, requires_grad=True)
    (x * 3).backward(backend.tensor([1.0, 2.0], dtype=backend.float32))
    assert x.grad.dtype == backend.float64
    assert x.grad.tolist() == [3.0, 6.0]


@pytest.mark.clause("BWD-3")
def test_scalar_gradient_scales(backend):
    s = backend.tensor(2.0, requires_grad=True)
    (s * s).backward(backend.tensor(3.0))
    assert s.grad.item() == 12.0


# ----------------------------------------------------------------------------------- BWD-4
NO_PATH = {
    "plain": lambda b: b.tensor(1.0),
    "plain-vector-sum": lambda b: b.tensor([1.0, 2.0]).sum(),
    "detached": lambda b: b.tensor([1.0, 2.0], requires_grad=True).detach().sum(),
    "detached-times-two": lambda b: (b.tensor(2.0, requires_grad=True).detach() * 2),
    "untracked-inputs": lambda b: b.tensor(3.0) * b.tensor(2.0),
    "leaf-turned-off": lambda b: b.tensor(1.0, requires_grad=True).requires_grad_(False),
}


@pytest.mark.clause("BWD-4")
@pytest.mark.parametrize("make", list(NO_PATH), ids=list(NO_PATH))
def test_backward_without_grad_path_raises(backend, make):
    t = NO_PATH[make](backend)
    with raises_kind(backend, NoGradPathError):
        t.backward()
    assert t.grad is None


@pytest.mark.clause("BWD-4")
def test_backward_of_a_no_grad_result_raises(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    with backend.no_grad():
        y = (x * 2).sum()
    with raises_kind(backend, NoGradPathError):
        y.backward()
    assert x.grad is None


@pytest.mark.clause("BWD-4")
def test_detached_branch_does_not_reach_the_leaf(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 3).detach()
    with raises_kind(backend, NoGradPathError):
        d.sum().backward()
    assert x.grad is None


@pytest.mark.clause("BWD-4")
def test_autograd_backward_without_grad_path_raises(backend):
    with raises_kind(backend, NoGradPathError):
        backend.autograd.backward([backend.tensor(1.0)])


# ----------------------------------------------------------------------------------- BWD-5
@pytest.mark.clause("BWD-5")
def test_fan_out_sums_paths(backend):
    x = backend.tensor(3.0, requires_grad=True)
    (x * x + x).backward()
    assert x.grad.item() == 7.0


@pytest.mark.clause("BWD-5")
def test_diamond_through_two_intermediates(backend):
    x = backend.tensor(2.0, requires_grad=True)
    a = x * 2
    b = x * 3
    (a * b).backward()  # 6 x**2
    assert x.grad.item() == 24.0


@pytest.mark.clause("BWD-5")
def test_shared_intermediate_used_twice(backend):
    x = backend.tensor(1.0, requires_grad=True)
    h = x * 3
    (h * h + h).backward()  # (2h + 1) * 3 at h = 3
    assert x.grad.item() == 21.0


@pytest.mark.clause("BWD-5")
def test_same_leaf_in_many_positions(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    backend.stack([x, x * 2, x.exp().log()]).sum().backward()
    assert_close(x.grad, [4.0, 4.0])


@pytest.mark.clause("BWD-5")
def test_unreached_leaves_stay_none(backend):
    x = backend.tensor(3.0, requires_grad=True)
    u = backend.tensor(1.0, requires_grad=True)
    (x * x + x).backward()
    assert x.grad.item() == 7.0 and u.grad is None


@pytest.mark.clause("BWD-5")
def test_leaf_only_behind_detach_stays_none(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    u = backend.tensor([3.0, 4.0], requires_grad=True)
    (x * 2 + u.detach() * 3).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0] and u.grad is None


@pytest.mark.clause("BWD-5")
def test_leaf_of_another_graph_stays_none(backend):
    x = backend.tensor([1.0], requires_grad=True)
    u = backend.tensor([1.0], requires_grad=True)
    other = (u * 5).sum()  # built but never backwarded
    (x * 2).sum().backward()
    assert u.grad is None and x.grad.tolist() == [2.0]
    assert other.item() == 5.0


@pytest.mark.clause("BWD-5")
def test_zero_gradient_is_zero_not_none(backend):
    # Reached but with a zero contribution: a tensor of zeros, distinct from "not reached".
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    (x * 0).sum().backward()
    assert x.grad is not None and x.grad.tolist() == [0.0, 0.0]


# ----------------------------------------------------------------------------------- BWD-6
@pytest.mark.clause("BWD-6")
def test_backward_inside_no_grad(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    with backend.no_grad():
        y.backward()
        assert not backend.is_grad_enabled()
    assert x.grad.tolist() == [2.0, 2.0]
    assert not x.grad.requires_grad


@pytest.mark.clause("BWD-6")
def test_backward_inside_no_grad_with_saved_tensors_and_retain(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with backend.no_grad():
        y.backward(retain_graph=True)
        y.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    assert backend.is_grad_enabled()


@pytest.mark.clause("BWD-6")
def test_autograd_grad_inside_no_grad(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x * x).sum()
    with backend.no_grad():
        (g,) = backend.autograd.grad(y, x)
    assert g.tolist() == [3.0, 12.0]


# ----------------------------------------------------------------------------------- BWD-7
@pytest.mark.clause("BWD-7")
def test_inputs_restricts_accumulation(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    u = backend.tensor([3.0, 4.0], requires_grad=True)
    (x * u).sum().backward(inputs=[x])
    assert x.grad.tolist() == [3.0, 4.0] and u.grad is None


@pytest.mark.clause("BWD-7")
def test_inputs_listing_every_leaf(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    u = backend.tensor([3.0, 4.0], requires_grad=True)
    (x * u).sum().backward(inputs=[u, x])
    assert x.grad.tolist() == [3.0, 4.0] and u.grad.tolist() == [1.0, 2.0]


@pytest.mark.clause("BWD-7")
def test_inputs_accumulates_into_existing_grad(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    u = backend.tensor([3.0, 4.0], requires_grad=True)
    (x * u).sum().backward(inputs=[x])
    (x * u).sum().backward(inputs=[x])
    assert x.grad.tolist() == [6.0, 8.0] and u.grad is None


@pytest.mark.clause("BWD-7")
def test_empty_inputs_raises(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    with raises_kind(backend, EmptyInputsError):
        y.backward(inputs=[])
    assert x.grad is None


@pytest.mark.clause("BWD-7")
def test_empty_inputs_raises_for_autograd_backward(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    with raises_kind(backend, EmptyInputsError):
        backend.autograd.backward([(x * 2).sum()], inputs=[])
    assert x.grad is None


@pytest.mark.clause("BWD-7")
def test_non_leaf_in_inputs_gets_its_grad(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (h ** 2).sum().backward(inputs=[h])
    assert _grad(h).tolist() == [6.0, 12.0]
    assert x.grad is None


@pytest.mark.clause("BWD-7")
def test_autograd_backward_inputs(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    u = backend.tensor([3.0, 4.0], requires_grad=True)
    backend.autograd.backward([(x * u).sum()], inputs=[u])
    assert u.grad.tolist() == [1.0, 2.0] and x.grad is None


@pytest.mark.clause("BWD-7", "HOOK-1")
@pytest.mark.requires("hooks")
def test_inputs_runs_no_hook_of_a_leaf_left_out(backend):
    # PyTorch does not run what leads only to tensors outside `inputs`: their hooks stay quiet
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    u = backend.tensor([3.0, 4.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(("x", g.tolist())))
    u.register_hook(lambda g: seen.append(("u", g.tolist())))
    (x * u).sum().backward(inputs=[x])
    assert seen == [("x", [3.0, 4.0])]
    assert x.grad.tolist() == [3.0, 4.0] and u.grad is None



@pytest.mark.clause("BWD-7", "RETAINGRAD-2")
def test_inputs_still_fills_the_single_outputs_retained_grad(backend):
    # fuzzer seed 49257: nothing below the output leads to x, yet PyTorch's root runs its hooks
    w = backend.tensor([1.0, 2.0], requires_grad=True)
    x = backend.tensor([3.0, 4.0], requires_grad=True)
    y = w * 2
    y.retain_grad()
    y.backward(backend.tensor([1.0, -1.0]), retain_graph=True)
    y.backward(backend.tensor([0.5, 0.5]), inputs=[x])
    assert y.grad.tolist() == [1.5, -0.5]
    assert w.grad.tolist() == [2.0, -2.0] and x.grad is None


@pytest.mark.clause("BWD-7", "HOOK-1")
@pytest.mark.requires("hooks")
def test_inputs_runs_the_single_outputs_hook_but_not_those_below(backend):
    w = backend.tensor([1.0, 2.0], requires_grad=True)
    x = backend.tensor([3.0, 4.0], requires_grad=True)
    h = w * 2
    y = h + x
    seen = []
    y.register_hook(lambda g: seen.append("y"))
    h.register_hook(lambda g: seen.append("h"))
    y.sum().backward(inputs=[x])  # y is not the output: only the output's node and x's path
    assert seen == ["y"] and x.grad.tolist() == [1.0, 1.0] and w.grad is None
    seen.clear()
    z = w * 3
    z.register_hook(lambda g: seen.append("z"))
    z.backward(backend.ones(2), inputs=[x])  # x is not reached at all
    assert seen == ["z"] and w.grad is None

# ----------------------------------------------------------------------------------- BWD-8
CHAIN = 10_000


@pytest.mark.clause("BWD-8")
def test_chain_of_ten_thousand_adds(backend):
    x = backend.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(CHAIN):
        y = y + 1
    assert y.item() == CHAIN + 1
    y.backward()
    assert x.grad.item() == 1.0


@pytest.mark.clause("BWD-8")
def test_chain_of_ten_thousand_muls(backend):
    # Alternate *2 and *0.5: powers of two keep the expected gradient exact.
    x = backend.tensor([1.0, 3.0], requires_grad=True)
    y = x
    for i in range(CHAIN):
        y = y * (2.0 if i % 2 == 0 else 0.5)
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


@pytest.mark.clause("BWD-8")
def test_chain_of_ten_thousand_ops_through_autograd_grad(backend):
    x = backend.tensor(2.0, requires_grad=True)
    y = x
    for _ in range(CHAIN):
        y = -y
    (g,) = backend.autograd.grad(y, x)
    assert g.item() == 1.0  # an even number of negations
    assert x.grad is None

