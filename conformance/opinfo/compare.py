"""Compare a torchax result with torch's: structure, dtype, shape, values within per-dtype tolerances."""

from __future__ import annotations

import math

import numpy as np
import torch

import torchax

# (rtol, atol) by dtype for forward values and for gradients; integers and bools compare exactly.
# Looser than torch's own same-library defaults: XLA and ATen round differently (fused multiply-adds,
# summation order, transcendental approximations), and gradients accumulate more of it.
TOL = {
    "float64": ((1e-7, 1e-7), (1e-6, 1e-6)),
    "complex128": ((1e-7, 1e-7), (1e-6, 1e-6)),
    "float32": ((1e-5, 1e-5), (1e-4, 1e-4)),
    "complex64": ((1e-5, 1e-5), (1e-4, 1e-4)),
    "float16": ((1e-3, 1e-3), (1e-2, 1e-2)),
    "bfloat16": ((1.6e-2, 1e-2), (5e-2, 5e-2)),
}


EPS = {"float64": 2.0**-52, "complex128": 2.0**-52, "float32": 2.0**-23, "complex64": 2.0**-23, "float16": 2.0**-10,
       "bfloat16": 2.0**-7}


class Mismatch(AssertionError):
    """A difference from torch; `kind` classifies it (wrong value, wrong dtype, wrong shape, wrong structure)."""

    def __init__(self, kind: str, msg: str):
        super().__init__(f"{kind}: {msg}")
        self.kind = kind


def is_tensor(x) -> bool:
    return isinstance(x, (torch.Tensor, torchax.Tensor))


def tensor_array(x) -> np.ndarray:
    """The values of a torch or torchax tensor as numpy (bfloat16/half as float32)."""
    if isinstance(x, torch.Tensor):
        t = torch.zeros(x.shape, dtype=x.dtype) if x._is_zerotensor() else x.detach().resolve_conj().resolve_neg()
        if t.dtype in (torch.bfloat16, torch.float16):
            t = t.float()
        elif t.dtype == torch.complex32:
            t = t.cfloat()
        return t.numpy()
    arr = np.asarray(x.detach()._numpy())
    if str(x.dtype) in ("torch.bfloat16", "torch.float16"):
        arr = arr.astype(np.float32)
    return arr


def dtype_name(x) -> str:
    return str(x.dtype).replace("torch.", "")


def leaves(x, path="out"):
    """Flatten a result into (path, leaf) pairs, keeping containers' structure in the paths."""
    if is_tensor(x):
        return [(path, x)]
    if isinstance(x, (list, tuple)) and not isinstance(x, (torch.Size, torchax.Size)):
        out = [(path + ".len", len(x))]
        for i, v in enumerate(x):
            out += leaves(v, f"{path}[{i}]")
        return out
    if isinstance(x, dict):
        out = [(path + ".keys", tuple(x))]
        for k, v in x.items():
            out += leaves(v, f"{path}[{k!r}]")
        return out
    return [(path, x)]


def _neutral(v):
    if isinstance(v, (torch.dtype, torchax.dtype)):
        return str(v)
    if isinstance(v, (torch.Size, torchax.Size)):
        return ("size", tuple(v))
    if isinstance(v, (torch.device, torchax.device)):
        return ("device", str(v))
    return v


def assert_close(actual, expected, tol, path="out"):
    """Raise Mismatch at the first difference between torchax's `actual` and torch's `expected`."""
    a_leaves, e_leaves = leaves(actual, path), leaves(expected, path)
    if [p for p, _ in a_leaves] != [p for p, _ in e_leaves]:
        raise Mismatch("wrong structure", f"{_short(a_leaves)} vs torch's {_short(e_leaves)}")
    for (p, a), (_, e) in zip(a_leaves, e_leaves):
        if is_tensor(e):
            if not is_tensor(a):
                raise Mismatch("wrong structure", f"{p}: {type(a).__name__} where torch gives a tensor")
            assert_tensor_close(a, e, tol, p)
        else:
            _assert_scalar(_neutral(a), _neutral(e), p)


def assert_tensor_close(a, e, tol, path="out"):
    if dtype_name(a) != dtype_name(e):
        raise Mismatch("wrong dtype", f"{path}: {dtype_name(a)} != torch's {dtype_name(e)}")
    if tuple(a.shape) != tuple(e.shape):
        raise Mismatch("wrong shape", f"{path}: {tuple(a.shape)} != torch's {tuple(e.shape)}")
    assert_arrays(tensor_array(a), tensor_array(e), dtype_name(e), tol, path)


def assert_arrays(a, e, dtype, tol, path):
    if dtype in TOL:
        rtol, atol = tol[dtype]
        finite = np.abs(e[np.isfinite(e)])
        if finite.size:  # plus 8 ulps of the largest value: sums and products round relative to it
            atol = atol + 8 * EPS[dtype] * float(finite.max())
        ok = np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
        if ok and np.array_equal(np.isinf(a), np.isinf(e)):
            return
        with np.errstate(invalid="ignore"):
            diff = np.abs(np.asarray(a, np.complex128) - np.asarray(e, np.complex128))
        worst = np.nanmax(diff) if diff.size and not np.all(np.isnan(diff)) else float("nan")
        raise Mismatch("wrong value", f"{path}: max abs diff {worst:.3g} (rtol={rtol}, atol={atol:.3g})")
    if not np.array_equal(a, e):
        bad = int(np.sum(a != e)) if a.shape == e.shape else -1
        raise Mismatch("wrong value", f"{path}: {bad} of {e.size} elements differ")


def _assert_scalar(a, e, path):
    if isinstance(e, float) and isinstance(a, float):
        if (math.isnan(a) and math.isnan(e)) or math.isclose(a, e, rel_tol=1e-5, abs_tol=1e-6):
            return
        raise Mismatch("wrong value", f"{path}: {a!r} != torch's {e!r}")
    if type(a) is not type(e):
        raise Mismatch("wrong type", f"{path}: {type(a).__name__} != torch's {type(e).__name__}")
    if a != e:
        raise Mismatch("wrong value", f"{path}: {_short(a)} != torch's {_short(e)}")


def assert_statistics(actual, expected, path="out"):
    """Random ops: same structure, dtypes, shapes; float values finite where torch's are, means close."""
    a_leaves, e_leaves = leaves(actual, path), leaves(expected, path)
    if [p for p, _ in a_leaves] != [p for p, _ in e_leaves]:
        raise Mismatch("wrong structure", f"{_short(a_leaves)} vs torch's {_short(e_leaves)}")
    for (p, a), (_, e) in zip(a_leaves, e_leaves):
        if not is_tensor(e):
            continue
        if not is_tensor(a):
            raise Mismatch("wrong structure", f"{p}: {type(a).__name__} where torch gives a tensor")
        if dtype_name(a) != dtype_name(e):
            raise Mismatch("wrong dtype", f"{p}: {dtype_name(a)} != torch's {dtype_name(e)}")
        if tuple(a.shape) != tuple(e.shape):
            raise Mismatch("wrong shape", f"{p}: {tuple(a.shape)} != torch's {tuple(e.shape)}")
        ea, aa = tensor_array(e), tensor_array(a)
        if ea.size < 64 or ea.dtype.kind not in "fiu":
            continue
        ea, aa = ea.astype(np.float64).ravel(), aa.astype(np.float64).ravel()
        if np.isfinite(ea).all() != np.isfinite(aa).all():
            raise Mismatch("wrong value", f"{p}: non-finite values where torch has none (or the reverse)")
        if not np.isfinite(ea).all():
            continue
        sd = max(ea.std(), aa.std(), 1e-12)
        if abs(ea.mean() - aa.mean()) > 6 * sd * math.sqrt(2 / ea.size) + 1e-6:
            raise Mismatch("wrong value", f"{p}: mean {aa.mean():.4g} vs torch's {ea.mean():.4g} (std {sd:.3g})")


def _short(x, n=160):
    s = repr(x)
    return s if len(s) < n else s[:n] + "..."
