"""Activation checkpointing as ``torch.utils.checkpoint``: the calls run as they are.

PyTorch's checkpointing trades compute for memory: it frees a segment's activations after the
forward pass and recomputes them during backward.  gradspec keeps the activations instead
(its engines have no recomputation pass), so a checkpointed model gives the same values and
the same gradients as PyTorch's, with the memory of an unchecked one.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

__all__ = ["checkpoint", "checkpoint_sequential"]


def checkpoint(function: Callable[..., Any], *args: Any, use_reentrant: bool | None = None,
               context_fn: Any = None, determinism_check: str = "default", debug: bool = False,
               preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, as ``torch.utils.checkpoint.checkpoint`` returns it
    (PyTorch's keyword arguments are accepted; nothing is recomputed here)."""
    if not callable(function):
        raise TypeError(f"checkpoint(): function must be callable, got {type(function).__name__}")
    return function(*args, **kwargs)


def checkpoint_sequential(functions: Any, segments: int, input: Any,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Any:
    """``input`` through each of ``functions`` (a list, or an ``nn.Sequential``) in turn, as
    ``torch.utils.checkpoint.checkpoint_sequential`` computes it (``segments`` is checked as
    PyTorch checks it; it only groups what PyTorch recomputes, so it changes nothing here)."""
    layers: Sequence[Any] = list(functions.children()) if hasattr(functions, "children") \
        else list(functions)
    if not isinstance(segments, int) or segments < 1:
        raise ValueError(f"checkpoint_sequential(): segments must be a positive int, got "
                         f"{segments!r}")
    for layer in layers:
        input = layer(input)
    return input
