"""The tutorials' workloads, runnable on any backend.

Each workload is a module with ``run(backend, iterations=None, progress=None)`` returning a
`WorkloadResult`, ``graph(backend)`` returning the tensor whose computation graph tells
its story (with names for the tensors in it), and ``plot(result, directory)`` writing PNGs.

Data and initial parameters are drawn once, on the host, with numpy and a documented seed, so
every backend trains on the same numbers from the same start; the training itself uses only the
backend (the protocol, `gradspec.nn`, `gradspec.optim`).

>>> import gradspec, gradspec.workloads as workloads
>>> result = workloads.run("logreg", gradspec.load_backend("numpy"))
>>> result.accuracy >= 0.99
True
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from .result import Checkpoint, WorkloadResult

__all__ = ["Checkpoint", "UnknownWorkloadError", "WORKLOADS", "Workload", "WorkloadResult",
           "get", "names", "run"]

#: ``progress(done, total)``: called after each iteration with the iterations done so far.
Progress = Callable[[int, int], None]


class UnknownWorkloadError(LookupError):
    pass


@dataclass(frozen=True)
class Workload:
    """A registered workload; its code is imported on first use (the CLI lists names cheaply)."""

    name: str
    title: str
    module: str
    iterations: int | None  # default iteration limit; None when it is not a training loop

    def load(self) -> ModuleType:
        return importlib.import_module(self.module, __name__)

    def run(self, backend: Any, iterations: int | None = None,
            progress: Progress | None = None) -> WorkloadResult:
        return self.load().run(backend, iterations=iterations, progress=progress)

    def run_distributed(self, backend: Any, client: Any, iterations: int | None = None,
                        progress: Progress | None = None,
                        data: str | Path | None = None) -> WorkloadResult:
        """Train on the workers of a Dask ``client`` (`gradspec.workloads.distributed`)."""
        from . import distributed

        return distributed.run(self.name, backend, client, iterations=iterations,
                               progress=progress, data=data)

    def graph(self, backend: Any) -> tuple[Any, dict[str, Any]]:
        return self.load().graph(backend)

    def plot(self, result: WorkloadResult, directory: str | Path) -> list[Path]:
        return self.load().plot(result, Path(directory))


WORKLOADS: dict[str, Workload] = {w.name: w for w in (
    Workload("logreg", "logistic regression of two Gaussian classes with nn.Linear, BCELoss and "
             "SGD with momentum (seeds 000-002)", ".logreg", 1000),
    Workload("linefit", "line fit by the point-to-line distance loss, manual updates "
             "(seed 003)", ".linefit", 1000),
    Workload("quadratic", "fit of y = 3x^2 + 2, autograd against the hand-written numpy gradient "
             "(seed 004)", ".quadratic", 800),
    Workload("jacobian", "the 2x2 Jacobian built row by row with retain_graph (seed 004)",
             ".jacobian", None),
    # nnlib
    Workload("cnn", "a small CNN (two conv layers, max pooling, a linear head) tells four "
             "shapes apart in noisy 16x16 images, Adam", ".cnn", 150),
    Workload("transformer", "a one-block transformer (embeddings, attention, layer norm, MLP) "
             "learns to reverse sequences, Adam", ".transformer", 100),
)}


def names() -> list[str]:
    return list(WORKLOADS)


def get(name: str) -> Workload:
    """The workload called ``name``; ``UnknownWorkloadError`` lists the known ones."""
    try:
        return WORKLOADS[name]
    except KeyError:
        near = difflib.get_close_matches(name, WORKLOADS, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise UnknownWorkloadError(
            f"unknown workload {name!r}{hint}; known workloads: {', '.join(WORKLOADS)}"
        ) from None


def run(name: str, backend: Any, iterations: int | None = None,
        progress: Progress | None = None) -> WorkloadResult:
    """Run workload ``name`` on ``backend`` (a backend object from ``gradspec.load_backend``)."""
    return get(name).run(backend, iterations=iterations, progress=progress)
