"""Losses and activations at the values real code feeds them, against PyTorch: a logit masked
to -inf (contrastive losses mask the diagonal so), a negative target of kl_div, hardswish's
signed zeros."""

from __future__ import annotations

import math

import pytest

from support import load_or_skip

ENGINES = ["numpy", "strict"]


@pytest.fixture(params=ENGINES)
def B(request):
    return load_or_skip(request.param)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_a_masked_logit_is_finite(B, reduction):
    inf = float("inf")
    x = B.tensor([[-inf, 1.0, 2.0], [0.5, 1.0, -inf]], requires_grad=True)
    loss = B.nn.functional.cross_entropy(x, B.tensor([1, 0]), reduction=reduction)
    values = loss.reshape(-1).tolist()
    assert all(math.isfinite(v) for v in values)
    expected = [1.31326163, 0.97407699]  # PyTorch 2.13's per-row losses
    want = {"mean": [sum(expected) / 2], "sum": [sum(expected)], "none": expected}[reduction]
    assert values == pytest.approx(want, rel=1e-6)
    loss.sum().backward()
    assert x.grad[0, 0].item() == 0.0 and all(math.isfinite(g) for g in x.grad.reshape(-1).tolist())


def test_cross_entropy_matches_pytorch_on_masked_scores(B):
    torch = pytest.importorskip("torch")
    rows = [[float("-inf"), 0.3, -1.2, 2.0], [1.0, float("-inf"), float("-inf"), 0.0],
            [0.1, 0.2, 0.3, 0.4]]
    target = [3, 0, 2]
    ours = B.nn.functional.cross_entropy(B.tensor(rows), B.tensor(target), reduction="none")
    theirs = torch.nn.functional.cross_entropy(torch.tensor(rows), torch.tensor(target),
                                               reduction="none")
    assert ours.tolist() == pytest.approx(theirs.tolist(), rel=1e-6)


def test_kl_div_of_a_negative_target_is_nan_as_xlogy_gives(B):
    F = B.nn.functional
    assert math.isnan(F.kl_div(B.zeros(2), B.tensor([-0.5, 0.5]), reduction="sum").item())
    zero_target = F.kl_div(B.tensor([-1.0, -2.0]), B.tensor([0.0, 1.0]), reduction="sum")
    assert zero_target.item() == pytest.approx(2.0)  # 0 log 0 = 0; 1 * (0 - -2)


def test_hardswish_gives_negative_zeros_below_minus_three(B):
    y = B.nn.functional.hardswish(B.tensor([-4.0, -3.5, -3.0, 0.0, 2.0]))
    signs = [math.copysign(1.0, v) for v in y.tolist()[:3]]
    assert signs == [-1.0, -1.0, -1.0] and y.tolist()[3:] == pytest.approx([0.0, 5.0 / 3.0])
    torch = pytest.importorskip("torch")
    theirs = torch.nn.functional.hardswish(torch.tensor([-4.0, -3.5, -3.0]))
    assert [math.copysign(1.0, v) for v in theirs.tolist()] == signs
