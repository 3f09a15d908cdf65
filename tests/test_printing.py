"""torchax._printing.format_tensor must print byte-for-byte what real torch's repr prints."""

import math

import ml_dtypes
import numpy as np
import pytest
import torch

from torchax import _printing

NAN, INF = math.nan, math.inf


def _expected_and_actual(t: torch.Tensor, **kwargs) -> tuple[str, str]:
    base = t.detach()
    if base.dtype == torch.bfloat16:
        array = base.float().numpy().astype(ml_dtypes.bfloat16)
    else:
        array = base.numpy()
    grad_fn = type(t.grad_fn).__name__ if t.grad_fn is not None else None
    actual = _printing.format_tensor(
        array,
        dtype_name=str(t.dtype).removeprefix("torch."),
        default_float=str(torch.get_default_dtype()).removeprefix("torch."),
        requires_grad=t.requires_grad,
        grad_fn=grad_fn,
        is_parameter=isinstance(t, torch.nn.Parameter),
        **kwargs,
    )
    return repr(t), actual


def check(t: torch.Tensor) -> None:
    expected, actual = _expected_and_actual(t)
    assert actual == expected, f"\n--- torch ---\n{expected}\n--- torchax ---\n{actual}"


@pytest.fixture
def restore_options():
    """Undo set_printoptions/set_default_dtype changes in both libraries."""
    torch_opts, ours = torch._tensor_str.get_printoptions(), _printing.get_printoptions()
    default = torch.get_default_dtype()
    yield
    torch.set_printoptions(**torch_opts)
    _printing.set_printoptions(**ours)
    torch.set_default_dtype(default)


def both_set(**kwargs) -> None:
    torch.set_printoptions(**kwargs)
    _printing.set_printoptions(**kwargs)


FLOAT_DTYPES = [torch.float16, torch.bfloat16, torch.float32, torch.float64]
INT_DTYPES = [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.uint16, torch.uint32, torch.uint64]
COMPLEX_DTYPES = [torch.complex64, torch.complex128]

FLOAT_VALUES = [
    3.5,
    [1.0, 2.0, 3.0],
    [1.5, -2.25, 3.125],
    [0.1, 0.2, 0.3333333],
    [-0.0, 0.0, 1.0],
    [-0.0, 0.5],
    [0.0, 0.0],
    [NAN, INF, -INF],
    [NAN, 1.0, -INF, 2.0],
    [NAN, 1.5, INF],
    [1e-5, 1.0],
    [1e10, 1.0],
    [1e9, 2e9],
    [123456.0, 0.001],
    [1e-8, 1e-9],
    [100.0, 1e5],
    [1e300, 1e-300],
    [[1.0, -2.5], [3.0, 4.0]],
    [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.5, 8.0]]],
    [[[[1.0, 2.0]], [[3.0, 4.0]]]],
    -7.0,
    1e20,
    NAN,
    -INF,
]


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("values", FLOAT_VALUES, ids=range(len(FLOAT_VALUES)))
def test_float_values(values, dtype):
    check(torch.tensor(values, dtype=dtype))


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("values", [5, [0, 1, 2], [[1, 20], [3, 4]], [[[7]]], [0, 100, 255]])
def test_int_values(values, dtype):
    check(torch.tensor(values).to(dtype))


@pytest.mark.parametrize("values", [[-5, 123, -100000], [-128, 127], [2**40, -(2**62)]])
def test_signed_ints(values):
    check(torch.tensor(values))


@pytest.mark.parametrize("values", [True, [True, False], [[False, False], [True, True]], [False]])
def test_bool(values):
    check(torch.tensor(values))


COMPLEX_VALUES = [
    1 + 2j,
    [1 + 2j, -3.5 - 0.5j],
    [complex(0.0, -0.0), complex(-0.0, 0.0)],
    [1e-6 + 1j, 1e6 - 2j],
    [[1 + 1j, 2], [3j, -4]],
    [complex(NAN, INF), 1.5 + 0j],
]


@pytest.mark.parametrize("dtype", COMPLEX_DTYPES)
@pytest.mark.parametrize("values", COMPLEX_VALUES, ids=range(len(COMPLEX_VALUES)))
def test_complex(values, dtype):
    check(torch.tensor(values, dtype=dtype))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + INT_DTYPES + COMPLEX_DTYPES + [torch.bool])
@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0, 1)])
def test_empty(shape, dtype):
    check(torch.zeros(shape, dtype=dtype))


def _random(shape, seed=0, scale=1.0):
    return torch.tensor(np.random.default_rng(seed).standard_normal(shape) * scale, dtype=torch.float32)


@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.arange(2000),
        lambda: torch.arange(2000, dtype=torch.float32),
        lambda: _random((50, 50)),
        lambda: _random((3, 500), seed=1, scale=1e5),
        lambda: _random((10, 10, 11), seed=2),
        lambda: _random((7, 8, 9, 3), seed=3),
        lambda: torch.arange(1001).reshape(7, 11, 13).float() / 7,
        lambda: _random((2000,), seed=4).to(torch.complex64),
        lambda: torch.arange(30).reshape(3, 10) > 12,
    ],
)
def test_large_summarized(make):
    check(make())


@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.arange(40, dtype=torch.float32) * 1.25,
        lambda: torch.arange(100) * 123456,
        lambda: _random((4, 30), seed=5),
        lambda: _random((60,), seed=6).to(torch.complex128),
        lambda: _random((3, 4, 5), seed=7, scale=1e-6),
        lambda: torch.arange(24).reshape(2, 3, 4).to(torch.int16),
    ],
)
def test_line_wrapping(make):
    check(make())


OPTION_SETS = [
    {"precision": 2},
    {"precision": 8},
    {"precision": 0},
    {"linewidth": 40},
    {"linewidth": 200},
    {"threshold": 5},
    {"threshold": 5, "edgeitems": 1},
    {"threshold": 5, "edgeitems": 0},
    {"edgeitems": 0},
    {"sci_mode": True},
    {"sci_mode": False},
    {"profile": "short"},
    {"profile": "full"},
    {"profile": "full", "sci_mode": True, "precision": 3},
]


@pytest.mark.parametrize("opts", OPTION_SETS, ids=[str(o) for o in OPTION_SETS])
@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.tensor([1.123456789, 22.5, -0.001]),
        lambda: torch.tensor([1e-7, 5.0]),
        lambda: torch.tensor(2.5),
        lambda: torch.tensor([1.0, 2.0]),
        lambda: torch.arange(20, dtype=torch.float64).reshape(4, 5) / 3,
        lambda: torch.arange(12),
        lambda: torch.arange(1200).reshape(30, 40),
        lambda: torch.tensor([1 + 2j, 3.25 - 1e-3j]),
    ],
)
def test_print_options(make, opts, restore_options):
    both_set(**opts)
    assert _printing.get_printoptions() == torch._tensor_str.get_printoptions()
    check(make())


def test_get_printoptions_matches_torch():
    assert _printing.get_printoptions() == torch._tensor_str.get_printoptions()


def test_printoptions_context_manager(restore_options):
    t = torch.tensor([1.123456])
    with _printing.printoptions(precision=1), torch._tensor_str.printoptions(precision=1):
        check(t)
        assert _printing.options.precision == 1
    assert _printing.get_printoptions() == torch._tensor_str.get_printoptions()
    check(t)


def test_set_printoptions_resets_sci_mode(restore_options):
    both_set(sci_mode=True)
    both_set(precision=3)  # omitting sci_mode restores automatic choice, as in torch
    assert _printing.options.sci_mode is None
    check(torch.tensor([1.0, 2.5]))


@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.tensor([1.0, 2.0], requires_grad=True),
        lambda: torch.tensor(3.0, requires_grad=True),
        lambda: torch.tensor([1.0, 2.0], requires_grad=True) + 1,
        lambda: torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True) * 2,
        lambda: torch.ones(2, 3, requires_grad=True).sum(0),
        lambda: torch.arange(60, dtype=torch.float16).reshape(3, 20).requires_grad_(),
        lambda: torch.nn.Parameter(torch.tensor([1.0, 2.5])),
        lambda: torch.nn.Parameter(torch.tensor([[1.0, 2.5]], dtype=torch.float64)),
        lambda: torch.nn.Parameter(torch.tensor([1.0, 2.5]), requires_grad=False),
        lambda: torch.nn.Parameter(torch.zeros(0, 2)),
    ],
)
def test_autograd_suffixes(make):
    check(make())


@pytest.mark.parametrize(
    "make",
    [
        lambda: torch.tensor([1.5, 2.0]),
        lambda: torch.tensor([1.5, 2.0], dtype=torch.float32),
        lambda: torch.tensor([1.5, 2.0], dtype=torch.bfloat16),
        lambda: torch.tensor([1 + 1j], dtype=torch.complex64),
        lambda: torch.tensor([1 + 1j], dtype=torch.complex128),
        lambda: torch.tensor([1, 2]),
        lambda: torch.zeros(0),
        lambda: torch.zeros(0, dtype=torch.float32),
        lambda: torch.zeros(0, dtype=torch.complex128),
        lambda: torch.tensor(7.25),
    ],
)
@pytest.mark.parametrize("default", [torch.float64, torch.float16, torch.bfloat16])
def test_other_default_dtype(make, default, restore_options):
    torch.set_default_dtype(default)
    check(make())


def test_device_suffix():
    t = torch.tensor([1.0, 2.0])
    expected = "tensor([1., 2.], device='cuda:0')"
    assert _printing.format_tensor(t.numpy(), dtype_name="float32", device="cuda:0") == expected
    t = torch.tensor([1, 2], dtype=torch.int32)
    expected = "tensor([1, 2], device='cuda:0', dtype=torch.int32, requires_grad=True)"
    got = _printing.format_tensor(t.numpy(), dtype_name="int32", device="cuda:0", requires_grad=True)
    assert got == expected


def test_long_suffixes_wrap(restore_options):
    both_set(linewidth=30)
    check(torch.arange(6, dtype=torch.float64).reshape(2, 3).requires_grad_() * 1)
    check(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float16, requires_grad=True))


def test_format_str_is_repr():
    t = torch.tensor([[1, 2], [3, 4]], dtype=torch.int8)
    assert _printing.format_str(t.numpy(), dtype_name="int8") == str(t)
