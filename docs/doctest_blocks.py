"""A Griffe extension for the API reference: doctest examples in docstrings render as code.

Docstrings show examples as doctests (``>>> x = ...`` and the output below), which
``python -m doctest`` can run. Markdown reads a ``>>>`` line as three nested block quotes and
joins the lines into one paragraph; this wraps each run of doctest lines (from a ``>>>`` line to
the next blank line) in a ```` ```pycon ```` fence instead, leaving fenced blocks alone.
mkdocs.yml loads it (``extensions`` of the python handler); the docstrings stay as they are.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

FENCE = re.compile(r"^\s*(```|~~~)")


def fence_doctests(text: str) -> str:
    """``text`` with every run of doctest lines outside a fence wrapped in a pycon fence."""
    out: list[str] = []
    in_fence = in_doctest = False
    for line in text.split("\n"):
        stripped = line.strip()
        if in_doctest and not stripped:
            out += ["```", line]
            in_doctest = False
            continue
        if not in_doctest and FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and not in_doctest and stripped.startswith(">>>"):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}```pycon")
            in_doctest = True
        out.append(line)
    if in_doctest:
        out.append("```")
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    """Fence the doctest examples of every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
