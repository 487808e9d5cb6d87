"""Anomaly detection, for every loaded backend at once: ``gradspec.detect_anomaly()``.

Inside ``with gradspec.detect_anomaly():`` (or under ``@gradspec.detect_anomaly()``) every
loaded backend that declares the ``anomaly`` capability records where each autograd node is
created; an error raised in backward then says which forward call made the failing node, and a
backward step that returns NaN raises :class:`gradspec.AnomalyError` naming that node (unless
``check_nan=False``).  PyTorch's own switch (``torch.autograd.set_detect_anomaly``) is what the
torch backend uses.  Anomaly mode is off by default and costs nothing then; on, it records a
stack per node, so use it to find a bug, not to train.

A single backend can also start in anomaly mode: ``gradspec.load_backend("numpy",
anomaly="1")`` or ``pytest ... --backend-option anomaly=1``.  Backends loaded after the block
started are not switched.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from . import plugins

CAPABILITY = "anomaly"

F = TypeVar("F", bound=Callable[..., Any])


def anomaly_backends() -> list[Any]:
    """The loaded backends that support anomaly mode."""
    with plugins._lock:
        loaded = list(plugins._loaded.values())
    return [b for b in loaded if CAPABILITY in getattr(b, "capabilities", ())]


def set_detect_anomaly(mode: bool, check_nan: bool = True) -> None:
    """Switch anomaly mode on or off for every loaded backend that supports it."""
    for backend in anomaly_backends():
        backend.autograd.set_detect_anomaly(bool(mode), check_nan=bool(check_nan))


def is_anomaly_enabled() -> bool:
    """Whether anomaly mode is on for every loaded backend that supports it (and one is)."""
    backends = anomaly_backends()
    return bool(backends) and all(b.is_anomaly_enabled() for b in backends)


class detect_anomaly:
    """Anomaly mode inside a ``with`` block or a decorated function; restored on exit."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = bool(check_nan)
        self._saved: list[list[tuple[Any, bool, bool]]] = []

    def __enter__(self) -> "detect_anomaly":
        saved = []
        for backend in anomaly_backends():
            saved.append((backend, bool(backend.is_anomaly_enabled()), _check_nan(backend)))
            backend.autograd.set_detect_anomaly(True, check_nan=self.check_nan)
        self._saved.append(saved)
        return self

    def __exit__(self, *exc: object) -> None:
        for backend, mode, check_nan in reversed(self._saved.pop()):
            backend.autograd.set_detect_anomaly(mode, check_nan=check_nan)

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(self.check_nan):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


def _check_nan(backend: Any) -> bool:
    probe = getattr(backend, "is_anomaly_check_nan_enabled", None)
    return bool(probe()) if probe is not None else True
