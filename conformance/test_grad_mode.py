"""NOGRAD: grad mode (no_grad, enable_grad, set_grad_enabled) and its thread-locality.

Grad mode decides whether new ops are recorded.  It is switched by context managers (and
decorators) that restore the previous mode on exit, also on an exception, and it is per thread.
"""

import threading

import pytest

from gradspec.conformance import _gradcheck as gc
from gradspec.conformance import opcases
from gradspec.conformance.helpers import raises_kind, require_methods, unsupported
from gradspec.errors import NoGradPathError


@pytest.fixture(autouse=True)
def _grad_mode_restored(backend):
    # A failing test must not leave grad mode off for the tests after it.
    yield
    if not backend.is_grad_enabled():
        backend.set_grad_enabled(True)


def _untracked(t):
    return not t.requires_grad and t.grad_fn is None and t.is_leaf


# ---------------------------------------------------------------------------- NOGRAD-1
@pytest.mark.clause("NOGRAD-1")
def test_no_grad_records_nothing(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    with backend.no_grad():
        y = x * 2
        z = backend.exp(y) + x
        s = z.sum()
    assert y.tolist() == [2.0, 4.0]
    assert _untracked(y) and _untracked(z) and _untracked(s)
    assert x.is_leaf and x.requires_grad and x.grad is None


@pytest.mark.clause("NOGRAD-1", "BWD-4")
def test_result_of_no_grad_cannot_backward(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    with backend.no_grad():
        s = (x * 2).sum()
    with raises_kind(backend, NoGradPathError):
        s.backward()
    assert x.grad is None


@pytest.mark.clause("NOGRAD-1")
def test_is_grad_enabled_false_inside_and_restored(backend):
    assert backend.is_grad_enabled()
    with backend.no_grad():
        assert not backend.is_grad_enabled()
    assert backend.is_grad_enabled()


@pytest.mark.clause("NOGRAD-1")
def test_grad_mode_restored_after_exception(backend):
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with backend.no_grad():
            raise Boom
    assert backend.is_grad_enabled()
    x = backend.tensor([1.0], requires_grad=True)
    assert (x * 2).requires_grad


@pytest.mark.clause("NOGRAD-1")
def test_enable_grad_nested_in_no_grad(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    with backend.no_grad():
        with backend.enable_grad():
            assert backend.is_grad_enabled()
            z = x * 2
        assert not backend.is_grad_enabled()
        y = x * 2
    assert backend.is_grad_enabled()
    assert z.requires_grad and not z.is_leaf and z.grad_fn is not None
    assert _untracked(y)
    z.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


@pytest.mark.clause("NOGRAD-1")
def test_nested_no_grad_keeps_grad_off_until_outermost_exit(backend):
    with backend.no_grad():
        with backend.no_grad():
            assert not backend.is_grad_enabled()
        assert not backend.is_grad_enabled()
    assert backend.is_grad_enabled()


@pytest.mark.clause("NOGRAD-1")
def test_enable_grad_in_grad_mode_is_harmless(backend):
    with backend.enable_grad():
        assert backend.is_grad_enabled()
    assert backend.is_grad_enabled()


@pytest.mark.clause("NOGRAD-1", "LEAF-1")
def test_factories_requiring_grad_inside_no_grad(backend):
    with backend.no_grad():
        a = backend.tensor([1.0, 2.0], requires_grad=True)
        b = backend.ones(2, requires_grad=True)
        c = backend.zeros(2, requires_grad=True)
    for t in (a, b, c):
        assert t.requires_grad and t.is_leaf and t.grad_fn is None
    (a * 3 + b * 4 + c * 5).sum().backward()
    assert a.grad.tolist() == [3.0, 3.0]
    assert b.grad.tolist() == [4.0, 4.0]
    assert c.grad.tolist() == [5.0, 5.0]


@pytest.mark.clause("NOGRAD-1", "LEAF-1")
def test_requires_grad_inside_no_grad(backend):
    with backend.no_grad():
        t = backend.tensor([1.0, 2.0])
        assert t.requires_grad_() is t
        assert t.requires_grad and t.is_leaf
    (t * t).sum().backward()
    assert t.grad.tolist() == [2.0, 4.0]


@pytest.mark.clause("NOGRAD-1")
def test_no_grad_decorator_with_parentheses(backend):
    seen = []

    @backend.no_grad()
    def double(t):
        seen.append(backend.is_grad_enabled())
        return t * 2

    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = double(x)
    assert seen == [False]
    assert y.tolist() == [2.0, 4.0] and _untracked(y)
    assert backend.is_grad_enabled()
    assert (x * 2).requires_grad


@pytest.mark.clause("NOGRAD-1")
def test_no_grad_decorator_restores_mode_after_exception(backend):
    @backend.no_grad()
    def fail():
        raise KeyError("boom")

    with pytest.raises(KeyError):
        fail()
    assert backend.is_grad_enabled()


@pytest.mark.clause("NOGRAD-1")
def test_no_grad_bare_decorator(backend):
    def double(t):
        return t * 2, backend.is_grad_enabled()

    try:
        decorated = backend.no_grad(double)
    except TypeError:
        unsupported("no_grad used as a bare decorator (@no_grad without parentheses)")
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y, enabled = decorated(x)
    assert not enabled
    assert y.tolist() == [2.0, 4.0] and _untracked(y)
    assert backend.is_grad_enabled()


@pytest.mark.clause("NOGRAD-1")
@pytest.mark.parametrize("form", ["no_grad()", "no_grad"])
def test_no_grad_decorated_generator_runs_each_step_without_grad(backend, form):
    # a sampling loop that yields: the mode holds while the generator runs, and the caller's
    # own mode while it is suspended (the decorator does not end when the call returns)
    x = backend.tensor([1.0, 2.0], requires_grad=True)

    def steps():
        reply = yield x * 2, backend.is_grad_enabled()
        yield x * reply, backend.is_grad_enabled()
        return "done"

    try:
        decorated = backend.no_grad()(steps) if form == "no_grad()" else backend.no_grad(steps)
    except TypeError:
        unsupported("no_grad used as a bare decorator (@no_grad without parentheses)")
    gen = decorated()
    first, enabled = next(gen)
    assert not enabled and _untracked(first)
    assert backend.is_grad_enabled() and (x * 2).requires_grad  # between the steps
    second, enabled = gen.send(3.0)
    assert not enabled and _untracked(second) and second.tolist() == [3.0, 6.0]
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == "done"
    assert backend.is_grad_enabled()


@pytest.mark.clause("NOGRAD-1")
def test_no_grad_result_acts_as_constant(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    with backend.no_grad():
        c = x * 3
    (x * 2 + c).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


@pytest.mark.clause("NOGRAD-1")
def test_no_grad_does_not_touch_existing_graph(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    with backend.no_grad():
        _ = y * 5
    assert y.requires_grad and y.grad_fn is not None
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


VIEW_OPS = ("reshape", "permute", "expand", "getitem", "diagonal", "split")  # PyTorch: views


@pytest.mark.clause("NOGRAD-1")
@pytest.mark.parametrize("case", [pytest.param(c, id=c.name, marks=[
    pytest.mark.requires(*c.requires)] if c.requires else []) for c in opcases.CASES])
def test_no_grad_records_no_op_of_tracked_inputs(backend, case):
    """Every op of the catalogue, applied inside no_grad to inputs that require grad (one-input
    ops included), returns an untracked leaf, and its inputs are left as they were."""
    require_methods(backend, case)
    inputs = [gc.make_tensor(backend, a, spec.dtype, requires_grad=spec.requires_grad)
              for a, spec in zip(case.sample(), case.inputs)]
    with backend.no_grad():
        out = case.fn(backend, *inputs)
    assert out.grad_fn is None, f"{case.name} recorded a graph inside no_grad: {out.grad_fn}"
    if case.op not in VIEW_OPS and not any(out is t for t in inputs):
        # (a view made under no_grad may report requires_grad, as PyTorch's do: the spec
        # leaves it open; an op may return its input itself, as to() of the same dtype does)
        assert _untracked(out), f"{case.name} under no_grad: requires_grad={out.requires_grad}"
    for t, spec in zip(inputs, case.inputs):
        assert t.requires_grad == spec.requires_grad and t.is_leaf and t.grad is None


@pytest.mark.clause("NOGRAD-1")
@pytest.mark.parametrize("unary", ["exp", "neg", "sum", "relu", "sigmoid", "view", "t", "clone",
                                   "getitem", "float64"])
def test_no_grad_one_input_ops_of_a_tracked_non_leaf(backend, unary):
    x = backend.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    y = x * 2  # a non-leaf with a graph
    ops = {
        "exp": lambda t: backend.exp(t), "neg": lambda t: -t, "sum": lambda t: t.sum(),
        "relu": lambda t: backend.relu(t), "sigmoid": lambda t: t.sigmoid(),
        "view": lambda t: t.view(4), "t": lambda t: t.t(), "clone": lambda t: t.clone(),
        "getitem": lambda t: t[0], "float64": lambda t: t.to(backend.float64),
    }
    with backend.no_grad():
        out = ops[unary](y)
    assert out.grad_fn is None
    if unary not in ("view", "t", "getitem"):  # (a view's flags under no_grad: NOGRAD-5 [I])
        assert out.requires_grad is False and out.is_leaf


@pytest.mark.clause("NOGRAD-1")
@pytest.mark.requires("inplace")
def test_no_grad_in_place_on_a_tracked_non_leaf_keeps_its_graph(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    node = y.grad_fn
    with backend.no_grad():
        y.add_(1)  # not recorded: y keeps its node, the gradient ignores the update
    assert y.grad_fn is node and y.requires_grad and y.tolist() == [3.0, 5.0]
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


# ---------------------------------------------------------------------------- NOGRAD-2
@pytest.mark.clause("NOGRAD-2")
def test_set_grad_enabled_false_as_context_manager(backend):
    x = backend.tensor([1.0], requires_grad=True)
    with backend.set_grad_enabled(False):
        assert not backend.is_grad_enabled()
        y = x * 2
    assert _untracked(y)
    assert backend.is_grad_enabled()
    assert (x * 2).requires_grad


@pytest.mark.clause("NOGRAD-2")
def test_set_grad_enabled_true_as_context_manager_restores_previous_mode(backend):
    x = backend.tensor([1.0], requires_grad=True)
    with backend.no_grad():
        with backend.set_grad_enabled(True):
            assert backend.is_grad_enabled()
            y = x * 2
        assert not backend.is_grad_enabled()
    assert y.requires_grad and y.grad_fn is not None


@pytest.mark.clause("NOGRAD-2")
@pytest.mark.parametrize("mode", [True, False])
def test_set_grad_enabled_by_flag(backend, mode):
    x = backend.tensor([1.0], requires_grad=True)
    with backend.set_grad_enabled(mode):
        y = x * 2
    assert y.requires_grad is mode
    assert backend.is_grad_enabled()


@pytest.mark.clause("NOGRAD-2")
def test_set_grad_enabled_as_plain_call(backend):
    x = backend.tensor([1.0], requires_grad=True)
    try:
        backend.set_grad_enabled(False)
        assert not backend.is_grad_enabled()
        y = x * 2
        backend.set_grad_enabled(True)
        assert backend.is_grad_enabled()
        z = x * 2
    finally:
        backend.set_grad_enabled(True)
    assert _untracked(y)
    assert z.requires_grad and z.grad_fn is not None


@pytest.mark.clause("NOGRAD-2")
def test_set_grad_enabled_context_restores_after_exception(backend):
    with pytest.raises(ValueError):
        with backend.set_grad_enabled(False):
            raise ValueError("boom")
    assert backend.is_grad_enabled()


# ---------------------------------------------------------------------------- NOGRAD-3
def _run_in_thread(target):
    errors = []

    def wrapped():
        try:
            target()
        except BaseException as exc:  # noqa: BLE001 - reported in the main thread
            errors.append(exc)

    t = threading.Thread(target=wrapped)
    t.start()
    t.join(timeout=30)
    assert not t.is_alive(), "thread did not finish"
    if errors:
        raise errors[0]


@pytest.mark.clause("NOGRAD-3")
def test_thread_started_inside_no_grad_sees_grad_enabled(backend):
    x = backend.tensor([1.0], requires_grad=True)
    seen = []

    def worker():
        seen.append(backend.is_grad_enabled())
        seen.append((x * 2).requires_grad)

    with backend.no_grad():
        _run_in_thread(worker)
        assert not backend.is_grad_enabled()
    assert seen == [True, True]


@pytest.mark.clause("NOGRAD-3")
def test_no_grad_in_a_thread_does_not_affect_main_thread(backend):
    x = backend.tensor([1.0], requires_grad=True)
    inside = threading.Event()
    release = threading.Event()
    seen = []

    def worker():
        with backend.no_grad():
            seen.append((x * 2).requires_grad)
            inside.set()
            release.wait(timeout=30)

    t = threading.Thread(target=worker)
    t.start()
    try:
        assert inside.wait(timeout=30)
        # the worker is inside no_grad right now
        main_enabled = backend.is_grad_enabled()
        main_tracked = (x * 2).requires_grad
    finally:
        release.set()
        t.join(timeout=30)
    assert seen == [False]
    assert main_enabled and main_tracked


@pytest.mark.clause("NOGRAD-3", "NOGRAD-2")
def test_set_grad_enabled_call_in_a_thread_stays_in_that_thread(backend):
    seen = []

    def worker():
        backend.set_grad_enabled(False)
        seen.append(backend.is_grad_enabled())

    _run_in_thread(worker)
    assert seen == [False]
    assert backend.is_grad_enabled()
