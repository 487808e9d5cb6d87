"""A one-block transformer learns to reverse sequences.

Each example is 8 tokens from a vocabulary of 10 (numpy's ``default_rng(DATA_SEED)``); the
target at position i is the token at position 7 - i, so every output must attend to one other
position: what a single attention layer can learn.  The model: token and position embeddings
(``Embedding``), one pre-norm block (``LayerNorm``, 4-head ``MultiheadAttention`` with
``batch_first``, a residual; ``LayerNorm``, an MLP 32 -> 64 -> 32 with ReLU, a residual), a
final ``LayerNorm`` and a linear head over the vocabulary; cross-entropy over every position;
Adam (lr 0.01) on fresh batches of 32.  The token accuracy on 256 held-out sequences is
measured every 10 iterations.

Batches and initial parameters (torch's default distributions for each layer) come from the
host, so every backend trains on the same numbers from the same start: the torch backend's
loss curve is PyTorch's own for this model.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn, optim
from ._common import identity, iteration_limit
from .cnn import _norms
from .result import Checkpoint, WorkloadResult

NAME = "transformer"
DATA_SEED = 11
VOCAB, LENGTH = 10, 8
WIDTH, HEADS, HIDDEN = 32, 4, 64
BATCH, TEST = 32, 256
LR = 0.01
ITERATIONS = 100
CHECK_EVERY = 10


def initial_state(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Every parameter from the distribution its torch layer starts from: embeddings N(0, 1),
    the attention's input projection xavier-uniform with zero biases, linear layers
    U(+-1/sqrt(fan_in)) (the attention's output projection with a zero bias), norms ones and
    zeros."""
    f32 = np.float32

    def uniform(bound: float, shape: tuple) -> np.ndarray:
        return rng.uniform(-bound, bound, shape).astype(f32)

    state = {"tok.weight": rng.standard_normal((VOCAB, WIDTH)).astype(f32),
             "pos.weight": rng.standard_normal((LENGTH, WIDTH)).astype(f32)}
    state["attn.in_proj_weight"] = uniform(math.sqrt(6 / (WIDTH + 3 * WIDTH)),
                                           (3 * WIDTH, WIDTH))
    state["attn.in_proj_bias"] = np.zeros(3 * WIDTH, f32)
    state["attn.out_proj.weight"] = uniform(1 / math.sqrt(WIDTH), (WIDTH, WIDTH))
    state["attn.out_proj.bias"] = np.zeros(WIDTH, f32)
    for name, (n_in, n_out) in (("mlp.0", (WIDTH, HIDDEN)), ("mlp.2", (HIDDEN, WIDTH)),
                                ("head", (WIDTH, VOCAB))):
        state[f"{name}.weight"] = uniform(1 / math.sqrt(n_in), (n_out, n_in))
        state[f"{name}.bias"] = uniform(1 / math.sqrt(n_in), (n_out,))
    for norm in ("ln1", "ln2", "ln_f"):
        state[f"{norm}.weight"] = np.ones(WIDTH, f32)
        state[f"{norm}.bias"] = np.zeros(WIDTH, f32)
    return state


def make_data(seed: int = DATA_SEED, iterations: int = ITERATIONS) -> dict[str, np.ndarray]:
    """Training batches (one per iteration), held-out sequences, the initial parameters."""
    rng = np.random.default_rng(seed)
    state = initial_state(rng)
    test = rng.integers(0, VOCAB, (TEST, LENGTH))
    # drawn last, so a shorter run's batches are the first of a longer one's
    tokens = rng.integers(0, VOCAB, (iterations, BATCH, LENGTH))
    return {"tokens": tokens, "test": test, **state}


def reverse(tokens: np.ndarray) -> np.ndarray:
    """The task's targets: each sequence backwards."""
    return np.ascontiguousarray(tokens[..., ::-1])


class TinyTransformer(nn.Module):
    """Embeddings, one pre-norm attention + MLP block, a final norm and a linear head."""

    def __init__(self, backend: Any) -> None:
        super().__init__()
        self.tok = nn.Embedding(VOCAB, WIDTH, backend=backend)
        self.pos = nn.Embedding(LENGTH, WIDTH, backend=backend)
        self.ln1 = nn.LayerNorm(WIDTH, backend=backend)
        self.attn = nn.MultiheadAttention(WIDTH, HEADS, batch_first=True, backend=backend)
        self.ln2 = nn.LayerNorm(WIDTH, backend=backend)
        self.mlp = nn.Sequential(nn.Linear(WIDTH, HIDDEN, backend=backend), nn.ReLU(),
                                 nn.Linear(HIDDEN, WIDTH, backend=backend))
        self.ln_f = nn.LayerNorm(WIDTH, backend=backend)
        self.head = nn.Linear(WIDTH, VOCAB, backend=backend)
        self.positions = backend.arange(LENGTH)

    def forward(self, tokens: Any, need_weights: bool = False) -> Any:
        h = self.tok(tokens) + self.pos(self.positions)
        a = self.ln1(h)
        attended, weights = self.attn(a, a, a, need_weights=need_weights)
        h = h + attended
        h = h + self.mlp(self.ln2(h))
        logits = self.head(self.ln_f(h))
        return (logits, weights) if need_weights else logits


def build_model(backend: Any, data: dict[str, np.ndarray]) -> TinyTransformer:
    model = TinyTransformer(backend)
    model.load_state_dict({k: v for k, v in data.items() if "." in k})
    return model


def _loss(logits: Any, targets: Any) -> Any:
    return nn.functional.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1))


def _accuracy(model: TinyTransformer, backend: Any, test: np.ndarray) -> float:
    with backend.no_grad():
        predicted = np.asarray(model(backend.tensor(test)).argmax(dim=-1).tolist())
    return float(np.mean(predicted == reverse(test)))


def run(backend: Any, iterations: int | None = None, progress: Any = None) -> WorkloadResult:
    """Train on ``backend``: ``iterations`` Adam steps (default 100), a fresh batch each."""
    limit = iteration_limit(iterations, ITERATIONS)
    data = make_data(iterations=limit)
    start = time.perf_counter()
    model = build_model(backend, data)
    optimizer = optim.Adam(model.parameters(), lr=LR)
    losses: list[float] = []
    checkpoints: list[Checkpoint] = []
    for iteration in range(limit):
        batch = data["tokens"][iteration]
        loss = _loss(model(backend.tensor(batch)), backend.tensor(reverse(batch)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if iteration % CHECK_EVERY == 0 or iteration == limit - 1:
            checkpoints.append(Checkpoint(iteration, losses[-1],
                                          _accuracy(model, backend, data["test"]), {}))
        if progress is not None:
            progress(iteration + 1, limit)
    accuracy = _accuracy(model, backend, data["test"])
    with backend.no_grad():
        _, weights = model(backend.tensor(data["test"][:1]), need_weights=True)
    seconds = time.perf_counter() - start
    return WorkloadResult(
        workload=NAME, **identity(backend), iterations=limit, seconds=seconds, losses=losses,
        parameters=_norms(model), accuracy=accuracy,
        stop_reason=f"ran {limit} iterations (token accuracy {accuracy:.1%})",
        checkpoints=checkpoints,
        metrics={"data_seed": DATA_SEED, "lr": LR, "batch": BATCH, "vocabulary": VOCAB,
                 "length": LENGTH, "width": WIDTH, "heads": HEADS,
                 "seconds_per_iteration": seconds / limit},
        data={"sequence": data["test"][0], "attention": np.asarray(weights.tolist())[0]},
    )


def graph(backend: Any) -> tuple[Any, dict[str, Any]]:
    """The loss of two sequences, with the parameters and the logits named."""
    data = make_data(iterations=1)
    model = build_model(backend, data)
    batch = data["tokens"][0][:2]
    logits = model(backend.tensor(batch))
    loss = _loss(logits, backend.tensor(reverse(batch)))
    names = dict(model.named_parameters())
    names.update(logits=logits, loss=loss)
    return loss, names


def plot(result: WorkloadResult, directory: Path) -> list[Path]:
    from .plotting import transformer_figures

    return transformer_figures(result, directory)
