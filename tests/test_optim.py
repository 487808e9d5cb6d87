"""gradspec.optim: every optimizer follows torch.optim's trajectory on a small model (the loss
drives the gradients); bookkeeping and errors.  Step-by-step checks on given gradients, both
dtypes and the state-dict layout are in test_optim_torch.py."""

from __future__ import annotations

from support import load_or_skip
import numpy as np
import pytest
from gradspec import nn, optim

BACKENDS = ["numpy", "strict", "torch"]
STEPS = 100

# The optimizers and their main options, as (name, kwargs) shared by ours and torch's.
CASES = [
    ("sgd", "SGD", dict(lr=0.1)),
    ("sgd-momentum", "SGD", dict(lr=0.1, momentum=0.9)),
    ("sgd-dampening", "SGD", dict(lr=0.1, momentum=0.9, dampening=0.3)),
    ("sgd-nesterov", "SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("sgd-weight-decay", "SGD", dict(lr=0.1, momentum=0.5, weight_decay=0.05)),
    ("adam", "Adam", dict(lr=0.01)),
    ("adam-betas-eps", "Adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6)),
    ("adam-weight-decay", "Adam", dict(lr=0.01, weight_decay=0.1)),
    ("adam-amsgrad", "Adam", dict(lr=0.01, amsgrad=True)),
    ("adamw", "AdamW", dict(lr=0.01)),
    ("rmsprop", "RMSprop", dict(lr=0.01)),
    ("rmsprop-centered-momentum", "RMSprop", dict(lr=0.005, centered=True, momentum=0.5)),
    ("adagrad", "Adagrad", dict(lr=0.1, lr_decay=0.01)),
]




@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.optim is the reference for these checks")


def _problem():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = (rng.random(64) > 0.5).astype(np.float32)
    w0 = rng.standard_normal((1, 3)).astype(np.float32)
    return x, y, w0, rng.standard_normal(1).astype(np.float32)


def _trajectory_ours(backend, opt_name, kwargs, steps=STEPS):
    x, y, w0, b0 = _problem()
    net = nn.Sequential(nn.Linear(3, 1, backend=backend), nn.Sigmoid())
    net.load_state_dict({"0.weight": w0, "0.bias": b0})
    opt = getattr(optim, opt_name)(net.parameters(), **kwargs)
    xt, yt = backend.tensor(x), backend.tensor(y)
    out = []
    for _ in range(steps):
        loss = nn.BCELoss()(net(xt).squeeze(), yt)
        loss.backward()
        opt.step()
        opt.zero_grad()
        out.append([v for p in net.parameters() for v in p.detach().reshape(-1).tolist()])
    return np.array(out)


def _trajectory_torch(T, opt_name, kwargs, steps=STEPS):
    x, y, w0, b0 = _problem()
    lin = T.nn.Linear(3, 1)
    with T.no_grad():
        lin.weight.copy_(T.tensor(w0))
        lin.bias.copy_(T.tensor(b0))
    net = T.nn.Sequential(lin, T.nn.Sigmoid())
    opt = getattr(T.optim, opt_name)(net.parameters(), **kwargs)
    xt, yt = T.tensor(x), T.tensor(y)
    out = []
    for _ in range(steps):
        loss = T.nn.BCELoss()(net(xt).squeeze(), yt)
        loss.backward()
        opt.step()
        opt.zero_grad()
        out.append([v for p in net.parameters() for v in p.detach().reshape(-1).tolist()])
    return np.array(out)


# ------------------------------------------------------------------------------ against torch.optim
@pytest.mark.parametrize("label, opt_name, kwargs", CASES, ids=[c[0] for c in CASES])
def test_follows_torch_optim_on_the_torch_backend(T, label, opt_name, kwargs):
    ours = _trajectory_ours(load_or_skip("torch"), opt_name, kwargs)
    ref = _trajectory_torch(T, opt_name, kwargs)
    assert ours.shape == ref.shape == (STEPS, 4)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-6)
    assert np.abs(ref[-1] - ref[0]).max() > 0.05  # the parameters really moved


@pytest.mark.parametrize("label, opt_name, kwargs", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("name", ["numpy", "strict"])
def test_follows_torch_optim_on_our_engine(T, name, label, opt_name, kwargs):
    ours = _trajectory_ours(load_or_skip(name), opt_name, kwargs)
    ref = _trajectory_torch(T, opt_name, kwargs)
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-5)


def test_param_groups_follow_torch(T):
    bk = load_or_skip("torch")
    w_ours = bk.tensor([1.0, -2.0], requires_grad=True)
    b_ours = bk.tensor([0.5], requires_grad=True)
    w_ref = T.tensor([1.0, -2.0], requires_grad=True)
    b_ref = T.tensor([0.5], requires_grad=True)
    groups = lambda w, b: [{"params": [w]}, {"params": [b], "lr": 0.01, "momentum": 0.0}]  # noqa: E731
    ours = optim.SGD(groups(w_ours, b_ours), lr=0.1, momentum=0.9)
    ref = T.optim.SGD(groups(w_ref, b_ref), lr=0.1, momentum=0.9)
    for _ in range(10):
        for w, b, opt in ((w_ours, b_ours, ours), (w_ref, b_ref, ref)):
            ((w * w).sum() * b.sum() + b.sum() ** 2).backward()
            opt.step()
            opt.zero_grad()
    np.testing.assert_allclose(w_ours.tolist(), w_ref.tolist(), atol=1e-6)
    np.testing.assert_allclose(b_ours.tolist(), b_ref.tolist(), atol=1e-6)


# ------------------------------------------------------------------------------ the updates by hand
def test_sgd_momentum_by_hand(bk):
    p = bk.tensor([1.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    for _ in range(2):
        (p * 2.0).sum().backward()  # gradient 2 every step
        opt.step()
        opt.zero_grad()
    # step 1: buf = 2, p = 1 - 0.2 = 0.8; step 2: buf = 0.9 * 2 + 2 = 3.8, p = 0.8 - 0.38
    assert p.item() == pytest.approx(0.42, abs=1e-6)
    assert opt.state[p]["momentum_buffer"].item() == pytest.approx(3.8, abs=1e-6)
    assert p.is_leaf and p.requires_grad


def test_plain_sgd_keeps_no_state_as_torch(bk):
    # torch's SGD makes a state entry only for a momentum buffer; a group with momentum still
    # gets one, in the same optimizer
    plain = bk.tensor([1.0, 2.0], requires_grad=True)
    heavy = bk.tensor([3.0], requires_grad=True)
    opt = optim.SGD([{"params": [plain]}, {"params": [heavy], "momentum": 0.5}], lr=0.5)
    ((plain * plain).sum() + heavy.sum()).backward()
    opt.step()
    assert plain.tolist() == [0.0, 0.0] and heavy.tolist() == [2.5]
    assert plain not in opt.state and list(opt.state) == [heavy]
    assert list(opt.state_dict()["state"]) == [1]


def test_a_subclass_overriding_update_is_called_for_plain_groups_too(bk):
    calls = []

    class Logged(optim.SGD):
        def _update(self, p, grad, state, group):
            calls.append(p)
            super()._update(p, grad, state, group)

    p = bk.tensor([1.0], requires_grad=True)
    opt = Logged([p], lr=0.5)
    (p * 2.0).sum().backward()
    opt.step()
    assert calls == [p] and p.tolist() == [0.0]


def test_adam_first_step_is_lr_times_sign(bk):
    # After one step m/sqrt(v) with bias correction is grad/|grad|: each weight moves by lr.
    p = bk.tensor([1.0, -1.0, 3.0], requires_grad=True)
    opt = optim.Adam([p], lr=0.01)
    (p * bk.tensor([2.0, -5.0, 0.5])).sum().backward()
    opt.step()
    np.testing.assert_allclose(p.tolist(), [0.99, -0.99, 2.99], atol=1e-6)
    assert opt.state[p]["step"] == 1


def test_parameters_without_gradient_are_left_alone(bk):
    used = bk.tensor([1.0], requires_grad=True)
    unused = bk.tensor([5.0], requires_grad=True)
    opt = optim.Adam([used, unused], lr=0.1)
    (used * 3).sum().backward()
    opt.step()
    assert unused.tolist() == [5.0] and unused not in opt.state
    assert used.tolist() != [1.0]


def test_step_with_closure(bk):
    p = bk.tensor([2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with bk.no_grad():  # the closure still records: step enables grad for it
        loss = opt.step(closure)
    assert loss.item() == 4.0
    assert p.item() == pytest.approx(1.0)  # 2 - 0.25 * 4


# ------------------------------------------------------------------------------ zero_grad
def test_zero_grad_sets_none_by_default(bk):
    p = bk.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    opt.zero_grad()
    assert p.grad is None


def test_zero_grad_to_zeros(bk):
    p = bk.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and p.grad.tolist() == [0.0, 0.0]


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_zero_grad_detaches_a_gradient_with_a_graph(bk):
    p = bk.tensor([3.0], requires_grad=True)
    (p ** 3).sum().backward(create_graph=True)
    assert p.grad.requires_grad
    optim.SGD([p], lr=0.1).zero_grad(set_to_none=False)
    assert p.grad.tolist() == [0.0] and not p.grad.requires_grad and p.grad.grad_fn is None


# ------------------------------------------------------------------------------ state_dict
def test_state_dict_resumes_the_same_trajectory(bk):
    def make():
        net = nn.Linear(2, 1, backend=bk)
        net.load_state_dict({"weight": [[0.3, -0.1]], "bias": [0.2]})
        return net

    x = bk.tensor([[1.0, 2.0], [-1.0, 0.5], [0.0, -3.0]])
    y = bk.tensor([[1.0], [0.0], [2.0]])

    def train(net, opt, steps):
        for _ in range(steps):
            nn.MSELoss()(net(x), y).backward()
            opt.step()
            opt.zero_grad()

    net = make()
    opt = optim.Adam(net.parameters(), lr=0.05, amsgrad=True)
    train(net, opt, 5)
    saved_model = {k: v.clone() for k, v in net.state_dict().items()}
    saved_opt = opt.state_dict()
    # as in torch, the state's tensors (the step counter too) are the optimizer's own: snapshot
    # them before training on
    live = saved_opt["state"][0]["exp_avg"]
    saved_opt["state"] = {i: {k: v.clone() for k, v in s.items()}
                          for i, s in saved_opt["state"].items()}
    assert sorted(saved_opt["state"]) == [0, 1]
    assert saved_opt["param_groups"][0]["params"] == [0, 1]
    assert saved_opt["param_groups"][0]["lr"] == 0.05
    train(net, opt, 5)
    expected = [p.tolist() for p in net.parameters()]
    assert live.tolist() != saved_opt["state"][0]["exp_avg"].tolist()

    resumed = make()
    resumed.load_state_dict(saved_model)
    opt2 = optim.Adam(resumed.parameters(), lr=0.5)
    opt2.load_state_dict(saved_opt)
    assert opt2.param_groups[0]["lr"] == 0.05
    train(resumed, opt2, 5)
    assert [p.tolist() for p in resumed.parameters()] == expected


def test_load_state_dict_copies_and_checks_sizes(bk):
    p = bk.tensor([1.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    (p * 2).sum().backward()
    opt.step()
    saved = opt.state_dict()
    other = optim.SGD([bk.tensor([1.0], requires_grad=True)], lr=0.1, momentum=0.9)
    other.load_state_dict(saved)
    buf = next(iter(other.state.values()))["momentum_buffer"]
    assert buf is not saved["state"][0]["momentum_buffer"] and buf.tolist() == [2.0]
    two = optim.SGD([bk.tensor([1.0], requires_grad=True), bk.tensor([1.0], requires_grad=True)])
    with pytest.raises(ValueError, match="doesn't match the size"):
        two.load_state_dict(saved)


# ------------------------------------------------------------------------------ errors
def test_refuses_non_leaf_tensors(bk):
    w = bk.randn(3, requires_grad=True) * 0.01  # the classic mistake: not a leaf
    with pytest.raises(ValueError, match="can't optimize a non-leaf tensor"):
        optim.SGD([w], lr=0.1)


@pytest.mark.parametrize("make, error, match", [
    (lambda bk: optim.SGD([], lr=0.1), ValueError, "empty parameter list"),
    (lambda bk: optim.SGD(bk.ones(2, requires_grad=True), lr=0.1), TypeError, "single tensor"),
    (lambda bk: optim.SGD([[1.0]], lr=0.1), TypeError, "only optimize tensors"),
    (lambda bk: optim.SGD([bk.ones(1, requires_grad=True)], lr=-1.0), ValueError,
     "Invalid learning rate"),
    (lambda bk: optim.SGD([bk.ones(1, requires_grad=True)], lr=float("nan")), ValueError,
     "Invalid learning rate"),
    (lambda bk: optim.SGD([bk.ones(1, requires_grad=True)], momentum=-0.1), ValueError, "momentum"),
    (lambda bk: optim.SGD([bk.ones(1, requires_grad=True)], nesterov=True), ValueError, "Nesterov"),
    (lambda bk: optim.SGD([bk.ones(1, requires_grad=True)], momentum=0.9, dampening=0.1,
                          nesterov=True), ValueError, "Nesterov"),
    (lambda bk: optim.Adam([bk.ones(1, requires_grad=True)], betas=(0.9, 1.0)), ValueError,
     "beta parameter at index 1"),
    (lambda bk: optim.Adam([bk.ones(1, requires_grad=True)], eps=-1e-8), ValueError,
     "Invalid epsilon value"),
], ids=["empty", "single-tensor", "not-tensors", "negative-lr", "nan-lr", "negative-momentum",
        "nesterov-without-momentum", "nesterov-with-dampening", "beta-1", "negative-eps"])
def test_bad_arguments(bk, make, error, match):
    with pytest.raises(error, match=match):
        make(bk)


def test_refuses_duplicates_and_mixed_backends(bk):
    p = bk.ones(1, requires_grad=True)
    with pytest.raises(ValueError, match="more than once"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    other_name = "numpy" if bk.name != "numpy" else "strict"
    q = load_or_skip(other_name).ones(1, requires_grad=True)
    with pytest.raises(ValueError, match="two backends"):
        optim.Adam([p, q])


class _PlainAdd:
    """A tensor type with the protocol's ``add_``/``sub_`` only (no ``alpha``)."""

    def __init__(self, value):
        self.value, self.calls = value, []

    def add_(self, other):
        self.calls.append("add_")
        self.value += other
        return self

    def sub_(self, other):
        self.calls.append("sub_")
        self.value -= other
        return self


def test_sub_scaled_uses_alpha_only_where_add_declares_it(bk):
    from gradspec.optim._functional import _takes_alpha, sub_scaled_

    assert not _takes_alpha(_PlainAdd)
    plain = _PlainAdd(np.float32(1.0))
    sub_scaled_(plain, np.float32(0.5), 0.1)
    assert plain.calls == ["sub_"]
    assert plain.value == np.float32(1.0) - np.float32(0.5) * np.float32(0.1)
    # ours declares alpha; a C builtin without a readable signature (torch's) counts as not
    assert _takes_alpha(type(bk.tensor([1.0]))) == (bk.name != "torch")

    class Builtin:
        add_ = max  # inspect.signature(max) raises ValueError

    class Keywords:
        def add_(self, other, **options):
            return self

    assert not _takes_alpha(Builtin)
    assert _takes_alpha(Keywords)  # alpha may arrive among the keywords
    assert not _takes_alpha(dict)  # no add_ at all


@pytest.mark.parametrize("foreach", [True, False], ids=["foreach", "one-by-one"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sgd_step_is_bitwise_p_minus_lr_times_grad(bk, dtype, foreach, monkeypatch):
    from gradspec.optim import _functional

    rng = np.random.default_rng(11)
    w = rng.standard_normal((5, 3)).astype(dtype)
    g = rng.standard_normal((5, 3)).astype(dtype)
    p = bk.tensor(w, requires_grad=True)
    p.grad = bk.tensor(g)
    if not foreach:  # a backend without _foreach_add_: the loop of add_(grad, alpha=-lr)
        monkeypatch.setitem(_functional._FOREACH, type(p), None)
    optim.SGD([p], lr=0.037).step()
    expected = w - g * np.asarray(0.037, dtype=dtype)
    if bk.name == "torch" and foreach:
        # torch's own _foreach_add_ computes p + alpha * g in one kernel (it may round once
        # where the formula rounds twice): the result is torch.optim.SGD's, bit for bit
        torch = pytest.importorskip("torch")
        q = torch.tensor(w, requires_grad=True)
        q.grad = torch.tensor(g)
        torch.optim.SGD([q], lr=0.037).step()
        expected = q.detach().numpy()
    np.testing.assert_array_equal(np.asarray(p.detach().tolist(), dtype=dtype), expected)


def test_plain_sgd_updates_a_group_in_one_foreach_call(bk, monkeypatch):
    from gradspec.optim import _functional

    calls = []
    own = bk._foreach_add_

    def spy(tensors, others, *, alpha):
        calls.append((list(tensors), list(others), alpha))
        return own(tensors, others, alpha=alpha)

    a, b, c = (bk.tensor([1.0, 2.0], requires_grad=True) for _ in range(3))
    monkeypatch.setitem(_functional._FOREACH, type(a), spy)
    opt = optim.SGD([a, b, c], lr=0.5)
    (a.sum() + 2 * c.sum()).backward()  # b gets no gradient: it is left out, as in torch
    opt.step()
    [(tensors, grads, alpha)] = calls
    assert tensors == [a, c] and grads == [a.grad, c.grad] and alpha == -0.5
    assert a.tolist() == [0.5, 1.5] and b.tolist() == [1.0, 2.0] and c.tolist() == [0.0, 1.0]


def test_foreach_add_follows_torch(bk, T):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((4, 3), (5,), ())]
    steps = [rng.standard_normal(a.shape).astype(np.float32) for a in arrays]

    def run(lib):
        ts = [lib.tensor(a.copy(), requires_grad=True) for a in arrays]
        gs = [lib.tensor(s) for s in steps]
        with lib.no_grad():
            back = lib._foreach_add_(ts, gs, alpha=-0.037)
            lib._foreach_add_(ts, 0.25)
            lib._foreach_add_(ts, [1.0, 2.0, 3.0])
        assert list(back) == ts
        out = [np.asarray(t.detach().tolist(), dtype=np.float32) for t in ts]
        return out, [t._version for t in ts]

    ours, versions = run(bk)
    theirs, torch_versions = run(T)
    for x, y in zip(ours, theirs):
        np.testing.assert_array_equal(x, y)  # the same products and sums, bit for bit
    assert versions == torch_versions == [3, 3, 3]


@pytest.mark.parametrize("case", ["lengths", "leaf", "shapes"])
def test_foreach_add_refuses_as_torch(bk, T, case):
    def attempt(lib):
        ts = [lib.ones(2, requires_grad=True), lib.ones(3, requires_grad=True)]
        gs = [lib.ones(2), lib.ones(3)]
        if case == "lengths":
            with lib.no_grad():
                lib._foreach_add_(ts, gs[:1])
        elif case == "leaf":  # in grad mode, on leaves that require grad
            lib._foreach_add_(ts, gs, alpha=-0.1)
        else:
            with lib.no_grad():
                lib._foreach_add_(ts, gs[::-1])
        return ts

    with pytest.raises(RuntimeError) as theirs:
        attempt(T)
    with pytest.raises(RuntimeError) as ours:
        attempt(bk)
    first_line = str(theirs.value).split("\n")[0]
    assert str(ours.value).startswith(first_line[:40])


def test_plain_sgd_steps_over_a_group_without_gradients(bk):
    # nothing to update (torch's own _foreach_add_ refuses an empty list)
    p = bk.tensor([1.0, 2.0], requires_grad=True)
    optim.SGD([p], lr=0.5).step()
    assert p.tolist() == [1.0, 2.0] and p.grad is None
