"""Sorting and searching: sort, argsort, topk, kthvalue, median, mode, quantile, unique, searchsorted, histc, ...

Sorts are always stable (a valid result for torch's unstable sort too), NaN sorts as the largest value (last in
ascending order, first in descending order), as torch's. Ops whose output shape depends on the data (unique,
unique_consecutive, bincount) run eagerly on concrete arrays.
"""

from __future__ import annotations

import builtins
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from torchax import _dtype
from torchax._ops.reduction import check_nonempty, named, type_name, upcast, with_out_name, wrap_dim
from torchax._registry import TorchRuntimeError, composite, op
from torchax._tensor import Tensor

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "mode", "median", "nanmedian", "quantile", "nanquantile",
           "unique", "unique_consecutive", "searchsorted", "bucketize", "histc", "bincount"]

_INT64 = jnp.dtype(jnp.int64)


def _isnan(x):
    return jnp.isnan(x) if jnp.issubdtype(x.dtype, jnp.inexact) else jnp.zeros(x.shape, bool)


def _argsort(x, d, descending=False):
    return jnp.argsort(x, axis=d, stable=True, descending=descending)


def _pick(x, idx, d, keepdim):
    """Values at `idx` (keepdims-shaped) along `d`, and the indices, both optionally squeezed."""
    values = jnp.take_along_axis(x, idx, axis=d)
    if not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    return values, idx.astype(_INT64)


# --- sort, argsort, topk, kthvalue --------------------------------------------------------------------------------

_SortResult, _SortOut = named("sort", ("values", "indices"))
_TopkResult, _TopkOut = named("topk", ("values", "indices"))
_KthResult, _KthOut = named("kthvalue", ("values", "indices"))
_ModeResult, _ModeOut = named("mode", ("values", "indices"))
_MedianResult, _MedianOut = named("median", ("values", "indices"))
_NanmedianResult, _NanmedianOut = named("nanmedian", ("values", "indices"))


@op(method=False, result=_SortResult, grad_name="SortBackward0")
def _sort(input, dim=-1, descending=False, *, stable=False):
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        return input, jnp.zeros((), _INT64)
    idx = _argsort(input, d, descending)
    return jnp.take_along_axis(input, idx, axis=d), idx.astype(_INT64)


sort = with_out_name("sort", _sort, _SortOut)


@op(differentiable=False)
def argsort(input, dim=-1, descending=False, *, stable=False):
    """torch.argsort: always stable."""
    d = wrap_dim(dim, input.ndim)
    return _argsort(input, d, descending).astype(_INT64) if input.ndim else jnp.zeros((), _INT64)


@op(grad_name="SortBackward0")
def msort(input):
    """torch.msort: sorted along dim 0."""
    return jnp.sort(input, axis=0, stable=True) if input.ndim else input


@op(method=False, result=_TopkResult, grad_name="TopkBackward0")
def _topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    d = wrap_dim(-1 if dim is None else dim, input.ndim)
    if input.dtype == jnp.bool_:
        raise TorchRuntimeError("topk does not support bool dtypes on CPU")
    size = input.shape[d] if input.ndim else 1
    if not 0 <= k <= size:
        raise TorchRuntimeError("selected index k out of range")
    if input.ndim == 0:
        return input, jnp.zeros((), _INT64)
    idx = lax.slice_in_dim(_argsort(input, d, largest), 0, k, axis=d)
    return _pick(input, idx, d, True)


topk = with_out_name("topk", _topk, _TopkOut)


@op(method=False, result=_KthResult, grad_name="KthvalueBackward0")
def _kthvalue(input, k, dim=-1, keepdim=False):
    d = wrap_dim(-1 if dim is None else dim, input.ndim)
    if input.ndim == 0:
        if k != 1:
            raise TorchRuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
        return input, jnp.zeros((), _INT64)
    check_nonempty("kthvalue", input, (d,))
    if not 1 <= k <= input.shape[d]:
        raise TorchRuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    idx = lax.slice_in_dim(_argsort(input, d), k - 1, k, axis=d)
    return _pick(input, idx, d, keepdim)


def _kthvalue_checked(input, k, dim=-1, keepdim=False, *, out=None):
    """torch.kthvalue: the k-th smallest value along `dim` and its index."""
    if out is None:
        return _kthvalue(input, k, dim, keepdim)
    from torchax._ops.gather import check_out_overlap

    for o in out:
        check_out_overlap(o, input)
    return _kthvalue(input, k, dim, keepdim, out=out)


kthvalue = with_out_name("kthvalue", _kthvalue_checked, _KthOut)


# --- mode, median -------------------------------------------------------------------------------------------------


@op(method=False, result=_ModeResult, grad_name="ModeBackward0")
def _mode(input, dim=-1, keepdim=False):
    """The smallest most frequent value and the index of its last occurrence (NaNs are all distinct)."""
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        return input, jnp.zeros((), _INT64)
    check_nonempty("mode", input, (d,))
    x = jnp.moveaxis(input, d, -1)
    perm = _argsort(x, -1)
    sv = jnp.take_along_axis(x, perm, axis=-1)
    n = sv.shape[-1]
    pos = lax.broadcasted_iota(jnp.int32, sv.shape, sv.ndim - 1)
    new_run = jnp.concatenate([jnp.ones(sv.shape[:-1] + (1,), bool), sv[..., 1:] != sv[..., :-1]], axis=-1)
    ends_run = jnp.concatenate([new_run[..., 1:], jnp.ones(sv.shape[:-1] + (1,), bool)], axis=-1)
    start = lax.cummax(jnp.where(new_run, pos, 0), axis=sv.ndim - 1)
    end = lax.cummin(jnp.where(ends_run, pos, n - 1), axis=sv.ndim - 1, reverse=True)
    best = jnp.argmax(end - start, axis=-1, keepdims=True)  # first = smallest value among the most frequent
    idx = jnp.take_along_axis(perm, jnp.take_along_axis(end, best, axis=-1), axis=-1)  # stable: last occurrence
    return _pick(input, jnp.moveaxis(idx, -1, d), d, keepdim)


mode = with_out_name("mode", _mode, _ModeOut)


def _median(name, x, dim, keepdim, ignore_nan):
    if dim is None:  # the lower median of every element, NaN if any (median) or of the non-NaN ones (nanmedian)
        sv = jnp.sort(x.reshape(-1))
        nnan = jnp.sum(_isnan(sv))
        m = sv.shape[0] - nnan if ignore_nan else sv.shape[0]
        if sv.shape[0] == 0:
            return jnp.full((), jnp.nan, x.dtype)
        pos = jnp.maximum((m - 1) // 2, 0)
        if not ignore_nan:
            pos = jnp.where(nnan > 0, sv.shape[0] - 1, pos)
        return sv[pos]
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return x, jnp.zeros((), _INT64)
    check_nonempty(name, x, (d,))
    perm = _argsort(x, d)
    n = x.shape[d]
    nnan = jnp.sum(_isnan(x), axis=d, keepdims=True)
    if ignore_nan:
        pos = jnp.maximum((n - nnan - 1) // 2, 0)
    else:  # a NaN row picks its first NaN (stable sort keeps original order)
        pos = jnp.where(nnan > 0, n - nnan, (n - 1) // 2)
    idx = jnp.take_along_axis(perm, pos, axis=d)
    return _pick(x, idx, d, keepdim)


def _median_overloads(name, ignore_nan, result, out_cls):
    """median(input) -> the lower median; median(input, dim, keepdim=False) -> (values, indices)."""
    stem = name.capitalize()

    def impl(input, dim=None, keepdim=False):
        return _median(name, input, dim, keepdim, ignore_nan)

    full = op(name=f"_{name}", method=False, grad_name=f"{stem}Backward0")(impl)
    over_dim = op(name=f"_{name}_dim", method=False, result=result, grad_name=f"{stem}Backward1")(impl)

    def public(input, dim=None, keepdim=False, *, out=None):
        if dim is None:
            return full(input, out=out)
        if out is None:
            return over_dim(input, dim, keepdim)
        return out_cls(*over_dim(input, dim, keepdim, out=out))

    public.__name__ = public.__qualname__ = name
    public.__doc__ = f"torch.{name}: the lower median of all elements, or (values, indices) along `dim`."
    return composite(name)(public)


median = _median_overloads("median", False, _MedianResult, _MedianOut)
nanmedian = _median_overloads("nanmedian", True, _NanmedianResult, _NanmedianOut)


# --- quantile -----------------------------------------------------------------------------------------------------

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _lerp(a, b, w):
    """torch's lerp formula (exact at both ends)."""
    return jnp.where(w < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


@op(method=False)
def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    x = input
    scalar_q = not hasattr(q, "ndim") or q.ndim == 0
    qa = jnp.asarray(q, x.dtype).reshape(-1)
    if dim is None:
        rows, d = x.reshape(-1), None
    else:
        d = wrap_dim(dim, x.ndim)
        rows = jnp.moveaxis(x, d, -1) if x.ndim else x.reshape(1)
    sv = jnp.sort(rows, axis=-1)[..., None, :]  # (..., 1, n): NaN last
    last = sv.shape[-1] - 1
    nnan = jnp.sum(jnp.isnan(sv), axis=-1)  # (..., 1)
    if ignore_nan:
        ranks = jnp.maximum(qa * (last - nnan).astype(x.dtype), 0)
    else:
        ranks = jnp.maximum(qa * last, jnp.where(nnan > 0, last, 0).astype(x.dtype))
    if interpolation == "lower":
        ranks = jnp.floor(ranks)
    elif interpolation == "higher":
        ranks = jnp.ceil(ranks)
    elif interpolation == "nearest":
        ranks = jnp.round(ranks)
    below = ranks.astype(_INT64)
    out = jnp.take_along_axis(sv[..., 0, :], below, axis=-1)  # (..., Q)
    if interpolation in ("linear", "midpoint"):
        above = jnp.take_along_axis(sv[..., 0, :], jnp.ceil(ranks).astype(_INT64), axis=-1)
        w = jnp.full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below
        out = _lerp(out, above, w)
    out = jnp.moveaxis(out, -1, 0)  # (Q, ...)
    if keepdim and x.ndim:
        out = out.reshape(out.shape[:1] + (1,) * x.ndim) if d is None else jnp.expand_dims(out, d + 1)
    return out[0] if scalar_q else out


def _quantile_front(name, ignore_nan):
    def fn(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
        if not (input.dtype is _dtype.float32 or input.dtype is _dtype.float64):
            raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
        if input.numel() == 0:
            raise RuntimeError(f"{name}() input tensor must be non-empty")
        if interpolation not in _INTERPOLATIONS:
            raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                               f"Got {interpolation}")
        if isinstance(q, Tensor):
            if q.ndim > 1:
                raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
            if q.dtype is not input.dtype:
                raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
            qv = q._value
            if not isinstance(qv, jax.core.Tracer) and not bool(jnp.all((qv >= 0) & (qv <= 1))):
                raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        elif isinstance(q, (float, int)) and not isinstance(q, bool):
            if not 0 <= q <= 1:
                raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
            q = float(q)
        else:
            raise TypeError(f"{name}() received an invalid combination of arguments - got q of type "
                            f"{type(q).__name__}")
        return _quantile(input, q, dim, keepdim, interpolation, ignore_nan, out=out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.{name}: q a float or a 0-d/1-d tensor (a leading dim of len(q)); torch's interpolations."
    return composite(name)(fn)


quantile = _quantile_front("quantile", False)
nanquantile = _quantile_front("nanquantile", True)


# --- searching ----------------------------------------------------------------------------------------------------


def _search(seq, values, right, who):
    rt = _dtype.JNP[_dtype.result_type([(_dtype.from_jax(seq.dtype), seq.ndim),
                                        (_dtype.from_jax(values.dtype), values.ndim)])]
    seq, values = seq.astype(rt), values.astype(rt)
    side = "right" if right else "left"
    if seq.ndim == 1:
        return jnp.searchsorted(seq, values, side=side)
    lead = seq.shape[:-1]
    flat = jax.vmap(lambda s, v: jnp.searchsorted(s, v, side=side))(
        seq.reshape((-1, seq.shape[-1])), values.reshape((-1, values.shape[-1])))
    return flat.reshape(lead + values.shape[-1:])


@op(method=False, dynamic=("input",), differentiable=False)
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """torch.searchsorted: along the innermost dim of a 1-D or batched sorted sequence; `input` may be a scalar."""
    seq, values = sorted_sequence, jnp.asarray(input)
    if side not in (None, "left", "right"):
        raise TorchRuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
    if side == "left" and right:
        raise TorchRuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                                "while right was True")
    if values.ndim == 0 and seq.ndim != 1:
        raise TorchRuntimeError(f"torch.searchsorted(): input value can be a scalar only when boundaries tensor "
                                f"dimension is 1, but we got boundaries tensor dim({seq.ndim}) and input value's "
                                f"dim({values.ndim}) numel({values.size})")
    if seq.ndim != 1 and seq.shape[:-1] != values.shape[:-1]:
        raise TorchRuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                                f"dimensions of boundaries tensor and input value tensor must match, but we got "
                                f"boundaries tensor {list(seq.shape)} and input value tensor {list(values.shape)}")
    if sorter is not None:
        if sorter.shape != seq.shape:
            raise TorchRuntimeError("torch.searchsorted(): boundary and sorter must have the same size, but got "
                                    f"boundary tensor {list(seq.shape)}and got sorter tensor {list(sorter.shape)}")
        seq = jnp.take_along_axis(seq, sorter.astype(_INT64), axis=-1)
    r = _search(seq, values, right or side == "right", "searchsorted")
    return r.astype(jnp.int32 if out_int32 else _INT64)


@op(method=False, dynamic=("input",), differentiable=False)
def bucketize(input, boundaries, *, out_int32=False, right=False):
    """torch.bucketize: the bucket index of each value in 1-D `boundaries` (right=True: boundaries[i-1] <= x)."""
    if boundaries.ndim != 1:
        raise TorchRuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    r = _search(boundaries, jnp.asarray(input), right, "bucketize")
    return r.astype(jnp.int32 if out_int32 else _INT64)


@op(differentiable=False)
def histc(input, bins=100, min=0, max=0):  # noqa: A002
    """torch.histc: `bins` equal-width bins over [min, max] (the data's range when min == max); out-of-range and
    NaN elements are ignored; the last bin includes max."""
    if not jnp.issubdtype(input.dtype, jnp.floating):
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{type_name(input.dtype)}'")
    if bins <= 0:
        raise TorchRuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if min > max:
        raise TorchRuntimeError("torch.histc: max must be larger than min")
    x = input.reshape(-1)
    lo, hi = jnp.asarray(min, x.dtype), jnp.asarray(max, x.dtype)
    if min == max and x.size:
        lo, hi = jnp.min(x), jnp.max(x)
    same = lo == hi
    lo, hi = jnp.where(same, lo - 1, lo), jnp.where(same, hi + 1, hi)
    inside = (x >= lo) & (x <= hi)
    pos = ((x - lo) * bins / (hi - lo)).astype(_INT64)
    pos = jnp.where(inside, jnp.minimum(pos, bins - 1), bins)  # bin `bins` collects the ignored elements
    return jnp.zeros(bins + 1, upcast(x).dtype).at[pos].add(1)[:bins].astype(x.dtype)


# --- data-dependent shapes (eager, computed with numpy on the host) -------------------------------------------------


def _host(x) -> np.ndarray:
    return np.asarray(jax.device_get(x))


def _to_device(a: np.ndarray, like):
    """Put a host result on the device of the input it came from."""
    return jax.device_put(a, next(iter(like.devices())))


@op(jit=False, differentiable=False)
def bincount(input, weights=None, minlength=0):
    """torch.bincount: int64 counts, or weighted sums (float32 weights stay float32, others give float64)."""
    x = _host(input)
    if x.ndim == 1 and x.dtype.kind == "f":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{type_name(input.dtype)}'")
    if x.ndim != 1 or x.dtype.kind not in "iu" or (x.size and x.min() < 0):
        raise TorchRuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise TorchRuntimeError("minlength should be >= 0")
    if weights is not None and weights.shape != input.shape:
        raise TorchRuntimeError("weights should be 1-d and have the same length as input")
    if weights is None:
        return _to_device(np.bincount(x, minlength=minlength).astype(np.int64), input)
    out = np.float32 if weights.dtype == jnp.float32 else np.float64
    w = _host(weights).astype(np.float64)
    return _to_device(np.bincount(x, w, minlength=minlength).astype(out), input)


@op(jit=False, differentiable=False)
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """torch.unique: always sorted (as torch on CPU); NaNs are not merged; with `dim`, unique slices."""
    d = None if dim is None else wrap_dim(dim, input.ndim)
    x = _host(input)
    values, inverse, counts = np.unique(x.reshape(-1) if d is None else x, return_inverse=True, return_counts=True,
                                        axis=d, equal_nan=False)
    out = [values]
    if return_inverse:
        out.append(inverse.reshape(x.shape if d is None else -1).astype(np.int64))
    if return_counts:
        out.append(counts.astype(np.int64))
    out = [_to_device(a, input) for a in out]
    return out[0] if len(out) == 1 else tuple(out)


@op(jit=False, differentiable=False)
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """torch.unique_consecutive: collapse runs of equal elements (or equal slices along `dim`)."""
    d = None if dim is None else wrap_dim(dim, input.ndim)
    a = _host(input)
    x = a.reshape(-1) if d is None else np.moveaxis(a, d, 0)
    n = x.shape[0]
    differs = (x[1:] != x[:-1]).reshape(builtins.max(n - 1, 0), math.prod(x.shape[1:])).any(axis=1)
    starts = np.concatenate([np.ones(builtins.min(n, 1), bool), differs])
    keep = np.flatnonzero(starts)
    out = [x[keep] if d is None else np.moveaxis(x[keep], 0, d)]
    if return_inverse:
        inverse = np.cumsum(starts) - 1
        out.append((inverse.reshape(a.shape) if d is None else inverse).astype(np.int64))
    if return_counts:
        out.append(np.diff(np.append(keep, n)).astype(np.int64))
    out = [_to_device(np.ascontiguousarray(o), input) for o in out]
    return out[0] if len(out) == 1 else tuple(out)
