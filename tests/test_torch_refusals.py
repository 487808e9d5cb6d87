"""What PyTorch refuses, gradspec's engine refuses too, with an error of PyTorch's kind that
says what to do instead (numpy itself would compute something: a reversed view, an integer
difference, a softmax of integers); and softmax's ``dtype=`` and implicit dim, as PyTorch."""

from __future__ import annotations

import warnings

import pytest

from support import load_or_skip

ENGINES = ["numpy", "strict"]


@pytest.fixture(params=ENGINES)
def B(request):
    return load_or_skip(request.param)


def _names(backend):
    return {"torch": backend, "F": backend.nn.functional, "x": backend.arange(6.0).view(2, 3),
            "b": backend.tensor([True, False]), "i": backend.tensor([1, 2, 3])}


#: expression -> (PyTorch's error kind, what our message must say)
REFUSED = {
    "x[::-1]": (ValueError, r"negative step .* flip"),
    "x[:, ::-2]": (ValueError, r"negative step"),
    "1 - b": (RuntimeError, r"bool tensors .* ~ or logical_not\(\)"),
    "b - 1.0": (RuntimeError, r"bool tensors .* ~ or logical_not\(\)"),
    "b - b": (RuntimeError, r"bool tensors .* \^ or logical_xor\(\)"),
    "torch.sub(b, b)": (RuntimeError, r"logical_xor"),
    "-b": (RuntimeError, r"^Negation, the `-` operator, on a bool tensor is not supported.*"
                         r"logical_not\(\)"),
    "b.neg()": (RuntimeError, r"^Negation, the `-` operator, on a bool tensor"),
    "b.sub_(b)": (RuntimeError, r"bool tensors"),
    "torch.softmax(i, 0)": (NotImplementedError, r"softmax\(\) .* int64 .* dtype=torch.float32"),
    "i.log_softmax(0)": (NotImplementedError, r"log_softmax\(\) .* int64"),
    "F.softmax(i, 0)": (NotImplementedError, r"softmax\(\) .* int64"),
}


@pytest.mark.parametrize("expr", list(REFUSED))
def test_refused_as_pytorch_refuses_with_a_message_that_says_what_to_do(B, expr):
    kind, message = REFUSED[expr]
    names = _names(B)
    before = {k: v.tolist() for k, v in names.items() if hasattr(v, "tolist")}
    with pytest.raises(kind, match=message):
        eval(expr, names)
    assert {k: v.tolist() for k, v in names.items() if hasattr(v, "tolist")} == before


@pytest.mark.parametrize("expr", list(REFUSED))
def test_pytorch_refuses_each_with_the_same_kind(expr):
    torch = load_or_skip("torch")
    kind, _ = REFUSED[expr]
    with pytest.raises(kind):
        eval(expr, _names(torch))


@pytest.mark.parametrize("expr,dtype", [
    ("F.softmax(x, dim=1, dtype=torch.float64)", "float64"),
    ("torch.softmax(x, 1, dtype=torch.float64)", "float64"),
    ("x.softmax(1, dtype=torch.float64)", "float64"),
    ("F.log_softmax(i, 0, dtype=torch.float32)", "float32"),
    ("i.log_softmax(0, torch.float32)", "float32"),
    ("F.softmax(x, 1, 3, torch.float64)", "float64"),  # PyTorch's positional _stacklevel
])
def test_softmax_computes_in_the_dtype_asked_for(B, expr, dtype):
    out = eval(expr, _names(B))
    assert str(out.dtype) == f"torch.{dtype}"
    total = out.exp().sum(-1) if "log" in expr else out.sum(-1)
    assert all(abs(v - 1) < 1e-6 for v in total.reshape(-1).tolist())


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_without_dim_warns_and_takes_pytorchs_implicit_dim(B, fn):
    x = B.arange(6.0).view(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        got = getattr(B.nn.functional, fn)(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        want = getattr(B.nn.functional, fn)(x, 1)  # a 2-d input: dim 1
    assert got.tolist() == want.tolist()


def test_plain_subtraction_and_slicing_still_work(B):
    names = _names(B)
    assert eval("x[:, ::2]", names).tolist() == [[0.0, 2.0], [3.0, 5.0]]
    assert eval("(1 - b.int()).tolist()", names) == [0, 1]
    assert eval("(~b).tolist()", names) == [False, True]
    assert eval("(x - 1)[0].tolist()", names) == [-1.0, 0.0, 1.0]


MHA_CASES = {  # key and value shapes -> PyTorch's kind (it asserts its shape checks)
    ("same", (3, 2, 5), (3, 2, 8)): AssertionError,  # key and value differ
    ("same", (4, 2, 8), (3, 2, 8)): AssertionError,  # another sequence length
    ("same", (3, 2, 5), (3, 2, 5)): RuntimeError,  # the projection's product fails
    ("kv", (4, 2, 5), (3, 2, 6)): AssertionError,
    ("kv", (4, 2, 6), (4, 2, 6)): AssertionError,  # not kdim features
}


@pytest.mark.parametrize("case", list(MHA_CASES))
def test_multihead_attention_refuses_mismatched_inputs_with_pytorchs_kinds(B, case):
    layer, kshape, vshape = case
    B.manual_seed(0)
    m = (B.nn.MultiheadAttention(8, 2) if layer == "same" else
         B.nn.MultiheadAttention(8, 2, kdim=5, vdim=6))
    with pytest.raises(MHA_CASES[case]):
        m(B.randn(3, 2, 8), B.randn(*kshape), B.randn(*vshape))
    if layer == "kv":  # the right sizes pass
        out, _ = m(B.randn(3, 2, 8), B.randn(4, 2, 5), B.randn(4, 2, 6))
        assert tuple(out.shape) == (3, 2, 8)


LEAF_WRITES = {
    "t[0] = v": (lambda w: w.__setitem__(0, 5.0), "a view of a leaf Variable"),
    "t[0:2] = v": (lambda w: w.__setitem__(slice(0, 2), 5.0), "a view of a leaf Variable"),
    "t[:] = v": (lambda w: w.__setitem__(slice(None), 5.0), "a leaf Variable"),
    "t[...] = v": (lambda w: w.__setitem__(Ellipsis, 5.0), "a leaf Variable"),
    "t[[0, 1]] = v": (lambda w: w.__setitem__([0, 1], 5.0), "a leaf Variable"),
    "t[mask] = v": (lambda w: w.__setitem__(w > 0, 5.0), "a leaf Variable"),
}


@pytest.mark.parametrize("case", sorted(LEAF_WRITES))
def test_writing_into_a_leaf_names_the_view_as_pytorch_does(B, case):
    """An assignment into a leaf that requires grad is refused; PyTorch's message says "a view
    of a leaf" when the write goes through a view (an int or a partial slice), "a leaf"
    otherwise; nothing is written."""
    write, words = LEAF_WRITES[case]
    w = B.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=f"^{words} that requires grad is being used"):
        write(w)
    assert w.tolist() == [1.0, 1.0, 1.0]


def test_only_a_0d_tensor_takes_a_number_format(B):
    """f"{t:.2f}" formats a 0-d tensor's number; PyTorch refuses a format string for any other
    tensor (one element or more) with TypeError, and "" gives the tensor's repr."""
    assert f"{B.tensor(2.71828):.3f}" == "2.718" and f"{B.tensor(7):03d}" == "007"
    t = B.tensor([0.5, 1.25])
    assert f"{t}" == repr(t)
    for bad in (t, B.tensor([2.5])):
        with pytest.raises(TypeError, match="^unsupported format string passed to Tensor.__format__"):
            f"{bad:.2f}"


LINALG_REFUSALS = {
    "det of a vector": lambda t: t.linalg.det(t.ones(3)),
    "inv of a vector": lambda t: t.linalg.inv(t.ones(3)),
    "svd of a vector": lambda t: t.linalg.svd(t.ones(3)),
    "det not square": lambda t: t.linalg.det(t.ones(2, 3)),
    "det of int64": lambda t: t.linalg.det(t.ones(2, 2, dtype=t.int64)),
    "qr of int32": lambda t: t.linalg.qr(t.ones(2, 2, dtype=t.int32)),
    "solve of mixed dtypes": lambda t: t.linalg.solve(t.eye(2), t.ones(2, dtype=t.float64)),
    "where of a float condition": lambda t: t.where(t.ones(2), t.ones(2), t.zeros(2)),
    "bitwise of float64": lambda t: t.ones(2, dtype=t.float64) & t.ones(2, dtype=t.float64),
    "bitwise of a Python float": lambda t: t.ones(2, dtype=t.int64) & 1.5,
}


@pytest.mark.parametrize("case", sorted(LINALG_REFUSALS))
def test_refusals_name_dtypes_and_dimensions_as_pytorch(B, case):
    """PyTorch's messages name dtypes by its C++ names (Long, Int, Float, Double) and say when
    a matrix function got fewer than two dimensions; ours open with the same words."""
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        LINALG_REFUSALS[case](torch)
    with pytest.raises(type(theirs.value)) as ours:
        LINALG_REFUSALS[case](B)
    assert str(ours.value).startswith(str(theirs.value).split(" (")[0].rstrip("."))


ACCEPTED_AS_IN_TORCH = {
    "sum(dim=[]) reduces everything": lambda t: t.arange(6.0).reshape(2, 3).sum(dim=[]),
    "mean(dim=[])": lambda t: t.arange(6.0).reshape(2, 3).mean(dim=[]),
    "std(dim=[])": lambda t: t.arange(6.0).reshape(2, 3).std(dim=[]),
    "var(dim=[])": lambda t: t.arange(6.0).reshape(2, 3).var(dim=[]),
    "amax(dim=[])": lambda t: t.arange(6.0).reshape(2, 3).amax(dim=[]),
    "add a number times alpha": lambda t: t.ones(3).add(1, alpha=2),
    "sub a number times alpha": lambda t: t.ones(3).sub(1, alpha=2),
    "add_ a number times alpha": lambda t: t.ones(2).add_(1, alpha=2),
    "cat skips a 1-d empty tensor": lambda t: t.cat([t.tensor([]), t.arange(12.0).reshape(3, 4)]),
    "cat skips it on dim 1": lambda t: t.cat([t.arange(4.0).reshape(2, 2), t.tensor([])], 1),
}


@pytest.mark.parametrize("case", sorted(ACCEPTED_AS_IN_TORCH))
def test_calls_pytorch_accepts(B, case):
    torch = pytest.importorskip("torch")
    ours, theirs = ACCEPTED_AS_IN_TORCH[case](B), ACCEPTED_AS_IN_TORCH[case](torch)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.flatten().tolist() == pytest.approx(theirs.flatten().tolist(), rel=1e-6)


#: calls PyTorch answers in a way numpy would not (a shape, a dtype, an error kind): each must
#: give what torch gives, or raise what it raises
EDGE_CALLS = {
    "argmax keepdim without dim": lambda t: t.arange(6.0).reshape(2, 3).argmax(keepdim=True),
    "argmin keepdim without dim": lambda t: t.arange(6.0).reshape(2, 3).argmin(keepdim=True),
    "arange of a 0-d float tensor": lambda t: t.arange(t.tensor(3.5)),
    "arange of 0-d int tensors": lambda t: t.arange(t.tensor(2), t.tensor(5)),
    "int64 arange of float bounds": lambda t: t.arange(0.5, 5.7, 1.5, dtype=t.int64),
    "int32 arange of float bounds": lambda t: t.arange(-3.5, 2, 1.7, dtype=t.int32),
    "int64 arange counting down": lambda t: t.arange(5.5, -2, -1.5, dtype=t.int64),
    "bool arange": lambda t: t.arange(3, dtype=t.bool),
    "int arange of a zero int step": lambda t: t.arange(0, 1, 0.3, dtype=t.int64),
    "chunks of an empty dim": lambda t: t.stack([c.sum() for c in t.arange(0).chunk(3)]),
    "max along an empty dim": lambda t: t.empty(0, 3).max(0).values,
    "argmax along an empty dim": lambda t: t.empty(0, 3).argmax(0),
    "argmax of nothing": lambda t: t.empty(0, 3).argmax(),
    "add_ into an expanded view": lambda t: t.ones(3, 1).expand(2, 3, 1).add_(1),
    "allclose of shapes that do not broadcast": lambda t: t.tensor(t.allclose(t.ones(3), t.ones(2))),
    "masked_fill of ints with NaN": lambda t: t.arange(4).masked_fill(t.tensor([True, False] * 2), float("nan")),
    "index_select out of range": lambda t: t.zeros(4).index_select(0, t.tensor([4])),
    "index_add out of range": lambda t: t.zeros(4).index_add(0, t.tensor([4]), t.ones(1)),
    "index_fill out of range": lambda t: t.zeros(4).index_fill(0, t.tensor([4]), 1.0),
    "index_fill from the end": lambda t: t.zeros(4).index_fill(0, t.tensor([-1]), 1.0),
    "mT of a vector": lambda t: t.arange(4.0).mT,
    "clamp without bounds": lambda t: t.clamp(t.ones(2)),
    "tensor_split by a 0-d tensor": lambda t: t.stack(t.arange(6.0).reshape(2, 3).tensor_split(t.tensor(3), dim=1)),
    "tensor_split at a tensor of indices": lambda t: t.arange(6.0).tensor_split(t.tensor([1, 4]))[1],
    "lerp with a float64 0-d weight": lambda t: t.lerp(t.zeros(2), t.ones(2), t.tensor(0.25, dtype=t.float64)),
    "flatten start after end": lambda t: t.ones(3, 4).flatten(1, 0),
    "stack of one tensor": lambda t: t.stack(t.ones(2, 3)),
    "cat of one tensor": lambda t: t.cat(t.ones(2, 3)),
    "an integer beyond int64": lambda t: t.tensor([2**63]),
}


@pytest.mark.parametrize("case", sorted(EDGE_CALLS))
def test_edge_calls_answer_as_pytorch(B, case):
    torch = pytest.importorskip("torch")
    try:
        theirs = EDGE_CALLS[case](torch)
    except Exception as exc:  # PyTorch refuses: so must we, with the same kind
        with pytest.raises(type(exc)):
            EDGE_CALLS[case](B)
        return
    ours = EDGE_CALLS[case](B)
    assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype)
    assert ours.flatten().tolist() == pytest.approx(theirs.flatten().tolist(), rel=1e-6)
