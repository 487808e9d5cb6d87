"""Devices as PyTorch users know them: ``torch.device("cuda:0")``, ``x.device``, ``x.to(device)``.

`device` is gradspec's device object, with ``torch.device``'s constructor, attributes,
printing and equality (a device equals a device of the same type and index, never a string:
``torch.device("cpu") == "cpu"`` is False in PyTorch 2.13 too; compare ``str(d)`` or ``d.type``).

A backend's ``device`` attribute is two things at once: the protocol's string naming where
the backend keeps its tensors (``"cpu"``, ``"cuda:0"``), and the ``torch.device`` a program
calls.  `BackendDevice` is that string, callable: ``torch.device("cpu")`` builds a device
object of the backend's kind, and ``isinstance(x.device, torch.device)`` works.

>>> from gradspec.devices import device
>>> device("cuda", 1), str(device("cuda:1")), device("cpu") == device("cpu")
(device(type='cuda', index=1), 'cuda:1', True)
"""

from __future__ import annotations

from typing import Any, Callable

__all__ = ["BackendDevice", "device", "parse_device"]

#: device types PyTorch's device strings may start with (the ones a user is likely to meet)
KNOWN_TYPES = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "ipu", "hpu", "mtia")


def parse_device(spec: Any, index: int | None = None) -> tuple[str, int | None]:
    """``(type, index)`` from what ``torch.device`` accepts: ``"cpu"``, ``"cuda:1"``,
    ``("cuda", 1)``, an int (a CUDA index), or a device object (any with ``type``/``index``)."""
    if isinstance(spec, bool):
        raise TypeError(f"device() takes a string, an int or a device, got {spec!r}")
    if isinstance(spec, int):
        if index is not None:
            raise TypeError("device(int) takes no index")
        if spec < 0:
            raise RuntimeError(f"device index must not be negative, got {spec}")
        return "cuda", spec
    if not isinstance(spec, str):
        kind, idx = getattr(spec, "type", None), getattr(spec, "index", None)
        if not isinstance(kind, str):
            raise TypeError(f"device() takes a string, an int or a device, got "
                            f"{type(spec).__name__}")
        if index is not None:
            raise TypeError("device(device) takes no index")
        return kind, idx
    text = spec.strip()
    kind, sep, number = text.partition(":")
    if kind not in KNOWN_TYPES:
        raise RuntimeError(
            f"Expected one of {', '.join(KNOWN_TYPES)} device type at start of device string: "
            f"{spec}")
    if sep:
        if index is not None:
            raise RuntimeError(f"device string {spec!r} already has an index; give one or the "
                               "other")
        if not number.isdigit() or (len(number) > 1 and number[0] == "0"):
            raise RuntimeError(f"Invalid device string: {spec!r} (the index must be a number)")
        index = int(number)
    if index is not None:
        if isinstance(index, bool) or not isinstance(index, int):
            raise RuntimeError(f"device index must be an int, got {index!r}")
        if index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
    return kind, index


class device:
    """A device: ``type`` (``"cpu"``, ``"cuda"``, ...) and ``index`` (None or an int).

    ``device("cuda:1")``, ``device("cuda", 1)``, ``device(1)`` (a CUDA index) and
    ``device(other_device)`` are all accepted, as in PyTorch.  Immutable and hashable.
    """

    __slots__ = ("_type", "_index")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002 (torch's name)
        kind, idx = parse_device(type, index)
        object.__setattr__(self, "_type", kind)
        object.__setattr__(self, "_index", idx)

    @property
    def type(self) -> str:
        """The device type, e.g. ``"cuda"``."""
        return self._type

    @property
    def index(self) -> int | None:
        """The device index, or None when unspecified."""
        return self._index

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("device objects are immutable")

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type={self._type!r})"
        return f"device(type={self._type!r}, index={self._index})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, device):
            return self._type == other._type and self._index == other._index
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __reduce__(self) -> Any:
        return (device, (str(self),))


class BackendDevice(str):
    """A backend's ``device`` attribute: the string naming where it keeps its tensors, callable
    as ``torch.device`` (it builds device objects of the backend's kind)."""

    __slots__ = ("_make", "_kind")

    def __new__(cls, where: str, make: Callable[..., Any] = device,
                kind: type = device) -> "BackendDevice":
        self = super().__new__(cls, where)
        self._make = make
        self._kind = kind
        return self

    def __call__(self, type: Any, index: int | None = None) -> Any:  # noqa: A002
        """A device object: ``torch.device("cuda:0")``, ``torch.device("cuda", 0)``."""
        return self._make(type) if index is None else self._make(type, index)

    def __instancecheck__(self, obj: Any) -> bool:
        return isinstance(obj, self._kind)

    def __reduce__(self) -> Any:
        return (str, (str(self),))
