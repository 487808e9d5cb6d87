"""Everyday torch functions that ordinary programs call and the op catalogue composes: cross
products, sign and step functions, integer gcd/lcm, small predicates and factories.  Each follows PyTorch's
signature, values, dtype and errors (compared in tests/test_everyday_functions.py)."""

from __future__ import annotations

import warnings
from typing import Any

from ..graph_names import shown_as
from .registry import _composed, _dim, _floating_pair


# ------------------------------------------------------------------------- products and views
def _cross(backend: Any, input: Any, other: Any, dim: int, name: str) -> Any:
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise RuntimeError(f"{name}: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[dim]} and {other.shape[dim]}")
    a = [input.select(dim, i) for i in range(3)]
    b = [other.select(dim, i) for i in range(3)]
    parts = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    return backend.stack(parts, dim=dim)


@_composed("linalg.cross", what="the cross product of 3-vectors along a dim")
def linalg_cross(backend: Any, input: Any, other: Any, *, dim: int = -1) -> Any:
    """The cross product of 3-vectors along ``dim`` (default the last), broadcasting the other
    dims; both inputs have the same number of dims, as PyTorch requires."""
    if input.dim() != other.dim():
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    shape = backend.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    d = _dim(dim, len(shape), "linalg.cross")
    input = input.expand(*shape[:d], input.shape[d], *shape[d + 1:])
    other = other.expand(*shape[:d], other.shape[d], *shape[d + 1:])
    return _cross(backend, input, other, d - len(shape), "linalg.cross")


@_composed("cross", what="the cross product of 3-vectors (the first dim of size 3 by default)")
def cross(backend: Any, input: Any, other: Any, dim: int | None = None) -> Any:
    """``linalg.cross``, but without ``dim`` along the first dimension of size 3, with PyTorch's
    deprecation warning."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in a "
                      "future release.", UserWarning, stacklevel=3)
        sizes = list(backend.broadcast_shapes(tuple(input.shape), tuple(other.shape)))
        if 3 not in sizes:
            raise RuntimeError("no dimension of size 3 in input")
        dim = sizes.index(3)
    return linalg_cross(backend, input, other, dim=dim)


@_composed("ger", what="the outer product (torch.outer's old name)")
def ger(backend: Any, input: Any, vec2: Any) -> Any:
    """``torch.outer(input, vec2)``."""
    return backend.outer(input, vec2)


@_composed("adjoint", what="the transpose of the last two dims (real tensors)")
def adjoint(backend: Any, input: Any) -> Any:
    """``input.transpose(-2, -1)`` (the conjugate transpose: gradspec's tensors are real)."""
    if input.dim() < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of "
                           f"matrices. Got {input.dim()}-D tensor.")
    return input.transpose(-2, -1)


@_composed("diagflat", what="a diagonal matrix of the flattened input")
def diagflat(backend: Any, input: Any, offset: int = 0) -> Any:
    """The square matrix with ``input``'s elements (flattened) on diagonal ``offset``."""
    return backend.diag(input.reshape(-1), offset)


# ------------------------------------------------------------------------- signs and steps
@_composed("copysign", what="the magnitude of input with the sign of other")
def copysign(backend: Any, input: Any, other: Any) -> Any:
    """``|input|`` with ``other``'s sign bit (-0.0 counts as negative), in the pair's floating
    dtype (`_floating_pair`: float32 beside float64 is float64)."""
    x, y = _floating_pair(backend, input, other)
    out = backend.where(backend.signbit(y), -x.abs(), x.abs())
    if y.requires_grad:  # as in PyTorch, other is in the graph, its gradient zero (0, not
        # NaN, at infinities: the finite part of y times 0)
        out = out + backend.where(backend.isfinite(y), y, backend.zeros_like(y)) * 0
    return shown_as(out, "CopysignBackward0", input, other)


@_composed("heaviside", what="the step function, with values where input is 0")
def heaviside(backend: Any, input: Any, values: Any) -> Any:
    """0 where ``input`` < 0, 1 where it is > 0, ``values`` where it is 0 (broadcast)."""
    step = (input > 0).to(input.dtype)
    return backend.where(input == 0, values.to(input.dtype), step)


@_composed("fix", what="rounding toward zero (torch.trunc)")
def fix(backend: Any, input: Any) -> Any:
    """``torch.trunc(input)``."""
    return backend.trunc(input)


# ------------------------------------------------------------------------- integer arithmetic
def _integers(name: str, *tensors: Any) -> None:
    # a bool beside an integer tensor is promoted to it, as in PyTorch; two bools are refused
    bools = [t.dtype == _bool_of(t) for t in tensors]
    for t, is_bool in zip(tensors, bools):
        if t.is_floating_point() or (is_bool and all(bools)):
            kind = {"float32": "Float", "float64": "Double", "float16": "Half",
                    "bool": "Bool"}.get(str(t.dtype).replace("torch.", ""), str(t.dtype))
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{kind}\'')


def _bools_promoted(a: Any, b: Any) -> tuple[Any, Any]:
    """A bool operand in the other's integer dtype (`_integers` refused two bools)."""
    if a.dtype == _bool_of(a):
        return a.to(b.dtype), b
    if b.dtype == _bool_of(b):
        return a, b.to(a.dtype)
    return a, b


def _bool_of(t: Any) -> Any:
    from ..plugins import backend_of

    return backend_of(t).bool


@_composed("gcd", what="the greatest common divisor of integers, elementwise")
def gcd(backend: Any, input: Any, other: Any) -> Any:
    """The non-negative greatest common divisor (0 for two zeros), by Euclid's algorithm on
    the whole tensors at once, as ``torch.gcd`` (integer tensors only)."""
    other = other if hasattr(other, "dim") else backend.tensor(other, dtype=input.dtype)
    _integers("gcd", input, other)
    input, other = _bools_promoted(input, other)
    a, b = input.abs(), other.abs()
    a, b = a + b * 0, b + a * 0  # one shape and dtype, as PyTorch broadcasts and promotes
    while bool((b != 0).any()):
        nonzero = b != 0
        divisor = backend.where(nonzero, b, backend.ones_like(b))
        a, b = backend.where(nonzero, b, a), backend.where(nonzero, a % divisor,
                                                            backend.zeros_like(b))
    return a


@_composed("lcm", what="the least common multiple of integers, elementwise")
def lcm(backend: Any, input: Any, other: Any) -> Any:
    """The non-negative least common multiple (0 where either is 0), as ``torch.lcm``."""
    other = other if hasattr(other, "dim") else backend.tensor(other, dtype=input.dtype)
    _integers("lcm", input, other)
    input, other = _bools_promoted(input, other)
    g = gcd(backend, input, other)
    safe = backend.where(g == 0, backend.ones_like(g), g)
    return backend.where(g == 0, backend.zeros_like(g), (input // safe * other).abs())


# ------------------------------------------------------------------------- predicates
@_composed("is_complex", what="whether the dtype is complex (never, here)")
def is_complex(backend: Any, input: Any) -> bool:
    """False: gradspec's tensors are real."""
    return False


@_composed("real", "conj", "resolve_conj", "resolve_neg", "conj_physical",
           what="the tensor itself (its real part, its conjugate: the tensors are real)")
def real(backend: Any, input: Any) -> Any:
    """``input`` itself: a real tensor is its own real part and its own conjugate."""
    return input


@_composed("imag", what="refused: real tensors have no imaginary part")
def imag(backend: Any, input: Any) -> Any:
    """PyTorch's refusal: real tensors have no imaginary part."""
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


@_composed("is_conj", "is_neg", what="False: no lazy conjugation or negation here")
def is_conj(backend: Any, input: Any) -> bool:
    """False: gradspec's tensors carry no lazy conjugate or negative bit."""
    return False


@_composed("is_signed", what="whether the dtype holds negative values")
def is_signed(backend: Any, input: Any) -> bool:
    """True for floating and signed integer dtypes, False for uint8 and bool."""
    return str(input.dtype).rsplit(".", 1)[-1] not in ("uint8", "uint16", "uint32", "uint64",
                                                        "bool")


@_composed("is_nonzero", what="the truth of a one-element tensor")
def is_nonzero(backend: Any, input: Any) -> bool:
    """Whether the single element is nonzero; PyTorch's RuntimeError for more or none."""
    n = input.numel()
    if n != 1:
        raise RuntimeError("Boolean value of Tensor with "
                           + ("no values" if n == 0 else "more than one value") + " is ambiguous")
    return bool(input.reshape(()).item() != 0)


@_composed("sum_to_size", what="the sum down to a broadcast-compatible size")
def sum_to_size(backend: Any, input: Any, *size: Any) -> Any:
    """``input`` summed over the dims where ``size`` has 1 (and the leading extra ones), so the
    result has ``size``: the reverse of broadcasting ``size`` up to ``input``'s shape."""
    if len(size) == 1 and hasattr(size[0], "__iter__"):  # one sequence of sizes
        size = tuple(size[0])
    size = tuple(int(s) for s in size)
    shape = tuple(input.shape)
    lead = len(shape) - len(size)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(size, shape[lead:])):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    out = input.sum(dim=tuple(range(lead))) if lead else input
    dims = tuple(i for i, (s, n) in enumerate(zip(size, out.shape)) if s == 1 and n != 1)
    return out.sum(dim=dims, keepdim=True) if dims else out


# ------------------------------------------------------------------------- factories
@_composed("scalar_tensor", what="a 0-d tensor of a number")
def scalar_tensor(backend: Any, s: Any, *, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False, **kwargs: Any) -> Any:
    """A 0-d tensor holding ``s``, float32 unless ``dtype`` says otherwise."""
    return backend.tensor(s, dtype=dtype or backend.get_default_dtype(), device=device,
                          requires_grad=requires_grad)


@_composed("range", what="the inclusive range (deprecated in PyTorch)")
def range_(backend: Any, start: Any = 0, end: Any = None, step: Any = 1, *, dtype: Any = None,
           device: Any = None, requires_grad: bool = False, **kwargs: Any) -> Any:
    """``start, start + step, ...`` up to and including ``end``, floating by default, with
    PyTorch's deprecation warning (use arange, whose end is excluded)."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=3)
    if end is None:
        start, end = 0, start
    count = int((end - start) // step) + 1
    values = backend.arange(max(count, 0), dtype=backend.float64) * step + start
    out = values.to(dtype or backend.get_default_dtype())
    return out.requires_grad_(True) if requires_grad else out


@_composed("asarray", what="a tensor of the data, sharing memory where it can")
def asarray(backend: Any, obj: Any, *, dtype: Any = None, device: Any = None,
            copy: bool | None = None, requires_grad: bool = False) -> Any:
    """``obj`` as a tensor: a tensor of the backend as it is (or converted to ``dtype``), a
    numpy array sharing its memory where the backend can (``torch.as_tensor``), other data
    copied; ``copy=True`` always copies."""
    out = backend.as_tensor(obj, dtype=dtype)
    if copy:
        out = out.clone()
    return out.requires_grad_(True) if requires_grad else out
