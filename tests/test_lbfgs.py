"""gradspec.optim.LBFGS against torch.optim.LBFGS: the same closure-driven trajectories (with
and without the strong-Wolfe line search) on a Rosenbrock function, a least-squares fit and a
tiny MLP, in float64 on numpy, strict and torch; torch's state (history, counters) and state
dicts loaded both ways; repr and errors.  Then the other optimizers gradspec adds from
torch.optim (ASGD, Rprop, Adafactor), step by step against torch."""

from __future__ import annotations

import copy
import io
import warnings

import numpy as np
import pytest
from support import load_or_skip

from gradspec import optim
from gradspec.optim import lr_scheduler

BACKENDS = ["numpy", "strict", "torch"]
# float64.  L-BFGS divides by inner products and its line search branches on comparisons, so
# last-bit differences (our matmul, dot and adds against torch's BLAS and FMA kernels) grow from
# iteration to iteration: torch itself, started 1e-15 away, drifts as far (the MLP: 1e-14 after
# one step of 20 iterations, 1e-9 after four, 1e-3 after six).  So few steps, compared to 1e-7;
# a wrong formula or branch is off by far more from the first step on.
TOL = 1e-7
STEPS = {"rosenbrock": 4, "lstsq": 3, "mlp": 3}


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.optim is the reference for these checks")


# ------------------------------------------------------------------------------ problems
def _rosenbrock_init(rng):
    return [np.array([-1.2, 1.0, -1.2, 1.0, 0.5])]


def _rosenbrock(m, params, data):
    (x,) = params
    return (100 * (x[1:] - x[:-1] * x[:-1]) ** 2 + (1 - x[:-1]) ** 2).sum()


def _lstsq_init(rng):
    return [rng.standard_normal((3, 2)), rng.standard_normal(2)]


def _lstsq(m, params, data):
    w, b = params
    X, Y = data
    r = m.matmul(X, w) + b - Y
    return (r * r).mean()


def _mlp_init(rng):
    # the last parameter is never used: its gradient stays None (zeros in the flat gradient)
    return [rng.standard_normal((5, 3)) * 0.5, rng.standard_normal(5) * 0.1,
            rng.standard_normal((1, 5)) * 0.5, np.array(0.3), rng.standard_normal(2)]


def _mlp(m, params, data):
    w1, b1, w2, scale, _unused = params
    X, Y = data
    hidden = m.tanh(m.matmul(X, w1.T) + b1)
    r = m.matmul(hidden, w2.T) * scale - Y
    return (r * r).mean()


def _data(rng):
    X = rng.standard_normal((16, 3))
    Y = np.sin(X @ np.array([[1.0, -0.5], [0.3, 0.8], [-0.7, 0.2]])) + 0.1
    return X, Y


PROBLEMS = {"rosenbrock": (_rosenbrock_init, _rosenbrock),
            "lstsq": (_lstsq_init, _lstsq),
            "mlp": (_mlp_init, _mlp)}

CONFIGS = [
    ("defaults", {}),
    ("short-history", dict(lr=0.5, max_iter=7, history_size=3)),
    ("wolfe", dict(line_search_fn="strong_wolfe")),
    ("wolfe-tight-budget", dict(line_search_fn="strong_wolfe", max_iter=10, max_eval=12,
                                history_size=4)),
]
CONFIG_IDS = [c[0] for c in CONFIGS]


def _setup(m, problem, seed=0):
    init_fn, loss_fn = PROBLEMS[problem]
    rng = np.random.default_rng(seed)
    init = init_fn(rng)
    X, Y = _data(rng)
    if problem == "mlp":
        Y = Y[:, :1]
    data = (m.tensor(X), m.tensor(Y))
    params = [m.tensor(a, requires_grad=True) for a in init]
    return params, data, loss_fn


def _closure(m, opt, params, data, loss_fn):
    def closure():
        opt.zero_grad()
        loss = loss_fn(m, params, data)
        loss.backward()
        return loss
    return closure


def _values(m, params):
    return [np.array(m.to_numpy(p) if hasattr(m, "to_numpy") else p.detach().numpy())
            for p in params]


def _pair(bk, T, problem, kw):
    ours, data, loss_fn = _setup(bk, problem)
    ref, ref_data, _ = _setup(T, problem)
    opt, ref_opt = optim.LBFGS(ours, **kw), T.optim.LBFGS(ref, **kw)
    return ((opt, _closure(bk, opt, ours, data, loss_fn), ours),
            (ref_opt, _closure(T, ref_opt, ref, ref_data, loss_fn), ref))


def _assert_same_point(bk, T, ours, ref, what=""):
    for p, q in zip(_values(bk, ours), _values(T, ref)):
        np.testing.assert_allclose(p, q, rtol=TOL, atol=TOL, err_msg=what)


def _scalar(x):
    return float(x.item()) if hasattr(x, "item") else float(x)


def _assert_same_state(bk, mine, theirs):
    assert list(mine) == list(theirs)
    for key, want in theirs.items():
        got = mine[key]
        if key in ("func_evals", "n_iter"):
            assert got == want, key
        elif key in ("old_dirs", "old_stps", "ro", "al"):
            assert len(got) == len(want), key
            for g, w in zip(got, want):
                assert (g is None) == (w is None), key
                if w is not None:
                    np.testing.assert_allclose(np.asarray(bk.to_numpy(g) if hasattr(g, "shape")
                                                          else g), w.detach().numpy(),
                                               rtol=1e-4, atol=1e-7, err_msg=key)
        elif hasattr(want, "shape") and tuple(want.shape):
            np.testing.assert_allclose(bk.to_numpy(got), want.numpy(), rtol=1e-4, atol=1e-7,
                                       err_msg=key)
        else:
            assert _scalar(got) == pytest.approx(_scalar(want), rel=1e-4, abs=1e-12), key


# ------------------------------------------------------------------------------ trajectories
@pytest.mark.parametrize("label, kw", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_trajectory_matches_torch(bk, T, problem, label, kw):
    (opt, closure, ours), (ref_opt, ref_closure, ref) = _pair(bk, T, problem, kw)
    start = _values(T, ref)
    first = None
    for i in range(STEPS[problem]):
        loss = opt.step(closure)
        ref_loss = ref_opt.step(ref_closure)
        # step returns the closure's first loss, as torch (a tensor of the backend)
        assert isinstance(loss, bk.Tensor)
        assert loss.item() == pytest.approx(ref_loss.item(), rel=TOL, abs=TOL)
        _assert_same_point(bk, T, ours, ref, f"step {i + 1}")
        first = ref_loss.item() if first is None else first
    mine, theirs = opt.state_dict()["state"][0], ref_opt.state_dict()["state"][0]
    _assert_same_state(bk, mine, theirs)
    assert mine["func_evals"] > 4  # several evaluations per step
    # the fit really progressed
    assert ref_loss.item() < 0.9 * first
    assert max(np.abs(a - b).max() for a, b in zip(_values(T, ref), start)) > 0.05
    assert all(p.is_leaf and p.requires_grad and p.grad_fn is None for p in ours)


def test_float32_runs_and_stays_near_torch(bk, T):
    ours = [bk.tensor(np.array([-1.2, 1.0], dtype="float32"), requires_grad=True)]
    ref = [T.tensor(np.array([-1.2, 1.0], dtype="float32"), requires_grad=True)]
    opt, ref_opt = optim.LBFGS(ours, lr=0.2, max_iter=5), T.optim.LBFGS(ref, lr=0.2, max_iter=5)
    for _ in range(3):
        opt.step(_closure(bk, opt, ours, None, _rosenbrock))
        ref_opt.step(_closure(T, ref_opt, ref, None, _rosenbrock))
    assert ours[0].dtype == bk.float32
    assert opt.state[ours[0]]["d"].dtype == bk.float32
    np.testing.assert_allclose(bk.to_numpy(ours[0]), ref[0].detach().numpy(), rtol=1e-4)


def test_converged_start_returns_at_once_as_torch(bk, T):
    ours = [bk.tensor([1.0, 1.0, 1.0], dtype=bk.float64, requires_grad=True)]
    ref = [T.tensor([1.0, 1.0, 1.0], dtype=T.float64, requires_grad=True)]
    opt, ref_opt = optim.LBFGS(ours), T.optim.LBFGS(ref)
    loss = opt.step(_closure(bk, opt, ours, None, _rosenbrock))
    ref_opt.step(_closure(T, ref_opt, ref, None, _rosenbrock))
    assert loss.item() == 0.0 and ours[0].tolist() == [1.0, 1.0, 1.0]
    assert opt.state_dict()["state"] == {0: {"func_evals": 1, "n_iter": 0}}
    assert ref_opt.state_dict()["state"] == {0: {"func_evals": 1, "n_iter": 0}}


def test_last_iteration_skips_the_reevaluation_as_torch(bk, T):
    (opt, closure, ours), (ref_opt, ref_closure, ref) = _pair(bk, T, "lstsq", dict(max_iter=1))
    for _ in range(3):
        opt.step(closure)
        ref_opt.step(ref_closure)
    _assert_same_point(bk, T, ours, ref)
    assert opt.state[ours[0]]["func_evals"] == ref_opt.state[ref[0]]["func_evals"] == 3


def test_a_schedule_drives_lbfgs_as_torch(bk, T):
    (opt, closure, ours), (ref_opt, ref_closure, ref) = _pair(bk, T, "mlp", dict(max_iter=4))
    sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    ref_sched = T.optim.lr_scheduler.StepLR(ref_opt, step_size=1, gamma=0.5)
    for _ in range(3):
        opt.step(closure)
        ref_opt.step(ref_closure)
        sched.step()
        ref_sched.step()
        assert sched.get_last_lr() == ref_sched.get_last_lr()
    _assert_same_point(bk, T, ours, ref)


# ------------------------------------------------------------------------------ state dicts
def _torch_copy(T, sd):
    buf = io.BytesIO()
    T.save(sd, buf)
    buf.seek(0)
    return T.load(buf)


def _to_torch(T, bk, value):
    if isinstance(value, dict):
        return {k: _to_torch(T, bk, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_torch(T, bk, v) for v in value]
    if hasattr(value, "requires_grad"):
        return T.tensor(bk.to_numpy(value))
    return value


@pytest.mark.parametrize("label, kw", [CONFIGS[1], CONFIGS[2]], ids=["plain", "wolfe"])
def test_torch_saved_state_resumes_here(bk, T, label, kw):
    (_, _, _), (ref_opt, ref_closure, ref) = _pair(bk, T, "mlp", kw)
    for _ in range(2):
        ref_opt.step(ref_closure)
    saved = _torch_copy(T, ref_opt.state_dict())
    ours, data, loss_fn = _setup(bk, "mlp")
    with bk.no_grad():
        for p, q in zip(ours, ref):
            p.copy_(bk.tensor(q.detach().numpy()))
    opt = optim.LBFGS(ours, lr=123.0)  # hyperparameters come from the state dict
    opt.load_state_dict(saved)
    state = opt.state[ours[0]]
    assert isinstance(state["d"], bk.Tensor) and all(isinstance(s, bk.Tensor)
                                                    for s in state["old_dirs"])
    closure = _closure(bk, opt, ours, data, loss_fn)
    for i in range(2):
        opt.step(closure)
        ref_opt.step(ref_closure)
        _assert_same_point(bk, T, ours, ref, f"resumed step {i + 1}")
    _assert_same_state(bk, opt.state_dict()["state"][0], ref_opt.state_dict()["state"][0])


def test_our_state_resumes_in_torch(bk, T):
    kw = dict(line_search_fn="strong_wolfe", history_size=5)
    (opt, closure, ours), (_, _, _) = _pair(bk, T, "rosenbrock", kw)
    for _ in range(2):
        opt.step(closure)
    ref = [T.tensor(a, requires_grad=True) for a in _values(bk, ours)]
    ref_opt = T.optim.LBFGS(ref)
    ref_opt.load_state_dict(_to_torch(T, bk, opt.state_dict()))
    ref_closure = _closure(T, ref_opt, ref, None, _rosenbrock)
    for i in range(2):
        opt.step(closure)
        ref_opt.step(ref_closure)
        _assert_same_point(bk, T, ours, ref, f"resumed step {i + 1}")


def test_state_dict_round_trip_continues_the_same_run(bk):
    def fresh():
        params, data, loss_fn = _setup(bk, "lstsq")
        opt = optim.LBFGS(params, line_search_fn="strong_wolfe", history_size=2)
        return opt, _closure(bk, opt, params, data, loss_fn), params

    opt, closure, params = fresh()
    opt.step(closure)
    saved = copy.deepcopy(opt.state_dict())
    values = _values(bk, params)
    for _ in range(2):
        opt.step(closure)
    opt2, closure2, params2 = fresh()
    with bk.no_grad():
        for p, v in zip(params2, values):
            p.copy_(bk.tensor(v))
    opt2.load_state_dict(saved)
    assert opt2.state[params2[0]]["old_dirs"][0] is not saved["state"][0]["old_dirs"][0]
    for _ in range(2):
        opt2.step(closure2)
    for a, b in zip(_values(bk, params), _values(bk, params2)):
        np.testing.assert_array_equal(a, b)


def test_repr_and_groups_match_torch(bk, T):
    for kw in ({}, dict(lr=0.3, max_iter=5, line_search_fn="strong_wolfe", history_size=7)):
        opt = optim.LBFGS([bk.ones(2, requires_grad=True)], **kw)
        ref = T.optim.LBFGS([T.ones(2, requires_grad=True)], **kw)
        assert repr(opt) == repr(ref)
        assert opt.defaults == ref.defaults
        assert opt.state_dict()["param_groups"] == ref.state_dict()["param_groups"]


def test_reached_through_a_backend(bk):
    assert bk.optim.LBFGS is optim.LBFGS or issubclass(bk.optim.LBFGS, optim.LBFGS)
    x = bk.tensor([3.0, -1.0], dtype=bk.float64, requires_grad=True)
    opt = bk.optim.LBFGS([x], line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((x - 2.0) ** 2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(bk.to_numpy(x), [2.0, 2.0], atol=1e-6)  # a quadratic: solved


# ------------------------------------------------------------------------------ errors
def test_errors(bk, T):
    a, b = bk.ones(2, requires_grad=True), bk.ones(1, requires_grad=True)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [a]}, {"params": [b], "lr": 0.1}])
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        T.optim.LBFGS([{"params": [T.ones(1, requires_grad=True)]},
                       {"params": [T.ones(1, requires_grad=True)]}])
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.LBFGS([a], lr=-1)
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe'"):
        optim.LBFGS([a], line_search_fn="backtracking")
    opt = optim.LBFGS([a])
    with pytest.raises(TypeError, match="needs a closure"):
        opt.step()
    with pytest.raises(TypeError, match="needs a closure"):
        opt.step(None)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        opt.add_param_group({"params": [b]})
    opt.param_groups[0]["line_search_fn"] = "armijo"  # as torch: refused when stepping

    def closure():
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)


# ------------------------------------------------------------------------------ ASGD, Rprop, Adafactor
SHAPES = [(3, 4), (4,), (2, 3, 5), ()]
OTHER_STEPS = 30
OTHER = [
    ("asgd", "ASGD", dict(lr=0.05, t0=5, lambd=0.01), dict(weight_decay=0.1, maximize=True)),
    ("asgd-defaults", "ASGD", dict(), dict(lr=0.1)),
    ("rprop", "Rprop", dict(lr=0.05), dict(etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("rprop-maximize", "Rprop", dict(lr=0.01, maximize=True), dict(lr=0.2)),
    ("adafactor", "Adafactor", dict(lr=0.05), dict(beta2_decay=-0.5, d=1.5)),
    ("adafactor-decay", "Adafactor", dict(lr=0.5, weight_decay=0.1, eps=(1e-4, 1e-2)),
     dict(maximize=True)),
]
OTHER_IDS = [c[0] for c in OTHER]


def _other_pair(bk, T, name, kw, kw2, dtype):
    rng = np.random.default_rng(1)
    init = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(OTHER_STEPS)]
    ours = [bk.tensor(a, requires_grad=True) for a in init]
    ref = [T.tensor(a, requires_grad=True) for a in init]

    def groups(ps):
        return [{"params": ps[:2]}, {"params": ps[2:], **kw2}]

    return (ours, ref, getattr(optim, name)(groups(ours), **kw),
            getattr(T.optim, name)(groups(ref), **kw), grads, init)


def _feed(m, params, grads):
    for p, g in zip(params, grads):
        p.grad = m.tensor(g)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("label, name, kw, kw2", OTHER, ids=OTHER_IDS)
def test_other_optimizers_match_torch_step_by_step(bk, T, label, name, kw, kw2, dtype):
    ours, ref, opt, ref_opt, grads, init = _other_pair(bk, T, name, kw, kw2, dtype)
    tol = 1e-12 if dtype == "float64" else 32 * np.finfo(np.float32).eps
    for i, g in enumerate(grads):
        _feed(bk, ours, g)
        _feed(T, ref, g)
        opt.step()
        ref_opt.step()
        for p, q in zip(ours, ref):
            got, want = bk.to_numpy(p), q.detach().numpy()
            assert got.dtype == want.dtype
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=f"step {i + 1}")
    assert max(np.abs(q.detach().numpy() - a).max() for q, a in zip(ref, init)) > 0.05
    mine, theirs = opt.state_dict(), ref_opt.state_dict()
    assert mine["param_groups"] == theirs["param_groups"]
    for i, entries in theirs["state"].items():
        assert list(mine["state"][i]) == list(entries)
        for key, want in entries.items():
            got = mine["state"][i][key]
            assert tuple(got.shape) == tuple(want.shape), key
            np.testing.assert_allclose(bk.to_numpy(got), want.numpy(), rtol=tol, atol=tol,
                                       err_msg=key)


@pytest.mark.parametrize("label, name, kw, kw2", OTHER, ids=OTHER_IDS)
def test_other_optimizers_resume_from_torch_state(bk, T, label, name, kw, kw2):
    ours, ref, _, ref_opt, grads, _ = _other_pair(bk, T, name, kw, kw2, "float64")
    for g in grads[:10]:
        _feed(T, ref, g)
        ref_opt.step()
    ours = [bk.tensor(q.detach().numpy(), requires_grad=True) for q in ref]
    opt = getattr(optim, name)([{"params": ours[:2]}, {"params": ours[2:]}])
    opt.load_state_dict(_torch_copy(T, ref_opt.state_dict()))
    assert opt.param_groups[1] | {"params": None} == ref_opt.param_groups[1] | {"params": None}
    for g in grads[10:]:
        _feed(bk, ours, g)
        _feed(T, ref, g)
        opt.step()
        ref_opt.step()
    for p, q in zip(ours, ref):
        np.testing.assert_allclose(bk.to_numpy(p), q.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_other_optimizers_defaults_match_torch(bk, T):
    for name in ("ASGD", "Rprop", "Adafactor"):
        opt = getattr(optim, name)([bk.ones(2, requires_grad=True)])
        ref = getattr(T.optim, name)([T.ones(2, requires_grad=True)])
        assert opt.defaults == ref.defaults, name
        assert repr(opt) == repr(ref), name
        assert hasattr(bk.optim, name)


@pytest.mark.parametrize("make, match", [
    (lambda p: optim.ASGD([p], lr=-0.1), "Invalid learning rate"),
    (lambda p: optim.ASGD([p], weight_decay=-1.0), "Invalid weight_decay value"),
    (lambda p: optim.Rprop([p], etas=(1.5, 1.2)), "Invalid eta values: 1.5, 1.2"),
    (lambda p: optim.Rprop([p], etas=(0.5,)), "etas must be a pair"),
    (lambda p: optim.Adafactor([p], beta2_decay=0.5), "beta2_decay should be <= 0"),
    (lambda p: optim.Adafactor([p], eps=(-1.0, 1e-3)), "epsilon1 should be >= 0"),
    (lambda p: optim.Adafactor([p], d=0.5), "Clipping threshold d should be >= 1"),
    (lambda p: optim.Adafactor([p], lr=-1.0), "Learning rate should be >= 0"),
    (lambda p: optim.Rprop([p], differentiable=True), "differentiable=True"),
], ids=["asgd-lr", "asgd-wd", "rprop-etas", "rprop-etas-pair", "adafactor-beta2",
        "adafactor-eps1", "adafactor-d", "adafactor-lr", "rprop-differentiable"])
def test_other_optimizers_bad_arguments(bk, make, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=match):
            make(bk.ones(1, requires_grad=True))


# ------------------------------------------------------------------------------ the line search
def _line_objective(m, kind):
    """f along a line, as the line search sees it: ``(loss, flat gradient)`` at ``x + t d``."""
    def f(z):
        if kind == "quartic":
            return (z ** 4).sum() + (z * z).sum() * 0.5 - z.sum()
        if kind == "wavy":
            return (m.sin(3.0 * z) + 0.1 * z * z).sum()
        if kind == "ripples":
            return (m.sin(12.0 * z) * 0.2 + (z - 0.3) ** 2).sum()
        return (100 * (z[1:] - z[:-1] * z[:-1]) ** 2 + (1 - z[:-1]) ** 2).sum()

    def evaluate(x, t, d):
        z = (x + d * t).detach().requires_grad_(True)
        with m.enable_grad():
            loss = f(z)
            loss.backward()
        return float(loss.item()), z.grad.detach()

    return evaluate


@pytest.mark.parametrize("kind", ["quartic", "wavy", "ripples", "rosenbrock"])
def test_strong_wolfe_search_matches_torch(bk, T, kind):
    """The search alone, from steps far too short (extrapolation) to far too long (zoom), and
    with too few evaluations: torch's accepted step, loss and evaluation count."""
    from torch.optim.lbfgs import _strong_wolfe as torch_search

    from gradspec.optim.lbfgs import _strong_wolfe

    rng = np.random.default_rng(3)
    ours_eval, ref_eval = _line_objective(bk, kind), _line_objective(T, kind)
    checked = 0
    for trial in range(30):
        x0 = rng.standard_normal(4) * (0.5 if kind == "rosenbrock" else 1.0)
        t0 = float(10.0 ** rng.uniform(-4, 2))
        max_ls = 25 if trial % 5 else 2
        c2 = (0.9, 0.1, 0.01)[trial % 3]  # a tight curvature condition makes the zoom work
        tolerance = 1e-9 if trial % 4 else 1e-1  # a coarse one ends the zoom on a small bracket
        x, rx = bk.tensor(x0), T.tensor(x0)
        f, g = ours_eval(x, 0.0, bk.zeros_like(x))
        rf, rg = ref_eval(rx, 0.0, T.zeros_like(rx))
        d, rd = -g, -rg
        gtd, rgtd = g.dot(d), rg.dot(rd)
        got = _strong_wolfe(lambda t, x=x, d=d: ours_eval(x, t, d), d, t0, f, g, gtd, c2=c2,
                            tolerance_change=tolerance, max_ls=max_ls)
        want = torch_search(ref_eval, rx, t0, rd, rf, rg, rgtd, c2=c2,
                            tolerance_change=tolerance, max_ls=max_ls)
        assert got[3] == want[3], (trial, t0)  # the same number of evaluations
        assert _scalar(got[2]) == pytest.approx(_scalar(want[2]), rel=1e-9, abs=1e-12)
        assert got[0] == pytest.approx(want[0], rel=1e-9, abs=1e-12)
        np.testing.assert_allclose(bk.to_numpy(got[1]), want[1].numpy(), rtol=1e-8, atol=1e-10)
        checked += want[3] > 1
    assert checked >= 15  # most trials needed more than the first evaluation
