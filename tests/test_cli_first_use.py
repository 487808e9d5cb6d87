"""The command line tried as a new user would (issue 16): one test per rough edge found.

(`gradspec conformance`'s own edges are tested with that command, in tests/test_cli.py.)
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
from importlib import metadata

import gradspec
import pytest
from test_cli import assert_one_line_error, needs_graphviz, needs_plot, run

needs_torch = pytest.mark.skipif(importlib.util.find_spec("torch") is None,
                                 reason="the fuzzer compares with PyTorch, which is not installed")


# ------------------------------------------------------------------------------ backend names
@pytest.mark.parametrize("command", [["run", "jacobian"], ["graph", "logreg", "-o", "g.dot"],
                                     ["fuzz", "-n", "1"]])
def test_an_empty_backend_name_is_an_error_not_the_default(capsys, command):
    rc, out, err = run(capsys, *command, "--backend", "")
    assert_one_line_error(rc, err, "--backend needs a backend name")
    assert out == ""


def test_a_bad_environment_variable_is_named(capsys, monkeypatch):
    monkeypatch.setenv("GRADSPEC_BACKEND", "numpyy")
    rc, _, err = run(capsys, "run", "jacobian")
    assert_one_line_error(rc, err, "$GRADSPEC_BACKEND='numpyy'", "did you mean 'numpy'",
                          "unset it, or pass --backend")


def test_an_explicit_backend_is_not_blamed_on_the_environment(capsys, monkeypatch):
    monkeypatch.setenv("GRADSPEC_BACKEND", "numpy")
    rc, _, err = run(capsys, "run", "jacobian", "-b", "nmupy")
    assert_one_line_error(rc, err, "no backend named 'nmupy'", "did you mean 'numpy'")
    assert "GRADSPEC_BACKEND" not in err


def test_an_empty_environment_variable_means_the_default(capsys, monkeypatch):
    monkeypatch.setenv("GRADSPEC_BACKEND", "")
    rc, out, _ = run(capsys, "run", "jacobian")
    assert rc == 0 and out.startswith("jacobian on numpy")


@pytest.mark.parametrize("command", [["run", "jacobian"], ["fuzz", "-n", "1"]])
def test_a_mistyped_backend_gets_a_suggestion(capsys, command):
    rc, _, err = run(capsys, *command, "-b", "stirct")
    assert_one_line_error(rc, err, "no backend named 'stirct'", "did you mean 'strict'")


def test_load_backend_refuses_an_empty_name():
    with pytest.raises(gradspec.errors.UnknownBackendError, match="empty"):
        gradspec.load_backend("")
    with pytest.raises(gradspec.errors.UnknownBackendError, match="did you mean 'numpy'"):
        gradspec.load_backend("nunpy")


# ------------------------------------------------------------------------------ gradspec fuzz
def test_fuzz_takes_the_short_backend_flag_and_the_shared_default(capsys, monkeypatch):
    rc, out, err = run(capsys, "fuzz", "--help")
    assert rc == 0 and "-b, --backend NAME" in out and "--backend-option" in out
    monkeypatch.setenv("GRADSPEC_BACKEND", "nosuch")
    rc, _, err = run(capsys, "fuzz", "-n", "1")
    assert_one_line_error(rc, err, "$GRADSPEC_BACKEND='nosuch'")


@pytest.mark.parametrize("args, fragments", [
    (["--count", "0"], ["gradspec fuzz: error:", "Invalid value for '--count'", "--help"]),
    (["--start", "-1"], ["Invalid value for '--start'"]),
    (["--backend-option", "novalue"], ["gradspec: error:", "expects KEY=VALUE"]),
    (["--frob"], ["No such option", "--frob"]),
])
def test_fuzz_usage_errors_are_one_line(capsys, args, fragments):
    rc, out, err = run(capsys, "fuzz", *args)
    assert_one_line_error(rc, err, *fragments)
    assert "Usage:" not in err


@needs_torch
def test_fuzz_rejects_an_unknown_backend_option(capsys):
    rc, _, err = run(capsys, "fuzz", "-b", "numpy", "--backend-option", "frob=1", "-n", "1")
    assert_one_line_error(rc, err, "cannot load backend 'numpy'", "frob")


def test_fuzz_out_folder_must_be_in_an_existing_folder(capsys, tmp_path):
    rc, _, err = run(capsys, "fuzz", "-n", "1", "--out", str(tmp_path / "no" / "such"))
    assert_one_line_error(rc, err, "the folder", "does not exist")
    assert not (tmp_path / "no").exists()


@needs_torch
def test_python_m_fuzz_is_the_same_command(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "gradspec.conformance.fuzz", "--count", "0"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Invalid value for '--count'" in proc.stderr


# ------------------------------------------------------------------------------ output paths
def test_json_into_a_missing_folder_fails_and_creates_nothing(capsys, tmp_path):
    target = tmp_path / "no" / "such" / "r.json"
    rc, out, err = run(capsys, "run", "jacobian", "--json", str(target))
    assert_one_line_error(rc, err, "the folder", "does not exist", "mkdir -p")
    assert out == "" and not (tmp_path / "no").exists()


@needs_graphviz
def test_graph_into_a_missing_folder_fails_and_creates_nothing(capsys, tmp_path):
    rc, _, err = run(capsys, "graph", "logreg", "--out", str(tmp_path / "no" / "g.dot"))
    assert_one_line_error(rc, err, "the folder", "does not exist")
    assert not (tmp_path / "no").exists()


@needs_plot
def test_plots_into_a_missing_parent_fail_and_create_nothing(capsys, tmp_path):
    rc, _, err = run(capsys, "run", "logreg", "-n", "2", "--plot", str(tmp_path / "a" / "b"))
    assert_one_line_error(rc, err, "cannot write plots into", "does not exist")
    assert not (tmp_path / "a").exists()


@needs_plot
def test_a_failed_run_leaves_no_plot_folder(capsys, tmp_path):
    plots = tmp_path / "plots"
    rc, _, err = run(capsys, "run", "logreg", "--plot", str(plots), "-b", "nosuch")
    assert_one_line_error(rc, err, "no backend named 'nosuch'")
    assert not plots.exists()
    rc, _, err = run(capsys, "run", "logreg", "-n", "2", "--plot", str(plots))
    assert rc == 0, err
    assert sorted(p.name for p in plots.iterdir())  # created when the plots are written


# ------------------------------------------------------------------------------ graph
@needs_graphviz
@pytest.mark.parametrize("snippet, fragments", [
    ("x = torch.ones(2, requires_grad=True); y = torch.frob(x)",
     ["torch.frob does not exist on backend 'numpy'", "PyTorch's names"]),
    ("x = torch.ones(2, requires_grad=True); y = torch.expp(x)",
     ["torch.expp does not exist", "did you mean torch.exp?"]),
])
def test_graph_snippet_names_no_internal_class(capsys, tmp_path, snippet, fragments):
    rc, _, err = run(capsys, "graph", snippet, "--out", str(tmp_path / "g.dot"))
    assert_one_line_error(rc, err, *fragments)
    assert "EngineBackend" not in err


@needs_graphviz
def test_graph_help_examples_can_be_pasted(capsys, tmp_path, monkeypatch):
    rc, out, _ = run(capsys, "graph", "--help")
    examples = [line.strip() for line in out.splitlines()
                if line.strip().startswith("gradspec graph ")]
    assert len(examples) >= 2
    monkeypatch.chdir(tmp_path)
    for example in examples:
        args = shlex.split(example)[1:]
        args = [re.sub(r"\.(svg|png|pdf)$", ".dot", a) for a in args]  # no dot program needed
        rc, out, err = run(capsys, *args)
        assert rc == 0, f"{example}: {err}"
        assert "graph of" in out


# ------------------------------------------------------------------------------ backends
def test_backends_shows_the_wrapped_librarys_version(capsys):
    rc, out, _ = run(capsys, "backends")
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert f"numpy {metadata.version('numpy')}" in rows["numpy"]
    if importlib.util.find_spec("array_api_strict") is not None:
        assert f"array-api-strict {metadata.version('array-api-strict')}" in rows["strict"]


@needs_torch
def test_backends_shows_torchs_version_for_torch(capsys):
    rc, out, _ = run(capsys, "backends")
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert f"torch {metadata.version('torch')}" in rows["torch"]


# ------------------------------------------------------------------------------ run linefit
def test_linefit_explains_its_final_loss_on_the_cli_and_in_the_json(capsys, tmp_path):
    rc, out, err = run(capsys, "run", "linefit", "--json", str(tmp_path / "r.json"))
    assert rc == 0, err
    doc = json.loads((tmp_path / "r.json").read_text())
    final, best = doc["final_loss"], doc["metrics"]["best_loss"]
    assert final > 100 * best  # the tutorial's steps grow: it overshoots after the minimum
    assert 0 < doc["metrics"]["best_epoch"] < doc["iterations"] - 1
    (note,) = doc["notes"]
    assert "never zeroes the gradients" in note and "diverges" in note and "best" in note
    assert f"note: {note}" in out


def test_linefit_stopped_before_the_minimum_needs_no_note(capsys, tmp_path):
    rc, out, _ = run(capsys, "run", "linefit", "-n", "20", "--json", str(tmp_path / "r.json"))
    assert rc == 0 and "note:" not in out
    assert json.loads((tmp_path / "r.json").read_text())["notes"] == []
