"""The object ``gradspec.load_backend("mygrad")`` returns: MyGrad's functions under PyTorch's
names.

What MyGrad has no API for is an ``absent`` member (it raises ``gradspec.protocol.ApiAbsent``),
never an emulation: MyGrad has no ``autograd.grad``, no ``enable_grad`` or
``set_grad_enabled``, no tensor hooks, no version counters, no gradients of gradients.
"""

from __future__ import annotations

import re
from importlib import metadata
from typing import Any, Sequence

import mygrad as mg
import numpy as np

from gradspec import errors
from gradspec.protocol import absent

from .tensor import MaxMin, Tensor, _shape, call, result, unwrap

# MyGrad's exceptions and messages, by error kind (observed on MyGrad 2.5; matched loosely).
_MESSAGES: tuple[tuple[str, type[errors.AutogradError]], ...] = (
    (r"Integer-valued tensors must be treated as constants", errors.RequiresGradDtypeError),
    (r"partially-cleared graph|cleared graph", errors.GraphFreedError),
    (r"`grad` must (be|have) .*shape|shape .*gradient|gradient .*shape", errors.GradientShapeError),
    (r"read-only|writeable", errors.SavedTensorModifiedError),
)
_COMPILED = tuple((re.compile(p, re.S | re.I), kind) for p, kind in _MESSAGES)


class Autograd:
    """``backend.autograd``: MyGrad has one entry point, ``Tensor.backward``."""

    def backward(self, tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        if isinstance(tensors, (list, tuple)):
            if len(tensors) != 1:
                raise _absent("MyGrad backpropagates from one tensor at a time")
            tensors = tensors[0]
            if isinstance(grad_tensors, (list, tuple)) and len(grad_tensors) == 1:
                grad_tensors = grad_tensors[0]
        tensors.backward(grad_tensors, retain_graph=retain_graph, create_graph=create_graph,
                         inputs=inputs)

    grad = absent("MyGrad has no functional grad: gradients are read from .grad after "
                  "backward()")


class _Reentrant:
    """``no_grad()`` as PyTorch calls it (a fresh context each call) over MyGrad's one
    ``no_autodiff`` object, usable as a decorator too."""

    def __enter__(self) -> None:
        mg.no_autodiff.__enter__()

    def __exit__(self, *exc: Any) -> None:
        mg.no_autodiff.__exit__(*exc)

    def __call__(self, fn: Any) -> Any:
        return mg.no_autodiff(fn)


class MyGradBackend:
    """MyGrad under PyTorch's names (see the module docstring for what is absent)."""

    name = "mygrad"
    device = "cpu"
    # In-place ops exist (augmented and indexed assignment rewrite the graph); MyGrad has no
    # gradients of gradients, no hooks, no version counters, no backward(inputs=).
    capabilities = frozenset({"inplace", "inplace_views", "float64"})

    float32, float64, float16 = np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.float16)
    int64, int32, bool = np.dtype(np.int64), np.dtype(np.int32), np.dtype(np.bool_)
    float, double, long, int = float32, float64, int64, int32
    Tensor = Tensor

    def __init__(self) -> None:
        self.version = metadata.version("mygrad")
        self.autograd = Autograd()

    # -- factories -----------------------------------------------------------------------
    def tensor(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        if isinstance(data, Tensor):
            data = data._t.data
        return result(mg.tensor(unwrap(data), dtype=dtype, constant=not requires_grad))

    def _made(self, array: Any, dtype: Any, requires_grad: bool) -> Tensor:
        return result(mg.tensor(array, dtype=dtype, constant=not requires_grad, copy=False))

    def zeros(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return result(mg.zeros(_shape(size), **_dtype(dtype), constant=not requires_grad))

    def ones(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return result(mg.ones(_shape(size), **_dtype(dtype), constant=not requires_grad))

    def full(self, size: Any, fill_value: Any, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
        return result(mg.full(_shape((size,)), fill_value, dtype=dtype,
                              constant=not requires_grad))

    def zeros_like(self, t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return result(mg.zeros_like(unwrap(t), dtype=dtype, constant=not requires_grad))

    def ones_like(self, t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return result(mg.ones_like(unwrap(t), dtype=dtype, constant=not requires_grad))

    def randn(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return self._made(mg.random.randn(*_shape(size)).data, dtype, requires_grad)

    def rand(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return self._made(mg.random.rand(*_shape(size)).data, dtype, requires_grad)

    def normal(self, mean: Any, std: Any = 1.0, size: Any = None) -> Tensor:
        # MyGrad's random module is numpy's global generator; it has no normal() of its own
        mean = mean._t.data if isinstance(mean, Tensor) else mean
        std = std._t.data if isinstance(std, Tensor) else std
        return self._made(np.random.normal(mean, std, size), None, False)

    def linspace(self, start: float, end: float, steps: int, dtype: Any = None) -> Tensor:
        return result(mg.linspace(start, end, steps, dtype=dtype, constant=True))

    def arange(self, *args: Any, dtype: Any = None) -> Tensor:
        return result(mg.arange(*args, dtype=dtype, constant=True))

    def from_numpy(self, array: Any) -> Tensor:
        return result(mg.tensor(array, constant=True, copy=False))

    def manual_seed(self, seed: int) -> None:
        np.random.seed(seed)  # MyGrad's random functions draw from numpy's global generator

    # -- ops -----------------------------------------------------------------------------
    def add(self, a: Any, b: Any) -> Any: return call(mg.add, a, b)
    def sub(self, a: Any, b: Any) -> Any: return call(mg.subtract, a, b)
    def mul(self, a: Any, b: Any) -> Any: return call(mg.multiply, a, b)
    def div(self, a: Any, b: Any) -> Any: return call(mg.divide, a, b)
    def neg(self, a: Any) -> Any: return call(mg.negative, a)
    def pow(self, a: Any, b: Any) -> Any: return call(mg.power, a, b)
    def exp(self, a: Any) -> Any: return call(mg.exp, a)
    def log(self, a: Any) -> Any: return call(mg.log, a)
    def sqrt(self, a: Any) -> Any: return call(mg.sqrt, a)
    def abs(self, a: Any) -> Any: return call(mg.abs, a)
    def sin(self, a: Any) -> Any: return call(mg.sin, a)
    def cos(self, a: Any) -> Any: return call(mg.cos, a)
    def sign(self, a: Any) -> Any: return call(mg.sign, a)
    def tanh(self, a: Any) -> Any: return call(mg.tanh, a)
    def sigmoid(self, a: Any) -> Any: return call(mg.nnet.sigmoid, a)
    def relu(self, a: Any) -> Any: return call(mg.nnet.relu, a)
    def maximum(self, a: Any, b: Any) -> Any: return call(mg.maximum, a, b)
    def minimum(self, a: Any, b: Any) -> Any: return call(mg.minimum, a, b)

    def clamp(self, a: Any, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        return call(mg.clip, a, min, max)

    def max(self, a: Any, dim: int | None = None, keepdim: bool = False) -> Any:
        return a.max(dim, keepdim) if dim is not None else a.max()

    def min(self, a: Any, dim: int | None = None, keepdim: bool = False) -> Any:
        return a.min(dim, keepdim) if dim is not None else a.min()

    def sum(self, a: Any, dim: Any = None, keepdim: bool = False) -> Any:
        return call(mg.sum, a, axis=dim, keepdims=keepdim)

    def mean(self, a: Any, dim: Any = None, keepdim: bool = False) -> Any:
        return call(mg.mean, a, axis=dim, keepdims=keepdim)

    def matmul(self, a: Any, b: Any) -> Any: return call(mg.matmul, a, b)
    def mm(self, a: Any, b: Any) -> Any: return call(mg.matmul, a, b)

    def cat(self, tensors: Sequence[Any], dim: int = 0) -> Any:
        return call(mg.concatenate, list(tensors), axis=dim)

    def stack(self, tensors: Sequence[Any], dim: int = 0) -> Any:
        return call(mg.stack, list(tensors), axis=dim)

    def unsqueeze(self, a: Any, dim: int) -> Any: return call(mg.expand_dims, a, dim)
    def squeeze(self, a: Any, dim: int | None = None) -> Any: return call(mg.squeeze, a, axis=dim)
    def reshape(self, a: Any, *shape: Any) -> Any: return a.reshape(*shape)
    def transpose(self, a: Any, dim0: int, dim1: int) -> Any: return a.transpose(dim0, dim1)
    def permute(self, a: Any, dims: Any) -> Any: return a.permute(*dims)
    def t(self, a: Any) -> Any: return a.t()
    def flatten(self, a: Any) -> Any: return a.flatten()
    def clone(self, a: Any) -> Any: return a.clone()

    def where(self, condition: Any, a: Any, b: Any) -> Any:
        cond = condition._t.data if isinstance(condition, Tensor) else condition
        return call(mg.where, cond, a, b)

    def softmax(self, a: Any, dim: int) -> Any: return call(mg.nnet.softmax, a, axis=dim)
    def log_softmax(self, a: Any, dim: int) -> Any: return call(mg.nnet.logsoftmax, a, axis=dim)

    def linear(self, x: Any, weight: Any, bias: Any = None) -> Any:
        out = call(mg.matmul, x, call(mg.transpose, weight))
        return out if bias is None else out + bias

    def ge(self, a: Any, b: Any) -> Any: return a >= b
    def gt(self, a: Any, b: Any) -> Any: return a > b
    def le(self, a: Any, b: Any) -> Any: return a <= b
    def lt(self, a: Any, b: Any) -> Any: return a < b
    def eq(self, a: Any, b: Any) -> Any: return a == b
    def ne(self, a: Any, b: Any) -> Any: return a != b

    def is_tensor(self, obj: Any) -> bool:
        return isinstance(obj, Tensor)

    # -- grad mode -----------------------------------------------------------------------
    def no_grad(self) -> _Reentrant:
        return _Reentrant()

    enable_grad = absent("MyGrad has no enable_grad: no_autodiff cannot be undone inside it")
    set_grad_enabled = absent("MyGrad has no set_grad_enabled (only the no_autodiff context)")
    is_grad_enabled = absent("MyGrad has no public query of its grad mode")

    # -- what torch's namespace lacks ----------------------------------------------------
    def classify_error(self, exc: BaseException) -> type[errors.AutogradError] | None:
        kind = errors.classify(exc)
        if kind is not None:
            return kind
        text = f"{type(exc).__name__}: {exc}"
        for pattern, kind in _COMPILED:
            if pattern.search(text):
                return kind
        return None

    def to_numpy(self, t: Any) -> np.ndarray:
        return np.array(t._t.data) if isinstance(t, Tensor) else np.asarray(t)

    def __repr__(self) -> str:
        return f"<gradspec backend mygrad {self.version}>"


def _dtype(dtype: Any) -> dict[str, Any]:
    """``dtype=`` only when given: MyGrad's own default stays (float32 for zeros and ones)."""
    return {} if dtype is None else {"dtype": dtype}


def _absent(what: str) -> Exception:
    from gradspec.protocol import ApiAbsent

    return ApiAbsent(what)


__all__ = ["MaxMin", "MyGradBackend"]
