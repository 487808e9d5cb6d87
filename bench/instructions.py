"""Instructions per unit of work, counted by callgrind: figures that do not depend on the load.

    python bench/instructions.py                      # per-op chain, seeds' iteration, MLP step
    python bench/instructions.py --only chain,seeds   # some of them
    python bench/instructions.py --only mlp,mlp-functional,mlp-no-optimizer,mlp-floor
                                        # the MLP step's excess over the floor, layer by layer
    python bench/instructions.py --only mlp-tiny,mlp-tiny-floor
                                        # the same step at sizes 8-4-2: its fixed cost
    GRADSPEC_PURE=1 python bench/instructions.py      # the pure-Python core

Wall-clock ratios on a shared machine move by tens of percent between runs (torch's OpenMP
threads suffer most); an instruction count does not, so decisions about the engine's hot path
are made on these and reported in wall-clock from `bench/run.py`.  Each workload runs in a
worker process under ``valgrind --tool=callgrind``; the worker warms the workload up, then
runs the measured units inside ``itertools.starmap`` and callgrind counts only there
(``--toggle-collect=starmap_next``, which nothing else on these paths calls), with the garbage
collector off (as `common.round_robin` times) and one BLAS thread (a waiting BLAS thread spins,
and its instructions are noise).  Needs valgrind (``apt-get install valgrind``).
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

BENCH_DIR = Path(__file__).resolve().parent

#: name -> (what one unit is, units counted, warm-up units)
WORKLOADS = {
    "chain": ("op of the per-op chain (1,000 add/mul on a 1-element float32)", 2, 2),
    "seeds": ("iteration of the seeds' logistic regression (200x2)", 40, 20),
    "mlp": ("MLP step (784-256-10, batch 128)", 4, 5),
    "mlp-functional": ("MLP step through torch.nn.functional (no nn.Module)", 4, 5),
    "mlp-no-optimizer": ("MLP step through torch.nn.functional, update written out", 4, 5),
    "mlp-floor": ("MLP step of the hand-written numpy floor", 4, 5),
    "mlp-tiny": ("MLP step at sizes 8-4-2, batch 4 (its arrays cost next to nothing: what is "
                 "left is the per-step machinery)", 200, 50),
    "mlp-tiny-floor": ("MLP step of the floor at sizes 8-4-2, batch 4", 200, 50),
}
#: the sizes and batch of the -tiny MLP workloads
TINY = ((8, 4, 2), 4)
#: what each MLP workload adds to the next one down: the breakdown `main` prints
LAYERS = (("mlp", "mlp-functional", "the nn.Module layer (module calls, parameter reads)"),
          ("mlp-functional", "mlp-no-optimizer", "optim.SGD's step and zero_grad"),
          ("mlp-no-optimizer", "mlp-floor",
           "the engine: its nodes, the backward walk and their array calls"))
OPS_PER_CHAIN = 1000


def workload(name: str) -> Callable[[], Any]:
    """One unit of workload ``name`` (gradspec's numpy backend, or the MLP's floor)."""
    sys.path.insert(0, str(BENCH_DIR))
    if name == "chain":
        import chain
        import gradspec

        backend = gradspec.load_backend("numpy")
        return lambda: chain.chain(
            backend.tensor([1.0], dtype=backend.float32, requires_grad=True), OPS_PER_CHAIN)
    if name == "seeds":
        import logreg
        from gradspec.workloads.logreg import make_data

        data = make_data()
        return logreg.gradspec_trainer(data["x"], data["y"], data["weight"], data["bias"])
    import mlp

    steps = {"mlp": mlp.gradspec_step, "mlp-floor": mlp.floor_step,
             **{f"mlp-{k}": v for k, v in mlp.DIAGNOSTIC_STEPS.items()}}
    if name.startswith("mlp-tiny"):
        sizes, batch = TINY
        return steps["mlp" + name[len("mlp-tiny"):]](mlp.make_data(sizes=sizes, batch=batch))
    return steps[name](mlp.make_data())


def _worker(name: str) -> None:
    """Run inside callgrind: warm up, then the counted units."""
    _, units, warmup = WORKLOADS[name]
    step = workload(name)
    for _ in range(warmup):
        step()
    gc.collect()
    gc.disable()
    for _ in itertools.starmap(step, itertools.repeat((), units)):
        pass


def count(name: str) -> float:
    """Instructions per unit of workload ``name`` (an op for the chain)."""
    _, units, _ = WORKLOADS[name]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no",
               "--toggle-collect=starmap_next", f"--callgrind-out-file={out}",
               sys.executable, str(Path(__file__).resolve()), "--worker", name]
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if done.returncode != 0 or not out.exists():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"callgrind on {name} failed: {last}")
        total = re.search(r"^(?:summary|totals):\s*(\d+)", out.read_text(), re.M)
        assert total is not None, "callgrind wrote no total"
    per = int(total.group(1)) / units
    return per / OPS_PER_CHAIN if name == "chain" else per


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                epilog="Workloads: " + "; ".join(
                                    f"{k}: per {v[0]}" for k, v in WORKLOADS.items()),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", metavar="A,B", help="these workloads only (default: all)")
    p.add_argument("--worker", choices=sorted(WORKLOADS), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        _worker(args.worker)
        return 0
    names = args.only.split(",") if args.only else list(WORKLOADS)
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        p.error(f"unknown workload {unknown[0]!r}; choose from {', '.join(WORKLOADS)}")
    from common import engine_core

    print(f"engine core: {engine_core()['core']}", flush=True)
    counts = {}
    for i, name in enumerate(names, 1):
        counts[name] = count(name)
        print(f"[{i}/{len(names)}] {name}: {counts[name]:,.0f} instructions per "
              f"{WORKLOADS[name][0]}", flush=True)
    for line in breakdown(counts):
        print(line)
    return 0


def breakdown(counts: dict[str, float]) -> list[str]:
    """Where the MLP step's instructions beyond the floor's go, layer by layer (lines to print;
    none unless every MLP workload was counted)."""
    if not all(name in counts for pair in LAYERS for name in pair[:2]):
        return []
    excess = counts["mlp"] - counts["mlp-floor"]
    lines = [f"MLP step beyond the floor: {excess:,.0f} instructions "
             f"({counts['mlp'] / counts['mlp-floor']:.3f}x), of which"]
    for upper, lower, what in LAYERS:
        part = counts[upper] - counts[lower]
        share = f"{part / excess:.0%}" if excess > 0 else "n/a"
        lines.append(f"  {part:>10,.0f}  {share:>4}  {what}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
