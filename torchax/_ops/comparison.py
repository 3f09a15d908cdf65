"""Comparisons, closeness and special-value tests, logical and bitwise ops, where, and maximum/minimum."""

from __future__ import annotations

import types
import warnings

import jax
import jax.numpy as jnp

from torchax import _dtype
from torchax._registry import TorchError, TorchRuntimeError, broadcast_shapes, composite, op
from torchax._tensor import _TYPE_NAME, Tensor

__all__ = [
    "eq", "ne", "not_equal", "lt", "less", "le", "less_equal", "gt", "greater", "ge", "greater_equal",
    "equal", "allclose", "isclose", "isnan", "isinf", "isposinf", "isneginf", "isfinite", "isreal", "isin",
    "signbit", "heaviside", "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and",
    "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "maximum",
    "minimum", "fmax", "fmin", "where",
]


class _TorchTypeError(TorchError, TypeError):
    pass


class _TorchNotImplementedError(TorchError, NotImplementedError):
    pass


# --- helpers (all run at trace time) --------------------------------------------------------------


def _is_array(x) -> bool:
    return isinstance(x, (jax.Array, jax.core.Tracer))


def _require_tensors(fname: str, **named) -> None:
    """torch's TypeError for a Python value where only a Tensor is accepted (`maximum(x, 1)`)."""
    for pos, (pname, v) in enumerate(named.items(), 1):
        if not _is_array(v):
            raise _TorchTypeError(f"{fname}(): argument '{pname}' (position {pos}) must be Tensor, "
                                  f"not {type(v).__name__}")


def _name(x) -> str:
    return _TYPE_NAME(x.dtype)


def _kind(x) -> str:
    return _dtype.from_jax(x.dtype)._kind  # b, u, i, f or c


def _not_implemented(kernel: str, x):
    return _TorchNotImplementedError(f'"{kernel}" not implemented for \'{_name(x)}\'')


def _promote_tensors(*xs):
    """torch's type promotion and broadcasting check for tensor operands (ops that take no scalars)."""
    broadcast_shapes(*(x.shape for x in xs))
    rt = _dtype.JNP[_dtype.result_type([(_dtype.from_jax(x.dtype), x.ndim) for x in xs])]
    return tuple(x.astype(rt) for x in xs)


def _check_operand(fname: str, other) -> None:
    if not (_is_array(other) or isinstance(other, (bool, int, float, complex))):
        raise _TorchTypeError(f"{fname}() received an invalid combination of arguments - got "
                              f"(Tensor, {type(other).__name__})")


# --- comparisons ----------------------------------------------------------------------------------


def _comparison(name: str, fn, kernel: str):
    ordered = kernel not in ("eq_cpu", "ne_cpu")

    def impl(input, other):
        _check_operand(name, other)
        if ordered and _kind(input) == "c":
            raise _not_implemented(kernel, input)
        return fn(input, other)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"torch.{name}: result is bool; the in-place form keeps the input's dtype."
    return op(name, inplace=True, promote=("input", "other"))(impl)


eq = _comparison("eq", jnp.equal, "eq_cpu")
ne = _comparison("ne", jnp.not_equal, "ne_cpu")
not_equal = _comparison("not_equal", jnp.not_equal, "ne_cpu")
lt = _comparison("lt", jnp.less, "lt_cpu")
less = _comparison("less", jnp.less, "lt_cpu")
le = _comparison("le", jnp.less_equal, "le_cpu")
less_equal = _comparison("less_equal", jnp.less_equal, "le_cpu")
gt = _comparison("gt", jnp.greater, "gt_cpu")
greater = _comparison("greater", jnp.greater, "gt_cpu")
ge = _comparison("ge", jnp.greater_equal, "ge_cpu")
greater_equal = _comparison("greater_equal", jnp.greater_equal, "ge_cpu")


@op(method=False, promote=("input", "other"), out=False)
def _all_equal(input, other):
    """Every element equal (after promotion): the kernel of torch.equal."""
    return jnp.all(input == other)


@composite()
def equal(input, other) -> bool:
    """torch.equal: a Python bool; tensors of different shapes are unequal, dtypes are promoted."""
    if not isinstance(other, Tensor):
        raise TypeError(f"equal(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    if input.shape != other.shape:
        return False
    return _all_equal(input, other).item()


def _isclose(input, other, rtol, atol, equal_nan):
    _require_tensors("isclose", input=input, other=other)
    if input.dtype != other.dtype:
        raise TorchRuntimeError(f"{_name(input)} did not match {_name(other)}")
    if rtol < 0:
        raise TorchRuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise TorchRuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    broadcast_shapes(input.shape, other.shape)
    close = input == other
    if equal_nan and _kind(input) in "fc":
        close = close | (jnp.isnan(input) & jnp.isnan(other))
    if rtol == 0 and atol == 0:  # NOTE: as torch: zero tolerances mean exact equality (no inf - inf checks)
        return close
    if _kind(input) not in "fc":  # NOTE: as torch, integers compare in the default float (no uint8 wrap-around)
        ft = _dtype.JNP[_dtype.get_default_dtype()]
        input, other = input.astype(ft), other.astype(ft)
    allowed = atol + jnp.abs(other * rtol)
    actual = jnp.abs(input - other)
    return close | (jnp.isfinite(actual) & (actual <= allowed))


@op(out=False)
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """torch.isclose: |input - other| <= atol + rtol * |other|, elementwise; both tensors of one dtype."""
    return _isclose(input, other, rtol, atol, equal_nan)


@op(method=False, out=False)
def _allclose(input, other, rtol, atol, equal_nan):
    """The kernel of torch.allclose."""
    return jnp.all(_isclose(input, other, rtol, atol, equal_nan))


@composite()
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """torch.allclose: a Python bool."""
    return _allclose(input, other, rtol, atol, equal_nan).item()


# --- special values -------------------------------------------------------------------------------


def _inexact(x) -> bool:
    return _kind(x) in "fc"


@op(out=False)
def isnan(input):
    """torch.isnan."""
    return jnp.isnan(input) if _inexact(input) else jnp.zeros(input.shape, bool)


@op(out=False)
def isinf(input):
    """torch.isinf."""
    return jnp.isinf(input) if _inexact(input) else jnp.zeros(input.shape, bool)


@op(out=False)
def isfinite(input):
    """torch.isfinite."""
    return jnp.isfinite(input) if _inexact(input) else jnp.ones(input.shape, bool)


def _no_complex(fname: str, input) -> None:
    if _kind(input) == "c":
        raise TorchRuntimeError(f"{fname} does not support complex inputs.")


@op(method=False)
def _isposinf(input):
    """The kernel of torch.isposinf."""
    _no_complex("isposinf", input)
    return input == jnp.inf if _inexact(input) else jnp.zeros(input.shape, bool)


@op(method=False)
def _isneginf(input):
    """The kernel of torch.isneginf."""
    _no_complex("isneginf", input)
    return input == -jnp.inf if _inexact(input) else jnp.zeros(input.shape, bool)


def _bool_out(fname: str, out) -> None:
    if out.dtype is not _dtype.bool:
        raise RuntimeError(f"{fname} does not support non-boolean outputs.")


@composite()
def isposinf(input, *, out=None):
    """torch.isposinf."""
    if out is None:
        return _isposinf(input)
    _bool_out("isposinf", out)
    return _isposinf(input, out=out)


@composite()
def isneginf(input, *, out=None):
    """torch.isneginf."""
    if out is None:
        return _isneginf(input)
    _bool_out("isneginf", out)
    return _isneginf(input, out=out)


@op(out=False)
def isreal(input):
    """torch.isreal: True where the imaginary part is zero (always, for real dtypes)."""
    return jnp.imag(input) == 0 if _kind(input) == "c" else jnp.ones(input.shape, bool)


@op(method=False)
def _signbit(input):
    """The kernel of torch.signbit: the sign bit (set for -0.0 and for negative NaNs)."""
    kind = _kind(input)
    if kind == "c":
        raise _TorchNotImplementedError("signbit is not implemented for complex tensors.")
    if kind == "f":
        return jnp.signbit(input)
    return input < 0 if kind == "i" else jnp.zeros(input.shape, bool)


@composite()
def signbit(input, *, out=None):
    """torch.signbit."""
    if out is None:
        return _signbit(input)
    _bool_out("signbit", out)
    return _signbit(input, out=out)


@op(method=False)
def _heaviside(input, values):
    """The kernel of torch.heaviside: 0 where input < 0 (or NaN), `values` where input == 0, 1 where input > 0."""
    _require_tensors("heaviside", input=input, values=values)
    if _kind(input) == "c" or _kind(values) == "c":
        raise TorchRuntimeError("heaviside is not yet implemented for complex tensors.")
    if input.dtype != values.dtype:
        raise TorchRuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    broadcast_shapes(input.shape, values.shape)
    one, zero = jnp.ones((), input.dtype), jnp.zeros((), input.dtype)
    return jnp.where(input == 0, values, jnp.where(input > 0, one, zero))


@composite()
def heaviside(input, values, *, out=None):
    """torch.heaviside: input and values share one dtype (so does out=)."""
    if out is None:
        return _heaviside(input, values)
    if out.dtype is not input.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return _heaviside(input, values, out=out)


@composite(function=False)
def heaviside_(self, values):
    """Tensor.heaviside_."""
    return self._inplace(_heaviside(self, values))


@op(method=False)
def _isin(elements, test_elements, *, assume_unique=False, invert=False):
    """The kernel of torch.isin."""
    if not (_is_array(elements) or _is_array(test_elements)):
        raise _TorchTypeError(f"isin() received an invalid combination of arguments - got "
                              f"({type(elements).__name__}, {type(test_elements).__name__})")
    tensors, scalars = [], []
    for x in (elements, test_elements):
        if _is_array(x):
            if _kind(x) in "bc":
                raise TorchRuntimeError(f"Unsupported input type encountered for isin(): {_name(x)}")
            tensors.append((_dtype.from_jax(x.dtype), x.ndim))
        else:
            if isinstance(x, (bool, complex)):
                raise TorchRuntimeError(f"Unsupported input type encountered for isin(): "
                                        f"{_TYPE_NAME(_dtype.scalar_dtype(x).np)}")
            scalars.append(x)
    rt = _dtype.JNP[_dtype.result_type(tensors, scalars)]
    elements, test_elements = jnp.asarray(elements, rt), jnp.asarray(test_elements, rt)
    return jnp.isin(elements, test_elements, assume_unique=assume_unique, invert=invert)


_C_TYPE = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int", "int16": "short int",
           "int8": "signed char", "uint8": "unsigned char", "float16": "c10::Half", "bfloat16": "c10::BFloat16"}


@composite(method=False)
def isin(elements, test_elements, *, assume_unique=False, invert=False, out=None):
    """torch.isin: elements and test_elements may each be a Python scalar (not both); compared after promotion."""
    if out is None:
        return _isin(elements, test_elements, assume_unique=assume_unique, invert=invert)
    if out.dtype is not _dtype.bool:
        name = out.dtype.name
        raise RuntimeError(f"Expected out tensor to have dtype bool, but got {_C_TYPE.get(name, name)} instead")
    return _isin(elements, test_elements, assume_unique=assume_unique, invert=invert, out=out)


# --- logical ----------------------------------------------------------------------------------------


def _logical(name: str, fn):
    def impl(input, other):
        _require_tensors(name, input=input, other=other)
        broadcast_shapes(input.shape, other.shape)
        return fn(input != 0, other != 0)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"torch.{name}: nonzero is True; result is bool, the in-place form keeps the input's dtype."
    return op(name, inplace=True)(impl)


logical_and = _logical("logical_and", jnp.logical_and)
logical_or = _logical("logical_or", jnp.logical_or)
logical_xor = _logical("logical_xor", jnp.logical_xor)


@op(inplace=True)
def logical_not(input):
    """torch.logical_not: result is bool; the in-place form keeps the input's dtype."""
    return input == 0


# --- bitwise -----------------------------------------------------------------------------------------


def _bitwise(name: str, fn, kernel: str, bools: bool = True):
    def impl(input, other):
        _check_operand(name, other)
        if _kind(input) in "fc" or not bools and _kind(input) == "b":
            raise _not_implemented(kernel, input)
        return fn(input, other)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"torch.{name}: integer and bool tensors."
    return op(name, inplace=True, promote=("input", "other"))(impl)


def _shift_left(input, other):
    return jax.lax.shift_left(*jnp.broadcast_arrays(input, other))  # NOTE: shifts >= the bit width give 0, as torch


def _shift_right(input, other):
    input, other = jnp.broadcast_arrays(input, other)
    if _kind(input) == "u":
        return jax.lax.shift_right_logical(input, other)
    return jax.lax.shift_right_arithmetic(input, other)  # NOTE: shifts >= the bit width fill with the sign, as torch


bitwise_and = _bitwise("bitwise_and", jnp.bitwise_and, "bitwise_and_cpu")
bitwise_or = _bitwise("bitwise_or", jnp.bitwise_or, "bitwise_or_cpu")
bitwise_xor = _bitwise("bitwise_xor", jnp.bitwise_xor, "bitwise_xor_cpu")
bitwise_left_shift = _bitwise("bitwise_left_shift", _shift_left, "lshift_cpu", bools=False)
bitwise_right_shift = _bitwise("bitwise_right_shift", _shift_right, "rshift_cpu", bools=False)


@op(method=False)
def _bitwise_not(input):
    """The kernel of torch.bitwise_not."""
    if _kind(input) in "fc":
        raise _not_implemented("bitwise_not_cpu", input)
    return jnp.invert(input)


@composite()
def bitwise_not(input, *, out=None):
    """torch.bitwise_not: integer and bool tensors; out= must have the input's dtype."""
    if out is None:
        return _bitwise_not(input)
    if out.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {_TYPE_NAME(out.dtype.np)} but expected {_TYPE_NAME(input.dtype.np)}")
    return _bitwise_not(input, out=out)


@composite(function=False)
def bitwise_not_(self):
    """Tensor.bitwise_not_."""
    return self._inplace(_bitwise_not(self))


# --- maximum / minimum ------------------------------------------------------------------------------


def _extremum(name: str, pick_other, fn_doc: str):
    def impl(input, other):
        _require_tensors(name, input=input, other=other)
        input, other = _promote_tensors(input, other)
        if _kind(input) == "c":
            raise TorchRuntimeError(f"{name} not implemented for complex tensors.")
        # NOTE: ties (0.0 vs -0.0) keep `input`, as torch's kernels do
        return jnp.where(pick_other(input, other), other, input)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = fn_doc
    return op(name)(impl)


maximum = _extremum("maximum", lambda a, b: jnp.isnan(b) | (a < b), "torch.maximum: NaN propagates.")
minimum = _extremum("minimum", lambda a, b: jnp.isnan(b) | (b < a), "torch.minimum: NaN propagates.")
fmax = _extremum("fmax", lambda a, b: jnp.isnan(a) | (a < b), "torch.fmax: NaN is ignored unless both are NaN.")
fmin = _extremum("fmin", lambda a, b: jnp.isnan(a) | (b < a), "torch.fmin: NaN is ignored unless both are NaN.")


# --- where ------------------------------------------------------------------------------------------


@op(method=False, promote=("input", "other"))
def _where(condition, input, other):
    """The kernel of torch.where(condition, input, other)."""
    if condition.dtype == jnp.uint8:
        condition = condition != 0
    elif condition.dtype != jnp.bool_:
        raise TorchRuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                                f"{_name(condition)}")
    broadcast_shapes(condition.shape, input.shape, other.shape)
    return jnp.where(condition, input, other)


_warned_uint8 = [False]


def _where_function(condition, input=None, other=None, *, out=None):
    """torch.where(condition, input, other): scalars either side; torch.where(condition) is nonzero(as_tuple=True)."""
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' (position 1) must be Tensor, not {type(condition).__name__}")
    if input is None and other is None:
        import torchax  # NOTE: nonzero lives in another op module; import late to avoid an import cycle

        return torchax.nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() missing required argument 'input' or 'other'")
    if not _warned_uint8[0] and condition.dtype is _dtype.uint8:  # NOTE: torch warns once per process
        _warned_uint8[0] = True
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and will be removed in "
                      "a future version of PyTorch. Use a boolean condition instead.", UserWarning, stacklevel=3)
    if out is None:
        return _where(condition, input, other)
    rt = _dtype.result_type([(x.dtype, x.ndim) for x in (input, other) if isinstance(x, Tensor)],
                            [x for x in (input, other) if not isinstance(x, Tensor)])
    if out.dtype is not rt:  # NOTE: torch's where does not cast into out=
        raise RuntimeError(f"Expected out type to be {_TYPE_NAME(rt.np)} but got {_TYPE_NAME(out.dtype.np)}")
    return _where(condition, input, other, out=out)


def _where_method(self, condition, other):
    """Tensor.where(condition, other) == torch.where(condition, self, other)."""
    return _where_function(condition, self, other)


class _Where:
    """torch.where as a function; as an attribute of Tensor it binds `self` as `input` (Tensor.where)."""

    __name__ = __qualname__ = "where"
    __doc__ = _where_function.__doc__
    __wrapped__ = _where_function

    def __call__(self, condition, input=None, other=None, *, out=None):
        return _where_function(condition, input, other, out=out)

    def __get__(self, obj, objtype=None):
        # NOTE: the function and the method order their arguments differently, and the registry allows
        # one entry per name, so one object serves as both.
        return _where_method if obj is None else types.MethodType(_where_method, obj)


where = composite("where")(_Where())
