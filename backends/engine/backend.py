"""The engine as a gradspec backend: the object ``gradspec.load_backend("numpy")`` returns.

It exposes PyTorch's names (``tensor``, ``zeros``, ``add``, ``no_grad``, ``autograd.grad``, the
dtypes ``float32``/``float``/``double``/``long``...), so code written for ``torch`` runs with
``torch = gradspec.load_backend("numpy")`` in its place.
"""

from __future__ import annotations

import contextlib
from types import SimpleNamespace
from typing import Any

from gradspec import errors
from gradspec.protocol import CAPABILITIES

from . import autograd, functional, grad_mode
from .engine import Engine, Host
from .factories import Factories

_FACTORIES = (
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "empty", "full", "zeros_like",
    "ones_like", "empty_like", "full_like", "manual_seed", "initial_seed", "randn", "rand",
    "randn_like", "rand_like", "randint", "normal", "arange", "linspace", "eye",
)


class EngineBackend:
    """A gradspec backend over the engine bound to one array namespace."""

    def __init__(self, name: str, xp: Any, host: Host, version: str, summary: str = "") -> None:
        self.name = name
        self.version = version
        self.summary = summary
        self.engine = Engine(xp, host, name)
        eng = self.engine
        self.device = eng.device
        self.capabilities = frozenset(CAPABILITIES)
        self.xp = xp
        self.Tensor = eng.Tensor
        # dtypes, with PyTorch's aliases
        self.float32 = self.float = eng.float32
        self.float64 = self.double = eng.float64
        self.float16 = self.half = eng.float16
        self.int64 = self.long = eng.int64
        self.int32 = self.int = eng.int32
        self.int8 = eng.int8
        self.uint8 = eng.uint8
        self.bool = eng.bool
        factories = Factories(eng)
        for fname in _FACTORIES:
            setattr(self, fname, getattr(factories, fname))
        for fname in functional.__all__:
            setattr(self, fname, getattr(functional, fname))
        self.no_grad = grad_mode.no_grad
        self.enable_grad = grad_mode.enable_grad
        self.set_grad_enabled = grad_mode.set_grad_enabled
        self.is_grad_enabled = grad_mode.is_grad_enabled
        self.inference_mode = _inference_mode
        self.autograd = SimpleNamespace(
            backward=autograd.backward, grad=autograd.grad,
            set_detect_anomaly=self.set_detect_anomaly, detect_anomaly=self.detect_anomaly,
        )

    # -- protocol gaps ------------------------------------------------------------------------
    def classify_error(self, exc: BaseException) -> type[errors.AutogradError] | None:
        return errors.classify(exc)

    def to_numpy(self, t: Any) -> Any:
        return self.engine.to_host(t._data if hasattr(t, "_data") else t)

    def is_tensor(self, obj: Any) -> bool:
        return isinstance(obj, self.Tensor)

    # -- debugging ----------------------------------------------------------------------------
    def set_detect_anomaly(self, mode: bool) -> None:
        """Record where each node is created; name it (and check for NaN) when backward fails."""
        self.engine.anomaly = bool(mode)

    @contextlib.contextmanager
    def detect_anomaly(self, check_nan: bool = True):
        prev = self.engine.anomaly
        self.engine.anomaly = True
        try:
            yield
        finally:
            self.engine.anomaly = prev

    def __repr__(self) -> str:
        return f"<gradspec backend {self.name} {self.version} on {self.device}>"


class _inference_mode(grad_mode.no_grad):
    """``inference_mode()`` is ``no_grad()`` here (allowed by the spec: NOGRAD-4)."""

    def __init__(self, mode: Any = True) -> None:
        if callable(mode):
            super().__init__(mode)
        else:
            super().__init__()
            self._target = not bool(mode)
