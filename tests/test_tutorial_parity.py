"""What PyTorch's tutorials print and do, the engine prints and does: the graph a reflected
operator records (``2 * x`` lists the tensor first, as the autograd tutorial walks it),
``out=`` arguments, the memory-format and layout names, half-precision random draws, a custom
Function's node, and ParameterDict's key order.  Each is compared with PyTorch where it is
installed."""

from __future__ import annotations

import pickle
import warnings

import pytest

from support import load_or_skip

ENGINES = ["numpy", "strict"]


@pytest.fixture(params=ENGINES)
def B(request):
    return load_or_skip(request.param)


def _edges(fn):
    return [(type(f).__name__ if f is not None else None) for f, _ in fn.next_functions]


REFLECTED = {
    "2 * x": lambda x: 2 * x, "2 + x": lambda x: 2 + x, "2 - x": lambda x: 2 - x,
    "2 / x": lambda x: 2 / x, "2.5 - x": lambda x: 2.5 - x, "2 ** x": lambda x: 2 ** x,
    "x * 2": lambda x: x * 2, "x - 2": lambda x: x - 2, "2 * (x * 1)": lambda x: 2 * (x * 1),
    "3 / (x + 1)": lambda x: 3 / (x + 1),
}


@pytest.mark.parametrize("expr", sorted(REFLECTED))
def test_reflected_operators_record_pytorchs_graph_and_values(B, expr):
    torch = pytest.importorskip("torch")
    x, tx = B.tensor([1.0, 2.0, 3.0], requires_grad=True), torch.tensor([1.0, 2.0, 3.0],
                                                                          requires_grad=True)
    ours, theirs = REFLECTED[expr](x), REFLECTED[expr](tx)
    assert ours.grad_fn.name() == theirs.grad_fn.name()
    assert _edges(ours.grad_fn) == _edges(theirs.grad_fn)
    assert ours.tolist() == theirs.tolist()  # to the bit: 2 / x is reciprocal(x) * 2 there
    ours.sum().backward()
    theirs.sum().backward()
    assert x.grad.tolist() == pytest.approx(tx.grad.tolist(), rel=1e-6)


def test_the_autograd_tutorials_walk_down_next_functions(B):
    """introyt's autograd tutorial: d = 2 * sin(a) + 1, then next_functions twice."""
    a = B.linspace(0.0, 6.28, 25, requires_grad=True)
    d = 2 * B.sin(a) + 1
    mul = d.grad_fn.next_functions[0][0]
    assert type(mul).__name__ == "MulBackward0"
    sin = mul.next_functions[0][0]
    assert type(sin).__name__ == "SinBackward0"
    assert type(sin.next_functions[0][0]).__name__ == "AccumulateGrad"
    d.sum().backward()
    assert a.grad.tolist() == pytest.approx((2 * B.cos(a.detach())).tolist())


def test_number_minus_tensor_has_one_edge_and_keeps_dtypes(B):
    x = B.tensor([1.0, 2.0], requires_grad=True)
    y = 1.5 - x
    assert y.grad_fn.name() == "RsubBackward1" and len(y.grad_fn.next_functions) == 1
    y.sum().backward()
    assert x.grad.tolist() == [-1.0, -1.0]
    assert (2.5 - B.tensor([1, 2])).dtype == B.float32  # an integer tensor still promotes
    assert (1 - B.tensor([1, 2])).tolist() == [0, -1]


def test_out_writes_into_the_given_tensor(B):
    x = B.arange(4.0).reshape(2, 2)
    y = B.empty(2, 2)
    assert B.matmul(x, x, out=y) is y
    assert y.tolist() == (x @ x).tolist()
    z = B.zeros(0)
    B.add(x, 1, out=z)  # an empty out= is resized quietly
    assert z.tolist() == (x + 1).tolist()
    w = B.zeros(3)
    with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
        B.mul(x, 2, out=w)
    assert w.shape == (2, 2)


def test_out_refuses_what_pytorch_refuses(B):
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        B.add(B.ones(2, requires_grad=True), 1, out=B.empty(2))
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        B.add(B.ones(2), 0.5, out=B.empty(2, dtype=B.long))
    with pytest.raises(TypeError, match="argument 'out' must be Tensor"):
        B.add(B.ones(2), 1, out=[0.0, 0.0])
    with B.no_grad():  # under no_grad, inputs that require grad are fine
        out = B.empty(2)
        B.add(B.ones(2, requires_grad=True), 1, out=out)
    assert out.tolist() == [2.0, 2.0] and not out.requires_grad


def test_memory_formats_and_layouts_are_named_and_accepted(B):
    x = B.ones(1, 2, 3, 3)
    assert repr(B.channels_last) == "torch.channels_last"
    assert repr(B.contiguous_format) == "torch.contiguous_format"
    assert repr(B.strided) == "torch.strided" and x.layout is B.strided
    assert isinstance(B.preserve_format, B.memory_format)
    assert pickle.loads(pickle.dumps(B.channels_last)) is B.channels_last
    same = [x.to(memory_format=B.channels_last), x.contiguous(memory_format=B.channels_last),
            B.zeros_like(x, memory_format=B.legacy_contiguous_format) + 1,
            B.ones_like(x, memory_format=B.channels_last), x.clone(memory_format=B.preserve_format),
            B.full_like(x, 1.0, memory_format=B.contiguous_format)]
    for y in same:
        assert y.shape == x.shape and y.tolist() == x.tolist()
    assert B.empty(2, 3, memory_format=B.contiguous_format).shape == (2, 3)
    assert B.zeros(2, layout=B.strided).tolist() == [0.0, 0.0]
    with pytest.raises(TypeError, match="argument 'memory_format' must be torch.memory_format"):
        B.zeros_like(x, memory_format="channels_last")
    with pytest.raises(TypeError, match="argument 'layout' must be torch.layout"):
        B.zeros(2, layout="strided")


def test_half_precision_random_draws(B):
    if not hasattr(B, "float16"):
        pytest.skip(f"backend {B.name!r} has no float16 (the array API standard has none)")
    B.manual_seed(0)
    a = B.randn(3, 4, dtype=B.float16)
    u = B.rand(4000, dtype=B.float16)
    assert a.dtype == B.float16 and u.dtype == B.float16
    assert bool((u >= 0).all()) and bool((u < 1).all())  # never rounded up to 1
    assert 0.45 < u.float().mean().item() < 0.55
    assert B.randn_like(a).dtype == B.float16
    assert B.empty(5, dtype=B.float16).uniform_(-1, 1).dtype == B.float16


def test_a_custom_functions_node_reads_as_pytorchs(B):
    class Square(B.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    y = Square.apply(B.tensor([1.0, 2.0], requires_grad=True))
    assert repr(y.grad_fn).startswith("<torch.autograd.function.SquareBackward object at 0x")
    assert type(y.grad_fn).__module__ == "torch.autograd.function"


def test_parameter_dict_sorts_a_plain_dicts_keys_as_pytorch(B):
    nn = B.nn
    pd = nn.ParameterDict({"b": nn.Parameter(B.zeros(1)), "a": nn.Parameter(B.ones(1))})
    assert list(pd.keys()) == ["a", "b"]
    pd.update({"z": nn.Parameter(B.zeros(1)), "y": nn.Parameter(B.zeros(1))})
    assert list(pd.keys()) == ["a", "b", "y", "z"]
    pairs = nn.ParameterDict([("q", nn.Parameter(B.zeros(1))), ("p", nn.Parameter(B.zeros(1)))])
    assert list(pairs.keys()) == ["q", "p"]  # pairs and OrderedDicts keep their order
    torch = pytest.importorskip("torch")
    theirs = torch.nn.ParameterDict({"b": torch.nn.Parameter(torch.zeros(1)),
                                     "a": torch.nn.Parameter(torch.ones(1))})
    assert list(theirs.keys()) == ["a", "b"]


#: functions gradspec composes from other ops, whose result shows PyTorch's node name
COMPOSED_NODES = {
    "hardswish": lambda t, x, y: t.nn.functional.hardswish(x),
    "hardsigmoid": lambda t, x, y: t.nn.functional.hardsigmoid(x),
    "celu": lambda t, x, y: t.nn.functional.celu(x),
    "softshrink": lambda t, x, y: t.nn.functional.softshrink(x),
    "hardshrink": lambda t, x, y: t.nn.functional.hardshrink(x),
    "glu": lambda t, x, y: t.nn.functional.glu(x.reshape(3, 2), 1),
    "prelu": lambda t, x, y: t.nn.functional.prelu(x, t.tensor([0.25])),
    "pairwise_distance": lambda t, x, y: t.nn.functional.pairwise_distance(x, y),
    "soft_margin_loss": lambda t, x, y: t.nn.functional.soft_margin_loss(x, t.ones(2, 3)),
    "pixel_shuffle": lambda t, x, y: t.nn.functional.pixel_shuffle(
        t.ones(1, 4, 1, 1) * x.sum(), 2),
    "unfold": lambda t, x, y: t.nn.functional.unfold(x.reshape(1, 1, 2, 3), 2),
    "embedding_bag": lambda t, x, y: t.nn.functional.embedding_bag(t.tensor([[0, 1]]), x),
    "addcmul": lambda t, x, y: t.addcmul(x, x, y),
    "addcdiv": lambda t, x, y: t.addcdiv(x, x, y + 3),
    "hypot": lambda t, x, y: t.hypot(x, y),
    "logaddexp": lambda t, x, y: t.logaddexp(x, y),
    "xlogy": lambda t, x, y: t.xlogy(x.abs(), y.abs() + 1),
    "sinc": lambda t, x, y: t.sinc(x),
    "frac": lambda t, x, y: x.frac(),
    "nan_to_num": lambda t, x, y: x.nan_to_num(),
    "rsub": lambda t, x, y: t.rsub(x, y),
    "asinh": lambda t, x, y: t.asinh(x),
    "nanmedian": lambda t, x, y: x.nanmedian(),
    "dist": lambda t, x, y: t.dist(x, y),
    "cdist": lambda t, x, y: t.cdist(x, y),
    "clamp by tensors": lambda t, x, y: t.clamp(x, min=y, max=y + 1),
}


@pytest.mark.parametrize("name", sorted(COMPOSED_NODES))
def test_composed_functions_show_pytorchs_node(B, name):
    torch = pytest.importorskip("torch")
    shown = []
    for t in (B, torch):
        x = t.linspace(-2, 2, 6).reshape(2, 3).requires_grad_()
        y = t.linspace(-1, 1, 6).reshape(2, 3).requires_grad_()
        out = COMPOSED_NODES[name](t, x, y)
        shown.append((out.grad_fn.name(), type(out.grad_fn).__name__))
        out.sum().backward()  # the renamed node still computes its gradient
        shown.append(x.grad.reshape(-1).tolist())
    assert shown[0][0] == shown[2][0] == shown[0][1]
    assert shown[1] == pytest.approx(shown[3], rel=1e-5, abs=1e-6)


def test_an_in_place_or_identity_result_is_not_renamed(B):
    x = B.tensor([-4.0, 1.0], requires_grad=True) * 1
    assert B.nn.functional.hardswish(x, inplace=True) is x
    assert x.grad_fn.name() != "HardswishBackward0"  # the in-place write's node, not renamed
    assert x.tolist() == pytest.approx([0.0, 2.0 / 3.0])
    y = B.tensor([1.0, 2.0], requires_grad=True) * 2
    assert B.nn.functional.hardshrink(y).grad_fn.name() == "HardshrinkBackward0"
    assert y.grad_fn.name() == "MulBackward0"  # the input's own node keeps its name
