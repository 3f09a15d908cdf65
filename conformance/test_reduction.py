"""Conformance: reductions (sum, mean, max, var, norm, ...) and scans (cumsum, cummax, diff, ...).

Each distinct call signature compiles a kernel (~0.1 s), so calls reuse one shape (2, 3, 4) and positional forms.
"""

import math

import numpy as np
import pytest
from harness import conformance, tensor

S = (2, 3, 4)
NAN = float("nan")


def _nan_data(T):
    """A (3, 4) tensor with NaNs in rows 0 and 2 (row 1 is NaN-free)."""
    a = np.arange(12, dtype="float32").reshape(3, 4) * 0.5 - 2
    a[0, 1] = a[2, 0] = a[2, 3] = np.nan
    return T.tensor(a)


# --- table-driven reductions over dims ----------------------------------------------------------------------------

# (name, accepts tuple dims, accepts no dim, has keepdim)
DIM_OPS = [
    ("sum", True, True, True), ("nansum", True, True, True), ("mean", True, True, True),
    ("nanmean", True, True, True), ("amax", True, True, True), ("amin", True, True, True),
    ("all", True, True, True), ("any", True, True, True), ("logsumexp", True, False, True),
    ("count_nonzero", True, True, False), ("prod", False, True, True), ("argmax", False, True, True),
    ("argmin", False, True, True),
]


DIM_CASES = [pytest.param(name, keep, dim, id=f"{name}-{tag}") for name, tuples, none, keep in DIM_OPS
             for dim, tag in ((None, "all"), (1, "1"), ((0, 2), "tuple"))
             if (dim is not None or none) and (not isinstance(dim, tuple) or tuples)]


@pytest.mark.parametrize("name,keep,dim", DIM_CASES)
@conformance()
def test_reduce_dims(T, name, keep, dim):
    x = tensor(T, S)
    fn, method = getattr(T, name), getattr(x, name)
    if dim is None:
        return fn(x), method()
    if isinstance(dim, tuple):
        return fn(x, dim), method(dim)
    return fn(x, dim), method(-2, True) if keep else method(-2)


@conformance()
def test_reduce_empty_dim_tuple(T):
    x = tensor(T, S)
    # sum/mean/amax reduce every dim over dim=(); all/any reduce none (torch's behaviour, kept)
    return T.sum(x, ()), T.mean(x, [], True), T.amax(x, ()), T.all(x, ()), T.any(x, [], True), T.logsumexp(x, (), True)


SWEEP_DTYPES = ["float64", "int64", "bool", "bfloat16"]


@pytest.mark.parametrize("dtype", SWEEP_DTYPES)
@conformance()
def test_dtype_sweep(T, dtype):
    x, y = tensor(T, S, dtype=dtype), tensor(T, S, dtype=dtype, seed=1)
    out = [T.sum(x), x.sum(1), T.prod(x, 1), T.max(x), T.max(x, 1), T.min(x, y), T.amax(x, (0, 2)),
           T.aminmax(x, dim=1), T.cumsum(x, 1), T.cummax(x, 2), T.all(x, 1), T.count_nonzero(x, 1)]
    if dtype != "bool":
        out += [T.argmax(x, 1), T.cumprod(x, 1), T.logsumexp(x, 1)]
    return out


@pytest.mark.parametrize("dtype", ["float64", "bfloat16", "float16"])
@conformance()
def test_mean_var_dtypes(T, dtype):
    x = tensor(T, S, dtype=dtype)
    return T.mean(x), x.mean(1), T.nanmean(x, 0), T.var(x, 1), T.std(x)


@conformance()
def test_sum_mean_dtype_arg(T):
    x, i, b = tensor(T, S), tensor(T, S, dtype="int64"), tensor(T, S, dtype="bool")
    return (T.sum(x, 1, dtype=T.float64), T.sum(i, dtype=T.float32), T.sum(b, 0, dtype=T.int32),
            T.mean(i, dtype=T.float32), T.mean(i, 1, dtype=T.float64), T.prod(i, dtype=T.float64),
            T.nansum(b, 1, dtype=T.float32), T.sum(x, dtype=T.bool))


@conformance()
def test_nan_reductions(T):
    x = _nan_data(T)
    return (T.sum(x, 1), T.nansum(x, 1), T.nansum(x), T.mean(x, 0), T.nanmean(x, 1), T.nanmean(x),
            T.prod(x, 1), T.logsumexp(x, 1))


@conformance()
def test_zero_dim_reductions(T):
    x = T.tensor(2.5)
    return (T.sum(x), T.sum(x, 0), x.sum(-1, True), T.mean(x, (0,)), T.amax(x, 0), T.max(x, 0), T.min(x, -1, True),
            T.argmax(x), T.argmax(x, 0), T.all(x, 0), T.prod(x, 0), T.cumsum(x, 0), T.cummax(x, 0),
            T.aminmax(x, dim=0))


@conformance()
def test_empty_reductions(T):
    e = T.zeros(0, 3)
    return (T.sum(e), T.sum(e, 0), T.mean(e), T.mean(e, 0), T.prod(e, 0), T.all(e), T.any(e, 1),
            T.amax(e, 1), T.max(e, 1), T.argmax(e, 1), T.logsumexp(e, 0), T.logsumexp(e, 1), T.nansum(e),
            T.count_nonzero(e, 0), T.cumsum(e, 0), T.cummax(e, 1), T.aminmax(e, dim=1))


# --- max / min ----------------------------------------------------------------------------------------------------


@conformance()
def test_max_min_overloads(T):
    x, y = tensor(T, S), tensor(T, S, seed=1)
    out = []
    for f in ("max", "min"):
        fn, method = getattr(T, f), getattr(x, f)
        out += [fn(x), method(), fn(x, 1), method(1), fn(x, dim=-1, keepdim=True), fn(x, y), fn(x, other=y),
                method(y), getattr(T, "a" + f)(x, (0, 2)), getattr(T, "a" + f)(x, -1, True)]
    return out + [T.aminmax(x), T.aminmax(x, dim=0, keepdim=True), x.aminmax(dim=-1)]


@conformance()
def test_max_ties_first_index(T):
    x = T.tensor([[1, 3, 3, 0], [2, 2, 2, 2], [0, 5, 1, 5]])
    return T.max(x, 1), T.min(x, 1), T.max(x, 0), T.argmax(x, 1), T.argmin(x, 0), T.argmax(x), T.argmin(x)


@conformance()
def test_max_nan_propagates(T):
    x = _nan_data(T)
    y = T.zeros(3, 4)
    return (T.max(x), T.min(x), T.max(x, 1), T.min(x, 1), T.max(x, 0), T.amax(x, 1), T.amin(x, 0), T.argmax(x, 1),
            T.argmin(x, 1), T.argmax(x), T.max(x, y), T.min(y, x), T.aminmax(x, dim=1))


@conformance()
def test_max_binary_promotes(T):
    x, i = tensor(T, (3, 4)), tensor(T, (4,), dtype="int64")
    return T.max(x, i), T.min(i, x), T.max(i, T.tensor(1.5)), T.max(x.double(), x)


@conformance()
def test_argmax_argmin(T):
    x = tensor(T, S)
    return (T.argmax(x), T.argmax(x, keepdim=True), T.argmax(x, 1), T.argmax(x, -1, True), x.argmax(dim=0),
            T.argmin(x), T.argmin(x, 2), x.argmin(0, keepdim=True))


# --- variance -----------------------------------------------------------------------------------------------------


@conformance()
def test_var_std_overloads(T):
    x = tensor(T, S)
    return (T.var(x), T.var(x, 1), T.var(x, 1, False), T.var(x, False), T.var(x, (0, 2), True, True),
            T.var(x, unbiased=False), T.var(x, dim=-1, correction=0, keepdim=True), x.var(dim=(0, 1), correction=2),
            T.var(x, correction=0.5), T.std(x), x.std(1, False), T.std(x, dim=(0, 2), correction=0, keepdim=True),
            T.var_mean(x), T.var_mean(x, 1, False), T.std_mean(x, (0, 2), keepdim=True),
            T.std_mean(x, dim=-1, correction=0))


@conformance()
def test_var_complex(T):
    z = tensor(T, S, dtype="complex64")
    return T.var(z, 1), T.std(z), T.var_mean(z, 0)


@conformance()
def test_var_degrees_of_freedom_warns(T):
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        v = T.var(tensor(T, (1, 3)), 0)
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        s = T.std(tensor(T, (2, 3)), 0, correction=2)
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        e = T.var_mean(T.zeros(0, 3), 1)
    return v, s, e


# --- logical, logsumexp, norms, trace, dist -----------------------------------------------------------------------


@conformance()
def test_all_any_uint8_and_nan(T):
    u = tensor(T, S, dtype="uint8")
    x = T.tensor([[NAN, 0.0], [NAN, 1.0]])
    return T.all(u), T.any(u, 1), u.all(-1, True), T.all(x, 0), T.any(x, 1), T.count_nonzero(x), T.count_nonzero(x, 0)


@conformance()
def test_logsumexp_infinities_and_ints(T):
    x = T.tensor([[-math.inf, -math.inf], [math.inf, 1.0], [math.inf, math.inf], [0.0, -math.inf]])
    return T.logsumexp(x, 1), T.logsumexp(T.tensor([[1, 2], [3, 4]]), 0)


NORMS = ["fro", "nuc", 1, 2, 3, 0.5, math.inf, -math.inf, 0, None]


@pytest.mark.parametrize("p", NORMS, ids=[str(p) for p in NORMS])
@conformance()
def test_norm(T, p):
    x = tensor(T, (3, 4))
    if p == "nuc":
        return T.norm(x, p), x.norm(p, (1, 0), True)
    return T.norm(x, p), x.norm(p, 1, True)


@conformance()
def test_norm_dims_dtype_complex(T):
    x = tensor(T, S)
    z = tensor(T, (3, 4), dtype="complex64")
    return (T.norm(x), x.norm(dim=1), T.norm(x, 2, (0, 1)), T.norm(x, 3, 0, dtype=T.float64),
            T.norm(x, "fro", (0, 2), True), T.norm(z), T.norm(z, 1, 0), T.norm(x.bfloat16(), 2, -1))


@conformance()
def test_trace(T):
    return (T.trace(tensor(T, (3, 4))), tensor(T, (4, 3), dtype="int64").trace(),
            T.trace(tensor(T, (3, 4), dtype="bfloat16")), T.trace(T.zeros(0, 3)))


@conformance()
def test_dist(T):
    x, y = tensor(T, (3, 4)), tensor(T, (4,), seed=1)
    i = tensor(T, (3, 4), dtype="int64")
    return T.dist(x, y), T.dist(x, y, 1), x.dist(y, math.inf), T.dist(x, y, 0), T.dist(x, y, 3.5), T.dist(x, i)


@conformance()
def test_renorm(T):
    x = tensor(T, S)
    return T.renorm(x, 2, 0, 3.0), T.renorm(x, 1, 1, 2.5), x.renorm(math.inf, -1, 1.0), x.clone().renorm_(2, 1, 1.5)


# --- scans --------------------------------------------------------------------------------------------------------


@conformance()
def test_cumsum_cumprod(T):
    x = tensor(T, S, low=-1.2, high=1.2)
    return T.cumsum(x, 0), x.cumsum(-1), T.cumsum(x, 1, dtype=T.float64), T.cumprod(x, 2), x.cumprod(dim=1)


@conformance()
def test_cumsum_inplace(T):
    x, i = tensor(T, S), tensor(T, S, dtype="int32")
    a, b = x.clone(), i.clone()
    return a.cumsum_(1), a, b.cumsum_(0), b, x.clone().cumprod_(-1)


@conformance()
def test_cummax_cummin(T):
    x = tensor(T, S)
    return T.cummax(x, 2), T.cummin(x, 1), x.cummax(0), x.cummin(-1)


@conformance()
def test_cummax_ties_and_nan(T):
    x = T.tensor([[1, 3, 3, 0, 3], [4, 0, 4, 0, 4]])
    n = T.tensor([[3.0, NAN, 1.0, NAN, 2.0], [1.0, 1.0, 0.0, 5.0, 5.0]])
    b = T.tensor([[True, False, True, True, False]])
    return T.cummax(x, 1), T.cummin(x, 1), T.cummax(n, 1), T.cummin(n, 1), T.cummax(b, 1), T.cummin(b, 1)


@conformance()
def test_logcumsumexp(T):
    x = tensor(T, S)
    inf = T.tensor([-math.inf, -math.inf, 1.0, math.inf, 2.0])
    return T.logcumsumexp(x, 1), x.logcumsumexp(-1), T.logcumsumexp(x.double(), 0), T.logcumsumexp(inf, 0)


@conformance()
def test_diff(T):
    x = tensor(T, (3, 4))
    p, a = tensor(T, (3, 1), seed=1), tensor(T, (2, 4), seed=2)
    return (T.diff(x), T.diff(x, 2), x.diff(dim=0), T.diff(x, 1, 0, append=a), T.diff(x, prepend=p, append=p),
            T.diff(x, n=5), T.diff(x, 0), T.diff(x, 3, 0, prepend=a))


@pytest.mark.parametrize("dtype", ["int64", "bool"])
@conformance()
def test_diff_dtypes(T, dtype):
    x, p = tensor(T, (3, 4), dtype=dtype), tensor(T, (3, 1), dtype=dtype, seed=1)
    return T.diff(x), T.diff(x, 2, 0), T.diff(x, prepend=p)


@conformance()
def test_diff_promotes_prepend(T):
    x, p = tensor(T, (3, 4), dtype="int64"), tensor(T, (3, 1))
    return T.diff(x, prepend=p), T.diff(p, dim=0, append=x[:, :1])


# --- out= ---------------------------------------------------------------------------------------------------------


@conformance()
def test_out(T):
    x = tensor(T, S)
    o1, o2, o3 = T.empty(0), T.empty(0, dtype=T.int64), T.empty(4, dtype=T.float64)
    r = T.sum(x, 0, out=o1)
    v, i = T.empty(0), T.empty(0, dtype=T.int64)
    m = T.max(x, 1, out=(v, i))
    c = T.empty(2, 3, 4, dtype=T.float64)
    T.cumsum(x, 2, out=c)
    cm = T.cummax(x, 1, out=(T.empty(0), T.empty(0, dtype=T.int64)))
    am = T.aminmax(x, dim=1, out=(T.empty(0), T.empty(0)))
    T.mean(x, (0, 1), out=o3)
    T.argmax(x, 2, out=o2)
    vo = T.var(x, 1, out=T.empty(0))
    n = T.norm(x, 2, 1, out=T.empty(0))
    return r is o1, o1, m, m.values is v, v, i, c, cm, am, o2, o3, vo, n


# --- errors -------------------------------------------------------------------------------------------------------

ERRORS = {
    "sum_dim_range": lambda T, x: T.sum(x, 3),
    "sum_dim_repeat": lambda T, x: T.sum(x, (0, 0)),
    "mean_neg_dim_range": lambda T, x: T.mean(x, -4),
    "max_dim_range": lambda T, x: T.max(x, 5),
    "argmax_dim_range": lambda T, x: T.argmax(x, 3),
    "cumsum_dim_range": lambda T, x: T.cumsum(x, 3),
    "var_dim_range": lambda T, x: T.var(x, 7),
    "zero_dim_range": lambda T, x: T.sum(T.tensor(1.0), 1),
    "mean_int": lambda T, x: T.mean(x.long()),
    "mean_bool": lambda T, x: T.mean(x > 0, 0),
    "mean_int_dtype": lambda T, x: T.mean(x, dtype=T.int64),
    "nanmean_int": lambda T, x: T.nanmean(x.long()),
    "nanmean_int_with_dtype": lambda T, x: T.nanmean(x.long(), dtype=T.float32),
    "nanmean_int_dtype": lambda T, x: T.nanmean(x, dtype=T.int64),
    "var_int": lambda T, x: T.var(x.long()),
    "std_int": lambda T, x: T.std(x.long(), 0),
    "max_empty": lambda T, x: T.max(T.zeros(0, 3)),
    "max_empty_dim": lambda T, x: T.max(T.zeros(0, 3), 0),
    "amax_empty": lambda T, x: T.amax(T.zeros(0, 3)),
    "amin_empty_dim": lambda T, x: T.amin(T.zeros(0, 3), (0, 1)),
    "argmax_empty": lambda T, x: T.argmax(T.zeros(0, 3)),
    "argmin_empty_dim": lambda T, x: T.argmin(T.zeros(0, 3), 0),
    "aminmax_empty": lambda T, x: T.aminmax(T.zeros(0, 3)),
    "aminmax_empty_dim": lambda T, x: T.aminmax(T.zeros(0, 3), dim=0),
    "argmax_bool": lambda T, x: T.argmax(x > 0),
    "max_float_dim": lambda T, x: T.max(x, 1.0),
    "max_tuple_dim": lambda T, x: T.max(x, (0, 1)),
    "prod_tuple_dim": lambda T, x: T.prod(x, (0, 1)),
    "var_unbiased_and_correction": lambda T, x: T.var(x, 0, unbiased=True, correction=1),
    "norm_int": lambda T, x: T.norm(x.long()),
    "norm_bad_str": lambda T, x: T.norm(x, "foo"),
    "norm_nuc_dim": lambda T, x: T.norm(x, "nuc", 0),
    "norm_fro_3_dims": lambda T, x: T.norm(x, "fro", (0, 1, 2)),
    "dist_int": lambda T, x: T.dist(x.long(), x.long()),
    "trace_1d": lambda T, x: T.trace(x[0, 0]),
    "trace_bool": lambda T, x: T.trace(x[0] > 0),
    "logcumsumexp_int": lambda T, x: T.logcumsumexp(x.long(), 0),
    "logsumexp_empty_tuple": lambda T, x: T.logsumexp(x, ()),
    "diff_0d": lambda T, x: T.diff(T.tensor(1.0)),
    "diff_negative_n": lambda T, x: T.diff(x, -1),
    "diff_prepend_ndim": lambda T, x: T.diff(x, prepend=T.tensor(1.0)),
    "renorm_int": lambda T, x: T.renorm(x.long(), 1, 0, 1.0),
    "max_shape_mismatch": lambda T, x: T.max(x, T.zeros(5)),
}


@pytest.mark.parametrize("case", list(ERRORS))
@conformance(errors=True)
def test_errors(T, case):
    return ERRORS[case](T, tensor(T, S))


@conformance(errors=True)
def test_missing_required_dim_is_type_error(T):
    return T.logsumexp(tensor(T, S))


@conformance()
def test_structseq_repr_and_fields(T):
    x = tensor(T, (3, 4))
    m = T.max(x, 1)
    a = T.aminmax(x, dim=0)
    return repr(m), repr(a), m.values, m.indices, a.min, a.max, type(m).__name__, len(m), tuple(m)[1]
