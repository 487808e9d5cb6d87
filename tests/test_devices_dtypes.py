"""Devices, dtypes and shapes as PyTorch users know them, on every backend, against PyTorch."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import gradspec
from gradspec.devices import BackendDevice, device
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="PyTorch is the reference for these checks")


# ---------------------------------------------------------------------------------- devices
@pytest.mark.parametrize("args", [("cpu",), ("cuda",), ("cuda:1",), ("cuda", 0), ("cpu", 0),
                                  ("cpu:1",), ("mps",)])
def test_device_objects_behave_as_torchs(T, args):
    ours, theirs = device(*args), T.device(*args)
    assert (str(ours), repr(ours), ours.type, ours.index) == (
        str(theirs), repr(theirs), theirs.type, theirs.index)
    assert ours == device(str(ours)) and hash(ours) == hash(device(str(ours)))
    assert (ours == str(ours)) is (theirs == str(theirs)) is False  # no equality with strings
    assert pickle.loads(pickle.dumps(ours)) == ours


@pytest.mark.parametrize("bad", ["gpu", "cuda:x", "cuda:01", "cuda:-1"])
def test_bad_device_strings_are_refused_as_torch_refuses_them(T, bad):
    with pytest.raises(RuntimeError):
        T.device(bad)
    with pytest.raises(RuntimeError):
        device(bad)


def test_backend_device_is_the_protocols_string_and_torchs_constructor(bk):
    assert isinstance(bk.device, BackendDevice) and bk.device == "cpu" and f"{bk.device}" == "cpu"
    d = bk.device("cuda", 1)
    assert str(d) == "cuda:1" and isinstance(d, bk.device)
    x = bk.ones(2)
    assert isinstance(x.device, bk.device) and x.device == bk.device("cpu")
    assert str(x.device) == "cpu" and x.device.type == "cpu" and x.is_cuda is False


def test_moving_to_a_device_the_backend_lacks_fails_clearly():
    for name in ("numpy", "strict"):
        be = load_or_skip(name)
        x = be.ones(2)
        assert x.to("cpu") is x and x.to(be.device("cpu")) is x and x.cpu() is x
        with pytest.raises(RuntimeError, match=rf"backend '{name}' keeps tensors on cpu"):
            x.to("cuda")
        with pytest.raises(RuntimeError, match="cuda"):
            be.zeros(2, device="cuda:0")
        with pytest.raises(RuntimeError, match="cuda"):
            x.cuda()
        assert be.cuda.is_available() is False and be.cuda.device_count() == 0


# ---------------------------------------------------------------------------------- dtypes
NAMES = ["float32", "float64", "int64", "int32", "int16", "int8", "uint8", "bool"]


@pytest.mark.parametrize("name", NAMES)
def test_dtypes_print_and_compare_as_torchs(bk, T, name):
    ours, theirs = getattr(bk, name), getattr(T, name)
    assert repr(ours) == repr(theirs) == f"torch.{name}"
    for attr in ("is_floating_point", "is_signed", "itemsize", "is_complex"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert (ours == name) is False
    t = bk.zeros(2, dtype=ours)
    assert t.dtype == ours and t.dtype is ours and t.type() == T.zeros(2, dtype=theirs).type()
    assert t.element_size() == ours.itemsize and t.nbytes == 2 * ours.itemsize


def test_engine_dtypes_equal_the_namespaces():
    numpy = load_or_skip("numpy")
    assert numpy.float32 == np.float32 and numpy.float32 == np.dtype("float32")
    assert numpy.tensor([1.0]).dtype == np.float32 and numpy.int64 != np.float32
    assert {numpy.float32: 1}[numpy.tensor([1.0]).dtype] == 1


def test_aliases(bk, T):
    for alias, name in [("float", "float32"), ("double", "float64"), ("long", "int64"),
                        ("int", "int32"), ("short", "int16")]:
        assert getattr(bk, alias) == getattr(bk, name) and getattr(T, alias) == getattr(T, name)


def test_conversions_agree_with_torch(bk, T):
    def both(fn):
        return fn(bk, bk.tensor([1.5, -2.0, 3.25])), fn(T, T.tensor([1.5, -2.0, 3.25]))

    for fn in [lambda m, x: x.to(m.float64), lambda m, x: x.double(), lambda m, x: x.long(),
               lambda m, x: x.int(), lambda m, x: x.bool(), lambda m, x: x.type(m.float64),
               lambda m, x: x.type("torch.IntTensor"), lambda m, x: x.to("cpu", m.float64),
               lambda m, x: x.to(m.tensor([1], dtype=m.int32)), lambda m, x: x.new_zeros(2, 3),
               lambda m, x: x.new_ones((2,), dtype=m.int64), lambda m, x: x.new_full((2,), 7.0),
               lambda m, x: x.new_tensor([1, 2]), lambda m, x: x.new_empty(2).shape,
               lambda m, x: m.zeros(2, dtype=m.int64) + 1.5, lambda m, x: m.tensor([1, 2]) / 2,
               lambda m, x: x.type(), lambda m, x: m.is_floating_point(x),
               lambda m, x: m.tensor([1]).is_floating_point(), lambda m, x: x.shape,
               lambda m, x: x.reshape(3, 1).size(), lambda m, x: x.reshape(3, 1).shape[1:]]:
        ours, theirs = both(fn)
        assert repr(ours) == repr(theirs)


def test_to_without_a_change_returns_the_tensor_itself(bk):
    x = bk.ones(2)
    assert x.to(bk.float32) is x and x.to(x) is x and x.to(bk.float32, copy=True) is not x


def test_default_dtype(bk, T):
    assert bk.get_default_dtype() == bk.float32
    bk.set_default_dtype(bk.float64)
    try:
        assert bk.get_default_dtype() == bk.float64
        for make in (lambda: bk.tensor([1.0]), lambda: bk.zeros(2), lambda: bk.randn(2),
                     lambda: bk.arange(0.0, 1.0, 0.5), lambda: bk.linspace(0, 1, 3),
                     lambda: bk.full((1,), 2.0), lambda: bk.tensor([1, 2]) * 0.5,
                     lambda: bk.nn.Linear(2, 1).weight):
            assert make().dtype == bk.float64
        assert repr(bk.tensor([1.0])) == "tensor([1.])"
        assert repr(bk.tensor([1.0], dtype=bk.float32)) == "tensor([1.], dtype=torch.float32)"
        with pytest.raises(TypeError):
            bk.set_default_dtype(bk.int64)
    finally:
        bk.set_default_dtype(bk.float32)
    assert bk.tensor([1.0]).dtype == bk.float32


def test_finfo_and_iinfo_as_torchs(bk, T):
    for name in ("float32", "float64"):
        ours, theirs = bk.finfo(getattr(bk, name)), T.finfo(getattr(T, name))
        for attr in ("bits", "eps", "max", "min", "tiny", "resolution", "dtype"):
            assert getattr(ours, attr) == getattr(theirs, attr), (name, attr)
    assert bk.finfo().bits == 32
    for name in ("int8", "uint8", "int32", "int64"):
        ours, theirs = bk.iinfo(getattr(bk, name)), T.iinfo(getattr(T, name))
        assert (ours.bits, ours.min, ours.max) == (theirs.bits, theirs.min, theirs.max)
    with pytest.raises(TypeError):
        bk.finfo(bk.int32)
    with pytest.raises(TypeError):
        bk.iinfo(bk.float32)


def test_size_prints_and_behaves_as_torchs(bk, T):
    ours, theirs = bk.zeros(2, 3, 4).shape, T.zeros(2, 3, 4).shape
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    assert ours == (2, 3, 4) and ours[1] == 3 and repr(ours[1:]) == repr(theirs[1:])
    assert repr(ours + (5,)) == repr(theirs + (5,)) and ours.numel() == theirs.numel() == 24
    assert repr(bk.Size([2, 3])) == "torch.Size([2, 3])"


# ---------------------------------------------------------------------------------- randomness
def test_generators_and_randperm_are_repeatable(bk):
    g1 = bk.Generator().manual_seed(7)
    g2 = bk.Generator().manual_seed(7)
    a, b = bk.randperm(10, generator=g1), bk.randperm(10, generator=g2)
    assert a.tolist() == b.tolist() and sorted(a.tolist()) == list(range(10))
    assert a.dtype == bk.int64 and g1.initial_seed() == 7
    assert bk.randn(3, generator=g1).tolist() == bk.randn(3, generator=g2).tolist()
    bk.manual_seed(3)
    first = bk.randperm(6).tolist()
    bk.manual_seed(3)
    assert bk.randperm(6).tolist() == first
    r = bk.randint(0, 5, (100,), generator=g1)
    assert r.dtype == bk.int64 and 0 <= min(r.tolist()) and max(r.tolist()) < 5
    assert tuple(bk.randint(3, (2, 2)).shape) == (2, 2)


def test_refusals_agree(bk):
    """Where PyTorch refuses an input, every backend refuses it with the same kind of error."""
    cases = [
        (lambda: bk.tensor([1, 2], requires_grad=True), gradspec.RequiresGradDtypeError),
        (lambda: bk.tensor([1, 2]).requires_grad_(), gradspec.RequiresGradDtypeError),
        (lambda: bk.ones(1, requires_grad=True).numpy(), gradspec.DetachRequiredError),
        (lambda: bk.ones(2).item(), RuntimeError),
        (lambda: float(bk.ones(2)), ValueError),
        (lambda: bk.device("gpu"), RuntimeError),
        (lambda: bk.nn.Linear(2, 1)(bk.ones(1, 3)), RuntimeError),
        (lambda: bk.optim.SGD([bk.ones(1, requires_grad=True) * 2], lr=0.1), ValueError),
        (lambda: bk.nn.BCELoss()(bk.tensor([1.5]), bk.tensor([1.0])), RuntimeError),
    ]
    for make, kind in cases:
        with pytest.raises(Exception) as info:
            make()
        error = info.value
        assert isinstance(error, kind) or bk.classify_error(error) is kind, (kind, error)
