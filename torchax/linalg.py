"""torchax.linalg: the `torch.linalg` namespace.

The kernels live in `torchax/_ops/linalg_decomp.py` (factorizations), `_ops/linalg_kernels.py` (norms, solve,
lstsq, cond, matrix functions ...) and `_ops/linalg.py` (products); this module holds the public functions with
torch.linalg's argument names, and the eager checks that turn LAPACK-style `info` codes into `LinAlgError`.
"""

from __future__ import annotations

from torchax._ops import linalg_common as _c, linalg_decomp as _d, linalg_kernels as _n
from torchax._ops.linalg import _cross, _multi_dot, matmul as matmul
from torchax._ops.linalg_common import raise_for_info as _raise_for_info, write_out as _write_out

__all__ = ["LinAlgError", "matmul", "det", "slogdet", "inv", "inv_ex", "solve", "solve_ex", "solve_triangular",
           "cholesky", "cholesky_ex", "qr", "svd", "svdvals", "eig", "eigvals", "eigh", "eigvalsh", "lu_factor",
           "lu_factor_ex", "lu", "lu_solve", "pinv", "matrix_rank", "lstsq", "norm", "vector_norm", "matrix_norm",
           "cond", "matrix_power", "matrix_exp", "multi_dot", "cross", "vecdot", "diagonal", "tensorinv",
           "tensorsolve", "vander", "householder_product"]


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a numerical failure (singular matrix, not positive-definite, ...)."""


# --- determinants, inverses, solves ------------------------------------------------------------------------


def det(A, *, out=None):
    """torch.linalg.det."""
    return _d.det(A, out=out)


slogdet = _d._linalg_slogdet


def inv(A, *, out=None):
    """torch.linalg.inv: LinAlgError for a singular matrix (checked eagerly; not while tracing)."""
    return _write_out(out, _d.inv_checked(A))


def inv_ex(A, *, check_errors=False, out=None):
    """torch.linalg.inv_ex: (inverse, info)."""
    result = _d._linalg_inv_ex(A)
    if check_errors:
        _raise_for_info(result.info, "linalg.inv_ex", _c.singular_inv)
    return _write_out(out, result)


def solve(A, B, *, left=True, out=None):
    """torch.linalg.solve: LinAlgError for a singular matrix."""
    result, info = _n._linalg_solve_ex(A, B, left)
    _raise_for_info(info, "torch.linalg.solve", _c.singular_solve)
    return _write_out(out, result)


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """torch.linalg.solve_ex: (result, info)."""
    result = _n._linalg_solve_ex(A, B, left)
    if check_errors:
        _raise_for_info(result.info, "torch.linalg.solve_ex", _c.singular_solve)
    return _write_out(out, result)


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """torch.linalg.solve_triangular."""
    return _n._linalg_solve_triangular(A, B, upper, left, unitriangular, out=out)


def cholesky(A, *, upper=False, out=None):
    """torch.linalg.cholesky: LinAlgError when A is not positive-definite."""
    L, info = _d._linalg_cholesky_ex(A, upper=upper)
    _raise_for_info(info, "linalg.cholesky", _c.not_pd)
    return _write_out(out, L)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """torch.linalg.cholesky_ex: (L, info)."""
    result = _d._linalg_cholesky_ex(A, upper=upper)
    if check_errors:
        _raise_for_info(result.info, "linalg.cholesky_ex", _c.not_pd)
    return _write_out(out, result)


# --- decompositions ----------------------------------------------------------------------------------------

qr = _d._linalg_qr
svd = _d._linalg_svd
svdvals = _d._linalg_svdvals
eig = _d._linalg_eig
eigvals = _d._linalg_eigvals
eigh = _d._linalg_eigh
eigvalsh = _d._linalg_eigvalsh


def _lu_failed(code: int) -> str:
    return (f"U[{code},{code}] is zero and using it on lu_solve would result in a division by zero. If you still want "
            f"to perform the factorization, consider calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")


def lu_factor(A, *, pivot=True, out=None):
    """torch.linalg.lu_factor: (LU, pivots); a zero pivot raises RuntimeError as in torch."""
    LU, pivots, info = _n._linalg_lu_factor_ex(A, pivot)
    _raise_for_info(info, "torch.linalg.lu_factor", _lu_failed, RuntimeError)
    return _write_out(out, _n.LuFactor(LU, pivots))


def lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """torch.linalg.lu_factor_ex: (LU, pivots, info)."""
    result = _n._linalg_lu_factor_ex(A, pivot)
    if check_errors:
        _raise_for_info(result.info, "torch.linalg.lu_factor_ex", _lu_failed, RuntimeError)
    return _write_out(out, result)


def lu(A, *, pivot=True, out=None):
    """torch.linalg.lu: (P, L, U) with A = P L U."""
    return _n._linalg_lu(A, pivot, out=out)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """torch.linalg.lu_solve."""
    return _n._linalg_lu_solve(LU, pivots, B, left, adjoint, out=out)


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """torch.linalg.pinv (rcond is the deprecated spelling of rtol)."""
    if rcond is not None:
        rtol = rcond
    return _d._linalg_pinv(A, atol, rtol, hermitian, out=out)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """torch.linalg.matrix_rank (tol is the deprecated spelling of atol with rtol=0)."""
    if tol is not None:
        atol, rtol = tol, 0.0
    return _n._linalg_matrix_rank(A, atol, rtol, hermitian, out=out)


def lstsq(A, B, rcond=None, *, driver=None):
    """torch.linalg.lstsq, with the result fields of torch's CPU drivers (default 'gelsy')."""
    result = _n._linalg_lstsq(A, B, rcond, driver)
    if driver in ("gelsd", "gelss") and result.residuals.numel() and not _n.full_rank(result.rank, A):
        result = _n.drop_residuals(result)
    return result


# --- norms and matrix functions ---------------------------------------------------------------------------


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """torch.linalg.vector_norm."""
    return _n._linalg_vector_norm(x, _n.scalar_ord(ord), _n.dims(dim), keepdim, dtype, out=out)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """torch.linalg.matrix_norm."""
    return _n._linalg_matrix_norm(A, _n.matrix_ord(ord), _n.dims(dim), keepdim, dtype, out=out)


def norm(input, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """torch.linalg.norm: a vector norm, or a matrix norm when ord is given for a 2-D input or a 2-tuple dim."""
    if dim is not None:
        dim = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    elif ord is not None and input.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{input.ndim}D.")
    if isinstance(ord, str):
        return matrix_norm(input, ord, (0, 1) if dim is None else dim, keepdim, dtype=dtype, out=out)
    if ord is not None and (dim is None and input.ndim == 2 or dim is not None and len(dim) == 2):
        return matrix_norm(input, ord, (0, 1) if dim is None else dim, keepdim, dtype=dtype, out=out)
    return vector_norm(input, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)


def cond(A, p=None, *, out=None):
    """torch.linalg.cond (a singular matrix gives inf, as in torch)."""
    return _n._linalg_cond(A, _n.matrix_ord(p) if p is not None else None, out=out)


def matrix_power(A, n, *, out=None):
    """torch.linalg.matrix_power."""
    return _n.matrix_power(A, n, out=out)


def matrix_exp(A):
    """torch.linalg.matrix_exp."""
    return _n.matrix_exp(A)


# --- products and shape helpers --------------------------------------------------------------------------


def multi_dot(tensors, *, out=None):
    """torch.linalg.multi_dot."""
    return _multi_dot(list(tensors), out=out)


def cross(input, other, *, dim=-1, out=None):
    """torch.linalg.cross."""
    return _cross(input, other, dim, out=out)


def vecdot(x, y, *, dim=-1, out=None):
    """torch.linalg.vecdot: sum(x.conj() * y, dim)."""
    return _n._linalg_vecdot(x, y, dim, out=out)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """torch.linalg.diagonal (a view, as torch.diagonal)."""
    from torchax._ops.view_copies import check_diagonal_dims
    from torchax._ops.views import diagonal as _diagonal

    check_diagonal_dims(A.ndim, dim1, dim2)
    return _diagonal(A, offset, dim1, dim2)


def tensorinv(A, ind=2, *, out=None):
    """torch.linalg.tensorinv."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    front, back = A.shape[:ind], A.shape[ind:]
    rows, cols = _n.prod(front), _n.prod(back)
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    inverse = _d.inv_checked(A.reshape(rows, cols), "inv")
    return _write_out(out, inverse.reshape(tuple(back) + tuple(front)))


def tensorsolve(A, B, dims=None, *, out=None):
    """torch.linalg.tensorsolve."""
    if dims is not None:
        from torchax._tensor import _wrap_dim

        dims = [_wrap_dim(d, A.ndim) for d in dims]
        rest = [d for d in range(A.ndim) if d not in dims]
        A = A.permute(rest + dims)
    trail, n = A.shape[B.ndim:], B.numel()
    if _n.prod(trail) != n:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {_n.prod(trail)} != {n}")
    x = solve(A.reshape(n, n), B.reshape(n))
    return _write_out(out, x.reshape(tuple(trail)))


def vander(x, N=None):
    """torch.linalg.vander: columns x**0, x**1, ..., x**(N-1)."""
    return _n._linalg_vander(x, N)


def householder_product(A, tau, *, out=None):
    """torch.linalg.householder_product: the first n columns of H_1 ... H_k."""
    return _n._linalg_householder_product(A, tau, out=out)
