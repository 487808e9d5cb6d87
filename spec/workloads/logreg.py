"""Logistic regression of two Gaussian classes: the tutorials' first model (seeds 000-002).

As the tutorial sets it up: 100 points per class around (2.7, 2.7) (class 0) and (-0.7, -0.7)
(class 1), unit variance; ``Linear(2, 1)`` then ``Sigmoid``; ``BCELoss`` on
``y_pred.squeeze()``; SGD with lr 0.01 and momentum 0.9; up to 1000 iterations; accuracy is
measured every 20 iterations on that iteration's predictions, and training stops once it
exceeds 0.99.

The tutorial draws its data with ``torch.manual_seed(1)``; here numpy's
``default_rng(DATA_SEED)`` draws the points and then the initial weight and bias (uniform in
±1/sqrt(2), torch's default for ``Linear(2, 1)``), so every backend starts from the same numbers.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn, optim
from ._common import host, identity, iteration_limit
from .result import Checkpoint, WorkloadResult

NAME = "logreg"
DATA_SEED = 1
SAMPLES = 100  # per class
MEAN = 1.7
SHIFT = 1.0
LR = 0.01
MOMENTUM = 0.9
MAX_ITERATIONS = 1000
CHECK_EVERY = 20
TARGET_ACCURACY = 0.99


def make_data(seed: int = DATA_SEED) -> dict[str, np.ndarray]:
    """The two classes, their labels and the initial parameters, as float32 host arrays."""
    rng = np.random.default_rng(seed)
    x0 = rng.normal(MEAN, 1.0, (SAMPLES, 2)) + SHIFT
    x1 = rng.normal(-MEAN, 1.0, (SAMPLES, 2)) + SHIFT
    bound = 1.0 / math.sqrt(2)
    weight = rng.uniform(-bound, bound, (1, 2))
    bias = rng.uniform(-bound, bound, (1,))
    f32 = np.float32
    return {
        "x0": x0.astype(f32), "x1": x1.astype(f32),
        "x": np.concatenate([x0, x1]).astype(f32),
        "y": np.concatenate([np.zeros(SAMPLES), np.ones(SAMPLES)]).astype(f32),
        "weight": weight.astype(f32), "bias": bias.astype(f32),
    }


class LogisticRegression(nn.Module):
    """The tutorial's ``LR`` module: ``features`` (Linear 2 -> 1) then ``sigmoid``."""

    def __init__(self, backend: Any) -> None:
        super().__init__()
        self.features = nn.Linear(2, 1, backend=backend)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: Any) -> Any:
        return self.sigmoid(self.features(x))


def build_model(backend: Any, data: dict[str, np.ndarray]) -> LogisticRegression:
    model = LogisticRegression(backend)
    model.load_state_dict({"features.weight": data["weight"], "features.bias": data["bias"]})
    return model


def _parameters(model: LogisticRegression) -> dict[str, Any]:
    return {name: host(p) for name, p in model.named_parameters()}


def _accuracy(y_pred: Any, train_y: Any) -> float:
    """The tutorial's accuracy: threshold the probabilities at 0.5 and count matches."""
    mask = y_pred.ge(0.5).float().squeeze()
    correct = (mask == train_y).sum()
    return correct.item() / train_y.size(0)


def run(backend: Any, iterations: int | None = None, progress: Any = None) -> WorkloadResult:
    """Train on ``backend``; stop when the accuracy measured every 20 iterations exceeds 0.99."""
    limit = iteration_limit(iterations, MAX_ITERATIONS)
    data = make_data()
    start = time.perf_counter()
    train_x, train_y = backend.tensor(data["x"]), backend.tensor(data["y"])
    model = build_model(backend, data)
    loss_fn = nn.BCELoss()
    optimizer = optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    losses: list[float] = []
    checkpoints: list[Checkpoint] = []
    stop_reason = f"reached the iteration limit ({limit})"
    for iteration in range(limit):
        y_pred = model(train_x)
        loss = loss_fn(y_pred.squeeze(), train_y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
        if iteration % CHECK_EVERY == 0:
            acc = _accuracy(y_pred, train_y)
            # The tutorial plots the parameters after this iteration's update.
            checkpoints.append(Checkpoint(iteration, losses[-1], acc, _parameters(model)))
        if progress is not None:
            progress(iteration + 1, limit)
        if iteration % CHECK_EVERY == 0 and acc > TARGET_ACCURACY:
            stop_reason = f"accuracy {acc:.1%} > {TARGET_ACCURACY:.0%} at iteration {iteration}"
            break
    with backend.no_grad():
        final_accuracy = _accuracy(model(train_x), train_y)
    seconds = time.perf_counter() - start
    return WorkloadResult(
        workload=NAME, **identity(backend), iterations=len(losses), seconds=seconds,
        losses=losses, parameters=_parameters(model), accuracy=final_accuracy,
        stop_reason=stop_reason, checkpoints=checkpoints,
        metrics={"data_seed": DATA_SEED, "lr": LR, "momentum": MOMENTUM},
        data={k: data[k] for k in ("x0", "x1")},
    )


def graph(backend: Any) -> tuple[Any, dict[str, Any]]:
    """The loss of the first iteration, with the model's parameters and outputs named."""
    data = make_data()
    model = build_model(backend, data)
    train_x, train_y = backend.tensor(data["x"]), backend.tensor(data["y"])
    y_pred = model(train_x)
    loss = nn.BCELoss()(y_pred.squeeze(), train_y)
    names = dict(model.named_parameters())
    names.update(x=train_x, y_pred=y_pred, loss=loss)
    return loss, names


def plot(result: WorkloadResult, directory: Path) -> list[Path]:
    from .plotting import logreg_figures

    return logreg_figures(result, directory)
