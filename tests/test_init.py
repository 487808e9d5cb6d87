"""gradspec.nn.init: torch's gains and fans; in-place fills under no_grad from the backend's
seeded generator (on torch: torch.nn.init's numbers, bit for bit); the distributions checked
against their theoretical bounds, means and variances."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from support import load_or_skip

from gradspec import nn
from gradspec.nn import init

BACKENDS = ["numpy", "strict", "torch"]
SHAPES = [(3, 5), (5, 3), (4, 3, 2), (6, 3, 5, 5), (2, 2, 2, 2, 2)]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.nn.init is the reference")


def _param(bk, shape, dtype=None):
    return bk.zeros(*shape, dtype=dtype or bk.float32, requires_grad=True)


# ------------------------------------------------------------------------------ gains and fans
@pytest.mark.parametrize("nonlinearity, param", [
    ("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
    ("conv_transpose1d", None), ("conv_transpose2d", None), ("conv_transpose3d", None),
    ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
    ("leaky_relu", 0.2), ("leaky_relu", 0), ("leaky_relu", math.sqrt(5)), ("selu", None),
])
def test_calculate_gain_is_torchs(T, nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == T.nn.init.calculate_gain(nonlinearity, param)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_fans_are_torchs(bk, T, shape):
    want = T.nn.init._calculate_fan_in_and_fan_out(T.zeros(*shape))
    assert init._calculate_fan_in_and_fan_out(bk.zeros(*shape)) == want
    assert init._calculate_correct_fan(bk.zeros(*shape), "FAN_OUT") == want[1]


def test_fan_errors(bk):
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.kaiming_uniform_(bk.zeros(4))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(bk.zeros(2, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_normal_(bk.zeros(4))


# ------------------------------------------------------------------------------ exact values
RANDOM = [
    ("uniform_", dict(a=-2.0, b=3.0)),
    ("normal_", dict(mean=1.0, std=3.0)),
    ("kaiming_uniform_", dict(a=math.sqrt(5))),
    ("kaiming_uniform_", dict(mode="fan_out", nonlinearity="relu")),
    ("kaiming_normal_", dict()),
    ("kaiming_normal_", dict(a=0.1, mode="fan_out")),
    ("xavier_uniform_", dict(gain=2.0)),
    ("xavier_normal_", dict(gain=init.calculate_gain("tanh"))),
]
RANDOM_IDS = [f"{n}-{i}" for i, (n, _) in enumerate(RANDOM)]


def _expected_bounds(name, kw, shape):
    """(kind, low/mean, high/std) of the distribution, from torch's documented formulas."""
    fan_in, fan_out = (shape[1] * math.prod(shape[2:]), shape[0] * math.prod(shape[2:]))
    if name == "uniform_":
        return "uniform", kw["a"], kw["b"]
    if name == "normal_":
        return "normal", kw["mean"], kw["std"]
    if name.startswith("kaiming"):
        fan = fan_out if kw.get("mode") == "fan_out" else fan_in
        gain = init.calculate_gain(kw.get("nonlinearity", "leaky_relu"), kw.get("a", 0))
        std = gain / math.sqrt(fan)
    else:
        std = kw.get("gain", 1.0) * math.sqrt(2.0 / (fan_in + fan_out))
    if name.endswith("uniform_"):
        return "uniform", -math.sqrt(3.0) * std, math.sqrt(3.0) * std
    return "normal", 0.0, std


@pytest.mark.parametrize("name, kw", RANDOM, ids=RANDOM_IDS)
@pytest.mark.parametrize("shape", SHAPES[:4], ids=str)
def test_torch_backend_gives_torch_nn_inits_numbers(T, name, kw, shape):
    bk = load_or_skip("torch")
    w = _param(bk, shape)
    bk.manual_seed(11)
    assert getattr(init, name)(w, **kw) is w
    ref = T.zeros(*shape, requires_grad=True)
    T.manual_seed(11)
    getattr(T.nn.init, name)(ref, **kw)
    assert T.equal(w, ref)


@pytest.mark.parametrize("name, kw", RANDOM, ids=RANDOM_IDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_draws_come_from_the_backends_seeded_generator(bk, name, kw, dtype):
    shape = (6, 3, 5, 5)
    dt = getattr(bk, dtype)
    kind, lo, hi = _expected_bounds(name, kw, shape)
    bk.manual_seed(5)
    w = getattr(init, name)(_param(bk, shape, dt), **kw)
    bk.manual_seed(5)
    if bk.name == "torch":  # torch's in-place samplers: the same stream, rounded once
        raw = bk.zeros(*shape, dtype=dt)
        raw = raw.uniform_(lo, hi) if kind == "uniform" else raw.normal_(lo, hi)
    else:
        raw = (bk.rand(*shape, dtype=dt) * (hi - lo) + lo if kind == "uniform"
               else bk.randn(*shape, dtype=dt) * hi + lo)
    tol = 2 * np.finfo(dtype).eps
    np.testing.assert_allclose(bk.to_numpy(w), bk.to_numpy(raw), rtol=tol, atol=tol)
    assert w.dtype == dt
    bk.manual_seed(5)
    again = getattr(init, name)(_param(bk, shape, dt), **kw)
    assert bk.to_numpy(again).tolist() == bk.to_numpy(w).tolist()  # repeatable, exactly
    bk.manual_seed(6)
    other = getattr(init, name)(_param(bk, shape, dt), **kw)
    assert bk.to_numpy(other).tolist() != bk.to_numpy(w).tolist()


def test_fills_in_place_without_recording(bk):
    w = _param(bk, (4, 3))
    version = w._version
    for fill in (lambda t: init.kaiming_uniform_(t), lambda t: init.normal_(t),
                 lambda t: init.constant_(t, 2.5), init.zeros_, init.ones_,
                 lambda t: init.trunc_normal_(t), lambda t: init.orthogonal_(t)):
        assert fill(w) is w
        assert w.is_leaf and w.requires_grad and w.grad_fn is None
    assert w._version > version  # an in-place write, as torch counts it
    assert bk.to_numpy(init.constant_(w, 2.5)).tolist() == [[2.5] * 3] * 4
    assert bk.to_numpy(init.zeros_(w)).tolist() == [[0.0] * 3] * 4
    assert bk.to_numpy(init.ones_(w)).tolist() == [[1.0] * 3] * 4
    (w * 2).sum().backward()  # still an ordinary parameter
    assert bk.to_numpy(w.grad).tolist() == [[2.0] * 3] * 4


def test_zero_element_tensors_warn_and_stay(bk):
    w = bk.zeros(0, 3)
    with pytest.warns(UserWarning, match="zero-element"):
        assert init.kaiming_uniform_(w) is w
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_normal_(w)
    assert tuple(init.orthogonal_(bk.zeros(0, 3)).shape) == (0, 3)


def test_generator_argument(bk, T):
    """Tensors that fill themselves (torch's, and the engine's since it has uniform_/normal_)
    draw from the backend's own Generator; anything else is refused with the reason."""
    w = _param(bk, (3, 4))
    init.uniform_(w, generator=bk.Generator().manual_seed(3))
    same = bk.zeros(3, 4).uniform_(generator=bk.Generator().manual_seed(3))
    assert w.tolist() == same.tolist()
    init.normal_(w, 1.0, 2.0, generator=bk.Generator().manual_seed(4))
    assert w.tolist() == bk.zeros(3, 4).normal_(1.0, 2.0, generator=bk.Generator().manual_seed(
        4)).tolist()
    with pytest.raises(TypeError, match="Generator"):
        init.uniform_(w, generator=object())


def test_generator_argument_without_self_filling_tensors():
    class Plain:  # a backend tensor type without uniform_/normal_ (the protocol's minimum)
        shape = (2,)

    with pytest.raises(ValueError, match="manual_seed"):
        init._check_generator(Plain(), object())


# ------------------------------------------------------------------------------ statistics
@pytest.mark.parametrize("name, kw", RANDOM, ids=RANDOM_IDS)
def test_distributions_have_torchs_bounds_and_variances(bk, name, kw):
    shape = (400, 100, 3)  # 120,000 draws: the standard error of a variance is ~0.4%
    kind, lo, hi = _expected_bounds(name, kw, shape)
    bk.manual_seed(0)
    x = bk.to_numpy(getattr(init, name)(_param(bk, shape, bk.float64), **kw)).ravel()
    if kind == "uniform":
        assert lo <= x.min() < lo + 0.001 * (hi - lo) and hi - 0.001 * (hi - lo) < x.max() <= hi
        mean, var = (lo + hi) / 2, (hi - lo) ** 2 / 12
    else:
        mean, var = lo, hi ** 2
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / x.size)
    assert x.var() == pytest.approx(var, rel=0.02)


def _truncated_moments(mean, std, a, b):
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: (1 + math.erf(z / math.sqrt(2))) / 2  # noqa: E731
    z = cdf(beta) - cdf(alpha)
    m = mean + std * (pdf(alpha) - pdf(beta)) / z
    v = std ** 2 * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z
                    - ((pdf(alpha) - pdf(beta)) / z) ** 2)
    return m, v


@pytest.mark.parametrize("mean, std, a, b", [
    (0.0, 1.0, -2.0, 2.0),    # most of the mass inside: normal proposals
    (0.5, 0.02, 0.45, 0.6),   # torch's ViT-style use
    (0.0, 1.0, 2.0, 3.0),     # a tail: uniform proposals
    (1.0, 2.0, -1.0, -0.5),
], ids=["standard", "narrow", "tail", "left-tail"])
def test_trunc_normal_is_the_truncated_distribution(bk, mean, std, a, b):
    bk.manual_seed(0)
    x = bk.to_numpy(init.trunc_normal_(_param(bk, (300, 400), bk.float64), mean, std, a, b))
    x = x.ravel()
    m, v = _truncated_moments(mean, std, a, b)
    assert a <= x.min() and x.max() <= b
    assert abs(x.mean() - m) < 5 * math.sqrt(v / x.size)
    assert x.var() == pytest.approx(v, rel=0.02)


def test_trunc_normal_warns_and_refuses_like_torch(bk):
    with pytest.warns(UserWarning, match="more than 2 std"):
        init.trunc_normal_(bk.zeros(10), mean=5.0, std=1.0, a=-1.0, b=1.0)
    with pytest.raises(ValueError, match="a < b"):
        init.trunc_normal_(bk.zeros(10), a=1.0, b=1.0)


# ------------------------------------------------------------------------------ orthogonal
@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 5), (8, 2, 3, 3)], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_orthogonal_is_qr_of_the_normal_draws(bk, shape, dtype):
    dt = getattr(bk, dtype)
    bk.manual_seed(2)
    w = init.orthogonal_(_param(bk, shape, dt), gain=1.5)
    rows, cols = shape[0], math.prod(shape[1:])
    bk.manual_seed(2)
    if bk.name == "torch":
        draws = bk.to_numpy(bk.zeros(rows, cols, dtype=dt).normal_(0, 1))
    else:
        draws = bk.to_numpy(bk.randn(rows, cols, dtype=dt))
    a = draws.astype(np.float64)
    q, r = np.linalg.qr(a.T if rows < cols else a)
    q = q * np.sign(np.diag(r))
    q = q.T if rows < cols else q
    got = bk.to_numpy(w).reshape(rows, cols)
    tol = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(got, 1.5 * q, atol=tol)
    gram = got @ got.T if rows <= cols else got.T @ got
    np.testing.assert_allclose(gram, 2.25 * np.eye(min(rows, cols)), atol=10 * tol)


def test_orthogonal_on_torch_is_torchs(T):
    bk = load_or_skip("torch")
    for shape in ((7, 3), (3, 7), (4, 2, 3)):
        w = _param(bk, shape)
        bk.manual_seed(9)
        init.orthogonal_(w, gain=2.0)
        ref = T.zeros(*shape)
        T.manual_seed(9)
        T.nn.init.orthogonal_(ref, gain=2.0)
        np.testing.assert_allclose(w.detach().numpy(), ref.numpy(), atol=2e-6)


def test_orthogonal_needs_two_dims(bk):
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(bk.zeros(5))


# ------------------------------------------------------------------------------ Linear
def test_linear_initialises_as_torch(bk, T):
    bk.manual_seed(4)
    layer = nn.Linear(30, 7, backend=bk)
    bound = 1 / math.sqrt(30)
    weight, bias = bk.to_numpy(layer.weight), bk.to_numpy(layer.bias)
    assert np.abs(weight).max() <= bound and np.abs(bias).max() <= bound
    assert np.abs(weight).max() > 0.9 * bound
    if bk.name == "torch":  # the same numbers as torch.nn.Linear from the same seed
        T.manual_seed(4)
        ref = T.nn.Linear(30, 7)
        assert T.equal(layer.weight, ref.weight) and T.equal(layer.bias, ref.bias)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bk.manual_seed(4)
        again = nn.Linear(30, 7, backend=bk)
    assert bk.to_numpy(again.weight).tolist() == weight.tolist()
