"""torch.nn.init against torch: deterministic initialisers exactly, random ones with the same seed."""

import math

import pytest
from harness import conformance, tensor


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error is the result
        return next(c for c in type(e).__mro__ if c.__module__ == "builtins").__name__, str(e)
    return None


@pytest.mark.parametrize("case", [("linear", None), ("conv2d", None), ("conv_transpose3d", None), ("sigmoid", None),
                                  ("tanh", None), ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                                  ("leaky_relu", 3), ("selu", None), ("leaky_relu", True), ("leaky_relu", "x"),
                                  ("gelu", None)])
@conformance()
def test_calculate_gain(T, case):
    return _error(lambda: T.nn.init.calculate_gain(*case)) or T.nn.init.calculate_gain(*case)


@pytest.mark.parametrize("shape", [(3,), (3, 4), (3, 4, 5), (2, 3, 2, 2), (0, 3)])
@conformance()
def test_fans(T, shape):
    t = T.zeros(shape)
    return (_error(lambda: T.nn.init._calculate_fan_in_and_fan_out(t))
            or T.nn.init._calculate_fan_in_and_fan_out(t), _error(lambda: T.nn.init._calculate_correct_fan(t, "bad")))


@conformance()
def test_constant_ones_zeros_eye(T):
    p = T.nn.Parameter(tensor(T, (3, 4)))
    out = [T.nn.init.constant_(p, 0.25), T.nn.init.ones_(T.empty(2, 3, dtype=T.float64)),
           T.nn.init.zeros_(tensor(T, (2,))), T.nn.init.eye_(T.nn.Parameter(tensor(T, (3, 5)))),
           T.nn.init.eye_(T.empty(4, 2)), T.nn.init.constant_(T.empty(2, dtype=T.int64), 3)]
    return out, p.requires_grad, p.is_leaf, _error(lambda: T.nn.init.eye_(T.empty(2, 2, 2)))


@pytest.mark.parametrize("shape,groups", [((4, 2, 3), 1), ((4, 2, 3, 3), 2), ((6, 3, 3, 3, 3), 3), ((2, 4, 2, 2), 1)])
@conformance()
def test_dirac(T, shape, groups):
    return T.nn.init.dirac_(T.nn.Parameter(tensor(T, shape)), groups=groups)


@conformance()
def test_dirac_errors(T):
    return _error(lambda: T.nn.init.dirac_(T.empty(2, 2))), _error(lambda: T.nn.init.dirac_(T.empty(3, 2, 2), 2))


@pytest.mark.parametrize("name", ["uniform_", "normal_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
                                  "kaiming_normal_", "orthogonal_", "trunc_normal_"])
@conformance()
def test_random_inits_seeded(T, name):
    T.manual_seed(0)
    fn = getattr(T.nn.init, name)
    outs = [fn(T.empty(4, 3)), fn(T.nn.Parameter(T.empty(3, 2, 2, 2))), fn(T.empty(5, 2, dtype=T.float64))]
    return outs


@pytest.mark.parametrize("kw", [dict(a=-1.0, b=0.5), dict(mean=1.0, std=0.5, a=0.9, b=1.1), dict(std=3.0),
                                dict(mean=5.0, a=-1.0, b=0.0)])
@conformance()
def test_trunc_normal_seeded(T, kw):
    import warnings

    T.manual_seed(1)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = T.nn.init.trunc_normal_(T.empty(6, 5), **kw)
    return out, [str(x.message) for x in w]


@pytest.mark.parametrize("kw", [dict(a=math.sqrt(5)), dict(mode="fan_out", nonlinearity="relu"),
                                dict(a=0.1, mode="FAN_IN", nonlinearity="leaky_relu"), dict(nonlinearity="tanh")])
@conformance()
def test_kaiming_modes_seeded(T, kw):
    T.manual_seed(2)
    return T.nn.init.kaiming_uniform_(T.empty(3, 4, 2), **kw), T.nn.init.kaiming_normal_(T.empty(4, 3), **kw)


@conformance()
def test_init_generator_and_gain(T):
    g = T.Generator().manual_seed(5)
    return (T.nn.init.uniform_(T.empty(3, 3), -2.0, 1.0, generator=g), T.nn.init.normal_(T.empty(3), 1.0, 0.1, g),
            T.nn.init.xavier_uniform_(T.empty(2, 5), gain=2.0, generator=g),
            T.nn.init.orthogonal_(T.empty(2, 5), gain=0.5, generator=g))


@conformance()
def test_sparse_seeded(T):
    T.manual_seed(3)
    return T.nn.init.sparse_(T.empty(5, 4), 0.4), _error(lambda: T.nn.init.sparse_(T.empty(2, 2, 2), 0.1))


@conformance()
def test_init_errors_and_warnings(T):
    import warnings

    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        z = T.nn.init.kaiming_uniform_(T.empty(0, 3))
        T.nn.init.kaiming_normal_(T.empty(3, 0))
        T.nn.init.uniform(T.empty(2))
    return (z, [(x.category.__name__, str(x.message)) for x in w], _error(lambda: T.nn.init.orthogonal_(T.empty(3))),
            _error(lambda: T.nn.init.kaiming_uniform_(T.empty(3, 3), mode="fan_avg")),
            _error(lambda: T.nn.init.xavier_normal_(T.empty(3))), T.nn.init.orthogonal_(T.empty(0, 3)))


@conformance()
def test_orthogonal_is_orthogonal(T):
    T.manual_seed(4)
    w = T.nn.init.orthogonal_(T.empty(3, 5))
    return w @ w.t(), T.nn.init.orthogonal_(T.empty(4, 2, 3)).flatten(1).t() @ T.empty(4, 6).fill_(1.0)
