"""The margin, ranking and likelihood losses against torch.nn: values and gradients of every
input for each reduction, the modules' printed forms, the argument checks; on numpy, strict and
the torch adapter."""

from __future__ import annotations

import numpy as np
import pytest
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]
REDUCTIONS = ["mean", "sum", "none"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.nn is the reference")


def host(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


RNG = np.random.default_rng(0)
X, Y, Z = RNG.normal(size=(6, 4)), RNG.normal(size=(6, 4)), RNG.normal(size=(6, 4))
SIGNS = np.where(RNG.normal(size=(6,)) > 0, 1.0, -1.0)
SIGNS4 = np.where(RNG.normal(size=(6, 4)) > 0, 1.0, -1.0)
LABELS = (RNG.uniform(size=(6, 4)) > 0.5).astype(float)
COUNTS = RNG.poisson(3.0, size=(6, 4)).astype(float)
VAR = RNG.uniform(0.0, 2.0, size=(6, 4))
CLASSES = RNG.integers(0, 4, size=(6,))
VAR[0, 0] = 1e-9  # below eps: floored for the value, the gradient passes

# name -> (make the module from its nn namespace, arrays that get gradients, constants)
CASES = {
    "soft-margin": (lambda nn, r: nn.SoftMarginLoss(reduction=r), [X], [SIGNS4]),
    "margin-ranking": (lambda nn, r: nn.MarginRankingLoss(margin=0.3, reduction=r),
                       [X[:, 0], Y[:, 0]], [SIGNS]),
    "hinge-embedding": (lambda nn, r: nn.HingeEmbeddingLoss(margin=0.5, reduction=r), [X],
                        [SIGNS4]),
    "cosine-embedding": (lambda nn, r: nn.CosineEmbeddingLoss(margin=0.2, reduction=r),
                         [X, Y], [SIGNS]),
    "triplet": (lambda nn, r: nn.TripletMarginLoss(margin=1.5, reduction=r), [X, Y, Z], []),
    "triplet-swap-p1": (lambda nn, r: nn.TripletMarginLoss(p=1.0, swap=True, reduction=r),
                        [X, Y, Z], []),
    "gaussian-nll": (lambda nn, r: nn.GaussianNLLLoss(reduction=r), [X, VAR], [Y]),
    "gaussian-nll-full": (lambda nn, r: nn.GaussianNLLLoss(full=True, reduction=r),
                          [X, VAR[:, :1]], [Y]),
    "poisson-nll": (lambda nn, r: nn.PoissonNLLLoss(reduction=r), [X], [COUNTS]),
    "poisson-nll-full-rate": (lambda nn, r: nn.PoissonNLLLoss(log_input=False, full=True,
                                                              reduction=r),
                              [np.abs(X) + 0.1], [COUNTS]),
    "multilabel-soft-margin": (lambda nn, r: nn.MultiLabelSoftMarginLoss(reduction=r), [X],
                               [LABELS]),
    "multi-margin": (lambda nn, r: nn.MultiMarginLoss(reduction=r), [X], [CLASSES]),
    "multi-margin-p2": (lambda nn, r: nn.MultiMarginLoss(p=2, margin=0.7, reduction=r), [X],
                        [CLASSES]),
}


def _args(name, torch, leaves, constants):
    """The call's arguments in torch's order."""
    if name.startswith("gaussian"):
        return [leaves[0], torch.tensor(constants[0]), leaves[1]]
    return leaves + [torch.tensor(c) for c in constants]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_like_torch(bk, T, name, reduction):
    make, grads, constants = CASES[name]
    results = []
    for torch in (bk, T):
        loss_fn = make(torch.nn, reduction)
        leaves = [torch.tensor(a, requires_grad=True) for a in grads]
        out = loss_fn(*_args(name, torch, leaves, constants))
        weights = np.random.default_rng(2).normal(size=tuple(out.shape))
        (out * torch.tensor(weights)).sum().backward()
        results.append((repr(loss_fn), [out] + [x.grad for x in leaves]))
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1], results[1][1]):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(host(a), host(b), rtol=1e-10, atol=1e-12)


def test_multilabel_weight_like_torch(bk, T):
    weight = np.array([0.5, 1.0, 2.0, 0.1])
    outs = []
    for torch in (bk, T):
        x = torch.tensor(X, requires_grad=True)
        loss = torch.nn.MultiLabelSoftMarginLoss(weight=torch.tensor(weight))(x, torch.tensor(
            LABELS))
        loss.backward()
        outs.append([loss, x.grad])
    for a, b in zip(*outs):
        np.testing.assert_allclose(host(a), host(b), rtol=1e-10)


def test_losses_check_their_arguments(bk):
    nn = bk.nn
    with pytest.raises(ValueError, match="var has negative"):
        nn.GaussianNLLLoss()(bk.zeros(3), bk.zeros(3), bk.tensor([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match="var is of incorrect size"):
        nn.GaussianNLLLoss()(bk.zeros(3, 2), bk.zeros(3, 2), bk.ones(2, 2))
    with pytest.raises(RuntimeError, match="All input tensors should have same dimension"):
        nn.MarginRankingLoss()(bk.zeros(3), bk.zeros(3, 1), bk.ones(3))
    with pytest.raises(ValueError, match="margin to be greater than 0"):
        nn.TripletMarginLoss(margin=0.0)
    with pytest.raises(RuntimeError, match="1-D or 2-D inputs of one shape"):
        nn.CosineEmbeddingLoss()(bk.zeros(2, 3), bk.zeros(2, 4), bk.ones(2))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.SoftMarginLoss(reduction="average")


def test_multi_margin_weight_and_a_single_sample_like_torch(bk, T):
    outs = []
    for torch in (bk, T):
        x = torch.tensor(X, requires_grad=True)
        weighted = torch.nn.MultiMarginLoss(
            p=2, weight=torch.tensor([0.5, 1.0, 2.0, 0.1], dtype=torch.float64))
        one = torch.nn.functional.multi_margin_loss(x[0], torch.tensor(CLASSES[:1]),
                                                    reduction="none")
        scalar = torch.nn.functional.multi_margin_loss(x[1], torch.tensor(int(CLASSES[1])),
                                                       reduction="none")
        assert tuple(scalar.shape) == ()
        loss = weighted(x, torch.tensor(CLASSES)) + one.sum() + scalar
        loss.backward()
        outs.append((tuple(one.shape), host(loss), host(x.grad)))
    assert outs[0][0] == outs[1][0]
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-10)
    np.testing.assert_allclose(outs[0][2], outs[1][2], rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        bk.nn.MultiMarginLoss(p=3)

