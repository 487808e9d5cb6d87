"""The engine's two cores: the compiled one (Cython, from the same .py files) and pure Python.

Which core runs is decided once per process (`gradspec.backends.engine.core`): these tests
check that the modules actually loaded agree with what is reported, that GRADSPEC_PURE forces
the pure core, that a compiled core older than its source is never run (one warning, the pure
core instead), and that a build without a C compiler installs the pure engine.  CI runs them
on a compiled build and again with GRADSPEC_PURE=1, and sets GRADSPEC_EXPECT_CORE so that a
build that silently fell back fails here.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import gradspec
from gradspec.backends.engine import core

ROOT = Path(__file__).resolve().parents[1]


def _import_all() -> None:
    for name in core.compiled_set():
        importlib.import_module(name)


def test_every_module_runs_the_reported_core():
    gradspec.load_backend("numpy")
    _import_all()
    status = core.status()
    kinds = core.loaded_kinds()
    assert set(kinds) == set(core.compiled_set())
    assert set(kinds.values()) == {status.kind}, (status.reason, kinds)
    if status.kind == "compiled":
        assert set(status.modules) == set(kinds)


def test_the_expected_core_runs():
    """CI says which core its build must give (GRADSPEC_EXPECT_CORE): a compiled build that
    fell back to pure Python without anyone noticing fails here, and so does the reverse."""
    expected = os.environ.get("GRADSPEC_EXPECT_CORE")
    if not expected:
        pytest.skip("GRADSPEC_EXPECT_CORE is not set (CI sets it)")
    assert core.status().kind == expected, core.status().reason


def test_the_compiled_set_is_every_engine_module_but_the_excluded():
    engine = Path(core.HERE)
    every = {p.relative_to(engine).as_posix() for p in engine.glob("*.py")}
    every |= {p.relative_to(engine).as_posix() for p in engine.glob("ops/*.py")}
    assert set(core.EXCLUDED) <= every, "an exclusion names a module that does not exist"
    assert set(core.compiled_set().values()) == every - set(core.EXCLUDED)
    assert all(reason.strip() for reason in core.EXCLUDED.values())


def _run(code: str, env: dict[str, str], pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("GRADSPEC_PURE", "PYTHONPATH")}
    full.update(env)
    if pythonpath is not None:
        full["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([sys.executable, "-W", "always", "-c", code], capture_output=True,
                          text=True, env=full, cwd=str(pythonpath or ROOT))


_REPORT = (
    "import json, importlib, gradspec\n"
    "t = gradspec.load_backend('numpy')\n"
    "from gradspec.backends.engine import core\n"
    "[importlib.import_module(m) for m in core.compiled_set()]\n"
    "w = t.tensor([1.0], requires_grad=True); ((w + 2) * w).sum().backward()\n"
    "print(json.dumps({'core': core.status().kind, 'loaded': sorted(set(core.loaded_kinds().values())),"
    " 'grad': w.grad.tolist(), 'file': core.__file__}))\n"
)


def test_gradspec_pure_forces_the_pure_core():
    proc = _run(_REPORT, {"GRADSPEC_PURE": "1"})
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.splitlines()[-1])
    assert report["core"] == "pure" and report["loaded"] == ["pure"]
    assert report["grad"] == [4.0]
    assert "StaleCoreWarning" not in proc.stderr  # a choice, not a problem: no warning


def _fresh_compiled_build() -> core.Status:
    status = core.inspect(core.HERE, environ={})
    if status.kind != "compiled":
        pytest.skip(f"no current compiled core here: {status.reason}")
    return status


def test_without_gradspec_pure_a_current_compiled_build_runs():
    _fresh_compiled_build()
    proc = _run(_REPORT, {})
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.splitlines()[-1])
    assert report["core"] == "compiled" and report["loaded"] == ["compiled"]
    assert report["grad"] == [4.0]


@pytest.fixture
def installed_copy(tmp_path):
    """gradspec laid out as installed (spec/ as gradspec/, backends/ inside it) in tmp_path,
    with the compiled core beside the engine's sources, found first on PYTHONPATH."""
    _fresh_compiled_build()
    target = tmp_path / "gradspec"
    shutil.copytree(ROOT / "spec", target, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(Path(core.HERE).parent, target / "backends",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_an_edited_source_runs_the_pure_core_with_one_warning(installed_copy):
    engine = installed_copy / "gradspec" / "backends" / "engine"
    proc = _run(_REPORT, {}, installed_copy)
    assert proc.returncode == 0, proc.stderr
    before = json.loads(proc.stdout.splitlines()[-1])
    assert before["file"].startswith(str(installed_copy)), "the copy was not the one imported"
    assert before["core"] == "compiled"

    with open(engine / "ops" / "arith.py", "a", encoding="utf-8") as f:
        f.write("\n# an edit after the build\n")  # what a developer does every day
    proc = _run(_REPORT, {}, installed_copy)
    assert proc.returncode == 0, proc.stderr
    after = json.loads(proc.stdout.splitlines()[-1])
    assert after["core"] == "pure" and after["loaded"] == ["pure"]  # never the stale module
    assert after["grad"] == [4.0]
    warnings = [line for line in proc.stderr.splitlines() if "StaleCoreWarning" in line]
    assert len(warnings) == 1, proc.stderr
    assert "backends/engine/ops/arith.py changed" in warnings[0]
    assert "pip install -e ." in warnings[0]


def test_a_new_engine_module_also_makes_the_build_stale(installed_copy):
    engine = installed_copy / "gradspec" / "backends" / "engine"
    (engine / "ops" / "brand_new.py").write_text('"""An op module added after the build."""\n')
    status = core.inspect(str(engine), environ={})
    assert status.kind == "pure" and status.stale
    assert "ops/brand_new.py" in status.reason


def test_a_pxd_edit_makes_the_build_stale(installed_copy):
    engine = installed_copy / "gradspec" / "backends" / "engine"
    with open(engine / "node.pxd", "a", encoding="utf-8") as f:
        f.write("\n# typing changed after the build\n")
    status = core.inspect(str(engine), environ={})
    assert status.kind == "pure" and status.stale and "node.py" in status.reason


def test_a_build_for_another_python_is_not_loaded(installed_copy):
    engine = installed_copy / "gradspec" / "backends" / "engine"
    manifest = engine / core.FOLDER / core.MANIFEST
    doc = json.loads(manifest.read_text())
    doc["build"]["suffix"] = ".cpython-399-x86_64-linux-gnu.so"
    manifest.write_text(json.dumps(doc))
    status = core.inspect(str(engine), environ={})
    assert status.kind == "pure" and status.stale and "another Python" in status.reason


def test_a_build_that_did_not_compile_says_why(tmp_path):
    engine = tmp_path / "engine"
    (engine / "ops").mkdir(parents=True)
    (engine / core.FOLDER).mkdir()
    (engine / core.FOLDER / core.MANIFEST).write_text(json.dumps(
        {"pure": "no working C compiler (gcc: not found)", "build": {}}))
    status = core.inspect(str(engine), environ={})
    assert status.kind == "pure" and not status.stale
    assert "no working C compiler" in status.reason
    status = core.inspect(str(engine), environ={"GRADSPEC_PURE": "1"})
    assert status.kind == "pure" and "GRADSPEC_PURE=1" in status.reason


def test_the_pure_engine_runs_without_cython_installed():
    """The typing decorators come from the engine's own stand-in when Cython is absent."""
    code = ("import sys; sys.modules['cython'] = None\n"  # import cython -> ImportError
            "import gradspec\n"
            "t = gradspec.load_backend('numpy')\n"
            "w = t.tensor([1.0], requires_grad=True); ((w + 2) * w).sum().backward()\n"
            "from gradspec.backends.engine import apply\n"
            "print(w.grad.tolist(), apply.cython.__name__)")
    proc = _run(code, {"GRADSPEC_PURE": "1"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["[4.0]", "gradspec.backends.engine._cython"]


def test_anomaly_mode_names_the_users_line_on_this_core():
    """Compiled functions have no Python frames: the recorded stack must still end at the
    line of the caller that created the node."""
    torch = gradspec.load_backend("numpy")
    x = torch.tensor([2.0], requires_grad=True)
    with gradspec.detect_anomaly():
        y = x * 3  # the creating line
    trace = y.grad_fn._x.trace
    assert trace[-1].filename == __file__
    assert trace[-1].line.strip() == "y = x * 3  # the creating line"


@pytest.mark.skipif(shutil.which("gcc") is None and shutil.which("cc") is None,
                    reason="checks the fallback against a machine that has a compiler")
def test_a_build_without_a_c_compiler_installs_the_pure_engine(tmp_path):
    """``pip wheel`` with the compiler made unusable: the wheel holds the pure engine and a
    manifest that says why (pip downloads setuptools and Cython for the isolated build)."""
    if os.environ.get("GRADSPEC_SKIP_BUILD_TESTS"):
        pytest.skip("GRADSPEC_SKIP_BUILD_TESTS is set")
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "_compiled", "__pycache__", "*.egg-info", ".ci-venv", "site", "docs"))
    env = {k: v for k, v in os.environ.items() if k != "GRADSPEC_PURE"}
    env["CC"] = str(tmp_path / "no-such-compiler")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-v",
                           "-w", str(tmp_path / "wheel"), str(source)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0 and "Could not find a version" in proc.stdout + proc.stderr:
        pytest.skip("no package index reachable for the isolated build")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = [line for line in (proc.stdout + proc.stderr).splitlines()
             if "gradspec: installing the pure-Python engine" in line]
    assert len(lines) == 1 and "no working C compiler" in lines[0]
    import zipfile

    (wheel,) = (tmp_path / "wheel").glob("gradspec-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("gradspec/backends/engine/_compiled/manifest.json"))
    assert "no working C compiler" in manifest["pure"]
    assert not [n for n in names if n.endswith(".so")]
    assert "gradspec/backends/engine/node.pxd" in names


def test_every_package_of_the_source_is_one_the_install_lists():
    # a package left out of pyproject's list is missing from a wheel (pip install .), though
    # an editable install finds it through the package-dir mapping
    import tomllib

    setup = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    listed = set(setup["setuptools"]["packages"])
    roots = {folder: name for name, folder in setup["setuptools"]["package-dir"].items()}
    found = set()
    for folder, name in roots.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            if "_compiled" in rel.parts:
                continue
            found.add(".".join([name, *rel.parts]))
    assert found <= listed, f"packages missing from pyproject.toml: {sorted(found - listed)}"
