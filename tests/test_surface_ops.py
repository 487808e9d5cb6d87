"""Everyday PyTorch names that joined the surface with autograd.Function: cdist, unique,
std_mean/var_mean, set_printoptions, nn.Softplus, nn.Upsample, parameters_to_vector and
vector_to_parameters; each against real PyTorch (values, gradients, printed text) on numpy,
strict and the torch adapter."""

from __future__ import annotations

import math

import numpy as np
import pytest
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]
ENGINES = ["numpy", "strict"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(params=ENGINES)
def engine(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def real():
    return pytest.importorskip("torch", reason="real PyTorch is the reference")


def host(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(0, 1, shape)


def close(ours, theirs, rtol=1e-6, atol=1e-7):
    np.testing.assert_allclose(host(ours), host(theirs), rtol=rtol, atol=atol)


# -- cdist ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 3.0, math.inf, 0.0])
def test_cdist_values_and_gradients(bk, real, p):
    a, b = rand(2, 3, 4, seed=1), rand(5, 4, seed=2)
    b[0] = a[0, 0]  # a zero distance: its gradient is 0
    w = rand(2, 3, 5, seed=3)
    grads = []
    for torch in (bk, real):
        x = torch.tensor(a, requires_grad=True)
        y = torch.tensor(b, requires_grad=True)
        d = torch.cdist(x, y, p=p)
        (d * torch.tensor(w)).sum().backward()
        grads.append((d, x.grad, y.grad))
    for ours, theirs in zip(grads[0], grads[1]):
        close(ours, theirs, rtol=1e-10, atol=1e-12)


def test_cdist_second_order_matches_finite_differences(engine):
    """PyTorch's cdist has no double backward; the composed one of the engine backends has,
    checked numerically here."""
    torch = engine
    a, b, w = rand(3, 2, seed=4), rand(4, 2, seed=5), rand(3, 4, seed=6)

    def first(av):
        x = torch.tensor(av, requires_grad=True)
        y = torch.tensor(b)
        (g,) = torch.autograd.grad((torch.cdist(x, y, p=3.0) * torch.tensor(w)).sum(), x,
                                   create_graph=True)
        return x, g

    x, g = first(a)
    v = rand(3, 2, seed=7)
    (hv,) = torch.autograd.grad((g * torch.tensor(v)).sum(), x)
    eps = 1e-6
    numeric = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        up, down = a.copy(), a.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = ((host(first(up)[1]) - host(first(down)[1])) * v).sum() / (2 * eps)
    np.testing.assert_allclose(host(hv), numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("x1, x2, words", [
    ((3,), (2, 3), "at least 2D"),
    ((2, 3), (2, 4), "same number of columns"),
])
def test_cdist_bad_shapes_fail_as_in_pytorch(bk, real, x1, x2, words):
    for torch in (bk, real):
        with pytest.raises(RuntimeError, match=words):
            torch.cdist(torch.ones(*x1), torch.ones(*x2))


# -- unique ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [{}, {"return_inverse": True}, {"return_counts": True},
                                    {"return_inverse": True, "return_counts": True},
                                    {"sorted": False}])
def test_unique_like_pytorch(bk, real, kwargs):
    data = [[3, 1, 3], [2, 7, 1]]
    ours = bk.unique(bk.tensor(data), **kwargs)
    theirs = real.unique(real.tensor(data), **kwargs)
    ours = ours if isinstance(ours, tuple) else (ours,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert o.tolist() == t.tolist() and str(o.dtype) == str(t.dtype)
    floats = bk.tensor([2.5, -1.0, 2.5]).unique()
    assert floats.tolist() == [-1.0, 2.5]


# -- std_mean / var_mean --------------------------------------------------------------------------
@pytest.mark.parametrize("fn", ["std_mean", "var_mean"])
@pytest.mark.parametrize("args, kwargs", [((), {}), ((1,), {}), ((), {"dim": 0, "keepdim": True}),
                                          ((1, False, True), {}), ((), {"correction": 0}),
                                          ((False,), {})])
def test_std_mean_like_pytorch(bk, real, fn, args, kwargs):
    data = rand(2, 3, seed=8)
    results = []
    for torch in (bk, real):
        x = torch.tensor(data, requires_grad=True)
        spread, mean = getattr(torch, fn)(x, *args, **kwargs)
        ((spread * 3).sum() + (mean * mean).sum()).backward()
        results.append((spread, mean, x.grad))
    for ours, theirs in zip(*results):
        assert tuple(ours.shape) == tuple(theirs.shape)
        close(ours, theirs, rtol=1e-12, atol=1e-12)


# -- set_printoptions -----------------------------------------------------------------------------
@pytest.mark.parametrize("options", [
    {"precision": 2}, {"precision": 6}, {"sci_mode": True}, {"sci_mode": False},
    {"profile": "short"}, {"threshold": 5, "edgeitems": 1}, {"linewidth": 20},
])
def test_set_printoptions_like_pytorch(bk, real, options):
    values = [1.23456789, -2.5, 1e-6, 300.0, 4.0, 5.5, 6.25, 7.0]
    try:
        bk.set_printoptions(**options)
        real.set_printoptions(**options)
        for data in (values, values[:2], [1.0, 2.0]):
            assert repr(bk.tensor(data)) == repr(real.tensor(data))
    finally:
        bk.set_printoptions(profile="default")
        real.set_printoptions(profile="default")
    assert repr(bk.tensor([1.23456])) == "tensor([1.2346])"


def test_set_printoptions_rejects_an_unknown_profile(engine):
    with pytest.raises(ValueError, match="profile"):
        engine.set_printoptions(profile="long")


# -- nn -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda nn: nn.Softplus(),
    lambda nn: nn.Softplus(beta=2, threshold=1.5),
    lambda nn: nn.Upsample(scale_factor=2),
    lambda nn: nn.Upsample(size=(3, 5), mode="bilinear"),
    lambda nn: nn.Upsample(scale_factor=(2, 3), mode="bilinear", align_corners=True),
], ids=["softplus", "softplus-beta", "upsample-nearest", "upsample-bilinear-size",
        "upsample-bilinear-corners"])
def test_layers_like_pytorch(bk, real, make):
    data, w = rand(1, 2, 2, 3, seed=9), None
    results = []
    for torch in (bk, real):
        layer = make(torch.nn)
        x = torch.tensor(data, requires_grad=True)
        y = layer(x)
        w = rand(*tuple(y.shape), seed=10) if w is None else w
        (y * torch.tensor(w)).sum().backward()
        results.append((y, x.grad, repr(layer)))
    close(results[0][0], results[1][0], rtol=1e-10, atol=1e-12)
    close(results[0][1], results[1][1], rtol=1e-10, atol=1e-12)
    assert results[0][2] == results[1][2]


def test_parameters_to_vector_and_back(bk, real):
    results = []
    for torch in (bk, real):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Linear(2, 1))
        with torch.no_grad():
            for i, p in enumerate(model.parameters()):
                p.copy_(torch.tensor(rand(*tuple(p.shape), seed=20 + i)))
        vec = torch.nn.utils.parameters_to_vector(model.parameters())
        (vec * torch.arange(vec.numel()).to(vec.dtype)).sum().backward()
        grads = [host(p.grad) for p in model.parameters()]
        new = torch.tensor(rand(vec.numel(), seed=30), dtype=vec.dtype)
        torch.nn.utils.vector_to_parameters(new, model.parameters())
        results.append((host(vec), grads, [host(p) for p in model.parameters()],
                        model[0].weight.requires_grad))
    ours, theirs = results
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    for a, b in zip(ours[1] + ours[2], theirs[1] + theirs[2]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert ours[3] is theirs[3] is True


def test_vector_to_parameters_checks_its_vector(bk, real):
    for torch in (bk, real):
        model = torch.nn.Linear(2, 1)
        with pytest.raises(TypeError):
            torch.nn.utils.vector_to_parameters([1.0, 2.0, 3.0], model.parameters())
    with pytest.raises(RuntimeError, match="3 elements"):
        bk.nn.utils.vector_to_parameters(bk.ones(4), bk.nn.Linear(2, 1).parameters())
