"""PyTorch's ``out=`` argument (``torch.add(x, y, out=z)``, ``torch.matmul(a, b, out=c)``), for
the functions programs commonly call with it: the result is computed as usual, then written
into ``out`` (resized, with PyTorch's warning, when its shape differs), which is returned."""

from __future__ import annotations

import functools
from typing import Any, Callable

from gradspec import notices
from gradspec.errors import SCALAR_TYPE_NAMES

from .grad_mode import STATE, no_grad
from .tensor import Tensor

#: the functions given ``out=``: tutorials' and scripts' uses of it (arithmetic, products,
#: reductions, constructors); ``torch.cat``, ``torch.where`` and the like stay unwrapped to
#: keep their calls as cheap as before
NAMES = ("add", "sub", "mul", "div", "true_divide", "matmul", "mm", "bmm", "mv", "dot",
         "addmm", "exp", "log", "sqrt", "abs", "neg", "pow", "clamp", "sum", "cumsum", "prod",
         "tanh", "sin", "cos", "maximum", "minimum", "floor", "ceil", "round", "arange",
         "linspace", "zeros", "ones", "randn", "rand")


def with_out(fn: Callable[..., Any], name: str) -> Callable[..., Any]:
    """``fn`` taking PyTorch's keyword ``out``."""

    @functools.wraps(fn)
    def call(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        if out is None:
            return result
        return write_out(name, result, out)

    return call


def write_out(name: str, result: Any, out: Any) -> Any:
    """Write ``result`` into ``out`` as PyTorch's ``out=`` does, and return ``out``."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if STATE.enabled and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad. (Compute "
                           "without out=, or under torch.no_grad().)")
    eng = type(out)._eng
    have, want = eng.dtype_name(result._data.dtype), eng.dtype_name(out._data.dtype)
    if have != want and not eng.host.numpy.can_cast(have, want, casting="same_kind"):
        raise RuntimeError(f"result type {SCALAR_TYPE_NAMES.get(have, have)} can't be cast to "
                           f"the desired output type {SCALAR_TYPE_NAMES.get(want, want)}")
    shape = tuple(result.shape)
    if tuple(out.shape) != shape:
        if out.numel():
            notices.warn(f"An output with one or more elements was resized since it had shape "
                         f"{list(out.shape)}, which does not match the required output shape "
                         f"{list(shape)}. This behavior is deprecated, and in a future PyTorch "
                         "release outputs will not be resized unless they have zero elements. "
                         "You can explicitly reuse an out tensor t by resizing it, inplace, to "
                         "zero elements with t.resize_(0).")
        out.data = eng.xp.zeros(shape, dtype=out._data.dtype)
    with no_grad():
        out.copy_(result)
    return out
