"""torch.nn.DataParallel on one process's local JAX devices, through shardings (pmap semantics, one program).

The parameters and buffers are replicated over a 1-D mesh of the devices (the replicas are the same Tensors, so
they share parameters), each tensor input is split along `dim` over the mesh, and the module runs once: every
jitted op then runs SPMD on all devices, and XLA sums the replicated parameters' gradients across devices. The
output stays split over the devices (its values are what torch gathers on `output_device`). Batch statistics
(BatchNorm) cover the whole batch, as a single-device step computes them.
"""

from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

from torchax.autograd.function import Function
from torchax.nn.modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


def _index(d) -> int:
    if isinstance(d, int):
        return d
    idx = getattr(d, "index", None)
    return 0 if idx is None else idx


class DataParallel(Module):
    """torch.nn.DataParallel: split each batch over this process's devices; `.module` holds the wrapped module."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0) -> None:
        super().__init__()
        self.module = module
        devices = jax.local_devices()
        if device_ids is None:
            # NOTE: torch on a machine without an accelerator keeps `device_ids == []` and runs the module as is;
            # a single CPU device is that case (several simulated CPU devices are split over, as GPUs would be)
            single_cpu = len(devices) == 1 and devices[0].platform == "cpu"
            ids = [] if single_cpu else list(range(len(devices)))
        else:
            ids = [_index(d) for d in device_ids]
        for i in ids:
            if not 0 <= i < len(devices):
                raise AssertionError(f"Invalid device id {i}: this process has {len(devices)} devices")
        self.device_ids = ids
        self._mesh = None
        if not ids:  # as torch without an accelerator: no output_device / src_device_obj / dim attributes
            return
        self.output_device = ids[0] if output_device is None else _index(output_device)
        self.dim = dim
        self.src_device_obj = devices[ids[0]]
        self._mesh = Mesh(np.array([devices[i] for i in ids], dtype=object), ("dp",)) if len(ids) > 1 else None

    def _replicate(self) -> None:
        """Every parameter and buffer replicated on the mesh (once; again for a tensor replaced since)."""
        rep = NamedSharding(self._mesh, P())
        for t in list(self.module.parameters()) + list(self.module.buffers()):
            v = t._value
            if isinstance(v, jax.core.Tracer) or v.sharding == rep:
                continue
            t._write(jax.device_put(v, rep))

    def _split(self, x):
        """A tensor input split along `dim` over the devices (left whole when it does not divide evenly)."""
        from torchax._tensor import Tensor, wrap

        n = len(self.device_ids)
        if not isinstance(x, Tensor) or x.dim() <= self.dim or x.shape[self.dim] % n or x.requires_grad:
            return x
        spec = NamedSharding(self._mesh, P(*([None] * self.dim + ["dp"])))
        v = x._value
        if isinstance(v, jax.core.Tracer):
            return wrap(jax.lax.with_sharding_constraint(v, spec))
        return wrap(jax.device_put(v, spec))

    def forward(self, *inputs, **kwargs):
        if self._mesh is None:
            return self.module(*inputs, **kwargs)
        from torchax._tensor import Tensor

        self._replicate()
        is_tensor = lambda x: isinstance(x, Tensor)  # noqa: E731
        inputs, kwargs = jax.tree.map(self._split, (inputs, kwargs), is_leaf=is_tensor)
        return jax.tree.map(self._gather, self.module(*inputs, **kwargs), is_leaf=is_tensor)

    def _gather(self, x):
        """An output moved onto `output_device`, as torch gathers it (differentiable: the transfer's transpose
        sends the gradient back to the devices)."""
        from torchax._tensor import Tensor

        if not isinstance(x, Tensor) or isinstance(x._value, jax.core.Tracer):
            return x
        return _Gather.apply(x, jax.local_devices()[self.output_device])


class _Gather(Function):
    """Move a tensor onto one device; its gradient goes back to where the tensor was."""

    @staticmethod
    def forward(ctx, x, device):
        from torchax._tensor import wrap

        ctx.sharding = x._value.sharding
        return wrap(jax.device_put(x._value, device))

    @staticmethod
    def backward(ctx, grad):
        from torchax._tensor import wrap

        return wrap(jax.device_put(grad._value, ctx.sharding)), None


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """torch.nn.parallel.data_parallel: one DataParallel call."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return DataParallel(module, device_ids, output_device, dim)(*inputs, **(module_kwargs or {}))
