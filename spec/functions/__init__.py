"""Torch-level functions composed of the op catalogue, written once for every backend.

`gradspec.surface.bind` gives a backend each function here that it lacks (a backend's own
wins: the torch adapter keeps PyTorch's), so ``torch.hstack``, ``torch.meshgrid`` or
``torch.nan_to_num`` run on numpy, on array_api_strict and on a third party's backend alike.
Each follows PyTorch's signature, result (values, dtype, shape) and errors; its gradient is the
one of the ops it is made of, which the conformance suite checks op by op, and where PyTorch's
derivative is defined by a convention (a tie, a kink, a replaced value) the composition is
chosen to give the same one; where no composition can (an infinite gradient at a pole beside
a finite value), the function records one node with PyTorch's formula for its backward
(`derivative.with_derivative`).  A result's node is shown under PyTorch's name
(``grad_fn=<LgammaBackward0>``).  Functions are called as ``fn(backend, *args, **kwargs)``;
`bound` makes the ``torch.NAME`` form.
"""

from __future__ import annotations

from . import (  # noqa: F401 - they fill the registry
    aliases,
    elementwise,
    everyday,
    matrices,
    reductions,
    sampling,
    scans,
    settings,
    shapes,
    special,
    windows,
)
from .registry import FUNCTIONS, INPLACE, METHODS, PROPERTIES, attach_methods, bound

INPLACE.update(fill_diagonal_=shapes.fill_diagonal, index_fill_=shapes.index_fill,
               index_copy_=shapes.index_copy, index_put_=scans.index_put)

__all__ = ["FUNCTIONS", "INPLACE", "METHODS", "PROPERTIES", "attach_methods", "bound"]
