"""torch.utils.data conformance: collation, datasets, samplers and seeded single-process DataLoader epochs."""

import collections

import numpy as np
import pytest
from harness import conformance, data, message

Point = collections.namedtuple("Point", ["x", "y"])


def _t(T, shape, dtype="float32", seed=0):
    return T.tensor(data(shape, dtype=dtype, seed=seed))


# --- default_collate / default_convert ---------------------------------------------------------------------------

COLLATE = {
    "ints": lambda T: [1, 2, 3],
    "floats": lambda T: [1.5, 2.0],
    "bools": lambda T: [True, False],
    "strings": lambda T: ["a", "bc"],
    "bytes": lambda T: [b"a", b"b"],
    "np_float32": lambda T: [data((2, 3)), data((2, 3), seed=1)],
    "np_uint8": lambda T: [data((2,), dtype="uint8"), data((2,), dtype="uint8", seed=1)],
    "np_int64_0d": lambda T: [np.array(3), np.array(4)],
    "np_scalars": lambda T: [np.float32(1.5), np.float32(2.5)],
    "np_int_scalars": lambda T: [np.int64(1), np.int64(7)],
    "tensors": lambda T: [_t(T, (2, 3)), _t(T, (2, 3), seed=1)],
    "int_tensors": lambda T: [_t(T, (3,), "int64"), _t(T, (3,), "int64", seed=1)],
    "tuples": lambda T: [(1, 2.0, "a"), (3, 4.0, "b")],
    "lists": lambda T: [[1, 2], [3, 4]],
    "dicts": lambda T: [{"x": _t(T, (2,)), "y": 1}, {"x": _t(T, (2,), seed=1), "y": 2}],
    "nested": lambda T: [{"a": (1, [2.0, 3.0]), "b": {"c": np.ones(2, np.int32)}},
                         {"a": (4, [5.0, 6.0]), "b": {"c": np.zeros(2, np.int32)}}],
    "namedtuple": lambda T: [Point(1, 2.0), Point(3, 4.0)],
    "sample_tuples": lambda T: [(_t(T, (2,)), 0), (_t(T, (2,), seed=1), 1)],
    "from_numpy": lambda T: [(T.from_numpy(data((2, 3))), 0), (T.from_numpy(data((2, 3), seed=1)), 1)],
    "from_numpy_int64": lambda T: [T.from_numpy(data((3,), dtype="int64")),
                                   T.from_numpy(data((3,), dtype="int64", seed=1))],
    "from_numpy_and_tensor": lambda T: [T.from_numpy(data((2,))), _t(T, (2,), seed=1)],
    "from_numpy_requires_grad": lambda T: [T.from_numpy(data((2,))).requires_grad_(), T.from_numpy(data((2,)))],
}


@pytest.mark.parametrize("case", sorted(COLLATE))
@conformance()
def test_default_collate(T, case):
    return T.utils.data.default_collate(COLLATE[case](T))


CONVERT = {
    "array": lambda T: data((2, 2)),
    "int": lambda T: 3,
    "np_scalar": lambda T: np.float64(2.5),
    "tuple": lambda T: (data((2,)), "s", 1),
    "namedtuple": lambda T: Point(np.arange(3), 2),
    "dict": lambda T: {"a": np.arange(2), "b": [np.float32(1.0), "x"]},
    "str_array": lambda T: np.array(["a", "b"]),
    "tensor": lambda T: _t(T, (2,)),
}


@pytest.mark.parametrize("case", sorted(CONVERT))
@conformance()
def test_default_convert(T, case):
    return T.utils.data.default_convert(CONVERT[case](T))


COLLATE_ERRORS = {
    "ragged_lists": lambda T: [[1, 2], [3]],
    "object_arrays": lambda T: [np.array([object()]), np.array([object()])],
    "unknown_type": lambda T: [object(), object()],
    "str_arrays": lambda T: [np.array(["a"]), np.array(["b"])],
}


@pytest.mark.parametrize("case", sorted(COLLATE_ERRORS))
@conformance(errors=True)
def test_default_collate_errors(T, case):
    return T.utils.data.default_collate(COLLATE_ERRORS[case](T))


@conformance()
def test_collate_error_messages(T):
    collate = T.utils.data.default_collate
    return (message(lambda: collate([[1, 2], [3]]), "each element in list of batch should be of equal size"),
            message(lambda: collate([object()]), "default_collate: batch must contain tensors, numpy arrays, numbers"),
            message(lambda: collate([_t(T, (2,)), _t(T, (3,))]), "stack expects each tensor to be equal size"))


# --- datasets ------------------------------------------------------------------------------------------------------


class _Iter:
    """A minimal IterableDataset factory (a class per library)."""

    @staticmethod
    def make(T, lo, hi):
        class R(T.utils.data.IterableDataset):
            def __iter__(self):
                return iter(range(lo, hi))

            def __len__(self):
                return hi - lo

        return R()


@conformance()
def test_tensor_dataset(T):
    x, y = _t(T, (5, 2)), _t(T, (5,), "int64")
    ds = T.utils.data.TensorDataset(x, y)
    return len(ds), ds[1], ds[-1], ds[1:3]


@conformance(errors=True)
def test_tensor_dataset_size_mismatch(T):
    return T.utils.data.TensorDataset(_t(T, (5, 2)), _t(T, (4,)))


@conformance()
def test_concat_chain_stack_subset(T):
    D = T.utils.data
    a = D.TensorDataset(T.arange(4))
    b = D.TensorDataset(T.arange(10, 13))
    cat = a + b
    chain = _Iter.make(T, 0, 3) + _Iter.make(T, 5, 7)
    stack = D.StackDataset(a, D.TensorDataset(T.arange(20, 24)))
    dstack = D.StackDataset(p=a, q=list(range(4)))
    sub = D.Subset(cat, [6, 0, 2])
    return (len(cat), cat[5], cat[-1], cat.cumulative_sizes, list(chain), len(chain), len(stack), stack[2],
            stack.__getitems__([0, 3]), dstack[1], dstack.__getitems__([2]), len(sub), sub[0], sub.__getitems__([1, 2]),
            [x for (x,) in D.Subset(a, [3, 1])])


@conformance(errors=True)
def test_concat_negative_index_too_large(T):
    D = T.utils.data
    return (D.TensorDataset(T.arange(4)) + D.TensorDataset(T.arange(2)))[-7]


@conformance(errors=True)
def test_stack_dataset_size_mismatch(T):
    return T.utils.data.StackDataset(list(range(3)), list(range(4)))


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.5, 0.25, 0.25], [0.33, 0.33, 0.34]])
@conformance()
def test_random_split(T, lengths):
    T.manual_seed(0)
    parts = T.utils.data.random_split(range(10), lengths)
    g = T.Generator().manual_seed(42)
    again = T.utils.data.random_split(range(10), lengths, generator=g)
    return [list(p) for p in parts], [p.indices for p in again], T.rand(2)


@conformance()
def test_random_split_warns_on_empty_split(T):
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        parts = T.utils.data.random_split(range(2), [1.0, 0.0], generator=T.Generator().manual_seed(1))
    return [list(p) for p in parts]


@conformance(errors=True)
def test_random_split_bad_lengths(T):
    return T.utils.data.random_split(range(10), [3, 3])


# --- samplers ------------------------------------------------------------------------------------------------------


SAMPLERS = {
    "sequential": lambda T, D: D.SequentialSampler(range(7)),
    "random": lambda T, D: D.RandomSampler(range(7)),
    "random_replacement": lambda T, D: D.RandomSampler(range(7), replacement=True, num_samples=40),
    "random_num_samples": lambda T, D: D.RandomSampler(range(7), num_samples=16),
    "random_short": lambda T, D: D.RandomSampler(range(7), num_samples=3),
    "random_generator": lambda T, D: D.RandomSampler(range(7), generator=T.Generator().manual_seed(5)),
    "subset_random": lambda T, D: D.SubsetRandomSampler([10, 20, 30, 40, 50]),
    "weighted": lambda T, D: D.WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 12),
    "weighted_no_replacement": lambda T, D: D.WeightedRandomSampler([0.9, 0.4, 0.05, 0.2, 0.3, 0.1], 5,
                                                                    replacement=False),
    "weighted_generator": lambda T, D: D.WeightedRandomSampler([1, 2, 3], 6, generator=T.Generator().manual_seed(2)),
    "batch": lambda T, D: D.BatchSampler(D.SequentialSampler(range(10)), 3, False),
    "batch_drop_last": lambda T, D: D.BatchSampler(D.SequentialSampler(range(10)), 3, True),
    "batch_of_random": lambda T, D: D.BatchSampler(D.RandomSampler(range(10)), 4, False),
}


@pytest.mark.parametrize("case", sorted(SAMPLERS))
@conformance()
def test_sampler(T, case):
    T.manual_seed(0)
    s = SAMPLERS[case](T, T.utils.data)
    return list(s), list(s), len(s), T.rand(2)  # two epochs, then the default stream's position


SAMPLER_ERRORS = {
    "random_num_samples_zero": lambda T, D: D.RandomSampler(range(3), num_samples=0),
    "random_replacement_not_bool": lambda T, D: D.RandomSampler(range(3), replacement=1),
    "weighted_2d": lambda T, D: D.WeightedRandomSampler([[1.0, 2.0]], 2),
    "weighted_num_samples_bool": lambda T, D: D.WeightedRandomSampler([1.0, 2.0], True),
    "weighted_too_many": lambda T, D: list(D.WeightedRandomSampler([1.0, 2.0], 3, replacement=False)),
    "batch_size_zero": lambda T, D: D.BatchSampler(range(3), 0, False),
    "batch_drop_last_not_bool": lambda T, D: D.BatchSampler(range(3), 2, 0),
    "distributed_bad_rank": lambda T, D: D.DistributedSampler(range(3), num_replicas=2, rank=2),
}


@pytest.mark.parametrize("case", sorted(SAMPLER_ERRORS))
@conformance(errors=True)
def test_sampler_errors(T, case):
    return SAMPLER_ERRORS[case](T, T.utils.data)


@pytest.mark.parametrize("n", [10, 11])
@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
@conformance()
def test_distributed_sampler(T, n, shuffle, drop_last):
    out = []
    for rank in range(3):
        s = T.utils.data.DistributedSampler(range(n), num_replicas=3, rank=rank, shuffle=shuffle, seed=7,
                                            drop_last=drop_last)
        epochs = [list(s)]
        s.set_epoch(1)
        epochs.append(list(s))
        out.append((epochs, len(s), s.total_size))
    return out


@conformance()
def test_distributed_sampler_pads_small_dataset(T):
    s = T.utils.data.DistributedSampler(range(2), num_replicas=5, rank=4, shuffle=False)
    return list(s), len(s)


# --- DataLoader, one process ------------------------------------------------------------------------------------------


def _tensor_ds(T, n=10):
    return T.utils.data.TensorDataset(_t(T, (n, 2)), T.arange(n))


@pytest.mark.parametrize("kw", [dict(batch_size=4, shuffle=True), dict(batch_size=3, shuffle=True, drop_last=True),
                                dict(batch_size=4), dict(batch_size=None), dict(batch_size=1, shuffle=True)])
@conformance()
def test_dataloader_tensor_dataset(T, kw):
    T.manual_seed(0)
    dl = T.utils.data.DataLoader(_tensor_ds(T), **kw)
    return list(dl), list(dl), len(dl), T.rand(2)


@conformance()
def test_dataloader_generator(T):
    T.manual_seed(0)
    g = T.Generator().manual_seed(3)
    dl = T.utils.data.DataLoader(_tensor_ds(T), batch_size=4, shuffle=True, generator=g)
    return list(dl), list(dl), T.rand(2)  # the loader's draws come from g only


class _DictDataset:
    """A map-style dataset of dict samples mixing numpy arrays, ints, floats and strings."""

    def __init__(self, n=7):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": np.full((2,), i, np.float32), "y": i, "w": i / 2, "name": f"s{i}"}


@conformance()
def test_dataloader_dict_samples(T):
    T.manual_seed(1)
    dl = T.utils.data.DataLoader(_DictDataset(), batch_size=3, shuffle=True)
    return list(dl), len(dl)


@conformance()
def test_dataloader_samplers_and_collate(T):
    D = T.utils.data
    ds = _DictDataset(9)
    T.manual_seed(2)
    by_sampler = list(D.DataLoader(ds, batch_size=2, sampler=D.SubsetRandomSampler([1, 3, 5, 7])))
    by_batch_sampler = list(D.DataLoader(ds, batch_sampler=[[0, 1], [8], [4, 2, 6]]))
    custom = list(D.DataLoader(ds, batch_size=4, collate_fn=lambda b: [s["y"] for s in b]))
    unbatched = list(D.DataLoader(ds, batch_size=None, sampler=[3, 1]))
    return by_sampler, by_batch_sampler, custom, unbatched


@conformance()
def test_dataloader_iterable_dataset(T):
    D = T.utils.data
    ds = _Iter.make(T, 0, 7)
    batched, dropped = D.DataLoader(ds, batch_size=3), D.DataLoader(ds, batch_size=3, drop_last=True)
    return list(batched), len(batched), list(dropped), len(dropped), list(D.DataLoader(ds, batch_size=None))


@conformance()
def test_dataloader_iterable_length_warning(T):
    class Short(T.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(4))

        def __len__(self):
            return 2

    dl = T.utils.data.DataLoader(Short(), batch_size=None)
    len(dl)
    with pytest.warns(UserWarning, match="was reported to be 2"):
        out = list(dl)
    return out


@conformance()
def test_dataloader_pin_memory_warns(T):
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accelerator is found"):
        out = list(T.utils.data.DataLoader(list(range(3)), batch_size=2, pin_memory=True))
    return out


DATALOADER_ERRORS = {
    "sampler_and_shuffle": lambda T, D: D.DataLoader(range(4), sampler=[0, 1], shuffle=True),
    "batch_sampler_and_batch_size": lambda T, D: D.DataLoader(range(4), batch_sampler=[[0]], batch_size=2),
    "batch_sampler_and_drop_last": lambda T, D: D.DataLoader(range(4), batch_sampler=[[0]], drop_last=True),
    "none_batch_drop_last": lambda T, D: D.DataLoader(range(4), batch_size=None, drop_last=True),
    "iterable_shuffle": lambda T, D: D.DataLoader(_Iter.make(T, 0, 3), shuffle=True),
    "iterable_sampler": lambda T, D: D.DataLoader(_Iter.make(T, 0, 3), sampler=[0]),
    "negative_workers": lambda T, D: D.DataLoader(range(4), num_workers=-1),
    "negative_timeout": lambda T, D: D.DataLoader(range(4), timeout=-1),
    "prefetch_without_workers": lambda T, D: D.DataLoader(range(4), prefetch_factor=2),
    "persistent_without_workers": lambda T, D: D.DataLoader(range(4), persistent_workers=True),
    "context_without_workers": lambda T, D: D.DataLoader(range(4), multiprocessing_context="spawn"),
    "bad_context": lambda T, D: D.DataLoader(range(4), num_workers=1, multiprocessing_context="nope"),
    "set_batch_size": lambda T, D: setattr(D.DataLoader(range(4)), "batch_size", 3),
    "len_of_unsized": lambda T, D: len(D.DataLoader(_Iter.make(T, 0, 3).__iter__(), batch_size=2)),
}


@pytest.mark.parametrize("case", sorted(DATALOADER_ERRORS))
@conformance(errors=True)
def test_dataloader_errors(T, case):
    return DATALOADER_ERRORS[case](T, T.utils.data)


@conformance()
def test_dataloader_attributes(T):
    D = T.utils.data
    dl = D.DataLoader(range(5), batch_size=2, shuffle=True, num_workers=0)
    wl = D.DataLoader(range(5), num_workers=2)
    return (type(dl.sampler).__name__, type(dl.batch_sampler).__name__, dl.batch_size, dl.drop_last,
            dl.prefetch_factor, wl.prefetch_factor, dl.collate_fn is D.default_collate, D.get_worker_info(),
            D.DataLoader(range(5), batch_size=None).collate_fn is D.default_convert)
