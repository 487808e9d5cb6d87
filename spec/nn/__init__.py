"""Neural-network building blocks written only against the gradspec protocol.

PyTorch's names and behaviour (``torch.nn``), so a tutorial's model runs on any conforming
backend.  Reach them through a backend and they are bound to it:

```python
torch = gradspec.load_backend("strict")
net = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Sigmoid())   # strict parameters
loss = torch.nn.BCELoss()(net(x).squeeze(), y)
```

**Used directly, ``gradspec.nn`` follows the default backend**: ``gradspec.nn.Linear(2, 1)``
creates its parameters on ``gradspec.load_backend()`` (``$GRADSPEC_BACKEND``, else numpy), or on
``backend=`` when given.  ``backend.nn`` (the same classes, bound) is what a program written for
``torch`` uses.  Activations and losses create nothing: they work on any backend's tensors.
Nothing here imports an array library.

The package has torch's shape: `modules` (one module per family of layers), `functional`,
`parameter`, `init` (initialisation in place) and `utils` (gradient clipping).

Differences from ``torch.nn``, all deliberate:

* `Parameter` returns a tensor of the backend's own class (a leaf that requires grad and
  shares the data it was given), marked as a parameter, where torch returns a subclass: no
  backend's tensor class can be subclassed generically, so ``type(p).__name__`` is the
  backend's.  A module registers what `Parameter` made (frozen or not), as torch's does; a
  plain tensor that requires grad stays a plain attribute.
* Losses raise ``ValueError`` when input and target shapes differ (``MSELoss`` only warns in
  torch, and silently broadcasts).
* A module applied to tensors of another backend than its parameters' raises
  `gradspec.errors.BackendMismatchError` (a ``RuntimeError``) naming both backends.
* No backward hooks on modules (``register_full_backward_hook``): use tensor hooks.
"""

from __future__ import annotations

import importlib as _importlib
import sys as _sys
import types as _types
from typing import Any as _Any

from . import functional, init, modules, parallel, utils
from .modules import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    DataParallel,
    Identity,
    Linear,
    Module,
    ModuleDict,
    ModuleList,
    MSELoss,
    ParameterDict,
    ParameterList,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from .parameter import Buffer, Parameter, _is_tensor, clear_grads  # noqa: F401  (optim, viz, cli use them)

# nnlib: convolution, pooling, normalization, embedding, dropout, reshaping, activations,
# attention, losses
from .modules import (
    ELU,
    GELU,
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv1d,
    Conv2d,
    ConvTranspose1d,
    ConvTranspose2d,
    Dropout,
    Embedding,
    Flatten,
    GroupNorm,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    LayerNorm,
    LeakyReLU,
    LogSoftmax,
    MaxPool2d,
    MultiheadAttention,
    NLLLoss,
    SiLU,
    SmoothL1Loss,
    Softmax,
    Softplus,
    Unflatten,
    Upsample,
    RNNBase,
    RNN,
    LSTM,
    GRU,
    Transformer,
    TransformerDecoder,
    CELU,
    GLU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LogSigmoid,
    Mish,
    PReLU,
    ReLU6,
    SELU,
    Softmin,
    Softshrink,
    Softsign,
    Tanhshrink,
    Threshold,
    CosineSimilarity,
    PairwiseDistance,
    MaxPool1d,
    AvgPool1d,
    AdaptiveAvgPool1d,
    RNNCellBase,
    RNNCell,
    LSTMCell,
    GRUCell,
    EmbeddingBag,
    Dropout1d,
    Dropout2d,
    Dropout3d,
    Softmax2d,
    ChannelShuffle,
    Bilinear,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    SoftMarginLoss,
    MarginRankingLoss,
    HingeEmbeddingLoss,
    CosineEmbeddingLoss,
    TripletMarginLoss,
    GaussianNLLLoss,
    PoissonNLLLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    MultiLabelMarginLoss,
    TripletMarginWithDistanceLoss,
    AlphaDropout,
    FeatureAlphaDropout,
    LocalResponseNorm,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
    PixelShuffle,
    PixelUnshuffle,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
    NonDynamicallyQuantizableLinear,
    RReLU,
    BatchNorm3d,
    SyncBatchNorm,
    RMSNorm,
    Fold,
    Unfold,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
    MaxUnpool1d,
    MaxUnpool2d,
    LPPool1d,
    LPPool2d,
    LazyLinear,
    LazyConv1d,
    LazyConv2d,
    LazyConvTranspose1d,
    LazyConvTranspose2d,
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    LazyConv3d,
    LazyConvTranspose3d,
    Conv3d,
    ConvTranspose3d,
    MaxPool3d,
    AvgPool3d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool3d,
)

__all__ = [
    "Module", "Parameter", "Buffer", "Linear", "Identity", "Sigmoid", "ReLU", "Tanh", "Sequential",
    "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
    "BCELoss", "BCEWithLogitsLoss", "MSELoss", "CrossEntropyLoss", "functional", "init",
    "modules", "parallel", "utils", "DataParallel",
    # nnlib
    "AdaptiveAvgPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv1d", "Conv2d",
    "ConvTranspose1d", "ConvTranspose2d", "Dropout", "ELU", "Embedding", "Flatten", "GELU",
    "GroupNorm", "HuberLoss", "KLDivLoss", "L1Loss", "LayerNorm", "LeakyReLU",
    "LogSoftmax", "MaxPool2d", "MultiheadAttention", "NLLLoss", "SiLU", "SmoothL1Loss",
    "Softmax", "Unflatten",
    # surface2
    "Softplus", "Upsample", "RNNBase", "RNN", "LSTM", "GRU", "TransformerEncoder",
    "TransformerEncoderLayer", "NonDynamicallyQuantizableLinear", "Transformer",
    "TransformerDecoder", "TransformerDecoderLayer",
    # more of torch.nn: activations, distances, 1-d pooling, recurrent cells
    "CELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh", "LogSigmoid", "Mish",
    "PReLU", "ReLU6", "SELU", "Softmin", "Softshrink", "Softsign", "Tanhshrink", "Threshold",
    "CosineSimilarity", "PairwiseDistance", "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d",
    "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell",
    # normalization, padding and sub-pixel layers of image models
    "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "PixelShuffle", "PixelUnshuffle",
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
    # margin, ranking and likelihood losses
    "SoftMarginLoss", "MarginRankingLoss", "HingeEmbeddingLoss", "CosineEmbeddingLoss",
    "TripletMarginLoss", "GaussianNLLLoss", "PoissonNLLLoss", "MultiLabelSoftMarginLoss",
    "MultiMarginLoss", "MultiLabelMarginLoss", "TripletMarginWithDistanceLoss",
    "AlphaDropout", "FeatureAlphaDropout", "LocalResponseNorm",
    "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
    "Dropout1d", "Dropout2d", "Dropout3d", "Softmax2d", "ChannelShuffle", "Bilinear",
    "EmbeddingBag",
    # torch.nn's remaining everyday layers: randomized ReLU, 3-d batch norm, RMS norm,
    # sliding blocks, fixed-mode upsampling, unpooling, power-average pooling
    "RReLU", "BatchNorm3d", "SyncBatchNorm", "RMSNorm", "Fold", "Unfold", "UpsamplingBilinear2d",
    "UpsamplingNearest2d", "MaxUnpool1d", "MaxUnpool2d", "LPPool1d", "LPPool2d",
    # lazy layers: the input size from the first batch
    "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConvTranspose1d", "LazyConvTranspose2d",
    "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyConv3d", "LazyConvTranspose3d",
    # 3-d convolutions and pooling
    "Conv3d", "ConvTranspose3d", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d",
]


class _DefaultBackendModule(_types.ModuleType):
    """``gradspec.nn`` itself: its repr says that its layers follow the default backend."""

    def __repr__(self) -> str:
        return ("<module 'gradspec.nn': layers create parameters on the default backend "
                "(gradspec.load_backend()); backend.nn is bound to its backend>")

    def __reduce__(self) -> tuple[_Any, tuple[str]]:
        # Pickled by name, as a plain module is: cloudpickle (Dask) sends functions that use
        # ``nn`` by value, and a ModuleType subclass is not in its table of module reducers.
        return _importlib.import_module, (self.__name__,)


_sys.modules[__name__].__class__ = _DefaultBackendModule
