"""torch's CPU sampling algorithms, on the host with numpy: what torch's kernels make of the engine's outputs
(`_generator`), transform by transform and in the same floating-point steps, so eager draws equal torch's bit for bit.

uniform floats (`unit`, `uniform`), normals (`normal`: Box-Muller in blocks of 16 for contiguous tensors of 16 or
more, else the serial pairs of `normal_serial`), integer ranges (`randint`), `fisher_yates` (randperm) and
`poisson_one`. `random.py` puts their values into tensors.
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from torchax import _dtype
from torchax._generator import Generator

_MASK53 = np.uint64((1 << 53) - 1)
_TWO_PI = 2.0 * math.pi


def fma(a, b, c):
    """a * b + c rounded once, as torch's CPU kernels compute it (the compiler fuses them into an FMA)."""
    if np.result_type(a, b, c) == np.float32:  # a float32 product is exact in float64
        x = np.asarray(a, np.float64)
        x *= np.float64(b)
        x += np.float64(c)
        return x.astype(np.float32)
    a, b, c = np.float64(a), np.float64(b), np.float64(c)
    p = a * b  # Dekker: p + e == a * b exactly
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c  # Knuth's two-sum: s + t == p + c exactly
    bb = s - p
    t = (p - (s - bb)) + (c - bb)
    return s + (t + e)


_LIBM_MAX = 1 << 17


def libm(name: str, x: np.ndarray) -> np.ndarray:
    """math.<name> elementwise in double: the C library's results, which torch's scalar kernels get too
    (numpy's vectorised float64 log/sin/cos/... can differ in the last bit). Large arrays use numpy."""
    if x.size > _LIBM_MAX:
        return getattr(np, name)(x)
    f = getattr(math, name)
    return np.fromiter(map(f, x.ravel().tolist()), np.float64, x.size).reshape(x.shape)


def _split(x):
    h = 134217729.0 * x  # 2**27 + 1
    h = h - (h - x)
    return h, x - h


def acc_type(dt) -> type:
    return np.float64 if dt == _dtype.float64 else np.float32


def unit(g: Generator, n: int, dt) -> np.ndarray:
    """uniform_real_distribution<dt>(0, 1): the low `digits` bits of a draw, scaled into [0, 1)."""
    if dt == _dtype.float64:
        return (g.random64(n) & _MASK53).astype(np.float64) * 2.0 ** -53
    # float16 and bfloat16 draw like float32 (24 bits) and round at the end
    bits = g.random32(n)
    bits &= np.uint32((1 << 24) - 1)
    x = bits.view(np.int32).astype(np.float32)  # int32 -> float32 converts in SIMD; uint32 does not
    x *= np.float32(2.0 ** -24)
    return x


def unit_double(g: Generator, n: int) -> np.ndarray:
    return unit(g, n, _dtype.float64)


def uniform(g: Generator, n: int, dt, low: float, high: float) -> np.ndarray:
    acc = acc_type(dt)  # torch casts the bounds to the tensor's type first: (to - from) rounds there
    lo, hi = acc(low), acc(high)  # (half types compute in float32 with float32 bounds)
    x = fma(unit(g, n, dt), hi - lo, lo)
    if dt == _dtype.float64:
        return x
    x = x.astype(dt.np)  # a draw that rounds up to `to` in the tensor's type becomes `from`
    top = x.astype(np.float32, copy=False) == hi
    if top.any():
        x[top] = low
    return x


def _box_muller_16(u: np.ndarray, mean, std, acc) -> np.ndarray:
    """torch's normal_fill_16 on each block of 16 uniforms: 8 radii from the first half, 8 angles from the second."""
    b = u.reshape(-1, 2, 8)
    theta = acc(_TWO_PI) * b[:, 1]  # (contiguous copies: numpy's SIMD loops skip strided operands)
    if acc is np.float32:  # torch's vectorised float kernel (Sleef): last-bit differences from numpy's
        radius = acc(1) - b[:, 0]
        np.log(radius, out=radius)
        radius *= acc(-2)
        np.sqrt(radius, out=radius)
        cos, sin = np.cos(theta), np.sin(theta)
    else:
        radius = np.sqrt(-2.0 * libm("log", 1.0 - b[:, 0]))
        cos, sin = libm("cos", theta), libm("sin", theta)
    out = np.empty(b.shape, acc)
    np.multiply(radius, cos, out=out[:, 0])
    np.multiply(radius, sin, out=out[:, 1])
    out = out.reshape(-1)
    return out if std == 1 and mean == 0 else fma(out, acc(std), acc(mean))


def _normal_fill(g: Generator, n: int, dt, mean, std) -> np.ndarray:
    """torch's normal_fill (contiguous tensors of 16 or more): Box-Muller in blocks of 16; a ragged tail
    redraws 16 fresh uniforms for the last 16 elements."""
    acc = acc_type(dt)  # float16/bfloat16 compute in float32 and round once at the end

    def fill(u):
        return _box_muller_16(u, mean, std, acc)

    full = n - n % 16
    # float/double fill all n uniforms first; half types draw block by block (no uniforms for a ragged tail)
    u = unit(g, full if dt in (_dtype.float16, _dtype.bfloat16) else n, dt)
    out = np.empty(n, acc)
    out[:full] = fill(u[:full])
    if n % 16:
        out[n - 16:] = fill(unit(g, 16, dt))
    return out


def normal_serial(g: Generator, n: int, mean, std) -> np.ndarray:
    """n draws of normal_distribution<double>: Box-Muller pairs, the sine half kept for the next draw."""
    out = np.empty(n, np.float64)
    i = 0
    if n and g._normal is not None:
        out[0], g._normal, i = g._normal, None, 1
    pairs = (n - i + 1) // 2
    if pairs:
        u = unit_double(g, 2 * pairs).reshape(pairs, 2)
        r = np.sqrt(-2.0 * libm("log1p", -u[:, 1]))
        theta = _TWO_PI * u[:, 0]
        vals = np.stack([r * libm("cos", theta), r * libm("sin", theta)], 1).reshape(-1)
        out[i:] = vals[:n - i]
        if (n - i) % 2:
            g._normal = float(vals[-1])
    return fma(out, np.float64(std), np.float64(mean))


def normal(g: Generator, n: int, dt, mean, std, contiguous=True) -> np.ndarray:
    if n >= 16 and contiguous:
        return _normal_fill(g, n, dt, mean, std)
    return normal_serial(g, n, mean, std)


def randint(g: Generator, n: int, low: int, span: int) -> np.ndarray:
    """uniform_int_from_to_distribution: `draw % span + low`; 64-bit draws once the span needs them."""
    draws = g.random64(n) if span >= 1 << 32 else g.random32(n)
    return (draws % np.uint64(span)).astype(np.int64) + np.int64(low)



def fisher_yates(g: Generator, n: int) -> np.ndarray:
    if n >= (1 << 32) // 20:
        raise NotImplementedError("randperm for n >= 2**32 / 20 is not supported")
    perm = list(builtins.range(n))
    z = (g.random32(builtins.max(n - 1, 0)) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
    for i, zi in enumerate(z):
        j = i + zi
        perm[i], perm[j] = perm[j], perm[i]
    return np.asarray(perm, np.int64)



def poisson_one(g: Generator, lam: float) -> int:
    def u():
        return float(unit_double(g, 1)[0])

    if lam >= 10:
        slam, loglam = math.sqrt(lam), math.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            U = u() - 0.5
            V = u()
            us = 0.5 - abs(U)
            k = math.floor((2 * a / us + b) * U + lam + 0.43)
            if us >= 0.07 and V <= vr:
                return k
            if k < 0 or (us < 0.013 and V > us):
                continue
            if math.log(V) + math.log(invalpha) - math.log(a / (us * us) + b) <= \
                    -lam + k * loglam - math.lgamma(k + 1):
                return k
    if lam == 0:
        return 0
    x, prod, enlam = 0, 1.0, math.exp(-lam)
    while True:
        prod *= u()
        if prod > enlam:
            x += 1
        else:
            return x
