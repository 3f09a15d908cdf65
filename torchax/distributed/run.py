"""torch.distributed.run (torchrun) for torchax: `torchaxrun --nproc-per-node=N train.py args...`.

Starts `nproc_per_node` processes on this node with RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK,
MASTER_ADDR, MASTER_PORT and OMP_NUM_THREADS set (each rank joins the job in init_process_group through
jax.distributed), forwards SIGINT/SIGTERM/SIGHUP/SIGQUIT to them, and when a rank fails stops the others and exits
non-zero with the failing rank's traceback. Rendezvous is static: every node is given --node-rank and the master
address (--rdzv-endpoint host:port stands for --master-addr/--master-port); elastic restarts are not supported.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

from torchax.distributed.elastic.multiprocessing.errors import ChildFailedError, ProcessFailure

__all__ = ["get_args_parser", "main", "parse_args", "run"]

_SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT")


def _opt(parser, *names, **kw):
    """Add an option under torchrun's dashed and underscored spellings."""
    spellings = []
    for n in names:
        spellings += [n] if n.startswith("-") and not n.startswith("--") else sorted({n, n.replace("_", "-")})
    parser.add_argument(*spellings, **kw)


def get_args_parser() -> argparse.ArgumentParser:
    """torchrun's command line."""
    p = argparse.ArgumentParser(prog="torchaxrun", description="torchax distributed launcher (torchrun's options)")
    _opt(p, "--nnodes", type=str, default="1:1", help="number of nodes, or MIN:MAX (MIN must equal MAX)")
    _opt(p, "--nproc_per_node", type=str, default="1", help="processes per node: an int, or auto/cpu/gpu")
    _opt(p, "--rdzv_backend", type=str, default="static")
    _opt(p, "--rdzv_endpoint", type=str, default="", help="host:port of the master (as --master-addr/port)")
    _opt(p, "--rdzv_id", type=str, default="none")
    _opt(p, "--rdzv_conf", type=str, default="")
    p.add_argument("--standalone", action="store_true", help="single node on a free local port")
    _opt(p, "--max_restarts", type=int, default=0)
    _opt(p, "--monitor_interval", type=float, default=0.1)
    _opt(p, "--start_method", type=str, default="spawn", choices=["spawn", "fork", "forkserver"])
    _opt(p, "--role", type=str, default="default")
    p.add_argument("-m", "--module", action="store_true", help="run the target as a module (python -m)")
    _opt(p, "--no_python", action="store_true", help="run the target as an executable, not a python script")
    _opt(p, "--run_path", action="store_true")
    _opt(p, "--log_dir", type=str, default=None)
    p.add_argument("-r", "--redirects", type=str, default="0")
    p.add_argument("-t", "--tee", type=str, default="0")
    _opt(p, "--local_ranks_filter", type=str, default="")
    _opt(p, "--node_rank", type=int, default=0)
    _opt(p, "--master_addr", type=str, default="127.0.0.1")
    _opt(p, "--master_port", type=int, default=None)
    _opt(p, "--local_addr", type=str, default=None)
    _opt(p, "--signals_to_handle", type=str, default=",".join(_SIGNALS))
    _opt(p, "--shutdown_timeout", type=float, default=5.0, help="seconds between SIGTERM and SIGKILL of survivors")
    p.add_argument("training_script", type=str)
    p.add_argument("training_script_args", nargs=argparse.REMAINDER)
    return p


def parse_args(args=None):
    return get_args_parser().parse_args(args)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _nproc(value: str) -> int:
    if value in ("auto", "gpu", "cpu"):
        import jax

        if value == "cpu":
            return os.cpu_count() or 1
        return max(1, len([d for d in jax.local_devices() if d.platform != "cpu"])) if value == "gpu" else \
            max(1, len(jax.local_devices()))
    return int(value)


def config_from_args(args) -> dict:
    """The job layout: node count, processes per node, node rank, master address and port."""
    lo, _, hi = args.nnodes.partition(":")
    if hi and int(lo) != int(hi):
        raise ValueError(f"torchaxrun does not support elastic node counts (--nnodes={args.nnodes})")
    nnodes = int(lo)
    addr, port = args.master_addr, args.master_port
    if args.standalone:
        if nnodes != 1:
            raise ValueError("--standalone runs a single node")
        addr, port = "127.0.0.1", _free_port()
    elif args.rdzv_endpoint:
        host, _, p = args.rdzv_endpoint.rpartition(":")
        addr, port = (host, int(p)) if host else (args.rdzv_endpoint, port)
    if port is None:
        port = 29500 if nnodes > 1 else _free_port()
    if args.max_restarts:
        print("torchaxrun: --max-restarts is not supported (no elastic restarts); ignoring it", file=sys.stderr)
    return {"nnodes": nnodes, "nproc": _nproc(args.nproc_per_node), "node_rank": args.node_rank,
            "master_addr": addr, "master_port": port}


def _command(args, local_rank: int, with_local_rank_arg: bool) -> list:
    extra = [f"--local-rank={local_rank}"] if with_local_rank_arg else []
    if args.no_python:
        return [args.training_script, *extra, *args.training_script_args]
    target = ["-m", args.training_script] if args.module else [args.training_script]
    return [sys.executable, "-u", "-m", "torchax.distributed._child", *target, *extra, *args.training_script_args]


def _environment(cfg: dict, local_rank: int, run_id: str, error_file: str, args) -> dict:
    world = cfg["nnodes"] * cfg["nproc"]
    rank = cfg["node_rank"] * cfg["nproc"] + local_rank
    env = dict(os.environ)
    env.update({"RANK": str(rank), "LOCAL_RANK": str(local_rank), "WORLD_SIZE": str(world),
                "LOCAL_WORLD_SIZE": str(cfg["nproc"]), "GROUP_RANK": str(cfg["node_rank"]),
                "GROUP_WORLD_SIZE": str(cfg["nnodes"]), "ROLE_RANK": str(rank), "ROLE_WORLD_SIZE": str(world),
                "ROLE_NAME": args.role, "MASTER_ADDR": cfg["master_addr"], "MASTER_PORT": str(cfg["master_port"]),
                "TORCHELASTIC_RUN_ID": run_id, "TORCHELASTIC_RESTART_COUNT": "0",
                "TORCHELASTIC_MAX_RESTARTS": str(args.max_restarts), "TORCHELASTIC_ERROR_FILE": error_file,
                "TORCHELASTIC_USE_AGENT_STORE": "False", "PYTHONUNBUFFERED": "1"})
    if "OMP_NUM_THREADS" not in os.environ:
        env["OMP_NUM_THREADS"] = "1" if cfg["nproc"] > 1 else env.get("OMP_NUM_THREADS", str(os.cpu_count() or 1))
    return env


class _Workers:
    """The local ranks: started together, watched, stopped together."""

    def __init__(self, args, cfg, with_local_rank_arg=False):
        self.args, self.cfg = args, cfg
        self.tmp = tempfile.mkdtemp(prefix="torchaxrun_")
        run_id = args.rdzv_id if args.rdzv_id != "none" else uuid.uuid4().hex[:12]
        self.procs, self.error_files = [], []
        if cfg["nproc"] > 1 and "OMP_NUM_THREADS" not in os.environ:
            print("*" * 50 + "\nSetting OMP_NUM_THREADS environment variable for each process to be 1 in default, "
                  "to avoid your system being overloaded, please further tune the variable for optimal performance "
                  "in your application as needed. \n" + "*" * 50, file=sys.stderr)
        self._run_id, self._with_local_rank_arg = run_id, with_local_rank_arg

    def start(self) -> None:
        args, cfg = self.args, self.cfg
        for lr in range(cfg["nproc"]):
            err = os.path.join(self.tmp, f"error_{lr}.json")
            self.error_files.append(err)
            env = _environment(cfg, lr, self._run_id, err, args)
            self.procs.append(subprocess.Popen(_command(args, lr, self._with_local_rank_arg), env=env))

    def signal(self, signum) -> None:
        for p in self.procs:
            if p.poll() is None:
                try:
                    p.send_signal(signum)
                except ProcessLookupError:
                    pass

    def stop(self, grace: float, terminate: bool = True) -> None:
        """SIGTERM the ranks still running, then SIGKILL those still there after `grace` seconds."""
        if terminate:
            self.signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for p in self.procs:
            try:
                p.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def monitor(self) -> dict:
        """Wait until every rank succeeded (returns {}) or one failed (returns {rank: ProcessFailure}, first first)."""
        seen = {}
        while True:
            codes = [p.poll() for p in self.procs]
            failed = [i for i, c in enumerate(codes) if c not in (None, 0)]
            for i in failed:
                seen.setdefault(i, time.monotonic())
            if failed:
                time.sleep(min(0.5, self.args.shutdown_timeout))  # let a rank that failed first finish its report
                failed = [i for i, p in enumerate(self.procs) if p.poll() not in (None, 0)]
                for i in failed:
                    seen.setdefault(i, time.monotonic())
                return self._failures(failed, seen)
            if all(c == 0 for c in codes):
                return {}
            time.sleep(self.args.monitor_interval)

    def _peer_error(self, i) -> bool:
        """The rank failed because another one did (its collective lost a peer)."""
        f = self.error_files[i]
        return os.path.exists(f) and "a peer process probably exited" in open(f).read()

    def _failures(self, failed, seen) -> dict:
        first = min(failed, key=lambda i: (self._peer_error(i), seen[i], i))
        self.stop(self.args.shutdown_timeout)
        out = {}
        for i in [first] + [i for i in failed if i != first]:
            rank = self.cfg["node_rank"] * self.cfg["nproc"] + i
            out[rank] = ProcessFailure(rank, i, self.procs[i].returncode, self.procs[i].pid, self.error_files[i])
        return out


class _Signal(Exception):
    def __init__(self, signum):
        self.signum = signum
        super().__init__(f"Process {os.getpid()} got signal: {signum}")


def run(args, with_local_rank_arg: bool = False) -> None:
    """Launch the ranks of `args` (parsed torchrun arguments); raises ChildFailedError if a rank fails."""
    cfg = config_from_args(args)
    workers = _Workers(args, cfg, with_local_rank_arg)
    got = []

    def forward(signum, frame):
        workers.signal(signum)
        if not got:  # the first signal ends the launcher; later ones are only passed on
            got.append(signum)
            raise _Signal(signum)

    previous = {}
    try:
        # NOTE: the handlers are in place, inside the try, before any rank starts: a signal that comes at any
        # point reaches the ranks started so far and ends with 128 + signum (not with an uncaught exception)
        for name in args.signals_to_handle.split(","):
            sig = getattr(signal, name.strip(), None)
            if sig is not None:
                previous[sig] = signal.signal(sig, forward)
        workers.start()
        failures = workers.monitor()
    except _Signal as e:
        workers.stop(args.shutdown_timeout, terminate=False)  # the signal itself was forwarded already
        sys.exit(128 + e.signum)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failures:
        name = args.training_script
        raise ChildFailedError(name, failures)


def main(args=None) -> None:
    """The `torchaxrun` console script (and `python -m torchax.distributed.run`)."""
    parsed = parse_args(args)
    try:
        run(parsed)
    except ChildFailedError as e:
        print(f"{type(e).__module__}.ChildFailedError: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
