"""Conformance of tensor creation: tensor/as_tensor/asarray/from_numpy, factories, ranges, new_*, legacy types."""

import numpy as np
import pytest
from harness import conformance, data, tensor

NP_DTYPES = ["float16", "float32", "float64", "complex64", "complex128", "bool", "uint8", "int8", "int16", "int32",
             "int64"]
DTYPES = ["float32", "float64", "int64", "int32", "bool", "float16", "bfloat16", "complex64", "uint8"]


def _exact(t):
    """Values as exact strings (repr of each element), so float results must match bit for bit."""
    return [repr(v) for v in t.reshape(-1).tolist()], t.dtype, t.shape


# --- tensor() -----------------------------------------------------------------------------------

SCALARS_AND_LISTS = [
    1, 1.5, True, False, 1 + 2j, -3, 0.0, [1, 2, 3], [1.0, 2.0], [True, False], [1, 2.5], [True, 1], [True, 1.5],
    [1, 2j], [[1, 2], [3, 4]], [[[1.5]], [[2.5]]], (1, 2), ((1, 2), (3, 4)), [(1, 2), (3, 4)], [], (), [[]],
    [[], []], [2 ** 40], [-(2 ** 62)], [1e-30, 1e30], [float("nan"), float("inf"), -float("inf")],
]


@pytest.mark.parametrize("value", SCALARS_AND_LISTS, ids=repr)
@conformance()
def test_tensor_from_python(T, value):
    """torch.tensor(python scalar / (nested) list / tuple): dtype inference and values."""
    t = T.tensor(value)
    return t, t.dtype, t.shape, t.dim(), t.is_leaf, t.requires_grad


@pytest.mark.parametrize("dtype", NP_DTYPES)
@conformance()
def test_tensor_from_numpy_array(T, dtype):
    """torch.tensor(ndarray) keeps the ndarray's dtype (float64 stays float64) and copies."""
    arr = data((2, 3), dtype=dtype)
    t = T.tensor(arr)
    arr[0, 0] = 0  # a copy: later numpy writes do not show
    return t, T.tensor(arr[:, ::2]), T.tensor(arr.T), T.tensor(np.asarray(arr[0, 0]))


@pytest.mark.parametrize("value", [np.float64(1.5), np.float32(2.5), np.int32(3), np.int64(-4), np.bool_(True),
                                   np.uint8(7), np.float16(0.5), np.complex64(1j)], ids=repr)
@conformance()
def test_tensor_from_numpy_scalar(T, value):
    """torch.tensor(numpy scalar) takes the numpy scalar's dtype."""
    return T.tensor(value), T.tensor([value, value])


@conformance()
def test_tensor_from_list_of_numpy_scalars_and_tensors(T):
    """Lists mixing numpy scalars, 0-dim tensors and Python numbers."""
    return (T.tensor([np.float32(1), 2]), T.tensor([np.float64(1), 2.5]), T.tensor([T.tensor(1.5), T.tensor(2.5)]),
            T.tensor([np.int32(1), np.int32(2)]))


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_tensor_dtype_argument(T, dtype):
    """torch.tensor(data, dtype=...) casts Python and numpy data."""
    d = getattr(T, dtype)
    return (T.tensor([1.7, 2.2, 0.0], dtype=d), T.tensor(3, dtype=d), T.tensor([[True, False]], dtype=d),
            T.tensor(data((2,), dtype="float64", low=0), dtype=d), T.tensor([-1.5, 2], dtype=d) if d != T.uint8 else 0)


@conformance(errors=True)
def test_tensor_negative_to_uint8_raises(T):
    """A negative Python number does not fit uint8: RuntimeError."""
    return T.tensor([-2.2, 1.0], dtype=T.uint8)


@conformance()
def test_tensor_requires_grad(T):
    """torch.tensor(..., requires_grad=True) makes a leaf that requires grad (leaf attributes only)."""
    t = T.tensor([1.0, 2.0], requires_grad=True)
    return t.requires_grad, t.is_leaf, t.grad is None, t.dtype, T.tensor(1.0).requires_grad


@conformance(errors=True)
def test_tensor_requires_grad_int_raises(T):
    """Only floating and complex tensors can require gradients."""
    return T.tensor([1, 2], requires_grad=True)


@pytest.mark.parametrize("value", [[[1, 2], [3]], [1, [2]], [[1], 2], [[[1, 2]], [[3]]]], ids=repr)
@conformance(errors=True)
def test_tensor_ragged_raises(T, value):
    """Ragged nested lists raise ValueError."""
    return T.tensor(value)


@pytest.mark.parametrize("value", [[1, "a"], "abc", None, {1: 2}], ids=repr)
@conformance(errors=True)
def test_tensor_bad_data_raises(T, value):
    """Strings, None and dicts are not tensor data."""
    return T.tensor(value)


@conformance()
def test_tensor_from_tensor_copies(T):
    """torch.tensor(tensor) copies (torch warns to use clone().detach())."""
    a = T.tensor([1.0, 2.0])
    with pytest.warns(UserWarning, match="clone"):
        b = T.tensor(a)
    b[0] = 5
    return a, b, b is a


# --- as_tensor / asarray / from_numpy -----------------------------------------------------------


@conformance()
def test_as_tensor(T):
    """torch.as_tensor: returns the input itself when no dtype/device change is needed."""
    x = T.tensor([1.0, 2.0])
    y = T.as_tensor(x, dtype=T.float64)
    return (T.as_tensor(x) is x, T.as_tensor(x, dtype=T.float32) is x, T.as_tensor(x, device="cpu") is x,
            y is x, y, T.as_tensor([1, 2]), T.as_tensor(data((2,), dtype="float64")), T.as_tensor(3.5),
            T.as_tensor([1, 2], dtype=T.float16), T.as_tensor(np.int16(2)))


@conformance()
def test_asarray(T):
    """torch.asarray: lists, ndarrays, tensors (the same object without changes), dtype=, copy=."""
    x = T.tensor([1, 2, 3])
    return (T.asarray([1.5, 2]), T.asarray(data((2, 2), dtype="int32")), T.asarray(x) is x,
            T.asarray(x, dtype=T.float32), T.asarray(x, copy=True) is x, T.asarray(2), T.asarray([True]),
            T.asarray(data((3,), dtype="float64")))


@pytest.mark.parametrize("dtype", NP_DTYPES)
@conformance()
def test_from_numpy(T, dtype):
    """torch.from_numpy keeps the dtype and values of every supported ndarray dtype."""
    arr = data((2, 3), dtype=dtype)
    t = T.from_numpy(arr)
    return t, t.dtype, T.from_numpy(arr[0]), T.from_numpy(np.asarray(arr[0, 0]))


@conformance()
def test_from_numpy_tensor_is_a_whole_tensor(T):
    """A fresh from_numpy tensor (its first use is each line below) acts as any tensor: views written through,
    autograd, pickling, deepcopy, stack, metadata."""
    import copy
    import pickle

    a = data((3, 4))  # each tensor written to gets its own copy: torch's share `a`
    t = T.from_numpy(a.copy())
    v = t[1]
    v.mul_(2)
    u = T.from_numpy(a.copy()).t()
    u[0, 0] = 5.0
    w = T.from_numpy(a.copy()).requires_grad_()
    (w * w).sum().backward()
    d = T.from_numpy(a.copy()).detach()
    d.add_(1)
    big = T.from_numpy(np.tile(a, (200, 100)))
    return (t, v, u, w.grad, d, pickle.loads(pickle.dumps(T.from_numpy(a))), copy.deepcopy(T.from_numpy(a)),
            T.stack([T.from_numpy(a), T.from_numpy(a[0:3])]), T.from_numpy(a).dtype, T.from_numpy(a).shape,
            T.from_numpy(a).device, T.from_numpy(a).is_contiguous(), big.sum(), big.shape)


@pytest.mark.parametrize("kind", ["str", "object", "datetime"])
@conformance(errors=True)
def test_from_numpy_unsupported_raises(T, kind):
    """torch.from_numpy of an unsupported dtype raises TypeError."""
    arr = {"str": np.array(["a"]), "object": np.array([1, None], dtype=object),
           "datetime": np.array(["2020-01-01"], dtype="datetime64[D]")}[kind]
    return T.from_numpy(arr)


@conformance(errors=True)
def test_from_numpy_of_list_raises(T):
    """torch.from_numpy needs an ndarray."""
    return T.from_numpy([1, 2])


# --- factories ----------------------------------------------------------------------------------


def _sizes(T):
    return [(2, 3), ((2, 3),), ([2, 3],), (T.Size([2, 3]),), ((),), ([],), (0,), (2, 0), (4,)]


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
@conformance()
def test_factory_size_forms(T, name):
    """zeros/ones/empty accept sizes as varargs, tuple, list, torch.Size and size=."""
    fn = getattr(T, name)
    outs = [fn(*s) for s in _sizes(T)] + [fn(size=(2, 3)), fn(size=[1]), fn(2, 3, dtype=T.int32),
                                          fn((2,), dtype=T.bool), fn(3, dtype=T.float64)]
    if name == "empty":  # values are undefined: compare shapes and dtypes only
        return [(o.shape, o.dtype) for o in outs]
    return outs


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_zeros_ones_dtype(T, dtype):
    """zeros/ones of every dtype."""
    d = getattr(T, dtype)
    return T.zeros(2, 3, dtype=d), T.ones((3,), dtype=d), T.zeros((), dtype=d), T.ones(0, dtype=d)


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "float64", "complex64"])
@conformance()
def test_like_factories(T, dtype):
    """zeros_like/ones_like/empty_like/full_like/rand-free *_like keep shape and dtype; dtype= overrides."""
    x = tensor(T, (2, 3), dtype=dtype)
    e = T.empty_like(x)
    return (T.zeros_like(x), T.ones_like(x), (e.shape, e.dtype), T.full_like(x, 7), T.full_like(x, 2.5),
            T.zeros_like(x, dtype=T.float64), T.ones_like(x, dtype=T.int32), T.full_like(x, 1, dtype=T.bool),
            T.zeros_like(x).requires_grad)


@pytest.mark.parametrize("fill", [1, 1.5, True, 1 + 2j, -7, 0.0], ids=repr)
@conformance()
def test_full_dtype_inference(T, fill):
    """torch.full infers int -> int64, bool -> bool, float -> default float, complex -> complex64."""
    return T.full((2, 2), fill), T.full((1,), fill), T.full([], fill), T.full(T.Size([3]), fill)


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_full_dtype_argument(T, dtype):
    """torch.full(size, fill, dtype=...) casts the fill value."""
    return T.full((2,), 3, dtype=getattr(T, dtype)), T.full((2, 1), 1.5, dtype=getattr(T, dtype))


@conformance()
def test_full_size_keyword(T):
    """torch.full(size=..., fill_value=...)."""
    return T.full(size=(2,), fill_value=4), T.full((2,), fill_value=0.5)


# --- ranges -------------------------------------------------------------------------------------

ARANGE = [(5,), (0,), (2, 7), (2, 7, 2), (7, 2, -1), (7, 2, -2), (-3, 3), (0, 1, 0.1), (0, 1, 0.3), (1, 2.5),
          (2.5,), (0.5, 2), (-1, 1, 0.25), (1, 0, -0.1), (0, 10, 3), (0, -5, -1.5), (0, 0.3, 0.1), (1, 1)]


@pytest.mark.parametrize("args", ARANGE, ids=repr)
@conformance()
def test_arange(T, args):
    """torch.arange: dtype inference (all ints -> int64, else default float) and exact values."""
    return _exact(T.arange(*args))


@pytest.mark.parametrize("dtype", ["float64", "int32", "float16", "bfloat16", "int64", "uint8", "float32"])
@conformance()
def test_arange_dtype(T, dtype):
    """torch.arange(..., dtype=...) with int and float steps."""
    d = getattr(T, dtype)
    floating = d.is_floating_point  # a float step with an integer dtype is a torch quirk (zeros or ValueError)
    return (_exact(T.arange(6, dtype=d)), _exact(T.arange(0, 3, 0.5, dtype=d)) if floating else None,
            _exact(T.arange(1, 4, dtype=d)), _exact(T.arange(5, 0, -2, dtype=d)) if d != T.uint8 else None)


@conformance()
def test_arange_keywords(T):
    """torch.arange(start=, end=, step=) and end-only keyword."""
    return T.arange(start=1, end=4), T.arange(end=3), T.arange(0, 5, step=2), T.arange(T.tensor(3))


@pytest.mark.parametrize("args", [(0, 1, 0), (1, 0, 1), (0, 5, -1), (float("inf"),), (0, float("nan"))], ids=repr)
@conformance(errors=True)
def test_arange_bad_raises(T, args):
    """Zero step, inconsistent sign and non-finite bounds raise RuntimeError."""
    return T.arange(*args)


@pytest.mark.parametrize("steps", [0, 1, 2, 5, 7, 10, 100])
@conformance()
def test_linspace(T, steps):
    """torch.linspace: exact values for several step counts, increasing and decreasing, dtype=."""
    return (_exact(T.linspace(0, 1, steps)), _exact(T.linspace(-3.5, 2, steps)), _exact(T.linspace(5, -1, steps)),
            _exact(T.linspace(0, 1, steps, dtype=T.float64)), _exact(T.linspace(0, 10, steps, dtype=T.int64)),
            _exact(T.linspace(1, 1, steps)), _exact(T.linspace(0.1, 0.7, steps=steps)))


@pytest.mark.parametrize("steps", [0, 1, 2, 5, 10])
@conformance()
def test_logspace(T, steps):
    """torch.logspace: exact values, base=, dtype=."""
    return (_exact(T.logspace(0, 2, steps)), _exact(T.logspace(-1, 1, steps, base=2)),
            _exact(T.logspace(0, 3, steps, dtype=T.float64)), _exact(T.logspace(1, 0, steps, base=10.0)))


@conformance(errors=True)
def test_linspace_negative_steps_raises(T):
    """torch.linspace with negative steps raises RuntimeError."""
    return T.linspace(0, 1, -1)


@pytest.mark.parametrize("args", [(3,), (2, 4), (4, 2), (0,), (1, 1), (3, 0)], ids=repr)
@conformance()
def test_eye(T, args):
    """torch.eye(n, m) and dtype=."""
    return T.eye(*args), T.eye(*args, dtype=T.int64), T.eye(*args, dtype=T.bool)


@conformance(errors=True)
def test_eye_negative_raises(T):
    """torch.eye(-1) raises RuntimeError."""
    return T.eye(-1)


@conformance()
def test_scalar_tensor(T):
    """torch.scalar_tensor: 0-dim, default float dtype, dtype=."""
    return (T.scalar_tensor(3), T.scalar_tensor(True), T.scalar_tensor(2.5, dtype=T.float64),
            T.scalar_tensor(4, dtype=T.int64), T.scalar_tensor(-1.5).shape)


# --- new_* --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "int32", "float64", "bool", "float16"])
@conformance()
def test_new_factories(T, dtype):
    """Tensor.new_zeros/new_ones/new_full/new_empty/new_tensor inherit dtype; dtype= overrides."""
    x = tensor(T, (2, 2), dtype=dtype)
    e = x.new_empty((3,))
    return (x.new_zeros(3), x.new_zeros((2, 1)), x.new_ones([2]), x.new_ones(1, 2), x.new_full((2,), 1),
            x.new_full((2,), 2.5), (e.shape, e.dtype), x.new_tensor([1, 2]), x.new_tensor(3.5), x.new_tensor([True]),
            x.new_zeros(2, dtype=T.int64), x.new_tensor([1.5], dtype=T.float64), x.new_ones(()),
            x.new_zeros(2).requires_grad)


# --- legacy constructors ------------------------------------------------------------------------


@conformance()
def test_legacy_tensor_constructor(T):
    """T.Tensor(*sizes) / T.Tensor(list) / T.Tensor() are float32."""
    empty = T.Tensor(2, 3)
    return (empty.shape, empty.dtype, T.Tensor([1, 2]), T.Tensor(), T.Tensor([[1.5, 2]]), T.Tensor(T.Size([2])).shape,
            T.Tensor(0).shape)


@conformance()
def test_legacy_typed_constructors(T):
    """FloatTensor/DoubleTensor/LongTensor/IntTensor/BoolTensor/ByteTensor constructors."""
    return (T.FloatTensor([1, 2]), T.LongTensor(3).dtype, T.LongTensor(3).shape, T.IntTensor([1.7]),
            T.DoubleTensor([1]), T.BoolTensor([1, 0]), T.ByteTensor([1, 2]), T.LongTensor([[1, 2]]),
            T.HalfTensor([1.5]), T.ShortTensor([3]), T.CharTensor([-1]), T.FloatTensor(2, 2).shape)


@conformance()
def test_legacy_isinstance(T):
    """isinstance(t, T.FloatTensor) checks the dtype."""
    f, d, i = T.tensor([1.0]), T.tensor([1.0], dtype=T.float64), T.tensor([1])
    return (isinstance(f, T.FloatTensor), isinstance(d, T.FloatTensor), isinstance(d, T.DoubleTensor),
            isinstance(i, T.LongTensor), isinstance(i, T.IntTensor), isinstance(f, T.Tensor),
            isinstance(T.tensor([True]), T.BoolTensor))


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_type_string(T, dtype):
    """Tensor.type() names the legacy tensor type."""
    return tensor(T, (2,), dtype=dtype).type()


@conformance()
def test_type_conversion(T):
    """Tensor.type(T.IntTensor) and Tensor.type('torch.DoubleTensor') convert; same type returns self."""
    x = T.tensor([1.7, -2.5])
    return (x.type(T.IntTensor), x.type("torch.DoubleTensor"), x.type(T.float64), x.type(T.FloatTensor) is x,
            x.type("torch.LongTensor"), x.type(T.BoolTensor))


@conformance(errors=True)
def test_type_conversion_bad_string_raises(T):
    """Tensor.type('torch.NoSuchTensor') raises ValueError."""
    return T.tensor([1.0]).type("torch.NoSuchTensor")


# --- clone --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
@conformance()
def test_clone(T, dtype):
    """clone copies values and dtype; writes to the clone do not reach the original."""
    x = tensor(T, (2, 3), dtype=dtype)
    c = x.clone()
    c[0] = x[1]
    return x, c, T.clone(x), x.t().clone(), c is x


@conformance()
def test_clone_preserves_strides(T):
    """torch's clone (memory_format=preserve_format) keeps a transposed tensor's strides; empty_strided has them."""
    return T.zeros(2, 3).t().clone().stride(), T.empty_strided((2, 3), (1, 2)).stride()


# --- errors -------------------------------------------------------------------------------------

BAD_FACTORIES = {
    "zeros_negative": lambda T: T.zeros(-1),
    "ones_negative": lambda T: T.ones(2, -3),
    "empty_negative": lambda T: T.empty((2, -3)),
    "full_negative": lambda T: T.full((-1,), 1.0),
    "zeros_str": lambda T: T.zeros("a"),
    "zeros_no_size": lambda T: T.zeros(),
    "ones_float": lambda T: T.ones(2.5),
    "full_str_fill": lambda T: T.full((2,), "x"),
    "full_no_fill": lambda T: T.full((2,)),
    "zeros_bad_dtype": lambda T: T.zeros(2, dtype="float32"),
}


@pytest.mark.parametrize("name", list(BAD_FACTORIES))
@conformance(errors=True)
def test_factory_errors(T, name):
    """Negative sizes -> RuntimeError, non-int sizes and bad fill values -> TypeError."""
    return BAD_FACTORIES[name](T)


# --- dtype arguments ----------------------------------------------------------------------------


@conformance()
def test_python_type_as_dtype(T):
    """dtype=float is float64 (not the default dtype), int -> int64, bool -> bool, complex -> complex128."""
    return (T.zeros(2, dtype=float).dtype, T.zeros(2, dtype=int).dtype, T.ones(2, dtype=bool).dtype,
            T.tensor([1], dtype=complex).dtype, T.ones(2).to(float).dtype, T.arange(3, dtype=float).dtype,
            T.full((1,), 1, dtype=float).dtype, T.tensor([1.5]).to(int))


@pytest.mark.parametrize("case", ["zeros_np_dtype", "to_np_dtype", "tensor_np_dtype"])
@conformance(errors=True)
def test_numpy_dtype_as_dtype_raises(T, case):
    """A numpy dtype is not a torch dtype: TypeError."""
    return {"zeros_np_dtype": lambda: T.zeros(2, dtype=np.float32),
            "to_np_dtype": lambda: T.ones(2).to(np.float64),
            "tensor_np_dtype": lambda: T.tensor([1], dtype=np.int32)}[case]()


@conformance()
def test_misc_creation(T):
    """full with a 0-dim tensor fill, tensor(Size), empty_strided strides, new_tensor(tensor) warns."""
    with pytest.warns(UserWarning, match="new_tensor"):
        n = T.ones(2).new_tensor(T.tensor([1, 2]))
    e = T.empty_strided((2, 3), (1, 2))
    return (T.full((2,), T.tensor(1.5)), T.full((2,), T.tensor(3)).dtype, T.tensor(T.Size([2, 3])), n,
            e.shape, T.tensor([T.tensor(1), 2]))
