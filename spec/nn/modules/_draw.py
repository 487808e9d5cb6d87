"""Initial parameter values, drawn with the backend's own seeded generator (``backend.rand`` and
``backend.randn``, so ``backend.manual_seed`` makes them repeatable) from the distributions
torch.nn's layers use.  The numbers differ from torch's own generator's: load a
``state_dict`` to start from given values."""

from __future__ import annotations

import math
from typing import Any


def kw(dtype: Any, device: Any) -> dict[str, Any]:
    """A layer's ``dtype``/``device`` as factory keywords (``device`` only when given: a
    backend's factories need not take it)."""
    return {"dtype": dtype} if device is None else {"dtype": dtype, "device": device}


def uniform(backend: Any, shape: tuple[int, ...], bound: float, dtype: Any = None,
            device: Any = None) -> Any:
    """Samples of U(-bound, bound), a leaf outside any graph."""
    return backend.rand(*shape, **kw(dtype, device)) * (2 * bound) - bound


def normal(backend: Any, shape: tuple[int, ...], std: float = 1.0, dtype: Any = None,
           device: Any = None) -> Any:
    """Samples of N(0, std**2), a leaf outside any graph."""
    draws = backend.randn(*shape, **kw(dtype, device))
    return draws if std == 1.0 else draws * std


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """torch.nn.init's fan_in and fan_out of a weight of ``shape`` (dim 1 and dim 0, each
    times the receptive field: the product of the dims after the first two)."""
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def kaiming_uniform(backend: Any, shape: tuple[int, ...], dtype: Any = None,
                    device: Any = None) -> Any:
    """What ``kaiming_uniform_(w, a=sqrt(5))``, torch's default for Linear and Conv weights,
    reduces to: U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    fan_in = fans(shape)[0]
    return uniform(backend, shape, 1.0 / math.sqrt(fan_in) if fan_in else 0.0, dtype, device)


def xavier_uniform(backend: Any, shape: tuple[int, ...], dtype: Any = None,
                   device: Any = None) -> Any:
    """U(-a, a) with ``a = sqrt(6 / (fan_in + fan_out))`` (torch's xavier_uniform_)."""
    fan_in, fan_out = fans(shape)
    return uniform(backend, shape, math.sqrt(6.0 / (fan_in + fan_out)), dtype, device)


def xavier_normal(backend: Any, shape: tuple[int, ...], dtype: Any = None,
                  device: Any = None) -> Any:
    """N(0, 2 / (fan_in + fan_out)) (torch's xavier_normal_)."""
    fan_in, fan_out = fans(shape)
    return normal(backend, shape, math.sqrt(2.0 / (fan_in + fan_out)), dtype, device)
