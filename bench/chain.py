"""Per-op overhead: chains of one-element float32 ops, forward with graph, then backward.

``per_op``: 1,000 ops (add and mul by a Python number, alternating), gradspec's numpy backend
vs torch vs the same arithmetic as a plain numpy loop with its derivative by hand (the floor:
what the ops cost without any autograd).  ``long_chain``: 10,000 and 100,000 ops, backward
time per op for each, to show the walk is linear in the graph's size.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from common import have_torch, remote_systems, run_remote

FACTOR = 1.0001


def chain(t: Any, n: int) -> dict[str, float]:
    """``n`` ops on ``t`` (a torch-like one-element tensor that requires grad), then backward."""
    t0 = time.perf_counter()
    y = t
    for _ in range(n // 2):
        y = y + 1.0
        y = y * FACTOR
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    return {"forward": t1 - t0, "backward": t2 - t1, "total": t2 - t0}


def chain_numpy(np: Any, n: int) -> dict[str, float]:
    """The same forward on a numpy array, and its derivative by the chain rule, by hand."""
    factor = np.float32(FACTOR)
    t0 = time.perf_counter()
    y = np.ones(1, dtype=np.float32)
    for _ in range(n // 2):
        y = y + np.float32(1.0)
        y = y * factor
    t1 = time.perf_counter()
    g = np.ones(1, dtype=np.float32)
    for _ in range(n // 2):
        g = g * factor  # d(y * c)/dy
        g = g * np.float32(1.0)  # d(y + 1)/dy, multiplied in as the engine's walk would
    t2 = time.perf_counter()
    return {"forward": t1 - t0, "backward": t2 - t1, "total": t2 - t0}


def _leaf(backend: Any) -> Callable[[], Any]:
    return lambda: backend.tensor([1.0], dtype=backend.float32, requires_grad=True)


def system(name: str, n: int) -> Callable[[], dict[str, float]]:
    """A chain of ``n`` ops on system ``name`` (gradspec's numpy backend, torch, or the numpy
    floor), then its backward: what a `common.Remote` worker runs, one call per repeat."""
    if name == "gradspec":
        import gradspec

        leaf = _leaf(gradspec.load_backend("numpy"))
        return lambda: chain(leaf(), n)
    if name == "torch":
        import torch

        return lambda: chain(torch.ones(1, requires_grad=True), n)
    import numpy as np

    return lambda: chain_numpy(np, n)


def _names(floor: bool = True) -> list[str]:
    return ["gradspec"] + (["torch"] if have_torch() else []) + (["floor"] if floor else [])


def per_op(ops: int = 1000, repeats: int = 50, tick: Callable[[], None] | None = None
           ) -> dict[str, dict[str, float]]:
    """Microseconds per op by system and phase (forward, backward, total)."""
    medians = run_remote(remote_systems("chain", "system", _names(), [ops]), repeats, 3, tick)
    return {name: {k: v * 1e6 / ops for k, v in phases.items()} for name, phases in medians.items()}


def long_chain(sizes: tuple[int, ...] = (10_000, 100_000), repeats: int = 5,
               tick: Callable[[], None] | None = None) -> dict[int, dict[str, dict[str, float]]]:
    """Per size: microseconds per op by system and phase (gradspec and torch)."""
    out = {}
    for n in sizes:
        medians = run_remote(remote_systems("chain", "system", _names(floor=False), [n]),
                             repeats, 1, tick)
        out[n] = {name: {k: v * 1e6 / n for k, v in phases.items()}
                  for name, phases in medians.items()}
    return out
