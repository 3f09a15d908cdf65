"""torch.distributed's collectives on torchax Tensors: results are written in place, as torch does."""

from __future__ import annotations

import enum
import warnings

import jax
import jax.numpy as jnp

from torchax.distributed import _bodies
from torchax.distributed._runtime import WORLD, require_init, run

__all__ = ["ReduceOp", "Work", "all_gather", "all_gather_into_tensor", "all_gather_single", "all_reduce", "all_to_all",
           "all_to_all_single", "barrier", "batch_isend_irecv", "broadcast", "gather", "irecv", "isend",
           "monitored_barrier", "P2POp", "recv", "reduce", "reduce_scatter", "reduce_scatter_single",
           "reduce_scatter_tensor", "scatter",
           "send"]


class ReduceOp:
    """torch.distributed.ReduceOp: SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR."""

    class RedOpType(enum.Enum):
        SUM = 0
        AVG = 1
        PRODUCT = 2
        MIN = 3
        MAX = 4
        BAND = 5
        BOR = 6
        BXOR = 7
        PREMUL_SUM = 8

    def __init__(self, op=None):
        self.op = ReduceOp.RedOpType.SUM if op is None else op

    def __eq__(self, other):
        other = other.op if isinstance(other, ReduceOp) else other
        return self.op == other

    def __hash__(self):
        return hash(self.op)

    def __repr__(self):
        return f"<RedOpType.{self.op.name}: {self.op.value}>"


for _m in ReduceOp.RedOpType:
    setattr(ReduceOp, _m.name, _m)


def _op_name(op) -> str:
    op = op.op if isinstance(op, ReduceOp) else op
    if not isinstance(op, ReduceOp.RedOpType) or op is ReduceOp.PREMUL_SUM:
        raise ValueError(f"Unsupported ReduceOp {op!r}")
    return op.name


class Work:
    """torch.distributed.Work: the handle of an `async_op=True` collective (JAX dispatches asynchronously)."""

    def __init__(self, tensors=(), result=None):
        self._tensors = [t for t in tensors if t is not None]
        self._result = result

    def wait(self, timeout=None) -> bool:
        for t in self._tensors:
            jax.block_until_ready(t._value)
        return True

    def is_completed(self) -> bool:
        return all(t._value.is_ready() for t in self._tensors if hasattr(t._value, "is_ready"))

    def is_success(self) -> bool:
        return self.is_completed()

    def result(self) -> list:
        return list(self._tensors)

    def get_future(self):
        return _Future(self)

    def exception(self):
        return None

    def source_rank(self) -> int:
        return self._result if isinstance(self._result, int) else -1


class _Future:
    """torch.futures.Future subset: wait() and value() give the work's tensors."""

    def __init__(self, work):
        self._work = work

    def wait(self):
        self._work.wait()
        return self._work.result()

    def value(self):
        return self.wait()

    def done(self) -> bool:
        return self._work.is_completed()

    def then(self, callback):
        out = _Future(self._work)
        out.wait = lambda: callback(self)
        return out


def _done(async_op: bool, tensors, result=None):
    return Work(tensors, result) if async_op else None


def _member(group) -> bool:
    """False on a rank outside `group` (torch returns without doing anything there)."""
    from torchax.distributed._runtime import NON_GROUP_MEMBER

    return group is not NON_GROUP_MEMBER and require_init(group).rank() >= 0


def _group_rank(group, rank, group_rank, what):
    """The group rank of a `src`/`dst` given as a global rank or as `group_<what>`."""
    g = require_init(group)
    if group_rank is not None:
        if rank is not None:
            raise ValueError(f"Can not specify both {what} and group_{what}")
        return group_rank
    if rank is None:
        rank = 0
    if rank not in g._ranks:
        raise ValueError(f"Global rank {rank} is not part of group {g}")
    return g._ranks.index(rank)


def _check(t, name="tensor"):
    from torchax._tensor import Tensor

    if not isinstance(t, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type torch.Tensor\n"
                        f"             but got {type(t)} instead.")
    return t


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """torch.distributed.all_reduce: `tensor` becomes the reduction of every rank's tensor (in place)."""
    _check(tensor)
    if not _member(group):
        return None
    tensor._write(run(group, _bodies.all_reduce, tensor._value, _op_name(op)))
    return _done(async_op, [tensor])


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """torch.distributed.broadcast: every rank's `tensor` becomes rank `src`'s (in place)."""
    _check(tensor)
    if not _member(group):
        return None
    tensor._write(run(group, _bodies.broadcast, tensor._value, _group_rank(group, src, group_src, "src")))
    return _done(async_op, [tensor])


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """torch.distributed.reduce: rank `dst`'s `tensor` becomes the reduction; other ranks' are left as they are."""
    _check(tensor)
    if not _member(group):
        return None
    d = _group_rank(group, dst, group_dst, "dst")
    out = run(group, _bodies.all_reduce, tensor._value, _op_name(op))
    if require_init(group).rank() == d:
        tensor._write(out)
    return _done(async_op, [tensor])


def _gathered(tensor, group):
    """(n, *shape) array of every member's tensor."""
    return run(group, _bodies.all_gather, tensor._value)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """torch.distributed.all_gather: tensor_list[i] becomes rank i's `tensor` (in place)."""
    _check(tensor)
    if not _member(group):
        return None
    n = require_init(group).size()
    if len(tensor_list) != n:
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} tensors, expected the group size {n}")
    g = _gathered(tensor, group)
    for i, t in enumerate(tensor_list):
        t._write(g[i].astype(t._value.dtype).reshape(t._value.shape))
    return _done(async_op, tensor_list)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """torch.distributed.all_gather_into_tensor (deprecated in torch for all_gather_single)."""
    warnings.warn("`torch.distributed.all_gather_into_tensor` is deprecated. Please use "
                  "`torch.distributed.all_gather_single` instead.", FutureWarning, stacklevel=2)
    return all_gather_single(output_tensor, input_tensor, group, async_op)


def all_gather_single(output_tensor, input_tensor, group=None, async_op=False):
    """torch.distributed.all_gather_single: output = the ranks' inputs concatenated (or stacked) on dim 0."""
    _check(input_tensor, "input_tensor")
    if not _member(group):
        return None
    g = _gathered(input_tensor, group)
    out_shape = output_tensor._value.shape
    if g.size != output_tensor.numel():
        raise ValueError(f"output tensor size must be equal to world_size times input tensor size; got "
                         f"{tuple(out_shape)} for input {tuple(input_tensor.shape)}")
    output_tensor._write(g.reshape(out_shape).astype(output_tensor._value.dtype))
    return _done(async_op, [output_tensor])


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """torch.distributed.reduce_scatter: output = the reduction over ranks of input_list[rank]."""
    if not _member(group):
        return None
    stacked = jnp.stack([t._value for t in input_list])
    output._write(run(group, _bodies.reduce_scatter, stacked, _op_name(op)).reshape(output._value.shape))
    return _done(async_op, [output])


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):  # noqa: A002
    """torch.distributed.reduce_scatter_tensor (deprecated in torch for reduce_scatter_single)."""
    warnings.warn("`torch.distributed.reduce_scatter_tensor` is deprecated. Please use "
                  "`torch.distributed.reduce_scatter_single` instead.", FutureWarning, stacklevel=2)
    return reduce_scatter_single(output, input, op, group, async_op)


def reduce_scatter_single(output, input, op=ReduceOp.SUM, group=None, async_op=False):  # noqa: A002
    """torch.distributed.reduce_scatter_single: input is split into group-size chunks on dim 0."""
    if not _member(group):
        return None
    n = require_init(group).size()
    if input.numel() != n * output.numel():
        raise ValueError("input tensor must be the same size as output size times world size")
    stacked = input._value.reshape((n,) + output._value.shape)
    output._write(run(group, _bodies.reduce_scatter, stacked, _op_name(op)))
    return _done(async_op, [output])


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """torch.distributed.gather: on rank `dst`, gather_list[i] becomes rank i's tensor."""
    _check(tensor)
    if not _member(group):
        return None
    g = require_init(group)
    d = _group_rank(group, dst, group_dst, "dst")
    stacked = _gathered(tensor, group)
    if g.rank() == d:
        if gather_list is None or len(gather_list) != g.size():
            raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
        for i, t in enumerate(gather_list):
            t._write(stacked[i].reshape(t._value.shape).astype(t._value.dtype))
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    return _done(async_op, gather_list or [])


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """torch.distributed.scatter: rank i's `tensor` becomes scatter_list[i] of rank `src`."""
    _check(tensor)
    if not _member(group):
        return None
    g = require_init(group)
    s = _group_rank(group, src, group_src, "src")
    if g.rank() == s:
        if scatter_list is None or len(scatter_list) != g.size():
            raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
        stacked = jnp.stack([t._value.reshape(tensor._value.shape).astype(tensor._value.dtype) for t in scatter_list])
    else:
        if scatter_list:
            raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
        stacked = jnp.zeros((g.size(),) + tensor._value.shape, tensor._value.dtype)
    tensor._write(run(group, _bodies.scatter, stacked, s))
    return _done(async_op, [tensor])


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op=False):
    """torch.distributed.all_to_all: output_tensor_list[j] on rank i = input_tensor_list[i] of rank j."""
    if not _member(group):
        return None
    shapes = {tuple(t.shape) for t in input_tensor_list} | {tuple(t.shape) for t in output_tensor_list}
    if len(shapes) != 1:
        raise RuntimeError("all_to_all with tensors of different shapes is not supported by torchax (JAX's "
                           "all_to_all exchanges equal chunks)")
    stacked = jnp.stack([t._value for t in input_tensor_list])
    out = run(group, _bodies.all_to_all, stacked)
    for j, t in enumerate(output_tensor_list):
        t._write(out[j].astype(t._value.dtype))
    return _done(async_op, output_tensor_list)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None,  # noqa: A002
                      async_op=False):
    """torch.distributed.all_to_all_single with equal splits along dim 0."""
    if not _member(group):
        return None
    n = require_init(group).size()
    if output_split_sizes or input_split_sizes:
        sizes = set(output_split_sizes or ()) | set(input_split_sizes or ())
        if len(sizes) != 1:
            raise RuntimeError("all_to_all_single with uneven splits is not supported by torchax")
    if input.shape[0] % n:
        raise RuntimeError(f"Tensor's dim 0 does not divide equally across group size {n}")
    x = input._value.reshape((n, input.shape[0] // n) + tuple(input.shape[1:]))
    out = run(group, _bodies.all_to_all, x)
    output._write(out.reshape(output._value.shape).astype(output._value.dtype))
    return _done(async_op, [output])


def _pair(group, peer: int, group_peer, what: str, sending: bool):
    """The 2-member group (sender, receiver) a point-to-point transfer runs on."""
    from torchax.distributed._runtime import ProcessGroup

    g = require_init(group)
    p = g._ranks[_group_rank(group, peer, group_peer, what)]
    if p == WORLD.rank:
        raise ValueError(f"Invalid {'destination' if sending else 'source'} rank: should not be the same as the rank "
                         "of the current process.")
    pair = (WORLD.rank, p) if sending else (p, WORLD.rank)
    if pair not in WORLD.pairs:
        WORLD.pairs[pair] = ProcessGroup(pair, g._backend, g._timeout)
    return WORLD.pairs[pair], p


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    """torch.distributed.send: rank `dst` must call recv with a tensor of the same shape and dtype."""
    _check(tensor)
    pg, _ = _pair(group, dst, group_dst, "dst", True)
    run(pg, _bodies.send_recv, tensor._value)


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """torch.distributed.recv: a matching send is required (src=None, any source, is not supported by JAX)."""
    _check(tensor)
    if src is None and group_src is None:
        raise RuntimeError("torchax.distributed.recv needs src: JAX has no receive from any source")
    pg, s = _pair(group, src, group_src, "src", False)
    tensor._write(run(pg, _bodies.send_recv, tensor._value).astype(tensor._value.dtype))
    return s


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    """torch.distributed.isend."""
    send(tensor, dst, group, tag, group_dst)
    return Work([tensor])


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    """torch.distributed.irecv."""
    return Work([tensor], recv(tensor, src, group, tag, group_src))


class P2POp:
    """torch.distributed.P2POp: one isend/irecv for batch_isend_irecv."""

    def __init__(self, op, tensor, peer=None, group=None, tag=0, group_peer=None):
        self.op, self.tensor, self.peer, self.group = op, tensor, peer, group
        self.tag, self.group_peer = tag, group_peer


def batch_isend_irecv(p2p_op_list):
    """torch.distributed.batch_isend_irecv: the ops run in a globally consistent order (lowest sender first), so that
    pairs of ranks exchanging in both directions do not wait on each other."""
    def key(p):
        g = require_init(p.group)
        peer = p.peer if p.group_peer is None else g._ranks[p.group_peer]
        return (WORLD.rank, peer) if p.op in (isend, send) else (peer, WORLD.rank)

    works = []
    for p in sorted(p2p_op_list, key=key):
        works.append(p.op(p.tensor, p.peer, p.group, p.tag, p.group_peer))
    return works


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """torch.distributed.barrier: returns once every member of the group has reached it."""
    if not _member(group):
        return None
    out = run(group, _bodies.add_check, jnp.ones((), jnp.int32))
    if async_op:
        return Work([_wrap(out)])
    jax.block_until_ready(out)
    return None


def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    """torch.distributed.monitored_barrier (a barrier; a dead rank raises instead of hanging)."""
    barrier(group)


def _wrap(v):
    from torchax._tensor import wrap

    return wrap(v)
