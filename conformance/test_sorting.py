"""Conformance: sort, argsort, topk, kthvalue, median, mode, quantile, unique, searchsorted, bucketize, histc, bincount.

torch's sort is unstable: where the data has ties, only the values and the consistency of the indices
(x gathered at the indices == values) are compared; tie-free data compares indices exactly.
"""

import math

import numpy as np
import pytest
from harness import conformance, tensor

S = (2, 3, 4)
NAN = float("nan")


def _distinct(T, shape=S, dtype="float32", seed=0):
    """Tie-free data: a permutation of 0..n-1 (shifted and scaled for floats)."""
    a = np.random.default_rng(seed).permutation(math.prod(shape)).reshape(shape)
    if dtype.startswith("float") or dtype == "bfloat16":
        a = a * 0.25 - 2.0
    t = T.tensor(a.astype("float32" if dtype == "bfloat16" else dtype))
    return t.to(T.bfloat16) if dtype == "bfloat16" else t


def _ties(T, dtype="int64"):
    """(3, 6) data with many ties."""
    a = np.array([[1, 3, 1, 2, 3, 1], [0, 0, 0, 0, 0, 0], [5, 2, 5, 2, 4, 2]])
    return T.tensor(a.astype(dtype))


def _consistent(x, values, indices, dim):
    """x gathered at indices == values (library-neutral: numpy on both)."""
    xa, va, ia = (np.asarray(t.float().numpy() if t.dtype.is_floating_point else t.numpy())
                  for t in (x, values, indices))
    return bool(np.array_equal(np.take_along_axis(xa, ia, axis=dim), va, equal_nan=xa.dtype.kind == "f"))


# --- sort / argsort / msort ---------------------------------------------------------------------------------------


@conformance()
def test_sort_no_ties(T):
    x = _distinct(T)
    return (T.sort(x), x.sort(0), T.sort(x, 1, True), T.sort(x, dim=-1, descending=True, stable=True),
            T.sort(x, stable=True, dim=0), T.argsort(x), x.argsort(1, True), T.argsort(x, dim=0, stable=True),
            T.msort(x), x.msort())


@pytest.mark.parametrize("dtype", ["float64", "int64", "bfloat16"])
@conformance()
def test_sort_dtypes(T, dtype):
    x = _distinct(T, dtype=dtype)
    return T.sort(x), x.argsort(1, True), T.msort(x)


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
@conformance()
def test_sort_ties_values_and_gather(T, dtype):
    x = _ties(T, dtype)
    out = []
    for dim, desc in ((1, False), (0, True)):
        v, i = T.sort(x, dim, desc)
        out += [v, _consistent(x, v, i, dim), T.sort(x, dim=dim, descending=desc, stable=True)]
        out.append(_consistent(x, v, T.argsort(x, dim, desc), dim))
    return out


@conformance()
def test_sort_nan_last_ascending_first_descending(T):
    x = T.tensor([[3.0, NAN, 1.0, NAN, 2.0], [NAN, -1.0, math.inf, -math.inf, 0.0]])
    return T.sort(x), T.sort(x, descending=True), T.argsort(x, 1), T.msort(x.t()), T.sort(x, stable=True)


@conformance()
def test_sort_zero_dim_and_empty(T):
    z, e = T.tensor(3.0), T.zeros(0, 3)
    return T.sort(z), T.argsort(z), T.msort(z), T.sort(e, 0), T.argsort(e, 1), T.topk(z, 1), T.kthvalue(z, 1)


# --- topk / kthvalue ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "int64"])
@conformance()
def test_topk_no_ties(T, dtype):
    x = _distinct(T, dtype=dtype)
    return T.topk(x, 2), x.topk(3, 1), T.topk(x, 1, 0, False), T.topk(x, k=4, dim=-1, largest=False, sorted=True)


@conformance()
def test_topk_unsorted_values(T):
    x = _distinct(T)
    v, i = T.topk(x, 3, 2, True, False)
    return T.sort(v, 2)[0], _consistent(x, v, i, 2)


@conformance()
def test_topk_ties_and_nan(T):
    x = _ties(T, "float32")
    out = []
    for k, dim, largest in ((2, 1, True), (3, 1, False), (2, 0, True)):
        v, i = T.topk(x, k, dim, largest)
        out += [v, _consistent(x, v, i, dim)]
    n = T.tensor([3.0, NAN, 1.0, NAN, 2.0])
    return out + [T.topk(n, 2), T.topk(n, 2, largest=False), T.topk(n, 3)]


@pytest.mark.parametrize("dtype", ["float32", "int64"])
@conformance()
def test_kthvalue(T, dtype):
    x = _distinct(T, dtype=dtype)
    return T.kthvalue(x, 1), x.kthvalue(4, 2), T.kthvalue(x, 2, 0, True), T.kthvalue(x, 3, dim=1, keepdim=False)


@conformance()
def test_kthvalue_nan(T):
    n = T.tensor([3.0, NAN, 1.0, NAN, 2.0])
    return T.kthvalue(n, 2), T.kthvalue(n, 3), T.kthvalue(n, 4)


# --- median / nanmedian / mode ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
@conformance()
def test_median(T, dtype):
    x = _distinct(T, dtype=dtype)
    return (T.median(x), x.median(), T.median(x, 1), x.median(0, True), T.median(x, dim=-1), T.nanmedian(x),
            T.nanmedian(x, 2), x.nanmedian(1, True))


@conformance()
def test_median_ties_values(T):
    x = _ties(T)
    v, i = T.median(x, 1)
    return T.median(x), v, _consistent(x, v.unsqueeze(1), i.unsqueeze(1), 1), T.median(T.tensor([4, 1, 3, 2]))


@conformance()
def test_median_nan(T):
    x = T.tensor([[3.0, NAN, 1.0, NAN, 2.0], [1.0, 4.0, 2.0, 3.0, 0.0], [NAN, NAN, NAN, NAN, NAN]])
    return (T.median(x), T.nanmedian(x), T.median(x, 1), T.nanmedian(x[:2], 1), T.nanmedian(x[2]),
            T.median(T.zeros(0)), T.nanmedian(T.zeros(0)))


@conformance()
def test_mode(T):
    x = T.tensor([[1, 2, 2, 1, 3, 3], [3, 3, 1, 1, 0, 5], [4, 4, 4, 0, 4, 1]])
    f = T.tensor([[2.0, 1.0, NAN, NAN, NAN], [3.0, NAN, 1.0, NAN, 2.0], [0.5, 0.5, 1.5, 1.5, 1.5]])
    b = T.tensor([[True, False, False, True]])
    return T.mode(x), x.mode(0), T.mode(x, 1, True), T.mode(f), T.mode(b), T.mode(T.tensor(7))


# --- quantile -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@conformance()
def test_quantile_interpolation(T, interpolation):
    x = tensor(T, S)
    q = T.tensor([0.0, 0.3, 0.5, 0.75, 1.0])
    return (T.quantile(x, 0.3, interpolation=interpolation), T.quantile(x, q, 1, interpolation=interpolation),
            T.nanquantile(x, q, -1, True, interpolation=interpolation))


@conformance()
def test_quantile_forms(T):
    x = tensor(T, S, dtype="float64")
    q1, q0 = T.tensor([0.2, 0.9], dtype=T.float64), T.tensor(0.4, dtype=T.float64)
    return (T.quantile(x, 0.5), x.quantile(q1), T.quantile(x, q0, 0), T.quantile(x, q1, dim=0, keepdim=True),
            T.quantile(x, 1), x.nanquantile(0.25, 2), T.quantile(x, q1, keepdim=True))


@conformance()
def test_quantile_nan(T):
    x = T.tensor([[3.0, NAN, 1.0, NAN, 2.0], [1.0, 4.0, 2.0, 3.0, 0.0], [NAN, NAN, NAN, NAN, NAN]])
    q = T.tensor([0.1, 0.5, 0.9])
    return T.quantile(x, q, 1), T.nanquantile(x, q, 1), T.quantile(x, 0.5), T.nanquantile(x, 0.5)


# --- unique -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
@conformance()
def test_unique(T, dtype):
    x = _ties(T, dtype)
    return (T.unique(x), x.unique(sorted=False), T.unique(x, return_inverse=True),
            T.unique(x, return_counts=True), T.unique(x, True, True, True), T.unique(x, dim=1),
            T.unique(x, dim=0, return_inverse=True, return_counts=True))


@conformance()
def test_unique_special(T):
    n = T.tensor([2.0, NAN, 1.0, NAN, 2.0])
    return (T.unique(n), T.unique(T.tensor(3)), T.unique(T.tensor(3), return_inverse=True), T.unique(T.zeros(0)),
            T.unique(T.tensor([[1, 2], [1, 2], [0, 5]]), dim=0, return_inverse=True, return_counts=True))


@conformance()
def test_unique_consecutive(T):
    m = T.tensor([1, 2, 2, 3, 3, 1, 5, 1, 3])
    x = T.tensor([[1, 1], [1, 1], [2, 3], [2, 3], [1, 1]])
    return (T.unique_consecutive(m), m.unique_consecutive(return_inverse=True, return_counts=True),
            T.unique_consecutive(x), T.unique_consecutive(x, dim=0, return_inverse=True, return_counts=True),
            T.unique_consecutive(x, return_counts=True, dim=1), T.unique_consecutive(T.tensor(3)),
            T.unique_consecutive(T.tensor([NAN, NAN, 1.0, 1.0])))


# --- searching ----------------------------------------------------------------------------------------------------


@conformance()
def test_searchsorted(T):
    s1 = T.tensor([1, 3, 5, 7, 9])
    s2 = T.tensor([[1, 3, 5, 7, 9], [2, 4, 6, 8, 10]])
    v = T.tensor([[3, 6, 9], [3, 6, 9]])
    f = T.tensor([1.0, 3.5, 5.0, 7.25])
    return (T.searchsorted(s1, v), T.searchsorted(s1, v, right=True), T.searchsorted(s2, v),
            T.searchsorted(s2, v, side="right"), T.searchsorted(s1, 5), T.searchsorted(s1, 5, side="left"),
            T.searchsorted(s1, v, out_int32=True), T.searchsorted(f, v), T.searchsorted(s1, f, right=True),
            T.searchsorted(s1, T.tensor(4)), T.searchsorted(f, 3.5, side="right"))


@conformance()
def test_searchsorted_sorter(T):
    s = T.tensor([[5, 1, 9, 3, 7], [10, 8, 6, 4, 2]])
    sorter = T.argsort(s)
    v = T.tensor([[0, 3, 10], [5, 6, 11]])
    return T.searchsorted(s, v, sorter=sorter), T.searchsorted(s, v, side="right", sorter=sorter)


@conformance()
def test_bucketize(T):
    b = T.tensor([1.0, 3.0, 5.0, 7.0])
    x = tensor(T, (3, 4), low=0, high=8)
    i = T.tensor([[1, 3], [5, 8]])
    return (T.bucketize(x, b), T.bucketize(i, b, right=True), T.bucketize(i, b, out_int32=True),
            T.bucketize(3, b), T.bucketize(3.0, b, right=True))


@conformance()
def test_histc(T):
    x = tensor(T, (3, 4))
    e = T.tensor([0.0, 1.0, 2.0, 3.0, 4.0])
    return (T.histc(x), T.histc(x, 4), x.histc(5, -1.0, 1.0), T.histc(e, 4), T.histc(e, 3, 0, 3),
            T.histc(T.tensor(2.0), 4), T.histc(x.double(), bins=6, min=-2, max=2), T.histc(T.tensor([1.0, 1.0]), 4),
            T.histc(T.tensor([NAN, 1.0, 2.0]), 2, 0, 2))


@conformance()
def test_bincount(T):
    m = T.tensor([1, 2, 2, 3, 3, 1, 5, 1, 3])
    w = tensor(T, (9,))
    return (T.bincount(m), m.bincount(minlength=8), T.bincount(m, w), T.bincount(m, w.double(), 2),
            T.bincount(m, T.ones(9, dtype=T.int64)), T.bincount(T.zeros(0, dtype=T.int64)),
            T.bincount(T.zeros(0, dtype=T.int64), minlength=3))


# --- out= and errors ----------------------------------------------------------------------------------------------


@conformance()
def test_out(T):
    x = _distinct(T)
    so = T.sort(x, 1, out=(T.empty(0), T.empty(0, dtype=T.int64)))
    tk = T.topk(x, 2, out=(T.empty(0), T.empty(0, dtype=T.int64)))
    kv = T.kthvalue(x, 2, 0, out=(T.empty(0), T.empty(0, dtype=T.int64)))
    md = T.median(x, 1, out=(T.empty(0), T.empty(0, dtype=T.int64)))
    mo = T.mode(x, 1, out=(T.empty(0), T.empty(0, dtype=T.int64)))
    o = T.empty(0)
    q = T.quantile(x, 0.5, 2, out=o)
    s = T.searchsorted(T.tensor([1, 3, 5]), T.tensor([2, 4]), out=T.empty(0, dtype=T.int64))
    return so, tk, kv, md, mo, q is o, o, s


ERRORS = {
    "sort_dim_range": lambda T, x: T.sort(x, 3),
    "argsort_dim_range": lambda T, x: T.argsort(x, -4),
    "topk_k_too_large": lambda T, x: T.topk(x, 5),
    "topk_k_negative": lambda T, x: T.topk(x, -1),
    "topk_bool": lambda T, x: T.topk(x > 0, 1),
    "topk_dim_range": lambda T, x: T.topk(x, 1, 3),
    "kthvalue_k_zero": lambda T, x: T.kthvalue(x, 0),
    "kthvalue_k_too_large": lambda T, x: T.kthvalue(x, 5),
    "kthvalue_empty_dim": lambda T, x: T.kthvalue(T.zeros(0, 3), 1, 0),
    "median_empty_dim": lambda T, x: T.median(T.zeros(0, 3), 0),
    "mode_empty_dim": lambda T, x: T.mode(T.zeros(0, 3), 0),
    "median_dim_range": lambda T, x: T.median(x, 3),
    "quantile_int": lambda T, x: T.quantile(x.long(), 0.5),
    "quantile_q_range": lambda T, x: T.quantile(x, 1.5),
    "quantile_q_tensor_range": lambda T, x: T.quantile(x, T.tensor([0.5, -0.1])),
    "quantile_q_dtype": lambda T, x: T.quantile(x, T.tensor([0.5], dtype=T.float64)),
    "quantile_q_2d": lambda T, x: T.quantile(x, T.tensor([[0.5]])),
    "quantile_q_list": lambda T, x: T.quantile(x, [0.5]),
    "quantile_empty": lambda T, x: T.quantile(T.zeros(0), 0.5),
    "quantile_bad_interpolation": lambda T, x: T.quantile(x, 0.5, interpolation="cubic"),
    "searchsorted_side_conflict": lambda T, x: T.searchsorted(T.tensor([1, 2]), T.tensor([1]), side="left",
                                                              right=True),
    "searchsorted_bad_side": lambda T, x: T.searchsorted(T.tensor([1, 2]), T.tensor([1]), side="middle"),
    "searchsorted_batch_mismatch": lambda T, x: T.searchsorted(T.tensor([[1, 3]]), T.tensor([1, 3])),
    "searchsorted_scalar_nd": lambda T, x: T.searchsorted(T.tensor([[1, 3]]), 2),
    "bucketize_2d_boundaries": lambda T, x: T.bucketize(T.tensor([1.0]), T.tensor([[1.0]])),
    "histc_int": lambda T, x: T.histc(x.long(), 4),
    "histc_bins_zero": lambda T, x: T.histc(x, 0),
    "histc_min_gt_max": lambda T, x: T.histc(x, 4, 3, 1),
    "bincount_negative": lambda T, x: T.bincount(T.tensor([-1, 2])),
    "bincount_2d": lambda T, x: T.bincount(T.tensor([[1, 2]])),
    "bincount_float": lambda T, x: T.bincount(T.tensor([1.0])),
    "unique_dim_range": lambda T, x: T.unique(x, dim=3),
}


@pytest.mark.parametrize("case", list(ERRORS))
@conformance(errors=True)
def test_errors(T, case):
    return ERRORS[case](T, tensor(T, S))


@conformance()
def test_structseq_reprs(T):
    x = _distinct(T, (2, 3))
    return repr(T.sort(x)), repr(T.topk(x, 1)), repr(T.mode(x)), repr(T.median(x, 0)), repr(T.cummin(x, 1))
