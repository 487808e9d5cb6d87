"""Check that a conformance run of a third party's backend went to a complete report.

    python examples/check_report.py REPORT.json [--committed docs/data/reports/NAME.json]

The report must be valid (the schema), its backend available, and every clause of the current
catalogue must have a status.  With ``--committed``, the clauses whose status differs from the
committed report are listed (a note, not a failure: the lead regenerates committed reports with
`python docs/gen.py --run`).  Exit status 0 when the report is complete, 1 when not, 2 on bad
usage.  Failing tests are not a failure here: measuring them is the point.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from gradspec import clauses
    from gradspec.conformance import report as reporting

    parser = argparse.ArgumentParser(prog="python examples/check_report.py",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--committed", type=Path, metavar="PATH")
    args = parser.parse_args(argv)
    try:
        doc = json.loads(args.report.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        print(f"check_report: cannot read {args.report}: {exc}", file=sys.stderr)
        return 2
    reporting.validate(doc)
    name = doc["backend"]["name"]
    problems = []
    if not doc["backend"]["available"]:
        problems.append(f"backend {name!r} was unavailable: {doc['backend'].get('unavailable_reason')}")
    missing = [c.id for c in clauses.CLAUSES if c.id not in doc["clauses"]]
    if missing:
        problems.append(f"clauses without a status: {', '.join(missing)}")
    if not doc["summary"]["total"]:
        problems.append("no test ran")
    for line in problems:
        print(f"check_report: {line}", file=sys.stderr)
    counts = ", ".join(f"{n} {s}" for s, n in doc["clause_summary"].items() if n)
    tests = ", ".join(f"{n} {k}" for k, n in doc["summary"].items() if n and k != "total")
    print(f"check_report: {name} {doc['backend']['version']}: {len(doc['clauses'])} clauses "
          f"({counts}); tests: {tests}; {doc['duration_s']:.0f} s")
    if args.committed is not None and args.committed.is_file():
        old = json.loads(args.committed.read_text(encoding="utf-8"))
        moved = [f"{cid} {old['clauses'].get(cid, 'absent from it')} -> {status}"
                 for cid, status in doc["clauses"].items()
                 if old["clauses"].get(cid) != status]
        if moved:
            print(f"check_report: {len(moved)} clauses differ from {args.committed} "
                  f"(regenerate it with `python docs/gen.py --run --backends={name}`): "
                  + "; ".join(moved))
        else:
            print(f"check_report: every clause agrees with {args.committed}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
