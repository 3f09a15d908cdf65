"""Ops the OpInfo sweep found missing: segment_reduce, _chunk_cat, the masked-index pair, nonzero_static, hash_tensor.

Each is written in JAX on the whole array (no per-segment Python loop), so it traces once per shape and its gradient
is JAX's VJP of the same formula.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
from jax import lax

from torchax._ops.reduction import wrap_dim
from torchax._registry import TorchRuntimeError, op

__all__ = ["segment_reduce", "_chunk_cat", "_unsafe_masked_index", "_unsafe_masked_index_put_accumulate",
           "nonzero_static", "hash_tensor"]

_REDUCTIONS = ("max", "mean", "min", "sum", "prod")


# --- segment_reduce -----------------------------------------------------------------------------------------------


def _segment_mask(offsets, n):
    """(..., S, n) bool: position j belongs to segment s iff offsets[s] <= j < offsets[s + 1]."""
    j = jnp.arange(n)
    lo, hi = offsets[..., :-1, None], offsets[..., 1:, None]
    return (j >= lo) & (j < hi)


@op(method=False, out=False)
def segment_reduce(data, reduce, *, lengths=None, indices=None, offsets=None, axis=0, unsafe=False, initial=None):
    """torch.segment_reduce: reduce consecutive segments of `data` along `axis` (given by lengths or offsets).

    An empty segment gives `initial`, or the reduction's identity (max: -inf, min: inf, sum: 0, prod: 1, mean: nan);
    with `initial` a segment reduces initial together with its elements (mean: (initial + sum) / length)."""
    if reduce not in _REDUCTIONS:
        raise TorchRuntimeError(f"reduce argument must be either sum, prod, max, min or mean, got {reduce}")
    if indices is not None:
        raise TorchRuntimeError("segment_reduce(): indices based reduction is not supported yet.")
    if (lengths is None) == (offsets is None):
        raise TorchRuntimeError("segment_reduce(): Either lengths or offsets must be defined")
    axis = wrap_dim(axis, data.ndim)
    seg = lengths if lengths is not None else offsets
    if seg.ndim != axis + 1:
        raise TorchRuntimeError(f"segment_reduce(): Expected {'lengths' if lengths is not None else 'offsets'} to "
                                f"have {axis + 1} dims (axis + 1), got {seg.ndim}")
    if lengths is not None:
        zero = jnp.zeros(lengths.shape[:-1] + (1,), lengths.dtype)
        offsets = jnp.concatenate([zero, jnp.cumsum(lengths, axis=-1)], axis=-1)
    n, rest = data.shape[axis], data.shape[axis + 1:]
    mask = _segment_mask(offsets, n)  # (B..., S, n)
    mask = mask.reshape(mask.shape + (1,) * len(rest))
    x = jnp.expand_dims(data, axis)  # (B..., 1, n, R...)
    dt = data.dtype
    big = jnp.inf if jnp.issubdtype(dt, jnp.floating) else jnp.iinfo(dt).max
    if reduce == "max":
        out = jnp.max(jnp.where(mask, x, -big), axis=axis + 1)
        return out if initial is None else jnp.maximum(out, jnp.asarray(initial, dt))
    if reduce == "min":
        out = jnp.min(jnp.where(mask, x, big), axis=axis + 1)
        return out if initial is None else jnp.minimum(out, jnp.asarray(initial, dt))
    if reduce == "prod":
        out = jnp.prod(jnp.where(mask, x, jnp.ones((), dt)), axis=axis + 1)
        return out if initial is None else out * jnp.asarray(initial, dt)
    total = jnp.sum(jnp.where(mask, x, jnp.zeros((), dt)), axis=axis + 1)
    if initial is not None:
        total = total + jnp.asarray(initial, dt)
    if reduce == "sum":
        return total
    count = jnp.sum(mask, axis=axis + 1).astype(dt)
    empty = jnp.asarray(jnp.nan if initial is None else initial, dt)
    return jnp.where(count > 0, total / jnp.where(count > 0, count, 1), empty)


# --- _chunk_cat ---------------------------------------------------------------------------------------------------


@op(method=False)
def _chunk_cat(tensors, dim, num_chunks):
    """torch._chunk_cat: each tensor zero-padded along `dim` to num_chunks equal chunks, each chunk flattened with
    the dims after `dim`, and the tensors concatenated chunk by chunk: shape[:dim] + (num_chunks, total)."""
    if not tensors:
        raise TorchRuntimeError("_chunk_cat expects a non-empty input tensor list")
    if num_chunks < 1:
        raise TorchRuntimeError("_chunk_cat expects positive num_chunks")
    d = wrap_dim(dim, tensors[0].ndim)
    lead = tensors[0].shape[:d]
    parts = []
    for t in tensors:
        if t.ndim <= d or t.shape[:d] != lead:
            raise TorchRuntimeError("_chunk_cat expects same sizes of 0,...,dim-1 dimensions for all tensors")
        if t.dtype != tensors[0].dtype:
            raise TorchRuntimeError("_chunk_cat expects all input tensors with the same dtype")
        if t.size == 0:
            raise TorchRuntimeError("_chunk_cat expects non-empty tensor")
        size = -(-t.shape[d] // num_chunks)
        pad = [(0, 0)] * t.ndim
        pad[d] = (0, size * num_chunks - t.shape[d])
        t = jnp.pad(t, pad)
        parts.append(t.reshape(lead + (num_chunks, size * math.prod(t.shape[d + 1:]))))
    return jnp.concatenate(parts, axis=d + 1)


# --- masked indexing ----------------------------------------------------------------------------------------------


def _clamped_index(x, indices):
    """The index tuple with every index clamped into range (masked-out positions may hold any index)."""
    out = []
    for i, index in enumerate(indices):
        if index is None:
            out.append(slice(None))
            continue
        if not jnp.issubdtype(index.dtype, jnp.integer):
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        out.append(jnp.clip(index, 0, x.shape[i] - 1))
    return tuple(out)


@op(method=False, out=False)
def _unsafe_masked_index(input, mask, indices, fill):
    """torch._unsafe_masked_index: input[indices] where mask is set, `fill` elsewhere."""
    if input.size == 0:
        shape = jnp.zeros((1,) * input.ndim, input.dtype)[_clamped_index(jnp.zeros((1,) * input.ndim), indices)].shape
        return jnp.full(jnp.broadcast_shapes(shape, mask.shape), fill, input.dtype)
    got = input[_clamped_index(input, indices)]
    return jnp.where(mask, got, jnp.asarray(fill, input.dtype))


@op(method=False, out=False)
def _unsafe_masked_index_put_accumulate(input, mask, indices, values):
    """torch._unsafe_masked_index_put_accumulate: input with `values` added at `indices` where mask is set."""
    values = jnp.where(mask, values, jnp.zeros((), values.dtype)).astype(input.dtype)
    return input.at[_clamped_index(input, indices)].add(values)


# --- nonzero_static, hash_tensor ----------------------------------------------------------------------------------


@op(differentiable=False)
def nonzero_static(input, *, size, fill_value=-1):
    """torch.nonzero_static: nonzero's (size, ndim) coordinates, truncated or padded with fill_value to `size` rows
    (a fixed shape, so it traces)."""
    if size < 0:
        raise TorchRuntimeError(f"nonzero_static: 'size' must be an non-negative integer, but got {size}")
    if input.ndim == 0:
        return jnp.zeros((size, 0), jnp.int64)
    if input.size == 0:  # jnp.nonzero pads an empty input with zeros, not fill_value
        return jnp.full((size, input.ndim), fill_value, jnp.int64)
    coords = jnp.nonzero(input, size=size, fill_value=fill_value)
    return jnp.stack(coords, axis=-1).astype(jnp.int64)


def _hash_bits(x):
    """The elements as 64-bit words: floats widened to float64, integers/bools to int64, then bit-cast."""
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        raise TorchRuntimeError("hash_tensor does not support complex tensors")
    wide = x.astype(jnp.float64 if jnp.issubdtype(x.dtype, jnp.floating) else jnp.int64)
    return lax.bitcast_convert_type(wide, jnp.uint64)


@op(differentiable=False)
def hash_tensor(input, dim=None, *, keepdim=False, mode=0):
    """torch.hash_tensor: the xor of the elements' 64-bit patterns (uint64) over `dim` (default: all dims)."""
    if mode != 0:
        raise TorchRuntimeError(f"hash_tensor: mode {mode} is not supported (0: xor reduction)")
    bits = _hash_bits(input)
    if input.ndim == 0:
        return bits
    if dim is None or dim == ():
        dims = tuple(range(input.ndim))
    else:
        dims = tuple(wrap_dim(d, input.ndim) for d in ((dim,) if isinstance(dim, int) else dim))
    for d in dims:
        if input.shape[d] == 0:
            raise IndexError(f"hash_tensor: Expected reduction dim {d} to have non-zero size.")
    out = lax.reduce(bits, jnp.uint64(0), lax.bitwise_xor, dims) if dims else bits
    if keepdim:
        out = jnp.expand_dims(out, dims)
    return out
