"""The conformance report: one JSON document per backend per run.

Its shape is ours and versioned (``schema`` key); ``report.schema.json`` beside this module is
its JSON Schema.  The docs' comparison tables are generated from committed reports.

Clause status, from the outcomes of the tests that name the clause:

* ``pass``: at least one test passed and none failed; tests the backend does not support
  (they need a capability or an op it does not declare) do not count against a clause whose
  other tests pass: the clause holds for everything the backend offers;
* ``partial``: some tests passed and others failed, errored or are known failures (xfail);
* ``fail``: none passed and at least one failed, errored or is a known failure;
* ``unsupported``: every test was skipped because the backend lacks a capability or an op;
* ``not-run``: no test of the clause ran (deselected, backend unavailable, or other skips).

How many of a clause's tests were unsupported stays in ``clause_details[ID]["counts"]``.
"""

from __future__ import annotations

import json
import platform
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Mapping

SCHEMA_ID = "gradspec-conformance-report/1"
SCHEMA_PATH = Path(__file__).with_name("report.schema.json")
UNSUPPORTED_PREFIX = "unsupported:"

OUTCOMES = ("passed", "failed", "error", "xfailed", "xpassed", "skipped", "unsupported")
STATUSES = ("pass", "partial", "fail", "unsupported", "not-run")

_PACKAGES = ("numpy", "pluggy", "pytest", "array-api-compat", "array-api-strict", "torch",
             "cupy-cuda12x", "cupy-cuda11x", "cupy")


@dataclass
class OutcomeRecord:
    id: str
    outcome: str
    clauses: list[str]
    duration_s: float = 0.0
    reason: str = ""


@dataclass
class ClauseDetail:
    status: str
    tests: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


def clause_status(outcomes: Iterable[str]) -> str:
    """The status of a clause from its tests' outcomes (see the module docstring)."""
    seen = [o for o in outcomes if o != "skipped"]
    if not seen:
        return "not-run"
    if all(o == "unsupported" for o in seen):
        return "unsupported"
    passed = sum(o == "passed" for o in seen)
    bad = sum(o in ("failed", "error", "xfailed", "xpassed") for o in seen)
    if passed and not bad:
        return "pass"
    if passed:
        return "partial"
    return "fail"


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
        reasons = sorted({r.reason for r in recs if r.reason and r.outcome != "passed"})
        out[cid] = ClauseDetail(clause_status(r.outcome for r in recs), [r.id for r in recs],
                                counts, reasons)
    return out


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
