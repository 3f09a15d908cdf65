"""Tensor creation: torch.tensor, zeros/ones/full/empty (+_like, new_*), arange, linspace, eye, legacy types."""

from __future__ import annotations

import builtins
import math
import numbers
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from torchax import _device, _dtype, _state
from torchax._host import from_host, host_copy
from torchax._registry import check_broadcast, composite, op
from torchax._tensor import Tensor, wrap

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like",
           "ones_like", "full_like", "empty_like", "arange", "range", "linspace", "logspace", "eye", "scalar_tensor",
           "empty_strided", "clone", "FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor",
           "IntTensor",
           "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor", "ComplexFloatTensor", "ComplexDoubleTensor"]


# --- inferring dtypes from Python data ---------------------------------------------------------


def _is_seq(x) -> bool:
    return isinstance(x, (list, tuple)) or isinstance(x, Tensor) and x.ndim > 0 or isinstance(x, np.ndarray) and x.ndim


def _infer(data) -> _dtype.dtype:
    """torch's dtype for nested Python data: bool < int64 < default float < default complex."""
    if isinstance(data, Tensor):
        return data.dtype
    if isinstance(data, (np.ndarray, np.generic)):
        return _dtype.from_jax(data.dtype)
    if isinstance(data, (list, tuple)):
        out = None
        for k in map(_infer, data):
            out = k if out is None else _dtype.promote_types(out, k) if k._kind != out._kind else (
                out if out._rank >= k._rank else k)
        return out or _dtype.get_default_dtype()
    if isinstance(data, builtins.bool):
        return _dtype.bool
    if isinstance(data, numbers.Integral):
        return _dtype.int64
    if isinstance(data, numbers.Real):
        return _dtype.get_default_dtype()
    if isinstance(data, numbers.Complex):
        return _complex_default()
    if isinstance(data, str):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")


def _complex_default() -> _dtype.dtype:
    d = _dtype.get_default_dtype()
    if d is _dtype.bfloat16:
        raise RuntimeError("invalid default scalar type for complex")
    return d.to_complex()


def _shape_of(data) -> tuple:
    """torch infers the shape from the first element at each depth."""
    shape = []
    while _is_seq(data):
        if isinstance(data, (Tensor, np.ndarray)):
            return tuple(shape) + tuple(data.shape)
        shape.append(len(data))
        if not len(data):
            break
        data = data[0]
    return tuple(shape)


_C_NAMES = {"int64": "int64_t", "int32": "int", "int16": "short", "int8": "int8_t", "uint8": "uint8_t",
            "float64": "double", "float32": "float", "float16": "c10::Half", "bfloat16": "c10::BFloat16"}


def _to_numpy(data, dt: _dtype.dtype) -> np.ndarray:
    shape = _shape_of(data)
    if isinstance(data, (list, tuple)) and _plain(data):  # fast path: regular nested lists of numbers
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                arr = np.asarray(data)
        except ValueError:  # ragged: the slow path below raises torch's error
            arr = np.empty(0, object)
        if arr.dtype != object and arr.shape == shape and not (
                arr.size and dt._kind in "ui" and arr.dtype.kind in "iuf"
                and (arr.min() <= np.iinfo(dt.np).min - 1 or arr.max() >= np.iinfo(dt.np).max + 1)) and not (
                dt._kind in "uib" and arr.dtype.kind == "c"):
            return arr.astype(dt.np)
    out = np.empty(shape, dt.np)
    _fill(out, data, 0, shape, dt)
    return out


def _fill(out, data, dim, shape, dt):
    if dim == len(shape) or isinstance(data, (Tensor, np.ndarray)):
        arr = data._numpy() if isinstance(data, Tensor) else data
        if isinstance(arr, (list, tuple)):
            raise TypeError(f"'{type(arr).__name__}' object cannot be interpreted as an integer")
        try:
            with np.errstate(all="ignore"):
                out[...] = _checked(arr, dt)
        except (OverflowError, ValueError):
            raise RuntimeError(f"value cannot be converted to type {_C_NAMES.get(dt.name, dt.name)} without "
                               "overflow") from None
        return
    if not _is_seq(data):
        raise TypeError("not a sequence")
    if len(data) != shape[dim]:
        raise ValueError(f"expected sequence of length {shape[dim]} at dim {dim} (got {len(data)})")
    for i, x in enumerate(data):
        _fill(out[i, ...], x, dim + 1, shape, dt)


def _plain(data) -> bool:
    first = data
    while isinstance(first, (list, tuple)) and first:
        first = first[0]
    return isinstance(first, (builtins.int, builtins.float, builtins.bool, builtins.complex))


def _checked(x, dt):
    """A Python scalar that fits `dt` (torch refuses out-of-range integers rather than wrapping them)."""
    if isinstance(x, numbers.Number) and not isinstance(x, builtins.bool) and dt._kind in "ui":
        info = np.iinfo(dt.np)
        if isinstance(x, numbers.Integral):
            if not info.min <= int(x) <= info.max:
                raise OverflowError
        elif isinstance(x, numbers.Real):  # truncation toward zero must land in range
            if not info.min - 1 < float(x) < info.max + 1:
                raise OverflowError
        else:
            raise OverflowError
    return x


def _place(value, device, requires_grad=False) -> Tensor:
    jd = _device.to_jax(device if device is not None else _state.default_device())
    t = wrap(jax.device_put(value, jd))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _copy_construct_warning(call: str) -> None:
    warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.clone().detach() or "
                  f"sourceTensor.clone().detach().requires_grad_(True), rather than {call}.", UserWarning, stacklevel=3)


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """torch.tensor: always copies; int -> int64, float -> default dtype, ndarray dtypes kept."""
    if isinstance(data, Tensor):
        _copy_construct_warning("torch.tensor(sourceTensor)")
    return _tensor(data, dtype, device, requires_grad)


def _tensor(data, dtype=None, device=None, requires_grad=False) -> Tensor:
    if isinstance(data, str):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    dt = _dtype_arg(dtype, "tensor") if dtype is not None else _infer(data)
    return _place(jnp.asarray(_to_numpy(data, dt)), device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """torch.as_tensor: returns `data` itself when it already is a Tensor of that dtype and device."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype)
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False) -> Tensor:
    """torch.asarray."""
    if isinstance(obj, Tensor):
        out = obj.to(device=device, dtype=dtype)
        out = out.clone() if copy and out is obj else out
    else:
        out = tensor(obj, dtype=dtype, device=device)
    return out.requires_grad_(True) if requires_grad else out


def from_numpy(ndarray) -> Tensor:
    """torch.from_numpy: keeps the dtype; copies (see KNOWN_DIFFERENCES: no memory sharing with numpy)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    try:
        _dtype.from_jax(ndarray.dtype)
    except TypeError:
        raise TypeError(f"can't convert np.ndarray of type numpy.{ndarray.dtype}. The only supported types are: "
                        "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint64, "
                        "uint32, uint16, uint8, and bool.") from None
    if any(st < 0 for st in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors with negative "
                         "strides are not currently supported. (You can probably work around this by making a copy "
                         "of your array  with array.copy().) ")
    copy = host_copy(ndarray)  # no later write to `ndarray` may reach the tensor, nor one to the tensor `ndarray`
    if _state.default_device().type != "cpu":
        return wrap(jax.device_put(copy, _device.to_jax(_state.default_device())))
    return from_host(copy)  # on the device when first used (the DataLoader may stack it in numpy first)


# --- factories ---------------------------------------------------------------------------------


def _dtype_arg(dtype, fn: str):
    if dtype is None:
        return None
    if not isinstance(dtype, _dtype.dtype) and not getattr(dtype, "_legacy_dtype", None) and \
            dtype not in (builtins.float, builtins.int, builtins.bool, builtins.complex):
        raise TypeError(f"{fn}(): argument 'dtype' must be torch.dtype, not {type(dtype).__name__}")
    return _dtype.as_dtype(dtype)


def _size_arg(args, size, fn: str) -> tuple:
    """torch's size spellings: f(2, 3), f((2, 3)), f([2, 3]), f(torch.Size(...)), f(size=(2, 3))."""
    if size is not None:
        if args:
            raise TypeError(f"{fn}() received an invalid combination of arguments")
        args = (size,)
    if not args:
        raise TypeError(f'{fn}() missing 1 required positional arguments: "size"')
    return _size(args)


def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    out = []
    for s in size:
        if not isinstance(s, (numbers.Integral, Tensor)) or isinstance(s, Tensor) and s.is_floating_point():
            raise TypeError(f"expected a sequence of integers as size, but got an element of type "
                            f"{type(s).__name__}")
        s = builtins.int(s)
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(s)
    return tuple(out)


@op(method=False, dynamic=("fill_value",), differentiable=False)
def _full(size, fill_value, dtype):
    return jnp.full(size, fill_value, _dtype.JNP[dtype])


def _factory(size, fill, dtype, device, requires_grad):
    dt = _dtype.as_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
    if not isinstance(dtype, (_dtype.dtype, type(None))) and not getattr(dtype, "_legacy_dtype", None) and \
            dtype not in (builtins.float, builtins.int, builtins.bool, builtins.complex):
        raise TypeError(f"argument 'dtype' must be torch.dtype, not {type(dtype).__name__}")
    t = _full(size, fill, dt)
    return _relocate(t, device, requires_grad)


def _relocate(t: Tensor, device, requires_grad) -> Tensor:
    d = _state.default_device() if device is None else _device.device(device)
    if d.type != "cpu":
        t = wrap(jax.device_put(t._value, _device.to_jax(d)))
    elif device is not None:
        _device.to_jax(d)
    if requires_grad:
        t.requires_grad_(True)
    return t


def zeros(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """torch.zeros."""
    return _maybe_out(_factory(_size_arg(args, size, "zeros"), 0, _dtype_arg(dtype, "zeros"), device,
                               requires_grad), out)


def ones(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """torch.ones."""
    return _maybe_out(_factory(_size_arg(args, size, "ones"), 1, _dtype_arg(dtype, "ones"), device,
                               requires_grad), out)


def empty(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False,
          memory_format=None):
    """torch.empty: zero-filled here (torch leaves memory uninitialised)."""
    return _maybe_out(_factory(_size_arg(args, size, "empty"), 0, _dtype_arg(dtype, "empty"), device,
                               requires_grad), out)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """torch.empty_strided (the result is contiguous)."""
    return _factory(_size((size,)), 0, dtype, device, requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """torch.full: the dtype follows `fill_value` (bool, int64, default float, complex) unless given."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    dt = _dtype.as_dtype(dtype) if dtype is not None else _dtype.scalar_dtype(fill_value)
    return _maybe_out(_factory(_size((size,)), fill_value, dt, device, requires_grad), out)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """torch.scalar_tensor: a 0-dim tensor, float by default."""
    return _factory((), s, dtype, device, requires_grad)


def _maybe_out(t, out):
    if out is None:
        return t
    out._set_from(t)
    return out


def _like(input, fill, dtype, device, requires_grad):
    return _factory(tuple(input.shape), fill, dtype if dtype is not None else input.dtype,
                    device if device is not None else input.device, requires_grad)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """torch.zeros_like."""
    return _like(input, 0, dtype, device, requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """torch.ones_like."""
    return _like(input, 1, dtype, device, requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """torch.empty_like (zero-filled). Like torch's preserve_format, a dense permuted input (a transpose) gives
    a tensor with the same strides, so that samplers filling it in memory order draw what torch draws."""
    perm = _dense_permutation(input) if memory_format is None else None
    if perm is None:
        return _like(input, 0, dtype, device, requires_grad)
    base = _factory(tuple(input.shape[d] for d in perm), 0, dtype if dtype is not None else input.dtype,
                    device if device is not None else input.device, False)
    out = base.permute(*[perm.index(d) for d in builtins.range(len(perm))])
    return out.requires_grad_(True) if requires_grad else out


def _dense_permutation(t):
    """The dims of `t` outermost-first in memory, when `t` is a permutation of a contiguous block (and not
    contiguous itself); else None."""
    if t._view is None or t.ndim < 2 or t.is_contiguous():
        return None
    strides = t.stride()
    perm = sorted(builtins.range(t.ndim), key=lambda d: -strides[d])
    expected = 1
    for d in reversed(perm):
        if t.shape[d] != 1 and strides[d] != expected:
            return None
        expected *= t.shape[d]
    return perm


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """torch.full_like."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _like(input, fill_value, dtype, device, requires_grad)


# --- Tensor.new_* ----------------------------------------------------------------------------------


def _new_factory(fill):
    def method(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
        return _factory(_size(size), fill, dtype if dtype is not None else self.dtype,
                        device if device is not None else self.device, requires_grad)

    return method


Tensor.new_zeros = _new_factory(0)
Tensor.new_ones = _new_factory(1)
Tensor.new_empty = _new_factory(0)


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None,
              pin_memory=False):
    return _factory(_size((size,)), fill_value, dtype if dtype is not None else self.dtype,
                    device if device is not None else self.device, requires_grad)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    if isinstance(data, Tensor):
        _copy_construct_warning("tensor.new_tensor(sourceTensor)")
    return _tensor(data, dtype if dtype is not None else self.dtype, device if device is not None else self.device,
                   requires_grad)


Tensor.new_full = _new_full
Tensor.new_tensor = _new_tensor


# --- ranges -------------------------------------------------------------------------------------------


@op(method=False, dynamic=("start", "step"), differentiable=False)
def _arange(n, start, step, dtype):
    # NOTE: values are computed in float64 (torch's accumulate type) and then cast, like torch's CPU kernel.
    i = jnp.arange(n, dtype=jnp.float64 if dtype.is_floating_point else jnp.int64)
    return (start + step * i).astype(_dtype.JNP[dtype])


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
           pin_memory=False):
    """torch.arange: int64 when start, end and step are all integers, else the default float dtype."""
    if end is None:
        start, end = 0, start
    start, end, step = (x.item() if isinstance(x, Tensor) else x for x in (start, end, step))
    for v in (start, end):
        if isinstance(v, builtins.float) and not math.isfinite(v):
            raise RuntimeError(f"unsupported range: {start} -> {end}")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        ints = all(isinstance(x, numbers.Integral) for x in (start, end, step))
        dtype = _dtype.int64 if ints else _dtype.get_default_dtype()
    dt = _dtype.as_dtype(dtype)
    n = max(math.ceil((end - start) / step), 0)
    return _maybe_out(_relocate(_arange(n, start, step, dt), device, requires_grad), out)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,  # noqa: A001
          requires_grad=False):
    """torch.range (deprecated in torch): includes `end`, float by default."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values "
                  "in [start, end).", UserWarning, stacklevel=2)
    if end is None:
        start, end = 0, start
    dt = _dtype.as_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
    n = builtins.int(math.floor((end - start) / step)) + 1
    return _maybe_out(_relocate(_arange(n, start, step, dt), device, requires_grad), out)


@op(method=False, dynamic=("start", "end", "step"), differentiable=False)
def _linspace(start, end, step, steps, dtype):
    # torch's CPU kernel: the first half counts up from start, the second half down from end; `step`
    # comes from the host rounded to the output dtype (doubles for integer outputs).
    jt = _dtype.JNP[dtype]
    # NOTE: torch's vectorized kernel uses fused multiply-adds; with the step rounded to the output
    # dtype, float64 arithmetic reproduces those single roundings for the narrower float types.
    ct = jnp.complex128 if dtype.is_complex else jnp.float64
    if steps == 1:
        return jnp.full((1,), start, jt)
    start, end, step = (jnp.asarray(v, ct) for v in (start, end, step))
    i = jnp.arange(steps)
    up = start + step * i.astype(ct)
    down = end - step * (steps - 1 - i).astype(ct)
    return jnp.where(i < steps // 2, up, down).astype(jt)


def _host_values(start, end, steps, dt):
    """start, end and step rounded to the output's dtype (doubles for integers), as torch computes them."""
    ct = dt.np if (dt.is_floating_point or dt.is_complex) else np.float64
    if dt is _dtype.bfloat16:
        ct = _dtype.bfloat16.np
    with np.errstate(all="ignore"):
        a, b = np.asarray(start, ct), np.asarray(end, ct)
        step = (b - a) / np.asarray(max(steps - 1, 1), ct)
    return a.item(), b.item(), builtins.complex(step) if dt.is_complex else builtins.float(step)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """torch.linspace."""
    start, end = (x.item() if isinstance(x, Tensor) else x for x in (start, end))
    if steps < 0:
        raise RuntimeError("linspace(): number of steps must be non-negative")
    dt = _dtype.as_dtype(dtype) if dtype is not None else (
        _dtype.get_default_dtype().to_complex() if isinstance(start, complex) or isinstance(end, complex)
        else _dtype.get_default_dtype())
    start, end, step = _host_values(start, end, steps, dt)
    return _maybe_out(_relocate(_linspace(start, end, step, steps, dt), device, requires_grad), out)


@op(method=False, dynamic=("start", "end", "base"), differentiable=False)
def _logspace(start, end, steps, base, dtype):
    exps = _linspace.__wrapped__(start, end, (end - start) / max(steps - 1, 1), steps, _dtype.float64)
    return jnp.power(jnp.asarray(base, jnp.float64), exps).astype(_dtype.JNP[dtype])


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """torch.logspace."""
    dt = _dtype.as_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
    return _maybe_out(_relocate(_logspace(start, end, steps, base, dt), device, requires_grad), out)


@op(method=False, differentiable=False)
def _eye(n, m, dtype):
    return jnp.eye(n, m, dtype=_dtype.JNP[dtype])


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """torch.eye."""
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"n must be greater or equal to 0, got {n if n < 0 else m}")
    dt = _dtype.as_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
    return _maybe_out(_relocate(_eye(n, n if m is None else m, dt), device, requires_grad), out)


# --- conversions that are ops (so autograd and compile see them) ---------------------------------------


def _astype(x, dtype):
    """x.astype(dtype) with torch's CPU float-to-integer conversion (x86's): truncation through int32
    (int64 for int64), where out-of-range values and NaN become the minimum integer, then the low bits for
    narrower types. So `tensor([250.9, -2.2]).char()` is [-6, -2] and `.byte()` is [250, 254], as in torch
    (XLA alone would saturate)."""
    jdt = _dtype.JNP[dtype]
    if x.dtype.kind == "c" and not dtype.is_complex:
        x = x.real
    if not (jnp.issubdtype(x.dtype, jnp.floating) and jnp.issubdtype(jdt, jnp.integer)):
        return x.astype(jdt)
    if x.dtype.itemsize < 4:  # half types hold no out-of-range values but inf; compare in float32
        x = x.astype(jnp.float32)
    wide = jnp.int64 if jdt in (jnp.int64, jnp.uint64) else jnp.int32
    bound = float(2 ** (jnp.iinfo(wide).bits - 1))
    bad = jnp.isnan(x) | (x >= bound) | (x < -bound)
    y = jnp.where(bad, jnp.iinfo(wide).min, jnp.where(bad, 0, x).astype(wide))
    return y.astype(jdt)


@op(name="_to_copy")
def _to_copy(input, dtype):
    return _astype(input, dtype)


@op(method=False)
def _copy_to(src, shape, dtype, device):
    """`src` cast and broadcast to a destination's dtype and shape (the value `copy_` writes)."""
    check_broadcast(src.shape, shape)
    return jnp.broadcast_to(_astype(src, dtype), shape)


@op(method=False, jit=False)  # NOTE: inside jit, device_put would only constrain placement, not move the data
def _to_device(input, device):
    return jax.device_put(input, device)


# --- legacy constructors: torch.Tensor(2, 3), torch.FloatTensor([1, 2]), isinstance(x, torch.LongTensor) ---


def _legacy_new(dt, args, device, cls=Tensor):
    if not args:
        args = (0,)
    if len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray, Tensor)) and not _is_size(args[0]):
        data = args[0]
        t = tensor(data._numpy() if isinstance(data, Tensor) else data, dtype=dt, device=device)
    else:
        t = _factory(_size(args), 0, dt, device, False)
    if cls is not Tensor:
        t.__class__ = cls
    return t


def _is_size(x) -> bool:
    from torchax._tensor import Size

    return isinstance(x, Size)


class _LegacyMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls._legacy_dtype and obj.device.type == "cpu"

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"

    def __call__(cls, *args, device=None):
        return _legacy_new(cls._legacy_dtype, args, device)


def _legacy(name, dt):
    return _LegacyMeta(name, (), {"_legacy_dtype": dt, "dtype": dt, "__module__": "torch"})


FloatTensor = _legacy("FloatTensor", _dtype.float32)
DoubleTensor = _legacy("DoubleTensor", _dtype.float64)
HalfTensor = _legacy("HalfTensor", _dtype.float16)
BFloat16Tensor = _legacy("BFloat16Tensor", _dtype.bfloat16)
LongTensor = _legacy("LongTensor", _dtype.int64)
IntTensor = _legacy("IntTensor", _dtype.int32)
ShortTensor = _legacy("ShortTensor", _dtype.int16)
CharTensor = _legacy("CharTensor", _dtype.int8)
ByteTensor = _legacy("ByteTensor", _dtype.uint8)
BoolTensor = _legacy("BoolTensor", _dtype.bool)
ComplexFloatTensor = _legacy("ComplexFloatTensor", _dtype.complex64)
ComplexDoubleTensor = _legacy("ComplexDoubleTensor", _dtype.complex128)


@composite(function=False)
def fill_(self, value):
    """Tensor.fill_."""
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
                               "dimensions.")
        shape, dtype = tuple(self.shape), self.dtype
        if self._overwrites_graph(value):
            return self._overwrite("FillBackward3", value, lambda v: jnp.broadcast_to(_astype(v, dtype), shape))
        return self._inplace(_copy_to(value, shape, dtype, self.device), overlap_ok=True)
    return self._inplace(_full(tuple(self.shape), value, self.dtype), overlap_ok=True, grad_name="FillBackward2")


@composite(function=False)
def zero_(self):
    """Tensor.zero_."""
    from torchax.autograd._graph import rename

    out = fill_(self, 0)
    return rename(out, "ZeroBackward0") if self._view is None else out


@op()
def clone(input, *, memory_format=None):
    """torch.clone: a new tensor with its own storage (JAX arrays are immutable, so no copy is made)."""
    return input
