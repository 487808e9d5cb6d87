"""A small CNN learns to tell four shapes apart in noisy 16 x 16 images.

The images are drawn in code (numpy's ``default_rng(DATA_SEED)``): a horizontal bar, a vertical
bar, a diagonal or a hollow square, each 5 to 10 pixels long at a random place, plus Gaussian
noise (sigma 0.3).  The model is the classic two-stage CNN: ``Conv2d(1, 8, 3, padding=1)``,
ReLU, ``MaxPool2d(2)``, ``Conv2d(8, 16, 3, padding=1)``, ReLU, ``MaxPool2d(2)``, ``Flatten``,
``Linear(256, 4)``; cross-entropy; Adam (lr 0.01) on mini-batches of 32 whose order is drawn
once on the host.  The test accuracy (256 held-out images) is measured every 10 iterations.

Data, batch order and initial parameters (torch's default distributions) come from the host,
so every backend trains on the same numbers from the same start: the torch backend's loss
curve is PyTorch's own for this model.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn, optim
from ._common import identity, iteration_limit
from .result import Checkpoint, WorkloadResult

NAME = "cnn"
DATA_SEED = 7
SIZE = 16
CLASSES = ("horizontal", "vertical", "diagonal", "square")
TRAIN, TEST = 512, 256
BATCH = 32
LR = 0.01
ITERATIONS = 150
CHECK_EVERY = 10
NOISE = 0.3


def _draw(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    images = rng.normal(0.0, NOISE, (n, 1, SIZE, SIZE))
    labels = rng.integers(0, len(CLASSES), n)
    for image, label in zip(images[:, 0], labels):
        k = int(rng.integers(5, 11))
        r, c = (int(v) for v in rng.integers(0, SIZE - k, 2))
        if label == 0:
            image[r, c:c + k] += 1
        elif label == 1:
            image[r:r + k, c] += 1
        elif label == 2:
            image[r + np.arange(k), c + np.arange(k)] += 1
        else:
            image[r, c:c + k] += 1
            image[r + k - 1, c:c + k] += 1
            image[r + 1:r + k - 1, c] += 1
            image[r + 1:r + k - 1, c + k - 1] += 1
    return images.astype(np.float32), labels.astype(np.int64)


def initial_state(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The model's parameters from torch's default distributions (U(+-1/sqrt(fan_in)))."""
    state = {}
    for name, shape in (("conv1", (8, 1, 3, 3)), ("conv2", (16, 8, 3, 3)), ("head", (4, 256))):
        bound = 1 / math.sqrt(math.prod(shape[1:]))
        state[f"{name}.weight"] = rng.uniform(-bound, bound, shape).astype(np.float32)
        state[f"{name}.bias"] = rng.uniform(-bound, bound, shape[:1]).astype(np.float32)
    return state


def make_data(seed: int = DATA_SEED, iterations: int = ITERATIONS) -> dict[str, np.ndarray]:
    """Training and test images with labels, the batches' order, the initial parameters."""
    rng = np.random.default_rng(seed)
    x, y = _draw(rng, TRAIN)
    test_x, test_y = _draw(rng, TEST)
    state = initial_state(rng)
    # drawn last, so a shorter run's batches are the first of a longer one's
    order = np.stack([rng.permutation(TRAIN)[:BATCH] for _ in range(iterations)])
    return {"x": x, "y": y, "test_x": test_x, "test_y": test_y, "order": order, **state}


class SmallCNN(nn.Module):
    """Two convolution stages (3 x 3 convolution, ReLU, 2 x 2 max pooling) and a linear head."""

    def __init__(self, backend: Any) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1, backend=backend)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1, backend=backend)
        self.pool = nn.MaxPool2d(2)
        self.relu = nn.ReLU()
        self.flatten = nn.Flatten()
        self.head = nn.Linear(16 * (SIZE // 4) ** 2, len(CLASSES), backend=backend)

    def forward(self, x: Any) -> Any:
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        return self.head(self.flatten(x))


def build_model(backend: Any, data: dict[str, np.ndarray]) -> SmallCNN:
    model = SmallCNN(backend)
    model.load_state_dict({k: v for k, v in data.items() if "." in k})
    return model


def _accuracy(model: SmallCNN, backend: Any, x: Any, y: np.ndarray) -> tuple[float, np.ndarray]:
    with backend.no_grad():
        predicted = np.asarray(model(x).argmax(dim=1).tolist())
    return float(np.mean(predicted == y)), predicted


def _norms(model: nn.Module) -> dict[str, float]:
    """Each parameter's L2 norm (the values themselves are too many for a summary)."""
    return {name: float(np.linalg.norm(np.asarray(p.detach().tolist())))
            for name, p in model.named_parameters()}


def run(backend: Any, iterations: int | None = None, progress: Any = None) -> WorkloadResult:
    """Train on ``backend``: ``iterations`` Adam steps (default 150) on batches of 32."""
    limit = iteration_limit(iterations, ITERATIONS)
    data = make_data(iterations=limit)
    start = time.perf_counter()
    x, y = backend.tensor(data["x"]), backend.tensor(data["y"])
    test_x = backend.tensor(data["test_x"])
    model = build_model(backend, data)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=LR)
    losses: list[float] = []
    checkpoints: list[Checkpoint] = []
    for iteration in range(limit):
        batch = backend.tensor(data["order"][iteration])
        loss = loss_fn(model(x[batch]), y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if iteration % CHECK_EVERY == 0 or iteration == limit - 1:
            checkpoints.append(Checkpoint(iteration, losses[-1],
                                          _accuracy(model, backend, test_x, data["test_y"])[0],
                                          {}))
        if progress is not None:
            progress(iteration + 1, limit)
    accuracy, predicted = _accuracy(model, backend, test_x, data["test_y"])
    seconds = time.perf_counter() - start
    return WorkloadResult(
        workload=NAME, **identity(backend), iterations=limit, seconds=seconds, losses=losses,
        parameters=_norms(model), accuracy=accuracy,
        stop_reason=f"ran {limit} iterations (test accuracy {accuracy:.1%})",
        checkpoints=checkpoints,
        metrics={"data_seed": DATA_SEED, "lr": LR, "batch": BATCH, "train_images": TRAIN,
                 "test_images": TEST, "seconds_per_iteration": seconds / limit},
        data={"test_x": data["test_x"][:16, 0], "test_y": data["test_y"][:16],
              "predicted": predicted[:16],
              "filters": np.asarray(model.conv1.weight.detach().tolist())[:, 0]},
    )


def graph(backend: Any) -> tuple[Any, dict[str, Any]]:
    """The loss of the first batch, with the parameters and the layers' outputs named."""
    data = make_data(iterations=1)
    model = build_model(backend, data)
    batch = data["order"][0][:4]
    x = backend.tensor(data["x"][batch])
    scores = model(x)
    loss = nn.CrossEntropyLoss()(scores, backend.tensor(data["y"][batch]))
    names = dict(model.named_parameters())
    names.update(images=x, scores=scores, loss=loss)
    return loss, names


def plot(result: WorkloadResult, directory: Path) -> list[Path]:
    from .plotting import cnn_figures

    return cnn_figures(result, directory)
