"""Optimizers and learning-rate schedules written only against the gradspec protocol, as
``torch.optim``: `SGD`, `Adam`, `AdamW`, `NAdam`, `RAdam`, `Adamax`, `RMSprop`, `Adagrad`,
`Adadelta`, `ASGD`, `Rprop`, `Adafactor`, `LBFGS` (closure-driven), and `lr_scheduler`.

Not provided: ``SparseAdam`` (it takes only sparse gradients, which no gradspec backend makes),
``Muon`` (its Newton-Schulz iteration runs in bfloat16, which the array backends lack),
``swa_utils`` and ``swap_in_optimizer_params_and_state``.

The updates are torch's own (its documented algorithms, in the order torch applies them), so our
trajectories follow ``torch.optim``'s to float32 rounding (float64: to about 1e-12).  Parameters
are updated in place under the backend's ``no_grad()``; the backend is found from the parameters
(``gradspec.backend_of``).  ``zero_grad()`` sets gradients to None by default, as torch >= 2.0.
Parameter groups, per-parameter state and ``state_dict()`` have torch's layout (``step`` a
float32 scalar tensor, parameters numbered across groups), so a state dict saved by
``torch.optim`` loads here and ours loads into torch.
"""

from __future__ import annotations

from . import lr_scheduler
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "NAdam", "RAdam", "Adamax",
           "Adadelta", "ASGD", "Rprop", "Adafactor", "LBFGS", "lr_scheduler"]
