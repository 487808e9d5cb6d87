"""Fitting a line by the point-to-line distance (seed 003).

The tutorial puts 100 points on ``y = 2.5 x + 1`` for x in [0, 100], adds Gaussian noise
(sigma 2) to both coordinates, and fits ``y = a x + b`` from a = b = 0 by minimising the mean
squared distance ``(a x - y + b)**2 / (a**2 + 1)`` with ``-=`` updates under ``no_grad`` at
lr 1e-9 for 1000 epochs, keeping the best (loss, a, b) seen.

It never zeroes the gradients, so they accumulate over the epochs: the step grows with every
epoch, which is what lets so small a learning rate get anywhere (and what makes the loss
oscillate late in training, as the tutorial remarks).  This workload keeps that behaviour.
Noise: numpy's ``default_rng(DATA_SEED)`` (the tutorial used Python's ``random.gauss``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from ._common import identity, iteration_limit
from .result import Checkpoint, WorkloadResult

NAME = "linefit"
DATA_SEED = 100
POINTS = 100
SLOPE, INTERCEPT = 2.5, 1.0
NOISE = 2.0
LR = 1e-9
EPOCHS = 1000
CHECK_EVERY = 100


def make_data(seed: int = DATA_SEED) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    xs = np.linspace(0, 100, POINTS, endpoint=True)
    ys = SLOPE * xs + INTERCEPT
    nx = xs + rng.normal(0, NOISE, xs.shape)
    ny = ys + rng.normal(0, NOISE, ys.shape)
    return {"x": nx.astype(np.float32), "y": ny.astype(np.float32), "line_x": xs, "line_y": ys}


def distance_loss(a: Any, b: Any, x: Any, y: Any) -> Any:
    """Mean squared distance of the points (x, y) to the line y = a x + b."""
    return ((a * x - y + b) ** 2 / (a ** 2 + 1)).mean()


def run(backend: Any, iterations: int | None = None, progress: Any = None) -> WorkloadResult:
    limit = iteration_limit(iterations, EPOCHS)
    data = make_data()
    start = time.perf_counter()
    x, y = backend.tensor(data["x"]), backend.tensor(data["y"])
    a, b = backend.tensor([0.0]), backend.tensor([0.0])
    a.requires_grad = True  # the tutorial sets the flag on fresh leaves
    b.requires_grad = True
    best = (float("inf"), 0.0, 0.0)
    best_epoch = 0
    losses: list[float] = []
    checkpoints: list[Checkpoint] = []
    for epoch in range(limit):
        loss = distance_loss(a, b, x, y)
        loss.backward()
        with backend.no_grad():
            a -= LR * a.grad
            b -= LR * b.grad
        current = loss.item()
        if current < best[0]:
            best = (current, a.item(), b.item())
            best_epoch = epoch
        losses.append(current)
        if epoch % CHECK_EVERY == 0 or epoch == limit - 1:
            checkpoints.append(Checkpoint(epoch, current, None, {"a": a.item(), "b": b.item()}))
        if progress is not None:
            progress(epoch + 1, limit)
    seconds = time.perf_counter() - start
    return WorkloadResult(
        workload=NAME, **identity(backend), iterations=limit, seconds=seconds, losses=losses,
        parameters={"a": a.item(), "b": b.item()},
        stop_reason=f"ran all {limit} epochs (the tutorial has no stopping rule)",
        checkpoints=checkpoints,
        metrics={"best_loss": best[0], "best_epoch": best_epoch, "best_a": best[1],
                 "best_b": best[2], "true_a": SLOPE, "true_b": INTERCEPT,
                 "data_seed": DATA_SEED, "lr": LR},
        notes=_notes(losses, best[0], best_epoch),
        data=data,
    )


def _notes(losses: list[float], best: float, best_epoch: int) -> list[str]:
    """Why the last loss can be far above the best one: the tutorial's own dynamics."""
    if not losses or not losses[-1] > best * 1.5:
        return []
    return [f"the final loss ({losses[-1]:.4g}) is above the best ({best:.4g}, epoch "
            f"{best_epoch}) by design: the tutorial never zeroes the gradients, so every step "
            "is larger than the one before; the fit passes the minimum and then diverges. The "
            "tutorial's answer is the best (a, b), kept as best_a and best_b, not the last."]


def graph(backend: Any) -> tuple[Any, dict[str, Any]]:
    data = make_data()
    x, y = backend.tensor(data["x"]), backend.tensor(data["y"])
    a = backend.tensor([0.0], requires_grad=True)
    b = backend.tensor([0.0], requires_grad=True)
    loss = distance_loss(a, b, x, y)
    return loss, {"a": a, "b": b, "x": x, "y": y, "loss": loss}


def plot(result: WorkloadResult, directory: Path) -> list[Path]:
    from .plotting import linefit_figures

    return linefit_figures(result, directory)
