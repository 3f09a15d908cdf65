"""Random sampling: torch.rand/randn/randint/randperm/normal/bernoulli/multinomial/poisson and the in-place
samplers (Tensor.uniform_, normal_, random_, bernoulli_, exponential_, geometric_, log_normal_, cauchy_).

Eager draws reproduce torch's CPU kernels: the same engine outputs (`_generator`), consumed in the same order
(torch's serial element order), through the same transforms and the same floating-point steps
(`random_host.py`). Values are made on the host with numpy and moved to the tensor's device once.

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
from torchax._ops import random_host as host
from torchax._ops.creation import _dtype_arg, _maybe_out, _relocate, _size_arg
from torchax._registry import TorchNotImplementedError, TorchRuntimeError, composite, op
from torchax._tensor import Tensor, wrap

__all__ = ["rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like", "normal", "bernoulli",
           "multinomial", "poisson"]

_DIGITS = {_dtype.float16: 11, _dtype.bfloat16: 8, _dtype.float32: 24, _dtype.float64: 53}


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
    value = jax.device_put(arr.astype(self.dtype.np, copy=False), to_jax(self.device))
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
    return _write(self, lambda n: host.uniform(g, n, self.dtype, from_, to))


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
    return _write(self, lambda n: host.normal(g, n, self.dtype, mean, std, self.is_contiguous()))


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
        return host.randint(g, n, low, span)
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
        return _write(self, lambda n: host.unit(g, n, dt) < flat.astype(host.acc_type(dt)))
    if not 0 <= p <= 1:
        raise TorchRuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    if key is not None:
        return _write_traced(self, jax.random.bernoulli(key, p, self.shape))
    g = _gen(generator, self.device)
    return _write(self, lambda n: host.unit_double(g, n) < p)


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
    return _write(self, lambda n: -1.0 / lambd * host.libm("log1p", -host.unit_double(g, n)))


@composite(function=False)
def geometric_(self, p, *, generator=None):
    """Tensor.geometric_(p): trials up to the first success."""
    if not 0 < p < 1:
        raise TorchRuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    key = _subkey()
    if key is not None:
        return _write_traced(self, jax.random.geometric(key, p, self.shape))
    g = _gen(generator, self.device)
    return _write(self, lambda n: np.ceil(host.libm("log", host.unit_double(g, n)) / math.log(1.0 - p)))


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
    return _write(self, lambda n: host.libm("exp", host.normal_serial(g, n, mean, std)))


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
    return _write(self, lambda n: host.fma(np.float64(sigma),
                                           host.libm("tan", math.pi * (host.unit_double(g, n) - 0.5)),
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
        value = jnp.asarray(host.fisher_yates(_gen(generator), n), _dtype.JNP[dt])
    t = _relocate(wrap(value), device, requires_grad)
    return _maybe_out(t, out)


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
            idx[i] = np.searchsorted(cum, host.unit_double(g, num_samples), side="left")
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
    vals = np.fromiter((host.poisson_one(g, x) for x in lam), np.float64, lam.size)
    return wrap(jax.device_put(jnp.asarray(vals.reshape(tuple(input.shape)).astype(
        input.dtype.np if input.dtype.is_floating_point else np.float32)), to_jax(input.device)))
