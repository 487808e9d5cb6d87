"""Result dtypes of reductions and elementwise functions where numpy's rules differ from
PyTorch's, against torch 2.13: every integer sum is int64 (numpy: uint64 for uint8, the
platform's integer for int32), ``any``/``all`` of uint8 stay uint8, the sign of a bool is
the bool, and ``angle`` of real tensors (0 or pi, NaN at NaN, a zero gradient)."""

from __future__ import annotations

import math

import pytest

from support import load_or_skip

VALUES = {"bool": [True, False, True], "uint8": [1, 2, 7], "int8": [-3, 2, 5],
          "int32": [-3, 2, 5], "int64": [-4, 3, 6], "float32": [-1.5, 2.25, 0.5]}
OPS = {
    "sum": lambda t: t.sum(),
    "sum dim": lambda t: t.reshape(1, 3).sum(1),
    "nansum": lambda t: t.nansum(),
    "any": lambda t: t.any(),
    "all": lambda t: t.all(),
    "any dim": lambda t: t.reshape(1, 3).any(0),
    "sign": lambda t: t.sign(),
    "angle": lambda t: t.angle(),
}


@pytest.fixture(params=["numpy", "strict"])
def B(request):
    return load_or_skip(request.param)


def _flat(values):
    return [("nan" if isinstance(v, float) and math.isnan(v) else float(v)) for v in values]


@pytest.mark.parametrize("dtype", sorted(VALUES))
@pytest.mark.parametrize("op", sorted(OPS))
def test_result_dtype_and_values_match_pytorch(B, op, dtype):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (B, torch):
        out = OPS[op](lib.tensor(VALUES[dtype], dtype=getattr(lib, dtype)))
        results.append((str(out.dtype), _flat(out.reshape(-1).tolist())))
    assert results[0][0] == results[1][0]
    assert results[0][1] == pytest.approx(results[1][1], nan_ok=True, rel=1e-6)


def test_angle_of_specials_and_its_gradient(B):
    x = B.tensor([-1.0, 2.0, float("nan"), 0.0, -0.0, float("inf"), -float("inf")],
                 requires_grad=True)
    y = x.angle()
    got = y.tolist()
    assert got[:2] == [pytest.approx(math.pi), 0.0] and math.isnan(got[2])
    assert got[3:] == [0.0, 0.0, 0.0, pytest.approx(math.pi)]
    y.sum().backward()
    assert x.grad.tolist() == [0.0] * 7
