"""utils.data.WeightedRandomSampler: draws in proportion to the weights (zero weights never),
without replacement each index at most once with the first draw still in proportion,
repeatable from a seed or a Generator, usable as a DataLoader's sampler, torch's errors; on
numpy, strict and the torch adapter."""

from __future__ import annotations

import numpy as np
import pytest
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


def test_draws_follow_the_weights(bk):
    weights = [1.0, 0.0, 3.0, 6.0]
    bk.manual_seed(0)
    sampler = bk.utils.data.WeightedRandomSampler(weights, 20000)
    draws = list(sampler)
    assert len(draws) == len(sampler) == 20000
    freq = np.bincount(draws, minlength=4) / 20000
    np.testing.assert_allclose(freq, np.array(weights) / 10, atol=0.015)
    assert freq[1] == 0


def test_without_replacement_each_index_once_first_in_proportion(bk):
    weights = bk.tensor([1.0, 2.0, 0.0, 7.0])
    sampler = bk.utils.data.WeightedRandomSampler(weights, 3, replacement=False)
    bk.manual_seed(1)
    firsts = []
    for _ in range(3000):
        draws = list(sampler)
        assert sorted(draws) == [0, 1, 3]  # the zero weight is never drawn
        firsts.append(draws[0])
    freq = np.bincount(firsts, minlength=4) / 3000
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.0, 0.7], atol=0.03)


def test_repeatable_and_usable_by_a_loader(bk):
    D = bk.utils.data
    sampler = D.WeightedRandomSampler([0.5, 0.5, 2.0], 6, generator=bk.Generator().manual_seed(3))
    again = D.WeightedRandomSampler([0.5, 0.5, 2.0], 6, generator=bk.Generator().manual_seed(3))
    assert list(sampler) == list(again)
    data = D.TensorDataset(bk.tensor([[10.0], [20.0], [30.0]]))
    loader = D.DataLoader(data, batch_size=2, sampler=D.WeightedRandomSampler([0, 0, 1.0], 4))
    batches = [b[0].tolist() for b in loader]
    assert batches == [[[30.0], [30.0]], [[30.0], [30.0]]]


def test_bad_arguments_are_refused_as_torch(bk):
    S = bk.utils.data.WeightedRandomSampler
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        S([1.0], 0)
    with pytest.raises(ValueError, match="replacement should be a boolean"):
        S([1.0], 1, replacement=1)
    with pytest.raises(RuntimeError, match="probability entry < 0"):
        S([1.0, -1.0], 2)
    with pytest.raises(RuntimeError, match="sum of probabilities <= 0"):
        S([0.0, 0.0], 2)
    with pytest.raises(RuntimeError, match="without replacement"):
        S([1.0, 0.0, 1.0], 3, replacement=False)
    with pytest.raises(ValueError, match="1d sequence"):
        S([[1.0, 2.0]], 1)
