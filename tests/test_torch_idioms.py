"""Idioms of ordinary PyTorch programs that once failed or went quietly wrong on the engine:
bitwise operators, the forms of torch.where, numpy scalars, keyword spellings of shape
arguments, the legacy tensor types, mixed precision's GradScaler and autocast, activation
checkpointing.  Each is compared with real PyTorch."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from support import load_or_skip


@pytest.fixture(params=["numpy", "strict"])
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def real():
    return pytest.importorskip("torch", reason="real PyTorch is the reference")


def _same(ours, theirs):
    assert str(ours.dtype) == str(theirs.dtype), (ours.dtype, theirs.dtype)
    assert ours.tolist() == theirs.tolist()


def _same_for(bk, real, expr, names):
    """``expr``, evaluated with ``torch`` and ``names(torch)`` in scope, gives the same tensor on
    our backend as on PyTorch."""
    _same(*(eval(expr, {"torch": lib, **names(lib)}) for lib in (bk, real)))


BITWISE = ["i & 1", "i | 2", "~i", "i ^ 3", "1 ^ i", "3 & i", "i << 1", "i >> 1", "2 >> i",
           "b & True", "b & 1", "b | b", "~b", "b ^ True", "i & i", "torch.bitwise_and(i, 6)",
           "torch.bitwise_not(i)", "i.bitwise_xor(i)", "torch.bitwise_left_shift(i, 2)",
           "torch.bitwise_right_shift(i, 1)"]


@pytest.mark.parametrize("expr", BITWISE)
def test_bitwise_operators_match_torch(bk, real, expr):
    _same_for(bk, real, expr, lambda torch: {"i": torch.tensor([5, 6, 12]),
                                             "b": torch.tensor([True, False, True])})


def test_bitwise_ops_refuse_floats_and_update_in_place(bk, real):
    for torch in (bk, real):
        with pytest.raises(NotImplementedError, match="bitwise_and"):
            torch.ones(2) & 1
        with pytest.raises(NotImplementedError, match="bitwise_not"):
            torch.bitwise_not(torch.ones(2))
        with pytest.raises(TypeError, match="only implemented on integer and Boolean"):
            ~torch.ones(2)
    i, t = bk.tensor([5, 6, 12]), real.tensor([5, 6, 12])
    i &= 6
    t &= 6
    i ^= 1
    t ^= 1
    _same(i, t)


@pytest.mark.parametrize("expr", [
    "torch.where(m, 1.0, 0.0)", "torch.where(m, 1, 0)", "torch.where(m, 1, 0.5)",
    "torch.where(m, x, 0.0)", "torch.where(m, 2, x)", "torch.where(x > 1)",
    "torch.where(condition=m, input=x, other=x * 2)", "x.where(m, x * 3)",
])
def test_where_forms_match_torch(bk, real, expr):
    results = []
    for torch in (bk, real):
        m, x = torch.tensor([True, False, True]), torch.tensor([1.0, 2.0, 3.0])
        results.append(eval(expr, {"torch": torch, "m": m, "x": x}))
    if isinstance(results[1], tuple):
        assert len(results[0]) == len(results[1])
        for o, t in zip(*results):
            _same(o, t)
    else:
        _same(*results)


def test_where_needs_a_boolean_condition_and_gradients_flow(bk, real):
    for torch in (bk, real):
        with pytest.raises(RuntimeError, match="boolean"):
            torch.where(torch.tensor([1, 0]), 1.0, 0.0)
    x = bk.tensor([1.0, 2.0], requires_grad=True)
    bk.where(bk.tensor([True, False]), x * 3, 0.0).sum().backward()
    assert x.grad.tolist() == [3.0, 0.0]


@pytest.mark.parametrize("expr", [
    "torch.ones(2) * np.float64(2.0)", "torch.ones(2) / np.sqrt(2.0)",
    "np.float32(2.0) * torch.ones(2)", "torch.ones(2, dtype=torch.int64) * np.float64(2.5)",
    "torch.ones(2) + np.int64(3)",
    "torch.tensor([np.float64(1.0), 2.0])", "torch.tensor([np.zeros(2)])",
    "torch.tensor([np.zeros(2, np.int32)])", "torch.tensor(np.float64(1.5))",
    "torch.tensor([np.float32(1), 2.0])", "torch.tensor([np.int64(1), 2.5])",
])
def test_numpy_scalars_promote_as_torch_does(bk, real, expr):
    results = [eval(expr, {"torch": torch, "np": np}) for torch in (bk, real)]
    assert type(results[0]).__name__ == "Tensor"
    _same(*results)


@pytest.mark.parametrize("expr", [
    "x.view(size=(3, 2))", "torch.reshape(x, shape=(3, 2))", "x.reshape(shape=(6,))",
    "torch.permute(x, dims=(1, 0))", "x.permute(dims=[1, 0])", "x.repeat(repeats=(1, 2))",
    "x.expand(size=(2, 2, 3))", "torch.flip(x, dims=(0,))", "x.flip(dims=[1])",
    "x.flip(0)", "torch.flip(x, [0, 1])",
])
def test_shape_arguments_by_keyword(bk, real, expr):
    _same_for(bk, real, expr, lambda torch: {"x": torch.arange(6.0).reshape(2, 3)})


def test_legacy_tensor_types(bk, real):
    for torch in (bk, real):
        assert torch.FloatTensor([1, 2]).tolist() == [1.0, 2.0]
        assert torch.FloatTensor([1, 2]).dtype == torch.float32
        assert torch.LongTensor([1, 2]).dtype == torch.int64
        assert torch.BoolTensor([1, 0]).tolist() == [True, False]
        assert tuple(torch.DoubleTensor(2, 3).shape) == (2, 3)
        assert torch.DoubleTensor(2, 3).dtype == torch.float64
        assert isinstance(torch.ones(2), torch.FloatTensor)
        assert not isinstance(torch.ones(2), torch.LongTensor)
        assert torch.ones(2).type(torch.LongTensor).dtype == torch.int64
        assert torch.ones(2).type() == "torch.FloatTensor"
        assert tuple(torch.Tensor().shape) == (0,)
        assert repr(torch.LongTensor) == "<class 'torch.LongTensor'>"


def _scaled_training(torch, device):
    model = torch.nn.Linear(3, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.1, -0.2, 0.3]]))
        model.bias.fill_(0.05)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler(device, init_scale=1024.0, growth_interval=2)
    scales, weights = [], []
    for step in range(5):
        with torch.autocast(device_type="cpu", enabled=False):
            loss = model(torch.ones(2, 3)).pow(2).sum()
        opt.zero_grad()
        scaler.scale(loss).backward()
        if step == 1:
            model.weight.grad.fill_(float("inf"))  # an overflow: the step is skipped
        scaler.step(opt)
        scaler.update()
        scales.append(scaler.get_scale())
        weights.append(model.weight.detach().tolist())
    return scales, weights, scaler.state_dict()


def test_grad_scaler_scales_skips_and_adapts_as_torch(bk, real):
    ours, theirs = _scaled_training(bk, "cpu"), _scaled_training(real, "cpu")
    assert ours[0] == theirs[0]
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6, atol=1e-7)
    assert ours[2].keys() == theirs[2].keys()


def test_a_cuda_grad_scaler_without_cuda_disables_itself_as_torch(bk, real):
    for torch in (bk, real):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scaler = torch.amp.GradScaler("cuda")
        assert any("CUDA is not available" in str(w.message) for w in caught)
        assert not scaler.is_enabled() and scaler.get_scale() == 1.0
        loss = torch.ones(2).sum()
        assert scaler.scale(loss) is loss and scaler.state_dict() == {}
    with pytest.warns(FutureWarning, match=r"`torch.cuda.amp.autocast\(args...\)` is "
                                           r"deprecated. Please use `torch.amp.autocast"):
        region = bk.cuda.amp.autocast()
    with region:
        assert bk.is_autocast_enabled()
    assert not bk.is_autocast_enabled()
    for torch in (bk, real):  # the same notice, in the same words, from both
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch.cuda.amp.GradScaler(enabled=False)
        assert [str(w.message) for w in caught if w.category is FutureWarning] == [
            "`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
            "`torch.amp.GradScaler('cuda', args...)` instead."]


def test_checkpoint_gives_the_same_values_and_gradients(bk):
    x = bk.tensor([1.0, -2.0], requires_grad=True)
    layers = bk.nn.Sequential(bk.nn.Tanh(), bk.nn.ReLU())
    y = bk.utils.checkpoint.checkpoint(lambda t: (t * 3).sin().sum(), x, use_reentrant=False)
    y = y + bk.utils.checkpoint.checkpoint_sequential(layers, 2, x).sum()
    y.backward()
    expected = 3 * np.cos(3 * np.array([1.0, -2.0])) + np.array([1 - np.tanh(1.0) ** 2, 0.0])
    np.testing.assert_allclose(x.grad.tolist(), expected, rtol=1e-6)


def _checkpointed_training(torch):
    import warnings

    from_utils = torch.utils.checkpoint
    lin = torch.nn.Linear(2, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[0.5, -0.2], [0.1, 0.3]]))
        lin.bias.copy_(torch.tensor([0.1, -0.1]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (use_reentrant's and "None of the inputs" warnings)
        y = from_utils.checkpoint(lin, torch.ones(1, 2), use_reentrant=False)
        y.sum().backward()
        weight_grad = lin.weight.grad.tolist()
        reentrant_without_grad = from_utils.checkpoint(lin, torch.ones(1, 2)).requires_grad
        calls = []

        def f(a):
            calls.append(1)
            return (a * 2).sin()

        a = torch.ones(3, requires_grad=True)
        from_utils.checkpoint(f, a, use_reentrant=True).sum().backward()
        norm = torch.nn.BatchNorm1d(2)
        x = torch.arange(8.0).reshape(4, 2).requires_grad_()
        from_utils.checkpoint(norm, x, use_reentrant=False).sum().backward()
        seq = torch.nn.Sequential(torch.nn.Tanh(), torch.nn.ReLU(), torch.nn.Tanh())
        b = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
        from_utils.checkpoint_sequential(seq, 2, b, use_reentrant=True).sum().backward()
    return [weight_grad, reentrant_without_grad, len(calls), a.grad.tolist(),
            norm.num_batches_tracked.item(), norm.running_mean.tolist(), b.grad.tolist()]


def test_checkpoint_recomputes_as_pytorch(bk):
    """The checkpointed call runs again in backward (a BatchNorm inside counts two batches),
    parameters inside get their gradients, use_reentrant=True without an input that requires
    grad gives none (PyTorch's rule)."""
    T = pytest.importorskip("torch")
    ours, theirs = _checkpointed_training(bk), _checkpointed_training(T)
    assert ours[1:3] == theirs[1:3] and ours[4] == theirs[4]
    for a, b in zip(ours[:1] + ours[3:4] + ours[5:], theirs[:1] + theirs[3:4] + theirs[5:]):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: k"):
        bk.utils.checkpoint.checkpoint(lambda t, k=1: t * k, bk.ones(1, requires_grad=True),
                                       use_reentrant=True, k=2)


def _cube_functions(torch):
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g

    class Wrong(Cube):
        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x ** 2 * g

    return Cube, Wrong


def test_gradcheck_and_gradgradcheck_judge_as_torch(bk, real):
    for torch in (bk, real):
        cube, wrong = _cube_functions(torch)
        x = torch.linspace(-1, 1, 4, dtype=torch.float64).requires_grad_()
        y = torch.linspace(0.5, 1, 3, dtype=torch.float64).reshape(3, 1).requires_grad_()
        assert torch.autograd.gradcheck(cube.apply, (x,))
        assert torch.autograd.gradcheck(lambda a, b: (a * b).sin(), (x, y))
        assert torch.autograd.gradgradcheck(lambda a, b: (a * b).sin(), (x, y))
        assert not torch.autograd.gradcheck(wrong.apply, (x,), raise_exception=False)
        with pytest.raises(RuntimeError, match="Jacobian mismatch for output 0 with respect "
                                               "to input 0"):
            torch.autograd.gradcheck(wrong.apply, (x,))
        with pytest.warns(UserWarning, match="not a double precision"):
            torch.autograd.gradcheck(lambda a: a * 2, (torch.ones(2, requires_grad=True),),
                                     raise_exception=False)


@pytest.mark.parametrize("expr", [
    "x.stride()", "x.stride(0)", "x.stride(-1)", "x[1].storage_offset()", "x[:, 1:].stride()",
    "x.unsqueeze(1).stride()", "torch.ones(0, 3).stride()", "x[:, None].stride()",
    "torch.ones(3, 1).stride()",
    "x.data_ptr() == x.view(-1).data_ptr()", "x.data_ptr() == x.clone().data_ptr()",
])
def test_layout_queries_match_torch_on_numpy(real, expr):
    bk = load_or_skip("numpy")
    results = []
    for torch in (bk, real):
        x = torch.arange(12.0).reshape(3, 4)
        results.append(eval(expr, {"torch": torch, "x": x}))
    theirs = tuple(results[1]) if isinstance(results[1], tuple) else results[1]
    assert results[0] == theirs


def test_clamp_of_integers_by_a_float_bound_gives_floats(bk, real):
    for expr in ("torch.clamp(i, max=2.5)", "i.clamp(min=1.5)", "torch.clamp(i, max=2)"):
        _same(*(eval(expr, {"torch": t, "i": t.tensor([1, 5])}) for t in (bk, real)))


def test_linear_algebra_failures_are_linalg_errors(bk, real):
    for torch in (bk, real):
        with pytest.raises(torch.linalg.LinAlgError):
            torch.linalg.cholesky(-torch.eye(2))
        with pytest.raises(RuntimeError):
            torch.linalg.inv(torch.zeros(2, 2))
        assert issubclass(torch.linalg.LinAlgError, RuntimeError)


def test_a_linalg_error_shows_as_torchs_and_pickles(bk, real):
    import pickle
    import traceback

    shown = []
    for torch in (bk, real):
        with pytest.raises(torch.linalg.LinAlgError) as caught:
            torch.linalg.inv(torch.zeros(2, 2))
        kind = type(caught.value)
        last = traceback.format_exception_only(kind, caught.value)[-1]
        shown.append((kind.__name__, kind.__module__, last.split(":")[0]))
    assert shown[0] == shown[1] == ("_LinAlgError", "torch._C", "torch._C._LinAlgError")
    from gradspec.errors import LinAlgError

    again = pickle.loads(pickle.dumps(LinAlgError("linalg.inv: singular")))
    assert isinstance(again, LinAlgError) and again.args == ("linalg.inv: singular",)


def test_atan2_gradient_at_the_origin_is_torchs_zero(bk, real):
    grads = []
    for torch in (bk, real):
        y = torch.tensor([0.0, 1.0], requires_grad=True)
        x = torch.tensor([0.0, 1.0], requires_grad=True)
        torch.atan2(y, x).sum().backward()
        grads.append((y.grad.tolist(), x.grad.tolist()))
    assert grads[0] == grads[1]


def _reprs(torch):
    p, q = torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(1))
    sgd = torch.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.5}])
    adam = torch.optim.Adam([p], weight_decay=0)
    return [repr(sgd), repr(adam), repr(torch.nn.ParameterDict({"a": torch.nn.Parameter(
        torch.ones(1))})), repr(torch.nn.Embedding(5, 3, norm_type=1.0, sparse=True))]


def test_optimizer_and_container_reprs_are_torchs(bk, real):
    assert _reprs(bk) == _reprs(real)


def test_a_loader_without_batching_converts_samples_as_torch(bk, real):
    for data in ([(1, 2.0)], [{"a": (1, 2)}], [[3, 4]]):
        ours = next(iter(bk.utils.data.DataLoader(data, batch_size=None)))
        theirs = next(iter(real.utils.data.DataLoader(data, batch_size=None)))
        assert ours == theirs and type(ours) is type(theirs)
    ours = next(iter(bk.utils.data.DataLoader(bk.utils.data.TensorDataset(bk.arange(3.0)),
                                              batch_size=None)))
    assert isinstance(ours, list) and ours[0].item() == 0.0


@pytest.mark.parametrize("args", [(-2, 2, 7), (0, 5, 51), (0.1, 3.7, 33), (-1, 1, 1000),
                                  (0, 6.283185307179586, 64), (3, 3, 4), (0, 1, 1), (0, 1, 0)])
def test_linspace_gives_torchs_bits(bk, real, args):
    assert bk.linspace(*args).tolist() == real.linspace(*args).tolist()
    if bk.name == "numpy":  # float64 through numpy's long double: torch's to the last bit here
        assert (bk.linspace(*args, dtype=bk.float64).tolist()
                == real.linspace(*args, dtype=real.float64).tolist())


def test_bfloat16_is_a_name_and_using_it_says_why_not(bk):
    table = {"float32": bk.float32, "bfloat16": bk.bfloat16}  # nanoGPT's dtype table
    assert table["bfloat16"].is_floating_point and table["bfloat16"] != bk.float32
    with pytest.raises(TypeError, match="bfloat16 is not available on backend"):
        bk.ones(2, dtype=bk.bfloat16)


def test_batched_grads_are_one_pass_per_row(bk, real):
    results = []
    for torch in (bk, real):
        x = torch.linspace(-1, 1, 3, requires_grad=True)
        y = torch.stack([x.sin(), x ** 2, x.sum() * x])
        seeds = torch.eye(3).reshape(3, 3, 1) * torch.arange(1.0, 4.0).reshape(1, 1, 3)
        (jac,) = torch.autograd.grad(y, x, seeds, is_grads_batched=True)
        results.append(np.array(jac.tolist()))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


def test_the_leaf_in_place_error_reads_as_torchs(bk, real):
    for torch in (bk, real):
        w = torch.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being "
                                               "used in an in-place operation"):
            w.add_(1)


def test_tensors_inside_lists_stand_for_numbers_as_in_torch(bk, real):
    for make in (lambda t: [t.tensor([1.0]), t.tensor([2.0])],
                 lambda t: [t.tensor(1.0, dtype=t.float64), t.tensor(2.0)],
                 lambda t: [t.tensor(1), t.tensor(2)]):
        _same(bk.tensor(make(bk)), real.tensor(make(real)))
    for torch in (bk, real):
        with pytest.raises(ValueError, match="only one element tensors"):
            torch.tensor([torch.ones(2), torch.ones(2)])


@pytest.mark.parametrize("expr", [
    "torch.unique(torch.tensor([[1, 2], [0, 1], [1, 2], [0, 1], [0, 3]]), dim=0, "
    "return_inverse=True, return_counts=True)",
    "torch.tensor([[3.0, 1.0, 3.0], [2.0, 0.0, 2.0]]).unique(dim=1)",
    "torch.unique(torch.tensor([[[1, 2], [1, 2]], [[0, 0], [1, 2]]]), dim=1)",
    "torch.unique(torch.zeros(0, 2), dim=0)",
])
def test_unique_slices_along_a_dim_match_torch(bk, real, expr):
    ours, theirs = (eval(expr, {"torch": t}) for t in (bk, real))
    ours, theirs = (r if isinstance(r, tuple) else (r,) for r in (ours, theirs))
    for o, t in zip(ours, theirs):
        _same(o, t)


def test_sparse_coo_tensors_are_held_dense_with_torchs_values_and_gradients(bk, real):
    results = []
    for torch in (bk, real):
        edges = torch.tensor([[0, 1, 1, 2, 0], [1, 0, 2, 1, 1]])
        weights = torch.ones(5, requires_grad=True)
        adjacency = torch.sparse_coo_tensor(edges, weights, (3, 3))
        y = torch.sparse.mm(adjacency, torch.arange(6.0).reshape(3, 2))
        y.sum().backward()
        results.append((y.tolist(), weights.grad.tolist(), adjacency.to_dense().tolist(),
                        torch.sparse.sum(adjacency).item()))
    assert results[0] == results[1]
    assert not bk.sparse_coo_tensor([[0, 2]], [1.0, 2.0]).is_sparse  # held dense, as documented


def _inference_mode_trace(torch):
    """What a program sees of inference mode: nesting, False inside True, both decorators."""
    seen = [torch.is_inference_mode_enabled()]
    with torch.inference_mode():
        seen += [torch.is_inference_mode_enabled(), torch.is_grad_enabled()]
        with torch.inference_mode(False):
            seen += [torch.is_inference_mode_enabled(), torch.is_grad_enabled()]
        seen += [torch.is_inference_mode_enabled(), torch.is_grad_enabled()]
    with torch.no_grad(), torch.inference_mode(False):
        seen += [torch.is_inference_mode_enabled(), torch.is_grad_enabled()]

    @torch.inference_mode
    def bare():
        return torch.is_inference_mode_enabled(), torch.is_grad_enabled()

    @torch.inference_mode(False)
    def off():
        return torch.is_inference_mode_enabled(), torch.is_grad_enabled()

    seen += list(bare())
    with torch.inference_mode():
        seen += list(off()) + [torch.is_inference_mode_enabled()]
    x = torch.ones(2, requires_grad=True)
    with torch.inference_mode():
        y = x * 2
    seen += [y.requires_grad, torch.is_inference_mode_enabled(), torch.is_grad_enabled()]
    return seen


def test_inference_mode_reports_itself_as_torch(bk, real):
    assert _inference_mode_trace(bk) == _inference_mode_trace(real)


def _post_accumulate_trace(torch):
    w = torch.ones(2, requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (w * 3).sum().backward()
    (w * 2).sum().backward(inputs=[w])
    torch.autograd.grad((w * 5).sum(), [w])  # no accumulation: no call
    handle.remove()
    (w * 1).sum().backward()
    refusals = []
    for make in (lambda: (w * 2).register_post_accumulate_grad_hook(print),
                 lambda: torch.ones(2).register_post_accumulate_grad_hook(print)):
        try:
            make()
        except RuntimeError as exc:
            refusals.append(str(exc).split(":")[0])
    v = torch.ones(2, requires_grad=True)
    v.register_post_accumulate_grad_hook(lambda t: 1)
    try:
        v.sum().backward()
    except TypeError as exc:
        refusals.append(str(exc).split(":")[0])
    return seen, w.grad.tolist(), refusals


def test_post_accumulate_grad_hooks_as_torch(bk, real):
    assert _post_accumulate_trace(bk) == _post_accumulate_trace(real)


def test_a_post_accumulate_hook_can_step_the_optimizer(bk):
    """The optimizer-in-backward recipe: each parameter updated as soon as its .grad is in."""
    model = bk.nn.Linear(2, 1)
    opts = {p: bk.optim.SGD([p], lr=0.5) for p in model.parameters()}

    def step(t):
        opts[t].step()
        opts[t].zero_grad()

    for p in model.parameters():
        p.register_post_accumulate_grad_hook(step)
    before = [p.detach().clone() for p in model.parameters()]
    model(bk.ones(1, 2)).sum().backward()
    for b, p in zip(before, model.parameters()):
        assert p.grad is None and (p - b).abs().sum().item() == pytest.approx(0.5 * p.numel())


def test_the_broadcast_to_method_takes_sizes_one_by_one_as_torch(bk):
    # t.broadcast_to(2, 4) is PyTorch's method form (as t.expand(2, 4)); torch.broadcast_to
    # itself takes one tuple
    x = bk.arange(4.0, requires_grad=True)
    for y in (x.broadcast_to(2, 4), x.broadcast_to((2, 4)), x.broadcast_to(size=(2, 4)),
              bk.broadcast_to(x, (2, 4))):
        assert tuple(y.shape) == (2, 4)
        assert type(y.grad_fn).__name__ == "ExpandBackward0"
    x.broadcast_to(3, 4).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0, 3.0, 3.0]
    with pytest.raises(RuntimeError, match="expanded size"):
        x.broadcast_to(3, 3)


def test_cuda_housekeeping_calls_are_cpu_no_ops_as_torch(bk, real):
    # scripts call these unguarded; on a machine without CUDA PyTorch's do nothing or read 0
    for lib in (bk, real):
        assert lib.cuda.empty_cache() is None
        assert lib.cuda.memory_allocated() == 0 and lib.cuda.max_memory_allocated(0) == 0
        assert lib.cuda.memory_reserved() == 0
        assert lib.cuda.is_initialized() is False
        with pytest.raises(AssertionError, match="not compiled with CUDA"):
            lib.cuda.current_device()


def test_legacy_new_and_numpy_force_as_torch(bk, real):
    for lib in (bk, real):
        x = lib.tensor([1, 2], dtype=lib.int32)
        assert tuple(x.new().shape) == (0,) and x.new().dtype == lib.int32
        assert tuple(x.new(2, 3).shape) == (2, 3) and x.new(2, 3).dtype == lib.int32
        assert tuple(x.new(lib.Size([2, 3])).shape) == (2, 3)
        assert x.new([5, 6]).tolist() == [5, 6] and x.new((2, 3)).tolist() == [2, 3]
        assert x.new([5, 6]).dtype == lib.int32
        f = lib.tensor([1.0], requires_grad=True)
        assert not f.new([1.0, 2.0]).requires_grad
        with pytest.raises(TypeError):
            f.new(lib.tensor([3, 4]))
        assert f.numpy(force=True).tolist() == [1.0]
        with pytest.raises(RuntimeError):
            f.numpy()
        assert x.short().dtype == lib.int16 and x.is_cpu


def test_old_init_names_warn_and_fill_as_torch(bk):
    w = bk.empty(3, 4)
    with pytest.warns(FutureWarning, match="nn.init.constant` is now deprecated"):
        bk.nn.init.constant(w, 0.5)
    assert w.tolist() == [[0.5] * 4] * 3
    for name in ("uniform", "normal", "xavier_uniform", "xavier_normal", "kaiming_uniform",
                 "kaiming_normal", "orthogonal", "sparse", "dirac", "eye"):
        assert callable(getattr(bk.nn.init, name)), name


def test_sequentials_add_and_a_child_is_replaced_only_by_a_module(bk, real):
    for lib in (bk, real):
        nn = lib.nn
        a, b = nn.Linear(2, 2), nn.ReLU()
        s = nn.Sequential(a) + nn.Sequential(b)
        assert len(s) == 2 and s[0] is a and s[1] is b
        s += nn.Sequential(nn.Tanh())
        assert len(s) == 3
        with pytest.raises(ValueError, match="only objects of Sequential"):
            nn.Sequential(b) + b
        m = nn.Module()
        m.child = nn.Linear(1, 1)
        with pytest.raises(TypeError, match="as child module 'child'"):
            m.child = lib.ones(1)
        assert isinstance(m.child, nn.Linear)
        m.child = None
        assert m.child is None


def test_data_parallel_runs_the_module_and_prefixes_its_state(bk, real):
    for lib in (bk, real):
        m = lib.nn.Linear(2, 1)
        d = lib.nn.DataParallel(m)
        assert d.module is m and d.device_ids == []
        assert list(d.state_dict()) == ["module.weight", "module.bias"]
        assert d(lib.ones(3, 2)).tolist() == m(lib.ones(3, 2)).tolist()
        assert lib.nn.parallel.DataParallel is lib.nn.DataParallel


@pytest.mark.parametrize("expr", [
    "L.cat([x, x], axis=0)", "L.stack([x, x], axis=1)", "x.unsqueeze(0).squeeze(axis=0)",
    "L.squeeze(x[None], axis=0)", "x.nansum(axis=0)", "x.nanmean(axis=0)",
    "L.count_nonzero(x, axis=0)", "x.mode(axis=0).values", "x.diff(axis=0)",
    "x.quantile(0.5, axis=0)", "x.cummax(axis=0).values", "x.aminmax(axis=0).min",
    "x.logcumsumexp(axis=0)", "x.nanmedian(axis=0).values", "L.take_along_dim(x, i, axis=0)",
    "x.tensor_split(2, axis=0)[0]", "x.select(axis=0, index=1)",
])
def test_numpys_axis_spelling_of_dim_as_torch(bk, real, expr):
    # PyTorch takes axis= wherever a function has a dim; the results are dim='s
    _same_for(bk, real, expr, lambda L: {"L": L, "x": L.tensor([[1.0, 5.0], [4.0, 2.0]]),
                                         "i": L.tensor([[0, 1], [1, 0]])})


def test_in_place_samplers_draw_their_distributions(bk):
    # random numbers differ from PyTorch's; their ranges, dtypes and moments are the contract
    bk.manual_seed(0)
    x = bk.empty(20000)
    r = x.clone().random_(0, 10)
    assert (r.min().item(), r.max().item()) == (0.0, 9.0) and r.dtype == bk.float32
    assert (r == r.floor()).all().item() and abs(r.mean().item() - 4.5) < 0.1
    assert x.clone().random_(5).max().item() == 4.0
    u8 = bk.empty(5000, dtype=bk.uint8).random_()
    assert u8.dtype == bk.uint8 and u8.min().item() == 0 and u8.max().item() == 255
    e = x.clone().exponential_(2.0)
    assert e.min().item() >= 0 and abs(e.mean().item() - 0.5) < 0.02
    g = bk.empty(20000, dtype=bk.int64).geometric_(0.5)
    assert g.dtype == bk.int64 and g.min().item() == 1 and abs(g.float().mean().item() - 2) < 0.05
    ln = x.clone().log_normal_(0.0, 0.5).log()
    assert abs(ln.mean().item()) < 0.02 and abs(ln.std().item() - 0.5) < 0.02
    c = x.clone().cauchy_(1.0, 2.0)
    assert abs(c.median().item() - 1.0) < 0.1
    assert abs(((c - 1).abs() < 2).float().mean().item() - 0.5) < 0.02  # quartiles at +-sigma
    for bad in (lambda: x.exponential_(0), lambda: x.geometric_(1.5), lambda: x.random_(3, 1),
                lambda: x.cauchy_(0, -1.0)):
        with pytest.raises(RuntimeError):
            bad()


def test_resize_keeps_the_elements_in_order(bk, real):
    for lib in (bk, real):
        assert lib.arange(6.0).resize_(2, 3).tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
        assert lib.arange(6.0).resize_(4).tolist() == [0.0, 1.0, 2.0, 3.0]
        grown = lib.arange(3.0).resize_((2, 2))
        assert tuple(grown.shape) == (2, 2) and grown.reshape(-1)[:3].tolist() == [0.0, 1.0, 2.0]
        with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
            lib.ones(2, requires_grad=True).resize_(3)


def test_binary_cross_entropy_takes_the_deprecated_reduction_spellings(bk, real):
    for lib in (bk, real):
        F = lib.nn.functional
        p, t = lib.tensor([0.3, 0.8]), lib.tensor([0.0, 1.0])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (torch warns that they are deprecated)
            assert F.binary_cross_entropy(p, t, reduce=False).tolist() == pytest.approx(
                [-np.log(0.7), -np.log(0.8)], rel=1e-5)
            assert F.binary_cross_entropy(p, t, size_average=False).item() == pytest.approx(
                -np.log(0.7) - np.log(0.8), rel=1e-5)


def test_histogram_as_torch(bk, real):
    def run(lib):
        t = lib.tensor
        out = [lib.histogram(t([1.0, 1.0]), bins=2),
               lib.histogram(t([1.0, 2.0, 1.0, 5.0, -1.0]), bins=2, range=(0.0, 4.0)),
               lib.histogram(t([1.0, 2.0, 1.0]), bins=t([0.0, 1.0, 2.5, 3.0])),
               lib.histogram(t([1.0, 2.0, 1.0]), bins=2, weight=t([1.0, 2.0, 3.0]),
                             density=True),
               t([1.0, 2.0, 1.0]).histogram(2),
               lib.histogram(lib.tensor([], dtype=lib.float32), bins=3),
               lib.histogram(lib.arange(10.0, dtype=lib.float64), bins=3)]
        return [(r.hist.tolist(), r.bin_edges.tolist(), str(r.hist.dtype)) for r in out]

    for ours, theirs in zip(run(bk), run(real)):
        assert ours[2] == theirs[2]
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        bk.histogram(bk.tensor([1.0]), bins=0)
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        bk.histogram(bk.tensor([1, 2]), bins=2)


BYTE_MASKS = ["x[:, m]", "x[m2]", "x[m0]", "x[torch.tensor([1, 0], dtype=torch.uint8)]"]


@pytest.mark.parametrize("expr", BYTE_MASKS)
def test_a_uint8_index_is_a_mask_as_in_torch(bk, real, expr):
    """A byte tensor selects where it is nonzero (PyTorch's comparisons returned uint8 before
    1.2), with torch's deprecation notice; it is not a list of positions."""
    results = []
    for torch in (bk, real):
        x = torch.arange(6.0).reshape(2, 3)
        m = torch.tensor([1, 0, 1], dtype=torch.uint8)
        m2 = torch.tensor([[1, 0, 1], [0, 0, 2]], dtype=torch.uint8)
        m0 = torch.tensor(1, dtype=torch.uint8)
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            out = eval(expr)
        said = [str(w.message) for w in seen if "uint8" in str(w.message)]
        results.append((out, bool(said)))
    (ours, ours_warned), (theirs, torch_warned) = results
    _same(ours, theirs)
    assert ours_warned == torch_warned


def test_a_uint8_mask_writes_and_passes_gradients_as_in_torch(bk, real):
    results = []
    for torch in (bk, real):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = torch.tensor([1, 0, 1], dtype=torch.uint8)
            y = torch.arange(6.0).reshape(2, 3)
            y[:, m] = torch.tensor([[7.0, 7.5], [8.0, 8.5]])
            w = torch.arange(6.0).reshape(2, 3).requires_grad_()
            (w[:, m] * torch.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        results.append((y, w.grad))
    (y, g), (ty, tg) = results
    _same(y, ty)
    _same(g, tg)


ASSIGNMENTS = ["f[torch.tensor([0, 1])] = 5.0", "f[torch.tensor([0, 1])] = torch.ones(3)",
               "f[f > 2] = 0.0", "f[:, torch.tensor([0, 2])] = 1.0", "f[[0]] = 1.0",
               "f[:, [True, False, True]] = 1.0", "f[0, torch.tensor([0, 2])] = 1.0",
               "f[:, 1] = 1.0", "f[0] = 1.0", "f[torch.tensor(0)] = 1.0", "f[...] = 1.0",
               "f[:] = torch.ones(3)", "f[None] = 2.0"]


@pytest.mark.parametrize("code", ASSIGNMENTS)
def test_an_indexed_assignment_shows_torchs_node(bk, real, code):
    """``t[key] = v`` shows the op PyTorch runs for it: index_put_ (IndexPutBackward0) for
    tensor, list and mask keys, fill_ or copy_ for a key that takes everything, CopySlices
    where it writes through a view first; the gradient is the same either way."""
    results = []
    for torch in (bk, real):
        e = torch.arange(6.0).reshape(2, 3).requires_grad_()
        f = e.clone()
        exec(code, {"torch": torch, "f": f})
        node = f.grad_fn
        nxt = [n.name() if n is not None else None for n, _ in node.next_functions]
        f.sum().backward()
        results.append((node.name(), nxt, e.grad.tolist()))
    assert results[0] == results[1]


COMPOSED_NODES = [
    "F.multi_margin_loss(v, torch.tensor([0, 1]))",
    "F.multi_margin_loss(v, torch.tensor([0, 1]), reduction='none')",
    "F.threshold(v, 0.5, -1.0)",
    "F.instance_norm(v.reshape(1, 2, 3))",
    "F.affine_grid(v.reshape(1, 2, 3), (1, 1, 2, 2), align_corners=False)",
    "F.rrelu(v)",
    "torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(3, 2)).weight",
    "torch.nn.utils.weight_norm(torch.nn.Linear(3, 2)).weight",
    "F.max_unpool2d(*F.max_pool2d(x4, 2, return_indices=True), 2)",
    "F.max_unpool1d(*F.max_pool1d(x3, 2, return_indices=True), 2)",
    "F.adaptive_max_pool2d(x4, 1)", "F.adaptive_max_pool2d(x4, 1, return_indices=True)[0]",
    "F.adaptive_max_pool1d(x3, 2)",
    "a.index_copy(0, torch.tensor([1]), torch.ones(1, 2))",
    "torch.index_copy(a, 1, torch.tensor([0]), torch.ones(3, 1))",
    "a.masked_scatter(torch.tensor([[True, False]] * 3), torch.ones(6))",
    "v.sort(stable=True).values", "v.sort(stable=False).values", "torch.sort(v, 0, True)[0]",
    "torch.std_mean(v, 1)[0]", "torch.std_mean(v, 1)[1]", "torch.var_mean(v)[1]",
]


@pytest.mark.parametrize("expr", COMPOSED_NODES)
def test_composed_layers_show_torchs_node(bk, real, expr):
    """Functions gradspec composes from other ops show the node PyTorch's kernel records (a
    printed tensor reads grad_fn=<ThresholdBackward0>, not the where or scatter it ends in)."""
    names = []
    for torch in (bk, real):
        scope = {"torch": torch, "F": torch.nn.functional,
                 "v": torch.tensor([[2.0, 1.0, 0.1], [0.5, -1.0, 0.3]], requires_grad=True),
                 "x4": torch.tensor([[[[1.0, 5.0], [3.0, 4.0]]]], requires_grad=True),
                 "x3": torch.tensor([[[1.0, 5.0, 3.0, 4.0]]], requires_grad=True),
                 "a": torch.zeros(3, 2, requires_grad=True)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (torch.nn.utils.weight_norm is deprecated)
            out = eval(expr, scope)
        names.append(out.grad_fn.name())
    assert names[0] == names[1]


SAVED_THEN_MODIFIED = [
    "w = x.exp(); w.add_(1); out = w.sum()",          # an output saved by its own node
    "s = x.sigmoid(); out = (s * 2).sum(); s.mul_(3)",
    "b = x * 1; out = (b * b).sum(); b.add_(1)",      # a saved input, modified since
]


@pytest.mark.parametrize("code", SAVED_THEN_MODIFIED)
def test_a_modified_saved_tensor_is_named_as_torch_names_it(bk, real, code):
    """The version error says whose output the saved tensor is in PyTorch's words ("which is
    output 0 of Exp,"), up to where the two messages go their own ways (the hint)."""
    heads = []
    for torch in (bk, real):
        scope = {"x": torch.tensor([1.0, 2.0], requires_grad=True)}
        exec(code, scope)
        with pytest.raises(RuntimeError) as caught:
            scope["out"].backward()
        heads.append(str(caught.value).split(" Hint:")[0])
    assert heads[0] == heads[1]


def test_apply_and_map_run_a_python_function_per_element_as_torch(bk, real):
    results = []
    for torch in (bk, real):
        x = torch.arange(4)
        x.apply_(lambda v: v * 2 + 1)
        w = torch.tensor([1, 2])
        w.apply_(lambda v: v / 3)  # a float result truncated into the integer tensor
        a = torch.zeros(2, 3)
        a.map_(torch.tensor([1.0, 2.0, 3.0]), lambda p, q: p + q * q)  # broadcast
        base = torch.arange(6.0).reshape(2, 3)
        base[:, 1].apply_(lambda q: -q)  # through a view, into the base
        results.append((x, w, a, base, x._version))
        with pytest.raises(RuntimeError, match="requires grad"):
            torch.ones(2, requires_grad=True).apply_(lambda v: v)
    (*ours, ours_version), (*theirs, torch_version) = results
    for o, t in zip(ours, theirs):
        _same(o, t)
    assert ours_version == torch_version


@pytest.mark.parametrize("p", [None, 2, -2, "fro", "nuc", float("inf"), -float("inf"), 1, -1])
def test_linalg_cond_follows_torch(bk, real, p):
    results = []
    for torch in (bk, real):
        A = torch.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=torch.float64, requires_grad=True)
        c = torch.linalg.cond(A, p)
        grad = torch.autograd.grad(c, A)[0].tolist() if p in (None, 2, -2) else None
        batch = torch.linalg.cond(torch.stack([torch.eye(2), 2 * torch.eye(2)]), p)
        singular = torch.linalg.cond(torch.tensor([[1.0, 2.0], [2.0, 4.0]]), p)
        results.append((c.item(), c.grad_fn.name(), grad, batch.tolist(), singular.item()))
    (c, name, grad, batch, singular), (tc, tname, tgrad, tbatch, tsingular) = results
    assert c == pytest.approx(tc, rel=1e-12) and name == tname
    assert batch == pytest.approx(tbatch)
    if grad is not None:
        np.testing.assert_allclose(grad, tgrad, atol=1e-12)
    # inf, or what the SVD's round-off leaves of 1/0 (of 0 for p=-2)
    if p == -2:
        assert singular < 1e-6 and tsingular < 1e-6
    else:
        assert singular == tsingular or singular > 1e6 and tsingular > 1e6


@pytest.mark.parametrize("args", ["torch.ones(2, 2), 3", "torch.ones(2, 3), 'fro'",
                                  "torch.ones(3), None"])
def test_linalg_cond_refuses_as_torch(bk, real, args):
    messages = []
    for torch in (bk, real):
        with pytest.raises(RuntimeError) as caught:
            eval(f"torch.linalg.cond({args})", {"torch": torch})
        messages.append(str(caught.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("move", ["x.to('cuda')", "x.cuda()", "torch.zeros(2, device='cuda')",
                                  "torch.nn.Linear(2, 2).cuda()"])
def test_asking_a_cpu_backend_for_cuda_raises_torchs_assertion_error(bk, real, move):
    """PyTorch's CPU build raises AssertionError ("Torch not compiled with CUDA enabled"): a
    script's ``except AssertionError`` catches ours too, which stays a RuntimeError as well."""
    if real.cuda.is_available():
        pytest.skip("this torch has CUDA")
    for torch in (bk, real):
        x = torch.ones(2)
        with pytest.raises(AssertionError, match="Torch not compiled with CUDA enabled") as caught:
            eval(move, {"torch": torch, "x": x})
        assert type(caught.value).__name__ == "AssertionError"
    with pytest.raises(RuntimeError):
        eval(move, {"torch": bk, "x": bk.ones(2)})


def test_multilabel_margin_passes_no_gradient_at_the_margin_as_torch(bk, real):
    grads = []
    for torch in (bk, real):
        x = torch.tensor([[0.0, 1.0], [0.3, -1.2]], requires_grad=True)
        loss = torch.nn.functional.multilabel_margin_loss(x, torch.tensor([[1, -1], [0, 1]]))
        loss.backward()
        grads.append((loss.grad_fn.name(), x.grad.tolist()))
    assert grads[0] == grads[1]


@pytest.mark.parametrize("expr", ["x.transpose(2, 1).cumsum(-2)",
                                  "x.transpose(2, 1).abs().cumprod(dim=-2)",
                                  "x.permute(2, 0, 1).cumsum(0)", "x.transpose(2, 1).roll(1, 0)",
                                  "x.transpose(0, 2).masked_fill(x.transpose(0, 2) > 0, 1.0)",
                                  "torch.nn.functional.layer_norm(x.transpose(2, 1), (2,))"])
def test_ops_of_a_transposed_tensor_come_out_contiguous_as_torch(bk, real, expr):
    """PyTorch's scans, roll, masked_fill and layer_norm give contiguous results whatever the
    input's strides, so a view() of them works (numpy's keep a transposed input's layout)."""
    seen = []
    for torch in (bk, real):
        x = torch.tensor([[[-2.0, -1.5], [0.0, 2.0]], [[-2.0, 0.0], [0.5, -1.0]]],
                         requires_grad=True)
        out = eval(expr, {"x": x, "torch": torch})
        flat = out.view(-1)
        flat.sum().backward()
        seen.append((out.stride(), out.is_contiguous(), flat.tolist(), x.grad.tolist()))
    assert seen[0] == seen[1]
