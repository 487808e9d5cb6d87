"""torch.autograd.functional on gradspec (jacobian, hessian, vjp, jvp, vhp, hvp) against
torch's: values and return structures for tensor and tuple inputs and outputs, ``create_graph``
(differentiating through the result), ``strict`` and the argument errors; on numpy, strict and
the torch adapter (which forwards to torch's own)."""

from __future__ import annotations

import numpy as np
import pytest
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.autograd.functional is the reference")


def host(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _compare(a, b):
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _compare(x, y)
        return
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(host(a), host(b), rtol=1e-12, atol=1e-14)


X = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]])
Y = np.array([0.2, -0.4, 0.9])
V = np.array([[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]])


def _pair(torch, single):
    inputs = (torch.tensor(X), torch.tensor(Y))
    return inputs[0] if single else inputs


FUNCTIONS = {
    "tensor-to-tensor": (lambda x: (x.sin() * x ** 2).sum(0), True),
    "tuple-to-tuple": (lambda x, y: ((x * y).tanh(), (x.exp() * y).sum()), False),
    "tuple-to-tensor": (lambda x, y: (x @ y) ** 2, False),
    "independent-input": (lambda x, y: x.cos(), False),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_jacobian_like_torch(bk, T, name):
    fn, single = FUNCTIONS[name]
    ours = bk.autograd.functional.jacobian(fn, _pair(bk, single))
    theirs = T.autograd.functional.jacobian(fn, _pair(T, single))
    _compare(ours, theirs)
    assert not any(t.requires_grad for t in _flat(ours))


def _flat(value):
    if isinstance(value, tuple):
        return [t for v in value for t in _flat(v)]
    return [value]


def test_jacobian_strict_and_create_graph_like_torch(bk, T):
    fn, _ = FUNCTIONS["independent-input"]
    for torch in (bk, T):
        with pytest.raises(RuntimeError, match="independent of input 1"):
            torch.autograd.functional.jacobian(fn, _pair(torch, False), strict=True)
    results = []
    for torch in (bk, T):
        x = torch.tensor(X, requires_grad=True)
        jac = torch.autograd.functional.jacobian(lambda a: (a ** 3).sum(1), x, create_graph=True)
        assert jac.requires_grad
        (jac * torch.tensor(np.arange(12.0).reshape(2, 2, 3))).sum().backward()
        results.append((jac, x.grad))
    _compare(results[0], results[1])
    same = bk.autograd.functional.jacobian(lambda a: a.exp(), bk.tensor(Y), vectorize=True)
    np.testing.assert_allclose(host(same), np.diag(np.exp(Y)), rtol=1e-12)


def test_hessian_like_torch(bk, T):
    def scalar(x):
        return (x ** 3).sum() * x[0, 1] + x.prod()

    def scalar_pair(x, y):
        return ((x * y) ** 2).sum() + (x.sum() * y).exp().sum()

    _compare(bk.autograd.functional.hessian(scalar, bk.tensor(X)),
             T.autograd.functional.hessian(scalar, T.tensor(X)))
    _compare(bk.autograd.functional.hessian(scalar_pair, _pair(bk, False)),
             T.autograd.functional.hessian(scalar_pair, _pair(T, False)))
    with pytest.raises(RuntimeError, match="single element"):
        bk.autograd.functional.hessian(lambda x: x * 2, bk.tensor(Y))


PRODUCTS = ["vjp", "jvp", "vhp", "hvp"]


@pytest.mark.parametrize("kind", PRODUCTS)
@pytest.mark.parametrize("create_graph", [False, True])
def test_products_like_torch(bk, T, kind, create_graph):
    if kind in ("vjp", "jvp"):
        def fn(x):
            return (x.sin() * x[:, :1]).exp()
    else:
        def fn(x):
            return (x.sin() * x[:, :1]).exp().sum()
    results = []
    for torch in (bk, T):
        x = torch.tensor(X, requires_grad=create_graph)
        out, product = getattr(torch.autograd.functional, kind)(fn, x, torch.tensor(V),
                                                                 create_graph=create_graph)
        row = [out, product]
        if create_graph:
            product.sum().backward()
            row.append(x.grad)
        else:
            assert not product.requires_grad
        results.append(tuple(row))
    _compare(results[0], results[1])


def test_products_of_tuples_and_scalars_like_torch(bk, T):
    def pair_fn(x, y):
        return (x * y).sum(), (x ** 2).sum(0) * y

    v_out = (np.array(1.5), np.array([1.0, -1.0, 2.0]))
    results = []
    for torch in (bk, T):
        AF = torch.autograd.functional
        inputs = _pair(torch, False)
        results.append((AF.vjp(pair_fn, inputs, tuple(torch.tensor(v) for v in v_out)),
                        AF.jvp(pair_fn, inputs, (torch.tensor(V), torch.tensor(Y))),
                        AF.vjp(lambda x: (x ** 2).sum(), torch.tensor(Y)),
                        AF.vhp(lambda x, y: (x.sum(0) * y).pow(2).sum(), inputs,
                               (torch.tensor(V), torch.tensor(Y)))))
    _compare(results[0], results[1])


def test_argument_errors_name_the_problem(bk):
    AF = bk.autograd.functional
    with pytest.raises(TypeError, match="inputs.* given to jacobian must be"):
        AF.jacobian(lambda x: x, [1.0, 2.0])
    with pytest.raises(RuntimeError, match="v can only be None"):
        AF.vjp(lambda x: x * 2, bk.tensor(Y))
    with pytest.raises(RuntimeError, match="v has invalid size"):
        AF.jvp(lambda x: x * 2, bk.tensor(Y), bk.tensor(X))
    # (torch asserts; ours is a ValueError)
    with pytest.raises(AssertionError if bk.name == "torch" else ValueError, match="strategy"):
        AF.jacobian(lambda x: x, bk.tensor(Y), strategy="sideways")


STRICT_REFUSALS = {
    # a constant output: refused before any input is looked at, in jacobian, vjp, jvp, hessian
    "jacobian constant": lambda t, AF: AF.jacobian(lambda z: t.ones(2), t.tensor(Y), strict=True),
    "vjp constant": lambda t, AF: AF.vjp(lambda z: t.ones(3), t.tensor(Y), t.ones(3), strict=True),
    "jvp constant": lambda t, AF: AF.jvp(lambda z: t.ones(3), t.tensor(Y), t.ones(3), strict=True),
    "hessian constant": lambda t, AF: AF.hessian(lambda z: t.ones(()), t.tensor(Y), strict=True),
    # a linear function: its gradient is a constant, so the Hessian's inputs go unused
    "hessian linear": lambda t, AF: AF.hessian(lambda z: z.sum(), t.tensor(Y), strict=True),
}
ARGUMENT_ERRORS = {
    "input not a tensor": lambda t, AF: AF.jacobian(lambda z, w: z, (t.tensor(Y), 3)),
    "single input not a tensor": lambda t, AF: AF.jacobian(lambda z: z, 3),
    "output not a tensor": lambda t, AF: AF.jacobian(lambda z: 3, t.tensor(Y)),
}


@pytest.mark.parametrize("case", sorted(STRICT_REFUSALS) + sorted(ARGUMENT_ERRORS))
def test_refusals_in_pytorch_words(bk, T, case):
    """Scripts print these errors: the kind and the sentence are PyTorch's."""
    make = STRICT_REFUSALS.get(case) or ARGUMENT_ERRORS[case]
    kind = RuntimeError if case in STRICT_REFUSALS else TypeError
    words = []
    for torch in (bk, T):
        with pytest.raises(kind) as caught:
            make(torch, torch.autograd.functional)
        words.append(str(caught.value))
    assert words[0] == words[1]


def test_hessian_of_a_constant_is_zero_without_strict(bk, T):
    got = bk.autograd.functional.hessian(lambda z: bk.ones(()), bk.tensor(Y))
    want = T.autograd.functional.hessian(lambda z: T.ones(()), T.tensor(Y))
    _compare(got, want)
