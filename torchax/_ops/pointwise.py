"""Pointwise arithmetic: torch's binary and ternary math ops, with torch's type promotion.

Unary math lives in pointwise_unary.py. A few ops need a check on a Python value or on an operand's dtype
before promotion (sub of bools, int ** negative int, float_power_): those are small composites over a
private kernel (`_sub`, `_pow`), so the check costs one Python call and the kernel stays cached.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from torchax import _dtype
from torchax._ops.pointwise_unary import (  # noqa: F401 - _bitcast, imag, real: views.py imports them from here
    TorchTypeError,
    _bitcast,
    imag,
    is_bool,
    is_complex,
    is_integral,
    real,
    to_dtype,
    unsupported,
)
from torchax._registry import TorchRuntimeError, broadcast_shapes, composite, op
from torchax._tensor import _TYPE_NAME, Tensor

__all__ = [
    "add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "float_power", "atan2", "arctan2", "hypot", "logaddexp", "logaddexp2", "xlogy",
    "copysign", "nextafter", "ldexp", "lerp", "addcmul", "addcdiv", "clamp", "clip", "clamp_min", "clamp_max",
]


# --- helpers ------------------------------------------------------------------------------------


def _is_one(alpha) -> bool:
    return type(alpha) is int and alpha == 1  # a traced alpha is never skipped


def _scaled(other, alpha):
    """alpha * other for add/sub, with torch's checks of alpha's Python type against the result dtype."""
    if _is_one(alpha):
        return other
    a = jnp.asarray(alpha)  # a traced Python scalar: bool, int64, float64 or complex128
    if is_bool(a) and not is_bool(other):
        raise TorchRuntimeError("Boolean alpha only supported for Boolean results.")
    if is_integral(other) and jnp.issubdtype(a.dtype, jnp.inexact):
        raise TorchRuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if not is_complex(other) and is_complex(a):
        raise TorchRuntimeError("For non-complex input tensors, argument alpha must not be a complex number.")
    return other * a.astype(other.dtype)


def _require_tensors(name: str, params: tuple, values: tuple) -> None:
    """torch raises TypeError where a number is given for a Tensor-only argument (a static arg here)."""
    for pos, (p, v) in enumerate(zip(params, values), 1):
        if not isinstance(v, jax.Array):
            raise TorchTypeError(f"{name}(): argument '{p}' (position {pos}) must be Tensor, not {type(v).__name__}")


def _tensor_operands(name: str, params: tuple, values: tuple, *, to_float: bool = False) -> list:
    """torch's promotion for ops whose operands must all be tensors."""
    _require_tensors(name, params, values)
    broadcast_shapes(*(v.shape for v in values))
    rt = _dtype.result_type([(_dtype.from_jax(v.dtype), v.ndim) for v in values])
    if to_float and not (rt.is_floating_point or rt.is_complex):
        rt = _dtype.get_default_dtype()
    return [to_dtype(v, _dtype.JNP[rt]) for v in values]


def _opmath(*xs):
    """Half-precision operands computed in float32, as torch's fused CPU kernels do."""
    if xs[0].dtype in (jnp.bfloat16, jnp.float16):
        return [x.astype(jnp.float32) for x in xs]
    return list(xs)


def _dtype_word(d) -> str:
    return _TYPE_NAME(d).lower()  # torch's C++ spelling in some messages: float, double, long


# --- add / sub / mul --------------------------------------------------------------------------------


@op(inplace=True, promote=("input", "other"), dynamic=("alpha",))
def add(input, other, *, alpha=1):
    """torch.add."""
    return input + _scaled(other, alpha)


@op(promote=("input", "other"), dynamic=("alpha",), method=False)
def _sub(input, other, *, alpha=1):
    """torch.sub after the bool check."""
    return input - _scaled(other, alpha)


def _check_sub(input, other) -> None:
    bools = [isinstance(x, bool) or isinstance(x, Tensor) and x.dtype is _dtype.bool for x in (input, other)]
    if all(bools):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                           "`logical_xor()` operator instead.")
    if any(bools):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")


def _sub_call(input, other, alpha, out=None):
    _check_sub(input, other)
    if _is_one(alpha):  # keep the common call on the kernel without a traced alpha
        return _sub(input, other, out=out)
    return _sub(input, other, alpha=alpha, out=out)


def _sub_pair(name: str):
    """Register torch.<name> / Tensor.<name> and Tensor.<name>_ for sub and its alias subtract."""

    def fn(input, other, *, alpha=1, out=None):
        return _sub_call(input, other, alpha, out)

    def inplace(self, other, *, alpha=1):
        return self._inplace(_sub_call(self, other, alpha))

    fn.__name__, fn.__doc__ = name, f"torch.{name}."
    inplace.__name__ = name + "_"
    composite(name + "_", function=False)(inplace)
    return composite(name)(fn)


sub = _sub_pair("sub")
subtract = _sub_pair("subtract")


@composite(method=False)
def rsub(input, other, alpha=1):
    """torch.rsub: other - alpha * input."""
    if not isinstance(input, Tensor):
        raise TorchTypeError(f"rsub(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return _sub_call(other, input, alpha)


@op(inplace=True, promote=("input", "other"))
def mul(input, other):
    """torch.mul."""
    return input * other


@op(inplace=True, promote=("input", "other"))
def multiply(input, other):
    """torch.multiply."""
    return input * other


# --- division ------------------------------------------------------------------------------------


def _floor_div_float(a, b):
    """torch's div_floor for floating point: floor of the exact quotient, via fmod (5.1 // 0.1 == 50)."""
    mod = jnp.fmod(a, b)
    div = (a - mod) / b
    div = jnp.where((mod != 0) & ((b < 0) != (mod < 0)), div - 1, div)
    floor = jnp.floor(div)
    floor = jnp.where(div - floor > 0.5, floor + 1, floor)
    floor = jnp.where(div == 0, jnp.copysign(jnp.zeros_like(div), a / b), floor)
    return jnp.where(b == 0, a / b, floor)


def exact_divide(a, b):
    """a / b rounded once per element, as torch does. XLA rewrites a division by a broadcast value into a
    multiplication by its reciprocal (off by an ulp for about half the quotients); a divisor that reaches
    the division already broadcast, through an optimization barrier, keeps a true division."""
    shape = jnp.broadcast_shapes(jnp.shape(a), jnp.shape(b))
    if jnp.shape(b) != shape and jnp.issubdtype(jnp.result_type(a, b), jnp.inexact):
        b = lax.optimization_barrier(jnp.broadcast_to(b, shape))
    return a / b


def _divide(input, other, rounding_mode):
    if rounding_mode is None:
        if is_integral(input):
            dt = _dtype.JNP[_dtype.get_default_dtype()]
            input, other = to_dtype(input, dt), to_dtype(other, dt)
        return exact_divide(input, other)
    if rounding_mode not in ("trunc", "floor"):
        raise TorchRuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                                f"'{rounding_mode}'")
    if is_bool(input) or is_complex(input):
        raise unsupported(f"div_{rounding_mode}_cpu", input.dtype)
    input, other = jnp.broadcast_arrays(input, other)  # lax.div and lax.rem do not broadcast
    if rounding_mode == "trunc":
        return lax.div(input, other) if is_integral(input) else jnp.trunc(input / other)
    return jnp.floor_divide(input, other) if is_integral(input) else _floor_div_float(input, other)


@op(inplace=True, promote=("input", "other"))
def div(input, other, *, rounding_mode=None):
    """torch.div: true division (integers divide in the default float dtype), or 'trunc'/'floor' rounding."""
    return _divide(input, other, rounding_mode)


@op(inplace=True, promote=("input", "other"))
def divide(input, other, *, rounding_mode=None):
    """torch.divide."""
    return _divide(input, other, rounding_mode)


@op(inplace=True, promote=("input", "other"))
def true_divide(input, other):
    """torch.true_divide."""
    return _divide(input, other, None)


@op(inplace=True, promote=("input", "other"))
def floor_divide(input, other):
    """torch.floor_divide (integer division by zero does not raise here; see KNOWN_DIFFERENCES)."""
    return _divide(input, other, "floor")


@op(inplace=True, promote=("input", "other"))
def remainder(input, other):
    """torch.remainder: the sign of the divisor, as Python's %."""
    if is_bool(input) or is_complex(input):
        raise unsupported("remainder_cpu", input.dtype)
    return jnp.remainder(input, other)


@op(inplace=True, promote=("input", "other"))
def fmod(input, other):
    """torch.fmod: the sign of the dividend, as C's fmod."""
    if is_bool(input) or is_complex(input):
        raise unsupported("fmod_cpu", input.dtype)
    return jnp.fmod(input, other)


# --- powers --------------------------------------------------------------------------------------


def _int_pow(x, e):
    """Integer power with wrap-around, by squaring; negative exponents give 1/x truncated, as torch."""
    def cond(state):
        return jnp.any(state[2] > 0)

    def body(state):
        acc, base, exp = state
        acc = jnp.where((exp & 1) == 1, acc * base, acc)
        return acc, base * base, exp >> 1

    x, e = jnp.broadcast_arrays(x, e)
    acc, _, _ = lax.while_loop(cond, body, (jnp.ones_like(x), x, jnp.maximum(e, 0)))
    if not jnp.issubdtype(x.dtype, jnp.signedinteger):
        return acc
    odd = (e & 1) == 1
    small = jnp.where(x == 1, 1, jnp.where(x == -1, jnp.where(odd, -1, 1), 0)).astype(x.dtype)
    return jnp.where(e < 0, small, acc)


def _float_pow(x, e, number_exponent: bool):
    if not number_exponent:
        return jnp.power(x, e)
    # torch's pow(tensor, number) computes exponents 0.5 and -0.5 as sqrt and rsqrt: pow(-inf, 0.5) is NaN
    # NOTE: each branch sees only the inputs it is selected for, else its NaN gradient leaks through where
    sq, rs = e == 0.5, e == -0.5
    one = jnp.ones_like(x)
    out = jnp.power(jnp.where(sq | rs, one, x), e)
    return jnp.where(sq, jnp.sqrt(jnp.where(sq, x, one)), jnp.where(rs, lax.rsqrt(jnp.where(rs, x, one)), out))


@op(promote=("input", "exponent"), method=False)
def _pow(input, exponent, number_exponent=False):
    """torch.pow after the negative-integer-exponent check; `number_exponent`: the exponent was a Python number."""
    if is_bool(input):
        if not number_exponent:
            raise unsupported("pow", input.dtype)
        return input | ~exponent  # x ** True is x, x ** False is True
    if is_integral(input):
        return _int_pow(input, exponent)
    return _float_pow(input, exponent, number_exponent)


def _pow_call(input, exponent, out=None):
    if not isinstance(exponent, (int, float, complex)):
        return _pow(input, exponent, out=out)
    if isinstance(input, Tensor) and not (input.is_floating_point() or input.is_complex()) \
            and type(exponent) is int and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return _pow(input, exponent, True, out=out)


@composite()
def pow(input, exponent, *, out=None):  # noqa: A001 - torch's name
    """torch.pow: tensor ** tensor, tensor ** number, number ** tensor."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TorchTypeError(f"pow() received an invalid combination of arguments - got ({type(input).__name__}, "
                             f"{type(exponent).__name__}), but expected a Tensor input or exponent")
    return _pow_call(input, exponent, out)


@composite(function=False)
def pow_(self, exponent):
    """Tensor.pow_."""
    return self._inplace(_pow_call(self, exponent))


@composite()
def float_power(input, exponent, *, out=None):
    """torch.float_power: always in float64 (complex128 when either operand is complex)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):  # torch has no (Scalar, Scalar) overload
        raise TorchTypeError(f"float_power() received an invalid combination of arguments - got "
                             f"({type(input).__name__}, {type(exponent).__name__}), but expected a Tensor input or "
                             f"exponent")
    return _float_power(input, exponent, out=out)


@op(name="_float_power_kernel", method=False, dynamic=("input", "exponent"), grad_name="FloatPowerBackward0")
def _float_power(input, exponent):
    a, b = jnp.asarray(input), jnp.asarray(exponent)
    broadcast_shapes(a.shape, b.shape)
    dt = jnp.complex128 if is_complex(a) or is_complex(b) else jnp.float64
    return jnp.power(to_dtype(a, dt), to_dtype(b, dt))


@composite(function=False)
def float_power_(self, exponent):
    """Tensor.float_power_: the base must already have the result dtype (float64 or complex128)."""
    wants_complex = self.is_complex() or (exponent.is_complex() if isinstance(exponent, Tensor)
                                          else isinstance(exponent, complex))
    need = _dtype.complex128 if wants_complex else _dtype.float64
    if self.dtype is not need:
        raise RuntimeError(f"the base given to float_power_ has dtype {_TYPE_NAME(self.dtype.np)} but the "
                           f"operation's result requires dtype {_TYPE_NAME(need.np)}")
    return self._inplace(float_power(self, exponent))


# --- other binary math ---------------------------------------------------------------------------


def _atan2(input, other):
    input, other = _tensor_operands("atan2", ("input", "other"), (input, other), to_float=True)
    if is_complex(input):
        raise unsupported("atan2_cpu", input.dtype)
    return jnp.arctan2(input, other)


@op(inplace=True)
def atan2(input, other):
    """torch.atan2."""
    return _atan2(input, other)


@op(inplace=True)
def arctan2(input, other):
    """torch.arctan2."""
    return _atan2(input, other)


def _real_float_binary(name: str, fn, kernel: str, *, inplace: bool = True, complex_ok: bool = False):
    """Register a binary op of two tensors that torch implements for floating point only."""

    def impl(input, other):
        input, other = _tensor_operands(name, ("input", "other"), (input, other))
        if is_integral(input) or (is_complex(input) and not complex_ok):
            raise unsupported(kernel, input.dtype)
        return fn(input, other)

    impl.__doc__ = f"torch.{name}."
    return op(name, inplace=inplace)(impl)


hypot = _real_float_binary("hypot", jnp.hypot, "hypot_cpu")
# torch's gradient of nextafter is 1 for input and 0 for other (JAX has no rule for it)
@jax.custom_jvp
def _nextafter(a, b):
    return jnp.nextafter(a, b)


@_nextafter.defjvp
def _nextafter_jvp(primals, tangents):
    return _nextafter(*primals), tangents[0] + jnp.zeros_like(tangents[1])


nextafter = _real_float_binary("nextafter", _nextafter, "nextafter_cpu")
logaddexp = _real_float_binary("logaddexp", jnp.logaddexp, "logaddexp_cpu", inplace=False, complex_ok=True)
logaddexp2 = _real_float_binary("logaddexp2", jnp.logaddexp2, "logaddexp2_cpu", inplace=False)


@op(inplace=True)
def ldexp(input, other):
    """torch.ldexp: input * 2 ** other, in the promoted floating dtype."""
    input, other = _tensor_operands("ldexp", ("input", "other"), (input, other), to_float=True)
    return input * jnp.power(jnp.asarray(2, other.dtype), other)


@op(inplace=True, promote=("input", "other"), to_float=True)
def xlogy(input, other):
    """torch.xlogy: input * log(other), 0 where input == 0 unless other is NaN."""
    if is_complex(input):
        raise unsupported("xlogy_cpu", input.dtype)
    safe = jnp.where(input == 0, jnp.ones_like(other), other)  # no log(0) * 0 = NaN in the untaken branch
    out = jnp.where(input == 0, jnp.zeros_like(input), input * jnp.log(safe))
    return jnp.where(jnp.isnan(other), other, out)


@op(inplace=True, promote=("input", "other"), to_float=True)
def copysign(input, other):
    """torch.copysign."""
    if is_complex(input):
        raise unsupported("copysign_cpu", input.dtype)
    return jnp.copysign(input, other)


# --- ternary ops -----------------------------------------------------------------------------------


@op(inplace=True, dynamic=("weight",))
def lerp(input, end, weight):
    """torch.lerp: input + weight * (end - input); `end` (and a dimensioned weight) must match input's dtype."""
    _require_tensors("lerp", ("input", "end"), (input, end))
    w = jnp.asarray(weight)
    for what, x in (("end", end), ("weight", w if w.ndim else None)):
        if x is not None and x.dtype != input.dtype:
            raise TorchRuntimeError(f"expected dtype {_dtype_word(input.dtype)} for `{what}` but got dtype "
                                    f"{_dtype_word(x.dtype)}")
    broadcast_shapes(input.shape, end.shape, w.shape)
    if is_integral(input):
        raise unsupported("lerp_kernel_tensor" if w.ndim else "lerp_kernel_scalar", input.dtype)
    if is_complex(w) and not is_complex(input):
        raise TorchRuntimeError(f"value cannot be converted to type {_dtype_word(input.dtype)} without overflow")
    a, b, w = _opmath(input, end, to_dtype(w, input.dtype))
    diff = b - a
    # torch's two-sided formula: exact at weight 0 and at weight 1
    out = jnp.where(jnp.abs(w) < 0.5, a + w * diff, b - diff * (1 - w))
    return out.astype(input.dtype)


def _addc(name: str, input, tensor1, tensor2, value, combine):
    """input + value * combine(tensor1, tensor2), promoted over the three tensors, value cast to that dtype."""
    x, t1, t2 = _tensor_operands(name, ("input", "tensor1", "tensor2"), (input, tensor1, tensor2))
    v = jnp.asarray(value)
    if is_complex(v) and not is_complex(x):
        raise TorchRuntimeError(f"value cannot be converted to type {_dtype_word(x.dtype)} without overflow")
    a, b, c, v = _opmath(x, t1, t2, to_dtype(v, x.dtype))
    return (a + v * combine(b, c)).astype(x.dtype)


@op(inplace=True, dynamic=("value",))
def addcmul(input, tensor1, tensor2, *, value=1):
    """torch.addcmul: input + value * tensor1 * tensor2."""
    return _addc("addcmul", input, tensor1, tensor2, value, lambda a, b: a * b)


@op(inplace=True, dynamic=("value",))
def addcdiv(input, tensor1, tensor2, *, value=1):
    """torch.addcdiv: input + value * tensor1 / tensor2 (integer tensor1 and tensor2 raise, as in torch)."""
    if isinstance(tensor1, jax.Array) and isinstance(tensor2, jax.Array) and is_integral(tensor1) \
            and is_integral(tensor2):
        raise TorchRuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a "
            "true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as "
            "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
            "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter "
            "implementation: (input + value * tensor1 / tensor2), for all dtypes.")
    return _addc("addcdiv", input, tensor1, tensor2, value, lambda a, b: a / b)


# --- clamp ---------------------------------------------------------------------------------------


def _clamp(input, lo, hi):
    if is_complex(input):
        raise NotImplementedError("clamp is not supported for complex types")
    if lo is not None:
        input = jnp.maximum(input, lo)
    if hi is not None:
        input = jnp.minimum(input, hi)
    return input


@op(inplace=True, promote=("input", "min", "max"))
def clamp(input, min=None, max=None):  # noqa: A002 - torch's names
    """torch.clamp: min/max are numbers or tensors (either may be None); NaN propagates."""
    if min is None and max is None:
        raise TorchRuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return _clamp(input, min, max)


@op(inplace=True, promote=("input", "min", "max"))
def clip(input, min=None, max=None):  # noqa: A002
    """torch.clip."""
    if min is None and max is None:
        raise TorchRuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return _clamp(input, min, max)


@op(inplace=True, promote=("input", "min"))
def clamp_min(input, min):  # noqa: A002
    """torch.clamp_min."""
    return _clamp(input, min, None)


@op(inplace=True, promote=("input", "max"))
def clamp_max(input, max):  # noqa: A002
    """torch.clamp_max."""
    return _clamp(input, None, max)
