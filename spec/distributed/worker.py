"""What runs on the Dask workers: shards made once where they live, a model replica per thread,
the gradient of one shard (or of its rows in a mini-batch), and partial sums.

Everything here is a plain function of its arguments, so Dask may run a task again (on another
worker, after a failure) and get the same result: replicas are only a cache of what a task's
arguments already say (the model's structure and the parameters' values).
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from typing import Any, Callable, Sequence

import dask
import numpy as np

from ..plugins import load_backend
from . import transport

#: Shards are copied into memory aligned to this many bytes (a cache line) unless they arrive
#: C-contiguous, owning their memory and aligned so already.
ALIGNMENT = 64

#: Replicas kept per worker process (one per model, backend and thread).
REPLICAS = 16


def aligned(array: Any) -> np.ndarray:
    """``array`` as a C-contiguous numpy array in memory of its own, aligned for BLAS.

    Arrays that reach a worker through Dask's serialization are views into the received frame,
    often at an address that is not a multiple of their item size; numpy then leaves its BLAS
    path for matrix products and runs 3 to 30 times slower (bench/RESULTS.md).  Such an array is
    copied once into fresh memory aligned to `ALIGNMENT` bytes, unless it already owns such
    memory.  Every shard then starts at the same alignment wherever it is made, so BLAS takes
    the same path on every worker and a shard recomputed elsewhere gives the same bits.
    """
    a = np.asarray(array)
    if a.flags.c_contiguous and _owned(a) and a.ctypes.data % ALIGNMENT == 0:
        return a
    buffer = np.empty(a.nbytes + ALIGNMENT, dtype=np.uint8)
    start = (-buffer.ctypes.data) % ALIGNMENT
    out = buffer[start:start + a.nbytes].view(a.dtype).reshape(a.shape)
    np.copyto(out, a)
    return out


def _owned(a: np.ndarray) -> bool:
    """Whether ``a`` has its memory to itself: its own, or a buffer `aligned` made for it (and
    not, say, a view into a larger frame received from another process)."""
    base = a.base
    return base is None or (type(base) is np.ndarray and base.base is None
                            and base.nbytes <= a.nbytes + ALIGNMENT)


def _nonfinite(a: np.ndarray) -> int:
    if a.dtype.kind not in "fc":
        return 0
    return int(a.size - np.count_nonzero(np.isfinite(a)))


class Shard:
    """One block of rows of X and y, held on a worker as tensors of the named backend.

    Made once where it lives (copied aligned and contiguous there, then handed to the backend:
    the numpy backend shares the memory, cupy copies it to the GPU once).  If Dask ever moves or
    spills it, it travels as host arrays and is made again on arrival.
    """

    def __init__(self, backend: str, x: Any, y: Any) -> None:
        x, y = aligned(x), aligned(y)
        self.backend = backend
        self.rows = int(x.shape[0])
        self.address = x.ctypes.data
        engine = load_backend(backend)
        self.x = engine.from_numpy(x)
        self.y = engine.from_numpy(y)

    def __reduce__(self) -> tuple[Any, ...]:
        engine = load_backend(self.backend)
        return (Shard, (self.backend, engine.to_numpy(self.x), engine.to_numpy(self.y)))

    def select(self, rows: Any) -> tuple[Any, Any, int]:
        """``(x, y, count)`` of the selected rows (all, a slice, or positions)."""
        if rows is None:
            return self.x, self.y, self.rows
        if isinstance(rows, slice):
            return self.x[rows], self.y[rows], rows.stop - rows.start
        index = load_backend(self.backend).from_numpy(rows)
        return self.x[index], self.y[index], int(rows.shape[0])


def load_block(source: bytes, leaves: dict[Any, Any]) -> tuple[Any, Any]:
    """Compute one block of X and y here, from its source (see ``data._block_sources``) and
    the values of the persisted chunks it starts from."""
    graph, keys = pickle.loads(source)
    graph.update(leaves)
    return dask.get(graph, list(keys))


def make_shard(source: bytes, leaves: dict[Any, Any], backend: str) -> Shard:
    """The task that reads one block of X and y and keeps it as a shard where it runs."""
    return Shard(backend, *load_block(source, leaves))


def summary(shard: Shard) -> dict[str, Any]:
    """What the driver checks before the first step: rows, non-finite values, alignment."""
    engine = load_backend(shard.backend)
    x, y = engine.to_numpy(shard.x), engine.to_numpy(shard.y)
    return {"rows": shard.rows, "nonfinite_x": _nonfinite(x), "nonfinite_y": _nonfinite(y),
            "aligned": shard.address % ALIGNMENT == 0}


def block_summary(source: bytes, leaves: dict[Any, Any]) -> dict[str, Any]:
    """`summary` of a block that is streamed rather than persisted (nothing is kept)."""
    x, y = (np.asarray(a) for a in load_block(source, leaves))
    return {"rows": int(x.shape[0]), "nonfinite_x": _nonfinite(x), "nonfinite_y": _nonfinite(y),
            "aligned": None}


def head(shard: Shard, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``count`` rows of a shard as host arrays (the driver's dry run)."""
    engine = load_backend(shard.backend)
    return engine.to_numpy(shard.x[:count]), engine.to_numpy(shard.y[:count])


def head_block(source: bytes, leaves: dict[Any, Any],
               count: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``count`` rows of a block that is streamed rather than persisted."""
    x, y = load_block(source, leaves)
    return np.array(x[:count]), np.array(y[:count])


def probe(backend: str) -> str:
    """Run on every worker before training: load the backend, return gradspec's version."""
    import gradspec

    load_backend(backend)
    return gradspec.__version__


# ------------------------------------------------------------------------------ replicas
class Replica:
    """The model rebuilt on this worker's backend, with its objective and parameters."""

    def __init__(self, blob: bytes, backend: str) -> None:
        self.engine = load_backend(backend)
        self.model, self.objective, self.params = transport.unpack(blob, self.engine)

    def load(self, values: Sequence[np.ndarray]) -> None:
        """Set every parameter to the driver's values and forget the last gradients."""
        engine = self.engine
        with engine.no_grad():
            for p, value in zip(self.params, values):
                p.copy_(engine.from_numpy(value))
                p.grad = None


_replicas: "OrderedDict[tuple[str, str, int], Replica]" = OrderedDict()
_lock = threading.Lock()


def replica(token: str, blob: bytes, backend: str) -> Replica:
    """This thread's replica of model ``token`` (built from ``blob`` on first use)."""
    key = (token, backend, threading.get_ident())
    with _lock:
        found = _replicas.get(key)
        if found is not None:
            _replicas.move_to_end(key)
            return found
    made = Replica(blob, backend)
    with _lock:
        _replicas[key] = made
        while len(_replicas) > REPLICAS:
            _replicas.popitem(last=False)
    return made


# ------------------------------------------------------------------------------ one step
def gradient(shard: Shard, rows: Any, token: str, blob: bytes, backend: str,
             values: Sequence[np.ndarray], reduction: str) -> tuple[np.ndarray, np.ndarray]:
    """Forward and backward on a shard's selected rows; the loss and gradients as one float64
    vector ``[loss, *grads]`` summed over those rows, and which parameters got a gradient.

    A "mean" objective is multiplied by the rows it averaged over, so that partial results add
    up to sums and the driver divides once by the batch's size.
    """
    model = replica(token, blob, backend)
    model.load(values)
    x, y, count = shard.select(rows)
    engine = model.engine
    with engine.enable_grad():
        loss = model.objective(model.model, x, y)
        if tuple(loss.shape) != ():
            raise ValueError(
                f"the objective returned a tensor of shape {tuple(loss.shape)}; it must return "
                "a scalar (a mean or sum over the rows, e.g. nn.BCELoss() with its default "
                "reduction='mean')")
        loss.backward()
    scale = float(count) if reduction == "mean" else 1.0
    sizes = [int(np.prod(p.shape)) for p in model.params]
    out = np.zeros(1 + sum(sizes), dtype=np.float64)
    got = np.zeros(len(sizes), dtype=bool)
    out[0] = float(loss.item()) * scale
    start = 1
    for i, (p, size) in enumerate(zip(model.params, sizes)):
        if p.grad is not None:
            got[i] = True
            grad = np.asarray(engine.to_numpy(p.grad), dtype=np.float64).reshape(-1)
            np.multiply(grad, scale, out=out[start:start + size])
        start += size
    return out, got


def block_gradient(source: bytes, leaves: dict[Any, Any], rows: Any, token: str, blob: bytes,
                   backend: str, values: Sequence[np.ndarray],
                   reduction: str) -> tuple[np.ndarray, np.ndarray]:
    """`gradient` on a block streamed from its source: the shard lives for this task only."""
    shard = make_shard(source, leaves, backend)
    return gradient(shard, rows, token, blob, backend, values, reduction)


def add(partials: Sequence[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    """One node of the reduction tree: partial results added entry by entry in their given
    order (float64; boolean entries are or-ed), so that every run, and every rerun after a
    failure, sums in the same order."""
    total = [a.copy() for a in partials[0]]
    for part in partials[1:]:
        for acc, a in zip(total, part):
            if acc.dtype == bool:
                acc |= a
            else:
                acc += a
    return tuple(total)


# ------------------------------------------------------------------------------ evaluation
def evaluate(shard: Shard, rows: Any, token: str, blob: bytes, backend: str,
             values: Sequence[np.ndarray], function: bytes) -> tuple[np.ndarray, ...]:
    """``function(model, x, y)`` on a shard's selected rows under ``no_grad``: each value it
    returns (a tensor or a number, or a tuple of them) as a float64 array, to be summed, then
    whether it returned a tuple."""
    model = replica(token, blob, backend)
    model.load(values)
    fn: Callable[..., Any] = transport.loads(function, model.engine)
    x, y, _ = shard.select(rows)
    with model.engine.no_grad():
        result = fn(model.model, x, y)
    items = result if isinstance(result, tuple) else (result,)
    sums = tuple(np.array(_host(model.engine, item), dtype=np.float64) for item in items)
    return (*sums, np.array(isinstance(result, tuple)))


def block_evaluate(source: bytes, leaves: dict[Any, Any], rows: Any, token: str, blob: bytes,
                   backend: str, values: Sequence[np.ndarray],
                   function: bytes) -> tuple[np.ndarray, ...]:
    """`evaluate` on a block streamed from its source."""
    shard = make_shard(source, leaves, backend)
    return evaluate(shard, rows, token, blob, backend, values, function)


def _host(engine: Any, value: Any) -> Any:
    if isinstance(value, engine.Tensor):
        return engine.to_numpy(value)
    return value


def hold(value: Any) -> Any:
    """A task that returns its argument: large parameter vectors travel once per step as this
    task's result (Dask can recompute it: the value is in its spec) rather than in every task."""
    return value
