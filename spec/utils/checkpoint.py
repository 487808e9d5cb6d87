"""Activation checkpointing as ``torch.utils.checkpoint``: compute traded for memory.

A checkpointed call runs without recording (its activations are not kept) and stands in the
graph as one node; during backward that node runs the call again with recording on, from the
inputs it kept (and, with ``preserve_rng_state``, the same random state, so dropout draws the
same mask), and backpropagates through the recomputed graph: parameters used inside receive
their gradients there, the inputs' gradients flow on.  Written once on the protocol's
``autograd.Function``, so every backend checkpoints.

As in PyTorch: ``use_reentrant=True`` (the default when it is not given, with PyTorch's
warning) gives gradients only when an input requires grad; ``use_reentrant=False`` also when
none does (parameters inside still train) and accepts keyword arguments.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

from ..nn.parameter import is_tensor
from ..plugins import backend_of

__all__ = ["checkpoint", "checkpoint_sequential"]

_REENTRANT_WARNING = (
    "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting "
    "in PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. "
    "use_reentrant=False is recommended, but if you need to preserve the current default "
    "behavior, you can pass use_reentrant=True. Refer to docs for more details on the "
    "differences between the two variants.")
_SEQUENTIAL_WARNING = (
    "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant parameter should be passed "
    "explicitly. In version 2.9 we will raise an exception if use_reentrant is not passed. "
    "use_reentrant=False is recommended, but if you need to preserve the current default "
    "behavior, you can pass use_reentrant=True. Refer to docs for more details on the "
    "differences between the two variants.")


def checkpoint(function: Callable[..., Any], *args: Any, use_reentrant: bool | None = None,
               context_fn: Any = None, determinism_check: str = "default", debug: bool = False,
               preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, its activations recomputed during backward instead of
    kept (see the module's docstring); ``context_fn``, ``determinism_check`` and ``debug`` are
    accepted as PyTorch's.  Outside grad mode, or without tensor arguments, a plain call."""
    if not callable(function):
        raise TypeError(f"checkpoint(): function must be callable, got {type(function).__name__}")
    if use_reentrant is None:
        warnings.warn(_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    if use_reentrant and kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    tensors = [a for a in args if is_tensor(a)]
    if not tensors or not backend_of(tensors[0]).is_grad_enabled():
        return function(*args, **kwargs)
    backend = backend_of(tensors[0])
    if use_reentrant:
        if not any(t.requires_grad for t in tensors):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                          UserWarning, stacklevel=2)
        anchor = None
    else:  # an input that requires grad, so the call is recorded even when none other does
        anchor = backend.zeros((), requires_grad=True)
    run = (lambda *a: function(*a, **kwargs)) if kwargs else function
    return _recompute_class(backend).apply(anchor, run, preserve_rng_state, *args)


_CLASSES: dict[int, Any] = {}


def _recompute_class(backend: Any) -> Any:
    """The backend's `autograd.Function` that checkpoints (made once per backend)."""
    found = _CLASSES.get(id(backend))
    if found is not None and found[0] is backend:
        return found[1]

    class CheckpointFunction(backend.autograd.Function):
        """A checkpointed call: run without recording, run again in backward."""

        @staticmethod
        def forward(ctx: Any, anchor: Any, run: Callable[..., Any], preserve: bool,
                    *args: Any) -> Any:
            ctx.run, ctx.args = run, args
            ctx.positions = [i for i, a in enumerate(args) if is_tensor(a)]
            ctx.rng = backend.get_rng_state() if preserve else None
            ctx.save_for_backward(*(args[i] for i in ctx.positions))
            return run(*args)

        @staticmethod
        def backward(ctx: Any, *grads: Any) -> tuple:
            inputs = list(ctx.args)
            kept = []
            for i, saved in zip(ctx.positions, ctx.saved_tensors):
                inputs[i] = saved.detach().requires_grad_(saved.requires_grad)
                kept.append(i)
            state = backend.get_rng_state() if ctx.rng is not None else None
            if ctx.rng is not None:
                backend.set_rng_state(ctx.rng)  # the forward's random draws, again
            try:
                with backend.enable_grad():
                    outputs = ctx.run(*inputs)
            finally:
                if state is not None:
                    backend.set_rng_state(state)
            outputs = outputs if isinstance(outputs, tuple) else (outputs,)
            pairs = [(o, g) for o, g in zip(outputs, grads)
                     if is_tensor(o) and o.requires_grad and g is not None]
            if pairs:
                backend.autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
            return (None, None, None) + tuple(
                inputs[i].grad if i in kept and inputs[i].requires_grad else None
                for i in range(len(inputs)))

    _CLASSES[id(backend)] = (backend, CheckpointFunction)
    return CheckpointFunction


def checkpoint_sequential(functions: Any, segments: int, input: Any,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Any:
    """``input`` through each of ``functions`` (a list, or an ``nn.Sequential``) in turn, as
    ``torch.utils.checkpoint.checkpoint_sequential`` runs it: in ``segments`` consecutive
    groups, each but the last checkpointed (``preserve_rng_state`` may be passed)."""
    if use_reentrant is None:
        warnings.warn(_SEQUENTIAL_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    layers: Sequence[Any] = list(functions.children()) if hasattr(functions, "children") \
        else list(functions)
    if not isinstance(segments, int) or segments < 1:
        raise ValueError(f"checkpoint_sequential(): segments must be a positive int, got "
                         f"{segments!r}")
    size = max(len(layers) // segments, 1)
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        group = layers[start:end + 1]
        input = checkpoint(_run_layers(group), input, use_reentrant=use_reentrant, **kwargs)
    for layer in layers[end + 1:]:
        input = layer(input)
    return input


def _run_layers(layers: Sequence[Any]) -> Callable[[Any], Any]:
    def run(x: Any) -> Any:
        for layer in layers:
            x = layer(x)
        return x

    return run
