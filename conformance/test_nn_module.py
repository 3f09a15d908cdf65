"""torch.nn.Module core, Linear/Bilinear/Identity/Flatten/Unflatten, Parameter and Buffer, against torch."""

import copy
import pickle
from collections import OrderedDict

import pytest
from harness import conformance, fill_params, message, tensor


def _error(fn):
    """(builtin exception class, message) of fn(), for bodies whose error text must match torch's.

    Messages naming a class print its module path; `torchax.` is read as `torch.` there.
    """
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error is the result
        base = next(c for c in type(e).__mro__ if c.__module__ == "builtins")
        return base.__name__, str(e).replace("torchax.", "torch.")
    return None


# --- Linear and friends ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(2, 4), (4,), (2, 3, 4)])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@conformance()
def test_linear(T, shape, bias, dtype):
    m = fill_params(T, T.nn.Linear(4, 3, bias=bias, dtype=getattr(T, dtype)))
    x = tensor(T, shape, grad=True, dtype=dtype)
    y = m(x)
    y.sum().backward()
    return y, x.grad, m.weight.grad, m.bias.grad if bias else None, repr(m), list(m.state_dict())


@pytest.mark.parametrize("case", [
    ((2, 5), (3, 4), None), ((2, 3, 5), (3, 4), None), ((5,), (3, 4), None), ((), (3, 4), None),
    ((2, 4), (3, 4, 5), None), ((2, 4), (3, 4), (2,)), ((2, 4), (4,), None), ((4,), (4,), ()),
    ((2, 4), (3, 4), (1,)), ((2, 4), (3, 4), (2, 3)), ((4,), (3, 4), (3,)),
])
@conformance()
def test_f_linear_shapes(T, case):
    xs, ws, bs = case
    args = [tensor(T, xs), tensor(T, ws, seed=1)] + ([] if bs is None else [tensor(T, bs, seed=2)])
    return _error(lambda: T.nn.functional.linear(*args)) or T.nn.functional.linear(*args)


@conformance()
def test_f_linear_dtypes(T):
    x, w = tensor(T, (2, 4)), tensor(T, (3, 4), seed=1)
    xi, wi = tensor(T, (2, 4), dtype="int64"), tensor(T, (3, 4), dtype="int64", seed=1)
    return (T.nn.functional.linear(xi, wi), message(lambda: T.nn.functional.linear(x, w.double()), "dtype"),
            T.nn.functional.linear(x.double(), w.double(), tensor(T, (3,), dtype="float64")))


@conformance(errors=True)
def test_linear_wrong_in_features(T):
    return T.nn.Linear(4, 3)(tensor(T, (2, 5)))


@pytest.mark.parametrize("bias", [True, False])
@conformance()
def test_bilinear(T, bias):
    m = fill_params(T, T.nn.Bilinear(3, 4, 2, bias=bias))
    x1, x2 = tensor(T, (2, 3), grad=True), tensor(T, (2, 4), grad=True, seed=1)
    y = m(x1, x2)
    y.sum().backward()
    f = T.nn.functional.bilinear(tensor(T, (3,)), tensor(T, (4,)), m.weight.detach())
    return y, x1.grad, x2.grad, m.weight.grad, repr(m), f, T.bilinear(x1.detach(), x2.detach(), m.weight.detach())


@pytest.mark.parametrize("case", [((2, 3), (2, 5), (5, 3, 4)), ((2, 3), (3, 4), (5, 3, 4)), ((2, 5), (2, 4), (5, 3, 4)),
                                  ((2, 3), (2, 4, 1), (5, 3, 4)), ((2, 3), (2, 4), (5, 3))])
@conformance()
def test_bilinear_errors(T, case):
    return _error(lambda: T.nn.functional.bilinear(*[tensor(T, s) for s in case]))


@conformance()
def test_bilinear_bias_error(T):
    return _error(lambda: T.nn.functional.bilinear(tensor(T, (2, 3)), tensor(T, (2, 4)), tensor(T, (5, 3, 4)),
                                                   tensor(T, (4,))))


@conformance()
def test_identity_flatten_unflatten(T):
    x = tensor(T, (2, 3, 4), grad=True)
    mods = [T.nn.Identity(3, k=1), T.nn.Flatten(), T.nn.Flatten(0, 1), T.nn.Unflatten(2, (2, 2)),
            T.nn.Unflatten(1, [3, 1])]
    ys = [m(x) for m in mods]
    sum(y.sum() for y in ys).backward()
    return ys, x.grad, [repr(m) for m in mods]


@pytest.mark.parametrize("size", [(2, "a"), 3])
@conformance()
def test_unflatten_bad_size(T, size):
    return _error(lambda: T.nn.Unflatten(1, size))


# --- Parameter / Buffer -----------------------------------------------------------------------------------------


@conformance()
def test_parameter(T):
    t = tensor(T, (2, 3))
    p = T.nn.Parameter(t)
    q = T.nn.Parameter(t, requires_grad=False)
    with T.no_grad():
        p[0, 0] = 7.0  # shares storage with t
    e = T.nn.Parameter()
    return (repr(p), str(p), repr(q), p.requires_grad, q.requires_grad, t, isinstance(p, T.Tensor),
            type(p + 1).__name__, type(p.detach()).__name__, e.shape, p.is_leaf, type(copy.deepcopy(p)).__name__,
            copy.deepcopy(p), isinstance(pickle.loads(pickle.dumps(p)), T.nn.Parameter))


@conformance()
def test_parameter_int_requires_grad(T):
    return _error(lambda: T.nn.Parameter(tensor(T, (2,), dtype="int64")))


@conformance()
def test_buffer(T):
    b = T.nn.Buffer(tensor(T, (2,)), persistent=False)
    m = T.nn.Module()
    m.a = b
    m.b = T.nn.Buffer(tensor(T, (3,)))
    return (type(b).__name__, isinstance(b, T.nn.Buffer), isinstance(tensor(T, (2,)), T.nn.Buffer), b.persistent,
            list(m.state_dict()), [n for n, _ in m.named_buffers()])


@conformance()
def test_uninitialized(T):
    p = T.nn.UninitializedParameter()
    b = T.nn.UninitializedBuffer()
    r = (repr(p), str(b), T.nn.parameter.is_lazy(p), isinstance(p, T.nn.Parameter), _error(lambda: p.shape))
    p.materialize((2, 3))
    b.materialize(4, dtype=T.float64)
    return r + (type(p).__name__, p.shape, p.requires_grad, type(b).__name__, b.dtype, b.shape,
                repr(copy.deepcopy(T.nn.UninitializedParameter(requires_grad=False))))


# --- registration ------------------------------------------------------------------------------------------------


def _net(T):
    class Net(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = T.nn.Linear(4, 3)
            self.block = T.nn.Sequential(T.nn.Linear(3, 3), T.nn.Identity())
            self.shared = self.fc1  # the same module twice
            self.register_buffer("running", T.ones(3))
            self.register_buffer("scratch", T.zeros(2), persistent=False)
            self.scale = T.nn.Parameter(T.ones(()))
            self.tied = T.nn.Linear(4, 3, bias=False)
            self.tied.weight = self.fc1.weight  # tied weights
            self.plain = 3

        def forward(self, x):
            return self.block(self.fc1(x)) * self.scale + self.tied(x) + self.running

    return fill_params(T, Net())


@conformance()
def test_named_members(T):
    net = _net(T)
    return ([n for n, _ in net.named_parameters()], [n for n, _ in net.named_parameters(remove_duplicate=False)],
            [n for n, _ in net.named_parameters(prefix="model", recurse=False)],
            [n for n, _ in net.named_buffers()], [n for n, _ in net.named_children()],
            [n for n, _ in net.named_modules()], [n for n, _ in net.named_modules(remove_duplicate=False)],
            [n for n, _ in net.named_modules(prefix="root")], len(list(net.parameters())), len(list(net.modules())),
            len(list(net.children())), len(list(net.buffers(recurse=False))), list(net.state_dict()),
            list(net.state_dict(prefix="p.")), "fc1" in dir(net), "running" in dir(net), "plain" in dir(net),
            [type(m).__name__ for m in net.modules()])


@conformance()
def test_named_modules_memo(T):
    net = _net(T)
    memo = {net.fc1}
    return [n for n, _ in net.named_modules(memo=memo)], len(memo)


@conformance()
def test_net_forward_backward(T):
    net = _net(T)
    x = tensor(T, (2, 4), grad=True)
    y = net(x)
    y.sum().backward()
    return y, x.grad, [(n, p.grad) for n, p in net.named_parameters()], repr(net)


@conformance()
def test_setattr_rules(T):
    m = T.nn.Linear(2, 2)
    out = [_error(lambda: setattr(m, "weight", T.ones(2, 2)))]
    out.append(_error(lambda: setattr(m, "weight", T.nn.Linear(1, 1))))  # a module replaces the parameter
    out.append((list(m._parameters), list(m._modules)))
    m.weight = None
    out.append(list(m.state_dict()))
    m.buf = T.nn.Buffer(T.ones(1))
    out.append(_error(lambda: setattr(m, "buf", 3)))
    m.buf = None
    out.append(_error(lambda: setattr(m, "weight", T.nn.Linear(1, 1))))
    m.sub = T.nn.Identity()
    out.append(_error(lambda: setattr(m, "sub", 3)))
    m.sub = None
    out.append((list(m._modules), m.sub))
    m.sub = T.nn.Parameter(T.ones(1))  # a parameter replaces the submodule
    del m.buf
    del m.weight
    out.append((list(m._buffers), list(m._modules), list(m._parameters), _error(lambda: m.nothing)))
    m.x = 1
    del m.x
    out.append(_error(lambda: m.x))
    return out


@conformance()
def test_register_errors(T):
    m = T.nn.Linear(2, 2)
    t = T.ones(1)
    p = T.nn.Parameter(T.ones(1))
    cases = [lambda: m.register_buffer("a.b", t), lambda: m.register_buffer("", t), lambda: m.register_buffer(1, t),
             lambda: m.register_buffer("weight", t), lambda: m.register_buffer("x", 3),
             lambda: m.register_parameter("a.b", p), lambda: m.register_parameter("", p),
             lambda: m.register_parameter("x", t), lambda: m.register_parameter("training", p),
             lambda: m.register_parameter("y", T.nn.Parameter(T.ones(1)) * 2),
             lambda: m.add_module("a.b", T.nn.Identity()), lambda: m.add_module("", T.nn.Identity()),
             lambda: m.add_module("x", 3), lambda: m.add_module(1, T.nn.Identity()),
             lambda: m.add_module("weight", T.nn.Identity())]
    return [_error(c) for c in cases]


@conformance()
def test_before_init_errors(T):
    class Bad(T.nn.Module):
        def __init__(self, kind):
            if kind == 0:
                self.p = T.nn.Parameter(T.ones(1))
            elif kind == 1:
                self.m = T.nn.Identity()
            elif kind == 2:
                self.register_buffer("b", T.ones(1))
            super().__init__()

    return ([_error(lambda k=k: Bad(k)) for k in range(3)], _error(lambda: T.nn.Module(3)),
            _error(lambda: T.nn.Module(a=1)), _error(lambda: T.nn.Module()(1)))


@conformance()
def test_get_submodule_parameter_buffer(T):
    net = _net(T)
    out = [net.get_submodule("block.0").in_features, net.get_submodule("") is net, net.get_parameter("block.0.bias"),
           net.get_buffer("running"), net.get_parameter("scale")]
    for fn in (lambda: net.get_submodule("block.5"), lambda: net.get_submodule("plain"),
               lambda: net.get_parameter("block.0.nothing"), lambda: net.get_parameter("running"),
               lambda: net.get_buffer("scale"), lambda: net.get_buffer("nope")):
        out.append(_error(fn))
    net.set_submodule("block.1", T.nn.Flatten())
    out.append(repr(net.block))
    out.append(_error(lambda: net.set_submodule("block.zzz", T.nn.Flatten(), strict=True)))
    out.append(_error(lambda: net.set_submodule("", T.nn.Flatten())))
    return out


# --- state_dict --------------------------------------------------------------------------------------------------


@conformance()
def test_state_dict_values(T):
    net = _net(T)
    sd = net.state_dict()
    kv = net.state_dict(keep_vars=True)
    return (sd, [type(v).__name__ for v in sd.values()], [v.requires_grad for v in kv.values()],
            type(sd).__name__, dict(sd._metadata))


@conformance()
def test_load_state_dict(T):
    src, dst = _net(T), _net(T)
    with T.no_grad():
        for p in src.parameters():
            p.mul_(2)
    r = dst.load_state_dict(src.state_dict())
    r2 = dst.load_state_dict(OrderedDict(list(src.state_dict().items())[1:] + [("extra.w", T.ones(1))]), strict=False)
    return repr(r), str(r), r2.missing_keys, r2.unexpected_keys, type(r2).__name__, dst.state_dict()


@conformance()
def test_load_state_dict_errors(T):
    m = T.nn.Sequential(T.nn.Linear(4, 3), T.nn.Linear(3, 2))
    good = m.state_dict()
    bad_shape = dict(good, **{"0.weight": T.ones(3, 5)})
    missing = {k: v for k, v in good.items() if k != "1.bias"}
    unexpected = dict(good, **{"2.weight": T.ones(1), "0.other": T.ones(1)})
    return ([_error(lambda d=d: m.load_state_dict(d)) for d in (bad_shape, missing, unexpected)],
            _error(lambda: m.load_state_dict({**missing, "0.weight": T.ones(2, 2)}, strict=False)),
            _error(lambda: m.load_state_dict([1, 2])), _error(lambda: m.load_state_dict(dict(good, **{"0.bias": 3}))))


@conformance()
def test_load_state_dict_assign_and_scalar(T):
    m = T.nn.Linear(2, 2)
    new = {"weight": tensor(T, (2, 2)), "bias": tensor(T, (2,))}
    m.load_state_dict(new, assign=True)
    same = m.weight.data_ptr() == new["weight"].data_ptr()
    s = T.nn.Module()
    s.p = T.nn.Parameter(T.ones(()))
    s.load_state_dict({"p": T.tensor([5.0])})  # a (1,)-shaped value loads into a 0-dim parameter
    return same, type(m.weight).__name__, m.weight.requires_grad, m.weight, s.p


@conformance()
def test_state_dict_hooks_and_extra_state(T):
    log = []

    class WithExtra(T.nn.Linear):
        def get_extra_state(self):
            return {"step": 3}

        def set_extra_state(self, state):
            log.append(("set", state))

    m = T.nn.Sequential(WithExtra(2, 2))
    m.register_state_dict_pre_hook(lambda mod, prefix, keep_vars: log.append(("pre", prefix, keep_vars)))
    m[0].register_state_dict_post_hook(lambda mod, sd, prefix, meta: log.append(("post", prefix, list(sd))))
    m._register_state_dict_hook(lambda mod, sd, prefix, meta: log.append(("private", prefix)))
    m[0].register_load_state_dict_pre_hook(lambda mod, sd, prefix, *a: log.append(("lpre", prefix, sorted(sd))))
    m.register_load_state_dict_post_hook(lambda mod, keys: log.append(("lpost", list(keys.missing_keys))))
    sd = m.state_dict()
    m.load_state_dict(sd)
    extra_missing = _error(lambda: m.load_state_dict({k: v for k, v in sd.items() if "extra" not in k}))
    plain = T.nn.Linear(2, 2)
    unexpected = _error(lambda: plain.load_state_dict(dict(plain.state_dict(), _extra_state=1)))
    return list(sd), sd["0._extra_state"], log, extra_missing, unexpected


# --- modes, conversions, grads -----------------------------------------------------------------------------------


@conformance()
def test_train_eval(T):
    net = _net(T)
    r = [net.training, net.eval() is net, [m.training for m in net.modules()]]
    net.train()
    r.append([m.training for m in net.modules()])
    net.block.train(False)
    r.append([m.training for m in net.modules()])
    r.append(_error(lambda: net.train(1)))
    return r


@pytest.mark.parametrize("conv", ["double", "half", "bfloat16", "float", "to_f64", "to_tensor", "type"])
@conformance()
def test_dtype_conversions(T, conv):
    m = T.nn.Linear(2, 2)
    m.register_buffer("count", T.zeros(2, dtype=T.int64))
    w = m.weight
    out = {"double": lambda: m.double(), "half": lambda: m.half(), "bfloat16": lambda: m.bfloat16(),
           "float": lambda: m.double().float(), "to_f64": lambda: m.to(T.float64),
           "to_tensor": lambda: m.to(T.ones(1, dtype=T.float64)), "type": lambda: m.type(T.float64)}[conv]()
    return out is m, m.weight is w, type(m.weight).__name__, m.weight.dtype, m.bias.dtype, m.count.dtype


@conformance()
def test_to_errors_and_device(T):
    m = T.nn.Linear(2, 2)
    return (_error(lambda: m.to(T.int64)), m.to("cpu") is m, m.cpu() is m, m.weight.device,
            m.to(device="cpu", dtype=T.float64).weight.dtype, m.to(T.float32, non_blocking=True).weight.dtype)


@conformance()
def test_to_keeps_grad(T):
    m = fill_params(T, T.nn.Linear(2, 2))
    m(tensor(T, (1, 2))).sum().backward()
    m.double()
    return m.weight.grad, m.weight.grad.dtype


@pytest.mark.parametrize("set_to_none", [True, False])
@conformance()
def test_zero_grad_requires_grad(T, set_to_none):
    net = _net(T)
    net(tensor(T, (2, 4))).sum().backward()
    net.zero_grad(set_to_none=set_to_none)
    grads = [p.grad for p in net.parameters()]
    net.requires_grad_(False)
    flags = [p.requires_grad for p in net.parameters()]
    net.block.requires_grad_()
    return grads, flags, [p.requires_grad for p in net.parameters()]


@conformance()
def test_apply_and_share_memory(T):
    net = _net(T)
    seen = []
    net.apply(lambda m: seen.append(type(m).__name__))

    def init(m):
        if isinstance(m, T.nn.Linear):
            T.nn.init.constant_(m.weight, 0.5)

    net.apply(init)
    return seen, net.share_memory() is net, net.fc1.weight


# --- hooks -------------------------------------------------------------------------------------------------------


@conformance()
def test_forward_hooks(T):
    log = []
    m = fill_params(T, T.nn.Linear(2, 2))
    h1 = m.register_forward_pre_hook(lambda mod, args: log.append(("pre1", len(args))))
    m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    m.register_forward_pre_hook(lambda mod, args: log.append("pre0"), prepend=True)
    m.register_forward_pre_hook(lambda mod, args, kwargs: log.append(("prekw", sorted(kwargs))), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, out: log.append(("post", out)))
    m.register_forward_hook(lambda mod, args, out: out + 1)
    m.register_forward_hook(lambda mod, args, kwargs, out: log.append(("postkw", out)), with_kwargs=True)
    m.register_forward_hook(lambda mod, args, out: log.append("first"), prepend=True)
    x = tensor(T, (1, 2))
    y1 = m(x)
    h1.remove()
    with m.register_forward_hook(lambda mod, args, out: log.append("ctx")):
        y2 = m(x)
    y3 = m(x)
    return log, y1, y2, y3


@conformance()
def test_forward_hook_always_call(T):
    log = []

    class Boom(T.nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    m = Boom()
    m.register_forward_hook(lambda mod, args, out: log.append(("always", out)), always_call=True)
    m.register_forward_hook(lambda mod, args, out: log.append("normal"))
    err = _error(lambda: m(1))
    return err, log


@conformance()
def test_forward_pre_hook_bad_return(T):
    m = T.nn.Identity()
    m.register_forward_pre_hook(lambda mod, args, kwargs: 3, with_kwargs=True)
    return _error(lambda: m(1))


@conformance()
def test_kwargs_hooks_change_inputs(T):
    class Add(T.nn.Module):
        def forward(self, x, *, y=0):
            return x + y

    m = Add()
    m.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] * 10,), {"y": kwargs["y"] + 1}), with_kwargs=True)
    return m(tensor(T, (2,)), y=tensor(T, (2,), seed=1))


@conformance()
def test_global_forward_hooks(T):
    log = []
    mm = T.nn.modules.module
    h1 = mm.register_module_forward_pre_hook(lambda mod, args: log.append(("gpre", type(mod).__name__)))
    h2 = mm.register_module_forward_hook(lambda mod, args, out: log.append(("gpost", type(mod).__name__)))
    try:
        net = T.nn.Sequential(T.nn.Identity(), T.nn.Flatten())
        net.register_forward_hook(lambda mod, args, out: log.append("local"))
        net(tensor(T, (2, 2)))
    finally:
        h1.remove()
        h2.remove()
    net(tensor(T, (2, 2)))
    return log


@conformance()
def test_full_backward_hooks(T):
    log = []
    m = fill_params(T, T.nn.Linear(3, 2))
    m.register_full_backward_pre_hook(lambda mod, gout: log.append(("pre", gout)))
    m.register_full_backward_hook(lambda mod, gin, gout: log.append(("hook", gin, gout)))
    m.register_full_backward_hook(lambda mod, gin, gout: (gin[0] * 3,))
    x = tensor(T, (2, 3), grad=True)
    y = m(x)
    (y * tensor(T, (2, 2), seed=4)).sum().backward()
    return log, x.grad, m.weight.grad, y.grad_fn is not None


@conformance()
def test_full_backward_pre_hook_replaces_grad(T):
    m = fill_params(T, T.nn.Linear(3, 2))
    m.register_full_backward_pre_hook(lambda mod, gout: (gout[0] * 0 + 1,))
    x = tensor(T, (2, 3), grad=True)
    (m(x) * 5).sum().backward()
    return x.grad, m.weight.grad, m.bias.grad


@conformance()
def test_full_backward_hook_two_inputs(T):
    log = []

    class Mul(T.nn.Module):
        def forward(self, a, k, b):
            return a * b * k, a + b

    m = Mul()
    m.register_full_backward_hook(lambda mod, gin, gout: log.append((gin, gout)))
    a, b = tensor(T, (2,), grad=True), tensor(T, (2,), seed=1)
    y, z = m(a, 3.0, b)
    (y.sum() + 2 * z.sum()).backward()
    return log, a.grad


@conformance()
def test_full_backward_hook_no_input_grad(T):
    log = []
    m = fill_params(T, T.nn.Linear(3, 2))
    m.register_full_backward_hook(lambda mod, gin, gout: log.append((gin, gout)))
    import warnings

    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        m(tensor(T, (2, 3))).sum().backward()
    return log, [str(x.message)[:40] for x in w], m.bias.grad


@conformance()
def test_backward_hook_mixing_error(T):
    m = T.nn.Linear(2, 2)
    m.register_full_backward_hook(lambda *a: None)
    return _error(lambda: m.register_backward_hook(lambda *a: None))


# --- repr --------------------------------------------------------------------------------------------------------


@conformance()
def test_repr_nested(T):
    class Block(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = T.nn.Sequential(T.nn.Linear(2, 2), T.nn.Flatten())

        def extra_repr(self):
            return "first line\nsecond line"

    class Empty(T.nn.Module):
        def extra_repr(self):
            return "k=1"

    net = T.nn.Sequential(OrderedDict([("block", Block()), ("empty", Empty()), ("none", None)]))
    ml = T.nn.ModuleList([T.nn.Linear(2, 2), T.nn.Linear(2, 2), Block(), Block(), T.nn.Linear(2, 2)])
    return (repr(net), str(net), repr(ml), repr(T.nn.ModuleList()), repr(T.nn.ModuleDict({"a": Empty()})),
            repr(T.nn.Module()), repr(T.nn.Sequential()))


@conformance()
def test_repr_parameter_containers(T):
    pl = T.nn.ParameterList([T.nn.Parameter(T.ones(2, 3)), T.ones(4, dtype=T.float64), 5])
    pd = T.nn.ParameterDict({"b": T.nn.Parameter(T.ones(2)), "a": T.ones(1, 2), "c": "str"})
    return repr(pl), repr(pd), repr(T.nn.Sequential(pl, pd)), list(pd.keys())


# --- containers --------------------------------------------------------------------------------------------------


@conformance()
def test_sequential_ops(T):
    a, b, c = T.nn.Linear(2, 2), T.nn.Identity(), T.nn.Flatten()
    s = T.nn.Sequential(a, b, c)
    out = [repr(s[1:]), type(s[1:]).__name__, s[-1] is c, len(s), repr(s[::2])]
    s2 = s + T.nn.Sequential(T.nn.Identity())
    out += [len(s2), repr(s * 2), repr(2 * s), _error(lambda: s * 0), _error(lambda: s * 1.5), _error(lambda: s + 1)]
    s.append(T.nn.Identity())
    s.insert(1, T.nn.Flatten(0))
    s.insert(-1, T.nn.Identity())
    s.extend([T.nn.Flatten(2)])
    out.append(repr(s))
    out.append(repr(s.pop(0)))
    del s[1:3]
    out.append(repr(s))
    s[0] = T.nn.Flatten(0, 1)
    out.append(repr(s))
    s3 = T.nn.Sequential(T.nn.Identity())
    s3 += T.nn.Sequential(T.nn.Flatten())
    s3 *= 2
    out += [repr(s3), _error(lambda: s[10]), _error(lambda: s.insert(9, T.nn.Identity())),
            _error(lambda: s.insert(0, 3)), "0" in dir(s)]
    od = T.nn.Sequential(OrderedDict([("x", T.nn.Identity()), ("y", T.nn.Flatten())]))
    out += [repr(od), repr(od[1:])]
    x = tensor(T, (2, 2, 2), grad=True)
    y = T.nn.Sequential(fill_params(T, T.nn.Linear(2, 3)), T.nn.Flatten())(x)
    y.sum().backward()
    return out, y, x.grad


@conformance()
def test_module_list_ops(T):
    ml = T.nn.ModuleList([T.nn.Linear(2, 2) for _ in range(3)])
    out = [repr(ml), repr(ml[1:]), type(ml[:1]).__name__, len(ml), _error(lambda: ml[5])]
    ml.append(T.nn.Identity())
    ml.extend([T.nn.Flatten()])
    ml += [T.nn.Identity()]
    ml.insert(1, T.nn.Identity())
    out.append(repr(ml))
    out.append(repr(ml.pop(1)))
    del ml[0]
    ml[0] = T.nn.Flatten(0)
    out += [repr(ml), repr(ml + T.nn.ModuleList([T.nn.Identity()])), [n for n, _ in ml.named_parameters()],
            _error(lambda: ml.extend(3)), "1" in dir(ml)]
    return out


@conformance()
def test_module_dict_ops(T):
    md = T.nn.ModuleDict({"b": T.nn.Identity(), "a": T.nn.Linear(1, 1)})
    md["c"] = T.nn.Flatten()
    md.update([("d", T.nn.Identity())])
    out = [repr(md), list(md), list(md.keys()), len(md), "a" in md, [type(v).__name__ for v in md.values()],
           [k for k, _ in md.items()], repr(md.pop("b"))]
    del md["c"]
    out += [list(md), _error(lambda: md.update(3)), _error(lambda: md.update([(1, 2, 3)])),
            _error(lambda: md.update([3]))]
    md.clear()
    out.append(repr(md))
    return out


@conformance()
def test_parameter_list_dict_ops(T):
    pl = T.nn.ParameterList([tensor(T, (2,)), tensor(T, (3,), seed=1)])
    pl.append(T.nn.Parameter(tensor(T, (1,), seed=2)))
    pl.extend([tensor(T, (2, 2), seed=3)])
    pl[0] = tensor(T, (2,), seed=4)
    out = [len(pl), [type(p).__name__ for p in pl], list(pl), [n for n, _ in pl.named_parameters()], len(pl[1:3]),
           _error(lambda: pl[7]), _error(lambda: pl.extend(T.ones(2))), _error(lambda: pl(1))]
    pd = T.nn.ParameterDict({"x": tensor(T, (2,))})
    pd["y"] = tensor(T, (1,), seed=1)
    pd.update(OrderedDict([("z", T.nn.Parameter(T.ones(1))), ("a", T.ones(2))]))
    out += [list(pd), pd.get("q", 5), pd.setdefault("q", T.zeros(1)), pd.pop("x"), list(pd), pd.popitem(), "y" in pd,
            list(reversed(pd)), list(pd.copy()), list(pd | T.nn.ParameterDict({"n": T.ones(1)})),
            list(pd.fromkeys(["u", "v"], T.ones(1))), _error(lambda: pd[3]), [n for n, _ in pd.named_parameters()]]
    pd.clear()
    out.append(len(pd))
    return out


# --- copying -----------------------------------------------------------------------------------------------------


@conformance()
def test_deepcopy_and_pickle(T):
    net = _net(T)
    h = net.register_forward_hook(lambda mod, args, out: out)
    x = tensor(T, (2, 4))
    c = copy.deepcopy(net)
    p = pickle.loads(pickle.dumps(T.nn.Sequential(net.fc1, net.block)))
    h.remove()
    return (c(x), c.tied.weight is c.fc1.weight, c.shared is c.fc1, c.fc1.weight is net.fc1.weight,
            [n for n, _ in c.named_parameters()], len(c._forward_hooks), p(x), type(p[0].weight).__name__,
            c.scratch, p.state_dict())


# --- lazy --------------------------------------------------------------------------------------------------------


@conformance()
def test_lazy_linear(T):
    m = T.nn.LazyLinear(3)
    before = (repr(m), type(m).__name__, repr(m.weight), m.has_uninitialized_params(), list(m.state_dict()))
    fill = T.nn.LazyLinear(3, bias=False)
    fill.load_state_dict({"weight": tensor(T, (3, 4))})
    y = m(tensor(T, (2, 4)))
    return before, repr(m), type(m).__name__, y.shape, m.weight.shape, m.bias.shape, type(fill).__name__, fill.weight


@conformance()
def test_seeded_linear_init(T):
    T.manual_seed(0)
    m = T.nn.Linear(5, 3)
    b = T.nn.Bilinear(2, 3, 4)
    lz = T.nn.LazyLinear(2)
    lz(tensor(T, (1, 3)))
    return m.weight, m.bias, b.weight, b.bias, lz.weight, lz.bias


@conformance()
def test_to_positional_non_blocking_and_lazy_double(T):
    m = T.nn.Linear(2, 2).to(T.float64, True)
    lz = T.nn.LazyLinear(3).double()
    y = lz(tensor(T, (2, 4), dtype="float64"))
    return m.weight.dtype, y.dtype, lz.weight.dtype, repr(lz)


@conformance()
def test_global_backward_hooks(T):
    log = []
    mm = T.nn.modules.module
    h1 = mm.register_module_full_backward_hook(lambda mod, gin, gout: log.append((type(mod).__name__, gin, gout)))
    h2 = mm.register_module_full_backward_pre_hook(lambda mod, gout: log.append(("pre", type(mod).__name__)))
    try:
        m = fill_params(T, T.nn.Linear(2, 2))
        x = tensor(T, (1, 2), grad=True)
        m(x).sum().backward()
        err = _error(lambda: mm.register_module_backward_hook(lambda *a: None))
    finally:
        h1.remove()
        h2.remove()
    return log, err, x.grad


@conformance()
def test_parameter_containers_state_dict(T):
    net = T.nn.Module()
    net.pl = T.nn.ParameterList([tensor(T, (2,)), tensor(T, (1,), seed=1)])
    net.pd = T.nn.ParameterDict({"b": tensor(T, (2,), seed=2), "a": tensor(T, (3,), seed=3)})
    net.md = T.nn.ModuleDict({"lin": fill_params(T, T.nn.Linear(1, 1))})
    sd = net.state_dict()
    other = T.nn.Module()
    other.pl = T.nn.ParameterList([T.zeros(2), T.zeros(1)])
    other.pd = T.nn.ParameterDict({"b": T.zeros(2), "a": T.zeros(3)})
    other.md = T.nn.ModuleDict({"lin": T.nn.Linear(1, 1)})
    other.load_state_dict(sd)
    return sd, other.state_dict(), repr(net)


@conformance()
def test_legacy_backward_hook_warns(T):
    m = fill_params(T, T.nn.Linear(2, 2))
    calls = []
    m.register_backward_hook(lambda mod, gin, gout: calls.append(type(mod).__name__))
    with pytest.warns(FutureWarning) as w:
        y = m(tensor(T, (1, 2), grad=True))
    y.sum().backward()
    return [str(x.message)[:60] for x in w], calls, _error(lambda: m.register_full_backward_hook(lambda *a: None))


@conformance()
def test_uninitialized_use_raises(T):
    p = T.nn.UninitializedParameter()
    q = p.double()
    return (_error(lambda: p + 1)[0], _error(lambda: p.sum())[0], p.dtype, p.size(), q.dtype, type(q).__name__,
            p.device, p.is_floating_point(), p.requires_grad)
