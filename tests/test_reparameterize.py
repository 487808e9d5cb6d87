"""torch.nn.utils.weight_norm and spectral_norm on gradspec against torch's: the same
parameters, buffers and state_dict keys, torch's state loads, and then the same outputs,
gradients and power-iteration buffers step after step (train and eval); removing them gives the
current weight back as a parameter; on numpy, strict and the torch adapter."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]

LAYERS = {
    "linear": (lambda nn, **kw: nn.Linear(3, 4, **kw), (2, 3)),
    "conv2d": (lambda nn, **kw: nn.Conv2d(2, 3, 3, **kw), (2, 2, 5, 5)),
    "conv-transpose2d": (lambda nn, **kw: nn.ConvTranspose2d(3, 2, 3, **kw), (1, 3, 4, 4)),
}


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.nn.utils is the reference")


def host(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _pair(bk, T, layer, apply, **kw):
    make, shape = LAYERS[layer]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # torch's weight_norm deprecation
        theirs = apply(T.nn.utils)(make(T.nn).double(), **kw)
        ours = apply(bk.nn.utils)(make(bk.nn, dtype=bk.float64), **kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs, shape


def _step(bk, T, ours, theirs, shape, seed):
    data = np.random.default_rng(seed).normal(size=shape)
    results = []
    for torch, layer in ((bk, ours), (T, theirs)):
        layer.zero_grad()
        x = torch.tensor(data, requires_grad=True)
        out = layer(x)
        (out * torch.tensor(np.random.default_rng(seed + 1).normal(size=tuple(out.shape)))
         ).sum().backward()
        results.append([out, x.grad] + [p.grad for p in layer.parameters()]
                       + list(layer.buffers()))
    for a, b in zip(*results):
        np.testing.assert_allclose(host(a), host(b), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("layer", sorted(LAYERS))
@pytest.mark.parametrize("dim", [0, None])
def test_weight_norm_like_torch(bk, T, layer, dim):
    ours, theirs, shape = _pair(bk, T, layer, lambda u: u.weight_norm, dim=dim)
    assert tuple(ours.weight_g.shape) == tuple(theirs.weight_g.shape)
    for seed in range(2):
        _step(bk, T, ours, theirs, shape, seed)
    bk.nn.utils.remove_weight_norm(ours)
    T.nn.utils.remove_weight_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(host(ours.weight), host(theirs.weight), rtol=1e-12)
    assert ours.weight.is_leaf and ours.weight.requires_grad


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_spectral_norm_like_torch(bk, T, layer):
    ours, theirs, shape = _pair(bk, T, layer, lambda u: u.spectral_norm, n_power_iterations=2)
    for seed in range(3):  # training: the power iteration moves u and v each call
        _step(bk, T, ours, theirs, shape, seed)
    ours.eval()
    theirs.eval()
    _step(bk, T, ours, theirs, shape, 7)
    bk.nn.utils.remove_spectral_norm(ours)
    T.nn.utils.remove_spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(host(ours.weight), host(theirs.weight), rtol=1e-12)


def test_the_normalized_weight_has_unit_spectral_norm(bk):
    bk.manual_seed(0)
    layer = bk.nn.utils.spectral_norm(bk.nn.Linear(6, 5), n_power_iterations=30)
    layer(bk.randn(2, 6))
    sigma = np.linalg.svd(host(layer.weight), compute_uv=False)[0]
    assert sigma == pytest.approx(1.0, rel=1e-4)


def test_misuse_is_refused_with_the_reason(bk):
    layer = bk.nn.utils.spectral_norm(bk.nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="two spectral_norm hooks"):
        bk.nn.utils.spectral_norm(layer)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        bk.nn.utils.remove_weight_norm(layer)
    with pytest.raises(AttributeError, match="no parameter 'kernel'"):
        bk.nn.utils.spectral_norm(bk.nn.Linear(2, 2), name="kernel")
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        bk.nn.utils.spectral_norm(bk.nn.Linear(2, 2), n_power_iterations=0)
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        bk.nn.utils.weight_norm(bk.nn.Linear(2, 2))
