"""A suite that survives the engine it judges: crashes, poisoned state, absent APIs, and
declarations (known failures per glob or clause, crashers, tests to isolate) written from a run.

The crashing runs are subprocesses (a segfault must not take this process with it).
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from gradspec.conformance import report as reporting

if not hasattr(os, "fork"):
    pytest.skip("--isolate=test forks a process per test (no os.fork here)", allow_module_level=True)

SUITE = """
    import ctypes
    import pytest
    from gradspec.conformance.helpers import expect_error
    from gradspec.errors import LeafInPlaceError
    from gradspec.protocol import ApiAbsent

    POISON = []

    @pytest.mark.clause("LEAF-1")
    def test_ok(backend):
        assert not POISON, "state poisoned by an earlier test"

    @pytest.mark.clause("HOOK-1")
    def test_segfault(backend):
        ctypes.string_at(0)  # reads address 0: SIGSEGV

    @pytest.mark.clause("LEAF-2")
    def test_poisoner(backend):
        POISON.append(1)
        assert backend.tensor([1.0]).tolist() == [2.0]

    @pytest.mark.clause("LEAF-3")
    @pytest.mark.parametrize("i", range(25))
    def test_after(backend, i):
        assert not POISON, "state poisoned by an earlier test"

    @pytest.mark.clause("HOOK-2")
    def test_absent_through_a_helper(backend):
        def missing():
            raise ApiAbsent("this library has no tensor hooks")
        expect_error(backend, LeafInPlaceError, missing)
"""


def _run(run_python, tmp_path: Path, *args: str):
    (tmp_path / "test_suite.py").write_text(textwrap.dedent(SUITE), encoding="utf-8")
    report = tmp_path / "report.json"
    if report.exists():
        report.unlink()
    done = run_python(["-m", "pytest", "test_suite.py", "--backend=numpy", "-q",
                       "-p", "no:cacheprovider", f"--conformance-report={report}", *args],
                      cwd=tmp_path)
    doc = reporting.load(report) if report.exists() else None
    return done, doc


def _outcomes(doc):
    return {t["id"].split("::", 1)[1]: t["outcome"] for t in doc["tests"]}


def test_isolated_run_records_the_crash_and_goes_on(run_python, tmp_path):
    done, doc = _run(run_python, tmp_path, "--isolate=test", "--write-xfails=known.txt")
    assert doc is not None, done.stdout[-2000:] + done.stderr[-2000:]
    reporting.validate(doc)
    outcomes = _outcomes(doc)
    assert outcomes["test_segfault"] == "crashed"
    assert outcomes["test_poisoner"] == "failed"
    # a fresh process per test: the poisoner poisons nothing after it
    assert all(outcomes[f"test_after[{i}]"] == "passed" for i in range(25))
    assert doc["cascade"] is None and doc["backend"]["isolation"] == "test"
    assert outcomes["test_absent_through_a_helper"] == "absent"
    assert doc["clauses"]["HOOK-2"] == "absent" and doc["clauses"]["HOOK-1"] == "fail"
    reasons = {t["id"].split("::", 1)[1]: t["reason"] for t in doc["tests"]}
    assert "SIGSEGV" in reasons["test_segfault"]
    assert reasons["test_absent_through_a_helper"] == "absent: this library has no tensor hooks"
    assert "[2.0]" in reasons["test_poisoner"]  # the failure says what was expected
    # pytest's summary line counts crashed and absent tests apart
    assert "1 crashed" in done.stdout and "1 absent" in done.stdout
    # --write-xfails: every test that did not pass, a crasher declared as such
    lines = (tmp_path / "known.txt").read_text().splitlines()
    entries = [ln for ln in lines if not ln.startswith("#")]
    assert entries[0].startswith("test_suite.py::test_poisoner  # ")
    assert entries[1].startswith("test_suite.py::test_segfault  # crash: ")
    assert len(entries) == 2

    # the written file, given back: the crasher is not run, the known failure is an xfail, and
    # the run passes although the poisoner still poisons what follows it in one process...
    done, doc = _run(run_python, tmp_path, "--xfails-file=known.txt", "--isolate=test")
    assert done.returncode == 0, done.stdout[-2000:]
    outcomes = _outcomes(doc)
    assert outcomes["test_segfault"] == "crashed" and outcomes["test_poisoner"] == "xfailed"
    segfault = next(t for t in doc["tests"] if t["id"].endswith("test_segfault"))
    assert segfault["declared"].startswith("CRASHED with signal 11") and segfault["order"] == -1
    poisoner = next(t for t in doc["tests"] if t["id"].endswith("test_poisoner"))
    assert "[2.0]" in poisoner["reason"] and poisoner["declared"]  # both texts kept


def test_a_poisoning_test_is_pointed_at(run_python, tmp_path):
    (tmp_path / "known.txt").write_text("test_suite.py::test_segfault  # crash: reads address 0\n")
    done, doc = _run(run_python, tmp_path, "--xfails-file=known.txt")
    assert doc is not None, done.stdout[-2000:] + done.stderr[-2000:]
    outcomes = _outcomes(doc)
    assert outcomes["test_segfault"] == "crashed"  # declared: skipped, the run went on
    assert all(outcomes[f"test_after[{i}]"] == "failed" for i in range(25))
    assert doc["cascade"]["first_failing"] == "test_suite.py::test_poisoner"
    assert doc["cascade"]["last_passing_before"] == "test_suite.py::test_ok"
    assert doc["cascade"]["failed_after"] == doc["cascade"]["ran_after"] == 26
    assert "cascade: from test_suite.py::test_poisoner on, 26 of 26 tests failed" in done.stdout
    assert "1 crashed" in done.stdout


def test_isolate_declaration_runs_one_test_in_its_own_process(run_python, tmp_path):
    (tmp_path / "known.txt").write_text(
        "test_suite.py::test_segfault  # crash: reads address 0\n"
        "LEAF-2  # isolate: poisons the module state\n")
    done, doc = _run(run_python, tmp_path, "--xfails-file=known.txt")
    outcomes = _outcomes(doc)
    assert outcomes["test_poisoner"] == "failed"
    assert all(outcomes[f"test_after[{i}]"] == "passed" for i in range(25)), done.stdout[-2000:]
    assert doc["cascade"] is None
    assert doc["backend"]["declarations"] == {
        "test_suite.py::test_segfault": "crash: reads address 0",
        "LEAF-2": "isolate: poisons the module state"}


def test_a_clause_id_declares_every_test_of_the_clause(run_python, tmp_path):
    (tmp_path / "known.txt").write_text(
        "test_suite.py::test_segfault  # crash: reads address 0\n"
        "LEAF-3  # bug 3: everything after the poisoner fails\n"
        "LEAF-2  # bug 2\n")
    done, doc = _run(run_python, tmp_path, "--xfails-file=known.txt")
    assert done.returncode == 0, done.stdout[-2000:]
    assert {o for t, o in _outcomes(doc).items() if t.startswith("test_after")} == {"xfailed"}
    detail = doc["clause_details"]["LEAF-3"]
    assert detail["status"] == "fail" and (detail["passed"], detail["ran"]) == (0, 25)
    assert detail["reasons"] == ["known failure (bug 3: everything after the poisoner fails): "
                                 "state poisoned by an earlier test (assert not [1])"]


def test_xdist_restarts_a_crashed_worker_and_records_the_crash(run_python, tmp_path):
    pytest.importorskip("xdist")
    done, doc = _run(run_python, tmp_path, "-n", "1")
    assert doc is not None, done.stdout[-2000:] + done.stderr[-2000:]
    outcomes = _outcomes(doc)
    assert outcomes["test_segfault"] == "crashed"
    assert outcomes["test_ok"] == "passed" and len(outcomes) == 29
    crashed = next(t for t in doc["tests"] if t["outcome"] == "crashed")
    assert crashed["clauses"] == ["HOOK-1"] and "crashed while running" in crashed["reason"]
    assert json.loads(json.dumps(doc)) == doc


def test_a_missing_optional_op_met_inside_a_test_is_unsupported(run_python, tmp_path):
    # a composed function over an optional op the backend lacks raises OpNotSupportedError
    # from inside the test: reported unsupported, as a case naming the op would be
    (tmp_path / "test_suite.py").write_text(textwrap.dedent("""
        import pytest
        from gradspec.errors import OpNotSupportedError

        @pytest.mark.clause("OPS-1")
        def test_composed_over_a_missing_op(backend):
            raise OpNotSupportedError("backend lacks the optional op 'linalg.svd'")

        @pytest.mark.clause("OPS-1")
        def test_plain_failure(backend):
            assert False
    """), encoding="utf-8")
    report = tmp_path / "report.json"
    run_python(["-m", "pytest", "test_suite.py", "--backend=numpy", "-q", "-p",
                "no:cacheprovider", f"--conformance-report={report}"], cwd=tmp_path)
    outcomes = _outcomes(reporting.load(report))
    assert outcomes == {"test_composed_over_a_missing_op": "unsupported",
                        "test_plain_failure": "failed"}
