"""gradspec.nn's layers against torch.nn's: the same state_dict keys (a torch state dict loads),
outputs and gradients from the same parameters, torch's initial distributions, buffers and
train/eval behaviour, on every backend (numpy, strict, and torch through the adapter)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gradspec import nn
from gradspec.nn import functional as F
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.nn is the reference")


def host(t) -> np.ndarray:
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _inputs(shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).normal(0, 1, shape).astype(dtype)


def _compare(bk, T, ours, theirs, *arrays, rtol=1e-5, atol=1e-6, out_index=None, calls=None):
    """Load torch's state into ours, run both on ``arrays``, compare outputs, the input's
    gradient and every parameter's gradient."""
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    xs = [bk.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    rs = [T.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    y = (calls or (lambda m, *a: m(*a)))(ours, *xs)
    r = (calls or (lambda m, *a: m(*a)))(theirs, *rs)
    if out_index is not None:
        y, r = y[out_index], r[out_index]
    np.testing.assert_allclose(host(y), r.detach().numpy(), rtol=rtol, atol=atol)
    weights = np.linspace(-1, 1, r.numel()).reshape(tuple(r.shape)).astype(np.float32)
    (y * bk.tensor(weights)).sum().backward()
    (r * T.tensor(weights)).sum().backward()
    for x, rx in zip(xs, rs):
        if rx.requires_grad:
            np.testing.assert_allclose(host(x.grad), rx.grad.numpy(), rtol=10 * rtol, atol=atol)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert (p.grad is None) == (q.grad is None), name
        if q.grad is not None:
            np.testing.assert_allclose(host(p.grad), q.grad.numpy(), rtol=10 * rtol, atol=atol,
                                       err_msg=name)
    return y, r


# ------------------------------------------------------------------------------ convolution
@pytest.mark.parametrize("args, kw, shape", [
    ((3, 4, 3), {}, (2, 3, 7, 6)),
    ((4, 6, (2, 3)), dict(stride=2, padding=1, dilation=(2, 1), groups=2), (2, 4, 8, 7)),
    ((2, 3, 3), dict(padding="same", bias=False), (1, 2, 5, 5)),
    ((2, 3, 3), dict(padding=1, padding_mode="reflect"), (1, 2, 5, 6)),
    ((2, 3, 4), dict(padding="same", padding_mode="circular"), (1, 2, 5, 6)),
    ((2, 3, 3), dict(padding=(1, 2), padding_mode="replicate"), (2, 5, 6)),
])
def test_conv2d_matches_torch(bk, T, args, kw, shape):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: 'same' with an even kernel copies
        _compare(bk, T, nn.Conv2d(*args, **kw, backend=bk), T.nn.Conv2d(*args, **kw),
                 _inputs(shape))


def test_conv1d_and_transposed_match_torch(bk, T):
    _compare(bk, T, nn.Conv1d(3, 4, 3, stride=2, padding=1, backend=bk),
             T.nn.Conv1d(3, 4, 3, stride=2, padding=1), _inputs((2, 3, 9)))
    _compare(bk, T, nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1,
                                       groups=2, backend=bk),
             T.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2),
             _inputs((2, 4, 3, 4)))
    _compare(bk, T, nn.ConvTranspose1d(2, 3, 2, stride=3, backend=bk),
             T.nn.ConvTranspose1d(2, 3, 2, stride=3), _inputs((1, 2, 4)))


def test_conv_transpose_output_size_picks_the_output_padding(bk, T):
    ours = nn.ConvTranspose2d(2, 1, 3, stride=2, padding=1, backend=bk)
    theirs = T.nn.ConvTranspose2d(2, 1, 3, stride=2, padding=1)
    calls = lambda m, x: m(x, output_size=[6, 5])  # noqa: E731
    y, _ = _compare(bk, T, ours, theirs, _inputs((1, 2, 3, 3)), calls=calls)
    assert tuple(y.shape) == (1, 1, 6, 5)
    with pytest.raises(ValueError, match="output size"):
        ours(bk.zeros(1, 2, 3, 3), output_size=[9, 9])


def test_conv_init_is_torchs_distribution_from_the_backends_seed(bk):
    bk.manual_seed(4)
    a = nn.Conv2d(3, 8, (3, 5), backend=bk)
    bk.manual_seed(4)
    b = nn.Conv2d(3, 8, (3, 5), backend=bk)
    bound = 1 / math.sqrt(3 * 3 * 5)
    w = host(a.weight)
    assert w.shape == (8, 3, 3, 5) and np.all(np.abs(w) <= bound) and w.std() > bound / 3
    assert np.all(np.abs(host(a.bias)) <= bound)
    np.testing.assert_array_equal(w, host(b.weight))  # repeatable
    assert a.weight.requires_grad and a.weight.is_leaf
    t = nn.ConvTranspose2d(4, 6, 3, groups=2, backend=bk)
    assert tuple(t.weight.shape) == (4, 3, 3, 3)
    assert np.all(np.abs(host(t.weight)) <= 1 / math.sqrt(3 * 9))


def test_conv_refuses_bad_configurations(bk):
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2, backend=bk)
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same", backend=bk)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(3, 4, 3, padding_mode="mirror", backend=bk)
    conv = nn.Conv2d(3, 4, 3, backend=bk)
    with pytest.raises(RuntimeError, match="to have 3 channels, but got 2 channels"):
        conv(bk.zeros(1, 2, 5, 5))
    assert repr(conv) == "Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1))"


# ------------------------------------------------------------------------------ pooling, reshape
def test_pooling_layers_match_torch(bk, T):
    x = _inputs((2, 3, 7, 6))
    _compare(bk, T, nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
             T.nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), x)
    _compare(bk, T, nn.AvgPool2d(2, count_include_pad=False, padding=1),
             T.nn.AvgPool2d(2, count_include_pad=False, padding=1), x)
    _compare(bk, T, nn.AdaptiveAvgPool2d((3, None)), T.nn.AdaptiveAvgPool2d((3, None)), x)
    _, idx = nn.MaxPool2d(2, return_indices=True)(bk.tensor(x))
    _, ref_idx = T.nn.MaxPool2d(2, return_indices=True)(T.tensor(x))
    assert host(idx).tolist() == ref_idx.tolist()
    assert str(nn.MaxPool2d(2)) == str(T.nn.MaxPool2d(2))


def test_flatten_unflatten_identity(bk):
    x = bk.tensor(_inputs((2, 3, 4)))
    assert tuple(nn.Flatten()(x).shape) == (2, 12)
    assert tuple(nn.Flatten(0, 1)(x).shape) == (6, 4)
    assert tuple(nn.Unflatten(1, (3, 1))(x).shape) == (2, 3, 1, 4)
    assert tuple(nn.Unflatten(-1, (2, -1))(x).shape) == (2, 3, 2, 2)
    assert nn.Identity(54, unused="x")(x) is x


# ------------------------------------------------------------------------------ normalization
def test_layer_and_group_norm_match_torch(bk, T):
    _compare(bk, T, nn.LayerNorm(4, backend=bk), T.nn.LayerNorm(4), _inputs((2, 3, 4)))
    _compare(bk, T, nn.LayerNorm((3, 4), elementwise_affine=False, backend=bk),
             T.nn.LayerNorm((3, 4), elementwise_affine=False), _inputs((2, 3, 4)))
    _compare(bk, T, nn.LayerNorm(4, bias=False, backend=bk), T.nn.LayerNorm(4, bias=False),
             _inputs((3, 4)))
    _compare(bk, T, nn.GroupNorm(2, 4, backend=bk), T.nn.GroupNorm(2, 4), _inputs((2, 4, 3, 2)))


@pytest.mark.parametrize("kind, shape", [("BatchNorm1d", (5, 3)), ("BatchNorm1d", (4, 3, 2)),
                                         ("BatchNorm2d", (4, 3, 2, 2))])
def test_batch_norm_trains_and_evaluates_as_torch(bk, T, kind, shape):
    ours, theirs = getattr(nn, kind)(3, backend=bk), getattr(T.nn, kind)(3)
    assert list(ours.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                       "num_batches_tracked"]
    for step in range(3):  # training: batch statistics, running ones updated in place
        _compare(bk, T, ours, theirs, _inputs(shape, seed=step), atol=1e-5)
        for name in ("running_mean", "running_var"):
            np.testing.assert_allclose(host(getattr(ours, name)),
                                       getattr(theirs, name).numpy(), rtol=1e-5, atol=1e-6)
        ours.zero_grad()
        theirs.zero_grad()
    assert int(ours.num_batches_tracked.item()) == int(theirs.num_batches_tracked) == 3
    ours.eval()
    theirs.eval()
    _compare(bk, T, ours, theirs, _inputs(shape, seed=9), atol=1e-5)


def test_batch_norm_cumulative_average_and_untracked(bk, T):
    ours = nn.BatchNorm1d(2, momentum=None, backend=bk)
    theirs = T.nn.BatchNorm1d(2, momentum=None)
    for step in range(3):
        x = _inputs((4, 2), seed=step)
        ours(bk.tensor(x))
        theirs(T.tensor(x))
    assert int(ours.num_batches_tracked.item()) == 3
    np.testing.assert_allclose(host(ours.running_var), theirs.running_var.numpy(), rtol=1e-5)
    free = nn.BatchNorm2d(2, track_running_stats=False, affine=False, backend=bk)
    assert list(free.state_dict()) == [] and free.running_mean is None
    free.eval()  # no running statistics: batch statistics even in eval mode
    y = free(bk.tensor(_inputs((3, 2, 2, 2))))
    np.testing.assert_allclose(host(y).mean(axis=(0, 2, 3)), 0, atol=1e-6)
    with pytest.raises(ValueError, match="expected 4D input"):
        free(bk.zeros(3, 2))


# ------------------------------------------------------------------------------ embedding
def test_embedding_matches_torch_with_padding_and_frequencies(bk, T):
    idx = np.array([[1, 2, 2], [0, 1, 4]])
    _compare(bk, T, nn.Embedding(5, 3, padding_idx=2, backend=bk),
             T.nn.Embedding(5, 3, padding_idx=2), idx)
    _compare(bk, T, nn.Embedding(5, 3, scale_grad_by_freq=True, backend=bk),
             T.nn.Embedding(5, 3, scale_grad_by_freq=True), idx)


def test_embedding_init_and_max_norm(bk, T):
    bk.manual_seed(0)
    emb = nn.Embedding(200, 8, padding_idx=-1, backend=bk)
    w = host(emb.weight)
    assert emb.padding_idx == 199 and np.all(w[199] == 0)
    assert abs(w[:199].std() - 1) < 0.1  # N(0, 1)
    ours = nn.Embedding(4, 3, max_norm=1.0, backend=bk)
    theirs = T.nn.Embedding(4, 3, max_norm=1.0)
    ours.load_state_dict({"weight": theirs.weight.detach().numpy() * 3})
    with T.no_grad():
        theirs.weight.mul_(3)
    idx = np.array([0, 2])
    np.testing.assert_allclose(host(ours(bk.tensor(idx))), theirs(T.tensor(idx)).detach().numpy(),
                               rtol=1e-5)
    np.testing.assert_allclose(host(ours.weight), theirs.weight.detach().numpy(), rtol=1e-5)
    frozen = nn.Embedding.from_pretrained(bk.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert not frozen.weight.requires_grad and host(frozen(bk.tensor([1]))).tolist() == [[3, 4]]
    assert list(frozen.state_dict()) == ["weight"]  # frozen, still a parameter (as in torch)


# ------------------------------------------------------------------------------ dropout
def test_dropout_is_seeded_scaled_and_off_in_eval(bk):
    drop = nn.Dropout(0.25)
    x = bk.ones(200, 50, requires_grad=True)
    bk.manual_seed(1)
    y = drop(x)
    bk.manual_seed(1)
    again = drop(x)
    kept = host(y) != 0
    np.testing.assert_array_equal(host(again), host(y))  # the backend's seed decides
    assert abs(kept.mean() - 0.75) < 0.02
    np.testing.assert_allclose(host(y)[kept], 1 / 0.75, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(host(x.grad), host(y), rtol=1e-6)  # gradient: the same mask
    drop.eval()
    assert drop(x) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


# ------------------------------------------------------------------------------ activations
def test_softmax_layers_match_torch(bk, T):
    x = _inputs((2, 3, 4))
    _compare(bk, T, nn.Softmax(dim=1), T.nn.Softmax(dim=1), x)
    _compare(bk, T, nn.LogSoftmax(dim=-1), T.nn.LogSoftmax(dim=-1), x)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        implicit = nn.Softmax()(bk.tensor(x))  # 3-d: dim 0, as torch
    np.testing.assert_allclose(host(implicit).sum(axis=0), 1, rtol=1e-6)


ACTIVATIONS = [("LeakyReLU", (0.2,), "leaky_relu"), ("GELU", (), "gelu"),
               ("GELU", ("tanh",), "gelu"), ("SiLU", (), "silu"), ("ELU", (0.7,), "elu")]


@pytest.mark.parametrize("name, args, op", ACTIVATIONS)
def test_activation_layers_match_torch(bk, T, name, args, op):
    if not hasattr(F, op):
        pytest.skip(f"nn.functional.{op} comes from the ops branch (issue 12, torch-level ops)")
    _compare(bk, T, getattr(nn, name)(*args), getattr(T.nn, name)(*args), _inputs((3, 4)))


# ------------------------------------------------------------------------------ attention
MHA_CASES = {
    "plain": (dict(), dict()),
    "batch-first-no-weights": (dict(batch_first=True), dict(need_weights=False)),
    "bool-mask-padding": (dict(), dict(attn_mask="causal", key_padding_mask=True)),
    "per-head-weights": (dict(bias=False), dict(average_attn_weights=False)),
    "kdim-vdim": (dict(kdim=3, vdim=5), dict()),
    "bias-kv-zero-attn": (dict(add_bias_kv=True, add_zero_attn=True),
                          dict(key_padding_mask=True)),
    "float-mask-sdpa": (dict(batch_first=True), dict(attn_mask="float", need_weights=False)),
}


@pytest.mark.parametrize("case", list(MHA_CASES))
def test_multihead_attention_matches_torch(bk, T, case):
    ctor, call = MHA_CASES[case]
    e, heads, length, source, batch = 4, 2, 3, 5, 2
    ours = nn.MultiheadAttention(e, heads, backend=bk, **ctor)
    theirs = T.nn.MultiheadAttention(e, heads, **ctor)
    first = ctor.get("batch_first", False)
    shape = lambda n, d: (batch, n, d) if first else (n, batch, d)  # noqa: E731
    arrays = [_inputs(shape(length, e), 1), _inputs(shape(source, ctor.get("kdim", e)), 2),
              _inputs(shape(source, ctor.get("vdim", e)), 3)]
    extra = {}
    if call.get("attn_mask") == "causal":
        extra["attn_mask"] = np.triu(np.ones((length, source), dtype=bool), 1)
    elif call.get("attn_mask") == "float":
        extra["attn_mask"] = _inputs((length, source), 4)
    if call.get("key_padding_mask"):
        extra["key_padding_mask"] = np.array([[False] * (source - 1) + [True],
                                              [False, True] + [False] * (source - 2)])
    plain = {k: v for k, v in call.items() if k not in ("attn_mask", "key_padding_mask")}

    def run(module, q, k, v):
        lib = bk if module is ours else T
        masks = {name: lib.tensor(value) for name, value in extra.items()}
        out, weights = module(q, k, v, **masks, **plain)
        assert (weights is None) == (call.get("need_weights") is False)
        return out if weights is None else (out, weights)

    if call.get("need_weights") is False:
        _compare(bk, T, ours, theirs, *arrays, calls=run)
    else:
        _compare(bk, T, ours, theirs, *arrays, calls=lambda m, *a: run(m, *a)[0])
        (_, w), (_, rw) = run(ours, *map(bk.tensor, arrays)), run(theirs, *map(T.tensor, arrays))
        np.testing.assert_allclose(host(w), rw.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_multihead_attention_unbatched_and_init(bk, T):
    bk.manual_seed(2)
    ours = nn.MultiheadAttention(6, 3, backend=bk)
    w = host(ours.in_proj_weight)
    bound = math.sqrt(6 / (6 + 18))
    assert np.all(np.abs(w) <= bound) and w.std() > bound / 3
    assert np.all(host(ours.in_proj_bias) == 0) and np.all(host(ours.out_proj.bias) == 0)
    theirs = T.nn.MultiheadAttention(6, 3)
    x = _inputs((4, 6))
    _compare(bk, T, ours, theirs, x, x, x, calls=lambda m, *a: m(*a)[0])


# ------------------------------------------------------------------------------ losses
LOSSES = [
    ("NLLLoss", dict(), "logp"), ("NLLLoss", dict(ignore_index=1, reduction="sum"), "logp"),
    ("CrossEntropyLoss", dict(label_smoothing=0.1), "scores"),
    ("CrossEntropyLoss", dict(ignore_index=2, reduction="none"), "scores"),
    ("L1Loss", dict(), "pair"), ("SmoothL1Loss", dict(beta=0.5), "pair"),
    ("HuberLoss", dict(delta=0.5, reduction="sum"), "pair"), ("MSELoss", dict(), "pair"),
    ("KLDivLoss", dict(reduction="batchmean"), "kl"),
    ("KLDivLoss", dict(reduction="none", log_target=True), "kl-log"),
]


@pytest.mark.parametrize("name, kw, kind", LOSSES, ids=[f"{n}-{i}" for i, (n, _, _) in
                                                         enumerate(LOSSES)])
def test_loss_layers_match_torch(bk, T, name, kw, kind):
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, (4, 3)).astype(np.float32)
    if kind == "logp":
        x = x - np.log(np.exp(x).sum(1, keepdims=True))
    if kind in ("logp", "scores"):
        target = np.array([0, 2, 1, 2])
    elif kind == "kl":
        x = np.log(rng.dirichlet(np.ones(3), 4)).astype(np.float32)
        target = rng.dirichlet(np.ones(3), 4).astype(np.float32)
    elif kind == "kl-log":
        x = np.log(rng.dirichlet(np.ones(3), 4)).astype(np.float32)
        target = np.log(rng.dirichlet(np.ones(3), 4)).astype(np.float32)
    else:
        target = rng.normal(0, 1, (4, 3)).astype(np.float32)
    xt, xr = bk.tensor(x, requires_grad=True), T.tensor(x, requires_grad=True)
    loss = getattr(nn, name)(**kw)(xt, bk.tensor(target))
    ref = getattr(T.nn, name)(**kw)(xr, T.tensor(target))
    np.testing.assert_allclose(host(loss), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    (loss * bk.tensor(np.ones(tuple(ref.shape), dtype=np.float32))).sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(host(xt.grad), xr.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_weighted_losses_keep_their_weights_as_buffers(bk, T):
    w = np.array([0.5, 2.0, 1.0], dtype=np.float32)
    ours = nn.CrossEntropyLoss(weight=bk.tensor(w), label_smoothing=0.2)
    theirs = T.nn.CrossEntropyLoss(weight=T.tensor(w), label_smoothing=0.2)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    x = _inputs((4, 3))
    t = np.array([0, 2, 1, 2])
    np.testing.assert_allclose(host(ours(bk.tensor(x), bk.tensor(t))),
                               theirs(T.tensor(x), T.tensor(t)).numpy(), rtol=1e-5)
    pw = np.array([1.0, 3.0, 0.5], dtype=np.float32)
    bce, ref = (nn.BCEWithLogitsLoss(pos_weight=bk.tensor(pw)),
                T.nn.BCEWithLogitsLoss(pos_weight=T.tensor(pw)))
    assert list(bce.state_dict()) == list(ref.state_dict()) == ["pos_weight"]
    y = (np.random.default_rng(0).uniform(0, 1, (4, 3)) > 0.5).astype(np.float32)
    np.testing.assert_allclose(host(bce(bk.tensor(x), bk.tensor(y))),
                               ref(T.tensor(x), T.tensor(y)).numpy(), rtol=1e-5)


def test_legacy_reduction_arguments_still_choose_a_reduction(bk):
    with pytest.warns(UserWarning, match="size_average and reduce"):
        loss = nn.L1Loss(size_average=False)
    assert loss.reduction == "sum"
    with pytest.warns(UserWarning):
        assert nn.NLLLoss(reduce=False).reduction == "none"
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.HuberLoss(reduction="avg")
