"""gradspec.optim.lr_scheduler against torch.optim.lr_scheduler: the same rates after every
step (exactly: the same float operations), several parameter groups, state dicts both ways,
resuming, the deprecated step(epoch), warnings and errors."""

from __future__ import annotations

import math
import warnings

import pytest
from support import load_or_skip

from gradspec import optim
from gradspec.optim import lr_scheduler

BACKENDS = ["numpy", "strict", "torch"]
LRS = [0.1, 0.05, 0.3]  # one parameter group each


def _plateau_metric(i: int) -> float:
    return 2.0 - 0.1 * i if i < 8 else 1.5 + 0.01 * (i % 3)  # improves, then stalls


# (id, optimizer, make schedule from (module, optimizer), steps, metric for ReduceLROnPlateau)
SCHEDULES = [
    ("step", "SGD", lambda L, o: L.StepLR(o, step_size=7, gamma=0.5), 60, None),
    ("multistep", "SGD", lambda L, o: L.MultiStepLR(o, [3, 10, 10, 30], gamma=0.3), 60, None),
    ("exponential", "Adam", lambda L, o: L.ExponentialLR(o, gamma=0.93), 80, None),
    ("cosine", "SGD", lambda L, o: L.CosineAnnealingLR(o, T_max=13, eta_min=0.001), 80, None),
    ("cosine-no-floor", "Adam", lambda L, o: L.CosineAnnealingLR(o, T_max=20), 50, None),
    ("lambda-one", "SGD", lambda L, o: L.LambdaLR(o, lambda e: 0.97 ** e), 50, None),
    ("lambda-per-group", "SGD",
     lambda L, o: L.LambdaLR(o, [lambda e: 0.97 ** e, lambda e: 1 / (e + 1), lambda e: e % 5]),
     50, None),
    ("onecycle", "SGD", lambda L, o: L.OneCycleLR(o, [0.3, 0.2, 1.0], total_steps=61), 61, None),
    ("onecycle-adam-epochs", "Adam",
     lambda L, o: L.OneCycleLR(o, 0.3, epochs=6, steps_per_epoch=11, pct_start=0.25), 66, None),
    ("onecycle-three-phase-linear", "SGD",
     lambda L, o: L.OneCycleLR(o, 0.3, total_steps=50, three_phase=True,
                               anneal_strategy="linear", div_factor=10.0), 50, None),
    ("onecycle-no-momentum", "Adagrad",
     lambda L, o: L.OneCycleLR(o, 0.5, total_steps=30, cycle_momentum=False), 30, None),
    ("multiplicative", "SGD",
     lambda L, o: L.MultiplicativeLR(o, lambda e: 0.9 if e % 3 else 1.05), 40, None),
    ("constant-warmup", "SGD", lambda L, o: L.ConstantLR(o, factor=0.25, total_iters=6), 20,
     None),
    ("linear-warmup", "Adam",
     lambda L, o: L.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=7), 20, None),
    ("linear-decay", "SGD",
     lambda L, o: L.LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=15), 30, None),
    ("polynomial", "SGD", lambda L, o: L.PolynomialLR(o, total_iters=12, power=2.0), 20, None),
    ("warm-restarts", "SGD",
     lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.001), 60, None),
    ("warm-restarts-fixed", "Adam", lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=7), 40,
     None),
    ("sequential-warmup-cosine", "SGD",
     lambda L, o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.2, total_iters=4),
                                     L.CosineAnnealingLR(o, T_max=15, eta_min=0.002)],
                                 milestones=[4]), 40, None),
    ("sequential-three", "Adam",
     lambda L, o: L.SequentialLR(o, [L.ConstantLR(o, factor=0.5, total_iters=3),
                                     L.ExponentialLR(o, gamma=0.9),
                                     L.StepLR(o, step_size=4, gamma=0.5)],
                                 milestones=[3, 10]), 30, None),
    ("chained", "SGD",
     lambda L, o: L.ChainedScheduler([L.ConstantLR(o, factor=0.3, total_iters=4),
                                      L.ExponentialLR(o, gamma=0.95)]), 25, None),
    ("plateau", "SGD",
     lambda L, o: L.ReduceLROnPlateau(o, patience=2, cooldown=1, min_lr=[0.001, 0.002, 0.0]),
     40, _plateau_metric),
    ("plateau-max-abs", "Adam",
     lambda L, o: L.ReduceLROnPlateau(o, mode="max", threshold_mode="abs", threshold=0.1,
                                      patience=0, factor=0.5, min_lr=0.01),
     40, lambda i: (i % 7) * 0.05),
]
IDS = [s[0] for s in SCHEDULES]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.optim.lr_scheduler is the reference")


def _optimizer(module, tensor, name):
    params = [tensor([1.0, 2.0], requires_grad=True) for _ in LRS]
    extra = {"momentum": 0.9} if name == "SGD" else {}
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, LRS)]
    return getattr(module, name)(groups, **extra)


def _ours(bk, name):
    return _optimizer(optim, bk.tensor, name)


def _ref(T, name):
    return _optimizer(T.optim, T.tensor, name)


def _groups(opt):
    """What a schedule may change in the groups."""
    keys = ("lr", "initial_lr", "momentum", "betas", "max_lr", "min_lr")
    return [{k: g[k] for k in keys if k in g} for g in opt.param_groups]


def _step(opt, sched, metric, i):
    opt.step()
    if metric is None:
        sched.step()
    else:
        sched.step(metric(i))


# ------------------------------------------------------------------------------ against torch
@pytest.mark.parametrize("label, name, make, steps, metric", SCHEDULES, ids=IDS)
def test_rates_match_torch_at_every_step(bk, T, label, name, make, steps, metric):
    opt, ref_opt = _ours(bk, name), _ref(T, name)
    sched, ref = make(lr_scheduler, opt), make(T.optim.lr_scheduler, ref_opt)
    assert sched.get_last_lr() == ref.get_last_lr()
    assert _groups(opt) == _groups(ref_opt)
    seen = {tuple(sched.get_last_lr())}
    for i in range(steps - 1 if label.startswith("onecycle") else steps):
        _step(opt, sched, metric, i)
        _step(ref_opt, ref, metric, i)
        assert sched.get_last_lr() == ref.get_last_lr(), f"step {i + 1}"
        assert _groups(opt) == _groups(ref_opt), f"step {i + 1}"
        # (a ChainedScheduler has no step count of its own, in torch neither)
        assert getattr(sched, "last_epoch", None) == getattr(ref, "last_epoch", None)
        seen.add(tuple(sched.get_last_lr()))
    # the schedule really changed the rates (a constant warm-up has exactly two)
    assert len(seen) > (1 if label == "constant-warmup" else 2)


@pytest.mark.parametrize("label, name, make, steps, metric", SCHEDULES, ids=IDS)
def test_state_dict_has_torchs_entries(T, label, name, make, steps, metric):
    bk = load_or_skip("numpy")
    opt, ref_opt = _ours(bk, name), _ref(T, name)
    sched, ref = make(lr_scheduler, opt), make(T.optim.lr_scheduler, ref_opt)
    for i in range(5):
        _step(opt, sched, metric, i)
        _step(ref_opt, ref, metric, i)
    assert sched.state_dict() == ref.state_dict()


@pytest.mark.parametrize("label, name, make, steps, metric", SCHEDULES, ids=IDS)
def test_state_dict_resumes_the_same_schedule(T, label, name, make, steps, metric):
    bk = load_or_skip("numpy")
    total = steps - 1 if label.startswith("onecycle") else steps
    opt = _ours(bk, name)
    sched = make(lr_scheduler, opt)
    rates = []
    for i in range(total):
        _step(opt, sched, metric, i)
        rates.append(sched.get_last_lr())
        if i == total // 2:
            saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    # a fresh run: make the schedule first, then load both (torch's recommended order)
    opt2 = _ours(bk, name)
    sched2 = make(lr_scheduler, opt2)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    resumed = []
    for i in range(total // 2 + 1, total):
        _step(opt2, sched2, metric, i)
        resumed.append(sched2.get_last_lr())
    assert resumed == rates[total // 2 + 1:]


@pytest.mark.parametrize("label, name, make, steps, metric", SCHEDULES, ids=IDS)
def test_torchs_state_dict_loads(T, label, name, make, steps, metric):
    bk = load_or_skip("numpy")
    ref_opt = _ref(T, name)
    ref = make(T.optim.lr_scheduler, ref_opt)
    for i in range(7):
        _step(ref_opt, ref, metric, i)
    opt = _ours(bk, name)
    sched = make(lr_scheduler, opt)
    groups = ref_opt.state_dict()["param_groups"]
    opt.load_state_dict({"param_groups": groups, "state": {}})
    sched.load_state_dict(ref.state_dict())
    for i in range(7, 20):
        _step(ref_opt, ref, metric, i)
        _step(opt, sched, metric, i)
        assert sched.get_last_lr() == ref.get_last_lr()


def test_two_schedules_on_one_optimizer_compose_as_in_torch(bk, T):
    opt, ref_opt = _ours(bk, "SGD"), _ref(T, "SGD")
    ours = [lr_scheduler.ExponentialLR(opt, 0.9), lr_scheduler.StepLR(opt, 4, 0.5)]
    refs = [T.optim.lr_scheduler.ExponentialLR(ref_opt, 0.9),
            T.optim.lr_scheduler.StepLR(ref_opt, 4, 0.5)]
    for _ in range(20):
        opt.step()
        ref_opt.step()
        for s in ours + refs:
            s.step()
        assert _groups(opt) == _groups(ref_opt)


@pytest.mark.parametrize("make", [
    lambda L, o: L.StepLR(o, 3, 0.5, last_epoch=8),
    lambda L, o: L.ExponentialLR(o, 0.9, last_epoch=8),
    lambda L, o: L.CosineAnnealingLR(o, 10, last_epoch=8),
    lambda L, o: L.LambdaLR(o, lambda e: 1 / (e + 1), last_epoch=8),
    lambda L, o: L.MultiStepLR(o, [9, 12], last_epoch=8),
], ids=["step", "exponential", "cosine", "lambda", "multistep"])
def test_resuming_with_last_epoch_matches_torch(T, make):
    bk = load_or_skip("numpy")
    opt, ref_opt = _ours(bk, "SGD"), _ref(T, "SGD")
    for o in (opt, ref_opt):
        for g in o.param_groups:
            g["initial_lr"] = g["lr"] * 2
    sched, ref = make(lr_scheduler, opt), make(T.optim.lr_scheduler, ref_opt)
    assert sched.last_epoch == ref.last_epoch == 9
    for _ in range(10):
        opt.step()
        ref_opt.step()
        sched.step()
        ref.step()
        assert sched.get_last_lr() == ref.get_last_lr()


@pytest.mark.parametrize("make", [
    lambda L, o: L.StepLR(o, 3, 0.5),
    lambda L, o: L.MultiStepLR(o, [2, 5, 5]),
    lambda L, o: L.ExponentialLR(o, 0.8),
    lambda L, o: L.CosineAnnealingLR(o, 10, 0.01),
    lambda L, o: L.LambdaLR(o, lambda e: 0.5 ** e),
], ids=["step", "multistep", "exponential", "cosine", "lambda"])
def test_step_with_an_epoch_uses_the_closed_form_and_warns(T, make):
    bk = load_or_skip("numpy")
    opt, ref_opt = _ours(bk, "SGD"), _ref(T, "SGD")
    sched, ref = make(lr_scheduler, opt), make(T.optim.lr_scheduler, ref_opt)
    opt.step()
    ref_opt.step()
    for epoch in (4, 7, 2, 13):
        with pytest.warns(UserWarning, match="epoch parameter"):
            sched.step(epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref.step(epoch)
        assert sched.get_last_lr() == ref.get_last_lr()
        assert sched.last_epoch == epoch


def test_initial_step_sets_initial_lr_and_the_first_rate(bk):
    opt = _ours(bk, "SGD")
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10, div_factor=20.0)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.05] * 3
    assert sched.base_lrs == [0.05] * 3 and sched.last_epoch == 0
    assert sched.get_last_lr() == [g["lr"] for g in opt.param_groups]
    opt2 = _ours(bk, "SGD")
    opt2.param_groups[0]["initial_lr"] = 7.0  # kept: a fresh schedule only fills it in
    lr_scheduler.StepLR(opt2, 2)
    assert [g["initial_lr"] for g in opt2.param_groups] == [7.0, 0.05, 0.3]


def test_the_schedule_drives_the_optimizer(bk):
    p = bk.tensor([1.0], requires_grad=True)
    opt = optim.SGD([p], lr=1.0)
    sched = lr_scheduler.MultiStepLR(opt, milestones=[1], gamma=0.5)
    for _ in range(2):
        (p * 1.0).sum().backward()  # gradient 1: each step moves p by the current rate
        opt.step()
        opt.zero_grad()
        sched.step()
    assert p.item() == pytest.approx(1.0 - 1.0 - 0.5)


def test_reduce_on_plateau_takes_a_tensor_metric(bk):
    opt = _ours(bk, "SGD")
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    for loss in (1.0, 1.0, 2.0):
        sched.step(bk.tensor(loss))
    assert sched.get_last_lr() == [0.025, 0.0125, 0.075]
    assert sched.num_bad_epochs == 0 and sched.best == 1.0


# ------------------------------------------------------------------------------ warnings
def test_warns_when_the_schedule_steps_before_the_optimizer(bk):
    sched = lr_scheduler.StepLR(_ours(bk, "SGD"), 2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt = _ours(bk, "SGD")
    sched = lr_scheduler.StepLR(opt, 2)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()
        sched.step()


def test_warns_when_get_lr_is_called_outside_step(bk):
    sched = lr_scheduler.ExponentialLR(_ours(bk, "SGD"), 0.5)
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()


def test_lambda_state_dict_keeps_callable_objects_state(bk):
    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.n)

    fns = [lambda e: 1.0, Warmup(4), Warmup(2)]
    sched = lr_scheduler.LambdaLR(_ours(bk, "SGD"), fns)
    saved = sched.state_dict()
    assert saved["lr_lambdas"] == [None, {"n": 4}, {"n": 2}]
    other = [lambda e: 1.0, Warmup(100), Warmup(100)]
    lr_scheduler.LambdaLR(_ours(bk, "SGD"), other).load_state_dict(saved)
    assert (other[1].n, other[2].n) == (4, 2)
    assert "lr_lambdas" in saved  # loading leaves the dict as it was


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("make, error, match", [
    (lambda o: lr_scheduler.StepLR(object(), 3), TypeError, "is not an Optimizer"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(object()), TypeError, "is not an Optimizer"),
    (lambda o: lr_scheduler.StepLR(o, 3, last_epoch=4), KeyError, "initial_lr"),
    (lambda o: lr_scheduler.StepLR(o, 0), ValueError, "step_size"),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, 0), ValueError, "T_max"),
    (lambda o: lr_scheduler.LambdaLR(o, [lambda e: 1.0]), ValueError, "Expected 3 lr_lambdas"),
    (lambda o: lr_scheduler.LambdaLR(o, 0.5), TypeError, "callable"),
    (lambda o: lr_scheduler.OneCycleLR(o, 0.1), ValueError, "total_steps OR"),
    (lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=0), ValueError, "total_steps"),
    (lambda o: lr_scheduler.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=1.5), ValueError,
     "steps_per_epoch"),
    (lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=9, pct_start=1.5), ValueError,
     "pct_start"),
    (lambda o: lr_scheduler.OneCycleLR(o, 0.1, total_steps=9, anneal_strategy="exp"),
     ValueError, "anneal_strategy"),
    (lambda o: lr_scheduler.OneCycleLR(o, [0.1, 0.2], total_steps=9), ValueError,
     "one value per parameter group"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="up"), ValueError, "mode"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, threshold_mode="pct"), ValueError,
     "threshold mode"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError,
     "one value per parameter group"),
], ids=["not-an-optimizer", "plateau-not-an-optimizer", "resume-without-initial-lr",
        "step-size", "t-max", "lambda-count", "lambda-not-callable", "onecycle-no-length",
        "onecycle-total", "onecycle-steps-per-epoch", "onecycle-pct", "onecycle-anneal",
        "onecycle-max-lr-count", "plateau-factor", "plateau-mode", "plateau-threshold-mode",
        "plateau-min-lr-count"])
def test_bad_arguments(bk, make, error, match):
    with pytest.raises(error, match=match):
        make(_ours(bk, "SGD"))


def test_onecycle_refuses_to_step_past_its_end_and_optimizers_without_momentum(bk):
    opt = _ours(bk, "SGD")
    sched = lr_scheduler.OneCycleLR(opt, 0.1, total_steps=3)
    for _ in range(3):
        opt.step()
        sched.step()
    opt.step()
    with pytest.raises(ValueError, match="Tried to step 4 times.*total steps is 3"):
        sched.step()
    with pytest.raises(ValueError, match="momentum or beta1"):
        lr_scheduler.OneCycleLR(_ours(bk, "Adagrad"), 0.1, total_steps=3)


def test_cosine_reaches_eta_min_at_t_max(bk):
    opt = _ours(bk, "SGD")
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.01)
    for _ in range(10):
        opt.step()
        sched.step()
    assert sched.get_last_lr() == pytest.approx([0.01] * 3, abs=1e-15)
    expected = [0.01 + (lr - 0.01) * (1 + math.cos(math.pi * 15 / 10)) / 2 for lr in LRS]
    for _ in range(5):
        opt.step()
        sched.step()
    assert sched.get_last_lr() == pytest.approx(expected, rel=1e-12)


def test_warm_restarts_stepped_by_fractional_epochs_as_torch(bk, T):
    """SGDR's per-batch form: ``step(epoch + batch / batches)``, no deprecation warning."""
    opt, ref_opt = _ours(bk, "SGD"), _ref(T, "SGD")
    sched = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.01)
    ref = T.optim.lr_scheduler.CosineAnnealingWarmRestarts(ref_opt, T_0=3, T_mult=2,
                                                          eta_min=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for epoch in range(10):
            for batch in range(4):
                opt.step()
                ref_opt.step()
                sched.step(epoch + batch / 4)
                ref.step(epoch + batch / 4)
                assert sched.get_last_lr() == ref.get_last_lr(), (epoch, batch)
                assert (sched.T_cur, sched.T_i) == (ref.T_cur, ref.T_i)


def test_schedules_of_schedules_check_their_parts(bk):
    opt, other = _ours(bk, "SGD"), _ours(bk, "SGD")
    warm = lr_scheduler.LinearLR(opt, total_iters=2)
    with pytest.raises(ValueError, match="one more than the number of milestone points"):
        lr_scheduler.SequentialLR(opt, [warm, lr_scheduler.ExponentialLR(opt, 0.9)], [2, 4])
    with pytest.raises(ValueError, match="belong to the same optimizer"):
        lr_scheduler.SequentialLR(opt, [warm, lr_scheduler.ExponentialLR(other, 0.9)], [2])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        lr_scheduler.ChainedScheduler([warm, lr_scheduler.ReduceLROnPlateau(opt)])
    with pytest.raises(ValueError, match="at least one scheduler"):
        lr_scheduler.ChainedScheduler([], opt)
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        lr_scheduler.LinearLR(opt, start_factor=0.0)
