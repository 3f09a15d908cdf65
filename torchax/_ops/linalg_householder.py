"""Householder QR in LAPACK's compact form: torch.geqrf and torch.ormqr (multiply by its Q without forming it)."""

from __future__ import annotations

import jax.numpy as jnp

from torchax._ops import linalg_common as lc
from torchax._registry import TorchRuntimeError, op, structseq

__all__ = ["geqrf", "ormqr"]

_GeqrfResult = structseq("geqrf", ("a", "tau"))


@op(result=_GeqrfResult, differentiable=False)
def geqrf(input):
    """torch.geqrf: LAPACK's geqrf, R above the diagonal and the reflectors' vectors below, and their scales tau
    (torch has no gradient for it)."""
    if input.ndim < 2:
        raise TorchRuntimeError("torch.geqrf: The input tensor A must have at least 2 dimensions.")
    if not lc.is_inexact(input) or lc.is_low(input):
        lc.not_implemented("geqrf_cpu", input)
    h, tau = jnp.linalg.qr(input, mode="raw")  # h is the transposed LAPACK array
    return jnp.swapaxes(h, -1, -2), tau


def _reflector(a, i):
    """v_i: 1 at row i, the stored vector below it, 0 above."""
    rows = jnp.arange(a.shape[-2])
    return jnp.where(rows == i, 1, jnp.where(rows > i, a[..., :, i], 0)).astype(a.dtype)


@op()
def ormqr(input, tau, other, left=True, transpose=False):
    """torch.ormqr: Q @ other, Q^H @ other (transpose), other @ Q or other @ Q^H (left=False), Q = H_1 ... H_k the
    product of geqrf's reflectors H_i = I - tau_i v_i v_i^H, applied one by one (differentiable in all three)."""
    fname = "torch.ormqr"
    if input.ndim < 2 or other.ndim < 2:
        raise TorchRuntimeError(f"{fname}: input and other must have at least 2 dimensions.")
    if tau.ndim != input.ndim - 1:
        raise TorchRuntimeError(f"{fname}: input.dim() must be greater than or equal to 2")
    m = input.shape[-2]
    k = tau.shape[-1]
    if k > input.shape[-1]:
        raise TorchRuntimeError(f"{fname}: tau.shape[-1] must be less than or equal to input.shape[-1]")
    if (other.shape[-2] if left else other.shape[-1]) != m:
        which = "other.shape[-2]" if left else "other.shape[-1]"
        raise TorchRuntimeError(f"{fname}: {which} must be equal to input.shape[-2]")
    if input.shape[:-2] != other.shape[:-2] or tau.shape[:-1] != input.shape[:-2]:
        raise TorchRuntimeError(f"{fname}: Expected batch dimensions of input, tau and other to be equal")
    if tau.dtype != input.dtype or other.dtype != input.dtype:
        raise TorchRuntimeError(f"{fname}: Expected input, tau and other to have the same dtype, but got "
                                f"{lc.type_name(input)}, {lc.type_name(tau)} and {lc.type_name(other)}")
    if not lc.is_inexact(input) or lc.is_low(input):
        lc.not_implemented("ormqr_cpu", input)
    # Q C applies H_k first; Q^H C applies H_1^H first; C Q applies H_1 first; C Q^H applies H_k^H first
    order = range(k) if left == transpose else reversed(range(k))
    c = other
    for i in order:
        v = _reflector(input, i)
        t = tau[..., i, None, None]
        t = jnp.conj(t) if transpose else t
        if left:
            c = c - t * v[..., :, None] * jnp.matmul(jnp.conj(v)[..., None, :], c, precision=lc.HIGHEST)
        else:
            c = c - t * jnp.matmul(c, v[..., :, None], precision=lc.HIGHEST) * jnp.conj(v)[..., None, :]
    return c
