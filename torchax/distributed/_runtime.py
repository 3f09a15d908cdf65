"""The process group state on JAX's distributed runtime, and the cached SPMD programs collectives run.

`init_process_group` maps onto `jax.distributed.initialize` (coordinator = MASTER_ADDR:MASTER_PORT, process id =
RANK, num_processes = WORLD_SIZE); on CPU the collectives go through JAX's gloo CPU collectives. A group is a 1-D
mesh with one device per member process (its first local device); a collective is a `jax.jit(jax.shard_map(...))`
over that mesh whose input is the global array made of every member's local value, cached per (group, kind,
shape, dtype). Inside a program traced under `spmd_axis(name)` (torchax.compile, DataParallel) the same bodies run
on the traced values directly with `name` as the mesh axis, so the collective becomes part of the compiled program.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import gc
import os
import sys
from urllib.parse import urlparse

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

_AXIS = "r"
_DEFAULT_PG_TIMEOUT = datetime.timedelta(minutes=30)


class _World:
    """The only mutable state of torchax.distributed."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.pg = None  # the default ProcessGroup (group.WORLD)
        self.backend = None
        self.rank = -1
        self.world_size = -1
        self.jax_initialized = False  # jax.distributed.initialize ran in this process
        self.groups = []  # every ProcessGroup made, the default one first
        self.spmd_axis = None  # a mesh axis name while tracing an SPMD program
        self.pairs = {}  # (sender, receiver) -> the 2-member group of send/recv
        self.eager_calls = 0  # collectives run as programs of their own (not inside a compiled program)


WORLD = _World()


class ProcessGroup:
    """torch.distributed.ProcessGroup: an ordered set of ranks (group rank i is global rank ranks[i])."""

    def __init__(self, ranks, backend, timeout, name=""):
        self._ranks = list(ranks)
        self._backend = backend
        self._timeout = timeout
        self.group_name = name
        self._devices = None

    def rank(self) -> int:
        return self._ranks.index(WORLD.rank) if WORLD.rank in self._ranks else -1

    def size(self) -> int:
        return len(self._ranks)

    def name(self) -> str:
        return self._backend

    @property
    def group_desc(self) -> str:
        return "default_pg" if self is WORLD.pg else "undefined"

    def devices(self) -> tuple:
        """One JAX device per member (its process's first local device of the default backend), in group order."""
        if self._devices is None:
            self._devices = tuple(_process_device(r) for r in self._ranks)
        return self._devices

    def __repr__(self):
        return f"<torchax.distributed.ProcessGroup ranks={self._ranks} backend={self._backend!r}>"


class _NonGroupMember:
    """GroupMember.NON_GROUP_MEMBER: what new_group returns on a rank outside the group."""

    def __repr__(self):
        return "GroupMember.NON_GROUP_MEMBER"


NON_GROUP_MEMBER = _NonGroupMember()


def _process_device(rank: int):
    if WORLD.world_size == 1:
        return jax.local_devices()[0]
    return min((d for d in jax.devices() if d.process_index == rank), key=lambda d: d.id)


# --- initialisation ------------------------------------------------------------------------------------------


def _env(name: str, method: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise ValueError(f"Error initializing torch.distributed using {method} rendezvous: environment variable "
                         f"{name} expected, but not set")
    return value


def rendezvous(init_method: str | None, rank: int, world_size: int):
    """(coordinator address or None, rank, world_size) from `init_method` and the environment, as torch reads them."""
    init_method = init_method or "env://"
    if init_method.startswith("env://"):
        rank = int(_env("RANK", "env://")) if rank == -1 else rank
        world_size = int(_env("WORLD_SIZE", "env://")) if world_size == -1 else world_size
        addr = f"{_env('MASTER_ADDR', 'env://')}:{int(_env('MASTER_PORT', 'env://'))}"
        return addr, rank, world_size
    if init_method.startswith("tcp://"):
        url = urlparse(init_method)
        if rank == -1 or world_size == -1:
            raise ValueError("rank and world_size must be given with a tcp:// init_method")
        return f"{url.hostname}:{url.port}", rank, world_size
    raise ValueError(f"torchax.distributed supports the env:// and tcp:// init methods, got {init_method!r}")


def start(backend: str, init_method, rank: int, world_size: int, timeout) -> None:
    """Join the job: jax.distributed.initialize for world_size > 1 (nothing to join for a single process)."""
    addr, rank, world_size = rendezvous(init_method, rank, world_size)
    if not 0 <= rank < world_size:
        raise ValueError(f"Invalid rank {rank} for world_size {world_size}")
    if world_size > 1 and not WORLD.jax_initialized:
        _initialize_jax(addr, rank, world_size, timeout)
        WORLD.jax_initialized = True
    WORLD.rank, WORLD.world_size, WORLD.backend = rank, world_size, backend
    WORLD.pg = ProcessGroup(range(world_size), backend, timeout)
    WORLD.groups = [WORLD.pg]


def _initialize_jax(addr: str, rank: int, world_size: int, timeout) -> None:
    from jax._src import xla_bridge

    # NOTE: gloo must be chosen before the CPU client exists: the client is created with its collectives.
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    restart = xla_bridge.backends_are_initialized()
    saved = _host_copies() if restart else []
    if restart:
        # NOTE: `import torchax` already created the backends (it sets jax_default_device), and JAX only joins a
        # job before its backends exist: drop them, join, and move every live tensor onto the new client.
        jax.extend.backend.clear_backends()
    heartbeat = int(os.environ.get("TORCHAX_DIST_HEARTBEAT_TIMEOUT", "30"))
    jax.distributed.initialize(addr, world_size, rank, initialization_timeout=int(timeout.total_seconds()),
                               heartbeat_timeout_seconds=heartbeat)
    _use_local_devices()
    _exit_on_uncaught_exception()
    for storage, value in saved:
        storage.value = jax.device_put(value, jax.local_devices()[0])


def exit_now(code: int = 1) -> None:
    """Leave at once: a normal exit would wait in JAX's shutdown barrier for ranks that may be blocked in a
    collective with this one, so that none of them ever exits; leaving lets their collectives fail instead."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _exit_on_uncaught_exception() -> None:
    previous = sys.excepthook

    def hook(*exc):
        previous(*exc)
        exit_now(1)

    sys.excepthook = hook


def _use_local_devices() -> None:
    """After joining, `jax.devices()` lists every process's devices: torch's device indices are local ones."""
    from torchax import _device

    jax.config.update("jax_default_device", jax.local_devices(backend="cpu")[0])
    # NOTE: torchax._device maps torch devices through jax.devices(platform); with several processes torch's
    # `cuda:i`/`cpu` mean this process's devices, so that lookup must list the local ones (needed core change).
    _device.jax_devices = functools.cache(_local_devices)


def _local_devices(platform: str) -> tuple:
    try:
        return tuple(jax.local_devices(backend=platform))
    except RuntimeError:  # JAX raises when a backend is absent
        return ()


def _host_copies() -> list:
    """(storage cell, numpy copy) of every live tensor storage, to re-create them after the backends restart."""
    from torchax._tensor import Tensor, _Storage

    saved = [(o, np.asarray(o.value)) for o in gc.get_objects()
             if type(o) is _Storage and isinstance(o.value, jax.Array)]
    for o in gc.get_objects():  # cached view values belong to the old client too
        if isinstance(o, Tensor) and "_cache" in o.__dict__:
            o._cache_v = -1
    return saved


def stop() -> None:
    WORLD.reset()


def require_init(group=None):
    """The group to use (None -> the default group); torch's error when no default group exists."""
    if WORLD.pg is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return WORLD.pg if group is None else group


class TracedCollective(RuntimeError):
    """A collective met a traced tensor outside an SPMD trace: torchax.compile traces the call again over the
    process mesh."""


# --- programs --------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def spmd_axis(name: str):
    """While tracing a program mapped over mesh axis `name` (one shard per rank), collectives on traced tensors
    use that axis instead of dispatching a program of their own (for torchax.compile / DataParallel)."""
    prev, WORLD.spmd_axis = WORLD.spmd_axis, name
    try:
        yield
    finally:
        WORLD.spmd_axis = prev


@functools.lru_cache(maxsize=512)
def _program(devices: tuple, body, static: tuple):
    mesh = Mesh(np.array(devices, dtype=object), (_AXIS,))
    fn = jax.shard_map(lambda x: body(x, _AXIS, *static), mesh=mesh, in_specs=P(_AXIS), out_specs=P(_AXIS))
    return NamedSharding(mesh, P(_AXIS)), jax.jit(fn)


def run(group, body, value, *static):
    """Run `body(block, axis, *static)` on every member's `value` (block = value[None]); returns this rank's result.

    `body` maps the (1, *shape) block of this rank to a (1, ...) block; it is a module-level function (the cache key).
    """
    if isinstance(value, jax.core.Tracer):
        if WORLD.spmd_axis is None:
            if require_init(group).size() == 1:  # alone: the body over a named axis of size 1, inline
                return jax.vmap(lambda b: body(b, _AXIS, *static), axis_name=_AXIS)(value[None, None])[0, 0]
            raise TracedCollective("a torchax.distributed collective on a traced tensor needs the program to be "
                                   "traced over a mesh axis (torchax.distributed._runtime.spmd_axis)")
        if group is not None and group is not WORLD.pg:
            raise RuntimeError("inside a traced program only the default group is supported")
        return body(value[None], WORLD.spmd_axis, *static)[0]
    WORLD.eager_calls += 1
    group = require_init(group)
    devices = group.devices()
    sharding, fn = _program(devices, body, static)
    me = devices[group.rank()]
    local = jax.device_put(value[None], me)
    glob = jax.make_array_from_single_device_arrays((len(devices),) + value.shape, sharding, [local])
    try:
        out = fn(glob)
    except Exception as e:  # a peer that died surfaces here as a transport error
        raise RuntimeError(f"torchax.distributed: collective failed on rank {WORLD.rank} (a peer process probably "
                           f"exited): {e}") from e
    return out.addressable_shards[0].data[0]
