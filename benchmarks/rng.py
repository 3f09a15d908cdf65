"""Random generation speed: torch eager vs torchax eager, same seeded streams.

Workloads, timed side by side in one run (interleaved rounds, median per round):
  randn   torch.randn(10_000_000)          (float32, the vectorised normal kernel)
  rand    torch.rand(10_000_000)
  randn64 torch.randn(1_000_000, dtype=float64)
  perm    torch.randperm(60_000)           (one epoch of a shuffled MNIST DataLoader)
  init    nn.init-style uniform_ of a 4096x4096 weight
Run: python benchmarks/rng.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

WORKLOADS = {
    "randn": lambda T: T.randn(10_000_000),
    "rand": lambda T: T.rand(10_000_000),
    "randn64": lambda T: T.randn(1_000_000, dtype=T.float64),
    "perm": lambda T: T.randperm(60_000),
    "init": lambda T: T.empty(4096, 4096).uniform_(-0.0156, 0.0156),
}


def once(T, fn) -> float:
    t = time.perf_counter()
    out = fn(T)
    if hasattr(out, "_value"):
        out._value.block_until_ready()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    import torch

    import torchax

    libs = {"torch": torch, "torchax": torchax}
    print(f"{'workload':10s} {'torch ms':>10s} {'torchax ms':>11s} {'ratio':>7s}")
    for name, fn in WORKLOADS.items():
        times = {k: [] for k in libs}
        for T in libs.values():
            once(T, fn)  # warm-up
        for _ in range(args.rounds):
            for k, T in libs.items():
                T.manual_seed(0)
                times[k].append(once(T, fn))
                time.sleep(0.05)
        t, x = (statistics.median(times[k]) * 1e3 for k in libs)
        print(f"{name:10s} {t:10.2f} {x:11.2f} {x / t:6.2f}x")


if __name__ == "__main__":
    main()
