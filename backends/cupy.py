"""The ``cupy`` backend: gradspec's engine over CuPy, on an NVIDIA GPU.

CuPy is imported only when the backend is created; checking availability looks for the CuPy
package and asks the CUDA driver (through ctypes) how many devices there are, so listing
backends never imports CuPy.  Random numbers: CuPy's default generator on the GPU
(``cupy.random.default_rng``), seeded by ``manual_seed`` (default seed 0); its streams differ
from numpy's.  ``numpy()``/``tolist()``/``item()`` copy to the host.

Options: ``device`` (a CUDA device index, default 0).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
from typing import Any, Mapping

from gradspec.plugins import hookimpl

from ._hosts import normal_draw, uniform_draw


def cuda_device_count() -> tuple[int, str]:
    """Number of CUDA devices the driver reports, and why it is zero."""
    name = ctypes.util.find_library("cuda") or "libcuda.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return 0, "no CUDA driver found (libcuda is missing): this machine has no NVIDIA GPU"
    if lib.cuInit(0) != 0:
        return 0, "the CUDA driver failed to initialise: no usable CUDA device"
    count = ctypes.c_int(0)
    if lib.cuDeviceGetCount(ctypes.byref(count)) != 0 or count.value == 0:
        return 0, "no CUDA device"
    return count.value, ""


class CupyRNG:
    def __init__(self, cp: Any, seed: int = 0) -> None:
        self.cp = cp
        self.seed(seed)

    def seed(self, seed: int) -> None:
        self.initial = int(seed)
        self.gen = self.cp.random.default_rng(self.initial)

    def normal(self, shape: tuple, dtype: str) -> Any:
        return normal_draw(self.cp, self.gen, shape, dtype)

    def uniform(self, shape: tuple, dtype: str) -> Any:
        return uniform_draw(self.cp, self.gen, shape, dtype)

    def integers(self, low: int, high: int, shape: tuple) -> Any:
        return self.gen.integers(low, high, size=shape, dtype=self.cp.int64)


@hookimpl
def gradspec_backend_describe() -> Mapping[str, str]:
    return {"summary": "gradspec's engine over CuPy (NVIDIA GPU)", "device": "cuda",
            "library": "cupy-cuda12x, cupy-cuda11x, cupy"}


@hookimpl
def gradspec_backend_available() -> tuple[bool, str]:
    if importlib.util.find_spec("cupy") is None:
        return False, "CuPy is not installed: pip install 'gradspec[cupy]' (needs an NVIDIA GPU)"
    count, why = cuda_device_count()
    if count == 0:
        return False, why
    return True, ""


@hookimpl
def gradspec_backend_create(options: Mapping[str, str]) -> Any:
    unknown = set(options) - {"device"}
    if unknown:
        raise ValueError(f"unknown option(s) for backend 'cupy': {sorted(unknown)}; known: device")
    import array_api_compat.cupy as xp
    import cupy as cp
    import cupyx
    import numpy as np

    from ._hosts import keep_bits, version
    from .engine import EngineBackend, Host

    index = int(options.get("device", 0))
    cp.cuda.Device(index).use()

    def index_put(target: Any, key: Any, values: Any) -> None:
        target[key] = values

    host = Host(
        to_numpy=cp.asnumpy,
        from_numpy=cp.asarray,
        rng=CupyRNG(cp),
        device=f"cuda:{index}",
        scatter_add=cupyx.scatter_add,
        scatter_max=cupyx.scatter_max,
        scatter_min=cupyx.scatter_min,
        index_put=index_put,
        numpy=np,
        c_order=lambda a: cp.asarray(a, order="C"),
        keep=keep_bits(cp),
    )
    return EngineBackend("cupy", xp, host, version(), "gradspec's engine over CuPy")
