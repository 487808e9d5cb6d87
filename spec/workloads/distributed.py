"""The tutorials' training loops on a Dask cluster, through `gradspec.distributed`.

Each loop is its workload's own (same data, same start, same updates, same stopping rule, same
result and pictures); only the forward and backward pass over the data runs on the workers:
``trainer.backward()`` in place of ``loss.backward()``.  The losses match a local run's to the
rounding of the data's dtype (the tutorials' data is float32; the sums come back in float64).

``logreg`` also trains on a dataset on disk (``data=PATH``, see
`gradspec.distributed.open_dataset`): the model becomes ``Linear(features, 1)`` with the
tutorial's initialisation, and the decision boundary is drawn when there are two features.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import nn, optim
from . import linefit, logreg, quadratic
from ._common import host, identity, iteration_limit
from .result import Checkpoint, WorkloadResult

#: Workloads with a distributed loop (jacobian is not a loop over data).
SUPPORTED = ("logreg", "linefit", "quadratic")

#: The workloads that can read a dataset from disk.
WITH_DATA = ("logreg",)

#: Points of each class drawn in the pictures of a dataset on disk.
PLOT_POINTS = 500


def supports(name: str, data: bool = False) -> bool:
    """Whether workload ``name`` runs on Dask (with a dataset on disk when ``data``)."""
    return name in (WITH_DATA if data else SUPPORTED)


def run(name: str, backend: Any, client: Any, iterations: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        data: str | Path | None = None) -> WorkloadResult:
    """Train workload ``name`` with the forward and backward passes on ``client``'s workers."""
    if not supports(name, data is not None):
        what = "with --data" if data is not None and name in SUPPORTED else "on Dask"
        raise ValueError(f"workload {name!r} does not run {what}; those that do: "
                         f"{', '.join(WITH_DATA if data is not None else SUPPORTED)}")
    loops = {"logreg": _logreg, "linefit": _linefit, "quadratic": _quadratic}
    return loops[name](backend, client, iterations, progress, data)


def _where(client: Any, sharded: Any) -> dict[str, Any]:
    return {"scheduler": client.scheduler.address, "workers": sharded.workers,
            "shards": sharded.shards, "persisted": sharded.persisted}


# ------------------------------------------------------------------------------- logreg
def logreg_objective(model: Any, x: Any, y: Any) -> Any:
    """The tutorial's loss, ``BCELoss()(model(x).squeeze(), y)``, squeezing only the output's
    column (a shard or a batch may hold a single row)."""
    return nn.BCELoss()(model(x).squeeze(1), y)


def logreg_hits(model: Any, x: Any, y: Any) -> Any:
    """How many rows the tutorial's threshold (0.5) classifies right."""
    return (model(x).ge(0.5).float().squeeze(1) == y).sum()


def _logreg_disk_model(backend: Any, features: int, dtype: np.dtype) -> Any:
    """``Linear(features, 1)`` + ``Sigmoid`` initialised as the tutorial initialises it."""
    rng = np.random.default_rng(logreg.DATA_SEED)
    bound = 1.0 / math.sqrt(features)
    model = logreg.LogisticRegression(backend)
    model.features = nn.Linear(features, 1, backend=backend,
                               dtype=getattr(backend, np.dtype(dtype).name))
    model.load_state_dict({
        "features.weight": rng.uniform(-bound, bound, (1, features)).astype(dtype),
        "features.bias": rng.uniform(-bound, bound, (1,)).astype(dtype)})
    return model


def _logreg(backend: Any, client: Any, iterations: int | None, progress: Any,
            path: str | Path | None) -> WorkloadResult:
    from .. import distributed

    limit = iteration_limit(iterations, logreg.MAX_ITERATIONS)
    start = time.perf_counter()
    if path is None:
        data = logreg.make_data()
        sharded = distributed.ShardedData(data["x"], data["y"], client, backend=backend.name)
        model = logreg.build_model(backend, data)
        pictures = {k: data[k] for k in ("x0", "x1")}
        source = "the tutorial's 200 points"
    else:
        x, y = distributed.open_dataset(path)
        if x.ndim != 2 or y.ndim != 1:
            raise distributed.DataError(
                f"{path}: logreg needs x of shape (rows, features) and y of shape (rows,); got "
                f"{tuple(x.shape)} and {tuple(y.shape)}")
        if np.dtype(y.dtype).kind in "biuf" and y.dtype != x.dtype:
            y = y.astype(x.dtype)  # 0/1 labels in the probabilities' dtype, as BCELoss wants
        sharded = distributed.ShardedData(x, y, client, backend=backend.name)
        model = _logreg_disk_model(backend, int(x.shape[1]), np.dtype(x.dtype))
        pictures = _sample_classes(sharded) if x.shape[1] == 2 else {}
        source = str(path)
    try:
        trainer = distributed.DataParallel(model, None, sharded, objective=logreg_objective)
        optimizer = optim.SGD(model.parameters(), lr=logreg.LR, momentum=logreg.MOMENTUM)
        losses: list[float] = []
        checkpoints: list[Checkpoint] = []
        stop_reason = f"reached the iteration limit ({limit})"
        for iteration in range(limit):
            losses.append(trainer.backward())
            check = iteration % logreg.CHECK_EVERY == 0
            if check:  # the tutorial's accuracy is that of this iteration's predictions
                acc = trainer.evaluate(logreg_hits) / sharded.rows
            optimizer.step()
            optimizer.zero_grad()
            if check:
                checkpoints.append(Checkpoint(iteration, losses[-1], acc, _parameters(model)))
            if progress is not None:
                progress(iteration + 1, limit)
            if check and acc > logreg.TARGET_ACCURACY:
                stop_reason = (f"accuracy {acc:.1%} > {logreg.TARGET_ACCURACY:.0%} at iteration "
                               f"{iteration}")
                break
        final_accuracy = trainer.evaluate(logreg_hits) / sharded.rows
    finally:
        sharded.close()
    return WorkloadResult(
        workload="logreg", **identity(backend), iterations=len(losses),
        seconds=time.perf_counter() - start, losses=losses, parameters=_parameters(model),
        accuracy=final_accuracy, stop_reason=stop_reason, checkpoints=checkpoints,
        metrics={"data_seed": logreg.DATA_SEED, "lr": logreg.LR, "momentum": logreg.MOMENTUM,
                 "data": source, "rows": sharded.rows, **_where(client, sharded)},
        data=pictures,
    )


def _parameters(model: Any) -> dict[str, Any]:
    return {name: host(p) for name, p in model.named_parameters()}


def _sample_classes(sharded: Any) -> dict[str, np.ndarray]:
    """Up to `PLOT_POINTS` points of each class from the first shard, for the pictures."""
    x, y = sharded.head(20 * PLOT_POINTS)
    return {"x0": x[y == 0][:PLOT_POINTS], "x1": x[y == 1][:PLOT_POINTS]}


# ------------------------------------------------------------------------------- linefit
class Line(nn.Module):
    """The line fit's two leaves ``a`` and ``b`` as a module, so they can travel."""

    def __init__(self, backend: Any) -> None:
        super().__init__()
        self.a = nn.Parameter(backend.tensor([0.0]))
        self.b = nn.Parameter(backend.tensor([0.0]))


def linefit_objective(model: Line, x: Any, y: Any) -> Any:
    """The tutorial's mean squared point-to-line distance."""
    return linefit.distance_loss(model.a, model.b, x, y)


def _linefit(backend: Any, client: Any, iterations: int | None, progress: Any,
             path: Any) -> WorkloadResult:
    from .. import distributed

    limit = iteration_limit(iterations, linefit.EPOCHS)
    data = linefit.make_data()
    start = time.perf_counter()
    sharded = distributed.ShardedData(data["x"], data["y"], client, backend=backend.name)
    line = Line(backend)
    a, b = line.a, line.b
    best = (float("inf"), 0.0, 0.0)
    losses: list[float] = []
    checkpoints: list[Checkpoint] = []
    try:
        trainer = distributed.DataParallel(line, None, sharded, objective=linefit_objective)
        for epoch in range(limit):
            current = trainer.backward()  # never zeroed: the gradients accumulate, as locally
            with backend.no_grad():
                a -= linefit.LR * a.grad
                b -= linefit.LR * b.grad
            if current < best[0]:
                best = (current, a.item(), b.item())
            losses.append(current)
            if epoch % linefit.CHECK_EVERY == 0 or epoch == limit - 1:
                checkpoints.append(Checkpoint(epoch, current, None,
                                              {"a": a.item(), "b": b.item()}))
            if progress is not None:
                progress(epoch + 1, limit)
    finally:
        sharded.close()
    return WorkloadResult(
        workload="linefit", **identity(backend), iterations=limit,
        seconds=time.perf_counter() - start, losses=losses,
        parameters={"a": a.item(), "b": b.item()},
        stop_reason=f"ran all {limit} epochs (the tutorial has no stopping rule)",
        checkpoints=checkpoints,
        metrics={"best_loss": best[0], "best_a": best[1], "best_b": best[2],
                 "true_a": linefit.SLOPE, "true_b": linefit.INTERCEPT,
                 "data_seed": linefit.DATA_SEED, "lr": linefit.LR, **_where(client, sharded)},
        data=data,
    )


# ------------------------------------------------------------------------------- quadratic
class Quadratic(nn.Module):
    """``y = x**2 @ w + b``: the quadratic fit's two leaves as a module."""

    def __init__(self, backend: Any, w0: np.ndarray) -> None:
        super().__init__()
        self.w = nn.Parameter(backend.tensor(w0))
        self.b = nn.Parameter(backend.zeros(1, 1))

    def forward(self, x: Any) -> Any:
        return x.pow(2).mm(self.w) + self.b


def quadratic_objective(model: Quadratic, x: Any, y: Any) -> Any:
    """The tutorial's summed loss ``0.5 * (y_pred - y)**2`` (a sum: ``reduction="sum"``)."""
    return (0.5 * (model(x) - y) ** 2).sum()


def _quadratic(backend: Any, client: Any, iterations: int | None, progress: Any,
               path: Any) -> WorkloadResult:
    from .. import distributed

    limit = iteration_limit(iterations, quadratic.STEPS)
    data = quadratic.make_data()
    start = time.perf_counter()
    sharded = distributed.ShardedData(data["x"], data["y"], client, backend=backend.name)
    model = Quadratic(backend, data["w0"])
    w, b = model.w, model.b
    history = np.empty((limit, 3))
    checkpoints: list[Checkpoint] = []
    try:
        trainer = distributed.DataParallel(model, None, sharded, objective=quadratic_objective,
                                           reduction="sum")
        for step in range(limit):
            loss = trainer.backward()
            with backend.no_grad():
                w -= quadratic.LR * w.grad
                b -= quadratic.LR * b.grad
                w.grad.zero_()
                b.grad.zero_()
            history[step] = (w.item(), b.item(), loss)
            if step % quadratic.CHECK_EVERY == 0 or step == limit - 1:
                checkpoints.append(Checkpoint(step, float(history[step, 2]), None,
                                              {"w": host(w), "b": host(b)}))
            if progress is not None:
                progress(step + 1, limit)
    finally:
        sharded.close()
    seconds = time.perf_counter() - start
    x = backend.tensor(data["x"])
    with backend.no_grad():
        fitted = host(model(x).squeeze(1))
    baseline, baseline_seconds = quadratic.numpy_baseline(data, limit)
    deviation = np.abs(history - baseline).max(axis=0)
    return WorkloadResult(
        workload="quadratic", **identity(backend), iterations=limit, seconds=seconds,
        losses=history[:, 2].tolist(), parameters={"w": host(w), "b": host(b)},
        stop_reason=f"ran all {limit} steps", checkpoints=checkpoints,
        metrics={
            "baseline": "hand-written numpy gradient (float64)",
            "baseline_seconds": baseline_seconds,
            "baseline_w": float(baseline[-1, 0]), "baseline_b": float(baseline[-1, 1]),
            "max_deviation_w": float(deviation[0]), "max_deviation_b": float(deviation[1]),
            "max_relative_deviation_loss": float(
                np.max(np.abs(history[:, 2] - baseline[:, 2]) / np.abs(baseline[:, 2]))),
            "data_seed": quadratic.DATA_SEED, "lr": quadratic.LR, **_where(client, sharded),
        },
        data={"x": data["x"][:, 0], "y": data["y"][:, 0], "fitted": np.asarray(fitted),
              "baseline_losses": baseline[:, 2]},
    )
