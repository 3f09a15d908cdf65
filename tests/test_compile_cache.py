"""torchax.compile behaviour that has no torch counterpart to compare with: caching, graph breaks, state
identity, donation, randomness and the stats API."""

import warnings

import numpy as np
import pytest

import torchax
import torchax.nn as nn


def _model():
    torchax.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))


def _step_fn(model, opt):
    def step(x, y):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    return step


def test_one_program_per_signature_and_state_written_back_in_place():
    model = _model()
    opt = torchax.optim.Adam(model.parameters(), lr=0.01)
    step = torchax.compile(_step_fn(model, opt))
    weight = model[0].weight
    x, y = torchax.ones(3, 4), torchax.zeros(3, 2)
    for _ in range(4):
        step(x, y)
    assert model[0].weight is weight  # the same Tensor objects, updated
    assert step.stats["compiles"] == 2  # before and after the optimizer state exists
    exp_avg = opt.state[weight]["exp_avg"]
    step(x, y)
    assert opt.state[weight]["exp_avg"] is exp_avg and int(opt.state[weight]["step"]) == 5
    step(torchax.ones(5, 4), torchax.zeros(5, 2))  # a new batch size: one more program
    assert step.stats["compiles"] == 3 and step.stats["graph_breaks"] == 0


def test_compiled_step_equals_eager_step():
    x, y = torchax.ones(3, 4) * 0.5, torchax.zeros(3, 2)
    results = []
    for use_compile in (False, True):
        model = _model()
        opt = torchax.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        step = _step_fn(model, opt)
        step = torchax.compile(step) if use_compile else step
        losses = [step(x, y).item() for _ in range(5)]
        results.append((losses, model[0].weight.detach().numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6, atol=1e-7)


def test_parameters_are_donated():
    model = _model()
    opt = torchax.optim.SGD(model.parameters(), lr=0.1)
    step = torchax.compile(_step_fn(model, opt))
    x, y = torchax.ones(3, 4), torchax.zeros(3, 2)
    for _ in range(3):
        step(x, y)
    assert step.stats["donated"] == 3  # parameters and state are updated in place: their buffers are reused
    held = model[0].weight.detach().numpy()  # a host copy does not pin the buffer
    step(x, y)
    assert step.stats["donated"] == 4 and held.shape == (8, 4)
    keep = model[0].weight._value  # a reference elsewhere does: no donation, the array survives
    step(x, y)
    assert step.stats["donated"] == 4 and not keep.is_deleted()


def test_graph_break_warns_once_names_the_line_and_runs_eagerly():
    def f(x):
        y = x * 2
        if y.sum().item() > 0:  # a host value: graph break
            return y + 1
        return y - 1

    cf = torchax.compile(f)
    with pytest.warns(UserWarning, match=r"graph break in .*f at .*test_compile_cache.py:\d+"):
        out = cf(torchax.ones(3))
    np.testing.assert_array_equal(out.numpy(), [3.0, 3.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(cf(-torchax.ones(3)).numpy(), [-3.0, -3.0, -3.0])  # no second warning
    assert cf.stats["graph_breaks"] == 1 and cf.stats["eager_calls"] == 2


def test_print_inside_is_a_graph_break():
    def f(x):
        print(x)
        return x + 1

    with pytest.warns(UserWarning, match="graph break"):
        torchax.compile(f)(torchax.ones(2))


def test_fullgraph_raises():
    @torchax.compile(fullgraph=True)
    def f(x):
        return x * float(x.sum())

    with pytest.raises(torchax.compiler.Unsupported, match="needs a concrete value"):
        f(torchax.ones(2))


def test_failed_trace_leaves_state_untouched():
    model = _model()
    opt = torchax.optim.Adam(model.parameters(), lr=0.01)
    before = [p.detach().numpy().copy() for p in model.parameters()]

    def step(x):
        opt.zero_grad()
        loss = model(x).sum()
        loss.backward()
        opt.step()
        return loss.item()  # breaks after the update was traced

    with pytest.warns(UserWarning, match="graph break"):
        torchax.compile(step)(torchax.ones(1, 4))
    # exactly one eager update happened, nothing traced leaked into the state
    eager = _model()
    eopt = torchax.optim.Adam(eager.parameters(), lr=0.01)
    eopt.zero_grad()
    eager(torchax.ones(1, 4)).sum().backward()
    eopt.step()
    for p, q, b in zip(model.parameters(), eager.parameters(), before):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-6)
        assert not np.array_equal(p.detach().numpy(), b)
    assert len(opt.state) == len(list(model.parameters()))


def test_recompile_limit_warns_and_runs_eagerly():
    f = torchax.compile(lambda x: x * 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for n in range(1, torchax.compiler.CACHE_SIZE_LIMIT + 1):
            f(torchax.ones(n))
    with pytest.warns(UserWarning, match="recompile limit"):
        out = f(torchax.ones(20))
    assert out.shape == (20,) and f.stats["compiles"] == torchax.compiler.CACHE_SIZE_LIMIT
    torchax.compiler.reset()
    f(torchax.ones(1))
    assert f.stats["compiles"] == torchax.compiler.CACHE_SIZE_LIMIT + 1


def test_random_ops_draw_fresh_values_and_follow_manual_seed():
    drop = torchax.compile(lambda x: nn.functional.dropout(x, 0.5) + torchax.rand(8))
    x = torchax.ones(8)
    torchax.manual_seed(1)
    a, b = drop(x).numpy(), drop(x).numpy()
    assert not np.array_equal(a, b)
    torchax.manual_seed(1)
    np.testing.assert_array_equal(drop(x).numpy(), a)


def test_decorator_forms_module_compile_and_is_compiling():
    seen = []

    @torchax.compile
    def f(x):
        seen.append(torchax.compiler.is_compiling())
        return x + 1

    assert f(torchax.ones(1)).item() == 2.0 and seen == [True]
    assert not torchax.compiler.is_compiling()
    model = _model()
    x = torchax.ones(2, 4)
    expected = model(x).detach().numpy()
    model.compile()
    np.testing.assert_allclose(model(x).detach().numpy(), expected, rtol=1e-6)


def test_compiled_call_inside_compiled_function_is_inlined():
    inner = torchax.compile(lambda x: x * 3)
    outer = torchax.compile(lambda x: inner(x) + 1)
    assert outer(torchax.ones(2)).tolist() == [4.0, 4.0]
    assert inner.stats["compiles"] == 0 and outer.stats["compiles"] == 1


def test_checkpoint_inside_compiled_code_recomputes_behind_a_barrier():
    from torchax.utils.checkpoint import checkpoint

    torchax.manual_seed(0)
    blocks = nn.ModuleList([nn.Sequential(nn.Linear(8, 8), nn.Tanh()) for _ in range(2)])

    def loss(x, use):
        h = x
        for b in blocks:
            h = checkpoint(b, h, use_reentrant=True) if use else b(h)
        return h.pow(2).mean()

    def grads(use):
        def step(x):
            for p in blocks.parameters():
                p.grad = None
            loss(x, use).backward()
            return [p.grad for p in blocks.parameters()]

        return torchax.compile(step)

    x = torchax.ones(4, 8, requires_grad=True)
    plain, fenced = grads(False), grads(True)
    for a, b in zip(plain(x), fenced(x)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    (prog,) = fenced._cache.values()
    assert "optimization_barrier" in str(prog.jaxpr)
    (prog,) = plain._cache.values()
    assert "optimization_barrier" not in str(prog.jaxpr)


def test_custom_function_in_a_compiled_forward_keeps_its_backward():
    class StraightThrough(torchax.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.round()

        @staticmethod
        def backward(ctx, g):
            return g * 3

    f = torchax.compile(lambda x: StraightThrough.apply(x * 2))
    x = torchax.tensor([0.3, 1.6], requires_grad=True)
    with pytest.warns(UserWarning, match="autograd.Function"):
        y = f(x)
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]  # the hand-written backward ran (eagerly), not d(round)/dx = 0

    def step(x):  # backward inside the compiled function: the tape runs the hand-written backward
        x.grad = None
        StraightThrough.apply(x * 2).sum().backward()
        return x.grad

    assert torchax.compile(step)(x).tolist() == [6.0, 6.0]


def test_state_changes_between_calls_are_seen(monkeypatch):
    """The cheap re-check of a cached call notices every change the full walk would see."""
    monkeypatch.setattr(torchax._compile, "CACHE_SIZE_LIMIT", 32)  # (each change below is a new signature)
    def run(use_compile):
        torchax.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.0), nn.Linear(8, 2))
        opt = torchax.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        holder = {"scale": 1.0}

        def step(x):
            loss = (model(x) * holder["scale"]).pow(2).mean()
            loss.backward()
            opt.step()
            return loss.detach()

        step = torchax.compile(step) if use_compile else step
        x = torchax.ones(3, 4)
        out = []
        for i in range(15):
            if i == 3:
                opt.zero_grad()  # grads become None outside the compiled function
            if i == 5:
                model.eval()
            if i == 6:
                opt.param_groups[0]["momentum"] = 0.5
            if i == 7:
                model[0].weight.requires_grad_(False)
            if i == 8:
                holder["scale"] = 2.0
            if i == 9:
                opt.param_groups[0]["lr"] = 0.01
            if i == 10:
                with torchax.no_grad():
                    model[2].bias.mul_(0.5)
            if i == 11:
                model[0].bias.data = torchax.zeros(8)  # a new storage under the same Parameter
            if i == 12:
                model[2].bias = nn.Parameter(torchax.ones(2))  # a new Parameter in the module's slot
            arg = x * (i % 3 + 1)
            if i == 13:
                arg = torchax.ones(6, 4)[::2] * 0 + arg  # a plain tensor again...
                arg = torchax.cat([arg, arg])[::2]  # ...and a view as the argument
            out.append(step(arg).item())
        return out, [p.detach().numpy() for p in model.parameters()]

    (eager, pe), (comp, pc) = run(False), run(True)
    np.testing.assert_allclose(comp, eager, rtol=1e-5)
    for a, b in zip(pc, pe):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_dict_key_replaced_at_the_same_length():
    """A buffer renamed through `_buffers`, or an optimizer state entry moved to another key, keeps the dicts'
    lengths: the re-check neither raises on the missing key nor inserts one into the state's defaultdict."""
    def run(use_compile):
        torchax.manual_seed(0)
        model = nn.Linear(3, 2)
        model.register_buffer("scale", torchax.full((2,), 2.0))
        opt = torchax.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

        def step(x):
            opt.zero_grad()
            out = model(x)
            for v in model._buffers.values():
                out = out * v
            out.pow(2).mean().backward()
            opt.step()
            return out.detach()

        step = torchax.compile(step) if use_compile else step
        x = torchax.ones(4, 3)
        outs = [step(x), step(x)]
        model._buffers["shift"] = model._buffers.pop("scale") + 1
        outs.append(step(x))
        model.bias.requires_grad_(False)  # SGD now skips the bias: its moved state entry is not re-created
        opt.state[torchax.zeros(1)] = opt.state.pop(model.bias)
        outs.append(step(x))
        return [o.numpy() for o in outs], len(opt.state), model.bias in opt.state

    (eager, n_e, bias_e), (comp, n_c, bias_c) = run(False), run(True)
    for a, b in zip(comp, eager):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    assert (n_c, bias_c) == (n_e, bias_e) == (2, False)


def test_tensors_in_a_list_subclass_are_rechecked():
    class Bank(list):
        pass

    bank = Bank([torchax.ones(2)])
    f = torchax.compile(lambda x: x * bank[0])
    x = torchax.ones(2)
    assert [f(x).tolist() for _ in range(2)] == [[1.0, 1.0]] * 2
    bank[0] = torchax.full((2,), 3.0)
    assert f(x).tolist() == [3.0, 3.0]
