"""Starting DataLoader worker processes without putting JAX in a forked child.

JAX is not fork-safe: in a child forked from a process whose JAX runtime is running, the first device transfer or
compile hangs. So the default start method is
- 'fork' only when the workers provably never touch JAX: a TensorDataset (or Subsets of one) with the default
  collate and no worker_init_fn (the batches are gathered from host copies and become Tensors in the main process);
- otherwise 'forkserver' (torchax's own server process, with jax and numpy imported but no device initialised, forks
  each worker), or 'spawn' where there is no forkserver.
A worker started either way does not re-run the user's script (torch's spawn would, and an unguarded script then
fails): the dataset, collate_fn and worker_init_fn travel cloudpickled, which carries `__main__` objects by value.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.spawn

_PRELOAD = ["jax", "numpy"]
_server = None


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
    global _server
    if _server is None:
        from multiprocessing import forkserver

        _server = forkserver.ForkServer()
        _server.set_forkserver_preload(list(_PRELOAD))
    return _server


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
