"""Conformance: torch.linalg and the torch.* factorizations (det, inverse, cholesky, qr, svd, lu, ...).

Factorizations whose vectors have a sign convention that depends on the LAPACK build (SVD, eigh) are compared
through sign-free quantities: reconstructions (U diag(S) Vh == A), projectors (u u^H) and the values themselves.
Inputs are well conditioned: PD matrices are A A^T + n I built from `data()`.
"""

import pytest
from harness import conformance, tensor
from linalg_inputs import F32, FLOATS, error, eye, ones, pd, quiet, t, upper

# --- determinants, inverses, solves ----------------------------------------------------------------------

TOLS = {"float32": F32, "float64": {}, "complex128": {}, "int64": {}}
CASES = [("float64", ()), ("float64", (2,)), ("float32", (2,))]  # (dtype, batch) for the factorizations


@pytest.mark.parametrize("dtype,batch", CASES, ids=str)
def test_inverse_det(dtype, batch):
    @conformance(**TOLS[dtype])
    def body(T):
        a = upper(T, 3, batch, dtype)
        out = [T.linalg.inv(a), T.inverse(a), a.inverse(), T.linalg.inv_ex(a), T.linalg.det(a), T.det(a), a.det(),
               T.linalg.slogdet(a)]
        if batch:
            out += [T.logdet(a), T.slogdet(a), a.slogdet(), T.linalg.inv(a, out=T.empty(0, dtype=a.dtype))]
        return out

    body()


@conformance()
def test_det_special(T):
    z = t(T, 3, 3, dtype="complex128")
    ones = T.ones(3, 3, dtype=T.float64)
    return (T.linalg.det(ones), T.logdet(ones), T.logdet(-T.eye(3, dtype=T.float64)), T.linalg.slogdet(ones),
            T.slogdet(-T.eye(3, dtype=T.float64)), T.linalg.det(z), T.logdet(z), T.linalg.slogdet(z),
            T.linalg.det(t(T, 0, 0)), T.linalg.slogdet(t(T, 2, 0, 0)), T.linalg.inv(t(T, 2, 0, 0)),
            T.linalg.inv_ex(ones).info, T.linalg.inv_ex(T.stack([T.eye(3, dtype=T.float64), ones])).info)


SOLVE = [((), (3,), True, "float64"), ((), (3, 2), True, "float64"), ((2,), (3,), True, "float64"),
         ((2,), (2, 3), True, "float64"), ((), (5, 3, 2), True, "float64"), ((2,), (2, 2, 3), False, "float64"),
         ((2,), (2, 3), True, "float32")]


@pytest.mark.parametrize("batch,sb,left,dtype", SOLVE, ids=str)
def test_solve(batch, sb, left, dtype):
    @conformance(**TOLS[dtype])
    def body(T):
        a, b = upper(T, 3, batch, dtype), tensor(T, sb, dtype=dtype, seed=1)
        return T.linalg.solve(a, b, left=left), T.linalg.solve_ex(a, b, left=left)

    body()


@pytest.mark.parametrize("dtype", FLOATS)
def test_cholesky(dtype):
    @conformance(**TOLS[dtype])
    def body(T):
        a, b = pd(T, 3, (2,), dtype), t(T, 2, 3, 2, dtype=dtype, seed=1)
        L, U = T.linalg.cholesky(a), T.linalg.cholesky(a, upper=True)
        out = [L, U, T.linalg.cholesky_ex(a), quiet(T.cholesky, a), a.cholesky(), T.cholesky_solve(b, L),
               T.cholesky_inverse(L)]
        if dtype == "float64":
            skew = a + T.triu(t(T, 2, 3, 3, dtype=dtype, seed=2), 1)  # only one triangle is read
            out += [T.linalg.cholesky(skew), T.linalg.cholesky(skew.mT, upper=True), quiet(T.cholesky, a, True),
                    b.cholesky_solve(U, True), T.cholesky_solve(b[0], L), T.cholesky_inverse(U, upper=True),
                    L.cholesky_inverse(), T.linalg.cholesky(a, out=T.empty(0, dtype=a.dtype))]
        return out

    body()


@conformance()
def test_cholesky_info(T):
    bad = T.stack([T.eye(3), -T.eye(3), T.tensor([[4.0, 2, 1], [2, 1, 0], [1, 0, 1]]),
                   T.tensor([[4.0, 2, 1], [2, 2, 0], [1, 0, -1]])])
    z = t(T, 3, 3, dtype="complex128")
    return (T.linalg.cholesky_ex(bad).info, T.linalg.cholesky_ex(bad[3]).info, T.linalg.cholesky(z @ z.mH + T.eye(3)),
            T.linalg.cholesky(t(T, 0, 0)))


@pytest.mark.parametrize("dtype", FLOATS)
def test_lu(dtype):
    @conformance(**TOLS[dtype])
    def body(T):
        sq, b = upper(T, 3, (2,), dtype), t(T, 2, 3, 2, dtype=dtype, seed=1)
        LU, piv = T.linalg.lu_factor(sq)
        out = [LU, piv, T.linalg.lu_solve(LU, piv, b)]
        if dtype == "float64":
            a = t(T, 2, 3, 4, dtype=dtype)
            out += [T.linalg.lu_factor_ex(a), T.linalg.lu(sq), T.linalg.lu(a), T.lu_unpack(LU, piv),
                    T.linalg.lu_solve(LU, piv, b, adjoint=True), T.linalg.lu_solve(LU, piv, b.mT, left=False),
                    quiet(T.lu_solve, b, LU, piv), quiet(T.lu, sq), quiet(sq.lu, get_infos=True),
                    T.linalg.lu_factor_ex(T.ones(2, 3, 3, dtype=T.float64)).info]
        return out

    body()


@conformance()
def test_triangular_solve(T):
    a, b = upper(T, 3, (2,)), t(T, 2, 3, 2, seed=1)
    u, lo = T.triu(a), T.tril(a)
    return (T.linalg.solve_triangular(u, b, upper=True), T.linalg.solve_triangular(lo, b, upper=False),
            T.linalg.solve_triangular(u, b.mT, upper=True, left=False),
            T.linalg.solve_triangular(u, b, upper=True, unitriangular=True),
            T.linalg.solve_triangular(u[0], b, upper=True), quiet(T.triangular_solve, b, u),
            quiet(T.triangular_solve, b, lo, upper=False), quiet(T.triangular_solve, b, u, transpose=True),
            quiet(b.triangular_solve, u, True, False, True),
            T.linalg.solve_triangular(T.eye(3, dtype=T.float32), b[0], upper=True))  # B takes A's dtype


# --- QR, SVD, eigen-decompositions ---------------------------------------------------------------------------

DECOMP = [("float64", (4, 3)), ("float64", (3, 4)), ("float64", (2, 4, 3)), ("float32", (2, 4, 3))]


@pytest.mark.parametrize("dtype,shape", DECOMP, ids=str)
def test_qr(dtype, shape):
    @conformance(**TOLS[dtype])
    def body(T):
        a = tensor(T, shape, dtype=dtype)
        q, r = T.linalg.qr(a)
        out = [q, r, q @ r, type(T.linalg.qr(a)).__name__]
        if dtype == "float64" and len(shape) == 2:
            out += [T.linalg.qr(a, mode="complete"), T.linalg.qr(a, "r"), quiet(T.qr, a), quiet(a.qr, some=False)]
        return out

    body()


def _svd_parts(U, S, Vh):
    """Sign-free views of a reduced SVD: the values, the reconstruction and the rank-one terms u_i v_i^H."""
    return S, (U * S.unsqueeze(-2)) @ Vh, U.unsqueeze(-1) * Vh.unsqueeze(-3)


@pytest.mark.parametrize("dtype,shape", DECOMP, ids=str)
def test_svd(dtype, shape):
    @conformance(**TOLS[dtype])
    def body(T):
        a = tensor(T, shape, dtype=dtype)
        full, reduced = T.linalg.svd(a), T.linalg.svd(a, full_matrices=False)
        out = [_svd_parts(*reduced), type(full).__name__, full.U.shape, full.Vh.shape, full.S, T.linalg.svdvals(a),
               full.U @ full.U.mT, full.Vh @ full.Vh.mT]
        if shape == (4, 3) and dtype == "float64":
            U, S, V = T.svd(a)
            U2, S2, V2 = a.svd(some=False)
            out += [_svd_parts(U, S, V.mT), U2 @ U2.mT, V2 @ V2.mT, S2, T.svd(a, compute_uv=False),
                    T.svd(a, some=False, compute_uv=False)]
        return out

    body()


@pytest.mark.parametrize("dtype", FLOATS)
def test_eigh(dtype):
    @conformance(**TOLS[dtype])
    def body(T):
        a = upper(T, 3, (2,), dtype)  # not symmetric: only the UPLO triangle is read
        out = [type(T.linalg.eigh(a)).__name__]
        for uplo in ("L", "U") if dtype == "float64" else ("L",):
            w, v = T.linalg.eigh(a, UPLO=uplo)
            projectors = v.mT.unsqueeze(-1) * v.mT.unsqueeze(-2)  # v_k v_k^T: free of the sign convention
            out += [w, projectors, (v * w.unsqueeze(-2)) @ v.mT, T.linalg.eigvalsh(a, uplo)]
        return out

    body()


@pytest.mark.parametrize("dtype", FLOATS)
def test_eig(dtype):
    @conformance(**TOLS[dtype])
    def body(T):
        a = upper(T, 3, (2,), dtype) + T.tril(t(T, 2, 3, 3, dtype=dtype, seed=3), -1) * 3
        w, v = T.linalg.eig(a)
        residual = a.to(v.dtype) @ v - v * w.unsqueeze(-2)
        return w, T.linalg.eigvals(a), residual, v.dtype

    body()


# --- pseudo-inverse, rank, least squares, norms, matrix functions ----------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
def test_pinv(dtype):
    @conformance(**TOLS[dtype])
    def body(T):
        a = t(T, 2, 4, 3, dtype=dtype)
        if dtype == "float32":
            return T.linalg.pinv(a), T.pinverse(a)
        ones, atol = T.ones(3, 2, dtype=T.float64), T.tensor([0.1, 2.0], dtype=T.float64)
        return (T.linalg.pinv(a), T.linalg.pinv(a.mT), T.linalg.pinv(ones), T.linalg.pinv(ones, rcond=0.1),
                T.linalg.pinv(pd(T), hermitian=True), T.linalg.pinv(a, atol=1.0), T.linalg.pinv(a, rtol=0.5),
                T.linalg.pinv(a, atol=0.5, rtol=0.3), T.linalg.pinv(a, atol=atol), T.pinverse(a),
                T.pinverse(ones, rcond=0.1), a.pinverse(), T.linalg.pinv(t(T, 0, 3)))

    body()


@conformance()
def test_matrix_rank(T):
    a, ones = t(T, 2, 4, 3), T.ones(3, 3)
    return (T.linalg.matrix_rank(a), T.linalg.matrix_rank(ones), T.linalg.matrix_rank(ones, hermitian=True),
            T.linalg.matrix_rank(a, tol=1.0), T.linalg.matrix_rank(a, atol=1.0, rtol=0.2),
            T.linalg.matrix_rank(a, rtol=0.5), T.linalg.matrix_rank(a, atol=T.tensor([0.1, 5.0], dtype=T.float64)),
            T.linalg.matrix_rank(a.float()), T.linalg.matrix_rank(t(T, 0, 3)))


LSTSQ = [((4, 3), (4, 2), None), ((3, 4), (3, 2), None), ((2, 4, 3), (2, 4, 2), None), ((2, 4, 3), (2, 4), None),
         ((4, 3), (4, 2), "gelsd"), ((4, 3), (4,), "gelsd"), ((4, 3), (4, 2), "gelss"), ((3, 4), (3, 2), "gels")]


@pytest.mark.parametrize("sa,sb,driver", LSTSQ, ids=str)
@conformance()
def test_lstsq(T, sa, sb, driver):
    return T.linalg.lstsq(tensor(T, sa, dtype="float64"), tensor(T, sb, dtype="float64", seed=1), driver=driver)


@conformance(**F32)
def test_lstsq_float32(T):
    a, b = t(T, 2, 4, 3, dtype="float32"), t(T, 2, 4, 2, dtype="float32", seed=1)
    return T.linalg.lstsq(a, b), T.linalg.lstsq(a, b, driver="gelsy")


@conformance()
def test_lstsq_special(T):
    ones, b = T.ones(3, 2, dtype=T.float64), t(T, 3, 2)
    return (T.linalg.lstsq(ones, b), T.linalg.lstsq(ones, b, driver="gelsd"), T.linalg.lstsq(t(T, 0, 3), t(T, 0, 2)),
            error(lambda: T.linalg.lstsq(t(T, 2, 4, 3), t(T, 4, 2))))


@conformance()
def test_lstsq_gelsy_truncated(T):
    a = T.tensor([[1.0, 2], [3, 4], [5, 7]], dtype=T.float64)
    return T.linalg.lstsq(a, T.tensor([[1.0, 0], [0, 1], [1, 1]], dtype=T.float64), rcond=0.5)


VECTOR_NORMS = [(2, None, False), (0, None, False), (1, 1, False), (float("inf"), 1, True),
                (-float("inf"), (0, 1), True), (3.5, -1, False), (-1, -1, False), (-2.5, [0], False), (2, [], False),
                (float("nan"), None, False), (True, None, False)]


@pytest.mark.parametrize("ord,dim,keepdim", VECTOR_NORMS, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@conformance()
def test_vector_norm(T, ord, dim, keepdim, dtype):
    return T.linalg.vector_norm(t(T, 2, 3, dtype=dtype), ord, dim, keepdim)


@pytest.mark.parametrize("ord", [2, 1, float("inf"), 3.5], ids=str)
@pytest.mark.parametrize("dtype", ["complex64", "float16", "bfloat16"])
@conformance()
def test_vector_norm_dtypes(T, ord, dtype):
    return T.linalg.vector_norm(t(T, 2, 3, dtype=dtype), ord)


@conformance()
def test_vector_norm_special(T):
    x = t(T, 2, 3, dtype="float32")
    return (T.linalg.vector_norm(x, dtype=T.float64), T.linalg.vector_norm(x.half(), 3, dtype=T.float32),
            T.linalg.vector_norm(x.cfloat(), dtype=T.complex128), T.linalg.vector_norm(t(T, 0, 3), 2),
            T.linalg.vector_norm(t(T, 0, 3), float("inf"), 1), T.linalg.vector_norm(t(T, 0, 3), 2, 0),
            T.linalg.vector_norm(x[0, 0]), T.linalg.vector_norm(x, 0, out=T.empty(())))


MATRIX_ORDS = ["fro", "nuc", 2, -2, 1, -1, float("inf"), -float("inf")]


@pytest.mark.parametrize("ord", MATRIX_ORDS, ids=str)
@conformance()
def test_matrix_norm(T, ord):
    a = t(T, 4, 2, 3)
    return T.linalg.matrix_norm(a, ord), T.linalg.matrix_norm(a, ord, (2, 0), True), T.linalg.norm(a, ord, (-2, -1))


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, 1, -float("inf")], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "complex128"])
def test_matrix_norm_dtypes(ord, dtype):
    @conformance(**TOLS[dtype])
    def body(T):
        return T.linalg.matrix_norm(t(T, 4, 2, 3, dtype=dtype), ord)

    body()


@pytest.mark.parametrize("ord", MATRIX_ORDS, ids=str)
@conformance()
def test_matrix_norm_empty(T, ord):
    a, b = t(T, 0, 3), t(T, 3, 0)
    return error(lambda: T.linalg.matrix_norm(a, ord)), error(lambda: T.linalg.matrix_norm(b, ord))


@conformance()
def test_norm_dispatch(T):
    x = t(T, 2, 3, 4, dtype="float32")
    return (T.linalg.norm(x), T.linalg.norm(x, dim=1), T.linalg.norm(x, dim=(0, 1)), T.linalg.norm(x[0, 0], 2),
            T.linalg.norm(x[0, 0], 0), T.linalg.norm(x, "fro", (0, 1), True), T.linalg.norm(x, 1, 1),
            T.linalg.norm(x, 1, (0, 1)), T.linalg.norm(x[0], float("inf")), T.linalg.norm(x[0], "nuc"),
            T.linalg.norm(x, dtype=T.float64), T.linalg.norm(x, 2, (1, 2), dtype=T.float64),
            T.linalg.matrix_norm(x.half()), T.linalg.matrix_norm(x.half(), 1), T.linalg.matrix_norm(x, dtype=T.float64),
            T.linalg.norm(x[0], out=T.empty(())))


@pytest.mark.parametrize("p", [None, -2, "fro", 1, -float("inf")], ids=str)
@conformance()
def test_cond(T, p):
    return T.linalg.cond(upper(T, 3, (2,)), p)


@conformance()
def test_cond_special(T):
    return (T.linalg.cond(t(T, 3, 2)), T.linalg.cond(ones(T), "fro"), T.linalg.cond(ones(T), -2),
            T.linalg.cond(t(T, 0, 0)), T.linalg.cond(t(T, 3, 3, dtype="complex128"), 1))


@conformance()
def test_cond_singular_float32(T):
    return T.linalg.cond(T.ones(3, 3))


@pytest.mark.parametrize("n", [0, 1, 2, 5, -1, -3])
@conformance()
def test_matrix_power(T, n):
    a = upper(T, 3, (2,)) * 0.25
    return T.linalg.matrix_power(a, n), T.matrix_power(a, n), a.matrix_power(n)


@conformance(**F32)
def test_matrix_power_dtypes(T):
    a, b = upper(T, 3, (), "float32") * 0.25, t(T, 3, 3, dtype="bool")
    i = upper(T).long()
    return (T.linalg.matrix_power(a, 2), T.linalg.matrix_power(a, -1), T.linalg.matrix_power(i, 3),
            T.linalg.matrix_power(b, 0), T.linalg.matrix_power(b, 1), T.linalg.matrix_power(t(T, 0, 0), 3),
            error(lambda: T.linalg.matrix_power(i, -1)), error(lambda: T.linalg.matrix_power(b, 2)),
            error(lambda: T.linalg.matrix_power(T.ones(3, 3), -1)))


@pytest.mark.parametrize("dtype", FLOATS)
def test_matrix_exp(dtype):
    @conformance(**TOLS[dtype])
    def body(T):
        a = t(T, 2, 3, 3, dtype=dtype)
        out = [T.linalg.matrix_exp(a), a.matrix_exp()]
        if dtype == "float64":
            out += [T.matrix_exp(a * 4), T.linalg.matrix_exp(t(T, 0, 0)), T.linalg.matrix_exp(a.cdouble())]
        return out

    body()


@conformance()
def test_matrix_exp_half(T):
    a = t(T, 2, 2, dtype="float32") * 0.1
    return T.linalg.matrix_exp(a.half()), T.linalg.matrix_exp(a.bfloat16())


@conformance()
def test_tensorinv_tensorsolve(T):
    a = t(T, 6, 2, 3)
    return (T.linalg.tensorinv(a, ind=1), T.linalg.tensorinv(a.reshape(2, 3, 2, 3)),
            T.linalg.tensorsolve(a.reshape(2, 3, 6), t(T, 2, 3, seed=1)),
            T.linalg.tensorsolve(a, t(T, 2, 3, seed=1), dims=(0,)),
            T.linalg.tensorsolve(a.reshape(2, 3, 6), t(T, 3, 2)))


@conformance()
def test_vander_householder_diagonal(T):
    a, tau = t(T, 2, 4, 3), t(T, 2, 2, seed=1)
    return (T.linalg.vander(t(T, 3)), T.linalg.vander(t(T, 3, dtype="int64"), N=4),
            T.linalg.vander(t(T, 2, 3, dtype="float32")), T.linalg.vander(t(T, 3, dtype="int8")),
            T.linalg.householder_product(a, tau), T.linalg.householder_product(a[0], tau[0, :1]),
            T.linalg.diagonal(a), T.linalg.diagonal(a, offset=1, dim1=0, dim2=2))


# --- errors: builtin class, first message line, LinAlgError or not --------------------------------------------

ERRORS = {
    "inv-singular": lambda T: T.linalg.inv(ones(T)),
    "inv-singular-batch": lambda T: T.linalg.inv(T.stack([eye(T), ones(T)])),
    "inv_ex-check": lambda T: T.linalg.inv_ex(T.stack([eye(T), ones(T)]), check_errors=True),
    "inverse-singular": lambda T: T.inverse(ones(T)),
    "inv-int": lambda T: T.linalg.inv(t(T, 3, 3, dtype="int64")),
    "inv-half": lambda T: T.linalg.inv(t(T, 3, 3, dtype="float16")),
    "inv-square": lambda T: T.linalg.inv(t(T, 2, 3)),
    "inv-1d": lambda T: T.linalg.inv(t(T, 3)),
    "det-int": lambda T: T.linalg.det(t(T, 3, 3, dtype="int64")),
    "det-half": lambda T: T.linalg.det(t(T, 3, 3, dtype="float16")),
    "logdet-int": lambda T: T.logdet(t(T, 3, 3, dtype="int64")),
    "slogdet-square": lambda T: T.linalg.slogdet(t(T, 2, 3)),
    "solve-singular": lambda T: T.linalg.solve(ones(T), t(T, 3)),
    "solve-singular-batch": lambda T: T.linalg.solve(T.stack([eye(T), ones(T)]), t(T, 3)),
    "solve_ex-check": lambda T: T.linalg.solve_ex(ones(T), t(T, 3), check_errors=True),
    "solve-shapes": lambda T: T.linalg.solve(eye(T), t(T, 2, 3)),
    "solve-shapes-right": lambda T: T.linalg.solve(eye(T), t(T, 3), left=False),
    "solve-dtype": lambda T: T.linalg.solve(T.eye(3), t(T, 3)),
    "solve-batch": lambda T: T.linalg.solve(upper(T, 3, (2,)), t(T, 4, 3, 1)),
    "cholesky-not-pd": lambda T: T.linalg.cholesky(T.stack([ones(T), ones(T)])),
    "cholesky-not-pd-batch": lambda T: T.linalg.cholesky(T.stack([eye(T), -eye(T)])),
    "cholesky_ex-check": lambda T: T.linalg.cholesky_ex(T.stack([eye(T), -eye(T)]), check_errors=True),
    "torch-cholesky-not-pd": lambda T: quiet(T.cholesky, T.stack([-eye(T), eye(T)])),
    "cholesky-int": lambda T: T.linalg.cholesky(t(T, 3, 3, dtype="int64")),
    "cholesky-half": lambda T: T.linalg.cholesky(t(T, 3, 3, dtype="float16")),
    "cholesky_solve-1d": lambda T: T.cholesky_solve(t(T, 3), T.eye(3, dtype=T.float64)),
    "cholesky_solve-dtype": lambda T: T.cholesky_solve(t(T, 3, 2, dtype="float32"), T.eye(3, dtype=T.float64)),
    "cholesky_inverse-int": lambda T: T.cholesky_inverse(t(T, 3, 3, dtype="int64")),
    "lu_factor-singular": lambda T: T.linalg.lu_factor(T.stack([ones(T), ones(T)])),
    "lu_factor-singular-batch": lambda T: T.linalg.lu_factor(T.stack([eye(T), ones(T)])),
    "lu_factor_ex-check": lambda T: T.linalg.lu_factor_ex(T.stack([eye(T), ones(T)]), check_errors=True),
    "lu_factor-pivot": lambda T: T.linalg.lu_factor(t(T, 3, 3), pivot=False),
    "lu_factor-int": lambda T: T.linalg.lu_factor(t(T, 3, 3, dtype="int64")),
    "lu_solve-pivots": lambda T: T.linalg.lu_solve(eye(T), T.tensor([1, 2, 3]), t(T, 3, 2)),
    "lu_solve-1d": lambda T: T.linalg.lu_solve(eye(T), T.tensor([1, 2, 3], dtype=T.int32), t(T, 3)),
    "solve_triangular-int": lambda T: T.linalg.solve_triangular(t(T, 3, 3, dtype="int64"), t(T, 3, 2, dtype="int64"),
                                                                upper=True),
    "solve_triangular-shapes": lambda T: T.linalg.solve_triangular(eye(T), t(T, 2, 2), upper=True),
    "qr-mode": lambda T: T.linalg.qr(t(T, 2, 3), mode="x"),
    "qr-int": lambda T: T.linalg.qr(t(T, 2, 3, dtype="int64")),
    "qr-half": lambda T: T.linalg.qr(t(T, 2, 3, dtype="float16")),
    "svd-int": lambda T: T.linalg.svd(t(T, 2, 3, dtype="int64")),
    "svd-driver": lambda T: T.linalg.svd(t(T, 2, 3), driver="gesvd"),
    "eigh-uplo": lambda T: T.linalg.eigh(T.eye(3), UPLO="X"),
    "eigh-square": lambda T: T.linalg.eigh(t(T, 2, 3)),
    "eigh-int": lambda T: T.linalg.eigh(t(T, 3, 3, dtype="int64")),
    "eig-int": lambda T: T.linalg.eig(t(T, 3, 3, dtype="int64")),
    "pinv-int": lambda T: T.linalg.pinv(t(T, 3, 2, dtype="int64")),
    "pinv-hermitian": lambda T: T.linalg.pinv(t(T, 3, 2), hermitian=True),
    "matrix_rank-1d": lambda T: T.linalg.matrix_rank(t(T, 3)),
    "matrix_rank-int": lambda T: T.linalg.matrix_rank(t(T, 3, 3, dtype="int64")),
    "lstsq-driver": lambda T: T.linalg.lstsq(t(T, 4, 3), t(T, 4, 2), driver="foo"),
    "lstsq-dtype": lambda T: T.linalg.lstsq(t(T, 4, 3), t(T, 4, 2, dtype="float32")),
    "lstsq-rows": lambda T: T.linalg.lstsq(t(T, 4, 3), t(T, 3, 2)),
    "lstsq-dims": lambda T: T.linalg.lstsq(t(T, 4, 3), t(T, 2, 3, 2)),
    "lstsq-int": lambda T: T.linalg.lstsq(t(T, 4, 3, dtype="int64"), t(T, 4, 2, dtype="int64")),
    "vector_norm-int": lambda T: T.linalg.vector_norm(t(T, 2, 3, dtype="int64")),
    "vector_norm-narrowing": lambda T: T.linalg.vector_norm(t(T, 2, 3), dtype=T.float32),
    "vector_norm-complex-dtype": lambda T: T.linalg.vector_norm(t(T, 3, dtype="complex64"), dtype=T.float64),
    "vector_norm-empty-inf": lambda T: T.linalg.vector_norm(t(T, 0, 3), float("inf")),
    "vector_norm-empty-neg": lambda T: T.linalg.vector_norm(t(T, 0, 3), -1.5),
    "vector_norm-str": lambda T: T.linalg.vector_norm(t(T, 2, 3), "fro"),
    "vector_norm-dim": lambda T: T.linalg.vector_norm(t(T, 2, 3), dim=2),
    "vector_norm-dims": lambda T: T.linalg.vector_norm(t(T, 2, 3), dim=(0, 0)),
    "matrix_norm-ord": lambda T: T.linalg.matrix_norm(t(T, 2, 3), ord=3),
    "matrix_norm-ord-str": lambda T: T.linalg.matrix_norm(t(T, 2, 3), ord="abc"),
    "matrix_norm-1d": lambda T: T.linalg.matrix_norm(t(T, 3)),
    "matrix_norm-dims": lambda T: T.linalg.matrix_norm(t(T, 2, 3), dim=(0, 0)),
    "matrix_norm-3dims": lambda T: T.linalg.matrix_norm(t(T, 2, 3), dim=(0, 1, 2)),
    "matrix_norm-half-2": lambda T: T.linalg.matrix_norm(t(T, 2, 3, dtype="float16"), ord=2),
    "norm-3d-ord": lambda T: T.linalg.norm(t(T, 2, 3, 4), ord=2),
    "norm-dims": lambda T: T.linalg.norm(t(T, 2, 3, 4), dim=(0, 1, 2)),
    "norm-matrix-ord": lambda T: T.linalg.norm(t(T, 2, 3), ord=0),
    "norm-nuc-dim": lambda T: T.linalg.norm(t(T, 2, 3), ord="nuc", dim=1),
    "norm-fro-1d": lambda T: T.linalg.norm(t(T, 3), ord="fro"),
    "cond-ord": lambda T: T.linalg.cond(t(T, 3, 2), 3),
    "cond-square": lambda T: T.linalg.cond(t(T, 3, 2), 1),
    "cond-int": lambda T: T.linalg.cond(t(T, 3, 3, dtype="int64")),
    "matrix_power-square": lambda T: T.linalg.matrix_power(t(T, 3, 2), 2),
    "matrix_power-int-inverse": lambda T: T.linalg.matrix_power(t(T, 3, 3, dtype="int64"), -1),
    "matrix_exp-int": lambda T: T.linalg.matrix_exp(t(T, 3, 3, dtype="int64")),
    "tensorinv-ind": lambda T: T.linalg.tensorinv(t(T, 4, 6, 8, 3), ind=0),
    "tensorinv-shape": lambda T: T.linalg.tensorinv(t(T, 4, 6, 8, 2), ind=2),
    "tensorinv-singular": lambda T: T.linalg.tensorinv(ones(T).reshape(3, 1, 3), ind=2),
    "tensorsolve-shape": lambda T: T.linalg.tensorsolve(t(T, 6, 2, 3), t(T, 6), dims=(0,)),
    "tensorsolve-singular": lambda T: T.linalg.tensorsolve(T.ones(3, 1, 3, dtype=T.float64), t(T, 3, 1)),
    "vander-bool": lambda T: T.linalg.vander(t(T, 3, dtype="bool")),
    "vander-N": lambda T: T.linalg.vander(t(T, 3), N=1),
    "householder-shape": lambda T: T.linalg.householder_product(t(T, 2, 3), t(T, 2)),
    "householder-tau": lambda T: T.linalg.householder_product(t(T, 3, 2), t(T, 3)),
    "householder-dtype": lambda T: T.linalg.householder_product(t(T, 3, 2), t(T, 2, dtype="float32")),
    "householder-int": lambda T: T.linalg.householder_product(t(T, 3, 2, dtype="int64"), t(T, 2, dtype="int64")),
}


@pytest.mark.parametrize("case", list(ERRORS), ids=str)
@conformance()
def test_errors(T, case):
    return error(lambda: ERRORS[case](T))


@conformance()
def test_linalg_error_class(T):
    return issubclass(T.linalg.LinAlgError, RuntimeError), T.linalg.LinAlgError.__name__.lstrip("_")
