"""Errors open with PyTorch's own sentence (programs print caught exceptions, and people search
for PyTorch's words), then may add gradspec's hint on what to do.  Each case runs on PyTorch and
on the engine: the same builtin kind, and our message starts with PyTorch's first line."""

from __future__ import annotations

import builtins

import pytest

from support import load_or_skip

ENGINES = ["numpy", "strict"]


def _cases():
    m = lambda t: t.ones(2, 3)  # noqa: E731 - a 2x3 matrix of each backend
    v = lambda t, n: t.ones(n)  # noqa: E731
    F = lambda t: t.nn.functional  # noqa: E731
    singular = lambda t: t.stack([t.eye(3), t.tensor([[1.0, 2, 3], [2, 4, 6], [1, 1, 1]])])  # noqa: E731
    return {
        # matrix products, in the words of the kernel PyTorch hands each shape to
        "mv of a mismatched vector": lambda t: t.mv(m(t), v(t, 4)),
        "mv of a batch": lambda t: t.mv(t.ones(2, 3, 4), v(t, 4)),
        "matrix @ vector": lambda t: m(t) @ v(t, 4),
        "batch @ vector": lambda t: t.ones(5, 2, 3) @ v(t, 4),
        "vector @ vector": lambda t: v(t, 3) @ v(t, 4),
        "dot of mismatched vectors": lambda t: t.dot(v(t, 3), v(t, 4)),
        "dot of a matrix": lambda t: t.dot(m(t), v(t, 4)),
        "vector @ batch": lambda t: v(t, 4) @ t.ones(5, 2, 3),
        "batch @ batch": lambda t: t.ones(5, 2, 3) @ t.ones(5, 4, 2),
        "batch @ matrix folds the rows": lambda t: t.ones(5, 2, 3) @ t.ones(4, 2),
        "batches that do not broadcast": lambda t: t.ones(3, 2, 3) @ t.ones(4, 3, 2),
        "mm of a vector": lambda t: t.mm(m(t), v(t, 2)),
        "mm by a vector": lambda t: t.mm(v(t, 2), m(t)),
        "bmm of matrices": lambda t: t.bmm(m(t), m(t)),
        "bmm of a matrix second": lambda t: t.bmm(t.ones(2, 2, 3), m(t)),
        "bmm of mismatched batches": lambda t: t.bmm(t.ones(2, 2, 3), t.ones(3, 3, 2)),
        "addmm of a vector": lambda t: t.addmm(v(t, 1), v(t, 2), m(t)),
        "linear of a 3-d input": lambda t: F(t).linear(t.ones(5, 2, 3), t.ones(4, 5)),
        # indexing and shapes
        "index past None": lambda t: m(t)[None, 0, 5],
        "index past two Nones": lambda t: m(t)[None, None, 1, 9],
        "mask of the wrong length": lambda t: m(t)[t.tensor([True, False, True])],
        "mask on the second dim": lambda t: m(t)[:, t.tensor([True, False])],
        "ragged nested lists": lambda t: t.tensor([[1, 2], [3]]),
        "ragged deeper": lambda t: t.tensor([[[1], [2]], [[3]]]),
        "a number among rows": lambda t: t.tensor([[1, 2], 3]),
        "unflatten to the wrong sizes": lambda t: m(t).unflatten(1, (2, 2)),
        "unflatten with -1": lambda t: m(t).unflatten(1, (-1, 2)),
        "unflatten past the dims": lambda t: m(t).unflatten(3, (3,)),
        "flatten past the dims": lambda t: m(t).flatten(2),
        "flatten from before the dims": lambda t: m(t).flatten(-3),
        "unsqueeze past the dims": lambda t: m(t).unsqueeze(3),
        "sum over a repeated dim": lambda t: m(t).sum(dim=(0, 0)),
        "mean over a dim named twice": lambda t: m(t).mean(dim=(1, -1)),
        "split of size 0": lambda t: m(t).split(0),
        "split of a negative size": lambda t: m(t).split(-1),
        "roll past the dims": lambda t: m(t).roll(1, 5),
        "index_select past dim 0": lambda t: t.index_select(m(t), 0, t.tensor([5])),
        "index_select past dim 1": lambda t: t.index_select(m(t), 1, t.tensor([3])),
        "index_add_ past dim 0": lambda t: t.zeros(3).index_add_(0, t.tensor([5]), t.ones(1)),
        "index_copy_ past dim 0": lambda t: t.zeros(3).index_copy_(0, t.tensor([5]), t.ones(1)),
        "gather of a vector index": lambda t: m(t).gather(1, t.tensor([0])),
        "scatter of a vector index": lambda t: t.zeros(2, 3).scatter(1, t.tensor([0]), 1.0),
        "masked_fill of a mask that does not broadcast":
            lambda t: m(t).masked_fill(t.ones(3, 3, dtype=t.bool), 0),
        "where, condition against input":
            lambda t: t.where(m(t) > 0, t.ones(2), t.ones(4)),
        "where, condition against the result":
            lambda t: t.where(t.ones(4) > 0, m(t), t.ones(3)),
        # layers and losses
        "cross_entropy, batch sizes differ": lambda t: F(t).cross_entropy(t.ones(3, 4), t.tensor([1, 2])),
        "cross_entropy, float targets of a batch": lambda t: F(t).cross_entropy(t.ones(3, 4), t.ones(2)),
        "cross_entropy, float class indices": lambda t: F(t).cross_entropy(t.ones(3, 4), t.ones(3)),
        "cross_entropy, int32 class indices":
            lambda t: F(t).cross_entropy(t.ones(3, 4), t.tensor([1, 2, 3], dtype=t.int32)),
        "cross_entropy, 2-d integer targets":
            lambda t: F(t).cross_entropy(t.ones(3, 4), t.ones(3, 5, dtype=t.long)),
        "cross_entropy, integer probabilities":
            lambda t: F(t).cross_entropy(t.ones(3, 4), t.ones(3, 4, dtype=t.long)),
        "cross_entropy, integer probabilities of a 3-d input":
            lambda t: F(t).cross_entropy(t.ones(3, 4, 5), t.ones(3, 4, 5, dtype=t.long)),
        "cross_entropy, a 0-d target": lambda t: F(t).cross_entropy(t.ones(3, 4), t.tensor(1)),
        "cross_entropy of integer scores":
            lambda t: F(t).cross_entropy(t.ones(3, 4, dtype=t.long), t.ones(3, dtype=t.long)),
        "nll_loss, 2-d targets": lambda t: F(t).nll_loss(t.ones(3, 4), t.ones(3, 4, dtype=t.long)),
        "embedding of float indices": lambda t: F(t).embedding(t.tensor([1.0]), t.ones(3, 2)),
        "embedding of int16 indices":
            lambda t: F(t).embedding(t.tensor([1], dtype=t.int16), t.ones(3, 2)),
        "one_hot past num_classes": lambda t: F(t).one_hot(t.tensor([3]), 2),
        "one_hot of a negative class": lambda t: F(t).one_hot(t.tensor([-1])),
        "max_pool2d of a small input": lambda t: F(t).max_pool2d(t.ones(1, 1, 2, 2), 3),
        "avg_pool2d of a small input": lambda t: F(t).avg_pool2d(t.ones(1, 1, 2, 2), 3),
        "conv2d of a small input": lambda t: F(t).conv2d(t.ones(1, 1, 2, 2), t.ones(1, 1, 3, 3)),
        # linear algebra: where the factorization broke down, and which matrix of a batch
        "inv of zeros": lambda t: t.linalg.inv(t.zeros(2, 2)),
        "inv of a rank-1 matrix": lambda t: t.linalg.inv(t.tensor([[1.0, 2.0], [2.0, 4.0]])),
        "inv of a batch": lambda t: t.linalg.inv(singular(t)),
        "cholesky of a batch": lambda t: t.linalg.cholesky(singular(t)),
        "cholesky of -I": lambda t: t.linalg.cholesky(-t.eye(2)),
        "cholesky, second minor": lambda t: t.linalg.cholesky(t.tensor([[1.0, 2.0], [2.0, 1.0]])),
        "solve of a singular batch": lambda t: t.linalg.solve(singular(t), t.ones(2, 3)),
    }


CASES = _cases()


def _builtin_kind(exc: BaseException) -> type:
    return next(k for k in type(exc).__mro__ if k.__module__ == "builtins")


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("engine", ENGINES)
def test_error_opens_with_pytorchs_sentence(engine, case):
    torch = pytest.importorskip("torch")
    ours_backend = load_or_skip(engine)
    with pytest.raises(Exception) as theirs:
        CASES[case](torch)
    with pytest.raises(Exception) as ours:
        CASES[case](ours_backend)
    assert isinstance(ours.value, _builtin_kind(theirs.value)), (type(ours.value), type(theirs.value))
    first = str(theirs.value).split("\n")[0]
    assert str(ours.value).startswith(first), (str(ours.value), first)


def test_the_hints_after_pytorchs_words_still_say_what_to_do():
    B = load_or_skip("numpy")
    with pytest.raises(RuntimeError, match=r"size mismatch.*: the matrix's last dimension must"):
        B.ones(2, 3) @ B.ones(4)
    with pytest.raises(ValueError, match=r"at dim 1 \(got 1\): every row of nested data"):
        B.tensor([[1, 2], [3]])
    with pytest.raises(RuntimeError, match=r"multi-target not supported \(cross_entropy: scores"):
        B.nn.functional.cross_entropy(B.ones(3, 4), B.ones(3, 5, dtype=B.long))


def test_flatten_refuses_dims_it_does_not_have():
    """flatten(2) of a matrix was silently the identity (the dims wrapped around)."""
    B = load_or_skip("numpy")
    x = B.arange(6.0).reshape(2, 3)
    for start, end in ((2, -1), (0, 2), (-3, -1)):
        with pytest.raises(IndexError, match="Dimension out of range"):
            x.flatten(start, end)
    assert x.flatten(1).shape == (2, 3) and x.flatten().shape == (6,)
    assert B.tensor(5.0).flatten().shape == (1,)
    with pytest.raises(IndexError, match="Dimension out of range"):
        B.nn.Flatten(2)(x)
