"""The conformance suite's pytest plugin (gradspec.conformance.plugin): options, usage errors,
capabilities, known failures, and the same suite in the repository and installed (--pyargs).

Most runs are in-process (pytester) on small test files of ours, with fake backends registered in
this process; the runs over the real suite use subprocesses, one with a backend that a fake
distribution registers through its entry point, as a third party's would be.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import gradspec
from gradspec.clauses import CLAUSES
from gradspec.conformance import report as reporting

FIXTURES = Path(__file__).resolve().parent / "fixtures"  # holds gradspec_fakes

SIMPLE = """
    import pytest

    @pytest.mark.clause("LEAF-1")
    def test_leaf(backend):
        assert backend.tensor([1.0]).is_leaf
"""


@pytest.fixture(autouse=True)
def no_backend_in_environment(monkeypatch):
    monkeypatch.delenv("GRADSPEC_BACKEND", raising=False)


def _register(fakes, name="fake", **kw):
    plugin = fakes.FakePlugin(name, **kw)
    gradspec.register_plugin(name, plugin)
    return plugin


def _outcomes(doc):
    return {t["id"].split("::", 1)[1]: t["outcome"] for t in doc["tests"]}


# ------------------------------------------------------------------------------ choosing backends
def test_no_backend_is_a_usage_error_naming_the_installed_ones(conformance_run, own_backends):
    result, doc = conformance_run(SIMPLE)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "--backend=NAME" in err and "GRADSPEC_BACKEND" in err
    listed = err.split("Installed backends:", 1)[1]
    for name in own_backends:
        assert name in listed
    assert doc is None


def test_a_run_without_conformance_tests_needs_no_backend(conformance_run):
    # The plugin is active in every pytest run where gradspec is installed: it must stay quiet.
    result, doc = conformance_run("def test_plain():\n    assert 1 + 1 == 2\n")
    result.assert_outcomes(passed=1)
    assert "gradspec conformance" not in result.stdout.str()
    assert doc is None


def test_backend_from_the_environment(conformance_run, fakes, monkeypatch):
    _register(fakes, "envfake")
    monkeypatch.setenv("GRADSPEC_BACKEND", "envfake")
    result, doc = conformance_run(SIMPLE + """
    def test_name(backend):
        assert backend.name == "envfake"
    """)
    result.assert_outcomes(passed=2)
    assert doc["backend"]["name"] == "envfake"


def test_backend_option_overrides_the_environment(conformance_run, fakes, monkeypatch):
    _register(fakes, "chosen")
    monkeypatch.setenv("GRADSPEC_BACKEND", "not-installed-anywhere")
    result, doc = conformance_run(SIMPLE, "--backend=chosen")
    result.assert_outcomes(passed=1)
    assert doc["backend"]["name"] == "chosen"


def test_unknown_backend_is_a_usage_error(conformance_run):
    result, _ = conformance_run(SIMPLE, "--backend=no-such-engine")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "cannot load backend 'no-such-engine'" in err and "numpy" in err


def test_a_backend_named_twice_is_a_usage_error(conformance_run):
    result, _ = conformance_run(SIMPLE, "--backend=numpy,numpy", report=None)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "names a backend twice" in result.stderr.str()


def test_several_backends_each_run_every_test(conformance_run, fakes, pytester):
    _register(fakes)
    result, _ = conformance_run(SIMPLE + """
    @pytest.mark.clause("LEAF-2")
    @pytest.mark.parametrize("v", [1.0, 2.0], ids=["one", "two"])
    def test_param(backend, v):
        assert (backend.tensor([v]) * 2).tolist() == [2 * v]
    """, "--backend=fake,numpy", "-v", report="{backend}.json")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines_random([
        "*test_leaf?fake? PASSED*", "*test_leaf?numpy? PASSED*",
        "*test_param?fake-one? PASSED*", "*test_param?numpy-two? PASSED*"])
    ids = {}
    for name in ("fake", "numpy"):
        doc = reporting.load(pytester.path / f"{name}.json")
        ids[name] = [t["id"] for t in doc["tests"]]
    assert ids["fake"] == ids["numpy"] == ["test_suite.py::test_leaf",
                                           "test_suite.py::test_param[one]",
                                           "test_suite.py::test_param[two]"]


def test_unavailable_backend_skips_with_its_reason(conformance_run, fakes):
    _register(fakes, available=(False, "needs the flux library"))
    result, doc = conformance_run(SIMPLE, "--backend=fake", "-rs")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*backend 'fake' unavailable: needs the flux library*"])
    reporting.validate(doc)
    assert doc["backend"]["available"] is False
    assert doc["backend"]["unavailable_reason"] == "needs the flux library"
    assert set(doc["clauses"].values()) == {"not-run"}


# ------------------------------------------------------------------------------ --backend-option
def test_backend_options_reach_the_plugin(conformance_run, fakes):
    plugin = _register(fakes, options={"scale", "mode"})
    result, doc = conformance_run(SIMPLE + """
    def test_options(backend):
        assert backend.options == {"scale": "3", "mode": "fast"}
    """, "--backend=fake", "--backend-option", "scale=3", "--backend-option", " mode = fast ")
    result.assert_outcomes(passed=2)
    assert plugin.created == [{"scale": "3", "mode": "fast"}]
    assert doc["backend"]["options"] == {"scale": "3", "mode": "fast"}


def test_an_option_the_plugin_rejects_is_a_usage_error(conformance_run, fakes):
    _register(fakes, options={"scale"})
    result, _ = conformance_run(SIMPLE, "--backend=fake", "--backend-option=colour=red")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "cannot load backend 'fake'" in err and "colour" in err and "scale" in err


@pytest.mark.parametrize("option", ["novalue", "=red", " =red"])
def test_malformed_backend_option_is_a_usage_error(conformance_run, fakes, option):
    _register(fakes)
    result, _ = conformance_run(SIMPLE, "--backend=fake", f"--backend-option={option}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--backend-option expects KEY=VALUE" in result.stderr.str()
    assert repr(option) in result.stderr.str()


# ------------------------------------------------------------------------------ known failures
KNOWN_SUITE = """
    import pytest

    @pytest.mark.clause("LEAF-1")
    def test_passes(backend):
        pass

    @pytest.mark.clause("LEAF-1")
    def test_fails(backend):
        assert False, "a real bug"

    @pytest.mark.clause("LEAF-2")
    @pytest.mark.parametrize("v", ["a", "b"])
    def test_param(backend, v):
        assert v == "b"
"""


def test_xfails_file_entries_become_known_failures(conformance_run, fakes, pytester):
    _register(fakes)
    pytester.path.joinpath("known.txt").write_text(
        "# known failures of the fake backend\n"
        "\n"
        "test_suite.py::test_fails  # bug 7: wrong sign\n"
        "test_suite.py::test_param[a]   #   bug 8 (brackets are literal)  \n")
    result, doc = conformance_run(KNOWN_SUITE, "--backend=fake", "--xfails-file=known.txt")
    result.assert_outcomes(passed=2, xfailed=2)
    assert _outcomes(doc) == {"test_passes": "passed", "test_fails": "xfailed",
                              "test_param[a]": "xfailed", "test_param[b]": "passed"}
    reasons = {t["id"].split("::", 1)[1]: (t["declared"], t["reason"]) for t in doc["tests"]}
    assert reasons["test_fails"] == ("bug 7: wrong sign", "a real bug (assert False)")
    assert reasons["test_param[a]"] == ("bug 8 (brackets are literal)",
                                        "expected v == \"b\", but 'a' == 'b'; - b; + a")
    assert doc["clauses"]["LEAF-1"] == "partial" and doc["clauses"]["LEAF-2"] == "partial"


def test_a_known_failure_that_passes_is_no_trap(conformance_run, fakes, pytester):
    _register(fakes)
    pytester.path.joinpath("known.txt").write_text("test_suite.py::test_pass*  # fixed upstream?\n"
                                                   "test_suite.py::test_fails  # a real bug\n")
    result, doc = conformance_run(KNOWN_SUITE, "--backend=fake", "--xfails-file=known.txt")
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # test_param[a] fails, undeclared
    assert _outcomes(doc)["test_passes"] == "xpassed"
    reasons = doc["clause_details"]["LEAF-1"]["reasons"]
    assert "declared known failure passed (fixed upstream?): the declaration can go" in reasons


@pytest.mark.parametrize("line", ["test_suite.py::test_fails", "test_suite.py::test_fails  #  "],
                         ids=["no-comment", "empty-reason"])
def test_a_known_failure_without_reason_is_a_usage_error(conformance_run, fakes, pytester, line):
    _register(fakes)
    pytester.path.joinpath("known.txt").write_text(f"# header\n{line}\n")
    result, _ = conformance_run(KNOWN_SUITE, "--backend=fake", "--xfails-file=known.txt")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "known.txt:2: a known failure needs a reason" in err
    assert "test_suite.py::test_fails  # why" in err


def test_an_unreadable_xfails_file_is_a_usage_error(conformance_run, fakes):
    _register(fakes)
    result, _ = conformance_run(KNOWN_SUITE, "--backend=fake", "--xfails-file=missing.txt")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--xfails-file missing.txt: cannot read it" in result.stderr.str()


def test_known_failures_declared_by_the_plugin(conformance_run, fakes):
    _register(fakes, known_failures={"test_suite.py::test_fails": "bug 11",
                                     "test_suite.py::test_param[?]": "bug 12"})
    result, doc = conformance_run(KNOWN_SUITE, "--backend=fake")
    # test_param[b] passes although declared: it counts as a pass, the run does not fail
    assert result.ret == pytest.ExitCode.OK
    assert _outcomes(doc) == {"test_passes": "passed", "test_fails": "xfailed",
                              "test_param[a]": "xfailed", "test_param[b]": "xpassed"}
    assert doc["backend"]["known_failures"] == {"test_suite.py::test_fails": "bug 11",
                                                "test_suite.py::test_param[?]": "bug 12"}


# ------------------------------------------------------------------------------ markers
def test_unknown_clause_id_is_a_usage_error(conformance_run, fakes):
    _register(fakes)
    result, _ = conformance_run(SIMPLE + """
    @pytest.mark.clause("LEAF-1", "LEAF-99")
    def test_typo(backend):
        pass
    """, "--backend=fake")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "test_suite.py::test_typo[fake] names unknown clause(s): LEAF-99" in err


def test_unknown_required_capability_is_a_usage_error(conformance_run, fakes):
    _register(fakes)
    result, _ = conformance_run(SIMPLE + """
    @pytest.mark.clause("LEAF-1")
    @pytest.mark.requires("telepathy")
    def test_needs_telepathy(backend):
        pass
    """, "--backend=fake")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "requires unknown capabilities ['telepathy']" in result.stderr.str()


def test_markers_are_registered(conformance_run, fakes):
    _register(fakes)
    result, _ = conformance_run(SIMPLE + """
    @pytest.mark.clause("HOOK-1")
    @pytest.mark.requires("hooks")
    def test_marked(backend):
        pass
    """, "--backend=fake", "--strict-markers")
    result.assert_outcomes(passed=2)


def test_missing_capability_marks_tests_unsupported(conformance_run, fakes):
    # without what they build on: backward_create_graph, version_counters, inplace_views
    lacking = {"create_graph", "inplace", *gradspec.protocol.CAPABILITY_NEEDS}
    _register(fakes, capabilities=fakes.ALL_CAPABILITIES - lacking)
    result, doc = conformance_run(SIMPLE + """
    @pytest.mark.clause("HIGHER-1")
    def test_via_clause(backend):
        assert False, "must not run"

    @pytest.mark.clause("LEAF-2")
    @pytest.mark.requires("inplace")
    def test_via_requires(backend):
        assert False, "must not run"
    """, "--backend=fake", "-rs")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*1 passed*2 unsupported*"])
    result.stdout.fnmatch_lines_random([
        "*unsupported (1): backend 'fake' does not declare capability create_graph*",
        "*unsupported (1): backend 'fake' does not declare capability inplace*"])
    assert _outcomes(doc) == {"test_leaf": "passed", "test_via_clause": "unsupported",
                              "test_via_requires": "unsupported"}
    assert doc["clauses"]["HIGHER-1"] == "unsupported" and doc["clauses"]["LEAF-2"] == "unsupported"


# ------------------------------------------------------------------------------ the real suite
NO_HOOKS_PLUGIN = """
    import gradspec
    from gradspec import hookimpl
    from gradspec_fakes import ALL_CAPABILITIES, Wrapped

    @hookimpl
    def gradspec_backend_describe():
        return {"summary": "numpy without hooks", "device": "cpu"}

    @hookimpl
    def gradspec_backend_create(options):
        caps = ALL_CAPABILITIES - set(options.get("drop", "").split(","))
        return Wrapped(gradspec.load_backend("numpy"), "thirdparty", caps, options)
"""


def _third_party_run(fake_dist, run_python, tmp_path, *args):
    site = fake_dist("thirdparty-grad", {"thirdparty": "thirdparty_plugin"},
                     {"thirdparty_plugin": NO_HOOKS_PLUGIN})
    path = tmp_path / "report.json"
    done = run_python(["-m", "pytest", "-p", "no:cacheprovider", "-q", "--backend=thirdparty",
                       f"--conformance-report={path}", *args],
                      env={"PYTHONPATH": f"{site}:{FIXTURES}"})
    return done, (reporting.load(path) if path.exists() else None)


def test_real_suite_reports_a_missing_capability_as_unsupported(fake_dist, run_python, tmp_path):
    done, doc = _third_party_run(fake_dist, run_python, tmp_path, "conformance/test_hooks.py",
                                 "--backend-option=drop=hooks")
    assert done.returncode == 0, done.stdout[-3000:]
    reporting.validate(doc)
    assert doc["backend"]["distribution"] == "thirdparty-grad"
    assert "hooks" not in doc["backend"]["capabilities"]
    outcomes = {t["outcome"] for t in doc["tests"]}
    hook_clauses = [c.id for c in CLAUSES if c.capability == "hooks"]
    for cid in hook_clauses:
        assert doc["clauses"][cid] == "unsupported", cid
    # every test that names a hooks clause is unsupported, none failed
    assert "failed" not in outcomes and "error" not in outcomes
    for t in doc["tests"]:
        if set(t["clauses"]) & set(hook_clauses):
            assert t["outcome"] == "unsupported", t


def test_real_suite_judges_mandatory_clauses_without_any_capability(fake_dist, run_python,
                                                                     tmp_path):
    everything = ",".join(sorted(gradspec.protocol.CAPABILITIES))
    done, doc = _third_party_run(fake_dist, run_python, tmp_path, "conformance/test_leaf.py",
                                 f"--backend-option=drop={everything}")
    assert done.returncode == 0, done.stdout[-3000:]
    assert doc["backend"]["capabilities"] == []
    mandatory = {c.id for c in CLAUSES if c.mandatory}
    judged = {cid for t in doc["tests"] for cid in t["clauses"]}
    for cid in judged & mandatory:
        assert doc["clauses"][cid] in ("pass", "partial"), cid
    assert {c for c in judged & mandatory if c.startswith("LEAF-")} == {
        c.id for c in CLAUSES if c.family == "LEAF" and c.mandatory}
    assert doc["summary"]["failed"] == doc["summary"]["error"] == 0
    assert doc["summary"]["passed"] > 0


_NODE = re.compile(r"^(?P<path>[^:]+\.py)::(?P<rest>.+)$")


def _collected_ids(stdout: str) -> set[str]:
    """Node ids from ``--collect-only -q`` output, with the file path cut to its name (the files
    of the suite are one flat folder, wherever it is installed)."""
    out = set()
    for line in stdout.splitlines():
        m = _NODE.match(line.strip())
        if m:
            out.add(f"{m['path'].rsplit('/', 1)[-1]}::{m['rest']}")
    return out


def test_repository_and_installed_suite_collect_the_same_tests(run_python, tmp_path,
                                                               torch_backend):
    in_repo = run_python(["-m", "pytest", "conformance", "--backend=torch", "--collect-only", "-q",
                          "-p", "no:cacheprovider"])
    assert in_repo.returncode == 0, in_repo.stdout[-2000:] + in_repo.stderr[-2000:]
    installed = run_python(["-m", "pytest", "--pyargs", "gradspec.conformance", "--backend=torch",
                            "--collect-only", "-q", "-p", "no:cacheprovider"], cwd=tmp_path)
    assert installed.returncode == 0, installed.stdout[-2000:] + installed.stderr[-2000:]
    repo_ids, installed_ids = _collected_ids(in_repo.stdout), _collected_ids(installed.stdout)
    assert len(repo_ids) > 1000
    assert repo_ids == installed_ids, (sorted(repo_ids - installed_ids)[:5],
                                       sorted(installed_ids - repo_ids)[:5])
    n = int(re.search(r"(\d+) tests? collected", in_repo.stdout).group(1))
    assert n == len(repo_ids)


def test_naming_the_plugin_with_p_does_not_load_it_twice(run_python):
    # The pytest11 entry is named after the module, so `-p gradspec.conformance.plugin` (what a
    # project without entry-point autoloading writes) is the same plugin, not a second copy.
    done = run_python(["-m", "pytest", "-p", "gradspec.conformance.plugin",
                       "-p", "no:cacheprovider", "-q", "conformance/test_leaf.py",
                       "--backend=numpy", "-k", "factory"])
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.count("== gradspec conformance ==") == 1
