"""The op cases of the neural-network functions and losses (convolution, pooling,
normalization, embedding, dropout, padding, resizing, attention, losses), added to the op
catalogue of `gradspec.conformance.opcases` through its helpers (``case``, ``linear``, ``X``,
``K``), so they are checked as every op is: first and second order against finite
differences (OPS-1, OPS-2) and values and gradients against PyTorch (OPS-3).

Inputs are tiny (a convolution's input is 1 x 2 x 4 x 4): finite differences cost one forward
per input element and direction.  Max pooling samples distinct values (no ties), the losses
with a kink sample differences on one side of it.  Dropout's masks come from each backend's
own generator, so its stochastic cases seed the backend first (reproducible on each backend,
hence finite differences work) and are left out of the comparison with PyTorch
(``torch_reference=False``).
"""

from __future__ import annotations

import warnings
from typing import Any, Callable

#: The registry names of the engine's nn ops (joined into `opcases.REGISTRY_OPS`).
REGISTRY_OPS = frozenset({
    "convolution", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "layer_norm",
    "batch_norm", "group_norm", "embedding", "dropout", "pad", "interpolate",
    "scaled_dot_product_attention", "nll_loss", "binary_cross_entropy_with_logits", "mse_loss",
    "smooth_l1_loss", "huber_loss",
})


def add_cases(case: Callable[..., None], linear: Callable[..., None], X: Callable[..., Any],
              K: Callable[..., Any]) -> None:
    """Add every nn case with `opcases`' ``case`` and ``linear`` (inputs from ``X``/``K``)."""
    _convolution(case, linear, X, K)
    _pooling(case, linear, X, K)
    _normalization(case, linear, X, K)
    _embedding_dropout(case, linear, X, K)
    _padding_resizing(case, linear, X, K)
    _attention(case, linear, X, K)
    _losses(case, linear, X, K)


def _convolution(case: Any, linear: Any, X: Any, K: Any) -> None:
    op = "convolution"
    case(f"{op}-conv2d", op, lambda B, x, w, b: B.conv2d(x, w, b),
         (X(1, 2, 4, 4), X(2, 2, 2, 2), X(2)), "conv2d")
    case(f"{op}-conv2d-stride-padding-dilation", op,
         lambda B, x, w: B.conv2d(x, w, stride=2, padding=1, dilation=2),
         (X(1, 1, 5, 5), X(1, 1, 2, 2)), "conv2d")
    case(f"{op}-conv2d-groups", op, lambda B, x, w, b: B.conv2d(x, w, b, padding=(1, 0), groups=2),
         (X(1, 4, 2, 3), X(2, 2, 2, 2), X(2)), "conv2d")
    case(f"{op}-conv2d-same", op, _same_padding, (X(1, 1, 4, 3), X(1, 1, 2, 3)), "conv2d")
    case(f"{op}-conv2d-unbatched", op, lambda B, x, w: B.conv2d(x, w, stride=(1, 2)),
         (X(2, 3, 4), X(2, 2, 2, 2)), "conv2d")
    linear(f"{op}-conv2d-const-weight", op, lambda B, x, w: B.conv2d(x, w, padding=1),
           (X(1, 2, 3, 3), K(2, 2, 2, 2)), "conv2d")
    case(f"{op}-conv1d", op, lambda B, x, w, b: B.conv1d(x, w, b, stride=2, padding=1),
         (X(2, 2, 5), X(3, 2, 2), X(3)), "conv1d")
    case(f"{op}-conv_transpose2d", op,
         lambda B, x, w, b: B.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
         (X(1, 2, 3, 3), X(2, 1, 2, 2), X(1)), "conv_transpose2d")
    case(f"{op}-conv_transpose1d-groups-dilation", op,
         lambda B, x, w: B.conv_transpose1d(x, w, groups=2, dilation=2),
         (X(1, 2, 3), X(2, 1, 2)), "conv_transpose1d")
    case(f"{op}-conv3d", op, lambda B, x, w, b: B.conv3d(x, w, b, stride=(1, 2, 1), padding=1),
         (X(1, 2, 3, 4, 2), X(2, 2, 2, 2, 2), X(2)), "conv3d")
    case(f"{op}-conv_transpose3d", op,
         lambda B, x, w: B.conv_transpose3d(x, w, stride=2, output_padding=(1, 0, 0)),
         (X(1, 2, 2, 2, 1), X(2, 1, 2, 1, 2)), "conv_transpose3d")


def _same_padding(B: Any, x: Any, w: Any) -> Any:
    # an even kernel: 'same' pads one more after than before (PyTorch warns that it copies)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Using padding='same'")
        return B.conv2d(x, w, padding="same")


def _pooling(case: Any, linear: Any, X: Any, K: Any) -> None:
    distinct = dict(distinct=True)
    linear("max_pool2d-2x2", "max_pool2d", lambda B, x: B.max_pool2d(x, 2),
           X(1, 2, 4, 4, **distinct), "max_pool2d")
    linear("max_pool2d-stride-padding-ceil", "max_pool2d",
           lambda B, x: B.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True),
           X(1, 1, 5, 6, **distinct), "max_pool2d")
    linear("max_pool2d-dilation-unbatched", "max_pool2d",
           lambda B, x: B.max_pool2d(x, (2, 1), stride=1, dilation=(2, 1)),
           X(1, 4, 3, **distinct), "max_pool2d", sq=False)
    linear("avg_pool2d-2x2", "avg_pool2d", lambda B, x: B.avg_pool2d(x, 2), X(1, 2, 4, 4),
           "avg_pool2d")
    linear("avg_pool2d-padding-ceil-exclude-pad", "avg_pool2d",
           lambda B, x: B.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True,
                                     count_include_pad=False), X(1, 1, 5, 6), "avg_pool2d")
    linear("avg_pool2d-divisor-override", "avg_pool2d",
           lambda B, x: B.avg_pool2d(x, (2, 3), stride=1, divisor_override=4), X(1, 1, 3, 4),
           "avg_pool2d", sq=False)
    linear("adaptive_avg_pool2d-3x2", "adaptive_avg_pool2d",
           lambda B, x: B.adaptive_avg_pool2d(x, (3, 2)), X(1, 2, 5, 3), "adaptive_avg_pool2d")
    # (the 2-d ops' nodes pool three dims too)
    linear("max_pool2d-3d-stride-padding", "max_pool2d",
           lambda B, x: B.max_pool3d(x, 2, stride=(1, 2, 1), padding=(1, 0, 1)),
           X(1, 1, 3, 4, 3, **distinct), "max_pool3d")
    linear("avg_pool2d-3d-ceil-exclude-pad", "avg_pool2d",
           lambda B, x: B.avg_pool3d(x, 2, stride=2, padding=1, ceil_mode=True,
                                     count_include_pad=False), X(1, 2, 3, 3, 2), "avg_pool3d")
    linear("adaptive_avg_pool2d-3d-2x1x3", "adaptive_avg_pool2d",
           lambda B, x: B.adaptive_avg_pool3d(x, (2, 1, 3)), X(1, 1, 3, 2, 4),
           "adaptive_avg_pool3d")


def _normalization(case: Any, linear: Any, X: Any, K: Any) -> None:
    case("layer_norm-affine", "layer_norm", lambda B, x, w, b: B.layer_norm(x, (3,), w, b),
         (X(2, 3), X(3), X(3)), "layer_norm")
    case("layer_norm-two-dims", "layer_norm", lambda B, x: B.layer_norm(x, (2, 3), eps=1e-3),
         X(2, 2, 3), "layer_norm")
    case("batch_norm-training", "batch_norm",
         lambda B, x, w, b: B.batch_norm(x, None, None, w, b, training=True),
         (X(4, 2), X(2), X(2)), "batch_norm")
    case("batch_norm-training-running-stats-4d", "batch_norm",
         lambda B, x: B.batch_norm(x, B.zeros(2, dtype=B.float64), B.ones(2, dtype=B.float64),
                                   training=True, momentum=0.3),
         X(2, 2, 2, 2), ("batch_norm", "zeros", "ones"))
    case("batch_norm-eval", "batch_norm",
         lambda B, x, w, m, v: B.batch_norm(x, m, v, w, training=False),
         (X(3, 2), X(2), K(2), K(2, low=0.5, high=2.0)), "batch_norm")
    linear("batch_norm-eval-const-weight", "batch_norm",
           lambda B, x, m, v: B.batch_norm(x, m, v), (X(3, 2, 2), K(2), K(2, low=0.5, high=2.0)),
           "batch_norm")
    case("group_norm-affine", "group_norm", lambda B, x, w, b: B.group_norm(x, 2, w, b),
         (X(2, 4, 2), X(4), X(4)), "group_norm")


def _seeded_dropout(B: Any, x: Any) -> Any:
    B.manual_seed(3)
    return B.dropout(x, 0.5)


def _embedding_dropout(case: Any, linear: Any, X: Any, K: Any) -> None:
    rows = [[0, 2], [3, 2]]
    linear("embedding-rows", "embedding", lambda B, w: B.embedding(B.tensor(rows), w), X(4, 3),
           "embedding")
    # (padding_idx and scale_grad_by_freq change the gradient on purpose, away from the
    # derivative: tests/test_nn_functional.py compares them with PyTorch's instead)
    linear("embedding-3d-indices", "embedding",
           lambda B, w: B.embedding(B.tensor([[[1], [1]], [[0], [3]]]), w), X(4, 2), "embedding",
           sq=False)
    linear("dropout-all", "dropout", lambda B, x: B.dropout(x, 1.0), X(2, 3), "dropout",
           sq=False)
    linear("dropout-seeded", "dropout", _seeded_dropout, X(3, 4), ("manual_seed", "dropout"),
           torch_reference=False)


def _padding_resizing(case: Any, linear: Any, X: Any, K: Any) -> None:
    linear("pad-constant", "pad", lambda B, x: B.pad(x, (1, 2, 0, 1), value=0.5), X(2, 3), "pad")
    linear("pad-constant-crop", "pad", lambda B, x: B.pad(x, (-1, 1)), X(2, 3), "pad", sq=False)
    linear("pad-reflect-2d", "pad", lambda B, x: B.pad(x, (2, 1, 1, 2), mode="reflect"),
           X(1, 1, 3, 4), "pad")
    linear("pad-replicate-1d", "pad", lambda B, x: B.pad(x, (2, 3), mode="replicate"),
           X(1, 2, 3), "pad", sq=False)
    linear("pad-circular", "pad", lambda B, x: B.pad(x, (1, 2, 2, 1), mode="circular"),
           X(1, 1, 3, 3), "pad", sq=False)
    linear("interpolate-nearest-scale", "interpolate",
           lambda B, x: B.interpolate(x, scale_factor=2), X(1, 1, 2, 3), "interpolate")
    linear("interpolate-nearest-size", "interpolate", lambda B, x: B.interpolate(x, size=(3, 5)),
           X(1, 2, 2, 3), "interpolate", sq=False)
    linear("interpolate-bilinear", "interpolate",
           lambda B, x: B.interpolate(x, size=(4, 5), mode="bilinear"), X(1, 1, 3, 3),
           "interpolate")
    linear("interpolate-bilinear-align-corners", "interpolate",
           lambda B, x: B.interpolate(x, size=(2, 5), mode="bilinear", align_corners=True),
           X(1, 1, 3, 3), "interpolate", sq=False)
    linear("interpolate-linear-1d", "interpolate",
           lambda B, x: B.interpolate(x, scale_factor=1.5, mode="linear"), X(1, 2, 4),
           "interpolate", sq=False)
    linear("interpolate-trilinear", "interpolate",
           lambda B, x: B.interpolate(x, size=(3, 3, 4), mode="trilinear"), X(1, 1, 2, 2, 3),
           "interpolate", sq=False)
    linear("interpolate-trilinear-align-corners", "interpolate",
           lambda B, x: B.interpolate(x, scale_factor=(1, 1.5, 2), mode="trilinear",
                                      align_corners=True), X(2, 1, 2, 2, 2), "interpolate",
           sq=False)
    linear("interpolate-nearest-3d", "interpolate",
           lambda B, x: B.interpolate(x, size=(3, 1, 4)), X(1, 2, 2, 2, 3), "interpolate",
           sq=False)


def _attention(case: Any, linear: Any, X: Any, K: Any) -> None:
    op, fn = "scaled_dot_product_attention", "scaled_dot_product_attention"
    case(f"{op}-plain", op, lambda B, q, k, v: B.scaled_dot_product_attention(q, k, v),
         (X(1, 2, 3), X(1, 4, 3), X(1, 4, 2)), fn)
    case(f"{op}-causal-scale", op,
         lambda B, q, k, v: B.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.7),
         (X(2, 3, 2), X(2, 3, 2), X(2, 3, 2)), fn)
    # (3-D: on 4-D inputs PyTorch's CPU kernel has no second derivative)
    case(f"{op}-bool-mask", op,
         lambda B, q, k, v: B.scaled_dot_product_attention(
             q, k, v, attn_mask=B.tensor([[True, False, True], [False, True, True]])),
         (X(2, 2, 2), X(2, 3, 2), X(2, 3, 2)), fn)
    case(f"{op}-float-mask", op,
         lambda B, q, k, v, m: B.scaled_dot_product_attention(q, k, v, attn_mask=m),
         (X(2, 3), X(3, 3), X(3, 2), X(2, 3)), fn)

    def seeded(B: Any, q: Any, k: Any, v: Any) -> Any:
        B.manual_seed(5)
        return B.scaled_dot_product_attention(q, k, v, dropout_p=0.4)

    case(f"{op}-dropout-seeded", op, seeded, (X(2, 3), X(4, 3), X(4, 2)),
         ("manual_seed", fn), torch_reference=False)


def _losses(case: Any, linear: Any, X: Any, K: Any) -> None:
    target = [0, 3, 1]
    NLL = "nll_loss"
    linear(f"{NLL}-mean", NLL, lambda B, x: B.nll_loss(x, B.tensor(target)), X(3, 4), NLL)
    linear(f"{NLL}-weight-ignore-index-sum", NLL,
           lambda B, x, w: B.nll_loss(x, B.tensor(target), w, ignore_index=1, reduction="sum"),
           (X(3, 4), K(4, low=0.5, high=1.5)), NLL, sq=False)
    linear(f"{NLL}-weight-mean", NLL, lambda B, x, w: B.nll_loss(x, B.tensor(target), w),
           (X(3, 4), K(4, low=0.5, high=1.5)), NLL)
    linear(f"{NLL}-none-kdim", NLL,
           lambda B, x: B.nll_loss(x, B.tensor([[0, 2], [1, 1]]), reduction="none"),
           X(2, 3, 2), NLL)
    linear(f"{NLL}-one-sample", NLL, lambda B, x: B.nll_loss(x, B.tensor(2)), X(4), NLL,
           sq=False)

    CE = "cross_entropy"
    case(f"{CE}-weight", CE, lambda B, x, w: B.cross_entropy(x, B.tensor(target), w),
         (X(3, 4), K(4, low=0.5, high=1.5)), CE)
    case(f"{CE}-ignore-index", CE,
         lambda B, x: B.cross_entropy(x, B.tensor([0, -100, 2]), reduction="sum"), X(3, 4), CE)
    case(f"{CE}-label-smoothing", CE,
         lambda B, x: B.cross_entropy(x, B.tensor(target), label_smoothing=0.2), X(3, 4), CE)
    case(f"{CE}-label-smoothing-weight-ignore-none", CE,
         lambda B, x, w: B.cross_entropy(x, B.tensor(target), w, ignore_index=3,
                                         reduction="none", label_smoothing=0.3),
         (X(3, 4), K(4, low=0.5, high=1.5)), CE)
    case(f"{CE}-kdim", CE, lambda B, x: B.cross_entropy(x, B.tensor([[0, 2], [1, 1]])),
         X(2, 3, 2), CE)
    case(f"{CE}-unbatched", CE, lambda B, x: B.cross_entropy(x, B.tensor(1)), X(3), CE)
    case(f"{CE}-probabilities-smoothing-weight", CE,
         lambda B, x, t, w: B.cross_entropy(x, t, w, label_smoothing=0.1),
         (X(3, 4), X(3, 4, low=0.05, high=1.0), K(4, low=0.5, high=1.5)), CE)
    case(f"{CE}-probabilities-kdim-none", CE,
         lambda B, x, t: B.cross_entropy(x, t, reduction="none"),
         (X(2, 3, 2), K(2, 3, 2, low=0.0, high=1.0)), CE)

    BCEL = "binary_cross_entropy_with_logits"
    case(f"{BCEL}-mean", BCEL, lambda B, x, y: B.binary_cross_entropy_with_logits(x, y),
         (X(2, 3, low=-4.0, high=4.0), X(2, 3, low=0.0, high=1.0)), BCEL)
    case(f"{BCEL}-pos-weight-weight-sum", BCEL,
         lambda B, x, y, w, pw: B.binary_cross_entropy_with_logits(x, y, w, reduction="sum",
                                                                  pos_weight=pw),
         (X(2, 3, low=-4.0, high=4.0), X(2, 3, low=0.0, high=1.0), K(2, 3, low=0.5, high=1.5),
          K(3, low=0.5, high=3.0)), BCEL)
    case(f"{BCEL}-pos-weight-none", BCEL,
         lambda B, x, y, pw: B.binary_cross_entropy_with_logits(x, y, reduction="none",
                                                               pos_weight=pw),
         (X(4, low=-4.0, high=4.0), X(4, low=0.0, high=1.0), K(4, low=0.5, high=3.0)), BCEL)

    MSE = "mse_loss"
    case(f"{MSE}-mean", MSE, lambda B, x, y: B.mse_loss(x, y), (X(2, 3), X(2, 3)), MSE)
    case(f"{MSE}-none", MSE, lambda B, x, y: B.mse_loss(x, y, reduction="none"),
         (X(3), X(3)), MSE)
    case(f"{MSE}-weight", MSE, lambda B, x, y, w: B.mse_loss(x, y, weight=w),
         (X(2, 3), K(2, 3), K(2, 3, low=0.5, high=1.5)), MSE)

    # (input, target) on either side of the kink at |d| = beta (or delta) = 0.5
    small = (X(2, 3, low=-0.2, high=0.2), X(2, 3, low=-0.1, high=0.1))
    large = (X(2, 3, low=1.0, high=2.0, signed=True), X(2, 3, low=-0.2, high=0.2))
    for op, fn, kw in (("smooth_l1_loss", lambda B: B.smooth_l1_loss, "beta"),
                       ("huber_loss", lambda B: B.huber_loss, "delta")):
        case(f"{op}-quadratic-part", op,
             lambda B, x, y, fn=fn, kw=kw: fn(B)(x, y, **{kw: 0.5}), small, op)
        linear(f"{op}-linear-part-sum", op,
               lambda B, x, y, fn=fn, kw=kw: fn(B)(x, y, reduction="sum", **{kw: 0.5}), large,
               op)

    # composed as PyTorch composes them: their cases sit under the op of their last node
    linear("abs-l1_loss-mean", "abs", lambda B, x, y: B.l1_loss(x, y),
           (X(2, 3, low=1.0, high=2.0, signed=True), X(2, 3, low=-0.2, high=0.2)), "l1_loss")
    linear("div-kl_div-batchmean", "div",
           lambda B, x, t: B.kl_div(x, t, reduction="batchmean"),
           (X(2, 3, low=-3.0, high=-0.1), K(2, 3, low=0.05, high=1.0)), "kl_div")
    case("sub-kl_div-log-target-none", "sub",
         lambda B, x, t: B.kl_div(x, t, reduction="none", log_target=True),
         (X(2, 3, low=-3.0, high=-0.1), X(2, 3, low=-3.0, high=-0.1)), "kl_div")
    case("sum-kl_div-target-gradient", "sum",
         lambda B, x, t: B.kl_div(x, t, reduction="sum"),
         (X(2, 3, low=-3.0, high=-0.1), X(2, 3, low=0.05, high=1.0)), "kl_div")
