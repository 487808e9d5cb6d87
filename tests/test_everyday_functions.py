"""gradspec.functions.everyday (cross, linalg.cross, ger, adjoint, diagflat, copysign,
heaviside, fix, is_complex, is_signed, is_nonzero, sum_to_size, scalar_tensor, range, asarray)
and the tensor's ``mH``/``H``: values, dtypes, gradients and errors against torch 2.13."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from support import load_or_skip

NAN = float("nan")
A = [[1.0, 0, 0], [0, 1, 0]]
B = [[0.0, 1, 0], [0, 0, 1]]
CASES = {
    "cross with dim": lambda t: t.cross(t.tensor(A), t.tensor(B), dim=1),
    "cross without dim": lambda t: t.cross(t.tensor(A).t(), t.tensor(B).t()),
    "cross method": lambda t: t.tensor(A).cross(t.tensor(B), dim=1),
    "cross with no dim of 3": lambda t: t.cross(t.ones(2, 4), t.ones(2, 4)),
    "linalg.cross": lambda t: t.linalg.cross(t.tensor(A), t.tensor(B)),
    "linalg.cross broadcasts": lambda t: t.linalg.cross(t.tensor(A)[0:1], t.tensor(B)),
    "linalg.cross of 4-vectors": lambda t: t.linalg.cross(t.ones(2, 4), t.ones(2, 4)),
    "linalg.cross of unequal ranks": lambda t: t.linalg.cross(t.ones(3), t.ones(2, 3)),
    "ger": lambda t: t.ger(t.tensor([1.0, 2]), t.tensor([3.0, 4])),
    "adjoint": lambda t: t.arange(6.0).reshape(2, 3).adjoint(),
    "adjoint of a vector": lambda t: t.ones(3).adjoint(),
    "mH": lambda t: t.arange(12.0).reshape(2, 2, 3).mH,
    "H": lambda t: t.arange(6.0).reshape(2, 3).H,
    "H of a vector": lambda t: t.ones(3).H,
    "diagflat": lambda t: t.diagflat(t.tensor([[1, 2], [3, 4]])),
    "diagflat with offset": lambda t: t.diagflat(t.tensor([1.0, 2.0]), 1),
    "copysign": lambda t: t.copysign(t.tensor([1.0, -2, 3]), t.tensor([-0.0, 1, -1])),
    "copysign of ints by a number": lambda t: t.copysign(t.tensor([1, 2]), -1),
    "heaviside": lambda t: t.heaviside(t.tensor([-1.5, 0, 2.0]), t.tensor([0.5])),
    "fix": lambda t: t.fix(t.tensor([-1.5, 2.7])),
    "is_complex": lambda t: t.tensor([t.ones(2).is_complex(), t.is_complex(t.ones(2))]),
    "is_signed": lambda t: t.tensor([t.ones(1, dtype=d).is_signed() for d in (
        t.float32, t.int8, t.uint8, t.bool, t.int64)]),
    "is_nonzero": lambda t: t.tensor([t.is_nonzero(t.tensor([1.0])), t.is_nonzero(t.tensor(0))]),
    "is_nonzero of two": lambda t: t.is_nonzero(t.tensor([1.0, 2])),
    "is_nonzero of none": lambda t: t.is_nonzero(t.tensor([])),
    "sum_to_size": lambda t: t.ones(2, 3).sum_to_size(1, 3),
    "sum_to_size of a tuple": lambda t: t.ones(2, 3).sum_to_size((2, 1)),
    "sum_to_size dropping dims": lambda t: t.ones(4, 2, 3).sum_to_size(3),
    "sum_to_size not expandable": lambda t: t.ones(2, 3).sum_to_size(4),
    "scalar_tensor": lambda t: t.scalar_tensor(3),
    "scalar_tensor int64": lambda t: t.scalar_tensor(3, dtype=t.int64),
    "range": lambda t: t.range(0, 3),
    "range with a step": lambda t: t.range(1, 4, 0.5),
    "range int64": lambda t: t.range(1, 4, dtype=t.int64),
    "asarray of a list": lambda t: t.asarray([1, 2]),
    "asarray of a float": lambda t: t.asarray(3.5),
    "asarray copied keeps the dtype": lambda t: t.asarray(t.ones(2, dtype=t.float64), copy=True),
    "gcd": lambda t: t.gcd(t.tensor([12, -18, 0, 7]), t.tensor([8, 12, 0, -21])),
    "gcd broadcast and promoted": lambda t: t.gcd(t.tensor([12, 9], dtype=t.int32),
                                                  t.tensor([[8], [6]])),
    "gcd method with a 0-d": lambda t: t.tensor([6, 4]).gcd(t.tensor(4)),
    "gcd of floats": lambda t: t.gcd(t.tensor([1.0]), t.tensor([2.0])),
    "lcm": lambda t: t.lcm(t.tensor([4, -6, 0, 5]), t.tensor([6, 4, 5, 0])),
    "lcm method": lambda t: t.tensor([[3, 9], [4, 10]]).lcm(t.tensor([6, 4])),
    "nanmedian": lambda t: t.nanmedian(t.tensor([[1.0, NAN, 3, 2], [5, NAN, NAN, 0]])),
    "nanmedian of integers": lambda t: t.nanmedian(t.tensor([1, 3, 2])),
    "nanmedian all NaN": lambda t: t.nanmedian(t.tensor([NAN, NAN])),
    "nanmedian values by dim": lambda t: t.tensor([[1.0, NAN, 3, 2], [5, NAN, NAN, 0]]).nanmedian(
        dim=1).values,
    "nanmedian indices by dim": lambda t: t.nanmedian(
        t.tensor([[1.0, NAN, 3, 2], [5, NAN, NAN, 0]]), 0, keepdim=True).indices,
}


@pytest.fixture(params=["numpy", "strict"])
def bk(request):
    return load_or_skip(request.param)


@pytest.mark.parametrize("case", sorted(CASES))
def test_like_torch(bk, case):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (cross's and range's deprecation warnings)
        try:
            want = CASES[case](torch)
        except Exception as exc:
            with pytest.raises(type(exc)):
                CASES[case](bk)
            return
        got = CASES[case](bk)
    assert tuple(got.shape) == tuple(want.shape) and str(got.dtype) == str(want.dtype)
    np.testing.assert_allclose(np.asarray(got.tolist(), dtype=float),
                               np.asarray(want.tolist(), dtype=float))


def test_gradients_and_sharing_like_torch(bk):
    torch = pytest.importorskip("torch")
    results = []
    for t in (bk, torch):
        x = t.tensor([1.0, -2.0], requires_grad=True)
        t.copysign(x, t.tensor([-1.0, -1.0])).sum().backward()
        u = t.tensor([[1.0, 2, 3]], requires_grad=True)
        (t.linalg.cross(u, t.tensor([[0.0, 1, 0]])) * t.tensor([[1.0, 2, 3]])).sum().backward()
        m = t.tensor([[1.0, float("nan"), 3, 2], [4, 1, float("nan"), 0]], requires_grad=True)
        (t.nanmedian(m, 1).values * t.tensor([1.0, 2.0])).sum().backward()
        results.append((x.grad.tolist(), u.grad.tolist(), m.grad.tolist()))
    assert results[0] == results[1]
    if bk.name == "numpy":  # numpy's arrays are shared, as PyTorch shares them
        data = np.arange(3.0)
        shared = bk.asarray(data)
        data[0] = 9.0
        assert shared.tolist() == [9.0, 1.0, 2.0]
