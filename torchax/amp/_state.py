"""Autocast state (thread-local, as in torch) and the dispatcher hook that casts an op's arguments by policy.

torch keeps, per thread, an enabled flag and a dtype per device type, the weight-cache flag and a nesting depth.
The dispatcher calls `_registry._autocast[0]` before every op that carries a policy; that slot is set only while
some thread has autocast enabled, so eager dispatch pays nothing otherwise. Which device type's state applies to an
op is decided by its first tensor argument's device, as torch's per-backend Autocast dispatch keys do.
"""

from __future__ import annotations

import threading
import warnings

import jax
import numpy as np

from torchax import _device, _dtype, _registry
from torchax._registry import TorchRuntimeError
from torchax.amp import _policy

__all__ = [
    "is_autocast_enabled", "set_autocast_enabled", "get_autocast_dtype", "set_autocast_dtype",
    "is_autocast_cache_enabled", "set_autocast_cache_enabled", "clear_autocast_cache",
    "autocast_increment_nesting", "autocast_decrement_nesting",
    "get_autocast_cpu_dtype", "get_autocast_gpu_dtype", "get_autocast_ipu_dtype", "get_autocast_xla_dtype",
    "set_autocast_cpu_dtype", "set_autocast_gpu_dtype", "set_autocast_ipu_dtype", "set_autocast_xla_dtype",
    "is_autocast_cpu_enabled", "is_autocast_ipu_enabled", "is_autocast_xla_enabled",
    "set_autocast_cpu_enabled", "set_autocast_ipu_enabled", "set_autocast_xla_enabled",
]

# torch's default autocast dtype per device type (autocast_mode.cpp); "tpu" is torchax's name for XLA's TPUs
DEFAULT_DTYPE = {
    "cpu": _dtype.bfloat16, "cuda": _dtype.float16, "xla": _dtype.bfloat16, "tpu": _dtype.bfloat16,
    "hpu": _dtype.bfloat16, "xpu": _dtype.float16, "mps": _dtype.float16, "ipu": _dtype.float16,
    "mtia": _dtype.float16, "maia": _dtype.float16, "privateuseone": _dtype.float16,
}
_TORCH_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
                "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class _Local(threading.local):
    def __init__(self):
        self.enabled: set = set()  # device types with autocast on
        self.dtype = dict(DEFAULT_DTYPE)
        self.active: dict = {}  # device type -> autocast dtype for the enabled ones ({} inside an excluded region)
        self.cache = True
        self.nesting = 0


_local = _Local()
_lock = threading.Lock()
_threads_on = [0]  # how many threads have some device type enabled: the dispatcher hook is installed while > 0


def check_device_type(device_type: str) -> str:
    """torch's RuntimeError for a device string that is no device type."""
    if device_type == "tpu" or device_type in _TORCH_TYPES:
        return device_type
    raise RuntimeError(f"Expected one of {', '.join(_TORCH_TYPES)} device type at start of device string: "
                       f"{device_type}")


def _refresh() -> None:
    """Recompute this thread's active map and (un)install the dispatcher hook."""
    st = _local
    was_on = bool(st.active)
    st.active = {d: st.dtype[d] for d in st.enabled}
    if bool(st.active) != was_on:
        with _lock:
            _threads_on[0] += 1 if st.active else -1
            if _threads_on[0] > 0 and not POLICIES:
                install()
            _registry._autocast[0] = cast_args if _threads_on[0] > 0 else None


# --- torch.* state functions -----------------------------------------------------------------------------------


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """torch.is_autocast_enabled (no argument: CUDA)."""
    device_type = check_device_type("cuda" if device_type is None else device_type)
    if device_type not in DEFAULT_DTYPE:
        raise RuntimeError("unknown device type for autocast in get_autocast_dispatch_key_from_device_type")
    return device_type in _local.enabled


def set_autocast_enabled(device_type, enabled=None) -> None:
    """torch.set_autocast_enabled(device_type, enabled) (one argument: CUDA)."""
    if enabled is None:
        device_type, enabled = "cuda", device_type
    is_autocast_enabled(device_type)
    if enabled:
        _local.enabled.add(device_type)
    else:
        _local.enabled.discard(device_type)
    _refresh()


def get_autocast_dtype(device_type: str):
    """torch.get_autocast_dtype."""
    d = _local.dtype.get(check_device_type(device_type))
    if d is None:
        raise RuntimeError("unsupported scalarType")
    return d


def set_autocast_dtype(device_type: str, dtype) -> None:
    """torch.set_autocast_dtype."""
    get_autocast_dtype(device_type)
    _local.dtype[device_type] = dtype
    if device_type in _local.enabled:
        _local.active = {d: _local.dtype[d] for d in _local.enabled}


def is_autocast_cache_enabled() -> bool:
    """torch.is_autocast_cache_enabled."""
    return _local.cache


def set_autocast_cache_enabled(enabled: bool) -> None:
    """torch.set_autocast_cache_enabled (torchax keeps no cast cache: casts are cached jit kernels already)."""
    _local.cache = bool(enabled)


def clear_autocast_cache() -> None:
    """torch.clear_autocast_cache (nothing is cached)."""


def autocast_increment_nesting() -> int:
    """torch.autocast_increment_nesting."""
    _local.nesting += 1
    return _local.nesting


def autocast_decrement_nesting() -> int:
    """torch.autocast_decrement_nesting."""
    _local.nesting -= 1
    return _local.nesting


def _deprecated(old: str, new: str, fn):
    def f(*args):
        warnings.warn(f"torch.{old} is deprecated. Please use torch.{new} instead.", DeprecationWarning,
                      stacklevel=2)
        return fn(*args)

    f.__name__ = f.__qualname__ = old.split("(")[0]
    f.__doc__ = f"torch.{f.__name__} (deprecated)."
    return f


get_autocast_cpu_dtype = _deprecated("get_autocast_cpu_dtype()", "get_autocast_dtype('cpu')",
                                     lambda: get_autocast_dtype("cpu"))
get_autocast_gpu_dtype = _deprecated("get_autocast_gpu_dtype()", "get_autocast_dtype('cuda')",
                                     lambda: get_autocast_dtype("cuda"))
get_autocast_ipu_dtype = _deprecated("get_autocast_ipu_dtype()", "get_autocast_dtype('ipu')",
                                     lambda: get_autocast_dtype("ipu"))
get_autocast_xla_dtype = _deprecated("get_autocast_xla_dtype()", "get_autocast_dtype('xla')",
                                     lambda: get_autocast_dtype("xla"))
set_autocast_cpu_dtype = _deprecated("set_autocast_cpu_dtype(dtype)", "set_autocast_dtype('cpu', dtype)",
                                     lambda d: set_autocast_dtype("cpu", d))
set_autocast_gpu_dtype = _deprecated("set_autocast_gpu_dtype(dtype)", "set_autocast_dtype('cuda', dtype)",
                                     lambda d: set_autocast_dtype("cuda", d))
set_autocast_ipu_dtype = _deprecated("set_autocast_ipu_dtype(dtype)", "set_autocast_dtype('ipu', dtype)",
                                     lambda d: set_autocast_dtype("ipu", d))
set_autocast_xla_dtype = _deprecated("set_autocast_xla_dtype(dtype)", "set_autocast_dtype('xla', dtype)",
                                     lambda d: set_autocast_dtype("xla", d))
is_autocast_cpu_enabled = _deprecated("is_autocast_cpu_enabled()", "is_autocast_enabled('cpu')",
                                      lambda: is_autocast_enabled("cpu"))
is_autocast_ipu_enabled = _deprecated("is_autocast_ipu_enabled()", "is_autocast_enabled('ipu')",
                                      lambda: is_autocast_enabled("ipu"))
is_autocast_xla_enabled = _deprecated("is_autocast_xla_enabled()", "is_autocast_enabled('xla')",
                                      lambda: is_autocast_enabled("xla"))
set_autocast_cpu_enabled = _deprecated("set_autocast_cpu_enabled(enabled)", "set_autocast_enabled('cpu', enabled)",
                                       lambda e: set_autocast_enabled("cpu", e))
set_autocast_ipu_enabled = _deprecated("set_autocast_ipu_enabled(enabled)", "set_autocast_enabled('ipu', enabled)",
                                       lambda e: set_autocast_enabled("ipu", e))
set_autocast_xla_enabled = _deprecated("set_autocast_xla_enabled(enabled)", "set_autocast_enabled('xla', enabled)",
                                       lambda e: set_autocast_enabled("xla", e))


class excluded:
    """Run a region with this thread's autocast suspended (torch's ExcludeDispatchKeyGuard around a cast op)."""

    def __enter__(self):
        self.prev, _local.active = _local.active, {}

    def __exit__(self, *exc):
        _local.active = self.prev


# --- the dispatcher hook ---------------------------------------------------------------------------------------

_ELIGIBLE = frozenset(np.dtype(d) for d in ("float16", "float32", jax.numpy.bfloat16))  # floating, not float64
_F32 = np.dtype("float32")
_only_cpu: list = []  # [bool] once known: no GPU or TPU backend, so every tensor is a CPU tensor
_PLATFORM_TYPE = {"cpu": "cpu", "gpu": "cuda", "cuda": "cuda", "rocm": "cuda", "tpu": "tpu"}


def _device_type(t) -> str:
    if not _only_cpu:
        _only_cpu.append(not _device.jax_devices("gpu") and not _device.jax_devices("tpu"))
    if _only_cpu[0]:
        return "cpu"
    v = t._value
    if isinstance(v, jax.core.Tracer):  # traced by torchax.compile: the program runs on JAX's default backend
        return _PLATFORM_TYPE.get(jax.default_backend(), "cpu")
    return _device.from_jax(next(iter(v.devices()))).type


def _first_tensor(args, kwargs):
    T = _registry.Tensor
    for a in args:
        if isinstance(a, T):
            return a
        if isinstance(a, (list, tuple)):
            for x in a:
                if isinstance(x, T):
                    return x
    for a in kwargs.values():
        if isinstance(a, T):
            return a
    return None


def _to(t, dtype):
    from torchax._ops.creation import _to_copy

    return _to_copy(t, dtype)


def _cast_value(a, dtype, jdt):
    T = _registry.Tensor
    if isinstance(a, T):
        d = a._value.dtype
        return _to(a, dtype) if d != jdt and d in _ELIGIBLE else a
    if isinstance(a, (list, tuple)) and any(isinstance(x, T) for x in a):
        return type(a)(_cast_value(x, dtype, jdt) for x in a)
    return a


def _cast_all(args, kwargs, dtype):
    jdt = np.dtype(_dtype.JNP[dtype])
    args = tuple(_cast_value(a, dtype, jdt) for a in args)
    if kwargs:
        kwargs = {k: _cast_value(v, dtype, jdt) for k, v in kwargs.items()}
    return args, kwargs


def _tensors(args, kwargs):
    T = _registry.Tensor
    for a in list(args) + list(kwargs.values()):
        if isinstance(a, T):
            yield a
        elif isinstance(a, (list, tuple)):
            yield from (x for x in a if isinstance(x, T))


def _lower(opdef, args, kwargs, dtype):
    return _cast_all(args, kwargs, dtype)


def _fp32(opdef, args, kwargs, dtype):
    return _cast_all(args, kwargs, _dtype.float32)


def _fp32_set_opt_dtype(opdef, args, kwargs, dtype):
    """softmax & co.: an eligible first argument makes an unset `dtype=` float32 (the input is not cast)."""
    first = args[0] if args else next(iter(kwargs.values()), None)
    if not isinstance(first, _registry.Tensor) or first._value.dtype not in _ELIGIBLE:
        return args, kwargs
    i = opdef.params.index("dtype")
    if i < len(args):
        if args[i] is None:
            args = args[:i] + (_dtype.float32,) + args[i + 1:]
    elif kwargs.get("dtype") is None:
        kwargs = {**kwargs, "dtype": _dtype.float32}
    return args, kwargs


def _promote(opdef, args, kwargs, dtype):
    """The widest floating type among the eligible inputs (float64 ones are left alone), as torch's prioritize."""
    to = dtype
    for t in _tensors(args, kwargs):
        d = _dtype.from_jax(t._value.dtype)
        if t._value.dtype not in _ELIGIBLE:
            continue
        if to is _dtype.float32 or d is _dtype.float32:
            to = _dtype.float32
        elif not (to is dtype and d is dtype):
            raise TorchRuntimeError("Unexpected floating ScalarType in at::autocast::prioritize")
    return _cast_all(args, kwargs, to)


def _banned(opdef, args, kwargs, dtype):
    raise TorchRuntimeError(
        "torch.nn.functional.binary_cross_entropy and torch.nn.BCELoss are unsafe to autocast.\n"
        "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
        "In this case, combine the two layers using torch.nn.functional.binary_cross_entropy_with_logits\n"
        "or torch.nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
        "safe to autocast.")


APPLY = {"lower": _lower, "fp32": _fp32, "fp32_set_opt_dtype": _fp32_set_opt_dtype, "promote": _promote,
         "banned": _banned}

# torchax op name -> policy per device family (CPU has its own table; the others use CUDA's, as XPU does); built
# when autocast is first enabled, so ops registered by modules imported after torchax.amp get theirs too
POLICIES: dict = {}


def install() -> None:
    """Build the policy maps, mark each op's OpDef.autocast, and wrap the composites that need it."""
    POLICIES["cpu"] = _policy.build(_policy.CPU, _policy.SURFACE["cpu"], _registry.OPS)
    POLICIES["cuda"] = _policy.build(_policy.CUDA, _policy.SURFACE["cuda"], _registry.OPS)
    for name in set(POLICIES["cpu"]) | set(POLICIES["cuda"]):
        _registry.OPS[name].autocast = _describe(name)
    for name, pols in _policy.COMPOSITES.items():
        _wrap_composite(name, {"cpu": {name: pols.get("cpu")}, "cuda": {name: pols.get("cuda")}})


def policy_for(device_type: str, name: str):
    """The policy (a string, or (policy, condition) pairs) of torchax op `name` under `device_type` autocast."""
    if not POLICIES:
        install()
    return POLICIES["cpu" if device_type == "cpu" else "cuda"].get(name)


def cast_args(opdef, args, kwargs):
    """The dispatcher hook: cast an op's tensor arguments as torch's autocast would for its device type."""
    return _cast_by(POLICIES, opdef.name, opdef, args, kwargs)


def _cast_by(policies, name, opdef, args, kwargs):
    active = _local.active
    if not active:
        return args, kwargs
    first = _first_tensor(args, kwargs)
    if first is None:
        return args, kwargs
    dev = _device_type(first)
    dtype = active.get(dev)
    if dtype is None:
        return args, kwargs
    policy = policies["cpu" if dev == "cpu" else "cuda"].get(name)
    if policy is None:
        return args, kwargs
    if not isinstance(policy, str):
        policy = next((p for p, cond in policy if cond(opdef, args, kwargs)), None)
        if policy is None:
            return args, kwargs
    return APPLY[policy](opdef, args, kwargs, dtype)


def _wrap_composite(name: str, policies: dict) -> None:
    """Apply a policy at torchax.<name> / Tensor.<name> (a composite that validates dtypes before its registry op),
    running the body with autocast excluded as torch does inside an autocast kernel."""
    import torchax

    orig = getattr(torchax, name)

    def fn(*args, **kwargs):
        if not _local.active:
            return orig(*args, **kwargs)
        args, kwargs = _cast_by(policies, name, None, args, kwargs)
        with excluded():
            return orig(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = orig.__doc__
    fn.__wrapped__ = orig
    setattr(torchax, name, fn)
    if getattr(torchax.Tensor, name, None) is orig:
        setattr(torchax.Tensor, name, fn)


def _describe(name: str):
    cpu, cuda = POLICIES["cpu"].get(name), POLICIES["cuda"].get(name)
    show = lambda p: p if p is None or isinstance(p, str) else "/".join(sorted({q for q, _ in p})) + " (some calls)"  # noqa: E731
    return f"cpu={show(cpu)} cuda={show(cuda)}"
