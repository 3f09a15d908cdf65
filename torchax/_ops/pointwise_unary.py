"""Pointwise unary math: torch's elementwise functions of one tensor, with torch's dtype rules.

Three families: float math (integer/bool inputs compute in the default float dtype: sqrt, exp, sin ...),
integer-preserving ops (abs, neg, sign, square, rounding), and complex helpers (real, imag, conj, angle).
"""

from __future__ import annotations

import builtins
import math

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
import numpy as np
from jax import lax

from torchax import _dtype
from torchax._registry import TorchRuntimeError, TorchTypeError, composite, op
from torchax._tensor import _TYPE_NAME, Tensor

__all__ = ["relu",
    "abs", "absolute", "neg", "negative", "positive", "sign", "sgn", "square",
    "sqrt", "rsqrt", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "reciprocal", "sigmoid", "sinc",
    "sin", "cos", "tan", "asin", "arcsin", "acos", "arccos", "atan", "arctan",
    "sinh", "cosh", "tanh", "asinh", "arcsinh", "acosh", "arccosh", "atanh", "arctanh",
    "erf", "erfc", "erfinv", "lgamma", "digamma", "polygamma", "mvlgamma", "i0", "logit", "deg2rad", "rad2deg",
    "ceil", "floor", "round", "trunc", "fix", "frac", "nan_to_num",
    "real", "imag", "conj", "conj_physical", "resolve_conj", "resolve_neg", "angle",
]


# --- helpers shared with pointwise.py -------------------------------------------------------------


def unsupported(kernel: str, dtype) -> NotImplementedError:
    """torch's error for a dtype its CPU kernel does not handle: '"abs_cpu" not implemented for 'Bool''."""
    return NotImplementedError(f"\"{kernel}\" not implemented for '{_TYPE_NAME(dtype)}'")


def to_dtype(x, dt):
    """x.astype(dt), with bools going through uint8.

    NOTE: XLA rewrites convert(bool) * y as select(bool, y, 0), which is wrong for y = inf or NaN (0 * inf is NaN).
    """
    if x.dtype == jnp.bool_ and dt != jnp.bool_:
        x = x.astype(jnp.uint8)
    return x.astype(dt)


def is_bool(x) -> bool:
    return x.dtype == jnp.bool_


def is_complex(x) -> bool:
    return jnp.issubdtype(x.dtype, jnp.complexfloating)


def is_float(x) -> bool:
    """Real floating point (not complex)."""
    return jnp.issubdtype(x.dtype, jnp.floating)


def is_integral(x) -> bool:
    """Integer or bool, as torch's isIntegralType(t, includeBool=True)."""
    return not jnp.issubdtype(x.dtype, jnp.inexact)


# --- float math: integer and bool inputs compute in the default float dtype ------------------------


def _float_op(name: str, fn, *, real_only: str | None = None, inplace: bool = True):
    """Register a float-math op; `real_only` names the kernel in the error torch raises for complex inputs."""

    def impl(input):
        if real_only and is_complex(input):
            raise unsupported(real_only, input.dtype)
        return fn(input)

    impl.__doc__ = f"torch.{name}."
    return op(name, inplace=inplace, promote=("input",), to_float=True)(impl)


def _reciprocal(x):
    return jnp.asarray(1, x.dtype) / x


def _digamma(x):
    # NOTE: torch gives -inf at +0 and +inf at -0 (a pole); XLA gives nan there.
    return jnp.where(x == 0, jnp.copysign(jnp.asarray(jnp.inf, x.dtype), -x), _digamma_core(x))


@jax.custom_jvp
def _digamma_core(x):
    return jss.digamma(x)


@_digamma_core.defjvp
def _digamma_jvp(primals, tangents):
    # JAX's rule is polygamma(1, x), wrong for x < 0; the reflected form is right everywhere
    (x,), (t,) = primals, tangents
    return _digamma_core(x), _polygamma_reflected(1, x) * t


sqrt = _float_op("sqrt", jnp.sqrt)
rsqrt = _float_op("rsqrt", lax.rsqrt)
exp = _float_op("exp", jnp.exp)
exp2 = _float_op("exp2", jnp.exp2)
expm1 = _float_op("expm1", jnp.expm1)
log = _float_op("log", jnp.log)
log2 = _float_op("log2", jnp.log2)
log10 = _float_op("log10", jnp.log10)
log1p = _float_op("log1p", jnp.log1p)
reciprocal = _float_op("reciprocal", _reciprocal)
sigmoid = _float_op("sigmoid", jax.nn.sigmoid)
sinc = _float_op("sinc", jnp.sinc)
sin = _float_op("sin", jnp.sin)
cos = _float_op("cos", jnp.cos)
tan = _float_op("tan", jnp.tan)
asin = _float_op("asin", jnp.arcsin)
arcsin = _float_op("arcsin", jnp.arcsin)
acos = _float_op("acos", jnp.arccos)
arccos = _float_op("arccos", jnp.arccos)
atan = _float_op("atan", jnp.arctan)
arctan = _float_op("arctan", jnp.arctan)
sinh = _float_op("sinh", jnp.sinh)
cosh = _float_op("cosh", jnp.cosh)
tanh = _float_op("tanh", jnp.tanh)
asinh = _float_op("asinh", jnp.arcsinh)
arcsinh = _float_op("arcsinh", jnp.arcsinh)
acosh = _float_op("acosh", jnp.arccosh)
arccosh = _float_op("arccosh", jnp.arccosh)
atanh = _float_op("atanh", jnp.arctanh)
arctanh = _float_op("arctanh", jnp.arctanh)
erf = _float_op("erf", jss.erf, real_only="erf_vml_cpu")
erfc = _float_op("erfc", jss.erfc, real_only="erfc_vml_cpu")
erfinv = _float_op("erfinv", jss.erfinv, real_only="erfinv_vml_cpu")
lgamma = _float_op("lgamma", jss.gammaln, real_only="lgamma_vml_cpu")
digamma = _float_op("digamma", _digamma, real_only="digamma")
i0 = _float_op("i0", jss.i0, real_only="i0_vml_cpu")


def _degrees(name: str, factor: float):
    def impl(input):
        if is_complex(input):
            raise TorchRuntimeError(f"{name} is not supported for complex tensors.")
        return input * jnp.asarray(factor, input.dtype)

    impl.__doc__ = f"torch.{name}."
    return op(name, inplace=True, promote=("input",), to_float=True)(impl)


deg2rad = _degrees("deg2rad", math.pi / 180)
rad2deg = _degrees("rad2deg", 180 / math.pi)


@op(inplace=True, promote=("input",), to_float=True, dynamic=("eps",))
def logit(input, eps=None):
    """torch.logit: log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps >= 0."""
    if is_complex(input):
        raise unsupported("logit_cpu", input.dtype)
    if eps is not None:
        eps = jnp.asarray(eps, input.dtype)
        lo, hi = eps, 1 - eps
        # NOTE: torch checks the low bound first, so eps > 0.5 maps everything below eps to eps.
        clamped = jnp.where(input < lo, lo, jnp.where(input > hi, hi, input))
        input = jnp.where(eps < 0, input, clamped)
    return jnp.log(input / (1 - input))


@op(promote=("input",), to_float=True, method=False)
def _polygamma(input, n):
    """torch.polygamma(n, input), with the tensor first so that it dispatches like every other op."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TorchTypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise TorchRuntimeError("polygamma(n, x) does not support negative n.")
    if is_complex(input):
        raise unsupported("digamma" if n == 0 else "polygamma", input.dtype)
    if n == 0:
        return _digamma(input)
    return _polygamma_reflected(n, input)


def _polygamma_reflected(n, x):
    """polygamma for every real x: JAX's is only right for x > 0, so negative x use the reflection formula
    psi_n(x) = (-1)^n psi_n(1 - x) - d^n/dx^n [pi cot(pi x)]."""
    neg = x < 0
    pos = jss.polygamma(n, jnp.where(neg, 1 - x, x))
    cot = lambda t: jnp.pi / jnp.tan(jnp.pi * t)
    for _ in range(n):
        cot = jax.grad(cot)
    xs = jnp.where(neg, x, 0.5).astype(jnp.float64)  # a finite point where the reflection is not used
    g = jax.vmap(cot)(xs.ravel()).reshape(x.shape).astype(x.dtype)  # in float64: pi * x must not round
    return jnp.where(neg, (-1) ** n * pos - g, pos)


@composite(method=False)
def polygamma(n, input, *, out=None):
    """torch.polygamma."""
    return _polygamma(input, n, out=out)


def _polygamma_method(self, n):
    """Tensor.polygamma(n): torch's method takes n only."""
    return _polygamma(self, n)


def _polygamma_inplace(self, n):
    """Tensor.polygamma_(n)."""
    return self._inplace(_polygamma(self, n))


Tensor.polygamma, Tensor.polygamma_ = _polygamma_method, _polygamma_inplace


@op(inplace=True, promote=("input",), to_float=True)
def mvlgamma(input, p):
    """torch.mvlgamma: the log of the multivariate gamma function of dimension p."""
    if not isinstance(p, int) or isinstance(p, bool):
        raise TorchTypeError(f"mvlgamma(): argument 'p' (position 2) must be int, not {type(p).__name__}")
    if p < 1:
        raise TorchRuntimeError("p has to be greater than or equal to 1")
    if is_complex(input):
        raise unsupported("mvlgamma", input.dtype)
    shifts = jnp.asarray(np.arange(p) / -2.0, input.dtype)  # x, x - 1/2, ..., x - (p - 1)/2
    terms = jss.gammaln(input[..., None] + shifts).sum(-1)
    return terms + jnp.asarray(p * (p - 1) / 4 * math.log(math.pi), input.dtype)


# --- integer-preserving ops ------------------------------------------------------------------------


def _abs(input):
    if is_bool(input):
        raise unsupported("abs_cpu", input.dtype)
    if jnp.issubdtype(input.dtype, jnp.floating):
        return float_abs(input)
    return jnp.abs(input)


@jax.custom_jvp
def float_abs(x):
    """|x| of a float array with torch's derivative (for kernels that need torch's abs inside)."""
    return jnp.abs(x)


@float_abs.defjvp
def float_abs_jvp(primals, tangents):
    """torch's derivative of abs: +1 above 0, -1 below, 0 at +-0 and at NaN (JAX's gives 1 at 0)."""
    (x,), (t,) = primals, tangents
    sign = jnp.where(x > 0, 1, jnp.where(x < 0, -1, 0)).astype(x.dtype)
    return jnp.abs(x), t * sign


@op()
def abs(input):  # noqa: A001 - torch's name
    """torch.abs (complex inputs give their real dtype)."""
    return _abs(input)


@op()
def absolute(input):
    """torch.absolute."""
    return _abs(input)


def _abs_inplace(name: str):
    def inplace(self):
        if self.is_complex():  # the real-valued result cannot replace complex elements
            raise RuntimeError("In-place abs is not supported for complex tensors.")
        return self._inplace(abs(self))

    inplace.__name__, inplace.__doc__ = name, f"Tensor.{name}."
    return composite(name, function=False)(inplace)


_abs_inplace("abs_")
_abs_inplace("absolute_")


def _neg(input):
    if is_bool(input):
        raise TorchRuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                                "to invert a mask, use the `~` or `logical_not()` operator instead.")
    return -input


@op(inplace=True)
def neg(input):
    """torch.neg."""
    return _neg(input)


@op(inplace=True)
def negative(input):
    """torch.negative."""
    return _neg(input)


@composite()
def positive(input):
    """torch.positive: the input itself (bool tensors raise)."""
    if input.dtype is _dtype.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def _real_sign(x):
    # NOTE: torch's sign is (0 < x) - (x < 0): NaN gives 0, not NaN as in numpy.
    return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)


@op(inplace=True)
def sign(input):
    """torch.sign (NaN gives 0, as in torch)."""
    if is_complex(input):
        raise NotImplementedError("Unlike NumPy, torch.sign is not intended to support complex numbers. Please use "
                                  "torch.sgn instead.")
    return input if is_bool(input) else _real_sign(input)


@op(inplace=True)
def sgn(input):
    """torch.sgn: x / |x| for complex inputs (0 at 0), torch.sign otherwise."""
    if not is_complex(input):
        return input if is_bool(input) else _real_sign(input)
    mag = jnp.abs(input)
    safe = jnp.where(mag == 0, jnp.ones_like(mag), mag)  # no 0/0 in the untaken branch (NaN gradients)
    return jnp.where(mag == 0, jnp.zeros_like(input), input / safe.astype(input.dtype))


@op(inplace=True)
def square(input):
    """torch.square (bool inputs give int64, as torch's pow(x, 2))."""
    if is_bool(input):
        input = input.astype(jnp.int64)
    return input * input


def _rounding(name: str, fn, kernel: str, complex_msg: str | None):
    """Register ceil/floor/trunc/fix: integers pass through, bool and complex inputs raise as in torch."""

    def impl(input):
        if is_bool(input):
            raise unsupported(kernel, input.dtype)
        if is_complex(input):
            raise NotImplementedError(complex_msg) if complex_msg else unsupported(kernel, input.dtype)
        return input if is_integral(input) else fn(input)

    impl.__doc__ = f"torch.{name}."
    return op(name, inplace=True)(impl)


ceil = _rounding("ceil", jnp.ceil, "ceil_vml_cpu", "ceil is not supported for complex inputs")
floor = _rounding("floor", jnp.floor, "floor_vml_cpu", "floor is not supported for complex inputs")
trunc = _rounding("trunc", jnp.trunc, "trunc_vml_cpu", "trunc is not supported for complex inputs")
fix = _rounding("fix", jnp.trunc, "trunc_vml_cpu", "trunc is not supported for complex inputs")


@op(inplace=True)
def round(input, *, decimals=None):  # noqa: A001 - torch's name
    """torch.round: half to even; `decimals` scales by 10**decimals first (None: not given, torch's 0)."""
    if not isinstance(decimals, (int, type(None))) or isinstance(decimals, bool):
        raise TorchTypeError(f"round(): argument 'decimals' must be int, not {type(decimals).__name__}")
    if is_bool(input) or is_complex(input) or (decimals is not None and is_integral(input)):
        raise unsupported("round_vml_cpu", input.dtype)
    if is_integral(input):
        return input
    if not decimals:
        return jnp.round(input)
    # torch's round_decimals: nearbyint(x * 10^d) / 10^d, or nearbyint(x / 10^-d) * 10^-d for d < 0,
    # with half-precision inputs computed in float32
    x = input.astype(jnp.float32) if input.dtype in (jnp.bfloat16, jnp.float16) else input
    scale = jnp.asarray(10.0 ** builtins.abs(decimals), x.dtype)
    out = jnp.round(x * scale) / scale if decimals > 0 else jnp.round(x / scale) * scale
    return out.astype(input.dtype)



@op(inplace=True)
def frac(input):
    """torch.frac: x - trunc(x) (floating inputs only)."""
    if not is_float(input):
        raise unsupported("frac_cpu", input.dtype)
    return input - jnp.trunc(input)


@op(inplace=True, dynamic=("nan", "posinf", "neginf"))
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """torch.nan_to_num: infinities default to the dtype's largest finite values."""
    if is_integral(input):
        return input
    if is_complex(input):
        return lax.complex(_nan_to_num(input.real, nan, posinf, neginf), _nan_to_num(input.imag, nan, posinf, neginf))
    return _nan_to_num(input, nan, posinf, neginf)


def _nan_to_num(input, nan, posinf, neginf):
    info = jnp.finfo(input.dtype)
    big = jnp.asarray(info.max if posinf is None else posinf, input.dtype)
    small = jnp.asarray(info.min if neginf is None else neginf, input.dtype)
    out = jnp.where(jnp.isnan(input), jnp.asarray(nan, input.dtype), input)
    return jnp.where(jnp.isposinf(input), big, jnp.where(jnp.isneginf(input), small, out))


# --- complex helpers ------------------------------------------------------------------------------


@op(method=False)
def _real(input):
    return jnp.real(input)


@op(method=False)
def _imag(input):
    return jnp.imag(input)


@composite(method=False)
def real(input):
    """torch.real: the input itself for real tensors; the real part (a copy here) for complex ones."""
    return _real(input) if input.is_complex() else input


@composite(method=False)
def imag(input):
    """torch.imag: the imaginary part (a copy here); real tensors raise, as in torch."""
    if not input.is_complex():
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return _imag(input)


Tensor.real = property(real)
Tensor.imag = property(imag)


@op(inplace=True)
def conj_physical(input):
    """torch.conj_physical."""
    return jnp.conj(input) if is_complex(input) else input


@composite()
def conj(input):
    """torch.conj: the input itself for real tensors; a conjugated copy for complex ones (torch: a lazy view)."""
    return conj_physical(input) if input.is_complex() else input


@composite()
def resolve_conj(input):
    """torch.resolve_conj: conjugation is never lazy here, so the input itself."""
    return input


@composite()
def resolve_neg(input):
    """torch.resolve_neg: negation is never lazy here, so the input itself."""
    return input


@op(promote=("input",), to_float=True)
def angle(input):
    """torch.angle: the argument of complex inputs; pi for negative reals, 0 otherwise (NaN stays NaN)."""
    if is_complex(input):
        return jnp.angle(input)
    pi = jnp.asarray(math.pi, input.dtype)
    return jnp.where(jnp.isnan(input), input, jnp.where(input < 0, pi, jnp.zeros_like(input)))


# --- bit reinterpretation (Tensor.view(dtype)) -----------------------------------------------------


def _to_bytes(x):
    """The bytes of x, little-endian within each element: shape (..., n * itemsize) of uint8."""
    if is_bool(x):
        return x.astype(jnp.uint8)
    if is_complex(x):
        x = jnp.stack([x.real, x.imag], -1).reshape(*x.shape[:-1], -1)
    if x.dtype.itemsize == 1:
        return lax.bitcast_convert_type(x, jnp.uint8)
    b = lax.bitcast_convert_type(x, jnp.uint8)
    return b.reshape(*x.shape[:-1], -1)


def _from_bytes(b, dt):
    """Reassemble uint8 bytes (..., m) into elements of dtype `dt` (..., m // itemsize)."""
    if dt == jnp.bool_:
        return b != 0
    if jnp.issubdtype(dt, jnp.complexfloating):
        parts = _from_bytes(b, jnp.finfo(dt).dtype)
        parts = parts.reshape(*parts.shape[:-1], -1, 2)
        return lax.complex(parts[..., 0], parts[..., 1])
    if dt.itemsize == 1:
        return lax.bitcast_convert_type(b, dt)
    return lax.bitcast_convert_type(b.reshape(*b.shape[:-1], -1, dt.itemsize), dt)


@op(method=False, out=False, differentiable=False)
def _bitcast(input, dtype):
    """Tensor.view(dtype): reinterpret the bits; the last dim scales by the ratio of element sizes."""
    dt = _dtype.JNP[dtype]
    if input.ndim == 0:  # views.py lets a 0-dim tensor through only for equal element sizes
        return _reinterpret(input[None], dt)[0]
    return _reinterpret(input, dt)


def _reinterpret(x, dt):
    src = x.dtype
    if src == dt:
        return x
    plain = not (is_bool(x) or is_complex(x) or dt == jnp.bool_ or jnp.issubdtype(dt, jnp.complexfloating))
    if plain and src.itemsize == dt.itemsize:
        return lax.bitcast_convert_type(x, dt)
    if dt.itemsize > src.itemsize and x.shape[-1] % (dt.itemsize // src.itemsize):
        raise TorchRuntimeError(f"self.size(-1) must be divisible by {dt.itemsize // src.itemsize} to view "
                                f"{_TYPE_NAME(src)} as {_TYPE_NAME(dt)} (different element sizes), but got "
                                f"{x.shape[-1]}")
    return _from_bytes(_to_bytes(x), dt)


@op(inplace=True)
def relu(input):
    """torch.relu."""
    if input.dtype == jnp.bool_:
        raise TypeError('"clamp_min_cpu" not implemented for \'Bool\'')
    # (where, not maximum: torch's gradient at 0 is 0; maximum's splits the tie and gives 0.5)
    return jnp.where(input <= 0, jnp.zeros((), input.dtype), input)  # NaN stays NaN
