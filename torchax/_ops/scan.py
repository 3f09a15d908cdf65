"""Scans along one dim: cumsum, cumprod, cummax, cummin, logcumsumexp, and diff (re-exported by reduction.py)."""

from __future__ import annotations

import jax.numpy as jnp
from jax import lax

from torchax import _dtype
from torchax._ops.reduction import named, upcast, with_out_name, wrap_dim
from torchax._registry import TorchRuntimeError, op

__all__ = ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "diff"]

_INT64 = jnp.dtype(jnp.int64)


def _cum(f, x, dim, dtype):
    d = wrap_dim(dim, x.ndim)
    out_dtype = _dtype.JNP[dtype] if dtype is not None else _INT64 if x.dtype.kind in "biu" else x.dtype
    x = upcast(x.astype(out_dtype))
    return (f(x, axis=d) if x.ndim else x).astype(out_dtype)


@op(inplace=True)
def cumsum(input, dim, *, dtype=None):
    """torch.cumsum: integer and bool inputs accumulate in int64."""
    return _cum(jnp.cumsum, input, dim, dtype)


@op(inplace=True)
def cumprod(input, dim, *, dtype=None):
    """torch.cumprod."""
    return _cum(jnp.cumprod, input, dim, dtype)


_CummaxResult, _CummaxOut = named("cummax", ("values", "indices"))
_CumminResult, _CumminOut = named("cummin", ("values", "indices"))


def _cum_extreme(x, dim, running):
    """Running extreme with its index; ties and NaNs move the index to the latest position, as torch's kernel."""
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return x, jnp.zeros((), _INT64)
    v = x.astype(jnp.uint8) if x.dtype == jnp.bool_ else x
    values = running(v, axis=d)  # NaN propagates: once seen, it stays
    pos = lax.broadcasted_iota(_INT64, x.shape, d)
    # torch moves the index whenever the new element is NaN or ties/beats the running extreme, i.e. equals it now
    hit = (v == values) | (jnp.isnan(v) if jnp.issubdtype(v.dtype, jnp.inexact) else False)
    idx = lax.cummax(jnp.where(hit, pos, 0), axis=d)
    return jnp.take_along_axis(x, idx, axis=d), idx  # gathered, so the gradient goes to the index, as torch


@op(method=False, result=_CummaxResult, grad_name="CummaxBackward0")
def _cummax(input, dim):
    return _cum_extreme(input, dim, lax.cummax)


@op(method=False, result=_CumminResult, grad_name="CumminBackward0")
def _cummin(input, dim):
    return _cum_extreme(input, dim, lax.cummin)


cummax = with_out_name("cummax", _cummax, _CummaxOut)
cummin = with_out_name("cummin", _cummin, _CumminOut)


@op()
def logcumsumexp(input, dim):
    """torch.logcumsumexp: floating inputs only, as torch's CPU kernel."""
    if not jnp.issubdtype(input.dtype, jnp.inexact):
        name = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{name.get(input.dtype.name)}'")
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        return input
    return lax.cumlogsumexp(upcast(input), axis=d).astype(input.dtype)


@op(grad_name="SubBackward0")
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """torch.diff: n-th forward difference along `dim` (bool inputs use xor), after concatenating prepend/append."""
    if input.ndim == 0:
        raise TorchRuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise TorchRuntimeError(f"order must be non-negative but got {n}")
    d = wrap_dim(dim, input.ndim)
    parts = [p for p in (prepend, input, append) if p is not None]
    if any(p.ndim != input.ndim for p in parts):
        raise TorchRuntimeError("diff expects prepend or append to be the same dimension as input")
    rt = _dtype.JNP[_dtype.result_type([(_dtype.from_jax(p.dtype), p.ndim) for p in parts])]
    x = jnp.concatenate([p.astype(rt) for p in parts], axis=d) if len(parts) > 1 else input
    for _ in range(n):
        if x.shape[d] == 0:
            break
        m = x.shape[d]
        hi, lo = lax.slice_in_dim(x, 1, m, axis=d), lax.slice_in_dim(x, 0, m - 1, axis=d)
        x = hi != lo if x.dtype == jnp.bool_ else hi - lo
    return x
