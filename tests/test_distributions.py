"""gradspec.distributions against torch.distributions: log-probabilities, cdfs, entropies,
moments, KL divergences and all their gradients (float64, to rounding); draws of the right
shapes, dtypes and frequencies from the backend's seeded generator; the argument checks and
printed forms; on numpy, strict and the torch adapter."""

from __future__ import annotations

import numpy as np
import pytest
from support import load_or_skip

import gradspec

BACKENDS = ["numpy", "strict", "torch"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.distributions is the reference")


def host(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _both(bk, T, arrays, fn):
    """``fn(torch, *leaves)`` on both libraries (float64 leaves); each output is weighted by
    fixed numbers and backpropagated.  Compares the outputs and the leaves' gradients."""
    results = []
    for torch in (bk, T):
        leaves = [torch.tensor(a, requires_grad=True) for a in arrays]
        outs = fn(torch, *leaves)
        total = None
        for i, out in enumerate(outs):
            w = torch.tensor(np.random.default_rng(i).normal(size=tuple(out.shape)))
            term = (out * w).sum()
            total = term if total is None else total + term
        total.backward()
        results.append(list(outs) + [x.grad for x in leaves])
    for a, b in zip(*results):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(host(a), host(b), rtol=1e-12, atol=1e-14)


RNG = np.random.default_rng(0)
LOC, SCALE, VALUE = RNG.normal(size=(2, 3)), RNG.uniform(0.5, 2.0, size=(3,)), \
    RNG.normal(size=(4, 2, 3))


def test_normal_like_torch(bk, T):
    def fn(torch, loc, scale, value):
        d = torch.distributions.Normal(loc, scale)
        return [d.log_prob(value), d.cdf(value), d.entropy(), d.mean, d.stddev, d.variance]

    _both(bk, T, [LOC, SCALE, VALUE], fn)


def test_uniform_like_torch(bk, T):
    low, high = np.array([-1.0, 0.0, 2.0]), np.array([1.0, 0.5, 5.0])
    value = np.array([[0.0, 0.25, 3.0], [-1.0, 0.5, 4.0]])  # on each edge once

    def fn(torch, lo, hi, v):
        d = torch.distributions.Uniform(lo, hi)
        return [d.log_prob(v), d.cdf(v), d.entropy(), d.mean, d.stddev, d.variance]

    _both(bk, T, [low, high, value], fn)


@pytest.mark.parametrize("given", ["probs", "logits"])
def test_categorical_like_torch(bk, T, given):
    param = RNG.uniform(0.1, 1.0, size=(2, 4)) if given == "probs" else RNG.normal(size=(2, 4))
    classes = np.array([[0, 3], [2, 1], [3, 3]])

    def fn(torch, p):
        d = torch.distributions.Categorical(**{given: p})
        return [d.log_prob(torch.tensor(classes)), d.entropy(), d.probs, d.logits]

    _both(bk, T, [param], fn)


@pytest.mark.parametrize("given", ["probs", "logits"])
def test_bernoulli_like_torch(bk, T, given):
    param = RNG.uniform(0.05, 0.95, size=(3,)) if given == "probs" else RNG.normal(size=(3,))
    value = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])

    def fn(torch, p):
        d = torch.distributions.Bernoulli(**{given: p})
        return [d.log_prob(torch.tensor(value)), d.entropy(), d.mean, d.variance, d.logits]

    _both(bk, T, [param], fn)


def test_kl_divergences_like_torch(bk, T):
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))
    s1, s2 = RNG.uniform(0.5, 2, size=(2, 3)), RNG.uniform(0.5, 2, size=(2, 3))

    def fn(torch, a, b, s1, s2):
        D = torch.distributions
        kl = D.kl_divergence
        return [kl(D.Normal(a, s1), D.Normal(b, s2)),
                kl(D.Categorical(logits=a), D.Categorical(logits=b)),
                kl(D.Categorical(probs=s1), D.Categorical(probs=s2)),
                kl(D.Bernoulli(logits=a), D.Bernoulli(logits=b)),
                kl(D.Uniform(a - s1, a + s1), D.Uniform(a - 2 * s1, a + s2 + s1)),
                kl(D.Independent(D.Normal(a, s1), 1), D.Independent(D.Normal(b, s2), 1))]

    _both(bk, T, [a, b, s1, s2], fn)


def test_kl_is_infinite_outside_the_support(bk, T):
    D = bk.distributions
    kl = D.kl_divergence(D.Uniform(0.0, 2.0), D.Uniform(0.5, 3.0))
    assert host(kl).tolist() == float("inf")
    zero = D.kl_divergence(D.Categorical(probs=bk.tensor([0.5, 0.5, 0.0])),
                           D.Categorical(probs=bk.tensor([0.25, 0.25, 0.5])))
    ref = T.distributions.kl_divergence(
        T.distributions.Categorical(probs=T.tensor([0.5, 0.5, 0.0])),
        T.distributions.Categorical(probs=T.tensor([0.25, 0.25, 0.5])))
    assert host(zero) == pytest.approx(host(ref), rel=1e-6)
    with pytest.raises(NotImplementedError, match="No KL.*Normal.*Bernoulli"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Bernoulli(0.5))


def test_independent_sums_over_the_event(bk, T):
    def fn(torch, loc, scale, value):
        d = torch.distributions.Independent(torch.distributions.Normal(loc, scale), 1)
        assert tuple(d.batch_shape) == (2,) and tuple(d.event_shape) == (3,)
        return [d.log_prob(value), d.entropy()]

    _both(bk, T, [LOC, SCALE, VALUE], fn)


def test_draws_have_the_shapes_and_dtypes_of_torch(bk, T):
    for torch in (bk, T):
        D = torch.distributions
        cases = [(D.Normal(torch.zeros(2, 3), 1.0), (5,), (5, 2, 3), "float32"),
                 (D.Uniform(torch.zeros(3), 2.0), (), (3,), "float32"),
                 (D.Categorical(logits=torch.zeros(2, 4)), (6, 1), (6, 1, 2), "int64"),
                 (D.Bernoulli(torch.tensor([0.3, 0.6])), (4,), (4, 2), "float32"),
                 (D.Independent(D.Normal(torch.zeros(3), 1.0), 1), (2,), (2, 3), "float32")]
        for dist, sample_shape, shape, dtype in cases:
            x = dist.sample(sample_shape)
            assert tuple(x.shape) == shape, (torch, dist)
            assert str(x.dtype).endswith(dtype), (torch, dist)
            assert not x.requires_grad


def test_draws_follow_the_distribution_and_repeat_with_the_seed(bk):
    D = bk.distributions
    bk.manual_seed(3)
    probs = np.array([0.1, 0.0, 0.6, 0.3])
    classes = host(D.Categorical(probs=bk.tensor(probs)).sample((20000,)))
    freq = np.bincount(classes.astype(int), minlength=4) / 20000
    np.testing.assert_allclose(freq, probs, atol=0.015)
    assert freq[1] == 0  # a class of probability 0 is never drawn
    normal = host(D.Normal(2.0, 3.0).sample((20000,)))
    assert abs(normal.mean() - 2.0) < 0.1 and abs(normal.std() - 3.0) < 0.1
    uniform = host(D.Uniform(-1.0, 4.0).sample((5000,)))
    assert uniform.min() >= -1.0 and uniform.max() < 4.0 and abs(uniform.mean() - 1.5) < 0.1
    ones = host(D.Bernoulli(0.25).sample((20000,)))
    assert set(np.unique(ones)) <= {0.0, 1.0} and abs(ones.mean() - 0.25) < 0.015
    bk.manual_seed(11)
    first = host(D.Normal(0.0, 1.0).sample((4,)))
    bk.manual_seed(11)
    assert host(D.Normal(0.0, 1.0).sample((4,))).tolist() == first.tolist()


def test_rsample_carries_the_gradient_sample_does_not(bk):
    D = bk.distributions
    loc = bk.tensor([1.0, -2.0], requires_grad=True)
    scale = bk.tensor([0.5, 2.0], requires_grad=True)
    bk.manual_seed(0)
    x = D.Normal(loc, scale).rsample((3,))
    x.sum().backward()
    assert host(loc.grad).tolist() == [3.0, 3.0]
    eps = (host(x) - host(loc)) / host(scale)
    np.testing.assert_allclose(host(scale.grad), eps.sum(0), rtol=1e-5)
    assert not D.Normal(loc, scale).sample().requires_grad
    with pytest.raises(NotImplementedError, match="no reparameterized sampling"):
        D.Categorical(logits=bk.zeros(3)).rsample()


def test_arguments_are_checked_as_torch(bk):
    D = bk.distributions
    with pytest.raises(ValueError, match="scale .* GreaterThan\\(lower_bound=0.0\\)"):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError, match="Interval\\(lower_bound=0.0, upper_bound=1.0\\)"):
        D.Bernoulli(bk.tensor([0.5, 1.5]))
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        D.Categorical(probs=bk.ones(3), logits=bk.ones(3))
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        D.Bernoulli()
    with pytest.raises(ValueError, match="low >= high"):
        D.Uniform(1.0, 1.0)
    with pytest.raises(ValueError, match="within the support \\(Interval"):
        D.Uniform(0.0, 1.0).log_prob(bk.tensor(1.5))
    outside = D.Uniform(0.0, 1.0, validate_args=False).log_prob(bk.tensor(1.5))
    assert host(outside) == float("-inf")
    with pytest.raises(ValueError, match="upper_bound=2"):
        D.Categorical(bk.ones(3)).log_prob(bk.tensor(3))
    with pytest.raises(ValueError, match="Boolean"):
        D.Bernoulli(0.5).log_prob(bk.tensor(0.5))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        D.Categorical(logits=bk.tensor(1.0))
    assert host(D.Normal(0.0, -1.0, validate_args=False).scale) == -1.0


def test_printed_like_torch(bk, T):
    for make in (lambda t: t.distributions.Normal(0.0, 1.0),
                 lambda t: t.distributions.Normal(t.zeros(3), 1.0),
                 lambda t: t.distributions.Categorical(logits=t.zeros(2, 3)),
                 lambda t: t.distributions.Bernoulli(0.3),
                 lambda t: t.distributions.Uniform(0.0, 2.0),
                 lambda t: t.distributions.Independent(t.distributions.Normal(t.zeros(3), 1.0),
                                                       1)):
        assert repr(make(bk)) == repr(make(T))


def test_parameters_live_on_the_backend_reached_through(bk):
    d = bk.distributions.Normal(0.0, 1.0)
    assert type(d.loc) is type(bk.zeros(1)) and type(d.sample()) is type(bk.zeros(1))
    direct = gradspec.distributions.Normal(bk.zeros(2), 1.0)  # the tensors' backend
    assert type(direct.scale) is type(bk.zeros(1))
    assert host(direct.scale).tolist() == [1.0, 1.0]
