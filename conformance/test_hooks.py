"""HOOK: tensor hooks (register_hook).

A hook sees the gradient with respect to its tensor once per backward pass (all paths summed)
and may replace it; several hooks chain in registration order; ``retain_grad`` stores what the
hooks produced; a handle's ``remove()`` unregisters.
"""

import pytest

from gradspec.conformance.helpers import raises_kind
from gradspec.errors import NoGradPathError


# ---------------------------------------------------------------------------- HOOK-1
@pytest.mark.clause("HOOK-1")
def test_leaf_hook_replaces_accumulated_gradient(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    seen = []

    def hook(g):
        seen.append(g.tolist())
        return g * 10

    x.register_hook(hook)
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]]
    assert x.grad.tolist() == [30.0, 30.0]


@pytest.mark.clause("HOOK-1")
def test_non_leaf_hook_replaces_gradient_flowing_on(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []

    def hook(g):
        seen.append(g.tolist())
        return backend.ones(2)

    y.register_hook(hook)
    (y * 5).sum().backward()
    assert seen == [[5.0, 5.0]]
    assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.clause("HOOK-1", "AGRAD-1")
def test_leaf_hook_fires_for_autograd_grad(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 10)
    (g,) = backend.autograd.grad((x * 3).sum(), x)
    assert g.tolist() == [30.0, 30.0]
    assert x.grad is None


@pytest.mark.clause("HOOK-1", "AGRAD-1")
def test_non_leaf_hook_fires_for_autograd_grad(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    calls = []

    def hook(g):
        calls.append(g.tolist())
        return g * 2

    y.register_hook(hook)
    (g,) = backend.autograd.grad((y * 5).sum(), x)
    assert calls == [[5.0, 5.0]]
    assert g.tolist() == [30.0, 30.0]


@pytest.mark.clause("HOOK-1")
def test_hook_returning_none_keeps_gradient(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))  # append returns None
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]]
    assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.clause("HOOK-1")
def test_hook_sees_gradient_with_the_tensors_shape(backend):
    # x is broadcast against a (2, 3) tensor: its hook gets the reduced gradient.
    x = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append((tuple(g.shape), g.tolist())))
    (x + backend.ones(2, 3)).sum().backward()
    assert seen == [((3,), [2.0, 2.0, 2.0])]


@pytest.mark.clause("HOOK-1")
def test_removed_hook_is_not_called(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    calls = []

    def hook(g):
        calls.append(1)
        return g * 10

    h = x.register_hook(hook)
    (x * 3).sum().backward()
    assert x.grad.tolist() == [30.0, 30.0]
    h.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    assert calls == [1]


@pytest.mark.clause("HOOK-1")
def test_removing_one_hook_keeps_the_others(backend):
    x = backend.tensor(1.0, requires_grad=True)
    h1 = x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 10)
    h1.remove()
    (x * 1).backward()
    assert x.grad.item() == 10.0


@pytest.mark.clause("HOOK-1")
def test_removed_non_leaf_hook_is_not_called(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    h = y.register_hook(lambda g: g * 0)
    h.remove()
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


# ---------------------------------------------------------------------------- HOOK-2
@pytest.mark.clause("HOOK-2")
def test_hooks_chain_in_registration_order(backend):
    x = backend.tensor(1.0, requires_grad=True)
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 10)
    (x * 1).backward()
    assert x.grad.item() == 20.0


@pytest.mark.clause("HOOK-2")
def test_hooks_chain_in_registration_order_reversed(backend):
    x = backend.tensor(1.0, requires_grad=True)
    x.register_hook(lambda g: g * 10)
    x.register_hook(lambda g: g + 1)
    (x * 1).backward()
    assert x.grad.item() == 11.0


@pytest.mark.clause("HOOK-2")
def test_each_hook_receives_previous_result(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    seen = []

    def first(g):
        seen.append(("first", g.tolist()))
        return g * 2

    def second(g):
        seen.append(("second", g.tolist()))
        return None  # keeps what first returned

    def third(g):
        seen.append(("third", g.tolist()))
        return g + 1

    for hook in (first, second, third):
        y.register_hook(hook)
    (y * backend.tensor([1.0, 3.0])).sum().backward()
    assert seen == [("first", [1.0, 3.0]), ("second", [2.0, 6.0]), ("third", [2.0, 6.0])]
    assert x.grad.tolist() == [3.0, 7.0]


# ---------------------------------------------------------------------------- HOOK-3
@pytest.mark.clause("HOOK-3")
def test_hook_called_once_with_total_gradient_of_leaf(backend):
    x = backend.tensor(1.0, requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(g.item()))
    (x * 2 + x * 3).backward()
    assert calls == [5.0]
    assert x.grad.item() == 5.0


@pytest.mark.clause("HOOK-3")
def test_hook_called_once_with_total_gradient_of_non_leaf(backend):
    x = backend.tensor(1.0, requires_grad=True)
    y = x * 2
    calls = []
    y.register_hook(lambda g: calls.append(g.item()))
    (y * 3 + y * 4).backward()
    assert calls == [7.0]
    assert x.grad.item() == 14.0


@pytest.mark.clause("HOOK-3")
def test_replacing_hook_applies_to_total_gradient(backend):
    # Applied per path the hook would give 2*2 + 3*3 = 13; applied to the total, 5*5.
    x = backend.tensor(1.0, requires_grad=True)
    x.register_hook(lambda g: g * g)
    (x * 2 + x * 3).backward()
    assert x.grad.item() == 25.0


@pytest.mark.clause("HOOK-3", "ACC-1")
def test_hook_sees_each_pass_not_the_accumulated_grad(backend):
    x = backend.tensor(1.0, requires_grad=True)
    calls = []
    x.register_hook(lambda g: calls.append(g.item()))
    (x * 2).backward()
    (x * 3).backward()
    assert calls == [2.0, 3.0]
    assert x.grad.item() == 5.0


# ---------------------------------------------------------------------------- HOOK-4
@pytest.mark.clause("HOOK-4", "RETAINGRAD-2")
@pytest.mark.parametrize("retain_first", [True, False],
                         ids=["retain_then_hook", "hook_then_retain"])
def test_retained_grad_is_the_hooked_gradient(backend, retain_first):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    if retain_first:
        y.retain_grad()
        y.register_hook(lambda g: g * 100)
    else:
        y.register_hook(lambda g: g * 100)
        y.retain_grad()
    y.sum().backward()
    assert y.grad.tolist() == [100.0, 100.0]
    assert x.grad.tolist() == [300.0, 300.0]


# ---------------------------------------------------------------------------- HOOK-5
@pytest.mark.clause("HOOK-5")
def test_register_hook_on_plain_tensor_raises(backend):
    t = backend.tensor([1.0])
    with raises_kind(backend, NoGradPathError):
        t.register_hook(lambda g: g)
    assert not t.requires_grad


@pytest.mark.clause("HOOK-5")
def test_register_hook_on_untracked_results_raises(backend):
    x = backend.tensor([1.0], requires_grad=True)
    with raises_kind(backend, NoGradPathError):
        x.detach().register_hook(lambda g: g)
    with backend.no_grad():
        y = x * 2
    with raises_kind(backend, NoGradPathError):
        y.register_hook(lambda g: g)
