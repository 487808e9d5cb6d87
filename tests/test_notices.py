"""PyTorch's warnings on the engine: the same notices for the same calls, attributed to the
caller's line (not to gradspec's own files, compiled or not), and given once per process where
PyTorch gives them once (its TORCH_WARN_ONCE)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gradspec import notices
from support import load_or_skip


@pytest.fixture(params=["numpy", "strict"])
def bk(request):
    return load_or_skip(request.param)


def _caught(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [(str(w.message), w.filename) for w in caught]


NOTICES = {
    "T-nd": (lambda t: t.arange(3.0).T, "The use of `x.T` on tensors of dimension other than 2"),
    "T-0d": (lambda t: t.tensor(2.0).T, "Tensor.T is deprecated on 0-D tensors"),
    "float-requires-grad": (lambda t: float(t.tensor(2.0, requires_grad=True)),
                            "Converting a tensor with requires_grad=True to a scalar"),
    "backward-create-graph": (
        lambda t: (t.ones(2, requires_grad=True) ** 2).sum().backward(create_graph=True),
        "Using backward() with create_graph=True will create a reference cycle"),
    "scatter-reduce": (lambda t: t.zeros(2).scatter(0, t.tensor([0, 1]), t.ones(2),
                                                    reduce="add"),
                       "The reduce argument of torch.scatter with Tensor src is deprecated"),
}


@pytest.mark.parametrize("key", sorted(NOTICES))
def test_torchs_notice_at_the_callers_line_once_per_process(bk, key):
    call, text = NOTICES[key]
    notices._GIVEN.discard(key)
    first = _caught(lambda: call(bk))
    assert [w for w in first if w[0].startswith(text)] == [(first[0][0], __file__)]
    assert not [w for w in _caught(lambda: call(bk)) if w[0].startswith(text)]  # once


def test_quiet_where_torch_is(bk):
    assert _caught(lambda: float(bk.tensor(2.0))) == []  # no grad: nothing to say
    assert _caught(lambda: bk.ones(2, 2).T) == []
    assert _caught(lambda: bk.autograd.grad((bk.ones(2, requires_grad=True) ** 2).sum(),
                                            bk.ones(2, requires_grad=True),
                                            allow_unused=True, create_graph=True)) == []
    empty = []
    assert _caught(lambda: empty.append(bk.zeros(0).mean())) == []  # numpy's notices hushed
    assert np.isnan(empty[0].item())


def test_from_numpy_refuses_negative_strides_as_torch():
    numpy = load_or_skip("numpy")
    with pytest.raises(ValueError, match="At least one stride in the given numpy array is "
                                         "negative"):
        numpy.from_numpy(np.arange(6)[::-1])
    assert numpy.from_numpy(np.arange(6)[::-1].copy()).tolist() == [5, 4, 3, 2, 1, 0]


def _backward_through_a_hooked_layer(t):
    layer = t.nn.Linear(2, 2)
    layer.register_full_backward_hook(lambda module, grad_in, grad_out: None)
    layer(t.ones(1, 2)).sum().backward()


EVERY_TIME = {
    "kl_div mean": (lambda t: t.nn.functional.kl_div(t.zeros(2, 3), t.ones(2, 3) / 3,
                                                     reduction="mean"),
                    "reduction: 'mean' divides the total loss by both the batch size"),
    "mse_loss of mismatched shapes": (lambda t: t.nn.functional.mse_loss(t.ones(2, 1), t.ones(2)),
                                      "Using a target size (torch.Size([2])) that is different"),
    "size_average": (lambda t: t.nn.functional.l1_loss(t.ones(2), t.ones(2), size_average=True),
                     "size_average and reduce args will be deprecated"),
    "full backward hook without inputs that require grad": (
        _backward_through_a_hooked_layer, "Full backward hook is firing when gradients are "
                                          "computed with respect to module outputs"),
    "out= resized": (lambda t: t.add(t.ones(2), 1, out=t.zeros(3)),
                     "An output with one or more elements was resized"),
    "var of one element": (lambda t: t.tensor([3.0]).var(), "var(): degrees of freedom is <= 0"),
    "std with too large a correction": (lambda t: t.ones(3).std(correction=3),
                                        "std(): degrees of freedom is <= 0"),
    "a non-leaf's .grad read": (lambda t: (t.ones(2, requires_grad=True) * 2).grad,
                                "The .grad attribute of a tensor that is not a leaf"),
    "tensor() of a tensor": (lambda t: t.tensor(t.ones(2)), "To copy construct from a tensor"),
}


@pytest.mark.parametrize("key", sorted(EVERY_TIME))
def test_warnings_of_layers_and_losses_name_the_callers_line(bk, key):
    """Warnings given inside gradspec's nn (and during backward) point at the user's line, as
    PyTorch's point at the line that called the layer or ran backward."""
    call, text = EVERY_TIME[key]
    seen = [w for w in _caught(lambda: call(bk)) if w[0].startswith(text)]
    assert seen and {filename for _, filename in seen} == {__file__}
