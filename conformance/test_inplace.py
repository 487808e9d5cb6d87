"""INPLACE: in-place operations.

A leaf that requires grad must not be modified in place in grad mode (its value is where its
gradient is defined); under ``no_grad`` it may be, which is how parameters are updated.  Non-leaf
tensors may be modified in place, directly, by indexed assignment or through a view, and the
graph must follow so that gradients stay right.
"""

import warnings

import pytest

from gradspec.conformance.helpers import assert_close, op_name, raises_kind
from gradspec.errors import LeafInPlaceError

_VIEWS = pytest.mark.requires("inplace_views")


def _copy(backend, t):
    t.copy_(backend.tensor([7.0, 8.0]))


def _iadd(backend, t):
    t += 1


def _isub(backend, t):
    t -= 1


def _imul(backend, t):
    t *= 2


def _idiv(backend, t):
    t /= 2


def _iadd_tensor(backend, t):
    t += backend.tensor([10.0, 20.0])


def _setitem_int(backend, t):
    t[0] = 5.0


def _setitem_slice(backend, t):
    t[0:1] = 5.0


def _setitem_mask(backend, t):
    t[t > 1.5] = 0.0


def _setitem_index_tensor(backend, t):
    t[backend.tensor([0])] = 5.0


# (id, mutation of a 2-element tensor holding [1, 2], its value afterwards, marks)
_OPS = [
    ("add_", lambda b, t: t.add_(1), [2.0, 3.0], ()),
    ("sub_", lambda b, t: t.sub_(1), [0.0, 1.0], ()),
    ("mul_", lambda b, t: t.mul_(2), [2.0, 4.0], ()),
    ("div_", lambda b, t: t.div_(2), [0.5, 1.0], ()),
    ("zero_", lambda b, t: t.zero_(), [0.0, 0.0], ()),
    ("fill_", lambda b, t: t.fill_(5.0), [5.0, 5.0], ()),
    ("copy_", _copy, [7.0, 8.0], ()),
    ("iadd", _iadd, [2.0, 3.0], ()),
    ("isub", _isub, [0.0, 1.0], ()),
    ("imul", _imul, [2.0, 4.0], ()),
    ("idiv", _idiv, [0.5, 1.0], ()),
    ("iadd_tensor", _iadd_tensor, [11.0, 22.0], ()),
    ("setitem_int", _setitem_int, [5.0, 2.0], (_VIEWS,)),
    ("setitem_slice", _setitem_slice, [5.0, 2.0], (_VIEWS,)),
    ("setitem_mask", _setitem_mask, [1.0, 0.0], (_VIEWS,)),
    ("setitem_index_tensor", _setitem_index_tensor, [5.0, 2.0], (_VIEWS,)),
    ("slice_mul_", lambda b, t: t[0:1].mul_(2), [2.0, 2.0], (_VIEWS,)),
    ("select_fill_", lambda b, t: t[1].fill_(3.0), [1.0, 3.0], (_VIEWS,)),
    ("view_add_", lambda b, t: t.view(2).add_(1), [2.0, 3.0], (_VIEWS,)),
    ("view_2d_mul_", lambda b, t: t.view(1, 2).mul_(2), [2.0, 4.0], (_VIEWS,)),
]
_OP_PARAMS = [pytest.param(fn, after, id=name, marks=marks) for name, fn, after, marks in _OPS]


def _leaf_with_grad(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    return x


# ---------------------------------------------------------------------------- INPLACE-1
@pytest.mark.clause("INPLACE-1")
@pytest.mark.parametrize("mutate, after", _OP_PARAMS)
def test_leaf_guard_raises_and_changes_nothing(backend, mutate, after):
    x = _leaf_with_grad(backend)
    with raises_kind(backend, LeafInPlaceError):
        mutate(backend, x)
    assert x.tolist() == [1.0, 2.0]
    assert x._version == 0
    assert x.grad.tolist() == [3.0, 3.0]
    assert x.is_leaf and x.requires_grad and x.grad_fn is None


@pytest.mark.clause("INPLACE-1")
def test_leaf_guard_keeps_grad_none(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    with raises_kind(backend, LeafInPlaceError):
        x.add_(1)
    assert x.grad is None and x.tolist() == [1.0, 2.0] and x._version == 0


@pytest.mark.clause("INPLACE-1")
def test_leaf_guard_applies_under_enable_grad_inside_no_grad(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    with backend.no_grad():
        with backend.enable_grad():
            with raises_kind(backend, LeafInPlaceError):
                x.mul_(2)
    assert x.tolist() == [1.0, 2.0] and x._version == 0


@pytest.mark.clause("INPLACE-1", "VERSION-1")
def test_in_place_on_leaf_without_requires_grad_is_allowed(backend):
    c = backend.tensor([1.0, 2.0])
    c.add_(1)
    c.mul_(2)
    assert c.tolist() == [4.0, 6.0]
    assert c._version == 2
    assert c.is_leaf and not c.requires_grad and c.grad_fn is None


# ---------------------------------------------------------------------------- INPLACE-2
@pytest.mark.clause("INPLACE-2")
@pytest.mark.parametrize("mutate, after", _OP_PARAMS)
def test_in_place_on_leaf_allowed_under_no_grad(backend, mutate, after):
    x = _leaf_with_grad(backend)
    with backend.no_grad():
        mutate(backend, x)
    assert x.tolist() == after
    assert x.is_leaf and x.requires_grad and x.grad_fn is None
    assert x._version == 1
    assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.clause("INPLACE-2")
def test_manual_sgd_updates_leaf_in_place(backend):
    w = backend.tensor([1.0, 2.0], requires_grad=True)
    lr = 0.1
    for step in range(1, 4):
        (w * w).sum().backward()
        with backend.no_grad():
            w -= lr * w.grad
        w.grad.zero_()
        assert w.is_leaf and w.requires_grad and w.grad_fn is None
        assert w._version == step
    # each step multiplies w by (1 - 2 lr)
    assert_close(w, [0.8 ** 3, 2 * 0.8 ** 3])


@pytest.mark.clause("INPLACE-2")
def test_updated_leaf_keeps_accumulating(backend):
    w = backend.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with backend.no_grad():
        w -= 0.5 * w.grad  # w becomes [0, 0]
    (w * 3).sum().backward()
    assert w.tolist() == [0.0, 0.0]
    assert w.grad.tolist() == [2.0 + 3.0, 4.0 + 3.0]


@pytest.mark.clause("INPLACE-2", "LEAF-3")
def test_out_of_place_update_makes_a_non_leaf(backend):
    w0 = backend.tensor([1.0, 2.0], requires_grad=True)
    (w0 * w0).sum().backward()
    w = w0 - 0.1 * w0.grad  # the classic mistake: no no_grad, no in-place update
    assert not w.is_leaf and w.requires_grad and w.grad_fn is not None
    assert_close(w, [0.8, 1.6])
    (w * w).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert w.grad is None
    # the gradient went through w to the original leaf instead
    assert_close(w0.grad, [2.0 + 1.6, 4.0 + 3.2])


# ---------------------------------------------------------------------------- INPLACE-3
@pytest.mark.clause("INPLACE-3")
def test_in_place_chain_on_non_leaf(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    assert y.add_(1) is y
    assert y._version == 1
    assert y.mul_(3) is y
    assert y._version == 2
    assert y.tolist() == [6.0, 9.0]
    assert not y.is_leaf and y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.clause("INPLACE-3", "GRAPH-2")
def test_grad_fn_becomes_the_in_place_node(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    assert op_name(y.grad_fn) == "Mul"
    y.add_(1)
    assert op_name(y.grad_fn) == "Add"
    y.mul_(3)
    assert op_name(y.grad_fn) == "Mul"


@pytest.mark.clause("INPLACE-3")
def test_in_place_with_argument_requiring_grad(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y.mul_(x)  # y = x**2, so the gradient needs y's value before the update
    assert y.tolist() == [1.0, 4.0]
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


@pytest.mark.clause("INPLACE-3")
def test_sub_and_div_in_place_gradients(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.sub_(x)  # y = x
    z = x * 4
    z.div_(2)  # z = 2x
    (y + z).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.clause("INPLACE-3")
def test_zero_and_fill_cut_the_old_value(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.zero_()
    z = x * 5
    z.fill_(3.0)
    assert y.tolist() == [0.0, 0.0] and z.tolist() == [3.0, 3.0]
    (y + z + x).sum().backward()
    # only the direct path from x survives
    assert x.grad.tolist() == [1.0, 1.0]


@pytest.mark.clause("INPLACE-3")
def test_copy_routes_gradient_to_source(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    s = backend.tensor([1.0, 1.0], requires_grad=True)
    y = x * 2
    y.copy_(s * 3)
    assert y.tolist() == [3.0, 3.0]
    (y * backend.tensor([1.0, 2.0])).sum().backward()
    assert s.grad.tolist() == [3.0, 6.0]
    # y's old value was overwritten entirely: zero gradient (torch materialises the zeros).
    assert x.grad is None or x.grad.tolist() == [0.0, 0.0]


@pytest.mark.clause("INPLACE-3", "LEAF-3")
@pytest.mark.parametrize("how", ["add_", "iadd", "mul_", "copy_"])
def test_in_place_with_tracked_argument_makes_plain_tensor_a_non_leaf(backend, how):
    r = backend.tensor([1.0, 2.0], requires_grad=True)
    c = backend.ones(2)
    if how == "add_":
        c.add_(r)
    elif how == "iadd":
        c += r
    elif how == "mul_":
        c.mul_(r)
    else:
        c.copy_(r)
    assert c.requires_grad and not c.is_leaf and c.grad_fn is not None
    (c * backend.tensor([3.0, 4.0])).sum().backward()
    # d c / d r is 1 for add and copy, and c's old value (ones) for mul
    assert r.grad.tolist() == [3.0, 4.0]


@pytest.mark.clause("INPLACE-3", "GRAPH-2")
def test_plain_tensor_add_of_tracked_tensor_is_add_node(backend):
    r = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = backend.zeros(3)
    c.add_(r)
    assert op_name(c.grad_fn) == "Add"
    assert c.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.clause("INPLACE-3", "LEAF-2")
def test_in_place_with_untracked_argument_keeps_plain_leaf(backend):
    c = backend.ones(2)
    c.add_(backend.tensor([1.0, 2.0]))
    assert c.is_leaf and not c.requires_grad and c.grad_fn is None


# ---------------------------------------------------------------------------- INPLACE-4
@pytest.mark.clause("INPLACE-4")
def test_assigned_constant_gets_zero_gradient(backend):
    x = backend.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 2
    y[0, 0] = 100.0
    assert y.tolist() == [[100.0, 4.0], [6.0, 8.0]]
    assert not y.is_leaf and y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [[0.0, 2.0], [2.0, 2.0]]


@pytest.mark.clause("INPLACE-4")
def test_assigned_tracked_value_receives_gradient(backend):
    x = backend.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    s = backend.tensor(1.0, requires_grad=True)
    y = x * 2
    y[1, 1] = s * 3
    assert y.tolist() == [[2.0, 4.0], [6.0, 3.0]]
    y.sum().backward()
    assert s.grad.item() == 3.0
    assert x.grad.tolist() == [[2.0, 2.0], [2.0, 0.0]]


@pytest.mark.clause("INPLACE-4")
def test_assigning_tracked_value_into_plain_tensor(backend):
    s = backend.tensor(2.0, requires_grad=True)
    c = backend.zeros(3)
    c[0] = s
    assert c.requires_grad and not c.is_leaf and c.grad_fn is not None
    assert c.tolist() == [2.0, 0.0, 0.0]
    c.sum().backward()
    assert s.grad.item() == 1.0


@pytest.mark.clause("INPLACE-4")
def test_boolean_mask_assignment_of_constant(backend):
    x = backend.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x * 2
    y[x > 2] = 0.0
    assert y.tolist() == [2.0, 4.0, 0.0, 0.0]
    (y * backend.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 0.0, 0.0]


@pytest.mark.clause("INPLACE-4")
def test_boolean_mask_assignment_of_tracked_scalar(backend):
    x = backend.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    s = backend.tensor(9.0, requires_grad=True)
    y = x * 2
    y[x > 2] = s
    assert y.tolist() == [2.0, 4.0, 9.0, 9.0]
    (y * backend.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    # s was broadcast into two slots; their gradients sum
    assert s.grad.item() == 7.0
    assert x.grad.tolist() == [2.0, 4.0, 0.0, 0.0]


@pytest.mark.clause("INPLACE-4")
def test_integer_index_assignment(backend):
    x = backend.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = backend.tensor([10.0, 20.0], requires_grad=True)
    y = x * 2
    y[backend.tensor([0, 2])] = v
    assert y.tolist() == [10.0, 4.0, 20.0, 8.0]
    (y * backend.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert v.grad.tolist() == [1.0, 3.0]
    assert x.grad.tolist() == [0.0, 4.0, 0.0, 8.0]


@pytest.mark.clause("INPLACE-4")
def test_slice_assignment(backend):
    x = backend.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = backend.tensor([10.0, 20.0], requires_grad=True)
    y = x * 2
    y[1:3] = v
    assert y.tolist() == [2.0, 10.0, 20.0, 8.0]
    (y * backend.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert v.grad.tolist() == [2.0, 3.0]
    assert x.grad.tolist() == [2.0, 0.0, 0.0, 8.0]


# ---------------------------------------------------------------------------- INPLACE-5
@pytest.mark.clause("INPLACE-5")
def test_in_place_through_slice_updates_base(backend):
    x = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    v = y[:2]
    v.mul_(10)
    assert y.tolist() == [20.0, 40.0, 6.0]
    assert v.tolist() == [20.0, 40.0]
    y.sum().backward()
    assert x.grad.tolist() == [20.0, 20.0, 2.0]


@pytest.mark.clause("INPLACE-5")
@pytest.mark.parametrize("make_view", [
    pytest.param(lambda y: y.view(2, 2), id="view"),
    # reshape of a contiguous tensor is a view in torch (and in numpy)
    pytest.param(lambda y: y.reshape(2, 2), id="reshape"),
])
def test_in_place_through_view_or_reshape_updates_base(backend, make_view):
    x = backend.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x * 2
    make_view(y).mul_(backend.tensor([[1.0], [3.0]]))
    assert y.tolist() == [2.0, 4.0, 18.0, 24.0]
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 6.0, 6.0]


@pytest.mark.clause("INPLACE-5")
@pytest.mark.parametrize("transpose", [
    pytest.param(lambda y: y.transpose(0, 1), id="transpose"),
    pytest.param(lambda y: y.t(), id="t"),
])
def test_in_place_through_transpose_updates_base(backend, transpose):
    x = backend.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x * 2
    tv = transpose(y)
    tv[0].mul_(10)  # row 0 of the transpose is column 0 of y
    assert y.tolist() == [[20.0, 4.0, 6.0], [80.0, 10.0, 12.0]]
    y.sum().backward()
    assert x.grad.tolist() == [[20.0, 2.0, 2.0], [20.0, 2.0, 2.0]]


@pytest.mark.clause("INPLACE-5")
def test_in_place_through_view_with_tracked_argument(backend):
    x = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    s = backend.tensor(1.0, requires_grad=True)
    y = x * 2
    y[:2].add_(s)
    assert y.tolist() == [3.0, 5.0, 6.0]
    y.sum().backward()
    assert s.grad.item() == 2.0
    assert x.grad.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.clause("INPLACE-5", "INPLACE-4")
def test_assignment_into_a_view_updates_base(backend):
    x = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    s = backend.tensor(5.0, requires_grad=True)
    y = x * 2
    v = y[1:]
    v[0] = s
    assert y.tolist() == [2.0, 5.0, 6.0]
    (y * backend.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert s.grad.item() == 2.0
    assert x.grad.tolist() == [2.0, 0.0, 6.0]
