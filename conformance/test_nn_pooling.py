"""Conformance: pooling (max/avg/adaptive/LP pooling, max_unpool) in functional, top-level and module forms."""

import numpy as np
import pytest
from harness import conformance, data

SHAPES = {1: (2, 3, 7), 2: (2, 3, 7, 6), 3: (2, 2, 5, 4, 3)}


def pool_input(T, n, dtype="float32", unbatched=False, grad=True):
    """Input with ties (a plateau and repeated values): torch sends each window's gradient to its first maximum."""
    a = data(SHAPES[n], dtype="float64")
    a.reshape(-1)[::5] = 0.5
    a.reshape(-1)[: a.size // 4] = np.round(a.reshape(-1)[: a.size // 4])
    t = T.tensor(a).to(getattr(T, dtype))
    if unbatched:
        t = t[0]
    return t.requires_grad_(grad) if dtype.startswith("float") else t


def cotangent(T, shape, dtype="float32"):
    n = int(np.prod(shape))
    return T.tensor(np.linspace(0.5, 1.5, n).reshape(shape)).to(getattr(T, dtype))


def _id(n, kw):
    return f"{n}d" + "".join(f"-{k}={v}" for k, v in kw.items())


def run(T, y, x, dtype="float32"):
    out = y[0] if isinstance(y, tuple) else y
    (out * cotangent(T, out.shape, dtype)).sum().backward()
    return y, x.grad


MAX = [
    (1, {"kernel_size": 2}), (1, {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    (1, {"kernel_size": 2, "dilation": 2, "return_indices": True}),
    (2, {"kernel_size": 2}), (2, {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 0), "return_indices": True}),
    (2, {"kernel_size": 3, "stride": 2, "ceil_mode": True, "return_indices": True}),
    (2, {"kernel_size": 2, "stride": 1, "dilation": (2, 1), "padding": 1}),
    (3, {"kernel_size": 2, "return_indices": True}),
    (3, {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
]


@pytest.mark.parametrize("n,kw", MAX, ids=[_id(n, kw) for n, kw in MAX])
@conformance()
def test_max_pool(T, n, kw):
    x = pool_input(T, n)
    return run(T, getattr(T.nn.functional, f"max_pool{n}d")(x, **kw), x)


@pytest.mark.parametrize("n", [1, 2])
@conformance()
def test_max_pool_float64_unbatched_with_indices(T, n):
    x = pool_input(T, n, "float64", unbatched=True)
    y = getattr(T.nn.functional, f"max_pool{n}d_with_indices")(x, 2, 1, 1)
    return run(T, y, x, "float64")


@conformance()
def test_max_pool_int64_and_toplevel(T):
    x = pool_input(T, 2, "int64")
    x1 = pool_input(T, 1, grad=False)
    return (T.nn.functional.max_pool2d(x, 3, 2, 1, return_indices=True), T.max_pool2d(x, 2),
            T.max_pool1d(x1, 3, 2, ceil_mode=True), T.max_pool1d_with_indices(x1, 2), T.max_pool3d(x, 2))


AVG = [
    (1, {"kernel_size": 2}), (1, {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    (2, {"kernel_size": 2}), (2, {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    (2, {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False}),
    (2, {"kernel_size": (2, 3), "divisor_override": 5}),
    (3, {"kernel_size": 2, "stride": 1, "padding": 1, "count_include_pad": False}),
]


@pytest.mark.parametrize("n,kw", AVG, ids=[_id(n, kw) for n, kw in AVG])
@conformance()
def test_avg_pool(T, n, kw):
    x = pool_input(T, n)
    return run(T, getattr(T.nn.functional, f"avg_pool{n}d")(x, **kw), x)


@conformance()
def test_avg_pool_float64_unbatched_int64_toplevel(T):
    x = pool_input(T, 2, "float64", unbatched=True)
    y = run(T, T.nn.functional.avg_pool2d(x, 3, 2, 1, True, False), x, "float64")
    xi = pool_input(T, 2, "int64") * 7
    return y, T.nn.functional.avg_pool2d(xi, 3, 2, 1, True), T.avg_pool1d(pool_input(T, 1, grad=False), 3, 2, 1)


ADAPTIVE = [(1, 3), (1, 9), (2, 1), (2, (4, 3)), (2, (None, 5)), (3, (2, 3, 2))]


@pytest.mark.parametrize("n,size", ADAPTIVE, ids=[f"{n}d-{s}" for n, s in ADAPTIVE])
@conformance()
def test_adaptive_avg_pool(T, n, size):
    x = pool_input(T, n)
    return run(T, getattr(T.nn.functional, f"adaptive_avg_pool{n}d")(x, size), x)


@pytest.mark.parametrize("n,size", ADAPTIVE, ids=[f"{n}d-{s}" for n, s in ADAPTIVE])
@conformance()
def test_adaptive_max_pool(T, n, size):
    x = pool_input(T, n)
    return run(T, getattr(T.nn.functional, f"adaptive_max_pool{n}d")(x, size, return_indices=True), x)


@conformance()
def test_adaptive_float64_unbatched_toplevel(T):
    x = pool_input(T, 2, "float64", unbatched=True)
    y = T.nn.functional.adaptive_max_pool2d_with_indices(x, (3, 4))
    z = T.nn.functional.adaptive_avg_pool2d(x, (3, 4))
    (y[0] * 2 + z).sum().backward()
    x1 = pool_input(T, 1, grad=False)
    return y, z, x.grad, T.adaptive_avg_pool1d(x1, 4), T.adaptive_max_pool1d(x1, 4), \
        T.nn.functional.adaptive_max_pool2d(x.detach(), 0)


LP = [(1, {"norm_type": 2, "kernel_size": 2}), (2, {"norm_type": 3, "kernel_size": 2}),
      (2, {"norm_type": 1.5, "kernel_size": 3, "stride": 2, "ceil_mode": True}),
      (2, {"norm_type": float("inf"), "kernel_size": 2}), (3, {"norm_type": 2.0, "kernel_size": 2, "stride": 1})]


@pytest.mark.parametrize("n,kw", LP, ids=[_id(n, kw) for n, kw in LP])
@conformance()
def test_lp_pool(T, n, kw):
    x = pool_input(T, n, grad=False).abs().requires_grad_(True)
    return run(T, getattr(T.nn.functional, f"lp_pool{n}d")(x, **kw), x)


UNPOOL = [(1, {"kernel_size": 2}), (2, {"kernel_size": 2, "output_size": (7, 7)}),
          (2, {"kernel_size": 3, "stride": 1, "padding": 1}), (3, {"kernel_size": 2, "output_size": (2, 2, 5, 5, 3)})]


@pytest.mark.parametrize("n,kw", UNPOOL, ids=[_id(n, kw) for n, kw in UNPOOL])
@conformance()
def test_max_unpool(T, n, kw):
    x = pool_input(T, n)
    pool_kw = {k: v for k, v in kw.items() if k != "output_size"}
    values, indices = getattr(T.nn.functional, f"max_pool{n}d")(x, return_indices=True, **pool_kw)
    y = getattr(T.nn.functional, f"max_unpool{n}d")(values, indices, **kw)
    return run(T, y, x) + (indices,)


ERRORS = [
    ("pad_too_big", lambda T, x: T.nn.functional.max_pool2d(x, 2, padding=2)),
    ("output_too_small", lambda T, x: T.nn.functional.max_pool2d(x, 8)),
    ("zero_stride", lambda T, x: T.nn.functional.avg_pool2d(x, 2, 0)),
    ("kernel_len", lambda T, x: T.nn.functional.max_pool2d(x, (2, 2, 2))),
    ("rank", lambda T, x: T.nn.functional.max_pool2d(x[0, 0], 2)),
    ("bool", lambda T, x: T.nn.functional.max_pool2d(x > 0, 2)),
    ("divisor_zero", lambda T, x: T.nn.functional.avg_pool2d(x, 2, divisor_override=0)),
    ("empty_channels", lambda T, x: T.nn.functional.max_pool2d(x[:, :0], 2)),
    ("adaptive_rank", lambda T, x: T.nn.functional.adaptive_avg_pool2d(x[0, 0], 2)),
    ("adaptive_size_len", lambda T, x: T.nn.functional.adaptive_avg_pool2d(x, (2, 2, 2))),
    ("adaptive_int", lambda T, x: T.nn.functional.adaptive_max_pool2d(x.long(), 2)),
    ("unpool_output_size", lambda T, x: T.nn.functional.max_unpool2d(*T.nn.functional.max_pool2d(
        x, 2, return_indices=True), 2, output_size=(9, 9))),
    ("unpool_output_size_len", lambda T, x: T.nn.functional.max_unpool2d(*T.nn.functional.max_pool2d(
        x, 2, return_indices=True), 2, output_size=(6,))),
]


@pytest.mark.parametrize("name,fn", ERRORS, ids=[e[0] for e in ERRORS])
@conformance(errors=True)
def test_pool_errors(T, name, fn):
    return fn(T, pool_input(T, 2, grad=False))


# --- modules -------------------------------------------------------------------------------------------------------

# the same geometries as the functional tables above: module and functional calls share their kernels
MODULES = [
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}), ("MaxPool2d", (2,), {}),
    ("MaxPool2d", ((3, 2),), {"stride": (2, 1), "padding": (1, 0), "return_indices": True}),
    ("MaxPool3d", (2,), {"return_indices": True}), ("AvgPool1d", (3, 2, 1), {"count_include_pad": False}),
    ("AvgPool2d", (3, 2, 1), {"ceil_mode": True}), ("AvgPool2d", ((2, 3),), {"divisor_override": 5}),
    ("AvgPool3d", (2, 1, 1), {"count_include_pad": False}), ("LPPool1d", (2, 2), {}),
    ("LPPool2d", (1.5, 3, 2), {"ceil_mode": True}), ("LPPool3d", (2, 2, 1), {}), ("AdaptiveAvgPool1d", (3,), {}),
    ("AdaptiveAvgPool2d", ((None, 5),), {}), ("AdaptiveAvgPool3d", ((2, 3, 2),), {}),
    ("AdaptiveMaxPool1d", (9,), {"return_indices": True}), ("AdaptiveMaxPool2d", ((4, 3),), {"return_indices": True}),
    ("AdaptiveMaxPool3d", ((2, 3, 2),), {"return_indices": True}),
]


@pytest.mark.parametrize("cls,args,kw", MODULES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(MODULES)])
@conformance()
def test_pool_module(T, cls, args, kw):
    m = getattr(T.nn, cls)(*args, **kw)
    n = int(cls[-2])
    x = pool_input(T, n)
    if cls.startswith("LP"):
        x = x.detach().abs().requires_grad_(True)
    return run(T, m(x), x), repr(m), list(m.state_dict())


@pytest.mark.parametrize("n", [1, 2, 3])
@conformance()
def test_max_unpool_module(T, n):
    pool = getattr(T.nn, f"MaxPool{n}d")(2, return_indices=True)
    unpool = getattr(T.nn, f"MaxUnpool{n}d")(2)
    x = pool_input(T, n)
    values, indices = pool(x)
    y = unpool(values, indices, output_size=x.shape)
    return run(T, y, x), repr(unpool)


@conformance()
def test_max_pool_nan_inf_ties(T):
    """NaN wins (the last one scanned), a window of -inf keeps its first in-bounds position, ties go to the first."""
    a = np.zeros((1, 1, 4, 6))
    a[0, 0, 0, 1] = a[0, 0, 1, 0] = np.nan
    a[0, 0, :, 2:4] = -np.inf
    a[0, 0, 2:, 4:] = 3
    x = T.tensor(a, requires_grad=True)
    v, i = T.nn.functional.max_pool2d(x, 2, return_indices=True)
    v.sum().backward()
    return (v, i, x.grad, T.nn.functional.max_pool2d(x, 3, stride=1, padding=1, return_indices=True)[1],
            T.nn.functional.adaptive_max_pool2d(x, (3, 4), return_indices=True)[1])


@conformance()
def test_fractional_max_pool(T):
    """Window starts come from T.rand (same stream after manual_seed) or from explicit _random_samples."""
    T.manual_seed(3)
    x = pool_input(T, 2)
    v, i = T.nn.functional.fractional_max_pool2d(x, (3, 2), output_size=(4, 3), return_indices=True)
    run(T, v, x)
    m = T.nn.FractionalMaxPool3d(2, output_ratio=0.5)
    samples = T.tensor(data((1, 3, 2), low=0, high=1))
    fixed = T.nn.functional.fractional_max_pool2d_with_indices(x[0].detach(), 2, output_size=3,
                                                               _random_samples=samples)
    return v, i, x.grad, m(pool_input(T, 3, grad=False)), repr(m), list(m.state_dict()), fixed


@pytest.mark.parametrize("name,fn", [
    ("no_size", lambda T, x: T.nn.functional.fractional_max_pool2d(x, 2)),
    ("too_large", lambda T, x: T.nn.functional.fractional_max_pool2d(x, 3, output_size=6)),
    ("module_ratio", lambda T, x: T.nn.FractionalMaxPool2d(2, output_ratio=1.5)),
    ("module_both", lambda T, x: T.nn.FractionalMaxPool2d(2, output_size=2, output_ratio=0.5)),
], ids=["no_size", "too_large", "module_ratio", "module_both"])
@conformance(errors=True)
def test_fractional_errors(T, name, fn):
    return fn(T, pool_input(T, 2, grad=False))
