"""`gradspec conformance`: run the suite on a backend and print a table of clauses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from .common import (
    _backend_name,
    _check_backend,
    _fail,
    _progress,
    _short,
    _table,
    _writable_file,
    cli,
)

_PERCENT = re.compile(r"\[\s*(\d+)%\]\s*$")


@cli.command("conformance")
@click.option("--backend", "-b", metavar="NAME",
              help="backend to judge (default: $GRADSPEC_BACKEND or numpy)")
@click.option("--report", type=click.Path(path_type=Path), metavar="PATH",
              help="also keep the JSON report here (gradspec's report schema)")
@click.option("-k", "keyword", metavar="EXPR", help="only run tests matching EXPR (pytest's -k)")
@click.option("--verbose", "-v", is_flag=True, help="show pytest's own output as it runs")
def conformance_cmd(backend: str | None, report: Path | None, keyword: str | None,
                    verbose: bool) -> int:
    """Run the conformance suite on a backend and print a table of clauses.

    It runs `python -m pytest --pyargs gradspec.conformance --backend=NAME` underneath and reads
    the report it writes.  Exit code 0 when every test passed, 1 otherwise.
    """
    from ..conformance import report as reporting

    name = _backend_name(backend)
    _check_backend(name)
    if report is not None:
        _writable_file(report, "the report")
    with tempfile.TemporaryDirectory(prefix="gradspec-") as tmp:
        path = report if report is not None else Path(tmp) / "report.json"
        if path.exists():
            path.unlink()
        cmd = [sys.executable, "-m", "pytest", "--pyargs", "gradspec.conformance",
               f"--backend={name}", f"--conformance-report={path}", "-p", "no:cacheprovider",
               "-q" if not verbose else "-v", "-rfE"]
        if keyword:
            cmd += ["-k", keyword]
        returncode, output = _run_pytest(cmd, verbose, f"conformance of {name}")
        if not path.exists():
            tail = " | ".join(line for line in output[-5:] if line.strip())
            _fail(f"the suite wrote no report (pytest exit code {returncode}): {tail}")
        doc = reporting.load(path)
    if returncode not in (0, 1):
        _fail(f"pytest ended with exit code {returncode}: {' | '.join(output[-3:])}")
    if returncode == 1 and not verbose:
        click.echo("\n".join(_failure_lines(output)), err=True)
    click.echo(_clause_table(doc))
    summary = doc["summary"]
    counts = ", ".join(f"{n} {k}" for k, n in summary.items() if n and k != "total")
    clauses = ", ".join(f"{n} {k}" for k, n in doc["clause_summary"].items() if n)
    click.echo(f"\n{name}: {summary['total']} tests ({counts}); {len(doc['clauses'])} clauses "
               f"({clauses}); {doc['duration_s']:.1f} s")
    for workload, metrics in doc.get("workloads", {}).items():
        shown = ", ".join(f"{k} {_short(v)}" for k, v in metrics.items()
                          if k != "parameters" and v is not None)
        click.echo(f"workload {workload}: {shown}")
    if report is not None:
        click.echo(f"report: {report}")
    return 0 if returncode == 0 else 1


def _run_pytest(cmd: list[str], verbose: bool, label: str) -> tuple[int, list[str]]:
    """Run pytest, showing a progress bar fed by its ``[ nn%]`` markers (or its own output)."""
    output: list[str] = []
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=env, bufsize=1) as proc:
        assert proc.stdout is not None
        if verbose:
            for line in proc.stdout:
                output.append(line.rstrip("\n"))
                click.echo(line, nl=False)
        else:
            with _progress(100, label, show_percent=True) as bar:
                for line in proc.stdout:
                    output.append(line.rstrip("\n"))
                    match = _PERCENT.search(line)
                    if match:
                        bar.update(int(match.group(1)) - bar.pos)
        returncode = proc.wait()
    return returncode, output


def _failure_lines(output: list[str]) -> list[str]:
    """pytest's short summary of failures (``-rfE``), or the end of its output."""
    for i, line in enumerate(output):
        if "short test summary info" in line:
            return output[i:]
    return output[-20:]


def _clause_table(doc: dict[str, Any]) -> str:
    from ..clauses import BY_ID

    rows = []
    for cid, detail in doc["clause_details"].items():
        counts = detail["counts"]
        ran = sum(counts.values())
        title = BY_ID[cid].title if cid in BY_ID else ""
        skipped = counts.get("skipped", 0) + counts.get("unsupported", 0)
        if detail["status"] != "pass" and detail["reasons"]:
            note = detail["reasons"][0]
        else:
            note = f"{skipped} skipped" if skipped else ""
        rows.append([cid, detail["status"], f"{counts.get('passed', 0)}/{ran}", title,
                     note[:80]])
    return _table(["CLAUSE", "STATUS", "PASSED", "TITLE", "NOTE"], rows)
