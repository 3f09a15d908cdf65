"""Numeric ops the OpInfo sweep found missing: complex/polar, frexp, igamma, cov/corrcoef, the trapezoid rules."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import jax.scipy.special as jss

from torchax._registry import TorchRuntimeError, composite, op, structseq

__all__ = ["complex", "polar", "frexp", "igamma", "igammac", "cov", "corrcoef", "trapezoid", "trapz",
           "cumulative_trapezoid", "histogram"]

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


@op(method=False)
def complex(real, imag):  # noqa: A001 - torch's name
    """torch.complex: real + i imag (both of one float dtype)."""
    _check_real_pair("complex", real, imag)
    real, imag = jnp.broadcast_arrays(real, imag)
    return jax.lax.complex(real, imag)


@op(method=False)
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


@op(inplace=True, promote=("input", "other"), to_float=True)
def igamma(input, other):
    """torch.igamma (torch.special.gammainc): the regularized lower incomplete gamma function."""
    return jss.gammainc(input, other)


@op(inplace=True, promote=("input", "other"), to_float=True)
def igammac(input, other):
    """torch.igammac (torch.special.gammaincc): the regularized upper incomplete gamma function."""
    return jss.gammaincc(input, other)


# --- statistics ------------------------------------------------------------------------------------------------


@composite()
def cov(input, *, correction=1, fweights=None, aweights=None):
    """torch.cov: rows are variables, columns observations (torch's algorithm and its degrees-of-freedom warning)."""
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                           f"{input.ndim} dimensions")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    n_obs = x.shape[1]
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
        if range is None:
            lo, hi = (jnp.min(x), jnp.max(x)) if x.size else (jnp.zeros((), x.dtype), jnp.zeros((), x.dtype))
        else:
            lo, hi = jnp.asarray(range[0], x.dtype), jnp.asarray(range[1], x.dtype)
        same = lo == hi
        lo, hi = jnp.where(same, lo - 0.5, lo), jnp.where(same, hi + 0.5, hi)  # torch widens an empty range
        edges = jnp.linspace(lo, hi, bins + 1).astype(x.dtype)
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

