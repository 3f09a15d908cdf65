"""torchax.optim.from_optax against optax itself: the same updates as applying the transformation to the arrays."""

import pickle

import jax
import numpy as np
import optax
import pytest

import torchax

SHAPES = [(3, 4), (3,)]


def grads_at(step):
    rng = np.random.default_rng(100 + step)
    return [rng.uniform(-1, 1, s).astype(np.float32) for s in SHAPES]


def initial():
    rng = np.random.default_rng(0)
    return [rng.uniform(-1, 1, s).astype(np.float32) for s in SHAPES]


def reference(transformation, steps, lrs=None):
    """Apply `transformation` with optax directly; `lrs` overrides an injected learning_rate per step."""
    params = [jax.numpy.asarray(a) for a in initial()]
    state = transformation.init(params)
    for i in range(steps):
        if lrs is not None:
            state.hyperparams["learning_rate"] = jax.numpy.asarray(lrs[i], np.float32)
        updates, state = transformation.update([jax.numpy.asarray(g) for g in grads_at(i)], state, params)
        params = optax.apply_updates(params, updates)
    return [np.asarray(p) for p in params]


def run(opt, params, start, steps):
    for i in range(start, start + steps):
        for p, g in zip(params, grads_at(i)):
            p.grad = torchax.tensor(g)
        opt.step()


TRANSFORMS = {
    "adam": lambda: optax.adam(1e-2),
    "lion": lambda: optax.lion(1e-3, weight_decay=0.1),
    "lamb": lambda: optax.lamb(1e-2),
    "adafactor": lambda: optax.adafactor(1e-2),
    "chain": lambda: optax.chain(optax.clip_by_global_norm(0.5), optax.adamw(1e-2, weight_decay=0.1)),
    "schedule": lambda: optax.sgd(optax.exponential_decay(0.1, transition_steps=2, decay_rate=0.5), momentum=0.9),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_from_optax_matches_optax(name):
    params = [torchax.tensor(a, requires_grad=True) for a in initial()]
    opt = torchax.optim.from_optax(params, TRANSFORMS[name]())
    run(opt, params, 0, 5)
    for p, ref in zip(params, reference(TRANSFORMS[name](), 5)):
        np.testing.assert_allclose(p.detach().numpy(), ref, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["adam", "chain", "schedule"])
def test_from_optax_state_dict_round_trip(name):
    params = [torchax.tensor(a, requires_grad=True) for a in initial()]
    opt = torchax.optim.from_optax(params, TRANSFORMS[name]())
    run(opt, params, 0, 2)
    blob = pickle.dumps(([p.detach() for p in params], opt.state_dict()))
    saved_params, saved_state = pickle.loads(blob)
    resumed_params = [p.clone().requires_grad_() for p in saved_params]
    resumed = torchax.optim.from_optax(resumed_params, TRANSFORMS[name]())
    resumed.load_state_dict(saved_state)
    run(opt, params, 2, 3)
    run(resumed, resumed_params, 2, 3)
    for a, b in zip(params, resumed_params):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert list(saved_state) == ["state", "param_groups"] and saved_state["param_groups"][0]["params"] == [0, 1]


def test_from_optax_with_lr_scheduler():
    make = lambda: optax.inject_hyperparams(optax.adamw)(learning_rate=0.05, weight_decay=0.01)  # noqa: E731
    params = [torchax.tensor(a, requires_grad=True) for a in initial()]
    opt = torchax.optim.from_optax(params, make())
    sched = torchax.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for i in range(6):
        lrs.append(opt.param_groups[0]["lr"])
        run(opt, params, i, 1)
        sched.step()
    assert lrs == [0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125]
    for p, ref in zip(params, reference(make(), 6, lrs)):
        np.testing.assert_allclose(p.detach().numpy(), ref, rtol=1e-6, atol=1e-7)


def test_from_optax_skips_parameters_without_grad():
    params = [torchax.tensor(a, requires_grad=True) for a in initial()]
    opt = torchax.optim.from_optax(params, optax.sgd(0.1))
    params[0].grad = torchax.tensor(grads_at(0)[0])
    opt.step()
    np.testing.assert_array_equal(params[1].detach().numpy(), initial()[1])
    np.testing.assert_allclose(params[0].detach().numpy(), initial()[0] - 0.1 * grads_at(0)[0], rtol=1e-6)
