"""gradspec.nn picks a backend's single-op forms (linear, binary_cross_entropy, cross_entropy) by
feature, keeps the composed forms for backends without them, and both agree with torch.nn.  The ops' own
gradients are judged by the conformance suite's op cases; here: their errors, and what nn does.
"""

from __future__ import annotations

import numpy as np
import pytest

import gradspec
from gradspec import nn
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.nn is the reference")


@pytest.fixture
def composed(monkeypatch):
    """Make nn see ``backend`` as one without the single-op forms."""

    def hide(backend):
        for name in ("linear", "binary_cross_entropy", "cross_entropy"):
            monkeypatch.setitem(nn.functional._FUSED, (backend, name), None)

    return hide


def host(t) -> np.ndarray:
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _logreg_step(backend, x, y, state, nn=nn):
    """The seeds' model, one step: ``nn`` is gradspec.nn on a backend, or torch.nn on torch."""
    linear = nn.Linear(3, 1, backend=backend) if nn.__name__ == "gradspec.nn" else nn.Linear(3, 1)
    model = nn.Sequential(linear, nn.Sigmoid())
    model.load_state_dict({k: backend.tensor(v) for k, v in state.items()})
    loss = nn.BCELoss()(model(backend.tensor(x)).squeeze(), backend.tensor(y))
    loss.backward()
    return loss, model


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "composed"])
def test_linear_and_bce_match_torch_either_way(bk, T, composed, fused):
    rng = np.random.default_rng(7)
    x = rng.normal(0, 1, (6, 3)).astype(np.float32)
    y = (rng.uniform(0, 1, 6) > 0.5).astype(np.float32)
    state = {"0.weight": rng.uniform(-0.5, 0.5, (1, 3)).astype(np.float32),
             "0.bias": np.array([0.1], dtype=np.float32)}
    if not fused:
        composed(bk)
    loss, model = _logreg_step(bk, x, y, state)
    ref_loss, ref = _logreg_step(T, x, y, state, nn=T.nn)
    top = loss.grad_fn.name()
    assert top == ("BinaryCrossEntropyBackward0" if fused else "MeanBackward0")
    assert loss.item() == pytest.approx(ref_loss.item(), rel=1e-6)
    for (name, p), (_, q) in zip(model.named_parameters(), ref.named_parameters()):
        np.testing.assert_allclose(host(p.grad), q.grad.numpy(), rtol=1e-5, atol=1e-7,
                                   err_msg=name)


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "composed"])
@pytest.mark.parametrize("kind", ["indices", "probabilities"])
def test_cross_entropy_matches_torch_either_way(bk, T, composed, fused, kind):
    rng = np.random.default_rng(5)
    x = rng.normal(0, 2, (4, 3)).astype(np.float32)
    target = (np.array([2, 0, 1, 2]) if kind == "indices"
              else rng.dirichlet(np.ones(3), 4).astype(np.float32))
    if not fused:
        composed(bk)
    xt, xr = bk.tensor(x, requires_grad=True), T.tensor(x, requires_grad=True)
    loss = nn.CrossEntropyLoss()(xt, bk.tensor(target))
    ref = T.nn.CrossEntropyLoss()(xr, T.tensor(target))
    # composed, the mean is the last op; fused, the node shows the name PyTorch's result ends in
    # (NllLoss for indices, a division for probabilities), so a printed loss reads the same
    if fused:
        assert loss.grad_fn.name() == ref.grad_fn.name()
    else:
        assert loss.grad_fn.name() == "MeanBackward0"
    assert loss.item() == pytest.approx(ref.item(), rel=1e-6)
    loss.backward()
    ref.backward()
    np.testing.assert_allclose(host(xt.grad), xr.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_cross_entropy_keeps_its_messages(bk, composed):
    scores = bk.tensor([[1.0, 2.0], [0.5, 0.1]])
    for hide in (False, True):
        if hide:
            composed(bk)
        with pytest.raises(IndexError, match="^Target 2 is out of bounds"):
            nn.CrossEntropyLoss()(scores, bk.tensor([0, 2]))
        with pytest.raises(IndexError, match="^Target -1 is out of bounds"):
            nn.CrossEntropyLoss()(scores, bk.tensor([-1, 0]))
        with pytest.raises(RuntimeError, match="class indices"):  # as PyTorch's
            nn.CrossEntropyLoss()(scores, bk.tensor([0.0, 1.0]))


def test_cross_entropy_picks_each_rows_class_at_any_batch_and_class_count(bk):
    # batches of changing size (each row's offset is kept per shape), and more classes than
    # the one-hot identity is kept for (the comparison path): the loss is the mean of each
    # row's -log_softmax at its class, its gradient softmax - onehot over the batch
    rng = np.random.default_rng(0)
    for n, classes in ((3, 4), (5, 4), (3, 4), (2, 300)):
        a = rng.standard_normal((n, classes))
        t = rng.integers(0, classes, n)
        t[0] = classes - 1
        x = bk.tensor(a.tolist(), requires_grad=True)
        loss = nn.functional.cross_entropy(x, bk.tensor(t.tolist()))
        log_p = a - a.max(1, keepdims=True)
        log_p -= np.log(np.exp(log_p).sum(1, keepdims=True))
        assert loss.item() == pytest.approx(-log_p[np.arange(n), t].mean(), rel=1e-5)
        loss.backward()
        want = np.exp(log_p)
        want[np.arange(n), t] -= 1
        np.testing.assert_allclose(host(x.grad), want / n, rtol=1e-4, atol=1e-6)
    scores = bk.zeros(2, 300)
    with pytest.raises(IndexError, match="^Target 300 is out of bounds"):
        nn.functional.cross_entropy(scores, bk.tensor([0, 300]))
    with pytest.raises(IndexError, match="^Target -2 is out of bounds"):
        nn.functional.cross_entropy(scores, bk.tensor([-2, 1]))


def _graph(fn):
    """A graph as nested (name, children), from next_functions."""
    if fn is None:
        return None
    return (fn.name(), [_graph(f) for f, _ in fn.next_functions])


@pytest.mark.parametrize("name", ["numpy", "strict"])
def test_linear_is_one_node_on_the_engine_shown_as_torchs_graph(name):
    # torch records addmm(bias, input, weight.t()), an N-d input flattened first and the result
    # viewed back; the engine computes it in one node and shows that graph in next_functions
    torch = pytest.importorskip("torch")
    bk = load_or_skip(name)
    for shape, bias, frozen in [((2, 3), True, ""), ((2, 3), False, ""), ((3,), True, ""),
                                ((3,), False, ""), ((2, 2, 3), True, ""), ((2, 2, 3), False, ""),
                                ((2, 3), True, "weight"), ((2, 3), True, "bias"),
                                ((2, 3), True, "input")]:
        graphs = []
        for t, layer_of in ((bk, lambda *a, **k: nn.Linear(*a, backend=bk, **k)),
                            (torch, torch.nn.Linear)):
            layer = layer_of(3, 2, bias=bias)
            if frozen and frozen != "input":
                getattr(layer, frozen).requires_grad_(False)
            x = t.ones(*shape, requires_grad=frozen != "input")
            out = layer(x)
            graphs.append(_graph(out.grad_fn))
            first, again = out.grad_fn.next_functions, out.grad_fn.next_functions
            assert all(a is b for (a, _), (b, _) in zip(first, again))  # the same nodes
            assert [type(f).__name__ for f, _ in first if f is not None] == [
                f.name().rsplit("::", 1)[-1] for f, _ in first if f is not None]
            for f, _ in first:
                assert f is None or repr(f).startswith(f"<{type(f).__name__} object at")
        assert graphs[0] == graphs[1], (shape, bias, frozen)


def test_bce_keeps_its_message_for_out_of_range_input(bk, composed):
    p, y = bk.tensor([0.5, 1.5]), bk.tensor([0.0, 1.0])
    with pytest.raises(RuntimeError, match="^all elements of input should be between 0 and 1"):
        nn.BCELoss()(p, y)
    composed(bk)
    with pytest.raises(RuntimeError, match="^all elements of input should be between 0 and 1"):
        nn.BCELoss()(p, y)


def test_bce_refuses_targets_outside_zero_one_and_nan_input_as_torch(bk):
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        nn.BCELoss()(bk.tensor([0.5, 0.5]), bk.tensor([0.0, 2.0]))
    with pytest.raises(RuntimeError, match="input should be between 0 and 1"):
        nn.BCELoss()(bk.tensor([float("nan"), 0.5]), bk.tensor([0.0, 1.0]))


def test_bce_gradient_is_torchs_at_saturated_probabilities(bk, T):
    # torch caps p (1 - p) at 1e-12: the gradient at p = 0 or 1 is huge but finite
    p = np.array([0.0, 1.0, 0.5], dtype=np.float32)
    y = np.array([1.0, 0.0, 1.0], dtype=np.float32)
    pt, pr = bk.tensor(p, requires_grad=True), T.tensor(p, requires_grad=True)
    nn.BCELoss(reduction="sum")(pt, bk.tensor(y)).backward()
    T.nn.BCELoss(reduction="sum")(pr, T.tensor(y)).backward()
    np.testing.assert_allclose(host(pt.grad), pr.grad.numpy(), rtol=1e-6)
    assert host(pt.grad)[0] == pytest.approx(-1e12, rel=1e-6)


@pytest.mark.parametrize("name", ["numpy", "strict"])
def test_engine_op_errors_say_what_to_fix(name):
    B = load_or_skip(name)
    p, y = B.tensor([0.2, 0.7]), B.tensor([0.0, 1.0])
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        B.binary_cross_entropy(p, y, reduction="avg")
    with pytest.raises(ValueError, match=r"target shape \(1,\) differs from input shape \(2,\)"):
        B.binary_cross_entropy(p, B.tensor([1.0]))
    with pytest.raises(RuntimeError, match="derivative for weight is not implemented"):
        B.binary_cross_entropy(p, y, B.tensor([1.0, 2.0], requires_grad=True))
    with pytest.raises(RuntimeError, match="one floating dtype"):
        B.binary_cross_entropy(p, B.tensor([0.0, 1.0], dtype=B.float64))
    with pytest.raises(IndexError, match="^Target 3 is out of bounds"):
        B.cross_entropy(B.tensor([[0.0, 1.0, 2.0]]), B.tensor([3]))
    with pytest.raises(RuntimeError, match=r"class indices of \w+ must be an int64"):  # as PyTorch
        B.cross_entropy(B.tensor([[0.0, 1.0, 2.0]]), B.tensor([0.5]))
    # probabilities of another floating dtype promote, as in PyTorch (log(2) - 1/2 + log(1 + e))
    mixed = B.cross_entropy(B.tensor([[0.0, 1.0]]), B.tensor([[0.5, 0.5]], dtype=B.float64))
    assert mixed.dtype == B.float64 and mixed.item() == pytest.approx(0.8132616875, rel=1e-6)
    x, w = B.tensor([[1.0, 2.0]]), B.tensor([[1.0, 2.0, 3.0]])
    with pytest.raises(RuntimeError, match=r"cannot be multiplied \(1x2 and 3x1\)"):
        B.linear(x, w)
    with pytest.raises(RuntimeError, match=r"bias must have shape \(1,\) or \(\)"):
        B.linear(x, B.tensor([[1.0, 2.0]]), B.tensor([1.0, 2.0]))


@pytest.mark.parametrize("dtypes", [("float64", "float32", "float32"),
                                    ("float32", "float32", "float64")])
def test_linear_refuses_mixed_dtypes_as_pytorch(dtypes):
    # PyTorch's addmm does not promote ("self and mat2 must have the same dtype")
    B = gradspec.load_backend("numpy")
    dx, dw, db = (getattr(B, d) for d in dtypes)
    x = B.tensor([[1.0, 2.0]], dtype=dx, requires_grad=True)
    w = B.tensor([[0.5, -1.0]], dtype=dw, requires_grad=True)
    with pytest.raises(RuntimeError, match="same dtype"):
        B.linear(x, w, B.tensor([0.25], dtype=db))
    assert x.grad is None and w.grad is None


@pytest.mark.parametrize("name", ["numpy", "strict"])
def test_a_gradient_kept_without_a_copy_is_nobody_elses(name):
    # linear's input and weight gradients are fresh products: leaves keep them as .grad, so
    # each must be its own array, and a hook that keeps the tensor it saw gets a copy instead
    B = load_or_skip(name)
    x = B.tensor([[1.0, 2.0]], requires_grad=True)
    w = B.tensor([[3.0, 4.0]], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g))
    B.linear(x, w).sum().backward()
    assert x.grad.tolist() == [[3.0, 4.0]] and w.grad.tolist() == [[1.0, 2.0]]
    w.grad.mul_(10)
    x.grad.mul_(10)
    assert seen[0].tolist() == [[3.0, 4.0]], "the hook's tensor must not be the kept .grad"
    B.linear(x, w).sum().backward()  # accumulates into the kept arrays
    assert x.grad.tolist() == [[33.0, 44.0]] and w.grad.tolist() == [[11.0, 22.0]]


@pytest.mark.parametrize("name", ["numpy", "strict"])
@pytest.mark.parametrize("rows", [None, 2], ids=["one sample", "a batch"])
def test_a_kept_bias_gradient_is_not_the_callers_gradient(name, rows):
    # the bias gradient is a new array a leaf keeps as .grad; for one sample it is the
    # incoming gradient's values, which must stay the caller's own
    B = load_or_skip(name)
    x = B.tensor([1.0, 2.0] if rows is None else [[1.0, 2.0]] * rows)
    w = B.tensor([[3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    b = B.tensor([0.5, -0.5], requires_grad=True)
    out = B.linear(x, w, b)
    g = B.ones_like(out) * 2
    out.backward(g)
    want = [2.0, 2.0] if rows is None else [4.0, 4.0]
    assert b.grad.tolist() == want
    b.grad.mul_(10)
    B.linear(x, w, b).backward(g)  # accumulates into the kept array, in place
    assert b.grad.tolist() == [v * 11 for v in want]
    assert g.tolist() == (B.ones_like(out) * 2).tolist(), "the caller's gradient changed"


def _relu_inputs(seed, special, size=8192):
    """Inputs and incoming gradients of ReLU, with infinities, NaN or values whose sum of
    squares overflows in the gradient, both kept and masked; the inputs hold a NaN (whose
    gradient PyTorch passes on), 0.0 and -0.0."""
    rng = np.random.default_rng(seed)
    xs = rng.standard_normal(size).astype(np.float32)
    gs = rng.standard_normal(size).astype(np.float32)
    if special == "inf":
        gs[:4] = [np.inf, -np.inf, np.inf, -np.inf]
    elif special == "nan":
        gs[:2] = np.nan
    elif special == "overflowing sum":
        gs[:] = 3e38
    xs[:7] = [1.0, -1.0, -2.0, 2.0, np.nan, 0.0, -0.0]  # inf/NaN both kept and masked
    gs[6] = -0.0
    return xs, gs


def _relu_grad(xs, gs):
    """PyTorch's threshold_backward(g, relu(x), 0): 0 where relu(x) <= 0, else g."""
    with np.errstate(invalid="ignore"):
        return np.where(np.maximum(xs, 0) <= 0, np.float32(0), gs)


def _same_bits(got, want):
    """Equal bit for bit: the sign of zero and NaN included."""
    np.testing.assert_array_equal(np.asarray(got).view(np.uint32), want.view(np.uint32))


@pytest.mark.parametrize("name", ["numpy", "strict"])
@pytest.mark.parametrize("special", ["finite", "inf", "nan", "overflowing sum"])
@pytest.mark.parametrize("size", [8, 8192])
def test_relu_gradient_is_pytorchs_threshold_backward_bit_for_bit(name, special, size):
    # the host's keep (the gradient's bits times the mask) must give where()'s answer, also
    # where g holds inf or NaN at masked positions (a float product would give NaN there),
    # and pass the gradient at a NaN input, as PyTorch does
    B = load_or_skip(name)
    xs, gs = _relu_inputs(0, special, size)
    x = B.tensor(xs, requires_grad=True)
    B.relu(x).backward(B.tensor(gs))
    _same_bits(B.to_numpy(x.grad), _relu_grad(xs, gs))
    assert B.to_numpy(x.grad)[4] == gs[4]  # the NaN input passes its gradient on


def _relu_into_linear(B, xs, gs):
    """``linear(relu(x), w)`` with ``w`` = ``gs``: relu's incoming gradient is ``gs``, made
    fresh by linear's backward (the walk's own array, which relu may write into)."""
    x = B.tensor(xs[None, :], requires_grad=True)
    y = B.relu(x)
    with np.errstate(all="ignore"):  # (numpy's matrix product warns at inf and NaN)
        return x, y, B.linear(y, B.tensor(gs[None, :]))


def _patched_away(monkeypatch, method):
    from gradspec.backends.engine.ops.unary import ReluBackward0

    def refuse(*args):
        raise AssertionError(f"ReluBackward0.{method} must not run here")

    monkeypatch.setattr(ReluBackward0, method, refuse)


@pytest.mark.parametrize("name", ["numpy", "strict"])
@pytest.mark.parametrize("special", ["finite", "inf", "nan", "overflowing sum"])
def test_relu_writing_into_the_walks_own_gradient_is_where_exactly(name, special,
                                                                   monkeypatch):
    # the gradient linear's backward makes is nobody else's: relu's backward_owned masks it
    # in place (where the namespace can), and must still give where()'s answer bit for bit
    B = load_or_skip(name)
    xs, gs = _relu_inputs(1, special)
    gs[4:7] = [2.5, 1.5, 0.5]  # (linear's backward makes gs * 1.0: a -0.0 would come out +0.0)
    _patched_away(monkeypatch, "backward")  # the owned path is the one taken
    x, _, out = _relu_into_linear(B, xs, gs)
    out.backward()
    _same_bits(B.to_numpy(x.grad)[0], _relu_grad(xs, gs))


@pytest.mark.parametrize("name", ["numpy", "strict"])
@pytest.mark.parametrize("keeper", ["hook", "retain_grad", "autograd.grad"])
def test_a_gradient_someone_keeps_is_not_written_over(name, keeper, monkeypatch):
    # a hook may keep the gradient it sees, retain_grad keeps it as .grad and grad() returns
    # it: relu must then leave its incoming gradient alone
    B = load_or_skip(name)
    rng = np.random.default_rng(2)
    xs = rng.standard_normal(8192).astype(np.float32)
    gs = rng.standard_normal(8192).astype(np.float32)
    _patched_away(monkeypatch, "backward_owned")
    x, y, out = _relu_into_linear(B, xs, gs)
    seen = []
    if keeper == "hook":
        y.register_hook(seen.append)
        out.backward()
        kept = seen[0]
    elif keeper == "retain_grad":
        y.retain_grad()
        out.backward()
        kept = y.grad
    else:
        kept, _ = B.autograd.grad(out, [y, x])
    np.testing.assert_array_equal(B.to_numpy(kept)[0], gs)


@pytest.mark.parametrize("name", ["numpy", "strict"])
def test_a_callers_gradient_is_not_written_over(name):
    # the gradient passed to backward() is the caller's: relu right below it must copy
    B = load_or_skip(name)
    xs = np.random.default_rng(4).standard_normal(8192).astype(np.float32)
    x = B.tensor(xs, requires_grad=True)
    g = B.ones_like(x) * 3
    B.relu(x).backward(g)
    assert B.to_numpy(g).tolist() == [3.0] * 8192
    np.testing.assert_array_equal(B.to_numpy(x.grad), np.where(xs > 0, np.float32(3), 0))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_backward_twice_through_a_retained_graph(bk, reduction):
    """The first backward uses the softmax the forward pass kept, in place; the second (the
    graph retained) recomputes it: both give the same gradient."""
    rng = np.random.default_rng(3)
    scores = rng.standard_normal((6, 4)).astype(np.float32)
    x = bk.tensor(scores, requires_grad=True)
    loss = bk.cross_entropy(x, bk.tensor(np.array([0, 3, 1, 1, 2, 0])), reduction=reduction)
    g = bk.ones_like(loss) * 0.5
    loss.backward(g, retain_graph=True)
    first = x.grad.numpy().copy()
    loss.backward(g)
    np.testing.assert_allclose(x.grad.numpy() - first, first, rtol=1e-6, atol=1e-7)
    p = np.exp(scores - scores.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(6), [0, 3, 1, 1, 2, 0]] -= 1
    expected = p * 0.5 / (6 if reduction == "mean" else 1)
    np.testing.assert_allclose(first, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_ignores_a_target_equal_to_an_out_of_range_ignore_index(bk, T, reduction):
    """The plain call goes straight to the fused node, which refuses a target outside the
    classes; one equal to ``ignore_index`` must still be left out, as torch leaves it."""
    rng = np.random.default_rng(5)
    scores = rng.standard_normal((4, 3)).astype(np.float32)
    target = np.array([0, 7, 2, 1])
    got, want = bk.tensor(scores, requires_grad=True), T.tensor(scores, requires_grad=True)
    ours = nn.functional.cross_entropy(got, bk.tensor(target), ignore_index=7,
                                       reduction=reduction)
    theirs = T.nn.functional.cross_entropy(want, T.tensor(target), ignore_index=7,
                                           reduction=reduction)
    np.testing.assert_allclose(host(ours), theirs.detach().numpy(), rtol=1e-6)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(host(got.grad), want.grad.numpy(), rtol=1e-6, atol=1e-7)
    with pytest.raises(IndexError, match="7"):  # without ignore_index it is out of range
        nn.functional.cross_entropy(got, bk.tensor(target), reduction=reduction)


@pytest.mark.parametrize("classes", [3, 256, 257])
def test_cross_entropy_one_hot_either_way_matches_torch(bk, T, classes):
    """Up to 256 classes the one-hot is gathered from a cached identity matrix, above by
    comparison: both give torch's loss and gradient, and training leaves the cache intact."""
    rng = np.random.default_rng(classes)
    scores = rng.standard_normal((5, classes)).astype(np.float32)
    target = rng.integers(0, classes, 5)
    target[0] = classes - 1
    for _ in range(2):  # the second pass reuses the cached identity
        got, want = bk.tensor(scores, requires_grad=True), T.tensor(scores, requires_grad=True)
        ours = nn.functional.cross_entropy(got, bk.tensor(target))
        theirs = T.nn.functional.cross_entropy(want, T.tensor(target))
        ours.backward()
        theirs.backward()
        np.testing.assert_allclose(host(ours), theirs.detach().numpy(), rtol=1e-6)
        np.testing.assert_allclose(host(got.grad), want.grad.numpy(), rtol=1e-5, atol=1e-7)
    with pytest.raises(IndexError, match=str(classes)):
        nn.functional.cross_entropy(got, bk.tensor(np.array([0, classes, 1, 2, 0])))
    with pytest.raises(IndexError, match="-1"):
        nn.functional.cross_entropy(got, bk.tensor(np.array([0, -1, 1, 2, 0])))


GRAPHS = {
    "matmul-3d-2d": lambda t, x, w, v: x @ w,
    "matmul-3d-1d": lambda t, x, w, v: x @ v,
    "matmul-3d-3d": lambda t, x, w, v: x @ (x * 2).reshape(2, 4, 3),
    "bmm": lambda t, x, w, v: t.bmm(x, (x * 2).reshape(2, 4, 3)),
    "reshape-copies": lambda t, x, w, v: x.transpose(1, 2).reshape(-1),
    "flatten-copies": lambda t, x, w, v: x.transpose(1, 2).flatten(),
    "reshape-views": lambda t, x, w, v: x.reshape(6, 4),
    "repeat-interleave": lambda t, x, w, v: v.repeat_interleave(2),
}


@pytest.mark.parametrize("name", sorted(GRAPHS))
@pytest.mark.parametrize("engine", ["numpy", "strict"])
def test_products_and_reshapes_show_torchs_graph(engine, name):
    # batched matmul is PyTorch's folded product viewed back; a reshape that copies is
    # _unsafe_view of a clone: the engine computes each in one node and shows that graph
    torch = pytest.importorskip("torch")
    bk = load_or_skip(engine)
    graphs = []
    for t in (bk, torch):
        x = t.ones(2, 3, 4, dtype=t.float64, requires_grad=True)
        w = t.ones(4, 5, dtype=t.float64, requires_grad=True)
        v = t.ones(4, dtype=t.float64, requires_grad=True)
        graphs.append(_graph(GRAPHS[name](t, x, w, v).grad_fn))
    assert graphs[0] == graphs[1]
