"""torch.nn.functional: batch_norm, layer_norm, group_norm, instance_norm, local_response_norm, rms_norm, normalize.

One kernel per normalization. Training-mode batch/instance norm also return the new running statistics (without
gradient); the wrappers write them into the running buffers in place, under no_grad, as torch updates them.
float16/bfloat16 inputs compute in float32 (torch's CPU kernels use float accumulation) and round once.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
from jax import lax

from torchax._registry import TorchRuntimeError, op, warn_once
from torchax._tensor import _TYPE_NAME
from torchax.autograd.grad_mode import no_grad
from torchax.nn.functional.activation import need_float, not_implemented, opmath
from torchax.nn.functional.distance import vector_norm

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "local_response_norm", "rms_norm", "normalize"]
# torch.<name> functions that torch also exposes at top level (signatures may differ from F.<name>)
TOPLEVEL: dict = {}

_HALF = (jnp.float16, jnp.bfloat16)


def _check_params(input, kernel: str, params: dict) -> None:
    """torch's CPU rule: parameters share the input's dtype, or are all float32 for a float16/bfloat16 input."""
    if not jnp.issubdtype(input.dtype, jnp.floating):
        raise not_implemented(kernel, input.dtype)
    dts = [p.dtype for p in params.values() if p is not None]
    if all(d == input.dtype for d in dts):
        return
    if input.dtype not in _HALF:
        raise TorchRuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    if not all(d == jnp.float32 for d in dts):
        raise TorchRuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float")


def _affine(y, weight, bias, shape):
    if weight is not None:
        y = y * opmath(weight).reshape(shape)
    if bias is not None:
        y = y + opmath(bias).reshape(shape)
    return y


# --- batch norm ----------------------------------------------------------------------------------------------


def _check_numel(name: str, t, channels: int) -> None:
    if t is not None and t.size != channels:
        raise TorchRuntimeError(f"{name} should contain {channels} elements not {t.size}")


@op("batch_norm", method=False, dynamic=("momentum", "eps"), grad_name="NativeBatchNormBackward0")
def _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """Returns the output, and in training with running stats also the new (running_mean, running_var)."""
    params = dict(weight=weight, bias=bias, running_mean=running_mean, running_var=running_var)
    _check_params(input, "batch_norm", params)
    channels = input.shape[1] if input.ndim > 1 else 0
    for name, t in params.items():
        _check_numel(name, t, channels)
    if not training and running_mean is None:
        raise TorchRuntimeError("running_mean must be defined in evaluation mode")
    if not training and running_var is None:
        raise TorchRuntimeError("running_var must be defined in evaluation mode")
    x = opmath(input)
    axes = (0, *range(2, input.ndim))
    shape = [1] * input.ndim
    shape[1] = channels
    if training:
        mean = jnp.mean(x, axis=axes, keepdims=True)
        var = jnp.mean(jnp.square(x - mean), axis=axes, keepdims=True)
    else:
        mean, var = opmath(running_mean).reshape(shape), opmath(running_var).reshape(shape)
    y = _affine((x - mean) * lax.rsqrt(var + eps), weight, bias, shape).astype(input.dtype)
    if not (training and running_mean is not None):
        return y
    n = x.size // max(channels, 1)
    mean, var = lax.stop_gradient(mean.reshape(-1)), lax.stop_gradient(var.reshape(-1))
    new_mean = (momentum * mean + (1 - momentum) * running_mean).astype(running_mean.dtype)
    unbiased = var * (n / (n - 1) if n > 1 else math.nan)
    new_var = momentum * unbiased + (1 - momentum) * running_var
    return y, new_mean, new_var.astype(running_var.dtype)


def _update_running(running_mean, running_var, outs):
    """Write the kernel's new running statistics into the buffers (the same tensor objects, as torch)."""
    y, new_mean, new_var = outs
    with no_grad():
        running_mean._inplace(new_mean)
        running_var._inplace(new_var)
    return y


def _torch_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled):
    """torch.batch_norm."""
    if (running_mean is None) != (running_var is None) and training:
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    out = _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)
    if training and running_mean is not None:
        return _update_running(running_mean, running_var, out)
    return out


def _verify_batch_size(size) -> None:
    prod = size[0]
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """torch.nn.functional.batch_norm: updates running_mean/running_var in place when training."""
    if training:
        _verify_batch_size(input.size())
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    return _torch_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, False)


# --- instance norm --------------------------------------------------------------------------------------------


@op("instance_norm", method=False, dynamic=("momentum", "eps"), grad_name="NativeBatchNormBackward0")
def _instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps):
    """batch_norm over each (sample, channel); the running stats move by the batch average of the updates."""
    params = dict(weight=weight, bias=bias, running_mean=running_mean, running_var=running_var)
    _check_params(input, "batch_norm", params)
    if not use_input_stats and (running_mean is None or running_var is None):
        raise TorchRuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
    if input.ndim < 2:
        raise TorchRuntimeError(f"instance_norm: expected at least 2-D input, got {input.ndim}-D")
    channels = input.shape[1]
    for name, t in params.items():
        _check_numel(name, t, channels)
    x = opmath(input)
    axes = tuple(range(2, input.ndim))
    shape = [1] * input.ndim
    shape[1] = channels
    if use_input_stats:
        mean = jnp.mean(x, axis=axes, keepdims=True)
        var = jnp.mean(jnp.square(x - mean), axis=axes, keepdims=True)
    else:
        mean, var = opmath(running_mean).reshape(shape), opmath(running_var).reshape(shape)
    y = _affine((x - mean) * lax.rsqrt(var + eps), weight, bias, shape).astype(input.dtype)
    if not (use_input_stats and running_mean is not None):
        return y
    n = math.prod(input.shape[2:])
    mean = lax.stop_gradient(mean.reshape(input.shape[:2]))
    var = lax.stop_gradient(var.reshape(input.shape[:2])) * (n / (n - 1) if n > 1 else math.nan)
    new_mean = (momentum * mean + (1 - momentum) * running_mean).astype(running_mean.dtype).mean(0)
    new_var = (momentum * var + (1 - momentum) * running_var).astype(running_var.dtype).mean(0)
    return y, new_mean, new_var


def _torch_instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps,
                         cudnn_enabled):
    """torch.instance_norm."""
    out = _instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps)
    if use_input_stats and running_mean is not None:
        return _update_running(running_mean, running_var, out)
    return out


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """torch.nn.functional.instance_norm."""
    if use_input_stats:
        size = input.size()
        if math.prod(size[2:]) == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {size}")
    return _torch_instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, False)


# --- layer norm, group norm, rms norm --------------------------------------------------------------------------


def _check_normalized_shape(input, normalized_shape, weight, bias, star="*, "):
    shape = tuple(normalized_shape)
    if not shape:
        raise TorchRuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least "
                                f"one element, but got normalized_shape = {list(shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise TorchRuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of "
                                    f"shape {list(t.shape)} and normalized_shape = {list(shape)}")
    if input.ndim < len(shape) or tuple(input.shape[input.ndim - len(shape):]) != shape:
        expected = star + ", ".join(map(str, shape))
        raise TorchRuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [{expected}], but "
                                f"got input of size{list(input.shape)}")
    return tuple(range(input.ndim - len(shape), input.ndim))


@op("layer_norm", method=False, dynamic=("eps",), grad_name="NativeLayerNormBackward0")
def _layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    axes = _check_normalized_shape(input, normalized_shape, weight, bias)
    _check_params(input, "LayerNormKernelImpl", dict(weight=weight, bias=bias))
    x = opmath(input)
    mean = jnp.mean(x, axis=axes, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), axis=axes, keepdims=True)
    shape = [1] * (input.ndim - len(axes)) + list(normalized_shape)
    return _affine((x - mean) * lax.rsqrt(var + eps), weight, bias, shape).astype(input.dtype)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """torch.nn.functional.layer_norm."""
    return _layer_norm(input, _shape("layer_norm", normalized_shape), weight, bias, eps)


def _torch_layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    """torch.layer_norm."""
    return _layer_norm(input, _shape("layer_norm", normalized_shape), weight, bias, eps)


def _shape(fn: str, s) -> tuple:
    """normalized_shape as a tuple; torch's functions take no plain int (the modules do)."""
    if not isinstance(s, (tuple, list)):
        raise TypeError(f"{fn}(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
                        f"{type(s).__name__}")
    return tuple(int(n) for n in s)


@op("group_norm", method=False, dynamic=("eps",), grad_name="NativeGroupNormBackward0")
def _group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    n, c = input.shape[:2]
    if c % num_groups:
        raise TorchRuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input "
                                f"of shape {list(input.shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.ndim != 1 or t.size != c):
            raise TorchRuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in "
                                    f"input, but got {name} of shape {list(t.shape)} and input of shape "
                                    f"{list(input.shape)}")
    _check_params(input, "GroupNormKernelImpl", dict(weight=weight, bias=bias))
    x = opmath(input).reshape(n, num_groups, -1)
    mean = jnp.mean(x, axis=2, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), axis=2, keepdims=True)
    y = ((x - mean) * lax.rsqrt(var + eps)).reshape(input.shape)
    shape = [1] * input.ndim
    shape[1] = c
    return _affine(y, weight, bias, shape).astype(input.dtype)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """torch.nn.functional.group_norm."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    size = input.size()
    _verify_batch_size([size[0] * size[1] // num_groups, num_groups, *size[2:]])
    return _group_norm(input, num_groups, weight, bias, eps)


def _torch_group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    """torch.group_norm."""
    return _group_norm(input, num_groups, weight, bias, eps)


@op("rms_norm", method=False, grad_name="MulBackward0")
def _rms_norm(input, normalized_shape, weight=None, eps=None):
    axes = _check_normalized_shape(input, normalized_shape, weight, None, star="*")
    need_float(input, "rms_norm")
    x = opmath(input)
    if eps is None:  # NOTE: the epsilon of the compute type (float32 for float16/bfloat16), as torch
        eps = float(jnp.finfo(x.dtype).eps)
    y = x * lax.rsqrt(jnp.mean(jnp.square(x), axis=axes, keepdims=True) + eps)
    if weight is not None:
        y = y * opmath(weight)
    return y.astype(input.dtype)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """torch.nn.functional.rms_norm (eps=None: the epsilon of the input's compute type)."""
    if weight is not None and weight.dtype != input.dtype:
        warn_once("rms_norm_dtype", f"Mismatch dtype between input and weight: input dtype = "
                                    f"{_C10[input.dtype.name]}, weight dtype = {_C10[weight.dtype.name]}, Cannot "
                                    "dispatch to fused implementation.")
    return _rms_norm(input, _shape("rms_norm", normalized_shape), weight, eps)


_C10 = {"bfloat16": "c10::BFloat16", "float16": "c10::Half", "float32": "float", "float64": "double"}


# --- local response norm, normalize ----------------------------------------------------------------------------


@op("local_response_norm", method=False, grad_name="DivBackward0")
def _local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    need_float(input, "avg_pool2d")
    x = opmath(input)
    sq = jnp.square(x)
    pad = [(0, 0)] * x.ndim
    pad[1] = (size // 2, (size - 1) // 2)
    sq = jnp.pad(sq, pad)
    c = x.shape[1]
    window = sum(lax.slice_in_dim(sq, i, i + c, axis=1) for i in range(size))
    div = (window / size * alpha + k) ** beta
    return (x / div).astype(input.dtype)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """torch.nn.functional.local_response_norm (a window of `size` channels)."""
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    return _local_response_norm(input, size, alpha, beta, k)


@op("normalize", method=False, dynamic=("eps",), grad_name="DivBackward0")
def _normalize(input, p=2.0, dim=1, eps=1e-12):
    if not jnp.issubdtype(input.dtype, jnp.inexact):
        raise TorchRuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                                f"{_TYPE_NAME(input.dtype)}")
    x = opmath(input)
    norm = vector_norm(x, p, dim, keepdims=True)
    denom = jnp.where(norm < eps, jnp.asarray(eps, norm.dtype), norm)  # clamp_min: no gradient below eps
    return (x / denom).astype(input.dtype)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """torch.nn.functional.normalize: input / max(||input||_p, eps) along dim."""
    if isinstance(dim, list):
        dim = tuple(dim)
    result = _normalize(input, p, dim, eps)
    if out is not None:
        out._set_from(result)
        return out
    return result


TOPLEVEL.update(
    batch_norm=_torch_batch_norm, instance_norm=_torch_instance_norm, layer_norm=_torch_layer_norm,
    group_norm=_torch_group_norm, rms_norm=rms_norm,
)
