"""torch.nn.utils.rnn on gradspec (pad_sequence, packing and unpacking, PackedSequence) and the
recurrent layers on packed input, against torch: the same values, batch sizes, orders and
gradients, on numpy, strict and the torch adapter; and the errors for bad lengths."""

from __future__ import annotations

import numpy as np
import pytest
from support import load_or_skip

BACKENDS = ["numpy", "strict", "torch"]


@pytest.fixture(params=BACKENDS)
def bk(request):
    return load_or_skip(request.param)


@pytest.fixture(scope="module")
def T():
    return pytest.importorskip("torch", reason="torch.nn.utils.rnn is the reference")


def host(t):
    return np.asarray(t.detach().tolist(), dtype=np.float64)


def _sequences(lengths, trailing=(3,), seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(n,) + trailing) for n in lengths]


def _both(bk, T, arrays, run):
    """``run(torch, inputs)`` on both libraries with leaf tensors made from ``arrays``; each
    result's tensors weighted by fixed random numbers and backpropagated.  Returns the results
    and the inputs' gradients, ours first."""
    out = []
    for torch in (bk, T):
        inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
        result = run(torch, inputs)
        tensors = [r for r in result if r is not None and r.is_floating_point()]
        total = None
        for i, r in enumerate(tensors):
            w = np.random.default_rng(10 + i).normal(size=tuple(r.shape))
            term = (r * torch.tensor(w)).sum()
            total = term if total is None else total + term
        total.backward()
        out.append((result, [x.grad for x in inputs]))
    return out


def _close(a, b):
    np.testing.assert_allclose(host(a), host(b), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_like_torch(bk, T, batch_first, side):
    arrays = _sequences([2, 4, 1])

    def run(torch, xs):
        return [torch.nn.utils.rnn.pad_sequence(xs, batch_first=batch_first,
                                                padding_value=-1.5, padding_side=side)]

    (ours, our_grads), (theirs, their_grads) = _both(bk, T, arrays, run)
    assert tuple(ours[0].shape) == tuple(theirs[0].shape)
    _close(ours[0], theirs[0])
    for a, b in zip(our_grads, their_grads):
        _close(a, b)


def test_pad_sequence_of_vectors_like_torch(bk, T):
    ours = bk.nn.utils.rnn.pad_sequence([bk.tensor([1.0, 2.0]), bk.tensor([3.0])])
    theirs = T.nn.utils.rnn.pad_sequence([T.tensor([1.0, 2.0]), T.tensor([3.0])])
    assert host(ours).tolist() == host(theirs).tolist()


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_and_pad_back_like_torch(bk, T, batch_first, enforce_sorted):
    lengths = [5, 3, 2, 1] if enforce_sorted else [2, 5, 1, 3]
    data = np.random.default_rng(1).normal(size=(4, 5, 3) if batch_first else (5, 4, 3))

    def run(torch, xs):
        R = torch.nn.utils.rnn
        packed = R.pack_padded_sequence(xs[0], lengths, batch_first=batch_first,
                                        enforce_sorted=enforce_sorted)
        padded, out_lengths = R.pad_packed_sequence(packed, batch_first=batch_first,
                                                    padding_value=7.0, total_length=6)
        return [packed.data, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices,
                padded, out_lengths]

    (ours, our_grads), (theirs, their_grads) = _both(bk, T, [data], run)
    for a, b in zip(ours, theirs):
        if b is None:
            assert a is None
        else:
            assert str(a.dtype).rsplit(".", 1)[-1] == str(b.dtype).rsplit(".", 1)[-1]
            _close(a, b)
    _close(our_grads[0], their_grads[0])


def test_pack_sequence_and_unpack_like_torch(bk, T):
    arrays = _sequences([2, 4, 3], trailing=(2,))

    def run(torch, xs):
        R = torch.nn.utils.rnn
        packed = R.pack_sequence(xs, enforce_sorted=False)
        return [packed.data] + R.unpack_sequence(packed)

    (ours, our_grads), (theirs, their_grads) = _both(bk, T, arrays, run)
    for a, b in zip(ours + our_grads, theirs + their_grads):
        _close(a, b)
    padded = bk.nn.utils.rnn.pad_sequence([bk.tensor(a) for a in arrays])
    pieces = bk.nn.utils.rnn.unpad_sequence(padded, bk.tensor([2, 4, 3]))
    assert [host(p).tolist() for p in pieces] == [a.tolist() for a in arrays]


LAYERS = [
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("GRU", dict(batch_first=True)),
    ("RNN", dict(nonlinearity="relu", bidirectional=True)),
]


@pytest.mark.parametrize("kind,kw", LAYERS, ids=[k for k, _ in LAYERS])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("with_state", [False, True])
def test_recurrent_layers_on_packed_input_like_torch(bk, T, kind, kw, enforce_sorted,
                                                     with_state):
    theirs = getattr(T.nn, kind)(3, 4, **kw).double()
    ours = getattr(bk.nn, kind)(3, 4, dtype=bk.float64, **kw)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    lengths = [5, 4, 2] if enforce_sorted else [2, 5, 4]
    first = kw.get("batch_first", False)
    rng = np.random.default_rng(2)
    data = rng.normal(size=(3, 5, 3) if first else (5, 3, 3))
    states = 2 * kw.get("num_layers", 1) if kw.get("bidirectional") else kw.get("num_layers", 1)
    arrays = [data] + ([rng.normal(size=(states, 3, 4)) for _ in range(2 if kind == "LSTM"
                                                                        else 1)]
                       if with_state else [])

    def run(torch, xs):
        R = torch.nn.utils.rnn
        layer = ours if torch is bk else theirs
        packed = R.pack_padded_sequence(xs[0], lengths, batch_first=first,
                                        enforce_sorted=enforce_sorted)
        hx = None if not with_state else (tuple(xs[1:]) if kind == "LSTM" else xs[1])
        out, h = layer(packed, hx)
        assert type(out).__name__ == "PackedSequence"
        padded, _ = R.pad_packed_sequence(out, batch_first=first)
        return [out.data, padded] + (list(h) if kind == "LSTM" else [h])

    (ours_out, our_grads), (theirs_out, their_grads) = _both(bk, T, arrays, run)
    for a, b in zip(ours_out, theirs_out):
        assert tuple(a.shape) == tuple(b.shape)
        _close(a, b)
    for a, b in zip(our_grads, their_grads):
        _close(a, b)
    for (name, a), b in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(host(a.grad), host(b.grad), rtol=1e-9, atol=1e-12,
                                   err_msg=name)


def test_packed_sequence_keeps_its_fields(bk):
    R = bk.nn.utils.rnn
    packed = R.pack_sequence([bk.ones(3, 2), bk.ones(1, 2)])
    assert packed.sorted_indices is None and packed.unsorted_indices is None
    assert host(packed.batch_sizes).tolist() == [2, 1, 1]
    data, batch_sizes, _, _ = packed  # a named tuple, as torch's
    assert tuple(data.shape) == (4, 2)
    doubled = packed.double()
    assert doubled.data.dtype == bk.float64 and doubled.batch_sizes is packed.batch_sizes
    assert packed.float() is packed and not packed.is_cuda
    assert host(R.invert_permutation(bk.tensor([2, 0, 1]))).tolist() == [1, 2, 0]


def test_bad_lengths_are_refused_with_the_reason(bk):
    R = bk.nn.utils.rnn
    x = bk.zeros(4, 3, 2)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        R.pack_padded_sequence(x, [2, 3, 1])
    with pytest.raises(RuntimeError, match=r"equal to batch_size, but got 2 \(batch_size=3\)"):
        R.pack_padded_sequence(x, [3, 1])
    with pytest.raises(RuntimeError, match="greater than 0"):
        R.pack_padded_sequence(x, [3, 0, 1], enforce_sorted=False)
    with pytest.raises(RuntimeError, match="longest sequence has 5 steps, but the input holds "
                                           "only 4"):
        R.pack_padded_sequence(x, [5, 2, 1])
    packed = R.pack_padded_sequence(x, [4, 2, 1])
    with pytest.raises(ValueError, match="total_length=3 and max sequence length being 4"):
        R.pad_packed_sequence(packed, total_length=3)
    with pytest.raises(TypeError, match="expected a PackedSequence"):
        R.pad_packed_sequence(x)
    with pytest.raises(RuntimeError, match="padding_side to be one of left or right"):
        R.pad_sequence([bk.ones(2)], padding_side="middle")
    with pytest.raises(RuntimeError, match="empty list"):
        R.pad_sequence([])
    with pytest.raises(RuntimeError, match=r"same dimensions after the first; got \(2, 2\) "
                                           r"and \(3, 3\)"):
        R.pad_sequence([bk.ones(2, 2), bk.ones(3, 3)])
    lstm = bk.nn.LSTM(2, 3)
    with pytest.raises(RuntimeError, match="Expected 2, got 5"):
        lstm(R.pack_sequence([bk.ones(2, 5)]))
