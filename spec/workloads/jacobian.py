"""The Jacobian lesson (seed 004): a 2x2 Jacobian built one row per backward pass.

``y = [x1**2 + 3 x2, x2**2 + 2 x1]`` is written into a zeros tensor element by element at
x = [[2, 3]]; ``backward`` with weights ``[[1, 0]]`` (keeping the graph) gives the first row,
the gradient is cleared, and weights ``[[0, 1]]`` give the second: ``[[4, 3], [2, 6]]``.  The
tutorial's first attempt, one backward with ``[[1, 1]]``, gives the column sums ``[[6, 9]]``
instead (a vector-Jacobian product, not the Jacobian); the result keeps both.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ._common import host, identity
from .result import WorkloadResult

NAME = "jacobian"
X = [[2.0, 3.0]]


def _forward(backend: Any) -> tuple[Any, Any]:
    x = backend.tensor(X, requires_grad=True)
    y = backend.zeros(1, 2)
    y[0, 0] = x[0, 0] ** 2 + 3 * x[0, 1]
    y[0, 1] = x[0, 1] ** 2 + 2 * x[0, 0]
    return x, y


def run(backend: Any, iterations: int | None = None, progress: Any = None) -> WorkloadResult:
    if iterations is not None:
        raise ValueError("the jacobian workload makes exactly two backward passes; "
                         "an iteration limit does not apply to it")
    start = time.perf_counter()
    x, y = _forward(backend)
    jacobian = backend.zeros(2, 2)
    y.backward(backend.tensor([[1.0, 0.0]]), retain_graph=True)
    jacobian[0] = x.grad[0]
    x.grad = backend.zeros_like(x.grad)  # gradients accumulate: clear before the next row
    y.backward(backend.tensor([[0.0, 1.0]]))
    jacobian[1] = x.grad[0]
    if progress is not None:
        progress(1, 1)
    seconds = time.perf_counter() - start
    x2, y2 = _forward(backend)
    y2.backward(backend.tensor([[1.0, 1.0]]))
    return WorkloadResult(
        workload=NAME, **identity(backend), iterations=2, seconds=seconds, losses=[],
        parameters={"jacobian": host(jacobian)},
        stop_reason="one backward pass per row of the Jacobian",
        metrics={"x": X, "y": host(y), "vjp_with_ones": host(x2.grad)},
    )


def graph(backend: Any) -> tuple[Any, dict[str, Any]]:
    x, y = _forward(backend)
    return y, {"x": x, "y": y}


def plot(result: WorkloadResult, directory: Path) -> list[Path]:
    """Nothing to draw: the result is a 2x2 matrix, easier read than looked at."""
    return []
