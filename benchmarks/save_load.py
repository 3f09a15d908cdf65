"""Checkpoint speed: torch.save/torch.load vs torchax.save/torchax.load on a 100M-parameter state_dict.

The state_dict is 100 float32 tensors of 1M elements (400 MB), the same numpy data in both libraries. Workloads,
timed side by side in one run (interleaved rounds alternating who goes first, `os.sync()` before each timing so
no write-back is pending, median per workload), files in a temporary folder:
  save_new        save to a path that does not exist yet (a checkpoint per epoch)
  save_overwrite  save over the previous file at the same path (torchax writes a temporary file and swaps it in)
  load            load the file back (weights_only=True, the default)
  load_mmap       load with mmap=True
Wall time is the headline; CPU time (all threads of the process) is printed too, as a steadier measure on a busy
machine where disk write-back dominates the wall time. Each ratio is the median over rounds of torchax/torch measured
back to back (paired), with the range of the per-round ratios (the machine is shared: one ratio proves little).
Run: python benchmarks/save_load.py [--rounds 7] [--dir /path/on/the/disk/to/test]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time

import numpy as np

N_TENSORS, NUMEL = 100, 1_000_000


def state_dict(T, arrays):
    return {f"layer{i}.weight": T.tensor(a) for i, a in enumerate(arrays)}


def ready(out) -> None:
    """Wait for torchax's asynchronous device work so the time covers it."""
    for v in (out or {}).values():
        if hasattr(v, "_value"):
            v._value.block_until_ready()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--dir", default=None)
    args = ap.parse_args()
    import torch

    import torchax

    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(NUMEL, dtype=np.float32) for _ in range(N_TENSORS)]
    libs = {"torch": torch, "torchax": torchax}
    sds = {k: state_dict(T, arrays) for k, T in libs.items()}
    folder = tempfile.mkdtemp(prefix="save_load_", dir=args.dir)
    counter = [0]

    def fresh(k):
        counter[0] += 1
        return os.path.join(folder, f"{k}_{counter[0]}.pt")

    def timed(fn):
        """(wall seconds, CPU seconds of this process, all threads) of fn()."""
        c, t = time.process_time(), time.perf_counter()
        fn()
        return time.perf_counter() - t, time.process_time() - c

    def save_new(k, T):
        p = fresh(k)
        out = timed(lambda: T.save(sds[k], p))
        os.unlink(p)
        return out

    def save_overwrite(k, T):
        return timed(lambda: T.save(sds[k], os.path.join(folder, f"{k}_same.pt")))

    def load(k, T, mmap=False):
        return timed(lambda: ready(T.load(os.path.join(folder, f"{k}_same.pt"), mmap=mmap)))

    workloads = {"save_new": save_new, "save_overwrite": save_overwrite, "load": load,
                 "load_mmap": lambda k, T: load(k, T, mmap=True)}
    try:
        for k, T in libs.items():  # warm-up, and the files the loads read
            save_overwrite(k, T)
            load(k, T)
        print(f"state_dict: {N_TENSORS} x {NUMEL:,} float32 ({N_TENSORS * NUMEL * 4 / 1e6:.0f} MB), in {folder}")
        print(f"{'workload':15s} {'torch ms':>10s} {'torchax ms':>11s} {'ratio':>7s} {'range':>11s}   "
              f"{'CPU ms torch':>12s} {'torchax':>8s} {'ratio':>6s}")
        for name, fn in workloads.items():
            walls, cpus = {k: [] for k in libs}, {k: [] for k in libs}
            for r in range(args.rounds):
                for k in (list(libs) if r % 2 == 0 else list(libs)[::-1]):  # alternate who goes first
                    os.sync()  # start each timing with no write-back pending from the previous one
                    wall, cpu = fn(k, libs[k])
                    walls[k].append(wall)
                    cpus[k].append(cpu)
            t, x = (statistics.median(walls[k]) * 1e3 for k in libs)
            ct, cx = (statistics.median(cpus[k]) * 1e3 for k in libs)
            ratios = [b / a for a, b in zip(walls["torch"], walls["torchax"])]
            cratio = statistics.median(b / a for a, b in zip(cpus["torch"], cpus["torchax"]))
            print(f"{name:15s} {t:10.1f} {x:11.1f} {statistics.median(ratios):6.2f}x {min(ratios):5.2f}-"
                  f"{max(ratios):4.2f}x   {ct:12.1f} {cx:8.1f} {cratio:5.2f}x", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
