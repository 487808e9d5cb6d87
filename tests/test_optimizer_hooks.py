"""Optimizer hooks (``register_step_pre_hook`` and kin, the global step hooks of
``torch.optim.optimizer``, the ``state_dict``/``load_state_dict`` hooks) against torch: what
each hook receives, in which order, what a returned value replaces; on numpy, strict and the
torch adapter."""

from __future__ import annotations

import pytest
from support import load_or_skip


@pytest.fixture(params=["numpy", "strict", "torch"])
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.optim is the reference")


def trace(torch):
    from importlib import import_module

    optimizer_module = import_module(torch.optim.Optimizer.__module__)
    w = torch.nn.Parameter(torch.ones(2))
    opt = torch.optim.SGD([w], lr=0.1)
    log = []
    first = opt.register_step_pre_hook(
        lambda o, a, k: log.append(("pre", o is opt, a[0] is opt, len(a), k)))
    opt.register_step_post_hook(lambda o, a, k: log.append(("post", round(w[0].item(), 3))))
    glob = optimizer_module.register_optimizer_step_pre_hook(lambda o, a, k: log.append("global"))
    w.sum().backward()
    opt.step()
    first.remove()
    glob.remove()
    opt.step()
    # a pre-hook's result replaces the arguments: here it adds a closure
    handle = opt.register_step_pre_hook(lambda o, a, k: (a, {"closure": lambda: log.append(
        "closure") or w.sum()}))
    log.append(("loss", round(opt.step().item(), 3)))
    handle.remove()
    opt.register_state_dict_pre_hook(lambda o: log.append("sd-pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    saved = opt.state_dict()
    log.append(sorted(saved))
    opt.register_load_state_dict_pre_hook(
        lambda o, sd: {k: v for k, v in sd.items() if k != "extra"})
    opt.register_load_state_dict_post_hook(lambda o: log.append("loaded"))
    opt.load_state_dict(saved)
    lbfgs = torch.optim.LBFGS([w])
    calls = []
    lbfgs.register_step_pre_hook(lambda o, a, k: calls.append(1))
    lbfgs.step(lambda: (w ** 2).sum())  # its own step runs the hooks, once
    log.append(len(calls))
    return log


def test_optimizer_hooks_as_torch(bk, T):
    assert trace(bk) == trace(T)


def test_a_bad_pre_hook_result_is_refused(bk):
    opt = bk.optim.SGD([bk.nn.Parameter(bk.ones(1))], lr=0.1)
    opt.register_step_pre_hook(lambda o, a, k: 3)
    with pytest.raises(RuntimeError, match="must return None or a tuple of"):
        opt.step()
