"""What library code imports from torch beyond the everyday surface: ``torch.jit`` (run
eagerly), the private helpers and base classes of ``torch.nn.modules``, ``torch.autograd.
Variable``, and ``torch.utils.data``'s submodules, ``ChainDataset``, ``StackDataset`` and
``get_worker_info``; each as PyTorch answers where it can be compared."""

from __future__ import annotations

import warnings

import pytest

import gradspec


def test_jit_runs_models_eagerly():
    with gradspec.as_torch("numpy") as torch:
        import torch.nn as nn

        class Block(nn.Module):
            scale: torch.jit.Final[float]

            def __init__(self):
                super().__init__()
                self.scale = 2.0

            @torch.jit.ignore
            def helper(self, x):
                return x + 1

            def forward(self, x):
                assert not torch.jit.is_scripting() and not torch.jit.is_tracing()
                return self.helper(x) * self.scale

        block = Block()
        assert torch.jit.script(block) is block
        traced = torch.jit.trace(block, torch.ones(2))
        assert traced(torch.ones(3)).tolist() == [4.0, 4.0, 4.0]
        assert torch.jit.wait(torch.jit.fork(lambda a: a * 3, torch.ones(2))).tolist() == [3.0, 3.0]
        failing = torch.jit.fork(lambda: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            failing.wait()
        assert torch.jit.annotate(int, 3) == 3 and torch.jit.unused(len) is len
        with pytest.warns(FutureWarning, match="ignore\\(True\\) has been deprecated"):
            assert torch.jit.ignore(drop=True)(len) is len


def test_private_helpers_and_base_classes_import_as_from_torch():
    with gradspec.as_torch("numpy") as torch:
        from torch.nn.modules.batchnorm import _BatchNorm
        from torch.nn.modules.conv import _ConvNd
        from torch.nn.modules.loss import _Loss
        from torch.nn.modules.utils import _pair, _quadruple, _reverse_repeat_tuple, _single

        assert _pair(3) == (3, 3) and _pair((1, 2)) == (1, 2) and _single(4) == (4,)
        assert _quadruple(0) == (0, 0, 0, 0)
        assert _reverse_repeat_tuple((1, 2), 2) == (2, 2, 1, 1)
        assert isinstance(torch.nn.BatchNorm1d(2), _BatchNorm)
        assert isinstance(torch.nn.Conv2d(1, 1, 1), _ConvNd)

        class Squared(_Loss):
            def forward(self, a, b):
                return ((a - b) ** 2).sum() if self.reduction == "sum" else ((a - b) ** 2).mean()

        assert Squared(reduction="sum")(torch.ones(2), torch.zeros(2)).item() == 2.0
        import gradspec.nn.parameter as where

        assert not callable(where._MADE)
        with pytest.raises(AttributeError):  # private data stays out of reach
            torch.nn.parameter._MADE


def test_variable_is_a_detached_tensor():
    t = gradspec.load_backend("numpy")
    x = t.ones(2)
    v = t.autograd.Variable(x, requires_grad=True)
    assert v is not x and v.requires_grad and not x.requires_grad and v.is_leaf
    y = t.ones(2, requires_grad=True) * 2
    w = t.autograd.Variable(y)
    assert w.grad_fn is None and not w.requires_grad
    assert isinstance(x, t.autograd.Variable) and not isinstance(3, t.autograd.Variable)
    with pytest.raises(TypeError, match="Variable data has to be a tensor"):
        t.autograd.Variable([1.0])


def test_data_submodules_and_datasets():
    with gradspec.as_torch("numpy") as torch:
        from torch.utils.data import ChainDataset, IterableDataset, StackDataset, TensorDataset
        from torch.utils.data import get_worker_info
        from torch.utils.data.dataloader import DataLoader, default_collate
        from torch.utils.data.dataset import Subset
        from torch.utils.data.sampler import SequentialSampler

        class Count(IterableDataset):
            def __init__(self, n):
                self.n = n

            def __iter__(self):
                return iter(range(self.n))

            def __len__(self):
                return self.n

        chain = ChainDataset([Count(2), Count(3)])
        assert list(chain) == [0, 1, 0, 1, 2] and len(chain) == 5
        a, b = TensorDataset(torch.arange(4.0)), TensorDataset(torch.arange(4) * 10)
        pair = StackDataset(a, b)
        assert len(pair) == 4 and pair[1][1][0].item() == 10
        named = StackDataset(x=a, y=b)
        batches = list(DataLoader(named, batch_size=2))
        assert batches[1]["y"][0].tolist() == [20, 30]
        with pytest.raises(ValueError, match="Size mismatch"):
            StackDataset(a, TensorDataset(torch.arange(3.0)))
        assert get_worker_info() is None
        assert default_collate([1, 2]).tolist() == [1, 2]
        assert list(SequentialSampler(range(3))) == [0, 1, 2]
        assert len(Subset(a, [0, 2])) == 2


def test_these_names_are_pytorchs_too():
    torch = pytest.importorskip("torch")
    from torch.nn.modules.utils import _pair  # noqa: F401 - what the tests above mirror
    from torch.utils.data import ChainDataset, StackDataset, get_worker_info  # noqa: F401
    from torch.utils.data.dataloader import default_collate  # noqa: F401

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert not torch.jit.is_scripting() and callable(torch.jit.trace)
    assert torch.autograd.Variable(torch.ones(2), requires_grad=True).requires_grad
