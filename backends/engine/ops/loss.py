"""Losses as single nodes, with PyTorch's formulas: binary_cross_entropy, cross_entropy.

One node in place of the dozen a composed loss records: less work per step for small models,
and fewer full-size temporaries for large ones.
"""

from __future__ import annotations

from typing import Any

from gradspec.errors import check_class_target

from ..apply import apply
from ..node import Node, register
from ..tensor import Tensor
from .unary import constant_raw

LOG_FLOOR = -100.0  # each log term of binary cross entropy is clamped here, as in PyTorch
EPSILON = 1e-12  # PyTorch's floor for p (1 - p) in the gradient of binary cross entropy
TINY = 1e-44  # log(TINY) < LOG_FLOOR: p below it is raised to it before the log (no log(0))
UNCLAMPED = 1e-43  # log of anything above it is above LOG_FLOOR
REDUCTIONS = ("mean", "sum", "none")


BIG = 1 << 16  # elements: from here a read that spares a full-size copy pays for itself
SMALL = 1 << 14  # elements: up to here argmin/argmax (a plain loop) beat a reduction


def clamp_min_raw(xp: Any, x: Any, lo: float) -> Any:
    """``maximum(x, lo)`` on a raw array.  A big array comes back itself when nothing is below
    ``lo`` (a read instead of a full-size copy: the clamp rarely bites); NaN stays NaN."""
    if x.size >= BIG and bool(xp.min(x) >= lo):
        return x
    return xp.maximum(x, constant_raw(xp, lo, x.dtype))


def _unit_range(xp: Any, x: Any, what: str) -> tuple[float, float]:
    """The least and greatest element of ``x``; an error unless both are in [0, 1]."""
    if x.size == 0:
        return 1.0, 0.0
    if x.size <= SMALL:
        # the elements at argmin and argmax (NaN wins both): on a few hundred labels of 0
        # and 1 half the cost of min and max, which must settle the sign of a zero first
        flat = x if x.ndim == 1 else xp.reshape(x, (-1,))
        lo, hi = float(flat[int(xp.argmin(flat))]), float(flat[int(xp.argmax(flat))])
    else:
        lo, hi = float(xp.min(x)), float(xp.max(x))
    if not (lo >= 0 and hi <= 1):  # NaN fails too
        fix = ("apply sigmoid first, or use binary_cross_entropy_with_logits on raw scores"
               if what == "input" else "targets are probabilities")
        raise RuntimeError(f"binary_cross_entropy: all elements of {what} should be between 0 "
                           f"and 1, found values from {lo} to {hi}; {fix}")
    return lo, hi


@register("binary_cross_entropy")
class BinaryCrossEntropyBackward0(Node):
    """``-w (y log p + (1 - y) log(1 - p))``, each log clamped at -100, then reduced.  The
    gradients are PyTorch's: ``(p - y) / max(p (1 - p), 1e-12)`` in ``p`` and ``-logit(p)``
    in ``y`` (times ``w``, and ``1/n`` for the mean)."""

    quiet = True
    __slots__ = ("reduction", "count", "inner")
    save_map = {0: (0, 1, 2), 1: (0, 2)}

    def forward(self, xp, p, y, w, reduction):
        lo, hi = _unit_range(xp, p, "input")
        _unit_range(xp, y, "target")
        self.reduction, self.count = reduction, p.size
        # every p (1 - p) is above the gradient's floor of 1e-12 (by a factor of two, more
        # than rounding takes): the raw backward can skip the clamp
        self.inner = lo >= 2 * EPSILON and hi <= 1 - 2 * EPSILON
        # log(0) would be -inf (and a warning): raise p to TINY first, whose log is clamped
        # anyway.  1 - p is exact where it can be 0 (p >= 1/2), so log(1 - p) stands in for
        # log1p(-p) then.
        log_p = xp.log(p if lo >= TINY else xp.maximum(p, xp.asarray(TINY, dtype=p.dtype)))
        if lo < UNCLAMPED:
            log_p = clamp_min_raw(xp, log_p, LOG_FLOOR)
        if hi < 1:
            log_q = xp.log1p(-p)
        else:
            log_q = clamp_min_raw(xp, xp.log(clamp_min_raw(xp, 1 - p, TINY)), LOG_FLOOR)
        if reduction == "none" or w is not None:
            losses = (y - 1) * log_q - y * log_p
            if w is not None:
                losses = losses * w
            if reduction == "none":
                return losses
            total = xp.sum(losses)
        else:  # -(y (log p - log q) + log q), in place in the fresh log_p: no more temporaries
            log_p -= log_q
            log_p *= y
            log_p += log_q
            total = -xp.sum(log_p)
        if reduction == "sum":
            return total
        return total / p.size if p.size else total * float("nan")  # the mean of nothing

    def backward(self, F, g, p, y, w):
        ep, ey, _ = self._next
        if self.reduction == "mean":
            g = g / self.count
        gp = gy = None
        if ep is not None:
            if not isinstance(p, Tensor) and g.dtype == p.dtype:
                # raw arrays: the same formula in its fresh temporaries, three of them instead
                # of six (1 as a cached array of p's dtype, the same number, converted once)
                xp = F.xp
                q = constant_raw(xp, 1.0, p.dtype) - p
                q *= p
                gp = p - y
                gp /= q if self.inner else clamp_min_raw(xp, q, EPSILON)
                gp *= g
            else:
                gp = (p - y) / F.clamp_min((1 - p) * p, EPSILON) * g
            if w is not None:
                gp = gp * w
        if ey is not None:
            gy = -F.log(p / (1 - p)) * g
            if w is not None:
                gy = gy * w
        return gp, gy, None


def _check_arguments(op: str, input: Any, target: Any, reduction: str) -> None:
    if not isinstance(input, Tensor) or not isinstance(target, Tensor):
        raise TypeError(f"{op}(): input and target must be tensors, got "
                        f"{type(input).__name__} and {type(target).__name__}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction!r} is not a valid value for reduction; use one of "
                         f"{REDUCTIONS}")


def binary_cross_entropy(input: Any, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Any:
    """Binary cross entropy of probabilities ``input`` against ``target`` (same shape, values
    in [0, 1]), optionally weighted by ``weight`` (broadcast to the input's shape; no gradient
    flows to it), as torch.nn.functional.binary_cross_entropy."""

    _check_arguments("binary_cross_entropy", input, target, reduction)
    if target._data.shape != input._data.shape:
        raise ValueError(
            f"binary_cross_entropy: target shape {tuple(target.shape)} differs from input shape "
            f"{tuple(input.shape)}; reshape one so they match")
    T = type(input)
    if weight is not None:
        if not isinstance(weight, Tensor):
            raise TypeError(f"binary_cross_entropy(): weight must be a tensor, got "
                            f"{type(weight).__name__}")
        if weight.requires_grad:
            raise RuntimeError("binary_cross_entropy: the derivative for weight is not "
                               "implemented (as in PyTorch); pass weight.detach()")
        try:
            T._xp.broadcast_to(weight._data, tuple(input.shape))
        except ValueError:
            raise RuntimeError(f"binary_cross_entropy: weight of shape {tuple(weight.shape)} "
                               f"does not broadcast to the input's shape "
                               f"{tuple(input.shape)}") from None
    dtype = input._data.dtype
    if (target._data.dtype != dtype or (weight is not None and weight._data.dtype != dtype)
            or not T._eng.is_floating(dtype)):
        got = [T._eng.dtype_name(t._data.dtype) for t in (input, target, weight) if t is not None]
        raise RuntimeError("binary_cross_entropy: input, target and weight must have one "
                           f"floating dtype, got {', '.join(got)}; convert with .to(dtype)")
    return apply(BinaryCrossEntropyBackward0, (input, target, weight), T, reduction=reduction)


EYE_UP_TO = 256  # classes: up to here cross entropy keeps an identity matrix (512 KiB at most)
_IDENTITIES: dict = {}  # (namespace, classes, dtype) -> identity matrix, never written to


def _identity(xp: Any, classes: int, dtype: Any) -> Any:
    """The identity matrix of ``classes`` rows, made once per namespace and dtype: gathering
    its rows is the one-hot of class indices in one call, where comparing the indices with the
    class row broadcasts over a short inner axis (five times slower on 128x10 scores)."""
    key = (xp, classes, dtype)
    found = _IDENTITIES.get(key)
    if found is None:
        if len(_IDENTITIES) >= 16:  # a bound: a model with ever new class counts
            _IDENTITIES.clear()
        found = _IDENTITIES[key] = xp.eye(classes, dtype=dtype)
    return found


_ROW_STARTS: dict = {}  # (namespace, rows, classes) -> each row's first flat index


def _row_starts(xp: Any, n: int, classes: int) -> Any:
    """``arange(0, n * classes, classes)``, made once per shape (a batch size repeats every
    step): added to class indices, the flat positions of each row's own score."""
    key = (xp, n, classes)
    found = _ROW_STARTS.get(key)
    if found is None:
        if len(_ROW_STARTS) >= 16:  # a bound, as for the identities
            _ROW_STARTS.clear()
        found = _ROW_STARTS[key] = xp.arange(0, n * classes, classes)
    return found


def _class_hits(xp: Any, t: Any, n: int, classes: int, dtype: Any) -> Any:
    """The one-hot rows (n, classes) of class indices ``t``, in ``dtype``; IndexError, in
    PyTorch's words, for an index outside [0, classes)."""
    if classes <= EYE_UP_TO:  # rows of the identity: one gather
        try:
            hits = xp.take(_identity(xp, classes, dtype), t, axis=0)
        except IndexError:  # an index past the last class (the gather's own check)
            hits = None
        # the gather wraps negative indices, so only those are left to look for
        if hits is not None and (not n or int(xp.min(t)) >= 0):
            return hits
    elif not n or (int(xp.min(t)) >= 0 and int(xp.max(t)) < classes):
        # (n, 1) against the class row (C,)
        return xp.astype(xp.reshape(t, (n, 1)) == xp.arange(classes), dtype)
    lo, hi = int(xp.min(t)), int(xp.max(t))
    raise IndexError(f"Target {lo if lo < 0 else hi} is out of bounds. "
                     f"(cross_entropy: {classes} classes, 0 to {classes - 1})")


def onehot_raw(xp: Any, like: Any, indices: Any, shape: tuple, axis: int) -> Any:
    """1 where ``indices`` (kept dims) point along ``axis``, in ``like``'s dtype."""
    hits = xp.reshape(xp.arange(shape[axis]),
                      tuple(-1 if i == axis else 1 for i in range(len(shape))))
    return xp.astype(hits == indices, like.dtype)


@register("cross_entropy")
class CrossEntropyBackward0(Node):
    """Cross entropy of scores (N, C) against class indices (N,) or probabilities (N, C):
    ``-log_softmax(input)`` picked (or weighted) by the target, then reduced.  Its gradient is
    ``softmax - onehot`` (``softmax * sum(t) - t`` for probabilities), and ``-log_softmax`` for
    probability targets.

    The forward pass keeps the softmax (and the one-hot of class targets) it computes on the
    way: a backward pass without ``create_graph`` uses them, in place, once (about 19 array
    calls per step, not 28).  Otherwise (``create_graph``, or a second backward through a
    retained graph) log_softmax is recomputed from the saved input, so the formula stays
    differentiable."""

    quiet = True
    __slots__ = ("reduction", "count", "indices", "probs", "hits")
    save_map = {0: (0, 1), 1: (0,)}
    fresh = (0,)  # the gradient in the scores is always a new array

    def forward(self, xp, a, t, reduction):
        n, classes = a.shape
        self.reduction, self.count, self.indices = reduction, n, t.ndim == 1
        shifted = a - xp.max(a, axis=1, keepdims=True)
        e = xp.exp(shifted)
        total = xp.sum(e, axis=1, keepdims=True)
        log_total = xp.log(total)  # log_softmax = shifted - log_total
        if self.indices:
            hits = _class_hits(xp, t, n, classes, a.dtype)
            # each row's own score, picked (not a one-hot product: a -inf score of another
            # class, a masked logit, would make 0 * -inf = nan)
            picked = xp.take(xp.reshape(shifted, (-1,)), t + _row_starts(xp, n, classes))
            losses = xp.reshape(log_total, (-1,)) - picked  # each row's -log_softmax
            if reduction != "none":
                losses = xp.sum(losses)
        else:  # class probabilities, weighting every class's -log_softmax
            hits = None
            per_class = t * (log_total - shifted)
            losses = xp.sum(per_class, axis=1) if reduction == "none" else xp.sum(per_class)
        e /= total  # the softmax, in the fresh exponentials
        self.probs, self.hits = e, hits
        if reduction == "none":
            return losses
        if reduction == "sum":
            return losses
        return losses / n if n else losses * float("nan")  # the mean of nothing

    def name(self):
        # One fused node, shown as the node PyTorch's composed result ends in, so a printed
        # loss reads the same: nll_loss for class indices; for probabilities, the mean's
        # division or the sum's negation.
        if self.indices:
            return "NllLossBackward0"
        return "DivBackward1" if self.reduction == "mean" else "NegBackward0"

    def backward(self, F, g, a, t):
        ea, et = self._next
        if self.reduction == "none":
            g = F.expand_dims(g, 1)
        elif self.reduction == "mean" and self.count:
            g = g / self.count
        probs = self.probs if not isinstance(a, Tensor) else None  # raw arrays: no create_graph
        self.probs = None  # used once, in place; a later backward recomputes
        if probs is not None and et is None:
            if self.indices:
                probs -= self.hits
            else:
                probs *= F.sum(t, axis=1, keepdims=True)
                probs -= t
            probs *= g
            return probs, None
        log_p = F.log_softmax(a, 1)
        ga = gt = None
        if ea is not None:
            if self.indices:
                hits = F.onehot(log_p, F.expand_dims(t, 1), tuple(log_p.shape), 1)
                ga = (F.exp(log_p) - hits) * g
            else:
                ga = (F.exp(log_p) * F.sum(t, axis=1, keepdims=True) - t) * g
        if et is not None:
            gt = -log_p * g
        return ga, gt


def cross_entropy(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Cross entropy of raw scores ``input`` (N, C) against class indices ``target`` (N,), an
    integer tensor, or class probabilities (N, C) (of another floating dtype: both are computed
    in the wider), as torch.nn.functional.cross_entropy (without class weights, ignore_index or
    smoothing)."""
    _check_arguments("cross_entropy", input, target, reduction)
    a, t = input._data, target._data
    eng = type(input)._eng
    if a.ndim != 2 or not eng.is_floating(a.dtype):
        raise ValueError(f"cross_entropy: input must be floating scores of shape (N, C), got "
                         f"shape {tuple(a.shape)} of dtype {eng.dtype_name(a.dtype)}")
    if t.shape == a.shape:
        if not eng.is_floating(t.dtype):
            raise RuntimeError(f"Expected floating point type for target with class "
                               f"probabilities, got {eng.scalar_type_name(t.dtype)}")
        if t.dtype != a.dtype:  # float32 and float64 meet in float64, as in PyTorch
            dtype = eng.result_dtype(a.dtype, t.dtype)
            input, target = input.to(dtype), target.to(dtype)
    else:
        check_class_target("cross_entropy", tuple(a.shape), tuple(t.shape),
                           eng.dtype_name(t.dtype))
    return apply(CrossEntropyBackward0, (input, target), type(input), reduction=reduction)
