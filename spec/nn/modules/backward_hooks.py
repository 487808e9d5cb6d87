"""Module backward hooks (``register_full_backward_hook``, ``register_full_backward_pre_hook``),
written over the backend's ``autograd.Function`` as PyTorch's own are: the module's tensor
inputs and outputs pass through an identity function (``BackwardHookFunction``, as PyTorch
names it, so a hooked module's output shows ``BackwardHookFunctionBackward``), whose backward
sees the gradients with respect to the outputs (``grad_output``) and then to the inputs
(``grad_input``), and hands the hooks' replacements on.
"""

from __future__ import annotations

from typing import Any, Callable

from ... import notices
from ...plugins import backend_of
from ..parameter import is_tensor

_FUNCTIONS: dict[Any, type] = {}  # backend -> its identity Function


def _identity_function(backend: Any) -> type:
    """The identity ``autograd.Function`` of ``backend`` whose backward calls a callback."""
    found = _FUNCTIONS.get(backend)
    if found is not None:
        return found

    class BackwardHookFunction(backend.autograd.Function):
        @staticmethod
        def forward(ctx: Any, callback: Any, *tensors: Any) -> Any:
            ctx.callback = callback
            ctx.set_materialize_grads(False)  # an unused output's gradient stays None
            return tensors  # the tensors themselves: the output aliases share their data

        @staticmethod
        def backward(ctx: Any, *grads: Any) -> Any:
            return (None, *ctx.callback(grads))

    _FUNCTIONS[backend] = BackwardHookFunction
    return BackwardHookFunction


class _Call:
    """One call of a hooked module: what its backward hooks see."""

    def __init__(self, module: Any, n_inputs: int, inputs_tracked: bool) -> None:
        self.module = module
        self.n_inputs = n_inputs
        self.inputs_tracked = inputs_tracked
        self.grad_output: tuple = ()

    def outputs_done(self, grads: tuple) -> tuple:
        """The gradients of the outputs arrived: pre-hooks may replace them; without tracked
        inputs the full hooks run now (``grad_input`` all None, as in PyTorch)."""
        for hook in list(self.module.__dict__.get("_backward_pre_hooks", {}).values()):
            result = hook(self.module, grads)
            if result is not None:
                grads = _checked(result, len(grads), "backward pre-hook", "grad_output")
        self.grad_output = grads
        if not self.inputs_tracked and self.module.__dict__.get("_backward_hooks"):
            notices.warn("Full backward hook is firing when gradients are computed with respect "
                         "to module outputs since no inputs require gradients. See "
                         "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                         "#torch.nn.Module.register_full_backward_hook for more details.",
                         UserWarning)
            self._full_hooks((None,) * self.n_inputs)
        return grads

    def inputs_done(self, grads: tuple) -> tuple:
        """The gradients of the inputs arrived: the full hooks see them and may replace them."""
        return self._full_hooks(grads)

    def _full_hooks(self, grad_input: tuple) -> tuple:
        for hook in list(self.module.__dict__.get("_backward_hooks", {}).values()):
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                grad_input = _checked(result, len(grad_input), "backward hook", "grad_input")
        return grad_input


def _checked(result: Any, n: int, what: str, name: str) -> tuple:
    result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    if len(result) != n:
        raise RuntimeError(f"{what} returned an invalid number of {name}, got {len(result)}, "
                           f"but expected {n}")
    return result


def call_with_backward_hooks(module: Any, args: tuple, run: Callable[[tuple], Any]) -> Any:
    """``run(args)`` (the module's forward, with its forward hooks) with the module's backward
    hooks wired around it; without gradients to compute it is just ``run(args)``."""
    positions = [i for i, a in enumerate(args) if is_tensor(a)]
    some = args[positions[0]] if positions else None
    backend = backend_of(some) if some is not None else None
    if backend is None or not backend.is_grad_enabled():
        return run(args)
    tracked = [i for i in positions if args[i].requires_grad]
    call = _Call(module, len(positions), bool(tracked))
    identity = _identity_function(backend)
    if tracked:
        slots = [positions.index(i) for i in tracked]
        constants = [args[i] for i in positions]

        def inputs_done(grads: tuple) -> tuple:
            # grad_input holds one entry per tensor input: zeros for those that do not require
            # grad (as PyTorch's), None where a tracked one got no gradient
            full = [None if i in tracked else backend.zeros_like(constants[k])
                    for k, i in enumerate(positions)]
            for slot, g in zip(slots, grads):
                full[slot] = g
            replaced = call.inputs_done(tuple(full))
            return tuple(replaced[slot] for slot in slots)

        wrapped = identity.apply(inputs_done, *(args[i] for i in tracked))
        args = list(args)
        for i, t in zip(tracked, wrapped):
            args[i] = t
        args = tuple(args)
    output = run(args)
    return _wrap_outputs(identity, output, call)


def _wrap_outputs(identity: type, output: Any, call: _Call) -> Any:
    single = is_tensor(output)
    items = [output] if single else list(output) if isinstance(output, (tuple, list)) else None
    if items is None:
        return output
    positions = [i for i, o in enumerate(items) if is_tensor(o) and o.requires_grad]
    if not positions:
        return output
    wrapped = identity.apply(call.outputs_done, *(items[i] for i in positions))
    for i, t in zip(positions, wrapped):
        items[i] = t
    if single:
        return items[0]
    return type(output)(items) if not hasattr(output, "_fields") else type(output)(*items)
