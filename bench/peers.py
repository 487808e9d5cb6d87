"""gradspec against the autograd libraries users would pick instead: MyGrad, PaddlePaddle and
HIPS autograd (each when installed), with PyTorch and gradspec's numpy backend beside them.

Two benchmarks every one of them can run, each written in the library's own API (not through
an adapter: what a user of that library would write):

* ``per-op``: the chain of ``bench/chain.py`` (1,000 add/mul by a number on a one-element
  float32 tensor, then backward), microseconds per op;
* ``seeds-logreg``: the tutorials' logistic regression (200x2, ``sigmoid(x w + b)``, mean
  binary cross-entropy, SGD with momentum 0.9, lr 0.01), seconds per 1,000 iterations.

Each library runs in a process of its own (``python bench/peers.py --worker LIBRARY``), the
libraries in turn, round after round; a figure is the median over rounds of the median of the
repeats inside a process.  Ratios are to gradspec, within the same run.

    python bench/peers.py                 # the table
    python bench/run.py --only peers      # the same rows, in bench/run.py's report
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import subprocess_rounds  # noqa: E402

#: library -> module that must be importable
LIBRARIES = {"gradspec": "gradspec", "torch": "torch", "mygrad": "mygrad", "paddle": "paddle",
             "autograd": "autograd"}
OPS = 1000
FACTOR = 1.0001
ITERATIONS = 1000
LR, MOMENTUM = 0.01, 0.9


def installed() -> list[str]:
    return [name for name, module in LIBRARIES.items()
            if importlib.util.find_spec(module) is not None]


# ------------------------------------------------------------------------------ per-op chains
def _chain_torchlike(leaf: Callable[[], Any]) -> Callable[[], float]:
    def run() -> float:
        t0 = time.perf_counter()
        y = x = leaf()
        for _ in range(OPS // 2):
            y = y + 1.0
            y = y * FACTOR
        y.backward()
        assert x.grad is not None
        return time.perf_counter() - t0
    return run


def chain_runner(library: str) -> Callable[[], float]:
    """One timed chain, forward and backward, in ``library``'s own API."""
    if library == "gradspec":
        import gradspec

        t = gradspec.load_backend("numpy")
        return _chain_torchlike(lambda: t.tensor([1.0], dtype=t.float32, requires_grad=True))
    if library == "torch":
        import torch

        return _chain_torchlike(lambda: torch.ones(1, requires_grad=True))
    if library == "mygrad":
        import mygrad as mg
        import numpy as np

        return _chain_torchlike(lambda: mg.tensor(np.ones(1, dtype=np.float32)))
    if library == "paddle":
        import paddle

        return _chain_torchlike(lambda: paddle.to_tensor([1.0], dtype="float32",
                                                         stop_gradient=False))
    if library == "autograd":
        import autograd.numpy as anp
        from autograd import grad

        def f(x: Any) -> Any:
            y = x
            for _ in range(OPS // 2):
                y = y + 1.0
                y = y * FACTOR
            return anp.sum(y)

        df = grad(f)
        x0 = anp.ones(1, dtype="float32")

        def run() -> float:
            t0 = time.perf_counter()
            df(x0)
            return time.perf_counter() - t0
        return run
    raise ValueError(f"unknown library {library!r}")


# ------------------------------------------------------------------------------ logistic regression
def logreg_runner(library: str, x: Any, y: Any, w0: Any, b0: Any) -> Callable[[], float]:
    """1,000 iterations of the seeds' logistic regression in ``library``'s own API."""
    import numpy as np

    if library in ("gradspec", "torch"):
        if library == "gradspec":
            import gradspec

            t = gradspec.load_backend("numpy")
        else:
            import torch as t

        xs, ys = t.tensor(x), t.tensor(y)

        def run() -> float:
            w = t.tensor(w0, requires_grad=True)
            b = t.tensor(b0, requires_grad=True)
            vw, vb = t.zeros_like(w), t.zeros_like(b)
            t0 = time.perf_counter()
            for _ in range(ITERATIONS):
                p = t.sigmoid(xs @ w + b)
                loss = -(ys * t.log(p) + (1 - ys) * t.log(1 - p)).mean()
                loss.backward()
                with t.no_grad():
                    vw.mul_(MOMENTUM).add_(w.grad)
                    vb.mul_(MOMENTUM).add_(b.grad)
                    w.sub_(vw * LR)
                    b.sub_(vb * LR)
                w.grad = None
                b.grad = None
            return time.perf_counter() - t0
        return run
    if library == "mygrad":
        import mygrad as mg

        def run() -> float:
            w, b = mg.tensor(w0), mg.tensor(b0)
            vw, vb = np.zeros_like(w0), np.zeros_like(b0)
            t0 = time.perf_counter()
            for _ in range(ITERATIONS):
                p = mg.nnet.sigmoid(mg.matmul(x, w) + b)
                loss = -mg.mean(y * mg.log(p) + (1 - y) * mg.log(1 - p))
                loss.backward()
                vw = MOMENTUM * vw + w.grad
                vb = MOMENTUM * vb + b.grad
                w = mg.tensor(w.data - LR * vw)
                b = mg.tensor(b.data - LR * vb)
            return time.perf_counter() - t0
        return run
    if library == "paddle":
        import paddle

        xs, ys = paddle.to_tensor(x), paddle.to_tensor(y)

        def run() -> float:
            w = paddle.to_tensor(w0, stop_gradient=False)
            b = paddle.to_tensor(b0, stop_gradient=False)
            vw, vb = paddle.zeros_like(w), paddle.zeros_like(b)
            t0 = time.perf_counter()
            for _ in range(ITERATIONS):
                p = paddle.nn.functional.sigmoid(paddle.matmul(xs, w) + b)
                loss = -(ys * paddle.log(p) + (1 - ys) * paddle.log(1 - p)).mean()
                loss.backward()
                with paddle.no_grad():
                    vw = vw * MOMENTUM + w.grad
                    vb = vb * MOMENTUM + b.grad
                    w.set_value(w - vw * LR)
                    b.set_value(b - vb * LR)
                w.clear_grad()
                b.clear_grad()
            return time.perf_counter() - t0
        return run
    if library == "autograd":
        import autograd.numpy as anp
        from autograd import grad

        def loss_fn(params: Any) -> Any:
            w, b = params
            p = 1 / (1 + anp.exp(-(anp.dot(x, w) + b)))
            return -anp.mean(y * anp.log(p) + (1 - y) * anp.log(1 - p))

        dloss = grad(loss_fn)

        def run() -> float:
            w, b = w0.copy(), b0.copy()
            vw, vb = np.zeros_like(w0), np.zeros_like(b0)
            t0 = time.perf_counter()
            for _ in range(ITERATIONS):
                gw, gb = dloss((w, b))
                vw = MOMENTUM * vw + gw
                vb = MOMENTUM * vb + gb
                w = w - LR * vw
                b = b - LR * vb
            return time.perf_counter() - t0
        return run
    raise ValueError(f"unknown library {library!r}")


def seeds_data() -> tuple[Any, Any, Any, Any]:
    """The tutorials' data and initial parameters, float32, shaped for ``x @ w + b``."""
    import numpy as np

    from gradspec.workloads.logreg import make_data

    data = make_data()
    x = np.asarray(data["x"], dtype=np.float32)
    y = np.asarray(data["y"], dtype=np.float32).reshape(-1)
    w = np.asarray(data["weight"], dtype=np.float32).reshape(-1)
    b = np.asarray(data["bias"], dtype=np.float32).reshape(())
    return x, y, w, b


# ------------------------------------------------------------------------------ driver
def worker(library: str, repeats: int) -> dict[str, float]:
    """In a process of one library: the median per-op time (us) and logreg run time (s)."""
    chain = chain_runner(library)
    chain()  # warm up (first calls load kernels, fill caches)
    per_op = statistics.median(chain() for _ in range(repeats)) * 1e6 / OPS
    logreg = logreg_runner(library, *seeds_data())
    logreg()
    seconds = statistics.median(logreg() for _ in range(max(1, repeats // 3)))
    return {"per_op_us": per_op, "logreg_s": seconds}


def measure(libraries: list[str], rounds: int, repeats: int,
            tick: Callable[[], None] | None = None) -> dict[str, dict[str, float]]:
    runs = subprocess_rounds(Path(__file__).resolve(), libraries, ["--repeats", str(repeats)],
                             rounds, tick)
    return {lib: {k: statistics.median(r[k] for r in results) for k in results[0]}
            for lib, results in runs.items()}


def ticks(quick: bool) -> int:
    return (1 if quick else 3) * len(installed())


def rows(quick: bool, tick: Callable[[], None] | None = None) -> list[dict[str, Any]]:
    """The rows bench/run.py adds to its report: one per benchmark, a column per library."""
    libraries = installed()
    figures = measure(libraries, 1 if quick else 3, 5 if quick else 15, tick)
    out = []
    for key, name, metric, digits in (
            ("per_op_us", f"peers: chain of {OPS:,} add/mul, 1-element float32",
             "total (us/op)", 3),
            ("logreg_s", "peers: seeds' logistic regression, 200x2, 1,000 iterations",
             "seconds per run", 4)):
        row: dict[str, Any] = {"benchmark": name, "metric": metric}
        for lib in libraries:
            row[lib] = round(figures[lib][key], digits)
        base = figures.get("gradspec", {}).get(key)
        row["ratio"] = ", ".join(f"{lib} {figures[lib][key] / base:.2f}x" for lib in libraries
                                 if lib != "gradspec") + " gradspec" if base else None
        out.append(row)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/peers.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", choices=sorted(LIBRARIES), help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=15, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="one round, fewer repeats")
    parser.add_argument("--json", type=Path, metavar="PATH",
                        help="also write the report (docs/data/bench/peers.json is rendered on "
                             "the performance page)")
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeats)))
        return 0
    import datetime

    from common import machine, threads

    results = rows(args.quick)
    for row in results:
        print(f"{row['benchmark']} ({row['metric']})")
        for lib in LIBRARIES:
            if lib in row:
                print(f"  {lib:<10} {row[lib]}")
        print(f"  ratio: {row['ratio']}")
    if args.json is not None:
        from importlib import metadata

        versions = {}
        for lib, dist in (("torch", "torch"), ("mygrad", "mygrad"), ("paddle", "paddlepaddle"),
                          ("autograd", "autograd"), ("gradspec", "gradspec")):
            try:
                versions[lib] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                pass
        report = {"title": "gradspec against the libraries users pick instead",
                  "date": datetime.date.today().isoformat(),
                  "command": "python bench/peers.py" + (" --quick" if args.quick else ""),
                  "machine": machine(), "threads": threads(), "versions": versions,
                  "results": results}
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
