"""torch.multiprocessing.spawn: run fn(i, *args) in `nprocs` new processes and report the first failure."""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
import traceback

__all__ = ["ProcessContext", "ProcessExitedException", "ProcessRaisedException", "spawn", "start_processes"]


class ProcessException(Exception):
    __slots__ = ["error_index", "error_pid"]

    def __init__(self, msg: str, error_index: int, pid: int):
        super().__init__(msg)
        self.msg, self.error_index, self.pid = msg, error_index, pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid)


class ProcessRaisedException(ProcessException):
    """A spawned process raised: the message carries its traceback."""


class ProcessExitedException(ProcessException):
    """A spawned process exited with a non-zero code or was killed by a signal."""

    __slots__ = ["exit_code", "signal_name"]

    def __init__(self, msg: str, error_index: int, error_pid: int, exit_code: int, signal_name: str | None = None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code, self.signal_name = exit_code, signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.pid, self.exit_code, self.signal_name)


def _wrap(fn, i, args, error_file):
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass
    except Exception:
        with open(error_file, "w") as f:
            f.write(traceback.format_exc())
        import sys

        runtime = sys.modules.get("torchax.distributed._runtime")
        if runtime is not None and runtime.WORLD.jax_initialized:
            runtime.exit_now(1)  # do not wait in JAX's shutdown barrier for ranks blocked on this one
        raise SystemExit(1) from None


class ProcessContext:
    """The spawned processes; `join()` returns True once all succeeded, raises on the first failure."""

    def __init__(self, processes, error_files):
        self.processes, self.error_files = processes, error_files
        self.sentinels = {p.sentinel: i for i, p in enumerate(processes)}

    def pids(self) -> list:
        return [int(p.pid) for p in self.processes]

    def join(self, timeout: float | None = None, grace_period: float | None = None) -> bool:
        """Wait for the processes; on a failure, stop the others and raise ProcessRaisedException/ExitedException."""
        if not self.sentinels:
            return True
        ready = multiprocessing.connection.wait(self.sentinels.keys(), timeout=timeout)
        failed = None
        for s in ready:
            i = self.sentinels.pop(s)
            self.processes[i].join()
            if self.processes[i].exitcode != 0 and failed is None:
                failed = i
        if failed is None:
            return not self.sentinels
        self._stop_others(grace_period)
        p = self.processes[failed]
        path = self.error_files[failed]
        if os.path.exists(path):
            with open(path) as f:
                tb = f.read()
            raise ProcessRaisedException(f"\n\n-- Process {failed} terminated with the following error:\n{tb}",
                                         failed, p.pid)
        if p.exitcode < 0:
            name = signal.Signals(-p.exitcode).name
            raise ProcessExitedException(f"process {failed} terminated with signal {name}", failed, p.pid,
                                         p.exitcode, name)
        raise ProcessExitedException(f"process {failed} terminated with exit code {p.exitcode}", failed, p.pid,
                                     p.exitcode)

    def _stop_others(self, grace_period) -> None:
        alive = [p for p in self.processes if p.is_alive()]
        for p in alive:
            p.terminate()
        deadline = time.monotonic() + (5.0 if grace_period is None else grace_period)
        for p in alive:
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join()


@contextlib.contextmanager
def _children_alias_torch():
    """Under `torchax run` (torch aliased to torchax), started children alias torch before they re-import the main
    script: a sitecustomize on their PYTHONPATH does it (set only while the children start)."""
    alias = sys.modules.get("torchax._alias")
    if alias is None or alias._FINDER not in sys.meta_path:
        yield
        return
    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", "TORCHAX_ALIAS_TORCH")}
    site = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_site")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (site, saved["PYTHONPATH"]) if p)
    os.environ["TORCHAX_ALIAS_TORCH"] = "1"
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """torch.multiprocessing.start_processes: `fn(i, *args)` in process i of `nprocs`."""
    import tempfile

    ctx = multiprocessing.get_context(start_method)
    tmp = tempfile.mkdtemp(prefix="torchax_spawn_")
    processes, error_files = [], []
    with _children_alias_torch():
        for i in range(nprocs):
            path = os.path.join(tmp, f"error_{i}.txt")
            p = ctx.Process(target=_wrap, args=(fn, i, args, path), daemon=daemon)
            p.start()
            processes.append(p)
            error_files.append(path)
    context = ProcessContext(processes, error_files)
    if not join:
        return context
    while not context.join():
        pass
    return None


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """torch.multiprocessing.spawn."""
    return start_processes(fn, args, nprocs, join, daemon, start_method)
