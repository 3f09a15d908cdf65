"""optimizer.step() speed: torch eager (foreach=True) vs torchax eager (one jitted update of all parameters).

Model: 100 tensors, ~10M parameters (50 weight matrices 448x448 and 50 biases of 448), float32, with fixed
gradients. Workloads, timed side by side in one run (interleaved rounds, median per round):
  adam          Adam(lr=1e-3)
  adamw-amsgrad AdamW(lr=1e-3, weight_decay=1e-2, amsgrad=True)
  sgd-momentum  SGD(lr=1e-2, momentum=0.9, nesterov=True)
torchax times include waiting for the device (block_until_ready on every updated parameter).
Run: python benchmarks/optim_step.py [--rounds 7] [--steps 5] [--torch-threads N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

WORKLOADS = {
    "adam": ("Adam", {"lr": 1e-3}),
    "adamw-amsgrad": ("AdamW", {"lr": 1e-3, "weight_decay": 1e-2, "amsgrad": True}),
    "sgd-momentum": ("SGD", {"lr": 1e-2, "momentum": 0.9, "nesterov": True}),
}


def shapes() -> list[tuple[int, ...]]:
    return [s for _ in range(50) for s in ((448, 448), (448,))]


def make(T, name: str, kwargs: dict, arrays, grads):
    params = [T.tensor(a, requires_grad=True) for a in arrays]
    for p, g in zip(params, grads):
        p.grad = T.tensor(g)
    extra = {"foreach": True} if T.__name__ == "torch" else {}
    return getattr(T.optim, name)(params, **kwargs, **extra), params


def timed(opt, params, steps: int) -> float:
    t = time.perf_counter()
    for _ in range(steps):
        opt.step()
    for p in params:
        if hasattr(p, "_value"):
            p._value.block_until_ready()
    return (time.perf_counter() - t) / steps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--torch-threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    args = ap.parse_args()
    import torch

    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)

    import torchax

    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) * 0.05 for s in shapes()]
    grads = [rng.standard_normal(s).astype(np.float32) * 0.01 for s in shapes()]
    print(f"{len(arrays)} tensors, {sum(a.size for a in arrays) / 1e6:.1f}M parameters, "
          f"torch threads {torch.get_num_threads()}")
    print(f"{'workload':14s} {'torch ms':>10s} {'torchax ms':>11s} {'ratio':>7s}")
    for label, (name, kwargs) in WORKLOADS.items():
        libs = {lib.__name__: make(lib, name, kwargs, arrays, grads) for lib in (torch, torchax)}
        for opt, params in libs.values():
            timed(opt, params, 2)  # warm-up: state creation and compilation
        times = {k: [] for k in libs}
        for _ in range(args.rounds):
            for k, (opt, params) in libs.items():
                times[k].append(timed(opt, params, args.steps))
                time.sleep(0.05)
        t, x = (statistics.median(times[k]) * 1e3 for k in libs)
        print(f"{label:14s} {t:10.2f} {x:11.2f} {x / t:6.2f}x")


if __name__ == "__main__":
    main()
