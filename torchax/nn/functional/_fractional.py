"""torch.nn.functional: fractional_max_pool2d/3d (pseudo-random window starts, one sample per plane and dim)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from torchax._registry import Static, TorchRuntimeError, TorchValueError, op
from torchax.nn.functional.pooling import _check_input, _tuple, _window_max

__all__ = ["fractional_max_pool2d", "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d_with_indices"]


class _Intervals:
    """torch's generate_intervals: window i of a plane starts at int((i + u) * a) - int(u * a), a = (in - k) / (o - 1),
    the last window at in - k; `u` is the plane's sample (computed in the samples' dtype, as torch)."""

    def __init__(self, sample, size, o, k):
        i = jnp.arange(o, dtype=sample.dtype)
        alpha = jnp.asarray(size - k, sample.dtype) / jnp.asarray(max(o - 1, 1), sample.dtype)
        u = sample[..., None]
        start = jnp.trunc((i + u) * alpha).astype(jnp.int64) - jnp.trunc(u * alpha).astype(jnp.int64)
        start = jnp.where(jnp.arange(o) == o - 1, size - k, start)
        self.o, self.k = o, k
        self.pos = start[..., None] + jnp.arange(k)  # (N, C, o, k)
        self.valid = np.ones((1, 1), bool)

    def _shaped(self, ndim, axis, last):
        n, c = self.pos.shape[:2]
        return self.pos.reshape(n, c, *(1,) * (axis - 2), *last, *(1,) * (ndim - axis - len(last)))

    def offsets(self, ndim, axis):
        return self._shaped(ndim, axis, (self.o, self.k))

    def __call__(self, x, axis):
        idx = self._shaped(x.ndim, axis, (self.o * self.k,))
        shape = list(x.shape)
        shape[axis] = self.o * self.k
        g = jnp.take_along_axis(x, jnp.broadcast_to(idx, shape), axis)
        return g.reshape(*x.shape[:axis], self.o, self.k, *x.shape[axis + 1:])


@op(name="_fractional_max_pool", method=False, out=False,
    grad_name=lambda spec: f"FractionalMaxPool{spec[2]}DBackward0")
def _fractional_max_pool(input, samples, n, kernel_size, output_size):
    fname = f"fractional_max_pool{n}d"
    x = _check_input(fname, input, n)
    if samples.shape != (x.shape[0], x.shape[1], n) or samples.dtype != x.dtype:
        raise TorchRuntimeError(f"{fname}(): expected _random_samples of shape {[x.shape[0], x.shape[1], n]} and "
                                f"dtype matching the input, but got {list(samples.shape)}")
    spatial = x.shape[2:]
    names = ("time", "height", "width")[3 - n:]
    for name, i, o, k in zip(names, spatial, output_size, kernel_size):
        if o + k - 1 > i:
            raise TorchRuntimeError(f"{fname}_out(): pool {name} {k} too large relative to input {name} {i}")
    # torch's sample order: (width, height) for 2-d planes, (time, height, width) for 3-d ones
    order = (1, 0) if n == 2 else (0, 1, 2)
    dims = [_Intervals(samples[:, :, j], i, o, k) for j, i, o, k in zip(order, spatial, output_size, kernel_size)]
    values, indices = _window_max(x, dims)
    if input.ndim == n + 1:
        values, indices = values[0], indices[0]
    return values, indices


def _fractional(n, input, kernel_size, output_size, output_ratio, return_indices, _random_samples):
    fname = f"fractional_max_pool{n}d"
    if output_size is None and output_ratio is None:
        raise TorchValueError(f"{fname} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        ratio = tuple(output_ratio) if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * n
        if len(ratio) == 1:
            ratio = ratio * n
        if len(ratio) != n:
            raise TorchValueError(f"{fname} requires output_ratio to either be a single Int or tuple of Ints.")
        output_size = [int(input.size(d - n) * ratio[d]) for d in range(n)]
    k = _tuple(fname, "kernel_size", kernel_size, n)
    size = _tuple(fname, "output_size", output_size, n)
    if _random_samples is None:
        from torchax._ops.random import rand

        n_batch = 1 if input.dim() == n + 1 else input.size(0)
        _random_samples = rand(n_batch, input.size(-n - 1), n, dtype=input.dtype, device=input.device)
    values, indices = _fractional_max_pool(input, _random_samples, n, Static(k), Static(size))
    return (values, indices) if return_indices else values


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """torch.nn.functional.fractional_max_pool2d."""
    return _fractional(2, input, kernel_size, output_size, output_ratio, return_indices, _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """torch.nn.functional.fractional_max_pool3d."""
    return _fractional(3, input, kernel_size, output_size, output_ratio, return_indices, _random_samples)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """torch.nn.functional.fractional_max_pool2d_with_indices."""
    return _fractional(2, input, kernel_size, output_size, output_ratio, True, _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """torch.nn.functional.fractional_max_pool3d_with_indices."""
    return _fractional(3, input, kernel_size, output_size, output_ratio, True, _random_samples)
