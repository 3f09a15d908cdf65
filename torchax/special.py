"""torchax.special: the `torch.special` namespace.

Functions torch also has at top level are the same objects (`special.erf is torchax.erf`); the rest are ops on
`jax.scipy.special` or composed the way torch composes them. Orthogonal polynomials of tensor degree `n` run
their three-term recurrence in a `lax.while_loop` up to the largest degree (torch has no gradient for them).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import jax.scipy.special as jss

import torchax
from torchax._ops import numeric as _numeric
from torchax._registry import op

__all__ = ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0", "modified_bessel_k1",
           "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "chebyshev_polynomial_t", "chebyshev_polynomial_u",
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


def _needs_a_tensor(fn):
    """torch.special's binary functions have (Tensor, Tensor), (Scalar, Tensor) and (Tensor, Scalar) overloads:
    two numbers are torch's TypeError (here one isinstance check before the op)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        operands = (*args, *(v for k, v in kwargs.items() if k != "out"))
        if not any(isinstance(a, torchax.Tensor) for a in operands):
            got = ", ".join(type(a).__name__ for a in operands)
            raise TypeError(f"{fn.__name__}() received an invalid combination of arguments - got ({got}), but "
                            f"expected at least one Tensor")
        return fn(*args, **kwargs)

    return wrapper


@_needs_a_tensor
@op("special_xlog1py", promote=("input", "other"), to_float=True, method=False)
def xlog1py(input, other):
    """torch.special.xlog1py: input * log1p(other), 0 where input == 0 unless other is NaN."""
    return jnp.where((input == 0) & ~jnp.isnan(other), jnp.zeros_like(input), input * jnp.log1p(other))


@_needs_a_tensor
@op("special_zeta", promote=("input", "other"), to_float=True, method=False)
def zeta(input, other):
    """torch.special.zeta: the Hurwitz zeta function."""
    return jss.zeta(input, other)


# --- orthogonal polynomials: p_{k+1} = a(k, x) p_k - b(k, x) p_{k-1} ------------------------------------------


def _recurrence(x, n, p1, step):
    """p_n(x) elementwise for tensor degrees n (p_0 = 1, p_1 given; negative degrees give 0)."""
    n = jnp.trunc(n).astype(jnp.int64) if jnp.issubdtype(n.dtype, jnp.floating) else n.astype(jnp.int64)
    x, n = jnp.broadcast_arrays(x, n)
    p1 = jnp.broadcast_to(p1, x.shape)  # p_1(x) of the un-broadcast x: the loop carries the broadcast shape
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
    return _needs_a_tensor(op("special_" + name, promote=("input", "n"), to_float=True, method=False,
                              differentiable=False)(impl))


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


# --- Bessel functions of the second kind: Cephes' rational approximations (the coefficients torch uses), evaluated
# in float64 with J_0/J_1 from the quadrature above; Y_n(x) is -inf at 0 and NaN below.

_Y0 = {
    "YP": (1.55924367855235737965e+04, -1.46639295903971606143e+07, 5.43526477051876500413e+09,
           -9.82136065717911466409e+11, 8.75906394395366999549e+13, -3.46628303384729719441e+15,
           4.42733268572569800351e+16, -1.84950800436986690637e+16),
    "YQ": (1.04128353664259848412e+03, 6.26107330137134956842e+05, 2.68919633393814121987e+08,
           8.64002487103935000337e+10, 2.02979612750105546709e+13, 3.17157752842975028269e+15,
           2.50596256172653059228e+17),
    "PP": (7.96936729297347051624e-04, 8.28352392107440799803e-02, 1.23953371646414299388e+00,
           5.44725003058768775090e+00, 8.74716500199817011941e+00, 5.30324038235394892183e+00,
           9.99999999999999997821e-01),
    "PQ": (9.24408810558863637013e-04, 8.56288474354474431428e-02, 1.25352743901058953537e+00,
           5.47097740330417105182e+00, 8.76190883237069594232e+00, 5.30605288235394617618e+00,
           1.00000000000000000218e+00),
    "QP": (-1.13663838898469149931e-02, -1.28252718670509318512e+00, -1.95539544257735972385e+01,
           -9.32060152123768231369e+01, -1.77681167980488050595e+02, -1.47077505154951170175e+02,
           -5.14105326766599330220e+01, -6.05014350600728481186e+00),
    "QQ": (6.43178256118178023184e+01, 8.56430025976980587198e+02, 3.88240183605401609683e+03,
           7.24046774195652478189e+03, 5.93072701187316984827e+03, 2.06209331660327847417e+03,
           2.42005740240291393179e+02),
}
_Y1 = {
    "YP": (1.26320474790178026440e+09, -6.47355876379160291031e+11, 1.14509511541823727583e+14,
           -8.12770255501325109621e+15, 2.02439475713594898196e+17, -7.78877196265950026825e+17),
    "YQ": (5.94301592346128195359e+02, 2.35564092943068577943e+05, 7.34811944459721705660e+07,
           1.87601316108706159478e+10, 3.88231277496238566008e+12, 6.20557727146953693363e+14,
           6.87141087355300489866e+16, 3.97270608116560655612e+18),
    "PP": (7.62125616208173112003e-04, 7.31397056940917570436e-02, 1.12719608129684925192e+00,
           5.11207951146807644818e+00, 8.42404590141772420927e+00, 5.21451598682361504063e+00,
           1.00000000000000000254e+00),
    "PQ": (5.71323128072548699714e-04, 6.88455908754495404082e-02, 1.10514232634061696926e+00,
           5.07386386128601488557e+00, 8.39985554327604159757e+00, 5.20982848682361821619e+00,
           9.99999999999999997461e-01),
    "QP": (5.10862594750176621635e-02, 4.98213872951233449420e+00, 7.58238284132545283818e+01,
           3.66779609360150777800e+02, 7.10856304998926107277e+02, 5.97489612400613639965e+02,
           2.11688757100572135698e+02, 2.52070205858023719784e+01),
    "QQ": (7.42373277035675149943e+01, 1.05644886038262816351e+03, 4.98641058337653607651e+03,
           9.56231892404756170795e+03, 7.99704160447350683650e+03, 2.82619278517639096600e+03,
           3.36093607810698293419e+02),
}


def _bessel_y(n, x):
    """Y_n(x), n in (0, 1): a rational function plus (2/pi) log(x) J_n(x) up to 5, the Hankel form beyond."""
    c = _Y0 if n == 0 else _Y1
    x64 = x.astype(jnp.float64)
    near = jnp.clip(x64, 1e-300, 5.0)
    z = near * near
    ratio = jnp.polyval(jnp.array(c["YP"]), z) / jnp.polyval(jnp.array(c["YQ"]), z)
    if n == 0:
        small = ratio + 2 / jnp.pi * jnp.log(near) * _bessel_j(0, near)
    else:
        small = near * ratio + 2 / jnp.pi * (_bessel_j(1, near) * jnp.log(near) - 1 / near)
    far = jnp.maximum(x64, 5.0)
    w = 25.0 / (far * far)
    p = jnp.polyval(jnp.array(c["PP"]), w) / jnp.polyval(jnp.array(c["PQ"]), w)
    q = jnp.polyval(jnp.array(c["QP"]), w) / jnp.polyval(jnp.array(c["QQ"]), w)
    chi = far - (0.25 if n == 0 else 0.75) * jnp.pi
    large = (p * jnp.sin(chi) + 5.0 / far * q * jnp.cos(chi)) * jnp.sqrt(2 / jnp.pi) / jnp.sqrt(far)
    y = jnp.where(x64 <= 5.0, small, large)
    y = jnp.where(x64 == 0, -jnp.inf, jnp.where(x64 < 0, jnp.nan, y))
    return jnp.where(jnp.isnan(x64), x64, jnp.where(jnp.isposinf(x64), 0.0, y)).astype(x.dtype)


bessel_y0 = _unary("bessel_y0", lambda x: _bessel_y(0, x))
bessel_y1 = _unary("bessel_y1", lambda x: _bessel_y(1, x))
