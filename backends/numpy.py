"""The ``numpy`` backend: gradspec's engine over numpy (the default backend).

Random numbers: numpy's PCG64 generator (``numpy.random.default_rng``), seeded by
``manual_seed`` (default seed 0).  ``from_numpy`` shares memory with the numpy array, as in
PyTorch.  Native fast paths: ``numpy.add.at`` for scatter-adds and numpy's own advanced
indexing for indexed assignment, and `.engine.tuned_numpy`'s direct calls for the functions
small models call most.
"""

from __future__ import annotations

import functools
import importlib.util
from typing import Any, Mapping

from gradspec.plugins import hookimpl


def build() -> Any:
    import numpy as np

    from ._hosts import NumpyRNG, keep_bits, numpy_quiet, version
    from .engine.tuned_numpy import namespace
    from .engine import EngineBackend, Host

    def index_put(target: Any, key: Any, values: Any) -> None:
        target[key] = values

    host = Host(
        to_numpy=np.asarray,
        from_numpy=lambda a: a,
        rng=NumpyRNG(np, lambda a: a),
        device="cpu",
        scatter_add=np.add.at,
        scatter_max=np.maximum.at,
        scatter_min=np.minimum.at,
        scatter_mul=np.multiply.at,
        index_put=index_put,
        numpy=np,
        c_order=functools.partial(np.asarray, order="C"),  # (no Python frame per call)
        quiet=numpy_quiet(np),
        keep=keep_bits(np),
    )
    return EngineBackend("numpy", namespace(), host, version(),
                         "gradspec's engine over numpy (CPU)")


@hookimpl
def gradspec_backend_describe() -> Mapping[str, str]:
    return {"summary": "gradspec's engine over numpy", "device": "cpu", "library": "numpy"}


@hookimpl
def gradspec_backend_available() -> tuple[bool, str]:
    if importlib.util.find_spec("array_api_compat") is None:
        return False, "array-api-compat is not installed: pip install array-api-compat"
    return True, ""


@hookimpl
def gradspec_backend_create(options: Mapping[str, str]) -> Any:
    from .engine.backend import configure

    return configure(build(), options)
