"""Draw the docs' pictures into docs/assets/ (run by hand; the PNG/SVG files are committed).

    python docs/pictures.py

* ``seed-graph.svg``: the graph of the tutorials' example y = (x + w) * (w + 1), read from the
  tensors' ``grad_fn``/``next_functions`` on the numpy backend and laid out by Graphviz's
  ``dot`` (apt-get install graphviz);
* ``logistic-regression.png``: what the logistic-regression tutorial's own code draws (its code
  blocks are run in docs/assets/; needs matplotlib).

Pictures are not checked by ``gen.py --check``: their bytes depend on the Graphviz and
matplotlib versions.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
ASSETS = DOCS / "assets"
FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)


def graph_dot(output: Any, names: dict[int, str]) -> str:
    """DOT text of the backward graph behind ``output``: one box per ``grad_fn`` node, inputs
    below the node that uses them; leaves are labelled from ``names`` (``id(tensor)`` -> name)."""
    lines = ["digraph backward {", '  graph [rankdir=BT, bgcolor="transparent", nodesep=0.4];',
             '  node [shape=box, style="rounded,filled", fontname="DejaVu Sans", fontsize=12,'
             ' color="#3f51b5", fillcolor="#e8eaf6"];', '  edge [color="#555555"];']
    ids: dict[int, str] = {}

    def box(node: Any) -> str:
        # A backend may give each use of a leaf its own AccumulateGrad node (PyTorch shares
        # one); draw one box per leaf, so the picture shows where the paths meet.
        variable = getattr(node, "variable", None)
        key = id(variable) if variable is not None else id(node)
        if key not in ids:
            ids[key] = f"n{len(ids)}"
            label = node.name()
            if variable is not None:
                label += f"\\n{names.get(id(variable), 'leaf')} = {variable.tolist()}"
            lines.append(f'  {ids[key]} [label="{label}"];')
        return ids[key]

    edges, seen, stack, constants = [], set(), [output.grad_fn], 0
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        here = box(node)
        for child, _ in node.next_functions:
            if child is None:  # an input that needs no gradient: the constant 1
                constants += 1
                lines.append(f'  c{constants} [label="constant", shape=plaintext, style="", '
                             'fontcolor="#777777"];')
                edges.append(f"  c{constants} -> {here} [style=dashed];")
            else:
                edges.append(f"  {box(child)} -> {here};")
                stack.append(child)
    lines += edges
    lines.append(f'  out [label="y = {output.tolist()}", shape=plaintext, style=""];')
    lines.append(f"  {box(output.grad_fn)} -> out [style=dotted];")
    return "\n".join(lines + ["}"]) + "\n"


def seed_graph() -> Path:
    import gradspec

    torch = gradspec.load_backend("numpy")
    w = torch.tensor([1.0], requires_grad=True)
    x = torch.tensor([2.0], requires_grad=True)
    a = torch.add(w, x)
    b = torch.add(w, 1)
    y = torch.mul(a, b)
    dot = shutil.which("dot")
    if dot is None:
        raise SystemExit("pictures.py: Graphviz's `dot` is missing: apt-get install graphviz")
    target = ASSETS / "seed-graph.svg"
    svg = subprocess.run([dot, "-Tsvg"], input=graph_dot(y, {id(w): "w", id(x): "x"}),
                         capture_output=True, text=True, check=True).stdout
    target.write_text(svg, encoding="utf-8")
    return target


def logistic_regression() -> Path:
    page = DOCS / "tutorials" / "logistic-regression.md"
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    here = os.getcwd()
    os.chdir(ASSETS)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for block in FENCE.findall(page.read_text(encoding="utf-8")):
                exec(compile(block, str(page), "exec"), namespace)
    finally:
        os.chdir(here)
    return ASSETS / "logistic-regression.png"


def main() -> int:
    ASSETS.mkdir(exist_ok=True)
    for draw in (seed_graph, logistic_regression):
        print(f"wrote {draw().relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
