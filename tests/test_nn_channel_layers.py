"""Channel dropout (Dropout1d/2d/3d), Softmax2d, ChannelShuffle, Bilinear and init.eye_
against torch: printed forms, values and gradients where they are deterministic, the channel
dropout's law (whole channels zeroed with probability p, the rest scaled) where they are not;
on numpy, strict and the torch adapter."""

from __future__ import annotations

import numpy as np
import pytest
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.nn is the reference")


def host(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _same(bk, T, ours, theirs, arrays):
    results = []
    for torch, layer in ((bk, ours), (T, theirs)):
        xs = [torch.tensor(a, requires_grad=True) for a in arrays]
        out = layer(*xs)
        w = torch.tensor(np.random.default_rng(3).normal(size=tuple(out.shape)))
        (out * w).sum().backward()
        results.append([out] + [x.grad for x in xs] + [p.grad for p in layer.parameters()])
    for a, b in zip(*results):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(host(a), host(b), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("n,shape", [(1, (4, 50, 6)), (2, (4, 50, 3, 3)), (3, (2, 50, 2, 2, 2)),
                                     (2, (50, 3, 3))])
def test_channel_dropout_zeroes_whole_channels(bk, T, n, shape):
    ours, theirs = getattr(bk.nn, f"Dropout{n}d")(0.3), getattr(T.nn, f"Dropout{n}d")(0.3)
    assert repr(ours) == repr(theirs)
    bk.manual_seed(0)
    x = bk.tensor(np.ones(shape), requires_grad=True)
    if n == 2 and len(shape) == 3:  # PyTorch reads it as (N, C, L), and says so
        with pytest.warns(UserWarning, match="interpreted as shape \\(N, C, L\\)"):
            out = ours(x)
    else:
        out = ours(x)
    values = host(out)
    lead = 2 if n == 2 or len(shape) == n + 2 else 1  # the batch and channel dims, by torch's rule
    channels = values.reshape(int(np.prod(shape[:lead])), -1)
    for row in channels:  # each channel all zero or all 1/(1-p)
        assert set(np.round(row, 12)) <= {0.0, round(1 / 0.7, 12)} and len(set(row)) == 1
    dropped = np.mean(channels[:, 0] == 0)
    assert 0.15 < dropped < 0.45
    out.sum().backward()
    np.testing.assert_allclose(host(x.grad), values)  # the gradient is the mask, scaled
    ours.eval()
    assert host(ours(x)).tolist() == np.ones(shape).tolist()


def test_channel_dropout_edges_and_errors(bk):
    F = bk.nn.functional
    x = bk.ones(2, 3, 4)
    assert host(F.dropout1d(x, 1.0)).sum() == 0 and F.dropout1d(x, 0.0) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        bk.nn.Dropout2d(1.5)
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        assert tuple(F.dropout2d(bk.ones(2, 3), 0.5).shape) == (2, 3)  # elementwise, as torch
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received "
                                           "a 1D input"):
        F.dropout1d(bk.ones(3), 0.5)
    with pytest.warns(UserWarning, match="Received a 3-D input to dropout3d"):
        F.dropout3d(bk.ones(2, 3, 4), 0.5)


def test_softmax2d_and_channel_shuffle_like_torch(bk, T):
    data = np.random.default_rng(1).normal(size=(2, 6, 3, 2))
    for make in (lambda nn: nn.Softmax2d(), lambda nn: nn.ChannelShuffle(3)):
        ours, theirs = make(bk.nn), make(T.nn)
        assert repr(ours) == repr(theirs)
        _same(bk, T, ours, theirs, [data])
    _same(bk, T, bk.nn.Softmax2d(), T.nn.Softmax2d(), [data[0]])  # unbatched (C, H, W)
    with pytest.raises(RuntimeError, match="divisible by groups. Got 6 channels and 4 groups"):
        bk.nn.ChannelShuffle(4)(bk.zeros(1, 6, 2))
    with pytest.raises(ValueError, match="Softmax2d: expected input to be 3D or 4D"):
        bk.nn.Softmax2d()(bk.zeros(2, 3))


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_like_torch(bk, T, bias):
    theirs = T.nn.Bilinear(3, 4, 5, bias=bias).double()
    ours = bk.nn.Bilinear(3, 4, 5, bias=bias, dtype=bk.float64)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(2)
    _same(bk, T, ours, theirs, [rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 6, 4))])
    bound = 1 / np.sqrt(3)
    fresh = bk.nn.Bilinear(3, 4, 5)
    assert np.abs(host(fresh.weight)).max() <= bound and np.abs(host(fresh.bias)).max() <= bound
    with pytest.raises(RuntimeError, match=r"inputs \(\.\.\., 3\) and \(\.\.\., 4\)"):
        ours(bk.zeros(2, 4, dtype=bk.float64), bk.zeros(2, 4, dtype=bk.float64))


def test_init_eye_like_torch(bk, T):
    for shape in ((3, 3), (2, 4), (4, 2)):
        w = bk.nn.Parameter(bk.zeros(*shape))
        assert bk.nn.init.eye_(w) is w and w.requires_grad
        assert host(w).tolist() == T.nn.init.eye_(T.zeros(*shape)).tolist()
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        bk.nn.init.eye_(bk.zeros(2, 2, 2))
