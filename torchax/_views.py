"""Aliasing for views: reading a view from its base storage, writing through it, and its strides.

A view is a chain of steps from the base array, each step `(kernel key, dynamic args, output index)`
naming the registered view kernel that derived it. Reading replays the chain; writing replays it on
an index array (`iota`) to learn which base elements the view covers and scatters the new values
there — one mechanism for slices, transposes, reshapes, diagonals and unfolds alike. Read and write
functions are jitted once per chain shape (the kernel keys), never per index value.

Strides follow torch: each view kernel is written against the array API that numpy shares, so
replaying the chain on a zero-copy numpy array with the base's strides yields torch's strides and
storage offset without touching data.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from numpy.lib.stride_tricks import as_strided

from torchax import _registry

_READ: dict = {}
_WRITE: dict = {}


def _replay(keys):
    kernels = [(_registry._KERNELS[k], i) for k, i in keys]

    def apply(v, dyns):
        for (k, i), d in zip(kernels, dyns):
            v = k(v, *d)
            if i is not None:
                v = v[i]
        return v

    return apply


def _keys(chain):
    return tuple((k, i) for k, _, i in chain)


def read(chain, base):
    keys = _keys(chain)
    f = _READ.get(keys)
    if f is None:
        f = _READ[keys] = jax.jit(_replay(keys))
    return f(base, [d for _, d, _ in chain])


def read_fn(chain):
    """The chain as a plain JAX function of the base (differentiable; used by autograd)."""
    replay, dyns = _replay(_keys(chain)), [d for _, d, _ in chain]
    return lambda base: replay(base, dyns)


def scatter_fn(chain):
    """base, new -> base with `new` written into the view (differentiable in both)."""
    replay, dyns = _replay(_keys(chain)), [d for _, d, _ in chain]

    def scatter(base, new):
        return _scatter(replay, base, new, dyns)

    return scatter


def _scatter(replay, base, new, dyns):
    itype = jnp.int32 if base.size < 2**31 else jnp.int64
    idx = replay(jnp.arange(base.size, dtype=itype).reshape(base.shape), dyns)
    # NOTE: indices may repeat (fill_ through an expanded view writes one value to a shared element)
    flat = base.reshape(-1).at[idx.reshape(-1)].set(new.reshape(-1))
    return flat.reshape(base.shape)


def write(chain, base, new):
    """The base array after writing `new` into the view `chain` of it."""
    keys = _keys(chain)
    f = _WRITE.get(keys)
    if f is None:
        replay = _replay(keys)
        f = _WRITE[keys] = jax.jit(lambda base, new, dyns: _scatter(replay, base, new, dyns))
    return f(base, new, [d for _, d, _ in chain])


def contiguous_strides(shape) -> tuple:
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))


def layout(chain, base_shape) -> tuple[tuple, tuple, int]:
    """(shape, strides, storage_offset) of a view, in elements, as torch reports them."""
    buf = np.empty(1, np.uint8)
    fake = as_strided(buf, shape=base_shape, strides=contiguous_strides(base_shape))
    start = fake.__array_interface__["data"][0]
    v = fake
    for k, d, i in chain:
        opdef, arg_spec, kw_spec, _ = k
        args, kwargs = _registry.fill_args(arg_spec, kw_spec, [v], d)
        v = opdef.impl(*args, **kwargs)
        if i is not None:
            v = v[i]
    offset = v.__array_interface__["data"][0] - start
    return v.shape, tuple(v.strides), offset


def is_contiguous(shape, strides) -> bool:
    expected = 1
    for n, s in zip(reversed(shape), reversed(strides)):
        if n == 1:
            continue
        if s != expected:
            return False
        expected *= n
    return True


def view_strides(shape, strides, new_shape):
    """torch's rule for `view`: the strides of `new_shape` over the same memory, or None if impossible.

    Dimensions of the old shape are grouped into runs that are contiguous in memory; each run must be
    split or merged into whole dimensions of the new shape.
    """
    numel = int(np.prod(shape))
    if numel == 0 or not shape:
        return contiguous_strides(new_shape)
    new_strides = [0] * len(new_shape)
    nd = len(new_shape) - 1
    chunk_numel, view_numel = 1, 1
    base_stride = strides[-1]
    for d in range(len(shape) - 1, -1, -1):
        chunk_numel *= shape[d]
        # a run ends where the next outer dim is not laid out right after this run
        if d == 0 or (shape[d - 1] != 1 and strides[d - 1] != chunk_numel * base_stride):
            while nd >= 0 and (view_numel < chunk_numel or new_shape[nd] == 1):
                new_strides[nd] = view_numel * base_stride
                view_numel *= new_shape[nd]
                nd -= 1
            if view_numel != chunk_numel:
                return None
            if d > 0:
                base_stride = strides[d - 1]
                chunk_numel, view_numel = 1, 1
    if nd != -1:
        return None
    return tuple(new_strides)
