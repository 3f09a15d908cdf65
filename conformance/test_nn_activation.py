"""Conformance: torch.nn activations (functional, in-place, top-level and module forms) and the softmax family."""

import numpy as np
import pytest
from harness import conformance, fill_params, tensor

# boundary points of every activation (0, ±1, ±3, 6, the shrink lambdas) plus ordinary values: torch's subgradients
BOUNDARY = [-4.0, -3.0, -2.5, -1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 2.0, 3.0, 6.0, 7.0, 25.0, -6.0, -1.5, 0.75, 1.5, -0.25,
            4.0, -20.0, 0.1, 2.5, -2.0]
SHAPE = (2, 3, 4)  # one shape for every test, so that kernels are shared

def _id(name, kw):
    return name + "".join(f"-{k}={v}" for k, v in kw.items())


ACTS = [
    ("relu", {}), ("relu6", {}), ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {}),
    ("elu", {"alpha": 0.5}), ("selu", {}), ("celu", {}), ("celu", {"alpha": 2.0}), ("gelu", {}),
    ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}), ("hardtanh", {}),
    ("hardtanh", {"min_val": -2.0, "max_val": 0.5}), ("hardswish", {}), ("hardsigmoid", {}), ("hardshrink", {}),
    ("hardshrink", {"lambd": 1.0}), ("softshrink", {}), ("softshrink", {"lambd": 1.0}), ("tanhshrink", {}),
    ("softplus", {}), ("softplus", {"beta": 2.0, "threshold": 1.0}), ("softsign", {}),
    ("threshold", {"threshold": 0.5, "value": -1.0}), ("logsigmoid", {}), ("sigmoid", {}), ("tanh", {}),
    ("rrelu", {}), ("rrelu", {"lower": 0.2, "upper": 0.4}), ("glu", {"dim": 0}), ("glu", {"dim": -1}),
    ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0}), ("softmin", {"dim": -1}),
]
# float64 and the half types run a subset: the same kernels, with the precision handling exercised
F64 = {"elu", "gelu", "softplus", "hardswish", "softmax"}
BF16 = F64 | {"selu", "silu", "mish", "logsigmoid", "log_softmax", "tanhshrink", "softsign", "hardtanh", "glu"}
F16 = {"gelu", "silu", "softmax", "softsign"}
SUBSET = {"float32": None, "float64": F64, "bfloat16": BF16, "float16": F16}
CASES = [pytest.param(n, kw, d, id=f"{_id(n, kw)}-{d}") for n, kw in ACTS for d, names in SUBSET.items()
         if names is None or n in names and (d == "bfloat16" or not kw)]


def boundary(T, dtype="float32", grad=False):
    x = T.tensor(np.array(BOUNDARY, np.float32).reshape(SHAPE)).to(getattr(T, dtype))
    return x.requires_grad_(grad)


def cotangent(T, dtype, shape):
    """A non-uniform upstream gradient (a plain sum would hide sign and scale errors)."""
    return T.tensor(np.linspace(0.5, 1.5, int(np.prod(shape)), dtype=np.float32).reshape(shape)).to(getattr(T, dtype))


@pytest.mark.parametrize("name,kw,dtype", CASES)
@conformance()
def test_activation(T, name, kw, dtype):
    x = boundary(T, dtype, grad=True)
    y = getattr(T.nn.functional, name)(x, **kw)
    (y * cotangent(T, dtype, y.shape)).sum().backward()
    return y, x.grad


INPLACE = ["relu", "relu6", "leaky_relu", "elu", "selu", "celu", "silu", "mish", "hardtanh", "hardswish",
           "hardsigmoid", "rrelu"]


@pytest.mark.parametrize("name", INPLACE)
@conformance()
def test_activation_inplace_flag(T, name):
    """inplace=True writes into the (non-leaf) input and returns it; gradients flow through the rewrite."""
    x = boundary(T, grad=True)
    h = x * 1.0
    y = getattr(T.nn.functional, name)(h, inplace=True)
    (y * cotangent(T, "float32", y.shape)).sum().backward()
    return y, y is h, x.grad


UNDERSCORE = [("relu_", (), "F"), ("elu_", (0.5,), "F"), ("leaky_relu_", (0.2,), "F"), ("hardtanh_", (-0.5, 0.5), "F"),
              ("threshold_", (0.1, 2.0), "F"), ("rrelu_", (), "F"), ("relu_", (), "T"), ("selu_", (), "T"),
              ("celu_", (1.5,), "T"), ("threshold_", (0.1, 2.0), "T"), ("rrelu_", (0.1, 0.3), "T")]


@pytest.mark.parametrize("name,args,where", UNDERSCORE, ids=[f"{w}.{n}" for n, _, w in UNDERSCORE])
@conformance()
def test_activation_underscore(T, name, args, where):
    x = tensor(T, (2, 3, 4), grad=True)
    h = x * 1.5
    fn = getattr(T.nn.functional if where == "F" else T, name)
    y = fn(h, *args)
    y.sum().backward()
    return y, y is h, x.grad


@pytest.mark.parametrize("name,args", [("selu", ()), ("celu", (0.5,)), ("threshold", (0.1, 2.0)),
                                       ("hardshrink", (1.0,)), ("rrelu", (0.1, 0.3)), ("relu", ()),
                                       ("sigmoid", ()), ("tanh", ())])
@conformance()
def test_activation_toplevel(T, name, args):
    x = boundary(T, grad=True)
    y = getattr(T, name)(x, *args)
    y.sum().backward()
    return y, x.grad


@conformance()
def test_activation_methods(T):
    x = boundary(T)
    return x.relu(), x.hardshrink(), x.hardshrink(1.0), x.softmax(1), x.log_softmax(0), x.softmax(-1, T.float64), \
        x.prelu(T.tensor([0.3])), x.clone().relu_()


@pytest.mark.parametrize("name,kw", [("relu", {}), ("relu6", {}), ("hardtanh", {}), ("hardtanh", {"min_val": -2.5}),
                                     ("threshold", {"threshold": 1, "value": 5}),
                                     ("threshold", {"threshold": 1.5, "value": 5.7}), ("tanhshrink", {}),
                                     ("softsign", {})])
@conformance()
def test_activation_int(T, name, kw):
    x = T.tensor([[-3, -1, 0, 1, 2, 7]])
    return getattr(T.nn.functional, name)(x, **kw), getattr(T.nn.functional, name)(x.int(), **kw)


FLOAT_ONLY = ["leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "hardswish", "hardsigmoid", "hardshrink",
              "softshrink", "softplus", "glu", "logsigmoid", "rrelu"]


BAD_DTYPE = [(n, "int64") for n in FLOAT_ONLY] + [(n, "bool") for n in FLOAT_ONLY + ["relu", "relu6", "hardtanh",
                                                                                   "tanhshrink", "softsign"]]


@pytest.mark.parametrize("name,dtype", BAD_DTYPE)
@conformance(errors=True)
def test_activation_bad_dtype(T, name, dtype):
    return getattr(T.nn.functional, name)(T.tensor([[-1, 0, 1, 2]]).to(getattr(T, dtype)))


ERRORS = {
    "glu_odd": lambda T, x: T.nn.functional.glu(x, 1),
    "glu_scalar": lambda T, x: T.nn.functional.glu(T.tensor(1.0)),
    "glu_bad_dim": lambda T, x: T.nn.functional.glu(x, 3),
    "hardtanh_min_gt_max": lambda T, x: T.nn.functional.hardtanh(x, 2.0, 1.0),
    "Hardtanh_max_le_min": lambda T, x: T.nn.Hardtanh(1.0, 1.0),
    "softshrink_negative": lambda T, x: T.nn.functional.softshrink(x, -1.0),
    "gelu_approximate": lambda T, x: T.nn.functional.gelu(x, approximate="fast"),
    "gelu_positional": lambda T, x: T.nn.functional.gelu(x, "tanh"),
    "prelu_channels": lambda T, x: T.nn.functional.prelu(x, T.ones(4)),
    "prelu_dtype": lambda T, x: T.nn.functional.prelu(x, T.ones(1, dtype=T.float64)),
    "prelu_2d_weight": lambda T, x: T.nn.functional.prelu(x, T.ones(3, 1)),
    "prelu_scalar_input": lambda T, x: T.nn.functional.prelu(T.tensor(1.0), T.ones(2)),
    "softmax_int": lambda T, x: T.softmax(T.tensor([1, 2]), 0),
    "softmax_dim": lambda T, x: T.softmax(x, 3),
    "softmax_no_dim": lambda T, x: T.softmax(x),
    "log_softmax_dim": lambda T, x: x.log_softmax(-4),
    "Softmax2d_2d": lambda T, x: T.nn.Softmax2d()(x[0]),
    "rrelu_bounds": lambda T, x: T.nn.functional.rrelu(x, 0.5, 0.1),
    "relu6_bool": lambda T, x: T.nn.functional.relu6(T.tensor([True])),
    "leaf_inplace": lambda T, x: T.nn.functional.elu(x.requires_grad_(), inplace=True),
}


@pytest.mark.parametrize("case", list(ERRORS))
@conformance(errors=True)
def test_activation_errors(T, case):
    return ERRORS[case](T, boundary(T))


@pytest.mark.parametrize("dtype", [None, "float64"])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@conformance()
def test_softmax_family(T, name, dtype):
    x = tensor(T, (2, 3, 4), grad=True)
    f = getattr(T.nn.functional, name)
    dt = None if dtype is None else getattr(T, dtype)
    outs = [f(x, d, dtype=dt) for d in ((0, -1) if dtype is None else (1,))]
    sum(o.sum() * (i + 1) for i, o in enumerate(outs)).backward()
    scalar = f(T.tensor(1.5), 0)
    return outs, x.grad, scalar


@pytest.mark.parametrize("name,ndim", [("softmax", n) for n in range(5)] + [("log_softmax", 3), ("softmin", 2)])
@conformance()
def test_softmax_implicit_dim(T, name, ndim):
    """dim=None: torch's legacy choice (0 for 0-, 1- and 3-D inputs, else 1), with its deprecation warning."""
    x = tensor(T, (2, 3, 2, 2)[:ndim])
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        return getattr(T.nn.functional, name)(x)


@conformance()
def test_softmax_special(T):
    x = T.tensor([[0.0, float("-inf"), 1.0], [float("-inf")] * 3, [1000.0, 1000.0, -1000.0]])
    o = T.empty(0)
    return T.softmax(x, 1), T.log_softmax(x, 1), T.softmax(x, 1, out=o), o, T.softmax(T.tensor([1, 2]), 0, T.float32)


@pytest.mark.parametrize("shape,wshape", [((2, 3, 4), (3,)), ((2, 3, 4), (1,)), ((5,), (1,)), ((2, 3, 2, 2), (3,)),
                                          ((4,), ())])
@conformance()
def test_prelu(T, shape, wshape):
    x = tensor(T, shape, grad=True)
    w = tensor(T, wshape, grad=True, seed=1, low=0, high=0.5)
    y = T.nn.functional.prelu(x, w)
    (y * 1.5).sum().backward()
    return y, x.grad, w.grad, T.prelu(x, w)


MODULES = [  # the keyword sets of ACTS where they exist, so that the kernels are shared
    ("ReLU", {}), ("ReLU", {"inplace": True}), ("ReLU6", {}), ("LeakyReLU", {"negative_slope": 0.2}), ("PReLU", {}),
    ("PReLU", {"num_parameters": 3, "init": 0.1}), ("RReLU", {"lower": 0.2, "upper": 0.4}), ("ELU", {"alpha": 0.5}),
    ("SELU", {}), ("CELU", {"alpha": 2.0}), ("GELU", {}), ("GELU", {"approximate": "tanh"}), ("SiLU", {}), ("Mish", {}),
    ("Sigmoid", {}), ("Tanh", {}), ("Hardtanh", {"min_val": -2.0, "max_val": 0.5}), ("Hardswish", {}),
    ("Hardsigmoid", {}), ("Hardshrink", {"lambd": 1.0}), ("Softshrink", {}), ("Tanhshrink", {}),
    ("Softplus", {"beta": 2.0, "threshold": 1.0}), ("Softsign", {}), ("Threshold", {"threshold": 0.5, "value": -1.0}),
    ("Threshold", {"threshold": 0.5, "value": -1.0, "inplace": True}), ("GLU", {"dim": 0}), ("LogSigmoid", {}),
    ("Softmax", {"dim": 1}), ("Softmin", {"dim": -1}), ("LogSoftmax", {"dim": 0}), ("Softmax2d", {}),
    ("SiLU", {"inplace": True}),
]


@pytest.mark.parametrize("name,kw", MODULES, ids=[_id(*m) for m in MODULES])
@conformance()
def test_activation_module(T, name, kw):
    T.manual_seed(0)  # RReLU draws its training slopes
    m = getattr(T.nn, name)(**kw)
    params = [p.detach().clone() for p in m.parameters()]  # the default initialisation
    fill_params(T, m, low=0.05, high=0.4)
    x = boundary(T, grad=True)
    y = m(x * 1.0)  # a non-leaf input, so that inplace=True modules may write into it
    (y * cotangent(T, "float32", y.shape)).sum().backward()
    m.eval()  # only RReLU differs in eval mode
    return y, x.grad, [p.grad for p in m.parameters()], params, repr(m), list(m.state_dict()), \
        m(x.detach()) if name == "RReLU" else None


@conformance()
def test_activation_module_unbatched(T):
    x = tensor(T, (3, 4))
    return T.nn.PReLU(4)(x), T.nn.Softmax2d()(tensor(T, (3, 2, 2))), T.nn.GLU()(x)


@conformance()
def test_hardtanh_deprecated_kwargs(T):
    with pytest.warns(FutureWarning, match="deprecated and renamed"):
        m = T.nn.Hardtanh(min_value=-0.5, max_value=0.5)
    return repr(m), m(boundary(T))


# --- random activations: torch's numbers after manual_seed ----------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@conformance()
def test_rrelu_training_seeded(T, dtype):
    T.manual_seed(0)
    x = tensor(T, (2, 3, 4), grad=True, dtype=dtype)
    y = T.nn.functional.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    m = T.nn.RReLU()
    z = m(x.detach())
    m.eval()
    return y, x.grad, z, m(x.detach()), T.rrelu(x.detach(), training=True)


@pytest.mark.parametrize("hard", [False, True])
@conformance()
def test_gumbel_softmax_seeded(T, hard):
    T.manual_seed(0)
    x = tensor(T, (3, 5), grad=True)
    y = T.nn.functional.gumbel_softmax(x, tau=0.7, hard=hard)
    (y * cotangent(T, "float32", y.shape)).sum().backward()
    return y, x.grad, T.nn.functional.gumbel_softmax(x.detach(), dim=0)


@conformance()
def test_gumbel_softmax_eps_warning(T):
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        return T.nn.functional.gumbel_softmax(tensor(T, (2, 3)), eps=1e-5).shape
