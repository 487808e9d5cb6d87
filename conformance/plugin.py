"""The conformance suite's pytest plugin (registered through the ``pytest11`` entry point).

It adds the options and the ``backend`` fixture, turns capabilities a backend lacks into
``unsupported`` skips and known bugs into strict xfails, collects outcomes per clause and writes
the JSON report.  Nothing lives in a conftest.py, so ``pytest --pyargs gradspec.conformance``
from any directory behaves exactly like ``pytest conformance`` in the repository.

``--backend`` takes one name or several separated by commas; each test that uses the ``backend``
fixture runs once per backend, and each backend gets its own report.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from gradspec import clauses as clause_catalogue
from gradspec import ops as op_catalogue
from gradspec import plugins, protocol
from gradspec.errors import BackendError, BackendUnavailableError

from . import report as reporting

PACKAGE_DIR = Path(__file__).resolve().parent
ENV_BACKEND = "GRADSPEC_BACKEND"


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


@dataclass
class _State:
    names: list[str]
    options: dict[str, str]
    file_xfails: dict[str, str]
    report_path: str | None
    runs: dict[str, _BackendRun] = field(default_factory=dict)
    items: dict[str, _ItemInfo] = field(default_factory=dict)
    started: datetime = field(default_factory=reporting.now)


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
        help="known failures: one `TEST_ID_GLOB  # reason` per line; they become strict xfails",
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


def _parse_xfails(paths: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in paths:
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise pytest.UsageError(f"--xfails-file {path}: cannot read it ({exc.strerror})") from None
        for number, raw in enumerate(lines, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            pattern, sep, reason = line.partition("#")
            if not sep or not reason.strip():
                raise pytest.UsageError(
                    f"{path}:{number}: a known failure needs a reason: `{pattern.strip()}  # why`"
                )
            out[pattern.strip()] = reason.strip()
    return out


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "clause(*ids): the clause IDs of gradspec.clauses this test checks")
    config.addinivalue_line(
        "markers", "requires(*capabilities): backend capabilities this test needs")
    config.addinivalue_line(
        "markers", "fuzz: differential fuzzing against torch (select with -m fuzz)")
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
    state = _State(
        names=names,
        options=_parse_options(config.getoption("--backend-option")),
        file_xfails=_parse_xfails(config.getoption("--xfails-file")),
        report_path=report_path,
    )
    config.stash[STATE] = state
    config.pluginmanager.register(_Recorder(state), "gradspec-conformance-recorder")


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
        run.workloads[workload] = dict(metrics)

    return record


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
    name = parts[-1]
    if name.endswith(f"[{backend_name}]"):
        name = name[: -len(backend_name) - 2]
    else:
        name = name.replace(f"[{backend_name}-", "[", 1)
    return "::".join([rel, *parts[:-1], name])


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
    for item in judged:
        name = item.callspec.params["backend"]
        run = state.runs[name]
        ids = [cid for m in item.iter_markers("clause") for cid in m.args]
        unknown = [cid for cid in ids if cid not in clause_catalogue.BY_ID]
        if unknown:
            raise pytest.UsageError(f"{item.nodeid} names unknown clause(s): {', '.join(unknown)}")
        info = _ItemInfo(name, _stable_id(item, name), ids)
        state.items[item.nodeid] = info
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
        for pattern, reason in {**run.known_failures, **state.file_xfails}.items():
            if _glob(pattern).fullmatch(info.stable_id):
                item.add_marker(pytest.mark.xfail(reason=f"known failure: {reason}", strict=True))
                break


# ------------------------------------------------------------------------------------ outcomes
def _reason(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return str(report.wasxfail)
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # skips: (path, line, reason)
        return str(longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message).splitlines()[0][:300]
    return str(longrepr or "").splitlines()[-1][:300] if longrepr else ""


class _Recorder:
    """Collects each judged test's outcome (all phases) into its backend's records."""

    def __init__(self, state: _State) -> None:
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        info = self.state.items.get(report.nodeid)
        if info is None:
            return
        run = self.state.runs[info.backend]
        rec = run.records.get(info.stable_id)
        if rec is None:
            rec = reporting.OutcomeRecord(info.stable_id, "passed", info.clauses)
            run.records[info.stable_id] = rec
        rec.duration_s = round(rec.duration_s + report.duration, 6)
        reason = _reason(report) if report.outcome != "passed" else ""
        if report.when == "call":
            if hasattr(report, "wasxfail"):
                rec.outcome = "xfailed" if report.skipped else "xpassed"
            elif report.failed:
                rec.outcome = "failed"
            elif report.skipped:
                rec.outcome = ("unsupported" if reason.startswith(reporting.UNSUPPORTED_PREFIX)
                               else "skipped")
        elif report.when == "setup":
            if report.skipped and hasattr(report, "wasxfail"):
                rec.outcome = "xfailed"
            elif report.skipped:
                rec.outcome = ("unsupported" if reason.startswith(reporting.UNSUPPORTED_PREFIX)
                               else "skipped")
            elif report.failed:
                rec.outcome = "error"
        elif report.failed:  # teardown
            rec.outcome = "error"
        if reason and not rec.reason:
            rec.reason = reason


# ------------------------------------------------------------------------------------ report
def _backend_facts(run: _BackendRun, state: _State) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "name": run.name, "version": "", "device": "", "capabilities": [],
        "options": dict(state.options), "available": run.available,
    }
    for row in plugins.list_backends():
        if row.name == run.name:
            facts.update(distribution=row.distribution, distribution_version=row.version,
                         device=row.device)
    if run.backend is not None:
        facts.update(version=str(run.backend.version), device=str(run.backend.device),
                     capabilities=sorted(run.backend.capabilities),
                     known_failures=dict(run.known_failures),
                     ops=op_catalogue.provided(run.backend))
    if not run.available:
        facts["unavailable_reason"] = run.reason
    return facts


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None or not state.report_path or not state.runs:
        return
    finished = reporting.now()
    ids = [c.id for c in clause_catalogue.CLAUSES]
    written = []
    for name, run in state.runs.items():
        doc = reporting.build(
            backend=_backend_facts(run, state), records=list(run.records.values()),
            clause_ids=ids, workloads=run.workloads, started=state.started, finished=finished,
            exit_status=int(exitstatus),
        )
        written.append(reporting.write(doc, state.report_path.replace("{backend}", name)))
    session.config.stash[_WRITTEN] = written


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
            if d.status in ("fail", "partial"):
                why = f" ({d.reasons[0]})" if d.reasons else ""
                tr.write_line(f"  {cid}: {d.status}{why}")
    for path in config.stash.get(_WRITTEN, []):
        tr.write_line(f"report written to {path}")
