"""scaled_dot_product_attention: ``softmax(q @ k.T * scale + mask) @ v`` as one node, with
PyTorch's masks (boolean: where to attend; float: added), ``is_causal``, dropout on the
attention weights, ``scale`` and grouped-query attention (``enable_gqa``)."""

from __future__ import annotations

import math
from typing import Any

from ..apply import apply
from ..node import Node, register
from ..tensor import Tensor


def _softmax_raw(xp: Any, s: Any) -> Any:
    e = xp.exp(s - xp.max(s, axis=-1, keepdims=True))
    return e / xp.sum(e, axis=-1, keepdims=True)


@register("scaled_dot_product_attention")
class ScaledDotProductFlashAttentionForCpuBackward0(Node):
    """Attention of ``query`` (..., L, E) over ``key`` (..., S, E) and ``value`` (..., S, Ev);
    ``mask`` (broadcast to (..., L, S)) is added to the scores, ``keep`` (dropout's scaled
    mask) multiplies the weights.  Named after PyTorch's CPU kernel for the usual 4-D
    (batch, heads, L, E) inputs; where PyTorch picks its composed "math" path instead (other
    ranks, dropout) its result's node is a view's (``UnsafeViewBackward0``).  Unlike that CPU
    kernel's, this node's backward is differentiable (as the math path's is)."""

    quiet = True
    __slots__ = ("scale", "weights")
    broadcasts = True  # batch dims broadcast; the engine sums each gradient back
    saves = (0, 1, 2, 3, 4)
    keeps = ("weights",)

    def forward(self, xp, q, k, v, mask, keep, scale):
        self.scale = scale
        s = (q @ xp.matrix_transpose(k)) * scale
        if mask is not None:
            s = s + mask
        self.weights = w = _softmax_raw(xp, s)
        if keep is not None:
            w = w * keep
        return w @ v

    def backward(self, F, g, q, k, v, mask, keep):
        eq, ek, ev, em, _ = self._next
        scale = self.scale
        if isinstance(g, Tensor):  # create_graph: the weights as functions of q, k (and mask)
            s = (q @ F.matrix_transpose(k)) * scale
            if mask is not None:
                s = s + mask
            w = F.softmax(s, -1)
        else:
            w = self.weights
        used = w * keep if keep is not None else w
        gq = gk = gv = gm = None
        if ev is not None:
            gv = F.matrix_transpose(used) @ g
        if eq is not None or ek is not None or em is not None:
            gw = g @ F.matrix_transpose(v)
            if keep is not None:
                gw = gw * keep
            gs = w * (gw - F.sum(gw * w, axis=-1, keepdims=True))
            if eq is not None:
                gq = (gs @ k) * scale
            if ek is not None:
                gk = (F.matrix_transpose(gs) @ q) * scale
            if em is not None:
                gm = gs
        return gq, gk, gv, gm, None


def scaled_dot_product_attention(query: Any, key: Any, value: Any, attn_mask: Any = None,
                                 dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: Any = None, enable_gqa: bool = False) -> Any:
    """``softmax(query @ key.transpose(-2, -1) * scale + mask) @ value``, as
    torch.nn.functional.scaled_dot_product_attention: ``attn_mask`` boolean (True: attend) or
    float (added), ``is_causal`` (a lower-triangular mask), ``dropout_p`` (on the weights, from
    the backend's seeded generator), ``scale`` (default ``1 / sqrt(E)``), ``enable_gqa``
    (key/value heads shared by groups of query heads, dim -3)."""
    for label, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): {label} must be a tensor, got "
                            f"{type(t).__name__}")
    eng = type(query)._eng
    xp = type(query)._xp
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(
            f"Expected query, key, and value to all be at least 2 dimensional, but got "
            f"query.dim: {query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead.")
    dtype = query._data.dtype
    if key._data.dtype != dtype or value._data.dtype != dtype:
        names = [eng.dtype_name(t._data.dtype) for t in (query, key, value)]
        raise RuntimeError(
            f"Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{names[0]} key.dtype: {names[1]} and value.dtype: {names[2]} instead.")
    if not eng.is_floating(dtype):
        raise RuntimeError(f"scaled_dot_product_attention(): expected floating inputs, got "
                           f"{eng.dtype_name(dtype)}")
    if not 0.0 <= float(dropout_p) <= 1.0:
        raise RuntimeError(f"scaled_dot_product_attention(): dropout_p must be in [0, 1], got "
                           f"{dropout_p}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            f"scaled_dot_product_attention(): query {list(query.shape)} and key "
            f"{list(key.shape)} must share the last dim (E), key and value {list(value.shape)} "
            "the next-to-last (S)")
    if enable_gqa and key.ndim >= 3 and query.shape[-3] != key.shape[-3]:
        heads, kv_heads = query.shape[-3], key.shape[-3]
        if heads % kv_heads or value.shape[-3] != kv_heads:
            raise RuntimeError(
                f"scaled_dot_product_attention(enable_gqa=True): the query's {heads} heads must "
                f"be a multiple of the key's and value's ({kv_heads}, {value.shape[-3]})")
        key, value = (_repeat_heads(t, heads // kv_heads) for t in (key, value))
    length, source = query.shape[-2], key.shape[-2]
    mask = None
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                               "set when is_causal=True")
        rows = xp.reshape(xp.arange(length), (-1, 1))
        cols = xp.reshape(xp.arange(source), (1, -1))
        attn_mask = type(query)._wrap(cols <= rows)
    if attn_mask is not None:
        if not isinstance(attn_mask, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): attn_mask must be a tensor, got "
                            f"{type(attn_mask).__name__}")
        m = attn_mask._data
        if eng.is_bool(m.dtype):
            mask = type(query)._wrap(xp.where(m, xp.zeros(m.shape, dtype=dtype),
                                              xp.full(m.shape, -math.inf, dtype=dtype)))
        elif m.dtype == dtype:
            mask = attn_mask
        else:
            raise RuntimeError(
                f"scaled_dot_product_attention(): expected attn_mask dtype to be bool or "
                f"{eng.dtype_name(dtype)} (the query's), got {eng.dtype_name(m.dtype)}")
    keep = None
    if dropout_p > 0:
        shape = _broadcast(tuple(query.shape[:-2]), tuple(key.shape[:-2])) + (length, source)
        if dropout_p == 1:
            drawn = xp.zeros(shape, dtype=dtype)
        else:
            u = eng.host.rng.uniform(tuple(shape), eng.dtype_name(dtype))
            drawn = xp.astype(xp.astype(u < 1 - dropout_p, dtype) * (1 / (1 - dropout_p)), dtype)
        keep = type(query)._wrap(drawn)
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    return apply(ScaledDotProductFlashAttentionForCpuBackward0, (query, key, value, mask, keep),
                 type(query), scale=factor)


def _repeat_heads(t: Any, times: int) -> Any:
    """(..., H, S, E) -> (..., H * times, S, E), each head repeated ``times`` times in place."""
    shape = tuple(t.shape)
    lead, (h, s, e) = shape[:-3], shape[-3:]
    return t.unsqueeze(-3).expand(*lead, h, times, s, e).reshape(*lead, h * times, s, e)


def _broadcast(a: tuple, b: tuple) -> tuple:
    """The broadcast of two shapes (batch dims of the query and the key)."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for x, y in zip(a, b):
        if x != y and 1 not in (x, y):
            raise RuntimeError(f"scaled_dot_product_attention(): batch dims {a} and {b} do not "
                               "broadcast")
        out.append(max(x, y) if 0 not in (x, y) else 0)
    return tuple(out)
