"""Lazy layers (``nn.LazyLinear`` and kin), against torch.nn: what a program sees before and
after the first call (the printed model, the classes, the shapes), an optimizer made before the
first call, checkpoints, copies and dtype conversions, on numpy, strict and the torch adapter."""

from __future__ import annotations

import copy
import pickle

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


def observe(torch, x_shape=(3, 5)):
    """A small program's view of a lazy model: its print before and after the first call,
    the parameter counts and classes, and whether an optimizer made before the call trains."""
    nn = torch.nn
    net = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2))
    seen = [repr(net), net[0].has_uninitialized_params(),
            isinstance(net[0].weight, nn.parameter.UninitializedParameter),
            isinstance(net[0], nn.LazyLinear), isinstance(net[0], nn.Linear)]
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    x = torch.ones(*x_shape)
    loss = net(x).square().sum()
    seen += [repr(net), type(net[0]).__name__, isinstance(net[0], nn.LazyLinear),
             isinstance(net[0], nn.Linear), isinstance(net[0].weight, nn.parameter.UninitializedParameter),
             isinstance(net[0].weight, nn.Parameter), len(net[0]._forward_pre_hooks),
             sum(p.numel() for p in net.parameters())]
    before = net[2].bias.detach().clone()
    loss.backward()
    opt.step()
    seen.append(bool((net[2].bias != before).any()))  # the optimizer holds the same objects
    return seen


def test_a_lazy_model_looks_and_trains_as_in_torch(bk, T):
    assert observe(bk) == observe(T)


def layers(torch):
    nn = torch.nn
    return [
        (nn.LazyConv2d(3, 3), (1, 2, 5, 5)),
        (nn.LazyConv1d(3, 2, padding=1, bias=False), (4, 6)),  # unbatched: channels at dim 0
        (nn.LazyConvTranspose2d(3, 2, stride=2), (1, 2, 5, 5)),
        (nn.LazyConvTranspose1d(2, 3), (2, 4, 5)),
        (nn.LazyBatchNorm2d(), (2, 3, 4, 4)),
        (nn.LazyBatchNorm1d(affine=False), (4, 3)),
        (nn.LazyBatchNorm3d(momentum=None), (2, 2, 2, 2, 2)),
    ]


def test_each_lazy_layer_becomes_its_layer_as_in_torch(bk, T):
    ours, theirs = layers(bk), layers(T)
    for (mine, shape), (reference, _) in zip(ours, theirs):
        assert repr(mine) == repr(reference)
        out, expected = mine(bk.ones(*shape)), reference(T.ones(*shape))
        assert repr(mine) == repr(reference) and tuple(out.shape) == tuple(expected.shape)
        for (name, p), (_, q) in zip(mine.state_dict().items(), reference.state_dict().items()):
            assert tuple(p.shape) == tuple(q.shape), name


def test_a_checkpoint_gives_a_lazy_layer_its_shapes(bk, T):
    source = T.nn.Linear(3, 4)
    m = bk.nn.LazyLinear(4)
    m.load_state_dict({k: v.tolist() for k, v in source.state_dict().items()})
    assert not m.has_uninitialized_params() and tuple(m.weight.shape) == (4, 3)
    np.testing.assert_allclose(np.asarray(m(bk.ones(2, 3)).tolist()),
                               source(T.ones(2, 3)).tolist(), rtol=1e-6)
    assert type(m).__name__ == "Linear"


def test_copies_of_a_lazy_layer_stay_lazy(bk):
    m = bk.nn.Sequential(bk.nn.LazyLinear(3), bk.nn.ReLU())
    for twin in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert twin[0].has_uninitialized_params()
        assert tuple(twin(bk.ones(2, 4)).shape) == (2, 3)
        assert repr(twin[0]) == "Linear(in_features=4, out_features=3, bias=True)"
    assert m[0].has_uninitialized_params()  # the original still waits for its own first call


def test_a_conversion_before_the_first_call_sets_the_dtype(bk):
    m = bk.nn.LazyLinear(2, bias=False).double()
    assert m(bk.ones(2, 3, dtype=bk.float64)).dtype == bk.float64
    assert m.weight.dtype == bk.float64


def test_lazy_layers_refuse_bad_sizes(bk):
    with pytest.raises(ValueError, match="out_features must be a positive integer"):
        bk.nn.LazyLinear(0)
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        bk.nn.LazyConv2d(4, 3, groups=2)(bk.ones(1, 3, 5, 5))
