"""torchax.special: the `torch.special` namespace.

Functions torch also has at top level are the same objects (`special.erf is torchax.erf`); the rest are ops on
`jax.scipy.special` or composed the way torch composes them. Orthogonal polynomials of tensor degree `n` run
their three-term recurrence in a `lax.while_loop` up to the largest degree (torch has no gradient for them).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jss

import torchax
from torchax._ops import numeric as _numeric
from torchax._registry import op

__all__ = ["bessel_j0", "bessel_j1", "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
           "scaled_modified_bessel_k1", "chebyshev_polynomial_t", "chebyshev_polynomial_u",
           "chebyshev_polynomial_v", "chebyshev_polynomial_w", "digamma", "entr", "erf", "erfc", "erfcx", "erfinv",
           "exp2", "expit", "expm1", "gammainc", "gammaincc", "gammaln", "hermite_polynomial_h",
           "hermite_polynomial_he", "i0", "i0e", "i1", "i1e", "laguerre_polynomial_l", "legendre_polynomial_p",
           "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "modified_bessel_i0", "modified_bessel_i1",
           "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round", "shifted_chebyshev_polynomial_t",
           "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w",
           "sinc", "softmax", "spherical_bessel_j0", "xlog1py", "xlogy", "zeta"]

# torch.special aliases of top-level functions
digamma = psi = torchax.digamma
erf, erfc, erfinv = torchax.erf, torchax.erfc, torchax.erfinv
exp2, expm1, log1p = torchax.exp2, torchax.expm1, torchax.log1p
expit = torchax.sigmoid
gammaln = torchax.lgamma
i0 = modified_bessel_i0 = torchax.i0
logit, sinc, round, xlogy = torchax.logit, torchax.sinc, torchax.round, torchax.xlogy  # noqa: A001
multigammaln = torchax.mvlgamma
gammainc, gammaincc = _numeric.igamma, _numeric.igammac
polygamma = torchax.polygamma


def logsumexp(input, dim, keepdim=False, *, out=None):
    """torch.special.logsumexp."""
    return torchax.logsumexp(input, dim, keepdim, out=out)


def softmax(input, dim, *, dtype=None):
    """torch.special.softmax."""
    return torchax.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim, *, dtype=None):
    """torch.special.log_softmax."""
    return torchax.log_softmax(input, dim, dtype=dtype)


def _unary(name, fn):
    def impl(input):
        return fn(input)

    impl.__name__ = name
    impl.__doc__ = f"torch.special.{name}."
    return op("special_" + name, promote=("input",), to_float=True, method=False)(impl)


def _entr(x):
    safe = jnp.where(x > 0, x, 1)
    return jnp.where(x > 0, -x * jnp.log(safe), jnp.where(x == 0, 0.0, jnp.where(x < 0, -jnp.inf, x))).astype(x.dtype)


def _spherical_j0(x):
    safe = jnp.where(x == 0, 1, x)
    return jnp.where(x == 0, jnp.ones_like(x), jnp.sin(safe) / safe)


entr = _unary("entr", _entr)
erfcx = _unary("erfcx", jss.erfcx)
i0e = _unary("i0e", jss.i0e)
i1 = modified_bessel_i1 = _unary("i1", jss.i1)
i1e = _unary("i1e", jss.i1e)
ndtr = _unary("ndtr", jss.ndtr)
ndtri = _unary("ndtri", jss.ndtri)
log_ndtr = _unary("log_ndtr", jss.log_ndtr)
spherical_bessel_j0 = _unary("spherical_bessel_j0", _spherical_j0)


# --- Bessel functions by quadrature (float64 inside): the trapezoid rule converges geometrically for the periodic
# integrand of J_n and the even, double-exponentially decaying integrand of K_n.

_NODES = 256


def _trapezoid(f, a, b):
    """Trapezoid rule over [a, b] (arrays, elementwise) with _NODES intervals of f(t) (t: [..., nodes])."""
    u = jnp.linspace(0.0, 1.0, _NODES + 1)
    t = a[..., None] + (b - a)[..., None] * u
    v = f(t)
    h = (b - a) / _NODES
    return h * (v.sum(-1) - 0.5 * (v[..., 0] + v[..., -1]))


def _bessel_j(n, x):
    """J_n(x) = (1/pi) int_0^pi cos(n t - x sin t) dt; the asymptotic form beyond |x| = 150."""
    x64 = x.astype(jnp.float64)
    ax = jnp.abs(x64)
    near = jnp.minimum(ax, 150.0)
    xs = near[..., None]
    zero, pi = jnp.zeros_like(ax), jnp.full_like(ax, jnp.pi)
    j = _trapezoid(lambda t: jnp.cos(n * t - xs * jnp.sin(t)), zero, pi) / jnp.pi
    far = jnp.maximum(ax, 150.0)
    if n == 0:
        p, q, chi = 1 - 9 / (128 * far**2), -1 / (8 * far) + 75 / (1024 * far**3), far - jnp.pi / 4
    else:
        p, q, chi = 1 + 15 / (128 * far**2), 3 / (8 * far) - 105 / (1024 * far**3), far - 3 * jnp.pi / 4
    asym = jnp.sqrt(2 / (jnp.pi * far)) * (p * jnp.cos(chi) - q * jnp.sin(chi))
    j = jnp.where(ax > 150.0, asym, j)
    if n == 1:
        j = jnp.sign(x64) * j  # J_1 is odd
    return jnp.where(jnp.isnan(x64), x64, jnp.where(jnp.isinf(x64), 0.0, j)).astype(x.dtype)


def _bessel_k(n, x, scaled):
    """K_n(x) = int_0^inf cosh(n t) exp(-x cosh t) dt for x > 0 (scaled: times exp(x)); inf at 0, NaN below."""
    x64 = x.astype(jnp.float64)
    pos = jnp.where(x64 > 0, x64, 1.0)
    top = jnp.arccosh(1 + 60.0 / pos) + 1  # the integrand is below exp(-60) beyond
    xs = pos[..., None]
    k = _trapezoid(lambda t: jnp.cosh(n * t) * jnp.exp(-xs * (jnp.cosh(t) - 1)), jnp.zeros_like(pos), top)
    k = k if scaled else k * jnp.exp(-pos)
    k = jnp.where(x64 > 0, k, jnp.where(x64 == 0, jnp.inf, jnp.nan))
    k = jnp.where(jnp.isposinf(x64), 0.0, k)
    return jnp.where(jnp.isnan(x64), x64, k).astype(x.dtype)


bessel_j0 = _unary("bessel_j0", lambda x: _bessel_j(0, x))
bessel_j1 = _unary("bessel_j1", lambda x: _bessel_j(1, x))
modified_bessel_k0 = _unary("modified_bessel_k0", lambda x: _bessel_k(0, x, False))
modified_bessel_k1 = _unary("modified_bessel_k1", lambda x: _bessel_k(1, x, False))
scaled_modified_bessel_k0 = _unary("scaled_modified_bessel_k0", lambda x: _bessel_k(0, x, True))
scaled_modified_bessel_k1 = _unary("scaled_modified_bessel_k1", lambda x: _bessel_k(1, x, True))


@op("special_xlog1py", promote=("input", "other"), to_float=True, method=False)
def xlog1py(input, other):
    """torch.special.xlog1py: input * log1p(other), 0 where input == 0 unless other is NaN."""
    return jnp.where((input == 0) & ~jnp.isnan(other), jnp.zeros_like(input), input * jnp.log1p(other))


@op("special_zeta", promote=("input", "other"), to_float=True, method=False)
def zeta(input, other):
    """torch.special.zeta: the Hurwitz zeta function."""
    return jss.zeta(input, other)


# --- orthogonal polynomials: p_{k+1} = a(k, x) p_k - b(k, x) p_{k-1} ------------------------------------------


def _recurrence(x, n, p1, step):
    """p_n(x) elementwise for tensor degrees n (p_0 = 1, p_1 given; negative degrees give 0)."""
    n = jnp.trunc(n).astype(jnp.int64) if jnp.issubdtype(n.dtype, jnp.floating) else n.astype(jnp.int64)
    x, n = jnp.broadcast_arrays(x, n)
    p0 = jnp.ones_like(x)
    out = jnp.where(n == 0, p0, jnp.where(n == 1, p1, jnp.zeros_like(x)))
    top = jnp.max(n, initial=1)

    def body(state):
        k, prev, cur, out = state
        nxt = step(k, x, cur, prev)
        out = jnp.where(n == k + 1, nxt, out)
        return k + 1, cur, nxt, out

    _, _, _, out = jax.lax.while_loop(lambda s: s[0] < top, body, (jnp.int64(1), p0, p1, out))
    return out


def _poly(name, p1, step, shift=False):
    def impl(input, n):
        x = 2 * input - 1 if shift else input
        return _recurrence(x, n, p1(x), step)

    impl.__name__ = name
    impl.__doc__ = f"torch.special.{name}."
    return op("special_" + name, promote=("input", "n"), to_float=True, method=False, differentiable=False)(impl)


def _cheb(k, x, cur, prev):
    return 2 * x * cur - prev


chebyshev_polynomial_t = _poly("chebyshev_polynomial_t", lambda x: x, _cheb)
chebyshev_polynomial_u = _poly("chebyshev_polynomial_u", lambda x: 2 * x, _cheb)
chebyshev_polynomial_v = _poly("chebyshev_polynomial_v", lambda x: 2 * x - 1, _cheb)
chebyshev_polynomial_w = _poly("chebyshev_polynomial_w", lambda x: 2 * x + 1, _cheb)
shifted_chebyshev_polynomial_t = _poly("shifted_chebyshev_polynomial_t", lambda x: x, _cheb, True)
shifted_chebyshev_polynomial_u = _poly("shifted_chebyshev_polynomial_u", lambda x: 2 * x, _cheb, True)
shifted_chebyshev_polynomial_v = _poly("shifted_chebyshev_polynomial_v", lambda x: 2 * x - 1, _cheb, True)
shifted_chebyshev_polynomial_w = _poly("shifted_chebyshev_polynomial_w", lambda x: 2 * x + 1, _cheb, True)
hermite_polynomial_h = _poly("hermite_polynomial_h", lambda x: 2 * x, lambda k, x, c, p: 2 * x * c - 2 * k * p)
hermite_polynomial_he = _poly("hermite_polynomial_he", lambda x: x, lambda k, x, c, p: x * c - k * p)
laguerre_polynomial_l = _poly("laguerre_polynomial_l", lambda x: 1 - x,
                              lambda k, x, c, p: ((2 * k + 1 - x) * c - k * p) / (k + 1))
legendre_polynomial_p = _poly("legendre_polynomial_p", lambda x: x,
                              lambda k, x, c, p: ((2 * k + 1) * x * c - k * p) / (k + 1))
