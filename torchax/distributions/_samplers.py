"""Samplers torch's distributions call that torchax's op set lacks: torch._standard_gamma, torch._sample_dirichlet,
torch.binomial, and the reparameterisation gradients torch._standard_gamma_grad / torch._dirichlet_grad.

Eager draws follow torch's CPU kernels (aten/src/ATen/native/Distributions.{h,cpp}) element by element in memory
order, drawing doubles from the torchax generator exactly as torch's `uniform_real_distribution<double>` and
`normal_distribution<double>` do, with torch's float/double arithmetic (float constants such as `1.0f / 3.0f` and
`0.0331f` keep their float values). Inside compiled code (a JAX key in scope) draws come from `jax.random`.
The gradients are torch's approximations, written in jnp (they trace under jit).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import digamma

from torchax import _dtype
from torchax._device import to_jax
from torchax._ops import random as _random, random_host
from torchax._registry import op
from torchax._tensor import Tensor, wrap

_F = np.float32
_THIRD_F = float(_F(1) / _F(3))  # 1.0f / 3.0f
_C0331 = float(_F(0.0331))  # 0.0331f


class _Draws:
    """torch's scalar samplers on one generator: uniform_real_distribution<double> and normal_distribution<double>."""

    def __init__(self, g):
        self.g = g

    def uniform(self) -> float:
        return float(random_host.unit_double(self.g, 1)[0])

    def normal(self) -> float:
        return float(random_host.normal_serial(self.g, 1, 0.0, 1.0)[0])


def _gamma_one(draws: _Draws, alpha: float, f32: bool) -> float:
    """sample_gamma<scalar_t, double>: Marsaglia-Tsang with torch's boost for alpha < 1 (`f32`: scalar_t is float)."""
    scale = 1.0
    if alpha < 1.0:
        if alpha == 0.0:
            return 0.0
        inv = float(_F(1) / _F(alpha)) if f32 else 1.0 / alpha
        scale *= (1 - draws.uniform()) ** inv
        alpha = float(_F(alpha) + _F(1)) if f32 else alpha + 1.0
    d = float(_F(alpha) - _F(_THIRD_F)) if f32 else alpha - _THIRD_F
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        while True:
            x = draws.normal()
            y = 1.0 + c * x
            if y > 0:
                break
        v = y * y * y
        u = 1 - draws.uniform()
        xx = x * x
        if u < 1.0 - _C0331 * xx * xx:
            return scale * d * v
        if math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
            return scale * d * v


def _host(t: Tensor) -> np.ndarray:
    return np.asarray(t.detach().contiguous()._numpy()).reshape(-1)


def _to_tensor(vals: np.ndarray, like: Tensor) -> Tensor:
    arr = vals.reshape(tuple(like.shape)).astype(like.dtype.np)
    return wrap(jax.device_put(jnp.asarray(arr), to_jax(like.device)))


def _check_float(t: Tensor, name: str) -> None:
    if t.dtype not in (_dtype.float32, _dtype.float64):
        from torchax._registry import TorchNotImplementedError

        raise TorchNotImplementedError(f'"{name}" not implemented for \'{_dtype.type_name(t.dtype)}\'')


def standard_gamma(alpha: Tensor, generator=None) -> Tensor:
    """torch._standard_gamma(alpha): one Gamma(alpha, 1) draw per element (not differentiable here)."""
    _check_float(alpha, "gamma_cpu")
    key = _random._subkey()
    if key is not None:
        return wrap(jax.random.gamma(key, alpha.detach()._value))
    draws = _Draws(_random._gen(generator))
    f32 = alpha.dtype == _dtype.float32
    tiny = float(np.finfo(np.float32 if f32 else np.float64).tiny)
    out = np.empty(alpha.numel(), np.float64)
    for i, a in enumerate(_host(alpha).tolist()):
        s = _gamma_one(draws, a, f32)
        out[i] = max(tiny, float(_F(s))) if f32 else max(tiny, s)
    return _to_tensor(out, alpha)


def _row_sum(x: np.ndarray) -> np.ndarray:
    """Sums over the last dim in the order torch's scalar inner reduction adds (four accumulators over blocks of
    four, the tail into the first, then ((a0 + a1) + a2) + a3). Exact for tails of 0 or 1; a last-bit difference
    is possible for other short rows."""
    n = x.shape[-1]
    acc = [np.zeros(x.shape[:-1] + (1,)) for _ in range(4)]
    m = n - n % 4
    for i in range(0, m, 4):
        for k in range(4):
            acc[k] = acc[k] + x[..., i + k:i + k + 1]
    for i in range(m, n):
        acc[0] = acc[0] + x[..., i:i + 1]
    return ((acc[0] + acc[1]) + acc[2]) + acc[3]


def sample_dirichlet(alpha: Tensor, generator=None) -> Tensor:
    """torch._sample_dirichlet(alpha): gammas in double, normalised along the last dim, clamped into (0, 1)."""
    _check_float(alpha, "dirichlet")
    key = _random._subkey()
    if key is not None:
        a = alpha.detach()._value
        return wrap(jax.random.dirichlet(key, a, a.shape[:-1], a.dtype))
    draws = _Draws(_random._gen(generator))
    tiny64 = float(np.finfo(np.float64).tiny)
    gam = np.array([max(tiny64, _gamma_one(draws, a, False)) for a in _host(alpha).tolist()], np.float64)
    gam = gam.reshape(tuple(alpha.shape))
    total = _row_sum(gam)
    nt = np.float32 if alpha.dtype == _dtype.float32 else np.float64
    ret = (gam / total).astype(nt)
    ret = np.clip(ret, np.finfo(nt).tiny, np.nextafter(nt(1), nt(0)))
    return _to_tensor(ret, alpha)


# --- binomial ------------------------------------------------------------------------------------------------

_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509, 0.0166446911898211,
         0.0138761288230707, 0.0118967099458917, 0.0104112652619720, 0.00925546218271273, 0.00833056343336287)


def _stirling_tail(k: float) -> float:
    if k <= 9:
        return _TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def _binomial_inversion(draws, count, prob, S):
    geom_sum, num_geom = 0.0, 0
    logprob = float(np.log1p(S(-prob)))
    while True:
        geom = math.ceil(math.log(draws.uniform()) / logprob)
        geom_sum += geom
        if geom_sum > count:
            return num_geom
        num_geom += 1


def _btrs(draws, count, prob, S):
    """Hormann's transformed rejection (torch's variant, from TensorFlow), scalar_t steps in `S`."""
    stddev = float(np.sqrt(S(S(count) * S(prob)) * S(S(1) - S(prob))))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * prob
    c = count * prob + 0.5
    v_r = 0.92 - 4.2 / b
    r = prob / (1 - prob)
    alpha = (2.83 + 5.1 / b) * stddev
    m = math.floor((count + 1) * prob)
    while True:
        U = draws.uniform() - 0.5
        V = draws.uniform()
        us = 0.5 - abs(U)
        k = float(S(math.floor((2 * a / us + b) * U + c)))
        if k < 0 or k > count:
            continue
        if us >= 0.07 and V <= v_r:
            return k
        V = math.log(V * alpha / (a / (us * us) + b))
        upper = ((m + 0.5) * math.log((m + 1) / (r * (count - m + 1)))
                 + (count + 1) * math.log((count - m + 1) / (count - k + 1))
                 + (k + 0.5) * math.log(r * (count - k + 1) / (k + 1))
                 + _stirling_tail(m) + _stirling_tail(count - m) - _stirling_tail(k) - _stirling_tail(count - k))
        if V <= upper:
            return k


def _binomial_one(draws, count, prob, S):
    if count <= 0.0 or prob <= 0.0:
        return 0.0
    if prob >= 1.0:
        return count
    if prob <= 0.5:
        if float(S(count) * S(prob)) >= 10.0:
            return _btrs(draws, count, prob, S)
        return _binomial_inversion(draws, count, prob, S)
    if prob > 0.5:
        q = float(S(1.0) - S(prob))
        if float(S(count) * S(q)) >= 10.0:
            return count - _btrs(draws, count, q, S)
        return count - _binomial_inversion(draws, count, q, S)
    return math.nan


def binomial(count: Tensor, prob: Tensor, generator=None) -> Tensor:
    """torch.binomial(count, prob): inversion below count*p = 10, BTRS above (torch's sampler)."""
    _check_float(count, "binomial_cpu")
    count, prob = count.broadcast_to(tuple(prob.shape)) if count.shape != prob.shape else count, prob
    key = _random._subkey()
    if key is not None:
        return wrap(jax.random.binomial(key, count._value, prob._value).astype(count._value.dtype))
    draws = _Draws(_random._gen(generator))
    S = np.float32 if count.dtype == _dtype.float32 else np.float64
    n, p = _host(count).tolist(), _host(prob).tolist()
    out = np.array([_binomial_one(draws, float(ni), float(pi), S) for ni, pi in zip(n, p)], np.float64)
    return _to_tensor(out, count)


# --- reparameterisation gradients (torch's approximations, in jnp) -------------------------------------------

@op(name="_standard_gamma_grad", method=False)
def standard_gamma_grad(self, output):
    """torch._standard_gamma_grad(alpha, x): d x / d alpha of a Gamma(alpha) draw x, as torch approximates it."""
    alpha = self.astype(jnp.float64)
    x = output.astype(jnp.float64)
    # small x: Taylor series of the CDF
    numer, denom = jnp.ones_like(x), alpha
    s1, s2 = numer / denom, numer / (denom * denom)
    for i in range(1, 6):
        numer = numer * (-x / i)
        denom = denom + 1
        s1 = s1 + numer / denom
        s2 = s2 + numer / (denom * denom)
    pxa = x ** alpha
    pdf = x ** (alpha - 1) * jnp.exp(-x)
    cdf_alpha = (jnp.log(x) - digamma(alpha)) * (pxa * s1) - pxa * s2
    small = -cdf_alpha / pdf
    small = jnp.where(jnp.isnan(small), 0.0, small)
    # large alpha: Rice saddle point expansion
    near = (0.9 * alpha <= x) & (x <= 1.1 * alpha)
    n1 = 1 + 24 * alpha * (1 + 12 * alpha)
    n2 = 1440 * (alpha * alpha) + 6 * x * (53 - 120 * x) - 65 * x * x / alpha + alpha * (107 + 3600 * x)
    mid = n1 * n2 / (1244160 * (alpha * alpha) * (alpha * alpha))
    den = jnp.sqrt(8 * alpha)
    t2 = den / (alpha - x)
    t3 = (x - alpha - alpha * jnp.log(x / alpha)) ** -1.5
    t23 = jnp.where(x < alpha, t2 - t3, t2 + t3)
    t1 = jnp.log(x / alpha) * t23 - jnp.sqrt(2 / alpha) * (alpha + x) / ((alpha - x) * (alpha - x))
    stirling = 1 + 1 / (12 * alpha) * (1 + 1 / (24 * alpha))
    far = -stirling * (x * t1) / den
    large = jnp.where(near, mid, far)
    # otherwise: a bivariate rational approximation
    u, v = jnp.log(x / alpha), jnp.log(alpha)
    c = np.array([[0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084],
                  [0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915,
                   -0.00058392623],
                  [0.040121004, -0.0065914022, -0.0026286047, -0.0013441777, 0.017050642, -0.0021309326,
                   0.00085092367, -1.5247877e-07]])
    cv = [c[0, i] + u * (c[1, i] + u * c[2, i]) for i in range(8)]
    p = cv[0] + v * (cv[1] + v * (cv[2] + v * cv[3]))
    q = cv[4] + v * (cv[5] + v * (cv[6] + v * cv[7]))
    rational = jnp.exp(p / q)
    out = jnp.where(x < 0.8, small, jnp.where(alpha > 8.0, large, rational))
    return out.astype(self.dtype)


def _beta_grad_alpha_small(x, alpha, beta):
    factor = digamma(alpha) - digamma(alpha + beta) - jnp.log(x)
    numer = jnp.ones_like(x)
    series = numer / alpha * (factor + 1 / alpha)
    for i in range(1, 11):
        numer = numer * ((i - beta) * x / i)
        denom = alpha + i
        series = series + numer / denom * (factor + 1 / denom)
    result = x * (1 - x) ** -beta * series
    return jnp.where(jnp.isnan(result), 0.0, result)


def _beta_grad_beta_small(x, alpha, beta):
    factor = digamma(alpha + beta) - digamma(beta)
    numer, betas, dbetas, series = jnp.ones_like(x), jnp.ones_like(x), jnp.zeros_like(x), factor / alpha
    for i in range(1, 9):
        numer = numer * (-x / i)
        dbetas = dbetas * (beta - i) + betas
        betas = betas * (beta - i)
        series = series + numer / (alpha + i) * (dbetas + factor * betas)
    result = -(1 - x) ** (1 - beta) * series
    return jnp.where(jnp.isnan(result), 0.0, result)


def _beta_grad_alpha_mid(x, alpha, beta):
    total = alpha + beta
    mean = alpha / total
    std = jnp.sqrt(alpha * beta / (total + 1)) / total
    b2 = beta * beta
    poly = 47 * x * b2 * b2 + alpha * ((43 + 20 * (16 + 27 * beta) * x) * b2 * beta + alpha * (
        3 * (59 + 180 * beta - 90 * x) * b2 + alpha * ((453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (
            8 * (1 - x) * (135 * beta - 11)))))
    pre_num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
    pre_den = 12960 * alpha * alpha * alpha * beta * beta * (1 + 12 * total)
    near = pre_num / (1 - x) * poly / pre_den
    prefactor = -x / jnp.sqrt(2 * alpha * beta / total)
    stirling = ((1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha)) * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta))
                / (1 + 1 / (12 * total) + 1 / (288 * total * total)))
    t1_num = 2 * (alpha * alpha) * (x - 1) + alpha * beta * (x - 1) - x * b2
    axbx = alpha * (x - 1) + beta * x
    t1 = t1_num / (jnp.sqrt(2 * alpha / beta) * total ** 1.5 * axbx * axbx)
    t2 = 0.5 * jnp.log(alpha / (total * x))
    t3 = jnp.sqrt(8 * alpha * beta / total) / (beta * x + alpha * (x - 1))
    t4 = (beta * jnp.log(beta / (total * (1 - x))) + alpha * jnp.log(alpha / (total * x))) ** -1.5
    far = stirling * prefactor * (t1 + t2 * (t3 + jnp.where(x < mean, t4, -t4)))
    return jnp.where((mean - 0.1 * std <= x) & (x <= mean + 0.1 * std), near, far)


_DC = np.array([
    [[[1.003668233, -0.01061107488, -0.0657888334, 0.01201642863],
      [0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033],
      [-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013]],
     [[0.221950385, -0.3187676331, 0.01799915743, 0.01074823814],
      [-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057],
      [0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05]],
     [[-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565],
      [0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181],
      [0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05]]],
    [[[1, -0.02924021934, -0.04438342661, 0.007285809825],
      [0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521],
      [-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149]],
     [[0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273],
      [0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956],
      [-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05]],
     [[0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05],
      [0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05],
      [-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06]]]])


@op(name="_dirichlet_grad", method=False)
def dirichlet_grad(x, alpha, total):
    """torch._dirichlet_grad(x, alpha, total): torch's approximation of a Beta draw's reparameterised gradient."""
    dt = x.dtype
    x, alpha, total = (jnp.broadcast_arrays(x, alpha, total))
    beta = total - alpha  # (scalar_t steps: the branch tests and the small-x series)
    boundary = total * x * (1 - x)
    small_a = _beta_grad_alpha_small(x, alpha, beta)
    small_b = -_beta_grad_beta_small(1 - x, beta, alpha)
    x64, a64, t64 = x.astype(jnp.float64), alpha.astype(jnp.float64), total.astype(jnp.float64)
    b64 = t64 - a64
    mid = _beta_grad_alpha_mid(x64, a64, b64)
    u = jnp.log(x64)
    a = jnp.log(a64) - u
    b = jnp.log(t64) - a
    pu, pa = (1.0, u, u * u), (1.0, a, a * a)
    p = q = 0.0
    for i in range(3):
        for j in range(3):
            ua = pu[i] * pa[j]
            c0, c1 = _DC[0, i, j], _DC[1, i, j]
            p = p + ua * (c0[0] + b * (c0[1] + b * (c0[2] + b * c0[3])))
            q = q + ua * (c1[0] + b * (c1[1] + b * (c1[2] + b * c1[3])))
    approx = x64 * (digamma(t64) - digamma(a64)) / b64
    rational = p / q * approx
    out = jnp.where((x <= 0.5) & (boundary < 2.5), small_a.astype(jnp.float64),
                    jnp.where((x >= 0.5) & (boundary < 0.75), small_b.astype(jnp.float64),
                              jnp.where((alpha > 6) & (beta > 6), mid, rational)))
    return out.astype(dt)
