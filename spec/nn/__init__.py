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
`parameter`, `init` (initialisation in place) and `utils` (gradient clipping).

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

from . import functional, init, modules, utils
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

__all__ = [
    "Module", "Parameter", "Linear", "Sigmoid", "ReLU", "Tanh", "Sequential",
    "BCELoss", "BCEWithLogitsLoss", "MSELoss", "CrossEntropyLoss", "functional", "init",
    "modules", "utils",
]
