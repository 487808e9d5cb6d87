"""The CNN and transformer workloads: their synthetic data, that they learn, that PyTorch's own
torch.nn model from the same state dict follows the same loss curve, and their plots."""

from __future__ import annotations

import gradspec
import numpy as np
import pytest
from gradspec import workloads
from gradspec.workloads import cnn, transformer

LOSS_RTOL = 1e-3


@pytest.fixture(scope="module")
def numpy_backend():
    return gradspec.load_backend("numpy")


@pytest.fixture(scope="module")
def full_runs(numpy_backend):
    return {name: workloads.run(name, numpy_backend) for name in ("cnn", "transformer")}


# ------------------------------------------------------------------------------ data
def test_cnn_images_show_their_shapes():
    data = cnn.make_data(iterations=3)
    assert data["x"].shape == (cnn.TRAIN, 1, 16, 16) and data["x"].dtype == np.float32
    assert set(np.unique(data["y"])) == {0, 1, 2, 3} and data["order"].shape == (3, cnn.BATCH)
    # the drawn pixels stand out of the noise: a bar's row/column sum dominates
    images, labels = data["x"][:, 0], data["y"]
    rows = images.sum(axis=2).max(axis=1)
    cols = images.sum(axis=1).max(axis=1)
    assert np.mean(rows[labels == 0] > cols[labels == 0]) > 0.9
    assert np.mean(cols[labels == 1] > rows[labels == 1]) > 0.9
    again = cnn.make_data(iterations=3)
    assert all(np.array_equal(data[k], again[k]) for k in data)


def test_transformer_task_and_initial_state():
    data = transformer.make_data(iterations=2)
    assert data["tokens"].shape == (2, transformer.BATCH, transformer.LENGTH)
    assert transformer.reverse(np.array([[1, 2, 3]])).tolist() == [[3, 2, 1]]
    assert np.all(data["ln1.weight"] == 1) and np.all(data["attn.in_proj_bias"] == 0)
    bound = np.sqrt(6 / (4 * transformer.WIDTH))
    assert np.abs(data["attn.in_proj_weight"]).max() <= bound


# ------------------------------------------------------------------------------ learning
def test_cnn_learns_the_shapes(full_runs):
    r = full_runs["cnn"]
    assert r.iterations == cnn.ITERATIONS == len(r.losses)
    assert r.accuracy >= 0.95 and r.losses[-1] < r.losses[0] / 10
    assert [c.iteration for c in r.checkpoints][:3] == [0, 10, 20]
    assert set(r.parameters) == {"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                 "head.weight", "head.bias"}


def test_transformer_learns_to_reverse(full_runs):
    r = full_runs["transformer"]
    assert r.accuracy >= 0.99 and r.losses[-1] < 0.05
    attention = r.data["attention"]
    # output position i attends mostly to input position L - 1 - i
    assert np.mean(np.argmax(attention, axis=1) == np.arange(transformer.LENGTH)[::-1]) >= 0.75


# ------------------------------------------------------------------------------ PyTorch's own
def _torch_cnn(T, state):
    class SmallCNN(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = T.nn.Conv2d(1, 8, 3, padding=1)
            self.conv2 = T.nn.Conv2d(8, 16, 3, padding=1)
            self.pool, self.relu, self.flatten = T.nn.MaxPool2d(2), T.nn.ReLU(), T.nn.Flatten()
            self.head = T.nn.Linear(256, 4)

        def forward(self, x):
            x = self.pool(self.relu(self.conv1(x)))
            x = self.pool(self.relu(self.conv2(x)))
            return self.head(self.flatten(x))

    model = SmallCNN()
    model.load_state_dict({k: T.from_numpy(v) for k, v in state.items()})
    return model


def _torch_transformer(T, state):
    w, heads, hidden, vocab, length = (transformer.WIDTH, transformer.HEADS, transformer.HIDDEN,
                                       transformer.VOCAB, transformer.LENGTH)

    class TinyTransformer(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.tok, self.pos = T.nn.Embedding(vocab, w), T.nn.Embedding(length, w)
            self.ln1, self.ln2, self.ln_f = (T.nn.LayerNorm(w) for _ in range(3))
            self.attn = T.nn.MultiheadAttention(w, heads, batch_first=True)
            self.mlp = T.nn.Sequential(T.nn.Linear(w, hidden), T.nn.ReLU(),
                                       T.nn.Linear(hidden, w))
            self.head = T.nn.Linear(w, vocab)

        def forward(self, tokens):
            h = self.tok(tokens) + self.pos(T.arange(length))
            a = self.ln1(h)
            h = h + self.attn(a, a, a, need_weights=False)[0]
            h = h + self.mlp(self.ln2(h))
            return self.head(self.ln_f(h))

    model = TinyTransformer()
    model.load_state_dict({k: T.from_numpy(v) for k, v in state.items()})
    return model


def test_a_shorter_run_is_the_start_of_a_longer_one(numpy_backend, full_runs):
    short = workloads.run("transformer", numpy_backend, iterations=3)
    assert short.losses == full_runs["transformer"].losses[:3]


@pytest.mark.parametrize("name, iterations", [("cnn", 30), ("transformer", 25)])
def test_pytorch_follows_the_same_loss_curve(full_runs, name, iterations):
    T = pytest.importorskip("torch", reason="PyTorch's torch.nn is the reference")
    module = cnn if name == "cnn" else transformer
    data = module.make_data(iterations=iterations)
    state = {k: v for k, v in data.items() if "." in k}
    model = (_torch_cnn if name == "cnn" else _torch_transformer)(T, state)
    opt = T.optim.Adam(model.parameters(), lr=module.LR)
    losses = []
    for i in range(iterations):
        if name == "cnn":
            idx = data["order"][i]
            scores = model(T.from_numpy(data["x"][idx]))
            loss = T.nn.functional.cross_entropy(scores, T.from_numpy(data["y"][idx]))
        else:
            batch = data["tokens"][i]
            logits = model(T.from_numpy(batch))
            loss = T.nn.functional.cross_entropy(
                logits.reshape(-1, transformer.VOCAB),
                T.from_numpy(transformer.reverse(batch)).reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    ours = full_runs[name].losses[:iterations]
    np.testing.assert_allclose(ours, losses, rtol=LOSS_RTOL, atol=1e-6)
    assert sum(losses[-5:]) < 0.75 * sum(losses[:5])


# ------------------------------------------------------------------------------ graph, plots
@pytest.mark.parametrize("name", ["cnn", "transformer"])
def test_graph_names_the_parameters(numpy_backend, name):
    loss, names = workloads.get(name).graph(numpy_backend)
    assert loss.shape == () and loss.requires_grad
    assert names["loss"] is loss and any(k.endswith(".weight") for k in names)


def test_plots(full_runs, tmp_path):
    pytest.importorskip("matplotlib")
    paths = workloads.get("cnn").plot(full_runs["cnn"], tmp_path)
    paths += workloads.get("transformer").plot(full_runs["transformer"], tmp_path)
    assert [p.name for p in paths] == ["cnn_curve.png", "cnn_samples.png", "cnn_filters.png",
                                       "transformer_curve.png", "transformer_attention.png"]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5_000
