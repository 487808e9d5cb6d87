"""NONDIFF: gradients at non-differentiable points, and where()'s NaN trap.

At kinks, PyTorch picks a definite (sub)gradient: relu and abs give 0, clamp passes the gradient
at its bounds, ties in reductions split it evenly while max(dim) sends it to one index.  ``where``
multiplies the unselected branch's derivative by zero, so an infinite derivative there gives NaN.
"""

import math

import pytest

from gradspec.conformance.helpers import assert_close, unsupported


def _grad_of(backend, fn, values):
    x = backend.tensor(values, requires_grad=True)
    fn(x).sum().backward()
    return x.grad.tolist()


# ---------------------------------------------------------------------------- NONDIFF-1
@pytest.mark.clause("NONDIFF-1")
def test_relu_derivative_at_zero_is_zero(backend):
    assert _grad_of(backend, backend.relu, [-1.0, 0.0, 2.0]) == [0.0, 0.0, 1.0]


# sizes below and above the sizes where an engine may switch to a faster algorithm (gradspec's
# engine: ReLU's gradient from 4,096 elements, binary cross entropy's floor from 65,536)
SIZES = [pytest.param(12, id="small"), pytest.param(70_000, id="large")]


@pytest.mark.clause("NONDIFF-1")
@pytest.mark.parametrize("n", SIZES)
def test_relu_passes_nothing_where_masked_whatever_the_incoming_gradient(backend, n):
    values = [(-1.0, 2.0, 0.0)[i % 3] for i in range(n)]
    incoming = [(math.inf, math.inf, math.nan)[i % 3] for i in range(n)]
    x = backend.tensor(values, requires_grad=True)
    backend.relu(x).backward(backend.tensor(incoming))
    g = x.grad.tolist()
    # masked (x <= 0): exactly 0, even for an infinite or NaN incoming gradient; else passed on
    assert g[:3] == [0.0, math.inf, 0.0]
    assert all(v == 0.0 for v in g[0::3]) and all(v == 0.0 for v in g[2::3])
    assert all(v == math.inf for v in g[1::3])


@pytest.mark.clause("NONDIFF-1")
@pytest.mark.parametrize("n", SIZES)
def test_relu_passes_the_gradient_at_a_nan_input(backend, n):
    # PyTorch masks where relu's output is <= 0; NaN is not, so its gradient passes
    values = [(math.nan, -1.0, 3.0)[i % 3] for i in range(n)]
    incoming = [(5.0, 7.0, -2.0)[i % 3] for i in range(n)]
    x = backend.tensor(values, requires_grad=True)
    backend.relu(x).backward(backend.tensor(incoming))
    assert x.grad.tolist()[:3] == [5.0, 0.0, -2.0]
    assert x.grad.sum().item() == (n // 3) * 3.0 + (5.0 if n % 3 else 0.0)


@pytest.mark.clause("NONDIFF-1")
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.requires("float64")
def test_binary_cross_entropy_clamps_at_certain_probabilities(backend, n):
    if not hasattr(backend, "binary_cross_entropy"):
        unsupported("binary_cross_entropy")
    # p = 0 with y = 1 and p = 1 with y = 0: each log is clamped at -100 and the gradient's
    # p (1 - p) floored at 1e-12, as in PyTorch; the rest are ordinary
    p_values = [(0.0, 1.0, 0.5, 1.0)[i % 4] for i in range(n)]
    y_values = [(1.0, 0.0, 1.0, 1.0)[i % 4] for i in range(n)]
    p = backend.tensor(p_values, dtype=backend.float64, requires_grad=True)
    y = backend.tensor(y_values, dtype=backend.float64)
    loss = backend.binary_cross_entropy(p, y, reduction="sum")
    quarter = sum(1 for i in range(n) if i % 4 == 0)
    second = sum(1 for i in range(n) if i % 4 == 1)
    third = sum(1 for i in range(n) if i % 4 == 2)
    assert_close(loss, 100.0 * (quarter + second) + math.log(2.0) * third, rtol=1e-12)
    loss.backward()
    g = p.grad.tolist()
    # (PyTorch's floor is the float32 nearest 1e-12, even in float64: -1.000000004e12)
    assert_close(g[:4], [-1e12, 1e12, -2.0, 0.0], rtol=1e-8, atol=0.0)
    assert len(set(g[0::4])) == 1 and len(set(g[1::4])) == 1 and len(set(g[3::4])) == 1


@pytest.mark.clause("NONDIFF-1")
def test_abs_derivative_at_zero_is_zero(backend):
    assert _grad_of(backend, backend.abs, [-2.0, 0.0, 3.0]) == [-1.0, 0.0, 1.0]


@pytest.mark.clause("NONDIFF-1")
def test_clamp_passes_gradient_at_its_bounds(backend):
    g = _grad_of(backend, lambda x: backend.clamp(x, 0.0, 1.0), [0.0, 1.0, -0.5, 0.5, 1.5])
    assert g == [1.0, 1.0, 0.0, 1.0, 0.0]


@pytest.mark.clause("NONDIFF-1")
def test_max_ties_split_evenly(backend):
    assert _grad_of(backend, lambda x: x.max(), [1.0, 3.0, 3.0]) == [0.0, 0.5, 0.5]


@pytest.mark.clause("NONDIFF-1")
def test_min_ties_split_evenly(backend):
    assert _grad_of(backend, lambda x: x.min(), [3.0, 1.0, 1.0]) == [0.0, 0.5, 0.5]


@pytest.mark.clause("NONDIFF-1")
def test_three_way_tie_splits_in_thirds(backend):
    assert_close(_grad_of(backend, lambda x: backend.max(x), [2.0, 2.0, 2.0]), [1 / 3] * 3)


@pytest.mark.clause("NONDIFF-1")
def test_max_without_ties_picks_the_maximum(backend):
    assert _grad_of(backend, lambda x: x.max(), [1.0, 4.0, 3.0]) == [0.0, 1.0, 0.0]


@pytest.mark.clause("NONDIFF-1")
@pytest.mark.parametrize("fn, expect_a, expect_b", [
    pytest.param("maximum", [0.5, 0.0], [0.5, 1.0], id="maximum"),
    pytest.param("minimum", [0.5, 1.0], [0.5, 0.0], id="minimum"),
])
def test_elementwise_maximum_minimum_ties_split(backend, fn, expect_a, expect_b):
    a = backend.tensor([1.0, 2.0], requires_grad=True)
    b = backend.tensor([1.0, 3.0], requires_grad=True)
    getattr(backend, fn)(a, b).sum().backward()
    assert a.grad.tolist() == expect_a
    assert b.grad.tolist() == expect_b


@pytest.mark.clause("NONDIFF-1")
def test_max_along_dim_sends_tie_gradient_to_one_index(backend):
    t = backend.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    result = t.max(dim=1)
    assert result.values.tolist() == [3.0, 2.0]
    result.values.sum().backward()
    g = t.grad.tolist()
    indices = result.indices.tolist()
    maxima = [[1, 2], [0, 1]]
    for row, index, allowed in zip(g, indices, maxima):
        # which of the tied positions is the backend's choice; it must be one of them, and
        # the gradient must go where the returned index says
        assert index in allowed
        assert row == [1.0 if j == index else 0.0 for j in range(3)]


# ---------------------------------------------------------------------------- NONDIFF-2
@pytest.mark.clause("NONDIFF-2")
def test_where_with_infinite_derivative_in_unselected_branch_gives_nan(backend):
    x = backend.tensor([-1.0, 4.0], requires_grad=True)
    out = backend.where(x > 0, backend.sqrt(x), backend.zeros(2))
    assert out.tolist() == [0.0, 2.0]
    out.sum().backward()
    g = x.grad.tolist()
    assert math.isnan(g[0])
    assert g[1] == 0.25


@pytest.mark.clause("NONDIFF-2")
def test_where_with_log_at_zero_gives_nan(backend):
    # log'(0) = inf in the unselected branch; 0 * inf = nan
    x = backend.tensor([0.0, 2.0], requires_grad=True)
    backend.where(x > 0, backend.log(x), backend.zeros(2)).sum().backward()
    g = x.grad.tolist()
    assert math.isnan(g[0]) and g[1] == 0.5


@pytest.mark.clause("NONDIFF-2")
def test_where_routes_gradient_by_condition(backend):
    x = backend.tensor([-1.0, 2.0], requires_grad=True)
    backend.where(x > 0, 3 * x, 5 * x).sum().backward()
    assert x.grad.tolist() == [5.0, 3.0]


@pytest.mark.clause("NONDIFF-2")
def test_where_gives_zero_to_each_unselected_input(backend):
    a = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = backend.tensor([10.0, 20.0, 30.0], requires_grad=True)
    cond = backend.tensor([True, False, True])
    (backend.where(cond, a, b) * backend.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert a.grad.tolist() == [1.0, 0.0, 3.0]
    assert b.grad.tolist() == [0.0, 2.0, 0.0]
