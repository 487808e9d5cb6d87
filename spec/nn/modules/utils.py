"""``torch.nn.modules.utils``: the helpers layers use to read an int or a tuple as a tuple of
n ints (``_pair(3) == (3, 3)``), which library code imports to build layers like PyTorch's."""

from __future__ import annotations

import collections.abc
from itertools import repeat
from typing import Any, Callable

__all__: list[str] = []


def _ntuple(n: int, name: str = "parse") -> Callable[[Any], tuple]:
    """A function reading ``x`` as ``n`` values: an iterable as its tuple, anything else
    repeated ``n`` times."""
    def parse(x: Any) -> tuple:
        if isinstance(x, collections.abc.Iterable) and not isinstance(x, str):
            return tuple(x)
        return tuple(repeat(x, n))

    parse.__name__ = parse.__qualname__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")


def _reverse_repeat_tuple(t: Any, n: int) -> tuple:
    """Each element of ``t``, last first, repeated ``n`` times (the padding F.pad takes from a
    layer's per-dimension padding)."""
    return tuple(x for x in reversed(t) for _ in range(n))


def _list_with_default(out_size: Any, defaults: Any) -> list:
    """``out_size`` with each None taken from the same position of ``defaults``' last
    dimensions (adaptive pooling's output sizes)."""
    if isinstance(out_size, int):
        return [out_size]
    if len(defaults) <= len(out_size):
        raise ValueError(f"Input dimension should be at least {len(out_size) + 1}")
    return [v if v is not None else d for v, d in zip(out_size, defaults[-len(out_size):])]
