"""torch.optim.Optimizer's contract: argument errors, param groups, zero_grad, closures, hooks, repr,
state_dict/load_state_dict, and resuming from a saved checkpoint mid-run."""

import importlib
import pickle

import pytest
from harness import conformance, tensor
from test_optim import leaves, mse, train


def optimizer_module(T):
    return importlib.import_module(T.__name__ + ".optim.optimizer")


def outcome(fn):
    """(exception class name, message) or the result: error messages are compared too."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - the error is the result
        return type(e).__name__, str(e)


INVALID = [
    ("SGD", {"lr": -0.1}), ("SGD", {"momentum": -0.5}), ("SGD", {"weight_decay": -1.0}),
    ("SGD", {"nesterov": True}), ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}),
    ("SGD", {"fused": True, "foreach": True}), ("SGD", {"fused": True, "differentiable": True}),
    ("Adam", {"lr": -1e-3}), ("Adam", {"eps": -1.0}), ("Adam", {"betas": (1.0, 0.999)}),
    ("Adam", {"betas": (0.9, -0.1)}), ("Adam", {"betas": (0, 0.999)}), ("Adam", {"weight_decay": -0.1}),
    ("Adam", {"fused": True, "foreach": True}), ("AdamW", {"betas": (0.9, 1.5)}), ("Adamax", {"eps": -1e-8}),
    ("NAdam", {"momentum_decay": -0.1}), ("RAdam", {"betas": (-0.1, 0.9)}), ("Adagrad", {"lr_decay": -0.1}),
    ("Adagrad", {"initial_accumulator_value": -1.0}), ("Adagrad", {"eps": -1.0}), ("Adadelta", {"rho": 1.5}),
    ("Adadelta", {"lr": -1.0}), ("RMSprop", {"alpha": -0.1}), ("RMSprop", {"momentum": -0.1}),
    ("Rprop", {"etas": (1.2, 0.5)}), ("Rprop", {"lr": -0.1}), ("ASGD", {"weight_decay": -0.1}),
    ("Adafactor", {"beta2_decay": 0.5}), ("Adafactor", {"d": 0.5}), ("Adafactor", {"eps": (-1.0, 1e-3)}),
    ("Adafactor", {"lr": -1.0}), ("SparseAdam", {"lr": 0.0}), ("SparseAdam", {"eps": 0.0}),
    ("LBFGS", {"lr": -1.0}), ("Muon", {"momentum": -0.1}), ("Muon", {"adjust_lr_fn": "bogus"}),
]


@pytest.mark.parametrize("name,kwargs", INVALID, ids=[f"{n}-{i}" for i, (n, _) in enumerate(INVALID)])
@conformance()
def test_invalid_hyperparameters(T, name, kwargs):
    kwargs = {"lr": 0.01, **kwargs} if name == "SGD" else kwargs
    return outcome(lambda: getattr(T.optim, name)(leaves(T)[:1], **kwargs))


@conformance()
def test_invalid_params(T):
    w, b = leaves(T)
    return (outcome(lambda: T.optim.SGD([], lr=0.1)),
            outcome(lambda: T.optim.SGD(w, lr=0.1)),
            outcome(lambda: len(T.optim.SGD({w, b}, lr=0.1).param_groups[0]["params"])),
            outcome(lambda: T.optim.SGD([{"params": {w}}], lr=0.1)),
            outcome(lambda: T.optim.SGD([w, 3], lr=0.1)),
            outcome(lambda: T.optim.SGD([w * 2], lr=0.1)),
            outcome(lambda: T.optim.SGD([{"params": [w]}, {"params": [b, w]}], lr=0.1)),
            outcome(lambda: T.optim.SGD([("w", w), b], lr=0.1)),
            outcome(lambda: T.optim.LBFGS([{"params": [w]}, {"params": [b]}])),
            outcome(lambda: T.optim.Muon([b])),
            outcome(lambda: T.optim.Optimizer([w], {"lr": optimizer_module(T).required})))


@conformance()
def test_duplicate_parameter_warns(T):
    w, _ = leaves(T)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        opt = T.optim.SGD([w, w], lr=0.1)
    return len(opt.param_groups[0]["params"])


@conformance()
def test_param_groups_defaults_and_repr(T):
    w, b = leaves(T)
    out = []
    for name, kwargs in [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"capturable": True}),
                         ("AdamW", {"differentiable": True}), ("NAdam", {}), ("Rprop", {}), ("LBFGS", {}),
                         ("Adafactor", {}), ("Muon", {}), ("SparseAdam", {})]:
        params = [w] if name == "Muon" else [w, b]
        opt = getattr(T.optim, name)(params, **kwargs)
        group = {k: v for k, v in opt.param_groups[0].items() if k != "params"}
        out.append((name, group, opt.defaults, repr(opt)))
    return out


@conformance()
def test_named_parameters(T):
    w, b = leaves(T)
    opt = T.optim.Adam([("weight", w), ("bias", b)], lr=0.05)
    train(T, opt, [w, b], steps=2)
    extra = tensor(T, (2,), grad=True, seed=6)
    return opt.state_dict(), outcome(lambda: opt.add_param_group({"params": [extra]}))


@conformance()
def test_add_param_group_midway(T):
    w, b = leaves(T)
    opt = T.optim.SGD([w], lr=0.1, momentum=0.9)
    losses = train(T, opt, [w, b], steps=3)
    opt.add_param_group({"params": [b], "lr": 0.05, "nesterov": True})
    losses += train(T, opt, [w, b], steps=3)
    return losses, w, b, opt.state_dict(), outcome(lambda: opt.add_param_group({"params": [b]})), \
        outcome(lambda: opt.add_param_group([b]))


@pytest.mark.parametrize("set_to_none", [True, False])
@conformance()
def test_zero_grad(T, set_to_none):
    params = leaves(T)
    opt = T.optim.Adam(params, lr=0.05)
    mse(T, params).backward()
    opt.zero_grad(set_to_none=set_to_none)
    return [p.grad for p in params]


@conformance()
def test_step_with_closure(T):
    params = leaves(T)
    opt = T.optim.RMSprop(params, lr=0.01, momentum=0.5)
    calls = []

    def closure():
        calls.append(T.is_grad_enabled())
        opt.zero_grad()
        loss = mse(T, params)
        loss.backward()
        return loss

    with T.no_grad():
        losses = [opt.step(closure).detach() for _ in range(3)]
    return losses, params, calls


@conformance()
def test_step_hooks(T):
    params = leaves(T)
    opt = T.optim.SGD(params, lr=0.1)
    log = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: log.append(("pre", type(o).__name__, len(args))))
    post = opt.register_step_post_hook(lambda o, args, kwargs: log.append(("post", len(args), sorted(kwargs))))
    module = optimizer_module(T)
    glob = module.register_optimizer_step_pre_hook(lambda o, args, kwargs: log.append(("global",)))
    glob_post = module.register_optimizer_step_post_hook(lambda o, a, k: log.append(("global post",)))
    train(T, opt, params, steps=2)
    pre.remove()
    glob.remove()
    glob_post.remove()
    train(T, opt, params, steps=1)
    post.remove()
    train(T, opt, params, steps=1)

    def swap_closure(o, args, kwargs):  # a pre-hook may replace the arguments
        return args, {"closure": lambda: 42.0}

    opt.register_step_pre_hook(swap_closure)
    return log, opt.step(), params


@conformance()
def test_state_dict_hooks(T):
    params = leaves(T)
    opt = T.optim.Adam(params, lr=0.05)
    train(T, opt, params, steps=2)
    log = []
    opt.register_state_dict_pre_hook(lambda o: log.append("sd pre"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
    opt.register_state_dict_post_hook(lambda o, sd: log.append(sorted(sd)), prepend=True)
    sd = opt.state_dict()
    opt.register_load_state_dict_pre_hook(lambda o, sd: log.append("load pre"))
    opt.register_load_state_dict_post_hook(lambda o: log.append("load post"))
    opt.load_state_dict(sd)
    return log, sorted(sd)


@conformance()
def test_load_state_dict_errors(T):
    w, b = leaves(T)
    one = T.optim.SGD([w], lr=0.1).state_dict()
    two = T.optim.SGD([{"params": [w]}, {"params": [b]}], lr=0.1).state_dict()
    return (outcome(lambda: T.optim.SGD([w, b], lr=0.1).load_state_dict(two)),
            outcome(lambda: T.optim.SGD([w, b], lr=0.1).load_state_dict(one)))


RESUME = [("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}), ("Adam", {"lr": 0.05, "amsgrad": True}),
          ("AdamW", {"lr": 0.05}), ("NAdam", {"lr": 0.05}), ("RAdam", {"lr": 0.05}), ("Adamax", {"lr": 0.05}),
          ("Adagrad", {"lr": 0.1, "lr_decay": 0.1}), ("Adadelta", {"lr": 1.0}),
          ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}), ("Rprop", {"lr": 0.01}),
          ("ASGD", {"lr": 0.05, "t0": 1}), ("Adafactor", {"lr": 0.05}), ("LBFGS", {"lr": 0.5, "max_iter": 3})]


def _run_steps(T, opt, params, steps, dtype):
    if not isinstance(opt, T.optim.LBFGS):
        return train(T, opt, params, steps, dtype)

    def closure():
        opt.zero_grad()
        loss = mse(T, params, dtype)
        loss.backward()
        return loss

    return [opt.step(closure).detach() for _ in range(steps)]


@pytest.mark.parametrize("name,kwargs", RESUME, ids=[n for n, _ in RESUME])
@conformance(rtol=1e-5, atol=1e-5)
def test_resume_from_checkpoint(T, name, kwargs):
    dtype = "float64" if name == "LBFGS" else "float32"  # NOTE: LBFGS amplifies float32 rounding noise
    params = leaves(T, dtype)
    opt = getattr(T.optim, name)(params, **kwargs)
    first = _run_steps(T, opt, params, 3, dtype)
    # a checkpoint through pickle (what torch.save does with these objects)
    blob = pickle.dumps(([p.detach() for p in params], opt.state_dict()))
    straight = _run_steps(T, opt, params, 3, dtype)
    saved_params, saved_state = pickle.loads(blob)
    resumed_params = [p.clone().requires_grad_() for p in saved_params]
    resumed = getattr(T.optim, name)(resumed_params, **kwargs)
    resumed.load_state_dict(saved_state)
    again = _run_steps(T, resumed, resumed_params, 3, dtype)
    return first, straight, params, opt.state_dict(), again, resumed_params, resumed.state_dict()


@conformance()
def test_load_state_dict_casts_to_parameter_dtype(T):
    w64 = tensor(T, (3, 4), grad=True, seed=1, dtype="float64")
    w32 = tensor(T, (3, 4), grad=True, seed=1)
    src = T.optim.Adam([w32], lr=0.05)
    train(T, src, [w32, tensor(T, (3,), grad=True, seed=2)], steps=2)
    dst = T.optim.Adam([w64], lr=0.01)
    dst.load_state_dict(src.state_dict())
    return dst.state_dict()


@conformance()
def test_optimizer_pickle_round_trip(T):
    params = leaves(T)
    opt = T.optim.Adam(params, lr=0.05)
    train(T, opt, params, steps=2)
    state = pickle.loads(pickle.dumps(opt.__getstate__()))
    return sorted(state), state["defaults"], len(state["state"])


@pytest.mark.parametrize("name", ["Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Adadelta", "RMSprop", "Rprop",
                                  "ASGD"])
@conformance()
def test_capturable_needs_an_accelerator(T, name):
    params = leaves(T)
    opt = getattr(T.optim, name)(params, capturable=True)
    mse(T, params).backward()
    return outcome(opt.step), opt.state_dict()


DIFFERENTIABLE = [("SGD", {"lr": 0.1}), ("SGD", {"lr": 0.1, "momentum": 0.5, "nesterov": True}),
                  ("Adam", {"lr": 0.05}), ("RMSprop", {"lr": 0.01}), ("Adagrad", {"lr": 0.1})]


@pytest.mark.parametrize("name,kwargs", DIFFERENTIABLE, ids=[n for n, _ in DIFFERENTIABLE])
@conformance(rtol=1e-5, atol=1e-5)
def test_differentiable_step_records_autograd(T, name, kwargs):
    w0 = tensor(T, (3,), grad=True, seed=1)
    w = w0 * 1.0  # a non-leaf parameter: what differentiable=True exists for (meta-learning)
    opt = getattr(T.optim, name)([w], differentiable=True, **kwargs)
    for _ in range(3):
        (g,) = T.autograd.grad((w.clone() ** 3).sum(), w, create_graph=True)
        w.grad = g
        opt.step()
    w.sum().backward()
    return w.detach(), w0.grad


@conformance()
def test_differentiable_step_on_a_leaf_raises(T):
    params = leaves(T)
    opt = T.optim.SGD(params, lr=0.1, differentiable=True)
    mse(T, params).backward()
    return outcome(opt.step)[0]


@conformance()
def test_user_defined_optimizer(T):
    class SignMomentum(T.optim.Optimizer):
        def __init__(self, params, lr=0.01, beta=0.9):
            if lr < 0:
                raise ValueError(f"Invalid learning rate: {lr}")
            super().__init__(params, {"lr": lr, "beta": beta})

        @T.no_grad()
        def step(self, closure=None):
            loss = None
            if closure is not None:
                with T.enable_grad():
                    loss = closure()
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if not state:
                        state["step"] = 0
                        state["buf"] = T.zeros_like(p)
                    state["step"] += 1
                    state["buf"].mul_(group["beta"]).add_(p.grad)
                    p.add_(state["buf"].sign(), alpha=-group["lr"])
            return loss

    params = leaves(T)
    opt = SignMomentum(params, lr=0.05)
    calls = []
    opt.register_step_post_hook(lambda o, a, k: calls.append(len(a)))
    sched = T.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    losses = []
    for _ in range(4):
        losses += train(T, opt, params, steps=1)
        sched.step()
    return losses, params, opt.state_dict(), calls, repr(opt)
