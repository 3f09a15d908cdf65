"""The fused optimizer step donates parameter/state buffers only when nothing else holds them."""

import copy

import numpy as np

import torchax


def _params():
    ps = [torchax.tensor(np.full((3, 2), float(i + 1), np.float32), requires_grad=True) for i in range(3)]
    for p in ps:
        p.grad = torchax.tensor(np.full((3, 2), 0.5, np.float32))
    return ps


def test_buffers_held_elsewhere_survive_the_step():
    ps = _params()
    opt = torchax.optim.Adam(ps, lr=0.1)
    opt.step()
    held = ps[0]._value  # a raw reference to the array (as autograd's saved values are)
    saved = copy.deepcopy(opt.state_dict())  # deep copies share the immutable arrays
    before = np.asarray(saved["state"][1]["exp_avg"]._value).copy()
    opt.step()
    assert not held.is_deleted()
    np.testing.assert_array_equal(np.asarray(saved["state"][1]["exp_avg"]._value), before)
    assert float(saved["state"][0]["step"]) == 1.0 and float(opt.state_dict()["state"][0]["step"]) == 2.0


def test_owned_buffers_are_donated_and_results_match():
    donated, kept = _params(), _params()
    a, b = torchax.optim.SGD(donated, lr=0.1, momentum=0.9), torchax.optim.SGD(kept, lr=0.1, momentum=0.9)
    holders = []
    for _ in range(3):
        before = donated[0]._value.unsafe_buffer_pointer()
        a.step()
        assert donated[0]._value.unsafe_buffer_pointer() == before  # updated in place
        holders.append([p._value for p in kept])  # keeps every buffer of `kept` alive: no donation there
        before = kept[0]._value.unsafe_buffer_pointer()
        b.step()
        assert kept[0]._value.unsafe_buffer_pointer() != before
    for x, y in zip(donated, kept):
        np.testing.assert_array_equal(x.detach().numpy(), y.detach().numpy())


def test_aliases_see_the_update():
    ps = _params()
    alias = ps[0].detach()  # shares the storage cell
    view = ps[1].detach()[0]  # a view of a parameter
    opt = torchax.optim.SGD(ps, lr=1.0)
    opt.step()
    np.testing.assert_allclose(alias.numpy(), np.full((3, 2), 0.5, np.float32))
    np.testing.assert_allclose(view.numpy(), np.full((2,), 1.5, np.float32))
