"""The losses of torch.nn.functional beyond the fused pair in `.loss`: nll_loss,
cross_entropy's options (class weights, ignore_index, label smoothing, class-probability and
K-dimensional targets), binary_cross_entropy_with_logits (weight, pos_weight), mse_loss,
smooth_l1_loss and huber_loss as nodes with PyTorch's names; l1_loss, kl_div and the smoothed
or weighted cross entropy composed of other ops exactly as PyTorch composes them (so their
``grad_fn`` is PyTorch's too).

``cross_entropy`` here is the backend's: plain calls (scores (N, C) against class indices or
probabilities, no options) go to the fused node of `.loss` unchanged; the rest is
``nll_loss(log_softmax(input))`` and the composites above.
"""

from __future__ import annotations

from typing import Any

from gradspec import notices
from gradspec.errors import check_class_target

from ..apply import apply, constant
from ..grad_mode import STATE
from ..node import Node, register
from ..tensor import Tensor
from . import loss as fused
from .args import broadcast_shapes
from .softmax import log_softmax

REDUCTIONS = ("mean", "sum", "none")
MISSING = -100  # PyTorch's default ignore_index


# ------------------------------------------------------------------ argument handling
def _reduction(size_average: Any, reduce: Any, reduction: str) -> str:
    """``reduction``, or what the deprecated ``size_average``/``reduce`` pair means."""
    if size_average is not None or reduce is not None:
        notices.warn("size_average and reduce args will be deprecated, please use "
                     "reduction='...' instead.", UserWarning)
        mean = True if size_average is None else bool(size_average)
        keep = True if reduce is None else bool(reduce)
        return ("mean" if mean else "sum") if keep else "none"
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction; use one of "
                         f"{REDUCTIONS}")
    return reduction


def _tensor(op: str, label: str, t: Any, optional: bool = False) -> None:
    if t is None and optional:
        return
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}(): {label} must be a tensor{' or None' if optional else ''}, got "
                        f"{type(t).__name__}")


def _constant_only(op: str, label: str, t: Any) -> None:
    """PyTorch has no derivative for loss weights: refuse one that asks for it."""
    if t is not None and t.requires_grad and STATE.enabled:
        raise RuntimeError(f"The function '{op}' is not differentiable with respect to argument "
                           f"'{label}'. This input cannot have requires_grad True (pass "
                           f"{label}.detach()).")


def _floating(op: str, t: Any, error: type = NotImplementedError) -> None:
    eng = type(t)._eng
    if not eng.is_floating(t._data.dtype):
        raise error(f"{op}(): not implemented for {eng.dtype_name(t._data.dtype)} input; "
                    "convert with .float()")


def _warn_size(input: Any, target: Any) -> None:
    if tuple(input.shape) != tuple(target.shape):
        notices.warn(
            f"Using a target size (torch.Size({list(target.shape)})) that is different to the "
            f"input size (torch.Size({list(input.shape)})). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.", UserWarning)


def _reduce(losses: Any, reduction: str) -> Any:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


def _finish(xp: Any, losses: Any, reduction: str) -> tuple[Any, float]:
    """Reduce raw losses; also the factor the mean divides by (1 for sum and none)."""
    if reduction == "none":
        return losses, 1.0
    total = xp.sum(losses)
    if reduction == "sum":
        return total, 1.0
    n = losses.size
    return (total / n if n else total * float("nan")), float(n or 1)


# ------------------------------------------------------------------ nll_loss
@register("nll_loss")
class NllLossBackward0(Node):
    """``-weight[t] * input[n, t]`` for each target ``t`` (class dim 1; ignored targets give
    0), reduced; the mean divides by the summed weights of the targets not ignored.  The
    gradient is ``-weight[t]`` at each target's position (scaled by ``g``, over that sum)."""

    quiet = True
    __slots__ = ("picks", "coef", "mask", "shape", "reduction", "kdim")
    saves = (0, 1)  # as PyTorch's node (its gradient ties to the input; see .tie)
    keeps = ("picks", "coef", "mask")

    def forward(self, xp, x, t, w, ignore_index, reduction, eng):
        self.shape, self.reduction, self.kdim = tuple(x.shape), reduction, x.ndim > 2
        single = x.ndim == 1
        if single:  # one sample (C,) with a 0-d target
            x, t = xp.reshape(x, (1, -1)), xp.reshape(t, (1,))
        t = xp.astype(t, eng.int64) if t.dtype != eng.int64 else t
        valid = t != ignore_index
        picks = self.picks = xp.expand_dims(xp.where(valid, t, xp.zeros_like(t)), axis=1)
        # where the gradient may be non-zero: each kept target's class.  Everywhere else it is
        # exactly 0, as PyTorch's, even when the incoming gradient is NaN or infinite
        classes = xp.reshape(xp.arange(x.shape[1]), (1, -1) + (1,) * (x.ndim - 2))
        self.mask = (classes == picks) & xp.expand_dims(valid, axis=1)
        chosen = xp.squeeze(xp.take_along_axis(x, picks, axis=1), axis=1)
        weights = xp.astype(valid, x.dtype)
        if w is not None:
            weights = weights * xp.reshape(xp.take(w, xp.reshape(picks, (-1,)), axis=0),
                                           tuple(t.shape))
        # an ignored row's loss is exactly +0, even where its scores are NaN or infinite (a
        # padded position whose logits are all masked): 0 * NaN would poison the whole loss
        losses = xp.where(valid, -(chosen * weights), xp.zeros_like(chosen))
        if reduction == "none":
            self.coef = -weights
            return xp.reshape(losses, ()) if single else losses
        total = xp.sum(losses)
        if reduction == "sum":
            self.coef = -weights
            return total
        denominator = float(xp.sum(weights))
        # every target ignored: the mean of nothing is NaN, its gradient zero (as PyTorch)
        self.coef = -weights / denominator if denominator else xp.zeros_like(weights)
        return total / denominator if denominator else total * float("nan")

    def name(self):
        return "NllLoss2DBackward0" if self.kdim else "NllLossBackward0"

    def backward(self, F, g, x, t, w):
        single = len(self.shape) == 1
        scaled = F.expand_dims(g * F.constant(g, self.coef), 1)  # (N, 1, *d)
        gx = F.where(self.mask, scaled, F.zeros_like(scaled))
        gx = F.tie(F.reshape(gx, self.shape) if single else gx,
                   self.name().replace("Backward0", "BackwardBackward0"), x)
        return gx, None, None


def _check_target(op: str, input: Any, target: Any) -> None:
    """PyTorch's rules for class-index targets: int64 or uint8, the input's shape without the
    class dim."""
    eng = type(input)._eng
    check_class_target(op, tuple(input.shape), tuple(target.shape),
                       eng.dtype_name(target._data.dtype))


def _check_weight(op: str, input: Any, weight: Any) -> None:
    if weight is None:
        return
    _tensor(op, "weight", weight)
    classes = input.shape[0 if input.ndim == 1 else 1]
    if weight.ndim != 1 or weight.shape[0] != classes:
        raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or "
                           f"no classes but got weight tensor of shape: {list(weight.shape)}")
    if weight._data.dtype != input._data.dtype:
        eng = type(input)._eng
        raise RuntimeError(f"{op}(): expected weight of the input's dtype "
                           f"{eng.dtype_name(input._data.dtype)}, got "
                           f"{eng.dtype_name(weight._data.dtype)} (PyTorch does not promote "
                           "here)")
    _constant_only(op, "weight", weight)


def _check_range(op: str, input: Any, target: Any, ignore_index: int) -> None:
    xp = type(input)._xp
    t = target._data
    if not t.size:
        return
    classes = input.shape[0 if input.ndim == 1 else 1]
    t = xp.astype(t, type(input)._eng.int64)
    bad = (t != ignore_index) & ((t < 0) | (t >= classes))
    if bool(xp.any(bad)):
        found = int(xp.max(xp.where(bad, t, xp.full_like(t, -(1 << 62)))))
        if found < classes:
            found = int(xp.min(xp.where(bad, t, xp.full_like(t, 1 << 62))))
        raise IndexError(f"Target {found} is out of bounds. ({op}: {classes} classes, valid "
                         f"targets 0 to {classes - 1}, or ignore_index={ignore_index})")


def nll_loss(input: Any, target: Any, weight: Any = None, size_average: Any = None,
             ignore_index: int = MISSING, reduce: Any = None, reduction: str = "mean") -> Any:
    """The negative log likelihood of log-probabilities ``input`` (N, C), (C,) or
    (N, C, d1, ...) at the class indices ``target`` (N,), () or (N, d1, ...), weighted per
    class by ``weight``, targets equal to ``ignore_index`` left out, as
    torch.nn.functional.nll_loss."""
    reduction = _reduction(size_average, reduce, reduction)
    _tensor("nll_loss", "input", input)
    _tensor("nll_loss", "target", target)
    if input.ndim == 0:
        raise ValueError("nll_loss(): expected an input of 1 or more dimensions (got 0)")
    _floating("nll_loss", input)
    _check_target("nll_loss", input, target)
    _check_weight("nll_loss", input, weight)
    _check_range("nll_loss", input, target, ignore_index)
    return apply(NllLossBackward0, (input, target, weight), type(input),
                 ignore_index=int(ignore_index), reduction=reduction, eng=type(input)._eng)


# ------------------------------------------------------------------ cross_entropy
def cross_entropy(input: Any, target: Any, weight: Any = None, size_average: Any = None,
                  ignore_index: int = MISSING, reduce: Any = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Any:
    """Cross entropy of raw scores ``input`` (N, C), (C,) or (N, C, d1, ...) against class
    indices (an int64 or uint8 tensor without the class dim) or class probabilities (the
    input's shape), as torch.nn.functional.cross_entropy: per-class ``weight``,
    ``ignore_index`` (indices only), ``label_smoothing`` in [0, 1]."""
    if (weight is None and size_average is None and reduce is None and not label_smoothing
            and isinstance(input, Tensor) and isinstance(target, Tensor)):
        # the plain call of a classifier's training loop (scores (N, C) against int64 class
        # indices, no options): straight to the fused node, whose own checks cover the rest
        a, t = input._data, target._data
        eng = type(input)._eng
        if (a.ndim == 2 and t.ndim == 1 and t.dtype == eng.int64 and t.shape[0] == a.shape[0]
                and reduction in REDUCTIONS and not 0 <= ignore_index < a.shape[1]
                and eng.is_floating(a.dtype)):
            try:
                return apply(fused.CrossEntropyBackward0, (input, target), type(input),
                             reduction=reduction)
            except IndexError:
                pass  # a target out of range: the general path below says which, or ignores it
    reduction = _reduction(size_average, reduce, reduction)
    _tensor("cross_entropy", "input", input)
    _tensor("cross_entropy", "target", target)
    if input.ndim == 0:
        raise RuntimeError("cross_entropy(): expected scores of 1 or more dimensions, got a 0-d "
                           "input")
    eng = type(input)._eng
    if not eng.is_floating(input._data.dtype):
        raise NotImplementedError(f'"log_softmax_lastdim_kernel_impl" not implemented for '
                                  f"'{eng.scalar_type_name(input._data.dtype)}' "
                                  f"(cross_entropy() of integer scores: convert with .float())")
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    smoothing = float(label_smoothing) if label_smoothing > 0 else 0.0
    if tuple(target.shape) == tuple(input.shape):
        if not eng.is_floating(target._data.dtype):
            raise RuntimeError(f"Expected floating point type for target with class "
                               f"probabilities, got {eng.scalar_type_name(target._data.dtype)}")
        return _probabilities(input, target, weight, ignore_index, reduction, smoothing)
    _check_target("cross_entropy", input, target)
    _check_weight("cross_entropy", input, weight)
    if (input.ndim == 2 and weight is None and not smoothing
            and target._data.dtype == eng.int64 and not 0 <= ignore_index < input.shape[1]):
        # the fused node, unchanged; it refuses targets out of range, so one equal to an
        # ignore_index out of range too (then they are found, and left out below)
        try:
            return fused.cross_entropy(input, target, reduction=reduction)
        except IndexError:
            if not bool(type(input)._xp.any(target._data == ignore_index)):
                raise
            # targets to ignore: nll_loss below leaves them out
    _check_range("cross_entropy", input, target, ignore_index)
    classes = input.ndim > 1
    logp = log_softmax(input, 1 if classes else 0)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if not smoothing:
        return nll
    return _smoothed(logp, target, weight, ignore_index, reduction, smoothing, nll)


def _class_view(weight: Any, ndim: int, class_dim: int) -> Any:
    return weight.reshape(tuple(-1 if d == class_dim else 1 for d in range(ndim)))


def _smoothed(logp: Any, target: Any, weight: Any, ignore_index: int, reduction: str,
              smoothing: float, nll: Any) -> Any:
    """PyTorch's label smoothing for class indices: ``(1 - s) * nll + s / C * smooth``, where
    ``smooth`` is the (weighted) sum of all classes' negative log-probabilities."""
    class_dim = 1 if logp.ndim > 1 else 0
    classes = logp.shape[class_dim]
    xp, eng = type(logp)._xp, type(logp)._eng
    indices = target._data if target._data.dtype == eng.int64 else xp.astype(target._data,
                                                                               eng.int64)
    ignored = indices == ignore_index
    if weight is not None:
        smooth = -(logp * _class_view(weight, logp.ndim, class_dim)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    smooth = _masked_zero(smooth, ignored)
    if reduction == "mean":
        kept = xp.logical_not(ignored)
        if weight is not None:
            picks = xp.where(kept, indices, xp.zeros_like(indices))
            per = xp.take(weight._data, xp.reshape(picks, (-1,)), axis=0)
            denominator = float(xp.sum(per * xp.reshape(xp.astype(kept, per.dtype), (-1,))))
        else:
            denominator = float(xp.sum(xp.astype(kept, logp._data.dtype)))
        ret = smooth.sum() / denominator if denominator else smooth.sum() * float("nan")
    elif reduction == "sum":
        ret = smooth.sum()
    else:
        ret = smooth
    return (1 - smoothing) * nll + ret * (smoothing / classes)


def _masked_zero(t: Any, mask: Any) -> Any:
    """``t`` with zeros where the raw boolean ``mask`` holds (masked_fill(mask, 0))."""
    from .select import where

    if t.ndim == 0:
        return t * 0.0 if bool(mask) else t
    return where(constant(type(t), mask), 0.0, t)


def _probabilities(input: Any, target: Any, weight: Any, ignore_index: int, reduction: str,
                   smoothing: float) -> Any:
    if ignore_index != MISSING:
        raise RuntimeError("ignore_index is not supported for floating point target")
    if weight is not None:
        _check_weight("cross_entropy", input, weight)
    plain = (input.ndim == 2 and weight is None and not smoothing
             and target._data.dtype == input._data.dtype)
    if plain:  # the fused node, unchanged
        return fused.cross_entropy(input, target, reduction=reduction)
    class_dim = 1 if input.ndim > 1 else 0
    classes = input.shape[class_dim]
    logp = log_softmax(input, class_dim)
    if smoothing:
        target = target * (1 - smoothing) + smoothing / classes
    terms = logp * target
    if weight is not None:
        terms = terms * _class_view(weight, input.ndim, class_dim)
    if reduction == "none":
        return -terms.sum(class_dim)
    if reduction == "sum":
        return -terms.sum()
    if input.numel() == 0:
        return -terms.sum() * float("nan")
    return -terms.sum() / (input.numel() / classes)


# ------------------------------------------------------------ binary_cross_entropy_with_logits
@register("binary_cross_entropy_with_logits")
class BinaryCrossEntropyWithLogitsBackward0(Node):
    """``(1 - y) x - lw * log_sigmoid(x)`` with ``lw = 1 + (pos_weight - 1) y``, times
    ``weight``, reduced (log_sigmoid computed stably: never exp of a positive number)."""

    quiet = True
    __slots__ = ("reduction", "count")
    save_map = {0: (0, 1, 2, 3), 1: (0, 2, 3)}

    def forward(self, xp, x, y, w, pw, reduction):
        self.reduction = reduction
        # log_sigmoid(x) = min(x, 0) - log1p(exp(-|x|))
        log_sig = xp.minimum(x, xp.zeros_like(x)) - xp.log1p(xp.exp(-xp.abs(x)))
        if pw is not None:
            losses = (1 - y) * x - ((pw - 1) * y + 1) * log_sig
        else:
            losses = (1 - y) * x - log_sig
        if w is not None:
            losses = losses * w
        out, self.count = _finish(xp, losses, reduction)
        return out

    def backward(self, F, g, x, y, w, pw):
        ex, ey, _, _ = self._next
        if self.reduction == "mean":
            g = g / self.count
        gx = gy = None
        if ex is not None:
            if pw is not None:
                gx = (((pw - 1) * y + 1) * F.sigmoid(x) - pw * y) * g
            else:
                gx = (F.sigmoid(x) - y) * g
            if w is not None:
                gx = gx * w
        if ey is not None:
            gy = -x * g
            if pw is not None:  # - (pw - 1) log_sigmoid(x), stably
                log_sig = -(F.clamp_min(-x, 0.0) + F.log(1 + F.exp(-(x * F.sign(x)))))
                gy = gy - (pw - 1) * log_sig * g
            if w is not None:
                gy = gy * w
        return gx, gy, None, None


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     size_average: Any = None, reduce: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Any:
    """Binary cross entropy of raw scores ``input`` against ``target`` (same shape), with a
    per-element ``weight`` and a per-class ``pos_weight`` (broadcast along the last dim) on
    the positive term, as torch.nn.functional.binary_cross_entropy_with_logits."""
    op = "binary_cross_entropy_with_logits"
    reduction = _reduction(size_average, reduce, reduction)
    _tensor(op, "input", input)
    _tensor(op, "target", target)
    _tensor(op, "weight", weight, optional=True)
    _tensor(op, "pos_weight", pos_weight, optional=True)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({list(target.shape)}) must be the same as input size "
                         f"({list(input.shape)})")
    _constant_only(op, "weight", weight)
    _constant_only(op, "pos_weight", pos_weight)
    eng = type(input)._eng
    tensors = [t for t in (input, target, weight, pos_weight) if t is not None]
    for t in tensors:
        _floating(op, t, RuntimeError)
    dtype = eng.result_dtype(*[t._data.dtype for t in tensors])
    xp = type(input)._xp
    for label, t in (("weight", weight), ("pos_weight", pos_weight)):
        if t is not None:
            try:
                xp.broadcast_to(t._data, tuple(input.shape))
            except ValueError:
                raise RuntimeError(f"{op}(): {label} of shape {list(t.shape)} does not "
                                   f"broadcast to the input's shape {list(input.shape)}") from None
    args = [None if t is None else (t if t._data.dtype == dtype else t.to(dtype))
            for t in (input, target, weight, pos_weight)]
    return apply(BinaryCrossEntropyWithLogitsBackward0, tuple(args), type(input),
                 reduction=reduction)


# ------------------------------------------------------------------ regression losses
@register("mse_loss")
class MseLossBackward0(Node):
    """``(input - target) ** 2``, reduced; input and target broadcast together."""

    quiet = True
    __slots__ = ("reduction", "count")
    broadcasts = True
    saves = (0, 1)

    def forward(self, xp, x, y, reduction):
        self.reduction = reduction
        d = x - y
        out, self.count = _finish(xp, d * d, reduction)
        return out

    def backward(self, F, g, x, y):
        ex, ey = self._next
        scale = 2 / self.count if self.reduction == "mean" else 2
        gd = (x - y) * (g * scale)
        return (gd if ex is not None else None), (-gd if ey is not None else None)


@register("smooth_l1_loss")
class SmoothL1LossBackward0(Node):
    """``0.5 d**2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 beta`` (d = input - target),
    reduced."""

    quiet = True
    __slots__ = ("reduction", "count", "beta")
    broadcasts = True
    saves = (0, 1)

    def forward(self, xp, x, y, reduction, beta):
        self.reduction, self.beta = reduction, beta
        d = x - y
        a = xp.abs(d)
        losses = xp.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)
        out, self.count = _finish(xp, losses, reduction)
        return out

    def backward(self, F, g, x, y):
        ex, ey = self._next
        if self.reduction == "mean":
            g = g / self.count
        d = x - y
        inside = (d * F.sign(d)) < self.beta
        gd = F.where(inside, d / self.beta, F.sign(d)) * g
        return (gd if ex is not None else None), (-gd if ey is not None else None)


@register("huber_loss")
class HuberLossBackward0(Node):
    """``0.5 d**2`` where ``|d| < delta``, else ``delta (|d| - 0.5 delta)``, reduced."""

    quiet = True
    __slots__ = ("reduction", "count", "delta")
    broadcasts = True
    saves = (0, 1)

    def forward(self, xp, x, y, reduction, delta):
        self.reduction, self.delta = reduction, delta
        d = x - y
        a = xp.abs(d)
        losses = xp.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
        out, self.count = _finish(xp, losses, reduction)
        return out

    def backward(self, F, g, x, y):
        ex, ey = self._next
        if self.reduction == "mean":
            g = g / self.count
        d = x - y
        inside = (d * F.sign(d)) < self.delta
        gd = F.where(inside, d, F.sign(d) * self.delta) * g
        return (gd if ex is not None else None), (-gd if ey is not None else None)


def _pair(op: str, input: Any, target: Any, error: type = NotImplementedError,
          warn: bool = True) -> tuple[Any, Any]:
    """``input`` and ``target`` checked, the one of them that is not floating (class
    indices used as regression targets) converted to the other's dtype, as PyTorch promotes
    them; two integer tensors are refused."""
    _tensor(op, "input", input)
    _tensor(op, "target", target)
    eng = type(input)._eng
    fi, ft = eng.is_floating(input._data.dtype), eng.is_floating(target._data.dtype)
    if fi and not ft:
        target = target.to(input.dtype)
    elif ft and not fi:
        input = input.to(target.dtype)
    _floating(op, input, error)
    if warn:
        _warn_size(input, target)
    broadcast_shapes(tuple(input.shape), tuple(target.shape))
    return input, target


def _weighted(op: str, losses: Any, weight: Any, input: Any, reduction: str,
              mean_by_weight: bool) -> Any:
    """PyTorch's weighted form of mse/l1/huber: the unreduced losses times ``weight`` (the
    input's shape), then the sum, or the sum over the summed weights (or the plain mean)."""
    _tensor(op, "weight", weight)
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    weighted = losses * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    return weighted.sum() / weight.sum() if mean_by_weight else weighted.mean()


def mse_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
             reduction: str = "mean", weight: Any = None) -> Any:
    """Squared error ``(input - target) ** 2`` (broadcast, with PyTorch's warning when the
    shapes differ), reduced; ``weight`` (the input's shape) weights each term, the mean then
    divides by the summed weights; as torch.nn.functional.mse_loss."""
    reduction = _reduction(size_average, reduce, reduction)
    input, target = _pair("mse_loss", input, target)
    if weight is not None:
        d = input - target
        return _weighted("mse_loss", d * d, weight, input, reduction, True)
    return apply(MseLossBackward0, (input, target), type(input), reduction=reduction)


def l1_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
            reduction: str = "mean", weight: Any = None) -> Any:
    """Absolute error ``|input - target|``, reduced, as torch.nn.functional.l1_loss (composed
    of sub, abs and the reduction, as PyTorch composes it; ``weight`` as in mse_loss)."""
    reduction = _reduction(size_average, reduce, reduction)
    input, target = _pair("l1_loss", input, target, RuntimeError)
    losses = (input - target).abs()
    if weight is not None:
        return _weighted("l1_loss", losses, weight, input, reduction, True)
    return _reduce(losses, reduction)


def smooth_l1_loss(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
                   reduction: str = "mean", beta: float = 1.0) -> Any:
    """Squared error below ``beta``, absolute error above (joined smoothly), reduced, as
    torch.nn.functional.smooth_l1_loss (``beta = 0`` is l1_loss)."""
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    input, target = _pair("smooth_l1_loss", input, target)
    return apply(SmoothL1LossBackward0, (input, target), type(input), reduction=reduction,
                 beta=float(beta))


def huber_loss(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0,
               weight: Any = None) -> Any:
    """Squared error below ``delta``, ``delta`` times the absolute error above, reduced, as
    torch.nn.functional.huber_loss (``weight``: the unreduced losses times it, then the
    reduction)."""
    reduction = _reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    input, target = _pair("huber_loss", input, target)
    if weight is not None:
        losses = apply(HuberLossBackward0, (input, target), type(input), reduction="none",
                       delta=float(delta))
        return _weighted("huber_loss", losses, weight, input, reduction, False)
    return apply(HuberLossBackward0, (input, target), type(input), reduction=reduction,
                 delta=float(delta))


def kl_div(input: Any, target: Any, size_average: Any = None, reduce: Any = None,
           reduction: str = "mean", log_target: bool = False) -> Any:
    """The Kullback-Leibler divergence of the distribution ``target`` (probabilities, or
    log-probabilities with ``log_target``) from ``exp(input)`` (``input``: log-probabilities),
    pointwise ``target * (log(target) - input)``, reduced ('batchmean' divides the sum by the
    batch size), as torch.nn.functional.kl_div (composed as PyTorch composes it).  One
    difference: where a target that requires grad is 0, its gradient here is the limit of
    ``t log t``'s part taken as 0 (``-input``), where PyTorch's is NaN."""
    if reduction == "batchmean":
        if size_average is not None or reduce is not None:
            reduction = _reduction(size_average, reduce, "mean")
    else:
        reduction = _reduction(size_average, reduce, reduction)
        if reduction == "mean":
            notices.warn(
                "reduction: 'mean' divides the total loss by both the batch size and the "
                "support size.'batchmean' divides only by the batch size, and aligns with the "
                "KL div math definition.'mean' will be changed to behave the same as "
                "'batchmean' in the next major release.", UserWarning)
    input, target = _pair("kl_div", input, target, RuntimeError, warn=False)
    if log_target:
        losses = target.exp() * (target - input)
    else:
        from .select import where

        # xlogy(target, target), as PyTorch: 0 log 0 = 0 (log(1) stands in where the target
        # is 0); a negative target's log is NaN, as there
        safe = where(target == 0, 1.0, target)
        losses = target * safe.log() - target * input
    if reduction == "batchmean":
        total = losses.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduce(losses, reduction)
