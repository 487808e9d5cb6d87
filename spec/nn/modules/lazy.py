"""Lazy layers: the input size comes from the first batch (``nn.LazyLinear(10)``).

A lazy layer holds uninitialized parameters (`UninitializedParameter`: empty tensors of its
backend) until its first call.  Then a forward pre-hook builds the layer it stands for with the
sizes the input shows (``Linear(x.shape[-1], 10)``: the same checks, the same initial draws as
constructing that layer at that moment), moves the values into the lazy layer's own parameter
objects (so an optimizer made before the first call updates them), and turns the layer into
that class, as PyTorch does: ``print(net)`` then shows ``Linear(in_features=20, ...)``.
``load_state_dict`` gives uninitialized entries the checkpoint's shapes.
"""

from __future__ import annotations

from typing import Any

from ..parameter import (UninitializedBuffer, UninitializedParameter, forget_uninitialized,
                         is_uninitialized, mark_uninitialized)
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d, _BatchNorm
from .conv import (Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d,
                   _ConvNd, _ntuple)
from .linear import Linear
from ...plugins import backend_of
from .module import Module

__all__ = ["LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv1d", "LazyConv2d",
           "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
           "LazyLinear", "LazyModuleMixin"]


class LazyModuleMixin:
    """What the lazy layers share: the first call infers the sizes (`initialize_parameters`),
    then the layer becomes ``cls_to_become``."""

    #: the class a layer turns into once its parameters are initialized
    cls_to_become: type | None = None

    def _lazy_start(self, backend: Any, dtype: Any, device: Any) -> Any:
        """Remember the factory settings, hook the first call; the backend to build on."""
        self._lazy_where = (dtype, device)  # (the backend object is not kept: deepcopy, pickle)
        self._initialize_hook = self.register_forward_pre_hook(_infer_parameters)
        return self._parameter_backend(backend)

    def _waiting(self, backend: Any, kind: type = UninitializedParameter) -> Any:
        """An uninitialized parameter (or buffer) on ``backend``, in this layer's dtype and
        device."""
        dtype, device = self._lazy_where
        return kind(device=device, dtype=dtype, backend=backend)

    def _where(self) -> tuple[Any, Any, Any]:
        """The backend, dtype and device to build on: those of the uninitialized tensors now
        (``.double()`` before the first call converts them, as in PyTorch)."""
        dtype, device = self._lazy_where
        for t in (*self._parameters.values(), *self._buffers.values()):
            if t is not None and is_uninitialized(t):
                return backend_of(t), t.dtype, device
        raise RuntimeError(f"{self._get_name()} has nothing left to initialize")

    def __getstate__(self) -> dict[str, Any]:
        # a copy (deepcopy, pickle) of an uninitialized tensor is a new tensor: name them, so
        # that the copy's are marked too
        state = dict(self.__dict__)
        state["_lazy_waiting"] = [(kind, name) for kind in ("_parameters", "_buffers")
                                  for name, t in self.__dict__[kind].items()
                                  if t is not None and is_uninitialized(t)]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        waiting = state.pop("_lazy_waiting", [])
        self.__dict__.update(state)
        for kind, name in waiting:
            mark_uninitialized(self.__dict__[kind][name])

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer of this layer still waits for its shape."""
        return any(is_uninitialized(t) for t in (*self._parameters.values(),
                                                  *self._buffers.values()))

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Give the uninitialized parameters the shapes ``args`` call for (subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must define initialize_parameters()")

    def _take(self, built: Module, backend: Any, *sizes: str) -> None:
        """Move the values of ``built`` (the layer this one stands for, built with the inferred
        sizes) into this layer's own parameter and buffer objects, and take its ``sizes``."""
        with backend.no_grad():
            for own, theirs in ((self._parameters, built._parameters),
                                (self._buffers, built._buffers)):
                for name, t in own.items():
                    if t is not None and is_uninitialized(t):
                        t.data = theirs[name].data
                        forget_uninitialized(t)
        for name in sizes:
            setattr(self, name, getattr(built, name))


def _infer_parameters(module: Any, args: tuple) -> None:
    """The forward pre-hook of a lazy layer: initialize, check, become the target class."""
    module.initialize_parameters(*args)
    if module.has_uninitialized_params():
        raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
    module._initialize_hook.remove()
    del module._initialize_hook
    module.__dict__.pop("_lazy_where", None)
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become


def _positive(layer: str, label: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{layer}: {label} must be a positive integer, got {value!r}")


class LazyLinear(LazyModuleMixin, Linear):
    """`Linear` whose ``in_features`` is the last dim of the first input it is called on."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        Module.__init__(self)  # (not Linear's: there is no input size yet)
        _positive("LazyLinear", "out_features", out_features)
        self.in_features, self.out_features = 0, out_features
        where = self._lazy_start(backend, dtype, device)
        self.weight = self._waiting(where)
        if bias:
            self.bias = self._waiting(where)
        else:
            self.register_parameter("bias", None)

    def initialize_parameters(self, input: Any) -> None:
        """Build the weight (out_features, input.shape[-1]) and the bias."""
        if not self.has_uninitialized_params():
            return
        backend, dtype, device = self._where()
        built = Linear(input.shape[-1], self.out_features, self.bias is not None, device, dtype,
                       backend=backend)
        self._take(built, backend, "in_features")


class _LazyConvNd(LazyModuleMixin, _ConvNd):
    """A lazy convolution: ``in_channels`` is the channel dim of the first input (dim 1, or dim
    0 of an unbatched input).  Its subclasses name the layer they become; this constructor has
    the signature of `Conv1d`/`Conv2d`/`Conv3d` less ``in_channels``."""

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None, *,
                 backend: Any = None) -> None:
        self._lazy_conv(out_channels, kernel_size, stride, padding, dilation, groups, bias,
                        padding_mode, 0, device, dtype, backend)

    def _lazy_conv(self, out_channels: int, kernel_size: Any, stride: Any, padding: Any,
                   dilation: Any, groups: int, bias: bool, padding_mode: str,
                   output_padding: Any, device: Any, dtype: Any, backend: Any) -> None:
        Module.__init__(self)
        name = type(self).__name__
        _positive(name, "out_channels", out_channels)
        _positive(name, "groups", groups)
        n = self._dims
        self.in_channels, self.out_channels = 0, out_channels
        self.kernel_size = _ntuple(kernel_size, n, "kernel_size")
        self.stride = _ntuple(stride, n, "stride")
        self.dilation = _ntuple(dilation, n, "dilation")
        self.output_padding = _ntuple(output_padding, n, "output_padding")
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, n, "padding")
        self.groups, self.padding_mode, self.transposed = groups, padding_mode, self._transposed
        where = self._lazy_start(backend, dtype, device)
        self.weight = self._waiting(where)
        if bias:
            self.bias = self._waiting(where)
        else:
            self.register_parameter("bias", None)

    def initialize_parameters(self, input: Any, *rest: Any) -> None:
        """Build the layer for the input's channels (the target class checks the settings)."""
        if not self.has_uninitialized_params():
            return
        backend, dtype, device = self._where()
        channels = input.shape[0] if input.dim() == self._dims + 1 else input.shape[1]
        target = self.cls_to_become
        common = dict(stride=self.stride, padding=self.padding, dilation=self.dilation,
                      groups=self.groups, bias=self.bias is not None,
                      padding_mode=self.padding_mode, device=device, dtype=dtype,
                      backend=backend)
        if self._transposed:
            common["output_padding"] = self.output_padding
        built = target(channels, self.out_channels, self.kernel_size, **common)
        self._take(built, backend, "in_channels")

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The layer it becomes, on its first call (which initializes it first)."""
        return self.cls_to_become.forward(self, *args, **kwargs)


class _LazyConvTransposeNd(_LazyConvNd):
    """A lazy transposed convolution: the signature of `ConvTranspose1d`/`2d`/`3d` less
    ``in_channels``."""

    _transposed = True

    def __init__(self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        self._lazy_conv(out_channels, kernel_size, stride, padding, dilation, groups, bias,
                        padding_mode, output_padding, device, dtype, backend)

    def _output_padding(self, input: Any, output_size: Any) -> tuple[int, ...]:
        return self.cls_to_become._output_padding(self, input, output_size)


class LazyConv1d(_LazyConvNd):
    """`Conv1d` with ``in_channels`` from the first input."""

    _dims, cls_to_become = 1, Conv1d


class LazyConv2d(_LazyConvNd):
    """`Conv2d` with ``in_channels`` from the first input."""

    _dims, cls_to_become = 2, Conv2d


class LazyConv3d(_LazyConvNd):
    """`Conv3d` with ``in_channels`` from the first input."""

    _dims, cls_to_become = 3, Conv3d


class LazyConvTranspose1d(_LazyConvTransposeNd):
    """`ConvTranspose1d` with ``in_channels`` from the first input."""

    _dims, cls_to_become = 1, ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTransposeNd):
    """`ConvTranspose2d` with ``in_channels`` from the first input."""

    _dims, cls_to_become = 2, ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTransposeNd):
    """`ConvTranspose3d` with ``in_channels`` from the first input."""

    _dims, cls_to_become = 3, ConvTranspose3d


class _LazyBatchNorm(LazyModuleMixin, _BatchNorm):
    """A lazy batch normalization: ``num_features`` is the channel dim of the first input."""

    def __init__(self, eps: float = 1e-5, momentum: Any = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True, backend: Any = None) -> None:
        Module.__init__(self)
        self.num_features, self.eps, self.momentum = 0, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        where = self._lazy_start(backend, dtype, device)
        self._with_bias = bias
        for name in ("weight", "bias"):
            if affine and (bias or name == "weight"):
                setattr(self, name, self._waiting(where))
            else:
                self.register_parameter(name, None)
        if track_running_stats:
            self.register_buffer("running_mean", self._waiting(where, UninitializedBuffer))
            self.register_buffer("running_var", self._waiting(where, UninitializedBuffer))
            self.register_buffer("num_batches_tracked", where.tensor(0, dtype=where.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def initialize_parameters(self, input: Any) -> None:
        """Build the per-channel parameters and statistics for the input's channel dim."""
        if not self.has_uninitialized_params():
            return
        backend, dtype, device = self._where()
        built = self.cls_to_become(input.shape[1] if input.dim() > 1 else input.shape[0],
                                   self.eps, self.momentum, self.affine,
                                   self.track_running_stats, device, dtype,
                                   bias=self._with_bias, backend=backend)
        self._take(built, backend, "num_features")
        del self._with_bias


class LazyBatchNorm1d(_LazyBatchNorm):
    """`BatchNorm1d` with ``num_features`` from the first input."""

    _dims = BatchNorm1d._dims
    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyBatchNorm):
    """`BatchNorm2d` with ``num_features`` from the first input."""

    _dims = BatchNorm2d._dims
    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyBatchNorm):
    """`BatchNorm3d` with ``num_features`` from the first input."""

    _dims = BatchNorm3d._dims
    cls_to_become = BatchNorm3d
