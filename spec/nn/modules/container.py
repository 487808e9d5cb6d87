"""Containers: modules that hold other modules or parameters (``Sequential``, ``ModuleList``,
``ModuleDict``, ``ParameterList``, ``ParameterDict``), as in ``torch.nn``."""

from __future__ import annotations

import operator
from collections import OrderedDict
from typing import Any, Iterable, Iterator, Mapping

from ..parameter import Parameter, _is_tensor
from .module import Module

__all__ = ["ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential"]


def _index(index: Any, n: int, what: str) -> int:
    i = operator.index(index)
    if not -n <= i < n:
        raise IndexError(f"index {index} is out of range for a {what} of {n}")
    return i + n if i < 0 else i


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
            self.add_module(name, module)

    def forward(self, input: Any) -> Any:
        """Each module in turn, the output of one the input of the next."""
        for module in self._modules.values():
            input = module(input)
        return input

    def __len__(self) -> int:
        return len(self._modules)

    def __add__(self, other: "Sequential") -> "Sequential":
        """A new Sequential of this one's modules, then ``other``'s (the same module objects)."""
        joined = Sequential(*self)
        joined += other
        return joined

    def __iadd__(self, other: "Sequential") -> "Sequential":
        """Append ``other``'s modules to this one."""
        if not isinstance(other, Sequential):
            raise ValueError("add operator supports only objects of Sequential class, but "
                             f"{type(other)} is given.")
        for module in list(other):
            self.add_module(str(len(self)), module)
        return self

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Module:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return type(self)(OrderedDict(items[index]))
        return items[_index(index, len(items), "Sequential")][1]

    def __setitem__(self, index: int, module: Module) -> None:
        key = list(self._modules)[_index(index, len(self), "Sequential")]
        self.add_module(key, module)

    def __delitem__(self, index: int | slice) -> None:
        keys = list(self._modules)
        doomed = keys[index] if isinstance(index, slice) else [keys[_index(index, len(keys),
                                                                           "Sequential")]]
        for key in doomed:
            del self._modules[key]
        kept = list(self._modules.values())
        self._modules.clear()
        for i, module in enumerate(kept):  # renumber, as torch does
            self._modules[str(i)] = module

    def append(self, module: Module) -> "Sequential":
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> "Sequential":
        """Add ``modules`` at the end; returns self."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> "Sequential":
        """Insert ``module`` before position ``index``; returns self."""
        kept = list(self._modules.values())
        n = len(kept)
        if not -n <= index <= n:
            raise IndexError(f"index {index} is out of range for a Sequential of {n}")
        kept.insert(index if index >= 0 else index + n, module)
        self._modules.clear()
        for i, m in enumerate(kept):
            self.add_module(str(i), m)
        return self


class ModuleList(Module):
    """A list of modules, registered as submodules ``"0"``, ``"1"``, ... (it has no forward:
    iterate over it in yours)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int | slice) -> Any:
        values = list(self._modules.values())
        if isinstance(index, slice):
            return type(self)(values[index])
        return values[_index(index, len(values), "ModuleList")]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(str(_index(index, len(self), "ModuleList")), module)

    def __delitem__(self, index: int | slice) -> None:
        values = list(self._modules.values())
        if isinstance(index, slice):
            del values[index]
        else:
            del values[_index(index, len(values), "ModuleList")]
        self._modules.clear()
        for i, m in enumerate(values):
            self._modules[str(i)] = m

    def __iadd__(self, modules: Iterable[Module]) -> "ModuleList":
        return self.extend(modules)

    def append(self, module: Module) -> "ModuleList":
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> "ModuleList":
        """Add ``modules`` at the end; returns self."""
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)):
            raise TypeError("ModuleList.extend should be called with an iterable of modules, "
                            f"but got {type(modules).__name__}")
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``."""
        values = list(self._modules.values())
        values.insert(index, module)
        self._modules.clear()
        for i, m in enumerate(values):
            self.add_module(str(i), m)

    def __repr__(self) -> str:
        """As torch prints a ModuleList: runs of equal consecutive entries collapse into one
        line, ``(0-2): 3 x Linear(...)``."""
        if not self._modules:
            return self._get_name() + "()"
        runs: list[list[Any]] = []  # [first index, last index, text]
        for i, child in enumerate(self._modules.values()):
            text = repr(child)
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = []
        for first, last, text in runs:
            label = f"({first})" if first == last else f"({first}-{last}): {last - first + 1} x"
            lines.append(f"{label}{':' if first == last else ''} {text}".replace("\n", "\n  "))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Not callable: a container, as in torch."""
        raise NotImplementedError("ModuleList has no forward(): iterate over it, e.g. "
                                  "`for layer in self.layers: x = layer(x)`")


class ModuleDict(Module):
    """A dict of modules, registered as submodules under their keys."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None
                 ) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        """The keys, in insertion order."""
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        """The modules, in insertion order."""
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        """``(key, module)`` pairs, in insertion order."""
        return self._modules.items()

    def pop(self, key: str) -> Module:
        """Remove ``key`` and return its module."""
        return self._modules.pop(key)

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace modules from a mapping or from ``(key, module)`` pairs."""
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for key, module in pairs:
            self[key] = module

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Not callable: a container, as in torch."""
        raise NotImplementedError("ModuleDict has no forward(): pick modules by key in yours")


def _as_parameter(value: Any) -> Any:
    """A tensor as a parameter: kept when it already is one (a leaf that requires grad), else
    wrapped like ``nn.Parameter(value)``."""
    if not _is_tensor(value):
        raise TypeError(f"parameters must be tensors, got {type(value).__name__}")
    return value if value.is_leaf and value.requires_grad else Parameter(value)


class ParameterList(Module):
    """A list of parameters, registered as ``"0"``, ``"1"``, ...; plain tensors given to it
    become parameters."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._parameters.values())

    def __getitem__(self, index: int | slice) -> Any:
        values = list(self._parameters.values())
        if isinstance(index, slice):
            return type(self)(values[index])
        return values[_index(index, len(values), "ParameterList")]

    def __setitem__(self, index: int, value: Any) -> None:
        self.register_parameter(str(_index(index, len(self), "ParameterList")),
                                _as_parameter(value))

    def __iadd__(self, values: Iterable[Any]) -> "ParameterList":
        return self.extend(values)

    def append(self, value: Any) -> "ParameterList":
        """Add a parameter at the end; returns self."""
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values: Iterable[Any]) -> "ParameterList":
        """Add parameters at the end; returns self."""
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        """One line per parameter: its dtype and size, as torch prints them."""
        return "\n".join(f"  ({i}): {_describe(p)}" for i, p in enumerate(self))

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Not callable: a container, as in torch."""
        raise NotImplementedError("ParameterList has no forward(): use its parameters in yours")


class ParameterDict(Module):
    """A dict of parameters, registered under their keys; plain tensors become parameters."""

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None
                 ) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        return self._parameters[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.register_parameter(key, _as_parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def keys(self) -> Iterable[str]:
        """The keys, in insertion order."""
        return self._parameters.keys()

    def values(self) -> Iterable[Any]:
        """The parameters, in insertion order."""
        return self._parameters.values()

    def items(self) -> Iterable[tuple[str, Any]]:
        """``(key, parameter)`` pairs, in insertion order."""
        return self._parameters.items()

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Add or replace parameters from a mapping or from ``(key, tensor)`` pairs; a plain
        mapping (not an ``OrderedDict`` or ``ParameterDict``) is taken in sorted key order, as
        PyTorch takes it."""
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = parameters.items()
        elif isinstance(parameters, Mapping):
            pairs = sorted(parameters.items())
        else:
            pairs = parameters
        for key, value in pairs:
            self[key] = value

    def extra_repr(self) -> str:
        """One line per parameter: its dtype and size, as torch prints them."""
        return "\n".join(f"  ({k}): {_describe(p, legacy=True)}" for k, p in self.items())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Not callable: a container, as in torch."""
        raise NotImplementedError("ParameterDict has no forward(): use its parameters in yours")


def _describe(p: Any, legacy: bool = False) -> str:
    """torch's line for a parameter; ParameterDict names the legacy type (torch.FloatTensor)
    where ParameterList names the dtype, as torch's two containers do."""
    size = "x".join(str(s) for s in p.shape)
    kind = p.type() if legacy and hasattr(p, "type") else p.dtype
    return f"Parameter containing: [{kind} of size {size}]"
