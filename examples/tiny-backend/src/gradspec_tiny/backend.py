"""The backend object: a ``torch``-like namespace over tiny's tensors.

gradspec code receives this object from ``gradspec.load_backend("tiny")`` and uses it the way
it would use the ``torch`` module.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy as np

from gradspec import errors

from . import autograd as _autograd
from . import ops
from .graph import GRAD_MODE
from .tensor import Tensor, _shape, apply, as_array, matmul

CAPABILITIES = frozenset({"float64", "backward_inputs"})


class _GradModeSwitch:
    """``with no_grad():``, ``@no_grad()`` and ``@no_grad`` (PyTorch allows all three)."""

    mode = False

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        switch = super().__new__(cls)
        return switch if func is None else switch(func)

    def __enter__(self) -> None:
        self.previous = GRAD_MODE.enabled
        GRAD_MODE.enabled = self.mode

    def __exit__(self, *exc: Any) -> None:
        GRAD_MODE.enabled = self.previous

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradModeSwitch):  # noqa: N801 - PyTorch's name
    mode = False


class enable_grad(_GradModeSwitch):  # noqa: N801 - PyTorch's name
    mode = True


class set_grad_enabled:  # noqa: N801 - PyTorch's name
    """Switches at once (a plain call); as a context manager it restores the old mode on exit."""

    def __init__(self, mode: bool) -> None:
        self.previous = GRAD_MODE.enabled
        GRAD_MODE.enabled = bool(mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: Any) -> None:
        GRAD_MODE.enabled = self.previous


class _Autograd:
    backward = staticmethod(_autograd.backward)
    grad = staticmethod(_autograd.grad)


def _dtype_of(data: np.ndarray) -> np.dtype:
    """PyTorch's defaults: Python floats become float32, ints int64; numpy arrays keep theirs."""
    kind = data.dtype.kind
    return np.dtype({"f": np.float32, "i": np.int64, "u": np.int64, "b": np.bool_}.get(kind, "f4"))


class TinyBackend:
    """tiny as gradspec sees it."""

    name = "tiny"
    device = "cpu"
    capabilities = CAPABILITIES
    Tensor = Tensor
    float32 = float = np.dtype(np.float32)
    float64 = double = np.dtype(np.float64)
    int64 = long = np.dtype(np.int64)
    int32 = int = np.dtype(np.int32)
    bool = np.dtype(np.bool_)
    autograd = _Autograd()
    no_grad, enable_grad, set_grad_enabled = no_grad, enable_grad, set_grad_enabled

    def __init__(self, version: str) -> None:
        self.version = version
        self.manual_seed(0)

    # ------------------------------------------------------------------------- factories
    def tensor(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        if isinstance(data, Tensor):
            data = data.data
        from_numpy = isinstance(data, (np.ndarray, np.generic))
        array = np.array(data)
        array = array.astype(dtype if dtype is not None else
                             array.dtype if from_numpy else _dtype_of(array))
        return Tensor(array).requires_grad_(requires_grad) if requires_grad else Tensor(array)

    def _make(self, array: np.ndarray, dtype: Any, requires_grad: bool) -> Tensor:
        return self.tensor(array, dtype=dtype or np.float32, requires_grad=requires_grad)

    def zeros(self, *size, dtype=None, requires_grad=False):
        return self._make(np.zeros(_shape(size)), dtype, requires_grad)

    def ones(self, *size, dtype=None, requires_grad=False):
        return self._make(np.ones(_shape(size)), dtype, requires_grad)

    def full(self, size, fill_value, dtype=None, requires_grad=False):
        array = np.full(_shape((size,)) if isinstance(size, int) else tuple(size), fill_value)
        return self._make(array, dtype or _dtype_of(array), requires_grad)

    def zeros_like(self, t, dtype=None, requires_grad=False):
        return self._make(np.zeros(t.shape), dtype or t.dtype, requires_grad)

    def ones_like(self, t, dtype=None, requires_grad=False):
        return self._make(np.ones(t.shape), dtype or t.dtype, requires_grad)

    def randn(self, *size, dtype=None, requires_grad=False):
        return self._make(self._rng.standard_normal(_shape(size)), dtype, requires_grad)

    def rand(self, *size, dtype=None, requires_grad=False):
        return self._make(self._rng.random(_shape(size)), dtype, requires_grad)

    def normal(self, mean: Any, std: Any = 1.0, size: Any = None) -> Tensor:
        mean_a, std_a = np.asarray(as_array(mean)), np.asarray(as_array(std))
        shape = tuple(size) if size is not None else np.broadcast_shapes(mean_a.shape, std_a.shape)
        dtype = mean_a.dtype if mean_a.dtype.kind == "f" else np.float32
        return Tensor((mean_a + std_a * self._rng.standard_normal(shape)).astype(dtype))

    def linspace(self, start, end, steps, dtype=None):
        return self._make(np.linspace(start, end, steps), dtype, False)

    def arange(self, *args, dtype=None):
        array = np.arange(*args)
        return self._make(array, dtype or _dtype_of(array), False)

    def from_numpy(self, array: np.ndarray) -> Tensor:
        return Tensor(array)  # shares memory

    def manual_seed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)  # numpy's PCG64

    # ------------------------------------------------------------------------ functions
    def add(self, a, b): return apply(ops.Add, a, b)
    def sub(self, a, b): return apply(ops.Sub, a, b)
    def mul(self, a, b): return apply(ops.Mul, a, b)
    def div(self, a, b): return apply(ops.Div, a, b)
    def pow(self, a, b): return apply(ops.Pow, a, b)
    def neg(self, a): return -a
    def exp(self, a): return a.exp()
    def log(self, a): return a.log()
    def sqrt(self, a): return a.sqrt()
    def abs(self, a): return a.abs()
    def sin(self, a): return a.sin()
    def cos(self, a): return a.cos()
    def sigmoid(self, a): return a.sigmoid()
    def tanh(self, a): return a.tanh()
    def relu(self, a): return a.relu()
    def clamp(self, a, min=None, max=None): return a.clamp(min, max)
    def softmax(self, a, dim): return a.softmax(dim)
    def log_softmax(self, a, dim): return a.log_softmax(dim)
    def maximum(self, a, b): return apply(ops.Maximum, a, b)
    def minimum(self, a, b): return apply(ops.Minimum, a, b)
    def max(self, a, dim=None, keepdim=False): return a.max(dim, keepdim)
    def min(self, a, dim=None, keepdim=False): return a.min(dim, keepdim)
    def sum(self, a, dim=None, keepdim=False): return a.sum(dim, keepdim)
    def mean(self, a, dim=None, keepdim=False): return a.mean(dim, keepdim)
    def matmul(self, a, b): return matmul(a, b)
    def mm(self, a, b): return matmul(a, b)
    def transpose(self, a, dim0, dim1): return a.transpose(dim0, dim1)
    def permute(self, a, dims): return a.permute(dims)
    def flatten(self, a): return a.flatten()
    def reshape(self, a, shape): return a.reshape(shape)
    def squeeze(self, a, dim=None): return a.squeeze(dim)
    def unsqueeze(self, a, dim): return a.unsqueeze(dim)
    def clone(self, a): return a.clone()

    def cat(self, tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
        return apply(ops.Cat, *tensors, dim=dim)

    def stack(self, tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
        return apply(ops.Stack, *tensors, dim=dim)

    def where(self, condition: Any, a: Any, b: Any) -> Tensor:
        return apply(ops.Where, a, b, condition=np.asarray(as_array(condition), dtype=bool))

    # ------------------------------------------------------------------------ grad mode
    def is_grad_enabled(self) -> bool:
        return GRAD_MODE.enabled

    # ---------------------------------------------------------- what torch's namespace lacks
    def classify_error(self, exc: BaseException) -> type | None:
        return errors.classify(exc)  # tiny raises gradspec's error classes itself

    def to_numpy(self, t: Tensor) -> np.ndarray:
        return np.array(t.data)

    def __repr__(self) -> str:
        return f"<gradspec backend tiny {self.version}>"
