"""The per-rank bodies of the collectives: pure JAX on this rank's block (shape (1, *s)) over mesh axis `axis`.

Module-level functions with static arguments only, so that each (group, body, static, shape, dtype) compiles once.
"""

from __future__ import annotations

import jax.numpy as jnp
from jax import lax


def _bitwise(op):
    return {"BAND": jnp.bitwise_and, "BOR": jnp.bitwise_or, "BXOR": jnp.bitwise_xor}[op]


def _reduce_gathered(g, op):
    """Reduce the (n, ...) stack of every rank's value along axis 0."""
    if op == "PRODUCT":
        return jnp.prod(g, axis=0, dtype=g.dtype)
    fn = _bitwise(op)
    out = g[0]
    for i in range(1, g.shape[0]):
        out = fn(out, g[i])
    return out


def all_reduce(x, axis, op):
    """x reduced over the ranks with torch's ReduceOp `op` (a name)."""
    dt = x.dtype
    if dt == jnp.bool_:  # torch reduces bool as logical or (SUM/MAX) / and (MIN/PRODUCT)
        y = all_reduce(x.astype(jnp.int32), axis, "MIN" if op in ("MIN", "PRODUCT", "BAND") else "MAX")
        return y.astype(jnp.bool_)
    if op in ("SUM", "AVG"):
        y = lax.psum(x, axis)
        if op == "AVG":
            n = lax.psum(1, axis)
            y = (y / n).astype(dt) if jnp.issubdtype(dt, jnp.inexact) else y // n
        return y
    if op == "MAX":
        return lax.pmax(x, axis)
    if op == "MIN":
        return lax.pmin(x, axis)
    return _reduce_gathered(lax.all_gather(x, axis, tiled=True), op)[None]


def broadcast(x, axis, src):
    """Every rank gets rank `src`'s value (exact for every dtype: a gather, not a masked sum)."""
    return lax.all_gather(x, axis, tiled=True)[src][None]


def all_gather(x, axis):
    """(1, n, *s): every rank's value, in rank order."""
    return lax.all_gather(x, axis, tiled=True)[None]


def reduce_scatter(x, axis, op):
    """x has shape (1, n, *s): this rank gets the reduction of every rank's chunk [rank]."""
    if op in ("SUM", "AVG"):
        y = lax.psum_scatter(x[0], axis, scatter_dimension=0, tiled=True)
        if op == "AVG":
            n = lax.psum(1, axis)
            y = (y / n).astype(x.dtype) if jnp.issubdtype(x.dtype, jnp.inexact) else y // n
        return y
    full = all_reduce(x, axis, op)[0]
    return lax.dynamic_index_in_dim(full, lax.axis_index(axis), 0, keepdims=True)


def all_to_all(x, axis):
    """x has shape (1, n, *s): chunk j goes to rank j; this rank gets (1, n, *s) of the chunks sent to it."""
    return lax.all_to_all(x[0], axis, 0, 0, tiled=True)[None]


def scatter(x, axis, src):
    """x has shape (1, n, *s) (zeros except on `src`): this rank gets chunk [rank] of rank `src`'s x."""
    return lax.all_to_all(x[0], axis, 0, 0, tiled=True)[src][None]


def send_recv(x, axis):
    """A 2-member group (src, dst): dst gets src's value."""
    return lax.ppermute(x, axis, [(0, 1)])


def add_check(x, axis):
    """A barrier: a tiny all-reduce every rank must join."""
    return lax.psum(x, axis)

