"""The numpy backend's tuned namespace gives exactly what array_api_compat.numpy gives: same
values, dtypes, shapes and errors, on the fast route and on the fallback."""

from __future__ import annotations

import numpy as np
import pytest

compat = pytest.importorskip("array_api_compat.numpy")

from gradspec.backends.engine.tuned_numpy import namespace  # noqa: E402

NS = namespace()
ARRAYS = {
    "f32 matrix": np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5,
    "f64 0-d": np.array(1.5),
    "f16 vector": np.array([1.0, -2.0, 4.0], dtype=np.float16),
    "i32 vector": np.array([1, 2, 3], dtype=np.int32),
    "bool matrix": np.array([[True, False], [True, True]]),
    "f32 with nan": np.array([1.0, np.nan, -1.0], dtype=np.float32),
    "f32 vector": np.array([0.25, -3.0, 7.5, -3.0, 2.0], dtype=np.float32),
    "f64 signed zeros": np.array([0.0, -0.0, 0.0]),
    "f64 zeros and one": np.array([-0.0, 1.0, 0.0]),
    "f32 infinity": np.array([np.inf, 1.0, -2.0], dtype=np.float32),
}


def same(got, want):
    assert type(got) is type(want)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    assert np.shape(got) == np.shape(want)
    np.testing.assert_array_equal(got, want)
    # min/max of a vector come from argmin/argmax: zeros must keep the reduction's sign
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("name", ["sum", "min", "max"])
@pytest.mark.parametrize("key", list(ARRAYS))
@pytest.mark.parametrize("axis,keepdims", [(None, False), (None, True), (0, False), (-1, True),
                                           ((), False)])
def test_reductions_agree(name, key, axis, keepdims):
    x = ARRAYS[key]
    if x.ndim == 0 and axis not in (None, ()):
        axis = None
    same(getattr(NS, name)(x, axis=axis, keepdims=keepdims),
         getattr(compat, name)(x, axis=axis, keepdims=keepdims))


def test_a_reduction_with_a_dtype_takes_the_compat_route():
    x = ARRAYS["f32 matrix"]
    same(NS.sum(x, dtype=np.float64), compat.sum(x, dtype=np.float64))


@pytest.mark.parametrize("name", ["min", "max"])
def test_empty_min_and_max_raise_as_numpy(name):
    with pytest.raises(ValueError, match="zero-size array"):
        getattr(NS, name)(np.zeros(0, dtype=np.float32))


@pytest.mark.parametrize("key", list(ARRAYS))
def test_shape_and_dtype_functions_agree(key):
    x = ARRAYS[key]
    same(NS.reshape(x, (-1,)), compat.reshape(x, (-1,)))
    same(NS.astype(x, np.float64), compat.astype(x, np.float64))
    assert NS.astype(x, x.dtype, copy=False) is x
    same(NS.ones_like(x), compat.ones_like(x))
    same(NS.zeros_like(x, dtype=np.float32), compat.zeros_like(x, dtype=np.float32))
    same(NS.asarray(x, dtype=np.float64), compat.asarray(x, dtype=np.float64))
    if x.ndim >= 2:
        same(NS.matrix_transpose(x), compat.matrix_transpose(x))


def test_matrix_transpose_of_a_vector_raises_as_compat():
    with pytest.raises(ValueError):
        NS.matrix_transpose(np.ones(3))


def test_copy_requests_take_the_compat_route():
    x = ARRAYS["f32 matrix"]
    assert not np.shares_memory(NS.asarray(x, copy=True), x)
    assert np.shares_memory(NS.reshape(x, (6,), copy=False), x)
    with pytest.raises(ValueError):
        NS.reshape(x.T, (6,), copy=False)  # not expressible as a view


def test_everything_else_is_compat_itself():
    for name in ("exp", "where", "matmul", "isdtype", "float32"):
        assert getattr(NS, name) is getattr(compat, name)


@pytest.mark.parametrize("name", ["argmin", "argmax"])
@pytest.mark.parametrize("key", list(ARRAYS))
@pytest.mark.parametrize("axis,keepdims", [(None, False), (None, True), (0, False), (-1, True)])
def test_argmin_and_argmax_agree(name, key, axis, keepdims):
    x = ARRAYS[key]
    if x.ndim == 0 and axis is not None:
        axis = None
    same(getattr(NS, name)(x, axis=axis, keepdims=keepdims),
         getattr(compat, name)(x, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("name", ["argmin", "argmax"])
def test_argmin_of_nothing_raises_as_compat(name):
    with pytest.raises(ValueError):
        getattr(compat, name)(np.zeros(0))
    with pytest.raises(ValueError):
        getattr(NS, name)(np.zeros(0))


@pytest.mark.parametrize("args,kw", [((5,), {}), ((2, 7), {}), ((0, 10, 3), {}),
                                     ((5,), {"dtype": np.int32}), ((0.0, 1.0, 0.25), {}),
                                     ((4, None, 1), {}), ((3, -3, -1), {"dtype": np.float32})])
def test_arange_agrees(args, kw):
    same(NS.arange(*args, **kw), compat.arange(*args, **kw))


def test_arange_with_a_device_takes_the_compat_route():
    same(NS.arange(3, device="cpu"), compat.arange(3, device="cpu"))
    with pytest.raises(ValueError):
        NS.arange(3, device="gpu")


@pytest.mark.parametrize("args,kw", [((3,), {}), ((2, 4), {"k": 1}), ((4,), {"dtype": np.float32}),
                                     ((3, 3), {"k": -2, "dtype": np.int64})])
def test_eye_agrees(args, kw):
    same(NS.eye(*args, **kw), compat.eye(*args, **kw))


@pytest.mark.parametrize("key", list(ARRAYS))
def test_take_agrees(key):
    x = ARRAYS[key]
    if x.ndim == 0:
        return
    for axis in range(x.ndim):
        picks = np.array([0, x.shape[axis] - 1, 0], dtype=np.int64)
        same(NS.take(x, picks, axis=axis), compat.take(x, picks, axis=axis))
    with pytest.raises(IndexError):
        NS.take(x, np.array([x.shape[0]]), axis=0)


@pytest.mark.parametrize("value", [np.float32(2.5), np.float64(-0.0), np.int64(3), np.bool_(True)])
def test_ones_and_zeros_like_a_numpy_scalar_agree(value):
    same(NS.ones_like(value), compat.ones_like(value))
    same(NS.zeros_like(value), compat.zeros_like(value))
    same(NS.ones_like(value, dtype=np.float64), compat.ones_like(value, dtype=np.float64))


@pytest.mark.parametrize("key", list(ARRAYS))
@pytest.mark.parametrize("lo,hi", [(-1, 1), (1, -1), (None, 0.5), (0.0, None), (-0.0, 0.0),
                                   (0, 0), (-np.inf, np.inf), (1.5, 1.5), (float("nan"), 1.0)])
def test_clip_agrees(key, lo, hi):
    # floating arrays with number bounds take numpy's clip; the rest (integers, bools, NaN
    # bounds) compat's own, so both must answer alike
    x = ARRAYS[key]
    if x.dtype == np.bool_:
        return  # compat refuses bool clipping; nothing of ours reaches it with bools
    try:
        want = compat.clip(x, lo, hi)
    except Exception as exc:  # compat's error for this combination: ours is the same
        with pytest.raises(type(exc)):
            NS.clip(x, lo, hi)
        return
    same(NS.clip(x, lo, hi), want)


def test_clip_with_array_bounds_takes_the_compat_route():
    x = ARRAYS["f32 matrix"]
    bound = np.float32(0.5) * np.ones((2, 3), dtype=np.float32)
    same(NS.clip(x, bound, None), compat.clip(x, bound, None))


SORTABLE = {
    **{k: v for k, v in ARRAYS.items() if v.ndim},
    "f32 ties": np.array([[2.0, 1.0, 2.0, np.nan, 1.0], [0.0, -0.0, 3.0, 3.0, np.nan]],
                         dtype=np.float32),
    "i64 3-d": np.arange(24, dtype=np.int64).reshape(2, 3, 4) % 5,
    "u8 columns": np.asfortranarray(np.array([[3, 1, 3], [0, 2, 2]], dtype=np.uint8)),
}


@pytest.mark.parametrize("key", list(SORTABLE))
@pytest.mark.parametrize("descending", [False, True])
def test_argsort_agrees(key, descending):
    # a descending sort keeps ties in their order, NaN where compat puts it
    x = SORTABLE[key]
    for axis in range(-x.ndim, x.ndim):
        same(NS.argsort(x, axis=axis, descending=descending),
             compat.argsort(x, axis=axis, descending=descending))


def test_argsort_of_a_scalar_takes_the_compat_route():
    x = np.array(1.0)
    same(NS.argsort(x, axis=0), compat.argsort(x, axis=0))
    with pytest.raises(Exception) as want:  # compat's flip refuses a 0-d array
        compat.argsort(x, axis=0, descending=True)
    with pytest.raises(want.type):
        NS.argsort(x, axis=0, descending=True)


@pytest.mark.parametrize("key", list(ARRAYS))
def test_permute_dims_agrees(key):
    import itertools

    x = ARRAYS[key]
    for axes in itertools.permutations(range(x.ndim)):
        same(NS.permute_dims(x, axes), compat.permute_dims(x, axes))
    with pytest.raises(ValueError):
        NS.permute_dims(x, (0,) * (x.ndim + 1))


BROADCASTS = [
    (np.array(1.0, dtype=np.float32), (4, 8)),  # a scalar loss's gradient, spread
    (np.float64(2.5), (3,)),  # a numpy scalar
    (np.ones((4, 1), dtype=np.float32), (4, 8)),  # a kept-dims sum's gradient
    (np.arange(8.0), (2, 3, 8)),  # new leading axes
    (np.ones((2, 1, 3)), (5, 2, 4, 3)),
    (np.arange(6.0).reshape(2, 3).T, (4, 3, 2)),  # not C-ordered: the compat route
    (np.ones((1, 3)), (0, 3)),  # to an empty shape
    (np.ones(0), (2, 0)),  # from an empty array
    (np.array(True), (2,)),
    (np.arange(3), (3, 3)),
    (np.array(1.0), ()),
]


@pytest.mark.parametrize("x,shape", BROADCASTS, ids=[str(s) for _, s in BROADCASTS])
def test_broadcast_to_gives_numpys_read_only_view(x, shape):
    got, want = NS.broadcast_to(x, shape), compat.broadcast_to(x, shape)
    same(got, want)
    assert got.strides == want.strides
    assert not got.flags.writeable
    base = np.asarray(x)
    assert np.shares_memory(got, base) == np.shares_memory(want, base)


@pytest.mark.parametrize("x,shape", [(np.ones(3), (4,)), (np.ones((2, 3)), (3,)),
                                     (np.ones(3), (-1, 3)), (np.array(1.0), (-1,)),
                                     (np.ones(3), (2.0, 3))])
def test_broadcast_to_refuses_as_numpy(x, shape):
    with pytest.raises(Exception) as ours:
        NS.broadcast_to(x, shape)
    with pytest.raises(Exception) as theirs:
        compat.broadcast_to(x, shape)
    assert (ours.type, str(ours.value)) == (theirs.type, str(theirs.value))
