"""`Module`: the base class of models and layers (``torch.nn.Module``'s bookkeeping)."""

from __future__ import annotations

from typing import Any, Iterator, Mapping, NamedTuple

from ...plugins import backend_of, load_backend
from ..parameter import _is_tensor, clear_grads

__all__ = ["Module"]


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

    def _parameter_backend(self, backend: Any = None) -> Any:
        """The backend this layer creates its parameters and buffers on: ``backend`` when given
        (a layer's ``backend=`` argument), else the default backend (`gradspec.load_backend()`).

        Every layer that creates tensors asks here, and nowhere else, so that one rule decides
        where parameters live."""
        return backend if backend is not None else load_backend()

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
