"""Activation layers: each applies the function of `gradspec.nn.functional` of its name."""

from __future__ import annotations

import math
import warnings
from typing import Any

from .. import functional as F
from ..parameter import Parameter
from . import _draw
from .linear import Linear, NonDynamicallyQuantizableLinear
from .module import Module

__all__ = ["ReLU", "Sigmoid", "Tanh",
           # nnlib
           "ELU", "GELU", "LeakyReLU", "LogSoftmax", "MultiheadAttention", "SiLU", "Softmax",
           "Softplus",
           # more of torch.nn's activations
           "CELU", "GLU", "Hardshrink", "Hardsigmoid", "Hardswish", "Hardtanh", "LogSigmoid",
           "Mish", "PReLU", "ReLU6", "SELU", "Softmin", "Softshrink", "Softsign", "Tanhshrink",
           "Threshold", "Softmax2d", "RReLU"]


class Sigmoid(Module):
    """The logistic function ``1 / (1 + exp(-x))``, elementwise."""

    def forward(self, x: Any) -> Any:
        return F.sigmoid(x)


class ReLU(Module):
    """``max(x, 0)``, elementwise (``inplace``: written into the input)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Any) -> Any:
        return F.relu(x, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class RReLU(Module):
    """The randomized leaky ReLU: ``x`` where positive, else ``a * x`` with ``a`` drawn from
    U(``lower``, ``upper``) per element in training, ``(lower + upper) / 2`` in eval."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Any) -> Any:
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        text = f"lower={self.lower}, upper={self.upper}"
        return text + (", inplace=True" if self.inplace else "")


class Tanh(Module):
    """The hyperbolic tangent, elementwise."""

    def forward(self, x: Any) -> Any:
        return F.tanh(x)


# ----------------------------------------------------------------------------- nnlib
def _softmax_dim(name: str, ndim: int) -> int:
    """torch's legacy choice when ``dim`` is None (with its warning): 0 for 0-, 1- and 3-d
    input, else 1."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """``exp(x) / exp(x).sum(dim)`` along ``dim``."""

    def __init__(self, dim: Any = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Any) -> Any:
        dim = self.dim if self.dim is not None else _softmax_dim("softmax", input.dim())
        return F.softmax(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W), at every location."""

    def forward(self, input: Any) -> Any:
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D "
                             "instead")
        return F.softmax(input, -3)


class LogSoftmax(Module):
    """``log(softmax(x))`` along ``dim``, computed stably."""

    def __init__(self, dim: Any = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Any) -> Any:
        dim = self.dim if self.dim is not None else _softmax_dim("log_softmax", input.dim())
        return F.log_softmax(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LeakyReLU(Module):
    """``x`` where positive, ``negative_slope * x`` elsewhere."""

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Any) -> Any:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """``x * Phi(x)`` (``approximate='tanh'``: its tanh approximation)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Any) -> Any:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """``x * sigmoid(x)``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Any) -> Any:
        return F.silu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ELU(Module):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Any) -> Any:
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``, elementwise; ``x`` itself where ``beta * x`` exceeds
    ``threshold`` (for numerical stability)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Any) -> Any:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


def _inplace(inplace: bool) -> str:
    return "inplace=True" if inplace else ""


class Hardtanh(Module):
    """``x`` clipped to ``[min_val, max_val]``."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__()
        if min_value is not None or max_value is not None:  # torch's deprecated spellings
            warnings.warn("keyword argument `min_value`/`max_value` is deprecated and will be "
                          "removed; use `min_val`/`max_val` instead", FutureWarning,
                          stacklevel=2)
            min_val = min_val if min_value is None else min_value
            max_val = max_val if max_value is None else max_value
        if max_val <= min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val "
                             f"({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input: Any) -> Any:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        text = f"min_val={self.min_val}, max_val={self.max_val}"
        return text + (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace(self.inplace)


class LogSigmoid(Module):
    """``log(sigmoid(x))``, computed without overflow."""

    def forward(self, input: Any) -> Any:
        return F.logsigmoid(input)


class SELU(Module):
    """The self-normalising ELU: ``scale * elu(x, alpha)``, torch's constants."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Any) -> Any:
        return F.selu(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace(self.inplace)


class CELU(Module):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Any) -> Any:
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class Mish(Module):
    """``x * tanh(softplus(x))``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Any) -> Any:
        return F.mish(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace(self.inplace)


class Hardswish(Module):
    """``x * relu6(x + 3) / 6``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Any) -> Any:
        return F.hardswish(input, self.inplace)


class Hardsigmoid(Module):
    """``relu6(x + 3) / 6``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Any) -> Any:
        return F.hardsigmoid(input, self.inplace)


class Softsign(Module):
    """``x / (1 + |x|)``."""

    def forward(self, input: Any) -> Any:
        return F.softsign(input)


class Tanhshrink(Module):
    """``x - tanh(x)``."""

    def forward(self, input: Any) -> Any:
        return F.tanhshrink(input)


class Threshold(Module):
    """``x`` where it exceeds ``threshold``, else ``value``."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Any) -> Any:
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        text = f"threshold={self.threshold}, value={self.value}"
        return text + (", inplace=True" if self.inplace else "")


class Softmin(Module):
    """``softmax(-x)`` along ``dim``."""

    def __init__(self, dim: Any = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Any) -> Any:
        return F.softmin(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class GLU(Module):
    """The gated linear unit: ``a * sigmoid(b)`` for the two halves of ``dim``."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Any) -> Any:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class PReLU(Module):
    """``x`` where positive, else ``weight * x``, with ``weight`` learned: one slope, or one
    per channel (``num_parameters`` = the input's dimension 1), starting at ``init``."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__()
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, int) \
                or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive integer, got "
                             f"{num_parameters!r}")
        b = self._parameter_backend(backend)
        where = {} if device is None else {"device": device}
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(b.full((num_parameters,), float(init), dtype=dtype, **where))

    def reset_parameters(self) -> None:
        """Every slope back to ``init``."""
        self.weight.data.fill_(float(self.init))

    def forward(self, input: Any) -> Any:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class Softshrink(Module):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, 0 between."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Any) -> Any:
        return F.softshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class Hardshrink(Module):
    """``x`` where ``|x| > lambd``, else 0."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Any) -> Any:
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return str(self.lambd)


class MultiheadAttention(Module):
    """Attention from ``query`` to ``key``/``value`` over ``num_heads`` heads of
    ``embed_dim // num_heads`` features, as torch.nn.MultiheadAttention: the same parameters
    and ``state_dict`` keys (``in_proj_weight``/``in_proj_bias``, or ``q_proj_weight``...
    when ``kdim``/``vdim`` differ from ``embed_dim``; ``out_proj``; ``bias_k``/``bias_v``),
    the same initialisation (xavier_uniform projections, zero biases), masks (boolean: True
    means *not* allowed; float: added), ``batch_first``, ``need_weights`` (the weights
    averaged over heads unless ``average_attn_weights=False``) and dropout on the weights."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: Any = None,
                 vdim: Any = None, batch_first: bool = False, device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        if embed_dim % num_heads:
            raise AssertionError("embed_dim must be divisible by num_heads")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.head_dim, self.batch_first = embed_dim // num_heads, batch_first
        self.add_zero_attn = add_zero_attn
        backend = self._parameter_backend(backend)
        e = embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(_draw.xavier_uniform(backend, (3 * e, e), dtype,
                                                                 device))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = Parameter(_draw.xavier_uniform(backend, (e, e), dtype, device))
            self.k_proj_weight = Parameter(_draw.xavier_uniform(backend, (e, self.kdim), dtype,
                                                                device))
            self.v_proj_weight = Parameter(_draw.xavier_uniform(backend, (e, self.vdim), dtype,
                                                                device))
        if bias:
            self.in_proj_bias = Parameter(backend.zeros(3 * e, **_draw.kw(dtype, device)))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(e, e, bias=bias, backend=backend,
                                                        dtype=dtype)
        if bias:
            self.out_proj.bias = Parameter(backend.zeros(e, **_draw.kw(dtype, device)))
        if add_bias_kv:
            self.bias_k = Parameter(_draw.xavier_normal(backend, (1, 1, e), dtype, device))
            self.bias_v = Parameter(_draw.xavier_normal(backend, (1, 1, e), dtype, device))
        else:
            self.bias_k = self.bias_v = None

    def forward(self, query: Any, key: Any, value: Any, key_padding_mask: Any = None,
                need_weights: bool = True, attn_mask: Any = None,
                average_attn_weights: bool = True, is_causal: bool = False) -> tuple[Any, Any]:
        """``(attn_output, attn_weights)``: the output has the query's layout ((L, N, E), or
        (N, L, E) with ``batch_first``, or (L, E) unbatched); the weights are (N, L, S)
        (averaged over heads) or (N, H, L, S), None unless ``need_weights``."""
        unbatched = query.dim() == 2
        if unbatched:
            query, key, value = (t.unsqueeze(1) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        # (L, N, E) from here on, as torch's multi_head_attention_forward
        length, batch, e = query.shape
        if e != self.embed_dim:
            raise AssertionError(f"was expecting embedding dimension of {self.embed_dim}, but "
                                 f"got {e}")
        # AssertionError, as PyTorch's own checks of these (scripts may catch that kind)
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(f"key and value must have the same sequence length and batch: "
                                 f"got key {tuple(key.shape)} and value {tuple(value.shape)}")
        if self._qkv_same_embed_dim and tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape "
                                 f"{tuple(value.shape)}: both must have embed_dim={e} features "
                                 "(pass kdim= and vdim= for other sizes)")
        if not self._qkv_same_embed_dim and (key.shape[-1], value.shape[-1]) != (self.kdim,
                                                                                 self.vdim):
            raise AssertionError(f"key and value must have kdim={self.kdim} and vdim="
                                 f"{self.vdim} features, got {key.shape[-1]} and "
                                 f"{value.shape[-1]}")
        heads, hd = self.num_heads, self.head_dim
        q, k, v = self._project(query, key, value)
        masks = _Masks(query, attn_mask, key_padding_mask, is_causal, length)
        if self.bias_k is not None:
            k = _cat0(k, self.bias_k.expand(1, batch, e))
            v = _cat0(v, self.bias_v.expand(1, batch, e))
            masks.pad_one()
        q = q.reshape(length, batch * heads, hd).transpose(0, 1)  # (N H, L, hd)
        k = k.reshape(k.shape[0], batch * heads, hd).transpose(0, 1)
        v = v.reshape(v.shape[0], batch * heads, hd).transpose(0, 1)
        if self.add_zero_attn:
            k = _cat1(k, k.new_tensor(0.0).expand(batch * heads, 1, hd))
            v = _cat1(v, v.new_tensor(0.0).expand(batch * heads, 1, hd))
            masks.pad_one()
        source = k.shape[1]
        mask = masks.combined(batch, heads, length, source)
        p = self.dropout if self.training else 0.0
        if need_weights:
            scores = (q * math.sqrt(1.0 / hd)) @ k.transpose(-2, -1)
            if mask is not None:
                scores = scores + mask.reshape(batch * heads, length, source)
            weights = F.softmax(scores, -1)
            if p > 0:
                weights = F.dropout(weights, p=p)
            out = weights @ v  # (N H, L, hd)
            out = out.transpose(0, 1).reshape(length * batch, e)
        else:
            q4, k4, v4 = (t.reshape(batch, heads, t.shape[1], hd) for t in (q, k, v))
            out = F.scaled_dot_product_attention(q4, k4, v4, attn_mask=mask, dropout_p=p,
                                                 is_causal=is_causal and mask is None)
            out = out.permute(2, 0, 1, 3).reshape(length * batch, e)
        out = self.out_proj(out).reshape(length, batch, e)
        if unbatched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        weights = weights.reshape(batch, heads, length, source)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        return out, weights.squeeze(0) if unbatched else weights

    def _project(self, query: Any, key: Any, value: Any) -> tuple[Any, Any, Any]:
        e = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            wq, wk, wv = w[:e], w[e:2 * e], w[2 * e:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)


def _cat0(a: Any, b: Any) -> Any:
    from ...plugins import backend_of

    return backend_of(a).cat([a, b], dim=0)


def _cat1(a: Any, b: Any) -> Any:
    from ...plugins import backend_of

    return backend_of(a).cat([a, b], dim=1)


class _Masks:
    """MultiheadAttention's masks as one float mask added to the scores: a boolean
    ``attn_mask`` or ``key_padding_mask`` is True where attending is *not* allowed (-inf
    there), a float one is added as it is."""

    def __init__(self, query: Any, attn_mask: Any, key_padding_mask: Any, is_causal: bool,
                 length: int) -> None:
        from ...plugins import backend_of

        self.backend = backend_of(query)
        self.dtype = query.dtype
        if attn_mask is None and is_causal:
            rows = self.backend.arange(length).unsqueeze(1)
            attn_mask = self.backend.arange(length).unsqueeze(0) > rows
        self.attn = self._float(attn_mask)
        self.padding = self._float(key_padding_mask)

    def _float(self, mask: Any) -> Any:
        if mask is None or mask.is_floating_point():
            return mask
        B = self.backend
        return B.where(mask, B.full(tuple(mask.shape), -math.inf, dtype=self.dtype),
                       B.zeros(tuple(mask.shape), dtype=self.dtype))

    def pad_one(self) -> None:
        """One more key (bias_k, or a zero key): masks get a column that allows it."""
        if self.attn is not None:
            self.attn = F.pad(self.attn, (0, 1))
        if self.padding is not None:
            self.padding = F.pad(self.padding, (0, 1))

    def combined(self, batch: int, heads: int, length: int, source: int) -> Any:
        """The float mask for scores of shape (N, H, L, S), or None."""
        mask = None
        if self.attn is not None:
            a = self.attn
            mask = (a.reshape(batch, heads, length, source) if a.dim() == 3
                    else a.reshape(1, 1, length, source))
        if self.padding is not None:
            p = self.padding.reshape(batch, 1, 1, source)
            mask = p if mask is None else mask + p
        if mask is not None and tuple(mask.shape) != (batch, heads, length, source):
            mask = mask.expand(batch, heads, length, source)
        return mask
