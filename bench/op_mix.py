"""Per-op overhead beyond add and mul: the ops ordinary PyTorch programs call on small tensors
(indexing, views, reductions, elementwise maths, joins, sorting and gathering), each timed on
an 8x16 float32 tensor that requires grad, so every call records its node.

``per_group``: microseconds per call, averaged within each group, by system (gradspec's numpy
backend, torch, and any engine systems beside them), every system in a worker process of its
own, round-robin.  The per-op chain (``chain.py``) measures the engine's cheapest path; this
measures the paths a model's code takes between them.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from common import have_torch, remote_systems, run_remote

#: group -> ops, each a statement over ``x`` (8x16, requires grad), ``y`` (the same shape),
#: ``i`` (int64 rows), ``m`` (a mask of x's shape), ``lab`` (int64 columns, 8x1), ``torch``
GROUPS = {
    "indexing": ("x[i]", "x[m]", "x[0]", "x[:, 1]", "x[1:3]", "x[..., 0]"),
    "views": ("x.T", "x.view(-1)", "x.reshape(4, 32)", "x.unsqueeze(0)", "x.squeeze()",
              "x.flatten()", "x.permute(1, 0)", "x.expand(2, 8, 16)"),
    "reductions": ("x.sum()", "x.sum(1)", "x.mean(0)", "x.max()", "x.argmax(1)", "x.var(0)",
                   "x.norm()"),
    "elementwise": ("x + y", "x * 2.0", "x.exp()", "torch.sigmoid(x)", "x.clamp(-1, 1)",
                    "torch.where(m, x, y)", "x ** 2"),
    "joins, sorting, gathering": ("torch.cat([x, y])", "torch.stack([x, y])", "x.topk(3)",
                                  "x.sort(1)", "torch.gather(x, 1, lab)"),
}
CALLS = 200  # calls of each op per repeat


def _namespace(backend: Any) -> dict[str, Any]:
    backend.manual_seed(0)
    x = backend.randn(8, 16, requires_grad=True)
    y = backend.randn(8, 16)
    return {"torch": backend, "x": x, "y": y, "i": backend.tensor([0, 3, 5]),
            "m": y > 0, "lab": backend.tensor([0, 1, 2, 3, 0, 1, 2, 3]).view(-1, 1)}


def mix(names: dict[str, Any]) -> dict[str, float]:
    """One repeat: seconds per call of each group's ops (their mean)."""
    out = {}
    for group, ops in GROUPS.items():
        total = 0.0
        for op in ops:
            code = compile(f"for _ in range({CALLS}):\n    {op}", op, "exec")
            t0 = time.perf_counter()
            exec(code, names)
            total += (time.perf_counter() - t0) / CALLS
        out[group] = total / len(ops)
    return out


def system(name: str) -> Callable[[], dict[str, float]]:
    """The mix on system ``name`` (gradspec's numpy backend or torch): what a `common.Remote`
    worker runs, one call per repeat."""
    if name == "torch":
        import torch as backend
    else:
        import gradspec

        backend = gradspec.load_backend("numpy")
    names = _namespace(backend)
    return lambda: mix(names)


def per_group(repeats: int = 15, tick: Callable[[], None] | None = None
              ) -> dict[str, dict[str, float]]:
    """Microseconds per call by system and group (the median over repeats)."""
    systems = ["gradspec"] + (["torch"] if have_torch() else [])
    medians = run_remote(remote_systems("op_mix", "system", systems, []), repeats, 2, tick)
    return {name: {k: v * 1e6 for k, v in groups.items()} for name, groups in medians.items()}
