"""The registry of composed functions (`FUNCTIONS`), `bound`, and the helpers the function
modules share."""


from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

__all__ = ["FUNCTIONS", "INPLACE", "METHODS", "PROPERTIES", "attach_methods", "bound"]

#: name -> (function taking the backend first, what it is): the surface's composed names; a
#: dotted name ("linalg.pinv") lives in that sub-namespace of the backend
FUNCTIONS: dict[str, tuple[Callable[..., Any], str]] = {}


def _composed(*names: str, what: str,
              shown: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a composed function under ``names`` (taking ``axis=`` for ``dim=``); with
    ``shown``, its result's node is shown as PyTorch's one node of that name (`_shown`)."""
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        target = _axis_as_dim(fn if shown is None else _shown(fn, shown))
        for name in names:
            FUNCTIONS[name] = (target, what if name == names[0] else f"{what} ({names[0]})")
        return target

    return deco


def _axis_as_dim(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` taking numpy's ``axis=`` for its ``dim=``, as PyTorch's functions do (``fn``
    itself where it has no ``dim``, or an ``axis`` of its own)."""
    parameters = inspect.signature(fn).parameters
    if "dim" not in parameters or "axis" in parameters:
        return fn

    @functools.wraps(fn)
    def call(backend: Any, *args: Any, **kwargs: Any) -> Any:
        if "axis" in kwargs:
            kwargs["dim"] = kwargs.pop("axis")
        return fn(backend, *args, **kwargs)

    return call


def _shown(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``fn`` whose result's ``grad_fn`` is shown as PyTorch's ``name``: a printed result reads
    ``grad_fn=<LgammaBackward0>`` where the composition ends in a cast or a ``where`` (the
    backward is unchanged; a result that is an input, or carries an input's node, keeps it)."""
    from ..graph_names import shown_as

    @functools.wraps(fn)
    def call(backend: Any, *args: Any, **kwargs: Any) -> Any:
        return shown_as(fn(backend, *args, **kwargs), name, *args)

    return call


#: the composed functions PyTorch also has as tensor methods (``x.log2()``, ``p.multinomial(1)``)
METHODS = frozenset({
    "absolute", "acos", "addbmm", "angle", "addcdiv", "addcmul", "addmv", "addr", "aminmax", "arccos",
    "arcsin", "arctan", "argwhere", "asin", "atan", "bincount", "corrcoef", "cosh",
    "count_nonzero", "cov", "deg2rad", "diff", "dist", "divide", "exp2", "fliplr", "flipud",
    "float_power", "floor_divide", "fmax", "fmin", "frac", "greater", "greater_equal", "histc",
    "histogram",
    "hypot", "inner", "isneginf", "isposinf", "isreal", "kron", "less", "less_equal", "log10",
    "log2", "logaddexp", "logaddexp2", "logical_xor", "logit", "matrix_power", "msort",
    "multinomial", "multiply", "nan_to_num", "nanmean", "nansum", "negative", "not_equal",
    "numel", "positive", "rad2deg", "ravel", "rot90", "sgn", "signbit", "sinc", "sinh",
    "subtract", "tan", "true_divide", "vdot", "xlogy", "dsplit", "hsplit", "index_copy",
    "index_fill", "select", "tensor_split", "unflatten", "vsplit", "inverse", "det", "slogdet",
    "logdet", "cholesky", "svd", "qr", "triangular_solve", "cholesky_solve", "cholesky_inverse",
    "pinverse", "matrix_exp", "cummax", "cummin", "logcumsumexp", "quantile", "nanquantile",
    "mode", "take", "unique_consecutive", "index_put", "lgamma", "digamma", "polygamma",
    "mvlgamma", "erfinv", "erfc", "i0", "to_dense", "to_sparse", "cross", "ger", "adjoint",
    "diagflat", "copysign", "heaviside", "fix", "is_complex", "is_signed", "sum_to_size",
    "is_nonzero", "gcd", "lcm", "nanmedian", "acosh", "arccosh", "asinh", "arcsinh", "atanh",
    "arctanh", "arctan2", "ldexp", "renorm", "masked_scatter", "bernoulli", "hardshrink", "prelu",
    "conj", "resolve_conj", "resolve_neg", "conj_physical", "is_conj", "is_neg",
})


#: the composed functions PyTorch also has as tensor properties (``x.real``)
PROPERTIES = frozenset({"real", "imag"})


#: in-place methods: name -> the composed function whose result they write back
INPLACE: dict[str, Callable[..., Any]] = {}


def attach_methods(backend: Any, cls: type) -> None:
    """Give ``cls``, a tensor class of ``backend``'s own (the engine's), each of `METHODS` it
    lacks (``x.NAME(...)`` is ``torch.NAME(x, ...)``) and of `INPLACE` (``x.NAME_(...)``
    copies the result into ``x``).  (A third party's tensor class is left alone: it is not
    gradspec's to change.)"""
    for name in sorted(METHODS):
        if not hasattr(cls, name):
            setattr(cls, name, _method(backend, name))
    for name, fn in INPLACE.items():
        if not hasattr(cls, name):
            setattr(cls, name, _inplace(backend, name, fn))
    for name in sorted(PROPERTIES):
        if not hasattr(cls, name):
            setattr(cls, name, _property(backend, name))


def _property(backend: Any, name: str) -> property:
    fn = FUNCTIONS[name][0]
    return property(lambda self: fn(backend, self), doc=fn.__doc__)


def _inplace(backend: Any, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return self.copy_(fn(backend, self, *args, **kwargs))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In place: {fn.__doc__}"
    return method


def _method(backend: Any, name: str) -> Callable[..., Any]:
    fn = FUNCTIONS[name][0]

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(backend, self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = fn.__doc__
    return method


def bound(backend: Any, name: str) -> Callable[..., Any]:
    """``torch.NAME`` of ``backend``: the composed function ``name`` with the backend filled in."""
    fn = FUNCTIONS[name][0]

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        return fn(backend, *args, **kwargs)

    call.__name__, call.__qualname__ = name.rsplit(".", 1)[-1], name
    call.__signature__ = _public_signature(fn)  # type: ignore[attr-defined]
    return call


@functools.lru_cache(maxsize=None)
def _public_signature(fn: Callable[..., Any]) -> inspect.Signature:
    """``fn``'s signature without its first parameter (the backend): PyTorch's."""
    signature = inspect.signature(fn)
    return signature.replace(parameters=list(signature.parameters.values())[1:])


# ------------------------------------------------------------------------------- helpers
def _tensors(name: str, items: Any) -> list:
    """The tensors of a ``tensors`` argument (a list or tuple), checked non-empty."""
    if not isinstance(items, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(items).__name__}")
    if not items:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return list(items)


def _varargs(items: tuple) -> list:
    """``f(a, b)`` and ``f([a, b])`` alike, as PyTorch's varargs functions take both."""
    if len(items) == 1 and isinstance(items[0], (list, tuple)):
        return list(items[0])
    return list(items)


def _dim(dim: int, ndim: int, name: str) -> int:
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {dim}) in {name}()")
    return dim % max(ndim, 1)


def _floating(backend: Any, t: Any) -> Any:
    """``t`` as floating point (integers and bools to the default float dtype, as PyTorch's
    floating functions promote them)."""
    return t if t.is_floating_point() else t.to(backend.get_default_dtype())


def _floating_pair(backend: Any, a: Any, b: Any) -> tuple[Any, Any]:
    """``a`` and ``b`` (tensors, or one a Python number) as tensors of one floating dtype, the
    one PyTorch's two-input floating functions compute in: the pair's promoted dtype, or the
    default float dtype where that is an integer or bool one (float16 beside int64 stays
    float16; float32 beside float64 is float64).  A backend without ``result_type`` floats
    each side on its own."""
    if not hasattr(a, "dim") and not hasattr(b, "dim"):
        raise TypeError("expected at least one Tensor argument")
    promote = getattr(backend, "result_type", None)
    if promote is None:
        a = backend.tensor(float(a)) if not hasattr(a, "dim") else _floating(backend, a)
        b = backend.tensor(float(b)) if not hasattr(b, "dim") else _floating(backend, b)
        return a, b
    dtype = promote(a, b)
    if not _is_floating_dtype(backend, dtype):
        dtype = backend.get_default_dtype()
    return _as_dtype(backend, a, dtype), _as_dtype(backend, b, dtype)


def _is_floating_dtype(backend: Any, dtype: Any) -> bool:
    known = getattr(dtype, "is_floating_point", None)
    if isinstance(known, bool):
        return known
    return backend.zeros((), dtype=dtype).is_floating_point()


def _as_dtype(backend: Any, t: Any, dtype: Any) -> Any:
    if not hasattr(t, "dim"):
        return backend.tensor(t, dtype=dtype)
    return t if t.dtype == dtype else t.to(dtype)
