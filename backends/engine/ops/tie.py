"""``tie``: a gradient formula's result, tied to inputs it does not depend on.

PyTorch computes the gradients of its native ops (convolution, pooling, nll_loss, the
normalizations' bias, ...) in one backward function that takes the op's inputs; under
``create_graph=True`` its results therefore require grad whenever one of those inputs does,
even where the formula does not use it (max pooling's gradient is the output gradient routed
to the winners, yet it requires grad when the pooled input does).  Formulas here that compute
such a gradient from other tensors tie it to those inputs: the value is unchanged, the graph
and ``requires_grad`` are PyTorch's, and the tied inputs' own derivative through it is zero
(as PyTorch's is), under PyTorch's name for that backward's node.
"""

from __future__ import annotations

from typing import Any

from ..apply import apply
from ..node import Node, register


@register("tie", public=False)
class TieBackward0(Node):
    """``value`` as it is; zero gradient for the tied tensors ``a``, ``b``, ``c``."""

    __slots__ = ("label",)
    saves = (1, 2, 3)

    def forward(self, xp, value, a, b, c, label):
        self.label = label
        return value

    def name(self):
        return self.label

    def backward(self, F, g, value, a, b, c):
        return (g,) + tuple(F.zeros_like(t) if e is not None else None
                            for t, e in zip((a, b, c), self._next[1:]))


def tie(value: Any, label: str, a: Any, b: Any = None, c: Any = None) -> Any:
    """Differentiable ``value``, requiring grad where ``a``, ``b`` or ``c`` does."""
    return apply(TieBackward0, (value, a, b, c), type(value), label=label)
