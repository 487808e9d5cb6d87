"""LEAF: leaves, requires_grad and its propagation (clauses LEAF-1 .. LEAF-6)."""

import warnings

import numpy as np
import pytest

from gradspec.conformance.helpers import raises_kind
from gradspec.errors import NonLeafRequiresGradError, RequiresGradDtypeError

# Factories a user creates tensors with; each must give a leaf.
FACTORIES = {
    "tensor-0d": lambda b: b.tensor(2.0),
    "tensor-1d": lambda b: b.tensor([1.0, 2.0]),
    "tensor-2d": lambda b: b.tensor([[1.0, 2.0], [3.0, 4.0]]),
    "zeros": lambda b: b.zeros(2, 3),
    "ones": lambda b: b.ones(4),
    "full": lambda b: b.full((2,), 3.0),
    "zeros_like": lambda b: b.zeros_like(b.ones(3)),
    "ones_like": lambda b: b.ones_like(b.zeros(2, 2)),
    "randn": lambda b: b.randn(2, 2),
    "rand": lambda b: b.rand(3),
    "normal": lambda b: b.normal(0.0, 1.0, size=(3,)),
    "linspace": lambda b: b.linspace(-1.0, 1.0, 5),
    "arange": lambda b: b.arange(4.0),
    "from_numpy": lambda b: b.from_numpy(np.array([1.0, 2.0, 3.0], dtype=np.float32)),
}

# Factories that take requires_grad=True at construction.
RG_FACTORIES = {
    "tensor": lambda b: b.tensor([1.0, 2.0], requires_grad=True),
    "tensor-0d": lambda b: b.tensor(2.0, requires_grad=True),
    "zeros": lambda b: b.zeros(2, 3, requires_grad=True),
    "ones": lambda b: b.ones(4, requires_grad=True),
    "full": lambda b: b.full((2,), 3.0, requires_grad=True),
    "zeros_like": lambda b: b.zeros_like(b.ones(3), requires_grad=True),
    "ones_like": lambda b: b.ones_like(b.zeros(2, 2), requires_grad=True),
    "randn": lambda b: b.randn(2, 2, requires_grad=True),
    "rand": lambda b: b.rand(3, requires_grad=True),
}


def _assert_plain_leaf(t, requires_grad):
    assert t.is_leaf is True
    assert t.grad_fn is None
    assert t.grad is None
    assert t.requires_grad is requires_grad


# ----------------------------------------------------------------------------------- LEAF-1
@pytest.mark.clause("LEAF-1")
@pytest.mark.parametrize("factory", list(FACTORIES), ids=list(FACTORIES))
def test_factory_results_are_leaves_without_grad(backend, factory):
    t = FACTORIES[factory](backend)
    _assert_plain_leaf(t, requires_grad=False)


@pytest.mark.clause("LEAF-1")
@pytest.mark.parametrize("factory", list(RG_FACTORIES), ids=list(RG_FACTORIES))
def test_requires_grad_at_construction_keeps_a_leaf(backend, factory):
    t = RG_FACTORIES[factory](backend)
    _assert_plain_leaf(t, requires_grad=True)


@pytest.mark.clause("LEAF-1")
def test_zeros_like_of_a_tracked_tensor_is_an_untracked_leaf(backend):
    # A factory copies only shape and dtype, never the autograd state of its template.
    x = backend.ones(3, requires_grad=True)
    _assert_plain_leaf(backend.zeros_like(x), requires_grad=False)
    _assert_plain_leaf(backend.ones_like(x), requires_grad=False)


@pytest.mark.clause("LEAF-1")
@pytest.mark.parametrize("factory", list(FACTORIES), ids=list(FACTORIES))
def test_requires_grad_underscore_returns_the_same_leaf(backend, factory):
    t = FACTORIES[factory](backend)
    assert t.requires_grad_() is t
    _assert_plain_leaf(t, requires_grad=True)


@pytest.mark.clause("LEAF-1")
def test_requires_grad_underscore_false_turns_a_leaf_off(backend):
    t = backend.tensor([1.0, 2.0], requires_grad=True)
    assert t.requires_grad_(False) is t
    _assert_plain_leaf(t, requires_grad=False)
    assert t.requires_grad_(True) is t
    _assert_plain_leaf(t, requires_grad=True)


@pytest.mark.clause("LEAF-1")
def test_requires_grad_attribute_on_a_leaf(backend):
    t = backend.tensor([1.0, 2.0])
    t.requires_grad = True
    _assert_plain_leaf(t, requires_grad=True)
    t.requires_grad = False
    _assert_plain_leaf(t, requires_grad=False)


@pytest.mark.clause("LEAF-1")
def test_from_numpy_leaf_can_require_grad_and_receive_a_gradient(backend):
    t = backend.from_numpy(np.array([1.0, 2.0, 3.0], dtype=np.float32)).requires_grad_()
    assert t.is_leaf and t.requires_grad
    (t * t).sum().backward()
    assert t.grad.tolist() == [2.0, 4.0, 6.0]


@pytest.mark.clause("LEAF-1")
def test_factory_values_are_the_requested_ones(backend):
    # The leaves must also hold what was asked for; a flag-only check could pass on garbage.
    assert backend.zeros(2, 3).tolist() == [[0.0] * 3] * 2
    assert backend.full((2,), 3.0).tolist() == [3.0, 3.0]
    assert backend.arange(4.0).tolist() == [0.0, 1.0, 2.0, 3.0]
    assert backend.linspace(-1.0, 1.0, 5).tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert tuple(backend.randn(2, 2, requires_grad=True).shape) == (2, 2)


# ----------------------------------------------------------------------------------- LEAF-2
# Ops applied to inputs none of which requires grad.
UNTRACKED_OPS = {
    "mul-tensor": lambda b, c, d: c * d,
    "mul-scalar": lambda b, c, d: c * 2,
    "radd-scalar": lambda b, c, d: 1 + c,
    "add": lambda b, c, d: b.add(c, d),
    "sub": lambda b, c, d: c - d,
    "div": lambda b, c, d: c / d,
    "neg": lambda b, c, d: -c,
    "pow": lambda b, c, d: c ** 2,
    "exp": lambda b, c, d: b.exp(c),
    "log": lambda b, c, d: c.log(),
    "sigmoid": lambda b, c, d: c.sigmoid(),
    "sum": lambda b, c, d: c.sum(),
    "mean": lambda b, c, d: c.mean(),
    "matmul": lambda b, c, d: b.matmul(c.view(1, 2), d.view(2, 1)),
    "cat": lambda b, c, d: b.cat([c, d]),
    "stack": lambda b, c, d: b.stack([c, d]),
    "view": lambda b, c, d: c.view(2, 1),
    "index": lambda b, c, d: c[0],
}


@pytest.mark.clause("LEAF-2")
@pytest.mark.parametrize("op", list(UNTRACKED_OPS), ids=list(UNTRACKED_OPS))
def test_op_on_untracked_inputs_gives_an_untracked_leaf(backend, op):
    c = backend.tensor([1.0, 2.0])
    d = backend.tensor([3.0, 4.0])
    out = UNTRACKED_OPS[op](backend, c, d)
    _assert_plain_leaf(out, requires_grad=False)


@pytest.mark.clause("LEAF-2")
def test_untracked_result_has_the_right_value(backend):
    c = backend.tensor(3.0)
    z = c * 2
    assert z.item() == 6.0
    _assert_plain_leaf(z, requires_grad=False)


# ----------------------------------------------------------------------------------- LEAF-3
# Ops where at least one input requires grad (x) and others may not (c, python scalars).
TRACKED_OPS = {
    "tracked*untracked": lambda b, x, c: x * c,
    "untracked*tracked": lambda b, x, c: c * x,
    "tracked+scalar": lambda b, x, c: x + 1,
    "scalar+tracked": lambda b, x, c: 1 + x,
    "scalar-tracked": lambda b, x, c: 2 - x,
    "scalar/tracked": lambda b, x, c: 1 / x,
    "tracked**scalar": lambda b, x, c: x ** 2,
    "scalar**tracked": lambda b, x, c: 2 ** x,
    "untracked**tracked": lambda b, x, c: c ** x,
    "functional-mul": lambda b, x, c: b.mul(c, x),
    "functional-sub": lambda b, x, c: b.sub(c, x),
    "neg": lambda b, x, c: -x,
    "exp": lambda b, x, c: b.exp(x),
    "sum": lambda b, x, c: x.sum(),
    "matmul": lambda b, x, c: b.matmul(c.view(1, 2), x.view(2, 1)),
    "cat-mixed": lambda b, x, c: b.cat([c, x]),
    "stack-mixed": lambda b, x, c: b.stack([c, x]),
    "where-mixed": lambda b, x, c: b.where(c > 3.5, c, x),
    "view": lambda b, x, c: x.view(2, 1),
    "index": lambda b, x, c: x[1],
    "chain": lambda b, x, c: ((x * c) + 1).exp().sum(),
}


@pytest.mark.clause("LEAF-3")
@pytest.mark.parametrize("op", list(TRACKED_OPS), ids=list(TRACKED_OPS))
def test_output_of_a_tracked_input_is_a_tracked_non_leaf(backend, op):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    c = backend.tensor([3.0, 4.0])
    out = TRACKED_OPS[op](backend, x, c)
    assert out.requires_grad is True
    assert out.is_leaf is False
    assert out.grad_fn is not None


@pytest.mark.clause("LEAF-3")
def test_tracked_times_untracked_example(backend):
    x = backend.tensor(2.0, requires_grad=True)
    c = backend.tensor(3.0)
    y = x * c
    assert y.item() == 6.0 and y.requires_grad and not y.is_leaf and y.grad_fn is not None
    # The untracked operand is untouched by taking part in a tracked op.
    _assert_plain_leaf(c, requires_grad=False)


@pytest.mark.clause("LEAF-3", "RETAINGRAD-1")
def test_scaled_tracked_factory_result_is_not_a_leaf(backend):
    # The classic trap: `randn(3, requires_grad=True) * 0.01` is a computed tensor.
    w = backend.randn(3, requires_grad=True) * 0.01
    assert not w.is_leaf and w.requires_grad
    w.sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert w.grad is None


@pytest.mark.clause("LEAF-3", "LEAF-1")
def test_requires_grad_after_scaling_gives_a_trainable_leaf(backend):
    w = (backend.tensor([1.0, 2.0, 3.0]) * 2).requires_grad_()
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    (w * w).sum().backward()
    assert w.grad.tolist() == [4.0, 8.0, 12.0]


@pytest.mark.clause("LEAF-3")
def test_both_inputs_tracked_and_neither_tracked(backend):
    x = backend.tensor([1.0], requires_grad=True)
    u = backend.tensor([2.0], requires_grad=True)
    c = backend.tensor([3.0])
    assert (x * u).requires_grad and not (x * u).is_leaf
    # "only if": nothing tracked in, nothing tracked out.
    assert not (c * c).requires_grad and (c * c).is_leaf


# ----------------------------------------------------------------------------------- LEAF-4
COMPARISONS = {
    "ge": (lambda x, o: x.ge(o), [True, False, True]),
    "gt": (lambda x, o: x.gt(o), [True, False, False]),
    "le": (lambda x, o: x.le(o), [False, True, True]),
    "lt": (lambda x, o: x.lt(o), [False, True, False]),
    "eq": (lambda x, o: x.eq(o), [False, False, True]),
    "ne": (lambda x, o: x.ne(o), [True, True, False]),
    ">=": (lambda x, o: x >= o, [True, False, True]),
    ">": (lambda x, o: x > o, [True, False, False]),
    "<=": (lambda x, o: x <= o, [False, True, True]),
    "<": (lambda x, o: x < o, [False, True, False]),
    "==": (lambda x, o: x == o, [False, False, True]),
    "!=": (lambda x, o: x != o, [True, True, False]),
}


def _assert_untracked_bool(backend, m, expected):
    assert m.dtype == backend.bool
    assert m.tolist() == expected
    assert m.requires_grad is False
    assert m.grad_fn is None
    assert m.is_leaf is True


@pytest.mark.clause("LEAF-4")
@pytest.mark.parametrize("cmp", list(COMPARISONS), ids=list(COMPARISONS))
def test_comparison_with_a_scalar_is_an_untracked_bool(backend, cmp):
    fn, expected = COMPARISONS[cmp]
    x = backend.tensor([1.0, -1.0, 0.0], requires_grad=True)
    _assert_untracked_bool(backend, fn(x, 0.0), expected)


@pytest.mark.clause("LEAF-4")
@pytest.mark.parametrize("cmp", list(COMPARISONS), ids=list(COMPARISONS))
def test_comparison_of_two_tracked_tensors_is_an_untracked_bool(backend, cmp):
    fn, expected = COMPARISONS[cmp]
    x = backend.tensor([1.0, -1.0, 0.0], requires_grad=True)
    u = backend.zeros(3, requires_grad=True)
    _assert_untracked_bool(backend, fn(x, u), expected)


@pytest.mark.clause("LEAF-4")
def test_comparison_of_a_non_leaf_is_untracked(backend):
    x = backend.tensor([1.0, -1.0], requires_grad=True)
    y = x * 2
    _assert_untracked_bool(backend, y.ge(0), [True, False])


@pytest.mark.clause("LEAF-4")
def test_mask_from_a_comparison_acts_as_a_constant(backend):
    # A mask must not break backward: only the tracked factor is differentiated.
    x = backend.tensor([1.0, -1.0, 2.0], requires_grad=True)
    mask = (x > 0).float()
    assert not mask.requires_grad and mask.grad_fn is None
    (mask * x).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]


# ----------------------------------------------------------------------------------- LEAF-5
NON_FLOAT = {
    "int64": (lambda b: b.int64, [1, 2]),
    "bool": (lambda b: b.bool, [True, False]),
}


@pytest.mark.clause("LEAF-5")
@pytest.mark.parametrize("kind", list(NON_FLOAT), ids=list(NON_FLOAT))
def test_non_float_tensor_requires_grad_at_construction_raises(backend, kind):
    _, data = NON_FLOAT[kind]
    with raises_kind(backend, RequiresGradDtypeError):
        backend.tensor(data, requires_grad=True)


@pytest.mark.clause("LEAF-5")
@pytest.mark.parametrize("kind", list(NON_FLOAT), ids=list(NON_FLOAT))
def test_non_float_factory_with_requires_grad_raises(backend, kind):
    dtype, _ = NON_FLOAT[kind]
    with raises_kind(backend, RequiresGradDtypeError):
        backend.zeros(2, dtype=dtype(backend), requires_grad=True)


@pytest.mark.clause("LEAF-5")
@pytest.mark.parametrize("kind", list(NON_FLOAT), ids=list(NON_FLOAT))
def test_non_float_requires_grad_underscore_raises_and_leaves_it_untracked(backend, kind):
    dtype, data = NON_FLOAT[kind]
    t = backend.tensor(data, dtype=dtype(backend))
    with raises_kind(backend, RequiresGradDtypeError):
        t.requires_grad_()
    assert t.requires_grad is False and t.tolist() == data and t.dtype == dtype(backend)


@pytest.mark.clause("LEAF-5")
@pytest.mark.parametrize("kind", list(NON_FLOAT), ids=list(NON_FLOAT))
def test_non_float_requires_grad_attribute_raises_and_leaves_it_untracked(backend, kind):
    dtype, data = NON_FLOAT[kind]
    t = backend.tensor(data, dtype=dtype(backend))
    with raises_kind(backend, RequiresGradDtypeError):
        t.requires_grad = True
    assert t.requires_grad is False and t.tolist() == data


@pytest.mark.clause("LEAF-5")
def test_inferred_integer_tensor_cannot_require_grad(backend):
    # No dtype given: Python ints infer an integer dtype, which still may not require grad.
    t = backend.tensor([1, 2])
    assert t.dtype == backend.int64
    with raises_kind(backend, RequiresGradDtypeError):
        t.requires_grad_()


@pytest.mark.clause("LEAF-5")
def test_float32_can_require_grad(backend):
    t = backend.tensor([1.0, 2.0], dtype=backend.float32, requires_grad=True)
    assert t.requires_grad and t.dtype == backend.float32


@pytest.mark.clause("LEAF-5")
@pytest.mark.requires("float64")
def test_float64_can_require_grad(backend):
    t = backend.tensor([1.0, 2.0], dtype=backend.float64, requires_grad=True)
    u = backend.zeros(2, dtype=backend.float64).requires_grad_()
    assert t.requires_grad and u.requires_grad and t.dtype == backend.float64


# ----------------------------------------------------------------------------------- LEAF-6
@pytest.mark.clause("LEAF-6")
def test_non_leaf_requires_grad_attribute_false_raises(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with raises_kind(backend, NonLeafRequiresGradError):
        y.requires_grad = False
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None


@pytest.mark.clause("LEAF-6")
def test_non_leaf_requires_grad_underscore_false_raises(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with raises_kind(backend, NonLeafRequiresGradError):
        y.requires_grad_(False)
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None


@pytest.mark.clause("LEAF-6")
def test_failed_flag_change_leaves_the_graph_usable(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    with raises_kind(backend, NonLeafRequiresGradError):
        y.requires_grad_(False)
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.clause("LEAF-6")
@pytest.mark.parametrize("how", ["attribute", "requires_grad_"])
def test_leaf_turned_off_after_graph_gets_no_grad_others_do(backend, how):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    u = backend.tensor([3.0, 4.0], requires_grad=True)
    y = (x * u).sum()
    if how == "attribute":
        x.requires_grad = False
    else:
        x.requires_grad_(False)
    y.backward()
    assert x.grad is None
    assert u.grad.tolist() == [1.0, 2.0]


@pytest.mark.clause("LEAF-6")
def test_only_leaf_turned_off_after_graph_backward_still_runs(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2).sum()
    x.requires_grad = False
    y.backward()  # the graph was built while x required grad; walking it must still work
    assert x.grad is None
