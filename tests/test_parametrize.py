"""``torch.nn.utils.parametrize`` and ``parametrizations`` against torch: the printed module,
its class, state_dict keys and parameters; values and gradients through parametrizations
(stacked, assigned through ``right_inverse``, cached, removed); weight_norm and spectral_norm
from the same numbers; the refusals; on numpy, strict and the torch adapter."""

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
    return pytest.importorskip("torch", reason="torch.nn.utils.parametrize is the reference")


def host(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def modules(torch):
    nn = torch.nn

    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

    class Positive(nn.Module):
        def forward(self, X):
            return X.abs()

        def right_inverse(self, A):
            return A.abs()

    return Symmetric, Positive


def linear(torch, n_in=3, n_out=3):
    layer = torch.nn.Linear(n_in, n_out)
    rng = np.random.default_rng(0)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(rng.standard_normal((n_out, n_in)).tolist()))
        layer.bias.copy_(torch.tensor(rng.standard_normal(n_out).tolist()))
    return layer


def program(torch):
    """What the parametrizations tutorial does, observed at each step."""
    P = torch.nn.utils.parametrize
    Symmetric, Positive = modules(torch)
    layer = linear(torch)
    original = layer.weight
    P.register_parametrization(layer, "weight", Symmetric())
    seen = [repr(layer), type(layer).__name__, P.is_parametrized(layer),
            P.is_parametrized(layer, "bias"), P.type_before_parametrizations(layer).__name__,
            sorted(layer.state_dict()), [n for n, _ in layer.named_parameters()],
            layer.parametrizations.weight.original is original, host(layer.weight)]
    P.register_parametrization(layer, "weight", Positive())
    x = torch.tensor([[1.0, -2.0, 0.5], [0.0, 1.0, 3.0]])
    layer(x).square().sum().backward()
    seen += [repr(layer.parametrizations.weight), host(layer.weight),
             host(layer.parametrizations.weight.original.grad), host(layer.bias.grad)]
    with P.cached():
        seen.append(layer.weight is layer.weight)
    seen.append(layer.weight is layer.weight)
    P.remove_parametrizations(layer, "weight")
    seen += [repr(layer), type(layer).__name__, [n for n, _ in layer.named_parameters()],
             host(layer.weight), layer.weight is original]
    only = linear(torch, 2, 2)
    P.register_parametrization(only, "weight", Positive())
    only.weight = torch.tensor([[-2.0, 1.0], [0.5, -3.0]])
    seen.append(host(only.parametrizations.weight.original))
    P.remove_parametrizations(only, "weight", leave_parametrized=False)
    seen.append(host(only.weight))
    return seen


def test_the_tutorials_steps_as_in_torch(bk, T):
    for ours, theirs in zip(program(bk), program(T)):
        if isinstance(theirs, np.ndarray):
            np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)
        else:
            assert ours == theirs


def normed(torch):
    P = torch.nn.utils.parametrizations
    m = P.weight_norm(linear(torch, 4, 2))
    keys = sorted(m.state_dict())
    x = torch.tensor([[1.0, 2.0, -1.0, 0.5]])
    m(x).sum().backward()
    g = m.parametrizations.weight.original0
    v = m.parametrizations.weight.original1
    s = P.spectral_norm(linear(torch, 4, 3))
    s_keys = sorted(s.state_dict())
    return [repr(m), keys, host(g), host(m.weight), host(g.grad), host(v.grad), repr(s), s_keys,
            tuple(s.parametrizations.weight[0]._u.shape)]


def test_weight_norm_and_spectral_norm_as_in_torch(bk, T):
    for ours, theirs in zip(normed(bk), normed(T)):
        if isinstance(theirs, np.ndarray):
            np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
        else:
            assert ours == theirs


def test_spectral_norm_reaches_norm_one_and_loads_torchs_state(bk, T):
    reference = T.nn.utils.parametrizations.spectral_norm(linear(T, 5, 4))
    for _ in range(30):  # power iteration in training
        reference.weight
    reference.eval()
    mine = bk.nn.utils.parametrizations.spectral_norm(linear(bk, 5, 4))
    mine.load_state_dict({k: v.tolist() for k, v in reference.state_dict().items()})
    mine.eval()
    np.testing.assert_allclose(host(mine.weight), host(reference.weight), rtol=1e-5, atol=1e-6)
    assert abs(np.linalg.norm(host(mine.weight), 2) - 1) < 1e-3


def test_parametrize_refuses_as_torch(bk):
    P = bk.nn.utils.parametrize
    Symmetric, Positive = modules(bk)
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized"):
        P.register_parametrization(bk.nn.Linear(2, 2), "nope", Symmetric())
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        P.remove_parametrizations(bk.nn.Linear(2, 2), "weight")
    layer = P.register_parametrization(bk.nn.Linear(2, 2), "weight", Symmetric())
    with pytest.raises(RuntimeError, match="does not implement right_inverse"):
        layer.weight = bk.eye(2)

    class Shrink(bk.nn.Module):
        def forward(self, X):
            return X[:1]

    with pytest.raises(ValueError, match="may not change the shape"):
        P.register_parametrization(bk.nn.Linear(2, 2), "weight", Shrink())
