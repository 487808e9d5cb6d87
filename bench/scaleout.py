"""Scale-out: logistic regression on a 2-worker Dask LocalCluster against one process, and
against dask-ml.

    nice -n 10 python bench/scaleout.py                      # 1-2 minutes; prints the table
    nice -n 10 python bench/scaleout.py --json scaleout.json --rounds 15

1,000,000 x 32 float64, generated on the workers (`gradspec.distributed.logistic`, seed 0) in
4 row chunks of 250,000, and trained from zero weights by four systems:

* ``gradspec on Dask``: `gradspec.distributed.DataParallel`, the shards persisted once on 2
  worker processes (one thread each), ``Linear(32, 1)`` + ``Sigmoid``, ``BCELoss``, full-batch
  gradient descent (``optim.SGD``, lr 4) on the driver;
* ``gradspec, one process``: the same model, loss and optimizer on the numpy backend over the
  concatenated data, in this process (numpy's BLAS with its default threads);
* ``dask-ml gradient_descent`` and ``dask-ml lbfgs``: ``dask_ml.linear_model.
  LogisticRegression`` on the same cluster and the same (persisted) dask arrays.

Timing: rounds, the systems in turn within each round (the gradspec systems run `STEPS`
iterations a round and carry on from where they were; dask-ml, seconds a fit, runs in every
third round only and fits anew with ``max_iter`` iterations); each system's figure is the
median of its rounds' time per iteration, and the ratios compare figures of this one run.  Loss (mean binary cross entropy) and accuracy are
computed here, in numpy and float64, from each system's final weights over all the data.

Also measured, on a worker: ``X @ w`` and ``X.T @ g`` on a 500,000 x 32 shard as it arrives
through ``client.scatter`` (the address Dask's deserialization leaves it at) and after
`gradspec.distributed.worker.aligned` copied it once; and the time of a step on a tiny dataset
(4,000 rows) in 2, 8 and 32 shards, which is Dask's cost per step and per shard task.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np

# The seeds' loss on a batch, BCELoss()(model(x).squeeze(1), y): importable on the workers.
from gradspec.workloads.distributed import logreg_objective

ROWS, FEATURES, CHUNKS, WORKERS = 1_000_000, 32, 4, 2
STEPS = 10  # gradspec iterations per round
ML_ITERATIONS = {"gradient_descent": 5, "lbfgs": 10}  # dask-ml's max_iter per fit
ML_EVERY = 3  # dask-ml (seconds a fit) runs in every third round only
LR = 4.0  # full-batch gradient descent; converges in about 30 iterations on this data
SYSTEMS = ("gradspec on Dask", "gradspec, one process", "dask-ml gradient_descent",
           "dask-ml lbfgs")
TARGETS = {"one process": 1.5, "gradient_descent": 5.0}


def ticks(rounds: int) -> int:
    """Progress ticks of `run` (bench/run.py's bar)."""
    return 2 + 2 * rounds + 2 * len(range(0, rounds, ML_EVERY))


# ------------------------------------------------------------------------------ the systems
def _model(torch: Any) -> Any:
    from gradspec import nn

    model = nn.Sequential(nn.Linear(FEATURES, 1, backend=torch, dtype=torch.float64),
                          nn.Sigmoid())
    model.load_state_dict({"0.weight": np.zeros((1, FEATURES)), "0.bias": np.zeros(1)})
    return model


def _weights(model: Any) -> tuple[np.ndarray, float]:
    state = model.state_dict()
    return state["0.weight"].numpy().ravel().copy(), float(state["0.bias"].numpy()[0])


def _gradspec_on_dask(client: Any, X: Any, y: Any) -> tuple[Callable[[int], None], Callable]:
    import gradspec
    from gradspec import distributed, optim

    torch = gradspec.load_backend("numpy")
    data = distributed.ShardedData(X, y, client)
    model = _model(torch)
    trainer = distributed.DataParallel(model, None, data, objective=logreg_objective)
    optimizer = optim.SGD(model.parameters(), lr=LR)

    def train(steps: int) -> None:
        for _ in range(steps):
            trainer.backward()
            optimizer.step()
            optimizer.zero_grad()

    return train, lambda: _weights(model)


def _gradspec_one_process(x: np.ndarray, y: np.ndarray) -> tuple[Callable[[int], None], Callable]:
    import gradspec
    from gradspec import optim

    torch = gradspec.load_backend("numpy")
    X, Y = torch.from_numpy(x), torch.from_numpy(y)
    model = _model(torch)
    optimizer = optim.SGD(model.parameters(), lr=LR)

    def train(steps: int) -> None:
        for _ in range(steps):
            loss = logreg_objective(model, X, Y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            loss.item()

    return train, lambda: _weights(model)


def _dask_ml(X: Any, y: Any, solver: str) -> tuple[Callable[[int], None], Callable]:
    from dask_ml.linear_model import LogisticRegression

    fitted: dict[str, Any] = {}

    def train(iterations: int) -> None:
        # tol small enough that every fit runs its iterations (dask-ml stops early otherwise);
        # its own warnings (overflow in its sigmoid, a deprecated config key) are not ours
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted["model"] = LogisticRegression(solver=solver, max_iter=iterations,
                                                 tol=1e-14).fit(X, y)

    def weights() -> tuple[np.ndarray, float]:
        model = fitted["model"]
        return np.asarray(model.coef_).ravel(), float(np.asarray(model.intercept_).ravel()[0])

    return train, weights


def _quiet_workers() -> None:
    """Run on every worker: dask-glm's sigmoid overflows (harmlessly) on large logits."""
    warnings.filterwarnings("ignore", message="overflow encountered in exp")


def _quality(x: np.ndarray, y: np.ndarray, w: np.ndarray, b: float) -> dict[str, float]:
    z = x @ w + b
    # mean BCE from the logits, stable for large |z|: softplus(z) - y z
    loss = float(np.mean(np.logaddexp(0.0, z) - y * z))
    return {"loss": loss, "accuracy": float(np.mean((z >= 0) == (y == 1)))}


# ------------------------------------------------------------------------------ the pitfall
def _products(x: np.ndarray, repeats: int = 5) -> dict[str, Any]:
    """Run on a worker: the two products of a step, on ``x`` as received and once aligned."""
    from gradspec.distributed.worker import aligned

    w, g = np.ones(x.shape[1]), np.ones(x.shape[0])
    out: dict[str, Any] = {}
    for name, a in (("as received", x), ("aligned copy", aligned(x))):
        times = {"X @ w": [], "X.T @ g": []}
        for _ in range(repeats):
            t = time.perf_counter()
            a @ w
            times["X @ w"].append(time.perf_counter() - t)
            t = time.perf_counter()
            a.T @ g
            times["X.T @ g"].append(time.perf_counter() - t)
        out[name] = {"address mod 64": a.ctypes.data % 64, "aligned flag": bool(a.flags.aligned),
                     **{k: 1e3 * statistics.median(v) for k, v in times.items()}}
    return out


def pitfall(client: Any) -> dict[str, Any]:
    shard = np.random.default_rng(1).standard_normal((ROWS // WORKERS, FEATURES))
    future = client.scatter(shard)
    result = client.submit(_products, future, pure=False).result()
    del future
    return result


# ------------------------------------------------------------------------------ overhead
OVERHEAD_SHARDS = (2, 8, 32)


def overhead(client: Any, steps: int = 10) -> dict[int, float]:
    """ms per step on a tiny dataset (4,000 x 32) split into 2, 8 and 32 shards: what Dask's
    scheduling and the round trips cost per step, and per extra shard task."""
    import gradspec
    from gradspec import distributed

    torch = gradspec.load_backend("numpy")
    x = np.random.default_rng(2).standard_normal((4000, FEATURES))
    y = (x[:, 0] > 0).astype(np.float64)
    out = {}
    for shards in OVERHEAD_SHARDS:
        with distributed.ShardedData(x, y, client, chunk_rows=4000 // shards) as data:
            trainer = distributed.DataParallel(_model(torch), None, data,
                                               objective=logreg_objective)
            trainer.backward()
            times = []
            for _ in range(steps):
                t = time.perf_counter()
                trainer.backward()
                times.append(time.perf_counter() - t)
        out[shards] = 1e3 * statistics.median(times)
    return out


# ------------------------------------------------------------------------------ the run
def run(rounds: int = 9, tick: Callable[[], None] | None = None) -> dict[str, Any]:
    """Start the cluster, run every system ``rounds`` times in turn; the figures as a dict."""
    try:
        import dask_ml  # noqa: F401

        from gradspec import distributed
    except ImportError as exc:
        raise RuntimeError(f"scale-out needs Dask and dask-ml ({exc}): "
                           "pip install -e '.[bench]'") from None
    tick = tick or (lambda: None)
    environment = dict(os.environ)  # Dask's nannies set OMP_NUM_THREADS=1 etc. here too
    client = distributed.connect(f"local:{WORKERS}", silence_logs=logging.ERROR)
    client.run(_quiet_workers)
    try:
        X, y = distributed.logistic(ROWS, FEATURES, chunk_rows=ROWS // CHUNKS, seed=0)
        X, y = client.persist([X, y])
        x_host, y_host = (np.ascontiguousarray(a) for a in client.compute([X, y], sync=True))
        start = time.perf_counter()
        systems = {SYSTEMS[0]: _gradspec_on_dask(client, X, y)}
        persist_seconds = time.perf_counter() - start
        systems[SYSTEMS[1]] = _gradspec_one_process(x_host, y_host)
        systems[SYSTEMS[2]] = _dask_ml(X, y, "gradient_descent")
        systems[SYSTEMS[3]] = _dask_ml(X, y, "lbfgs")
        for name in SYSTEMS[:2]:
            systems[name][0](1)  # warm-up: the workers' replicas, caches, first allocations
        tick()
        per_iteration: dict[str, list[float]] = {name: [] for name in SYSTEMS}
        for index in range(rounds):
            for name, (train, _) in systems.items():
                dask_ml = name.startswith("dask-ml")
                if dask_ml and index % ML_EVERY:
                    continue
                n = ML_ITERATIONS[name.split()[-1]] if dask_ml else STEPS
                t = time.perf_counter()
                train(n)
                per_iteration[name].append((time.perf_counter() - t) / n)
                tick()
        trained = {name: 1 + rounds * STEPS if name.startswith("gradspec")
                   else ML_ITERATIONS[name.split()[-1]] for name in SYSTEMS}
        quality = {name: _quality(x_host, y_host, *systems[name][1]()) for name in SYSTEMS}
        measured_pitfall = pitfall(client)
        measured_overhead = overhead(client)
        tick()
    finally:
        client.close()
        os.environ.clear()
        os.environ.update(environment)
    ms = {name: 1e3 * statistics.median(v) for name, v in per_iteration.items()}
    rounds_ms = {name: [round(1e3 * v, 2) for v in values]
                 for name, values in per_iteration.items()}
    return {"ms_per_iteration": ms, "ms_per_iteration_by_round": rounds_ms,
            "iterations": trained, "quality": quality,
            "persist_seconds": persist_seconds, "pitfall": measured_pitfall,
            "overhead_ms_per_step": measured_overhead, "rounds": rounds}


def rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """bench/run.py's table rows: gradspec on Dask against each reference, and its target."""
    ms = result["ms_per_iteration"]
    ours = ms[SYSTEMS[0]]
    name = f"scale-out: logistic regression {ROWS:,}x{FEATURES} float64, {WORKERS}-worker Dask"
    out = []
    for system, target, kind in ((SYSTEMS[1], TARGETS["one process"], "slower"),
                                 (SYSTEMS[2], TARGETS["gradient_descent"], "faster"),
                                 (SYSTEMS[3], None, "faster")):
        ratio = ours / ms[system] if kind == "slower" else ms[system] / ours
        row = {"benchmark": name,
               "metric": f"ms per iteration vs {system} ({ms[system]:.1f})",
               "gradspec": round(ours, 2), "torch": None, "floor": None}
        if kind == "slower":
            row["ratio"] = f"{ratio:.2f}x {system}"
            row["target"] = None if target is None else f"<= {target:g}x"
            row["met"] = None if target is None else ("yes" if ratio <= target else "NO")
        else:
            row["ratio"] = f"{ratio:.1f}x faster than {system}"
            row["target"] = None if target is None else f">= {target:g}x faster"
            row["met"] = None if target is None else ("yes" if ratio >= target else "NO")
        out.append(row)
    return out


def markdown(result: dict[str, Any]) -> str:
    """The full table: time per iteration, iterations, final loss and accuracy per system."""
    ms, quality, its = result["ms_per_iteration"], result["quality"], result["iterations"]
    ours = ms[SYSTEMS[0]]
    lines = ["| system | ms per iteration | vs gradspec on Dask | iterations | final loss | "
             "accuracy |", "|---|---|---|---|---|---|"]
    for name in SYSTEMS:
        lines.append(f"| {name} | {ms[name]:.1f} | {ms[name] / ours:.2f}x | {its[name]} | "
                     f"{quality[name]['loss']:.5f} | {quality[name]['accuracy']:.2%} |")
    lines += ["", f"shards made and persisted once: {result['persist_seconds']:.2f} s", "",
              "| 500,000 x 32 shard on a worker | address mod 64 | X @ w (ms) | X.T @ g (ms) |",
              "|---|---|---|---|"]
    for name, figures in result["pitfall"].items():
        lines.append(f"| {name} | {figures['address mod 64']} | {figures['X @ w']:.1f} | "
                     f"{figures['X.T @ g']:.1f} |")
    cost = result["overhead_ms_per_step"]
    lines += ["", "| 4,000 x 32, shards | " + " | ".join(str(k) for k in cost) + " |",
              "|---|" + "---|" * len(cost),
              "| ms per step | " + " | ".join(f"{v:.1f}" for v in cost.values()) + " |"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python bench/scaleout.py", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--rounds", type=int, default=9, metavar="N",
                        help="rounds of the gradspec systems (default 9; dask-ml runs in every "
                             "third)")
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    try:
        result = run(args.rounds)
    except RuntimeError as exc:
        print(f"bench/scaleout.py: {exc}", file=sys.stderr)
        return 2
    print(markdown(result))
    print()
    for row in rows(result):
        print(f"{row['ratio']}  (target {row['target'] or '-'}: {row['met'] or '-'})")
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
