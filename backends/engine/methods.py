"""PyTorch's tensor methods and operators, attached to `.tensor.Tensor`.

Out-of-place methods call the functions of `.functional`; in-place methods (``add_``,
``+=``, ``zero_``, ...) go through ``Tensor._inplace``, which enforces the leaf guard, bumps
the version counter and rewires the graph.
"""

from __future__ import annotations

import math
from typing import Any

from gradspec import layouts, notices

from . import autograd
from . import functional as F
from .grad_mode import STATE
from .size import Size
from .tensor import Tensor, VersionCounter, _constant, _update
from .ops.arith import refuse_bool_subtraction, refuses_bool
from .ops.cast import contiguous, data_ptr, is_contiguous, storage_offset, stride
from .ops.views import reverse_dims, squeeze_, t_, transpose_, unsqueeze_

try:
    import cython
except ImportError:  # running as Python without Cython installed: the decorators do nothing
    from . import _cython as cython


def backward(self, gradient: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    autograd.backward([self], None if gradient is None else [gradient], retain_graph,
                      create_graph, inputs=inputs)


def _swap(fn):
    return lambda self, other: fn(other, self)


# The reflected operators put the tensor first, as PyTorch's do: a node's next_functions list
# the tensor's edge, then the number's None (2 * x is mul(x, 2)); 2 / x is reciprocal(x) * 2.
def _radd(self, other):
    return F.add(self, other)


def _rmul(self, other):
    return F.mul(self, other)


def _rtruediv(self, other):
    if type(other) is int or type(other) is float:
        return F.mul(F.reciprocal(self), other)
    return F.div(other, self)


def _invert(self):
    if not type(self)._eng.kind(self._data.dtype) in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return F.bitwise_not(self)


def _bitwise_inplace(fn):
    """``a &= b`` and kin: the result written back (it must keep ``a``'s dtype, as in PyTorch)."""
    def update(self, other):
        out = fn(self, other)
        if out.dtype != self.dtype:
            eng = type(self)._eng
            raise RuntimeError(f"result type {eng.scalar_type_name(out._data.dtype)} can't be cast "
                               f"to the desired output type "
                               f"{eng.scalar_type_name(self._data.dtype)}")
        return self.copy_(out)

    return update


def add_(self, other, alpha=1):
    if alpha != 1:
        if _update_scaled(self, other, alpha):
            return self
        other = F.mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    raw = "__iadd__" if _same_kind(self, other) else None
    if raw is not None and _update(self, raw, other):  # no_grad (the optimizer's case)
        return self
    return self._inplace(F.add, other, raw=raw)


def sub_(self, other, alpha=1):
    if refuses_bool(self) or refuses_bool(other):
        refuse_bool_subtraction(self, other)
    if alpha != 1:
        other = F.mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    raw = "__isub__" if _same_kind(self, other) else None
    if raw is not None and _update(self, raw, other):
        return self
    return self._inplace(F.sub, other, raw=raw)


def mul_(self, other):
    raw = "__imul__" if _same_kind(self, other) else None
    if raw is not None and _update(self, raw, other):
        return self
    return self._inplace(F.mul, other, raw=raw)


def div_(self, other, *, rounding_mode=None):
    if rounding_mode is not None:
        return self._inplace(lambda s, o: F.div(s, o, rounding_mode=rounding_mode), other)
    raw = "__itruediv__" if _same_kind(self, other) and self.is_floating_point() else None
    return self._inplace(F.div, other, raw=raw)


def _update_scaled(self, other, alpha) -> bool:
    """``add_(other, alpha=a)`` in the optimizer's case (``param.add_(grad, alpha=-lr)``, no
    recording): ``other * a`` made as `F.mul` makes it (a float array times the cached 0-d
    constant of ``a``), then added in place: one raw product instead of an op.  False, having
    done nothing, where that case does not apply."""
    if type(alpha) is not float or type(other) is not type(self) or STATE.enabled:
        return False
    d, o = self._data, other._data
    if o.dtype != d.dtype or o.shape != d.shape or self._x is not None:
        return False
    T = type(self)
    if T._eng._kinds.get(d.dtype) != "f":
        return False
    return _update(self, "__iadd__", o * _constant(T._eng, T._xp, alpha, d.dtype))


def foreach_add_(tensors: Any, others: Any, *, alpha: Any = 1) -> Any:
    """``torch._foreach_add_``: ``tensors[i].add_(others[i], alpha=alpha)`` for each ``i``
    (``others`` a list of tensors or numbers, or one number for all), in place; returns
    ``tensors``.  An optimizer's update of every parameter in one call: in its case (no
    recording, float tensors and gradients of one dtype and shape each) the checks run once for
    the list and each update is one product and one in-place sum on the arrays."""
    tensors = list(tensors)
    if isinstance(others, (list, tuple)):
        if len(others) != len(tensors):
            raise RuntimeError(f"Tensor lists must have the same number of tensors, got "
                               f"{len(tensors)} and {len(others)}")
        if not _add_scaled_all(tensors, others, alpha):
            for t, o in zip(tensors, others):
                t.add_(o, alpha=alpha)
    else:
        for t in tensors:
            t.add_(others, alpha=alpha)
    return tensors


@cython.locals(i=cython.Py_ssize_t, n=cython.Py_ssize_t, t=Tensor, o=Tensor)
def _add_scaled_all(tensors: list, others: Any, alpha: Any) -> bool:
    """`foreach_add_` in the optimizer's case (`_update_scaled`'s, for every pair), checked
    for the whole list before anything is written; False, having done nothing, otherwise."""
    if type(alpha) is not float or STATE.enabled:
        return False
    n = len(tensors)
    for i in range(n):
        x, y = tensors[i], others[i]
        if not isinstance(x, Tensor) or type(y) is not type(x):
            return False
        t, o = x, y
        d, g = t._data, o._data
        if t._x is not None or g.dtype != d.dtype or g.shape != d.shape:
            return False
        if type(t)._eng._kinds.get(d.dtype) != "f" or not hasattr(d, "__setitem__"):
            return False
    for i in range(n):
        t, o = tensors[i], others[i]
        d = t._data
        T = type(t)
        d += o._data * _constant(T._eng, T._xp, alpha, d.dtype)
        vc = t._vc
        if vc is None:
            vc = t._vc = VersionCounter()
        vc.value += 1
    return True


def _T(self):
    n = self._data.ndim
    if n == 0:  # (PyTorch's notices, once per process as there)
        notices.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in "
                     "these cases.", once="T-0d")
    elif n != 2:
        notices.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their "
                     "shape is deprecated and it will throw an error in a future release. "
                     "Consider `x.mT` to transpose batches of matrices or `x.permute(*torch."
                     "arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
                     once="T-nd")
    return reverse_dims(self)


def _mT(self):
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got "
                           f"{self.ndim}-D tensor.")
    return F.transpose(self, -2, -1)


def _H(self):
    if self.ndim not in (0, 2):
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{self.ndim}-D tensor.")
    return F.transpose(self, 0, 1) if self.ndim == 2 else self


def _same_kind(self, other) -> bool:
    """True when a raw in-place update keeps the tensor's dtype and shape."""
    eng = type(self)._eng
    if type(other) is float:  # the common case first (momentum, learning rates)
        return eng.is_floating(self._data.dtype)
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


def _rng_of(self, generator):
    """The random number generator a fill draws from: ``generator``'s (a `Generator` of this
    backend) or the backend's own."""
    eng = type(self)._eng
    if generator is None:
        return eng.host.rng
    rng = getattr(generator, "_rng", None)
    if rng is None or type(rng) is not type(eng.host.rng):
        raise TypeError(f"generator must be a Generator of backend {eng.name!r} "
                        f"(torch.Generator()), got {type(generator).__name__}")
    return rng


def _draws(self, kind, generator):
    """Standard draws of this tensor's shape and floating dtype (normal for ``kind`` normal_ and
    log_normal_, else uniform in [0, 1)), as ``randn``/``rand`` make them (the same stream, the
    same bits)."""
    eng = type(self)._eng
    if not eng.is_floating(self._data.dtype):
        raise TypeError(f"{kind} needs a floating tensor, got "
                        f"{eng.dtype_name(self._data.dtype)}")
    draw = getattr(_rng_of(self, generator),
                   "normal" if kind in ("normal_", "log_normal_") else "uniform")
    return type(self)._wrap(draw(tuple(self._data.shape), eng.dtype_name(self._data.dtype)))


def uniform_(self, from_=0.0, to=1.0, *, generator=None):
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={from_} > to={to}")
    return copy_(self, _draws(self, "uniform_", generator) * (to - from_) + from_)


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return copy_(self, _draws(self, "normal_", generator) * std + mean)


def exponential_(self, lambd=1.0, *, generator=None):
    """Exponential draws of rate ``lambd`` (``-log(1 - u) / lambd``, ``u`` uniform in [0, 1))."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return copy_(self, -(1 - _draws(self, "exponential_", generator)).log() / lambd)


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """``exp`` of normal draws of ``mean`` and ``std``."""
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return copy_(self, (_draws(self, "log_normal_", generator) * std + mean).exp())


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Cauchy draws (``median + sigma tan(pi (u - 1/2))``)."""
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    u = _draws(self, "cauchy_", generator)
    return copy_(self, ((u - 0.5) * math.pi).tan() * sigma + median)


def geometric_(self, p, *, generator=None):
    """The number of Bernoulli(``p``) trials up to the first success (1, 2, ...), in any dtype."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    u = 1 - _uniform64(self, generator)  # in (0, 1]
    return copy_(self, (u.log() / math.log1p(-p)).ceil().clamp(min=1))


def random_(self, from_=None, to=None, *, generator=None):
    """Integers drawn uniformly from ``[from_, to)`` (``random_(to)``: from ``[0, to)``; no
    bound: from 0 to the largest integer the dtype holds exactly), in this tensor's dtype."""
    eng = type(self)._eng
    if from_ is None:
        low, high = 0, _largest_exact(eng, self._data.dtype) + 1
    elif to is None:
        low, high = 0, int(from_)
    else:
        low, high = int(from_), int(to)
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= "
                           f"to={high}")
    return copy_(self, (_uniform64(self, generator) * (high - low)).floor() + low)


def apply_(self, callable):
    """Each element replaced by ``callable(element)`` (a Python number in, one out), in place,
    in this tensor's dtype (a float result truncated in an integer tensor), as PyTorch's CPU
    ``apply_``: one Python call per element, for tensors outside autograd only."""
    return _elementwise_(self, "apply_", lambda values: [callable(v) for v in values])


def map_(self, tensor, callable):
    """Each element replaced by ``callable(element, other)``, ``other`` the element of
    ``tensor`` (broadcast to this tensor's shape) at the same place, in place, as PyTorch's
    CPU ``map_``: one Python call per element, for tensors outside autograd only."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"map_(): argument 'tensor' must be Tensor, not {type(tensor).__name__}")
    others = F.expand(tensor, *self.shape).reshape(-1).tolist()
    return _elementwise_(self, "map_",
                         lambda values: [callable(v, o) for v, o in zip(values, others)])


def _elementwise_(self, name, compute):
    if self.requires_grad:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use "
                           f"var.detach().{name}() instead.")
    eng = type(self)._eng
    np = eng.host.numpy
    host = np.asarray(eng.to_host(self._data))
    out = np.asarray(compute(host.reshape(-1).tolist())).astype(host.dtype, casting="unsafe")
    # written straight into the memory, as PyTorch's loop does: no version change
    self._own()
    self._data[...] = eng.host.from_numpy(out.reshape(host.shape))
    return self


def _uniform64(self, generator):
    """Uniform float64 draws in [0, 1) of this tensor's shape (whatever its dtype)."""
    rng = _rng_of(self, generator)
    return type(self)._wrap(rng.uniform(tuple(self._data.shape), "float64"))


def _largest_exact(eng, dtype):
    name = eng.dtype_name(dtype)
    digits = {"float16": 11, "float32": 24, "float64": 53, "bool": 0}
    if name in digits:
        return 2 ** digits[name]
    return int(eng.xp.iinfo(dtype).max)


def resize_(self, *sizes, memory_format=None):
    """This tensor reshaped to ``sizes`` in place, its elements in order: cut where there are
    fewer, zeros after them where there are more (PyTorch leaves those uninitialized)."""
    if self._requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    from .ops.views import _shape_arg

    shape = tuple(int(s) for s in _shape_arg(sizes))
    n = 1
    for s in shape:
        n *= s
    flat = F.reshape(self.detach(), (-1,))
    have = flat.numel()
    if n <= have:
        out = F.reshape(flat[:n], shape)
    else:
        out = F.reshape(F.cat([flat, _new_factory(0)(flat, n - have)]), shape)
    self.data = out.clone()
    return self


def bernoulli_(self, p=0.5, *, generator=None):
    eng = type(self)._eng
    if isinstance(p, Tensor):
        p = p.to(self.dtype) if eng.is_floating(self._data.dtype) else p
    elif not 0.0 <= p <= 1.0:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    u = type(self)._wrap(_rng_of(self, generator).uniform(tuple(self._data.shape), "float64"))
    return copy_(self, u < p)


def copy_(self, src, non_blocking=False):
    if not hasattr(src, "_data"):
        src = type(self)._wrap(type(self)._eng.asarray(src))
    if tuple(src.shape) != tuple(self.shape):
        try:
            type(self)._xp.broadcast_to(src._data, tuple(self.shape))
        except Exception:
            raise RuntimeError(f"copy_(): the source shape {tuple(src.shape)} cannot be broadcast "
                               f"to the destination shape {tuple(self.shape)}") from None
    return self._inplace(lambda s, v: F.filled(s, v, "torch::autograd::CopyBackwards"), src)


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


def _sum(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
    return F.sum(self, dim, keepdim, dtype, axis=axis, keepdims=keepdims)


def _mean(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
    return F.mean(self, dim, keepdim, dtype, axis=axis, keepdims=keepdims)


def _max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return F.max(self, dim, keepdim, axis=axis, keepdims=keepdims)


def _min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return F.min(self, dim, keepdim, axis=axis, keepdims=keepdims)


def _softmax(self, dim=None, dtype=None, *, axis=None):
    return F.softmax(self, dim, dtype, axis=axis)


def _log_softmax(self, dim=None, dtype=None, *, axis=None):
    return F.log_softmax(self, dim, dtype, axis=axis)


def _to_dtype(name: str):
    def method(self):
        return F.to(self, getattr(type(self)._eng, name))

    return method


def _type_as(self, other):
    return F.to(self, other.dtype)


# -- surface: dtypes, devices and factories on tensors -------------------------------------------
def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    eng = type(self)._eng
    eng.check_device(device)
    if isinstance(data, type(self)):
        data = data.detach()
    t = type(self)._wrap(eng.copy(eng.asarray(data, dtype=dtype if dtype is not None
                                              else self._data.dtype)))
    return t.requires_grad_(requires_grad) if requires_grad else t


def _new_factory(fill):
    def method(self, *size, dtype=None, device=None, requires_grad=False):
        """A tensor of ``size`` with this tensor's dtype and device (unless given)."""
        eng = type(self)._eng
        eng.check_device(device)
        if len(size) == 1 and isinstance(size[0], (tuple, list)):
            size = tuple(size[0])
        dt = self._data.dtype if dtype is None else eng.dtype(dtype)
        t = type(self)._wrap(type(self)._xp.full(tuple(int(s) for s in size), fill, dtype=dt))
        return t.requires_grad_(requires_grad) if requires_grad else t

    return method


def _new(self, *args, device=None):
    """PyTorch's legacy constructor on a tensor: ``x.new()`` an empty tensor, ``x.new(2, 3)``
    (or a ``torch.Size``) a tensor of that size, ``x.new([5, 6])`` that data, ``x.new(t)`` ``t``'s
    data (without its graph): all in ``x``'s dtype."""
    eng = type(self)._eng
    eng.check_device(device)
    if not args:
        return _new_factory(0)(self, 0)
    if len(args) == 1:
        arg = args[0]
        if isinstance(arg, Tensor):
            if arg.dtype != self.dtype:
                raise TypeError(f"new(): expected a tensor of dtype {self.dtype}, got {arg.dtype}; "
                                f"convert it with .to({self.dtype})")
            out = arg.detach()  # (its data, shared, as PyTorch's; requires_grad kept too)
            return out.requires_grad_() if arg.requires_grad else out
        if isinstance(arg, Size):
            args = tuple(arg)
        elif isinstance(arg, (list, tuple)):
            return _new_tensor(self, arg)
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        raise TypeError(f"new(): expected sizes (ints), a sequence of data or a tensor, got "
                        f"{', '.join(type(a).__name__ for a in args)}")
    return _new_factory(0)(self, *args)


def _new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    return _new_factory(fill_value)(self, tuple(size), dtype=dtype, device=device,
                                    requires_grad=requires_grad)


def _type(self, dtype=None, non_blocking=False, **kwargs):
    """``type()``: the type's name ("torch.FloatTensor"); ``type(dtype_or_name)``: a cast."""
    from .dtypes import TENSOR_TYPES

    eng = type(self)._eng
    if dtype is None:
        return f"torch.{TENSOR_TYPES.get(eng.dtype_name(self._data.dtype), 'Tensor')}"
    if isinstance(dtype, type) and hasattr(dtype, "dtype"):  # torch.LongTensor and its kin
        dtype = dtype.dtype
    if isinstance(dtype, str) and dtype.endswith("Tensor"):
        by_type = {v: k for k, v in TENSOR_TYPES.items()}
        name = dtype.removeprefix("torch.").removeprefix("cuda.")
        if name not in by_type:
            raise ValueError(f"invalid type: {dtype!r}")
        dtype = eng.dtype(by_type[name])
    return F.to(self, dtype)


def _cpu(self, memory_format=None):
    # The tensor itself, on every engine backend: a backend keeps its tensors on one device, and
    # the reason for `.cpu()` (numpy(), item(), tolist()) copies to the host anyway.
    return self


def _cuda(self, device=None, non_blocking=False, memory_format=None):
    eng = type(self)._eng
    eng.check_device(f"cuda:{device}" if isinstance(device, int) else (device or "cuda"))
    return self


def _element_size(self):
    return self.dtype.itemsize


def _get_device(self):
    index = type(self)._eng.device_obj.index
    return -1 if type(self)._eng.device_obj.type == "cpu" else (index or 0)


# -- ops (issue 12): methods of the linear algebra, reductions, elementwise and indexing ops ----
def _split(self, split_size, dim=0, *, axis=None):
    return F.split(self, split_size, dim, axis=axis)


def _flip(self, *dims, **kwargs):
    return F.flip(self, *dims, **kwargs)


def _repeat(self, *sizes, **kwargs):
    return F.repeat(self, *sizes, **kwargs)


def _inplace_of(fn):
    """The in-place form ``x.op_(...)`` of an out-of-place op ``fn(x, ...)``."""
    def method(self, *args, **kwargs):
        return self._inplace(lambda s, *a: fn(s, *a, **kwargs), *args)

    return method


def _inplace_named(name):
    """``x.NAME_(...)``: the method ``NAME``'s result written into ``x``, recorded as the
    engine records its in-place ops (the method is looked up at the call: it may be one of
    the composed functions, attached after the engine's own)."""
    def method(self, *args, **kwargs):
        return self._inplace(lambda s, *a: getattr(s, name)(*a, **kwargs), *args)

    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = f"In place: ``{name}``'s result written into this tensor."
    return method


#: methods whose in-place form (``x.NAME_()``) is their result written back, as PyTorch's
INPLACE_FORMS = (
    "absolute", "acos", "arccos", "asin", "arcsin", "atan", "arctan", "acosh", "arccosh",
    "asinh", "arcsinh", "atanh", "arctanh", "cos", "cosh", "sin", "sinh", "tan", "sign", "sgn",
    "frac", "fix", "exp2", "log2", "log10", "logit", "sinc", "deg2rad", "rad2deg", "negative",
    "nan_to_num", "atan2", "arctan2", "hypot", "copysign", "heaviside", "xlogy", "float_power",
    "multiply", "divide", "subtract", "true_divide", "gcd", "lcm", "ldexp", "logical_and",
    "logical_or", "logical_xor", "logical_not", "eq", "ne", "not_equal", "lt", "less", "le",
    "less_equal", "gt", "greater", "ge", "greater_equal", "addmm", "addmv", "addr", "addbmm",
    "baddbmm", "cumsum", "cumprod", "renorm", "masked_scatter",
)


OPS_METHODS = {
    # linear algebra
    "addmm": F.addmm, "baddbmm": F.baddbmm, "bmm": F.bmm, "outer": F.outer,
    "diag": F.diag, "diagonal": F.diagonal, "diag_embed": F.diag_embed, "trace": F.trace,
    "tril": F.tril, "triu": F.triu, "norm": F.norm,
    # reductions and scans
    "var": F.var, "std": F.std, "prod": F.prod, "logsumexp": F.logsumexp, "amax": F.amax,
    "amin": F.amin, "cumsum": F.cumsum, "cumprod": F.cumprod, "topk": F.topk, "sort": F.sort,
    "argsort": F.argsort, "median": F.median, "kthvalue": F.kthvalue,
    "unique": F.unique,
    # elementwise
    "log1p": F.log1p, "expm1": F.expm1, "square": F.square, "rsqrt": F.rsqrt,
    "reciprocal": F.reciprocal, "erf": F.erf, "atan2": F.atan2,
    "floor": F.floor, "ceil": F.ceil, "round": F.round, "trunc": F.trunc,
    "remainder": F.remainder, "fmod": F.fmod, "clamp_min": F.clamp_min, "clamp_max": F.clamp_max,
    "lerp": F.lerp, "__mod__": F.remainder, "__rmod__": _swap(F.remainder),
    "floor_divide": F.floor_divide, "__floordiv__": F.floor_divide,
    "__rfloordiv__": _swap(F.floor_divide),
    # shape and indexing
    "split": _split, "chunk": F.chunk, "unbind": F.unbind, "narrow": F.narrow,
    "repeat": _repeat, "tile": F.tile, "repeat_interleave": F.repeat_interleave, "flip": _flip,
    "roll": F.roll, "movedim": F.movedim, "moveaxis": F.movedim, "swapaxes": F.swapaxes,
    "swapdims": F.swapaxes, "gather": F.gather, "scatter": F.scatter,
    "scatter_add": F.scatter_add, "index_select": F.index_select, "index_add": F.index_add,
    "scatter_reduce": F.scatter_reduce, "index_reduce": F.index_reduce,
    "masked_fill": F.masked_fill, "masked_select": F.masked_select,
    "take_along_dim": F.take_along_dim, "nonzero": F.nonzero, "allclose": F.allclose,
    "isclose": F.isclose, "equal": F.equal,
    # in place
    "masked_fill_": _inplace_of(F.masked_fill), "scatter_": _inplace_of(F.scatter),
    "scatter_add_": _inplace_of(F.scatter_add), "index_add_": _inplace_of(F.index_add),
    "scatter_reduce_": _inplace_of(F.scatter_reduce), "index_reduce_": _inplace_of(F.index_reduce),
    "clamp_min_": _inplace_of(F.clamp_min), "clamp_max_": _inplace_of(F.clamp_max),
    "lerp_": _inplace_of(F.lerp), "remainder_": _inplace_of(F.remainder),
    "fmod_": _inplace_of(F.fmod), "tril_": _inplace_of(F.tril), "triu_": _inplace_of(F.triu),
    "floor_": _unary_(F.floor), "ceil_": _unary_(F.ceil), "round_": _inplace_of(F.round),
    "trunc_": _unary_(F.trunc), "log1p_": _unary_(F.log1p), "expm1_": _unary_(F.expm1),
    "rsqrt_": _unary_(F.rsqrt), "reciprocal_": _unary_(F.reciprocal), "erf_": _unary_(F.erf),
    "square_": _unary_(F.square), "__imod__": _inplace_of(F.remainder),
    "floor_divide_": _inplace_of(F.floor_divide), "__ifloordiv__": _inplace_of(F.floor_divide),
}


def _base(self):
    """The tensor a view was cut from (the first base, also for a view of a view), or None
    for a tensor that is not a view: PyTorch's ``Tensor._base``."""
    x = self._x
    return None if x is None else x.base


def _pin_memory(self, device=None):
    """The tensor itself: the engines' host memory needs no pinning (a DataLoader with
    ``pin_memory=True`` calls this)."""
    return self


def _unfold(self, dimension, size, step):
    """The windows of ``size`` elements every ``step`` along ``dimension``: that dim becomes
    the window count and a last dim of ``size`` holds each window (copies, not views)."""
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    d = dimension % max(self.ndim, 1)
    length = self.shape[d] if self.ndim else 1
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is "
                           f"{size}")
    if self.ndim == 0:
        return F.reshape(self, (1,))
    count = (length - size) // step + 1
    windows = [F.narrow(self, d, i * step, size) for i in range(count)]
    return F.movedim(F.stack(windows, d), d + 1, -1)


def _addcmul_(self, tensor1, tensor2, value=1):
    """``self += value * tensor1 * tensor2`` in place."""
    product = tensor1 * tensor2
    return add_(self, product if value == 1 else product * value)


def _addcdiv_(self, tensor1, tensor2, value=1):
    """``self += value * tensor1 / tensor2`` in place."""
    quotient = tensor1 / tensor2
    return add_(self, quotient if value == 1 else quotient * value)


def attach(cls: type) -> None:
    """Give the tensor class PyTorch's methods."""
    table = {
        "backward": backward,
        # operators
        "__add__": F.add, "__radd__": _radd, "__sub__": F.sub, "__rsub__": _swap(F.sub),
        "__mul__": F.mul, "__rmul__": _rmul, "__truediv__": F.div,
        "__rtruediv__": _rtruediv, "__pow__": F.pow, "__rpow__": _swap(F.pow),
        "__matmul__": F.matmul, "__rmatmul__": _swap(F.matmul), "__neg__": F.neg,
        "__pos__": lambda self: self, "__abs__": F.abs,
        "__getitem__": F.getitem, "__setitem__": F.setitem,
        "__eq__": F.eq, "__ne__": F.ne, "__gt__": F.gt, "__ge__": F.ge, "__lt__": F.lt, "__le__": F.le,
        "__and__": F.bitwise_and, "__or__": F.bitwise_or, "__xor__": F.bitwise_xor,
        "__invert__": _invert, "__lshift__": F.bitwise_left_shift,
        "__rshift__": F.bitwise_right_shift, "__rand__": _swap(F.bitwise_and),
        "__ror__": _swap(F.bitwise_or), "__rxor__": _swap(F.bitwise_xor),
        "__rlshift__": _swap(F.bitwise_left_shift), "__rrshift__": _swap(F.bitwise_right_shift),
        "__iand__": _bitwise_inplace(F.bitwise_and), "__ior__": _bitwise_inplace(F.bitwise_or),
        "__ixor__": _bitwise_inplace(F.bitwise_xor),
        "__ilshift__": _bitwise_inplace(F.bitwise_left_shift),
        "__irshift__": _bitwise_inplace(F.bitwise_right_shift),
        "bitwise_and": F.bitwise_and, "bitwise_or": F.bitwise_or, "bitwise_xor": F.bitwise_xor,
        "bitwise_not": F.bitwise_not, "bitwise_left_shift": F.bitwise_left_shift,
        "bitwise_right_shift": F.bitwise_right_shift,
        "bitwise_and_": _bitwise_inplace(F.bitwise_and),
        "bitwise_or_": _bitwise_inplace(F.bitwise_or),
        "bitwise_xor_": _bitwise_inplace(F.bitwise_xor),
        "bitwise_not_": lambda self: self.copy_(F.bitwise_not(self)),
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
        "reshape": lambda self, *shape, **kw: F.reshape(self, *shape, **kw),
        "view": lambda self, *shape, **kw: F.view(self, *shape, **kw),
        "flatten": F.flatten, "squeeze": F.squeeze, "unsqueeze": F.unsqueeze,
        "transpose": F.transpose, "permute": lambda self, *dims, **kw: F.permute(self, *dims, **kw),
        "t": F.t, "expand": lambda self, *sizes, **kw: F.expand(self, *sizes, **kw), "expand_as": F.expand_as,
        # (the method takes sizes one by one too, as expand does; torch.broadcast_to takes a tuple)
        "broadcast_to": lambda self, *sizes, **kw: F.expand(self, *sizes, **kw),
        "view_as": lambda self, other: F.view(self, tuple(other.shape)),
        "reshape_as": lambda self, other: F.reshape(self, tuple(other.shape)),
        "contiguous": contiguous, "is_contiguous": is_contiguous, "clone": F.clone,
        "stride": stride, "storage_offset": storage_offset, "data_ptr": data_ptr,
        # dtypes and devices
        "to": F.to, "type_as": _type_as, "float": _to_dtype("float32"), "double": _to_dtype("float64"),
        "half": _to_dtype("float16"), "long": _to_dtype("int64"), "int": _to_dtype("int32"),
        "bool": _to_dtype("bool"), "byte": _to_dtype("uint8"), "char": _to_dtype("int8"),
        "short": _to_dtype("int16"), "cpu": _cpu, "cuda": _cuda, "type": _type,
        "pin_memory": _pin_memory, "is_pinned": lambda self: False,
        "ndimension": lambda self: self.ndim, "unfold": _unfold,
        "new": _new, "new_tensor": _new_tensor, "new_zeros": _new_factory(0),
        "new_ones": _new_factory(1),
        "new_empty": _new_factory(0), "new_full": _new_full, "element_size": _element_size,
        "get_device": _get_device,
        # in place
        "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_, "pow_": pow_, "zero_": zero_,
        "fill_": fill_, "copy_": copy_, "clamp_": clamp_, "clip_": clamp_,
        "uniform_": uniform_, "normal_": normal_, "bernoulli_": bernoulli_,
        "exponential_": exponential_, "log_normal_": log_normal_, "cauchy_": cauchy_,
        "geometric_": geometric_, "random_": random_, "resize_": resize_,
        "apply_": apply_, "map_": map_,
        "neg_": _unary_(F.neg), "exp_": _unary_(F.exp), "log_": _unary_(F.log),
        "sqrt_": _unary_(F.sqrt), "abs_": _unary_(F.abs), "sigmoid_": _unary_(F.sigmoid),
        "tanh_": _unary_(F.tanh), "relu_": _unary_(F.relu),
        "addcmul_": _addcmul_, "addcdiv_": _addcdiv_,
        "squeeze_": squeeze_, "unsqueeze_": unsqueeze_, "t_": t_, "transpose_": transpose_,
        "swapdims_": transpose_, "swapaxes_": transpose_,
    }
    table.update(OPS_METHODS)
    for name in INPLACE_FORMS:
        table.setdefault(f"{name}_", _inplace_named(name))
    for name, fn in table.items():
        setattr(cls, name, fn)
    # x.T reverses the dims by permute in PyTorch, also for a matrix (x.t() is TBackward0)
    cls.T = property(_T)
    cls.mT = property(_mT)
    cls.mH = property(_mT)  # (the conjugate transpose: the engine's tensors are real)
    cls.H = property(_H)
    cls.itemsize = property(_element_size)
    cls._base = property(_base)
    cls.nbytes = property(lambda self: self.numel() * self.dtype.itemsize)
    cls.layout = property(lambda self: layouts.strided)  # every engine tensor is dense
