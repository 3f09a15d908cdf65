"""torch.nn.parallel.DistributedDataParallel on torchax.distributed (JAX's distributed runtime).

At construction the parameters and buffers of rank 0 are broadcast (one collective per dtype). During `backward`
each parameter's AccumulateGrad node has a pre-hook that accumulates the incoming gradient itself and marks the
parameter ready; when every parameter of a bucket is ready (buckets filled in reverse parameter order, 1 MiB for
the first and `bucket_cap_mb` after, one dtype each), the bucket's gradients are packed, averaged with one
all_reduce and written back — buckets in index order, so every rank issues the same collectives in the same order.
The packing and the collective are plain JAX, so under tracing with an SPMD axis (torchax.compile over one shard
per rank, torchax/distributed/_spmd.py) the averaging is part of the compiled program. A compiled forward whose
backward runs later re-arms the reducer after every call (a host call), as the eager forward does.
"""

from __future__ import annotations

import contextlib
import functools
import weakref

import jax
import jax.numpy as jnp
import numpy as np

from torchax import _state
from torchax._compile_hooks import at_trace_end, is_compiling
from torchax.distributed import _bodies, _runtime
from torchax.nn.modules.module import Module

__all__ = ["DistributedDataParallel"]

_FIRST_BUCKET_BYTES = 1024 * 1024
_DEFAULT_BUCKET_MB = 25


@functools.partial(jax.jit, static_argnums=(1,))
def _pack(values, flags):
    """One flat vector of the values (and, with `flags`, their used/unused flags after them)."""
    parts = [v.ravel() for v in values]
    return jnp.concatenate(parts + ([jnp.asarray(flags, parts[0].dtype)] if flags else []))


@functools.partial(jax.jit, static_argnums=(1,))
def _unpack(flat, shapes):
    """The values back in their shapes (and the used flags, if any, after them)."""
    out, i = [], 0
    for s in shapes:
        n = int(np.prod(s, dtype=np.int64))
        out.append(flat[i:i + n].reshape(s))
        i += n
    return out, flat[i:]


def _sync_params_and_buffers(tensors, group, src: int = 0) -> None:
    """Broadcast `tensors` from group rank `src`, coalesced into one collective per dtype."""
    by_dtype = {}
    for t in tensors:
        by_dtype.setdefault(t._value.dtype, []).append(t)
    for ts in by_dtype.values():
        flat = _pack([t._value for t in ts], ())
        flat = _runtime.run(group, _bodies.broadcast, flat, src)
        i = 0
        for t in ts:
            n = t.numel()
            t._write(flat[i:i + n].reshape(t._value.shape))
            i += n


class _Bucket:
    __slots__ = ("params", "index", "ready")

    def __init__(self, params, index):
        self.params, self.index, self.ready = params, index, set()


def _build_buckets(params, cap_bytes: int) -> list:
    """Buckets over `params` in reverse order (gradients become ready roughly backwards), one dtype each."""
    buckets, open_ = [], {}
    limit = min(_FIRST_BUCKET_BYTES, cap_bytes)
    for p in reversed(params):
        dt = p._value.dtype
        cur = open_.setdefault(dt, [[], 0])
        cur[0].append(p)
        cur[1] += p.numel() * p.element_size()
        if cur[1] >= limit:
            buckets.append(cur[0])
            del open_[dt]
            limit = cap_bytes
    buckets += [c[0] for c in open_.values()]
    return [_Bucket(b, i) for i, b in enumerate(buckets)]


class DistributedDataParallel(Module):
    """torch.nn.parallel.DistributedDataParallel: one replica per process, gradients averaged during backward.

    device_ids / output_device / gradient_as_bucket_view / static_graph are accepted (JAX places arrays itself);
    `find_unused_parameters=True` reads a used-parameter count from the host (not traceable, as in torch it syncs).
    """

    _compile_attrs = ("require_backward_grad_sync",)  # torchax.compile specialises on these (no_sync)

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True, init_sync=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None,
                 skip_all_reduce_unused_params=False, **kwargs):
        super().__init__()
        group = _runtime.require_init(process_group)
        if not any(p.requires_grad for p in module.parameters()):
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter that "
                               "requires a gradient.")
        self.module = module
        self.device_ids, self.output_device, self.dim = device_ids, output_device, dim
        self.process_group = group
        self.broadcast_buffers = True if broadcast_buffers is None else broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view, self.static_graph = gradient_as_bucket_view, static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((bucket_cap_mb or _DEFAULT_BUCKET_MB) * 1024 * 1024)
        if init_sync:
            _sync_params_and_buffers(list(module.parameters()) + list(module.buffers()), group)
        params = list(dict.fromkeys(p for p in module.parameters() if p.requires_grad))
        self._buckets = _build_buckets(params, self.bucket_bytes_cap)
        self._bucket_of = {id(p): b for b in self._buckets for p in b.params}
        self._armed = False
        self._next = 0
        self._used = set()
        self._hooks = [self._install_hook(p) for p in params]

    # --- the reducer ---------------------------------------------------------------------------------------------

    def _install_hook(self, p):
        from torchax.autograd import _graph

        ref = weakref.ref(self)

        def hook(grads):
            ddp = ref()
            if ddp is None or not ddp._armed or _state._local.capturing or grads[0] is None:
                return None
            _graph._accumulate(p, grads[0], False)
            ddp._mark_ready(p)
            return (None,)  # accumulated here: the engine must not add it again

        return _graph.edge(p)[0].register_prehook(hook)

    def _mark_ready(self, p) -> None:
        b = self._bucket_of[id(p)]
        b.ready.add(id(p))
        while self._next < len(self._buckets) and len(self._buckets[self._next].ready) == \
                len(self._buckets[self._next].params):
            self._reduce(self._buckets[self._next])
            self._next += 1
        if self._next == len(self._buckets):
            self._armed = False

    def _reduce(self, bucket) -> None:
        """Average the bucket's gradients over the group with one all_reduce, and write them back."""
        params = bucket.params
        vals = [p._grad._value if p._grad is not None else jnp.zeros(p._value.shape, p._value.dtype)
                for p in params]
        flags = tuple(1 if id(p) in self._used else 0 for p in params) if self.find_unused_parameters else ()
        # NOTE: AVG divides by the size of the mesh axis, which is also right when traced over an SPMD axis
        flat = _runtime.run(self.process_group, _bodies.all_reduce, _pack(vals, flags), "AVG")
        out, used = _unpack(flat, tuple(tuple(p._value.shape) for p in params))
        keep = np.asarray(used) > 0 if flags else None  # host read: only with find_unused_parameters
        for i, (p, v) in enumerate(zip(params, out)):
            if keep is not None and not keep[i] and p._grad is None:
                continue  # unused on every rank: torch leaves its grad alone
            if p._grad is None:
                from torchax._tensor import wrap

                p._grad = wrap(v)
            else:
                p._grad._write(v)

    def _prepare_for_backward(self, output) -> None:
        for b in self._buckets:
            b.ready.clear()
        self._next = 0
        self._armed = True
        self._used = set()
        if self.find_unused_parameters:
            self._used = _reachable_leaves(output)
            for b in self._buckets:
                for p in b.params:
                    if id(p) not in self._used:
                        self._mark_ready(p)

    def _check_previous_reduction(self) -> None:
        if self._armed and any(b.ready for b in self._buckets) and not self.find_unused_parameters:
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one. This error "
                "indicates that your module has parameters that were not used in producing loss. You can enable "
                "unused parameter detection by passing the keyword argument `find_unused_parameters=True` to "
                "`torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
                "participate in calculating loss.")

    # --- the module ----------------------------------------------------------------------------------------------

    def forward(self, *inputs, **kwargs):
        self._check_previous_reduction()
        grad = _state.is_grad_enabled()
        self.require_forward_param_sync = grad and self.require_backward_grad_sync
        if self.require_forward_param_sync and self.broadcast_buffers:
            buffers = list(self.module.buffers())
            if buffers:
                _sync_params_and_buffers(buffers, self.process_group)
        output = self.module(*inputs, **kwargs)
        if grad and self.require_backward_grad_sync:
            self._prepare_for_backward(output)
        else:
            self._armed = False
        if is_compiling():
            at_trace_end(self._after_trace)
        return output

    def _after_trace(self, trace) -> None:
        """A compiled function ran this forward but not its backward: every call of the compiled program must
        check and arm the reducer as this forward did (host calls around the program)."""
        if self._armed:
            trace.host.append((True, self._check_previous_reduction, (), {}))
            trace.host.append((False, self._rearm, (frozenset(self._used),), {}))

    def _rearm(self, used) -> None:
        for b in self._buckets:
            b.ready.clear()
        self._next = 0
        self._armed = True
        self._used = set(used)
        if self.find_unused_parameters:
            for b in self._buckets:
                for p in b.params:
                    if id(p) not in self._used:
                        self._mark_ready(p)

    @contextlib.contextmanager
    def no_sync(self):
        """Gradients accumulate locally (no communication) in backward passes of forwards run inside."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def join(self, divide_by_initial_world_size=True, enable=True, throw_on_early_termination=False):
        raise NotImplementedError("DistributedDataParallel.join (uneven inputs) is not supported by torchax")

    def register_comm_hook(self, state, hook):
        raise NotImplementedError("DistributedDataParallel.register_comm_hook is not supported by torchax")

    def _set_static_graph(self) -> None:
        self.static_graph = True


def _reachable_leaves(output) -> set:
    """ids of the leaf tensors whose AccumulateGrad is reachable from the tensors in `output`."""
    from torchax._tensor import Tensor
    from torchax.autograd._graph import AccumulateGrad

    roots = [t.grad_fn for t in jax.tree.leaves(output, is_leaf=lambda x: isinstance(x, Tensor))
             if isinstance(t, Tensor) and t.grad_fn is not None]
    seen, out, stack = set(), set(), roots
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, AccumulateGrad):
            out.add(id(node.variable))
        stack.extend(e[0] for e in node._edges if e is not None)
    return out
