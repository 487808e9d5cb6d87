"""save/load (gradspec.serialization): round trips on every backend, files portable between
backends, a safe default, clear errors for foreign or damaged files; tensors pickle and deepcopy."""

from __future__ import annotations

import copy
import io
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import gradspec
from gradspec.serialization import FileFormatError
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


def _roundtrip(saver, loader, obj, **kwargs):
    buf = io.BytesIO()
    saver.save(obj, buf)
    buf.seek(0)
    return loader.load(buf, **kwargs)


def test_state_dicts_round_trip(bk, tmp_path):
    model = bk.nn.Sequential(bk.nn.Linear(3, 2), bk.nn.Tanh(), bk.nn.Linear(2, 1))
    path = tmp_path / "model.pt"
    bk.save(model.state_dict(), path)
    state = bk.load(path)
    assert isinstance(state, OrderedDict) and list(state) == list(model.state_dict())
    for key, value in state.items():
        assert isinstance(value, bk.Tensor) and value.dtype == bk.float32
        assert value.tolist() == model.state_dict()[key].tolist() and not value.requires_grad
    fresh = bk.nn.Sequential(bk.nn.Linear(3, 2), bk.nn.Tanh(), bk.nn.Linear(2, 1))
    fresh.load_state_dict(bk.load(str(path), map_location="cpu"))
    x = bk.ones(1, 3)
    assert fresh(x).tolist() == model(x).tolist()


def test_containers_numbers_and_shared_tensors(bk):
    t = bk.arange(6.0).reshape(2, 3)
    obj = {"epoch": 3, "name": "run", "lr": 0.5, "betas": (0.9, 0.999), "flags": [True, None],
           "ints": bk.tensor([1, 2]), "bools": bk.tensor([True, False]), "a": t, "b": t,
           "f64": bk.zeros(2, dtype=bk.float64), "rg": bk.ones(2, requires_grad=True),
           "nested": OrderedDict(x=[{"deep": t}]), "set": {1, 2}}
    back = _roundtrip(bk, bk, obj)
    assert back["a"] is back["b"] is back["nested"]["x"][0]["deep"]
    assert (back["epoch"], back["name"], back["lr"], back["betas"], back["flags"], back["set"]) \
        == (3, "run", 0.5, (0.9, 0.999), [True, None], {1, 2})
    assert back["ints"].dtype == bk.int64 and back["bools"].dtype == bk.bool
    assert back["f64"].dtype == bk.float64 and back["rg"].requires_grad and back["rg"].is_leaf
    assert back["a"].tolist() == t.tolist()


@pytest.mark.parametrize("source", BACKENDS)
@pytest.mark.parametrize("target", BACKENDS)
def test_files_are_portable_between_backends(source, target):
    src, dst = load_or_skip(source), load_or_skip(target)
    model = src.nn.Linear(2, 2)
    opt = src.optim.Adam(model.parameters(), lr=0.1)
    model(src.ones(1, 2)).sum().backward()
    opt.step()
    back = _roundtrip(src, dst, {"model": model.state_dict(), "opt": opt.state_dict()})
    assert all(isinstance(v, dst.Tensor) for v in back["model"].values())
    twin = dst.nn.Linear(2, 2)
    twin.load_state_dict(back["model"])
    assert twin.weight.tolist() == model.weight.tolist()
    opt2 = dst.optim.Adam(twin.parameters(), lr=0.1)
    opt2.load_state_dict(back["opt"])
    assert isinstance(opt2.state[twin.weight]["exp_avg"], dst.Tensor)


def test_gradspec_load_uses_the_default_backend_and_backend_argument():
    numpy, strict = load_or_skip("numpy"), load_or_skip("strict")
    buf = io.BytesIO()
    gradspec.save({"w": strict.ones(2)}, buf)
    buf.seek(0)
    assert isinstance(gradspec.load(buf)["w"], numpy.Tensor)
    buf.seek(0)
    assert isinstance(gradspec.load(buf, backend="strict")["w"], strict.Tensor)


def test_whole_objects_need_weights_only_false(bk):
    model = bk.nn.Sequential(bk.nn.Linear(2, 1), bk.nn.Sigmoid())
    buf = io.BytesIO()
    bk.save(model, buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match=r"run code .*weights_only=False"):
        bk.load(buf)
    buf.seek(0)
    back = bk.load(buf, weights_only=False)
    assert type(back) is bk.nn.Sequential and isinstance(back[0].weight, bk.Tensor)
    assert back(bk.ones(1, 2)).tolist() == model(bk.ones(1, 2)).tolist()


def test_a_malicious_file_cannot_run_code(tmp_path, bk):
    class Evil:
        def __reduce__(self):
            return (exec, ("import os; os.environ['GRADSPEC_PWNED'] = '1'",))

    path = tmp_path / "evil.pt"
    gradspec.save({"x": Evil()}, path)
    with pytest.raises(pickle.UnpicklingError, match="builtins.exec"):
        bk.load(path)
    import os

    assert "GRADSPEC_PWNED" not in os.environ


@pytest.mark.parametrize("content,match", [
    (b"", "not a zip archive"),
    (b"definitely not a model", "not a zip archive"),
    (None, "not one written by gradspec"),
])
def test_foreign_files_are_refused_clearly(tmp_path, bk, content, match):
    path = tmp_path / "x.pt"
    if content is None:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("something.txt", "hello")
    else:
        path.write_bytes(content)
    with pytest.raises(FileFormatError, match=match):
        bk.load(path)
    assert issubclass(FileFormatError, RuntimeError)


def test_a_pytorch_file_is_named_as_such(tmp_path, bk):
    torch = pytest.importorskip("torch")
    path = tmp_path / "torch.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(FileFormatError, match="PyTorch's own torch.save"):
        bk.load(path)


def test_damaged_files_are_refused_clearly(tmp_path, bk):
    path = tmp_path / "x.pt"
    bk.save({"w": bk.ones(100)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError):
        bk.load(path)
    with zipfile.ZipFile(path := tmp_path / "y.pt", "w") as z:
        with zipfile.ZipFile(io.BytesIO(data)) as good:
            for name in good.namelist():
                z.writestr(name, b"garbage" if name.endswith(".npy") else good.read(name))
    with pytest.raises(FileFormatError, match="damaged"):
        bk.load(path)


def test_map_location(bk):
    buf = io.BytesIO()
    bk.save({"w": bk.ones(2)}, buf)
    buf.seek(0)
    assert bk.load(buf, map_location=bk.device("cpu"))["w"].tolist() == [1.0, 1.0]
    buf.seek(0)
    with pytest.raises(TypeError, match="map_location"):
        bk.load(buf, map_location=lambda storage, loc: storage)
    if bk.name != "torch":
        buf.seek(0)
        with pytest.raises(RuntimeError, match="cuda"):
            bk.load(buf, map_location="cuda")


# ------------------------------------------------------------------------- pickle, deepcopy
def test_tensors_pickle_and_deepcopy(bk):
    t = bk.tensor([[1.5, -2.0]], requires_grad=True)
    for back in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t), copy.copy(t)):
        assert type(back) is type(t) and back.tolist() == t.tolist() and back is not t
        assert back.requires_grad and back.is_leaf and back.dtype == t.dtype
    i = pickle.loads(pickle.dumps(bk.arange(4, dtype=bk.int32)))
    assert i.dtype == bk.int32 and i.tolist() == [0, 1, 2, 3]
    assert pickle.loads(pickle.dumps(bk.float64)) == bk.float64
    assert pickle.loads(pickle.dumps(bk.ones(2).shape)) == (2,)



def test_parameters_stay_parameters_through_pickle_and_deepcopy(bk):
    """A parameter copied with its model, or pickled, prints as PyTorch prints one ("Parameter
    containing:"); a plain tensor that requires grad does not."""
    from gradspec import nn

    param = nn.Parameter(bk.ones(2))
    plain = bk.ones(2, requires_grad=True)
    expect = repr(param)
    assert expect.startswith("Parameter containing:") or bk.name == "torch"  # (a plain tensor)
    for back in (pickle.loads(pickle.dumps(param)), copy.deepcopy(param)):
        assert repr(back) == expect and back.requires_grad and back.is_leaf
    model = nn.Linear(2, 1, backend=bk)
    assert repr(copy.deepcopy(model).bias) == repr(model.bias)
    for back in (pickle.loads(pickle.dumps(plain)), copy.deepcopy(plain)):
        assert repr(back) == repr(plain) and not repr(back).startswith("Parameter")


def test_copying_a_copied_array_does_not_share_memory():
    numpy = load_or_skip("numpy")
    t = numpy.ones(3)
    c = copy.copy(t)
    c.add_(1)
    assert t.tolist() == [1.0, 1.0, 1.0] and np.asarray(c.numpy()).tolist() == [2.0, 2.0, 2.0]
