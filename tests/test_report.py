"""The conformance report: clause status rules, the JSON Schema, and reports of real runs."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import jsonschema
import pytest

import gradspec
from gradspec.clauses import CLAUSES
from gradspec.conformance import report as reporting
from gradspec.conformance.report import OutcomeRecord, clause_details, clause_status

ALL_IDS = [c.id for c in CLAUSES]


# ------------------------------------------------------------------------------ clause_status
@pytest.mark.parametrize("outcomes, status", [
    ([], "not-run"),
    (["skipped"], "not-run"),
    (["skipped", "skipped"], "not-run"),
    (["passed"], "pass"),
    (["passed", "passed", "skipped"], "incomplete"),  # never a pass on a fraction
    (["passed", "failed"], "partial"),
    (["passed", "error"], "partial"),
    (["passed", "crashed"], "partial"),
    (["passed", "xfailed"], "partial"),
    (["passed", "xpassed"], "pass"),  # a known failure that passes is no trap
    (["passed", "absent"], "partial"),
    (["passed", "unsupported"], "pass"),
    (["passed", "unsupported", "skipped"], "incomplete"),
    (["failed"], "fail"),
    (["error"], "fail"),
    (["crashed"], "fail"),
    (["xfailed"], "fail"),
    (["xpassed"], "pass"),
    (["failed", "skipped"], "fail"),
    (["unsupported", "failed"], "fail"),
    (["unsupported", "xfailed"], "fail"),
    (["absent", "failed"], "fail"),
    (["absent"], "absent"),
    (["absent", "unsupported", "skipped"], "absent"),
    (["unsupported"], "unsupported"),
    (["unsupported", "unsupported", "skipped"], "unsupported"),
])
def test_clause_status(outcomes, status):
    assert clause_status(outcomes) == status
    assert clause_status(reversed(outcomes)) == status  # order does not matter
    assert clause_status(iter(outcomes)) == status  # any iterable, consumed once


def test_clause_details_counts_reasons_and_tests():
    records = [
        OutcomeRecord("test_a.py::test_one", "passed", ["LEAF-1", "LEAF-2"]),
        OutcomeRecord("test_a.py::test_two", "failed", ["LEAF-2"], reason="assert 1 == 2"),
        OutcomeRecord("test_a.py::test_three", "xfailed", ["LEAF-2"], reason="assert 3 == 4",
                      declared="bug"),
        OutcomeRecord("test_a.py::test_five", "failed", ["LEAF-2"], reason="zeta"),
        OutcomeRecord("test_a.py::test_six", "failed", ["LEAF-2"], reason="zeta"),
        OutcomeRecord("test_a.py::test_four", "unsupported", ["HOOK-1"],
                      reason="unsupported: no hooks"),
    ]
    details = clause_details(records, ["LEAF-1", "LEAF-2", "HOOK-1", "BWD-1"])
    assert list(details) == ["LEAF-1", "LEAF-2", "HOOK-1", "BWD-1"]
    assert details["LEAF-1"].status == "pass" and details["LEAF-1"].reasons == []
    leaf2 = details["LEAF-2"]
    assert leaf2.status == "partial"
    assert leaf2.tests == ["test_a.py::test_one", "test_a.py::test_two", "test_a.py::test_three",
                           "test_a.py::test_five", "test_a.py::test_six"]
    assert leaf2.counts == {"passed": 1, "failed": 3, "xfailed": 1}
    assert (leaf2.passed, leaf2.ran) == (1, 5)
    # the most frequent cause first; a known failure keeps its real text beside the reason
    assert leaf2.reasons == ["zeta", "assert 1 == 2", "known failure (bug): assert 3 == 4"]
    assert details["HOOK-1"].status == "unsupported"
    assert details["BWD-1"].status == "not-run" and details["BWD-1"].tests == []


# ------------------------------------------------------------------------------ schema
def _document(records):
    started = reporting.now()
    return reporting.build(
        backend={"name": "fake", "version": "1", "device": "cpu", "capabilities": ["hooks"],
                 "available": True, "options": {"k": "v"}},
        records=records, clause_ids=ALL_IDS, workloads={"logreg": {"accuracy": 0.99}},
        started=started, finished=started + timedelta(seconds=2), exit_status=1)


@pytest.fixture
def document():
    return _document([
        OutcomeRecord("test_a.py::test_one", "passed", ["LEAF-1"], 0.01),
        OutcomeRecord("test_a.py::test_two", "failed", ["LEAF-2"], 0.02, "assert False"),
        OutcomeRecord("test_a.py::test_three", "unsupported", ["HOOK-1"], 0.0, "unsupported: x"),
    ])


def test_built_report_is_valid(document):
    reporting.validate(document)
    assert document["summary"] == {"passed": 1, "failed": 1, "error": 0, "crashed": 0,
                                   "xfailed": 0, "xpassed": 0, "absent": 0, "skipped": 0,
                                   "unsupported": 1, "total": 3}
    assert document["clauses"]["LEAF-1"] == "pass" and document["clauses"]["LEAF-2"] == "fail"
    assert document["clauses"]["HOOK-1"] == "unsupported"
    assert document["clause_summary"] == {"pass": 1, "partial": 0, "fail": 1, "absent": 0,
                                          "unsupported": 1, "incomplete": 0,
                                          "not-run": len(ALL_IDS) - 3}
    assert document["cascade"] is None
    assert document["duration_s"] == 2.0 and document["exit_status"] == 1
    assert [t["id"] for t in document["tests"]] == sorted(t["id"] for t in document["tests"])


@pytest.mark.parametrize("path, bad", [
    (("clauses", "LEAF-1"), "ok"),
    (("tests", 0, "outcome"), "exploded"),
    (("clause_details", "LEAF-1", "status"), "passing"),
    (("summary", "passed"), -1),
    (("schema",), "gradspec-conformance-report/0"),
    (("backend", "available"), "yes"),
    (("backend", "capabilities"), ["hooks", "hooks"]),
], ids=lambda v: "-".join(map(str, v)) if isinstance(v, tuple) else None)
def test_schema_rejects_wrong_values(document, path, bad):
    doc = copy.deepcopy(document)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = bad
    with pytest.raises(jsonschema.ValidationError):
        reporting.validate(doc)


@pytest.mark.parametrize("change", ["missing-key", "extra-key", "bad-clause-id"])
def test_schema_rejects_wrong_shapes(document, change):
    doc = copy.deepcopy(document)
    if change == "missing-key":
        del doc["clause_summary"]
    elif change == "extra-key":
        doc["verdict"] = "great"
    else:
        doc["clauses"]["leaf-1"] = "pass"
    with pytest.raises(jsonschema.ValidationError):
        reporting.validate(doc)


def test_write_and_load_round_trip(document, tmp_path):
    path = reporting.write(document, tmp_path / "sub" / "r.json")
    assert reporting.load(path) == json.loads(json.dumps(document))
    (tmp_path / "other.json").write_text('{"schema": "something-else"}')
    with pytest.raises(ValueError, match="not a gradspec conformance report"):
        reporting.load(tmp_path / "other.json")


# ------------------------------------------------------------------------------ real runs
def _suite(run_python, *args):
    return run_python(["-m", "pytest", "-p", "no:cacheprovider", "-q", *args])


def test_report_of_a_real_run_is_valid(run_python, tmp_path):
    path = tmp_path / "numpy.json"
    done = _suite(run_python, "conformance", "-k", "LEAF", "--backend=numpy",
                  f"--conformance-report={path}")
    assert done.returncode == 0, done.stdout[-2000:]
    doc = reporting.load(path)
    reporting.validate(doc)
    assert doc["backend"]["name"] == "numpy" and doc["backend"]["available"] is True
    assert doc["backend"]["distribution"] == "gradspec"
    assert doc["backend"]["capabilities"] == sorted(gradspec.protocol.CAPABILITIES)
    assert doc["exit_status"] == 0
    tests = doc["tests"]
    assert tests and doc["summary"]["total"] == len(tests) == doc["summary"]["passed"]
    # stable ids: the backend's parametrisation is taken out
    assert not [t["id"] for t in tests if "[numpy]" in t["id"] or "[numpy-" in t["id"]]
    named = {cid for t in tests for cid in t["clauses"]}
    assert {c for c in ALL_IDS if c.startswith("LEAF-")} <= named
    for cid in ALL_IDS:
        assert doc["clauses"][cid] == ("pass" if cid in named else "not-run"), cid
    assert f"report written to {path}" in done.stdout


def test_multi_backend_report_path_with_placeholder(run_python, tmp_path):
    done = _suite(run_python, "conformance/test_leaf.py", "--backend=numpy,strict",
                  f"--conformance-report={tmp_path}/{{backend}}.json")
    assert done.returncode == 0, done.stdout[-2000:]
    docs = {name: reporting.load(tmp_path / f"{name}.json") for name in ("numpy", "strict")}
    for name, doc in docs.items():
        reporting.validate(doc)
        assert doc["backend"]["name"] == name
    ids = [[t["id"] for t in doc["tests"]] for doc in docs.values()]
    assert ids[0] == ids[1] and ids[0]
    assert docs["numpy"]["clauses"] == docs["strict"]["clauses"]


def test_multi_backend_report_path_without_placeholder_is_a_usage_error(run_python, tmp_path):
    done = _suite(run_python, "conformance/test_leaf.py", "--backend=numpy,strict",
                  f"--conformance-report={tmp_path}/report.json")
    assert done.returncode == 4
    assert "{backend}" in done.stderr and "--conformance-report" in done.stderr
    assert not (tmp_path / "report.json").exists()


OUTCOMES_SUITE = """
    import pytest
    from gradspec.conformance.helpers import unsupported

    @pytest.fixture
    def broken_setup():
        raise RuntimeError("fixture broke")

    @pytest.fixture
    def broken_teardown():
        yield
        raise RuntimeError("teardown broke")

    @pytest.mark.clause("LEAF-1")
    def test_pass(backend):
        assert backend.tensor([1.0]).is_leaf

    @pytest.mark.clause("LEAF-2")
    def test_pass_too(backend):
        assert backend.tensor([1.0]).grad_fn is None

    @pytest.mark.clause("LEAF-2", "LEAF-3")
    def test_fail(backend):
        assert backend.tensor([1.0]).tolist() == [2.0], "wrong on purpose"

    @pytest.mark.clause("LEAF-4")
    def test_unsupported(backend):
        unsupported("the fake lacks this op")

    @pytest.mark.clause("LEAF-5")
    def test_skipped(backend):
        pytest.skip("not today")

    @pytest.mark.clause("LEAF-6")
    def test_setup_error(backend, broken_setup):
        pass

    @pytest.mark.clause("GRAPH-3")
    def test_pass_then_teardown_error(backend, broken_teardown):
        pass

    @pytest.mark.clause("GRAPH-1")
    @pytest.mark.xfail(reason="the test's own expectation")
    def test_own_xfail(backend):
        assert False

    @pytest.mark.clause("GRAPH-2")
    def test_graph_pass(backend):
        pass

    @pytest.mark.clause("GRAPH-2")
    @pytest.mark.xfail(reason="expected to fail, but passes")
    def test_own_xpass(backend):
        pass

    @pytest.mark.clause("HOOK-1")
    def test_needs_hooks(backend):
        assert False, "must not run: the fake lacks the hooks capability"

    @pytest.mark.clause("BWD-1")
    def test_known_failure_failing(backend):
        assert False

    @pytest.mark.clause("BWD-2")
    def test_known_failure_passing(backend):
        pass
"""


def test_report_records_every_outcome(conformance_run, fakes):
    caps = fakes.ALL_CAPABILITIES - {"hooks"}
    known = {"test_suite.py::test_known_failure_*": "bug 42"}
    gradspec.register_plugin("fake", fakes.FakePlugin("fake", capabilities=caps,
                                                      known_failures=known))
    result, doc = conformance_run(OUTCOMES_SUITE, "--backend=fake")
    assert result.ret == 1
    reporting.validate(doc)
    outcomes = {t["id"].split("::")[1]: t["outcome"] for t in doc["tests"]}
    assert outcomes == {
        "test_pass": "passed", "test_pass_too": "passed", "test_fail": "failed",
        "test_unsupported": "unsupported", "test_skipped": "skipped",
        "test_setup_error": "error", "test_pass_then_teardown_error": "error",
        "test_own_xfail": "xfailed", "test_graph_pass": "passed", "test_own_xpass": "xpassed",
        "test_needs_hooks": "unsupported", "test_known_failure_failing": "xfailed",
        "test_known_failure_passing": "xpassed",  # no strict-xfail trap
    }
    reasons = {t["id"].split("::")[1]: t["reason"] for t in doc["tests"]}
    assert "wrong on purpose" in reasons["test_fail"]
    assert reasons["test_unsupported"] == "unsupported: the fake lacks this op"
    assert reasons["test_skipped"] == "not today"
    assert "fixture broke" in reasons["test_setup_error"]
    assert "teardown broke" in reasons["test_pass_then_teardown_error"]
    assert "capability hooks" in reasons["test_needs_hooks"]
    # a declared known failure keeps the real failure text beside the declared reason
    declared = {t["id"].split("::")[1]: t["declared"] for t in doc["tests"]}
    assert declared["test_known_failure_failing"] == "bug 42"
    assert reasons["test_known_failure_failing"].startswith("expected False")
    assert declared["test_known_failure_passing"] == "bug 42"
    clauses = doc["clauses"]
    assert {c: clauses[c] for c in ("LEAF-1", "LEAF-2", "LEAF-3", "LEAF-4", "LEAF-5", "LEAF-6",
                                    "GRAPH-1", "GRAPH-2", "GRAPH-3", "HOOK-1", "BWD-1", "BWD-2",
                                    "BWD-3")} == {
        "LEAF-1": "pass", "LEAF-2": "partial", "LEAF-3": "fail", "LEAF-4": "unsupported",
        "LEAF-5": "not-run", "LEAF-6": "fail", "GRAPH-1": "fail", "GRAPH-2": "pass",
        "GRAPH-3": "fail", "HOOK-1": "unsupported", "BWD-1": "fail", "BWD-2": "pass",
        "BWD-3": "not-run",
    }
    assert doc["backend"]["name"] == "fake"
    assert doc["backend"]["capabilities"] == sorted(caps)
    assert doc["backend"]["known_failures"] == known
    assert doc["exit_status"] == 1
    # the terminal summary says the same, one line per backend
    n = len(CLAUSES)
    result.stdout.fnmatch_lines([f"*fake: {n} clauses: 3 pass, 1 partial, 5 fail, 2 unsupported,"
                                 f" {n - 11} not-run*"])
    # pytest's own summary line counts unsupported tests apart from skipped ones
    result.stdout.fnmatch_lines(["*1 skipped*2 unsupported*"])
