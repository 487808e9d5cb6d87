"""gradspec.nn's TransformerEncoderLayer and TransformerEncoder against torch.nn's: the same
submodules, state_dict keys and printed form, and (with torch's weights loaded, dropout off)
the same outputs and gradients, on numpy, strict and the torch adapter."""

from __future__ import annotations

import numpy as np
import pytest
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]

LAYERS = [
    dict(),
    dict(batch_first=True, norm_first=True, activation="gelu"),
    dict(activation="gelu-function", bias=False),
]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.nn is the reference")


def host(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _options(torch, kw):
    kw = dict(kw)
    if kw.get("activation") == "gelu-function":
        kw["activation"] = torch.nn.functional.gelu
    return kw


def _load(ours, theirs):
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("kw", LAYERS, ids=["post-norm-relu", "pre-norm-gelu-batch-first",
                                            "gelu-function-no-bias"])
@pytest.mark.parametrize("masked", [False, True])
def test_layer_like_torch(bk, T, kw, masked):
    theirs = T.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **_options(T, kw)).double()
    ours = bk.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, dtype=bk.float64,
                                         **_options(bk, kw))
    _load(ours, theirs)
    rng = np.random.default_rng(0)
    data = rng.normal(size=(4, 3, 8))
    seq = 3 if kw.get("batch_first") else 4
    mask = np.triu(np.ones((seq, seq), dtype=bool), 1) if masked else None
    weights = rng.normal(size=data.shape)
    results = []
    for torch, layer in ((bk, ours), (T, theirs)):
        x = torch.tensor(data, requires_grad=True)
        out = layer(x, src_mask=None if mask is None else torch.tensor(mask))
        (out * torch.tensor(weights)).sum().backward()
        results.append([out, x.grad] + [p.grad for p in layer.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(host(a), host(b), rtol=1e-9, atol=1e-12)


def test_encoder_stack_like_torch(bk, T):
    layer_t = T.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0)
    theirs = T.nn.TransformerEncoder(layer_t, 2, norm=T.nn.LayerNorm(8),
                                     enable_nested_tensor=False).double()
    layer_o = bk.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, dtype=bk.float64)
    ours = bk.nn.TransformerEncoder(layer_o, 2, norm=bk.nn.LayerNorm(8, dtype=bk.float64))
    _load(ours, theirs)
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight
    data = np.random.default_rng(1).normal(size=(5, 2, 8))
    pad = np.zeros((2, 5), dtype=bool)
    pad[1, -2:] = True
    outs = [model(torch.tensor(data), src_key_padding_mask=torch.tensor(pad))
            for torch, model in ((bk, ours), (T, theirs))]
    np.testing.assert_allclose(host(outs[0]), host(outs[1]), rtol=1e-9, atol=1e-12)


def test_dropout_acts_in_training_only(bk):
    layer = bk.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.5)
    x = bk.ones(3, 1, 4)
    layer.eval()
    assert host(layer(x)).tolist() == host(layer(x)).tolist()
    layer.train()
    bk.manual_seed(0)
    assert host(layer(x)).tolist() != host(layer(x)).tolist()


def test_unknown_activation_is_refused(bk):
    with pytest.raises(RuntimeError, match="relu/gelu"):
        bk.nn.TransformerEncoderLayer(4, 2, activation="swish")


def _fast_path_outputs(torch, padding, eval_mode=True, grad=False):
    layer = torch.nn.TransformerEncoderLayer(4, 2, 8, batch_first=True)
    encoder = torch.nn.TransformerEncoder(layer, 2, norm=torch.nn.LayerNorm(4))
    with torch.no_grad():
        for i, p in enumerate(encoder.parameters()):
            values = np.sin(np.arange(p.numel()) * 0.37 + i).reshape(tuple(p.shape)) * 0.3
            p.copy_(torch.tensor(values.tolist(), dtype=p.dtype))
    x = torch.tensor(np.sin(np.arange(24.0)).reshape(2, 3, 4).tolist())
    mask = torch.tensor(padding)
    encoder.train(not eval_mode)
    if grad:
        return host(encoder(x, src_key_padding_mask=mask))
    with torch.no_grad():
        return host(encoder(x, src_key_padding_mask=mask))


@pytest.mark.parametrize("padding, eval_mode, grad", [
    ([[False, False, True], [False, False, False]], True, False),  # the fast path: zeros
    ([[False, True, False], [False, False, False]], True, False),  # not right-padded
    ([[False, False, True], [False, False, False]], True, True),  # gradients on
])
def test_the_encoders_inference_fast_path_gives_torchs_padded_zeros(bk, T, padding, eval_mode,
                                                                     grad):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's nested-tensor prototype warning
        np.testing.assert_allclose(_fast_path_outputs(bk, padding, eval_mode, grad),
                                   _fast_path_outputs(T, padding, eval_mode, grad), atol=1e-5)


def test_an_encoder_refusing_nested_tensors_warns_why_as_torch(bk, T):
    for torch in (bk, T):
        with pytest.warns(UserWarning, match="batch_first was not True"):
            torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(4, 2), 1)
