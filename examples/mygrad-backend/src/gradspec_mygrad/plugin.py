"""The gradspec plugin of the MyGrad adapter: the module the ``gradspec.backends`` entry names.

Nothing heavy is imported here: gradspec imports every plugin module to list backends.
"""

from __future__ import annotations

import importlib.util
from typing import Any, Mapping

from gradspec import hookimpl


@hookimpl
def gradspec_backend_describe() -> Mapping[str, str]:
    return {"summary": "MyGrad's autograd through an adapter (PyTorch's names, MyGrad's "
                       "behaviour)", "device": "cpu", "library": "mygrad"}


@hookimpl
def gradspec_backend_available() -> tuple[bool, str]:
    if importlib.util.find_spec("mygrad") is None:
        return False, "MyGrad is not installed: pip install mygrad"
    return True, ""


@hookimpl
def gradspec_backend_create(options: Mapping[str, str]) -> Any:
    if options:
        raise ValueError(f"backend 'mygrad' takes no options, got {sorted(options)}")
    from .backend import MyGradBackend

    return MyGradBackend()
