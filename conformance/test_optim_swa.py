"""torch.optim.swa_utils: AveragedModel (SWA, EMA, custom averages, buffers), SWALR and update_bn."""

import pytest
from harness import conformance, fill_params, tensor
from test_optim_api import outcome


def model(T, bn=False):
    layers = [T.nn.Linear(4, 5)] + ([T.nn.BatchNorm1d(5)] if bn else []) + [T.nn.Tanh(), T.nn.Linear(5, 3)]
    return fill_params(T, T.nn.Sequential(*layers))


def train_and_average(T, net, averaged, steps=5, lr=0.1):
    opt = T.optim.SGD(net.parameters(), lr=lr, momentum=0.5)
    x, y = tensor(T, (8, 4), seed=3), tensor(T, (8, 3), seed=4)
    for _ in range(steps):
        opt.zero_grad()
        T.nn.functional.mse_loss(net(x), y).backward()
        opt.step()
        averaged.update_parameters(net)
    return averaged


def _avg_fn(T, kind):
    swa = T.optim.swa_utils
    return {"swa": {}, "ema_multi": {"multi_avg_fn": swa.get_ema_multi_avg_fn(0.9)},
            "ema": {"avg_fn": swa.get_ema_avg_fn(0.8)}, "swa_fn": {"avg_fn": swa.get_swa_avg_fn()},
            "swa_multi": {"multi_avg_fn": swa.get_swa_multi_avg_fn()},
            "custom": {"avg_fn": lambda avg, cur, n: 0.5 * avg + 0.5 * cur}}[kind]


@pytest.mark.parametrize("kind", ["swa", "ema_multi", "ema", "swa_fn", "swa_multi", "custom"])
@conformance()
def test_averaged_model(T, kind):
    net = model(T)
    averaged = train_and_average(T, net, T.optim.swa_utils.AveragedModel(net, **_avg_fn(T, kind)))
    x = tensor(T, (2, 4), seed=7)
    return averaged.state_dict(), averaged(x).detach(), averaged.n_averaged


@pytest.mark.parametrize("use_buffers", [False, True])
@conformance()
def test_averaged_model_buffers(T, use_buffers):
    net = model(T, bn=True)
    averaged = T.optim.swa_utils.AveragedModel(net, use_buffers=use_buffers)
    return train_and_average(T, net, averaged).state_dict()


@conformance()
def test_averaged_model_errors(T):
    swa = T.optim.swa_utils
    net = model(T)
    return (outcome(lambda: swa.AveragedModel(net, avg_fn=swa.get_swa_avg_fn(),
                                              multi_avg_fn=swa.get_swa_multi_avg_fn())),
            outcome(lambda: swa.get_ema_avg_fn(1.5)), outcome(lambda: swa.get_ema_multi_avg_fn(-0.1)))


@conformance()
def test_update_bn(T):
    net = model(T, bn=True)
    loader = [(tensor(T, (6, 4), seed=10 + i), tensor(T, (6,), seed=20 + i)) for i in range(3)]
    net.eval()
    T.optim.swa_utils.update_bn(loader, net)
    bn = net[1]
    T.optim.swa_utils.update_bn([tensor(T, (6, 4), seed=30)], model(T))  # plain tensors as batches
    return net.state_dict(), bn.momentum, net.training


@pytest.mark.parametrize("kwargs", [{"swa_lr": 0.05}, {"swa_lr": [0.05, 0.01], "anneal_epochs": 4,
                                                        "anneal_strategy": "linear"}, {"swa_lr": 0.2,
                                                                                       "anneal_epochs": 0}])
@conformance()
def test_swalr(T, kwargs):
    p, q = tensor(T, (2,), grad=True, seed=1), tensor(T, (3,), grad=True, seed=2)
    opt = T.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.3}], lr=0.1)
    s = T.optim.swa_utils.SWALR(opt, **kwargs)
    lrs = []
    for _ in range(15):
        p.grad, q.grad = T.ones_like(p), T.ones_like(q)
        opt.step()
        s.step()
        lrs.append(s.get_last_lr())
    return lrs, s.state_dict(), p, q


@conformance()
def test_swalr_errors(T):
    opt = T.optim.SGD([tensor(T, (2,), grad=True)], lr=0.1)
    swa = T.optim.swa_utils
    return (outcome(lambda: swa.SWALR(opt, swa_lr=0.1, anneal_strategy="exp")),
            outcome(lambda: swa.SWALR(opt, swa_lr=0.1, anneal_epochs=-1)),
            outcome(lambda: swa.SWALR(opt, swa_lr=[0.1, 0.2])))
