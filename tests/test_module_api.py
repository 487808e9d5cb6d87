"""Modules as PyTorch users drive them: hooks, dtype/device moves, apply, freezing, containers,
buffers, state dicts and printing, each against torch.nn doing the same."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.nn is the reference")


def _fix(model, m):
    """Give ``model`` the same parameter values on every backend."""
    state = model.state_dict()
    model.load_state_dict({k: m.linspace(-1, 1, v.numel()).reshape(tuple(v.shape)) * (i + 1)
                           for i, (k, v) in enumerate(state.items())})
    return model


def _both(fn, bk, T):
    return fn(bk), fn(T)


def test_printing_is_torchs(bk, T):
    def build(m):
        class Net(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.body = m.nn.Sequential(m.nn.Linear(4, 3), m.nn.ReLU(),
                                            m.nn.Linear(3, 2, False))
                self.heads = m.nn.ModuleList([m.nn.Linear(2, 1), m.nn.Sigmoid(), m.nn.Identity()])
                self.more = m.nn.ModuleDict({"a": m.nn.Tanh()})
                self.params = m.nn.ParameterList([m.nn.Parameter(m.ones(2, 3))])
                self.loss = m.nn.CrossEntropyLoss(reduction="sum")

        return repr(Net())

    ours, theirs = _both(build, bk, T)
    assert ours == theirs


def test_traversal_is_torchs(bk, T):
    def build(m):
        shared = m.nn.Linear(2, 2)
        net = m.nn.Sequential(OrderedDict(a=shared, b=m.nn.Sequential(m.nn.Tanh(), shared),
                                          c=m.nn.Linear(2, 1)))
        return ([n for n, _ in net.named_modules()], [n for n, _ in net.named_children()],
                [n for n, _ in net.named_parameters()], len(list(net.modules())),
                [n for n, _ in net.named_modules(remove_duplicate=False)],
                [n for n, _ in net.named_parameters(prefix="top")],
                list(net.state_dict()), type(net.get_submodule("b.1")).__name__)

    ours, theirs = _both(build, bk, T)
    assert ours == theirs


def test_forward_hooks_are_torchs(bk, T):
    def run(m):
        net = _fix(m.nn.Sequential(m.nn.Linear(2, 3), m.nn.ReLU(), m.nn.Linear(3, 1)), m)
        log = []
        h1 = net[0].register_forward_hook(lambda mod, args, out: log.append(out.tolist()))
        h2 = net[0].register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        h3 = net.register_forward_hook(lambda mod, args, out: out + 100)
        h4 = net[2].register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] - 1,), kwargs),
                                              with_kwargs=True)
        h5 = net[2].register_forward_hook(lambda mod, args, kwargs, out: out * 2,
                                          with_kwargs=True, prepend=True)
        first = net(m.tensor([[1.0, -0.5]])).tolist()
        for h in (h1, h2, h3, h4, h5):
            h.remove()
        h1.remove()  # a second remove does nothing
        second = net(m.tensor([[1.0, -0.5]])).tolist()
        return first, second, log

    ours, theirs = _both(run, bk, T)
    for a, b in zip(ours, theirs):
        assert np.allclose(a, b, rtol=1e-5)


def test_to_double_float_keep_parameter_objects(bk, T):
    def run(m):
        net = _fix(m.nn.Sequential(m.nn.Linear(2, 2), m.nn.Tanh()), m)
        net.register_buffer("steps", m.tensor([3]))
        net.register_buffer("scale", m.ones(2))
        opt = m.optim.SGD(net.parameters(), lr=0.1)
        weight = net[0].weight
        net(m.ones(1, 2)).sum().backward()
        net.double()
        same = net[0].weight is weight
        dtypes = [repr(p.dtype) for p in net.parameters()] + [repr(net[0].weight.grad.dtype),
                                                                 repr(net.steps.dtype),
                                                                 repr(net.scale.dtype)]
        opt.step()
        net.to(m.float32)
        moved = net.to("cpu") is net and net.cpu() is net
        return same, dtypes, [repr(p.dtype) for p in net.parameters()], moved

    ours, theirs = _both(run, bk, T)
    assert ours == theirs


def test_module_to_refuses_integer_dtypes_and_absent_devices(bk):
    net = bk.nn.Linear(2, 1)
    with pytest.raises(TypeError, match="floating point"):
        net.to(bk.int64)
    if bk.name != "torch":
        with pytest.raises(RuntimeError, match="cuda"):
            net.cuda()


def test_apply_requires_grad_train_eval_zero_grad(bk, T):
    def run(m):
        net = m.nn.Sequential(m.nn.Linear(2, 2), m.nn.Sequential(m.nn.ReLU(), m.nn.Linear(2, 1)))
        seen = []
        assert net.apply(lambda mod: seen.append(type(mod).__name__)) is net
        net.requires_grad_(False)
        frozen = [p.requires_grad for p in net.parameters()]
        net[1].requires_grad_()
        net.eval()
        modes = [mod.training for mod in net.modules()]
        net.train()
        net(m.ones(1, 2)).sum().backward()
        grads = [p.grad is None for p in net.parameters()]
        net.zero_grad(set_to_none=False)
        zeroed = [None if p.grad is None else p.grad.abs().sum().item() for p in net.parameters()]
        net.zero_grad()
        return seen, frozen, [p.requires_grad for p in net.parameters()], modes, grads, zeroed, [
            p.grad for p in net.parameters()]

    ours, theirs = _both(run, bk, T)
    assert ours == theirs


def test_containers_behave_as_torchs(bk, T):
    def run(m):
        layers = m.nn.ModuleList([m.nn.Linear(1, 1) for _ in range(3)])
        layers.append(m.nn.Tanh())
        layers.insert(0, m.nn.ReLU())
        layers += [m.nn.Sigmoid()]
        del layers[1]
        names = [type(x).__name__ for x in layers] + [type(layers[-1]).__name__, len(layers[1:3])]
        d = m.nn.ModuleDict({"b": m.nn.ReLU(), "a": m.nn.Tanh()})
        d["c"] = m.nn.Sigmoid()
        d.pop("b")
        seq = m.nn.Sequential(m.nn.Linear(1, 2), m.nn.ReLU())
        seq.insert(1, m.nn.Tanh())
        seq.extend([m.nn.Sigmoid()])
        del seq[0]
        params = m.nn.ParameterList([m.zeros(2), m.nn.Parameter(m.ones(1))])
        params.append(m.zeros(3))
        pd = m.nn.ParameterDict({"x": m.zeros(1)})
        pd["y"] = m.ones(2)
        return (names, list(d.keys()), "a" in d, len(d), [type(x).__name__ for x in seq],
                [n for n, _ in seq.named_children()], len(params),
                [p.requires_grad and p.is_leaf for p in params], list(pd.keys()),
                [n for n, _ in pd.named_parameters()])

    ours, theirs = _both(run, bk, T)
    assert ours == theirs


def test_buffers_and_state_dicts_are_torchs(bk, T):
    def run(m):
        net = m.nn.Linear(2, 1)
        net.register_buffer("mean", m.zeros(2))
        net.register_buffer("tmp", m.ones(2), persistent=False)
        net.register_buffer("nothing", None)
        sd = net.state_dict()
        keep = net.state_dict(keep_vars=True)
        prefixed = net.state_dict(prefix="enc.")
        result = net.load_state_dict({"weight": m.ones(1, 2), "bias": m.zeros(1),
                                      "mean": m.ones(2)})
        loose = net.load_state_dict({"weight": m.ones(1, 2)}, strict=False)
        return (type(sd).__name__, list(sd), [n for n, _ in net.named_buffers()],
                keep["weight"].requires_grad, sd["weight"].requires_grad, list(prefixed),
                repr(result), loose.missing_keys, loose.unexpected_keys, net.mean.tolist())

    ours, theirs = _both(run, bk, T)
    assert ours == theirs


def test_load_state_dict_assign(bk):
    net = bk.nn.Linear(2, 1)
    new = bk.ones(1, 2)
    net.load_state_dict({"weight": new, "bias": bk.zeros(1)}, assign=True)
    assert net.weight.tolist() == [[1.0, 1.0]] and net.weight.requires_grad and net.weight.is_leaf
    # still parameters: they print as before assign=True, as PyTorch's do (the torch
    # adapter's gradspec.nn parameters are plain torch tensors, printed without the line)
    marked = repr(bk.nn.Linear(2, 1).bias).startswith("Parameter containing:\n")
    assert repr(net.bias).startswith("Parameter containing:\n") is marked
    assert marked or bk.name == "torch"
    assert [n for n, _ in net.named_parameters()] == ["weight", "bias"]


def test_registration_errors(bk):
    net = bk.nn.Linear(1, 1)
    with pytest.raises(KeyError, match="contain"):
        net.register_buffer("a.b", bk.ones(1))
    with pytest.raises(KeyError, match="already exists"):
        net.register_parameter("forward", None)
    with pytest.raises(TypeError, match="not a Module"):
        net.add_module("x", 3)
    with pytest.raises(TypeError):
        net.register_buffer("b", [1.0])
    with pytest.raises(NotImplementedError, match="iterate"):
        bk.nn.ModuleList()(bk.ones(1))


def test_parameter_isinstance_and_empty(bk, T):
    p = bk.nn.Parameter(bk.ones(2))
    assert isinstance(p, bk.nn.Parameter) and isinstance(p, bk.Tensor)
    assert not isinstance(bk.ones(2), bk.nn.Parameter)
    assert not isinstance((p * 2), bk.nn.Parameter)
    empty = bk.nn.Parameter()
    assert tuple(empty.shape) == tuple(T.nn.Parameter().shape) == (0,) and empty.requires_grad
    with pytest.raises(TypeError, match="takes a tensor"):
        bk.nn.Parameter([1.0])


def test_only_parameters_register_as_torch_registers_them(bk, T):
    """A plain tensor that requires grad stays a plain attribute, as in torch.nn (its
    state_dict and an optimizer given parameters() + [it] would otherwise differ)."""
    import copy
    import io

    def build(nn, torch):
        class Scaled(nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = nn.Linear(2, 2)
                self.scale = torch.ones(1, requires_grad=True)
                self.shift = nn.Parameter(torch.zeros(1), requires_grad=False)
        return Scaled()

    ours, theirs = build(bk.nn, bk), build(T.nn, T)
    names = [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_parameters()] == names == ["shift", "lin.weight", "lin.bias"]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert not isinstance(ours.scale, bk.nn.Parameter)
    assert isinstance(ours.shift, bk.nn.Parameter)  # frozen, still a parameter
    optimizer = bk.optim.SGD(list(ours.parameters()) + [ours.scale], lr=0.1)  # none twice
    assert len(optimizer.param_groups[0]["params"]) == 4
    with pytest.raises(TypeError, match="Parameter or None required"):
        ours.register_parameter("extra", bk.ones(1, requires_grad=True))
    copied = copy.deepcopy(ours)
    assert [n for n, _ in copied.named_parameters()] == names
    assert isinstance(copied.lin.weight, bk.nn.Parameter)
    buffer = io.BytesIO()
    bk.save(ours.lin.weight, buffer)
    buffer.seek(0)
    assert isinstance(bk.load(buffer), bk.nn.Parameter)


def test_global_forward_hooks_see_every_module_first_until_removed():
    from gradspec.nn.modules.module import (register_module_forward_hook,
                                            register_module_forward_pre_hook)

    B = load_or_skip("numpy")
    nn = B.nn
    seen = []
    layer = nn.Linear(2, 2)
    layer.register_forward_hook(lambda m, args, out: seen.append("own"))
    model = nn.Sequential(layer, nn.ReLU())
    post = register_module_forward_hook(lambda m, args, out: seen.append(type(m).__name__))
    pre = register_module_forward_pre_hook(lambda m, args: seen.append("pre " + type(m).__name__))
    model(B.ones(1, 2))
    assert seen == ["pre Sequential", "pre Linear", "Linear", "own", "pre ReLU", "ReLU",
                    "Sequential"]
    doubled = register_module_forward_hook(
        lambda m, args, out: out * 2 if isinstance(m, nn.ReLU) else None)
    assert model(B.ones(1, 2)).tolist() == (2 * B.relu(layer(B.ones(1, 2)))).tolist()
    for handle in (post, pre, doubled):
        handle.remove()
    seen.clear()
    model(B.ones(1, 2))
    assert seen == ["own"]
    with pytest.raises(TypeError, match="a hook must be callable"):
        register_module_forward_hook("not a hook")
