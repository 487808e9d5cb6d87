"""The conformance report: one JSON document per backend per run.

Its shape is ours and versioned (``schema`` key); ``report.schema.json`` beside this module is
its JSON Schema.  The docs' comparison tables are generated from committed reports.

A test's outcome is one of `OUTCOMES`: pytest's (``passed``, ``failed``, ``error``, ``xfailed``
for a declared known failure that failed, ``xpassed`` for one that passed, ``skipped``), and
three of ours: ``crashed`` (the test took its process down, or was declared to and not run),
``absent`` (it needed an API the library does not have: the adapter raised
``gradspec.protocol.ApiAbsent``) and ``unsupported`` (it needs a capability or an op the
backend does not declare).

Clause status, from the outcomes of the tests that name the clause:

* ``pass``: at least one test passed, none failed, and every test ran; tests the backend does
  not support (a capability or op it does not declare) do not count against it;
* ``partial``: some tests passed and others failed, errored, crashed, are known failures, or
  hit an absent API;
* ``fail``: none passed and at least one failed, errored, crashed or is a known failure;
* ``absent``: every test that was not unsupported hit an API the library does not have;
* ``unsupported``: every test was skipped because the backend lacks a capability or an op;
* ``incomplete``: every test that ran passed, but some did not run (PyTorch, the reference of
  the comparisons, not installed; another skip): a clause is never ``pass`` on a fraction;
* ``not-run``: no test of the clause ran (deselected, backend unavailable, or every test
  skipped).

``clause_details[ID]`` keeps the counts per outcome, ``passed`` and ``ran`` (tests that ran to a
verdict), and the reasons of every outcome that is not a pass, the most frequent first.
"""

from __future__ import annotations

import json
import platform
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Mapping

SCHEMA_ID = "gradspec-conformance-report/1"
SCHEMA_PATH = Path(__file__).with_name("report.schema.json")
UNSUPPORTED_PREFIX = "unsupported:"
ABSENT_PREFIX = "absent:"
CRASH_PREFIX = "crashed:"

OUTCOMES = ("passed", "failed", "error", "crashed", "xfailed", "xpassed", "absent", "skipped",
            "unsupported")
STATUSES = ("pass", "partial", "fail", "absent", "unsupported", "incomplete", "not-run")
#: Outcomes of tests that ran on the backend (``absent``: until the API it needed was missing).
RAN = ("passed", "failed", "error", "crashed", "xfailed", "xpassed", "absent")
#: Outcomes that count against a clause.
BAD = ("failed", "error", "crashed", "xfailed")

_PACKAGES = ("numpy", "pluggy", "pytest", "array-api-compat", "array-api-strict", "torch",
             "cupy-cuda12x", "cupy-cuda11x", "cupy", "mygrad", "paddlepaddle", "autograd",
             "pytest-xdist")

#: A run of failures this long (and this dense) after a test is reported as a cascade.
CASCADE_MIN_TESTS = 20
CASCADE_MIN_RATE = 0.9


@dataclass
class OutcomeRecord:
    """One test's outcome.  ``reason`` is what happened (the failure's own words, a skip's
    reason); ``declared`` the reason of a matching known-failure or crash declaration;
    ``order`` the position at which the test ran (0 first), -1 when it did not run."""

    id: str
    outcome: str
    clauses: list[str]
    duration_s: float = 0.0
    reason: str = ""
    declared: str = ""
    order: int = -1


@dataclass
class ClauseDetail:
    status: str
    tests: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    passed: int = 0
    ran: int = 0


def clause_status(outcomes: Iterable[str]) -> str:
    """The status of a clause from its tests' outcomes (see the module docstring)."""
    counts = Counter(outcomes)
    skipped = counts.pop("skipped", 0)
    if not counts:
        return "not-run"
    if set(counts) == {"unsupported"}:
        return "unsupported"
    if set(counts) <= {"unsupported", "absent"}:
        return "absent"
    passed = counts["passed"] + counts["xpassed"]
    bad = sum(counts[o] for o in BAD)
    if passed and (bad or counts["absent"]):
        return "partial"
    if passed:
        return "incomplete" if skipped else "pass"
    return "fail" if bad else "absent"


def record_reason(rec: OutcomeRecord) -> str:
    """How a record's reason reads in a clause's list: a known failure shows both its declared
    reason and what really happened."""
    if rec.outcome == "xfailed":
        real = f": {rec.reason}" if rec.reason and rec.reason != rec.declared else ""
        return f"known failure ({rec.declared}){real}"
    if rec.outcome == "crashed" and rec.declared:
        return f"declared crash ({rec.declared}), not run"
    if rec.outcome == "xpassed":
        return f"declared known failure passed ({rec.declared}): the declaration can go"
    return rec.reason


def clause_details(records: Iterable[OutcomeRecord], clause_ids: Iterable[str]) -> dict[str, ClauseDetail]:
    by_clause: dict[str, list[OutcomeRecord]] = {cid: [] for cid in clause_ids}
    for rec in records:
        for cid in rec.clauses:
            by_clause.setdefault(cid, []).append(rec)
    out = {}
    for cid, recs in by_clause.items():
        counts: dict[str, int] = {}
        for r in recs:
            counts[r.outcome] = counts.get(r.outcome, 0) + 1
        causes = Counter(record_reason(r) for r in recs if r.outcome != "passed")
        causes.pop("", None)
        reasons = [text for text, _ in sorted(causes.items(), key=lambda kv: (-kv[1], kv[0]))]
        passed = counts.get("passed", 0) + counts.get("xpassed", 0)
        ran = sum(counts.get(o, 0) for o in RAN)
        out[cid] = ClauseDetail(clause_status(r.outcome for r in recs), [r.id for r in recs],
                                counts, reasons, passed, ran)
    return out


def cascade(records: Iterable[OutcomeRecord]) -> dict[str, Any] | None:
    """Where a backend seems to have corrupted its own state: the first test after which
    (nearly) every test that ran failed, when such a run is long enough to matter.

    Returns ``{"first_failing", "last_passing_before", "failed_after", "ran_after",
    "failed_before", "ran_before"}`` or None.  In a fresh process per test (``--isolate``)
    there is nothing to poison, and a cascade then means a real, widespread failure.
    """
    ran = sorted((r for r in records if r.order >= 0 and r.outcome in RAN and r.outcome != "absent"),
                 key=lambda r: r.order)
    bad = [r.outcome in BAD for r in ran]
    n = len(ran)
    suffix_bad = [0] * (n + 1)
    for i in range(n - 1, -1, -1):
        suffix_bad[i] = suffix_bad[i + 1] + bad[i]
    best = None
    prefix_bad = 0
    for i in range(n):
        after = n - i
        if bad[i] and after >= max(CASCADE_MIN_TESTS, n // 10) and suffix_bad[i] >= CASCADE_MIN_RATE * after:
            before_rate = prefix_bad / i if i else 1.0
            if i and before_rate < 0.5:  # a clear change: mostly passing before it
                best = i
                break
        prefix_bad += bad[i]
    if best is None:
        return None
    before = [r for r in ran[:best] if r.outcome not in BAD]
    return {
        "first_failing": ran[best].id,
        "last_passing_before": before[-1].id if before else "",
        "failed_after": suffix_bad[best],
        "ran_after": n - best,
        "failed_before": sum(bad[:best]),
        "ran_before": best,
    }


def environment() -> dict[str, Any]:
    """Python, platform and versions of the packages that matter, without importing them."""
    packages = {}
    for name in _PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    try:
        gradspec_version = metadata.version("gradspec")
    except metadata.PackageNotFoundError:
        gradspec_version = "0+unknown"
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "gradspec": gradspec_version,
        "engine_core": _engine_core(),
        "packages": packages,
    }


def _engine_core() -> str | None:
    """``compiled`` or ``pure``: which core gradspec's engine runs here (None: not installed)."""
    try:
        from gradspec.backends.engine import core
    except ImportError:
        return None
    return core.status().kind


def build(
    *,
    backend: Mapping[str, Any],
    records: list[OutcomeRecord],
    clause_ids: list[str],
    workloads: Mapping[str, Any],
    started: datetime,
    finished: datetime,
    exit_status: int,
) -> dict[str, Any]:
    """The report document for one backend."""
    details = clause_details(records, clause_ids)
    summary = {o: 0 for o in OUTCOMES}
    for r in records:
        summary[r.outcome] += 1
    summary["total"] = len(records)
    clause_summary = {s: 0 for s in STATUSES}
    for d in details.values():
        clause_summary[d.status] += 1
    return {
        "schema": SCHEMA_ID,
        "backend": dict(backend),
        "environment": environment(),
        "created": finished.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "duration_s": round((finished - started).total_seconds(), 3),
        "exit_status": int(exit_status),
        "argv": sys.argv[1:],
        "summary": summary,
        "clause_summary": clause_summary,
        "clauses": {cid: d.status for cid, d in sorted(details.items())},
        "clause_details": {cid: asdict(d) for cid, d in sorted(details.items())},
        "tests": [asdict(r) for r in sorted(records, key=lambda r: r.id)],
        "workloads": dict(workloads),
        "cascade": cascade(records),
    }


def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate(doc: Mapping[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` when ``doc`` is not a valid report."""
    import jsonschema  # optional dependency (the `test` and `docs` extras)

    jsonschema.validate(instance=doc, schema=schema())


def write(doc: Mapping[str, Any], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def load(path: str | Path) -> dict[str, Any]:
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    if doc.get("schema") != SCHEMA_ID:
        raise ValueError(f"{path}: not a gradspec conformance report (schema {doc.get('schema')!r})")
    return doc


def now() -> datetime:
    return datetime.now(timezone.utc)
