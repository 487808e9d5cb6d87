"""More of torch.nn against torch: the composed activations and similarities of
gradspec.nn.functional (values and gradients, at their kinks and far out too), their layers'
printed forms, 1-d pooling, PReLU's learned slopes and the recurrent cells, on numpy, strict and
the torch adapter."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]

#: the kinks of every function below, a spread of ordinary values, and values far out (where
#: a branch the function does not take would overflow)
POINTS = np.array([-1000.0, -30.0, -3.0, -2.5, -0.5, -0.3, 0.0, 0.2, 0.3, 0.5, 1.0, 2.9, 3.0,
                   3.5, 30.0, 1000.0])


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.nn is the reference")


def host(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _run(torch, fn, arrays):
    """``fn(torch, *inputs)`` on float64 leaves; the output weighted by fixed numbers and
    backpropagated: the output and the inputs' gradients."""
    inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = fn(torch, *inputs)
    weights = np.random.default_rng(5).normal(size=tuple(out.shape))
    (out * torch.tensor(weights)).sum().backward()
    return [out] + [x.grad for x in inputs]


def _same(bk, T, fn, arrays, rtol=1e-12):
    ours, theirs = _run(bk, fn, arrays), _run(T, fn, arrays)
    for a, b in zip(ours, theirs):
        if b is None:  # an input the function does not use
            assert a is None
            continue
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(host(a), host(b), rtol=rtol, atol=1e-14)


#: torch's float64 hardsigmoid gradient is the incoming gradient times 1/6 rounded to float32
#: (ours is exact: compare within float32's precision there)
LOOSE = {"hardsigmoid": 1e-7, "Hardsigmoid": 1e-7}


ACTIVATIONS = {
    "celu": lambda F, x: F.celu(x),
    "celu-alpha": lambda F, x: F.celu(x, 0.5),
    "hardswish": lambda F, x: F.hardswish(x),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x),
    "softsign": lambda F, x: F.softsign(x),
    "tanhshrink": lambda F, x: F.tanhshrink(x),
    "threshold": lambda F, x: F.threshold(x, 0.3, -2.0),
    "softshrink": lambda F, x: F.softshrink(x, 0.5),
    "hardshrink": lambda F, x: F.hardshrink(x, 0.3),
    "softmin": lambda F, x: F.softmin(x.reshape(4, 4), dim=1),
    "glu": lambda F, x: F.glu(x.reshape(4, 4), dim=-1),
    "relu6": lambda F, x: F.relu6(x),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_like_torch_at_kinks_and_far_out(bk, T, name):
    fn = ACTIVATIONS[name]
    _same(bk, T, lambda torch, x: fn(torch.nn.functional, x), [POINTS],
          rtol=LOOSE.get(name, 1e-12))


def test_activation_keeps_float32(bk, T):
    x32 = POINTS.astype(np.float32)
    for name, fn in ACTIVATIONS.items():
        ours = fn(bk.nn.functional, bk.tensor(x32))
        theirs = fn(T.nn.functional, T.tensor(x32))
        assert ours.dtype == bk.float32, name
        np.testing.assert_allclose(host(ours), host(theirs), rtol=1e-6, atol=1e-7,
                                   err_msg=name)


LAYERS = [
    ("ReLU6", (), {}), ("ReLU6", (True,), {}), ("Hardtanh", (), {}),
    ("Hardtanh", (-2.0, 3.0), {}), ("LogSigmoid", (), {}), ("SELU", (), {}),
    ("CELU", (0.5,), {}), ("Mish", (), {}), ("Hardswish", (), {}), ("Hardsigmoid", (), {}),
    ("Softsign", (), {}), ("Tanhshrink", (), {}), ("Threshold", (0.1, 20.0), {}),
    ("Softmin", (), {"dim": 1}), ("GLU", (), {}), ("Softshrink", (), {}),
    ("Hardshrink", (0.3,), {}),
]


@pytest.mark.parametrize("name,args,kw", LAYERS,
                         ids=[f"{n}{i}" for i, (n, _, _) in enumerate(LAYERS)])
def test_activation_layer_prints_and_computes_as_torch(bk, T, name, args, kw):
    ours, theirs = getattr(bk.nn, name)(*args, **kw), getattr(T.nn, name)(*args, **kw)
    assert repr(ours) == repr(theirs)
    data = POINTS[2:14].reshape(3, 4)
    if kw.get("inplace") or args[-1:] == (True,):  # an in-place layer on a graph-free input
        x = bk.tensor(data)
        assert ours(x) is x
        np.testing.assert_allclose(host(x), host(theirs(T.tensor(data))), rtol=1e-12)
        return
    _same(bk, T, lambda torch, x: (ours if torch is bk else theirs)(x), [data],
          rtol=LOOSE.get(name, 1e-12))


def test_composed_inplace_writes_into_the_input(bk, T):
    F = bk.nn.functional
    for fn in (F.hardswish, F.hardsigmoid, F.celu):
        x = bk.tensor(POINTS[2:14])
        out = fn(x, inplace=True)
        assert out is x
        ref = getattr(T.nn.functional, fn.__name__)(T.tensor(POINTS[2:14]))
        np.testing.assert_allclose(host(x), host(ref), rtol=1e-12)
    x = bk.tensor([-1.0, 2.0])
    assert F.threshold(x, 0.0, 5.0, inplace=True) is x and host(x).tolist() == [5.0, 2.0]


@pytest.mark.parametrize("channels", [1, 3])
def test_prelu_learns_its_slopes_as_torch(bk, T, channels):
    theirs = T.nn.PReLU(channels, 0.1).double()
    ours = bk.nn.PReLU(channels, 0.1, dtype=bk.float64)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == ["weight"]
    ours.load_state_dict({"weight": np.array([0.1, -0.2, 0.3][:channels])})
    theirs.load_state_dict({"weight": T.tensor([0.1, -0.2, 0.3][:channels],
                                               dtype=T.float64)})
    data = np.random.default_rng(0).normal(size=(2, 3, 4))
    data[0, 0, 0] = 0.0  # the kink: torch's slope applies at 0

    def run(torch, x):
        return (ours if torch is bk else theirs)(x)

    _same(bk, T, run, [data])
    assert ours.weight.grad is not None
    np.testing.assert_allclose(host(ours.weight.grad), host(theirs.weight.grad), rtol=1e-12)


def test_prelu_refuses_a_channel_mismatch(bk):
    with pytest.raises(RuntimeError, match="parameter numbers = 3 and channel size = 4"):
        bk.nn.PReLU(3)(bk.zeros(2, 4))


def test_glu_refuses_an_odd_dimension(bk):
    with pytest.raises(RuntimeError, match="dimension 1 is size 5"):
        bk.nn.functional.glu(bk.zeros(2, 5))


def test_softmin_without_dim_warns_as_torch(bk):
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        out = bk.nn.functional.softmin(bk.tensor([[1.0, 2.0]]))
    assert host(out).sum() == pytest.approx(1.0)


SIMILARITIES = {
    "normalize": lambda F, a, b: F.normalize(a, dim=1),
    "normalize-p1": lambda F, a, b: F.normalize(a, p=1.0, dim=0),
    "cosine": lambda F, a, b: F.cosine_similarity(a, b, dim=1),
    "cosine-broadcast": lambda F, a, b: F.cosine_similarity(a[:1], b, dim=-1),
    "pairwise": lambda F, a, b: F.pairwise_distance(a, b),
    "pairwise-p1-keepdim": lambda F, a, b: F.pairwise_distance(a, b, p=1.0, keepdim=True),
}


@pytest.mark.parametrize("name", sorted(SIMILARITIES))
def test_similarity_like_torch(bk, T, name):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    fn = SIMILARITIES[name]
    _same(bk, T, lambda torch, x, y: fn(torch.nn.functional, x, y), [a, b])


def test_distance_layers_like_torch(bk, T):
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(3, 6)), rng.normal(size=(3, 6))
    for make in (lambda nn: nn.CosineSimilarity(dim=1, eps=1e-6),
                 lambda nn: nn.PairwiseDistance(p=3.0, keepdim=True)):
        ours, theirs = make(bk.nn), make(T.nn)
        assert repr(ours) == repr(theirs)
        _same(bk, T, lambda torch, x, y: (ours if torch is bk else theirs)(x, y), [a, b])


POOLS = [
    ("MaxPool1d", (3,), {}),
    ("MaxPool1d", (3, 2, 1, 2), {"ceil_mode": True}),
    ("AvgPool1d", (3,), {}),
    ("AvgPool1d", (3, 2, 1), {"ceil_mode": True, "count_include_pad": False}),
    ("AdaptiveAvgPool1d", (4,), {}),
]


@pytest.mark.parametrize("name,args,kw", POOLS, ids=[f"{n}{i}" for i, (n, _, _) in
                                                     enumerate(POOLS)])
@pytest.mark.parametrize("batched", [True, False])
def test_pool1d_like_torch(bk, T, name, args, kw, batched):
    ours, theirs = getattr(bk.nn, name)(*args, **kw), getattr(T.nn, name)(*args, **kw)
    assert repr(ours) == repr(theirs)
    shape = (2, 3, 11) if batched else (3, 11)
    data = np.random.default_rng(3).normal(size=shape)
    _same(bk, T, lambda torch, x: (ours if torch is bk else theirs)(x), [data])


def test_max_pool1d_indices_like_torch(bk, T):
    data = np.random.default_rng(4).normal(size=(2, 3, 10))
    ours = bk.nn.functional.max_pool1d(bk.tensor(data), 3, 2, 1, return_indices=True)
    theirs = T.nn.functional.max_pool1d(T.tensor(data), 3, 2, 1, return_indices=True)
    assert host(ours[1]).tolist() == host(theirs[1]).tolist()
    np.testing.assert_array_equal(host(ours[0]), host(theirs[0]))
    with pytest.raises(RuntimeError, match="expected a 2-D .* or 3-D .* input, got 4-D"):
        bk.nn.functional.max_pool1d(bk.zeros(1, 2, 3, 4), 2)


CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu", "bias": False}),
         ("LSTMCell", {}), ("GRUCell", {}), ("GRUCell", {"bias": False})]


@pytest.mark.parametrize("name,kw", CELLS, ids=[f"{n}{i}" for i, (n, _) in enumerate(CELLS)])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
def test_recurrent_cell_like_torch(bk, T, name, kw, batched, with_state):
    theirs = getattr(T.nn, name)(3, 4, **kw).double()
    ours = getattr(bk.nn, name)(3, 4, dtype=bk.float64, **kw)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(6)
    lead = (2,) if batched else ()
    arrays = [rng.normal(size=lead + (3,))]
    lstm = name == "LSTMCell"
    if with_state:
        arrays += [rng.normal(size=lead + (4,)) for _ in range(2 if lstm else 1)]

    def run(torch, x, *state):
        cell = ours if torch is bk else theirs
        hx = None if not state else (tuple(state) if lstm else state[0])
        out = cell(x, hx)
        return torch.cat(list(out), -1) if lstm else out

    _same(bk, T, run, arrays)
    for (key, a), b in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(host(a.grad), host(b.grad), rtol=1e-12, atol=1e-14,
                                   err_msg=key)


def test_lstm_cell_unrolled_matches_the_lstm_layer(bk):
    """A cell stepped by hand gives the layer's output, with the layer's weights."""
    bk.manual_seed(0)
    layer = bk.nn.LSTM(3, 4, dtype=bk.float64)
    cell = bk.nn.LSTMCell(3, 4, dtype=bk.float64)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
    x = bk.tensor(np.random.default_rng(7).normal(size=(5, 2, 3)))
    out, (h, c) = layer(x)
    state = None
    for t in range(5):
        state = cell(x[t], state)
        np.testing.assert_allclose(host(state[0]), host(out[t]), rtol=1e-12)
    np.testing.assert_allclose(host(state[1]), host(c[0]), rtol=1e-12)


def test_cells_check_their_inputs(bk):
    cell = bk.nn.GRUCell(3, 4)
    with pytest.raises(RuntimeError, match="inconsistent input_size: got 5 expected 3"):
        cell(bk.zeros(2, 5))
    with pytest.raises(ValueError, match="Expected input to be 1D or 2D, got 3D"):
        cell(bk.zeros(1, 2, 3))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(2, 4\), got \(2, 5\)"):
        cell(bk.zeros(2, 3), bk.zeros(2, 5))
    with pytest.raises(ValueError, match="Unknown nonlinearity: sigmoid"):
        bk.nn.RNNCell(3, 4, nonlinearity="sigmoid")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tuple(bk.nn.LSTMCell(3, 4)(bk.zeros(3))[1].shape) == (4,)
