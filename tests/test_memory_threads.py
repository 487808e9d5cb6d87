"""Memory and threads: saved tensors are freed, the graph makes no reference cycles, training
memory stays flat, grad mode is per thread, and threads training separate models do not disturb
each other.

Everything here uses the protocol only (the logistic regression is written by hand: a weight and
a bias leaf, sigmoid, binary cross-entropy by formula, SGD under no_grad), so it runs on the
engine's backends and on torch alike.
"""

from __future__ import annotations

import os
import threading
import tracemalloc
import weakref
from typing import Any

import numpy as np
import pytest

import gradspec
from support import load_or_skip, refcount_only

BACKENDS = ["numpy", "strict", "torch"]
STEPS = 10_000
WARMUP = 1_000  # allocator pools and caches settle before the first measurement
GROWTH_BOUND = 5 * 2**20  # RSS bytes over STEPS - WARMUP steps; keeping one small tensor per
#                           step (the leaky control below) is about 2 KB a step, 18 MB in all
TRACED_STEPS = 1_000
TRACED_BOUND = 200_000  # bytes still allocated after TRACED_STEPS steps (the leak: ~2 MB)


@pytest.fixture(params=BACKENDS)
def torch(request):
    return load_or_skip(request.param)


no_gc = refcount_only


def rss() -> int:
    """Resident set size in bytes (peak RSS where /proc is missing: still flat if nothing grows)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# ------------------------------------------------------------------------------ freeing
def test_saved_tensors_are_freed_by_backward(torch):
    with no_gc():
        x = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64, requires_grad=True)
        a = x * 2
        loss = (a.sin() * a).sum()  # sin and mul save a
        kept = weakref.ref(a)
        del a
        assert kept() is not None, "the graph must hold what it saved until backward"
        loss.backward()
        assert kept() is None, "backward without retain_graph must free the saved tensors"
        assert x.grad is not None


def test_retain_graph_keeps_saved_tensors_until_the_last_backward(torch):
    with no_gc():
        x = torch.tensor([0.5, 1.0], dtype=torch.float64, requires_grad=True)
        a = x.exp()
        loss = (a.log() * 3).sum()  # log saves its input a
        kept = weakref.ref(a)
        del a
        loss.backward(retain_graph=True)
        assert kept() is not None
        loss.backward()
        assert kept() is None


def test_the_graph_makes_no_reference_cycles(torch):
    with no_gc():
        w = torch.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=torch.float64, requires_grad=True)
        x = torch.tensor([[1.0, 2.0]], dtype=torch.float64)
        h = torch.sigmoid(x @ w)
        h.retain_grad()
        out = (h * h).sum() + w.sum()
        if "hooks" in torch.capabilities:
            h.register_hook(lambda g: g * 1)  # a closure on the graph, kept by the graph
        refs = [weakref.ref(t) for t in (w, x, h, out)]
        out.backward(retain_graph=True)
        refs.append(weakref.ref(w.grad))
        del w, x, h, out
        assert [r() for r in refs] == [None] * 5, "a tensor or node survived by a cycle"


def test_an_unused_graph_is_freed_without_backward(torch):
    with no_gc():
        x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
        y = x.exp()  # saves its output
        z = (y * x).sum()
        refs = [weakref.ref(t) for t in (y, z)]
        del y, z
        assert [r() for r in refs] == [None, None]


# ------------------------------------------------------------------------------ training memory
def _data(torch: Any, n: int = 100, seed: int = 0) -> tuple[Any, Any]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (X @ np.array([1.5, -2.0]) + 0.3 > 0).astype(np.float64).reshape(n, 1)
    f64 = torch.float64
    return torch.tensor(X.tolist(), dtype=f64), torch.tensor(y.tolist(), dtype=f64)


def _train(torch: Any, X: Any, y: Any, steps: int, lr: float = 0.1, keep: list | None = None,
           marks: dict[int, int] | None = None) -> tuple[list[float], list[float]]:
    """Logistic regression by hand: Linear(2, 1) as two leaves, sigmoid, BCE, SGD."""
    W = torch.zeros(1, 2, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    for step in range(steps):
        p = torch.sigmoid(X @ W.t() + b)
        loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()
        loss.backward()
        with torch.no_grad():
            W -= lr * W.grad
            b -= lr * b.grad
        W.grad = None
        b.grad = None
        if keep is not None:
            keep.append(p)  # the leak the control test makes on purpose
        if marks is not None and step + 1 in marks:
            marks[step + 1] = rss()
    return W.tolist()[0] + b.tolist(), [loss.item()]


def test_ten_thousand_training_steps_keep_memory_flat(torch):
    X, y = _data(torch)
    marks = {WARMUP: 0, STEPS: 0}
    params, (loss,) = _train(torch, X, y, STEPS, marks=marks)
    assert loss < 0.1, "the model did not train"
    growth = marks[STEPS] - marks[WARMUP]
    assert growth < GROWTH_BOUND, f"resident memory grew by {growth / 2**20:.1f} MiB"


def _traced_growth(torch: Any, steps: int, keep: list | None = None) -> int:
    """Bytes Python and numpy still hold after ``steps`` more steps (tracemalloc): exact where
    RSS can hide a leak in memory a long test session freed before."""
    X, y = _data(torch)
    _train(torch, X, y, 50, keep=keep)  # first-use caches
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        _train(torch, X, y, steps, keep=keep)
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_training_holds_on_to_nothing(torch):
    growth = _traced_growth(torch, TRACED_STEPS)
    assert growth < TRACED_BOUND, f"{growth} bytes still held after {TRACED_STEPS} steps"


def test_the_bounds_catch_a_leak_of_one_tensor_per_step():
    # the control: the same loop keeping each step's prediction (100 floats and its node)
    torch = gradspec.load_backend("numpy")
    keep: list = []
    growth = _traced_growth(torch, TRACED_STEPS, keep=keep)
    assert growth > 5 * TRACED_BOUND
    assert growth / TRACED_STEPS * (STEPS - WARMUP) > GROWTH_BOUND  # RSS would grow past it too


# ------------------------------------------------------------------------------ threads
def test_grad_mode_is_per_thread(torch):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    both_inside = threading.Barrier(2, timeout=30)
    seen: dict[str, Any] = {}

    def under_no_grad():
        with torch.no_grad():
            both_inside.wait()  # the other thread computes while this one is inside no_grad
            seen["no_grad"] = (torch.is_grad_enabled(), (x * 2).requires_grad)
            both_inside.wait()

    def recording():
        both_inside.wait()
        seen["grad"] = (torch.is_grad_enabled(), (x * 2).requires_grad)
        both_inside.wait()

    threads = [threading.Thread(target=under_no_grad), threading.Thread(target=recording)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert seen == {"no_grad": (False, False), "grad": (True, True)}
    assert torch.is_grad_enabled()


def test_two_threads_training_separate_models_match_running_alone(torch):
    steps = 300
    data = [_data(torch, seed=s) for s in (1, 2)]
    alone = [_train(torch, X, y, steps, lr=lr) for (X, y), lr in zip(data, (0.1, 0.3))]

    together: list[Any] = [None, None]
    start = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            start.wait()
            X, y = data[i]
            together[i] = _train(torch, X, y, steps, lr=(0.1, 0.3)[i])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert together == alone  # bit for bit: nothing shared between the two runs
