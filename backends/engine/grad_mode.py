"""Grad mode: whether ops record the graph.  Thread-local, shared by every engine instance.

``no_grad``, ``enable_grad`` and ``set_grad_enabled`` work as context managers and as
decorators (``@no_grad`` and ``@no_grad()``), like PyTorch's.
"""

from __future__ import annotations

import functools
import inspect
import threading
from typing import Any, Callable


class _State(threading.local):
    enabled = True  # class attributes: the defaults every new thread starts from
    inference = False


STATE = _State()


def is_grad_enabled() -> bool:
    return STATE.enabled


def is_inference_mode_enabled() -> bool:
    """Whether code runs inside ``inference_mode()`` (and not inside ``inference_mode(False)``
    within it)."""
    return STATE.inference


class _Mode:
    """Base of the grad-mode switches: a context manager that is also a decorator."""

    _target: bool

    def __init__(self, func: Callable[..., Any] | None = None) -> None:
        self._prev: list[bool] = []
        self._func = func
        if func is not None:  # used as a bare decorator: @no_grad
            functools.update_wrapper(self, func)

    def __enter__(self) -> None:
        self._prev.append(STATE.enabled)
        STATE.enabled = self._target

    def __exit__(self, *exc: object) -> None:
        STATE.enabled = self._prev.pop()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._func is not None:
            if inspect.isgeneratorfunction(self._func):
                return _each_step_under(self._again, self._func(*args, **kwargs))
            with self._again():
                return self._func(*args, **kwargs)
        (func,) = args  # used as @no_grad(): decorate func
        if inspect.isgeneratorfunction(func):
            @functools.wraps(func)
            def generator(*a: Any, **k: Any) -> Any:
                return (yield from _each_step_under(self._again, func(*a, **k)))

            return generator

        @functools.wraps(func)
        def wrapper(*a: Any, **k: Any) -> Any:
            with self._again():
                return func(*a, **k)

        return wrapper

    def _again(self) -> "_Mode":
        """A new switch of the same setting, for one call of a decorated function (calls may
        nest or run in several threads)."""
        return type(self)()


def _each_step_under(switch: Callable[[], Any], gen: Any) -> Any:
    """Run generator ``gen`` with the grad mode of ``switch()`` set during each of its steps
    (start, ``send``, ``throw``, ``close``) and the caller's own mode while it is suspended, as
    PyTorch's decorators do for generator functions (a sampling loop under ``@no_grad()`` that
    yields tokens records no graph)."""
    try:
        with switch():
            response = gen.send(None)
        while True:
            try:
                request = yield response
            except GeneratorExit:
                with switch():
                    gen.close()
                raise
            except BaseException as exc:
                with switch():
                    response = gen.throw(exc)
            else:
                with switch():
                    response = gen.send(request)
    except StopIteration as stop:
        return stop.value


class no_grad(_Mode):
    """Ops inside record nothing: results do not require grad."""

    _target = False


class inference_mode(_Mode):
    """``inference_mode(mode=True)``: inside, ops record nothing, as under ``no_grad`` (the
    spec allows no more: NOGRAD-4), and ``is_inference_mode_enabled()`` is True.
    ``inference_mode(False)`` turns recording back on and inference mode off, as in PyTorch.
    A context manager and a decorator (``@inference_mode`` and ``@inference_mode()``)."""

    def __init__(self, mode: Any = True) -> None:
        if callable(mode):  # a bare decorator: @inference_mode
            super().__init__(mode)
            mode = True
        else:
            super().__init__()
        self._mode = bool(mode)
        self._target = not self._mode
        self._saved: list[tuple[bool, bool]] = []

    def __enter__(self) -> None:
        self._saved.append((STATE.enabled, STATE.inference))
        STATE.enabled, STATE.inference = self._target, self._mode

    def __exit__(self, *exc: object) -> None:
        STATE.enabled, STATE.inference = self._saved.pop()

    def _again(self) -> "inference_mode":
        return inference_mode(self._mode)


class enable_grad(_Mode):
    """Re-enable recording inside ``no_grad``."""

    _target = True


class set_grad_enabled:
    """``set_grad_enabled(mode)``: sets grad mode now; as a context manager, restores it on exit."""

    def __init__(self, mode: bool) -> None:
        self._prev = STATE.enabled
        STATE.enabled = bool(mode)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        STATE.enabled = self._prev

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        mode = STATE.enabled
        STATE.enabled = self._prev  # as a decorator it must not change the mode now

        @functools.wraps(func)
        def wrapper(*a: Any, **k: Any) -> Any:
            with set_grad_enabled(mode):
                return func(*a, **k)

        return wrapper
