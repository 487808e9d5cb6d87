"""PyTorch's node names for the results of functions gradspec composes from other ops.

A composed function's result carries the node of its last step (hardswish's ``where``), so a
printed tensor would read ``grad_fn=<WhereBackward0>`` where PyTorch's reads
``grad_fn=<HardswishBackward0>``.  `shown_as` gives that node PyTorch's name, on backends that
can rename a node (the engine's ``_rename_grad_fn``); its backward is unchanged, and on other
backends the result is returned as it is."""

from __future__ import annotations

from typing import Any

from .plugins import backend_of


def shown_as(result: Any, name: str, *inputs: Any) -> Any:
    """``result``, its ``grad_fn`` shown as PyTorch's ``name``; nothing is renamed when the
    result is one of ``inputs`` or carries an input's node (a function that returned its input)."""
    fn = getattr(result, "grad_fn", None)
    if fn is None:
        return result
    for x in inputs:
        if x is result or getattr(x, "grad_fn", None) is fn:
            return result
    rename = getattr(backend_of(result), "_rename_grad_fn", None)
    if rename is not None:
        rename(result, name)
    return result
