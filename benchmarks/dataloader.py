"""DataLoader throughput: torch vs torchax, same datasets, same seeded shuffles.

Workloads (one epoch each, batch_size=64, shuffle=True), timed side by side in one run (median of rounds):
  mnist_w0     TensorDataset of 60k 1x28x28 float32 images + int64 labels, in the main process
  mnist_w2     the same with num_workers=2 (worker start-up included)
  heavy_w0     a Dataset whose __getitem__ does ~1 ms of numpy work per sample (6.4k samples)
  heavy_w2     the same with num_workers=2 (worker start-up included)
  heavy_w2p    the same with persistent workers: an epoch after the first (no start-up)
  heavynp_w0   the heavy dataset returning numpy arrays instead of Tensors (no per-sample tensor creation)
  heavynp_w2   the same with num_workers=2
  start_w2     iter() to the first batch of a small dataset with num_workers=2 (worker start-up alone)
The ratio column is the median over rounds of torchax/torch measured back to back (paired), with the range of the
per-round ratios: the machine is shared, so a single ratio is not to be trusted.
Run: python benchmarks/dataloader.py [--rounds 5] [--only heavy_w0 ...]
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


class HeavyNumpy(Heavy):
    """The same work, the sample left as a numpy array (default_collate makes the batch a Tensor)."""

    def __getitem__(self, i):
        x = self.base[i]
        for _ in range(8):
            x = np.abs(np.fft.ifft2(np.fft.fft2(x) * 0.5)).astype(np.float32)
        return x[None], i % 10


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


def _first_batch(T) -> float:
    ds = T.utils.data.TensorDataset(T.arange(64.0))
    loader = T.utils.data.DataLoader(_Plain(ds), batch_size=8, num_workers=2)
    t = time.perf_counter()
    it = iter(loader)
    next(it)
    out = time.perf_counter() - t
    del it
    return out


class _Plain:
    """A plain map-style dataset over another (so no fast path applies): workers start as for any user dataset."""

    def __init__(self, ds):
        self.ds = ds

    def __len__(self):
        return len(self.ds)

    def __getitem__(self, i):
        return self.ds[i]


def _bench(T, name, cache):
    if name == "start_w2":
        return _first_batch(T)
    if name.startswith("mnist"):
        ds = cache.setdefault(("mnist", T.__name__), _mnist(T))
    elif name.startswith("heavynp"):
        ds = cache.setdefault(("heavynp", T.__name__), HeavyNumpy(T))
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
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args()
    import torch

    import torchax

    # torch's workers fork this process, which runs JAX; they never use it, so JAX's fork warning does not apply
    warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called")
    libs = {"torch": torch, "torchax": torchax}
    names = args.only or ["mnist_w0", "mnist_w2", "heavy_w0", "heavy_w2", "heavy_w2p", "heavynp_w0", "heavynp_w2",
                          "start_w2"]
    cache = {}
    print(f"{'workload':10s} {'torch s':>9s} {'torchax s':>10s} {'ratio':>7s}  {'per-round range':>15s}")
    for name in names:
        times = {k: [] for k in libs}
        for T in libs.values():
            _bench(T, name, cache)  # warm-up (kernels compiled, files cached, torchax's fork server started)
        for r in range(args.rounds):
            for k in (list(libs) if r % 2 == 0 else list(libs)[::-1]):  # alternate who goes first
                times[k].append(_bench(libs[k], name, cache))
        t, x = (statistics.median(times[k]) for k in libs)
        ratios = [b / a for a, b in zip(times["torch"], times["torchax"])]
        print(f"{name:10s} {t:9.3f} {x:10.3f} {statistics.median(ratios):6.2f}x  {min(ratios):6.2f}-{max(ratios):.2f}x",
              flush=True)


if __name__ == "__main__":
    main()
