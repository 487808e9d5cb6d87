"""Cython's pure-Python decorators as no-ops, for when Cython is not installed.

The engine's hot functions carry ``@cython.locals(...)`` (C types of their local variables) for
the compiled core.  Run as Python, the decorators change nothing: with Cython installed they
come from its own ``cython`` module, without it from here.  The compiled modules never import
this module (Cython resolves ``import cython`` itself at compile time).
"""

from __future__ import annotations

from typing import Any, Callable

compiled = False

#: C types named in declarations; as Python they are the Python types they stand for.
bint = bool
Py_ssize_t = int


def locals(**types: Any) -> Callable[[Any], Any]:  # noqa: A001 - Cython's name
    """``@cython.locals(name=type, ...)``: no effect in Python."""
    return lambda fn: fn


def cfunc(fn: Any) -> Any:
    """``@cython.cfunc``: no effect in Python."""
    return fn


ccall = inline = final = cfunc
