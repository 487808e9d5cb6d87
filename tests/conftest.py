"""Fixtures for the tests of gradspec's own machinery (registry, listing, report, plugin, engine).

Fixtures only: the conformance suite's options live in its pytest plugin, never in a conftest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

import pytest

import gradspec

# Imported before any pytester run snapshots sys.modules: pytester drops the modules first
# imported during its runs, and numpy's (C extensions) cannot be imported twice in one process;
# it also keeps one copy of the registry and the engine for every test.
import array_api_compat.numpy  # noqa: F401
import numpy  # noqa: F401

import gradspec.backends.engine  # noqa: F401
import gradspec.backends.numpy  # noqa: F401
import gradspec.backends.strict  # noqa: F401
import gradspec.conformance.plugin  # noqa: F401
from gradspec import plugins
from support import load_or_skip

pytest_plugins = ("pytester",)

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CONFORMANCE = REPO / "conformance"

#: Backend names our own distribution registers; the registry fixture never forgets these.
OWN_BACKENDS = frozenset(
    ep.name for ep in metadata.entry_points(group=plugins.ENTRY_POINT_GROUP)
    if ep.dist is not None and ep.dist.metadata["Name"] == "gradspec"
)


@pytest.fixture(scope="session")
def own_backends() -> frozenset[str]:
    """The backend names gradspec's own distribution registers."""
    return OWN_BACKENDS


def _torch_missing() -> str:
    ok, why = plugins.availability("torch")
    return "" if ok else why


@pytest.fixture(scope="session")
def torch_backend() -> Any:
    """The torch backend (the reference), or a skip saying why it is missing."""
    why = _torch_missing()
    if why:
        pytest.skip(f"torch backend unavailable: {why}")
    return gradspec.load_backend("torch")


@pytest.fixture(params=["numpy", "strict", "torch"])
def any_backend(request: pytest.FixtureRequest) -> Any:
    """Each backend that applies here: our engine over numpy and array_api_strict, and torch."""
    return load_or_skip(request.param)


@pytest.fixture(params=["numpy", "strict"])
def engine_backend(request: pytest.FixtureRequest) -> Any:
    """Each backend built on gradspec's own engine (cupy needs a GPU)."""
    return load_or_skip(request.param)


@pytest.fixture
def registry() -> Any:
    """gradspec's plugin registry, restored after the test: backends registered or loaded during
    the test (other than our own) are forgotten and unregistered from the plugin manager."""
    saved = {attr: dict(getattr(plugins, attr))
             for attr in ("_plugins", "_manual", "_manual_objects", "_loaded", "_by_tensor_type")}
    saved_pm = set(map(id, plugins._pm.get_plugins()))
    yield plugins
    keep = set(saved["_plugins"]) | set(saved["_manual"]) | OWN_BACKENDS
    for plugin in plugins._pm.get_plugins():
        if id(plugin) not in saved_pm:
            plugins._pm.unregister(plugin)
    for attr in ("_plugins", "_manual", "_manual_objects"):
        table = getattr(plugins, attr)
        table.clear()
        table.update(saved[attr])
    for name, plugin in plugins._plugins.items():
        if not plugins._pm.is_registered(plugin):
            plugins._pm.register(plugin, name=name)
    loaded = {k: v for k, v in plugins._loaded.items() if k[0] in keep}
    loaded.update(saved["_loaded"])
    plugins._loaded.clear()
    plugins._loaded.update(loaded)
    plugins._by_tensor_type.clear()
    plugins._by_tensor_type.update(saved["_by_tensor_type"])
    for backend in plugins._loaded.values():
        plugins._by_tensor_type.setdefault(backend.Tensor, backend)


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The :mod:`gradspec_fakes` module (fake plugins and backends), importable by name."""
    monkeypatch.syspath_prepend(str(FIXTURES))
    import gradspec_fakes

    return gradspec_fakes


@pytest.fixture
def fake_dist(tmp_path: Path, registry: Any,
              monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """``make(dist, {backend: module}, {module: source})``: a fake installed distribution.

    It is a folder on ``sys.path`` holding ``<dist>-<version>.dist-info`` (``METADATA`` and an
    ``entry_points.txt`` for the ``gradspec.backends`` group) and the plugin modules, so that
    ``importlib.metadata`` finds it as it finds a pip-installed one.  Removed after the test.
    """
    modules: list[str] = []

    def make(dist: str, entry_points: dict[str, str], sources: dict[str, str] | None = None,
             version: str = "1.0") -> Path:
        root = tmp_path / f"site-{dist}"
        info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8")
        lines = "".join(f"{name} = {module}\n" for name, module in entry_points.items())
        (info / "entry_points.txt").write_text(f"[{plugins.ENTRY_POINT_GROUP}]\n{lines}",
                                              encoding="utf-8")
        for module, source in (sources or {}).items():
            (root / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
            modules.append(module)
        monkeypatch.syspath_prepend(str(root))
        return root

    yield make
    for module in modules:
        sys.modules.pop(module, None)


def _subprocess_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without what would steer a child pytest or gradspec, plus
    ``extra``; a ``PYTHONPATH`` in ``extra`` goes in front of the inherited one."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("GRADSPEC_BACKEND", "PYTEST_ADDOPTS", "PYTEST_PLUGINS",
                        "PYTEST_DISABLE_PLUGIN_AUTOLOAD")}
    for key, value in (extra or {}).items():
        if key == "PYTHONPATH" and env.get(key):
            value = os.pathsep.join([value, env[key]])
        env[key] = value
    return env


@pytest.fixture(scope="session")
def subprocess_env() -> Callable[..., dict[str, str]]:
    """``env(extra)``: an environment for a child python (see :func:`_subprocess_env`)."""
    return _subprocess_env


@pytest.fixture
def run_python() -> Callable[..., subprocess.CompletedProcess]:
    """``run(args, cwd=..., env=...)``: ``python args...`` in a subprocess, output captured."""

    def run(args: list[str], cwd: Path | str = REPO, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], cwd=str(cwd), env=_subprocess_env(env),
                              text=True, capture_output=True, timeout=timeout)

    return run


@pytest.fixture
def conformance_run(pytester: pytest.Pytester, registry: Any, fakes: Any,
                    monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """``run(source, *args, report="report.json")``: run the conformance plugin in-process on a
    test file of ours; returns pytest's result and the report it wrote (None when it wrote none).

    Fake backends registered with :func:`gradspec.register_plugin` before the run are visible to
    it (same process); the registry fixture forgets them afterwards.  Other installed pytest
    plugins are kept out (no entry-point autoloading; ours is named with ``-p``), so the runs
    are the same wherever the tests run, and fast.
    """
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")

    def run(source: str, *args: str, report: str | None = "report.json",
            filename: str = "test_suite.py") -> tuple[pytest.RunResult, Any]:
        pytester.path.joinpath(filename).write_text(textwrap.dedent(source), encoding="utf-8")
        extra = [f"--conformance-report={pytester.path / report}"] if report else []
        result = pytester.runpytest_inprocess("-p", "gradspec.conformance.plugin",
                                              "-p", "no:cacheprovider", *extra, *args)
        path = pytester.path / (report or "")
        doc = json.loads(path.read_text(encoding="utf-8")) if report and path.is_file() else None
        return result, doc

    return run
