"""The surface: the names every backend object has, so that it can be the ``torch`` of a program.

``torch = gradspec.load_backend(NAME)`` gives one object with one surface on every backend:

* the op catalogue (`gradspec.ops`) and the torch-level names in `NAMES` (factories, dtypes,
  devices, grad mode, ``autograd``), which the backend provides itself;
* ``nn``, ``optim``, ``utils``, ``save`` and ``load``: gradspec's own modules, written once
  against the protocol, *bound* to that backend by `bind` when the registry loads it.  A
  third party's backend gets them without writing any nn code.

Binding costs nothing per op: the backend's ops stay plain attributes; ``backend.nn`` is a
`BoundNamespace` that resolves each name once.  A class that declares ``_bound_backend``
(`gradspec.nn.Module` and its subclasses, ``DataLoader``) is reached through a bound namespace
as a subclass whose ``_bound_backend`` is that backend: ``torch.nn.Linear(2, 1)`` creates its
parameters on ``torch``'s backend, and a model class written as ``class Net(torch.nn.Module)``
inherits the binding.  A function marked with `takes_backend` gets ``backend=`` filled in.

A name outside the surface raises an ``AttributeError`` that names it and the backend and
suggests the nearest name (`not_in_surface`).
"""

from __future__ import annotations

import contextvars
import copyreg
import difflib
import functools
import importlib
import math
import types
from typing import Any, Callable

__all__ = [
    "BOUND", "INSTEAD", "NAMES", "BoundNamespace", "Namespace", "bind", "bound_class",
    "constructing_backend", "missing_names", "not_in_surface", "surface_names", "takes_backend",
]

#: Torch-level names a backend provides itself (besides the op catalogue), with what they are.
NAMES: dict[str, str] = {
    # identity (gradspec.protocol.Backend)
    "name": "the backend's name", "version": "the backend's version",
    "device": "where tensors live (a string), and torch.device",
    "capabilities": "optional features it implements", "Tensor": "the tensor class",
    "classify_error": "the error kind of an exception", "to_numpy": "a tensor's values on the host",
    "__version__": "the version, as torch.__version__",
    # factories
    "tensor": "a tensor from data", "as_tensor": "a tensor sharing data where it can",
    "from_numpy": "a tensor sharing a numpy array", "zeros": "zeros", "ones": "ones",
    "empty": "uninitialised (zeros here)", "full": "filled with a value",
    "zeros_like": "zeros shaped like a tensor", "ones_like": "ones shaped like a tensor",
    "empty_like": "empty shaped like a tensor", "full_like": "a value, shaped like a tensor",
    "arange": "a range", "linspace": "evenly spaced values", "eye": "an identity matrix",
    # random numbers
    "manual_seed": "seed the backend's generator", "initial_seed": "the seed in use",
    "Generator": "a generator of its own", "randn": "standard normal samples",
    "rand": "uniform samples in [0, 1)", "randn_like": "randn shaped like a tensor",
    "rand_like": "rand shaped like a tensor", "randint": "uniform integers",
    "randperm": "a random permutation", "normal": "normal samples",
    "seed": "seed the generator from a non-deterministic source",
    "get_rng_state": "the generator's state (a uint8 tensor)",
    "set_rng_state": "continue from a state get_rng_state returned",
    # dtypes
    "dtype": "the dtype class", "float32": "dtype", "float": "float32", "float64": "dtype",
    "double": "float64", "float16": "dtype", "half": "float16", "int64": "dtype",
    "long": "int64", "int32": "dtype", "int": "int32", "int16": "dtype", "short": "int16",
    "int8": "dtype", "uint8": "dtype", "bool": "dtype",
    "bfloat16": "dtype (named on the engine's backends, whose array libraries lack it: making "
                "a tensor of it says so)",
    "get_default_dtype": "the dtype of Python floats and float factories",
    "set_default_dtype": "change it (float32 or float64)", "finfo": "float limits",
    "iinfo": "integer limits", "is_floating_point": "whether a tensor is floating point",
    "is_tensor": "whether an object is a tensor of this backend", "Size": "the shape type",
    # devices
    "cuda": "torch.cuda: is_available(), device_count(), manual_seed()",
    "backends": "torch.backends: the cudnn, cuda.matmul and mps flags scripts set (kept; "
                "gradspec's engines use neither cuDNN nor TF32)",
    "set_num_threads": "the array library's BLAS threads (through threadpoolctl)",
    "get_num_threads": "the BLAS threads in use",
    # grad mode and autograd
    "no_grad": "context: record nothing", "enable_grad": "context: record",
    "set_grad_enabled": "switch recording", "is_grad_enabled": "whether recording",
    "inference_mode": "context: no_grad for inference",
    "is_inference_mode_enabled": "whether inside inference_mode", "autograd": "backward, grad, anomaly, Function (custom ops), functional (jacobian, hessian, "
                "vjp, jvp, vhp, hvp), gradcheck and gradgradcheck",
    "is_anomaly_enabled": "whether anomaly mode is on",
    "is_anomaly_check_nan_enabled": "whether anomaly mode checks NaN",
    # constants
    "pi": "math.pi", "e": "math.e", "inf": "float('inf')", "nan": "float('nan')",
    "newaxis": "None, for indexing (x[:, torch.newaxis])",
    # PyTorch's legacy tensor types (torch.FloatTensor([1, 2]), isinstance(t, torch.LongTensor))
    **{name: f"legacy constructor and type test of {dt} tensors"
       for dt, name in (("float32", "FloatTensor"), ("float64", "DoubleTensor"),
                        ("float16", "HalfTensor"), ("int64", "LongTensor"),
                        ("int32", "IntTensor"), ("int16", "ShortTensor"), ("int8", "CharTensor"),
                        ("uint8", "ByteTensor"), ("bool", "BoolTensor"))},
    # statistics and printing
    "std_mean": "(std, mean) over dims, as one call", "var_mean": "(var, mean) over dims",
    "cdist": "p-norm distances between the rows of two batches of vectors",
    "set_printoptions": "precision, threshold, edgeitems, linewidth, sci_mode of tensor printing",
    "return_types": "the named tuples results come as (torch.return_types.max, .sort, ...)",
    # mixed precision (gradspec.amp)
    "autocast": "torch.amp.autocast: a region that keeps dtypes here (see gradspec.amp)",
    "is_autocast_enabled": "whether an enabled autocast region is active",
    "cpu": "torch.cpu: amp (autocast, GradScaler), is_available()",
}

#: What `bind` attaches: gradspec's modules bound to the backend.
BOUND: dict[str, str] = {
    "nn": "gradspec.nn (layers create parameters on this backend)",
    "optim": "gradspec.optim (with optim.lr_scheduler)",
    "utils": "gradspec.utils (utils.data: Dataset, DataLoader, random_split)",
    "distributions": "gradspec.distributions (Normal, Categorical, ...: sample, log_prob, "
                     "entropy, kl_divergence)",
    "amp": "gradspec.amp (autocast, which keeps dtypes here, and GradScaler)",
    "func": "gradspec.func (grad, vjp, jacrev, jacfwd, hessian, vmap, functional_call)",
    "testing": "gradspec.testing (assert_close, make_tensor)",
    "jit": "gradspec.jit (script and trace give back the model, run eagerly; is_scripting())",
    "save": "gradspec.save (loadable on every backend)",
    "load": "gradspec.load (tensors come back on this backend)",
}

#: What to write for a torch name the surface lacks, where the surface has a way to do it.
INSTEAD: dict[str, str] = {
    "poisson": "torch.distributions.Poisson(rates).sample()",
}

_MODULES = {"nn": "gradspec.nn", "optim": "gradspec.optim", "utils": "gradspec.utils",
            "distributions": "gradspec.distributions", "amp": "gradspec.amp",
            "func": "gradspec.func", "testing": "gradspec.testing", "jit": "gradspec.jit"}


def surface_names() -> list[str]:
    """Every top-level name of the surface: `NAMES`, `BOUND`, the catalogue's ops (a dotted
    op name contributes its namespace, e.g. ``linalg``) and the composed functions
    (`gradspec.functions`)."""
    from .functions import FUNCTIONS
    from .ops import CATALOGUE

    ops = {op.name.split(".")[0] for op in CATALOGUE}
    composed = {name.split(".")[0] for name in FUNCTIONS}
    return sorted(set(NAMES) | set(BOUND) | ops | composed)


def missing_names(backend: Any) -> list[str]:
    """Names of the surface (catalogue ops and composed functions, dotted ones included)
    ``backend`` lacks."""
    from .functions import FUNCTIONS
    from .ops import CATALOGUE

    dotted = [op.name for op in CATALOGUE] + list(FUNCTIONS)
    missing = [n for n in surface_names() if not _has(backend, n)]
    missing += [name for name in dotted if "." in name and not _has(backend, name)]
    return sorted(set(missing))


def _has(owner: Any, dotted: str) -> bool:
    for part in dotted.split("."):
        try:
            owner = getattr(owner, part)
        except AttributeError:
            return False
    return True


# ---------------------------------------------------------------------------------- errors
def not_in_surface(where: str, name: str, backend: Any, known: Any = ()) -> AttributeError:
    """The error for ``where.name`` (``torch.foo``, ``torch.nn.Foo``) missing on ``backend``:
    names both, and the nearest known name when there is one."""
    label = getattr(backend, "name", type(backend).__name__)
    if where == "torch" and name in NAMES:
        error = AttributeError(f"torch.{name} is part of gradspec's surface, but backend "
                               f"{label!r} does not provide it ({NAMES[name]})")
        error.name, error.obj = name, backend
        return error
    near = difflib.get_close_matches(name, [k for k in known if not k.startswith("_")
                                            and k != name], n=1)
    hint = f"; did you mean {where}.{near[0]}?" if near else ""
    if where == "torch" and name in INSTEAD:
        hint = f"; instead: {INSTEAD[name]}"
    extra = ""
    if label == "torch":
        extra = (" (load_backend('torch', passthrough=1) forwards such names to PyTorch, but "
                 "then the program runs on torch only)")
    error = AttributeError(f"{where}.{name} is not part of gradspec's surface (backend "
                           f"{label!r}){hint}{extra}")
    error.name, error.obj = name, backend
    return error


# ---------------------------------------------------------------------------------- binding
def takes_backend(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a function of a bound module as taking ``backend=``: reached through a backend
    (``torch.utils.data.random_split``) it gets that backend unless the caller gives one."""
    fn._takes_backend = True  # type: ignore[attr-defined]
    return fn


_BOUND_CLASSES: dict[tuple[type, int], type] = {}
_METACLASSES: dict[type, type] = {}


def bound_class(cls: type, backend: Any) -> type:
    """``cls`` bound to ``backend``: a subclass (same name, same module) whose
    ``_bound_backend`` is ``backend``.  One per class and backend, so ``isinstance`` and
    identity work as users expect; it pickles as "``cls`` bound to a backend of that name"."""
    key = (cls, id(backend))
    found = _BOUND_CLASSES.get(key)
    if found is None:
        meta = _bound_metaclass(type(cls))
        namespace = {"_bound_backend": backend, "__module__": cls.__module__,
                     "__qualname__": cls.__qualname__, "__doc__": cls.__doc__,
                     "_binding_of": cls}
        found = _BOUND_CLASSES[key] = meta(cls.__name__, (cls,), namespace)
    return found


_CONSTRUCTING: contextvars.ContextVar[Any] = contextvars.ContextVar("gradspec_constructing",
                                                                     default=None)


def constructing_backend() -> Any:
    """The backend of the bound class whose instance is being built (None outside), so that a
    layer built inside another (a Linear inside ``torch.nn.TransformerEncoderLayer``, a layer of
    ``class Net(torch.nn.Module)``) lands on the same backend even when it is created from
    ``gradspec.nn`` directly."""
    return _CONSTRUCTING.get()


def _construct(cls: type, *args: Any, **kwargs: Any) -> Any:
    token = _CONSTRUCTING.set(cls._bound_backend)
    try:
        return type.__call__(cls, *args, **kwargs)
    finally:
        _CONSTRUCTING.reset(token)


def _bound_metaclass(base: type) -> type:
    meta = _METACLASSES.get(base)
    if meta is None:
        # A bound class answers isinstance and issubclass as the class it binds:
        # torch.nn.Linear(1, 1) is an instance of the bound Linear, a subclass of gradspec's
        # Linear and never of the bound Module, yet PyTorch code expects a torch.nn.Module
        # (a user's own subclass of a bound class keeps the metaclass's usual answer).
        def instancecheck(cls: type, obj: Any) -> bool:
            plain = cls.__dict__.get("_binding_of")
            return isinstance(obj, plain) if plain is not None else base.__instancecheck__(
                cls, obj)

        def subclasscheck(cls: type, sub: type) -> bool:
            plain = cls.__dict__.get("_binding_of")
            return issubclass(sub, plain) if plain is not None else base.__subclasscheck__(
                cls, sub)

        meta = _METACLASSES[base] = type(f"Bound{base.__name__.title()}", (base,),
                                         {"__call__": _construct,
                                          "__instancecheck__": instancecheck,
                                          "__subclasscheck__": subclasscheck})
        copyreg.pickle(meta, _reduce_bound_class)
    return meta


def _reduce_bound_class(cls: type) -> Any:
    if cls.__dict__.get("_binding_of") is None:  # a user's subclass: pickled by reference
        return cls.__qualname__
    backend = cls.__dict__["_bound_backend"]
    return (_rebind, (cls.__dict__["_binding_of"], getattr(backend, "name", "")))


def _rebind(cls: type, backend_name: str) -> type:
    """Unpickling a bound class: bound to the backend `gradspec.load` is loading onto, else to
    the backend of the same name."""
    from .plugins import load_backend
    from .serialization import loading_backend

    backend = loading_backend() or load_backend(backend_name or None)
    return bound_class(cls, backend)


def _bound_function(fn: Callable[..., Any], backend: Any) -> Callable[..., Any]:
    @functools.wraps(fn)
    def bound(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("backend") is None:
            kwargs["backend"] = backend
        return fn(*args, **kwargs)

    return bound


class Namespace(types.SimpleNamespace):
    """A namespace of a backend (``torch.autograd``, ``torch.cuda``): its members, and the
    surface's error for anything else."""

    def __init__(self, where: str, backend: Any, **members: Any) -> None:
        super().__init__(**members)
        object.__setattr__(self, "_where", where)
        object.__setattr__(self, "_backend", backend)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_where", "_backend"):
            raise AttributeError(name)
        raise not_in_surface(self._where, name, self._backend, vars(self))

    def __repr__(self) -> str:
        label = getattr(self._backend, "name", "?")
        return f"<namespace {self._where} of backend {label!r}>"


class BoundNamespace(types.ModuleType):
    """A gradspec module (``gradspec.nn``, ``gradspec.optim``, ...) bound to one backend:
    ``backend.nn``.  Its public names (the module's ``__all__`` and its submodules) resolve once,
    on first use; classes that follow a backend come back bound to this one."""

    def __init__(self, source: types.ModuleType, backend: Any, where: str) -> None:
        super().__init__(where, source.__doc__)
        self.__dict__["_source"] = source
        self.__dict__["_backend"] = backend

    def _public(self) -> set[str]:
        source = self.__dict__["_source"]
        names = set(getattr(source, "__all__", ()))
        names |= {n for n, v in vars(source).items()
                  if isinstance(v, types.ModuleType) and v.__name__ == f"{source.__name__}.{n}"}
        return names

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        source, backend = self.__dict__["_source"], self.__dict__["_backend"]
        value = _MISSING
        if name in self._public():
            value = getattr(source, name)
        elif name.startswith("_") and callable(getattr(source, name, None)):
            # a private class or function library code imports as it does PyTorch's
            # (``from torch.nn.modules.batchnorm import _BatchNorm``)
            value = getattr(source, name)
        elif not name.startswith("_") and hasattr(source, "__path__"):
            try:  # a submodule not imported yet (gradspec.optim.lr_scheduler)
                value = importlib.import_module(f"{source.__name__}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{source.__name__}.{name}":
                    raise
        if value is _MISSING:
            raise not_in_surface(self.__name__, name, backend, self._public())
        value = _bind_value(value, backend, f"{self.__name__}.{name}", source)
        self.__dict__[name] = value
        return value

    def __dir__(self) -> list[str]:
        return sorted(self._public() | set(self.__dict__) - {"_source", "_backend"})

    def __repr__(self) -> str:
        source, backend = self.__dict__["_source"], self.__dict__["_backend"]
        return (f"<module {self.__name__!r}: {source.__name__} bound to backend "
                f"{getattr(backend, 'name', '?')!r}>")


_MISSING = object()


def _bind_value(value: Any, backend: Any, where: str, source: types.ModuleType) -> Any:
    if isinstance(value, types.ModuleType):
        if value.__name__.startswith("gradspec."):
            return BoundNamespace(value, backend, where)
        return value
    if isinstance(value, type) and hasattr(value, "_bound_backend"):
        return bound_class(value, backend)
    if callable(value) and getattr(value, "_takes_backend", False):
        return _bound_function(value, backend)
    return value


def bind(backend: Any, where: str = "torch") -> Any:
    """Attach the bound modules (`BOUND`), the generic helpers a backend lacks
    (``__version__``, ``is_tensor``, ``is_floating_point``, ``cuda``, ``randperm``,
    ``get_default_dtype``, ``std_mean``, ``var_mean``, ``cdist``; ``device`` made callable)
    and the composed functions it lacks (`gradspec.functions`: ``hstack``, ``meshgrid``,
    ``nan_to_num``, ...) to ``backend``; returns it.

    Called by `gradspec.load_backend` for every backend it loads, third parties' included.
    """
    from . import functions, serialization
    from .devices import BackendDevice
    from .versions import VersionInfo, torch_version
    from .functions import FUNCTIONS

    for attr, module in _MODULES.items():
        setattr(backend, attr, BoundNamespace(importlib.import_module(module), backend,
                                              f"{where}.{attr}"))
    setattr(backend, "save", serialization.save)
    setattr(backend, "load", _bound_function(serialization.load, backend))
    device = getattr(backend, "device", "cpu")
    if type(device) is str:
        backend.device = BackendDevice(device)
    defaults: dict[str, Callable[[], Any]] = {
        "__version__": lambda: torch_version(backend),
        "is_tensor": lambda: (lambda obj: isinstance(obj, backend.Tensor)),
        "is_floating_point": lambda: (lambda t: bool(t.is_floating_point())),
        "get_default_dtype": lambda: (lambda: backend.float32),
        "randperm": lambda: functools.partial(_randperm, backend),
        "cuda": lambda: _cuda(backend, where),
        "backends": lambda: _backends(backend, where),
        "set_num_threads": lambda: set_num_threads,
        "get_num_threads": lambda: get_num_threads,
        "std_mean": lambda: functools.partial(_moments, backend, "std"),
        "var_mean": lambda: functools.partial(_moments, backend, "var"),
        "cdist": lambda: functools.partial(_cdist, backend),
        "autocast": lambda: _amp().autocast,
        "is_autocast_enabled": lambda: _amp().is_autocast_enabled,
        "cpu": lambda: _cpu(backend, where),
        "return_types": lambda: Namespace(f"{where}.return_types", backend,
                                          **importlib.import_module("gradspec.return_types").TYPES),
        "pi": lambda: math.pi, "e": lambda: math.e, "inf": lambda: math.inf,
        "nan": lambda: math.nan, "newaxis": lambda: None,
    }
    for attr, make in defaults.items():
        if not _own(backend, attr):
            setattr(backend, attr, make())
    own = getattr(backend, "version", None)
    if isinstance(own, str):  # torch.version.cuda and kin, on the protocol's version string
        backend.version = VersionInfo(str(own), str(backend.__version__),
                                      getattr(backend, "cuda_version", None))
    for dtype_name, attr in LEGACY_TYPES.items():
        if not _own(backend, attr) and _own(backend, dtype_name):
            setattr(backend, attr, _legacy_type(backend, attr, getattr(backend, dtype_name)))
    for attr in FUNCTIONS:  # composed of the catalogue's ops, where the backend has no own
        if "." in attr:
            if not _has(backend, attr):
                _attach(backend, attr, functions.bound(backend, attr), where)
        elif not _own(backend, attr):
            setattr(backend, attr, functions.bound(backend, attr))
    return backend


def _attach(backend: Any, dotted: str, fn: Callable[..., Any], where: str) -> None:
    """Set ``backend.<space>.<name>`` for ``dotted`` = "space.name".  The sub-namespace becomes
    this backend's own `Namespace` first (keeping its members): a backend module's namespace
    (the engine's ``linalg``) may be shared by several backends, and a function bound to one
    backend must not appear on another."""
    space, name = dotted.split(".")
    inner = getattr(backend, space, None)
    if not (isinstance(inner, Namespace) and inner._backend is backend):
        members = {} if inner is None else {k: v for k, v in vars(inner).items()
                                            if not k.startswith("_")}
        inner = Namespace(f"{where}.{space}", backend, **members)
        setattr(backend, space, inner)
    setattr(inner, name, fn)


#: dtype -> PyTorch's legacy tensor type of it
LEGACY_TYPES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
                "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
                "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}


class LegacyTensorType(type):
    """The class of ``torch.FloatTensor`` and its kin: calling one builds a tensor of its dtype
    (``FloatTensor([1, 2])`` from data, ``FloatTensor(2, 3)`` of a shape, zero-filled here
    where PyTorch leaves it uninitialised), and ``isinstance(t, torch.FloatTensor)`` tests a
    tensor's dtype, as in PyTorch."""

    dtype: Any
    backend: Any

    def __call__(cls, *args: Any, device: Any = None) -> Any:
        backend = cls.backend
        if not args:
            return backend.tensor([], dtype=cls.dtype)
        sizes = args[0] if len(args) == 1 and type(args[0]).__name__ == "Size" else args
        if all(isinstance(n, int) and not isinstance(n, bool) for n in sizes) and (
                len(args) > 1 or sizes is not args):
            return backend.zeros(*sizes, dtype=cls.dtype)
        if len(args) == 1 and isinstance(args[0], int) and not isinstance(args[0], bool):
            return backend.zeros(args[0], dtype=cls.dtype)
        if len(args) == 1:
            data = args[0]
            if isinstance(data, backend.Tensor):
                return data.to(cls.dtype)
            return backend.tensor(data, dtype=cls.dtype)
        raise TypeError(f"{cls.__name__}() takes data (a list or tensor) or sizes (ints), got "
                        f"{', '.join(type(a).__name__ for a in args)}")

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, cls.backend.Tensor) and obj.dtype == cls.dtype

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


def _legacy_type(backend: Any, name: str, dtype: Any) -> type:
    return LegacyTensorType(name, (), {"dtype": dtype, "backend": backend,
                                       "__doc__": f"PyTorch's legacy {name}: tensors of {dtype}."})


def _cuda(backend: Any, where: str) -> Namespace:
    """``torch.cuda`` for a backend: CUDA is "available" when the backend keeps its tensors on
    a CUDA device; seeding it seeds the backend there, and is a no-op elsewhere (as PyTorch's
    is on a machine without CUDA), as are ``empty_cache`` and ``synchronize``; the memory
    counters read 0 (gradspec does not count a device's memory)."""
    on_cuda = str(backend.device).startswith("cuda")

    def manual_seed(seed: int) -> None:
        if on_cuda:
            backend.manual_seed(seed)

    def seed() -> None:
        if on_cuda:
            backend.seed()

    def current_device() -> int:
        if not on_cuda:  # PyTorch's CPU build says so too (an AssertionError)
            raise AssertionError("Torch not compiled with CUDA enabled (backend "
                                 f"{backend.name!r} keeps its tensors on {backend.device})")
        return 0

    def get_device_name(device: Any = None) -> str:
        current_device()
        return str(backend.device)

    def no_memory(device: Any = None) -> int:
        return 0  # (what PyTorch reports before anything was allocated on the device)

    return Namespace(f"{where}.cuda", backend, is_available=lambda: on_cuda,
                     is_initialized=lambda: on_cuda,
                     device_count=lambda: int(on_cuda), manual_seed=manual_seed,
                     manual_seed_all=manual_seed, seed=seed, seed_all=seed,
                     current_device=current_device, get_device_name=get_device_name,
                     synchronize=lambda device=None: None,
                     empty_cache=lambda: None, memory_allocated=no_memory,
                     max_memory_allocated=no_memory, memory_reserved=no_memory,
                     max_memory_reserved=no_memory,
                     reset_peak_memory_stats=lambda device=None: None,
                     is_bf16_supported=lambda including_emulation=True: False,
                     amp=_device_amp(backend, f"{where}.cuda.amp", "cuda"))


def _amp() -> Any:
    return importlib.import_module("gradspec.amp")


def _device_amp(backend: Any, where: str, device: str) -> Namespace:
    """``torch.cuda.amp`` / ``torch.cpu.amp``: autocast and GradScaler for that device."""
    amp = _amp()
    from . import notices

    def deprecated(name: str) -> None:  # PyTorch's notice for these device-specific spellings
        notices.warn(f"`torch.{device}.amp.{name}(args...)` is deprecated. Please use "
                     f"`torch.amp.{name}('{device}', args...)` instead.", FutureWarning)

    def autocast(enabled: bool = True, dtype: Any = None, cache_enabled: bool = True) -> Any:
        deprecated("autocast")
        return amp.autocast(device, dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

    def grad_scaler(init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                    backoff_factor: float = 0.5, growth_interval: int = 2000,
                    enabled: bool = True) -> Any:
        deprecated("GradScaler")
        return backend.amp.GradScaler(device, init_scale, growth_factor, backoff_factor,
                                      growth_interval, enabled)

    return Namespace(where, backend, autocast=autocast, GradScaler=grad_scaler,
                     custom_fwd=amp.custom_fwd, custom_bwd=amp.custom_bwd)


def _cpu(backend: Any, where: str) -> Namespace:
    """``torch.cpu``: its amp, and is_available() (always True)."""
    return Namespace(f"{where}.cpu", backend, is_available=lambda: True,
                     amp=_device_amp(backend, f"{where}.cpu.amp", "cpu"),
                     synchronize=lambda device=None: None)


def _backends(backend: Any, where: str) -> Namespace:
    """``torch.backends`` for a backend: the flags scripts set as boilerplate
    (``cudnn.benchmark``, ``cudnn.deterministic``, ``cuda.matmul.allow_tf32``) with PyTorch's
    defaults.  They are kept, so a script reads back what it set, and change nothing: the
    engines call no cuDNN and compute in the dtype they are given."""
    cudnn = Namespace(f"{where}.backends.cudnn", backend, enabled=True, benchmark=False,
                      deterministic=False, allow_tf32=True, is_available=lambda: False,
                      version=lambda: None)
    matmul = Namespace(f"{where}.backends.cuda.matmul", backend, allow_tf32=False)
    cuda = Namespace(f"{where}.backends.cuda", backend, matmul=matmul, is_built=lambda: False)
    mps = Namespace(f"{where}.backends.mps", backend, is_available=lambda: False,
                    is_built=lambda: False)
    return Namespace(f"{where}.backends", backend, cudnn=cudnn, cuda=cuda, mps=mps)


_THREADS: list[int] = []  # the count set last (threads are the process's, not a backend's)


def set_num_threads(n: int) -> None:
    """Limit the threads of the array library's BLAS to ``n`` (PyTorch's intra-op threads),
    for the whole process, through threadpoolctl; without threadpoolctl it warns that it can
    change nothing."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads expects a positive int, got {n!r}")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        import warnings

        warnings.warn("gradspec: set_num_threads changes nothing without threadpoolctl "
                      "(pip install threadpoolctl), which limits numpy's BLAS threads",
                      RuntimeWarning, stacklevel=2)
    else:
        threadpool_limits(limits=n)  # stays in force: not used as a context manager
    _THREADS[:] = [n]


def get_num_threads() -> int:
    """The threads set by `set_num_threads`, else the most any loaded BLAS uses (threadpoolctl),
    else the machine's CPU count."""
    if _THREADS:
        return _THREADS[0]
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        import os

        return os.cpu_count() or 1
    counts = [int(lib.get("num_threads") or 0) for lib in threadpool_info()]
    return max(counts, default=0) or 1


def _moments(backend: Any, spread: str, input: Any, *args: Any, **kwargs: Any) -> tuple:
    """``(std, mean)`` or ``(var, mean)`` from the backend's ``std``/``var`` and ``mean`` (for
    backends without ``std_mean``/``var_mean``): PyTorch's arguments, ``dim`` positional or
    not, ``unbiased`` (a bool) or ``correction``, ``keepdim``."""
    first = getattr(backend, spread)(input, *args, **kwargs)
    dim = kwargs.get("dim", kwargs.get("axis"))
    keepdim = kwargs.get("keepdim", kwargs.get("keepdims", False))
    if args and not isinstance(args[0], bool):  # (dim[, unbiased[, keepdim]])
        dim = args[0]
        if len(args) > 2:
            keepdim = args[2]
    if dim is None:
        dim = tuple(range(input.dim()))
    from .graph_names import shown_as

    # PyTorch's one node of both results, by name (two nodes here)
    name = "StdMeanBackward0" if spread == "std" else "VarMeanBackward0"
    return (shown_as(first, name, input),
            shown_as(input.mean(dim=dim, keepdim=bool(keepdim)), name, input))


def _cdist(backend: Any, x1: Any, x2: Any, p: float = 2.0, compute_mode: Any = None) -> Any:
    """`_cdist_values`, shown as PyTorch's one node."""
    from .graph_names import shown_as

    return shown_as(_cdist_values(backend, x1, x2, p, compute_mode), "CdistBackward0", x1, x2)


def _cdist_values(backend: Any, x1: Any, x2: Any, p: float = 2.0,
                  compute_mode: Any = None) -> Any:
    """The ``p``-norm distances between the rows of ``x1`` (..., P, M) and of ``x2``
    (..., R, M), a (..., P, R) tensor, from protocol ops (for backends without ``cdist``).

    As PyTorch's: batch dims broadcast, a zero distance (or, for ``p < 1``, a zero coordinate
    difference) has gradient 0, ``p=0`` counts differing coordinates (no gradient).
    ``compute_mode`` is accepted for PyTorch's signature; the direct formula is always used."""
    if x1.dim() < 2 or x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D, "
                           f"X2 got: {x2.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1.shape[-1]} X2: {x2.shape[-1]}")
    if not (x1.is_floating_point() and x2.is_floating_point()) or x1.dtype != x2.dtype:
        raise RuntimeError(f"cdist only supports floating-point dtypes of one kind, X1 got: "
                           f"{x1.dtype}, X2 got: {x2.dtype}")
    p = float(p)
    if not p >= 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    if p == 0:  # a count: in the graph (as PyTorch's), with gradient 0
        return (diff != 0).to(x1.dtype).sum(-1) + (diff * 0).sum(-1)
    if p == float("inf"):
        return diff.abs().amax(-1)
    if p == 1:
        return diff.abs().sum(-1)
    magnitude = diff.abs()
    if p == 2:
        total = (diff * diff).sum(-1)
    else:
        # |d| ** p has an infinite derivative at d = 0 for p < 1: take it where d != 0 only
        flat = magnitude == 0
        total = backend.where(flat, magnitude * 0,
                              backend.where(flat, magnitude + 1, magnitude) ** p).sum(-1)
    # the root's derivative is infinite at 0: evaluate it away from 0, where the result is 0
    zero = total == 0
    safe = backend.where(zero, total + 1, total)
    root = safe.sqrt() if p == 2 else safe ** (1.0 / p)
    return backend.where(zero, total * 0, root)


def _own(backend: Any, attr: str) -> bool:
    """Whether ``backend`` defines ``attr`` itself (its ``__getattr__`` refusals do not count)."""
    try:
        getattr(backend, attr)
    except AttributeError:
        return False
    return True


def _randperm(backend: Any, n: int, generator: Any = None, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Any:
    """A random permutation from the protocol's ``rand`` (for backends without ``randperm``)."""
    keys = backend.rand(n).tolist()
    order = sorted(range(n), key=keys.__getitem__)
    return backend.tensor(order, dtype=dtype or backend.int64)
