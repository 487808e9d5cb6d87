"""Engine bugs the differential fuzzer and the misuse catalogue found, one test each, on every
engine backend.

Each test is the shrunk program the fuzzer printed (or the catalogue's case), rewritten as plain
asserts of PyTorch's observed results (torch 2.13), so it runs without torch too.
"""

from __future__ import annotations

import pytest

import gradspec
from support import load_or_skip

ENGINES = ["numpy", "strict"]


@pytest.fixture(params=ENGINES)
def torch(request):
    return load_or_skip(request.param)


def test_in_place_on_a_zero_dim_result(torch):
    # numpy returns 0-d results as immutable scalars; in place must still work (and count)
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64, requires_grad=True)
    m = (x * 2).sum()
    m.sub_(0.5)
    assert m.item() == 19.5 and m._version == 1
    m.backward()
    assert x.grad.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    with torch.no_grad():
        q = x.sum()
        q.zero_()
    assert q.item() == 0.0


def test_zero_dim_result_shares_storage_with_detach_and_views(torch):
    y = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True) * 1
    d = y.sum()
    e = d.detach()
    e.add_(1)
    assert d.item() == 4.0 and d._version == 1 and e._version == 1
    v = d.unsqueeze(0)
    v.mul_(2)
    assert d.item() == 8.0 and v.tolist() == [8.0] and d._version == 2


def test_zero_dim_saved_then_modified_is_detected(torch):
    y = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True) * 1
    r = y.sum()
    r2 = r * r
    r.add_(1)
    with pytest.raises(gradspec.SavedTensorModifiedError):
        r2.backward()


@pytest.mark.parametrize("reduce", ["sum", "mean"])
@pytest.mark.parametrize("dim", [0, -1, (0,)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_reducing_a_zero_dim_tensor_along_a_dim(torch, reduce, dim, keepdim):
    # PyTorch accepts dim 0 / -1 on a 0-d tensor and reduces nothing
    x = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    y = getattr(x, reduce)(dim, keepdim=keepdim)
    assert y.shape == () and y.item() == 1.5 and y.grad_fn is not None
    (y * y).backward()
    assert x.grad.item() == 3.0


def test_max_and_argmax_along_a_dim_of_a_zero_dim_tensor(torch):
    x = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    assert x.max(dim=0).values.item() == 1.5
    assert x.argmax(dim=0).item() == 0 and x.argmin(dim=-1).item() == 0


def test_a_zero_dim_tensor_does_not_promote_a_dimensioned_one(torch):
    # PyTorch's type promotion: within one kind, dimensioned tensors win over 0-d ones
    a = torch.tensor([1.0, 2.0], dtype=torch.float32, requires_grad=True)
    b = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    outs = [a + b, b * a, torch.maximum(a, b), torch.where(a > 1, b, a), a ** b, b - a]
    assert all(o.dtype == torch.float32 for o in outs)
    sum(o.sum() for o in outs).backward()
    assert a.grad.dtype == torch.float32 and b.grad.dtype == torch.float64
    assert (torch.tensor(2.0) + torch.tensor(3.0, dtype=torch.float64)).dtype == torch.float64
    assert (torch.tensor([1, 2]) + torch.tensor(1.5, dtype=torch.float64)).dtype == torch.float64


def test_flatten_with_nothing_to_flatten_returns_the_tensor_itself(torch):
    v = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    x = torch.ones(2, 3, dtype=torch.float64, requires_grad=True)
    assert v.flatten() is v and torch.flatten(v) is v and x.flatten(1) is x
    assert v.flatten().is_leaf
    f = x.flatten()
    assert f.shape == (6,) and not f.is_leaf


def test_create_graph_gradients_never_alias_the_callers_tensors(torch):
    # backward(create_graph=True) stored the given gradient itself as .grad, and a later
    # backward accumulated into it in place, changing the caller's tensor
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    G = torch.tensor([3.0, 4.0], dtype=torch.float64)
    x.backward(G, create_graph=True)
    x.backward(G)
    assert G.tolist() == [3.0, 4.0] and x.grad.tolist() == [6.0, 8.0]
    y = x * 2
    y.retain_grad()
    (g,) = torch.autograd.grad(y, [y], G, create_graph=True)
    y.backward(G)
    assert G.tolist() == [3.0, 4.0] and g.tolist() == [3.0, 4.0] and y.grad.tolist() == [6.0, 8.0]


def test_in_place_casts_a_wider_result_of_the_same_kind(torch):
    # PyTorch: float32 += float64 stays float32 (int64 += float32 raises, nothing changes)
    x = torch.ones(2, dtype=torch.float32)
    x.add_(torch.tensor([0.5, 0.5], dtype=torch.float64))
    assert x.dtype == torch.float32 and x.tolist() == [1.5, 1.5]
    i = torch.tensor([1, 2])
    with pytest.raises(RuntimeError):
        i.add_(torch.tensor([0.5, 0.5]))
    assert i.tolist() == [1, 2] and i._version == 0
    w = torch.tensor([1.5, 2.0], dtype=torch.float64, requires_grad=True)
    t = (w * 1).float()
    t.retain_grad()
    u = t * 1
    u.mul_(w)
    u[0] = w[1] * 3
    u.exp_()
    u.sum().backward()
    assert u.dtype == torch.float32
    assert [round(v, 2) for v in w.grad.tolist()] == [0.0, 1428.68]
    assert [round(v, 2) for v in t.grad.tolist()] == [0.0, 109.2]


def test_create_graph_inside_no_grad_still_gives_differentiable_grads(torch):
    x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    y = (x * x).sum()
    with torch.no_grad():
        y.backward(create_graph=True)
        y.backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.tolist() == [4.0, 8.0]
    (g,) = torch.autograd.grad(x.grad.sum(), x)
    assert g.tolist() == [4.0, 4.0]


def test_slices_with_out_of_range_bounds_are_clamped(torch):
    # array_api_strict refuses out-of-range slice bounds; PyTorch clamps them like Python
    x = torch.tensor([[[-1.0, -1.5, 1.5]], [[0.5, -0.5, 0.0]]], dtype=torch.float64,
                     requires_grad=True)
    y = x[0::1, -2:, -2]
    assert y.tolist() == [[-1.5], [-0.5]]
    z = x[:, :, 1:10]
    assert z.shape == (2, 1, 2)
    (y.sum() + z.sum()).backward()
    assert x.grad.tolist() == [[[0.0, 2.0, 1.0]], [[0.0, 2.0, 1.0]]]


def test_operands_that_do_not_broadcast_raise_runtime_error(torch):
    # PyTorch raises RuntimeError; the namespaces' ValueError escaped code written for torch
    a = torch.ones(2, 3, requires_grad=True)
    for bad in (lambda: a + torch.ones(4), lambda: torch.maximum(a, torch.ones(2)),
                lambda: torch.where(torch.ones(2) > 0, torch.ones(3), torch.ones(2))):
        with pytest.raises(RuntimeError, match="broadcast"):
            bad()


def test_float_and_int_of_several_elements_raise_value_error(torch):
    t = torch.ones(2)
    with pytest.raises(ValueError, match="one element"):
        float(t)
    with pytest.raises(ValueError, match="one element"):
        int(t)
    assert float(torch.ones(1)) == 1.0 and int(torch.tensor([3])) == 3


def test_backward_inputs_that_do_not_require_grad_raise(torch):
    # PyTorch: "One of the differentiated Tensors does not require grad" (as autograd.grad)
    x = torch.ones(2, requires_grad=True)
    c = torch.ones(2)
    y = (x * 2).sum()
    with pytest.raises(gradspec.NoGradPathError):
        y.backward(inputs=[c])
    assert x.grad is None and c.grad is None
    y.backward(inputs=[x])
    assert x.grad.tolist() == [2.0, 2.0]


def test_tensors_of_non_numeric_data_are_refused(torch):
    # PyTorch: TypeError for torch.tensor("abc"); the numpy engine made a string tensor
    for data in ("abc", ["a", "b"], None):
        with pytest.raises(TypeError, match="numbers"):
            torch.tensor(data)
    assert torch.tensor([1, 2.5]).tolist() == [1.0, 2.5]


def test_backward_of_a_non_tensor_raises_type_error(torch):
    # the engine failed with AttributeError deep inside the backward pass
    x = torch.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match="not a tensor"):
        torch.autograd.backward([1.0])
    with pytest.raises(TypeError, match="not a tensor"):
        torch.autograd.grad([(x * 2).sum(), 3.0], [x])
    assert x.grad is None


def test_requires_grad_takes_a_bool(torch):
    t = torch.ones(2)
    for flag in ("yes", 1, None):
        with pytest.raises(TypeError, match="True or False"):
            t.requires_grad_(flag)
    assert not t.requires_grad


def test_autograd_grad_returns_the_inputs_dtype(torch):
    # float32 (1, 2) * float64 () is float32, but the raw backward formula computed the
    # gradient in float64 and autograd.grad returned it so; PyTorch returns float32
    x = torch.tensor([[-0.5, 0.25]], dtype=torch.float32, requires_grad=True)
    c = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    y = x * c
    g64 = torch.tensor([[1.0, 2.0]], dtype=torch.float64)
    gx, gc = torch.autograd.grad(y, [x, c], grad_outputs=g64)
    assert gx.dtype == torch.float32 and gc.dtype == torch.float64
    assert gx.tolist() == [[1.5, 3.0]] and gc.item() == 0.0
    (hx,) = torch.autograd.grad((x * c).sum(), [x], create_graph=True)
    assert hx.dtype == torch.float32


@pytest.mark.parametrize("op", ["minimum", "maximum"])
def test_a_tie_in_the_result_dtype_is_split(torch, op):
    # fuzzer seed 15002 on numpy.  0.4492 is not a float32: as float64 it differs from the
    # float32 tensor's values, but the op compares both in float32, where they are equal, so
    # PyTorch splits the gradient (0.5 each, and the 0-d one sums its two halves)
    s = torch.tensor(0.4492, dtype=torch.float64, requires_grad=True)
    v = torch.tensor([0.4492, 0.4492], dtype=torch.float32, requires_grad=True)
    out = getattr(torch, op)(s, v)
    assert out.dtype == torch.float32
    out.backward(torch.tensor([1.0, 3.0]))
    assert s.grad.item() == pytest.approx(2.0)
    assert v.grad.tolist() == [0.5, 1.5]


def test_maximum_against_a_number_splits_ties(torch):
    x = torch.tensor([1.0, 3.0, 2.0], requires_grad=True)
    torch.maximum(x, 2.0).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.5]


@pytest.mark.parametrize("shapes", [((1, 2), (2, 2, 2)), ((2,), (2,)), ((2, 2), (2,))])
def test_matmul_refuses_mixed_dtypes(torch, shapes):
    # fuzzer seed 19079: PyTorch's matrix products never promote (RuntimeError), where the
    # array namespace would have computed a float64 result
    a = torch.ones(*shapes[0], requires_grad=True)
    b = torch.ones(*shapes[1], dtype=torch.float64)
    with pytest.raises(RuntimeError, match="same dtype.*float32 and float64"):
        a @ b
    assert a.grad is None and a._version == 0


def test_matmul_refuses_non_tensors(torch):
    with pytest.raises(TypeError, match="must be tensors"):
        torch.ones(2, 3) @ [[1.0], [2.0], [3.0]]


# --------------------------------------------------------------------------- issue 16's seeds
def test_seed_49257_pruned_backward_still_fills_the_single_outputs_retained_grad(torch):
    # backward(inputs=[t1]) of one output: its node's retain_grad and hooks run although
    # nothing below it leads to t1 (PyTorch's graph root always runs its tensor pre-hooks)
    t10 = torch.tensor([-2.0, -1.5], dtype=torch.float64, requires_grad=True)
    t1 = torch.tensor([-1.0, 1.0], dtype=torch.float64, requires_grad=True)
    t11 = t10 * 2
    t11.retain_grad()
    t11.backward(torch.tensor([-0.5, 1.5], dtype=torch.float64), retain_graph=True)
    t11.backward(torch.tensor([0.25, -1.0], dtype=torch.float64), inputs=[t1])
    assert t11.grad.tolist() == [-0.25, 0.5]
    assert t10.grad.tolist() == [-1.0, 3.0] and t1.grad is None


def test_seed_64845_cat_of_a_transposed_tensor_can_be_viewed(torch):
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]],
                     dtype=torch.float64, requires_grad=True)
    y = torch.cat([x.t()], dim=0)
    assert y.view((9,)).tolist() == [1.0, 4.0, 7.0, 2.0, 5.0, 8.0, 3.0, 6.0, 9.0]
    y.view((9,)).sum().backward()
    assert x.grad.tolist() == [[1.0] * 3] * 3


def test_where_condition_is_freed_like_pytorchs(torch):
    x1 = torch.tensor(-0.9, dtype=torch.float64, requires_grad=True)
    t1 = torch.where(torch.tensor(True), x1, torch.tensor(0.0, dtype=torch.float64))
    t1.backward()
    with pytest.raises(gradspec.GraphFreedError):
        t1.backward()
    assert x1.grad.item() == 1.0


def test_plain_backward_into_a_differentiable_grad_is_in_place(torch):
    x = torch.tensor([-1.0], dtype=torch.float64, requires_grad=True)
    torch.pow(x, 3).backward(create_graph=True)
    g = x.grad
    g.backward()
    assert x.grad is g and g.tolist() == [-3.0] and g.grad_fn is not None


@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("float64", "float32")])
def test_seed_138551_cross_entropy_of_mixed_float_dtypes_is_computed_in_the_wider(torch, dtypes):
    # PyTorch promotes probability targets and scores (float32 with float64 gives float64)
    a = torch.tensor([[2.5, 0.5]], dtype=getattr(torch, dtypes[0]), requires_grad=True)
    t = torch.tensor([[1.0, 0.0]], dtype=getattr(torch, dtypes[1]), requires_grad=True)
    loss = torch.cross_entropy(a, t, reduction="sum")
    assert loss.dtype == torch.float64
    loss.backward()
    assert a.grad.dtype == a.dtype and t.grad.dtype == t.dtype
    assert abs(a.grad.tolist()[0][0] - (-0.11920292202211769)) < 1e-6


def test_seed_76973_observing_a_lazy_zero_grad_does_not_crash(tmp_path):
    """The segmentation fault of the long run (seed 76973): a double backward leaves PyTorch's
    lazy zeros (a ZeroTensor) as a leaf's .grad, and torch 2.13 crashes the interpreter
    converting one with numpy(force=True); the fuzzer's runner observed .grad that way.  Run in
    a child process, so a regression fails this test instead of killing the test run."""
    import subprocess
    import sys

    load_or_skip("torch")
    script = tmp_path / "seed_76973.py"
    script.write_text(
        "import gradspec\n"
        "from gradspec.conformance.fuzz.runner import observe\n"
        "T = gradspec.load_backend('torch')\n"
        "t1 = T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True)\n"
        "t4 = T.tensor([3.0, 4.0], dtype=T.float64, requires_grad=True)\n"
        "(g,) = T.autograd.grad(T.stack([t1, t4]).abs().sum(), [t1], create_graph=True)\n"
        "(g * g).sum().backward()  # t4.grad: a ZeroTensor\n"
        "print(observe(T, t4.grad).value.tolist())\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-X", "faulthandler", str(script)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"exit {done.returncode}:\n{done.stderr[-3000:]}"
    assert done.stdout.strip() == "[0.0, 0.0]"

# ---------------------------------------------------------------- issue 12's ops (fuzzer, 2026)
@pytest.mark.parametrize("op", ["amin", "amax", "median"])
def test_reductions_that_save_their_result_refuse_it_modified_in_place(torch, op):
    # fuzzer seeds 42 and 74 (issue 12's generator): PyTorch's amin/amax/median save input and
    # result for backward, so an in-place update of the result makes backward raise
    x = torch.tensor([[1.0, 2.0]], dtype=torch.float64, requires_grad=True)
    y = getattr(x, op)()
    y.add_(0.5)
    with pytest.raises(gradspec.SavedTensorModifiedError):
        y.backward()


def test_diagonal_is_a_view_of_its_input(torch):
    # fuzzer seeds 1596 and 1694: in place on a diagonal writes the base; on a diagonal of a
    # leaf that requires grad it raises, as PyTorch's diagonal is a view
    base = torch.tensor([[1.0, 2.0], [1.5, 2.0], [1.5, 1.0]], dtype=torch.float64)
    base.diagonal(-1).mul_(0.5)
    assert base.tolist() == [[1.0, 2.0], [0.75, 2.0], [1.5, 0.5]] and base._version == 1
    leaf = torch.tensor([[-1.0, 0.0], [-1.0, 1.5]], dtype=torch.float64, requires_grad=True)
    with pytest.raises(gradspec.LeafInPlaceError):
        leaf.diagonal().sub_(1.0)


def test_cumprod_along_one_element_passes_the_gradient_through(torch):
    # fuzzer seeds 889 and 1014: PyTorch returns the incoming gradient itself (no graph)
    x = torch.tensor([[0.0, -1.0]], dtype=torch.float64, requires_grad=True)
    y = x.cumprod(0)
    g = torch.tensor([[2.0, 3.0]], dtype=torch.float64)
    (dx,) = torch.autograd.grad(y, x, g, create_graph=True)
    assert dx.tolist() == [[2.0, 3.0]] and not dx.requires_grad


@pytest.mark.parametrize("make", [
    lambda t, x: t.leaky_relu(x),
    lambda t, x: t.hardtanh(x),
    lambda t, x: t.linalg.vector_norm(x, float("inf")),
])
def test_piecewise_linear_derivatives_keep_their_input_in_the_graph(torch, make):
    # fuzzer seeds 1554 and 2376: under create_graph, PyTorch's derivative of leaky_relu,
    # hardtanh and the inf-norm depends on the input (with a zero derivative), so it requires
    # grad even when the incoming gradient does not
    x = torch.tensor([0.5, -0.25], dtype=torch.float64, requires_grad=True)
    (dx,) = torch.autograd.grad(make(torch, x).sum(), x, create_graph=True)
    assert dx.requires_grad
    (ddx,) = torch.autograd.grad(dx.sum(), x, allow_unused=True)
    assert ddx is None or ddx.tolist() == [0.0, 0.0]


def test_cumsum_of_a_0d_tensor(torch):
    # fuzzer seed 8233
    x = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    y = torch.cumsum(x, 0)
    y.backward()
    assert y.grad_fn is not None and y.grad_fn.name() == "CumsumBackward0"
    assert x.grad.item() == 1.0


# ------------------------------------------------------ issue 16's campaign on the merged generator
def test_seed_26963_prod_of_a_0d_tensor_passes_the_gradient_through(torch):
    # PyTorch's prod_backward returns the incoming gradient itself for a 0-d input, so under
    # create_graph the derivative is not tied to the input (a 1-element 1-d input is)
    x = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    (dx,) = torch.autograd.grad(x.prod(), x, create_graph=True)
    assert dx.item() == 1.0 and not dx.requires_grad
    v = torch.tensor([1.5], dtype=torch.float64, requires_grad=True)
    (dv,) = torch.autograd.grad(v.prod(), v, create_graph=True)
    assert dv.tolist() == [1.0] and dv.requires_grad


@pytest.mark.parametrize("shape", [(1, 2, 3, 3), (2, 3, 3)])
def test_seed_20775_global_adaptive_average_is_a_mean(torch, shape):
    # PyTorch computes adaptive_avg_pool2d to (1, 1) as a mean over the last two dims
    # (MeanBackward1), whose derivative does not depend on the input
    x = torch.ones(*shape, dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.adaptive_avg_pool2d(x, (1, 1))
    assert y.grad_fn.name() == "MeanBackward1" and tuple(y.shape) == shape[:-2] + (1, 1)
    (dx,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    assert not dx.requires_grad and abs(dx.sum().item() - x.numel() / 9) < 1e-12


# seeds 42810, 44877 and 57929: PyTorch's batch-norm backward does not take the bias
def test_seed_42810_batch_norm_bias_gradient_is_not_tied_to_the_input(torch):
    x = torch.tensor([[[0.0, 1.0]]], dtype=torch.float64)
    w = torch.tensor([2.0], dtype=torch.float64)
    b = torch.tensor([-1.5], dtype=torch.float64, requires_grad=True)
    y = torch.batch_norm(x, None, None, w, b, True)
    g = torch.tensor([[[-0.25, 0.5]]], dtype=torch.float64)
    (db,) = torch.autograd.grad(y, [b], grad_outputs=g, create_graph=True)
    assert db.tolist() == [0.25] and not db.requires_grad



# numpy's NaN warnings leak from the compiled core (a known gap: test_floating_point_warnings.py)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_seed_98163_nll_loss_gradient_is_zero_off_its_targets_even_for_a_nan_upstream(torch):
    # every target ignored: the mean is NaN and so is the gradient reaching the loss's node;
    # PyTorch's nll backward writes only the kept targets' positions, so the input's gradient
    # is 0 (seed 87924 the same through log(loss * loss + 0.5))
    x = torch.tensor([[1.5, 0.5, -0.5], [1.5, -0.5, -1.0]], dtype=torch.float64,
                     requires_grad=True)
    loss = torch.nll_loss(x, torch.tensor([2, 2]), ignore_index=2, reduction="mean")
    torch.linalg.vector_norm(loss, 2).backward()
    assert x.grad.tolist() == [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    # one target kept, an infinite upstream gradient: only that target's entry is non-zero
    y = torch.tensor([[1.5, 0.5, -0.5], [1.5, -0.5, -1.0]], dtype=torch.float64,
                     requires_grad=True)
    torch.nll_loss(y, torch.tensor([1, 2]), ignore_index=2, reduction="sum").backward(
        torch.tensor(float("inf"), dtype=torch.float64))
    assert y.grad.tolist() == [[0.0, -float("inf"), 0.0], [0.0, 0.0, 0.0]]
