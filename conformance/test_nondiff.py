"""NONDIFF: gradients at non-differentiable points, and where()'s NaN trap.

At kinks, PyTorch picks a definite (sub)gradient: relu and abs give 0, clamp passes the gradient
at its bounds, ties in reductions split it evenly while max(dim) sends it to one index.  ``where``
multiplies the unselected branch's derivative by zero, so an infinite derivative there gives NaN.
"""

import math

import pytest

from gradspec.conformance.helpers import assert_close


def _grad_of(backend, fn, values):
    x = backend.tensor(values, requires_grad=True)
    fn(x).sum().backward()
    return x.grad.tolist()


# ---------------------------------------------------------------------------- NONDIFF-1
@pytest.mark.clause("NONDIFF-1")
def test_relu_derivative_at_zero_is_zero(backend):
    assert _grad_of(backend, backend.relu, [-1.0, 0.0, 2.0]) == [0.0, 0.0, 1.0]


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
