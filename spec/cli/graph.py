"""`gradspec graph`: draw the computation graph of a workload or of a snippet."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import click

from .common import _fail, _load_backend, _writable_file, cli
from .run import _workload_names

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
    variables name the tensors in the picture.  Examples (each one line, to paste as it is):

    \b
    gradspec graph logreg --out logreg.svg
    gradspec graph 'x = torch.ones(2, requires_grad=True); y = (x * x + x).sum()' -o g.svg

    Needs the graphviz package (pip install 'gradspec[graph]') and, except for .dot output,
    Graphviz's dot program (apt-get install graphviz, brew install graphviz).
    """
    from .. import viz

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
    from .. import nn, optim, workloads

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
    except AttributeError as exc:
        if getattr(exc, "obj", None) is backend:  # torch.frob: say what torch is here
            _fail(_not_in_surface(backend, exc.name))
        _fail(f"the snippet failed: AttributeError: {exc}")
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


def _not_in_surface(backend: Any, name: str | None) -> str:
    """The error for ``torch.NAME`` that the backend does not have (in user terms)."""
    import difflib

    public = [n for n in dir(backend) if not n.startswith("_")]
    near = difflib.get_close_matches(name or "", public, n=1)
    hint = f" (did you mean torch.{near[0]}?)" if near else ""
    return (f"the snippet failed: torch.{name} does not exist on backend {backend.name!r}"
            f"{hint}; in a snippet `torch` is the backend, which has PyTorch's names for "
            "gradspec's surface (tensor, add, mul, exp, ...)")
