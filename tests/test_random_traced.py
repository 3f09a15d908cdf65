"""Random ops inside jax tracing draw from a threaded JAX key: fresh values per call, no baked constants."""

import jax
import numpy as np
import pytest

import torchax
from torchax._ops.random import key_scope
from torchax._tensor import wrap


def _step(key, x):
    with key_scope(key) as box:
        t = wrap(x)
        y = t + torchax.rand(3) + torchax.randn(3) + torchax.empty(3).uniform_(-1, 1)
        y = y + torchax.empty(3).bernoulli_(0.5) + torchax.randint(0, 5, (3,)) + t.clone().normal_(2, 3)
        y = y + torchax.empty(3).exponential_() + torchax.randperm(3)
    return y._value, box[0]


def test_key_threads_through_jit():
    step = jax.jit(_step)
    key = jax.random.key(0)
    x = np.zeros(3, np.float32)
    a, key = step(key, x)
    b, key = step(key, x)
    assert not np.array_equal(np.asarray(a), np.asarray(b))  # a new key each call: new numbers
    again, _ = step(jax.random.key(0), x)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(again))  # same key: same numbers


def test_no_constants_baked_in():
    jaxpr = jax.make_jaxpr(_step)(jax.random.key(0), np.zeros(3, np.float32))
    assert not jaxpr.consts, "random values were computed on the host and baked into the trace"


def test_eager_draw_under_trace_without_key_raises():
    def f(x):
        return (wrap(x) + torchax.rand(3))._value

    with pytest.raises(RuntimeError, match="need a key"):
        jax.jit(f)(np.zeros(3, np.float32))


def test_eager_stream_untouched_by_traced_draws():
    torchax.manual_seed(0)
    expected = torchax.rand(4).numpy()
    torchax.manual_seed(0)
    jax.jit(_step)(jax.random.key(1), np.zeros(3, np.float32))
    np.testing.assert_array_equal(torchax.rand(4).numpy(), expected)
