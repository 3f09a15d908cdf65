"""torch.nn.utils against torch: grad clipping, parameter vectors, pruning, parametrizations, weight/spectral norm."""

import importlib

import pytest
from harness import conformance, fill_params, tensor


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error is the result
        base = next(c for c in type(e).__mro__ if c.__module__ == "builtins")
        return base.__name__, str(e).replace("torchax.", "torch.")
    return None


def _mlp(T):
    return fill_params(T, T.nn.Sequential(T.nn.Linear(4, 3), T.nn.Tanh(), T.nn.Linear(3, 2)), low=-2, high=2)


def _with_grads(T):
    m = _mlp(T)
    (m(tensor(T, (2, 4))) ** 2).sum().backward()
    return m


# --- clipping ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("norm_type", [2.0, 1, float("inf"), 0.5, "inf"])
@pytest.mark.parametrize("max_norm", [0.1, 1e6])
@conformance(rtol=1e-5, atol=1e-5)
def test_clip_grad_norm(T, norm_type, max_norm):
    m = _with_grads(T)
    total = T.nn.utils.clip_grad_norm_(m.parameters(), max_norm, norm_type=norm_type)
    return total, [p.grad for p in m.parameters()]


@conformance()
def test_clip_grad_norm_forms(T):
    m = _with_grads(T)
    w = m[0].weight
    single = T.nn.utils.clip_grad_norm_(w, 0.5, foreach=True)
    m[2].bias.grad = None
    total = T.nn.utils.get_total_norm([p.grad for p in m.parameters() if p.grad is not None], 3.0)
    T.nn.utils.clip_grads_with_norm_(m.parameters(), 0.2, total)
    with pytest.warns(UserWarning, match="empty generator"):
        empty = T.nn.utils.clip_grad_norm_((p for p in []), 1.0)
    with pytest.warns(FutureWarning):
        dep = T.nn.utils.clip_grad_norm(m.parameters(), 10.0)
    return single, total, [p.grad for p in m.parameters()], empty, dep, T.nn.utils.get_total_norm([])


@conformance()
def test_clip_grad_norm_nonfinite(T):
    p = T.nn.Parameter(T.ones(3))
    p.grad = T.tensor([1.0, float("inf"), 2.0])
    total = T.nn.utils.clip_grad_norm_([p], 1.0)
    err = _error(lambda: T.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True))
    return total, p.grad, err


@conformance()
def test_clip_grad_value(T):
    m = _with_grads(T)
    T.nn.utils.clip_grad_value_(m.parameters(), 0.3)
    w = T.nn.Parameter(T.ones(2))
    w.grad = T.tensor([-5.0, 0.1])
    T.nn.utils.clip_grad_value_(w, 1)
    return [p.grad for p in m.parameters()], w.grad


@conformance()
def test_parameters_vector(T):
    m = _mlp(T)
    vec = T.nn.utils.parameters_to_vector(m.parameters())
    T.nn.utils.vector_to_parameters(vec * 2, m.parameters())
    return vec, [p for p in m.parameters()], [type(p).__name__ for p in m.parameters()], \
        _error(lambda: T.nn.utils.vector_to_parameters([1.0], m.parameters()))


# --- prune ---------------------------------------------------------------------------------------------------------


def _prune(T):
    return importlib.import_module(T.__name__ + ".nn.utils.prune")  # torch.nn.utils does not import it


def _pruned_state(T, m, x):
    y = m(x)
    y.sum().backward()
    return (y, sorted(n for n, _ in m.named_parameters()), sorted(n for n, _ in m.named_buffers()),
            list(m.state_dict()), m.weight, m.weight_orig.grad, _prune(T).is_pruned(m))


@pytest.mark.parametrize("how", ["l1_int", "l1_float", "ln_structured", "identity", "custom", "l1_scores"])
@conformance()
def test_prune_methods(T, how):
    prune = _prune(T)
    m = fill_params(T, T.nn.Linear(4, 3))
    {"l1_int": lambda: prune.l1_unstructured(m, "weight", amount=5),
     "l1_float": lambda: prune.l1_unstructured(m, "weight", amount=0.5),
     "ln_structured": lambda: prune.ln_structured(m, "weight", amount=1, n=2, dim=0),
     "identity": lambda: prune.identity(m, "weight"),
     "custom": lambda: prune.custom_from_mask(m, "weight", mask=tensor(T, (3, 4)) > 0),
     "l1_scores": lambda: prune.l1_unstructured(m, "weight", 4, importance_scores=tensor(T, (3, 4), seed=9))}[how]()
    return _pruned_state(T, m, tensor(T, (2, 4), seed=1))


@conformance()
def test_prune_iterative_and_remove(T):
    prune = _prune(T)
    m = fill_params(T, T.nn.Linear(4, 3))
    prune.l1_unstructured(m, "weight", amount=3)
    prune.ln_structured(m, "weight", amount=1, n=1, dim=1)
    prune.l1_unstructured(m, "bias", amount=1)
    hooks = [type(h).__name__ for h in m._forward_pre_hooks.values()]
    container = next(h for h in m._forward_pre_hooks.values() if type(h).__name__ == "PruningContainer")
    state = _pruned_state(T, m, tensor(T, (2, 4)))
    prune.remove(m, "weight")
    after = (sorted(n for n, _ in m.named_parameters()), list(m.state_dict()), m.weight, type(m.weight).__name__,
             prune.is_pruned(m))
    return hooks, len(container), state, after, _error(lambda: prune.remove(m, "weight"))


@conformance()
def test_prune_global_and_errors(T):
    prune = _prune(T)
    net = _mlp(T)
    params = [(net[0], "weight"), (net[2], "weight")]
    prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=6)
    errs = [_error(lambda: prune.l1_unstructured(net[0], "bias", amount=-1)),
            _error(lambda: prune.l1_unstructured(net[0], "bias", amount=1.5)),
            _error(lambda: prune.l1_unstructured(net[0], "bias", amount="a")),
            _error(lambda: prune.l1_unstructured(net[0], "bias", amount=10)),
            _error(lambda: prune.ln_structured(net[0], "bias", amount=1, n=2, dim=0)),
            _error(lambda: prune.ln_structured(net[2], "bias", amount=1, n=2, dim=3)),
            _error(lambda: prune.global_unstructured(params, pruning_method=prune.LnStructured, amount=1, n=2)),
            list(net[0]._parameters)]
    return net[0].weight, net[2].weight, int(net[0].weight_mask.sum() + net[2].weight_mask.sum()), errs


@conformance()
def test_prune_random_seeded(T):
    prune = _prune(T)
    T.manual_seed(0)
    m = T.nn.Linear(6, 4)
    prune.random_unstructured(m, "weight", amount=0.3)
    prune.random_structured(m, "weight", amount=2, dim=0)
    return m.weight_mask, m.weight


@conformance()
def test_prune_method_prune(T):
    prune = _prune(T)
    t = tensor(T, (3, 4))
    return prune.L1Unstructured(amount=2).prune(t), prune.LnStructured(amount=1, n=1, dim=-1).prune(t)


# --- parametrize ---------------------------------------------------------------------------------------------------


def _symmetric(T):
    class Symmetric(T.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()

    return Symmetric


def _scale(T):
    class Scale(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.s = T.nn.Parameter(T.tensor(2.0))

        def forward(self, X):
            return X * self.s

    return Scale


@conformance()
def test_register_parametrization(T):
    P = T.nn.utils.parametrize
    m = fill_params(T, T.nn.Linear(3, 3))
    P.register_parametrization(m, "weight", _symmetric(T)())
    info = (repr(m), type(m).__name__, P.type_before_parametrizations(m).__name__, P.is_parametrized(m),
            P.is_parametrized(m, "weight"), P.is_parametrized(m, "bias"), list(m.state_dict()),
            [n for n, _ in m.named_parameters()])
    x = tensor(T, (2, 3), grad=True)
    y = m(x)
    y.sum().backward()
    P.register_parametrization(m, "weight", _scale(T)())
    with P.cached():
        w1 = m.weight
        same = w1 is m.weight
    err = _error(lambda: setattr(m, "weight", tensor(T, (3, 3), seed=3)))  # Scale has no right_inverse
    return info, y, x.grad, m.parametrizations.weight.original.grad, w1, same, m.weight, err


@conformance()
def test_parametrization_assign_and_remove(T):
    P = T.nn.utils.parametrize
    m = fill_params(T, T.nn.Linear(3, 3))
    P.register_parametrization(m, "weight", _symmetric(T)())
    m.weight = tensor(T, (3, 3), seed=5)
    assigned = (m.weight, m.parametrizations.weight.original)
    orig = m.parametrizations.weight.original
    P.remove_parametrizations(m, "weight")
    kept = (type(m).__name__, m.weight, m.weight is orig, list(m.state_dict()), hasattr(m, "parametrizations"))
    P.register_parametrization(m, "bias", _scale(T)())
    P.remove_parametrizations(m, "bias", leave_parametrized=False)
    return assigned, kept, m.bias, _error(lambda: P.remove_parametrizations(m, "bias"))


@conformance()
def test_parametrization_errors(T):
    P = T.nn.utils.parametrize

    class Bad(T.nn.Module):
        def forward(self, X):
            return X[0]

    class ToDouble(T.nn.Module):
        def forward(self, X):
            return X.double()

    m = T.nn.Linear(3, 3)
    return [_error(lambda: P.register_parametrization(m, "weight", Bad())),
            _error(lambda: P.register_parametrization(m, "weight", ToDouble())),
            _error(lambda: P.register_parametrization(m, "nothing", Bad())),
            _error(lambda: P.register_parametrization(m, "weight", _scale(T)()) and setattr(m, "weight", T.ones(3, 3))),
            type(m).__name__]


@conformance()
def test_parametrizations_weight_norm(T):
    m = fill_params(T, T.nn.Linear(4, 3))
    T.nn.utils.parametrizations.weight_norm(m, dim=0)
    x = tensor(T, (2, 4), grad=True)
    y = m(x)
    y.sum().backward()
    pw = m.parametrizations.weight
    g = fill_params(T, T.nn.Linear(4, 3))
    T.nn.utils.parametrizations.weight_norm(g, dim=None)
    old = fill_params(T, T.nn.Linear(4, 3))
    with pytest.warns(FutureWarning):
        T.nn.utils.weight_norm(old)
    m.load_state_dict(old.state_dict())  # the compat hook maps weight_g/weight_v
    return (y, x.grad, pw.original0, pw.original1.grad, pw.original0.grad, list(m.state_dict()), repr(m),
            g.parametrizations.weight.original0, m.weight)


@pytest.mark.parametrize("dim", [0, 1, None])
@conformance()
def test_legacy_weight_norm(T, dim):
    m = fill_params(T, T.nn.Linear(4, 3))
    with pytest.warns(FutureWarning):
        T.nn.utils.weight_norm(m, dim=dim)
    x = tensor(T, (2, 4))
    y = m(x)
    y.sum().backward()
    state = (y, list(m.state_dict()), m.weight_g, m.weight_g.grad, m.weight_v.grad,
             [type(h).__name__ for h in m._forward_pre_hooks.values()])
    T.nn.utils.remove_weight_norm(m)
    return state, list(m.state_dict()), m.weight, _error(lambda: T.nn.utils.remove_weight_norm(m))


@conformance(rtol=1e-5, atol=1e-5)
def test_parametrizations_spectral_norm(T):
    T.manual_seed(0)
    m = fill_params(T, T.nn.Linear(4, 3))
    T.nn.utils.parametrizations.spectral_norm(m)
    x = tensor(T, (2, 4), grad=True)
    y = m(x)
    y.sum().backward()
    pw = m.parametrizations.weight
    m.eval()
    y_eval = m(x)
    return (y, x.grad, pw.original.grad, pw[0]._u, pw[0]._v, list(m.state_dict()), repr(m), y_eval,
            _error(lambda: T.nn.utils.parametrizations.spectral_norm(T.nn.Linear(2, 2), n_power_iterations=0)),
            _error(lambda: T.nn.utils.parametrizations.spectral_norm(T.nn.Linear(2, 2), "nothing")))


@conformance(rtol=1e-5, atol=1e-5)
def test_legacy_spectral_norm(T):
    T.manual_seed(1)
    m = fill_params(T, T.nn.Linear(4, 3))
    T.nn.utils.spectral_norm(m, n_power_iterations=2)
    x = tensor(T, (2, 4))
    y = m(x)
    y.sum().backward()
    sd = m.state_dict()
    state = (y, list(sd), m.weight_u, m.weight_v, m.weight_orig.grad, dict(sd._metadata),
             _error(lambda: T.nn.utils.spectral_norm(m)))
    m.load_state_dict(sd)
    T.nn.utils.remove_spectral_norm(m)
    return state, list(m.state_dict()), m.weight, len(m._state_dict_hooks), len(m._load_state_dict_pre_hooks)


@pytest.mark.parametrize("shape,kind", [((3, 3), None), ((4, 2), None), ((2, 4), "cayley")])
@conformance(rtol=1e-5, atol=1e-5)
def test_parametrizations_orthogonal(T, shape, kind):
    T.manual_seed(2)
    m = fill_params(T, T.nn.Linear(shape[1], shape[0], bias=False))
    T.nn.utils.parametrizations.orthogonal(m, orthogonal_map=kind)
    w = m.weight
    gram = w.t() @ w if shape[0] >= shape[1] else w @ w.t()
    x = tensor(T, (2, shape[1]), grad=True)
    m(x).sum().backward()
    return w, gram, x.grad, m.parametrizations.weight.original.grad, list(m.state_dict())


@conformance()
def test_orthogonal_errors(T):
    orth = T.nn.utils.parametrizations.orthogonal
    return (_error(lambda: orth(T.nn.Linear(3, 3), orthogonal_map="nope")),
            _error(lambda: orth(T.nn.Linear(3, 3), "bias")), _error(lambda: orth(T.nn.Linear(3, 3), "zzz")))


# --- misc ----------------------------------------------------------------------------------------------------------


@conformance()
def test_functional_call(T):
    m = fill_params(T, T.nn.Linear(3, 2))
    w = tensor(T, (2, 3), seed=7)
    x = tensor(T, (1, 3))
    with pytest.warns(FutureWarning):
        y = T.nn.utils.stateless.functional_call(m, {"weight": w}, (x,))
    with pytest.warns(FutureWarning):
        err = _error(lambda: T.nn.utils.stateless.functional_call(m, {"weight": w}, x, strict=True))
    return y, m(x), m.weight, err


@conformance()
def test_fuse_linear_bn(T):
    lin = fill_params(T, T.nn.Linear(3, 4)).eval()
    bn = T.nn.BatchNorm1d(4).eval()
    with T.no_grad():
        bn.running_mean.copy_(tensor(T, (4,), seed=3))
        bn.running_var.copy_(tensor(T, (4,), seed=4, low=0.5, high=2))
    fused = T.nn.utils.fuse_linear_bn_eval(lin, bn)
    x = tensor(T, (2, 3))
    return fused(x), bn(lin(x)), fused.weight.requires_grad, _error(lambda: T.nn.utils.fuse_linear_bn_eval(
        lin.train(), bn))


@conformance()
def test_skip_init(T):
    T.manual_seed(0)
    m = T.nn.utils.skip_init(T.nn.Linear, 3, 2)
    after = T.rand(2)  # the RNG did not move
    return m.weight.shape, type(m).__name__, after, _error(lambda: T.nn.utils.skip_init(int))
