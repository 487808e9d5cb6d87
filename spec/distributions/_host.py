"""Draws that need rejection loops (gamma, Poisson, binomial) and the implicit
reparameterization gradients of the gamma and Dirichlet draws, computed in float64 numpy on the
host from uniform and normal numbers drawn with the backend's own seeded generator.

The algorithms are PyTorch's (``ATen/native/Distributions.h``): Marsaglia and Tsang's gamma
sampler (adapted there from numpy), Hormann's BTRS and inversion for the binomial, and the
pathwise gradients ``-(d/dalpha cdf(x; alpha)) / pdf(x; alpha)`` of Jankowiak and Obermeyer
(2018), whose approximations are copied term for term so the gradients of ``rsample`` are
torch's for the same draw.  Every loop runs vectorised over the elements still pending.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["binomial", "dirichlet_grad", "from_host", "host", "poisson", "standard_gamma",
           "standard_gamma_grad"]


def host(backend: Any, t: Any) -> np.ndarray:
    """``t`` (no graph) as a float64 numpy array."""
    t = t.detach()
    to_numpy = getattr(backend, "to_numpy", None)
    array = to_numpy(t) if to_numpy is not None else np.asarray(t.tolist())
    return np.asarray(array, dtype=np.float64)


def from_host(backend: Any, array: np.ndarray, dtype: Any) -> Any:
    """A backend tensor of ``dtype`` holding ``array``."""
    array = np.asarray(array, dtype=np.float64)
    return backend.tensor(array.tolist(), dtype=dtype).reshape(*array.shape)


class _Draws:
    """Standard uniform and normal numbers from the backend's generator, in float64."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    def uniform(self, n: int) -> np.ndarray:
        if n == 0:
            return np.zeros(0)
        return host(self.backend, self.backend.rand((n,), dtype=self.backend.float64))

    def normal(self, n: int) -> np.ndarray:
        if n == 0:
            return np.zeros(0)
        return host(self.backend, self.backend.randn((n,), dtype=self.backend.float64))


def _rejection(size: int, propose: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
               limit: int = 100000) -> np.ndarray:
    """Fill ``size`` results: ``propose(indices)`` gives (accepted mask, values) for the
    pending indices; loop until every one is accepted."""
    out = np.zeros(size)
    pending = np.arange(size)
    for _ in range(limit):
        if pending.size == 0:
            return out
        accept, values = propose(pending)
        out[pending[accept]] = values[accept]
        pending = pending[~accept]
    raise RuntimeError("sampling did not finish: a parameter is probably not finite")


# ------------------------------------------------------------------------------------ gamma
def standard_gamma(backend: Any, alpha: np.ndarray) -> np.ndarray:
    """Gamma(alpha, 1) draws of ``alpha``'s shape (Marsaglia and Tsang; for alpha < 1 a
    Gamma(alpha + 1) draw times U^(1/alpha)); 0 where alpha is 0, clamped to the smallest
    positive float64 elsewhere."""
    draws = _Draws(backend)
    a = np.asarray(alpha, dtype=np.float64).ravel()
    if np.any(~(a >= 0)):
        raise ValueError("gamma sampling needs non-negative, non-NaN concentrations")
    scale = np.ones_like(a)
    small = a < 1
    if small.any():
        with np.errstate(divide="ignore"):
            scale[small] = (1 - draws.uniform(int(small.sum()))) ** (1.0 / a[small])
    boosted = np.where(small, a + 1, a)
    d = boosted - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)

    def propose(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = draws.normal(idx.size)
        y = 1.0 + c[idx] * x
        v = y * y * y
        u = 1 - draws.uniform(idx.size)
        xx = x * x
        with np.errstate(divide="ignore", invalid="ignore"):
            accept = (y > 0) & ((u < 1.0 - 0.0331 * xx * xx)
                                | (np.log(u) < 0.5 * xx + d[idx] * (1.0 - v + np.log(v))))
        return accept, d[idx] * v

    out = _rejection(a.size, propose) * scale
    out = np.where(a == 0, 0.0, np.maximum(out, np.finfo(np.float64).tiny))
    return out.reshape(np.shape(alpha))


def _digamma(x: np.ndarray) -> np.ndarray:
    """torch's ``digamma_one`` (Cephes), vectorised: the reflection below 0, the recurrence
    up to 10, the asymptotic series (inf at 0 and at the negative integers)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        negative = x < 0
        extra = np.where(negative, -math.pi / np.tan(math.pi * x), 0.0)
        y = np.where(negative, 1 - x, x)
        result = np.zeros_like(y)
        for _ in range(10):
            below = y < 10
            result = np.where(below, result - 1 / y, result)
            y = np.where(below, y + 1, y)
        z = 1.0 / (y * y)
        coefficients = (8.33333333333333333333E-2, -2.10927960927960927961E-2,
                        7.57575757575757575758E-3, -4.16666666666666666667E-3,
                        3.96825396825396825397E-3, -8.33333333333333333333E-3,
                        8.33333333333333333333E-2)
        poly = np.zeros_like(z)
        for coefficient in coefficients:
            poly = poly * z + coefficient
        series = np.where(y < 1e17, z * poly, 0.0)
        out = np.where(y == 10, result + 2.25175258906672110764,
                       result + np.log(y) - 0.5 / y - series) + extra
        out = np.where(x == 0, np.inf, out)
        return np.where(negative & (x == np.floor(x)), np.inf, out)


def standard_gamma_grad(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``d x / d alpha`` for a Gamma(alpha, 1) draw ``x`` (torch's
    ``_standard_gamma_grad``): a Taylor series for x < 0.8, Rice's saddle point expansion for
    alpha > 8, a bivariate rational approximation otherwise."""
    alpha, x = np.broadcast_arrays(np.asarray(alpha, np.float64), np.asarray(x, np.float64))
    with np.errstate(all="ignore"):
        # Taylor series for small x
        numer, denom = np.ones_like(x), alpha.copy()
        series1, series2 = numer / denom, numer / (denom * denom)
        for i in range(1, 6):
            numer = numer * (-x / i)
            denom = denom + 1
            series1 = series1 + numer / denom
            series2 = series2 + numer / (denom * denom)
        pow_x_alpha = x ** alpha
        pdf = x ** (alpha - 1) * np.exp(-x)
        cdf = pow_x_alpha * series1
        cdf_alpha = (np.log(x) - _digamma(alpha)) * cdf - pow_x_alpha * series2
        taylor = -cdf_alpha / pdf
        taylor = np.where(np.isnan(taylor), 0.0, taylor)
        # Rice saddle point expansion for large alpha
        numer_1 = 1 + 24 * alpha * (1 + 12 * alpha)
        numer_2 = (1440 * (alpha * alpha) + 6 * x * (53 - 120 * x) - 65 * x * x / alpha
                   + alpha * (107 + 3600 * x))
        near = numer_1 * numer_2 / (1244160 * (alpha * alpha) * (alpha * alpha))
        den = np.sqrt(8 * alpha)
        term2 = den / (alpha - x)
        term3 = (x - alpha - alpha * np.log(x / alpha)) ** -1.5
        term23 = np.where(x < alpha, term2 - term3, term2 + term3)
        term1 = np.log(x / alpha) * term23 - np.sqrt(2 / alpha) * (alpha + x) / (
            (alpha - x) * (alpha - x))
        stirling = 1 + 1 / (12 * alpha) * (1 + 1 / (24 * alpha))
        far = -stirling * x * term1 / den
        rice = np.where((0.9 * alpha <= x) & (x <= 1.1 * alpha), near, far)
        # bivariate rational approximation
        u, v = np.log(x / alpha), np.log(alpha)
        coef_uv = ((0.16009398, -0.094634809, 0.025146376, -0.0030648343,
                    1, 0.32668115, 0.10406089, 0.0014179084),
                   (0.53487893, 0.1298071, 0.065735949, -0.0015649758,
                    0.16639465, 0.020070113, -0.0035938915, -0.00058392623),
                   (0.040121004, -0.0065914022, -0.0026286047, -0.0013441777,
                    0.017050642, -0.0021309326, 0.00085092367, -1.5247877e-07))
        cv = [coef_uv[0][i] + u * (coef_uv[1][i] + u * coef_uv[2][i]) for i in range(8)]
        p = cv[0] + v * (cv[1] + v * (cv[2] + v * cv[3]))
        q = cv[4] + v * (cv[5] + v * (cv[6] + v * cv[7]))
        rational = np.exp(p / q)
        return np.where(x < 0.8, taylor, np.where(alpha > 8.0, rice, rational))


def _beta_grad_alpha_small(x: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    factor = _digamma(alpha) - _digamma(alpha + beta) - np.log(x)
    numer = np.ones_like(x)
    series = numer / alpha * (factor + 1 / alpha)
    for i in range(1, 11):
        numer = numer * ((i - beta) * x / i)
        denom = alpha + i
        series = series + numer / denom * (factor + 1 / denom)
    result = x * (1 - x) ** -beta * series
    return np.where(np.isnan(result), 0.0, result)


def _beta_grad_beta_small(x: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    factor = _digamma(alpha + beta) - _digamma(beta)
    numer, betas, dbetas = np.ones_like(x), np.ones_like(x), np.zeros_like(x)
    series = factor / alpha
    for i in range(1, 9):
        numer = numer * (-x / i)
        dbetas = dbetas * (beta - i) + betas
        betas = betas * (beta - i)
        series = series + numer / (alpha + i) * (dbetas + factor * betas)
    result = -(1 - x) ** (1 - beta) * series
    return np.where(np.isnan(result), 0.0, result)


def _beta_grad_alpha_mid(x: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    total = alpha + beta
    mean = alpha / total
    std = np.sqrt(alpha * beta / (total + 1)) / total
    poly = 47 * x * (beta * beta) * (beta * beta) + alpha * (
        (43 + 20 * (16 + 27 * beta) * x) * (beta * beta) * beta + alpha * (
            3 * (59 + 180 * beta - 90 * x) * (beta * beta) + alpha * (
                (453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (
                    8 * (1 - x) * (135 * beta - 11)))))
    prefactor_num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
    prefactor_den = 12960 * alpha * alpha * alpha * beta * beta * (1 + 12 * total)
    at_mean = prefactor_num / (1 - x) * poly / prefactor_den
    prefactor = -x / np.sqrt(2 * alpha * beta / total)
    stirling = ((1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha))
                * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta))
                / (1 + 1 / (12 * total) + 1 / (288 * total * total)))
    term1_num = 2 * (alpha * alpha) * (x - 1) + alpha * beta * (x - 1) - x * (beta * beta)
    axbx = alpha * (x - 1) + beta * x
    term1_den = np.sqrt(2 * alpha / beta) * total ** 1.5 * axbx * axbx
    term1 = term1_num / term1_den
    term2 = 0.5 * np.log(alpha / (total * x))
    term3 = np.sqrt(8 * alpha * beta / total) / (beta * x + alpha * (x - 1))
    term4_base = beta * np.log(beta / (total * (1 - x))) + alpha * np.log(alpha / (total * x))
    term4 = term4_base ** -1.5
    term1234 = term1 + term2 * (term3 + np.where(x < mean, term4, -term4))
    elsewhere = stirling * prefactor * term1234
    return np.where((mean - 0.1 * std <= x) & (x <= mean + 0.1 * std), at_mean, elsewhere)


_DIRICHLET_C = np.array([
    [[[1.003668233, -0.01061107488, -0.0657888334, 0.01201642863],
      [0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033],
      [-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013]],
     [[0.221950385, -0.3187676331, 0.01799915743, 0.01074823814],
      [-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057],
      [0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05]],
     [[-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565],
      [0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181],
      [0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05]]],
    [[[1, -0.02924021934, -0.04438342661, 0.007285809825],
      [0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521],
      [-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149]],
     [[0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273],
      [0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956],
      [-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05]],
     [[0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05],
      [0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05],
      [-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06]]]])


def dirichlet_grad(x: np.ndarray, alpha: np.ndarray, total: np.ndarray) -> np.ndarray:
    """torch's ``_dirichlet_grad``: ``-(d/dalpha cdf) / pdf / (1 - x)`` for ``x`` drawn from
    Beta(alpha, total - alpha), elementwise."""
    x, alpha, total = np.broadcast_arrays(*(np.asarray(a, np.float64) for a in (x, alpha, total)))
    beta = total - alpha
    boundary = total * x * (1 - x)
    with np.errstate(all="ignore"):
        small_x = _beta_grad_alpha_small(x, alpha, beta)
        large_x = -_beta_grad_beta_small(1 - x, beta, alpha)
        mid = _beta_grad_alpha_mid(x, alpha, beta)
        u = np.log(x)
        a = np.log(alpha) - u
        b = np.log(total) - a
        pow_u, pow_a = (np.ones_like(u), u, u * u), (np.ones_like(a), a, a * a)
        p, q = np.zeros_like(x), np.zeros_like(x)
        for i in range(3):
            for j in range(3):
                ua = pow_u[i] * pow_a[j]
                cp, cq = _DIRICHLET_C[0][i][j], _DIRICHLET_C[1][i][j]
                p = p + ua * (cp[0] + b * (cp[1] + b * (cp[2] + b * cp[3])))
                q = q + ua * (cq[0] + b * (cq[1] + b * (cq[2] + b * cq[3])))
        approx = x * (_digamma(total) - _digamma(alpha)) / beta
        rational = p / q * approx
    return np.where((x <= 0.5) & (boundary < 2.5), small_x,
                    np.where((x >= 0.5) & (boundary < 0.75), large_x,
                             np.where((alpha > 6) & (beta > 6), mid, rational)))


# ---------------------------------------------------------------------------- Poisson
_lgamma = np.vectorize(math.lgamma, otypes=[np.float64])


def poisson(backend: Any, rate: np.ndarray) -> np.ndarray:
    """Poisson(rate) draws of ``rate``'s shape: multiplying uniforms below 10, Hormann's PTRS
    transformed rejection from 10 on (as torch)."""
    draws = _Draws(backend)
    lam = np.asarray(rate, dtype=np.float64).ravel()
    if np.any(~(lam >= 0)):
        raise ValueError("Poisson sampling needs non-negative, non-NaN rates")
    out = np.zeros(lam.size)
    small = np.flatnonzero((lam > 0) & (lam < 10))
    if small.size:
        limit = np.exp(-lam[small])
        product = np.ones(small.size)
        count = np.full(small.size, -1.0)
        live = np.arange(small.size)
        while live.size:
            product[live] *= draws.uniform(live.size)
            count[live] += 1
            live = live[product[live] > limit[live]]
        out[small] = count
    large = np.flatnonzero(lam >= 10)
    if large.size:
        lam_l = lam[large]
        slam, loglam = np.sqrt(lam_l), np.log(lam_l)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)

        def propose(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            u = draws.uniform(idx.size) - 0.5
            v = draws.uniform(idx.size)
            us = 0.5 - np.abs(u)
            k = np.floor((2 * a[idx] / us + b[idx]) * u + lam_l[idx] + 0.43)
            quick = (us >= 0.07) & (v <= vr[idx])
            with np.errstate(all="ignore"):
                bad = (k < 0) | ((us < 0.013) & (v > us))
                slow = (np.log(v) + np.log(invalpha[idx]) - np.log(a[idx] / (us * us) + b[idx])
                        <= -lam_l[idx] + k * loglam[idx] - _lgamma(np.maximum(k, 0) + 1))
            return quick | (~bad & slow), k

        out[large] = _rejection(large.size, propose)
    return out.reshape(np.shape(rate))


# ---------------------------------------------------------------------------- binomial
def _stirling_tail(k: np.ndarray) -> np.ndarray:
    table = np.array([0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                      0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                      0.0118967099458917, 0.0104112652619720, 0.00925546218271273,
                      0.00833056343336287])
    kp1sq = (k + 1) * (k + 1)
    with np.errstate(all="ignore"):
        far = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
    index = np.clip(k, 0, 9).astype(np.int64)
    return np.where(k < 10, table[index], far)


def _binomial_inversion(draws: _Draws, count: np.ndarray, prob: np.ndarray) -> np.ndarray:
    logprob = np.log1p(-prob)
    geom_sum = np.zeros(count.size)
    num_geom = np.zeros(count.size)
    live = np.arange(count.size)
    while live.size:
        with np.errstate(divide="ignore"):
            geom = np.ceil(np.log(draws.uniform(live.size)) / logprob[live])
        geom_sum[live] += geom
        done = geom_sum[live] > count[live]
        num_geom[live[~done]] += 1
        live = live[~done]
    return num_geom


def _btrs(draws: _Draws, count: np.ndarray, prob: np.ndarray) -> np.ndarray:
    stddev = np.sqrt(count * prob * (1 - prob))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * prob
    c = count * prob + 0.5
    v_r = 0.92 - 4.2 / b
    r = prob / (1 - prob)
    alpha = (2.83 + 5.1 / b) * stddev
    m = np.floor((count + 1) * prob)

    def propose(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        u = draws.uniform(idx.size) - 0.5
        v = draws.uniform(idx.size)
        us = 0.5 - np.abs(u)
        n, mi, ri = count[idx], m[idx], r[idx]
        k = np.floor((2 * a[idx] / us + b[idx]) * u + c[idx])
        valid = (k >= 0) & (k <= n)
        quick = (us >= 0.07) & (v <= v_r[idx])
        with np.errstate(all="ignore"):
            lv = np.log(v * alpha[idx] / (a[idx] / (us * us) + b[idx]))
            upper = ((mi + 0.5) * np.log((mi + 1) / (ri * (n - mi + 1)))
                     + (n + 1) * np.log((n - mi + 1) / (n - k + 1))
                     + (k + 0.5) * np.log(ri * (n - k + 1) / (k + 1))
                     + _stirling_tail(mi) + _stirling_tail(n - mi)
                     - _stirling_tail(k) - _stirling_tail(n - k))
        return valid & (quick | (lv <= upper)), k

    return _rejection(count.size, propose)


def binomial(backend: Any, count: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """Binomial(count, prob) draws (torch's: inversion when ``count * min(p, 1 - p) < 10``,
    BTRS otherwise, on the smaller of ``p`` and ``1 - p``)."""
    draws = _Draws(backend)
    count, prob = np.broadcast_arrays(np.asarray(count, np.float64), np.asarray(prob, np.float64))
    shape = count.shape
    n, p = count.ravel(), prob.ravel()
    out = np.zeros(n.size)
    out[np.isnan(p)] = np.nan
    out[(n > 0) & (p >= 1)] = n[(n > 0) & (p >= 1)]
    live = (n > 0) & (p > 0) & (p < 1)
    flip = live & (p > 0.5)
    q = np.where(flip, 1 - p, p)
    for use_btrs in (False, True):
        chosen = np.flatnonzero(live & ((n * q >= 10.0) == use_btrs))
        if chosen.size == 0:
            continue
        sampler = _btrs if use_btrs else _binomial_inversion
        k = sampler(draws, n[chosen], q[chosen])
        out[chosen] = np.where(flip[chosen], n[chosen] - k, k)
    return out.reshape(shape)
