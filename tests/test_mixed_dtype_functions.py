"""Two-input floating functions composed from simpler ops (copysign, xlogy, xlog1py, logaddexp,
logaddexp2, ldexp) and the integer ones (gcd, lcm) given operands of different dtypes: the
result's dtype is PyTorch's (the pair promoted, then made floating), and so are the values and
gradients; against numbers PyTorch 2.13 gives, and against PyTorch itself where installed."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from support import load_or_skip


@pytest.fixture(params=["numpy", "strict"])
def B(request):
    return load_or_skip(request.param)


def _fn(lib, name):
    for part in name.split("."):
        lib = getattr(lib, part)
    return lib


FLOATING = ["copysign", "xlogy", "special.xlog1py", "logaddexp", "logaddexp2", "ldexp"]


@pytest.mark.parametrize("name", FLOATING)
def test_float32_beside_float64_computes_in_float64(B, name):
    a = B.tensor([1.5, -2.0], dtype=B.float32)
    b = B.tensor([2.0, 0.5], dtype=B.float64)
    assert _fn(B, name)(a, b).dtype == B.float64
    assert _fn(B, name)(b, a).dtype == B.float64


@pytest.mark.parametrize("name", FLOATING)
def test_two_integer_tensors_give_the_default_float(B, name):
    a = B.tensor([1, 2])
    b = B.tensor([3, 1])
    assert _fn(B, name)(a, b).dtype == B.float32


@pytest.mark.parametrize("name", FLOATING)
def test_float16_beside_an_integer_tensor_stays_float16(name):
    B = load_or_skip("numpy")  # (array_api_strict has no float16)
    half = B.tensor([1.5, 2.0], dtype=B.float16)
    ints = B.tensor([2, 1])
    assert _fn(B, name)(half, ints).dtype == B.float16
    assert _fn(B, name)(ints, half).dtype == B.float16


def test_copysign_of_float32_by_float64_is_a_float64_with_other_s_signs(B):
    got = B.copysign(B.tensor([0.1, -2.0, 3.0], dtype=B.float32),
                     B.tensor([-1.0, 0.0, -0.0], dtype=B.float64))
    assert got.dtype == B.float64
    assert got.tolist() == [-float(np.float32(0.1)), 2.0, -3.0]


def test_copysign_keeps_other_in_the_graph_with_a_zero_gradient(B):
    x = B.tensor([1.0, -2.0], requires_grad=True)
    y = B.tensor([-3.0, math.inf], requires_grad=True)
    out = B.copysign(x, y)
    assert out.grad_fn.name() == "CopysignBackward0"
    out.sum().backward()
    assert x.grad.tolist() == [-1.0, -1.0] and y.grad.tolist() == [0.0, 0.0]
    ints = B.copysign(B.tensor([1, 2]), y)  # an integer input: the graph through other only
    assert ints.requires_grad and ints.grad_fn.name() == "CopysignBackward0"


def test_xlog1py_gradient_in_x_is_log1p_y_also_where_x_is_zero(B):
    # PyTorch 2.13: x.grad [0, log1p(2), nan, -inf, nan] for these (0 where log1p(y) is -inf)
    x = B.tensor([0.0, 0.0, 0.0, 1.0, 2.0], requires_grad=True)
    y = B.tensor([-1.0, 2.0, math.nan, -1.0, -2.0])
    out = B.special.xlog1py(x, y)
    assert out.grad_fn.name() == "SpecialXlog1PyBackward0"
    out.sum().backward()
    g = x.grad.tolist()
    assert g[0] == 0.0 and g[1] == pytest.approx(math.log1p(2.0)) and math.isnan(g[2])
    assert g[3] == -math.inf and math.isnan(g[4])


@pytest.mark.parametrize("name", ["gcd", "lcm"])
def test_a_bool_beside_an_integer_tensor_is_promoted(B, name):
    ints = B.tensor([4, 6, 0])
    mask = B.tensor([True, False, True])
    want = {"gcd": [1, 6, 1], "lcm": [4, 0, 0]}[name]
    for out in (_fn(B, name)(ints, mask), _fn(B, name)(mask, ints)):
        assert out.dtype == B.int64 and out.tolist() == want
    with pytest.raises(NotImplementedError):
        _fn(B, name)(mask, mask)


DTYPES = ["float32", "float64", "float16", "int64", "bool", "uint8"]


@pytest.mark.parametrize("name", FLOATING + ["gcd", "lcm"])
def test_every_dtype_pair_as_pytorch(name):
    torch = pytest.importorskip("torch")
    B = load_or_skip("numpy")
    a_values, b_values = [0.0, 1.5, -2.0, 3.0], [2.0, -0.0, 1.0, 0.5]
    for da, db in itertools.product(DTYPES, DTYPES):
        def make(lib, values, dtype):
            t = lib.tensor(np.array(values).astype(dtype).tolist(), dtype=getattr(lib, dtype))
            return t.requires_grad_() if dtype.startswith("float") else t

        ta, tb = make(torch, a_values, da), make(torch, b_values, db)
        try:
            want = _fn(torch, name)(ta, tb)
        except (RuntimeError, NotImplementedError, TypeError):
            continue  # a pair PyTorch refuses
        ga, gb = make(B, a_values, da), make(B, b_values, db)
        got = _fn(B, name)(ga, gb)
        where = f"{name}({da}, {db})"
        # float16 arithmetic: composed of several rounded steps where PyTorch computes in float32
        rtol = 1e-2 if str(want.dtype) == "torch.float16" else 1e-3
        assert str(got.dtype) == str(want.dtype), where
        np.testing.assert_allclose(got.detach().tolist(), want.detach().double().tolist(),
                                   rtol=rtol, equal_nan=True, err_msg=where)
        assert got.requires_grad == want.requires_grad, where
        if want.requires_grad:
            try:
                want.sum().backward()
            except RuntimeError:  # PyTorch's own backward refuses some pairs (a bool other)
                continue
            got.sum().backward()
            for t, g in ((ta, ga), (tb, gb)):
                if t.grad is not None:
                    np.testing.assert_allclose(g.grad.tolist(), t.grad.double().tolist(),
                                               rtol=rtol, equal_nan=True, err_msg=where)
