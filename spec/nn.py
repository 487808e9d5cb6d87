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

import math
from typing import Any, Iterator, Mapping, NamedTuple

from .plugins import backend_of, load_backend

__all__ = [
    "Module", "Parameter", "Linear", "Sigmoid", "ReLU", "Tanh", "Sequential",
    "BCELoss", "BCEWithLogitsLoss", "MSELoss", "CrossEntropyLoss",
]

_REDUCTIONS = ("mean", "sum", "none")

# BCELoss clamps each log term at -100 as torch does.  The probability is first clamped to a
# tiny positive number so that log's derivative is never evaluated at exactly 0 (0 * inf = nan
# in the chain rule); any p below e**-100 already gives the clamped value -100.
_LOG_FLOOR = -100.0
_TINY_PROBABILITY = 1e-44


_FUSED: dict[tuple[Any, str], Any] = {}


def _fused(tensor: Any, name: str) -> Any:
    """The backend's own single-op form of ``name`` (torch.nn.functional's name and signature:
    ``linear``, ``binary_cross_entropy``, ``cross_entropy``), or None when the backend does not
    offer it.  Found by feature, never by backend name, and remembered per backend."""
    backend = backend_of(tensor)
    key = (backend, name)
    try:
        return _FUSED[key]
    except KeyError:
        found = _FUSED[key] = getattr(backend, name, None)
        return found


def _is_tensor(value: Any) -> bool:
    # Checked on the type: reading .grad of a non-leaf torch tensor warns.
    kind = type(value)
    return all(hasattr(kind, a) for a in ("requires_grad", "grad_fn", "backward", "detach"))


def Parameter(data: Any, requires_grad: bool = True) -> Any:
    """A leaf tensor that requires grad and shares ``data``'s values, for use as a parameter.

    Assigning it to a `Module` attribute registers it, as ``torch.nn.Parameter`` does.
    """
    if not _is_tensor(data):
        raise TypeError(
            f"Parameter() takes a tensor of a gradspec backend, got {type(data).__name__}; create "
            "one with backend.tensor(...) first"
        )
    return data.detach().requires_grad_(requires_grad)


def clear_grads(params: Iterator[Any], set_to_none: bool = True) -> None:
    """Reset the ``.grad`` of each tensor: to None (the default, as torch >= 2.0) or to zeros."""
    for p in params:
        grad = p.grad
        if grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            # A gradient built with create_graph is part of a graph: cut it loose before zeroing.
            if grad.grad_fn is not None:
                grad.detach_()
            else:
                grad.requires_grad_(False)
            grad.zero_()


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of models and layers: subclasses set attributes in ``__init__`` and define
    ``forward``; calling the module calls ``forward``."""

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    # -- attribute registration -------------------------------------------------------------------
    def _registries(self) -> tuple[dict, dict, dict]:
        try:
            state = self.__dict__
            return state["_parameters"], state["_buffers"], state["_modules"]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__}.__init__ must call super().__init__() before assigning "
                "attributes"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        params, buffers, modules = self._registries()
        if isinstance(value, Module):
            kind = modules
        elif _is_tensor(value) and name in params:
            kind = params  # a registered parameter stays one (frozen ones included)
        elif _is_tensor(value) and name in buffers:
            kind = buffers
        elif _is_tensor(value) and value.is_leaf and value.requires_grad:
            kind = params
        else:
            kind = None
        if kind is params and not value.is_leaf:
            raise ValueError(
                f"cannot assign a non-leaf tensor (computed by {value.grad_fn.name()}) to the "
                f"parameter {name!r}; assign a leaf, e.g. nn.Parameter(t.detach())"
            )
        for registry in (params, buffers, modules):
            if registry is not kind:
                registry.pop(name, None)
        if kind is None:
            object.__setattr__(self, name, value)
            return
        kind[name] = value  # keeps the position of a name already registered
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: registered members live in the registries.
        for registry in ("_parameters", "_buffers", "_modules"):
            members = self.__dict__.get(registry)
            if members is not None and name in members:
                return members[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for registry in self._registries():
            if name in registry:
                del registry[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Any) -> None:
        """Register ``param`` (a leaf tensor, or None for "no such parameter") under ``name``."""
        params, buffers, modules = self._registries()
        if param is not None:
            if not _is_tensor(param):
                raise TypeError(f"parameter {name!r} must be a tensor, got {type(param).__name__}")
            if not param.is_leaf:
                raise ValueError(
                    f"parameter {name!r} must be a leaf tensor; it was computed by "
                    f"{param.grad_fn.name()}. Wrap a leaf instead: nn.Parameter(t.detach())"
                )
        for registry in (buffers, modules):
            registry.pop(name, None)
        self.__dict__.pop(name, None)
        params[name] = param

    def register_buffer(self, name: str, tensor: Any) -> None:
        """Register a tensor that is state but not a parameter (saved in ``state_dict``)."""
        params, buffers, modules = self._registries()
        if tensor is not None and not _is_tensor(tensor):
            raise TypeError(f"buffer {name!r} must be a tensor, got {type(tensor).__name__}")
        for registry in (params, modules):
            registry.pop(name, None)
        self.__dict__.pop(name, None)
        buffers[name] = tensor

    # -- the forward pass ----------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(); define forward(self, ...) in the subclass"
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # -- traversal ------------------------------------------------------------------------------
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, "Module"]]:
        """This module and every submodule, each once, with dotted names."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = list(module._modules.items())
            for child_name, child in reversed(children):
                if child is not None:
                    stack.append((f"{name}.{child_name}" if name else child_name, child))

    def modules(self) -> Iterator["Module"]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self) -> Iterator["Module"]:
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry: str, prefix: str,
                       recurse: bool) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for module_name, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_name}.{name}" if module_name else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Any]]:
        """``(dotted name, parameter)`` pairs, each parameter once, in registration order."""
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Any]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Any]]:
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Any]:
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    # -- training state -----------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default, as torch >= 2.0) or to zeros."""
        clear_grads(self.parameters(), set_to_none)

    def train(self, mode: bool = True) -> "Module":
        """Set training mode on this module and all submodules; returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be a bool, got {type(mode).__name__}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> "Module":
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    # -- saving and loading ---------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Parameters and buffers by dotted name, detached (sharing data with the module)."""
        out: dict[str, Any] = {}
        for module_name, module in self.named_modules():
            for registry in (module._parameters, module._buffers):
                for name, value in registry.items():
                    if value is not None:
                        out[f"{module_name}.{name}" if module_name else name] = value.detach()
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any],
                        strict: bool = True) -> _IncompatibleKeys:
        """Copy values into this module's parameters and buffers (in place, without recording).

        Values may be tensors of any loaded backend, numpy arrays or nested lists; each is
        converted to the target's backend and dtype.  With ``strict``, missing or unexpected
        keys raise a ``RuntimeError`` that lists them; a shape mismatch always raises.
        """
        own = self.state_dict()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            problems = []
            if missing:
                problems.append(f"missing key(s): {', '.join(missing)}")
            if unexpected:
                problems.append(f"unexpected key(s): {', '.join(unexpected)}")
            raise RuntimeError(
                f"error loading state_dict into {type(self).__name__}: {'; '.join(problems)}. "
                "Pass strict=False to load the keys that match."
            )
        staged = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = _as_backend_tensor(state_dict[key], target)
            if tuple(value.shape) != tuple(target.shape):
                raise RuntimeError(
                    f"error loading state_dict into {type(self).__name__}: {key} has shape "
                    f"{tuple(value.shape)} in the state_dict but {tuple(target.shape)} in the "
                    "module"
                )
            staged.append((target, value))
        # Convert and check everything first, so a bad entry changes nothing.
        for target, value in staged:
            with backend_of(target).no_grad():
                target.copy_(value)
        return _IncompatibleKeys(missing, unexpected)

    # -- printing ---------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, child in self._modules.items():
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n" + "\n".join(lines) + "\n)"


def _as_backend_tensor(value: Any, like: Any) -> Any:
    """``value`` as a tensor of ``like``'s backend and dtype."""
    backend = backend_of(like)
    if isinstance(value, backend.Tensor):
        return value.detach()
    if _is_tensor(value):  # a tensor of another backend: through the host
        value = backend_of(value).to_numpy(value)
    return backend.tensor(value, dtype=like.dtype)


# ---------------------------------------------------------------------------------- layers
class Linear(Module):
    """``y = x @ weight.T + bias`` with ``weight`` of shape ``(out_features, in_features)``.

    Initialised as torch does: weight and bias uniform in ``(-1/sqrt(in_features),
    1/sqrt(in_features))`` (what ``kaiming_uniform_(a=sqrt(5))`` reduces to), drawn with
    ``backend.rand``, so ``backend.manual_seed`` makes it repeatable.  The numbers differ from
    torch's own generator; load a ``state_dict`` to start from given values.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *,
                 backend: Any = None, dtype: Any = None) -> None:
        super().__init__()
        for label, n in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f"Linear: {label} must be a positive integer, got {n!r}")
        backend = backend if backend is not None else load_backend()
        self.in_features = in_features
        self.out_features = out_features
        bound = 1.0 / math.sqrt(in_features)
        self.weight = Parameter(_uniform(backend, (out_features, in_features), bound, dtype))
        if bias:
            self.bias = Parameter(_uniform(backend, (out_features,), bound, dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, x: Any) -> Any:
        weight, bias = self.weight, self.bias
        linear = _fused(weight, "linear")
        if linear is not None:
            return linear(x, weight, bias)
        y = x.matmul(weight.t())
        return y if bias is None else y + bias

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


def _uniform(backend: Any, shape: tuple[int, ...], bound: float, dtype: Any) -> Any:
    """Samples of U(-bound, bound) as a leaf (no graph: nothing here requires grad)."""
    return backend.rand(*shape, dtype=dtype) * (2 * bound) - bound


class Sigmoid(Module):
    def forward(self, x: Any) -> Any:
        return x.sigmoid()


class ReLU(Module):
    def forward(self, x: Any) -> Any:
        return x.relu()


class Tanh(Module):
    def forward(self, x: Any) -> Any:
        return x.tanh()


class Sequential(Module):
    """Modules applied in order; ``Sequential(a, b)(x) == b(a(x))``.  Children are named
    ``"0"``, ``"1"``, ... (or by the keys of a single dict argument)."""

    def __init__(self, *modules: Module | Mapping[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            items = list(modules[0].items())
        else:
            items = [(str(i), m) for i, m in enumerate(modules)]
        for name, module in items:
            if not isinstance(module, Module):
                raise TypeError(
                    f"Sequential takes modules, got {type(module).__name__} at position {name}; "
                    "wrap functions in a Module subclass"
                )
            setattr(self, name, module)

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Module:
        items = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*items[index])
        try:
            return items[index]
        except IndexError:
            raise IndexError(
                f"index {index} is out of range for a Sequential of {len(items)}") from None


# ---------------------------------------------------------------------------------- losses
class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"{reduction!r} is not a valid value for reduction; use one of {_REDUCTIONS}")
        self.reduction = reduction

    def _reduce(self, losses: Any) -> Any:
        if self.reduction == "mean":
            return losses.mean()
        if self.reduction == "sum":
            return losses.sum()
        return losses

    def _same_shape(self, input: Any, target: Any) -> None:
        if tuple(input.shape) != tuple(target.shape):
            raise ValueError(
                f"{type(self).__name__}: target shape {tuple(target.shape)} differs from input "
                f"shape {tuple(input.shape)}; reshape one (e.g. input.squeeze()) so they match"
            )

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class BCELoss(_Loss):
    """Binary cross entropy on probabilities: ``-(y log p + (1 - y) log(1 - p))``.

    Each log is clamped at -100, as torch does, so p = 0 or 1 gives a finite loss.  On a
    backend that offers ``binary_cross_entropy`` (as torch.nn.functional does; gradspec's
    engine does) the loss is that one op, with torch's gradients.  Elsewhere it is composed of
    elementary ops and its gradients are those of the formula: they agree with torch's for p in
    [1e-12, 1 - 1e-12], where torch does not cap them.
    """

    def forward(self, input: Any, target: Any) -> Any:
        self._same_shape(input, target)
        fused = _fused(input, "binary_cross_entropy")
        if fused is not None:
            try:
                return fused(input, target, reduction=self.reduction)
            except RuntimeError:
                self._check_probabilities(input)  # our message when the input is the problem
                raise
        self._check_probabilities(input)
        log_p = input.clamp(min=_TINY_PROBABILITY).log().clamp(min=_LOG_FLOOR)
        log_q = (1 - input).clamp(min=_TINY_PROBABILITY).log().clamp(min=_LOG_FLOOR)
        return self._reduce(-(target * log_p + (1 - target) * log_q))

    @staticmethod
    def _check_probabilities(input: Any) -> None:
        if input.numel() and (input.min().item() < 0 or input.max().item() > 1):
            raise RuntimeError(
                "BCELoss: all elements of input should be between 0 and 1; apply sigmoid first, "
                "or use BCEWithLogitsLoss on the raw scores"
            )


class BCEWithLogitsLoss(_Loss):
    """Binary cross entropy on raw scores x: ``softplus(x) - y x``, written to stay finite for
    large |x| and with the exact gradient ``sigmoid(x) - y`` everywhere, 0 included."""

    def forward(self, input: Any, target: Any) -> Any:
        self._same_shape(input, target)
        magnitude = input.abs()
        # (x + |x|) / 2 is max(x, 0) with the derivative 1/2 at 0 that softplus needs there.
        softplus = (input + magnitude) / 2 + (1 + (-magnitude).exp()).log()
        return self._reduce(softplus - input * target)


class MSELoss(_Loss):
    """Mean squared error ``(input - target) ** 2``."""

    def forward(self, input: Any, target: Any) -> Any:
        self._same_shape(input, target)
        return self._reduce((input - target) ** 2)


class CrossEntropyLoss(_Loss):
    """Cross entropy of raw scores ``input`` (N, C) against class indices (N,) or class
    probabilities (N, C): ``-log_softmax(input)`` picked by the target."""

    def forward(self, input: Any, target: Any) -> Any:
        if input.dim() != 2:
            raise ValueError(
                f"CrossEntropyLoss expects scores of shape (N, C), got {tuple(input.shape)}"
            )
        probabilities = tuple(target.shape) == tuple(input.shape)
        if not probabilities:
            self._check_indices(input, target)
        fused = _fused(input, "cross_entropy")
        if fused is not None and (target.dtype == input.dtype if probabilities
                                  else input.is_floating_point()):
            try:
                return fused(input, target, reduction=self.reduction)
            except IndexError:
                self._check_range(input, target)  # our message when a target is the problem
                raise
        log_p = input.log_softmax(dim=1)
        if probabilities:
            return self._reduce(-(target * log_p).sum(dim=1))
        self._check_range(input, target)
        classes = input.shape[1]
        backend = backend_of(input)
        one_hot = target.unsqueeze(1) == backend.arange(classes).unsqueeze(0)
        return self._reduce(-(log_p * one_hot.to(log_p.dtype)).sum(dim=1))

    @staticmethod
    def _check_indices(input: Any, target: Any) -> None:
        n = input.shape[0]
        if tuple(target.shape) != (n,) or target.is_floating_point():
            raise ValueError(
                f"CrossEntropyLoss: target must be class indices of shape ({n},) (an integer "
                f"tensor) or probabilities of shape {tuple(input.shape)}; got "
                f"{tuple(target.shape)} of dtype {target.dtype}"
            )

    @staticmethod
    def _check_range(input: Any, target: Any) -> None:
        n, classes = input.shape
        if n and (target.min().item() < 0 or target.max().item() >= classes):
            bad = target.min().item() if target.min().item() < 0 else target.max().item()
            raise IndexError(
                f"CrossEntropyLoss: target {bad} is out of bounds for {classes} classes")
