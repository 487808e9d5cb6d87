"""gradspec.nn's TransformerDecoderLayer, TransformerDecoder and Transformer against torch.nn's:
the same submodules, state_dict keys and printed form, and (with torch's weights loaded, dropout
off) the same outputs and gradients, on numpy, strict and the torch adapter; the causal mask
helper; Transformer's own initialisation and argument checks."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]

LAYERS = [
    dict(),
    dict(batch_first=True, norm_first=True, activation="gelu"),
    dict(activation="gelu-function", bias=False),
]
LAYER_IDS = ["post-norm-relu", "pre-norm-gelu-batch-first", "gelu-function-no-bias"]


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


def _masks(torch, batch, tgt_len, src_len, masked):
    """A causal boolean target mask and a memory padding mask (the last source position of the
    second sample hidden), or none."""
    if not masked:
        return {}
    causal = np.triu(np.ones((tgt_len, tgt_len), dtype=bool), 1)
    pad = np.zeros((batch, src_len), dtype=bool)
    pad[1, -1] = True
    return {"tgt_mask": torch.tensor(causal), "memory_key_padding_mask": torch.tensor(pad)}


def _compare(bk, T, ours, theirs, shapes, call):
    """Run ``call(torch, model, tgt, memory)`` on both, weight the output by fixed random
    numbers, backpropagate; compare the outputs and every gradient."""
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=s) for s in shapes]
    results = []
    for torch, model in ((bk, ours), (T, theirs)):
        inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
        out = call(torch, model, *inputs)
        weights = np.random.default_rng(1).normal(size=tuple(out.shape))
        (out * torch.tensor(weights)).sum().backward()
        results.append([out] + [x.grad for x in inputs] + [p.grad for p in model.parameters()])
    assert len(results[0]) == len(results[1])
    for a, b in zip(*results):
        np.testing.assert_allclose(host(a), host(b), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kw", LAYERS, ids=LAYER_IDS)
@pytest.mark.parametrize("masked", [False, True])
def test_decoder_layer_like_torch(bk, T, kw, masked):
    theirs = T.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, **_options(T, kw)).double()
    ours = bk.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, dtype=bk.float64,
                                         **_options(bk, kw))
    _load(ours, theirs)
    first = kw.get("batch_first")
    shapes = [(3, 4, 8), (3, 5, 8)] if first else [(4, 3, 8), (5, 3, 8)]

    def call(torch, layer, tgt, memory):
        return layer(tgt, memory, **_masks(torch, 3, 4, 5, masked))

    _compare(bk, T, ours, theirs, shapes, call)


def test_decoder_stack_like_torch(bk, T):
    theirs = T.nn.TransformerDecoder(T.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0), 2,
                                     norm=T.nn.LayerNorm(8)).double()
    ours = bk.nn.TransformerDecoder(
        bk.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, dtype=bk.float64), 2,
        norm=bk.nn.LayerNorm(8, dtype=bk.float64))
    _load(ours, theirs)
    assert ours.layers[0].linear1.weight is not ours.layers[1].linear1.weight

    def call(torch, model, tgt, memory):
        return model(tgt, memory, **_masks(torch, 3, 4, 5, True))

    _compare(bk, T, ours, theirs, [(4, 3, 8), (5, 3, 8)], call)


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_like_torch(bk, T, batch_first):
    with warnings.catch_warnings():  # torch's note that nested tensors need batch_first
        warnings.simplefilter("ignore", UserWarning)
        theirs = T.nn.Transformer(8, 2, 2, 1, 16, dropout=0.0, batch_first=batch_first).double()
    ours = bk.nn.Transformer(8, 2, 2, 1, 16, dropout=0.0, batch_first=batch_first,
                             dtype=bk.float64)
    _load(ours, theirs)
    shapes = [(3, 5, 8), (3, 4, 8)] if batch_first else [(5, 3, 8), (4, 3, 8)]

    def call(torch, model, src, tgt):
        pad = np.zeros((3, 5), dtype=bool)
        pad[2, -2:] = True
        mask = type(model).generate_square_subsequent_mask(4, dtype=torch.float64)
        return model(src, tgt, tgt_mask=mask, src_key_padding_mask=torch.tensor(pad),
                     memory_key_padding_mask=torch.tensor(pad))

    _compare(bk, T, ours, theirs, shapes, call)


def test_unbatched_transformer_like_torch(bk, T):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        theirs = T.nn.Transformer(8, 2, 1, 1, 16, dropout=0.0).double()
    ours = bk.nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, dtype=bk.float64)
    _load(ours, theirs)
    _compare(bk, T, ours, theirs, [(5, 8), (4, 8)],
             lambda torch, model, src, tgt: model(src, tgt))


def test_causal_mask_is_torch_and_on_the_right_backend(bk, T):
    expected = host(T.nn.Transformer.generate_square_subsequent_mask(4))
    from_class = bk.nn.Transformer.generate_square_subsequent_mask(4)
    model = bk.nn.Transformer(4, 1, 1, 1, 8, dropout=0.0)
    from_model = model.generate_square_subsequent_mask(4)
    for mask in (from_class, from_model):
        assert type(mask) is type(bk.zeros(1))
        assert mask.dtype == bk.float32 and tuple(mask.shape) == (4, 4)
        np.testing.assert_array_equal(host(mask), expected)
    assert bk.nn.Transformer.generate_square_subsequent_mask(3, dtype=bk.float64).dtype \
        == bk.float64


def test_a_model_made_with_backend_makes_its_mask_there():
    strict = load_or_skip("strict")
    import gradspec

    model = gradspec.nn.Transformer(4, 1, 1, 1, 8, backend=strict)
    assert type(model.generate_square_subsequent_mask(2)) is type(strict.zeros(1))


def test_transformer_draws_every_matrix_by_xavier(bk):
    bk.manual_seed(0)
    model = bk.nn.Transformer(16, 2, 2, 2, 32, dropout=0.0)
    for name, p in model.named_parameters():
        if p.dim() > 1:
            fan_out, fan_in = p.shape[0], p.shape[1]
            bound = math.sqrt(6.0 / (fan_in + fan_out))
            values = host(p)
            assert np.abs(values).max() <= bound, name
            assert np.abs(values).max() > 0.8 * bound, name  # drawn over the range, not shrunk
    # the layer copies were drawn again, each its own: torch's deep copies start equal
    first, second = model.encoder.layers[0], model.encoder.layers[1]
    assert not np.array_equal(host(first.linear1.weight), host(second.linear1.weight))


def test_custom_encoder_and_decoder_are_used(bk):
    encoder = bk.nn.TransformerEncoder(bk.nn.TransformerEncoderLayer(4, 1, 8), 1)
    decoder = bk.nn.TransformerDecoder(bk.nn.TransformerDecoderLayer(4, 1, 8), 1)
    model = bk.nn.Transformer(4, 1, custom_encoder=encoder, custom_decoder=decoder)
    assert model.encoder is encoder and model.decoder is decoder
    assert len(list(model.parameters())) == len(list(encoder.parameters())) + len(
        list(decoder.parameters()))


def test_transformer_checks_batch_and_features(bk):
    model = bk.nn.Transformer(4, 1, 1, 1, 8)
    with pytest.raises(RuntimeError, match="batch number of src and tgt must be equal"):
        model(bk.zeros(3, 2, 4), bk.zeros(3, 5, 4))
    with pytest.raises(RuntimeError, match="feature number of src and tgt must be equal to "
                                           r"d_model \(4\), got 4 and 6"):
        model(bk.zeros(3, 2, 4), bk.zeros(3, 2, 6))


def test_decoder_unknown_activation_is_refused(bk):
    with pytest.raises(RuntimeError, match="relu/gelu"):
        bk.nn.TransformerDecoderLayer(4, 2, activation="swish")


def test_decoder_dropout_acts_in_training_only(bk):
    layer = bk.nn.TransformerDecoderLayer(4, 2, 8, dropout=0.5)
    x, memory = bk.ones(3, 1, 4), bk.ones(2, 1, 4)
    layer.eval()
    assert host(layer(x, memory)).tolist() == host(layer(x, memory)).tolist()
    layer.train()
    bk.manual_seed(0)
    assert host(layer(x, memory)).tolist() != host(layer(x, memory)).tolist()


def _seq2seq(torch, vocab=11, d_model=16, pad=0):
    """The translation tutorial's model, as a user writes it against ``torch``: token
    embeddings and sine positions, nn.Transformer, a vocabulary head; masks built by hand."""
    nn = torch.nn

    class Positions(nn.Module):
        def __init__(self, size, length=32):
            super().__init__()
            den = torch.exp(-torch.arange(0, size, 2, dtype=torch.float64)
                            * math.log(10000) / size)
            pos = torch.arange(0, length, dtype=torch.float64).reshape(length, 1)
            table = torch.zeros((length, size), dtype=torch.float64)
            table[:, 0::2] = torch.sin(pos * den)
            table[:, 1::2] = torch.cos(pos * den)
            self.register_buffer("table", table.unsqueeze(-2))

        def forward(self, x):
            return x + self.table[:x.size(0), :]

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = nn.Transformer(d_model, 2, 1, 1, 32, dropout=0.0,
                                              dtype=torch.float64)
            self.src_emb = nn.Embedding(vocab, d_model, dtype=torch.float64)
            self.tgt_emb = nn.Embedding(vocab, d_model, dtype=torch.float64)
            self.positions = Positions(d_model)
            self.head = nn.Linear(d_model, vocab, dtype=torch.float64)

        def forward(self, src, tgt):
            tgt_len = tgt.shape[0]
            mask = (torch.triu(torch.ones((tgt_len, tgt_len))) == 1).transpose(0, 1)
            mask = mask.double().masked_fill(mask == 0, float("-inf")).masked_fill(
                mask == 1, 0.0)
            out = self.transformer(
                self.positions(self.src_emb(src) * math.sqrt(d_model)),
                self.positions(self.tgt_emb(tgt) * math.sqrt(d_model)), tgt_mask=mask,
                src_key_padding_mask=(src == pad).transpose(0, 1),
                tgt_key_padding_mask=(tgt == pad).transpose(0, 1),
                memory_key_padding_mask=(src == pad).transpose(0, 1))
            return self.head(out)

    return Seq2Seq()


# torch notes that a float attention mask beside boolean padding masks is deprecated (it
# still combines them); the tutorial's model does exactly that
@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")
def test_translation_tutorial_model_trains_as_on_torch(bk, T):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        theirs = _seq2seq(T)
    ours = _seq2seq(bk)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(3)
    src = rng.integers(1, 11, size=(6, 4))
    src[-2:, 1] = 0  # a padded sample
    tgt = rng.integers(1, 11, size=(5, 4))
    curves = []
    for torch, model in ((bk, ours), (T, theirs)):
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.98), eps=1e-9)
        loss_fn = torch.nn.CrossEntropyLoss(ignore_index=0)
        s, t = torch.tensor(src), torch.tensor(tgt)
        curve = []
        for _ in range(4):
            logits = model(s, t[:-1, :])
            loss = loss_fn(logits.reshape(-1, logits.shape[-1]), t[1:, :].reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            curve.append(loss.item())
        curves.append(curve)
    np.testing.assert_allclose(curves[0], curves[1], rtol=1e-9)
    assert curves[0][-1] < curves[0][0]
