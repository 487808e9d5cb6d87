"""Scale out on Dask: train a `gradspec.nn` model on data spread over a Dask cluster.

Synchronous data parallelism on ``dask.distributed``: the data lives on the workers in shards
(row blocks), each step sends the model's parameters, every worker runs forward and backward on
its shards with the named backend (numpy on CPU workers, cupy on GPU workers), and the losses
and gradients come back summed, as a tree, in float64.  The driver sets them as ``.grad`` and
any `gradspec.optim` optimizer steps there: the mathematics of one process on the full batch.

```python
from gradspec import distributed, load_backend, nn, optim

torch = load_backend("numpy")
client = distributed.connect("local:2")              # or "tcp://scheduler:8786"
X, y = distributed.logistic(1_000_000, 32)           # any dask arrays (or numpy arrays)
data = distributed.ShardedData(X, y[:, None], client)
model = nn.Sequential(nn.Linear(32, 1, backend=torch, dtype=torch.float64), nn.Sigmoid())
trainer = distributed.DataParallel(model, nn.BCELoss(), data)
optimizer = optim.SGD(model.parameters(), lr=1.0, momentum=0.9)
for step in range(50):
    loss = trainer.backward()                        # the distributed loss.backward()
    optimizer.step()
    optimizer.zero_grad()
```

Needs Dask: ``pip install "gradspec[dask]"``.  Shards are persisted once on the workers (made
aligned and contiguous where they live) when they fit in memory, and streamed from their
source at every step when they do not (`open_dataset` reads ``.npy`` files or zarr).  A worker
lost mid-training costs time only: Dask recomputes its shards from their source and reruns its
tasks, and the tree adds the partial sums in a fixed order, so the result equals an undisturbed
run's.  See the docs' "Scaling out" page.
"""

from __future__ import annotations

try:
    import dask.array  # noqa: F401
    import distributed as _distributed  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised without the extra installed
    raise ImportError(
        f"gradspec.distributed needs Dask ({exc.name} is missing): "
        "pip install 'gradspec[dask]'") from exc

from .cluster import connect, parse_scheduler
from .data import ClusterError, DataError, ShardedData, batch_indices
from .datasets import is_dataset, logistic, open_dataset, save_dataset
from .parallel import DataParallel

__all__ = ["ClusterError", "DataError", "DataParallel", "ShardedData", "batch_indices", "connect",
           "is_dataset", "logistic", "open_dataset", "parse_scheduler", "save_dataset"]
