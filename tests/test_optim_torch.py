"""gradspec.optim against torch.optim, step by step: the same parameters and the same gradients
fed to both, every option (weight decay, maximize, per-group options), float64 and float32, on
numpy, strict and torch; state dicts in torch's layout, loaded both ways."""

from __future__ import annotations

import numpy as np
import pytest
from support import load_or_skip

from gradspec import optim

BACKENDS = ["numpy", "strict", "torch"]
STEPS = 40
SHAPES = [(3, 4), (4,), (2, 1, 3)]

# (id, optimizer, options for every group, options of the second group only)
CASES = [
    ("sgd", "SGD", dict(lr=0.1), dict(lr=0.02, maximize=True)),
    ("sgd-momentum-dampening", "SGD", dict(lr=0.1, momentum=0.5, dampening=0.2,
                                           weight_decay=0.01), dict(momentum=0.0)),
    ("sgd-nesterov", "SGD", dict(lr=0.1, momentum=0.9, nesterov=True),
     dict(lr=0.03, weight_decay=0.1, maximize=True)),
    ("adam", "Adam", dict(lr=0.01, weight_decay=0.1), dict(betas=(0.3, 0.9), maximize=True)),
    ("adam-amsgrad-decoupled", "Adam", dict(lr=0.02, amsgrad=True, weight_decay=0.05,
                                            decoupled_weight_decay=True), dict(eps=1e-3)),
    ("adamw", "AdamW", dict(lr=0.01), dict(amsgrad=True, weight_decay=0.3, lr=0.1)),
    ("adamw-maximize", "AdamW", dict(lr=0.01, maximize=True, betas=(0.8, 0.99)),
     dict(weight_decay=0.0)),
    ("rmsprop", "RMSprop", dict(lr=0.01), dict(alpha=0.8, weight_decay=0.1)),
    ("rmsprop-centered-momentum", "RMSprop", dict(lr=0.01, centered=True, momentum=0.9,
                                                  weight_decay=0.05),
     dict(centered=False, momentum=0.0, alpha=0.8, maximize=True)),
    ("adagrad", "Adagrad", dict(lr=0.1), dict(eps=1e-3, maximize=True)),
    ("adagrad-decay-accumulator", "Adagrad", dict(lr=0.1, lr_decay=0.01,
                                                  initial_accumulator_value=0.1,
                                                  weight_decay=0.02), dict(lr_decay=0.0)),
    ("nadam", "NAdam", dict(lr=0.01), dict(betas=(0.8, 0.99), maximize=True)),
    ("nadam-decay-decoupled", "NAdam", dict(lr=0.02, weight_decay=0.05, momentum_decay=0.01,
                                            decoupled_weight_decay=True), dict(eps=1e-3)),
    ("nadam-decay", "NAdam", dict(lr=0.02, weight_decay=0.05), dict(weight_decay=0.0)),
    ("radam", "RAdam", dict(lr=0.02), dict(betas=(0.5, 0.9), maximize=True)),
    ("radam-decay", "RAdam", dict(lr=0.02, weight_decay=0.1),
     dict(decoupled_weight_decay=True)),
    ("adamax", "Adamax", dict(lr=0.05), dict(betas=(0.7, 0.95), weight_decay=0.1)),
    ("adamax-maximize", "Adamax", dict(lr=0.05, maximize=True), dict(eps=1e-3)),
    ("adadelta", "Adadelta", dict(lr=1.0, eps=1e-2), dict(rho=0.7, weight_decay=0.1)),
    ("adadelta-maximize", "Adadelta", dict(lr=0.5, maximize=True, eps=1e-3), dict(lr=2.0)),
]
IDS = [c[0] for c in CASES]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.optim is the reference for these checks")


def _data(dtype: str, steps: int = STEPS, seed: int = 0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(steps)]
    return init, grads


def _groups(params, kw2):
    return [{"params": params[:2]}, {"params": params[2:], **kw2}]


def _feed(bk, params, grads):
    for p, g in zip(params, grads):
        p.grad = bk.tensor(g)


def _assert_close(bk, ours, ref, dtype, what=""):
    # float64: to 1e-12; float32: to rounding (torch's CPU kernels fuse multiply-adds, so a few
    # ulps apart after many steps).  A wrong formula is off by orders of magnitude more.
    tol = 1e-12 if dtype == "float64" else 32 * np.finfo(np.float32).eps
    for p, q in zip(ours, ref):
        got, want = bk.to_numpy(p), q.detach().numpy()
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=what)


def _pair(bk, T, name, kw, kw2, dtype, seed=0):
    init, grads = _data(dtype, seed=seed)
    ours = [bk.tensor(a, requires_grad=True) for a in init]
    ref = [T.tensor(a, requires_grad=True) for a in init]
    opt = getattr(optim, name)(_groups(ours, kw2), **kw)
    ref_opt = getattr(T.optim, name)(_groups(ref, kw2), **kw)
    return ours, ref, opt, ref_opt, grads


# ------------------------------------------------------------------------------ step by step
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("label, name, kw, kw2", CASES, ids=IDS)
def test_each_step_matches_torch(bk, T, label, name, kw, kw2, dtype):
    ours, ref, opt, ref_opt, grads = _pair(bk, T, name, kw, kw2, dtype)
    for i, g in enumerate(grads):
        _feed(bk, ours, g)
        _feed(T, ref, g)
        opt.step()
        ref_opt.step()
        _assert_close(bk, ours, ref, dtype, f"step {i + 1}")
    moved = max(np.abs(ref[k].detach().numpy() - _data(dtype)[0][k]).max() for k in range(3))
    assert moved > 0.05  # the parameters really moved
    assert all(p.is_leaf and p.requires_grad and p.grad_fn is None for p in ours)


@pytest.mark.parametrize("label, name, kw, kw2", CASES, ids=IDS)
def test_state_matches_torch(bk, T, label, name, kw, kw2):
    ours, ref, opt, ref_opt, grads = _pair(bk, T, name, kw, kw2, "float64")
    for g in grads[:5]:
        _feed(bk, ours, g)
        _feed(T, ref, g)
        opt.step()
        ref_opt.step()
    mine, theirs = opt.state_dict(), ref_opt.state_dict()
    assert [sorted(g) for g in mine["param_groups"]] == [sorted(g) for g in theirs["param_groups"]]
    assert mine["param_groups"] == theirs["param_groups"]
    assert sorted(mine["state"]) == sorted(theirs["state"])
    for i, entries in theirs["state"].items():
        assert list(mine["state"][i]) == list(entries)
        for key, want in entries.items():
            got = mine["state"][i][key]
            if key == "step":
                assert tuple(got.shape) == () and got.dtype == bk.float32
                assert got.item() == want.item() == 5
            else:
                np.testing.assert_allclose(bk.to_numpy(got), want.numpy(), rtol=1e-12, atol=1e-14)


def test_parameters_without_gradients_keep_no_state_and_do_not_move(bk, T):
    for name in ("SGD", "Adam", "AdamW", "RMSprop"):
        used = bk.tensor([1.0, 2.0], requires_grad=True)
        unused = bk.tensor([5.0], requires_grad=True)
        opt = getattr(optim, name)([used, unused], lr=0.1, weight_decay=0.1)
        (used * used).sum().backward()
        opt.step()
        assert unused.tolist() == [5.0] and unused not in opt.state, name
    # Adagrad, as torch's, has every parameter's state from construction on
    p = bk.tensor([1.0], requires_grad=True)
    opt = optim.Adagrad([p], initial_accumulator_value=0.5)
    assert opt.state[p]["step"].item() == 0 and opt.state[p]["sum"].tolist() == [0.5]
    ref = T.optim.Adagrad([T.tensor([1.0], requires_grad=True)], initial_accumulator_value=0.5)
    assert sorted(ref.state_dict()["state"][0]) == sorted(opt.state_dict()["state"][0])


def test_adamw_is_adam_with_decoupled_decay(bk):
    def run(make):
        p = bk.tensor([1.0, -2.0, 3.0], dtype=bk.float64, requires_grad=True)
        opt = make([p])
        for _ in range(5):
            (p * p * p).sum().backward()
            opt.step()
            opt.zero_grad()
        return p.tolist()

    decoupled = run(lambda ps: optim.AdamW(ps, lr=0.1, weight_decay=0.5))
    assert decoupled == run(lambda ps: optim.Adam(ps, lr=0.1, weight_decay=0.5,
                                                  decoupled_weight_decay=True))
    assert decoupled != run(lambda ps: optim.Adam(ps, lr=0.1, weight_decay=0.5))
    # one step by hand: p * (1 - lr * wd), then Adam's first step moves each weight by lr
    p = bk.tensor([2.0], dtype=bk.float64, requires_grad=True)
    opt = optim.AdamW([p], lr=0.1, weight_decay=0.5)
    (p * 3.0).sum().backward()
    opt.step()
    assert p.item() == pytest.approx(2.0 * (1 - 0.05) - 0.1, abs=1e-7)


def test_adagrad_and_rmsprop_by_hand(bk):
    p = bk.tensor([1.0], dtype=bk.float64, requires_grad=True)
    opt = optim.Adagrad([p], lr=0.5, lr_decay=1.0, initial_accumulator_value=1.0, eps=0.0)
    for _ in range(2):
        (p * 2.0).sum().backward()  # gradient 2
        opt.step()
        opt.zero_grad()
    # step 1: sum = 1 + 4 = 5, p = 1 - 0.5 * 2 / sqrt(5); step 2: lr 0.5 / 2, sum = 9
    assert p.item() == pytest.approx(1 - 1 / 5 ** 0.5 - 0.25 * 2 / 3, abs=1e-12)
    q = bk.tensor([1.0], dtype=bk.float64, requires_grad=True)
    opt = optim.RMSprop([q], lr=0.1, alpha=0.5, eps=0.0, centered=True)
    (q * 2.0).sum().backward()
    opt.step()
    # v = 0.5 * 4 = 2, m = 0.5 * 2 = 1, avg = sqrt(2 - 1) = 1, q = 1 - 0.1 * 2 / 1
    assert q.item() == pytest.approx(0.8, abs=1e-12)


# ------------------------------------------------------------------------------ state dicts
def _to_torch(T, bk, value):
    # a copy even on the torch backend: a state dict holds the optimizer's live tensors
    return T.tensor(bk.to_numpy(value)) if hasattr(value, "requires_grad") else value


@pytest.mark.parametrize("label, name, kw, kw2", CASES, ids=IDS)
def test_torch_saved_state_dict_loads_and_resumes(bk, T, label, name, kw, kw2, tmp_path):
    init, grads = _data("float64")
    ref = [T.tensor(a, requires_grad=True) for a in init]
    ref_opt = getattr(T.optim, name)(_groups(ref, kw2), **kw)
    for g in grads[:10]:
        _feed(T, ref, g)
        ref_opt.step()
    T.save(ref_opt.state_dict(), tmp_path / "opt.pt")
    saved = T.load(tmp_path / "opt.pt")

    ours = [bk.tensor(p.detach().numpy(), requires_grad=True) for p in ref]
    opt = getattr(optim, name)(_groups(ours, {}), lr=123.0)  # hyperparameters come from the file
    opt.load_state_dict(saved)
    assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in ref_opt.param_groups]
    for state in opt.state.values():
        for key, value in state.items():
            assert isinstance(value, bk.Tensor), key  # converted onto this backend
            assert value.dtype == (bk.float32 if key == "step" else bk.float64)
    for i, g in enumerate(grads[10:]):
        _feed(bk, ours, g)
        _feed(T, ref, g)
        opt.step()
        ref_opt.step()
        _assert_close(bk, ours, ref, "float64", f"step {11 + i}")


@pytest.mark.parametrize("label, name, kw, kw2", CASES, ids=IDS)
def test_our_state_dict_loads_into_torch(bk, T, label, name, kw, kw2):
    init, grads = _data("float64")
    ours = [bk.tensor(a, requires_grad=True) for a in init]
    opt = getattr(optim, name)(_groups(ours, kw2), **kw)
    for g in grads[:10]:
        _feed(bk, ours, g)
        opt.step()
    mine = opt.state_dict()
    mine = {"param_groups": mine["param_groups"],
            "state": {i: {k: _to_torch(T, bk, v) for k, v in s.items()}
                      for i, s in mine["state"].items()}}
    ref = [T.tensor(bk.to_numpy(p), requires_grad=True) for p in ours]
    ref_opt = getattr(T.optim, name)(_groups(ref, {}), lr=123.0)
    ref_opt.load_state_dict(mine)
    for g in grads[10:]:
        _feed(bk, ours, g)
        _feed(T, ref, g)
        opt.step()
        ref_opt.step()
    _assert_close(bk, ours, ref, "float64")


def test_load_casts_state_to_the_parameters_dtype(bk):
    p64 = bk.tensor([1.0, 2.0], dtype=bk.float64, requires_grad=True)
    p32 = bk.tensor([1.0, 2.0], requires_grad=True)
    src = optim.Adam([p32], lr=0.1)
    (p32 * p32).sum().backward()
    src.step()
    dst = optim.Adam([p64], lr=0.1)
    dst.load_state_dict(src.state_dict())
    state = dst.state[p64]
    assert state["exp_avg"].dtype == bk.float64 and state["step"].dtype == bk.float32
    assert state["exp_avg"] is not src.state[p32]["exp_avg"]
    np.testing.assert_allclose(bk.to_numpy(state["exp_avg"]), [0.2, 0.4], rtol=1e-6)


def test_a_plain_number_step_loads(bk):
    # older checkpoints (and hand-written ones) hold the step as a number
    p = bk.tensor([1.0], requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    opt.load_state_dict({"param_groups": [dict(opt.state_dict()["param_groups"][0])],
                         "state": {0: {"step": 3, "exp_avg": bk.tensor([0.5]),
                                       "exp_avg_sq": bk.tensor([0.25])}}})
    (p * 1.0).sum().backward()
    opt.step()
    assert opt.state[p]["step"].item() == 4


def test_adamw_stays_decoupled_after_loading_an_adam_state_dict(bk):
    p = bk.tensor([1.0], requires_grad=True)
    adam = optim.Adam([p], lr=0.1, weight_decay=0.1)
    opt = optim.AdamW([bk.tensor([1.0], requires_grad=True)])
    opt.load_state_dict(adam.state_dict())
    assert opt.param_groups[0]["decoupled_weight_decay"] is True
    assert opt.param_groups[0]["weight_decay"] == 0.1


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("make, match", [
    (lambda p: optim.AdamW([p], lr=-0.1), "Invalid learning rate"),
    (lambda p: optim.AdamW([p], betas=(1.0, 0.9)), "beta parameter at index 0"),
    (lambda p: optim.RMSprop([p], alpha=-0.5), "Invalid alpha value"),
    (lambda p: optim.RMSprop([p], momentum=float("nan")), "Invalid momentum value"),
    (lambda p: optim.Adagrad([p], lr_decay=-1.0), "Invalid lr_decay value"),
    (lambda p: optim.Adagrad([p], initial_accumulator_value=-1.0),
     "Invalid initial_accumulator_value value"),
    (lambda p: optim.Adagrad([p], eps=-1e-10), "Invalid epsilon value"),
    (lambda p: optim.SGD([p], lr=0.1, differentiable=True), "differentiable=True"),
], ids=["adamw-lr", "adamw-beta", "rmsprop-alpha", "rmsprop-nan-momentum", "adagrad-lr-decay",
        "adagrad-accumulator", "adagrad-eps", "differentiable"])
def test_bad_arguments(bk, make, match):
    with pytest.raises(ValueError, match=match):
        make(bk.ones(1, requires_grad=True))


def test_foreach_and_fused_are_accepted_and_kept(bk, T):
    p = bk.ones(1, requires_grad=True)
    opt = optim.Adam([p], foreach=False, fused=False, capturable=False)
    ref = T.optim.Adam([T.ones(1, requires_grad=True)], foreach=False, fused=False)
    assert opt.param_groups[0]["foreach"] is False and opt.param_groups[0]["fused"] is False
    assert sorted(opt.defaults) == sorted(ref.defaults)
