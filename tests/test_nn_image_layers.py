"""Image-model layers against torch.nn: the padding layers (zero, constant, reflection,
replication, circular; 1-3 dims), PixelShuffle/PixelUnshuffle and InstanceNorm1d/2d/3d (affine,
running statistics in train and eval) -- printed forms, values, gradients, buffers -- on numpy,
strict and the torch adapter."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]
SHAPES = {1: (2, 3, 6), 2: (2, 3, 5, 6), 3: (1, 2, 4, 4, 5)}


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.nn is the reference")


def host(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _same(bk, T, ours, theirs, data):
    results = []
    for torch, layer in ((bk, ours), (T, theirs)):
        x = torch.tensor(data, requires_grad=True)
        out = layer(x)
        weights = np.random.default_rng(9).normal(size=tuple(out.shape))
        (out * torch.tensor(weights)).sum().backward()
        results.append([out, x.grad] + [p.grad for p in layer.parameters()])
    for a, b in zip(*results):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(host(a), host(b), rtol=1e-10, atol=1e-12)


PADS = [(kind, n, arg) for kind in ("Zero", "Reflection", "Replication", "Circular")
        for n in (1, 2, 3) for arg in (1, tuple(range(1, 2 * n + 1)))]


@pytest.mark.parametrize("kind,n,arg", PADS, ids=[f"{k}{n}d-{a}" for k, n, a in PADS])
def test_padding_layers_like_torch(bk, T, kind, n, arg):
    if kind in ("Reflection", "Circular") and not isinstance(arg, int):
        arg = tuple(min(a, 2) for a in arg)  # widths below the sizes (at most them: circular)
    name = f"{kind}Pad{n}d"
    ours, theirs = getattr(bk.nn, name)(arg), getattr(T.nn, name)(arg)
    assert repr(ours) == repr(theirs)
    data = np.random.default_rng(n).normal(size=SHAPES[n])
    _same(bk, T, ours, theirs, data)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_constant_padding_like_torch(bk, T, n):
    ours, theirs = getattr(bk.nn, f"ConstantPad{n}d")(2, 3.5), getattr(T.nn, f"ConstantPad{n}d")(
        2, 3.5)
    assert repr(ours) == repr(theirs)
    _same(bk, T, ours, theirs, np.random.default_rng(0).normal(size=SHAPES[n]))


def test_padding_refuses_the_wrong_number_of_widths(bk):
    with pytest.raises(ValueError, match="4 widths, got \\(1, 2\\)"):
        bk.nn.ZeroPad2d((1, 2))
    with pytest.raises(RuntimeError, match="less than the corresponding input dimension"):
        bk.nn.ReflectionPad3d(4)(bk.zeros(1, 1, 4, 4, 4))
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        bk.nn.CircularPad3d(5)(bk.zeros(1, 1, 4, 4, 4))


@pytest.mark.parametrize("lead", [(2,), ()])
def test_pixel_shuffle_and_unshuffle_like_torch(bk, T, lead):
    data = np.random.default_rng(1).normal(size=lead + (8, 3, 4))
    for make in (lambda nn: nn.PixelShuffle(2), lambda nn: nn.PixelUnshuffle(1)):
        ours, theirs = make(bk.nn), make(T.nn)
        assert repr(ours) == repr(theirs)
        _same(bk, T, ours, theirs, data)
    data = np.random.default_rng(2).normal(size=lead + (2, 6, 9))
    _same(bk, T, bk.nn.PixelUnshuffle(3), T.nn.PixelUnshuffle(3), data)
    shuffled = bk.nn.PixelShuffle(3)(bk.nn.PixelUnshuffle(3)(bk.tensor(data)))
    assert host(shuffled).tolist() == data.tolist()


def test_pixel_shuffle_errors_name_the_size(bk):
    with pytest.raises(RuntimeError, match=r"input.size\(-3\)=5 is not divisible by 4"):
        bk.nn.functional.pixel_shuffle(bk.zeros(1, 5, 2, 2), 2)
    with pytest.raises(RuntimeError, match=r"height .* input.size\(-2\)=3 is not divisible by 2"):
        bk.nn.functional.pixel_unshuffle(bk.zeros(1, 1, 3, 4), 2)


NORMS = [(n, kw) for n in (1, 2, 3) for kw in (dict(), dict(affine=True),
                                                dict(affine=True, track_running_stats=True),
                                                dict(track_running_stats=True, momentum=0.3))]


@pytest.mark.parametrize("n,kw", NORMS, ids=[f"{n}d-{'-'.join(kw) or 'plain'}" for n, kw in NORMS])
def test_instance_norm_like_torch(bk, T, n, kw):
    name = f"InstanceNorm{n}d"
    channels = SHAPES[n][1]
    theirs = getattr(T.nn, name)(channels, **kw).double()
    ours = getattr(bk.nn, name)(channels, dtype=bk.float64, **kw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    if kw.get("affine"):  # weights away from 1 and 0, the same in both
        rng = np.random.default_rng(4)
        state = {"weight": rng.normal(size=channels), "bias": rng.normal(size=channels)}
        ours.load_state_dict(state, strict=False)
        theirs.load_state_dict({k: T.tensor(v) for k, v in state.items()}, strict=False)
    for step in range(2):  # training: instance statistics, the running ones move
        data = np.random.default_rng(step).normal(2.0, 3.0, size=SHAPES[n])
        _same(bk, T, ours, theirs, data)
    for key in ("running_mean", "running_var"):
        a, b = getattr(ours, key), getattr(theirs, key)
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(host(a), host(b), rtol=1e-12)
    ours.eval()
    theirs.eval()
    _same(bk, T, ours, theirs, np.random.default_rng(7).normal(size=SHAPES[n]))
    unbatched = np.random.default_rng(8).normal(size=SHAPES[n][1:])
    _same(bk, T, ours, theirs, unbatched)


def test_instance_norm_checks_the_channels_as_torch(bk):
    with pytest.raises(ValueError, match=r"match num_features \(3\), but got: 4"):
        bk.nn.InstanceNorm2d(3, affine=True)(bk.zeros(2, 4, 5, 5))
    with pytest.warns(UserWarning, match="does not match num_features"):
        bk.nn.InstanceNorm2d(3)(bk.randn(2, 4, 5, 5))
    with pytest.raises(ValueError, match="expected 3D or 4D input \\(got 2D input\\)"):
        bk.nn.InstanceNorm2d(3)(bk.zeros(5, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bk.nn.InstanceNorm1d(3)(bk.randn(2, 3, 4))


ADAPTIVE = [("AdaptiveMaxPool2d", 3, (2, 3, 7, 5)), ("AdaptiveMaxPool2d", (2, None), (3, 6, 4)),
            ("AdaptiveMaxPool2d", 1, (2, 2, 4, 4)), ("AdaptiveMaxPool1d", 4, (2, 3, 9)),
            ("AdaptiveMaxPool1d", 3, (3, 7))]


@pytest.mark.parametrize("name,size,shape", ADAPTIVE,
                         ids=[f"{n}-{s}-{len(sh)}d" for n, s, sh in ADAPTIVE])
def test_adaptive_max_pool_like_torch(bk, T, name, size, shape):
    ours, theirs = getattr(bk.nn, name)(size), getattr(T.nn, name)(size)
    assert repr(ours) == repr(theirs)
    data = np.random.default_rng(5).normal(size=shape)
    data[..., 0] = 0.0  # ties: the gradient goes to the first maximum, as torch's
    data = np.maximum(data, 0.0)
    _same(bk, T, ours, theirs, data)
    with_index = [getattr(torch.nn, name)(size, return_indices=True)(torch.tensor(data))
                  for torch in (bk, T)]
    assert host(with_index[0][1]).tolist() == host(with_index[1][1]).tolist()
