"""SEED: the tutorials' worked examples (shared/seeds/*.txt), written with protocol calls.

Every printed number in the tutorials that does not depend on random data is checked here; where
a tutorial draws random numbers, the data come from ``numpy.random.default_rng`` instead and the
training loops are checked step for step against the same update written in numpy.
Clauses other than SEED-* are named where an example illustrates them.  The tutorials'
``autograd.grad`` second-derivative example lives in test_higher_order.py
(``test_seed_square_second_derivative``); the logistic-regression workload is tested with the
workloads.
"""

import warnings

import numpy as np
import pytest

from gradspec.conformance.helpers import assert_close, op_name, raises_kind
from gradspec.errors import LeafInPlaceError


def _graph(backend, retain_a=False):
    """The tutorials' graph: a = w + x; b = w + 1; y = a * b at w=1, x=2."""
    w = backend.tensor([1.0], requires_grad=True)
    x = backend.tensor([2.0], requires_grad=True)
    a = backend.add(w, x)
    if retain_a:
        a.retain_grad()
    b = backend.add(w, 1)
    y = backend.mul(a, b)
    return w, x, a, b, y


def _grads(*tensors):
    # Reading a non-leaf's .grad warns on torch; the tutorials print them anyway.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [None if t.grad is None else t.grad.tolist() for t in tensors]


# ---------------------------------------------------------------------------- SEED-1
@pytest.mark.clause("SEED-1")
def test_graph_lesson_gradients(backend):
    w, x, a, b, y = _graph(backend)
    assert y.tolist() == [6.0]
    y.backward()
    assert w.grad.tolist() == [5.0]
    assert x.grad.tolist() == [2.0]


@pytest.mark.clause("SEED-1", "LEAF-1", "LEAF-3")
def test_graph_lesson_leaves(backend):
    w, x, a, b, y = _graph(backend)
    y.backward()
    assert [t.is_leaf for t in (w, x, a, b, y)] == [True, True, False, False, False]


@pytest.mark.clause("SEED-1", "RETAINGRAD-1")
def test_graph_lesson_only_leaves_keep_gradients(backend):
    w, x, a, b, y = _graph(backend)
    y.backward()
    assert _grads(w, x, a, b, y) == [[5.0], [2.0], None, None, None]


@pytest.mark.clause("SEED-1", "RETAINGRAD-2")
def test_graph_lesson_retain_grad(backend):
    w, x, a, b, y = _graph(backend, retain_a=True)
    y.backward()
    assert _grads(w, x, a, b, y) == [[5.0], [2.0], [2.0], None, None]


@pytest.mark.clause("SEED-1", "GRAPH-2")
def test_graph_lesson_grad_fn_names(backend):
    w, x, a, b, y = _graph(backend, retain_a=True)
    y.backward()
    assert w.grad_fn is None and x.grad_fn is None
    assert [op_name(t.grad_fn) for t in (a, b, y)] == ["Add", "Add", "Mul"]


@pytest.mark.clause("SEED-1", "GRAPH-3", "GRAPH-2")
def test_graph_lesson_values_are_computed_eagerly(backend):
    # The tutorial prints `tensor([6.], grad_fn=<MulBackward0>)` right after building y:
    # the value exists before any backward and y carries its op (reprs are not contract).
    w, x, a, b, y = _graph(backend)
    assert y.tolist() == [6.0] and y.requires_grad
    assert op_name(y.grad_fn) == "Mul"


@pytest.mark.clause("SEED-1", "LEAF-3")
def test_graph_lesson_dependents_require_grad(backend):
    w, x, a, b, y = _graph(backend)
    assert [t.requires_grad for t in (w, a, b, y)] == [True, True, True, True]


@pytest.mark.clause("SEED-1", "INPLACE-1")
def test_graph_lesson_leaf_cannot_be_modified_in_place(backend):
    w, x, a, b, y = _graph(backend)
    with raises_kind(backend, LeafInPlaceError):
        w.add_(1)
    assert w.tolist() == [1.0] and w._version == 0
    # nothing changed, so the graph is still good
    y.backward()
    assert w.grad.tolist() == [5.0] and x.grad.tolist() == [2.0]


@pytest.mark.clause("GRADT-1")
@pytest.mark.parametrize("weights, w_grad, x_grad", [
    pytest.param([1.0, 1.0], 7.0, 3.0, id="1-1"),
    pytest.param([1.0, 2.0], 9.0, 4.0, id="1-2"),
])
def test_graph_lesson_grad_tensors(backend, weights, w_grad, x_grad):
    w = backend.tensor([1.0], requires_grad=True)
    x = backend.tensor([2.0], requires_grad=True)
    a = backend.add(w, x)
    b = backend.add(w, 1)
    y0 = backend.mul(a, b)  # dy0/dw = 5, dy0/dx = 2
    y1 = backend.add(a, b)  # dy1/dw = 2, dy1/dx = 1
    loss = backend.cat([y0, y1], dim=0)
    assert loss.tolist() == [6.0, 5.0]
    loss.backward(gradient=backend.tensor(weights))
    assert w.grad.tolist() == [w_grad]
    assert x.grad.tolist() == [x_grad]


@pytest.mark.clause("AGRAD-1", "RETAIN-2")
def test_grad_lesson_several_inputs_and_outputs(backend):
    x1 = backend.tensor(1.0, requires_grad=True)
    x2 = backend.tensor(2.0, requires_grad=True)
    y1 = x1 * x2
    y2 = x1 + x2
    dy1_dx1, dy1_dx2 = backend.autograd.grad(outputs=y1, inputs=[x1, x2], retain_graph=True)
    assert (dy1_dx1.item(), dy1_dx2.item()) == (2.0, 1.0)
    # several outputs: their gradients are summed
    dy12_dx1, dy12_dx2 = backend.autograd.grad(outputs=[y1, y2], inputs=[x1, x2])
    assert (dy12_dx1.item(), dy12_dx2.item()) == (3.0, 2.0)
    assert x1.grad is None and x2.grad is None


@pytest.mark.clause("ACC-1")
def test_accumulation_lesson(backend):
    w = backend.tensor([1.0], requires_grad=True)
    x = backend.tensor([2.0], requires_grad=True)
    seen = []
    for _ in range(4):
        a = backend.add(w, x)
        b = backend.add(w, 1)
        y = backend.mul(a, b)
        y.backward()
        seen.append(w.grad.tolist())
    assert seen == [[5.0], [10.0], [15.0], [20.0]]


@pytest.mark.clause("ACC-1", "ACC-3")
def test_accumulation_lesson_with_zeroing(backend):
    w = backend.tensor([1.0], requires_grad=True)
    x = backend.tensor([2.0], requires_grad=True)
    seen = []
    for _ in range(4):
        a = backend.add(w, x)
        b = backend.add(w, 1)
        y = backend.mul(a, b)
        y.backward()
        seen.append(w.grad.tolist())
        w.grad.zero_()
    assert seen == [[5.0], [5.0], [5.0], [5.0]]


@pytest.mark.clause("VERSION-1")
def test_in_place_lesson_keeps_the_object(backend):
    # `a = a + 1` makes a new tensor; `a += 1` changes the one `a` already names.
    a = backend.ones(1)
    before = a
    a = a + backend.ones(1)
    assert a is not before and before.tolist() == [1.0] and a.tolist() == [2.0]
    a = backend.ones(1)
    before = a
    a += backend.ones(1)
    assert a is before and a.tolist() == [2.0] and a._version == 1


# ---------------------------------------------------------------------------- SEED-2
def _jacobian_setup(backend):
    x = backend.tensor([[2.0, 3.0]], requires_grad=True)
    y = backend.zeros(1, 2)
    y[0, 0] = x[0, 0] ** 2 + 3 * x[0, 1]
    y[0, 1] = x[0, 1] ** 2 + 2 * x[0, 0]
    return x, y


@pytest.mark.clause("SEED-2")
def test_jacobian_row_by_row(backend):
    x, y = _jacobian_setup(backend)
    assert y.tolist() == [[13.0, 13.0]]
    assert y.requires_grad and not y.is_leaf
    jac = backend.zeros(2, 2)
    y.backward(backend.tensor([[1.0, 0.0]]), retain_graph=True)
    jac[0] = x.grad[0]
    x.grad = backend.zeros_like(x.grad)  # gradients accumulate: clear before the next row
    y.backward(backend.tensor([[0.0, 1.0]]))
    jac[1] = x.grad[0]
    assert jac.tolist() == [[4.0, 3.0], [2.0, 6.0]]


@pytest.mark.clause("SEED-2")
def test_jacobian_single_call_gives_column_sums(backend):
    # The tutorial's "wrong" attempt: weights [[1, 1]] give vᵀJ, not J.
    x, y = _jacobian_setup(backend)
    y.backward(backend.tensor([[1.0, 1.0]]))
    assert x.grad.tolist() == [[6.0, 9.0]]


# ---------------------------------------------------------------------------- other worked examples
@pytest.mark.clause("BWD-5", "LEAF-2", "LEAF-3", "RETAINGRAD-1", "GRAPH-2")
def test_scalar_backprop_lesson(backend):
    # z = w * x + b with x a plain tensor: the notebook prints w.grad [2.], b.grad [1.],
    # x.grad None and None for the non-leaves y, z.
    x = backend.tensor([2.0])
    w = backend.tensor([0.5], requires_grad=True)
    b = backend.tensor([-1.0], requires_grad=True)
    y = backend.mul(w, x)
    z = backend.add(y, b)
    assert [t.requires_grad for t in (x, w, b)] == [False, True, True]
    assert [t.requires_grad for t in (y, z)] == [True, True]
    assert [t.is_leaf for t in (x, w, b, y, z)] == [True, True, True, False, False]
    assert x.grad_fn is None and w.grad_fn is None and b.grad_fn is None
    assert op_name(y.grad_fn) == "Mul" and op_name(z.grad_fn) == "Add"
    z.backward()
    assert w.grad.tolist() == [2.0] and b.grad.tolist() == [1.0]
    assert _grads(x, y, z) == [None, None, None]


@pytest.mark.clause("ACC-1", "RETAIN-2")
def test_scalar_backprop_lesson_rerun_accumulates(backend):
    # The notebook ran `z.backward(retain_graph=True)` three times and printed b.grad [3.]
    # ("gradients accumulate"); w.grad is three times x.
    x = backend.tensor([-0.75])
    w = backend.tensor([0.5], requires_grad=True)
    b = backend.tensor([-1.0], requires_grad=True)
    z = w * x + b
    for _ in range(3):
        z.backward(retain_graph=True)
    assert b.grad.tolist() == [3.0]
    assert w.grad.tolist() == [-2.25]


@pytest.mark.clause("BWD-1", "LEAF-3", "GRAPH-2")
def test_sum_of_sum_lesson(backend):
    rng = np.random.default_rng(4)
    x = backend.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    y = backend.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    t = x + y
    z = t.sum()
    assert tuple(z.shape) == () and op_name(z.grad_fn) == "Sum"
    z.backward()
    assert y.grad.tolist() == [[1.0] * 4] * 3
    assert x.grad.tolist() == [[1.0] * 4] * 3
    assert [x.requires_grad, y.requires_grad, z.requires_grad] == [True, True, True]


# ---------------------------------------------------------------------------- SEED-3
def _quadratic_data(dtype):
    rng = np.random.default_rng(100)
    x = np.linspace(-1, 1, 100).reshape(100, 1)
    y = 3 * np.power(x, 2) + 2 + 0.2 * rng.random((100, 1))
    w0 = rng.random((1, 1))
    return x.astype(dtype), y.astype(dtype), w0.astype(dtype)


def _quadratic_fit_numpy(x, y, w0, lr, steps):
    """The tutorial's hand-written numpy version (float64), one (w, b, loss) per step."""
    x, y = x.astype(np.float64), y.astype(np.float64)
    w, b = w0.astype(np.float64).copy(), np.zeros((1, 1))
    history = []
    for _ in range(steps):
        y_pred = np.power(x, 2) @ w + b
        loss = (0.5 * (y_pred - y) ** 2).sum()
        grad_w = np.sum((y_pred - y) * np.power(x, 2))
        grad_b = np.sum(y_pred - y)
        w -= lr * grad_w
        b -= lr * grad_b
        history.append((w.item(), b.item(), loss))
    return history


def _quadratic_fit(backend, x_np, y_np, w0, lr, steps, dtype=None):
    """The tutorial's autograd version: `-=` under no_grad, then grad.zero_()."""
    x = backend.tensor(x_np)
    y = backend.tensor(y_np)
    w = backend.tensor(w0, requires_grad=True)
    b = backend.zeros(1, 1, dtype=dtype, requires_grad=True)
    history = []
    for _ in range(steps):
        y_pred = x.pow(2).mm(w) + b
        loss = (0.5 * (y_pred - y) ** 2).sum()
        loss.backward()
        with backend.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
        history.append((w.item(), b.item(), loss.item()))
    assert w.is_leaf and w.requires_grad and b.is_leaf and b.requires_grad
    assert w.grad.tolist() == [[0.0]] and b.grad.tolist() == [[0.0]]
    return history


@pytest.mark.clause("SEED-3")
def test_quadratic_fit_follows_numpy_float32(backend):
    x, y, w0 = _quadratic_data(np.float32)
    steps = 800
    got = _quadratic_fit(backend, x, y, w0, lr=0.001, steps=steps)
    want = _quadratic_fit_numpy(x, y, w0, lr=0.001, steps=steps)
    for k in (0, 1, 2, 10, 100, steps - 1):
        assert_close(got[k], want[k], rtol=1e-4, atol=1e-4)
    w, b, loss = got[-1]
    # it learns y = 3x^2 + 2 (+ noise with mean 0.1)
    assert abs(w - 3.0) < 0.1 and abs(b - 2.1) < 0.1 and loss < got[0][2] / 100


@pytest.mark.clause("SEED-3")
@pytest.mark.requires("float64")
def test_quadratic_fit_follows_numpy_float64(backend):
    x, y, w0 = _quadratic_data(np.float64)
    got = _quadratic_fit(backend, x, y, w0, lr=0.001, steps=50, dtype=backend.float64)
    want = _quadratic_fit_numpy(x, y, w0, lr=0.001, steps=50)
    assert_close(got, want, rtol=1e-10, atol=1e-12)


def _line_data():
    rng = np.random.default_rng(100)
    xs = np.linspace(0, 100, 100, endpoint=True)
    ys = 2.5 * xs + 1.0
    return xs + rng.normal(0, 2, xs.shape), ys + rng.normal(0, 2, ys.shape)


def _line_fit_numpy(nx, ny, lr, epochs):
    """The line-fit tutorial's update, by hand; note it never zeroes the gradients."""
    a = b = 0.0
    acc_a = acc_b = 0.0
    losses, best = [], (float("inf"), 0.0, 0.0)
    for _ in range(epochs):
        r = a * nx - ny + b
        d = a * a + 1
        loss = np.mean(r * r / d)
        acc_a += np.mean(2 * r * nx / d - 2 * a * r * r / d ** 2)
        acc_b += np.mean(2 * r / d)
        a -= lr * acc_a
        b -= lr * acc_b
        if loss < best[0]:
            best = (loss, a, b)
        losses.append(loss)
    return losses, best, (a, b)


@pytest.mark.clause("SEED-3", "ACC-1", "LEAF-1")
def test_line_fit_follows_numpy(backend):
    nx, ny = _line_data()
    lr, epochs = 1e-9, 1000
    X = backend.tensor(nx.astype(np.float32))
    Y = backend.tensor(ny.astype(np.float32))
    iA, iB = backend.tensor([0.0]), backend.tensor([0.0])
    iA.requires_grad = True  # the tutorial sets the attribute on a fresh leaf
    iB.requires_grad = True
    losses, best = [], (float("inf"), 0.0, 0.0)
    for _ in range(epochs):
        loss = backend.mean((iA * X - Y + iB) ** 2 / (iA ** 2 + 1))
        loss.backward()
        with backend.no_grad():
            iA -= lr * iA.grad
            iB -= lr * iB.grad
            cur = loss.item()
            if cur < best[0]:
                best = (cur, iA.item(), iB.item())
            losses.append(cur)
    want_losses, want_best, want_final = _line_fit_numpy(nx, ny, lr, epochs)
    assert_close(losses, want_losses, rtol=1e-4)
    assert_close(best, want_best, rtol=1e-4)
    assert_close([iA.item(), iB.item()], want_final, rtol=1e-4)
    # the tutorial's outcome: the best slope found is close to the true 2.5
    assert abs(best[1] - 2.5) < 0.05
