"""One training step of the ``cnn`` workload's model (two 3 x 3 convolution stages with ReLU
and 2 x 2 max pooling, a linear head; cross entropy; Adam), batch 32 of 16 x 16 images.

``gradspec`` (the workload's own model on the numpy backend), ``torch`` (the same layers from
torch.nn) and ``floor`` (hand-written numpy: im2col convolutions as in `conv`, the analytic
gradients, Adam written out) start from the workload's initial parameters; a step is forward,
loss, backward, update and zero_grad, and reads the loss as a Python float.  One process per
system (``python bench/cnn.py --worker SYSTEM``), in turn, round after round.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any, Callable

from common import have_torch, median_step_seconds, subprocess_rounds
from conv import col2im, im2col

STEPS_PER_WORKER = 40


def make_data(steps: int = STEPS_PER_WORKER) -> dict[str, Any]:
    from gradspec.workloads import cnn

    return cnn.make_data(iterations=steps)


def _state(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if "." in k}


def gradspec_step(data: dict[str, Any]) -> Callable[[], float]:
    import gradspec
    from gradspec import nn, optim
    from gradspec.workloads import cnn

    B = gradspec.load_backend("numpy")
    model = cnn.build_model(B, data)
    optimizer = optim.Adam(model.parameters(), lr=cnn.LR)
    loss_fn = nn.CrossEntropyLoss()
    x, y = B.from_numpy(data["x"]), B.from_numpy(data["y"])
    batches = iter(data["order"])

    def step() -> float:
        batch = B.from_numpy(next(batches))
        loss = loss_fn(model(x[batch]), y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def torch_step(data: dict[str, Any]) -> Callable[[], float]:
    import torch
    from gradspec.workloads import cnn

    nn = torch.nn
    model = nn.ModuleDict({"conv1": nn.Conv2d(1, 8, 3, padding=1),
                           "conv2": nn.Conv2d(8, 16, 3, padding=1), "head": nn.Linear(256, 4)})
    model.load_state_dict({k: torch.from_numpy(v) for k, v in _state(data).items()})
    optimizer = torch.optim.Adam(model.parameters(), lr=cnn.LR)
    pool, relu = nn.MaxPool2d(2), nn.ReLU()
    x, y = torch.from_numpy(data["x"]), torch.from_numpy(data["y"])
    batches = iter(data["order"])

    def step() -> float:
        batch = torch.from_numpy(next(batches))
        h = pool(relu(model["conv1"](x[batch])))
        h = pool(relu(model["conv2"](h)))
        loss = nn.functional.cross_entropy(model["head"](h.flatten(1)), y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def floor_step(data: dict[str, Any]) -> Callable[[], float]:
    """Forward, loss and backward by hand; Adam as torch.optim.Adam computes it."""
    import numpy as np
    from gradspec.workloads import cnn

    params = {k: v.copy() for k, v in _state(data).items()}
    moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in params.items()}
    beta1, beta2, eps, lr = 0.9, 0.999, 1e-8, cnn.LR
    x_all, y_all = data["x"], data["y"]
    batches = iter(data["order"])
    count = [0]

    def conv(x: Any, name: str) -> tuple[Any, Any]:
        padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        w = params[f"{name}.weight"]
        col = im2col(padded, 3, 3)
        y = np.tensordot(col, w, ((1, 2, 3), (1, 2, 3)))
        y += params[f"{name}.bias"]
        return np.ascontiguousarray(np.moveaxis(y, 3, 1)), col

    def conv_back(g: Any, col: Any, name: str, shape: tuple, grads: dict) -> Any:
        w = params[f"{name}.weight"]
        grads[f"{name}.weight"] = np.tensordot(g, col, ((0, 2, 3), (0, 4, 5)))
        grads[f"{name}.bias"] = g.sum(axis=(0, 2, 3))
        gcol = np.moveaxis(np.tensordot(w, g, (0, 1)), 3, 0)
        return col2im(gcol, shape[2] + 2, shape[3] + 2)[:, :, 1:-1, 1:-1]

    def pool(h: Any) -> tuple[Any, Any]:
        n, c, hh, ww = h.shape
        windows = h.reshape(n, c, hh // 2, 2, ww // 2, 2)
        out = windows.max(axis=(3, 5))
        return out, windows == out[:, :, :, None, :, None]

    def pool_back(g: Any, hits: Any) -> Any:
        # (the first maximum of each window: random data has no ties)
        n, c, oh, _, ow, _ = hits.shape
        return (hits * g[:, :, :, None, :, None]).reshape(n, c, 2 * oh, 2 * ow)

    def step() -> float:
        idx = next(batches)
        x, y = x_all[idx], y_all[idx]
        n = len(idx)
        h1, col1 = conv(x, "conv1")
        a1 = np.maximum(h1, 0)
        p1, hits1 = pool(a1)
        h2, col2 = conv(p1, "conv2")
        a2 = np.maximum(h2, 0)
        p2, hits2 = pool(a2)
        flat = p2.reshape(n, -1)
        s = flat @ params["head.weight"].T + params["head.bias"]
        shifted = s - s.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        loss = (np.log(total[:, 0]) - shifted[np.arange(n), y]).mean()
        ds = e / total
        ds[np.arange(n), y] -= 1
        ds /= np.float32(n)
        grads: dict[str, Any] = {"head.weight": ds.T @ flat, "head.bias": ds.sum(axis=0)}
        dp2 = (ds @ params["head.weight"]).reshape(p2.shape)
        dh2 = pool_back(dp2, hits2) * (h2 > 0)
        dp1 = conv_back(dh2, col2, "conv2", p1.shape, grads)
        dh1 = pool_back(dp1, hits1) * (h1 > 0)
        conv_back(dh1, col1, "conv1", x.shape, grads)
        count[0] += 1
        t = count[0]
        for k, p in params.items():
            m, v = moments[k]
            g = grads[k]
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            denom = np.sqrt(v) / np.sqrt(1 - beta2 ** t) + eps
            p -= (lr / (1 - beta1 ** t)) * m / denom
        return float(loss)

    return step


STEPS = {"gradspec": gradspec_step, "torch": torch_step, "floor": floor_step}
WARMUP = 5


def worker(system: str, steps: int) -> dict[str, Any]:
    """Median seconds per step of ``system`` over ``steps`` steps after a warm-up."""
    step = STEPS[system](make_data(WARMUP + steps))
    return {"system": system, "seconds_per_step": median_step_seconds(step, steps, WARMUP)}


def cnn_step(rounds: int = 3, steps: int = STEPS_PER_WORKER,
             tick: Callable[[], None] | None = None) -> dict[str, float]:
    """Seconds per step by system: the median over rounds of each process's median step."""
    systems = [name for name in STEPS if name != "torch" or have_torch()]
    runs = subprocess_rounds(Path(__file__).resolve(), systems, ["--steps", str(steps)], rounds,
                             tick)
    return {name: statistics.median(r["seconds_per_step"] for r in results)
            for name, results in runs.items()}


def _worker_main() -> None:
    p = argparse.ArgumentParser(description="time CNN training steps of one system (internal)")
    p.add_argument("--worker", choices=sorted(STEPS), required=True)
    p.add_argument("--steps", type=int, default=STEPS_PER_WORKER)
    args = p.parse_args()
    print(json.dumps(worker(args.worker, args.steps)))


if __name__ == "__main__":
    _worker_main()
