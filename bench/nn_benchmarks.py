"""The neural-network benchmarks as bench/run.py runs them: conv2d against the hand-written
im2col floor (target: within 2x of it), and the cnn and transformer workloads' training steps
against torch (and, for the CNN, the floor).  Each entry gives run.py the ticks its progress
bar needs and the table rows it produces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import cnn
import common
import conv
import transformer

Row = Callable[..., dict[str, Any]]  # run.py's _row(benchmark, metric, figures, digits, ...)


@dataclass(frozen=True)
class Benchmark:
    ticks: Callable[[bool], int]
    run: Callable[[bool, Callable[[], None], Row], list[dict[str, Any]]]


def _systems(with_floor: bool) -> int:
    return (2 if with_floor else 1) + common.have_torch()


def _rounds(quick: bool) -> int:
    return 1 if quick else 3


def _conv_rows(quick: bool, tick: Callable[[], None], row: Row) -> list[dict[str, Any]]:
    res = conv.conv(_rounds(quick), 10 if quick else 30, tick)
    return [row(f"conv2d forward + backward, batch {conv.BATCH}, {layer}", "ms per step",
                {k: v * 1e3 for k, v in figures.items()}, 3, "floor", 2.0)
            for layer, figures in res.items()]


def _cnn_rows(quick: bool, tick: Callable[[], None], row: Row) -> list[dict[str, Any]]:
    res = cnn.cnn_step(_rounds(quick), 10 if quick else cnn.STEPS_PER_WORKER, tick)
    figures = {k: v * 1e3 for k, v in res.items()}
    name = "CNN step (cnn workload: 2 conv + pool stages, linear head, Adam), batch 32"
    return [row(name, "ms per step", figures, 3, "floor"),
            row(name, "ms per step (against torch)", figures, 3, "torch")]


def _transformer_rows(quick: bool, tick: Callable[[], None], row: Row) -> list[dict[str, Any]]:
    res = transformer.transformer_step(_rounds(quick), 10 if quick else
                                       transformer.STEPS_PER_WORKER, tick)
    name = ("transformer step (transformer workload: embeddings, attention, layer norms, MLP, "
            "Adam), batch 32 x 8 tokens")
    return [row(name, "ms per step", {k: v * 1e3 for k, v in res.items()}, 3, "torch")]


BENCHMARKS: dict[str, Benchmark] = {
    "conv2d": Benchmark(lambda quick: len(conv.LAYERS) * _rounds(quick) * _systems(True),
                        _conv_rows),
    "cnn": Benchmark(lambda quick: _rounds(quick) * _systems(True), _cnn_rows),
    "transformer": Benchmark(lambda quick: _rounds(quick) * _systems(False), _transformer_rows),
}
