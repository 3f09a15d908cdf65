"""torch.nn.functional: embedding, embedding_bag, one_hot.

Index values are checked on the host in eager mode (torch raises for out-of-range indices; a JAX gather would
clamp them silently); under tracing the checks are skipped. The padding row gets no gradient, and
scale_grad_by_freq divides each occurrence's gradient by its index's count in the batch, as torch's backward.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from torchax._registry import TorchRuntimeError, op
from torchax._tensor import _TYPE_NAME
from torchax.autograd.grad_mode import no_grad
from torchax.nn.functional.activation import opmath
from torchax.nn.functional.distance import vector_norm

__all__ = ["embedding", "embedding_bag", "one_hot"]
# torch.<name> functions that torch also exposes at top level (signatures may differ from F.<name>)
TOPLEVEL: dict = {}

_FLOATS = "Half, BFloat16, Float, Double"


def _check_types(name: str, what: str, t, allowed: str, fn: str) -> None:
    ok = {"Long, Int": (jnp.int64, jnp.int32)}.get(allowed)
    good = t.dtype in ok if ok else jnp.issubdtype(t.dtype, jnp.floating)
    if not good:
        raise TorchRuntimeError(f"Expected tensor for argument #1 '{what}' to have one of the following scalar types: "
                                f"{allowed}; but got torch.{_TYPE_NAME(t.dtype)}Tensor instead (while checking "
                                f"arguments for {fn})")


@jax.custom_vjp
def _scale_grad(x, scale):
    """Identity whose gradient is multiplied by `scale`.

    NOTE: a hand-written VJP because gradient scaling has no forward expression (torch's scale_grad_by_freq
    scales only the backward)."""
    return x


_scale_grad.defvjp(lambda x, s: (x, s), lambda s, g: (g * s.astype(g.dtype), jnp.zeros_like(s)))


def _counts_scale(indices, num, dtype):
    """1 / (how often each occurrence's index appears), shaped like `indices`."""
    flat = indices.reshape(-1)
    counts = jnp.zeros(num, dtype).at[flat].add(1)
    return (1 / counts[flat]).reshape(indices.shape)


def _no_pad_grad(weight, padding_idx):
    """`weight` with the padding row cut off from the gradient (torch's embedding_dense_backward skips it)."""
    if padding_idx is None or padding_idx < 0:
        return weight
    row = jnp.arange(weight.shape[0]) == padding_idx
    return jnp.where(row[:, None], lax.stop_gradient(weight), weight)


@op("embedding", method=False, grad_name="EmbeddingBackward0")
def _embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    if weight.ndim != 2:
        raise TorchRuntimeError("'weight' must be 2-D")
    _check_types("embedding", "indices", indices, "Long, Int", "embedding")
    w = _no_pad_grad(weight, padding_idx)
    out = jnp.take(w, indices, axis=0)
    if scale_grad_by_freq:
        out = _scale_grad(out, _counts_scale(indices, weight.shape[0], weight.dtype)[..., None])
    return out


@op("embedding_bounds", method=False, differentiable=False, out=False)
def _bounds(indices):
    flat = indices.reshape(-1)
    if flat.size == 0:
        return jnp.zeros(2, jnp.int64)
    return jnp.stack([jnp.min(flat), jnp.max(flat)]).astype(jnp.int64)


def _concrete(t) -> bool:
    return not isinstance(t._value, jax.core.Tracer)


def _check_range(indices, num: int) -> None:
    """torch's IndexError for an index outside [0, num) (eager only)."""
    if indices.dtype.is_floating_point or not _concrete(indices) or indices.numel() == 0:
        return
    lo, hi = np.asarray(_bounds(indices)._value)
    if lo < 0 or hi >= num:
        raise IndexError("index out of range in self")


@op("embedding_renorm", method=False, differentiable=False, out=False)
def _renorm(weight, indices, max_norm, norm_type):
    """The rows of `weight` named in `indices` scaled down to norm max_norm (torch's embedding_renorm_)."""
    used = jnp.zeros(weight.shape[0], jnp.bool_).at[indices.reshape(-1)].set(True)
    norm = vector_norm(opmath(weight), norm_type, 1).astype(weight.dtype).astype(jnp.float64)
    scale = (max_norm / (norm + 1e-7)).astype(weight.dtype)
    return jnp.where((used & (norm > max_norm))[:, None], weight * scale[:, None], weight)


def _embedding_renorm_(weight, indices, max_norm, norm_type):
    """torch.embedding_renorm_: rows of weight named in indices scaled to norm <= max_norm, in place."""
    if weight.dim() != 2:
        raise RuntimeError("Expected 2-dimensional tensor, but got " f"{weight.dim()}-dimensional tensor for argument "
                           "#1 'self' (while checking arguments for embedding_renorm_)")
    with no_grad():
        weight._inplace(_renorm(weight, indices, float(max_norm), float(norm_type)))
    return weight


def _torch_embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """torch.embedding (padding_idx=-1: none)."""
    if weight.dim() == 2:
        _check_range(indices, weight.shape[0])
    return _embedding(weight, indices, padding_idx, scale_grad_by_freq, sparse)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """torch.nn.functional.embedding (sparse gradients are computed dense)."""
    if padding_idx is not None:
        if padding_idx > 0 and padding_idx >= weight.size(0):
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            if padding_idx < -weight.size(0):
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = weight.size(0) + padding_idx
    else:
        padding_idx = -1
    if max_norm is not None:
        if weight.dim() == 2:
            _check_range(input, weight.shape[0])
        _embedding_renorm_(weight, input, max_norm, norm_type)
    return _torch_embedding(weight, input, padding_idx, scale_grad_by_freq, sparse)


# --- embedding_bag ----------------------------------------------------------------------------------------------


@op("embedding_bag", method=False, grad_name="EmbeddingBagBackward0")
def _embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False,
                   per_sample_weights=None, include_last_offset=False, padding_idx=-1):
    """torch.embedding_bag: (output, offset2bag, bag_size, max_indices)."""
    _check_types("embedding_bag", "indices", indices, "Long, Int", "embedding_bag")
    _check_types("embedding_bag", "offsets", offsets, "Long, Int", "embedding_bag")
    _check_types("embedding_bag", "weight", weight, _FLOATS, "embedding_bag")
    if per_sample_weights is not None and per_sample_weights.dtype != weight.dtype:
        raise TorchRuntimeError(
            f"Expected tensor for argument #1 'weight' to have the same type as tensor for argument #1 "
            f"'per_sample_weights'; but type torch.{_TYPE_NAME(weight.dtype)}Tensor does not equal "
            f"torch.{_TYPE_NAME(per_sample_weights.dtype)}Tensor (while checking arguments for embedding_bag)")
    if include_last_offset and offsets.shape[0] < 1:
        raise TorchRuntimeError("include_last_offset: number of offset should be at least 1")
    num, n = weight.shape[0], indices.shape[0]
    bags = offsets.shape[0] - 1 if include_last_offset else offsets.shape[0]
    if padding_idx is not None and padding_idx < 0:
        padding_idx = None
    aux = jnp.int32 if indices.dtype == offsets.dtype == jnp.int32 else jnp.int64  # offset2bag, bag_size ... dtype
    offsets = offsets.astype(jnp.int64)
    indices = indices.astype(jnp.int64)
    pos = jnp.arange(n)
    bag = jnp.clip(jnp.searchsorted(offsets[:bags], pos, side="right") - 1, 0, max(bags - 1, 0))
    if include_last_offset:
        valid = pos < offsets[bags]
    else:
        valid = jnp.ones(n, jnp.bool_)
    keep = valid if padding_idx is None else valid & (indices != padding_idx)
    rows = jnp.take(weight, indices, axis=0)
    if scale_grad_by_freq:
        rows = _scale_grad(rows, _bag_freq_scale(indices, num, weight.dtype)[:, None])
    x = opmath(rows)
    sizes = jnp.zeros(bags, aux).at[bag].add(keep.astype(aux))
    offset2bag = bag.astype(aux)
    if mode == 2:
        out, max_idx = _bag_max(x, indices, bag, keep, bags)
        return out.astype(weight.dtype), offset2bag, sizes, max_idx.astype(aux)
    if per_sample_weights is not None:
        x = x * opmath(per_sample_weights)[:, None]
    x = jnp.where(keep[:, None], x, jnp.zeros((), x.dtype))
    out = jnp.zeros((bags, weight.shape[1]), x.dtype).at[bag].add(x)
    if mode == 1:
        out = out / jnp.maximum(sizes, 1)[:, None].astype(x.dtype)
        return out.astype(weight.dtype), offset2bag, sizes, sizes
    # NOTE: torch's sum fast path leaves offset2bag empty (without padding_idx) and sizes its zero bag_size and
    # max_indices by the offsets (one more than the bags under include_last_offset)
    if padding_idx is None:
        offset2bag = jnp.zeros(0, aux)
    zeros = jnp.zeros(offsets.shape[0], aux)
    return out.astype(weight.dtype), offset2bag, zeros, zeros


def _bag_freq_scale(indices, num, dtype):
    """The gradient scale torch's CPU embedding_bag backward gives each occurrence under scale_grad_by_freq.

    NOTE: torch divides the k-th distinct index's gradient by the count of sorted_indices[k] (not of the index
    itself); reproduced as is, so that gradients match torch's."""
    srt = jnp.sort(indices)
    counts = jnp.zeros(num, dtype).at[indices].add(1)
    rank = jnp.cumsum(jnp.concatenate([jnp.ones(1, jnp.int64), (srt[1:] != srt[:-1]).astype(jnp.int64)])) - 1
    r = rank[jnp.searchsorted(srt, indices, side="left")]
    return 1 / counts[srt[r]]


def _bag_max(x, indices, bag, keep, bags):
    """Per-bag elementwise max; the gradient goes to the first maximal element, as torch's CPU loop."""
    neg = jnp.asarray(-jnp.inf, x.dtype)
    vals = jnp.where(keep[:, None], x, neg)
    best = jnp.full((bags, x.shape[1]), neg).at[bag].max(lax.stop_gradient(vals))
    n = x.shape[0]
    hit = keep[:, None] & (lax.stop_gradient(vals) == best[bag])
    first = jnp.full((bags, x.shape[1]), n).at[bag].min(jnp.where(hit, jnp.arange(n)[:, None], n))
    empty = first == n
    src = jnp.where(empty, 0, first)
    out = jnp.take_along_axis(x, src, axis=0)
    out = jnp.where(empty, jnp.zeros((), x.dtype), out)
    max_idx = jnp.where(empty, 0, indices[src])
    return out, max_idx


def _check_offsets(offsets, n: int, include_last_offset: bool) -> None:
    if not _concrete(offsets) or offsets.numel() == 0:
        return
    off = np.asarray(offsets._value)
    if off[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {off[0]}")
    if off[-1] > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got offsets[-1] of "
                           f"{off[-1]}")
    if np.any(np.diff(off) < 0):
        raise RuntimeError("Expected i < index_size to be true, but got false.")


_MODES = {"sum": 0, "mean": 1, "max": 2}


def _torch_embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False,
                         per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """torch.embedding_bag."""
    num = weight.shape[0]
    if padding_idx is not None and not -num <= padding_idx < num:
        raise RuntimeError(f"padding_idx must be within the number of embeddings, {-num} through {num - 1}, but "
                           f"got {padding_idx}")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num
    if weight.dim() == 2 and _concrete(indices) and indices.numel():
        bad = np.flatnonzero((np.asarray(indices._value) < 0) | (np.asarray(indices._value) >= num))
        if bad.size:
            raise RuntimeError(f"Index {bad[0]} of input takes value {int(np.asarray(indices._value)[bad[0]])} which "
                               f"is not in the valid range [0, {num})")
    _check_offsets(offsets, indices.shape[0], include_last_offset)
    return _embedding_bag(weight, indices, offsets, scale_grad_by_freq, mode, sparse, per_sample_weights,
                          include_last_offset, -1 if padding_idx is None else padding_idx)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """torch.nn.functional.embedding_bag (sparse gradients are computed dense)."""
    if weight.dtype.is_floating_point is False and input.is_floating_point():
        import warnings

        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage `embedding_bag(weight, "
                      "input, ...)` is deprecated, and should now be `embedding_bag(input, weight, ...)`.",
                      stacklevel=2)
        weight, input = input, weight
    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, then it "
                         f"must have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {_type_str(offsets)}")
        from torchax._ops.creation import arange

        offsets = arange(0, input.numel(), input.size(1), dtype=input.dtype)
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if max_norm is not None:
        _check_range(input, weight.shape[0])
        _embedding_renorm_(weight, input, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError("embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  "GitHub.")
    return _torch_embedding_bag(weight, input, offsets, scale_grad_by_freq, _MODES[mode], sparse,
                                per_sample_weights, include_last_offset, padding_idx)[0]


def _type_str(x) -> str:
    from torchax._tensor import Tensor

    return "<class 'torch.Tensor'>" if isinstance(x, Tensor) else str(type(x))


# --- one_hot -----------------------------------------------------------------------------------------------------


@op("one_hot", method=False, differentiable=False)
def _one_hot(tensor, num_classes):
    return (tensor[..., None] == jnp.arange(num_classes)).astype(jnp.int64)


def one_hot(tensor, num_classes=-1):
    """torch.nn.functional.one_hot: int64 output; num_classes=-1 uses max + 1 (a host sync, as torch)."""
    if tensor.dtype.is_floating_point or tensor.dtype.is_complex or tensor.dtype.name != "int64":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return _one_hot(tensor, num_classes)
    if _concrete(tensor):
        lo, hi = (int(v) for v in np.asarray(_bounds(tensor)._value))
        if lo < 0:
            raise RuntimeError("Class values must be non-negative.")
        if num_classes == -1:
            num_classes = hi + 1
        elif hi >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    elif num_classes == -1:
        raise RuntimeError("one_hot with num_classes=-1 needs concrete values (not available while tracing)")
    return _one_hot(tensor, num_classes)


TOPLEVEL.update(embedding=_torch_embedding, embedding_bag=_torch_embedding_bag, embedding_renorm_=_embedding_renorm_)
