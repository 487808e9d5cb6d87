"""The composed special functions (gradspec/functions/special.py): the gamma family, the error
family, the modified Bessel functions, ``torch.special``, ``logspace``, ``gradient`` and
``cumulative_trapezoid`` give real PyTorch's values, dtypes, first and second derivatives,
special values and errors, on numpy and strict."""

from __future__ import annotations

import math

import numpy as np
import pytest
from gradspec import functions
from support import load_or_skip

ENGINES = ["numpy", "strict"]


@pytest.fixture(params=ENGINES)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def real():
    return pytest.importorskip("torch", reason="real PyTorch is the reference")


def _resolve(lib, name):
    for part in name.split("."):
        lib = getattr(lib, part)
    return lib


def _host(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _leaf(lib, values, dtype, grad=True):
    t = lib.tensor(np.asarray(values).tolist(), dtype=getattr(lib, dtype))
    return t.requires_grad_() if grad else t


def _weights(shape, seed):
    return np.random.default_rng(seed).normal(size=shape).tolist()


def _compare(bk, real, name, values, dtype="float64", *, args=(), kwargs=None, rtol=1e-10,
             atol=1e-12, order=2, grad_rtol=None, lead=None):
    """``name(x, *args)`` (``name(lead, x)`` when ``lead`` is given) on both libraries: the
    values, dtypes and the derivatives up to ``order`` (of a weighted sum) agree."""
    kwargs = kwargs or {}
    results = []
    for lib in (bk, real):
        x = _leaf(lib, values, dtype)
        fn = _resolve(lib, name)
        out = fn(lead, x, *args, **kwargs) if lead is not None else fn(x, *args, **kwargs)
        got = [out]
        y = out
        for k in range(order):
            w = lib.tensor(_weights(tuple(x.shape), k), dtype=y.dtype)
            (y,) = lib.autograd.grad((y * w).sum(), x, create_graph=k + 1 < order)
            got.append(y)
        results.append(got)
    for k, (o, t) in enumerate(zip(*results)):
        assert tuple(o.shape) == tuple(t.shape), name
        assert str(o.dtype).rsplit(".", 1)[-1] == str(t.dtype).rsplit(".", 1)[-1], name
        tol = rtol if k == 0 or grad_rtol is None else grad_rtol
        np.testing.assert_allclose(_host(o), _host(t), rtol=tol, atol=atol,
                                   err_msg=f"{name}, derivative {k}")


GRID = np.concatenate([np.linspace(-9.7, 9.7, 40) + 0.013, [0.03, 0.5, 1.0, 2.0, 25.5, 140.2,
                                                            3e3, -30.25, -0.4]])
POSITIVE = np.array([0.02, 0.3, 1.0, 1.7, 4.2, 9.9, 10.1, 31.0, 250.0, 1e4])
UNIT = np.concatenate([np.linspace(-0.97, 0.97, 25), [0.0, 0.6999, 0.7001, -0.99999, 0.999]])
PROB = np.array([1e-30, 1e-8, 0.001, 0.1, 0.15, 0.3, 0.5, 0.62, 0.849, 0.851, 0.99,
                 1 - 1e-9])
WIDE = np.concatenate([np.linspace(-12.0, 12.0, 33), [26.0, -26.0, 0.2, -0.46, 0.47, 4.1]])


@pytest.mark.parametrize("name, values, kw", [
    # (torch's trigamma, the derivative of digamma, is good to 5e-10)
    ("lgamma", GRID, {"grad_rtol": 1e-8}), ("lgamma", POSITIVE, {"grad_rtol": 1e-8}),
    ("special.gammaln", GRID, {"grad_rtol": 1e-8}),
    ("digamma", GRID, {"grad_rtol": 1e-8}), ("digamma", POSITIVE, {"grad_rtol": 1e-8}),
    ("special.psi", POSITIVE, {"grad_rtol": 1e-8}), ("special.digamma", GRID, {"grad_rtol": 1e-8}),
    ("polygamma", GRID, {"lead": 1, "rtol": 1e-8, "grad_rtol": 1e-8}),  # torch's: 5e-10
    ("polygamma", GRID, {"lead": 2, "rtol": 1e-9}),
    ("polygamma", POSITIVE, {"lead": 3, "order": 1}),
    ("special.polygamma", GRID, {"lead": 0, "grad_rtol": 1e-8}),
    ("mvlgamma", POSITIVE + 2, {"args": (3,), "grad_rtol": 1e-8}),
    ("special.multigammaln", POSITIVE + 1, {"args": (2,), "grad_rtol": 1e-8}),
    ("erfinv", UNIT, {}), ("special.erfinv", UNIT, {}),
    ("erfc", WIDE, {}), ("special.erfc", WIDE, {}), ("special.erfcx", WIDE, {"rtol": 1e-9}),
    # (torch's second derivative of log_ndtr cancels digits in the far tail)
    ("special.ndtr", WIDE, {}),
    ("special.log_ndtr", np.concatenate([WIDE, [-40.0]]), {"grad_rtol": 1e-8}),
    ("special.ndtri", PROB, {"rtol": 1e-9}),
    ("i0", WIDE * 3, {}), ("special.i0", WIDE, {}), ("special.i0e", WIDE * 3, {}),
    ("special.i1", WIDE * 3, {}), ("special.i1e", WIDE * 3, {}),
    ("special.entr", POSITIVE, {}), ("special.expit", GRID, {}),
    ("special.logit", UNIT / 2 + 0.5, {}), ("special.exp2", UNIT, {}),
    ("special.expm1", UNIT, {}), ("special.log1p", UNIT, {}), ("special.erf", WIDE, {}),
    ("special.sinc", GRID, {}),
])
def test_values_and_two_derivatives_match_torch_in_float64(bk, real, name, values, kw):
    _compare(bk, real, name, values, **kw)


@pytest.mark.parametrize("name, values, kw", [
    ("lgamma", GRID, {}), ("digamma", GRID, {}), ("polygamma", GRID, {"lead": 1}),
    ("erfinv", UNIT, {}), ("erfc", WIDE, {}), ("special.ndtri", PROB[1:-1], {}),
    ("special.log_ndtr", WIDE[:33], {}), ("i0", WIDE, {}), ("special.i1e", WIDE, {}),
    ("mvlgamma", POSITIVE + 2, {"args": (2,)}),
])
def test_float32_matches_torch(bk, real, name, values, kw):
    _compare(bk, real, name, values, "float32", rtol=2e-5, atol=1e-6, order=1, **kw)


@pytest.mark.parametrize("name, lead", [
    ("lgamma", None), ("digamma", None), ("polygamma", 1), ("polygamma", 2), ("erfinv", None),
    ("erfc", None), ("i0", None), ("special.erfcx", None), ("special.ndtr", None),
    ("special.ndtri", None), ("special.log_ndtr", None), ("special.i0e", None),
    ("special.i1", None), ("special.i1e", None), ("special.entr", None),
])
def test_special_values_match_torch(bk, real, name, lead):
    values = [0.0, -0.0, -1.0, -2.0, -3.0, math.inf, -math.inf, math.nan, 1.0, -1.0, 1e-300,
              2.0, 0.5, 1e300, -1e300, 1e6]
    out = []
    for lib in (bk, real):
        x = lib.tensor(values, dtype=lib.float64)
        fn = _resolve(lib, name)
        out.append(_host(fn(lead, x) if lead is not None else fn(x)))
    ours, theirs = out
    if name == "polygamma" and lead == 1:  # torch's trigamma at -1, -2, ... is 1/sin(pi x)^2
        keep = [i for i, v in enumerate(values) if not (-math.inf < v < 0 and v == int(v))]
        ours, theirs = ours[keep], theirs[keep]
    if name == "special.ndtr":  # torch's underflows to 0 before the float64 range ends
        ours, theirs = ours[:-2], theirs[:-2]
    rtol = 1e-8 if name == "polygamma" and lead == 1 else 1e-10  # torch's: 5e-10
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=0, err_msg=name)


def test_lgamma_keeps_its_digits_near_its_zeros(bk, real):
    values = [1 + 1e-10, 1 - 1e-9, 2 + 1e-12, 2 - 3e-8, 1.0, 2.0, 0.5, 2.49, 2.51]
    ours = _host(bk.lgamma(bk.tensor(values, dtype=bk.float64)))
    theirs = _host(real.lgamma(real.tensor(values, dtype=real.float64)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=0)
    assert ours[4] == ours[5] == 0.0


def test_integers_promote_to_the_default_float(bk, real):
    for name in ("lgamma", "digamma", "erfinv", "erfc", "i0", "special.ndtr", "special.i1"):
        ours = _resolve(bk, name)(bk.tensor([1, 2, 0]))
        theirs = _resolve(real, name)(real.tensor([1, 2, 0]))
        assert str(ours.dtype) == str(theirs.dtype) == "torch.float32", name
        np.testing.assert_allclose(_host(ours), _host(theirs), rtol=1e-6, err_msg=name)
    assert str(bk.mvlgamma(bk.tensor([1, 2]), 2).dtype) == "torch.float32"


def test_two_argument_functions_match_torch(bk, real):
    x = np.array([0.0, 0.0, 2.0, -1.5, 3.0])
    y = np.array([0.5, np.nan, -0.5, 2.0, 1e-10])
    for name in ("special.xlog1py", "special.xlogy"):
        got = []
        for lib in (bk, real):
            a, b = _leaf(lib, x, "float64"), _leaf(lib, np.abs(y) if "logy" in name else y,
                                                   "float64")
            out = _resolve(lib, name)(a, b)
            out.sum().backward() if not np.isnan(_host(out)).any() else None
            got.append(_host(out))
        np.testing.assert_allclose(got[0], got[1], rtol=1e-12, err_msg=name)
    assert _host(bk.special.xlog1py(0.0, bk.tensor([1.0]))).tolist() == [0.0]
    assert _host(bk.special.xlog1py(bk.tensor([2.0]), 1.0)) == pytest.approx(2 * math.log(2))


def test_reductions_of_torch_special_match_torch(bk, real):
    x = np.random.default_rng(3).normal(size=(3, 4))
    for name, args, kwargs in [("special.softmax", (1,), {}), ("special.log_softmax", (0,), {}),
                               ("special.logsumexp", (1,), {"keepdim": True}),
                               ("special.softmax", (1,), {"dtype": "float64"})]:
        outs = []
        for lib in (bk, real):
            kw = {k: getattr(lib, v) for k, v in kwargs.items() if k == "dtype"}
            kw.update({k: v for k, v in kwargs.items() if k != "dtype"})
            outs.append(_resolve(lib, name)(_leaf(lib, x, "float32", False), *args, **kw))
        assert str(outs[0].dtype) == str(outs[1].dtype), name
        np.testing.assert_allclose(_host(outs[0]), _host(outs[1]), rtol=1e-6, err_msg=name)
    r = bk.special.round(bk.tensor([1.25, 2.5, -0.5]), decimals=1)
    assert _host(r).tolist() == real.special.round(real.tensor([1.25, 2.5, -0.5]),
                                                   decimals=1).tolist()


def test_tensor_methods_and_in_place_forms(bk, real):
    values = [0.3, 2.5, 7.0]
    for lib in (bk, real):
        x = lib.tensor(values, dtype=lib.float64)
        got = [x.lgamma(), x.digamma(), x.polygamma(2), x.mvlgamma(2), x.erfc(), x.i0(),
               (x / 10).erfinv()]
        y = x.clone()
        y.lgamma_()
        z = x.clone()
        z.polygamma_(1)
        got += [y, z]
        if lib is bk:
            ours = got
    for o, t in zip(ours, got):  # (torch's trigamma is good to 5e-10)
        np.testing.assert_allclose(_host(o), _host(t), rtol=1e-8)
    assert {"lgamma", "digamma", "polygamma", "erfinv", "erfc", "mvlgamma", "i0"} <= \
        functions.METHODS


def test_bad_arguments_are_refused_as_torch(bk, real):
    x = bk.tensor([1.0])
    with pytest.raises(RuntimeError, match="does not support negative n"):
        bk.polygamma(-1, x)
    with pytest.raises(TypeError, match="'n'.*must be int"):
        bk.polygamma(1.5, x)
    with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
        bk.mvlgamma(x, 0)
    with pytest.raises(TypeError, match="must be Tensor"):
        bk.lgamma([1.0])
    with pytest.raises(RuntimeError, match="edge_order"):
        bk.gradient(bk.tensor([1.0, 2.0, 3.0]), edge_order=3)
    with pytest.raises(RuntimeError, match="at least edge_order\\+1"):
        bk.gradient(bk.tensor([1.0, 2.0]), edge_order=2)
    with pytest.raises(RuntimeError, match="same length"):
        bk.gradient(bk.ones(2, 3), spacing=[1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="non-negative"):
        bk.logspace(0, 1, -1)
    with pytest.raises(RuntimeError, match="p has to be greater"):
        real.mvlgamma(real.tensor([1.0]), 0)


def test_logspace_matches_torch(bk, real):
    for args, kwargs in [((0, 2, 5), {}), ((0, 2, 5), {"base": 2, "dtype": "float64"}),
                         ((0, 3, 4), {"dtype": "int64"}), ((1.5, -1, 1), {}),
                         ((-2, 2, 0), {}), ((0.0, 1.0, 7), {"base": math.e})]:
        outs = []
        for lib in (bk, real):
            kw = {k: getattr(lib, v) if k == "dtype" else v for k, v in kwargs.items()}
            outs.append(lib.logspace(*args, **kw))
        assert str(outs[0].dtype) == str(outs[1].dtype) and tuple(outs[0].shape) == tuple(
            outs[1].shape), (args, kwargs)
        np.testing.assert_allclose(_host(outs[0]), _host(outs[1]), rtol=1e-6)
    assert bk.logspace(0, 1, 3, requires_grad=True).requires_grad


@pytest.mark.parametrize("shape, kwargs", [
    ((5,), {}), ((4, 5), {}), ((4, 5), {"spacing": 2.0}), ((4, 5), {"dim": 1}),
    ((4, 5), {"dim": -2, "edge_order": 2}), ((3, 4, 5), {"spacing": [0.5, 2.0], "dim": [0, 2]}),
    ((4, 5), {"spacing": [np.array([0.0, 1.0, 3.0, 3.5]), np.array([0.0, 0.5, 2.0, 4.0, 7.0])]}),
    ((4, 5), {"spacing": [np.array([0.0, 1.0, 3.0, 3.5]), np.array([0.0, 0.5, 2.0, 4.0, 7.0])],
              "edge_order": 2}),
    ((6,), {"spacing": (np.array([0.0, 0.1, 0.5, 1.5, 1.6, 3.0]),), "edge_order": 2}),
])
def test_gradient_matches_torch(bk, real, shape, kwargs):
    values = np.random.default_rng(1).normal(size=shape)
    outs, grads = [], []
    for lib in (bk, real):
        x = _leaf(lib, values, "float64")
        kw = dict(kwargs)
        if "spacing" in kw and isinstance(kw["spacing"], (list, tuple)) and isinstance(
                kw["spacing"][0], np.ndarray):
            kw["spacing"] = [lib.tensor(s.tolist(), dtype=lib.float64) for s in kw["spacing"]]
        out = lib.gradient(x, **kw)
        assert isinstance(out, tuple)
        total = sum((o * lib.tensor(_weights(tuple(o.shape), i))).sum()
                    for i, o in enumerate(out))
        total.backward()
        outs.append(out)
        grads.append(_host(x.grad))
    assert len(outs[0]) == len(outs[1])
    for o, t in zip(*outs):
        np.testing.assert_allclose(_host(o), _host(t), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-12)


def test_gradient_of_integers_is_float(bk, real):
    ours = bk.gradient(bk.tensor([1, 4, 9, 16]))
    theirs = real.gradient(real.tensor([1, 4, 9, 16]))
    assert str(ours[0].dtype) == str(theirs[0].dtype)
    assert _host(ours[0]).tolist() == _host(theirs[0]).tolist()


@pytest.mark.parametrize("kind", ["plain", "dx", "x1d", "xfull", "dim0"])
def test_cumulative_trapezoid_matches_torch(bk, real, kind):
    y = np.random.default_rng(2).normal(size=(3, 5))
    x1 = np.array([0.0, 0.5, 1.5, 1.75, 3.0])
    results = []
    for lib in (bk, real):
        t = _leaf(lib, y, "float64")
        if kind == "plain":
            out = lib.cumulative_trapezoid(t)
        elif kind == "dx":
            out = lib.cumulative_trapezoid(t, dx=0.25)
        elif kind == "x1d":
            out = lib.cumulative_trapezoid(t, lib.tensor(x1.tolist(), dtype=lib.float64))
        elif kind == "xfull":
            out = lib.cumulative_trapezoid(t, _leaf(lib, np.tile(x1, (3, 1)), "float64", False))
        else:
            out = lib.cumulative_trapezoid(t, dim=0)
        (out * lib.tensor(_weights(tuple(out.shape), 0), dtype=lib.float64)).sum().backward()
        results.append((_host(out), _host(t.grad)))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    assert str(bk.cumulative_trapezoid(bk.tensor([1, 4, 9])).dtype) == str(
        real.cumulative_trapezoid(real.tensor([1, 4, 9])).dtype)
