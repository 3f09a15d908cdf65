"""The index-op family: index_select, gather, scatter*, index_add/copy/fill/reduce, masked_*, take, put, nonzero.

XLA clamps out-of-range indices silently, so every op here first checks its index range eagerly (one
small min/max kernel on a concrete index; skipped while tracing, e.g. under compile) and raises torch's
error. Dtype checks run in the same thin wrapper; shape checks run inside the kernels, at trace time.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from torchax import _dtype, _registry
from torchax._ops.shape import type_name
from torchax._registry import (
    TorchIndexError,
    TorchNotImplementedError,
    TorchRuntimeError,
    broadcast_shapes as _broadcast,
    composite,
    op,
    warn_once,
)
from torchax._tensor import Tensor, _wrap_dim

__all__ = ["index_select", "gather", "scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy",
           "index_fill", "index_reduce", "masked_fill", "masked_select", "masked_scatter", "take", "put", "nonzero",
           "argwhere", "take_along_dim"]

_INT32_64 = (_dtype.int64, _dtype.int32)
_TENSOR = _registry._T  # the spec entry of a tensor argument (grad_fn names depend on it)
_LONG = (_dtype.int64,)


# --- eager checks (run every call: keep them cheap) ----------------------------------------------------


@jax.jit
def _minmax(v):
    return jnp.stack([jnp.min(v), jnp.max(v)]).astype(jnp.int64)


def _first_bad(index: Tensor, low: int, high: int):
    """The first value of a concrete index outside [low, high), or None (also when empty or being traced)."""
    v = index._value
    if v.size == 0 or isinstance(v, jax.core.Tracer):
        return None
    if next(iter(v.devices())).platform == "cpu":  # numpy reads a CPU buffer in place: cheaper than a kernel
        a = np.asarray(v)
        lo, hi = int(a.min()), int(a.max())
    else:
        lo, hi = np.asarray(_minmax(v)).tolist()
    if lo >= low and hi < high:
        return None
    a = np.asarray(v).reshape(-1)
    return int(a[(a < low) | (a >= high)][0])


def _index_dtype(index, allowed, exc, message):
    if not isinstance(index, Tensor):
        raise TypeError(f"expected a Tensor as index, got {type(index).__name__}")
    if index.dtype not in allowed:
        raise exc(message.format(type_name(index.dtype)))


def _size(input: Tensor, dim: int) -> tuple[int, int]:
    """(wrapped dim, its size); a 0-dim tensor counts as one element along dim 0."""
    d = _wrap_dim(dim, input.ndim)
    return d, input.shape[d] if input.ndim else 1


def _1d(a):
    return a.reshape(1) if a.ndim == 0 else a


# --- shared kernel pieces ---------------------------------------------------------------------------


def _extreme(dtype, low: bool):
    if jnp.issubdtype(dtype, jnp.floating):
        return -jnp.inf if low else jnp.inf
    info = jnp.iinfo(dtype)
    return info.min if low else info.max


def _reduce_at(x, idx, vals, reduce, include_self=True):
    """`x` with `vals` combined in at `.at[idx]`: None sets; sum/add, prod/multiply, mean, amax, amin reduce."""
    if reduce is None:
        return x.at[idx].set(vals)
    if x.dtype == jnp.bool_:
        if reduce == "mean":
            raise TorchNotImplementedError("\"scatter_gather_tensor_cpu_reduce_mean\" not implemented for 'Bool'")
        return _reduce_at(x.astype(jnp.int32), idx, vals.astype(jnp.int32), reduce, include_self) != 0
    base = x
    if not include_self:
        ident = {"sum": 0, "mean": 0, "prod": 1, "amax": _extreme(x.dtype, True), "amin": _extreme(x.dtype, False)}
        x = x.at[idx].set(jnp.asarray(ident[reduce], x.dtype))
    ref = x.at[idx]
    if reduce in ("sum", "add", "mean"):
        out = ref.add(vals)
    elif reduce in ("prod", "multiply"):
        out = _multiply_at(x, idx, vals)
    elif reduce == "amax":
        out = ref.max(vals)
    else:
        out = ref.min(vals)
    if reduce != "mean":
        return out
    count = jnp.zeros(x.shape, jnp.int64).at[idx].add(1) + int(include_self)
    if jnp.issubdtype(x.dtype, jnp.integer):  # torch floors integer means
        mean = jnp.floor_divide(out, jnp.maximum(count, 1).astype(x.dtype))
    else:
        mean = out / jnp.maximum(count, 1).astype(x.dtype)
    return jnp.where(count > 0, mean, base)


def _multiply_at(x, idx, vals):
    """x.at[idx].multiply(vals), built from a sort and a segmented scan because JAX cannot differentiate a
    multiplying scatter whose indices may repeat."""
    if vals.size == 0:
        return x
    pos = jnp.arange(x.size).reshape(x.shape)[idx].reshape(-1)  # the flat target of every value
    order = jnp.argsort(pos, stable=True)
    pos, v = pos[order], vals.reshape(-1)[order]
    new_run = pos[1:] != pos[:-1]
    start = jnp.concatenate([jnp.ones(1, bool), new_run])
    last = jnp.concatenate([new_run, jnp.ones(1, bool)])

    def combine(a, b):  # running product that restarts where a run of equal targets starts
        return jnp.where(b[1], b[0], a[0] * b[0]), a[1] | b[1]

    prods, _ = lax.associative_scan(combine, (v, start))
    factors = jnp.ones(x.size + 1, x.dtype).at[jnp.where(last, pos, x.size)].set(prods)  # slot x.size: a sink
    return x * factors[:-1].reshape(x.shape)


def _along(dim: int, index, ndim: int) -> tuple:
    """The `.at[]` index that picks `index` positions along `dim` (index_add/copy/fill/reduce)."""
    return (slice(None),) * dim + (index,) + (slice(None),) * (ndim - dim - 1)


# --- index_select, gather, take_along_dim, take ---------------------------------------------------------------


@op(name="_index_select_kernel", method=False, grad_name="IndexSelectBackward0")
def _index_select(input, dim, index):
    if index.ndim > 1:
        raise TorchIndexError("index_select(): Index is supposed to be a vector")
    out = jnp.take(_1d(input), index.reshape(-1), axis=dim)
    return out.reshape(()) if input.ndim == 0 else out


@composite()
def index_select(input, dim, index, *, out=None):
    """torch.index_select."""
    _index_dtype(index, _INT32_64, RuntimeError, "index_select(): Expected dtype int32 or int64 for index")
    d, size = _size(input, dim)
    bad = _first_bad(index, 0, size)
    if bad is not None:
        if input.ndim == 0:
            raise IndexError("index out of range in self")
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={size}")
    return _index_select(input, d, index, out=out)


@op(name="_gather_kernel", method=False, grad_name="GatherBackward0", out_exact=True)
def _gather(input, dim, index):
    x, i = _1d(input), _1d(index)
    if x.ndim != i.ndim:
        raise TorchRuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k in range(x.ndim):
        if k != dim and i.shape[k] > x.shape[k]:
            raise TorchRuntimeError(f"Size does not match at dimension {k} expected index {list(index.shape)} to be "
                                    f"no larger than self {list(input.shape)} apart from dimension {dim}")
    x = x[tuple(slice(None) if k == dim else slice(0, n) for k, n in enumerate(i.shape))]
    return jnp.take_along_axis(x, i, axis=dim, mode="clip").reshape(index.shape)


def check_out_overlap(out, *inputs) -> None:
    """torch's assert_no_overlap for out= that is one of the inputs (same tensor, or both the whole of one storage);
    partially overlapping views are not detected."""
    for x in inputs:
        if out is x or (out._storage is getattr(x, "_storage", None) and out._view is None and x._view is None):
            raise RuntimeError("unsupported operation: some elements of the input tensor and the written-to tensor "
                               "refer to a single memory location. Please clone() the tensor before performing the "
                               "operation.")


@composite()
def gather(input, dim, index, *, sparse_grad=False, out=None):
    """torch.gather (sparse_grad is accepted and ignored: gradients are dense)."""
    if out is not None:
        check_out_overlap(out, input, index)
    _index_dtype(index, _INT32_64, RuntimeError, "gather(): Expected dtype int32/int64 for index")
    d, size = _size(input, dim)
    bad = _first_bad(index, 0, size)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    return _gather(input, d, index, out=out)


@op(name="_take_along_dim_kernel", method=False, grad_name="GatherBackward0")
def _take_along_dim(input, indices, dim):
    if dim is None:
        return input.reshape(-1)[indices.reshape(-1)]
    if input.ndim != indices.ndim:
        raise TorchRuntimeError(f"torch.take_along_dim(): input and indices should have the same number of "
                                f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
                                "dimensions for indices")
    n = input.shape[dim]
    ishape = list(input.shape)
    ishape[dim] = indices.shape[dim]
    jshape = list(indices.shape)
    jshape[dim] = n
    indices = jnp.broadcast_to(indices, _broadcast(ishape, indices.shape))
    input = jnp.broadcast_to(input, _broadcast(jshape, input.shape))
    # NOTE: torch wraps indices along `dim` (negative ones included) instead of checking them
    return jnp.take_along_axis(input, indices % n if n else indices, axis=dim, mode="clip")


@composite()
def take_along_dim(input, indices, dim=None, *, out=None):
    """torch.take_along_dim: dim=None indexes the flattened input."""
    _index_dtype(indices, _LONG, RuntimeError, "torch.take_along_dim(): dtype of indices should be Long but got {}")
    if dim is None:
        n = input.numel()
        bad = _first_bad(indices, 0, n)
        if bad is not None:
            raise RuntimeError(f"index {bad} is out of bounds for dimension 0 with size {n}")
        return _take_along_dim(input, indices, None, out=out)
    if input.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return _take_along_dim(input, indices, _wrap_dim(dim, input.ndim), out=out)


def _check_flat(index, n: int):
    """take/put: negative indices count from the end; torch's IndexError outside [-n, n)."""
    bad = _first_bad(index, -n, n)
    if bad is not None:
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")


@op(name="_take_kernel", method=False, grad_name="TakeBackward0")
def _take(input, index):
    return input.reshape(-1)[index]


@composite()
def take(input, index, *, out=None):
    """torch.take: indexes the flattened input; the result has the shape of `index`."""
    if out is not None:
        check_out_overlap(out, input, index)
    _index_dtype(index, _LONG, RuntimeError, "take(): Expected a long tensor for index, but got {}")
    if input.numel() == 0 and index.numel():
        raise IndexError("take(): tried to take from an empty tensor")
    _check_flat(index, input.numel())
    return _take(input, index, out=out)


# --- scatter -----------------------------------------------------------------------------------------------


def _scatter_grad_name(spec) -> str:
    name = spec[7]
    return "ScatterBackward1" if name == "scatter" and spec[3] is None else _grad_names[name]


_grad_names = {"scatter": "ScatterBackward0", "scatter_add": "ScatterAddBackward0",
               "scatter_reduce": "ScatterReduceBackward0", "index_add": "IndexAddBackward0",
               "index_reduce": "IndexReduceBackward0"}


@op(name="_scatter_kernel", method=False, dynamic=("value",), grad_name=_scatter_grad_name)
def _scatter(input, dim, index, src, value, reduce, include_self, name):
    x, i = _1d(input), _1d(index)
    if src is not None and src.dtype != input.dtype:
        raise TorchRuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if x.ndim != i.ndim:
        raise TorchRuntimeError("Index tensor must have the same number of dimensions as self tensor")
    s = None if src is None else _1d(src)
    if s is not None and s.ndim != i.ndim:
        raise TorchRuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if any(k != dim and n > x.shape[k] for k, n in enumerate(i.shape)) or (
            s is not None and any(n > m for n, m in zip(i.shape, s.shape))):
        tail = "" if src is None else f" and to be no larger size than src {list(src.shape)}"
        raise TorchRuntimeError(f"Expected index {list(index.shape)} to be no larger than self {list(input.shape)} "
                                f"apart from dimension {dim}{tail}")
    if i.size == 0:
        return input
    if s is None:
        vals = jnp.full(i.shape, value, x.dtype)
    else:
        vals = s[tuple(slice(0, n) for n in i.shape)]
    idx = tuple(i if k == dim else lax.broadcasted_iota(i.dtype, i.shape, k) for k in range(i.ndim))
    return _reduce_at(x, idx, vals, reduce, include_self).reshape(input.shape)


def _scatter_checked(name, input, dim, index, src, value, reduce, include_self, out):
    _index_dtype(index, _INT32_64, RuntimeError, "scatter(): Expected dtype int32/int64 for index")
    d, size = _size(input, dim)
    bad = _first_bad(index, 0, size)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    return _scatter(input, d, index, src, value, reduce, include_self, name, out=out)


@composite()
def scatter(input, dim, index, src=None, value=None, *, reduce=None, out=None):
    """torch.scatter: writes `src` (a tensor) or `value` (a number) at `index` along `dim`; reduce='add'/'multiply'."""
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src
    if (src is None) == (value is None):
        raise TypeError("scatter() expects exactly one of `src` (a Tensor) or `value` (a number)")
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        if src is not None:
            warn_once("scatter_reduce_arg", "The reduce argument of torch.scatter with Tensor src is deprecated and "
                      "will be removed in a future PyTorch release. Use torch.scatter_reduce instead for more "
                      "reduction options.")
    return _scatter_checked("scatter", input, dim, index, src, value, reduce, True, out)


@composite()
def scatter_add(input, dim, index, src, *, out=None):
    """torch.scatter_add."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' (position 4) must be Tensor, not {type(src).__name__}")
    return _scatter_checked("scatter_add", input, dim, index, src, None, "sum", True, out)


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


@composite()
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    """torch.scatter_reduce: reduce is 'sum', 'prod', 'mean', 'amax' or 'amin' (integer means floor)."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): argument 'src' (position 4) must be Tensor, not {type(src).__name__}")
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    return _scatter_checked("scatter_reduce", input, dim, index, src, None, reduce, bool(include_self), out)


# --- index_add, index_copy, index_reduce, index_fill ----------------------------------------------------------


@op(name="_index_reduce_kernel", method=False, dynamic=("alpha",), grad_name=lambda spec: _grad_names[spec[7]])
def _index_reduce(input, dim, index, source, reduce, include_self, alpha, name):
    if index.ndim > 1:
        raise TorchIndexError(f"{name}_(): Index is supposed to be a vector, but got dim: {index.ndim} with type: "
                              f"{type_name(index.dtype)} and size: {list(index.shape)}")
    if source.dtype != input.dtype:
        raise TorchRuntimeError(f"{name}_(): self ({type_name(input.dtype)}) and source "
                                f"({type_name(source.dtype)}) must have the same scalar type")
    if dim >= max(source.ndim, 1):
        raise TorchRuntimeError(f"{name}_(): Indexing dim {dim} is out of bounds of the source tensor with dim "
                                f"{source.ndim}")
    n = source.shape[dim] if source.ndim else 1
    if index.size != n:
        raise TorchRuntimeError(f"{name}_(): Number of indices ({index.size}) should be equal to source.size(dim): "
                                f"({n}), for dim: {dim}")
    if source.ndim != input.ndim or any(a != b for k, (a, b) in enumerate(zip(input.shape, source.shape)) if k != dim):
        raise TorchRuntimeError(f"source tensor shape must match self tensor shape, excluding the specified dimension. "
                                f"Got self.shape = {list(input.shape)} source.shape = {list(source.shape)}")
    x, src = _1d(input), _1d(source)
    if not (isinstance(alpha, int) and alpha == 1):
        src = src * jnp.asarray(alpha).astype(src.dtype)
    out = _reduce_at(x, _along(dim, index.reshape(-1), x.ndim), src, reduce, include_self)
    return out.reshape(input.shape)


def _index_checked(name, input, dim, index, source, reduce, include_self, alpha, out):
    _index_dtype(index, _INT32_64, RuntimeError, name + "_(): Expected dtype int32/int64 for index but got: {}")
    d, size = _size(input, dim)
    bad = _first_bad(index, 0, size)
    if bad is not None:
        if name == "index_reduce":
            raise IndexError("index out of range in self")
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    return _index_reduce(input, d, index, source, reduce, include_self, alpha, name, out=out)


@composite()
def index_add(input, dim, index, source, *, alpha=1, out=None):
    """torch.index_add: input[..., index[i], ...] += alpha * source[..., i, ...]."""
    return _index_checked("index_add", input, dim, index, source, "sum", True, alpha, out)


_INDEX_REDUCES = ("prod", "mean", "amax", "amin")


@composite()
def index_reduce(input, dim, index, source, reduce, *, include_self=True, out=None):
    """torch.index_reduce: reduce is 'prod', 'mean', 'amax' or 'amin' (integer means floor)."""
    warn_once("index_reduce", "index_reduce() is in beta and the API may change at any time.")
    if reduce not in _INDEX_REDUCES:
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    if input.dtype is _dtype.bool and reduce == "mean":
        raise NotImplementedError("\"div_floor_cpu\" not implemented for 'Bool'")
    if input.dtype is _dtype.bool and not include_self:
        raise NotImplementedError("\"index_reduce_func_exclude_input_init\" not implemented for 'Bool'")
    return _index_checked("index_reduce", input, dim, index, source, reduce, bool(include_self), 1, out)


@op(name="_index_copy_kernel", method=False, grad_name="IndexCopyBackward0")
def _index_copy(input, dim, index, source):
    if index.ndim > 1:
        raise TorchIndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index.ndim})")
    if source.ndim == 0 and index.size != 1:
        raise TorchIndexError(f"index_copy_(): When source is scalar, index should have one element (got "
                              f"{index.size})")
    if source.ndim != input.ndim and source.ndim and input.ndim:
        raise TorchIndexError(f"index_copy_(): When source and destination are not scalars, their dimensionality "
                              f"must match. Source dimensionality ({source.ndim}), destination dimensionality "
                              f"({input.ndim})")
    if source.dtype != input.dtype:
        raise TorchRuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                                f"{type_name(input.dtype)} and (source) {type_name(source.dtype)}")
    dst_slice = [n for k, n in enumerate(input.shape) if k != dim]
    src_slice = [n for k, n in enumerate(source.shape) if k != dim]
    if dst_slice != src_slice:
        raise TorchRuntimeError(f"index_copy_(): Source/destination tensor must have same slice shapes. Destination "
                                f"slice shape: {dst_slice} at dimension {dim} and source slice shape: {src_slice} at "
                                "dimension 0.")
    n = source.shape[dim] if source.ndim else 1
    if index.ndim and index.size != n:
        raise TorchIndexError(f"index_copy_(): Number of indices ({index.size}) should be equal to source.size(dim) "
                              f"({n})")
    x = _1d(input)
    target = x.shape[:dim] + (index.size,) + x.shape[dim + 1:]
    out = x.at[_along(dim, index.reshape(-1), x.ndim)].set(source.reshape(target))
    return out.reshape(input.shape)


@composite()
def index_copy(input, dim, index, source, *, out=None):
    """torch.index_copy: input[..., index[i], ...] = source[..., i, ...]."""
    _index_dtype(index, _LONG, RuntimeError, "index_copy_(): Expected a long tensor for index, but got {}")
    d, size = _size(input, dim)
    bad = _first_bad(index, 0, size)
    if bad is not None:
        raise IndexError(f"index_copy_(): index {bad} is out of bounds for dimension {d} with size {size}")
    return _index_copy(input, d, index, source, out=out)


@op(name="_index_fill_kernel", method=False, dynamic=("value",), out=False,
    grad_name=lambda spec: "IndexFillBackward1" if spec[3] is _TENSOR else "IndexFillBackward0")
def _index_fill(input, dim, index, value):
    if index.ndim > 1:
        raise TorchRuntimeError("Index has to be a vector/scalar")
    if getattr(value, "ndim", 0):
        raise TorchRuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                                f"{value.ndim} dimension(s).")
    x = _1d(input)
    out = x.at[_along(dim, index.reshape(-1), x.ndim)].set(jnp.asarray(value).astype(x.dtype))
    return out.reshape(input.shape)


@composite()
def index_fill(input, dim, index, value):
    """torch.index_fill: `value` a number or a 0-dim tensor; negative indices count from the end."""
    _index_dtype(index, _LONG, IndexError, "index_fill_(): Expected dtype int64 for index.")
    d, size = _size(input, dim)
    bad = _first_bad(index, -size, size)
    if bad is not None:
        raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    return _index_fill(input, d, index, value)


# --- masks ---------------------------------------------------------------------------------------------------

_CPP_NAMES = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
              "uint8": "unsigned char", "float32": "float", "float64": "double", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16"}


def _cpp_name(d) -> str:
    name = np.dtype(d).name
    return _CPP_NAMES.get(name, name)


@op(inplace=True, dynamic=("value",), out=False,
    grad_name=lambda spec: "MaskedFillBackward1" if spec[2] is _TENSOR else "MaskedFillBackward0")
def masked_fill(input, mask, value):
    """torch.masked_fill: `value` a number or a 0-dim tensor (cast to input's dtype)."""
    if mask.dtype != jnp.bool_:
        raise TorchRuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                                f"{_cpp_name(mask.dtype)}")
    value = jnp.asarray(value)
    if value.ndim:
        raise TorchRuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                                f"{value.ndim} dimension(s).")
    if jnp.iscomplexobj(value) and not jnp.iscomplexobj(input):
        raise TorchRuntimeError(f"value cannot be converted to type {_cpp_name(input.dtype)} without overflow")
    shape = _broadcast(input.shape, mask.shape)
    return jnp.broadcast_to(jnp.where(mask, value.astype(input.dtype), input), shape)


def _on_device_of(a: np.ndarray, like):
    """A host result placed where `like` lives (data-dependent shapes are computed on the host)."""
    return jax.device_put(a, next(iter(like.devices())))


@op(jit=False)
def masked_select(input, mask):
    """torch.masked_select: the elements where the (broadcast) mask is True, as a 1-D tensor."""
    if mask.dtype != jnp.bool_:
        raise TorchRuntimeError("masked_select: expected BoolTensor for mask")
    shape = _broadcast(input.shape, mask.shape)
    where = np.flatnonzero(np.broadcast_to(np.asarray(mask), shape))
    if isinstance(input, jax.core.Tracer):  # under autograd: stay differentiable in `input`
        return jnp.broadcast_to(input, shape).reshape(-1)[where]
    return _on_device_of(np.broadcast_to(np.asarray(input), shape).reshape(-1)[where], input)


@op(name="_masked_scatter_kernel", method=False, out=False, grad_name="MaskedScatterBackward0")
def _masked_scatter(input, mask, source):
    shape = _broadcast(input.shape, mask.shape)
    x = jnp.broadcast_to(input, shape).reshape(-1)
    m = jnp.broadcast_to(mask, shape).reshape(-1)
    src = source.reshape(-1)
    if src.size == 0:  # the mask is all False (checked eagerly)
        return x.reshape(shape)
    vals = src[jnp.clip(jnp.cumsum(m) - 1, 0, src.size - 1)]  # the k-th True takes source's k-th element
    return jnp.where(m, vals, x).reshape(shape)


_count_true = jax.jit(jnp.count_nonzero)


@composite()
def masked_scatter(input, mask, source):
    """torch.masked_scatter: source's elements, in order, go where the (broadcast) mask is True."""
    if mask.dtype is not _dtype.bool:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{type_name(mask.dtype)}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                           f"{type_name(input.dtype)} and {type_name(source.dtype)}")
    m = mask._value
    if not isinstance(m, jax.core.Tracer) and m.size:
        shape = _broadcast(input.shape, mask.shape)
        count = int(_count_true(m)) * (int(np.prod(shape)) // m.size)
        if count > source.numel():
            raise RuntimeError("Number of elements of source < number of ones in mask")
    return _masked_scatter(input, mask, source)


# --- put, nonzero ----------------------------------------------------------------------------------------------


@op(name="_put_kernel", method=False, out=False, grad_name="PutBackward0")
def _put(input, index, source, accumulate):
    flat, idx, src = input.reshape(-1), index.reshape(-1), source.reshape(-1)
    return _reduce_at(flat, idx, src, "sum" if accumulate else None).reshape(input.shape)


@composite()
def put(input, index, source, accumulate=False):
    """torch.put: writes (or adds) source's elements at flat indices of the input."""
    _index_dtype(index, _LONG, RuntimeError, "put_(): Expected a long tensor for index, but got {}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got self.dtype = "
                           f"{type_name(input.dtype)} and source.dtype = {type_name(source.dtype)}")
    if source.numel() != index.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    _check_flat(index, input.numel())
    return _put(input, index, source, bool(accumulate))


@op(jit=False, differentiable=False)
def nonzero(input, *, as_tuple=False):
    """torch.nonzero: (N, ndim) int64 coordinates of the nonzero elements, or a tuple of N-vectors."""
    a = np.asarray(input)
    if as_tuple:
        return tuple(_on_device_of(i.astype(np.int64), input) for i in np.nonzero(a.reshape(-1) if a.ndim == 0 else a))
    if a.ndim == 0:
        return _on_device_of(np.zeros((1 if a else 0, 0), np.int64), input)
    return _on_device_of(np.argwhere(a).astype(np.int64), input)


@composite()
def argwhere(input):
    """torch.argwhere (= nonzero(input))."""
    return nonzero(input)


# --- in-place variants ---------------------------------------------------------------------------------------------


def _inplace_variant(fn):
    def method(self, *args, **kwargs):
        return self._inplace(fn(self, *args, **kwargs))

    name = fn.__name__ + "_"
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"Tensor.{name}."
    return composite(name, function=False)(method)


for _fn in (scatter, scatter_add, scatter_reduce, index_add, index_copy, index_fill, index_reduce, masked_scatter, put):
    _inplace_variant(_fn)
