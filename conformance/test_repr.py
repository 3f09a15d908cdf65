"""Conformance of printing: repr/str/print of tensors (exact strings), print options, repr of Size/dtype/device/info."""

import contextlib
import io

import numpy as np
import pytest
from harness import conformance, data

NAN, INF = float("nan"), float("inf")

# name -> function T -> tensor
TENSORS = {
    "f32_1d": lambda T: T.tensor([1.5, -2.25, 3.0]),
    "f32_whole": lambda T: T.tensor([1.0, 2.0, -3.0]),
    "f32_2d": lambda T: T.tensor(data((2, 3))),
    "f32_3d": lambda T: T.tensor(data((2, 3, 4))),
    "f32_4d": lambda T: T.tensor(data((2, 2, 2, 3))),
    "f32_0dim": lambda T: T.tensor(3.25),
    "f32_0dim_whole": lambda T: T.tensor(4.0),
    "f32_neg_zero": lambda T: T.tensor([-0.0, 0.0, 1.0]),
    "f32_empty": lambda T: T.tensor([]),
    "f32_empty_2d": lambda T: T.zeros(2, 0),
    "f32_empty_3d": lambda T: T.zeros(0, 2, 3),
    "f32_nan_inf": lambda T: T.tensor([1.0, NAN, INF, -INF]),
    "f32_all_nan": lambda T: T.tensor([NAN, NAN]),
    "f32_inf_whole": lambda T: T.tensor([INF, 2.0]),
    "f32_sci_small": lambda T: T.tensor([1e-5, 1.0]),
    "f32_sci_large": lambda T: T.tensor([1e10, 1.0]),
    "f32_sci_both": lambda T: T.tensor([1e-10, 1e10, 3.0]),
    "f32_sci_whole_large": lambda T: T.tensor([1e8, 2.0]),
    "f32_range_1000": lambda T: T.tensor([0.001, 1000.0]),
    "f32_tiny": lambda T: T.tensor([1e-30]),
    "f32_zeros": lambda T: T.zeros(3),
    "f32_neg_sci": lambda T: T.tensor([-1e-5, 1.0]),
    "f32_rounding": lambda T: T.tensor([0.99999, 1.00001, 123.456789]),
    "f32_1e4": lambda T: T.tensor([10000.0, 0.5]),
    "f16_max": lambda T: T.tensor([65504.0, 1.0], dtype=T.float16),
    "f16_sci": lambda T: T.tensor([1e-4, 1e4], dtype=T.float16),
    "f32_neg_whole": lambda T: T.tensor([-1.0, -20.0]),
    "f32_mixed_sign_sci": lambda T: T.tensor([-1e-10, 1e10]),
    "f32_single": lambda T: T.tensor([5.0]),
    "f32_big_whole": lambda T: T.tensor([123456789.0]),
    "f32_5d": lambda T: T.tensor(data((1, 1, 1, 2, 2))),
    "f32_nested_empty": lambda T: T.zeros(2, 0, 3),
    "f64_summarized": lambda T: T.tensor(data((1200,), dtype="float64")),
    "i64_neg_2d": lambda T: T.tensor([[-1, 20], [300, -4000]]),
    "u8_2d": lambda T: T.tensor(data((2, 3), dtype="uint8")),
    "c128_0dim": lambda T: T.tensor(-1j, dtype=T.complex128),
    "c64_sci": lambda T: T.tensor([1e-6 + 1e6j, 1 + 1j]),
    "f32_summarized_1d": lambda T: T.arange(2000.0),
    "f32_summarized_2d": lambda T: T.tensor(data((100, 100))),
    "f32_summarized_3d": lambda T: T.tensor(data((12, 12, 12))),
    "f32_1000_not_summarized": lambda T: T.arange(1000.0),
    "f32_wide_wraps": lambda T: T.tensor(data((30,))),
    "f32_wide_2d_wraps": lambda T: T.tensor(data((2, 20))),
    "f32_transposed": lambda T: T.tensor(data((2, 3))).t(),
    "f32_sliced": lambda T: T.tensor(data((4, 4)))[1:, ::2],
    "f64": lambda T: T.tensor([1.5, 2.0], dtype=T.float64),
    "f64_0dim": lambda T: T.tensor(1.5, dtype=T.float64),
    "f64_precise": lambda T: T.tensor([1.0 / 3, 2.0 / 3], dtype=T.float64),
    "f64_empty": lambda T: T.zeros(0, dtype=T.float64),
    "f16": lambda T: T.tensor([1.5, -0.1], dtype=T.float16),
    "bf16": lambda T: T.tensor([1.5, -0.1], dtype=T.bfloat16),
    "i64": lambda T: T.tensor([1, -2, 3]),
    "i64_large": lambda T: T.tensor([1, 1000000, -5]),
    "i64_0dim": lambda T: T.tensor(7),
    "i64_extremes": lambda T: T.tensor([-(2 ** 63), 2 ** 63 - 1]),
    "i64_empty": lambda T: T.zeros(0, dtype=T.int64),
    "i64_summarized": lambda T: T.arange(3000),
    "i64_2d": lambda T: T.tensor(data((3, 4), dtype="int64")),
    "i32": lambda T: T.tensor([1, 2], dtype=T.int32),
    "i32_0dim": lambda T: T.tensor(5, dtype=T.int32),
    "i32_empty": lambda T: T.tensor([], dtype=T.int32),
    "i16": lambda T: T.tensor([1, -2], dtype=T.int16),
    "i8": lambda T: T.tensor([1, -2], dtype=T.int8),
    "u8": lambda T: T.tensor([0, 255], dtype=T.uint8),
    "bool": lambda T: T.tensor([True, False, True]),
    "bool_0dim": lambda T: T.tensor(False),
    "bool_2d": lambda T: T.tensor(data((2, 3), dtype="bool")),
    "bool_empty": lambda T: T.zeros(0, dtype=T.bool),
    "c64": lambda T: T.tensor([1 + 2j, -0.5j]),
    "c64_0dim": lambda T: T.tensor(1.5 - 2j),
    "c64_2d": lambda T: T.tensor(data((2, 2), dtype="complex64")),
    "c128": lambda T: T.tensor([1 + 2j], dtype=T.complex128),
    "c64_nan": lambda T: T.tensor([complex(NAN, 1), complex(1, INF)]),
    "requires_grad": lambda T: T.tensor([1.0, 2.0], requires_grad=True),
    "requires_grad_0dim": lambda T: T.tensor(1.5, requires_grad=True),
    "requires_grad_f64": lambda T: T.tensor([1.0], dtype=T.float64, requires_grad=True),
}


@pytest.mark.parametrize("name", list(TENSORS))
@conformance()
def test_tensor_repr(T, name):
    """repr(t), str(t) and print(t) give torch's exact strings."""
    t = TENSORS[name](T)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        print(t)
    return repr(t), str(t), out.getvalue()


@pytest.mark.parametrize("name", ["f32_2d", "f32_nan_inf", "f64_precise", "c64", "f32_sci_both", "f32_summarized_1d",
                                  "i64", "bool"])
@conformance()
def test_tensor_repr_in_containers(T, name):
    """Tensors inside lists/tuples/dicts and f-strings use the same repr."""
    t = TENSORS[name](T)
    return repr([t]), str((t, 1)), repr({"k": t}), f"{t}", f"{t!r}"


def _with_printoptions(T, fn, **options):
    T.set_printoptions(**options)
    try:
        return fn()
    finally:
        T.set_printoptions(profile="default")


PRINTOPTIONS = [
    {"precision": 2},
    {"precision": 6},
    {"precision": 0},
    {"profile": "full"},
    {"profile": "short"},
    {"threshold": 5},
    {"threshold": 5, "edgeitems": 1},
    {"linewidth": 40},
    {"sci_mode": True},
    {"sci_mode": False},
]


@pytest.mark.parametrize("options", PRINTOPTIONS, ids=repr)
@pytest.mark.parametrize("name", ["f32_2d", "f32_1000_not_summarized", "f32_summarized_1d", "f32_sci_both",
                                  "f64_precise", "i64_summarized", "c64_2d", "f32_wide_2d_wraps"])
@conformance()
def test_printoptions(T, name, options):
    """set_printoptions(precision/threshold/edgeitems/linewidth/sci_mode/profile) changes repr; defaults restore."""
    t = TENSORS[name](T)
    inside = _with_printoptions(T, lambda: repr(t), **options)
    return inside, repr(t)


@conformance()
def test_printoptions_full_summarized_restores(T):
    """After profile='full' and back to 'default', a large tensor is summarized again."""
    t = T.arange(1500.0)
    full = _with_printoptions(T, lambda: repr(t), profile="full")
    return len(full), full.count("\n"), repr(t)


# --- other objects ------------------------------------------------------------------------------


@conformance()
def test_size_repr(T):
    """repr/str of torch.Size, including empty and 1-element sizes."""
    sizes = [T.Size([2, 3]), T.Size([]), T.Size([1]), T.zeros(2, 0, 4).shape, T.tensor(1.0).shape]
    return [repr(s) for s in sizes], [str(s) for s in sizes], [f"{s}" for s in sizes]


@conformance()
def test_dtype_device_repr(T):
    """repr/str of dtypes and devices, also inside containers."""
    ds = [T.float32, T.float64, T.int64, T.bool, T.bfloat16, T.complex64, T.uint8, T.float]
    devs = [T.device("cpu"), T.device("cuda", 1), T.device("cuda")]
    return [repr(d) for d in ds], [str(d) for d in ds], repr(ds), [repr(d) for d in devs], [str(d) for d in devs], \
        repr(devs), f"{T.device('cpu')}"


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64", "complex64", "complex128"])
@conformance()
def test_finfo_repr(T, name):
    """repr/str of torch.finfo."""
    f = T.finfo(getattr(T, name))
    return repr(f), str(f)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
@conformance()
def test_iinfo_repr(T, name):
    """repr/str of torch.iinfo."""
    i = T.iinfo(getattr(T, name))
    return repr(i), str(i)


@conformance()
def test_repr_does_not_change_tensor(T):
    """Printing a view leaves values, dtype and the base untouched."""
    a = T.tensor(data((3, 3)))
    v = a.t()[1:]
    repr(v)
    str(a)
    return a, v, np.asarray(v).shape
