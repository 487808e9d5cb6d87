"""Check that a conformance report shows a backend passing everything it claims.

    python examples/check_claims.py REPORT.json [--unsupported create_graph,hooks]

A backend passes what it claims when its run failed nothing (no failed, errored or
unexpectedly passing test, exit status 0), every clause ran, and every clause that does not
pass only lacks what the backend does not declare: each clause bound to an undeclared
capability is `unsupported`, and a `partial` clause's other tests are unsupported (or declared
known failures).  ``--unsupported`` names capabilities the backend must *not* declare, so that
their clauses must be reported unsupported.  Exit status 0 when all holds, 1 listing what does
not, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Iterable

ALLOWED_IN_PARTIAL = {"passed", "unsupported", "xfailed", "xpassed", "skipped"}


def problems(report: dict[str, Any], must_lack: Iterable[str] = ()) -> list[str]:
    """What in ``report`` contradicts "passes everything it claims" (empty when nothing)."""
    from gradspec import clauses

    backend = report["backend"]
    declared = set(backend.get("capabilities", []))
    out = []
    if not backend.get("available", False):
        return [f"backend {backend['name']!r} was unavailable: {backend.get('unavailable_reason')}"]
    if report["exit_status"] != 0:
        out.append(f"the run exited with status {report['exit_status']}")
    for outcome in ("failed", "error", "crashed", "absent"):
        if report["summary"].get(outcome):
            out.append(f"{report['summary'][outcome]} tests {outcome}")
    for cap in sorted(set(must_lack) & declared):
        out.append(f"capability {cap!r} is declared, but it must not be")
    for clause in clauses.CLAUSES:
        detail = report["clause_details"].get(clause.id)
        if detail is None:
            out.append(f"{clause.id}: missing from the report")
            continue
        status = detail["status"]
        if clause.capability is not None and clause.capability not in declared:
            if status != "unsupported":
                out.append(f"{clause.id}: bound to undeclared capability {clause.capability!r} "
                           f"but reported {status}")
        elif status in ("fail", "not-run", "absent", "incomplete"):
            out.append(f"{clause.id}: {status} ({'; '.join(detail['reasons'][:2])})")
        elif status == "partial" and set(detail["counts"]) - ALLOWED_IN_PARTIAL:
            out.append(f"{clause.id}: partial with {detail['counts']}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python examples/check_claims.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="a conformance report (JSON)")
    parser.add_argument("--unsupported", default="", metavar="CAP,CAP",
                        help="capabilities the backend must leave undeclared")
    args = parser.parse_args(argv)
    try:
        report = json.loads(args.report.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        print(f"check_claims: cannot read {args.report}: {exc}", file=sys.stderr)
        return 2
    must_lack = [c for c in args.unsupported.split(",") if c]
    found = problems(report, must_lack)
    for line in found:
        print(line)
    name = report["backend"]["name"]
    if found:
        print(f"check_claims: {name} does not pass what it claims ({len(found)} problems)",
              file=sys.stderr)
        return 1
    counts = ", ".join(f"{n} {s}" for s, n in report["clause_summary"].items() if n)
    print(f"check_claims: {name} passes everything it claims ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
