"""The op registry: one node class per op, forward and backward side by side.

Importing this package fills `gradspec.backends.engine.node.REGISTRY`.
"""

from . import arith, cast, join, linalg, loss, reduce, select, softmax, unary, views  # noqa: F401
# ops (issue 12)
from . import activation, gather, matrix, norms, pointwise, scan, shape, sort, stats  # noqa: F401
from . import decompositions, linsolve  # noqa: F401  (matrices)
from . import (  # noqa: F401  (nnlib)
    attention,
    conv,
    dropout,
    losses,
    normalization,
    padding,
    pooling,
    sparse,
    tie,
    upsampling,
    windows,
)
from ..node import REGISTRY

__all__ = ["REGISTRY"]
