"""Integer arithmetic as PyTorch computes it, where numpy differs: ``int ** int`` stays an
integer of the tensor's dtype (a Python integer base included, where numpy's route through
float32 gave 8.0), a negative tensor exponent truncates toward zero (numpy refuses it), a
negative Python exponent is refused with PyTorch's RuntimeError, a bool tensor to an integer
power is int64, a bool exponent is 0 or 1; a Python integer out of an integer tensor's range
wraps around (numpy refuses -1 for uint8); ``t - True`` is refused like bool tensors."""

from __future__ import annotations

import pytest

from support import load_or_skip

CASES = {
    "tensor ** negative tensor": lambda t: t.tensor([0, 1, -1, 2, -2, 3]) ** t.tensor([-1]),
    "even negative": lambda t: t.tensor([0, 1, -1, 2, -2, 3]) ** t.tensor([-2]),
    "mixed exponents": lambda t: t.tensor([0, 1, -1, 2, -2, 3]) ** t.tensor([-3, 2, -3, 2, 1, 0]),
    "broadcast": lambda t: t.tensor([[1, 2]]) ** t.tensor([[1], [-1]]),
    "int base": lambda t: 2 ** t.tensor([3, -1]),
    "int base int32": lambda t: 2 ** t.tensor([3], dtype=t.int32),
    "minus one base": lambda t: (-1) ** t.tensor([3, -3, -2]),
    "zero base": lambda t: 0 ** t.tensor([-1, 2]),
    "uint8 negative": lambda t: t.tensor([2, 1], dtype=t.uint8) ** t.tensor([-1]),
    "int base uint8": lambda t: 2 ** t.tensor([2], dtype=t.uint8),
    "float base": lambda t: 2.0 ** t.tensor([3]),
    "int32 and int64": lambda t: t.tensor([2], dtype=t.int32) ** t.tensor([3]),
    "bool ** int": lambda t: t.tensor([True, False]) ** 2,
    "int ** bool tensor": lambda t: 2 ** t.tensor([True, False]),
    "int ** float": lambda t: t.tensor([2, 3]) ** 2.5,
    "int8 ** True": lambda t: t.tensor([-3, 2], dtype=t.int8) ** True,
    "float ** False": lambda t: t.tensor([-3.5, 2.0]) ** False,
    "bool ** True": lambda t: t.tensor([True, False]) ** True,
    "True ** int": lambda t: True ** t.tensor([3, 0]),
    "uint8 + -1": lambda t: t.tensor([1, 2, 7], dtype=t.uint8) + (-1),
    "uint8 * -1": lambda t: t.tensor([1, 2, 7], dtype=t.uint8) * -1,
    "uint8 & -1": lambda t: t.tensor([1, 2, 7], dtype=t.uint8) & -1,
    "uint8 < -1": lambda t: t.tensor([1, 2, 7], dtype=t.uint8) < -1,
    "int8 + 200": lambda t: t.tensor([-3, 2, 5], dtype=t.int8) + 200,
    "-1 - uint8": lambda t: -1 - t.tensor([1, 2, 7], dtype=t.uint8),
}


@pytest.fixture(params=["numpy", "strict"])
def B(request):
    return load_or_skip(request.param)


@pytest.mark.parametrize("case", sorted(CASES))
def test_integer_powers_match_pytorch(B, case):
    torch = pytest.importorskip("torch")
    want, got = CASES[case](torch), CASES[case](B)
    assert str(got.dtype) == str(want.dtype)
    assert got.flatten().tolist() == pytest.approx(want.flatten().tolist())


@pytest.mark.parametrize("exponent", [-1, -2])
@pytest.mark.parametrize("dtype", ["int64", "int8", "uint8"])
def test_a_negative_python_exponent_of_integers_is_refused(B, exponent, dtype):
    x = B.tensor([2, 3], dtype=getattr(B, dtype))
    with pytest.raises(RuntimeError, match="^Integers to negative integer powers are not allowed"):
        x ** exponent
    with pytest.raises(RuntimeError, match="^Integers to negative integer powers"):
        x.pow(exponent)
    assert (B.tensor([2.0]) ** exponent).tolist() == [2.0 ** exponent]  # floats are fine


@pytest.mark.parametrize("case", ["t - True", "True - t", "t.sub_(True)"])
def test_subtracting_a_python_bool_is_refused(B, case):
    t = B.tensor([1.5, 2.0])
    with pytest.raises(RuntimeError, match="subtraction with bool tensors is not supported"):
        {"t - True": lambda: t - True, "True - t": lambda: True - t,
         "t.sub_(True)": lambda: t.sub_(True)}[case]()
    assert t.tolist() == [1.5, 2.0]
