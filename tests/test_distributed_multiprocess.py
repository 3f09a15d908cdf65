"""torchax.distributed across real processes: 2 ranks through torchaxrun, 4 through torchax.multiprocessing.spawn,
and a rank that fails. Each run checks many things at once (processes cost seconds each to start)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_distributed_worker as worker  # noqa: E402


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """The ranks' environment; one persistent JAX compilation cache for the module's runs, so that the 4-rank
    run reuses the kernels the 2-rank run compiled (the per-rank shapes are the same)."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([os.path.dirname(HERE), os.environ.get("PYTHONPATH", "")]),
            "JAX_PLATFORMS": "cpu", "TF_CPP_MIN_LOG_LEVEL": "3",
            "JAX_COMPILATION_CACHE_DIR": str(tmp_path_factory.mktemp("jax_cache")),
            "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0", "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0"}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _expected_collectives(world: int) -> dict:
    """Every collective's result on each rank, from its definition in numpy."""
    d = [worker.rank_data(r) for r in range(world)]
    st = np.stack(d)
    ints = np.stack([worker.rank_ints(r) for r in range(world)])
    per_rank = []
    for r in range(world):
        e = {"all_reduce_SUM": st.sum(0), "all_reduce_AVG": st.mean(0), "all_reduce_MAX": st.max(0),
             "all_reduce_MIN": st.min(0), "all_reduce_PRODUCT": st.prod(0), "all_reduce_PRODUCT_int": ints.prod(0),
             "all_reduce_BOR_int": np.bitwise_or.reduce(ints, 0), "async": [True, st.sum(0)],
             "broadcast": d[world - 1], "all_gather": st, "all_gather_into_tensor": st.reshape(3 * world, 4),
             "reduce_scatter": sum(worker.rank_data(k, (2,), salt=r) for k in range(world)),
             "reduce_scatter_tensor_MAX": np.max([worker.rank_data(k, (2 * world,)) for k in range(world)],
                                                 0)[2 * r:2 * r + 2],
             "gather": st if r == 0 else None, "scatter": worker.rank_data(0, (2,), salt=r),
             "reduce_dst1": st.sum(0) if r == 1 else d[r],
             "all_to_all": [worker.rank_data(k, (2,), salt=r) for k in range(world)],
             "all_to_all_single": np.concatenate([worker.rank_data(k, (2 * world,))[2 * r:2 * r + 2]
                                                  for k in range(world)]),
             "send_recv": d[r - 1] if r % 2 == 1 else np.zeros((3, 4)),
             "ring": d[(r - 1) % world],
             "subgroup": ([0 if r == 0 else 1, 2, d[0] + d[world - 1], True] if r in (0, world - 1)
                          else [-1, -1, d[r], True]),
             "all_gather_object": [{"rank": k, "sq": [k] * (k + 1)} for k in range(world)],
             "broadcast_object_list": ["from 1", 1], "gather_object": [["g", k] for k in range(world)] if r == 0
             else None, "scatter_object_list": {"i": r}}
        per_rank.append(e)
    return per_rank


def _close(got, want, path=""):
    if isinstance(want, dict):
        assert set(got) == set(want), path
        for k in want:
            _close(got[k], want[k], f"{path}.{k}")
    elif isinstance(want, (list, tuple)) and not all(isinstance(w, (int, float, np.number)) and
                                                     not isinstance(w, bool) for w in want):
        assert len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want)):
            _close(g, w, f"{path}[{i}]")
    elif isinstance(want, (np.ndarray, list, float)):
        np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64), rtol=1e-5, atol=1e-5,
                                   err_msg=path)
    else:
        assert got == want, path


def _reference_state(world: int) -> dict:
    """Single-process training on the concatenated batches (plain BatchNorm), from rank 0's initial weights."""
    import torchax as torch

    X, Y = worker.dataset(world)
    model = worker.make_model(torch, seed=0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    gb = worker.BATCH * world
    for step in range(worker.STEPS):
        xb, yb = torch.tensor(X[step * gb:(step + 1) * gb]), torch.tensor(Y[step * gb:(step + 1) * gb])
        opt.zero_grad()
        if step == worker.ACCUM_STEP:  # the union over ranks of their first half batches is the first half here
            h = gb // 2
            torch.nn.functional.mse_loss(model(xb[:h]), yb[:h]).backward()
            torch.nn.functional.mse_loss(model(xb[h:]), yb[h:]).backward()
        else:
            torch.nn.functional.mse_loss(model(xb), yb).backward()
        opt.step()
    return {"module." + k: v.numpy() for k, v in model.state_dict().items()}


def _check(outdir: str, world: int, launched: bool) -> None:
    results = []
    for r in range(world):
        with open(os.path.join(outdir, f"rank{r}.json")) as f:
            results.append(json.load(f))
    expected = _expected_collectives(world)
    ref = _reference_state(world)
    for r, res in enumerate(results):
        assert (res["rank"], res["world"], res["backend"], res["initialized"]) == (r, world, "gloo", True)
        assert res["elastic"] is launched
        assert res["early"] == [[0.0, world, 2.0 * world], [world, 2.0 * world]]
        if launched:
            assert res["env"] == {"RANK": str(r), "LOCAL_RANK": str(r), "WORLD_SIZE": str(world),
                                  "LOCAL_WORLD_SIZE": str(world), "MASTER_ADDR": "127.0.0.1",
                                  "MASTER_PORT": res["env"]["MASTER_PORT"], "OMP_NUM_THREADS": "1",
                                  "GROUP_RANK": "0"}
        _close(res["collectives"], expected[r], f"rank{r}")
        train = res["train"]
        assert train["types"] == "SyncBatchNorm" and train["sampler_len"] == worker.STEPS * worker.BATCH
        assert list(train["state"]) == list(ref), "state_dict keys carry the module. prefix, in order"
        for k, v in ref.items():  # every rank ends where single-process training on the whole batch ends
            np.testing.assert_allclose(np.asarray(train["state"][k]), v, rtol=2e-5, atol=2e-5, err_msg=f"{r}:{k}")
        if launched:  # only the 2-rank run checks find_unused_parameters
            u = res["unused"]
            assert u["unused_grad_none"] and u["used_grad_err"] < 1e-5 and u["local_differs"]


@pytest.fixture(scope="module")
def two_ranks(tmp_path_factory, env):
    """One torchaxrun (python -m torchax.distributed.run) job of 2 ranks, shared by the tests that read its results
    (starting JAX in two processes is the expensive part)."""
    out = tmp_path_factory.mktemp("two_ranks")
    cmd = [sys.executable, "-m", "torchax.distributed.run", "--nproc-per-node=2", f"--master-port={_port()}",
           os.path.join(HERE, "test_distributed_worker.py"), str(out)]
    env = {k: v for k, v in env.items() if k != "OMP_NUM_THREADS"}
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-4000:]
    return out


def test_two_processes_torchaxrun(two_ranks):
    """torchaxrun with 2 ranks: env, every collective, 5 DDP steps."""
    _check(str(two_ranks), 2, launched=True)


def test_four_processes_spawn(tmp_path, env):
    """torchax.multiprocessing.spawn with 4 ranks joining through a tcp:// init_method."""
    code = (f"import sys; sys.path.insert(0, {HERE!r}); import test_distributed_worker as w; "
            f"import torchax.multiprocessing as mp; mp.spawn(w.spawn_entry, args=(4, {str(tmp_path)!r}), nprocs=4)")
    p = subprocess.run([sys.executable, "-c", code], env={**env, "TEST_PORT": str(_port())}, capture_output=True,
                       text=True, timeout=400)
    assert p.returncode == 0, p.stderr[-4000:]
    _check(str(tmp_path), 4, launched=False)


def test_failing_rank_is_reported(tmp_path, env):
    """A rank that raises: the launcher stops the other rank (blocked in collectives), prints the failing rank's
    traceback in torchrun's summary and exits 1, well before any timeout."""
    cmd = [sys.executable, "-m", "torchax.distributed.run", "--nproc-per-node=2", f"--master-port={_port()}",
           os.path.join(HERE, "test_distributed_worker.py"), str(tmp_path), "crash"]
    t = time.monotonic()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1
    assert time.monotonic() - t < 100
    summary = p.stderr[p.stderr.index("ChildFailedError"):]
    root = summary[summary.index("Root Cause"):]
    assert "rank      : 1 (local_rank: 1)" in root and "RuntimeError: rank 1 fails on purpose" in root
    assert "test_distributed_worker.py" in root  # the traceback itself


def _mlp_grads(w, x, y):
    """Gradients of mse_loss(Linear(ReLU(Linear(x)))) (or of one Linear when w has 2 entries), by hand in numpy."""
    if len(w) == 2:
        d = 2 * (x @ w["weight"].T + w["bias"] - y) / y.size
        return {"weight": d.T @ x, "bias": d.sum(0)}
    h = x @ w["0.weight"].T + w["0.bias"]
    a = np.maximum(h, 0)
    d = 2 * (a @ w["2.weight"].T + w["2.bias"] - y) / y.size
    dh = (d @ w["2.weight"]) * (h > 0)
    return {"0.weight": dh.T @ x, "0.bias": dh.sum(0), "2.weight": d.T @ a, "2.bias": d.sum(0)}


def _numpy_training(init, X, Y, world, steps, momentum, accumulate_first):
    """SGD on the global batches (every rank's part together), from `init`, in float64 numpy."""
    w = {k: np.asarray(v, np.float64) for k, v in init.items()}
    buf = {}
    gb = worker.BATCH * world
    for i in range(steps):
        x, y = X[i * gb:(i + 1) * gb].astype(np.float64), Y[i * gb:(i + 1) * gb].astype(np.float64)
        if i == 0 and accumulate_first:  # each rank's first half under no_sync, then its second half
            first = np.arange(gb) % worker.BATCH < worker.BATCH // 2
            g1, g2 = _mlp_grads(w, x[first], y[first]), _mlp_grads(w, x[~first], y[~first])
            g = {k: g1[k] + g2[k] for k in w}
        else:
            g = _mlp_grads(w, x, y)
        for k in w:
            buf[k] = g[k] if k not in buf else momentum * buf[k] + g[k]
            w[k] = w[k] - 0.1 * buf[k]
    return w


def test_ddp_inside_compiled_steps(two_ranks):
    """2 ranks train with DDP in torch.compile'd steps: each step is one program over both processes whose gradient
    averaging is inside it (no collective runs outside, no graph break), no_sync inside a compiled step skips it,
    and the weights end where single-process SGD on the whole batches ends; torch.compile(ddp) forward with an
    eager backward too."""
    X, Y = worker.dataset(2)
    for r in range(2):
        with open(two_ranks / f"rank{r}.json") as f:
            res = json.load(f)["compiled"]
        acc, step = res["stats"]
        assert (acc["compiles"], acc["graph_breaks"], acc["eager_calls"]) == (1, 0, 0)
        assert (step["calls"], step["compiles"], step["graph_breaks"], step["eager_calls"]) == (4, 1, 0, 0)
        assert res["psum"] == [1, 1]  # one bucket: one all-reduce in each program (none for the no_sync half)
        assert len(set(res["eager"])) == 1  # no collective ran outside the compiled programs
        want = _numpy_training(res["init"], X, Y, 2, worker.STEPS, 0.9, True)
        for k, v in want.items():
            np.testing.assert_allclose(np.asarray(res["final"][k]), v, rtol=1e-5, atol=1e-6, err_msg=f"{r}:{k}")
        fs = res["fwd_stats"]
        assert (fs["calls"], fs["compiles"], fs["graph_breaks"], fs["eager_calls"]) == (2, 1, 0, 0)
        want = _numpy_training(res["fwd_init"], X, Y, 2, 2, 0.0, False)
        for k, v in want.items():
            np.testing.assert_allclose(np.asarray(res["fwd_final"][k]), v, rtol=1e-5, atol=1e-6, err_msg=f"{r}:{k}")
        total = worker.rank_data(0, (3,)) + worker.rank_data(1, (3,))
        got, inplace, eager, compiles, kind = res["collective"]
        np.testing.assert_allclose(got, 2 * total, rtol=1e-6)
        np.testing.assert_allclose(inplace, total, rtol=1e-6)
        assert (eager, compiles, kind) == (0, 1, "SPMDProgram")


_SPAWNER = """
import torch
import torch.multiprocessing as mp

def work(i, tag):
    if i == 1:
        raise ValueError(f"process 1 fails ({tag}, its torch is {torch.__name__})")

if __name__ == "__main__":
    mp.spawn(work, args=("x",), nprocs=2)
"""


def test_spawn_under_torchax_run_reports_failure(tmp_path, env):
    """torch.multiprocessing.spawn in a script run by `torchax run`: the children alias torch too, and the failing
    process's traceback reaches the parent as ProcessRaisedException."""
    script = tmp_path / "spawner.py"
    script.write_text(_SPAWNER)
    p = subprocess.run([sys.executable, "-m", "torchax", "run", str(script)], env=env, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 1
    assert "ProcessRaisedException" in p.stderr and "-- Process 1 terminated with the following error:" in p.stderr
    assert "ValueError: process 1 fails (x, its torch is torchax)" in p.stderr


_SLEEPER = """
import os, signal, sys, time
out = os.path.join(sys.argv[1], "rank" + os.environ["RANK"])
def stop(signum, frame):
    with open(out + ".signal", "w") as f:
        f.write(signal.Signals(signum).name)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
open(out + ".ready", "w").close()
time.sleep(60)
"""


def test_launcher_forwards_signals(tmp_path, env):
    """SIGTERM to torchaxrun reaches every rank (here plain python ranks, --no-python), and it exits 128+15. Each
    rank reports in files of its own (two ranks printing into one log can interleave their lines)."""
    script = tmp_path / "sleeper.py"
    script.write_text(_SLEEPER)
    p = subprocess.Popen([sys.executable, "-m", "torchax.distributed.run", "--nproc-per-node=2", "--no-python",
                          sys.executable, str(script), str(tmp_path)], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"rank{r}.ready").exists() for r in (0, 1)) and time.monotonic() < deadline:
        time.sleep(0.1)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 128 + signal.SIGTERM, err[-3000:]
    assert [(tmp_path / f"rank{r}.signal").read_text() for r in (0, 1)] == ["SIGTERM", "SIGTERM"]
