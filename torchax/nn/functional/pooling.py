"""torch.nn.functional: max/avg/adaptive/LP pooling, max_unpool.

Every pooling op is one kernel. A window is read as one strided slice (or a gather, for adaptive bins) per kernel
offset, and the offsets are reduced in torch's order: max keeps the first maximum (a NaN always wins, the last one
seen), so values, indices and gradients equal torch's, ties included (the gradient goes to the chosen element only).
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from torchax._ops.pointwise_unary import float_abs
from torchax._registry import Static, TorchNotImplementedError, TorchRuntimeError, TorchValueError, op
from torchax.nn.functional._pool_blocks import nonoverlap_indices, nonoverlap_max, nonoverlapping
from torchax.nn.functional.conv import _is_int

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
           "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "lp_pool1d", "lp_pool2d", "lp_pool3d", "max_unpool1d", "max_unpool2d",
           "max_unpool3d"]
# torch.<name> functions that torch also exposes at top level (signatures may differ from F.<name>)
TOPLEVEL: dict = {}

_WORDS = {1: "one", 2: "two", 3: "three"}
_HALF = (jnp.dtype(jnp.float16), jnp.dtype(jnp.bfloat16))


def _grad_name(kind, suffix="", pos=1):
    """torch's grad_fn name: 1-d pooling runs as 2-d pooling of an unsqueezed input, then squeezes."""
    return lambda spec: "SqueezeBackward1" if spec[pos] == 1 else f"{kind}{spec[pos]}D{suffix}Backward0"


def _tuple(fname, what, value, n, default=None):
    """kernel_size/stride/padding/dilation -> n-tuple; an empty list or None stride means the kernel size."""
    if value is None or (isinstance(value, (tuple, list)) and not value and default is not None):
        return default
    if _is_int(value):
        return (int(value),) * n
    if isinstance(value, (tuple, list)) and len(value) in (1, n) and all(_is_int(v) for v in value):
        return tuple(int(v) for v in value) * (n if len(value) == 1 else 1)
    raise TorchRuntimeError(f"{fname}: {what} must either be a single int, or a tuple of {_WORDS[n]} ints")


def _canon(fname, n, kernel_size, stride, padding, dilation=1):
    """Canonical n-tuples, so that equal pooling geometries share one kernel however they are spelled."""
    k = _tuple(fname, "kernel_size", kernel_size, n)
    s = _tuple(fname, "stride", stride, n, default=k)
    return Static(k), Static(s), Static(_tuple(fname, "padding", padding, n)), Static(_tuple(fname, "dilation",
                                                                                             dilation, n))


def _fmt(shape) -> str:
    return "x".join(map(str, shape))


def _check_input(fname, input, n, dtype_ok=True):
    if input.ndim not in (n + 1, n + 2) or any(s == 0 for s in input.shape[-n - 1:]):
        raise TorchRuntimeError(f"Expected {n + 1}D or {n + 2}D (batch mode) tensor with optional 0 dim batch size "
                                f"for input, but got:{list(input.shape)}")
    if input.dtype == jnp.bool_ or not dtype_ok:
        from torchax import _dtype

        raise TorchNotImplementedError(f"\"{fname}\" not implemented for "
                                       f"'{_dtype.type_name(_dtype.from_jax(input.dtype))}'")
    if jnp.issubdtype(input.dtype, jnp.complexfloating):
        raise TorchRuntimeError(f"\"{fname}\" not implemented for 'ComplexFloat'")
    return input if input.ndim == n + 2 else input[None]


def _out_size(i, k, s, p, d, ceil_mode):
    """torch's pooling_output_shape: with ceil_mode the last window must start inside the input or left padding."""
    num = i + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    o = num // s + 1
    if ceil_mode and (o - 1) * s >= i + p:
        o -= 1
    return o


def _geometry(fname, x, n, kernel_size, stride, padding, dilation, ceil_mode):
    """Checked pooling parameters and output sizes, with torch's errors."""
    k = _tuple(fname, "kernel_size", kernel_size, n)
    s = _tuple(fname, "stride", stride, n, default=k)
    p = _tuple(fname, "padding", padding, n)
    d = _tuple(fname, "dilation", dilation, n)
    if any(v <= 0 for v in k):
        raise TorchRuntimeError(f"kernel size should be greater than zero, but got {list(k)}")
    if any(v == 0 for v in s):
        raise TorchRuntimeError("stride should not be zero")
    if any(v <= 0 for v in s):
        raise TorchRuntimeError(f"stride should be greater than zero, but got {list(s)}")
    if any(v <= 0 for v in d):
        raise TorchRuntimeError(f"dilation should be greater than zero, but got {list(d)}")
    if any(v < 0 for v in p):
        raise TorchRuntimeError("pad must be non-negative")
    for kk, pp, dd in zip(k, p, d):
        if pp > ((kk - 1) * dd + 1) // 2:
            raise TorchRuntimeError(f"pad should be at most half of effective kernel size, but got pad={pp}, "
                                    f"kernel_size={kk} and dilation={dd}")
    spatial = x.shape[2:]
    out = tuple(_out_size(i, kk, ss, pp, dd, ceil_mode) for i, kk, ss, pp, dd in zip(spatial, k, s, p, d))
    if any(o < 1 for o in out):
        raise TorchRuntimeError(f"Given input size: ({_fmt(x.shape[1:])}). Calculated output size: "
                                f"({_fmt((x.shape[1], *out))}). Output size is too small")
    return k, s, p, d, out


class _Strided:
    """Regular windows along one spatial dim: window j of output i reads position i * s - p + j * d."""

    def __init__(self, size, k, s, p, d, o):
        self.size, self.k, self.s, self.p, self.d, self.o = size, k, s, p, d, o
        self.pos = np.arange(o)[:, None] * s - p + np.arange(k)[None, :] * d
        self.valid = (self.pos >= 0) & (self.pos < size)

    def offsets(self, ndim, axis):
        """Input positions of the windows, shaped to broadcast against windows on axes (axis, axis + 1)."""
        return jnp.asarray(_mask(self.pos, ndim, axis))

    def __call__(self, x, axis):
        """x with dim `axis` replaced by (o, k) windows (the input is zero-padded so each offset is one slice)."""
        hi = max(0, (self.o - 1) * self.s + (self.k - 1) * self.d + 1 - self.size - self.p)
        if self.p or hi:
            pads = [(0, 0)] * x.ndim
            pads[axis] = (self.p, hi)
            x = jnp.pad(x, pads)
        span = (self.o - 1) * self.s + 1
        cols = [lax.slice_in_dim(x, j * self.d, j * self.d + span, self.s, axis) for j in range(self.k)]
        return jnp.stack(cols, axis=axis + 1)


class _Bins:
    """torch's adaptive bins along one dim: start = floor(i * size / o), end = ceil((i + 1) * size / o); bins are
    padded to the widest by repeating their start (masked out)."""

    def __init__(self, size, o):
        i = np.arange(o)
        start = (i * size) // o
        end = -((-(i + 1) * size) // o)
        width = int((end - start).max()) if o else 1
        pos = start[:, None] + np.arange(width)[None, :]
        self.valid = pos < end[:, None]
        self.pos = np.where(self.valid, pos, start[:, None])
        self.count = self.valid.sum(1)

    def offsets(self, ndim, axis):
        return jnp.asarray(_mask(self.pos, ndim, axis))

    def __call__(self, x, axis):
        return jnp.take(x, jnp.asarray(self.pos), axis=axis)


def _mask(valid, ndim, axis):
    """A (o, k) mask shaped to broadcast against an array whose window axis is axis + 1."""
    return valid.reshape(valid.shape + (1,) * (ndim - axis - 2))


def _window_sum(x, dims, acc):
    """Sum over each spatial dim's windows in turn (windows are separable)."""
    y = x.astype(acc)
    for d, win in reversed(list(enumerate(dims))):
        axis = 2 + d
        w = win(y, axis)
        if not win.valid.all():
            w = jnp.where(_mask(win.valid, w.ndim, axis), w, 0)
        y = w.sum(axis + 1)
    return y


def _first_max(w, valid, axis):
    """torch's max scan over one window axis: the first maximum wins, but any NaN wins (the last one seen)."""
    k = w.shape[axis]
    if valid is not None:
        w_valid = _mask(valid, w.ndim, axis - 1)
    if jnp.issubdtype(w.dtype, jnp.floating):
        nan = jnp.isnan(w) if valid is None else jnp.isnan(w) & w_valid
        finite = jnp.where(jnp.isnan(w), -jnp.inf, w)
    else:
        nan, finite = None, w
    if valid is not None:
        finite = jnp.where(w_valid, finite, -jnp.inf if nan is not None else jnp.iinfo(w.dtype).min)
    top = finite.max(axis, keepdims=True)
    hit = finite == top
    if valid is not None:
        hit = hit & w_valid
    sel = jnp.argmax(hit, axis)
    if nan is not None:
        last_nan = k - 1 - jnp.argmax(jnp.flip(nan, axis), axis)
        sel = jnp.where(nan.any(axis), last_nan, sel)
    return jnp.expand_dims(sel, axis) == jnp.arange(k).reshape((k,) + (1,) * (w.ndim - axis - 1))


def _pick(w, onehot, axis):
    """The selected window element (a select and a sum: cheaper to compile than a gather, same gradient)."""
    return jnp.where(onehot, w, jnp.zeros((), w.dtype)).sum(axis)


def _window_max(x, dims):
    """Max over separable windows with torch's tie rules; returns (values, flat indices into each input plane).

    Reducing the last dim first and then the earlier ones picks the lexicographically first maximum (and the
    last NaN), exactly the element torch's row-major scan keeps; gradients reach that element only.
    """
    spatial = x.shape[2:]
    v, idx = x, None
    for d, win in reversed(list(enumerate(dims))):
        axis = 2 + d
        stride = math.prod(spatial[d + 1:])
        w = win(v, axis)
        pos = win.offsets(w.ndim, axis) * stride
        wi = pos if idx is None else win(idx, axis) + pos
        sel = _first_max(w, None if win.valid.all() else win.valid, axis + 1)
        v = _pick(w, sel, axis + 1)
        idx = _pick(wi, sel, axis + 1)
    return v, idx.astype(jnp.int64)


def _strided_dims(x, k, s, p, d, out):
    return [_Strided(i, kk, ss, pp, dd, o) for i, kk, ss, pp, dd, o in zip(x.shape[2:], k, s, p, d, out)]


# --- max pooling ---------------------------------------------------------------------------------------------------


@op(name="_max_pool", method=False, out=False, grad_name=_grad_name("MaxPool", "WithIndices"))
def _max_pool(input, n, kernel_size, stride, padding, dilation, ceil_mode, return_indices, fname):
    x = _check_input(fname, input, n)
    k, s, p, d, out = _geometry(fname, x, n, kernel_size, stride, padding, dilation, ceil_mode)
    if nonoverlapping(k, s, p, d, out, x.shape[2:]):
        values = nonoverlap_max(x, k, out)
        indices = nonoverlap_indices(x, k, out) if return_indices else None
    else:
        values, indices = _window_max(x, _strided_dims(x, k, s, p, d, out))
    if input.ndim == n + 1:
        values, indices = values[0], None if indices is None else indices[0]
    return (values, indices) if return_indices else values


def _max_pool_fn(n, with_indices=False):
    fname = f"max_pool{n}d"

    def max_pool(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
        k, s, p, d = _canon(fname, n, kernel_size, stride, padding, dilation)
        return _max_pool(input, n, k, s, p, d, bool(ceil_mode), bool(return_indices or with_indices), fname)

    max_pool.__name__ = max_pool.__qualname__ = fname + ("_with_indices" if with_indices else "")
    max_pool.__doc__ = f"torch.nn.functional.{max_pool.__name__}."
    return max_pool


max_pool1d, max_pool2d, max_pool3d = _max_pool_fn(1), _max_pool_fn(2), _max_pool_fn(3)
max_pool1d_with_indices = _max_pool_fn(1, True)
max_pool2d_with_indices = _max_pool_fn(2, True)
max_pool3d_with_indices = _max_pool_fn(3, True)


def _top_max_pool(n):
    def max_pool(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
        k, s, p, d = _canon(f"max_pool{n}d", n, kernel_size, stride, padding, dilation)
        return _max_pool(input, n, k, s, p, d, bool(ceil_mode), False, f"max_pool{n}d")

    max_pool.__name__ = max_pool.__qualname__ = f"max_pool{n}d"
    max_pool.__doc__ = f"torch.max_pool{n}d."
    return max_pool


def _top_max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """torch.max_pool1d_with_indices."""
    k, s, p, d = _canon("max_pool1d", 1, kernel_size, stride, padding, dilation)
    return _max_pool(input, 1, k, s, p, d, bool(ceil_mode), True, "max_pool1d")


# --- average pooling -----------------------------------------------------------------------------------------------


def _avg_divisor(spatial, k, s, p, out, count_include_pad):
    """torch's divisor per output position: the window clipped to the padded input, or to the input itself."""
    sizes = []
    for i, kk, ss, pp, o in zip(spatial, k, s, p, out):
        start = np.arange(o) * ss - pp
        end = np.minimum(start + kk, i + pp)
        full = end - start
        start, end = np.maximum(start, 0), np.minimum(end, i)
        sizes.append(full if count_include_pad else end - start)
    out = sizes[0]
    for size in sizes[1:]:
        out = out[..., None] * size
    return out


def _divide(total, divisor, dtype):
    if jnp.issubdtype(dtype, jnp.integer):
        # C++ integer division truncates toward zero
        return lax.div(total, jnp.broadcast_to(jnp.asarray(divisor, total.dtype), total.shape))
    return (total / jnp.asarray(divisor, total.dtype)).astype(dtype)


@op(name="_avg_pool", method=False, out=False, grad_name=_grad_name("AvgPool"))
def _avg_pool(input, n, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, fname):
    x = _check_input(fname, input, n)
    k, s, p, _, out = _geometry(fname, x, n, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise TorchRuntimeError("divisor must be not zero")
    acc = jnp.float32 if x.dtype in _HALF else x.dtype
    total = _window_sum(x, _strided_dims(x, k, s, p, (1,) * n, out), acc)
    divisor = divisor_override if divisor_override is not None else _avg_divisor(x.shape[2:], k, s, p, out,
                                                                                 count_include_pad)
    y = _divide(total, divisor, x.dtype)
    return y if input.ndim == n + 2 else y[0]


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """torch.nn.functional.avg_pool1d (also torch.avg_pool1d)."""
    k, s, p, _ = _canon("avg_pool1d", 1, kernel_size, stride, padding)
    return _avg_pool(input, 1, k, s, p, bool(ceil_mode), bool(count_include_pad), None, "avg_pool1d")


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """torch.nn.functional.avg_pool2d."""
    k, s, p, _ = _canon("avg_pool2d", 2, kernel_size, stride, padding)
    return _avg_pool(input, 2, k, s, p, bool(ceil_mode), bool(count_include_pad), divisor_override, "avg_pool2d")


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """torch.nn.functional.avg_pool3d."""
    k, s, p, _ = _canon("avg_pool3d", 3, kernel_size, stride, padding)
    return _avg_pool(input, 3, k, s, p, bool(ceil_mode), bool(count_include_pad), divisor_override, "avg_pool3d")


# --- LP pooling ----------------------------------------------------------------------------------------------------


@op(name="_lp_pool", method=False, out=False, grad_name="PowBackward0")
def _lp_pool(input, n, norm_type, kernel_size, stride, ceil_mode, fname):
    x = _check_input(fname.replace("lp", "avg"), input, n)
    k, s, p, d, out = _geometry(fname, x, n, kernel_size, stride, 0, 1, ceil_mode)
    if norm_type in (math.inf, -math.inf):  # torch: max_pool of |x| (negated for -inf)
        sign = 1 if norm_type > 0 else -1
        mag = float_abs(x)  # |x| with torch's abs gradient (0 at 0; jnp.abs has 1)
        y = sign * _window_max(sign * mag, _strided_dims(x, k, s, p, d, out))[0]
    else:
        acc = jnp.float32 if x.dtype in _HALF else x.dtype
        total = _window_sum(x ** norm_type, _strided_dims(x, k, s, p, d, out), acc)
        avg = _divide(total, _avg_divisor(x.shape[2:], k, s, p, out, True), x.dtype)
        # torch: (sign(out) * relu(abs(out))).mul(prod(kernel)).pow(1 / norm_type); relu's gradient at 0 is 0
        pos = jnp.abs(avg)
        y = (jnp.sign(avg) * jnp.where(pos > 0, pos, 0)) * math.prod(k)
        y = y ** (1.0 / norm_type)
    return y if input.ndim == n + 2 else y[0]


def _lp_pool_fn(n):
    fname = f"lp_pool{n}d"

    def lp_pool(input, norm_type, kernel_size, stride=None, ceil_mode=False):
        k, s, _, _ = _canon(fname, n, kernel_size, stride, 0)
        return _lp_pool(input, n, float(norm_type), k, s, bool(ceil_mode), fname)

    lp_pool.__name__ = lp_pool.__qualname__ = fname
    lp_pool.__doc__ = f"torch.nn.functional.{fname}."
    return lp_pool


lp_pool1d, lp_pool2d, lp_pool3d = _lp_pool_fn(1), _lp_pool_fn(2), _lp_pool_fn(3)


# --- adaptive pooling ----------------------------------------------------------------------------------------------


def _adaptive_sizes(fname, x, output_size, n):
    if isinstance(output_size, int):
        sizes = (output_size,) * n
    else:
        sizes = tuple(output_size)
        if len(sizes) != n:
            raise TorchRuntimeError(f"{fname}: output_size must be {n}")
    sizes = Static(i if o is None else o for o, i in zip(sizes, tuple(x.shape)[-n:]))
    if any(o < 0 for o in sizes):
        raise TorchRuntimeError(f"{fname}: elements of output_size must be greater than or equal to 0 but received "
                                f"{list(sizes)}")
    return sizes


def _list_with_default(input, output_size):
    """torch.nn.functional's check of a sequence output_size (2d/3d): the input needs one more dim than it has."""
    if not isinstance(output_size, int) and input.ndim <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")


def _adaptive_input(fname, input, n):
    if input.ndim not in (n + 1, n + 2):
        raise TorchRuntimeError(f"{fname}(): Expected {n + 1}D or {n + 2}D tensor, but got {list(input.shape)}")
    for i in range(input.ndim - n - 1, input.ndim):
        if input.shape[i] == 0:
            raise TorchRuntimeError(f"{fname}(): Expected input to have non-zero size for non-batch dimensions, "
                                    f"but input has sizes {list(input.shape)} with dimension {i} being empty")
    if not jnp.issubdtype(input.dtype, jnp.floating):
        from torchax import _dtype

        raise TorchNotImplementedError(f"\"{fname}\" not implemented for "
                                       f"'{_dtype.type_name(_dtype.from_jax(input.dtype))}'")
    return input if input.ndim == n + 2 else input[None]


@op(name="_adaptive_avg_pool", method=False, out=False, grad_name=_grad_name("AdaptiveAvgPool"))
def _adaptive_avg_pool(input, n, output_size):
    fname = f"adaptive_avg_pool{n}d"
    sizes = _adaptive_sizes(fname, input, output_size, n)
    x = _adaptive_input(fname, input, n)
    if any(o == 0 for o in sizes):
        y = jnp.zeros((*x.shape[:2], *sizes), x.dtype)
    else:
        acc = jnp.float32 if x.dtype in _HALF else x.dtype
        bins = [_Bins(i, o) for i, o in zip(x.shape[2:], sizes)]
        counts = bins[0].count
        for b in bins[1:]:
            counts = counts[..., None] * b.count
        y = (_window_sum(x, bins, acc) / jnp.asarray(counts, acc)).astype(x.dtype)
    return y if input.ndim == n + 2 else y[0]


@op(name="_adaptive_max_pool", method=False, out=False, grad_name=_grad_name("AdaptiveMaxPool"))
def _adaptive_max_pool(input, n, output_size, return_indices):
    fname = f"adaptive_max_pool{n}d"
    sizes = _adaptive_sizes(fname, input, output_size, n)
    x = _adaptive_input(fname, input, n)
    if any(o == 0 for o in sizes):
        shape = (*x.shape[:2], *sizes)
        values, indices = jnp.zeros(shape, x.dtype), jnp.zeros(shape, jnp.int64)
    else:
        values, indices = _window_max(x, [_Bins(i, o) for i, o in zip(x.shape[2:], sizes)])
    if input.ndim == n + 1:
        values, indices = values[0], indices[0]
    return (values, indices) if return_indices else values


def adaptive_avg_pool1d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool1d (also torch.adaptive_avg_pool1d)."""
    return _adaptive_avg_pool(input, 1, _adaptive_sizes("adaptive_avg_pool1d", input, output_size, 1))


def adaptive_avg_pool2d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool2d."""
    _list_with_default(input, output_size)
    return _adaptive_avg_pool(input, 2, _adaptive_sizes("adaptive_avg_pool2d", input, output_size, 2))


def adaptive_avg_pool3d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool3d."""
    _list_with_default(input, output_size)
    return _adaptive_avg_pool(input, 3, _adaptive_sizes("adaptive_avg_pool3d", input, output_size, 3))


def _adaptive_max_fn(n, with_indices=False):
    def adaptive_max_pool(input, output_size, return_indices=False):
        if n > 1:
            _list_with_default(input, output_size)
        sizes = _adaptive_sizes(f"adaptive_max_pool{n}d", input, output_size, n)
        return _adaptive_max_pool(input, n, sizes, bool(return_indices or with_indices))

    name = f"adaptive_max_pool{n}d" + ("_with_indices" if with_indices else "")
    adaptive_max_pool.__name__ = adaptive_max_pool.__qualname__ = name
    adaptive_max_pool.__doc__ = f"torch.nn.functional.{name}."
    return adaptive_max_pool


adaptive_max_pool1d, adaptive_max_pool2d, adaptive_max_pool3d = (_adaptive_max_fn(1), _adaptive_max_fn(2),
                                                                 _adaptive_max_fn(3))
adaptive_max_pool1d_with_indices = _adaptive_max_fn(1, True)
adaptive_max_pool2d_with_indices = _adaptive_max_fn(2, True)
adaptive_max_pool3d_with_indices = _adaptive_max_fn(3, True)


def _top_adaptive_max_pool1d(input, output_size):
    """torch.adaptive_max_pool1d: always (values, indices)."""
    return _adaptive_max_pool(input, 1, _adaptive_sizes("adaptive_max_pool1d", input, output_size, 1), True)


# --- max_unpool ----------------------------------------------------------------------------------------------------


def _unpool_output_size(input_shape, k, s, p, output_size):
    """torch.nn.functional._unpool_output_size."""
    n = len(k)
    default = [(input_shape[-n + d] - 1) * s[d] + k[d] - 2 * p[d] for d in range(n)]
    if output_size is None:
        ret = default
    else:
        output_size = list(output_size)
        if len(output_size) == n + 2:
            output_size = output_size[2:]
        if len(output_size) != n:
            raise TorchValueError(f"output_size should be a sequence containing {n} or {n + 2} elements, but it has "
                                  f"a length of '{len(output_size)}'")
        for d in range(n):
            lo, hi = default[d] - s[d], default[d] + s[d]
            if not lo < output_size[d] < hi:
                raise TorchValueError(f'invalid output_size "{output_size}" (dim {d} must be between {lo} and {hi})')
        ret = output_size
    for d in range(n):
        if ret[d] < 0:
            raise TorchValueError(f"max_unpooling: output_size must contain non-negative spatial dimensions, but got "
                                  f"output_size[{d}]={ret[d]}")
    return tuple(ret)


@op(name="_max_unpool", method=False, out=False, grad_name=_grad_name("MaxUnpool", pos=2))
def _max_unpool(input, indices, n, output_size):
    fname = f"max_unpool{max(n, 2)}d"
    if indices.dtype != jnp.int64:
        from torchax import _dtype

        raise TorchRuntimeError(f"elements in indices should be type int64 but got: "
                                f"{_dtype.type_name(_dtype.from_jax(indices.dtype))}")
    if input.shape != indices.shape:
        raise TorchRuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                                f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    if input.ndim not in (n + 1, n + 2) or any(s == 0 for s in input.shape[-n - 1:]):
        raise TorchRuntimeError(f"{fname}(): Expected {n + 1}D or {n + 2}D tensor, but got {list(input.shape)}")
    lead = input.shape[:-n]
    flat_in = input.reshape(-1, math.prod(input.shape[-n:]))
    flat_idx = indices.reshape(flat_in.shape)
    plane = math.prod(output_size)
    return _scatter_plane(flat_in, flat_idx, plane).reshape(*lead, *output_size)


@functools.partial(jax.custom_vjp, nondiff_argnums=(2,))
def _scatter_plane(values, index, plane):
    """out[r, index[r, j]] = values[r, j]; as torch, the gradient of every value is the output gradient it landed on
    (a plain scatter-set's gradient reaches only one of several values written to the same place)."""
    rows = jnp.arange(values.shape[0])[:, None]
    return jnp.zeros((values.shape[0], plane), values.dtype).at[rows, index].set(values, mode="drop")


def _scatter_plane_fwd(values, index, plane):
    return _scatter_plane(values, index, plane), index


def _scatter_plane_bwd(plane, index, g):
    rows = jnp.arange(index.shape[0])[:, None]
    return g.at[rows, index].get(mode="fill", fill_value=0), None


_scatter_plane.defvjp(_scatter_plane_fwd, _scatter_plane_bwd)


def _max_unpool_fn(n):
    fname = f"max_unpool{n}d"

    def max_unpool(input, indices, kernel_size, stride=None, padding=0, output_size=None):
        k = _tuple(fname, "kernel_size", kernel_size, n)
        s = _tuple(fname, "stride", stride, n, default=k)
        p = _tuple(fname, "padding", padding, n)
        size = _unpool_output_size(tuple(input.shape), k, s, p, output_size)
        return _max_unpool(input, indices, n, size)

    max_unpool.__name__ = max_unpool.__qualname__ = fname
    max_unpool.__doc__ = f"torch.nn.functional.{fname}."
    return max_unpool


max_unpool1d, max_unpool2d, max_unpool3d = _max_unpool_fn(1), _max_unpool_fn(2), _max_unpool_fn(3)

TOPLEVEL.update(max_pool1d=_top_max_pool(1), max_pool2d=_top_max_pool(2), max_pool3d=_top_max_pool(3),
                max_pool1d_with_indices=_top_max_pool1d_with_indices, avg_pool1d=avg_pool1d,
                adaptive_avg_pool1d=adaptive_avg_pool1d, adaptive_max_pool1d=_top_adaptive_max_pool1d)

# NOTE: imported last: it builds on the window helpers above
from torchax.nn.functional._fractional import *  # noqa: E402,F401,F403
from torchax.nn.functional._fractional import __all__ as _fractional_all  # noqa: E402

__all__ += _fractional_all
