"""The tutorials' autograd snippets (shared/seeds/*.txt), run verbatim with a gradspec backend in
place of ``import torch``, must print what the tutorials printed.

Each snippet below is the tutorial's code with ``import torch`` replaced by the name ``torch``
bound to a backend (``torch = gradspec.load_backend("numpy")``), and its expected output is the
text the tutorial shows.  Object addresses are normalised; snippets that draw random numbers
are compared with every number masked (their shape, layout and suffixes must still match), and
the numbers that do not depend on the draw are checked exactly.  The torch backend runs the same
snippets, which keeps the expectations honest: they are what PyTorch prints.

The second half compares our tensors' ``repr`` with PyTorch's over many values, shapes and
dtypes (torch's printing is the canon users know).
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import textwrap
import warnings

import numpy as np
import pytest

import gradspec
from gradspec import plugins

SEED = 2024
_ADDRESS = re.compile(r"0x[0-9A-Fa-f]+")
_NUMBER = re.compile(r" *-?\d+\.\d{4}(e[+-]\d+)?")  # with the padding that aligns it


def _run(code: str, backend, seed: int | None = None) -> tuple[str, dict]:
    """Run a snippet with ``torch`` bound to ``backend``; return what it printed.

    ``seed`` seeds the backend's generator first, so that the draws of a random snippet are the
    same in every run (a draw spanning more than 1000x would print in scientific notation)."""
    if seed is not None:
        backend.manual_seed(seed)
    out = io.StringIO()
    namespace = {"torch": backend}
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tutorials read non-leaf .grad, which warns
        exec(compile(textwrap.dedent(code), "<seed snippet>", "exec"), namespace)
    return out.getvalue(), namespace


def _norm(text: str) -> str:
    return _ADDRESS.sub("0x…", textwrap.dedent(text).strip("\n"))


def _masked(text: str) -> str:
    """Numbers with 4 decimals and their padding become N (widths follow the values)."""
    return _NUMBER.sub("N", _norm(text))


GRAPH = """
w = torch.tensor([1.], requires_grad=True)
x = torch.tensor([2.], requires_grad=True)

a = torch.add(w, x)
{retain}b = torch.add(w, 1)
y = torch.mul(a, b)
"""

# (id, code, the tutorial's printed text)
SNIPPETS = [
    ("000-backward", GRAPH.format(retain="") + """
y.backward()
print(w.grad)   # tensor([5.])
""", "tensor([5.])"),

    ("000-is-leaf-and-gradients", GRAPH.format(retain="") + """
y.backward()
print("is_leaf:\\n", w.is_leaf, x.is_leaf, a.is_leaf, b.is_leaf, y.is_leaf)
print("gradient:\\n", w.grad, x.grad, a.grad, b.grad, y.grad)
""", """
is_leaf:
 True True False False False
gradient:
 tensor([5.]) tensor([2.]) None None None
"""),

    ("000-retain-grad", GRAPH.format(retain="a.retain_grad()\n") + """
y.backward()
print("gradient:\\n", w.grad, x.grad, a.grad, b.grad, y.grad)
""", """
gradient:
 tensor([5.]) tensor([2.]) tensor([2.]) None None
"""),

    # The tutorial shows the second line only (its header line comes from the same print).
    ("000-grad-fn", GRAPH.format(retain="a.retain_grad()\n") + """
y.backward()
print("grad_fn:\\n", w.grad_fn, x.grad_fn, a.grad_fn, b.grad_fn, y.grad_fn)
""", "grad_fn:\n None None <AddBackward0 object at 0x0000029AECF56D08> "
     "<AddBackward0 object at 0x0000029AEEFEB248> <MulBackward0 object at 0x0000029AEEFEB748>"),

    ("000-dynamic-graph", GRAPH.format(retain="") + """
print(y)    # tensor([6.], grad_fn=<MulBackward0>)
""", "tensor([6.], grad_fn=<MulBackward0>)"),

    ("000-autograd-grad-second-order", """
x = torch.tensor([3.], requires_grad=True)
y = torch.pow(x, 2)   # y=x^2

grad_1 = torch.autograd.grad(y, x, create_graph=True)
print(grad_1)   # (tensor([6.], grad_fn=<MulBackward0>),)

grad_2 = torch.autograd.grad(grad_1[0], x)
print(grad_2)  # (tensor([2.]),)
""", """
(tensor([6.], grad_fn=<MulBackward0>),)
(tensor([2.]),)
"""),

    ("000-autograd-grad-several-inputs", """
x1 = torch.tensor(1.0,requires_grad = True)
x2 = torch.tensor(2.0,requires_grad = True)

y1 = x1*x2
y2 = x1+x2

(dy1_dx1,dy1_dx2) = torch.autograd.grad(outputs=y1,inputs = [x1,x2],retain_graph = True)
print(dy1_dx1,dy1_dx2)        # tensor(2.) tensor(1.)

(dy12_dx1,dy12_dx2) = torch.autograd.grad(outputs=[y1,y2],inputs = [x1,x2])
print(dy12_dx1,dy12_dx2)        # tensor(3.) tensor(2.)
""", """
tensor(2.) tensor(1.)
tensor(3.) tensor(2.)
"""),

    ("000-gradients-accumulate", """
w = torch.tensor([1.], requires_grad=True)
x = torch.tensor([2.], requires_grad=True)

for i in range(4):
    a = torch.add(w, x)
    b = torch.add(w, 1)
    y = torch.mul(a, b)

    y.backward()
    print(w.grad)
""", """
tensor([5.])
tensor([10.])
tensor([15.])
tensor([20.])
"""),

    ("001-zero-grad", """
w = torch.tensor([1.], requires_grad=True)
x = torch.tensor([2.], requires_grad=True)

for i in range(4):
    a = torch.add(w, x)
    b = torch.add(w, 1)
    y = torch.mul(a, b)

    y.backward()
    print(w.grad)

    w.grad.zero_()
""", """
tensor([5.])
tensor([5.])
tensor([5.])
tensor([5.])
"""),

    ("000-dependents-require-grad", GRAPH.format(retain="") + """
print(w.requires_grad, a.requires_grad, b.requires_grad)
""", "True True True"),

    ("001-dependents-require-grad", GRAPH.format(retain="") + """
print(a.requires_grad, b.requires_grad, y.requires_grad)
""", "True True True"),

    ("001-retain-graph", GRAPH.format(retain="") + """
y.backward(retain_graph=True)
print(w.grad)
""", "tensor([5.])"),

    ("001-grad-tensors", """
w = torch.tensor([1.], requires_grad=True)
x = torch.tensor([2.], requires_grad=True)

a = torch.add(w, x)  # retain_grad()
b = torch.add(w, 1)

y0 = torch.mul(a, b)  # y0 = (x+w) * (w+1)
y1 = torch.add(a, b)  # y1 = (x+w) + (w+1)    dy1/dw = 2

loss = torch.cat([y0, y1], dim=0)  # [y0, y1]
grad_tensors = torch.tensor([1., 2.])

loss.backward(gradient=grad_tensors)

print(w.grad)
""", "tensor([9.])"),

    # The weights of the first run in 000's text (5 + 2 = 7), on 001's graph.
    ("000-grad-tensors-ones", """
w = torch.tensor([1.], requires_grad=True)
x = torch.tensor([2.], requires_grad=True)
a = torch.add(w, x)
b = torch.add(w, 1)
y0 = torch.mul(a, b)
y1 = torch.add(a, b)
loss = torch.cat([y0, y1], dim=0)

grad_tensors = torch.tensor([1., 1.])
loss.backward(gradient=grad_tensors)
print(w.grad)   #  tensor([7.])   5+2
""", "tensor([7.])"),

    ("003-requires-grad-propagates", """
x = torch.randn(5, 5)
y = torch.randn(5, 5)
z = x + y
print(z.requires_grad)

x = torch.randn(5, 5, requires_grad=True)
y = torch.randn(5, 5)
z = x + y
print(z.requires_grad)
""", """
False
True
"""),

    ("004-leaves-and-grad-fn", """
x=torch.Tensor([2])
w=torch.randn(1,requires_grad=True)
b=torch.randn(1,requires_grad=True)
y=torch.mul(w,x)  #等价于w*x
z=torch.add(y,b)  #等价于y+b
print("x,w,b的require_grad属性分别为：{},{},{}".format(x.requires_grad,w.requires_grad,b.requires_grad))
print("y，z的requires_grad属性分别为：{},{}".format(y.requires_grad,z.requires_grad))
print("x，w，b，y，z的是否为叶子节点：{},{},{},{},{}".format(x.is_leaf,w.is_leaf,b.is_leaf,y.is_leaf,z.is_leaf))
print("x，w，b的grad_fn属性：{},{},{}".format(x.grad_fn,w.grad_fn,b.grad_fn))
print("y，z的是否为叶子节点：{},{}".format(y.grad_fn,z.grad_fn))

z.backward()
print("参数w,b的梯度分别为:{},{},{}".format(w.grad,b.grad,x.grad))
print("非叶子节点y,z的梯度分别为:{},{}".format(y.grad,z.grad))
""", """
x,w,b的require_grad属性分别为：False,True,True
y，z的requires_grad属性分别为：True,True
x，w，b，y，z的是否为叶子节点：True,True,True,False,False
x，w，b的grad_fn属性：None,None,None
y，z的是否为叶子节点：<MulBackward0 object at 0x0>,<AddBackward0 object at 0x0>
参数w,b的梯度分别为:tensor([2.]),tensor([1.]),None
非叶子节点y,z的梯度分别为:None,None
"""),

    ("004-jacobian", """
x= torch.tensor([[2, 3]], dtype=torch.float, requires_grad=True)
J= torch.zeros(2 ,2)
y = torch.zeros(1, 2)
y[0, 0] = x[0, 0] ** 2 + 3 * x[0 ,1]
y[0, 1] = x[0, 1] ** 2 + 2 * x[0, 0]

y.backward(torch.Tensor([[1, 0]]),retain_graph=True)
J[0]=x.grad
x.grad = torch.zeros_like(x.grad)
y.backward(torch.Tensor([[0, 1]]))
J[1]=x.grad
print(J)
""", """
tensor([[4., 3.],
        [2., 6.]])
"""),

    # The tutorial's first (commented-out) attempt: v = (1, 1) sums the Jacobian's rows.
    ("004-jacobian-ones", """
x= torch.tensor([[2, 3]], dtype=torch.float, requires_grad=True)
y = torch.zeros(1, 2)
y[0, 0] = x[0, 0] ** 2 + 3 * x[0 ,1]
y[0, 1] = x[0, 1] ** 2 + 2 * x[0, 0]
y.backward(torch.Tensor([[1, 1]]))
print(x.grad)
""", "tensor([[6., 9.]])"),
]


@pytest.mark.parametrize("code, expected", [pytest.param(c, e, id=i) for i, c, e in SNIPPETS])
def test_seed_snippet_prints_what_the_tutorial_printed(any_backend, code, expected):
    printed, _ = _run(code, any_backend)
    assert _norm(printed) == _norm(expected)


def test_seed_grad_fn_line_matches_the_tutorial_once_tags_are_dropped(any_backend):
    # 004 shows `y，z的是否为叶子节点：,`: its page lost the `<...>` reprs as HTML tags.
    code = dict((i, c) for i, c, _ in SNIPPETS)["004-leaves-and-grad-fn"]
    printed, _ = _run(code, any_backend)
    line = printed.splitlines()[4]
    assert re.sub(r"<[^>]*>", "", line) == "y，z的是否为叶子节点：,"


def test_seed_in_place_keeps_the_object(any_backend):
    printed, _ = _run("""
a = torch.ones((1,))
print(id(a), a)    # 1407221517192 tensor([1.])

a = a + torch.ones((1,))
print(id(a), a)    # 1407509388808 tensor([2.])

a = torch.ones((1,))
print(id(a), a)    # 2112218352520 tensor([1.])
a += torch.ones((1,))
print(id(a), a)   # 2112218352520 tensor([2.])
""", any_backend)
    lines = [line.split(" ", 1) for line in printed.splitlines()]
    assert [text for _, text in lines] == ["tensor([1.])", "tensor([2.])", "tensor([1.])",
                                           "tensor([2.])"]
    ids = [int(i) for i, _ in lines]
    assert ids[0] != ids[1]  # a + b is a new object
    assert ids[2] == ids[3]  # a += b changes a in place


def test_seed_leaf_in_place_error(any_backend):
    code = GRAPH.format(retain="") + """
w.add_(1)

y.backward()
"""
    with pytest.raises(RuntimeError) as info:
        _run(code, any_backend)
    # 001 shows: RuntimeError: a leaf Variable that requires grad has been used in an in-place
    # operation.  (PyTorch says "is being used" today; we say "tensor" for "Variable".)
    assert re.search(r"a leaf \w+ that requires grad (is being|has been) used in an in-place "
                     r"operation", str(info.value))
    assert any_backend.classify_error(info.value).kind == "leaf-in-place"


def test_seed_random_sum_prints_like_the_tutorial(any_backend):
    printed, ns = _run("""
x = torch.randn(3,4,requires_grad=True)
print(x)

y  = torch.randn(3,4 ,requires_grad=True)
print(y)

t = x + y
z = t.sum()
print(z)

z.backward()
print(y.grad)

print(x.requires_grad, y.requires_grad, z.requires_grad)
""", any_backend, seed=SEED)
    tutorial = """
tensor([[-0.6043, -0.1153,  0.3664, -0.4803],
        [-0.8925, -0.4327, -0.4175,  0.6769],
        [ 0.3795,  1.0685, -1.3675,  1.3260]], requires_grad=True)
tensor([[ 1.0355, -1.0343, -0.3214,  0.2042],
        [ 1.3049,  0.4144,  0.7120,  1.8672],
        [ 1.6937,  0.6042,  1.2528, -0.0939]], requires_grad=True)
tensor(7.1465, grad_fn=<SumBackward0>)
tensor([[1., 1., 1., 1.],
        [1., 1., 1., 1.],
        [1., 1., 1., 1.]])
True True True
"""
    assert _masked(printed) == _masked(tutorial)
    # what does not depend on the draw is exact: y.grad and the flags
    assert _norm(printed).splitlines()[-4:] == _norm(tutorial).splitlines()[-4:]
    z = ns["z"]
    assert f"tensor({z.item():.4f}, grad_fn=<SumBackward0>)" in printed


def test_seed_scalar_backward_accumulates_over_reruns(any_backend):
    # 004 ran its backward cell three times (In [5]): b.grad shows 3 and w.grad three times x.
    printed, ns = _run("""
x = torch.randn(1)
b = torch.randn(1, requires_grad=True)
w = torch.randn(1, requires_grad=True)
y = w * x
z = y + b
print(x.requires_grad, b.requires_grad, w.requires_grad, y.requires_grad)
print(x.is_leaf, b.is_leaf, w.is_leaf, y.is_leaf,z.is_leaf)

for run in range(3):
    z.backward(retain_graph = True)
print('w.grad:', w.grad)
print('b.grad:', b.grad) # 梯度会累加
""", any_backend, seed=SEED)
    assert _masked(printed) == _masked("""
False True True True
True True True False False
w.grad: tensor([-2.1708])
b.grad: tensor([3.])
""")
    x, w = ns["x"], ns["w"]
    assert w.grad.item() == pytest.approx(3 * x.item(), rel=1e-6)


# ------------------------------------------------------------------------------ repr vs torch
def _cases() -> list:
    inf, nan = math.inf, math.nan
    rng = np.random.default_rng(7)
    cases = [
        ("ints", [1, 2, 3], None), ("negative-ints", [-5, 100, 7], None),
        ("bools", [True, False], None), ("floats-4-decimals", [1.5, 2.25, -3.125], None),
        ("small-floats", [0.1, 0.2], None), ("integral-floats", [1.0, 2.0, -30.0], None),
        ("sci-small", [1e-5, 1.0], None), ("sci-large", [1e10], None),
        ("sci-range", [1.0, 1e6], None), ("big-float", [123456.789], None),
        ("just-above-1e-4", [1e-4, 1.0], None), ("nan-inf", [nan, inf, -inf, 1.5], None),
        ("nan", [nan], None), ("one-third", [1 / 3], None), ("negative-one", [-1.0, 1.0], None),
        ("0d-float", 3.5, None), ("0d-integral", 2.0, None), ("0d-int", 5, None),
        ("0d-bool", True, None), ("empty", [], None),
        ("2d", [[1.5, -2.0], [3.0, 4.25]], None),
        ("3d-ints", [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], None),
        ("randn-3x4", rng.standard_normal((3, 4)).astype(np.float32).tolist(), None),
        ("wide-row", (rng.standard_normal(30) * 100).astype(np.float32).tolist(), None),
        ("long-ints", list(range(-20, 20)), None),
        ("inf-and-one", [inf, 1.0], None), ("zeros", [0.0, 0.0], None),
        ("negative-zero", [-0.0], None), ("nan-and-two", [2.0, nan], None),
        ("float64", [1.0, 2.0], "float64"), ("int32", [1, 2], "int32"),
        ("float16", [0.5], "float16"), ("float64-sci", [1e300, 1.0], "float64"),
    ]
    return cases


def _tensor(B, data, dtype):
    if dtype is None:
        return B.tensor(data)
    if getattr(B, dtype, None) is None:
        pytest.skip(f"backend {B.name!r} has no {dtype}")
    return B.tensor(data, dtype=getattr(B, dtype))


def _pairs() -> list:
    out = []
    for name, data, dtype in _cases():
        out.append((name, lambda B, data=data, dtype=dtype: _tensor(B, data, dtype)))
    out += [
        ("requires-grad", lambda B: B.tensor([1.0, 2.0], requires_grad=True)),
        ("grad-fn", lambda B: B.tensor([1.0, 2.0], requires_grad=True) * 2),
        ("0d-grad-fn", lambda B: (B.tensor([1.5, 2.25], requires_grad=True) * 2).sum()),
        ("empty-2d", lambda B: B.zeros(0, 3)),
        ("empty-2d-trailing", lambda B: B.zeros(2, 0)),
        ("arange-50", lambda B: B.arange(50, dtype=B.float32)),
        ("one-thousand", lambda B: B.arange(1000, dtype=B.float32)),
        ("summarised-1d", lambda B: B.arange(2000, dtype=B.float32)),
        ("summarised-ints", lambda B: B.arange(1001)),
        ("summarised-2d", lambda B: B.arange(2400.0).reshape(40, 60)),
    ]
    return out


@pytest.fixture(scope="module", params=["numpy", "strict"])
def ours(request):
    ok, why = plugins.availability(request.param)
    if not ok:
        pytest.skip(f"backend {request.param!r} unavailable: {why}")
    return gradspec.load_backend(request.param)


@pytest.mark.parametrize("make", [pytest.param(make, id=name) for name, make in _pairs()])
def test_repr_matches_torch(ours, torch_backend, make):
    assert repr(make(ours)) == repr(make(torch_backend))
