"""One test body, two libraries: run `body(T)` with T=torch and T=torchax and compare what comes back.

Results are compared as trees: tensors by dtype, shape and values (tolerance per dtype, exact for
integers and bools, NaNs equal), Python scalars by type and value, strings exactly, containers by
structure. If torch raises, torchax must raise the same kind of exception (same builtin base class).
"""

from __future__ import annotations

import builtins
import functools
import inspect
import math

import numpy as np
import torch

import torchax

# (rtol, atol) by dtype name; integers and bools compare exactly.
TOL = {
    "float64": (1e-7, 1e-7),
    "complex128": (1e-7, 1e-7),
    "float32": (1.3e-6, 1e-5),
    "complex64": (1.3e-6, 1e-5),
    "float16": (1e-3, 1e-3),
    "bfloat16": (1.6e-2, 1e-2),
}


class Mismatch(AssertionError):
    pass


def _is_tensor(x) -> bool:
    return isinstance(x, (torch.Tensor, torchax.Tensor))


def _tensor_leaf(x):
    dtype = str(x.dtype).replace("torch.", "")
    t = x.detach()
    if isinstance(x, torch.Tensor):
        arr = (t.float() if x.dtype is torch.bfloat16 else t.cfloat() if x.dtype is torch.complex32 else t).numpy()
    else:
        arr = np.asarray(t._numpy()).astype(np.float32) if dtype == "bfloat16" else t._numpy()
    return ("tensor", dtype, tuple(x.shape), arr, bool(x.requires_grad))


def to_tree(x):
    """Library-neutral form of a result."""
    if _is_tensor(x):
        return _tensor_leaf(x)
    if isinstance(x, (torch.dtype, torchax.dtype)):
        return ("dtype", str(x))
    if isinstance(x, (torch.device, torchax.device)):
        return ("device", str(x))
    if isinstance(x, (torch.Size, torchax.Size)):
        return ("size", tuple(x))
    if isinstance(x, tuple) and hasattr(x, "_fields") or type(x).__module__ == "torch.return_types":
        return ("structseq", type(x).__name__, tuple(to_tree(v) for v in x))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(to_tree(v) for v in x))
    if isinstance(x, dict):
        return ("dict", tuple((k, to_tree(v)) for k, v in x.items()))
    if isinstance(x, np.ndarray):
        return ("ndarray", x.dtype.str, x.shape, x)
    if isinstance(x, (torch.finfo, torchax.finfo, torch.iinfo, torchax.iinfo)):
        return ("info", repr(x))
    return x


def assert_trees_close(actual, expected, rtol=None, atol=None, check_dtype=True, path="result"):
    """Compare two `to_tree` results; raises Mismatch naming the first difference."""
    if isinstance(expected, tuple) and expected and expected[0] == "tensor":
        if not (isinstance(actual, tuple) and actual and actual[0] == "tensor"):
            raise Mismatch(f"{path}: expected a tensor, got {actual!r}")
        _, edt, eshape, earr, egrad = expected
        _, adt, ashape, aarr, agrad = actual
        if check_dtype and edt != adt:
            raise Mismatch(f"{path}: dtype {adt} != torch's {edt}")
        if eshape != ashape:
            raise Mismatch(f"{path}: shape {ashape} != torch's {eshape}")
        if egrad != agrad:
            raise Mismatch(f"{path}: requires_grad {agrad} != torch's {egrad}")
        _assert_arrays(aarr, earr, edt, rtol, atol, path)
        return
    if isinstance(expected, tuple) and expected and expected[0] == "ndarray":
        if not (isinstance(actual, tuple) and actual[:3] == expected[:3]):
            raise Mismatch(f"{path}: ndarray {actual[:3]!r} != torch's {expected[:3]!r}")
        _assert_arrays(actual[3], expected[3], str(expected[3].dtype), rtol, atol, path)
        return
    if isinstance(expected, tuple):
        if not isinstance(actual, tuple) or len(actual) != len(expected):
            raise Mismatch(f"{path}: {_short(actual)} != torch's {_short(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_trees_close(a, e, rtol, atol, check_dtype, f"{path}[{i}]")
        return
    if isinstance(expected, float) and isinstance(actual, float):
        if math.isnan(expected) and math.isnan(actual):
            return
        r, a = TOL["float64"] if rtol is None else (rtol, atol)
        if not math.isclose(actual, expected, rel_tol=max(r, 1e-6), abs_tol=max(a or 0, 1e-6)):
            raise Mismatch(f"{path}: {actual!r} != torch's {expected!r}")
        return
    if type(actual) is not type(expected) or actual != expected:
        raise Mismatch(f"{path}: {actual!r} ({type(actual).__name__}) != torch's {expected!r} "
                       f"({type(expected).__name__})")


def _short(x, n=200):
    s = repr(x)
    return s if len(s) < n else s[:n] + "..."


def _assert_arrays(actual, expected, dtype_name, rtol, atol, path):
    if dtype_name in TOL:
        r, a = TOL[dtype_name]
        r, a = (r if rtol is None else rtol), (a if atol is None else atol)
        ok = np.allclose(actual, expected, rtol=r, atol=a, equal_nan=True)
        if not ok or not np.array_equal(np.isinf(actual), np.isinf(expected)):
            diff = np.abs(np.asarray(actual, np.complex128) - np.asarray(expected, np.complex128))
            raise Mismatch(f"{path}: values differ (max abs diff {np.nanmax(diff) if diff.size else 0}):\n"
                           f"torchax {actual!r}\ntorch   {expected!r}")
    elif not np.array_equal(actual, expected):
        raise Mismatch(f"{path}: values differ:\ntorchax {actual!r}\ntorch   {expected!r}")


def _builtin_base(e: BaseException) -> type:
    for cls in type(e).__mro__:
        if cls.__module__ == "builtins" and getattr(builtins, cls.__name__, None) is cls:
            return cls
    return Exception


def message(fn, text):
    """Run fn; return (builtin exception class name, whether `text` is in its message) so both are compared."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error is the result
        return _builtin_base(e).__name__, text in str(e)
    return None, False


def run(body, T, args, kwargs):
    try:
        return to_tree(body(T, *args, **kwargs)), None
    except Exception as e:  # noqa: BLE001 - any error is a result to compare
        return None, e


def conformance(rtol=None, atol=None, *, check_dtype=True, errors=False):
    """Decorate `body(T, ...)`: the test runs it under torch and torchax and compares the results."""

    def decorator(body):
        @functools.wraps(body)
        def test(*args, **kwargs):
            expected, expected_err = run(body, torch, args, kwargs)
            actual, actual_err = run(body, torchax, args, kwargs)
            if expected_err is not None or actual_err is not None:
                if not errors or expected_err is None or actual_err is None:
                    raise Mismatch(f"unexpected error: torch={expected_err!r} torchax={actual_err!r}") from (
                        actual_err or expected_err)
                eb, ab = _builtin_base(expected_err), _builtin_base(actual_err)
                if eb is not ab:
                    raise Mismatch(f"torch raised {eb.__name__} ({expected_err}), torchax raised "
                                   f"{ab.__name__} ({actual_err})") from actual_err
                return
            if errors:
                raise Mismatch("expected both libraries to raise, neither did")
            assert_trees_close(actual, expected, rtol, atol, check_dtype)

        sig = inspect.signature(body)
        test.__signature__ = sig.replace(parameters=list(sig.parameters.values())[1:])
        return test

    return decorator


# --- library-neutral inputs ---------------------------------------------------------------------


def data(shape, *, seed=0, dtype="float32", low=-2.0, high=2.0) -> np.ndarray:
    """Deterministic numpy data (never T.randn: the two RNG streams differ)."""
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype.startswith(("int", "uint")):
        lo = 0 if dtype.startswith("uint") else int(low) * 5
        return rng.integers(lo, int(high) * 5 + 1, size=shape).astype(dtype)
    if dtype.startswith("complex"):
        re, im = rng.uniform(low, high, size=shape), rng.uniform(low, high, size=shape)
        return (re + 1j * im).astype(dtype)
    if dtype == "bfloat16":
        return rng.uniform(low, high, size=shape).astype(np.float32)
    return rng.uniform(low, high, size=shape).astype(dtype)


def tensor(T, shape, *, grad=False, dtype="float32", **kw):
    """A T-tensor of `data(shape)`; bfloat16 is made by casting float32 data in T."""
    arr = data(shape, dtype=dtype, **kw)
    t = T.tensor(arr)
    if dtype == "bfloat16":
        t = t.to(T.bfloat16)
    return t.requires_grad_(True) if grad else t


def fill_params(T, module, *, seed=0, low=-0.5, high=0.5):
    """Give every parameter of `module` the same values under both libraries (numpy data, in named order).

    Buffers keep their defaults (running stats start at zeros/ones in both). Returns the module.
    """
    with T.no_grad():
        for i, (_, p) in enumerate(module.named_parameters()):
            p.copy_(T.tensor(data(tuple(p.shape), seed=seed + i, low=low, high=high)).to(p.dtype))
    return module
