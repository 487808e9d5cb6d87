"""`gradspec fuzz`: differential fuzzing of a backend against PyTorch."""

from __future__ import annotations

from pathlib import Path

import click

from .common import _backend_name, _check_backend, _fail, _load_backend, _writable_dir, cli


def _options(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            _fail(f"--backend-option expects KEY=VALUE, got {pair!r}")
        out[key] = value
    return out


@cli.command("fuzz")
@click.option("--backend", "-b", metavar="NAME",
              help="backend to judge (default: $GRADSPEC_BACKEND or numpy)")
@click.option("--backend-option", "backend_options", multiple=True, metavar="KEY=VALUE",
              help="option passed to the backend's plugin (repeatable)")
@click.option("--count", "-n", default=2000, show_default=True, type=click.IntRange(min=1),
              metavar="N", help="how many programs to run")
@click.option("--start", default=0, show_default=True, type=click.IntRange(min=0), metavar="S",
              help="the first seed (seeds are S, S+1, ...)")
@click.option("--no-shrink", is_flag=True, help="print findings as generated, not minimised")
@click.option("--out", type=click.Path(path_type=Path), default=None, metavar="DIR",
              help="also write each reproducer to DIR/seed-N.py")
@click.option("--max-findings", default=10, show_default=True, type=click.IntRange(min=1),
              metavar="N", help="stop after this many findings")
def fuzz_cmd(backend: str | None, backend_options: tuple[str, ...], count: int, start: int,
             no_shrink: bool, out: Path | None, max_findings: int) -> int:
    """Differential fuzzing: random autograd programs on a backend and on PyTorch, compared.

    Each seed gives one program (leaves of broadcastable shapes, chains and DAGs of ops,
    retain_grad, detach, no_grad, in-place updates, backward with and without retain_graph,
    autograd.grad with create_graph and a second-order step).  Values, gradients, flags and
    error kinds must agree, except where the spec leaves the outcome open (docs: fuzzing).
    A progress bar runs on a terminal; each finding is printed as a runnable script.  Exit
    status: 0 nothing found, 1 findings, 2 a usage error.  Example:

    \b
    gradspec fuzz -b numpy --count 20000 --start 0 --out findings/
    """
    options = _options(backend_options)
    name = _backend_name(backend)
    _check_backend(name, backend)
    _check_backend("torch", "torch")  # the reference
    if out is not None:
        _writable_dir(out, "reproducers")
    if options:
        from .. import plugins
        from ..errors import BackendError

        try:
            be = plugins.load_backend(name, **options)
        except (BackendError, ValueError, TypeError) as exc:
            _fail(f"cannot load backend {name!r} with {options}: {str(exc).splitlines()[0]}")
    else:
        be = _load_backend(backend)
    if "float64" not in be.capabilities:
        _fail(f"backend {name!r} has no float64, which the fuzzer compares in; nothing to do")
    reference = _load_backend("torch")
    from gradspec.conformance.fuzz.cli import campaign  # imports numpy: only when asked

    return campaign(be, reference, start, count, minimise=not no_shrink, out=out,
                    max_findings=max_findings)
