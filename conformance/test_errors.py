"""ERR: every error the contract names is a RuntimeError of a known kind and changes nothing (ERR-1).

Each scenario triggers one error kind the clauses name, asserts the backend classifies it as that
kind (``raises_kind`` also checks it is a ``RuntimeError``), and that the tensors involved kept
their values, versions, gradients and flags.  ``AnomalyError`` needs the ``anomaly`` capability
(ERR-2).
"""

import warnings

import pytest

from gradspec.conformance.helpers import raises_kind
from gradspec.errors import (
    AnomalyError,
    DetachRequiredError,
    EmptyInputsError,
    GradientCountError,
    GradientShapeError,
    GraphFreedError,
    LeafInPlaceError,
    NoGradPathError,
    NonLeafRequiresGradError,
    NonScalarBackwardError,
    RequiresGradDtypeError,
    SavedTensorModifiedError,
    UnusedInputError,
)


def _state(t):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # non-leaf .grad reads warn on torch
        g = t.grad
    return {
        "value": t.tolist(),
        "version": t._version,
        "grad": None if g is None else g.tolist(),
        "requires_grad": t.requires_grad,
        "is_leaf": t.is_leaf,
    }


def _check(backend, kind, tensors, action):
    before = [_state(t) for t in tensors]
    with raises_kind(backend, kind):
        action()
    assert [_state(t) for t in tensors] == before


# Each scenario: backend -> (kind, tensors to watch, action that must raise).
def _graph_freed(b):
    x = b.tensor([1.0, 2.0], requires_grad=True)
    u = b.tensor([3.0, 4.0], requires_grad=True)
    y = (x * u).sum()
    y.backward()
    return GraphFreedError, [x, u, y], lambda: y.backward()


def _graph_freed_grad(b):
    x = b.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    b.autograd.grad(y, x)
    return GraphFreedError, [x, y], lambda: b.autograd.grad(y, x)


def _leaf_in_place_add(b):
    w = b.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()  # give it a gradient too, which must survive
    return LeafInPlaceError, [w], lambda: w.add_(1)


def _leaf_in_place_zero(b):
    w = b.tensor([1.0, 2.0], requires_grad=True)
    return LeafInPlaceError, [w], lambda: w.zero_()


def _leaf_in_place_copy(b):
    w = b.tensor([1.0, 2.0], requires_grad=True)
    return LeafInPlaceError, [w], lambda: w.copy_(b.tensor([5.0, 6.0]))


def _saved_tensor_modified(b):
    x = b.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = (y * y).sum()
    y.add_(1)
    return SavedTensorModifiedError, [x, y, z], lambda: z.backward()


def _non_scalar_backward(b):
    x = b.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    return NonScalarBackwardError, [x, y], lambda: y.backward()


def _non_scalar_grad(b):
    x = b.tensor([1.0, 2.0], requires_grad=True)
    y = x ** 2
    return NonScalarBackwardError, [x, y], lambda: b.autograd.grad(y, x)


def _unused_input(b):
    x = b.tensor(1.0, requires_grad=True)
    u = b.tensor(1.0, requires_grad=True)
    y = x * 2
    return UnusedInputError, [x, u, y], lambda: b.autograd.grad(y, [x, u])


def _no_grad_path_backward(b):
    c = b.tensor([1.0, 2.0])
    return NoGradPathError, [c], lambda: c.sum().backward()


def _no_grad_path_grad_input(b):
    x = b.tensor(1.0, requires_grad=True)
    c = b.tensor(1.0)
    return NoGradPathError, [x, c], lambda: b.autograd.grad(x * 2, [c])


def _no_grad_path_retain_grad(b):
    c = b.tensor([1.0, 2.0])
    return NoGradPathError, [c], lambda: c.retain_grad()


def _no_grad_path_hook(b):
    c = b.tensor([1.0, 2.0])
    return NoGradPathError, [c], lambda: c.register_hook(lambda g: g)


def _requires_grad_dtype_method(b):
    t = b.tensor([1, 2])
    return RequiresGradDtypeError, [t], lambda: t.requires_grad_()


def _requires_grad_dtype_attribute(b):
    t = b.tensor([True, False])

    def action():
        t.requires_grad = True

    return RequiresGradDtypeError, [t], action


def _gradient_shape_backward(b):
    x = b.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    return GradientShapeError, [x, y], lambda: y.backward(b.ones(2))


def _gradient_shape_assign(b):
    x = b.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()

    def action():
        x.grad = b.zeros(3)

    return GradientShapeError, [x], action


def _non_leaf_requires_grad(b):
    x = b.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    return NonLeafRequiresGradError, [x, y], lambda: y.requires_grad_(False)


def _gradient_count(b):
    x = b.tensor([1.0], requires_grad=True)
    ys = [x * 2, x * 3]
    return GradientCountError, [x, *ys], lambda: b.autograd.backward(ys, grad_tensors=[b.ones(1)])


def _empty_inputs_grad(b):
    x = b.tensor(1.0, requires_grad=True)
    y = x * 2
    return EmptyInputsError, [x, y], lambda: b.autograd.grad(y, [])


def _empty_inputs_backward(b):
    x = b.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    return EmptyInputsError, [x, y], lambda: y.backward(inputs=[])


def _detach_required(b):
    x = b.tensor([1.0, 2.0], requires_grad=True)
    return DetachRequiredError, [x], lambda: x.numpy()


def _anomaly_nan(b):
    x = b.tensor([0.0, 1.0], requires_grad=True)
    y = (b.sqrt(x) * 0).sum()  # sqrt's derivative at 0 is inf, times 0: NaN

    def action():
        with warnings.catch_warnings():
            # before anomaly mode starts: PyTorch warns as it is switched on
            warnings.simplefilter("ignore", UserWarning)
            with b.autograd.detect_anomaly():
                y.backward()

    return AnomalyError, [x, y], action


def _scenario(fn, source, *requires):
    marks = [pytest.mark.clause("ERR-1", source)]
    if requires:
        marks.append(pytest.mark.requires(*requires))
    return pytest.param(fn, id=fn.__name__.lstrip("_"), marks=marks)


SCENARIOS = [
    _scenario(_graph_freed, "RETAIN-1"),
    _scenario(_graph_freed_grad, "RETAIN-1"),
    _scenario(_leaf_in_place_add, "INPLACE-1"),
    _scenario(_leaf_in_place_zero, "INPLACE-1"),
    _scenario(_leaf_in_place_copy, "INPLACE-1"),
    _scenario(_saved_tensor_modified, "VERSION-2"),
    _scenario(_non_scalar_backward, "BWD-2"),
    _scenario(_non_scalar_grad, "BWD-2"),
    _scenario(_unused_input, "AGRAD-2"),
    _scenario(_no_grad_path_backward, "BWD-4"),
    _scenario(_no_grad_path_grad_input, "AGRAD-3"),
    _scenario(_no_grad_path_retain_grad, "RETAINGRAD-2"),
    _scenario(_no_grad_path_hook, "HOOK-5"),
    _scenario(_requires_grad_dtype_method, "LEAF-5"),
    _scenario(_requires_grad_dtype_attribute, "LEAF-5"),
    _scenario(_gradient_shape_backward, "BWD-3"),
    _scenario(_gradient_shape_assign, "ACC-4"),
    _scenario(_non_leaf_requires_grad, "LEAF-6"),
    _scenario(_gradient_count, "GRADT-3"),
    _scenario(_empty_inputs_grad, "AGRAD-3"),
    _scenario(_empty_inputs_backward, "BWD-7"),
    _scenario(_detach_required, "DETACH-3"),
    _scenario(_anomaly_nan, "ERR-2", "anomaly"),
]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_error_is_a_runtime_error_of_its_kind_and_changes_nothing(backend, scenario):
    kind, tensors, action = scenario(backend)
    _check(backend, kind, tensors, action)


@pytest.mark.clause("ERR-1")
def test_error_kinds_are_distinguished(backend):
    # Two different misuses must not be reported as the same kind.
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    kinds = []
    for action in (lambda: (x * 2).backward(),
                   lambda: backend.autograd.grad((x * 2).sum(), []),
                   lambda: backend.tensor([1.0]).backward()):
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - classified below
            kinds.append(backend.classify_error(exc))
    assert kinds == [NonScalarBackwardError, EmptyInputsError, NoGradPathError]


@pytest.mark.clause("ERR-1")
@pytest.mark.parametrize("exc", [
    ValueError("x"),
    TypeError("unsupported operand"),
    KeyError("grad"),
    RuntimeError("something unrelated happened"),
    RuntimeError(""),
], ids=["ValueError", "TypeError", "KeyError", "RuntimeError-unrelated", "RuntimeError-empty"])
def test_classify_error_returns_none_for_unrelated_exceptions(backend, exc):
    assert backend.classify_error(exc) is None
