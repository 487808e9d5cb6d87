"""``backward`` and ``grad``: check the arguments, walk the graph, then touch the leaves.

Every argument is checked before anything is changed, and leaves are updated only after the
walk succeeded, so an error leaves every tensor as it was.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradspec import errors

from . import graph
from .tensor import Tensor


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return [value] if isinstance(value, Tensor) else list(value)


def _roots(outputs: list[Tensor], gradients: Any) -> tuple[list[graph.Node], list[np.ndarray]]:
    """Each output's node and the gradient to start it with."""
    grads = _as_list(gradients) if gradients is not None else [None] * len(outputs)
    if len(grads) != len(outputs):
        raise errors.GradientCountError(
            f"got {len(outputs)} outputs and {len(grads)} gradients; give one gradient (or None) "
            "per output")
    nodes, arrays = [], []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if not out.requires_grad:
            raise errors.NoGradPathError(
                f"output {i} does not require grad: nothing in it depends on a tensor created "
                "with requires_grad=True")
        if g is None:
            if out.numel() != 1:
                raise errors.NonScalarBackwardError(
                    f"output {i} has shape {out.shape}: pass a gradient of that shape (only "
                    "one-element outputs get an implicit gradient of 1)")
            g = np.ones(out.shape, dtype=out.dtype)
        else:
            g = np.asarray(g.data if isinstance(g, Tensor) else g)
            if g.shape != out.shape:
                raise errors.GradientShapeError(
                    f"gradient {i} has shape {g.shape} but its output has shape {out.shape}")
            g = g.astype(out.dtype)
        nodes.append(out._edge())
        arrays.append(g)
    return nodes, arrays


def _refuse_create_graph(create_graph: bool) -> None:
    if create_graph:
        raise NotImplementedError(
            "the tiny backend cannot differentiate gradients (it does not declare the "
            "'create_graph' capability); use gradspec's numpy backend for higher order")


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """Add the gradients of ``tensors`` into the ``grad`` of the leaves they depend on."""
    _refuse_create_graph(create_graph)
    outputs = _as_list(tensors)
    targets = None if inputs is None else _as_list(inputs)
    if targets is not None and not targets:
        raise errors.EmptyInputsError("backward(inputs=[]): list at least one tensor, or omit it")
    nodes, grads = _roots(outputs, grad_tensors)
    arrived = graph.run(nodes, grads, retain_graph=bool(retain_graph))
    if targets is None:
        # a leaf whose requires_grad was turned off after the graph was built gets nothing
        updates = [(node.variable, g) for node, g in arrived.values()
                   if isinstance(node, graph.AccumulateGrad) and node.variable.requires_grad]
    else:
        updates = [(t, arrived[id(t._edge())][1]) for t in targets if id(t._edge()) in arrived]
    for tensor, g in updates:
        tensor._accumulate(g)


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Any, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``; no ``grad`` is changed."""
    _refuse_create_graph(create_graph)
    outs, ins = _as_list(outputs), _as_list(inputs)
    if not ins:
        raise errors.EmptyInputsError("autograd.grad: inputs is empty; list the tensors to "
                                      "differentiate with respect to")
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise errors.NoGradPathError(f"input {i} does not require grad")
    nodes, grads = _roots(outs, grad_outputs)
    arrived = graph.run(nodes, grads, retain_graph=bool(retain_graph))
    result = []
    for i, t in enumerate(ins):
        _, g = arrived.get(id(t._edge()), (None, None))
        if g is None and not allow_unused:
            raise errors.UnusedInputError(
                f"input {i} is not used to compute the outputs; pass allow_unused=True to get "
                "None for it")
        result.append(None if g is None else Tensor(np.array(g, dtype=t.dtype)))
    return tuple(result)
