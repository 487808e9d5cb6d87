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


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_augmented_assignment_into_a_subscript_like_pytorch(B, program):
    torch = pytest.importorskip("torch")
    ours, theirs = program(B), program(torch)
    for a, b in zip(ours, theirs):
        if isinstance(b, bool):
            assert a == b
        else:
            np.testing.assert_allclose(np.asarray(a.detach().tolist()),
                                       np.asarray(b.detach().tolist()))


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
