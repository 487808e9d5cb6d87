"""Drawing a tensor's computation graph, as the tutorials picture it (Graphviz).

>>> torch = gradspec.load_backend("numpy")
>>> w = torch.tensor([1.0], requires_grad=True)
>>> y = (w + 1) * w
>>> graph = gradspec.viz.draw(y, {"w": w, "y": y})    # a graphviz.Digraph
>>> gradspec.viz.save(graph, "y.svg")                  # needs Graphviz's `dot` program

The picture reads top to bottom, in the direction of the forward pass.  Leaves that require
grad are blue ellipses, each feeding its ``AccumulateGrad`` node (where backward stores its
``.grad``); every ``grad_fn`` is a grey box named as the backend names it (``MulBackward0``);
non-leaf tensors appear as yellow ellipses when they are given a name, with a double border and
"retains grad" when ``retain_grad()`` was called on them; the tensor drawn is green.  Tensors
that do not require grad are not part of the autograd graph and are not drawn.

Only the protocol is used (``grad_fn``, ``next_functions``, ``variable``, ``name()``), so any
conforming backend can be drawn.  Building the graph needs the ``graphviz`` Python package
(``pip install 'gradspec[graph]'``); writing SVG or PNG needs the ``dot`` program too.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Mapping

from .nn import _is_tensor

GRAPH_PACKAGE_HINT = (
    "drawing graphs needs the graphviz Python package: pip install 'gradspec[graph]'")
DOT_HINT = (
    "Graphviz's `dot` program was not found on PATH; install it (Debian/Ubuntu: "
    "apt-get install graphviz; macOS: brew install graphviz; conda: conda install -c conda-forge "
    "graphviz), or write .dot source instead, which needs no program"
)
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": "dot", ".gv": "dot"}

_LEAF = {"shape": "ellipse", "style": "filled", "fillcolor": "lightblue"}
_NONLEAF = {"shape": "ellipse", "style": "filled", "fillcolor": "lightyellow"}
_ROOT = {"shape": "ellipse", "style": "filled", "fillcolor": "darkolivegreen1"}
_OP = {"shape": "box", "style": "filled", "fillcolor": "lightgrey"}
_ACCUMULATE = {"shape": "box", "style": "filled", "fillcolor": "lightgrey", "color": "steelblue"}


class GraphvizMissingError(Exception):
    """The graphviz Python package or the ``dot`` program is missing; the message says how to
    install it."""


def node_name(node: Any) -> str:
    """A grad_fn's display name: ``MulBackward0``; ``torch::autograd::AccumulateGrad`` ->
    ``AccumulateGrad``."""
    return str(node.name()).rsplit("::", 1)[-1]


def _is_accumulate(node: Any) -> bool:
    return hasattr(node, "variable") and "AccumulateGrad" in node_name(node)


def _shape(t: Any) -> str:
    return str(tuple(int(d) for d in t.shape))


def draw(tensor: Any, names: Mapping[str, Any] | None = None, *, title: str | None = None) -> Any:
    """The computation graph that produced ``tensor``, as a ``graphviz.Digraph``.

    ``names`` maps names to tensors of the graph (``dict(model.named_parameters())``, or a
    snippet's variables); named tensors are labelled, and named non-leaf tensors are drawn
    between the op that made them and the ops that use them.  Other values in ``names`` are
    ignored.
    """
    try:
        import graphviz
    except ImportError:
        raise GraphvizMissingError(GRAPH_PACKAGE_HINT) from None
    if not _is_tensor(tensor):
        raise TypeError(f"draw() takes a tensor, got {type(tensor).__name__}")
    if not tensor.requires_grad:
        raise ValueError(
            "this tensor has no computation graph: it does not require grad (was it computed "
            "under no_grad(), or only from tensors created without requires_grad=True?)"
        )
    labels: dict[int, str] = {}
    by_id: dict[int, Any] = {}
    for name, value in (names or {}).items():
        if _is_tensor(value):
            labels[id(value)] = f"{labels[id(value)]} / {name}" if id(value) in labels else name
            by_id[id(value)] = value

    graph = graphviz.Digraph(name="computation_graph", graph_attr={
        "rankdir": "TB", "fontsize": "12", "labelloc": "b",
        **({"label": title} if title else {}),
    }, node_attr={"fontname": "Helvetica", "fontsize": "11"})

    def tensor_label(t: Any, fallback: str) -> str:
        lines = [labels.get(id(t), fallback), _shape(t)]
        if getattr(t, "retains_grad", False):
            lines.append("retains grad")
        return "\n".join(lines)

    # Named non-leaf tensors sit between the op that made them and the ops that use them.
    produced: dict[int, Any] = {}
    for t in by_id.values():
        if t is not tensor and t.grad_fn is not None:
            produced.setdefault(id(t.grad_fn), t)

    # Stable names in order of appearance; an AccumulateGrad node is known by its leaf, since
    # an engine may hand out a fresh node object each time next_functions is read.
    ids: dict[tuple[str, int], str] = {}

    def ident(kind: str, obj: Any) -> str:
        return ids.setdefault((kind, id(obj)), f"{kind}{len(ids)}")

    def node_ident(node: Any) -> str:
        return ident("acc", node.variable) if _is_accumulate(node) else ident("op", node)

    def output_of(node: Any) -> str:
        made = produced.get(id(node))
        return ident("t", made) if made is not None else node_ident(node)

    root_id = ident("t", tensor)
    graph.node(root_id, tensor_label(tensor, "output"), **_ROOT,
               **({"peripheries": "2"} if tensor.retains_grad else {}))
    if tensor.grad_fn is None:  # a leaf that requires grad: the graph is the tensor itself
        return graph
    graph.edge(node_ident(tensor.grad_fn), root_id)
    seen: set[str] = set()
    stack = [tensor.grad_fn]
    while stack:
        node = stack.pop()
        node_id = node_ident(node)
        if node_id in seen:
            continue
        seen.add(node_id)
        if _is_accumulate(node):
            leaf_id = ident("t", node.variable)
            graph.node(node_id, "AccumulateGrad", **_ACCUMULATE)
            graph.node(leaf_id, tensor_label(node.variable, ""), **_LEAF)
            graph.edge(leaf_id, node_id)
            continue
        graph.node(node_id, node_name(node), **_OP)
        made = produced.get(id(node))
        if made is not None:
            extra = {"peripheries": "2"} if made.retains_grad else {}
            graph.node(ident("t", made), tensor_label(made, ""), **_NONLEAF, **extra)
            graph.edge(node_id, ident("t", made))
        for child, _ in node.next_functions:
            if child is not None:
                graph.edge(output_of(child), node_id)
                stack.append(child)
    return graph


def dot_available() -> bool:
    return shutil.which("dot") is not None


def save(graph: Any, path: str | Path) -> Path:
    """Write ``graph`` to ``path``; the suffix picks the format (.svg, .png, .pdf, or .dot/.gv
    for the DOT source, which needs no Graphviz program)."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(
            f"cannot tell the picture format from {path.name!r}; end the name with one of "
            f"{', '.join(FORMATS)}"
        )
    if fmt == "dot":
        path.write_text(graph.source, encoding="utf-8")
        return path
    if not dot_available():
        raise GraphvizMissingError(DOT_HINT)
    import graphviz

    try:
        data = graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise GraphvizMissingError(DOT_HINT) from None
    path.write_bytes(data)
    return path
