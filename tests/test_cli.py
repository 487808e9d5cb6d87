"""The `gradspec` command: help, output, files written, and every error path (one line, exit 2)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys

import gradspec
import numpy as np
import pytest
from gradspec import cli, hookimpl
from gradspec.conformance import report as reporting

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="Graphviz's dot program is not installed (apt-get install graphviz)")
needs_plot = pytest.mark.skipif(
    importlib.util.find_spec("matplotlib") is None,
    reason="matplotlib is not installed (pip install 'gradspec[plot]')")
needs_graphviz = pytest.mark.skipif(
    importlib.util.find_spec("graphviz") is None,
    reason="the graphviz package is not installed (pip install 'gradspec[graph]')")

SEED_SNIPPET = ("w = torch.tensor([1.], requires_grad=True); "
                "x = torch.tensor([2.], requires_grad=True); "
                "a = torch.add(w, x); a.retain_grad(); b = torch.add(w, 1); y = torch.mul(a, b)")


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = cli.main(list(args))
    out, err = capsys.readouterr()
    return rc, out, err


def assert_one_line_error(rc: int, err: str, *fragments: str) -> None:
    assert rc == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


class _Offline:
    """A backend plugin that is installed but cannot run here."""

    @hookimpl
    def gradspec_backend_describe(self):
        return {"summary": "a test backend", "device": "qpu"}

    @hookimpl
    def gradspec_backend_available(self):
        return False, "needs a quantum computer"

    @hookimpl
    def gradspec_backend_create(self, options):
        raise AssertionError("an unavailable backend must not be created")


@pytest.fixture
def offline():
    gradspec.register_plugin("offline", _Offline())
    yield "offline"
    gradspec.unregister_plugin("offline")


# ------------------------------------------------------------------------------ help
@pytest.mark.parametrize("command", [[], ["backends"], ["run"], ["conformance"], ["graph"]])
def test_help_on_every_command(capsys, command):
    rc, out, err = run(capsys, *command, "--help")
    assert rc == 0 and err == ""
    assert out.startswith("Usage: gradspec") and "--help" in out


def test_run_help_lists_the_workloads(capsys):
    rc, out, _ = run(capsys, "run", "--help")
    assert all(name in out for name in ("logreg", "linefit", "quadratic", "jacobian"))


def test_bare_command_prints_help_and_version(capsys):
    rc, out, _ = run(capsys)
    assert rc == 0 and "Commands:" in out and "conformance" in out
    rc, out, _ = run(capsys, "--version")
    assert rc == 0 and gradspec.__version__ in out


def test_python_m_gradspec():
    proc = subprocess.run([sys.executable, "-m", "gradspec", "--help"], capture_output=True,
                          text=True)
    assert proc.returncode == 0 and "Usage: gradspec" in proc.stdout


# ------------------------------------------------------------------------------ backends
def test_backends_table(capsys, offline):
    rc, out, _ = run(capsys, "backends")
    assert rc == 0
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "VERSION", "DEVICE", "AVAILABLE", "WHY", "NOT"]
    from gradspec.backends.engine import core

    assert lines[-1].startswith(f"engine core: {core.status().kind} (")
    rows = {line.split()[0]: line for line in lines[1:-1]}
    assert {"numpy", "strict", "torch", "cupy", "offline"} <= set(rows)
    assert rows["numpy"].split()[3:] == ["cpu", "yes"]
    assert "qpu" in rows["offline"] and " no " in rows["offline"]
    assert rows["offline"].endswith("needs a quantum computer")


def test_backends_json_names_the_engine_core(capsys, offline):
    rc, out, _ = run(capsys, "backends", "--json")
    assert rc == 0
    doc = json.loads(out)
    from gradspec.backends.engine import core

    assert doc["engine_core"]["core"] == core.status().kind in ("compiled", "pure")
    assert doc["engine_core"]["reason"]
    names = {b["name"]: b for b in doc["backends"]}
    assert names["numpy"]["available"] is True and names["numpy"]["device"] == "cpu"
    assert names["offline"]["available"] is False and names["offline"]["reason"]


def test_backends_imports_no_array_library():
    code = ("import sys; from gradspec.cli import main; rc = main(['backends']); "
            "heavy = [m for m in ('torch', 'cupy', 'matplotlib', 'graphviz') if m in sys.modules]; "
            "print(rc, heavy)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip().splitlines()[-1] == "0 []", proc.stdout + proc.stderr


# ------------------------------------------------------------------------------ run
@needs_plot
def test_run_logreg_with_plots_and_json(capsys, tmp_path):
    rc, out, err = run(capsys, "run", "logreg", "--backend", "numpy", "--plot",
                       str(tmp_path / "out"), "--json", str(tmp_path / "r.json"))
    assert rc == 0, err
    assert out.startswith("logreg on numpy (cpu): accuracy")
    for key in ("accuracy", "final loss", "iterations", "time", "features.weight"):
        assert f"  {key}" in out
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["accuracy"] >= 0.99 and doc["iterations"] == len(doc["losses"])
    for name in ("logreg_checkpoints.png", "logreg_final.png", "logreg_curve.png"):
        png = tmp_path / "out" / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
        assert str(png) in out


def test_run_on_torch_and_strict_agrees_with_numpy(capsys, tmp_path):
    docs = {}
    for name in ("numpy", "strict", "torch"):
        ok, why = gradspec.plugins.availability(name)
        if not ok:
            continue
        rc, _, err = run(capsys, "run", "logreg", "-b", name,
                         "--json", str(tmp_path / f"{name}.json"))
        assert rc == 0, err
        docs[name] = json.loads((tmp_path / f"{name}.json").read_text())
    if len(docs) < 2:
        pytest.skip("needs the strict or the torch backend besides numpy")
    ref = docs["numpy"]
    for name, doc in docs.items():
        assert doc["backend"] == name and doc["accuracy"] >= 0.99
        assert doc["iterations"] == ref["iterations"]
        for key, value in ref["parameters"].items():
            np.testing.assert_allclose(doc["parameters"][key], value, rtol=0, atol=1e-4)


def test_progress_does_not_spam_a_pipe(capsys):
    rc, out, err = run(capsys, "run", "linefit", "-b", "numpy")
    assert rc == 0
    assert "\r" not in err and len(err.strip().splitlines()) <= 1  # the label once, no frames


def test_run_with_iteration_limit(capsys):
    rc, out, _ = run(capsys, "run", "logreg", "-n", "5")
    assert rc == 0 and "reached the iteration limit (5)" in out
    assert out.splitlines()[3].split() == ["iterations", "5"]


@needs_plot
def test_run_jacobian_prints_the_matrix(capsys, tmp_path):
    rc, out, _ = run(capsys, "run", "jacobian", "--plot", str(tmp_path))
    assert rc == 0 and "nothing to draw" in out
    rows = {line.split()[0]: line.split(None, 1)[1] for line in out.splitlines()[1:-1]}
    assert rows["jacobian"] == "[[4, 3], [2, 6]]" and rows["vjp_with_ones"] == "[[6, 9]]"


def test_run_default_backend_from_environment(capsys, monkeypatch):
    ok, why = gradspec.plugins.availability("strict")
    if not ok:
        pytest.skip(f"backend strict unavailable: {why}")
    monkeypatch.setenv("GRADSPEC_BACKEND", "strict")
    rc, out, _ = run(capsys, "run", "jacobian")
    assert rc == 0 and out.startswith("jacobian on strict")


# ------------------------------------------------------------------------------ run: errors
def test_run_unknown_workload(capsys):
    rc, _, err = run(capsys, "run", "logreq")
    assert_one_line_error(rc, err, "unknown workload 'logreq'", "did you mean 'logreg'")


def test_run_unknown_backend(capsys):
    rc, _, err = run(capsys, "run", "logreg", "--backend", "nosuch")
    assert_one_line_error(rc, err, "no backend named 'nosuch'", "gradspec backends")


def test_run_unavailable_backend(capsys, offline):
    rc, _, err = run(capsys, "run", "logreg", "--backend", offline)
    assert_one_line_error(rc, err, "not available here", "needs a quantum computer", "--backend")


def test_run_unavailable_cupy_without_gpu(capsys):
    ok, why = gradspec.plugins.availability("cupy")
    if ok:
        pytest.skip("cupy is usable here; the offline test backend covers this path")
    rc, _, err = run(capsys, "run", "logreg", "--backend", "cupy")
    assert_one_line_error(rc, err, "backend 'cupy' is not available here", why)


def test_run_unwritable_json(capsys, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("in the way")
    rc, _, err = run(capsys, "run", "logreg", "--json", str(blocker / "r.json"))
    assert_one_line_error(rc, err, "cannot write the JSON result", "is a file, not a folder")
    rc, _, err = run(capsys, "run", "logreg", "--json", str(tmp_path))
    assert_one_line_error(rc, err, "is a directory; give a file name")


@needs_plot
def test_run_unwritable_plot_dir(capsys, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("in the way")
    rc, _, err = run(capsys, "run", "logreg", "--plot", str(blocker))
    assert_one_line_error(rc, err, "cannot write plots", "not a folder")
    assert blocker.read_text() == "in the way"


def test_run_without_matplotlib(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    rc, _, err = run(capsys, "run", "logreg", "--plot", str(tmp_path))
    assert_one_line_error(rc, err, "pip install 'gradspec[plot]'")


@pytest.mark.parametrize("args, fragments", [
    (["run"], ["Missing argument 'WORKLOAD'", "gradspec run --help"]),
    (["run", "logreg", "-n", "0"], ["Invalid value for '--iterations'"]),
    (["run", "jacobian", "-n", "3"], ["not a training loop"]),
    (["frobnicate"], ["No such command 'frobnicate'"]),
    (["graph", "logreg"], ["Missing option '--out'"]),
])
def test_usage_errors(capsys, args, fragments):
    rc, _, err = run(capsys, *args)
    assert_one_line_error(rc, err, *fragments)


# ------------------------------------------------------------------------------ conformance
def test_conformance_table_and_report(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # as a user would, outside the repository
    report = tmp_path / "reports" / "numpy.json"
    report.parent.mkdir()  # output folders are the user's to make (gradspec creates none)
    rc, out, err = run(capsys, "conformance", "--backend", "numpy", "-k", "test_workloads",
                       "--report", str(report))
    assert rc == 0, err
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line[:1].isupper()}
    assert rows["CLAUSE"][:3] == ["CLAUSE", "STATUS", "PASSED"]
    torch_ok, _ = gradspec.plugins.availability("torch")
    if torch_ok:
        assert rows["WORKLOAD-1"][1:3] == ["pass", "3/3"]
    else:  # the comparison with the torch backend's run is not run: never a pass
        assert rows["WORKLOAD-1"][1:3] == ["incomplete", "2/2"]
    assert rows["LEAF-1"][1] == "not-run"
    assert "workload logreg: accuracy 0.995" in out
    doc = reporting.load(report)
    assert doc["clauses"]["WORKLOAD-1"] == "pass"
    assert doc["workloads"]["logreg"]["accuracy"] >= 0.99
    summary = doc["summary"]
    assert summary["failed"] == summary["error"] == 0
    assert summary["passed"] + summary["skipped"] == summary["total"] >= 6


def test_conformance_declarations_deselection_and_written_xfails(capsys, tmp_path, monkeypatch):
    # a "known failure" whose reason is a crash is not run, and recorded as crashed
    xfails = tmp_path / "xfails.txt"
    xfails.write_text("test_workloads.py::test_jacobian_workload  # crash: pretend it crashes\n"
                      "SEED-3  # pretend it is broken\n")
    (tmp_path / "gradspec").mkdir()  # a checkout here must not shadow the installed package
    monkeypatch.chdir(tmp_path)
    rc, out, err = run(capsys, "conformance", "-b", "numpy", "-k", "workload",
                       "--xfails-file", "xfails.txt", "--deselect", "WORKLOAD-1",
                       "--write-xfails", "now.txt")
    assert rc == 0, err
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line[:1].isupper()}
    assert rows["SEED-2"][1:3] == ["fail", "0/1"] and "pretend it crashes" in out
    assert rows["SEED-3"][1] == "pass"  # declared, but passes: no trap
    assert rows["WORKLOAD-1"][1] == "not-run"
    written = (tmp_path / "now.txt").read_text()
    assert "test_workloads.py::test_jacobian_workload  # crash: pretend it crashes" in written


def test_conformance_of_several_backends_and_no_test_selected(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r").mkdir()  # report folders are never created silently (test_cli_first_use)
    rc, out, err = run(capsys, "conformance", "-b", "numpy,strict", "-k", "test_requires_grad_",
                       "--report", "r/{backend}.json", "--backend-option", "x=1")
    assert_one_line_error(rc, err, "cannot load backend", "x")
    rc, out, err = run(capsys, "conformance", "-b", "numpy,strict", "-k", "test_requires_grad_attribute_on_a_leaf",
                       "--report", "r/{backend}.json")
    assert rc == 0, err
    assert "== numpy" in out and "== strict" in out
    assert (tmp_path / "r" / "numpy.json").is_file() and (tmp_path / "r" / "strict.json").is_file()
    rc, out, err = run(capsys, "conformance", "-b", "numpy", "-k", "no_such_test_anywhere")
    assert_one_line_error(rc, err, "no test was selected", "-k")
    assert ".json" not in err  # no pointer at a report that was never written
    rc, out, err = run(capsys, "conformance", "-b", "numpy,strict", "--report", "one.json")
    assert_one_line_error(rc, err, "{backend}")


def test_conformance_unknown_and_unavailable_backend(capsys, offline):
    rc, _, err = run(capsys, "conformance", "--backend", "nosuch")
    assert_one_line_error(rc, err, "no backend named 'nosuch'")
    rc, _, err = run(capsys, "conformance", "--backend", offline)
    assert_one_line_error(rc, err, "not available here", "needs a quantum computer")


def test_conformance_unwritable_report(capsys, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    rc, _, err = run(capsys, "conformance", "--report", str(blocker / "r.json"))
    assert_one_line_error(rc, err, "cannot write the report", "not a folder")


# ------------------------------------------------------------------------------ graph
@needs_graphviz
def test_graph_of_a_workload_as_dot_source(capsys, tmp_path):
    out_path = tmp_path / "logreg.dot"
    rc, out, err = run(capsys, "graph", "logreg", "--out", str(out_path))
    assert rc == 0, err
    source = out_path.read_text()
    assert source.startswith("digraph") and "SigmoidBackward0" in source
    assert source.count("AccumulateGrad") == 2 and '"features.weight\n(1, 2)"' in source
    assert str(out_path) in out


@needs_graphviz
def test_graph_of_a_snippet(capsys, tmp_path):
    out_path = tmp_path / "seed.dot"
    rc, out, err = run(capsys, "graph", SEED_SNIPPET, "-b", "torch", "--out", str(out_path))
    assert rc == 0, err
    source = out_path.read_text()
    assert "graph of y on torch" in out
    assert source.count("AddBackward0") == 2 and "MulBackward0" in source
    assert '"a\n(1,)\nretains grad"' in source and '"y\n(1,)"' in source
    rc, out, err = run(capsys, "graph", SEED_SNIPPET, "--root", "a", "--out", str(out_path))
    assert rc == 0 and "MulBackward0" not in out_path.read_text()


@needs_graphviz
@needs_dot
@pytest.mark.parametrize("suffix, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG")])
def test_graph_pictures(capsys, tmp_path, suffix, magic):
    out_path = tmp_path / f"logreg{suffix}"
    rc, _, err = run(capsys, "graph", "logreg", "--backend", "strict", "--out", str(out_path))
    assert rc == 0, err
    data = out_path.read_bytes()
    assert data.lstrip().startswith(magic) and len(data) > 5_000


@needs_graphviz
def test_graph_without_dot_says_how_to_install(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    rc, _, err = run(capsys, "graph", "logreg", "--out", str(tmp_path / "g.svg"))
    assert_one_line_error(rc, err, "`dot` program was not found", "apt-get install graphviz")
    assert not (tmp_path / "g.svg").exists()


def test_graph_without_graphviz_package(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    rc, _, err = run(capsys, "graph", "logreg", "--out", str(tmp_path / "g.dot"))
    assert_one_line_error(rc, err, "pip install 'gradspec[graph]'")


@needs_graphviz
@pytest.mark.parametrize("target, extra, fragments", [
    ("logreq", [], ["unknown workload 'logreq'", "did you mean 'logreg'", "snippet"]),
    ("y = undefined_name * 2", [], ["the snippet failed: NameError", "undefined_name"]),
    ("y = 1 +", [], ["the snippet failed: SyntaxError"]),
    ("y = torch.ones(2) * 3", [], ["no tensor that requires grad"]),
    (SEED_SNIPPET, ["--root", "z"], ["no tensor named 'z'", "w, x, a, b, y"]),
    ("logreg", ["--root", "a"], ["--root names a snippet's variable"]),
    ("logreg", ["--backend", "nosuch"], ["no backend named 'nosuch'"]),
])
def test_graph_errors(capsys, tmp_path, target, extra, fragments):
    rc, _, err = run(capsys, "graph", target, *extra, "--out", str(tmp_path / "g.dot"))
    assert_one_line_error(rc, err, *fragments)


@needs_graphviz
def test_graph_bad_output_paths(capsys, tmp_path):
    rc, _, err = run(capsys, "graph", "logreg", "--out", str(tmp_path / "g.jpeg"))
    assert_one_line_error(rc, err, "cannot tell the picture format", ".svg")
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    rc, _, err = run(capsys, "graph", "logreg", "--out", str(blocker / "g.dot"))
    assert_one_line_error(rc, err, "cannot write the picture", "not a folder")
    (tmp_path / "dir.dot").mkdir()
    rc, _, err = run(capsys, "graph", "logreg", "--out", str(tmp_path / "dir.dot"))
    assert_one_line_error(rc, err, "is a directory; give a file name")


# ------------------------------------------------------------------------------ fuzz
needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                 reason="the fuzzer compares with PyTorch, which is not installed")


def test_fuzz_help_is_the_fuzzers_own(capsys):
    rc, out, _ = run(capsys, "fuzz", "--help")
    assert rc == 0 and "--count" in out and "--backend" in out


@needs_torch
def test_fuzz_runs_a_seed_range_against_torch(capsys):
    rc, out, err = run(capsys, "fuzz", "--backend", "numpy", "--count", "30", "--start", "7")
    text = out + err
    assert rc == 0, text
    assert "30 programs (seeds 7..36)" in text and "0 finding(s)" in text


def test_fuzz_unknown_backend_is_a_usage_error(capsys):
    rc, out, err = run(capsys, "fuzz", "--backend", "nope", "--count", "1")
    assert rc == 2 and "nope" in out + err
