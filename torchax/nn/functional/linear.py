"""torch.nn.functional: linear, bilinear."""

from __future__ import annotations

import math

import jax.numpy as jnp

from torchax._ops.linalg import cpp_name
from torchax._ops.linalg_common import HIGHEST
from torchax._registry import TorchIndexError, TorchRuntimeError, op

__all__ = ["linear", "bilinear", "linear_cross_entropy"]


def _add_bias(out, bias):
    if bias is None:
        return out
    b, o = bias.shape, out.shape
    if len(b) > len(o) or any(x not in (1, y) for x, y in zip(b[::-1], o[::-1])):
        raise TorchRuntimeError(f"The expanded size of the tensor ({out.shape[-1]}) must match the existing size "
                                f"({bias.shape[-1]}) at non-singleton dimension {out.ndim - 1}.  Target sizes: "
                                f"{list(out.shape)}.  Tensor sizes: {list(bias.shape)}")
    if bias.dtype != out.dtype:
        raise TorchRuntimeError(f"self and mat2 must have the same dtype, but got {_type(bias)} and {_type(out)}")
    return out + bias


def _type(x) -> str:
    from torchax import _dtype

    return _dtype.type_name(_dtype.from_jax(x.dtype))


@op(method=False)  # its grad_fn: autograd/_opdata.py GRAPHS
def linear(input, weight, bias=None):
    """torch.nn.functional.linear: input @ weight.T + bias (weight of shape (out, in) or (in,))."""
    if input.ndim == 0 or weight.ndim == 0:
        raise TorchRuntimeError(f"both arguments to linear need to be at least 1D, but they are {input.ndim}D and "
                                f"{weight.ndim}D")
    if weight.ndim > 2:
        raise TorchRuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {weight.ndim}D")
    if input.dtype != weight.dtype:
        raise TorchRuntimeError(f"expected m1 and m2 to have the same dtype, but got: {cpp_name(input)} != "
                                f"{cpp_name(weight)}")
    k = weight.shape[-1]
    if weight.ndim == 1 and bias is not None and input.ndim > 1:
        raise TorchRuntimeError("mat2 must be a matrix, got 1-D tensor")
    if input.shape[-1] != k:
        rows = math.prod(input.shape[:-1])
        wt = f"{k}x{weight.shape[0]}" if weight.ndim == 2 else f"{k}x1"
        raise TorchRuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and {wt})")
    out = jnp.matmul(input, weight.T, precision=HIGHEST).astype(input.dtype)
    return _add_bias(out, bias)


@op(method=False)
def bilinear(input1, input2, weight, bias=None):
    """torch.nn.functional.bilinear: y[..., o] = x1 @ weight[o] @ x2 + bias[o]."""
    if weight.ndim < 3:
        raise TorchIndexError(f"Dimension out of range (expected to be in range of [-{weight.ndim}, "
                              f"{weight.ndim - 1}], but got 2)")
    if input1.ndim != input2.ndim:
        raise TorchRuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}")
    for i in range(input1.ndim - 1):
        if input1.shape[i] != input2.shape[i]:
            raise TorchRuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got "
                                    f"{input1.shape[i]} and {input2.shape[i]}")
    if input1.shape[-1] != weight.shape[1]:
        raise TorchRuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
                                f"expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise TorchRuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
                                f"expected {weight.shape[2]}")
    if bias is not None and bias.ndim == 1 and bias.shape[0] != weight.shape[0]:
        raise TorchRuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but "
                                f"expected {weight.shape[0]}")
    out = jnp.einsum("...i,oij,...j->...o", input1, weight, input2, precision=HIGHEST)
    if bias is not None:
        out = out + bias
    return out


TOPLEVEL: dict = {"bilinear": bilinear}


def _norm_keep(v, p, dim):
    axes = tuple(d for d in range(v.ndim) if d != dim)
    return jnp.sum(jnp.abs(v) ** p, axis=axes, keepdims=True) ** (1.0 / p)


@op(method=False)
def norm_except_dim(v, pow=2, dim=0):
    """torch.norm_except_dim: the p-norm over every dim but `dim` (keeping dims); dim=-1 is the norm of all."""
    if dim == -1:
        return jnp.sum(jnp.abs(v) ** pow) ** (1.0 / pow)
    return _norm_keep(v, pow, dim % v.ndim)


@op(method=False)
def _weight_norm(v, g, dim=0):
    """torch._weight_norm: v * g / norm_except_dim(v, 2, dim)."""
    n = jnp.sqrt(jnp.sum(v * v)) if dim == -1 else _norm_keep(v, 2, dim % v.ndim)
    return v * (g / n)


TOPLEVEL.update(norm_except_dim=norm_except_dim, _weight_norm=_weight_norm)


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None, reduction="mean",
                         ignore_index=None, label_smoothing=0.0, options=None):
    """torch.nn.functional.linear_cross_entropy: cross_entropy(linear(input, linear_weight, linear_bias), target).

    linear_weight is (C, *out_features, in_features) (K-dimensional loss for out_features). torch's chunked path
    (`options`) is a memory optimisation with the same result: torchax always takes the reference path."""
    import warnings

    from torchax.nn.functional.loss import cross_entropy

    if input.dim() not in (1, 2):
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.dim()}")
    if linear_weight.dim() < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.dim()}")
    batches, in_features = tuple(input.shape[:-1]), input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError("expected equal input and linear_weight last dimensions (in_features), got "
                           f"{in_features} and {linear_weight.shape[-1]}, respectively")
    classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if out_features and not batches:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} requires "
                           f"batched input, (N, {in_features}), got unbatched input with shape {tuple(input.shape)}")
    logits_shape = (*batches, classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    if options is not None and (out_features or reduction not in {"mean", "sum", "none"} or label_smoothing != 0.0
                                or str(target.dtype) != "torch.int64"):
        warnings.warn("linear_cross_entropy: ``options`` ignored; chunked path needs reduction in "
                      "{'mean','sum','none'}, label_smoothing == 0, target.dtype == int64, out_features == ().",
                      stacklevel=2)
    if out_features:
        linear_weight = linear_weight.reshape((math.prod(out_features, start=classes), in_features))
        if linear_bias is not None:
            linear_bias = linear_bias.reshape(math.prod(out_features, start=classes))
    logits = linear(input, linear_weight, linear_bias).reshape(logits_shape)
    return cross_entropy(logits, target, weight, ignore_index=-100 if ignore_index is None else ignore_index,
                         reduction=reduction, label_smoothing=label_smoothing)
