"""gradspec.optim.lr_scheduler.CyclicLR against torch's: the same rates and momentums after every
step (exactly: the same float operations) for every mode, custom scale functions, SGD's momentum
and Adam's beta1, several parameter groups; state dicts both ways; errors.  Also the deprecated
``_LRScheduler`` base that custom schedules subclass."""

from __future__ import annotations

import pytest
from support import load_or_skip

from gradspec import optim
from gradspec.optim import lr_scheduler

BACKENDS = ["numpy", "strict", "torch"]
LRS = [0.1, 0.05, 0.3]  # one parameter group each


class HalfEveryOther:
    """A callable object as scale_fn: its state is saved by state_dict (a function's is not)."""

    def __init__(self) -> None:
        self.floor = 0.25

    def __call__(self, x: float) -> float:
        return 1.0 if x % 2 else max(self.floor, 0.5)


# (id, optimizer, optimizer options, CyclicLR options, steps)
CASES = [
    ("triangular-sgd", "SGD", dict(momentum=0.9), dict(base_lr=0.01, max_lr=0.1,
                                                       step_size_up=5), 40),
    ("triangular-uneven-per-group", "SGD", dict(momentum=0.9),
     dict(base_lr=[0.01, 0.02, 0.03], max_lr=[0.1, 0.2, 0.3], step_size_up=4, step_size_down=7,
          base_momentum=[0.7, 0.8, 0.85], max_momentum=0.95), 50),
    ("triangular2", "SGD", dict(momentum=0.5),
     dict(base_lr=0.001, max_lr=0.006, step_size_up=3, mode="triangular2"), 40),
    ("exp-range-adam", "Adam", dict(),
     dict(base_lr=0.001, max_lr=0.01, step_size_up=3, mode="exp_range", gamma=0.97), 40),
    ("exp-range-no-down", "SGD", dict(momentum=0.9),
     dict(base_lr=0.01, max_lr=0.1, step_size_up=4, step_size_down=0, mode="exp_range",
          gamma=0.9), 30),
    ("custom-cycle-adamw", "AdamW", dict(),
     dict(base_lr=0.001, max_lr=0.01, step_size_up=2, scale_fn=lambda x: 1 / x), 30),
    ("custom-iterations", "NAdam", dict(),
     dict(base_lr=0.001, max_lr=0.01, step_size_up=3,
          scale_fn=lambda x: 0.5 * (1 + x % 2), scale_mode="iterations"), 30),
    ("custom-object", "RMSprop", dict(momentum=0.9),
     dict(base_lr=0.01, max_lr=0.05, step_size_up=2, scale_fn=HalfEveryOther()), 20),
    ("no-momentum-adagrad", "Adagrad", dict(),
     dict(base_lr=0.001, max_lr=0.01, step_size_up=3, cycle_momentum=False), 20),
    ("radam-betas", "RAdam", dict(betas=(0.5, 0.99)),
     dict(base_lr=0.001, max_lr=0.004, step_size_up=6, base_momentum=0.6,
          max_momentum=0.85), 30),
]
IDS = [c[0] for c in CASES]
KEYS = ("lr", "initial_lr", "momentum", "betas", "max_momentum", "base_momentum")


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.optim.lr_scheduler is the reference")


def _optimizer(module, tensor, name, kw):
    groups = [{"params": [tensor([1.0, 2.0], requires_grad=True)], "lr": lr} for lr in LRS]
    return getattr(module, name)(groups, **kw)


def _groups(opt):
    return [{k: g[k] for k in KEYS if k in g} for g in opt.param_groups]


def _make(module, opt, sched_kw):
    return module.CyclicLR(opt, **sched_kw)


@pytest.mark.parametrize("label, name, opt_kw, sched_kw, steps", CASES, ids=IDS)
def test_rates_and_momentum_match_torch(bk, T, label, name, opt_kw, sched_kw, steps):
    opt, ref_opt = _optimizer(optim, bk.tensor, name, opt_kw), _optimizer(T.optim, T.tensor,
                                                                          name, opt_kw)
    sched = _make(lr_scheduler, opt, sched_kw)
    ref = _make(T.optim.lr_scheduler, ref_opt, sched_kw)
    assert sched.get_last_lr() == ref.get_last_lr()
    assert _groups(opt) == _groups(ref_opt)
    seen = set()
    for i in range(steps):
        opt.step()
        ref_opt.step()
        sched.step()
        ref.step()
        assert sched.get_last_lr() == ref.get_last_lr(), f"step {i + 1}"
        assert _groups(opt) == _groups(ref_opt), f"step {i + 1}"
        assert sched.last_epoch == ref.last_epoch
        seen.add(tuple(sched.get_last_lr()))
    assert len(seen) > 3  # the rate really cycled
    assert sched.base_lrs == ref.base_lrs and sched.max_lrs == ref.max_lrs


def test_the_optimizer_uses_the_cycled_rate(bk):
    p = bk.tensor([0.0], dtype=bk.float64, requires_grad=True)
    opt = optim.SGD([p], lr=5.0)
    sched = lr_scheduler.CyclicLR(opt, base_lr=0.1, max_lr=0.5, step_size_up=2,
                                  cycle_momentum=False)
    assert opt.param_groups[0]["lr"] == 0.1  # creating it set the base rate
    moves = []
    for _ in range(5):
        before = p.item()
        (p * 1.0).sum().backward()  # gradient 1: each step moves p by the current rate
        opt.step()
        opt.zero_grad()
        sched.step()
        moves.append(round(before - p.item(), 12))
    assert moves == [0.1, 0.3, 0.5, 0.3, 0.1]


@pytest.mark.parametrize("label, name, opt_kw, sched_kw, steps", CASES, ids=IDS)
def test_state_dict_has_torchs_entries(T, label, name, opt_kw, sched_kw, steps):
    bk = load_or_skip("numpy")
    opt, ref_opt = _optimizer(optim, bk.tensor, name, opt_kw), _optimizer(T.optim, T.tensor,
                                                                          name, opt_kw)
    sched = _make(lr_scheduler, opt, sched_kw)
    ref = _make(T.optim.lr_scheduler, ref_opt, sched_kw)
    for _ in range(5):
        opt.step()
        ref_opt.step()
        sched.step()
        ref.step()
    mine, theirs = sched.state_dict(), ref.state_dict()
    assert mine == theirs
    assert "_scale_fn_ref" not in mine and "optimizer" not in mine


@pytest.mark.parametrize("label, name, opt_kw, sched_kw, steps", CASES, ids=IDS)
def test_state_dicts_load_both_ways_and_resume(T, label, name, opt_kw, sched_kw, steps):
    bk = load_or_skip("numpy")
    ref_opt = _optimizer(T.optim, T.tensor, name, opt_kw)
    ref = _make(T.optim.lr_scheduler, ref_opt, sched_kw)
    for _ in range(7):
        ref_opt.step()
        ref.step()
    # torch -> ours (the schedule made first, then both loaded: torch's recommended order)
    opt = _optimizer(optim, bk.tensor, name, opt_kw)
    sched = _make(lr_scheduler, opt, sched_kw)
    opt.load_state_dict({"param_groups": ref_opt.state_dict()["param_groups"], "state": {}})
    saved = ref.state_dict()
    sched.load_state_dict(saved)
    assert "_scale_fn_custom" in saved  # loading does not consume the caller's dict
    # ours -> torch
    ref2_opt = _optimizer(T.optim, T.tensor, name, opt_kw)
    ref2 = _make(T.optim.lr_scheduler, ref2_opt, sched_kw)
    ref2_opt.load_state_dict({"param_groups": opt.state_dict()["param_groups"],
                              "state": ref2_opt.state_dict()["state"]})
    ref2.load_state_dict(sched.state_dict())
    for i in range(15):
        for o, s in ((ref_opt, ref), (opt, sched), (ref2_opt, ref2)):
            o.step()
            s.step()
        assert sched.get_last_lr() == ref.get_last_lr() == ref2.get_last_lr(), f"step {i}"
        assert _groups(opt) == _groups(ref_opt) == _groups(ref2_opt)


def test_a_callable_objects_state_is_saved_and_restored(bk):
    fn = HalfEveryOther()
    opt = _optimizer(optim, bk.tensor, "SGD", dict(momentum=0.9))
    sched = lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=2, scale_fn=fn)
    fn.floor = 0.75
    saved = sched.state_dict()
    assert saved["_scale_fn_custom"] == {"floor": 0.75}
    fn.floor = 0.0
    sched.load_state_dict(saved)
    assert fn.floor == 0.75
    plain = lr_scheduler.CyclicLR(_optimizer(optim, bk.tensor, "SGD", dict(momentum=0.9)), 0.01,
                                  0.1, scale_fn=lambda x: 1.0)
    assert plain.state_dict()["_scale_fn_custom"] is None  # a function's state is not saved


def test_resuming_with_last_epoch_matches_torch(T):
    bk = load_or_skip("numpy")
    kw = dict(base_lr=0.01, max_lr=0.1, step_size_up=3, mode="triangular2")
    opt, ref_opt = (_optimizer(optim, bk.tensor, "SGD", dict(momentum=0.9)),
                    _optimizer(T.optim, T.tensor, "SGD", dict(momentum=0.9)))
    for o in (opt, ref_opt):
        for g in o.param_groups:
            g.update(initial_lr=0.01, max_momentum=0.9, base_momentum=0.8)
    sched = lr_scheduler.CyclicLR(opt, last_epoch=10, **kw)
    ref = T.optim.lr_scheduler.CyclicLR(ref_opt, last_epoch=10, **kw)
    assert sched.get_last_lr() == ref.get_last_lr() and sched.last_epoch == ref.last_epoch == 11
    for _ in range(10):
        opt.step()
        ref_opt.step()
        sched.step()
        ref.step()
        assert sched.get_last_lr() == ref.get_last_lr()
        assert _groups(opt) == _groups(ref_opt)


def test_in_a_sequence_and_chain(bk, T):
    def make(L, o):
        return L.SequentialLR(o, [L.LinearLR(o, start_factor=0.5, total_iters=3),
                                  L.CyclicLR(o, 0.01, 0.1, step_size_up=2,
                                             cycle_momentum=False)], milestones=[3])

    opt, ref_opt = _optimizer(optim, bk.tensor, "SGD", {}), _optimizer(T.optim, T.tensor, "SGD", {})
    sched, ref = make(lr_scheduler, opt), make(T.optim.lr_scheduler, ref_opt)
    for _ in range(12):
        opt.step()
        ref_opt.step()
        sched.step()
        ref.step()
        assert sched.get_last_lr() == ref.get_last_lr()


def test_reached_through_a_backend(bk):
    assert bk.optim.lr_scheduler.CyclicLR is lr_scheduler.CyclicLR
    assert bk.optim.lr_scheduler._LRScheduler is lr_scheduler._LRScheduler


@pytest.mark.parametrize("make, error, match", [
    (lambda L, o: L.CyclicLR(o, 0.01, 0.1, mode="cosine"), ValueError,
     "mode is invalid and scale_fn is None"),
    (lambda L, o: L.CyclicLR(o, [0.01, 0.02], 0.1), ValueError,
     "base_lr must have one value per parameter group"),
    (lambda L, o: L.CyclicLR(o, 0.01, [0.1]), ValueError, "max_lr must have one value"),
    (lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=0), ValueError,
     "step_size_up must be a positive"),
    (lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_down=-2), ValueError,
     "step_size_down must be"),
    (lambda L, o: L.CyclicLR(o, 0.01, 0.1, scale_fn=lambda x: 1.0, scale_mode="epochs"),
     ValueError, "scale_mode must be 'cycle' or 'iterations'"),
    (lambda L, o: L.CyclicLR(o, 0.01, 0.1, scale_fn=0.5), TypeError, "scale_fn must be callable"),
    (lambda L, o: L.CyclicLR(o, 0.01, 0.1, base_momentum=[0.8]), ValueError,
     "base_momentum must have one value"),
    (lambda L, o: L.CyclicLR(o, 0.01, 0.1, last_epoch=4), KeyError, "initial_lr"),
    (lambda L, o: L.CyclicLR(object(), 0.01, 0.1), TypeError, "is not an Optimizer"),
], ids=["mode", "base-lr-groups", "max-lr-groups", "step-up", "step-down", "scale-mode",
        "scale-fn", "momentum-groups", "resume-without-initial-lr", "not-an-optimizer"])
def test_bad_arguments(bk, make, error, match):
    opt = _optimizer(optim, bk.tensor, "SGD", dict(momentum=0.9))
    with pytest.raises(error, match=match):
        make(lr_scheduler, opt)


def test_cycle_momentum_needs_momentum_or_betas(bk, T):
    for module, tensor, L in ((optim, bk.tensor, lr_scheduler),
                              (T.optim, T.tensor, T.optim.lr_scheduler)):
        opt = _optimizer(module, tensor, "Adagrad", {})
        with pytest.raises(ValueError, match="must support momentum or beta1"):
            L.CyclicLR(opt, 0.01, 0.1)


# ------------------------------------------------------------------------------ _LRScheduler
def _custom(base):
    class WarmHalving(base):
        """A user's schedule written against the deprecated base: warm up, then halve."""

        def __init__(self, optimizer, warmup, last_epoch=-1):
            self.warmup = warmup
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            e = self.last_epoch
            if e < self.warmup:
                return [b * (e + 1) / self.warmup for b in self.base_lrs]
            return [b * 0.5 ** ((e - self.warmup) // 3) for b in self.base_lrs]

    return WarmHalving


def test_custom_schedule_on_the_deprecated_base_matches_torch(bk, T):
    assert issubclass(lr_scheduler._LRScheduler, lr_scheduler.LRScheduler)
    assert lr_scheduler._LRScheduler.__name__ == "_LRScheduler"
    opt, ref_opt = _optimizer(optim, bk.tensor, "SGD", {}), _optimizer(T.optim, T.tensor, "SGD", {})
    sched = _custom(lr_scheduler._LRScheduler)(opt, warmup=4)
    ref = _custom(T.optim.lr_scheduler._LRScheduler)(ref_opt, warmup=4)
    assert sched.get_last_lr() == ref.get_last_lr()
    for _ in range(15):
        opt.step()
        ref_opt.step()
        sched.step()
        ref.step()
        assert sched.get_last_lr() == ref.get_last_lr()
    assert sched.state_dict() == ref.state_dict()


def test_scheduler_names_match_torchs(T):
    ours = set(lr_scheduler.__all__) - {"_LRScheduler"}
    assert ours == set(T.optim.lr_scheduler.__all__)
    missing = set(T.optim.__all__) - set(optim.__all__)
    # what gradspec leaves out of torch.optim, and why (gradspec.optim's docstring)
    assert missing == {"SparseAdam", "Muon", "swa_utils", "swap_in_optimizer_params_and_state"}
