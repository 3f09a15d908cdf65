"""Eager forward+backward of a small CNN: torch eager vs torchax eager, same weights, one run.

Model: Conv2d(1,16,3)/ReLU/MaxPool2d(2)/Conv2d(16,32,3)/ReLU/MaxPool2d(2)/Flatten/Linear(800,128)/ReLU/
Linear(128,10), cross-entropy loss, MNIST-shaped batch of 64 (1x28x28). Rounds interleave the two libraries;
each round times `--iters` steps after a warm-up; the median round is reported.
Run: python benchmarks/nn_cnn.py [--rounds 7] [--iters 10]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def build(T, rng_arrays):
    """The CNN in library T, with the given parameter values (in named-parameter order)."""
    nn = T.nn
    model = nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(800, 128), nn.ReLU(), nn.Linear(128, 10))
    with T.no_grad():
        for p, a in zip(model.parameters(), rng_arrays):
            p.copy_(T.tensor(a))
    return model


def param_arrays(rng):
    shapes = [(16, 1, 3, 3), (16,), (32, 16, 3, 3), (32,), (128, 800), (128,), (10, 128), (10,)]
    return [(rng.standard_normal(s) * 0.1).astype(np.float32) for s in shapes]


def lib_step(T, arrays, x, y):
    model = build(T, arrays)
    tx, ty = T.tensor(x), T.tensor(y)

    def step():
        model.zero_grad(set_to_none=True)
        loss = T.nn.functional.cross_entropy(model(tx), ty)
        loss.backward()
        return loss

    return step


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
    arrays = param_arrays(rng)
    x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, size=64)
    fns = {"torch": lib_step(torch, arrays, x, y), "torchax": lib_step(torchax, arrays, x, y)}
    losses = {k: f().detach().item() for k, f in fns.items()}
    assert abs(losses["torch"] - losses["torchax"]) < 1e-4 * max(1.0, abs(losses["torch"])), losses
    times = {k: [] for k in fns}
    for _ in range(args.rounds):
        for k, f in fns.items():
            times[k].append(timeit(f, args.iters))
    m = {k: statistics.median(v) for k, v in times.items()}
    print(f"{'workload':8} {'torch eager':>12} {'torchax eager':>14} {'torchax/torch':>14}   "
          f"(ms per forward+backward, median of rounds)")
    print(f"{'cnn':8} {m['torch']:12.3f} {m['torchax']:14.3f} {m['torchax'] / m['torch']:14.2f}")


if __name__ == "__main__":
    main()
