"""gradspec.nn's recurrent layers (RNN, LSTM, GRU) against torch.nn's: the same parameter names
and shapes (a torch state_dict loads), outputs, final states, input and parameter gradients,
on numpy, strict and the torch adapter, for every combination PyTorch users reach for."""

from __future__ import annotations

import numpy as np
import pytest
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]

CASES = [
    ("RNN", dict(input_size=3, hidden_size=4)),
    ("RNN", dict(input_size=3, hidden_size=4, nonlinearity="relu", num_layers=2,
                 bidirectional=True)),
    ("LSTM", dict(input_size=3, hidden_size=4, batch_first=True)),
    ("LSTM", dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True, bias=False)),
    ("GRU", dict(input_size=3, hidden_size=4)),
    ("GRU", dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True,
                 batch_first=True)),
]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.nn is the reference")


def host(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _pair(bk, T, name, kw):
    theirs = getattr(T.nn, name)(**kw).double()
    ours = getattr(bk.nn, name)(**kw, dtype=bk.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [tuple(p.shape) for p in ours.parameters()] == \
        [tuple(p.shape) for p in theirs.parameters()]
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _states(name, result):
    out, state = result
    return [out, *state] if name == "LSTM" else [out, state]


@pytest.mark.parametrize("name, kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("given_state", [False, True])
def test_like_torch(bk, T, name, kw, batched, given_state):
    ours, theirs = _pair(bk, T, name, kw)
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(0)
    shape = (5, 2, 3) if batched else (5, 3)
    data = rng.normal(size=shape)
    directions = 2 if kw.get("bidirectional") else 1
    layers = kw.get("num_layers", 1) * directions
    batch = shape[0] if kw.get("batch_first") else shape[1]
    state_shape = (layers, batch, 4) if batched else (layers, 4)
    states = [rng.normal(size=state_shape) for _ in range(2 if name == "LSTM" else 1)]
    results = []
    for torch, model in ((bk, ours), (T, theirs)):
        x = torch.tensor(data, requires_grad=True)
        hx = None
        if given_state:
            hs = [torch.tensor(s, requires_grad=True) for s in states]
            hx = tuple(hs) if name == "LSTM" else hs[0]
        outs = _states(name, model(x, hx))
        weights = np.random.default_rng(1)
        loss = sum((o * torch.tensor(weights.normal(size=tuple(o.shape)))).sum() for o in outs)
        loss.backward()
        grads = [x.grad] + [p.grad for p in model.parameters()]
        if given_state:
            grads += [h.grad for h in hs]
        results.append((outs, grads))
    for a, b in zip(results[0][0] + results[0][1], results[1][0] + results[1][1]):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(host(a), host(b), rtol=1e-9, atol=1e-12)


def test_dropout_between_layers_only_in_training(bk):
    model = bk.nn.GRU(2, 3, num_layers=2, dropout=0.5)
    x = bk.ones(4, 1, 2)
    model.eval()
    first, _ = model(x)
    again, _ = model(x)
    assert host(first).tolist() == host(again).tolist()
    model.train()
    bk.manual_seed(0)
    outs = {tuple(host(model(x)[0]).ravel().round(6)) for _ in range(4)}
    assert len(outs) > 1, "dropout between layers should change the output in training"


@pytest.mark.parametrize("make, words", [
    (lambda t: t.nn.LSTM(3, 4)(t.zeros(5, 2, 2)), "input_size"),
    (lambda t: t.nn.RNN(3, 4, nonlinearity="sigmoid"), "nonlinearity"),
    (lambda t: t.nn.GRU(3, 4)(t.zeros(5, 2, 3), t.zeros(2, 2, 4)), "hidden size"),
], ids=["input size", "nonlinearity", "state shape"])
def test_bad_arguments_say_what_is_wrong(bk, make, words):
    with pytest.raises((RuntimeError, ValueError), match=words):
        make(bk)


def test_an_lstm_learns_a_running_sum(bk):
    """A tiny sequence regression trains: the loss falls by more than half."""
    bk.manual_seed(0)
    lstm = bk.nn.LSTM(1, 8, batch_first=True)
    head = bk.nn.Linear(8, 1)
    opt = bk.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=0.05)
    rng = np.random.default_rng(0)
    data = rng.uniform(-1, 1, size=(16, 5, 1))
    x, y = bk.tensor(data, dtype=bk.float32), bk.tensor(data.sum(axis=1), dtype=bk.float32)
    losses = []
    for _ in range(40):
        opt.zero_grad()
        out, _ = lstm(x)
        loss = ((head(out[:, -1]) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses


def _projected(torch, **kw):
    m = torch.nn.LSTM(5, 6, **kw)
    with torch.no_grad():
        for i, p in enumerate(m.parameters()):
            values = np.sin(np.arange(p.numel()) * 0.37 + i).reshape(tuple(p.shape)) * 0.3
            p.copy_(torch.tensor(values.tolist(), dtype=p.dtype))
    x = torch.tensor(np.sin(np.arange(60.0).reshape(4, 3, 5) * 0.1).tolist())
    out, (h, c) = m(x)
    out.sum().backward()
    return (repr(m), [n for n, _ in m.named_parameters()],
            [[tuple(w.shape) for w in ws] for ws in m.all_weights],
            *(np.round(np.asarray(t.detach().tolist(), dtype=float), 5)
              for t in (out, h, c, m.weight_hh_l0.grad)))


@pytest.mark.parametrize("kw", [dict(proj_size=3, batch_first=True),
                                dict(proj_size=2, num_layers=2, bidirectional=True)])
def test_lstm_projections_match_torch(bk, T, kw):
    import warnings

    ours = _projected(bk, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: oneDNN has no projections
        theirs = _projected(T, **kw)
    assert ours[:3] == theirs[:3]
    for a, b in zip(ours[3:], theirs[3:]):
        np.testing.assert_allclose(a, b, atol=2e-5)


def test_flatten_parameters_is_accepted(bk):
    m = bk.nn.GRU(2, 3)
    assert m.flatten_parameters() is None and len(m.all_weights) == 1


@pytest.mark.parametrize("name, kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_outputs_end_in_torchs_nodes(bk, T, name, kw):
    # a bidirectional layer's output is the two directions' sequences concatenated
    # (CatBackward0), batch_first GRU/RNN outputs are swapped in place (TransposeBackward1);
    # torch's one-direction LSTM on the CPU is its own fused kernel, the one difference
    ours, theirs = _pair(bk, T, name, kw)
    shown = []
    for torch, model in ((bk, ours), (T, theirs)):
        out = _states(name, model(torch.ones(5, 2, 3, dtype=torch.float64)))[0]
        first = out.grad_fn.next_functions[0][0]
        shown.append((out.grad_fn.name(), first.name() if first is not None else None))
    if name == "LSTM" and not kw.get("bidirectional"):
        assert shown[0][0] == shown[1][0]
    else:
        assert shown[0] == shown[1]
