"""One rank of the multi-process tests (run by torchaxrun or torchax.multiprocessing.spawn, never collected alone).

Every collective runs on data derived from the rank (`rank_data`), and a small model trains 5 DDP steps with
SyncBatchNorm, a DistributedSampler and one no_sync accumulation step; rank 0 writes what it saw to a JSON file that
tests/test_distributed_multiprocess.py compares with numpy definitions and single-process training.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

BATCH = 4  # per rank and step
STEPS = 5
ACCUM_STEP = 2  # this step accumulates two half batches, the first under no_sync


def rank_data(rank: int, shape=(3, 4), salt: int = 0) -> np.ndarray:
    return np.random.default_rng(1000 * salt + rank).standard_normal(shape).astype(np.float32)


def rank_ints(rank: int, shape=(3, 4)) -> np.ndarray:
    return np.random.default_rng(50 + rank).integers(1, 4, shape).astype(np.int64)


def dataset(world: int):
    rng = np.random.default_rng(7)
    n = STEPS * BATCH * world
    return rng.standard_normal((n, 6)).astype(np.float32), rng.standard_normal((n, 3)).astype(np.float32)


def make_model(torch, seed: int):
    torch.manual_seed(seed)
    nn = torch.nn
    return nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))


def _collectives(torch, dist, rank: int, world: int) -> dict:
    out = {}
    t = lambda a: torch.tensor(a)  # noqa: E731
    for op in ("SUM", "AVG", "MAX", "MIN", "PRODUCT"):
        x = t(rank_data(rank))
        assert dist.all_reduce(x, op=getattr(dist.ReduceOp, op)) is None
        out[f"all_reduce_{op}"] = x.tolist()
    x = t(rank_ints(rank))
    dist.all_reduce(x, op=dist.ReduceOp.PRODUCT)
    out["all_reduce_PRODUCT_int"] = x.tolist()
    x = t(rank_ints(rank))
    dist.all_reduce(x, op=dist.ReduceOp.BOR)
    out["all_reduce_BOR_int"] = x.tolist()
    x = t(rank_data(rank))
    work = dist.all_reduce(x, async_op=True)
    out["async"] = [work.wait(), x.tolist()]
    x = t(rank_data(rank))
    dist.broadcast(x, src=world - 1)
    out["broadcast"] = x.tolist()
    lst = [torch.zeros(3, 4) for _ in range(world)]
    dist.all_gather(lst, t(rank_data(rank)))
    out["all_gather"] = [a.tolist() for a in lst]
    big = torch.zeros(3 * world, 4)
    dist.all_gather_single(big, t(rank_data(rank)))
    out["all_gather_into_tensor"] = big.tolist()
    o = torch.zeros(2)
    dist.reduce_scatter(o, [t(rank_data(rank, (2,), salt=j)) for j in range(world)])
    out["reduce_scatter"] = o.tolist()
    o = torch.zeros(2)
    dist.reduce_scatter_single(o, t(rank_data(rank, (2 * world,))), op=dist.ReduceOp.MAX)
    out["reduce_scatter_tensor_MAX"] = o.tolist()
    gl = [torch.zeros(3, 4) for _ in range(world)] if rank == 0 else None
    dist.gather(t(rank_data(rank)), gl, dst=0)
    out["gather"] = [a.tolist() for a in gl] if rank == 0 else None
    s = torch.zeros(2)
    dist.scatter(s, [t(rank_data(0, (2,), salt=j)) for j in range(world)] if rank == 0 else None, src=0)
    out["scatter"] = s.tolist()
    x = t(rank_data(rank))
    dist.reduce(x, dst=1)
    out["reduce_dst1"] = x.tolist()
    outs = [torch.zeros(2) for _ in range(world)]
    dist.all_to_all(outs, [t(rank_data(rank, (2,), salt=j)) for j in range(world)])
    out["all_to_all"] = [a.tolist() for a in outs]
    single = torch.zeros(2 * world)
    dist.all_to_all_single(single, t(rank_data(rank, (2 * world,))))
    out["all_to_all_single"] = single.tolist()
    # point to point: even ranks send to the next odd one, then a ring through batch_isend_irecv
    buf = torch.zeros(3, 4)
    if rank % 2 == 0 and rank + 1 < world:
        dist.send(t(rank_data(rank)), dst=rank + 1)
    elif rank % 2 == 1:
        dist.recv(buf, src=rank - 1)
    out["send_recv"] = buf.tolist()
    ring = torch.zeros(3, 4)
    ops = [dist.P2POp(dist.isend, t(rank_data(rank)), (rank + 1) % world),
           dist.P2POp(dist.irecv, ring, (rank - 1) % world)]
    for w in dist.batch_isend_irecv(ops):
        w.wait()
    out["ring"] = ring.tolist()
    # a subgroup of the first and last rank
    sub = dist.new_group([0, world - 1])
    x = t(rank_data(rank))
    r = dist.all_reduce(x, group=sub)
    out["subgroup"] = [dist.get_rank(sub), dist.get_world_size(sub), x.tolist(), r is None]
    # object collectives
    objs = [None] * world
    dist.all_gather_object(objs, {"rank": rank, "sq": [rank] * (rank + 1)})
    out["all_gather_object"] = objs
    lst = [f"from {rank}", rank] if rank == 1 else [None, None]
    dist.broadcast_object_list(lst, src=1)
    out["broadcast_object_list"] = lst
    g = [None] * world if rank == 0 else None
    dist.gather_object(("g", rank), g, dst=0)
    out["gather_object"] = g
    got = [None]
    dist.scatter_object_list(got, [{"i": i} for i in range(world)] if rank == 0 else None, src=0)
    out["scatter_object_list"] = got[0]
    dist.barrier()
    return out


def _train(torch, dist, rank: int, world: int) -> dict:
    from torchax.utils.data import DataLoader, DistributedSampler, TensorDataset

    nn = torch.nn
    X, Y = dataset(world)
    model = nn.SyncBatchNorm.convert_sync_batchnorm(make_model(torch, seed=rank))  # ranks start apart
    ddp = nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    data = TensorDataset(torch.tensor(X), torch.tensor(Y))
    sampler = DistributedSampler(data, shuffle=False)
    loader = DataLoader(data, batch_size=BATCH, sampler=sampler)
    losses = []
    for step, (xb, yb) in enumerate(loader):
        opt.zero_grad()
        if step == ACCUM_STEP:
            h = BATCH // 2
            with ddp.no_sync():
                nn.functional.mse_loss(ddp(xb[:h]), yb[:h]).backward()
            loss = nn.functional.mse_loss(ddp(xb[h:]), yb[h:])
        else:
            loss = nn.functional.mse_loss(ddp(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    state = {k: v.tolist() for k, v in ddp.state_dict().items()}
    return {"state": state, "sampler_len": len(sampler), "types": type(model[1]).__name__}


def _unused(torch, dist, rank: int, world: int) -> dict:
    """find_unused_parameters: a branch no rank uses keeps grad None; used grads are the mean of local grads."""
    nn = torch.nn

    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.used, self.unused = nn.Linear(4, 2), nn.Linear(4, 2)

        def forward(self, x):
            return self.used(x)

    torch.manual_seed(0)
    m = Two()
    ddp = nn.parallel.DistributedDataParallel(m, find_unused_parameters=True)
    x = torch.tensor(rank_data(rank, (5, 4), salt=3))
    loss = ddp(x).pow(2).sum()
    local = torch.autograd.grad(loss, [m.used.weight], retain_graph=True)[0]  # no reduction for autograd.grad
    loss.backward()
    every = [torch.zeros(2, 4) for _ in range(world)]
    dist.all_gather(every, local)
    mean = torch.stack(every).mean(0)
    return {"unused_grad_none": m.unused.weight.grad is None,
            "used_grad_err": float((m.used.weight.grad - mean).abs().max()),
            "local_differs": float((local - mean).abs().max()) > 1e-6}


def _compiled(torch, dist, rank: int, world: int) -> dict:
    """Compiled DDP training steps (the first accumulates a no_sync half batch), then a compiled DDP forward whose
    backward runs outside; the weights before and after, the compile stats, and how many collectives ran outside
    the compiled programs."""
    from torchax.distributed import _runtime

    nn = torch.nn
    X, Y = dataset(world)
    torch.manual_seed(rank)  # the ranks start apart: DDP broadcasts rank 0's weights
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
    ddp = nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    state = lambda m: {k: v.tolist() for k, v in m.state_dict().items()}  # noqa: E731
    out = {"init": state(model)}

    @torch.compile
    def accumulate(xb, yb):
        opt.zero_grad()
        h = BATCH // 2
        with ddp.no_sync():
            nn.functional.mse_loss(ddp(xb[:h]), yb[:h]).backward()
        nn.functional.mse_loss(ddp(xb[h:]), yb[h:]).backward()
        opt.step()

    @torch.compile
    def step(xb, yb):
        opt.zero_grad()
        loss = nn.functional.mse_loss(ddp(xb), yb)
        loss.backward()
        opt.step()
        return loss

    eager = []
    for i in range(STEPS):
        lo = (i * world + rank) * BATCH  # this rank's part of global batch i
        eager.append(_runtime.WORLD.eager_calls)
        (accumulate if i == 0 else step)(torch.tensor(X[lo:lo + BATCH]), torch.tensor(Y[lo:lo + BATCH]))
    eager.append(_runtime.WORLD.eager_calls)
    out.update(final=state(model), eager=eager, stats=[accumulate.stats, step.stats],
               psum=[str(p.jaxpr).count("psum") for f in (accumulate, step) for p in f._cache.values()])
    # torch.compile(ddp) runs the forward; backward and step run outside
    lin = nn.Linear(6, 3)
    cddp = torch.compile(nn.parallel.DistributedDataParallel(lin))
    sgd = torch.optim.SGD(lin.parameters(), lr=0.1)
    out["fwd_init"] = state(lin)
    for i in range(2):
        lo = (i * world + rank) * BATCH
        sgd.zero_grad()
        nn.functional.mse_loss(cddp(torch.tensor(X[lo:lo + BATCH])), torch.tensor(Y[lo:lo + BATCH])).backward()
        sgd.step()
    out.update(fwd_final=state(lin), fwd_stats=cddp._compiled.stats)

    @torch.compile
    def doubled_sum(t):  # a collective in a compiled function without DDP: traced over the process mesh too
        dist.all_reduce(t)
        return t * 2

    before = _runtime.WORLD.eager_calls
    t = torch.tensor(rank_data(rank, (3,)))
    r = doubled_sum(t)
    out["collective"] = [r.tolist(), t.tolist(), _runtime.WORLD.eager_calls - before, doubled_sum.stats["compiles"],
                         type(next(iter(doubled_sum._cache.values()))).__name__]
    return out


def run(rank: int | None, world: int | None, outdir: str) -> None:
    import torchax as torch
    import torchax.distributed as dist

    early = torch.arange(3.0)  # made before the JAX job is joined: it must survive the backend restart
    early_view = early[1:]
    if rank is None:
        dist.init_process_group("gloo")
    else:
        dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{os.environ['TEST_PORT']}", rank=rank,
                                world_size=world)
    rank, world = dist.get_rank(), dist.get_world_size()
    if len(sys.argv) > 2 and sys.argv[2] == "crash":
        dist.barrier()
        if rank == 1:
            raise RuntimeError("rank 1 fails on purpose")
        x = torch.ones(2)
        for _ in range(1000):
            dist.all_reduce(x)
            x.tolist()
        return
    dist.all_reduce(early_view)
    early_result = [early.tolist(), (early_view * 1).tolist()]
    env = {k: os.environ.get(k) for k in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                                           "MASTER_PORT", "OMP_NUM_THREADS", "GROUP_RANK")}
    result = {"rank": rank, "world": world, "backend": dist.get_backend(), "env": env, "early": early_result,
              "initialized": dist.is_initialized(), "elastic": dist.is_torchelastic_launched(),
              "collectives": _collectives(torch, dist, rank, world), "train": _train(torch, dist, rank, world)}
    if result["elastic"]:  # the torchaxrun run also checks find_unused_parameters and compiled DDP steps
        result["unused"] = _unused(torch, dist, rank, world)
        result["compiled"] = _compiled(torch, dist, rank, world)
    with open(os.path.join(outdir, f"rank{rank}.json"), "w") as f:
        json.dump(result, f)
    dist.destroy_process_group()


def spawn_entry(i: int, world: int, outdir: str) -> None:
    run(i, world, outdir)


if __name__ == "__main__":
    run(None, None, sys.argv[1])
