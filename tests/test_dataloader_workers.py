"""torchax's DataLoader worker processes: errors surface with the worker's traceback, nothing hangs, workers start
without re-running the script, results arrive as Tensors with torch's dtypes."""

import collections
import os
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import torchax
from torchax.utils.data import (
    DataLoader,
    Dataset,
    IterableDataset,
    TensorDataset,
    _utils,
    get_worker_info,
    random_split,
)


class _Failing(Dataset):
    def __init__(self, exc):
        self.exc = exc

    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise self.exc
        return i


def test_worker_exception_is_reraised_with_its_traceback():
    dl = DataLoader(_Failing(ValueError("bad sample 5")), batch_size=2, num_workers=2)
    got = []
    with pytest.raises(ValueError) as info:
        for b in dl:
            got.append(b.tolist())
    msg = str(info.value)
    assert got == [[0, 1], [2, 3]]  # the batches before the failing one arrive, in order
    assert msg.startswith("Caught ValueError in DataLoader worker process 0.\nOriginal Traceback")
    assert "raise self.exc" in msg and "ValueError: bad sample 5" in msg


def test_worker_key_error_message_is_readable():
    with pytest.raises(KeyError) as info:
        list(DataLoader(_Failing(KeyError("k")), batch_size=8, num_workers=1))
    assert "Caught KeyError in DataLoader worker process 0." in repr(info.value)  # no quoting of the traceback


def test_iterator_that_raised_is_freed_at_once():
    # a reference cycle through the re-raised exception would leave the iterator to a gc pass, which runs after the
    # index queues' own finalizers closed them: its shutdown then waited the full join timeout for each worker
    import gc
    import weakref

    gc.disable()
    try:
        it = iter(DataLoader(_Failing(ValueError("v")), batch_size=8, num_workers=1))
        ref = weakref.ref(it)
        with pytest.raises(ValueError):
            next(it)
        del it
        assert ref() is None
    finally:
        gc.enable()


def test_iterator_freed_by_gc_stops_its_workers():
    # an iterator in a reference cycle is freed by a gc pass: its workers must still get the stop message (a worker
    # that never gets it is terminated once the join times out, and its exit code says so)
    import gc

    it = iter(DataLoader(_WhoAmI(), batch_size=4, num_workers=1))
    next(it)
    worker = it._workers[0]
    it.cycle = it
    del it
    gc.collect()
    assert worker.exitcode == 0


def test_unpicklable_batch_is_an_error_not_a_hang():
    class Locks(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return threading.Lock()

    with pytest.raises(TypeError, match="Caught TypeError in DataLoader worker process 0"):
        list(DataLoader(Locks(), batch_size=None, num_workers=1))


def test_timeout(monkeypatch):
    monkeypatch.setattr(_utils, "MP_STATUS_CHECK_INTERVAL", 0.3)  # how long shutdown waits for the busy worker

    class Slow(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            time.sleep(30)
            return i

    t = time.perf_counter()
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.5 seconds"):
        list(DataLoader(Slow(), num_workers=1, timeout=0.5))
    assert time.perf_counter() - t < 25


def test_dead_worker_is_reported(monkeypatch):
    monkeypatch.setattr(_utils, "MP_STATUS_CHECK_INTERVAL", 0.3)

    class Exits(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            os._exit(3)

    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+.*\) exited unexpectedly"):
        list(DataLoader(Exits(), num_workers=1))


class _Range(IterableDataset):
    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        return iter(range(self.start, self.end))


def _split_range(worker_id):
    info = get_worker_info()
    ds = info.dataset  # this worker's copy
    per = -(-(ds.end - ds.start) // info.num_workers)
    ds.start = ds.start + worker_id * per
    ds.end = min(ds.start + per, ds.end)


def test_worker_init_fn_shards_an_iterable_dataset():
    # torch's documented example: workers 0 and 1 take [3, 4] and [5, 6], batches alternate between them
    out = [b.tolist() for b in DataLoader(_Range(3, 7), num_workers=2, worker_init_fn=_split_range)]
    assert out == [[3], [5], [4], [6]]
    assert get_worker_info() is None


class _WhoAmI(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        return os.getpid()


def test_persistent_workers_are_reused():
    dl = DataLoader(_WhoAmI(), batch_size=4, num_workers=1, persistent_workers=True)
    first = {p for b in dl for p in b.tolist()}
    second = {p for b in dl for p in b.tolist()}
    assert first == second and len(first) == 1 and os.getpid() not in first


def test_out_of_order_and_prefetch():
    class Staggered(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            time.sleep(0.2 if i < 2 else 0)  # the first batch is slow
            return i

    out = [b.tolist() for b in DataLoader(Staggered(), batch_size=2, num_workers=2, in_order=False,
                                          prefetch_factor=3)]
    assert sorted(map(tuple, out)) == [(0, 1), (2, 3), (4, 5)]


def test_batches_are_tensors_with_torch_dtypes():
    class Mixed(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return i, i / 2, np.full((2,), i, np.float32), np.uint8(i), torchax.full((1,), i, dtype=torchax.int16)

    for ints, floats, arrs, bytes_, shorts in DataLoader(Mixed(), batch_size=2, num_workers=1):
        assert isinstance(ints, torchax.Tensor)
        assert (ints.dtype, floats.dtype, arrs.dtype, bytes_.dtype, shorts.dtype) == (
            torchax.int64, torchax.float64, torchax.float32, torchax.uint8, torchax.int16)
        assert arrs.shape == (2, 2) and shorts.shape == (2, 1)


def test_tensor_dataset_subsets_in_workers_match_one_process():
    ds = TensorDataset(torchax.arange(40.).view(20, 2), torchax.arange(20))
    torchax.manual_seed(0)
    part, _ = random_split(ds, [12, 8])
    one = [[t.tolist() for t in b] for b in DataLoader(part, batch_size=5)]
    two = [[t.tolist() for t in b] for b in DataLoader(part, batch_size=5, num_workers=2)]
    assert one == two and len(one) == 3


_SCRIPT = """
import numpy as np
import torchax as torch
from torchax.utils.data import DataLoader, Dataset

SCALE = 10

class Squares(Dataset):  # defined in an unguarded __main__, as many training scripts do
    def __len__(self):
        return 6
    def __getitem__(self, i):
        return np.array([i * i * SCALE], np.int64)

print([b.view(-1).tolist() for b in DataLoader(Squares(), batch_size=4, num_workers=1)])
"""


def test_unguarded_script_with_a_main_dataset(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(_SCRIPT))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[[0, 10, 40, 90], [160, 250]]"


Pair = collections.namedtuple("Pair", "a b")


def _leaves(batch):
    """(type name, dtype, shape, values) of every leaf of a collated batch, in order."""
    if isinstance(batch, dict):
        return [(k, *_leaves(v)) for k, v in batch.items()]
    if isinstance(batch, (list, tuple)):
        return [type(batch).__name__, *(leaf for b in batch for leaf in _leaves(b))]
    if isinstance(batch, torchax.Tensor):
        return [("Tensor", str(batch.dtype), tuple(batch.shape), batch.float().tolist())]
    return [(type(batch).__name__, batch)]


def test_worker_collate_matches_default_collate():
    """A worker collates with `host_collate` (arrays stay numpy until unpickled in the main process): the batch
    equals `default_collate`'s, leaf by leaf, including the cases it hands back to the default functions."""
    import pickle

    from torchax.utils.data._utils.collate import default_collate, host_collate

    samples = [{"img": torchax.full((2, 3), float(i)), "half": torchax.full((2,), i, dtype=torchax.bfloat16),
                "np": np.full((3,), i, np.int32), "i": i, "flag": i % 2 == 0, "mixed": [True, 3][i % 2],
                "x": i / 4, "name": f"s{i}", "pair": Pair(np.float64(i), (i, -i)),
                "strided": np.arange(4, dtype=np.int8)[::2] + i, "param": torchax.nn.Parameter(torchax.ones(2))}
               for i in range(3)]
    want = default_collate(samples)
    got = pickle.loads(pickle.dumps(host_collate(samples)))
    assert _leaves(got) == _leaves(want)
    assert got["img"].requires_grad is False and got["param"].requires_grad is True
    for bad in ([{"n": 2**70}, {"n": 1}], [np.zeros(2), np.zeros(3)]):  # the default functions' errors
        with pytest.raises(Exception) as want_err:
            default_collate(bad)
        with pytest.raises(want_err.type):
            host_collate(bad)


def test_fork_server_verdict_sees_a_backend():
    """The fork server's self-check: a process whose JAX backend exists is not safe to fork workers from."""
    from torchax.utils.data._utils import _zygote

    torchax.ones(1)  # this process has a backend
    assert _zygote._verdict() == b"0"
