"""``repr`` of tensors in PyTorch's style: ``tensor([6.], grad_fn=<MulBackward0>)``.

The text is PyTorch 2.x's, character for character (``torch/_tensor_str.py`` is the reference;
this is our own code following its rules):

* values: 4 digits of precision; floats whose nonzero finite values are all integral print as
  ``6.``; scientific notation when those values span more than 1000x, or leave [1e-4, 1e8];
  one column width for the whole tensor, set by the nonzero finite values;
* summaries (``...``) with 3 edge items per dimension above 1000 elements;
* lines of 80 characters: a row of numbers wraps, and each suffix (``dtype=``, ``size=``,
  ``grad_fn=``, ...) that would pass the width goes on its own line, aligned after ``tensor(``;
* suffixes: ``dtype=`` for dtypes other than the default float dtype, int64 and bool (an empty
  tensor shows every dtype but the default float one, there being no values to tell), ``size=``
  for empty tensors that are not 1-D (and for all tensors when ``edgeitems`` is 0).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

from .node import short_name
from .tensor import PARAMETERS

PRECISION = 4
THRESHOLD: float = 1000
EDGEITEMS = 3
LINEWIDTH = 80
SCI_MODE = None  # None: chosen per tensor from its values; True/False: always/never

_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80),
             "full": (4, float("inf"), 3, 80)}


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """How tensors print, for every tensor of the engine (process-wide, as in PyTorch): digits
    after the point (``precision``), the element count above which a summary is printed
    (``threshold``) with ``edgeitems`` per edge, characters per line (``linewidth``), a
    ``profile`` (``"default"``, ``"short"``, ``"full"``) setting those four at once, and
    ``sci_mode`` (True/False: always/never scientific; None: chosen from the values).

    As in PyTorch, ``sci_mode`` is reset to None by every call that does not pass it."""
    global PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH, SCI_MODE
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions(): unknown profile {profile!r}; use one of "
                             f"{sorted(_PROFILES)}")
        PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = _PROFILES[profile]
    if precision is not None:
        PRECISION = int(precision)
    if threshold is not None:
        THRESHOLD = threshold
    if edgeitems is not None:
        EDGEITEMS = int(edgeitems)
    if linewidth is not None:
        LINEWIDTH = int(linewidth)
    SCI_MODE = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options, as ``torch.get_printoptions()`` gives them: a dict that can be
    passed back as ``set_printoptions(**options)``."""
    return {"precision": PRECISION, "threshold": THRESHOLD, "edgeitems": EDGEITEMS,
            "linewidth": LINEWIDTH, "sci_mode": SCI_MODE}


@contextlib.contextmanager
def printoptions(**options: Any) -> Iterator[None]:
    """``with printoptions(precision=2): ...``: the options of `set_printoptions` for the block
    only, restored after it (as ``torch.printoptions``)."""
    saved = get_printoptions()
    set_printoptions(**options)
    try:
        yield
    finally:
        set_printoptions(**saved)


class _Formatter:
    """One number format for all values of a tensor: the mode (integral floats, fixed or
    scientific) and the column width, chosen from the values printed."""

    def __init__(self, values: list, floating: bool) -> None:
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        if not floating:
            for v in values:
                self.width = max(self.width, len(str(v)))
            return
        # As PyTorch: only nonzero finite values decide the mode and the column width; zeros,
        # nan and inf are padded to it (or overflow it).
        nonzero = [v for v in values if math.isfinite(v) and v != 0]
        if not nonzero:
            return
        lo, hi = min(abs(v) for v in nonzero), max(abs(v) for v in nonzero)
        self.int_mode = all(float(v).is_integer() for v in nonzero)
        if SCI_MODE is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = bool(SCI_MODE)
        for v in nonzero:
            self.width = max(self.width, len(self._text(v)))

    def _text(self, v: Any) -> str:
        if not self.floating:
            return str(v)  # ints, and bools as True/False
        if self.sci_mode:
            return f"{v:.{PRECISION}e}"
        if self.int_mode:
            # "6." marks a float tensor whose values are integral; nan and inf have no point
            return f"{v:.0f}" + ("." if math.isfinite(v) else "")
        return f"{v:.{PRECISION}f}"

    def format(self, v: Any) -> str:
        """``v`` in this format, right-aligned to the column width."""
        return self._text(v).rjust(self.width)


def _edges(t: Any, shape: tuple) -> Any:
    """The tensor's data with only the edge items of each dimension longer than twice
    ``EDGEITEMS`` (sliced before leaving the device: a summary never copies the whole tensor)."""
    xp = type(t)._xp
    a = t._data
    for axis, n in enumerate(shape):
        if n > 2 * EDGEITEMS:
            # trailing ellipsis: the standard (array_api_strict) wants every axis indexed
            head = (slice(None),) * axis + (slice(0, EDGEITEMS), Ellipsis)
            tail = (slice(None),) * axis + (slice(n - EDGEITEMS, n), Ellipsis)
            a = xp.concat([a[head], a[tail]], axis=axis)
    return a


def _mark_gaps(data: Any, shape: tuple) -> Any:
    """Nested lists of the edge values (from `_edges`), with None where the middle items of a
    summarized dimension were left out."""
    if len(shape) == 0:
        return data
    rows = [_mark_gaps(d, shape[1:]) for d in data]
    if shape[0] > 2 * EDGEITEMS:
        return rows[:EDGEITEMS] + [None] + rows[EDGEITEMS:]
    return rows


def _flat(values: Any) -> list:
    if isinstance(values, list):
        out = []
        for v in values:
            if v is not None:
                out.extend(_flat(v))
        return out
    return [values]


def _body(values: Any, ndim: int, indent: int, fmt: _Formatter) -> str:
    """The bracketed values, rows wrapped at the line width; ``indent``: the column of the
    opening bracket."""
    if ndim == 0:
        return fmt.format(values)
    if ndim == 1:
        items = [" ..." if v is None else fmt.format(v) for v in values]  # PyTorch's spacing
        per_line = max(1, math.floor((LINEWIDTH - indent) / (fmt.width + 2)))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"
    parts = ["..." if v is None else _body(v, ndim - 1, indent + 1, fmt) for v in values]
    return "[" + ("," + "\n" * (ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _values_text(t: Any, shape: tuple, indent: int) -> str:
    eng = type(t)._eng
    if t.numel() <= THRESHOLD:
        values = eng.tolist(t._data)
    elif EDGEITEMS <= 0:
        return "[...]"  # a summary with no edge items: PyTorch prints the ellipsis alone
    else:
        values = _mark_gaps(eng.tolist(_edges(t, shape)), shape)
    fmt = _Formatter(_flat(values), eng.is_floating(t._data.dtype))
    return _body(values, len(shape), indent, fmt)


def _with_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """``text`` closed with its suffixes: each one that would take the line past the line width
    starts a new line, aligned at ``indent`` (PyTorch's rule, its arithmetic included: the last
    line counts two characters more than it has)."""
    out = [text]
    line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line + len(suffix) + 2 > LINEWIDTH:
            out.append(",\n" + " " * indent + suffix)
            line = indent + len(suffix)
        else:
            out.append(", " + suffix)
            line += len(suffix) + 2
    out.append(")")
    return "".join(out)


def tensor_repr(t: Any) -> str:
    """``repr(t)`` (and ``str(t)``) as PyTorch prints the same tensor."""
    eng = type(t)._eng
    shape = tuple(t.shape)
    prefix = "tensor("
    indent = len(prefix)
    dtype = t._data.dtype
    suffixes = []
    if eng.device != "cpu":
        suffixes.append(f"device='{eng.device}'")
    if t.numel() == 0:
        body = "[]"
        if len(shape) != 1:  # as NumPy: the shape of an empty tensor unless it is (0,)
            suffixes.append(f"size={shape}")
        if dtype != eng.default_float:  # no values to tell an int64 or bool tensor by
            suffixes.append(f"dtype=torch.{eng.dtype_name(dtype)}")
    else:
        body = _values_text(t, shape, indent)
        if EDGEITEMS <= 0:  # no values may show: the size says what is there
            suffixes.append(f"size={shape}")
        if dtype not in (eng.default_float, eng.int64, eng.bool):
            suffixes.append(f"dtype=torch.{eng.dtype_name(dtype)}")
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{short_name(t._grad_fn)}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    text = _with_suffixes(prefix + body, suffixes, indent)
    if t._grad_fn is None and PARAMETERS.get(id(t)) is t:
        return "Parameter containing:\n" + text  # nn.Parameter's own form, as PyTorch's
    return text
