"""Tensors whose storage is still a numpy array on the host: `from_numpy` results and DataLoader batches.

Such a tensor becomes an ordinary one when its value is first read, so everything else in torchax sees plain
storages; until then the DataLoader can stack samples in numpy and move one batch to the device at a time.
"""

from __future__ import annotations

import math

import jax
import numpy as np

from torchax import _device
from torchax._tensor import Tensor, _new_object, _Storage

_VALUE = _Storage.__dict__["value"]  # the slot itself, under _HostStorage's property


class _HostStorage(_Storage):
    """A storage whose value is still a private numpy array (`from_numpy`, a DataLoader batch).

    The first read puts it on the CPU device and the cell becomes a plain `_Storage`, so nothing else ever sees
    the difference. Until then the host array can be used as it is: the DataLoader stacks per-sample tensors in
    numpy instead of moving each to the device (`host_array`)."""

    __slots__ = ()

    @property
    def value(self):
        with jax.ensure_compile_time_eval():  # a concrete array even when first read inside a trace
            v = jax.device_put(_VALUE.__get__(self), _device.to_jax(_device.CPU))
        _VALUE.__set__(self, v)
        self.__class__ = _Storage
        return v

    @value.setter
    def value(self, v):
        _VALUE.__set__(self, v)
        self.__class__ = _Storage


def host_empty(shape: tuple, dtype) -> np.ndarray:
    """An uninitialised C-contiguous numpy array at a 64-byte boundary: the CPU device uses such memory as it is
    (`from_host` then costs no copy), where it copies any other array, and more slowly."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    raw = np.empty(nbytes + 64, np.uint8)
    start = -raw.ctypes.data % 64
    return raw[start:start + nbytes].view(dtype).reshape(shape)


def host_copy(a: np.ndarray) -> np.ndarray:
    """A copy of `a` that no one else can write to, where the CPU device can use it in place."""
    out = host_empty(a.shape, a.dtype)
    np.copyto(out, a)
    return out


def from_host(array: np.ndarray) -> Tensor:
    """A new CPU Tensor over `array`, which it takes over: the caller must not write to it afterwards."""
    st = _new_object(_HostStorage)
    _VALUE.__set__(st, array)
    st.version = 0
    t = _new_object(Tensor)
    t._storage = st
    return t


def host_array(t) -> np.ndarray | None:
    """The numpy array behind a plain CPU Tensor that has not been on the device yet, else None."""
    st = t._storage
    if type(st) is _HostStorage and t._view is None and not t._requires_grad:
        return _VALUE.__get__(st)
    return None
