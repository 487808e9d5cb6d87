"""Containers: modules that hold and apply other modules."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from .module import Module

__all__ = ["Sequential"]


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
