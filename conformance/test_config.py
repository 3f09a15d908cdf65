"""The small things scripts touch: backends flags, version, threads, determinism, storages, class names."""

import pytest
from harness import conformance, tensor


@conformance()
def test_backends_flags(T):
    b = T.backends
    out = [b.cudnn.enabled, b.cudnn.benchmark, b.cudnn.deterministic, b.cudnn.version(), b.cudnn.is_available(),
           b.mps.is_available(), T.version.cuda, T.cuda.is_available()]
    b.cudnn.benchmark, b.cudnn.deterministic = True, True
    out += [b.cudnn.benchmark, b.cudnn.deterministic]
    b.cudnn.benchmark, b.cudnn.deterministic = False, False
    return out


@conformance()
def test_thread_and_determinism_switches(T):
    n = T.get_num_threads()
    T.set_num_threads(1)
    one = T.get_num_threads()
    T.set_num_threads(n)
    T.use_deterministic_algorithms(True, warn_only=True)
    det = (T.are_deterministic_algorithms_enabled(), T.is_deterministic_algorithms_warn_only_enabled())
    T.use_deterministic_algorithms(False)
    T.set_float32_matmul_precision("high")
    prec = T.get_float32_matmul_precision()
    T.set_float32_matmul_precision("highest")
    return one, det, prec, T.are_deterministic_algorithms_enabled(), T.get_float32_matmul_precision()


@conformance()
def test_bad_matmul_precision(T):
    with pytest.warns(UserWarning, match="has no effect"):
        T.set_float32_matmul_precision("fast")
    return T.get_float32_matmul_precision()


@conformance()
def test_set_default_tensor_type(T):
    with pytest.warns(UserWarning, match="set_default_tensor_type"):
        T.set_default_tensor_type(T.DoubleTensor)
    a = T.tensor([1.5]).dtype
    T.set_default_dtype(T.float32)
    return a, T.tensor([1.5]).dtype


@conformance()
def test_typename(T):
    return T.typename(T.ones(2)), T.typename(T.ones(2, dtype=T.int64)), T.typename(T.nn.Linear(2, 2)), \
        T.typename(3)


@conformance()
def test_storage_and_version(T):
    a = T.arange(6).view(2, 3)
    b = a[1:]
    with pytest.warns(UserWarning, match="TypedStorage is deprecated"):
        s = a.storage()
    text = str(s)
    v = [a._version, b._version]
    b.add_(1)
    v += [a._version, b._version]
    a.mul_(2)
    v += [a._version, b._version, T.zeros(2)._version]
    return (text, len(s), s.size(), s.tolist(), s[4], s.dtype, s.element_size(), s.nbytes(),
            s.data_ptr() == b.storage().data_ptr(), s.data_ptr() == T.arange(6).storage().data_ptr(), v,
            T.is_storage(s), T.is_storage(a))


@conformance()
def test_class_names(T):
    """Scripts print `type(e).__name__` and `type(t.grad_fn).__name__`: they are torch's."""
    x = tensor(T, (2, 3), grad=True)
    y = (x * 2).sum()
    names = [type(y.grad_fn).__name__, type(y.grad_fn.next_functions[0][0]).__name__]
    try:
        T.ones(2) + T.ones(3)
    except RuntimeError as e:
        names.append(type(e).__name__)
    try:
        T.ones(2).sum(5)
    except IndexError as e:
        names.append(type(e).__name__)
    try:
        T.empty(3, dtype=T.int64).normal_()
    except NotImplementedError as e:
        names.append(type(e).__name__)
    return names


@pytest.mark.parametrize("op", ["matmul", "mm", "bmm"])
@conformance(errors=True)
def test_matmul_out_dtype_must_match(T, op):
    x = T.ones(1, 2, 2, dtype=T.int64) if op == "bmm" else T.ones(2, 2, dtype=T.int64)
    return getattr(T, op)(x, x, out=T.empty(x.shape))


@conformance(errors=True)
def test_from_numpy_negative_strides(T):
    import numpy as np

    return T.from_numpy(np.ones(3)[::-1])


@conformance()
def test_cuda_device_context_type(T):
    return type(T.cuda.device(0)).__name__, T.cuda.device(0).idx


@conformance()
def test_range_as_index(T):
    x = tensor(T, (3, 4))
    y = x.clone()
    y[range(2), [1, 3]] = 0
    return x[range(3), [0, 1, 2]], x[range(1, 3)], y


@conformance()
def test_version_compares_as_a_version(T):
    """torch.__version__ is a TorchVersion: comparisons with strings and tuples are version comparisons."""
    v = T.__version__
    return (type(v).__name__, isinstance(v, str), v >= "2.9", v >= (2, 0), v < (2, 14), v > "2.13.0", v < "2.13.1",
            v > "2.13.0rc1", v == (2, 13, 0), v < "abc", T.torch_version.TorchVersion("2.13") == "2.13.0",
            T.version.__version__ == v)
