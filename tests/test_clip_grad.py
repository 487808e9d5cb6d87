"""gradspec.nn.utils.clip_grad_norm_ / clip_grad_value_ against torch.nn.utils: the total norm
returned and the gradients left behind, for every norm type, both dtypes, non-finite norms."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from support import load_or_skip

from gradspec.nn import utils

BACKENDS = ["numpy", "strict", "torch"]
NORMS = [2.0, 1.0, 3.5, 0.5, 0, math.inf, -math.inf, "inf"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.nn.utils is the reference")


def _grads(dtype="float64", scale=1.0):
    rng = np.random.default_rng(0)
    return [(rng.standard_normal(s) * scale).astype(dtype) for s in [(3, 4), (5,), (2, 2, 2)]]


def _params(module, grads, with_grad=(True, True, True)):
    params = []
    for g, has in zip(grads, with_grad):
        p = module.tensor(np.zeros_like(g), requires_grad=True)
        if has:
            p.grad = module.tensor(g)
        params.append(p)
    return params


def _tol(dtype):
    return 1e-12 if dtype == "float64" else 1e-6


@pytest.mark.parametrize("norm_type", NORMS, ids=str)
@pytest.mark.parametrize("max_norm", [0.5, 1e4], ids=["clips", "leaves"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clip_grad_norm_matches_torch(bk, T, norm_type, max_norm, dtype):
    grads = _grads(dtype)
    ours, ref = _params(bk, grads), _params(T, grads)
    total = utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    want = T.nn.utils.clip_grad_norm_(ref, max_norm, norm_type=norm_type)
    assert tuple(total.shape) == () and total.dtype == getattr(bk, dtype)
    assert total.item() == pytest.approx(want.item(), rel=_tol(dtype))
    for p, q in zip(ours, ref):
        np.testing.assert_allclose(bk.to_numpy(p.grad), q.grad.numpy(), rtol=_tol(dtype),
                                   atol=_tol(dtype))
    clipped = max_norm < want.item()
    assert (bk.to_numpy(ours[0].grad).tolist() != grads[0].tolist()) == clipped


def test_clipped_gradients_have_the_requested_norm(bk):
    grads = _grads()
    params = _params(bk, grads)
    before = utils.clip_grad_norm_(params, 1.0)
    assert before.item() == pytest.approx(np.sqrt(sum((g ** 2).sum() for g in grads)))
    after = utils.get_total_norm([p.grad for p in params])
    assert after.item() == pytest.approx(1.0 / (1 + 1e-6 / before.item()), rel=1e-12)


def test_parameters_without_gradients_and_single_tensors(bk, T):
    grads = _grads()
    ours = _params(bk, grads, with_grad=(True, False, True))
    ref = _params(T, grads, with_grad=(True, False, True))
    total = utils.clip_grad_norm_(iter(ours), 0.1, norm_type=1)
    assert total.item() == pytest.approx(T.nn.utils.clip_grad_norm_(ref, 0.1, 1).item())
    assert ours[1].grad is None
    single = _params(bk, grads)[0]
    grad = single.grad
    total = utils.clip_grad_norm_(single, 0.1)
    assert single.grad is grad  # scaled in place
    assert total.item() == pytest.approx(np.linalg.norm(grads[0]))
    np.testing.assert_allclose(bk.to_numpy(grad), grads[0] * 0.1 / (total.item() + 1e-6))


def test_mixed_precisions_as_torch(bk, T):
    grads = _grads()
    grads[1] = grads[1].astype("float32")
    total = utils.clip_grad_norm_(_params(bk, grads), 1.0)
    want = T.nn.utils.clip_grad_norm_(_params(T, grads), 1.0)
    assert total.dtype == bk.float64 and want.dtype == T.float64
    assert total.item() == pytest.approx(want.item(), rel=1e-7)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # inf * 0
@pytest.mark.parametrize("bad", [math.inf, math.nan], ids=["inf", "nan"])
@pytest.mark.parametrize("norm_type", [2.0, math.inf])
def test_non_finite_norms(bk, T, bad, norm_type):
    grads = _grads()
    grads[1][2] = bad
    with pytest.raises(RuntimeError, match="non-finite, so it cannot be clipped"):
        utils.clip_grad_norm_(_params(bk, grads), 1.0, norm_type, error_if_nonfinite=True)
    ours, ref = _params(bk, grads), _params(T, grads)
    total = utils.clip_grad_norm_(ours, 1.0, norm_type)  # torch scales by it anyway
    want = T.nn.utils.clip_grad_norm_(ref, 1.0, norm_type)
    np.testing.assert_equal(total.item(), want.item())
    for p, q in zip(ours, ref):
        np.testing.assert_equal(bk.to_numpy(p.grad), q.grad.numpy())


def test_no_gradients(bk):
    assert utils.clip_grad_norm_(_params(bk, _grads(), (False,) * 3), 1.0).item() == 0.0
    assert utils.clip_grad_norm_([], 1.0).item() == 0.0
    with pytest.warns(UserWarning, match="empty generator"):
        utils.clip_grad_norm_((p for p in []), 1.0)
    utils.clip_grad_value_([], 1.0)


def test_clipping_records_nothing(bk):
    p = bk.tensor([3.0, -4.0], requires_grad=True)
    (p * p).sum().backward()
    utils.clip_grad_norm_([p], 1.0)
    utils.clip_grad_value_([p], 0.5)
    assert p.grad.grad_fn is None and not p.grad.requires_grad and p.is_leaf
    np.testing.assert_allclose(bk.to_numpy(p.grad), [0.5, -0.5])


def test_deprecated_clip_grad_norm_warns(bk):
    params = _params(bk, _grads())
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        total = utils.clip_grad_norm(params, 1.0)
    assert total.item() > 1.0


@pytest.mark.parametrize("clip_value", [0.3, 1, 10.0])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_clip_grad_value_matches_torch(bk, T, clip_value, dtype):
    grads = _grads(dtype, scale=2.0)
    ours, ref = _params(bk, grads, (True, False, True)), _params(T, grads, (True, False, True))
    kept = ours[0].grad
    assert utils.clip_grad_value_(ours, clip_value) is None
    T.nn.utils.clip_grad_value_(ref, clip_value)
    assert ours[0].grad is kept and ours[1].grad is None
    for p, q in zip(ours, ref):
        if q.grad is not None:
            assert bk.to_numpy(p.grad).tolist() == q.grad.numpy().tolist()
    assert np.abs(bk.to_numpy(ours[0].grad)).max() <= clip_value


def test_clip_grads_with_norm_takes_a_given_norm(bk, T):
    grads = _grads()
    ours, ref = _params(bk, grads), _params(T, grads)
    utils.clip_grads_with_norm_(ours, 2.0, bk.tensor(8.0, dtype=bk.float64))
    T.nn.utils.clip_grads_with_norm_(ref, 2.0, T.tensor(8.0, dtype=T.float64))
    for p, q in zip(ours, ref):
        np.testing.assert_allclose(bk.to_numpy(p.grad), q.grad.numpy(), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert utils.get_total_norm(bk.tensor([3.0, 4.0])).item() == 5.0
