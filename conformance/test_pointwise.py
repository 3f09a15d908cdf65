"""Conformance: pointwise arithmetic (binary/ternary ops, clamp) and unary math, against torch."""

import numpy as np
import pytest
from harness import conformance, tensor

NAN, INF = float("nan"), float("inf")
SHAPE = (3, 4)


def _inplace(x, name, *args, **kwargs):
    return getattr(x.clone(), name + "_")(*args, **kwargs)


def _with_out(T, f, *args, **kwargs):
    """f(*args, out=o) into a zero-element tensor of the result's dtype; returns (the returned value, o)."""
    o = T.empty(0, dtype=f(*args, **kwargs).dtype)
    return f(*args, **kwargs, out=o), o


def special(T, dtype="float32"):
    """A (2, 4) float tensor of the special values."""
    return T.tensor(np.array([[NAN, INF, -INF, 0.0], [-0.0, 1.5, -2.5, 0.5]], dtype=dtype))


# --- unary float math: integer and bool inputs give the default float dtype ----------------------------

# name -> (low, high): a domain where torch and XLA agree away from poles and branch cuts
FLOAT_MATH = {
    "sqrt": (0.1, 4), "rsqrt": (0.1, 4), "exp": (-3, 3), "exp2": (-3, 3), "expm1": (-2, 2), "log": (0.1, 4),
    "log2": (0.1, 4), "log10": (0.1, 4), "log1p": (-0.5, 3), "reciprocal": (0.2, 3), "sigmoid": (-4, 4),
    "sinc": (-2, 2), "sin": (-3, 3), "cos": (-3, 3), "tan": (-1.2, 1.2), "asin": (-0.99, 0.99),
    "arcsin": (-0.99, 0.99), "acos": (-0.99, 0.99), "arccos": (-0.99, 0.99), "atan": (-3, 3), "arctan": (-3, 3),
    "sinh": (-3, 3), "cosh": (-3, 3), "tanh": (-3, 3), "asinh": (-3, 3), "arcsinh": (-3, 3), "acosh": (1.01, 4),
    "arccosh": (1.01, 4), "atanh": (-0.99, 0.99), "arctanh": (-0.99, 0.99), "erf": (-2, 2), "erfc": (-2, 2),
    "erfinv": (-0.99, 0.99), "lgamma": (0.1, 5), "digamma": (0.1, 5), "i0": (-3, 3), "deg2rad": (-200, 200),
    "rad2deg": (-3, 3), "logit": (0.01, 0.99),
}
HALF_SUBSET = ["sqrt", "exp", "log", "sin", "tanh", "sigmoid", "erf", "reciprocal", "rsqrt", "lgamma"]
ALIASES = {"arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh"}  # same kernels as asin ...: float32 only


@pytest.mark.parametrize("name,dtype", [(n, d) for n in FLOAT_MATH for d in ("float32", "float64")
                                        if d == "float32" or n not in ALIASES])
@conformance()
def test_float_math(T, name, dtype):
    low, high = FLOAT_MATH[name]
    x, s = tensor(T, SHAPE, dtype=dtype, low=low, high=high), tensor(T, (), dtype="float32", low=low, high=high)
    f = getattr(T, name)
    zero_dim = f(s) if dtype == "float32" else None
    return f(x), getattr(x, name)(), zero_dim, _inplace(x, name), _with_out(T, f, x)


@pytest.mark.parametrize("name", [n for n in FLOAT_MATH if n not in ALIASES])
@conformance()
def test_float_math_of_ints(T, name):
    """Integer inputs (including 0 and negatives: NaN/inf where both agree) compute in the default float dtype."""
    x = tensor(T, SHAPE, dtype="int64", low=-1, high=2)
    return getattr(T, name)(x), getattr(x, name)()


@pytest.mark.parametrize("name", ["sqrt", "exp", "sin", "log1p", "sigmoid", "erf", "i0"])
@conformance()
def test_float_math_of_bool(T, name):
    return getattr(T, name)(tensor(T, SHAPE, dtype="bool"))


@pytest.mark.parametrize("name", HALF_SUBSET)
@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@conformance()
def test_float_math_half(T, name, dtype):
    low, high = FLOAT_MATH[name]
    x = tensor(T, SHAPE, dtype="float32", low=low, high=high).to(getattr(T, dtype))
    return getattr(T, name)(x), _inplace(x, name)


@pytest.mark.parametrize("name", ["sqrt", "exp", "exp2", "log", "log1p", "sin", "tanh", "atan", "sigmoid", "rsqrt",
                                  "reciprocal", "sinc", "acosh", "expm1"])
@conformance()
def test_float_math_complex(T, name):
    z = tensor(T, SHAPE, dtype="complex64", low=0.2, high=1.5)
    return getattr(T, name)(z), getattr(T, name)(z.to(T.complex128))


@conformance()
def test_float_math_special_values(T):
    x, d = special(T), special(T, "float64")
    return (T.sqrt(x), T.log(x), T.exp(x), T.rsqrt(x), T.reciprocal(x), T.sigmoid(x), T.tanh(x), T.atan(x),
            T.erfinv(T.tensor([-1.0, 1.0, 2.0])), T.lgamma(x), T.digamma(x), T.digamma(d), T.log1p(x), T.sinc(x),
            T.logit(x), T.exp2(x), T.expm1(x), T.erf(x), T.erfc(x))


@pytest.mark.parametrize("name", ["sqrt", "exp", "sin", "logit", "deg2rad"])
@conformance(errors=True)
def test_float_math_inplace_int_raises(T, name):
    return _inplace(tensor(T, SHAPE, dtype="int64"), name)


@conformance()
def test_logit_eps(T):
    x = tensor(T, SHAPE, low=-0.5, high=1.5)
    return T.logit(x, 0.2), x.logit(eps=0.1), T.logit(x, -0.5), T.logit(x, 0.6), T.logit(T.tensor([0.0, 1.0]), 0.0)


@pytest.mark.parametrize("n", [0, 1, 2, 3])
@conformance()
def test_polygamma(T, n):
    x, i = tensor(T, SHAPE, low=0.2, high=4), tensor(T, (4,), dtype="int64", low=0.2, high=1)
    return T.polygamma(n, x), x.polygamma(n), _inplace(x, "polygamma", n), T.polygamma(n, i), \
        _with_out(T, T.polygamma, n, x)


@pytest.mark.parametrize("p", [1, 2, 4])
@conformance()
def test_mvlgamma(T, p):
    x = tensor(T, SHAPE, dtype="float64", low=2, high=5)
    return T.mvlgamma(x, p), x.mvlgamma(p=p), _inplace(x, "mvlgamma", p), T.mvlgamma(T.tensor([3, 4, 5]), p)


# --- integer-preserving unary ops -------------------------------------------------------------------

INT_KEEPING = ["abs", "absolute", "neg", "negative", "sign", "sgn", "square", "ceil", "floor", "round", "trunc",
               "fix"]
SMALL_INTS = {"abs", "neg", "sign", "square", "floor"}  # also checked on int32 and uint8


@pytest.mark.parametrize("name,dtype", [(n, d) for n in INT_KEEPING for d in ("float32", "float64", "int64", "int32",
                                                                                "uint8")
                                        if d in ("float32", "int64") or n in SMALL_INTS])
@conformance()
def test_int_keeping(T, name, dtype):
    x = tensor(T, SHAPE, dtype=dtype, low=-3, high=3)
    f = getattr(T, name)
    zero_dim = f(x[1, 2]) if dtype in ("float32", "int64") else None
    return f(x), getattr(x, name)(), zero_dim, _inplace(x, name), _with_out(T, f, x)


@pytest.mark.parametrize("name", ["abs", "neg", "sign", "sgn", "square", "ceil", "floor", "round", "trunc", "frac"])
@conformance()
def test_int_keeping_bfloat16(T, name):
    x = tensor(T, SHAPE, dtype="bfloat16", low=-3, high=3)
    return getattr(T, name)(x), _inplace(x, name)


@pytest.mark.parametrize("name", ["sign", "sgn", "square", "conj", "conj_physical", "nan_to_num", "real"])
@conformance()
def test_unary_of_bool(T, name):
    return getattr(T, name)(tensor(T, SHAPE, dtype="bool"))


@conformance()
def test_rounding_special_values(T):
    x = T.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 1.25, -2.5000001, 3.5])
    s = special(T)
    return (T.round(x), T.round(s), T.ceil(s), T.floor(s), T.trunc(s), T.frac(s), T.sign(s), T.sgn(s), T.abs(s),
            T.neg(s), T.square(s), T.fix(x), T.frac(x))


@conformance()
def test_round_decimals(T):
    x = T.tensor([1.25, 1.35, 12345.0, -2.675, 0.5, 1234.5, 1250.0, -0.05])
    return (T.round(x, decimals=1), T.round(x, decimals=2), x.round(decimals=-2), T.round(x, decimals=0),
            _inplace(x, "round", decimals=1), T.round(x.double(), decimals=3), T.round(x.bfloat16(), decimals=1),
            T.round(x.half(), decimals=-1))


@conformance()
def test_frac(T):
    x = tensor(T, SHAPE, low=-5, high=5)
    return T.frac(x), x.frac(), _inplace(x, "frac"), T.frac(x.double()), _with_out(T, T.frac, x)


@conformance()
def test_positive(T):
    x, i = tensor(T, SHAPE), tensor(T, SHAPE, dtype="int64")
    return T.positive(x), x.positive(), +x, +i, -x, -i, abs(x), abs(i)


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
@conformance()
def test_nan_to_num(T, dtype):
    x = special(T, "float32").to(getattr(T, dtype))
    return (T.nan_to_num(x), x.nan_to_num(1.0, 2.0, -3.0), T.nan_to_num(x, nan=5.0), T.nan_to_num(x, posinf=1e30),
            _inplace(x, "nan_to_num", neginf=0.0), T.nan_to_num(tensor(T, SHAPE, dtype="int64"), 1.5),
            _with_out(T, T.nan_to_num, x))


@conformance()
def test_nan_to_num_complex(T):
    z = T.tensor([complex(NAN, INF), complex(-INF, 1.0), complex(2.0, NAN)])
    return T.nan_to_num(z), T.nan_to_num(z, 1.0, 2.0, 3.0)


# --- complex helpers ---------------------------------------------------------------------------------


@conformance()
def test_complex_parts(T):
    z, x = tensor(T, SHAPE, dtype="complex64"), tensor(T, SHAPE)
    return (T.real(z), T.imag(z), z.real, z.imag, T.conj(z).resolve_conj(), z.conj().resolve_conj(),
            T.conj_physical(z), _inplace(z, "conj_physical"),
            T.real(x), x.real, T.conj(x), x.conj_physical(), T.abs(z), z.abs(), T.angle(z), T.sgn(z),
            T.resolve_conj(z), z.resolve_neg(), T.abs(z.to(T.complex128)), T.sgn(T.tensor([0j, 3 + 4j])))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
@conformance()
def test_angle(T, dtype):
    x = tensor(T, SHAPE, dtype=dtype)
    return T.angle(x), x.angle(), T.angle(special(T)), _with_out(T, T.angle, x)


@conformance(errors=True)
def test_imag_of_real_raises(T):
    return tensor(T, SHAPE).imag


# --- view(dtype): bit reinterpretation ----------------------------------------------------------------


@pytest.mark.parametrize("src,dst", [("float32", "int32"), ("float32", "int8"), ("float32", "bfloat16"),
                                     ("float32", "float64"), ("float32", "bool"), ("int64", "float64"),
                                     ("int64", "int16"), ("uint8", "bool"), ("bool", "uint8"), ("bool", "int8"),
                                     ("complex64", "float32"), ("complex64", "float64"), ("float32", "complex64"),
                                     ("float64", "complex128"), ("int8", "int32"), ("float16", "int16")])
@conformance()
def test_view_dtype(T, src, dst):
    arr = np.arange(1, 9, dtype=np.float64).reshape(2, 4) * 1.25 - 3
    if src == "bool":
        arr = arr > 0
    elif src == "complex64":
        arr = arr + 0.5j * arr
    elif src in ("uint8", "int8"):
        arr = np.abs(arr) // 1
    x = T.tensor(arr.astype(src))
    y = x.view(getattr(T, dst))
    # NOTE: no round trip through bool: torch keeps a bool's raw byte (2 stays 2), JAX stores 0/1
    return y, x[0, 1].view(getattr(T, src)), y if dst == "bool" else y.view(getattr(T, src))


@conformance()
def test_view_dtype_bool_round_trip(T):
    return T.tensor([0, 1, 2, 255], dtype=T.uint8).view(T.bool).view(T.uint8)


@conformance(errors=True)
def test_view_dtype_indivisible_raises(T):
    return tensor(T, (2, 3)).view(T.float64)


# --- binary arithmetic -----------------------------------------------------------------------------------

# name -> (dtypes, low, high, scalar): scalar is a Python number usable on either side
ARITH = {
    "add": (["float32", "float64", "int64", "bool", "bfloat16", "complex64"], -2, 2, 1.5),
    "sub": (["float32", "float64", "int64", "bfloat16", "complex64"], -2, 2, 1.5),
    "subtract": (["float32"], -2, 2, 3),
    "mul": (["float32", "float64", "int64", "bool", "bfloat16", "complex64"], -2, 2, -2.5),
    "multiply": (["float32"], -2, 2, 2),
    "div": (["float32", "float64", "int64", "bool", "bfloat16", "complex64"], 0.5, 3, 0.75),
    "divide": (["float32"], 0.5, 3, 3),
    "true_divide": (["int64"], 0.5, 3, 2),
    "floor_divide": (["float32", "float64", "int64", "bfloat16"], 0.5, 3, 0.75),
    "remainder": (["float32", "float64", "int64", "bfloat16"], 0.5, 3, -1.5),
    "fmod": (["float32", "float64", "int64", "bfloat16"], 0.5, 3, -1.5),
    "pow": (["float32", "float64", "int64", "bfloat16", "complex64"], 0.5, 2, 2),
    "atan2": (["float32", "float64", "int64", "bfloat16"], -2, 2, None),
    "arctan2": (["float32"], -2, 2, None),
    "hypot": (["float32", "float64", "bfloat16"], -2, 2, None),
    "logaddexp": (["float32", "bfloat16"], -2, 2, None),
    "logaddexp2": (["float32"], -2, 2, None),
    "xlogy": (["float32", "float64", "int64", "bool"], 0.2, 2, 2.5),
    "copysign": (["float32", "int64", "bfloat16"], -2, 2, -1.0),
    "nextafter": (["float32"], -2, 2, None),
    "ldexp": (["float32", "float64", "int64"], -2, 2, None),
}
NO_INPLACE = {"logaddexp", "logaddexp2"}
NO_SCALAR_SELF = {"fmod", "copysign"}  # torch has a Tensor-Scalar overload only


def _binary_args(T, dtype, low, high):
    x = tensor(T, SHAPE, dtype=dtype, low=low, high=high)
    y = tensor(T, (4,), dtype=dtype, low=low, high=high, seed=1)
    if dtype.startswith("int"):  # odd values, never 0: integer division by zero raises in torch
        x, y = x * 2 + 1, y * 2 + 1
    return x, y


@pytest.mark.parametrize("name,dtype", [(n, d) for n, (ds, *_) in ARITH.items() for d in ds])
@conformance()
def test_binary(T, name, dtype):
    _, low, high, scalar = ARITH[name]
    x, y = _binary_args(T, dtype, low, high)
    f = getattr(T, name)
    out = [f(x, y), getattr(x, name)(y), _with_out(T, f, x, y), f(x[0], y[1]) if dtype == "float32" else None]
    if name not in NO_INPLACE and f(x, y).dtype == x.dtype:  # else the in-place form raises: tested below
        out.append(_inplace(x, name, y))
    if scalar is not None:
        out += [f(x, scalar), getattr(x, name)(scalar)]
        if name not in NO_SCALAR_SELF:
            out.append(f(scalar, y))
    return out


@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp", "nextafter", "ldexp"])
@conformance(errors=True)
def test_binary_tensor_only_rejects_numbers(T, name):
    return getattr(T, name)(tensor(T, SHAPE), 2.0)


@pytest.mark.parametrize("name", ["add", "mul", "div", "sub", "atan2", "pow", "remainder", "xlogy", "hypot"])
@conformance(errors=True)
def test_binary_shape_mismatch_raises(T, name):
    return getattr(T, name)(tensor(T, (2, 3)), tensor(T, (4,)))


PROMOTIONS = {
    "int_float_scalar": lambda T, f: f(tensor(T, SHAPE, dtype="int64"), 2.5),
    "float_int_scalar": lambda T, f: f(tensor(T, SHAPE, low=0.5), 2),
    "int32_int_scalar": lambda T, f: f(tensor(T, SHAPE, dtype="int32", low=0.2), 3),
    "int_0dim_double": lambda T, f: f(tensor(T, SHAPE, dtype="int64", low=0.2), T.tensor(1.5, dtype=T.float64)),
    "float_0dim_double": lambda T, f: f(tensor(T, SHAPE, low=0.5), T.tensor(1.5, dtype=T.float64)),
    "float_double": lambda T, f: f(tensor(T, SHAPE, low=0.5), tensor(T, (4,), dtype="float64", low=0.5)),
    "uint8_int8": lambda T, f: f(T.tensor([1, 2, 3], dtype=T.uint8), T.tensor([1, 2, 1], dtype=T.int8)),
    "bool_int": lambda T, f: f(tensor(T, SHAPE, dtype="bool"), T.tensor([1, 2, 3, 1])),
    "bfloat16_half": lambda T, f: f(tensor(T, SHAPE, low=0.5).bfloat16(), tensor(T, (4,), low=0.5).half()),
    "bfloat16_float_scalar": lambda T, f: f(tensor(T, SHAPE, low=0.5).bfloat16(), 1.5),
    "float_complex_scalar": lambda T, f: f(tensor(T, SHAPE, low=0.5), 1 + 2j),
    "0dim_0dim": lambda T, f: f(T.tensor(3, dtype=T.int32), T.tensor(2.0, dtype=T.float64)),
}


@pytest.mark.parametrize("name,case", [(n, c) for n in ("add", "mul", "div", "pow", "remainder") for c in PROMOTIONS
                                       if not (n == "remainder" and c == "float_complex_scalar")])
@conformance()
def test_binary_promotion(T, name, case):
    return PROMOTIONS[case](T, getattr(T, name))


@conformance()
def test_dunders_with_scalars(T):
    x, i = tensor(T, SHAPE, low=0.5, high=2), tensor(T, SHAPE, dtype="int64", low=0.2, high=1) + 1
    return (x + 1, 1 + x, x - 2, 2 - x, 2 * x, x * 2, x / 4, 4 / x, x // 0.5, 5 // x, x % 0.75, 5 % x, x ** 2,
            2 ** x, x ** 0.5, 2.5 ** i, i ** 2, 2 ** i, 5 // i, 5 % i, 7 - i, 7 / i, i / 2, i // 2, i % 2, -i, -x,
            1.5 - i, i - True * 1, x ** i, i ** x)


@conformance()
def test_inplace_dunders(T):
    x, i = tensor(T, SHAPE, low=0.5, high=2), tensor(T, SHAPE, dtype="int64", low=0.2, high=1) + 1
    a, b = x.clone(), i.clone()
    a += 1.5
    a -= x
    a *= 2
    a /= 3
    a **= 2
    a //= 0.25
    a %= 0.75
    b += 2
    b -= i
    b *= 3
    b //= 2
    b %= 5
    b **= 2
    return a, b


@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_", "pow_", "iadd", "itruediv", "clamp_"])
@conformance(errors=True)
def test_inplace_int_with_float_raises(T, op):
    i = tensor(T, SHAPE, dtype="int64")
    if op == "iadd":
        i += 1.5
    elif op == "itruediv":
        i /= 2
    else:
        getattr(i, op)(1.5)
    return i


@conformance(errors=True)
def test_inplace_broadcast_to_larger_raises(T):
    return tensor(T, (4,)).add_(tensor(T, SHAPE))


@conformance()
def test_out_is_cast_and_resized(T):
    x = tensor(T, SHAPE)
    o64, o0 = T.zeros(3, 4, dtype=T.float64), T.zeros(0)
    return T.add(x, 1, out=o64), o64, T.mul(x, x, out=o0), o0, T.sqrt(x.abs(), out=T.empty(0)), T.add(x, x, out=x), x


@conformance(errors=True)
def test_out_cannot_narrow_to_int(T):
    return T.add(tensor(T, SHAPE), 1, out=T.zeros(3, 4, dtype=T.int64))


# --- add/sub alpha and bools ----------------------------------------------------------------------------


@conformance()
def test_add_sub_alpha(T):
    x, y, i = tensor(T, SHAPE), tensor(T, (4,), seed=1), tensor(T, SHAPE, dtype="int64")
    b = tensor(T, SHAPE, dtype="bool")
    z = tensor(T, (4,), dtype="complex64")
    return (T.add(x, y, alpha=2), x.sub(y, alpha=-0.5), T.add(i, i, alpha=3), i.sub(2, alpha=2), T.add(b, b, alpha=2),
            T.add(b, True), T.add(x, z, alpha=1j), T.sub(x, 2.5, alpha=2), T.rsub(x, 2), T.rsub(x, y, alpha=2),
            T.rsub(i, 2, 3), T.subtract(x, y, alpha=2), _inplace(x, "sub", y, alpha=2), _inplace(x, "subtract", 1),
            _with_out(T, T.sub, x, y, alpha=3), _inplace(i, "add", 2, alpha=4))


ALPHA_ERRORS = {
    "int_float_alpha": lambda T: T.add(T.tensor([1, 2]), 2, alpha=2.5),
    "float_bool_alpha": lambda T: T.add(T.tensor([1.0]), T.tensor([2.0]), alpha=True),
    "float_complex_alpha": lambda T: T.sub(T.tensor([1.0]), T.tensor([2.0]), alpha=1j),
    "int_complex_alpha": lambda T: T.add(T.tensor([1]), T.tensor([2]), alpha=1j),
    "bool_minus_bool": lambda T: T.tensor([True]) - T.tensor([False]),
    "bool_minus_int": lambda T: T.tensor([True]) - 1,
    "int_minus_bool": lambda T: T.tensor([1]) - T.tensor([True]),
    "float_minus_true": lambda T: T.tensor([1.0]) - True,
    "true_minus_float": lambda T: True - T.tensor([1.0]),
    "bool_sub_": lambda T: T.tensor([True]).sub_(T.tensor([True])),
    "rsub_bool": lambda T: T.rsub(T.tensor([True]), True),
    "subtract_bool": lambda T: T.subtract(T.tensor([2]), T.tensor([True])),
}


@pytest.mark.parametrize("case", list(ALPHA_ERRORS))
@conformance(errors=True)
def test_add_sub_errors(T, case):
    return ALPHA_ERRORS[case](T)


# --- division -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "uint8", "bfloat16"])
@conformance()
def test_div_rounding_modes(T, dtype):
    signed = [-7, -6, -5, -1, 0, 1, 5, 6, 7, 9, 11, 13], [2, -2, 3, -3]
    xs, ys = signed if dtype != "uint8" else (list(range(12)), [2, 3, 4, 5])
    x, y = T.tensor(xs).reshape(3, 4).to(getattr(T, dtype)), T.tensor(ys).to(getattr(T, dtype))
    return (T.div(x, y, rounding_mode="trunc"), T.div(x, y, rounding_mode="floor"), x.div(y, rounding_mode=None),
            T.divide(x, 2, rounding_mode="floor"), _inplace(x, "div", y, rounding_mode="floor"),
            _inplace(x, "divide", 2, rounding_mode="trunc"), x // y, x % y, T.fmod(x, y), T.remainder(x, -3),
            T.floor_divide(x, y), _inplace(x, "floor_divide", y), _inplace(x, "remainder", y), _inplace(x, "fmod", y),
            T.div(x, y, rounding_mode="floor", out=T.empty(0, dtype=x.dtype)))


@conformance()
def test_float_division_edge_cases(T):
    x = T.tensor([5.1, -5.1, 1.0, -1.0, 0.0, -0.5, 0.5, 7.0])
    y = T.tensor([0.1, 0.1, 0.0, 0.0, 0.0, 2.0, -2.0, INF])
    s = special(T).flatten()
    return (x // y, x % y, T.fmod(x, y), T.div(x, y, rounding_mode="floor"), T.div(x, y, rounding_mode="trunc"),
            x / y, T.remainder(T.tensor([-1.0, 1.0]), T.tensor([INF, -INF])), s // 2, s % 2, T.fmod(s, 2),
            T.remainder(s, -1.5), s // s, s % s)


@conformance(errors=True)
def test_div_bad_rounding_mode(T):
    return T.div(tensor(T, SHAPE), 2, rounding_mode="round")


@pytest.mark.parametrize("expr", ["floor_divide", "remainder", "fmod", "trunc"])
@conformance(errors=True)
def test_int_division_by_zero_raises(T, expr):
    x, z = T.tensor([1, 2, 3]), T.tensor([1, 0, 2])
    if expr == "trunc":
        return T.div(x, z, rounding_mode="trunc")
    return getattr(T, expr)(x, z)


# --- powers ----------------------------------------------------------------------------------------------


@conformance()
def test_pow_integer_rules(T):
    x, e = T.tensor([-3, -2, -1, 0, 1, 2, 3, 4]), T.tensor([-2, -1, 0, 1, 2, 3, 5, 63])
    b = T.tensor([True, False, True, False])
    return (x ** e, T.pow(x, T.tensor(-1)), T.pow(2, e), T.pow(-1, e), T.pow(0, e), T.pow(1, e), x ** 63,
            T.tensor([3]) ** 50, T.tensor([3]) ** 100, T.tensor([-1, 1, 3]) ** T.tensor([101, 1000, 2 ** 40]),
            T.tensor([3], dtype=T.uint8) ** 5, T.tensor([3], dtype=T.int8) ** 5, x ** 0, x ** True, b ** 2,
            T.pow(b, T.tensor(-1)), b.pow(-1.0), b ** True, b ** False, x.pow(-1.5), T.pow(x, 1j), T.pow(2.5, x),
            x.pow(0.5))


@pytest.mark.parametrize("case", ["int_neg", "int_neg_method", "int_neg_inplace", "zero_dim", "bool_neg",
                                  "ipow"])
@conformance(errors=True)
def test_pow_negative_integer_exponent_raises(T, case):
    x = T.tensor([1, 2, 3])
    if case == "int_neg":
        return T.pow(x, -2)
    if case == "int_neg_method":
        return x.pow(-1)
    if case == "int_neg_inplace":
        return x.pow_(-1)
    if case == "zero_dim":
        return T.tensor(2) ** -2
    if case == "bool_neg":
        return T.tensor([True]) ** -1
    x **= -1
    return x


@conformance()
def test_pow_float(T):
    x, y = tensor(T, SHAPE, low=-2, high=2), tensor(T, (4,), low=-2, high=2, seed=1)
    p = x.abs() + 0.1
    return (x ** 2, x ** 3, x ** -1, x ** -2, p ** 0.5, p ** -0.5, p ** y, x ** 0, x ** 1, T.pow(x, 2.0),
            _inplace(x, "pow", 2), T.pow(-2.0, T.tensor([1.0, 2.0, 0.5])), T.pow(special(T), 2),
            T.pow(special(T), 0.5), T.pow(special(T), -1), T.pow(2, special(T)), _with_out(T, T.pow, p, y))


@conformance()
def test_float_power(T):
    x, i = tensor(T, SHAPE, low=0.5, high=2), tensor(T, SHAPE, dtype="int64", low=0.2, high=1) + 1
    d = x.double()
    return (T.float_power(x, 2), T.float_power(i, 2), T.float_power(i, -1), T.float_power(2, x), x.float_power(i),
            T.float_power(x, 0.1), T.float_power(x, 2j), _inplace(d, "float_power", 3), _inplace(d, "float_power", x),
            _with_out(T, T.float_power, x, 1.5), T.float_power(x.half(), T.tensor(2)))


@pytest.mark.parametrize("case", ["float", "long", "complex_exp"])
@conformance(errors=True)
def test_float_power_inplace_needs_double(T, case):
    if case == "float":
        return T.tensor([1.5]).float_power_(2)
    if case == "long":
        return T.tensor([1]).float_power_(2)
    return T.tensor([1.5], dtype=T.float64).float_power_(2j)


# --- other binary math ----------------------------------------------------------------------------------


@conformance()
def test_binary_math_special_values(T):
    s, t = special(T), special(T).flip(1)
    return (T.atan2(s, t), T.hypot(s, t), T.logaddexp(s, t), T.logaddexp2(s, t), T.xlogy(s, t), T.copysign(s, t),
            T.nextafter(s, t), T.ldexp(T.tensor([1.5, -2.0, 0.0]), T.tensor([1, 2, 3])))


@conformance()
def test_xlogy(T):
    x = T.tensor([0.0, 0.0, 1.0, 2.0, 0.0, 3.0])
    y = T.tensor([0.0, NAN, NAN, 2.0, -1.0, 0.0])
    return T.xlogy(x, y), T.xlogy(2, y), T.xlogy(x, 3), _inplace(x, "xlogy", y), T.xlogy(T.tensor([0, 1, 2]), 2)


@conformance()
def test_binary_math_dtypes(T):
    h, f, i = T.tensor([1.0, 2.0]).half(), T.tensor([3.0, 4.0]), T.tensor([1, 2])
    return (T.hypot(f, i), T.atan2(i, i), T.ldexp(h, i), T.ldexp(i, f.double()), T.ldexp(i, T.tensor(1.0).half()),
            T.nextafter(f, f.double()), T.logaddexp(f, i), T.copysign(i, -1), T.copysign(h, -1),
            T.nextafter(T.tensor([1.0, 2.0]).bfloat16(), T.tensor([2.0, 1.0]).bfloat16()),
            T.logaddexp(T.tensor([1 + 1j]), T.tensor([2 - 1j])))


BINARY_DTYPE_ERRORS = {
    "hypot_int": lambda T: T.hypot(T.tensor([3]), T.tensor([4])),
    "nextafter_int": lambda T: T.nextafter(T.tensor([3]), T.tensor([4])),
    "logaddexp_int": lambda T: T.logaddexp(T.tensor([3]), T.tensor([4])),
    "logaddexp2_complex": lambda T: T.logaddexp2(T.tensor([1j]), T.tensor([1j])),
    "atan2_complex": lambda T: T.atan2(T.tensor([1j]), T.tensor([1j])),
    "xlogy_complex": lambda T: T.xlogy(T.tensor([1j]), T.tensor([1j])),
    "copysign_complex": lambda T: T.copysign(T.tensor([1j]), T.tensor([1j])),
    "floor_divide_bool": lambda T: T.floor_divide(T.tensor([True]), T.tensor([True])),
    "floor_divide_complex": lambda T: T.tensor([1j]) // T.tensor([1j]),
    "remainder_bool": lambda T: T.tensor([True]) % T.tensor([True]),
    "fmod_complex": lambda T: T.fmod(T.tensor([1j]), T.tensor([1j])),
    "pow_bool_bool": lambda T: T.pow(T.tensor([True]), T.tensor([True])),
    "div_trunc_bool": lambda T: T.div(T.tensor([True]), T.tensor([True]), rounding_mode="trunc"),
}


@pytest.mark.parametrize("case", list(BINARY_DTYPE_ERRORS))
@conformance(errors=True)
def test_binary_dtype_errors(T, case):
    return BINARY_DTYPE_ERRORS[case](T)


# --- ternary ops: lerp, addcmul, addcdiv ---------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
@conformance()
def test_lerp(T, dtype):
    x, e = tensor(T, SHAPE, dtype=dtype), tensor(T, (4,), dtype=dtype, seed=1)
    w = tensor(T, SHAPE, dtype=dtype, low=-0.5, high=1.5, seed=2)
    return (T.lerp(x, e, 0.3), x.lerp(e, 0.7), T.lerp(x, e, w), T.lerp(x, e, 1), T.lerp(x, e, -1.5),
            T.lerp(x, e, T.tensor(0.5, dtype=T.float64)), T.lerp(x[0, 0], e, 0.25), _inplace(x, "lerp", e, 0.6),
            _inplace(x, "lerp", e, w), _with_out(T, T.lerp, x, e, w), T.lerp(x, e, w[:1, :1]))


LERP_ERRORS = {
    "end_dtype": lambda T: T.lerp(tensor(T, SHAPE), tensor(T, SHAPE, dtype="float64"), 0.5),
    "end_0dim_dtype": lambda T: T.lerp(tensor(T, SHAPE), T.tensor(2.0, dtype=T.float64), 0.5),
    "weight_dtype": lambda T: T.lerp(tensor(T, SHAPE), tensor(T, SHAPE), tensor(T, (4,), dtype="float64")),
    "int": lambda T: T.lerp(T.tensor([1, 2]), T.tensor([3, 4]), 0.5),
    "int_tensor_weight": lambda T: T.lerp(T.tensor([1, 2]), T.tensor([3, 4]), T.tensor([1, 2])),
    "complex_weight": lambda T: T.lerp(tensor(T, SHAPE), tensor(T, SHAPE), 2j),
    "inplace_broadcast": lambda T: T.tensor(2.0).lerp_(tensor(T, (3,)), 0.5),
    "shape": lambda T: T.lerp(tensor(T, (2, 3)), tensor(T, (4,)), 0.5),
}


@pytest.mark.parametrize("case", list(LERP_ERRORS))
@conformance(errors=True)
def test_lerp_errors(T, case):
    return LERP_ERRORS[case](T)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bfloat16"])
@conformance()
def test_addcmul(T, dtype):
    x, a, b = (tensor(T, s, dtype=dtype, seed=k) for k, s in enumerate((SHAPE, (4,), (3, 1))))
    return (T.addcmul(x, a, b), x.addcmul(a, b, value=2), T.addcmul(x, a, b, value=-0.5 if dtype != "int64" else 3),
            _inplace(x, "addcmul", a, b, value=2), _with_out(T, T.addcmul, x, a, b), T.addcmul(x[0, 0], a, b),
            T.addcmul(x, a.double(), b), T.addcmul(T.tensor([1, 2]), T.tensor([2, 3]), T.tensor([1, 1]), value=2.5),
            T.addcmul(T.tensor([1, 2]), T.tensor([2, 3]), T.tensor([1, 1]), value=True))


@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
@conformance()
def test_addcdiv(T, dtype):
    x, a = tensor(T, SHAPE, dtype=dtype), tensor(T, (4,), dtype=dtype, seed=1)
    b = tensor(T, (3, 1), dtype=dtype, seed=2, low=0.5, high=2)
    return (T.addcdiv(x, a, b), x.addcdiv(a, b, value=2), T.addcdiv(x, a, b, value=-0.5),
            _inplace(x, "addcdiv", a, b, value=0.5), _with_out(T, T.addcdiv, x, a, b),
            T.addcdiv(T.tensor([1, 2, 3, 4]), a, b), T.addcdiv(x, a, T.tensor([[1], [2], [3]])),
            T.addcdiv(x.half(), a.float(), b.float()), T.addcdiv(x, a, b, value=T.tensor(2.0).item()))


ADDC_ERRORS = {
    "addcdiv_int_int": lambda T: T.addcdiv(tensor(T, SHAPE), T.tensor([1, 2, 3, 4]), T.tensor([1, 2, 3, 4])),
    "addcdiv_all_int": lambda T: T.addcdiv(T.tensor([1]), T.tensor([1]), T.tensor([1])),
    "addcmul_complex_value": lambda T: T.addcmul(tensor(T, SHAPE), tensor(T, SHAPE), tensor(T, SHAPE), value=1j),
    "addcmul_shape": lambda T: T.addcmul(tensor(T, (2, 3)), tensor(T, (4,)), tensor(T, (4,))),
    "addcmul_inplace_broadcast": lambda T: tensor(T, (4,)).addcmul_(tensor(T, SHAPE), tensor(T, (4,))),
}


@pytest.mark.parametrize("case", list(ADDC_ERRORS))
@conformance(errors=True)
def test_addcmul_addcdiv_errors(T, case):
    return ADDC_ERRORS[case](T)


# --- clamp ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,dtype", [("clamp", d) for d in ("float32", "float64", "int64", "bfloat16")]
                         + [("clip", "float32")])
@conformance()
def test_clamp(T, name, dtype):
    x = tensor(T, SHAPE, dtype=dtype, low=-3, high=3)
    lo, hi = tensor(T, (4,), dtype=dtype, low=-3, high=0, seed=1), tensor(T, (3, 1), dtype=dtype, low=0, high=3)
    f = getattr(T, name)
    return (f(x, -1, 1), f(x, min=0), f(x, max=0), getattr(x, name)(-1, 2), f(x, lo, hi), f(x, min=lo), f(x, max=hi),
            f(x, 2, -2), f(x, lo, None), _inplace(x, name, -1, 1), _inplace(x, name, lo, hi),
            _with_out(T, f, x, -1, 1), f(x[0, 0], lo, hi))


@conformance()
def test_clamp_dtype_rules(T):
    i, x, b = T.tensor([1, 2, 3]), T.tensor([1.5, -2.0, 3.0]), T.tensor([True, False])
    return (T.clamp(i, 1.5), T.clamp(i, max=2.5), T.clamp(i, T.tensor(1.5)), T.clamp(i, T.tensor([1.5])),
            T.clamp(x, T.tensor(1), 2), T.clamp(i, 3, 1), T.clamp(b, 0, 1), T.clamp(i, True),
            T.clamp(i, T.tensor([1.5]).double()), T.clamp(x, T.tensor(1.5).double()),
            T.clamp(x, T.tensor([1.5]).double()), T.clamp(x, NAN), T.clamp(T.tensor([NAN, 1.0]), 0, 0.5),
            T.clamp(x, T.tensor(NAN)), T.clamp(x, min=T.tensor(0.0), max=T.tensor(1.0)))


@pytest.mark.parametrize("dtype", ["float32", "int64"])
@conformance()
def test_clamp_min_max(T, dtype):
    x, lo = tensor(T, SHAPE, dtype=dtype), tensor(T, (4,), dtype=dtype, seed=1)
    return (T.clamp_min(x, 0), T.clamp_max(x, 0.5), x.clamp_min(lo), x.clamp_max(lo), _inplace(x, "clamp_min", lo),
            _inplace(x, "clamp_max", 1), _with_out(T, T.clamp_min, x, lo), T.clamp_min(x, True),
            T.clamp_max(T.tensor([True, False]), 0))


CLAMP_ERRORS = {
    "no_bounds": lambda T: T.clamp(tensor(T, SHAPE)),
    "none_bounds": lambda T: T.clamp(tensor(T, SHAPE), None, None),
    "clip_no_bounds": lambda T: T.clip(tensor(T, SHAPE)),
    "complex": lambda T: T.clamp(T.tensor([1 + 1j]), 0, 1),
    "complex_min": lambda T: T.clamp_min(T.tensor([1 + 1j]), 0),
    "int_inplace_float": lambda T: T.tensor([1, 2]).clamp_(1.5),
    "shape": lambda T: T.clamp(tensor(T, (3,)), T.tensor([1.0, 2.0])),
    "inplace_broadcast": lambda T: tensor(T, (3,)).clamp_(T.tensor([[0.0], [1.0]])),
}


@pytest.mark.parametrize("case", list(CLAMP_ERRORS))
@conformance(errors=True)
def test_clamp_errors(T, case):
    return CLAMP_ERRORS[case](T)


# --- unary errors ---------------------------------------------------------------------------------------

UNARY_ERRORS = {
    "neg_bool": lambda T: T.neg(T.tensor([True])),
    "negative_bool": lambda T: T.negative(T.tensor([True])),
    "neg_dunder_bool": lambda T: -T.tensor([True]),
    "positive_bool": lambda T: +T.tensor([True]),
    "abs_bool": lambda T: T.abs(T.tensor([True])),
    "absolute_bool": lambda T: T.absolute(T.tensor([True])),
    "sign_complex": lambda T: T.sign(T.tensor([1j])),
    "ceil_bool": lambda T: T.ceil(T.tensor([True])),
    "floor_complex": lambda T: T.floor(T.tensor([1j])),
    "trunc_complex": lambda T: T.trunc(T.tensor([1j])),
    "round_bool": lambda T: T.round(T.tensor([True])),
    "round_complex": lambda T: T.round(T.tensor([1j])),
    "round_int_decimals": lambda T: T.round(T.tensor([1, 2]), decimals=1),
    "round_int_decimals_0": lambda T: T.round(T.tensor([1, 2]), decimals=0),
    "round_float_decimals": lambda T: T.round(T.tensor([1.5]), decimals=1.5),
    "frac_int": lambda T: T.frac(T.tensor([1, 2])),
    "frac_bool": lambda T: T.frac(T.tensor([True])),
    "erf_complex": lambda T: T.erf(T.tensor([1j])),
    "lgamma_complex": lambda T: T.lgamma(T.tensor([1j])),
    "digamma_complex": lambda T: T.digamma(T.tensor([1j])),
    "i0_complex": lambda T: T.i0(T.tensor([1j])),
    "erfinv_complex": lambda T: T.erfinv(T.tensor([1j])),
    "logit_complex": lambda T: T.logit(T.tensor([1j])),
    "deg2rad_complex": lambda T: T.deg2rad(T.tensor([1j])),
    "rad2deg_complex": lambda T: T.rad2deg(T.tensor([1j])),
    "polygamma_negative": lambda T: T.polygamma(-1, T.tensor([1.0])),
    "polygamma_float_n": lambda T: T.polygamma(1.5, T.tensor([1.0])),
    "polygamma_complex": lambda T: T.polygamma(0, T.tensor([1j])),
    "mvlgamma_p0": lambda T: T.mvlgamma(T.tensor([5.0]), 0),
    "mvlgamma_float_p": lambda T: T.mvlgamma(T.tensor([5.0]), 1.5),
    "abs_inplace_complex": lambda T: T.tensor([1j]).abs_(),
    "neg_inplace_bool": lambda T: T.tensor([True]).neg_(),
}


@pytest.mark.parametrize("case", list(UNARY_ERRORS))
@conformance(errors=True)
def test_unary_errors(T, case):
    return UNARY_ERRORS[case](T)


@conformance()
def test_bool_promoted_times_inf(T):
    b = T.tensor([[False, True]])
    return b * INF, T.mul(b, T.tensor([NAN, 1.0]))
