"""The nn functions and losses on the engine refuse what PyTorch refuses, with the same error
kind (RuntimeError, ValueError, IndexError, NotImplementedError, ...), and accept what it
accepts; and a few behaviours the op cases cannot reach (uint8 class indices, the seeded
dropout mask of the functional form, one_hot)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from support import load_or_skip

CASES = {
    "ce int32": lambda b: b.cross_entropy(b.randn(4, 5), b.tensor([0, 1, 2, 3], dtype=b.int32)),
    "nll int32": lambda b: b.nll_loss(b.randn(4, 5), b.tensor([0, 1, 2, 3], dtype=b.int32)),
    "ce uint8": lambda b: b.cross_entropy(b.randn(4, 5), b.tensor([0, 1, 2, 3], dtype=b.uint8)),
    "ce float target wrong shape": lambda b: b.cross_entropy(
        b.randn(4, 5), b.tensor([0.0, 1, 2, 3])
    ),
    "ce out of range": lambda b: b.cross_entropy(b.randn(4, 5), b.tensor([0, 1, 2, 5])),
    "ce neg": lambda b: b.cross_entropy(b.randn(4, 5), b.tensor([0, 1, 2, -1])),
    "ce ignore -1": lambda b: b.cross_entropy(
        b.randn(4, 5), b.tensor([0, 1, 2, -1]), ignore_index=-1
    ),
    "ce batch mismatch": lambda b: b.cross_entropy(b.randn(4, 5), b.tensor([0, 1, 2])),
    "ce weight wrong": lambda b: b.cross_entropy(
        b.randn(4, 5), b.tensor([0, 1, 2, 3]), weight=b.ones(4)
    ),
    "ce weight f64": lambda b: b.cross_entropy(
        b.randn(4, 5), b.tensor([0, 1, 2, 3]), weight=b.ones(5, dtype=b.float64)
    ),
    "ce ls >1": lambda b: b.cross_entropy(
        b.randn(4, 5), b.tensor([0, 1, 2, 3]), label_smoothing=1.1
    ),
    "ce ls neg": lambda b: b.cross_entropy(
        b.randn(4, 5), b.tensor([0, 1, 2, 3]), label_smoothing=-0.1
    ),
    "ce prob ignore": lambda b: b.cross_entropy(
        b.randn(4, 5), b.softmax(b.randn(4, 5), 1), ignore_index=1
    ),
    "ce 3d bad": lambda b: b.cross_entropy(b.randn(2, 5, 3), b.zeros(2, 4, dtype=b.int64)),
    "nll int input": lambda b: b.nll_loss(b.zeros(4, 5, dtype=b.int64), b.tensor([0, 1, 2, 3])),
    "ce int input": lambda b: b.cross_entropy(b.zeros(4, 5, dtype=b.int64), b.tensor([0, 1, 2, 3])),
    "nll all ignored": lambda b: b.nll_loss(b.randn(4, 5), b.tensor([1, 1, 1, 1]), ignore_index=1),
    "nll empty": lambda b: b.nll_loss(b.randn(0, 5), b.zeros(0, dtype=b.int64)),
    "ce 0d input": lambda b: b.cross_entropy(b.tensor(1.0), b.tensor(0)),
    "ce reduction": lambda b: b.cross_entropy(
        b.randn(4, 5), b.tensor([0, 1, 2, 3]), reduction="avg"
    ),
    "conv2d bad ch": lambda b: b.conv2d(b.randn(1, 3, 5, 5), b.randn(2, 4, 3, 3)),
    "conv2d 2d input": lambda b: b.conv2d(b.randn(5, 5), b.randn(2, 3, 3, 3)),
    "conv2d too small": lambda b: b.conv2d(b.randn(1, 3, 2, 2), b.randn(2, 3, 3, 3)),
    "conv2d dtype": lambda b: b.conv2d(b.randn(1, 3, 5, 5), b.randn(2, 3, 3, 3, dtype=b.float64)),
    "conv2d groups bad": lambda b: b.conv2d(b.randn(1, 4, 5, 5), b.randn(3, 2, 3, 3), groups=2),
    "conv2d int": lambda b: b.conv2d(
        b.ones(1, 3, 5, 5, dtype=b.int64), b.ones(2, 3, 3, 3, dtype=b.int64)
    ),
    "conv2d bias bad": lambda b: b.conv2d(b.randn(1, 3, 5, 5), b.randn(2, 3, 3, 3), b.randn(3)),
    "conv2d stride0": lambda b: b.conv2d(b.randn(1, 3, 5, 5), b.randn(2, 3, 3, 3), stride=0),
    "conv2d padneg": lambda b: b.conv2d(b.randn(1, 3, 5, 5), b.randn(2, 3, 3, 3), padding=-1),
    "conv2d same stride2": lambda b: b.conv2d(
        b.randn(1, 3, 5, 5), b.randn(2, 3, 3, 3), padding="same", stride=2
    ),
    "conv2d weird pad": lambda b: b.conv2d(b.randn(1, 3, 5, 5), b.randn(2, 3, 4, 4), padding="foo"),
    "conv2d stride3": lambda b: b.conv2d(
        b.randn(1, 3, 5, 5), b.randn(2, 3, 3, 3), stride=(1, 2, 3)
    ),
    "convT op big": lambda b: b.conv_transpose2d(
        b.randn(1, 3, 5, 5), b.randn(3, 2, 3, 3), stride=2, output_padding=2
    ),
    "convT ch bad": lambda b: b.conv_transpose2d(b.randn(1, 3, 5, 5), b.randn(4, 2, 3, 3)),
    "maxpool too big": lambda b: b.max_pool2d(b.randn(1, 3, 2, 2), 3),
    "maxpool pad big": lambda b: b.max_pool2d(b.randn(1, 3, 6, 6), 2, padding=2),
    "maxpool 2d input": lambda b: b.max_pool2d(b.randn(6, 6), 2),
    "maxpool int": lambda b: b.max_pool2d(b.ones(1, 1, 6, 6, dtype=b.int64), 2),
    "avgpool int": lambda b: b.avg_pool2d(b.ones(1, 1, 6, 6, dtype=b.int64), 2),
    "avgpool div0": lambda b: b.avg_pool2d(b.ones(1, 1, 6, 6), 2, divisor_override=0),
    "adaptive int": lambda b: b.adaptive_avg_pool2d(b.ones(1, 1, 6, 6, dtype=b.int64), 2),
    "ln bad shape": lambda b: b.layer_norm(b.randn(2, 3), (4,)),
    "ln weight bad": lambda b: b.layer_norm(b.randn(2, 3), (3,), b.ones(4)),
    "ln int": lambda b: b.layer_norm(b.ones(2, 3, dtype=b.int64), (3,)),
    "ln dtype": lambda b: b.layer_norm(b.randn(2, 3), (3,), b.ones(3, dtype=b.float64)),
    "bn bad rm": lambda b: b.batch_norm(b.randn(2, 3), b.zeros(4), b.ones(4)),
    "bn 1 value": lambda b: b.batch_norm(b.randn(1, 3), b.zeros(3), b.ones(3), training=True),
    "gn bad": lambda b: b.group_norm(b.randn(2, 3, 4), 2),
    "emb float idx": lambda b: b.embedding(b.tensor([1.0, 2.0]), b.randn(4, 3)),
    "emb int32 idx": lambda b: b.embedding(b.tensor([1, 2], dtype=b.int32), b.randn(4, 3)),
    "emb oob": lambda b: b.embedding(b.tensor([1, 4]), b.randn(4, 3)),
    "emb neg": lambda b: b.embedding(b.tensor([1, -1]), b.randn(4, 3)),
    "emb pad oob": lambda b: b.embedding(b.tensor([1, 2]), b.randn(4, 3), padding_idx=4),
    "emb pad neg": lambda b: b.embedding(b.tensor([1, 2]), b.randn(4, 3), padding_idx=-1),
    "emb 1d weight": lambda b: b.embedding(b.tensor([1, 2]), b.randn(4)),
    "onehot float": lambda b: b.one_hot(b.tensor([1.0, 2.0])),
    "onehot neg": lambda b: b.one_hot(b.tensor([1, -2])),
    "onehot big": lambda b: b.one_hot(b.tensor([1, 5]), 3),
    "onehot int32": lambda b: b.one_hot(b.tensor([1, 2], dtype=b.int32)),
    "onehot empty": lambda b: b.one_hot(b.zeros(0, dtype=b.int64)),
    "dropout p bad": lambda b: b.dropout(b.randn(4, 5), 1.5),
    "dropout int": lambda b: b.dropout(b.ones(3, dtype=b.int64), 0.5),
    "pad odd": lambda b: b.pad(b.randn(4, 5), (1,)),
    "pad too many": lambda b: b.pad(b.randn(4, 5), (1, 1, 1, 1, 1, 1)),
    "pad reflect too big": lambda b: b.pad(b.randn(1, 3, 4), (4, 4), mode="reflect"),
    "pad reflect 4d 2": lambda b: b.pad(b.randn(1, 1, 3, 4), (1, 1), mode="reflect"),
    "pad mode bad": lambda b: b.pad(b.randn(4, 5), (1, 1), mode="foo"),
    "pad crop neg size": lambda b: b.pad(b.randn(4, 5), (-3, -3)),
    "interp no size": lambda b: b.interpolate(b.randn(1, 1, 4, 4)),
    "interp both": lambda b: b.interpolate(b.randn(1, 1, 4, 4), size=2, scale_factor=2),
    "interp bilinear 3d": lambda b: b.interpolate(b.randn(1, 1, 4), size=2, mode="bilinear"),
    "interp align nearest": lambda b: b.interpolate(
        b.randn(1, 1, 4, 4), size=2, align_corners=True
    ),
    "sdpa bad": lambda b: b.scaled_dot_product_attention(
        b.randn(2, 3, 4), b.randn(2, 5, 3), b.randn(2, 5, 4)
    ),
    "sdpa dtype": lambda b: b.scaled_dot_product_attention(
        b.randn(2, 3, 4), b.randn(2, 5, 4, dtype=b.float64), b.randn(2, 5, 4)
    ),
    "sdpa 1d": lambda b: b.scaled_dot_product_attention(b.randn(4), b.randn(4), b.randn(4)),
    "sdpa mask+causal": lambda b: b.scaled_dot_product_attention(
        b.randn(2, 3, 4),
        b.randn(2, 3, 4),
        b.randn(2, 3, 4),
        attn_mask=b.ones(3, 3, dtype=b.bool),
        is_causal=True,
    ),
    "mse shape": lambda b: b.mse_loss(b.randn(3), b.randn(4)),
    "mse dtype": lambda b: b.mse_loss(b.randn(3), b.randn(3, dtype=b.float64)),
    "mse int": lambda b: b.mse_loss(b.ones(3, dtype=b.int64), b.ones(3, dtype=b.int64)),
    "l1 int": lambda b: b.l1_loss(b.ones(3, dtype=b.int64), b.ones(3, dtype=b.int64)),
    "sl1 beta neg": lambda b: b.smooth_l1_loss(b.randn(3), b.randn(3), beta=-1.0),
    "huber delta 0": lambda b: b.huber_loss(b.randn(3), b.randn(3), delta=0.0),
    "bcel shape": lambda b: b.binary_cross_entropy_with_logits(b.randn(3), b.randn(4)),
    "bcel pw grad": lambda b: b.binary_cross_entropy_with_logits(
        b.randn(3), b.rand(3), pos_weight=b.ones(3, requires_grad=True)
    ).backward(),
    "bcel w grad": lambda b: b.binary_cross_entropy_with_logits(
        b.randn(3), b.rand(3), weight=b.ones(3, requires_grad=True)
    ).backward(),
    "bcel dtype": lambda b: b.binary_cross_entropy_with_logits(
        b.randn(3), b.rand(3, dtype=b.float64)
    ),
    "kl shape": lambda b: b.kl_div(b.randn(3), b.rand(4)),
    "reduction bad": lambda b: b.l1_loss(b.randn(3), b.rand(3), reduction="avg"),
    "mse w bad": lambda b: b.mse_loss(b.randn(3), b.rand(3), weight=b.ones(4)),
    "nll w grad": lambda b: b.nll_loss(
        b.randn(4, 5), b.tensor([0, 1, 2, 3]), weight=b.ones(5, requires_grad=True)
    ).backward(),
}


def _kind(backend, build):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            build(backend)
        except Exception as exc:  # noqa: BLE001 - the kind is what is compared
            return type(exc)
    return None


@pytest.fixture(scope="module")
def reference():
    return load_or_skip("torch")


@pytest.mark.parametrize("backend_name", ["numpy", "strict"])
@pytest.mark.parametrize("case", list(CASES))
def test_refuses_what_pytorch_refuses_with_its_kind(backend_name, case, reference):
    backend = load_or_skip(backend_name)
    want = _kind(reference, CASES[case])
    got = _kind(backend, CASES[case])
    assert got is want, f"{case}: {backend_name} raises {got}, torch raises {want}"


@pytest.mark.parametrize("backend_name", ["numpy", "strict"])
def test_uint8_class_indices_work_everywhere(backend_name, reference):
    B, T = load_or_skip(backend_name), reference
    x = [[1.0, 2.0, 3.0], [0.0, 1.0, -1.0]]
    for fn in (
        lambda L, t: L.cross_entropy(L.tensor(x), t, label_smoothing=0.1),
        lambda L, t: L.nll_loss(L.tensor(x), t, ignore_index=2),
        lambda L, t: L.cross_entropy(L.tensor(x), t),
    ):
        got = fn(B, B.tensor([0, 2]).to(B.uint8)).item()
        want = fn(T, T.tensor([0, 2]).to(T.uint8)).item()
        assert got == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("backend_name", ["numpy", "strict"])
def test_functional_dropout_follows_the_backends_seed(backend_name):
    B = load_or_skip(backend_name)
    x = B.ones(4, 50, requires_grad=True)
    B.manual_seed(7)
    first = B.dropout(x, 0.5)
    B.manual_seed(7)
    again = B.dropout(x, 0.5)
    assert first.grad_fn.name() == "MulBackward0"  # as PyTorch records it
    np.testing.assert_array_equal(B.to_numpy(first.detach()), B.to_numpy(again.detach()))
    assert set(np.unique(B.to_numpy(first.detach()))) <= {0.0, 2.0}
    assert B.dropout(x, 0.5, training=False) is x and B.dropout(x, 0.0) is x
    y = B.ones(3, 3)
    B.dropout(y, 1.0, inplace=True)  # in place: the tensor itself is zeroed
    assert B.to_numpy(y).tolist() == [[0.0] * 3] * 3


@pytest.mark.parametrize("backend_name", ["numpy", "strict"])
def test_one_hot_and_max_pool_indices(backend_name, reference):
    B, T = load_or_skip(backend_name), reference
    got = B.one_hot(B.tensor([[0, 3], [1, 1]]))
    assert (
        got.dtype == B.int64
        and B.to_numpy(got).tolist() == T.nn.functional.one_hot(T.tensor([[0, 3], [1, 1]])).tolist()
    )
    x = np.random.default_rng(0).normal(size=(1, 2, 5, 5)).astype(np.float32)
    out, idx = B.max_pool2d(B.tensor(x), 3, stride=2, padding=1, return_indices=True)
    ref_out, ref_idx = T.nn.functional.max_pool2d(
        T.tensor(x), 3, stride=2, padding=1, return_indices=True
    )
    assert B.to_numpy(idx).tolist() == ref_idx.tolist()
    np.testing.assert_allclose(B.to_numpy(out), ref_out.numpy())


SPEC_CE_REFUSALS = {
    "batch mismatch": (lambda B: B.tensor([0, 1, 2]), {}, ValueError),
    "float target of a vector's shape": (lambda B: B.tensor([0.0, 1, 2, 3]), {}, RuntimeError),
    "out of range": (lambda B: B.tensor([0, 1, 2, 5]), {}, IndexError),
    "negative": (lambda B: B.tensor([0, -3, 1, 2]), {}, IndexError),
    "reduction": (lambda B: B.tensor([0, 1, 2, 3]), {"reduction": "avg"}, ValueError),
}


@pytest.mark.parametrize("case", sorted(SPEC_CE_REFUSALS))
def test_spec_cross_entropy_words_a_refusal_alike_on_every_backend(case):
    """gradspec.nn.functional.cross_entropy runs the backend's own op first; when that refuses,
    the spec's checks word the error, so the error kind and message do not depend on the
    backend (torch's own words differ)."""
    from gradspec.nn import functional as F

    make_target, options, kind = SPEC_CE_REFUSALS[case]
    messages = {}
    for name in ("numpy", "strict", "torch"):
        B = load_or_skip(name)
        with pytest.raises(kind) as caught:
            F.cross_entropy(B.randn(4, 5), make_target(B), **options)
        messages[name] = str(caught.value)
    assert len(set(messages.values())) == 1, messages
    assert "cross_entropy" in messages["numpy"] or "reduction" in messages["numpy"]


@pytest.mark.parametrize("loss", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_losses_take_integer_targets_as_pytorch(loss):
    """An integer target (class labels used as regression targets) is promoted to the input's
    dtype, as PyTorch promotes it; two integer tensors are still refused."""
    torch = pytest.importorskip("torch")
    results = []
    for lib in (load_or_skip("numpy"), load_or_skip("strict"), torch):
        x = lib.tensor([0.5, 1.5, 2.0], requires_grad=True)
        out = getattr(lib.nn.functional, loss)(x, lib.tensor([0, 1, 3]))
        if loss != "huber_loss":  # (torch 2.13's own huber backward fails on an int target)
            out.backward()
        results.append((round(out.item(), 6), str(out.dtype),
                        None if x.grad is None else [round(v, 6) for v in x.grad.tolist()]))
        with pytest.raises((NotImplementedError, RuntimeError)):
            getattr(lib.nn.functional, loss)(lib.tensor([1, 2]), lib.tensor([0, 1]))
    assert results[0] == results[2] and results[1] == results[2]
