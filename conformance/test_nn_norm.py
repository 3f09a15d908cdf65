"""Conformance: normalization layers (batch, instance, layer, group, local response, RMS norm; F.normalize)."""

import pytest
from harness import conformance, fill_params, tensor

X2, X3, X4, X5 = (4, 3), (2, 3, 4), (2, 3, 2, 2), (2, 3, 2, 2, 2)


def _grads(*ts):
    return [None if t is None else t.grad for t in ts]


def _backward(T, y, seed=5):
    (y * tensor(T, tuple(y.shape), seed=seed, dtype=str(y.dtype).split(".")[-1])).sum().backward()


# --- F.batch_norm -------------------------------------------------------------------------------------------------

BN = [  # (input shape, training, running stats, affine, momentum)
    (X3, True, True, True, 0.1), (X3, False, True, True, 0.1), (X2, True, True, False, 0.3),
    (X4, True, False, True, 0.1), (X4, False, True, False, 0.1), (X5, True, True, True, 0.0),
    (X3, True, True, True, 1.0),
]


@pytest.mark.parametrize("shape,training,stats,affine,momentum,dtype",
                         [(*c, "float32") for c in BN] + [(*c, "float64") for c in BN[:2]])
@conformance()
def test_batch_norm_functional(T, shape, training, stats, affine, momentum, dtype):
    x = tensor(T, shape, grad=True, dtype=dtype)
    w, b = (tensor(T, (3,), grad=True, seed=s, dtype=dtype) for s in (1, 2)) if affine else (None, None)
    rm = tensor(T, (3,), seed=3, dtype=dtype) if stats else None
    rv = tensor(T, (3,), seed=4, low=0.5, high=2, dtype=dtype) if stats else None
    y = T.nn.functional.batch_norm(x, rm, rv, w, b, training, momentum, 1e-3)
    _backward(T, y)
    return y, _grads(x, w, b), rm, rv


@pytest.mark.parametrize("stats_dtype", ["float32", "bfloat16"])
@conformance()
def test_batch_norm_bfloat16(T, stats_dtype):
    """A bfloat16 input with float32 (or bfloat16) parameters and running stats, as torch's CPU kernel allows."""
    x = tensor(T, X3, grad=True).to(T.bfloat16).detach().requires_grad_()
    rm, rv, w = T.zeros(3, dtype=getattr(T, stats_dtype)), T.ones(3, dtype=getattr(T, stats_dtype)), None
    y = T.nn.functional.batch_norm(x, rm, rv, w, None, True)
    y.sum().backward()
    return y, x.grad, rm, rv, T.nn.functional.batch_norm(x.detach(), rm, rv)


@conformance()
def test_batch_norm_toplevel(T):
    x, w, b = tensor(T, X3), tensor(T, (3,), seed=1), tensor(T, (3,), seed=2)
    rm, rv = T.zeros(3), T.ones(3)
    return T.batch_norm(x, w, b, rm, rv, True, 0.2, 1e-5, False), rm, rv, \
        T.batch_norm(x, None, None, None, None, True, 0.1, 1e-5, False), \
        T.instance_norm(x, w, b, rm, rv, True, 0.1, 1e-5, False), rm, rv, \
        T.layer_norm(x, [4], w[:1].expand(4).contiguous(), None), T.group_norm(x, 3, w, b), T.rms_norm(x, (4,))


BN_ERRORS = {
    "eval_no_stats": lambda T, x: T.nn.functional.batch_norm(x, None, None, training=False),
    "mean_numel": lambda T, x: T.nn.functional.batch_norm(x, T.zeros(4), T.ones(3), training=True),
    "weight_numel": lambda T, x: T.nn.functional.batch_norm(x, None, None, T.ones(4), training=True),
    "one_value": lambda T, x: T.nn.functional.batch_norm(x[:1, :, :1], None, None, training=True),
    "eps_zero": lambda T, x: T.nn.functional.batch_norm(x, None, None, training=True, eps=0.0),
    "eps_negative": lambda T, x: T.nn.functional.batch_norm(x, T.zeros(3), T.ones(3), eps=-1.0),
    "int_input": lambda T, x: T.nn.functional.batch_norm(x.long(), None, None, training=True),
    "mixed_dtype": lambda T, x: T.nn.functional.batch_norm(x, T.zeros(3).double(), T.ones(3).double(), training=True),
    "half_stats": lambda T, x: T.nn.functional.batch_norm(x, None, None, T.ones(3).double(), training=True),
    "one_stat": lambda T, x: T.nn.functional.batch_norm(x, T.zeros(3), None, training=True),
    "1d_input": lambda T, x: T.nn.functional.batch_norm(x[0, 0], T.zeros(3), T.ones(3)),
    "BatchNorm1d_4d": lambda T, x: T.nn.BatchNorm1d(3)(x[None]),
    "BatchNorm2d_3d": lambda T, x: T.nn.BatchNorm2d(3)(x),
    "BatchNorm3d_4d": lambda T, x: T.nn.BatchNorm3d(3)(x[None]),
    "SyncBatchNorm_1d": lambda T, x: T.nn.SyncBatchNorm(3)(x[0, 0]),
    "BatchNorm_channels": lambda T, x: T.nn.BatchNorm1d(4)(x),
}


@pytest.mark.parametrize("case", list(BN_ERRORS))
@conformance(errors=True)
def test_batch_norm_errors(T, case):
    return BN_ERRORS[case](T, tensor(T, X3))


# --- BatchNorm modules ----------------------------------------------------------------------------------------------

BN_MODULES = [  # (class, input shape, kwargs)
    ("BatchNorm1d", X2, {}), ("BatchNorm1d", X3, {"momentum": None}), ("BatchNorm1d", X3, {"affine": False}),
    ("BatchNorm2d", X4, {}), ("BatchNorm2d", X4, {"track_running_stats": False}), ("BatchNorm2d", X4, {"bias": False}),
    ("BatchNorm3d", X5, {"eps": 1e-3, "momentum": 0.5}), ("SyncBatchNorm", X4, {}),
]


@pytest.mark.parametrize("name,shape,kw", BN_MODULES, ids=[f"{n}-{'-'.join(map(str, kw.items()))}"
                                                           for n, _, kw in BN_MODULES])
@conformance()
def test_batch_norm_module(T, name, shape, kw):
    """Three training steps (running stats move in place, in the same buffer objects), then eval mode."""
    m = getattr(T.nn, name)(3, **kw)
    init = [t.detach().clone() for t in m.state_dict().values()]
    fill_params(T, m, low=0.5, high=1.5)
    buffers = [b for b in m.buffers()]
    outs = []
    for step in range(3):
        x = tensor(T, shape, grad=True, seed=step)
        y = m(x)
        _backward(T, y)
        outs += [y, x.grad]
    same = [a is b for a, b in zip(buffers, m.buffers())]
    stats = [b.clone() for b in m.buffers()]
    m.eval()
    x = tensor(T, shape, grad=True, seed=9)
    y = m(x)
    _backward(T, y)
    return (outs, [p.grad for p in m.parameters()], stats, same, init, y, x.grad, repr(m), list(m.state_dict()),
            [type(v).__name__ for v in m.state_dict().values()])


@conformance()
def test_batch_norm_reset_and_load(T):
    m = T.nn.BatchNorm1d(3, momentum=None)
    for s in range(2):
        m(tensor(T, X2, seed=s))
    sd = {k: v.clone() for k, v in m.state_dict().items()}
    m.reset_running_stats()
    after_reset = [b.clone() for b in m.buffers()]
    m2 = T.nn.BatchNorm1d(3, momentum=None)
    missing = m2.load_state_dict(sd)
    m2(tensor(T, X2, seed=7))
    return sd, after_reset, str(missing), list(m2.buffers()), m.num_batches_tracked.dtype


@conformance()
def test_batch_norm_old_checkpoint(T):
    """A checkpoint without num_batches_tracked (saved before version 2) loads, keeping the counter."""
    m = T.nn.BatchNorm1d(3)
    sd = m.state_dict()
    del sd["num_batches_tracked"]
    sd._metadata[""]["version"] = 1
    return str(m.load_state_dict(sd)), m.num_batches_tracked


@pytest.mark.parametrize("name,shape", [("LazyBatchNorm2d", X4), ("LazyInstanceNorm1d", X3)])
@conformance()
def test_lazy_norm(T, name, shape):
    m = getattr(T.nn, name)()
    before = repr(m)
    x = tensor(T, shape, grad=True)
    y = m(x)
    _backward(T, y)
    return before, repr(m), type(m).__name__, y, x.grad, list(m.state_dict()), [b.clone() for b in m.buffers()]


@conformance()
def test_convert_sync_batchnorm(T):
    model = T.nn.Sequential(T.nn.Linear(3, 3), T.nn.BatchNorm1d(3), T.nn.Sequential(T.nn.BatchNorm1d(3)))
    fill_params(T, model)
    conv = T.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    y = conv(tensor(T, X2))
    return repr(conv), y, [type(m).__name__ for m in conv.modules()], list(conv.state_dict())


# --- instance norm ------------------------------------------------------------------------------------------------

IN_MODULES = [  # (class, input shape, kwargs)
    ("InstanceNorm1d", X3[1:], {"affine": True}),
    ("InstanceNorm1d", X3, {"track_running_stats": True}), ("InstanceNorm2d", X4, {"affine": True,
                                                                                    "track_running_stats": True}),
    ("InstanceNorm2d", X4[1:], {"track_running_stats": True, "momentum": None}),
    ("InstanceNorm3d", X5[1:], {"affine": True, "bias": False}),
]


@pytest.mark.parametrize("name,shape,kw", IN_MODULES, ids=[f"{n}-{len(s)}d-{'-'.join(map(str, kw.items()))}"
                                                           for n, s, kw in IN_MODULES])
@conformance()
def test_instance_norm_module(T, name, shape, kw):
    m = getattr(T.nn, name)(3, **kw)
    fill_params(T, m, low=0.5, high=1.5)
    outs = []
    for step in range(2):
        x = tensor(T, shape, grad=True, seed=step)
        y = m(x)
        _backward(T, y)
        outs += [y, x.grad]
    stats = [b.clone() for b in m.buffers()]
    m.eval()
    x = tensor(T, shape, grad=True, seed=9)
    y = m(x)
    _backward(T, y)
    return outs, [p.grad for p in m.parameters()], stats, y, x.grad, repr(m), list(m.state_dict())


@conformance()
def test_instance_norm_functional(T):
    x = tensor(T, X3, grad=True)
    w, b = tensor(T, (3,), grad=True, seed=1), tensor(T, (3,), grad=True, seed=2)
    rm, rv = tensor(T, (3,), seed=3), tensor(T, (3,), seed=4, low=0.5, high=2)
    y1 = T.nn.functional.instance_norm(x, rm, rv, w, b, momentum=0.3)
    y2 = T.nn.functional.instance_norm(x, rm, rv, w, b, use_input_stats=False, eps=1e-3)
    _backward(T, y1 + y2)
    return y1, y2, _grads(x, w, b), rm, rv


@conformance()
def test_instance_norm_feature_warning(T):
    """affine=False: a channel count that differs from num_features only warns (affine=True raises)."""
    with pytest.warns(UserWarning, match="does not match num_features"):
        return T.nn.InstanceNorm1d(5)(tensor(T, X3))


IN_ERRORS = {
    "affine_channels": lambda T: T.nn.InstanceNorm1d(5, affine=True)(tensor(T, X3)),
    "InstanceNorm1d_4d": lambda T: T.nn.InstanceNorm1d(3)(tensor(T, X4)),
    "InstanceNorm2d_2d": lambda T: T.nn.InstanceNorm2d(3)(tensor(T, X2)),
    "one_spatial": lambda T: T.nn.functional.instance_norm(tensor(T, (2, 3, 1))),
    "no_stats": lambda T: T.nn.functional.instance_norm(tensor(T, X3), use_input_stats=False),
}


@pytest.mark.parametrize("case", list(IN_ERRORS))
@conformance(errors=True)
def test_instance_norm_errors(T, case):
    return IN_ERRORS[case](T)


# --- layer, group, RMS and local response norm ------------------------------------------------------------------

@pytest.mark.parametrize("shape,kw,dtype", [((4,), {}, "float32"), ((3, 4), {"eps": 1e-3}, "float32"),
                                            (4, {"elementwise_affine": False}, "float32"),
                                            ((4,), {"bias": False}, "float32"), ((4,), {}, "float64"),
                                            ((4,), {}, "bfloat16")])
@conformance()
def test_layer_norm(T, shape, kw, dtype):
    m = fill_params(T, T.nn.LayerNorm(shape, **kw))
    dt = getattr(T, dtype)
    m.to(dt)
    x = tensor(T, X3, grad=True).to(dt).detach().requires_grad_()
    y = m(x)
    _backward(T, y)
    return y, x.grad, [p.grad for p in m.parameters()], repr(m), list(m.state_dict())


@conformance()
def test_layer_norm_functional(T):
    x = tensor(T, X3, grad=True)
    w, b = tensor(T, (3, 4), grad=True, seed=1), tensor(T, (3, 4), grad=True, seed=2)
    y = T.nn.functional.layer_norm(x, (3, 4), w, b, 1e-2)
    _backward(T, y)
    half = x.detach().bfloat16()
    return y, _grads(x, w, b), T.nn.functional.layer_norm(x.detach(), [4]), \
        T.nn.functional.layer_norm(half, [4], w[0].detach().bfloat16(), b[0].detach().bfloat16())


@pytest.mark.parametrize("groups,channels,shape,kw", [(1, 3, X3, {}), (3, 3, X4, {}), (2, 4, (2, 4, 3), {"eps": 1e-2}),
                                                      (1, 4, (3, 4), {"affine": False}), (2, 4, (2, 4, 3),
                                                                                          {"bias": False})])
@conformance()
def test_group_norm(T, groups, channels, shape, kw):
    m = fill_params(T, T.nn.GroupNorm(groups, channels, **kw))
    x = tensor(T, shape, grad=True)
    y = m(x)
    _backward(T, y)
    return y, x.grad, [p.grad for p in m.parameters()], repr(m), list(m.state_dict())


@pytest.mark.parametrize("shape,kw,dtype", [((4,), {}, "float32"), ((3, 4), {"eps": 1e-3}, "float32"),
                                            (4, {"elementwise_affine": False}, "float64"), ((4,), {}, "bfloat16"),
                                            ((4,), {"eps": 0.5}, "float16")])
@conformance()
def test_rms_norm(T, shape, kw, dtype):
    m = fill_params(T, T.nn.RMSNorm(shape, **kw)).to(getattr(T, dtype))
    x = tensor(T, X3, grad=True, low=-0.01, high=0.01 if dtype == "float16" else 2).to(getattr(T, dtype))
    x = x.detach().requires_grad_()
    y = m(x)
    _backward(T, y)
    plain = T.nn.functional.rms_norm(x.detach(), m.normalized_shape)
    return y, x.grad, [p.grad for p in m.parameters()], repr(m), plain


@pytest.mark.parametrize("size,shape", [(2, X3), (3, X4), (5, X5)])
@conformance()
def test_local_response_norm(T, size, shape):
    m = T.nn.LocalResponseNorm(size, alpha=0.1, beta=0.6, k=1.5)
    x = tensor(T, shape, grad=True)
    y = m(x)
    _backward(T, y)
    return y, x.grad, repr(m), T.nn.functional.local_response_norm(x.detach(), size)


NORM_ERRORS = {
    "layer_norm_shape": lambda T: T.nn.functional.layer_norm(tensor(T, X3), [3]),
    "layer_norm_weight": lambda T: T.nn.functional.layer_norm(tensor(T, X3), [4], T.ones(3)),
    "layer_norm_int_shape": lambda T: T.nn.functional.layer_norm(tensor(T, X3), 4),
    "rms_norm_int_shape": lambda T: T.nn.functional.rms_norm(tensor(T, X3), 4),
    "layer_norm_empty": lambda T: T.nn.functional.layer_norm(tensor(T, X3), []),
    "layer_norm_int": lambda T: T.nn.functional.layer_norm(tensor(T, X3, dtype="int64"), [4]),
    "group_norm_divisible": lambda T: T.nn.functional.group_norm(tensor(T, X3), 2),
    "group_norm_weight": lambda T: T.nn.functional.group_norm(tensor(T, (2, 4, 3)), 2, T.ones(3)),
    "group_norm_1d": lambda T: T.nn.functional.group_norm(tensor(T, (4,)), 2),
    "group_norm_one_value": lambda T: T.nn.functional.group_norm(tensor(T, (1, 4)), 4),
    "GroupNorm_divisible": lambda T: T.nn.GroupNorm(2, 3),
    "rms_norm_shape": lambda T: T.nn.functional.rms_norm(tensor(T, X3), [3]),
    "rms_norm_weight": lambda T: T.nn.functional.rms_norm(tensor(T, X3), [4], T.ones(3)),
    "lrn_2d": lambda T: T.nn.functional.local_response_norm(tensor(T, X2), 2),
    "normalize_int": lambda T: T.nn.functional.normalize(tensor(T, X2, dtype="int64")),
}


@pytest.mark.parametrize("case", list(NORM_ERRORS))
@conformance(errors=True)
def test_norm_errors(T, case):
    return NORM_ERRORS[case](T)


# --- F.normalize --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [{}, {"p": 1.0}, {"p": float("inf"), "dim": 0}, {"p": 3.0, "dim": -1},
                                {"dim": (1, 2)}, {"eps": 0.5}])
@conformance()
def test_normalize(T, kw):
    x = tensor(T, X3, grad=True)
    with T.no_grad():
        x[0, :, 1] = 0  # a zero vector along dim 1 (and one more small one): the eps clamp and its zero gradient
        x[1, 0, :] = 1e-13
    y = T.nn.functional.normalize(x, **kw)
    _backward(T, y)
    return y, x.grad


@conformance()
def test_normalize_out_and_dtypes(T):
    x = tensor(T, X3)
    o = T.empty(0)
    r = T.nn.functional.normalize(x, out=o)
    return r is o, o, T.nn.functional.normalize(x.double(), dim=0), T.nn.functional.normalize(x.bfloat16(), dim=2)


@conformance()
def test_norm_factory_kwargs(T):
    """dtype= reaches parameters and running stats (num_batches_tracked stays int64)."""
    mods = [T.nn.BatchNorm1d(3, dtype=T.float64), T.nn.InstanceNorm1d(3, affine=True, track_running_stats=True,
                                                                      dtype=T.float64),
            T.nn.LayerNorm(4, dtype=T.float64), T.nn.GroupNorm(1, 3, dtype=T.float64), T.nn.RMSNorm(4, dtype=T.float64)]
    return [[(k, v.dtype, v) for k, v in m.state_dict().items()] for m in mods], \
        mods[0](tensor(T, X3, dtype="float64")), mods[2](tensor(T, X3, dtype="float64"))
