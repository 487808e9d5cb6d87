"""Neural-network building blocks written only against the gradspec protocol.

PyTorch's names and behaviour (``torch.nn``), so a tutorial's model runs on any conforming
backend:

```python
torch = gradspec.load_backend("numpy")
net = nn.Sequential(nn.Linear(2, 1, backend=torch), nn.Sigmoid())
loss = nn.BCELoss()(net(x).squeeze(), y)
```

Modules that create parameters (`Linear`) take ``backend=`` (default:
``gradspec.load_backend()``, i.e. ``$GRADSPEC_BACKEND`` or numpy).  Activations and losses need no
backend: they call tensor methods only.  Nothing here imports an array library.

The package has torch's shape: `modules` (one module per family of layers), `functional`,
`parameter`.

Differences from ``torch.nn``, all deliberate:

* `Parameter` returns a plain tensor of the backend (a leaf that requires grad and shares
  the data it was given); no backend's tensor class can be subclassed generically.  A module
  therefore registers as a parameter every leaf that requires grad assigned to one of its
  attributes, and keeps a name registered once it is (so freezing with
  ``requires_grad_(False)`` keeps it a parameter).
* Losses raise ``ValueError`` when input and target shapes differ (``MSELoss`` only warns in
  torch, and silently broadcasts).
"""

from __future__ import annotations

from . import functional, modules
from .modules import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    Linear,
    Module,
    MSELoss,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from .parameter import Parameter, _is_tensor, clear_grads  # noqa: F401  (optim, viz, cli use them)

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
    Identity,
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
    Unflatten,
)

__all__ = [
    "Module", "Parameter", "Linear", "Sigmoid", "ReLU", "Tanh", "Sequential",
    "BCELoss", "BCEWithLogitsLoss", "MSELoss", "CrossEntropyLoss", "functional", "modules",
    # nnlib
    "AdaptiveAvgPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv1d", "Conv2d",
    "ConvTranspose1d", "ConvTranspose2d", "Dropout", "ELU", "Embedding", "Flatten", "GELU",
    "GroupNorm", "HuberLoss", "Identity", "KLDivLoss", "L1Loss", "LayerNorm", "LeakyReLU",
    "LogSoftmax", "MaxPool2d", "MultiheadAttention", "NLLLoss", "SiLU", "SmoothL1Loss",
    "Softmax", "Unflatten",
]
