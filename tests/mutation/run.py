"""Run the conformance suite against each planted bug of ``mutants.py``; print the score.

    python tests/mutation/run.py                      # every mutant, numpy backend, no fuzzer
    python tests/mutation/run.py --only ID,ID --with-fuzz --json out.json
    python tests/mutation/run.py --focus              # each mutant against its clauses' tests

For each mutant a copy of the package (``spec/`` as ``gradspec``, with ``backends/`` and
``conformance/`` inside it, as the installed layout maps them) is made in a temporary folder,
the one edit applied, and ``pytest --pyargs gradspec.conformance`` run with that copy first on
``PYTHONPATH`` and the pure-Python engine core (the working tree is never touched).  A mutant is *killed* when a test fails; it
is *killed by its clause* when a failing test names one of the clauses the mutant breaks.  The
fuzzer's tests (marker ``fuzz``) are left out unless ``--with-fuzz``: the question is whether
the clauses' own tests notice.  The unmutated copy runs first and must pass.  Exit status: 0
when every mutant is killed by its clause, 1 otherwise, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

from mutants import MUTANTS, Mutant  # noqa: E402

LAYOUT = {"spec": "gradspec", "backends": "gradspec/backends",
          "conformance": "gradspec/conformance"}


def package_copy(dest: Path) -> Path:
    """The installed layout of the working tree's package under ``dest``."""
    for src, rel in LAYOUT.items():
        shutil.copytree(REPO / src, dest / rel, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "_compiled"))
    return dest


def target(root: Path, repo_path: str) -> Path:
    top, _, rest = repo_path.partition("/")
    return root / LAYOUT[top] / rest


def apply(root: Path, m: Mutant) -> None:
    path = target(root, m.file)
    text = path.read_text(encoding="utf-8")
    count = text.count(m.old)
    if count != 1:
        raise ValueError(f"mutant {m.id}: its text occurs {count} times in {m.file}")
    path.write_text(text.replace(m.old, m.new), encoding="utf-8")


# A pytest plugin written into the package copy for --focus: keep the tests marked with one of
# the wanted clauses (or with none); --deselect-tests would drop a test of several clauses as
# soon as one of them is not wanted.
FOCUS_PLUGIN = '''import os

import pytest

WANTED = set(os.environ["GRADSPEC_MUTATION_FOCUS"].split(","))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    keep, gone = [], []
    for item in items:
        ids = {cid for m in item.iter_markers("clause") for cid in m.args}
        (keep if not ids or ids & WANTED else gone).append(item)
    if gone:
        config.hook.pytest_deselected(items=gone)
        items[:] = keep
'''


def run_suite(root: Path, backend: str, with_fuzz: bool, timeout: float,
              focus: Iterable[str] | None = None) -> dict:
    """Run the suite on the package copy at ``root``: outcome and failing clauses.  With
    ``focus`` (clause IDs), only the tests of those clauses (and tests of no clause) run."""
    report = root / "report.json"
    cmd = [sys.executable, "-m", "pytest", "--pyargs", "gradspec.conformance",
           f"--backend={backend}", "-q", "-p", "no:cacheprovider",
           f"--conformance-report={report}"]
    if not with_fuzz:
        cmd += ["-m", "not fuzz"]
    env = {}
    if focus is not None:
        (root / "mutation_focus.py").write_text(FOCUS_PLUGIN, encoding="utf-8")
        cmd += ["-p", "mutation_focus"]
        env["GRADSPEC_MUTATION_FOCUS"] = ",".join(sorted(focus))
    # The pure engine: a mutant is an edit of the source, which a compiled core would not see
    # (it would run pure anyway, with a StaleCoreWarning); the unmutated copy runs pure too.
    env = {**os.environ, **env, "PYTHONPATH": str(root), "GRADSPEC_PURE": "1"}
    began = time.perf_counter()
    try:
        done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "failed": [], "clauses": [],
                "seconds": round(time.perf_counter() - began, 1)}
    seconds = round(time.perf_counter() - began, 1)
    if not report.exists():  # the suite did not get as far as writing its report: a crash
        tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
        return {"status": "crashed", "failed": [], "clauses": [], "seconds": seconds,
                "detail": " | ".join(tail)}
    data = json.loads(report.read_text(encoding="utf-8"))
    failed = [t for t in data["tests"] if t["outcome"] in ("failed", "error", "xpassed")]
    clauses = sorted({c for t in failed for c in t["clauses"]})
    return {"status": "failed" if failed else "passed", "failed": [t["id"] for t in failed],
            "clauses": clauses, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tests/mutation/run.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated mutant ids")
    parser.add_argument("--backend", default="numpy", help="the backend judged (default numpy)")
    parser.add_argument("--with-fuzz", action="store_true", help="also run the fuzzer's tests")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per suite run")
    parser.add_argument("--focus", action="store_true",
                        help="run only the tests of the clauses each mutant breaks: the same "
                             "'killed by its clause' verdict in a fraction of the time (whether "
                             "other clauses' tests fail too is not measured)")
    args = parser.parse_args(argv)
    chosen = list(MUTANTS)
    if args.only:
        wanted = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = sorted(set(wanted) - {m.id for m in MUTANTS})
        if unknown:
            parser.error(f"unknown mutant id(s): {', '.join(unknown)}")
        chosen = [m for m in MUTANTS if m.id in wanted]
    with tempfile.TemporaryDirectory(prefix="gradspec-mutants-") as tmp:
        pristine = package_copy(Path(tmp) / "pristine")
        every = sorted({c for m in chosen for c in m.breaks}) if args.focus else None
        base = run_suite(pristine, args.backend, args.with_fuzz, args.timeout, every)
        print(f"unmutated: {base['status']} in {base['seconds']} s", flush=True)
        if base["status"] != "passed":
            print("the unmutated suite must pass first: " + ", ".join(base["failed"][:5]),
                  file=sys.stderr)
            return 1
        rows = []
        for i, m in enumerate(chosen, 1):
            root = Path(tmp) / f"m{i}"
            shutil.copytree(pristine, root, ignore=shutil.ignore_patterns("report.json"))
            apply(root, m)
            result = run_suite(root, args.backend, args.with_fuzz, args.timeout,
                               m.breaks if args.focus else None)
            shutil.rmtree(root, ignore_errors=True)
            killed = result["status"] != "passed"
            by_clause = killed and (result["status"] in ("timeout", "crashed")
                                    or bool(set(m.breaks) & set(result["clauses"])))
            row = {"id": m.id, "breaks": list(m.breaks), "why": m.why, "killed": killed,
                   "by_clause": by_clause, **result}
            rows.append(row)
            verdict = ("killed by its clause" if by_clause else "killed, not by its clause"
                       if killed else "SURVIVED")
            failing = ", ".join(result["clauses"]) or result["status"]
            print(f"[{i}/{len(chosen)}] {m.id}: {verdict} ({failing}; "
                  f"{len(result['failed'])} tests, {result['seconds']} s)", flush=True)
    killed = sum(r["killed"] for r in rows)
    by_clause = sum(r["by_clause"] for r in rows)
    print(f"\nscore: {killed}/{len(rows)} killed, {by_clause}/{len(rows)} by a test of the "
          f"clause they break (backend {args.backend}, fuzzer "
          f"{'included' if args.with_fuzz else 'left out'}"
          f"{', only the tests of its clauses' if args.focus else ''})")
    for r in rows:
        if not r["by_clause"]:
            print(f"  {r['id']} ({', '.join(r['breaks'])}): {r['why']}; failing: "
                  f"{', '.join(r['clauses']) or 'nothing'}")
    if args.json:
        args.json.write_text(json.dumps({"backend": args.backend, "with_fuzz": args.with_fuzz,
                                         "focus": args.focus,
                                         "mutants": rows}, indent=2) + "\n", encoding="utf-8")
    return 0 if by_clause == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
