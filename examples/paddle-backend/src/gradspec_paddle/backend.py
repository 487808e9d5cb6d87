"""The object ``gradspec.load_backend("paddle")`` returns: Paddle's functions under PyTorch's
names (``paddle.concat`` as ``cat``, ``paddle.grad`` as ``autograd.grad``, ``axis=`` for
``dim=``, ``stop_gradient`` for ``requires_grad``).  Nothing is emulated: what Paddle has no API
for raises ``gradspec.protocol.ApiAbsent``.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np
import paddle
import paddle.nn.functional as F

from gradspec import errors
from gradspec.protocol import ApiAbsent

from .tensor import Tensor, _shape, call, result, unwrap

# Paddle's messages, by error kind (observed on Paddle 3.3; matched loosely).
_MESSAGES: tuple[tuple[str, type[errors.AutogradError]], ...] = (
    (r"backward .*second time|has been released|been freed|retain_graph=True",
     errors.GraphFreedError),
    (r"[Ll]eaf Tensor .*(in-?place|inplace)|inplace .*leaf", errors.LeafInPlaceError),
    (r"inplace_version|modified by an inplace|inplace version", errors.SavedTensorModifiedError),
    (r"not used in the graph|unused|allow_unused", errors.UnusedInputError),
    (r"shape .*(does not match|mismatch|not equal)|(mismatch|does not match).* shape",
     errors.GradientShapeError),
    (r"stop_gradient=True|does not require grad|no grad|register hook on a tensor that stop "
     r"gradient", errors.NoGradPathError),
    (r"length of grad_tensors must be equal|must be equal to the length", errors.GradientCountError),
    (r"inputs cannot be empty", errors.EmptyInputsError),
)
_COMPILED = tuple((re.compile(p, re.S), kind) for p, kind in _MESSAGES)


class Autograd:
    """``backend.autograd``: ``paddle.autograd.backward`` and ``paddle.grad``."""

    def backward(self, tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        if create_graph:
            raise ApiAbsent("paddle.autograd.backward has no create_graph (paddle.grad has)")
        if inputs is not None:
            raise ApiAbsent("paddle.autograd.backward has no inputs= argument")
        paddle.autograd.backward(unwrap(_seq(tensors)),
                                 None if grad_tensors is None else unwrap(_seq(grad_tensors)),
                                 retain_graph=bool(retain_graph))

    def grad(self, outputs: Any, inputs: Any, grad_outputs: Any = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             allow_unused: bool = False) -> tuple[Any, ...]:
        grads = paddle.grad(unwrap(_seq(outputs)), unwrap(_seq(inputs)),
                            grad_outputs=None if grad_outputs is None else unwrap(_seq(grad_outputs)),
                            retain_graph=retain_graph, create_graph=create_graph,
                            allow_unused=allow_unused)
        return tuple(result(g) for g in grads)


def _seq(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


class PaddleBackend:
    """PaddlePaddle (CPU) under PyTorch's names."""

    name = "paddle"
    device = "cpu"
    # backward() has no create_graph (paddle.grad has), and backward has no inputs=.
    capabilities = frozenset({"create_graph", "hooks", "inplace", "version_counters",
                              "inplace_views", "float64"})

    float32, float64, float16 = paddle.float32, paddle.float64, paddle.float16
    int64, int32, bool = paddle.int64, paddle.int32, paddle.bool
    float, double, long, int = float32, float64, int64, int32
    Tensor = Tensor

    def __init__(self) -> None:
        paddle.set_device("cpu")
        self.version = paddle.__version__
        self.autograd = Autograd()

    # -- factories -----------------------------------------------------------------------
    @staticmethod
    def _leaf(native: Any, requires_grad: bool) -> Tensor:
        native.stop_gradient = not requires_grad
        return result(native)

    def tensor(self, data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        if isinstance(data, Tensor):
            data = data._t.numpy()
        return result(paddle.to_tensor(unwrap(data), dtype=dtype, stop_gradient=not requires_grad))

    def zeros(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return self._leaf(paddle.zeros(_shape(size), dtype=dtype), requires_grad)

    def ones(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return self._leaf(paddle.ones(_shape(size), dtype=dtype), requires_grad)

    def full(self, size: Any, fill_value: Any, dtype: Any = None,
             requires_grad: bool = False) -> Tensor:
        return self._leaf(paddle.full(_shape((size,)), fill_value, dtype=dtype), requires_grad)

    def zeros_like(self, t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return self._leaf(paddle.zeros_like(unwrap(t), dtype=dtype), requires_grad)

    def ones_like(self, t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return self._leaf(paddle.ones_like(unwrap(t), dtype=dtype), requires_grad)

    def randn(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return self._leaf(paddle.randn(_shape(size), dtype=dtype), requires_grad)

    def rand(self, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
        return self._leaf(paddle.rand(_shape(size), dtype=dtype), requires_grad)

    def normal(self, mean: Any, std: Any = 1.0, size: Any = None) -> Tensor:
        return call(paddle.normal, mean, std, None if size is None else _shape((size,)))

    def linspace(self, start: float, end: float, steps: int, dtype: Any = None) -> Tensor:
        return call(paddle.linspace, start, end, steps, dtype=dtype)

    def arange(self, *args: Any, dtype: Any = None) -> Tensor:
        return call(paddle.arange, *args, dtype=dtype)

    def from_numpy(self, array: Any) -> Tensor:
        return result(paddle.to_tensor(array))  # Paddle copies: it has no memory-sharing import

    def manual_seed(self, seed: int) -> Any:
        return paddle.seed(seed)

    # -- ops -----------------------------------------------------------------------------
    def add(self, a: Any, b: Any) -> Any: return call(paddle.add, *_tensors(a, b))
    def sub(self, a: Any, b: Any) -> Any: return call(paddle.subtract, *_tensors(a, b))
    def mul(self, a: Any, b: Any) -> Any: return call(paddle.multiply, *_tensors(a, b))
    def div(self, a: Any, b: Any) -> Any: return call(paddle.divide, *_tensors(a, b))
    def neg(self, a: Any) -> Any: return call(paddle.neg, a)
    def pow(self, a: Any, b: Any) -> Any:
        if not isinstance(a, Tensor):  # paddle.pow takes a tensor base: a number's power is **
            return result(unwrap(a) ** unwrap(b))
        return call(paddle.pow, a, b)
    def exp(self, a: Any) -> Any: return call(paddle.exp, a)
    def log(self, a: Any) -> Any: return call(paddle.log, a)
    def sqrt(self, a: Any) -> Any: return call(paddle.sqrt, a)
    def abs(self, a: Any) -> Any: return call(paddle.abs, a)
    def sin(self, a: Any) -> Any: return call(paddle.sin, a)
    def cos(self, a: Any) -> Any: return call(paddle.cos, a)
    def sign(self, a: Any) -> Any: return call(paddle.sign, a)
    def tanh(self, a: Any) -> Any: return call(paddle.tanh, a)
    def sigmoid(self, a: Any) -> Any: return call(F.sigmoid, a)
    def relu(self, a: Any) -> Any: return call(F.relu, a)
    def maximum(self, a: Any, b: Any) -> Any: return call(paddle.maximum, a, b)
    def minimum(self, a: Any, b: Any) -> Any: return call(paddle.minimum, a, b)

    def clamp(self, a: Any, min: Any = None, max: Any = None) -> Any:  # noqa: A002
        return call(paddle.clip, a, min, max)

    def max(self, a: Any, dim: int | None = None, keepdim: bool = False) -> Any:
        return a.max(dim, keepdim) if dim is not None else a.max()

    def min(self, a: Any, dim: int | None = None, keepdim: bool = False) -> Any:
        return a.min(dim, keepdim) if dim is not None else a.min()

    def sum(self, a: Any, dim: Any = None, keepdim: bool = False) -> Any:
        return call(paddle.sum, a, axis=dim, keepdim=keepdim)

    def mean(self, a: Any, dim: Any = None, keepdim: bool = False) -> Any:
        return call(paddle.mean, a, axis=dim, keepdim=keepdim)

    def matmul(self, a: Any, b: Any) -> Any: return call(paddle.matmul, a, b)
    def mm(self, a: Any, b: Any) -> Any: return call(paddle.mm, a, b)

    def cat(self, tensors: Sequence[Any], dim: int = 0) -> Any:
        return call(paddle.concat, list(tensors), axis=dim)

    def stack(self, tensors: Sequence[Any], dim: int = 0) -> Any:
        return call(paddle.stack, list(tensors), axis=dim)

    def unsqueeze(self, a: Any, dim: int) -> Any: return call(paddle.unsqueeze, a, dim)
    def squeeze(self, a: Any, dim: int | None = None) -> Any: return call(paddle.squeeze, a, dim)
    def reshape(self, a: Any, *shape: Any) -> Any: return a.reshape(*shape)
    def transpose(self, a: Any, dim0: int, dim1: int) -> Any: return a.transpose(dim0, dim1)
    def permute(self, a: Any, dims: Any) -> Any: return a.permute(*dims)
    def t(self, a: Any) -> Any: return a.t()
    def flatten(self, a: Any) -> Any: return a.flatten()
    def clone(self, a: Any) -> Any: return a.clone()

    def where(self, condition: Any, a: Any, b: Any) -> Any:
        return call(paddle.where, condition, *_tensors(a, b))

    def softmax(self, a: Any, dim: int) -> Any: return call(F.softmax, a, axis=dim)
    def log_softmax(self, a: Any, dim: int) -> Any: return call(F.log_softmax, a, axis=dim)

    def linear(self, x: Any, weight: Any, bias: Any = None) -> Any:
        # PyTorch's weight is (out, in); Paddle's linear takes (in, out)
        return call(F.linear, x, call(paddle.t, weight), bias)

    def binary_cross_entropy(self, input: Any, target: Any, weight: Any = None,  # noqa: A002
                             reduction: str = "mean") -> Any:
        return call(F.binary_cross_entropy, input, target, weight=weight, reduction=reduction)

    def cross_entropy(self, input: Any, target: Any, reduction: str = "mean") -> Any:  # noqa: A002
        # PyTorch's class indices have the input's shape without the class dimension; Paddle's
        # have a trailing dimension of 1 (and so does its unreduced loss)
        label = unwrap(target)
        if not paddle.is_floating_point(label) and label.ndim == input.dim() - 1:
            out = call(F.cross_entropy, input, result(paddle.unsqueeze(label, -1)),
                       reduction=reduction)
            return out.squeeze(-1) if reduction == "none" else out
        return call(F.cross_entropy, input, target, reduction=reduction)

    def ge(self, a: Any, b: Any) -> Any: return a >= b
    def gt(self, a: Any, b: Any) -> Any: return a > b
    def le(self, a: Any, b: Any) -> Any: return a <= b
    def lt(self, a: Any, b: Any) -> Any: return a < b
    def eq(self, a: Any, b: Any) -> Any: return a == b
    def ne(self, a: Any, b: Any) -> Any: return a != b

    def is_tensor(self, obj: Any) -> bool:
        return isinstance(obj, Tensor)

    # -- grad mode -----------------------------------------------------------------------
    def no_grad(self) -> Any: return paddle.no_grad()
    def enable_grad(self) -> Any: return paddle.enable_grad()
    def set_grad_enabled(self, mode: bool) -> Any: return paddle.set_grad_enabled(mode)
    def is_grad_enabled(self) -> bool: return paddle.is_grad_enabled()

    # -- what torch's namespace lacks ----------------------------------------------------
    def classify_error(self, exc: BaseException) -> type[errors.AutogradError] | None:
        kind = errors.classify(exc)
        if kind is not None:
            return kind
        text = str(exc)
        for pattern, kind in _COMPILED:
            if pattern.search(text):
                return kind
        return None

    def to_numpy(self, t: Any) -> np.ndarray:
        return t._t.numpy() if isinstance(t, Tensor) else np.asarray(t)

    def __repr__(self) -> str:
        return f"<gradspec backend paddle {self.version}>"


def _tensors(a: Any, b: Any) -> tuple[Any, Any]:
    """Paddle's functional ops take tensors: a Python number becomes one (the other's dtype)."""
    if not isinstance(a, Tensor) and isinstance(b, Tensor):
        a = result(paddle.to_tensor(a, dtype=b._t.dtype))
    if not isinstance(b, Tensor) and isinstance(a, Tensor):
        b = result(paddle.to_tensor(b, dtype=a._t.dtype))
    return a, b
