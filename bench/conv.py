"""conv2d on a LeNet-sized batch: gradspec's im2col formulation against a hand-written numpy
im2col convolution (the *floor*) and against torch's own conv2d.

Two layers of LeNet-5 on a batch of 64: 1 -> 6 channels, 5 x 5 kernel, on 32 x 32 images, and
6 -> 16 channels, 5 x 5, on 14 x 14.  A step is the forward pass and the backward pass for a
given output gradient (input, weight and bias gradients).  The floor is the classic im2col
(as Chainer's ``im2col_cpu`` and cs231n's fast layers write it): the windows copied into a
``(N, C, KH, KW, OH, OW)`` array one kernel tap at a time, one ``tensordot`` for the product,
the transposed product and a tap-by-tap ``col2im`` for the input's gradient.

Each system runs in a process of its own (``python bench/conv.py --worker SYSTEM``), in
turn, round after round (BLAS's and torch's thread pools would otherwise compete).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any, Callable

from common import have_torch, median_step_seconds, subprocess_rounds

BATCH = 64
#: (name, in channels, out channels, kernel, image size)
LAYERS = (("conv1 1->6, 5x5, 32x32", 1, 6, 5, 32), ("conv2 6->16, 5x5, 14x14", 6, 16, 5, 14))


def make_data(layer: tuple, seed: int = 0) -> dict[str, Any]:
    import numpy as np

    _, c, oc, k, size = layer
    rng = np.random.default_rng(seed)
    out = size - k + 1
    bound = 1 / (c * k * k) ** 0.5
    return {"x": rng.standard_normal((BATCH, c, size, size), dtype=np.float32),
            "w": rng.uniform(-bound, bound, (oc, c, k, k)).astype(np.float32),
            "b": rng.uniform(-bound, bound, (oc,)).astype(np.float32),
            "g": rng.standard_normal((BATCH, oc, out, out), dtype=np.float32)}


# ------------------------------------------------------------------------------ the floor
def im2col(x: Any, kh: int, kw: int) -> Any:
    """(N, C, H, W) -> (N, C, KH, KW, OH, OW), stride 1, no padding, tap by tap."""
    import numpy as np

    n, c, h, w = x.shape
    oh, ow = h - kh + 1, w - kw + 1
    col = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for j in range(kh):
        for i in range(kw):
            col[:, :, j, i] = x[:, :, j:j + oh, i:i + ow]
    return col


def col2im(col: Any, h: int, w: int) -> Any:
    import numpy as np

    n, c, kh, kw, oh, ow = col.shape
    img = np.zeros((n, c, h, w), dtype=col.dtype)
    for j in range(kh):
        for i in range(kw):
            img[:, :, j:j + oh, i:i + ow] += col[:, :, j, i]
    return img


def floor_forward(x: Any, w: Any, b: Any) -> tuple[Any, Any]:
    import numpy as np

    col = im2col(x, w.shape[2], w.shape[3])
    y = np.tensordot(col, w, ((1, 2, 3), (1, 2, 3)))  # (N, OH, OW, OC)
    y += b
    return np.moveaxis(y, 3, 1), col


def floor_backward(g: Any, col: Any, w: Any, x_shape: tuple) -> tuple[Any, Any, Any]:
    import numpy as np

    gw = np.tensordot(g, col, ((0, 2, 3), (0, 4, 5)))  # (OC, C, KH, KW)
    gb = g.sum(axis=(0, 2, 3))
    gcol = np.moveaxis(np.tensordot(w, g, (0, 1)), 3, 0)  # (N, C, KH, KW, OH, OW)
    return col2im(gcol, x_shape[2], x_shape[3]), gw, gb


# ------------------------------------------------------------------------------ the systems
def floor_step(data: dict[str, Any]) -> Callable[[], Any]:
    x, w, b, g = data["x"], data["w"], data["b"], data["g"]

    def step() -> Any:
        _, col = floor_forward(x, w, b)
        return floor_backward(g, col, w, x.shape)

    return step


def gradspec_step(data: dict[str, Any]) -> Callable[[], Any]:
    import gradspec

    B = gradspec.load_backend("numpy")
    x = B.from_numpy(data["x"]).requires_grad_()
    w = B.from_numpy(data["w"]).requires_grad_()
    b = B.from_numpy(data["b"]).requires_grad_()
    g = B.from_numpy(data["g"])

    def step() -> Any:
        return B.autograd.grad(B.conv2d(x, w, b), (x, w, b), g)

    return step


def torch_step(data: dict[str, Any]) -> Callable[[], Any]:
    import torch

    x = torch.from_numpy(data["x"]).requires_grad_()
    w = torch.from_numpy(data["w"]).requires_grad_()
    b = torch.from_numpy(data["b"]).requires_grad_()
    g = torch.from_numpy(data["g"])

    def step() -> Any:
        return torch.autograd.grad(torch.nn.functional.conv2d(x, w, b), (x, w, b), g)

    return step


STEPS = {"gradspec": gradspec_step, "torch": torch_step, "floor": floor_step}
WARMUP = 5


def worker(system: str, layer: int, steps: int) -> dict[str, Any]:
    """Median seconds of ``steps`` forward + backward steps of ``system`` on ``LAYERS[layer]``
    (after a warm-up)."""
    step = STEPS[system](make_data(LAYERS[layer]))
    return {"system": system, "seconds_per_step": median_step_seconds(step, steps, WARMUP)}


def conv(rounds: int = 3, steps: int = 30, tick: Callable[[], None] | None = None
         ) -> dict[str, dict[str, float]]:
    """Seconds per step by layer and system: the median over rounds of each process's median."""
    systems = [name for name in STEPS if name != "torch" or have_torch()]
    out = {}
    for i, layer in enumerate(LAYERS):
        runs = subprocess_rounds(Path(__file__).resolve(), systems,
                                 ["--layer", str(i), "--steps", str(steps)], rounds, tick)
        out[layer[0]] = {name: statistics.median(r["seconds_per_step"] for r in results)
                         for name, results in runs.items()}
    return out


def _worker_main() -> None:
    p = argparse.ArgumentParser(description="time conv2d steps of one system (internal)")
    p.add_argument("--worker", choices=sorted(STEPS), required=True)
    p.add_argument("--layer", type=int, default=0)
    p.add_argument("--steps", type=int, default=30)
    args = p.parse_args()
    print(json.dumps(worker(args.worker, args.layer, args.steps)))


if __name__ == "__main__":
    _worker_main()
