"""torch.amp.GradScaler against torch (skip/backoff/growth sequence with injected inf/NaN gradients, state_dict,
errors), a small MLP trained under autocast(bfloat16) + GradScaler, half/bfloat16 models, autocast under compile."""

import pytest
from harness import conformance, fill_params, tensor

import torchax


def _mlp(T, dtype=None):
    model = fill_params(T, T.nn.Sequential(T.nn.Linear(6, 16), T.nn.ReLU(), T.nn.Linear(16, 3)))
    return model if dtype is None else model.to(getattr(T, dtype))


@conformance()
def test_grad_scaler_skip_backoff_growth_sequence(T):
    model = fill_params(T, T.nn.Linear(4, 3))
    opt = T.optim.SGD(model.parameters(), lr=0.1)
    scaler = T.amp.GradScaler("cpu", init_scale=2.0**4, growth_factor=4.0, backoff_factor=0.25, growth_interval=2)
    x, y = tensor(T, (5, 4)), tensor(T, (5, 3), seed=1)
    log = []
    for step in range(9):
        opt.zero_grad()
        loss = T.nn.functional.mse_loss(model(x), y)
        scaled = scaler.scale(loss)
        scaled.backward()
        if step in (2, 6):  # an overflowing gradient: the step is skipped and the scale backs off
            with T.no_grad():
                model.weight.grad[0, 0] = float("inf")
        if step == 5:
            with T.no_grad():
                model.bias.grad[1] = float("nan")
        ret = scaler.step(opt)
        scaler.update()
        log.append((scaled, ret, scaler.get_scale(), scaler._get_growth_tracker(), model.bias.detach().clone()))
    return log, model.weight, scaler.state_dict(), scaler._scale, scaler._growth_tracker


@conformance()
def test_grad_scaler_unscale_then_clip(T):
    model = fill_params(T, T.nn.Linear(4, 3))
    opt = T.optim.SGD(model.parameters(), lr=0.1)
    scaler = T.amp.GradScaler("cpu", init_scale=2.0**10)
    loss = model(tensor(T, (5, 4))).pow(2).mean()
    scaler.scale(loss).backward()
    scaled_grad = model.weight.grad.clone()
    scaler.unscale_(opt)
    norm = T.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    found = [v for v in scaler._found_inf_per_device(opt).values()]
    scaler.step(opt)
    scaler.update()
    return scaled_grad, norm, found, model.weight, scaler.get_scale(), scaler._get_growth_tracker()


@conformance()
def test_grad_scaler_scale_iterables_and_update_new_scale(T):
    scaler = T.amp.GradScaler("cpu", init_scale=3.0)
    a, b = tensor(T, (2,)), tensor(T, (3,), seed=1).bfloat16()
    scaled = scaler.scale([a, (b, a)])
    out = [scaled, scaler.get_scale()]
    model = fill_params(T, T.nn.Linear(2, 1))
    opt = T.optim.SGD(model.parameters(), lr=0.1)
    scaler.scale(model(a).sum()).backward()
    scaler.step(opt)
    scaler.update(16.0)
    out.append(scaler.get_scale())
    scaler.scale(model(a).sum()).backward()
    scaler.step(opt)
    scaler.update(T.tensor(0.5))
    out += [scaler.get_scale(), model.weight, scaler.get_growth_factor(), scaler.get_backoff_factor(),
            scaler.get_growth_interval(), scaler.is_enabled()]
    return out


@conformance()
def test_grad_scaler_state_dict_roundtrip(T):
    s1 = T.amp.GradScaler("cpu", init_scale=32.0, growth_interval=7)
    s1.scale(tensor(T, (2,)))
    s2 = T.amp.GradScaler("cpu")
    s2.load_state_dict(s1.state_dict())
    s2.set_growth_factor(3.0)
    s2.set_backoff_factor(0.125)
    s2.set_growth_interval(5)
    off = T.amp.GradScaler("cpu", enabled=False)
    return s2.state_dict(), s2.get_scale(), off.state_dict(), off.get_scale(), off.scale(tensor(T, (2,)))


@pytest.mark.parametrize("case", ["unscale_twice", "step_twice", "update_first", "unscale_after_step",
                                  "closure", "load_empty", "bad_growth"])
@conformance(errors=True)
def test_grad_scaler_errors(T, case):
    model = fill_params(T, T.nn.Linear(2, 1))
    opt = T.optim.SGD(model.parameters(), lr=0.1)
    if case == "bad_growth":
        return T.amp.GradScaler("cpu", growth_factor=1.0)
    scaler = T.amp.GradScaler("cpu")
    if case == "update_first":
        return scaler.update()
    if case == "load_empty":
        return scaler.load_state_dict({})
    scaler.scale(model(tensor(T, (2,))).sum()).backward()
    if case == "closure":
        return scaler.step(opt, closure=lambda: None)
    if case == "unscale_twice":
        scaler.unscale_(opt)
        return scaler.unscale_(opt)
    scaler.step(opt)
    return scaler.step(opt) if case == "step_twice" else scaler.unscale_(opt)


@conformance(rtol=2e-2, atol=2e-2)
def test_mlp_autocast_bf16_grad_scaler_training(T):
    """10 steps under autocast(bfloat16) + GradScaler: losses within bfloat16 tolerance of torch's."""
    model = _mlp(T)
    opt = T.optim.Adam(model.parameters(), lr=1e-2)
    scaler = T.amp.GradScaler("cpu")
    x, y = tensor(T, (8, 6)), tensor(T, (8,), dtype="int64", low=0, high=0.4) % 3
    losses, dtypes = [], []
    for _ in range(10):
        opt.zero_grad()
        with T.autocast("cpu", dtype=T.bfloat16):
            out = model(x)
            loss = T.nn.functional.cross_entropy(out, y)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        losses.append(loss.detach())
        dtypes.append((out.dtype, loss.dtype, model[0].weight.grad.dtype))
    return T.stack(losses), dtypes, scaler.get_scale(), model[2].bias


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@conformance(rtol=3e-2, atol=3e-2)
def test_low_precision_model_inference_and_training(T, dtype):
    """model.half()/bfloat16(): outputs, a few SGD steps and the parameters stay in that dtype, close to torch's."""
    model = _mlp(T, dtype)
    dt = getattr(T, dtype)
    x, y = tensor(T, (8, 6)).to(dt), tensor(T, (8, 3), seed=1).to(dt)
    with T.no_grad():
        first = model(x)
    opt = T.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = T.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.detach())
    return first, T.stack(losses), model[0].weight.dtype, model[0].weight.grad.dtype, model[2].bias


@conformance(rtol=2e-2, atol=2e-2)
def test_autocast_inside_compiled_function(T):
    """torchax.compile traces the region with autocast on: same dtypes and values as torch eager."""
    model = _mlp(T)
    x = tensor(T, (8, 6))

    def step(inp):
        with T.autocast("cpu"):
            h = model(inp)
            with T.autocast("cpu", enabled=False):
                g = h.float() @ h.float().T
            return h, T.softmax(h, -1), g, T.nn.functional.mse_loss(h, h.detach() * 2)

    fn = torchax.compile(step) if T is torchax else step
    return fn(x), fn(x + 1)
