"""Per-op overhead: a chain of one-element ops, forward with graph + backward, per system.

Systems run round-robin in one process and the median of the repeats is reported, so the
ratios are comparable even on a noisy machine.  Usage: python bench/chain.py [--ops N]
"""

from __future__ import annotations

import argparse
import statistics
import time


def chain_gradspec(b, n: int) -> None:
    x = b.tensor([1.0], requires_grad=True)
    y = x
    for i in range(n // 2):
        y = y + 1.0
        y = y * 1.0001
    y.backward()


def chain_torch(torch, n: int) -> None:
    x = torch.tensor([1.0], requires_grad=True)
    y = x
    for i in range(n // 2):
        y = y + 1.0
        y = y * 1.0001
    y.backward()


def chain_numpy(np, n: int) -> None:
    # the floor: the same arithmetic and its derivative by hand, no autograd
    x = np.array([1.0], dtype=np.float32)
    y = x
    for i in range(n // 2):
        y = y + 1.0
        y = y * np.float32(1.0001)
    g = np.ones(1, dtype=np.float32)
    for i in range(n // 2):
        g = g * np.float32(1.0001)
        g = g * 1


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ops", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=30)
    args = p.parse_args()
    import numpy as np

    import gradspec

    systems = {"gradspec-numpy": lambda: chain_gradspec(gradspec.load_backend("numpy"), args.ops),
               "numpy-by-hand": lambda: chain_numpy(np, args.ops)}
    try:
        import torch

        torch.set_num_threads(1)
        systems["torch"] = lambda: chain_torch(torch, args.ops)
    except ImportError:
        pass
    times: dict[str, list[float]] = {k: [] for k in systems}
    for _ in range(args.repeats):
        for name, fn in systems.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    ref = statistics.median(times["torch"]) if "torch" in times else None
    for name, ts in times.items():
        med = statistics.median(ts)
        ratio = f"{med / ref:5.2f}x torch" if ref else ""
        print(f"{name:16s} {med * 1e6 / args.ops:7.2f} us/op  {ratio}")


if __name__ == "__main__":
    main()
