"""Tests of the per-op checking machinery: the finite-difference helpers, the op catalogue, and
the conformance tests of conformance/test_ops.py themselves (they must fail on a wrong engine).

The helper tests use numpy only.  The catalogue and sabotage tests use PyTorch through the torch
backend and are skipped where it is not installed.
"""

from __future__ import annotations

import collections
import types

import numpy as np
import pytest

from gradspec.conformance import _gradcheck as gc
from gradspec.conformance import opcases
from gradspec.conformance.opcases import BY_NAME, CASES, REGISTRY_OPS, InputSpec
from gradspec.conformance.report import UNSUPPORTED_PREFIX

RNG_SEED = 1234


# ------------------------------------------------------------------------------ numpy-only helpers
def _check(analytic, f, arrays, wrt, v, rtol=1e-5, atol=1e-7):
    gc.assert_grads_close(analytic, gc.fd_vjp(f, arrays, wrt, v), rtol, atol)


def test_fd_vjp_accepts_a_right_elementwise_gradient():
    rng = np.random.default_rng(RNG_SEED)
    x = rng.uniform(-2, 2, (2, 3))
    v = rng.normal(size=(2, 3))
    f = lambda arrays: np.sin(arrays[0]) * arrays[0]  # noqa: E731
    _check([v * (np.cos(x) * x + np.sin(x))], f, [x], [0], v)


def test_fd_vjp_rejects_a_wrong_elementwise_gradient():
    rng = np.random.default_rng(RNG_SEED)
    x = rng.uniform(-2, 2, (2, 3))
    v = rng.normal(size=(2, 3))
    f = lambda arrays: np.sin(arrays[0]) * arrays[0]  # noqa: E731
    with pytest.raises(AssertionError, match="differs"):
        _check([v * np.cos(x) * x], f, [x], [0], v)  # forgot the product rule's second term


def test_fd_vjp_rejects_a_gradient_off_by_a_tiny_factor():
    rng = np.random.default_rng(RNG_SEED)
    x = rng.uniform(-2, 2, (3,))
    v = rng.normal(size=(3,))
    f = lambda arrays: np.exp(arrays[0])  # noqa: E731
    _check([v * np.exp(x)], f, [x], [0], v)
    with pytest.raises(AssertionError):
        _check([v * np.exp(x) * 1.001], f, [x], [0], v)


def test_fd_vjp_checks_broadcast_reduction():
    rng = np.random.default_rng(RNG_SEED)
    a, b = rng.uniform(-2, 2, (2, 3)), rng.uniform(-2, 2, (3,))
    v = rng.normal(size=(2, 3))
    f = lambda arrays: arrays[0] * arrays[1]  # noqa: E731
    right = [v * b, (v * a).sum(axis=0)]
    _check(right, f, [a, b], [0, 1], v)
    with pytest.raises(AssertionError, match="input 1"):
        _check([v * b, (v * a)[0]], f, [a, b], [0, 1], v)  # reduced by taking a row
    with pytest.raises(AssertionError, match="shape"):
        _check([v * b, v * a], f, [a, b], [0, 1], v)  # not reduced at all


def test_fd_vjp_only_differentiates_the_requested_inputs():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    v = np.array([1.0, -1.0])
    grads = gc.fd_vjp(lambda arrays: arrays[0] * arrays[1], [a, b], [1], v)
    assert len(grads) == 1
    np.testing.assert_allclose(grads[0], v * a, rtol=1e-8)


def test_fd_vjp_handles_scalars_and_empty_inputs():
    (g,) = gc.fd_vjp(lambda arrays: arrays[0] ** 3, [np.array(2.0)], [0], np.array(1.0))
    assert g.shape == () and abs(g - 12.0) < 1e-6
    (e,) = gc.fd_vjp(lambda arrays: arrays[0].sum(), [np.zeros((0, 2))], [0], np.array(1.0))
    assert e.shape == (0, 2)


def test_fd_vjp_rejects_a_cotangent_of_the_wrong_shape():
    with pytest.raises(AssertionError, match="cotangent"):
        gc.fd_vjp(lambda arrays: arrays[0] * 2, [np.ones(3)], [0], np.ones(2))


def test_second_order_by_differences_of_gradients_catches_a_wrong_hessian():
    # f = sum(v * sin(x)); first-order gradient g(x) = v*cos(x); d/dx <g, w> = -v*w*sin(x)
    rng = np.random.default_rng(RNG_SEED)
    x, v, w = rng.uniform(-2, 2, (4,)), rng.normal(size=4), rng.normal(size=4)
    g = lambda arrays: v * np.cos(arrays[0])  # noqa: E731
    (numerical,) = gc.fd_vjp(g, [x], [0], w)
    gc.assert_grads_close([-v * w * np.sin(x)], [numerical], 1e-4, 1e-6)
    with pytest.raises(AssertionError):
        gc.assert_grads_close([v * w * np.sin(x)], [numerical], 1e-4, 1e-6)


def test_assert_grads_close_treats_nan_as_a_failure():
    with pytest.raises(AssertionError):
        gc.assert_grads_close([np.array([np.nan])], [np.array([np.nan])], 1e-5, 1e-7)


def test_dyadic_cotangent_is_nonzero_and_exact_in_float32():
    v = gc.dyadic_cotangent(np.random.default_rng(RNG_SEED), (5, 7))
    assert v.shape == (5, 7) and v.dtype == np.float64
    assert np.all(v != 0) and np.all(np.abs(v) <= 1)
    assert np.array_equal(v.astype(np.float32).astype(np.float64), v)


# ------------------------------------------------------------------------------ input domains
def test_input_spec_respects_its_domain():
    rng = np.random.default_rng(RNG_SEED)
    x = InputSpec((50,), low=0.1, high=2.0, signed=True).sample(rng)
    assert np.all(np.abs(x) >= 0.1) and (x < 0).any() and (x > 0).any()
    y = InputSpec((50,), avoid=(-0.5, 0.5), margin=0.1).sample(rng)
    assert np.all(np.abs(np.abs(y) - 0.5) >= 0.1)
    z = InputSpec((24,), distinct=True).sample(rng)
    assert np.min(np.diff(np.sort(z))) >= 0.5 * 4.0 / 24
    a = InputSpec((30,), grid=0.25).sample(rng)
    b = InputSpec((30,), grid=0.25, offset=0.125).sample(rng)
    assert np.min(np.abs(a[:, None] - b[None, :])) >= 0.125 - 1e-12


def test_input_spec_rejects_combined_or_empty_domains():
    with pytest.raises(ValueError):
        InputSpec((2,), signed=True, distinct=True)
    with pytest.raises(ValueError):
        InputSpec((2,), low=1.0, high=1.0)


def test_cases_sample_deterministically_within_their_domains():
    for case in CASES:
        first, second = case.sample(), case.sample()
        for spec, a, b in zip(case.inputs, first, second):
            assert a.shape == spec.shape, case.name
            assert np.array_equal(a, b), case.name
            bound = np.abs(a) if spec.signed else a
            assert np.all((bound >= spec.low) & (bound <= spec.high)), case.name


# ------------------------------------------------------------------------------ the catalogue
def test_every_registry_op_has_a_case_and_every_case_a_registry_op():
    assert opcases.OPS == REGISTRY_OPS
    assert len(BY_NAME) == len(CASES)


def test_every_op_has_a_second_order_case():
    with_second = {c.op for c in CASES if c.second_order}
    assert with_second == REGISTRY_OPS


def test_case_names_are_plain_test_ids():
    for case in CASES:
        assert case.name.startswith(case.op + "-"), case.name
        assert all(ch.isalnum() or ch in "-_" for ch in case.name), case.name


def test_broadcast_pairs_cover_the_elementwise_binary_ops():
    for op in ("add", "sub", "mul", "div", "pow_tensor", "maximum", "minimum"):
        names = {c.name for c in CASES if c.op == op}
        assert {f"{op}-{pair}" for pair in opcases.BROADCAST_PAIRS} <= names, op


def test_cases_that_need_inplace_views_say_so():
    for case in CASES:
        assert ("inplace_views" in case.requires) == (case.op == "setitem"), case.name


# ------------------------------------------------------------------------------ with torch
@pytest.fixture(scope="module")
def torch_backend():
    pytest.importorskip("torch")
    import gradspec

    return gradspec.load_backend("torch")


class _Spy:
    """Records the backend functions and tensor members a case's ``fn`` touches."""

    DUNDERS = ("__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
               "__truediv__", "__rtruediv__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__",
               "__neg__", "__abs__", "__getitem__", "__setitem__", "__gt__", "__lt__", "__ge__",
               "__le__", "__eq__", "__ne__", "__mod__", "__rmod__")

    def __init__(self, backend):
        import torch

        self.real, self.torch, self.used = backend, torch, set()
        spy = self

        class SpyTensor:
            def __init__(self, t):
                self._t = t

            def __getattr__(self, name):
                spy.used.add("Tensor." + name)
                return spy.wrap(getattr(self._t, name))

        def dunder(name):
            def method(self, *args):
                spy.used.add("Tensor." + name)
                return spy.wrap(getattr(self._t, name)(*spy.unwrap(args)))
            return method

        for name in self.DUNDERS:
            setattr(SpyTensor, name, dunder(name))
        self.Tensor = SpyTensor

    def wrap(self, obj):
        if isinstance(obj, self.torch.Tensor):
            return self.Tensor(obj)
        if isinstance(obj, tuple) and hasattr(obj, "values") and hasattr(obj, "indices"):
            return collections.namedtuple("ValuesIndices", "values indices")(
                self.wrap(obj.values), self.wrap(obj.indices))
        if isinstance(obj, (list, tuple)):
            return type(obj)(self.wrap(o) for o in obj)
        if callable(obj) and not isinstance(obj, (type, self.torch.dtype)):
            return lambda *a, **k: self.wrap(obj(*self.unwrap(a), **self.unwrap(k)))
        return obj

    def unwrap(self, obj):
        if isinstance(obj, self.Tensor):
            return obj._t
        if isinstance(obj, dict):
            return {k: self.unwrap(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return type(obj)(self.unwrap(o) for o in obj)
        return obj

    def backend(self):
        spy = self

        class SpyNamespace:
            """A backend or one of its sub-namespaces (``linalg``): records dotted names."""

            def __init__(self, real, prefix=""):
                self._real, self._prefix = real, prefix

            def __getattr__(self, name):
                found = getattr(self._real, name)
                if isinstance(found, types.SimpleNamespace | types.ModuleType):
                    return SpyNamespace(found, f"{self._prefix}{name}.")
                spy.used.add(self._prefix + name)
                return spy.wrap(found)

        return SpyNamespace(spy.real)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_methods_name_exactly_what_the_case_uses(torch_backend, case):
    spy = _Spy(torch_backend)
    B = spy.backend()
    inputs = [B.tensor(a, dtype=getattr(B, s.dtype)) for a, s in zip(case.sample(), case.inputs)]
    spy.used.clear()
    case.fn(B, *inputs)
    used = spy.used - opcases.BASELINE
    assert used == set(case.methods)


def _second_order_size(backend, case):
    operands = [gc.Operand(a, s.dtype, s.requires_grad) for a, s in zip(case.sample(), case.inputs)]
    out = gc.as_numpy_function(backend, case.fn, operands)([op.value for op in operands])
    v = gc.dyadic_cotangent(case.rng(1), out.shape)
    rng = case.rng(2)  # one generator for all inputs, as OPS-2 draws its weights
    weights = [gc.dyadic_cotangent(rng, case.inputs[i].shape) for i in case.wrt]
    numerical = gc.numerical_second_order(backend, case.fn, operands, v, weights, case.eps)
    return max((float(np.max(np.abs(h))) for h in numerical if h.size), default=0.0)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_second_order_flag_matches_the_op(torch_backend, case):
    # second_order=False must only skip cases whose second derivative is zero (nothing lost),
    # and a second-order case must have a nonzero one somewhere (its check can fail).
    size = _second_order_size(torch_backend, case)
    if case.second_order and not _trivially_empty(case):
        assert size > 1e-3, f"{case.name}: second derivative is zero, the OPS-2 check is vacuous"
    elif not case.second_order:
        assert size < 1e-6, f"{case.name}: second derivative {size} is not zero; set second_order"


def _trivially_empty(case):
    # cases on empty tensors check shapes only
    return any(s.size == 0 for s in case.inputs)


# ------------------------------------------------------------------------------ the tests can fail
class _Sabotaged:
    """The torch backend with some functions replaced (everything else forwarded)."""

    def __init__(self, real, **replacements):
        self._real, self._replacements = real, replacements

    def __getattr__(self, name):
        if name in self._replacements:
            return self._replacements[name]
        return getattr(self._real, name)


class _Lacking:
    def __init__(self, real, missing):
        self._real, self._missing = real, set(missing)

    def __getattr__(self, name):
        if name in self._missing:
            raise AttributeError(name)
        return getattr(self._real, name)


def _exp_with(backward):
    import torch

    class BadExp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = torch.exp(x)
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return backward(grad, y)

    return BadExp.apply


def _test_ops():
    from gradspec.conformance import test_ops

    return test_ops


def test_first_order_check_fails_on_a_slightly_wrong_gradient(torch_backend):
    bad = _Sabotaged(torch_backend, exp=_exp_with(lambda g, y: g * y * 1.0001))
    with pytest.raises(AssertionError, match="gradient"):
        _test_ops().test_first_order(bad, BY_NAME["exp-mat"])


def test_first_order_check_passes_a_custom_but_right_gradient(torch_backend):
    good = _Sabotaged(torch_backend, exp=_exp_with(lambda g, y: g * y))
    _test_ops().test_first_order(good, BY_NAME["exp-mat"])
    _test_ops().test_second_order(good, BY_NAME["exp-mat"])


def test_second_order_check_fails_on_a_detached_backward(torch_backend):
    # right first-order values, but the backward is not differentiable: second order is lost
    bad = _Sabotaged(torch_backend, exp=_exp_with(lambda g, y: g * y.detach()))
    _test_ops().test_first_order(bad, BY_NAME["exp-mat"])
    with pytest.raises(AssertionError, match="second-order"):
        _test_ops().test_second_order(bad, BY_NAME["exp-mat"])


def test_second_order_check_fails_on_a_constant_gradient_of_a_piecewise_linear_op(torch_backend):
    import torch

    class ConstGrad(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return (grad * (x > 0).to(grad.dtype)).detach()

    bad = _Sabotaged(torch_backend, relu=ConstGrad.apply)
    _test_ops().test_first_order(bad, BY_NAME["relu-mat-sq"])
    with pytest.raises(AssertionError, match="second-order"):
        _test_ops().test_second_order(bad, BY_NAME["relu-mat-sq"])


def test_torch_agreement_fails_on_a_shifted_value_with_right_gradient(torch_backend):
    import torch

    shifted = lambda x: torch.sin(x) + 1e-7  # noqa: E731 - same gradient, wrong value
    bad = _Sabotaged(torch_backend, sin=shifted)
    _test_ops().test_first_order(bad, BY_NAME["sin-mat"])
    with pytest.raises(AssertionError, match="value"):
        _test_ops().test_agrees_with_torch(bad, BY_NAME["sin-mat"])


def test_a_missing_function_is_reported_unsupported(torch_backend):
    lacking = _Lacking(torch_backend, {"exp"})
    with pytest.raises(pytest.skip.Exception, match=UNSUPPORTED_PREFIX):
        _test_ops().test_first_order(lacking, BY_NAME["exp-mat"])
