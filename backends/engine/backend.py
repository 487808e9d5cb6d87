"""The engine as a gradspec backend: the object ``gradspec.load_backend("numpy")`` returns.

It exposes PyTorch's names (``tensor``, ``zeros``, ``add``, ``no_grad``, ``autograd.grad``, the
dtypes ``float32``/``float``/``double``/``long``...), so code written for ``torch`` runs with
``torch = gradspec.load_backend("numpy")`` in its place.
"""

from __future__ import annotations

import contextlib
from types import SimpleNamespace
from typing import Any, Iterator, Mapping

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
    def set_detect_anomaly(self, mode: bool, check_nan: bool = True) -> None:
        """Anomaly mode: record where each node is created, show it when a backward step fails,
        and (``check_nan``) fail a backward step that returns NaN.  Off by default."""
        self.engine.anomaly = bool(mode)
        self.engine.check_nan = bool(check_nan)

    def is_anomaly_enabled(self) -> bool:
        return self.engine.anomaly

    def is_anomaly_check_nan_enabled(self) -> bool:
        return self.engine.check_nan

    @contextlib.contextmanager
    def detect_anomaly(self, check_nan: bool = True) -> Iterator[None]:
        """Anomaly mode inside the block (the previous setting is restored after it)."""
        prev = (self.engine.anomaly, self.engine.check_nan)
        self.set_detect_anomaly(True, check_nan)
        try:
            yield
        finally:
            self.engine.anomaly, self.engine.check_nan = prev

    def __repr__(self) -> str:
        return f"<gradspec backend {self.name} {self.version} on {self.device}>"


#: Options of the engine's plugins: ``--backend-option KEY=VALUE``, ``load_backend(name, KEY=...)``.
OPTIONS = {"anomaly": "1 or 0: start with anomaly mode on (as inside gradspec.detect_anomaly())"}


def configure(backend: EngineBackend, options: Mapping[str, str]) -> EngineBackend:
    """Apply a plugin's ``options`` to ``backend``; unknown keys or values raise ValueError."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise ValueError(f"backend {backend.name!r} takes no options but anomaly=1|0 (start in "
                         f"anomaly mode); unknown: {unknown}")
    if "anomaly" in options:
        value = str(options["anomaly"]).strip().lower()
        if value not in ("1", "0", "true", "false", "on", "off", "yes", "no"):
            raise ValueError(f"backend {backend.name!r}: anomaly={options['anomaly']!r}; use "
                             "anomaly=1 or anomaly=0")
        backend.set_detect_anomaly(value in ("1", "true", "on", "yes"))
    return backend


class _inference_mode(grad_mode.no_grad):
    """``inference_mode()`` is ``no_grad()`` here (allowed by the spec: NOGRAD-4)."""

    def __init__(self, mode: Any = True) -> None:
        if callable(mode):
            super().__init__(mode)
        else:
            super().__init__()
            self._target = not bool(mode)
