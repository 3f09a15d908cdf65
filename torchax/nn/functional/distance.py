"""torch.nn.functional: cosine_similarity, pairwise_distance, pdist.

`vector_norm` gives torch's norm gradients where JAX's would be NaN or split: 0 at a zero vector, sign(x) for
p=1, and for p=inf an equal share among tied maxima (pdist gives each tied element the whole gradient, as torch).
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np
from jax import lax

from torchax import _dtype
from torchax._registry import TorchRuntimeError, op
from torchax._tensor import _TYPE_NAME, _wrap_dim
from torchax.nn.functional.activation import safe_abs

__all__ = ["cosine_similarity", "pairwise_distance", "pdist"]
# torch.<name> functions that torch also exposes at top level (signatures may differ from F.<name>)
TOPLEVEL: dict = {}


def _safe_root(s, p):
    """s ** (1/p) with a zero gradient at s == 0 (torch masks the norm's gradient at a zero vector)."""
    zero = s == 0
    out = jnp.where(zero, jnp.ones((), s.dtype), s) ** (1 / p)
    return jnp.where(zero, jnp.zeros((), s.dtype), out)


def vector_norm(x, p, axis=None, keepdims=False, split_ties=True):
    """torch.linalg.vector_norm's value and gradient conventions (see the module docstring)."""
    a = safe_abs(x)
    if p == 0:
        return jnp.sum((x != 0).astype(x.dtype), axis=axis, keepdims=keepdims)
    if math.isinf(p):
        if split_ties:
            return jnp.max(a, axis=axis, keepdims=keepdims) if p > 0 else jnp.min(a, axis=axis, keepdims=keepdims)
        m = lax.stop_gradient(jnp.max(a, axis=axis, keepdims=True) if p > 0 else jnp.min(a, axis=axis, keepdims=True))
        out = m + jnp.sum(jnp.where(a == m, a - lax.stop_gradient(a), 0), axis=axis, keepdims=True)
        return out if keepdims else jnp.squeeze(out, axis)
    if p == 1:
        return jnp.sum(a, axis=axis, keepdims=keepdims)
    if p == 2:
        return _safe_root(jnp.sum(x * x, axis=axis, keepdims=keepdims), 2)
    return _safe_root(jnp.sum(a ** p, axis=axis, keepdims=keepdims), p)


def _floating(x, y, name: str):
    dt = _dtype.from_jax(x.dtype)
    if not dt.is_floating_point:
        raise TorchRuntimeError(f"expected common dtype to be floating point, yet common dtype is {_TYPE_NAME(dt)}")


@op(method=False, promote=("x1", "x2"), dynamic=("eps",), grad_name="SumBackward1")
def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """torch.cosine_similarity: sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps)) along dim.

    As torch, the clamp to eps does not take part in the gradient (the norm's gradient flows as if unclamped).
    """
    _floating(x1, x2, "cosine_similarity")
    shape = jnp.broadcast_shapes(x1.shape, x2.shape)
    x1, x2 = jnp.broadcast_to(x1, shape), jnp.broadcast_to(x2, shape)
    d = _wrap_dim(dim, len(shape))
    if not shape:
        d = None

    def unit(x):
        n = vector_norm(x, 2, d, keepdims=True)
        n = jnp.where(n < eps, jnp.asarray(eps, n.dtype) + (n - lax.stop_gradient(n)), n)
        return x / n

    return jnp.sum(unit(x1) * unit(x2), axis=d)


@op(method=False, promote=("x1", "x2"), dynamic=("eps",), grad_name="NormBackward1")
def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """torch.pairwise_distance: ||x1 - x2 + eps||_p over the last dimension."""
    if x1.dtype == jnp.bool_:
        raise TorchRuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
                                "or `logical_xor()` operator instead.")
    diff = x1 - x2
    if not jnp.issubdtype(diff.dtype, jnp.inexact):
        diff = diff.astype(_dtype.JNP[_dtype.get_default_dtype()])
    diff = diff + jnp.asarray(eps, diff.dtype)
    axis = -1 if diff.ndim else None
    return vector_norm(diff, p, axis, keepdims=keepdim and diff.ndim > 0)


@op(method=False, grad_name="PdistBackward0")
def pdist(input, p=2):
    """torch.pdist: p-norm distances between every pair of rows i < j of a 2-D input."""
    if input.ndim != 2:
        raise TorchRuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if not jnp.issubdtype(input.dtype, jnp.floating):
        raise TorchRuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise TorchRuntimeError("pdist only supports non-negative p values")
    i, j = np.triu_indices(input.shape[0], 1)
    diff = input[i] - input[j]
    return vector_norm(diff, p, 1, split_ties=False)


TOPLEVEL.update(cosine_similarity=cosine_similarity, pairwise_distance=pairwise_distance, pdist=pdist)
