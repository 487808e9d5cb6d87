"""One training step of an MLP 784-256-10 (ReLU, cross-entropy, SGD), batch 128, float32.

``gradspec`` (``gradspec.nn`` on the numpy backend), ``torch`` (``torch.nn``) and ``floor``
(hand-written numpy with the analytic gradients) start from the same parameters and data; a
step is forward, loss, backward, update and zero_grad, and reads the loss as a Python float.

The step is matrix products on both cores, so each system runs in a process of its own (this
file is also the worker: ``python bench/mlp.py --worker SYSTEM``), in turn, round after round:
in one process, torch's OpenMP threads and numpy's BLAS threads would compete for the cores.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from pathlib import Path
from typing import Any, Callable

from common import ENGINE_SYSTEMS, have_torch, subprocess_rounds

SIZES = (784, 256, 10)
BATCH = 128
LR = 0.01


def make_data(seed: int = 0, sizes: tuple[int, int, int] = SIZES,
              batch: int = BATCH) -> dict[str, Any]:
    """Inputs, labels and the parameters of a model of ``sizes`` (the steps below read their
    sizes from these arrays: other sizes give the same step at another scale)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    data = {"x": rng.standard_normal((batch, sizes[0]), dtype=np.float32),
            "labels": rng.integers(0, sizes[-1], batch)}
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        bound = 1 / math.sqrt(n_in)
        data[f"w{i}"] = rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32)
        data[f"b{i}"] = rng.uniform(-bound, bound, (n_out,)).astype(np.float32)
    return data


def _sizes(data: dict[str, Any]) -> tuple[int, int, int]:
    return data["w0"].shape[1], data["w0"].shape[0], data["w1"].shape[0]


def _state(data: dict[str, Any]) -> dict[str, Any]:
    return {"0.weight": data["w0"], "0.bias": data["b0"], "2.weight": data["w1"],
            "2.bias": data["b1"]}


PHASES = ("forward", "backward", "step", "zero_grad")


def _training_step(model: Any, loss_fn: Any, optimizer: Any, x: Any, labels: Any,
                   phases: bool = False) -> Callable[[], Any]:
    """The step as a user writes it, the same code on gradspec and on torch; with ``phases``
    it returns the seconds of each phase (forward with the loss read, backward, optimizer
    step, zero_grad)."""

    def step() -> float:
        loss = loss_fn(model(x), labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss.item()

    def phased() -> dict[str, float]:
        t0 = time.perf_counter()
        loss = loss_fn(model(x), labels)
        loss.item()
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        optimizer.step()
        t3 = time.perf_counter()
        optimizer.zero_grad()
        t4 = time.perf_counter()
        return {"forward": t1 - t0, "backward": t2 - t1, "step": t3 - t2, "zero_grad": t4 - t3}

    return phased if phases else step


def gradspec_step(data: dict[str, Any], phases: bool = False) -> Callable[[], Any]:
    import gradspec
    from gradspec import nn, optim

    torch = gradspec.load_backend("numpy")
    x, labels = torch.from_numpy(data["x"]), torch.from_numpy(data["labels"])
    sizes = _sizes(data)
    model = nn.Sequential(nn.Linear(sizes[0], sizes[1], backend=torch), nn.ReLU(),
                          nn.Linear(sizes[1], sizes[2], backend=torch))
    model.load_state_dict(_state(data))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=LR)

    return _training_step(model, loss_fn, optimizer, x, labels, phases)


def torch_step(data: dict[str, Any], phases: bool = False) -> Callable[[], Any]:
    import torch

    x, labels = torch.from_numpy(data["x"]), torch.from_numpy(data["labels"])
    sizes = _sizes(data)
    model = torch.nn.Sequential(torch.nn.Linear(sizes[0], sizes[1]), torch.nn.ReLU(),
                                torch.nn.Linear(sizes[1], sizes[2]))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in _state(data).items()})
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)

    return _training_step(model, loss_fn, optimizer, x, labels, phases)


def floor_step(data: dict[str, Any], phases: bool = False) -> Callable[[], Any]:
    """Forward, loss and backward by hand: d loss / d scores = (softmax - onehot) / batch.
    Its phases: forward (to the loss), backward (the gradients), step (the update)."""
    import numpy as np

    x, labels = data["x"], data["labels"]
    w0, b0, w1, b1 = (data[k].copy() for k in ("w0", "b0", "w1", "b1"))
    batch = x.shape[0]
    rows = np.arange(batch)
    lr = np.float32(LR)

    def step() -> Any:
        t0 = time.perf_counter()
        h = x @ w0.T
        h += b0
        a = np.maximum(h, 0)
        s = a @ w1.T
        s += b1
        shifted = s - s.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        loss = float((np.log(total[:, 0]) - shifted[rows, labels]).mean())
        t1 = time.perf_counter()
        ds = e / total
        ds[rows, labels] -= 1
        ds /= np.float32(batch)
        gw1, gb1 = ds.T @ a, ds.sum(axis=0)
        da = ds @ w1
        da *= h > 0
        gw0, gb0 = da.T @ x, da.sum(axis=0)
        t2 = time.perf_counter()
        for p, g in ((w0, gw0), (b0, gb0), (w1, gw1), (b1, gb1)):
            p -= g * lr
        if phases:
            t3 = time.perf_counter()
            return {"forward": t1 - t0, "backward": t2 - t1, "step": t3 - t2, "zero_grad": 0.0}
        return loss

    return step


STEPS = {"gradspec": gradspec_step, "torch": torch_step, "floor": floor_step}


def _functional_parts(data: dict[str, Any]) -> tuple[Any, Any, Any, list[Any]]:
    import gradspec

    torch = gradspec.load_backend("numpy")
    params = [torch.from_numpy(data[k].copy()).requires_grad_() for k in ("w0", "b0", "w1", "b1")]
    return torch, torch.from_numpy(data["x"]), torch.from_numpy(data["labels"]), params


def functional_step(data: dict[str, Any]) -> Callable[[], float]:
    """gradspec's step without the ``nn.Module`` layer: the same ops through
    ``torch.nn.functional``, the same ``optim.SGD`` (a diagnostic: the module layer's cost is
    `gradspec_step`'s minus this)."""
    from gradspec import optim

    torch, x, labels, (w0, b0, w1, b1) = _functional_parts(data)
    F = torch.nn.functional
    optimizer = optim.SGD([w0, b0, w1, b1], lr=LR)

    def step() -> float:
        loss = F.cross_entropy(F.linear(F.relu(F.linear(x, w0, b0)), w1, b1), labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss.item()

    return step


def no_optimizer_step(data: dict[str, Any]) -> Callable[[], float]:
    """`functional_step` with the update written out (``p.sub_(p.grad * lr)`` under
    ``no_grad``, then ``p.grad = None``) in place of ``optim.SGD`` (a diagnostic: what is left
    over the floor is the engine's own: its nodes, the backward walk and their array calls)."""
    torch, x, labels, params = _functional_parts(data)
    w0, b0, w1, b1 = params
    F = torch.nn.functional

    def step() -> float:
        loss = F.cross_entropy(F.linear(F.relu(F.linear(x, w0, b0)), w1, b1), labels)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p.sub_(p.grad * LR)
                p.grad = None
        return loss.item()

    return step


#: gradspec's step with a layer taken away, for `bench/instructions.py`'s breakdown of what the
#: step costs beyond the floor (not timed by `mlp`)
DIAGNOSTIC_STEPS = {"functional": functional_step, "no-optimizer": no_optimizer_step}


def worker(system: str, steps: int, phases: bool = False) -> dict[str, Any]:
    """Time ``steps`` steps of ``system`` in this process (after a warm-up); with ``phases``,
    the median of each phase as well."""
    step = STEPS[system](make_data(), phases)
    for _ in range(WARMUP):
        step()
    times, by_phase = [], {k: [] for k in PHASES}
    for _ in range(steps):
        t0 = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - t0)
        if phases:
            for k in PHASES:
                by_phase[k].append(result[k])
    out = {"system": system, "seconds_per_step": statistics.median(times)}
    if phases:
        out["phases"] = {k: statistics.median(v) for k, v in by_phase.items()}
    return out


WARMUP = 20


#: every library on one thread (numpy's BLAS, torch's OpenMP pool): the diagnostic run, where
#: no idle BLAS worker spins beside the Python that runs between the matrix products
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def mlp(rounds: int = 5, steps: int = 200, tick: Callable[[], None] | None = None,
        env: dict[str, str] | None = None) -> dict[str, float]:
    """Seconds per step by system: the median over rounds of each process's median step
    (``env``: variables added to the workers' environment, e.g. `ONE_THREAD`)."""
    runs = subprocess_rounds(Path(__file__).resolve(), _systems(), ["--steps", str(steps)],
                             rounds, tick, env=env)
    return {name: statistics.median(r["seconds_per_step"] for r in results)
            for name, results in runs.items()}


def mlp_phases(rounds: int = 3, steps: int = 200, tick: Callable[[], None] | None = None
               ) -> dict[str, dict[str, float]]:
    """Microseconds of each phase of a step, by system: the median over rounds of each
    process's median."""
    runs = subprocess_rounds(Path(__file__).resolve(), _systems(),
                             ["--steps", str(steps), "--phases"], rounds, tick)
    return {name: {k: statistics.median(r["phases"][k] for r in results) * 1e6 for k in PHASES}
            for name, results in runs.items()}


def _systems() -> list[str]:
    return [name for name in STEPS if name != "torch" or have_torch()] + list(ENGINE_SYSTEMS)


def _worker_main() -> None:
    p = argparse.ArgumentParser(description="time MLP steps of one system (internal)")
    p.add_argument("--worker", choices=sorted(STEPS), required=True)
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--phases", action="store_true", help="time each phase too")
    args = p.parse_args()
    print(json.dumps(worker(args.worker, args.steps, args.phases)))


if __name__ == "__main__":
    _worker_main()
