"""Matrix factorizations and what is built on them: torch.det/inverse/cholesky/qr/svd/lu ... and the kernels
behind torch.linalg (registered under private `_linalg_*` names; `torchax/linalg.py` is the public namespace).

LAPACK reports failures (a singular matrix, a non positive-definite one) through an `info` code that torch
turns into `torch.linalg.LinAlgError`. JAX returns inf/nan instead, so each kernel that can fail returns
torch's `info` alongside its result and `raise_for_info` checks it eagerly (never while tracing).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax import lax

from torchax._ops import linalg_common as lc
from torchax._registry import TorchRuntimeError, composite, op, structseq, warn_once
from torchax._tensor import Tensor

__all__ = ["det", "logdet", "slogdet", "inverse", "pinverse", "cholesky", "cholesky_solve", "cholesky_inverse",
           "qr", "svd", "lu", "lu_solve", "lu_unpack", "triangular_solve"]


# --- LU ------------------------------------------------------------------------------------------------


def lu_info(lu):
    """LAPACK getrf's info: 1 + the index of the first exactly-zero pivot of U, else 0."""
    d = jnp.diagonal(lu, axis1=-2, axis2=-1)
    n = d.shape[-1]
    first = jnp.min(jnp.where(d == 0, jnp.arange(1, n + 1, dtype=jnp.int32), n + 1), -1, initial=n + 1)
    return jnp.where(first > n, 0, first).astype(jnp.int32)


def lu_factor(a):
    """(LU, pivots, permutation); pivots 0-based as JAX gives them."""
    if a.shape[-1] == 0 or a.shape[-2] == 0:
        k = min(a.shape[-2:])
        batch = a.shape[:-2]
        return a, jnp.zeros(batch + (k,), jnp.int32), jnp.broadcast_to(jnp.arange(a.shape[-2], dtype=jnp.int32),
                                                                        batch + (a.shape[-2],))
    return lax.linalg.lu(a)


def lu_solve_core(lu, perm, b, adjoint=False):
    """Solve A X = B (or A^H X = B) from A's LU factors; `perm` is the row permutation (P A = L U)."""
    lu, b = lc.broadcast_batch(lu, b)
    perm = jnp.broadcast_to(perm, lu.shape[:-1])
    if b.size == 0 or lu.size == 0:
        return b
    # NOTE: the permutation is applied as a one-hot matmul: XLA compiles it much faster than a gather
    P = (perm[..., :, None] == jnp.arange(lu.shape[-1])).astype(b.dtype)
    solve = lax.linalg.triangular_solve
    if not adjoint:
        x = jnp.matmul(P, b, precision=lc.HIGHEST)
        x = solve(lu, x, left_side=True, lower=True, unit_diagonal=True)
        return solve(lu, x, left_side=True, lower=False)
    cj = jnp.iscomplexobj(lu)
    x = solve(lu, b, left_side=True, lower=False, transpose_a=True, conjugate_a=cj)
    x = solve(lu, x, left_side=True, lower=True, unit_diagonal=True, transpose_a=True, conjugate_a=cj)
    return jnp.matmul(lc.mT(P), x, precision=lc.HIGHEST)


def inv_ex_impl(a):
    lu, _, perm = lu_factor(a)
    eye = jnp.broadcast_to(jnp.eye(a.shape[-1], dtype=a.dtype), a.shape)
    return lu_solve_core(lu, perm, eye), lu_info(lu)


@op(method=False, result=structseq("linalg_inv_ex", ("inverse", "info")))
def _linalg_inv_ex(A):
    """torch.linalg.inv_ex kernel: (inverse, info)."""
    lc.check_square("linalg.inv", A)
    lc.check_inexact("linalg.inv", A, "input", low="message")
    return inv_ex_impl(A)


def inv_checked(A, fname="linalg.inv"):
    inverse, info = _linalg_inv_ex(A)
    lc.raise_for_info(info, fname, lc.singular_inv)
    return inverse


@composite()
def inverse(input, *, out=None):
    """torch.inverse (LinAlgError on a singular matrix, as torch)."""
    return lc.write_out(out, inv_checked(input))


# --- determinants --------------------------------------------------------------------------------------


@op()
def det(input):
    """torch.det / torch.linalg.det."""
    lc.check_square("linalg.det", input)
    lc.check_inexact("linalg.det", input, "input", low="lu_cpu")
    if input.shape[-1] == 0:
        return jnp.ones(input.shape[:-2], input.dtype)
    return jnp.linalg.det(input)


def slogdet_impl(a, fname="linalg.slogdet"):
    lc.check_square(fname, a)
    lc.check_inexact(fname, a, "input", low="message")
    if a.shape[-1] == 0:
        return jnp.ones(a.shape[:-2], a.dtype), jnp.zeros(a.shape[:-2], lc.real_dtype(a))
    sign, logabs = jnp.linalg.slogdet(a)
    return sign.astype(a.dtype), logabs.astype(lc.real_dtype(a))


@op(result=structseq("slogdet", ("sign", "logabsdet")))
def slogdet(input):
    """torch.slogdet."""
    return slogdet_impl(input)


@op(method=False, result=structseq("linalg_slogdet", ("sign", "logabsdet")))
def _linalg_slogdet(A):
    """torch.linalg.slogdet kernel."""
    return slogdet_impl(A)


@op()
def logdet(input):
    """torch.logdet: nan for a negative determinant, -inf for a zero one."""
    sign, logabs = slogdet_impl(input, "logdet")
    if jnp.iscomplexobj(input):
        return jnp.log(sign) + logabs
    return jnp.where(sign < 0, jnp.nan, logabs).astype(input.dtype)


# --- Cholesky ------------------------------------------------------------------------------------------


def _cholesky_info(a):
    """potrf's info: 1 + the first k whose leading minor is not positive-definite (Gaussian elimination)."""
    n = a.shape[-1]

    def step(k, carry):
        m, info = carry
        d = jnp.real(m[..., k, k])
        info = jnp.where(~(d > 0) & (info == 0), k + 1, info)
        safe = jnp.where(d > 0, d, 1).astype(m.dtype)
        m = m - m[..., :, k, None] * m[..., None, k, :] / safe[..., None, None]
        return m, info

    return lax.fori_loop(0, n, step, (a, jnp.zeros(a.shape[:-2], jnp.int32)))[1]


def cholesky_ex_impl(a, upper):
    """(factor, info); reads the lower triangle of `a` (the upper one when `upper`), as LAPACK does."""
    if a.shape[-1] == 0:
        return a, jnp.zeros(a.shape[:-2], jnp.int32)
    full = lc.hermitian_from(a, lower=not upper)
    L = lax.linalg.cholesky(full, symmetrize_input=False)
    failed = ~jnp.isfinite(L).all((-2, -1))
    info = lax.cond(failed.any(), _cholesky_info, lambda m: jnp.zeros(m.shape[:-2], jnp.int32), full)
    info = jnp.where(failed, info, 0)
    return (lc.mH(L) if upper else L), info


@op(method=False, result=structseq("linalg_cholesky_ex", ("L", "info")))
def _linalg_cholesky_ex(A, *, upper=False):
    """torch.linalg.cholesky_ex kernel."""
    lc.check_square("linalg.cholesky", A)
    lc.check_inexact("linalg.cholesky", A, "input", low="cholesky_cpu")
    return cholesky_ex_impl(A, upper)


@composite()
def cholesky(input, upper=False, *, out=None):
    """torch.cholesky (deprecated; warns once as torch)."""
    warn_once("cholesky", _CHOLESKY_DEPRECATED)
    L, info = _linalg_cholesky_ex(input, upper=upper)
    lc.raise_for_info(info, "cholesky", lc.not_pd)
    return lc.write_out(out, L)


_CHOLESKY_DEPRECATED = (
    "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future PyTorch "
    "release.\nL = torch.cholesky(A)\nshould be replaced with\nL = torch.linalg.cholesky(A)\nand\n"
    "U = torch.cholesky(A, upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\n"
    "This transform will produce equivalent results for all valid (symmetric positive definite) inputs.")


def _cholesky_solve_core(b, L, upper):
    b, L = lc.broadcast_batch(b, L)
    if b.size == 0 or L.size == 0:
        return b
    solve = lax.linalg.triangular_solve
    cj = jnp.iscomplexobj(L)
    if upper:  # A = U^H U
        x = solve(L, b, left_side=True, lower=False, transpose_a=True, conjugate_a=cj)
        return solve(L, x, left_side=True, lower=False)
    x = solve(L, b, left_side=True, lower=True)
    return solve(L, x, left_side=True, lower=True, transpose_a=True, conjugate_a=cj)


@op()
def cholesky_solve(input, input2, upper=False):
    """torch.cholesky_solve(B, L): solves A X = B from A's Cholesky factor."""
    b, L = input, input2
    if b.ndim < 2:
        raise TorchRuntimeError(f"b should have at least 2 dimensions, but has {b.ndim} dimensions instead")
    if L.ndim < 2:
        raise TorchRuntimeError(f"u should have at least 2 dimensions, but has {L.ndim} dimensions instead")
    if b.dtype != L.dtype:
        raise TorchRuntimeError(f"Expected b and A to have the same dtype, but found b of type {lc.type_name(b)} and A "
                                f"of type {lc.type_name(L)} instead.")
    if L.shape[-1] != L.shape[-2]:
        raise TorchRuntimeError(f"A must be batches of square matrices, but they are {L.shape[-2]} by "
                                f"{L.shape[-1]} matrices")
    if L.shape[-1] != b.shape[-2]:
        raise TorchRuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {L.shape[-1]} by "
                                f"{L.shape[-1]} but each b matrix is {b.shape[-2]} by {b.shape[-1]}")
    if not lc.is_inexact(b) or lc.is_low(b):
        lc.not_implemented("cholesky_solve_cpu", b)
    return _cholesky_solve_core(b, L, upper)


@op()
def cholesky_inverse(input, upper=False):
    """torch.cholesky_inverse(L): the inverse of A = L L^H (or U^H U)."""
    lc.check_square("cholesky_inverse", input)
    if not lc.is_inexact(input) or lc.is_low(input):
        lc.not_implemented("cholesky_inverse_out_cpu", input)
    eye = jnp.broadcast_to(jnp.eye(input.shape[-1], dtype=input.dtype), input.shape)
    return _cholesky_solve_core(eye, input, upper)


# --- QR, SVD, eigen-decompositions ---------------------------------------------------------------------


def qr_impl(a, mode):
    if mode not in ("reduced", "complete", "r"):
        raise TorchRuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                                f"'r', or 'complete'")
    lc.check_matrix("linalg.qr", a)
    lc.check_inexact("linalg.qr", a, "input", low="geqrf_cpu")
    m, n = a.shape[-2:]
    if a.size == 0:
        k = m if mode == "complete" else min(m, n)
        q = jnp.broadcast_to(jnp.eye(m, k, dtype=a.dtype), a.shape[:-2] + (m, k))
        r = jnp.zeros(a.shape[:-2] + (k, n), a.dtype)
    else:
        q, r = jnp.linalg.qr(a, mode="complete" if mode == "complete" else "reduced")
    if mode == "r":
        q = jnp.zeros((0,), a.dtype)
    return q, r


@op(method=False, result=structseq("linalg_qr", ("Q", "R")))
def _linalg_qr(A, mode="reduced"):
    """torch.linalg.qr kernel."""
    return qr_impl(A, mode)


@op(result=structseq("qr", ("Q", "R")))
def _qr(input, some=True):
    return qr_impl(input, "reduced" if some else "complete")


@composite()
def qr(input, some=True, *, out=None):
    """torch.qr (deprecated; warns once as torch)."""
    warn_once("qr", "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch "
              "release.\nThe boolean parameter 'some' has been replaced with a string parameter 'mode'.\n"
              "Q, R = torch.qr(A, some)\nshould be replaced with\n"
              "Q, R = torch.linalg.qr(A, 'reduced' if some else 'complete')")
    return _qr(input, some, out=out)


def svd_impl(a, full_matrices, compute_uv=True):
    lc.check_matrix("linalg.svd", a)
    lc.check_inexact("linalg.svd", a, "input", low="linalg_svd_cpu")
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    if a.size == 0:
        s = jnp.zeros(batch + (k,), lc.real_dtype(a))
        if not compute_uv:
            return s
        um, vn = (m, n) if full_matrices else (k, k)
        u = jnp.broadcast_to(jnp.eye(m, um, dtype=a.dtype), batch + (m, um))
        vh = jnp.broadcast_to(jnp.eye(vn, n, dtype=a.dtype), batch + (vn, n))
        return u, s, vh
    if not compute_uv:
        return jnp.linalg.svd(a, compute_uv=False)
    return tuple(jnp.linalg.svd(a, full_matrices=full_matrices))


def check_driver(driver):
    if driver is not None:
        raise TorchRuntimeError("torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
                                "cuSOLVER backend.")


@op(method=False, result=structseq("linalg_svd", ("U", "S", "Vh")))
def _linalg_svd(A, full_matrices=True, *, driver=None):
    """torch.linalg.svd kernel."""
    check_driver(driver)
    return svd_impl(A, full_matrices)


@op(method=False)
def _linalg_svdvals(A, *, driver=None):
    """torch.linalg.svdvals kernel."""
    check_driver(driver)
    return svd_impl(A, False, compute_uv=False)


@op(result=structseq("svd", ("U", "S", "V")))
def svd(input, some=True, compute_uv=True):
    """torch.svd: returns V (not Vh); with compute_uv=False, U and V are zero-filled as in torch."""
    if not compute_uv:
        m, n = input.shape[-2:]
        s = svd_impl(input, False, compute_uv=False)
        batch = input.shape[:-2]
        return jnp.zeros(batch + (m, m), input.dtype), s, jnp.zeros(batch + (n, n), input.dtype)
    u, s, vh = svd_impl(input, not some)
    return u, s, lc.mH(vh)


def check_uplo(UPLO):
    if UPLO not in ("L", "U", "l", "u"):
        raise TorchRuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def eigh_impl(a, UPLO, vectors=True):
    check_uplo(UPLO)
    lc.check_square("linalg.eigh", a)
    if not lc.is_inexact(a) or lc.is_low(a):
        lc.not_implemented("linalg_eigh_cpu", a)
    if a.size == 0:
        w = jnp.zeros(a.shape[:-1], lc.real_dtype(a))
        return (w, a) if vectors else w
    w, v = jnp.linalg.eigh(lc.hermitian_from(a, lower=UPLO in "Ll"), symmetrize_input=False)
    return (w, v) if vectors else w


@op(method=False, result=structseq("linalg_eigh", ("eigenvalues", "eigenvectors")))
def _linalg_eigh(A, UPLO="L"):
    """torch.linalg.eigh kernel."""
    return eigh_impl(A, UPLO)


@op(method=False)
def _linalg_eigvalsh(A, UPLO="L"):
    """torch.linalg.eigvalsh kernel."""
    return eigh_impl(A, UPLO, vectors=False)


def eig_impl(a, vectors=True):
    if not lc.is_inexact(a):
        raise TorchRuntimeError(f"Unknown Complex ScalarType for {lc.type_name(a)}")
    lc.check_square("linalg.eig", a)
    if lc.is_low(a):
        lc.not_implemented("linalg_eig_out_cpu", a)
    cdt = jnp.result_type(a.dtype, jnp.complex64)
    if a.size == 0:
        w = jnp.zeros(a.shape[:-1], cdt)
        return (w, a.astype(cdt)) if vectors else w
    if vectors:
        w, v = jnp.linalg.eig(a)
        return w.astype(cdt), v.astype(cdt)
    return jnp.linalg.eigvals(a).astype(cdt)


@op(method=False, result=structseq("linalg_eig", ("eigenvalues", "eigenvectors")))
def _linalg_eig(A):
    """torch.linalg.eig kernel (CPU only in JAX)."""
    return eig_impl(A)


@op(method=False)
def _linalg_eigvals(A):
    """torch.linalg.eigvals kernel."""
    return eig_impl(A, vectors=False)


def pinv_impl(a, atol, rtol, hermitian):
    m, n = a.shape[-2:]
    if not lc.is_inexact(a) or lc.is_low(a):
        shape = ", ".join(map(str, a.shape))
        raise TorchRuntimeError(f"linalg.pinv({lc.type_name(a)}{{[{shape}]}}): expected a tensor with 2 or more "
                                f"dimensions of float, double, cfloat or cdouble types")
    if a.size == 0:
        return jnp.zeros(a.shape[:-2] + (n, m), a.dtype)
    if hermitian:  # eigh's values, but the general pinv's gradient, as torch
        return _pinv_hermitian(a, (atol, rtol))
    u, s, vh = jnp.linalg.svd(a, full_matrices=False)
    tol = rank_tolerance(atol, rtol, s[..., :1], m, n, lc.real_dtype(a))
    sinv = jnp.where(s > tol, 1 / jnp.where(s == 0, 1, s), 0).astype(a.dtype)
    return jnp.matmul(lc.mH(vh) * sinv[..., None, :], lc.mH(u), precision=lc.HIGHEST)


def _pinv_hermitian_value(a, tols):
    """pinv of a Hermitian matrix from its eigendecomposition (lower triangle), eigenvalues below tol dropped."""
    atol, rtol = tols
    m, n = a.shape[-2:]
    s, v = eigh_impl(a, "L")
    tol = rank_tolerance(atol, rtol, jnp.abs(s).max(-1, keepdims=True), m, n, lc.real_dtype(a))
    sinv = jnp.where(jnp.abs(s) > tol, 1 / jnp.where(s == 0, 1, s), 0).astype(a.dtype)
    return jnp.matmul(v * sinv[..., None, :], lc.mH(v), precision=lc.HIGHEST)


def _pinv_backward(g, p, a):
    """torch's pinv_backward: the derivative of the pseudo-inverse p of a general matrix a (also the one torch
    uses for hermitian=True)."""
    mm = functools.partial(jnp.matmul, precision=lc.HIGHEST)
    ph, gh = lc.mH(p), lc.mH(g)
    if a.shape[-2] <= a.shape[-1]:
        k = mm(gh, p)
        kph = mm(k, ph)
        return -lc.mH(mm(p, k)) + kph - mm(mm(a, p), kph) + mm(mm(ph, p), gh - mm(k, a))
    k = mm(p, gh)
    phk = mm(ph, k)
    return -lc.mH(mm(k, p)) + mm(mm(gh - mm(a, k), p), ph) + phk - mm(mm(phk, p), a)


@jax.custom_vjp
def _pinv_hermitian(a, tols):
    return _pinv_hermitian_value(a, tols)


def _pinv_hermitian_fwd(a, tols):
    p = _pinv_hermitian_value(a, tols)
    return p, (a, p, tols)


def _pinv_hermitian_bwd(res, g):
    a, p, tols = res
    return _pinv_backward(g, p, a), jax.tree.map(jnp.zeros_like, tols)


_pinv_hermitian.defvjp(_pinv_hermitian_fwd, _pinv_hermitian_bwd)


def rank_tolerance(atol, rtol, smax, m, n, rd):
    """torch's threshold max(atol, rtol * sigma_max); rtol defaults to eps * max(m, n) unless atol > 0 is given."""
    if atol is not None:
        atol = jnp.asarray(atol, rd)[..., None]
    if rtol is None:
        default = jnp.asarray(jnp.finfo(rd).eps * max(m, n), rd)
        rtol = default if atol is None else jnp.where(atol > 0, 0, default)
    else:
        rtol = jnp.asarray(rtol, rd)[..., None]
    tol = rtol * smax
    return tol if atol is None else jnp.maximum(atol, tol)


@op(method=False, dynamic=("atol", "rtol"))
def _linalg_pinv(A, atol=None, rtol=None, hermitian=False):
    """torch.linalg.pinv kernel."""
    lc.check_matrix("linalg.pinv", A)
    return pinv_impl(A, atol, rtol, hermitian)


@op(dynamic=("rcond",))
def pinverse(input, rcond=1e-15):
    """torch.pinverse."""
    return pinv_impl(input, None, rcond, False)


# --- LU-based torch.* functions ------------------------------------------------------------------------


def pivots_to_perm(pivots, m):
    """LAPACK's 1-based row interchanges -> the permutation P with P A = L U."""
    return lax.linalg.lu_pivots_to_permutation(pivots.astype(jnp.int32) - 1, m)


def lu_unpack_impl(LU, pivots, unpack_data=True, unpack_pivots=True):
    m, n = LU.shape[-2:]
    k = min(m, n)
    batch = LU.shape[:-2]
    if unpack_data:
        L = jnp.tril(LU[..., :, :k], -1) + jnp.eye(m, k, dtype=LU.dtype)
        U = jnp.triu(LU[..., :k, :])
    else:
        L = U = jnp.zeros((0,), LU.dtype)
    if unpack_pivots:
        perm = pivots_to_perm(pivots, m) if k else jnp.broadcast_to(jnp.arange(m, dtype=jnp.int32), batch + (m,))
        P = lc.mT(jax.nn.one_hot(perm, m, dtype=LU.dtype))
    else:
        P = jnp.zeros((0,), LU.dtype)
    return P, L, U


@op(method=False, result=structseq("lu_unpack", ("P", "L", "U")))
def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """torch.lu_unpack."""
    return lu_unpack_impl(LU_data, LU_pivots, unpack_data, unpack_pivots)


def lu_solve_impl(LU, pivots, B, left, adjoint):
    lc.check_square("linalg.lu_solve", LU, "LU")
    lc.check_matrix("linalg.lu_solve", B, "B")
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise TorchRuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation {eq} "
                                f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    perm = pivots_to_perm(pivots, n) if n else jnp.zeros(pivots.shape, jnp.int32)
    if left:
        return lu_solve_core(LU, perm, B, adjoint)
    return lc.mH(lu_solve_core(LU, perm, lc.mH(B), not adjoint))


@composite()
def lu_solve(input, LU_data, LU_pivots, *, out=None):
    """torch.lu_solve(b, LU_data, LU_pivots) (deprecated; warns once as torch)."""
    warn_once("lu_solve", "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a "
              "future PyTorch release.\nNote that torch.linalg.lu_solve has its arguments reversed.\n"
              "X = torch.lu_solve(B, LU, pivots)\nshould be replaced with\nX = torch.linalg.lu_solve(LU, pivots, B)")
    from torchax.linalg import lu_solve as linalg_lu_solve

    return linalg_lu_solve(LU_data, LU_pivots, input, out=out)


_LuWithInfo = structseq("_lu_with_info", ("LU", "pivots", "info"))


@composite(method=False)
def lu(A, pivot=True, get_infos=False, out=None):
    """torch.lu (deprecated; warns once as torch): (LU, pivots[, info])."""
    warn_once("lu", "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex and will "
              "be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, compute_pivots)\nshould be "
              "replaced with\nLU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\n"
              "LU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\nshould be replaced with\n"
              "LU, pivots, info = torch.linalg.lu_factor_ex(A, compute_pivots)")
    from torchax.linalg import lu_factor_ex

    LU, pivots, info = lu_factor_ex(A, pivot=pivot)
    return lc.write_out(out, _LuWithInfo(LU, pivots, info) if get_infos else (LU, pivots))


def _tensor_lu(self, pivot=True, get_infos=False):
    """Tensor.lu: like torch.lu, but a plain tuple with get_infos (torch's Tensor.lu is Python code of its own)."""
    result = lu(self, pivot, get_infos)
    return tuple(result)


Tensor.lu = _tensor_lu


def solve_triangular_impl(A, B, upper, left, unitriangular, fname="linalg.solve_triangular"):
    lc.check_matrix(fname, A, "A")
    lc.check_matrix(fname, B, "B")
    if not lc.is_inexact(A) or lc.is_low(A):
        lc.not_implemented("triangular_solve_cpu", A)
    if A.dtype != B.dtype:
        raise TorchRuntimeError(f"{fname}: Expected A and B to have the same dtype, but found A of type "
                                f"{lc.type_name(A)} and B of type {lc.type_name(B)} instead")
    n = A.shape[-1]
    if A.shape[-2] != n:
        raise TorchRuntimeError(f"{fname}: A must be batches of square matrices, but they are {A.shape[-2]} by "
                                f"{n} matrices")
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise TorchRuntimeError(f"{fname}: Incompatible shapes of A and B for the equation "
                                f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    A, B = lc.broadcast_batch(A, B)
    if A.size == 0 or B.size == 0:
        return B
    return lax.linalg.triangular_solve(A, B, left_side=left, lower=not upper, unit_diagonal=unitriangular)


@op(result=structseq("triangular_solve", ("solution", "cloned_coefficient")))
def _triangular_solve(input, A, upper=True, transpose=False, unitriangular=False):
    a = lc.mT(A) if transpose else A
    x = solve_triangular_impl(a, input, upper != transpose, True, unitriangular, "triangular_solve")
    return x, jnp.broadcast_to(A, x.shape[:-2] + A.shape[-2:])


@composite()
def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """torch.triangular_solve(b, A) (deprecated; warns once as torch): (solution, cloned_coefficient)."""
    warn_once("triangular_solve", "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangular"
              "and will be removed in a future PyTorch release.\ntorch.linalg.solve_triangular has its arguments "
              "reversed and does not return a copy of one of the inputs.\nX = torch.triangular_solve(B, A)."
              "solution\nshould be replaced with\nX = torch.linalg.solve_triangular(A, B).")
    return _triangular_solve(input, A, upper, transpose, unitriangular, out=out)
