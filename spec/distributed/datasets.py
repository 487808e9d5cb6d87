"""Datasets on disk, read by the workers a block at a time, and a synthetic one to try things on.

A dataset is a pair X, y with one row per sample, stored either as a folder holding ``x.npy``
and ``y.npy`` (numpy's format: every worker memory-maps the files and copies only its block's
rows) or as a zarr group with arrays ``x`` and ``y`` (when zarr is installed).  Opening one
reads headers only; the path must be readable by every worker (a shared file system, or the
same machine for a local cluster).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dask
import dask.array as da
import numpy as np

from .data import DataError

#: Rows per block when none is given: about this many bytes of X each.
BLOCK_BYTES = 32 << 20

NPY_FILES = ("x.npy", "y.npy")


def _read_rows(path: str, start: int, stop: int) -> np.ndarray:
    """One block: rows ``start:stop`` of a .npy file, copied out of the memory map once, into
    memory aligned as a shard needs it."""
    from .worker import aligned

    return aligned(np.load(path, mmap_mode="r")[start:stop])


def _npy_array(path: Path, chunk_rows: int | None) -> da.Array:
    try:
        mm = np.load(path, mmap_mode="r")
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read {path} as a .npy file: {exc}") from None
    shape, dtype = mm.shape, mm.dtype
    del mm
    if not shape:
        raise DataError(f"{path} holds a scalar; it needs one row per sample")
    if chunk_rows is None:
        row_bytes = max(1, int(np.prod(shape[1:], dtype=np.int64)) * dtype.itemsize)
        chunk_rows = max(1, BLOCK_BYTES // row_bytes)
    name = f"gradspec-npy-{dask.base.tokenize(str(path.resolve()), path.stat().st_mtime_ns)}"
    blocks = [da.from_delayed(
        dask.delayed(_read_rows, pure=True)(str(path), a, min(a + chunk_rows, shape[0]),
                                            dask_key_name=f"{name}-{a}"),
        shape=(min(a + chunk_rows, shape[0]) - a,) + shape[1:], dtype=dtype)
        for a in range(0, shape[0], chunk_rows)]
    return da.concatenate(blocks, axis=0) if len(blocks) > 1 else blocks[0]


def is_dataset(path: str | Path) -> bool:
    """Whether ``path`` looks like a dataset `open_dataset` can read."""
    path = Path(path)
    return path.is_dir() and (all((path / f).is_file() for f in NPY_FILES)
                              or (path / "zarr.json").is_file() or (path / ".zgroup").is_file())


def open_dataset(path: str | Path, *, chunk_rows: int | None = None) -> tuple[da.Array, da.Array]:
    """``(X, y)`` as dask arrays over a dataset on disk, split into blocks of ``chunk_rows``
    rows (default: about 32 MiB of X per block); nothing is read until a worker needs a block."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"no dataset at {path}")
    if all((path / f).is_file() for f in NPY_FILES):
        x = _npy_array(path / "x.npy", chunk_rows)
        y = _npy_array(path / "y.npy", x.chunks[0][0])
        if x.shape[0] != y.shape[0]:
            raise DataError(f"{path}: x.npy has {x.shape[0]} rows but y.npy has {y.shape[0]}")
        return x, y
    if (path / "zarr.json").is_file() or (path / ".zgroup").is_file():
        try:
            import zarr  # noqa: F401
        except ImportError:
            raise DataError(f"{path} is a zarr store; reading it needs zarr: pip install zarr") \
                from None
        x, y = da.from_zarr(str(path), component="x"), da.from_zarr(str(path), component="y")
        if chunk_rows is not None:
            x = x.rechunk({0: chunk_rows})
        return x, y.rechunk({0: x.chunks[0]})
    raise DataError(f"{path} is not a dataset: expected a folder with {' and '.join(NPY_FILES)} "
                    "(numpy) or a zarr group with arrays x and y")


def save_dataset(path: str | Path, x: Any, y: Any, *, format: str = "npy") -> Path:
    """Write X and y as a dataset `open_dataset` reads.

    ``format="npy"`` writes ``x.npy`` and ``y.npy`` into the folder ``path``; a dask array is
    computed and written one block at a time (never more than a block in memory here).
    ``"zarr"`` writes a zarr group with arrays ``x`` and ``y`` (``pip install zarr``).
    """
    path = Path(path)
    if x.shape[0] != y.shape[0]:
        raise DataError(f"X has {x.shape[0]} rows but y has {y.shape[0]}")
    if format == "zarr":
        x = x if isinstance(x, da.Array) else da.from_array(np.asarray(x))
        y = y if isinstance(y, da.Array) else da.from_array(np.asarray(y), chunks=(x.chunks[0],))
        da.to_zarr(x.rechunk({i: -1 for i in range(1, x.ndim)}), str(path), component="x",
                   mode="w")
        da.to_zarr(y, str(path), component="y", mode="a")
        return path
    if format != "npy":
        raise ValueError(f"format must be 'npy' or 'zarr', got {format!r}")
    path.mkdir(parents=True, exist_ok=True)
    for name, array in zip(NPY_FILES, (x, y)):
        if not isinstance(array, da.Array):
            np.save(path / name, np.asarray(array))
            continue
        out = np.lib.format.open_memmap(path / name, mode="w+", dtype=array.dtype,
                                        shape=array.shape)
        start = 0
        for block in array.rechunk({i: -1 for i in range(1, array.ndim)}).to_delayed().ravel():
            values = np.asarray(block.compute())
            out[start:start + values.shape[0]] = values
            start += values.shape[0]
        out.flush()
        del out
    return path


def _logistic_block(seed: int, index: int, rows: int, weight: np.ndarray, bias: float,
                    dtype: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([seed, index])
    x = rng.standard_normal((rows, weight.shape[0]))
    p = 0.5 * (1.0 + np.tanh(0.5 * (x @ weight + bias)))  # the sigmoid, without overflow
    y = (rng.random(rows) < p).astype(dtype)
    return x.astype(dtype), y


def logistic(rows: int, features: int, *, chunk_rows: int | None = None, seed: int = 0,
             dtype: str = "float64") -> tuple[da.Array, da.Array]:
    """A synthetic two-class dataset, made lazily a block at a time on the workers: X standard
    normal, y drawn from ``sigmoid(X @ w + b)`` for fixed w, b of the seed.  Block i depends only
    on ``(seed, i)``, so Dask can remake any block, and no block ever passes through here."""
    rng = np.random.default_rng(seed)
    weight = rng.normal(0.0, 2.0 / np.sqrt(features), features)
    bias = float(rng.normal(0.0, 0.5))
    if chunk_rows is None:
        chunk_rows = max(1, BLOCK_BYTES // (features * np.dtype(dtype).itemsize))
    xs, ys = [], []
    for index, start in enumerate(range(0, rows, chunk_rows)):
        n = min(chunk_rows, rows - start)
        block = dask.delayed(_logistic_block, pure=True, nout=2)(seed, index, n, weight, bias,
                                                                 dtype)
        xs.append(da.from_delayed(block[0], shape=(n, features), dtype=dtype))
        ys.append(da.from_delayed(block[1], shape=(n,), dtype=dtype))
    return da.concatenate(xs), da.concatenate(ys)
