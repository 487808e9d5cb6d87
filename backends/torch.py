"""The reference backend: PyTorch's own autograd, adapted to the gradspec protocol.

Tensors are real ``torch.Tensor`` objects and every op is torch's.  The backend object exposes
the same surface as every other backend (`gradspec.surface`: the op catalogue and torch's
factories, dtypes and grad-mode switches, each torch's own function; the registry adds
gradspec's ``nn``, ``optim``, ``utils``, ``save`` and ``load`` bound to it) and nothing more,
so a program that runs here runs on every conforming backend.  The adapter fills the gaps the
protocol requires (``name``, ``capabilities``, ``classify_error``, ``to_numpy``) and maps
torch's exceptions to gradspec's error kinds by their messages, since torch raises plain
``RuntimeError``.

Options: ``device`` (default ``cpu``; e.g. ``cuda``) places every factory's result there;
``anomaly=1`` switches on torch's anomaly detection; ``passthrough=1`` forwards names outside
the surface to torch itself (``torch.fft``...), for programs that want real torch, which then
run on torch only.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from typing import Any, Mapping

from gradspec import errors, surface
from gradspec.devices import BackendDevice
from gradspec.functions import FUNCTIONS
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

# torch's own namespaces as the surface has them (the rest of torch.cuda / torch.autograd is
# outside it)
_AUTOGRAD = ("backward", "grad", "set_detect_anomaly", "detect_anomaly", "Function", "gradcheck",
             "gradgradcheck")
_AUTOGRAD_FUNCTION = ("Function", "FunctionCtx", "once_differentiable")
_AUTOGRAD_FUNCTIONAL = ("jacobian", "hessian", "vjp", "jvp", "vhp", "hvp")
_CUDA = ("is_available", "device_count", "manual_seed", "manual_seed_all", "synchronize")
# gradspec's own members, not torch's; and the bound modules the registry attaches
_OURS = ("name", "version", "device", "capabilities", "classify_error", "to_numpy",
         "__version__", "autograd", "cuda")
# factories that take a device argument
_FACTORIES = ("tensor", "zeros", "ones", "full", "empty", "randn", "rand", "randint", "randperm",
              "linspace", "arange", "eye", "normal", "as_tensor")


class TorchBackend:
    """PyTorch as a gradspec backend: exactly the surface (`gradspec.surface`), each name
    torch's own function; any other name raises an AttributeError saying it is not part of
    gradspec's surface (unless the backend was loaded with ``passthrough=1``)."""

    name = "torch"
    capabilities = frozenset(CAPABILITIES)

    def __init__(self, torch: Any, device: str = "cpu", passthrough: bool = False) -> None:
        self._torch = torch
        self._passthrough = passthrough
        self.version = torch.__version__
        self.__version__ = torch.__version__
        self.device = BackendDevice(device, make=torch.device, kind=torch.device)
        for attr in (*surface.NAMES, *FUNCTIONS):  # torch's own, also for the composed ones
            if "." in attr:
                try:
                    _expose(self, attr, _resolve(torch, f"torch.{attr}"))
                except AttributeError:
                    pass  # bound to the composed function later
            elif attr not in _OURS and hasattr(torch, attr):
                setattr(self, attr, getattr(torch, attr))
        self.autograd = surface.Namespace(
            "torch.autograd", self, **{a: getattr(torch.autograd, a) for a in _AUTOGRAD},
            function=surface.Namespace(
                "torch.autograd.function", self,
                **{a: getattr(torch.autograd.function, a) for a in _AUTOGRAD_FUNCTION}),
            functional=surface.Namespace(
                "torch.autograd.functional", self,
                **{a: getattr(torch.autograd.functional, a) for a in _AUTOGRAD_FUNCTIONAL}))
        self.cuda = surface.Namespace(
            "torch.cuda", self, **{a: getattr(torch.cuda, a) for a in _CUDA})
        for op in CATALOGUE:  # every op of the catalogue, from where torch keeps it
            _expose(self, op.name, _resolve(torch, op.torch))
        _expose(self, "linalg.LinAlgError", torch.linalg.LinAlgError)
        self._foreach_add_ = torch._foreach_add_  # an optimizer's update of a list at once
        if device != "cpu":
            dev = torch.device(device)
            for attr in _FACTORIES:
                setattr(self, attr, _on_device(getattr(torch, attr), dev))
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
        # Only names the object lacks arrive here: outside the surface.
        if attr.startswith("__") or attr in ("_torch", "_passthrough"):
            raise AttributeError(attr)
        if self._passthrough:
            return getattr(self._torch, attr)
        raise surface.not_in_surface("torch", attr, self, surface.surface_names())

    def __repr__(self) -> str:
        return f"<gradspec backend torch {self.version} on {self.device}>"


def _on_device(factory: Any, dev: Any) -> Any:
    """``factory`` placing its result on ``dev`` unless the call names a device."""

    @functools.wraps(factory)
    def placed(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("device", dev)
        return factory(*args, **kwargs)

    return placed


def _resolve(torch: Any, path: str) -> Any:
    """The object at ``path`` ("torch.nn.functional.conv2d") in the imported ``torch``."""
    found = torch
    for part in path.split(".")[1:]:
        found = getattr(found, part)
    return found


def _expose(backend: Any, name: str, fn: Any) -> None:
    """Set ``backend.<name>``; a dotted name ("linalg.norm") goes into that sub-namespace."""
    *spaces, last = name.split(".")
    owner, where = backend, "torch"
    for space in spaces:
        where = f"{where}.{space}"
        inner = owner.__dict__.get(space)
        if inner is None:
            inner = surface.Namespace(where, backend)
            setattr(owner, space, inner)
        owner = inner
    setattr(owner, last, fn)


@hookimpl
def gradspec_backend_describe() -> Mapping[str, str]:
    return {"summary": "PyTorch's own autograd (the reference semantics)", "device": "cpu",
            "library": "torch"}


@hookimpl
def gradspec_backend_available() -> tuple[bool, str]:
    if importlib.util.find_spec("torch") is None:
        return False, "PyTorch is not installed: pip install 'gradspec[torch]'"
    return True, ""


@hookimpl
def gradspec_backend_create(options: Mapping[str, str]) -> TorchBackend:
    known = ("device", "anomaly", "passthrough")
    unknown = set(options) - set(known)
    if unknown:
        raise ValueError(f"unknown option(s) for backend 'torch': {sorted(unknown)}; known: "
                         f"{', '.join(known)}")
    import torch

    if "anomaly" in options:
        torch.autograd.set_detect_anomaly(_flag(options, "anomaly"))
    device = options.get("device", "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but torch sees no CUDA device")
    return TorchBackend(torch, device, passthrough=_flag(options, "passthrough"))


def _flag(options: Mapping[str, str], key: str) -> bool:
    value = str(options.get(key, "0")).strip().lower()
    if value not in ("1", "0", "true", "false", "on", "off", "yes", "no"):
        raise ValueError(f"backend 'torch': {key}={options[key]!r}; use {key}=1 or {key}=0")
    return value in ("1", "true", "on", "yes")
