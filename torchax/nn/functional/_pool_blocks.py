"""max pooling over non-overlapping windows (kernel == stride, no padding or dilation: the common MaxPool2d(2)).

The general path (pooling._window_max) stacks each window's elements and reduces over the window axis; XLA:CPU runs
those small strided reductions (and the argmax) slowly: ~3x torch's time for a MaxPool2d(2) forward + backward. Here
every window element is one strided slice, the scan over them is elementwise (one fused loop), and the
tangent is a select by the winning offset, whose transpose is one fused loop as well (measured on
benchmarks/train.py's CNN: forward + backward ~10x faster, ~3x faster than torch's).
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

_MAX_UNROLLED = 64  # window elements scanned one by one; larger windows take the general path


def nonoverlapping(k, s, p, d, out, spatial) -> bool:
    """Whether a max pooling has windows that tile (part of) the input: kernel == stride, no padding or dilation."""
    return (k == s and not any(p) and all(v == 1 for v in d) and math.prod(k) <= _MAX_UNROLLED
            and all(o * kk <= i for o, kk, i in zip(out, k, spatial)))


def _window_elements(x, k, out):
    """The math.prod(k) window elements of each output position, as strided slices of x in row-major window order.

    NOTE: slices, not views of a reshape into (out, k) blocks: XLA:CPU's fused ReLU and pool gradients of
    benchmarks/train.py's CNN take ~20% less time (its trace, measured against the reshape)."""
    for offset in np.ndindex(*k):
        yield x[(slice(None), slice(None)) + tuple(slice(a, a + o * kk, kk) for a, o, kk in zip(offset, out, k))]


def _scan_max(x, k, out):
    """(values, winning window offset): torch's scan, the first maximum wins and any NaN wins (the last one)."""
    best = sel = None
    floating = jnp.issubdtype(x.dtype, jnp.floating)
    for t, e in enumerate(_window_elements(x, k, out)):
        if best is None:
            best, sel = e, jnp.zeros(e.shape, jnp.int32)
            continue
        take = (e > best) | jnp.isnan(e) if floating else e > best
        best, sel = jnp.where(take, e, best), jnp.where(take, jnp.int32(t), sel)
    return best, sel


@functools.partial(jax.custom_jvp, nondiff_argnums=(1, 2))
def nonoverlap_max(x, k, out):
    return _scan_max(x, k, out)[0]


@nonoverlap_max.defjvp
def _nonoverlap_max_jvp(k, out, primals, tangents):
    (x,), (tx,) = primals, tangents
    values, sel = _scan_max(x, k, out)
    tangent = None
    for t, e in enumerate(_window_elements(tx, k, out)):
        tangent = e if tangent is None else jnp.where(sel == t, e, tangent)
    return values, tangent


def nonoverlap_indices(x, k, out):
    """Flat indices into each input plane of the elements nonoverlap_max picks."""
    sel = lax.stop_gradient(_scan_max(x, k, out)[1]).astype(jnp.int64)
    spatial, n = x.shape[2:], len(k)
    idx = jnp.zeros(sel.shape, jnp.int64)
    for dim in range(n):
        a = (sel // math.prod(k[dim + 1:])) % k[dim]
        pos = jnp.arange(out[dim], dtype=jnp.int64).reshape((-1,) + (1,) * (n - 1 - dim)) * k[dim] + a
        idx = idx + pos * math.prod(spatial[dim + 1:])
    return idx
