"""The ``strict`` backend: gradspec's engine over array_api_strict.

array_api_strict implements exactly the Python array API standard and nothing more; running
the whole conformance suite on it proves the engine needs nothing CuPy lacks.  It is a test
backend, not a fast one: it has no native scatter-add, so repeated-index gradients use the
engine's portable one-hot product.  Random numbers: numpy's PCG64 generator, converted.
"""

from __future__ import annotations

import importlib.util
from typing import Any, Mapping

from gradspec.plugins import hookimpl


@hookimpl
def gradspec_backend_describe() -> Mapping[str, str]:
    return {"summary": "gradspec's engine over array_api_strict (portability check)",
            "device": "cpu", "library": "array-api-strict"}


@hookimpl
def gradspec_backend_available() -> tuple[bool, str]:
    if importlib.util.find_spec("array_api_strict") is None:
        return False, "array-api-strict is not installed: pip install 'gradspec[strict]'"
    return True, ""


def _c_order(a: Any) -> Any:
    """array_api_strict arrays hold numpy arrays (the standard has no memory layout)."""
    import array_api_strict as xp
    import numpy as np

    host = np.asarray(a)
    if host.flags.c_contiguous:
        return a
    return xp.asarray(np.ascontiguousarray(host))


@hookimpl
def gradspec_backend_create(options: Mapping[str, str]) -> Any:
    import array_api_strict as xp
    import numpy as np

    from ._hosts import NumpyRNG, numpy_quiet, version
    from .engine import EngineBackend, Host

    host = Host(
        to_numpy=lambda a: np.asarray(a),
        from_numpy=lambda a: xp.asarray(a),
        rng=NumpyRNG(np, lambda a: xp.asarray(a)),
        device="cpu",
        numpy=np,
        c_order=_c_order,
        quiet=numpy_quiet(np),  # array_api_strict computes with numpy
    )
    from .engine.backend import configure

    return configure(EngineBackend("strict", xp, host, version(),
                                   "gradspec's engine over array_api_strict"), options)
