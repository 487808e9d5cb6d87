"""The conformance suite's pytest plugin (registered through the ``pytest11`` entry point).

It adds the options and the ``backend`` fixture, turns capabilities a backend lacks into
``unsupported`` skips, applies the known failures a backend or a file declares, collects
outcomes per clause and writes the JSON report.  Nothing lives in a conftest.py, so
``pytest --pyargs gradspec.conformance`` from any directory behaves exactly like
``pytest conformance`` in the repository.

``--backend`` takes one name or several separated by commas; each test that uses the ``backend``
fixture runs once per backend, and each backend gets its own report.

A suite that survives the engine it judges:

* ``--isolate=test`` runs every test in a fresh forked process (``isolation.py``): a test that
  crashes its process is recorded ``crashed`` and the run goes on, and a backend that corrupts
  its own state cannot poison the tests after it.  ``-n 1`` (pytest-xdist) keeps one process
  but restarts it after a crash; that works too.
* Declarations (a plugin's ``gradspec_backend_known_failures`` or ``--xfails-file``) map a test
  id glob or a clause ID to a reason.  A plain reason declares a known failure: the test runs,
  and a failure is reported ``xfailed`` with the real failure text beside the reason, a pass
  simply passes (no strict-xfail trap).  ``crash: why`` declares a crasher: it is not run and
  is reported ``crashed``.  ``isolate: why`` runs that test alone in a fresh process.
* The report names the first test after which nearly everything failed (``cascade``).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

# Our helpers' asserts get pytest's explanations too (they are imported by the test modules,
# which pytest rewrites anyway); this must run before anything imports them.
pytest.register_assert_rewrite("gradspec.conformance.helpers", "gradspec.conformance._gradcheck")

from gradspec import clauses as clause_catalogue  # noqa: E402
from gradspec import ops as op_catalogue  # noqa: E402
from gradspec import plugins, protocol  # noqa: E402
from gradspec.errors import (  # noqa: E402
    BackendError,
    BackendUnavailableError,
    OpNotSupportedError,
)

from . import isolation as _isolation  # noqa: E402

from . import report as reporting  # noqa: E402

PACKAGE_DIR = Path(__file__).resolve().parent
ENV_BACKEND = "GRADSPEC_BACKEND"
ISOLATION = ("none", "test")
_CLAUSE_ID = re.compile(r"[A-Z]+-\d+")
_CRASH_TEXT = re.compile(r"CRASHED with signal \d+(?: \(\w+\))?|EXITED with status \d+|"
                         r"worker '[^']+' crashed while running")
_PROPERTY = "gradspec"  # key of our entry in a report's user_properties


@dataclass(frozen=True)
class Declaration:
    """One known-failure declaration: a test id glob or a clause ID, and its reason.

    ``kind`` is ``fails`` (a known failure), ``crash`` (not run, reported crashed) or
    ``isolate`` (run in a fresh process), from the reason's prefix.
    """

    pattern: str
    reason: str
    kind: str = "fails"

    @classmethod
    def parse(cls, pattern: str, text: str) -> "Declaration":
        head, sep, rest = text.partition(":")
        if sep and head.strip().lower() in ("crash", "isolate"):
            return cls(pattern.strip(), rest.strip() or head.strip(), head.strip().lower())
        return cls(pattern.strip(), text.strip())

    def matches(self, stable_id: str, clause_ids: list[str]) -> bool:
        if _CLAUSE_ID.fullmatch(self.pattern):
            return self.pattern in clause_ids
        return bool(_glob(self.pattern).fullmatch(stable_id))

    def as_text(self) -> str:
        return self.reason if self.kind == "fails" else f"{self.kind}: {self.reason}"


@dataclass
class _BackendRun:
    name: str
    backend: Any = None
    available: bool = True
    reason: str = ""
    known_failures: dict[str, str] = field(default_factory=dict)
    records: dict[str, reporting.OutcomeRecord] = field(default_factory=dict)
    workloads: dict[str, Any] = field(default_factory=dict)


@dataclass
class _ItemInfo:
    backend: str
    stable_id: str
    clauses: list[str]
    declared: str = ""


@dataclass
class _State:
    names: list[str]
    options: dict[str, str]
    file_declarations: list[Declaration]
    report_path: str | None
    xfails_out: str | None = None
    isolation: str = "none"
    runs: dict[str, _BackendRun] = field(default_factory=dict)
    items: dict[str, _ItemInfo] = field(default_factory=dict)
    started: datetime = field(default_factory=reporting.now)
    ran: int = 0


STATE = pytest.StashKey[_State]()


# ------------------------------------------------------------------------------------ options
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradspec", "gradspec conformance suite")
    group.addoption(
        "--backend", default=None, metavar="NAME[,NAME...]",
        help=f"backend(s) to judge, by entry-point name (default: ${ENV_BACKEND}); "
             "`gradspec backends` lists the installed ones",
    )
    group.addoption(
        "--backend-option", action="append", default=[], metavar="KEY=VALUE",
        help="option passed to the backend's plugin (repeatable)",
    )
    group.addoption(
        "--xfails-file", action="append", default=[], metavar="PATH",
        help="declarations: one `TEST_ID_GLOB_OR_CLAUSE_ID  # reason` per line; a reason "
             "`crash: why` skips a crasher, `isolate: why` runs the test in a fresh process",
    )
    group.addoption(
        "--write-xfails", default=None, metavar="PATH",
        help="after the run, write every test that did not pass (failed, errored, crashed, "
             "known failure) as an --xfails-file, with its failure text as the reason",
    )
    group.addoption(
        "--isolate", default="none", choices=ISOLATION,
        help="`test`: run each test in a fresh forked process (Linux, macOS), so a "
             "crash or a corrupted backend affects that test only (default: none)",
    )
    group.addoption(
        "--deselect-tests", action="append", default=[], metavar="PATTERN",
        help="leave out tests whose stable id matches this glob, or every test of a clause ID "
             "(repeatable)",
    )
    group.addoption(
        "--conformance-report", default=None, metavar="PATH",
        help="write the JSON report here; with several backends PATH must contain {backend}",
    )


def _parse_options(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise pytest.UsageError(f"--backend-option expects KEY=VALUE, got {pair!r}")
        out[key.strip()] = value.strip()
    return out


def parse_declarations(text: str, where: str = "<text>") -> list[Declaration]:
    """Declarations from the text of an ``--xfails-file`` (see the module docstring)."""
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pattern, sep, reason = line.partition("#")
        if not sep or not reason.strip():
            raise pytest.UsageError(
                f"{where}:{number}: a known failure needs a reason: `{pattern.strip()}  # why`")
        if not pattern.strip():
            raise pytest.UsageError(f"{where}:{number}: a declaration needs a test id or clause")
        out.append(Declaration.parse(pattern, reason))
    return out


def _read_declarations(paths: list[str]) -> list[Declaration]:
    out: list[Declaration] = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise pytest.UsageError(f"--xfails-file {path}: cannot read it ({exc.strerror})") from None
        out += parse_declarations(text, path)
    return out


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")  # an xdist worker; the controller writes the report


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "clause(*ids): the clause IDs of gradspec.clauses this test checks")
    config.addinivalue_line(
        "markers", "requires(*capabilities): backend capabilities this test needs")
    config.addinivalue_line(
        "markers", "fuzz: differential fuzzing against torch (select with -m fuzz)")
    config.addinivalue_line(
        "markers", f"{_isolation.MARK}: run this test alone in a fresh forked process")
    # pytest 9.2 restores, around each test, the warning filters it saw before plugins were
    # imported, so the filter `import gradspec` sets is dropped there: give it to pytest too
    from gradspec import _FP_MESSAGE, _FP_MODULES

    config.addinivalue_line("filterwarnings",
                            f"ignore:{_FP_MESSAGE}:RuntimeWarning:{_FP_MODULES}")
    raw = config.getoption("--backend") or os.environ.get(ENV_BACKEND, "")
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if len(set(names)) != len(names):
        raise pytest.UsageError(f"--backend names a backend twice: {raw}")
    report_path = config.getoption("--conformance-report")
    if report_path and len(names) > 1 and "{backend}" not in report_path:
        raise pytest.UsageError(
            "--conformance-report: several backends need a path containing {backend}, "
            f"e.g. reports/{{backend}}.json (got {report_path})"
        )
    xfails_out = config.getoption("--write-xfails")
    if xfails_out and len(names) > 1 and "{backend}" not in xfails_out:
        raise pytest.UsageError("--write-xfails: several backends need a path containing "
                                f"{{backend}} (got {xfails_out})")
    isolation = config.getoption("--isolate")
    if isolation == "test" and not _isolation.available():
        raise pytest.UsageError("--isolate=test forks a process per test, which this platform "
                                "cannot (no os.fork); run without it, or with -n 1 "
                                "(pytest-xdist restarts a crashed worker)")
    state = _State(
        names=names,
        options=_parse_options(config.getoption("--backend-option")),
        file_declarations=_read_declarations(config.getoption("--xfails-file")),
        report_path=report_path,
        xfails_out=xfails_out,
        isolation=isolation,
    )
    config.stash[STATE] = state
    config.pluginmanager.register(_Recorder(state), "gradspec-conformance-recorder")
    config.pluginmanager.register(_isolation.Isolation(), "gradspec-conformance-isolation")
    if config.pluginmanager.hasplugin("xdist") and not _is_worker(config):
        config.pluginmanager.register(_XdistController(state), "gradspec-conformance-xdist")


# ------------------------------------------------------------------------------------ fixtures
@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # tryfirst: the backend's id comes first in parametrised names (`test_x[numpy-exp]`).
    if "backend" not in metafunc.fixturenames:
        return
    names = metafunc.config.stash[STATE].names
    if names:
        metafunc.parametrize("backend", names, indirect=True, scope="session", ids=names)


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> Any:
    """The backend under test (one per name given to ``--backend``)."""
    if not hasattr(request, "param"):
        raise pytest.UsageError(_no_backend_message())
    run = request.config.stash[STATE].runs[request.param]
    if not run.available:
        pytest.skip(f"backend {run.name!r} unavailable: {run.reason}")
    return run.backend


@pytest.fixture
def record_workload(request: pytest.FixtureRequest):
    """``record_workload(name, metrics)`` stores a workload's metrics in the report."""
    name = request.node.callspec.params["backend"]
    run = request.config.stash[STATE].runs[name]

    def record(workload: str, metrics: dict[str, Any]) -> None:
        # plain JSON values: they travel with the test's report to the process that writes the
        # report (a forked child's marshal and xdist's channel take no numpy scalars)
        plain = json.loads(json.dumps(dict(metrics), default=_plain))
        run.workloads[workload] = plain
        request.node.user_properties.append(("gradspec_workload", [name, workload, plain]))

    return record


def _plain(value: Any) -> Any:
    """A numpy scalar or array as a Python number or list (for JSON)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _no_backend_message() -> str:
    try:
        rows = plugins.list_backends()
        listing = ", ".join(f"{r.name}" + ("" if r.available else " (unavailable)") for r in rows)
    except Exception as exc:  # pragma: no cover - listing itself broken
        listing = f"<could not list backends: {exc}>"
    return (
        "the gradspec conformance suite needs a backend: pass --backend=NAME (or set "
        f"{ENV_BACKEND}). Installed backends: {listing or 'none'}."
    )


# ------------------------------------------------------------------------------------ collection
@functools.lru_cache(maxsize=None)
def _glob(pattern: str) -> re.Pattern[str]:
    """A known-failure pattern: ``*`` and ``?`` are wildcards; brackets are literal (test ids
    contain them, e.g. ``test_ops.py::test_first_order[exp]``)."""
    return re.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."))


def _stable_id(item: pytest.Item, backend_name: str) -> str:
    try:
        rel = item.path.resolve().relative_to(PACKAGE_DIR).as_posix()
    except ValueError:
        rel = item.path.name
    parts = item.nodeid.split("::")[1:]
    return "::".join([rel, *parts[:-1], _strip_backend(parts[-1], backend_name)])


def _strip_backend(name: str, backend_name: str) -> str:
    if name.endswith(f"[{backend_name}]"):
        return name[: -len(backend_name) - 2]
    return name.replace(f"[{backend_name}-", "[", 1)


def _load(state: _State, name: str) -> _BackendRun:
    run = _BackendRun(name)
    try:
        ok, reason = plugins.availability(name)
        if not ok:
            run.available, run.reason = False, reason
            return run
        run.backend = plugins.load_backend(name, **state.options)
        run.known_failures = plugins.known_failures(name, run.backend)
    except BackendUnavailableError as exc:
        run.available, run.reason = False, str(exc)
    except (BackendError, ValueError) as exc:
        raise pytest.UsageError(f"cannot load backend {name!r}: {exc}") from None
    return run


def _declarations(state: _State, run: _BackendRun) -> list[Declaration]:
    # the file's declarations come first: a user overrides what the plugin says
    return state.file_declarations + [Declaration.parse(p, r)
                                      for p, r in run.known_failures.items()]


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    state = config.stash[STATE]
    judged = [it for it in items if "backend" in getattr(it, "fixturenames", ())]
    if not judged:
        return
    if not state.names:
        raise pytest.UsageError(_no_backend_message())
    for name in state.names:
        if name not in state.runs:
            state.runs[name] = _load(state, name)
    declared = {name: _declarations(state, run) for name, run in state.runs.items()}
    left_out = [Declaration(p, "deselected") for p in config.getoption("--deselect-tests")]
    if left_out:
        keep, gone = [], []
        for item in items:
            name = item.callspec.params.get("backend") if hasattr(item, "callspec") else None
            ids = [cid for m in item.iter_markers("clause") for cid in m.args]
            sid = _stable_id(item, name) if name else item.nodeid
            (gone if any(d.matches(sid, ids) for d in left_out) else keep).append(item)
        if gone:
            config.hook.pytest_deselected(items=gone)
            items[:] = keep
            judged = [it for it in judged if it in keep]
    for item in judged:
        name = item.callspec.params["backend"]
        run = state.runs[name]
        ids = [cid for m in item.iter_markers("clause") for cid in m.args]
        unknown = [cid for cid in ids if cid not in clause_catalogue.BY_ID]
        if unknown:
            raise pytest.UsageError(f"{item.nodeid} names unknown clause(s): {', '.join(unknown)}")
        info = _ItemInfo(name, _stable_id(item, name), ids)
        state.items[item.nodeid] = info
        carried = [name, info.stable_id, ids, ""]  # what a report carries to another process
        item.user_properties.append((_PROPERTY, carried))
        if not run.available:
            item.add_marker(pytest.mark.skip(reason=f"backend {name!r} unavailable: {run.reason}"))
            continue
        needed = {cap for m in item.iter_markers("requires") for cap in m.args}
        needed |= {clause_catalogue.BY_ID[c].capability for c in ids} - {None}
        unknown_caps = protocol.check_capabilities(needed)
        if unknown_caps:
            raise pytest.UsageError(f"{item.nodeid} requires unknown capabilities {unknown_caps}")
        lacking = sorted(needed - set(run.backend.capabilities))
        if lacking:
            item.add_marker(pytest.mark.skip(
                reason=f"{reporting.UNSUPPORTED_PREFIX} backend {name!r} does not declare "
                       f"capability {', '.join(lacking)}"))
            continue
        if state.isolation == "test":
            item.add_marker(getattr(pytest.mark, _isolation.MARK))
        found = next((d for d in declared[name] if d.matches(info.stable_id, ids)), None)
        if found is None:
            continue
        info.declared = carried[3] = found.reason
        if found.kind == "crash":
            item.add_marker(pytest.mark.skip(
                reason=f"{reporting.CRASH_PREFIX} declared to crash the process, not run: "
                       f"{found.reason}"))
        elif found.kind == "isolate":
            if _isolation.available():
                item.add_marker(getattr(pytest.mark, _isolation.MARK))
            else:
                item.add_marker(pytest.mark.skip(
                    reason=f"declared to need a fresh process ({found.reason}), which this "
                           "platform cannot fork"))
        else:
            item.add_marker(pytest.mark.xfail(reason=f"known failure: {found.reason}",
                                              strict=False))


# ------------------------------------------------------------------------------------ outcomes
def _absent_in(exc: BaseException | None) -> BaseException | None:
    """The `ApiAbsent` that ``exc`` is, or that caused it (a helper may wrap it), else None."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, protocol.ApiAbsent):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def describe_failure(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    """One line that says what was expected and what happened.

    A bare ``assert`` in a test reads as its statement (what was expected) and pytest's
    explanation of the values (what happened); other exceptions as ``Type: message``.
    """
    exc = excinfo.value
    text = str(exc).strip()
    if isinstance(exc, AssertionError):
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        at = next((i for i, ln in enumerate(lines) if ln.startswith("assert ")), len(lines))
        custom = "; ".join(lines[:at])
        explanation = "; ".join(re.sub(r"^\+\s+(where|and)\b", r"\1", ln) for ln in lines[at:])
        statement = ""
        try:
            statement = " ".join(str(excinfo.traceback[-1].statement).split())
        except Exception:  # noqa: BLE001 - no source (exec'd code): the message alone
            pass
        expected = statement[7:] if statement.startswith("assert ") else ""
        if custom:  # the test's own words, then pytest's account of the values
            return _clip(f"{custom} ({explanation})" if explanation else custom)
        if expected and explanation:
            got = explanation.removeprefix("assert ")
            return _clip(f"expected {expected}" if got == expected else
                         f"expected {expected}, but {got}")
        if explanation:
            return _clip(explanation)
        return _clip(f"expected {expected}" if expected else "assertion failed")
    from gradspec.errors import classify  # a raised kind shows as RuntimeError: name the kind

    name = getattr(classify(exc), "__name__", type(exc).__name__)
    return _clip(f"{name}: {text}" if text else name)


def _clip(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]):
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if _PROPERTY not in dict(item.user_properties) or call.excinfo is None:
        return
    if call.when in ("setup", "call") and call.excinfo.errisinstance(OpNotSupportedError):
        # a composed function met an optional op the backend lacks (linalg.svdvals over
        # linalg.svd): unsupported, as a case naming that op directly would be
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0,
                           f"{reporting.UNSUPPORTED_PREFIX} {call.excinfo.value}")
        if hasattr(report, "wasxfail"):
            del report.wasxfail
        return
    absent = _absent_in(call.excinfo.value)
    if absent is not None and call.when in ("setup", "call"):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0,
                           f"{reporting.ABSENT_PREFIX} {absent}")
        if hasattr(report, "wasxfail"):
            del report.wasxfail
        return
    if not call.excinfo.errisinstance(pytest.skip.Exception):
        report.user_properties.append(("gradspec_reason", describe_failure(call.excinfo)))


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    """pytest's summary line counts unsupported, absent and crashed tests apart from skips."""
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = _reason(report)
        if reason.startswith(reporting.UNSUPPORTED_PREFIX):
            return "unsupported", "u", "UNSUPPORTED"
        if reason.startswith(reporting.ABSENT_PREFIX):
            return "absent", "a", "ABSENT"
        if reason.startswith(reporting.CRASH_PREFIX):
            return "crashed", "C", "CRASHED (declared)"
    if report.failed and _crash_text(report):
        return "crashed", "C", "CRASHED"
    return None


def _crash_text(report: pytest.TestReport) -> str:
    found = _CRASH_TEXT.search(str(report.longrepr or ""))
    return found.group(0) if found else ""


def _reason(report: pytest.TestReport) -> str:
    # (a collection report, e.g. of a module-level skip, has no user_properties)
    own = [v for k, v in getattr(report, "user_properties", ()) if k == "gradspec_reason"]
    if own:
        return str(own[-1])
    if hasattr(report, "wasxfail") and report.skipped:
        return str(report.wasxfail)
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # skips: (path, line, reason)
        return str(longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return _clip(str(crash.message))
    text = str(longrepr or "").strip()
    return _clip(text.splitlines()[-1]) if text else ""


class _Recorder:
    """Collects each judged test's outcome (all phases) into its backend's records."""

    def __init__(self, state: _State) -> None:
        self.state = state

    def _info(self, report: pytest.TestReport) -> _ItemInfo | None:
        info = self.state.items.get(report.nodeid)
        if info is None:  # reported by an xdist worker: the report carries what we need
            for key, value in report.user_properties:
                if key == _PROPERTY:
                    info = _ItemInfo(*value)
                    self.state.items[report.nodeid] = info
        return info

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        info = self._info(report)
        if info is None:
            return
        run = self.state.runs.setdefault(info.backend, _BackendRun(info.backend))
        rec = run.records.get(info.stable_id)
        if rec is None:
            rec = reporting.OutcomeRecord(info.stable_id, "passed", info.clauses,
                                          declared=info.declared)
            run.records[info.stable_id] = rec
        for key, value in report.user_properties:
            if key == "gradspec_workload" and value[0] == info.backend:
                run.workloads[value[1]] = value[2]
        rec.duration_s = round(rec.duration_s + report.duration, 6)
        reason = _reason(report) if report.outcome != "passed" else ""
        crash = _crash_text(report) if report.failed else ""
        new = None
        if report.when in ("setup", "call") or crash:
            if report.when == "call" or report.outcome != "passed" or crash:
                rec.order = self.state.ran
                self.state.ran += 1
        if crash:
            new, reason = "crashed", f"{reporting.CRASH_PREFIX} {crash}"
        elif report.when in ("setup", "call"):
            if hasattr(report, "wasxfail"):
                new = "xfailed" if report.skipped else "xpassed"
                if not rec.declared:  # the test's own xfail marker
                    rec.declared = str(report.wasxfail).removeprefix("reason: ")
            elif report.failed:
                new = "failed" if report.when == "call" else "error"
            elif report.skipped:
                new = _skip_outcome(reason)
                if new == "crashed":
                    rec.order = -1  # declared, never ran
                    self.state.ran -= 1
        elif report.failed:  # teardown
            new = "error"
        if new is not None:
            rec.outcome = new
        if reason and not rec.reason:
            rec.reason = reason


def _skip_outcome(reason: str) -> str:
    if reason.startswith(reporting.UNSUPPORTED_PREFIX):
        return "unsupported"
    if reason.startswith(reporting.ABSENT_PREFIX):
        return "absent"
    if reason.startswith(reporting.CRASH_PREFIX):
        return "crashed"
    return "skipped"


class _XdistController:
    """With pytest-xdist: a test whose worker crashed comes back without our properties; the
    workers leave their item list in a file so the controller can still name its clauses."""

    def __init__(self, state: _State) -> None:
        self.state = state
        self.folder: str | None = None

    def pytest_configure_node(self, node: Any) -> None:
        import tempfile

        if self.folder is None:
            self.folder = tempfile.mkdtemp(prefix="gradspec-xdist-")
        node.workerinput["gradspec_items_folder"] = self.folder

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.nodeid in self.state.items or not report.failed or self.folder is None:
            return
        if any(k == _PROPERTY for k, _ in report.user_properties):
            return
        for path in sorted(Path(self.folder).glob("*.json")):
            try:
                rows = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            if report.nodeid in rows:
                report.user_properties.append((_PROPERTY, rows[report.nodeid]))
                return


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    folder = getattr(session.config, "workerinput", {}).get("gradspec_items_folder")
    if not folder:
        return
    state = session.config.stash[STATE]
    rows = {nodeid: [i.backend, i.stable_id, i.clauses, i.declared]
            for nodeid, i in state.items.items()}
    worker = session.config.workerinput.get("workerid", "gw")
    Path(folder, f"{worker}.json").write_text(json.dumps(rows), encoding="utf-8")


# ------------------------------------------------------------------------------------ report
def _backend_facts(run: _BackendRun, state: _State) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "name": run.name, "version": "", "device": "", "capabilities": [],
        "options": dict(state.options), "available": run.available,
        "isolation": state.isolation,
    }
    for row in plugins.list_backends():
        if row.name == run.name:
            facts.update(distribution=row.distribution, distribution_version=row.version,
                         device=row.device)
    if run.backend is not None:
        facts.update(version=str(run.backend.version), device=str(run.backend.device),
                     capabilities=sorted(run.backend.capabilities),
                     known_failures=dict(run.known_failures),
                     ops=op_catalogue.provided(run.backend),
                     declarations={d.pattern: d.as_text() for d in _declarations(state, run)})
        absent = protocol.absent_members(run.backend, protocol.Backend)
        try:
            sample = run.backend.tensor([1.0], requires_grad=True)
            absent.update({f"Tensor.{k}": v for k, v in
                           protocol.absent_members(sample, protocol.Tensor).items()})
        except Exception:  # noqa: BLE001 - the report must still be written
            pass
        autograd = getattr(run.backend, "autograd", None)
        if autograd is not None:
            absent.update({f"autograd.{k}": v for k, v in
                           protocol.absent_members(autograd, protocol.Autograd).items()})
        facts["absent"] = absent
    if not run.available:
        facts["unavailable_reason"] = run.reason
    return facts


def _ensure_loaded(state: _State) -> None:
    """Under xdist the controller collects nothing: load the backends for their facts."""
    for name in state.names:
        run = state.runs.get(name)
        if run is None or (run.backend is None and run.available and not run.reason):
            loaded = _load(state, name)
            if run is not None:
                loaded.records, loaded.workloads = run.records, run.workloads
            state.runs[name] = loaded


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None or _is_worker(session.config) or not (state.runs or state.items):
        return
    if not state.report_path and not state.xfails_out:
        return
    try:
        _ensure_loaded(state)
    except pytest.UsageError:
        return
    finished = reporting.now()
    ids = [c.id for c in clause_catalogue.CLAUSES]
    written = []
    for name, run in state.runs.items():
        if state.report_path:
            doc = reporting.build(
                backend=_backend_facts(run, state), records=list(run.records.values()),
                clause_ids=ids, workloads=run.workloads, started=state.started,
                finished=finished, exit_status=int(exitstatus),
            )
            path = reporting.write(doc, state.report_path.replace("{backend}", name))
            written.append(f"report written to {path}")
        if state.xfails_out:
            path = write_xfails(run.records.values(),
                                state.xfails_out.replace("{backend}", name), name)
            written.append(f"known failures written to {path} (use it with --xfails-file)")
    session.config.stash[_WRITTEN] = written


def write_xfails(records: Any, path: str | Path, backend_name: str) -> Path:
    """An ``--xfails-file`` declaring every test of ``records`` that did not pass."""
    lines = [f"# Known failures of backend {backend_name!r}, written by --write-xfails on "
             f"{reporting.now():%Y-%m-%d %H:%M} UTC.",
             "# One `TEST_ID_GLOB_OR_CLAUSE_ID  # reason` per line; `# crash: why` skips a "
             "crasher, `# isolate: why` runs a test in a fresh process."]
    for rec in sorted(records, key=lambda r: r.id):
        if rec.outcome not in ("failed", "error", "crashed", "xfailed"):
            continue
        declared = rec.declared if rec.outcome in ("xfailed", "crashed") else ""
        why = declared or rec.reason or rec.outcome
        why = why.removeprefix(reporting.CRASH_PREFIX).strip().replace("#", "No.")
        prefix = "crash: " if rec.outcome == "crashed" else ""
        lines.append(f"{rec.id}  # {prefix}{_clip(why, 200)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


_WRITTEN = pytest.StashKey[list]()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None or not state.runs:
        return
    ids = [c.id for c in clause_catalogue.CLAUSES]
    tr = terminalreporter
    tr.section("gradspec conformance")
    for name, run in state.runs.items():
        details = reporting.clause_details(run.records.values(), ids)
        counts = {s: 0 for s in reporting.STATUSES}
        for d in details.values():
            counts[d.status] += 1
        line = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        tr.write_line(f"{name}: {len(ids)} clauses: {line}")
        if not run.available:
            tr.write_line(f"  backend unavailable: {run.reason}")
            continue
        for cid, d in details.items():
            if d.status in ("fail", "partial", "absent", "incomplete"):
                why = f" ({d.reasons[0]})" if d.reasons else ""
                tr.write_line(f"  {cid}: {d.status} {d.passed}/{d.ran}{_clip(why, 160)}".rstrip()
                              if not why else f"  {cid}: {d.status} {d.passed}/{d.ran} "
                              f"{_clip(why, 160)}")
        for outcome in ("unsupported", "absent", "crashed", "skipped"):
            causes = Counter(r.reason for r in run.records.values() if r.outcome == outcome)
            for text, n in causes.most_common(3):
                text = text.removeprefix(reporting.UNSUPPORTED_PREFIX).removeprefix(
                    reporting.ABSENT_PREFIX).strip()
                tr.write_line(f"  {outcome} ({n}): {_clip(text, 160)}")
            if len(causes) > 3:
                tr.write_line(f"  {outcome}: {len(causes) - 3} more reasons in the report")
        found = reporting.cascade(run.records.values())
        if found:
            tr.write_line(
                f"  cascade: from {found['first_failing']} on, {found['failed_after']} of "
                f"{found['ran_after']} tests failed (before it {found['failed_before']} of "
                f"{found['ran_before']}); the backend may have corrupted its own state there "
                "(the last test that passed before it: "
                f"{found['last_passing_before'] or 'none'}). Rerun with --isolate=test.")
    for line in config.stash.get(_WRITTEN, []):
        tr.write_line(line)
