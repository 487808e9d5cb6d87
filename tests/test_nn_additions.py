"""torch.nn names PyTorch programs use that gradspec composes late: local response norm,
pdist, the functional instance norm, the triplet loss with any distance, the multi-label
hinge loss and alpha dropout; values and gradients compared with PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import gradspec

torch = pytest.importorskip("torch")


@pytest.fixture(params=["numpy", "strict"])
def gs(request):
    return gradspec.load_backend(request.param)


def _run(lib, build):
    """``build(lib, x)`` on a fixed input; its value and the input's gradient, as arrays."""
    x = lib.tensor((np.arange(60, dtype=np.float32).reshape(2, 5, 3, 2) / 7 - 2).tolist(),
                   requires_grad=True)
    out = build(lib, x)
    # weights unlike the output (a weighting close to it leaves a gradient that cancels to
    # near zero, all rounding)
    weights = (lib.arange(out.numel(), dtype=out.dtype) * 1.3).sin().reshape(out.shape)
    (out * weights).sum().backward()
    return (np.asarray(out.detach().tolist(), dtype=np.float64),
            np.asarray(x.grad.tolist(), dtype=np.float64))


@pytest.mark.parametrize("name,build", [
    ("local_response_norm 4-d", lambda lib, x: lib.nn.functional.local_response_norm(x, 3)),
    ("local_response_norm 3-d", lambda lib, x: lib.nn.LocalResponseNorm(2, 0.1, 0.5, 2.0)(
        x.reshape(2, 5, 6))),
    ("pdist", lambda lib, x: lib.nn.functional.pdist(x.reshape(6, 10))),
    ("pdist p=1", lambda lib, x: lib.nn.functional.pdist(x.reshape(6, 10), p=1)),
    ("instance_norm", lambda lib, x: lib.nn.functional.instance_norm(
        x, weight=lib.linspace(0.5, 2, 5), bias=lib.linspace(-1, 1, 5))),
    ("triplet with distance", lambda lib, x: lib.nn.functional.triplet_margin_with_distance_loss(
        x[0, 0], x[0, 1], x[1, 2], margin=2.0, swap=True, reduction="none")),
    ("triplet, own distance", lambda lib, x: lib.nn.TripletMarginWithDistanceLoss(
        distance_function=lambda u, v: (u - v).abs().sum(-1), margin=0.5)(
        x[0, 0], x[1, 1], x[0, 2]).reshape(1)),
    ("multilabel margin", lambda lib, x: lib.nn.functional.multilabel_margin_loss(
        x.reshape(6, 10)[:2, :4], lib.tensor([[3, 0, -1, 1], [1, 2, 3, -1]]),
        reduction="none")),
    ("multilabel margin, one sample", lambda lib, x: lib.nn.MultiLabelMarginLoss()(
        x.reshape(-1)[:4], lib.tensor([2, -1, 0, 1])).reshape(1)),
])
def test_values_and_gradients_are_pytorchs(gs, name, build):
    (got, got_grad), (want, want_grad) = _run(gs, build), _run(torch, build)
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-5)  # (float32, near 0)
    np.testing.assert_allclose(got_grad, want_grad, rtol=2e-5, atol=1e-5)


def test_instance_norm_running_statistics_and_eval(gs):
    def run(lib):
        x = lib.tensor((np.arange(24, dtype=np.float32).reshape(2, 3, 4) ** 1.5).tolist())
        mean, var = lib.zeros(3), lib.ones(3)
        lib.nn.functional.instance_norm(x, mean, var, momentum=0.2)
        frozen = lib.nn.functional.instance_norm(x, mean, var, use_input_stats=False)
        return mean.tolist(), var.tolist(), frozen.tolist()

    np.testing.assert_allclose(np.array(run(gs)[2]), np.array(run(torch)[2]), rtol=1e-5,
                               atol=1e-6)
    for ours, theirs in zip(run(gs)[:2], run(torch)[:2]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_alpha_dropout_keeps_mean_and_variance(gs):
    x = gs.ones(4)
    assert gs.nn.functional.alpha_dropout(x, 0.3) is x  # (training is False by default)
    assert repr(gs.nn.AlphaDropout(0.2)) == repr(torch.nn.AlphaDropout(0.2))
    assert repr(gs.nn.LocalResponseNorm(2)) == repr(torch.nn.LocalResponseNorm(2))
    gs.manual_seed(0)
    normal = gs.tensor(np.random.default_rng(0).standard_normal(40000).tolist())
    out = gs.nn.functional.alpha_dropout(normal, 0.2, training=True)
    assert abs(out.mean().item()) < 0.03 and abs(out.std().item() - 1) < 0.03
    channels = gs.nn.FeatureAlphaDropout(0.5).train()(gs.ones(8, 16, 3))
    assert all(len(set(row)) == 1 for row in np.asarray(channels.tolist()).reshape(128, 3))


def test_refusals_say_what_was_wrong(gs):
    F = gs.nn.functional
    with pytest.raises(ValueError, match="Expected 3D or higher dimensionality input"):
        F.local_response_norm(gs.ones(2, 3), 2)
    with pytest.raises(RuntimeError, match="pdist only supports 2D tensors, got: 3D"):
        F.pdist(gs.ones(2, 3, 4))
    with pytest.raises(ValueError, match="expected margin to be greater than 0"):
        gs.nn.TripletMarginWithDistanceLoss(margin=0)
    with pytest.raises(RuntimeError, match="multilabel_margin_loss: expected input and target"):
        F.multilabel_margin_loss(gs.ones(2, 3), gs.tensor([1, 2]))


def test_alpha_dropout_in_place_keeps_the_graph_and_the_leaf_guard(gs):
    x = gs.tensor([1.0, -2.0, 3.0, 0.5], requires_grad=True)
    y = x * 2
    out = gs.nn.functional.alpha_dropout(y, 0.5, training=True, inplace=True)
    assert out is y and y.grad_fn is not None
    y.sum().backward()
    # each element's gradient is 2 * a where kept, 0 where dropped
    a = ((1 - 0.5) * (1 + 0.5 * 1.7580993408473766 ** 2)) ** -0.5
    assert all(g == pytest.approx(0.0) or g == pytest.approx(2 * a) for g in x.grad.tolist())
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        gs.nn.functional.alpha_dropout(gs.ones(2, requires_grad=True), 0.5, True, True)
