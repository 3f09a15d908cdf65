"""Process-wide switches scripts flip: threads, determinism, matmul precision, legacy default tensor types."""

from __future__ import annotations

import os
import warnings

import jax

from torchax import _dtype

_threads = [os.cpu_count() or 1, os.cpu_count() or 1]  # intra-op, inter-op
_deterministic = [False, False]  # enabled, warn_only
_matmul_precision = ["highest"]
_warn_always = [False]


def set_num_threads(n: int) -> None:
    """torch.set_num_threads: remembered (XLA sizes its own CPU thread pool at start-up)."""
    if int(n) <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _threads[0] = int(n)


def get_num_threads() -> int:
    return _threads[0]


def set_num_interop_threads(n: int) -> None:
    _threads[1] = int(n)


def get_num_interop_threads() -> int:
    return _threads[1]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """torch.use_deterministic_algorithms: XLA's CPU kernels are deterministic; the flag is remembered."""
    _deterministic[:] = [bool(mode), bool(warn_only)]


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic[0]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _deterministic[1]


_PRECISION = {"highest": "highest", "high": "high", "medium": "default"}


def set_float32_matmul_precision(precision: str) -> None:
    """torch.set_float32_matmul_precision: 'highest' | 'high' (TF32) | 'medium' (bfloat16) -> XLA's precision."""
    if precision not in _PRECISION:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _matmul_precision[0] = precision
    jax.config.update("jax_default_matmul_precision", _PRECISION[precision])


def get_float32_matmul_precision() -> str:
    return _matmul_precision[0]


def set_warn_always(b: bool) -> None:
    _warn_always[0] = bool(b)


def is_warn_always_enabled() -> bool:
    return _warn_always[0]


def set_default_tensor_type(t) -> None:
    """torch.set_default_tensor_type (deprecated): a floating legacy type sets the default dtype."""
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.", UserWarning,
                  stacklevel=2)
    if isinstance(t, str):
        import torchax

        t = getattr(torchax, t.split(".")[-1], None) if t.startswith("torch.") else None
        if t is None:
            raise TypeError(f"invalid type: {t!r}")
    dt = getattr(t, "_legacy_dtype", None)
    if dt is None or not dt.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _dtype.set_default_dtype(dt)


def typename(obj) -> str:
    """torch.typename: 'torch.FloatTensor' for tensors, the qualified class name otherwise."""
    from torchax._tensor import Tensor

    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if module == "torchax" or module.startswith("torchax."):  # torchax's classes stand for torch's
        module = "torch" + module[len("torchax"):]
    name = getattr(obj, "__qualname__", None) or type(obj).__qualname__
    return f"{module}.{name}" if module and module != "builtins" else name


def is_storage(obj) -> bool:
    from torchax.storage import TypedStorage

    return isinstance(obj, TypedStorage)
