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

__all__ = ["BY_NAME", "CATALOGUE", "Op", "mandatory", "optional"]


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
    _o("isnan", "", "elementwise test for NaN"),
    _o("isinf", "", "elementwise test for infinity"),
    _o("isfinite", "", "elementwise test for finite values"),
    _o("any", "", "whether any element is true"),
    _o("all", "", "whether every element is true"),
    # -- neural-network functions: layers ---------------------------------------------------------
    _f("linear", "AddmmBackward0", "input @ weight.T + bias"),
    _f("binary_cross_entropy", "BinaryCrossEntropyBackward0",
       "binary cross entropy on probabilities (logs clamped at -100)"),
    _f("cross_entropy", "NllLossBackward0",
       "cross entropy of scores against class indices or probabilities"),
    # -- neural-network functions: activations ----------------------------------------------------
    # -- neural-network functions: convolution, pooling, normalization, embedding, dropout --------
    _f("conv1d", "ConvolutionBackward0",
       "1-D convolution (stride, padding, dilation, groups), by im2col"),
    _f("conv2d", "ConvolutionBackward0",
       "2-D convolution (stride, padding, dilation, groups), by im2col"),
    _f("conv_transpose1d", "ConvolutionBackward0", "1-D transposed convolution (conv1d's adjoint)"),
    _f("conv_transpose2d", "ConvolutionBackward0", "2-D transposed convolution (conv2d's adjoint)"),
    _f("max_pool2d", "MaxPool2DWithIndicesBackward0",
       "the largest element of each 2-D window (optionally with its position)"),
    _f("avg_pool2d", "AvgPool2DBackward0", "the mean of each 2-D window"),
    _f("adaptive_avg_pool2d", "AdaptiveAvgPool2DBackward0",
       "means over the windows that tile the input into a given size"),
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
       "resizing by nearest, nearest-exact, linear or bilinear interpolation"),
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
