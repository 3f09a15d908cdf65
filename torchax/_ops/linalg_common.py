"""Helpers shared by the linear-algebra ops: torch's error types and messages, argument checks, LAPACK-style
`info` codes turned into LinAlgError, and small array utilities."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from torchax._registry import (
    TorchIndexError,
    TorchNotImplementedError,
    TorchRuntimeError,
    _write_out,
    broadcast_shapes,
)
from torchax._tensor import _TYPE_NAME, Tensor, _wrap_dim

HIGHEST = lax.Precision.HIGHEST


def wrap_dim(dim: int, ndim: int) -> int:
    """torch's dim wrapping, with its IndexError passing through the dispatcher unchanged."""
    try:
        return _wrap_dim(dim, ndim)
    except IndexError as e:
        raise TorchIndexError(str(e)) from None


def type_name(x) -> str:
    """torch's ScalarType name of an array's dtype: Float, Double, Long, ..."""
    return _TYPE_NAME(x.dtype)


def not_implemented(kernel: str, x):
    raise TorchNotImplementedError(f'"{kernel}" not implemented for \'{type_name(x)}\'')


def is_low(x) -> bool:
    return x.dtype in (jnp.float16, jnp.bfloat16)


def is_inexact(x) -> bool:
    return jnp.issubdtype(x.dtype, jnp.inexact)


def check_inexact(fname: str, x, arg="input", low=None):
    """Floating/complex input; `low` says how half/bfloat16 fail: "message", a kernel name, or None (allowed)."""
    if not is_inexact(x):
        raise TorchRuntimeError(f"{fname}: Expected a floating point or complex tensor as {arg}. "
                                f"Got {type_name(x)}")
    if low and is_low(x):
        if low == "message":
            raise TorchRuntimeError(f"{fname}: Low precision dtypes not supported. Got {type_name(x)}")
        not_implemented(low, x)


def check_matrix(fname: str, x, name="A"):
    if x.ndim < 2:
        raise TorchRuntimeError(f"{fname}: The input tensor {name} must have at least 2 dimensions.")


def check_square(fname: str, x, name="A"):
    check_matrix(fname, x, name)
    if x.shape[-1] != x.shape[-2]:
        raise TorchRuntimeError(f"{fname}: {name} must be batches of square matrices, but they are "
                                f"{x.shape[-2]} by {x.shape[-1]} matrices")


def broadcast_batch(*xs, core=2):
    """Broadcast the batch dims (all but the last `core`) of each array to a common shape."""
    batch = broadcast_shapes(*(x.shape[:-core] for x in xs))
    return [jnp.broadcast_to(x, batch + x.shape[-core:]) for x in xs]


def mT(x):
    return jnp.swapaxes(x, -1, -2)


def mH(x):
    return jnp.conj(mT(x)) if jnp.iscomplexobj(x) else mT(x)


def hermitian_from(a, lower=True):
    """The Hermitian matrix LAPACK sees when it reads one triangle of `a` (the diagonal's real part).

    Its gradient is torch's for Hermitian routines (cholesky, eigh): taken as if `a` were Hermitian, i.e.
    symmetrized, whichever triangle the value came from.
    """
    strict = jnp.tril(a, -1) if lower else jnp.triu(a, 1)
    diag = jnp.real(jnp.diagonal(a, axis1=-2, axis2=-1)).astype(a.dtype)
    value = jnp.where(jnp.eye(a.shape[-1], dtype=bool), diag[..., None], strict + mH(strict))
    sym = (a + mH(a)) / 2
    return sym + lax.stop_gradient(value - sym)


def real_dtype(x):
    return jnp.finfo(x.dtype).dtype





def raise_for_info(info: Tensor, fname: str, body, error=None) -> None:
    """Raise torch's LinAlgError for the first non-zero LAPACK info code (only on concrete values)."""
    value = info._value
    if isinstance(value, jax.core.Tracer):
        return
    codes = np.asarray(value)
    if not codes.any():
        return
    flat = codes.reshape(-1)
    i = int(np.flatnonzero(flat)[0])
    prefix = f"(Batch element {i}): " if codes.ndim else ""
    if error is None:
        from torchax.linalg import LinAlgError as error
    raise error(f"{fname}: {prefix}{body(int(flat[i]))}")


def singular_inv(code: int) -> str:
    return (f"The diagonal element {code} is zero, the inversion could not be completed because the input matrix "
            f"is singular.")


def not_pd(code: int) -> str:
    return (f"The factorization could not be completed because the input is not positive-definite (the leading "
            f"minor of order {code} is not positive-definite).")


def singular_solve(code: int) -> str:
    return "The solver failed because the input matrix is singular."


def write_out(out, result):
    """Copy a composite's result into `out=` like a registered op does."""
    return result if out is None else _write_out(out, result)
