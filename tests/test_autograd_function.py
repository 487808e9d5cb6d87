"""``torch.autograd.Function`` (custom ops) on every backend, against real PyTorch.

Each case is one program written against a backend bound to ``torch``; it runs on numpy, strict
and the torch adapter, and on real PyTorch, and what it returns (values, gradients, names,
flags) must agree.  The engine's implementation is backends/engine/function.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from gradspec import errors
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def real():
    return pytest.importorskip("torch", reason="real PyTorch is the reference")


def host(x):
    """Plain Python values (nested) from tensors, tuples and scalars, for comparison."""
    if isinstance(x, (tuple, list)):
        return [host(v) for v in x]
    if hasattr(x, "detach"):
        return np.asarray(x.detach().tolist(), dtype=np.float64)
    return x


def same(ours, theirs):
    a, b = host(ours), host(theirs)
    if isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            same(x, y)
    elif isinstance(a, np.ndarray):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    else:
        assert a == b, (a, b)


def both(program, bk, real):
    """``program(torch)`` on the backend and on real PyTorch: results must agree."""
    same(program(bk), program(real))


# -- the programs --------------------------------------------------------------------------------
def scale_add(torch):
    """Saved inputs, a non-tensor argument, needs_input_grad, an integer output."""
    class ScaleAdd(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, k, y):
            ctx.save_for_backward(x, y)
            ctx.k = k
            ctx.seen = (ctx.needs_input_grad, torch.is_grad_enabled())
            return x * k + y * x, (x * 10).long()

        @staticmethod
        def backward(ctx, g, g_int):
            x, y = ctx.saved_tensors
            ctx.int_grad = g_int
            return g * (ctx.k + y), None, g * x

    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = torch.tensor([0.5, -1.0, 2.0])
    out, ints = ScaleAdd.apply(x, 3.0, y)
    node = out.grad_fn
    names = [None if n is None else n.name().split("::")[-1] for n, _ in node.next_functions]
    (out * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    return (out, ints, x.grad, node.seen, node.int_grad, type(node).__name__, names,
            ints.requires_grad, out.requires_grad, out.is_leaf)


def exp_double_backward(torch):
    """A saved output, and create_graph through a backward written with differentiable ops."""
    class Exp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            r = x.exp()
            ctx.save_for_backward(r)
            return r

        @staticmethod
        def backward(ctx, g):
            (r,) = ctx.saved_tensors
            return g * r

    x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    y = Exp.apply(x)
    (g,) = torch.autograd.grad((y * y).sum(), x, create_graph=True)
    (gg,) = torch.autograd.grad(g.sum(), x)
    return y, g, gg, g.requires_grad


def two_outputs(torch):
    """Several outputs: one gradient each, zeros for an unused one, a non-tensor output."""
    class Split(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2, x * x, "tag"

        @staticmethod
        def backward(ctx, ga, gb, gtag):
            (x,) = ctx.saved_tensors
            ctx.got = (host(ga), host(gb), gtag)
            return 2 * ga + 2 * x * gb

    x = torch.tensor([1.0, -2.0], requires_grad=True)
    a, b, tag = Split.apply(x)
    (a.sum() + 3 * b.sum()).backward()
    both_grads = x.grad.clone()
    x.grad = None
    a, b, tag = Split.apply(x)
    a.sum().backward()  # b unused: its gradient is materialised as zeros
    got = a.grad_fn.got
    return both_grads, x.grad, got, tag, type(a.grad_fn).__name__, type(b.grad_fn).__name__


def non_differentiable(torch):
    """mark_non_differentiable and set_materialize_grads(False): None for missing gradients."""
    class SortF(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            values, order = torch.sort(x)
            ctx.mark_non_differentiable(order)
            ctx.save_for_backward(order)
            ctx.set_materialize_grads(False)
            return values, order

        @staticmethod
        def backward(ctx, g_values, g_order):
            (order,) = ctx.saved_tensors
            ctx.order_grad = g_order
            out = torch.zeros_like(g_values)
            out[order] = g_values
            return out

    x = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, order = SortF.apply(x)
    (values * torch.tensor([1.0, 10.0, 100.0])).sum().backward()
    return values, order, order.requires_grad, x.grad, values.grad_fn.order_grad


def gradient_reduced_and_cast(torch):
    """A returned gradient that broadcasts to a larger shape is summed down, and cast to the
    input's dtype."""
    class Wide(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return torch.ones(3, 2, dtype=torch.float64) * g

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    Wide.apply(x).backward()
    return x.grad, x.grad.dtype == torch.float32


def setup_context_style(torch):
    """forward without ctx, and setup_context(ctx, inputs, output)."""
    class Mul(torch.autograd.Function):
        @staticmethod
        def forward(x, y):
            return x * y

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs)

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return g * y, g * x

    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([5.0, 7.0], requires_grad=True)
    Mul.apply(a, b).sum().backward()
    return a.grad, b.grad


def identity_and_no_grad(torch):
    """An input returned as it is gives a new output tensor in the graph; under no_grad (or
    with no input requiring grad) nothing is recorded."""
    class Id(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return 2 * g

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = Id.apply(x)
    y.sum().backward()
    with torch.no_grad():
        z = Id.apply(x)
    w = Id.apply(torch.ones(2))
    return (y is x, y.grad_fn is not None, x.grad, z.requires_grad, z.grad_fn is None,
            w.requires_grad)


def once(torch):
    """@once_differentiable: first order works; under create_graph the result does not lead
    back (its inputs do not require grad) or differentiating it again fails."""
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @torch.autograd.function.once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x * x * g

    x = torch.tensor([2.0], requires_grad=True)
    (g,) = torch.autograd.grad(Cube.apply(x), x)
    y = Cube.apply(x)
    (h,) = torch.autograd.grad(y, x, grad_outputs=torch.ones(1, requires_grad=True),
                               create_graph=True)
    try:
        torch.autograd.grad(h.sum(), x)
        twice = "no error"
    except RuntimeError as exc:
        twice = "once_differentiable" in str(exc)
    return g, h, h.requires_grad, twice, repr(h).endswith("grad_fn=<Error>)"), h.grad_fn.name()


def _add_in_place(torch):
    class AddInPlace(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            x.add_(y)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g, g * 2

    return AddInPlace


def dirty_input(torch):
    """mark_dirty: the modified input is the output itself, its grad_fn the function's node
    (leading to its old grad_fn), its version moved on; a leaf that did not require grad
    becomes a non-leaf; unrecorded (no_grad), the output is an alias and nothing is rebased."""
    AddInPlace = _add_in_place(torch)
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    base = a * 1
    before = base._version
    out = AddInPlace.apply(base, torch.tensor([1.0, 2.0, 3.0]))
    nexts = [type(n).__name__ if n is not None else None for n, _ in out.grad_fn.next_functions]
    (out * out).sum().backward()
    plain, b = torch.zeros(3), torch.ones(3, requires_grad=True)
    made = AddInPlace.apply(plain, b)
    (made * 3).sum().backward()
    with torch.no_grad():
        quiet = AddInPlace.apply(base, torch.ones(3))
    return (out is base, out, type(out.grad_fn).__name__, base._version - before, nexts, a.grad,
            made is plain, plain.is_leaf, b.grad, quiet is base, quiet.grad_fn is None, base)


def dirty_view(torch):
    """mark_dirty on a view of a non-leaf: its base is rebased (CopySlices), so gradients of the
    base see the function; a saved dirty output is checked, unpacked and used."""
    AddInPlace = _add_in_place(torch)
    a = torch.arange(4.0, requires_grad=True)
    c = a * 1
    v = c[1:3]
    out = AddInPlace.apply(v, torch.ones(2))
    (c * c).sum().backward()

    class SquareInPlace(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(x)
            ctx.mark_dirty(x)
            ctx.save_for_backward(x)
            return x

        @staticmethod
        def backward(ctx, g):
            (squared,) = ctx.saved_tensors
            return g * 2 * squared.sqrt()

    w = torch.tensor([2.0, 3.0], requires_grad=True)
    sq = SquareInPlace.apply(w.clone())
    sq.sum().backward()
    return out is v, c, type(c.grad_fn).__name__, a.grad, sq, w.grad


PROGRAMS = [scale_add, exp_double_backward, two_outputs, non_differentiable,
            gradient_reduced_and_cast, setup_context_style, identity_and_no_grad, once,
            dirty_input, dirty_view]


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.__name__ for p in PROGRAMS])
def test_like_pytorch(program, bk, real):
    both(program, bk, real)


# -- errors: the same kind as PyTorch's ------------------------------------------------------------
def _fn(torch, backward, forward=None):
    class Bad(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, k=1.0):
            ctx.save_for_backward(x)
            return forward(x) if forward else x * k

        @staticmethod
        def backward(ctx, g):
            return backward(ctx, g)

    return Bad


@pytest.mark.parametrize("backward, args, words", [
    (lambda ctx, g: (g, g), 1, "incorrect number of gradients (expected 1, got 2)"),
    (lambda ctx, g: g, 2, "incorrect number of gradients (expected 2, got 1)"),
    (lambda ctx, g: (g, g), 2, "gradient different than None at position 2"),
    (lambda ctx, g: g[:1], 1, "invalid gradient at index 0 - got [1] but expected shape "
                              "compatible with [2]"),
], ids=["too many", "too few", "gradient for a number", "bad shape"])
def test_bad_gradients_fail_as_in_pytorch(bk, real, backward, args, words):
    for torch in (bk, real):
        x = torch.ones(2, requires_grad=True)
        y = _fn(torch, backward).apply(*([x, 2.0][:args]))
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
        assert words in str(info.value)


def test_extra_none_gradients_are_allowed(bk, real):
    for torch in (bk, real):
        x = torch.ones(2, requires_grad=True)
        _fn(torch, lambda ctx, g: (3 * g, None, None)).apply(x).sum().backward()
        assert host(x.grad).tolist() == [3.0, 3.0]


def test_saved_tensor_modified_in_place(bk, real):
    for torch in (bk, real):
        x = torch.ones(2, requires_grad=True).clone()
        y = _fn(torch, lambda ctx, g: ctx.saved_tensors[0] * g).apply(x)
        with torch.no_grad():
            x.add_(1)
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
        assert bk.classify_error(info.value) is errors.SavedTensorModifiedError or torch is real


def test_saved_tensors_freed_after_backward(bk, real):
    for torch in (bk, real):
        x = torch.ones(2, requires_grad=True)
        fn = _fn(torch, lambda ctx, g: ctx.saved_tensors[0] * g)
        y = fn.apply(x).sum()
        y.backward(retain_graph=True)
        y.backward()
        assert host(x.grad).tolist() == [2.0, 2.0]
        with pytest.raises(RuntimeError) as info:
            y.backward()
        if torch is bk:
            assert bk.classify_error(info.value) is errors.GraphFreedError


def test_ctx_rejects_what_it_cannot_save(bk):
    class Keep(bk.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3.0)
            return x

    with pytest.raises(TypeError, match="save_for_backward"):
        Keep.apply(bk.ones(1, requires_grad=True))


def test_reachable_by_import(bk):
    from gradspec import scripts

    with scripts.as_torch(bk):
        from torch.autograd import Function  # noqa: F401 - the names a script imports
        from torch.autograd.function import FunctionCtx, once_differentiable  # noqa: F401
    assert Function is bk.autograd.Function


def test_legacy_call_is_refused(bk):
    fn = _fn(bk, lambda ctx, g: g)
    # instantiating is deprecated (a warning, whatever the arguments); calling is refused
    with pytest.warns(DeprecationWarning, match="should not be instantiated"):
        instance = fn(bk.ones(1), scale=2)
    assert isinstance(instance, fn)
    with pytest.raises(RuntimeError, match="static forward"):
        with pytest.warns(DeprecationWarning, match="should not be instantiated"):
            fn()(bk.ones(1))


def test_anomaly_mode_names_the_custom_node(bk):
    if bk.name == "torch":
        pytest.skip("torch's anomaly message is its own; the kind is checked elsewhere")

    class Nan(bk.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1, x * 2

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * float("nan")

    x = bk.ones(2, requires_grad=True)
    with bk.autograd.detect_anomaly():
        a, b = Nan.apply(x)
        with pytest.raises(errors.AnomalyError, match="NanBackward"):
            (a + b).sum().backward()


@pytest.mark.parametrize("case", ["leaf", "not returned", "not an input"])
def test_dirty_inputs_refused_as_in_pytorch(bk, real, case):
    """A leaf that requires grad may not be modified in place (recorded); a dirty input must
    be returned; a tensor that is not an input is ignored (PyTorch says nothing)."""
    for torch in (bk, real):
        class Dirty(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                if case == "not an input":
                    other = x * 1
                    ctx.mark_dirty(other)
                    return other
                x.mul_(2)
                ctx.mark_dirty(x)
                return x if case == "leaf" else x * 1

            @staticmethod
            def backward(ctx, g):
                return g

        x = torch.ones(2, requires_grad=True)
        if case == "not an input":
            out = Dirty.apply(x * 1)
            out.sum().backward()
            assert x.grad.tolist() == [1.0, 1.0]
            continue
        with pytest.raises(RuntimeError):
            Dirty.apply(x if case == "leaf" else x * 1)
