"""The rest of gradspec.distributions against torch.distributions: Exponential, Laplace, Gamma,
Chi2, Beta, Dirichlet, StudentT, LogNormal, Poisson, Binomial, OneHotCategorical,
MultivariateNormal, MixtureSameFamily, TransformedDistribution and its transforms, Normal.icdf,
the constraints, the KL pairs torch registers; values and gradients (float64, to rounding),
the implicit reparameterization gradients of the gamma family's rsample (torch's, draw for
draw), draws' shapes and frequencies, argument checks and printed forms; on numpy, strict and
the torch adapter."""

from __future__ import annotations

import math

import numpy as np
import pytest
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.distributions is the reference")


def host(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _both(bk, T, arrays, fn, rtol=1e-10, atol=1e-12, grad_rtol=1e-8):
    """``fn(torch, *leaves)`` on both libraries (float64 leaves); each output is weighted by
    fixed numbers and backpropagated.  Compares the outputs and the leaves' gradients (to
    ``grad_rtol``: torch's trigamma, in the gradients of digamma, is good to 5e-10)."""
    results = []
    for torch in (bk, T):
        leaves = [torch.tensor(np.asarray(a).tolist(), dtype=torch.float64, requires_grad=True)
                  for a in arrays]
        outs = fn(torch, *leaves)
        total = None
        for i, out in enumerate(outs):
            w = torch.tensor(np.random.default_rng(i).normal(size=tuple(out.shape)).tolist(),
                             dtype=torch.float64)
            term = (out * w).sum()
            total = term if total is None else total + term
        grads = torch.autograd.grad(total, leaves, allow_unused=True)
        results.append(list(outs) + [g if g is not None else torch.zeros_like(x)
                                     for g, x in zip(grads, leaves)])
    n_out = len(results[0]) - len(arrays)
    for k, (a, b) in enumerate(zip(*results)):
        assert tuple(a.shape) == tuple(b.shape), k
        np.testing.assert_allclose(host(a), host(b), rtol=rtol if k < n_out else grad_rtol,
                                   atol=atol, err_msg=str(k))


RNG = np.random.default_rng(0)
POS = RNG.uniform(0.5, 3.0, size=(2, 3))
POS2 = RNG.uniform(0.5, 3.0, size=(2, 3))
REAL = RNG.normal(size=(2, 3))
X = RNG.uniform(0.1, 4.0, size=(4, 2, 3))
U = RNG.uniform(0.02, 0.98, size=(4, 2, 3))


def test_exponential_laplace_and_normal_icdf_like_torch(bk, T):
    def fn(torch, rate, loc, scale, x, u):
        D = torch.distributions
        e, lp, n = D.Exponential(rate), D.Laplace(loc, scale), D.Normal(loc, scale)
        return [e.log_prob(x), e.cdf(x), e.icdf(u), e.entropy(), e.mean, e.variance, e.stddev,
                lp.log_prob(x - 2), lp.cdf(x - 2), lp.icdf(u), lp.entropy(), lp.variance,
                lp.stddev, n.icdf(u)]

    _both(bk, T, [POS, REAL, POS2, X, U], fn)


def test_gamma_chi2_and_student_t_like_torch(bk, T):
    def fn(torch, c, r, df, loc, x):
        D = torch.distributions
        g, chi, st = D.Gamma(c, r), D.Chi2(df), D.StudentT(df + 2, loc, r)
        return [g.log_prob(x), g.entropy(), g.mean, g.variance, g.mode, chi.log_prob(x),
                chi.entropy(), chi.mean, st.log_prob(x - 2), st.entropy(), st.mean,
                st.variance]

    _both(bk, T, [POS, POS2, POS + 0.3, REAL, X], fn)


def test_beta_and_dirichlet_like_torch(bk, T):
    def fn(torch, a, b, u):
        D = torch.distributions
        beta = D.Beta(a, b)
        conc = torch.stack([a[0], b[0], a[1]], -1)  # (3, 3): a batch of three Dirichlets
        d = D.Dirichlet(conc)
        simplex = torch.softmax(torch.stack([u[0, 0], u[1, 1], u[2, 0]], -1), -1)
        return [beta.log_prob(u), beta.entropy(), beta.mean, beta.variance, beta.mode,
                d.log_prob(simplex), d.entropy(), d.mean, d.variance, d.mode]

    _both(bk, T, [POS + 0.6, POS2 + 0.6, U], fn)


def test_dirichlet_mode_with_small_concentrations_is_one_hot(bk, T):
    ours = bk.distributions.Dirichlet(bk.tensor([[0.5, 0.2, 0.9], [2.0, 3.0, 1.5]])).mode
    theirs = T.distributions.Dirichlet(T.tensor([[0.5, 0.2, 0.9], [2.0, 3.0, 1.5]])).mode
    np.testing.assert_allclose(host(ours), host(theirs), rtol=1e-6)


def test_lognormal_and_transformed_distributions_like_torch(bk, T):
    def fn(torch, loc, scale, x, u):
        D = torch.distributions
        ln = D.LogNormal(loc, scale)
        base = D.Normal(loc, scale)
        affine = D.TransformedDistribution(base, [D.ExpTransform(),
                                                  D.AffineTransform(1.0, scale[0])])
        squash = D.TransformedDistribution(base, [D.AffineTransform(loc, 2.0),
                                                  D.SigmoidTransform()])
        tanh = D.TransformedDistribution(base, D.TanhTransform())
        flipped = D.TransformedDistribution(base, D.AffineTransform(0.5, -2.0))
        return [ln.log_prob(x), ln.entropy(), ln.mean, ln.variance, ln.mode, ln.cdf(x),
                ln.icdf(u), affine.log_prob(x + 1.5), affine.cdf(x + 1.5), affine.icdf(u),
                squash.log_prob(u), tanh.log_prob(2 * u - 1), flipped.cdf(x), flipped.icdf(u)]

    _both(bk, T, [REAL, POS, X, U], fn)


def test_transformed_distribution_expands_its_base(bk, T):
    for torch in (bk, T):
        D = torch.distributions
        d = D.TransformedDistribution(D.Normal(0.0, 1.0), D.AffineTransform(
            torch.zeros(2, 3), torch.ones(3)))
        assert tuple(d.batch_shape) == (2, 3) and tuple(d.event_shape) == ()
        assert tuple(d.sample((5,)).shape) == (5, 2, 3)
        ev = D.TransformedDistribution(D.Normal(torch.zeros(4), 1.0),
                                       D.AffineTransform(0.0, 2.0, event_dim=1))
        assert tuple(ev.batch_shape) == () and tuple(ev.event_shape) == (4,)
        assert tuple(ev.log_prob(torch.zeros(3, 4)).shape) == (3,)
        assert not d.sample().requires_grad and d.has_rsample


def test_poisson_binomial_and_one_hot_like_torch(bk, T):
    counts = np.array([[0.0, 1.0, 3.0], [2.0, 5.0, 4.0]])

    def fn(torch, rate, p, logits):
        D = torch.distributions
        k = torch.tensor(counts.tolist(), dtype=torch.float64)
        po = D.Poisson(rate)
        bi = D.Binomial(torch.tensor([[5.0], [6.0]], dtype=torch.float64), probs=p / 4)
        bl = D.Binomial(6, logits=logits)
        oh = D.OneHotCategorical(logits=logits)
        ohp = D.OneHotCategorical(probs=p)
        onehot = torch.eye(3, dtype=torch.float64)[torch.tensor([2, 0])]
        return [po.log_prob(k), po.mean, po.variance, po.mode, bi.log_prob(k), bi.mean,
                bi.variance, bi.mode, bi.logits, bl.log_prob(k), bl.probs, bl.entropy(),
                oh.log_prob(onehot), oh.entropy(), oh.mean, oh.variance, oh.mode,
                ohp.log_prob(onehot), ohp.entropy()]

    _both(bk, T, [POS, POS2 / 3, REAL], fn)


def test_enumerate_support_like_torch(bk, T):
    for expand in (True, False):
        got = []
        for torch in (bk, T):
            D = torch.distributions
            got.append([D.Binomial(3, probs=torch.tensor([0.2, 0.7])).enumerate_support(expand),
                        D.OneHotCategorical(torch.ones(2, 3)).enumerate_support(expand)])
        for a, b in zip(*got):
            assert tuple(a.shape) == tuple(b.shape)
            np.testing.assert_array_equal(host(a), host(b))


def _spd(n, batch=(), seed=0):
    a = np.random.default_rng(seed).normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


@pytest.mark.parametrize("given", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_multivariate_normal_like_torch(bk, T, given):
    cov = _spd(3, (2,))
    matrix = {"covariance_matrix": cov, "precision_matrix": np.linalg.inv(cov),
              "scale_tril": np.linalg.cholesky(cov)}[given]
    loc = RNG.normal(size=(3,))
    value = RNG.normal(size=(4, 2, 3))

    def fn(torch, m, mu, v):
        if given != "scale_tril":
            m = (m + m.mT) / 2  # the gradient stays symmetric, as torch's own check wants
        else:
            m = m.tril()
        d = torch.distributions.MultivariateNormal(mu, **{given: m})
        assert tuple(d.batch_shape) == (2,) and tuple(d.event_shape) == (3,)
        return [d.log_prob(v), d.entropy(), d.mean, d.variance, d.covariance_matrix,
                d.precision_matrix, d.scale_tril]

    _both(bk, T, [matrix, loc, value], fn, rtol=1e-9, atol=1e-11)


def test_mixture_same_family_like_torch(bk, T):
    def fn(torch, logits, loc, scale, x):
        D = torch.distributions
        mix = D.MixtureSameFamily(D.Categorical(logits=logits), D.Normal(loc, scale))
        mvn = D.MixtureSameFamily(D.Categorical(logits=logits[:, 0]),
                                  D.Independent(D.Normal(loc, scale), 1))
        assert tuple(mix.batch_shape) == (2,) and tuple(mvn.event_shape) == (3,)
        return [mix.log_prob(x[:, :, 0]), mix.mean, mix.variance, mix.cdf(x[:, :, 1]),
                mvn.log_prob(x[:, 0, :]), mvn.mean, mvn.variance]

    _both(bk, T, [REAL, REAL * 2, POS, X - 2], fn)


def test_kl_pairs_like_torch(bk, T):
    cov1, cov2 = _spd(3, seed=1), _spd(3, seed=2)

    def fn(torch, a, b, c, d, m1, m2):
        D = torch.distributions
        kl = D.kl_divergence
        u = D.Uniform(a * 0.1 + 0.2, a * 0.1 + 0.6)
        out = [kl(D.Exponential(a), D.Exponential(b)), kl(D.Gamma(a, b), D.Gamma(c, d)),
               kl(D.Beta(a, b), D.Beta(c, d)), kl(D.Laplace(c, a), D.Laplace(d, b)),
               kl(D.Poisson(a), D.Poisson(b)),
               kl(D.Dirichlet(a), D.Dirichlet(b)),
               kl(D.Binomial(7, probs=a / 4), D.Binomial(7, logits=c)),
               kl(D.OneHotCategorical(logits=c), D.OneHotCategorical(probs=b)),
               kl(D.LogNormal(c, a), D.LogNormal(d, b)),
               kl(D.Chi2(a), D.Chi2(b)),
               kl(D.Exponential(a), D.Gamma(c, d)), kl(D.Exponential(a), D.Normal(c, d)),
               kl(D.Gamma(a, b), D.Exponential(c)), kl(D.Gamma(a, b), D.Normal(c, d)),
               kl(D.Beta(a, b), D.Exponential(c)), kl(D.Beta(a, b), D.Gamma(c, d)),
               kl(D.Beta(a, b), D.Normal(c, d)), kl(D.Beta(a, b), D.Uniform(c * 0 - 0.5, d + 1)),
               kl(D.Laplace(c, a), D.Normal(d, b)), kl(D.Normal(c, a), D.Laplace(d, b)),
               kl(u, D.Beta(a, b)), kl(u, D.Exponential(b)), kl(u, D.Gamma(a, b)),
               kl(u, D.Normal(c, d)), kl(D.Bernoulli(a / 4), D.Poisson(b)),
               kl(D.MultivariateNormal(c, (m1 + m1.mT) / 2),
                  D.MultivariateNormal(d, scale_tril=m2.tril())),
               kl(D.Independent(D.Gamma(a, b), 1), D.Independent(D.Gamma(c, d), 1))]
        return out

    _both(bk, T, [POS, POS2, POS2 + 0.2, POS + 0.1, cov1, np.linalg.cholesky(cov2)], fn)


def test_infinite_kl_pairs_like_torch(bk, T):
    for torch in (bk, T):
        D = torch.distributions
        kl = D.kl_divergence
        one = torch.ones(2)
        for p, q in [(D.Normal(one, one), D.Exponential(one)), (D.Normal(one, one), D.Gamma(one, one)),
                     (D.Exponential(one), D.Uniform(one * 0, one)),
                     (D.Gamma(one, one), D.Beta(one, one)),
                     (D.Laplace(one, one), D.Uniform(one * 0, one)),
                     (D.Poisson(one), D.Binomial(3, probs=one / 2)),
                     (D.Uniform(-one, one), D.Exponential(one)),
                     (D.Beta(one, one), D.Uniform(one * 0.5, one * 2))]:
            assert host(kl(p, q)).tolist() == [math.inf, math.inf], (torch, p, q)
    with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
        bk.distributions.kl_divergence(bk.distributions.Binomial(2, probs=bk.tensor(0.5)),
                                       bk.distributions.Binomial(3, probs=bk.tensor(0.5)))
    with pytest.raises(NotImplementedError, match="No KL"):
        bk.distributions.kl_divergence(bk.distributions.Poisson(1.0),
                                       bk.distributions.Normal(0.0, 1.0))


def test_gamma_rsample_carries_torchs_implicit_gradient(bk, T):
    D = bk.distributions
    alpha = np.array([0.3, 1.0, 2.5, 9.0, 40.0, 0.7])
    rate = np.array([1.0, 2.0, 0.5, 1.5, 1.0, 3.0])
    bk.manual_seed(0)
    c = bk.tensor(alpha.tolist(), dtype=bk.float64, requires_grad=True)
    r = bk.tensor(rate.tolist(), dtype=bk.float64, requires_grad=True)
    x = D.Gamma(c, r).rsample((50,))
    assert tuple(x.shape) == (50, 6) and x.requires_grad
    w = np.random.default_rng(1).normal(size=(50, 6))
    (x * bk.tensor(w.tolist(), dtype=bk.float64)).sum().backward()
    xs = host(x)
    standard = T.tensor(xs * rate)
    expected = (T._standard_gamma_grad(T.tensor(alpha).expand(50, 6), standard).numpy()
                / rate * w).sum(0)
    np.testing.assert_allclose(host(c.grad), expected, rtol=1e-9)
    np.testing.assert_allclose(host(r.grad), (-xs / rate * w).sum(0), rtol=1e-9)


def test_dirichlet_and_beta_rsample_carry_torchs_implicit_gradient(bk, T):
    D = bk.distributions
    conc = np.array([[0.4, 2.0, 7.5], [12.0, 9.0, 1.1]])
    bk.manual_seed(2)
    c = bk.tensor(conc.tolist(), dtype=bk.float64, requires_grad=True)
    x = D.Dirichlet(c).rsample((20,))
    assert tuple(x.shape) == (20, 2, 3)
    np.testing.assert_allclose(host(x).sum(-1), 1.0, rtol=1e-12)
    g = np.random.default_rng(3).normal(size=(20, 2, 3))
    (x * bk.tensor(g.tolist(), dtype=bk.float64)).sum().backward()
    xs = host(x)
    alpha = np.broadcast_to(conc, xs.shape)
    total = np.broadcast_to(conc.sum(-1, keepdims=True), xs.shape)
    d = T._dirichlet_grad(T.tensor(xs), T.tensor(alpha.copy()), T.tensor(total.copy())).numpy()
    expected = (d * (g - (xs * g).sum(-1, keepdims=True))).sum(0)
    np.testing.assert_allclose(host(c.grad), expected, rtol=1e-9, atol=1e-12)
    a = bk.tensor([2.0, 0.5], dtype=bk.float64, requires_grad=True)
    b = bk.tensor([3.0, 4.0], dtype=bk.float64, requires_grad=True)
    y = D.Beta(a, b).rsample((30,))
    y.sum().backward()
    ys = host(y)
    pair = np.stack([ys, 1 - ys], -1)
    ab = np.broadcast_to(np.array([[2.0, 3.0], [0.5, 4.0]]), pair.shape)
    tot = np.broadcast_to(ab.sum(-1, keepdims=True), pair.shape)
    d = T._dirichlet_grad(T.tensor(pair), T.tensor(ab.copy()), T.tensor(tot.copy())).numpy()
    grad_out = np.zeros_like(pair)
    grad_out[..., 0] = 1.0
    full = d * (grad_out - (pair * grad_out).sum(-1, keepdims=True))
    np.testing.assert_allclose(host(a.grad), full[..., 0].sum(0), rtol=1e-9)
    np.testing.assert_allclose(host(b.grad), full[..., 1].sum(0), rtol=1e-9)


def test_pathwise_rsample_gradients(bk):
    D = bk.distributions
    bk.manual_seed(4)
    rate = bk.tensor([0.5, 2.0], dtype=bk.float64, requires_grad=True)
    x = D.Exponential(rate).rsample((3,))
    x.sum().backward()
    np.testing.assert_allclose(host(rate.grad), (-host(x) / host(rate)).sum(0), rtol=1e-12)
    loc = bk.tensor([0.0, 1.0], dtype=bk.float64, requires_grad=True)
    scale = bk.tensor([1.0, 2.0], dtype=bk.float64, requires_grad=True)
    y = D.LogNormal(loc, scale).rsample((5,))
    y.sum().backward()
    np.testing.assert_allclose(host(loc.grad), host(y).sum(0), rtol=1e-12)
    assert (host(y) > 0).all()
    L = bk.tensor(np.linalg.cholesky(_spd(2)).tolist(), dtype=bk.float64, requires_grad=True)
    z = D.MultivariateNormal(bk.zeros(2, dtype=bk.float64), scale_tril=L).rsample((4,))
    z.sum().backward()
    assert L.grad is not None and tuple(z.shape) == (4, 2)
    df = bk.tensor([3.0, 8.0], dtype=bk.float64, requires_grad=True)
    t = D.StudentT(df).rsample((6,))
    t.sum().backward()
    assert df.grad is not None and np.isfinite(host(df.grad)).all()
    for dist in (D.Poisson(1.0), D.Binomial(3, probs=bk.tensor(0.5)),
                 D.OneHotCategorical(bk.ones(3))):
        assert not dist.has_rsample
        with pytest.raises(NotImplementedError, match="no reparameterized sampling"):
            dist.rsample()


def test_draws_have_the_shapes_and_dtypes_of_torch(bk, T):
    for torch in (bk, T):
        D = torch.distributions
        cases = [(D.Exponential(torch.ones(2)), (5,), (5, 2), "float32"),
                 (D.Laplace(0.0, 1.0), (3, 2), (3, 2), "float32"),
                 (D.Gamma(torch.ones(3), 1.0), (4,), (4, 3), "float32"),
                 (D.Beta(2.0, 3.0), (7,), (7,), "float32"),
                 (D.Dirichlet(torch.ones(2, 4)), (3,), (3, 2, 4), "float32"),
                 (D.StudentT(torch.ones(2) * 3), (), (2,), "float32"),
                 (D.Chi2(torch.ones(2)), (2,), (2, 2), "float32"),
                 (D.LogNormal(torch.zeros(3), 1.0), (2,), (2, 3), "float32"),
                 (D.Poisson(torch.ones(3) * 4), (2,), (2, 3), "float32"),
                 (D.Binomial(10, probs=torch.ones(2) * 0.5), (3,), (3, 2), "float32"),
                 (D.OneHotCategorical(torch.ones(2, 3)), (4,), (4, 2, 3), "float32"),
                 (D.MultivariateNormal(torch.zeros(2, 3), torch.eye(3)), (5,), (5, 2, 3),
                  "float32"),
                 (D.MixtureSameFamily(D.Categorical(torch.ones(2, 3)),
                                      D.Normal(torch.zeros(2, 3), 1.0)), (4,), (4, 2),
                  "float32"),
                 (D.MixtureSameFamily(D.Categorical(torch.ones(3)),
                                      D.MultivariateNormal(torch.zeros(3, 2), torch.eye(2))),
                  (5,), (5, 2), "float32")]
        for dist, sample_shape, shape, dtype in cases:
            x = dist.sample(sample_shape)
            assert tuple(x.shape) == shape, (torch, dist)
            assert str(x.dtype).endswith(dtype), (torch, dist)
            assert not x.requires_grad


@pytest.mark.parametrize("name, make, mean, var", [
    ("gamma small", lambda D: D.Gamma(0.4, 2.0), 0.2, 0.1),
    ("gamma", lambda D: D.Gamma(5.0, 0.5), 10.0, 20.0),
    ("beta", lambda D: D.Beta(2.0, 5.0), 2 / 7, 10 / (49 * 8)),
    ("exponential", lambda D: D.Exponential(2.0), 0.5, 0.25),
    ("laplace", lambda D: D.Laplace(1.0, 2.0), 1.0, 8.0),
    ("lognormal", lambda D: D.LogNormal(0.0, 0.5), math.exp(0.125),
     (math.exp(0.25) - 1) * math.exp(0.25)),
    ("student", lambda D: D.StudentT(6.0, 1.0, 2.0), 1.0, 4 * 6 / 4),
    ("poisson small", lambda D: D.Poisson(3.5), 3.5, 3.5),
    ("poisson large", lambda D: D.Poisson(80.0), 80.0, 80.0),
    ("binomial small", lambda D: D.Binomial(12, probs=0.2), 2.4, 1.92),
    ("binomial large", lambda D: D.Binomial(200, probs=0.7), 140.0, 42.0),
])
def test_draws_follow_the_distribution(bk, name, make, mean, var):
    bk.manual_seed(5)
    draws = host(make(bk.distributions).sample((40000,)))
    assert abs(draws.mean() - mean) < 4 * math.sqrt(var / 40000) + 1e-9, name
    assert abs(draws.var() / var - 1) < 0.08, name
    if "poisson" in name or "binomial" in name:
        assert (draws == np.round(draws)).all() and draws.min() >= 0


def test_multivariate_draws_follow_the_distribution(bk):
    D = bk.distributions
    bk.manual_seed(6)
    cov = np.array([[2.0, 0.6], [0.6, 1.0]])
    x = host(D.MultivariateNormal(bk.tensor([1.0, -1.0]), bk.tensor(cov.tolist()))
             .sample((40000,)))
    np.testing.assert_allclose(x.mean(0), [1.0, -1.0], atol=0.04)
    np.testing.assert_allclose(np.cov(x.T), cov, atol=0.06)
    d = host(D.Dirichlet(bk.tensor([1.0, 2.0, 5.0])).sample((20000,)))
    np.testing.assert_allclose(d.mean(0), [1 / 8, 2 / 8, 5 / 8], atol=0.01)
    hot = host(D.OneHotCategorical(bk.tensor([0.2, 0.0, 0.8])).sample((20000,)))
    assert (hot.sum(-1) == 1).all()
    np.testing.assert_allclose(hot.mean(0), [0.2, 0.0, 0.8], atol=0.015)
    mix = host(D.MixtureSameFamily(D.Categorical(bk.tensor([0.25, 0.75])),
                                   D.Normal(bk.tensor([-5.0, 5.0]), 0.5)).sample((20000,)))
    assert abs((mix > 0).mean() - 0.75) < 0.015


def test_draws_repeat_with_the_seed(bk):
    D = bk.distributions
    for make in (lambda: D.Gamma(bk.tensor([0.5, 3.0]), 1.0), lambda: D.Poisson(20.0),
                 lambda: D.Binomial(50, probs=bk.tensor(0.4)),
                 lambda: D.Dirichlet(bk.ones(3))):
        bk.manual_seed(9)
        first = host(make().sample((5,)))
        bk.manual_seed(9)
        assert host(make().sample((5,))).tolist() == first.tolist()


def test_arguments_are_checked_as_torch(bk, T):
    D = bk.distributions
    cases = [
        (lambda D, t: D.Exponential(t.tensor([1.0, -1.0])), "rate", "GreaterThan"),
        (lambda D, t: D.Gamma(1.0, -2.0), "rate", "GreaterThan"),
        (lambda D, t: D.Beta(-1.0, 1.0), "concentration", "IndependentConstraint"),
        (lambda D, t: D.Dirichlet(t.tensor([1.0, 0.0])), "concentration",
         "IndependentConstraint"),
        (lambda D, t: D.StudentT(-1.0), "df", "GreaterThan"),
        (lambda D, t: D.Poisson(t.tensor([-0.5])), "rate", "GreaterThanEq"),
        (lambda D, t: D.Binomial(2.5, probs=t.tensor(0.5)), "total_count",
         "IntegerGreaterThan"),
        (lambda D, t: D.Binomial(3, probs=t.tensor(1.5)), "probs", "Interval"),
        (lambda D, t: D.Laplace(0.0, 0.0), "scale", "GreaterThan"),
        (lambda D, t: D.Chi2(-1.0), "df", "GreaterThan"),
        (lambda D, t: D.MultivariateNormal(t.zeros(2), t.tensor([[1.0, 2.0], [2.0, 1.0]])),
         "covariance_matrix", "PositiveDefinite"),
        (lambda D, t: D.MultivariateNormal(t.zeros(2), scale_tril=t.tensor(
            [[1.0, 1.0], [0.0, 1.0]])), "scale_tril", "LowerCholesky"),
    ]
    for make, param, constraint in cases:
        for lib in (bk, T):
            with pytest.raises(ValueError, match=f"Expected parameter {param} .*{constraint}"):
                make(lib.distributions, lib)
    values = [(lambda D, t: D.Exponential(1.0).log_prob(t.tensor(-1.0)), "GreaterThanEq"),
              (lambda D, t: D.Poisson(1.0).log_prob(t.tensor(1.5)), "IntegerGreaterThan"),
              (lambda D, t: D.Beta(1.0, 2.0).log_prob(t.tensor(1.5)), "Interval"),
              (lambda D, t: D.Binomial(3, probs=t.tensor(0.5)).log_prob(t.tensor(4.0)),
               "IntegerInterval"),
              (lambda D, t: D.Dirichlet(t.ones(3)).log_prob(t.tensor([0.5, 0.6, 0.1])),
               "Simplex"),
              (lambda D, t: D.OneHotCategorical(t.ones(3)).log_prob(t.tensor([1.0, 1.0, 0.0])),
               "OneHot"),
              (lambda D, t: D.LogNormal(0.0, 1.0).log_prob(t.tensor(-1.0)), "GreaterThan")]
    for make, constraint in values:
        for lib in (bk, T):
            with pytest.raises(ValueError, match=f"within the support \\({constraint}"):
                make(lib.distributions, lib)
    with pytest.raises(ValueError, match="right-most size of value must match event_shape"):
        D.MultivariateNormal(bk.zeros(2), bk.eye(2)).log_prob(bk.zeros(3))
    with pytest.raises(ValueError, match="not broadcastable"):
        D.Exponential(bk.ones(3)).log_prob(bk.ones(2))
    with pytest.raises(ValueError, match="Exactly one of covariance_matrix"):
        D.MultivariateNormal(bk.zeros(2), bk.eye(2), scale_tril=bk.eye(2))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        D.Dirichlet(bk.tensor(1.0))
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        D.Binomial(3)
    with pytest.raises(ValueError, match="Categorical"):
        D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(bk.zeros(2), 1.0))
    with pytest.raises(ValueError, match="does not equal"):
        D.MixtureSameFamily(D.Categorical(bk.ones(3)), D.Normal(bk.zeros(2), 1.0))
    ok = D.Exponential(-1.0, validate_args=False)
    assert host(ok.rate) == -1.0


def test_printed_like_torch(bk, T):
    for make in (lambda t: t.distributions.Exponential(t.ones(3)),
                 lambda t: t.distributions.Laplace(0.0, 2.0),
                 lambda t: t.distributions.Gamma(2.0, 3.0),
                 lambda t: t.distributions.Chi2(t.tensor([3.0])),
                 lambda t: t.distributions.Beta(2.0, 3.0),
                 lambda t: t.distributions.Dirichlet(t.ones(3)),
                 lambda t: t.distributions.StudentT(3.0),
                 lambda t: t.distributions.LogNormal(0.0, 1.0),
                 lambda t: t.distributions.Poisson(t.tensor([2.0])),
                 lambda t: t.distributions.Binomial(10, probs=t.tensor([0.25])),
                 lambda t: t.distributions.OneHotCategorical(t.ones(2)),
                 lambda t: t.distributions.MultivariateNormal(t.zeros(2), t.eye(2)),
                 lambda t: t.distributions.TransformedDistribution(
                     t.distributions.Normal(0.0, 1.0), t.distributions.ExpTransform())):
        assert repr(make(bk)) == repr(make(T))
    for make in (lambda t: t.distributions.ExpTransform(),
                 lambda t: t.distributions.AffineTransform(1.0, 2.0).inv,
                 lambda t: t.distributions.ComposeTransform([t.distributions.SigmoidTransform(),
                                                             t.distributions.TanhTransform()])):
        assert repr(make(bk)) == repr(make(T))


def test_supports_and_arg_constraints_like_torch(bk, T):
    for make in (lambda t: t.distributions.Normal(0.0, 1.0),
                 lambda t: t.distributions.Uniform(0.0, 2.0),
                 lambda t: t.distributions.Exponential(1.0),
                 lambda t: t.distributions.Gamma(2.0, 3.0),
                 lambda t: t.distributions.Beta(2.0, 3.0),
                 lambda t: t.distributions.Dirichlet(t.ones(3)),
                 lambda t: t.distributions.Poisson(2.0),
                 lambda t: t.distributions.Binomial(4, probs=t.tensor(0.5)),
                 lambda t: t.distributions.OneHotCategorical(t.ones(2)),
                 lambda t: t.distributions.LogNormal(0.0, 1.0),
                 lambda t: t.distributions.MultivariateNormal(t.zeros(2), t.eye(2)),
                 lambda t: t.distributions.TransformedDistribution(
                     t.distributions.Normal(0.0, 1.0), t.distributions.SigmoidTransform())):
        ours, theirs = make(bk), make(T)
        assert repr(ours.support) == repr(theirs.support)
        assert {k: repr(v) for k, v in ours.arg_constraints.items()
                if "Dependent" not in repr(v)} == {
            k: repr(v) for k, v in theirs.arg_constraints.items() if "Dependent" not in repr(v)}


def test_constraints_check_like_torch(bk, T):
    values = np.array([[-1.0, 0.0, 0.5], [1.0, 2.0, 3.0]])
    for name, args in [("real", None), ("positive", None), ("nonnegative", None),
                       ("unit_interval", None), ("boolean", None), ("nonnegative_integer", None),
                       ("positive_integer", None), ("simplex", None), ("real_vector", None),
                       ("one_hot", None), ("greater_than", (0.5,)), ("less_than", (1.0,)),
                       ("interval", (-1.0, 1.0)), ("half_open_interval", (-1.0, 1.0)),
                       ("integer_interval", (0, 2)), ("greater_than_eq", (0.0,))]:
        got = []
        for lib in (bk, T):
            c = getattr(lib.distributions.constraints, name)
            c = c(*args) if args else c
            got.append((repr(c), host(c.check(lib.tensor(values.tolist()))), c.event_dim,
                        c.is_discrete))
        assert got[0][0] == got[1][0] and got[0][2:] == got[1][2:], name
        np.testing.assert_array_equal(got[0][1], got[1][1], err_msg=name)
    m = np.array([[[2.0, 0.5], [0.5, 1.0]], [[1.0, 2.0], [2.0, 1.0]], [[1.0, 0.0], [3.0, 1.0]]])
    for name in ("positive_definite", "lower_cholesky", "lower_triangular", "symmetric"):
        ours = getattr(bk.distributions.constraints, name).check(bk.tensor(m.tolist()))
        theirs = getattr(T.distributions.constraints, name).check(T.tensor(m.tolist()))
        assert host(ours).tolist() == host(theirs).tolist(), name
    C = bk.distributions.constraints
    assert C.is_dependent(C.dependent) and not C.is_dependent(C.real)
    assert repr(C.independent(C.positive, 2)) == "IndependentConstraint(GreaterThan(" \
        "lower_bound=0.0), 2)"


def test_transforms_like_torch(bk, T):
    x = RNG.normal(size=(2, 3))

    def fn(torch, x, s):
        D = torch.distributions
        out = []
        for t in (D.ExpTransform(), D.AffineTransform(0.5, s), D.SigmoidTransform(),
                  D.TanhTransform(), D.ComposeTransform([D.AffineTransform(1.0, 2.0),
                                                         D.SigmoidTransform()]),
                  D.AffineTransform(x[0], s[0], event_dim=1), D.ExpTransform().inv,
                  D.PowerTransform(2.0)):
            inp = x.exp() if isinstance(t, (D.PowerTransform, type(D.ExpTransform().inv))) \
                else x
            y = t(inp)
            out += [y, t.inv(y), t.log_abs_det_jacobian(inp, y)]
        return out

    _both(bk, T, [x, POS], fn)
    D = bk.distributions
    assert D.ExpTransform() == D.ExpTransform() and D.AffineTransform(1.0, 2.0) == \
        D.AffineTransform(1.0, 2.0) and D.AffineTransform(1.0, 2.0) != D.AffineTransform(1.0, 3.0)
    assert D.ExpTransform().sign == 1 and D.AffineTransform(0.0, -2.0).sign == -1
    cached = D.ExpTransform(cache_size=1)
    y = cached(bk.tensor([1.0]))
    assert cached.inv(y) is cached._cached_x_y[0]
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        D.ExpTransform(cache_size=2)
    with pytest.raises(ValueError, match="transforms must be a Transform"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), "exp")


def test_expand_like_torch(bk, T):
    for make in (lambda t: t.distributions.Normal(t.zeros(3), 1.0),
                 lambda t: t.distributions.Gamma(t.ones(1), 2.0),
                 lambda t: t.distributions.Beta(t.ones(3), 2.0),
                 lambda t: t.distributions.StudentT(t.ones(3) * 4),
                 lambda t: t.distributions.Dirichlet(t.ones(3)),
                 lambda t: t.distributions.MultivariateNormal(t.zeros(2), t.eye(2))):
        ours, theirs = make(bk).expand((4, 3)), make(T).expand((4, 3))
        assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
        assert tuple(ours.sample().shape) == tuple(theirs.sample().shape)
        assert tuple(ours.entropy().shape) == tuple(theirs.entropy().shape)
