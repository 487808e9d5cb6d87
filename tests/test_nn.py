"""gradspec.nn: module bookkeeping, Linear's initialisation, and layers and losses against torch.nn.

Our modules run on every backend; torch.nn (imported here directly) is the reference.
"""

from __future__ import annotations

import math

import gradspec
from support import load_or_skip
import numpy as np
import pytest
from gradspec import nn

BACKENDS = ["numpy", "strict", "torch"]




@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.nn is the reference for these checks")


def host(t) -> np.ndarray:
    return np.asarray(t.detach().tolist(), dtype=np.float64)


class Net(nn.Module):
    def __init__(self, backend):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4, backend=backend), nn.Tanh(),
                                  nn.Linear(4, 2, backend=backend))
        self.scale = nn.Parameter(backend.ones(2))
        self.register_buffer("offset", backend.zeros(2))
        self.note = "plain attribute"

    def forward(self, x):
        return self.body(x) * self.scale + self.offset


# ------------------------------------------------------------------------------ bookkeeping
def test_named_parameters_in_registration_order(bk):
    net = Net(bk)
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias"]
    assert [tuple(p.shape) for p in net.parameters()] == [(2,), (4, 3), (4,), (2, 4), (2,)]
    assert all(p.is_leaf and p.requires_grad for p in net.parameters())
    assert [n for n, _ in net.named_buffers()] == ["offset"]
    assert net.note == "plain attribute"
    assert [type(m).__name__ for m in net.modules()] == [
        "Net", "Sequential", "Linear", "Tanh", "Linear"]


def test_shared_module_counts_once(bk):
    shared = nn.Linear(2, 2, backend=bk)
    seq = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(seq.parameters())) == 2
    x = bk.ones(1, 2)
    assert host(seq(x)).shape == (1, 2)


def test_non_leaf_assignment_is_a_plain_attribute(bk):
    net = Net(bk)
    computed = net.scale * 2
    net.cached = computed
    assert net.cached is computed
    assert "cached" not in dict(net.named_parameters())


def test_registered_members_read_as_before_once_the_class_caches_their_names(bk):
    # Module.__getattr__ leaves a descriptor on the class for a registered name it answered;
    # reads must stay what the registries and the instance say, as in torch.
    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(bk.ones(2))
            self.register_buffer("b", bk.zeros(2))

    first, second = Layer(), Layer()
    assert first.w is first._parameters["w"] and first.b is first._buffers["b"]
    assert "w" in vars(Layer)  # the cached name
    assert second.w is second._parameters["w"]  # each instance its own member
    with pytest.raises(AttributeError, match="type object 'Layer' has no attribute 'w'"):
        Layer.w
    assert not hasattr(Layer, "b")
    del second.w
    with pytest.raises(AttributeError, match="'Layer' object has no attribute 'w'"):
        second.w
    second.w = "plain"  # an ordinary attribute now
    assert second.w == "plain" and "w" not in dict(second.named_parameters())
    replaced = nn.Parameter(bk.zeros(2))
    first._parameters["w"] = replaced  # torch-style utilities write the registry directly
    assert first.w is replaced
    with pytest.raises(KeyError, match="attribute 'w' already exists"):  # (PyTorch's rule)
        first.register_buffer("w", bk.ones(3))
    del first.w
    first.register_buffer("w", bk.ones(3))  # a buffer once the parameter is gone
    assert first.w is first._buffers["w"]

    class Forwarding(Layer):  # a subclass's own __getattr__ still decides
        def __getattr__(self, name):
            return "forwarded" if name == "w" else super().__getattr__(name)

    assert Forwarding().w == "forwarded"


def test_non_leaf_cannot_replace_a_parameter(bk):
    lin = nn.Linear(2, 1, backend=bk)
    weight = lin.weight
    with pytest.raises(ValueError, match="non-leaf"):
        lin.weight = lin.weight * 2
    assert lin.weight is weight


def test_frozen_parameter_stays_registered(bk):
    lin = nn.Linear(2, 1, backend=bk)
    lin.weight.requires_grad_(False)
    lin.weight = nn.Parameter(lin.weight, requires_grad=False)
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    assert not lin.weight.requires_grad and lin.bias.requires_grad


def test_register_parameter_refuses_non_leaf(bk):
    lin = nn.Linear(2, 1, backend=bk)
    with pytest.raises(ValueError, match="leaf"):
        lin.register_parameter("extra", lin.weight * 2)


def test_missing_super_init_is_explained(bk):
    class Broken(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(1, 1, backend=bk)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_forward_is_required():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_delattr_unregisters(bk):
    net = Net(bk)
    del net.scale
    assert "scale" not in dict(net.named_parameters())
    with pytest.raises(AttributeError):
        getattr(net, "scale")


def test_parameter_is_a_leaf_sharing_data(bk):
    source = bk.tensor([1.0, 2.0])
    p = nn.Parameter(source)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None
    source.mul_(3)
    assert p.tolist() == [3.0, 6.0]
    with pytest.raises(TypeError, match="tensor"):
        nn.Parameter([1.0, 2.0])


def test_zero_grad_sets_none_by_default(bk):
    lin = nn.Linear(2, 1, backend=bk)
    lin(bk.ones(3, 2)).sum().backward()
    assert lin.weight.grad is not None
    lin.zero_grad()
    assert lin.weight.grad is None and lin.bias.grad is None


def test_zero_grad_to_zeros_keeps_the_tensor(bk):
    lin = nn.Linear(2, 1, backend=bk)
    lin(bk.ones(3, 2)).sum().backward()
    grad = lin.weight.grad
    lin.zero_grad(set_to_none=False)
    assert lin.weight.grad is grad and grad.tolist() == [[0.0, 0.0]]


def test_train_and_eval_reach_every_submodule(bk):
    net = Net(bk)
    assert net.eval() is net
    assert [m.training for m in net.modules()] == [False] * 5
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="bool"):
        net.train("yes")


def test_repr_is_torchlike(bk):
    seq = nn.Sequential(nn.Linear(2, 1, backend=bk), nn.Sigmoid())
    assert repr(seq) == ("Sequential(\n  (0): Linear(in_features=2, out_features=1, bias=True)\n"
                         "  (1): Sigmoid()\n)")


# ------------------------------------------------------------------------------ state_dict
def test_state_dict_round_trip(bk):
    a, b = Net(bk), Net(bk)
    sd = a.state_dict()
    assert list(sd) == ["scale", "offset", "body.0.weight", "body.0.bias", "body.2.weight",
                        "body.2.bias"]
    assert all(not t.requires_grad for t in sd.values())
    b.load_state_dict(sd)
    for (name, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert host(pa).tolist() == host(pb).tolist(), name
        assert pb.is_leaf and pb.requires_grad


def test_state_dict_shares_data(bk):
    lin = nn.Linear(2, 1, backend=bk)
    sd = lin.state_dict()
    with bk.no_grad():
        lin.weight.add_(1.0)
    assert host(sd["weight"]).tolist() == host(lin.weight).tolist()


def test_load_state_dict_accepts_arrays_lists_and_other_backends(bk):
    lin = nn.Linear(2, 1, backend=bk)
    lin.load_state_dict({"weight": np.array([[1.5, -2.0]], dtype=np.float32), "bias": [0.25]})
    assert host(lin.weight).tolist() == [[1.5, -2.0]] and host(lin.bias).tolist() == [0.25]
    other = nn.Linear(2, 1, backend=load_or_skip("numpy"))
    lin.load_state_dict(other.state_dict())
    assert host(lin.weight).tolist() == host(other.weight).tolist()
    assert type(lin.weight) is type(bk.tensor([1.0]))


def test_load_state_dict_strict_reports_keys_and_changes_nothing(bk):
    lin = nn.Linear(2, 1, backend=bk)
    before = host(lin.weight).tolist()
    # PyTorch's order: missing keys, then unexpected ones
    with pytest.raises(RuntimeError, match=r'(?s)Missing key\(s\) in state_dict: "bias".*'
                                           r'Unexpected key\(s\) in state_dict: "extra".*strict=False'):
        lin.load_state_dict({"weight": [[9.0, 9.0]], "extra": [1.0]})
    assert host(lin.weight).tolist() == before
    keys = lin.load_state_dict({"weight": [[9.0, 9.0]], "extra": [1.0]}, strict=False)
    assert keys.missing_keys == ["bias"] and keys.unexpected_keys == ["extra"]
    assert host(lin.weight).tolist() == [[9.0, 9.0]]


def test_load_state_dict_takes_older_layouts_as_pytorch(bk):
    """A BatchNorm checkpoint without num_batches_tracked (saved before PyTorch counted
    batches) loads and keeps the count; a scalar saved as a 1-vector loads into a 0-d
    buffer."""
    norm = bk.nn.BatchNorm1d(3)
    old = {k: v for k, v in norm.state_dict().items() if k != "num_batches_tracked"}
    norm.num_batches_tracked.fill_(5)
    keys = norm.load_state_dict(old)
    assert not keys.missing_keys and norm.num_batches_tracked.item() == 5

    class Scaled(bk.nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("scale", bk.tensor(2.0))

    scaled = Scaled()
    scaled.load_state_dict({"scale": bk.tensor([3.0])})
    assert scaled.scale.shape == () and scaled.scale.item() == 3.0


def test_load_state_dict_shape_mismatch_changes_nothing(bk):
    lin = nn.Linear(2, 1, backend=bk)
    before = host(lin.bias).tolist()
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: .*shape torch.Size\(\[2\]\)"
                                           r".*torch.Size\(\[1, 2\]\)"):
        lin.load_state_dict({"bias": [5.0], "weight": [1.0, 2.0]})
    assert host(lin.bias).tolist() == before


# ------------------------------------------------------------------------------ Linear
def test_linear_init_is_uniform_within_torchs_bound(bk):
    bk.manual_seed(0)
    lin = nn.Linear(16, 64, backend=bk)
    bound = 1 / math.sqrt(16)
    w, b = host(lin.weight), host(lin.bias)
    assert w.shape == (64, 16) and b.shape == (64,)
    assert np.all(np.abs(w) <= bound) and np.all(np.abs(b) <= bound)
    # uniform: spread over the whole interval, mean near 0
    assert w.min() < -0.9 * bound and w.max() > 0.9 * bound and abs(w.mean()) < 0.05


def test_linear_init_follows_the_backends_seed(bk):
    bk.manual_seed(7)
    first = host(nn.Linear(3, 2, backend=bk).weight)
    bk.manual_seed(7)
    again = host(nn.Linear(3, 2, backend=bk).weight)
    bk.manual_seed(8)
    other = host(nn.Linear(3, 2, backend=bk).weight)
    assert first.tolist() == again.tolist() and first.tolist() != other.tolist()


def test_linear_default_backend_is_load_backend(monkeypatch):
    monkeypatch.setenv("GRADSPEC_BACKEND", "strict")
    load_or_skip("strict")
    lin = nn.Linear(2, 1)
    assert gradspec.backend_of(lin.weight).name == "strict"


def test_linear_without_bias_and_bad_sizes(bk):
    lin = nn.Linear(3, 2, bias=False, backend=bk)
    assert lin.bias is None and [n for n, _ in lin.named_parameters()] == ["weight"]
    assert host(lin(bk.ones(3))).shape == (2,)  # a 1-D input
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="positive integer"):
            nn.Linear(bad, 2, backend=bk)


def test_linear_matches_torch(bk, T):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    ref = T.nn.Linear(3, 2)
    ours = nn.Linear(3, 2, backend=bk)
    ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    xt_ref = T.tensor(x, requires_grad=True)
    xt = bk.tensor(x, requires_grad=True)
    y_ref, y = ref(xt_ref), ours(xt)
    np.testing.assert_allclose(host(y), y_ref.detach().numpy(), rtol=1e-6, atol=1e-6)
    (y_ref ** 2).sum().backward()
    (y ** 2).sum().backward()
    np.testing.assert_allclose(host(ours.weight.grad), ref.weight.grad.numpy(),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(host(ours.bias.grad), ref.bias.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(host(xt.grad), xt_ref.grad.numpy(), rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------------------ Sequential
def test_sequential_indexing_and_names(bk):
    first, act = nn.Linear(2, 3, backend=bk), nn.ReLU()
    seq = nn.Sequential(first, act)
    assert len(seq) == 2 and seq[0] is first and seq[-1] is act and list(seq) == [first, act]
    assert isinstance(seq[:1], nn.Sequential) and seq[:1][0] is first
    named = nn.Sequential({"features": first, "act": act})
    assert [n for n, _ in named.named_parameters()] == ["features.weight", "features.bias"]
    with pytest.raises(IndexError, match="out of range"):
        seq[5]
    with pytest.raises(TypeError, match="modules"):
        nn.Sequential(first, lambda x: x)


def test_sequential_applies_in_order(bk):
    lin = nn.Linear(2, 1, backend=bk)
    lin.load_state_dict({"weight": [[1.0, -1.0]], "bias": [0.5]})
    seq = nn.Sequential(lin, nn.Sigmoid())
    out = host(seq(bk.tensor([[3.0, 1.0]])))
    assert out[0, 0] == pytest.approx(1 / (1 + math.exp(-2.5)), rel=1e-6)


# ------------------------------------------------------------------------------ against torch.nn
@pytest.mark.parametrize("ours, theirs",
                         [("Sigmoid", "Sigmoid"), ("ReLU", "ReLU"), ("Tanh", "Tanh")])
def test_activations_match_torch(bk, T, ours, theirs):
    x = np.array([[-2.0, -0.5, 0.25], [1.0, 3.0, -4.0]], dtype=np.float32)
    xt, xr = bk.tensor(x, requires_grad=True), T.tensor(x, requires_grad=True)
    y, yr = getattr(nn, ours)()(xt), getattr(T.nn, theirs)()(xr)
    np.testing.assert_allclose(host(y), yr.detach().numpy(), rtol=1e-6, atol=1e-7)
    (y * y).sum().backward()
    (yr * yr).sum().backward()
    np.testing.assert_allclose(host(xt.grad), xr.grad.numpy(), rtol=1e-5, atol=1e-6)


def _loss_case(name: str, rng: np.random.Generator):
    if name == "BCELoss":
        return rng.uniform(0.02, 0.98, (4, 3)), rng.uniform(0, 1, (4, 3))
    if name == "BCEWithLogitsLoss":
        x = rng.normal(0, 3, (4, 3))
        x[0, :] = [0.0, 40.0, -40.0]  # the kink of |x| and saturated scores
        return x, (rng.uniform(0, 1, (4, 3)) > 0.5).astype(float)
    if name == "MSELoss":
        return rng.normal(0, 1, (4, 3)), rng.normal(0, 1, (4, 3))
    return rng.normal(0, 2, (4, 3)), np.array([0, 2, 1, 2])  # CrossEntropyLoss


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", ["BCELoss", "BCEWithLogitsLoss", "MSELoss", "CrossEntropyLoss"])
def test_losses_match_torch(bk, T, name, reduction):
    x, target = _loss_case(name, np.random.default_rng(11))
    x = x.astype(np.float32)
    if target.dtype.kind != "i":
        target = target.astype(np.float32)
    tgt_ours, tgt_ref = bk.tensor(target), T.tensor(target)
    xt, xr = bk.tensor(x, requires_grad=True), T.tensor(x, requires_grad=True)
    loss = getattr(nn, name)(reduction=reduction)(xt, tgt_ours)
    ref = getattr(T.nn, name)(reduction=reduction)(xr, tgt_ref)
    np.testing.assert_allclose(host(loss), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    weights = np.linspace(0.5, 1.5, ref.numel()).reshape(tuple(ref.shape)).astype(np.float32)
    (loss * bk.tensor(weights)).sum().backward()
    (ref * T.tensor(weights)).sum().backward()
    np.testing.assert_allclose(host(xt.grad), xr.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_cross_entropy_with_probabilities_matches_torch(bk, T):
    rng = np.random.default_rng(5)
    x = rng.normal(0, 1, (3, 4)).astype(np.float32)
    probs = rng.dirichlet(np.ones(4), 3).astype(np.float32)
    xt, xr = bk.tensor(x, requires_grad=True), T.tensor(x, requires_grad=True)
    loss = nn.CrossEntropyLoss()(xt, bk.tensor(probs))
    ref = T.nn.CrossEntropyLoss()(xr, T.tensor(probs))
    assert loss.item() == pytest.approx(ref.item(), rel=1e-5)
    loss.backward()
    ref.backward()
    np.testing.assert_allclose(host(xt.grad), xr.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_bce_target_gradient_matches_torch(bk, T):
    p = np.array([0.2, 0.7, 0.9], dtype=np.float32)
    y = np.array([0.1, 0.5, 1.0], dtype=np.float32)
    yt, yr = bk.tensor(y, requires_grad=True), T.tensor(y, requires_grad=True)
    nn.BCELoss()(bk.tensor(p), yt).backward()
    T.nn.BCELoss()(T.tensor(p), yr).backward()
    np.testing.assert_allclose(host(yt.grad), yr.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_bce_clamps_the_log_at_minus_100(bk, T):
    # p = 0 with y = 1 (and p = 1 with y = 0) cost 100 each, as torch; gradients stay finite.
    p = np.array([0.0, 1.0, 1.0, 0.0], dtype=np.float32)
    y = np.array([1.0, 0.0, 1.0, 0.0], dtype=np.float32)
    pt = bk.tensor(p, requires_grad=True)
    loss = nn.BCELoss(reduction="none")(pt, bk.tensor(y))
    ref = T.nn.BCELoss(reduction="none")(T.tensor(p), T.tensor(y))
    assert host(loss).tolist() == ref.tolist() == [100.0, 100.0, 0.0, 0.0]
    loss.sum().backward()
    assert np.all(np.isfinite(host(pt.grad)))


def test_loss_input_errors(bk):
    p = bk.tensor([0.5, 1.5])
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        nn.BCELoss()(p, bk.tensor([0.0, 1.0]))
    # another target shape: broadcast, with PyTorch's warning (its value is (2, 2)'s mean)
    with pytest.warns(UserWarning, match=r"target size \(torch.Size\(\[2, 1\]\)\) that is "
                      r"different to the input size \(torch.Size\(\[2\]\)\)"):
        loss = nn.MSELoss()(bk.tensor([0.5, 1.5]), bk.tensor([[0.0], [1.0]]))
    assert host(loss).item() == pytest.approx((0.25 + 2.25 + 0.25 + 0.25) / 4)
    with pytest.warns(UserWarning), pytest.raises(
            RuntimeError, match=r"^The size of tensor a \(3\) must match the size of tensor b "
                                r"\(2\) at non-singleton dimension 0"):
        nn.L1Loss()(bk.tensor([0.5, 0.5, 1.0]), bk.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.MSELoss(reduction="avg")
    scores = bk.tensor([[1.0, 2.0], [0.5, 0.1]])
    with pytest.raises(IndexError, match="^Target 2 is out of bounds"):
        nn.CrossEntropyLoss()(scores, bk.tensor([0, 2]))
    with pytest.raises(RuntimeError, match="class indices"):  # RuntimeError, as PyTorch's
        nn.CrossEntropyLoss()(scores, bk.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match=r"Expected target size \[2, 4\], got \[2, 3\]"):
        nn.CrossEntropyLoss()(bk.zeros(2, 3, 4), bk.zeros(2, 3, dtype=bk.int64))


def test_frozen_parameters_register_and_plain_tensors_are_refused_as_in_torch(bk):
    """nn.Parameter(t, requires_grad=False) assigned to a module is a parameter (in
    state_dict, parameters(), moved by .double()); a plain tensor is refused where a parameter
    is expected, and a name the module already has is not taken over (PyTorch's TypeError and
    KeyError)."""
    nn = bk.nn

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.pe = nn.Parameter(bk.ones(3), requires_grad=False)
            self.fc = nn.Linear(2, 2)

    model = Encoder()
    assert list(model.state_dict()) == ["pe", "fc.weight", "fc.bias"]
    assert [n for n, _ in model.named_parameters()] == ["pe", "fc.weight", "fc.bias"]
    model.double()
    assert model.pe.dtype == bk.float64 and not model.pe.requires_grad
    lin = nn.Linear(2, 2)
    weight = lin.weight
    with pytest.raises(TypeError, match=r"^cannot assign 'torch.FloatTensor' as parameter 'weight'"):
        lin.weight = bk.zeros(2, 2)
    with pytest.raises(TypeError, match=r"object to parameter 'p' \(torch.nn.Parameter or None"):
        lin.register_parameter("p", bk.zeros(2))
    for register in (lambda: lin.register_buffer("weight", bk.zeros(1, 2)),
                     lambda: lin.add_module("weight", nn.ReLU()),
                     lambda: lin.register_parameter("forward", None)):
        with pytest.raises(KeyError, match="already exists"):
            register()
    assert lin.weight is weight and list(lin.state_dict()) == ["weight", "bias"]
    lin.weight = nn.Parameter(bk.zeros(2, 2))
    lin.bias = None
    assert [n for n, _ in lin.named_parameters()] == ["weight"]


def test_buffers_marked_with_nn_buffer_register_on_assignment(bk):
    """nn.Buffer(t) assigned to a module attribute is a buffer (persistent or not), moved by
    .double() like any; share_memory returns the module."""
    nn = bk.nn

    class Stats(nn.Module):
        def __init__(self):
            super().__init__()
            self.mean = nn.Buffer(bk.ones(2))
            self.scratch = nn.Buffer(bk.zeros(1), persistent=False)

    stats = Stats()
    assert list(stats.state_dict()) == ["mean"]
    assert [n for n, _ in stats.named_buffers()] == ["mean", "scratch"]
    assert not list(stats.parameters())
    assert stats.share_memory() is stats and stats.double().mean.dtype == bk.float64
