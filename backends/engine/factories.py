"""Creating tensors: PyTorch's factories, with PyTorch's default dtypes (the default dtype,
float32 unless ``set_default_dtype`` changed it, for floats; int64 for integers).  Random numbers
come from the backend's seeded generator (``Host.rng``) or a `Generator` passed as
``generator=``."""

from __future__ import annotations

import copy
import math
from typing import Any

from gradspec import layouts, notices

from .tensor import Tensor


def _size(size: tuple) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, bool) or not isinstance(s, int):
            try:
                s = int(s.__index__())
            except (AttributeError, TypeError):
                raise TypeError(f"sizes must be integers, got {type(s).__name__}") from None
        if s < 0:
            raise RuntimeError(f"negative dimension {s} is not allowed in a size")
        out.append(s)
    return tuple(out)


class Generator:
    """A random number generator of its own (``torch.Generator``): pass it as ``generator=`` to
    ``randn``, ``rand``, ``randint``, ``randperm``, ``normal`` or a ``DataLoader``."""

    def __init__(self, eng: Any, device: Any = None) -> None:
        eng.check_device(device)
        self._eng = eng
        self.device = eng.device_obj
        self._rng = copy.copy(eng.host.rng)  # the backend's kind of generator, its own state
        self._rng.seed(eng.host.rng.initial)

    def manual_seed(self, seed: int) -> "Generator":
        """Seed this generator; returns it (``g = Generator().manual_seed(0)``)."""
        self._rng.seed(int(seed))
        return self

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._rng.initial

    def seed(self) -> int:
        """Seed from a non-deterministic source; returns the seed."""
        import secrets

        value = secrets.randbits(63)
        self._rng.seed(value)
        return value

    @classmethod
    def _default(cls, eng: Any) -> "Generator":
        """The backend's own generator as a `Generator` (``torch.default_generator``, what
        ``manual_seed`` returns): it draws from the backend's state, not a copy."""
        g = cls.__new__(cls)
        g._eng, g.device, g._rng = eng, eng.device_obj, eng.host.rng
        return g

    def get_state(self) -> Any:
        """This generator's state, as a uint8 tensor (``Generator.get_state``)."""
        return self._eng.Tensor._wrap(self._eng.xp.asarray(_encode_state(self._rng),
                                                           dtype=self._eng.uint8))

    def set_state(self, new_state: Any) -> "Generator":
        """Continue from a state `get_state` returned; returns the generator."""
        _decode_state(self._rng, new_state)
        return self


def _encode_state(rng: Any) -> list:
    """The state of a host generator as the bytes of its JSON, for a uint8 tensor."""
    import json

    get = getattr(rng, "get_state", None)
    if get is None:
        raise NotImplementedError(f"this backend's generator ({type(rng).__name__}) cannot "
                                  "export its state; reseed with manual_seed to repeat draws")
    return list(json.dumps(get(), sort_keys=True).encode())


def _decode_state(rng: Any, state: Any) -> None:
    import json

    if not hasattr(state, "tolist") or getattr(state, "ndim", 1) != 1:
        raise TypeError(f"set_rng_state expects the uint8 tensor get_rng_state() returned, got "
                        f"{type(state).__name__}")
    try:
        decoded = json.loads(bytes(int(v) for v in state.tolist()).decode())
    except (ValueError, UnicodeDecodeError):
        raise RuntimeError("set_rng_state: these bytes are not a state get_rng_state() "
                           "returned") from None
    put = getattr(rng, "set_state", None)
    if put is None:
        raise NotImplementedError(f"this backend's generator ({type(rng).__name__}) cannot take "
                                  "a state; reseed with manual_seed to repeat draws")
    put(decoded)


def _generator_class(eng: Any) -> type:
    """``torch.Generator`` of one engine: a class, so that ``isinstance(g, torch.Generator)``
    and subclassing work as in PyTorch; ``torch.Generator(device=None)`` makes a new one."""

    def __init__(self: Generator, device: Any = None) -> None:
        Generator.__init__(self, eng, device)

    return type("Generator", (Generator,), {"__init__": __init__, "__doc__": Generator.__doc__,
                                            "__module__": Generator.__module__})


class Factories:
    """Factory functions bound to one engine (so their tensors are that engine's)."""

    def __init__(self, eng: Any) -> None:
        self.eng = eng
        self.T = eng.Tensor
        self.xp = eng.xp
        self.Generator = _generator_class(eng)

    def _leaf(self, data: Any, requires_grad: bool) -> Tensor:
        t = self.T._wrap(data)
        if requires_grad:
            t.requires_grad_(True)
        return t

    def _float_dtype(self, dtype: Any) -> Any:
        return self.eng.default_float if dtype is None else self.eng.dtype(dtype)

    def _rng(self, generator: Any) -> Any:
        if generator is None:
            return self.eng.host.rng
        if not isinstance(generator, Generator):
            raise TypeError(f"generator must be a Generator of backend {self.eng.name!r} "
                            f"(torch.Generator()), got {type(generator).__name__}")
        return generator._rng

    def tensor(self, data: Any, dtype: Any = None, device: Any = None,
               requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
        """A leaf tensor with a copy of ``data`` (floats: the default dtype; ints: int64)."""
        self.eng.check_device(device)
        if isinstance(data, Tensor):
            notices.warn(
                "To copy construct from a tensor, use t.detach().clone() rather than tensor(t)")
        arr = self.eng.asarray(data, dtype=dtype)
        if isinstance(data, Tensor) or hasattr(data, "__array_namespace__") or hasattr(data, "__array__"):
            arr = self.eng.copy(arr)  # tensor() always copies (from_numpy shares)
        return self._leaf(arr, requires_grad)

    def as_tensor(self, data: Any, dtype: Any = None, device: Any = None) -> Tensor:
        """``data`` as a tensor, without a copy when it already is one of the right dtype."""
        self.eng.check_device(device)
        if isinstance(data, Tensor) and (dtype is None or data.dtype == self.eng.dtype(dtype)):
            return data
        return self.T._wrap(self.eng.asarray(data, dtype=dtype))

    def from_numpy(self, array: Any) -> Tensor:
        """A tensor sharing memory with the numpy array (as PyTorch's)."""
        if any(s < 0 for s in getattr(array, "strides", ())):  # (a[::-1]) as PyTorch refuses
            raise ValueError("At least one stride in the given numpy array is negative, and "
                             "tensors with negative strides are not currently supported. (You "
                             "can probably work around this by making a copy of your array "
                             "with array.copy().)")
        return self.T._wrap(self.eng.host.from_numpy(array))

    def zeros(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
              layout: Any = None) -> Tensor:
        """A tensor of zeros (the default dtype unless ``dtype`` is given)."""
        self.eng.check_device(device)
        _check_layout("zeros", layout, None)
        return self._leaf(self.xp.zeros(_size(size), dtype=self._float_dtype(dtype)), requires_grad)

    def ones(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
             layout: Any = None) -> Tensor:
        """A tensor of ones (the default dtype unless ``dtype`` is given)."""
        self.eng.check_device(device)
        _check_layout("ones", layout, None)
        return self._leaf(self.xp.ones(_size(size), dtype=self._float_dtype(dtype)), requires_grad)

    def empty(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
              layout: Any = None, memory_format: Any = None, pin_memory: bool = False) -> Tensor:
        """Zeros (the engine never hands out uninitialised memory)."""
        _check_layout("empty", layout, memory_format)
        return self.zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    def full(self, size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
             requires_grad: bool = False, layout: Any = None) -> Tensor:
        """A tensor filled with ``fill_value`` (bool, int64 or the default dtype, from the value)."""
        self.eng.check_device(device)
        _check_layout("full", layout, None)
        if dtype is None:
            if isinstance(fill_value, bool):
                dtype = self.eng.bool
            elif isinstance(fill_value, int):
                dtype = self.eng.int64
            else:
                dtype = self.eng.default_float
        size = _size((size,) if isinstance(size, int) else tuple(size))
        return self._leaf(self.xp.full(size, fill_value, dtype=self.eng.dtype(dtype)), requires_grad)

    def _like(self, t: Tensor, dtype: Any) -> tuple[tuple[int, ...], Any]:
        return tuple(t.shape), (t._data.dtype if dtype is None else self.eng.dtype(dtype))

    def zeros_like(self, t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False,
                   layout: Any = None, memory_format: Any = None) -> Tensor:
        """Zeros with ``t``'s shape (and dtype unless given)."""
        self.eng.check_device(device)
        _check_layout("zeros_like", layout, memory_format)
        shape, dt = self._like(t, dtype)
        return self._leaf(self.xp.zeros(shape, dtype=dt), requires_grad)

    def ones_like(self, t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False,
                  layout: Any = None, memory_format: Any = None) -> Tensor:
        """Ones with ``t``'s shape (and dtype unless given)."""
        self.eng.check_device(device)
        _check_layout("ones_like", layout, memory_format)
        shape, dt = self._like(t, dtype)
        return self._leaf(self.xp.ones(shape, dtype=dt), requires_grad)

    def empty_like(self, t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False,
                   layout: Any = None, memory_format: Any = None) -> Tensor:
        """``zeros_like`` (the engine never hands out uninitialised memory)."""
        return self.zeros_like(t, dtype=dtype, device=device, requires_grad=requires_grad,
                               layout=layout, memory_format=memory_format)

    def full_like(self, t: Tensor, fill_value: Any, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False, layout: Any = None,
                  memory_format: Any = None) -> Tensor:
        """``fill_value`` everywhere, with ``t``'s shape (and dtype unless given)."""
        self.eng.check_device(device)
        _check_layout("full_like", layout, memory_format)
        shape, dt = self._like(t, dtype)
        return self._leaf(self.xp.full(shape, fill_value, dtype=dt), requires_grad)

    # -- random numbers ---------------------------------------------------------------------
    def manual_seed(self, seed: int) -> Generator:
        """Seed this backend's generator (randn, rand, normal, randint, nn initialisation);
        returns it, as a `Generator`, as PyTorch returns its default generator."""
        self.eng.host.rng.seed(int(seed))
        return self.Generator._default(self.eng)

    def initial_seed(self) -> int:
        """The seed the backend's generator was last seeded with."""
        return self.eng.host.rng.initial

    def seed(self) -> int:
        """Seed the backend's generator from a non-deterministic source; returns the seed."""
        import secrets

        value = secrets.randbits(63)
        self.eng.host.rng.seed(value)
        return value

    def get_rng_state(self) -> Tensor:
        """The backend generator's state, as a uint8 tensor (``torch.get_rng_state``): give it
        to `set_rng_state` to repeat the draws that follow."""
        return self._leaf(self.xp.asarray(_encode_state(self.eng.host.rng),
                                          dtype=self.eng.uint8), False)

    def set_rng_state(self, new_state: Any) -> None:
        """Continue the backend's generator from a state `get_rng_state` returned."""
        _decode_state(self.eng.host.rng, new_state)

    def randn(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
              generator: Any = None, layout: Any = None, pin_memory: bool = False) -> Tensor:
        """Samples of the standard normal distribution."""
        self.eng.check_device(device)
        _check_layout("randn", layout, None)
        dt = self._float_dtype(dtype)
        data = self._rng(generator).normal(_size(size), self.eng.dtype_name(dt))
        return self._leaf(data, requires_grad)

    def rand(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False,
             generator: Any = None, layout: Any = None, pin_memory: bool = False) -> Tensor:
        """Samples uniform in [0, 1)."""
        self.eng.check_device(device)
        _check_layout("rand", layout, None)
        dt = self._float_dtype(dtype)
        data = self._rng(generator).uniform(_size(size), self.eng.dtype_name(dt))
        return self._leaf(data, requires_grad)

    def randn_like(self, t: Tensor, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False, layout: Any = None,
                   memory_format: Any = None) -> Tensor:
        """``randn`` with ``t``'s shape (and dtype unless given)."""
        _check_layout("randn_like", layout, memory_format)
        return self.randn(tuple(t.shape), dtype=dtype or t._data.dtype, device=device,
                        requires_grad=requires_grad)

    def rand_like(self, t: Tensor, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False, layout: Any = None,
                  memory_format: Any = None) -> Tensor:
        """``rand`` with ``t``'s shape (and dtype unless given)."""
        _check_layout("rand_like", layout, memory_format)
        return self.rand(tuple(t.shape), dtype=dtype or t._data.dtype, device=device,
                        requires_grad=requires_grad)

    def randint(self, low: int, high: Any = None, size: Any = None, generator: Any = None,
                dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        """Integers uniform in [low, high): ``randint(high, size)`` or with ``low`` first."""
        self.eng.check_device(device)
        if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
            low, high, size = 0, low, high
        elif high is None:  # randint(high, size=...)
            low, high = 0, low
        if size is None:
            raise TypeError("randint() needs a size, e.g. randint(10, (3,))")
        if int(high) <= int(low):
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                               f">= to={high}")
        size = (size,) if isinstance(size, int) else tuple(size)
        data = self._rng(generator).integers(int(low), int(high), _size(size))
        dt = self.eng.int64 if dtype is None else self.eng.dtype(dtype)
        return self._leaf(self.xp.astype(data, dt), requires_grad)

    def randperm(self, n: int, generator: Any = None, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> Tensor:
        """A random permutation of ``0 .. n-1`` (int64 unless ``dtype`` says otherwise)."""
        self.eng.check_device(device)
        n = _size((n,))[0]
        keys = self._rng(generator).uniform((n,), "float64")  # the order of n uniform draws
        dt = self.eng.int64 if dtype is None else self.eng.dtype(dtype)
        return self._leaf(self.xp.astype(self.xp.argsort(keys), dt), requires_grad)

    def normal(self, mean: Any = 0.0, std: Any = 1.0, size: Any = None, generator: Any = None,
               dtype: Any = None, device: Any = None) -> Tensor:
        """Samples from N(mean, std**2).  Not differentiable in mean or std (PyTorch's gradient
        there is zero): the result is a leaf."""
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        if isinstance(mean, Tensor) or isinstance(std, Tensor):
            ref = mean if isinstance(mean, Tensor) else std
            shape = tuple(self.xp.broadcast_arrays(
                *(a for a in (m, s) if hasattr(a, "shape")))[0].shape) if size is None else _size(tuple(size))
            dt = ref._data.dtype
        else:
            if size is None:
                raise TypeError("normal(mean, std) with numbers needs size=...")
            shape = _size((size,) if isinstance(size, int) else tuple(size))
            dt = self._float_dtype(dtype)
        self.eng.check_device(device)
        z = self._rng(generator).normal(shape, self.eng.dtype_name(dt))
        return self.T._wrap(z * s + m)

    # -- ranges ---------------------------------------------------------------------------------
    def arange(self, start: Any, end: Any = None, step: Any = 1, dtype: Any = None,
               device: Any = None, requires_grad: bool = False) -> Tensor:
        """``start, start + step, ...`` below ``end`` (int64 for integers, else the default dtype)."""
        if end is None:
            start, end = 0, start
        # 0-d tensors and numpy scalars as the numbers they hold (a float one makes a float
        # range, as in PyTorch)
        start, end, step = (v.item() if hasattr(v, "item") and not isinstance(v, (int, float))
                            else v for v in (start, end, step))
        self.eng.check_device(device)
        floats = any(isinstance(v, float) for v in (start, end, step))
        if dtype is None:
            dtype = self.eng.default_float if floats else self.eng.int64
        dt = self.eng.dtype(dtype)
        if self.eng.is_bool(dt):
            raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
        if step == 0:
            raise RuntimeError("arange(): step must be nonzero")
        if (step > 0 and end < start) or (step < 0 and end > start):
            raise RuntimeError(f"arange(): upper bound and lower bound inconsistent with step "
                               f"sign (start={start}, end={end}, step={step})")
        if type(start) is int and type(end) is int and type(step) is int and dt == self.eng.int64:
            # integers: the namespace's own range is exact, without the float round trip
            return self._leaf(self.xp.arange(start, end, step, dtype=dt), requires_grad)
        if floats and not self.eng.is_floating(dt):
            return self._leaf(self._integer_range(start, end, step, dt), requires_grad)
        n = max(0, math.ceil((end - start) / step))
        data = self.xp.arange(n, dtype=self.eng.float64 if self.eng.is_floating(dt) else self.eng.int64)
        data = self.xp.astype(data * step + start, dt)
        return self._leaf(data, requires_grad)

    def _integer_range(self, start: float, end: float, step: float, dt: Any) -> Any:
        """arange of an integer dtype from float bounds, as PyTorch computes it: start and step
        truncated to integers; the length from the truncated bounds for int64, else from the
        given ones."""
        first, stride = int(start), int(step)
        if stride == 0:
            raise ValueError("step must be nonzero")
        if dt == self.eng.int64:
            sign = (stride > 0) - (stride < 0)
            span = int(end) - first + stride - sign
            n = abs(span) // abs(stride) * (1 if (span >= 0) == (stride > 0) else -1)
        else:
            n = math.ceil((end - start) / step)
        values = self.xp.arange(max(0, n), dtype=self.eng.int64) * stride + first
        return self.xp.astype(values, dt)

    def linspace(self, start: float, end: float, steps: int, dtype: Any = None,
                 device: Any = None, requires_grad: bool = False) -> Tensor:
        """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
        self.eng.check_device(device)
        dt = self._float_dtype(dtype)
        steps = int(steps)
        if steps < 0:
            raise RuntimeError("linspace(): number of steps must be non-negative")
        values = _torch_linspace(self.eng.host.numpy, float(start), float(end), steps,
                                 self.eng.dtype_name(dt))
        return self._leaf(self.xp.astype(self.eng.host.from_numpy(values), dt), requires_grad)

    def eye(self, n: int, m: int | None = None, dtype: Any = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
        """An identity matrix (``n`` by ``m``)."""
        self.eng.check_device(device)
        return self._leaf(self.xp.eye(n, m, dtype=self._float_dtype(dtype)), requires_grad)


def _torch_linspace(np: Any, start: float, end: float, steps: int, name: str) -> Any:
    """PyTorch's linspace, to the last bit: the step computed in the dtype, the first half
    counted up from ``start`` and the rest down from ``end``, each value one fused multiply-add
    (emulated in a wider float), so printed values agree (``linspace(-2, 2, 7)[3]`` is
    -5.96e-08 in PyTorch, not 0)."""
    kind = np.float64 if name == "float64" else np.float32
    wide = np.longdouble if kind is np.float64 else np.float64
    first, last = kind(start), kind(end)
    if steps == 1:
        return np.asarray([first], dtype=kind)
    step = kind((last - first) / kind(max(steps - 1, 1)))
    index = np.arange(steps)
    counted = index.astype(wide)
    up = wide(step) * counted + wide(first)
    down = wide(last) - wide(step) * (wide(steps - 1) - counted)
    return np.where(index < steps // 2, up, down).astype(kind)


def _check_layout(op: str, layout: Any, memory_format: Any) -> None:
    """PyTorch's type checks of the layout arguments; their values change nothing here (every
    tensor of the engine is dense and C-contiguous: see `gradspec.layouts`)."""
    if layout is not None and not isinstance(layout, layouts.layout):
        raise TypeError(f"{op}(): argument 'layout' must be torch.layout, not "
                        f"{type(layout).__name__}")
    if memory_format is not None and not isinstance(memory_format, layouts.memory_format):
        raise TypeError(f"{op}(): argument 'memory_format' must be torch.memory_format, not "
                        f"{type(memory_format).__name__}")
