"""The graph's nodes as PyTorch's ``torch.autograd.graph.Node``: ``register_prehook`` (on the
gradients arriving), ``register_hook`` (on the gradients leaving, which it may replace),
``metadata``, against torch's results for the same programs."""

from __future__ import annotations

import pytest

from support import load_or_skip


@pytest.fixture(params=["numpy", "strict"])
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch")


def _program(t):
    x = t.tensor([1.0, 2.0, 3.0], dtype=t.float64, requires_grad=True)
    w = t.tensor([0.5, -1.0, 2.0], dtype=t.float64, requires_grad=True)
    y = x * w
    seen = []
    pre = y.grad_fn.register_prehook(lambda go: seen.append(("pre", go[0].tolist())))
    post = y.grad_fn.register_hook(
        lambda gi, go: (seen.append(("post", [g.tolist() for g in gi], go[0].tolist())),
                        (gi[0] * 2, None))[1])
    y.grad_fn.metadata["tag"] = "mul"
    (y * y).sum().backward()
    first = (seen, x.grad.tolist(), w.grad, dict(y.grad_fn.metadata))
    pre.remove(), post.remove()
    x.grad = None
    (x * w).sum().backward()  # (a new graph: the removed hooks were on the old one anyway)
    b = x * 3
    b.grad_fn.register_prehook(lambda go: (go[0] * 10,))
    b.sum().backward()
    return first, x.grad.tolist()


def test_node_hooks_and_metadata_as_torchs(bk, T):
    (seen, gx, gw, meta), again = _program(bk)
    (t_seen, t_gx, t_gw, t_meta), t_again = _program(T)
    assert seen == t_seen and gx == t_gx and meta == t_meta == {"tag": "mul"}
    assert gw is None and t_gw is None  # the hook replaced the weight's gradient with None
    assert again == t_again


def test_a_hook_returning_the_wrong_thing_says_so(bk):
    y = bk.ones(2, requires_grad=True) * 2
    y.grad_fn.register_hook(lambda gi, go: gi[0])
    with pytest.raises(TypeError, match="where a tuple of 2 grad_inputs"):
        y.sum().backward()
    u = bk.ones(2, requires_grad=True) * 2
    u.grad_fn.register_hook(lambda gi, go: (gi[0],))
    with pytest.raises(RuntimeError, match=r"^hook '<lambda>' has returned an incorrect number "
                                           r"of values \(got 1, but expected 2\)"):
        u.sum().backward()
    z = bk.ones(2, requires_grad=True) * 2
    z.grad_fn.register_prehook(lambda go: (bk.ones(3),))
    with pytest.raises(RuntimeError, match="changed the size of a gradient from"):
        z.sum().backward()


def test_a_gradient_a_node_hook_kept_is_not_reused_by_the_walk(bk):
    # linear's weight gradient is a fresh array the walk may hand to .grad and later add into
    # in place; once a hook has seen it, it is the hook's as well: the next backward copies
    x, w = bk.ones(2, 3), bk.ones(4, 3, requires_grad=True)
    kept = []
    for _ in range(2):
        y = bk.nn.functional.linear(x, w)
        y.grad_fn.register_hook(lambda gi, go: kept.append(gi[1]))
        y.sum().backward()
    assert [k.tolist()[0] for k in kept] == [[2.0, 2.0, 2.0]] * 2
    assert w.grad.tolist()[0] == [4.0, 4.0, 4.0]
