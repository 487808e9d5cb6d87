"""RETAIN: freeing and retaining the graph (clauses RETAIN-1 .. RETAIN-4).

Where a second traversal MUST raise, the graphs save tensors for backward (mul of two tensors,
pow, exp, sigmoid): PyTorch raises lazily, only when freed data is needed (RETAIN-3).
"""

import warnings

import pytest

import gradspec
from gradspec import errors
from gradspec.conformance import _gradcheck as gc
from gradspec.conformance import opcases
from gradspec.conformance.helpers import assert_close, raises_kind, require_methods
from gradspec.errors import GraphFreedError

# Scalar losses whose graphs save tensors; each maps (x, u) -> loss.
SAVING = {
    "mul": lambda b, x, u: (x * u).sum(),
    "pow": lambda b, x, u: (x ** 2).sum(),
    "exp": lambda b, x, u: b.exp(x).sum(),
    "sigmoid": lambda b, x, u: x.sigmoid().sum(),
}


def _leaves(backend):
    return (backend.tensor([0.5, 2.0], requires_grad=True),
            backend.tensor([3.0, 4.0], requires_grad=True))


def _grads(*ts):
    return [None if t.grad is None else t.grad.tolist() for t in ts]


# ----------------------------------------------------------------------------------- RETAIN-1
@pytest.mark.clause("RETAIN-1")
@pytest.mark.parametrize("graph", list(SAVING), ids=list(SAVING))
def test_second_backward_raises_and_leaves_grads(backend, graph):
    x, u = _leaves(backend)
    y = SAVING[graph](backend, x, u)
    y.backward()
    before = _grads(x, u)
    with raises_kind(backend, GraphFreedError):
        y.backward()
    assert _grads(x, u) == before


@pytest.mark.clause("RETAIN-1")
@pytest.mark.parametrize("graph", list(SAVING), ids=list(SAVING))
def test_second_autograd_grad_raises(backend, graph):
    x, u = _leaves(backend)
    y = SAVING[graph](backend, x, u)
    (g,) = backend.autograd.grad(y, x)
    assert tuple(g.shape) == (2,)
    with raises_kind(backend, GraphFreedError):
        backend.autograd.grad(y, x)
    assert _grads(x, u) == [None, None]


@pytest.mark.clause("RETAIN-1")
@pytest.mark.parametrize("graph", list(SAVING), ids=list(SAVING))
def test_backward_after_autograd_grad_raises(backend, graph):
    x, u = _leaves(backend)
    y = SAVING[graph](backend, x, u)
    backend.autograd.grad(y, [x])
    with raises_kind(backend, GraphFreedError):
        y.backward()
    assert _grads(x, u) == [None, None]


@pytest.mark.clause("RETAIN-1")
def test_autograd_grad_after_backward_raises(backend):
    x, u = _leaves(backend)
    y = (x * u).sum()
    y.backward()
    with raises_kind(backend, GraphFreedError):
        backend.autograd.grad(y, [x, u])


@pytest.mark.clause("RETAIN-1")
def test_other_output_sharing_the_freed_part_raises(backend):
    w = backend.tensor([1.0], requires_grad=True)
    x = backend.tensor([2.0], requires_grad=True)
    a = w * x
    y0 = a * 2
    y1 = a * 3
    y0.backward()
    assert _grads(w, x) == [[4.0], [2.0]]
    with raises_kind(backend, GraphFreedError):
        y1.backward()
    assert _grads(w, x) == [[4.0], [2.0]]


@pytest.mark.clause("RETAIN-1")
def test_seed_graph_second_backward_raises(backend):
    w = backend.tensor([1.0], requires_grad=True)
    x = backend.tensor([2.0], requires_grad=True)
    y = (w + x) * (w + 1)
    y.backward()
    with raises_kind(backend, GraphFreedError):
        y.backward()
    assert _grads(w, x) == [[5.0], [2.0]]


@pytest.mark.clause("RETAIN-1")
def test_explicit_retain_graph_false_frees(backend):
    x, u = _leaves(backend)
    y = (x * u).sum()
    y.backward(retain_graph=False)
    with raises_kind(backend, GraphFreedError):
        y.backward()


@pytest.mark.clause("RETAIN-1")
def test_autograd_backward_frees_too(backend):
    x, u = _leaves(backend)
    y = (x * u).sum()
    backend.autograd.backward([y])
    with raises_kind(backend, GraphFreedError):
        backend.autograd.backward([y])
    assert _grads(x, u) == [[3.0, 4.0], [0.5, 2.0]]


@pytest.mark.clause("RETAIN-1")
def test_a_fresh_graph_after_freeing_works(backend):
    # Freeing concerns the old graph only; recomputing the loss gives a new one.
    x, u = _leaves(backend)
    (x * u).sum().backward()
    (x * u).sum().backward()
    assert _grads(x, u) == [[6.0, 8.0], [1.0, 4.0]]


# ----------------------------------------------------------------------------------- RETAIN-2
@pytest.mark.clause("RETAIN-2")
@pytest.mark.parametrize("graph", list(SAVING), ids=list(SAVING))
def test_retain_graph_allows_repeated_backward_and_accumulates(backend, graph):
    x, u = _leaves(backend)
    y = SAVING[graph](backend, x, u)
    y.backward(retain_graph=True)
    once = x.grad.tolist()
    y.backward(retain_graph=True)
    y.backward(retain_graph=True)
    assert_close(x.grad, [3 * g for g in once])


@pytest.mark.clause("RETAIN-2")
def test_call_without_retain_graph_then_frees(backend):
    w = backend.tensor([1.0], requires_grad=True)
    x = backend.tensor([2.0], requires_grad=True)
    y = (w + x) * (w + 1)
    y.backward(retain_graph=True)
    y.backward()
    assert _grads(w, x) == [[10.0], [4.0]]
    with raises_kind(backend, GraphFreedError):
        y.backward()
    assert _grads(w, x) == [[10.0], [4.0]]


@pytest.mark.clause("RETAIN-2")
def test_autograd_grad_with_retain_graph(backend):
    x, u = _leaves(backend)
    y = (x * u).sum()
    first = backend.autograd.grad(y, [x, u], retain_graph=True)
    second = backend.autograd.grad(y, [x, u])
    assert [g.tolist() for g in first] == [g.tolist() for g in second] == [[3.0, 4.0], [0.5, 2.0]]
    with raises_kind(backend, GraphFreedError):
        backend.autograd.grad(y, [x, u])


@pytest.mark.clause("RETAIN-2")
def test_retained_autograd_grad_then_backward(backend):
    x, u = _leaves(backend)
    y = (x * u).sum()
    backend.autograd.grad(y, [x], retain_graph=True)
    y.backward()
    assert _grads(x, u) == [[3.0, 4.0], [0.5, 2.0]]


@pytest.mark.clause("RETAIN-2")
def test_retain_graph_keeps_a_shared_part_for_another_output(backend):
    w = backend.tensor([1.0], requires_grad=True)
    x = backend.tensor([2.0], requires_grad=True)
    a = w * x
    (a * 2).backward(retain_graph=True)
    (a * 3).backward()
    assert _grads(w, x) == [[10.0], [5.0]]


@pytest.mark.clause("RETAIN-2")
@pytest.mark.requires("create_graph")
def test_create_graph_alone_retains_for_autograd_grad(backend):
    x = backend.tensor(2.0, requires_grad=True)
    y = x ** 3
    (g1,) = backend.autograd.grad(y, x, create_graph=True)
    (g2,) = backend.autograd.grad(y, x)  # would raise if create_graph had freed the graph
    assert g1.item() == 12.0 and g2.item() == 12.0


@pytest.mark.clause("RETAIN-2")
@pytest.mark.requires("create_graph")
def test_create_graph_alone_retains_for_backward(backend):
    x = backend.tensor(2.0, requires_grad=True)
    y = x ** 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about a parameter/grad reference cycle
        y.backward(create_graph=True)
        y.backward()
    assert x.grad.item() == 24.0


@pytest.mark.clause("RETAIN-2")
@pytest.mark.requires("create_graph")
def test_create_graph_with_explicit_retain_graph_false_frees(backend):
    # retain_graph only *defaults* to create_graph; an explicit False wins.
    x = backend.tensor(2.0, requires_grad=True)
    y = x ** 3
    (g,) = backend.autograd.grad(y, x, create_graph=True, retain_graph=False)
    assert g.item() == 12.0
    with raises_kind(backend, GraphFreedError):
        backend.autograd.grad(y, x)


# ----------------------------------------------------------------------------------- RETAIN-3
# Graphs whose nodes save no tensors; (loss builder, gradient of one backward at x=[1, 2]).
NOT_SAVING = {
    "sum": (lambda b, t: t.sum(), [1.0, 1.0]),
    "t+t": (lambda b, t: (t + t).sum(), [2.0, 2.0]),
    "mean": (lambda b, t: t.mean(), [0.5, 0.5]),
    "view-sum": (lambda b, t: t.view(2, 1).sum(), [1.0, 1.0]),
    "cat-sum": (lambda b, t: b.cat([t, t]).sum(), [2.0, 2.0]),
    "add-constant": (lambda b, t: (t + 1).sum(), [1.0, 1.0]),
}


@pytest.mark.clause("RETAIN-3")
@pytest.mark.parametrize("graph", list(NOT_SAVING), ids=list(NOT_SAVING))
def test_second_backward_of_non_saving_graph_succeeds_or_raises_graph_freed(backend, graph):
    build, once = NOT_SAVING[graph]
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = build(backend, x)
    y.backward()
    assert x.grad.tolist() == once
    try:
        y.backward()
    except Exception as exc:  # noqa: BLE001 - the kind decides
        assert backend.classify_error(exc) is GraphFreedError, f"unexpected error: {exc!r}"
        assert isinstance(exc, RuntimeError)
        assert x.grad.tolist() == once  # a refused backward must not accumulate
    else:
        assert x.grad.tolist() == [2 * g for g in once]


@pytest.mark.clause("RETAIN-3")
def test_second_autograd_grad_of_non_saving_graph_succeeds_or_raises_graph_freed(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = (x + x).sum()
    (g,) = backend.autograd.grad(y, x)
    assert g.tolist() == [2.0, 2.0]
    try:
        (g2,) = backend.autograd.grad(y, x)
    except Exception as exc:  # noqa: BLE001 - the kind decides
        assert backend.classify_error(exc) is GraphFreedError, f"unexpected error: {exc!r}"
    else:
        assert g2.tolist() == [2.0, 2.0]
    assert x.grad is None


# ----------------------------------------------------------------------------------- RETAIN-4
def _setitem(key):
    def build(b, t):
        y = t + 1  # add saves nothing: only the assignment's node keeps anything
        y[key(b)] = 5.0
        return y.sum()
    return build


# Graphs whose only saving node keeps data that is not differentiated; (loss builder, the
# gradient of one backward at x=[1, 2, 3], capabilities needed).
NON_DIFFERENTIABLE_SAVED = {
    "where": (lambda b, t: b.where(b.tensor([True, False, True]), t, b.zeros(3)).sum(),
              [1.0, 0.0, 1.0], ()),
    "where-scalar": (lambda b, t: b.where(t > 1.5, t, 0.0).sum(), [0.0, 1.0, 1.0], ()),
    "where-0d": (lambda b, t: b.where(b.tensor(True), t, b.zeros(3)).sum(), [1.0, 1.0, 1.0], ()),
    "index-tensor": (lambda b, t: t[b.tensor([0, 2])].sum(), [1.0, 0.0, 1.0], ()),
    "index-mask": (lambda b, t: t[b.tensor([True, False, True])].sum(), [1.0, 0.0, 1.0], ()),
    "index-list": (lambda b, t: t[[2, 2]].sum(), [0.0, 0.0, 2.0], ()),
    "max-dim": (lambda b, t: t.max(0).values, [0.0, 0.0, 1.0], ()),
    "min-dim": (lambda b, t: t.min(dim=0).values, [1.0, 0.0, 0.0], ()),
    "setitem-int": (_setitem(lambda b: 0), [0.0, 1.0, 1.0], ("inplace_views",)),
    "setitem-slice": (_setitem(lambda b: slice(1, None)), [1.0, 0.0, 0.0], ("inplace_views",)),
    "setitem-mask": (_setitem(lambda b: b.tensor([True, False, False])), [0.0, 1.0, 1.0],
                     ("inplace_views",)),
}


def _retain4_params():
    return [pytest.param(name, id=name, marks=[pytest.mark.requires(*caps)] if caps else [])
            for name, (_, _, caps) in NON_DIFFERENTIABLE_SAVED.items()]


@pytest.mark.clause("RETAIN-4")
@pytest.mark.parametrize("graph", _retain4_params())
def test_node_with_non_differentiable_saved_data_is_freed(backend, graph):
    build, once, _ = NON_DIFFERENTIABLE_SAVED[graph]
    x = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = build(backend, x)
    y.backward()
    assert x.grad.tolist() == once
    with raises_kind(backend, GraphFreedError):
        y.backward()
    assert x.grad.tolist() == once  # a refused backward accumulates nothing


@pytest.mark.clause("RETAIN-4")
@pytest.mark.parametrize("graph", _retain4_params())
def test_autograd_grad_frees_non_differentiable_saved_data(backend, graph):
    build, once, _ = NON_DIFFERENTIABLE_SAVED[graph]
    x = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = build(backend, x)
    (g,) = backend.autograd.grad(y, x)
    assert g.tolist() == once
    with raises_kind(backend, GraphFreedError):
        backend.autograd.grad(y, x)


@pytest.mark.clause("RETAIN-4", "RETAIN-2")
@pytest.mark.parametrize("graph", _retain4_params())
def test_retain_graph_keeps_non_differentiable_saved_data(backend, graph):
    build, once, _ = NON_DIFFERENTIABLE_SAVED[graph]
    x = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = build(backend, x)
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [2 * g for g in once]


def _torch_reference():
    try:
        return gradspec.load_backend("torch")
    except (errors.BackendUnavailableError, errors.UnknownBackendError) as exc:
        pytest.skip(f"PyTorch, the reference for which op nodes save data, is not available "
                    f"here: {exc}")


def _freed_after_grad(backend, case, operands, v):
    """Run the case's op, differentiate it once without retain_graph, then again: whether the
    second traversal raised GraphFreedError (None: it raised something else)."""
    tensors = gc._build(backend, operands)
    out = case.fn(backend, *tensors)
    wrt = [tensors[i] for i in case.wrt]
    cot = gc.make_tensor(backend, v, dtype=out.dtype)
    backend.autograd.grad((out,), wrt, grad_outputs=(cot,))
    try:
        backend.autograd.grad((out,), wrt, grad_outputs=(cot,))
    except Exception as exc:  # noqa: BLE001 - the kind decides
        return True if backend.classify_error(exc) is GraphFreedError else None
    return False


@pytest.mark.clause("RETAIN-4", "RETAIN-1")
@pytest.mark.parametrize("case", [pytest.param(c, id=c.name, marks=[
    pytest.mark.requires(*c.requires)] if c.requires else []) for c in opcases.CASES
    if not c.name.endswith("-sq")])  # (a squared output's mul saves: it says nothing of the op)
def test_every_op_is_freed_where_pytorch_frees_it(backend, case):
    """A standing check over the op catalogue: where a second traversal of an op's graph
    raises on PyTorch (its node saved something), it MUST raise here too; where PyTorch can
    re-traverse, either outcome is allowed (RETAIN-3)."""
    require_methods(backend, case)
    reference = _torch_reference()
    operands = [gc.Operand(a, spec.dtype, spec.requires_grad)
                for a, spec in zip(case.sample(), case.inputs)]
    v = gc.dyadic_cotangent(case.rng(1), gc.as_numpy_function(reference, case.fn, operands)(
        [op.value for op in operands]).shape)
    if not _freed_after_grad(reference, case, operands, v):
        return  # PyTorch re-traverses it (RETAIN-3): nothing required
    got = _freed_after_grad(backend, case, operands, v)
    assert got is not None, "the second traversal raised an error other than GraphFreedError"
    assert got, (f"PyTorch frees {case.op}'s node after a backward without retain_graph; a "
                 "second traversal here ran instead of raising GraphFreedError")
