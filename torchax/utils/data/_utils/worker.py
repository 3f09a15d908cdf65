"""torch.utils.data._utils.worker: the DataLoader worker process loop, `get_worker_info`, worker seeding.

Results travel to the main process as pickled bytes (pickled here, so a failure to pickle is reported as that
batch's error instead of being lost in a queue feeder thread). Objects defined in the script's `__main__` go through
cloudpickle, since workers do not re-run the script.
"""

from __future__ import annotations

import os
import pickle
import queue
import random
from dataclasses import dataclass
from multiprocessing.reduction import ForkingPickler

import numpy as np

from torchax.utils.data._utils import MP_STATUS_CHECK_INTERVAL, ExceptionWrapper

__all__ = ["WorkerInfo", "get_worker_info"]


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """torch.utils.data.WorkerInfo: which worker this is, how many there are, its seed and its dataset copy."""

    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object | None = None
    worker_method: str | None = "multiprocessing"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """torch.utils.data.get_worker_info: this worker's WorkerInfo, or None in the main process."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    seed: int | None = None


class _HostTensor:
    """A batch array made in a forked worker, which must not touch JAX: it unpickles as a Tensor in the main
    process."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray):
        self.array = array

    def __reduce__(self):
        return (_host_to_tensor, (self.array,))


def _host_to_tensor(array):
    import torchax
    from torchax._host import from_host

    if torchax.get_default_device().type == "cpu":
        return from_host(array)  # (the unpickled array is the tensor's own)
    return torchax.from_numpy(array)


def _generate_state(base_seed: int, worker_id: int) -> list[int]:
    """The numpy seed torch gives worker `worker_id`: numpy's SeedSequence hashing of (worker_id, base_seed),
    as four 32-bit words."""
    mask = 0xFFFFFFFF
    mult_a, mult_b = 0x931E8875, 0x58F38DED
    hash_a = [0x43B0D7E5]

    def hash_(value):
        value = (value ^ hash_a[0]) & mask
        hash_a[0] = (hash_a[0] * mult_a) & mask
        value = (value * hash_a[0]) & mask
        return (value ^ (value >> 16)) & mask

    def mix(x, y):
        r = (((0xCA01F9DD * x) & mask) - ((0x4973F715 * y) & mask)) & mask
        return (r ^ (r >> 16)) & mask

    pool = [hash_(v) for v in (worker_id, base_seed & mask, base_seed >> 32, 0)]
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash_(pool[i_src]))
    hash_b, state = 0x8B51F9DD, []
    for v in pool:
        v = (v ^ hash_b) & mask
        hash_b = (hash_b * mult_b) & mask
        v = (v * hash_b) & mask
        state.append((v ^ (v >> 16)) & mask)
    return state


def _dumps(obj) -> bytes:
    """Pickle a result for the main process; cloudpickle for objects only this worker can name (from __main__)."""
    try:
        return bytes(ForkingPickler.dumps(obj))
    except Exception:  # noqa: BLE001 - any pickling failure: try by value before reporting it
        import cloudpickle

        return cloudpickle.dumps(obj)


def _loads(data: bytes):
    return pickle.loads(data)


class _ManagerWatchdog:
    """Notices when the main process has gone (the worker is then re-parented)."""

    def __init__(self) -> None:
        self.manager_pid = os.getppid()
        self.manager_dead = False

    def is_alive(self) -> bool:
        if not self.manager_dead:
            self.manager_dead = os.getppid() != self.manager_pid
        return not self.manager_dead


def _seed_worker(base_seed: int, worker_id: int) -> int:
    seed = base_seed + worker_id
    random.seed(seed)
    np.random.seed(_generate_state(base_seed, worker_id))
    from torchax import random as trandom

    trandom.manual_seed(seed)  # host-side state only: safe in a forked worker too
    return seed


def _worker_entry(payload, index_queue, data_queue, done_event, worker_id, num_workers, base_seed,
                  persistent_workers, host) -> None:
    """Process target: unpack the loader's pieces (cloudpickled unless forked; None: the first item of the index
    queue) and run the loop."""
    if payload is None:
        payload = _first_item(index_queue)
        if payload is None:  # the main process went away (or said stop) before the payload arrived
            return
    if isinstance(payload, bytes):
        payload = pickle.loads(payload)
    dataset_kind, dataset, auto_collation, collate_fn, drop_last, init_fn = payload
    _worker_loop(dataset_kind, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn, drop_last,
                 base_seed, init_fn, worker_id, num_workers, persistent_workers, host)


def _first_item(index_queue):
    """The first item of the index queue, or None if the main process ends first."""
    watchdog = _ManagerWatchdog()
    while watchdog.is_alive():
        try:
            return index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
        except queue.Empty:
            continue
    return None


def _make_fetcher(dataset_kind, dataset, auto_collation, collate_fn, drop_last, host):
    from torchax.utils.data._utils.fetch import _IterableDatasetFetcher, _MapDatasetFetcher

    if dataset_kind == 0:
        fetcher = _MapDatasetFetcher(dataset, auto_collation, collate_fn, drop_last, host)
    else:
        fetcher = _IterableDatasetFetcher(dataset, auto_collation, collate_fn, drop_last)
    fetcher.in_worker()
    return fetcher


def _worker_loop(dataset_kind, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn, drop_last,
                 base_seed, init_fn, worker_id, num_workers, persistent_workers, host=False) -> None:
    """torch's `_worker_loop`: seed, run `init_fn`, then answer (task index, indices) requests until told to stop."""
    global _worker_info
    try:
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _make_fetcher(dataset_kind, dataset, auto_collation, collate_fn, drop_last, host)
        except Exception:  # noqa: BLE001 - reported with the first task
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        iteration_end = False
        watchdog = _ManagerWatchdog()
        while watchdog.is_alive():
            try:
                r = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                continue
            if isinstance(r, _ResumeIteration):
                data_queue.put((r, None))
                iteration_end = False
                fetcher = _make_fetcher(dataset_kind, dataset, auto_collation, collate_fn, drop_last, host)
                continue
            if r is None:  # the main process says stop
                break
            if done_event.is_set() or iteration_end:
                continue  # drain requests that arrived after the end
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:  # noqa: BLE001 - sent to the main process, which re-raises it
                    if isinstance(e, StopIteration) and dataset_kind == 1:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                    else:
                        data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            try:
                blob = _dumps(data)
            except Exception:  # noqa: BLE001 - an unpicklable batch is that batch's error
                blob = _dumps(ExceptionWrapper(where=f"in DataLoader worker process {worker_id}"))
            data_queue.put((idx, blob))
            del data, idx, index, r, blob
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
