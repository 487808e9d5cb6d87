"""The short routes of common keys and ops give what the general ones give: ``x[i]`` and
``x[mask]`` (whole rows, gathered with one take, their positions worked out only for a
backward or an assignment), gather/sort/topk over shapes seen before (offsets made once),
integer ``arange`` and ``view``'s shape checks.  Values, gradients, grad_fn names, errors and
assignments are compared with numpy's own fancy indexing and, where torch is installed, with
PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from support import load_or_skip

ENGINES = ["numpy", "strict"]
RNG = np.random.default_rng(7)
BASE = RNG.standard_normal((5, 3, 2))


@pytest.fixture(params=ENGINES)
def B(request):
    return load_or_skip(request.param)


def _np(t):
    return np.asarray(t.detach().tolist(), dtype=float).reshape(tuple(t.shape))


#: keys as builders (backend -> key) and the same key for numpy
ROW_KEYS = {
    "int64 rows, repeats and negatives": (lambda m: m.tensor([0, 4, -1, 2, 0]), [0, 4, -1, 2, 0]),
    "a matrix of rows": (lambda m: m.tensor([[1, -2], [3, 3]]), [[1, -2], [3, 3]]),
    "a list": (lambda m: [1, 0, 1], [1, 0, 1]),
    "rows then a whole dim": (lambda m: (m.tensor([2, -5]), slice(None)), ([2, -5], slice(None))),
    "rows then ellipsis": (lambda m: (m.tensor([2, 0]), Ellipsis), ([2, 0], Ellipsis)),
    "no rows": (lambda m: m.tensor([], dtype=m.int64), np.array([], dtype=np.int64)),
    "int32 rows": (lambda m: m.tensor([1, 2], dtype=m.int32), [1, 2]),
    "a numpy array": (lambda m: np.array([4, 1]), [4, 1]),
    "a 0-d tensor picks one row": (lambda m: m.tensor(3), 3),
    "an int": (lambda m: 2, 2),
    "a negative int": (lambda m: -5, -5),
}
MASK = BASE > 0
MASK_KEYS = {
    "a full mask": (lambda m: m.tensor(MASK.tolist()), MASK),
    "a mask of the first two dims": (lambda m: m.tensor(MASK[..., 0].tolist()), MASK[..., 0]),
    "a mask of rows": (lambda m: m.tensor([True, False, True, True, False]),
                       np.array([True, False, True, True, False])),
    "a mask of nothing": (lambda m: m.tensor([False] * 5), np.zeros(5, dtype=bool)),
    "a mask then a whole dim": (lambda m: (m.tensor([True, False, True, True, False]),
                                           slice(None)),
                                (np.array([True, False, True, True, False]), slice(None))),
}
KEYS = {**ROW_KEYS, **MASK_KEYS}


def _numpy_key(key):
    if isinstance(key, tuple):
        return tuple(np.asarray(k) if isinstance(k, list) else k for k in key)
    return np.asarray(key) if isinstance(key, list) else key


@pytest.mark.parametrize("name", list(KEYS))
def test_values_gradients_and_assignment_match_numpys_indexing(B, name):
    make, ref = KEYS[name]
    key = _numpy_key(ref)
    x = B.tensor(BASE.tolist(), dtype=B.float64, requires_grad=True)
    y = x[make(B)]
    want = BASE[key]
    assert tuple(y.shape) == want.shape
    np.testing.assert_allclose(_np(y), want, rtol=1e-12)
    (y * y * y).sum().backward()  # repeated rows accumulate their gradients
    grad = np.zeros_like(BASE)
    if isinstance(ref, int) or (isinstance(key, np.ndarray) and key.dtype == bool):
        grad[key] = 3 * BASE[key] ** 2
    else:
        np.add.at(grad, key, 3 * BASE[key] ** 2)
    np.testing.assert_allclose(_np(x.grad), grad, rtol=1e-12)
    z = B.tensor(BASE.tolist(), dtype=B.float64)
    z[make(B)] = 0.5
    expect = BASE.copy()
    expect[key] = 0.5
    np.testing.assert_allclose(_np(z), expect, rtol=1e-12)


@pytest.mark.parametrize("name", ["int64 rows, repeats and negatives", "a full mask"])
def test_second_derivatives_go_through_the_short_route(B, name):
    make, ref = KEYS[name]
    x = B.tensor(BASE.tolist(), dtype=B.float64, requires_grad=True)
    (g,) = B.autograd.grad((x[make(B)] ** 3).sum(), x, create_graph=True)
    (gg,) = B.autograd.grad(g.sum(), x)
    key = _numpy_key(ref)
    want = np.zeros_like(BASE)
    if key.dtype == bool:
        want[key] = 6 * BASE[key]
    else:
        np.add.at(want, key, 6 * BASE[key])
    np.testing.assert_allclose(_np(gg), want, rtol=1e-12)


@pytest.mark.parametrize("key,message", [
    (lambda m: m.tensor([5]), "index 5 is out of bounds for dimension 0 with size 5"),
    (lambda m: m.tensor([-6, 1]), "index -6 is out of bounds for dimension 0 with size 5"),
    (lambda m: 5, "index 5 is out of bounds for dimension 0 with size 5"),
    (lambda m: m.tensor([1.0]), "tensors used as indices must be long, int, byte or bool tensors"),
    (lambda m: m.tensor([True, False]), "The shape of the mask"),
])
def test_bad_keys_raise_index_errors_that_say_what_is_wrong(B, key, message):
    x = B.tensor(BASE.tolist())
    with pytest.raises(IndexError, match=message):
        x[key(B)]


@pytest.mark.parametrize("name", list(KEYS))
def test_results_and_grad_fn_names_match_torch(B, name):
    T = load_or_skip("torch")
    make, _ = KEYS[name]
    ours = B.tensor(BASE.tolist(), dtype=B.float64, requires_grad=True)
    theirs = T.tensor(BASE.tolist(), dtype=T.float64, requires_grad=True)
    a, b = ours[make(B)], theirs[make(T)]
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_allclose(_np(a), _np(b), rtol=1e-12)
    assert a.grad_fn.name() == b.grad_fn.name()


def test_gather_sort_and_topk_repeat_over_the_same_shapes(B):
    # the second and later calls take the offsets made by the first: same answers
    data = RNG.standard_normal((4, 6))
    picks = RNG.integers(0, 6, (4, 3))
    x = B.tensor(data.tolist(), dtype=B.float64, requires_grad=True)
    for _ in range(3):
        got = B.gather(x, 1, B.tensor(picks.tolist()))
        np.testing.assert_allclose(_np(got), np.take_along_axis(data, picks, 1), rtol=1e-12)
        values, indices = x.topk(2, dim=0)
        order = np.argsort(-data, axis=0, kind="stable")[:2]
        np.testing.assert_array_equal(np.asarray(indices.tolist()), order)
        np.testing.assert_allclose(_np(values), np.take_along_axis(data, order, 0), rtol=1e-12)
        s = x.sort(1, descending=True)
        np.testing.assert_allclose(_np(s.values), -np.sort(-data, axis=1), rtol=1e-12)
    got.sum().backward()
    want = np.zeros_like(data)
    np.add.at(want, (np.arange(4)[:, None], picks), 1.0)
    np.testing.assert_allclose(_np(x.grad), want, rtol=1e-12)


def test_gather_refuses_an_index_out_of_range(B):
    x = B.tensor(BASE[:, :, 0].tolist())
    with pytest.raises(RuntimeError, match="index 3 is out of bounds for dimension 1 with size 3"):
        B.gather(x, 1, B.tensor([[0], [3], [1], [0], [0]]))
    with pytest.raises(RuntimeError, match="index -1 is out of bounds"):
        B.gather(x, 1, B.tensor([[0], [-1], [1], [0], [0]]))


@pytest.mark.parametrize("args,want", [((0,), []), ((5,), [0, 1, 2, 3, 4]),
                                       ((2, 9, 3), [2, 5, 8]), ((9, 2, -3), [9, 6, 3]),
                                       ((-3, 3), [-3, -2, -1, 0, 1, 2]), ((5, 5), [])])
def test_integer_arange(B, args, want):
    got = B.arange(*args)
    assert got.dtype == B.int64 and got.tolist() == want


@pytest.mark.parametrize("args,message", [((0, 10, 0), "step must be nonzero"),
                                          ((5, 1), "inconsistent with step sign"),
                                          ((0.0, -1.0), "inconsistent with step sign")])
def test_arange_refuses_what_torch_refuses(B, args, message):
    with pytest.raises(RuntimeError, match=message):
        B.arange(*args)


@pytest.mark.parametrize("shape,message", [
    ((-1, -1), "only one dimension can be inferred"),
    ((-2, -1, -1), r"invalid shape dimension -2 at index 0 of shape \[-2, -1, -1\]"),
    ((5, -1), r"shape '\[5, -1\]' is invalid for input of size 12"),
    ((4, 4), r"shape '\[4, 4\]' is invalid for input of size 12"),
])
def test_view_shape_errors(B, shape, message):
    with pytest.raises(RuntimeError, match=message):
        B.zeros(2, 6).view(*shape)


@pytest.mark.parametrize("shape,want", [((-1,), (12,)), ((3, -1), (3, 4)), ((2, 3, 2), (2, 3, 2)),
                                        ((-1, 1, 6), (2, 1, 6))])
def test_view_infers_one_dimension(B, shape, want):
    assert tuple(B.zeros(2, 6).view(*shape).shape) == want


#: basic keys of a (4, 5, 6) tensor and the grad_fn PyTorch 2.13 gives each (observed)
BASIC_NAMES = {
    "[:, 0]": "SelectBackward0", "[0]": "SelectBackward0", "[1:3]": "SliceBackward0",
    "[1:3, 0]": "SelectBackward0", "[0, 1:3]": "SliceBackward0", "[None]": "UnsqueezeBackward0",
    "[0, None]": "UnsqueezeBackward0", "[None, 0]": "SelectBackward0",
    "[:, :]": "AliasBackward0", "[:]": "SliceBackward0", "[...]": "AliasBackward0",
    "[..., 0]": "SelectBackward0", "[..., 1:2]": "SliceBackward0", "[0, 0]": "SelectBackward0",
    "[0, :, None]": "UnsqueezeBackward0", "[:, None, :]": "UnsqueezeBackward0",
    "[1:3, :, 0]": "SelectBackward0", "[0, ..., 1:3]": "SliceBackward0", "[-1]": "SelectBackward0",
    "[::2]": "SliceBackward0", "[0:4]": "SliceBackward0", "[0:4, 0:5]": "AliasBackward0",
    "[:, 1:2, None]": "UnsqueezeBackward0", "[None, None]": "UnsqueezeBackward0",
    "[..., None, 0]": "SelectBackward0", "[0][1]": "SelectBackward0",
}


@pytest.mark.parametrize("key", list(BASIC_NAMES))
def test_basic_keys_are_named_as_pytorch_names_them(B, key):
    # the last view PyTorch's indexing applies: printed graphs and grad_fn checks read alike
    x = B.zeros(4, 5, 6, requires_grad=True)
    y = eval("x" + key, {"x": x})
    assert y.grad_fn.name() == BASIC_NAMES[key]
    z = eval("x" + key, {"x": np.zeros((4, 5, 6))})
    assert tuple(y.shape) == z.shape


def test_transposes_and_select_are_named_as_in_pytorch(B):
    x = B.zeros(4, 5, requires_grad=True)
    assert x.T.grad_fn.name() == "PermuteBackward0"  # also for a matrix
    assert x.t().grad_fn.name() == "TBackward0"
    assert B.zeros(5, requires_grad=True).T.grad_fn.name() == "PermuteBackward0"
    picked = x.select(1, -2)
    assert picked.grad_fn.name() == "SelectBackward0" and tuple(picked.shape) == (4,)
    picked.sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 0.0, 1.0, 0.0]] * 4


#: keys whose result PyTorch orders differently from numpy (an integer selects before the
#: arrays index) or that numpy reads its own way (a 0-d bool), as builders (module -> key)
TORCH_ORDER_KEYS = {
    "int, slice, list": lambda m: (0, slice(None), [1, 2]),
    "int, slice, two lists": lambda m: (0, slice(None), [1, 2], [3, 4]),
    "int, slice, tensor": lambda m: (1, slice(None), m.tensor([3, 0, 3])),
    "negative int, ellipsis, list": lambda m: (-1, Ellipsis, [1, 2]),
    "int, partial slice, list": lambda m: (0, slice(1, 3), [1, 2]),
    "int, None, list": lambda m: (0, None, [1, 2]),
    "0-d tensor, slice, list": lambda m: (m.tensor(0), slice(None), [1, 2]),
    "lists around an int": lambda m: ([0, 1], 0, [1, 2]),
    "slice, list, int, list": lambda m: (slice(None), [0, 1], 0, [1, 2]),
    "int, mask": lambda m: (1, slice(None), m.tensor([True, False, True, False])),
    "True": lambda m: True,
    "False": lambda m: False,
    "slice, True": lambda m: (slice(None), True),
    "True, list": lambda m: (True, [0, 1]),
    "0-d bool tensor": lambda m: m.tensor(True),
}
BASE4 = np.arange(120.0).reshape(2, 3, 4, 5) / 7


@pytest.mark.parametrize("name", list(TORCH_ORDER_KEYS))
def test_keys_pytorch_orders_its_own_way(B, name):
    """Values, shapes, gradients and assignment through the key, as PyTorch gives them."""
    T = load_or_skip("torch")
    make = TORCH_ORDER_KEYS[name]
    results = []
    for m in (B, T):
        x = m.tensor(BASE4.tolist(), dtype=m.float64, requires_grad=True)
        y = x[make(m)]
        weights = m.tensor(np.arange(float(np.prod(tuple(y.shape)))).reshape(tuple(y.shape)),
                           dtype=m.float64)
        (y * weights).sum().backward()
        z = m.tensor(BASE4.tolist(), dtype=m.float64)
        z[make(m)] = weights * 0 - 1.0
        results.append((tuple(y.shape), _np(y), _np(x.grad), _np(z)))
    (shape, value, grad, assigned), theirs = results
    assert shape == theirs[0]
    for a, b in zip((value, grad, assigned), theirs[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_arrays_that_do_not_broadcast_raise_index_error(B):
    x = B.tensor(BASE.tolist())
    with pytest.raises(IndexError, match="shape mismatch: indexing tensors could not be broadcast"):
        x[0, [0, 1], [0, 1, 0]]
