"""``torch.func`` (gradspec.func) against torch.func: gradients, vector-Jacobian products,
Jacobians, Hessians, vmap and functional_call, alone and composed as programs compose them
(per-sample gradients: ``vmap(grad(loss))`` over ``functional_call``), on numpy, strict and the
torch adapter."""

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
    return pytest.importorskip("torch", reason="torch.func is the reference")


def host(tree):
    """Nested lists of floats from a tensor or a tuple/list/dict of them."""
    if isinstance(tree, dict):
        return {k: host(v) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return [host(v) for v in tree]
    return np.asarray(tree.tolist(), dtype=np.float64)


def same(ours, theirs):
    if isinstance(theirs, dict):
        assert ours.keys() == theirs.keys()
        for k in theirs:
            same(ours[k], theirs[k])
    elif isinstance(theirs, list):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            same(a, b)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def x_of(torch):
    return torch.tensor([0.5, -1.0, 2.0])


PROGRAMS = {
    "grad": lambda t, F: F.grad(lambda x: (x.sin() * x).sum())(x_of(t)),
    "grad-of-grad": lambda t, F: F.grad(F.grad(lambda x: x.sin() * x ** 2))(t.tensor(0.3)),
    "grad_and_value": lambda t, F: F.grad_and_value(lambda x: (x.exp() * x).sum())(x_of(t)),
    "grad-has-aux": lambda t, F: F.grad(lambda x: ((x ** 2).sum(), x.mean()),
                                        has_aux=True)(x_of(t)),
    "grad-argnums": lambda t, F: F.grad(lambda a, b: (a * b.tanh()).sum(), argnums=(0, 1))(
        x_of(t), x_of(t) * 2),
    "grad-dict": lambda t, F: F.grad(lambda d: (d["w"] * d["b"]).sum())(
        {"w": x_of(t), "b": x_of(t) + 1}),
    "grad-unused": lambda t, F: F.grad(lambda a, b: a.sum() * 2, argnums=1)(x_of(t), x_of(t)),
    "vjp": lambda t, F: (lambda out, fn: [out, fn(t.tensor([1.0, -2.0, 0.5]))])(
        *F.vjp(lambda a: a.exp() * 2, x_of(t))),
    "jacrev": lambda t, F: F.jacrev(lambda a: a.sin() * a.sum())(x_of(t)),
    "jacrev-matrix": lambda t, F: F.jacrev(lambda m: m @ m.T)(t.arange(6.0).reshape(2, 3)),
    "jacfwd-argnums": lambda t, F: F.jacfwd(lambda a, b: a * b.exp(), argnums=1)(
        x_of(t), x_of(t).flip(0)),
    "jvp": lambda t, F: F.jvp(lambda a: a.sin() * a.sum(), (x_of(t),),
                              (t.tensor([1.0, 0.5, -2.0]),)),
    "jvp-two-inputs": lambda t, F: F.jvp(lambda a, b: (a * b, (a ** 2).sum()),
                                         (x_of(t), x_of(t) + 1), (t.ones(3), t.zeros(3))),
    "jvp-unused": lambda t, F: F.jvp(lambda a, b: a.exp(), (x_of(t), x_of(t)),
                                     (t.zeros(3), t.ones(3))),
    "hessian": lambda t, F: F.hessian(lambda a: (a ** 3).sum() + a[0] * a[1])(x_of(t)),
    "vmap": lambda t, F: F.vmap(lambda a: a.sum())(t.arange(6.0).reshape(2, 3)),
    "vmap-in-dims": lambda t, F: F.vmap(lambda a, b: a * b, in_dims=(1, None))(
        t.arange(6.0).reshape(2, 3), t.tensor([2.0, 3.0])),
    "vmap-out-dims": lambda t, F: F.vmap(lambda a: (a, a.sum()), out_dims=(1, 0))(
        t.arange(6.0).reshape(2, 3)),
    "vmap-nested": lambda t, F: F.vmap(F.vmap(lambda a: a ** 2 + 1))(
        t.arange(4.0).reshape(2, 2)),
    "vmap-jacrev": lambda t, F: F.vmap(F.jacrev(lambda a: a.sin() * a[0]))(
        t.arange(6.0).reshape(2, 3) / 5),
}


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_transforms_compute_what_torch_func_computes(bk, T, name):
    program = PROGRAMS[name]
    same(host(program(bk, bk.func)), host(program(T, T.func)))


def per_sample_gradients(torch):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    rng = np.random.default_rng(0)
    values = {k: rng.standard_normal(tuple(v.shape)).tolist() for k, v in state.items()}
    params = {k: torch.tensor(v, dtype=torch.float32) for k, v in values.items()}
    xs = torch.tensor(rng.standard_normal((5, 3)).tolist(), dtype=torch.float32)
    ys = torch.tensor(rng.standard_normal((5, 2)).tolist(), dtype=torch.float32)

    def loss(p, x, y):
        return ((torch.func.functional_call(model, p, (x,)) - y) ** 2).mean()

    per = torch.func.vmap(torch.func.grad(loss), in_dims=(None, 0, 0))(params, xs, ys)
    full = torch.func.grad(loss)(params, xs, ys)
    untouched = [tuple(p.shape) for p in model.parameters()]
    return per, full, untouched


def test_per_sample_gradients_as_in_torch(bk, T):
    ours, theirs = per_sample_gradients(bk), per_sample_gradients(T)
    same(host(ours[0]), host(theirs[0]))
    same(host(ours[1]), host(theirs[1]))
    assert ours[2] == theirs[2]
    for k, v in ours[0].items():  # the mean of the per-sample gradients is the batch's
        np.testing.assert_allclose(host(v).mean(0), host(ours[1][k]), rtol=1e-5, atol=1e-6)


def test_values_of_an_outermost_transform_carry_no_graph(bk):
    x = bk.tensor([1.0, 2.0])
    g, (value, aux) = bk.func.grad_and_value(lambda a: ((a ** 2).sum(), a * 3),
                                             has_aux=True)(x)
    assert not value.requires_grad and not aux.requires_grad and not g.requires_grad
    w = bk.tensor([1.0, 2.0], requires_grad=True)  # a leaf of the program's own graph
    gw = bk.func.grad(lambda a: (a ** 3).sum())(w)
    gw.sum().backward()  # the gradient stays differentiable for the outer graph
    np.testing.assert_allclose(host(w.grad), [6.0, 12.0])


def test_functional_call_restores_the_module(bk):
    model = bk.nn.Linear(2, 1)
    before = [p for p in model.parameters()]
    out = bk.func.functional_call(model, {"weight": bk.ones(1, 2), "bias": bk.zeros(1)},
                                  bk.tensor([[1.0, 2.0]]))
    assert out.tolist() == [[3.0]]
    assert [p for p in model.parameters()] == before
    with pytest.raises(RuntimeError, match="missing keys"):
        bk.func.functional_call(model, {"weight": bk.ones(1, 2)}, bk.ones(1, 2), strict=True)
    with pytest.raises(ValueError, match="multiple values for keys"):
        bk.func.functional_call(model, ({"bias": bk.ones(1)}, {"bias": bk.ones(1)}), bk.ones(1, 2))


def test_transforms_refuse_as_torch_func(bk):
    F = bk.func
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a scalar Tensor, "
                       "got tensor with 1 dims"):
        F.grad(lambda a: a * 2)(bk.ones(3))
    with pytest.raises(RuntimeError, match="got tensor with 1 dims"):  # one element: not 0-d
        F.grad(lambda a: (a * 2).sum(0, keepdim=True))(bk.ones(3))
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a Tensor, got "
                       "<class 'float'>"):
        F.grad(lambda a: 2.0)(bk.ones(3))
    with pytest.raises(ValueError, match="same size in the mapped dimension"):
        F.vmap(lambda a, b: a + b)(bk.ones(2, 3), bk.ones(3, 3))
    with pytest.raises(ValueError, match="We cannot vmap over non-Tensor arguments"):
        F.vmap(lambda a, k: a * k)(bk.ones(2), 3)
    with pytest.raises(RuntimeError, match="argnums"):
        F.grad(lambda a: a.sum(), argnums=2)(bk.ones(2))


def ensemble(torch):
    """The model-ensembling recipe: stacked states, one vmap over the models."""
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    models = []
    for _ in range(3):
        m = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
        m.load_state_dict({k: torch.tensor(rng.standard_normal(tuple(v.shape)).tolist())
                           for k, v in m.state_dict().items()})
        models.append(m)
    params, buffers = torch.func.stack_module_state(models)
    x = torch.tensor(rng.standard_normal((5, 3)).tolist())

    def run(p, b, xb):
        return torch.func.functional_call(models[0], (p, b), (xb,))

    out = torch.func.vmap(run, in_dims=(0, 0, None))(params, buffers, x)
    return [out, {k: v.requires_grad for k, v in params.items()},
            [m(x) for m in models]]


def test_model_ensembling_as_in_torch(bk, T):
    ours, theirs = ensemble(bk), ensemble(T)
    same(host(ours[0]), host(theirs[0]))
    assert ours[1] == theirs[1]
    for i, per_model in enumerate(ours[2]):  # the stacked run is each model's own
        same(host(ours[0])[i], host(per_model))
