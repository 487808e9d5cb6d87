"""Module backward hooks (register_full_backward_hook, register_full_backward_pre_hook,
register_backward_hook) against torch.nn's: the same calls with the same gradients, the same
replacements, on numpy, strict and the torch adapter."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from support import load_or_skip


@pytest.fixture(params=["numpy", "strict", "torch"])
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def real():
    return pytest.importorskip("torch", reason="torch.nn is the reference")


def _values(t):
    return None if t is None else np.round(np.asarray(t.detach().tolist(), dtype=float), 6)


def _run(torch, inputs_require_grad):
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    with torch.no_grad():
        for i, p in enumerate(net.parameters()):
            values = np.sin(np.arange(p.numel()) * 0.37 + i).reshape(tuple(p.shape)) * 0.5
            p.copy_(torch.tensor(values.tolist(), dtype=p.dtype))
    log = []

    def record(module, grad_input, grad_output):
        log.append((type(module).__name__, [_values(g) for g in grad_input],
                    [_values(g) for g in grad_output]))

    def double(module, grad_output):
        log.append(("pre", [_values(g) for g in grad_output]))
        return (grad_output[0] * 2,)

    def ones(module, grad_input, grad_output):
        return (grad_input[0] * 0 + 1,)

    handle = net[0].register_full_backward_hook(record)
    net[2].register_full_backward_hook(record)
    net[2].register_full_backward_pre_hook(double)
    net[1].register_full_backward_hook(ones)
    x = torch.linspace(-1, 1, 6).reshape(2, 3)
    if inputs_require_grad:
        x.requires_grad_()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net(x).sum().backward()
    handle.remove()
    log.append(("weight", _values(net[0].weight.grad)))
    log.append(("input", _values(x.grad)))
    return log


@pytest.mark.parametrize("inputs_require_grad", [False, True])
def test_backward_hooks_see_and_replace_gradients_as_torchs(bk, real, inputs_require_grad):
    ours, theirs = _run(bk, inputs_require_grad), _run(real, inputs_require_grad)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert repr(a) == repr(b)


def test_a_hooked_modules_output_shows_torchs_node_and_the_warning(bk, real):
    for torch in (bk, real):
        layer = torch.nn.Linear(2, 1)
        layer.register_full_backward_hook(lambda m, gi, go: None)
        out = layer(torch.ones(1, 2))
        assert out.grad_fn.name() == "BackwardHookFunctionBackward"
        with pytest.warns(UserWarning, match="no inputs require gradients"):
            out.sum().backward()


def test_the_deprecated_backward_hook_reports_input_gradients(bk):
    layer = bk.nn.Linear(2, 1)
    with bk.no_grad():
        layer.weight.copy_(bk.tensor([[2.0, -3.0]]))
    seen = []
    layer.register_backward_hook(lambda m, gi, go: seen.append(gi[0].tolist()))
    layer(bk.ones(1, 2, requires_grad=True)).sum().backward()
    assert seen == [[[2.0, -3.0]]]


def _three_inputs(torch):
    class Mix(torch.nn.Module):
        def forward(self, a, b, c):
            return a * 2 + b * 3 + c * 0, a.sum()

    module, seen = Mix(), []
    handle = module.register_full_backward_hook(lambda m, gi, go: seen.append(
        ([None if g is None else g.tolist() for g in gi],
         [None if g is None else g.tolist() for g in go])))
    a, b, c = torch.ones(2, requires_grad=True), torch.ones(2), torch.ones(2, requires_grad=True)
    first, _ = module(a, b, c)
    first.sum().backward()
    handle.remove()
    first, _ = module(a, b, c)
    first.sum().backward()  # the hook is gone: nothing more is seen
    return seen


def test_several_inputs_and_outputs_give_torchs_grad_input_and_grad_output(bk, real):
    # b does not require grad: zeros for it; the unused second output: None
    assert _three_inputs(bk) == _three_inputs(real)
