"""torch.utils.data.dataset: map-style and iterable datasets, their combinations, `random_split`."""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Generic, TypeVar

import numpy as np

from torchax import _dtype
from torchax._generator import default_generator
from torchax._tensor import Tensor, wrap

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset", "Subset",
           "random_split"]

_T_co = TypeVar("_T_co", covariant=True)


class Dataset(Generic[_T_co]):
    """torch.utils.data.Dataset: a map from keys to samples (`__getitem__`, usually `__len__`)."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset[_T_co], Iterable):
    """torch.utils.data.IterableDataset: a stream of samples (`__iter__`)."""

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """torch.utils.data.TensorDataset: sample i is `tuple(t[i] for t in tensors)`."""

    def __init__(self, *tensors) -> None:
        if any(tensors[0].size(0) != tensor.size(0) for tensor in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].size(0)

    def _values(self):
        """The tensors' JAX values, or None when a batch cannot be gathered directly with the same result as
        stacking samples: a tensor that requires grad (the batch would need a grad_fn), or tensors on different
        devices."""
        if not all(isinstance(t, Tensor) and not t.requires_grad for t in self.tensors):
            return None
        if len({str(t.device) for t in self.tensors}) != 1:
            return None
        return [t._value for t in self.tensors]

    def _host_arrays(self):
        """numpy views of the tensors (cached while their values are unchanged), for a forked worker's gathers;
        None when there is no such view (see `_values`; off the CPU; bfloat16)."""
        values = self._values()
        if values is None or any(t.device.type != "cpu" or t.dtype is _dtype.bfloat16 for t in self.tensors):
            return None
        cache = self.__dict__.get("_host_cache")
        if cache is None or len(cache[0]) != len(values) or any(a is not b for a, b in zip(cache[0], values)):
            cache = self._host_cache = (values, [np.asarray(v) for v in values])
        return cache[1]

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_host_cache", None)  # views of this process's buffers
        return state


@functools.lru_cache(maxsize=1)
def _device_gather():
    import jax
    import jax.numpy as jnp

    # one dispatch per batch for all the tensors; the numpy indices (checked in range) travel with the call
    return jax.jit(lambda idx, *arrays: tuple(jnp.take(a, idx, axis=0) for a in arrays))


def _gather_batch(dataset, indices, host):
    """`default_collate([dataset[i] for i in indices])` in one gather per tensor, for a TensorDataset or a chain of
    Subsets of one; None for any other dataset (or unusual indices: the general path then gives torch's errors).
    `host`: in a forked worker, which must not touch JAX: gather from the cached numpy views."""
    while type(dataset) is Subset:
        ind = dataset.indices
        indices = [ind[i] for i in indices]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset or type(indices) is not list or not indices:
        return None
    idx = np.asarray(indices)
    n = len(dataset)
    if idx.dtype.kind not in "iu" or idx.ndim != 1 or idx.min() < -n or idx.max() >= n:
        return None
    idx = np.where(idx < 0, idx + n, idx)
    if host:
        from torchax.utils.data._utils.worker import _HostTensor

        cache = dataset.__dict__.get("_host_cache")
        return None if cache is None else [_HostTensor(a[idx]) for a in cache[1]]
    values = dataset._values()
    if values is None:
        return None
    return [wrap(v) for v in _device_gather()(idx, *values)]


def _prepare_host(dataset) -> bool:
    """Before forking workers: cache the host views a forked worker will read; True if the dataset is one whose
    batches `_gather_batch` serves (so the workers never need JAX)."""
    while type(dataset) is Subset:
        dataset = dataset.dataset
    return type(dataset) is TensorDataset and dataset._host_arrays() is not None


class StackDataset(Dataset):
    """torch.utils.data.StackDataset: samples of several datasets side by side, as a tuple or a dict."""

    def __init__(self, *args, **kwargs) -> None:
        if args:
            if kwargs:
                raise ValueError("Supported either ``tuple``- (via ``args``) or"
                                 "``dict``- (via ``kwargs``) like input/output, but both types are given.")
            self._length = len(args[0])
            if any(self._length != len(dataset) for dataset in args):
                raise ValueError("Size mismatch between datasets")
            self.datasets = args
        elif kwargs:
            tmp = list(kwargs.values())
            self._length = len(tmp[0])
            if any(self._length != len(dataset) for dataset in tmp):
                raise ValueError("Size mismatch between datasets")
            self.datasets = kwargs
        else:
            raise ValueError("At least one dataset should be passed")

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: dataset[index] for k, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    def _column(self, dataset, indices):
        if callable(getattr(dataset, "__getitems__", None)):
            items = dataset.__getitems__(indices)
            if len(items) != len(indices):
                raise ValueError(f"Nested dataset's output size mismatch. Expected {len(indices)}, got {len(items)}")
            return items
        return [dataset[idx] for idx in indices]

    def __getitems__(self, indices: list):
        if isinstance(self.datasets, dict):
            batch = [{} for _ in indices]
            for k, dataset in self.datasets.items():
                for data, sample in zip(self._column(dataset, indices), batch):
                    sample[k] = data
            return batch
        columns = [self._column(dataset, indices) for dataset in self.datasets]
        return [tuple(sample) for sample in zip(*columns)] if columns else [() for _ in indices]

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset):
    """torch.utils.data.ConcatDataset: datasets one after another."""

    @staticmethod
    def cumsum(sequence):
        r, s = [], 0
        for e in sequence:
            s += len(e)
            r.append(s)
        return r

    def __init__(self, datasets) -> None:
        super().__init__()
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return self.datasets[dataset_idx][sample_idx]

    @property
    def cummulative_sizes(self):
        warnings.warn("`cummulative_sizes` attribute is renamed to `cumulative_sizes`", FutureWarning, stacklevel=2)
        return self.cumulative_sizes


class ChainDataset(IterableDataset):
    """torch.utils.data.ChainDataset: iterable datasets one after another, chained lazily."""

    def __init__(self, datasets) -> None:
        super().__init__()
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class Subset(Dataset):
    """torch.utils.data.Subset: the samples of `dataset` at `indices`."""

    def __init__(self, dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices
        if type(self).__getitem__ is not Subset.__getitem__ and type(self).__getitems__ is Subset.__getitems__:
            raise NotImplementedError(
                f"{type(self).__name__} overrides __getitem__ but not __getitems__. "
                "When subclassing Subset and overriding __getitem__, you must also override "
                "__getitems__ to ensure DataLoader works correctly with your custom logic. "
                "A simple implementation:\n\n"
                "def __getitems__(self, indices):\n"
                "    return [self.__getitem__(idx) for idx in indices]")

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list) -> list:
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[idx] for idx in indices])
        return [self.dataset[self.indices[idx]] for idx in indices]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(dataset, lengths, generator=default_generator) -> list:
    """torch.utils.data.random_split: non-overlapping Subsets of the given lengths (or fractions), drawn with one
    `randperm(len(dataset), generator=generator)`."""
    from torchax._ops.random import randperm

    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        subset_lengths = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            subset_lengths.append(math.floor(len(dataset) * frac))
        remainder = len(dataset) - sum(subset_lengths)
        for i in range(remainder):  # one more item to each split in turn
            subset_lengths[i % len(subset_lengths)] += 1
        lengths = subset_lengths
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=2)
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = randperm(sum(lengths), generator=generator).tolist()
    return [Subset(dataset, indices[offset - length:offset])
            for offset, length in zip(itertools.accumulate(lengths), lengths)]
