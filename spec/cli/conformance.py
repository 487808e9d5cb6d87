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


@cli.command("conformance", context_settings={"ignore_unknown_options": False})
@click.option("--backend", "-b", metavar="NAME[,NAME...]",
              help="backend(s) to judge, comma-separated (default: $GRADSPEC_BACKEND or numpy)")
@click.option("--report", type=click.Path(path_type=Path), metavar="PATH",
              help="also keep the JSON report here (with several backends PATH needs {backend})")
@click.option("-k", "keyword", metavar="EXPR", help="only run tests matching EXPR (pytest's -k)")
@click.option("--deselect", multiple=True, metavar="PATTERN",
              help="leave out tests whose id matches this glob, or every test of a clause ID "
                   "(repeatable)")
@click.option("--backend-option", "backend_options", multiple=True, metavar="KEY=VALUE",
              help="option passed to the backend's plugin (repeatable)")
@click.option("--xfails-file", "xfails_files", multiple=True, metavar="PATH",
              type=click.Path(path_type=Path),
              help="known failures, one `TEST_ID_GLOB_OR_CLAUSE_ID  # reason` per line "
                   "(repeatable; `# crash: why` skips a crasher)")
@click.option("--write-xfails", type=click.Path(path_type=Path), metavar="PATH",
              help="write the tests that did not pass as an --xfails-file")
@click.option("--isolate", type=click.Choice(["none", "test"]), default="none",
              show_default=True,
              help="`test`: a fresh process per test, so a crash or a corrupted backend affects "
                   "one test only (needs os.fork: Linux, macOS)")
@click.option("--verbose", "-v", is_flag=True, help="show pytest's own output as it runs")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED, metavar="[-- PYTEST_ARGS]")
def conformance_cmd(backend: str | None, report: Path | None, keyword: str | None,
                    deselect: tuple[str, ...], backend_options: tuple[str, ...],
                    xfails_files: tuple[Path, ...], write_xfails: Path | None, isolate: str,
                    verbose: bool, pytest_args: tuple[str, ...]) -> int:
    """Run the conformance suite on backends and print a table of clauses per backend.

    It runs `python -m pytest --pyargs gradspec.conformance --backend=NAME` underneath (from an
    empty folder, so a checkout in the current folder cannot shadow the installed package) and
    reads the report it writes.  Arguments after `--` go to pytest as they are (e.g. `-- -n 1`).
    Exit code 0 when every test passed, 1 otherwise, 2 on a usage error.
    """
    from ..conformance import report as reporting

    names = [n.strip() for n in _backend_name(backend).split(",") if n.strip()]
    if len(set(names)) != len(names):
        _fail(f"--backend names a backend twice: {backend}")
    for name in names:
        _check_backend(name)
    if report is not None:
        if len(names) > 1 and "{backend}" not in str(report):
            _fail(f"--report: several backends need a path containing {{backend}}, "
                  f"e.g. reports/{{backend}}.json (got {report})")
        for name in names:
            _writable_file(Path(str(report).replace("{backend}", name)), "the report")
    if write_xfails is not None:
        _writable_file(write_xfails, "the known failures")
    for pair in backend_options:
        if "=" not in pair or not pair.partition("=")[0].strip():
            _fail(f"--backend-option expects KEY=VALUE, got {pair!r}")
    for path in xfails_files:
        if not path.is_file():
            _fail(f"--xfails-file {path}: no such file")
    if isolate == "test" and not hasattr(os, "fork"):
        _fail("--isolate test forks a process per test, which this platform cannot; "
              "run without it")
    with tempfile.TemporaryDirectory(prefix="gradspec-") as tmp:
        pattern = str(report.resolve()) if report is not None else f"{tmp}/{{backend}}.json"
        paths = {n: Path(pattern.replace("{backend}", n)) for n in names}
        for path in paths.values():
            if path.exists():
                path.unlink()
        cmd = [sys.executable, "-m", "pytest", "--pyargs", "gradspec.conformance",
               f"--backend={','.join(names)}", f"--conformance-report={pattern}",
               "-p", "no:cacheprovider", "-q" if not verbose else "-v", "-rfE",
               f"--isolate={isolate}"]
        cmd += [f"--backend-option={pair}" for pair in backend_options]
        cmd += [f"--xfails-file={path.resolve()}" for path in xfails_files]
        cmd += [f"--deselect-tests={pattern}" for pattern in deselect]
        if write_xfails is not None:
            cmd.append(f"--write-xfails={write_xfails.resolve()}")
        if keyword:
            cmd += ["-k", keyword]
        cmd += list(pytest_args)
        returncode, output = _run_pytest(cmd, verbose, f"conformance of {', '.join(names)}",
                                         cwd=tmp)
        if returncode == 5:
            _fail("no test was selected (pytest exit code 5): check -k and --deselect, "
                  "nothing was judged")
        if returncode not in (0, 1):
            tail = " | ".join(line for line in output[-5:] if line.strip())
            _fail(f"pytest ended with exit code {returncode}: {tail}")
        missing = [n for n, p in paths.items() if not p.exists()]
        if missing:
            tail = " | ".join(line for line in output[-5:] if line.strip())
            _fail(f"the suite wrote no report for {', '.join(missing)} "
                  f"(pytest exit code {returncode}): {tail}")
        docs = {n: reporting.load(p) for n, p in paths.items()}
    if returncode == 1 and not verbose:
        click.echo("\n".join(_failure_lines(output)), err=True)
    for name, doc in docs.items():
        if len(docs) > 1:
            click.echo(f"\n== {name}")
        click.echo(_clause_table(doc))
        summary = doc["summary"]
        counts = ", ".join(f"{n} {k}" for k, n in summary.items() if n and k != "total")
        clauses = ", ".join(f"{n} {k}" for k, n in doc["clause_summary"].items() if n)
        click.echo(f"\n{name}: {summary['total']} tests ({counts}); {len(doc['clauses'])} "
                   f"clauses ({clauses}); {doc['duration_s']:.1f} s")
        for workload, metrics in doc.get("workloads", {}).items():
            shown = ", ".join(f"{k} {_short(v)}" for k, v in metrics.items()
                              if k != "parameters" and v is not None)
            click.echo(f"workload {workload}: {shown}")
        found = doc.get("cascade")
        if found:
            click.echo(f"cascade: from {found['first_failing']} on, {found['failed_after']} of "
                       f"{found['ran_after']} tests failed; rerun with --isolate test")
        if report is not None:
            click.echo(f"report: {paths[name]}")
    if write_xfails is not None:
        click.echo(f"known failures: {write_xfails} (give it back with --xfails-file)")
    return 0 if returncode == 0 else 1


def _run_pytest(cmd: list[str], verbose: bool, label: str,
                cwd: str | None = None) -> tuple[int, list[str]]:
    """Run pytest, showing a progress bar fed by its ``[ nn%]`` markers (or its own output)."""
    output: list[str] = []
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=env, bufsize=1, cwd=cwd) as proc:
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
        ran = detail.get("ran", sum(counts.values()))
        passed = detail.get("passed", counts.get("passed", 0))
        title = BY_ID[cid].title if cid in BY_ID else ""
        skipped = counts.get("skipped", 0)
        unsupported = counts.get("unsupported", 0)
        if detail["status"] != "pass" and detail["reasons"]:
            note = detail["reasons"][0]  # the most frequent cause
        else:
            note = ", ".join(f"{n} {what}" for n, what in ((skipped, "not run"),
                                                        (unsupported, "unsupported")) if n)
        rows.append([cid, detail["status"], f"{passed}/{ran}", title, note[:90]])
    return _table(["CLAUSE", "STATUS", "PASSED", "TITLE", "NOTE"], rows)
