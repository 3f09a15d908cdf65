"""torchax.interop: modules as pure JAX functions, JAX functions as differentiable ops, flax both ways."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import torchax
import torchax.nn as nn
from torchax import interop

X = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)


def _mlp():
    torchax.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))


def test_to_jax_is_a_pure_function_for_jit_grad_and_vmap():
    m = _mlp()
    params, fn = interop.to_jax(m)
    assert set(params) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    expected = m(torchax.tensor(X))
    np.testing.assert_allclose(jax.jit(fn)(params, X), expected.detach().numpy(), rtol=1e-6)
    grads = jax.jit(jax.grad(lambda p, x: fn(p, x).sum()))(params, X)
    expected.sum().backward()
    for name, p in m.named_parameters():
        np.testing.assert_allclose(grads[name], p.grad.numpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(jax.vmap(lambda row: fn(params, row))(X), expected.detach().numpy(), rtol=1e-6)
    assert m[0].weight._value is params["0.weight"]  # the module is left as it was


def test_to_jax_random_ops_take_a_key():
    m = nn.Dropout(0.5)
    _, fn = interop.to_jax(m)
    a = jax.jit(lambda x, k: fn({}, x, rng=k))(jnp.ones(16, jnp.float32), jax.random.key(0))
    b = jax.jit(lambda x, k: fn({}, x, rng=k))(jnp.ones(16, jnp.float32), jax.random.key(1))
    assert set(np.unique(a)) <= {0.0, 2.0} and not np.array_equal(a, b)


def test_tensor_and_array_share_buffers():
    x = jnp.arange(3.0)
    t = interop.tensor(x)
    assert interop.array(t) is x and interop.to_jax(t) is x


def test_from_jax_is_differentiable_and_keeps_pytrees():
    f = interop.from_jax(lambda a, pair: {"s": jnp.sin(a) * pair[0], "c": jnp.cos(a) + pair[1]})
    a = torchax.tensor([0.1, 0.2], requires_grad=True)
    out = f(a, (torchax.tensor(2.0), 1.0))
    (out["s"].sum() + out["c"].sum()).backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * np.cos([0.1, 0.2]) - np.sin([0.1, 0.2]), rtol=1e-6)


def test_flax_linen_module_trains_inside_torchax():
    import flax.linen as linen

    dense = linen.Dense(3)
    variables = dense.init(jax.random.key(0), jnp.ones((1, 4), jnp.float32))
    jm = interop.JaxModule.from_flax(dense, variables)
    opt = torchax.optim.SGD(jm.parameters(), lr=0.1)
    x = torchax.tensor(X)
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = jm(x).pow(2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[0] > losses[1] > losses[2]
    np.testing.assert_allclose(jm(x).detach().numpy(), dense.apply(
        {"params": {"kernel": jm.params_kernel._value, "bias": jm.params_bias._value}}, X), rtol=1e-6)


def test_flax_nnx_module_inside_torchax():
    from flax import nnx

    lin = nnx.Linear(4, 2, rngs=nnx.Rngs(0))
    jm = interop.JaxModule.from_flax(lin)
    np.testing.assert_allclose(jm(torchax.tensor(X)).detach().numpy(), lin(jnp.asarray(X)), rtol=1e-6)


def test_torchax_module_inside_flax():
    m = _mlp()
    fm = interop.to_flax(m)
    variables = fm.init(jax.random.key(0), X)
    np.testing.assert_allclose(fm.apply(variables, X), m(torchax.tensor(X)).detach().numpy(), rtol=1e-6)


def test_to_jax_rejects_other_objects():
    with pytest.raises(TypeError, match="Tensor or a Module"):
        interop.to_jax([1, 2])
