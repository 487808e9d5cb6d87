"""tiny's gradspec plugin: the module the ``gradspec.backends`` entry point names.

It implements gradspec's hooks and imports nothing heavy at module level: gradspec imports
every plugin module to list backends, so listing must stay cheap.
"""

from __future__ import annotations

import importlib.util
from importlib import metadata
from typing import Any, Mapping

from gradspec import hookimpl


@hookimpl
def gradspec_backend_describe() -> Mapping[str, str]:
    return {"summary": "tiny: a small numpy engine written for gradspec's docs", "device": "cpu"}


@hookimpl
def gradspec_backend_available() -> tuple[bool, str]:
    if importlib.util.find_spec("numpy") is None:
        return False, "numpy is not installed: pip install numpy"
    return True, ""


@hookimpl
def gradspec_backend_create(options: Mapping[str, str]) -> Any:
    if options:
        raise ValueError(f"backend 'tiny' takes no options, got {sorted(options)}")
    from .backend import TinyBackend

    return TinyBackend(metadata.version("gradspec-tiny"))


@hookimpl
def gradspec_backend_known_failures(backend: Any) -> Mapping[str, str]:
    # Known bugs would be listed here as {test id glob: reason}; each becomes a strict xfail,
    # so fixing the bug without removing its line fails the run.  tiny has none.
    return {}
