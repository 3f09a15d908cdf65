"""Loading side: checkpoint storages, where they are restored (`map_location`), and torch's rebuild functions.

A checkpoint names each tensor as (storage, storage_offset, size, stride). Tensors naming one storage must share
memory after loading, as in torch: the first one builds a root tensor holding the storage's elements and the
others become views of its cell (`as_strided`, detached from autograd like torch's `set_`). The common case, a
tensor covering its whole storage contiguously, is the root itself: a plain tensor, no view machinery.
"""

from __future__ import annotations

import math
import re

import jax
import numpy as np

from torchax import _device, _dtype

_CPU = _device.CPU


class StorageType:
    """What a `torch.FloatStorage`-style global loads as: the element dtype of a storage."""

    __slots__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"StorageType(dtype={self.dtype})"


UNTYPED = StorageType(_dtype.uint8)  # torch.storage.UntypedStorage: bytes


class UntypedStorage:
    """A storage record of a checkpoint as torch hands it to a `map_location` callable; read on first use.

    `cpu()`, `cuda()` and `to()` only choose where the tensors built on it will live.
    """

    def __init__(self, nbytes: int, read, device=_CPU):
        self._nbytes, self._read, self.device = nbytes, read, device

    def nbytes(self) -> int:
        return self._nbytes

    size = nbytes

    def to(self, device=None, non_blocking=False) -> UntypedStorage:
        return UntypedStorage(self._nbytes, self._read, _CPU if device is None else _device.device(device))

    def cpu(self) -> UntypedStorage:
        return self.to(_CPU)

    def cuda(self, device=None, non_blocking=False) -> UntypedStorage:
        if isinstance(device, str) or isinstance(device, _device.device):
            return self.to(device)
        return self.to(_device.device("cuda", device))

    @property
    def is_cuda(self) -> bool:
        return self.device.type == "cuda"

    def __repr__(self) -> str:
        return f"torchax checkpoint storage ({self._nbytes} bytes, device={self.device})"


class TypedStorage:
    """The elements of one storage record as `dtype` (a legacy view adds an element offset into its root)."""

    def __init__(self, raw: UntypedStorage, dtype, root: TypedStorage | None = None, offset: int = 0, numel=None,
                 swap: bool = False):
        self.raw, self.dtype, self.swap = raw, dtype, swap
        self.root, self.offset = root, offset  # root is None for a storage of its own
        self.numel = raw.nbytes() // dtype.itemsize if numel is None else numel
        self.tensor = None  # the tensor holding the elements, built by the first tensor that needs them

    def host(self) -> np.ndarray:
        """The elements on the host, native byte order."""
        a = self.raw._read().view(self.dtype.np)
        return a.byteswap() if self.swap else a

    def array(self, shape) -> jax.Array:
        """The elements as a JAX array of `shape` on the storage's device (a CPU array shares the read buffer)."""
        dev = _jax_device(self.raw.device)
        if self.raw._read is None:  # legacy format: the bytes follow the pickle; `fill` writes them in
            return jax.device_put(np.zeros(shape, self.dtype.np), dev)
        return jax.device_put(self.host().reshape(shape), dev, may_alias=True)

    def fill(self, read) -> None:
        """Legacy format: the bytes are known now; every tensor built on this storage sees them."""
        self.raw._read = read
        for typed in (self, getattr(self, "_as", None)):  # also the same bytes read as another dtype (v3)
            if typed is not None and typed.tensor is not None:
                cell = typed.tensor._storage
                cell.value = typed.array(cell.value.shape)
                cell.version += 1


def _jax_device(d):
    try:
        return _device.to_jax(d)
    except (AssertionError, RuntimeError) as e:
        raise RuntimeError(f"cannot place a loaded storage on {d}: {e}") from None


# --- where storages go -----------------------------------------------------------------------------------------


def _location_device(location: str):
    """torch's `default_restore_location`: the device a location tag ('cpu', 'cuda:1') names, validated."""
    if location == "cpu":
        return _CPU
    m = re.fullmatch(r"(cuda|tpu|mps|xpu|hpu|meta|mtia)(?::(\d+))?", location)
    if m is None:
        raise RuntimeError(f"don't know how to restore data location of torch.storage.UntypedStorage (tagged with "
                           f"{location})")
    kind, index = m.group(1), int(m.group(2) or 0)
    platform = {"cuda": "gpu", "tpu": "tpu"}.get(kind)
    devs = _device.jax_devices(platform) if platform else ()
    if not devs:
        raise RuntimeError(f"Attempting to deserialize object on a {kind.upper()} device but "
                           f"torch.{kind}.is_available() is False. If you are running on a CPU-only machine, please "
                           "use torch.load with map_location=torch.device('cpu') to map your storages to the CPU.")
    if index >= len(devs):
        raise RuntimeError(f"Attempting to deserialize object on {kind.upper()} device {index} but "
                           f"torch.{kind}.device_count() is {len(devs)}. Please use torch.load with map_location to "
                           "map your storages to an existing device.")
    return _device.device(kind, index)


def restorer(map_location):
    """torch's `_get_restore_location`: (storage on the CPU, location tag) -> the storage where it belongs."""
    if map_location is None:
        return lambda s, loc: s.to(_location_device(loc))
    if isinstance(map_location, dict):
        def by_dict(s, loc):
            target = map_location.get(loc, loc)
            return s.to(_location_device(str(target)))
        return by_dict
    if isinstance(map_location, (str, bytes, _device.device)):
        where = map_location.decode() if isinstance(map_location, bytes) else str(map_location)
        return lambda s, loc: s.to(_location_device(where))

    def by_callable(s, loc):
        result = map_location(s, loc)
        if result is None:
            return s.to(_location_device(loc))
        if not isinstance(result, UntypedStorage):
            raise TypeError(f"map_location must return a storage (the one it was given, or its .cpu()/.cuda()/.to()) "
                            f"or None, got {type(result).__name__}")
        return result
    return by_callable


# --- tensors ---------------------------------------------------------------------------------------------------


def _ints(xs, what: str) -> tuple:
    xs = tuple(xs)
    if not all(type(x) is int for x in xs):
        raise RuntimeError(f"corrupted checkpoint: tensor {what} {xs!r} is not a tuple of ints")
    return xs


def _tensor(storage, storage_offset, size, stride, requires_grad=False):
    """A tensor of `storage`'s elements with torch's layout; tensors of one storage share its memory."""
    from torchax._ops.views import as_strided
    from torchax._state import _local
    from torchax._tensor import wrap
    from torchax._views import is_contiguous

    if not isinstance(storage, TypedStorage):
        raise RuntimeError(f"corrupted checkpoint: expected a storage, got {type(storage).__name__}")
    size, stride = _ints(size, "size"), _ints(stride, "stride")
    if type(storage_offset) is not int or storage_offset < 0 or len(size) != len(stride) or min(size, default=0) < 0:
        raise RuntimeError(f"corrupted checkpoint: bad tensor layout (offset {storage_offset!r}, size {size}, "
                           f"stride {stride})")
    if storage.root is not None:  # a legacy storage view: its elements start `offset` into the root's
        storage, storage_offset = storage.root, storage_offset + storage.offset
    numel = math.prod(size)
    # NOTE: numel 0 counts as contiguous whatever the strides (torch's rule; _views.is_contiguous misses it)
    whole = storage_offset == 0 and numel == storage.numel and (numel == 0 or is_contiguous(size, stride))
    root = storage.tensor
    if root is None:
        root = storage.tensor = wrap(storage.array(size if whole else (storage.numel,)))
        if whole:
            return _leaf(root, requires_grad)
    if whole and tuple(root.shape) == size:
        t = root._alias()
    else:
        prev, _local.grad_enabled = _local.grad_enabled, False
        try:
            t = as_strided(root, size, stride, storage_offset)
        finally:
            _local.grad_enabled = prev
        t._base = None  # as torch's set_(): shares memory, not an autograd view
    return _leaf(t, requires_grad)


def _leaf(t, requires_grad):
    if requires_grad:
        t.requires_grad = True
    return t


def _metadata(t, metadata):
    """torch's conj/neg bits: torchax has none, so the logical value is materialised."""
    if metadata:
        from torchax._tensor import wrap

        v = t._value
        if metadata.get("conj"):
            v = v.conj()
        if metadata.get("neg"):
            v = -v
        t2 = wrap(v)
        t2.requires_grad = t.requires_grad
        return t2
    return t


def rebuild_tensor(storage, storage_offset, size, stride):
    """torch._utils._rebuild_tensor."""
    return _tensor(storage, storage_offset, size, stride)


def rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    """torch._utils._rebuild_tensor_v2 (backward hooks are never restored, as in torch)."""
    return _metadata(_tensor(storage, storage_offset, size, stride, requires_grad), metadata)


def rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype, metadata=None):
    """torch._utils._rebuild_tensor_v3: an untyped (byte) storage read as `dtype`."""
    if not isinstance(dtype, _dtype.dtype):
        raise RuntimeError(f"torchax cannot load tensors of dtype {dtype!r}")
    if isinstance(storage, TypedStorage) and storage.dtype is not dtype:
        typed = getattr(storage, "_as", None)
        if typed is None or typed.dtype is not dtype:
            typed = storage._as = TypedStorage(storage.raw, dtype, swap=storage.swap)
        storage = typed
    return _metadata(_tensor(storage, storage_offset, size, stride, requires_grad), metadata)


def rebuild_parameter(data, requires_grad, backward_hooks):
    """torch._utils._rebuild_parameter."""
    from torchax.nn.parameter import Parameter

    return Parameter(data, requires_grad)


def rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    """torch._utils._rebuild_parameter_with_state: a Parameter with Python attributes."""
    return set_obj_state(rebuild_parameter(data, requires_grad, backward_hooks), state)


def set_obj_state(obj, state):
    """torch._utils._set_obj_state: `state` is a dict, or (dict, slots dict)."""
    if isinstance(state, tuple):
        if len(state) != 2:
            raise RuntimeError(f"Invalid serialized state: {state}")
        dict_state, slots_state = state
    else:
        dict_state, slots_state = state, None
    for part in (dict_state, slots_state):
        if part:
            for k, v in part.items():
                setattr(obj, k, v)
    return obj


def rebuild_from_type_v2(func, new_type, args, state):
    """torch._tensor._rebuild_from_type_v2: a tensor of a Tensor subclass, or one with Python attributes."""
    from torchax._tensor import Tensor

    ret = func(*args)
    if type(ret) is not new_type:
        if not (isinstance(new_type, type) and issubclass(new_type, Tensor)):
            raise RuntimeError(f"cannot rebuild a tensor as {new_type!r}")
        t = ret._alias(new_type)
        t._requires_grad = ret._requires_grad
        ret = t
    setstate = getattr(type(ret), "__setstate__", None)
    if setstate is not None and setstate is not getattr(Tensor, "__setstate__", None):
        ret.__setstate__(state)
        return ret
    return set_obj_state(ret, state)


def rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad):
    """torch._utils._rebuild_device_tensor_from_cpu_tensor."""
    t = data.to(dtype=dtype, device=device)
    t.requires_grad = requires_grad
    return t


def get_layout(name):
    """torch.serialization._get_layout: torchax has only the strided layout."""
    import torchax

    if name != "torch.strided":
        raise RuntimeError(f"torchax cannot load tensors of layout {name} (only torch.strided)")
    return torchax.strided
