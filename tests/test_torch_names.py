"""Top-level and method names PyTorch programs call that gradspec composes: inverse
hyperbolics, window functions, the in-place forms of methods, top-level in-place functions and
aliases, masked_scatter, renorm, ldexp, bernoulli; each compared with PyTorch's own."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gradspec

torch = pytest.importorskip("torch")


@pytest.fixture(params=["numpy", "strict"])
def gs(request):
    return gradspec.load_backend(request.param)


def _values(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _value_and_grad(lib, name, values, *args):
    x = lib.tensor(values, requires_grad=True)
    y = getattr(lib, name)(x, *args)
    y.sum().backward()
    return _values(y), _values(x.grad)


@pytest.mark.parametrize("name,values", [
    ("asinh", [-30.0, -3.0, -0.5, 0.0, 1e-4, 0.5, 2.0, 100.0]),
    ("atanh", [-0.99, -0.5, 0.0, 1e-4, 0.5, 0.9]),
    ("acosh", [1.0, 1.001, 1.5, 3.0, 1e4]),
    ("arcsinh", [-1.0, 0.0, 2.0]),
    ("arctanh", [-0.3, 0.0, 0.3]),
    ("arccosh", [1.5, 2.0]),
])
def test_inverse_hyperbolics_and_their_gradients_are_pytorchs(gs, name, values):
    got, got_grad = _value_and_grad(gs, name, values)
    want, want_grad = _value_and_grad(torch, name, values)
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-7)
    # (inf at acosh(1) on both; near 1 the float32 chain rounds differently: 1e-5)
    np.testing.assert_allclose(got_grad, want_grad, rtol=3e-5)


@pytest.mark.parametrize("name", ["hann_window", "hamming_window", "blackman_window",
                                  "bartlett_window"])
@pytest.mark.parametrize("length", [0, 1, 2, 5, 8])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows_are_pytorchs_to_the_bit(gs, name, length, periodic):
    assert getattr(gs, name)(length, periodic=periodic).tolist() == \
        getattr(torch, name)(length, periodic=periodic).tolist()


def test_kaiser_window_and_window_options(gs):
    np.testing.assert_allclose(_values(gs.kaiser_window(8, True, 5.0)),
                               _values(torch.kaiser_window(8, True, 5.0)), rtol=1e-6)
    w = gs.hann_window(4, dtype=gs.float64, requires_grad=True)
    assert w.dtype == gs.float64 and w.requires_grad
    assert w.tolist() == torch.hann_window(4, dtype=torch.float64).tolist()
    with pytest.raises(RuntimeError, match="floating point"):
        gs.hann_window(4, dtype=gs.int64)


@pytest.mark.parametrize("method,args", [
    ("acos_", ()), ("sin_", ()), ("sign_", ()), ("frac_", ()), ("log2_", ()), ("atan2_", (2.0,)),
    ("cumsum_", (0,)), ("nan_to_num_", ()), ("gt_", (0.25,)), ("logical_not_", ()),
    ("hypot_", (3.0,)), ("xlogy_", (2.0,)), ("divide_", (4.0,)), ("asinh_", ()),
])
def test_in_place_forms_write_the_methods_result(gs, method, args):
    def run(lib):
        x = lib.tensor([0.5, -0.25, 0.75])
        others = [lib.full((3,), a) if isinstance(a, float) else a for a in args]
        out = getattr(x, method)(*others)
        assert out is x
        return x.tolist()

    np.testing.assert_allclose(run(gs), run(torch), rtol=1e-6)


def test_in_place_forms_record_a_gradient(gs):
    def run(lib):
        x = lib.tensor([0.5, -0.25, 0.75], requires_grad=True)
        y = x * 2
        y.sin_()
        y.cumsum_(0)
        y.sum().backward()
        return x.grad.tolist()

    np.testing.assert_allclose(run(gs), run(torch), rtol=1e-6)


def test_top_level_in_place_functions_and_aliases(gs):
    x = gs.tensor([1.0, -2.0, 3.0])
    assert gs.relu_(x) is x and x.tolist() == [1.0, 0.0, 3.0]
    assert gs.clamp_(x, max=2.0).tolist() == [1.0, 0.0, 2.0]
    assert gs.sigmoid_(gs.zeros(2)).tolist() == [0.5, 0.5]
    y = gs.tensor([1.0], requires_grad=True) * 2
    assert not gs.detach(y).requires_grad
    shuffled = gs.pixel_shuffle(gs.arange(8.0).reshape(1, 8, 1, 1), 2)
    assert shuffled.tolist() == torch.pixel_shuffle(torch.arange(8.0).reshape(1, 8, 1, 1),
                                                    2).tolist()
    assert gs.celu(gs.tensor([-1.0]), 2.0).tolist() == pytest.approx(
        torch.celu(torch.tensor([-1.0]), 2.0).tolist())
    assert tuple(gs.vmap(lambda a: a.sum())(gs.ones(4, 3)).shape) == (4,)
    gs._assert(True, "fine")
    with pytest.raises(AssertionError, match="must hold"):
        gs._assert(gs.tensor(False), "must hold")


def test_masked_scatter_values_and_gradients(gs):
    def run(lib):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        source = lib.tensor([10.0, 20.0, 30.0], requires_grad=True)
        mask = lib.tensor([[True, False], [False, True]])
        out = x.masked_scatter(mask, source)
        (out * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        return out.tolist(), x.grad.tolist(), source.grad.tolist()

    assert run(gs) == run(torch)
    with pytest.raises(RuntimeError, match="boolean masks"):
        gs.zeros(2).masked_scatter(gs.tensor([1, 0]), gs.ones(2))


def test_renorm_values_and_gradients(gs):
    def run(lib):
        x = lib.tensor([[1.0, 2.0], [0.3, 0.4], [3.0, -4.0]], requires_grad=True)
        y = x.renorm(2, 0, 1.0)
        (y * lib.tensor([[1.0, -1.0], [2.0, 0.5], [0.25, 3.0]])).sum().backward()
        return _values(y), _values(x.grad)

    (got, got_grad), (want, want_grad) = run(gs), run(torch)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_allclose(got_grad, want_grad, rtol=1e-5, atol=1e-6)


def test_ldexp_bernoulli_and_randint_like(gs):
    assert gs.ldexp(gs.tensor([1.0, 3.0]), gs.tensor([3, -1])).tolist() == [8.0, 1.5]
    draws = gs.bernoulli(gs.tensor([0.0, 1.0, 0.0, 1.0]))
    assert draws.tolist() == [0.0, 1.0, 0.0, 1.0] and draws.dtype == gs.float32
    assert set(gs.tensor([0.5] * 200).bernoulli().tolist()) == {0.0, 1.0}
    with pytest.raises(RuntimeError, match="p_in >= 0"):
        gs.bernoulli(gs.tensor([1.5]))
    ints = gs.randint_like(gs.zeros(100, dtype=gs.int64), 3)
    assert ints.dtype == gs.int64 and set(ints.tolist()) <= {0, 1, 2}
    assert math.isclose(gs.asinh(gs.tensor(0.0)).item(), 0.0)


@pytest.mark.parametrize("divisor", [5.0, -5.0, 2.5, "tensor"])
def test_remainder_and_fmod_give_zeros_pytorchs_signs(gs, divisor):
    values = [0.0, -0.0, 5.0, -5.0, 7.5, -7.5, 3.0]

    def run(lib):
        a = lib.tensor(values)
        b = lib.tensor(-5.0) if divisor == "tensor" else divisor
        return [(v, math.copysign(1.0, v)) for op in (lib.remainder, lib.fmod)
                for v in op(a, b).tolist()]

    assert run(gs) == run(torch)


def test_real_tensors_are_their_own_real_part_and_conjugate(gs):
    def run(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True) * 2
        same = [x.real is x, lib.real(x) is x, x.conj() is x, lib.conj(x) is x,
                x.resolve_conj() is x, x.resolve_neg() is x, x.is_conj(), x.is_neg()]
        with pytest.raises(RuntimeError) as refused:
            x.imag
        return same, str(refused.value)

    assert run(gs) == run(torch)
