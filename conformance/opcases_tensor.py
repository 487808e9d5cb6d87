"""Op cases of the torch-level ops of issue 12: linear algebra, reductions and scans,
elementwise functions and activations, shape and indexing.

Imported by `gradspec.conformance.opcases` (which owns the machinery: `case`, `linear`, the
input specs); the cases join its catalogue.  Each case names the registry op that computes
(or whose gradient is checked in) its result; ops PyTorch composes from others (einsum,
tensordot, outer, square, narrow, movedim...) name the op their result comes from.

Inputs stay tiny (finite differences cost two forwards per input element, second order two
backwards), and value domains keep away from each op's kinks, jumps and ties.
"""

from __future__ import annotations

from typing import Any

from .opcases import (
    AWAY_FROM_ZERO,
    BROADCAST_PAIRS,
    HIGH_GRID,
    LOW_GRID,
    NONZERO,
    POSITIVE,
    K,
    X,
    case,
    linear,
)

#: the registry ops these cases cover (joined into opcases.REGISTRY_OPS)
OPS = frozenset({
    "log1p", "expm1", "rsqrt", "reciprocal", "erf", "atan2", "floor", "ceil", "trunc", "round",
    "remainder", "fmod", "clamp_min", "clamp_max", "lerp",
    "softplus", "gelu", "leaky_relu", "elu", "silu", "mish", "hardtanh", "logsigmoid",
    "var", "std", "logsumexp", "amax", "amin", "prod", "median", "cumsum", "cumprod",
    "split", "repeat", "flip", "roll", "gather", "scatter_add", "scatter", "masked_fill",
    "baddbmm", "diagonal", "diag_embed", "trace", "tril", "triu", "vector_norm",
    "linalg_inv", "linalg_det", "linalg_slogdet", "linalg_solve", "linalg_cholesky",
    "linalg_qr", "linalg_eigh", "linalg_svd", "scatter_reduce",
})

SMALL = (2, 3)


def _fn(name: str, **kw: Any) -> Any:
    """``B.name(x, **kw)``."""
    return lambda B, x: getattr(B, name)(x, **kw)


def _method(name: str, *args: Any, **kw: Any) -> Any:
    """``x.name(*args, **kw)``."""
    return lambda B, x: getattr(x, name)(*args, **kw)


# ============================================================================== elementwise
SMOOTH = {
    "log1p": dict(low=-0.5, high=2.0),
    "expm1": {},
    "rsqrt": POSITIVE,
    "reciprocal": dict(low=0.5, high=2.0, signed=True),
    "erf": dict(low=-2.5, high=2.5),
}
for op, domain in SMOOTH.items():
    case(f"{op}-mat", op, _fn(op), X(*SMALL, **domain), op)
    case(f"{op}-method", op, _method(op), X(3, **domain), f"Tensor.{op}")
    case(f"{op}-scalar", op, _fn(op), X(**domain), op)
# erf's first approximation interval (|x| <= 0.47); tests/ check its values up to |x| = 6
case("erf-small", "erf", _fn("erf"), X(4, low=-0.45, high=0.45), "erf")
case("pow-square", "pow", _fn("square"), X(*SMALL), "square")
case("pow-square-method", "pow", _method("square"), X(3), "Tensor.square")

# atan2: away from the origin (its singularity) and the negative x axis (its jump)
ANGLE = dict(low=0.3, high=2.0, signed=True)
for pair in ("same", "col-row", "mat-row", "scalar-vec"):
    sa, sb = BROADCAST_PAIRS[pair]
    case(f"atan2-{pair}", "atan2", lambda B, a, b: B.atan2(a, b), (X(*sa, **ANGLE),
         X(*sb, low=0.3, high=2.0)), "atan2")
case("atan2-method", "atan2", lambda B, a, b: a.atan2(b), (X(3, **ANGLE), X(3, **ANGLE)),
     "Tensor.atan2")
case("atan2-const-operand", "atan2", lambda B, a, b: B.atan2(a, b), (X(3, **ANGLE), K(3, **ANGLE)),
     "atan2")

# rounding: gradient zero, kept in the graph; times x*x the second derivative is 2*round(x)
OFF_INTEGERS = dict(low=1.1, high=1.9)
ROUNDING = {"floor": OFF_INTEGERS, "ceil": OFF_INTEGERS, "trunc": OFF_INTEGERS,
            "round": dict(low=1.1, high=1.4)}
for op, domain in ROUNDING.items():
    linear(f"{op}-function", op, _fn(op), X(*SMALL, **domain), op, sq=False)
    linear(f"{op}-negative", op, _method(op), X(3, low=-1.9, high=-1.1), f"Tensor.{op}", sq=False)
    case(f"{op}-times-square", op, lambda B, x, op=op: getattr(x, op)() * x * x,
         X(3, **domain), (f"Tensor.{op}", "Tensor.__mul__"))
linear("round-decimals", "round", lambda B, x: x.round(decimals=1), X(4, low=0.12, high=0.14),
       "Tensor.round", sq=False)
case("round-decimals-times-square", "round", lambda B, x: x.round(decimals=1) * x * x,
     X(3, low=0.12, high=0.14), ("Tensor.round", "Tensor.__mul__"))

# remainder, fmod: the divisor's gradient is -floor(a/b) (-trunc(a/b)); inputs off the jumps
DIVIDEND = dict(low=0.2, high=3.0, signed=True)
DIVISOR = dict(low=0.7, high=1.9, signed=True)
for op in ("remainder", "fmod"):
    linear(f"{op}-number", op, lambda B, x, op=op: getattr(B, op)(x, 1.5),
           X(*SMALL, low=0.1, high=1.4), op)
    linear(f"{op}-negative-number", op, lambda B, x, op=op: getattr(x, op)(-1.5),
           X(3, low=-1.4, high=-0.1), f"Tensor.{op}", sq=False)
    linear(f"{op}-tensors", op, lambda B, a, b, op=op: getattr(B, op)(a, b),
           (X(*SMALL, **DIVIDEND), X(3, **DIVISOR)), op)
    linear(f"{op}-const-dividend", op, lambda B, a, b, op=op: getattr(B, op)(a, b),
           (K(2, 2, **DIVIDEND), X(2, **DIVISOR)), op, sq=False)
linear("remainder-operator", "remainder", lambda B, x: x % 2.0, X(3, low=0.1, high=1.9),
       "Tensor.__mod__", sq=False)

# clamp_min, clamp_max: off the bound (a number), or interleaved grids (a tensor bound)
for op in ("clamp_min", "clamp_max"):
    linear(f"{op}-number", op, lambda B, x, op=op: getattr(B, op)(x, 0.5),
           X(*SMALL, avoid=(0.5,)), op)
    linear(f"{op}-method", op, lambda B, x, op=op: getattr(x, op)(-0.5), X(4, avoid=(-0.5,)),
           f"Tensor.{op}", sq=False)
    linear(f"{op}-tensor-bound", op, lambda B, x, b, op=op: getattr(B, op)(x, b),
           (X(*SMALL, **LOW_GRID), X(3, **HIGH_GRID)), op)
    linear(f"{op}-const-bound", op, lambda B, x, b, op=op: getattr(x, op)(b),
           (X(*SMALL, **LOW_GRID), K(2, 1, **HIGH_GRID)), f"Tensor.{op}", sq=False)

# lerp: number weights on both sides of 0.5 (PyTorch's two formulas), tensor weights
for w in (0.25, 0.75):
    linear(f"lerp-weight-{int(w * 100)}", "lerp", lambda B, a, b, w=w: B.lerp(a, b, w),
           (X(*SMALL), X(3)), "lerp")
case("lerp-tensor-weight", "lerp", lambda B, a, b, w: B.lerp(a, b, w),
     (X(*SMALL), X(*SMALL), X(*SMALL, low=0.0, high=1.0)), "lerp")
case("lerp-weight-broadcast", "lerp", lambda B, a, b, w: a.lerp(b, w),
     (X(2, 1), X(3), X(2, 3, low=0.0, high=1.0)), "Tensor.lerp")
linear("lerp-const-weight", "lerp", lambda B, a, b, w: B.lerp(a, b, w),
       (X(3), X(3), K(3, low=0.0, high=1.0)), "lerp", sq=False)

# ============================================================================== activations
case("softplus-default", "softplus", _fn("softplus"), X(*SMALL, low=-3.0, high=3.0), "softplus")
case("softplus-beta-threshold", "softplus", _fn("softplus", beta=2.0, threshold=1.0),
     X(2, 4, avoid=(0.5,), margin=0.2), "softplus")
case("softplus-scalar", "softplus", _fn("softplus"), X(), "softplus")
for approximate in ("none", "tanh"):
    case(f"gelu-{approximate}", "gelu", _fn("gelu", approximate=approximate),
         X(*SMALL, low=-3.0, high=3.0), "gelu")
case("gelu-default", "gelu", _fn("gelu"), X(4), "gelu")
for slope in (0.01, 0.2):
    linear(f"leaky_relu-slope-{slope}".replace(".", "_"), "leaky_relu",
           _fn("leaky_relu", negative_slope=slope), X(*SMALL, avoid=(0.0,)), "leaky_relu")
# elu's second derivative jumps at 0: keep away from it
AWAY = dict(avoid=(0.0,), margin=0.2)
case("elu-default", "elu", _fn("elu"), X(*SMALL, **AWAY), "elu")
case("elu-alpha", "elu", _fn("elu", alpha=0.5), X(4, **AWAY), "elu")
case("elu-selu", "elu", _fn("selu"), X(*SMALL, **AWAY), "selu")
case("silu-mat", "silu", _fn("silu"), X(*SMALL, low=-3.0, high=3.0), "silu")
case("mish-mat", "mish", _fn("mish"), X(*SMALL, low=-3.0, high=3.0), "mish")
linear("hardtanh-default", "hardtanh", _fn("hardtanh"), X(*SMALL, avoid=(-1.0, 1.0)), "hardtanh")
linear("hardtanh-relu6", "hardtanh", _fn("hardtanh", min_val=0.0, max_val=6.0),
       X(2, 4, low=-2.0, high=8.0, avoid=(0.0, 6.0), margin=0.3), "hardtanh")
case("logsigmoid-mat", "logsigmoid", _fn("logsigmoid"), X(*SMALL, low=-4.0, high=4.0),
     "logsigmoid")
case("logsigmoid-scalar", "logsigmoid", _fn("logsigmoid"), X(), "logsigmoid")

# ============================================================================== reductions
for op in ("var", "std"):
    m = f"Tensor.{op}"
    case(f"{op}-full", op, _method(op), X(*SMALL), m)
    case(f"{op}-function", op, _fn(op), X(4), op)
    case(f"{op}-dim", op, _method(op, 1), X(*SMALL), m)
    case(f"{op}-dims-keepdim", op, _method(op, (0, 2), keepdim=True), X(2, 2, 2), m)
    case(f"{op}-correction-0", op, _method(op, 0, correction=0), X(3, 2), m)
    case(f"{op}-correction-2", op, _fn(op, dim=1, correction=2), X(2, 4), op)
    case(f"{op}-unbiased-false", op, _method(op, False), X(4), m)
    case(f"{op}-dim-unbiased-keepdim", op, _method(op, -1, True, True), X(*SMALL), m)
    case(f"{op}-axis-keepdims", op, _method(op, axis=0, keepdims=True), X(3, 2), m)

for dims, label in ((1, "dim"), ((0, 1), "dims"), (-1, "negative-dim")):
    case(f"logsumexp-{label}", "logsumexp", _fn("logsumexp", dim=dims), X(*SMALL), "logsumexp")
case("logsumexp-keepdim", "logsumexp", _method("logsumexp", 0, keepdim=True), X(*SMALL),
     "Tensor.logsumexp")
case("logsumexp-large-values", "logsumexp", _fn("logsumexp", dim=1),
     X(2, 3, low=300.0, high=302.0), "logsumexp", rtol=1e-4)
case("logsumexp-3d", "logsumexp", _method("logsumexp", 1), X(2, 3, 2), "Tensor.logsumexp")

for op in ("amax", "amin"):
    m = f"Tensor.{op}"
    linear(f"{op}-full", op, _method(op), X(*SMALL, distinct=True), m)
    linear(f"{op}-dim", op, _fn(op, dim=1), X(*SMALL, distinct=True), op)
    linear(f"{op}-dims-keepdim", op, _method(op, (0, 2), keepdim=True), X(2, 2, 2, distinct=True),
           m, sq=False)
    linear(f"{op}-axis", op, _method(op, axis=0), X(3, 2, distinct=True), m, sq=False)

# prod: no zeros (g * out / x), one zero, two zeros in a slice (products of the others)
case("prod-full", "prod", _method("prod"), X(*SMALL, low=0.5, high=1.5, signed=True),
     "Tensor.prod")
case("prod-dim", "prod", _fn("prod", dim=1), X(*SMALL, low=0.5, high=1.5, signed=True), "prod")
case("prod-keepdim", "prod", _method("prod", 0, keepdim=True), X(3, 2), "Tensor.prod")
case("prod-one-zero", "prod", _method("prod", 1), X(*SMALL, zeros=(1,)), "Tensor.prod")
case("prod-two-zeros", "prod", _method("prod", 1), X(*SMALL, zeros=(0, 2, 4)), "Tensor.prod")
case("prod-full-one-zero", "prod", _fn("prod"), X(*SMALL, zeros=(3,)), "prod")
case("prod-full-zeros", "prod", _fn("prod"), X(4, zeros=(0, 3)), "prod")
case("prod-vec", "prod", _method("prod"), X(4, low=0.5, high=1.5), "Tensor.prod")

linear("median-odd", "median", _method("median"), X(5, distinct=True), "Tensor.median")
linear("median-even", "median", _fn("median"), X(2, 2, distinct=True), "median")

# ============================================================================== scans
linear("cumsum-dim0", "cumsum", _fn("cumsum", dim=0), X(3, 2), "cumsum")
linear("cumsum-last", "cumsum", _method("cumsum", -1), X(2, 3), "Tensor.cumsum")
linear("cumsum-3d", "cumsum", _method("cumsum", 1), X(2, 3, 2), "Tensor.cumsum", sq=False)
linear("cumsum-scalar", "cumsum", _method("cumsum", 0), X(), "Tensor.cumsum", sq=False)
linear("cumsum-axis", "cumsum", _method("cumsum", axis=1), X(2, 2), "Tensor.cumsum", sq=False)

case("cumprod-dim1", "cumprod", _fn("cumprod", dim=1), X(2, 3, low=0.5, high=1.5, signed=True),
     "cumprod")
case("cumprod-dim0", "cumprod", _method("cumprod", 0), X(3, 2), "Tensor.cumprod")
case("cumprod-one-zero", "cumprod", _method("cumprod", 1), X(2, 4, zeros=(1,)),
     "Tensor.cumprod")
case("cumprod-zeros", "cumprod", _fn("cumprod", dim=1), X(2, 4, zeros=(0, 2, 7)), "cumprod")
case("cumprod-zero-dim0", "cumprod", _method("cumprod", 0), X(3, 2, zeros=(2,)),
     "Tensor.cumprod")

# ============================================================================== sorting
G = "gather"  # sort, topk, kthvalue and median(dim) pick their values with one gather node
linear("gather-sort", G, lambda B, x: x.sort().values, X(*SMALL, distinct=True), "Tensor.sort")
linear("gather-sort-descending-dim0", G, lambda B, x: B.sort(x, 0, descending=True)[0],
       X(3, 2, distinct=True), "sort")
linear("gather-topk", G, lambda B, x: x.topk(2).values, X(2, 4, distinct=True), "Tensor.topk")
linear("gather-topk-smallest-dim0", G, lambda B, x: B.topk(x, 2, dim=0, largest=False)[0],
       X(3, 2, distinct=True), "topk", sq=False)
linear("gather-kthvalue", G, lambda B, x: x.kthvalue(2, 1).values, X(*SMALL, distinct=True),
       "Tensor.kthvalue")
linear("gather-kthvalue-keepdim", G, lambda B, x: B.kthvalue(x, 1, 0, keepdim=True)[0],
       X(3, 2, distinct=True), "kthvalue", sq=False)
linear("gather-median-dim", G, lambda B, x: x.median(1).values, X(2, 4, distinct=True),
       "Tensor.median")
linear("gather-median-dim-keepdim", G, lambda B, x: x.median(0, keepdim=True).values,
       X(3, 2, distinct=True), "Tensor.median", sq=False)

# ============================================================================== shape
S = "split"
linear("split-size", S, lambda B, x: x.split(2)[1], X(4, 2), "Tensor.split")
linear("split-sizes-dim1", S, lambda B, x: B.split(x, [1, 2], dim=1)[1], X(2, 3), "split")
case("split-pieces-multiplied", S, lambda B, x: x.split(2)[0] * x.split(2)[1], X(4, 2),
     ("Tensor.split", "Tensor.__mul__"))
linear("split-chunk", S, lambda B, x: x.chunk(2, 1)[0], X(2, 4), "Tensor.chunk")
linear("split-chunk-uneven", S, lambda B, x: B.chunk(x, 3)[2], X(5), "chunk", sq=False)
linear("split-unbind", S, lambda B, x: x.unbind(1)[2], X(2, 3), "Tensor.unbind")
case("split-unbind-multiplied", S, lambda B, x: B.unbind(x)[0] * B.unbind(x)[1], X(2, 3),
     ("unbind", "Tensor.__mul__"))
linear("getitem-narrow", "getitem", lambda B, x: x.narrow(1, 1, 2), X(2, 4), "Tensor.narrow")
linear("getitem-narrow-function", "getitem", lambda B, x: B.narrow(x, 0, -2, 2), X(3, 2),
       "narrow", sq=False)

linear("repeat-rows", "repeat", lambda B, x: x.repeat(2, 1), X(*SMALL), "Tensor.repeat")
linear("repeat-new-dim", "repeat", lambda B, x: x.repeat(2, 1, 3), X(2, 2), "Tensor.repeat")
linear("repeat-tuple", "repeat", lambda B, x: x.repeat((1, 2)), X(2, 2), "Tensor.repeat",
       sq=False)
linear("repeat-tile", "repeat", lambda B, x: B.tile(x, (2,)), X(*SMALL), "tile")
linear("repeat-tile-method", "repeat", lambda B, x: x.tile((2, 1, 1)), X(2, 2), "Tensor.tile",
       sq=False)
linear("reshape-repeat_interleave", "reshape", lambda B, x: x.repeat_interleave(2), X(*SMALL),
       "Tensor.repeat_interleave")
linear("reshape-repeat_interleave-dim", "reshape",
       lambda B, x: B.repeat_interleave(x, 3, dim=1), X(2, 2), "repeat_interleave", sq=False)
linear("gather-repeat_interleave-counts", G,
       lambda B, x: x.repeat_interleave(B.tensor([1, 0, 2]), dim=0), X(3, 2),
       "Tensor.repeat_interleave")

linear("flip-dim0", "flip", lambda B, x: x.flip(0), X(*SMALL), "Tensor.flip")
linear("flip-dims", "flip", lambda B, x: B.flip(x, (0, 2)), X(2, 2, 2), "flip")
linear("flip-negative", "flip", lambda B, x: x.flip(-1), X(3), "Tensor.flip", sq=False)
linear("roll-flat", "roll", lambda B, x: x.roll(2), X(*SMALL), "Tensor.roll")
linear("roll-dim", "roll", lambda B, x: B.roll(x, -1, 1), X(*SMALL), "roll")
linear("roll-dims", "roll", lambda B, x: x.roll((1, 2), (0, 1)), X(*SMALL), "Tensor.roll",
       sq=False)
linear("permute-movedim", "permute", lambda B, x: x.movedim(0, 2), X(2, 3, 2), "Tensor.movedim")
linear("permute-movedim-tuple", "permute", lambda B, x: B.movedim(x, (0, 1), (2, 0)),
       X(2, 3, 2), "movedim", sq=False)
linear("permute-moveaxis", "permute", lambda B, x: B.moveaxis(x, -1, 0), X(*SMALL), "moveaxis",
       sq=False)
linear("permute-swapaxes", "permute", lambda B, x: x.swapaxes(0, 1), X(*SMALL),
       "Tensor.swapaxes")
linear("permute-swapdims", "permute", lambda B, x: B.swapdims(x, 0, 2), X(2, 3, 2), "swapdims",
       sq=False)

# ============================================================================== indexing
IDX = [[0, 2, 0], [1, 1, 2]]
linear("gather-dim1", G, lambda B, x: x.gather(1, B.tensor(IDX)), X(2, 3), "Tensor.gather")
linear("gather-dim0-smaller-index", G, lambda B, x: B.gather(x, 0, B.tensor([[2, 0]])), X(3, 3),
       "gather")
linear("gather-take_along_dim", G, lambda B, x: B.take_along_dim(x, B.tensor([[0], [2]]), 1),
       X(2, 3), "take_along_dim")
linear("gather-take_along_dim-flat", G, lambda B, x: x.take_along_dim(B.tensor([5, 0, 5])),
       X(2, 3), "Tensor.take_along_dim", sq=False)
linear("gather-take_along_dim-broadcast", G,
       lambda B, x: B.take_along_dim(x, B.tensor([[0], [2]]), 1), X(1, 3), "take_along_dim",
       sq=False)
linear("gather-index_select", G, lambda B, x: x.index_select(1, B.tensor([2, 0, 2])), X(2, 3),
       "Tensor.index_select")
linear("gather-index_select-dim0", G, lambda B, x: B.index_select(x, 0, B.tensor([1])), X(3, 2),
       "index_select", sq=False)
MASK = [[True, False, True], [False, False, True]]
linear("gather-masked_select", G, lambda B, x: x.masked_select(B.tensor(MASK)), X(2, 3),
       "Tensor.masked_select")
linear("gather-masked_select-broadcast", G,
       lambda B, x: B.masked_select(x, B.tensor([True, False, True])), X(2, 3), "masked_select",
       sq=False)

SIDX = [[0, 2], [1, 0]]  # distinct positions per row: scatter's writes do not collide
linear("scatter-tensor", "scatter",
       lambda B, x, s: x.scatter(1, B.tensor(SIDX), s), (X(2, 3), X(2, 2)), "Tensor.scatter")
linear("scatter-function-dim0", "scatter",
       lambda B, x, s: B.scatter(x, 0, B.tensor([[1, 0, 1], [0, 1, 0]]), s), (X(2, 3), X(2, 3)),
       "scatter")
linear("scatter-number", "scatter", lambda B, x: x.scatter(0, B.tensor([[1, 0, 1]]), 0.5),
       X(2, 3), "Tensor.scatter")
linear("scatter-const-src", "scatter", lambda B, x, s: x.scatter(1, B.tensor(SIDX), s),
       (X(2, 3), K(2, 2)), "Tensor.scatter", sq=False)
REPEATED = [[0, 0, 2], [1, 1, 1]]  # repeated positions accumulate
linear("scatter_add-repeated", "scatter_add",
       lambda B, x, s: x.scatter_add(1, B.tensor(REPEATED), s), (X(2, 3), X(2, 3)),
       "Tensor.scatter_add")
linear("scatter_add-function-dim0", "scatter_add",
       lambda B, x, s: B.scatter_add(x, 0, B.tensor([[1, 0]]), s), (X(2, 2), X(1, 2)),
       "scatter_add", sq=False)
linear("scatter_add-index_add", "scatter_add",
       lambda B, x, s: x.index_add(0, B.tensor([2, 0, 2]), s), (X(3, 2), X(3, 2)),
       "Tensor.index_add")
linear("scatter_add-index_add-alpha-dim1", "scatter_add",
       lambda B, x, s: B.index_add(x, 1, B.tensor([1]), s, alpha=2.0), (X(2, 2), X(2, 1)),
       "index_add", sq=False)
linear("masked_fill-number", "masked_fill", lambda B, x: x.masked_fill(B.tensor(MASK), 0.5),
       X(2, 3), "Tensor.masked_fill")
linear("masked_fill-broadcast-mask", "masked_fill",
       lambda B, x: B.masked_fill(x, B.tensor([True, False, True]), -1.0), X(2, 3),
       "masked_fill", sq=False)
linear("masked_fill-tensor-value", "masked_fill",
       lambda B, x, v: x.masked_fill(B.tensor(MASK), v), (X(2, 3), X()), "Tensor.masked_fill")

# ============================================================================== linear algebra
BA = "baddbmm"
case(f"{BA}-addmm", BA, lambda B, c, a, b: B.addmm(c, a, b), (X(2, 2), X(2, 3), X(3, 2)), "addmm")
case(f"{BA}-addmm-broadcast-scaled", BA,
     lambda B, c, a, b: c.addmm(a, b, beta=0.5, alpha=2.0), (X(2), X(3, 2), X(2, 2)),
     "Tensor.addmm")
case(f"{BA}-addmm-beta-zero", BA, lambda B, c, a, b: B.addmm(c, a, b, beta=0.0),
     (X(2, 2), X(2, 2), X(2, 2)), "addmm")
case(f"{BA}-baddbmm", BA, lambda B, c, a, b: B.baddbmm(c, a, b),
     (X(2, 2, 2), X(2, 2, 3), X(2, 3, 2)), "baddbmm")
case(f"{BA}-baddbmm-broadcast", BA, lambda B, c, a, b: c.baddbmm(a, b, alpha=-1.0),
     (X(1, 2), X(2, 1, 2), X(2, 2, 2)), "Tensor.baddbmm")
case("matmul-bmm", "matmul", lambda B, a, b: B.bmm(a, b), (X(2, 2, 3), X(2, 3, 2)), "bmm")
case("matmul-bmm-method", "matmul", lambda B, a, b: a.bmm(b), (X(2, 1, 2), X(2, 2, 2)),
     "Tensor.bmm")
case("mul-outer", "mul", lambda B, a, b: B.outer(a, b), (X(3), X(2)), "outer")
case("mul-outer-method", "mul", lambda B, a, b: a.outer(b), (X(2), X(2)), "Tensor.outer")
case("reshape-tensordot-2", "reshape", lambda B, a, b: B.tensordot(a, b),
     (X(2, 2, 2), X(2, 2, 2)), "tensordot")
case("reshape-tensordot-1", "reshape", lambda B, a, b: B.tensordot(a, b, dims=1),
     (X(2, 3), X(3, 2)), "tensordot")
case("reshape-tensordot-lists", "reshape", lambda B, a, b: B.tensordot(a, b, ([0, 2], [1, 0])),
     (X(2, 2, 3), X(3, 2)), "tensordot")
case("reshape-tensordot-0", "reshape", lambda B, a, b: B.tensordot(a, b, 0), (X(2), X(3)),
     "tensordot")

# einsum: named after the op its result comes from
E = "einsum"
case("reshape-einsum-matmul", "reshape", lambda B, a, b: B.einsum("ij,jk->ik", a, b),
     (X(2, 3), X(3, 2)), E)
case("reshape-einsum-batched", "reshape", lambda B, a, b: B.einsum("bij,bjk->bik", a, b),
     (X(2, 2, 3), X(2, 3, 2)), E)
case("reshape-einsum-ellipsis-broadcast", "reshape",
     lambda B, a, b: B.einsum("...ij,...jk->...ik", a, b), (X(2, 1, 2, 2), X(3, 2, 2)), E)
case("reshape-einsum-implicit", "reshape", lambda B, a, b: B.einsum("ij,jk", a, b),
     (X(2, 2), X(2, 3)), E)
case("reshape-einsum-list-operands", "reshape", lambda B, a, b: B.einsum("ij,kj->ik", [a, b]),
     (X(2, 3), X(2, 3)), E)
case("reshape-einsum-three-operands", "reshape",
     lambda B, a, b, c: B.einsum("ij,jk,kl->il", a, b, c), (X(2, 2), X(2, 3), X(3, 2)), E)
case("reshape-einsum-vector-dot", "reshape", lambda B, a, b: B.einsum("i,i->", a, b),
     (X(3), X(3)), E)
case("mul-einsum-hadamard", "mul", lambda B, a, b: B.einsum("ij,ij->ij", a, b),
     (X(2, 3), X(2, 3)), E)
case("mul-einsum-outer", "mul", lambda B, a, b: B.einsum("i,j->ij", a, b), (X(3), X(2)), E)
case("mul-einsum-size1-broadcast", "mul", lambda B, a, b: B.einsum("i,i->i", a, b),
     (X(3), X(1)), E)
case("mul-einsum-batch-diagonal", "mul", lambda B, a, b: B.einsum("bii,bi->bi", a, b),
     (X(2, 2, 2), X(2, 2)), E)
linear("sum-einsum-column-sums", "sum", lambda B, a: B.einsum("ij->j", a), X(2, 3), E)
linear("sum-einsum-trace", "sum", lambda B, a: B.einsum("ii", a), X(3, 3), E)
linear("permute-einsum-transpose", "permute", lambda B, a: B.einsum("ij->ji", a), X(2, 3), E)
linear("permute-einsum-ellipsis", "permute", lambda B, a: B.einsum("i...->...i", a), X(2, 3, 2),
       E, sq=False)
linear("diagonal-einsum", "diagonal", lambda B, a: B.einsum("ii->i", a), X(3, 3), E)
linear("reshape-einsum-const-operand", "reshape", lambda B, a, b: B.einsum("ij,j->i", a, b),
       (X(2, 3), K(3)), E)

linear("diagonal-main", "diagonal", lambda B, x: x.diagonal(), X(3, 3), "Tensor.diagonal")
linear("diagonal-offset", "diagonal", lambda B, x: B.diagonal(x, 1), X(2, 3), "diagonal")
linear("diagonal-negative-offset", "diagonal", lambda B, x: x.diagonal(-1), X(3, 2),
       "Tensor.diagonal", sq=False)
linear("diagonal-dims", "diagonal", lambda B, x: B.diagonal(x, 0, 0, 2), X(2, 3, 2), "diagonal")
linear("diagonal-diag-of-matrix", "diagonal", lambda B, x: B.diag(x), X(2, 3), "diag", sq=False)
linear("diag_embed-diag-of-vector", "diag_embed", lambda B, x: B.diag(x), X(3), "diag")
linear("diag_embed-diag-offset", "diag_embed", lambda B, x: x.diag(-1), X(2), "Tensor.diag")
linear("diag_embed-batched", "diag_embed", lambda B, x: B.diag_embed(x), X(2, 2), "diag_embed")
linear("diag_embed-dims-offset", "diag_embed", lambda B, x: x.diag_embed(1, 0, 2), X(2, 2),
       "Tensor.diag_embed", sq=False)
linear("trace-square", "trace", lambda B, x: x.trace(), X(3, 3), "Tensor.trace")
linear("trace-rectangular", "trace", lambda B, x: B.trace(x), X(2, 3), "trace")
linear("tril-main", "tril", lambda B, x: x.tril(), X(3, 3), "Tensor.tril")
linear("tril-offset-batched", "tril", lambda B, x: B.tril(x, -1), X(2, 3, 2), "tril", sq=False)
linear("triu-main", "triu", lambda B, x: B.triu(x), X(3, 3), "triu")
linear("triu-offset", "triu", lambda B, x: x.triu(1), X(2, 3), "Tensor.triu", sq=False)

# norms: away from zero (2-norm) and from ties (inf); p < 1 and p > 2 use different formulas
VN = "vector_norm"
LVN = "linalg.vector_norm"
ORDERS = ((2, "2", {}), (1, "1", NONZERO), (3, "3", NONZERO), (1.5, "1_5", NONZERO),
          (0.5, "0_5", NONZERO), (-1, "minus-1", NONZERO))
for order, label, domain in ORDERS:
    fn = lambda B, x, order=order: B.linalg.vector_norm(x, order)  # noqa: E731
    if order == 1:
        linear(f"{VN}-ord-{label}", VN, fn, X(*SMALL, **domain), LVN)
    else:
        case(f"{VN}-ord-{label}", VN, fn, X(*SMALL, **domain), LVN)
for order, label in ((float("inf"), "inf"), (float("-inf"), "minus-inf")):
    linear(f"{VN}-ord-{label}", VN, lambda B, x, order=order: B.linalg.vector_norm(x, order),
           X(*SMALL, low=0.2, high=2.0, distinct=True), LVN)
case(f"{VN}-dim-keepdim", VN, lambda B, x: B.linalg.vector_norm(x, dim=1, keepdim=True),
     X(*SMALL), LVN)
case(f"{VN}-dims-ord-3", VN, lambda B, x: B.linalg.vector_norm(x, 3, dim=(0, 2)),
     X(2, 2, 2, **AWAY_FROM_ZERO), LVN)
case(f"{VN}-norm-method", VN, lambda B, x: x.norm(), X(*SMALL), "Tensor.norm")
case(f"{VN}-norm-p-dim", VN, lambda B, x: B.norm(x, 3, 1), X(*SMALL, **NONZERO), "norm")
case(f"{VN}-norm-fro-dims", VN, lambda B, x: x.norm("fro", dim=(1, 2)), X(2, 2, 2),
     "Tensor.norm")
case(f"{VN}-linalg-norm-vector", VN, lambda B, x: B.linalg.norm(x), X(*SMALL), "linalg.norm")
case(f"{VN}-linalg-norm-fro", VN, lambda B, x: B.linalg.norm(x, "fro"), X(*SMALL),
     "linalg.norm")
case(f"{VN}-linalg-matrix_norm-fro", VN, lambda B, x: B.linalg.matrix_norm(x), X(2, 2, 2),
     "linalg.matrix_norm")
linear("amax-linalg-norm-inf", "amax", lambda B, x: B.linalg.norm(x, float("inf")),
       X(3, 3, low=0.2, high=2.0, signed=True), "linalg.norm")
linear("amax-linalg-norm-1", "amax", lambda B, x: B.linalg.norm(x, 1),
       X(3, 3, low=0.2, high=2.0, signed=True), "linalg.norm", sq=False)
linear("amin-linalg-matrix_norm-minus-inf", "amin",
       lambda B, x: B.linalg.matrix_norm(x, float("-inf")), X(3, 3, **NONZERO),
       "linalg.matrix_norm", sq=False)


# square matrices: a multiple of the identity keeps every input (and every finite-difference
# step) well conditioned; cholesky factors x x^T + 2I, symmetric positive-definite
WELL = ("eye", "Tensor.__mul__", "Tensor.__add__")
case("linalg_inv-matrix", "linalg_inv", lambda B, x: B.linalg.inv(x + B.eye(3) * 3), X(3, 3),
     ("linalg.inv", *WELL))
case("linalg_inv-batched", "linalg_inv", lambda B, x: B.linalg.inv(x + B.eye(2) * 3), X(2, 2, 2),
     ("linalg.inv", *WELL))
case("linalg_det-matrix", "linalg_det", lambda B, x: B.linalg.det(x + B.eye(3) * 2), X(3, 3),
     ("linalg.det", *WELL))
case("linalg_det-batched", "linalg_det", lambda B, x: B.linalg.det(x + B.eye(2) * 2), X(3, 2, 2),
     ("linalg.det", *WELL))
case("linalg_slogdet-positive", "linalg_slogdet",
     lambda B, x: B.linalg.slogdet(x + B.eye(3) * 2)[1], X(3, 3), ("linalg.slogdet", *WELL))
case("linalg_slogdet-negative", "linalg_slogdet",
     lambda B, x: B.linalg.slogdet(x + B.eye(3) * -2)[1], X(3, 3), ("linalg.slogdet", *WELL))
case("linalg_solve-matrix", "linalg_solve",
     lambda B, a, b: B.linalg.solve(a + B.eye(3) * 3, b), (X(3, 3), X(3, 2)),
     ("linalg.solve", *WELL))
case("linalg_solve-vector", "linalg_solve",
     lambda B, a, b: B.linalg.solve(a + B.eye(3) * 3, b), (X(3, 3), X(3)), ("linalg.solve", *WELL))
case("linalg_solve-broadcast-batch", "linalg_solve",
     lambda B, a, b: B.linalg.solve(a + B.eye(2) * 3, b), (X(2, 2, 2), X(2, 1)),
     ("linalg.solve", *WELL))
case("linalg_cholesky-spd", "linalg_cholesky",
     lambda B, x: B.linalg.cholesky(x @ x.mT + B.eye(3) * 2), X(3, 3),
     ("linalg.cholesky", "Tensor.__matmul__", "Tensor.mT", *WELL))


# decompositions: eigenvectors and singular vectors are unique up to sign (and LAPACK builds
# choose differently), so the cases read sign-free results (squares, or a sum of them
# weighted by the case's own weights); random matrices have distinct eigenvalues and
# singular values, which keeps the gaps the gradients divide by away from zero
def _symmetric(B: Any, x: Any) -> Any:
    return x + x.mT


case("linalg_eigh-values", "linalg_eigh", lambda B, x: B.linalg.eigvalsh(_symmetric(B, x)),
     X(3, 3), ("linalg.eigvalsh", "Tensor.mT", "Tensor.__add__"))
case("linalg_eigh-vectors", "linalg_eigh",
     lambda B, x: B.linalg.eigh(_symmetric(B, x)).eigenvectors ** 2, X(3, 3),
     ("linalg.eigh", "Tensor.mT", "Tensor.__add__", "Tensor.__pow__"))
case("linalg_eigh-batched-upper", "linalg_eigh",
     lambda B, x: B.linalg.eigh(_symmetric(B, x), UPLO="U")[1] ** 2
     * B.linalg.eigh(_symmetric(B, x), UPLO="U")[0].unsqueeze(-2), X(2, 3, 3),
     ("linalg.eigh", "Tensor.mT", "Tensor.__add__", "Tensor.__pow__", "Tensor.__mul__",
      "Tensor.unsqueeze"))
case("linalg_svd-values", "linalg_svd", lambda B, x: B.linalg.svdvals(x), X(4, 3),
     "linalg.svdvals")
def _squares(B: Any, *parts: Any) -> Any:
    """The squared elements of ``parts``, in one vector."""
    return B.cat([(p ** 2).flatten() for p in parts])


SQUARES = ("cat", "Tensor.__pow__", "Tensor.flatten")
for rows, cols in ((4, 3), (3, 4), (3, 3)):
    case(f"linalg_svd-reduced-{rows}x{cols}", "linalg_svd",
         lambda B, x: _squares(B, *B.linalg.svd(x, full_matrices=False)), X(rows, cols),
         ("linalg.svd", *SQUARES))
case("linalg_svd-full-batched", "linalg_svd",
     lambda B, x: _squares(B, B.linalg.svd(x).U[..., :2], B.linalg.svd(x).S), X(2, 4, 2),
     ("linalg.svd", "Tensor.__getitem__", *SQUARES))
for rows, cols in ((4, 3), (3, 4), (3, 3)):
    case(f"linalg_qr-{rows}x{cols}", "linalg_qr", lambda B, x: _squares(B, *B.linalg.qr(x)),
         X(rows, cols), ("linalg.qr", *SQUARES))
case("linalg_qr-batched-r", "linalg_qr", lambda B, x: B.linalg.qr(x)[1] ** 2, X(2, 3, 2),
     ("linalg.qr", "Tensor.__pow__"))


# scatter_reduce: positions 0 and 2 receive two values each, position 1 one, position 3 none;
# amax/amin are piecewise linear (distinct random values: no ties to split)
SCATTER_AT = ("Tensor.scatter_reduce",)


def _scatter_reduce(reduce: str, include_self: bool) -> Any:
    def fn(B: Any, x: Any, src: Any) -> Any:
        index = B.tensor([[0, 2], [2, 0], [1, 2]])
        return x.scatter_reduce(0, index, src, reduce, include_self=include_self)

    return fn


for _reduce in ("sum", "prod", "mean", "amax", "amin"):
    for _self in (True, False):
        maker = case if _reduce == "prod" else linear  # the others are (piecewise) linear
        maker(f"scatter_reduce-{_reduce}-{'self' if _self else 'no-self'}", "scatter_reduce",
              _scatter_reduce(_reduce, _self), (X(4, 2), X(3, 2)), SCATTER_AT)
linear("scatter_reduce-by-index_reduce-mean", "scatter_reduce",
     lambda B, x, src: x.index_reduce(0, B.tensor([0, 2, 0]), src, "mean"), (X(3, 2), X(3, 2)),
     "Tensor.index_reduce")
