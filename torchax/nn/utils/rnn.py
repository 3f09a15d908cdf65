"""torch.nn.utils.rnn: PackedSequence, pack/pad helpers.

Packing needs the sequence lengths as Python values (they decide shapes), so `lengths`/`batch_sizes` are read
back to the host; the data movement itself is one jitted gather per call signature.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

import torchax
from torchax._registry import TorchRuntimeError, broadcast_shapes, op
from torchax._tensor import Tensor
from torchax.nn.functional.rnn import batch_sizes_of, packed_index

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]


class PackedSequence_(NamedTuple):  # noqa: N801 - torch's name
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


def _bind(optional, fn):
    return None if optional is None else fn(optional)


class PackedSequence(PackedSequence_):
    """torch.nn.utils.rnn.PackedSequence: data, batch_sizes (CPU int64), sorted_indices, unsorted_indices."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise ValueError(
                    "batch_sizes should always be on CPU. Instances of PackedSequence should never be created "
                    "manually. They should be instantiated by functions like pack_sequence and "
                    "pack_padded_sequences in nn.utils.rnn. "
                    "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
            return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)
        if not (isinstance(data, (list, tuple)) and len(data) == 2):
            raise AssertionError("Expected data to be a list or tuple of length 2")
        return super().__new__(cls, data[0], data[1], sorted_indices, unsorted_indices)

    def pin_memory(self):
        pin = lambda t: t.pin_memory()  # noqa: E731
        return type(self)(self.data.pin_memory(), self.batch_sizes, _bind(self.sorted_indices, pin),
                          _bind(self.unsorted_indices, pin))

    def to(self, *args, **kwargs):
        """Move/cast `data` like Tensor.to; the indices follow data's device, batch_sizes stays on CPU."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        sorted_indices = _bind(self.sorted_indices, lambda t: t.to(data.device))
        unsorted_indices = _bind(self.unsorted_indices, lambda t: t.to(data.device))
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cuda(self, *args, **kwargs):
        kwargs.setdefault("device", "cuda")
        return self.to(*args, **kwargs)

    def cpu(self, *args, **kwargs):
        kwargs.setdefault("device", "cpu")
        return self.to(*args, **kwargs)

    def double(self):
        return self.to(dtype=torchax.float64)

    def float(self):
        return self.to(dtype=torchax.float32)

    def half(self):
        return self.to(dtype=torchax.float16)

    def long(self):
        return self.to(dtype=torchax.int64)

    def int(self):
        return self.to(dtype=torchax.int32)

    def short(self):
        return self.to(dtype=torchax.int16)

    def char(self):
        return self.to(dtype=torchax.int8)

    def byte(self):
        return self.to(dtype=torchax.uint8)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False  # NOTE: JAX host memory is never page-locked from Python's point of view


def invert_permutation(permutation):
    """torch.nn.utils.rnn.invert_permutation."""
    if permutation is None:
        return None
    output = torchax.empty_like(permutation)
    return output.scatter_(0, permutation, torchax.arange(0, permutation.numel(), device=permutation.device))


# --- kernels: lengths and batch_sizes are static tuples, the gathers are jitted once per layout -------------


@op(method=False, out=False)
def _pack_padded_sequence(input, lengths, batch_first):
    """torch._pack_padded_sequence (data only; batch_sizes are computed on the host)."""
    x = jnp.swapaxes(input, 0, 1) if batch_first else input
    flat = x.reshape((-1,) + x.shape[2:])
    return flat[packed_index(batch_sizes_of(lengths), x.shape[1])]


@op(method=False, out=False, dynamic=("padding_value",))
def _pad_packed_sequence(data, batch_sizes, batch_first, padding_value, total_length):
    """torch._pad_packed_sequence (padded data only)."""
    batch = batch_sizes[0]
    out = jnp.full((total_length * batch,) + data.shape[1:], padding_value, data.dtype)
    out = out.at[packed_index(batch_sizes, batch)].set(data)
    out = out.reshape((total_length, batch) + data.shape[1:])
    return jnp.swapaxes(out, 0, 1) if batch_first else out


def _check_lengths(input, lengths: np.ndarray, batch_first: bool) -> None:
    batch = input.shape[0 if batch_first else 1]
    if input.numel() == 0:
        raise TorchRuntimeError("Cannot pack empty tensors.")
    if lengths.ndim != 1:
        raise TorchRuntimeError(f"'lengths' argument should be a 1D CPU int64 tensor, but got {lengths.ndim}D cpu "
                                "Long tensor")
    if lengths.shape[0] != batch:
        raise TorchRuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.shape[0]} "
                                f"(batch_size={batch})")
    if lengths[-1] <= 0:
        raise TorchRuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                                "that is <= 0")
    if (np.diff(lengths) > 0).any():
        raise TorchRuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
            "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if you "
            "do not need ONNX exportability.")


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """torch.nn.utils.rnn.pack_padded_sequence."""
    if not isinstance(lengths, Tensor):
        lengths = torchax.as_tensor(lengths, dtype=torchax.int64, device="cpu")
    else:
        lengths = lengths.to(dtype=torchax.int64)
    if enforce_sorted:
        sorted_indices = None
    else:
        lengths, sorted_indices = torchax.sort(lengths, descending=True)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    host = np.asarray(lengths._numpy())
    _check_lengths(input, host, batch_first)
    data = _pack_padded_sequence(input, tuple(host.tolist()), bool(batch_first))
    batch_sizes = torchax.tensor(batch_sizes_of(host), dtype=torchax.int64)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """torch.nn.utils.rnn.pad_packed_sequence: (padded, lengths)."""
    batch_sizes = tuple(sequence.batch_sizes.tolist())
    max_seq_length = len(batch_sizes)
    if total_length is not None:
        if total_length < max_seq_length:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {max_seq_length}")
        max_seq_length = total_length
    padded = _pad_packed_sequence(sequence.data, batch_sizes, bool(batch_first), padding_value, int(max_seq_length))
    lengths = torchax.tensor([sum(n > b for n in batch_sizes) for b in range(batch_sizes[0])], dtype=torchax.int64)
    unsorted_indices = sequence.unsorted_indices
    if unsorted_indices is not None:
        return padded.index_select(0 if batch_first else 1, unsorted_indices), lengths[unsorted_indices.cpu()]
    return padded, lengths


@op(method=False, out=False, dynamic=("padding_value",))
def _pad_sequence(sequences, batch_first, padding_value, padding_side):
    """torch._C._nn.pad_sequence."""
    first = sequences[0]
    max_len = max(s.shape[0] for s in sequences)
    out = jnp.full((max_len, len(sequences)) + first.shape[1:], padding_value, first.dtype)
    for i, s in enumerate(sequences):
        n = s.shape[0]
        start = max_len - n if padding_side == "left" else 0
        slot = (n,) + first.shape[1:]
        if broadcast_shapes(slot, s.shape) != slot:  # torch copies each sequence into its slot with copy_
            raise TorchRuntimeError(f"output with shape {list(slot)} doesn't match the broadcast shape "
                                    f"{list(broadcast_shapes(slot, s.shape))}")
        out = out.at[start:start + n, i].set(jnp.broadcast_to(s, slot).astype(first.dtype))
    return jnp.swapaxes(out, 0, 1) if batch_first else out


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """torch.nn.utils.rnn.pad_sequence."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError(f"pad_sequence: Expected iterable for input sequences, but got arg of type: "
                           f"{_torch_type_name(sequences)}")
    sequences = list(sequences)
    if padding_side not in ("left", "right"):
        raise TorchRuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if not sequences:
        raise TorchRuntimeError("received an empty list of sequences")
    return _pad_sequence(sequences, bool(batch_first), padding_value, padding_side)


def _torch_type_name(x) -> str:
    return str(type(x))


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """torch.nn.utils.rnn.unpad_sequence (like torch, transposes `padded_sequences` in place when not batch_first)."""
    if not batch_first:
        padded_sequences.transpose_(0, 1)
    max_length = padded_sequences.shape[1]
    idx = torchax.arange(max_length, device=lengths.device)
    return [seq[idx < length] for seq, length in zip(padded_sequences, lengths, strict=True)]


def pack_sequence(sequences, enforce_sorted=True):
    """torch.nn.utils.rnn.pack_sequence."""
    lengths = torchax.as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """torch.nn.utils.rnn.unpack_sequence."""
    padded_sequences, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded_sequences, lengths, batch_first=True)
