"""Floor division on the engine against torch: ``//`` (and ``rfloordiv``, ``//=``,
``floor_divide``) and ``div(..., rounding_mode='floor' | 'trunc')`` -- values and dtypes for
integers, floats, mixed operands, negative numbers, broadcasting and zero divisors; the zero
gradient of the rounded division and the missing derivative of ``//``, as torch's; on numpy,
strict and the torch adapter."""

from __future__ import annotations

import numpy as np
import pytest
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch is the reference")


INTS = [7, -7, 9, -1, 0, 12]
FLOATS = [7.5, -7.5, 3.0, -0.5, 0.0, 1e10]


def _cases(torch):
    a_int, a_float = torch.tensor(INTS), torch.tensor(FLOATS)
    b_int, b_float = torch.tensor([2, 2, -4, 3, 5, -5]), torch.tensor([2.0, -2.5, 0.7, 3.0,
                                                                         -1.0, 7.0])
    return {
        "int//int": lambda: a_int // b_int,
        "int//number": lambda: a_int // 3,
        "number//int": lambda: 100 // b_int,
        "float//float": lambda: a_float // b_float,
        "int//float": lambda: a_int // b_float,
        "float//number": lambda: a_float // 0.3,
        "broadcast": lambda: a_int.reshape(2, 3) // torch.tensor([[2], [-3]]),
        "by-zero-float": lambda: a_float // 0.0,
        "method": lambda: a_int.floor_divide(b_int),
        "div-floor": lambda: torch.div(a_int, b_int, rounding_mode="floor"),
        "div-trunc-int": lambda: torch.div(a_int, b_int, rounding_mode="trunc"),
        "div-trunc-float": lambda: a_float.div(b_float, rounding_mode="trunc"),
        "div-floor-number": lambda: torch.div(a_float, -2, rounding_mode="floor"),
    }


def test_values_and_dtypes_like_torch(bk, T):
    ours, theirs = _cases(bk), _cases(T)
    for name in ours:
        a, b = ours[name](), theirs[name]()
        assert str(a.dtype).rsplit(".", 1)[-1] == str(b.dtype).rsplit(".", 1)[-1], name
        np.testing.assert_array_equal(np.asarray(a.tolist()), b.numpy(), err_msg=name)


def test_in_place_forms(bk, T):
    for torch in (bk, T):
        a = torch.tensor([9, -10])
        a //= 4
        assert a.tolist() == [2, -3]
        b = torch.tensor([9.0, -10.0])
        assert b.floor_divide_(4).tolist() == [2.0, -3.0] and b.tolist() == [2.0, -3.0]
        c = torch.tensor([9.0, -10.0])
        c.div_(4, rounding_mode="trunc")
        assert c.tolist() == [2.0, -2.0]


def test_gradients_as_torch(bk, T):
    for torch in (bk, T):
        x = torch.tensor([3.0, -3.5], requires_grad=True)
        y = torch.tensor([[2.0], [3.0]], requires_grad=True)
        q = torch.div(x, y, rounding_mode="floor") + torch.div(x, 2, rounding_mode="trunc")
        assert q.grad_fn is not None
        q.sum().backward()
        assert x.grad.tolist() == [0.0, 0.0] and y.grad.tolist() == [[0.0], [0.0]]
        z = x // 2
        assert z.requires_grad
        with pytest.raises(RuntimeError, match="derivative for .*floor_divide is not "
                                               "implemented"):
            z.sum().backward()


def test_errors_as_torch(bk):
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        bk.tensor([1, 2]) // 0
    with pytest.raises(RuntimeError, match="rounding_mode to be one of None, 'trunc', or "
                                           "'floor' but found 'round'"):
        bk.div(bk.tensor([1.0]), 2, rounding_mode="round")
