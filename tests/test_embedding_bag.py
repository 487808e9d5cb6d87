"""nn.EmbeddingBag against torch's: sum, mean and max bags from offsets (with and without a
last offset) or 2-D input, per-sample weights, padding left out of a bag, empty bags, gradients
of the weight; the printed form, from_pretrained and the argument errors; the text
classification tutorial's model (EmbeddingBag + Linear, weights set with uniform_) training as
on torch; on numpy, strict and the torch adapter."""

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


WEIGHT = np.random.default_rng(0).normal(size=(10, 4))
INDICES = [1, 2, 4, 5, 4, 3, 2, 9, 0]

CASES = {
    "mean-offsets": (dict(mode="mean"), lambda t: (t.tensor(INDICES), t.tensor([0, 3, 3, 7])), {}),
    "sum-offsets-weights": (dict(mode="sum"), lambda t: (t.tensor(INDICES), t.tensor([0, 4])),
                            {"per_sample_weights": np.linspace(0.5, 2.0, 9)}),
    "max-offsets": (dict(mode="max"), lambda t: (t.tensor(INDICES), t.tensor([0, 2, 5])), {}),
    "mean-last-offset": (dict(mode="mean", include_last_offset=True),
                         lambda t: (t.tensor(INDICES), t.tensor([0, 3, 9])), {}),
    "sum-2d": (dict(mode="sum"), lambda t: (t.tensor([[1, 2, 3], [4, 4, 0]]), None), {}),
    "mean-padding": (dict(mode="mean", padding_idx=4),
                     lambda t: (t.tensor(INDICES), t.tensor([0, 3, 5, 6])), {}),
    "max-padding-2d": (dict(mode="max", padding_idx=2),
                       lambda t: (t.tensor([[2, 2, 2], [1, 2, 3]]), None), {}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bags_like_torch(bk, T, name):
    kw, args, extra = CASES[name]
    results = []
    for torch in (bk, T):
        bag = torch.nn.EmbeddingBag(10, 4, dtype=torch.float64, **kw)
        bag.load_state_dict({"weight": torch.tensor(WEIGHT)})
        inputs, offsets = args(torch)
        more = {k: torch.tensor(v, requires_grad=True) for k, v in extra.items()}
        out = bag(inputs, offsets, **more)
        (out * torch.tensor(np.random.default_rng(1).normal(size=tuple(out.shape)))).sum(
            ).backward()
        results.append([out, bag.weight.grad] + [v.grad for v in more.values()])
        assert repr(bag) == repr(T.nn.EmbeddingBag(10, 4, **kw))
    for a, b in zip(*results):
        np.testing.assert_allclose(host(a), host(b), rtol=1e-12, atol=1e-14)


def test_text_classification_tutorial_model_trains_as_on_torch(bk, T):
    """torchtext's text classification tutorial: EmbeddingBag + Linear, weights set with
    ``.data.uniform_``, SGD with a step schedule, gradient clipping."""
    curves = []
    rng = np.random.default_rng(4)
    text = rng.integers(0, 50, size=60)
    offsets = np.array([0, 7, 19, 30, 41, 52])
    labels = rng.integers(0, 4, size=6)
    start = None
    for torch in (T, bk):
        model = torch.nn.ModuleDict({"embedding": torch.nn.EmbeddingBag(50, 8, sparse=False),
                                     "fc": torch.nn.Linear(8, 4)})
        model["embedding"].weight.data.uniform_(-0.5, 0.5)
        model["fc"].weight.data.uniform_(-0.5, 0.5)
        model["fc"].bias.data.zero_()
        if start is None:
            start = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
        model.load_state_dict({k: torch.tensor(v) for k, v in start.items()})
        opt = torch.optim.SGD(model.parameters(), lr=5.0)
        sched = torch.optim.lr_scheduler.StepLR(opt, 1, gamma=0.1)
        loss_fn = torch.nn.CrossEntropyLoss()
        curve = []
        for _ in range(3):
            opt.zero_grad()
            out = model["fc"](model["embedding"](torch.tensor(text), torch.tensor(offsets)))
            loss = loss_fn(out, torch.tensor(labels))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
            opt.step()
            sched.step()
            curve.append(loss.item())
        curves.append(curve)
    np.testing.assert_allclose(curves[1], curves[0], rtol=1e-5)


def test_from_pretrained_and_errors(bk):
    weights = bk.tensor(WEIGHT)
    bag = bk.nn.EmbeddingBag.from_pretrained(weights, mode="sum")
    assert not bag.weight.requires_grad
    np.testing.assert_allclose(host(bag(bk.tensor([[1, 2]]))), [WEIGHT[1] + WEIGHT[2]])
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        bk.nn.EmbeddingBag(10, 4, mode="median")
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        bag(bk.tensor([1, 2]))
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        bag(bk.tensor([[1, 2]]), bk.tensor([0]))
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        bk.nn.EmbeddingBag(10, 4)(bk.tensor([1, 2]), bk.tensor([0]), bk.tensor([1.0, 1.0]))
