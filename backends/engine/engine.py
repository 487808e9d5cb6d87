"""An engine instance: the engine's code bound to one array namespace.

The engine never imports an array library.  A backend plugin builds it from

* ``xp``: an array namespace following the Python array API standard;
* a `Host`: how to move arrays to and from host numpy (conversion, printing, random
  numbers: the standard has no random number generator), and optional native fast paths
  (``scatter_add``, ``index_put``) for namespaces that have them.

Everything namespace-specific the engine needs goes through these two objects, so a new
namespace needs a plugin, never a change to the engine.
"""

from __future__ import annotations

import builtins
import contextlib
import numbers
import os
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

import gradspec
from gradspec.devices import device
from gradspec.errors import SCALAR_TYPE_NAMES, NoCudaError

from .core import HERE as ENGINE_FOLDER
from .dtypes import dtype
from .tensor import Tensor


@dataclass
class Host:
    """What a plugin supplies besides the array namespace."""

    to_numpy: Callable[[Any], Any]  # xp array -> numpy.ndarray (a copy where the data is elsewhere)
    from_numpy: Callable[[Any], Any]  # numpy.ndarray -> xp array (may share memory)
    rng: Any  # an object with seed(n), normal(shape, dtype_name), uniform(shape, dtype_name)
    device: str = "cpu"
    scatter_add: Callable[[Any, Any, Any], None] | None = None  # (flat target, positions, values)
    index_put: Callable[[Any, Any, Any], None] | None = None  # (target, native key, values)
    # (flat target, positions, values), each value combined into its position in place:
    # numpy's np.maximum.at and kin; without them the engine selects into a one-hot grid
    scatter_max: Callable[[Any, Any, Any], None] | None = None
    scatter_min: Callable[[Any, Any, Any], None] | None = None
    scatter_mul: Callable[[Any, Any, Any], None] | None = None
    numpy: Any = None  # the numpy module, for converting Python data
    # xp array -> the same values in C (row-major) order: the array itself when it already is.
    # The standard has no memory layout; this is how cat, stack and contiguous() give PyTorch's
    # contiguous results (so a view() of them works).  None: layouts are left as they come.
    c_order: Callable[[Any], Any] | None = None
    # (context variable, value): where the namespace keeps its floating-point error handling,
    # and the value under which it computes inf and NaN without warnings (numpy 2's errstate
    # state).  PyTorch is silent there; the engine sets it around each backward walk and the
    # forward of node classes marked ``quiet``, never per cheap arithmetic op.  None: the
    # namespace never warns (CuPy), or keeps that state where no variable reaches it.
    quiet: tuple[Any, Any] | None = None
    # (g, keep, inplace) -> ``where(keep, g, 0)`` exactly, for a floating ``g`` and a boolean
    # ``keep`` of its shape, written into ``g`` when ``inplace`` (`_hosts.keep_bits`): ReLU's
    # backward in one pass.  None: the engine calls the namespace's ``where``.
    keep: Callable[[Any, Any, bool], Any] | None = None
    extra: dict = field(default_factory=dict)


class _Quiet:
    """`Engine.quiet`'s context: the host's state variable set to its silent value."""

    __slots__ = ("var", "value", "token")

    def __init__(self, var: Any, value: Any) -> None:
        self.var = var
        self.value = value

    def __enter__(self) -> None:
        self.token = self.var.set(self.value)

    def __exit__(self, *exc: Any) -> None:
        self.var.reset(self.token)


class Engine:
    """The engine bound to ``xp``: dtype policy, conversions, and the raw backward namespace."""

    def __init__(self, xp: Any, host: Host, name: str) -> None:
        self.xp = xp
        self.host = host
        self.ext = host
        self.name = name
        self.device = host.device
        #: the host's floating-point state variable and its silent value (`Host.quiet`)
        self.quiet_var, self.quiet_value = host.quiet if host.quiet is not None else (None, None)
        self.float32 = xp.float32
        self.float64 = xp.float64
        self.float16 = getattr(xp, "float16", None)
        self.int64 = xp.int64
        self.int32 = xp.int32
        self.int16 = xp.int16
        self.int8 = xp.int8
        self.uint8 = xp.uint8
        self.bool = xp.bool
        self._kinds: dict[Any, str] = {}
        self._int_bounds: dict[Any, tuple[int, int]] = {}  # integer dtype -> (min, max)
        self._names: dict[Any, str] = {}
        #: the dtypes users see (``torch.float32``), by name and by the namespace's dtype
        self.dtypes: dict[str, dtype] = {}
        self._public: dict[Any, dtype] = {}
        for dname in ("float16", "float32", "float64", "int8", "int16", "int32", "int64",
                      "uint8", "bool"):
            dt = getattr(xp, dname, None)
            if dt is not None:
                arrays = xp.zeros((0,), dtype=dt).dtype  # numpy: dtype('float32'), not float32
                public = self.dtypes[dname] = dtype(dname, arrays)
                for key in (dt, arrays, public):
                    self._public[key] = public
                    self._names[key] = dname
        #: the dtype of Python floats and of float factories (``torch.set_default_dtype``)
        self.default_float = self.float32
        #: ``x.device``: where this engine keeps its tensors, as a device object
        self.device_obj = device(host.device)
        #: Python floats as 0-d arrays, by dtype and value (tensor._constant)
        self.constants: dict[Any, dict[float, Any]] = {}
        self.anomaly = False  # anomaly mode: record where nodes are created (apply._finish)
        self.check_nan = True  # ... and fail a backward step that returns NaN
        # printed as PyTorch prints its tensor class, <class 'torch.Tensor'>: it is the Tensor
        # of the namespace a program calls torch (torch = gradspec.load_backend(...))
        self.Tensor = type("Tensor", (Tensor,), {"__slots__": (), "_xp": xp, "_eng": self,
                                                  "__module__": "torch"})
        from .methods import attach

        attach(self.Tensor)  # PyTorch's methods, on this engine's class (the base may be compiled)
        from .rawf import RawF

        self.raw_F = RawF(self)

    def quiet(self) -> Any:
        """A context in which the namespace computes inf and NaN without warnings (nothing
        where the host has no `Host.quiet`)."""
        if self.quiet_var is None:
            return contextlib.nullcontext()
        return _Quiet(self.quiet_var, self.quiet_value)

    # -------------------------------------------------------------- dtypes
    def kind(self, dtype: Any) -> str:
        k = self._kinds.get(dtype)
        if k is None:
            key, dtype = dtype, self.dtype(dtype)  # a user-facing dtype: the namespace's
            xp = self.xp
            if xp.isdtype(dtype, "bool"):
                k = "b"
            elif xp.isdtype(dtype, "integral"):
                k = "i"
            elif xp.isdtype(dtype, "real floating"):
                k = "f"
            else:
                k = "c"
            self._kinds[key] = self._kinds[dtype] = k
        return k

    def is_floating(self, dtype: Any) -> bool:
        return self.kind(dtype) == "f"

    def is_integer(self, dtype: Any) -> bool:
        return self.kind(dtype) == "i"

    def is_bool(self, dtype: Any) -> bool:
        return self.kind(dtype) == "b"

    def dtype_name(self, dtype: Any) -> str:
        return self._names.get(dtype, str(dtype))

    def scalar_type_name(self, dtype: Any) -> str:
        """PyTorch's C++ name of ``dtype`` (``Long`` for int64, ``Float`` for float32), the
        word its error messages use."""
        name = self.dtype_name(dtype)
        return SCALAR_TYPE_NAMES.get(name, name.capitalize())

    def public_dtype(self, native: Any) -> dtype:
        """The user-facing dtype (``torch.float32``) of a dtype of this namespace."""
        try:
            return self._public[native]
        except KeyError:
            raise TypeError(f"{native!r} is not a dtype of backend {self.name!r}") from None

    def dtype(self, spec: Any) -> Any:
        """A dtype of this namespace from a user-facing dtype, the namespace's own, a name
        (``"float32"``, ``"torch.float32"``), or a Python type (``float`` is float64, as in
        PyTorch)."""
        if type(spec) is dtype:
            native = spec.native
            if native is None:  # a dtype the namespace lacks (bfloat16)
                raise TypeError(f"{spec} is not available on backend {self.name!r} (its array "
                                "library has no such type); use torch.float32 or float16")
            return native
        if spec is builtins.float:
            return self.float64
        if spec is builtins.int:
            return self.int64
        if spec is builtins.bool:
            return self.bool
        if isinstance(spec, str):
            found = self.dtypes.get(spec.removeprefix("torch."))
            if found is None:
                raise TypeError(f"unknown dtype {spec!r}; backend {self.name!r} has "
                                f"{', '.join(self.dtypes)}")
            return found.native
        if spec in self._names:
            return spec
        name = getattr(spec, "name", None) or str(spec)
        found = getattr(self.xp, str(name).replace("torch.", ""), None)
        if found is None:
            raise TypeError(f"{spec!r} is not a dtype of backend {self.name!r}")
        return found

    def result_dtype(self, *dtypes: Any) -> Any:
        """PyTorch's promotion: floats win over integers, integers over bool."""
        out = dtypes[0]
        for dt in dtypes[1:]:
            if dt == out:
                continue
            ko, kd = self.kind(out), self.kind(dt)
            if ko == kd:
                out = self.xp.result_type(out, dt)
            elif "fib".index(kd) < "fib".index(ko):
                out = dt
        return out

    def promote(self, a: Any, b: Any, ta: bool, tb: bool) -> tuple[Any, Any]:
        """Cast raw operands so that every namespace accepts them, with PyTorch's results."""
        if ta and tb:
            da, db = a.dtype, b.dtype
            if da == db:
                return a, b
            ka, kb = self.kind(da), self.kind(db)
            if ka == kb:
                # same kind: a 0-d tensor takes a dimensioned one's dtype (PyTorch's rule), else
                # the namespace promotes (f32 + f64 -> f64)
                if a.ndim == 0 and b.ndim:
                    return self.xp.astype(a, db), b
                if b.ndim == 0 and a.ndim:
                    return a, self.xp.astype(b, da)
                return a, b
            if "fib".index(ka) < "fib".index(kb):
                return a, self.xp.astype(b, da)
            return self.xp.astype(a, db), b
        arr, scalar = (a, b) if ta else (b, a)
        if type(scalar) is builtins.float and self._kinds.get(arr.dtype) == "f":
            return a, b  # the common case, a float array and a Python float: nothing to cast
        if type(scalar) not in _PYTHON_NUMBERS and type(scalar).__module__ == "numpy" and (
                type(scalar).__name__ != "ndarray"):
            # numpy's scalars (np.float64(2.0), np.sqrt(d)) act as Python numbers do, as in
            # PyTorch: float32 * np.float64 stays float32 (a 0-d ndarray is an array there)
            scalar = scalar.item()
        if not isinstance(scalar, (builtins.int, builtins.float, numbers.Number)) and not hasattr(
                scalar, "shape"):  # numbers and raw arrays are constants; lists, strings are not
            raise TypeError(f"an operand is a {type(scalar).__name__}; ops take tensors or Python "
                            "numbers: convert it with torch.tensor(...)")
        kind = self.kind(arr.dtype)
        if isinstance(scalar, builtins.bool):
            scalar = int(scalar) if kind != "b" else scalar
        if isinstance(scalar, builtins.float) and kind != "f":
            arr = self.xp.astype(arr, self.default_float)
        elif isinstance(scalar, builtins.int) and not isinstance(scalar, builtins.bool) and kind == "b":
            arr = self.xp.astype(arr, self.int64)
        elif kind in "iu" and isinstance(scalar, builtins.int):
            scalar = self.wrap_int(scalar, arr.dtype)
        return (arr, scalar) if ta else (scalar, arr)

    def wrap_int(self, value: int, dtype: Any) -> int:
        """A Python integer as an integer tensor's dtype holds it: wrapped around when out of
        range, as PyTorch casts it (uint8 - 1 adds 255; numpy refuses -1 for uint8)."""
        bounds = self._int_bounds.get(dtype)
        if bounds is None:
            info = self.xp.iinfo(dtype)
            bounds = self._int_bounds[dtype] = (int(info.min), int(info.max))
        lo, hi = bounds
        if lo <= value <= hi:
            return value
        return (value - lo) % (hi - lo + 1) + lo

    # -------------------------------------------------------------- conversions
    def asarray(self, data: Any, dtype: Any = None) -> Any:
        """An array from Python data, numpy arrays, tensors or arrays, with PyTorch's defaults
        (Python floats become float32)."""
        xp = self.xp
        if isinstance(data, Tensor):
            arr = data._data
            if dtype is None:
                return arr
            with self.quiet():
                return xp.astype(arr, self.dtype(dtype))
        if hasattr(data, "__array_namespace__") and data.__array_namespace__() is xp:
            arr = data
        elif type(data).__module__ == "numpy" and hasattr(data, "dtype"):
            arr = self.host.from_numpy(data)
        else:
            # numpy values in a list keep their dtypes (PyTorch's inference), Python numbers
            # take the defaults
            listed = dtype is None and isinstance(data, (list, tuple))
            data = _plain(data)
            np = self.host.numpy
            try:
                host = np.asarray(data)
            except ValueError:
                if isinstance(data, (list, tuple)):
                    _check_nesting(data)
                raise
            if host.dtype == np.uint64 or (host.dtype == object and _too_big(data)):
                # a Python integer beyond int64 (numpy would wrap it, or keep an object)
                raise ValueError("Overflow when unpacking long long: integers must fit in "
                                 "int64 (-2**63 to 2**63 - 1); give floats for larger values")
            if host.dtype.kind not in "biuf":
                raise TypeError(
                    f"can't build a tensor from {type(data).__name__} data of numpy dtype "
                    f"{host.dtype}: give numbers, nested sequences of numbers, or arrays")
            typed = _list_dtype(np, data, self.dtype_name(self.default_float)) if listed else None
            if typed is not None:
                host = host.astype(typed)
            elif host.dtype == np.float64 and dtype is None:
                with self.quiet():  # 1e300 becomes inf in float32, silently as in PyTorch
                    host = host.astype(self.dtype_name(self.default_float))
            elif host.dtype.kind in "iu" and dtype is None:
                host = host.astype(np.int64)
            arr = self.host.from_numpy(host)
        if dtype is not None:
            dt = self.dtype(dtype)
            if arr.dtype != dt:
                with self.quiet():
                    arr = xp.astype(arr, dt)
        return arr

    def copy(self, a: Any) -> Any:
        return self.xp.asarray(a, copy=True)

    def c_order(self, a: Any) -> Any:
        """``a`` in C order (itself when it already is, or when the host cannot tell)."""
        fn = self.host.c_order
        return a if fn is None else fn(a)

    def cast_like(self, value: Any, target: Any) -> Any:
        if hasattr(value, "dtype") and value.dtype != target.dtype:
            return self.xp.astype(value, target.dtype)
        return value

    def to_host(self, a: Any) -> Any:
        return self.host.to_numpy(a)

    def item(self, a: Any) -> Any:
        return self.to_host(a).item()  # (a host array of one element, of any shape)

    def tolist(self, a: Any) -> Any:
        return self.to_host(a).tolist()

    def check_device(self, where: Any) -> None:
        """Refuse a device other than this engine's (``None`` means "this one")."""
        if where is None or where is self.device_obj:
            return
        if isinstance(where, int) and not isinstance(where, bool):
            where = f"cuda:{where}"
        name = str(where)
        if name != self.device and not (name == "cuda" and self.device.startswith("cuda")) \
                and not (name == "cpu:0" and self.device == "cpu"):
            device(name)  # a malformed device string gets PyTorch's error
            if self.device == "cpu" and name.startswith("cuda"):  # PyTorch's CPU build's words
                raise NoCudaError(
                    f"Torch not compiled with CUDA enabled (backend {self.name!r} keeps tensors "
                    f"on cpu; for {name}, load a GPU backend: gradspec.load_backend('cupy'))")
            raise RuntimeError(
                f"backend {self.name!r} keeps tensors on {self.device}; moving them to {name} is "
                "not supported (load another backend for that device)")

    # -------------------------------------------------------------- anomaly mode
    def anomaly_trace(self) -> list:
        """The caller's stack (frames inside the engine left out): where a node is created.
        Compiled, the engine's own functions have no frames at all; as Python, the filter drops
        them (this one included).  Under ``gradspec exec`` the runner's frames above the
        script (the CLI, click, the runner) are left out too, as ``python script.py`` has none."""
        stack = traceback.extract_stack()
        start = 0
        for i, frame in enumerate(stack):
            if frame.filename == _RUNNER:
                start = i + 1
        return [f for f in stack[start:] if not f.filename.startswith(_ENGINE_DIR)]


# the engine's folder (core.py always runs as Python: its __file__ is there, not in _compiled/)
_ENGINE_DIR = ENGINE_FOLDER + os.sep
# the module that runs scripts for `gradspec exec` (its frame calls the script's code)
_RUNNER = os.path.join(os.path.dirname(os.path.abspath(gradspec.__file__)), "scripts.py")


_PYTHON_NUMBERS = (builtins.int, builtins.float, builtins.bool)


def _list_dtype(np: Any, data: list, default_float: str) -> Any:
    """PyTorch's dtype for a list holding numpy values (or tensors, now numpy scalars): their
    dtypes promoted together; Python floats beside them make it at least the default float,
    Python ints at least int64, as Python numbers join tensors in arithmetic.  None for a list
    of Python numbers only (the defaults apply)."""
    typed: list = []
    kinds = set()

    def walk(items: Any) -> None:
        for x in items:
            if isinstance(x, (list, tuple)):
                walk(x)
            elif type(x).__module__ == "numpy":
                typed.append(x.dtype)
            elif isinstance(x, builtins.bool):
                kinds.add("b")
            elif isinstance(x, builtins.int):
                kinds.add("i")
            elif isinstance(x, builtins.float):
                kinds.add("f")

    walk(data)
    if not typed:
        return None
    result = np.result_type(*typed)
    if "f" in kinds and result.kind not in "fc":
        return np.dtype(default_float)
    if "i" in kinds and result.kind == "b":
        return np.dtype(np.int64)
    return result


def _too_big(data: Any) -> bool:
    """Whether nested Python data holds an integer outside int64."""
    if isinstance(data, (list, tuple)):
        return builtins.any(_too_big(d) for d in data)
    return type(data) is int and not -2**63 <= data < 2**63


def _plain(data: Any, nested: bool = False) -> Any:
    """Nested sequences of numbers.  A tensor inside a sequence stands for one number, as in
    PyTorch (``torch.tensor([t1, t2])`` of one-element tensors is a vector), kept as a numpy
    scalar of its dtype so the dtype counts."""
    if isinstance(data, Tensor):
        if not nested:
            return data.tolist()
        if data.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars; "
                             "to join tensors use torch.stack or torch.cat")
        return data.detach().numpy().reshape(-1)[0]
    if isinstance(data, (list, tuple)):
        return [_plain(d, True) for d in data]
    return data


def _check_nesting(data: Any) -> None:
    """Raise PyTorch's error for ragged nested sequences (numpy's words say "inhomogeneous"):
    the shape is read along the first elements, and every sequence must match it."""
    shape = []
    item = data
    while isinstance(item, (list, tuple)):
        shape.append(len(item))
        if not item:
            break
        item = item[0]

    def walk(seq: Any, dim: int) -> None:
        if len(seq) != shape[dim]:
            raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got "
                             f"{len(seq)}): every row of nested data must have the same length")
        for element in seq:
            if dim + 1 < len(shape):
                if not isinstance(element, (list, tuple)):
                    raise TypeError(f"not a sequence: {element!r} where dim {dim + 1} expects a "
                                    f"sequence of length {shape[dim + 1]}")
                walk(element, dim + 1)

    walk(data, 0)
