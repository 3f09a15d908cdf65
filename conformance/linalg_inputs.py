"""Shared inputs and helpers of the linear-algebra conformance tests (test_linalg*.py)."""

import warnings

import torch
from harness import tensor

import torchax

F32 = dict(rtol=1e-4, atol=1e-5)  # float32 factorizations: LAPACK builds round differently
FLOATS = ["float32", "float64"]


def t(T, *shape, dtype="float64", seed=0):
    return tensor(T, shape, dtype=dtype, seed=seed)


def pd(T, n=3, batch=(), dtype="float64", seed=0):
    """A well-conditioned symmetric positive-definite (batch of) matrix."""
    a = tensor(T, batch + (n, n), dtype=dtype, seed=seed)
    return a @ a.mT + n * T.eye(n, dtype=a.dtype)


def upper(T, n=3, batch=(), dtype="float64"):
    """A well-conditioned non-symmetric matrix (PD plus an upper-triangular perturbation)."""
    return pd(T, n, batch, dtype) + T.triu(tensor(T, batch + (n, n), dtype=dtype, seed=7), 1)


def quiet(fn, *args, **kwargs):
    """Call a deprecated torch function (torch warns once per process, so the warning itself is not compared)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def ones(T):
    return T.ones(3, 3, dtype=T.float64)


def eye(T):
    return T.eye(3, dtype=T.float64)


def error(fn):
    """What a call raises: its builtin class, first message line, and whether it is a LinAlgError."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error is the result
        base = next(c for c in type(e).__mro__ if c.__module__ == "builtins")
        linalg = isinstance(e, (torch.linalg.LinAlgError, torchax.linalg.LinAlgError))
        return base.__name__, str(e).split("\n")[0], linalg
    return None


