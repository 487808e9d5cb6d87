"""In-place writes through views, as ordinary PyTorch code makes them, against torch 2.13:
augmented assignment into a subscript (``x[0] += w``: Python reads the view, updates it in
place, then assigns it back to the same region) must keep the update in the graph."""

from __future__ import annotations

import numpy as np
import pytest

from support import load_or_skip


@pytest.fixture(params=["numpy", "strict"])
def B(request):
    return load_or_skip(request.param)


def fill_rows(torch):
    w = torch.ones(3, requires_grad=True)
    x = torch.zeros(2, 3)
    x[0] += w * 2
    x.sum().backward()
    return [w.grad, x.requires_grad]


def scale_column(torch):
    w = torch.arange(6.0).reshape(2, 3).clone().requires_grad_()
    a = w.clone()
    a[:, 2] *= 3
    a.sum().backward()
    return [w.grad]


def add_a_scalar_tensor(torch):
    c = torch.tensor(2.0, requires_grad=True)
    a = torch.ones(2, 3, requires_grad=True).clone()
    a[0] += c
    (a * 3).sum().backward()
    return [c.grad]


def view_updated_then_assigned(torch):
    w = torch.ones(3, requires_grad=True)
    x = torch.zeros(2, 3)
    v = x[0]
    v += w * 2
    x[0] = v
    x.sum().backward()
    return [w.grad]


def rows_in_a_loop(torch):
    q = torch.ones(4, requires_grad=True)
    y = torch.zeros(3, 4)
    for i in range(3):
        y[i] += q * (i + 1)
    (y ** 2).sum().backward()
    return [q.grad, y]


PROGRAMS = [fill_rows, scale_column, add_a_scalar_tensor, view_updated_then_assigned,
            rows_in_a_loop]


def same_as_torch(B, program):
    """``program`` on ``B`` and on torch: the same flags, and tensors of the same values."""
    torch = pytest.importorskip("torch")
    ours, theirs = program(B), program(torch)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        if isinstance(b, bool):
            assert a is b
        else:
            np.testing.assert_allclose(np.asarray(a.detach().tolist()),
                                       np.asarray(b.detach().tolist()))


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_augmented_assignment_into_a_subscript_like_pytorch(B, program):
    same_as_torch(B, program)


@pytest.mark.parametrize("make", [lambda t: t.arange(6.0).reshape(2, 3).requires_grad_(),
                                  lambda t: t.linspace(0, 1, 6).view(2, 3).requires_grad_()],
                         ids=["reshape", "view"])
def test_a_view_made_a_leaf_guards_its_own_views(B, make):
    """A leaf cut from another tensor and then made to require grad is the root of its views:
    writing through one in place is refused (PyTorch's RuntimeError), and its gradient stays
    right afterwards."""
    w = make(B)
    before = w.tolist()
    with pytest.raises(RuntimeError, match="^a view of a leaf Variable that requires grad"):
        w[0].mul_(2)
    assert w.tolist() == before and w.is_leaf
    (w * w).sum().backward()
    np.testing.assert_allclose(np.asarray(w.grad.tolist()), 2 * np.asarray(before), rtol=1e-6)


# -- in-place shape ops: the tensor keeps its identity and storage, its shape changes ----------
def shape_ops_in_a_chain(torch):
    x = torch.arange(6.0).reshape(2, 3).requires_grad_()
    y = x.clone()
    same = [y.unsqueeze_(0) is y, y.squeeze_() is y, y.t_() is y, y.transpose_(0, 1) is y,
            y.swapdims_(1, 0) is y, y.swapaxes_(0, 1) is y]
    weights = torch.arange(6.0).reshape(2, 3) + 1
    (y * weights).sum().backward()
    return [x.grad, y, all(same), tuple(y.shape) == (2, 3)]


def squeeze_by_dims(torch):
    x = torch.ones(1, 3, 1, requires_grad=True)
    a, b = x.clone(), x.clone()
    a.squeeze_(0)
    b.squeeze_((0, 2))
    (a.sum(1) * 2).sum().backward()
    (b * 3).sum().backward()
    return [x.grad, list(a.shape) == [3, 1], list(b.shape) == [3]]


def storage_shared_with_earlier_aliases(torch):
    a = torch.zeros(2, 3)
    alias = a.detach()
    a.unsqueeze_(0)
    a[0, 1, 2] = 5.0
    return [alias, tuple(alias.shape) == (2, 3), tuple(a.shape) == (1, 2, 3)]


def a_view_changes_shape(torch):
    x = torch.arange(6.0).reshape(2, 3).requires_grad_()
    y = x.clone()
    row = y[1]
    row.unsqueeze_(0)
    (row * torch.tensor([[1.0, 2.0, 3.0]])).sum().backward()
    return [x.grad, row._base is y, tuple(row.shape) == (1, 3)]


SHAPE_PROGRAMS = [shape_ops_in_a_chain, squeeze_by_dims, storage_shared_with_earlier_aliases,
                  a_view_changes_shape]


@pytest.mark.parametrize("program", SHAPE_PROGRAMS, ids=[p.__name__ for p in SHAPE_PROGRAMS])
def test_inplace_shape_ops_like_pytorch(B, program):
    same_as_torch(B, program)


@pytest.mark.parametrize("call, name", [
    (lambda y: y.unsqueeze_(0), "UnsqueezeBackward1"), (lambda y: y.squeeze_(), "SqueezeBackward3"),
    (lambda y: y.squeeze_(0), "SqueezeBackward4"), (lambda y: y.squeeze_((0,)), "SqueezeBackward5"),
    (lambda y: y.t_(), "TBackward1"), (lambda y: y.transpose_(0, 1), "TransposeBackward1")])
def test_inplace_shape_ops_name_their_nodes_and_move_the_version(B, call, name):
    y = B.ones(1, 3, requires_grad=True).clone()
    before = y._version
    call(y)
    assert y.grad_fn.name() == name and y._version == before + 1


def test_inplace_shape_ops_keep_pytorchs_guards(B):
    leaf = B.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad"):
        leaf.unsqueeze_(0)
    with pytest.raises(RuntimeError, match="^a view of a leaf Variable"):
        leaf[0].unsqueeze_(0)
    assert tuple(leaf.shape) == (2, 3)
    with pytest.raises(RuntimeError, match=r"^t_\(\) expects a tensor with <= 2 dimensions"):
        B.ones(2, 3, 4).t_()
    with B.no_grad():
        leaf.unsqueeze_(0)  # the optimizer's kind of update: allowed, the leaf stays a leaf
    assert tuple(leaf.shape) == (1, 2, 3) and leaf.is_leaf
    assert B.zeros(3)._base is None


# -- the outputs of split/chunk/unbind: several views of one call, not writable in grad mode ----
@pytest.mark.parametrize("make, words", [
    (lambda t, y: t.split(y, 2)[0], "Output 0 of Split is a view"),
    (lambda t, y: y.chunk(2)[1], "Output 1 of Split is a view"),
    (lambda t, y: y.split([1, 3])[1], "Output 1 of SplitWithSizes is a view"),
    (lambda t, y: y.unbind()[2], "Output 2 of Unbind is a view"),
], ids=["split", "chunk", "split-with-sizes", "unbind"])
def test_pieces_of_a_multi_view_call_refuse_in_place_writes(B, make, words):
    x = B.ones(4, requires_grad=True)
    y = x.clone()
    piece = make(B, y)
    with pytest.raises(RuntimeError, match=words + " and is being modified inplace"):
        piece.mul_(2)
    assert y.tolist() == [1.0, 1.0, 1.0, 1.0]  # refused before anything was written
    with B.no_grad():
        make(B, y).mul_(3)  # outside grad mode the write goes through, as in PyTorch
    clean = make(B, B.ones(4))  # a piece that needs no gradient may be written too
    clean.add_(1)
    assert clean.tolist() in ([2.0, 2.0], [2.0, 2.0, 2.0], 2.0)
    (make(B, y).clone() * 2).sum().backward()  # an out-of-place use differentiates
    assert x.grad is not None
