"""Forward+backward speed: torch eager vs torchax eager vs JAX (`jax.value_and_grad`, eager and jitted).

Two workloads, timed side by side in one run (interleaved rounds, median per round):
  mlp   784-256-256-10 MLP with ReLU, batch 128, mean-squared-error loss
  chain 16 x (matmul 64x64 + tanh), batch 32
Run: python benchmarks/autograd_mlp.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def mlp_params(rng):
    dims = [784, 256, 256, 10]
    return [a for i, o in zip(dims, dims[1:]) for a in (rng.standard_normal((i, o)).astype(np.float32) * 0.05,
                                                       np.zeros(o, np.float32))]


def chain_params(rng):
    return [rng.standard_normal((64, 64)).astype(np.float32) * 0.1 for _ in range(16)]


def mlp_loss(T, params, x, y):
    h = x
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i < len(params) - 2:
            h = h.clamp(min=0) if T is not None else np_relu(h)
    return ((h - y) ** 2).mean()


def np_relu(h):
    import jax.numpy as jnp

    return jnp.maximum(h, 0)


def chain_loss(T, params, x, y):
    h = x
    for w in params:
        h = (h @ w).tanh() if T is not None else _jtanh(h @ w)
    return ((h - y) ** 2).mean()


def _jtanh(h):
    import jax.numpy as jnp

    return jnp.tanh(h)


def lib_step(T, loss_fn, arrays, x, y):
    params = [T.tensor(a, requires_grad=True) for a in arrays]
    tx, ty = T.tensor(x), T.tensor(y)

    def step():
        for p in params:
            p.grad = None
        loss = loss_fn(T, params, tx, ty)
        loss.backward()
        return params[0].grad

    return step


def jax_steps(loss_fn, arrays, x, y):
    import jax

    params = [jax.numpy.asarray(a) for a in arrays]
    jx, jy = jax.numpy.asarray(x), jax.numpy.asarray(y)
    vg = jax.value_and_grad(lambda ps: loss_fn(None, ps, jx, jy))
    jvg = jax.jit(vg)
    return (lambda: jax.block_until_ready(vg(params))), (lambda: jax.block_until_ready(jvg(params)))


def timeit(fn, n):
    fn()
    time.sleep(0.2)  # NOTE: let the other library's worker threads go idle: XLA's and torch's pools contend
    fn()
    t = time.perf_counter()
    for _ in range(n):
        out = fn()
    if hasattr(out, "_value"):
        out._value.block_until_ready()
    return (time.perf_counter() - t) / n * 1e3


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--iters", type=int, default=10)
    args = ap.parse_args(argv)
    import torch

    import torchax

    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    cases = {
        "mlp": (mlp_loss, mlp_params(rng), rng.standard_normal((128, 784)).astype(np.float32),
                rng.standard_normal((128, 10)).astype(np.float32)),
        "chain": (chain_loss, chain_params(rng), rng.standard_normal((32, 64)).astype(np.float32),
                  rng.standard_normal((32, 64)).astype(np.float32)),
    }
    print(f"{'workload':8} {'torch eager':>12} {'torchax eager':>14} {'jax eager':>10} {'jax jit':>8}   "
          f"{'torchax/torch':>13} {'torchax/jax eager':>17}   (ms per forward+backward, median of rounds)")
    for name, (loss_fn, arrays, x, y) in cases.items():
        fns = {"torch": lib_step(torch, loss_fn, arrays, x, y), "torchax": lib_step(torchax, loss_fn, arrays, x, y)}
        fns["jax"], fns["jit"] = jax_steps(loss_fn, arrays, x, y)
        times = {k: [] for k in fns}
        for _ in range(args.rounds):
            for k, f in fns.items():
                times[k].append(timeit(f, args.iters))
        m = {k: statistics.median(v) for k, v in times.items()}
        print(f"{name:8} {m['torch']:12.3f} {m['torchax']:14.3f} {m['jax']:10.3f} {m['jit']:8.3f}   "
              f"{m['torchax'] / m['torch']:13.2f} {m['torchax'] / m['jax']:17.2f}")


if __name__ == "__main__":
    main()
