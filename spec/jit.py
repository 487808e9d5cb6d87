"""``torch.jit`` as library code meets it: gradspec runs every model eagerly, so scripting
and tracing give back what they are given, the decorators leave functions as they are, and
``is_scripting()`` / ``is_tracing()`` say False (the eager branch of code that asks is the
one that runs)."""

from __future__ import annotations

import typing
from typing import Any, Callable

__all__ = ["Attribute", "Final", "annotate", "export", "fork", "freeze", "ignore", "interface",
           "is_scripting", "is_tracing", "optimize_for_inference", "script", "trace",
           "trace_module", "unused", "wait"]

#: ``torch.jit.Final``: the annotation of a constant attribute (typing's Final)
Final = typing.Final


def is_scripting() -> bool:
    """False: nothing is compiled by TorchScript here."""
    return False


def is_tracing() -> bool:
    """False: nothing is traced here."""
    return False


def script(obj: Any, optimize: Any = None, _frames_up: int = 0, _rcb: Any = None,
           example_inputs: Any = None) -> Any:
    """``obj`` itself (a module, function or class), run eagerly: the same results without
    TorchScript's compilation."""
    return obj


def trace(func: Any, example_inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
    """``func`` itself (a module or function), run eagerly on every call (a trace would also
    fix the control flow the example took)."""
    return func


def trace_module(mod: Any, inputs: Any = None, *args: Any, **kwargs: Any) -> Any:
    """``mod`` itself, run eagerly."""
    return mod


def freeze(mod: Any, preserved_attrs: Any = None, optimize_numerics: bool = True) -> Any:
    """``mod`` itself."""
    return mod


def optimize_for_inference(mod: Any, other_methods: Any = None) -> Any:
    """``mod`` itself."""
    return mod


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """``@torch.jit.ignore``: the function unchanged (it runs in Python, as everything does
    here)."""
    if callable(drop):
        return drop
    if drop:  # (PyTorch's notice, at the decorated line)
        import warnings

        warnings.warn("ignore(True) has been deprecated. TorchScript will now drop the function "
                      "call on compilation. Use torch.jit.unused now. {}", FutureWarning,
                      stacklevel=2)
    return lambda fn: fn


def unused(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``@torch.jit.unused``: the function unchanged."""
    return fn


def export(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``@torch.jit.export``: the function unchanged."""
    return fn


def interface(obj: Any) -> Any:
    """``@torch.jit.interface``: the class unchanged."""
    return obj


def annotate(the_type: Any, the_value: Any) -> Any:
    """``the_value`` (the type is for TorchScript)."""
    return the_value


def Attribute(value: Any, type: Any = None) -> Any:  # noqa: N802 - PyTorch's name
    """``value`` (the type is for TorchScript)."""
    return value


class _Done:
    """A finished ``fork``: its result, or the exception it raised, given by ``wait()``."""

    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        try:
            self._value, self._error = fn(*args, **kwargs), None
        except Exception as exc:  # raised again at wait(), where PyTorch raises it
            self._value, self._error = None, exc

    def wait(self) -> Any:
        """The call's result (or its exception, raised)."""
        if self._error is not None:
            raise self._error
        return self._value


def fork(func: Callable[..., Any], *args: Any, **kwargs: Any) -> _Done:
    """Run ``func(*args, **kwargs)`` now (eagerly: there is no parallel interpreter); its
    result comes from ``wait``."""
    return _Done(func, args, kwargs)


def wait(future: _Done) -> Any:
    """The result of a `fork`."""
    return future.wait()
