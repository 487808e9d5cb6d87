"""SHAPE: shapes and dtypes of gradients.

A gradient has the shape and dtype of the tensor it is the gradient of: broadcasting is undone by
summing, views and indexing route gradients back to their base (repeated indices accumulate),
and in mixed-precision expressions each leaf keeps its own dtype.
"""

import numpy as np
import pytest

from gradspec.conformance.helpers import assert_close, unsupported


def _grad_shape(t):
    return tuple(t.grad.shape)


# ---------------------------------------------------------------------------- SHAPE-1
@pytest.mark.clause("SHAPE-1")
def test_broadcast_gradients_are_summed_to_each_input(backend):
    a = backend.ones(2, 3, requires_grad=True)
    b = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    s = backend.tensor(1.0, requires_grad=True)
    c = backend.tensor([[1.0], [2.0]], requires_grad=True)
    (a * b + s + c).sum().backward()
    assert a.grad.tolist() == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]] and _grad_shape(a) == (2, 3)
    assert b.grad.tolist() == [2.0, 2.0, 2.0] and _grad_shape(b) == (3,)
    assert s.grad.item() == 6.0 and _grad_shape(s) == ()
    assert c.grad.tolist() == [[3.0], [3.0]] and _grad_shape(c) == (2, 1)


@pytest.mark.clause("SHAPE-1")
def test_size_one_leading_dimension_is_summed(backend):
    k = backend.ones(1, 3, requires_grad=True)
    (k + backend.ones(4, 3)).sum().backward()
    assert k.grad.tolist() == [[4.0, 4.0, 4.0]] and _grad_shape(k) == (1, 3)


@pytest.mark.clause("SHAPE-1")
def test_expand_gradient_is_summed(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    x.expand(3, 2).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.clause("SHAPE-1")
def test_size_one_middle_dimensions_on_both_sides(backend):
    a = backend.ones(2, 1, 3, requires_grad=True)
    b = backend.ones(4, 1, requires_grad=True)
    out = a * b  # shape (2, 4, 3)
    assert tuple(out.shape) == (2, 4, 3)
    (out * 2).sum().backward()
    assert _grad_shape(a) == (2, 1, 3) and a.grad.tolist() == [[[8.0] * 3]] * 2
    assert _grad_shape(b) == (4, 1) and b.grad.tolist() == [[12.0]] * 4


@pytest.mark.clause("SHAPE-1")
def test_broadcast_reduction_keeps_weights(backend):
    # Weighted output: the reduction must sum the right elements, not just count them.
    x = backend.tensor([[1.0], [2.0]], requires_grad=True)  # (2, 1)
    y = backend.tensor([10.0, 20.0, 30.0], requires_grad=True)  # (3,)
    w = backend.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    ((x * y) * w).sum().backward()
    # d/dx[i] = sum_j y[j] w[i, j]; d/dy[j] = sum_i x[i] w[i, j]
    assert x.grad.tolist() == [[140.0], [320.0]]
    assert y.grad.tolist() == [9.0, 12.0, 15.0]


@pytest.mark.clause("SHAPE-1")
def test_zero_dim_input_against_matrix(backend):
    s = backend.tensor(2.0, requires_grad=True)
    m = backend.tensor([[1.0, 2.0], [3.0, 4.0]])
    (s * m).sum().backward()
    assert s.grad.item() == 10.0 and _grad_shape(s) == ()


@pytest.mark.clause("SHAPE-1")
@pytest.mark.parametrize("op", ["sub", "div"])
def test_broadcast_in_sub_and_div(backend, op):
    x = backend.tensor([1.0, 2.0, 4.0], requires_grad=True)  # (3,)
    y = backend.tensor([[1.0], [2.0]], requires_grad=True)  # (2, 1)
    out = x - y if op == "sub" else x / y
    out.sum().backward()
    if op == "sub":
        assert x.grad.tolist() == [2.0, 2.0, 2.0]
        assert y.grad.tolist() == [[-3.0], [-3.0]]
    else:
        assert_close(x.grad, [1.5, 1.5, 1.5])
        # d/dy sum_j x_j / y = -sum_j x_j / y^2
        assert_close(y.grad, [[-7.0], [-7.0 / 4.0]])


@pytest.mark.clause("SHAPE-1")
def test_empty_tensor_gradient(backend):
    x = backend.zeros(0, requires_grad=True)
    x.sum().backward()
    assert x.grad.tolist() == [] and _grad_shape(x) == (0,)


@pytest.mark.clause("SHAPE-1")
def test_broadcast_against_empty_tensor(backend):
    a = backend.ones(0, 3, requires_grad=True)
    b = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (a * b).sum().backward()
    assert _grad_shape(a) == (0, 3)
    assert b.grad.tolist() == [0.0, 0.0, 0.0] and _grad_shape(b) == (3,)


# ---------------------------------------------------------------------------- SHAPE-2
def _arange6(backend):
    return backend.arange(6.0).requires_grad_()


@pytest.mark.clause("SHAPE-2")
def test_gradient_through_view_and_select(backend):
    x = _arange6(backend)
    (x.view(2, 3)[1] * backend.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0]


@pytest.mark.clause("SHAPE-2")
def test_gradient_through_t(backend):
    x = _arange6(backend)
    w = backend.arange(6.0).view(3, 2)
    (x.view(2, 3).t() * w).sum().backward()
    # x[i, j] meets w[j, i]
    assert x.grad.tolist() == [0.0, 2.0, 4.0, 1.0, 3.0, 5.0]


@pytest.mark.clause("SHAPE-2")
def test_gradient_through_transpose_and_reshape(backend):
    x = _arange6(backend)
    w = backend.arange(6.0).view(3, 2)
    (x.reshape(2, 3).transpose(0, 1) * w).sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 4.0, 1.0, 3.0, 5.0]


@pytest.mark.clause("SHAPE-2")
def test_gradient_through_slice(backend):
    x = backend.tensor([1.0, 1.0, 1.0], requires_grad=True)
    (x[:2] * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 0.0]


@pytest.mark.clause("SHAPE-2")
def test_gradient_through_strided_slice_and_column(backend):
    x = _arange6(backend)
    (x[::2] * backend.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 2.0, 0.0, 3.0, 0.0]
    m = backend.ones(2, 3, requires_grad=True)
    (m[:, 1] * backend.tensor([5.0, 7.0])).sum().backward()
    assert m.grad.tolist() == [[0.0, 5.0, 0.0], [0.0, 7.0, 0.0]]


@pytest.mark.clause("SHAPE-2")
def test_gradient_through_squeeze_and_unsqueeze(backend):
    x = backend.tensor([[1.0, 2.0]], requires_grad=True)  # (1, 2)
    y = x.squeeze(0).unsqueeze(1)  # (2, 1)
    assert tuple(y.shape) == (2, 1)
    (y * backend.tensor([[3.0], [4.0]])).sum().backward()
    assert x.grad.tolist() == [[3.0, 4.0]] and _grad_shape(x) == (1, 2)


@pytest.mark.clause("SHAPE-2")
def test_integer_array_indexing_accumulates_repeats(backend):
    x = backend.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    idx = backend.tensor([0, 0, 2])
    (x[idx] * backend.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 3.0, 0.0]


@pytest.mark.clause("SHAPE-2")
def test_integer_array_indexing_of_rows_accumulates(backend):
    m = backend.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    rows = m[backend.tensor([1, 1, 2, 1])]
    assert tuple(rows.shape) == (4, 2)
    rows.sum().backward()
    assert m.grad.tolist() == [[0.0, 0.0], [3.0, 3.0], [1.0, 1.0]]


@pytest.mark.clause("SHAPE-2")
def test_boolean_mask_indexing(backend):
    x = backend.tensor([1.0, 5.0, 2.0, 7.0], requires_grad=True)
    picked = x[x > 3]
    assert picked.tolist() == [5.0, 7.0]
    (picked * backend.tensor([2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 0.0, 3.0]


@pytest.mark.clause("SHAPE-2")
def test_boolean_mask_from_separate_tensor_on_matrix(backend):
    m = backend.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    mask = backend.tensor([[True, False], [False, True]])
    (m[mask] * 10).sum().backward()
    assert m.grad.tolist() == [[10.0, 0.0], [0.0, 10.0]]


@pytest.mark.clause("SHAPE-2")
def test_several_views_of_one_base_accumulate(backend):
    x = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x[:2] * 2 + x[1:] * 3).sum().backward()
    assert x.grad.tolist() == [2.0, 5.0, 3.0]


# ---------------------------------------------------------------------------- SHAPE-3
@pytest.mark.clause("SHAPE-3")
@pytest.mark.requires("float64")
def test_mixed_precision_grads_keep_leaf_dtypes(backend):
    a = backend.tensor([1.0, 2.0], requires_grad=True)
    b = backend.tensor([3.0, 4.0], dtype=backend.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == backend.float32 and b.grad.dtype == backend.float64
    assert a.grad.tolist() == [3.0, 4.0] and b.grad.tolist() == [1.0, 2.0]


@pytest.mark.clause("SHAPE-3")
@pytest.mark.requires("float64")
def test_float32_leaf_with_float64_constant(backend):
    a = backend.tensor([1.0, 2.0], requires_grad=True)
    c = backend.tensor([0.5, 0.25], dtype=backend.float64)
    (a * c + a).sum().backward()
    assert a.grad.dtype == backend.float32
    assert a.grad.tolist() == [1.5, 1.25]


@pytest.mark.clause("SHAPE-3")
@pytest.mark.requires("float64")
def test_float64_leaf_grad_is_float64(backend):
    x = backend.tensor([0.1, 0.2], dtype=backend.float64, requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.dtype == backend.float64
    # exact in float64, not in float32
    assert x.grad.tolist() == [0.2, 0.4]


@pytest.mark.clause("SHAPE-3", "AGRAD-1")
@pytest.mark.requires("float64")
def test_autograd_grad_returns_each_inputs_dtype(backend):
    # float32 (1, 2) * float64 () is float32; a backward formula may compute the gradient wider
    # (here, with a float64 grad_outputs), but what comes back has the input's dtype
    x = backend.tensor([[-0.5, 0.25]], dtype=backend.float32, requires_grad=True)
    c = backend.tensor(1.5, dtype=backend.float64, requires_grad=True)
    v = backend.tensor([[1.0, 2.0]], dtype=backend.float64)
    gx, gc = backend.autograd.grad(x * c, [x, c], grad_outputs=v)
    assert gx.dtype == backend.float32 and gc.dtype == backend.float64
    assert gx.tolist() == [[1.5, 3.0]] and gc.item() == 0.0


@pytest.mark.clause("SHAPE-3", "BWD-3")
@pytest.mark.requires("float64")
def test_float64_gradient_for_float32_output(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.backward(backend.tensor([1.0, 3.0], dtype=backend.float64))
    assert x.grad.dtype == backend.float32
    assert x.grad.tolist() == [2.0, 6.0]


@pytest.mark.clause("SHAPE-3", "BWD-3")
@pytest.mark.requires("float64")
def test_float32_gradient_for_float64_output(backend):
    x = backend.tensor([1.0, 2.0], dtype=backend.float64, requires_grad=True)
    y = x * 2
    y.backward(backend.tensor([1.0, 3.0]))
    assert x.grad.dtype == backend.float64
    assert x.grad.tolist() == [2.0, 6.0]


@pytest.mark.clause("SHAPE-3", "AGRAD-4")
@pytest.mark.requires("float64")
def test_float64_grad_outputs_for_float32_output(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    weights = backend.tensor([1.0, 3.0], dtype=backend.float64)
    (g,) = backend.autograd.grad(x * 2, x, grad_outputs=weights)
    assert g.dtype == backend.float32
    assert g.tolist() == [2.0, 6.0]


@pytest.mark.clause("SHAPE-3")
def test_grad_of_numpy_created_leaf_keeps_its_dtype(backend):
    x = backend.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    (x * 3).sum().backward()
    assert x.grad.dtype == x.dtype == backend.float32


# ----------------------------------------------------------------------------------- SHAPE-4
def _transposed(backend, *shape):
    """A leaf and its transposed (last two dims swapped) view: not contiguous in PyTorch."""
    n = 1
    for s in shape:
        n *= s
    x = backend.tensor([float(i) for i in range(n)], requires_grad=True)
    return x, x.view(*shape).transpose(-1, -2)


def _needs(backend, op):
    """Report the case unsupported when the backend lacks the function or method it uses."""
    owner, name = {"contiguous": ("Tensor", "contiguous"), "view": ("Tensor", "view"),
                   "is_contiguous": ("Tensor", "is_contiguous"), "softmax": ("", "softmax"),
                   "log_softmax": ("", "log_softmax"), "stack": ("", "stack")}.get(
        op, ("", "cat") if op.startswith("cat") else ("", ""))
    if name and not hasattr(backend.tensor([1.0]) if owner else backend, name):
        unsupported(f"{'Tensor.' if owner else ''}{name}")


CONTIGUOUS_RESULTS = {
    "contiguous": lambda b, t: t.contiguous(),
    "cat-dim0": lambda b, t: b.cat([t, t * 2]),
    "cat-dim1": lambda b, t: b.cat([t, t], dim=1),
    "stack": lambda b, t: b.stack([t, t]),
    "softmax": lambda b, t: b.softmax(t, dim=-1),
    "log_softmax": lambda b, t: b.log_softmax(t, dim=0),
    "sum-dim": lambda b, t: t.sum(dim=1),
    "mean-keepdim": lambda b, t: t.mean(dim=0, keepdim=True),
    "max-dim": lambda b, t: t.max(dim=1).values,
}


@pytest.mark.clause("SHAPE-4")
@pytest.mark.parametrize("op", list(CONTIGUOUS_RESULTS), ids=list(CONTIGUOUS_RESULTS))
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4)], ids=["2d", "3d"])
def test_results_pytorch_makes_contiguous_can_be_viewed(backend, op, shape):
    _needs(backend, op)
    x, t = _transposed(backend, *shape)
    y = CONTIGUOUS_RESULTS[op](backend, t)
    flat = y.view(-1)  # must not raise
    assert flat.tolist() == y.reshape(-1).tolist()
    weights = backend.tensor([float(i % 5) for i in range(flat.shape[0])])
    (flat * weights).sum().backward()
    expected_x = backend.tensor([float(i) for i in range(x.shape[0])], requires_grad=True)
    y2 = CONTIGUOUS_RESULTS[op](backend, expected_x.view(*shape).transpose(-1, -2))
    (y2.reshape(-1) * weights).sum().backward()
    assert_close(x.grad, expected_x.grad)


@pytest.mark.clause("SHAPE-4")
def test_contiguous_of_a_contiguous_tensor_is_itself(backend):
    _needs(backend, "contiguous")
    x = backend.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert x.contiguous() is x
    t = x.t()
    c = t.contiguous()
    assert c is not t and c.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    c.view(4).sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]


@pytest.mark.clause("SHAPE-4")
def test_is_contiguous_tells_what_contiguous_would_do(backend):
    _needs(backend, "contiguous")
    _needs(backend, "is_contiguous")
    x = backend.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.is_contiguous() is True and x.t().is_contiguous() is False
    assert x.t().contiguous().is_contiguous() is True


@pytest.mark.clause("SHAPE-4")
def test_a_leaf_grad_that_came_through_a_transpose_can_be_viewed(backend):
    # PyTorch gives a contiguous leaf a contiguous .grad whatever layout backward produced
    # (fuzzer seed 81226: the grad was the transposed view, and its clone could not be viewed)
    _needs(backend, "view")
    x = backend.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    x.t().backward(backend.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    assert x.grad.clone().view(6).tolist() == [1.0, 3.0, 5.0, 2.0, 4.0, 6.0]
