"""gradspec: a specification of autograd, a plugin system for engines, and one suite to judge them.

>>> import gradspec
>>> torch = gradspec.load_backend("numpy")      # any installed backend; torch's names
>>> w = torch.tensor([1.0], requires_grad=True)
>>> y = (w + 2) * (w + 1)
>>> y.backward()
>>> w.grad.tolist()
[5.0]
"""

from __future__ import annotations

import warnings as _warnings
from importlib import metadata as _metadata

from . import clauses, errors, protocol
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .errors import (
    AnomalyError,
    AutogradError,
    BackendMismatchError,
    DetachRequiredError,
    EmptyInputsError,
    GradientCountError,
    GradientShapeError,
    GraphFreedError,
    LeafInPlaceError,
    NoGradPathError,
    NonLeafRequiresGradError,
    NonScalarBackwardError,
    RequiresGradDtypeError,
    SavedTensorModifiedError,
    UnusedInputError,
)
from .plugins import (
    BackendStatus,
    backend_of,
    hookimpl,
    list_backends,
    load_backend,
    register_plugin,
    unregister_plugin,
)
from . import nn, optim, surface, utils  # noqa: E402  (built on plugins: imported after it)
from .devices import device
from .scripts import as_torch, run_script
from .serialization import load, save

# numpy reports floating-point errors (log(0), 0/0, an overflowing exp) as RuntimeWarnings;
# PyTorch is silent there (inf and NaN are values).  The engine sets numpy's error state to
# ignore around each backward call and the forward of every op that can meet them (the numpy
# and strict plugins' ``Host.quiet``), but not around the cheap arithmetic every model runs
# (add, mul, matmul, sum), where that would cost per op.  For those, this one filter, set once
# at import, silences what the engine's own modules (and array_api_strict's) compute, at no
# cost per op: it works on the pure core; the compiled core has no Python frames, so there
# numpy attributes such a warning to the caller (tests/test_floating_point_warnings.py).  (It
# is set here, not when a backend is built, so that it is in place before any test runner
# saves and restores the filters around each test.)
_FP_MESSAGE = r"(divide by zero|invalid value|overflow|underflow) encountered in "
_FP_MODULES = r"(gradspec\.backends|array_api_strict)\."
_warnings.filterwarnings("ignore", message=_FP_MESSAGE, category=RuntimeWarning,
                         module=_FP_MODULES)

try:
    __version__ = _metadata.version("gradspec")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "AnomalyError", "AutogradError", "BackendMismatchError", "BackendStatus",
    "DetachRequiredError", "EmptyInputsError", "GradientCountError", "GradientShapeError", "GraphFreedError", "LeafInPlaceError",
    "NoGradPathError", "NonLeafRequiresGradError", "NonScalarBackwardError",
    "RequiresGradDtypeError", "SavedTensorModifiedError", "UnusedInputError", "backend_of",
    "clauses", "detect_anomaly", "errors", "hookimpl", "is_anomaly_enabled", "list_backends",
    "load_backend", "nn", "optim", "protocol", "set_detect_anomaly",
    "register_plugin", "unregister_plugin", "__version__",
    "as_torch", "device", "load", "run_script", "save", "surface", "utils",
]
