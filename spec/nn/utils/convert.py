"""All parameters as one flat vector and back, as ``torch.nn.utils``: `parameters_to_vector`
and `vector_to_parameters` (for optimizers and analyses that see a model as one vector)."""

from __future__ import annotations

from typing import Any, Iterable

from ...plugins import backend_of
from ..parameter import is_tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Any]) -> Any:
    """One 1-D tensor holding every parameter's elements, in order (flattened row-major).
    It is computed in the graph: gradients flow back to the parameters."""
    params = list(parameters)
    if not params:
        raise ValueError("parameters_to_vector() got no parameters; pass model.parameters() of "
                         "a model that has some")
    backend = backend_of(params[0])
    return backend.cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec: Any, parameters: Iterable[Any]) -> None:
    """Copy consecutive slices of the 1-D tensor ``vec`` into the parameters, in order (the
    inverse of `parameters_to_vector`); outside the graph, as an optimizer step is."""
    if not is_tensor(vec):
        raise TypeError(f"expected a tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.dim() != 1 or vec.numel() != total:
        raise RuntimeError(f"vector_to_parameters() needs a 1-D vector of {total} elements (one "
                           f"per parameter element), got shape {tuple(vec.shape)}")
    backend = backend_of(vec)
    start = 0
    with backend.no_grad():
        for p in params:
            n = p.numel()
            p.copy_(vec[start:start + n].reshape(tuple(p.shape)))
            start += n
