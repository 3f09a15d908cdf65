"""torch.optim.lr_scheduler: 50-step learning-rate (and momentum) trajectories, chaining, closed forms,
warnings, errors and state_dict round trips, under torch and torchax."""

import pickle
import warnings

import pytest
from harness import conformance, tensor
from test_optim_api import outcome

STEPS = 50


def two_groups(T, name="SGD", **kwargs):
    p, q = tensor(T, (2,), grad=True, seed=1), tensor(T, (3,), grad=True, seed=2)
    if name == "SGD":
        kwargs = {"lr": 0.1, "momentum": 0.9, **kwargs}
    opt = getattr(T.optim, name)([{"params": [p]}, {"params": [q], "lr": 0.05}], **kwargs)
    return opt, [p, q]


def run(T, opt, params, schedulers, steps=STEPS, metrics=None):
    """Optimizer step then scheduler steps; the lrs (and momentum/beta1) seen by each optimizer step."""
    seen = []
    for i in range(steps):
        for p in params:
            p.grad = T.ones_like(p)
        opt.step()
        group = opt.param_groups[0]
        seen.append([g["lr"] for g in opt.param_groups] + [group.get("momentum", group.get("betas", (None,))[0])])
        for s in schedulers:
            s.step() if metrics is None else s.step(metrics[i])
    return seen


class Decay:
    """A callable lr_lambda with state (torch saves a callable object's __dict__)."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, epoch):
        return self.rate**epoch


SCHEDULERS = [
    ("StepLR", {"step_size": 7, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [5, 10, 10, 30], "gamma": 0.3}),
    ("ConstantLR", {"factor": 0.25, "total_iters": 8}),
    ("LinearLR", {"start_factor": 0.1, "end_factor": 0.9, "total_iters": 20}),
    ("ExponentialLR", {"gamma": 0.93}),
    ("PolynomialLR", {"total_iters": 30, "power": 2.0}),
    ("CosineAnnealingLR", {"T_max": 12, "eta_min": 0.001}),
    ("CosineAnnealingWarmRestarts", {"T_0": 5, "T_mult": 2, "eta_min": 0.01}),
    ("CosineAnnealingWarmRestarts", {"T_0": 7}),
    ("LambdaLR", {"lr_lambda": Decay(0.95)}),
    ("LambdaLR", {"lr_lambda": [Decay(0.9), lambda e: 1 / (e + 1)]}),
    ("MultiplicativeLR", {"lr_lambda": lambda e: 0.97}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 4}),
    ("CyclicLR", {"base_lr": [0.01, 0.02], "max_lr": 0.1, "step_size_up": 4, "mode": "triangular2"}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 3, "step_size_down": 6, "mode": "exp_range",
                  "gamma": 0.97, "base_momentum": 0.7, "max_momentum": 0.95}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 5, "scale_fn": lambda x: 0.5**x,
                  "scale_mode": "iterations", "cycle_momentum": False}),
    ("OneCycleLR", {"max_lr": 0.5, "total_steps": 60}),
    ("OneCycleLR", {"max_lr": [0.5, 0.2], "epochs": 5, "steps_per_epoch": 12, "anneal_strategy": "linear"}),
    ("OneCycleLR", {"max_lr": 0.5, "total_steps": 50, "three_phase": True, "pct_start": 0.2, "div_factor": 10.0,
                    "final_div_factor": 100.0}),
]


@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)])
@conformance()
def test_scheduler_trajectory(T, name, kwargs):
    opt, params = two_groups(T)
    s = getattr(T.optim.lr_scheduler, name)(opt, **kwargs)
    steps = STEPS if name != "OneCycleLR" else kwargs.get("total_steps", 60)
    seen = run(T, opt, params, [s], steps=steps)
    return seen, s.get_last_lr(), s.last_epoch, s.state_dict(), opt.param_groups[1]


@pytest.mark.parametrize("name,kwargs", [("CyclicLR", {"base_lr": 0.001, "max_lr": 0.01, "step_size_up": 3}),
                                         ("OneCycleLR", {"max_lr": 0.01, "total_steps": 20})])
@conformance()
def test_momentum_cycling_on_adam_betas(T, name, kwargs):
    opt, params = two_groups(T, "Adam")
    s = getattr(T.optim.lr_scheduler, name)(opt, **kwargs)
    return run(T, opt, params, [s], steps=20), [g["betas"] for g in opt.param_groups], opt.state_dict()


PLATEAU = [{}, {"mode": "max", "factor": 0.5, "patience": 2}, {"threshold_mode": "abs", "threshold": 0.05,
                                                                "patience": 1, "cooldown": 3},
           {"patience": 0, "min_lr": [0.02, 0.001], "factor": 0.5}, {"patience": 1, "eps": 0.02, "factor": 0.9}]


@pytest.mark.parametrize("kwargs", PLATEAU)
@conformance()
def test_reduce_lr_on_plateau(T, kwargs):
    opt, params = two_groups(T)
    s = T.optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
    metrics = [1.0 / (1 + i % 7) + 0.01 * (i // 7) for i in range(STEPS)]
    return run(T, opt, params, [s], metrics=metrics), s.state_dict(), s.in_cooldown


@conformance()
def test_two_schedulers_on_one_optimizer(T):
    opt, params = two_groups(T)
    a = T.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)
    b = T.optim.lr_scheduler.ExponentialLR(opt, gamma=0.95)
    return run(T, opt, params, [a, b]), a.get_last_lr(), b.get_last_lr()


@conformance()
def test_chained_scheduler(T):
    opt, params = two_groups(T)
    sched = T.optim.lr_scheduler
    s = sched.ChainedScheduler([sched.ConstantLR(opt, factor=0.5, total_iters=4),
                                sched.ExponentialLR(opt, gamma=0.9)])
    return run(T, opt, params, [s]), s.get_last_lr(), s.state_dict()


@conformance()
def test_sequential_lr(T):
    opt, params = two_groups(T)
    sched = T.optim.lr_scheduler
    warmup = sched.LinearLR(opt, start_factor=0.1, total_iters=5)
    cosine = sched.CosineAnnealingLR(opt, T_max=20, eta_min=0.001)
    step = sched.StepLR(opt, step_size=3, gamma=0.8)
    s = sched.SequentialLR(opt, schedulers=[warmup, cosine, step], milestones=[5, 25])
    return run(T, opt, params, [s]), s.get_last_lr(), s.state_dict()


@pytest.mark.parametrize("name,kwargs", [("StepLR", {"step_size": 3}), ("MultiStepLR", {"milestones": [2, 4]}),
                                         ("ExponentialLR", {"gamma": 0.9}), ("CosineAnnealingLR", {"T_max": 5}),
                                         ("LinearLR", {}), ("ConstantLR", {}), ("PolynomialLR", {}),
                                         ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2})])
@conformance()
def test_step_with_epoch_uses_closed_form(T, name, kwargs):
    opt, params = two_groups(T)
    s = getattr(T.optim.lr_scheduler, name)(opt, **kwargs)
    opt.step()
    lrs = []
    for epoch in [3, 1, 7, 4.5 if name == "CosineAnnealingWarmRestarts" else 4]:
        with warnings.catch_warnings(record=True) as record:  # the deprecation warning (not from WarmRestarts)
            warnings.simplefilter("always")
            s.step(epoch)
        lrs.append((s.get_last_lr(), [str(w.message)[:40] for w in record]))
    return lrs


@conformance()
def test_warning_when_scheduler_steps_first(T):
    opt, params = two_groups(T)
    s = T.optim.lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`") as record:
        s.step()
    return len(record), s.get_last_lr(), hasattr(opt.step, "_wrapped_by_lr_sched")


@conformance()
def test_get_lr_outside_step_warns(T):
    opt, _ = two_groups(T)
    s = T.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    with pytest.warns(UserWarning, match="get_last_lr"):
        lrs = s.get_lr()
    return lrs


@pytest.mark.parametrize("name,kwargs", SCHEDULERS[:12] + SCHEDULERS[14:15] + SCHEDULERS[16:17],
                         ids=[n for n, _ in SCHEDULERS[:12] + SCHEDULERS[14:15] + SCHEDULERS[16:17]])
@conformance()
def test_scheduler_resume(T, name, kwargs):
    opt, params = two_groups(T)
    s = getattr(T.optim.lr_scheduler, name)(opt, **kwargs)
    first = run(T, opt, params, [s], steps=10)
    saved = pickle.dumps((s.state_dict(), opt.state_dict()))
    straight = run(T, opt, params, [s], steps=10)
    opt2, params2 = two_groups(T)
    s2 = getattr(T.optim.lr_scheduler, name)(opt2, **kwargs)
    sched_state, opt_state = pickle.loads(saved)
    s2.load_state_dict(sched_state)
    opt2.load_state_dict(opt_state)
    again = run(T, opt2, params2, [s2], steps=10)
    return first, straight, again, s2.state_dict()


@conformance()
def test_last_epoch_resume_needs_initial_lr(T):
    opt, _ = two_groups(T)
    return outcome(lambda: T.optim.lr_scheduler.StepLR(opt, step_size=2, last_epoch=3))


INVALID = [
    ("ConstantLR", {"factor": 1.5}), ("LinearLR", {"start_factor": 0.0}), ("LinearLR", {"end_factor": 2.0}),
    ("CosineAnnealingWarmRestarts", {"T_0": 0}), ("CosineAnnealingWarmRestarts", {"T_0": 2, "T_mult": 0}),
    ("CosineAnnealingWarmRestarts", {"T_0": 2, "eta_min": "x"}), ("LambdaLR", {"lr_lambda": [lambda e: 1.0]}),
    ("MultiplicativeLR", {"lr_lambda": 0.5}), ("CyclicLR", {"base_lr": 0.1, "max_lr": 1.0, "mode": "bad"}),
    ("CyclicLR", {"base_lr": [0.1], "max_lr": 1.0}), ("OneCycleLR", {"max_lr": 0.1}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 0}), ("OneCycleLR", {"max_lr": 0.1, "total_steps": 9,
                                                                      "anneal_strategy": "bad"}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 9, "pct_start": 1}),
    ("ReduceLROnPlateau", {"factor": 1.0}), ("ReduceLROnPlateau", {"mode": "avg"}),
    ("ReduceLROnPlateau", {"threshold_mode": "x"}), ("ReduceLROnPlateau", {"min_lr": [0.1]}),
]


@pytest.mark.parametrize("name,kwargs", INVALID, ids=[f"{n}-{i}" for i, (n, _) in enumerate(INVALID)])
@conformance()
def test_invalid_scheduler_arguments(T, name, kwargs):
    opt, _ = two_groups(T)
    return outcome(lambda: getattr(T.optim.lr_scheduler, name)(opt, **kwargs))


@conformance()
def test_invalid_composites(T):
    opt, _ = two_groups(T)
    other, _ = two_groups(T)
    sched = T.optim.lr_scheduler
    plateau = sched.ReduceLROnPlateau(opt)
    return (outcome(lambda: sched.StepLR("not an optimizer", step_size=2)),
            outcome(lambda: sched.SequentialLR(opt, [], [])),
            outcome(lambda: sched.SequentialLR(opt, [sched.StepLR(opt, 2)], [3])),
            outcome(lambda: sched.ChainedScheduler([plateau])),
            outcome(lambda: sched.ChainedScheduler([sched.StepLR(opt, 2), sched.StepLR(other, 2)])),
            outcome(lambda: sched.OneCycleLR(opt, max_lr=0.1, total_steps=2).step() or
                    sched.OneCycleLR(opt, max_lr=0.1, total_steps=1).step()))


@conformance()
def test_one_cycle_too_many_steps(T):
    opt, params = two_groups(T)
    s = T.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    return outcome(lambda: run(T, opt, params, [s], steps=5))
