"""The ``gradspec`` command: list backends, run the tutorials' workloads, judge a backend with the
conformance suite, draw computation graphs.

Every command has ``--help``.  Mistakes (an unknown workload or backend, an unavailable
backend, an output path that cannot be written, a missing optional tool) end with one line on
stderr saying what to do, and exit code 2.  Importing this module and listing backends stay
cheap: workloads, numpy, matplotlib, torch and cupy are imported only by the commands that
need them.
"""

from __future__ import annotations

import builtins
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable, NoReturn, Sequence

import click

from . import plugins
from .errors import BackendError, BackendUnavailableError, UnknownBackendError

EXIT_USAGE = 2


class CommandError(Exception):
    """A mistake the user can fix; the message is printed as one line and the exit code is 2."""


def _fail(message: str) -> NoReturn:
    raise CommandError(message)


# ------------------------------------------------------------------------------ helpers
def _backend_name(name: str | None) -> str:
    return name or os.environ.get("GRADSPEC_BACKEND") or plugins.DEFAULT_BACKEND


def _load_backend(name: str | None) -> Any:
    name = _backend_name(name)
    try:
        return plugins.load_backend(name)
    except UnknownBackendError as exc:
        _fail(f"{exc} `gradspec backends` lists them.")
    except BackendUnavailableError as exc:
        _fail(f"{exc}. Pick another with --backend "
              "(`gradspec backends` shows which are available).")
    except (BackendError, ValueError, TypeError) as exc:
        _fail(f"cannot load backend {name!r}: {exc}")


def _check_backend(name: str) -> None:
    """Fail early (without building it) when ``name`` is unknown or unavailable here."""
    rows = {r.name: r for r in plugins.list_backends()}
    if name not in rows:
        known = ", ".join(sorted(rows)) or "none"
        _fail(f"no backend named {name!r}; installed backends: {known}. "
              "`gradspec backends` lists them.")
    if not rows[name].available:
        _fail(f"backend {name!r} is not available here: {rows[name].reason}. Pick another with "
              "--backend (`gradspec backends` shows which are available).")


def _no_file_in_the_way(path: Path, what: str) -> None:
    for ancestor in path.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                _fail(f"cannot write {what} at {path}: {ancestor} is a file, not a folder")
            return


def _writable_file(path: Path, what: str) -> Path:
    """Make sure ``path`` can be written (creating its folder) before any long work starts."""
    if path.is_dir():
        _fail(f"{what} {path} is a directory; give a file name")
    _no_file_in_the_way(path, what)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        with open(path, "a", encoding="utf-8"):
            pass
        if not existed:
            path.unlink()
    except OSError as exc:
        _fail(f"cannot write {what} {path}: {exc.strerror or exc}; "
              "choose a path in a writable folder")
    return path


def _writable_dir(path: Path, what: str) -> Path:
    if path.exists() and not path.is_dir():
        _fail(f"cannot write {what} into {path}: it is a file, not a folder")
    _no_file_in_the_way(path, what)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        _fail(f"cannot write {what} into {path}: {exc.strerror or exc}; choose a writable folder")
    return path


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    rows = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def _short(value: Any) -> str:
    """Numbers to 4 significant digits, inside lists too."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return str(value)


# ------------------------------------------------------------------------------ the group
@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gradspec", prog_name="gradspec")
def cli() -> None:
    """gradspec: PyTorch-style autograd, one specification, many backends.

    \b
    gradspec backends                       which backends are installed and usable
    gradspec run logreg                     train the tutorials' logistic regression
    gradspec conformance --backend numpy    judge a backend against the specification
    gradspec graph logreg --out g.svg       draw a computation graph
    gradspec fuzz --backend numpy           fuzz a backend against PyTorch

    The backend defaults to $GRADSPEC_BACKEND, else numpy.
    """


# ------------------------------------------------------------------------------ backends
@cli.command("backends")
def backends_cmd() -> None:
    """List installed backends: name, version, device, whether usable here and why not.

    Listing imports only the backends' plugin modules, never torch or cupy.
    """
    rows = []
    for r in plugins.list_backends():
        version = f"{r.distribution} {r.version}".strip()
        rows.append([r.name, version, r.device or "-", "yes" if r.available else "no",
                     r.reason if not r.available else ""])
    if not rows:
        _fail("no backend is installed; install gradspec (it ships numpy, strict, torch, cupy)")
    click.echo(_table(["NAME", "VERSION", "DEVICE", "AVAILABLE", "WHY NOT"], rows))


# ------------------------------------------------------------------------------ run
def _workload_names() -> str:
    from .workloads import WORKLOADS

    return "\n".join(f"  {w.name:<10} {w.title}" for w in WORKLOADS.values())


class _RunCommand(click.Command):
    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Workloads"):
            formatter.write(_workload_names() + "\n")


@cli.command("run", cls=_RunCommand)
@click.argument("workload")
@click.option("--backend", "-b", metavar="NAME",
              help="backend to run on (default: $GRADSPEC_BACKEND or numpy)")
@click.option("--iterations", "-n", type=click.IntRange(min=1), metavar="N",
              help="iteration limit (default: the tutorial's)")
@click.option("--plot", "plot_dir", type=click.Path(path_type=Path), metavar="DIR",
              help="write the tutorial's pictures as PNG files into DIR (needs matplotlib)")
@click.option("--json", "json_path", type=click.Path(path_type=Path), metavar="PATH",
              help="write the full result (losses, checkpoints, parameters) as JSON")
def run_cmd(workload: str, backend: str | None, iterations: int | None, plot_dir: Path | None,
            json_path: Path | None) -> int:
    """Train one of the tutorials' workloads on a backend and summarise the result.

    A progress bar runs while it trains (on a terminal); the summary gives the loss, the
    accuracy, the iterations and the time.  Example: gradspec run logreg --backend torch --plot out/
    """
    from . import workloads

    try:
        spec = workloads.get(workload)
    except workloads.UnknownWorkloadError as exc:
        _fail(str(exc))
    if iterations is not None and spec.iterations is None:
        _fail(f"workload {workload!r} is not a training loop; leave out --iterations")
    if plot_dir is not None:
        from .workloads.plotting import PlottingUnavailableError, require_matplotlib

        try:
            require_matplotlib()
        except PlottingUnavailableError as exc:
            _fail(str(exc))
        _writable_dir(plot_dir, "plots")
    if json_path is not None:
        _writable_file(json_path, "the JSON result")
    be = _load_backend(backend)

    total = iterations or spec.iterations or 1
    with _progress(total, f"{workload} on {be.name}", show_pos=True) as bar:
        def progress(done: int, _total: int) -> None:
            bar.update(done - bar.pos)

        try:
            result = spec.run(be, iterations=iterations, progress=progress)
        except ValueError as exc:
            _fail(str(exc))
        except Exception as exc:  # noqa: BLE001 - a backend that breaks the contract
            click.echo(f"gradspec run: {workload} failed on backend {be.name}: "
                       f"{type(exc).__name__}: {exc} (`gradspec conformance --backend {be.name}` "
                       "shows which clauses it breaks)", err=True)
            return 1

    click.echo(f"{workload} on {result.backend} ({result.device}): {result.stop_reason}")
    lines = []
    if result.accuracy is not None:
        lines.append(("accuracy", f"{result.accuracy:.2%}"))
    if result.final_loss is not None:
        lines.append(("final loss", f"{result.final_loss:.6g}"))
    lines += [("iterations", str(result.iterations)), ("time", f"{result.seconds:.3f} s")]
    lines += [(name, _short(value)) for name, value in result.parameters.items()]
    lines += [(name, _short(value)) for name, value in result.metrics.items()]
    width = max(len(k) for k, _ in lines)
    for key, value in lines:
        click.echo(f"  {key:<{width}}  {value}")

    if plot_dir is not None:
        try:
            paths = spec.plot(result, plot_dir)
        except OSError as exc:
            _fail(f"cannot write plots into {plot_dir}: {exc.strerror or exc}")
        if paths:
            click.echo("plots: " + ", ".join(str(p) for p in paths))
        else:
            click.echo(f"plots: none ({workload} has nothing to draw; its result is printed above)")
    if json_path is not None:
        try:
            result.write_json(json_path)
        except OSError as exc:
            _fail(f"cannot write the JSON result {json_path}: {exc.strerror or exc}")
        click.echo(f"result: {json_path}")
    return 0


# ------------------------------------------------------------------------------ conformance
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
    from .conformance import report as reporting

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


class _NoBar:
    """Stands in for a progress bar when stderr is not a terminal (logs, pipes, tests)."""

    pos = 0

    def update(self, n: int) -> None:
        self.pos += n

    def __enter__(self) -> "_NoBar":
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _progress(length: int, label: str, **options: Any) -> Any:
    """A progress bar on a terminal; nothing at all elsewhere."""
    if not sys.stderr.isatty():
        return _NoBar()
    return click.progressbar(length=length, label=label, file=sys.stderr, show_eta=False, **options)


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
    from .clauses import BY_ID

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


# ------------------------------------------------------------------------------ graph
class _GraphCommand(click.Command):
    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Workloads"):
            formatter.write(_workload_names() + "\n")


@cli.command("graph", cls=_GraphCommand)
@click.argument("target", metavar="WORKLOAD|SNIPPET")
@click.option("--backend", "-b", metavar="NAME",
              help="backend to build the graph on (default: $GRADSPEC_BACKEND or numpy)")
@click.option("--out", "-o", required=True, type=click.Path(path_type=Path), metavar="FILE",
              help="picture to write: FILE.svg, .png or .pdf (needs Graphviz's dot), "
                   "or .dot (source)")
@click.option("--root", metavar="NAME", help="the snippet's variable to draw (default: the last "
              "tensor it assigns that requires grad)")
def graph_cmd(target: str, backend: str | None, out: Path, root: str | None) -> int:
    """Draw the computation graph of a workload's loss, or of a Python snippet.

    A snippet runs with the backend bound to `torch` (and gradspec's `nn`, `optim`); its
    variables name the tensors in the picture.  Example:

    \b
    gradspec graph 'w = torch.tensor([1.], requires_grad=True); x = torch.tensor([2.],
      requires_grad=True); a = torch.add(w, x); a.retain_grad(); b = torch.add(w, 1);
      y = torch.mul(a, b)' --out seed.svg

    Needs the graphviz package (pip install 'gradspec[graph]') and, except for .dot output,
    Graphviz's dot program (apt-get install graphviz, brew install graphviz).
    """
    from . import viz

    fmt = viz.FORMATS.get(out.suffix.lower())
    if fmt is None:
        _fail(f"cannot tell the picture format from {out.name!r}; end --out with one of "
              f"{', '.join(viz.FORMATS)}")
    try:
        import graphviz  # noqa: F401
    except ImportError:
        _fail(viz.GRAPH_PACKAGE_HINT)
    if fmt != "dot" and not viz.dot_available():
        _fail(viz.DOT_HINT)
    _writable_file(out, "the picture")
    be = _load_backend(backend)
    tensor, names, title = _graph_target(target, be, root)
    try:
        graph = viz.draw(tensor, names, title=title)
        viz.save(graph, out)
    except (viz.GraphvizMissingError, ValueError) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot write the picture {out}: {exc.strerror or exc}")
    click.echo(f"graph of {title}: {out}")
    return 0


def _graph_target(target: str, backend: Any, root: str | None) -> tuple[Any, dict[str, Any], str]:
    from . import nn, optim, workloads

    if target.isidentifier():
        try:
            spec = workloads.get(target)
        except workloads.UnknownWorkloadError as exc:
            _fail(f"{exc}; or pass a Python snippet, e.g. 'x = torch.ones(2, requires_grad=True); "
                  "y = (x * x).sum()'")
        if root is not None:
            _fail("--root names a snippet's variable; a workload draws its loss")
        tensor, names = spec.graph(backend)
        return tensor, names, f"{target} on {backend.name}"
    namespace: dict[str, Any] = {"__builtins__": builtins, "torch": backend, "nn": nn,
                                 "optim": optim}
    try:
        exec(compile(target, "<snippet>", "exec"), namespace)
    except Exception as exc:  # noqa: BLE001 - the user's code: report it in one line
        _fail(f"the snippet failed: {type(exc).__name__}: {exc}")
    tensors = {k: v for k, v in namespace.items() if not k.startswith("__") and nn._is_tensor(v)}
    if root is not None:
        if root not in tensors:
            _fail(f"the snippet has no tensor named {root!r}; "
                  f"its tensors: {', '.join(tensors) or 'none'}")
        chosen = root
    else:
        tracked = [k for k, v in tensors.items() if v.requires_grad]
        if not tracked:
            _fail("the snippet made no tensor that requires grad; create leaves with "
                  "requires_grad=True and compute from them")
        chosen = tracked[-1]
    return tensors[chosen], tensors, f"{chosen} on {backend.name}"


# ------------------------------------------------------------------------------ fuzz
@cli.command("fuzz", add_help_option=False,
             context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.pass_context
def fuzz(ctx: click.Context) -> int:
    """Differential fuzzing against PyTorch (`gradspec fuzz --help` for its options)."""
    from gradspec.conformance.fuzz.cli import command  # imports numpy: only when asked

    try:  # the fuzzer's own command line owns its options, help and exit codes
        command.main(args=ctx.args, prog_name="gradspec fuzz")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


# ------------------------------------------------------------------------------ entry point
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    try:
        rv = cli.main(args=list(argv) if argv is not None else None, prog_name="gradspec",
                      standalone_mode=False)
    except CommandError as exc:
        click.echo(f"gradspec: error: {exc}", err=True)
        return EXIT_USAGE
    except click.exceptions.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # click >= 8.2: bare `gradspec`
            click.echo(exc.ctx.get_help() if exc.ctx else "")
            return 0
        where = exc.ctx.command_path if exc.ctx else "gradspec"
        click.echo(f"{where}: error: {exc.format_message()} See '{where} --help'.", err=True)
        return EXIT_USAGE
    except click.exceptions.Abort:
        click.echo("gradspec: aborted", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("gradspec: interrupted", err=True)
        return 130
    return rv if isinstance(rv, int) else 0
