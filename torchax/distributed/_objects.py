"""torch.distributed's object collectives: pickled bytes moved as uint8 tensors by the array collectives."""

from __future__ import annotations

import io
import pickle

import jax.numpy as jnp
import numpy as np

from torchax.distributed import _bodies
from torchax.distributed._collectives import _group_rank, _member
from torchax.distributed._runtime import require_init, run

__all__ = ["all_gather_object", "broadcast_object_list", "gather_object", "scatter_object_list"]


def _to_bytes(obj) -> np.ndarray:
    buf = io.BytesIO()
    pickle.Pickler(buf).dump(obj)
    return np.frombuffer(buf.getvalue(), dtype=np.uint8)


def _from_bytes(data: np.ndarray):
    return pickle.loads(data.tobytes())


def _gather_bytes(data: np.ndarray, group) -> list:
    """Every member's byte string (sizes first, then the bytes padded to the longest)."""
    sizes = np.asarray(run(group, _bodies.all_gather, jnp.asarray([data.size], jnp.int64)))[:, 0]
    padded = np.zeros(int(sizes.max()), np.uint8)
    padded[:data.size] = data
    got = np.asarray(run(group, _bodies.all_gather, jnp.asarray(padded)))
    return [got[i, :int(s)] for i, s in enumerate(sizes)]


def _broadcast_bytes(data: np.ndarray | None, src: int, group) -> np.ndarray:
    size = np.asarray(run(group, _bodies.broadcast, jnp.asarray([0 if data is None else data.size], jnp.int64), src))
    buf = np.zeros(int(size[0]), np.uint8) if data is None else data
    return np.asarray(run(group, _bodies.broadcast, jnp.asarray(buf), src))


def all_gather_object(object_list, obj, group=None):
    """torch.distributed.all_gather_object: object_list[i] becomes rank i's `obj` (a pickle round trip)."""
    if not _member(group):
        return
    for i, b in enumerate(_gather_bytes(_to_bytes(obj), group)):
        object_list[i] = _from_bytes(b)


def gather_object(obj, object_gather_list=None, dst=None, group=None, group_dst=None):
    """torch.distributed.gather_object: on rank `dst`, object_gather_list[i] becomes rank i's `obj`."""
    if not _member(group):
        return
    d = _group_rank(group, dst, group_dst, "dst")
    got = _gather_bytes(_to_bytes(obj), group)
    if require_init(group).rank() == d:
        for i, b in enumerate(got):
            object_gather_list[i] = _from_bytes(b)


def broadcast_object_list(object_list, src=None, group=None, device=None, group_src=None):
    """torch.distributed.broadcast_object_list: every rank's object_list becomes rank `src`'s (in place)."""
    if not _member(group):
        return
    s = _group_rank(group, src, group_src, "src")
    mine = _to_bytes(list(object_list)) if require_init(group).rank() == s else None
    got = _from_bytes(_broadcast_bytes(mine, s, group))
    object_list[:] = got


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=None, group=None,
                        group_src=None):
    """torch.distributed.scatter_object_list: scatter_object_output_list[0] becomes input list[rank] of `src`."""
    if not _member(group):
        return
    g = require_init(group)
    s = _group_rank(group, src, group_src, "src")
    mine = _to_bytes(list(scatter_object_input_list)) if g.rank() == s else None
    scatter_object_output_list[0] = _from_bytes(_broadcast_bytes(mine, s, group))[g.rank()]
