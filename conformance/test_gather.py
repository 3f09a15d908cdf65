"""Conformance of the index ops: index_select, gather, scatter*, index_add/copy/fill/reduce, masked_*, take, put,
nonzero.

Copy-like writes (scatter, index_copy, put without accumulate) never use duplicate indices: torch leaves the
winner unspecified.
"""

import contextlib
import warnings

import pytest
from harness import conformance, tensor

DTYPES = ["float32", "int64", "bool"]


def _messages(caught):
    return [(w.category.__name__, str(w.message).split(" (Triggered internally")[0]) for w in caught]


@contextlib.contextmanager
def _quiet():
    """torch warns once per process for index_reduce and scatter(reduce=) with a tensor src; these tests ignore it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


# --- warnings torch gives once per process (keep these first: nothing above may trigger them) ----------------


@conformance()
def test_scatter_reduce_argument_warns_once(T):
    x, src, idx = T.ones(2, 3), tensor(T, (2, 3)), T.tensor([[2, 0], [1, 1]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = (x.scatter(1, idx, src, reduce="add"), x.scatter(1, idx, 2.0, reduce="multiply"),
             x.clone().scatter_(1, idx, src, reduce="multiply"))
    return r, _messages(caught)


@conformance()
def test_index_reduce_warns_once(T):
    x, src, idx = T.ones(3, 2), tensor(T, (3, 2)), T.tensor([0, 2, 0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = x.index_reduce(0, idx, src, "amax"), T.index_reduce(x, 0, idx, src, "prod")
    return r, _messages(caught)


# --- index_select, gather, take_along_dim, take ----------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_index_select_gather(T, dtype):
    x, s = tensor(T, (2, 3), dtype=dtype), tensor(T, (), dtype=dtype, seed=1)
    i = T.tensor([[2, 0], [1, 1]])
    o1, o2 = T.empty(0, dtype=x.dtype), T.empty(0, dtype=x.dtype)
    T.index_select(x, 1, T.tensor([2, 0]), out=o1)
    T.gather(x, 1, i, out=o2)
    return (T.index_select(x, 1, T.tensor([2, 0, 2])), x.index_select(0, T.tensor([1])),
            T.index_select(x, -1, T.tensor(2)), T.index_select(x, 1, T.tensor([1, 0], dtype=T.int32)),
            T.index_select(x, 1, T.tensor([], dtype=T.int64)), T.index_select(s, 0, T.tensor([0])),
            T.index_select(s, 0, T.tensor(0)), o1,
            T.gather(x, 1, i), x.gather(0, T.tensor([[1, 0, 1]])), T.gather(x, -1, T.tensor([[2, 0, 1, 1]])),
            T.gather(x, 1, i.int()), T.gather(s, 0, T.tensor(0)), T.gather(s, 0, T.tensor([0])),
            T.gather(x, 1, T.zeros(0, 2, dtype=T.int64)), T.gather(x, 1, T.zeros(2, 0, dtype=T.int64)),
            T.gather(x, 1, i, sparse_grad=True), o2)


INDEX_SELECT_GATHER_ERRORS = {
    "index_select_2d_index": lambda T: T.index_select(tensor(T, (2, 3)), 1, T.tensor([[2]])),
    "index_select_out_of_range": lambda T: T.index_select(tensor(T, (2, 3)), 1, T.tensor([3])),
    "index_select_negative": lambda T: T.index_select(tensor(T, (2, 3)), 1, T.tensor([-1])),
    "index_select_float_index": lambda T: T.index_select(tensor(T, (2, 3)), 1, T.tensor([1.0])),
    "index_select_int16_index": lambda T: T.index_select(tensor(T, (2, 3)), 1, T.tensor([1], dtype=T.int16)),
    "index_select_dim": lambda T: T.index_select(tensor(T, (2, 3)), 2, T.tensor([1])),
    "index_select_0d_out_of_range": lambda T: T.index_select(tensor(T, ()), 0, T.tensor([1])),
    "gather_index_too_large": lambda T: T.gather(tensor(T, (2, 3)), 1, T.tensor([[2, 0], [1, 1], [0, 0]])),
    "gather_out_of_range": lambda T: T.gather(tensor(T, (2, 3)), 1, T.tensor([[3]])),
    "gather_negative": lambda T: T.gather(tensor(T, (2, 3)), 1, T.tensor([[-1]])),
    "gather_float_index": lambda T: T.gather(tensor(T, (2, 3)), 1, T.tensor([[1.0]])),
    "gather_ndim": lambda T: T.gather(tensor(T, (2, 3)), 1, T.tensor([1])),
    "gather_dim": lambda T: T.gather(tensor(T, (2, 3)), 2, T.tensor([[1]])),
    "gather_0d_out_of_range": lambda T: T.gather(tensor(T, ()), 0, T.tensor(1)),
}


@pytest.mark.parametrize("case", INDEX_SELECT_GATHER_ERRORS)
@conformance(errors=True)
def test_index_select_gather_errors(T, case):
    return INDEX_SELECT_GATHER_ERRORS[case](T)


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_take_along_dim_take(T, dtype):
    x, s = tensor(T, (2, 3), dtype=dtype), tensor(T, (), dtype=dtype, seed=1)
    b = tensor(T, (2, 3, 4), dtype=dtype, seed=2)
    o1, o2 = T.empty(0, dtype=x.dtype), T.empty(0, dtype=x.dtype)
    T.take_along_dim(x, T.tensor([[0], [2]]), 1, out=o1)
    T.take(x, T.tensor([1, 4]), out=o2)
    return (T.take_along_dim(x, T.tensor([[0], [2]]), 1), x.take_along_dim(T.tensor([[0, 2]]), 1),
            T.take_along_dim(x, T.tensor([[0], [-1]]), -1), T.take_along_dim(x, T.tensor([[0], [1], [1]]), 0),
            T.take_along_dim(x, T.tensor([5, 0, 1])), T.take_along_dim(x, T.tensor([[5], [1]]), None),
            T.take_along_dim(s, T.tensor([0])), T.take_along_dim(b, T.zeros(1, 1, 2, dtype=T.int64), 2),
            T.take_along_dim(x[:1], T.tensor([[0], [0], [2]]), 1), o1,
            T.take(x, T.tensor([[0, 5], [-1, -6]])), x.take(T.tensor(3)), T.take(s, T.tensor([0, 0, -1])),
            T.take(x, T.tensor([], dtype=T.int64)), o2)


TAKE_ERRORS = {
    "take_along_dim_float_index": lambda T: T.take_along_dim(tensor(T, (2, 3)), T.tensor([[0.0]]), 1),
    "take_along_dim_int32_index": lambda T: T.take_along_dim(tensor(T, (2, 3)), T.tensor([[0]], dtype=T.int32), 1),
    "take_along_dim_ndim": lambda T: T.take_along_dim(tensor(T, (2, 3)), T.tensor([0, 2]), 1),
    "take_along_dim_broadcast": lambda T: T.take_along_dim(tensor(T, (2, 3)), T.tensor([[0, 1, 2, 0]]), 0),
    "take_along_dim_flat_out_of_range": lambda T: T.take_along_dim(tensor(T, (2, 3)), T.tensor([6, 0])),
    "take_along_dim_flat_negative": lambda T: T.take_along_dim(tensor(T, (2, 3)), T.tensor([-1, 0])),
    "take_along_dim_dim": lambda T: T.take_along_dim(tensor(T, (2, 3)), T.tensor([[0]]), 2),
    "take_along_dim_0d_dim": lambda T: T.take_along_dim(tensor(T, ()), T.tensor(0), 0),
    "take_out_of_range": lambda T: T.take(tensor(T, (2, 3)), T.tensor([6])),
    "take_negative_out_of_range": lambda T: T.take(tensor(T, (2, 3)), T.tensor([-7])),
    "take_float_index": lambda T: T.take(tensor(T, (2, 3)), T.tensor([1.0])),
    "take_int32_index": lambda T: T.take(tensor(T, (2, 3)), T.tensor([1], dtype=T.int32)),
    "take_from_empty": lambda T: T.take(T.zeros(0), T.tensor([0])),
}


@pytest.mark.parametrize("case", TAKE_ERRORS)
@conformance(errors=True)
def test_take_errors(T, case):
    return TAKE_ERRORS[case](T)


# --- scatter ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_scatter(T, dtype):
    x, src = tensor(T, (2, 3), dtype=dtype), tensor(T, (2, 3), dtype=dtype, seed=1)
    s = tensor(T, (), dtype=dtype, seed=2)
    i = T.tensor([[2, 0], [1, 2]])
    dup = T.tensor([[2, 2], [1, 1]])
    out = T.empty(0, dtype=x.dtype)
    T.scatter(x, 1, i, src, out=out)
    with _quiet():
        reduced = x.scatter(1, dup, src, reduce="add"), x.scatter(1, dup, src, reduce="multiply")
    return (x.scatter(1, i, src), T.scatter(x, 0, T.tensor([[1, 0, 1]]), src), x.scatter(-1, i, 1.5),
            x.scatter(1, i, -2), x.scatter(1, i, True), x.scatter(1, i, value=3), T.scatter(x, 1, i, src=src),
            x.scatter(1, dup, 2, reduce="add"), x.scatter(1, dup, 2, reduce="multiply"), reduced,
            x.scatter(1, i.int(), src), x.scatter(1, T.tensor([[1, 1, 1, 1]]), 5), T.scatter(s, 0, T.tensor(0), 7),
            T.scatter(s, 0, T.tensor([0]), 7), T.scatter(s, 0, T.tensor(0), src=s),
            x.scatter(0, T.zeros(0, 3, dtype=T.int64), 5),
            x.clone().scatter_(1, i, src), x.clone().scatter_(0, T.tensor([[1, 0]]), 4), out)


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_scatter_add_reduce(T, dtype):
    x, src = tensor(T, (2, 3), dtype=dtype), tensor(T, (2, 3), dtype=dtype, seed=1)
    neg = -src.abs() - 1 if dtype == "int64" else src
    dup = T.tensor([[2, 2], [1, 1]])
    o1, o2 = T.empty(0, dtype=x.dtype), T.empty(0, dtype=x.dtype)
    T.scatter_add(x, 1, dup, src, out=o1)
    T.scatter_reduce(x, 1, dup, src, "amax", out=o2)
    reduces = ["sum", "prod", "amax", "amin"] + ([] if dtype == "bool" else ["mean"])
    return (T.scatter_add(x, 1, dup, src), x.scatter_add(0, T.tensor([[1, 1, 0], [1, 1, 1]]), src),
            x.clone().scatter_add_(1, dup, src), o1, o2,
            x.clone().scatter_reduce_(0, T.tensor([[1, 1, 0]]), src, "amin", include_self=False),
            [T.scatter_reduce(x, 1, dup, neg, r, include_self=inc) for r in reduces for inc in (True, False)])


SCATTER_ERRORS = {
    "src_dtype": lambda T: T.zeros(2, 3).scatter(1, T.tensor([[1]]), T.ones(2, 3, dtype=T.int64)),
    "src_dtype_inplace": lambda T: T.zeros(2, 3).scatter_(1, T.tensor([[1]]), T.ones(2, 3, dtype=T.float64)),
    "float_index": lambda T: T.zeros(2, 3).scatter(1, T.tensor([[1.0]]), 5.0),
    "out_of_range": lambda T: T.zeros(2, 3).scatter(1, T.tensor([[3]]), 5.0),
    "negative": lambda T: T.zeros(2, 3).scatter(1, T.tensor([[-1]]), 5.0),
    "self_ndim": lambda T: T.zeros(2, 3).scatter(1, T.tensor([1]), 5.0),
    "src_ndim": lambda T: T.zeros(2, 3).scatter(1, T.tensor([[1]]), T.tensor(5.0)),
    "index_larger_than_src": lambda T: T.zeros(2, 3).scatter(1, T.tensor([[1, 1, 1, 1]]), T.ones(2, 3)),
    "index_larger_than_self": lambda T: T.zeros(2, 3).scatter(1, T.tensor([[1], [1], [1]]), 5.0),
    "index_larger_than_small_src": lambda T: T.zeros(2, 3).scatter(0, T.tensor([[1], [1]]), T.ones(1, 1)),
    "dim": lambda T: T.zeros(2, 3).scatter(2, T.tensor([[1]]), 5.0),
    "reduce_name": lambda T: T.zeros(2, 3).scatter(1, T.tensor([[1]]), 5.0, reduce="sum"),
    "add_scalar_src": lambda T: T.scatter_add(T.zeros(2, 3), 1, T.tensor([[1]]), 2.0),
    "add_dtype": lambda T: T.scatter_add(T.zeros(2, 3), 1, T.tensor([[1]]), T.ones(2, 3, dtype=T.int64)),
    "add_out_of_range": lambda T: T.scatter_add(T.zeros(2, 3), 1, T.tensor([[3]]), T.ones(2, 3)),
    "reduce_reduce_name": lambda T: T.scatter_reduce(T.zeros(2, 3), 1, T.tensor([[1]]), T.ones(2, 3), "foo"),
    "reduce_scalar_src": lambda T: T.scatter_reduce(T.zeros(2, 3), 1, T.tensor([[1]]), 2.0, "sum"),
    "reduce_mean_bool": lambda T: T.scatter_reduce(T.ones(2, 3, dtype=T.bool), 1, T.tensor([[1]]),
                                                   T.ones(2, 3, dtype=T.bool), "mean"),
    "reduce_out_of_range": lambda T: T.scatter_reduce(T.zeros(2, 3), 0, T.tensor([[2]]), T.ones(2, 3), "amax"),
}


@pytest.mark.parametrize("case", SCATTER_ERRORS)
@conformance(errors=True)
def test_scatter_errors(T, case):
    return SCATTER_ERRORS[case](T)


# --- index_add, index_copy, index_fill, index_reduce ---------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_index_add_copy_fill(T, dtype):
    x, src = tensor(T, (3, 2), dtype=dtype), tensor(T, (3, 2), dtype=dtype, seed=1)
    s = tensor(T, (), dtype=dtype, seed=2)
    alpha = {"float32": 1.5, "int64": 3, "bool": True}[dtype]
    o1, o2 = T.empty(0, dtype=x.dtype), T.empty(0, dtype=x.dtype)
    T.index_add(x, 0, T.tensor([0, 2, 0]), src, out=o1)
    T.index_copy(x, 0, T.tensor([2, 0]), src[:2], out=o2)
    return (T.index_add(x, 0, T.tensor([0, 2, 0]), src), x.index_add(1, T.tensor([1, 1]), src, alpha=alpha),
            T.index_add(x, -1, T.tensor(1), src[:, :1]), T.index_add(x, 0, T.tensor([2, 0, 1], dtype=T.int32), src),
            T.index_add(s, 0, T.tensor(0), s), x.clone().index_add_(0, T.tensor([1, 1, 1]), src), o1,
            T.index_copy(x, 0, T.tensor([2, 0]), src[:2]), x.index_copy(1, T.tensor([1, 0]), src),
            T.index_copy(s, 0, T.tensor([0]), s.reshape(1)), T.index_copy(x[:, 0], 0, T.tensor(1), s),
            x.clone().index_copy_(0, T.tensor([1]), src[:1]), o2,
            x.index_fill(0, T.tensor([0, 2]), 5), x.index_fill(1, T.tensor([0, 0]), -1.5), x.index_fill(1, T.tensor(0),
                                                                                                         T.tensor(7.5)),
            T.index_fill(x, 1, T.tensor([-1]), True), T.index_fill(s, 0, T.tensor([0]), 2),
            x.clone().index_fill_(0, T.tensor([-3]), 4), x.clone().index_fill_(1, T.tensor(1), T.tensor(2)))


@pytest.mark.parametrize("dtype", ["float32", "int64"])
@conformance()
def test_index_reduce(T, dtype):
    x, src = tensor(T, (3, 2), dtype=dtype), tensor(T, (3, 2), dtype=dtype, seed=1)
    with _quiet():
        out = T.empty(0, dtype=x.dtype)
        T.index_reduce(x, 0, T.tensor([0, 2, 0]), src, "mean", out=out)
        inplace = x.clone().index_reduce_(1, T.tensor([1, 1], dtype=T.int32), src, "mean", include_self=False)
        return out, inplace, [T.index_reduce(x, 0, T.tensor([0, 2, 0]), src, r, include_self=inc)
                              for r in ("prod", "mean", "amax", "amin") for inc in (True, False)]


@conformance()
def test_index_reduce_bool(T):
    x, src = tensor(T, (3, 2), dtype="bool"), tensor(T, (3, 2), dtype="bool", seed=1)
    with _quiet():
        return [T.index_reduce(x, 0, T.tensor([0, 2, 0]), src, r) for r in ("prod", "amax", "amin")]


INDEX_ERRORS = {
    "add_dtype": lambda T: T.index_add(T.ones(3, 2), 0, T.tensor([0, 2, 0]), T.ones(3, 2, dtype=T.int64)),
    "add_out_of_range": lambda T: T.index_add(T.ones(3, 2), 0, T.tensor([0, 3, 0]), T.ones(3, 2)),
    "add_negative": lambda T: T.index_add(T.ones(3, 2), 0, T.tensor([0, -1, 0]), T.ones(3, 2)),
    "add_float_index": lambda T: T.index_add(T.ones(3, 2), 0, T.tensor([0.0, 1, 0]), T.ones(3, 2)),
    "add_count": lambda T: T.index_add(T.ones(3, 2), 0, T.tensor([0, 1]), T.ones(3, 2)),
    "add_shape": lambda T: T.index_add(T.ones(3, 2), 0, T.tensor([0, 1, 2]), T.ones(3, 3)),
    "add_source_ndim": lambda T: T.index_add(T.ones(3, 2), 0, T.tensor([0, 1, 2]), T.ones(3)),
    "add_2d_index": lambda T: T.index_add(T.ones(3, 2), 0, T.tensor([[0, 1, 2]]), T.ones(3, 2)),
    "add_dim_past_source": lambda T: T.index_add(T.ones(3, 2), -1, T.tensor(1), T.ones(3)),
    "add_dim": lambda T: T.index_add(T.ones(3, 2), 2, T.tensor([0]), T.ones(3, 2)),
    "add_0d_vs_1d": lambda T: T.index_add(T.tensor(3.0), 0, T.tensor([0]), T.tensor([2.0])),
    "copy_out_of_range": lambda T: T.index_copy(T.ones(3, 2), 0, T.tensor([0, 3]), T.ones(2, 2)),
    "copy_negative": lambda T: T.index_copy(T.ones(3, 2), 0, T.tensor([0, -1]), T.ones(2, 2)),
    "copy_dtype": lambda T: T.index_copy(T.ones(3, 2), 0, T.tensor([0, 1]), T.ones(2, 2, dtype=T.float64)),
    "copy_int32_index": lambda T: T.index_copy(T.ones(3, 2), 0, T.tensor([0, 1], dtype=T.int32), T.ones(2, 2)),
    "copy_count": lambda T: T.index_copy(T.ones(3, 2), 0, T.tensor([0, 1]), T.ones(3, 2)),
    "copy_ndim": lambda T: T.index_copy(T.ones(3, 2), 0, T.tensor([0, 1]), T.ones(2)),
    "copy_slice_shape": lambda T: T.index_copy(T.ones(3, 2), 0, T.tensor([0, 1]), T.ones(2, 3)),
    "copy_2d_index": lambda T: T.index_copy(T.ones(3, 2), 0, T.tensor([[0, 1]]), T.ones(2, 2)),
    "copy_scalar_source_two_indices": lambda T: T.index_copy(T.ones(3), 0, T.tensor([0, 1]), T.tensor(2.0)),
    "fill_out_of_range": lambda T: T.ones(3, 2).index_fill(1, T.tensor([2]), 1),
    "fill_negative_out_of_range": lambda T: T.ones(3, 2).index_fill(1, T.tensor([-3]), 1),
    "fill_float_index": lambda T: T.ones(3, 2).index_fill(1, T.tensor([1.0]), 1),
    "fill_int32_index": lambda T: T.ones(3, 2).index_fill(1, T.tensor([1], dtype=T.int32), 1),
    "fill_2d_index": lambda T: T.ones(3, 2).index_fill(1, T.tensor([[1]]), 1),
    "fill_1d_value": lambda T: T.ones(3, 2).index_fill(1, T.tensor(0), T.tensor([7.0])),
    "fill_dim": lambda T: T.index_fill(T.ones(3, 2), 2, T.tensor([0]), 1.0),
    "reduce_name": lambda T: T.index_reduce(T.ones(3, 2), 0, T.tensor([0, 2, 0]), T.ones(3, 2), "sum"),
    "reduce_out_of_range": lambda T: T.index_reduce(T.ones(3, 2), 0, T.tensor([0, 3, 0]), T.ones(3, 2), "amin"),
    "reduce_negative": lambda T: T.index_reduce(T.ones(3, 2), 0, T.tensor([0, -1, 0]), T.ones(3, 2), "amin"),
    "reduce_float_index": lambda T: T.index_reduce(T.ones(3, 2), 0, T.tensor([0, 2, 0.0]), T.ones(3, 2), "amin"),
    "reduce_count": lambda T: T.index_reduce(T.ones(3, 2), 0, T.tensor([0, 2]), T.ones(3, 2), "amin"),
    "reduce_dtype": lambda T: T.index_reduce(T.ones(3, 2), 0, T.tensor([0, 2, 0]), T.ones(3, 2, dtype=T.float64),
                                             "amin"),
    "reduce_2d_index": lambda T: T.index_reduce(T.ones(3, 2), 0, T.tensor([[0, 1]]), T.ones(2, 2), "amax"),
    "reduce_mean_bool": lambda T: T.index_reduce(T.ones(3, 2, dtype=T.bool), 0, T.tensor([0, 2, 0]),
                                                 T.ones(3, 2, dtype=T.bool), "mean"),
    "reduce_exclude_self_bool": lambda T: T.index_reduce(T.ones(3, 2, dtype=T.bool), 0, T.tensor([0, 2, 0]),
                                                         T.ones(3, 2, dtype=T.bool), "amax", include_self=False),
}


@pytest.mark.parametrize("case", INDEX_ERRORS)
@conformance(errors=True)
def test_index_op_errors(T, case):
    with _quiet():
        return INDEX_ERRORS[case](T)


# --- masks ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_masked_fill_select_scatter(T, dtype):
    x, s = tensor(T, (2, 3), dtype=dtype), tensor(T, (), dtype=dtype, seed=1)
    m, row, col = tensor(T, (2, 3), dtype="bool", seed=2), T.tensor([True, False, True]), T.tensor([[True], [False]])
    source = tensor(T, (2, 5), dtype=dtype, seed=3)
    out = T.empty(0, dtype=x.dtype)
    T.masked_select(x, m, out=out)
    return (x.masked_fill(m, 9), x.masked_fill(col, -1.5), T.masked_fill(x, row, True), x.masked_fill(m, T.tensor(7)),
            x.masked_fill(col, T.tensor(7.5)), T.masked_fill(x, T.ones(2, 2, 3, dtype=T.bool), 2),
            x.clone().masked_fill_(m, 3), x.clone().masked_fill_(T.tensor(True), 0), s.masked_fill(T.tensor(True), 1),
            s.masked_fill(T.tensor([True, False]), 1), x.masked_fill(T.tensor(False), 4),
            T.masked_select(x, m), x.masked_select(row), T.masked_select(s, row), T.masked_select(s, T.tensor(True)),
            T.masked_select(x, T.zeros(2, 3, dtype=T.bool)), T.masked_select(x[0], T.ones(2, 3, dtype=T.bool)), out,
            x.masked_scatter(m, source), x.masked_scatter(row, source), T.masked_scatter(x, col, source),
            T.masked_scatter(x, T.ones(2, 2, 3, dtype=T.bool), T.cat([source, source])),
            x.clone().masked_scatter_(row, source), s.masked_scatter(T.tensor(True), source),
            x.masked_scatter(T.zeros(3, dtype=T.bool), T.zeros(0, dtype=x.dtype)))


@conformance()
def test_masked_fill_special_values(T):
    x = tensor(T, (2, 3))
    return x.masked_fill(x > 0, float("inf")), x.masked_fill(x > 0, float("nan")), x.long().masked_fill(x > 0, True)


MASK_ERRORS = {
    "fill_long_mask": lambda T: T.ones(2, 3).masked_fill(T.tensor([[1], [0]]), 7.0),
    "fill_uint8_mask": lambda T: T.ones(2, 3).masked_fill(T.tensor([[1], [0]], dtype=T.uint8), 7.0),
    "fill_1d_value": lambda T: T.ones(2, 3).masked_fill(T.tensor([True, False, True]), T.tensor([7.0])),
    "fill_broadcast": lambda T: T.ones(2, 3).masked_fill(T.tensor([True, False]), 7.0),
    "fill_inplace_grows": lambda T: T.ones(2, 3).masked_fill_(T.ones(2, 2, 3, dtype=T.bool), 7.0),
    "fill_complex_value": lambda T: T.ones(2, 3).masked_fill(T.tensor(True), 1 + 2j),
    "select_long_mask": lambda T: T.masked_select(T.ones(2, 3), T.tensor([1, 0, 1])),
    "select_broadcast": lambda T: T.masked_select(T.ones(2, 3), T.tensor([True, False])),
    "scatter_too_few": lambda T: T.ones(2, 3).masked_scatter(T.ones(2, 3, dtype=T.bool), T.arange(5.0)),
    "scatter_too_few_broadcast": lambda T: T.ones(2, 3).masked_scatter(T.tensor([True, False, True]), T.arange(3.0)),
    "scatter_empty_source": lambda T: T.ones(2).masked_scatter(T.tensor([True, True]), T.ones(0)),
    "scatter_dtype": lambda T: T.ones(2, 3).masked_scatter(T.ones(2, 3, dtype=T.bool), T.arange(10)),
    "scatter_long_mask": lambda T: T.ones(2, 3).masked_scatter(T.tensor([1, 0, 1]), T.arange(10.0)),
    "scatter_inplace_grows": lambda T: T.ones(2, 3).masked_scatter_(T.ones(2, 2, 3, dtype=T.bool), T.arange(12.0)),
}


@pytest.mark.parametrize("case", MASK_ERRORS)
@conformance(errors=True)
def test_mask_errors(T, case):
    return MASK_ERRORS[case](T)


# --- put, nonzero ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_put(T, dtype):
    x, src = tensor(T, (2, 3), dtype=dtype), tensor(T, (3,), dtype=dtype, seed=1)
    s = tensor(T, (), dtype=dtype, seed=2)
    return (x.put(T.tensor([0, 5, -2]), src), T.put(x, T.tensor([[0, 4, -1]]), src.reshape(1, 3)),
            x.put(T.tensor([1, 1, -5]), src, accumulate=True), T.put(x, T.tensor([2, 0, 1]), src, True),
            x.clone().put_(T.tensor([3, 1, 2]), src), x.clone().put_(T.tensor([0, 0, 0]), src, accumulate=True),
            T.put(s, T.tensor([0, -1]), src[:2], True), x.put(T.tensor([], dtype=T.int64), src[:0]))


PUT_ERRORS = {
    "count": lambda T: T.ones(2, 3).put(T.tensor([0, 5]), T.tensor([7.0, 8, 9])),
    "out_of_range": lambda T: T.ones(2, 3).put(T.tensor([0, 6]), T.tensor([7.0, 8])),
    "negative_out_of_range": lambda T: T.ones(2, 3).put(T.tensor([0, -7]), T.tensor([7.0, 8])),
    "int32_index": lambda T: T.ones(2, 3).put(T.tensor([0, 1], dtype=T.int32), T.tensor([7.0, 8])),
    "dtype": lambda T: T.ones(2, 3).put(T.tensor([0, 1]), T.tensor([7, 8])),
    "dtype_inplace": lambda T: T.ones(2, 3).put_(T.tensor([0, 1]), T.tensor([7.0, 8], dtype=T.float64)),
}


@pytest.mark.parametrize("case", PUT_ERRORS)
@conformance(errors=True)
def test_put_errors(T, case):
    return PUT_ERRORS[case](T)


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_nonzero_argwhere(T, dtype):
    x, s = tensor(T, (2, 3), dtype=dtype), tensor(T, (), dtype=dtype, seed=1)
    x = x * (tensor(T, (2, 3), dtype="bool", seed=2))  # some zeros in every dtype
    out = T.empty(0, dtype=T.int64)
    T.nonzero(x, out=out)
    z = T.zeros((), dtype=x.dtype)
    return (T.nonzero(x), x.nonzero(), T.nonzero(x, as_tuple=True), x.nonzero(as_tuple=True), T.nonzero(s),
            T.nonzero(s, as_tuple=True), T.nonzero(z), T.nonzero(z, as_tuple=True), T.nonzero(T.zeros(0, 3)),
            T.nonzero(T.zeros(0, 3), as_tuple=True), T.argwhere(x), x.argwhere(), T.argwhere(s), T.argwhere(z), out)


@conformance()
def test_nonzero_nan_and_negative_zero(T):
    x = T.tensor([float("nan"), 0.0, -0.0, 1.0])
    return T.nonzero(x), T.argwhere(x), T.nonzero(x, as_tuple=True)


# --- results never alias their input -------------------------------------------------------------------------------


@conformance()
def test_results_do_not_alias_input(T):
    x = tensor(T, (2, 3))
    everything = T.tensor([[0, 1, 2], [0, 1, 2]])
    outs = [T.index_select(x, 0, T.tensor([0, 1])), T.gather(x, 1, everything), T.take_along_dim(x, everything, 1),
            T.take(x, T.arange(6).reshape(2, 3)), x.masked_fill(T.tensor(False), 1.0),
            x.scatter(0, T.zeros(0, 3, dtype=T.int64), 1.0), x.index_fill(0, T.tensor([], dtype=T.int64), 1.0),
            x.put(T.tensor([], dtype=T.int64), T.ones(0)), x.masked_scatter(T.tensor(False), T.ones(0)),
            x.index_add(0, T.tensor([0]), T.zeros(1, 3)), x.index_copy(0, T.tensor([0]), x[:1]),
            x.scatter_add(0, T.tensor([[0]]), T.zeros(1, 1)), T.masked_select(x, T.tensor(True)).reshape(2, 3)]
    for o in outs:
        o.fill_(7.0)
    return x, outs


@conformance()
def test_inplace_through_views_writes_the_base(T):
    x, y, z, w = tensor(T, (3, 4)), tensor(T, (3, 4), seed=1), tensor(T, (3, 4), seed=2), tensor(T, (3, 4), seed=3)
    x[:, 1:].index_fill_(0, T.tensor([0, 2]), 0.0)
    y.t().masked_fill_(T.tensor([True, False, True]), 5.0)
    z[1].scatter_(0, T.tensor([3, 0]), T.tensor([8.0, 9.0]))
    w[::2].index_add_(1, T.tensor([0, 0, 3, 1]), T.ones(2, 4), alpha=2)
    return x, y, z, w


@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16", "int32", "uint8"])
@conformance()
def test_other_dtypes(T, dtype):
    x, src = tensor(T, (2, 3), dtype=dtype), tensor(T, (2, 3), dtype=dtype, seed=1)
    i = T.tensor([[2, 0], [1, 2]])
    return (T.index_select(x, 1, T.tensor([2, 0])), T.gather(x, 1, i), x.scatter(1, i, src), x.scatter(1, i, 2),
            T.scatter_add(x, 1, i, src), T.scatter_reduce(x, 1, i, src, "amax", include_self=False),
            x.index_add(0, T.tensor([1, 1]), src), x.index_fill(1, T.tensor([1]), 3), x.masked_fill(x > 0, 1),
            T.masked_select(x, x > 0), x.masked_scatter(x > 0, src), T.take(x, T.tensor([5, 0])),
            x.put(T.tensor([4]), src[0, :1]), T.nonzero(x))
