"""Convolution layers: Conv1d/2d/3d and ConvTranspose1d/2d/3d (torch.nn's
constructor signatures, initialisation, ``state_dict`` keys and ``padding_mode``)."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..parameter import Parameter
from . import _draw
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value: Any, n: int, what: str) -> tuple[int, ...]:
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an int or a tuple of {n} ints, got a bool")
    if isinstance(value, int):
        return (value,) * n
    items = tuple(int(v) for v in value)
    if len(items) != n:
        raise ValueError(f"{what} must be an int or a tuple of {n} ints, got {value!r}")
    return items


class _ConvNd(Module):
    """What Conv1d/2d and ConvTranspose1d/2d share: shapes, checks, parameters, repr."""

    _dims = 2
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, padding_mode: str,
                 output_padding: Any, device: Any, dtype: Any, backend: Any) -> None:
        super().__init__()
        n = self._dims
        for label, v in (("in_channels", in_channels), ("out_channels", out_channels),
                         ("groups", groups)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{type(self).__name__}: {label} must be a positive integer, "
                                 f"got {v!r}")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {list(PADDING_MODES)}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _ntuple(kernel_size, n, "kernel_size")
        self.stride = _ntuple(stride, n, "stride")
        self.dilation = _ntuple(dilation, n, "dilation")
        self.output_padding = _ntuple(output_padding, n, "output_padding")
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 "{'valid', 'same'}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding: Any = padding
        else:
            self.padding = _ntuple(padding, n, "padding")
        self.groups, self.padding_mode, self.transposed = groups, padding_mode, self._transposed
        backend = self._parameter_backend(backend)
        if self._transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        # torch: kaiming_uniform_(weight, a=sqrt(5)); bias U(+-1/sqrt(fan_in))
        self.weight = Parameter(_draw.kaiming_uniform(backend, shape, dtype, device))
        if bias:
            fan_in = _draw.fans(shape)[0]
            bound = fan_in ** -0.5 if fan_in else 0.0
            self.bias = Parameter(_draw.uniform(backend, (out_channels,), bound, dtype, device))
        else:
            self.register_parameter("bias", None)

    def _padded(self, x: Any) -> tuple[Any, Any]:
        """The input and the padding left for the convolution: a mode other than zeros pads
        the input itself (by F.pad) and convolves without padding."""
        if self.padding_mode == "zeros":
            return x, self.padding
        if isinstance(self.padding, str):
            if self.padding == "valid":
                return x, 0
            widths = []
            for d, k in zip(reversed(self.dilation), reversed(self.kernel_size)):
                total = d * (k - 1)
                widths += [total // 2, total - total // 2]
        else:
            widths = [p for p in reversed(self.padding) for _ in range(2)]
        return F.pad(x, widths, mode=self.padding_mode), 0

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        zeros = (0,) * self._dims
        if self.padding != zeros:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            text += f", dilation={self.dilation}"
        if self.output_padding != zeros:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class _Conv(_ConvNd):
    """What Conv1d/2d/3d share: torch's constructor signature, and a forward that pads as
    ``padding_mode`` says and convolves with the ``F`` function of their dims."""

    _function = "conv2d"  # the name in gradspec.nn.functional

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None, *,
                 backend: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, 0, device, dtype, backend)

    def forward(self, input: Any) -> Any:
        """The convolution of ``input``."""
        return self._conv_forward(input, self.weight, self.bias)

    def _conv_forward(self, input: Any, weight: Any, bias: Any) -> Any:
        """The layer's convolution with a given weight and bias (torch's name: subclasses
        that transform the weight, e.g. weight standardization, call it)."""
        x, padding = self._padded(input)
        return getattr(F, self._function)(x, weight, bias, self.stride, padding, self.dilation,
                                          self.groups)


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) (or (C_in, L)): weight (C_out, C_in / groups, K),
    bias (C_out,), initialised as torch's (kaiming_uniform with a=sqrt(5): U(+-1/sqrt(fan_in)),
    drawn with the backend's seeded generator)."""

    _dims, _function = 1, "conv1d"


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W) (or (C_in, H, W)): weight
    (C_out, C_in / groups, KH, KW), bias (C_out,), initialised as torch's (kaiming_uniform with
    a=sqrt(5): U(+-1/sqrt(fan_in)), drawn with the backend's seeded generator)."""

    _dims, _function = 2, "conv2d"


class Conv3d(_Conv):
    """3-D convolution over (N, C_in, D, H, W) (or (C_in, D, H, W)): weight
    (C_out, C_in / groups, KD, KH, KW), bias (C_out,), initialised as torch's (kaiming_uniform
    with a=sqrt(5): U(+-1/sqrt(fan_in)), drawn with the backend's seeded generator)."""

    _dims, _function = 3, "conv3d"


class _ConvTransposeNd(_ConvNd):
    """What ConvTranspose1d/2d/3d share: torch's constructor signature, the output padding
    ``forward(input, output_size)`` asks for, and the ``F`` function of their dims."""

    _transposed = True
    _function = "conv_transpose2d"  # the name in gradspec.nn.functional

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device, dtype, backend)
        self._check_mode()

    def forward(self, input: Any, output_size: Any = None) -> Any:
        """The transposed convolution of ``input`` (of ``output_size``, when given)."""
        return getattr(F, self._function)(input, self.weight, self.bias, self.stride,
                                          self.padding, self._output_padding(input, output_size),
                                          self.groups, self.dilation)

    def _output_padding(self, input: Any, output_size: Any) -> tuple[int, ...]:
        """The output padding that gives ``output_size`` (torch's rule), or the layer's."""
        if output_size is None:
            return self.output_padding
        n = self._dims
        size = tuple(output_size)[-n:]
        spatial = tuple(input.shape)[-n:]
        out = []
        for i in range(n):
            least = ((spatial[i] - 1) * self.stride[i] - 2 * self.padding[i]
                     + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
            extra = size[i] - least
            if not 0 <= extra < max(self.stride[i], self.dilation[i]):
                raise ValueError(f"requested an output size of {list(size)}, but valid sizes "
                                 f"range from {least} to {least + self.stride[i] - 1} (for an "
                                 f"input of {list(spatial)})")
            out.append(extra)
        return tuple(out)

    def _check_mode(self) -> None:
        if self.padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f"{type(self).__name__}")


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution (Conv1d's adjoint): weight (C_in, C_out / groups, K);
    ``forward(input, output_size=None)`` picks the output padding that gives the size."""

    _dims, _function = 1, "conv_transpose1d"


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution (Conv2d's adjoint): weight (C_in, C_out / groups, KH, KW);
    ``forward(input, output_size=None)`` picks the output padding that gives the size."""

    _dims, _function = 2, "conv_transpose2d"


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution (Conv3d's adjoint): weight (C_in, C_out / groups, KD, KH,
    KW); ``forward(input, output_size=None)`` picks the output padding that gives the size."""

    _dims, _function = 3, "conv_transpose3d"
