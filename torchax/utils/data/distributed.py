"""torch.utils.data.distributed: DistributedSampler (each replica's share of the indices)."""

from __future__ import annotations

import math
from collections.abc import Iterator

from torchax.utils.data.sampler import Sampler

__all__ = ["DistributedSampler"]


def _dist():
    """torchax.distributed when it exists and is available, else None."""
    try:
        from torchax import distributed as dist
    except ImportError:
        return None
    return dist if getattr(dist, "is_available", lambda: False)() else None


class DistributedSampler(Sampler):
    """torch.utils.data.distributed.DistributedSampler: replica `rank` of `num_replicas` takes every
    `num_replicas`-th index of one (optionally shuffled, seed + epoch) order, padded or trimmed to divide evenly."""

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None, shuffle: bool = True,
                 seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None:
            if _dist() is None:
                raise RuntimeError("Requires distributed package to be available")
            num_replicas = _dist().get_world_size()
        if rank is None:
            if _dist() is None:
                raise RuntimeError("Requires distributed package to be available")
            rank = _dist().get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(self.dataset) % self.num_replicas != 0:
            # drop the tail so that every replica gets the same number of samples
            self.num_samples = math.ceil((len(self.dataset) - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(len(self.dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator:
        if self.shuffle:
            from torchax._generator import Generator
            from torchax._ops.random import randperm

            g = Generator()
            g.manual_seed(self.seed + self.epoch)  # the same order on every replica
            indices = randperm(len(self.dataset), generator=g).tolist()
        else:
            indices = list(range(len(self.dataset)))
        if not self.drop_last:
            padding_size = self.total_size - len(indices)
            if padding_size <= len(indices):
                indices += indices[:padding_size]
            else:
                indices += (indices * math.ceil(padding_size / len(indices)))[:padding_size]
        else:
            indices = indices[:self.total_size]
        if len(indices) != self.total_size:
            raise AssertionError(f"Number of indices ({len(indices)}) does not match total_size ({self.total_size})")
        indices = indices[self.rank:self.total_size:self.num_replicas]
        if len(indices) != self.num_samples:
            raise AssertionError(f"Number of subsampled indices ({len(indices)}) does not match num_samples "
                                 f"({self.num_samples})")
        return iter(indices)

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use a different shuffle each epoch (call before creating the epoch's DataLoader iterator)."""
        self.epoch = epoch
