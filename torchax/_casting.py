"""Dtype and device conversions of tensors: Tensor.to/type/float()/long()..., torch.can_cast, legacy type names."""

from __future__ import annotations

import builtins
import warnings

from torchax import _device, _dtype
from torchax._tensor import Tensor


def to(self, *args, **kwargs) -> Tensor:
    """Tensor.to(dtype) / to(device, dtype=None) / to(other); returns self when nothing changes."""
    device, dtype, copy = _parse_to(args, kwargs)
    out = self
    if dtype is not None and dtype is not self.dtype:
        if self.is_complex() and not dtype.is_complex:
            warnings.warn("Casting complex values to real discards the imaginary part", UserWarning, stacklevel=2)
        from torchax._ops.creation import _to_copy

        out = _to_copy(out, dtype)
    if device is not None and device != self.device:
        out = _move(out, device)
    if copy and out is self:
        out = self.clone()
    return out

def cpu(self, memory_format=None) -> Tensor:
    return self.to("cpu")

def cuda(self, device=None, non_blocking=False, memory_format=None) -> Tensor:
    return self.to(_device.device("cuda", device if isinstance(device, int) else None)
                   if not isinstance(device, (str, _device.device)) else device)

def type_(self, dtype=None, non_blocking=False, **kwargs):
    """Tensor.type(): the legacy type name ('torch.FloatTensor'), or a cast to a dtype/legacy type."""
    if dtype is None:
        prefix = "torch.cuda." if self.device.type == "cuda" else "torch."
        return prefix + _LEGACY_NAMES[self.dtype]
    if isinstance(dtype, str):
        name = dtype.rsplit(".", 1)[-1]
        by_name = {v: k for k, v in _LEGACY_NAMES.items()}
        if name not in by_name:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = by_name[name]
    return self.to(_dtype.as_dtype(dtype))

def type_as(self, other: Tensor) -> Tensor:
    return self.to(other.dtype)


def _parse_to(args, kwargs):
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, _dtype.dtype):
            dtype = a
        elif isinstance(a, builtins.bool):  # (before int: a bool is an int)
            continue  # non_blocking / copy given positionally
        elif isinstance(a, (str, _device.device, builtins.int)):
            device = a
        elif a in (builtins.float, builtins.int, builtins.bool, builtins.complex) or hasattr(a, "_legacy_dtype"):
            dtype = _dtype.as_dtype(a)
        elif a is not None:
            raise TypeError(f"to() received an invalid combination of arguments - got ({type(a).__name__})")
    if device is not None:
        device = _device.device(device)
        _device.to_jax(device)  # raises torch's error for a device that does not exist
        if device.type != "cpu" and device.index is None:
            device = _device.device(device.type, 0)
    return device, None if dtype is None else _dtype.as_dtype(dtype), copy


def _move(t: Tensor, device) -> Tensor:
    from torchax._ops.creation import _to_device

    return _to_device(t, _device.to_jax(device))


_LEGACY_NAMES = {
    _dtype.float32: "FloatTensor", _dtype.float64: "DoubleTensor", _dtype.float16: "HalfTensor",
    _dtype.bfloat16: "BFloat16Tensor", _dtype.int64: "LongTensor", _dtype.int32: "IntTensor",
    _dtype.int16: "ShortTensor", _dtype.int8: "CharTensor", _dtype.uint8: "ByteTensor", _dtype.bool: "BoolTensor",
    _dtype.complex64: "ComplexFloatTensor", _dtype.complex128: "ComplexDoubleTensor",
}

def _caster(dt: _dtype.dtype):
    def method(self, memory_format=None):
        return self.to(dt)

    return method


# Tensor.float(), .long(), ...: torch's cast methods
for _name, _dt in (("float", _dtype.float32), ("double", _dtype.float64), ("half", _dtype.float16),
                   ("bfloat16", _dtype.bfloat16), ("int", _dtype.int32), ("long", _dtype.int64),
                   ("short", _dtype.int16), ("char", _dtype.int8), ("byte", _dtype.uint8), ("bool", _dtype.bool),
                   ("cfloat", _dtype.complex64), ("cdouble", _dtype.complex128)):
    setattr(Tensor, _name, _caster(_dt))






def can_cast(from_, to) -> bool:
    """torch.can_cast."""
    return _dtype.can_cast(from_, to)


for _name, _fn in (("to", to), ("cpu", cpu), ("cuda", cuda), ("type", type_), ("type_as", type_as)):
    setattr(Tensor, _name, _fn)
