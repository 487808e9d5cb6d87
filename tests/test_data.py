"""gradspec.utils.data (torch.utils.data): datasets, loaders, samplers, splits, against PyTorch."""

from __future__ import annotations

import pytest

from gradspec.utils import data
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.utils.data is the reference")


def _batches(loader):
    return [[b.tolist() for b in batch] if isinstance(batch, list) else batch.tolist()
            for batch in loader]


@pytest.mark.parametrize("kwargs", [dict(batch_size=4), dict(batch_size=4, drop_last=True),
                                    dict(batch_size=1), dict(batch_size=10), dict(batch_size=3)])
def test_unshuffled_batches_are_torchs(bk, T, kwargs):
    from torch.utils.data import DataLoader as TorchLoader, TensorDataset as TorchDataset

    ours = bk.utils.data.DataLoader(bk.utils.data.TensorDataset(
        bk.arange(20.0).reshape(10, 2), bk.arange(10)), **kwargs)
    theirs = TorchLoader(TorchDataset(T.arange(20.0).reshape(10, 2), T.arange(10)), **kwargs)
    assert len(ours) == len(theirs) and _batches(ours) == _batches(theirs)
    first = next(iter(ours))
    assert type(first) is list and first[1].dtype == bk.int64


def test_default_collate_is_torchs(bk, T):
    from torch.utils.data import DataLoader as TorchLoader

    class Samples(data.Dataset):
        def __init__(self, m):
            self.m = m

        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": self.m.tensor([float(i), -float(i)]), "half": i / 2, "k": i, "ok": i > 2,
                    "name": f"s{i}"}, (i, float(i))

    ours = list(bk.utils.data.DataLoader(Samples(bk), batch_size=2))
    theirs = list(TorchLoader(Samples(T), batch_size=2))
    assert len(ours) == len(theirs) == 3
    for (od, ot), (td, tt) in zip(ours, theirs):
        assert sorted(od) == sorted(td)
        for key in ("x", "half", "k", "ok"):
            assert od[key].tolist() == td[key].tolist()
            assert repr(od[key].dtype) == repr(td[key].dtype)
        assert od["name"] == td["name"]
        assert [t.tolist() for t in ot] == [t.tolist() for t in tt]


def test_strings_and_named_tuples_collate_as_torchs(bk, T):
    """The strings of one position of tuple samples come back as a tuple (a list at the top),
    a named tuple stays one."""
    import collections

    from torch.utils.data import DataLoader as TorchLoader, default_collate as torch_collate

    Pair = collections.namedtuple("Pair", "x y")
    results = []
    for m, loader, collate in ((bk, bk.utils.data.DataLoader, bk.utils.data.default_collate),
                               (T, TorchLoader, torch_collate)):
        _, names = next(iter(loader([(m.ones(1), "a.jpg"), (m.ones(1), "b.jpg")], batch_size=2)))
        pair = collate([Pair(m.ones(2), 1), Pair(m.zeros(2), 2)])
        mixed = collate([[1, "a"], [2, "b"]])
        results.append((names, type(pair).__name__, pair.y.tolist(), collate(["a", "b"]),
                        mixed[1]))
    assert results[0] == results[1]
    assert results[0][0] == ("a.jpg", "b.jpg")


def test_shuffle_is_a_permutation_each_epoch_and_repeatable(bk):
    ds = bk.utils.data.TensorDataset(bk.arange(12.0))

    def epochs(seed):
        g = bk.Generator().manual_seed(seed)
        loader = bk.utils.data.DataLoader(ds, batch_size=5, shuffle=True, generator=g)
        return [[v for (b,) in loader for v in b.tolist()] for _ in range(3)]

    first = epochs(42)
    assert all(sorted(e) == [float(i) for i in range(12)] for e in first)
    assert first == epochs(42) and first[0] != first[1]
    bk.manual_seed(5)
    loader = bk.utils.data.DataLoader(ds, batch_size=4, shuffle=True)
    a = [v for (b,) in loader for v in b.tolist()]
    bk.manual_seed(5)
    assert a == [v for (b,) in loader for v in b.tolist()]


def test_random_split_lengths_are_torchs(bk, T):
    from torch.utils.data import random_split as torch_split

    ds = bk.utils.data.TensorDataset(bk.arange(10.0))
    for lengths in ([7, 3], [0.5, 0.3, 0.2], [0.33, 0.33, 0.34], [1.0]):
        ours = bk.utils.data.random_split(ds, lengths, generator=bk.Generator().manual_seed(1))
        theirs = torch_split(range(10), lengths, generator=T.Generator().manual_seed(1))
        assert [len(p) for p in ours] == [len(p) for p in theirs]
        items = sorted(v for p in ours for i in range(len(p)) for v in p[i][0].reshape(1).tolist())
        assert items == [float(i) for i in range(10)]
    with pytest.raises(ValueError, match="Sum of input lengths"):
        bk.utils.data.random_split(ds, [5, 6])


def test_samplers_and_subsets(bk, T):
    from torch.utils.data import BatchSampler as TorchBatch, SequentialSampler as TorchSeq

    assert list(data.BatchSampler(data.SequentialSampler(range(7)), 3, False)) == list(
        TorchBatch(TorchSeq(range(7)), 3, False))
    assert len(data.BatchSampler(range(7), 3, True)) == len(TorchBatch(range(7), 3, True)) == 2
    sub = data.Subset(bk.utils.data.TensorDataset(bk.arange(5.0)), [4, 0])
    assert [sub[i][0].item() for i in range(len(sub))] == [4.0, 0.0]
    both = data.ConcatDataset([range(3), range(10, 12)])
    assert [both[i] for i in range(len(both))] == [0, 1, 2, 10, 11] and both[-1] == 11
    sampler = bk.utils.data.RandomSampler(range(6), generator=bk.Generator().manual_seed(0))
    assert sorted(sampler) == list(range(6)) and len(sampler) == 6
    draws = list(bk.utils.data.RandomSampler(range(3), replacement=True, num_samples=20))
    assert len(draws) == 20 and set(draws) <= {0, 1, 2}
    chosen = list(bk.utils.data.SubsetRandomSampler([5, 7, 9]))
    assert sorted(chosen) == [5, 7, 9]


def test_iterable_datasets_and_unbatched_loading(bk):
    class Stream(data.IterableDataset):
        def __iter__(self):
            return iter(bk.tensor([float(i)]) for i in range(5))

    assert [b.tolist() for b in data.DataLoader(Stream(), batch_size=2)] == [
        [[0.0], [1.0]], [[2.0], [3.0]], [[4.0]]]
    loader = data.DataLoader([bk.ones(2), bk.zeros(2)], batch_size=None)
    assert [t.tolist() for t in loader] == [[1.0, 1.0], [0.0, 0.0]] and len(loader) == 2


def test_mistakes_are_refused_as_torch_refuses_them(bk):
    ds = bk.utils.data.TensorDataset(bk.ones(3))
    with pytest.raises(ValueError, match="mutually exclusive"):
        data.DataLoader(ds, sampler=data.SequentialSampler(ds), shuffle=True)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        data.DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="num_workers"):
        data.DataLoader(ds, num_workers=-1)
    with pytest.raises(ValueError, match="Size mismatch"):
        data.TensorDataset(bk.ones(3), bk.ones(4))


def test_workers_are_accepted_and_batches_are_the_same(bk):
    ds = bk.utils.data.TensorDataset(bk.arange(6.0))
    # pinned memory off a GPU: PyTorch's notice, and the same batches
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no "
                                         "accelerator is found"):
        pinned = _batches(data.DataLoader(ds, batch_size=4, num_workers=2, pin_memory=True))
    assert pinned == _batches(data.DataLoader(ds, batch_size=4))


def test_loaders_follow_the_backend_they_were_reached_through():
    numpy, strict = load_or_skip("numpy"), load_or_skip("strict")
    loader = strict.utils.data.DataLoader([1.0, 2.0, 3.0], batch_size=2)
    assert all(isinstance(b, strict.Tensor) for b in loader)
    assert all(isinstance(b, numpy.Tensor) for b in data.DataLoader([1.0, 2.0], batch_size=2))
