"""Kernels behind torch.linalg functions that have no torch.* twin (norms, solve, lstsq, lu, cond, rank ...),
registered under private `_linalg_*` names, and the matrix functions torch.matrix_power / torch.matrix_exp.

`torchax/linalg.py` exposes the kernels with torch.linalg's signatures and raises LinAlgError from the `info`
codes they return.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from torchax import _dtype
from torchax._ops import linalg_common as lc, linalg_decomp as dc
from torchax._ops.reduction import _safe_root
from torchax._registry import TorchIndexError, TorchRuntimeError, broadcast_shapes, composite, op, structseq
from torchax._tensor import _TYPE_NAME, wrap

__all__ = ["matrix_power", "matrix_exp"]

prod = math.prod
_INF = math.inf


# --- argument normalisation (runs eagerly in the public wrappers) ------------------------------------------


def scalar_ord(ord):
    """A vector-norm order as a float (ints and bools accepted, strings rejected as torch does)."""
    if isinstance(ord, str):
        raise TypeError("linalg_vector_norm(): argument 'ord' (position 2) must be Number, not str")
    if hasattr(ord, "item"):
        ord = ord.item()
    return float(ord)


def matrix_ord(ord):
    return ord if isinstance(ord, str) else float(ord)


def dims(dim):
    if dim is None:
        return None
    return (dim,) if isinstance(dim, int) else tuple(dim)


def fmt_ord(ord) -> str:
    if isinstance(ord, str):
        return ord
    if math.isinf(ord):
        return "inf" if ord > 0 else "-inf"
    return str(int(ord)) if float(ord).is_integer() else str(ord)


# --- norms -------------------------------------------------------------------------------------------------


def _with_dtype(fname, x, dtype):
    """Cast to a requested result dtype, which must not narrow the input's (torch's rule)."""
    if dtype is None:
        return x
    src = _dtype.from_jax(x.dtype)
    if src.is_complex and not dtype.is_complex:
        raise TorchRuntimeError(f"{fname}: dtype should be complex for complex inputs, but got "
                                f"{_TYPE_NAME(_dtype.JNP[dtype])}")
    if _dtype.promote_types(src, dtype) is not dtype:
        raise TorchRuntimeError(f"{fname}: the dtype of the input ({lc.type_name(x)}) should be convertible without "
                                f"narrowing to the specified dtype ({_TYPE_NAME(_dtype.JNP[dtype])})")
    return x.astype(_dtype.JNP[dtype])


def _axes(x, dim):
    if not dim:
        return tuple(range(x.ndim))
    axes = tuple(lc.wrap_dim(d, x.ndim) for d in dim)
    for d in axes:
        if axes.count(d) > 1:
            raise TorchRuntimeError(f"dim {d} appears multiple times in the list of dims")
    return axes


def vnorm(x, ord, axes, keepdim):
    """The vector `ord`-norm of x over `axes` (half types accumulate in float32)."""
    if any(x.shape[d] == 0 for d in axes) and (ord < 0 or ord == _INF):
        raise TorchRuntimeError(f"linalg.vector_norm cannot compute the {fmt_ord(ord)} norm on an empty tensor "
                                f"because the operation does not have an identity")
    rd = lc.real_dtype(x)
    a = jnp.abs(x)
    if lc.is_low(a):
        a = a.astype(jnp.float32)
    if ord == 0:
        r = jnp.sum(a != 0, axes, keepdims=keepdim).astype(a.dtype)
    elif ord == _INF:
        r = jnp.max(a, axes, keepdims=keepdim)
    elif ord == -_INF:
        r = jnp.min(a, axes, keepdims=keepdim)
    elif ord == 1:
        r = jnp.sum(a, axes, keepdims=keepdim)
    elif ord == 2:  # the root's gradient at a zero vector is 0, torch's subgradient
        r = _safe_root(jnp.sum(a * a, axes, keepdims=keepdim), 2)
    else:
        r = _safe_root(jnp.sum(a ** ord, axes, keepdims=keepdim), ord)
    return r.astype(rd)


@op(method=False)
def _linalg_vector_norm(x, ord=2.0, dim=None, keepdim=False, dtype=None):
    """torch.linalg.vector_norm kernel."""
    lc.check_inexact("linalg.vector_norm", x)
    x = _with_dtype("linalg.vector_norm", x, dtype)
    return vnorm(x, ord, _axes(x, dim), keepdim)


_MATRIX_ORDS = ("fro", "nuc", 2.0, -2.0, 1.0, -1.0, _INF, -_INF)


def _amin(x, axis, shown=None):
    if x.shape[axis] == 0:
        raise TorchIndexError(f"amin(): Expected reduction dim {axis if shown is None else shown} to have non-zero "
                              f"size.")
    return jnp.min(x, axis)


def mnorm(A, ord, d0, d1, keepdim):
    """The matrix `ord`-norm of A over dims (d0, d1); max-type norms of an empty matrix are 0, as in torch."""
    if ord == "fro":
        return vnorm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        if lc.is_low(A):
            raise TorchRuntimeError(f"linalg.matrix_norm: Low precision dtypes not supported. Got {lc.type_name(A)}")
        s = dc.svd_impl(jnp.moveaxis(A, (d0, d1), (-2, -1)), False, compute_uv=False)
        r = jnp.sum(s, -1) if ord == "nuc" else jnp.max(s, -1, initial=0) if ord == 2 else _amin(s, -1)
        return (jnp.expand_dims(r, tuple(sorted((d0, d1)))) if keepdim else r).astype(lc.real_dtype(A))
    a = jnp.abs(A)
    if lc.is_low(a):
        a = a.astype(jnp.float32)
    inner, outer = (d0, d1) if abs(ord) == 1 else (d1, d0)
    sums = jnp.sum(a, inner, keepdims=True)
    if ord < 0 and a.shape[outer] == 0:  # torch reduces `inner` first, which shifts the dim it reports
        _amin(a, outer, outer - (outer > inner))
    r = jnp.max(sums, outer, keepdims=True, initial=0) if ord > 0 else jnp.min(sums, outer, keepdims=True)
    if not keepdim:
        r = jnp.squeeze(r, (d0, d1))
    return r.astype(lc.real_dtype(A))


@op(method=False)
def _linalg_matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, dtype=None):
    """torch.linalg.matrix_norm kernel."""
    lc.check_matrix("linalg.matrix_norm", A)
    lc.check_inexact("linalg.matrix_norm", A)
    if len(dim) != 2:
        raise TorchRuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    d0, d1 = (lc.wrap_dim(d, A.ndim) for d in dim)
    if d0 == d1:
        raise TorchRuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord not in _MATRIX_ORDS:
        raise TorchRuntimeError(f"linalg.matrix_norm: Order {fmt_ord(ord)} not supported.")
    A = _with_dtype("linalg.matrix_norm", A, dtype)
    return mnorm(A, ord, d0, d1, keepdim)


@op(method=False)
def _linalg_cond(A, p=None):
    """torch.linalg.cond kernel: from singular values for p in (None, 2, -2), else norm(A) * norm(inv(A))."""
    lc.check_matrix("linalg.cond", A)
    batch = A.shape[:-2]
    if p in (None, 2, -2):
        s = dc.svd_impl(A, False, compute_uv=False)
        if s.shape[-1] == 0:
            return jnp.zeros(batch, s.dtype)
        hi, lo = s[..., 0], s[..., -1]
        return lo / hi if p == -2 else hi / lo
    if p not in _MATRIX_ORDS:
        raise TorchRuntimeError(f"linalg.cond got an invalid norm type: {fmt_ord(p)}")
    lc.check_square(f"linalg.cond(ord={fmt_ord(p)})", A)
    lc.check_inexact("linalg.cond", A, "input", low="lu_cpu")
    if A.shape[-1] == 0:
        return jnp.zeros(batch, lc.real_dtype(A))
    inverse, info = dc.inv_ex_impl(A)
    r = mnorm(A, p, A.ndim - 2, A.ndim - 1, False) * mnorm(inverse, p, A.ndim - 2, A.ndim - 1, False)
    return jnp.where(info > 0, jnp.inf, r)


@op(method=False)
def _linalg_vecdot(x, y, dim=-1):
    """torch.linalg.vecdot kernel."""
    lc.check_inexact("linalg.vecdot", x)
    if x.dtype != y.dtype:
        raise TorchRuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x of type "
                                f"{lc.type_name(x)} and y of type {lc.type_name(y)} instead")
    shape = broadcast_shapes(x.shape, y.shape)
    d = lc.wrap_dim(dim, len(shape))
    return jnp.sum(jnp.conj(x) * y, axis=d) if shape else jnp.conj(x) * y


# --- solvers -----------------------------------------------------------------------------------------------


def _vector_rhs(A, B):
    return B.ndim == 1 or B.ndim == A.ndim - 1 and B.shape == A.shape[:-1]


@op(method=False, result=structseq("linalg_solve_ex", ("result", "info")))
def _linalg_solve_ex(A, B, left=True):
    """torch.linalg.solve_ex kernel: LU-based, with getrf's info."""
    lc.check_inexact("linalg.solve", A)
    if A.dtype != B.dtype:
        raise TorchRuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                                f"{lc.type_name(A)} and B of type {lc.type_name(B)} instead")
    lc.check_square("linalg.solve", A)
    if lc.is_low(A):
        lc.not_implemented("lu_cpu", A)
    vector = _vector_rhs(A, B)
    B2 = B[..., None] if vector else B
    n = A.shape[-1]
    if (B2.shape[-2] if left else B2.shape[-1]) != n:
        raise TorchRuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                                f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B2.shape[-2]}x{B2.shape[-1]})")
    broadcast_shapes(B2.shape[:-2], A.shape[:-2])
    lu, _, perm = dc.lu_factor(A)  # info describes A alone, as in torch
    x = dc.lu_solve_core(lu, perm, B2) if left else lc.mH(dc.lu_solve_core(lu, perm, lc.mH(B2), adjoint=True))
    return (x[..., 0] if vector else x), dc.lu_info(lu)


@op(method=False)
def _linalg_solve_triangular(A, B, upper, left=True, unitriangular=False):
    """torch.linalg.solve_triangular kernel (B is cast to A's dtype, as torch does)."""
    if lc.is_inexact(A) and lc.is_inexact(B):
        B = B.astype(A.dtype)
    return dc.solve_triangular_impl(A, B, upper, left, unitriangular)


LuFactor = structseq("linalg_lu_factor", ("LU", "pivots"))


@op(method=False, result=structseq("linalg_lu_factor_ex", ("LU", "pivots", "info")))
def _linalg_lu_factor_ex(A, pivot=True):
    """torch.linalg.lu_factor_ex kernel: LAPACK-style 1-based int32 pivots."""
    lc.check_matrix("torch.linalg.lu_factor_ex", A)
    if not pivot:
        raise TorchRuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    if not lc.is_inexact(A) or lc.is_low(A):
        lc.not_implemented("lu_cpu", A)
    lu, pivots, _ = dc.lu_factor(A)
    return lu, pivots.astype(jnp.int32) + 1, dc.lu_info(lu)


@op(method=False, result=structseq("linalg_lu", ("P", "L", "U")))
def _linalg_lu(A, pivot=True):
    """torch.linalg.lu kernel: A = P L U."""
    lc.check_matrix("linalg.lu", A)
    if not pivot:
        raise TorchRuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    if not lc.is_inexact(A) or lc.is_low(A):
        lc.not_implemented("lu_cpu", A)
    m, n = A.shape[-2:]
    k = min(m, n)
    lu, _, perm = dc.lu_factor(A)
    L = jnp.tril(lu[..., :, :k], -1) + jnp.eye(m, k, dtype=A.dtype)
    U = jnp.triu(lu[..., :k, :])
    P = lc.mT(jnp.asarray(perm[..., :, None] == jnp.arange(m), A.dtype))
    return P, L, U


@op(method=False)
def _linalg_lu_solve(LU, pivots, B, left=True, adjoint=False):
    """torch.linalg.lu_solve kernel."""
    if pivots.dtype != jnp.int32:
        raise TorchRuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32")
    if LU.dtype != B.dtype:
        raise TorchRuntimeError(f"linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type "
                                f"{lc.type_name(LU)} and B of type {lc.type_name(B)} instead")
    return dc.lu_solve_impl(LU, pivots, B, left, adjoint)


@op(method=False, dynamic=("atol", "rtol"))
def _linalg_matrix_rank(A, atol=None, rtol=None, hermitian=False):
    """torch.linalg.matrix_rank kernel: singular values above max(atol, rtol * largest)."""
    lc.check_matrix("torch.linalg.matrix_rank", A, "input")
    if not lc.is_inexact(A) or lc.is_low(A):
        raise TorchRuntimeError("This function doesn't handle types other than float and double")
    m, n = A.shape[-2:]
    if A.size == 0:
        return jnp.zeros(A.shape[:-2], jnp.int64)
    s = jnp.abs(dc.eigh_impl(A, "L", vectors=False)) if hermitian else dc.svd_impl(A, False, compute_uv=False)
    tol = dc.rank_tolerance(atol, rtol, s.max(-1, keepdims=True), m, n, lc.real_dtype(A))
    return jnp.sum(s > tol, -1).astype(jnp.int64)


Lstsq = structseq("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


@op(method=False, dynamic=("rcond",), result=Lstsq)
def _linalg_lstsq(A, B, rcond=None, driver=None):
    """torch.linalg.lstsq kernel: an SVD solve, returning the fields torch's CPU `driver` fills."""
    if A.ndim < 2:
        raise TorchRuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if B.ndim < 1:
        raise TorchRuntimeError("torch.linalg.lstsq: other must have at least 1 dimension.")
    if not lc.is_inexact(A) or lc.is_low(A):
        raise TorchRuntimeError("This function doesn't handle types other than float and double")
    if A.dtype != B.dtype:
        raise TorchRuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
                                f"input's dtype {lc.type_name(A)} and other's dtype {lc.type_name(B)}")
    if not (A.ndim >= B.ndim and A.ndim - B.ndim <= 1):
        raise TorchRuntimeError("torch.linalg.lstsq: input.dim() must be greater or equal to other.dim() and "
                                "(input.dim() - other.dim()) <= 1")
    driver = driver or "gelsy"
    if driver not in _DRIVERS:
        raise TorchRuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vector = A.ndim - 1 == B.ndim
    B2 = B[..., None] if vector else B
    broadcast_shapes(A.shape[:-2], B2.shape[:-2])
    if A.shape[-2] != B2.shape[-2]:
        raise TorchRuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    A, B2 = lc.broadcast_batch(A, B2)
    m, n = A.shape[-2:]
    rd = lc.real_dtype(A)
    if A.size == 0:
        x = jnp.zeros(A.shape[:-2] + (n, B2.shape[-1]), A.dtype)
        s = jnp.zeros(A.shape[:-2] + (min(m, n),), rd)
        rank = jnp.zeros(A.shape[:-2], jnp.int64)
    else:
        u, s, vh = jnp.linalg.svd(A, full_matrices=False)
        rc = jnp.finfo(rd).eps * max(m, n) if rcond is None else jnp.asarray(rcond, rd)
        keep = s > rc * s[..., :1]
        sinv = jnp.where(keep, 1 / jnp.where(keep, s, 1), 0).astype(A.dtype)
        x = jnp.matmul(lc.mH(u), B2, precision=lc.HIGHEST)
        x = jnp.matmul(lc.mH(vh), sinv[..., :, None] * x, precision=lc.HIGHEST)
        rank = jnp.sum(keep, -1).astype(jnp.int64)
    empty = jnp.zeros((0,), rd)
    if m > n and driver != "gelsy":
        r = jnp.matmul(A, x, precision=lc.HIGHEST) - B2
        residuals = jnp.sum(jnp.abs(r) ** 2, -2).astype(rd)
    else:
        residuals = empty
    if driver == "gels":
        rank = jnp.zeros((0,), jnp.int64)
    return (x[..., 0] if vector else x), residuals, rank, (s if driver in ("gelsd", "gelss") else empty)


def full_rank(rank, A) -> bool:
    """Whether every matrix has full column rank (True while tracing: residuals are then always kept)."""
    value = rank._value
    if isinstance(value, jax.core.Tracer):
        return True
    return bool(np.all(np.asarray(value) == A.shape[-1]))


def drop_residuals(result):
    return Lstsq(result.solution, wrap(jnp.zeros((0,), result.residuals._value.dtype)), result.rank,
                 result.singular_values)


# --- vander, householder_product ---------------------------------------------------------------------------


@op(method=False)
def _linalg_vander(x, N=None):
    """torch.linalg.vander kernel: increasing powers by repeated multiplication (integers in int64)."""
    if x.dtype == jnp.bool_:
        raise TorchRuntimeError("linalg.vander supports floating point, complex, and integer tensors, but got Bool")
    if x.ndim == 0:
        x = x[None]
    N = x.shape[-1] if N is None else N
    if N <= 1:
        raise TorchRuntimeError("N must be greater than 1.")
    if jnp.issubdtype(x.dtype, jnp.integer):
        x = x.astype(jnp.int64)
    cols = jnp.concatenate([jnp.ones(x.shape + (1,), x.dtype), jnp.broadcast_to(x[..., None], x.shape + (N - 1,))],
                           -1)
    return jnp.cumprod(cols, -1)


@op(method=False)
def _linalg_householder_product(A, tau):
    """torch.linalg.householder_product kernel: the first n columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^H."""
    fname = "torch.linalg.householder_product"
    if A.ndim < 2:
        raise TorchRuntimeError(f"{fname}: input must have at least 2 dimensions.")
    m, n = A.shape[-2:]
    if m < n:
        raise TorchRuntimeError(f"{fname}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if tau.ndim != A.ndim - 1:
        raise TorchRuntimeError(f"{fname}: Expected tau to have one dimension less than input, but got tau.ndim "
                                f"equal to {tau.ndim} and input.ndim is equal to {A.ndim}")
    if tau.shape[-1] > n:
        raise TorchRuntimeError(f"{fname}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if tau.dtype != A.dtype:
        raise TorchRuntimeError(f"{fname}: tau dtype {lc.type_name(tau)} does not match input dtype {lc.type_name(A)}")
    if not lc.is_inexact(A) or lc.is_low(A):
        lc.not_implemented("orgqr_cpu", A)
    q = jnp.broadcast_to(jnp.eye(m, n, dtype=A.dtype), A.shape)
    rows = jnp.arange(m)
    for i in reversed(range(tau.shape[-1])):
        v = jnp.where(rows == i, 1, jnp.where(rows > i, A[..., :, i], 0)).astype(A.dtype)
        w = jnp.matmul(jnp.conj(v)[..., None, :], q, precision=lc.HIGHEST)
        q = q - tau[..., i, None, None] * v[..., :, None] * w
    return q


# --- matrix functions ----------------------------------------------------------------------------------


@op(method=False)
def _matrix_power(input, n):
    """A ** n for n >= 0 by repeated squaring (integer matrices stay integer)."""
    lc.check_square("linalg.matrix_power", input)
    eye = jnp.broadcast_to(jnp.eye(input.shape[-1], dtype=input.dtype), input.shape)
    if n == 0:
        return eye
    if n == 1:
        return input
    if input.dtype == jnp.bool_:
        lc.not_implemented("addmm_impl_cpu_", input)
    result, base = None, input
    while n:
        if n & 1:
            result = base if result is None else _matmul_same(result, base)
        n >>= 1
        if n:
            base = _matmul_same(base, base)
    return result


def _matmul_same(a, b):
    return jnp.matmul(a, b, precision=lc.HIGHEST, preferred_element_type=a.dtype)


@composite()
def matrix_power(input, n, *, out=None):
    """torch.matrix_power / torch.linalg.matrix_power (a negative n inverts first, raising LinAlgError)."""
    if n < 0:
        if input.ndim >= 2 and input.shape[-1] != input.shape[-2]:
            _matrix_power(input, 0)  # raises torch's square-matrix error
        input, n = dc.inv_checked(input), -n
    return _matrix_power(input, n, out=out)


@op()
def matrix_exp(input):
    """torch.matrix_exp / torch.linalg.matrix_exp (half types compute in float32)."""
    lc.check_square("linalg.matrix_exp", input)
    lc.check_inexact("linalg.matrix_exp", input, "input")
    if input.size == 0:
        return input
    a = input.astype(jnp.float32) if lc.is_low(input) else input
    return expm(a).astype(input.dtype)


# Pade-13 coefficients and its scaling threshold (Higham, "The scaling and squaring method for the matrix
# exponential revisited", 2005); one degree for every input keeps the kernel small to compile.
_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
           10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152
_MAX_SQUARINGS = 64  # 2**64 * theta covers every norm whose exponential is finite


def expm(a):
    """exp(A) by scaling and squaring with a degree-13 Pade approximant."""
    norm = jnp.max(jnp.sum(jnp.abs(a), -2), -1)
    s = jnp.ceil(jnp.log2(norm / _THETA13))
    s = jnp.where(jnp.isfinite(s), jnp.clip(s, 0, _MAX_SQUARINGS), 0).astype(jnp.int32)
    a = a / (2.0 ** s).astype(a.dtype)[..., None, None]
    mm = functools.partial(jnp.matmul, precision=lc.HIGHEST)
    eye = jnp.broadcast_to(jnp.eye(a.shape[-1], dtype=a.dtype), a.shape)
    a2 = mm(a, a)
    a4 = mm(a2, a2)
    a6 = mm(a4, a2)
    b = _PADE13
    u = mm(a, mm(a6, b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = mm(a6, b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    r = jnp.linalg.solve(v - u, v + u)

    def square(r, i):  # a scan with a fixed length (unlike a while loop) can be reverse-differentiated
        todo = (i < s)[..., None, None]
        return lax.cond(jnp.any(todo), lambda r: jnp.where(todo, mm(r, r), r), lambda r: r, r), None

    return lax.scan(square, r, jnp.arange(_MAX_SQUARINGS, dtype=jnp.int32))[0]
