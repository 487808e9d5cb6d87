"""The op catalogue: every op of the surface, where PyTorch keeps it, and who must provide it.

One entry per op, named as the backend object exposes it (``"add"``, ``"conv2d"``,
``"linalg.vector_norm"``: a dotted name lives in that sub-namespace of the backend).  An op is
*mandatory* (every backend provides it: the protocol's core, `gradspec.protocol.Backend`) or
*optional* (a backend may leave it out; the conformance suite then reports its cases
unsupported, never failed, and `gradspec.nn.functional` says which backend lacks which op).

The catalogue is the one list everything else reads: the torch adapter exposes exactly these
names from torch, gradspec's engine implements them all, the conformance suite's op cases name
them, and the docs' op page is generated from it.

>>> from gradspec import ops
>>> ops.BY_NAME["mul"].grad_fn, ops.BY_NAME["mul"].torch
('MulBackward0', 'torch.mul')
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BY_NAME", "CATALOGUE", "Op", "mandatory", "optional", "provided", "resolve"]


@dataclass(frozen=True)
class Op:
    """One op of the surface."""

    #: the name on the backend object (dotted: in a sub-namespace such as ``linalg``)
    name: str
    #: where PyTorch keeps it, e.g. ``"torch.nn.functional.conv2d"``
    torch: str
    #: the ``grad_fn`` name of its result in PyTorch, or ``""`` when the result has no gradient
    grad_fn: str
    #: one line: what it computes
    summary: str
    #: every backend must provide it (else a backend may leave it out)
    mandatory: bool = False
    #: also a ``Tensor`` method of the same name
    method: bool = True
    #: also in ``gradspec.nn.functional`` (PyTorch keeps it in ``torch.nn.functional``)
    functional: bool = False


def _ops(*entries: Op) -> tuple[Op, ...]:
    names = [e.name for e in entries]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"op catalogue lists {twice} more than once")
    return entries


def _m(name: str, grad_fn: str, summary: str, **kw: bool) -> Op:
    """A mandatory op kept at torch's top level."""
    return Op(name, f"torch.{name}", grad_fn, summary, mandatory=True, **kw)


def _o(name: str, grad_fn: str, summary: str, torch: str = "", **kw: bool) -> Op:
    """An optional op (at torch's top level unless ``torch`` says where)."""
    return Op(name, torch or f"torch.{name}", grad_fn, summary, **kw)


def _f(name: str, grad_fn: str, summary: str, **kw: bool) -> Op:
    """An optional op PyTorch keeps in ``torch.nn.functional`` (not a tensor method)."""
    kw.setdefault("method", False)
    return Op(name, f"torch.nn.functional.{name}", grad_fn, summary, functional=True, **kw)


CATALOGUE: tuple[Op, ...] = _ops(
    # -- arithmetic ---------------------------------------------------------------------------
    _m("add", "AddBackward0", "a + b, broadcasting"),
    _m("sub", "SubBackward0", "a - b, broadcasting"),
    _m("mul", "MulBackward0", "a * b, broadcasting"),
    _m("div", "DivBackward0", "a / b (true division), broadcasting"),
    _m("neg", "NegBackward0", "-a"),
    _m("pow", "PowBackward0", "a ** b (a tensor or number exponent)"),
    # -- elementwise functions ----------------------------------------------------------------
    _m("exp", "ExpBackward0", "e ** a"),
    _m("log", "LogBackward0", "natural logarithm"),
    _m("sqrt", "SqrtBackward0", "square root"),
    _m("abs", "AbsBackward0", "absolute value (gradient 0 at 0)"),
    _m("sigmoid", "SigmoidBackward0", "1 / (1 + exp(-a))"),
    _m("tanh", "TanhBackward0", "hyperbolic tangent"),
    _m("relu", "ReluBackward0", "max(a, 0) (gradient 0 at 0)"),
    _o("sign", "SignBackward0", "-1, 0 or 1 (gradient 0)"),
    _o("sin", "SinBackward0", "sine"),
    _o("cos", "CosBackward0", "cosine"),
    _o("clamp", "ClampBackward1", "a limited to [min, max] (gradient passes at the bounds)"),
    _o("clip", "ClampBackward1", "alias of clamp"),
    _o("maximum", "MaximumBackward0", "elementwise max (ties split the gradient)"),
    _o("minimum", "MinimumBackward0", "elementwise min (ties split the gradient)"),
    _m("where", "WhereBackward0", "pick from a where condition holds, else from b"),
    # -- reductions ---------------------------------------------------------------------------
    _m("sum", "SumBackward0", "sum of all elements, or over dims"),
    _m("mean", "MeanBackward0", "mean of all elements, or over dims"),
    _o("max", "MaxBackward1", "largest element, or (values, indices) over a dim"),
    _o("min", "MinBackward1", "smallest element, or (values, indices) over a dim"),
    _o("argmax", "", "index of the largest element"),
    _o("argmin", "", "index of the smallest element"),
    _o("softmax", "SoftmaxBackward0", "exp(a) normalised over a dim"),
    _o("log_softmax", "LogSoftmaxBackward0", "log of softmax, computed stably"),
    # -- linear algebra -----------------------------------------------------------------------
    _m("matmul", "MmBackward0", "matrix product with numpy's broadcasting rules"),
    _o("mm", "MmBackward0", "product of two matrices"),
    _o("mv", "MvBackward0", "matrix times vector"),
    _o("dot", "DotBackward0", "inner product of two vectors"),
    # -- shapes -------------------------------------------------------------------------------
    _m("cat", "CatBackward0", "join tensors along an existing dim", method=False),
    _m("stack", "StackBackward0", "join tensors along a new dim", method=False),
    _m("unsqueeze", "UnsqueezeBackward0", "insert a dim of size 1"),
    _m("squeeze", "SqueezeBackward0", "drop dims of size 1"),
    _o("reshape", "ViewBackward0", "the same elements in a new shape"),
    _o("flatten", "ViewBackward0", "dims start..end merged into one"),
    _o("transpose", "TransposeBackward0", "swap two dims"),
    _o("t", "TBackward0", "transpose of a matrix"),
    _o("permute", "PermuteBackward0", "reorder dims"),
    _o("expand", "ExpandBackward0", "broadcast to a larger shape without copying",
       torch="torch.Tensor.expand"),
    _o("broadcast_to", "ExpandBackward0", "broadcast to a shape"),
    _o("clone", "CloneBackward0", "a copy that stays in the graph"),
    # -- comparisons and tests (no gradient) ----------------------------------------------------
    _o("eq", "", "a == b"),
    _o("ne", "", "a != b"),
    _o("gt", "", "a > b"),
    _o("ge", "", "a >= b"),
    _o("lt", "", "a < b"),
    _o("le", "", "a <= b"),
    _o("logical_and", "", "elementwise and"),
    _o("logical_or", "", "elementwise or"),
    _o("logical_not", "", "elementwise not"),
    _o("bitwise_and", "", "bit by bit and of integers (logical on bools): a & b"),
    _o("bitwise_or", "", "bit by bit or of integers (logical on bools): a | b"),
    _o("bitwise_xor", "", "bit by bit exclusive or of integers (logical on bools): a ^ b"),
    _o("bitwise_not", "", "bit by bit not of integers (logical on bools): ~a"),
    _o("bitwise_left_shift", "", "integers shifted left: a << b"),
    _o("bitwise_right_shift", "", "integers shifted right: a >> b"),
    _o("isnan", "", "elementwise test for NaN"),
    _o("isinf", "", "elementwise test for infinity"),
    _o("isfinite", "", "elementwise test for finite values"),
    _o("any", "", "whether any element is true"),
    _o("all", "", "whether every element is true"),
    # -- ops (issue 12): linear algebra ------------------------------------------------------------
    _o("einsum", "ViewBackward0", "Einstein summation over subscripts, any number of operands, "
       "with '...' (composed of matmul, sum, permute, reshape, as PyTorch does)", method=False),
    _o("bmm", "BmmBackward0", "batched matrix product of (b, n, m) and (b, m, p) tensors"),
    _o("baddbmm", "BaddbmmBackward0", "beta * input + alpha * bmm(batch1, batch2)"),
    _o("addmm", "AddmmBackward0", "beta * input + alpha * (mat1 @ mat2)"),
    _o("outer", "MulBackward0", "outer product of two vectors"),
    _o("tensordot", "ViewBackward0", "sum of products over the given dims of two tensors",
       method=False),
    _o("diag", "DiagEmbedBackward0", "a vector's diagonal matrix, or a matrix's diagonal"),
    _o("diag_embed", "DiagEmbedBackward0", "matrices with the last dim on their diagonal"),
    _o("diagonal", "DiagonalBackward0", "a diagonal of the matrices spanned by two dims (a copy)"),
    _o("trace", "TraceBackward0", "sum of a matrix's main diagonal"),
    _o("tril", "TrilBackward0", "lower triangle of the last two dims"),
    _o("triu", "TriuBackward0", "upper triangle of the last two dims"),
    _o("linalg.vector_norm", "LinalgVectorNormBackward0", "vector norm of any order over dims",
       torch="torch.linalg.vector_norm", method=False),
    _o("linalg.matrix_norm", "LinalgVectorNormBackward0",
       "matrix norm: 'fro', 'nuc', 1, -1, 2, -2, inf, -inf",
       torch="torch.linalg.matrix_norm", method=False),
    _o("linalg.norm", "LinalgVectorNormBackward0", "vector or matrix norm, as torch.linalg.norm",
       torch="torch.linalg.norm", method=False),
    _o("linalg.inv", "LinalgInvExBackward0", "inverse of a square matrix (batched)",
       torch="torch.linalg.inv", method=False),
    _o("linalg.det", "LinalgDetBackward0", "determinant of a square matrix (batched)",
       torch="torch.linalg.det", method=False),
    _o("linalg.slogdet", "LinalgSlogdetBackward0",
       "sign and log of the absolute determinant (batched)", torch="torch.linalg.slogdet",
       method=False),
    _o("linalg.solve", "LinalgSolveExBackward0", "solution X of AX = B (batched, broadcasting)",
       torch="torch.linalg.solve", method=False),
    _o("linalg.cholesky", "LinalgCholeskyExBackward0",
       "Cholesky factor of a symmetric positive-definite matrix", torch="torch.linalg.cholesky",
       method=False),
    _o("linalg.qr", "LinalgQrBackward0", "QR decomposition (batched; modes reduced, complete, r)",
       torch="torch.linalg.qr", method=False),
    _o("linalg.eigh", "LinalgEighBackward0",
       "eigenvalues and eigenvectors of a symmetric matrix (batched)", torch="torch.linalg.eigh",
       method=False),
    _o("linalg.svd", "LinalgSvdBackward0", "singular value decomposition (batched)",
       torch="torch.linalg.svd", method=False),
    _o("norm", "LinalgVectorNormBackward0", "Frobenius norm, or a vector norm of order p over dims"),
    # -- ops (issue 12): reductions and scans -------------------------------------------------------
    _o("var", "VarBackward0", "variance over dims, divided by N - correction"),
    _o("std", "StdBackward0", "standard deviation over dims, divided by N - correction"),
    _o("unique", "", "the distinct elements, sorted (with inverse indices and counts)"),
    _o("prod", "ProdBackward0", "product of all elements, or over a dim (zeros handled)"),
    _o("logsumexp", "LogsumexpBackward0", "log(sum(exp(a))) over dims, computed stably"),
    _o("amax", "AmaxBackward0", "largest value over dims (ties share the gradient)"),
    _o("amin", "AminBackward0", "smallest value over dims (ties share the gradient)"),
    _o("cumsum", "CumsumBackward0", "running sums along a dim"),
    _o("cumprod", "CumprodBackward0", "running products along a dim (zeros handled)"),
    _o("topk", "TopkBackward0", "the k largest (or smallest) values along a dim, and indices"),
    _o("sort", "SortBackward0", "values sorted along a dim, and their indices"),
    _o("argsort", "", "indices that sort a dim"),
    _o("median", "MedianBackward0", "lower median of all elements, or (values, indices) over a dim"),
    _o("kthvalue", "KthvalueBackward0", "the k-th smallest value along a dim, and its index"),
    # -- ops (issue 12): elementwise ------------------------------------------------------------------
    _o("log1p", "Log1PBackward0", "log(1 + a), accurate near 0"),
    _o("expm1", "Expm1Backward0", "exp(a) - 1, accurate near 0"),
    _o("square", "PowBackward0", "a * a"),
    _o("rsqrt", "RsqrtBackward0", "1 / sqrt(a)"),
    _o("reciprocal", "ReciprocalBackward0", "1 / a"),
    _o("erf", "ErfBackward0", "the error function"),
    _o("atan2", "Atan2Backward0", "angle of the point (b, a), broadcasting"),
    _o("floor", "FloorBackward0", "round down (gradient 0)"),
    _o("ceil", "CeilBackward0", "round up (gradient 0)"),
    _o("round", "RoundBackward0", "round half to even, or to some decimals (gradient 0)"),
    _o("trunc", "TruncBackward0", "round toward zero (gradient 0)"),
    _o("remainder", "RemainderBackward0", "a mod b with the divisor's sign (Python's %)"),
    _o("fmod", "FmodBackward0", "a mod b with the dividend's sign (C's fmod)"),
    _o("clamp_min", "ClampMinBackward0", "max(a, min), min a number or a tensor"),
    _o("clamp_max", "ClampMaxBackward0", "min(a, max), max a number or a tensor"),
    _o("lerp", "LerpBackward0", "start + weight * (end - start)"),
    # -- ops (issue 12): shape and indexing --------------------------------------------------------
    _o("split", "SplitBackward0", "views of pieces of a given size (or sizes) along a dim"),
    _o("chunk", "SplitBackward0", "views of at most n equal pieces along a dim"),
    _o("unbind", "UnbindBackward0", "views of the slices along a dim, the dim removed"),
    _o("narrow", "SliceBackward0", "a view of length elements from start along a dim"),
    _o("repeat", "RepeatBackward0", "the tensor tiled along each dim", torch="torch.Tensor.repeat"),
    _o("tile", "RepeatBackward0", "the tensor tiled along each dim (fewer dims allowed)"),
    _o("repeat_interleave", "ViewBackward0", "each element repeated (a count or one per element)"),
    _o("flip", "FlipBackward0", "order reversed along dims (a copy)"),
    _o("roll", "RollBackward0", "elements shifted cyclically along dims"),
    _o("movedim", "PermuteBackward0", "dims moved to new positions (a view)"),
    _o("moveaxis", "PermuteBackward0", "alias of movedim"),
    _o("swapaxes", "TransposeBackward0", "swap two dims (a view)"),
    _o("swapdims", "TransposeBackward0", "alias of swapaxes"),
    _o("gather", "GatherBackward0", "elements picked along a dim by an index tensor"),
    _o("scatter", "ScatterBackward0", "values written along a dim at an index tensor's positions"),
    _o("scatter_add", "ScatterAddBackward0", "values added along a dim at an index tensor's "
       "positions (repeats accumulate)"),
    _o("scatter_reduce", "ScatterReduceBackward0", "values combined along a dim at an index "
       "tensor's positions by sum, prod, mean, amax or amin"),
    _o("index_reduce", "IndexReduceBackward0", "slices combined along a dim at a vector's "
       "positions by prod, mean, amax or amin"),
    _o("index_select", "IndexSelectBackward0", "slices along a dim at the positions of a vector"),
    _o("index_add", "IndexAddBackward0", "slices added along a dim at the positions of a vector"),
    _o("masked_fill", "MaskedFillBackward0", "a value where a boolean mask holds"),
    _o("masked_select", "MaskedSelectBackward0", "the elements where a boolean mask holds"),
    _o("take_along_dim", "GatherBackward0", "gather with broadcasting (or on flattened tensors)"),
    _o("nonzero", "", "indices of the nonzero elements"),
    # -- ops (issue 12): comparing values (no gradient) ----------------------------------------------
    _o("isclose", "", "elementwise |a - b| <= atol + rtol * |b|"),
    _o("allclose", "", "whether isclose holds everywhere (a Python bool)"),
    _o("equal", "", "same shape and values (a Python bool)"),
    # -- neural-network functions: layers ---------------------------------------------------------
    _f("linear", "AddmmBackward0", "input @ weight.T + bias"),
    _f("binary_cross_entropy", "BinaryCrossEntropyBackward0",
       "binary cross entropy on probabilities (logs clamped at -100)"),
    _f("cross_entropy", "NllLossBackward0",
       "cross entropy of scores against class indices or probabilities"),
    # -- neural-network functions: activations ----------------------------------------------------
    _f("softplus", "SoftplusBackward0", "log(1 + exp(beta * a)) / beta, linear above a threshold"),
    _f("gelu", "GeluBackward0", "a * Phi(a), Phi the normal CDF (or its tanh approximation)"),
    _f("leaky_relu", "LeakyReluBackward0", "a where positive, else negative_slope * a"),
    _f("elu", "EluBackward0", "a where positive, else alpha * (exp(a) - 1)"),
    _f("selu", "EluBackward0", "scaled elu with the self-normalising constants"),
    _f("silu", "SiluBackward0", "a * sigmoid(a)"),
    _f("mish", "MishBackward0", "a * tanh(softplus(a))"),
    _f("hardtanh", "HardtanhBackward0", "a clipped to [min_val, max_val]"),
    _f("logsigmoid", "LogSigmoidBackward0", "log(sigmoid(a)), computed stably"),
    # -- neural-network functions: convolution, pooling, normalization, embedding, dropout --------
    _f("conv1d", "ConvolutionBackward0",
       "1-D convolution (stride, padding, dilation, groups), by im2col"),
    _f("conv2d", "ConvolutionBackward0",
       "2-D convolution (stride, padding, dilation, groups), by im2col"),
    _f("conv3d", "ConvolutionBackward0",
       "3-D convolution (stride, padding, dilation, groups), by im2col"),
    _f("conv_transpose1d", "ConvolutionBackward0", "1-D transposed convolution (conv1d's adjoint)"),
    _f("conv_transpose2d", "ConvolutionBackward0", "2-D transposed convolution (conv2d's adjoint)"),
    _f("conv_transpose3d", "ConvolutionBackward0", "3-D transposed convolution (conv3d's adjoint)"),
    _f("max_pool2d", "MaxPool2DWithIndicesBackward0",
       "the largest element of each 2-D window (optionally with its position)"),
    _f("avg_pool2d", "AvgPool2DBackward0", "the mean of each 2-D window"),
    _f("adaptive_avg_pool2d", "AdaptiveAvgPool2DBackward0",
       "means over the windows that tile the input into a given size"),
    _f("max_pool3d", "MaxPool3DWithIndicesBackward0",
       "the largest element of each 3-D window (optionally with its position)"),
    _f("avg_pool3d", "AvgPool3DBackward0", "the mean of each 3-D window"),
    _f("adaptive_avg_pool3d", "AdaptiveAvgPool3DBackward0",
       "means over the 3-D windows that tile the input into a given size"),
    _f("layer_norm", "NativeLayerNormBackward0",
       "normalization over the trailing dims, then an elementwise affine map"),
    _f("batch_norm", "NativeBatchNormBackward0",
       "per-channel normalization by batch or running statistics"),
    _f("group_norm", "NativeGroupNormBackward0",
       "normalization over groups of channels, then a per-channel affine map"),
    _f("embedding", "EmbeddingBackward0", "rows of a weight matrix picked by integer indices"),
    _f("one_hot", "", "integer class indices as one-hot int64 vectors"),
    _f("dropout", "MulBackward0", "elements zeroed with probability p, the rest scaled (training)"),
    _f("pad", "ConstantPadNdBackward0",
       "padding by a constant, or by reflecting, replicating or wrapping the edges"),
    _f("interpolate", "UpsampleNearest2DBackward0",
       "resizing by nearest, nearest-exact, linear, bilinear or trilinear interpolation"),
    _f("scaled_dot_product_attention", "ScaledDotProductFlashAttentionForCpuBackward0",
       "softmax(q k^T scale + mask) v, with causal masks and dropout"),
    # -- neural-network functions: losses ---------------------------------------------------------
    _f("nll_loss", "NllLossBackward0",
       "negative log likelihood at class indices (weights, ignore_index)"),
    _f("binary_cross_entropy_with_logits", "BinaryCrossEntropyWithLogitsBackward0",
       "binary cross entropy of raw scores (weight, pos_weight)"),
    _f("mse_loss", "MseLossBackward0", "mean squared error"),
    _f("l1_loss", "MeanBackward0", "mean absolute error (sub, abs and a reduction)"),
    _f("smooth_l1_loss", "SmoothL1LossBackward0",
       "squared error below beta, absolute error above"),
    _f("huber_loss", "HuberLossBackward0", "squared error below delta, delta times absolute above"),
    _f("kl_div", "MeanBackward0",
       "Kullback-Leibler divergence of a target distribution from log-probabilities"),
)

#: op name -> entry
BY_NAME: dict[str, Op] = {op.name: op for op in CATALOGUE}


def mandatory() -> list[Op]:
    """The ops every backend must provide."""
    return [op for op in CATALOGUE if op.mandatory]


def optional() -> list[Op]:
    """The ops a backend may leave out."""
    return [op for op in CATALOGUE if not op.mandatory]


def resolve(backend: object, name: str) -> object | None:
    """The op ``name`` on a backend object (a dotted name looked up in its sub-namespace), or
    None when the backend does not provide it."""
    found: object | None = backend
    for part in name.split("."):
        found = getattr(found, part, None)
        if found is None:
            return None
    return found


def provided(backend: object) -> list[str]:
    """The names of the catalogue's ops a backend object provides, in catalogue order."""
    return [op.name for op in CATALOGUE if resolve(backend, op.name) is not None]
