"""Index-valued results and sampling: argwhere, bincount, searchsorted, bucketize, histc,
tril_indices, triu_indices, multinomial."""

from __future__ import annotations

from typing import Any

from .. import return_types
from ..errors import SCALAR_TYPE_NAMES
from ..graph_names import shown_as
from .derivative import with_derivative
from .registry import _composed

_Histogram = return_types.histogram


@_composed("argwhere", what="indices of non-zero elements, one row each")
def argwhere(backend: Any, input: Any) -> Any:
    """``torch.nonzero(input)``: an (N, ndim) int64 tensor."""
    return backend.nonzero(input)


@_composed("bincount", what="counts (or summed weights) of each non-negative integer")
def bincount(backend: Any, input: Any, weights: Any = None, minlength: int = 0) -> Any:
    """How often each value 0..max occurs in the 1-d non-negative integer ``input`` (at least
    ``minlength`` bins); with ``weights``, their sums per value instead (float64 unless the
    weights are float32 or float16, as PyTorch's)."""
    if input.dim() != 1 or input.is_floating_point() or str(input.dtype).endswith("bool"):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError(f"minlength should be >= 0, got {minlength}")
    values = [int(v) for v in input.tolist()]
    if values and min(values) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    size = max(minlength, max(values) + 1 if values else 0)
    hits = input.reshape(-1, 1) == backend.arange(size).reshape(1, -1)
    if weights is None:
        return hits.to(backend.int64).sum(dim=0) if values else backend.zeros(
            size, dtype=backend.int64)
    if weights.shape != input.shape:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    kind = str(weights.dtype).rsplit(".", 1)[-1]
    dtype = weights.dtype if kind in ("float32", "float16", "float", "half") else backend.float64
    return (hits.to(dtype) * weights.to(dtype).reshape(-1, 1)).sum(dim=0)


def _search(backend: Any, sorted_sequence: Any, values: Any, right: bool,
            out_int32: bool) -> Any:
    if sorted_sequence.dim() == 1:
        seq = sorted_sequence.reshape(*([1] * values.dim()), -1)
        v = values.unsqueeze(-1)
    else:
        if sorted_sequence.shape[:-1] != values.shape[:-1]:
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or "
                               "the first N-1 dimensions of boundaries tensor and input value "
                               "tensor must match")
        seq, v = sorted_sequence.unsqueeze(-2), values.unsqueeze(-1)
    below = (seq <= v) if right else (seq < v)
    count = below.to(backend.int64).sum(dim=-1)
    return count.to(backend.int32) if out_int32 else count


@_composed("searchsorted", what="insertion indices that keep a sorted sequence sorted")
def searchsorted(backend: Any, sorted_sequence: Any, input: Any, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None, sorter: Any = None) -> Any:
    """For each value, the index where it would go in the (last dim of) ``sorted_sequence``:
    before equal elements, or after them with ``right=True`` / ``side='right'``."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        right = side == "right"
    if sorter is not None:
        sorted_sequence = backend.gather(sorted_sequence, -1, sorter)
    scalar = not hasattr(input, "dim")
    values = backend.tensor(input, dtype=sorted_sequence.dtype) if scalar else input
    out = _search(backend, sorted_sequence, values, right, out_int32)
    return out


@_composed("bucketize", what="the bucket of each value among sorted boundaries")
def bucketize(backend: Any, input: Any, boundaries: Any, *, out_int32: bool = False,
              right: bool = False) -> Any:
    """For each value, the index of the first boundary ``>= value`` (``> value`` with
    ``right=True``) in the 1-d sorted ``boundaries``."""
    if boundaries.dim() != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries.dim()})")
    scalar = not hasattr(input, "dim")
    values = backend.tensor(input, dtype=boundaries.dtype) if scalar else input
    return _search(backend, boundaries, values, right, out_int32)


@_composed("histc", what="a histogram of equal-width bins")
def histc(backend: Any, input: Any, bins: int = 100, min: float = 0, max: float = 0) -> Any:
    """Counts of ``input``'s elements in ``bins`` equal bins over ``[min, max]`` (the data's
    range when both are 0); elements outside are left out; the result has the input's dtype."""
    if not input.is_floating_point():
        raise RuntimeError(f"\"histogram_cpu\" not implemented for '{str(input.dtype).split('.')[-1]}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo == hi and input.numel():
        lo, hi = float(input.min()), float(input.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"torch.histc: max must be larger than min, but got min {lo} max {hi}")
    x = input.detach().reshape(-1)
    inside = backend.logical_and(x >= lo, x <= hi)
    position = ((x - lo) * (bins / (hi - lo))).floor().clamp(0, bins - 1).to(backend.int64)
    hits = backend.logical_and(position.reshape(-1, 1) == backend.arange(bins).reshape(1, -1),
                               inside.reshape(-1, 1))
    return hits.to(input.dtype).sum(dim=0)


@_composed("histogram", what="a histogram and its bin edges")
def histogram(backend: Any, input: Any, bins: Any = 100, *, range: Any = None,
              weight: Any = None, density: bool = False) -> Any:
    """``(hist, bin_edges)`` of ``input``'s elements: ``bins`` equal bins over ``range`` (the
    data's, widened by 0.5 each way where it is one value) or the given edges (a 1-d tensor).
    Each bin holds its left edge, the last also its right one; elements outside are left out.
    ``weight`` (the input's shape) sums weights instead of counting; ``density`` divides by the
    total and the bin widths.  As torch.histogram (a floating input; not differentiable)."""
    if not input.is_floating_point():
        name = str(input.dtype).rsplit(".", 1)[-1]
        raise NotImplementedError(f"\"histogramdd\" not implemented for "
                                  f"'{SCALAR_TYPE_NAMES.get(name, name)}' (a floating input is "
                                  "needed)")
    x = input.detach().reshape(-1)
    if hasattr(bins, "dim"):
        edges = bins.detach().to(input.dtype)
        if edges.dim() != 1 or edges.shape[0] < 2:
            raise RuntimeError("torch.histogram(): bins must be a 1-d tensor of at least two "
                               "edges")
    else:
        if isinstance(bins, bool) or not isinstance(bins, int) or bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                               f"dimension 0")
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif x.numel():
            lo, hi = float(x.min()), float(x.max())
        else:
            lo, hi = 0.0, 1.0
        if lo > hi:
            raise RuntimeError(f"torch.histogram(): min should not exceed max, but got min {lo} "
                               f"max {hi}")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = backend.linspace(lo, hi, bins + 1, dtype=input.dtype)
    count = edges.shape[0] - 1
    # each element's bin: the edges at or below it, less one (the last edge closes the last bin)
    position = (x.reshape(-1, 1) >= edges.reshape(1, -1)).sum(1) - 1
    position = backend.where(x == edges[-1], backend.full_like(position, count - 1), position)
    hits = position.reshape(-1, 1) == backend.arange(count).reshape(1, -1)
    hits = backend.logical_and(hits, backend.logical_and(x >= edges[0], x <= edges[-1])
                               .reshape(-1, 1)).to(input.dtype)
    if weight is not None:
        hits = hits * weight.detach().reshape(-1, 1).to(input.dtype)
    hist = hits.sum(0)
    if density:
        hist = hist / (hist.sum() * (edges[1:] - edges[:-1]))
    return _Histogram(hist, edges)


def _triangle(backend: Any, row: int, col: int, offset: int, lower: bool, dtype: Any) -> Any:
    pairs = [(i, j) for i in range(row) for j in range(col)
             if (j - i <= offset if lower else j - i >= offset)]
    if not pairs:
        return backend.zeros(2, 0, dtype=dtype or backend.int64)
    return backend.tensor([[i for i, _ in pairs], [j for _, j in pairs]],
                          dtype=dtype or backend.int64)


@_composed("tril_indices", what="the (row, col) indices of a matrix's lower triangle")
def tril_indices(backend: Any, row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None, layout: Any = None) -> Any:
    """A (2, N) tensor of the row and column indices on or below diagonal ``offset``, row by
    row."""
    return _triangle(backend, row, col, offset, True, dtype)


@_composed("triu_indices", what="the (row, col) indices of a matrix's upper triangle")
def triu_indices(backend: Any, row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None, layout: Any = None) -> Any:
    """A (2, N) tensor of the row and column indices on or above diagonal ``offset``."""
    return _triangle(backend, row, col, offset, False, dtype)


@_composed("multinomial", what="indices drawn by given weights, with or without replacement")
def multinomial(backend: Any, input: Any, num_samples: int, replacement: bool = False, *,
                generator: Any = None) -> Any:
    """``num_samples`` category indices per row of the non-negative weights ``input`` (1-d or
    2-d; rows need not sum to 1): independent draws by the inverse of the cumulative weights
    with ``replacement``, else distinct indices by the Gumbel top-k trick (the same
    distribution as drawing one at a time and removing it; once the weighted categories are
    used up, zero-weight ones follow, as PyTorch's CPU kernel gives them).  Draws come from the backend's
    generator (or ``generator``), so they differ from PyTorch's numbers."""
    if input.dim() not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.is_floating_point():
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{str(input.dtype).split('.')[-1].capitalize()}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    weights = input.detach().reshape(-1, input.shape[-1]).to(backend.float64)
    categories = weights.shape[1]
    if not replacement and num_samples > categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if bool((weights < 0).any()) or not bool(backend.isfinite(weights).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    totals = weights.sum(dim=1, keepdim=True)
    if bool((totals <= 0).any()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rows = weights.shape[0]
    extra = {} if generator is None else {"generator": generator}
    if replacement:
        u = backend.rand(rows, num_samples, dtype=backend.float64, **extra)
        edges = (weights / totals).cumsum(dim=1)
        # the first category whose cumulative weight exceeds u (never past the last)
        picks = (edges.unsqueeze(1) <= u.unsqueeze(2)).to(backend.int64).sum(dim=2)
        picks = picks.clamp(max=categories - 1)
        zero_weight = backend.gather(weights, 1, picks) == 0
        while bool(zero_weight.any()):  # u landed on the top edge of a run of zero weights
            picks = backend.where(zero_weight, picks - 1, picks)
            zero_weight = backend.gather(weights, 1, picks) == 0
    else:
        u = backend.rand(rows, categories, dtype=backend.float64, **extra).clamp(min=1e-300)
        keys = backend.where(weights > 0, weights.log() - (-u.log()).log(),
                             backend.full_like(weights, float("-inf")))
        picks = keys.topk(num_samples, dim=1)[1]
    picks = picks.to(backend.int64)
    return picks.reshape(-1) if input.dim() == 1 else picks


@_composed("bernoulli", what="0 or 1 drawn with the input's probabilities")
def bernoulli(backend: Any, input: Any, p: Any = None, *, generator: Any = None) -> Any:
    """1 with probability ``input`` (or the number ``p``) at each element, else 0, in the
    input's (floating) dtype; drawn from the backend's generator.  As PyTorch's, the draw of an
    input that requires grad is in its graph with a zero gradient (``BernoulliBackward0``),
    so a loss built on it still backpropagates; with ``p`` given, a backward through it is
    PyTorch's error."""
    if not input.is_floating_point():
        raise RuntimeError(f"bernoulli only supports floating-point dtypes, got "
                           f"{str(input.dtype).rsplit('.', 1)[-1]}")
    if p is None and (bool((input.detach() < 0).any()) or bool((input.detach() > 1).any())):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    out = with_derivative(backend, "bernoulli", _draw, _no_gradient, (input,), (p, generator))
    return shown_as(out, "BernoulliBackward0" if p is None else "NotImplemented", input)


def _draw(backend: Any, input: Any, p: Any, generator: Any) -> Any:
    out = backend.empty_like(input.detach())
    probabilities = input.detach() if p is None else p
    if generator is None:
        return out.bernoulli_(probabilities)
    return out.bernoulli_(probabilities, generator=generator)


def _no_gradient(backend: Any, g: Any, out: Any, input: Any, p: Any, generator: Any) -> tuple:
    if p is not None:  # PyTorch's node for a given p has no derivative
        raise RuntimeError("derivative for aten::bernoulli is not implemented (bernoulli(input, "
                           "p) with an input that requires grad; draw from input.detach())")
    return (backend.zeros_like(input),)


@_composed("randint_like", what="random integers of the input's shape and dtype")
def randint_like(backend: Any, input: Any, low: int = 0, high: Any = None, *, dtype: Any = None,
                 device: Any = None, requires_grad: bool = False, **_: Any) -> Any:
    """``randint(low, high, input.shape)`` in ``input``'s dtype (or ``dtype``);
    ``randint_like(x, high)`` draws from ``[0, high)``."""
    if high is None:
        low, high = 0, low
    out = backend.randint(int(low), int(high), tuple(input.shape),
                          dtype=dtype if dtype is not None else input.dtype)
    return out.requires_grad_() if requires_grad else out
