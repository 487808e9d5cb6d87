"""Logistic regression: the seeds' model, and the same model on large data.

Three systems train ``Linear(d, 1)`` + ``Sigmoid`` with ``BCELoss`` and SGD (lr 0.01, momentum
0.9) from the same initial parameters:

* ``gradspec``: the seeds' code on gradspec's numpy backend with ``gradspec.nn`` and
  ``gradspec.optim``;
* ``torch``: the seeds' code as written (``torch.nn``, ``torch.optim``);
* ``floor``: hand-written numpy, the analytic gradient of the same loss and the same update,
  in float32: what the arithmetic costs without an autograd engine.

``seeds``: the tutorial's 200x2 data, 1,000 iterations per run, systems round-robin in one
process.  ``big``: 100,000x100 and 1,000,000x32 float32 data, 50 iterations, one subprocess per
system and run (this file is also the worker: ``python bench/logreg.py --worker ...``); the
time of an iteration and the peak resident memory the training adds above what was resident
before it (data, model and libraries loaded).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from pathlib import Path
from typing import Any, Callable

from common import (ENGINE_SYSTEMS, have_torch, minor_faults, peak_kib, remote_systems,
                    reset_peak, resident_kib, run_remote, subprocess_rounds)

LR = 0.01
MOMENTUM = 0.9
LOG_FLOOR = -100.0  # BCELoss clamps each log term here, as torch does


# ------------------------------------------------------------------------------ the systems
PHASES = ("forward", "backward", "step", "zero_grad")


def _seeds_step(model: Any, loss_fn: Any, optimizer: Any, train_x: Any, train_y: Any,
                phases: bool = False) -> Callable[[], Any]:
    """The seeds' training iteration, the same code on gradspec and on torch; with ``phases``
    it returns the seconds each phase took (forward and loss, backward, optimizer step,
    zero_grad) instead of the loss."""

    def step() -> Any:
        y_pred = model(train_x)
        loss = loss_fn(y_pred.squeeze(), train_y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss

    def phased() -> dict[str, float]:
        t0 = time.perf_counter()
        loss = loss_fn(model(train_x).squeeze(), train_y)
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        optimizer.step()
        t3 = time.perf_counter()
        optimizer.zero_grad()
        t4 = time.perf_counter()
        return {"forward": t1 - t0, "backward": t2 - t1, "step": t3 - t2, "zero_grad": t4 - t3}

    return phased if phases else step


def gradspec_trainer(x: Any, y: Any, weight: Any, bias: Any, phases: bool = False
                     ) -> Callable[[], Any]:
    """One training iteration of the seeds' code on gradspec (numpy arrays in, shared)."""
    import gradspec
    from gradspec import nn, optim

    torch = gradspec.load_backend("numpy")
    train_x, train_y = torch.from_numpy(x), torch.from_numpy(y)
    model = nn.Sequential(nn.Linear(x.shape[1], 1, backend=torch), nn.Sigmoid())
    model.load_state_dict({"0.weight": weight, "0.bias": bias})
    loss_fn = nn.BCELoss()
    optimizer = optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)

    return _seeds_step(model, loss_fn, optimizer, train_x, train_y, phases)


def torch_trainer(x: Any, y: Any, weight: Any, bias: Any, phases: bool = False
                  ) -> Callable[[], Any]:
    import torch

    train_x, train_y = torch.from_numpy(x), torch.from_numpy(y)
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], 1), torch.nn.Sigmoid())
    model.load_state_dict({"0.weight": torch.from_numpy(weight), "0.bias": torch.from_numpy(bias)})
    loss_fn = torch.nn.BCELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)

    return _seeds_step(model, loss_fn, optimizer, train_x, train_y, phases)


def floor_trainer(x: Any, y: Any, weight: Any, bias: Any, phases: bool = False
                  ) -> Callable[[], Any]:
    """The same model, loss and update by hand: the gradient of mean BCE(sigmoid(x w + b), y)
    with respect to the pre-activation is (p - y) / n.  Its phases: forward (to the loss),
    backward (the gradients), step (the update); nothing to zero."""
    import numpy as np

    w = weight.reshape(-1).copy()
    b = bias.copy()
    buf_w = buf_b = None
    n = np.float32(x.shape[0])
    y_neg = 1 - y

    def step() -> Any:
        nonlocal buf_w, buf_b
        t0 = time.perf_counter()
        z = x @ w
        z += b
        p = np.tanh(z * np.float32(0.5))  # sigmoid without overflow, as the engine computes it
        p += 1
        p *= np.float32(0.5)
        log_p = np.maximum(np.log(p), LOG_FLOOR)
        log_q = np.maximum(np.log1p(-p), LOG_FLOOR)
        loss = -(y @ log_p + y_neg @ log_q) / n
        t1 = time.perf_counter()
        g = p - y
        g /= n
        gw, gb = g @ x, g.sum(keepdims=True)
        t2 = time.perf_counter()
        if buf_w is None:
            buf_w, buf_b = gw, gb
        else:
            buf_w *= MOMENTUM
            buf_w += gw
            buf_b *= MOMENTUM
            buf_b += gb
        w[...] -= buf_w * np.float32(LR)
        b[...] -= buf_b * np.float32(LR)
        if phases:
            t3 = time.perf_counter()
            return {"forward": t1 - t0, "backward": t2 - t1, "step": t3 - t2, "zero_grad": 0.0}
        return loss

    return step


TRAINERS = {"gradspec": gradspec_trainer, "torch": torch_trainer, "floor": floor_trainer}


def available() -> list[str]:
    return [name for name in TRAINERS if name != "torch" or have_torch()]


# ------------------------------------------------------------------------------ the seeds' data
def seeds_system(name: str, iterations: int, phases: bool = False
                 ) -> Callable[[], dict[str, float] | None]:
    """One run of ``iterations`` of the seeds' training on system ``name``, from a fresh
    model: timed as a whole (returns None) or, with ``phases``, the seconds of each phase
    summed over the run.  (Also what a `common.Remote` worker runs.)"""
    from gradspec.workloads.logreg import make_data

    data = make_data()
    args = (data["x"], data["y"], data["weight"], data["bias"])
    make = TRAINERS[name]

    def timed() -> dict[str, float] | None:
        step = make(*args, phases=phases)
        if not phases:
            for _ in range(iterations):
                step()
            return None
        totals = dict.fromkeys(PHASES, 0.0)
        for _ in range(iterations):
            for k, v in step().items():
                totals[k] += v
        return totals

    return timed


def _systems(iterations: int, phases: bool) -> dict[str, Any]:
    return remote_systems("logreg", "seeds_system", available(), [iterations, phases])


def seeds(iterations: int = 1000, repeats: int = 7, tick: Callable[[], None] | None = None
          ) -> dict[str, float]:
    """Seconds per 1,000-iteration run, by system (median of repeats, round-robin)."""
    return run_remote(_systems(iterations, False), repeats, 1, tick)


def seeds_phases(iterations: int = 1000, repeats: int = 5,
                 tick: Callable[[], None] | None = None) -> dict[str, dict[str, float]]:
    """Microseconds per iteration of each phase (forward, backward, step, zero_grad), by
    system (median over repeats of ``iterations``-iteration runs, round-robin)."""
    medians = run_remote(_systems(iterations, True), repeats, 1, tick)
    return {name: {k: v * 1e6 / iterations for k, v in by_phase.items()}
            for name, by_phase in medians.items()}


# ------------------------------------------------------------------------------ large data
def make_big(rows: int, cols: int, folder: Path) -> Path:
    """Two separable Gaussian classes, float32, written as .npy files (x, y, weight, bias)."""
    import numpy as np

    rng = np.random.default_rng(0)
    half = rows // 2
    x = np.empty((rows, cols), dtype=np.float32)
    chunk = 65_536  # generate in chunks: no float64 copy of the whole matrix
    for start in range(0, rows, chunk):
        stop = min(rows, start + chunk)
        block = rng.standard_normal((stop - start, cols), dtype=np.float32)
        block[: max(0, min(stop, half) - start)] += 1.0
        block[max(0, half - start):] -= 1.0
        x[start:stop] = block
    y = np.zeros(rows, dtype=np.float32)
    y[half:] = 1
    bound = 1 / math.sqrt(cols)
    path = folder / f"logreg-{rows}x{cols}"
    path.mkdir(parents=True, exist_ok=True)
    np.save(path / "x.npy", x)
    np.save(path / "y.npy", y)
    np.save(path / "weight.npy", rng.uniform(-bound, bound, (1, cols)).astype(np.float32))
    np.save(path / "bias.npy", rng.uniform(-bound, bound, (1,)).astype(np.float32))
    return path


def worker(system: str, data: Path, iterations: int) -> dict[str, Any]:
    """Train in this process; per-iteration times and the peak memory above the start."""
    import numpy as np

    arrays = {k: np.load(data / f"{k}.npy") for k in ("x", "y", "weight", "bias")}
    step = TRAINERS[system](arrays["x"], arrays["y"], arrays["weight"], arrays["bias"])
    exact = reset_peak()
    before = resident_kib()
    if not exact:
        before = peak_kib()  # no reset: the peak so far stands for "before"
    times, losses = [], []
    faults = minor_faults()
    for _ in range(iterations):
        t0 = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - t0)
        losses.append(loss.item())
    return {"system": system, "seconds_per_iteration": statistics.median(times),
            "faults_per_iteration": (minor_faults() - faults) / iterations,
            "extra_peak_mib": (peak_kib() - before) / 1024, "peak_exact": exact,
            "data_mib": sum(a.nbytes for a in arrays.values()) / 2**20,
            "first_loss": losses[0], "last_loss": losses[-1]}


def big(rows: int, cols: int, folder: Path, iterations: int = 50, rounds: int = 3,
        tick: Callable[[], None] | None = None, env: dict[str, str] | None = None
        ) -> dict[str, dict[str, Any]]:
    """By system: median over ``rounds`` subprocess runs of time per iteration, page faults per
    iteration and extra peak memory (``env``: added to the workers' environment)."""
    data = make_big(rows, cols, folder)
    runs = subprocess_rounds(Path(__file__).resolve(), available() + list(ENGINE_SYSTEMS),
                             ["--data", str(data), "--iterations", str(iterations)], rounds, tick,
                             env)
    out = {}
    for name, results in runs.items():
        out[name] = {
            "seconds_per_iteration": statistics.median(r["seconds_per_iteration"] for r in results),
            "faults_per_iteration": statistics.median(r["faults_per_iteration"] for r in results),
            "extra_peak_mib": statistics.median(r["extra_peak_mib"] for r in results),
            "peak_exact": all(r["peak_exact"] for r in results),
            "data_mib": results[0]["data_mib"],
            "last_loss": results[0]["last_loss"],
        }
    return out


def _worker_main() -> None:
    p = argparse.ArgumentParser(description="one large-data logistic regression run (internal)")
    p.add_argument("--worker", choices=sorted(TRAINERS), required=True)
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--iterations", type=int, default=50)
    args = p.parse_args()
    print(json.dumps(worker(args.worker, args.data, args.iterations)))


if __name__ == "__main__":
    _worker_main()
