"""PyTorch's tensor methods and operators, attached to `.tensor.Tensor`.

Out-of-place methods call the functions of `.functional`; in-place methods (``add_``,
``+=``, ``zero_``, ...) go through ``Tensor._inplace``, which enforces the leaf guard, bumps
the version counter and rewires the graph.
"""

from __future__ import annotations

from typing import Any

from . import autograd
from . import functional as F
from .ops.cast import contiguous


def backward(self, gradient: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    autograd.backward([self], None if gradient is None else [gradient], retain_graph,
                      create_graph, inputs=inputs)


def _swap(fn):
    return lambda self, other: fn(other, self)


def add_(self, other, alpha=1):
    other = other if alpha == 1 else F.mul(other, alpha)
    return self._inplace(F.add, other, raw="__iadd__" if _same_kind(self, other) else None)


def sub_(self, other, alpha=1):
    other = other if alpha == 1 else F.mul(other, alpha)
    return self._inplace(F.sub, other, raw="__isub__" if _same_kind(self, other) else None)


def mul_(self, other):
    return self._inplace(F.mul, other, raw="__imul__" if _same_kind(self, other) else None)


def div_(self, other):
    raw = "__itruediv__" if _same_kind(self, other) and self.is_floating_point() else None
    return self._inplace(F.div, other, raw=raw)


def _same_kind(self, other) -> bool:
    """True when a raw in-place update keeps the tensor's dtype and shape."""
    eng = type(self)._eng
    if hasattr(other, "_data"):
        o, d = other._data, self._data
        if o.dtype != d.dtype:
            return False
        return o.shape == d.shape or (o.ndim <= d.ndim and all(
            s in (1, t) for s, t in zip(o.shape[::-1], d.shape[::-1])))
    if isinstance(other, float):
        return eng.is_floating(self._data.dtype)
    return isinstance(other, int) and not eng.is_bool(self._data.dtype)


def zero_(self):
    return self._inplace(lambda s: F.filled(s, 0, "ZeroBackward0"))


def fill_(self, value):
    return self._inplace(lambda s, v: F.filled(s, v, "FillBackward2"), value)


def copy_(self, src, non_blocking=False):
    if not hasattr(src, "_data"):
        src = type(self)._wrap(type(self)._eng.asarray(src))
    if tuple(src.shape) != tuple(self.shape):
        try:
            type(self)._xp.broadcast_to(src._data, tuple(self.shape))
        except Exception:
            raise RuntimeError(f"copy_(): the source shape {tuple(src.shape)} cannot be broadcast "
                               f"to the destination shape {tuple(self.shape)}") from None
    return self._inplace(lambda s, v: F.filled(s, v, "CopyBackwards"), src)


def clamp_(self, min=None, max=None):
    return self._inplace(lambda s: F.clamp(s, min, max))


def _unary_(fn):
    def method(self):
        return self._inplace(fn)

    return method


def pow_(self, exponent):
    return self._inplace(F.pow, exponent)


def _size_args(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _sum(self, dim=None, keepdim=False, dtype=None):
    return F.sum(self, dim, keepdim, dtype)


def _mean(self, dim=None, keepdim=False, dtype=None):
    return F.mean(self, dim, keepdim, dtype)


def _max(self, dim=None, keepdim=False):
    return F.max(self, dim, keepdim)


def _min(self, dim=None, keepdim=False):
    return F.min(self, dim, keepdim)


def _softmax(self, dim=None):
    return F.softmax(self, dim)


def _log_softmax(self, dim=None):
    return F.log_softmax(self, dim)


def _to_dtype(name: str):
    def method(self):
        return F.to(self, getattr(type(self)._eng, name))

    return method


def _type_as(self, other):
    return F.to(self, other.dtype)


def _new_tensor(self, data, dtype=None, requires_grad=False):
    eng = type(self)._eng
    t = type(self)._wrap(eng.asarray(data, dtype=dtype if dtype is not None else self.dtype))
    return t.requires_grad_(requires_grad) if requires_grad else t


def _cpu(self):
    type(self)._eng.check_device("cpu")
    return self


def attach(cls: type) -> None:
    """Give the tensor class PyTorch's methods."""
    table = {
        "backward": backward,
        # operators
        "__add__": F.add, "__radd__": _swap(F.add), "__sub__": F.sub, "__rsub__": _swap(F.sub),
        "__mul__": F.mul, "__rmul__": _swap(F.mul), "__truediv__": F.div,
        "__rtruediv__": _swap(F.div), "__pow__": F.pow, "__rpow__": _swap(F.pow),
        "__matmul__": F.matmul, "__rmatmul__": _swap(F.matmul), "__neg__": F.neg,
        "__pos__": lambda self: self, "__abs__": F.abs,
        "__getitem__": F.getitem, "__setitem__": F.setitem,
        "__eq__": F.eq, "__ne__": F.ne, "__gt__": F.gt, "__ge__": F.ge, "__lt__": F.lt, "__le__": F.le,
        "__and__": F.logical_and, "__or__": F.logical_or, "__invert__": F.logical_not,
        "__iadd__": add_, "__isub__": sub_, "__imul__": mul_, "__itruediv__": div_, "__ipow__": pow_,
        # arithmetic and math
        "add": F.add, "sub": F.sub, "subtract": F.sub, "mul": F.mul, "multiply": F.mul,
        "div": F.div, "divide": F.div, "neg": F.neg, "negative": F.neg, "pow": F.pow,
        "exp": F.exp, "log": F.log, "sqrt": F.sqrt, "abs": F.abs, "sign": F.sign, "sin": F.sin,
        "cos": F.cos, "sigmoid": F.sigmoid, "tanh": F.tanh, "relu": F.relu, "clamp": F.clamp,
        "clip": F.clamp, "maximum": F.maximum, "minimum": F.minimum, "where": lambda s, c, o: F.where(c, s, o),
        "sum": _sum, "mean": _mean, "max": _max, "min": _min, "argmax": F.argmax, "argmin": F.argmin,
        "matmul": F.matmul, "mm": F.mm, "mv": F.mv, "dot": F.dot,
        "softmax": _softmax, "log_softmax": _log_softmax,
        # comparisons
        "eq": F.eq, "ne": F.ne, "gt": F.gt, "ge": F.ge, "lt": F.lt, "le": F.le,
        "logical_and": F.logical_and, "logical_or": F.logical_or, "logical_not": F.logical_not,
        "isnan": F.isnan, "isinf": F.isinf, "isfinite": F.isfinite, "any": F.any, "all": F.all,
        # shapes and views
        "reshape": lambda self, *shape: F.reshape(self, *shape),
        "view": lambda self, *shape: F.view(self, *shape),
        "flatten": F.flatten, "squeeze": F.squeeze, "unsqueeze": F.unsqueeze,
        "transpose": F.transpose, "permute": lambda self, *dims: F.permute(self, *dims),
        "t": F.t, "expand": lambda self, *sizes: F.expand(self, *sizes), "expand_as": F.expand_as,
        "view_as": lambda self, other: F.view(self, tuple(other.shape)),
        "reshape_as": lambda self, other: F.reshape(self, tuple(other.shape)),
        "contiguous": contiguous, "clone": F.clone,
        # dtypes and devices
        "to": F.to, "type_as": _type_as, "float": _to_dtype("float32"), "double": _to_dtype("float64"),
        "half": _to_dtype("float16"), "long": _to_dtype("int64"), "int": _to_dtype("int32"),
        "bool": _to_dtype("bool"), "cpu": _cpu, "new_tensor": _new_tensor,
        # in place
        "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_, "pow_": pow_, "zero_": zero_,
        "fill_": fill_, "copy_": copy_, "clamp_": clamp_, "clip_": clamp_,
        "neg_": _unary_(F.neg), "exp_": _unary_(F.exp), "log_": _unary_(F.log),
        "sqrt_": _unary_(F.sqrt), "abs_": _unary_(F.abs), "sigmoid_": _unary_(F.sigmoid),
        "tanh_": _unary_(F.tanh), "relu_": _unary_(F.relu),
    }
    for name, fn in table.items():
        setattr(cls, name, fn)
    cls.T = property(lambda self: F.permute(self, *reversed(range(self.ndim)), label="PermuteBackward0")
                     if self.ndim > 2 else F.t(self))
    cls.mT = property(lambda self: F.transpose(self, -2, -1))
