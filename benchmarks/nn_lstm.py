"""LSTM forward+backward speed: torch eager vs torchax eager, in one run (interleaved rounds, median per round).

Workload: nn.LSTM(32, 64, num_layers=2) on a (seq 20, batch 16, 32) input, same weights in both libraries,
loss = output.pow(2).mean() + h_n.sum(); one step = zero grads, forward, backward.
Run: python benchmarks/nn_lstm.py [--rounds 7] [--iters 10] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

SEQ, BATCH, IN, HIDDEN, LAYERS = 20, 16, 32, 64, 2


def lib_step(T, x, weights):
    lstm = T.nn.LSTM(IN, HIDDEN, num_layers=LAYERS)
    with T.no_grad():
        for p, w in zip(lstm.parameters(), weights):
            p.copy_(T.tensor(w))
    tx = T.tensor(x)

    def step():
        for p in lstm.parameters():
            p.grad = None
        out, (h, _) = lstm(tx)
        loss = out.pow(2).mean() + h.sum()
        loss.backward()
        return lstm.weight_ih_l0.grad

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
    ap.add_argument("--threads", type=int, default=2, help="torch intra-op threads (XLA uses its own pool)")
    args = ap.parse_args(argv)
    import torch

    import torchax

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((SEQ, BATCH, IN)).astype(np.float32)
    shapes = [tuple(p.shape) for p in torch.nn.LSTM(IN, HIDDEN, num_layers=LAYERS).parameters()]
    weights = [rng.uniform(-0.125, 0.125, s).astype(np.float32) for s in shapes]
    fns = {"torch": lib_step(torch, x, weights), "torchax": lib_step(torchax, x, weights)}
    times = {k: [] for k in fns}
    for _ in range(args.rounds):
        for k, f in fns.items():
            times[k].append(timeit(f, args.iters))
    m = {k: statistics.median(v) for k, v in times.items()}
    print(f"{'workload':28} {'torch eager':>12} {'torchax eager':>14} {'torchax/torch':>14}   "
          "(ms per forward+backward, median of rounds)")
    print(f"{'lstm 32-64 x2, seq20 b16':28} {m['torch']:12.3f} {m['torchax']:14.3f} {m['torchax'] / m['torch']:14.2f}")


if __name__ == "__main__":
    main()
