"""torch.native_layer_norm / native_group_norm / native_batch_norm: the normalisations with their saved statistics.

Composed from torchax ops (autograd follows): each returns (output, mean, rstd) as ATen's kernels do.
"""

from __future__ import annotations

from torchax._registry import TorchRuntimeError, composite

__all__ = ["native_layer_norm", "native_group_norm", "native_batch_norm", "_native_batch_norm_legit"]


def _affine(out, weight, bias, shape):
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


@composite(method=False)
def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """torch.native_layer_norm: (output, mean, rstd), the statistics of shape input.shape[:axis] + (1,) * k."""
    shape = list(normalized_shape)
    if not shape:
        raise TorchRuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least "
                                "one element, but got normalized_shape = []")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and list(t.shape) != shape:
            raise TorchRuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                                    f"shape {list(t.shape)} and normalized_shape = {shape}")
    k = len(shape)
    if input.ndim < k or list(input.shape[input.ndim - k:]) != shape:
        raise TorchRuntimeError(f"Given normalized_shape={shape}, expected input with shape [*, "
                                f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    dims = list(range(input.ndim - k, input.ndim))
    mean = input.mean(dims, keepdim=True)
    var = input.var(dims, unbiased=False, keepdim=True)
    rstd = (var + eps).rsqrt()
    out = _affine((input - mean) * rstd, weight, bias, tuple(normalized_shape))
    return out, mean, rstd


@composite(method=False)
def native_group_norm(input, weight, bias, N, C, HxW, group, eps):
    """torch.native_group_norm: (output, mean, rstd) with statistics of shape (N, group)."""
    x = input.reshape(N, group, -1)
    mean = x.mean(-1, keepdim=True)
    rstd = (x.var(-1, unbiased=False, keepdim=True) + eps).rsqrt()
    out = ((x - mean) * rstd).reshape(input.shape)
    out = _affine(out, weight, bias, (1, C) + (1,) * (input.ndim - 2))
    return out, mean.reshape(N, group), rstd.reshape(N, group)


@composite(method=False)
def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """torch.native_batch_norm: (output, save_mean, save_invstd); training updates the running statistics in place
    (unbiased variance), evaluation uses them and saves empty statistics."""
    from torchax._ops.creation import empty
    from torchax.autograd.grad_mode import no_grad

    shape = (1, -1) + (1,) * (input.ndim - 2)
    dims = [0] + list(range(2, input.ndim))
    if training:
        mean = input.mean(dims)
        var = input.var(dims, unbiased=False)
        invstd = (var + eps).rsqrt()
        if running_mean is not None or running_var is not None:
            n = input.numel() // input.shape[1]
            with no_grad():
                if running_mean is not None:
                    running_mean.mul_(1 - momentum).add_(mean.detach() * momentum)
                if running_var is not None:
                    running_var.mul_(1 - momentum).add_(var.detach() * (momentum * n / max(n - 1, 1)))
        out = (input - mean.reshape(shape)) * invstd.reshape(shape)
        return _affine(out, weight, bias, shape), mean, invstd
    out = (input - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).rsqrt()
    saved = empty((0,), dtype=input.dtype)
    return _affine(out, weight, bias, shape), saved, saved.clone()


@composite(method=False)
def _native_batch_norm_legit(input, weight, bias, *args):
    """torch._native_batch_norm_legit: native_batch_norm with running statistics
    (input, weight, bias, running_mean, running_var, training, momentum, eps) or without them
    (input, weight, bias, training, momentum, eps: batch statistics, nothing updated)."""
    if len(args) == 3:
        training, momentum, eps = args
        if not training:
            raise RuntimeError("_native_batch_norm_legit without running statistics needs training=True")
        return native_batch_norm(input, weight, bias, None, None, True, momentum, eps)
    running_mean, running_var, training, momentum, eps = args
    return native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)
