"""torch.nn.SyncBatchNorm: batch norm whose training statistics cover the batch of every process in the group."""

from __future__ import annotations

from torchax.autograd.function import Function
from torchax.distributed import _bodies, _runtime
from torchax.nn import functional as F
from torchax.nn.modules.batchnorm import _BatchNorm

__all__ = ["SyncBatchNorm"]


class _AllGather(Function):
    """all_gather with a gradient: each rank's input gets the sum over ranks of the gradient of its row."""

    @staticmethod
    def forward(ctx, x, group):
        from torchax._tensor import wrap

        ctx.group = group
        return wrap(_runtime.run(group, _bodies.all_gather, x._value))

    @staticmethod
    def backward(ctx, grad):
        from torchax._tensor import wrap

        summed = _runtime.run(ctx.group, _bodies.all_reduce, grad._value, "SUM")
        rank = _runtime.require_init(ctx.group).rank() if not _runtime.WORLD.spmd_axis else None
        if rank is None:  # traced: this shard's row
            import jax

            return wrap(jax.lax.dynamic_index_in_dim(summed, jax.lax.axis_index(_runtime.WORLD.spmd_axis), 0,
                                                     keepdims=False)), None
        return wrap(summed[rank]), None


def _sync_batch_norm(input, weight, bias, running_mean, running_var, eps, momentum, group):
    """Normalise with the mean and biased variance of every rank's batch (combined from per-rank mean, variance
    and count, which is exact for uneven batches); update the running stats with the unbiased variance."""
    import torchax

    c = input.shape[1]
    dims = [0] + list(range(2, input.dim()))
    count = input.numel() // c
    mean_l = input.mean(dims)
    var_l = input.var(dims, unbiased=False)
    stats = torchax.stack([mean_l, var_l, torchax.full_like(mean_l, float(count))])
    g = _AllGather.apply(stats, group)  # (n, 3, C)
    counts = g[:, 2]
    total = counts.sum(0)
    mean = (g[:, 0] * counts).sum(0) / total
    var = ((g[:, 1] + (g[:, 0] - mean) ** 2) * counts).sum(0) / total
    shape = [1, c] + [1] * (input.dim() - 2)
    out = (input - mean.view(shape)) * torchax.rsqrt(var + eps).view(shape)
    if weight is not None:
        out = out * weight.view(shape)
    if bias is not None:
        out = out + bias.view(shape)
    if running_mean is not None:
        with torchax.no_grad():
            running_mean.mul_(1 - momentum).add_(mean.detach() * momentum)
            unbiased = var.detach() * total / (total - 1).clamp(min=1)
            running_var.mul_(1 - momentum).add_(unbiased.to(running_var.dtype) * momentum)
    return out


class SyncBatchNorm(_BatchNorm):
    """torch.nn.SyncBatchNorm: in training, statistics over the whole group's batch (an all_gather of per-rank
    mean/variance/count whose backward all-reduces the gradient); in eval or alone, plain batch norm."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None, *, bias=True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device=device, dtype=dtype,
                         bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input):
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def _check_non_zero_input_channels(self, input):
        if input.size(1) == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")

    def forward(self, input):
        self._check_input_dim(input)
        self._check_non_zero_input_channels(input)
        factor = self._average_factor()
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        use_stats = not self.training or self.track_running_stats
        rm = self.running_mean if use_stats else None
        rv = self.running_var if use_stats else None
        group = self.process_group
        sync = bn_training and self.training and _runtime.WORLD.pg is not None
        if sync:
            group = _runtime.require_init(group)
            sync = group.size() > 1 or _runtime.WORLD.spmd_axis is not None
        if not sync:
            return F.batch_norm(input, rm, rv, self.weight, self.bias, bn_training, factor, self.eps)
        if input.numel() == 0:
            raise ValueError("SyncBatchNorm does not support empty inputs")
        return _sync_batch_norm(input, self.weight, self.bias, rm, rv, self.eps, factor, group)

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """torch.nn.SyncBatchNorm.convert_sync_batchnorm: every BatchNorm*D layer in `module` becomes a
        SyncBatchNorm sharing its parameters and buffers."""
        from torchax.nn.modules.batchnorm import _BatchNorm as Base

        out = module
        if isinstance(module, Base) and not isinstance(module, SyncBatchNorm):
            out = SyncBatchNorm(module.num_features, module.eps, module.momentum, module.affine,
                                module.track_running_stats, process_group)
            if module.affine:
                with _state_no_grad():
                    out.weight = module.weight
                    out.bias = module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
            if hasattr(module, "qconfig"):
                out.qconfig = module.qconfig
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        del module
        return out


def _state_no_grad():
    from torchax.autograd import no_grad

    return no_grad()
