"""Indexing: `Tensor.__getitem__` / `__setitem__` with torch's rules, and the index_*/gather/scatter family.

Basic indices (ints, slices, None, Ellipsis) give views; integer/boolean tensor (or list) indices
give copies, as in torch. Boolean masks are turned into integer indices first (their result shape
depends on the data), and integer indices are bounds-checked eagerly, because XLA would clamp.
"""

from __future__ import annotations

import builtins

import jax
import jax.numpy as jnp
import numpy as np

from torchax import _dtype
from torchax._ops.views import _index
from torchax._registry import Static, composite, op
from torchax._tensor import Tensor, wrap

__all__ = ["index_put", "index_put_"]


def _as_index(x):
    """Lists, ranges, ndarrays and Python bools inside an index become Tensors; everything else is kept."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (list, np.ndarray, builtins.range)) or isinstance(x, builtins.bool):
        from torchax._ops.creation import tensor

        arr = np.asarray(x)
        if arr.dtype == object or (arr.size == 0 and arr.dtype == np.float64):
            arr = arr.astype(np.int64)
        if arr.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return tensor(arr)
    return x


def _normalize(index, ndim: int) -> tuple:
    """The index as a tuple without Ellipsis, with boolean tensors turned into integer tensors."""
    if not isinstance(index, tuple):
        index = (index,)
    index = tuple(_as_index(x) for x in index)
    for x in index:
        if not (x is None or x is Ellipsis or isinstance(x, (builtins.int, slice, Tensor, np.integer))):
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                             "valid indices (got " + type(x).__name__ + ")")
    if sum(x is Ellipsis for x in index) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(x.ndim if isinstance(x, Tensor) and x.dtype in (_dtype.bool, _dtype.uint8) else
               0 if x is None or x is Ellipsis else 1 for x in index)
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    out = []
    for x in index:
        if x is Ellipsis:
            out.extend([slice(None)] * (ndim - used))
        elif isinstance(x, Tensor) and x.dtype in (_dtype.bool, _dtype.uint8):
            out.extend(_mask_to_indices(x))
        else:
            out.append(x)
    if not any(x is Ellipsis for x in index):  # NOTE: not `in`, which would compare tensors with ==
        out.extend([slice(None)] * (ndim - used))
    return tuple(out)


def _mask_to_indices(mask: Tensor) -> list:
    if mask.ndim == 0:  # x[True] adds a dim of size 1, like None (x[False]: see KNOWN_DIFFERENCES)
        if not mask.item():
            raise IndexError("indexing with a 0-dim False mask is not supported by torchax")
        return [None]
    nz = np.nonzero(mask._numpy())
    return [wrap(jnp.asarray(i, jnp.int64)) for i in nz]


def _basic(index, shape):
    """(spec, starts) for `_index` when every entry is an int, slice or None; else None."""
    spec, starts, d = [], [], 0
    for x in index:
        if x is None:
            spec.append(("n",))
            continue
        if isinstance(x, slice):
            if x.step is not None and int(x.step) <= 0:
                raise ValueError("step must be greater than zero")
            start, stop, step = x.indices(shape[d])
            length = max(0, -(-(stop - start) // step))
            spec.append(("s", length, step))
            starts.append(start if length else 0)
        else:
            size = shape[d]
            i = builtins.int(x)
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {d} with size {size}")
            spec.append(("i",))
            starts.append(i % size)
        d += 1
    return Static(spec), starts


def _has_advanced(index) -> bool:
    return any(isinstance(x, Tensor) for x in index)


def _check_bounds(index, shape):
    d = 0
    for x in index:
        if x is None:
            continue
        if isinstance(x, Tensor):
            if x.dtype.is_floating_point or x.dtype.is_complex:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            v = x._value
            if v.size and not isinstance(v, jax.core.Tracer):
                lo, hi = (builtins.int(a) for a in _minmax(v))
                bad = hi if hi >= shape[d] else lo if lo < -shape[d] else None
                if bad is not None:
                    raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {shape[d]}")
        d += 1


@jax.jit
def _minmax(v):
    return jnp.min(v), jnp.max(v)


@op(method=False, out=False, grad_name="IndexBackward0")
def _index_adv(input, index):
    return input[tuple(index)]


_BASIC = (builtins.int, slice)


def getitem(self: Tensor, index):
    """Tensor.__getitem__."""
    if type(index) in _BASIC or type(index) is tuple and all(type(x) in _BASIC for x in index):
        shape = self._value.shape  # fast path: ints and slices only
        index = index if type(index) is tuple else (index,)
        if len(index) <= len(shape):
            spec, starts = _basic(index, shape)
            return _index(self, spec, starts)
    index = _normalize(index, self.ndim)
    if not _has_advanced(index):
        while index and type(index[-1]) is slice and index[-1] == slice(None):
            index = index[:-1]  # trailing full slices: kept dims (and not the op torch names the grad_fn after)
        spec, starts = _basic(index, self.shape)
        return _index(self, spec, starts)
    _check_bounds(index, self.shape)
    return _index_adv(self, list(index))


@op(name="_index_put_impl", method=False, out=False, promote=(), grad_name="IndexPutBackward0")
def _index_put_impl(input, index, values, accumulate):
    ref = input.at[tuple(index)]
    values = values.astype(input.dtype)
    return ref.add(values) if accumulate else ref.set(values)


def setitem(self: Tensor, index, value) -> None:
    """Tensor.__setitem__: writes through to the base and every view sharing this storage."""
    index = _normalize(index, self.ndim)
    scalar = isinstance(value, (builtins.int, builtins.float, builtins.complex, np.number))
    if not isinstance(value, Tensor):
        from torchax._ops.creation import tensor

        value = tensor(value, dtype=self.dtype)
    if not _has_advanced(index):
        spec, starts = _basic(index, self.shape)
        target = _index(self, spec, starts)
        if scalar:  # torch fills (allowed even through an expanded view)
            target.fill_(value.item())
            return
        _check_broadcast(value.shape, target.shape)
        target.copy_(value)
        return
    _check_bounds(index, self.shape)
    self._inplace(_index_put_impl(self, list(index), value, False))


def _check_broadcast(src, dst):
    try:
        out = np.broadcast_shapes(tuple(src), tuple(dst))
    except ValueError:
        out = None
    if out != tuple(dst):
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(src)} cannot be broadcast to indexing "
                           f"result of shape {list(dst)}")


@composite()
def index_put(input, indices, values, accumulate=False):
    """torch.index_put: `indices` is a tuple of index tensors (None skips a dim)."""
    index = _normalize(tuple(slice(None) if i is None else i for i in indices), input.ndim)
    _check_bounds(index, input.shape)
    return _index_put_impl(input, list(index), values, accumulate)


@composite(function=False)
def index_put_(input, indices, values, accumulate=False):
    """Tensor.index_put_."""
    return input._inplace(index_put(input, indices, values, accumulate))


Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem
