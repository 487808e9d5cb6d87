"""The composed torch-level functions (gradspec.functions): every backend has them, and each
gives real PyTorch's values, dtypes, shapes, gradients and errors, on numpy and strict (the
torch adapter keeps torch's own)."""

from __future__ import annotations

import inspect
import types
import warnings

import numpy as np
import pytest

from gradspec import functions, plugins, surface
from support import load_or_skip

ENGINES = ["numpy", "strict"]


@pytest.fixture(params=ENGINES)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def real():
    return pytest.importorskip("torch", reason="real PyTorch is the reference")


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(0, 1, shape)


F32 = "float32"


def _make(lib, value, grad):
    """A tensor of ``lib`` from a (array, dtype) pair, or the value itself."""
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], np.ndarray):
        array, dtype = value
        t = lib.tensor(array.tolist(), dtype=getattr(lib, dtype))
        return t.requires_grad_() if grad and t.is_floating_point() else t
    if isinstance(value, list) and value and isinstance(value[0], tuple):
        return [_make(lib, v, grad) for v in value]
    return value


def _resolve(lib, name):
    """``lib.NAME``, a dotted name ("linalg.pinv") through its sub-namespace."""
    for part in name.split("."):
        lib = getattr(lib, part)
    return lib


def _flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _host(t):
    try:  # torch's lazily zero gradients (sign's) need force
        return np.asarray(t.detach().numpy(force=True), dtype=np.float64)
    except TypeError:
        return np.asarray(t.detach().tolist(), dtype=np.float64)


def _compare(bk, real, name, args, kwargs=None, grad=True, rtol=1e-5, atol=1e-6):
    """``name`` on ``bk`` and on torch: the same results (values, shapes, dtypes) and, when
    ``grad``, the same gradients of a weighted sum of every floating result."""
    kwargs = kwargs or {}
    ours_in = [_make(bk, a, grad) for a in args]
    theirs_in = [_make(real, a, grad) for a in args]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = _flat(_resolve(bk, name)(*ours_in, **{k: _make(bk, v, False)
                                                     for k, v in kwargs.items()}))
        theirs = _flat(_resolve(real, name)(*theirs_in, **{k: _make(real, v, False)
                                                         for k, v in kwargs.items()}))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape), (name, tuple(o.shape), tuple(t.shape))
        assert str(o.dtype).rsplit(".", 1)[-1] == str(t.dtype).rsplit(".", 1)[-1], (
            name, o.dtype, t.dtype)
        np.testing.assert_allclose(_host(o), _host(t), rtol=rtol, atol=atol, err_msg=name)
    if not grad:
        return
    leaves_ours = [t for a in ours_in for t in _flat(a) if getattr(t, "requires_grad", False)]
    leaves_theirs = [t for a in theirs_in for t in _flat(a) if getattr(t, "requires_grad", False)]
    floats = [(o, t) for o, t in zip(ours, theirs) if t.requires_grad]
    if not leaves_theirs or not floats:
        return
    total_o = total_t = 0
    for k, (o, t) in enumerate(floats):
        w = rand(*t.shape, seed=k + 10)
        total_o = total_o + (o * bk.tensor(w.tolist(), dtype=o.dtype)).sum()
        total_t = total_t + (t * real.tensor(w.tolist(), dtype=t.dtype)).sum()
    total_o.backward()
    total_t.backward()
    for lo, lt in zip(leaves_ours, leaves_theirs):
        if lt.grad is None:
            assert lo.grad is None or not _host(lo.grad).any(), name
            continue
        np.testing.assert_allclose(_host(lo.grad), _host(lt.grad), rtol=rtol, atol=atol,
                                   err_msg=f"{name} gradient")


def test_every_backend_has_every_function():
    installed = {status.name for status in plugins.list_backends()}
    for name in [n for n in ENGINES + ["torch", "tiny"] if n in installed]:
        backend = load_or_skip(name)
        assert [n for n in functions.FUNCTIONS if not surface._has(backend, n)] == [], name


def test_binding_gives_a_third_partys_backend_every_function():
    # what bind() does for any backend the registry loads: the functions it lacks, bound to it
    backend = types.SimpleNamespace(name="fake", device="cpu", hstack="its own")
    surface.bind(backend)
    assert backend.hstack == "its own"
    assert all(callable(_resolve(backend, n)) for n in functions.FUNCTIONS if n != "hstack")
    assert backend.vstack.__name__ == "vstack" and "tensors" in str(
        inspect.signature(backend.vstack))


def test_a_backends_own_function_wins(real):
    torch = load_or_skip("torch")
    assert torch.hstack is real.hstack and torch.nan_to_num is real.nan_to_num


def test_the_methods_are_the_ones_torch_has(real):
    from gradspec.functions import aliases

    # (the aliases of methods are those methods: the engine's tensors have them already)
    assert functions.METHODS | functions.PROPERTIES == {
        n for n in functions.FUNCTIONS if hasattr(real.Tensor, n) and n not in aliases.AS_METHOD}


def test_engine_tensors_have_the_methods(bk, real):
    x = bk.tensor([[0.5, 2.0], [8.0, 0.25]], requires_grad=True)
    ours = (x.log2() + x.nan_to_num() * x.tan().sinh() + x.logaddexp(x * 2)).sum()
    ours.backward()
    y = real.tensor([[0.5, 2.0], [8.0, 0.25]], requires_grad=True)
    theirs = (y.log2() + y.nan_to_num() * y.tan().sinh() + y.logaddexp(y * 2)).sum()
    theirs.backward()
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-5)
    np.testing.assert_allclose(_host(x.grad), _host(y.grad), rtol=1e-5)
    assert bk.tensor([0.2, 0.8]).multinomial(3, replacement=True).shape == (3,)
    assert bk.tensor([[1, 2], [3, 4]]).ravel().tolist() == [1, 2, 3, 4]


def test_functions_have_names_and_docstrings(bk):
    for name in functions.FUNCTIONS:
        fn = _resolve(bk, name)
        assert fn.__name__ == name.rsplit(".", 1)[-1] and fn.__doc__, name


# -- shapes and stacking ----------------------------------------------------------------------
A = (rand(2, 3), F32)
B = (rand(2, 3, seed=1), F32)
V = (rand(3, seed=2), F32)
S = (np.array(1.5), F32)


@pytest.mark.parametrize("name, args", [
    ("hstack", [[A, B]]), ("hstack", [[V, S, V]]), ("vstack", [[A, V]]), ("vstack", [[S, S]]),
    ("row_stack", [[A, B]]), ("dstack", [[A, B]]), ("dstack", [[V, V]]),
    ("column_stack", [[V, A.__class__((rand(3, 2), F32))]]), ("column_stack", [[S, S]]),
    ("atleast_1d", [S]), ("atleast_2d", [V]), ("atleast_3d", [A]), ("atleast_3d", [[S, V]]),
    ("broadcast_tensors", [(rand(2, 1), F32), (rand(3), F32)]),
    ("block_diag", [S, V, A]), ("fliplr", [A]), ("flipud", [A]), ("ravel", [A]),
    ("concat", [[A, B]]), ("concatenate", [[A, B], 1]), ("kron", [A, (rand(2, 2), F32)]),
    ("kron", [V, A]), ("msort", [A]), ("diff", [A]), ("cartesian_prod", [V, V]),
    ("trapezoid", [A]), ("trapz", [A, (rand(3) ** 2, F32)]),
])
def test_shape_functions_match_torch(bk, real, name, args):
    _compare(bk, real, name, args)


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_torch(bk, real, indexing):
    _compare(bk, real, "meshgrid", [V, (rand(2), F32), S], {"indexing": indexing})


def test_meshgrid_warns_without_indexing_as_torch(bk):
    with pytest.warns(UserWarning, match="indexing argument"):
        grids = bk.meshgrid(bk.arange(3), bk.arange(2))
    assert [tuple(g.shape) for g in grids] == [(3, 2), (3, 2)]


@pytest.mark.parametrize("k, dims", [(1, (0, 1)), (2, (0, 1)), (3, (1, 0)), (-1, (0, 2)),
                                     (4, (0, 1))])
def test_rot90_matches_torch(bk, real, k, dims):
    _compare(bk, real, "rot90", [(rand(2, 3, 4), F32), k, dims])


def test_diff_with_order_prepend_and_append_matches_torch(bk, real):
    _compare(bk, real, "diff", [(rand(3, 4), F32)],
             {"n": 2, "dim": 0, "prepend": (rand(1, 4, seed=7), F32),
              "append": (rand(2, 4, seed=8), F32)}, grad=False)
    ours = bk.diff(bk.tensor([1.0, 4.0, 9.0]), prepend=bk.tensor([0.0]))
    assert ours.tolist() == [1.0, 3.0, 5.0]
    flips = bk.diff(bk.tensor([True, True, False]))
    assert flips.tolist() == [False, True]


def test_broadcast_shapes_and_its_error(bk, real):
    assert tuple(bk.broadcast_shapes((2, 1), (3,), 1)) == tuple(real.broadcast_shapes((2, 1),
                                                                                      (3,), 1))
    with pytest.raises(RuntimeError, match="cannot be broadcast"):
        bk.broadcast_shapes((2,), (3,))


@pytest.mark.parametrize("name, call, error", [
    ("hstack", lambda b: b.hstack([]), "non-empty"),
    ("vstack", lambda b: b.vstack(b.ones(2)), "tuple of Tensors"),
    ("meshgrid", lambda b: b.meshgrid(b.ones(2, 2), indexing="ij"), "0D or 1D"),
    ("rot90", lambda b: b.rot90(b.ones(2, 2), 1, (0, 0)), "different"),
    ("block_diag", lambda b: b.block_diag(b.ones(1, 1, 1)), "2 or fewer"),
    ("fliplr", lambda b: b.fliplr(b.ones(2)), ">= 2-d"),
])
def test_shape_errors_say_what_torch_says(bk, real, name, call, error):
    with pytest.raises((RuntimeError, TypeError), match=error):
        call(bk)
    with pytest.raises((RuntimeError, TypeError), match=error):
        call(real)


# -- elementwise --------------------------------------------------------------------------------
P = (np.abs(rand(2, 3)) + 0.1, F32)  # positive
U = (np.tanh(rand(2, 3)) * 0.9, F32)  # inside (-1, 1)
PR = ((np.tanh(rand(2, 3, seed=3)) + 1) / 2 * 0.9 + 0.05, F32)  # inside (0, 1)


@pytest.mark.parametrize("name, args", [
    ("absolute", [A]), ("negative", [A]), ("positive", [A]), ("multiply", [A, B]),
    ("subtract", [A, B]), ("divide", [A, P]), ("true_divide", [A, P]), ("log2", [P]),
    ("log10", [P]), ("exp2", [A]), ("tan", [U]), ("sinh", [A]), ("cosh", [A]), ("atan", [A]),
    ("arctan", [A]), ("asin", [U]), ("arcsin", [U]), ("acos", [U]), ("arccos", [U]),
    ("deg2rad", [A]), ("rad2deg", [A]), ("sgn", [A]), ("frac", [(rand(2, 3) * 4, F32)]),
    ("sinc", [A]), ("hypot", [A, B]), ("logaddexp", [A, B]), ("logaddexp2", [A, B]),
    ("xlogy", [A, P]), ("logit", [PR]), ("fmax", [A, B]), ("fmin", [A, B]),
    ("float_power", [P, 2.5]), ("addcmul", [A, B, P]), ("addcdiv", [A, B, P]),
])
def test_elementwise_functions_match_torch(bk, real, name, args):
    _compare(bk, real, name, args)


@pytest.mark.parametrize("name, args", [
    ("greater", [A, B]), ("greater_equal", [A, B]), ("less", [A, B]), ("less_equal", [A, B]),
    ("not_equal", [A, A]), ("logical_xor", [A, (np.array([[0.0, 1, 0], [2, 0, 0]]), F32)]),
    ("signbit", [(np.array([-1.0, -0.0, 0.0, 2.0, -np.inf]), F32)]),
    ("isposinf", [(np.array([np.inf, -np.inf, 1.0, np.nan]), F32)]),
    ("isneginf", [(np.array([np.inf, -np.inf, 1.0, np.nan]), F32)]),
    ("isreal", [(np.array([np.nan, 1.0]), F32)]),
    ("floor_divide", [(np.array([7.0, -7.0, 7.5]), F32), (np.array([2.0, 2.0, -2.0]), F32)]),
    ("floor_divide", [(np.array([7, -7, 9]), "int64"), (np.array([2, 2, -4]), "int64")]),
    ("log2", [(np.array([8, 1, 1024]), "int64")]), ("log2", [(np.array([8.0, 0.25]), F32)]),
    ("exp2", [(np.array([3.0, -2.0, 10.0]), F32)]),
])
def test_exact_elementwise_results_match_torch(bk, real, name, args):
    _compare(bk, real, name, args, grad=False, rtol=0, atol=0)


@pytest.mark.parametrize("name, args, kwargs", [
    ("nan_to_num", [(np.array([np.nan, np.inf, -np.inf, 1.5]), F32)], {}),
    ("nan_to_num", [(np.array([np.nan, np.inf, -np.inf, 1.5]), "float64")],
     {"nan": 2.0, "posinf": 9.0, "neginf": -9.0}),
    ("xlogy", [(np.array([2.0, -1.0, 0.5]), F32), (np.array([0.5, np.inf, 3.0]), F32)], {}),
    ("sinc", [(np.array([0.0, 0.5, -1.5]), F32)], {}),
    ("logaddexp", [(np.array([1.0, 1.0, 3.0]), F32), (np.array([-np.inf, 1.0, 1e4]), F32)], {}),
    ("logit", [(np.array([0.0, 0.25, 1.0, 0.5]), F32)], {"eps": 0.1}),
    ("fmax", [(np.array([1.0, np.nan, np.nan]), F32), (np.array([np.nan, 2.0, np.nan]), F32)],
     {}),
])
def test_special_values_and_their_gradients_match_torch(bk, real, name, args, kwargs):
    _compare(bk, real, name, args, kwargs)


@pytest.mark.parametrize("name, args", [
    ("xlogy", [(np.array([0.0, 0.0, 0.0, 2.0, 0.0]), F32),
               (np.array([0.0, np.inf, 3.0, 3.0, np.nan]), F32)]),
    ("logaddexp", [(np.array([-np.inf, np.inf, 1.0]), F32), (np.array([-np.inf, np.inf, -np.inf]),
                                                              F32)]),
    ("logaddexp2", [(np.array([-np.inf, np.inf]), F32), (np.array([-np.inf, np.inf]), F32)]),
])
def test_values_at_zeros_and_infinities_match_torch(bk, real, name, args):
    # (the gradients there are conventions: see the functions' docstrings)
    _compare(bk, real, name, args, grad=False)


# -- reductions and products ---------------------------------------------------------------------
N = (np.where(rand(3, 4) > 0.8, np.nan, rand(3, 4, seed=5)), F32)


@pytest.mark.parametrize("name, args, kwargs", [
    ("nansum", [N], {}), ("nansum", [N], {"dim": 1}), ("nansum", [N], {"dim": 0, "keepdim": True}),
    ("nanmean", [N], {}), ("nanmean", [N], {"dim": (0, 1)}), ("nanmean", [N], {"dim": 1}),
    ("aminmax", [A], {}), ("aminmax", [A], {"dim": 1}), ("aminmax", [A], {"dim": 0, "keepdim": True}),
    ("cov", [(rand(3, 5), F32)], {}), ("cov", [(rand(5), F32)], {}),
    ("cov", [(rand(2, 4), F32)], {"correction": 0}),
    ("cov", [(rand(2, 4), F32)], {"fweights": None, "aweights": None}),
    ("corrcoef", [(rand(3, 5), F32)], {}),
    ("dist", [A, B], {}), ("dist", [A, B], {"p": 1}), ("inner", [A, B], {}), ("inner", [V, V], {}),
    ("vdot", [V, V], {}), ("addmv", [(rand(2), F32), A, V], {"beta": 0.5, "alpha": 2.0}),
    ("addr", [A, (rand(2), F32), V], {"alpha": 3.0}),
    ("addbmm", [(rand(2, 4), F32), (rand(3, 2, 5), F32), (rand(3, 5, 4), F32)], {"beta": 2.0}),
    ("chain_matmul", [A, (rand(3, 4), F32), (rand(4, 2), F32)], {}),
    ("matrix_power", [(rand(3, 3) / 2, F32), 3], {}), ("matrix_power", [(rand(2, 3, 3), F32), 2],
                                                          {}),
    ("matrix_power", [(rand(3, 3) + 3 * np.eye(3), "float64"), -1], {}),
    ("matrix_power", [(rand(2, 3, 3) + 3 * np.eye(3), "float64"), -2], {}),
])
def test_reductions_match_torch(bk, real, name, args, kwargs):
    _compare(bk, real, name, args, kwargs)


def test_cov_weights_match_torch(bk, real):
    x = rand(2, 4)
    for weights in ({"fweights": np.array([1, 2, 1, 3])},
                    {"aweights": np.array([0.5, 1.0, 2.0, 0.25])},
                    {"fweights": np.array([1, 2, 1, 3]), "aweights": np.array([0.5, 1, 2, 0.25])}):
        for correction in (0, 1):
            ours_w = {k: bk.tensor(v.tolist(), dtype=bk.int64 if k == "fweights" else bk.float32)
                      for k, v in weights.items()}
            theirs_w = {k: real.tensor(v.tolist(), dtype=real.int64 if k == "fweights"
                                       else real.float32) for k, v in weights.items()}
            ours = bk.cov(bk.tensor(x.tolist(), dtype=bk.float32), correction=correction, **ours_w)
            theirs = real.cov(real.tensor(x.tolist(), dtype=real.float32), correction=correction,
                              **theirs_w)
            np.testing.assert_allclose(_host(ours), _host(theirs), rtol=1e-5, atol=1e-6)


def test_count_nonzero_matches_torch(bk, real):
    x = np.array([[0, 1, 2], [0, 0, 3]])
    _compare(bk, real, "count_nonzero", [(x, "int64")], grad=False)
    _compare(bk, real, "count_nonzero", [(x, "int64"), 0], grad=False)
    _compare(bk, real, "count_nonzero", [(x * 1.5, F32)], {"dim": (0, 1)}, grad=False)


def test_matrix_power_zero_is_the_identity(bk):
    out = bk.matrix_power(bk.tensor([[2.0, 1.0], [0.0, 3.0]]), 0)
    assert out.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    with pytest.raises(RuntimeError, match="singular"):  # a negative power inverts first
        bk.matrix_power(bk.ones(2, 2), -1)
    with pytest.raises(TypeError, match="must be int"):
        bk.matrix_power(bk.ones(2, 2), 2.0)


def test_rsub_matches_torch(bk, real):
    x = rand(2, 3)
    for other, kwargs in ((3.0, {}), (rand(2, 3), {}), (rand(3), {"alpha": 2.0}), (1, {"alpha": 3})):
        ours_x, theirs_x = (m.tensor(x.tolist(), requires_grad=True) for m in (bk, real))
        wrap = (lambda m: m.tensor(other.tolist())) if isinstance(other, np.ndarray) else (
            lambda m: other)
        ours, theirs = bk.rsub(ours_x, wrap(bk), **kwargs), real.rsub(theirs_x, wrap(real), **kwargs)
        np.testing.assert_allclose(_host(ours), _host(theirs), rtol=1e-6)
        assert ours.grad_fn.name() == theirs.grad_fn.name()
        ours.sum().backward()
        theirs.sum().backward()
        np.testing.assert_allclose(_host(ours_x.grad), _host(theirs_x.grad))
    with pytest.raises(TypeError, match="must be Tensor"):
        bk.rsub(1.0, bk.ones(2))


# -- indices, counts and sampling ----------------------------------------------------------------
@pytest.mark.parametrize("name, args, kwargs", [
    ("argwhere", [(np.array([[0, 1], [1, 0]]), "int64")], {}),
    ("bincount", [(np.array([0, 1, 1, 3]), "int64")], {"minlength": 6}),
    ("bincount", [(np.array([0, 1, 1]), "int64")],
     {"weights": None}),
    ("searchsorted", [(np.array([1, 3, 5, 7]), "int64"), (np.array([3, 6, 9, 0]), "int64")], {}),
    ("searchsorted", [(np.array([1.0, 3, 5, 7]), F32), (np.array([3.0, 6, 9]), F32)],
     {"right": True}),
    ("searchsorted", [(np.array([[1, 3, 5], [2, 4, 6]]), "int64"),
                      (np.array([[3, 6], [1, 4]]), "int64")], {"side": "right"}),
    ("bucketize", [(np.array([3, 6, 9]), "int64"), (np.array([1, 3, 5, 7]), "int64")], {}),
    ("bucketize", [(np.array([[3.0, 6], [9, 1]]), F32), (np.array([1.0, 3, 5, 7]), F32)],
     {"right": True, "out_int32": True}),
    ("histc", [(np.array([1.0, 2, 1, 2.5, -1, 7]), F32)], {"bins": 4, "min": 0, "max": 3}),
    ("histc", [(rand(50), F32)], {"bins": 7}),
    ("histc", [(np.array([1.0, 1.0, 1.0]), F32)], {"bins": 3}),
    ("tril_indices", [3, 3], {}), ("tril_indices", [4, 3, -1], {}),
    ("triu_indices", [3, 4, 1], {}), ("triu_indices", [2, 2, 5], {}),
])
def test_index_results_match_torch(bk, real, name, args, kwargs):
    _compare(bk, real, name, args, kwargs, grad=False, rtol=0, atol=0)


def test_bincount_with_weights_matches_torch(bk, real):
    idx, w = [0, 1, 1, 4], [0.5, 1.0, 2.0, 0.25]
    for dtype in ("float32", "float64"):
        ours = bk.bincount(bk.tensor(idx), weights=bk.tensor(w, dtype=getattr(bk, dtype)))
        theirs = real.bincount(real.tensor(idx), weights=real.tensor(w, dtype=getattr(real, dtype)))
        assert ours.tolist() == theirs.tolist()
        assert str(ours.dtype) == str(theirs.dtype)
    with pytest.raises(RuntimeError, match="non-negative"):
        bk.bincount(bk.tensor([1, -1]))


def test_multinomial_draws_follow_the_weights(bk):
    bk.manual_seed(0)
    weights = bk.tensor([[0.0, 1.0, 3.0], [5.0, 0.0, 0.0]])
    draws = bk.multinomial(weights, 4000, replacement=True)
    assert tuple(draws.shape) == (2, 4000) and str(draws.dtype).endswith("int64")
    first = np.bincount(np.asarray(draws.tolist()[0]), minlength=3) / 4000
    assert first[0] == 0 and abs(first[2] - 0.75) < 0.03
    assert set(draws.tolist()[1]) == {0}
    assert min(bk.multinomial(bk.tensor([1.0, 0.0, 0.0]), 2).tolist()) == 0
    distinct = bk.multinomial(bk.tensor([1.0, 2.0, 3.0, 4.0]), 4)
    assert sorted(distinct.tolist()) == [0, 1, 2, 3]
    picks = np.array([bk.multinomial(bk.tensor([1.0, 0.0, 8.0, 1.0]), 2).tolist()
                      for _ in range(400)])
    assert not (picks == 1).any() and (picks[:, 0] == 2).mean() > 0.7
    assert (picks[:, 0] != picks[:, 1]).all()


@pytest.mark.parametrize("call, error", [
    (lambda b: b.multinomial(b.tensor([1.0, 2.0]), 3), "without replacement"),
    (lambda b: b.multinomial(b.tensor([1.0, -2.0]), 1), "element < 0"),
    (lambda b: b.multinomial(b.tensor([0.0, 0.0]), 1), "sum of probabilities"),
    (lambda b: b.multinomial(b.tensor([1, 2]), 1), "floating"),
])
def test_multinomial_refuses_what_torch_refuses(bk, real, call, error):
    with pytest.raises(RuntimeError, match=error):
        call(bk)
    with pytest.raises(RuntimeError, match=error):
        call(real)


def test_a_training_script_using_them_runs_unmodified(bk):
    """numpy-style helpers in an ordinary loop: features from meshgrid and hstack, a loss with
    logaddexp and nan_to_num, the gradient through all of them."""
    torch = bk
    torch.manual_seed(0)
    xs, ys = torch.meshgrid(torch.linspace(-1, 1, 5), torch.linspace(-1, 1, 4), indexing="ij")
    features = torch.hstack([xs.reshape(-1, 1), ys.reshape(-1, 1), torch.ones(20, 1)])
    w = torch.zeros(3, requires_grad=True)
    target = (xs + ys > 0).reshape(-1).to(torch.float32)
    for _ in range(50):
        logits = features @ w
        loss = torch.nan_to_num(torch.logaddexp(torch.zeros_like(logits), logits)
                                - target * logits).mean()
        loss.backward()
        with torch.no_grad():
            w -= 0.5 * w.grad
        w.grad = None
    assert float(loss) < 0.4


# -- splitting, indexing and the rest ------------------------------------------------------------
M = (rand(4, 6), F32)


@pytest.mark.parametrize("name, args", [
    ("select", [M, 1, -2]), ("select", [M, 0, 3]),
    ("tensor_split", [M, 4, 1]), ("tensor_split", [M, [1, 5, 9], 1]),
    ("tensor_split", [M, [-1], 0]), ("hsplit", [M, 3]), ("hsplit", [M, [2, 3]]),
    ("vsplit", [M, 2]), ("dsplit", [(rand(2, 2, 4), F32), [1]]),
    ("unflatten", [M, 1, (2, -1)]),
    ("index_fill", [M, 1, (np.array([0, 4]), "int64"), -1.5]),
    ("index_copy", [M, 0, (np.array([2, 0]), "int64"), (rand(2, 6, seed=4), F32)]),
])
def test_split_and_index_functions_match_torch(bk, real, name, args):
    _compare(bk, real, name, args)


def test_vander_matches_torch(bk, real):
    # (torch's own vander cannot backward: its cumprod writes in place; the gradient of the
    # sum of powers is checked against the formula instead)
    _compare(bk, real, "vander", [V], grad=False)
    _compare(bk, real, "vander", [V, 4, True], grad=False)
    x = bk.tensor([0.5, -2.0], requires_grad=True)
    bk.vander(x, 3, True).sum().backward()
    assert x.grad.tolist() == [1 + 2 * 0.5, 1 + 2 * -2.0]


def test_integer_helpers_match_torch(bk, real):
    _compare(bk, real, "vander", [(np.array([1, 2, 3]), "int64"), 3], grad=False, rtol=0, atol=0)
    _compare(bk, real, "unravel_index", [(np.array([4, 7, -1]), "int64"), (2, 4)], grad=False,
             rtol=0, atol=0)
    for a, b in (("int32", "float32"), ("uint8", "int8"), ("int64", "float64")):
        assert str(bk.promote_types(getattr(bk, a), getattr(bk, b))) == str(
            real.promote_types(getattr(real, a), getattr(real, b)))
    ours = bk.result_type(bk.tensor([1, 2]), 1.0)
    assert str(ours) == str(real.result_type(real.tensor([1, 2]), 1.0))
    assert str(bk.result_type(bk.tensor([1.0], dtype=bk.float32), bk.tensor(2.0, dtype=bk.float64))
               ) == "torch.float32"
    assert bk.can_cast(bk.float32, bk.int32) is False and bk.can_cast(bk.int32, bk.float32)


def test_tensor_methods_scripts_use_match_torch(bk, real):
    data = rand(3, 7)
    ours, theirs = bk.tensor(data.tolist()), real.tensor(data.tolist())
    for args in ((1, 3, 2), (0, 2, 1), (1, 7, 7)):
        np.testing.assert_allclose(_host(ours.unfold(*args)), _host(theirs.unfold(*args)))
    x = bk.tensor(data.tolist(), requires_grad=True)
    x.unfold(1, 3, 2).pow(2).sum().backward()
    y = real.tensor(data.tolist(), requires_grad=True)
    y.unfold(1, 3, 2).pow(2).sum().backward()
    np.testing.assert_allclose(_host(x.grad), _host(y.grad), rtol=1e-6)
    assert ours.select(1, 2).tolist() == theirs.select(1, 2).tolist()
    assert ours.ndimension() == 2 and ours.pin_memory() is ours and not ours.is_pinned()
    assert str(bk.tensor([1.0, 2.0]).byte().dtype) == "torch.uint8"
    assert str(bk.tensor([1.0]).char().dtype) == "torch.int8"
    acc, acc_t = bk.zeros(3), real.zeros(3)
    acc.addcmul_(bk.tensor([1.0, 2, 3]), bk.tensor([2.0, 2, 2]), value=0.5)
    acc.addcdiv_(bk.tensor([1.0, 2, 3]), bk.tensor([4.0, 4, 4]))
    acc_t.addcmul_(real.tensor([1.0, 2, 3]), real.tensor([2.0, 2, 2]), value=0.5)
    acc_t.addcdiv_(real.tensor([1.0, 2, 3]), real.tensor([4.0, 4, 4]))
    assert acc.tolist() == acc_t.tolist()


def test_boilerplate_flags_and_constants(bk, real):
    assert bk.pi == real.pi and bk.e == real.e and bk.inf == real.inf and bk.newaxis is None
    assert bk.ones(2)[:, bk.newaxis].shape == (2, 1)

    def model(v):
        return v * 2

    assert bk.compile(model) is model and bk.compile(mode="max-autotune")(model) is model
    assert bk.are_deterministic_algorithms_enabled() is False
    bk.use_deterministic_algorithms(True)
    try:
        assert bk.are_deterministic_algorithms_enabled() is True
    finally:
        bk.use_deterministic_algorithms(False)
    bk.set_float32_matmul_precision("high")
    try:
        assert bk.get_float32_matmul_precision() == "high"
    finally:
        bk.set_float32_matmul_precision("highest")
    with pytest.raises(RuntimeError, match="Invalid precision"):
        bk.set_float32_matmul_precision("low")
    assert str(bk.get_default_device()) == "cpu"
    bk.set_default_device("cpu")
    with pytest.raises(RuntimeError, match="keeps its tensors"):
        bk.set_default_device("cuda")


@pytest.mark.parametrize("shape, wrap", [((3, 3), False), ((5, 3), False), ((5, 3), True),
                                         ((7, 3), True), ((3, 5), True), ((2, 2, 2), False)])
def test_fill_diagonal_matches_torch(bk, real, shape, wrap):
    ours, theirs = bk.zeros(*shape), real.zeros(*shape)
    ours.fill_diagonal_(2.5, wrap=wrap)
    theirs.fill_diagonal_(2.5, wrap=wrap)
    assert ours.tolist() == theirs.tolist()


def test_masking_a_similarity_diagonal_keeps_the_gradient(bk, real):
    # the contrastive-loss idiom: sim.fill_diagonal_(-inf) on a non-leaf, then logsumexp
    data = rand(4, 3)
    x, y = bk.tensor(data.tolist(), requires_grad=True), real.tensor(data.tolist(),
                                                                     requires_grad=True)
    for t, lib in ((x, bk), (y, real)):
        sim = t @ t.T
        sim.fill_diagonal_(float("-inf"))
        sim.logsumexp(dim=1).sum().backward()
    np.testing.assert_allclose(_host(x.grad), _host(y.grad), rtol=1e-5, atol=1e-6)


def test_index_fill_and_copy_in_place_match_torch(bk, real):
    data = rand(3, 4)
    for lib in (bk, real):
        t = lib.tensor(data.tolist())
        t.index_fill_(1, lib.tensor([0, 3]), -1.0)
        t.index_copy_(0, lib.tensor([2]), lib.ones(1, 4) * 7)
        if lib is bk:
            ours = t.tolist()
        else:
            assert ours == t.tolist()


def test_the_generator_state_repeats_the_draws(bk):
    state = bk.get_rng_state()
    assert str(state.dtype) == "torch.uint8" and state.dim() == 1
    first = bk.randn(5).tolist()
    bk.set_rng_state(state)
    assert bk.randn(5).tolist() == first
    g = bk.Generator().manual_seed(7)
    saved = g.get_state()
    draws = bk.rand(3, generator=g).tolist()
    assert g.set_state(saved) is g and bk.rand(3, generator=g).tolist() == draws
    with pytest.raises(TypeError, match="uint8 tensor"):
        bk.set_rng_state([1, 2, 3])
    with pytest.raises(RuntimeError, match="not a state"):
        bk.set_rng_state(bk.tensor([1, 2, 3], dtype=bk.uint8))
    assert isinstance(bk.seed(), int)
    bk.manual_seed(0)


SPD = (rand(3, 3) @ rand(3, 3).T + 2 * np.eye(3), "float64")
WELL = (rand(3, 3) + 3 * np.eye(3), "float64")


@pytest.mark.parametrize("name, args", [
    ("inverse", [WELL]), ("det", [WELL]), ("slogdet", [WELL]), ("logdet", [WELL]),
    ("cholesky", [SPD]), ("cholesky", [SPD, True]),
])
def test_matrix_functions_match_torch(bk, real, name, args):
    _compare(bk, real, name, args, rtol=1e-9, atol=1e-12)


TALL = (rand(4, 3, seed=3), "float64")
WIDE = (rand(3, 4, seed=4), "float64")
RHS = (rand(3, 2, seed=5), "float64")
LOWER = (np.tril(rand(3, 3, seed=6)) + 3 * np.eye(3), "float64")
CHOLESKY = (np.linalg.cholesky(SPD[0]), "float64")
SMALL = (rand(3, 3, seed=7) * 0.3, "float64")
LARGE = (rand(2, 3, 3, seed=8) * 2.5, "float64")


@pytest.mark.parametrize("name, args, kwargs", [
    ("linalg.solve_triangular", [LOWER, RHS], dict(upper=False)),
    ("linalg.solve_triangular", [WELL, RHS], dict(upper=True)),
    ("linalg.solve_triangular", [LOWER, RHS], dict(upper=False, unitriangular=True)),
    ("linalg.solve_triangular", [WELL, (rand(2, 3, seed=9), "float64")],
     dict(upper=True, left=False)),
    ("triangular_solve", [RHS, WELL], {}), ("triangular_solve", [RHS, LOWER],
                                              dict(upper=False, transpose=True)),
    ("cholesky_solve", [RHS, CHOLESKY], {}),
    ("cholesky_solve", [RHS, (CHOLESKY[0].T, "float64")], dict(upper=True)),
    ("cholesky_inverse", [CHOLESKY], {}),
    ("linalg.pinv", [TALL], {}), ("linalg.pinv", [WIDE], {}), ("pinverse", [WELL], {}),
    ("linalg.lstsq", [TALL, (rand(4, 2, seed=10), "float64")], {}),
    ("linalg.lstsq", [TALL, (rand(4, 2, seed=10), "float64")], dict(driver="gelsd")),
    ("linalg.lstsq", [WIDE, RHS], dict(driver="gelss")),
    ("linalg.lstsq", [TALL, (rand(4, 2, seed=10), "float64")], dict(driver="gels")),
    ("linalg.multi_dot", [[TALL, WELL, RHS]], {}),
    ("linalg.vecdot", [TALL, (rand(3, seed=11), "float64")], {}),
    ("matrix_exp", [SMALL], {}), ("linalg.matrix_exp", [LARGE], {}),
    ("linalg.eigvalsh", [SPD], {}), ("linalg.svdvals", [TALL], {}),
])
def test_linear_algebra_functions_match_torch(bk, real, name, args, kwargs):
    _compare(bk, real, name, args, kwargs, rtol=1e-8, atol=1e-10)


def test_rank_and_pseudo_inverse_of_a_rank_deficient_matrix_match_torch(bk, real):
    low_rank = rand(4, 2, seed=12) @ rand(2, 3, seed=13)
    for lib in (bk, real):
        a = lib.tensor(low_rank.tolist(), dtype=lib.float64)
        assert lib.linalg.matrix_rank(a).item() == 2
        assert lib.linalg.matrix_rank(a, atol=100.0).item() == 0
    _compare(bk, real, "linalg.pinv", [(low_rank, "float64")], grad=False, rtol=1e-8, atol=1e-10)
    _compare(bk, real, "linalg.lstsq", [(low_rank, "float64"), (rand(4, 1), "float64")],
             grad=False, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (2, 3, 3)])
def test_decompositions_rebuild_their_input_and_agree_with_torch_up_to_sign(bk, real, shape):
    data = rand(*shape, seed=14)
    ours = bk.tensor(data.tolist(), dtype=bk.float64)
    theirs = real.tensor(data.tolist(), dtype=real.float64)
    for some in (True, False):
        (u, s, v), (tu, ts, tv) = bk.svd(ours, some=some), real.svd(theirs, some=some)
        k = s.shape[-1]
        rebuilt = u[..., :k] @ (s.unsqueeze(-1) * v[..., :k].mT)
        np.testing.assert_allclose(_host(rebuilt), data, atol=1e-12)
        for o, t in ((u, tu), (s, ts), (v, tv)):
            assert tuple(o.shape) == tuple(t.shape)
            np.testing.assert_allclose(np.abs(_host(o))[..., :k], np.abs(_host(t))[..., :k],
                                       atol=1e-10)
        q, r = bk.qr(ours, some=some)
        tq, tr = real.qr(theirs, some=some)
        assert (tuple(q.shape), tuple(r.shape)) == (tuple(tq.shape), tuple(tr.shape))
        np.testing.assert_allclose(_host(q @ r), data, atol=1e-12)
    symmetric = ours + ours.mT if shape[-1] == shape[-2] else ours @ ours.mT
    values, vectors = bk.linalg.eigh(symmetric)
    np.testing.assert_allclose(_host(vectors @ (values.unsqueeze(-1) * vectors.mT)),
                               _host(symmetric), atol=1e-12)
    t_values = real.linalg.eigvalsh(real.tensor(_host(symmetric).tolist(), dtype=real.float64))
    np.testing.assert_allclose(_host(values), _host(t_values), atol=1e-12)


def test_decomposition_parts_left_alone_add_no_gradient(bk):
    # repeated eigenvalues: the eigenvalues' gradient alone stays finite (no gaps divided by)
    a = bk.eye(3, dtype=bk.float64).requires_grad_()
    bk.linalg.eigh(a).eigenvalues.sum().backward()
    np.testing.assert_allclose(_host(a.grad), np.eye(3), atol=1e-12)
    b = bk.eye(3, dtype=bk.float64).requires_grad_()
    bk.linalg.svdvals(b * 2).sum().backward()
    np.testing.assert_allclose(_host(b.grad), 2 * np.eye(3), atol=1e-12)


def test_writing_into_a_returned_factor_leaves_the_gradient_alone(bk, real):
    data = rand(3, 3, seed=15)
    grads = []
    for lib, write in ((bk, True), (bk, False)):
        a = lib.tensor(data.tolist(), dtype=lib.float64, requires_grad=True)
        u, s, vh = lib.linalg.svd(a)
        loss = (s ** 2).sum()
        if write:
            with lib.no_grad():
                u.zero_()
                vh.zero_()
        loss.backward()
        grads.append(_host(a.grad))
    np.testing.assert_allclose(grads[0], grads[1])
    np.testing.assert_allclose(grads[0], 2 * data, atol=1e-12)  # d ||A||_F^2 / dA


def test_decomposition_errors_say_what_torch_says(bk, real):
    for lib in (bk, real):
        with pytest.raises(RuntimeError, match="at least 2 dimensions"):
            lib.linalg.svd(lib.ones(3))
        with pytest.raises(RuntimeError, match="square matrices"):
            lib.linalg.eigh(lib.ones(2, 3))
        with pytest.raises(RuntimeError, match="floating point"):
            lib.linalg.qr(lib.ones(2, 2, dtype=lib.int64))
        with pytest.raises(RuntimeError, match="unrecognized mode"):
            lib.linalg.qr(lib.ones(2, 2), mode="full")
        with pytest.raises(RuntimeError, match="at least 2 dimensions"):
            lib.linalg.solve_triangular(lib.eye(2), lib.ones(2), upper=True)
        a = lib.ones(3, 2, requires_grad=True) + lib.eye(3, 2)
        with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
            lib.linalg.qr(a, mode="complete").Q.sum().backward()
        with pytest.raises(RuntimeError, match="mode='r'"):
            lib.linalg.qr(a, mode="r").R.sum().backward()


SCAN = (np.array([[1.0, 3.0, 2.0, 3.0, -1.0, 4.0], [0.5, 0.2, 0.9, 0.9, 0.1, 0.3]]), "float64")
WITH_NAN = (np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, np.nan]]), "float64")
LABELS = (np.array([[1, 3, 3, 2, 2, 5], [4, 4, 1, 1, 0, 0]]), "int64")
RUNS = (np.array([1, 1, 2, 2, 3, 1, 1]), "int64")
QS = (np.array([0.1, 0.5, 0.95]), "float64")


@pytest.mark.parametrize("name, args, kwargs", [
    ("cummax", [SCAN, 1], {}), ("cummin", [SCAN, 1], {}), ("cummax", [SCAN, 0], {}),
    ("logcumsumexp", [SCAN, 1], {}), ("logcumsumexp", [(rand(3, 4) * 300, "float64"), 0], {}),
    ("quantile", [SCAN, 0.3], {}), ("quantile", [SCAN, QS], dict(dim=1)),
    ("quantile", [SCAN, 0.5], dict(dim=1, keepdim=True, interpolation="nearest")),
    ("quantile", [SCAN, QS], dict(dim=0, interpolation="lower")),
    ("quantile", [SCAN, 0.7], dict(dim=1, interpolation="higher")),
    ("quantile", [SCAN, 0.7], dict(dim=1, interpolation="midpoint")),
    ("quantile", [WITH_NAN, 0.4], dict(dim=1)), ("nanquantile", [WITH_NAN, 0.4], dict(dim=1)),
    ("nanquantile", [WITH_NAN, QS], dict(dim=1, keepdim=True)),
    ("mode", [LABELS, 1], {}), ("mode", [(np.array([2, 1, 2, 1, 3]), "int64")], {}),
    ("mode", [SCAN, 0], dict(keepdim=True)),
    ("take", [SCAN, (np.array([[0, 7], [11, -1]]), "int64")], {}),
    ("unique_consecutive", [RUNS], dict(return_inverse=True, return_counts=True)),
    ("unique_consecutive", [(np.array([[1, 1], [1, 1], [2, 3]]), "int64")], dict(dim=0)),
    ("isin", [LABELS, (np.array([2, 3]), "int64")], {}),
    ("isin", [LABELS, 4], dict(invert=True)),
    ("combinations", [(np.array([1.0, 2.0, 3.0, 4.0]), "float64")], {}),
    ("combinations", [(np.array([1.0, 2.0, 3.0]), "float64"), 2], dict(with_replacement=True)),
    ("cosine_similarity", [TALL, (rand(4, 3, seed=20), "float64")], {}),
    ("pairwise_distance", [TALL, (rand(4, 3, seed=20), "float64")], {}),
    ("index_put", [SCAN, [(np.array([0, 1, 0]), "int64"), (np.array([2, 2, 2]), "int64")],
                   (np.array([1.0, 2.0, 3.0]), "float64")], dict(accumulate=True)),
    ("index_put", [SCAN, [(np.array([1, 0]), "int64")], (np.array(5.0), "float64")], {}),
])
def test_scans_and_order_statistics_match_torch(bk, real, name, args, kwargs):
    _compare(bk, real, name, args, kwargs, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("ord_", ["nuc", 2, -2])
def test_spectral_matrix_norms_match_torch(bk, real, ord_):
    _compare(bk, real, "linalg.matrix_norm", [(rand(2, 3, 4, seed=21), "float64"), ord_], {},
             rtol=1e-9, atol=1e-12)


def test_logdet_of_negative_and_singular_matrices_matches_torch(bk, real):
    for matrix in (-np.eye(3), np.zeros((2, 2))):
        ours = bk.logdet(bk.tensor(matrix.tolist()))
        theirs = real.logdet(real.tensor(matrix.tolist()))
        np.testing.assert_array_equal(_host(ours), _host(theirs))
    # a negative determinant: NaN, and a zero gradient (PyTorch's where picks a constant)
    grads = []
    for lib in (bk, real):
        m = lib.tensor([[0.0, 1.0], [1.0, 0.0]], requires_grad=True)
        lib.logdet(m).backward()
        grads.append(m.grad.tolist())
    assert grads[0] == grads[1] == [[0.0, 0.0], [0.0, 0.0]]


def test_matrix_errors_say_what_torch_says(bk, real):
    for lib in (bk, real):
        with pytest.raises(RuntimeError, match="square matrices"):
            lib.linalg.inv(lib.ones(2, 3))
        with pytest.raises(RuntimeError, match="floating point"):
            lib.linalg.det(lib.ones(2, 2, dtype=lib.int64))
        with pytest.raises(RuntimeError, match="singular"):
            lib.linalg.inv(lib.zeros(2, 2))
        with pytest.raises(RuntimeError, match="positive-definite"):
            lib.linalg.cholesky(-lib.eye(2))
        with pytest.raises(RuntimeError, match="Incompatible shapes"):
            lib.linalg.solve(lib.eye(2), lib.ones(3))
