"""The reference backend: PyTorch's own autograd, adapted to the gradspec protocol.

Tensors are real ``torch.Tensor`` objects and every op is torch's.  The adapter only fills the
gaps in torch's namespace that the protocol requires (``name``, ``capabilities``,
``classify_error``, ``to_numpy``) and maps torch's exceptions to gradspec's error kinds by
their messages, since torch raises plain ``RuntimeError``.

Options: ``device`` (default ``cpu``; e.g. ``cuda``) places every factory's result there;
``anomaly=1`` switches on torch's anomaly detection.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import types
from typing import Any, Mapping

from gradspec import errors
from gradspec.plugins import hookimpl
from gradspec.ops import CATALOGUE
from gradspec.protocol import CAPABILITIES

# torch's messages, by kind.  Observed on torch 2.13 (shared/reference/torch-behaviour.md);
# matched loosely because torch rewords them between releases.
_MESSAGES: tuple[tuple[str, type[errors.AutogradError]], ...] = (
    (r"backward through the graph a second time|have already been freed", errors.GraphFreedError),
    (r"leaf Variable that requires grad .*in-place", errors.LeafInPlaceError),
    (r"modified by an inplace operation", errors.SavedTensorModifiedError),
    (r"implicitly created only for scalar outputs", errors.NonScalarBackwardError),
    (r"appears to not have been used in the graph", errors.UnusedInputError),
    (r"floating point.* can require gradients", errors.RequiresGradDtypeError),
    (r"Mismatch in shape|assign a gradient of size|has changed the size of value",
     errors.GradientShapeError),
    (r"only change requires_grad flags of leaf variables", errors.NonLeafRequiresGradError),
    (r"got \d+ tensors and \d+ gradients", errors.GradientCountError),
    (r"`inputs` argument to `(backward|grad)\(\)` cannot be empty", errors.EmptyInputsError),
    (r"Can't call numpy\(\) on Tensor that requires grad", errors.DetachRequiredError),
    (r"returned nan values", errors.AnomalyError),
    (r"does not require grad|doesn't require gradient|requires_grad=False", errors.NoGradPathError),
)
_COMPILED = tuple((re.compile(p, re.S), kind) for p, kind in _MESSAGES)

# torch's names exposed as they are besides the op catalogue's (factories, dtypes, grad mode).
_SAME_NAME = (
    "tensor", "zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "empty", "randn",
    "rand", "randn_like", "rand_like", "normal", "linspace", "arange", "manual_seed",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "is_tensor", "float32", "float64", "float16", "int64", "int32", "bool", "float", "double",
    "long", "int", "autograd", "Tensor", "expand_copy", "from_numpy",
)
# factories that take a device argument
_FACTORIES = ("tensor", "zeros", "ones", "full", "empty", "randn", "rand", "linspace", "arange")


class TorchBackend:
    """PyTorch as a gradspec backend (attributes are torch's own functions)."""

    name = "torch"
    capabilities = frozenset(CAPABILITIES)

    def __init__(self, torch: Any, device: str = "cpu") -> None:
        self._torch = torch
        self.version = torch.__version__
        self.device = device
        for attr in _SAME_NAME:
            if hasattr(torch, attr):
                setattr(self, attr, getattr(torch, attr))
        for op in CATALOGUE:  # every op of the catalogue, from where torch keeps it
            _expose(self, op.name, _resolve(torch, op.torch))
        if device != "cpu":
            dev = torch.device(device)
            for attr in _FACTORIES:
                setattr(self, attr, functools.partial(getattr(torch, attr), device=dev))
            self.from_numpy = lambda array: torch.from_numpy(array).to(dev)

    def classify_error(self, exc: BaseException) -> type[errors.AutogradError] | None:
        kind = errors.classify(exc)
        if kind is not None:
            return kind
        if not isinstance(exc, RuntimeError):
            return None
        text = str(exc)
        for pattern, kind in _COMPILED:
            if pattern.search(text):
                return kind
        return None

    def to_numpy(self, t: Any) -> Any:
        return t.detach().cpu().numpy(force=True)  # force: torch's lazy zero grads refuse otherwise

    def __getattr__(self, attr: str) -> Any:
        # Anything else torch has (torch.nn, torch.optim, ...) for code written against torch.
        return getattr(self._torch, attr)

    def __repr__(self) -> str:
        return f"<gradspec backend torch {self.version} on {self.device}>"


def _resolve(torch: Any, path: str) -> Any:
    """The object at ``path`` ("torch.nn.functional.conv2d") in the imported ``torch``."""
    found = torch
    for part in path.split(".")[1:]:
        found = getattr(found, part)
    return found


def _expose(backend: Any, name: str, fn: Any) -> None:
    """Set ``backend.<name>``; a dotted name ("linalg.norm") goes into that sub-namespace."""
    *spaces, last = name.split(".")
    owner = backend
    for space in spaces:
        inner = owner.__dict__.get(space)
        if inner is None:
            inner = types.SimpleNamespace()
            setattr(owner, space, inner)
        owner = inner
    setattr(owner, last, fn)


@hookimpl
def gradspec_backend_describe() -> Mapping[str, str]:
    return {"summary": "PyTorch's own autograd (the reference semantics)", "device": "cpu"}


@hookimpl
def gradspec_backend_available() -> tuple[bool, str]:
    if importlib.util.find_spec("torch") is None:
        return False, "PyTorch is not installed: pip install 'gradspec[torch]'"
    return True, ""


@hookimpl
def gradspec_backend_create(options: Mapping[str, str]) -> TorchBackend:
    unknown = set(options) - {"device", "anomaly"}
    if unknown:
        raise ValueError(f"unknown option(s) for backend 'torch': {sorted(unknown)}; known: "
                         "device, anomaly")
    import torch

    if "anomaly" in options:
        on = options["anomaly"].strip().lower() in ("1", "true", "on", "yes")
        torch.autograd.set_detect_anomaly(on)
    device = options.get("device", "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but torch sees no CUDA device")
    return TorchBackend(torch, device)
