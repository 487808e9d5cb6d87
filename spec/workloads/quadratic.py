"""Fitting ``y = w x**2 + b`` to ``y = 3 x**2 + 2`` plus noise (seed 004).

The tutorial writes the same fit twice: in numpy with the gradient worked out by hand, then with
autograd (``loss.backward()``, ``-=`` under ``no_grad``, ``grad.zero_()``).  Both use lr 0.001,
800 steps and the summed loss ``0.5 * (y_pred - y)**2``.  This workload runs the autograd version
on the backend and the hand-written numpy version (float64) as the baseline, and reports how far
the two trajectories ever are apart.

Data: 100 points on [-1, 1], noise ``0.2 * U(0, 1)``, initial w uniform in [0, 1) and b = 0,
drawn with numpy's ``default_rng(DATA_SEED)`` (the tutorial used ``np.random.seed(100)``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from ._common import host, identity, iteration_limit
from .result import Checkpoint, WorkloadResult

NAME = "quadratic"
DATA_SEED = 100
POINTS = 100
LR = 0.001
STEPS = 800
CHECK_EVERY = 100


def make_data(seed: int = DATA_SEED) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.linspace(-1, 1, POINTS).reshape(POINTS, 1)
    y = 3 * np.power(x, 2) + 2 + 0.2 * rng.random((POINTS, 1))
    w0 = rng.random((1, 1))
    f32 = np.float32
    return {"x": x.astype(f32), "y": y.astype(f32), "w0": w0.astype(f32)}


def numpy_baseline(data: dict[str, np.ndarray], steps: int) -> tuple[np.ndarray, float]:
    """The tutorial's hand-written numpy fit: (w, b, loss) per step, and the seconds it took."""
    start = time.perf_counter()
    x, y = data["x"].astype(np.float64), data["y"].astype(np.float64)
    w, b = data["w0"].astype(np.float64).copy(), np.zeros((1, 1))
    history = np.empty((steps, 3))
    for step in range(steps):
        y_pred = np.power(x, 2) @ w + b
        loss = (0.5 * (y_pred - y) ** 2).sum()
        grad_w = np.sum((y_pred - y) * np.power(x, 2))
        grad_b = np.sum(y_pred - y)
        w -= LR * grad_w
        b -= LR * grad_b
        history[step] = (w.item(), b.item(), loss)
    return history, time.perf_counter() - start


def run(backend: Any, iterations: int | None = None, progress: Any = None) -> WorkloadResult:
    limit = iteration_limit(iterations, STEPS)
    data = make_data()
    start = time.perf_counter()
    x, y = backend.tensor(data["x"]), backend.tensor(data["y"])
    w = backend.tensor(data["w0"], requires_grad=True)
    b = backend.zeros(1, 1, requires_grad=True)
    history = np.empty((limit, 3))
    checkpoints: list[Checkpoint] = []
    for step in range(limit):
        y_pred = x.pow(2).mm(w) + b
        loss = (0.5 * (y_pred - y) ** 2).sum()
        loss.backward()
        with backend.no_grad():
            w -= LR * w.grad
            b -= LR * b.grad
            w.grad.zero_()
            b.grad.zero_()
        history[step] = (w.item(), b.item(), loss.item())
        if step % CHECK_EVERY == 0 or step == limit - 1:
            checkpoints.append(Checkpoint(step, float(history[step, 2]), None,
                                          {"w": host(w), "b": host(b)}))
        if progress is not None:
            progress(step + 1, limit)
    seconds = time.perf_counter() - start
    with backend.no_grad():
        fitted = host((x.pow(2).mm(w) + b).squeeze(1))
    baseline, baseline_seconds = numpy_baseline(data, limit)
    deviation = np.abs(history - baseline).max(axis=0)
    return WorkloadResult(
        workload=NAME, **identity(backend), iterations=limit, seconds=seconds,
        losses=history[:, 2].tolist(), parameters={"w": host(w), "b": host(b)},
        stop_reason=f"ran all {limit} steps", checkpoints=checkpoints,
        metrics={
            "baseline": "hand-written numpy gradient (float64)",
            "baseline_seconds": baseline_seconds,
            "baseline_w": float(baseline[-1, 0]), "baseline_b": float(baseline[-1, 1]),
            "max_deviation_w": float(deviation[0]), "max_deviation_b": float(deviation[1]),
            "max_relative_deviation_loss": float(
                np.max(np.abs(history[:, 2] - baseline[:, 2]) / np.abs(baseline[:, 2]))),
            "data_seed": DATA_SEED, "lr": LR,
        },
        data={"x": data["x"][:, 0], "y": data["y"][:, 0], "fitted": np.asarray(fitted),
              "baseline_losses": baseline[:, 2]},
    )


def graph(backend: Any) -> tuple[Any, dict[str, Any]]:
    data = make_data()
    x, y = backend.tensor(data["x"]), backend.tensor(data["y"])
    w = backend.tensor(data["w0"], requires_grad=True)
    b = backend.zeros(1, 1, requires_grad=True)
    y_pred = x.pow(2).mm(w) + b
    loss = (0.5 * (y_pred - y) ** 2).sum()
    return loss, {"w": w, "b": b, "x": x, "y": y, "y_pred": y_pred, "loss": loss}


def plot(result: WorkloadResult, directory: Path) -> list[Path]:
    from .plotting import quadratic_figures

    return quadratic_figures(result, directory)
