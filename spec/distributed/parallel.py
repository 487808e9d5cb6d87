"""Synchronous data parallelism: one backward over every shard, the gradients summed as a tree.

The driver keeps the model and the optimizer; a step sends the parameters' values, every
shard's worker runs forward and backward on its rows with the named backend, and the partial
sums of loss and gradients come back added in a fixed tree of fan-in `FAN_IN` whose last level
is summed on the driver.  The result is the gradient of the full batch's loss, as one process
would compute it over the concatenated data, set on the driver's parameters as ``.grad``.
"""

from __future__ import annotations

import uuid
from typing import Any, Callable

import numpy as np

from ..plugins import backend_of
from . import transport, worker
from .data import DataError, ShardedData

#: Partial results added per node of the reduction tree (and at most this many reach the driver).
FAN_IN = 8

#: Parameters travel inside every task of a step while all those copies together stay under
#: this many bytes; beyond, they travel once per step as a task of their own that the shard
#: tasks depend on (each worker then fetches one copy, from whichever worker has one).
INLINE_PARAMETERS = 1 << 20


class _ModelLoss:
    """The default objective: ``loss_fn(model(x), y)``."""

    def __init__(self, loss_fn: Callable[[Any, Any], Any]) -> None:
        self.loss_fn = loss_fn

    def __call__(self, model: Any, x: Any, y: Any) -> Any:
        return self.loss_fn(model(x), y)


class DataParallel:
    """Train ``model`` on sharded data as if it were one process's full batch.

    ``backward()`` is the distributed ``loss.backward()``: it computes the loss over every row
    (or over the rows of a mini-batch), sets the gradient on each parameter of the driver's
    ``model`` (adding to an existing ``.grad``, as backward does) and returns the loss as a
    float; any ``gradspec.optim`` optimizer then steps on the driver:

    ```python
    trainer = DataParallel(model, nn.BCELoss(), data)
    for _ in range(100):
        loss = trainer.backward()
        optimizer.step()
        optimizer.zero_grad()
    ```

    The objective is ``loss_fn(model(x), y)`` unless ``objective(model, x, y)`` is given; it
    must be a mean over the rows it sees (or a sum: ``reduction="sum"``, taken from
    ``loss_fn.reduction`` when it has one), so that shards add up to the full batch.  A
    penalty on the weights belongs in the optimizer (``weight_decay``), not in the objective.
    Before the first step the objective runs once on the driver on two rows of the data: a
    mistake (shapes, dtypes) is reported there, not from a worker.
    """

    def __init__(self, model: Any, loss_fn: Callable[[Any, Any], Any] | None,
                 data: ShardedData, *, objective: Callable[[Any, Any, Any], Any] | None = None,
                 reduction: str | None = None) -> None:
        if not isinstance(data, ShardedData):
            raise TypeError(f"data must be a ShardedData, got {type(data).__name__}")
        if loss_fn is None and objective is None:
            raise TypeError("give a loss_fn (e.g. nn.BCELoss()) or an objective(model, x, y)")
        reduction = reduction or getattr(loss_fn, "reduction", None) or "mean"
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum' (a loss over all rows), got "
                             f"{reduction!r}")
        self.model = model
        self.data = data
        self.reduction = reduction
        self.objective = objective if objective is not None else _ModelLoss(loss_fn)
        self.params = list(model.parameters())
        if not self.params:
            raise ValueError(f"{type(model).__name__} has no parameters; there is nothing to train")
        self.backend = backend_of(self.params[0])
        self._check_dtype()
        self._token = uuid.uuid4().hex
        self._blob = transport.pack(model, self.objective, self.params)
        self._dry_run()

    # -- a step -----------------------------------------------------------------------------------
    def backward(self, indices: Any = None) -> float:
        """The loss over all rows (``indices`` None) or over the rows ``indices``, with every
        parameter's gradient added to its ``.grad`` on the driver; returns the loss."""
        parts = self.data.select(indices)
        count = self.data.rows if indices is None else int(np.asarray(indices).shape[0])
        total, got = self._run(worker.gradient, worker.block_gradient, parts,
                               reduction=self.reduction)
        divide = float(count) if self.reduction == "mean" else 1.0
        engine = self.backend
        start = 1
        with engine.no_grad():
            for p, has in zip(self.params, got):
                size = int(np.prod(p.shape))
                if has:
                    values = (total[start:start + size] / divide).reshape(tuple(p.shape))
                    grad = engine.tensor(values, dtype=p.dtype)
                    if p.grad is None:
                        p.grad = grad
                    else:
                        p.grad.add_(grad)
                start += size
        return float(total[0] / divide)

    def evaluate(self, function: Callable[[Any, Any, Any], Any], indices: Any = None) -> Any:
        """``function(model, x, y)`` on every shard (without recording a graph), summed over
        shards: a float for a scalar result, an array for a tensor, a tuple for a tuple.
        Sums count, so return sums: ``(model(x).ge(0.5).squeeze(1) == y).sum()`` counts hits.
        """
        parts = self.data.select(indices)
        *sums, is_tuple = self._run(worker.evaluate, worker.block_evaluate, parts,
                                    function=transport.dumps(function))
        values = [float(s) if s.ndim == 0 else s for s in sums]
        return tuple(values) if is_tuple else values[0]

    # -- how a step runs -------------------------------------------------------------------------
    def _values(self, tasks: int) -> Any:
        values = [np.array(self.backend.to_numpy(p), copy=True) for p in self.params]
        if tasks * sum(v.nbytes for v in values) > INLINE_PARAMETERS:
            return self.data.client.submit(worker.hold, values, pure=False)
        return values

    def _run(self, on_shard: Any, on_block: Any, parts: list[tuple[int, Any]],
             **kwargs: Any) -> tuple[np.ndarray, ...]:
        client = self.data.client
        futures = self.data.submit(on_shard, on_block, parts, token=self._token, blob=self._blob,
                                   backend=self.data.backend, values=self._values(len(parts)),
                                   **kwargs)
        while len(futures) > FAN_IN:
            groups = [futures[i:i + FAN_IN] for i in range(0, len(futures), FAN_IN)]
            futures = client.map(worker.add, groups, pure=False)
        return worker.add(client.gather(futures))

    # -- checks before the first step ------------------------------------------------------------
    def _check_dtype(self) -> None:
        floats = {np.asarray(self.backend.to_numpy(p)).dtype for p in self.params}
        floats = {d for d in floats if d.kind == "f"}
        if floats and self.data.dtype not in floats:
            want = ", ".join(sorted(str(d) for d in floats))
            raise DataError(
                f"X has dtype {self.data.dtype} but the model's parameters are {want}; cast the "
                f"data (X.astype('{want.split(',')[0]}')) or build the model in {self.data.dtype}")

    def _dry_run(self) -> None:
        x, y = self.data.head()
        engine = self.backend
        try:
            with engine.no_grad():
                loss = self.objective(self.model, engine.from_numpy(x), engine.from_numpy(y))
        except Exception as exc:
            raise DataError(
                f"the objective fails on the first rows of the data (checked on the driver "
                f"before any step): {type(exc).__name__}: {exc}") from exc
        shape = tuple(getattr(loss, "shape", (None,)))
        if shape != ():
            raise DataError(
                f"the objective returned shape {shape}; it must return a scalar loss (a mean or "
                "a sum over the rows, e.g. nn.BCELoss() with reduction='mean')")

    def __repr__(self) -> str:
        return (f"DataParallel({type(self.model).__name__}, {len(self.params)} parameters, "
                f"reduction={self.reduction!r}, {self.data!r})")
