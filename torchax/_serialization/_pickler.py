"""Saving side: pickle an object graph so that torch reads it, tensors as torch's rebuild calls over storages.

The pure-Python pickler is used because torch's names must be written without importing torch: `save_global` is
overridden to write `GLOBAL 'torch._utils _rebuild_tensor_v2'` for the stand-ins of `_names`, and torchax classes
under their torch names. Each distinct storage cell becomes one persistent id ('storage', torch.FloatStorage,
key, location, numel); tensors sharing a cell (views) name the same key, so the bytes are written once.
"""

from __future__ import annotations

import collections
import io
import pickle
import types
from pickle import GLOBAL, STACK_GLOBAL

import jax
import numpy as np

from torchax import _dtype
from torchax._serialization import _names


class StorageRef:
    """A tensor's storage cell as it appears in the pickle (becomes its persistent id)."""

    __slots__ = ("cell", "dtype", "untyped")

    def __init__(self, cell, dtype, untyped: bool):
        self.cell, self.dtype, self.untyped = cell, dtype, untyped


def _tensor_internals() -> frozenset:
    from torchax._tensor import Tensor

    return frozenset(n for cls in Tensor.__mro__ for n in vars(cls))


class Pickler(pickle._Pickler):
    """torch's `PyTorchPickler` for torchax objects; `storages` collects {key: storage cell} in key order."""

    def __init__(self, file, protocol: int, legacy: bool = False):
        super().__init__(file, protocol)
        from torchax import _device, _tensor
        from torchax.nn import parameter

        self._Tensor, self._Parameter, self._device = _tensor.Tensor, parameter.Parameter, _device.device
        self._lazy = parameter.UninitializedTensorMixin
        self._internal = _tensor_internals()
        self.legacy = legacy
        self.keys: dict[int, str] = {}
        self.storages: dict[str, object] = {}
        self._dtypes: dict[int, object] = {}

    # --- names ------------------------------------------------------------------------------------------------

    def save_global(self, obj, name=None):
        ref = _names.torch_name(obj, name)
        if ref is None:
            return super().save_global(obj, name)
        module, qualname = ref
        if self.proto >= 4:
            self.save(module)
            self.save(qualname)
            self.write(STACK_GLOBAL)
        else:
            self.write(GLOBAL + module.encode("utf-8") + b"\n" + qualname.encode("utf-8") + b"\n")
        self.memoize(obj)

    def reducer_override(self, obj):
        if isinstance(obj, self._Tensor):
            return self._reduce_tensor(obj)
        t = type(obj)
        if t is _names.Global or t is _dtype.dtype:
            return obj.name  # a string: pickled as a global (see save_global)
        if t is self._device:
            return (t, (obj.type,) if obj.index is None else (obj.type, obj.index))
        if t is types.FunctionType and _names.torch_name(obj) is not None:
            return obj.__qualname__  # pickle's function dispatch would skip the save_global override
        return NotImplemented

    # --- tensors ----------------------------------------------------------------------------------------------

    def persistent_id(self, obj):
        if type(obj) is not StorageRef:
            return None
        cell = obj.cell
        key = self.keys.get(id(cell))
        if key is None:
            key = self.keys[id(cell)] = str(len(self.keys))
            self.storages[key] = cell
            self._dtypes[id(cell)] = obj.dtype
        elif self._dtypes[id(cell)] is not obj.dtype:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same data as different types")
        value = cell.value
        location = _location(value)
        kind = _names.UNTYPED_STORAGE if obj.untyped else _names.STORAGE_GLOBALS[obj.dtype]
        numel = value.size * value.dtype.itemsize if obj.untyped else value.size
        if self.legacy:
            return ("storage", kind, key, location, numel, None)
        return ("storage", kind, key, location, numel)

    def _reduce_tensor(self, t):
        if isinstance(t, self._lazy):
            return NotImplemented  # (cls, (requires_grad,)), as torch
        state = {k: v for k, v in t.__dict__.items() if k not in self._internal}
        hooks = collections.OrderedDict()
        if isinstance(t, self._Parameter):
            data = t.detach()
            if state:
                return _names.REBUILD_PARAM_STATE, (data, t.requires_grad, hooks, state)
            return _names.REBUILD_PARAM, (data, t.requires_grad, hooks)
        dtype = t.dtype
        shape, strides, offset = t._strided()
        untyped = dtype in _names.V3_DTYPES
        args = (StorageRef(t._storage, dtype, untyped), int(offset), tuple(int(n) for n in shape),
                tuple(int(s) for s in strides), t.requires_grad, hooks)
        func = _names.REBUILD_V3 if untyped else _names.REBUILD_V2
        if untyped:
            args = args + (dtype,)
        if type(t) is not self._Tensor or state:
            return _names.REBUILD_FROM_TYPE, (func, type(t), args, state)
        return func, args


def _location(value) -> str:
    """torch's location tag of the device holding `value` ('cpu', 'cuda:0')."""
    try:
        dev = next(iter(value.devices()))
    except (AttributeError, StopIteration):
        return "cpu"
    from torchax import _device

    d = _device.from_jax(dev)
    return str(d) if d.type == "cpu" or d.index is not None else f"{d.type}:0"


def dumps(obj, protocol: int, legacy: bool = False) -> tuple[bytes, dict]:
    """(pickle bytes, {storage key: storage cell}) of `obj`."""
    buf = io.BytesIO()
    p = Pickler(buf, protocol, legacy)
    p.dump(obj)
    return buf.getvalue(), p.storages


def dtype_of(value):
    """The torchax dtype of a storage cell's array."""
    return _dtype.from_jax(value.dtype)


def host_bytes(cell) -> memoryview:
    """The bytes of a storage cell's array in C order (a view of a CPU array, a copy from other devices)."""
    a = np.asarray(jax.device_get(cell.value))
    a = np.ascontiguousarray(a).reshape(-1)
    return memoryview(a.view(np.uint8))
