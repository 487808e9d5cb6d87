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
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Mapping

BENCH_DIR = Path(__file__).resolve().parent


def round_robin(systems: Mapping[str, Callable[[], Any]], repeats: int,
                warmup: int = 1, tick: Callable[[], None] | None = None) -> dict[str, Any]:
    """Run each system ``warmup + repeats`` times, in turn; the median of the timed repeats.

    A system returns None (the call is timed as a whole), a float (the seconds it timed
    itself: a `Remote` system) or a dict of named phase durations in seconds (e.g. forward and
    backward); the result maps each system to a float or to a dict of medians by phase.
    ``tick`` is called after every round.
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
                if isinstance(phases, dict) and set(phases) == {"seconds"}:
                    samples[name][-1] = phases["seconds"]
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
    variables added to the workers' environment.  The `engine_systems` (gradspec's engine on
    another core or at another commit) run the ``gradspec`` worker in their own environment."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in systems}
    for _ in range(rounds):
        for name in systems:
            worker, extra, python = ENGINE_SYSTEMS.get(name, (name, {}, sys.executable))
            cmd = [python, str(script), "--worker", worker, *args]
            done = subprocess.run(cmd, capture_output=True, text=True,
                                  env={**os.environ, **(env or {}), **extra})
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["no output"])[-1]
                raise RuntimeError(f"{script.name} --worker {name} {' '.join(args)} failed: {last}")
            runs[name].append(json.loads(done.stdout))
            if tick is not None:
                tick()
    return runs


def median_step_seconds(step: Callable[[], Any], steps: int, warmup: int = 5) -> float:
    """Median wall seconds of one call of ``step`` over ``steps`` calls, after ``warmup``."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# ------------------------------------------------------------------------------ engine systems
#: gradspec's engine on another core or at another commit, beside the one this process runs:
#: name -> (the worker system it runs, environment added to its processes).  Filled by
#: `add_engine_systems` (bench/run.py: ``pure`` when this process runs the compiled core,
#: ``baseline`` for ``--baseline REV``).
ENGINE_SYSTEMS: dict[str, tuple[str, dict[str, str], str]] = {}  # (worker, env, interpreter)


def engine_core() -> dict[str, Any]:
    """Which core gradspec's engine runs in this process (compiled or pure) and why."""
    from gradspec.backends.engine import core

    return core.status().as_dict()


def add_engine_systems(baseline: Path | None = None, baseline_python: str | None = None) -> None:
    """Register ``pure`` (this engine as pure Python; only when this process runs the
    compiled core) and ``baseline``: the engine of another commit, as pure Python, from the
    tree `baseline_tree` laid out, or the gradspec another interpreter has installed
    (``baseline_python``: a virtual environment holding another build, compiled or not)."""
    ENGINE_SYSTEMS.clear()
    if engine_core()["core"] == "compiled":
        ENGINE_SYSTEMS["pure"] = ("gradspec", {"GRADSPEC_PURE": "1"}, sys.executable)
    if baseline is not None:
        path = os.pathsep.join(p for p in (str(baseline), os.environ.get("PYTHONPATH")) if p)
        ENGINE_SYSTEMS["baseline"] = ("gradspec", {"GRADSPEC_PURE": "1", "PYTHONPATH": path},
                                      sys.executable)
    elif baseline_python is not None:
        ENGINE_SYSTEMS["baseline"] = ("gradspec", {}, baseline_python)


def interpreter_build(python: str) -> dict[str, Any]:
    """The engine core and gradspec version the interpreter ``python`` runs (for a report's
    description of a ``--baseline-python`` system); an interpreter without gradspec raises."""
    code = ("import json, gradspec; from gradspec.backends.engine import core; "
            "print(json.dumps({**core.status().as_dict(), 'file': gradspec.__file__}))")
    try:
        done = subprocess.run([python, "-c", code], capture_output=True, text=True,
                              cwd=tempfile.gettempdir())
    except OSError as exc:
        raise RuntimeError(f"--baseline-python {python} cannot import gradspec: {exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"--baseline-python {python} cannot import gradspec: {last}")
    return json.loads(done.stdout)


def baseline_tree(rev: str, folder: Path) -> Path:
    """gradspec at git revision ``rev`` laid out as installed (spec/ as gradspec/, backends/
    inside it) under ``folder``; put first on PYTHONPATH, it is the gradspec that is imported."""
    import tarfile
    from io import BytesIO

    root = Path(subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True,
                               text=True, check=True, cwd=BENCH_DIR).stdout.strip())
    data = subprocess.run(["git", "archive", "--format=tar", rev, "spec", "backends"],
                          capture_output=True, check=True, cwd=root).stdout
    src = folder / "src"
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(src)
    lib = folder / "lib"
    lib.mkdir(parents=True)
    (src / "spec").rename(lib / "gradspec")
    (src / "backends").rename(lib / "gradspec" / "backends")
    return lib


class Remote:
    """One system run in a worker process of its own, driven round-robin from this one: each
    call runs one repeat there and returns what the worker timed (seconds, or phases).  Every
    system of a round-robin benchmark runs so: none shares a process (an allocator, a garbage
    collector, torch's spinning OpenMP threads) with another, and gradspec's engine can run
    on several cores, or at several commits, in the same rounds."""

    def __init__(self, system: str, module: str, factory: str, args: list[Any]) -> None:
        worker, extra, python = ENGINE_SYSTEMS.get(system, (system, {}, sys.executable))
        self.proc = subprocess.Popen(
            [python, "-u", str(BENCH_DIR / "common.py"), "--remote", module, factory,
             json.dumps([worker, *args])], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, env={**os.environ, **extra}, cwd=str(BENCH_DIR))

    def __call__(self) -> Any:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"a benchmark worker died (exit {self.proc.wait()})")
        result = json.loads(line)
        return {"seconds": result} if isinstance(result, float) else result

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            self.proc.wait()


def remote_systems(module: str, factory: str, systems: list[str], args: list[Any]
                   ) -> dict[str, Remote]:
    """A `Remote` for each of ``systems`` and each registered engine system, each running
    ``module.factory(system, *args)`` (an engine system runs the ``gradspec`` one)."""
    return {name: Remote(name, module, factory, args) for name in [*systems, *ENGINE_SYSTEMS]}


def run_remote(systems: dict[str, Remote], repeats: int, warmup: int,
               tick: Callable[[], None] | None = None) -> dict[str, Any]:
    """`round_robin` over remote systems, closing their workers afterwards."""
    try:
        return round_robin(systems, repeats, warmup, tick)
    finally:
        for remote in systems.values():
            remote.close()


def _remote_main(module: str, factory: str, args: str) -> None:
    """Worker side of `Remote`: build the system, then time one repeat per line read."""
    import importlib

    sys.path.insert(0, str(BENCH_DIR))
    fn = getattr(importlib.import_module(module), factory)(*json.loads(args))
    for _ in sys.stdin:
        gc.collect()
        gc.disable()
        t0 = time.perf_counter()
        phases = fn()
        elapsed = time.perf_counter() - t0
        gc.enable()
        print(json.dumps(elapsed if phases is None else phases), flush=True)


# ------------------------------------------------------------------------------ the build
def commit(report: Path | None = None) -> dict[str, Any]:
    """The git commit the benchmarks ran on, and whether the tree had uncommitted changes
    (``report``, the file this run writes, does not count: the previous run's report, left
    uncommitted, is no change to what ran)."""
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=BENCH_DIR)
        except OSError:
            return None
        return done.stdout.rstrip() if done.returncode == 0 else None

    status = git("status", "--porcelain", "--untracked-files=no")
    root = git("rev-parse", "--show-toplevel")
    changed = [line[3:] for line in (status or "").splitlines() if line.strip()]
    if report is not None and root is not None:
        own = report.resolve()
        changed = [path for path in changed if (Path(root) / path).resolve() != own]
    head = git("rev-parse", "HEAD")
    return {"commit": head.strip() if head else None,
            "dirty": bool(changed) if status is not None else None}


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
    for name in ("array-api-compat", "cython"):
        info[name] = _dist_version(name)
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


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "--remote":
    _remote_main(*sys.argv[2:])
