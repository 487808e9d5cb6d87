"""Composed functions with a derivative of their own, as PyTorch defines it.

A composition's gradient is the chain rule through its steps, and at the edges of a domain that
differs from PyTorch's formula: ``entr``'s ``where`` gives 0 at x = 0 where PyTorch's
``-(1 + log x)`` is inf, ``erfinv``'s Newton steps give 0 at +-1 where ``sqrt(pi)/2 *
exp(erfinv(x)^2)`` is inf, ``lgamma``'s reflection gives NaN at 0 where ``digamma(0)`` is -inf.
`with_derivative` computes such a function's value by its composition, outside the graph, and
records one node whose backward is PyTorch's formula, written with differentiable ops (so
``create_graph`` and higher derivatives work).  The node is the backend's own
``autograd.Function``, so every backend gets it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["with_derivative"]

#: (id of the backend, name) -> (the backend, its Function class for name, or None)
_CLASSES: dict[tuple[int, str], tuple[Any, Any]] = {}


def with_derivative(backend: Any, name: str, value: Callable[..., Any],
                    derivative: Callable[..., Sequence[Any]], inputs: Sequence[Any],
                    params: tuple = ()) -> Any:
    """``value(backend, *inputs, *params)``, recorded as one node whose backward returns
    ``derivative(backend, g, out, *inputs, *params)``: a gradient (or None) for each of
    ``inputs`` (tensors).

    ``value`` and ``derivative`` are fixed per ``name`` (the node class is made once per
    backend and name); what varies between calls goes in ``params``, numbers or other
    non-tensors.  On a backend without ``autograd.Function`` the value is the composition,
    recorded op by op (its gradient the chain rule's, which may differ at the edges)."""
    key = (id(backend), name)
    found = _CLASSES.get(key)
    if found is None or found[0] is not backend:
        function = getattr(getattr(backend, "autograd", None), "Function", None)
        made = None if function is None else _function(backend, name, value, derivative)
        found = _CLASSES[key] = (backend, made)
    if found[1] is None:  # a backend without autograd.Function: the composition's own gradient
        return value(backend, *inputs, *params)
    return found[1].apply(params, *inputs)


def _function(backend: Any, name: str, value: Callable[..., Any],
              derivative: Callable[..., Sequence[Any]]) -> Any:
    class Derivative(backend.autograd.Function):
        @staticmethod
        def forward(ctx: Any, params: tuple, *inputs: Any) -> Any:
            out = value(backend, *inputs, *params)
            ctx.params = params
            ctx.save_for_backward(*inputs, out)
            return out

        @staticmethod
        def backward(ctx: Any, g: Any) -> tuple:
            *inputs, out = ctx.saved_tensors
            return (None, *derivative(backend, g, out, *inputs, *ctx.params))

    Derivative.__name__ = Derivative.__qualname__ = name
    Derivative.__doc__ = f"``{name}`` with PyTorch's derivative (`with_derivative`)."
    return Derivative
