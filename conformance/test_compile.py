"""torch.compile: a compiled step leaves exactly the state eager torch leaves.

Each body runs twice: with real torch, eagerly (the reference), and with torchax, through
`torchax.compile`. Losses, parameters, gradients, buffers, optimizer state and learning rates must match
torch's to float32 tolerance after every step. `compiled(T, f)` is the identity under torch.
"""

import pytest
from harness import conformance, data, fill_params, tensor

STEPS = 20


def compiled(T, f, **kw):
    return f if T.__name__ == "torch" else T.compile(f, **kw)


def mlp(T):
    T.manual_seed(0)
    return fill_params(T, T.nn.Sequential(T.nn.Linear(6, 16), T.nn.Tanh(), T.nn.Linear(16, 3)))


def batch(T, i):
    return tensor(T, (8, 6), seed=10 + i % 3), T.tensor(data((8,), dtype="int64", seed=20 + i % 3, low=0, high=1) % 3)


@pytest.mark.parametrize("opt_name, kw", [("SGD", {"lr": 0.1, "momentum": 0.9}), ("Adam", {"lr": 0.01}),
                                          ("AdamW", {"lr": 0.01, "weight_decay": 0.1})])
@conformance(rtol=1e-4, atol=1e-5)
def test_train_step(T, opt_name, kw):
    model = mlp(T)
    opt = getattr(T.optim, opt_name)(model.parameters(), **kw)
    sched = T.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)
    loss_fn = T.nn.CrossEntropyLoss()

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        sched.step()
        return loss.detach()

    step = compiled(T, step)
    losses = [step(*batch(T, i)) for i in range(STEPS)]
    return (losses, dict(model.state_dict()), [p.grad for p in model.parameters()], opt.state_dict()["state"],
            sched.get_last_lr(), opt.param_groups[0]["lr"])


@conformance(rtol=1e-4, atol=1e-5)
def test_scheduler_before_optimizer_and_accumulation(T):
    """Two micro-batches accumulate into .grad before one update; the schedule is stepped first."""
    model = mlp(T)
    opt = T.optim.SGD(model.parameters(), lr=0.2)
    sched = T.optim.lr_scheduler.LambdaLR(opt, lambda e: 1.0 / (1 + e))
    opt.step()  # (no grads yet: a no-op that keeps torch's scheduler-order warning away)

    def step(x1, y1, x2, y2):
        sched.step()
        for x, y in ((x1, y1), (x2, y2)):
            (T.nn.functional.cross_entropy(model(x), y) / 2).backward()
        T.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        opt.zero_grad(set_to_none=False)

    step = compiled(T, step)
    for i in range(6):
        step(*batch(T, i), *batch(T, i + 1))
    return dict(model.state_dict()), [p.grad for p in model.parameters()], opt.param_groups[0]["lr"]


@conformance(rtol=1e-4, atol=1e-5)
def test_batchnorm_buffers_and_eval(T):
    T.manual_seed(0)
    model = fill_params(T, T.nn.Sequential(T.nn.Linear(6, 8), T.nn.BatchNorm1d(8), T.nn.ReLU(), T.nn.Linear(8, 3)))
    opt = T.optim.SGD(model.parameters(), lr=0.1)

    def step(x, y):
        loss = T.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    step = compiled(T, step)
    losses = [step(*batch(T, i)).detach() for i in range(5)]
    model.eval()
    forward = compiled(T, model)
    with T.no_grad():
        out = forward(batch(T, 0)[0])
    return losses, dict(model.state_dict()), out


@conformance(rtol=1e-4, atol=1e-5)
def test_compiled_forward_eager_backward(T):
    """compile(model)(x) keeps the graph: backward afterwards reaches the parameters and the input."""
    model = mlp(T)
    forward = compiled(T, model)
    x = tensor(T, (8, 6), grad=True, seed=3)
    out = forward(x)
    (out ** 2).sum().backward()
    again = forward(x)  # the cached program, with a new graph
    again.sum().backward()
    return out, again, x.grad, [p.grad for p in model.parameters()], out.requires_grad


@conformance(rtol=1e-4, atol=1e-5)
def test_compiled_function_of_tensors(T):
    """A plain function of tensors: shapes change (a recompile), keyword arguments, tuple results."""
    def f(x, w, *, scale=2.0):
        h = T.tanh(x @ w) * scale
        return h.sum(dim=0), h.mean()

    f = compiled(T, f)
    w = tensor(T, (4, 3), seed=1)
    return f(tensor(T, (5, 4)), w), f(tensor(T, (2, 4), seed=2), w, scale=0.5), f(tensor(T, (5, 4), seed=4), w)


@conformance(rtol=1e-4, atol=1e-5)
def test_in_place_state_and_views(T):
    """In-place updates of a global buffer and a view of it are written back to the same tensors."""
    buf = tensor(T, (4, 3), seed=5)
    row = buf[1]

    def f(x):
        buf.mul_(0.5)
        row.add_(x)
        return buf.sum()

    f = compiled(T, f)
    x = tensor(T, (3,), seed=6)
    return f(x), f(x), buf, row


@conformance()
def test_optimized_module_api(T):
    """torch.compile(module) is an OptimizedModule: `_orig_mod.` state_dict keys, repr, attribute reads."""
    model = T.nn.Linear(4, 3)
    cm = T.compile(model, backend="eager") if T.__name__ == "torch" else T.compile(model)
    return (type(cm).__name__, list(cm.state_dict()), repr(cm), cm.in_features, cm._orig_mod is model,
            cm.weight is model.weight)


# --- pinned differences (rows of KNOWN_DIFFERENCES.md, section "Compile") ----------------------------------


@conformance()
def test_random_stream_inside_compiled_code(T):
    T.manual_seed(0)
    return compiled(T, lambda x: T.nn.functional.dropout(x, 0.5) + T.rand(4))(T.ones(4))


@conformance()
def test_python_side_effects_run_on_every_call(T):
    calls = []

    def f(x):
        calls.append(1)
        return x + 1

    f = compiled(T, f)
    for _ in range(3):
        f(T.ones(2))
    return len(calls)


@conformance()
def test_step_result_keeps_its_graph(T):
    w = tensor(T, (3,), grad=True)

    def step(x):
        loss = (w * x).sum()
        loss.backward()
        return loss

    loss = compiled(T, step)(tensor(T, (3,), seed=1))
    return loss.requires_grad, loss.grad_fn is None
