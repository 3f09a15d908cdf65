"""Conformance: convolutions (F.conv*/conv_transpose*, torch.conv*, nn.Conv*/ConvTranspose*/LazyConv*), unfold/fold."""

import warnings

import numpy as np
import pytest
from harness import conformance, fill_params, tensor

# one input shape per spatial rank, so kernels are shared across cases
SHAPES = {1: (2, 4, 7), 2: (2, 4, 6, 5), 3: (2, 4, 4, 5, 3)}


def cotangent(T, shape, dtype="float32"):
    """A non-uniform upstream gradient (a plain sum would hide transposition errors)."""
    n = int(np.prod(shape))
    return T.tensor(np.linspace(0.5, 1.5, n).reshape(shape)).to(getattr(T, dtype))


def _id(n, kw):
    return f"{n}d" + "".join(f"-{k}={v}" for k, v in kw.items())


CONV = [
    (1, {"stride": 2, "padding": 1}), (1, {"dilation": 2, "groups": 2, "padding": "same"}), (2, {}),
    (2, {"stride": (2, 1), "padding": (1, 2)}), (2, {"dilation": (1, 2), "groups": 2}),
    (2, {"padding": "same", "dilation": 2}), (2, {"padding": "valid", "stride": 2, "groups": 2, "bias": False}),
    (3, {"stride": 2, "padding": 1, "groups": 2}),
]


def conv_args(T, n, kw, dtype="float32", unbatched=False, grad=True):
    kw = dict(kw)
    groups = kw.get("groups", 1)
    shape = SHAPES[n][1:] if unbatched else SHAPES[n]
    x = tensor(T, shape, dtype=dtype, grad=grad)
    w = tensor(T, (6, 4 // groups) + (3, 2, 2)[:n], dtype=dtype, grad=grad, seed=1)
    b = None if kw.pop("bias", True) is False else tensor(T, (6,), dtype=dtype, grad=grad, seed=2)
    return x, w, b, kw


@pytest.mark.parametrize("n,kw", CONV, ids=[_id(n, kw) for n, kw in CONV])
@conformance()
def test_conv(T, n, kw):
    x, w, b, kw = conv_args(T, n, kw)
    y = getattr(T.nn.functional, f"conv{n}d")(x, w, b, **kw)
    (y * cotangent(T, y.shape)).sum().backward()
    return y, x.grad, w.grad, None if b is None else b.grad


F64 = [CONV[0], CONV[3], CONV[7]]


@pytest.mark.parametrize("n,kw", F64, ids=[_id(n, kw) for n, kw in F64])
@conformance()
def test_conv_float64_unbatched(T, n, kw):
    x, w, b, kw = conv_args(T, n, kw, dtype="float64", unbatched=True)
    y = getattr(T, f"conv{n}d")(x, w, b, **kw)  # the top-level form
    (y * cotangent(T, y.shape, "float64")).sum().backward()
    return y, x.grad, w.grad, b.grad


@conformance()
def test_conv_same_even_kernel(T):
    """padding='same' with an even kernel pads one more on the right (torch warns once per process)."""
    x, w, b, _ = conv_args(T, 2, {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y = T.nn.functional.conv2d(x, w[..., :2, :], b, padding="same")
    y.sum().backward()
    return y, x.grad, w.grad


@conformance()
def test_conv_int64(T):
    x = tensor(T, SHAPES[2], dtype="int64")
    w = tensor(T, (3, 4, 2, 2), dtype="int64", seed=1)
    return T.nn.functional.conv2d(x, w, stride=2), T.conv2d(x, w, padding=1)


TRANSPOSE = [
    (1, {}), (1, {"stride": 2, "output_padding": 1}), (1, {"padding": 1, "dilation": 2, "groups": 2}),
    (2, {}), (2, {"stride": (2, 3), "padding": (1, 0), "output_padding": (1, 2)}), (2, {"groups": 2, "bias": False}),
    (2, {"dilation": 2, "stride": 2, "output_padding": 1}), (3, {"stride": 2, "padding": 1, "groups": 2}),
]


def transpose_args(T, n, kw, dtype="float32", unbatched=False):
    kw = dict(kw)
    groups = kw.get("groups", 1)
    shape = SHAPES[n][1:] if unbatched else SHAPES[n]
    x = tensor(T, shape, dtype=dtype, grad=True)
    w = tensor(T, (4, 6 // groups) + (3, 2, 2)[:n], dtype=dtype, grad=True, seed=1)
    b = None if kw.pop("bias", True) is False else tensor(T, (6,), dtype=dtype, grad=True, seed=2)
    return x, w, b, kw


@pytest.mark.parametrize("n,kw", TRANSPOSE, ids=[_id(n, kw) for n, kw in TRANSPOSE])
@conformance()
def test_conv_transpose(T, n, kw):
    x, w, b, kw = transpose_args(T, n, kw)
    y = getattr(T.nn.functional, f"conv_transpose{n}d")(x, w, b, **kw)
    (y * cotangent(T, y.shape)).sum().backward()
    return y, x.grad, w.grad, None if b is None else b.grad


@conformance()
def test_conv_transpose_float64_unbatched_toplevel(T):
    x, w, b, kw = transpose_args(T, 2, TRANSPOSE[4][1], dtype="float64", unbatched=True)
    y = T.conv_transpose2d(x, w, b, **kw)
    (y * cotangent(T, y.shape, "float64")).sum().backward()
    return y, x.grad, w.grad, b.grad


ERRORS = [
    ("channels", lambda T, x, w: T.nn.functional.conv2d(x, w[:, :3])),
    ("groups", lambda T, x, w: T.nn.functional.conv2d(x, w, groups=3)),
    ("kernel_too_big", lambda T, x, w: T.nn.functional.conv2d(x[..., :2], w)),
    ("bad_padding_string", lambda T, x, w: T.nn.functional.conv2d(x, w, padding="full")),
    ("same_strided", lambda T, x, w: T.nn.functional.conv2d(x, w, padding="same", stride=2)),
    ("negative_padding", lambda T, x, w: T.nn.functional.conv2d(x, w, padding=-1)),
    ("zero_stride", lambda T, x, w: T.nn.functional.conv2d(x, w, stride=0)),
    ("stride_len", lambda T, x, w: T.nn.functional.conv2d(x, w, stride=(1, 1, 1))),
    ("float_padding", lambda T, x, w: T.nn.functional.conv2d(x, w, padding=1.5)),
    ("input_rank", lambda T, x, w: T.nn.functional.conv2d(x[0, 0], w)),
    ("dtype_mismatch", lambda T, x, w: T.nn.functional.conv2d(x.double(), w)),
    ("bias_size", lambda T, x, w: T.nn.functional.conv2d(x, w, T.zeros(5))),
    ("transpose_channels", lambda T, x, w: T.nn.functional.conv_transpose2d(x, w)),
    ("transpose_output_padding", lambda T, x, w: T.nn.functional.conv_transpose2d(x, w.transpose(0, 1), stride=2,
                                                                                  output_padding=2)),
    ("transpose_string_padding", lambda T, x, w: T.nn.functional.conv_transpose2d(x, w.transpose(0, 1),
                                                                                  padding="same")),
]


@pytest.mark.parametrize("name,fn", ERRORS, ids=[e[0] for e in ERRORS])
@conformance(errors=True)
def test_conv_errors(T, name, fn):
    x = tensor(T, SHAPES[2])
    w = tensor(T, (6, 4, 3, 3), seed=1)
    return fn(T, x, w)


# --- modules -------------------------------------------------------------------------------------------------------

MODULES = [
    ("Conv1d", (4, 6, 3), {"padding": 2, "padding_mode": "circular"}),
    ("Conv2d", (4, 6, 3), {"stride": 2, "padding": 1, "bias": False}),
    ("Conv2d", (4, 6, (3, 2)), {"padding": (1, 2), "padding_mode": "reflect", "groups": 2}),
    ("Conv2d", (4, 6, 3), {"padding": "same", "padding_mode": "replicate", "dilation": 2}),
    ("ConvTranspose1d", (4, 6, 3), {"stride": 2, "output_padding": 1}),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1, "groups": 2, "bias": False}),
]


@pytest.mark.parametrize("cls,args,kw", MODULES, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(MODULES)])
@conformance()
def test_conv_module(T, cls, args, kw):
    m = fill_params(T, getattr(T.nn, cls)(*args, **kw))
    n = int(cls[-2])
    x = tensor(T, SHAPES[n], grad=True)
    y = m(x)
    (y * cotangent(T, y.shape)).sum().backward()
    y1 = m(x[0].detach()) if "padding_mode" in kw else None  # unbatched, through F.pad
    return (y, y1, x.grad, m.weight.grad, None if m.bias is None else m.bias.grad, repr(m), list(m.state_dict()),
            m._reversed_padding_repeated_twice if hasattr(m, "_reversed_padding_repeated_twice") else None)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@conformance()
def test_conv_module_default_init(T, dtype):
    """reset_parameters draws kaiming_uniform_(a=sqrt(5)) then the bias, as torch (same RNG stream)."""
    T.manual_seed(0)
    dt = getattr(T, dtype)
    ms = [T.nn.Conv2d(4, 6, 3, dtype=dt), T.nn.ConvTranspose2d(4, 6, 3, groups=2, dtype=dt),
          T.nn.Conv1d(2, 3, 2, bias=False, dtype=dt)]
    return [p for m in ms for p in m.parameters()]


@conformance()
def test_conv_transpose_output_size(T):
    m = fill_params(T, T.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1))
    x = tensor(T, SHAPES[2], grad=True)
    y = m(x, output_size=[12, 10])
    y.sum().backward()
    y2 = m(x, output_size=(2, 6, 11, 9))
    y3 = m(x[0].detach(), output_size=[6, 12, 10])  # unbatched: (C, H, W)
    return y, y2, y3, x.grad


MODULE_ERRORS = [
    ("groups_in", lambda T: T.nn.Conv2d(4, 6, 3, groups=3)),
    ("groups_out", lambda T: T.nn.Conv2d(4, 6, 3, groups=4)),
    ("groups_zero", lambda T: T.nn.Conv2d(4, 6, 3, groups=0)),
    ("padding_string", lambda T: T.nn.Conv2d(4, 6, 3, padding="full")),
    ("same_strided", lambda T: T.nn.Conv2d(4, 6, 3, padding="same", stride=2)),
    ("padding_mode", lambda T: T.nn.Conv2d(4, 6, 3, padding_mode="mirror")),
    ("transpose_padding_mode", lambda T: T.nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect")),
    ("output_size_range", lambda T: T.nn.ConvTranspose2d(4, 6, 3, stride=2)(tensor(T, SHAPES[2]),
                                                                             output_size=[20, 20])),
    ("output_size_len", lambda T: T.nn.ConvTranspose2d(4, 6, 3)(tensor(T, SHAPES[2]), output_size=[8])),
    ("wrong_channels", lambda T: T.nn.Conv2d(3, 6, 3)(tensor(T, SHAPES[2]))),
]


@pytest.mark.parametrize("name,fn", MODULE_ERRORS, ids=[e[0] for e in MODULE_ERRORS])
@conformance(errors=True)
def test_conv_module_errors(T, name, fn):
    return fn(T)


@conformance()
def test_lazy_conv(T):
    T.manual_seed(0)
    m = T.nn.LazyConv2d(6, 3, padding=1)
    t = T.nn.LazyConvTranspose1d(3, 2, stride=2)
    before = (repr(m), repr(t))
    y = m(tensor(T, SHAPES[2]))
    z = t(tensor(T, SHAPES[1]))
    return before, y, z, repr(m), repr(t), type(m).__name__, m.weight, m.bias, t.weight


# --- unfold / fold -------------------------------------------------------------------------------------------------

FOLD = [{"kernel_size": (2, 3), "stride": (2, 1), "padding": 1},
        {"kernel_size": 3, "dilation": (2, 1), "padding": (1, 0)}]


@pytest.mark.parametrize("kw", FOLD, ids=[str(i) for i in range(len(FOLD))])
@conformance()
def test_unfold_fold(T, kw):
    x = tensor(T, SHAPES[2], grad=True)
    cols = T.nn.functional.unfold(x, **kw)
    back = T.nn.functional.fold(cols, (6, 5), **kw)
    (back * cotangent(T, back.shape)).sum().backward()
    m, f = T.nn.Unfold(**kw), T.nn.Fold((6, 5), **kw)
    unbatched = f(m(x[0].detach()))
    return cols, back, x.grad, unbatched, repr(m), repr(f)


@conformance()
def test_unfold_float64(T):
    x = tensor(T, SHAPES[2], dtype="float64", grad=True)
    y = T.nn.functional.unfold(x, 2, stride=2)
    y.sum().backward()
    return y, x.grad


FOLD_ERRORS = [
    ("unfold_rank", lambda T: T.nn.functional.unfold(tensor(T, (4, 5)), 2)),
    ("unfold_kernel", lambda T: T.nn.functional.unfold(tensor(T, SHAPES[2]), 7)),
    ("fold_divisible", lambda T: T.nn.functional.fold(tensor(T, (2, 5, 4)), (3, 3), 2)),
    ("fold_blocks", lambda T: T.nn.functional.fold(tensor(T, (2, 8, 5)), (3, 3), 2)),
    ("fold_stride", lambda T: T.nn.functional.fold(tensor(T, (2, 8, 4)), (3, 3), 2, stride=0)),
]


@pytest.mark.parametrize("name,fn", FOLD_ERRORS, ids=[e[0] for e in FOLD_ERRORS])
@conformance(errors=True)
def test_fold_errors(T, name, fn):
    return fn(T)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@conformance()
def test_conv_half(T, dtype):
    x, w, b, _ = conv_args(T, 2, {}, grad=False)
    d = getattr(T, dtype)
    return T.nn.functional.conv2d(x.to(d), w.to(d), b.to(d), padding=1)


@pytest.mark.parametrize("kw", [{}, {"stride": 2, "padding": 1, "dilation": 2}])
@conformance(rtol=1e-5, atol=2e-3)  # float32 sums of ~23k products of O(1) values: torch and XLA round differently
def test_conv2d_large_plane_grads(T, kw):
    """Planes large enough for the CPU's chunked weight-gradient lowering."""
    x, w, b = (tensor(T, (20, 3, 36, 36), grad=True), tensor(T, (24, 3, 3, 3), grad=True, seed=1),
               tensor(T, (24,), grad=True, seed=2))
    y = T.nn.functional.conv2d(x, w, b, **kw)
    c = tensor(T, tuple(y.shape), seed=3, low=-1, high=1)
    gx, gw, gb = T.autograd.grad((y * c).sum(), (x, w, b))
    return y, gx, gw, gb


@conformance(rtol=1e-5, atol=1e-3)
def test_conv2d_eigen_rows_grads(T):
    """>= 16 input channels, unpadded, a 16x16 output: the CPU forward padded onto Eigen and the chunked weight
    gradient; forward, both gradients and a double backward."""
    x, w = tensor(T, (2, 16, 18, 18), grad=True), tensor(T, (17, 16, 3, 3), grad=True, seed=1)
    y = T.nn.functional.conv2d(x, w)
    c = tensor(T, tuple(y.shape), seed=3, low=-1, high=1)
    gx, gw = T.autograd.grad((y * c).sum(), (x, w), create_graph=True)
    ggx, = T.autograd.grad((gw * gw).sum(), x)
    return y, gx, gw, ggx
