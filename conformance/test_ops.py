"""Per-op gradient checks (clause family OPS).

Every case of the op catalogue (`gradspec.conformance.opcases`) is checked three ways:

* OPS-1: the analytic vector-Jacobian product for a random cotangent matches central finite
  differences in float64, and each gradient has its input's shape and dtype;
* OPS-2: the gradient of ``sum_i <grad_i, w_i>`` (first-order gradients built with
  ``create_graph=True``, fixed random weights ``w_i``) matches finite differences of the
  first-order gradients;
* OPS-3: forward values and first-order gradients match PyTorch's on the same numpy inputs.

Cases whose backend lacks a function or tensor method they use are reported as unsupported.
"""

import numpy as np
import pytest

import gradspec
from gradspec import errors
from gradspec.conformance import _gradcheck as gc
from gradspec.conformance.helpers import require_methods
from gradspec.conformance.opcases import CASES, OpCase

# finite differences are only meaningful in float64
pytestmark = pytest.mark.requires("float64")

# second order differentiates finite differences of computed gradients: a little looser
SECOND_ORDER_RTOL = 1e-4
SECOND_ORDER_ATOL = 1e-6
# OPS-3 compares two implementations of the same float64 formula
TORCH_RTOL = 1e-10
TORCH_ATOL = 1e-12
TORCH_RTOL_FLOAT32 = 1e-6


def _params(cases):
    return [pytest.param(c, id=c.name, marks=[pytest.mark.requires(*c.requires)] if c.requires
                         else []) for c in cases]


def _operands(case: OpCase):
    return [gc.Operand(a, spec.dtype, spec.requires_grad)
            for a, spec in zip(case.sample(), case.inputs)]


def _cotangent(backend, case: OpCase, operands):
    """The output's shape (from a plain forward) and a seeded dyadic cotangent of that shape."""
    out = gc.as_numpy_function(backend, case.fn, operands)([op.value for op in operands])
    return gc.dyadic_cotangent(case.rng(1), out.shape)


def _names(case: OpCase):
    return [f"input {i} {case.inputs[i].shape}" for i in case.wrt]


def _assert_grad_meta(case: OpCase, inputs, grads) -> None:
    for i, g in zip(case.wrt, grads):
        assert g is not None, f"no gradient for input {i}"
        assert tuple(g.shape) == tuple(inputs[i].shape), (
            f"gradient of input {i} has shape {tuple(g.shape)}, input {tuple(inputs[i].shape)}")
        assert g.dtype == inputs[i].dtype, (
            f"gradient of input {i} has dtype {g.dtype}, input {inputs[i].dtype}")


@pytest.mark.clause("OPS-1")
@pytest.mark.parametrize("case", _params(CASES))
def test_first_order(backend, case):
    require_methods(backend, case)
    operands = _operands(case)
    v = _cotangent(backend, case, operands)
    inputs, _, grads = gc.vjp(backend, case.fn, operands, v)
    _assert_grad_meta(case, inputs, grads)
    numerical = gc.fd_vjp(gc.as_numpy_function(backend, case.fn, operands),
                          [op.value for op in operands], case.wrt, v, case.eps)
    gc.assert_grads_close([gc.host(backend, g) for g in grads], numerical, case.rtol, case.atol,
                          "gradient", _names(case))


@pytest.mark.clause("OPS-2")
@pytest.mark.parametrize("case", _params([c for c in CASES if c.second_order]))
def test_second_order(backend, case):
    require_methods(backend, case)
    operands = _operands(case)
    v = _cotangent(backend, case, operands)
    rng = case.rng(2)
    weights = [gc.dyadic_cotangent(rng, case.inputs[i].shape) for i in case.wrt]
    analytic = gc.second_order_vjp(backend, case.fn, operands, v, weights)
    numerical = gc.numerical_second_order(backend, case.fn, operands, v, weights, case.eps)
    gc.assert_grads_close(analytic, numerical, max(case.rtol, SECOND_ORDER_RTOL),
                          max(case.atol, SECOND_ORDER_ATOL), "second-order gradient",
                          _names(case))


def _torch_reference():
    try:
        return gradspec.load_backend("torch")
    except (errors.BackendUnavailableError, errors.UnknownBackendError) as exc:
        pytest.skip(f"PyTorch, the reference of OPS-3, is not available here: {exc}")


def _run(backend, case: OpCase, operands, v):
    inputs, out, grads = gc.vjp(backend, case.fn, operands, v)
    _assert_grad_meta(case, inputs, grads)
    return backend.to_numpy(out.detach()), [backend.to_numpy(g.detach()) for g in grads]


def _assert_agree(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.shape == want.shape, f"{what}: shape {got.shape}, torch {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, torch {want.dtype}"
    rtol = TORCH_RTOL_FLOAT32 if want.dtype == np.float32 else TORCH_RTOL
    np.testing.assert_allclose(got, want, rtol=rtol, atol=TORCH_ATOL,
                               err_msg=f"{what} differs from torch's")


@pytest.mark.clause("OPS-3")
@pytest.mark.parametrize("case", _params([c for c in CASES if c.torch_reference]))
def test_agrees_with_torch(backend, case):
    require_methods(backend, case)
    reference = _torch_reference()
    operands = _operands(case)
    v = _cotangent(reference, case, operands)
    want_out, want_grads = _run(reference, case, operands, v)
    got_out, got_grads = _run(backend, case, operands, v)
    _assert_agree(got_out, want_out, "value")
    for i, got, want in zip(case.wrt, got_grads, want_grads):
        _assert_agree(got, want, f"gradient of input {i}")
