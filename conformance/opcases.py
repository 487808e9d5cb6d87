"""The op catalogue of the per-op gradient checks (clauses OPS-1, OPS-2 and OPS-3).

Each `OpCase` is one way of calling one op of the engine's registry (``op``), written with
the protocol surface only (backend functions and tensor methods/operators with PyTorch's names),
with inputs small enough for finite differences (one forward per input element and direction).
``conformance/test_ops.py`` runs every case three ways: first order against central finite
differences (OPS-1), second order against finite differences of the first-order gradient (OPS-2,
only cases with ``second_order``), and values and gradients against PyTorch (OPS-3).

Inputs are sampled from value domains chosen to keep finite differences honest: away from kinks
(``relu``, ``abs``, ``clamp``'s bounds), from singularities (``log``, ``sqrt``, ``1/x``), and from
ties (``max``, ``maximum``), so the derivative exists and is the same on both sides of every
perturbation.  Integer indices, masks, dims and keepdim are baked into ``fn``.

Second order.  A case whose second derivative is zero everywhere it exists (linear ops such as
``sum`` or ``reshape``; piecewise-linear ones such as ``relu`` or ``max``) has
``second_order=False``: torch returns the gradient of a linear function without a graph
(HIGHER-4), so comparing zero with zero would prove nothing.  Such cases get a companion whose
name ends in ``-sq`` and whose output is squared (``y * y``): its second derivative is not zero,
and it is only right if the op's backward is itself differentiable and right, which is what
OPS-2 asks of every op.

``methods`` lists the backend functions (``"clamp"``) and tensor members (``"Tensor.clamp"``,
``"Tensor.__getitem__"``, ``"Tensor.T"``) a case uses beyond ``backend.tensor``, the dtypes and
autograd itself, so a backend that lacks one reports the case as unsupported instead of failing.
``tests/test_gradcheck_helpers.py`` checks that each list names exactly what the case uses.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np

from . import opcases_nn as _nn  # the nn functions' and losses' cases (nnlib)

SEED = 20260613

#: The op registry names of gradspec's engine; every case names one, and each has a case.
REGISTRY_OPS = frozenset({
    "add", "sub", "mul", "div", "neg", "pow", "pow_tensor", "rpow", "exp", "log", "sqrt", "abs",
    "sign", "sin", "cos", "sigmoid", "tanh", "relu", "clamp", "maximum", "minimum", "max",
    "max_dim", "min", "min_dim", "sum", "mean", "matmul", "permute", "reshape", "expand", "cat",
    "stack", "getitem", "index", "where", "softmax", "log_softmax", "to", "clone", "setitem",
    "linear", "binary_cross_entropy", "cross_entropy",
    # ops (issue 12): see opcases_tensor.OPS
    "log1p", "expm1", "rsqrt", "reciprocal", "erf", "atan2", "floor", "ceil", "trunc", "round",
    "remainder", "fmod", "clamp_min", "clamp_max", "lerp", "softplus", "gelu", "leaky_relu", "elu",
    "silu", "mish", "hardtanh", "logsigmoid", "var", "std", "logsumexp", "amax", "amin", "prod",
    "median", "cumsum", "cumprod", "split", "repeat", "flip", "roll", "gather", "scatter_add",
    "scatter", "masked_fill", "baddbmm", "diagonal", "diag_embed", "trace", "tril", "triu",
    "vector_norm",
    # square matrices
    "linalg_inv", "linalg_det", "linalg_slogdet", "linalg_solve", "linalg_cholesky",
    # decompositions
    "linalg_qr", "linalg_eigh", "linalg_svd",
    "scatter_reduce",
}) | _nn.REGISTRY_OPS

#: What the harness itself uses on every backend; ``methods`` need not list these.
BASELINE = frozenset({"tensor", "float64", "float32", "int64", "bool", "autograd", "to_numpy"})

#: A step for float32 inputs: with dyadic values (``grid=1/64``) ``x +- 2**-10`` is exact.
FLOAT32_EPS = 2.0 ** -10


@dataclass(frozen=True)
class InputSpec:
    """One input: its shape, where its values come from, its dtype, whether it requires grad.

    Values are uniform in ``[low, high]``, then

    * ``signed``: the magnitude is in ``[low, high]`` and the sign random (keeps away from 0);
    * ``avoid``: resampled until at least ``margin`` away from each point (kinks, bounds);
    * ``distinct``: stratified, so any two elements are at least ``0.5*(high-low)/n`` apart
      (no ties for ``max``/``min``);
    * ``grid``: multiples of ``grid`` plus ``offset``: two inputs on interleaved grids never tie
      (``maximum``), and a dyadic grid is exact in float32;
    * ``zeros``: these flat positions hold exactly 0 (ops with a separate path for zeros, such
      as ``prod``; the domain must contain 0).
    """

    shape: tuple[int, ...]
    low: float = -2.0
    high: float = 2.0
    requires_grad: bool = True
    dtype: str = "float64"
    signed: bool = False
    avoid: tuple[float, ...] = ()
    margin: float = 0.1
    distinct: bool = False
    grid: float | None = None
    offset: float = 0.0
    zeros: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"empty domain [{self.low}, {self.high}]")
        special = [name for name in ("signed", "distinct") if getattr(self, name)]
        special += ["avoid"] if self.avoid else []
        special += ["grid"] if self.grid is not None else []
        if len(special) > 1:
            raise ValueError(f"choose one of {special}")
        if self.zeros and not (self.low <= 0.0 <= self.high) or self.zeros and self.signed:
            raise ValueError(f"zeros at {self.zeros} outside the domain [{self.low}, {self.high}]")

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        n, low, high = self.size, self.low, self.high
        if self.distinct:
            values = low + (high - low) * (rng.permutation(n) + rng.uniform(0.25, 0.75, n)) / n
        elif self.grid is not None:
            first = math.ceil((low - self.offset) / self.grid)
            last = math.floor((high - self.offset) / self.grid)
            values = self.offset + self.grid * rng.integers(first, last + 1, n)
        else:
            values = rng.uniform(low, high, n)
            if self.signed:
                values = values * rng.choice(np.array([-1.0, 1.0]), n)
            for point in self.avoid:
                while (near := np.abs(values - point) < self.margin).any():
                    values[near] = rng.uniform(low, high, int(near.sum()))
        values = np.asarray(values, dtype=np.float64)
        values[list(self.zeros)] = 0.0
        return values.reshape(self.shape)


@dataclass(frozen=True)
class OpCase:
    """One way of calling one op, checked by OPS-1/2/3 (see the module docstring)."""

    name: str
    op: str
    fn: Callable[..., Any]
    inputs: tuple[InputSpec, ...]
    methods: tuple[str, ...] = ()
    second_order: bool = True
    requires: tuple[str, ...] = ()
    eps: float = 1e-6
    rtol: float = 1e-5
    atol: float = 1e-7
    note: str = ""
    #: False where values depend on the backend's own random generator (dropout's masks):
    #: OPS-3, the comparison with PyTorch's values, leaves the case out
    torch_reference: bool = True

    def rng(self, stream: int) -> np.random.Generator:
        """A generator of its own per case and purpose (0 inputs, 1 cotangent, 2 weights)."""
        return np.random.default_rng([SEED, zlib.crc32(self.name.encode()), stream])

    def sample(self) -> list[np.ndarray]:
        rng = self.rng(0)
        return [spec.sample(rng) for spec in self.inputs]

    @property
    def wrt(self) -> tuple[int, ...]:
        return tuple(i for i, spec in enumerate(self.inputs) if spec.requires_grad)


# ---------------------------------------------------------------------------------- building blocks
def X(*shape: int, **kw: Any) -> InputSpec:
    """An input that requires grad."""
    return InputSpec(tuple(shape), **kw)


def K(*shape: int, **kw: Any) -> InputSpec:
    """A constant input (no grad)."""
    return InputSpec(tuple(shape), requires_grad=False, **kw)


_CASES: list[OpCase] = []


def _squared(case: OpCase) -> OpCase:
    fn = case.fn

    def squared(B: Any, *ts: Any) -> Any:
        y = fn(B, *ts)
        return y * y

    return replace(case, name=case.name + "-sq", fn=squared, second_order=True,
                   methods=tuple(dict.fromkeys((*case.methods, "Tensor.__mul__"))),
                   note=f"{case.name} squared, so that its second derivative is not zero")


def case(name: str, op: str, fn: Callable[..., Any], inputs: tuple[InputSpec, ...] | InputSpec,
         methods: tuple[str, ...] | str = (), *, second_order: bool = True, sq: bool = False,
         **kw: Any) -> None:
    """Add a case; ``sq`` also adds its squared companion (for cases without second order)."""
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    methods = (methods,) if isinstance(methods, str) else tuple(methods)
    c = OpCase(name, op, fn, inputs, methods, second_order=second_order, **kw)
    _CASES.append(c)
    if sq:
        _CASES.append(_squared(c))


def linear(name: str, op: str, fn: Callable[..., Any], inputs: Any, methods: Any = (), *,
           sq: bool = True, **kw: Any) -> None:
    """A case whose second derivative is zero (linear or piecewise linear)."""
    case(name, op, fn, inputs, methods, second_order=False, sq=sq, **kw)


UNARY_SHAPES = {"scalar": (), "one": (1,), "vec": (3,), "mat": (2, 3), "empty": (0,)}

BROADCAST_PAIRS = {
    "scalar-vec": ((), (3,)),
    "vec-scalar": ((3,), ()),
    "col-row": ((2, 1), (1, 3)),
    "mat-row": ((2, 3), (3,)),
    "one-mat": ((1,), (2, 3)),
    "3d-col": ((4, 1, 3), (2, 1)),
    "same": ((2, 3), (2, 3)),
}
# linear binary ops get squared companions on the pairs whose gradient reduction differs most
SQ_PAIRS = ("col-row", "3d-col", "scalar-vec")


# ----------------------------------------------------------------------------------------- add, sub
for pair, (sa, sb) in BROADCAST_PAIRS.items():
    linear(f"add-{pair}", "add", lambda B, a, b: a + b, (X(*sa), X(*sb)), "Tensor.__add__",
           sq=pair in SQ_PAIRS)
    linear(f"sub-{pair}", "sub", lambda B, a, b: a - b, (X(*sa), X(*sb)), "Tensor.__sub__",
           sq=pair in SQ_PAIRS)
linear("add-function", "add", lambda B, a, b: B.add(a, b), (X(2, 3), X(3)), "add")
linear("add-python-scalar", "add", lambda B, a: a + 2.5, X(2, 3), "Tensor.__add__")
linear("add-reflected-scalar", "add", lambda B, a: 2.5 + a, X(2, 3), "Tensor.__radd__")
linear("add-const-operand", "add", lambda B, a, b: a + b, (X(2, 3), K(3)), "Tensor.__add__")
linear("add-same-tensor", "add", lambda B, a: a + a, X(3), "Tensor.__add__")
linear("add-empty-rows", "add", lambda B, a, b: a + b, (X(0, 3), X(3)), "Tensor.__add__")
linear("sub-function", "sub", lambda B, a, b: B.sub(a, b), (X(2, 3), X(2, 1)), "sub")
linear("sub-python-scalar", "sub", lambda B, a: a - 1.5, X(2, 3), "Tensor.__sub__")
linear("sub-reflected-scalar", "sub", lambda B, a: 1.5 - a, X(2, 3), "Tensor.__rsub__")
linear("sub-const-operand", "sub", lambda B, a, b: a - b, (K(2, 1), X(1, 3)), "Tensor.__sub__")
linear("sub-same-tensor", "sub", lambda B, a: a - a, X(3), "Tensor.__sub__", sq=False)

# ----------------------------------------------------------------------------------------- mul, div
for pair, (sa, sb) in BROADCAST_PAIRS.items():
    case(f"mul-{pair}", "mul", lambda B, a, b: a * b, (X(*sa), X(*sb)), "Tensor.__mul__")
    case(f"div-{pair}", "div", lambda B, a, b: a / b,
         (X(*sa), X(*sb, low=0.5, high=2.0, signed=True)), "Tensor.__truediv__")
case("mul-function", "mul", lambda B, a, b: B.mul(a, b), (X(2, 3), X(3)), "mul")
case("mul-same-tensor", "mul", lambda B, a: a * a, X(2, 3), "Tensor.__mul__")
case("mul-empty-rows", "mul", lambda B, a, b: a * b, (X(0, 3), X(3)), "Tensor.__mul__")
linear("mul-python-scalar", "mul", lambda B, a: a * 3.0, X(2, 3), "Tensor.__mul__")
linear("mul-reflected-scalar", "mul", lambda B, a: 3.0 * a, X(2, 3), "Tensor.__rmul__")
linear("mul-const-operand", "mul", lambda B, a, b: a * b, (X(2, 3), K(3)), "Tensor.__mul__")
case("div-function", "div", lambda B, a, b: B.div(a, b),
     (X(2, 3), X(3, low=0.5, high=2.0, signed=True)), "div")
case("div-reflected-scalar", "div", lambda B, a: 1.0 / a, X(2, 3, low=0.5, high=2.0, signed=True),
     "Tensor.__rtruediv__")
case("div-const-numerator", "div", lambda B, a, b: a / b,
     (K(2, 3), X(3, low=0.5, high=2.0, signed=True)), "Tensor.__truediv__")
linear("div-python-scalar", "div", lambda B, a: a / 4.0, X(2, 3), "Tensor.__truediv__")
linear("div-const-denominator", "div", lambda B, a, b: a / b,
       (X(2, 3), K(3, low=0.5, high=2.0, signed=True)), "Tensor.__truediv__")

# ---------------------------------------------------------------------------------------------- neg
for label, shape in UNARY_SHAPES.items():
    linear(f"neg-{label}", "neg", lambda B, x: -x, X(*shape), "Tensor.__neg__",
           sq=label == "mat")
linear("neg-function", "neg", lambda B, x: B.neg(x), X(2, 3), "neg")

# --------------------------------------------------------------------------- pow (tensor ** number)
POSITIVE = dict(low=0.2, high=3.0)
case("pow-half", "pow", lambda B, x: x ** 0.5, X(2, 3, **POSITIVE), "Tensor.__pow__")
case("pow-two", "pow", lambda B, x: x ** 2, X(2, 3), "Tensor.__pow__")
case("pow-three", "pow", lambda B, x: x ** 3, X(2, 3), "Tensor.__pow__")
case("pow-minus-one", "pow", lambda B, x: x ** -1, X(2, 3, low=0.5, high=2.0, signed=True),
     "Tensor.__pow__")
case("pow-minus-two", "pow", lambda B, x: x ** -2, X(3, low=0.5, high=2.0, signed=True),
     "Tensor.__pow__")
case("pow-fractional", "pow", lambda B, x: x ** 2.5, X(3, **POSITIVE), "Tensor.__pow__")
case("pow-method-two", "pow", lambda B, x: x.pow(2), X(2, 3), "Tensor.pow")
case("pow-function-three", "pow", lambda B, x: B.pow(x, 3), X(3), "pow")
case("pow-two-scalar", "pow", lambda B, x: x ** 2, X(), "Tensor.__pow__")
case("pow-two-empty", "pow", lambda B, x: x ** 2, X(0), "Tensor.__pow__")
case("pow-zero", "pow", lambda B, x: x ** 0, X(3, **POSITIVE), "Tensor.__pow__",
     second_order=False, note="x**0 is constant: gradient zero, nothing to square")

# -------------------------------------------------------------------- pow_tensor (tensor ** tensor)
BASE = dict(low=0.5, high=2.0)
for pair, (sa, sb) in BROADCAST_PAIRS.items():
    case(f"pow_tensor-{pair}", "pow_tensor", lambda B, a, b: a ** b, (X(*sa, **BASE), X(*sb)),
         "Tensor.__pow__")
case("pow_tensor-function", "pow_tensor", lambda B, a, b: B.pow(a, b), (X(2, 3, **BASE), X(3)),
     "pow")
case("pow_tensor-method", "pow_tensor", lambda B, a, b: a.pow(b), (X(2, 3, **BASE), X(2, 3)),
     "Tensor.pow")
case("pow_tensor-const-exponent", "pow_tensor", lambda B, a, b: a ** b,
     (X(2, 3, **BASE), K(3)), "Tensor.__pow__")
case("pow_tensor-const-base", "pow_tensor", lambda B, a, b: a ** b,
     (K(2, 3, **BASE), X(3)), "Tensor.__pow__")

# -------------------------------------------------------------------------- rpow (number ** tensor)
case("rpow-two-scalar", "rpow", lambda B, x: 2 ** x, X(), "Tensor.__rpow__")
case("rpow-two", "rpow", lambda B, x: 2 ** x, X(2, 3), "Tensor.__rpow__")
case("rpow-half", "rpow", lambda B, x: 0.5 ** x, X(3), "Tensor.__rpow__")
case("rpow-e", "rpow", lambda B, x: 2.718281828459045 ** x, X(3), "Tensor.__rpow__")
case("rpow-function", "rpow", lambda B, x: B.pow(3.0, x), X(2, 3), "pow")

# --------------------------------------------------------------------------------- smooth unary ops
SMOOTH = {
    "exp": {},
    "log": POSITIVE,
    "sqrt": POSITIVE,
    "sin": dict(low=-3.0, high=3.0),
    "cos": dict(low=-3.0, high=3.0),
    "sigmoid": dict(low=-3.0, high=3.0),
    "tanh": dict(low=-3.0, high=3.0),
}
for op, domain in SMOOTH.items():
    for label, shape in UNARY_SHAPES.items():
        case(f"{op}-{label}", op, lambda B, x, op=op: getattr(B, op)(x), X(*shape, **domain), op)
    case(f"{op}-method", op, lambda B, x, op=op: getattr(x, op)(), X(2, 3, **domain),
         f"Tensor.{op}")

# ---------------------------------------------------------------------------------------- abs, relu
NONZERO = dict(low=0.1, high=2.0, signed=True)
for label, shape in UNARY_SHAPES.items():
    linear(f"abs-{label}", "abs", lambda B, x: B.abs(x), X(*shape, **NONZERO), "abs",
           sq=label in ("scalar", "mat"))
    linear(f"relu-{label}", "relu", lambda B, x: B.relu(x), X(*shape, avoid=(0.0,)), "relu",
           sq=label in ("scalar", "mat"))
# sign's derivative is zero wherever it exists; times x*x its second derivative (2 sign(x)) is not
AWAY_FROM_ZERO = dict(low=0.5, high=2.0, signed=True)
linear("sign-function", "sign", lambda B, x: B.sign(x), X(2, 3, **AWAY_FROM_ZERO), "sign",
       sq=False)
case("sign-times-square", "sign", lambda B, x: x.sign() * x * x, X(2, 3, **AWAY_FROM_ZERO),
     ("Tensor.sign", "Tensor.__mul__"))
linear("abs-method", "abs", lambda B, x: x.abs(), X(2, 3, **NONZERO), "Tensor.abs")
linear("abs-builtin", "abs", lambda B, x: abs(x), X(2, 3, **NONZERO), "Tensor.__abs__")
linear("relu-method", "relu", lambda B, x: x.relu(), X(2, 3, avoid=(0.0,)), "Tensor.relu")

# -------------------------------------------------------------------------------------------- clamp
BOUNDS = dict(avoid=(-0.5, 0.5))
linear("clamp-min-max", "clamp", lambda B, x: x.clamp(-0.5, 0.5), X(2, 4, **BOUNDS),
       "Tensor.clamp")
linear("clamp-keywords", "clamp", lambda B, x: x.clamp(min=-0.5, max=0.5), X(2, 4, **BOUNDS),
       "Tensor.clamp")
linear("clamp-min-only", "clamp", lambda B, x: x.clamp(min=0.5), X(2, 4, **BOUNDS),
       "Tensor.clamp")
linear("clamp-max-only", "clamp", lambda B, x: x.clamp(max=-0.5), X(2, 4, **BOUNDS),
       "Tensor.clamp")
linear("clamp-function", "clamp", lambda B, x: B.clamp(x, -1.0, 1.0), X(2, 4, avoid=(-1.0, 1.0)),
       "clamp")
linear("clamp-scalar-inside", "clamp", lambda B, x: x.clamp(-3.0, 3.0), X(), "Tensor.clamp",
       sq=False)
linear("clamp-empty", "clamp", lambda B, x: x.clamp(-0.5, 0.5), X(0), "Tensor.clamp", sq=False)

# --------------------------------------------------------------------------------- maximum, minimum
LOW_GRID = dict(grid=0.25)
HIGH_GRID = dict(grid=0.25, offset=0.125)  # interleaved with LOW_GRID: never equal
for pair, (sa, sb) in BROADCAST_PAIRS.items():
    for op in ("maximum", "minimum"):
        linear(f"{op}-{pair}", op, lambda B, a, b, op=op: getattr(B, op)(a, b),
               (X(*sa, **LOW_GRID), X(*sb, **HIGH_GRID)), op, sq=pair in SQ_PAIRS)
for op in ("maximum", "minimum"):
    linear(f"{op}-method", op, lambda B, a, b, op=op: getattr(a, op)(b),
           (X(2, 3, **LOW_GRID), X(2, 3, **HIGH_GRID)), f"Tensor.{op}", sq=False)
    linear(f"{op}-const-operand", op, lambda B, a, b, op=op: getattr(B, op)(a, b),
           (X(2, 3, **LOW_GRID), K(3, **HIGH_GRID)), op)

# ------------------------------------------------------------------------ max, min (full reduction)
for op in ("max", "min"):
    linear(f"{op}-full", op, lambda B, x, op=op: getattr(x, op)(), X(2, 3, distinct=True),
           f"Tensor.{op}")
    linear(f"{op}-function", op, lambda B, x, op=op: getattr(B, op)(x), X(2, 3, distinct=True),
           op, sq=False)
    linear(f"{op}-vec", op, lambda B, x, op=op: getattr(x, op)(), X(4, distinct=True),
           f"Tensor.{op}", sq=False)
    linear(f"{op}-one", op, lambda B, x, op=op: getattr(x, op)(), X(1), f"Tensor.{op}", sq=False)
    linear(f"{op}-scalar", op, lambda B, x, op=op: getattr(x, op)(), X(), f"Tensor.{op}")
    linear(f"{op}-3d", op, lambda B, x, op=op: getattr(x, op)(), X(2, 1, 3, distinct=True),
           f"Tensor.{op}")

# --------------------------------------------------------------------------------- max_dim, min_dim
for op in ("max", "min"):
    kind = f"{op}_dim"
    linear(f"{kind}-1", kind, lambda B, x, op=op: getattr(x, op)(1).values,
           X(2, 3, distinct=True), f"Tensor.{op}")
    linear(f"{kind}-0-keepdim", kind,
           lambda B, x, op=op: getattr(x, op)(dim=0, keepdim=True).values,
           X(3, 2, distinct=True), f"Tensor.{op}")
    linear(f"{kind}-negative-indexed", kind, lambda B, x, op=op: getattr(x, op)(-1)[0],
           X(2, 3, distinct=True), f"Tensor.{op}", sq=False)
    linear(f"{kind}-function", kind, lambda B, x, op=op: getattr(B, op)(x, 1).values,
           X(2, 3, distinct=True), op, sq=False)
    linear(f"{kind}-size1", kind, lambda B, x, op=op: getattr(x, op)(1).values,
           X(2, 1, 3, distinct=True), f"Tensor.{op}")
    linear(f"{kind}-3d-keepdim", kind,
           lambda B, x, op=op: getattr(x, op)(dim=1, keepdim=True).values,
           X(2, 3, 2, distinct=True), f"Tensor.{op}")
    linear(f"{kind}-vec", kind, lambda B, x, op=op: getattr(x, op)(0).values,
           X(4, distinct=True), f"Tensor.{op}", sq=False)

# ---------------------------------------------------------------------------------------- sum, mean
for op in ("sum", "mean"):
    m = f"Tensor.{op}"
    linear(f"{op}-full", op, lambda B, x, op=op: getattr(x, op)(), X(2, 3), m)
    linear(f"{op}-function", op, lambda B, x, op=op: getattr(B, op)(x), X(2, 3), op, sq=False)
    linear(f"{op}-dim0", op, lambda B, x, op=op: getattr(x, op)(0), X(2, 3), m)
    linear(f"{op}-dim1-keyword", op, lambda B, x, op=op: getattr(x, op)(dim=1), X(2, 3), m,
           sq=False)
    linear(f"{op}-negative-dim", op, lambda B, x, op=op: getattr(x, op)(-1), X(2, 3, 2), m)
    linear(f"{op}-dims-tuple", op, lambda B, x, op=op: getattr(x, op)(dim=(0, 2)), X(2, 3, 2), m)
    linear(f"{op}-keepdim", op, lambda B, x, op=op: getattr(x, op)(1, keepdim=True), X(2, 3), m)
    linear(f"{op}-function-dims-keepdim", op,
           lambda B, x, op=op: getattr(B, op)(x, dim=(0, 1), keepdim=True), X(2, 3, 2), op)
    linear(f"{op}-size1-dim", op, lambda B, x, op=op: getattr(x, op)(1), X(2, 1, 3), m)
    linear(f"{op}-size1-keepdim", op, lambda B, x, op=op: getattr(x, op)(0, keepdim=True),
           X(1, 3), m, sq=False)
    linear(f"{op}-vec", op, lambda B, x, op=op: getattr(x, op)(), X(3), m, sq=False)
    linear(f"{op}-scalar", op, lambda B, x, op=op: getattr(x, op)(), X(), m)
linear("sum-empty", "sum", lambda B, x: x.sum(), X(0), "Tensor.sum")
linear("sum-empty-dim", "sum", lambda B, x: x.sum(0), X(0, 3), "Tensor.sum", sq=False)

# ------------------------------------------------------------------------------------------- matmul
MM = "Tensor.__matmul__"
case("matmul-vec-vec", "matmul", lambda B, a, b: a @ b, (X(3), X(3)), MM)
case("matmul-mat-vec", "matmul", lambda B, a, b: a @ b, (X(2, 3), X(3)), MM)
case("matmul-vec-mat", "matmul", lambda B, a, b: a @ b, (X(3), X(3, 2)), MM)
case("matmul-mat-mat", "matmul", lambda B, a, b: a @ b, (X(2, 3), X(3, 4)), MM)
case("matmul-mm", "matmul", lambda B, a, b: B.mm(a, b), (X(2, 3), X(3, 2)), "mm")
case("matmul-function", "matmul", lambda B, a, b: B.matmul(a, b), (X(2, 3), X(3, 2)), "matmul")
case("matmul-method", "matmul", lambda B, a, b: a.matmul(b), (X(3, 2), X(2, 2)), "Tensor.matmul")
case("matmul-batched", "matmul", lambda B, a, b: a @ b, (X(2, 2, 3), X(2, 3, 2)), MM)
case("matmul-broadcast-batch", "matmul", lambda B, a, b: a @ b, (X(2, 1, 2, 3), X(3, 3, 2)), MM)
case("matmul-batched-vec", "matmul", lambda B, a, b: a @ b, (X(2, 2, 3), X(3)), MM)
case("matmul-vec-batched", "matmul", lambda B, a, b: a @ b, (X(3), X(2, 3, 2)), MM)
case("matmul-mat-batched", "matmul", lambda B, a, b: a @ b, (X(2, 3), X(4, 3, 2)), MM)
case("matmul-same-tensor", "matmul", lambda B, a: a @ a, X(2, 2), MM)
linear("matmul-const-right", "matmul", lambda B, a, b: a @ b, (X(2, 3), K(3, 2)), MM)
linear("matmul-const-left", "matmul", lambda B, a, b: a @ b, (K(2, 2, 3), X(3)), MM)

# ------------------------------------------------------------------------------------------- linear
LIN = "linear"
case("linear-mat", LIN, lambda B, x, w, b: B.linear(x, w, b), (X(4, 3), X(2, 3), X(2)), LIN)
case("linear-no-bias", LIN, lambda B, x, w: B.linear(x, w), (X(4, 3), X(2, 3)), LIN)
case("linear-vec", LIN, lambda B, x, w, b: B.linear(x, w, b), (X(3), X(2, 3), X(2)), LIN)
case("linear-batched", LIN, lambda B, x, w, b: B.linear(x, w, b), (X(2, 2, 3), X(2, 3), X(2)),
     LIN)
case("linear-scalar-bias", LIN, lambda B, x, w, b: B.linear(x, w, b), (X(4, 3), X(2, 3), X()),
     LIN)
linear("linear-const-input", LIN, lambda B, x, w, b: B.linear(x, w, b), (K(4, 3), X(2, 3), X(2)),
       LIN)

# ----------------------------------------------------------------------------- binary_cross_entropy
BCE = "binary_cross_entropy"
PROB = {"low": 0.05, "high": 0.95}  # away from p (1 - p) = 0, where the gradient is capped
for reduction in ("mean", "sum", "none"):
    case(f"{BCE}-{reduction}", BCE,
         lambda B, p, y, r=reduction: B.binary_cross_entropy(p, y, reduction=r),
         (X(2, 3, **PROB), X(2, 3, low=0.0, high=1.0)), BCE)
case(f"{BCE}-weighted", BCE, lambda B, p, y, w: B.binary_cross_entropy(p, y, w),
     (X(4, **PROB), X(4, low=0.0, high=1.0), K(4, low=0.5, high=1.5)), BCE)
case(f"{BCE}-weight-broadcast", BCE,
     lambda B, p, y, w: B.binary_cross_entropy(p, y, w, reduction="none"),
     (X(2, 3, **PROB), X(2, 3, low=0.0, high=1.0), K(3, low=0.5, high=1.5)), BCE)
case(f"{BCE}-const-target", BCE, lambda B, p, y: B.binary_cross_entropy(p, y),
     (X(5, **PROB), K(5, low=0.0, high=1.0)), BCE)
case(f"{BCE}-scalar", BCE, lambda B, p, y: B.binary_cross_entropy(p, y),
     (X(**PROB), X(low=0.0, high=1.0)), BCE)

# ------------------------------------------------------------------------------------ cross_entropy
CE = "cross_entropy"
for reduction in ("mean", "sum", "none"):
    case(f"{CE}-indices-{reduction}", CE,
         lambda B, x, r=reduction: B.cross_entropy(x, B.tensor([0, 3, 1]), reduction=r), X(3, 4),
         CE)
case(f"{CE}-one-sample", CE, lambda B, x: B.cross_entropy(x, B.tensor([2])), X(1, 3), CE)
case(f"{CE}-probabilities", CE, lambda B, x, t: B.cross_entropy(x, t),
     (X(3, 4), X(3, 4, low=0.05, high=1.0)), CE)
case(f"{CE}-probabilities-none", CE, lambda B, x, t: B.cross_entropy(x, t, reduction="none"),
     (X(2, 3), K(2, 3, low=0.0, high=1.0)), CE)

# ------------------------------------------------------------------------------- transpose, permute
linear("permute-transpose-function", "permute", lambda B, x: B.transpose(x, 0, 1), X(2, 3),
       "transpose")
linear("permute-transpose-method", "permute", lambda B, x: x.transpose(0, 1), X(2, 3),
       "Tensor.transpose", sq=False)
linear("permute-transpose-T", "permute", lambda B, x: x.T, X(2, 3), "Tensor.T")
linear("permute-transpose-t", "permute", lambda B, x: x.t(), X(3, 2), "Tensor.t")
linear("permute-transpose-3d", "permute", lambda B, x: x.transpose(0, 2), X(2, 3, 2),
       "Tensor.transpose")
linear("permute-transpose-negative-dims", "permute", lambda B, x: x.transpose(-1, -2), X(2, 3, 2),
       "Tensor.transpose", sq=False)
linear("permute-3d", "permute", lambda B, x: x.permute(2, 0, 1), X(2, 3, 2), "Tensor.permute")
linear("permute-tuple", "permute", lambda B, x: x.permute((1, 0)), X(2, 3), "Tensor.permute",
       sq=False)
linear("permute-function", "permute", lambda B, x: B.permute(x, (1, 2, 0)), X(2, 3, 2),
       "permute")
linear("permute-negative-dims", "permute", lambda B, x: x.permute(-1, 0, 1), X(2, 3, 2),
       "Tensor.permute", sq=False)

# --------------------------------------------------------------------------- reshape, view, flatten
linear("reshape-sizes", "reshape", lambda B, x: x.reshape(3, 2), X(2, 3), "Tensor.reshape")
linear("reshape-tuple", "reshape", lambda B, x: x.reshape((6,)), X(2, 3), "Tensor.reshape",
       sq=False)
linear("reshape-function-minus-one", "reshape", lambda B, x: B.reshape(x, (3, -1)), X(2, 3, 2),
       "reshape")
linear("reshape-view", "reshape", lambda B, x: x.view(6), X(2, 3), "Tensor.view", sq=False)
linear("reshape-view-minus-one", "reshape", lambda B, x: x.view(-1, 2), X(2, 3), "Tensor.view")
linear("reshape-flatten", "reshape", lambda B, x: x.flatten(), X(2, 3, 1), "Tensor.flatten")
linear("reshape-function-flatten", "reshape", lambda B, x: B.flatten(x), X(2, 2), "flatten",
       sq=False)
linear("reshape-scalar-to-one", "reshape", lambda B, x: x.reshape(1), X(), "Tensor.reshape")
linear("reshape-one-to-scalar", "reshape", lambda B, x: x.view(()), X(1), "Tensor.view")
linear("reshape-add-size1-dims", "reshape", lambda B, x: x.reshape(1, 3, 1), X(3),
       "Tensor.reshape", sq=False)

# ------------------------------------------------------------------------------- squeeze, unsqueeze
linear("reshape-squeeze-all", "reshape", lambda B, x: x.squeeze(), X(1, 3, 1), "Tensor.squeeze")
linear("reshape-squeeze-dim", "reshape", lambda B, x: x.squeeze(0), X(1, 3, 1), "Tensor.squeeze")
linear("reshape-squeeze-function-negative", "reshape", lambda B, x: B.squeeze(x, -1), X(2, 1),
       "squeeze", sq=False)
linear("reshape-squeeze-dim-not-one", "reshape", lambda B, x: x.squeeze(1), X(1, 3, 1),
       "Tensor.squeeze", sq=False)
linear("reshape-squeeze-to-scalar", "reshape", lambda B, x: x.squeeze(), X(1), "Tensor.squeeze")
linear("reshape-unsqueeze-front", "reshape", lambda B, x: x.unsqueeze(0), X(2, 3),
       "Tensor.unsqueeze")
linear("reshape-unsqueeze-negative", "reshape", lambda B, x: x.unsqueeze(-1), X(2, 3),
       "Tensor.unsqueeze", sq=False)
linear("reshape-unsqueeze-function", "reshape", lambda B, x: B.unsqueeze(x, 1), X(2, 3),
       "unsqueeze",
       sq=False)
linear("reshape-unsqueeze-scalar", "reshape", lambda B, x: x.unsqueeze(0), X(), "Tensor.unsqueeze")

# ------------------------------------------------------------------------------------------- expand
linear("expand-row", "expand", lambda B, x: x.expand(2, 3), X(1, 3), "Tensor.expand")
linear("expand-new-dim-and-size1", "expand", lambda B, x: x.expand(4, 2, 3), X(2, 1),
       "Tensor.expand")
linear("expand-vector", "expand", lambda B, x: x.expand(2, 3), X(3), "Tensor.expand", sq=False)
linear("expand-scalar", "expand", lambda B, x: x.expand(3), X(), "Tensor.expand")
linear("expand-minus-one", "expand", lambda B, x: x.expand(-1, 4), X(2, 1), "Tensor.expand",
       sq=False)

# --------------------------------------------------------------------------------------- cat, stack
linear("cat-dim0", "cat", lambda B, a, b, c: B.cat([a, b, c], dim=0), (X(1, 2), X(2, 2), X(1, 2)),
       "cat")
linear("cat-dim1", "cat", lambda B, a, b, c: B.cat([a, b, c], dim=1), (X(2, 1), X(2, 3), X(2, 2)),
       "cat")
linear("cat-negative-dim", "cat", lambda B, a, b: B.cat((a, b), dim=-1), (X(2, 1), X(2, 2)),
       "cat", sq=False)
linear("cat-vectors-default-dim", "cat", lambda B, a, b: B.cat([a, b]), (X(2), X(3)), "cat",
       sq=False)
linear("cat-const-operand", "cat", lambda B, a, b, c: B.cat([a, b, c], dim=0),
       (X(1, 2), K(2, 2), X(1, 2)), "cat")
linear("stack-dim0", "stack", lambda B, a, b, c: B.stack([a, b, c]), (X(2, 3), X(2, 3), X(2, 3)),
       "stack")
linear("stack-dim1", "stack", lambda B, a, b, c: B.stack([a, b, c], dim=1),
       (X(2, 2), X(2, 2), X(2, 2)), "stack")
linear("stack-negative-dim", "stack", lambda B, a, b: B.stack((a, b), dim=-1), (X(3), X(3)),
       "stack", sq=False)
linear("stack-scalars", "stack", lambda B, a, b, c: B.stack([a, b, c]), (X(), X(), X()), "stack")

# ------------------------------------------------------------------------- getitem (basic indexing)
GI = "Tensor.__getitem__"
linear("getitem-int", "getitem", lambda B, x: x[1], X(3, 4), GI)
linear("getitem-negative-int", "getitem", lambda B, x: x[-1], X(3, 4), GI, sq=False)
linear("getitem-element", "getitem", lambda B, x: x[1, 2], X(3, 4), GI)
linear("getitem-column", "getitem", lambda B, x: x[:, 1], X(3, 4), GI, sq=False)
linear("getitem-slice", "getitem", lambda B, x: x[1:3], X(4, 2), GI, sq=False)
linear("getitem-step", "getitem", lambda B, x: x[::2], X(5, 2), GI)
linear("getitem-steps-2d", "getitem", lambda B, x: x[1::2, ::3], X(4, 5), GI)
linear("getitem-negative-slice", "getitem", lambda B, x: x[-2:], X(4, 2), GI, sq=False)
linear("getitem-none", "getitem", lambda B, x: x[None], X(2, 3), GI, sq=False)
linear("getitem-none-middle", "getitem", lambda B, x: x[:, None], X(2, 3), GI)
linear("getitem-ellipsis", "getitem", lambda B, x: x[..., 1], X(2, 3, 2), GI)
linear("getitem-ellipsis-step", "getitem", lambda B, x: x[..., ::2], X(2, 2, 3), GI, sq=False)
linear("getitem-mixed", "getitem", lambda B, x: x[0, ..., None, 1:], X(2, 3, 3), GI)
linear("getitem-empty-slice", "getitem", lambda B, x: x[1:1], X(3, 2), GI, sq=False)
linear("getitem-scalar-of-vector", "getitem", lambda B, x: x[-2], X(3), GI, sq=False)

# ------------------------------------------------------------------------ index (advanced indexing)
linear("index-repeated", "index", lambda B, x: x[B.tensor([0, 2, 0])], X(3, 2), GI)
linear("index-2d-indices", "index", lambda B, x: x[B.tensor([[0, 1], [1, 1]])], X(3), GI)
linear("index-negative", "index", lambda B, x: x[B.tensor([-1, 0, -1])], X(4), GI, sq=False)
linear("index-columns", "index", lambda B, x: x[:, B.tensor([2, 0, 2])], X(2, 3), GI)
linear("index-pairs", "index", lambda B, x: x[B.tensor([0, 1, 1]), B.tensor([2, 0, 2])], X(2, 3),
       GI)
linear("index-mask", "index",
       lambda B, x: x[B.tensor([[True, False, True], [False, False, True]])], X(2, 3), GI)
linear("index-row-mask", "index", lambda B, x: x[B.tensor([True, False, True])], X(3, 2), GI,
       sq=False)
linear("index-mask-none-true", "index", lambda B, x: x[B.tensor([False, False, False])], X(3),
       GI, sq=False)

# -------------------------------------------------------------------------------------------- where
MASK = [[True, False, True], [False, False, True]]
linear("where-same-shape", "where", lambda B, a, b: B.where(B.tensor(MASK), a, b),
       (X(2, 3), X(2, 3)), "where")
linear("where-broadcast", "where", lambda B, a, b: B.where(B.tensor(MASK), a, b),
       (X(2, 3), X(3)), "where")
linear("where-broadcast-scalar", "where", lambda B, a, b: B.where(B.tensor(MASK), a, b),
       (X(), X(2, 1)), "where")
linear("where-broadcast-mask", "where",
       lambda B, a, b: B.where(B.tensor([True, False, True]), a, b), (X(2, 3), X(2, 3)), "where",
       sq=False)
linear("where-python-scalar", "where", lambda B, a: B.where(B.tensor(MASK), a, 0.0), X(2, 3),
       "where")
linear("where-const-operand", "where", lambda B, a, b: B.where(B.tensor(MASK), a, b),
       (K(2, 3), X(2, 3)), "where", sq=False)

# ----------------------------------------------------------------------------- softmax, log_softmax
for op in ("softmax", "log_softmax"):
    case(f"{op}-dim0", op, lambda B, x, op=op: getattr(B, op)(x, dim=0), X(3, 2), op)
    case(f"{op}-dim1", op, lambda B, x, op=op: getattr(B, op)(x, 1), X(2, 3), op)
    case(f"{op}-dim-negative", op, lambda B, x, op=op: getattr(B, op)(x, -1), X(2, 2, 3), op)
    case(f"{op}-method", op, lambda B, x, op=op: getattr(x, op)(1), X(2, 3), f"Tensor.{op}")
    case(f"{op}-vec", op, lambda B, x, op=op: getattr(B, op)(x, 0), X(4), op)
    case(f"{op}-3d-middle", op, lambda B, x, op=op: getattr(B, op)(x, dim=1), X(2, 3, 2), op)
    # a single element along dim: softmax is constant 1 there, log_softmax constant 0
    linear(f"{op}-size1-dim", op, lambda B, x, op=op: getattr(B, op)(x, 1), X(3, 1), op, sq=False)

# --------------------------------------------------------------------------------- to (dtype casts)
# dyadic values and step: every float32 intermediate is exact, so float64 tolerances still hold
F32_GRID = dict(grid=1.0 / 64)
linear("to-double-from-float32", "to", lambda B, x: x.double(),
       X(2, 3, dtype="float32", **F32_GRID), "Tensor.double", eps=FLOAT32_EPS)
linear("to-float-from-float64", "to", lambda B, x: x.float(), X(2, 3, **F32_GRID),
       "Tensor.float", eps=FLOAT32_EPS)
linear("to-dtype-float64", "to", lambda B, x: x.to(B.float64), X(3, dtype="float32", **F32_GRID),
       "Tensor.to", eps=FLOAT32_EPS)
linear("to-dtype-float32", "to", lambda B, x: x.to(B.float32), X(2, 2, **F32_GRID), "Tensor.to",
       eps=FLOAT32_EPS)
linear("to-double-same-dtype", "to", lambda B, x: x.double(), X(2, 3), "Tensor.double", sq=False)
linear("to-roundtrip-scalar", "to", lambda B, x: x.float().double(), X(**F32_GRID),
       ("Tensor.float", "Tensor.double"), eps=FLOAT32_EPS, sq=False)

# -------------------------------------------------------------------------------------------- clone
linear("clone-method", "clone", lambda B, x: x.clone(), X(2, 3), "Tensor.clone")
linear("clone-function", "clone", lambda B, x: B.clone(x), X(3), "clone", sq=False)
linear("clone-scalar", "clone", lambda B, x: x.clone(), X(), "Tensor.clone", sq=False)


# ------------------------------------------------------------------------------------------ setitem
def _assign(key: Any) -> Callable[..., Any]:
    """``y = x * 1; y[key] = v``: v's gradient comes from the slots it fills, x's from the rest."""
    def fn(B: Any, x: Any, v: Any) -> Any:
        y = x * 1
        y[key(B) if callable(key) else key] = v
        return y
    return fn


SI = ("Tensor.__mul__", "Tensor.__setitem__")
INPLACE_VIEWS = ("inplace_views",)
linear("setitem-row", "setitem", _assign(0), (X(2, 3), X(3)), SI, requires=INPLACE_VIEWS)
linear("setitem-column", "setitem", _assign((slice(None), 1)), (X(2, 3), X(2)), SI,
       requires=INPLACE_VIEWS)
linear("setitem-element", "setitem", _assign((1, 2)), (X(2, 3), X()), SI, requires=INPLACE_VIEWS)
linear("setitem-broadcast-value", "setitem", _assign(1), (X(2, 3), X(1)), SI,
       requires=INPLACE_VIEWS)
linear("setitem-step-slice", "setitem", _assign(slice(None, None, 2)), (X(3, 2), X(2, 2)), SI,
       requires=INPLACE_VIEWS, sq=False)
linear("setitem-index-tensor", "setitem", _assign(lambda B: B.tensor([0, 2])), (X(3, 2), X(2, 2)),
       SI, requires=INPLACE_VIEWS)
linear("setitem-mask", "setitem", _assign(lambda B: B.tensor([[True, False], [False, True]])),
       (X(2, 2), X(2)), SI, requires=INPLACE_VIEWS)
linear("setitem-const-base", "setitem", _assign(0), (K(2, 3), X(3)), SI, requires=INPLACE_VIEWS,
       sq=False)
linear("setitem-const-value", "setitem", _assign(0), (X(2, 3), K(3)), SI, requires=INPLACE_VIEWS,
       sq=False)


def _into_zeros(B: Any, v: Any) -> Any:
    c = B.zeros(3, dtype=B.float64)
    c[1:] = v
    return c


linear("setitem-into-zeros", "setitem", _into_zeros, X(2), ("zeros", "Tensor.__setitem__"),
       requires=INPLACE_VIEWS)


# ==================================================================================================
# Large tensors: cases big enough to take every size-dependent path an engine may have.
#
# Kept apart from the cases above: engines switch algorithms on size (gradspec's engine takes
# ReLU's gradient as a mask product from 4,096 elements, and skips a full-size copy in binary
# cross entropy's gradient from 65,536), and every case above has a few dozen elements at most,
# so a bug on the big path would pass them all.  Finite differences cost two forwards per
# differentiated element: the cases with more than a few thousand elements differentiate a
# small input that a constant spreads over the large tensor (``x * c``), and only the ReLU
# case is differentiated element by element.
LARGE_RELU = (65, 64)  # 4,160 elements: above gradspec's 4,096
LARGE_BCE = (4, 16_384)  # 65,536 elements: gradspec's threshold in binary cross entropy
linear("relu-large", "relu", lambda B, x: B.relu(x), X(*LARGE_RELU, avoid=(0.0,)), "relu",
       sq=False, note="ReLU's big-array gradient path, element by element")
linear("relu-large-spread", "relu", lambda B, x, c: B.relu(x * c),
       (X(4, 1, low=0.5, high=2.0, signed=True),
        K(4, LARGE_RELU[0] * LARGE_RELU[1] // 4, low=0.5, high=2.0, signed=True)),
       ("relu", "Tensor.__mul__"), sq=True,
       note="a 4-element input spread over 4,160 elements; its -sq companion checks the "
            "big path's second order")
for reduction in ("mean", "none"):
    case(f"{BCE}-large-{reduction}", BCE,
         lambda B, x, c, y, r=reduction: B.binary_cross_entropy(x * c, y, reduction=r),
         (X(LARGE_BCE[0], 1, low=0.5, high=1.0), K(*LARGE_BCE, low=0.1, high=0.9),
          K(*LARGE_BCE, low=0.0, high=1.0)), (BCE, "Tensor.__mul__"),
         note="65,536 probabilities: the big path of the gradient's p (1 - p) floor")

# ---------------------------------------------------------------- ops (issue 12): torch-level ops
from . import opcases_tensor  # noqa: E402  (adds its cases with case() and linear())

# ------------------------------------------------------ nn functions and losses (opcases_nn)
_nn.add_cases(case, linear, X, K)


# ------------------------------------------------------------------------------------ the catalogue
CASES: tuple[OpCase, ...] = tuple(_CASES)
OPS: frozenset[str] = frozenset(c.op for c in CASES)
BY_NAME: dict[str, OpCase] = {c.name: c for c in CASES}


def _check_catalogue() -> None:
    if opcases_tensor.OPS - REGISTRY_OPS:
        raise ValueError(f"opcases_tensor.OPS not in REGISTRY_OPS: "
                         f"{sorted(opcases_tensor.OPS - REGISTRY_OPS)}")
    if len(BY_NAME) != len(CASES):
        seen: set[str] = set()
        dup = sorted({c.name for c in CASES if c.name in seen or seen.add(c.name)})
        raise ValueError(f"duplicate op case names: {dup}")
    unknown = sorted(OPS - REGISTRY_OPS)
    if unknown:
        raise ValueError(f"op cases name ops outside the registry: {unknown}")
    for c in CASES:
        if not c.wrt:
            raise ValueError(f"op case {c.name} has no input that requires grad")


_check_catalogue()
del _CASES
