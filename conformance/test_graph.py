"""GRAPH: grad_fn, next_functions and the define-by-run graph (clauses GRAPH-1 .. GRAPH-3).

Node names are compared only after normalisation (``op_name``: ``MulBackward0`` -> ``Mul``);
the graph's shape (arity, order, AccumulateGrad at leaves, None for untracked inputs) is the
real contract.
"""

import pytest

from gradspec.conformance.helpers import op_name


def _is_accumulate(node, leaf):
    return node is not None and "AccumulateGrad" in node.name() and node.variable is leaf


def _tree(node):
    """The graph below ``node`` as nested (name, [children]); leaves as ('Acc', leaf) / None."""
    if node is None:
        return None
    if "AccumulateGrad" in node.name():
        return ("Acc", node.variable)
    return (op_name(node), [_tree(child) for child, _ in node.next_functions])


# ----------------------------------------------------------------------------------- GRAPH-1
@pytest.mark.clause("GRAPH-1")
def test_leaves_have_no_grad_fn(backend):
    x = backend.tensor([1.0], requires_grad=True)
    c = backend.tensor([1.0])
    assert x.grad_fn is None and c.grad_fn is None


@pytest.mark.clause("GRAPH-1")
def test_unary_op_has_one_next_function_to_its_leaf(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    nf = backend.exp(x).grad_fn.next_functions
    assert len(nf) == 1
    node, index = nf[0]
    assert _is_accumulate(node, x) and index == 0


@pytest.mark.clause("GRAPH-1")
@pytest.mark.parametrize("op", ["mul", "add", "sub", "div"])
def test_binary_op_lists_its_inputs_in_order(backend, op):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    u = backend.tensor([3.0, 4.0], requires_grad=True)
    fn = getattr(backend, op)
    for first, second in ((x, u), (u, x)):
        nf = fn(first, second).grad_fn.next_functions
        assert len(nf) == 2
        assert _is_accumulate(nf[0][0], first) and _is_accumulate(nf[1][0], second)
        assert nf[0][1] == 0 and nf[1][1] == 0


@pytest.mark.clause("GRAPH-1")
def test_untracked_tensor_input_appears_as_none(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    c = backend.tensor([3.0, 4.0])
    (n0, i0), (n1, i1) = (x * c).grad_fn.next_functions
    assert _is_accumulate(n0, x) and (n1, i1) == (None, 0) and i0 == 0
    (n0, i0), (n1, i1) = (c * x).grad_fn.next_functions
    assert (n0, i0) == (None, 0) and _is_accumulate(n1, x)


@pytest.mark.clause("GRAPH-1")
def test_python_constant_in_add_appears_as_none(backend):
    w = backend.tensor([1.0], requires_grad=True)
    (acc, i0), (const, i1) = (w + 1).grad_fn.next_functions
    assert _is_accumulate(acc, w) and (const, i1) == (None, 0)


@pytest.mark.clause("GRAPH-1")
def test_non_leaf_input_appears_as_its_grad_fn(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    a = x * 2
    b = a.exp()
    ((node, index),) = b.grad_fn.next_functions
    assert node is a.grad_fn and index == 0


@pytest.mark.clause("GRAPH-1")
def test_leaf_used_twice_appears_twice(backend):
    x = backend.tensor([3.0], requires_grad=True)
    nf = (x * x).grad_fn.next_functions
    assert len(nf) == 2 and _is_accumulate(nf[0][0], x) and _is_accumulate(nf[1][0], x)


@pytest.mark.clause("GRAPH-1")
@pytest.mark.parametrize("combine", ["cat", "stack"])
def test_cat_and_stack_list_every_input_in_order(backend, combine):
    x = backend.tensor([1.0], requires_grad=True)
    c = backend.tensor([2.0])
    u = backend.tensor([3.0], requires_grad=True)
    h = u * 2
    nf = getattr(backend, combine)([x, c, h]).grad_fn.next_functions
    assert len(nf) == 3
    assert _is_accumulate(nf[0][0], x)
    assert nf[1] == (None, 0)
    assert nf[2][0] is h.grad_fn


@pytest.mark.clause("GRAPH-1")
def test_matmul_lists_both_operands(backend):
    m = backend.ones(2, 3, requires_grad=True)
    n = backend.ones(3, 2)
    nf = (m @ n).grad_fn.next_functions
    assert len(nf) == 2 and _is_accumulate(nf[0][0], m) and nf[1] == (None, 0)


@pytest.mark.clause("GRAPH-1")
def test_seed_graph_tree(backend):
    # The tutorials' graph: a = w + x; b = w + 1; y0 = a * b.
    w = backend.tensor([1.0], requires_grad=True)
    x = backend.tensor([2.0], requires_grad=True)
    a = w + x
    b = w + 1
    y0 = a * b
    name, children = _tree(y0.grad_fn)
    assert name == "Mul" and len(children) == 2
    (a_name, a_children), (b_name, b_children) = children
    assert a_name == "Add" and b_name == "Add"
    assert len(a_children) == 2 and a_children[0][0] == "Acc" and a_children[0][1] is w
    assert a_children[1][0] == "Acc" and a_children[1][1] is x
    assert len(b_children) == 2 and b_children[0][0] == "Acc" and b_children[0][1] is w
    assert b_children[1] is None
    (n_a, _), (n_b, _) = y0.grad_fn.next_functions
    assert n_a is a.grad_fn and n_b is b.grad_fn


@pytest.mark.clause("GRAPH-1")
def test_accumulate_grad_variable_is_the_leaf_itself(backend):
    # `.variable` is the very tensor the user holds: gradients land on it.
    w = backend.tensor([1.0, 2.0], requires_grad=True)
    ((acc, _),) = w.sum().grad_fn.next_functions
    assert acc.variable is w
    (w * 3).sum().backward()
    assert acc.variable.grad.tolist() == [3.0, 3.0]


# ----------------------------------------------------------------------------------- GRAPH-2
# (label, builder(backend, x, u, m, n), expected normalised name)
NAMES = [
    ("add", lambda b, x, u, m, n: x + u, "Add"),
    ("add-scalar", lambda b, x, u, m, n: x + 2, "Add"),
    ("add-functional", lambda b, x, u, m, n: b.add(x, u), "Add"),
    ("sub", lambda b, x, u, m, n: x - u, "Sub"),
    ("sub-functional-scalar", lambda b, x, u, m, n: b.sub(x, 1), "Sub"),
    ("mul", lambda b, x, u, m, n: x * u, "Mul"),
    ("mul-scalar", lambda b, x, u, m, n: x * 2, "Mul"),
    ("div", lambda b, x, u, m, n: x / u, "Div"),
    ("div-scalar", lambda b, x, u, m, n: x / 2, "Div"),
    ("neg", lambda b, x, u, m, n: -x, "Neg"),
    ("neg-functional", lambda b, x, u, m, n: b.neg(x), "Neg"),
    ("pow-scalar", lambda b, x, u, m, n: x ** 2, "Pow"),
    ("pow-method", lambda b, x, u, m, n: x.pow(2), "Pow"),
    ("pow-tensor", lambda b, x, u, m, n: x ** u, "Pow"),
    ("exp", lambda b, x, u, m, n: x.exp(), "Exp"),
    ("exp-functional", lambda b, x, u, m, n: b.exp(x), "Exp"),
    ("log", lambda b, x, u, m, n: x.log(), "Log"),
    ("sigmoid", lambda b, x, u, m, n: x.sigmoid(), "Sigmoid"),
    ("sigmoid-functional", lambda b, x, u, m, n: b.sigmoid(x), "Sigmoid"),
    ("sum", lambda b, x, u, m, n: x.sum(), "Sum"),
    ("sum-dim", lambda b, x, u, m, n: m.sum(0), "Sum"),
    ("mean", lambda b, x, u, m, n: x.mean(), "Mean"),
    ("mean-dim", lambda b, x, u, m, n: m.mean(1), "Mean"),
    ("mm", lambda b, x, u, m, n: m @ n, "Mm"),
    ("matmul-2d", lambda b, x, u, m, n: b.matmul(m, n), "Mm"),
    ("cat", lambda b, x, u, m, n: b.cat([x, u]), "Cat"),
    ("stack", lambda b, x, u, m, n: b.stack([x, u]), "Stack"),
    ("view", lambda b, x, u, m, n: x.view(2, 1), "View"),
    ("reshape", lambda b, x, u, m, n: x.reshape(1, 2), "View"),
    ("transpose", lambda b, x, u, m, n: m.transpose(0, 1), "Transpose"),
    ("unsqueeze", lambda b, x, u, m, n: x.unsqueeze(0), "Unsqueeze"),
    ("squeeze", lambda b, x, u, m, n: m.sum(0, keepdim=True).squeeze(), "Squeeze"),
    ("squeeze-dim", lambda b, x, u, m, n: m.sum(0, keepdim=True).squeeze(0), "Squeeze"),
]


@pytest.mark.clause("GRAPH-2")
@pytest.mark.parametrize("build,expected", [(b, e) for _, b, e in NAMES], ids=[n for n, _, _ in NAMES])
def test_grad_fn_normalised_name(backend, build, expected):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    u = backend.tensor([3.0, 4.0], requires_grad=True)
    m = backend.ones(2, 3, requires_grad=True)
    n = backend.ones(3, 2, requires_grad=True)
    out = build(backend, x, u, m, n)
    assert op_name(out.grad_fn) == expected


@pytest.mark.clause("GRAPH-2")
def test_seed_graph_names(backend):
    w = backend.tensor([1.0], requires_grad=True)
    x = backend.tensor([2.0], requires_grad=True)
    a = w + x
    b = w + 1
    y0 = a * b
    assert [op_name(t.grad_fn) for t in (a, b, y0)] == ["Add", "Add", "Mul"]


# ----------------------------------------------------------------------------------- GRAPH-3
def _branchy(x):
    # Python control flow on a value: the branch taken decides the graph.
    if x.sum().item() > 0:
        return x * x
    return x + x


@pytest.mark.clause("GRAPH-3")
def test_values_are_computed_eagerly(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3 + 1).exp().log()
    # No backward, no "run" step: the value is there as soon as the op returns.
    assert y.detach().tolist() == pytest.approx([4.0, 7.0])
    assert (x * x).sum().item() == 5.0


@pytest.mark.clause("GRAPH-3")
def test_branch_taken_decides_the_nodes_and_gradient(backend):
    pos = backend.tensor([3.0], requires_grad=True)
    neg = backend.tensor([-3.0], requires_grad=True)
    y_pos, y_neg = _branchy(pos), _branchy(neg)
    assert op_name(y_pos.grad_fn) == "Mul" and op_name(y_neg.grad_fn) == "Add"
    y_pos.sum().backward()
    y_neg.sum().backward()
    assert pos.grad.tolist() == [6.0] and neg.grad.tolist() == [2.0]


@pytest.mark.clause("GRAPH-3")
def test_loop_length_decided_by_values_builds_that_many_nodes(backend):
    x = backend.tensor(1.5, requires_grad=True)
    y = x
    steps = 0
    while y.item() < 20.0:
        y = y * 2
        steps += 1
    assert steps == 4 and y.item() == 24.0
    chain, node = [], y.grad_fn
    while node is not None and "AccumulateGrad" not in node.name():
        chain.append(op_name(node))
        node = node.next_functions[0][0]
    assert chain == ["Mul"] * 4 and node.variable is x
    y.backward()
    assert x.grad.item() == 16.0


@pytest.mark.clause("GRAPH-3")
def test_each_run_builds_a_new_graph(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y1 = (x * 2).sum()
    y2 = (x * 2).sum()
    assert y1.grad_fn is not y2.grad_fn
    y1.backward()
    y2.backward()  # y1's backward must not have consumed y2's graph
    assert x.grad.tolist() == [4.0, 4.0]


@pytest.mark.clause("GRAPH-3")
def test_untaken_branch_leaves_no_trace(backend):
    x = backend.tensor([2.0], requires_grad=True)
    u = backend.tensor([5.0], requires_grad=True)
    y = x * 3 if x.item() > 0 else x * u
    assert op_name(y.grad_fn) == "Mul"
    y.backward()
    assert x.grad.tolist() == [3.0] and u.grad is None
