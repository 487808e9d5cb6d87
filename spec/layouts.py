"""PyTorch's names for how a tensor is laid out: memory formats (``torch.channels_last``...) and
layouts (``torch.strided``).  The engine keeps every tensor dense and C-contiguous, so it takes
these where PyTorch's signatures do (``x.to(memory_format=torch.channels_last)``,
``zeros_like(x, memory_format=...)``) and lays the result out the one way it has; code that
names them runs, and computes the same numbers."""

from __future__ import annotations


class _Named:
    """A named constant of PyTorch's (``torch.channels_last``): shown, compared and pickled by
    name."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name  # pickled as the module-level instance of that name


class memory_format(_Named):
    """A memory format (``torch.memory_format``)."""

    __slots__ = ()


class layout(_Named):
    """A layout (``torch.layout``)."""

    __slots__ = ()


contiguous_format = memory_format("contiguous_format")
"""Row-major order, the engine's only layout in memory."""
channels_last = memory_format("channels_last")
"""NHWC order for 4-d tensors in PyTorch; accepted and laid out contiguously here."""
channels_last_3d = memory_format("channels_last_3d")
"""NDHWC order for 5-d tensors in PyTorch; accepted and laid out contiguously here."""
preserve_format = memory_format("preserve_format")
"""Keep the input's format (the default of ``clone`` and the ``*_like`` factories)."""
legacy_contiguous_format = memory_format("legacy_contiguous_format")
"""An internal alias of ``contiguous_format`` some of PyTorch's own Python code names."""
strided = layout("strided")
"""Dense tensors, the engine's only layout."""
sparse_coo = layout("sparse_coo")
"""PyTorch's COO sparse layout; the engine holds such tensors dense."""

MEMORY_FORMATS = (contiguous_format, channels_last, channels_last_3d, preserve_format,
                  legacy_contiguous_format)
"""Every memory format, as a backend exposes them (``torch.channels_last``)."""
LAYOUTS = (strided, sparse_coo)
"""Every layout, as a backend exposes them (``torch.strided``)."""
