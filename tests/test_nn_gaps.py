"""torch.nn behaviours found missing by running ordinary PyTorch programs, against torch.nn:
in-place activations (``ReLU(inplace=True)``, ``F.relu_``...) and RReLU; the ``bias`` switch
of the batch, group and instance norms; Unfold/Fold; the fixed-mode upsampling layers, the
deprecated ``upsample*`` functions, bicubic interpolation, grid_sample and affine_grid;
RMSNorm, gumbel_softmax, dirac_/sparse_, MaxUnpool and LPPool; attention rows masked
entirely.  Printed forms, values and gradients, on numpy, strict and the torch adapter."""

from __future__ import annotations

import warnings

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


def host(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _run(lib, fn, arrays, grad):
    xs = [lib.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    out = fn(lib, *xs)
    results = [out]
    if grad:
        weights = np.random.default_rng(11).normal(size=tuple(out.shape))
        (out * lib.tensor(weights, dtype=out.dtype)).sum().backward()
        results += [x.grad for x in xs if x.requires_grad]
    return results


def same(bk, T, fn, *arrays, grad=True, rtol=1e-9, atol=1e-11):
    """``fn(lib, *tensors)`` on our backend and on torch: the same values and gradients."""
    ours, theirs = _run(bk, fn, arrays, grad), _run(T, fn, arrays, grad)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert (a is None) == (b is None)
        if a is not None:
            assert tuple(a.shape) == tuple(b.shape)
            np.testing.assert_allclose(host(a), host(b), rtol=rtol, atol=atol)


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


# ------------------------------------------------------------------- 1. in-place activations
INPLACE = [
    ("relu", ()), ("relu6", ()), ("leaky_relu", (0.2,)), ("elu", (0.7,)), ("selu", ()),
    ("celu", (0.5,)), ("hardtanh", (-0.5, 0.7)), ("hardswish", ()), ("hardsigmoid", ()),
    ("silu", ()), ("mish", ()), ("threshold", (0.1, 2.0)),
]
UNDERSCORE = [("relu_", ()), ("elu_", (0.7,)), ("leaky_relu_", (0.2,)), ("hardtanh_", (-0.5, 0.7)),
              ("threshold_", (0.1, 2.0)), ("celu_", (0.5,)), ("selu_", ())]
VALUES = np.array([[-4.0, -2.5, -0.3, 0.2, 0.9, 3.5], [-3.0, 3.0, -1.0, 1.0, 0.05, 7.0]])


@pytest.mark.parametrize("name,args", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_activation_functions_like_torch(bk, T, name, args):
    def inplace(lib, x):
        y = x * 1.5
        out = getattr(lib.nn.functional, name)(y, *args, inplace=True)
        assert out is y and y._version == 1
        return out * 1

    # torch's hardsigmoid backward multiplies by 1/6 in float32, even for float64
    rtol = 1e-7 if name == "hardsigmoid" else 1e-9
    same(bk, T, inplace, VALUES, rtol=rtol)
    same(bk, T, lambda lib, x: getattr(lib.nn.functional, name)(x * 1.5, *args), VALUES,
         rtol=rtol)


@pytest.mark.parametrize("name,args", UNDERSCORE, ids=[n for n, _ in UNDERSCORE])
def test_underscore_functions_write_into_their_input(bk, T, name, args):
    def inplace(lib, x):
        y = x * 1.5
        assert getattr(lib.nn.functional, name)(y, *args) is y
        return y * 1

    same(bk, T, inplace, VALUES)


@pytest.mark.parametrize("name,args", INPLACE + [("rrelu", ())], ids=[n for n, _ in INPLACE] + ["rrelu"])
def test_inplace_on_a_leaf_that_requires_grad_is_refused_as_torch(bk, T, name, args):
    for lib in (bk, T):
        leaf = lib.tensor(VALUES, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            getattr(lib.nn.functional, name)(leaf, *args, inplace=True)
        with lib.no_grad():  # allowed without grad, as torch
            getattr(lib.nn.functional, name)(leaf, *args, inplace=True)


ACTIVATION_LAYERS = ["ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "Hardtanh", "Hardswish",
                     "Hardsigmoid", "SiLU", "Mish", "RReLU"]


@pytest.mark.parametrize("name", ACTIVATION_LAYERS)
def test_activation_layers_take_inplace_and_print_as_torch(bk, T, name):
    for flag in (False, True):
        ours, theirs = getattr(bk.nn, name)(inplace=flag), getattr(T.nn, name)(inplace=flag)
        assert repr(ours) == repr(theirs)
        assert ours.inplace is flag
    assert repr(bk.nn.Threshold(0.1, 2.0, True)) == repr(T.nn.Threshold(0.1, 2.0, True))
    layer = getattr(bk.nn, name)(inplace=True)
    layer.eval()  # RReLU: its deterministic slope
    theirs = getattr(T.nn, name)(inplace=True).eval()
    same(bk, T, lambda lib, x: (layer if lib is bk else theirs)(x * 1.0) * 1, VALUES,
         rtol=1e-7 if name == "Hardsigmoid" else 1e-9)


def test_a_cnn_with_relu_inplace_trains_as_torch(bk, T):
    results = []
    for lib in (bk, T):
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Conv2d(2, 3, 3, padding=1), lib.nn.BatchNorm2d(3),
                                lib.nn.ReLU(inplace=True), lib.nn.Conv2d(3, 1, 1),
                                lib.nn.LeakyReLU(0.1, inplace=True)).double()
        state = {k: np.random.default_rng(len(k)).normal(size=tuple(v.shape))
                 for k, v in T.nn.Sequential(T.nn.Conv2d(2, 3, 3, padding=1),
                                             T.nn.BatchNorm2d(3), T.nn.ReLU(),
                                             T.nn.Conv2d(3, 1, 1)).state_dict().items()
                 if v.dtype.is_floating_point}
        net.load_state_dict({k: lib.tensor(v) for k, v in state.items()}, strict=False)
        x = lib.tensor(data(2, 2, 5, 5))
        net(x).pow(2).sum().backward()
        results.append([p.grad for p in net.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(host(a), host(b), rtol=1e-9, atol=1e-12)


def test_rrelu_eval_is_torch_and_training_draws_slopes(bk, T):
    same(bk, T, lambda lib, x: lib.nn.functional.rrelu(x, 0.1, 0.3), VALUES)
    x = bk.tensor(data(4000, seed=3), requires_grad=True)
    bk.manual_seed(1)
    out = bk.nn.functional.rrelu(x, 0.1, 0.3, training=True)
    out.sum().backward()
    ratio, grad, xs = host(out) / host(x), host(x.grad), host(x)
    negative = xs < 0
    assert np.all(ratio[~negative] == 1) and np.all(grad[~negative] == 1)
    assert np.all((ratio[negative] >= 0.1) & (ratio[negative] <= 0.3))
    np.testing.assert_allclose(grad[negative], ratio[negative], rtol=1e-12)
    assert 0.18 < ratio[negative].mean() < 0.22
    y = bk.tensor(data(10, seed=4)) * 1
    assert bk.nn.functional.rrelu_(y, training=True) is y


# --------------------------------------------------------------------- 2. the bias switch
NORM_LAYERS = [("BatchNorm1d", (3,), (4, 3, 5)), ("BatchNorm2d", (3,), (4, 3, 2, 3)),
               ("BatchNorm3d", (3,), (2, 3, 2, 2, 3)), ("GroupNorm", (2, 4), (3, 4, 5)),
               ("InstanceNorm2d", (3,), (2, 3, 4, 4)), ("LayerNorm", ((5,),), (3, 4, 5))]


@pytest.mark.parametrize("name,args,shape", NORM_LAYERS, ids=[n for n, _, _ in NORM_LAYERS])
@pytest.mark.parametrize("kw", [{}, {"bias": False}, {"affine": False}],
                         ids=["default", "no-bias", "no-affine"])
def test_norm_layers_bias_switch_like_torch(bk, T, name, args, shape, kw):
    if name == "LayerNorm" and "affine" in kw:
        kw = {"elementwise_affine": False}
    if name == "InstanceNorm2d":
        kw = {"affine": True, **kw}
    ours = getattr(bk.nn, name)(*args, **kw, dtype=bk.float64)
    theirs = getattr(T.nn, name)(*args, **kw).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    if getattr(theirs, "weight", None) is not None:
        w = data(*tuple(theirs.weight.shape), seed=2)
        with T.no_grad():
            theirs.weight.copy_(T.tensor(w))
        with bk.no_grad():
            ours.weight.copy_(bk.tensor(w))
    same(bk, T, lambda lib, x: (ours if lib is bk else theirs)(x), data(*shape, seed=5))


def test_norm_reprs_are_torchs(bk, T):
    for make in (lambda nn: nn.BatchNorm2d(8), lambda nn: nn.GroupNorm(2, 4),
                 lambda nn: nn.BatchNorm1d(8, affine=False),
                 lambda nn: nn.GroupNorm(1, 3, affine=False, bias=True),
                 lambda nn: nn.BatchNorm3d(2, momentum=None, track_running_stats=False)):
        assert repr(make(bk.nn)) == repr(make(T.nn))
    assert repr(bk.nn.BatchNorm2d(8)) == ("BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, "
                                          "bias=True, track_running_stats=True)")
    with pytest.raises(ValueError, match="expected 5D input"):
        bk.nn.BatchNorm3d(2)(bk.zeros(2, 2, 3))


def test_sync_batch_norm_is_batch_norm_in_one_process(bk, T):
    """SyncBatchNorm (what DistributedDataParallel scripts convert their models to) normalizes
    as BatchNorm does; convert_sync_batchnorm swaps every BatchNorm, nested ones too, keeping
    the same parameter and buffer tensors."""
    for lib in (bk, T):
        nn = lib.nn
        model = nn.Sequential(nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3),
                              nn.Sequential(nn.BatchNorm1d(4, affine=False)))
        weight, mean = model[1].weight, model[1].running_mean
        model.eval()
        converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        assert [type(m).__name__ for m in converted.modules()] == [
            "Sequential", "Conv2d", "SyncBatchNorm", "Sequential", "SyncBatchNorm"]
        assert converted[1].weight is weight and converted[1].running_mean is mean
        assert not converted[1].training and converted[2][0].weight is None
    assert repr(bk.nn.SyncBatchNorm(3, momentum=None)) == repr(T.nn.SyncBatchNorm(3, momentum=None))
    x = data(2, 3, 4, seed=3)
    same(bk, T, lambda lib, t: (lambda m: m(t))(lib.nn.SyncBatchNorm(3, dtype=t.dtype).eval()), x)
    with pytest.raises(ValueError, match="expected at least 2D input"):
        bk.nn.SyncBatchNorm(3)(bk.ones(3))


# ------------------------------------------------------------------------ 3. unfold and fold
BLOCKS = [dict(kernel_size=2), dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1)),
          dict(kernel_size=3, padding=(0, 2), stride=2), dict(kernel_size=(1, 2), dilation=2)]


@pytest.mark.parametrize("kw", BLOCKS, ids=[str(i) for i in range(len(BLOCKS))])
@pytest.mark.parametrize("batched", [True, False], ids=["batched", "unbatched"])
def test_unfold_and_fold_like_torch(bk, T, kw, batched):
    shape = (2, 3, 6, 7) if batched else (3, 6, 7)
    same(bk, T, lambda lib, x: lib.nn.functional.unfold(x, **kw), data(*shape))
    cols = T.nn.functional.unfold(T.zeros(*shape), **kw).shape
    same(bk, T, lambda lib, x: lib.nn.functional.fold(x, (6, 7), **kw), data(*cols, seed=1))
    ours, theirs = bk.nn.Unfold(**kw), T.nn.Unfold(**kw)
    assert repr(ours) == repr(theirs)
    assert repr(bk.nn.Fold((6, 7), **kw)) == repr(T.nn.Fold((6, 7), **kw))
    same(bk, T, lambda lib, x: lib.nn.Fold((6, 7), **kw)(lib.nn.Unfold(**kw)(x)), data(*shape))


def test_unfold_and_fold_refuse_bad_sizes(bk):
    F = bk.nn.functional
    with pytest.raises(RuntimeError, match="calculated shape of the array of sliding blocks as "
                                           r"\(0, 1\)"):
        F.unfold(bk.zeros(1, 2, 4, 5), 5)
    with pytest.raises(RuntimeError, match="3-D .* or 4-D"):
        F.unfold(bk.zeros(1, 2, 3, 4, 5), 2)
    with pytest.raises(RuntimeError, match=r"divisible by the product of kernel_size, but got "
                                           r"input.size\(1\)=7"):
        F.fold(bk.zeros(1, 7, 6), (3, 4), 2)
    with pytest.raises(RuntimeError, match=r"sliding blocks 2 \* 3 = 6, but got input.size\(2\)=5"):
        F.fold(bk.zeros(1, 8, 5), (3, 4), 2)
    with pytest.raises(RuntimeError, match="stride should be greater than zero"):
        F.fold(bk.zeros(1, 8, 6), (3, 4), 2, stride=0)


# ------------------------------------------------------------------ 4. resizing and sampling
def test_upsampling_layers_and_deprecated_functions_like_torch(bk, T):
    x = data(2, 3, 4, 5)
    for make in (lambda nn: nn.UpsamplingBilinear2d(scale_factor=2),
                 lambda nn: nn.UpsamplingBilinear2d(size=(7, 3)),
                 lambda nn: nn.UpsamplingNearest2d(size=(3, 4)),
                 lambda nn: nn.UpsamplingNearest2d(scale_factor=1.5)):
        assert repr(make(bk.nn)) == repr(make(T.nn))
        same(bk, T, lambda lib, t, make=make: make(lib.nn)(t), x)
    for name, kw in (("upsample", dict(scale_factor=2, mode="bilinear")),
                     ("upsample", dict(size=(5, 9))),
                     ("upsample_bilinear", dict(size=(6, 8))),
                     ("upsample_nearest", dict(scale_factor=3))):
        with pytest.warns(UserWarning, match=f"nn.functional.{name}` is deprecated"):
            same(bk, T, lambda lib, t, name=name, kw=kw: getattr(lib.nn.functional, name)(t, **kw),
                 x)


BICUBIC = [dict(scale_factor=2), dict(scale_factor=2, align_corners=True), dict(size=(3, 8)),
           dict(size=(7, 2), align_corners=True), dict(scale_factor=(0.6, 1.7)),
           dict(scale_factor=1.3, recompute_scale_factor=True), dict(size=(1, 1)),
           dict(size=(1, 4), align_corners=True)]


@pytest.mark.parametrize("kw", BICUBIC, ids=[str(i) for i in range(len(BICUBIC))])
def test_bicubic_interpolation_like_torch(bk, T, kw):
    same(bk, T, lambda lib, x: lib.nn.functional.interpolate(x, mode="bicubic", **kw),
         data(2, 2, 4, 5))
    assert repr(bk.nn.Upsample(scale_factor=2, mode="bicubic")) == repr(
        T.nn.Upsample(scale_factor=2, mode="bicubic"))


def test_bicubic_needs_4d_input(bk):
    with pytest.raises(NotImplementedError, match="bicubic mode needs 4D input"):
        bk.nn.functional.interpolate(bk.zeros(1, 2, 5), scale_factor=2, mode="bicubic")


def _grid(*shape, seed=3):
    """Sampling positions in and around [-1, 1], with some exactly on the edges and corners."""
    g = np.random.default_rng(seed).uniform(-1.4, 1.4, size=shape)
    flat = g.reshape(-1)
    flat[:6] = [-1.0, 1.0, -1.0, 1.0, 0.0, 0.5]
    return g


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_like_torch(bk, T, mode, padding_mode, align_corners):
    def sample(lib, x, g):
        return lib.nn.functional.grid_sample(x, g, mode=mode, padding_mode=padding_mode,
                                             align_corners=align_corners)

    same(bk, T, sample, data(2, 3, 4, 5), _grid(2, 3, 6, 2))
    same(bk, T, sample, data(1, 2, 3, 4, 3, seed=4), _grid(1, 2, 3, 4, 3, seed=5))


def test_grid_sample_and_affine_grid_refuse_as_torch(bk):
    F = bk.nn.functional
    x = bk.zeros(1, 2, 4, 5)
    with pytest.raises(ValueError, match="expected mode to be 'bilinear', 'nearest' or 'bicubic'"):
        F.grid_sample(x, bk.zeros(1, 3, 3, 2), mode="foo", align_corners=False)
    with pytest.raises(ValueError, match="expected padding_mode"):
        F.grid_sample(x, bk.zeros(1, 3, 3, 2), padding_mode="foo", align_corners=False)
    with pytest.raises(RuntimeError, match="same batch size"):
        F.grid_sample(x, bk.zeros(2, 3, 3, 2), align_corners=False)
    with pytest.raises(RuntimeError, match="size 2 in last dimension"):
        F.grid_sample(x, bk.zeros(1, 3, 3, 3), align_corners=False)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(x, bk.zeros(1, 3, 3, 2))
    with pytest.raises(ValueError, match="Nx2x3 for size"):
        F.affine_grid(bk.zeros(1, 3, 3), [1, 2, 4, 5], align_corners=False)
    with pytest.raises(NotImplementedError, match="4D and 5D sizes"):
        F.affine_grid(bk.zeros(1, 2, 3), [1, 2, 4], align_corners=False)


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_like_torch(bk, T, align_corners):
    theta2 = data(2, 2, 3, seed=6)
    same(bk, T, lambda lib, t: lib.nn.functional.affine_grid(t, [2, 3, 4, 5],
                                                             align_corners=align_corners), theta2)
    with warnings.catch_warnings(record=True) as caught:  # torch warns for unit size, aligned
        warnings.simplefilter("always")
        same(bk, T, lambda lib, t: lib.nn.functional.affine_grid(t, [2, 1, 1, 5],
                                                                 align_corners=align_corners),
             theta2)
    messages = [str(w.message) for w in caught if "unit-size grids" in str(w.message)]
    assert len(messages) == (2 if align_corners else 0)  # ours and torch's
    theta3 = data(1, 3, 4, seed=7)
    same(bk, T, lambda lib, t: lib.nn.functional.affine_grid(t, [1, 2, 3, 2, 4],
                                                             align_corners=align_corners), theta3)

    def warp(lib, x, t):  # a spatial transformer: both differentiable
        F = lib.nn.functional
        grid = F.affine_grid(t, list(x.shape), align_corners=align_corners)
        return F.grid_sample(x, grid, align_corners=align_corners)

    same(bk, T, warp, data(2, 3, 4, 5), theta2 * 0.3 + np.array([[1, 0, 0], [0, 1, 0]]))


# --------------------------------------------------------------- 5. norms, sampling, init, pools
@pytest.mark.parametrize("shape,eps,weighted", [((5,), None, True), ((4, 5), 1e-3, False),
                                                (5, 0.5, True)])
def test_rms_norm_like_torch(bk, T, shape, eps, weighted):
    size = (shape,) if isinstance(shape, int) else shape
    arrays = [data(3, 4, 5)] + ([data(*size, seed=1)] if weighted else [])
    same(bk, T, lambda lib, x, *w: lib.nn.functional.rms_norm(x, size, *w, eps=eps), *arrays)
    ours = bk.nn.RMSNorm(shape, eps=eps, elementwise_affine=weighted, dtype=bk.float64)
    theirs = T.nn.RMSNorm(shape, eps=eps, elementwise_affine=weighted).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    same(bk, T, lambda lib, x: (ours if lib is bk else theirs)(x), data(3, 4, 5, seed=2))
    small = bk.tensor(data(2, 5).astype(np.float32) * 1e-4)
    expected = T.nn.functional.rms_norm(T.tensor(host(small), dtype=T.float32), (5,))
    np.testing.assert_allclose(host(bk.nn.functional.rms_norm(small, (5,))), host(expected),
                               rtol=1e-5)  # eps None: float32's epsilon, not float64's


def test_rms_norm_refuses_a_shape_that_is_not_the_last_dims(bk):
    with pytest.raises(RuntimeError, match=r"normalized_shape=\[4\], expected input with shape "
                                           r"\[\*4\]"):
        bk.nn.functional.rms_norm(bk.zeros(1, 2, 4, 5), (4,))
    with pytest.raises(RuntimeError, match="weight to be of same shape as normalized_shape"):
        bk.nn.functional.rms_norm(bk.zeros(2, 5), (5,), bk.ones(4))


def test_gumbel_softmax_samples_and_passes_gradients_straight_through(bk):
    F = bk.nn.functional
    probabilities = np.array([0.6, 0.3, 0.1])
    logits = bk.tensor(np.tile(np.log(probabilities), (20000, 1)), requires_grad=True)
    bk.manual_seed(0)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(host(soft).sum(-1), 1.0, rtol=1e-12)
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    one_hot = host(hard)
    assert set(np.unique(one_hot)) <= {0.0, 1.0} and np.all(one_hot.sum(-1) == 1)
    np.testing.assert_allclose(one_hot.mean(0), probabilities, atol=0.015)  # Gumbel-max trick
    weights = bk.tensor(data(20000, 3))
    (hard * weights).sum().backward()
    hard_grad = host(logits.grad)
    # straight through: the gradient is the soft sample's (same noise: same seed)
    logits.grad = None
    bk.manual_seed(0)
    F.gumbel_softmax(logits, tau=0.5)
    (F.gumbel_softmax(logits, tau=0.5) * weights).sum().backward()
    np.testing.assert_allclose(hard_grad, host(logits.grad), rtol=1e-10, atol=1e-12)
    columns = F.gumbel_softmax(bk.tensor(np.log(probabilities)).unsqueeze(1).expand(3, 4), dim=0,
                               hard=True)
    assert host(columns).sum(0).tolist() == [1.0] * 4
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        F.gumbel_softmax(logits, eps=1e-5)


def test_init_dirac_sparse_and_fans_like_torch(bk, T):
    for shape, groups in (((4, 2, 3, 3), 2), ((3, 5, 4), 1), ((6, 2, 3, 2, 3), 3), ((2, 4, 3, 3), 1)):
        ours = bk.nn.init.dirac_(bk.full(shape, 5.0), groups)
        theirs = T.nn.init.dirac_(T.full(shape, 5.0), groups)
        assert host(ours).tolist() == host(theirs).tolist()
        assert bk.nn.init._calculate_fan_in_and_fan_out(ours) == \
            T.nn.init._calculate_fan_in_and_fan_out(theirs)
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions"):
        bk.nn.init.dirac_(bk.zeros(2, 2))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        bk.nn.init.dirac_(bk.zeros(3, 2, 3), 2)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        bk.nn.init._calculate_fan_in_and_fan_out(bk.zeros(3))
    weight = bk.zeros(10, 6, requires_grad=True)
    assert bk.nn.init.sparse_(weight, 0.25, std=0.5) is weight
    values = host(weight)
    assert np.all((values == 0).sum(0) == 3) and np.all((values != 0).sum(0) == 7)
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        bk.nn.init.sparse_(bk.zeros(2, 2, 2), 0.5)
    if bk.name == "torch":  # torch's own draws, in torch's order
        bk.manual_seed(3)
        ours = bk.nn.init.sparse_(bk.zeros(5, 4), 0.4)
        T.manual_seed(3)
        assert host(ours).tolist() == host(T.nn.init.sparse_(T.zeros(5, 4), 0.4)).tolist()


UNPOOL = [(1, dict(kernel_size=2), (2, 3, 8)), (1, dict(kernel_size=3, stride=2, padding=1), (3, 9)),
          (2, dict(kernel_size=2), (2, 3, 4, 6)),
          (2, dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1)), (1, 2, 5, 7))]


@pytest.mark.parametrize("d,kw,shape", UNPOOL, ids=[str(i) for i in range(len(UNPOOL))])
def test_max_unpool_like_torch(bk, T, d, kw, shape):
    def roundtrip(lib, x, output_size=None):
        F = lib.nn.functional
        pooled, indices = getattr(F, f"max_pool{d}d")(x, return_indices=True, **kw)
        return getattr(F, f"max_unpool{d}d")(pooled * 2, indices, output_size=output_size, **kw)

    same(bk, T, roundtrip, data(*shape))
    same(bk, T, lambda lib, x: roundtrip(lib, x, output_size=shape[-d:]), data(*shape))
    layer = f"MaxUnpool{d}d"
    assert repr(getattr(bk.nn, layer)(**kw)) == repr(getattr(T.nn, layer)(**kw))

    def module(lib, x):
        pooled, indices = getattr(lib.nn, f"MaxPool{d}d")(return_indices=True, **kw)(x)
        return getattr(lib.nn, layer)(**kw)(pooled, indices)

    same(bk, T, module, data(*shape, seed=1))


def test_max_unpool_refuses_bad_sizes_and_indices(bk):
    F = bk.nn.functional
    pooled, indices = F.max_pool2d(bk.randn(1, 1, 4, 4), 2, return_indices=True)
    with pytest.raises(ValueError, match=r"invalid output_size .*dim 0 must be between 2 and 6"):
        F.max_unpool2d(pooled, indices, 2, output_size=(7, 4))
    with pytest.raises(RuntimeError, match="Found an invalid max index: [0-9]+ .output volumes are of size 4x4"):
        F.max_unpool2d(pooled, indices + 16, 2, output_size=(4, 4))


LP = [(1, 2.0, dict(kernel_size=3)), (1, 1.5, dict(kernel_size=2, stride=1, ceil_mode=True)),
      (2, 2.0, dict(kernel_size=2)), (2, 3.0, dict(kernel_size=(2, 3), stride=1)),
      (2, 1.0, dict(kernel_size=3, stride=2, ceil_mode=True))]


@pytest.mark.parametrize("d,p,kw", LP, ids=[str(i) for i in range(len(LP))])
def test_lp_pool_like_torch(bk, T, d, p, kw):
    shape = (2, 3, 7) if d == 1 else (2, 2, 5, 7)
    x = np.abs(data(*shape)) + 0.1  # positive: fractional powers stay real
    same(bk, T, lambda lib, t: getattr(lib.nn.functional, f"lp_pool{d}d")(t, p, **kw), x)
    ours, theirs = getattr(bk.nn, f"LPPool{d}d")(p, **kw), getattr(T.nn, f"LPPool{d}d")(p, **kw)
    assert repr(ours) == repr(theirs)
    same(bk, T, lambda lib, t: (ours if lib is bk else theirs)(t), x)


# --------------------------------------------------------- 6. attention rows masked entirely
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_attention_rows_masked_entirely_are_zero_as_torch(bk, T, kind):
    allowed = np.ones((3, 5), dtype=bool)
    allowed[1] = False
    allowed[2, 3:] = False
    arrays = [data(2, 3, 4, seed=1), data(2, 5, 4, seed=2), data(2, 5, 4, seed=3)]
    if kind == "float":
        arrays.append(np.where(allowed, data(3, 5, seed=4), -np.inf))

    def attend(lib, q, k, v, *mask):
        m = mask[0] if mask else lib.tensor(allowed)
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m)

    def values_and_grads(lib):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = attend(lib, *xs)
        out.backward(lib.tensor(data(*tuple(out.shape), seed=9)))
        return [out] + [x.grad for x in xs]

    ours, theirs = values_and_grads(bk), values_and_grads(T)
    assert np.all(host(ours[0])[:, 1] == 0)
    for a, b in zip(ours, theirs):
        a, b = host(a), host(b)
        assert not np.isnan(a).any()
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    # a mask that leaves every row something: unchanged
    same(bk, T, lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=lib.tensor(allowed[[0, 2, 2]])), *arrays[:3])


def test_new_names_have_docstrings(bk):
    F, nn = bk.nn.functional, bk.nn
    names = ["relu_", "elu_", "leaky_relu_", "hardtanh_", "threshold_", "rrelu", "rrelu_", "celu_",
             "selu_", "unfold", "fold", "upsample", "upsample_bilinear", "upsample_nearest",
             "grid_sample", "affine_grid", "rms_norm", "gumbel_softmax", "max_unpool1d",
             "max_unpool2d", "lp_pool1d", "lp_pool2d"]
    for name in names:
        assert getattr(F, name).__doc__, name
    for name in ["RReLU", "BatchNorm3d", "SyncBatchNorm", "RMSNorm", "Fold", "Unfold",
                 "UpsamplingBilinear2d",
                 "UpsamplingNearest2d", "MaxUnpool1d", "MaxUnpool2d", "LPPool1d", "LPPool2d"]:
        assert getattr(nn, name).__doc__, name
    for name in ["dirac_", "sparse_", "_calculate_fan_in_and_fan_out"]:
        assert getattr(nn.init, name).__doc__, name
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.interpolate(bk.zeros(1, 1, 2, 2), scale_factor=2, mode="bicubic")
