"""torch.utils.data._utils.collate: `default_collate`, `default_convert` and the per-type collate registry."""

from __future__ import annotations

import collections
import copy
import re
from collections.abc import Callable

import numpy as np

import torchax
from torchax._dtype import _BY_NP
from torchax._host import from_host, host_array, host_empty
from torchax._tensor import Tensor

__all__ = ["default_collate", "default_convert", "collate", "default_collate_fn_map", "collate_tensor_fn",
           "collate_numpy_array_fn", "collate_numpy_scalar_fn", "collate_float_fn", "collate_int_fn",
           "collate_str_fn"]

np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def _is_numpy(x) -> bool:
    t = type(x)
    return t.__module__ == "numpy" and t.__name__ not in ("str_", "string_")


def default_convert(data):
    """torch.utils.data.default_convert: numpy arrays and scalars (also inside containers) become Tensors."""
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if _is_numpy(data):
        if elem_type.__name__ == "ndarray" and np_str_obj_array_pattern.search(data.dtype.str) is not None:
            return data  # arrays of strings or objects stay as they are
        return torchax.as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)  # keeps the mapping's type and any extra attributes
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:  # the mapping type cannot be built from a dict
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]  # torch returns a list here (backwards compatibility)
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(batch, *, collate_fn_map: dict[type | tuple[type, ...], Callable] | None = None):
    """torch.utils.data._utils.collate.collate: collate a batch by the type of its first element, recursively."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem})
                return clone
            return elem_type({key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem})
        except TypeError:
            return {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = collate(samples, collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(samples, collate_fn_map=collate_fn_map) for samples in transposed])
        except TypeError:
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """Tensors: `stack(batch, 0)`."""
    arrays = _host_arrays(batch)
    if arrays is not None:  # samples still on the host (`from_numpy`): stacked there, one transfer per batch
        return from_host(_stack(arrays))
    return torchax.stack(list(batch), 0)


def _host_arrays(batch) -> list | None:
    """The host arrays of plain Tensors not yet on the device, all of one dtype and shape, else None."""
    arrays = []
    for t in batch:
        a = host_array(t) if type(t) is Tensor else None
        if a is None:
            return None
        arrays.append(a)
    return arrays if arrays and _same(arrays) else None


def _stack(arrays):
    return np.stack(arrays, out=host_empty((len(arrays), *arrays[0].shape), arrays[0].dtype))


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    """numpy arrays: each becomes a Tensor, then they are collated as Tensors."""
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    stacked = _stack_same(batch, collate_fn_map)
    if stacked is not None:
        return stacked
    return collate([torchax.as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def _stack_same(batch, collate_fn_map):
    """The fast path: arrays of one dtype and shape stack in numpy and make one Tensor (same result as
    as_tensor per array then stack, without a device transfer per sample)."""
    if collate_fn_map is None or collate_fn_map.get(Tensor) is not collate_tensor_fn:
        return None  # a custom Tensor collate function must see the per-sample Tensors
    elem = batch[0]
    dt, shape = elem.dtype, elem.shape
    if any(type(b) is not np.ndarray or b.dtype != dt or b.shape != shape for b in batch):
        return None
    if dt in _BY_NP and torchax.get_default_device().type == "cpu":
        return from_host(_stack(batch))
    return torchax.as_tensor(np.stack(batch))


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    """numpy scalars: `as_tensor(batch)`."""
    return torchax.as_tensor(batch)


def collate_float_fn(batch, *, collate_fn_map=None):
    """Python floats: a float64 Tensor."""
    return torchax.tensor(batch, dtype=torchax.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    """Python ints (and bools): `tensor(batch)` (int64, or bool)."""
    return torchax.tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    """Strings and bytes stay a list."""
    return batch


default_collate_fn_map: dict[type | tuple[type, ...], Callable] = {Tensor: collate_tensor_fn}
default_collate_fn_map[np.ndarray] = collate_numpy_array_fn
default_collate_fn_map[(np.bool_, np.number, np.object_)] = collate_numpy_scalar_fn
default_collate_fn_map[float] = collate_float_fn
default_collate_fn_map[int] = collate_int_fn
default_collate_fn_map[str] = collate_str_fn
default_collate_fn_map[bytes] = collate_str_fn


def default_collate(batch):
    """torch.utils.data.default_collate: stack samples into batched Tensors, keeping the container structure."""
    return collate(batch, collate_fn_map=default_collate_fn_map)


# --- in a worker process: `default_collate` with the batch arrays left on the host ---------------------------------
# NOTE: a worker's batch is pickled for the main process anyway, so its leaves are stacked in numpy and become
# Tensors when unpickled there (`_HostTensor`): the same structure, dtypes and values as `default_collate`, without
# compiling `stack` in every worker or touching JAX there for datasets that return numpy arrays and numbers. Any
# case these functions do not cover exactly goes to the default function.


def _host(array):
    from torchax.utils.data._utils.worker import _HostTensor

    return _HostTensor(array)


def _same(arrays) -> bool:
    dt, shape = arrays[0].dtype, arrays[0].shape
    return all(a.dtype == dt and a.shape == shape for a in arrays)


def _host_tensor_fn(batch, *, collate_fn_map=None):
    arrays = _host_arrays(batch)
    if arrays is not None:
        return _host(np.stack(arrays))
    if all(type(t) is Tensor and not t._requires_grad for t in batch) and batch[0].device.type == "cpu":
        arrays = [np.asarray(t._value) for t in batch]
        if _same(arrays) and all(t.device.type == "cpu" for t in batch[1:]):
            return _host(np.stack(arrays))
    return collate_tensor_fn(batch, collate_fn_map=default_collate_fn_map)


def _host_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if (np_str_obj_array_pattern.search(elem.dtype.str) is None and all(type(b) is np.ndarray for b in batch)
            and _same(batch)):
        return _host(np.stack(batch))
    return collate_numpy_array_fn(batch, collate_fn_map=default_collate_fn_map)


def _host_float_fn(batch, *, collate_fn_map=None):
    if all(type(b) is float for b in batch):
        return _host(np.array(batch, dtype=np.float64))
    return collate_float_fn(batch)


def _host_int_fn(batch, *, collate_fn_map=None):
    kinds = {type(b) for b in batch}
    if kinds <= {int, bool}:
        try:
            array = np.array(batch, dtype=np.bool_ if kinds == {bool} else np.int64)
        except OverflowError:  # the default function raises torch's error
            pass
        else:
            return _host(array)
    return collate_int_fn(batch)


host_collate_fn_map: dict[type | tuple[type, ...], Callable] = dict(default_collate_fn_map)
host_collate_fn_map[Tensor] = _host_tensor_fn
host_collate_fn_map[np.ndarray] = _host_numpy_array_fn
host_collate_fn_map[float] = _host_float_fn
host_collate_fn_map[int] = _host_int_fn


def host_collate(batch):
    """`default_collate` for a worker process: the same batch, its arrays carried as numpy to the main process."""
    return collate(batch, collate_fn_map=host_collate_fn_map)
