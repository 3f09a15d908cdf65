"""torch.distributed on JAX's distributed runtime (jax.distributed + XLA collectives; gloo on CPU).

Every backend name (gloo, nccl, jax, ...) runs on JAX: one process per rank, joined with
`jax.distributed.initialize`; a collective is an XLA program over a mesh of one device per member process.
"""

from __future__ import annotations

import datetime

from torchax.distributed import _collectives, _objects, _runtime
from torchax.distributed._collectives import *  # noqa: F401,F403
from torchax.distributed._collectives import ReduceOp
from torchax.distributed._objects import *  # noqa: F401,F403
from torchax.distributed._runtime import NON_GROUP_MEMBER, WORLD, ProcessGroup, require_init

__all__ = ["Backend", "GroupMember", "ProcessGroup", "ReduceOp", "destroy_process_group", "get_backend",
           "get_global_rank", "get_group_rank", "get_process_group_ranks", "get_rank", "get_world_size", "group",
           "init_process_group", "is_available", "is_gloo_available", "is_initialized", "is_mpi_available",
           "is_nccl_available", "is_torchelastic_launched", "new_group", "reduce_op",
           *_collectives.__all__, *_objects.__all__]

reduce_op = ReduceOp


class Backend(str):
    """torch.distributed.Backend: a lower-case backend name (every one of them runs on JAX)."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    MPI = "mpi"
    XCCL = "xccl"
    JAX = "jax"

    def __new__(cls, name: str):
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: {type(name)}")
        return super().__new__(cls, name.lower())


class GroupMember:
    """torch.distributed.GroupMember: WORLD (the default group) and NON_GROUP_MEMBER."""

    NON_GROUP_MEMBER = NON_GROUP_MEMBER

    class _World:
        def __get__(self, obj, owner):
            return WORLD.pg

    WORLD = _World()


class group:  # noqa: N801 - torch's name
    """torch.distributed.group: group.WORLD is the default process group."""

    WORLD = GroupMember._World()


def is_available() -> bool:
    """torch.distributed.is_available: always True (JAX's distributed runtime)."""
    return True


def is_initialized() -> bool:
    """torch.distributed.is_initialized."""
    return WORLD.pg is not None


def is_gloo_available() -> bool:
    return True


def is_nccl_available() -> bool:
    from torchax import cuda

    return cuda.is_available()


def is_mpi_available() -> bool:
    return False


def is_torchelastic_launched() -> bool:
    """True in a process started by torchaxrun / torchrun (TORCHELASTIC_RUN_ID is set)."""
    import os

    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def _default_backend() -> str:
    from torchax import cuda

    return "nccl" if cuda.is_available() else "gloo"


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """torch.distributed.init_process_group: join the job through jax.distributed.initialize.

    The coordinator is MASTER_ADDR:MASTER_PORT (env://) or the host:port of a tcp:// init_method; the process id is
    RANK (or `rank`), the process count WORLD_SIZE (or `world_size`). `store` is not supported.
    """
    if WORLD.pg is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if store is not None:
        raise ValueError("torchax.distributed does not support a custom store; use init_method (env:// or tcp://)")
    name = backend if backend not in (None, "undefined") else _default_backend()
    if ":" in name:  # "cpu:gloo,cuda:nccl": every device type runs on JAX anyway
        name = name.split(",")[-1].split(":")[-1]
    _runtime.start(Backend(name), init_method, rank, world_size,
                   timeout or datetime.timedelta(minutes=30))


def destroy_process_group(group=None):
    """torch.distributed.destroy_process_group: forget the default group (the JAX job stays joined, as JAX
    can join only once per process) or drop one group."""
    if group is None or group is WORLD.pg:
        _runtime.stop()
    elif group in WORLD.groups:
        WORLD.groups.remove(group)


def get_rank(group=None) -> int:
    """torch.distributed.get_rank: this process's rank in `group` (-1 outside it)."""
    g = require_init(group)
    return -1 if g is NON_GROUP_MEMBER else g.rank()


def get_world_size(group=None) -> int:
    """torch.distributed.get_world_size: the size of `group` (-1 outside it)."""
    g = require_init(group)
    return -1 if g is NON_GROUP_MEMBER else g.size()


def get_backend(group=None) -> str:
    """torch.distributed.get_backend."""
    g = require_init(group)
    if g is NON_GROUP_MEMBER:
        raise ValueError("Invalid process group specified")
    return g._backend


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None, sort_ranks=True):
    """torch.distributed.new_group: every rank calls it; ranks outside get GroupMember.NON_GROUP_MEMBER."""
    require_init()
    ranks = list(range(WORLD.world_size)) if ranks is None else list(ranks)
    if sort_ranks:
        ranks = sorted(ranks)
    for r in ranks:
        if not 0 <= r < WORLD.world_size:
            raise ValueError("The new group's rank should be within the world_size set by init_process_group")
    g = ProcessGroup(ranks, Backend(backend) if backend else WORLD.backend, timeout or WORLD.pg._timeout,
                     name=str(len(WORLD.groups)))
    WORLD.groups.append(g)
    return g if WORLD.rank in ranks else NON_GROUP_MEMBER


def get_process_group_ranks(group) -> list:
    """torch.distributed.get_process_group_ranks."""
    return list(require_init(group)._ranks)


def get_global_rank(group, group_rank: int) -> int:
    """torch.distributed.get_global_rank."""
    return require_init(group)._ranks[group_rank]


def get_group_rank(group, global_rank: int) -> int:
    """torch.distributed.get_group_rank."""
    ranks = require_init(group)._ranks
    if global_rank not in ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {group}")
    return ranks.index(global_rank)
