"""Conformance of torch.device objects, tensor device attributes, and CUDA queries on a machine without CUDA.

The reference is the CPU build of torch: these tests expect torchax to see no CUDA device either.
"""

import pickle

import pytest
from harness import conformance, tensor

DEVICE_ARGS = [("cpu",), ("cuda",), ("cuda:1",), ("cuda", 0), ("cuda", 3), ("cpu", 0), ("cpu:0",), ("meta",),
               ("cuda", None)]


@pytest.mark.parametrize("args", DEVICE_ARGS, ids=repr)
@conformance()
def test_device_object(T, args):
    """torch.device(...): repr, str, type, index, equality, hashing, type name."""
    d = T.device(*args)
    same = T.device(*args)
    return (d, repr(d), str(d), d.type, d.index, type(d.index).__name__, d == same, hash(d) == hash(same),
            d != T.device("cpu"), d == T.device("cuda", 1), type(d).__name__, isinstance(d, T.device),
            {d: 1}[same], T.device(d) == d)


@conformance()
def test_device_keywords_and_copy(T):
    """torch.device(type=, index=), device(device), pickling."""
    d = T.device(type="cuda", index=2)
    return (d, T.device(d), T.device(T.device("cpu")), pickle.loads(pickle.dumps(d)) == d,
            pickle.loads(pickle.dumps(T.device("cpu"))))


@conformance()
def test_device_equality_with_strings(T):
    """A device never compares equal to a string; 'cuda' and 'cuda:0' are different devices."""
    return (T.device("cuda:1") == "cuda:1", T.device("cpu") == "cpu", T.device("cuda") == T.device("cuda:0"),
            T.device("cpu") == T.device("cpu:0"), T.device("cpu") != T.device("cuda"), T.device("cpu") == 1)


BAD_DEVICES = {
    "unknown_type": ("gpu",),
    "upper_case": ("CPU",),
    "bad_index": ("cuda:x",),
    "negative_index_string": ("cuda:-1",),
    "negative_index": ("cuda", -1),
    "index_twice": ("cuda:1", 1),
    "empty": ("",),
    "two_colons": ("cuda:1:2",),
    "leading_space": (" cpu",),
    "leading_zero": ("cuda:01",),
    "space_in_index": ("cuda: 1",),
    "ordinal_without_accelerator": (0,),
    "negative_ordinal": (-1,),
}


@pytest.mark.parametrize("name", list(BAD_DEVICES))
@conformance(errors=True)
def test_device_bad_raises(T, name):
    """Malformed device strings and indices raise RuntimeError."""
    return T.device(*BAD_DEVICES[name])


@pytest.mark.parametrize("arg", [1.5, None, [0]], ids=repr)
@conformance(errors=True)
def test_device_bad_type_raises(T, arg):
    """Non-str/int device arguments raise TypeError."""
    return T.device(arg)


@conformance(errors=True)
def test_device_str_index_raises(T):
    """torch.device('cuda', '1') raises TypeError."""
    return T.device("cuda", "1")


# --- tensors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
@conformance()
def test_tensor_device_attributes(T, dtype):
    """t.device, t.get_device(), t.is_cuda, t.is_cpu, t.cpu() is t, t.to('cpu') is t."""
    t = tensor(T, (2, 3), dtype=dtype)
    return (t.device, str(t.device), t.device == T.device("cpu"), t.get_device(), t.is_cuda, t.is_cpu, t.cpu() is t,
            t.to("cpu") is t, t.to(T.device("cpu")) is t, t.to("cpu", copy=True) is t, t.to("cpu:0") is t, t.cpu(),
            t[0].device, t.t().get_device())


@conformance()
def test_creation_on_cpu(T):
    """device='cpu' and device=T.device('cpu') in creation ops and new_*."""
    cpu = T.device("cpu")
    x = T.zeros(2, device="cpu")
    return (x.device, T.ones(2, device=cpu).device, T.tensor([1.0], device="cpu").device,
            T.arange(3, device=cpu).device, T.full((2,), 1.0, device="cpu").device, x.new_zeros(3).device,
            T.zeros_like(x, device="cpu").device, T.empty(1, device="cpu:0").device, T.eye(2, device="cpu").device)


@conformance()
def test_cuda_queries(T):
    """torch.cuda.is_available() and device_count() on a machine without CUDA."""
    return T.cuda.is_available(), T.cuda.device_count()


CUDA_USES = {
    "zeros": lambda T: T.zeros(2, device="cuda"),
    "ones_index": lambda T: T.ones(2, device="cuda:0"),
    "empty_device_obj": lambda T: T.empty(2, device=T.device("cuda")),
    "tensor": lambda T: T.tensor([1.0], device="cuda"),
    "arange": lambda T: T.arange(3, device="cuda"),
    "method_cuda": lambda T: T.tensor([1.0]).cuda(),
    "to_cuda": lambda T: T.tensor([1.0]).to("cuda"),
    "to_cuda_index": lambda T: T.ones(2).to("cuda:0"),
    "to_device_obj": lambda T: T.ones(2).to(T.device("cuda", 0)),
    "current_device": lambda T: T.cuda.current_device(),
}


@pytest.mark.parametrize("name", list(CUDA_USES))
@conformance(errors=True)
def test_cuda_without_cuda_raises(T, name):
    """Using CUDA without CUDA raises AssertionError('Torch not compiled with CUDA enabled')."""
    return CUDA_USES[name](T)


@conformance()
def test_cuda_error_message(T):
    """The error message of creating on 'cuda' names the missing CUDA support."""
    try:
        T.zeros(1, device="cuda")
    except AssertionError as e:
        return type(e).__name__, str(e)
    return None
