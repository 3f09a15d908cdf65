"""torch.compile across the processes of a job: one compiled step as one SPMD program over the process mesh.

When a compiled function reaches a DistributedDataParallel module (or calls a collective) and the default group
has several processes, torchax.compile traces it under `jax.shard_map` over the group's mesh (one device per
process) with `spmd_axis` set, so DDP's gradient averaging (and every other collective) becomes `psum`-style ops
inside the one program. Every value the program reads or writes stays per process: a local array enters as this
process's shard of a global array (dim 0 split over the processes; a 0-d value as a (1,) shard) and comes back as
the local shard of the result. Parameters and optimizer state are therefore per-process replicas, as in torch.
"""

from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

from torchax._compile import _DiffProgram, _Program
from torchax.autograd._graph import Node, _apply_vjp
from torchax.distributed._runtime import _AXIS, WORLD, spmd_axis

__all__ = []

_LAYOUTS: dict = {}


def layout():
    """The layout of the default group's mesh (made once per group)."""
    pg = WORLD.pg
    lay = _LAYOUTS.get(id(pg))
    if lay is None or lay.group is not pg:
        lay = _LAYOUTS[id(pg)] = _Layout(pg)
    return lay


class _Layout:
    """How per-process values become shards of the global arrays an SPMD program takes, and back."""

    def __init__(self, group):
        devices = group.devices()
        self.group = group
        self.n = len(devices)
        self.mesh = Mesh(np.array(devices, dtype=object), (_AXIS,))
        self.sharding = NamedSharding(self.mesh, P(_AXIS))
        self.device = devices[group.rank()]

    def put(self, v):
        """This process's array `v` as its shard of a global array (a 0-d value as a (1,) shard)."""
        if v.ndim == 0:
            v = v.reshape(1)
        shape = (self.n * v.shape[0],) + v.shape[1:]
        try:
            return jax.make_array_from_single_device_arrays(shape, self.sharding, [v])
        except ValueError:  # not on this process's mesh device
            return jax.make_array_from_single_device_arrays(shape, self.sharding, [jax.device_put(v, self.device)])

    def floats(self, xs):
        """Python floats (learning rates) as one float64 vector per process."""
        return self.put(jax.device_put(np.asarray(xs, np.float64).reshape(-1), self.device))

    @staticmethod
    def get(g, scalar: bool):
        """This process's shard of the global result `g`."""
        x = g.addressable_data(0)
        return x.reshape(()) if scalar else x

    def trace(self, program, vals, hps, key):
        """Trace `program(vals, hps, key) -> (outputs, key)` (the local step) as a global SPMD program: returns the
        traced jit and, per output, whether it is 0-d."""
        impl = jax.random.key_impl(key)
        scal = tuple(v.ndim == 0 for v in vals)
        n_hps = len(hps)
        out_scal: list = []

        def body(gvals, ghps, kd):
            local = [x.reshape(()) if s else x for x, s in zip(gvals, scal)]
            with spmd_axis(_AXIS):
                outs, k = program(local, [ghps[i] for i in range(n_hps)], jax.random.wrap_key_data(kd, impl=impl))
            out_scal[:] = [o.ndim == 0 for o in outs]
            return [o.reshape(1) if o.ndim == 0 else o for o in outs], jax.random.key_data(k)

        fn = jax.shard_map(body, mesh=self.mesh, in_specs=P(_AXIS), out_specs=P(_AXIS), check_vma=False)
        sds = jax.ShapeDtypeStruct
        gvals = [sds((self.n * (v.shape[0] if v.ndim else 1),) + v.shape[1:], v.dtype) for v in vals]
        kd = jax.random.key_data(key)
        traced = jax.jit(fn).trace(gvals, sds((self.n * n_hps,), np.float64), sds((self.n * kd.shape[0],) +
                                                                                   kd.shape[1:], kd.dtype))
        return traced, tuple(out_scal)

    def inputs(self, vals, hps, key, uses_rng: bool):
        return ([self.put(v) for v in vals], [self.floats(hps)],
                self.put(jax.random.key_data(key)) if uses_rng else self._dummy(key))

    def _dummy(self, key):
        d = getattr(self, "_dummy_kd", None)
        if d is None:
            d = self._dummy_kd = self.put(jax.random.key_data(key))
        return d

    def outputs(self, outs, new_key, out_scal, key, uses_rng: bool):
        local = [self.get(o, s) for o, s in zip(outs, out_scal)]
        if uses_rng:
            key = jax.random.wrap_key_data(self.get(new_key, False), impl=jax.random.key_impl(key))
        return local, key


class SPMDProgram(_Program):
    """A compiled step run as one program over the process mesh."""

    custom = True

    def __init__(self, plan, closed, n_vals, uses_rng, keep, lay: _Layout, out_scal):
        super().__init__(plan, closed, n_vals, uses_rng, keep)
        self.layout, self.out_scal = lay, out_scal

    def call(self, snap, vals, hps, key):
        lay = self.layout
        gvals, ghps, gkey = lay.inputs(vals, hps, key, self.uses_rng)
        order, n = self.order, self.n_changed
        outs, new_key = self.jit_keep([gvals[i] for i in order[:n]], [gvals[i] for i in order[n:]], ghps, gkey)
        return lay.outputs(outs, new_key, self.out_scal, key, self.uses_rng)


class SPMDDiffProgram(_DiffProgram):
    """A compiled forward over the process mesh whose results carry gradients: its backward (the VJP) is a
    program over the mesh too."""

    def __init__(self, plan, closed, n_vals, uses_rng, keep, pre, grad_outs, lay: _Layout, out_scal):
        super().__init__(plan, closed, n_vals, uses_rng, keep, pre, grad_outs)
        self.layout, self.out_scal = lay, out_scal
        self._diff_scal = tuple(pre.storages[i].value.ndim == 0 for i in self.diff)

    def call(self, snap, vals, hps, key):
        lay = self.layout
        gvals, ghps, gkey = lay.inputs(vals, hps, key, self.uses_rng)
        vjp, (outs, new_key) = self.fwd([gvals[i] for i in self.diff], gvals, ghps, gkey)
        self._vjp = vjp
        return lay.outputs(outs, new_key, self.out_scal, key, self.uses_rng)

    def node(self, vjp, edges, meta, inputs):
        return _SPMDBackward(vjp, edges, meta, inputs, self.layout, self._diff_scal)


class _SPMDBackward(Node):
    """CompiledFunctionBackward of a forward run over the process mesh: the cotangents enter as shards of global
    arrays, the VJP runs as one program over the mesh, the gradients come back as this process's shards."""

    __slots__ = ("_layout", "_in_scal")
    _jax_cts = True

    def __init__(self, vjp, edges, meta, inputs, lay, in_scal):
        super().__init__("CompiledFunctionBackward", vjp, edges, meta, inputs=inputs, multi=True)
        self._layout, self._in_scal = lay, in_scal

    def _apply(self, cts: list, create_graph: bool) -> list:
        self._check_saved()
        if self._released:
            return super()._apply(cts, create_graph)  # torch's error
        import jax.numpy as jnp

        lay = self._layout
        full = tuple(lay.put(jnp.zeros(shape, dt) if ct is None else ct)
                     for ct, (shape, dt, _) in zip(cts, self._out_meta))
        grads = _apply_vjp(self._vjp, full)
        return [lay.get(g, s) for g, s in zip(grads, self._in_scal)]
