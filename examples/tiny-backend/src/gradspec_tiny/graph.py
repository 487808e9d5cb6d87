"""The graph and the walk: backward nodes, gradient accumulation, grad mode.

A node is created by every op whose result requires grad.  It keeps what its backward needs
(``saved``), one edge per input (``next_functions``, PyTorch's shape), and each input's shape and
dtype, so broadcasting is undone here once instead of in every op.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np

from gradspec import errors

if TYPE_CHECKING:
    from .tensor import Tensor


class _GradMode(threading.local):
    enabled = True  # each thread starts with recording on, as in PyTorch


GRAD_MODE = _GradMode()


class Node:
    """A ``grad_fn``.  Op subclasses define ``forward(*arrays, **options) -> array`` and
    ``backward(grad) -> one gradient (or None) per input``, side by side (see ops.py)."""

    def __init__(self) -> None:
        self.next_functions: tuple[tuple[Node | None, int], ...] = ()
        self.inputs: tuple[tuple[tuple[int, ...], np.dtype] | None, ...] = ()
        self.saved: tuple[Any, ...] | None = ()
        self.retained: weakref.ref[Tensor] | None = None  # the output, when it retains its grad

    def name(self) -> str:
        return f"{type(self).__name__}Backward0"

    def save(self, *values: Any) -> None:
        self.saved = values

    def release(self) -> None:
        # Nodes that saved nothing stay walkable, as in PyTorch.
        if self.saved:
            self.saved = None

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class AccumulateGrad(Node):
    """The node standing for a leaf: what reaches it is the leaf's gradient."""

    def __init__(self, variable: Tensor) -> None:
        super().__init__()
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"


def sum_to(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the dimensions that broadcasting added or stretched to reach ``shape``."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra))) if extra else grad
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


def _order(roots: Iterable[Node]) -> list[Node]:
    """Nodes reachable from ``roots``, each after every node that feeds it a gradient.

    Iterative (no recursion limit) depth-first post-order, reversed.
    """
    seen: set[int] = set()
    post: list[Node] = []
    for root in roots:
        if id(root) in seen:
            continue
        seen.add(id(root))
        stack = [(root, iter(root.next_functions))]
        while stack:
            node, children = stack[-1]
            for child, _ in children:
                if child is not None and id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, iter(child.next_functions)))
                    break
            else:
                stack.pop()
                post.append(node)
    return post[::-1]


def run(roots: list[Node], grads: list[np.ndarray], *, retain_graph: bool
        ) -> dict[int, tuple[Node, np.ndarray]]:
    """Propagate ``grads`` from ``roots``; return each reached node with its total gradient,
    keyed by ``id(node)``.

    Leaves are not touched here: the caller decides what to accumulate (``backward``) or return
    (``autograd.grad``).  A non-leaf that retains its grad gets it here.  The graph is freed
    afterwards unless ``retain_graph``; a freed node that is needed again raises.
    """
    pending: dict[int, np.ndarray] = {}
    for node, g in zip(roots, grads):
        pending[id(node)] = pending[id(node)] + g if id(node) in pending else g
    order = _order(roots)
    arrived: dict[int, tuple[Node, np.ndarray]] = {}
    retained: list[tuple[Tensor, np.ndarray]] = []
    for node in order:
        grad = pending.pop(id(node), None)
        if grad is None:
            continue
        arrived[id(node)] = (node, grad)
        if isinstance(node, AccumulateGrad):
            continue
        if node.saved is None:
            raise errors.GraphFreedError(
                f"{node.name()}: its saved values were freed by an earlier backward; pass "
                "retain_graph=True to the first backward to walk the graph again.")
        target = node.retained() if node.retained is not None else None
        if target is not None:
            retained.append((target, grad))
        for (child, _), meta, g in zip(node.next_functions, node.inputs, node.backward(grad)):
            if child is None or g is None:
                continue
            g = sum_to(np.asarray(g), meta[0]).astype(meta[1], copy=False)
            pending[id(child)] = pending[id(child)] + g if id(child) in pending else g
    for tensor, grad in retained:
        tensor._accumulate(grad)
    if not retain_graph:
        for node in order:
            node.release()
    return arrived
