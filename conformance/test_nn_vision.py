"""Conformance: F.pad, interpolate/upsample*, grid_sample, affine_grid, pixel/channel shuffle, and their modules."""

import warnings

import numpy as np
import pytest
from harness import conformance, data, tensor

SHAPES = {1: (2, 3, 6), 2: (2, 3, 5, 6), 3: (2, 2, 3, 4, 5)}


def cotangent(T, shape, dtype="float32"):
    n = int(np.prod(shape))
    return T.tensor(np.linspace(0.5, 1.5, n).reshape(shape)).to(getattr(T, dtype))


def run(T, y, *inputs, dtype="float32"):
    (y * cotangent(T, y.shape, dtype)).sum().backward()
    return (y, *(x.grad for x in inputs))


# --- pad -----------------------------------------------------------------------------------------------------------

PAD = [
    ("constant", 1, (1, 2)), ("constant", 2, (2, 0, -1, 1)), ("constant", 3, (1, 1, 0, 2, 1, 0)),
    ("constant", 2, (1, 0, 0, 0, 2, 1)),
    ("reflect", 1, (2, 3)), ("reflect", 2, (1, 2, 2, -1)), ("reflect", 3, (1, 1, 2, 0, 0, 1)),
    ("replicate", 1, (3, -1)), ("replicate", 2, (1, 2, 3, 0)), ("replicate", 3, (2, 0, 1, 1, 0, 2)),
    ("circular", 1, (2, 1)), ("circular", 2, (1, -2, 2, 3)), ("circular", 3, (1, 0, 1, 2, 0, 1)),
]


@pytest.mark.parametrize("mode,n,pad", PAD, ids=[f"{m}-{n}d-{p}" for m, n, p in PAD])
@conformance()
def test_pad(T, mode, n, pad):
    x = tensor(T, SHAPES[n], grad=True)
    y = T.nn.functional.pad(x, pad, mode)
    unbatched = T.nn.functional.pad(x[0].detach(), pad, mode) if n == 2 and mode != "constant" else None
    return run(T, y, x) + (unbatched,)


@conformance()
def test_pad_value_dtypes(T):
    x = tensor(T, SHAPES[2], dtype="float64", grad=True)
    y = run(T, T.nn.functional.pad(x, (1, 1, 2, 0), value=-1.5), x, dtype="float64")
    i = tensor(T, SHAPES[2], dtype="int64")
    b = tensor(T, SHAPES[2], dtype="bool")
    return (y, T.nn.functional.pad(i, (1, 1), value=2.7), T.nn.functional.pad(b, (0, 1), value=1),
            T.nn.functional.pad(i, (1, 1, 1, 1), "reflect"), T.nn.functional.pad(x.detach(), []),
            T.constant_pad_nd(i, (1, 2), 3))


PAD_ERRORS = [
    ("odd_length", lambda T, x: T.nn.functional.pad(x, (1, 2, 3))),
    ("too_long", lambda T, x: T.nn.functional.pad(x, (1,) * 10)),
    ("negative_size", lambda T, x: T.nn.functional.pad(x, (-4, -4))),
    ("reflect_value", lambda T, x: T.nn.functional.pad(x, (1, 1), "reflect", value=1.0)),
    ("reflect_too_big", lambda T, x: T.nn.functional.pad(x, (6, 1), "reflect")),
    ("circular_twice", lambda T, x: T.nn.functional.pad(x, (7, 1), "circular")),
    ("unknown_mode", lambda T, x: T.nn.functional.pad(x, (1, 1), "mirror")),
    ("mode_rank", lambda T, x: T.nn.functional.pad(x, (1, 1, 1, 1, 1, 1, 1, 1), "reflect")),
    ("replicate_bool", lambda T, x: T.nn.functional.pad(x > 0, (1, 1, 1, 1), "replicate")),
    ("float_pad", lambda T, x: T.nn.functional.pad(x, (1.5, 1))),
]


@pytest.mark.parametrize("name,fn", PAD_ERRORS, ids=[e[0] for e in PAD_ERRORS])
@conformance(errors=True)
def test_pad_errors(T, name, fn):
    return fn(T, tensor(T, SHAPES[2]))


# the paddings of the PAD table: module and functional calls share their kernels
PAD_MODULES = [
    ("ZeroPad1d", ((1, 2),)), ("ZeroPad2d", ((2, 0, -1, 1),)), ("ZeroPad3d", ((1, 1, 0, 2, 1, 0),)),
    ("ConstantPad1d", ((1, 2), 0.5)), ("ConstantPad2d", ((2, 0, -1, 1), -2.0)),
    ("ConstantPad3d", ((1, 1, 0, 2, 1, 0), 3.5)), ("ReflectionPad1d", ((2, 3),)),
    ("ReflectionPad2d", ((1, 2, 2, -1),)), ("ReflectionPad3d", ((1, 1, 2, 0, 0, 1),)),
    ("ReplicationPad1d", ((3, -1),)), ("ReplicationPad2d", ((1, 2, 3, 0),)),
    ("ReplicationPad3d", ((2, 0, 1, 1, 0, 2),)), ("CircularPad1d", ((2, 1),)), ("CircularPad2d", ((1, -2, 2, 3),)),
    ("CircularPad3d", ((1, 0, 1, 2, 0, 1),)),
]


@pytest.mark.parametrize("cls,args", PAD_MODULES, ids=[c for c, _ in PAD_MODULES])
@conformance()
def test_pad_module(T, cls, args):
    m = getattr(T.nn, cls)(*args)
    n = int(cls[-2])
    x = tensor(T, SHAPES[n], grad=True)
    return run(T, m(x), x) + (repr(m), m.padding)


@conformance()
def test_pad_module_int_padding(T):
    ms = [T.nn.ZeroPad2d(1), T.nn.ConstantPad1d(2, 1.5), T.nn.ReflectionPad3d(1), T.nn.CircularPad1d(1)]
    return [(repr(m), m.padding) for m in ms]


@conformance(errors=True)
def test_circular_pad_module_rank(T):
    return T.nn.CircularPad2d(1)(tensor(T, SHAPES[3]))


# --- interpolate ---------------------------------------------------------------------------------------------------

INTERP = [
    ("nearest", 1, {"scale_factor": 2}), ("nearest", 2, {"size": (7, 4)}), ("nearest", 2, {"scale_factor": 1.7}),
    ("nearest", 3, {"scale_factor": (0.5, 1.5, 2.0)}), ("nearest-exact", 1, {"size": 11}),
    ("nearest-exact", 2, {"scale_factor": 2.3}), ("linear", 1, {"scale_factor": 1.5}),
    ("linear", 1, {"size": 4, "align_corners": True}),
    ("bilinear", 2, {"size": (8, 5)}), ("bilinear", 2, {"scale_factor": 0.6, "align_corners": True}),
    ("bilinear", 2, {"scale_factor": 1.7, "recompute_scale_factor": True}), ("bicubic", 2, {"scale_factor": 2}),
    ("bicubic", 2, {"size": (4, 9), "align_corners": True}),
    ("trilinear", 3, {"scale_factor": 2}), ("trilinear", 3, {"size": (2, 5, 3), "align_corners": True}),
    ("area", 2, {"scale_factor": 0.5}), ("area", 3, {"size": (2, 3, 7)}),
]


@pytest.mark.parametrize("mode,n,kw", INTERP, ids=[f"{m}-{n}d-{i}" for i, (m, n, _) in enumerate(INTERP)])
@conformance()
def test_interpolate(T, mode, n, kw):
    x = tensor(T, SHAPES[n], grad=True)
    return run(T, T.nn.functional.interpolate(x, mode=mode, **kw), x)


@pytest.mark.parametrize("mode", ["nearest", "bicubic"])
@conformance()
def test_interpolate_float64(T, mode):
    x = tensor(T, SHAPES[2], dtype="float64", grad=True)
    return run(T, T.nn.functional.interpolate(x, scale_factor=1.5, mode=mode), x, dtype="float64")


@conformance()
def test_interpolate_uint8_half(T):
    x = T.tensor(data(SHAPES[2], dtype="int64", low=0, high=40)).to(T.uint8)
    h = tensor(T, SHAPES[2]).to(T.float16)
    return (T.nn.functional.interpolate(x, scale_factor=2), T.nn.functional.interpolate(h, size=(7, 3),
                                                                                       mode="bilinear"))


INTERP_ERRORS = [
    ("size_and_scale", lambda T, x: T.nn.functional.interpolate(x, size=3, scale_factor=2)),
    ("neither", lambda T, x: T.nn.functional.interpolate(x)),
    ("align_nearest", lambda T, x: T.nn.functional.interpolate(x, size=3, align_corners=True)),
    ("size_len", lambda T, x: T.nn.functional.interpolate(x, size=(3, 4, 5))),
    ("scale_len", lambda T, x: T.nn.functional.interpolate(x, scale_factor=(2, 2, 2))),
    ("float_size", lambda T, x: T.nn.functional.interpolate(x, size=(3.5, 2))),
    ("recompute_with_size", lambda T, x: T.nn.functional.interpolate(x, size=3, recompute_scale_factor=True)),
    ("zero_output", lambda T, x: T.nn.functional.interpolate(x, scale_factor=0.1)),
    ("linear_on_4d", lambda T, x: T.nn.functional.interpolate(x, size=3, mode="linear")),
    ("trilinear_on_4d", lambda T, x: T.nn.functional.interpolate(x, size=3, mode="trilinear")),
    ("unknown_mode", lambda T, x: T.nn.functional.interpolate(x, size=3, mode="cubic")),
    ("antialias_nearest", lambda T, x: T.nn.functional.interpolate(x, size=3, antialias=True)),
    ("int64", lambda T, x: T.nn.functional.interpolate(x.long(), size=3)),
]


@pytest.mark.parametrize("name,fn", INTERP_ERRORS, ids=[e[0] for e in INTERP_ERRORS])
@conformance(errors=True)
def test_interpolate_errors(T, name, fn):
    return fn(T, tensor(T, SHAPES[2]))


@pytest.mark.parametrize("fn", ["upsample", "upsample_nearest", "upsample_bilinear"])
@conformance()
def test_upsample_deprecated(T, fn):
    x = tensor(T, SHAPES[2], grad=True)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        y = getattr(T.nn.functional, fn)(x, scale_factor=2)
    return run(T, y, x) + ([str(m.message) for m in w], [m.category.__name__ for m in w])


# the cases of the INTERP table: module and functional calls share their kernels
UPSAMPLE_MODULES = [
    ("Upsample", 1, {"scale_factor": 2}), ("Upsample", 2, {"size": (8, 5), "mode": "bilinear"}),
    ("Upsample", 2, {"scale_factor": 2, "mode": "bicubic"}), ("UpsamplingNearest2d", 2, {"size": (7, 4)}),
    ("UpsamplingBilinear2d", 2, {"scale_factor": 0.6}),
    ("Upsample", 3, {"size": (2, 5, 3), "mode": "trilinear", "align_corners": True}),
]


@pytest.mark.parametrize("cls,n,kw", UPSAMPLE_MODULES, ids=[f"{c}-{i}" for i, (c, _, _) in
                                                                enumerate(UPSAMPLE_MODULES)])
@conformance()
def test_upsample_module(T, cls, n, kw):
    m = getattr(T.nn, cls)(**kw)
    x = tensor(T, SHAPES[n], grad=True)
    return run(T, m(x), x) + (repr(m), m.scale_factor, m.size)


# --- grid_sample / affine_grid -------------------------------------------------------------------------------------

GRID = [("bilinear", "zeros", False), ("bilinear", "zeros", True), ("bilinear", "border", False),
        ("bilinear", "reflection", False), ("bilinear", "reflection", True), ("nearest", "zeros", True),
        ("nearest", "reflection", False), ("bicubic", "zeros", False), ("bicubic", "border", True),
        ("bicubic", "reflection", True)]


@pytest.mark.parametrize("mode,padding_mode,align", GRID, ids=[f"{m}-{p}-{a}" for m, p, a in GRID])
@conformance()
def test_grid_sample(T, mode, padding_mode, align):
    x = tensor(T, SHAPES[2], grad=True)
    g = tensor(T, (2, 4, 3, 2), grad=True, seed=1, low=-1.3, high=1.3)
    y = T.nn.functional.grid_sample(x, g, mode, padding_mode, align)
    return run(T, y, x, g)


@pytest.mark.parametrize("mode,padding_mode", [("bilinear", "zeros"), ("bilinear", "reflection"),
                                               ("nearest", "border")])
@conformance()
def test_grid_sample_3d(T, mode, padding_mode):
    x = tensor(T, SHAPES[3], grad=True)
    g = tensor(T, (2, 2, 3, 2, 3), grad=True, seed=1, low=-1.3, high=1.3)
    return run(T, T.nn.functional.grid_sample(x, g, mode, padding_mode, align_corners=False), x, g)


@conformance()
def test_grid_sample_float64_default_align(T):
    x = tensor(T, SHAPES[2], dtype="float64", grad=True)
    g = tensor(T, (2, 4, 3, 2), dtype="float64", grad=True, seed=1, low=-1.3, high=1.3)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        y = T.nn.functional.grid_sample(x, g)
    return run(T, y, x, g, dtype="float64")


@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 3, 2, 4, 3)])
@conformance()
def test_affine_grid(T, size, align):
    theta = tensor(T, (2, len(size) - 2, len(size) - 1), grad=True)
    return run(T, T.nn.functional.affine_grid(theta, size, align_corners=align), theta)


@conformance()
def test_affine_grid_into_grid_sample_float64(T):
    theta = tensor(T, (2, 2, 3), dtype="float64", grad=True, low=-1, high=1)
    x = tensor(T, SHAPES[2], dtype="float64", grad=True)
    y = T.nn.functional.grid_sample(x, T.nn.functional.affine_grid(theta, (2, 3, 4, 4), False), align_corners=False)
    return run(T, y, x, theta, dtype="float64")


GRID_ERRORS = [
    ("mode", lambda T, x, g: T.nn.functional.grid_sample(x, g, "area", align_corners=False)),
    ("padding_mode", lambda T, x, g: T.nn.functional.grid_sample(x, g, padding_mode="wrap", align_corners=False)),
    ("batch", lambda T, x, g: T.nn.functional.grid_sample(x, g[:1], align_corners=False)),
    ("last_dim", lambda T, x, g: T.nn.functional.grid_sample(x, T.cat([g, g], -1), align_corners=False)),
    ("rank", lambda T, x, g: T.nn.functional.grid_sample(x[0], g[0], align_corners=False)),
    ("dtype", lambda T, x, g: T.nn.functional.grid_sample(x, g.double(), align_corners=False)),
    ("bicubic_3d", lambda T, x, g: T.nn.functional.grid_sample(tensor(T, SHAPES[3]), tensor(T, (2, 1, 2, 2, 3)),
                                                               "bicubic", align_corners=False)),
    ("affine_int", lambda T, x, g: T.nn.functional.affine_grid(T.zeros(2, 2, 3, dtype=T.int64), (2, 3, 4, 4),
                                                               False)),
    ("affine_shape", lambda T, x, g: T.nn.functional.affine_grid(T.zeros(2, 3, 3), (2, 3, 4, 4), False)),
    ("affine_size", lambda T, x, g: T.nn.functional.affine_grid(T.zeros(2, 2, 3), (2, 3, 4), False)),
    ("affine_zero", lambda T, x, g: T.nn.functional.affine_grid(T.zeros(2, 2, 3), (2, 3, 0, 4), False)),
]


@pytest.mark.parametrize("name,fn", GRID_ERRORS, ids=[e[0] for e in GRID_ERRORS])
@conformance(errors=True)
def test_grid_errors(T, name, fn):
    return fn(T, tensor(T, SHAPES[2]), tensor(T, (2, 4, 3, 2), seed=1))


# --- pixel / channel shuffle ---------------------------------------------------------------------------------------


@conformance()
def test_pixel_shuffle(T):
    x = tensor(T, (2, 8, 3, 2), grad=True)
    y = T.nn.functional.pixel_shuffle(x, 2)
    z = T.pixel_unshuffle(y, 2)
    (y.sum() + (z * cotangent(T, z.shape)).sum()).backward()
    m, u = T.nn.PixelShuffle(2), T.nn.PixelUnshuffle(2)
    return (y, z, x.grad, T.pixel_shuffle(x[0].detach(), 2), m(x.detach()[None]), u(y.detach()), repr(m), repr(u),
            T.nn.functional.pixel_unshuffle(tensor(T, (3, 4, 6), dtype="int64"), 2))


@conformance()
def test_channel_shuffle(T):
    x = tensor(T, (2, 6, 3, 2), grad=True)
    y = T.nn.functional.channel_shuffle(x, 3)
    (y * cotangent(T, y.shape)).sum().backward()
    m = T.nn.ChannelShuffle(2)
    return (y, x.grad, T.channel_shuffle(x.detach(), 2), T.native_channel_shuffle(x.detach(), 6), m(x.detach()),
            repr(m), T.nn.functional.channel_shuffle(tensor(T, (2, 4, 3), dtype="int64"), 2))


SHUFFLE_ERRORS = [
    ("ps_rank", lambda T, x: T.nn.functional.pixel_shuffle(x[0, 0], 2)),
    ("ps_factor", lambda T, x: T.nn.functional.pixel_shuffle(x, 0)),
    ("ps_channels", lambda T, x: T.nn.functional.pixel_shuffle(x, 3)),
    ("pus_height", lambda T, x: T.nn.functional.pixel_unshuffle(x, 2)),
    ("cs_groups", lambda T, x: T.nn.functional.channel_shuffle(x, 0)),
    ("cs_divisible", lambda T, x: T.nn.functional.channel_shuffle(x, 5)),
    ("cs_rank", lambda T, x: T.nn.functional.channel_shuffle(x[0, 0], 2)),
]


@pytest.mark.parametrize("name,fn", SHUFFLE_ERRORS, ids=[e[0] for e in SHUFFLE_ERRORS])
@conformance(errors=True)
def test_shuffle_errors(T, name, fn):
    return fn(T, tensor(T, (2, 8, 3, 2)))
