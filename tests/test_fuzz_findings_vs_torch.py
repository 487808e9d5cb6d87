"""Values and gradients a differential fuzzer (random programs run on PyTorch 2.13 and on the
engine) found different, each now PyTorch's: asserted against numbers PyTorch gives, and
against PyTorch itself where it is installed."""

from __future__ import annotations

import math

import pytest

from support import load_or_skip

ENGINES = ["numpy", "strict"]


@pytest.fixture(params=ENGINES)
def B(request):
    return load_or_skip(request.param)


def _grad(B, f, *values, dtype=None):
    xs = [B.tensor(v, requires_grad=True, dtype=dtype) for v in values]
    f(*xs).sum().backward()
    return [x.grad.tolist() for x in xs]


def test_relu_of_a_0d_tensor_masks_a_gradient_summed_from_two_uses(B):
    x = B.tensor(-2.0, requires_grad=True)
    v = B.nn.functional.relu(x)
    (v + v).backward()
    assert x.grad.item() == 0.0
    y = B.tensor(3.0, requires_grad=True)
    w = B.relu(y)
    (w * 3 + w).backward()
    assert y.grad.item() == 4.0


def test_sigmoid_and_silu_keep_their_precision_for_negative_inputs(B):
    s = B.sigmoid(B.tensor([-10.0, -17.0, -20.0, -40.0])).tolist()
    for got, x in zip(s, (-10.0, -17.0, -20.0, -40.0)):
        assert got == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-6)
    assert B.nn.functional.silu(B.tensor([-17.0])).item() == pytest.approx(
        -17 / (1 + math.exp(17)), rel=1e-6)
    assert B.sigmoid(B.tensor([-200.0, 200.0])).tolist() == [0.0, 1.0]


def test_cosine_similarity_broadcasts_before_its_norms(B):
    F = B.nn.functional
    assert F.cosine_similarity(B.tensor([3.0, 4.0]), B.tensor([1.0]), dim=0).item() == \
        pytest.approx(7 / (5 * math.sqrt(2)), rel=1e-6)
    assert F.cosine_similarity(B.ones(2, 3), B.ones(1, 3)).tolist() == pytest.approx([1.0, 1.0])
    assert F.cosine_similarity(B.ones(3), B.ones(2, 3), dim=1).shape == (2,)


def test_pow_of_tensors_has_no_gradient_in_the_base_where_the_exponent_is_0(B):
    (g,) = _grad(B, lambda x: x ** B.tensor([0.0, 0.0]), [0.0, 2.0])
    assert g == [0.0, 0.0]


def test_xlogy_gradient_in_x_is_log_y_also_where_x_is_0(B):
    (g,) = _grad(B, lambda x: B.xlogy(x, B.tensor([0.5, 0.5])), [0.0, 1.0])
    assert g == pytest.approx([math.log(0.5)] * 2)
    assert B.xlogy(B.tensor([0.0]), B.tensor([0.0])).item() == 0.0


def test_clamp_by_tensors_gives_ties_to_the_input(B):
    assert _grad(B, lambda a, b: B.clamp(a, min=b), [1.0, 2.0], [1.0, 3.0]) == [[1.0, 0.0],
                                                                              [0.0, 1.0]]
    assert _grad(B, lambda a, b: B.clamp(a, max=b), [1.0, 2.0], [1.0, 3.0]) == [[1.0, 1.0],
                                                                              [0.0, 0.0]]
    assert B.clamp(B.tensor([float("nan"), 0.0]), min=B.tensor([1.0, 1.0])).isnan().tolist() \
        == [True, False]


def test_logsigmoids_second_derivative_at_0(B):
    x = B.tensor([0.0, 3.0], requires_grad=True)
    (g,) = B.autograd.grad(B.nn.functional.logsigmoid(x).sum(), x, create_graph=True)
    (h,) = B.autograd.grad(g.sum(), x)
    s = 1 / (1 + math.exp(-3.0))
    assert h.tolist() == pytest.approx([-0.25, -s * (1 - s)], rel=1e-6)


def test_group_and_instance_norm_with_only_a_bias_that_requires_grad(B):
    F = B.nn.functional
    b = B.ones(3, requires_grad=True)
    F.instance_norm(B.ones(2, 3, 4), weight=None, bias=b).sum().backward()
    assert b.grad.tolist() == [8.0, 8.0, 8.0]


def test_a_broadcast_gradient_reaches_through_a_diagonal_written_in_place(B):
    x = B.ones(3, 3, requires_grad=True)
    v = x * 1
    v.diagonal().zero_()
    v.mean(1).sum().backward()
    third = 1 / 3
    assert x.grad.reshape(-1).tolist() == pytest.approx(
        [0.0 if i == j else third for i in range(3) for j in range(3)])


def test_softmaxes_of_an_empty_dimension(B):
    F = B.nn.functional
    assert F.log_softmax(B.zeros(2, 0), 1).shape == (2, 0)
    assert F.softmax(B.zeros(0, 3), 0).shape == (0, 3)


def test_diag_of_a_matrix_is_a_copy_and_logcumsumexp_a_new_tensor(B):
    y = B.ones(2, 2) * 1
    d = B.diag(y)
    d.mul_(10)
    assert y.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    x = B.ones(2, 2, requires_grad=True)
    assert B.diag(x).grad_fn.name() == "DiagonalBackward0_copy"
    h = B.ones(1, 2) * 1
    assert B.logcumsumexp(h, 0) is not h


def _sigmoid_and_gradient(mod):
    x = mod.tensor([-30.0, -17.0, -1.0, 0.0, 5.0], requires_grad=True)
    y = mod.sigmoid(x)
    y.sum().backward()
    return y.tolist(), x.grad.tolist()


def test_sigmoid_against_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = _sigmoid_and_gradient(load_or_skip("numpy")), _sigmoid_and_gradient(torch)
    assert ours[0] == pytest.approx(theirs[0], rel=1e-6)
    assert ours[1] == pytest.approx(theirs[1], rel=1e-6)


@pytest.mark.parametrize("name", ["hardtanh", "relu6", "max", "min", "median"])
def test_an_inf_or_nan_gradient_stays_out_of_the_masked_elements(B, name):
    F = B.nn.functional
    f = {"hardtanh": F.hardtanh, "relu6": F.relu6, "max": lambda t: t.max(),
         "min": lambda t: t.min(), "median": lambda t: t.median()}[name]
    values = [-2.0, -0.5, 0.5, 2.0, 7.0]
    # PyTorch passes the upstream gradient only where the op lets it through: 0 elsewhere
    passes = {"hardtanh": [0, 1, 1, 0, 0], "relu6": [0, 0, 1, 1, 0], "max": [0, 0, 0, 0, 1],
              "min": [1, 0, 0, 0, 0], "median": [0, 0, 1, 0, 0]}[name]
    for upstream in (math.inf, math.nan):
        x = B.tensor(values, requires_grad=True)
        y = f(x)
        y.backward(B.full(tuple(y.shape), upstream))
        got = x.grad.tolist()
        assert [g == 0.0 for g in got] == [not p for p in passes], got
        assert all(math.isnan(g) if math.isnan(upstream) else g == upstream
                   for g, p in zip(got, passes) if p), got


def test_an_ignored_row_with_non_finite_scores_adds_nothing_to_the_loss(B):
    F = B.nn.functional
    for bad in (math.nan, -math.inf):
        scores = B.tensor([[1.0, 2.0], [bad, bad]], requires_grad=True)
        target = B.tensor([0, -100])  # the second row ignored (PyTorch's default ignore_index)
        assert F.cross_entropy(scores, target).item() == pytest.approx(1.3132617)
        assert F.cross_entropy(scores, target, reduction="none").tolist() == \
            pytest.approx([1.3132617, 0.0])
        assert math.copysign(1, F.cross_entropy(scores, target, reduction="none")[1].item()) == 1
        assert F.nll_loss(B.tensor([[1.0, 2.0], [bad, 1.0]]), target).item() == -1.0
        F.cross_entropy(scores, target).backward()
        assert scores.grad[0].tolist() == pytest.approx([-0.7310586, 0.7310586])


def test_asinh_of_huge_and_infinite_values(B):
    x = B.tensor([1e30, math.inf, -math.inf, 2e8, 0.5], requires_grad=True)
    y = B.asinh(x)
    assert y.tolist() == pytest.approx([69.77068, math.inf, -math.inf, 19.806975, 0.4812118])
    y.backward(B.ones(5))
    assert x.grad.tolist()[1:] == pytest.approx([0.0, 0.0, 5e-9, 0.8944272])
    assert y.grad_fn.name() == "AsinhBackward0"


def test_max_and_min_along_a_dim_keep_integer_and_bool_dtypes(B):
    assert B.tensor([1, 3, 2], dtype=B.uint8).max(0).values.dtype == B.uint8
    assert B.tensor([1, 3, 2], dtype=B.int32).min(0).values.dtype == B.int32
    found = B.tensor([[True, False], [False, False]]).max(1)
    assert found.values.dtype == B.bool and found.values.tolist() == [True, False]
    assert found.indices.tolist() == [0, 0]
    assert B.tensor([[1.0, 5.0], [math.nan, 2.0]]).max(1).indices.tolist() == [1, 0]


def test_a_mask_clamped_by_integers_is_int64(B):
    out = B.clamp(B.tensor([True, False]), 0, 2)
    assert out.dtype == B.int64 and out.tolist() == [1, 0]


def test_nanmedian_of_everything_shares_the_gradient_of_ties(B):
    x = B.tensor([1.0, 1.0, 2.0], requires_grad=True)
    x.nanmedian().backward()
    assert x.grad.tolist() == [0.5, 0.5, 0.0]
    y = B.tensor([1.0, math.nan, 2.0, 3.0], requires_grad=True)
    m = y.nanmedian()
    assert m.item() == 2.0 and m.grad_fn.name() == "NanmedianBackward0"
    m.backward()
    assert y.grad.tolist() == [0.0, 0.0, 1.0, 0.0]
    assert math.isnan(B.tensor([math.nan, math.nan]).nanmedian().item())


def test_multi_margin_loss_passes_no_gradient_exactly_at_the_margin(B):
    x = B.tensor([[-1.5, -0.5]], requires_grad=True)
    loss = B.nn.functional.multi_margin_loss(x, B.tensor([1]))
    loss.backward()
    assert loss.item() == 0.0 and x.grad.tolist() == [[0.0, 0.0]]


def test_a_number_to_a_tensor_power_differentiates_for_a_zero_or_negative_base(B):
    (g,) = _grad(B, lambda x: 0.0 ** x, [2.0, 0.0, -1.0])
    assert g == [0.0, 0.0, -math.inf]
    (g,) = _grad(B, lambda x: B.pow(-1.0, x), [2.0, 0.5])
    assert all(math.isnan(v) for v in g)


def test_lerp_takes_a_0d_weight_of_any_dtype_as_a_scalar(B):
    a, b = B.tensor([1.0, 2.0], requires_grad=True), B.tensor([3.0, 4.0])
    assert B.lerp(a, b, B.tensor(1)).tolist() == [3.0, 4.0]
    assert B.lerp(a, b, B.tensor(2, dtype=B.uint8)).tolist() == [5.0, 6.0]
    out = B.lerp(a, b, B.tensor(0.5, dtype=B.float64))
    assert out.dtype == B.float32 and out.tolist() == [2.0, 3.0]
    out.sum().backward()
    assert a.grad.tolist() == [0.5, 0.5]
    with pytest.raises(RuntimeError, match="same dtype"):  # a 1-d integer weight: refused
        B.lerp(a, b, B.tensor([1, 1]))


def test_cosine_similarity_of_a_float_and_an_integer_tensor(B):
    F = B.nn.functional
    x = B.tensor([1.0, 2.0], requires_grad=True)
    out = F.cosine_similarity(x, B.tensor([1, 0]), dim=0)
    assert out.dtype == B.float32 and out.item() == pytest.approx(1 / math.sqrt(5), rel=1e-6)
    assert F.cosine_similarity(B.tensor([1, 0]), x, dim=0).item() == pytest.approx(
        1 / math.sqrt(5), rel=1e-6)
    out.backward()  # d cos / dx = y / (|x||y|) - cos * x / |x|**2
    assert x.grad.tolist() == pytest.approx([4 / (5 * math.sqrt(5)), -2 / (5 * math.sqrt(5))],
                                            rel=1e-5)


def test_the_max_of_a_tensor_with_nan_sends_its_gradient_to_the_nans(B):
    for values, want in (([math.nan, 1.0, 2.0], [1.0, 0.0, 0.0]),
                         ([math.nan, 1.0, math.nan], [0.5, 0.0, 0.5])):
        for reduce in (lambda t: t.max(), lambda t: t.min(), lambda t: t.median()):
            x = B.tensor(values, requires_grad=True)
            reduce(x).backward()
            assert x.grad.tolist() == want


def test_asin_acos_and_logit_have_infinite_gradients_at_the_ends_of_their_domain(B):
    # PyTorch 2.13: asin' = inf at +-1, acos' = -inf there, logit' = inf at 0 and 1 (all were
    # NaN: a product under one square root, a quotient under the log, made 0 * inf)
    assert _grad(B, lambda x: x.asin(), [1.0, -1.0, 0.5])[0][:2] == [math.inf, math.inf]
    assert _grad(B, lambda x: x.acos(), [1.0, -1.0])[0] == [-math.inf, -math.inf]
    # (one end at a time: the sum of -inf and inf would be NaN, with the host's warning)
    assert _grad(B, lambda x: x.logit(), [0.0])[0] == [math.inf]
    assert _grad(B, lambda x: x.logit(), [1.0])[0] == [math.inf]
    assert _grad(B, lambda x: x.logit(), [0.5])[0] == [4.0]
    assert _grad(B, lambda x: x.logit(eps=0.1), [0.0, 0.5])[0] == [0.0, 4.0]
    assert _grad(B, lambda x: x.asin(), [0.5])[0][0] == pytest.approx(1 / math.sqrt(0.75))
