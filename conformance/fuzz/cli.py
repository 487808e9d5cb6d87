"""The fuzzer's campaign: what ``gradspec fuzz`` (and ``python -m gradspec.conformance.fuzz``,
the same command) runs once its options are checked.

Runs any number of programs on one backend against PyTorch, with a progress bar, prints each
disagreement as a runnable reproducer (and writes it to ``out`` when given), and ends with a
one-line summary: programs, seeds, time, findings.  Exit status: 0 when nothing was found, 1
when something was, 2 for a usage error (one line ``gradspec: error: ...``, no traceback).
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path
from typing import Any

import click


def campaign(backend: Any, reference: Any, start: int, count: int, *, minimise: bool = True,
             out: Path | None = None, max_findings: int = 10) -> int:
    """Fuzz ``backend`` against ``reference`` over seeds ``start .. start + count - 1``; the
    exit status (0: nothing found, 1: findings)."""
    from . import fuzz

    findings: list[Any] = []
    seeds = range(start, start + count)
    began = time.perf_counter()
    with click.progressbar(seeds, label=f"fuzzing {backend.name} against {reference.name}",
                           file=sys.stderr, show_pos=True) as bar:
        for finding in fuzz(backend, bar, reference, minimise=minimise):
            findings.append(finding)
            click.echo(f"\n{finding.code}")
            if out is not None:
                out.mkdir(exist_ok=True)
                (out / f"seed-{finding.seed}.py").write_text(finding.code, encoding="utf-8")
            if len(findings) >= max_findings:
                break
    elapsed = time.perf_counter() - began
    done = (findings[-1].seed - start + 1) if len(findings) >= max_findings else count
    click.echo(
        f"{backend.name}: {done} programs (seeds {start}..{start + done - 1}) in {elapsed:.1f} s "
        f"on {platform.machine()} / Python {platform.python_version()}: "
        f"{len(findings)} finding(s)"
        + (f", seeds {[f.seed for f in findings]}" if findings else ""))
    return 1 if findings else 0


def main(argv: list[str] | None = None) -> None:
    """``python -m gradspec.conformance.fuzz ARGS`` is ``gradspec fuzz ARGS``."""
    from gradspec.cli import main as gradspec_main

    sys.exit(gradspec_main(["fuzz", *(sys.argv[1:] if argv is None else argv)]))
