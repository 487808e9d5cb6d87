"""Run gradspec's benchmarks against torch and the hand-written numpy floor; print the table.

    python bench/run.py                          # everything (a few minutes), a Markdown table
    python bench/run.py --json docs/data/bench/latest.json   # also the report the docs render
    python bench/run.py --only per-op,mlp --quick
    python bench/run.py --phases                 # also forward/backward/step/zero_grad times
    python bench/run.py --baseline 9741a69       # also the engine of that commit, beside
    python bench/run.py --baseline-python ../old/venv/bin/python   # another installed build

Every figure is a median of repeats with the systems run round-robin (small benchmarks, one
process; gradspec's other engine systems in worker processes driven in the same rounds) or one
subprocess per system and run (large data); ratios compare figures of the same run.  When this
process runs the compiled engine core, ``pure`` is the same engine as pure Python, measured
beside it; ``--baseline REV`` adds the engine of another commit (pure Python), and
``--baseline-python PY`` the gradspec another interpreter has installed (a compiled build of
another commit, for a compiled before/after in one run).  See
bench/RESULTS.md for the latest figures and what they mean.
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

import chain  # noqa: E402
import common  # noqa: E402
import logreg  # noqa: E402
import mlp  # noqa: E402
import nn_benchmarks  # noqa: E402  (conv2d, cnn, transformer)
import op_mix  # noqa: E402
import peers  # noqa: E402
import scaleout  # noqa: E402

BENCHMARKS = ("per-op", "op-mix", "seeds-logreg", "big-logreg", "mlp", "long-chain",
              *nn_benchmarks.BENCHMARKS, "scale-out", "peers")
#: gradspec's engine systems beside the figures of this process's core (bench/common.py)
ENGINE_COLUMNS = ("pure", "baseline")
BIG_SIZES = ((100_000, 100), (1_000_000, 32))


class Plan:
    """Repeats per benchmark (``quick`` cuts them for a smoke run)."""

    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.chain_repeats = 15 if quick else 60
        self.mix_repeats = 4 if quick else 15
        self.seeds_repeats = 3 if quick else 9
        self.big_rounds = 1 if quick else 3
        self.big_iterations = 10 if quick else 50
        self.mlp_rounds = 2 if quick else 5
        self.long_repeats = 2 if quick else 5

        self.phase_repeats = 2 if quick else 5
        self.phase_rounds = 1 if quick else 3

    def ticks(self, name: str) -> int:
        if name in nn_benchmarks.BENCHMARKS:
            return nn_benchmarks.BENCHMARKS[name].ticks(self.quick)
        systems = (3 if common.have_torch() else 2) + len(common.ENGINE_SYSTEMS)
        return {"per-op": self.chain_repeats + 3, "op-mix": self.mix_repeats + 2,
                "seeds-logreg": self.seeds_repeats + 1,
                "big-logreg": (len(BIG_SIZES) + common.glibc()) * self.big_rounds * systems,
                "mlp": 2 * self.mlp_rounds * systems, "long-chain": 2 * (self.long_repeats + 1),
                "phases": self.phase_repeats + 1 + self.phase_rounds * systems,
                "scale-out": scaleout.ticks(3 * self.big_rounds),
                "peers": peers.ticks(self.quick)}[name]


def _row(benchmark: str, metric: str, figures: dict[str, Any], digits: int,
         versus: str | None = None, target: float | None = None) -> dict[str, Any]:
    """One line of the table: the figure of each system, gradspec's ratio to ``versus`` and,
    when there is a target, whether the ratio is within it."""
    row: dict[str, Any] = {"benchmark": benchmark, "metric": metric}
    for name in ("gradspec", *ENGINE_COLUMNS, "torch", "floor"):
        value = figures.get(name)
        row[name] = None if value is None else round(value, digits)
    ratio = None
    for name in ("gradspec", *ENGINE_COLUMNS):
        key = "ratio" if name == "gradspec" else f"{name} ratio"
        value = None
        if versus is not None and figures.get(versus) and figures.get(name) is not None:
            value = figures[name] / figures[versus]
        row[key] = None if value is None else f"{value:.2f}x {versus}"
        if name == "gradspec":
            ratio = value
    row["target"] = None if target is None else f"<= {target:g}x {versus}"
    row["met"] = None if target is None or ratio is None else ("yes" if ratio <= target else "NO")
    return row


def run_per_op(plan: Plan, tick: Callable[[], None]) -> list[dict[str, Any]]:
    res = chain.per_op(1000, plan.chain_repeats, tick)
    name = "per-op: chain of 1,000 add/mul, 1-element float32"
    return [_row(name, f"{phase} (us/op)", {k: v[phase] for k, v in res.items()}, 3, "torch",
                 0.5 if phase == "total" else None)
            for phase in ("forward", "backward", "total")]


def run_op_mix(plan: Plan, tick: Callable[[], None]) -> list[dict[str, Any]]:
    """The ops of ordinary programs on a small tensor, by group (a diagnostic: no target)."""
    res = op_mix.per_group(plan.mix_repeats, tick)
    name = "per-op: common ops on an 8x16 float32 tensor that requires grad"
    return [_row(name, f"{group} (us/call)", {k: v[group] for k, v in res.items()}, 2, "torch")
            for group in op_mix.GROUPS]


def run_seeds(plan: Plan, tick: Callable[[], None]) -> list[dict[str, Any]]:
    res = logreg.seeds(1000, plan.seeds_repeats, tick)
    return [_row("seeds' logistic regression, 200x2, 1,000 iterations", "seconds per run", res,
                 4, "torch", 0.45)]


def run_big(plan: Plan, tick: Callable[[], None], folder: Path) -> list[dict[str, Any]]:
    rows = []
    for n, d in BIG_SIZES:
        res = logreg.big(n, d, folder, plan.big_iterations, plan.big_rounds, tick)
        name = f"logistic regression {n:,}x{d}, {plan.big_iterations} iterations"
        target = (n, d) == (1_000_000, 32)
        rows.append(_row(name, "ms per iteration",
                         {k: v["seconds_per_iteration"] * 1e3 for k, v in res.items()}, 2,
                         "floor", 1.1 if target else None))
        exact = all(v["peak_exact"] for v in res.values())
        metric = "peak MiB above the data" + ("" if exact else " (peak not resettable: upper bound)")
        rows.append(_row(name, metric, {k: v["extra_peak_mib"] for k, v in res.items()}, 1,
                         "floor", 1.5 if target else None))
        rows.append(_row(name, "page faults per iteration",
                         {k: v["faults_per_iteration"] for k, v in res.items()}, 0))
    if common.glibc():  # the same, with freed memory kept for reuse: the arithmetic alone
        n, d = BIG_SIZES[-1]
        res = logreg.big(n, d, folder, plan.big_iterations, plan.big_rounds, tick,
                         env=common.KEEP_FREED_MEMORY)
        rows.append(_row(f"logistic regression {n:,}x{d}, glibc keeping freed memory "
                         "(diagnostic)", "ms per iteration",
                         {k: v["seconds_per_iteration"] * 1e3 for k, v in res.items()}, 2,
                         "floor"))
    return rows


def run_mlp(plan: Plan, tick: Callable[[], None]) -> list[dict[str, Any]]:
    name = "MLP step 784-256-10, ReLU, cross-entropy, batch 128"
    res = mlp.mlp(plan.mlp_rounds, 200, tick)
    rows = [_row(name, "ms per step", {k: v * 1e3 for k, v in res.items()}, 3, "floor", 1.08)]
    # the same, each library on one thread: what the step costs without BLAS workers
    # spinning on the second core while Python runs between the matrix products
    res = mlp.mlp(plan.mlp_rounds, 200, tick, env=mlp.ONE_THREAD)
    rows.append(_row(f"{name}, one thread per library (diagnostic)", "ms per step",
                     {k: v * 1e3 for k, v in res.items()}, 3, "floor"))
    return rows


def run_long(plan: Plan, tick: Callable[[], None]) -> list[dict[str, Any]]:
    res = chain.long_chain((10_000, 100_000), plan.long_repeats, tick)
    rows = []
    for n, by_system in res.items():
        rows.append(_row(f"long chain, {n:,} ops", "backward (us/op)",
                         {k: v["backward"] for k, v in by_system.items()}, 3, "torch"))
    growth = {k: res[100_000][k]["backward"] / res[10_000][k]["backward"] for k in res[10_000]}
    row = _row("long chain, 100,000 vs 10,000 ops", "backward per op, 100k / 10k", growth, 2)
    row["target"] = "<= 1.5 (linear)"
    row["met"] = "yes" if growth["gradspec"] <= 1.5 else "NO"
    rows.append(row)
    return rows


def run_phases(plan: Plan, tick: Callable[[], None]) -> list[dict[str, Any]]:
    """Where a step's time goes: forward (with the loss), backward, optimizer step, zero_grad."""
    rows = []
    seeds = logreg.seeds_phases(1000, plan.phase_repeats, tick)
    for phase in logreg.PHASES:
        rows.append(_row("phases: seeds' logistic regression", f"{phase} (us/iteration)",
                         {k: v[phase] for k, v in seeds.items()}, 2, "torch"))
    steps = mlp.mlp_phases(plan.phase_rounds, 200, tick)
    for phase in mlp.PHASES:
        rows.append(_row("phases: MLP step", f"{phase} (us/step)",
                         {k: v[phase] for k, v in steps.items()}, 1, "floor"))
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    keys = ["benchmark", "metric", "gradspec", *ENGINE_COLUMNS, "torch", "floor",
            *[k for k in ("mygrad", "paddle", "autograd") if any(k in row for row in rows)],
            "ratio", *(f"{c} ratio" for c in ENGINE_COLUMNS), "target", "met"]
    keys = [k for k in keys if k in ("benchmark", "metric", "gradspec", "ratio", "target", "met")
            or any(row.get(k) is not None for row in rows)]
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for row in rows:
        cells = ["" if row.get(k) is None else str(row[k]) for k in keys]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python bench/run.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--json", metavar="PATH", type=Path,
                        help="also write the report as JSON (docs/data/bench/*.json is rendered "
                             "by docs/gen.py)")
    parser.add_argument("--only", metavar="A,B", default="",
                        help=f"run only these benchmarks: {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats (a smoke run; its figures are noisier)")
    parser.add_argument("--data-dir", metavar="DIR", type=Path,
                        help="where the large-data benchmark writes its data (default: a "
                             "temporary folder, removed afterwards)")
    parser.add_argument("--phases", action="store_true",
                        help="also time each phase (forward, backward, optimizer step, "
                             "zero_grad) of the seeds' logistic regression and the MLP step")
    parser.add_argument("--baseline", metavar="REV",
                        help="also run the engine of git revision REV (as pure Python) beside, "
                             "in the same rounds: a before/after comparison from one run")
    parser.add_argument("--baseline-python", metavar="PY",
                        help="the baseline is the gradspec this interpreter has installed (e.g. "
                             "the python of a virtual environment holding a compiled build of "
                             "another commit) instead of --baseline's pure tree")
    args = parser.parse_args(argv)
    if args.baseline and args.baseline_python:
        print("bench/run.py: give --baseline or --baseline-python, not both", file=sys.stderr)
        return 2
    chosen = [b for b in args.only.split(",") if b] or list(BENCHMARKS)
    unknown = [b for b in chosen if b not in BENCHMARKS]
    if unknown:
        print(f"bench/run.py: unknown benchmark(s) {', '.join(unknown)}; choose from "
              f"{', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    if args.json is not None and not args.json.parent.is_dir():
        print(f"bench/run.py: the folder of --json {args.json} does not exist; create it first",
              file=sys.stderr)
        return 2
    if args.phases:
        chosen.append("phases")
    plan = Plan(args.quick)
    with tempfile.TemporaryDirectory(prefix="gradspec-baseline-") as tmp:
        try:
            baseline, described = None, ""
            if args.baseline:
                baseline = common.baseline_tree(args.baseline, Path(tmp))
                described = f"the engine of {args.baseline}, as pure Python"
            elif args.baseline_python:
                other = common.interpreter_build(args.baseline_python)
                described = (f"the gradspec of {args.baseline_python} ({other['core']} core, "
                             f"{other['file']})")
            common.add_engine_systems(baseline, args.baseline_python)
            rows = _run_all(chosen, plan, args.data_dir)
        except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
            print(f"bench/run.py: {str(exc).splitlines()[0]}", file=sys.stderr)
            return 2
    report = {
        "title": "gradspec numpy backend vs torch vs hand-written numpy",
        "date": datetime.date.today().isoformat(),
        "command": " ".join(["python bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
        **common.commit(args.json),
        "build": common.engine_core(),
        "systems": {"gradspec": f"this process's engine core ({common.engine_core()['core']})",
                    **({"pure": "the same engine as pure Python (GRADSPEC_PURE=1)"}
                       if "pure" in common.ENGINE_SYSTEMS else {}),
                    **({"baseline": described} if described else {})},
        "machine": common.machine(),
        "threads": common.threads(),
        "results": rows,
    }
    print(markdown(rows))
    print()
    print(f"commit: {report['commit']}{' (with uncommitted changes)' if report['dirty'] else ''}; "
          f"engine core: {report['build']['core']} ({report['build']['reason']})")
    print("machine: " + ", ".join(f"{k} {v}" for k, v in report["machine"].items()))
    print("threads: " + ", ".join(f"{k} {v}" for k, v in report["threads"].items()))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


def _run_all(chosen: list[str], plan: Plan, data_dir: Path | None) -> list[dict[str, Any]]:
    import click

    rows: list[dict[str, Any]] = []
    total = sum(plan.ticks(name) for name in chosen)
    with click.progressbar(length=total, label="benchmarks", file=sys.stderr) as bar:
        tick = lambda: bar.update(1)  # noqa: E731
        for name in chosen:
            bar.label = name
            if name == "per-op":
                rows += run_per_op(plan, tick)
            elif name == "op-mix":
                rows += run_op_mix(plan, tick)
            elif name == "seeds-logreg":
                rows += run_seeds(plan, tick)
            elif name == "big-logreg":
                if data_dir is not None:
                    rows += run_big(plan, tick, data_dir)
                else:
                    with tempfile.TemporaryDirectory(prefix="gradspec-bench-") as tmp:
                        rows += run_big(plan, tick, Path(tmp))
            elif name == "mlp":
                rows += run_mlp(plan, tick)
            elif name == "phases":
                rows += run_phases(plan, tick)
            elif name == "scale-out":
                rows += scaleout.rows(scaleout.run(3 * plan.big_rounds, tick))
            elif name == "peers":
                rows += peers.rows(plan.quick, tick)
            elif name in nn_benchmarks.BENCHMARKS:
                rows += nn_benchmarks.BENCHMARKS[name].run(plan.quick, tick, _row)
            else:
                rows += run_long(plan, tick)
    return rows


if __name__ == "__main__":
    sys.exit(main())
