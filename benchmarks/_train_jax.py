"""Hand-written JAX + optax versions of benchmarks/train.py's models and training step.

Plain jax.numpy / lax on a dict of parameters named and laid out as the torch state_dict (Linear weights are
(out, in), convolutions OIHW on NCHW input, LSTM gates in torch's i, f, g, o order), one `jax.jit` step with the
parameters and the optimizer state donated, `optax.adam`. This is what a JAX user would write; the torchax
compiled step is measured against it.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import optax
from jax import lax


def _linear(p, name, x):
    return x @ p[name + ".weight"].T + p[name + ".bias"]


def _layer_norm(p, name, x, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) * lax.rsqrt(var + eps) * p[name + ".weight"] + p[name + ".bias"]


def _conv(p, name, x):
    y = lax.conv_general_dilated(x, p[name + ".weight"], (1, 1), "VALID", dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return y + p[name + ".bias"][:, None, None]


def mlp(p, x):
    h = jax.nn.relu(_linear(p, "0", x))
    h = jax.nn.relu(_linear(p, "2", h))
    return _linear(p, "4", h)


def cnn(p, x):
    h = jax.nn.relu(_conv(p, "0", x))
    h = jax.nn.relu(_conv(p, "2", h))
    h = lax.reduce_window(h, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
    h = jax.nn.relu(_linear(p, "6", h.reshape(h.shape[0], -1)))
    return _linear(p, "8", h)


def _attention(q, k, v):
    """Causal softmax attention over (batch, heads, length, head_dim)."""
    length = q.shape[2]
    s = jnp.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(q.shape[-1])
    s = jnp.where(jnp.tril(jnp.ones((length, length), bool)), s, -jnp.inf)
    return jnp.einsum("bhqk,bhkd->bhqd", jax.nn.softmax(s, axis=-1), v)


def gpt(p, idx, heads=4):
    B, L = idx.shape
    x = p["tok.weight"][idx] + p["pos.weight"][:L]
    D = x.shape[-1]
    i = 0
    while f"blocks.{i}.qkv.weight" in p:
        b = f"blocks.{i}."
        qkv = _linear(p, b + "qkv", _layer_norm(p, b + "ln1", x))
        q, k, v = (t.reshape(B, L, heads, D // heads).transpose(0, 2, 1, 3) for t in jnp.split(qkv, 3, axis=-1))
        y = _attention(q, k, v).transpose(0, 2, 1, 3).reshape(B, L, D)
        x = x + _linear(p, b + "proj", y)
        h = jax.nn.gelu(_linear(p, b + "fc", _layer_norm(p, b + "ln2", x)), approximate=False)
        x = x + _linear(p, b + "out", h)
        i += 1
    return _linear(p, "head", _layer_norm(p, "ln", x))


def lstm(p, idx):
    x = p["emb.weight"][idx]  # (B, L, H)
    w_ih, w_hh = p["rnn.weight_ih_l0"], p["rnn.weight_hh_l0"]
    xs = (x @ w_ih.T + p["rnn.bias_ih_l0"] + p["rnn.bias_hh_l0"]).swapaxes(0, 1)  # input projections, all steps
    H = w_hh.shape[1]

    def cell(carry, xt):
        h, c = carry
        gates = xt + h @ w_hh.T
        i, f, g, o = (gates[:, k * H:(k + 1) * H] for k in range(4))
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), h

    zeros = jnp.zeros((idx.shape[0], H), x.dtype)
    _, hs = lax.scan(cell, (zeros, zeros), xs)
    return _linear(p, "head", hs.swapaxes(0, 1))


MODELS = {"mlp": mlp, "cnn": cnn, "gpt": gpt, "lstm": lstm}


def make(name: str, weights: dict, lr: float):
    """(step, state): `state, loss = step(state, x, y)` is one jitted Adam step; state = (params, opt_state)."""
    forward = MODELS[name]
    opt = optax.adam(lr)

    def loss_fn(params, x, y):
        logits = forward(params, x)
        logits = logits.reshape(-1, logits.shape[-1])
        return optax.softmax_cross_entropy_with_integer_labels(logits, y.reshape(-1)).mean()

    def step(state, x, y):
        params, opt_state = state
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        updates, opt_state = opt.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss

    params = {k: jnp.asarray(v) for k, v in weights.items()}
    return jax.jit(step, donate_argnums=0), (params, opt.init(params))
