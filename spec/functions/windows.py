"""Window functions of signal processing: hann, hamming, blackman, bartlett and kaiser
windows, periodic by default as PyTorch's (a window of ``N + 1`` points without its last).
Each is computed in its dtype by PyTorch's steps, so float32 windows match it to the bit."""

from __future__ import annotations

import math
from typing import Any

from .registry import _composed


def _steps(backend: Any, name: str, length: int, periodic: bool, dtype: Any) -> tuple[int, Any]:
    """(N - 1 of the symmetric window the result is cut from, n = 0 .. length - 1 in
    ``dtype``); the window of 0 or 1 points is handled by the caller."""
    if length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got "
                           f"window_length={length}")
    dtype = dtype if dtype is not None else backend.get_default_dtype()
    if not str(dtype).rsplit(".", 1)[-1].startswith(("float", "bfloat")):
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dtype}")
    return (length if periodic else length - 1), backend.arange(length, dtype=dtype)


def _trivial(backend: Any, length: int, dtype: Any, requires_grad: bool) -> Any:
    out = backend.ones(length, dtype=dtype if dtype is not None else
                       backend.get_default_dtype())
    return out.requires_grad_() if requires_grad else out


def _done(window: Any, requires_grad: bool) -> Any:
    return window.requires_grad_() if requires_grad else window


@_composed("hamming_window", what="the Hamming window")
def hamming_window(backend: Any, window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype: Any = None, layout: Any = None,
                   device: Any = None, requires_grad: bool = False) -> Any:
    """``alpha - beta cos(2 pi n / N)``."""
    span, n = _steps(backend, "hamming_window", window_length, periodic, dtype)
    if window_length <= 1:
        return _trivial(backend, window_length, dtype, requires_grad)
    return _done((n * (math.pi * 2.0 / span)).cos() * -beta + alpha, requires_grad)


@_composed("hann_window", what="the Hann window")
def hann_window(backend: Any, window_length: int, periodic: bool = True, *, dtype: Any = None,
                layout: Any = None, device: Any = None, requires_grad: bool = False) -> Any:
    """``0.5 - 0.5 cos(2 pi n / N)``."""
    return hamming_window(backend, window_length, periodic, 0.5, 0.5, dtype=dtype,
                          requires_grad=requires_grad)


@_composed("blackman_window", what="the Blackman window")
def blackman_window(backend: Any, window_length: int, periodic: bool = True, *,
                    dtype: Any = None, layout: Any = None, device: Any = None,
                    requires_grad: bool = False) -> Any:
    """``0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N)``."""
    span, n = _steps(backend, "blackman_window", window_length, periodic, dtype)
    if window_length <= 1:
        return _trivial(backend, window_length, dtype, requires_grad)
    angle = n * (math.pi / span)
    return _done((angle * 4).cos() * 0.08 - (angle * 2).cos() * 0.5 + 0.42, requires_grad)


@_composed("bartlett_window", what="the Bartlett (triangular) window")
def bartlett_window(backend: Any, window_length: int, periodic: bool = True, *,
                    dtype: Any = None, layout: Any = None, device: Any = None,
                    requires_grad: bool = False) -> Any:
    """``2 n / N`` rising to 1 at the middle, then ``2 - 2 n / N``."""
    span, n = _steps(backend, "bartlett_window", window_length, periodic, dtype)
    if window_length <= 1:
        return _trivial(backend, window_length, dtype, requires_grad)
    rising = n * (2.0 / span)
    half = span // 2 + 1  # the rising half's length (of the symmetric window)
    return _done(backend.where(n < half, rising, 2 - rising), requires_grad)


@_composed("kaiser_window", what="the Kaiser window")
def kaiser_window(backend: Any, window_length: int, periodic: bool = True, beta: float = 12.0, *,
                  dtype: Any = None, layout: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Any:
    """``I0(beta sqrt(1 - ((n - N/2) / (N/2))**2)) / I0(beta)``."""
    span, n = _steps(backend, "kaiser_window", window_length, periodic, dtype)
    if window_length <= 1:
        return _trivial(backend, window_length, dtype, requires_grad)
    middle = span / 2.0
    ratio = (n - middle) / middle
    top = backend.special.i0((1 - ratio * ratio).sqrt() * beta)
    bottom = backend.special.i0(backend.full((), float(beta), dtype=n.dtype))
    return _done(top / bottom, requires_grad)
