"""Numeric ops the OpInfo sweep found missing: complex/polar, frexp, igamma, gcd/lcm, cov/corrcoef, trapezoid rules."""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp
import jax.scipy.special as jss

from torchax import _dtype
from torchax._ops.pointwise import _tensor_operands
from torchax._ops.pointwise_unary import unsupported
from torchax._registry import TorchRuntimeError, composite, op, structseq

__all__ = ["complex", "polar", "frexp", "igamma", "igammac", "gcd", "lcm", "cov", "corrcoef", "trapezoid", "trapz",
           "cumulative_trapezoid", "histogram", "histogramdd", "gradient"]

_FrexpResult = structseq("frexp", ("mantissa", "exponent"))
_HistogramResult = structseq("histogram", ("hist", "bin_edges"))
_FLOATS = (jnp.float16, jnp.float32, jnp.float64, jnp.bfloat16)


def _check_real_pair(name, a, b):
    if a.dtype != b.dtype:
        raise TorchRuntimeError(f"Expected object of scalar type {a.dtype} but got scalar type {b.dtype} for second "
                                f"argument")
    if a.dtype not in [jnp.dtype(f) for f in (jnp.float16, jnp.float32, jnp.float64)]:
        raise TorchRuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got {a.dtype} and "
                                f"{b.dtype}")


@op(method=False, out_exact=True)
def complex(real, imag):  # noqa: A001 - torch's name
    """torch.complex: real + i imag (both of one float dtype)."""
    _check_real_pair("complex", real, imag)
    real, imag = jnp.broadcast_arrays(real, imag)
    return jax.lax.complex(real, imag)


@op(method=False, out_exact=True)
def polar(abs, angle):  # noqa: A002 - torch's names
    """torch.polar: abs * (cos(angle) + i sin(angle))."""
    _check_real_pair("polar", abs, angle)
    abs, angle = jnp.broadcast_arrays(abs, angle)
    return jax.lax.complex(abs * jnp.cos(angle), abs * jnp.sin(angle))


@op(result=_FrexpResult)
def frexp(input):
    """torch.frexp: (mantissa, exponent) with input = mantissa * 2**exponent; exponent is int32."""
    if not jnp.issubdtype(input.dtype, jnp.floating):
        raise TorchRuntimeError("torch.frexp() only supports floating-point dtypes")
    m, e = jnp.frexp(input)
    return m, e.astype(jnp.int32)


@op(inplace=True)
def igamma(input, other):
    """torch.igamma (torch.special.gammainc): the regularized lower incomplete gamma function."""
    input, other = _tensor_operands("igamma", ("input", "other"), (input, other), to_float=True)
    return jss.gammainc(input, other)


@op(inplace=True)
def igammac(input, other):
    """torch.igammac (torch.special.gammaincc): the regularized upper incomplete gamma function."""
    input, other = _tensor_operands("igammac", ("input", "other"), (input, other), to_float=True)
    return jss.gammaincc(input, other)


def _int_operands(name, input, other):
    """gcd/lcm: two integer tensors (no numbers, no floats or bools), promoted as torch does."""
    input, other = _tensor_operands(name, ("input", "other"), (input, other))
    if not jnp.issubdtype(input.dtype, jnp.integer):
        raise unsupported(f"{name}_cpu", _dtype.from_jax(input.dtype))
    return input, other


@op(inplace=True)
def gcd(input, other):
    """torch.gcd: the greatest common divisor, elementwise (non-negative; gcd(0, 0) = 0)."""
    return jnp.gcd(*_int_operands("gcd", input, other))


@op(inplace=True)
def lcm(input, other):
    """torch.lcm: the least common multiple, elementwise (non-negative; 0 when either is 0)."""
    return jnp.lcm(*_int_operands("lcm", input, other))


# --- statistics ------------------------------------------------------------------------------------------------


@composite()
def cov(input, *, correction=1, fweights=None, aweights=None):
    """torch.cov: rows are variables, columns observations (torch's algorithm and its degrees-of-freedom warning)."""
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    n_obs = x.shape[1]
    _cov_weights("fweights", fweights, n_obs, integral=True)
    _cov_weights("aweights", aweights, n_obs, integral=False)
    w = fweights
    if aweights is not None:
        w = aweights if w is None else w * aweights
    if w is None:
        avg = x.mean(1)
        norm = float(n_obs - correction)
    else:
        w_sum = w.sum()
        avg = (x * w).sum(1) / w_sum
        if correction == 0:
            norm = w_sum
        elif aweights is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * (w * aweights).sum() / w_sum
    if (norm <= 0) if isinstance(norm, float) else bool(norm <= 0):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm = 0.0 if isinstance(norm, float) else norm.clamp(min=0)
    xm = x - avg.unsqueeze(1)
    c = xm.mm((xm if w is None else xm * w).t().conj())
    return (c / norm).squeeze()


def _cov_weights(name, w, n_obs, integral):
    """torch.cov's checks of fweights/aweights."""
    if w is None:
        return
    if w.ndim > 1:
        raise TorchRuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                                f"{w.ndim} dimensions")
    if integral and (w.is_floating_point() or w.is_complex()):
        raise TorchRuntimeError(f"cov(): expected {name} to have integral dtype but got {name} with "
                                f"{_dtype.type_name(w.dtype)} dtype")
    if not integral and not w.is_floating_point():
        raise TorchRuntimeError(f"cov(): expected {name} to have floating point dtype but got {name} with "
                                f"{_dtype.type_name(w.dtype)} dtype")
    if w.numel() != n_obs:
        raise TorchRuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the "
                                f"input but got {w.numel()} != {n_obs}")
    if bool((w < 0).any()):  # torch syncs for this check too (as this composite does for the degrees of freedom)
        raise TorchRuntimeError(f"cov(): {name} cannot be negative")


@composite()
def corrcoef(input):
    """torch.corrcoef: cov normalised by the standard deviations, clipped to [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal()
    std = d.real.sqrt() if d.is_complex() else d.sqrt()
    c = c / std.unsqueeze(1)
    c = c / std.unsqueeze(0)
    if c.is_complex():
        return c  # torch clips real and imaginary parts; kept as computed
    return c.clamp(-1, 1)


# --- the trapezoid rule ----------------------------------------------------------------------------------------


def _spacing(y, x, dim):
    """The spacings along dim as a tensor broadcastable against y's intervals."""
    dx = x.diff(dim=-1 if x.ndim == 1 else dim)
    if x.ndim == 1:
        dx = dx.reshape((-1,) + (1,) * (y.ndim - 1 - dim % y.ndim))
    return dx


def _pairs(y, dim):
    n = y.shape[dim]
    return y.narrow(dim, 1, n - 1), y.narrow(dim, 0, n - 1)


@composite(method=False)
def trapezoid(y, x=None, *, dx=None, dim=-1):
    """torch.trapezoid: integral of y along dim by the trapezoid rule (spacing x or dx, default 1)."""
    if x is not None and dx is not None:
        raise TypeError("trapezoid() received an invalid combination of arguments")
    d = dim % max(y.ndim, 1)
    if y.shape[d] == 0:
        return y.sum(d) * 0
    hi, lo = _pairs(y, d)
    if x is None:
        return (hi + lo).sum(d) * (0.5 * (1 if dx is None else dx))
    return ((hi + lo) * _spacing(y, x, d)).sum(d) / 2


@composite(method=False)
def trapz(y, x=None, *, dx=None, dim=-1):
    """torch.trapz (alias of trapezoid)."""
    return trapezoid(y, x, dx=dx, dim=dim)


@composite(method=False)
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """torch.cumulative_trapezoid: the running trapezoid integral (one element shorter along dim)."""
    d = dim % max(y.ndim, 1)
    if y.shape[d] == 0:
        return y.narrow(d, 0, 0)
    hi, lo = _pairs(y, d)
    if x is None:
        return ((hi + lo) * (0.5 * (1 if dx is None else dx))).cumsum(d)
    return ((hi + lo) * _spacing(y, x, d) / 2).cumsum(d)


# --- histograms ------------------------------------------------------------------------------------------------


@op(result=_HistogramResult, out=False)
def _histogram(input, bins, range, weight, density):  # noqa: A002 - torch's names
    if not jnp.issubdtype(input.dtype, jnp.floating):
        raise TorchRuntimeError(f"torch.histogram: input tensor and bins tensors should have the same dtype, but got "
                                f"input {input.dtype}")
    x = input.ravel()
    if isinstance(bins, int):
        edges = _linear_edges(x, bins, range)
    else:
        edges = bins.astype(x.dtype)
    n = edges.shape[0] - 1
    # torch's rule: bin i holds [edge_i, edge_i+1), the last bin also holds its right edge
    idx = jnp.searchsorted(edges, x, side="right") - 1
    idx = jnp.where(x == edges[-1], n - 1, idx)
    inside = (x >= edges[0]) & (x <= edges[-1])
    w = jnp.ones_like(x) if weight is None else weight.ravel().astype(x.dtype)
    hist = jnp.zeros(n, x.dtype).at[jnp.where(inside, idx, n)].add(jnp.where(inside, w, 0), mode="drop")
    if density:
        hist = hist / (jnp.sum(hist) * jnp.diff(edges))
    return hist, edges


@composite()
def histogram(input, bins=100, *, range=None, weight=None, density=False, out=None):  # noqa: A002
    """torch.histogram: (hist, bin_edges) for `bins` equal bins over `range` (default min..max) or given edges."""
    result = _histogram(input, bins, None if range is None else tuple(float(r) for r in range), weight, density)
    if out is not None:
        out[0].copy_(result.hist)
        out[1].copy_(result.bin_edges)
        return _HistogramResult(out[0], out[1])
    return result



_HistogramddResult = structseq("histogramdd", ("hist", "bin_edges"))


def _linear_edges(x, bins, rng):
    """`bins + 1` equal edges over `rng` (default min..max of x), an empty range widened by 0.5 each side."""
    if rng is None:  # torch's edges for no data are 0..1
        lo, hi = (jnp.min(x), jnp.max(x)) if x.size else (jnp.zeros((), x.dtype), jnp.ones((), x.dtype))
    else:
        lo, hi = jnp.asarray(rng[0], x.dtype), jnp.asarray(rng[1], x.dtype)
    same = lo == hi
    lo, hi = jnp.where(same, lo - 0.5, lo), jnp.where(same, hi + 0.5, hi)
    return jnp.linspace(lo, hi, bins + 1).astype(x.dtype)


@op(method=False, out=False, differentiable=False)
def _histogramdd(input, bins, range, weight, density):  # noqa: A002 - torch's names
    if not jnp.issubdtype(input.dtype, jnp.floating):
        raise TorchRuntimeError(f"torch.histogramdd: input tensor and bins tensors should have the same dtype, but "
                                f"got input {input.dtype}")
    d = input.shape[-1]
    x = input.reshape(-1, d)
    n = len(bins)
    if n != d:
        raise TorchRuntimeError("histogramdd: The size of bins must be equal to the innermost dimension of the input.")
    edges = [(_linear_edges(x[:, i], b, None if range is None else range[2 * i:2 * i + 2]) if isinstance(b, int)
              else b.astype(x.dtype)) for i, b in enumerate(bins)]
    sizes = tuple(e.shape[0] - 1 for e in edges)
    flat = jnp.zeros((x.shape[0],), jnp.int64)
    inside = jnp.ones((x.shape[0],), bool)
    for i, e in enumerate(edges):  # bin k holds [e_k, e_k+1); the last bin also holds its right edge
        v = x[:, i]
        idx = jnp.where(v == e[-1], sizes[i] - 1, jnp.searchsorted(e, v, side="right") - 1)
        inside &= (v >= e[0]) & (v <= e[-1])
        flat = flat * sizes[i] + jnp.clip(idx, 0, max(sizes[i] - 1, 0))
    w = jnp.ones((x.shape[0],), x.dtype) if weight is None else weight.reshape(-1).astype(x.dtype)
    total = math.prod(sizes)
    hist = jnp.zeros((total,), x.dtype).at[jnp.where(inside, flat, total)].add(w, mode="drop").reshape(sizes)
    if density:
        width = jnp.ones(sizes, x.dtype)
        for i, e in enumerate(edges):
            width = width * jnp.diff(e).reshape((1,) * i + (-1,) + (1,) * (n - i - 1))
        hist = hist / (jnp.sum(hist) * width)
    return (hist, *edges)


@composite()
def histogramdd(input, bins, *, range=None, weight=None, density=False, out=None):  # noqa: A002
    """torch.histogramdd: the D-dimensional histogram of the rows of `input` (..., D): (hist, tuple of bin edges).
    `bins` is an int for every dim, D ints, or D tensors of edges; `range` is (min, max) per dim, flattened."""
    d = input.shape[-1] if input.ndim else 0
    if isinstance(bins, int):
        bins = (bins,) * d
    bins = tuple(bins)
    if all(isinstance(b, int) for b in bins) and any(b <= 0 for b in bins):
        raise TorchRuntimeError("histogramdd(): bins must be > 0, but got 0 for dimension")
    if range is not None:
        range = tuple(float(r) for r in range)  # noqa: A001
        if len(range) != 2 * d:
            raise TorchRuntimeError(f"histogramdd: for {d}-dimensional histogram, range should have {2 * d} "
                                    f"elements, but got {len(range)}")
        if any(lo > hi for lo, hi in zip(range[::2], range[1::2])):
            raise TorchRuntimeError("histogramdd: min should not exceed max")
    hist, *edges = _histogramdd(input, bins, range, weight, density)
    if out is not None:
        raise TorchRuntimeError("histogramdd(): out= is not supported")
    return _HistogramddResult(hist, tuple(edges))


# --- gradient ------------------------------------------------------------------------------------------------------


def _gradient_dims(input, spacing, dim):
    """Normalise torch.gradient's (spacing, dim): the wrapped dims and one spacing (number or 1-D tensor) per dim."""
    from torchax._tensor import Tensor, _wrap_dim

    dims = list(range(input.ndim)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    dims = [_wrap_dim(d, input.ndim) for d in dims]
    for i, d in enumerate(dims):
        if d in dims[:i]:
            raise TorchRuntimeError(f"dim {d} appears multiple times in the list of dims")
    if spacing is None:
        spacing = 1
    if isinstance(spacing, (int, float)) or isinstance(spacing, Tensor) and spacing.ndim == 0:
        spacings = [spacing] * len(dims)
    else:
        spacings = list(spacing)
        if len(spacings) != len(dims):
            raise TorchRuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing "
                                    f"and dim arguments to have the same length, but got a spacing argument of "
                                    f"length {len(spacings)} and a dim argument of length {len(dims)}.")
    return dims, spacings


def _sl(t, d, start, stop=None):
    n = t.shape[d]
    start = start % n if start < 0 else start
    stop = n if stop is None else stop % n if stop < 0 else stop
    return t.narrow(d, start, stop - start)


def _gradient_uniform(f, d, h, edge_order):
    center = (_sl(f, d, 2) - _sl(f, d, 0, -2)) / h
    if edge_order == 1:
        first = (_sl(f, d, 1, 2) - _sl(f, d, 0, 1)) / h
        last = (_sl(f, d, -1) - _sl(f, d, -2, -1)) / h
    else:
        first = (-1.5 * _sl(f, d, 0, 1) + 2 * _sl(f, d, 1, 2) - 0.5 * _sl(f, d, 2, 3)) / h
        last = (0.5 * _sl(f, d, -3, -2) - 2 * _sl(f, d, -2, -1) + 1.5 * _sl(f, d, -1)) / h
    return first, center / 2, last


def _gradient_coords(f, d, x, edge_order):
    """Second-order central differences on the non-uniform grid `x` (torch's formulas)."""
    shape = [1] * f.ndim
    shape[d] = -1
    dx = x.diff()
    dx1, dx2 = dx[:-1], dx[1:]
    a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
    b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
    c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
    center = a * _sl(f, d, 0, -2) + b * _sl(f, d, 1, -1) + c * _sl(f, d, 2)
    if edge_order == 1:
        return (_sl(f, d, 1, 2) - _sl(f, d, 0, 1)) / dx[0], center, (_sl(f, d, -1) - _sl(f, d, -2, -1)) / dx[-1]
    h0, h1, hn, hm = dx[0], dx[1], dx[-1], dx[-2]
    first = (-(2.0 * h0 + h1) / (h0 * (h0 + h1)) * _sl(f, d, 0, 1) + (h0 + h1) / (h0 * h1) * _sl(f, d, 1, 2)
             - h0 / (h1 * (h0 + h1)) * _sl(f, d, 2, 3))
    last = (hn / (hm * (hn + hm)) * _sl(f, d, -3, -2) - (hn + hm) / (hn * hm) * _sl(f, d, -2, -1)
            + (2 * hn + hm) / (hn * (hn + hm)) * _sl(f, d, -1))
    return first, center, last


@composite(method=False)
def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """torch.gradient: per dim, central differences inside and one-sided differences of order edge_order at the
    ends; `spacing` is a number, one number per dim, or one coordinate tensor per dim."""
    from torchax._ops.shape import cat
    from torchax._tensor import Tensor

    if edge_order not in (1, 2):
        raise TorchRuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    dims, spacings = _gradient_dims(input, spacing, dim)
    out = []
    for d, h in zip(dims, spacings):
        if input.shape[d] < edge_order + 1:
            raise TorchRuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
        if isinstance(h, Tensor) and h.ndim == 1:
            if h.shape[0] != input.shape[d]:
                raise TorchRuntimeError(f"torch.gradient expected each tensor to be on the same device, and each "
                                        f"coordinate tensor to match the size of dimension {d}")
            parts = _gradient_coords(input, d, h, edge_order)
        else:
            parts = _gradient_uniform(input, d, h, edge_order)
        out.append(cat(parts, d))
    return tuple(out)


from torchax._ops import segment as _segment, tensor_misc as _tensor_misc  # noqa: E402
from torchax._ops.segment import *  # noqa: E402,F401,F403 - loaded with this module, so Tensor gets their methods
from torchax._ops.tensor_misc import *  # noqa: E402,F401,F403

__all__ += _segment.__all__ + _tensor_misc.__all__
