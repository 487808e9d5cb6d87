"""The misuse catalogue: each wrong use of the API raises the right kind of error and changes
nothing.

Every case builds some tensors, records their values, versions, gradients and flags, performs
one misuse, and checks that it raised the expected *kind* (an error kind of
:mod:`gradspec.errors`, classified by the backend) or, for errors outside the contract, the
exception class PyTorch raises (``RuntimeError`` for shape mismatches, ``IndexError``,
``TypeError``, ``ValueError``), and that every tensor is exactly as it was.  Messages are each
backend's to write; gradspec's own are checked in ``tests/test_misuse_messages.py``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from gradspec import errors
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


@dataclass(frozen=True)
class Misuse:
    name: str
    clause: str
    kind: type  # an error kind, or the built-in exception class PyTorch raises
    build: Callable[[Any], tuple[list[Any], Callable[[], Any]]]  # -> (watched, misuse)
    requires: tuple[str, ...] = ()


CASES: list[Misuse] = []


def misuse(clause: str, kind: type, *requires: str) -> Callable:
    def register(build: Callable) -> Callable:
        CASES.append(Misuse(build.__name__, clause, kind, build, requires))
        return build
    return register


def _rg(B: Any, data: Any) -> Any:
    return B.tensor(data, requires_grad=True)


# ---------------------------------------------------------------------------- freed graphs
@misuse("RETAIN-1", GraphFreedError)
def backward_twice(B):
    x, u = _rg(B, [1.0, 2.0]), _rg(B, [3.0, 4.0])
    y = (x * u).sum()
    y.backward()
    return [x, u, y], lambda: y.backward()


@misuse("RETAIN-1", GraphFreedError)
def grad_twice(B):
    x = _rg(B, [1.0, 2.0])
    y = x.exp().sum()
    B.autograd.grad(y, x)
    return [x, y], lambda: B.autograd.grad(y, x)


@misuse("RETAIN-1", GraphFreedError)
def backward_of_an_output_sharing_a_freed_subgraph(B):
    w, x = _rg(B, [1.0]), _rg(B, [2.0])
    a = w * x
    y0, y1 = a * 2, a * 3
    y0.backward()
    return [w, x, a, y1], lambda: y1.backward()


@misuse("RETAIN-2", GraphFreedError)
def third_backward_after_one_retained_pass(B):
    w = _rg(B, [1.0])
    y = (w * w).sum()
    y.backward(retain_graph=True)
    y.backward()
    return [w, y], lambda: y.backward()


# ---------------------------------------------------------------------------- in place on leaves
@misuse("INPLACE-1", LeafInPlaceError)
def add_on_a_leaf(B):
    w = _rg(B, [1.0, 2.0])
    (w * 3).sum().backward()  # the gradient it has must survive too
    return [w], lambda: w.add_(1)


@misuse("INPLACE-1", LeafInPlaceError)
def manual_sgd_step_outside_no_grad(B):
    w = _rg(B, [1.0, 2.0])
    (w * w).sum().backward()

    def step():
        nonlocal w
        w -= 0.1 * w.grad

    return [w], step


@misuse("INPLACE-1", LeafInPlaceError)
def zero_on_a_leaf(B):
    w = _rg(B, [1.0, 2.0])
    return [w], lambda: w.zero_()


@misuse("INPLACE-1", LeafInPlaceError)
def copy_into_a_leaf(B):
    w = _rg(B, [1.0, 2.0])
    src = B.tensor([5.0, 6.0])
    return [w, src], lambda: w.copy_(src)


@misuse("INPLACE-1", LeafInPlaceError)
def mul_a_leaf_by_a_tensor_that_requires_grad(B):
    w, u = _rg(B, [1.0, 2.0]), _rg(B, [3.0, 4.0])
    return [w, u], lambda: w.mul_(u)


@misuse("INPLACE-1", LeafInPlaceError, "inplace_views")
def indexed_assignment_into_a_leaf(B):
    w = _rg(B, [1.0, 2.0])

    def assign():
        w[0] = 5.0

    return [w], assign


@misuse("INPLACE-1", LeafInPlaceError, "inplace_views")
def in_place_through_a_view_of_a_leaf(B):
    w = _rg(B, [[1.0, 2.0], [3.0, 4.0]])
    return [w], lambda: w[0:1].mul_(2)


# ---------------------------------------------------------------------------- saved, then modified
@misuse("VERSION-2", SavedTensorModifiedError)
def operand_saved_by_mul_modified(B):
    x = _rg(B, [1.0, 2.0])
    y = x * 2
    z = (y * y).sum()
    y.add_(1)
    return [x, y, z], lambda: z.backward()


@misuse("VERSION-2", SavedTensorModifiedError)
def sigmoid_output_modified(B):
    x = _rg(B, [0.5, -1.0])
    s = B.sigmoid(x)
    loss = s.sum()
    s.mul_(2)
    return [x, s, loss], lambda: loss.backward()


@misuse("VERSION-2", SavedTensorModifiedError)
def saved_leaf_updated_under_no_grad(B):
    w = _rg(B, [1.0, 2.0])
    loss = (w * w).sum()
    with B.no_grad():
        w.add_(1)
    return [w, loss], lambda: loss.backward()


@misuse("VERSION-2", SavedTensorModifiedError)
def saved_tensor_modified_through_detach(B):
    x = _rg(B, [1.0, 2.0])
    e = x.exp()
    loss = e.sum()
    e.detach().zero_()
    return [x, e, loss], lambda: loss.backward()


@misuse("VERSION-2", SavedTensorModifiedError, "inplace_views")
def saved_output_modified_by_indexed_assignment(B):
    x = _rg(B, [1.0, 2.0])
    e = x.exp()
    loss = (e * 1).sum()

    def run():
        e[0] = 0.0
        loss.backward()

    return [x, loss], run


# ---------------------------------------------------------------------------- gradients for outputs
@misuse("BWD-2", NonScalarBackwardError)
def non_scalar_backward_without_gradient(B):
    x = _rg(B, [1.0, 2.0])
    y = x * 2
    return [x, y], lambda: y.backward()


@misuse("BWD-2", NonScalarBackwardError)
def non_scalar_grad_without_grad_outputs(B):
    x = _rg(B, [1.0, 2.0])
    y = x ** 2
    return [x, y], lambda: B.autograd.grad(y, x)


@misuse("BWD-2", NonScalarBackwardError)
def autograd_backward_of_a_vector_without_grad_tensors(B):
    x = _rg(B, [1.0, 2.0])
    y0, y1 = (x * 2).sum(), x * 3
    return [x, y0, y1], lambda: B.autograd.backward([y0, y1])


@misuse("BWD-3", GradientShapeError)
def gradient_of_the_wrong_shape(B):
    x = _rg(B, [1.0, 2.0, 3.0])
    y = x * 2
    g = B.ones(2)
    return [x, y, g], lambda: y.backward(g)


@misuse("BWD-3", GradientShapeError)
def gradient_of_shape_one_for_a_0d_output(B):
    x = _rg(B, [1.0, 2.0])
    y = (x * 2).sum()
    g = B.ones(1)
    return [x, y, g], lambda: y.backward(g)


@misuse("BWD-3", GradientShapeError)
def grad_outputs_of_the_wrong_shape(B):
    x = _rg(B, [1.0, 2.0])
    y = x * 2
    g = B.ones(3)
    return [x, y, g], lambda: B.autograd.grad(y, x, grad_outputs=g)


@misuse("BWD-3", TypeError)
def gradient_given_as_a_list(B):
    x = _rg(B, [1.0, 2.0])
    y = x * 2
    return [x, y], lambda: y.backward([1.0, 1.0])


@misuse("ACC-4", GradientShapeError)
def assigning_a_grad_of_the_wrong_shape(B):
    x = _rg(B, [1.0, 2.0])
    (x * 2).sum().backward()

    def assign():
        x.grad = B.zeros(3)

    return [x], assign


@misuse("ACC-4", RuntimeError, "float64")
def assigning_a_grad_of_the_wrong_dtype(B):
    x = _rg(B, [1.0, 2.0])

    def assign():
        x.grad = B.zeros(2, dtype=B.float64)

    return [x], assign


@misuse("ACC-4", TypeError)
def assigning_a_list_as_grad(B):
    x = _rg(B, [1.0, 2.0])

    def assign():
        x.grad = [0.0, 0.0]

    return [x], assign


@misuse("GRADT-3", GradientCountError)
def too_few_grad_tensors(B):
    x = _rg(B, [1.0, 2.0])
    y0, y1 = x * 2, x * 3
    return [x, y0, y1], lambda: B.autograd.backward([y0, y1], [B.ones(2)])


@misuse("GRADT-3", GradientCountError)
def too_few_grad_outputs(B):
    x = _rg(B, [1.0, 2.0])
    y0, y1 = x * 2, x * 3
    return [x, y0, y1], lambda: B.autograd.grad([y0, y1], x, grad_outputs=[B.ones(2)])


# ---------------------------------------------------------------------------- autograd.grad inputs
@misuse("AGRAD-2", UnusedInputError)
def grad_of_an_unused_input(B):
    x, u = _rg(B, 1.0), _rg(B, 1.0)
    y = x * 2
    return [x, u, y], lambda: B.autograd.grad(y, [x, u])


@misuse("AGRAD-2", UnusedInputError)
def grad_of_an_unused_non_leaf(B):
    x, u = _rg(B, 1.0), _rg(B, 1.0)
    h = u * 3
    y = x * 2
    return [x, u, h, y], lambda: B.autograd.grad(y, [x, h])


@misuse("AGRAD-3", NoGradPathError)
def grad_with_respect_to_a_tensor_that_does_not_require_grad(B):
    x, c = _rg(B, 1.0), B.tensor(1.0)
    y = x * c
    return [x, c, y], lambda: B.autograd.grad(y, [c])


@misuse("AGRAD-3", EmptyInputsError)
def grad_with_no_inputs(B):
    x = _rg(B, 1.0)
    y = x * 2
    return [x, y], lambda: B.autograd.grad(y, [])


@misuse("AGRAD-3", NoGradPathError)
def grad_of_an_output_that_does_not_require_grad(B):
    x, c = _rg(B, 1.0), B.tensor(2.0)
    return [x, c], lambda: B.autograd.grad(c * 2, [x])


@misuse("AGRAD-3", TypeError)
def grad_of_a_python_number(B):
    x = _rg(B, [1.0])
    return [x], lambda: B.autograd.grad(3.0, [x])


# ---------------------------------------------------------------------------- nothing to derive
@misuse("BWD-4", NoGradPathError)
def backward_of_a_plain_tensor(B):
    c = B.tensor([1.0, 2.0])
    return [c], lambda: c.sum().backward()


@misuse("BWD-4", NoGradPathError)
def backward_of_a_detached_tensor(B):
    x = _rg(B, [1.0, 2.0])
    d = (x * 2).detach()
    return [x, d], lambda: d.sum().backward()


@misuse("BWD-4", NoGradPathError)
def backward_of_a_result_computed_under_no_grad(B):
    x = _rg(B, [1.0, 2.0])
    with B.no_grad():
        y = (x * 2).sum()
    return [x, y], lambda: y.backward()


@misuse("BWD-7", EmptyInputsError, "backward_inputs")
def backward_with_empty_inputs(B):
    x = _rg(B, [1.0, 2.0])
    y = (x * 2).sum()
    return [x, y], lambda: y.backward(inputs=[])


@misuse("BWD-7", NoGradPathError, "backward_inputs")
def backward_inputs_that_do_not_require_grad(B):
    x, c = _rg(B, [1.0, 2.0]), B.tensor([1.0, 1.0])
    y = (x * c).sum()
    return [x, c, y], lambda: y.backward(inputs=[c])


@misuse("HIGHER-4", NoGradPathError)
def second_derivative_of_a_linear_function(B):
    x = _rg(B, [1.0, 2.0])
    (g,) = B.autograd.grad((x * 3).sum(), x, create_graph=True)
    return [x, g], lambda: B.autograd.grad(g.sum(), x)


@misuse("HIGHER-3", NoGradPathError)
def differentiating_a_gradient_computed_without_create_graph(B):
    x = _rg(B, 2.0)
    (g,) = B.autograd.grad(x ** 3, x)
    return [x, g], lambda: B.autograd.grad(g, x)


# ---------------------------------------------------------------------------- requires_grad
@misuse("LEAF-5", RequiresGradDtypeError)
def integer_tensor_that_requires_grad(B):
    return [], lambda: B.tensor([1, 2], requires_grad=True)


@misuse("LEAF-5", RequiresGradDtypeError)
def integer_zeros_that_require_grad(B):
    return [], lambda: B.zeros(2, dtype=B.int64, requires_grad=True)


@misuse("LEAF-5", RequiresGradDtypeError)
def requires_grad_on_an_integer_tensor(B):
    t = B.tensor([1, 2])
    return [t], lambda: t.requires_grad_()


@misuse("LEAF-5", RequiresGradDtypeError)
def requires_grad_attribute_on_a_bool_tensor(B):
    t = B.tensor([True, False])

    def set_flag():
        t.requires_grad = True

    return [t], set_flag


@misuse("LEAF-5", TypeError)
def requires_grad_given_a_string(B):
    t = B.tensor([1.0, 2.0])
    return [t], lambda: t.requires_grad_("yes")


@misuse("LEAF-6", NonLeafRequiresGradError)
def requires_grad_attribute_off_on_a_non_leaf(B):
    x = _rg(B, [1.0])
    y = x * 2

    def set_flag():
        y.requires_grad = False

    return [x, y], set_flag


@misuse("LEAF-6", NonLeafRequiresGradError)
def requires_grad_method_off_on_a_non_leaf(B):
    x = _rg(B, [1.0])
    y = x * 2
    return [x, y], lambda: y.requires_grad_(False)


@misuse("RETAINGRAD-2", NoGradPathError)
def retain_grad_on_a_tensor_that_does_not_require_grad(B):
    c = B.tensor([1.0, 2.0])
    return [c], lambda: c.retain_grad()


# ---------------------------------------------------------------------------- hooks
@misuse("HOOK-5", NoGradPathError)
def hook_on_a_tensor_that_does_not_require_grad(B):
    c = B.tensor([1.0, 2.0])
    return [c], lambda: c.register_hook(lambda g: g)


@misuse("HOOK-5", GradientShapeError, "hooks")
def hook_that_changes_the_gradient_shape(B):
    x = _rg(B, [1.0, 2.0])
    x.register_hook(lambda g: B.ones(3))
    y = (x * 2).sum()
    return [x, y], lambda: y.backward()


@misuse("HOOK-5", TypeError, "hooks")
def hook_that_returns_a_number(B):
    x = _rg(B, [1.0, 2.0])
    x.register_hook(lambda g: 1.0)
    y = (x * 2).sum()
    return [x, y], lambda: y.backward()


# ---------------------------------------------------------------------------- leaving autograd
@misuse("DETACH-3", DetachRequiredError)
def numpy_of_a_tensor_that_requires_grad(B):
    x = _rg(B, [1.0, 2.0])
    return [x], lambda: x.numpy()


@misuse("DETACH-3", RuntimeError)
def item_of_several_elements(B):
    x = _rg(B, [1.0, 2.0])
    return [x], lambda: x.item()


@misuse("DETACH-3", ValueError)
def float_of_several_elements(B):
    x = B.tensor([1.0, 2.0])
    return [x], lambda: float(x)


@misuse("DETACH-2", RuntimeError)
def detach_in_place_of_a_view(B):
    x = _rg(B, [1.0, 2.0])
    y = x * 1
    v = y[0:1]
    return [x, y, v], lambda: v.detach_()


# ---------------------------------------------------------------------------- shapes and arguments
@misuse("ERR-1", RuntimeError)
def matmul_of_mismatched_shapes(B):
    a, b = _rg(B, [[1.0, 2.0, 3.0]]), _rg(B, [[1.0, 2.0, 3.0]])
    return [a, b], lambda: a @ b


@misuse("ERR-1", RuntimeError, "float64")
def matmul_of_mixed_dtypes(B):
    # matrix products do not promote, unlike elementwise ops (fuzzer seed 19079)
    a = _rg(B, [[1.0, 1.0]])
    b = B.tensor([[0.0, 2.0], [-0.5, 1.5]], dtype=B.float64, requires_grad=True)
    return [a, b], lambda: a @ b


@misuse("ERR-1", RuntimeError)
def cat_of_mismatched_shapes(B):
    a, b = _rg(B, [[1.0, 2.0]]), _rg(B, [[1.0], [2.0]])
    return [a, b], lambda: B.cat([a, b], dim=0)


@misuse("ERR-1", RuntimeError)
def cat_of_0d_tensors(B):
    a, b = _rg(B, 1.0), _rg(B, 2.0)
    return [a, b], lambda: B.cat([a, b])


@misuse("ERR-1", RuntimeError)
def stack_of_different_shapes(B):
    a, b = _rg(B, [1.0, 2.0]), _rg(B, [1.0, 2.0, 3.0])
    return [a, b], lambda: B.stack([a, b])


@misuse("ERR-1", RuntimeError)
def add_of_shapes_that_do_not_broadcast(B):
    a, b = _rg(B, [[1.0, 2.0, 3.0]]), _rg(B, [1.0, 2.0])
    return [a, b], lambda: a + b


@misuse("ERR-1", RuntimeError)
def where_of_shapes_that_do_not_broadcast(B):
    a, b = _rg(B, [1.0, 2.0, 3.0]), _rg(B, [1.0, 2.0])
    return [a, b], lambda: B.where(b > 0, a, b)


@misuse("ERR-1", RuntimeError, "inplace")
def in_place_op_that_would_grow_its_target(B):
    x = _rg(B, [1.0, 2.0, 3.0])
    y = x * 1
    big = B.ones(2, 3)
    return [x, y, big], lambda: y.add_(big)


@misuse("ERR-1", RuntimeError)
def view_of_a_transposed_tensor(B):
    x = _rg(B, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    t = x.t()
    return [x], lambda: t.view(6)


@misuse("ERR-1", RuntimeError)
def reshape_to_a_different_size(B):
    x = _rg(B, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    return [x], lambda: x.reshape(4, 2)


@misuse("ERR-1", IndexError)
def index_out_of_range(B):
    x = _rg(B, [1.0, 2.0, 3.0])
    return [x], lambda: x[5]


@misuse("ERR-1", IndexError)
def sum_over_a_missing_dim(B):
    x = _rg(B, [1.0, 2.0, 3.0])
    return [x], lambda: x.sum(dim=2)


@misuse("ERR-1", TypeError)
def tensor_from_a_string(B):
    return [], lambda: B.tensor("abc")


@misuse("ERR-1", TypeError)
def adding_a_string(B):
    x = _rg(B, [1.0, 2.0])
    return [x], lambda: x + "1"


# ---------------------------------------------------------------------------- asked to be warned
@misuse("ERR-2", AnomalyError, "anomaly")
def nan_in_backward_under_anomaly_mode(B):
    x = _rg(B, [0.0, 1.0])
    y = (B.sqrt(x) * 0).sum()  # sqrt's derivative at 0 is inf; inf * 0 is NaN

    def run():
        with B.autograd.detect_anomaly():
            y.backward()

    return [x, y], run


# ---------------------------------------------------------------------------- the test
def _state(t: Any) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reading a non-leaf's .grad warns on torch
        g = t.grad
    return {"value": t.tolist(), "version": t._version, "requires_grad": t.requires_grad,
            "is_leaf": t.is_leaf, "grad": None if g is None else g.tolist()}


def _params() -> list[Any]:
    return [pytest.param(c, id=c.name, marks=[pytest.mark.clause(c.clause),
                                              pytest.mark.requires(*c.requires)])
            for c in CASES]


@pytest.mark.parametrize("case", _params())
def test_misuse_raises_its_kind_and_changes_nothing(backend, case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # anomaly mode and NaN math warn on some backends
        watched, action = case.build(backend)
        before = [_state(t) for t in watched]
        if issubclass(case.kind, errors.AutogradError):
            with raises_kind(backend, case.kind):
                action()
        else:
            with pytest.raises(case.kind):
                action()
    assert [_state(t) for t in watched] == before
