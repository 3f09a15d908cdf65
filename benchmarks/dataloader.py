"""DataLoader throughput: torch vs torchax, same datasets, same seeded shuffles.

Workloads (one epoch each, batch_size=64, shuffle=True), timed side by side in one run (median of rounds):
  mnist_w0     TensorDataset of 60k 1x28x28 float32 images + int64 labels, in the main process
  mnist_w2     the same with num_workers=2 (worker start-up included)
  heavy_w0     a Dataset whose __getitem__ does ~1 ms of numpy work per sample (6.4k samples)
  heavy_w2     the same with num_workers=2 (worker start-up included)
  heavy_w2p    the same with persistent workers: an epoch after the first (no start-up)
Run: python benchmarks/dataloader.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np

N_MNIST, N_HEAVY, BATCH = 60_000, 6_400, 64


class Heavy:
    """A map-style dataset with a CPU-heavy per-sample transform (a few small FFT round trips in numpy)."""

    def __init__(self, T, n=N_HEAVY):
        self.T, self.n = T, n
        self.base = np.random.default_rng(0).random((n, 32, 32), dtype=np.float32)

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        x = self.base[i]
        for _ in range(8):
            x = np.abs(np.fft.ifft2(np.fft.fft2(x) * 0.5)).astype(np.float32)
        return self.T.from_numpy(x[None]), i % 10


def _mnist(T):
    rng = np.random.default_rng(0)
    x = T.from_numpy(rng.random((N_MNIST, 1, 28, 28), dtype=np.float32))
    y = T.from_numpy(rng.integers(0, 10, N_MNIST))
    return T.utils.data.TensorDataset(x, y)


def _epoch(loader) -> float:
    t = time.perf_counter()
    n = 0
    for x, _ in loader:
        n += len(x)
    return time.perf_counter() - t


def _bench(T, name, cache):
    if name.startswith("mnist"):
        ds = cache.setdefault(("mnist", T.__name__), _mnist(T))
    else:
        ds = cache.setdefault(("heavy", T.__name__), Heavy(T))
    workers = 2 if "_w2" in name else 0
    persistent = name.endswith("p")
    T.manual_seed(0)
    loader = T.utils.data.DataLoader(ds, batch_size=BATCH, shuffle=True, num_workers=workers,
                                     persistent_workers=persistent)
    if persistent:
        _epoch(loader)  # start the workers
        t = _epoch(loader)
        del loader
        return t
    return _epoch(loader)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args()
    import torch

    import torchax

    # torch's workers fork this process, which runs JAX; they never use it, so JAX's fork warning does not apply
    warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called")
    libs = {"torch": torch, "torchax": torchax}
    names = args.only or ["mnist_w0", "mnist_w2", "heavy_w0", "heavy_w2", "heavy_w2p"]
    cache = {}
    print(f"{'workload':10s} {'torch s':>9s} {'torchax s':>10s} {'ratio':>7s}")
    for name in names:
        times = {k: [] for k in libs}
        for T in libs.values():
            _bench(T, name, cache)  # warm-up (kernels compiled, files cached)
        for _ in range(args.rounds):
            for k, T in libs.items():
                times[k].append(_bench(T, name, cache))
        t, x = (statistics.median(times[k]) for k in libs)
        print(f"{name:10s} {t:9.3f} {x:10.3f} {x / t:6.2f}x", flush=True)


if __name__ == "__main__":
    main()
