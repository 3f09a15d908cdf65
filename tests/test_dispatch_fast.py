"""The dispatcher's fast path (keyword-free calls skip the argument split) gives what the full path gives.

Each test first runs a call so that its kernel is filed for the fast path, then checks that the next calls, which
take it, still honour everything the key must tell apart: static ints vs bools vs floats, traced scalar types,
the default dtype, grad mode, views, out=, several outputs, the autocast hook and tracing under jax.jit.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import torchax
from torchax import _fastpath, _registry
from torchax._registry import op
from torchax._tensor import wrap


def _t(a, dtype=np.float32):
    return torchax.tensor(np.asarray(a, dtype))


X = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5


def test_repeated_calls_take_the_fast_path_and_agree():
    x, y = _t(X), _t(X[::-1].copy())
    for _ in range(3):
        np.testing.assert_allclose(np.asarray(x.exp()), np.exp(X), rtol=1e-6)
        np.testing.assert_allclose(np.asarray(x + y), X + X[::-1], rtol=1e-6)
        np.testing.assert_allclose(np.asarray(x * 1.5), X * 1.5, rtol=1e-6)
        np.testing.assert_allclose(np.asarray(x.sum(1)), X.sum(1), rtol=1e-6)
        np.testing.assert_allclose(np.asarray(torchax.where(x > 0, x, y)), np.where(X > 0, X, X[::-1]))
    assert _registry.OPS["exp"].fast and _registry.OPS["add"].fast and _registry.OPS["_where"].fast


def _kind(s):
    return 0 if type(s) is int else 1 if type(s) is bool else 2 if type(s) is float else 3


@op(name="_test_fast_static_probe", method=False)
def _probe(input, s, t=None):
    """Which Python types its static arguments had: 1 == True == 1.0 as keys, not as arguments."""
    return jnp.full(input.shape[:1], 4 * _kind(s) + _kind(t), jnp.int64)


def test_static_int_bool_and_float_do_not_share_a_kernel():
    x = _t(X)
    for _ in range(2):
        assert _probe(x, 1).tolist() == [3, 3]
        assert _probe(x, True).tolist() == [7, 7]
        assert _probe(x, 1.0).tolist() == [11, 11]
        assert _probe(x, 1, True).tolist() == [1, 1]
        assert _probe(x, True, 1).tolist() == [4, 4]
        assert _probe(x, 1, 1.0).tolist() == [2, 2]
    assert x.sum(1).shape == (2,)
    with pytest.raises(TypeError):  # dim=True is refused, even after dim=1 (True == 1) has run
        x.sum(True)


def test_traced_scalar_types_keep_torch_promotion():
    i = _t([1, 2, 3], np.int64)
    assert (i + 2).dtype is torchax.int64
    assert (i + 2.0).dtype is torchax.float32  # int tensor + float scalar: the default float dtype
    assert (i + True).dtype is torchax.int64
    assert (i + 2).tolist() == [3, 4, 5] and (i + 2.5).tolist() == [3.5, 4.5, 5.5]
    for _ in range(2):  # reflected: the scalar comes first
        assert (10 - i).dtype is torchax.int64 and (10 - i).tolist() == [9, 8, 7]
        assert (0.5 - i).dtype is torchax.float32 and (0.5 - i).tolist() == [-0.5, -1.5, -2.5]
        assert (6 / i).tolist() == [6.0, 3.0, 2.0]


def test_default_dtype_is_part_of_the_key():
    i = _t([1, 2], np.int64)
    assert i.exp().dtype is torchax.float32
    torchax.set_default_dtype(torchax.float64)
    try:
        assert i.exp().dtype is torchax.float64
        assert (i + 0.5).dtype is torchax.float64
    finally:
        torchax.set_default_dtype(torchax.float32)
    assert i.exp().dtype is torchax.float32


def test_grad_mode_and_requires_grad_still_record():
    x = _t(X)
    x.exp(), x.exp()  # filed
    w = _t(X).requires_grad_()
    out = w.exp()
    assert out.grad_fn is not None and out.requires_grad
    out.sum().backward()
    np.testing.assert_allclose(np.asarray(w.grad), np.exp(X), rtol=1e-6)
    with torchax.no_grad():
        assert w.exp().grad_fn is None and (w * 2).grad_fn is None and w.sum().grad_fn is None


def test_views_read_their_current_value():
    base = _t(X)
    v = base.t()
    np.testing.assert_allclose(np.asarray(v.exp()), np.exp(X.T), rtol=1e-6)
    base.add_(1)
    np.testing.assert_allclose(np.asarray(v.exp()), np.exp(X.T + 1), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(v + v), 2 * (X.T + 1), rtol=1e-6)


def test_out_and_several_outputs():
    x, y = _t(X), _t(X)
    out = torchax.empty(2, 3)
    for _ in range(2):
        assert torchax.add(x, y, out=out) is out
    np.testing.assert_allclose(np.asarray(out), 2 * X)
    for _ in range(2):
        values, indices = torchax.max(x, 1)
        assert type(values) is torchax.Tensor and indices.dtype is torchax.int64


def test_autocast_hook_runs_before_the_fast_path():
    x = _t(X)
    x.exp(), x.exp()
    opdef = _registry.OPS["exp"]
    seen = []

    def hook(op, args, kwargs):
        seen.append(op.name)
        return (args[0].double(),), kwargs

    old = opdef.autocast, _registry._autocast[0]
    opdef.autocast, _registry._autocast[0] = "fp32", hook
    try:
        assert x.exp().dtype is torchax.float64 and seen == ["exp"]
    finally:
        opdef.autocast, _registry._autocast[0] = old


def test_fast_path_under_jit_tracing():
    def f(v):
        t = wrap(v)
        return (torchax.where(t > 0, t.exp(), t * 1.5) + t.sum(1, keepdim=True) - t.mean()).sum(0)._value

    eager = f(jnp.asarray(X))
    f(jnp.asarray(X))  # every kernel filed
    np.testing.assert_allclose(np.asarray(jax.jit(f)(jnp.asarray(X))), np.asarray(eager), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(jax.jit(f)(jnp.asarray(X + 1))), np.asarray(f(jnp.asarray(X + 1))),
                               rtol=1e-6)


def test_shape_errors_keep_torch_messages():
    x, z = _t(X), _t(np.ones((4,)))
    x + x, x + x
    with pytest.raises(RuntimeError, match="must match the size"):
        x + z


def test_cached_scalar_operands_keep_sign_nan_and_type():
    x = _t([1.0, 2.0])
    for _ in range(3):
        assert not np.signbit(np.asarray(x * 0.0)).any()
        assert np.signbit(np.asarray(x * -0.0)).all()  # -0.0 == 0.0 as a key: never served from the cache
        assert np.isnan(np.asarray(x + float("nan"))).all()
        assert (x + 3).tolist() == [4.0, 5.0] and (x + 3.5).tolist() == [4.5, 5.5]
    assert (float, 0.0) not in _fastpath._SCALAR_ARRAYS
    i = _t([1, 2], np.int64)
    for _ in range(2):
        assert (i * 3).dtype is torchax.int64 and (i * 3.0).dtype is torchax.float32
        assert (i + 2 ** 62).tolist() == [2 ** 62 + 1, 2 ** 62 + 2]


def test_second_calls_skip_the_full_path(monkeypatch):
    """Every form the entry points take inline (function, method, dunders, reflected, in-place, dispatch) hits."""
    import torchax.nn.functional as F

    x, y, w = _t(X), _t(X[::-1].copy()), _t(np.ones((4, 3)))
    m, sq, xt = x > 0, _t(np.eye(3)), x.t()
    calls = [lambda: x.exp(), lambda: torchax.exp(x), lambda: -x, lambda: x + y, lambda: x - y, lambda: 1 - x,
             lambda: 2.5 - x, lambda: x * 2, lambda: x / y, lambda: x @ sq, lambda: x > 0, lambda: xt.exp(),
             lambda: torchax.where(m, x, y), lambda: x.sum(), lambda: x.sum(0), lambda: x.sum(1, keepdim=True),
             lambda: x.mean(), lambda: x.amax(1), lambda: x.clamp_min(0), lambda: x.softmax(-1), lambda: F.relu(x),
             lambda: F.linear(x, w), lambda: torchax.add(x, y), lambda: y.add_(x), lambda: y.mul_(0.5)]
    for c in calls:
        c()
    full = []
    run = _registry._hooks["run"]
    monkeypatch.setitem(_registry._hooks, "run", lambda opdef, *a: full.append(opdef.name) or run(opdef, *a))
    for c in calls:
        c()
    assert full == []


def test_fast_in_place_keeps_torch_semantics():
    x, y = _t(X), _t(X)
    base = _t(X)
    v = base[0]
    for _ in range(3):
        base.add_(y)
    assert base._storage.version == 3
    np.testing.assert_allclose(np.asarray(v), X[0] * 4)  # a view of the base reads the new value
    i = _t([1, 2, 3], np.int64)
    for _ in range(2):
        i.add_(i)
        with pytest.raises(RuntimeError, match="can't be cast"):
            i.add_(1.5)  # (after int + float kernels ran: the fast path leaves the error to the full path)
    assert i.tolist() == [4, 8, 12]
    for _ in range(2):
        with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
            _t([1.0]).add_(x)
    leaf = _t(X).requires_grad_()
    x.add_(y), x.add_(y)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        leaf.add_(y)
    with torchax.no_grad():
        leaf.add_(y)
    np.testing.assert_allclose(np.asarray(leaf.detach()), 2 * X)
    w = _t(X).requires_grad_()
    z = x * 1.0
    z.add_(w)  # other requires grad: recorded
    assert z.grad_fn is not None and z.requires_grad


def test_sub_dunders_refuse_bool_after_fast_calls():
    x, b = _t(X), _t([[True, False, True]] * 2, np.bool_)
    for _ in range(2):
        x - x, 1 - x, x - 1
    for bad in (lambda: b - b, lambda: x - b, lambda: b - x, lambda: x - True, lambda: True - x, lambda: 1 - b,
                lambda: b - 1):
        with pytest.raises(RuntimeError, match="Subtraction, the `-` operator"):
            bad()


def test_profiler_sees_fast_calls():
    x, y = _t(X), _t(X)
    for _ in range(2):
        x.exp(), x + y, x - y, x.add_(y), x.sum()
    with torchax.profiler.profile() as prof:
        x.exp(), x + y, x.add_(y), x.sum()
    names = [e.name for e in prof.events()]
    for n in ("aten::exp", "aten::add", "aten::sum"):
        assert n in names
