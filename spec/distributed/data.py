"""Training data on a Dask cluster: X and y split by rows into shards, checked before any step,
persisted once on the workers when they fit in memory, streamed from their source when not.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import cloudpickle
import dask
import dask.array as da
import numpy as np
from dask.base import tokenize
from dask.core import flatten, get_dependencies
from distributed import Client, Future, get_client

from .. import __version__
from . import worker

#: Persist the data when each worker's share is at most this fraction of its memory limit;
#: the rest is left to the computation and to Dask's own thresholds (spill at 60-70%).
PERSIST_FRACTION = 0.5


class DataError(ValueError):
    """Data that cannot be trained on; the message says what is wrong and how to fix it."""


class ClusterError(RuntimeError):
    """A cluster that cannot train (no client, no workers, a backend missing on a worker)."""


def batch_indices(rows: int, batch_size: int, *, shuffle: bool = True, seed: int = 0,
                  epoch: int = 0, drop_last: bool = False) -> list[np.ndarray]:
    """The rows of each mini-batch of one epoch, in order: what a single process would draw.

    With ``shuffle``, the rows are permuted by ``numpy.random.default_rng([seed, epoch])``, so
    every epoch has its own order and a run is repeatable; without it, batches are consecutive
    rows.  The last batch is smaller when ``batch_size`` does not divide ``rows`` (dropped with
    ``drop_last``), as ``torch.utils.data.DataLoader`` does.
    """
    for name, value in (("rows", rows), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    order = (np.random.default_rng([seed, epoch]).permutation(rows) if shuffle
             else np.arange(rows))
    stop = rows - rows % batch_size if drop_last else rows
    return [order[i:i + batch_size] for i in range(0, stop, batch_size)]


def _dask_array(value: Any, what: str) -> da.Array:
    if isinstance(value, da.Array):
        return value
    if isinstance(value, Future) or hasattr(value, "__dask_graph__"):
        raise DataError(f"{what} is a {type(value).__name__}; give a dask array (or a numpy array)")
    return None


def _check_dtypes(x: Any, y: Any) -> None:
    if np.dtype(x.dtype).kind != "f":
        raise DataError(
            f"X has dtype {x.dtype}; a model's inputs must be floating point: pass "
            "X.astype('float32') or X.astype('float64') (the dtype of the model's parameters)")
    if np.dtype(y.dtype).kind not in "fiu":
        raise DataError(
            f"y has dtype {y.dtype}; targets must be numbers: y.astype(X.dtype) for BCELoss or "
            "MSELoss, y.astype('int64') for class indices (CrossEntropyLoss)")


def _short(chunks: Sequence[int]) -> str:
    if len(chunks) <= 6:
        return str(tuple(chunks))
    return f"({', '.join(map(str, chunks[:3]))}, ..., {', '.join(map(str, chunks[-2:]))})"


def _as_arrays(x: Any, y: Any, chunk_rows: int | None, default_chunks: int) -> tuple[Any, Any]:
    """Both as dask arrays split by rows only, with the same row chunks (or a DataError)."""
    dx, dy = _dask_array(x, "X"), _dask_array(y, "y")
    if dx is None:
        x = np.asarray(x)
    if dy is None:
        y = np.asarray(y)
    for name, a in (("X", x), ("y", y)):
        if a.ndim == 0:
            raise DataError(f"{name} is a scalar; it needs one row per sample (shape (rows, ...))")
        if any(math.isnan(c) for c in a.chunks[0]) if isinstance(a, da.Array) else False:
            raise DataError(
                f"{name} has unknown chunk sizes (it was filtered or made from a dataframe); "
                f"call {name}.compute_chunk_sizes() first")
    _check_dtypes(x, y)
    if x.shape[0] != y.shape[0]:
        raise DataError(f"X has {x.shape[0]} rows but y has {y.shape[0]}; they must match row "
                        "for row")
    if x.shape[0] == 0:
        raise DataError("X has no rows; there is nothing to train on")
    rows = int(x.shape[0])
    if chunk_rows is not None:
        if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
            raise ValueError(f"chunk_rows must be a positive integer, got {chunk_rows!r}")
        row_chunks: Any = chunk_rows
    elif dx is not None:
        row_chunks = dx.chunks[0]
    elif dy is not None:
        row_chunks = dy.chunks[0]
    else:
        row_chunks = max(1, -(-rows // default_chunks))
    if dx is None:
        dx = da.from_array(x, chunks=(row_chunks,) + x.shape[1:])
    if dy is None:
        dy = da.from_array(y, chunks=(row_chunks,) + y.shape[1:])
    if chunk_rows is not None:
        dx, dy = dx.rechunk({0: chunk_rows}), dy.rechunk({0: chunk_rows})
    elif dx.chunks[0] != dy.chunks[0]:
        raise DataError(
            f"X and y are split into different row chunks (X: {_short(dx.chunks[0])}, y: "
            f"{_short(dy.chunks[0])}); each shard needs its rows of both: "
            "y = y.rechunk({0: X.chunks[0]}), or pass chunk_rows=N")
    # Shards split rows only: every other axis in one piece.
    dx = dx.rechunk({i: -1 for i in range(1, dx.ndim)}) if dx.ndim > 1 else dx
    dy = dy.rechunk({i: -1 for i in range(1, dy.ndim)}) if dy.ndim > 1 else dy
    return dx, dy


def _worker_facts(dask_worker: Any, backend: str) -> dict[str, Any]:
    """Run on every worker (``client.run``): can it load the backend, and how much memory?"""
    try:
        version = worker.probe(backend)
        problem = ""
    except Exception as exc:  # noqa: BLE001 - reported per worker, by the driver
        version, problem = "", f"{type(exc).__name__}: {exc}"
    limit = getattr(getattr(dask_worker, "memory_manager", None), "memory_limit", None)
    return {"version": version, "problem": problem, "memory_limit": limit or 0,
            "threads": int(getattr(dask_worker, "state", dask_worker).nthreads)}


class ShardedData:
    """X and y, split by rows into shards that live on the workers of a Dask cluster.

    ``x`` and ``y`` are dask arrays (or numpy arrays, split here into one chunk per worker
    thread) with the same row chunks; each row chunk is one shard.  Everything that can be
    checked is checked here, before any training step: dtypes, lengths, chunks, that every
    worker can load ``backend``, and (``check_finite``) that no value is NaN or infinite.

    ``persist``: True keeps the shards in the workers' memory, made once (aligned and
    contiguous, as tensors of ``backend``) and never gathered; False streams every block from
    its source at every step (data larger than the cluster's memory: nothing is kept); None
    (the default) persists when each worker's share is at most half its memory limit.
    """

    def __init__(self, x: Any, y: Any, client: Client | None = None, *, backend: str = "numpy",
                 persist: bool | None = None, chunk_rows: int | None = None,
                 check_finite: bool = True) -> None:
        self.client = client if client is not None else _default_client()
        self.backend = backend
        facts = self.client.run(_worker_facts, backend=backend)
        if not facts:
            raise ClusterError("the Dask cluster has no workers; start some (dask worker "
                               f"{self.client.scheduler.address}) and try again")
        broken = {addr: f["problem"] for addr, f in facts.items() if f["problem"]}
        if broken:
            addr, problem = next(iter(broken.items()))
            raise ClusterError(
                f"{len(broken)} of {len(facts)} workers cannot load backend {backend!r} "
                f"(worker {addr}: {problem}); install it there, or pick another backend")
        versions = {f["version"] for f in facts.values()} - {__version__}
        if versions:
            raise ClusterError(
                f"the workers run gradspec {', '.join(sorted(versions))} and this process "
                f"{__version__}; install the same version everywhere")
        self.workers = len(facts)
        threads = sum(f["threads"] for f in facts.values())
        self.x, self.y = _as_arrays(x, y, chunk_rows, threads)
        self.rows = int(self.x.shape[0])
        self.row_chunks: tuple[int, ...] = tuple(int(c) for c in self.x.chunks[0])
        self.offsets = np.concatenate([[0], np.cumsum(self.row_chunks)]).astype(np.int64)
        nbytes = self.x.nbytes + self.y.nbytes
        if persist is None:
            limits = [f["memory_limit"] for f in facts.values()]
            persist = (0 in limits
                       or nbytes / self.workers <= PERSIST_FRACTION * min(limits))
        self.persisted = bool(persist)
        self._sources = _block_sources(self.x, self.y)
        self._shards: list[Future] = []
        if self.persisted:
            token = tokenize(self.x.name, self.y.name, backend)
            self._shards = self.client.map(
                worker.make_shard, *zip(*self._sources), backend=backend,
                key=[f"gradspec-shard-{token}-{i}" for i in range(len(self._sources))])
            summaries = self.client.gather(self.client.map(worker.summary, self._shards))
        elif check_finite:
            summaries = self.client.gather(self.client.map(
                worker.block_summary, *zip(*self._sources), pure=False))
        else:
            summaries = []
        if check_finite:
            try:
                self._check_finite(summaries)
            except DataError:
                self.close()
                raise

    # -- what the data is -----------------------------------------------------------------------
    @property
    def shards(self) -> int:
        """The number of shards (row chunks)."""
        return len(self.row_chunks)

    @property
    def dtype(self) -> np.dtype:
        """X's dtype."""
        return np.dtype(self.x.dtype)

    def __repr__(self) -> str:
        where = "persisted on" if self.persisted else "streamed to"
        return (f"ShardedData(X {tuple(self.x.shape)} {self.x.dtype}, y {tuple(self.y.shape)} "
                f"{self.y.dtype}: {self.shards} shards {where} {self.workers} workers, backend "
                f"{self.backend!r})")

    def batches(self, batch_size: int, *, shuffle: bool = True, seed: int = 0, epoch: int = 0,
                drop_last: bool = False) -> list[np.ndarray]:
        """One epoch's mini-batches as row indices (`batch_indices` over this data's rows)."""
        return batch_indices(self.rows, batch_size, shuffle=shuffle, seed=seed, epoch=epoch,
                             drop_last=drop_last)

    def head(self, count: int = 2) -> tuple[np.ndarray, np.ndarray]:
        """The first ``count`` rows of X and y as numpy arrays (from the first shard)."""
        count = min(count, self.row_chunks[0])
        if self.persisted:
            return self.client.submit(worker.head, self._shards[0], count, pure=False).result()
        return self.client.submit(worker.head_block, *self._sources[0], count,
                                  pure=False).result()

    # -- what a step runs -----------------------------------------------------------------------
    def select(self, indices: Any = None) -> list[tuple[int, Any]]:
        """``(shard, rows)`` for every shard that holds some of ``indices`` (all rows when None):
        rows None (the whole shard), a slice, or sorted local positions."""
        if indices is None:
            return [(i, None) for i in range(self.shards)]
        idx = np.asarray(indices)
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise IndexError(f"row indices must be a 1-D integer array, got shape {idx.shape} "
                             f"of dtype {idx.dtype}")
        if idx.size == 0:
            raise IndexError("an empty batch: give at least one row index")
        idx = np.sort(idx.astype(np.int64, copy=False))
        if idx[0] < 0 or idx[-1] >= self.rows:
            bad = idx[0] if idx[0] < 0 else idx[-1]
            raise IndexError(f"row index {bad} is out of range for {self.rows} rows")
        cuts = np.searchsorted(idx, self.offsets)
        out = []
        for i in range(self.shards):
            part = idx[cuts[i]:cuts[i + 1]] - self.offsets[i]
            if part.size == 0:
                continue
            unique = part.size == 1 or bool(np.all(part[1:] > part[:-1]))
            if unique and part.size == self.row_chunks[i]:
                out.append((i, None))
            elif unique and part[-1] - part[0] + 1 == part.size:
                out.append((i, slice(int(part[0]), int(part[-1]) + 1)))
            else:
                out.append((i, part))
        return out

    def submit(self, on_shard: Any, on_block: Any, parts: list[tuple[int, Any]],
               **kwargs: Any) -> list[Future]:
        """One task per part: ``on_shard(shard, rows, **kwargs)`` on a persisted shard where it
        lives, or ``on_block(source, leaves, rows, **kwargs)`` on a block read from its
        source."""
        rows = [rows for _, rows in parts]
        if self.persisted:
            return self.client.map(on_shard, [self._shards[i] for i, _ in parts], rows,
                                   pure=False, **kwargs)
        sources = [self._sources[i] for i, _ in parts]
        return self.client.map(on_block, [s for s, _ in sources], [leaves for _, leaves in sources],
                               rows, pure=False, **kwargs)

    def close(self) -> None:
        """Release the shards on the workers (the data can no longer be trained on)."""
        for future in self._shards:
            future.release()
        self._shards = []

    def __enter__(self) -> "ShardedData":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- checks -----------------------------------------------------------------------------------
    def _check_finite(self, summaries: list[dict[str, Any]]) -> None:
        problems = []
        for name, key in (("X", "nonfinite_x"), ("y", "nonfinite_y")):
            bad = [(i, s[key]) for i, s in enumerate(summaries) if s[key]]
            if bad:
                where = ", ".join(f"rows {self.offsets[i]}-{self.offsets[i + 1] - 1}"
                                  for i, _ in bad[:3]) + (", ..." if len(bad) > 3 else "")
                problems.append(f"{name} has {sum(n for _, n in bad)} NaN or infinite values "
                                f"({where})")
        if problems:
            raise DataError(
                "; ".join(problems) + ". Remove or replace them before training (for example "
                "with dask.array.nan_to_num, or keep the finite rows and call "
                "compute_chunk_sizes()); check_finite=False skips this check")


def _block_sources(x: da.Array, y: da.Array) -> list[tuple[bytes, dict[Any, Future]]]:
    """For each row block, what computes that block of X and of y and nothing else: the part
    of the (optimized) dask graph it needs, pickled, and the futures it starts from (the
    chunks of a persisted array; Dask hands their values to the task).  A task that holds it
    reads its block from the source itself (a file, a zarr store, a generator, a chunk), so a
    streamed block lives for one task only, and a lost shard is remade by rerunning one task."""
    # Optimizing leaves the chunks of persisted arrays out of the graph: they are futures.
    futures = {k: v for a in (x, y) for k, v in dict(a.__dask_graph__()).items()
               if isinstance(v, Future)}
    x, y = dask.optimize(x, y)
    graph = {**futures, **dict(x.__dask_graph__()), **dict(y.__dask_graph__())}
    out = []
    for keys in zip(flatten(x.__dask_keys__()), flatten(y.__dask_keys__())):
        needed: dict[Any, Any] = {}
        leaves: dict[Any, Future] = {}
        stack = list(keys)
        while stack:
            key = stack.pop()
            if key in needed or key in leaves:
                continue
            if isinstance(graph[key], Future):
                leaves[key] = graph[key]
                continue
            needed[key] = graph[key]
            stack.extend(get_dependencies(graph, key))
        out.append((cloudpickle.dumps((needed, keys)), leaves))
    return out


def _default_client() -> Client:
    try:
        return get_client()
    except ValueError:
        raise ClusterError(
            "no Dask client: pass client=..., or connect first "
            "(client = gradspec.distributed.connect('local') or Client('tcp://HOST:PORT'))"
        ) from None
