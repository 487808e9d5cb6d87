"""Warnings as PyTorch gives them: attributed to the user's line (the first frame outside
gradspec, whether the engine runs compiled, with no frames of its own, or as Python), and the
ones PyTorch gives once per process (its ``TORCH_WARN_ONCE``) given once."""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

import gradspec
import gradspec.backends

#: gradspec's folders (the package maps spec/ and backends/): frames there are not the user's
_OURS = tuple(os.path.dirname(os.path.abspath(m.__file__)) + os.sep
              for m in (gradspec, gradspec.backends))
_GIVEN: set[str] = set()


def warn(message: str, category: type[Warning] = UserWarning, once: str | None = None) -> None:
    """Warn with ``message`` at the caller's line outside gradspec; with ``once`` (a key), only
    the first time in this process."""
    if once is not None:
        if once in _GIVEN:
            return
        _GIVEN.add(once)
    frame: Any = sys._getframe(0)
    while frame is not None and frame.f_code.co_filename.startswith(_OURS):
        frame = frame.f_back
    if frame is None:  # called from gradspec alone (an import, say): its own line
        warnings.warn(message, category, stacklevel=2)
        return
    globs = frame.f_globals
    filename = frame.f_code.co_filename
    # module_globals lets the warning show source held by a loader (a zip); code without a
    # file (python -c, a REPL) has none, and its loader would refuse the request
    warnings.warn_explicit(message, category, filename, frame.f_lineno,
                           module=globs.get("__name__"),
                           registry=globs.setdefault("__warningregistry__", {}),
                           module_globals=None if filename.startswith("<") else globs)
