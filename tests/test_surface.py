"""The surface (gradspec.surface): one set of names on every backend, gradspec's nn/optim/data/
save/load bound to each, the torch adapter exposing nothing more, and clear errors outside."""

from __future__ import annotations

import copy
import importlib
import inspect
import pickle
import pkgutil

import pytest

import gradspec
from gradspec import nn, ops, protocol, surface
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


# ---------------------------------------------------------------------------- one surface
def test_every_backend_has_the_whole_surface(bk):
    assert surface.missing_names(bk) == [] or (
        bk.name == "strict" and surface.missing_names(bk) == ["HalfTensor", "float16", "half"])


def test_strict_lacks_only_what_the_array_api_standard_lacks():
    strict = load_or_skip("strict")
    with pytest.raises(AttributeError, match=r"torch.float16 is part of gradspec's surface, but "
                                             r"backend 'strict' does not provide it"):
        strict.float16


def test_the_torch_backend_exposes_the_surface_and_nothing_more():
    torch = load_or_skip("torch")
    public = {name for name in vars(torch) if not name.startswith("_")} | {"__version__"}
    allowed = set(surface.surface_names())
    assert public - allowed == set()
    assert surface.missing_names(torch) == []


def test_engine_backends_expose_no_engine_helpers_as_ops(bk):
    for helper in ("getitem", "setitem", "view", "expand_as", "to"):
        assert not hasattr(bk, helper), helper


def test_a_name_outside_the_surface_says_so_and_suggests(bk):
    with pytest.raises(AttributeError, match=rf"torch.fft is not part of gradspec's surface "
                                             rf"\(backend '{bk.name}'\)"):
        bk.fft
    with pytest.raises(AttributeError, match=r"torch.sigmod .*did you mean torch.sigmoid\?"):
        bk.sigmod
    with pytest.raises(AttributeError, match=r"torch.nn.Lineer .*did you mean torch.nn.Linear\?"):
        bk.nn.Lineer
    with pytest.raises(AttributeError, match=r"torch.autograd.forward_ad is not part"):
        bk.autograd.forward_ad
    with pytest.raises(AttributeError, match=r"torch.optim.SparseAdam is not part"):
        bk.optim.SparseAdam
    assert not hasattr(bk, "fft") and getattr(bk, "fft", None) is None


def test_a_missing_name_with_a_way_round_it_names_the_way(bk):
    if bk.name == "torch":
        pytest.skip("the torch adapter has torch.poisson itself")
    with pytest.raises(AttributeError, match=r"torch.poisson is not part .*instead: "
                                             r"torch.distributions.Poisson"):
        bk.poisson
    rates = bk.tensor([0.0, 0.0])  # what the hint says gives poisson's draws
    assert bk.distributions.Poisson(rates).sample().tolist() == [0.0, 0.0]


def test_torch_passthrough_is_explicit():
    load_or_skip("torch")
    real = pytest.importorskip("torch")
    passthrough = gradspec.load_backend("torch", passthrough="1")
    assert passthrough.fft is real.fft
    assert passthrough.nn is not real.nn  # the surface itself stays gradspec's
    with pytest.raises(AttributeError, match="passthrough=1"):
        gradspec.load_backend("torch").fft
    with pytest.raises(ValueError, match="passthrough=1 or passthrough=0"):
        gradspec.load_backend("torch", passthrough="maybe")


def test_binding_costs_nothing_per_op(bk):
    # ops stay plain attributes of the object: no __getattr__, no wrapper in between
    for op in ("add", "mul", "matmul", "sum", "relu"):
        assert op in vars(bk), op
    assert bk.add is vars(bk)["add"]


def test_package_attributes():
    assert gradspec.nn is nn and gradspec.optim.SGD and gradspec.utils.data.DataLoader
    assert "default backend" in repr(gradspec.nn) and "default backend" in gradspec.nn.__doc__


# ---------------------------------------------------------------------------- bound modules
def test_layers_reached_through_a_backend_create_its_tensors(bk):
    layer = bk.nn.Linear(3, 2)
    assert isinstance(layer.weight, bk.Tensor) and isinstance(layer, nn.Linear)
    assert bk.nn.Linear is bk.nn.Linear and bk.nn.Linear is bk.nn.modules.linear.Linear
    assert type(layer).__name__ == "Linear" and repr(layer) == (
        "Linear(in_features=3, out_features=2, bias=True)")

    class Net(bk.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = bk.nn.Sequential(bk.nn.Linear(2, 4), bk.nn.ReLU())
            self.head = bk.nn.Linear(4, 1)

        def forward(self, x):
            return self.head(self.body(x))

    net = Net()
    assert all(isinstance(p, bk.Tensor) for p in net.parameters())
    assert tuple(net(bk.ones(3, 2)).shape) == (3, 1)


def test_direct_gradspec_nn_follows_the_default_backend(monkeypatch):
    strict = load_or_skip("strict")
    monkeypatch.setenv("GRADSPEC_BACKEND", "strict")
    assert isinstance(nn.Linear(2, 1).weight, strict.Tensor)
    monkeypatch.delenv("GRADSPEC_BACKEND")
    assert isinstance(nn.Linear(2, 1).weight, gradspec.load_backend("numpy").Tensor)
    assert isinstance(nn.Linear(2, 1, backend="strict").weight, strict.Tensor)


def test_explicit_backend_wins_over_the_binding():
    numpy, strict = load_or_skip("numpy"), load_or_skip("strict")
    assert isinstance(numpy.nn.Linear(2, 1, backend=strict).weight, strict.Tensor)


def test_a_module_on_another_backends_tensors_names_both():
    numpy, strict = load_or_skip("numpy"), load_or_skip("strict")
    layer = strict.nn.Linear(2, 1)
    with pytest.raises(gradspec.BackendMismatchError,
                       match=r"parameters on backend 'strict' .* tensor of backend 'numpy'"):
        layer(numpy.ones(1, 2))
    net = strict.nn.Sequential(strict.nn.Linear(2, 1), strict.nn.Sigmoid())
    with pytest.raises(RuntimeError, match="'strict'.*'numpy'"):  # a RuntimeError, as torch's
        net(numpy.ones(1, 2))


def test_every_layer_of_gradspec_nn_is_reachable_through_a_backend(bk):
    """Layers added to gradspec.nn.modules must be exported, or backend.nn cannot offer them."""
    package = importlib.import_module("gradspec.nn.modules")
    layers = set()
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"gradspec.nn.modules.{info.name}")
        layers |= {name for name, value in vars(module).items()
                   if inspect.isclass(value) and issubclass(value, nn.Module)
                   and value.__module__ == module.__name__ and not name.startswith("_")}
    missing = sorted(name for name in layers if not hasattr(bk.nn, name))
    assert not missing, f"add {missing} to gradspec.nn's __all__"


def test_bound_modules_pickle_and_deepcopy(bk):
    model = bk.nn.Sequential(bk.nn.Linear(2, 2), bk.nn.Tanh())
    clone = copy.deepcopy(model)
    assert type(clone) is type(model) and clone[0].weight.tolist() == model[0].weight.tolist()
    back = pickle.loads(pickle.dumps(model))
    assert type(back) is bk.nn.Sequential and isinstance(back[0].weight, bk.Tensor)
    assert back[0].weight.tolist() == model[0].weight.tolist()


def test_gradspec_nn_pickles_by_name_for_dask():
    """cloudpickle sends a script's functions by value, with the modules they use by name; the
    default-backend ``gradspec.nn`` is a module subclass and must pickle like a module."""
    cloudpickle = pytest.importorskip("cloudpickle")  # installed with the dask extra

    def objective():
        return nn.BCELoss

    assert pickle.loads(pickle.dumps(nn)) is nn
    assert cloudpickle.loads(cloudpickle.dumps(objective))() is nn.BCELoss


def test_backends_flags_and_threads_read_back_what_a_script_sets(bk, monkeypatch):
    """The boilerplate lines of training scripts: ``torch.backends.cudnn.benchmark = True``,
    ``torch.set_num_threads(1)``; PyTorch's defaults before, the values set after."""
    flags = bk.backends.cudnn
    monkeypatch.setattr(flags, "benchmark", flags.benchmark)  # restored after the test
    monkeypatch.setattr(flags, "deterministic", flags.deterministic)
    assert flags.benchmark is False and flags.deterministic is False
    assert bk.backends.mps.is_available() is False
    flags.benchmark = flags.deterministic = True
    assert bk.backends.cudnn.benchmark is True and bk.backends.cudnn.deterministic is True
    # (on the torch backend these are torch's own, with torch's message)
    unknown = "no attribute" if bk.name == "torch" else "not part of gradspec's surface"
    with pytest.raises(AttributeError, match=unknown):
        bk.backends.cudnn.no_such_flag
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = bk.get_num_threads()
    with threadpoolctl.threadpool_limits(limits=None):  # restores the BLAS limits after
        bk.set_num_threads(1)
        assert bk.get_num_threads() == 1
        bk.set_num_threads(before)
    with pytest.raises((ValueError, RuntimeError, TypeError)):
        bk.set_num_threads(0)


def test_optim_utils_save_load_are_bound(bk):
    p = bk.ones(2, requires_grad=True)
    opt = bk.optim.SGD([p], lr=0.5)
    (p * p).sum().backward()
    opt.step()
    assert p.tolist() == [0.0, 0.0]
    loader = bk.utils.data.DataLoader(bk.utils.data.TensorDataset(bk.arange(4.0)), batch_size=2)
    assert [b[0].tolist() for b in loader] == [[0.0, 1.0], [2.0, 3.0]]
    assert callable(bk.save) and callable(bk.load)


# ---------------------------------------------------------------------------- third parties
class MinimalBackend:
    """A third party's backend: the protocol's members only (here borrowed from numpy's)."""

    def __init__(self, base):
        for name in protocol.protocol_members(protocol.Backend):
            setattr(self, name, getattr(base, name))
        for op in ops.CATALOGUE:
            if "." not in op.name:
                setattr(self, op.name, getattr(base, op.name))
        self.name = "minimal"
        self.device = "cpu"


class MinimalPlugin:
    @gradspec.hookimpl
    def gradspec_backend_create(self, options):
        return MinimalBackend(gradspec.load_backend("numpy"))


def test_a_third_party_backend_gets_the_binding(registry):
    registry.register_plugin("minimal", MinimalPlugin())
    be = gradspec.load_backend("minimal")
    assert isinstance(be.nn, surface.BoundNamespace) and be.nn.Linear(2, 1).weight.requires_grad
    assert be.device == "cpu" and str(be.device("cpu")) == "cpu" and be.cuda.is_available() is False
    assert sorted(be.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    assert be.is_tensor(be.ones(1)) and be.get_default_dtype()
    assert be.version.__version__ == be.__version__ and be.version.cuda is None
    net = be.nn.Sequential(be.nn.Linear(2, 1), be.nn.Sigmoid())
    opt = be.optim.SGD(net.parameters(), lr=0.1)
    net(be.ones(4, 2)).sum().backward()
    opt.step()
    assert [type(b) for b in be.utils.data.DataLoader(be.utils.data.TensorDataset(be.ones(3)))]


def test_torch_version_compares_and_reports_as_torchs():
    import torch as T
    numpy = gradspec.load_backend("numpy")
    for t in (numpy, T):
        v = t.__version__
        assert v >= "2.0" and v >= (2, 0) and v < "3" and v > (1, 13, 1) and not v < (2, 13)
        assert isinstance(v, str) and v.startswith("2.13.0+") and v != "2.13.0"
        assert t.version.cuda is None and t.version.hip is None and not t.version.debug
    assert numpy.version == gradspec.__version__  # the protocol's own version stays
    with pytest.raises(ValueError, match="cannot compare a version"):
        numpy.__version__ < "latest"


def test_submodules_are_found_when_first_used(tmp_path, monkeypatch):
    """A submodule a package does not import itself (gradspec.optim.lr_scheduler,
    gradspec.nn.init) is imported the first time a bound namespace is asked for it."""
    package = tmp_path / "gsfake"
    package.mkdir()
    (package / "__init__.py").write_text("__all__ = []\n")
    (package / "later.py").write_text("VALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    source = importlib.import_module("gsfake")
    bound = surface.BoundNamespace(source, load_or_skip("numpy"), "torch.fake")
    assert bound.later.VALUE == 42
    with pytest.raises(AttributeError, match="torch.fake.missing is not part"):
        bound.missing


def test_layers_built_inside_a_bound_module_follow_it():
    """A composite layer (or a model class) that creates sublayers from gradspec.nn directly
    still puts them on the backend it was reached through."""
    strict = load_or_skip("strict")

    class Block(nn.Module):  # written against gradspec.nn, as a library layer would be
        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(2, 2)

    class Net(strict.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()

    assert isinstance(Net().block.inner.weight, strict.Tensor)
    assert isinstance(strict.nn.Sequential(nn.Linear(2, 2))[0].weight, strict.Tensor) is False
    assert isinstance(Block().inner.weight, gradspec.load_backend().Tensor)


def test_bound_layers_are_instances_of_the_bound_module(bk):
    """torch.nn.Linear(1, 1) is a torch.nn.Module, a bound Conv2d a subclass of it, an LSTM an
    RNNBase, as PyTorch code checks (isinstance(m, nn.Module) to collect submodules); a user's
    own subclass keeps Python's answer."""
    nn = bk.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 1)

    class Wide(nn.Linear):
        pass

    net = Net()
    assert isinstance(nn.Linear(1, 1), nn.Module) and isinstance(nn.Sequential(), nn.Module)
    assert issubclass(nn.Conv2d, nn.Module) and isinstance(nn.LSTM(1, 1), nn.RNNBase)
    assert isinstance(Wide(1, 1), nn.Module) and isinstance(Wide(1, 1), nn.Linear)
    assert isinstance(net, nn.Module) and isinstance(net.fc, nn.Linear)
    assert not isinstance(net.fc, Net) and not isinstance(net.fc, nn.Conv2d)
    assert not isinstance(bk.ones(1), nn.Module)
