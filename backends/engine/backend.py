"""The engine as a gradspec backend: the object ``gradspec.load_backend("numpy")`` returns.

It exposes the surface (`gradspec.surface`): PyTorch's names (``tensor``, ``zeros``, ``add``,
``no_grad``, ``autograd.grad``, the dtypes ``float32``/``float``/``double``/``long``...,
``device``, ``get_default_dtype``...), so code written for ``torch`` runs with
``torch = gradspec.load_backend("numpy")`` in its place; the registry adds ``nn``, ``optim``,
``utils``, ``save`` and ``load``.  Any other name raises an AttributeError that says so.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any, Iterator, Mapping

from gradspec import autograd_functional, errors, functions, gradcheck, layouts, surface
from gradspec.devices import BackendDevice
from gradspec.nn.parameter import Variable
from gradspec.ops import CATALOGUE
from gradspec.protocol import CAPABILITIES

from . import autograd, dtypes, formatting, function, functional, grad_mode, methods, outparams
from . import node as node_module
from .engine import Engine, Host
from .factories import Factories
from .size import Size

_FACTORIES = (
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "empty", "full", "zeros_like",
    "ones_like", "empty_like", "full_like", "manual_seed", "initial_seed", "randn", "rand",
    "randn_like", "rand_like", "randint", "randperm", "normal", "arange", "linspace", "eye",
    "Generator", "seed", "get_rng_state", "set_rng_state",
)
# PyTorch's aliases of dtypes
_ALIASES = {"float": "float32", "double": "float64", "half": "float16", "long": "int64",
            "int": "int32", "short": "int16"}
# The engine's functions that are ops of the surface (functional.py also holds helpers)
_OPS = frozenset(op.name.split(".")[0] for op in CATALOGUE)


class EngineBackend:
    """A gradspec backend over the engine bound to one array namespace."""

    def __init__(self, name: str, xp: Any, host: Host, version: str, summary: str = "") -> None:
        self.name = name
        self.version = version
        self.summary = summary
        self.engine = Engine(xp, host, name)
        eng = self.engine
        self.device = BackendDevice(eng.device)
        self.capabilities = frozenset(CAPABILITIES)
        self.xp = xp
        self.Tensor = eng.Tensor
        # dtypes as users see them (torch.float32), with PyTorch's aliases
        self.dtype = dtypes.dtype
        for dname, public in eng.dtypes.items():
            setattr(self, dname, public)
        for alias, dname in _ALIASES.items():
            if dname in eng.dtypes:
                setattr(self, alias, eng.dtypes[dname])
        # bfloat16 as a name scripts can mention (nanoGPT's dtype table); no namespace the engine
        # runs on has it, so making a tensor of it says so (dtypes.dtype.native is None)
        self.bfloat16 = dtypes.dtype("bfloat16", None)
        self.Size = Size
        self.memory_format, self.layout = layouts.memory_format, layouts.layout
        for named in layouts.MEMORY_FORMATS + layouts.LAYOUTS:
            setattr(self, named.name, named)
        factories = Factories(eng)
        for fname in _FACTORIES:
            setattr(self, fname, getattr(factories, fname))
        for fname in functional.__all__:
            if fname in _OPS:
                setattr(self, fname, getattr(functional, fname))
        for fname in outparams.NAMES:
            if fname in vars(self):
                setattr(self, fname, outparams.with_out(vars(self)[fname], fname))
        self._foreach_add_ = methods.foreach_add_
        self.no_grad = grad_mode.no_grad
        self.enable_grad = grad_mode.enable_grad
        self.set_grad_enabled = grad_mode.set_grad_enabled
        self.is_grad_enabled = grad_mode.is_grad_enabled
        self.inference_mode = grad_mode.inference_mode
        self.is_inference_mode_enabled = grad_mode.is_inference_mode_enabled
        self.set_printoptions = formatting.set_printoptions
        self.autograd = surface.Namespace(
            "torch.autograd", self, backward=autograd.backward, grad=autograd.grad,
            set_detect_anomaly=self.set_detect_anomaly, detect_anomaly=self.detect_anomaly,
            Function=function.Function, gradcheck=gradcheck.gradcheck, Variable=Variable,
            gradgradcheck=gradcheck.gradgradcheck,
            function=surface.Namespace(
                "torch.autograd.function", self, Function=function.Function,
                FunctionCtx=function.FunctionCtx, once_differentiable=function.once_differentiable),
            functional=surface.Namespace(
                "torch.autograd.functional", self,
                **{n: getattr(autograd_functional, n) for n in autograd_functional.__all__}),
        )
        functions.attach_methods(self, self.Tensor)  # x.log2(), p.multinomial(1), ...

    # -- dtypes ---------------------------------------------------------------------------------
    def get_default_dtype(self) -> dtypes.dtype:
        """The dtype of Python floats and of float factories (``torch.float32`` at start)."""
        return self.engine.public_dtype(self.engine.default_float)

    def set_default_dtype(self, d: Any) -> None:
        """Make ``d`` (float32 or float64, as PyTorch allows here) the default float dtype."""
        native = self.engine.dtype(d)
        if native not in (self.engine.float32, self.engine.float64):
            raise TypeError(f"only floating-point types are supported as the default type "
                            f"(float32 or float64), got {self.engine.public_dtype(native)}")
        self.engine.default_float = native

    def is_floating_point(self, t: Any) -> bool:
        """Whether ``t`` has a floating dtype."""
        return self.engine.is_floating(t._data.dtype)

    def finfo(self, d: Any = None) -> dtypes.finfo:
        """Limits of a floating dtype (the default dtype when none is given)."""
        eng = self.engine
        native = eng.default_float if d is None else eng.dtype(d)
        return dtypes.finfo(eng.host.numpy, eng.public_dtype(native))

    def iinfo(self, d: Any) -> dtypes.iinfo:
        """Limits of an integer dtype."""
        return dtypes.iinfo(self.engine.host.numpy, self.engine.public_dtype(self.engine.dtype(d)))

    # -- protocol gaps ------------------------------------------------------------------------
    def classify_error(self, exc: BaseException) -> type[errors.AutogradError] | None:
        """The error kind of ``exc`` (the engine raises gradspec's classes itself)."""
        return errors.classify(exc)

    def to_numpy(self, t: Any) -> Any:
        """A host numpy array with ``t``'s values."""
        return self.engine.to_host(t._data if hasattr(t, "_data") else t)

    def _rename_grad_fn(self, t: Any, name: str) -> None:
        """Show ``t.grad_fn`` as PyTorch's node ``name`` (for functions gradspec composes: see
        `gradspec.graph_names`)."""
        node_module.rename(t._grad_fn, name)

    def is_tensor(self, obj: Any) -> bool:
        """Whether ``obj`` is a tensor of this backend."""
        return isinstance(obj, self.Tensor)

    def __getattr__(self, name: str) -> Any:
        # Only names the object lacks arrive here: outside the surface.
        if name.startswith("__"):
            raise AttributeError(name)
        raise surface.not_in_surface("torch", name, self, surface.surface_names())

    # -- debugging ----------------------------------------------------------------------------
    def set_detect_anomaly(self, mode: bool, check_nan: bool = True) -> "set_detect_anomaly":
        """Anomaly mode: record where each node is created, show it when a backward step fails,
        and (``check_nan``) fail a backward step that returns NaN.  Off by default.  Set at
        once; used as ``with torch.autograd.set_detect_anomaly(True):`` the block's end
        restores the previous setting, as in PyTorch."""
        return set_detect_anomaly(self.engine, mode, check_nan)

    def is_anomaly_enabled(self) -> bool:
        """Whether anomaly mode is on."""
        return self.engine.anomaly

    def is_anomaly_check_nan_enabled(self) -> bool:
        """Whether anomaly mode fails a backward step that returns NaN."""
        return self.engine.check_nan

    @contextlib.contextmanager
    def detect_anomaly(self, check_nan: bool = True) -> Iterator[None]:
        """Anomaly mode inside the block (the previous setting is restored after it); warns,
        as PyTorch's, that it slows everything down."""
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=3)
        prev = (self.engine.anomaly, self.engine.check_nan)
        self.set_detect_anomaly(True, check_nan)
        try:
            yield
        finally:
            self.engine.anomaly, self.engine.check_nan = prev

    def __repr__(self) -> str:
        return f"<gradspec backend {self.name} {self.version} on {self.device}>"


class set_detect_anomaly:  # noqa: N801  (PyTorch's class name: scripts print and check it)
    """What ``torch.autograd.set_detect_anomaly(mode)`` returns: the mode is already set; as a
    context manager, leaving the block restores the setting from before."""

    def __init__(self, engine: Any, mode: bool, check_nan: bool = True) -> None:
        self._engine = engine
        self._prev = (engine.anomaly, engine.check_nan)
        engine.anomaly, engine.check_nan = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> bool:
        self._engine.anomaly, self._engine.check_nan = self._prev
        return False


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
