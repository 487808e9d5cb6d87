"""``torch.__version__`` and ``torch.version`` on a backend: what scripts read to decide which
API to use (``if torch.__version__ >= "2.0"``) or print in an environment report.

A gradspec backend follows the behaviour of one PyTorch release (`PYTORCH_VERSION`, the
reference every clause was observed on), so that is the version a script sees, with a local
label naming the backend: ``2.13.0+gradspec.numpy``.  A backend that is PyTorch (the torch
adapter) keeps its own.  The version compares with strings and tuples as PyTorch's does.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["PYTORCH_VERSION", "TorchVersion", "VersionInfo", "torch_version"]

#: the PyTorch release whose behaviour gradspec's contract records
PYTORCH_VERSION = "2.13.0"


def _release(text: Any) -> tuple[int, ...]:
    """The release numbers of a version string or tuple: ``"2.13.0+cpu"`` -> ``(2, 13, 0)``."""
    if isinstance(text, tuple):
        return tuple(int(p) for p in text)
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", str(text))
    if match is None:
        raise ValueError(f"cannot compare a version with {text!r}: expected a version string "
                         "such as '2.0' or a tuple such as (2, 0)")
    return tuple(int(p) for p in match.group(1).split("."))


def _padded(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    n = max(len(a), len(b))
    return a + (0,) * (n - len(a)), b + (0,) * (n - len(b))


class TorchVersion(str):
    """A version string that orders by its release numbers against strings and tuples
    (``"2.13.0+gradspec.numpy" >= "2.0"`` and ``>= (2, 0)`` are True), as
    ``torch.__version__`` does; it is still the string for printing and equality."""

    __slots__ = ()

    def _cmp(self, other: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return _padded(_release(self), _release(other))

    def __lt__(self, other: Any) -> bool:
        a, b = self._cmp(other)
        return a < b

    def __le__(self, other: Any) -> bool:
        a, b = self._cmp(other)
        return a <= b

    def __gt__(self, other: Any) -> bool:
        a, b = self._cmp(other)
        return a > b

    def __ge__(self, other: Any) -> bool:
        a, b = self._cmp(other)
        return a >= b

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, tuple):
            a, b = self._cmp(other)
            return a == b
        return str.__eq__(self, other)

    def __ne__(self, other: Any) -> bool:
        return not self == other

    __hash__ = str.__hash__


class VersionInfo(str):
    """``torch.version``: the backend's own version string (the protocol's ``version``), which
    also answers PyTorch's ``torch.version`` module fields: ``__version__``, ``cuda`` (None
    off CUDA), ``hip``, ``git_version`` and ``debug``."""

    __version__: TorchVersion
    cuda: Any
    hip: Any
    git_version: str
    debug: bool

    def __new__(cls, own: str, torch_version: str, cuda: Any = None) -> "VersionInfo":
        info = super().__new__(cls, own)
        info.__version__ = TorchVersion(torch_version)
        info.cuda = cuda
        info.hip = None
        info.git_version = ""
        info.debug = False
        return info


def torch_version(backend: Any) -> TorchVersion:
    """The ``torch.__version__`` of ``backend``: its own where it is PyTorch, else
    `PYTORCH_VERSION` labelled with the backend's name."""
    own = str(getattr(backend, "version", ""))
    if getattr(backend, "name", "") == "torch" and own[:1].isdigit():
        return TorchVersion(own)
    label = re.sub(r"[^A-Za-z0-9.]+", ".", str(getattr(backend, "name", "backend"))).strip(".")
    return TorchVersion(f"{PYTORCH_VERSION}+gradspec.{label or 'backend'}")
