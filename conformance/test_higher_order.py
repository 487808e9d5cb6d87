"""HIGHER: create_graph and higher-order derivatives.

A gradient computed with ``create_graph=True`` is itself a tensor in a graph and can be
differentiated again; without it a gradient is a constant.  Linear functions are the notable
exception PyTorch keeps: their derivative does not depend on anything that requires grad, so it
is a constant even with ``create_graph`` (HIGHER-4).
"""

import math
import warnings

import pytest

from gradspec.conformance.helpers import assert_close, expect_error, raises_kind
from gradspec.errors import NoGradPathError


def _backward_create_graph(t, **kwargs):
    # torch warns that backward(create_graph=True) makes a reference cycle; that is expected here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t.backward(create_graph=True, **kwargs)


# ---------------------------------------------------------------------------- HIGHER-1
@pytest.mark.clause("HIGHER-1")
def test_cube_differentiated_three_times(backend):
    x = backend.tensor(3.0, requires_grad=True)
    y = x ** 3
    assert y.item() == 27.0
    (g1,) = backend.autograd.grad(y, x, create_graph=True)
    assert g1.item() == 27.0
    assert g1.requires_grad and g1.grad_fn is not None
    (g2,) = backend.autograd.grad(g1, x, create_graph=True)
    assert g2.item() == 18.0
    assert g2.requires_grad and g2.grad_fn is not None
    (g3,) = backend.autograd.grad(g2, x)
    assert g3.item() == 6.0


@pytest.mark.clause("HIGHER-1")
def test_fourth_power_three_derivatives(backend):
    x = backend.tensor(2.0, requires_grad=True)
    (g1,) = backend.autograd.grad(x ** 4, x, create_graph=True)
    (g2,) = backend.autograd.grad(g1, x, create_graph=True)
    (g3,) = backend.autograd.grad(g2, x)
    assert (g1.item(), g2.item(), g3.item()) == (32.0, 48.0, 48.0)


@pytest.mark.clause("HIGHER-1")
@pytest.mark.requires("float64")
def test_sin_first_and_second_derivative_float64(backend):
    x = backend.tensor(0.5, dtype=backend.float64, requires_grad=True)
    (g1,) = backend.autograd.grad(backend.sin(x), x, create_graph=True)
    assert g1.dtype == backend.float64
    assert_close(g1, math.cos(0.5), rtol=1e-12, atol=1e-14)
    (g2,) = backend.autograd.grad(g1, x)
    assert_close(g2, -math.sin(0.5), rtol=1e-12, atol=1e-14)


@pytest.mark.clause("HIGHER-1", "AGRAD-1")
def test_seed_square_second_derivative(backend):
    # The tutorials' example: a one-input grad returns a 1-tuple whose entry has a grad_fn.
    x = backend.tensor([3.0], requires_grad=True)
    y = backend.pow(x, 2)
    grad_1 = backend.autograd.grad(y, x, create_graph=True)
    assert isinstance(grad_1, tuple) and len(grad_1) == 1
    assert grad_1[0].tolist() == [6.0]
    assert grad_1[0].requires_grad and grad_1[0].grad_fn is not None
    grad_2 = backend.autograd.grad(grad_1[0], x)
    assert isinstance(grad_2, tuple) and len(grad_2) == 1
    assert grad_2[0].tolist() == [2.0]


@pytest.mark.clause("HIGHER-1")
def test_mixed_second_derivatives(backend):
    # f = x**2 * y: df/dx = 2xy, d2f/dx2 = 2y, d2f/dxdy = 2x.
    x = backend.tensor(3.0, requires_grad=True)
    y = backend.tensor(2.0, requires_grad=True)
    (gx,) = backend.autograd.grad(x ** 2 * y, x, create_graph=True)
    assert gx.item() == 12.0 and gx.requires_grad
    hxx, hxy = backend.autograd.grad(gx, [x, y])
    assert (hxx.item(), hxy.item()) == (4.0, 6.0)


@pytest.mark.clause("HIGHER-1")
def test_second_derivative_of_vector_function(backend):
    # Elementwise: d/dx sum(x**3) = 3x**2; differentiating its sum gives 6x.
    x = backend.tensor([1.0, -2.0, 0.5], requires_grad=True)
    (g,) = backend.autograd.grad((x ** 3).sum(), x, create_graph=True)
    assert g.tolist() == [3.0, 12.0, 0.75]
    assert tuple(g.shape) == (3,) and g.requires_grad
    (h,) = backend.autograd.grad(g.sum(), x)
    assert h.tolist() == [6.0, -12.0, 3.0]


@pytest.mark.clause("HIGHER-1", "HIGHER-3")
def test_last_derivative_without_create_graph_is_constant(backend):
    x = backend.tensor(3.0, requires_grad=True)
    (g1,) = backend.autograd.grad(x ** 3, x, create_graph=True)
    (g2,) = backend.autograd.grad(g1, x)
    assert g2.item() == 18.0
    assert not g2.requires_grad and g2.grad_fn is None


# ---------------------------------------------------------------------------- HIGHER-2
@pytest.mark.clause("HIGHER-2")
def test_backward_create_graph_leaves_differentiable_grad(backend):
    x = backend.tensor(2.0, requires_grad=True)
    _backward_create_graph(x ** 3)
    assert x.grad.item() == 12.0
    assert x.grad.requires_grad and x.grad.grad_fn is not None


@pytest.mark.clause("HIGHER-2")
def test_grad_backward_adds_second_derivative_into_grad(backend):
    x = backend.tensor(2.0, requires_grad=True)
    _backward_create_graph(x ** 3)
    x.grad.backward()
    # 12 (first derivative) + 12 (second derivative, 6x at 2) accumulate into one grad.
    assert x.grad.item() == 24.0


@pytest.mark.clause("HIGHER-2")
def test_grad_backward_after_reset_gives_only_second_derivative(backend):
    x = backend.tensor(2.0, requires_grad=True)
    _backward_create_graph(x ** 3)
    g = x.grad
    x.grad = None
    g.backward()
    assert x.grad.item() == 12.0


@pytest.mark.clause("HIGHER-2")
def test_backward_create_graph_on_vector(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    _backward_create_graph((x ** 3).sum())
    assert x.grad.tolist() == [3.0, 12.0] and x.grad.requires_grad
    x.grad.sum().backward()
    # 3x**2 + 6x at [1, 2]
    assert x.grad.tolist() == [9.0, 24.0]


# ---------------------------------------------------------------------------- HIGHER-3
@pytest.mark.clause("HIGHER-3")
def test_grad_without_create_graph_is_constant(backend):
    x = backend.tensor(2.0, requires_grad=True)
    (g,) = backend.autograd.grad(x ** 3, x)
    assert g.item() == 12.0
    assert not g.requires_grad and g.grad_fn is None


@pytest.mark.clause("HIGHER-3")
def test_differentiating_a_constant_gradient_raises(backend):
    x = backend.tensor(2.0, requires_grad=True)
    (g,) = backend.autograd.grad(x ** 3, x)
    expect_error(backend, NoGradPathError, lambda: backend.autograd.grad(g, x))
    assert x.grad is None


@pytest.mark.clause("HIGHER-3")
def test_accumulated_grad_without_create_graph_is_constant(backend):
    x = backend.tensor(2.0, requires_grad=True)
    (x ** 3).backward()
    assert x.grad.item() == 12.0
    assert not x.grad.requires_grad and x.grad.grad_fn is None
    with raises_kind(backend, NoGradPathError):
        x.grad.backward()
    assert x.grad.item() == 12.0


# ---------------------------------------------------------------------------- HIGHER-4
@pytest.mark.clause("HIGHER-4")
def test_derivative_of_linear_function_is_constant(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    (g,) = backend.autograd.grad((x * 3).sum(), x, create_graph=True)
    assert g.tolist() == [3.0, 3.0]
    assert not g.requires_grad


@pytest.mark.clause("HIGHER-4")
def test_second_grad_of_linear_function_raises(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    (g,) = backend.autograd.grad((x * 3).sum(), x, create_graph=True)
    expect_error(backend, NoGradPathError, lambda: backend.autograd.grad(g.sum(), x))


@pytest.mark.clause("HIGHER-4")
def test_linear_backward_create_graph_gives_constant_grad(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    _backward_create_graph((x * 3 + 1).sum())
    assert x.grad.tolist() == [3.0, 3.0]
    assert not x.grad.requires_grad


@pytest.mark.clause("HIGHER-4")
def test_relu_derivative_keeps_a_graph(backend):
    x = backend.tensor([-1.0, 2.0], requires_grad=True)
    (g,) = backend.autograd.grad(backend.relu(x).sum(), x, create_graph=True)
    assert g.tolist() == [0.0, 1.0]
    assert g.requires_grad and g.grad_fn is not None
    (h,) = backend.autograd.grad(g.sum(), x)
    assert h.tolist() == [0.0, 0.0]


# ---------------------------------------------------------------------------- HIGHER-5
@pytest.mark.clause("HIGHER-5")
def test_gradient_penalty_on_weights(backend):
    w = backend.tensor([1.0, 2.0], requires_grad=True)
    inp = backend.tensor([3.0, 4.0])
    (gw,) = backend.autograd.grad(((w * inp) ** 2).sum(), w, create_graph=True)
    assert gw.tolist() == [18.0, 64.0] and gw.requires_grad
    assert w.grad is None  # autograd.grad does not accumulate
    (gw ** 2).sum().backward()
    # d/dw sum((2 w inp^2)^2) = 8 w inp^4
    assert w.grad.tolist() == [648.0, 4096.0]


@pytest.mark.clause("HIGHER-5")
def test_gradient_penalty_added_to_loss(backend):
    w = backend.tensor([1.0, 2.0], requires_grad=True)
    inp = backend.tensor([3.0, 4.0])
    out = ((w * inp) ** 2).sum()
    (gw,) = backend.autograd.grad(out, w, create_graph=True)
    (out + (gw ** 2).sum()).backward()
    assert w.grad.tolist() == [18.0 + 648.0, 64.0 + 4096.0]


@pytest.mark.clause("HIGHER-5")
def test_input_gradient_penalty_reaches_weights_and_inputs(backend):
    # WGAN-GP shape: penalise the gradient with respect to the input, train the weights.
    w = backend.tensor([1.0, 2.0], requires_grad=True)
    inp = backend.tensor([3.0, 4.0], requires_grad=True)
    (gi,) = backend.autograd.grad(((w * inp) ** 2).sum(), inp, create_graph=True)
    assert gi.tolist() == [6.0, 32.0]  # 2 w^2 inp
    (gi ** 2).sum().backward()
    # penalty = sum(4 w^4 inp^2): d/dw = 16 w^3 inp^2, d/dinp = 8 w^4 inp
    assert w.grad.tolist() == [144.0, 2048.0]
    assert inp.grad.tolist() == [24.0, 512.0]
