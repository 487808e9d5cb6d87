"""``repr`` of tensors in PyTorch's style: ``tensor([6.], grad_fn=<MulBackward0>)``.

Dtypes other than the default dtype, int64 and bool print as ``dtype=torch.float64``.  The
rules follow PyTorch's printing defaults (4 digits of precision; integral floats printed as
``6.``; scientific notation when magnitudes span more than 1000x or leave [1e-4, 1e8);
summaries with 3 edge items above 1000 elements; lines of 80 characters).
"""

from __future__ import annotations

import math
from typing import Any

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80


class _Formatter:
    def __init__(self, values: list, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        if not floating:
            for v in values:
                self.width = max(self.width, len(_plain(v)))
            return
        # As PyTorch: only nonzero finite values decide the mode and the column width; zeros,
        # nan and inf are padded to it (or overflow it).
        nonzero = [v for v in values if math.isfinite(v) and v != 0]
        if not nonzero:
            return
        lo, hi = min(abs(v) for v in nonzero), max(abs(v) for v in nonzero)
        self.int_mode = all(float(v).is_integer() for v in nonzero)
        if self.int_mode:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8
        else:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        for v in nonzero:
            self.width = max(self.width, len(self._text(v)))

    def _text(self, v: Any) -> str:
        if not self.floating:
            return _plain(v)
        if not math.isfinite(v):
            return _plain(v)
        if self.sci_mode:
            return f"{v:.{PRECISION}e}"
        if self.int_mode:
            return f"{v:.0f}."
        return f"{v:.{PRECISION}f}"

    def format(self, v: Any) -> str:
        return self._text(v).rjust(self.width)


def _plain(v: Any) -> str:
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
    return str(v)


def _flat(values: Any) -> list:
    if isinstance(values, list):
        out = []
        for v in values:
            out.extend(_flat(v))
        return out
    return [values]


def _summarize(data: Any, shape: tuple, summarize: bool) -> Any:
    """Nested lists of values, with only the edge items of long dimensions when summarizing."""
    if not shape:
        return data
    if summarize and shape[0] > 2 * EDGEITEMS:
        return [_summarize(d, shape[1:], summarize) for d in data[:EDGEITEMS]] + [None] + [
            _summarize(d, shape[1:], summarize) for d in data[-EDGEITEMS:]]
    return [_summarize(d, shape[1:], summarize) for d in data]


def _body(values: Any, ndim: int, indent: int, fmt: _Formatter) -> str:
    if ndim == 0:
        return fmt.format(values)
    if ndim == 1:
        items = [" ..." if v is None else fmt.format(v) for v in values]  # PyTorch's spacing
        per_line = max(1, int(math.floor((LINEWIDTH - indent) / (fmt.width + 2))))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"
    parts = ["..." if v is None else _body(v, ndim - 1, indent + 1, fmt) for v in values]
    return "[" + ("," + "\n" * (ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def tensor_repr(t: Any) -> str:
    eng = type(t)._eng
    shape = tuple(t.shape)
    prefix = "tensor("
    indent = len(prefix)
    numel = t.numel()
    floating = eng.is_floating(t._data.dtype)
    suffixes = []
    if numel == 0:
        body = "[]"
        if len(shape) != 1:
            suffixes.append(f"size={shape}")
    else:
        summarize = numel > THRESHOLD
        values = _summarize(eng.tolist(t._data), shape, summarize)
        flat = [v for v in _flat(values) if v is not None]
        if eng.is_bool(t._data.dtype):
            flat_fmt = _Formatter(flat, False)
        else:
            flat_fmt = _Formatter(flat, floating)
        body = _body(values, len(shape), indent, flat_fmt)
    dtype = t._data.dtype
    if dtype not in (eng.default_float, eng.int64, eng.bool):
        suffixes.append(f"dtype=torch.{eng.dtype_name(dtype)}")
    if eng.device != "cpu":
        suffixes.insert(0, f"device='{eng.device}'")
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{t._grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return prefix + body + "".join(", " + s for s in suffixes) + ")"
