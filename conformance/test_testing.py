"""torch.testing: assert_close (passing and failing comparisons: exception type and full message), make_tensor
(values from the seeded generator, shape, dtype, range, flags, errors) and the deprecated assert_allclose."""

import math

import numpy as np
import pytest
from harness import conformance, tensor


def outcome(fn):
    """(exception class name, message) of calling fn, or (None, '') when it passes; class paths in the message
    are written torch's way (`<class 'torchax._tensor.Tensor'>` is `<class 'torch.Tensor'>`)."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error is the result
        return type(e).__name__, str(e).replace("torchax._tensor.Tensor", "torch.Tensor").replace("torchax.", "torch.")
    return None, ""


def _t(T, values, dtype="float32"):
    return T.tensor(values, dtype=getattr(T, dtype))


# name -> body(T) returning (actual, expected, kwargs); every case runs under torch and torchax
CASES = {
    "equal_float": lambda T: (_t(T, [1.0, 2.0]), _t(T, [1.0, 2.0]), {}),
    "within_default_tol": lambda T: (_t(T, [1.0, 2.0]), _t(T, [1.0 + 1e-7, 2.0 - 5e-6]), {}),
    "float_mismatch": lambda T: (_t(T, [1.0, 2.0, 3.0]), _t(T, [1.0, 4.0, 5.0]), {}),
    "float64_mismatch": lambda T: (_t(T, [[1.0, 2.0], [3.0, 4.0]], "float64"),
                                   _t(T, [[1.0, 2.0], [3.0, 4.001]], "float64"), {}),
    "float16_within": lambda T: (_t(T, [1.0, 100.0], "float16"), _t(T, [1.0, 100.05], "float16"), {}),
    "bfloat16_mismatch": lambda T: (_t(T, [1.0, 2.0], "bfloat16"), _t(T, [1.0, 2.5], "bfloat16"), {}),
    "int_equal": lambda T: (_t(T, [1, 2], "int64"), _t(T, [1, 2], "int64"), {}),
    "int_mismatch": lambda T: (_t(T, [1, 2, 0], "int64"), _t(T, [1, 3, 0], "int64"), {}),
    "int_mismatch_zero_expected": lambda T: (_t(T, [5, 2], "int32"), _t(T, [0, 2], "int32"), {}),
    "bool_mismatch": lambda T: (_t(T, [True, False], "bool"), _t(T, [True, True], "bool"), {}),
    "uint8_mismatch": lambda T: (_t(T, [3, 200], "uint8"), _t(T, [3, 100], "uint8"), {}),
    "zero_dim_mismatch": lambda T: (_t(T, 1.0), _t(T, 1.5), {}),
    "zero_dim_int": lambda T: (_t(T, 3, "int64"), _t(T, 4, "int64"), {}),
    "nan_not_equal": lambda T: (_t(T, [1.0, math.nan]), _t(T, [1.0, math.nan]), {}),
    "nan_equal_nan": lambda T: (_t(T, [1.0, math.nan]), _t(T, [1.0, math.nan]), {"equal_nan": True}),
    "inf_equal": lambda T: (_t(T, [math.inf, -math.inf]), _t(T, [math.inf, -math.inf]), {}),
    "inf_sign": lambda T: (_t(T, [math.inf, 1.0]), _t(T, [-math.inf, 1.0]), {}),
    "complex_mismatch": lambda T: (_t(T, [1 + 1j, 2 + 0j], "complex64"), _t(T, [1 + 1j, 2 + 1j], "complex64"), {}),
    "custom_tol_pass": lambda T: (_t(T, [1.0, 2.0]), _t(T, [1.05, 2.0]), {"rtol": 0.1, "atol": 0.0}),
    "custom_tol_fail": lambda T: (_t(T, [1.0, 2.0]), _t(T, [1.05, 2.0]), {"rtol": 0.01, "atol": 0.01}),
    "zero_tol": lambda T: (_t(T, [1.0, 2.0]), _t(T, [1.0, 2.0000002]), {"rtol": 0, "atol": 0}),
    "only_rtol": lambda T: (_t(T, [1.0]), _t(T, [1.0]), {"rtol": 0.1}),
    "only_atol": lambda T: (_t(T, [1.0]), _t(T, [1.0]), {"atol": 0.1}),
    "shape": lambda T: (_t(T, [1.0, 2.0]), _t(T, [[1.0, 2.0]]), {}),
    "dtype": lambda T: (_t(T, [1.0, 2.0]), _t(T, [1.0, 2.0], "float64"), {}),
    "dtype_unchecked": lambda T: (_t(T, [1.0, 2.0]), _t(T, [1.0, 2.0], "float64"), {"check_dtype": False}),
    "dtype_unchecked_int_float": lambda T: (_t(T, [1, 2], "int64"), _t(T, [1.0, 2.5]), {"check_dtype": False}),
    "stride": lambda T: (tensor(T, (2, 3)).t().contiguous(), tensor(T, (2, 3)).t(), {"check_stride": True}),
    "stride_unchecked": lambda T: (tensor(T, (2, 3)).t().contiguous(), tensor(T, (2, 3)).t(), {}),
    "list_pass": lambda T: ([_t(T, [1.0]), 2, 3.5], [_t(T, [1.0]), 2, 3.5], {}),
    "list_length": lambda T: ([_t(T, [1.0]), 2], [_t(T, [1.0])], {}),
    "nested_item": lambda T: ([_t(T, [1.0]), {"a": _t(T, [2.0]), "b": 1}], [_t(T, [1.0]), {"a": _t(T, [2.5]), "b": 1}],
                              {}),
    "tuple_vs_list": lambda T: ((1, 2), [1, 2], {}),
    "dict_keys": lambda T: ({"a": 1, "b": 2}, {"a": 1, "c": 2}, {}),
    "dict_first_failure": lambda T: ({"b": 1, "a": 2}, {"b": 3, "a": 4}, {}),
    "size": lambda T: (T.zeros(2, 3).shape, T.Size([2, 4]), {}),
    "python_float": lambda T: (1.0, 1.0 + 1e-9, {}),
    "python_float_mismatch": lambda T: (1.0, 1.1, {}),
    "python_int_mismatch": lambda T: (1, 2, {}),
    "python_int_vs_float": lambda T: (1, 1.0, {}),
    "python_int_vs_float_unchecked": lambda T: (1, 1.0, {"check_dtype": False}),
    "python_complex": lambda T: (1 + 2j, 1 + 2.5j, {}),
    "python_nan": lambda T: (math.nan, math.nan, {}),
    "python_nan_equal": lambda T: (math.nan, math.nan, {"equal_nan": True}),
    "python_zero_expected": lambda T: (1e-3, 0.0, {}),
    "bools": lambda T: (True, False, {}),
    "numpy_bool": lambda T: (np.bool_(True), True, {}),
    "none": lambda T: (None, None, {}),
    "none_mismatch": lambda T: (None, 1, {}),
    "tensor_vs_scalar": lambda T: (_t(T, 1.0), 1.0, {}),
    "tensor_vs_numpy": lambda T: (_t(T, [1.0]), np.array([1.0], dtype=np.float32), {}),
    "numpy_pair": lambda T: (np.array([1.0, 2.0]), np.array([1.0, 2.5]), {}),
    "numpy_scalars": lambda T: (np.float32(1.0), np.float32(1.5), {}),
    "parameter_subclass": lambda T: (T.nn.Parameter(_t(T, [1.0])), _t(T, [1.0]), {}),
    "parameter_no_subclasses": lambda T: (T.nn.Parameter(_t(T, [1.0])), _t(T, [1.0]), {"allow_subclasses": False}),
    "msg_string": lambda T: (_t(T, [1.0]), _t(T, [2.0]), {"msg": "custom message"}),
    "msg_callable": lambda T: ([_t(T, [1.0])], [_t(T, [2.0])], {"msg": lambda m: f"Header\n\n{m}\n\nFooter"}),
    "msg_not_used_for_structure": lambda T: ([1], [1, 2], {"msg": "custom message"}),
    "requires_grad_ignored": lambda T: (_t(T, [1.0]).requires_grad_(), _t(T, [1.0]), {}),
    "empty": lambda T: (T.zeros(0, 3), T.zeros(0, 3), {}),
    "empty_shape": lambda T: (T.zeros(0, 3), T.zeros(3, 0), {}),
}


@pytest.mark.parametrize("case", CASES)
@conformance()
def test_assert_close(T, case):
    actual, expected, kwargs = CASES[case](T)
    return outcome(lambda: T.testing.assert_close(actual, expected, **kwargs))


@conformance()
def test_assert_close_unrelated_objects(T):
    class Box:
        def __eq__(self, other):
            return True

    kind, msg = outcome(lambda: T.testing.assert_close(Box(), Box()))
    return kind, msg.startswith("No comparison pair was able to handle inputs of type <class")


@pytest.mark.parametrize("case", ["pass", "fail", "tolerance", "int_vs_float", "nan"])
@conformance()
def test_assert_allclose_deprecated(T, case):
    actual, expected = {
        "pass": ([1.0, 2.0], [1.0, 2.0]),
        "fail": (_t(T, [1.0, 2.0]), [1.0, 3.0]),
        "tolerance": (_t(T, [1.0, 2.0]), _t(T, [1.00005, 2.0])),  # within its looser float32 rtol 1e-4
        "int_vs_float": (_t(T, [1, 2], "int64"), _t(T, [1.0, 2.0])),  # no dtype check
        "nan": (_t(T, [math.nan]), _t(T, [math.nan])),  # equal_nan defaults to True here
    }[case]
    with pytest.warns(FutureWarning, match=r"assert_allclose\(\)` is deprecated"):
        return outcome(lambda: T.testing.assert_allclose(actual, expected))


# --- make_tensor ----------------------------------------------------------------------------------------------------

MAKE = {
    "float32": dict(shape=((2, 3),), dtype="float32"),
    "float64": dict(shape=(4,), dtype="float64"),
    "float16": dict(shape=(2, 3), dtype="float16"),
    "bfloat16": dict(shape=((3, 2),), dtype="bfloat16"),
    "complex64": dict(shape=((2, 2),), dtype="complex64"),
    "int64": dict(shape=((2, 5),), dtype="int64"),
    "int32": dict(shape=((7,),), dtype="int32"),
    "int8": dict(shape=((7,),), dtype="int8"),
    "uint8": dict(shape=((7,),), dtype="uint8"),
    "bool": dict(shape=((3, 3),), dtype="bool"),
    "zero_dim": dict(shape=((),), dtype="float32"),
    "size_arg": dict(shape="size", dtype="float32"),
    "range": dict(shape=((20,),), dtype="float32", low=0.5, high=0.75),
    "int_range": dict(shape=((20,),), dtype="int64", low=-2.5, high=3.5),  # integer bounds round up
    "clamped": dict(shape=((4,),), dtype="uint8", low=-100, high=3),
    "huge_range": dict(shape=((4,),), dtype="float16", low=-1e6, high=1e6),  # clamped, then halved and doubled
    "requires_grad": dict(shape=((2,),), dtype="float32", requires_grad=True),
    "noncontiguous": dict(shape=((2, 3),), dtype="float32", noncontiguous=True),
    "noncontiguous_single": dict(shape=((1,),), dtype="float32", noncontiguous=True),
    "exclude_zero_int": dict(shape=((30,),), dtype="int8", low=-1, high=2, exclude_zero=True),
    "exclude_zero_bool": dict(shape=((10,),), dtype="bool", exclude_zero=True),
    "exclude_zero_float": dict(shape=((5,),), dtype="float32", low=0, high=1e-30, exclude_zero=True),
}


@pytest.mark.parametrize("case", MAKE)
@conformance()
def test_make_tensor(T, case):
    spec = dict(MAKE[case])
    shape, dtype = spec.pop("shape"), getattr(T, spec.pop("dtype"))
    shape = (T.Size([2, 3]),) if shape == "size" else shape
    T.manual_seed(0)
    t = T.testing.make_tensor(*shape, dtype=dtype, device="cpu", **spec)
    after = T.rand(2)  # the generator advanced by exactly torch's draws
    return t, t.is_contiguous(), t.requires_grad, t.is_leaf, after


@pytest.mark.parametrize("case", ["grad_int", "low_ge_high", "nan_low", "out_of_dtype", "noncontiguous_and_format",
                                  "bool_out_of_range"])
@conformance()
def test_make_tensor_errors(T, case):
    kwargs = {
        "grad_int": dict(dtype=T.int64, requires_grad=True),
        "low_ge_high": dict(dtype=T.float32, low=2, high=1),
        "nan_low": dict(dtype=T.float32, low=math.nan, high=1),
        "out_of_dtype": dict(dtype=T.uint8, low=-10, high=-5),
        "noncontiguous_and_format": dict(dtype=T.float32, noncontiguous=True, memory_format=object()),
        "bool_out_of_range": dict(dtype=T.bool, low=3, high=5),
    }[case]
    return outcome(lambda: T.testing.make_tensor((2, 2), device="cpu", **kwargs))


@conformance()
def test_make_tensor_low_equals_high_warns(T):
    T.manual_seed(0)
    with pytest.warns(FutureWarning, match="Passing `low==high`"):
        return T.testing.make_tensor((3,), dtype=T.float32, device="cpu", low=1.0, high=1.0)


@conformance()
def test_make_tensor_statistics(T):
    """Many draws: every value in [low, high) and the mean near the middle, as torch's are."""
    T.manual_seed(1)
    x = T.testing.make_tensor((1000,), dtype=T.float32, device="cpu", low=-3, high=5)
    i = T.testing.make_tensor((1000,), dtype=T.int64, device="cpu")
    return (bool(x.min() >= -3), bool(x.max() < 5), round(x.mean().item(), 1), int(i.min()), int(i.max()),
            i.unique().numel())
