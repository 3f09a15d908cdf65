"""Starting DataLoader worker processes without putting JAX in a forked child.

JAX is not fork-safe: in a child forked from a process whose JAX runtime is running, the first device transfer or
compile hangs. So the default start method is
- 'fork' only when the workers provably never touch JAX: a TensorDataset (or Subsets of one) with the default
  collate and no worker_init_fn (the batches are gathered from host copies and become Tensors in the main process);
- otherwise 'forkserver' (torchax's own server process, with jax and numpy imported but no device initialised, forks
  each worker), or 'spawn' where there is no forkserver. The server also imports torchax when that import leaves
  JAX without a backend (it checks itself, see `_zygote.py`); a worker then starts without importing torchax
  (a second or more each). Where the import does create a backend, that server is stopped and one with only jax
  and numpy takes its place (set `_torchax_preload = False` to skip the attempt).
A worker started either way does not re-run the user's script (torch's spawn would, and an unguarded script then
fails): the dataset, collate_fn and worker_init_fn travel cloudpickled, which carries `__main__` objects by value.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.spawn

_PRELOAD = ["jax", "numpy"]
_PRELOAD_TORCHAX = [*_PRELOAD, "torchax", "torchax.utils.data._utils._zygote"]
_STATUS_ENV = "TORCHAX_DATALOADER_ZYGOTE_STATUS"
_PYTHONPATH_ENV = "TORCHAX_DATALOADER_ZYGOTE_PYTHONPATH"  # "": PYTHONPATH was unset, "=<value>": it was <value>
_server = None
_torchax_preload: bool | None = None  # None: not tried yet in this process


def default_context(host_safe: bool):
    """The start method for this loader's workers (see the module docstring)."""
    methods = multiprocessing.get_all_start_methods()
    if host_safe and "fork" in methods:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def _private_server():
    """torchax's own fork server: it imports jax and numpy once (no device) and never the user's `__main__`. The
    process-wide one may already run with `__main__` imported, JAX initialised, and then its children hang."""
    global _server, _torchax_preload
    if _server is None:
        if _torchax_preload is not False:
            _server = _preloaded_server()
            _torchax_preload = _server is not None
        if _server is None:
            _server = _new_server(_PRELOAD)
    return _server


def _new_server(preload):
    from multiprocessing import forkserver

    server = forkserver.ForkServer()
    server.set_forkserver_preload(list(preload))
    return server


def _preloaded_server(timeout: float = 120.0):
    """A running fork server with torchax imported, or None if importing torchax there created a JAX backend (its
    children could not use JAX) or the server failed to start."""
    import os
    import tempfile
    import time

    fd, status = tempfile.mkstemp(prefix="torchax-zygote-")
    os.close(fd)
    server = _new_server(_PRELOAD_TORCHAX)
    # the server inherits these: where its `_zygote` import writes the verdict, and a PYTHONPATH that finds this
    # process's torchax (the server does not get this process's sys.path); `_zygote` puts PYTHONPATH back
    import torchax

    root = os.path.dirname(os.path.dirname(os.path.abspath(torchax.__file__)))
    saved = {k: os.environ.get(k) for k in (_STATUS_ENV, "PYTHONPATH", _PYTHONPATH_ENV)}
    os.environ[_STATUS_ENV] = status
    os.environ[_PYTHONPATH_ENV] = "" if saved["PYTHONPATH"] is None else "=" + saved["PYTHONPATH"]
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, saved["PYTHONPATH"]) if p)
    try:
        server.ensure_running()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    verdict, deadline = b"", time.monotonic() + timeout
    try:
        while not verdict and time.monotonic() < deadline:
            with open(status, "rb") as f:
                verdict = f.read(1)
            if not verdict:
                pid = getattr(server, "_forkserver_pid", None)
                if pid is None or os.waitpid(pid, os.WNOHANG)[0]:  # it exited before answering
                    break
                time.sleep(0.01)
    finally:
        os.unlink(status)
    if verdict == b"1":
        return server
    stop = getattr(server, "_stop", None)
    if stop is not None:
        stop()
    return None


@contextlib.contextmanager
def launching(ctx):
    """While starting worker processes: children do not import the parent's `__main__` (the payload carries what
    they need), and forkserver children come from torchax's private server."""
    from multiprocessing import forkserver

    original = multiprocessing.spawn.get_preparation_data

    def preparation(name):
        data = original(name)
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
        return data

    patches = [(multiprocessing.spawn, "get_preparation_data", preparation)]
    if ctx.get_start_method() == "forkserver" and hasattr(forkserver, "ForkServer"):
        patches.append((forkserver, "connect_to_new_process", _private_server().connect_to_new_process))
    saved = [(mod, name, getattr(mod, name)) for mod, name, _ in patches]
    for mod, name, value in patches:
        setattr(mod, name, value)
    try:
        yield
    finally:
        for mod, name, value in saved:
            setattr(mod, name, value)


def pack(ctx, payload):
    """What a worker receives: the objects themselves when forked, else cloudpickled bytes."""
    if ctx.get_start_method() == "fork":
        return payload
    import cloudpickle

    return cloudpickle.dumps(payload)
