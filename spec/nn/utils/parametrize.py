"""Parametrizations, as ``torch.nn.utils.parametrize``: a module's parameter or buffer computed
by modules from the tensors it is stored as (``register_parametrization(layer, "weight",
Symmetric())``: ``layer.weight`` is then ``Symmetric()(original)`` at each read).

As in PyTorch, the module becomes an instance of a class made for it
(``ParametrizedLinear``) whose property for the name computes the tensor (and, assigned,
stores it through the parametrizations' ``right_inverse``); the stored tensors live in
``module.parametrizations[name]``, a `ParametrizationList`, as ``original`` (or ``original0``,
``original1``, ... when ``right_inverse`` returns several), so they appear in ``parameters()``
and in ``state_dict`` under PyTorch's keys.  ``cached()`` computes each tensor once inside it.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Sequence

from ...plugins import backend_of
from ..modules.container import ModuleDict, ModuleList
from ..modules.module import Module
from ..parameter import Parameter, is_tensor, made_by_parameter

__all__ = ["ParametrizationList", "cached", "is_parametrized", "register_parametrization",
           "remove_parametrizations", "type_before_parametrizations"]

_CACHE: dict[tuple[int, str], Any] = {}
_CACHING = [0]  # nesting depth of cached()


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """Inside, each parametrized tensor is computed once (at its first read) and reused, as
    PyTorch's ``parametrize.cached()``: for a module that reads its weight several times."""
    _CACHING[0] += 1
    try:
        yield
    finally:
        _CACHING[0] -= 1
        if not _CACHING[0]:
            _CACHE.clear()


def _store(module: Module, name: str, value: Any, like: Any) -> None:
    """Register ``value`` on ``module`` as ``like`` was: a parameter (keeping whether it
    requires grad) or a buffer."""
    if made_by_parameter(like) or (like.is_leaf and like.requires_grad):
        module.register_parameter(name, value if made_by_parameter(value)
                                  else Parameter(value, like.requires_grad))
    else:
        module.register_buffer(name, value)


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, with the tensor they start from:
    ``original`` (or ``original0``, ``original1``, ... when the first parametrization's
    ``right_inverse`` returns a tuple)."""

    def __init__(self, modules: Sequence[Module], original: Any, unsafe: bool = False) -> None:
        super().__init__(modules)
        self.unsafe = unsafe
        backend = backend_of(original)
        with backend.no_grad():
            new: Any = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    new = module.right_inverse(new)
        self.is_tensor = is_tensor(new)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if tuple(new.shape) != tuple(original.shape) or new.dtype != original.dtype:
                if not unsafe:
                    raise ValueError(
                        "When `right_inverse` outputs one tensor, it may not change the dtype "
                        f"or shape unless `unsafe` is set.\noriginal.dtype: {original.dtype}\n"
                        f"right_inverse(original).dtype: {new.dtype}\noriginal.shape: "
                        f"{tuple(original.shape)}\nright_inverse(original).shape: "
                        f"{tuple(new.shape)}")
            with backend.no_grad():  # the same object stays stored (an optimizer may hold it)
                if new is not original:
                    original.data = new.detach().clone()
            _store(self, "original", original, original)
        else:
            for i, t in enumerate(new):
                if not is_tensor(t):
                    raise ValueError(f"'right_inverse' must return a Tensor or a Sequence of "
                                     f"tensors (list, tuple...). Got element {i} of type "
                                     f"{type(t).__name__}")
                _store(self, f"original{i}", t.detach().clone(), original)

    def right_inverse(self, value: Any) -> None:
        """Store ``value`` through the parametrizations' ``right_inverse`` (in reverse order),
        in place, so that reading the tensor gives ``value`` back."""
        with backend_of(value).no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(module).__name__} does not "
                                       "implement right_inverse.")
                value = module.right_inverse(value)
            if self.is_tensor:
                self.original.copy_(value)
            else:
                if len(value) != self.ntensors:
                    raise ValueError(f"'right_inverse' must return a sequence of tensors of "
                                     f"length {self.ntensors}. Got a sequence of length "
                                     f"{len(value)}")
                for i, t in enumerate(value):
                    getattr(self, f"original{i}").copy_(t)

    def forward(self) -> Any:
        """The parametrized tensor: the parametrizations applied to the stored tensors."""
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x


def _property(name: str) -> property:
    def get(module: Module) -> Any:
        if _CACHING[0]:
            key = (id(module), name)
            found = _CACHE.get(key)
            if found is None:
                found = _CACHE[key] = module.parametrizations[name]()
            return found
        return module.parametrizations[name]()

    def set_(module: Module, value: Any) -> None:
        module.parametrizations[name].right_inverse(value)

    return property(get, set_, doc=f"``{name}``, computed by its parametrizations")


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization (on ``tensor_name``, when given)."""
    found = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(found, ModuleDict):
        return False
    return len(found) > 0 if tensor_name is None else tensor_name in found._modules


def type_before_parametrizations(module: Module) -> type:
    """The class ``module`` had before its first parametrization."""
    if is_parametrized(module):
        return type(module).__bases__[0]
    return type(module)


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Compute ``module.<tensor_name>`` as ``parametrization(original)`` from now on (after
    any parametrizations it already has); returns ``module``.  Without ``unsafe`` the
    parametrization must keep the tensor's shape and dtype."""
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        plist = module.parametrizations[tensor_name]
        if not unsafe:
            before = getattr(module, tensor_name)
            after = parametrization(before)
            if (not is_tensor(after) or tuple(after.shape) != tuple(before.shape)
                    or after.dtype != before.dtype):
                raise ValueError(
                    "Registering a parametrization may not change the shape of the tensor, "
                    "unless `unsafe` flag is enabled.\n"
                    f"unparametrized shape: {tuple(before.shape)}\n"
                    f"parametrized shape: {tuple(getattr(after, 'shape', ()))}")
        plist.append(parametrization)
        plist.unsafe = plist.unsafe or unsafe
        return module
    registries = (module._parameters, module._buffers)
    if not any(tensor_name in r and r[tensor_name] is not None for r in registries):
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a "
                         f"parametrized element with name '{tensor_name}'")
    original = getattr(module, tensor_name)
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)
    if not unsafe:
        out = plist()
        if tuple(out.shape) != tuple(original.shape) or out.dtype != original.dtype:
            raise ValueError(
                "Registering a parametrization may not change the shape of the tensor, unless "
                f"`unsafe` flag is enabled.\nunparametrized shape: {tuple(original.shape)}\n"
                f"parametrized shape: {tuple(out.shape)}")
    delattr(module, tensor_name)
    if not is_parametrized(module):
        cls = type(module)
        module.__class__ = type(f"Parametrized{cls.__name__}", (cls,),
                                {"__module__": cls.__module__})
        module.parametrizations = ModuleDict()
    setattr(type(module), tensor_name, _property(tensor_name))
    module.parametrizations[tensor_name] = plist
    return module


def remove_parametrizations(module: Module, tensor_name: str,
                            leave_parametrized: bool = True) -> Module:
    """Undo the parametrizations of ``module.<tensor_name>``: it becomes a parameter (or
    buffer) again holding its current parametrized value (``leave_parametrized``) or the stored
    original; returns ``module``."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with backend_of(original).no_grad():
                value = getattr(module, tensor_name)
                if tuple(value.shape) == tuple(original.shape) and value.dtype == original.dtype:
                    original.copy_(value)
                else:
                    original.data = value.detach().clone()
    else:
        if not leave_parametrized:
            raise ValueError("Cannot leave unparametrized (`leave_parametrized=False`) a tensor "
                             "that is parametrized in terms of a sequence of tensors.")
        first = plist.original0
        with backend_of(first).no_grad():
            original = getattr(module, tensor_name).detach().clone()
        if made_by_parameter(first) or first.requires_grad:
            original = Parameter(original, first.requires_grad)
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    _store(module, tensor_name, original, original)
    if not is_parametrized(module):
        del module.parametrizations
        module.__class__ = type(module).__bases__[0]
    return module
