"""bench/scaleout.py: its table says what the figures say (no cluster, no timing asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import scaleout  # noqa: E402


def _result(dask_ms, one_ms, gd_ms, lbfgs_ms):
    ms = dict(zip(scaleout.SYSTEMS, (dask_ms, one_ms, gd_ms, lbfgs_ms)))
    quality = {name: {"loss": 0.5, "accuracy": 0.75} for name in scaleout.SYSTEMS}
    return {"ms_per_iteration": ms, "iterations": {n: 10 for n in scaleout.SYSTEMS},
            "quality": quality, "persist_seconds": 1.0, "rounds": 1,
            "overhead_ms_per_step": {2: 5.0, 8: 9.0, 32: 25.0},
            "pitfall": {"as received": {"address mod 64": 42, "X @ w": 90.0, "X.T @ g": 400.0},
                        "aligned copy": {"address mod 64": 0, "X @ w": 7.0, "X.T @ g": 7.0}}}


def test_rows_state_ratios_and_targets():
    rows = scaleout.rows(_result(30.0, 25.0, 480.0, 98.0))
    one, gd, lbfgs = rows
    assert one["ratio"] == "1.20x gradspec, one process" and one["met"] == "yes"
    assert gd["ratio"] == "16.0x faster than dask-ml gradient_descent" and gd["met"] == "yes"
    assert lbfgs["target"] is None and lbfgs["met"] is None
    slow = scaleout.rows(_result(40.0, 25.0, 150.0, 98.0))
    assert slow[0]["met"] == "NO" and slow[1]["met"] == "NO"  # 1.6x and 3.75x miss


def test_markdown_lists_every_system_and_the_pitfall():
    table = scaleout.markdown(_result(30.0, 25.0, 480.0, 98.0))
    for name in scaleout.SYSTEMS:
        assert f"| {name} |" in table
    assert "| as received | 42 | 90.0 | 400.0 |" in table
    assert "| ms per step | 5.0 | 9.0 | 25.0 |" in table


def test_quality_is_the_mean_cross_entropy_and_accuracy():
    x = np.array([[1.0], [-1.0], [2.0]])
    y = np.array([1.0, 0.0, 0.0])
    q = scaleout._quality(x, y, np.array([1.0]), 0.0)
    p = 1 / (1 + np.exp(-x[:, 0]))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert q["loss"] == pytest.approx(expected, rel=1e-12)
    assert q["accuracy"] == pytest.approx(2 / 3)
