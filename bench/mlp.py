"""One training step of an MLP 784-256-10 (ReLU, cross-entropy, SGD), batch 128, float32.

``gradspec`` (``gradspec.nn`` on the numpy backend), ``torch`` (``torch.nn``) and ``floor``
(hand-written numpy with the analytic gradients) start from the same parameters and data; a
step is forward, loss, backward, update and zero_grad, and reads the loss as a Python float.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from common import have_torch, round_robin

SIZES = (784, 256, 10)
BATCH = 128
LR = 0.01


def make_data(seed: int = 0) -> dict[str, Any]:
    import numpy as np

    rng = np.random.default_rng(seed)
    data = {"x": rng.standard_normal((BATCH, SIZES[0]), dtype=np.float32),
            "labels": rng.integers(0, SIZES[-1], BATCH)}
    for i, (n_in, n_out) in enumerate(zip(SIZES, SIZES[1:])):
        bound = 1 / math.sqrt(n_in)
        data[f"w{i}"] = rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32)
        data[f"b{i}"] = rng.uniform(-bound, bound, (n_out,)).astype(np.float32)
    return data


def _state(data: dict[str, Any]) -> dict[str, Any]:
    return {"0.weight": data["w0"], "0.bias": data["b0"], "2.weight": data["w1"],
            "2.bias": data["b1"]}


def gradspec_step(data: dict[str, Any]) -> Callable[[], float]:
    import gradspec
    from gradspec import nn, optim

    torch = gradspec.load_backend("numpy")
    x, labels = torch.from_numpy(data["x"]), torch.from_numpy(data["labels"])
    model = nn.Sequential(nn.Linear(SIZES[0], SIZES[1], backend=torch), nn.ReLU(),
                          nn.Linear(SIZES[1], SIZES[2], backend=torch))
    model.load_state_dict(_state(data))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=LR)

    def step() -> float:
        loss = loss_fn(model(x), labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss.item()

    return step


def torch_step(data: dict[str, Any]) -> Callable[[], float]:
    import torch

    x, labels = torch.from_numpy(data["x"]), torch.from_numpy(data["labels"])
    model = torch.nn.Sequential(torch.nn.Linear(SIZES[0], SIZES[1]), torch.nn.ReLU(),
                                torch.nn.Linear(SIZES[1], SIZES[2]))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in _state(data).items()})
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)

    def step() -> float:
        loss = loss_fn(model(x), labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss.item()

    return step


def floor_step(data: dict[str, Any]) -> Callable[[], float]:
    """Forward, loss and backward by hand: d loss / d scores = (softmax - onehot) / batch."""
    import numpy as np

    x, labels = data["x"], data["labels"]
    w0, b0, w1, b1 = (data[k].copy() for k in ("w0", "b0", "w1", "b1"))
    rows = np.arange(BATCH)
    lr = np.float32(LR)

    def step() -> float:
        h = x @ w0.T
        h += b0
        a = np.maximum(h, 0)
        s = a @ w1.T
        s += b1
        shifted = s - s.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        loss = (np.log(total[:, 0]) - shifted[rows, labels]).mean()
        ds = e / total
        ds[rows, labels] -= 1
        ds /= np.float32(BATCH)
        gw1, gb1 = ds.T @ a, ds.sum(axis=0)
        da = ds @ w1
        da *= h > 0
        gw0, gb0 = da.T @ x, da.sum(axis=0)
        for p, g in ((w0, gw0), (b0, gb0), (w1, gw1), (b1, gb1)):
            p -= g * lr
        return float(loss)

    return step


STEPS = {"gradspec": gradspec_step, "torch": torch_step, "floor": floor_step}


def mlp(repeats: int = 30, steps: int = 10, tick: Callable[[], None] | None = None
        ) -> dict[str, float]:
    """Seconds per step by system: median of repeats of ``steps`` steps, round-robin."""
    data = make_data()
    systems = {}
    for name, make in STEPS.items():
        if name == "torch" and not have_torch():
            continue
        step = make(data)

        def run(step: Callable[[], float] = step) -> None:
            for _ in range(steps):
                step()

        systems[name] = run
    medians = round_robin(systems, repeats, warmup=2, tick=tick)
    return {name: seconds / steps for name, seconds in medians.items()}
