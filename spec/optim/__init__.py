"""Optimizers written only against the gradspec protocol: ``SGD`` and ``Adam``, as ``torch.optim``.

The updates are torch's own (its documented algorithms, in the order torch applies them), so on
the torch backend our trajectories follow ``torch.optim``'s to float32 rounding.  Parameters are
updated in place under the backend's ``no_grad()``; the backend is found from the parameters
(``gradspec.backend_of``).  ``zero_grad()`` sets gradients to None by default, as torch >= 2.0.
"""

from __future__ import annotations

from .adam import Adam
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam"]
