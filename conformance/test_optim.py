"""torch.optim algorithms: every optimizer and configuration trains the same tiny problem under torch and torchax.

Each case runs 6 steps of a linear least-squares problem (leaf tensors w (3, 4), b (3,), identical numpy
data) and compares the losses, the parameters and the whole `optimizer.state_dict()` (state names, dtypes,
values, param_groups).
"""

import pytest
from harness import conformance, fill_params, tensor

STEPS = 6


def leaves(T, dtype="float32"):
    return [tensor(T, (3, 4), grad=True, seed=1, dtype=dtype), tensor(T, (3,), grad=True, seed=2, dtype=dtype)]


def mse(T, params, dtype="float32"):
    w, b = params
    x, y = tensor(T, (8, 4), seed=3, dtype=dtype), tensor(T, (8, 3), seed=4, dtype=dtype)
    return ((x @ w.t() + b - y) ** 2).mean()


def train(T, opt, params, steps=STEPS, dtype="float32"):
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = mse(T, params, dtype)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return losses


CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "maximize": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "foreach": True}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "fused": True}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("Adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "foreach": True}),
    ("Adam", {"lr": 0.05, "fused": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.5, "amsgrad": True}),
    ("Adamax", {"lr": 0.05}),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("NAdam", {"lr": 0.05}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.05}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True, "betas": (0.9, 0.9)}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.3}),
    ("Adagrad", {"lr": 0.1, "maximize": True, "eps": 1e-6}),
    ("Adadelta", {"lr": 1.0}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1, "maximize": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "alpha": 0.9, "maximize": True}),
    ("Rprop", {"lr": 0.01}),
    ("Rprop", {"lr": 0.02, "etas": (0.3, 1.5), "step_sizes": (1e-3, 0.05), "maximize": True}),
    ("ASGD", {"lr": 0.05}),
    ("ASGD", {"lr": 0.05, "t0": 2, "lambd": 0.01, "alpha": 0.5, "weight_decay": 0.1}),
    ("Adafactor", {"lr": 0.05}),
    ("Adafactor", {"lr": 0.05, "beta2_decay": -0.5, "eps": (1e-4, 1e-2), "d": 1.5, "weight_decay": 0.1}),
    ("Adafactor", {"lr": 0.05, "maximize": True}),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
@conformance()
def test_optimizer_trajectory(T, name, kwargs):
    params = leaves(T)
    opt = getattr(T.optim, name)(params, **kwargs)
    return train(T, opt, params), params, opt.state_dict()


MUON = [{"lr": 0.02}, {"lr": 0.02, "nesterov": False, "weight_decay": 0.0},
        {"lr": 0.02, "adjust_lr_fn": "match_rms_adamw", "momentum": 0.9, "ns_steps": 3}]


@pytest.mark.parametrize("kwargs", MUON)
@conformance()
def test_muon(T, kwargs):
    params = leaves(T)
    opt = T.optim.Muon(params[:1], **kwargs)  # Muon takes 2-D parameters only
    return train(T, opt, params), params, opt.state_dict()


@pytest.mark.parametrize("name,kwargs", [("SGD", {"lr": 0.05, "momentum": 0.9}), ("Adam", {"lr": 0.05}),
                                         ("RMSprop", {"lr": 0.01, "centered": True}), ("Adagrad", {"lr": 0.1})])
@pytest.mark.parametrize("dtype", ["float64", "bfloat16"])
@conformance()
def test_dtypes(T, name, kwargs, dtype):
    params = leaves(T, dtype)
    opt = getattr(T.optim, name)(params, **kwargs)
    return train(T, opt, params, dtype=dtype), params, opt.state_dict()


@pytest.mark.parametrize("name,kwargs", [("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.1}),
                                         ("Adam", {"lr": 0.05, "amsgrad": True}), ("RMSprop", {"lr": 0.01}),
                                         ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.1}),
                                         ("Rprop", {"lr": 0.01})])
@conformance()
def test_complex_parameters(T, name, kwargs):
    w = tensor(T, (2, 3), grad=True, seed=1, dtype="complex64")
    opt = getattr(T.optim, name)([w], **kwargs)
    for i in range(STEPS):  # NOTE: gradients set by hand; the update of a complex parameter is what is tested
        w.grad = w.detach() * (0.5 - 0.25j) + tensor(T, (2, 3), seed=10 + i, dtype="complex64")
        opt.step()
    return w, opt.state_dict()


@conformance()
def test_param_groups_with_overrides(T):
    w, b = leaves(T)
    extra = tensor(T, (2,), grad=True, seed=5)  # never receives a gradient: skipped, no state
    opt = T.optim.Adam([{"params": [w], "lr": 0.1, "weight_decay": 0.1}, {"params": [b, extra]}], lr=0.01,
                       betas=(0.85, 0.995))
    losses = train(T, opt, [w, b])
    return losses, w, b, extra, opt.state_dict(), opt.defaults


@conformance()
def test_sgd_without_momentum_keeps_no_state(T):
    params = leaves(T)
    opt = T.optim.SGD(params, lr=0.1)
    train(T, opt, params, steps=2)
    return opt.state_dict(), len(opt.state)


@conformance()
def test_linear_module_adamw(T):
    model = fill_params(T, T.nn.Sequential(T.nn.Linear(4, 5), T.nn.Tanh(), T.nn.Linear(5, 3)))
    opt = T.optim.AdamW(model.parameters(), lr=0.02, weight_decay=0.05)
    x, y = tensor(T, (8, 4), seed=3), tensor(T, (8, 3), seed=4)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = T.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return losses, model.state_dict(), opt.state_dict()


@conformance()
def test_tensor_lr(T):
    params = leaves(T)
    lr = T.tensor(0.05)
    opt = T.optim.SGD(params, lr=lr, momentum=0.9)
    losses = train(T, opt, params, steps=3)
    lr.fill_(0.01)  # the group holds the tensor itself
    return losses + train(T, opt, params, steps=3), params, opt.state_dict()


@conformance()
def test_changing_lr_between_steps(T):
    params = leaves(T)
    opt = T.optim.Adam(params, lr=0.05)
    losses = []
    for i in range(STEPS):
        opt.param_groups[0]["lr"] = 0.05 / (i + 1)
        opt.param_groups[0]["betas"] = (0.9 - 0.05 * i, 0.999)
        losses += train(T, opt, params, steps=1)
    return losses, params, opt.state_dict()


@conformance()
def test_sparse_adam_embedding(T):
    emb = fill_params(T, T.nn.Embedding(6, 3, sparse=True))
    opt = T.optim.SparseAdam(list(emb.parameters()), lr=0.1, betas=(0.8, 0.99))
    batches = [T.tensor([0, 2, 2]), T.tensor([1, 2]), T.tensor([5, 0])]
    losses = []
    for i in range(STEPS):
        opt.zero_grad()
        loss = (emb(batches[i % 3]) ** 2).sum()
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return losses, emb.weight, opt.state_dict()


LBFGS = [{}, {"line_search_fn": "strong_wolfe"}, {"history_size": 3, "max_iter": 5, "lr": 0.5},
         {"line_search_fn": "strong_wolfe", "history_size": 2, "max_iter": 7, "max_eval": 9}]


def quartic(T, params, dtype):
    return mse(T, params, dtype) + (params[0] ** 4).sum() * 0.01


@pytest.mark.parametrize("kwargs", LBFGS)
@conformance()
def test_lbfgs(T, kwargs):
    # NOTE: float64: quasi-Newton steps and the tolerance-based stops amplify float32 rounding noise
    params = leaves(T, "float64")
    opt = T.optim.LBFGS(params, **kwargs)

    def closure():
        opt.zero_grad()
        loss = quartic(T, params, "float64")
        loss.backward()
        return loss

    losses = [opt.step(closure).detach() for _ in range(3)]
    return losses, params, opt.state_dict()


@conformance(rtol=1e-5, atol=1e-5)
def test_lbfgs_float32_few_iterations(T):
    params = leaves(T)
    opt = T.optim.LBFGS(params, lr=0.5, max_iter=3, history_size=4)

    def closure():
        opt.zero_grad()
        loss = mse(T, params)
        loss.backward()
        return loss

    return [opt.step(closure).detach() for _ in range(2)], params


@conformance(rtol=1e-5, atol=1e-6)
def test_from_optax_adam_matches_torch_adam(T):
    import optax

    params = leaves(T)
    if T.__name__ == "torch":
        opt = T.optim.Adam(params, lr=0.05, betas=(0.9, 0.99), eps=1e-8)
    else:
        opt = T.optim.from_optax(params, optax.adam(0.05, b1=0.9, b2=0.99, eps=1e-8))
    return train(T, opt, params), params


@conformance()
def test_sparse_adam_rejects_dense_gradients(T):
    params = leaves(T)
    opt = T.optim.SparseAdam(params, lr=0.1)
    mse(T, params).backward()
    try:
        opt.step()
    except RuntimeError as e:
        return str(e)
    return params
