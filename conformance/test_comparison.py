"""Conformance: comparisons, closeness, special-value tests, logical/bitwise ops, where, maximum/minimum."""

import warnings

import numpy as np
import pytest
from harness import conformance, data, tensor

import torchax

DTYPES = ["float32", "float64", "int64", "int32", "uint8", "bool"]
INTS = ["int64", "int32", "uint8", "bool"]
FLOATS = ["float32", "float64", "float16", "bfloat16"]
NAN, INF = float("nan"), float("inf")
SPECIAL = [NAN, INF, -INF, 0.0, -0.0, 1.0, -1.5, 2.0]  # one (2, 4) tensor's worth of floats
SCALAR = {"float32": 1.0, "float64": -1.5, "float16": 2.0, "bfloat16": 0.0, "int64": 2, "int32": -3, "uint8": 3,
          "bool": True}


def vals(T, dtype, seed=0):
    """A (2, 4) tensor; float data holds NaN, +-inf and +-0 (permuted by seed), integers are small so some match."""
    if dtype in FLOATS:
        arr = np.random.default_rng(seed).permutation(np.array(SPECIAL)).reshape(2, 4)
        return T.tensor(arr.astype("float32" if dtype == "bfloat16" else dtype), dtype=getattr(T, dtype))
    return tensor(T, (2, 4), dtype=dtype, seed=seed, low=-1, high=1)


def _bool_out(T):
    return T.zeros((2, 4), dtype=T.bool)


# --- comparisons ----------------------------------------------------------------------------------

COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge"]
ALIASES = ["not_equal", "less", "less_equal", "greater", "greater_equal"]


@pytest.mark.parametrize("name,dtype", [(n, d) for n in COMPARISONS for d in DTYPES]
                         + [(n, "float32") for n in ALIASES])
@conformance()
def test_comparison(T, name, dtype):
    x, y, s = vals(T, dtype), vals(T, dtype, seed=1)[0], SCALAR[dtype]
    f, out = getattr(T, name), _bool_out(T)
    return (f(x, y), getattr(x, name)(y), f(x, s), getattr(x, name)(s), f(x[0, 0], y), f(x[0, 0], x[1, 1]),
            getattr(x.clone(), name + "_")(y), getattr(x.clone(), name + "_")(s), f(x, y, out=out), out)


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_comparison_dunders(T, dtype):
    x, y, s = vals(T, dtype), vals(T, dtype, seed=1), SCALAR[dtype]
    return x == y, x != y, x < y, x <= y, x > y, x >= y, x == s, s == x, s < x, s >= x, x > s, 1 != x


MIXED_COMPARISONS = {
    "int_vs_float": lambda T: T.lt(vals(T, "int64"), vals(T, "float32")),
    "uint8_vs_int8": lambda T: T.eq(T.tensor([1, 200, 3], dtype=T.uint8), T.tensor([1, -56, 3], dtype=T.int8)),
    "uint8_eq_neg": lambda T: (T.tensor([255, 0], dtype=T.uint8) == -1, T.tensor([255, 0], dtype=T.uint8) < -1),
    "int_lt_float_scalar": lambda T: (T.tensor([1, 2, 3]) < 2.5, T.tensor([1, 2, 3]).lt_(2.5)),
    "bool_vs_int_scalar": lambda T: (T.tensor([True, False]) == 2, T.tensor([True, False]) == 1.0),
    "bool_lt_bool": lambda T: T.tensor([True, False]) < True,
    "half_eq_float_scalar": lambda T: (T.tensor([0.1, 0.2], dtype=T.float16) == 0.1,
                                       T.lt(vals(T, "float16"), vals(T, "float16", 1))),
    "float_vs_zero_dim_double": lambda T: T.tensor([0.1, 0.3]) < T.tensor(0.1, dtype=T.float64),
    "int_vs_zero_dim_float": lambda T: T.ge(T.tensor([1, 2, 3]), T.tensor(1.5)),
    "float_inplace_keeps_dtype": lambda T: T.tensor([1.0, -1.0]).ge_(0),
    "bool_inplace": lambda T: T.tensor([True, False]).lt_(1),
    "complex_eq": lambda T: (T.eq(T.tensor([1 + 1j, 2j]), T.tensor([1 + 1j, 2.0])), T.tensor([1j, 0j]) != 0),
    "out_float": lambda T: T.eq(T.tensor([1, 2, 3]), 1, out=T.zeros(3)),
    "out_int8": lambda T: T.gt(T.tensor([1, 2, 3]), 1, out=T.zeros(3, dtype=T.int8)),
    "empty": lambda T: T.eq(T.zeros((0, 3)), T.zeros(3)),
    "inplace_through_view": lambda T: _inplace_views(T),
}


def _inplace_views(T):
    x = vals(T, "int64")
    x[0].lt_(0)
    x[1].bitwise_not_()
    x[:, 0].heaviside_(T.tensor(7))
    return x


@pytest.mark.parametrize("case", MIXED_COMPARISONS)
@conformance()
def test_comparison_mixed(T, case):
    return MIXED_COMPARISONS[case](T)


@conformance()
def test_eq_none_is_false(T):
    return tensor(T, (3,)) == None  # noqa: E711 - the Python operator is what is tested


# --- equal / isclose / allclose ---------------------------------------------------------------------

EQUAL_CASES = {
    "same": lambda T: (T.tensor([[1.0, -0.0], [INF, 2.0]]), T.tensor([[1.0, 0.0], [INF, 2.0]])),
    "nan": lambda T: (vals(T, "float32"), vals(T, "float32")),
    "int": lambda T: (vals(T, "int64"), vals(T, "int64")),
    "differ": lambda T: (vals(T, "int64"), vals(T, "int64", 1)),
    "dtypes": lambda T: (T.tensor([1, 2]), T.tensor([1.0, 2.0])),
    "bool_int": lambda T: (T.tensor([True, False]), T.tensor([1, 0])),
    "shapes": lambda T: (T.ones((2, 3)), T.ones(3)),
    "zero_dim": lambda T: (T.tensor(1.0), T.tensor(1)),
    "zero_dim_vs_1": lambda T: (T.tensor([1.0]), T.tensor(1.0)),
    "empty": lambda T: (T.zeros((0, 2)), T.zeros((0, 2))),
}


@pytest.mark.parametrize("case", EQUAL_CASES)
@conformance()
def test_equal(T, case):
    a, b = EQUAL_CASES[case](T)
    return T.equal(a, b), a.equal(b)


ISCLOSE_KW = [{}, {"rtol": 0.1, "atol": 0.6}, {"equal_nan": True}, {"rtol": 0, "atol": 0}, {"rtol": 0.5, "atol": 0}]


@pytest.mark.parametrize("dtype,kw", [("float32", kw) for kw in ISCLOSE_KW]
                         + [(d, kw) for d in DTYPES[1:] for kw in (ISCLOSE_KW[1], ISCLOSE_KW[2])], ids=str)
@conformance()
def test_isclose(T, dtype, kw):
    x, y = vals(T, dtype), vals(T, dtype, seed=1)
    if dtype in FLOATS:
        y = y + T.tensor(0.3, dtype=y.dtype)  # inf and nan stay, the rest is near
    return T.isclose(x, y, **kw), x.isclose(y[0], **kw), T.allclose(x, y, **kw), x.allclose(x, **kw), \
        T.isclose(x[0, 0], y, **kw)


@conformance()
def test_isclose_integer_tolerance(T):
    u = T.tensor([1, 200, 3], dtype=T.uint8)
    return T.isclose(u, u + 1, rtol=0.01, atol=1), T.isclose(T.tensor([1, -2, 3]), T.tensor([2, -1, 4]), rtol=0.5,
                                                             atol=0)


# --- special values -------------------------------------------------------------------------------

SPECIAL_TESTS = ["isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal", "signbit"]
WITH_OUT = {"isposinf", "isneginf", "signbit"}


@pytest.mark.parametrize("dtype", DTYPES + ["float16", "bfloat16"])
@pytest.mark.parametrize("name", SPECIAL_TESTS)
@conformance()
def test_special_values(T, name, dtype):
    x, f = vals(T, dtype), getattr(T, name)
    if dtype == "bfloat16" and name == "signbit":  # NOTE: torch's float32 -> bfloat16 cast makes NaN negative
        x = T.where(T.isnan(x), T.tensor(3.0, dtype=x.dtype), x)
    res = f(x), getattr(x, name)(), f(x[1, 2])
    if name in WITH_OUT:
        out = _bool_out(T)
        res += (f(x, out=out), out)
    return res


@conformance()
def test_special_values_complex(T):
    z = T.tensor([complex(NAN, 0), complex(0, INF), 1j, 1 + 0j, complex(-INF, 1)])
    return T.isnan(z), T.isinf(z), T.isfinite(z), T.isreal(z)


@conformance()
def test_signbit_negative_nan(T):
    return T.signbit(T.tensor([NAN, -NAN, -0.0, 0.0]))


# --- isin / heaviside ---------------------------------------------------------------------------

ISIN_CASES = {
    "int": lambda T: T.isin(vals(T, "int64"), T.tensor([1, 3, -2])),
    "invert": lambda T: T.isin(vals(T, "int64"), T.tensor([1, 3, -2]), invert=True),
    "assume_unique": lambda T: T.isin(T.tensor([1, 2, 3]), T.tensor([1, 3]), assume_unique=True),
    "scalar_elements": lambda T: (T.isin(3, T.tensor([1, 2, 3])), T.isin(1.0, T.tensor([1, 2]))),
    "scalar_test": lambda T: (T.isin(vals(T, "int64"), 3), T.isin(vals(T, "int64"), 1.5)),
    "float_vs_int": lambda T: T.isin(T.tensor([1.5, 1.0, -0.0]), T.tensor([1, 0])),
    "int_vs_float": lambda T: T.isin(T.tensor([1, -2, 3]), T.tensor([1.0, 3.5])),
    "uint8_vs_int": lambda T: T.isin(T.tensor([1, 200, 3], dtype=T.uint8), T.tensor([-56, 200])),
    "int8_vs_wide": lambda T: T.isin(T.tensor([0], dtype=T.int8), T.tensor([256])),
    "nan": lambda T: T.isin(vals(T, "float32"), vals(T, "float32", 1)[0]),
    "half": lambda T: T.isin(vals(T, "float16"), vals(T, "float32", 1)),
    "two_dim": lambda T: T.isin(T.tensor([[1], [2], [3]]), T.tensor([[1], [3]])),
    "zero_dim": lambda T: T.isin(T.tensor(3), T.tensor([1, 3])),
    "empty_test": lambda T: T.isin(T.tensor([1, 2]), T.tensor([], dtype=T.int64)),
    "keywords": lambda T: T.isin(elements=T.tensor([1, 2]), test_elements=T.tensor([2])),
    "out": lambda T: _isin_out(T),
}


def _isin_out(T):
    out = T.zeros(3, dtype=T.bool)
    return T.isin(T.tensor([1, 2, 3]), T.tensor([2]), out=out), out


@pytest.mark.parametrize("case", ISIN_CASES)
@conformance()
def test_isin(T, case):
    return ISIN_CASES[case](T)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "uint8", "bool"])
@conformance()
def test_heaviside(T, dtype):
    x, v = vals(T, dtype), vals(T, dtype, seed=1)
    out = T.zeros((2, 4), dtype=x.dtype)
    return (T.heaviside(x, v), x.heaviside(v[0]), T.heaviside(x, v[1, 1]), x.clone().heaviside_(v),
            T.heaviside(x, v, out=out), out)


# --- logical --------------------------------------------------------------------------------------

OTHER = {"float32": "int64", "float64": "float64", "int64": "bool", "int32": "float32", "uint8": "uint8",
         "bool": "float64"}  # the second operand's dtype: logical ops take any mix


@pytest.mark.parametrize("dtype", ["float32", "int32", "uint8", "bool"])
@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
@conformance()
def test_logical_binary(T, name, dtype):
    x, y = vals(T, dtype), vals(T, OTHER[dtype], seed=1)
    f, out = getattr(T, name), T.zeros((2, 4))
    return (f(x, y), getattr(x, name)(y[0]), f(x[0, 1], y), getattr(x.clone(), name + "_")(y),
            f(x, y, out=out), out)


@pytest.mark.parametrize("dtype", DTYPES + ["complex64"])
@conformance()
def test_logical_not(T, dtype):
    x = T.tensor([0j, 1j, 2 + 0j]) if dtype == "complex64" else vals(T, dtype)
    out = T.zeros(x.shape, dtype=T.int32)
    return T.logical_not(x), x.logical_not(), x.clone().logical_not_(), T.logical_not(x, out=out), out


# --- bitwise --------------------------------------------------------------------------------------

BITS = {"int64": 64, "int32": 32, "uint8": 8}


def _shift_counts(T, dtype):
    bits = BITS[dtype]
    return T.tensor([0, 1, 3, bits - 1, bits, bits + 3, 2, 5], dtype=getattr(T, dtype)).reshape(2, 4)


@pytest.mark.parametrize("dtype", INTS)
@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor"])
@conformance()
def test_bitwise_binary(T, name, dtype):
    x, y, s = vals(T, dtype), vals(T, dtype, seed=1), SCALAR[dtype]
    f, out = getattr(T, name), T.zeros((2, 4), dtype=x.dtype)
    return (f(x, y), getattr(x, name)(y[0]), f(x, s), f(x[0, 0], y), getattr(x.clone(), name + "_")(y),
            getattr(x.clone(), name + "_")(s), f(x, y, out=out), out)


@pytest.mark.parametrize("dtype", INTS)
@conformance()
def test_bitwise_dunders(T, dtype):
    x, y, s = vals(T, dtype), vals(T, dtype, seed=1), SCALAR[dtype]
    a, o, xo = x.clone(), x.clone(), x.clone()
    a &= y
    o |= s
    xo ^= y
    return x & y, x | s, s ^ x, s & x, ~x, a, o, xo, T.bitwise_not(x), x.clone().bitwise_not_()


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
@pytest.mark.parametrize("name", ["bitwise_left_shift", "bitwise_right_shift"])
@conformance()
def test_shift(T, name, dtype):
    x, n = vals(T, dtype) * 7, _shift_counts(T, dtype)
    f, out = getattr(T, name), T.zeros((2, 4), dtype=x.dtype)
    return f(x, n), getattr(x, name)(n[0]), f(x, 2), getattr(x.clone(), name + "_")(n), f(x, n, out=out), out


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
@conformance()
def test_shift_dunders(T, dtype):
    x, n = vals(T, dtype), _shift_counts(T, dtype)
    a, b = x.clone(), x.clone()
    a <<= 2
    b >>= n
    return x << n, x >> n, x << 1, x >> 1, 1 << n[0, :3], 64 >> n[0, :3], a, b


BITWISE_MIXED = {
    "bool_and_int_scalar": lambda T: T.tensor([True, False, True]) & 1,
    "bool_and_bool_scalar": lambda T: (T.tensor([True, False]) & True, True | T.tensor([True, False])),
    "int32_and_int64": lambda T: T.tensor([7, 5], dtype=T.int32) & T.tensor([3, 6]),
    "int32_inplace_int64": lambda T: T.tensor([7], dtype=T.int32).bitwise_and_(T.tensor([3])),
    "uint8_and_neg": lambda T: T.tensor([255, 0], dtype=T.uint8) & -1,
    "uint8_shift_zero_dim_int8": lambda T: T.tensor([1, 200, 3], dtype=T.uint8) >> T.tensor(1, dtype=T.int8),
    "bool_shift_int_scalar": lambda T: T.tensor([True, False]) << 1,
    "int8_shift": lambda T: (T.tensor([1, -1], dtype=T.int8) << T.tensor([7, 9], dtype=T.int8),
                             T.tensor([-128, 64], dtype=T.int8) >> T.tensor([9, 9], dtype=T.int8)),
    "negative_counts": lambda T: (T.tensor([1, -2, 3]) << -1, T.tensor([1, -2, 3]) >> -1),
    "not_uint8": lambda T: ~T.tensor([1, 200, 3], dtype=T.uint8),
    "out_casts": lambda T: (T.bitwise_and(T.tensor([3, 5]), T.tensor([6, 7]), out=T.zeros(2)),
                            T.bitwise_left_shift(T.tensor([3, -5]), 2, out=T.zeros(2, dtype=T.int32)),
                            T.maximum(T.tensor([3, 5]), T.tensor([6, 1]), out=T.zeros(2, dtype=T.int32)),
                            T.fmin(T.tensor([3, 5]), T.tensor([6, 1]), out=T.zeros(2, dtype=T.float64))),
}


@pytest.mark.parametrize("case", BITWISE_MIXED)
@conformance()
def test_bitwise_mixed(T, case):
    return BITWISE_MIXED[case](T)


# --- maximum / minimum / fmax / fmin --------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin"])
@conformance()
def test_extremum(T, name, dtype):
    x, y = vals(T, dtype), vals(T, dtype, seed=1)
    f, out = getattr(T, name), T.zeros((2, 4), dtype=x.dtype)
    return f(x, y), getattr(x, name)(y[1]), f(x[0, 0], y), f(x, y, out=out), out


@pytest.mark.parametrize("name", ["maximum", "minimum", "fmax", "fmin"])
@conformance()
def test_extremum_promotion(T, name):
    f = getattr(T, name)
    i, x = vals(T, "int64"), vals(T, "float32", 1)
    return f(i, x), f(i, T.tensor(1.5)), f(vals(T, "uint8"), vals(T, "int32")), f(x, vals(T, "float64")), \
        f(T.tensor([NAN, NAN]), T.tensor([NAN, 1.0])), f(vals(T, "float16"), vals(T, "float16", 1))


# --- where ----------------------------------------------------------------------------------------


def _cond(T, shape=(2, 4), seed=3):
    return tensor(T, shape, dtype="bool", seed=seed)


WHERE_CASES = {
    "tensors": lambda T: T.where(_cond(T), vals(T, "float32"), vals(T, "float32", 1)),
    "int_float": lambda T: T.where(_cond(T), vals(T, "int64"), vals(T, "float32", 1)),
    "scalar_other": lambda T: T.where(_cond(T), vals(T, "int64"), 0),
    "scalar_input": lambda T: T.where(_cond(T), -1.5, vals(T, "float64")),
    "int_scalars": lambda T: T.where(_cond(T), 1, 0),
    "float_int_scalars": lambda T: (T.where(_cond(T), 1.0, 0), T.where(_cond(T), 1, 0.0)),
    "bool_scalars": lambda T: (T.where(_cond(T), True, False), T.where(_cond(T), True, 1)),
    "int32_int_scalar": lambda T: T.where(_cond(T), vals(T, "int32"), 1),
    "int32_float_scalar": lambda T: T.where(_cond(T), vals(T, "int32"), 1.5),
    "uint8_bool_scalar": lambda T: T.where(_cond(T), vals(T, "uint8"), True),
    "half_float_scalar": lambda T: T.where(_cond(T), vals(T, "float16"), 1.0),
    "complex_scalar": lambda T: T.where(_cond(T), vals(T, "float64"), 1j),
    "zero_dim_double": lambda T: T.where(_cond(T), T.tensor(1.0, dtype=T.float64), vals(T, "float32")),
    "zero_dim_int": lambda T: T.where(_cond(T), vals(T, "int32"), T.tensor(2)),
    "broadcast": lambda T: T.where(_cond(T, (2, 1)), vals(T, "int32")[0], T.tensor([7.0])),
    "zero_dim_condition": lambda T: T.where(T.tensor(False), vals(T, "int64"), vals(T, "int64", 1)),
    "method": lambda T: (vals(T, "int64").where(_cond(T), 0), vals(T, "float32").where(_cond(T), vals(T, "int32"))),
    "method_keywords": lambda T: vals(T, "int64").where(condition=_cond(T), other=vals(T, "int64", 1)),
    "keywords": lambda T: T.where(condition=_cond(T), input=vals(T, "bool"), other=vals(T, "bool", 1)),
    "out": lambda T: _where_out(T),
}


def _where_out(T):
    out, out2 = T.zeros((2, 4)), T.zeros((2, 4), dtype=T.float64)
    return (T.where(_cond(T), vals(T, "int64"), vals(T, "float32", 1), out=out), out,
            T.where(_cond(T), vals(T, "float64"), vals(T, "int32"), out=out2), out2)


@pytest.mark.parametrize("case", WHERE_CASES)
@conformance()
def test_where(T, case):
    return WHERE_CASES[case](T)


@conformance()
def test_where_uint8_condition(T):
    with warnings.catch_warnings():  # torch warns once per process ("deprecated"); only the result is compared
        warnings.simplefilter("ignore")
        return T.where(T.tensor(data((2, 4), dtype="bool", seed=3).astype("uint8")), vals(T, "int64"), 0)


@conformance()
def test_where_one_argument(T):
    return T.where(_cond(T)), T.where(T.tensor([0.0, 1.5, 0.0, -1.0]) != 0)


# --- errors ---------------------------------------------------------------------------------------

ERRORS = {
    "and_float": lambda T: T.bitwise_and(vals(T, "float32"), vals(T, "float32")),
    "and_int_float_scalar": lambda T: vals(T, "int64") & 1.5,
    "or_dunder_float": lambda T: vals(T, "float32") | vals(T, "int64"),
    "not_float": lambda T: T.bitwise_not(vals(T, "float32")),
    "not_float_inplace": lambda T: vals(T, "float64").bitwise_not_(),
    "lshift_float": lambda T: vals(T, "float32") << 1,
    "rshift_int_float_scalar": lambda T: vals(T, "int64") >> 1.0,
    "shift_bool_bool": lambda T: T.bitwise_left_shift(vals(T, "bool"), vals(T, "bool")),
    "rshift_bool_bool": lambda T: vals(T, "bool") >> vals(T, "bool"),
    "and_shape": lambda T: vals(T, "int64") & T.ones(3, dtype=T.int64),
    "eq_shape": lambda T: vals(T, "float32") == T.ones(3),
    "lt_shape": lambda T: T.lt(T.ones(2), T.ones(3)),
    "eq_inplace_broadcast": lambda T: T.ones(4).eq_(vals(T, "float32")),
    "and_inplace_cast": lambda T: vals(T, "bool").bitwise_and_(vals(T, "int64")),
    "iand_cast": lambda T: vals(T, "bool").__iand__(vals(T, "int64")),
    "lt_complex": lambda T: T.tensor([1j]) < T.tensor([1j]),
    "logical_shape": lambda T: T.logical_and(T.ones(2), T.ones(3)),
    "logical_inplace_broadcast": lambda T: T.ones(4).logical_or_(vals(T, "float32")),
    "logical_scalar": lambda T: T.logical_and(vals(T, "int64"), 1),
    "maximum_shape": lambda T: T.maximum(T.ones(2), T.ones(3)),
    "maximum_scalar": lambda T: T.maximum(vals(T, "int64"), 1),
    "maximum_complex": lambda T: T.maximum(T.tensor([1j]), T.tensor([1j])),
    "fmin_complex": lambda T: T.fmin(T.tensor([1j]), T.tensor([1j])),
    "where_shape": lambda T: T.where(_cond(T), vals(T, "int64"), T.ones(3)),
    "where_int_condition": lambda T: T.where(vals(T, "int64"), 1, 0),
    "where_float_condition": lambda T: T.where(vals(T, "float32"), vals(T, "float32"), 0.0),
    "where_scalar_condition": lambda T: T.where(True, vals(T, "int64"), 0),
    "isclose_dtypes": lambda T: T.isclose(vals(T, "float32"), vals(T, "float64")),
    "isclose_int_dtypes": lambda T: T.isclose(vals(T, "int64"), vals(T, "int32")),
    "allclose_dtypes": lambda T: T.allclose(vals(T, "int64"), vals(T, "float32")),
    "allclose_shape": lambda T: T.allclose(T.ones((2, 3)), T.ones(2)),
    "isclose_rtol": lambda T: T.isclose(vals(T, "float32"), vals(T, "float32"), rtol=-1),
    "isclose_atol": lambda T: T.isclose(vals(T, "float32"), vals(T, "float32"), atol=-1),
    "isclose_scalar": lambda T: T.isclose(vals(T, "float32"), 1.0),
    "equal_scalar": lambda T: T.equal(vals(T, "int64"), 1),
    "heaviside_dtypes": lambda T: T.heaviside(vals(T, "float32"), T.tensor(0.5, dtype=T.float64)),
    "heaviside_scalar": lambda T: T.heaviside(vals(T, "float32"), 0.5),
    "heaviside_complex": lambda T: T.heaviside(T.tensor([1j]), T.tensor([1j])),
    "isin_bool": lambda T: T.isin(vals(T, "bool"), T.tensor([True])),
    "isin_bool_test": lambda T: T.isin(vals(T, "int64"), vals(T, "bool")),
    "isin_complex": lambda T: T.isin(T.tensor([1j]), T.tensor([1j])),
    "isin_two_scalars": lambda T: T.isin(1, 2),
    "isposinf_complex": lambda T: T.isposinf(T.tensor([1j])),
    "isneginf_complex": lambda T: T.isneginf(T.tensor([1j])),
    "signbit_complex": lambda T: T.signbit(T.tensor([1j])),
    "eq_none": lambda T: T.eq(vals(T, "int64"), None),
    # out= dtypes these ops do not cast into
    "where_out_dtype": lambda T: T.where(_cond(T), vals(T, "int64"), vals(T, "int64"), out=T.zeros((2, 4))),
    "where_out_int32": lambda T: T.where(_cond(T), vals(T, "int64"), vals(T, "int64"),
                                         out=T.zeros((2, 4), dtype=T.int32)),
    "bitwise_not_out_dtype": lambda T: T.bitwise_not(vals(T, "int64"), out=T.zeros((2, 4), dtype=T.int32)),
    "heaviside_out_dtype": lambda T: T.heaviside(vals(T, "int64"), vals(T, "int64"), out=T.zeros((2, 4))),
    "isin_out_dtype": lambda T: T.isin(vals(T, "int64"), vals(T, "int64"), out=T.zeros((2, 4))),
    "signbit_out_dtype": lambda T: T.signbit(vals(T, "float32"), out=T.zeros((2, 4))),
    "isposinf_out_dtype": lambda T: T.isposinf(vals(T, "float32"), out=T.zeros((2, 4), dtype=T.uint8)),
    "isneginf_out_dtype": lambda T: T.isneginf(vals(T, "float32"), out=T.zeros((2, 4), dtype=T.int64)),
}


@pytest.mark.parametrize("case", ERRORS)
@conformance(errors=True)
def test_errors(T, case):
    return ERRORS[case](T)


@conformance(errors=True)
def test_invert_float_error(T):
    return ~vals(T, "float32")


def test_surface():
    """Function/method/in-place variants exist exactly where torch has them."""
    import torch

    names = ["eq", "ne", "not_equal", "lt", "less", "le", "less_equal", "gt", "greater", "ge", "greater_equal",
             "equal", "allclose", "isclose", "isnan", "isinf", "isposinf", "isneginf", "isfinite", "isreal", "isin",
             "signbit", "heaviside", "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and",
             "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "maximum",
             "minimum", "fmax", "fmin", "where"]
    for name in names:
        assert hasattr(torchax, name), name
        for suffix in ("", "_"):
            assert hasattr(torchax.Tensor, name + suffix) == hasattr(torch.Tensor, name + suffix), name + suffix
