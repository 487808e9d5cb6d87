"""What every benchmark shares: round-robin timing, peak memory, threads and the machine.

Timing rule: the systems of one benchmark run in turn, one repeat each, round after round, in
one process; each system's figure is the median of its repeats.  A disturbance of the machine
then hits every system alike, so the ratios hold even when the absolute times wobble.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Mapping

BENCH_DIR = Path(__file__).resolve().parent


def round_robin(systems: Mapping[str, Callable[[], Any]], repeats: int,
                warmup: int = 1, tick: Callable[[], None] | None = None) -> dict[str, Any]:
    """Run each system ``warmup + repeats`` times, in turn; the median of the timed repeats.

    A system returns None (the call is timed as a whole) or a dict of named phase durations in
    seconds (it timed itself, e.g. forward and backward); the result maps each system to a
    float or to a dict of medians by phase.  ``tick`` is called after every round.
    """
    samples: dict[str, list[Any]] = {name: [] for name in systems}
    for round_index in range(warmup + repeats):
        for name, fn in systems.items():
            gc.collect()  # garbage of one system must not be collected on another's clock
            was = gc.isenabled()
            gc.disable()
            try:
                t0 = time.perf_counter()
                phases = fn()
                elapsed = time.perf_counter() - t0
            finally:
                if was:
                    gc.enable()
            if round_index >= warmup:
                samples[name].append(elapsed if phases is None else phases)
        if tick is not None:
            tick()
    out: dict[str, Any] = {}
    for name, runs in samples.items():
        if isinstance(runs[0], dict):
            out[name] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        else:
            out[name] = statistics.median(runs)
    return out


def subprocess_rounds(script: Path, systems: list[str], args: list[str], rounds: int,
                      tick: Callable[[], None] | None = None,
                      env: dict[str, str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Run ``python script --worker SYSTEM *args`` for each system in turn, ``rounds`` times;
    each run prints one JSON object.  A process per system keeps their thread pools (torch's
    OpenMP, numpy's BLAS) from competing for the cores, and measures memory alone.  ``env``:
    variables added to the workers' environment."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in systems}
    for _ in range(rounds):
        for name in systems:
            cmd = [sys.executable, str(script), "--worker", name, *args]
            done = subprocess.run(cmd, capture_output=True, text=True,
                                  env=None if env is None else {**os.environ, **env})
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                raise RuntimeError(f"{script.name} --worker {name} {' '.join(args)} failed: {last}")
            runs[name].append(json.loads(done.stdout))
            if tick is not None:
                tick()
    return runs


# ------------------------------------------------------------------------------ peak memory
def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak() -> bool:
    """Reset the peak resident size (VmHWM) to the current one, where Linux allows it."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


def minor_faults() -> int:
    """Minor page faults of this process so far (pages the kernel had to map and zero)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


#: glibc keeps freed memory for reuse instead of returning it to the kernel (no page faults).
KEEP_FREED_MEMORY = {"MALLOC_TRIM_THRESHOLD_": "4294967296", "MALLOC_MMAP_THRESHOLD_": "4294967296"}


def glibc() -> bool:
    return platform.libc_ver()[0] == "glibc"


def resident_kib() -> int:
    """Current resident size in KiB (peak, where /proc is missing)."""
    now = _status_kib("VmRSS")
    return now if now is not None else peak_kib()


def peak_kib() -> int:
    """Peak resident size in KiB: VmHWM, else getrusage's ru_maxrss."""
    hwm = _status_kib("VmHWM")
    if hwm is not None:
        return hwm
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS, KiB elsewhere


# ------------------------------------------------------------------------------ the machine
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def threads() -> dict[str, Any]:
    """Thread counts the results depend on: torch's, each BLAS library's, and the env vars."""
    out: dict[str, Any] = {}
    try:
        import torch

        out["torch"] = torch.get_num_threads()
    except ImportError:
        out["torch"] = None
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            key = f"{pool.get('internal_api', '?')} ({Path(pool.get('filepath', '?')).name})"
            out[key] = pool.get("num_threads")
    except ImportError:
        out["blas"] = "threadpoolctl not installed (pip install 'gradspec[bench]')"
    for var in THREAD_VARS:
        if var in os.environ:
            out[var] = os.environ[var]
    return out


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    import numpy

    info: dict[str, Any] = {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": numpy.__version__,
    }
    try:
        import torch

        info["torch"] = torch.__version__
    except ImportError:
        info["torch"] = None
    import gradspec

    info["gradspec"] = getattr(gradspec, "__version__", None) or _dist_version("gradspec")
    return info


def _memory_gib() -> float | None:
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        return round(pages / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


def _dist_version(name: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def have_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True
