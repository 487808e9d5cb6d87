"""How a model travels to the workers: its structure once, its parameters' values every step.

The driver's model is pickled with cloudpickle (so classes and functions of the user's own
script travel by value), except that tensors and backend objects are replaced by persistent
references: a parameter by its position and shape, another tensor (a buffer, a constant) by its
host values, the backend by nothing at all.  A worker unpickles it against the backend it was
told to load, by name: the same model, on numpy on a CPU worker or on cupy on a GPU worker.
Parameters start as zeros there and receive the driver's values at every step.
"""

from __future__ import annotations

import io
import pickle
from typing import Any, Callable, Sequence

import cloudpickle
import numpy as np

from ..plugins import backend_of

_PLAIN = (type(None), bool, int, float, complex, str, bytes, list, tuple, dict, set, frozenset,
          type)


def _tensor_backend(obj: Any) -> Any:
    if isinstance(obj, _PLAIN):
        return None
    try:
        return backend_of(obj)
    except TypeError:
        return None


class _Pickler(cloudpickle.Pickler):
    def __init__(self, file: io.BytesIO, params: Sequence[Any]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._params = {id(p): i for i, p in enumerate(params)}
        self._backends = {id(backend_of(p)) for p in params}
        self._tensors: dict[int, int] = {}

    def persistent_id(self, obj: Any) -> Any:
        if id(obj) in self._backends:
            return ("backend",)
        index = self._params.get(id(obj))
        if index is not None:
            host = np.asarray(backend_of(obj).to_numpy(obj))
            return ("param", index, tuple(host.shape), host.dtype.str, bool(obj.requires_grad))
        backend = _tensor_backend(obj)
        if backend is None:
            return None
        self._backends.add(id(backend))
        # Numbered so that a tensor held twice (tied weights, say) is one tensor again.
        number = self._tensors.setdefault(id(obj), len(self._tensors))
        return ("tensor", number, np.array(backend.to_numpy(obj)), bool(obj.requires_grad))


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, backend: Any) -> None:
        super().__init__(file)
        self._backend = backend
        self.params: dict[int, Any] = {}
        self._tensors: dict[int, Any] = {}

    def persistent_load(self, pid: Any) -> Any:
        kind = pid[0]
        if kind == "backend":
            return self._backend
        if kind == "param":
            _, index, shape, dtype, requires_grad = pid
            if index not in self.params:
                zeros = np.zeros(shape, dtype=np.dtype(dtype))
                self.params[index] = self._backend.tensor(zeros, requires_grad=requires_grad)
            return self.params[index]
        if kind == "tensor":
            _, number, values, requires_grad = pid
            if number not in self._tensors:
                self._tensors[number] = self._backend.tensor(values, requires_grad=requires_grad)
            return self._tensors[number]
        raise pickle.UnpicklingError(f"unknown persistent reference {kind!r}")


def pack(model: Any, objective: Callable[..., Any], params: Sequence[Any]) -> bytes:
    """``(model, objective)`` as bytes, with ``params`` (the model's parameters, in order)
    reduced to their shapes and dtypes and every tensor's backend left out."""
    buffer = io.BytesIO()
    _Pickler(buffer, params).dump((model, objective, len(params)))
    return buffer.getvalue()


def unpack(blob: bytes, backend: Any) -> tuple[Any, Callable[..., Any], list[Any]]:
    """``(model, objective, params)`` rebuilt on ``backend``; params in the driver's order."""
    unpickler = _Unpickler(io.BytesIO(blob), backend)
    model, objective, count = unpickler.load()
    missing = [i for i in range(count) if i not in unpickler.params]
    if missing:
        raise pickle.UnpicklingError(f"parameters {missing} of the model did not travel with it")
    return model, objective, [unpickler.params[i] for i in range(count)]


def dumps(function: Callable[..., Any]) -> bytes:
    """A function of the user's (an evaluation metric) as bytes, tensors it holds by value."""
    buffer = io.BytesIO()
    _Pickler(buffer, ()).dump(function)
    return buffer.getvalue()


def loads(blob: bytes, backend: Any) -> Any:
    """The inverse of `dumps`, on ``backend``."""
    return _Unpickler(io.BytesIO(blob), backend).load()
