"""One training step of the ``transformer`` workload's model (token and position embeddings,
a pre-norm block of layer norm, 4-head attention and an MLP, a linear head; cross entropy over
every position; Adam), batch 32 of 8-token sequences.

``gradspec`` (the workload's model on the numpy backend) and ``torch`` (the same layers from
torch.nn, the same state dict) take the same batches; a step is forward, loss, backward,
update and zero_grad, and reads the loss as a Python float.  No hand-written floor: attention,
layer norm and Adam by hand would be most of an autograd engine's worth of formulas for one
figure.  One process per system (``python bench/transformer.py --worker SYSTEM``).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any, Callable

from common import have_torch, median_step_seconds, subprocess_rounds

STEPS_PER_WORKER = 40


def make_data(steps: int = STEPS_PER_WORKER) -> dict[str, Any]:
    from gradspec.workloads import transformer

    return transformer.make_data(iterations=steps)


def gradspec_step(data: dict[str, Any]) -> Callable[[], float]:
    import gradspec
    from gradspec import optim
    from gradspec.workloads import transformer as tf

    B = gradspec.load_backend("numpy")
    model = tf.build_model(B, data)
    optimizer = optim.Adam(model.parameters(), lr=tf.LR)
    batches = iter(data["tokens"])

    def step() -> float:
        batch = next(batches)
        loss = tf._loss(model(B.from_numpy(batch)), B.from_numpy(tf.reverse(batch)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def torch_step(data: dict[str, Any]) -> Callable[[], float]:
    import torch
    from gradspec.workloads import transformer as tf

    nn = torch.nn
    w = tf.WIDTH
    model = nn.ModuleDict({
        "tok": nn.Embedding(tf.VOCAB, w), "pos": nn.Embedding(tf.LENGTH, w),
        "ln1": nn.LayerNorm(w), "attn": nn.MultiheadAttention(w, tf.HEADS, batch_first=True),
        "ln2": nn.LayerNorm(w),
        "mlp": nn.Sequential(nn.Linear(w, tf.HIDDEN), nn.ReLU(), nn.Linear(tf.HIDDEN, w)),
        "ln_f": nn.LayerNorm(w), "head": nn.Linear(w, tf.VOCAB)})
    model.load_state_dict({k: torch.from_numpy(v) for k, v in data.items() if "." in k})
    optimizer = torch.optim.Adam(model.parameters(), lr=tf.LR)
    positions = torch.arange(tf.LENGTH)
    batches = iter(data["tokens"])

    def step() -> float:
        batch = next(batches)
        h = model["tok"](torch.from_numpy(batch)) + model["pos"](positions)
        a = model["ln1"](h)
        h = h + model["attn"](a, a, a, need_weights=False)[0]
        h = h + model["mlp"](model["ln2"](h))
        logits = model["head"](model["ln_f"](h))
        loss = nn.functional.cross_entropy(logits.reshape(-1, tf.VOCAB),
                                           torch.from_numpy(tf.reverse(batch)).reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


STEPS = {"gradspec": gradspec_step, "torch": torch_step}
WARMUP = 5


def worker(system: str, steps: int) -> dict[str, Any]:
    """Median seconds per step of ``system`` over ``steps`` steps after a warm-up."""
    step = STEPS[system](make_data(WARMUP + steps))
    return {"system": system, "seconds_per_step": median_step_seconds(step, steps, WARMUP)}


def transformer_step(rounds: int = 3, steps: int = STEPS_PER_WORKER,
                     tick: Callable[[], None] | None = None) -> dict[str, float]:
    """Seconds per step by system: the median over rounds of each process's median step."""
    systems = [name for name in STEPS if name != "torch" or have_torch()]
    runs = subprocess_rounds(Path(__file__).resolve(), systems, ["--steps", str(steps)], rounds,
                             tick)
    return {name: statistics.median(r["seconds_per_step"] for r in results)
            for name, results in runs.items()}


def _worker_main() -> None:
    p = argparse.ArgumentParser(description="time transformer steps of one system (internal)")
    p.add_argument("--worker", choices=sorted(STEPS), required=True)
    p.add_argument("--steps", type=int, default=STEPS_PER_WORKER)
    args = p.parse_args()
    print(json.dumps(worker(args.worker, args.steps)))


if __name__ == "__main__":
    _worker_main()
