"""Random sampling: torch.rand/randn/randint/randperm/normal/bernoulli/multinomial/poisson and the in-place
samplers (Tensor.uniform_, normal_, random_, bernoulli_, exponential_, geometric_, log_normal_, cauchy_).

Eager draws reproduce torch's CPU kernels: the same engine outputs (`_generator`), consumed in the same order
(torch's serial element order), through the same transforms and the same floating-point steps. Values are
made on the host with numpy and moved to the tensor's device once.

Inside a `key_scope` (compiled code) draws come from a JAX key threaded through the program instead: other
numbers than torch's, fresh on every call, never a constant baked into the trace.
"""

from __future__ import annotations

import builtins
import contextlib
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax._src import core as _jax_core

from torchax import _dtype, _generator, _state
from torchax._device import to_jax
from torchax._generator import Generator, default_generator
from torchax._ops.creation import _dtype_arg, _maybe_out, _relocate, _size_arg
from torchax._registry import TorchNotImplementedError, TorchRuntimeError, composite, op
from torchax._tensor import Tensor, wrap

__all__ = ["rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like", "normal", "bernoulli",
           "multinomial", "poisson"]

_MASK53 = np.uint64((1 << 53) - 1)
_DIGITS = {_dtype.float16: 11, _dtype.bfloat16: 8, _dtype.float32: 24, _dtype.float64: 53}
_NP = {_dtype.float16: np.float16, _dtype.bfloat16: jnp.bfloat16, _dtype.float32: np.float32,
       _dtype.float64: np.float64}
_TWO_PI = 2.0 * math.pi


# --- where draws come from ---------------------------------------------------------------------------------

def _gen(generator, device=None) -> Generator:
    if generator is None:
        return default_generator if device is None or device.type == "cpu" else _generator.for_device(device)
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a torch.Generator, but got {type(generator).__name__}")
    return generator


@contextlib.contextmanager
def key_scope(key):
    """Draw every random op in this block from the JAX `key` (split per draw). Yields a one-element list
    holding the latest key: compiled code returns it so the next call continues the stream."""
    prev = _state._local.rng_key
    box = [key]
    _state._local.rng_key = box
    try:
        yield box
    finally:
        _state._local.rng_key = prev


def _subkey():
    """The next JAX key when drawing inside compiled code, else None (eager: torch's engine)."""
    box = _state._local.rng_key
    if box is None:
        if not _jax_core.trace_state_clean():
            raise RuntimeError("random ops under jax tracing need a key: run them through torchax.compile "
                               "or inside torchax._ops.random.key_scope(key)")
        return None
    box[0], sub = jax.random.split(box[0])
    return sub


# --- torch's transforms of engine outputs (numpy, on the host) -------------------------------------------

def _fma(a, b, c):
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


def _libm(name: str, x: np.ndarray) -> np.ndarray:
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


def _acc(dt) -> type:
    return np.float64 if dt == _dtype.float64 else np.float32


def _unit(g: Generator, n: int, dt) -> np.ndarray:
    """uniform_real_distribution<dt>(0, 1): the low `digits` bits of a draw, scaled into [0, 1)."""
    if dt == _dtype.float64:
        return (g.random64(n) & _MASK53).astype(np.float64) * 2.0 ** -53
    # float16 and bfloat16 draw like float32 (24 bits) and round at the end
    bits = g.random32(n)
    bits &= np.uint32((1 << 24) - 1)
    x = bits.view(np.int32).astype(np.float32)  # int32 -> float32 converts in SIMD; uint32 does not
    x *= np.float32(2.0 ** -24)
    return x


def _unit_double(g: Generator, n: int) -> np.ndarray:
    return _unit(g, n, _dtype.float64)


def _uniform(g: Generator, n: int, dt, low: float, high: float) -> np.ndarray:
    acc = _acc(dt)  # torch casts the bounds to the tensor's type first: (to - from) rounds there
    lo, hi = acc(low), acc(high)  # (half types compute in float32 with float32 bounds)
    x = _fma(_unit(g, n, dt), hi - lo, lo)
    if dt == _dtype.float64:
        return x
    x = x.astype(_NP[dt])  # a draw that rounds up to `to` in the tensor's type becomes `from`
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
        radius = np.sqrt(-2.0 * _libm("log", 1.0 - b[:, 0]))
        cos, sin = _libm("cos", theta), _libm("sin", theta)
    out = np.empty(b.shape, acc)
    np.multiply(radius, cos, out=out[:, 0])
    np.multiply(radius, sin, out=out[:, 1])
    out = out.reshape(-1)
    return out if std == 1 and mean == 0 else _fma(out, acc(std), acc(mean))


def _normal_fill(g: Generator, n: int, dt, mean, std) -> np.ndarray:
    """torch's normal_fill (contiguous tensors of 16 or more): Box-Muller in blocks of 16; a ragged tail
    redraws 16 fresh uniforms for the last 16 elements."""
    acc = _acc(dt)  # float16/bfloat16 compute in float32 and round once at the end

    def fill(u):
        return _box_muller_16(u, mean, std, acc)

    full = n - n % 16
    # float/double fill all n uniforms first; half types draw block by block (no uniforms for a ragged tail)
    u = _unit(g, full if dt in (_dtype.float16, _dtype.bfloat16) else n, dt)
    out = np.empty(n, acc)
    out[:full] = fill(u[:full])
    if n % 16:
        out[n - 16:] = fill(_unit(g, 16, dt))
    return out


def _normal_serial(g: Generator, n: int, mean, std) -> np.ndarray:
    """n draws of normal_distribution<double>: Box-Muller pairs, the sine half kept for the next draw."""
    out = np.empty(n, np.float64)
    i = 0
    if n and g._normal is not None:
        out[0], g._normal, i = g._normal, None, 1
    pairs = (n - i + 1) // 2
    if pairs:
        u = _unit_double(g, 2 * pairs).reshape(pairs, 2)
        r = np.sqrt(-2.0 * _libm("log1p", -u[:, 1]))
        theta = _TWO_PI * u[:, 0]
        vals = np.stack([r * _libm("cos", theta), r * _libm("sin", theta)], 1).reshape(-1)
        out[i:] = vals[:n - i]
        if (n - i) % 2:
            g._normal = float(vals[-1])
    return _fma(out, np.float64(std), np.float64(mean))


def _normal(g: Generator, n: int, dt, mean, std, contiguous=True) -> np.ndarray:
    if n >= 16 and contiguous:
        return _normal_fill(g, n, dt, mean, std)
    return _normal_serial(g, n, mean, std)


def _randint(g: Generator, n: int, low: int, span: int) -> np.ndarray:
    """uniform_int_from_to_distribution: `draw % span + low`; 64-bit draws once the span needs them."""
    draws = g.random64(n) if span >= 1 << 32 else g.random32(n)
    return (draws % np.uint64(span)).astype(np.int64) + np.int64(low)


# --- putting values into tensors ---------------------------------------------------------------------------

def _order(t: Tensor) -> tuple:
    """torch fills a tensor in memory order (TensorIterator sorts dims by stride): the dims, outermost first."""
    if t._view is None or t.is_contiguous():
        return tuple(builtins.range(t.ndim))
    strides = t.stride()
    return tuple(sorted(builtins.range(t.ndim), key=lambda d: -strides[d]))


def _write(self: Tensor, make) -> Tensor:
    """Fill `self` in place with `make(n)` (a flat numpy array in torch's element order)."""
    order = _order(self)
    shape = tuple(self.shape[d] for d in order)
    arr = np.asarray(make(math.prod(shape))).reshape(shape)
    if order != tuple(builtins.range(self.ndim)):
        arr = arr.transpose(np.argsort(order))
    value = jax.device_put(arr.astype(_NP.get(self.dtype) or _dtype.JNP[self.dtype], copy=False),
                           to_jax(self.device))
    return self._inplace(wrap(value))


def _write_traced(self: Tensor, value) -> Tensor:
    return self._inplace(wrap(value.astype(_dtype.JNP[self.dtype])))


def _no_extra(kw, fn):
    if kw:
        raise TypeError(f"{fn}() got an unexpected keyword argument '{next(iter(kw))}'")


def _float_only(self: Tensor, what: str) -> None:
    if self.dtype not in _DIGITS:
        raise TorchNotImplementedError(f'"{what}" not implemented for \'{_dtype.type_name(self.dtype)}\'')


# --- in-place samplers (Tensor methods) --------------------------------------------------------------------

@composite(function=False)
def uniform_(self, from_=0, to=1, *, generator=None, **kw):
    """Tensor.uniform_(from=0, to=1)."""
    from_ = kw.pop("from", from_)
    _no_extra(kw, "uniform_")
    _float_only(self, "check_uniform_bounds")
    if from_ > to:
        raise TorchRuntimeError(f"uniform_ expects to return a [from, to) range, but found from={from_} > to={to}")
    key = _subkey()
    if key is not None:
        return _write_traced(self, jax.random.uniform(key, self.shape, _dtype.JNP[self.dtype], from_, to))
    g = _gen(generator, self.device)
    return _write(self, lambda n: _uniform(g, n, self.dtype, from_, to))


@composite(function=False)
def normal_(self, mean=0, std=1, *, generator=None):
    """Tensor.normal_(mean=0, std=1)."""
    _float_only(self, "normal_kernel_cpu")
    if std < 0:
        raise TorchRuntimeError(f"normal expects std >= 0.0, but found std {std}")
    key = _subkey()
    if key is not None:
        return _write_traced(self, jax.random.normal(key, self.shape, _dtype.JNP[self.dtype]) * std + mean)
    g = _gen(generator, self.device)
    return _write(self, lambda n: _normal(g, n, self.dtype, mean, std, self.is_contiguous()))


def _int_max(dt) -> int:
    if dt in _DIGITS:
        return 1 << _DIGITS[dt]
    if dt == _dtype.bool:
        return 1
    return int(_dtype.iinfo(dt).max)


@composite(function=False)
def random_(self, *args, generator=None, **kw):
    """Tensor.random_(), random_(to), random_(from, to) (`to=None`: up to the dtype's maximum)."""
    if len(args) == 2 or "from" in kw or "to" in kw:
        from_ = args[0] if args else kw.pop("from", 0)
        to = args[1] if len(args) > 1 else kw.pop("to", None)
    else:
        from_, to = (0, args[0]) if args else (None, None)  # random_(to) or random_()
    _no_extra(kw, "random_")
    if from_ is None:  # random_(): [0, 2**digits] for floats, [0, max] for integers
        top = _int_max(self.dtype)
        low, span = 0, top + 1
        wide = self.dtype in (_dtype.int64, _dtype.float64)
    else:
        top = _int_max(self.dtype) if to is None else to - 1
        if from_ > top:
            raise TorchRuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
        low, span = from_, top - from_ + 1
        wide = span >= 1 << 32
    key = _subkey()
    if key is not None:
        vals = jax.random.randint(key, self.shape, low, min(low + span, 2 ** 63 - 1), jnp.int64)
        return _write_traced(self, vals)
    g = _gen(generator, self.device)

    def make(n):
        if from_ is None:
            draws = g.random64(n) if wide else g.random32(n)
            if self.dtype == _dtype.bool:
                return draws & np.uint64(1)
            return draws % np.uint64(span)
        if span == 1 << 64:
            return g.random64(n).view(np.int64)
        return _randint(g, n, low, span)
    return _write(self, make)


@composite(function=False)
def bernoulli_(self, p=0.5, *, generator=None):
    """Tensor.bernoulli_(p=0.5): p a float or a tensor of probabilities (broadcast to self)."""
    key = _subkey()
    if isinstance(p, Tensor):
        pv = p._value
        if key is not None:
            return _write_traced(self, jax.random.uniform(key, self.shape, jnp.float32) < pv)
        ps = np.asarray(p.expand(self.shape)._numpy())
        g = _gen(generator, self.device)
        dt = _dtype.float64 if p.dtype == _dtype.float64 else _dtype.float32
        # torch's tensor-p kernel walks self in memory order: the probabilities must follow that order too
        perm = _order(self)
        flat = np.ascontiguousarray(ps.transpose(perm)).reshape(-1)
        return _write(self, lambda n: _unit(g, n, dt) < flat.astype(_acc(dt)))
    if not 0 <= p <= 1:
        raise TorchRuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    if key is not None:
        return _write_traced(self, jax.random.bernoulli(key, p, self.shape))
    g = _gen(generator, self.device)
    return _write(self, lambda n: _unit_double(g, n) < p)


@composite(function=False)
def exponential_(self, lambd=1, *, generator=None):
    """Tensor.exponential_(lambd=1)."""
    _float_only(self, "exponential_cpu")
    if not lambd > 0:
        raise TorchRuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    key = _subkey()
    if key is not None:
        return _write_traced(self, jax.random.exponential(key, self.shape, _dtype.JNP[self.dtype]) / lambd)
    g = _gen(generator, self.device)
    return _write(self, lambda n: -1.0 / lambd * _libm("log1p", -_unit_double(g, n)))


@composite(function=False)
def geometric_(self, p, *, generator=None):
    """Tensor.geometric_(p): trials up to the first success."""
    if not 0 < p < 1:
        raise TorchRuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    key = _subkey()
    if key is not None:
        return _write_traced(self, jax.random.geometric(key, p, self.shape))
    g = _gen(generator, self.device)
    return _write(self, lambda n: np.ceil(_libm("log", _unit_double(g, n)) / math.log(1.0 - p)))


@composite(function=False)
def log_normal_(self, mean=1, std=2, *, generator=None):
    """Tensor.log_normal_(mean=1, std=2): exp of a normal draw."""
    _float_only(self, "log_normal_cpu")
    if not std > 0:
        raise TorchRuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    key = _subkey()
    if key is not None:
        return _write_traced(self, jnp.exp(jax.random.normal(key, self.shape) * std + mean))
    g = _gen(generator, self.device)
    return _write(self, lambda n: _libm("exp", _normal_serial(g, n, mean, std)))


@composite(function=False)
def cauchy_(self, median=0, sigma=1, *, generator=None):
    """Tensor.cauchy_(median=0, sigma=1)."""
    _float_only(self, "cauchy_cpu")
    if not sigma > 0:
        raise TorchRuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    key = _subkey()
    if key is not None:
        return _write_traced(self, jax.random.cauchy(key, self.shape) * sigma + median)
    g = _gen(generator, self.device)
    return _write(self, lambda n: _fma(np.float64(sigma), _libm("tan", math.pi * (_unit_double(g, n) - 0.5)),
                                       np.float64(median)))


# --- factories --------------------------------------------------------------------------------------------

def _float_dtype(dtype, fn):
    dt = _dtype_arg(dtype, fn) or _dtype.get_default_dtype()
    if dt not in _DIGITS:
        raise TorchNotImplementedError(f'"{fn}" not implemented for \'{_dtype.type_name(dt)}\'')
    return dt


def _new(shape, dt, device, requires_grad, out, fill) -> Tensor:
    from torchax._ops.creation import empty

    t = empty(shape, dtype=dt)
    from torchax.autograd import grad_mode

    with grad_mode.no_grad():
        fill(t)
    t = _relocate(t, device, requires_grad)
    return _maybe_out(t, out)


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, **kw):
    """torch.rand: uniform on [0, 1)."""
    shape = _size_arg(size, kw.pop("size", None), "rand")
    dt = _float_dtype(dtype if out is None or dtype is not None else out.dtype, "check_uniform_bounds")
    return _new(shape, dt, device, requires_grad, out, lambda t: uniform_(t, 0, 1, generator=generator))


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, **kw):
    """torch.randn: standard normal."""
    shape = _size_arg(size, kw.pop("size", None), "randn")
    dt = _float_dtype(dtype if out is None or dtype is not None else out.dtype, "normal_kernel_cpu")
    return _new(shape, dt, device, requires_grad, out, lambda t: normal_(t, 0, 1, generator=generator))


def randint(*args, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, **kw):
    """torch.randint(high, size) / randint(low, high, size): integers in [low, high), int64 by default."""
    low = kw.pop("low", None)
    high = kw.pop("high", None)
    size = kw.pop("size", None)
    rest = list(args)
    if size is None and rest and isinstance(rest[-1], (tuple, list)):
        size = rest.pop()
    if high is None and rest:
        high = rest.pop()
    if low is None:
        low = rest.pop() if rest else 0
    if size is None or high is None or rest:
        raise TypeError("randint() received an invalid combination of arguments - expected (int high, tuple of "
                        "ints size) or (int low, int high, tuple of ints size)")
    if low >= high:
        raise TorchRuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dt = _dtype_arg(dtype, "randint") or (out.dtype if out is not None else _dtype.int64)
    shape = _size_arg((size,), None, "randint")
    return _new(shape, dt, device, requires_grad, out, lambda t: random_(t, low, high, generator=generator))


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    """torch.randperm: torch's CPU Fisher-Yates (`random() % (n - i)` swaps, front to back)."""
    if n < 0:
        raise TorchRuntimeError(f"n must be non-negative, got{n}")
    dt = _dtype_arg(dtype, "randperm") or _dtype.int64
    key = _subkey()
    if key is not None:
        value = jax.random.permutation(key, n).astype(_dtype.JNP[dt])
    else:
        value = jnp.asarray(_fisher_yates(_gen(generator), n), _dtype.JNP[dt])
    t = _relocate(wrap(value), device, requires_grad)
    return _maybe_out(t, out)


def _fisher_yates(g: Generator, n: int) -> np.ndarray:
    if n >= (1 << 32) // 20:
        raise NotImplementedError("randperm for n >= 2**32 / 20 is not supported")
    perm = list(builtins.range(n))
    z = (g.random32(builtins.max(n - 1, 0)) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
    for i, zi in enumerate(z):
        j = i + zi
        perm[i], perm[j] = perm[j], perm[i]
    return np.asarray(perm, np.int64)


def _like_args(input, dtype, device):
    return (tuple(input.shape), dtype if dtype is not None else input.dtype,
            device if device is not None else input.device)


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """torch.rand_like."""
    shape, dt, dev = _like_args(input, dtype, device)
    return rand(shape, generator=generator, dtype=dt, device=dev, requires_grad=requires_grad)


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """torch.randn_like."""
    shape, dt, dev = _like_args(input, dtype, device)
    return randn(shape, generator=generator, dtype=dt, device=dev, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None):
    """torch.randint_like(input, high) / randint_like(input, low, high)."""
    if high is None:
        low, high = 0, low
    shape, dt, dev = _like_args(input, dtype, device)
    return randint(low, high, shape, generator=generator, dtype=dt, device=dev, requires_grad=requires_grad)


# --- distributions over tensors -----------------------------------------------------------------------------

def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           pin_memory=False, requires_grad=False):
    """torch.normal: (Tensor mean, Tensor std), (Tensor mean, float std), (float mean, Tensor std) or
    (float mean, float std, size). Tensor forms draw standard normals, then scale and shift (as torch)."""
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got (float, float), but "
                            "expected (float mean, float std, tuple of ints size)")
        shape = _size_arg((size,), None, "normal")
        dt = _float_dtype(dtype if out is None or dtype is not None else out.dtype, "normal_kernel_cpu")
        return _new(shape, dt, device, requires_grad, out,
                    lambda t: normal_(t, mean, std, generator=generator))
    from torchax._ops.creation import empty
    from torchax._ops.pointwise import add, mul

    if st and (std < 0).any().item():
        raise TorchRuntimeError("normal expects all elements of std >= 0.0")
    ref = mean if mt else std
    if not ref.is_floating_point():
        raise TorchRuntimeError(f"normal expects floating point tensors, but got {ref.dtype}")
    shape = tuple(np.broadcast_shapes(tuple(mean.shape) if mt else (), tuple(std.shape) if st else ()))
    t = empty(shape, dtype=ref.dtype, device=ref.device)
    from torchax.autograd import grad_mode

    with grad_mode.no_grad():
        if mt and not st:
            normal_(t, 0, std, generator=generator)
            result = add(t, mean)
        else:
            normal_(t, 0, 1, generator=generator)
            result = add(mul(t, std), mean)
    # torch's derivative of a draw is zero for mean and std (NormalBackward1/2/3), yet the draw joins the graph
    result = _normal_tie3(result, mean, std) if mt and st else _normal_tie1(result, mean) if mt else \
        _normal_tie2(result, std)
    return _maybe_out(result, out)


def _zero_grad_tie(name, grad_name, two=False):
    """An op returning its first argument unchanged with a zero gradient for the parameters after it (a random
    draw's dependence on its mean/std/probabilities, as torch records it)."""

    def one_param(sample, a):
        return sample

    def two_params(sample, a, b):
        return sample

    impl = two_params if two else one_param
    impl.__name__ = name
    return op(method=False, out=False, grad_name=grad_name)(impl)


_normal_tie1 = _zero_grad_tie("_normal_tie1", "NormalBackward1")
_normal_tie2 = _zero_grad_tie("_normal_tie2", "NormalBackward2")
_normal_tie3 = _zero_grad_tie("_normal_tie3", "NormalBackward3", two=True)
_bernoulli_tie = _zero_grad_tie("_bernoulli_tie", "BernoulliBackward0")


@composite(name="bernoulli")
def bernoulli(input, p=None, *, generator=None, out=None):
    """torch.bernoulli(input): 0/1 draws with probabilities `input`; bernoulli(input, p): constant p."""
    from torchax._ops.creation import empty_like

    t = empty_like(input)
    from torchax.autograd import grad_mode

    with grad_mode.no_grad():
        bernoulli_(t, input if p is None else p, generator=generator)
    if p is None and input.is_floating_point():
        t = _bernoulli_tie(t, input)  # zero gradient for the probabilities, as torch's BernoulliBackward0
    return _maybe_out(t, out)


@composite(name="multinomial")
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """torch.multinomial: without replacement (or one sample) torch takes the top-k of p / Exp(1) draws;
    with replacement, a binary search of each uniform draw in the normalised cumulative sum."""
    from torchax._ops.creation import empty_like

    if input.ndim not in (1, 2):
        raise TorchRuntimeError("prob_dist must be 1 or 2 dim")
    if not input.is_floating_point():
        raise TorchRuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                                f"{_dtype.type_name(input.dtype)}")
    if out is not None and out.dtype != _dtype.int64:
        raise TorchRuntimeError(f"multinomial expects Long tensor out, got: {_dtype.type_name(out.dtype)}")
    n_cat = input.shape[-1]
    if num_samples <= 0:
        raise TorchRuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > n_cat:
        raise TorchRuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    p = np.asarray(input.detach()._numpy())
    if (p < 0).any() or not np.isfinite(p).all():
        raise TorchRuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = p.reshape(-1, n_cat)
    if (rows.sum(-1) <= 0).any():
        raise TorchRuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    key = _subkey()
    if key is not None:
        raise NotImplementedError("multinomial inside compiled code is not supported yet")
    g = _gen(generator)
    if not replacement or num_samples == 1:
        q = empty_like(input.detach())
        exponential_(q, 1, generator=g)
        ratio = np.asarray(input.detach()._numpy()) / np.asarray(q._numpy())
        idx = np.argsort(-ratio, axis=-1, kind="stable")[..., :num_samples]
    else:
        acc = np.float64 if input.dtype == _dtype.float64 else np.float32
        idx = np.empty((rows.shape[0], num_samples), np.int64)
        for i, row in enumerate(rows.astype(acc)):
            cum = np.cumsum(row, dtype=acc)
            cum = cum / cum[-1]
            cum[-1] = 1
            idx[i] = np.searchsorted(cum, _unit_double(g, num_samples), side="left")
        idx = idx.reshape(p.shape[:-1] + (num_samples,))
    t = wrap(jax.device_put(jnp.asarray(idx, jnp.int64), to_jax(input.device)))
    return _maybe_out(t, out)


def poisson(input, generator=None) -> Tensor:
    """torch.poisson: torch's sampler (products of uniforms below rate 10, Hoermann's transformed rejection
    from 10 up), element by element."""
    lam = np.asarray(input.detach()._numpy(), np.float64).reshape(-1)
    if (lam < 0).any() or np.isnan(lam).any():
        raise TorchRuntimeError("invalid Poisson rate, expected rate to be non-negative")
    key = _subkey()
    if key is not None:
        value = jax.random.poisson(key, input._value, input.shape).astype(input._value.dtype)
        return wrap(value)
    g = _gen(generator)
    vals = np.fromiter((_poisson_one(g, x) for x in lam), np.float64, lam.size)
    return wrap(jax.device_put(jnp.asarray(vals.reshape(tuple(input.shape)).astype(
        _NP.get(input.dtype, np.float32))), to_jax(input.device)))


def _poisson_one(g: Generator, lam: float) -> int:
    def u():
        return float(_unit_double(g, 1)[0])

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

