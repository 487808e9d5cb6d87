"""Layers over three spatial dims, against torch: convolutions (``F.conv3d``,
``F.conv_transpose3d``, ``nn.Conv3d``, ``nn.ConvTranspose3d`` and their lazy forms), the padding
of three dims that their padding modes use, and pooling (``max_pool3d``, ``avg_pool3d``,
``adaptive_avg_pool3d``, ``adaptive_max_pool3d`` and their layers): values and gradients from
the same numbers, indices, the printed layers and refusals, on numpy, strict and the torch
adapter."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.nn.functional is the reference")


def draws(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


def run(torch, fn, arrays):
    """``fn`` on float64 leaves made from ``arrays``: the output and each input's gradient of
    a weighted sum of it (the weights fixed, so that every output element counts)."""
    leaves = [torch.tensor(a.tolist(), dtype=torch.float64, requires_grad=True) for a in arrays]
    out = fn(torch, *leaves)
    weights = torch.tensor(np.linspace(-1, 1, out.numel()).reshape(tuple(out.shape)).tolist(),
                           dtype=torch.float64)
    (out * weights).sum().backward()
    return [np.asarray(out.tolist())] + [np.asarray(t.grad.tolist()) for t in leaves]


CASES = {
    "plain": (lambda B, x, w, b: B.nn.functional.conv3d(x, w, b),
              ((2, 2, 4, 4, 3), (3, 2, 2, 2, 2), (3,))),
    "stride-padding-dilation": (
        lambda B, x, w: B.nn.functional.conv3d(x, w, stride=(1, 2, 1), padding=1,
                                               dilation=(2, 1, 1)),
        ((1, 1, 5, 5, 4), (2, 1, 2, 2, 2))),
    "groups-same": (lambda B, x, w: _same(B, x, w), ((1, 4, 3, 4, 3), (2, 2, 3, 2, 1))),
    "unbatched": (lambda B, x, w: B.nn.functional.conv3d(x, w), ((2, 3, 3, 3), (1, 2, 2, 2, 2))),
    "transposed": (
        lambda B, x, w, b: B.nn.functional.conv_transpose3d(x, w, b, stride=2, padding=1,
                                                            output_padding=1),
        ((1, 2, 2, 3, 2), (2, 3, 2, 2, 2), (3,))),
    "transposed-groups-dilation": (
        lambda B, x, w: B.nn.functional.conv_transpose3d(x, w, groups=2, dilation=(1, 2, 1)),
        ((1, 2, 2, 2, 2), (2, 1, 2, 2, 2))),
}


for _mode in ("reflect", "replicate", "circular"):
    CASES[f"pad-{_mode}"] = (
        lambda B, x, mode=_mode: B.nn.functional.pad(x, (1, 1, 1, 0, 0, 2), mode=mode),
        ((2, 1, 3, 3, 4),))
CASES.update({
    "max_pool3d": (lambda B, x: B.nn.functional.max_pool3d(x, 2, stride=(1, 2, 1), padding=1),
                   ((2, 2, 3, 4, 3),)),
    "max_pool3d-dilation-ceil": (
        lambda B, x: B.nn.functional.max_pool3d(x, (2, 1, 2), dilation=(1, 1, 2), ceil_mode=True),
        ((1, 3, 5, 3, 6),)),
    "avg_pool3d": (lambda B, x: B.nn.functional.avg_pool3d(x, 2, stride=1, padding=1,
                                                           count_include_pad=False),
                   ((2, 1, 3, 3, 4),)),
    "avg_pool3d-ceil-divisor": (
        lambda B, x: B.nn.functional.avg_pool3d(x, (3, 2, 2), ceil_mode=True, divisor_override=5),
        ((1, 2, 4, 5, 3),)),
    "adaptive_avg_pool3d": (lambda B, x: B.nn.functional.adaptive_avg_pool3d(x, (2, None, 3)),
                            ((2, 2, 5, 3, 7),)),
    "adaptive_avg_pool3d-global": (lambda B, x: B.nn.functional.adaptive_avg_pool3d(x, 1),
                                   ((2, 3, 2, 3, 2),)),
    "adaptive_max_pool3d": (lambda B, x: B.nn.functional.adaptive_max_pool3d(x, (2, 1, 3)),
                            ((1, 2, 5, 3, 7),)),
})
CASES["pad-reflect-unbatched"] = (
    lambda B, x: B.nn.functional.pad(x, (1, 1, 1, 1, 1, 1), mode="reflect"), ((2, 3, 3, 3),))


def _same(B, x, w):
    with warnings.catch_warnings():  # (torch: an even kernel makes it copy the input)
        warnings.filterwarnings("ignore", "Using padding='same'")
        return B.nn.functional.conv3d(x, w, padding="same", groups=2)


@pytest.mark.parametrize("case", list(CASES))
def test_conv3d_values_and_gradients_match_torch(bk, T, case):
    fn, shapes = CASES[case]
    arrays = draws(*shapes)
    for ours, theirs in zip(run(bk, fn, arrays), run(T, fn, arrays)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def layers(torch):
    nn = torch.nn
    return [nn.Conv3d(2, 4, 3, stride=2, padding=1, bias=False),
            nn.Conv3d(2, 2, (1, 2, 3), padding=(0, 1, 1), padding_mode="reflect"),
            nn.ConvTranspose3d(2, 3, 2, stride=2, groups=1, dilation=1),
            nn.Conv3d(4, 4, 3, groups=2, padding="same", padding_mode="circular")]


def test_conv3d_layers_print_and_shape_as_torch(bk, T):
    for mine, reference in zip(layers(bk), layers(T)):
        assert repr(mine) == repr(reference)
        for (name, p), (_, q) in zip(mine.state_dict().items(), reference.state_dict().items()):
            assert tuple(p.shape) == tuple(q.shape), name
        channels = reference.in_channels
        shape = (2, channels, 4, 5, 6)
        reference.load_state_dict({k: v.clone() for k, v in reference.state_dict().items()})
        mine.load_state_dict({k: v.tolist() for k, v in reference.state_dict().items()})
        x = draws(shape, seed=1)[0]
        ours = mine(bk.tensor(x.tolist(), dtype=bk.float32))
        theirs = reference(T.tensor(x.tolist(), dtype=T.float32))
        np.testing.assert_allclose(np.asarray(ours.tolist()), theirs.tolist(), rtol=1e-4,
                                   atol=1e-5)


def test_lazy_3d_convolutions_become_their_layers(bk, T):
    for make, shape in ((lambda t: t.nn.LazyConv3d(3, 2), (1, 2, 3, 3, 3)),
                        (lambda t: t.nn.LazyConvTranspose3d(2, 2, stride=2), (2, 3, 2, 2, 2))):
        mine, reference = make(bk), make(T)
        assert repr(mine) == repr(reference)
        assert tuple(mine(bk.ones(*shape)).shape) == tuple(reference(T.ones(*shape)).shape)
        assert repr(mine) == repr(reference)


def test_conv3d_refuses_what_torch_refuses(bk):
    F = bk.nn.functional
    with pytest.raises(RuntimeError, match=r"Expected 4D \(unbatched\) or 5D \(batched\) input"):
        F.conv3d(bk.ones(2, 3, 3), bk.ones(1, 1, 2, 2, 2))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input size"):
        F.conv3d(bk.ones(1, 1, 2, 2, 2), bk.ones(1, 1, 3, 3, 3))


def indices(torch):
    F = torch.nn.functional
    x = torch.tensor(np.random.default_rng(3).permutation(120).reshape(1, 2, 3, 4, 5).tolist(),
                     dtype=torch.float32)
    return [F.max_pool3d(x, 2, stride=1, padding=1, return_indices=True)[1],
            F.max_pool3d(x[0], (1, 2, 3), return_indices=True)[1],
            F.adaptive_max_pool3d(x, (2, 3, 2), return_indices=True)[1],
            torch.nn.MaxPool3d(2, return_indices=True)(x)[1]]


def test_pool3d_indices_match_torch(bk, T):
    for ours, theirs in zip(indices(bk), indices(T)):
        assert ours.tolist() == theirs.tolist()


def pools(torch):
    nn = torch.nn
    return [nn.MaxPool3d(2), nn.MaxPool3d((1, 2, 2), stride=(1, 1, 2), padding=(0, 1, 1)),
            nn.AvgPool3d((1, 2, 2)), nn.AvgPool3d(3, stride=2, padding=1, ceil_mode=True),
            nn.AdaptiveAvgPool3d((1, None, 2)), nn.AdaptiveMaxPool3d(1)]


def test_pool3d_layers_print_and_compute_as_torch(bk, T):
    x = draws((2, 3, 4, 5, 6), seed=2)[0]
    for mine, reference in zip(pools(bk), pools(T)):
        assert repr(mine) == repr(reference)
        ours = mine(bk.tensor(x.tolist(), dtype=bk.float64))
        theirs = reference(T.tensor(x.tolist(), dtype=T.float64))
        np.testing.assert_allclose(np.asarray(ours.tolist()), theirs.tolist(), rtol=1e-12)


def test_pool3d_refuses_what_torch_refuses(bk):
    F = bk.nn.functional
    with pytest.raises(RuntimeError, match=r"non-empty 4D or 5D \(batch mode\) tensor expected"):
        F.max_pool3d(bk.ones(2, 3, 3), 2)
    with pytest.raises(RuntimeError, match="must either be a single int, or a tuple of three ints"):
        F.max_pool3d(bk.ones(1, 1, 2, 2, 2), (2, 2))
    with pytest.raises(RuntimeError, match="Output size is too small|smaller than kernel size"):
        F.avg_pool3d(bk.ones(1, 1, 1, 1, 1), 2)


@pytest.mark.parametrize("shape, size", [((2, 3, 13, 11), (5, 4)), ((1, 1, 7, 7), (3, 3)),
                                         ((2, 2, 9, 8, 7), (4, 3, 2)), ((3, 10, 10), (3, 4)),
                                         ((1, 2, 32, 32), (7, 7))])
def test_adaptive_average_pooling_gives_torchs_float32_bits(bk, T, shape, size):
    # each window is added in PyTorch's order and divided by its sizes in turn: the same bits
    # (``8.`` prints as torch prints it, not ``8.0000`` from an average one rounding off)
    data = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    outs = []
    for t in (bk, T):
        x = t.tensor(data.tolist(), dtype=t.float32, requires_grad=True)
        pool = t.nn.functional.adaptive_avg_pool2d if len(size) == 2 else \
            t.nn.functional.adaptive_avg_pool3d
        y = pool(x, size)
        outs.append((np.asarray(y.tolist(), dtype=np.float32), y.grad_fn.name()))
    assert outs[0][1] == outs[1][1]
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
