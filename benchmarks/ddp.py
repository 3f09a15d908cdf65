"""DistributedDataParallel step time on 1 process vs N processes (weak scaling: the same batch per process).

Model: MLP 256 -> 1024 -> 1024 -> 10 (~1.3M parameters, float32), SGD(lr=0.01, momentum=0.9), batch 64 per rank,
mse loss. Each run is started by torchaxrun (`python -m torchax.distributed.run`); a step is zero_grad, forward,
backward (with DDP's bucketed all_reduce), optimizer.step and waiting for the parameters. Reported: median step
time over the timed steps (after warm-up), samples/s over all ranks, and scaling efficiency
t(1 process) / t(N processes) (1.0 = perfect; on a machine with fewer cores than processes it measures sharing).
Both eager steps and torch.compile'd steps (one program over every process, the all_reduce inside it).
Run: python benchmarks/ddp.py [--nprocs 2] [--steps 20] [--warmup 3] [--no-compiled]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

BATCH = 64


def rank_main(steps: int, warmup: int, out: str, compiled: bool) -> None:
    import jax
    import numpy as np

    import torchax as torch
    import torchax.distributed as dist

    dist.init_process_group("gloo")
    rank = dist.get_rank()
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(256, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))
    ddp = nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(rank)
    x = torch.tensor(rng.standard_normal((BATCH, 256)).astype(np.float32))
    y = torch.tensor(rng.standard_normal((BATCH, 10)).astype(np.float32))
    def step(x, y):
        opt.zero_grad()
        nn.functional.mse_loss(ddp(x), y).backward()
        opt.step()

    if compiled:
        step = torch.compile(step)
    times = []
    for i in range(warmup + steps):
        t = time.perf_counter()
        step(x, y)
        jax.block_until_ready([p._value for p in model.parameters()])
        if i >= warmup:
            times.append(time.perf_counter() - t)
    gathered = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, statistics.median(times))
    if rank == 0:
        with open(out, "w") as f:
            json.dump({"median_step_s": max(gathered), "per_rank": gathered}, f)
    dist.destroy_process_group()


def launch(nprocs: int, steps: int, warmup: int, compiled: bool) -> dict:
    out = os.path.join(tempfile.mkdtemp(), "result.json")
    cmd = [sys.executable, "-m", "torchax.distributed.run", f"--nproc-per-node={nprocs}", os.path.abspath(__file__),
           "--rank-main", "--steps", str(steps), "--warmup", str(warmup), "--out", out] + \
        (["--compiled"] if compiled else [])
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    with open(out) as f:
        return json.load(f)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nprocs", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--no-compiled", action="store_true", help="skip the torch.compile'd steps")
    ap.add_argument("--compiled", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--rank-main", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--out", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rank_main:
        rank_main(args.steps, args.warmup, args.out, args.compiled)
        return
    import jax

    print(f"DDP MLP step, batch {BATCH}/rank, {jax.devices()[0].platform}, {os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    print(f"{'step':>8} {'processes':>9} {'step ms':>9} {'samples/s':>10} {'efficiency':>10}")
    for compiled in (False, True)[:1 if args.no_compiled else 2]:
        base = None
        for n in (1, args.nprocs):
            r = launch(n, args.steps, args.warmup, compiled)
            t = r["median_step_s"]
            base = base or t
            print(f"{'compiled' if compiled else 'eager':>8} {n:>9} {t * 1e3:>9.2f} {n * BATCH / t:>10.0f} "
                  f"{base / t:>10.2f}")


if __name__ == "__main__":
    main()
