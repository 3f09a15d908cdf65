"""Conformance of the Tensor object protocol: attributes, Python conversions, numpy interop, pickling, dtype casts."""

import copy
import operator
import pickle
import warnings

import numpy as np
import pytest
from harness import conformance, tensor

DTYPES = ["float32", "float64", "int64", "int32", "bool", "float16", "bfloat16", "complex64", "uint8", "int8", "int16"]
SHAPES = [(), (0,), (3,), (2, 3), (2, 0, 4), (1, 2, 3, 1)]


def _quiet_numpy(fn):
    """numpy 2 warns that torch's __array__ lacks copy=; that warning is about torch's code, not behaviour."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return fn()


# --- attributes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES, ids=repr)
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "float16", "complex128"])
@conformance()
def test_attributes(T, dtype, shape):
    """shape/size()/size(d)/dim/ndim/numel/nelement/element_size/itemsize/nbytes/dtype/device/is_leaf/grad."""
    x = tensor(T, shape, dtype=dtype)
    sizes = [x.size(d) for d in range(-x.dim(), x.dim())]
    return (x.shape, x.size(), sizes, x.dim(), x.ndim, x.numel(), x.nelement(), x.element_size(), x.itemsize,
            x.nbytes, x.dtype, x.device, x.is_leaf, x.requires_grad, x.grad is None, x.is_floating_point(),
            x.is_complex(), T.is_floating_point(x), T.is_complex(x), T.numel(x), T.is_tensor(x), T.is_tensor(1),
            type(x.shape).__name__, x.is_cpu, x.layout == T.strided)


@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 4), (3,), ()], ids=repr)
@conformance()
def test_T_mT(T, shape):
    """.T reverses all dims (torch warns that it is deprecated for 0-dim and ndim > 2), .mT swaps the last two."""
    x = tensor(T, shape)
    out = [x.mT if x.dim() >= 2 else None]
    if x.dim() in (1, 2):
        out.append(x.T)
    else:
        with pytest.warns(UserWarning, match="deprecated"):
            out.append(x.T)
    return out


@conformance(errors=True)
def test_mT_of_1d_raises(T):
    """.mT needs at least 2 dims."""
    return tensor(T, (3,)).mT


@pytest.mark.parametrize("dim", [2, -3, 5])
@conformance(errors=True)
def test_size_bad_dim_raises(T, dim):
    """size(d) out of range raises IndexError."""
    return tensor(T, (2, 3)).size(dim)


@conformance()
def test_requires_grad_leaf_attributes(T):
    """requires_grad_ on a leaf: is_leaf stays True, grad is None."""
    x = tensor(T, (2,), grad=True)
    y = tensor(T, (2,))
    y.requires_grad_()
    z = tensor(T, (2,))
    z.requires_grad = True
    return x.is_leaf, x.requires_grad, x.grad is None, y.requires_grad, z.requires_grad, y.requires_grad_(False) is y


# --- Python scalars and lists ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_item(T, dtype):
    """item() returns a Python int/float/bool/complex by dtype; also for 1-element tensors of any rank."""
    x = tensor(T, (2, 2), dtype=dtype)
    return x[0, 1].item(), x[1:, :1].item(), x.reshape(-1)[2:3].item(), type(x[0, 0].item()).__name__


@pytest.mark.parametrize("shape", [(2,), (2, 2), (0,)], ids=repr)
@conformance(errors=True)
def test_item_of_many_raises(T, shape):
    """item() of a tensor with other than one element raises RuntimeError."""
    return tensor(T, shape).item()


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_tolist(T, dtype):
    """tolist() returns nested lists of Python scalars; 0-dim gives a scalar."""
    x = tensor(T, (2, 3), dtype=dtype)
    nested = x.tolist()
    return (nested, type(nested[0][0]).__name__, x[0, 0].tolist(), x[0].tolist(), x[:0].tolist(),
            tensor(T, (2, 1, 2), dtype=dtype).tolist())


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_numpy(T, dtype):
    """numpy() gives an ndarray of the same dtype and values (bfloat16 has no numpy dtype in torch: TypeError)."""
    x = tensor(T, (2, 3), dtype=dtype)
    if dtype == "bfloat16":
        return None
    a = x.numpy()
    return a, a.dtype.str, type(a).__name__, x[0, 1].numpy(), x.t().numpy(), x[:, 1:].numpy()


@conformance(errors=True)
def test_numpy_bfloat16_raises(T):
    """bfloat16.numpy() raises TypeError in torch."""
    return tensor(T, (2,), dtype="bfloat16").numpy()


@conformance(errors=True)
def test_numpy_requires_grad_raises(T):
    """numpy() of a tensor that requires grad raises RuntimeError."""
    return tensor(T, (2,), grad=True).numpy()


@conformance()
def test_numpy_detached_ok(T):
    """detach().numpy() of a requires-grad tensor works."""
    return tensor(T, (2,), grad=True).detach().numpy()


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "float64", "complex64"])
@conformance()
def test_np_asarray(T, dtype):
    """np.asarray(t), np.array(t), np.array(t) + 1, np.asarray(t, dtype=...) and numpy scalars * tensor."""
    x = tensor(T, (2, 3), dtype=dtype)
    a = np.asarray(x)
    b = _quiet_numpy(lambda: np.array(x))
    c = _quiet_numpy(lambda: np.array(x) + 1)
    d = _quiet_numpy(lambda: np.asarray(x, dtype=np.complex128 if x.is_complex() else np.float64))
    return a, b, c, d, type(a).__name__, type(c).__name__, np.asarray(x[0, 0]), np.asarray(x).shape


@conformance()
def test_numpy_scalar_times_tensor(T):
    """numpy scalar * tensor and tensor * ndarray give tensors."""
    x = tensor(T, (3,))
    r1 = np.float64(2) * x
    r2 = np.float32(3) + x
    r3 = _quiet_numpy(lambda: x * np.array([1.0, 2.0, 3.0]))
    return r1, r2, r3, type(r1).__name__, type(r3).__name__


@pytest.mark.parametrize("op", ["mul", "add"])
@conformance(errors=True)
def test_ndarray_op_tensor_raises(T, op):
    """ndarray * tensor / ndarray + tensor: numpy defers to torch, which raises TypeError."""
    x = tensor(T, (3,))
    a = np.array([1.0, 2.0, 3.0])
    return _quiet_numpy(lambda: a * x if op == "mul" else a + x)


# --- Python protocol ------------------------------------------------------------------------------


@conformance()
def test_len_iter(T):
    """len() is the first dim; iteration yields sub-tensors (rows) that are views."""
    x = tensor(T, (3, 2))
    rows = list(x)
    rows[1][0] = 100.0
    return len(x), len(x[0]), rows, x, [float(v) for v in x[0]], len(T.zeros(0, 3)), list(T.zeros(0))


@pytest.mark.parametrize("case", ["len", "iter", "list"])
@conformance(errors=True)
def test_len_iter_0dim_raises(T, case):
    """len() and iteration over a 0-dim tensor raise TypeError."""
    x = T.tensor(1.0)
    return {"len": len, "iter": iter, "list": list}[case](x)


@pytest.mark.parametrize("value", [0.0, 1.5, -2.0, float("nan"), 0, 3, True, False, 1j, 0j], ids=repr)
@conformance()
def test_scalar_conversions(T, value):
    """bool(), int(), float(), complex() of one-element tensors, 0-dim and 1-element multi-dim."""
    x = T.tensor(value)
    c = complex(x)
    out = [bool(x), bool(x.reshape(1, 1)), c.real, c.imag, type(c).__name__]  # parts: nan+0j != nan+0j
    if not x.is_complex():
        finite = value == value  # int(nan) raises ValueError in both
        out += [int(x) if finite else None, float(x), float(x.reshape(1)),
                type(int(x.reshape(1))).__name__ if finite else None]
    return out


@pytest.mark.parametrize("value", [2.7, -2.7, 0.5, -0.5, 1e10])
@conformance()
def test_int_truncates(T, value):
    """int(float tensor) truncates towards zero, in float32 and float64."""
    return int(T.tensor(value)), int(T.tensor(value, dtype=T.float64)), int(T.tensor([value]))


@pytest.mark.parametrize("case", ["bool_many", "bool_empty", "int_many", "float_many", "float_complex", "int_complex",
                                  "index_float", "index_many", "index_bool_many"])
@conformance(errors=True)
def test_scalar_conversion_errors(T, case):
    """bool() of many -> RuntimeError, int/float of many -> TypeError/ValueError, index of float -> TypeError."""
    many, f = T.tensor([1.0, 2.0]), T.tensor(1.5)
    return {
        "bool_many": lambda: bool(many), "bool_empty": lambda: bool(T.tensor([])), "int_many": lambda: int(many),
        "float_many": lambda: float(many), "float_complex": lambda: float(T.tensor(1j)),
        "int_complex": lambda: int(T.tensor(1 + 1j)), "index_float": lambda: operator.index(f),
        "index_many": lambda: operator.index(T.tensor([1, 2])), "index_bool_many": lambda: [0, 1][T.tensor([1, 0])],
    }[case]()


@conformance()
def test_index_protocol(T):
    """operator.index of integer tensors: list indexing, range, slicing, hex()."""
    i, b = T.tensor(2), T.tensor(True)
    return (operator.index(i), type(operator.index(i)).__name__, [10, 20, 30][i], list(range(i)), "abcd"[i:],
            hex(T.tensor(255)), operator.index(T.tensor([1])), operator.index(T.tensor(3, dtype=T.uint8)),
            [5, 6][b])


@conformance()
def test_format(T):
    """format(t, spec) on 0-dim tensors uses the Python scalar; f-strings of tensors use str()."""
    x, i = T.tensor(1.23456), T.tensor(7)
    v = T.tensor([1.5, -2.0])
    via_format = "{} {:.1f}".format(T.tensor(2.5), T.tensor(1.5, dtype=T.float64))  # noqa: UP032 - str.format path
    return (format(x, ".2f"), f"{x:.3e}", format(i, "04d"), f"{i:>5}", f"{x}", f"{v}", format(v, ""), f"{i!r}",
            format(T.tensor(True), ""), via_format)


@conformance(errors=True)
def test_format_spec_of_many_raises(T):
    """format(1-d tensor, '.2f') raises TypeError."""
    return format(T.tensor([1.5, 2.5]), ".2f")


@conformance()
def test_hash_identity(T):
    """Tensors hash by identity: usable as dict keys and set members even with equal values."""
    a, b = T.tensor([1.0]), T.tensor([1.0])
    d = {a: "a", b: "b"}
    s = {a, b, a}
    return hash(a) == hash(a), hash(a) != hash(b), len(d), d[a], d[b], len(s), a in s, a in d, T.tensor([1.0]) in d


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "float64", "bfloat16", "complex64", "float16"])
@conformance()
def test_pickle_round_trip(T, dtype):
    """pickle.dumps then loads within the same library keeps dtype, shape, values and requires_grad."""
    x = tensor(T, (2, 3), dtype=dtype)
    y = pickle.loads(pickle.dumps(x))
    g = pickle.loads(pickle.dumps(tensor(T, (2,), grad=True)))
    v = pickle.loads(pickle.dumps(x.t()))
    return y, y is x, g, g.requires_grad, g.is_leaf, v, type(y).__name__, pickle.loads(pickle.dumps(T.Size([2, 3])))


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
@conformance()
def test_deepcopy(T, dtype):
    """copy.deepcopy gives an independent tensor; copy.copy shares nothing visible either; memo is honoured."""
    x = tensor(T, (2, 3), dtype=dtype)
    y = copy.deepcopy(x)
    y[0, 0] = y[1, 1]
    pair = copy.deepcopy([x, x])
    g = copy.deepcopy(tensor(T, (2,), grad=True))
    return x, y, y is x, pair[0] is pair[1], g.requires_grad, g.is_leaf


# --- conversions ----------------------------------------------------------------------------------

CASTS = ["float", "double", "half", "bfloat16", "int", "long", "short", "char", "byte", "bool", "cfloat", "cdouble"]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool", "float16", "int32", "uint8"])
@conformance()
def test_cast_methods(T, dtype):
    """.float() .double() .half() .bfloat16() .int() .long() .short() .char() .byte() .bool() .cfloat() .cdouble()."""
    x = tensor(T, (2, 3), dtype=dtype)
    out = {name: getattr(x, name)() for name in CASTS if name != "byte"}
    out["byte"] = (x.abs() if x.is_floating_point() else x).byte()  # negative float -> uint8 is UB in torch
    return out


@conformance()
def test_float_to_int_truncates(T):
    """float -> int casts truncate towards zero."""
    x = T.tensor([2.7, -2.7, 0.5, -0.5, 100.9])
    return x.int(), x.long(), x.short(), x.char(), x.to(T.int64), x.type(T.int32), x.to(dtype=T.int16)


@conformance()
def test_cast_returns_self_when_same(T):
    """A cast to the tensor's own dtype returns the tensor itself."""
    f, i = T.tensor([1.0]), T.tensor([1])
    return (f.float() is f, f.to(T.float32) is f, i.long() is i, f.to(f.dtype) is f, f.to("cpu") is f,
            f.to(f) is f, f.to(T.device("cpu"), T.float32) is f, f.double() is f, f.to(T.float32, copy=True) is f,
            f.type(T.float32) is f, f.cpu() is f)


@conformance()
def test_to_forms(T):
    """to(dtype), to(other), to(device, dtype), to(dtype=...), type_as."""
    x, other = tensor(T, (2, 3)), T.tensor([1], dtype=T.int32)
    return (x.to(T.float64), x.to(other), x.to("cpu", T.float16), x.to(dtype=T.int64), x.to(device="cpu"),
            x.type_as(other), other.type_as(x), x.to(T.bool), x.to(T.complex64), T.tensor([1 + 2j]).to(T.complex128))


@conformance()
def test_complex_to_real_warns(T):
    """Casting complex to real drops the imaginary part with a UserWarning."""
    with pytest.warns(UserWarning, match="imaginary"):
        return T.tensor([1.5 + 2j]).to(T.float32)


@conformance()
def test_to_keeps_requires_grad_leaf(T):
    """to(dtype) of a leaf that requires grad gives a non-leaf that requires grad (attributes only)."""
    x = tensor(T, (2,), grad=True)
    y = x.to(T.float64)
    return y.requires_grad, y.is_leaf, x.to(T.float32) is x


# --- clone / copy_ / fill_ / zero_ ----------------------------------------------------------------


@conformance()
def test_clone_independent(T):
    """clone() is a new tensor with equal values; writes to it do not reach the source."""
    x = tensor(T, (2, 3))
    c = x.clone()
    c.zero_()
    return x, c, c is x, T.clone(x)


@pytest.mark.parametrize("src_dtype", ["float64", "int64", "bool", "float32", "float16"])
@conformance()
def test_copy_broadcast_and_cast(T, src_dtype):
    """copy_ broadcasts the source to the destination and casts its dtype; returns self."""
    dst = T.zeros(2, 3)
    r = dst.copy_(tensor(T, (3,), dtype=src_dtype))
    full = T.zeros(2, 3, dtype=T.int64).copy_(tensor(T, (2, 3), dtype=src_dtype))
    scalar = T.zeros(2, 3, dtype=T.float64).copy_(tensor(T, (), dtype=src_dtype))
    col = T.zeros(2, 3, dtype=T.bool).copy_(tensor(T, (2, 1), dtype=src_dtype))
    return r is dst, dst, full, scalar, col


@conformance(errors=True)
def test_copy_bad_shape_raises(T):
    """copy_ from a source that does not broadcast raises RuntimeError."""
    return T.zeros(2, 3).copy_(T.ones(4))


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "float16", "complex64"])
@conformance()
def test_fill_zero(T, dtype):
    """fill_ with Python and 0-dim tensor values (cast to the dtype), zero_; both return self."""
    x = tensor(T, (2, 3), dtype=dtype)
    r1 = x.fill_(1)
    a = x.clone()
    x.fill_(T.tensor(2.5)) if dtype != "bool" else x.fill_(T.tensor(True))
    b = x.clone()
    r2 = x.zero_()
    return r1 is x, r2 is x, a, b, x, T.zeros(3).fill_(True), T.zeros(3, dtype=T.int32).fill_(2.9)


@conformance(errors=True)
def test_fill_with_1d_raises(T):
    """fill_ with a non-0-dim tensor raises RuntimeError."""
    return T.zeros(3).fill_(T.tensor([1.0, 2.0, 3.0]))


# --- builtins that go through dunders -----------------------------------------------------------


@conformance()
def test_builtin_protocols(T):
    """`in`, reversed(), sum(), max(), sorted(), math.floor/ceil/isclose, abs() on tensors."""
    import math

    t = T.tensor([1.5, 2.5, 3.0])
    return (2.5 in t, T.tensor(3.0) in t, 7 in t, reversed(t), sum(t), max(t), sorted(T.tensor([3, 1, 2])),
            math.floor(T.tensor(2.5)), math.ceil(T.tensor(2.1)), math.isclose(T.tensor(1.0), 1.0), abs(T.tensor(-2)))


@pytest.mark.parametrize("case", ["contains_str", "contains_shape_mismatch", "round", "divmod", "trunc"])
@conformance(errors=True)
def test_builtin_protocol_errors(T, case):
    """'a' in t -> RuntimeError; round()/math.trunc()/divmod() of tensors -> TypeError."""
    import math

    t = T.tensor([1.5, 2.5, 3.0])
    return {"contains_str": lambda: "a" in t, "contains_shape_mismatch": lambda: T.tensor([1.0, 2.0]) in t,
            "round": lambda: round(T.tensor(2.567), 1), "divmod": lambda: divmod(T.tensor(7), 2),
            "trunc": lambda: math.trunc(T.tensor(2.7))}[case]()
