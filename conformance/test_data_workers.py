"""DataLoader with worker processes against torch: batch order, per-worker seeding, IterableDataset sharding.

The datasets are defined inside the bodies: torchax's workers receive them by value and so do not import this
module (which imports torch)."""

import contextlib
import math
import warnings

import numpy as np
import pytest
from harness import conformance, data


@contextlib.contextmanager
def _forking():
    """torch's workers fork this process, where JAX runs: JAX warns at every fork (torch's children never use it)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called", category=RuntimeWarning)
        yield


@pytest.mark.parametrize("kw", [dict(shuffle=True), dict(shuffle=True, persistent_workers=True, prefetch_factor=1)])
@conformance()
def test_workers_tensor_dataset(T, kw):
    T.manual_seed(0)
    ds = T.utils.data.TensorDataset(T.tensor(data((10, 2))), T.arange(10))
    dl = T.utils.data.DataLoader(ds, batch_size=3, num_workers=2, **kw)
    with _forking():
        return list(dl), list(dl), T.rand(2)


@conformance()
def test_workers_seeding_and_order(T):
    class Draws(T.utils.data.Dataset):
        """Each sample draws from torch's, Python's and numpy's generators in the worker that loads it."""

        def __len__(self):
            return 6

        def __getitem__(self, i):
            import random

            info = T.utils.data.get_worker_info()
            return {"i": i, "torch": T.rand(2), "py": random.random(), "np": int(np.random.randint(1 << 30)),
                    "worker": info.id, "seed": info.seed, "n": info.num_workers, "x": T.from_numpy(np.full(3, i)),
                    "initial_seed": T.initial_seed()}

    T.manual_seed(3)
    dl = T.utils.data.DataLoader(Draws(), batch_size=2, num_workers=2)
    with _forking():
        return list(dl)


@conformance()
def test_workers_iterable_sharding(T):
    class Shards(T.utils.data.IterableDataset):
        def __iter__(self):
            info = T.utils.data.get_worker_info()
            per = math.ceil(7 / info.num_workers)
            lo = info.id * per
            return iter(range(lo, min(lo + per, 7)))

    dl = T.utils.data.DataLoader(Shards(), batch_size=2, num_workers=2)
    with _forking():
        return list(dl)
