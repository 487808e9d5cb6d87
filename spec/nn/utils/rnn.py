"""Variable-length sequences for the recurrent layers, as ``torch.nn.utils.rnn``.

`pad_sequence` stacks sequences of different lengths into one padded tensor (what a
``DataLoader``'s ``collate_fn`` usually does); `pack_padded_sequence` and `pack_sequence` pack
them into a `PackedSequence`, the time steps' rows one after another with the number of
sequences still running at each step (``batch_sizes``, longest sequence first), which `RNN`,
`LSTM` and `GRU` take in place of a padded tensor and run each sequence only to its own length;
`pad_packed_sequence` turns a packed result back into a padded tensor and the lengths.

Written with protocol ops (slicing, ``cat``, ``stack``, ``full``) and ``index_select`` where a
batch is reordered, so gradients flow through packing and unpacking as through any op.
Lengths are read on the host, as torch keeps them on the CPU.
"""

from __future__ import annotations

from typing import Any, Iterable, NamedTuple, Sequence

from ...plugins import backend_of
from .. import functional as F

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence",
           "pad_packed_sequence", "pad_sequence", "unpack_sequence", "unpad_sequence"]


class _PackedFields(NamedTuple):
    data: Any
    batch_sizes: Any
    sorted_indices: Any
    unsorted_indices: Any


class PackedSequence(_PackedFields):
    """Sequences packed time step by time step: ``data`` holds the rows of step 0 of every
    sequence, then of step 1 of those still running, and so on; ``batch_sizes`` (int64) how
    many rows each step has; ``sorted_indices`` the batch order the sequences were packed in
    (longest first; None when they came sorted) and ``unsorted_indices`` its inverse.  Make
    one with `pack_padded_sequence` or `pack_sequence`, not by hand."""

    def __new__(cls, data: Any, batch_sizes: Any = None, sorted_indices: Any = None,
                unsorted_indices: Any = None) -> "PackedSequence":
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> "PackedSequence":
        """The same packing with ``data.to(*args, **kwargs)`` (a dtype or a device); itself
        when that changes nothing."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def float(self) -> "PackedSequence":
        """``data`` as float32."""
        return self.to(backend_of(self.data).float32)

    def double(self) -> "PackedSequence":
        """``data`` as float64."""
        return self.to(backend_of(self.data).float64)

    @property
    def is_cuda(self) -> bool:
        """Whether ``data`` lives on a CUDA device."""
        return bool(getattr(self.data, "is_cuda", False))


def invert_permutation(permutation: Any) -> Any:
    """The inverse of a permutation of ``0..n-1`` (an int64 tensor), or None for None."""
    if permutation is None:
        return None
    order = [int(i) for i in permutation.tolist()]
    inverse = [0] * len(order)
    for position, index in enumerate(order):
        inverse[index] = position
    backend = backend_of(permutation)
    return backend.tensor(inverse, dtype=backend.int64)


def pad_sequence(sequences: Iterable[Any], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Any:
    """Tensors of shapes (L_i, *) stacked into one of shape (max L_i, B, *) ((B, max L_i, *)
    with ``batch_first``), each padded with ``padding_value`` after its end (before it with
    ``padding_side="left"``)."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences:
        if s.dim() == 0:
            raise RuntimeError("pad_sequence: every sequence needs a time dimension, got a "
                               "0-d tensor")
        if tuple(s.shape[1:]) != trailing:
            raise RuntimeError(f"pad_sequence: every sequence must have the same dimensions "
                               f"after the first; got {tuple(sequences[0].shape)} and "
                               f"{tuple(s.shape)}")
    backend = backend_of(sequences[0])
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            fill = backend.full((missing,) + trailing, padding_value, dtype=s.dtype)
            s = backend.cat([s, fill] if padding_side == "right" else [fill, s], 0)
        padded.append(s)
    return backend.stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Any, lengths: Any, batch_first: bool = False) -> list[Any]:
    """The sequences of a padded tensor (as `pad_sequence` makes), each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :n] for i, n in enumerate(_host_lengths(lengths))]


def pack_padded_sequence(input: Any, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) ((B, T, *) with ``batch_first``) whose sequence ``b`` is
    ``lengths[b]`` steps long (a list or an int64 tensor).  With ``enforce_sorted`` the
    lengths must already decrease; otherwise the batch is sorted here (longest first, ties
    in their order) and the result remembers how to undo it."""
    sizes = _host_lengths(lengths)
    batch_dim, time_dim = (0, 1) if batch_first else (1, 0)
    if input.dim() < 2:
        raise RuntimeError(f"pack_padded_sequence: input must have a time and a batch "
                           f"dimension, got a {input.dim()}-d tensor")
    batch = input.shape[batch_dim]
    if len(sizes) != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(sizes)} (batch_size={batch})")
    if enforce_sorted:
        if any(a < b for a, b in zip(sizes, sizes[1:])):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
        sorted_indices = None
    else:
        order = sorted(range(batch), key=lambda b: -sizes[b])
        sizes = [sizes[b] for b in order]
        backend = backend_of(input)
        sorted_indices = backend.tensor(order, dtype=backend.int64)
        input = _select(input, batch_dim, sorted_indices)
    if any(n <= 0 for n in sizes):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    steps = input.shape[time_dim]
    if sizes[0] > steps:
        raise RuntimeError(f"pack_padded_sequence: the longest sequence has {sizes[0]} steps, "
                           f"but the input holds only {steps} (its dimension {time_dim})")
    if batch_first:
        input = input.transpose(0, 1)
    batch_sizes = [sum(1 for n in sizes if n > t) for t in range(sizes[0])]
    backend = backend_of(input)
    data = backend.cat([input[t, :b] for t, b in enumerate(batch_sizes)], 0)
    return PackedSequence(data, backend.tensor(batch_sizes, dtype=backend.int64), sorted_indices,
                          None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Any, Any]:
    """Undo `pack_padded_sequence`: the padded batch (T, B, *) ((B, T, *) with
    ``batch_first``; T the longest length, or ``total_length``) in the original batch order,
    and the lengths (int64)."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got "
                        f"{type(sequence).__name__}; pack it with pack_padded_sequence")
    data = sequence.data
    sizes = [int(b) for b in sequence.batch_sizes.tolist()]
    longest, batch = len(sizes), sizes[0]
    if total_length is not None:
        if total_length < longest:
            raise ValueError(f"Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {longest}")
    else:
        total_length = longest
    backend = backend_of(data)
    trailing = tuple(data.shape[1:])
    steps, offset = [], 0
    for b in sizes:
        rows = data[offset:offset + b]
        offset += b
        if b < batch:
            rows = backend.cat([rows, backend.full((batch - b,) + trailing, padding_value,
                                                   dtype=data.dtype)], 0)
        steps.append(rows)
    for _ in range(longest, total_length):
        steps.append(backend.full((batch,) + trailing, padding_value, dtype=data.dtype))
    padded = backend.stack(steps, 0)
    lengths = [sum(1 for b in sizes if b > i) for i in range(batch)]
    if sequence.unsorted_indices is not None:
        padded = _select(padded, 1, sequence.unsorted_indices)
        lengths = [lengths[i] for i in _host_lengths(sequence.unsorted_indices)]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, backend.tensor(lengths, dtype=backend.int64)


def pack_sequence(sequences: Sequence[Any], enforce_sorted: bool = True) -> PackedSequence:
    """Pack tensors of shapes (L_i, *): `pad_sequence`, then `pack_padded_sequence`."""
    sequences = list(sequences)
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Any]:
    """The sequences of a `PackedSequence`, in their original order, each its own length."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


def _host_lengths(lengths: Any) -> list[int]:
    values = lengths.tolist() if hasattr(lengths, "tolist") else lengths
    return [int(n) for n in values]


def _select(t: Any, dim: int, index: Any) -> Any:
    return F.backend_op(t, "index_select")(t, dim, index)
