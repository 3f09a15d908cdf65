"""torchax.distributed in one process (world_size 1, no JAX job to join), the launcher's arguments, and
DataParallel / traced collectives on 4 simulated CPU devices (in a subprocess)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

import torchax as torch
import torchax.distributed as dist

nn = torch.nn


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def world1():
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{_port()}", rank=0, world_size=1)
    try:
        yield
    finally:
        dist.destroy_process_group()


def test_uninitialized_errors(monkeypatch):
    assert dist.is_available() and not dist.is_initialized()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.get_rank()
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        dist.all_reduce(torch.ones(2))
    for k in ("MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE"):
        monkeypatch.delenv(k, raising=False)
    with pytest.raises(ValueError, match="environment variable RANK expected, but not set"):
        dist.init_process_group("gloo")
    assert not dist.is_initialized()


def test_env_init_and_queries(monkeypatch):
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", str(_port()))
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "1")
    dist.init_process_group(backend="NCCL")
    try:
        assert (dist.is_initialized(), dist.get_rank(), dist.get_world_size(), dist.get_backend()) == (True, 0, 1,
                                                                                                       "nccl")
        assert dist.group.WORLD is dist.GroupMember.WORLD is not None
        with pytest.raises(ValueError, match="twice"):
            dist.init_process_group("gloo")
        g = dist.new_group([0])
        assert (g.rank(), g.size(), dist.get_process_group_ranks(g), dist.get_global_rank(g, 0)) == (0, 1, [0], 0)
    finally:
        dist.destroy_process_group()
    assert not dist.is_initialized()


def test_reduce_op():
    assert dist.ReduceOp.SUM == dist.ReduceOp.RedOpType.SUM and dist.ReduceOp.AVG != dist.ReduceOp.SUM
    assert repr(dist.ReduceOp.MAX) == "<RedOpType.MAX: 4>" and dist.reduce_op is dist.ReduceOp
    assert dist.Backend("GLOO") == "gloo" == dist.Backend.GLOO


def test_collectives_world1(world1):
    """With one rank every collective is the identity (or a copy), in place, returning None or a Work."""
    x = torch.tensor([[1.0, -2.0], [3.0, 4.0]])
    for op in (dist.ReduceOp.SUM, dist.ReduceOp.AVG, dist.ReduceOp.MAX, dist.ReduceOp.MIN, dist.ReduceOp.PRODUCT):
        assert dist.all_reduce(x, op=op) is None
    assert x.tolist() == [[1.0, -2.0], [3.0, 4.0]]
    i = torch.tensor([3, 5])
    w = dist.all_reduce(i, async_op=True)
    assert w.wait() is True and w.is_completed() and i.dtype == torch.int64 and i.tolist() == [3, 5]
    view = x[1]  # in place through a view writes the base
    dist.broadcast(view, src=0)
    out = [torch.zeros(2, 2)]
    dist.all_gather(out, x)
    big = torch.zeros(2, 2)
    dist.all_gather_single(big, x)
    rs = torch.zeros(2)
    dist.reduce_scatter_single(rs, torch.tensor([5.0, 6.0]))
    sc = torch.zeros(2)
    dist.scatter(sc, [torch.tensor([7.0, 8.0])], src=0)
    a2a = [torch.zeros(2)]
    dist.all_to_all(a2a, [torch.tensor([9.0, 1.0])])
    assert [out[0].tolist(), big.tolist(), rs.tolist(), sc.tolist(), a2a[0].tolist()] == [
        x.tolist(), x.tolist(), [5.0, 6.0], [7.0, 8.0], [9.0, 1.0]]
    objs = [None]
    dist.all_gather_object(objs, {"a": [1, 2]})
    lst = [None, "x"]
    dist.broadcast_object_list(lst, src=0)
    assert objs == [{"a": [1, 2]}] and lst == [None, "x"]
    dist.barrier()
    with pytest.raises(ValueError, match="same as the rank"):
        dist.send(x, dst=0)
    b = torch.tensor([True, False])
    dist.all_reduce(b)
    assert b.dtype == torch.bool and b.tolist() == [True, False]


def _mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 2))


def test_ddp_world1(world1):
    """DDP of one rank: gradients are the plain module's, no_sync accumulates, state_dict has the module. prefix."""
    x = torch.tensor(np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32))
    plain, model = _mlp(), _mlp()
    ddp = nn.parallel.DistributedDataParallel(model, device_ids=None, bucket_cap_mb=1e-6)  # a bucket per param
    assert ddp.module is model and len(ddp._buckets) == 6
    assert list(ddp.state_dict()) == ["module." + k for k in plain.state_dict()]
    plain(x).sum().backward()
    ddp(x).sum().backward()
    for p, q in zip(plain.parameters(), model.parameters()):
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-6, atol=1e-6)
    with ddp.no_sync():
        ddp(x).sum().backward()
    ddp(x).sum().backward()
    for p, q in zip(plain.parameters(), model.parameters()):
        np.testing.assert_allclose(q.grad.numpy(), 3 * p.grad.numpy(), rtol=1e-5, atol=1e-5)
    sd = ddp.state_dict()
    fresh = nn.parallel.DistributedDataParallel(_mlp())
    fresh.load_state_dict(sd)
    assert all(np.array_equal(sd[k].numpy(), v.numpy()) for k, v in fresh.state_dict().items())


def test_ddp_unfinished_reduction(world1):
    class Branchy(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(2, 2), nn.Linear(2, 2)

        def forward(self, x):
            return self.a(x)

    ddp = nn.parallel.DistributedDataParallel(Branchy())
    ddp(torch.ones(1, 2)).sum().backward()
    with pytest.raises(RuntimeError, match="Expected to have finished reduction in the prior iteration"):
        ddp(torch.ones(1, 2))


def test_sync_batchnorm_world1(world1):
    """Alone, SyncBatchNorm is BatchNorm; convert_sync_batchnorm keeps parameters and buffers."""
    model = _mlp()
    ref = _mlp()
    conv = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert type(conv[1]) is nn.SyncBatchNorm and conv[0] is model[0]
    assert conv[1].running_mean is model[1].running_mean and conv[1].weight is model[1].weight
    x = torch.tensor(np.random.default_rng(1).standard_normal((6, 4)).astype(np.float32))
    np.testing.assert_allclose(conv(x).detach().numpy(), ref(x).detach().numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(conv[1].running_var.numpy(), ref[1].running_var.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="expected at least 2D input"):
        nn.SyncBatchNorm(3)(torch.ones(3))


def _compiled_ddp_state(step_kind: str, spmd_layout=None) -> tuple:
    """3 compiled DDP steps (dropout, BatchNorm buffers, Adam's 0-d step count); the state and the compile stats."""
    from torchax import _compile

    orig = _compile._spmd_layout
    if spmd_layout is not None:
        _compile._spmd_layout = lambda pre: spmd_layout
    try:
        torch.manual_seed(0)
        m = nn.Sequential(nn.Linear(6, 8), nn.Dropout(0.3), nn.BatchNorm1d(8), nn.Linear(8, 3))
        ddp = nn.parallel.DistributedDataParallel(m)
        opt = torch.optim.Adam(ddp.parameters(), lr=0.01)
        rng = np.random.default_rng(0)
        x, y = (torch.tensor(rng.standard_normal(s).astype(np.float32)) for s in ((8, 6), (8, 3)))
        if step_kind == "forward":  # torch.compile(ddp): the backward runs outside
            c = torch.compile(ddp)
            for _ in range(3):
                opt.zero_grad()
                nn.functional.mse_loss(c(x), y).backward()
                opt.step()
            compiled = c._compiled
        else:
            @torch.compile
            def compiled(x, y):
                opt.zero_grad()
                nn.functional.mse_loss(ddp(x), y).backward()
                opt.step()

            for _ in range(3):
                compiled(x, y)
        progs = sorted({type(p).__name__ for p in compiled._cache.values()})
        return [v.numpy() for v in m.state_dict().values()], compiled.stats["graph_breaks"], progs
    finally:
        _compile._spmd_layout = orig


@pytest.mark.parametrize("step_kind", ["step", "forward"])
def test_compiled_ddp_world1_and_spmd_program(world1, step_kind):
    """A compiled DDP step alone (collectives inline over an axis of size 1) and the same step forced through the
    multi-process path over a 1-process mesh (torchax/distributed/_spmd.py) end with the same state."""
    from torchax.distributed import _spmd

    local, breaks, progs = _compiled_ddp_state(step_kind)
    assert breaks == 0 and progs == (["_Program"] if step_kind == "step" else ["_DiffProgram"])
    spmd, breaks, progs = _compiled_ddp_state(step_kind, _spmd.layout())
    assert breaks == 0 and progs == (["SPMDProgram"] if step_kind == "step" else ["SPMDDiffProgram"])
    for a, b in zip(local, spmd):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_launcher_arguments():
    from torchax.distributed import run

    a = run.parse_args(["--nnodes=2", "--nproc_per_node", "3", "--node-rank=1", "--rdzv-endpoint=10.0.0.5:1234",
                        "--rdzv_backend=c10d", "train.py", "--lr", "0.1"])
    cfg = run.config_from_args(a)
    assert cfg == {"nnodes": 2, "nproc": 3, "node_rank": 1, "master_addr": "10.0.0.5", "master_port": 1234}
    assert (a.training_script, a.training_script_args) == ("train.py", ["--lr", "0.1"])
    env = run._environment(cfg, 2, "rid", "/tmp/e.json", a)
    assert {k: env[k] for k in ("RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK",
                                "MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_RUN_ID")} == {
        "RANK": "5", "LOCAL_RANK": "2", "WORLD_SIZE": "6", "LOCAL_WORLD_SIZE": "3", "GROUP_RANK": "1",
        "MASTER_ADDR": "10.0.0.5", "MASTER_PORT": "1234", "TORCHELASTIC_RUN_ID": "rid"}
    s = run.config_from_args(run.parse_args(["--standalone", "--nproc-per-node=2", "-m", "pkg.train"]))
    assert s["master_addr"] == "127.0.0.1" and s["nproc"] == 2 and s["master_port"] > 0
    assert run._command(run.parse_args(["-m", "pkg.train", "x"]), 0, True)[-4:] == [
        "-m", "pkg.train", "--local-rank=0", "x"]
    with pytest.raises(ValueError, match="elastic"):
        run.config_from_args(run.parse_args(["--nnodes=1:4", "t.py"]))


_DP_SCRIPT = r"""
import json, numpy as np, jax
import torchax as torch, torchax.distributed as dist
from torchax.distributed import _runtime
nn = torch.nn
def make():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
rng = np.random.default_rng(0)
X = torch.tensor(rng.standard_normal((8, 6)).astype(np.float32))
Y = torch.tensor(rng.standard_normal((8, 3)).astype(np.float32))
res, seen = {}, []
for mode in ("single", "dp"):
    m = make()
    net = nn.DataParallel(m) if mode == "dp" else m
    m[0].register_forward_hook(lambda mod, inp, out: seen.append(len(inp[0]._value.sharding.device_set)))
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    for _ in range(2):
        opt.zero_grad()
        out = net(X)
        nn.functional.mse_loss(out, Y).backward()
        opt.step()
    res[mode] = {k: v.numpy().tolist() for k, v in net.state_dict().items()}
res["devices_seen"] = seen
res["output_devices"] = len(out._value.sharding.device_set)
res["device_ids"] = net.device_ids
# collectives on traced tensors inside a program mapped over the 4 devices (what torch.compile of DDP needs)
dist.init_process_group("gloo", init_method="tcp://127.0.0.1:1", rank=0, world_size=1)
mesh = jax.sharding.Mesh(np.array(jax.devices()), ("i",))
from torchax._tensor import wrap
def step(v):
    a, b, c = wrap(v), wrap(v), wrap(v)
    dist.all_reduce(a, op=dist.ReduceOp.AVG)
    dist.broadcast(b, src=0)
    g = torch.zeros(4, *v.shape)
    dist.all_gather_single(g, c)
    return a._value, b._value, g._value[None]
with _runtime.spmd_axis("i"):
    f = jax.jit(jax.shard_map(step, mesh=mesh, in_specs=jax.sharding.PartitionSpec("i"),
                              out_specs=jax.sharding.PartitionSpec("i")))
    a, b, g = f(np.arange(8.0, dtype=np.float32).reshape(4, 2))
res["traced"] = [np.asarray(a).tolist(), np.asarray(b).tolist(), np.asarray(g).tolist()]
print("JSON" + json.dumps(res))
"""


def test_dataparallel_and_traced_collectives_on_4_devices():
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4", "JAX_PLATFORMS": "cpu"}
    p = subprocess.run([sys.executable, "-c", _DP_SCRIPT], env=env, capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, p.stderr[-3000:]
    res = json.loads(p.stdout[p.stdout.index("JSON") + 4:])
    assert res["devices_seen"] == [1, 1, 4, 4] and res["output_devices"] == 1 and res["device_ids"] == [0, 1, 2, 3]
    assert list(res["dp"]) == ["module." + k for k in res["single"]]
    for k, v in res["single"].items():  # the DataParallel steps equal the single-device steps
        np.testing.assert_allclose(np.asarray(res["dp"]["module." + k]), np.asarray(v), rtol=1e-5, atol=1e-6)
    x = np.arange(8.0).reshape(4, 2)
    a, b, g = (np.asarray(t) for t in res["traced"])
    np.testing.assert_allclose(a, np.broadcast_to(x.mean(0), (4, 2)))
    np.testing.assert_allclose(b, np.broadcast_to(x[0], (4, 2)))
    np.testing.assert_allclose(g.reshape(4, 4, 2), np.broadcast_to(x, (4, 4, 2)))
