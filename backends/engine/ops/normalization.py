"""Normalization: layer_norm, batch_norm (batch statistics and running statistics), group_norm,
each one node with PyTorch's name (``Native...Backward0``).

All three compute ``xhat = (x - mean) * rstd`` over some axes (rstd = 1 / sqrt(var + eps), the
biased variance), then ``xhat * weight + bias``.  Their input gradient is the one formula
`_through_normalization`; without create_graph it uses the statistics kept from the forward
pass, with create_graph it recomputes them from the input with differentiable ops, so the
gradient can be differentiated again.
"""

from __future__ import annotations

import math
from typing import Any

from ..apply import apply
from ..node import Node, register
from ..tensor import Tensor


def _statistics(xp: Any, x: Any, axes: tuple, eps: float) -> tuple[Any, Any]:
    """Mean and ``1 / sqrt(var + eps)`` over ``axes`` (kept as size-1 dims)."""
    mean = xp.mean(x, axis=axes, keepdims=True)
    centred = x - mean
    var = xp.mean(centred * centred, axis=axes, keepdims=True)
    return mean, 1 / xp.sqrt(var + eps)


def _recomputed(F: Any, x: Any, axes: tuple, count: int, eps: float) -> tuple[Any, Any]:
    """``xhat`` and rstd from ``x`` with differentiable ops (for create_graph)."""
    centred = x - F.sum(x, axis=axes, keepdims=True) / count
    rstd = (F.sum(centred * centred, axis=axes, keepdims=True) / count + eps) ** -0.5
    return centred * rstd, rstd


def _through_normalization(F: Any, gxhat: Any, xhat: Any, rstd: Any, axes: tuple,
                           count: int) -> Any:
    """The gradient with respect to ``x`` of ``xhat = (x - mean(x)) * rstd(x)`` over ``axes``
    (``count`` elements), given the gradient with respect to ``xhat``."""
    mean_g = F.sum(gxhat, axis=axes, keepdims=True) / count
    mean_gx = F.sum(gxhat * xhat, axis=axes, keepdims=True) / count
    return rstd * (gxhat - mean_g - xhat * mean_gx)


def _channel_view(F: Any, t: Any, ndim: int) -> Any:
    """A per-channel (C,) tensor shaped to broadcast against (N, C, *spatial)."""
    return F.reshape(t, (t.shape[0],) + (1,) * (ndim - 2))


@register("layer_norm")
class NativeLayerNormBackward0(Node):
    """Normalization over the trailing ``len(normalized_shape)`` dims."""

    quiet = True
    contiguous = True
    __slots__ = ("axes", "count", "eps", "stats")
    saves = (0, 1, 2)  # as PyTorch's node (its gradients tie to all three; see .tie)
    keeps = ("stats",)

    def forward(self, xp, x, w, b, axes, eps):
        self.axes, self.eps = axes, eps
        self.count = math.prod(x.shape[a] for a in axes)
        mean, rstd = self.stats = _statistics(xp, x, axes, eps)
        out = (x - mean) * rstd
        if w is not None:
            out = out * w
        if b is not None:
            out = out + b
        return out

    def backward(self, F, g, x, w, b):
        ex, ew, eb = self._next
        axes = self.axes
        if isinstance(g, Tensor):  # create_graph: statistics as functions of x
            xhat, rstd = _recomputed(F, x, axes, self.count, self.eps)
        else:
            mean, rstd = self.stats
            xhat = (x - mean) * rstd
        lead = tuple(range(g.ndim - len(axes)))
        gx = gw = gb = None
        if ex is not None:
            gxhat = g * w if w is not None else g
            gx = _through_normalization(F, gxhat, xhat, rstd, axes, self.count)
        if ew is not None:
            gw = F.sum(g * xhat, axis=lead) if lead else g * xhat
        if eb is not None:
            gb = F.sum(g, axis=lead) if lead else g
        label = "NativeLayerNormBackwardBackward0"
        return tuple(None if d is None else F.tie(d, label, x, w, b) for d in (gx, gw, gb))


@register("batch_norm")
class NativeBatchNormBackward0(Node):
    """Per-channel normalization of (N, C, *spatial): by the batch's statistics (training) or
    by given running statistics (constants then)."""

    quiet = True
    __slots__ = ("training", "count", "eps", "stats")
    saves = (0, 1, 2)  # as PyTorch's node (its gradients tie to all three; see .tie)
    keeps = ("stats",)

    def forward(self, xp, x, w, b, mean, rstd, training, eps):
        self.training, self.eps, self.stats = training, eps, (mean, rstd)
        self.count = x.size // x.shape[1] if x.shape[1] else 0
        out = (x - mean) * rstd
        if w is not None:
            out = out * xp.reshape(w, (w.shape[0],) + (1,) * (x.ndim - 2))
        if b is not None:
            out = out + xp.reshape(b, (b.shape[0],) + (1,) * (x.ndim - 2))
        return out

    def backward(self, F, g, x, w, b):
        ex, ew, eb = self._next
        axes = (0,) + tuple(range(2, g.ndim))
        if self.training and isinstance(g, Tensor):
            xhat, rstd = _recomputed(F, x, axes, self.count, self.eps)
        else:  # running statistics are constants; the batch's, without create_graph, kept
            mean, rstd = self.stats
            if isinstance(g, Tensor):
                mean, rstd = F.constant(g, mean), F.constant(g, rstd)
            xhat = (x - mean) * rstd
        gx = gw = gb = None
        if ex is not None:
            gxhat = g * _channel_view(F, w, g.ndim) if w is not None else g
            if self.training:
                gx = _through_normalization(F, gxhat, xhat, rstd, axes, self.count)
            else:
                gx = gxhat * rstd
        if ew is not None:
            gw = F.sum(g * xhat, axis=axes)
        if eb is not None:
            gb = F.sum(g, axis=axes)
        label = "NativeBatchNormBackwardBackward0"
        # tied to the input and weight only: PyTorch's batch-norm backward does not take the
        # bias, so a bias gradient requires grad only through g (fuzzer seeds 42810, 44877)
        return tuple(None if d is None else F.tie(d, label, x, w) for d in (gx, gw, gb))


@register("group_norm")
class NativeGroupNormBackward0(Node):
    """Normalization of (N, C, *spatial) over each group of C / num_groups channels (and all
    positions), then a per-channel affine map."""

    quiet = True
    __slots__ = ("groups", "count", "eps", "stats")
    save_map = {0: (0, 1), 1: (0,), 2: ()}
    keeps = ("stats",)

    def forward(self, xp, x, w, b, groups, eps):
        self.groups, self.eps = groups, eps
        n = x.shape[0]
        grouped = xp.reshape(x, (n, groups, -1))
        self.count = grouped.shape[2]
        mean, rstd = self.stats = _statistics(xp, grouped, (2,), eps)
        out = xp.reshape((grouped - mean) * rstd, x.shape)
        if w is not None:
            out = out * xp.reshape(w, (w.shape[0],) + (1,) * (x.ndim - 2))
        if b is not None:
            out = out + xp.reshape(b, (b.shape[0],) + (1,) * (x.ndim - 2))
        return out

    def backward(self, F, g, x, w, b):
        ex, ew, eb = self._next
        if ex is None and ew is None:  # the bias alone: x was not saved, nor needed
            return None, None, F.sum(g, axis=(0,) + tuple(range(2, g.ndim)))
        shape, n, groups = tuple(x.shape), x.shape[0], self.groups
        grouped = F.reshape(x, (n, groups, self.count))
        if isinstance(g, Tensor):
            xhat, rstd = _recomputed(F, grouped, (2,), self.count, self.eps)
        else:
            mean, rstd = self.stats
            xhat = (grouped - mean) * rstd
        axes = (0,) + tuple(range(2, g.ndim))
        gx = gw = gb = None
        if ex is not None:
            gxhat = g * _channel_view(F, w, g.ndim) if w is not None else g
            gx = F.reshape(_through_normalization(
                F, F.reshape(gxhat, (n, groups, self.count)), xhat, rstd, (2,), self.count),
                shape)
        if ew is not None:
            gw = F.sum(g * F.reshape(xhat, shape), axis=axes)
        if eb is not None:
            gb = F.sum(g, axis=axes)
        return gx, gw, gb


# ------------------------------------------------------------------ user-facing functions
def _check(op: str, x: Any, *named: tuple[str, Any]) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): input must be a tensor, got {type(x).__name__}")
    eng = type(x)._eng
    if not eng.is_floating(x._data.dtype):
        raise NotImplementedError(f"{op}(): expected a floating point input, got "
                           f"{eng.dtype_name(x._data.dtype)}; convert with .float()")
    for label, t in named:
        if t is None:
            continue
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): {label} must be a tensor or None, got {type(t).__name__}")
        if t._data.dtype != x._data.dtype:
            raise RuntimeError(
                f"{op}(): expected {label} to have the input's dtype "
                f"{eng.dtype_name(x._data.dtype)} (PyTorch does not promote here), got "
                f"{eng.dtype_name(t._data.dtype)}; convert with .to(...)")


def layer_norm(input: Any, normalized_shape: Any, weight: Any = None, bias: Any = None,
               eps: float = 1e-5) -> Any:
    """Normalize over the trailing dims ``normalized_shape``, then scale by ``weight`` and
    shift by ``bias`` (both of that shape, optional), as torch.nn.functional.layer_norm."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    _check("layer_norm", input, ("weight", weight), ("bias", bias))
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape [*, "
            f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    for label, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(
                f"Expected {label} to be of same shape as normalized_shape, but got {label} of "
                f"shape {list(t.shape)} and normalized_shape = {list(shape)}")
    axes = tuple(range(input.ndim - k, input.ndim))
    return apply(NativeLayerNormBackward0, (input, weight, bias), type(input), axes=axes,
                 eps=float(eps))


def batch_norm(input: Any, running_mean: Any, running_var: Any, weight: Any = None,
               bias: Any = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Any:
    """Per-channel normalization of ``input`` (N, C, *): by the batch's mean and (biased)
    variance when ``training`` (then ``running_mean``/``running_var``, when given, move towards
    them by ``momentum``, the variance unbiased, in place), else by the running statistics; as
    torch.nn.functional.batch_norm."""
    _check("batch_norm", input, ("weight", weight), ("bias", bias),
           ("running_mean", running_mean), ("running_var", running_var))
    if input.ndim < 2:
        raise ValueError(f"batch_norm(): expected an input of at least 2 dims (N, C, ...), got "
                         f"shape {list(input.shape)}")
    c = input.shape[1]
    for label, t in (("running_mean", running_mean), ("running_var", running_var),
                     ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{label} should contain {c} elements not {t.numel()}")
    with type(input)._eng.quiet():  # the statistics meet inf and NaN as the node's forward
        mean, rstd = _batch_statistics(input, running_mean, running_var, training, momentum,
                                       eps, c)
    return apply(NativeBatchNormBackward0, (input, weight, bias), type(input), mean=mean,
                 rstd=rstd, training=bool(training), eps=float(eps))


def _batch_statistics(input: Any, running_mean: Any, running_var: Any, training: bool,
                      momentum: float, eps: float, c: int) -> tuple[Any, Any]:
    """batch_norm's mean and ``1 / sqrt(var + eps)`` (the batch's, moving the running
    statistics in place, or the running ones)."""
    xp = type(input)._xp
    x = input._data
    axes = (0,) + tuple(range(2, x.ndim))
    view = (c,) + (1,) * (x.ndim - 2)
    if training:
        count = x.size // c if c else 0
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {input.shape}")
        mean = xp.mean(x, axis=axes, keepdims=True)
        centred = x - mean
        var = xp.mean(centred * centred, axis=axes, keepdims=True)
        for t, batch in ((running_mean, mean), (running_var, var * (count / (count - 1)))):
            if t is not None:
                new = (1 - momentum) * t._data + momentum * xp.reshape(batch, (c,))
                t._write(xp.reshape(new, tuple(t._data.shape)))
                t._bump()
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm(): running_mean and running_var must be given when "
                               "training is False (they are what the input is normalized by)")
        mean = xp.reshape(running_mean._data, view)
        var = xp.reshape(running_var._data, view)
    return mean, 1 / xp.sqrt(var + eps)


def group_norm(input: Any, num_groups: int, weight: Any = None, bias: Any = None,
               eps: float = 1e-5) -> Any:
    """Normalize each group of ``C / num_groups`` channels of ``input`` (N, C, *), then apply
    the per-channel ``weight`` and ``bias`` (C,), as torch.nn.functional.group_norm."""
    _check("group_norm", input, ("weight", weight), ("bias", bias))
    if input.ndim < 2:
        raise RuntimeError(f"group_norm(): expected an input of at least 2 dims (N, C, ...), "
                           f"got shape {list(input.shape)}")
    c = input.shape[1]
    if isinstance(num_groups, bool) or not isinstance(num_groups, int) or num_groups < 1 \
            or c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input "
            f"of shape {list(input.shape)} and num_groups={num_groups}")
    for label, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"Expected {label} to be a vector of size equal to the number of "
                               f"channels in input, but got {label} of shape {list(t.shape)} "
                               f"and input of shape {list(input.shape)}")
    return apply(NativeGroupNormBackward0, (input, weight, bias), type(input),
                 groups=num_groups, eps=float(eps))
