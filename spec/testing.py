"""``torch.testing``: `assert_close` and `make_tensor`, for the tensors of any backend.

`assert_close` compares as ``torch.testing.assert_close`` does, and says what differs in the
same words: tensors (and numpy arrays) by their attributes (shape, dtype, device; strides
when asked), then elementwise within ``atol + rtol * |expected|`` (tolerances chosen by
dtype unless both are given); Python numbers likewise; sequences and mappings item by item,
the failing item named.  Values are compared in the tensors' own dtype (integers and bools
as int64), so the differences it reports are PyTorch's to the last digit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Callable

from .surface import takes_backend

__all__ = ["assert_close", "assert_allclose", "make_tensor"]

#: dtype name -> (rtol, atol), as PyTorch chooses them
_TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5), "float32": (1.3e-6, 1e-5),
               "float64": (1e-7, 1e-7)}


class _Mismatch(Exception):
    """A difference found: the exception class to raise and its message."""

    def __init__(self, kind: type, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _is_tensor(value: Any) -> bool:
    from .nn.parameter import is_tensor

    return is_tensor(value)


def _is_array(value: Any) -> bool:
    return type(value).__module__ == "numpy" and type(value).__name__ == "ndarray"


def _dtype_name(dtype: Any) -> str:
    return str(dtype).rsplit(".", 1)[-1]


def _as_numpy(value: Any) -> Any:
    import numpy as np

    if _is_array(value):
        return value
    from .plugins import backend_of

    return np.asarray(backend_of(value).to_numpy(value.detach()))


def _tolerances(*names: str) -> tuple[float, float]:
    """The loosest of the dtypes' tolerances (0 for integers and bools)."""
    pairs = [_TOLERANCES.get(n, (0.0, 0.0)) for n in names]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _check_tolerances(rtol: Any, atol: Any) -> None:
    if (rtol is None) != (atol is None):
        missing = "rtol" if rtol is None else "atol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {missing}.")


def _diff_line(kind: str, diff: Any, index: Any, tol: float, equality: bool) -> str:
    line = (f"{kind.title()} difference: {diff}" if index is None
            else f"Greatest {kind} difference: {diff} at index {index}")
    return line if equality else f"{line} (up to {tol} allowed)"


def _report(what: str, extra: str, abs_diff: Any, abs_at: Any, rel_diff: Any, rel_at: Any,
            rtol: float, atol: float) -> str:
    equality = rtol == 0 and atol == 0
    return "\n".join([f"{what} are not {'equal' if equality else 'close'}!", "", extra,
                      _diff_line("absolute", abs_diff, abs_at, atol, equality),
                      _diff_line("relative", rel_diff, rel_at, rtol, equality)])


def _scalar_report(actual: Any, expected: Any, rtol: float, atol: float) -> str:
    abs_diff = abs(actual - expected)
    rel_diff = math.inf if expected == 0 else abs_diff / abs(expected)
    return _report("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None,
                   rel_diff, None, rtol, atol)


def _values_close(a: Any, e: Any, rtol: float, atol: float, equal_nan: bool) -> Any:
    """Elementwise ``|a - e| <= atol + rtol * |e|`` in the arrays' dtype, infinities equal
    to themselves, NaN to NaN where ``equal_nan``."""
    import numpy as np

    with np.errstate(all="ignore"):
        if a.dtype.kind in "fc":
            close = np.abs(a - e) <= a.dtype.type(atol) + a.dtype.type(rtol) * np.abs(e)
            close |= a == e
            if equal_nan:
                close |= np.isnan(a) & np.isnan(e)
            return close
        return a == e


def _compare_arrays(a: Any, e: Any, rtol: float, atol: float, equal_nan: bool) -> None:
    import numpy as np

    close = _values_close(a, e, rtol, atol, equal_nan)
    if bool(np.all(close)):
        return
    if a.dtype.kind not in "fc":  # differences of integers and bools, as int64
        a, e = a.astype(np.int64), e.astype(np.int64)
    if a.shape == ():
        raise _Mismatch(AssertionError, _scalar_report(a.item(), e.item(), rtol, atol))
    with np.errstate(all="ignore"):
        abs_diff = np.abs(a - e).reshape(-1)
        abs_diff[close.reshape(-1)] = 0
        wide = abs_diff if a.dtype.kind in "fc" else abs_diff.astype(np.float32)
        expected = np.abs(e.reshape(-1)).astype(wide.dtype)
        rel_diff = wide / expected
        rel_diff[close.reshape(-1)] = 0
    total, wrong = close.size, close.size - int(np.count_nonzero(close))
    extra = f"Mismatched elements: {wrong} / {total} ({wrong / total:.1%})"
    # (the first greatest, NaN counting as greatest, as torch.max finds it)
    at_abs = int(np.argmax(abs_diff)) if not np.isnan(abs_diff).any() else \
        int(np.flatnonzero(np.isnan(abs_diff))[0])
    at_rel = int(np.argmax(rel_diff)) if not np.isnan(rel_diff).any() else \
        int(np.flatnonzero(np.isnan(rel_diff))[0])
    raise _Mismatch(AssertionError, _report(
        "Tensor-likes", extra, abs_diff[at_abs].item(), _position(at_abs, a.shape),
        rel_diff[at_rel].item(), _position(at_rel, a.shape), rtol, atol))


def _position(flat: int, shape: tuple) -> tuple[int, ...]:
    import numpy as np

    return tuple(int(i) for i in np.unravel_index(flat, shape))


def _attribute(name: str, actual: Any, expected: Any) -> None:
    if actual != expected:
        raise _Mismatch(AssertionError, f"The values for attribute '{name}' do not match: "
                                        f"{actual} != {expected}.")


def _compare_tensor_likes(actual: Any, expected: Any, rtol: Any, atol: Any, equal_nan: bool,
                          check_device: bool, check_dtype: bool, check_stride: bool) -> None:
    import numpy as np

    _attribute("shape", actual.shape, expected.shape)
    tensors = _is_tensor(actual) and _is_tensor(expected)
    if tensors and check_device:
        _attribute("device", actual.device, expected.device)
    if check_dtype:
        _attribute("dtype", actual.dtype, expected.dtype)
    if tensors and check_stride:
        _attribute("stride()", actual.stride(), expected.stride())
    a, e = _as_numpy(actual), _as_numpy(expected)
    if rtol is None:
        rtol, atol = _tolerances(_dtype_name(a.dtype), _dtype_name(e.dtype))
    if a.dtype != e.dtype:
        common = np.promote_types(a.dtype, e.dtype)
        a, e = a.astype(common), e.astype(common)
    _compare_arrays(a, e, rtol, atol, equal_nan)


_NUMBERS = (bool, int, float, complex)


def _compare(actual: Any, expected: Any, path: str, options: dict) -> None:
    """Raise `_Mismatch` (its message naming the item, under ``path``) where they differ."""
    try:
        _compare_one(actual, expected, path, options)
    except _Mismatch as found:
        if path and not getattr(found, "placed", False):
            found.message += f"\n\nThe failure occurred for item {path}"
            found.placed = True  # type: ignore[attr-defined]
        raise


def _compare_one(actual: Any, expected: Any, path: str, options: dict) -> None:
    if actual is None or expected is None:
        if not (actual is None and expected is None):
            raise _Mismatch(AssertionError, f"None mismatch: {actual} is not {expected}")
        return
    like_a = _is_tensor(actual) or _is_array(actual)
    like_e = _is_tensor(expected) or _is_array(expected)
    if like_a and like_e and _is_tensor(actual) == _is_tensor(expected):
        _compare_tensor_likes(actual, expected, options["rtol"], options["atol"],
                              options["equal_nan"], options["check_device"],
                              options["check_dtype"], options["check_stride"])
        return
    if isinstance(actual, _NUMBERS) and isinstance(expected, _NUMBERS) \
            and not (like_a or like_e):
        if options["check_dtype"] and type(actual) is not type(expected):
            raise _Mismatch(AssertionError, f"The (d)types do not match: {type(actual)} != "
                                            f"{type(expected)}.")
        rtol, atol = options["rtol"], options["atol"]
        if rtol is None:
            floating = isinstance(actual, (float, complex)) or isinstance(expected,
                                                                          (float, complex))
            rtol, atol = _TOLERANCES["float64"] if floating else (0.0, 0.0)
        if actual == expected or (options["equal_nan"] and actual != actual
                                  and expected != expected):
            return
        if abs(actual - expected) <= atol + rtol * abs(expected):
            return
        raise _Mismatch(AssertionError, _scalar_report(actual, expected, rtol, atol))
    text = (str, bytes)
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing or extra:
            raise _Mismatch(AssertionError, f"The keys of the mappings do not match:\n"
                                            f"Missing keys in the actual mapping: {missing}\n"
                                            f"Additional keys in the actual mapping: {extra}")
        for key in expected:
            _compare(actual[key], expected[key], f"{path}[{key!r}]", options)
        return
    if (isinstance(actual, Sequence) and isinstance(expected, Sequence)
            and not isinstance(actual, text) and not isinstance(expected, text)
            and not (like_a or like_e)):
        if len(actual) != len(expected):
            raise _Mismatch(AssertionError, f"The length of the sequences mismatch: "
                                            f"{len(actual)} != {len(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, f"{path}[{i}]", options)
        return
    raise _Mismatch(TypeError, f"No comparison pair was able to handle inputs of type "
                               f"{type(actual)} and {type(expected)}.")


def assert_close(actual: Any, expected: Any, *, allow_subclasses: bool = True,
                 rtol: float | None = None, atol: float | None = None, equal_nan: bool = False,
                 check_device: bool = True, check_dtype: bool = True, check_layout: bool = True,
                 check_stride: bool = False, msg: str | Callable[[str], str] | None = None
                 ) -> None:
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` are close: tensors (or
    numpy arrays) of the same shape, dtype and device whose elements differ by at most
    ``atol + rtol * |expected|``, Python numbers likewise, or sequences and mappings of such
    (compared item by item).  ``rtol`` and ``atol`` default by dtype (float32: 1.3e-6 and
    1e-5; float64: 1e-7; integers and bools: exact) and are given both or neither;
    ``equal_nan`` counts NaN as equal to NaN; ``check_dtype=False`` compares in the common
    dtype; ``msg`` replaces the message (a callable receives it and returns the new one).
    ``allow_subclasses`` and ``check_layout`` are accepted (one tensor class, one layout)."""
    _check_tolerances(rtol, atol)
    options = dict(rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=check_device,
                   check_dtype=check_dtype, check_stride=check_stride)
    try:
        _compare(actual, expected, "", options)
    except _Mismatch as found:
        message = found.message
        if msg is not None:
            message = msg(message) if callable(msg) else msg
        raise found.kind(message) from None


def assert_allclose(actual: Any, expected: Any, rtol: float | None = None,
                    atol: float | None = None, equal_nan: bool = True,
                    msg: str = "") -> None:
    """The deprecated form of `assert_close`: dtypes may differ, NaN equals NaN."""
    import warnings

    warnings.warn("`torch.testing.assert_allclose()` is deprecated since 1.12 and will be "
                  "removed in a future release. Please use `torch.testing.assert_close()` "
                  "instead.", FutureWarning, stacklevel=2)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
                 check_device=True, check_dtype=False, check_stride=False, msg=msg or None)


@takes_backend
def make_tensor(*shape: Any, dtype: Any, device: Any, low: float | None = None,
                high: float | None = None, requires_grad: bool = False,
                noncontiguous: bool = False, exclude_zero: bool = False,
                memory_format: Any = None, backend: Any = None) -> Any:
    """A tensor of ``shape`` filled with random values of ``dtype`` on ``device`` (None: the
    backend's), uniform in ``[low,
    high)`` (default ``[-9, 9)``; bool: True or False; unsigned: from 0); ``exclude_zero``
    replaces zeros by the dtype's smallest positive step; ``requires_grad`` for floats."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    B = backend
    name = _dtype_name(dtype)
    if name == "bool":
        t = B.randint(0, 2, shape).to(dtype)
    elif name.startswith(("int", "uint")):
        lo = int(math.ceil(low)) if low is not None else (0 if name == "uint8" else -9)
        hi = int(math.ceil(high)) if high is not None else 10
        if exclude_zero and lo == 0 and hi == 1:
            raise ValueError("make_tensor: exclude_zero with the range [0, 1) leaves no value")
        t = B.randint(lo, hi, shape).to(dtype)
        if exclude_zero:
            t = B.where(t == 0, B.ones_like(t), t)
    else:
        lo = -9.0 if low is None else float(low)
        hi = 9.0 if high is None else float(high)
        if lo > hi:
            raise ValueError(f"make_tensor: low ({lo}) must not exceed high ({hi})")
        t = B.rand(*shape, dtype=dtype) * (hi - lo) + lo
        if exclude_zero:
            tiny = B.finfo(dtype).tiny if hasattr(B, "finfo") else 1e-30
            t = B.where(t == 0, B.full_like(t, tiny), t)
    if device is not None:
        t = t.to(device)
    if requires_grad:
        t.requires_grad_(True)
    return t
