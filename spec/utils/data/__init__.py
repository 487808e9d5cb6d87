"""Datasets and loaders (``torch.utils.data``), written once against the protocol.

```python
torch = gradspec.load_backend("numpy")
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=32,
                                     shuffle=True, generator=torch.Generator().manual_seed(0))
for xb, yb in loader:
    ...
```

Shuffling draws permutations from the backend's generator (``manual_seed`` makes it
repeatable) or from the ``generator=`` given, so the order is repeatable on every backend but
differs between backends (each has its own random numbers).  The backend is the one the loader
was reached through (``torch.utils.data.DataLoader``), else the backend of the dataset's tensors,
else the default backend.

Differences from PyTorch, all deliberate: ``num_workers`` is accepted but batches are always
loaded in the calling process (no worker processes, same batches); ``pin_memory`` is accepted
and has no effect.
"""

from __future__ import annotations

import bisect
import math
import warnings
from typing import Any, Callable, Generic, Iterable, Iterator, Sequence, TypeVar

from ...nn.parameter import is_tensor
from ...plugins import backend_of, load_backend
from ...surface import takes_backend

__all__ = [
    "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset",
    "RandomSampler", "Sampler", "SequentialSampler", "StackDataset", "Subset",
    "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler", "default_collate",
    "default_convert", "get_worker_info", "random_split",
]

T = TypeVar("T")


# ---------------------------------------------------------------------------------- datasets
class Dataset(Generic[T]):
    """A map-style dataset: subclasses define ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index: int) -> T:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other: "Dataset[T]") -> "ConcatDataset[T]":
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T]):
    """A dataset that is a stream: subclasses define ``__iter__()``."""

    def __iter__(self) -> Iterator[T]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class TensorDataset(Dataset[tuple]):
    """Samples are tuples ``(t[i] for t in tensors)``; every tensor has the same first dim."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        for t in tensors:
            if not is_tensor(t):
                raise TypeError(f"TensorDataset takes tensors, got {type(t).__name__}")
        sizes = [t.shape[0] if t.dim() else None for t in tensors]
        if None in sizes or len(set(sizes)) != 1:
            raise ValueError(f"Size mismatch between tensors: first dimensions {sizes}; every "
                             "tensor must have the same number of samples along dim 0")
        self.tensors = tensors

    def __getitem__(self, index: int) -> tuple:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset[T]):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset[T], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = list(indices)

    def __getitem__(self, index: Any) -> T:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset[T]):
    """Datasets one after another."""

    def __init__(self, datasets: Iterable[Dataset[T]]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one dataset")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes: list[int] = []
        total = 0
        for d in self.datasets:
            total += len(d)  # type: ignore[arg-type]
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> T:
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset[T]):
    """Iterable datasets one after another, as one stream."""

    def __init__(self, datasets: Iterable[Dataset[T]]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[T]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)  # type: ignore[arg-type]
        return total


class StackDataset(Dataset[Any]):
    """Datasets of one length side by side: sample ``i`` is the tuple of their ``i``-th
    samples (``StackDataset(a, b)``), or a dict of them by name (``StackDataset(x=a, y=b)``)."""

    def __init__(self, *args: Dataset[Any], **kwargs: Dataset[Any]) -> None:
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via "
                             "``kwargs``) like input/output, but both types are given.")
        parts = list(args) if args else list(kwargs.values())
        if not parts:
            raise ValueError("At least one dataset should be passed")
        self._length = len(parts[0])  # type: ignore[arg-type]
        if any(self._length != len(d) for d in parts):  # type: ignore[arg-type]
            raise ValueError("Size mismatch between datasets")
        self.datasets: Any = tuple(args) if args else dict(kwargs)

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


def get_worker_info() -> None:
    """None: batches are always loaded in the calling process (``num_workers`` is accepted
    and changes nothing), which is what PyTorch returns outside a worker."""
    return None


# ---------------------------------------------------------------------------------- samplers
class Sampler(Generic[T]):
    """Yields dataset indices (or lists of them, for a batch sampler)."""

    def __iter__(self) -> Iterator[T]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler[int]):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source: Any) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """A random order of the indices (a new one each pass), drawn from ``generator`` or the
    backend's generator; with ``replacement``, ``num_samples`` independent draws."""

    _bound_backend: Any = None

    def __init__(self, data_source: Any, replacement: bool = False,
                 num_samples: int | None = None, generator: Any = None, *,
                 backend: Any = None) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got {replacement!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        self._backend = backend
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        """How many indices one pass yields."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        backend = _backend_for(self, self.data_source, self._backend)
        n = len(self.data_source)
        if self.replacement:
            draws = backend.randint(0, n, (self.num_samples,), generator=self.generator)
            return iter(draws.tolist())
        order: list[int] = []
        while len(order) < self.num_samples:
            order += backend.randperm(n, generator=self.generator).tolist()
        return iter(order[:self.num_samples])

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices in a random order (a new one each pass)."""

    _bound_backend: Any = None

    def __init__(self, indices: Sequence[int], generator: Any = None, *,
                 backend: Any = None) -> None:
        self.indices = list(indices)
        self.generator = generator
        self._backend = backend

    def __iter__(self) -> Iterator[int]:
        backend = _backend_for(self, None, self._backend)
        order = backend.randperm(len(self.indices), generator=self.generator).tolist()
        return (self.indices[i] for i in order)

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """``num_samples`` indices drawn with probabilities proportional to ``weights`` (one per
    sample; rebalancing a skewed dataset), with replacement by default, from ``generator`` or
    the backend's generator.  Without replacement an index comes at most once (each draw
    among the indices not yet drawn, as torch.multinomial)."""

    _bound_backend: Any = None

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Any = None, *, backend: Any = None) -> None:
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        values = weights.tolist() if hasattr(weights, "tolist") else list(weights)
        if any(isinstance(w, (list, tuple)) for w in values):
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(getattr(weights, 'shape', (len(values), -1)))}")
        self.weights = [float(w) for w in values]
        if any(w < 0 or w != w for w in self.weights):
            raise RuntimeError("invalid multinomial distribution (encountering probability "
                               "entry < 0)")
        if sum(self.weights) <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        nonzero = sum(1 for w in self.weights if w > 0)
        if not replacement and num_samples > nonzero:
            raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without "
                               f"replacement: {num_samples} draws from {nonzero} indices of "
                               "non-zero weight")
        self.num_samples, self.replacement, self.generator = num_samples, replacement, generator
        self._backend = backend if backend is not None else (
            backend_of(weights) if hasattr(weights, "requires_grad") else None)

    def __iter__(self) -> Iterator[int]:
        backend = _backend_for(self, None, self._backend)
        n = len(self.weights)
        count = self.num_samples if self.replacement else n
        draws = backend.rand(count, dtype=backend.float64, generator=self.generator).tolist()
        if self.replacement:  # the inverse of the cumulative weights, uniform draw by draw
            total, cumulative, running = sum(self.weights), [], 0.0
            for w in self.weights:
                running += w
                cumulative.append(running)
            picks = [min(bisect.bisect_right(cumulative, u * total), n - 1) for u in draws]
            return iter(picks)
        # without replacement: the num_samples largest keys u ** (1 / w) (Efraimidis and
        # Spirakis), the same law as drawing one index at a time among those left
        keys = [(u ** (1.0 / w) if w > 0 else -1.0, i)
                for i, (u, w) in enumerate(zip(draws, self.weights))]
        keys.sort(key=lambda k: -k[0])
        return iter([i for _, i in keys[:self.num_samples]])

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list]):
    """Lists of ``batch_size`` indices from ``sampler`` (the last one shorter unless
    ``drop_last``)."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self) -> Iterator[list]:
        batch: list[int] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)


# ---------------------------------------------------------------------------------- collation
def default_collate(batch: Sequence[Any], *, backend: Any = None) -> Any:
    """Samples into a batch, as PyTorch's: tensors are stacked on a new first dim; Python
    floats, ints and bools become a tensor (float64, int64, bool); numpy arrays become tensors
    and are stacked; tuples and lists are collated position by position (a list comes back,
    a named tuple stays one), dicts key by key; strings are kept as they come (the strings of
    one position of tuple samples as a tuple)."""
    first = batch[0]
    if is_tensor(first):
        return backend_of(first).stack(list(batch), 0)
    backend = backend or load_backend()
    if isinstance(first, bool):
        return backend.tensor(list(batch), dtype=backend.bool)
    if isinstance(first, float):
        return backend.tensor(list(batch), dtype=backend.float64)
    if isinstance(first, int):
        return backend.tensor(list(batch), dtype=backend.int64)
    if type(first).__module__ == "numpy":
        return backend.stack([backend.as_tensor(b) for b in batch], 0)
    if isinstance(first, (str, bytes)):
        return batch  # as given: a list, or within a tuple sample's column a tuple (PyTorch's)
    if isinstance(first, dict):
        return {k: default_collate([b[k] for b in batch], backend=backend) for k in first}
    if isinstance(first, (tuple, list)):
        lengths = {len(b) for b in batch}
        if len(lengths) != 1:
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(column, backend=backend) for column in zip(*batch)]
        if hasattr(first, "_fields"):  # a named tuple stays one (PyTorch's rule)
            return type(first)(*columns)
        return columns
    raise TypeError(f"default_collate: batch must contain tensors, numbers, numpy arrays, "
                    f"dicts or lists; found {type(first).__name__}")


def default_convert(data: Any, *, backend: Any = None) -> Any:
    """One sample as a loader without batching (``batch_size=None``) gives it, as PyTorch's:
    numpy arrays become tensors, tuples become lists (named tuples stay), mappings and lists
    are converted entry by entry; everything else is kept."""
    if is_tensor(data) or isinstance(data, (str, bytes)):
        return data
    if type(data).__name__ == "ndarray" and type(data).__module__ == "numpy":
        if data.dtype.kind in "biuf":
            return (backend or load_backend()).as_tensor(data)
        return data
    if isinstance(data, dict):
        return type(data)({k: default_convert(v, backend=backend) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a named tuple keeps its type
        return type(data)(*(default_convert(d, backend=backend) for d in data))
    if isinstance(data, (tuple, list)):
        return [default_convert(d, backend=backend) for d in data]
    return data


# ---------------------------------------------------------------------------------- the loader
class DataLoader(Generic[T]):
    """Batches of a dataset, as ``torch.utils.data.DataLoader``: ``batch_size``, ``shuffle``
    (a new order each epoch, from ``generator`` or the backend's generator), ``drop_last``,
    ``sampler`` / ``batch_sampler``, ``collate_fn``.  ``len(loader)`` is the number of batches.
    """

    _bound_backend: Any = None

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Any = None, batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Any = None,
                 multiprocessing_context: Any = None, generator: Any = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", backend: Any = None) -> None:
        if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        self.dataset = dataset
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.generator = generator
        self._backend = backend
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable and (shuffle or sampler is not None or batch_sampler is not None):
            raise ValueError("DataLoader with an IterableDataset takes no shuffle, sampler or "
                             "batch_sampler: the dataset decides the order")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None and not self._iterable:
            sampler = (RandomSampler(dataset, generator=generator, backend=self._data_backend())
                       if shuffle else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn
        self._default_collate = collate_fn is None

    def _data_backend(self) -> Any:
        return _backend_for(self, self.dataset, self._backend)

    def __iter__(self) -> Iterator[Any]:
        if self.pin_memory and not str(getattr(self._data_backend(), "device", "cpu")).startswith(
                "cuda"):  # (PyTorch's notice; the batches are the same either way)
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", UserWarning, stacklevel=2)
        if self._iterable:
            return self._iter_stream()
        if self.batch_sampler is None:  # batch_size=None: samples one by one, not collated
            return (self._convert(self.dataset[i]) for i in self.sampler)
        return (self._batch(indices) for indices in self.batch_sampler)

    def _batch(self, indices: list[int]) -> Any:
        dataset = self.dataset
        if self._default_collate and type(dataset) is TensorDataset:
            # one gather per tensor instead of stacking samples: the same values
            index = backend_of(dataset.tensors[0]).tensor(indices)
            return [t[index] for t in dataset.tensors]
        samples = [dataset[i] for i in indices]
        if self._default_collate:
            return default_collate(samples, backend=self._data_backend())
        return self.collate_fn(samples)  # type: ignore[misc]

    def _iter_stream(self) -> Iterator[Any]:
        if self.batch_size is None:
            yield from (self._convert(s) for s in self.dataset)
            return
        batch: list[Any] = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self._collate(batch)
                batch = []
        if batch and not self.drop_last:
            yield self._collate(batch)

    def _collate(self, samples: list) -> Any:
        if self._default_collate:
            return default_collate(samples, backend=self._data_backend())
        return self.collate_fn(samples)  # type: ignore[misc]

    def _convert(self, sample: Any) -> Any:
        if self._default_collate:
            return default_convert(sample, backend=self._data_backend())
        return self.collate_fn(sample)  # type: ignore[misc]

    def __len__(self) -> int:
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        if self.batch_sampler is None:
            return len(self.sampler)
        return len(self.batch_sampler)


# ---------------------------------------------------------------------------------- splits
@takes_backend
def random_split(dataset: Dataset[T], lengths: Sequence[int | float], generator: Any = None,
                 *, backend: Any = None) -> list[Subset[T]]:
    """Non-overlapping random subsets of the given lengths (integers summing to ``len(dataset)``,
    or fractions summing to 1, as PyTorch rounds them)."""
    n = len(dataset)  # type: ignore[arg-type]
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1 and not all(
            isinstance(x, int) for x in lengths):
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(int(math.floor(n * frac)))
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              "empty dataset.", UserWarning, stacklevel=2)
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    be = _backend_for(None, dataset, backend)
    order = be.randperm(n, generator=generator).tolist()
    out, start = [], 0
    for size in lengths:
        out.append(Subset(dataset, order[start:start + int(size)]))
        start += int(size)
    return out


def _backend_for(owner: Any, dataset: Any, explicit: Any) -> Any:
    """The backend a loader or split draws random numbers on: given, else the one it was
    reached through, else the dataset's tensors', else the default."""
    if explicit is not None:
        return load_backend(explicit) if isinstance(explicit, str) else explicit
    bound = getattr(type(owner), "_bound_backend", None) if owner is not None else None
    if bound is not None:
        return bound
    while isinstance(dataset, Subset):
        dataset = dataset.dataset
    if isinstance(dataset, TensorDataset):
        return backend_of(dataset.tensors[0])
    return load_backend()
