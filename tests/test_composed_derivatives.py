"""Composed functions against PyTorch 2.13: the gradients PyTorch's own formulas give at the
edges of a domain (`gradspec.functions.derivative`), and the node a printed result names.

The literal numbers and names are what PyTorch 2.13 gives; where torch is installed, the same
programs also run on it and must agree."""

from __future__ import annotations

import math

import pytest

from support import load_or_skip

ENGINES = ["numpy", "strict"]
INF, NAN = math.inf, math.nan


@pytest.fixture(params=ENGINES)
def B(request):
    return load_or_skip(request.param)


def _same(got, want):
    return len(got) == len(want) and all(
        (math.isnan(w) and math.isnan(g)) or g == pytest.approx(w, rel=1e-5)
        for g, w in zip(got, want))


def _grads(B, f, values, create_graph=False):
    # (gradients of ones, not of a sum: a sum of inf and -inf would be NaN, with a warning)
    x = B.tensor(values, requires_grad=True)
    y = f(B, x)
    (g,) = B.autograd.grad(y, x, B.ones_like(y), create_graph=create_graph)
    if not create_graph:
        return g.tolist(), None
    (g2,) = B.autograd.grad(g, x, B.ones_like(g))
    return g.tolist(), g2.tolist()


# (function, inputs, the gradient, the second derivative or None): PyTorch 2.13, float32
EDGES = [
    ("lgamma", lambda B, x: x.lgamma(), [0.0, -1.0, 1.0], [-INF, NAN, -0.5772157], None),
    ("lgamma''", lambda B, x: x.lgamma(), [0.0, 1.0], [-INF, -0.5772157], [INF, 1.6449341]),
    ("digamma", lambda B, x: x.digamma(), [0.0, 1.0], [INF, 1.6449341], [-INF, -2.4041138]),
    ("polygamma(1)", lambda B, x: B.polygamma(1, x), [0.0, 1.0], [-INF, -2.4041138], None),
    ("erfinv", lambda B, x: x.erfinv(), [1.0, -1.0, 0.0, 1.5],
     [INF, INF, math.sqrt(math.pi) / 2, NAN], None),
    ("entr", lambda B, x: B.special.entr(x), [0.0, -1.0, 1.0], [INF, NAN, -1.0], None),
    ("logit", lambda B, x: x.logit(), [1.5, -0.5, 0.5], [NAN, NAN, 4.0], None),
    # x * log(y) at x == 0: log(y) in x (0 where y <= 0, kept where y is inf); x / y in y
    ("xlogy(x, c)", lambda B, x: B.xlogy(x, B.tensor([2.0, 0.0, -1.0, INF])),
     [0.0, 0.0, 0.0, 0.0], [math.log(2.0), 0.0, 0.0, INF], None),
    ("xlogy(0, y)", lambda B, y: B.xlogy(B.zeros(3), y), [0.0, 2.0, -1.0], [NAN, 0.0, -0.0], None),
    ("xlog1py(x, c)", lambda B, x: B.special.xlog1py(x, B.tensor([-0.5, -1.0, 2.0])),
     [0.0, 0.0, 0.0], [math.log(0.5), 0.0, math.log(3.0)], None),
    ("xlog1py(0, y)", lambda B, y: B.special.xlog1py(B.zeros(2), y), [-1.0, 1.0], [NAN, 0.0],
     None),
    # both inputs at once, through create_graph: d/dx [x log1p(x - 1/2)] = 2 + 2 at x = 0
    ("xlog1py(x, x - 1/2)''", lambda B, x: B.special.xlog1py(x, x - 0.5), [0.0],
     [math.log(0.5)], [4.0]),
]


@pytest.mark.parametrize("name,f,values,want,want2", EDGES, ids=[e[0] for e in EDGES])
def test_gradients_at_the_edges_of_a_domain_are_pytorchs(B, name, f, values, want, want2):
    g, g2 = _grads(B, f, values, create_graph=want2 is not None)
    assert _same(g, want), (name, g)
    if want2 is not None:
        assert _same(g2, want2), (name, g2)


def _x(B):
    return B.tensor([0.3, 0.6, 0.8, 0.45], requires_grad=True)


def _m(B):
    return B.tensor([[0.9, 0.1], [0.2, 0.7]], requires_grad=True)


# what PyTorch 2.13 names the node of each result (float32 inputs)
NAMES = {
    "lgamma": (lambda B: _x(B).lgamma(), "LgammaBackward0"),
    "special.gammaln": (lambda B: B.special.gammaln(_x(B)), "LgammaBackward0"),
    "digamma": (lambda B: B.digamma(_x(B)), "DigammaBackward0"),
    "polygamma": (lambda B: B.polygamma(2, _x(B)), "PolygammaBackward0"),
    "mvlgamma": (lambda B: B.mvlgamma(_x(B) + 2, 2), "MvlgammaBackward0"),
    "erfinv": (lambda B: _x(B).erfinv(), "ErfinvBackward0"),
    "erfc": (lambda B: B.erfc(_x(B)), "ErfcBackward0"),
    "i0": (lambda B: B.i0(_x(B)), "I0Backward0"),
    "special.erfcx": (lambda B: B.special.erfcx(_x(B)), "SpecialErfcxBackward0"),
    "special.i1e": (lambda B: B.special.i1e(_x(B)), "SpecialI1EBackward0"),
    "special.log_ndtr": (lambda B: B.special.log_ndtr(_x(B)), "SpecialLogNdtrBackward0"),
    "special.ndtri": (lambda B: B.special.ndtri(_x(B)), "SpecialNdtriBackward0"),
    "special.entr": (lambda B: B.special.entr(_x(B)), "SpecialEntrBackward0"),
    "special.round": (lambda B: B.special.round(_x(B)), "RoundBackward1"),
    "logit": (lambda B: _x(B).logit(), "LogitBackward0"),
    "logit eps": (lambda B: _x(B).logit(eps=0.1), "LogitBackward0"),
    "xlogy": (lambda B: B.xlogy(_x(B), _x(B)), "XlogyBackward0"),
    "acos": (lambda B: B.acos(_x(B)), "AcosBackward0"),
    "arcsin": (lambda B: B.arcsin(_x(B)), "AsinBackward0"),
    "atanh": (lambda B: _x(B).atanh(), "AtanhBackward0"),
    "sinh": (lambda B: _x(B).sinh(), "SinhBackward0"),
    "tan": (lambda B: B.tan(_x(B)), "TanBackward0"),
    "exp2": (lambda B: B.exp2(_x(B)), "Exp2Backward0"),
    "log10": (lambda B: _x(B).log10(), "Log10Backward0"),
    "deg2rad": (lambda B: B.deg2rad(_x(B)), "Deg2RadBackward0"),
    "logaddexp2": (lambda B: B.logaddexp2(_x(B), _x(B)), "Logaddexp2Backward0"),
    "fmax": (lambda B: B.fmax(_x(B), _x(B) * 2), "FmaxBackward0"),
    "sgn": (lambda B: B.sgn(_x(B)), "SgnBackward0"),
    "nansum": (lambda B: B.nansum(_m(B), 1), "NansumBackward0"),
    "rot90": (lambda B: B.rot90(_m(B)), "Rot90Backward0"),
    "kron": (lambda B: B.kron(_m(B), _m(B)), "UnsafeViewBackward0"),
    "block_diag": (lambda B: B.block_diag(_m(B), _m(B)), "BlockDiagBackward0"),
    "vdot": (lambda B: B.vdot(_x(B), _x(B)), "VdotBackward0"),
    "matrix_exp": (lambda B: B.linalg.matrix_exp(_m(B)), "LinalgMatrixExpBackward0"),
    "pinverse": (lambda B: B.pinverse(_m(B)), "LinalgPinvBackward0"),
    "mode": (lambda B: B.mode(_m(B), 1)[0], "ModeBackward0"),
    "aminmax max": (lambda B: B.aminmax(_x(B)).max, "AminmaxBackward0"),
    "chain_matmul of one": (lambda B: B.chain_matmul(_m(B)), "CloneBackward0"),
    "cummax": (lambda B: _m(B).cummax(1).values, "CummaxBackward0"),
    "cummin of 0-d": (lambda B: B.tensor(2.0, requires_grad=True).cummin(0).values,
                      "CumminBackward0"),
    "logcumsumexp": (lambda B: _m(B).logcumsumexp(1), "LogcumsumexpBackward0"),
}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_a_composed_result_names_pytorchs_node(B, name):
    make, want = NAMES[name]
    assert type(make(B).grad_fn).__name__ == want
    assert make(B).grad_fn.name() == want


def test_chain_matmul_of_one_matrix_is_a_copy(B):
    m = _m(B)
    out = B.chain_matmul(m)
    with B.no_grad():
        out.mul_(2)
    assert m.tolist() == [[pytest.approx(0.9), pytest.approx(0.1)],
                          [pytest.approx(0.2), pytest.approx(0.7)]]


def test_derivative_nodes_keep_the_value_and_work_without_grad(B):
    # no input requires grad: no node, the composed value
    assert B.lgamma(B.tensor([3.0])).grad_fn is None
    assert B.lgamma(B.tensor([3.0])).item() == pytest.approx(math.log(2.0))
    with B.no_grad():
        assert B.special.entr(B.tensor([0.5], requires_grad=True)).grad_fn is None
    # an integer input computes in the default float dtype, as PyTorch's
    assert str(B.lgamma(B.tensor([3])).dtype).endswith("float32")
    with pytest.raises(TypeError, match="must be Tensor"):
        B.lgamma(3.0)


def test_edges_and_names_agree_with_torch_itself():
    torch = pytest.importorskip("torch")
    for name, f, values, want, want2 in EDGES:
        g, g2 = _grads(torch, f, values, create_graph=want2 is not None)
        assert _same(g, want), (name, g)
        if want2 is not None:
            assert _same(g2, want2), (name, g2)
    for name, (make, want) in NAMES.items():
        assert type(make(torch).grad_fn).__name__ == want, name


def test_a_backend_without_autograd_function_gets_the_composition(B):
    # a third party's backend need not have autograd.Function: the function is then its
    # composition, recorded op by op (the same values; the chain rule's gradient)
    from types import SimpleNamespace

    from gradspec.functions import FUNCTIONS

    class WithoutFunction:
        autograd = SimpleNamespace(grad=B.autograd.grad, backward=B.autograd.backward)

        def __getattr__(self, name):
            return getattr(B, name)

    lgamma, xlogy = FUNCTIONS["lgamma"][0], FUNCTIONS["xlogy"][0]
    x = B.tensor([0.5, 2.0, 3.0], requires_grad=True)
    out = lgamma(WithoutFunction(), x)
    assert _same(out.tolist(), [math.lgamma(0.5), 0.0, math.log(2.0)])
    (g,) = B.autograd.grad(out.sum(), x)
    assert _same(g.tolist(), [-1.9635100, 0.4227843, 0.9227843])
    y = B.tensor([2.0, 3.0], requires_grad=True)
    (gy,) = B.autograd.grad(xlogy(WithoutFunction(), B.tensor([1.0, 2.0]), y).sum(), y)
    assert _same(gy.tolist(), [0.5, 2 / 3])


def test_a_bernoulli_draw_stays_in_the_graph_with_a_zero_gradient(B):
    # PyTorch 2.13: bernoulli(p) of a p that requires grad is in its graph (BernoulliBackward0),
    # its gradient 0, so a loss built on the draw backpropagates; with a number p given, a
    # backward through it is an error
    probs = B.tensor([0.0, 1.0, 1.0], requires_grad=True)
    draw = B.bernoulli(probs)
    assert draw.tolist() == [0.0, 1.0, 1.0] and draw.requires_grad
    assert type(draw.grad_fn).__name__ == "BernoulliBackward0"
    (draw * 3 + probs).sum().backward()
    assert probs.grad.tolist() == [1.0, 1.0, 1.0]
    with B.no_grad():
        assert not B.bernoulli(probs).requires_grad
    fixed = B.bernoulli(probs, 0.0)
    assert fixed.tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match="derivative for aten::bernoulli is not implemented"):
        fixed.sum().backward()
