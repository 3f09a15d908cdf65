"""torch.svd_lowrank / torch.pca_lowrank: randomized low-rank SVD (Halko, Martinsson and Tropp 2009, algorithms
4.4 and 5.1), composed from torchax ops as torch composes them, so the same seed draws the same test matrix."""

from __future__ import annotations

__all__ = ["svd_lowrank", "pca_lowrank"]


def _float_dtype(A):
    import torchax

    return A.dtype if A.is_floating_point() or A.is_complex() else torchax.float32


def _approximate_basis(A, q, niter=2, M=None):
    """Q with orthonormal columns such that Q Q^H (A - M) approximates A - M (niter subspace iterations)."""
    import torchax

    niter = 2 if niter is None else niter
    R = torchax.randn(A.shape[-1], q, dtype=_float_dtype(A), device=A.device)
    X = A.matmul(R)
    if M is not None:
        X = X - M.matmul(R)
    Q = torchax.linalg.qr(X).Q
    for _ in range(niter):
        X = A.mH.matmul(Q)
        if M is not None:
            X = X - M.mH.matmul(Q)
        Q = torchax.linalg.qr(X).Q
        X = A.matmul(Q)
        if M is not None:
            X = X - M.matmul(Q)
        Q = torchax.linalg.qr(X).Q
    return Q


def svd_lowrank(A, q=6, niter=2, M=None):
    """torch.svd_lowrank: (U, S, V) of rank q with A - M ~ U diag(S) V^H (a randomized method: seed for repeats)."""
    import torchax

    q = 6 if q is None else q
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.size())
    if m < n:  # the algorithm wants a tall matrix
        A = A.mH
        M = None if M is None else M.mH
    Q = _approximate_basis(A, q, niter=niter, M=M)
    B = Q.mH.matmul(A)
    if M is not None:
        B = B - Q.mH.matmul(M)
    U, S, Vh = torchax.linalg.svd(B, full_matrices=False)
    V = Vh.mH
    U = Q.matmul(U)
    if m < n:
        U, V = V, U
    return U, S, V


def pca_lowrank(A, q=None, center=True, niter=2):
    """torch.pca_lowrank: svd_lowrank of A with its column means removed (center=True)."""
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)={min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return svd_lowrank(A, q, niter=niter, M=None)
    return svd_lowrank(A - A.mean(dim=(-2,), keepdim=True), q, niter=niter, M=None)
