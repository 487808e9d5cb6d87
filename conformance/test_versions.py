"""VERSION: version counters and the detection of modified saved tensors.

Every tensor counts its in-place modifications in ``_version``; views and ``detach()`` results
share the counter of the data they alias.  A node that saved a tensor for backward remembers the
version it saw, and the backward that needs the tensor fails if it changed: the error is raised
at backward time, not at the in-place op, and only by nodes that actually saved the tensor.
"""

import math

import pytest

from gradspec.conformance.helpers import assert_close, raises_kind
from gradspec.errors import SavedTensorModifiedError


# ---------------------------------------------------------------------------- VERSION-1
@pytest.mark.clause("VERSION-1")
def test_new_tensors_start_at_version_zero(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    assert x._version == 0
    assert backend.zeros(3)._version == 0
    assert (x * 2)._version == 0
    assert backend.exp(x)._version == 0


@pytest.mark.clause("VERSION-1")
def test_each_in_place_op_increments_the_version(backend):
    c = backend.zeros(3)
    c.add_(1)
    assert c._version == 1
    c.mul_(2)
    assert c._version == 2
    c.sub_(1)
    c.div_(2)
    assert c._version == 4
    c.fill_(3.0)
    c.zero_()
    c.copy_(backend.ones(3))
    assert c._version == 7
    c += 1
    c *= 2
    assert c._version == 9
    assert c.tolist() == [4.0, 4.0, 4.0]


@pytest.mark.clause("VERSION-1")
@pytest.mark.requires("inplace_views")
def test_indexed_assignment_increments_the_version(backend):
    c = backend.zeros(3)
    c[0] = 1.0
    assert c._version == 1
    c[c > 0] = 2.0
    assert c._version == 2
    c[1:] = backend.tensor([4.0, 5.0])
    assert c._version == 3
    assert c.tolist() == [2.0, 4.0, 5.0]


@pytest.mark.clause("VERSION-1")
def test_out_of_place_ops_do_not_change_versions(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y.add_(1)
    z = y * 3 + backend.exp(y)
    assert y._version == 1 and x._version == 0
    # a result of a modified tensor is new data with its own counter
    assert z._version == 0


@pytest.mark.clause("VERSION-1")
def test_views_and_detached_tensors_share_the_counter(backend):
    x = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    v = y[1:]
    d = y.detach()
    d.add_(1)
    assert (y._version, v._version, d._version) == (1, 1, 1)
    v.mul_(2)
    assert (y._version, v._version, d._version) == (2, 2, 2)
    y.add_(1)
    assert (y._version, v._version, d._version) == (3, 3, 3)
    assert y.tolist() == [3.0, 7.0, 9.0]
    assert x._version == 0


@pytest.mark.clause("VERSION-1")
def test_detached_leaf_shares_the_leaf_counter(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    d.mul_(3)  # allowed: d does not require grad
    assert x._version == 1 and d._version == 1
    assert x.tolist() == [3.0, 6.0]


@pytest.mark.clause("VERSION-1")
def test_clone_has_its_own_counter(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    c = y.clone()
    y.add_(1)
    assert y._version == 1 and c._version == 0
    c.mul_(2)
    assert y._version == 1 and c._version == 1


# ---------------------------------------------------------------------------- VERSION-2
@pytest.mark.clause("VERSION-2")
def test_modified_mul_operand_raises_at_backward(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y
    y.add_(1)  # no error yet: the check belongs to backward
    assert y.tolist() == [3.0, 5.0]
    loss = z.sum()
    with raises_kind(backend, SavedTensorModifiedError):
        loss.backward()
    assert x.grad is None
    assert y.tolist() == [3.0, 5.0] and y._version == 1


@pytest.mark.clause("VERSION-2")
def test_autograd_grad_detects_modified_saved_tensor(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y
    y.add_(1)
    with raises_kind(backend, SavedTensorModifiedError):
        backend.autograd.grad(z.sum(), x)


@pytest.mark.clause("VERSION-2")
@pytest.mark.parametrize("fn", [
    pytest.param(lambda b, x: b.sigmoid(x), id="sigmoid"),
    pytest.param(lambda b, x: b.exp(x), id="exp"),
])
def test_ops_saving_their_output_detect_its_modification(backend, fn):
    x = backend.tensor([0.5, 1.0], requires_grad=True)
    out = fn(backend, x)
    loss = out.sum()
    out.mul_(2)
    with raises_kind(backend, SavedTensorModifiedError):
        loss.backward()
    assert x.grad is None


@pytest.mark.clause("VERSION-2")
def test_pow_detects_modified_input(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    p = a ** 2
    a.mul_(3)
    with raises_kind(backend, SavedTensorModifiedError):
        p.sum().backward()
    assert x.grad is None


@pytest.mark.clause("VERSION-2")
def test_modified_constant_operand_is_detected(backend):
    # mul saves its constant operand: it is the derivative with respect to x.
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    c = backend.tensor([3.0, 4.0])
    p = x * c
    c.add_(1)
    with raises_kind(backend, SavedTensorModifiedError):
        p.sum().backward()
    assert x.grad is None


@pytest.mark.clause("VERSION-2")
def test_leaf_updated_under_no_grad_before_backward(backend):
    w = backend.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with backend.no_grad():
        w.add_(1)
    with raises_kind(backend, SavedTensorModifiedError):
        loss.backward()
    assert w.grad is None and w.tolist() == [2.0, 3.0]


@pytest.mark.clause("VERSION-2", "VERSION-1")
def test_modification_through_detached_alias_is_detected(backend):
    x = backend.tensor([0.5, 1.0], requires_grad=True)
    e = backend.exp(x)
    e.detach().zero_()
    assert e.tolist() == [0.0, 0.0]
    with raises_kind(backend, SavedTensorModifiedError):
        e.sum().backward()


@pytest.mark.clause("VERSION-2", "INPLACE-5")
@pytest.mark.requires("inplace_views")
def test_modification_through_view_is_detected(backend):
    x = backend.tensor([0.5, 1.0], requires_grad=True)
    e = backend.exp(x)
    loss = e.sum()
    e[0:1].mul_(2)
    with raises_kind(backend, SavedTensorModifiedError):
        loss.backward()


@pytest.mark.clause("VERSION-2")
def test_node_that_saved_nothing_does_not_raise(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    p = a + 3
    a.mul_(3)
    p.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


@pytest.mark.clause("VERSION-2")
def test_modifying_a_clone_does_not_raise(backend):
    x = backend.tensor([0.5, 1.0], requires_grad=True)
    e = backend.exp(x)
    c = e.clone()
    c.zero_()
    e.sum().backward()
    assert_close(x.grad, [math.exp(0.5), math.exp(1.0)])


@pytest.mark.clause("VERSION-2")
def test_only_the_backward_that_needs_the_tensor_raises(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    needs_y = y * y
    does_not = y + 1
    y.add_(1)
    # y + 1 saved nothing, and x * 2 saved only x, which is unchanged
    does_not.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    with raises_kind(backend, SavedTensorModifiedError):
        needs_y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


@pytest.mark.clause("VERSION-2")
def test_recomputing_after_modification_works(backend):
    # The usual fix: build the graph from the modified tensor, not before the modification.
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.add_(1)
    z = y * y
    z.sum().backward()
    # z = (2x + 1)^2 -> dz/dx = 4 (2x + 1)
    assert x.grad.tolist() == [12.0, 20.0]
