"""The engine's in-place random fills, ``uniform_``, ``normal_`` and ``bernoulli_`` (what older
PyTorch programs initialise weights with: ``layer.weight.data.uniform_(-0.1, 0.1)``): the same
draws as ``rand``/``randn`` from the same seed, torch's bounds and checks, the leaf guard."""

from __future__ import annotations

import numpy as np
import pytest
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


def host(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def test_fills_draw_what_rand_and_randn_draw(bk):
    for dtype in (bk.float32, bk.float64):
        bk.manual_seed(0)
        expected = bk.rand(3, 4, dtype=dtype) * 0.5 + -0.2
        bk.manual_seed(0)
        filled = bk.zeros(3, 4, dtype=dtype).uniform_(-0.2, 0.3)
        if bk.name != "torch":  # torch's uniform_ computes its own way from the same stream
            assert host(filled).tolist() == host(expected).tolist()
        assert filled.dtype == dtype
        bk.manual_seed(1)
        expected = bk.randn(5, dtype=dtype) * 2.0 + 1.0
        bk.manual_seed(1)
        filled = bk.zeros(5, dtype=dtype).normal_(1.0, 2.0)
        if bk.name != "torch":
            assert host(filled).tolist() == host(expected).tolist()


def test_fills_follow_their_distributions(bk):
    bk.manual_seed(2)
    u = host(bk.zeros(20000).uniform_(-3.0, 5.0))
    assert u.min() >= -3.0 and u.max() < 5.0 and abs(u.mean() - 1.0) < 0.1
    n = host(bk.zeros(20000, dtype=bk.float64).normal_(2.0, 0.5))
    assert abs(n.mean() - 2.0) < 0.02 and abs(n.std() - 0.5) < 0.02
    b = host(bk.zeros(20000).bernoulli_(0.3))
    assert set(np.unique(b)) == {0.0, 1.0} and abs(b.mean() - 0.3) < 0.015
    p = bk.tensor([0.0, 1.0, 0.0, 1.0])
    assert host(bk.zeros(4).bernoulli_(p)).tolist() == [0.0, 1.0, 0.0, 1.0]


def test_fills_respect_the_leaf_guard_and_keep_parameters_leaves(bk):
    w = bk.zeros(3, requires_grad=True)
    with pytest.raises(Exception, match="leaf"):
        w.uniform_()
    with bk.no_grad():
        assert w.normal_() is w
    assert w.requires_grad and w.is_leaf and w.grad_fn is None
    layer = bk.nn.Linear(4, 2)
    layer.weight.data.uniform_(-0.1, 0.1)
    assert np.abs(host(layer.weight)).max() <= 0.1


def test_fills_check_their_arguments(bk):
    with pytest.raises(RuntimeError, match=r"from=2(\.0)? > to=1"):
        bk.zeros(2).uniform_(2.0, 1.0)
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        bk.zeros(2).normal_(0.0, -1.0)
    with pytest.raises(RuntimeError, match=r"p.*\[0, 1\]|0 <= p <= 1"):
        bk.zeros(2).bernoulli_(1.5)
    g = bk.Generator().manual_seed(7)
    first = host(bk.zeros(3).uniform_(generator=g))
    assert first.tolist() == host(bk.zeros(3).uniform_(generator=bk.Generator().manual_seed(
        7))).tolist()


@pytest.mark.parametrize("name", ["numpy", "strict"])
def test_manual_seed_returns_the_backends_own_generator(name):
    # as torch.manual_seed returns torch's default generator: draws through it are the
    # backend's own draws, and seeding it seeds the backend
    torch = load_or_skip(name)
    g = torch.manual_seed(3)
    assert isinstance(g, torch.Generator) and g.initial_seed() == 3
    assert isinstance(torch.Generator(), torch.Generator)  # a class, as torch.Generator is
    through = torch.randn(4, generator=g).tolist()
    torch.manual_seed(3)
    assert torch.randn(4).tolist() == through
    g.manual_seed(5)
    after = torch.randn(3).tolist()
    torch.manual_seed(5)
    assert torch.randn(3).tolist() == after
