"""The fuzzer's command: ``python -m gradspec.conformance.fuzz`` (also meant as ``gradspec fuzz``).

Runs any number of programs on one backend against PyTorch, with a progress bar, prints each
disagreement as a runnable reproducer (and writes it to ``--out`` when given), and ends with a
one-line summary: programs, seeds, time, findings.  Exit status: 0 when nothing was found, 1
when something was, 2 for a usage error (one line, no traceback).
"""

from __future__ import annotations

import platform
import sys
import time
from pathlib import Path
from typing import Any

import click


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _options(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            _fail(f"--backend-option expects KEY=VALUE, got {pair!r}")
        out[key] = value
    return out


@click.command(name="fuzz", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--backend", "backend_name", default="numpy", show_default=True,
              help="the backend to judge (an installed gradspec backend)")
@click.option("--backend-option", "backend_options", multiple=True, metavar="KEY=VALUE",
              help="option passed to the backend's plugin (repeatable)")
@click.option("--count", default=2000, show_default=True, type=click.IntRange(min=1),
              help="how many programs to run")
@click.option("--start", default=0, show_default=True, type=click.IntRange(min=0),
              help="the first seed (seeds are start, start+1, ...)")
@click.option("--no-shrink", is_flag=True, help="print findings as generated, not minimised")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="also write each reproducer to DIR/seed-N.py")
@click.option("--max-findings", default=10, show_default=True, type=click.IntRange(min=1),
              help="stop after this many findings")
def command(backend_name: str, backend_options: tuple[str, ...], count: int, start: int,
            no_shrink: bool, out: Path | None, max_findings: int) -> None:
    """Differential fuzzing: random autograd programs on --backend and on PyTorch, compared.

    Each seed gives one program (leaves of broadcastable shapes, chains and DAGs of ops,
    retain_grad, detach, no_grad, in-place updates, backward with and without retain_graph,
    autograd.grad with create_graph and a second-order step).  Values, gradients, flags and
    error kinds must agree, except where the spec leaves the outcome open (docs/fuzzing.md).
    """
    import gradspec
    from gradspec.errors import BackendError

    from . import fuzz
    from .session import REFERENCE

    try:
        backend = gradspec.load_backend(backend_name, **_options(backend_options))
        reference = gradspec.load_backend(REFERENCE)
    except (BackendError, ValueError) as exc:
        _fail(f"{exc}".splitlines()[0])
        return
    if "float64" not in backend.capabilities:
        _fail(f"backend {backend_name!r} has no float64, which the fuzzer compares in; "
              "nothing to do")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    findings: list[Any] = []
    seeds = range(start, start + count)
    began = time.perf_counter()
    with click.progressbar(seeds, label=f"fuzzing {backend_name} against torch",
                           file=sys.stderr, show_pos=True) as bar:
        for finding in fuzz(backend, bar, reference, minimise=not no_shrink):
            findings.append(finding)
            click.echo(f"\n{finding.code}")
            if out is not None:
                (out / f"seed-{finding.seed}.py").write_text(finding.code, encoding="utf-8")
            if len(findings) >= max_findings:
                break
    elapsed = time.perf_counter() - began
    done = (findings[-1].seed - start + 1) if len(findings) >= max_findings else count
    click.echo(
        f"{backend_name}: {done} programs (seeds {start}..{start + done - 1}) in {elapsed:.1f} s "
        f"on {platform.machine()} / Python {platform.python_version()}: "
        f"{len(findings)} finding(s)"
        + (f", seeds {[f.seed for f in findings]}" if findings else ""))
    sys.exit(1 if findings else 0)


def main() -> None:
    command(prog_name="python -m gradspec.conformance.fuzz")
