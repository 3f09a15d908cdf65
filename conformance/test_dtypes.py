"""Conformance of torch dtypes: objects, aliases, attributes, finfo/iinfo, default dtype and type promotion."""

import pytest
from harness import conformance, tensor

COMMON = ["float16", "bfloat16", "float32", "float64", "complex64", "complex128",
          "bool", "uint8", "int8", "int16", "int32", "int64"]
FLOATS = ["float16", "bfloat16", "float32", "float64", "complex64", "complex128"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]
ALIASES = [("float", "float32"), ("double", "float64"), ("half", "float16"), ("long", "int64"), ("int", "int32"),
           ("short", "int16"), ("cfloat", "complex64"), ("cdouble", "complex128"), ("bool", "bool"),
           ("uint8", "uint8"), ("int8", "int8")]


# --- dtype objects ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", COMMON)
@conformance()
def test_dtype_object(T, name):
    """torch.<dtype>: repr, str, attributes, identity and hashing."""
    d = getattr(T, name)
    return (d, repr(d), str(d), d.is_floating_point, d.is_complex, d.is_signed, d.itemsize,
            isinstance(d, T.dtype), d == getattr(T, name), d != T.int64, {d: 1}[getattr(T, name)])


@pytest.mark.parametrize("alias,name", ALIASES)
@conformance()
def test_dtype_alias_is_same_object(T, alias, name):
    """torch.float is torch.float32, etc."""
    return getattr(T, alias) is getattr(T, name), getattr(T, alias)


@conformance()
def test_dtype_distinct(T):
    """Different dtypes compare unequal."""
    ds = [getattr(T, n) for n in COMMON]
    return [a == b for a in ds for b in ds], len(set(ds))


@conformance()
def test_dtype_pickle(T):
    """Dtypes pickle back to the same singleton."""
    import pickle
    return [pickle.loads(pickle.dumps(getattr(T, n))) is getattr(T, n) for n in COMMON]


# --- finfo / iinfo ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FLOATS)
@conformance()
def test_finfo(T, name):
    """torch.finfo fields (complex types give their real counterpart's info)."""
    f = T.finfo(getattr(T, name))
    return f, f.bits, f.eps, f.max, f.min, f.tiny, f.smallest_normal, f.resolution, f.dtype, type(f.eps).__name__


@conformance()
def test_finfo_default(T):
    """torch.finfo() uses the default dtype."""
    f = T.finfo()
    return f, f.eps, f.dtype


@pytest.mark.parametrize("name", INTS)
@conformance()
def test_iinfo(T, name):
    """torch.iinfo fields."""
    i = T.iinfo(getattr(T, name))
    return i, i.bits, i.min, i.max, i.dtype, type(i.max).__name__


@pytest.mark.parametrize("name", ["int32", "bool", "uint8"])
@conformance(errors=True)
def test_finfo_of_integer_raises(T, name):
    """torch.finfo(int dtype) raises TypeError."""
    return T.finfo(getattr(T, name))


@pytest.mark.parametrize("name", ["float32", "complex64", "bool"])
@conformance(errors=True)
def test_iinfo_of_float_raises(T, name):
    """torch.iinfo(float/bool dtype) raises TypeError."""
    return T.iinfo(getattr(T, name))


# --- default dtype ------------------------------------------------------------------------------


def _with_default(T, d, fn):
    old = T.get_default_dtype()
    T.set_default_dtype(d)
    try:
        return fn()
    finally:
        T.set_default_dtype(old)


def _default_dependent(T):
    return (T.get_default_dtype(), T.tensor(1.5), T.arange(2.), T.full((1,), 1.5), T.tensor([0.1, 2]),
            T.tensor([1, 2]), T.zeros(2), T.ones(1).dtype, T.tensor([True]).dtype, T.finfo().dtype,
            (T.tensor([1, 2]) / 2).dtype, (T.tensor([1, 2]) * 1.5).dtype)


@pytest.mark.parametrize("name", ["float64", "float32", "float16", "bfloat16"])
@conformance()
def test_set_default_dtype(T, name):
    """set_default_dtype changes float/complex inference for new tensors; restored afterwards."""
    inside = _with_default(T, getattr(T, name), lambda: _default_dependent(T))
    return inside, T.get_default_dtype()


@pytest.mark.parametrize("name", ["float64", "float32"])
@conformance()
def test_default_dtype_complex_literal(T, name):
    """tensor(1+2j) and float tensor * 1j follow the default dtype (complex128 / complex64)."""
    return _with_default(T, getattr(T, name), lambda: (T.tensor(1 + 2j), T.tensor([1.0, 2]) * 1j, T.tensor([1j])))


@conformance()
def test_default_dtype_float16_complex_literal(T):
    """With a float16 default, tensor(1+2j) is complex32 and torch warns that ComplexHalf is experimental."""
    with pytest.warns(UserWarning, match="ComplexHalf"):
        return _with_default(T, T.float16, lambda: T.tensor(1 + 2j).dtype)


@conformance(errors=True)
def test_default_dtype_bfloat16_complex_literal(T):
    """With a bfloat16 default, a complex literal has no default complex type: RuntimeError."""
    return _with_default(T, T.bfloat16, lambda: T.tensor(1 + 2j))


@conformance()
def test_default_dtype_initial(T):
    """The initial default dtype is float32."""
    return _default_dependent(T)


@pytest.mark.parametrize("name", ["int64", "int32", "complex64", "bool"])
@conformance(errors=True)
def test_set_default_dtype_rejects_non_float(T, name):
    """set_default_dtype(int) raises TypeError."""
    _with_default(T, getattr(T, name), lambda: None)


# --- promote_types ------------------------------------------------------------------------------


@pytest.mark.parametrize("a", COMMON)
@conformance()
def test_promote_types_all_pairs(T, a):
    """torch.promote_types(a, b) for a against all 12 common dtypes (and symmetric)."""
    da = getattr(T, a)
    return [(T.promote_types(da, getattr(T, b)), T.promote_types(getattr(T, b), da)) for b in COMMON]


@pytest.mark.parametrize("a,b", [("uint16", "int8"), ("uint32", "int64"), ("uint64", "uint8")])
@conformance(errors=True)
def test_promote_types_unsigned_wide_raises(T, a, b):
    """Promotion involving uint16/32/64 and another integer type raises RuntimeError."""
    return T.promote_types(getattr(T, a), getattr(T, b))


# --- result_type and operator promotion ---------------------------------------------------------


def _operand(T, kind, dtype):
    """A tensor of `dtype` (kind 'dim': shape (2,), 'zero': 0-dim) or a Python scalar (kind 'py')."""
    if kind == "dim":
        return T.ones(2, dtype=getattr(T, dtype))
    if kind == "zero":
        return T.ones((), dtype=getattr(T, dtype))
    return {"int": 2, "float": 1.5, "bool": True, "complex": 1 + 1j}[dtype]


PY = ["int", "float", "bool", "complex"]


def _complex32(a, kind, b, kb) -> bool:
    """float16 with a complex operand of a lower class is complex32 in torch (KNOWN_DIFFERENCES: no complex32)."""
    rank = {"dim": 2, "zero": 1, "py": 0}
    cplx = ("complex", "complex64", "complex128")
    return (a == "float16" and b in cplx and rank[kind] > rank[kb]) or (
        b == "float16" and a in cplx and rank[kb] > rank[kind])
# (kind of the second operand, its dtypes) for result_type: every rank class against every common dtype
RESULT_TYPE_OTHERS = [("dim", COMMON), ("zero", COMMON), ("py", PY)]
# `a + b` compiles one kernel per dtype pair, so it covers a smaller table (each promotion rule at least once)
ADD_OTHERS = [("dim", ["bool", "uint8", "int8", "float16", "complex64"]),
              ("zero", ["bool", "int64", "float64", "complex128"]), ("py", PY)]


@pytest.mark.parametrize("kind", ["dim", "zero"])
@pytest.mark.parametrize("a", COMMON)
@conformance()
def test_result_type(T, a, kind):
    """torch.result_type(a, b) and (b, a) for a tensor `a` against tensors of each rank class and Python scalars."""
    x = _operand(T, kind, a)
    out = []
    for kb, names in RESULT_TYPE_OTHERS:
        for b in names:
            if _complex32(a, kind, b, kb):
                continue
            y = _operand(T, kb, b)
            out.append((b, kb, T.result_type(x, y), T.result_type(y, x) if kb != "py" else None))
    return out


@pytest.mark.parametrize("kind", ["dim", "zero"])
@pytest.mark.parametrize("a", COMMON)
@conformance()
def test_add_result_dtype(T, a, kind):
    """The dtype of `a + b` (and of `scalar + a`): torch's promotion through an operator (bool+bool stays bool)."""
    x = _operand(T, kind, a)
    out = []
    for kb, names in ADD_OTHERS:
        for b in names if kind == "dim" or kb != "dim" else ():  # 0-dim + dim is covered as dim + 0-dim
            if _complex32(a, kind, b, kb):
                continue
            y = _operand(T, kb, b)
            out.append((b, kb, (x + y).dtype, (y + x).dtype if kb == "py" and kind == "dim" else None))
    return out


@conformance()
def test_float16_with_complex_scalar_is_complex32(T):
    """float16 tensor + complex Python scalar (or complex 0-dim tensor) is complex32 in torch."""
    h = T.ones(2, dtype=T.float16)
    return T.result_type(h, 1j), (h + T.ones((), dtype=T.complex64)).dtype


@conformance()
def test_result_type_scalar_scalar(T):
    """torch.result_type: a scalar never widens a tensor of the same category."""
    return (T.result_type(T.tensor(1), 2.5), T.result_type(T.tensor([1], dtype=T.uint8), 300),
            T.result_type(T.tensor([1.0], dtype=T.float16), 1e10))


@conformance()
def test_named_promotions(T):
    """The promotion cases people trip on."""
    i64, i32 = T.tensor([3, 4]), T.tensor([2, 3], dtype=T.int32)
    u8, i8 = T.tensor([200], dtype=T.uint8), T.tensor([-1], dtype=T.int8)
    h, b = T.tensor([1.0], dtype=T.float16), T.tensor([True, False])
    return (i64 / i64, (i64 / i64).dtype, i64 + i32, u8 + i8, b + b, h + T.tensor(2.0, dtype=T.float64),
            i64 + T.tensor(2.5, dtype=T.float64), i32 + T.tensor(7), i32 * 2.5, u8 + 100, b + 1, b * 1.5,
            h + 1e3, i32 + (1 + 2j), T.tensor(2, dtype=T.int32) + T.tensor(3, dtype=T.int64))


@conformance()
def test_uint8_wraps(T):
    """uint8 + Python int stays uint8 and wraps modulo 256."""
    u8 = T.tensor([200, 100], dtype=T.uint8)
    return u8 + 100, u8 * 2


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@conformance()
def test_int_true_division(T, dtype):
    """int / int is true division giving the default float dtype."""
    a = tensor(T, (2, 3), dtype=dtype)
    b = T.tensor([True, True, True]) if dtype == "bool" else T.tensor([1, 2, 3], dtype=getattr(T, dtype))
    return a / b, a / 2, T.div(a, b), a.true_divide(b)
