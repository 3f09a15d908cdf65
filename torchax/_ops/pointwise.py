"""Pointwise arithmetic: torch's binary and unary math ops, with torch's type promotion."""

from __future__ import annotations

import jax.numpy as jnp

from torchax import _dtype
from torchax._registry import op

__all__ = ["add", "sub", "mul", "div", "neg"]


@op(inplace=True, promote=("input", "other"), dynamic=("alpha",))
def add(input, other, *, alpha=1):
    """torch.add."""
    return input + other if _is_one(alpha) else input + other * jnp.asarray(alpha, other.dtype)


@op(inplace=True, promote=("input", "other"), dynamic=("alpha",))
def sub(input, other, *, alpha=1):
    """torch.sub."""
    if input.dtype == jnp.bool_:
        raise TypeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                        "Use the `^` or `logical_xor()` operator instead.")
    return input - other if _is_one(alpha) else input - other * jnp.asarray(alpha, other.dtype)


@op(inplace=True, promote=("input", "other"))
def mul(input, other):
    """torch.mul."""
    return input * other


def _is_one(alpha) -> bool:
    return isinstance(alpha, int) and alpha == 1  # a traced alpha is never skipped


def _inexact(x) -> bool:
    return jnp.issubdtype(x.dtype, jnp.inexact)


@op(inplace=True, promote=("input", "other"))
def div(input, other, *, rounding_mode=None):
    """torch.div: true division (integers divide in the default float dtype), or 'trunc'/'floor' rounding."""
    if rounding_mode is None:
        if not _inexact(input):
            input, other = (x.astype(_dtype.JNP[_dtype.get_default_dtype()]) for x in (input, other))
        return input / other
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                         f"'{rounding_mode}'")
    if not _inexact(input):
        q = jnp.floor_divide(input, other)
        if rounding_mode == "trunc":  # floor_divide rounds down; trunc rounds toward zero
            q = jnp.where((q < 0) & (q * other != input), q + 1, q)
        return q
    return (jnp.trunc if rounding_mode == "trunc" else jnp.floor)(input / other)


@op(inplace=True, promote=("input",))
def neg(input):
    """torch.neg."""
    if input.dtype == jnp.bool_:
        raise TypeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                        "invert a mask, use the `~` or `logical_not()` operator instead.")
    return -input

