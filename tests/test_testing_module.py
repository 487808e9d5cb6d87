"""``torch.testing`` on gradspec: `assert_close` passes and fails where PyTorch's does, with
the same exception and message (compared with PyTorch's own where it is installed)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import gradspec

#: (name, function of a torch-like namespace running one assert_close call)
CASES = [
    ("close", lambda t: t.testing.assert_close(t.tensor([1.0, 2.0]), t.tensor([1.0, 2.0000001]))),
    ("one-element-off", lambda t: t.testing.assert_close(t.tensor([1.0, 2.0, 3.0]),
                                                         t.tensor([1.0, 2.1, 3.0]))),
    ("scalar-tensors", lambda t: t.testing.assert_close(t.tensor(1.0), t.tensor(1.5))),
    ("dtype", lambda t: t.testing.assert_close(t.tensor([1.0]), t.tensor([1.0],
                                                                          dtype=t.float64))),
    ("dtype-unchecked", lambda t: t.testing.assert_close(
        t.tensor([1.0, 2.0]), t.tensor([1.0, 2.0], dtype=t.float64), check_dtype=False)),
    ("shape", lambda t: t.testing.assert_close(t.tensor([1.0, 2.0]), t.tensor([1.0, 2, 3]))),
    ("tensor-and-list", lambda t: t.testing.assert_close(t.tensor([1.0]), [1.0])),
    ("tensor-and-array", lambda t: t.testing.assert_close(t.tensor([1.0]), np.array([1.0]))),
    ("numbers", lambda t: t.testing.assert_close(1.0, 1.1)),
    ("number-types", lambda t: t.testing.assert_close(1, 1.0)),
    ("ints", lambda t: t.testing.assert_close(2, 3)),
    ("sequence-item", lambda t: t.testing.assert_close([t.tensor(1.0), t.tensor(2.0)],
                                                       [t.tensor(1.0), t.tensor(2.5)])),
    ("nested-item", lambda t: t.testing.assert_close({"a": [1, (2, 3)]}, {"a": [1, (2, 4)]})),
    ("mapping-keys", lambda t: t.testing.assert_close({"a": 1}, {"b": 1})),
    ("lengths", lambda t: t.testing.assert_close([1, 2], [1, 2, 3])),
    ("integer-tensors", lambda t: t.testing.assert_close(t.tensor([1, 2]), t.tensor([1, 3]))),
    ("bool-tensors", lambda t: t.testing.assert_close(t.tensor([True]), t.tensor([False]))),
    ("nan", lambda t: t.testing.assert_close(t.tensor([1.0, math.nan]), t.tensor([1.0, math.nan]))),
    ("nan-equal", lambda t: t.testing.assert_close(t.tensor([math.nan]), t.tensor([math.nan]),
                                                   equal_nan=True)),
    ("inf", lambda t: t.testing.assert_close(t.tensor([math.inf]), t.tensor([math.inf]))),
    ("one-tolerance", lambda t: t.testing.assert_close(t.tensor([1.0]), t.tensor([1.0]),
                                                       rtol=0.1)),
    ("tolerances", lambda t: t.testing.assert_close(t.tensor([1.0, 2.0]), t.tensor([1.0, 2.5]),
                                                    rtol=0.5, atol=0)),
    ("msg", lambda t: t.testing.assert_close(t.tensor([1.0]), t.tensor([2.0]), msg="custom")),
    ("msg-callable", lambda t: t.testing.assert_close(t.tensor([1.0]), t.tensor([2.0]),
                                                      msg=lambda m: "X" + m[:10])),
    ("matrix", lambda t: t.testing.assert_close(t.arange(6.0).reshape(2, 3) / 7,
                                                t.arange(6.0).reshape(2, 3) / 7 + 1e-4)),
    ("zero-expected", lambda t: t.testing.assert_close(t.tensor([1.0, 0.0]),
                                                       t.tensor([1.0, 1e-3]))),
    ("none", lambda t: t.testing.assert_close(t.tensor([1.0]), None)),
    ("text", lambda t: t.testing.assert_close("a", "a")),
    ("graph-tensor", lambda t: t.testing.assert_close(
        t.tensor([1.0, 2.0], requires_grad=True) * 2, t.tensor([2.0, 4.5]))),
]


def _outcome(fn, namespace):
    try:
        fn(namespace)
    except Exception as exc:  # what failed, and how: the subject of the comparison
        return type(exc).__name__, str(exc)
    return "ok", ""


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_assert_close_answers_as_pytorch(name, fn):
    torch = pytest.importorskip("torch")
    assert _outcome(fn, gradspec.load_backend("numpy")) == _outcome(fn, torch)


def test_assert_close_says_where_and_by_how_much():
    t = gradspec.load_backend("numpy")
    kind, message = _outcome(CASES[1][1], t)
    assert kind == "AssertionError"
    assert message.splitlines() == [
        "Tensor-likes are not close!", "",
        "Mismatched elements: 1 / 3 (33.3%)",
        "Greatest absolute difference: 0.09999990463256836 at index (1,) (up to 1e-05 allowed)",
        "Greatest relative difference: 0.04761900380253792 at index (1,) (up to 1.3e-06 "
        "allowed)"]
    assert _outcome(CASES[0][1], t) == ("ok", "")


@pytest.mark.parametrize("backend_name", ["numpy", "strict"])
def test_make_tensor_draws_in_range(backend_name):
    t = gradspec.load_backend(backend_name)
    x = t.testing.make_tensor(2, 3, dtype=t.float32, device=None, low=-1, high=1,
                              requires_grad=True)
    assert tuple(x.shape) == (2, 3) and x.dtype == t.float32 and x.requires_grad
    assert bool((x >= -1).all()) and bool((x < 1).all())
    k = t.testing.make_tensor((50,), dtype=t.int64, device=None, low=0, high=3,
                              exclude_zero=True)
    assert set(k.tolist()) <= {1, 2}
