"""Reductions: torch's sum/mean/prod/max/min/var/std/all/any/logsumexp/norm family, with torch's dtypes and errors.

Every reduction takes torch's `dim` (None, an int, or a tuple/list; an empty tuple means every dim) and `keepdim`.
float16/bfloat16 inputs accumulate in float32 and round once at the end, as torch's CPU kernels do. Scans (cumsum,
cummax, diff, ...) live in `scan.py` and are re-exported from here.
"""

from __future__ import annotations

import builtins
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np

from torchax import _dtype, _registry
from torchax._registry import TorchIndexError, TorchRuntimeError, TorchTypeError, composite, op, structseq
from torchax._tensor import Tensor

__all__ = ["sum", "nansum", "mean", "nanmean", "prod", "max", "min", "amax", "amin", "aminmax", "argmax", "argmin",
           "std", "var", "std_mean", "var_mean", "all", "any", "logsumexp", "norm", "count_nonzero", "trace", "dist",
           "renorm", "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "diff"]

_INT64 = jnp.dtype(jnp.int64)
_HALF = (jnp.dtype(jnp.float16), jnp.dtype(jnp.bfloat16))


# --- shared helpers (also used by scan.py and sorting.py) ---------------------------------------------------------


def wrap_dim(dim, ndim: int) -> int:
    """torch's dim wrapping: a 0-d tensor accepts dims 0 and -1."""
    n = builtins.max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TorchTypeError(f"dim must be an int, not {type(dim).__name__}")
    if not -n <= dim < n:
        raise TorchIndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return int(dim) % n


def reduce_dims(dim, ndim: int):
    """torch's reduction `dim` -> None (every dim) or a tuple of wrapped dims (() for a 0-d input)."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not dims:
        return None
    out = tuple(wrap_dim(d, ndim) for d in dims)
    for i, d in enumerate(out):
        if d in out[:i]:
            raise TorchRuntimeError(f"dim {d} appears multiple times in the list of dims")
    return out if ndim else ()


def type_name(d) -> str:
    """torch's C++ name of a dtype ('Long', 'Float', ...), as its error messages spell it."""
    return _dtype.type_name(d if isinstance(d, _dtype.dtype) else _dtype.from_jax(d))


def upcast(x):
    """float16/bfloat16 accumulate in float32, as torch's CPU reductions do."""
    return x.astype(jnp.float32) if x.dtype in _HALF else x


def is_inexact(x) -> bool:
    return jnp.issubdtype(x.dtype, jnp.inexact)


def default_float():
    return _dtype.JNP[_dtype.get_default_dtype()]


def check_nonempty(name, x, dims, *, all_msg=None, all_exc=TorchRuntimeError, sep="()") -> None:
    """torch's errors for reducing an empty tensor with an op that has no identity (max, argmax, ...)."""
    if x.size:
        return
    if dims is None:
        raise all_exc(all_msg or f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                                 f"Specify the reduction dim with the 'dim' argument.")
    for d in dims:
        if x.shape[d] == 0:
            raise TorchIndexError(f"{name}{sep}: Expected reduction dim {d} to have non-zero size.")


def named(name: str, fields: tuple):
    """A torch.return_types class and its `<name>_out` twin (what torch returns when out= is given)."""
    return structseq(name, fields), structseq(name + "_out", fields)


def with_out_name(name: str, fn, out_cls, *, method=True):
    """Register `name` as `fn` whose out= result is `torch.return_types.<name>_out`, as torch's is."""

    def public(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        res = fn(*args, out=out, **kwargs)
        return out_cls(*res) if isinstance(res, tuple) else res

    public.__name__ = public.__qualname__ = name
    public.__doc__ = fn.__doc__
    public.__wrapped__ = getattr(fn, "__wrapped__", fn)
    return composite(name, method=method)(public)


# --- sums and means -----------------------------------------------------------------------------------------------


def _sum_dtype(x, dtype):
    if dtype is not None:
        return _dtype.JNP[dtype]
    return _INT64 if x.dtype.kind in "biu" else x.dtype


def _reduce(f, x, dim, keepdim, out_dtype):
    return f(upcast(x.astype(out_dtype)), axis=reduce_dims(dim, x.ndim), keepdims=keepdim).astype(out_dtype)


def _by_dim(name, impl, doc):
    """sum/mean/prod: one kernel for the full reduction and one for `dim`, so each records torch's grad_fn name
    (SumBackward0 vs SumBackward1)."""
    stem = name.capitalize()
    full = op(name=f"_{name}", method=False, grad_name=f"{stem}Backward0")(impl)
    over_dim = op(name=f"_{name}_dim", method=False, grad_name=f"{stem}Backward1")(impl)

    full_op, dim_op = full._opdef, over_dim._opdef

    # NOTE: axis/keepdims (numpy's spellings, which torch accepts) are parameters here rather than a wrapper's
    # renames: `x.sum()` runs every call, so it goes straight to the dispatcher (looked up on the module each call:
    # the profiler swaps it)
    def public(input, dim=None, keepdim=False, *, dtype=None, out=None, axis=None, keepdims=None):
        if axis is not None:
            dim = axis
        if keepdims is not None:
            keepdim = keepdims
        if dtype is None and out is None:  # the common calls: no keywords, and defaults left out (the same kernel)
            if keepdim is False:
                if dim is None:
                    return _registry.dispatch(full_op, (input,), {})
                return _registry.dispatch(dim_op, (input, dim), {})
            return _registry.dispatch(full_op if dim is None else dim_op, (input, dim, keepdim), {})
        return (full if dim is None else over_dim)(input, dim, keepdim, dtype=dtype, out=out)

    public.__name__ = public.__qualname__ = name
    public.__doc__ = doc
    return composite(name)(public)


def _sum_impl(input, dim=None, keepdim=False, *, dtype=None):
    return _reduce(jnp.sum, input, dim, keepdim, _sum_dtype(input, dtype))


sum = _by_dim("sum", _sum_impl, "torch.sum: integer and bool inputs sum to int64.")  # noqa: A001


@op()
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """torch.nansum: NaNs count as zero."""
    return _reduce(jnp.nansum, input, dim, keepdim, _sum_dtype(input, dtype))


def _mean_dtype(name, x, dtype):
    if name == "nanmean" and not is_inexact(x):  # checked before dtype=, as torch does
        raise TorchRuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                                f"{type_name(x.dtype)}")
    if dtype is not None:
        if not (dtype.is_floating_point or dtype.is_complex):
            raise TorchRuntimeError(f"{name}(): could not infer output dtype. Optional dtype must be either a "
                                    f"floating point or complex dtype. Got: {type_name(dtype)}")
        return _dtype.JNP[dtype]
    if not is_inexact(x):
        raise TorchRuntimeError(f"{name}(): could not infer output dtype. Input dtype must be either a floating "
                                f"point or complex dtype. Got: {type_name(x.dtype)}")
    return x.dtype


def _mean_impl(input, dim=None, keepdim=False, *, dtype=None):
    return _reduce(jnp.mean, input, dim, keepdim, _mean_dtype("mean", input, dtype))


mean = _by_dim("mean", _mean_impl, "torch.mean: integer inputs raise unless a floating `dtype` is given; empty -> nan.")


@op(grad_name="DivBackward0")
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """torch.nanmean: the mean of the non-NaN elements."""
    return _reduce(jnp.nanmean, input, dim, keepdim, _mean_dtype("nanmean", input, dtype))


def _prod_impl(input, dim=None, keepdim=False, *, dtype=None):
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TorchTypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    return _reduce(jnp.prod, input, dim, keepdim, _sum_dtype(input, dtype))


prod = _by_dim("prod", _prod_impl, "torch.prod: over every element, or over one int `dim`.")


# --- max / min and friends ----------------------------------------------------------------------------------------

_MaxResult, _MaxOut = named("max", ("values", "indices"))
_MinResult, _MinOut = named("min", ("values", "indices"))
_AminmaxResult, _AminmaxOut = named("aminmax", ("min", "max"))


def _extreme_all(name, f, x):
    check_nonempty(name, x, None)
    return f(x)


def _extreme_dim(name, argf, x, dim, keepdim):
    """(values, indices) over one dim; indices point at the first extreme (NaN counts as the extreme)."""
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return x, jnp.zeros((), _INT64)
    check_nonempty(name, x, (d,))
    idx = argf(x, axis=d, keepdims=True)
    values = jnp.take_along_axis(x, idx, axis=d)
    if not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    return values, idx.astype(_INT64)


@op(method=False, grad_name="MaxBackward1")
def _max_all(input):
    return _extreme_all("max", jnp.max, input)


@op(method=False, grad_name="MinBackward1")
def _min_all(input):
    return _extreme_all("min", jnp.min, input)


@op(method=False, result=_MaxResult, grad_name="MaxBackward0")
def _max_dim(input, dim, keepdim=False):
    return _extreme_dim("max", jnp.argmax, input, dim, keepdim)


@op(method=False, result=_MinResult, grad_name="MinBackward0")
def _min_dim(input, dim, keepdim=False):
    return _extreme_dim("min", jnp.argmin, input, dim, keepdim)


@op(method=False, promote=("input", "other"), grad_name="MaximumBackward0")
def _max_binary(input, other):
    return jnp.maximum(input, other)


@op(method=False, promote=("input", "other"), grad_name="MinimumBackward0")
def _min_binary(input, other):
    return jnp.minimum(input, other)


def _overloads(name, all_op, dim_op, binary_op, out_cls):
    """max/min: max(input), max(input, dim, keepdim=False) -> (values, indices), max(input, other)."""

    def fn(input, dim=None, keepdim=False, *, other=None, out=None):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}() received an invalid combination of arguments - got ({type(input).__name__}"
                            f"{', ' + type(dim).__name__ if dim is not None else ''}), but expected a Tensor input")
        if isinstance(dim, Tensor):
            dim, other = None, dim
        if other is not None:
            return binary_op(input, other, out=out)
        if dim is None:
            if keepdim:
                raise TypeError(f"{name}() received an invalid combination of arguments - got keepdim without dim")
            return all_op(input, out=out)
        if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
            raise TypeError(f"{name}() received an invalid combination of arguments - got (Tensor, "
                            f"{type(dim).__name__})")
        if out is None:
            return dim_op(input, dim, keepdim)
        return out_cls(*dim_op(input, dim, keepdim, out=out))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.{name}: the overall {name}, ({name} values, indices) over `dim`, or the elementwise {name}."
    return composite(name)(fn)


max = _overloads("max", _max_all, _max_dim, _max_binary, _MaxOut)  # noqa: A001
min = _overloads("min", _min_all, _min_dim, _min_binary, _MinOut)  # noqa: A001


@op()
def amax(input, dim=(), keepdim=False):
    """torch.amax: the maximum over `dim` (all by default); NaN propagates."""
    dims = reduce_dims(dim, input.ndim)
    check_nonempty("amax", input, dims)
    return jnp.max(input, axis=dims, keepdims=keepdim)


@op()
def amin(input, dim=(), keepdim=False):
    """torch.amin."""
    dims = reduce_dims(dim, input.ndim)
    check_nonempty("amin", input, dims)
    return jnp.min(input, axis=dims, keepdims=keepdim)


@op(method=False, result=_AminmaxResult, out_exact=True)
def _aminmax(input, *, dim=None, keepdim=False):
    """torch.aminmax: (min, max) over `dim` or all elements; out= tensors must have the input's dtype."""
    dims = None if dim is None else reduce_dims(wrap_dim(dim, input.ndim), input.ndim)
    check_nonempty("aminmax", input, dims, sep="", all_msg="aminmax(): cannot compute aminmax over an empty "
                                                          "dimension as the operation has no identity.")
    return jnp.min(input, axis=dims, keepdims=keepdim), jnp.max(input, axis=dims, keepdims=keepdim)


aminmax = with_out_name("aminmax", _aminmax, _AminmaxOut)


def _arg(name, f, x, dim, keepdim):
    if x.dtype == jnp.bool_:
        raise TorchRuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        check_nonempty(name, x, None, all_exc=TorchIndexError,
                       all_msg=f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        return f(x.reshape(-1)).reshape((1,) * x.ndim if keepdim else ()).astype(_INT64)
    d = wrap_dim(dim, x.ndim)
    if x.ndim == 0:
        return jnp.zeros((), _INT64)
    check_nonempty(name, x, (d,))
    return f(x, axis=d, keepdims=keepdim).astype(_INT64)


@op(differentiable=False)
def argmax(input, dim=None, keepdim=False):
    """torch.argmax: the first maximal index (a NaN counts as maximal); dim=None indexes the flattened input."""
    return _arg("argmax", jnp.argmax, input, dim, keepdim)


@op(differentiable=False)
def argmin(input, dim=None, keepdim=False):
    """torch.argmin."""
    return _arg("argmin", jnp.argmin, input, dim, keepdim)


# --- variance -----------------------------------------------------------------------------------------------------


def _var_parts(x, dims, correction, keepdim):
    """(variance, mean) with torch's `correction` (divide by N - correction; 0 or fewer -> inf/nan)."""
    if not is_inexact(x):
        raise TorchRuntimeError("std and var only support floating point and complex dtypes")
    out_dtype, real_dtype = x.dtype, jnp.finfo(x.dtype).dtype
    x = upcast(x)
    n = math.prod(x.shape) if dims is None else math.prod(x.shape[d] for d in dims)
    mean = jnp.mean(x, axis=dims, keepdims=True)
    dev = x - mean
    m2 = jnp.sum((dev * jnp.conj(dev)).real if jnp.iscomplexobj(dev) else dev * dev, axis=dims, keepdims=keepdim)
    var = m2 / builtins.max(n - correction, 0)
    if not keepdim:
        mean = mean.reshape(var.shape)
    return var.astype(real_dtype), mean.astype(out_dtype)


def _var_op(kind):
    """One kernel per kind, so each records torch's grad_fn name (VarBackward0, StdMeanBackward0, ...)."""

    def impl(input, dim, correction, keepdim):
        var, mean = _var_parts(input, reduce_dims(dim, input.ndim), correction, keepdim)
        spread = _safe_root(var, 2) if kind.startswith("std") else var
        return (spread, mean) if kind.endswith("_mean") else spread

    grad = "".join(p.capitalize() for p in kind.split("_")) + "Backward0"
    return op(name=f"_{kind}", method=False, grad_name=grad)(impl)


_VAR_OPS = {kind: _var_op(kind) for kind in ("var", "std", "var_mean", "std_mean")}


def _var_front(kind):
    """std/var/std_mean/var_mean: torch's overloads (dim, unbiased, keepdim) and (dim, *, correction, keepdim)."""

    def fn(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
        if isinstance(dim, bool):  # var(input, unbiased)
            dim, unbiased = None, dim
        if unbiased is not None and correction is not None:
            raise TypeError(f"{kind}() received an invalid combination of arguments - got both unbiased and "
                            "correction")
        if correction is None:
            correction = 0 if unbiased is False else 1
        name = kind.split("_")[0]
        _check_dof(name, input.shape, dim, correction)
        return _VAR_OPS[kind](input, dim, correction, keepdim, out=out)

    fn.__name__ = fn.__qualname__ = kind
    fn.__doc__ = f"torch.{kind}: `correction` (default 1) or the legacy `unbiased` flag."
    return fn


def _check_dof(name, shape, dim, correction) -> None:
    try:
        dims = reduce_dims(dim, len(shape))
    except (IndexError, RuntimeError, TypeError):
        return  # the kernel raises torch's error
    kept = 1 if dims is None else math.prod(n for i, n in enumerate(shape) if i not in dims)
    n = math.prod(shape) // builtins.max(kept, 1)  # torch: input numel / output numel
    if n - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                      "factor (input numel divided by output numel).", UserWarning, stacklevel=3)


var = composite("var")(_var_front("var"))
std = composite("std")(_var_front("std"))
var_mean = composite("var_mean", method=False)(_var_front("var_mean"))
std_mean = composite("std_mean", method=False)(_var_front("std_mean"))


# --- logical, counting, logsumexp, trace --------------------------------------------------------------------------


def _logical(f, x, dim, keepdim):
    if dim is not None and not isinstance(dim, (int, np.integer)) and not len(dim):
        r = x.astype(jnp.bool_)  # NOTE: unlike sum, torch's all/any reduce nothing over dim=()
    else:
        r = f(x.astype(jnp.bool_), axis=reduce_dims(dim, x.ndim), keepdims=keepdim)
    return r.astype(jnp.uint8) if x.dtype == jnp.uint8 else r


@op(differentiable=False)
def all(input, dim=None, keepdim=False):  # noqa: A001
    """torch.all: bool result (uint8 for uint8 input, as torch)."""
    return _logical(jnp.all, input, dim, keepdim)


@op(differentiable=False)
def any(input, dim=None, keepdim=False):  # noqa: A001
    """torch.any."""
    return _logical(jnp.any, input, dim, keepdim)


@op(differentiable=False)
def count_nonzero(input, dim=None):
    """torch.count_nonzero: int64."""
    return jnp.count_nonzero(input, axis=reduce_dims(dim, input.ndim)).astype(_INT64)


@op()
def logsumexp(input, dim, keepdim=False):
    """torch.logsumexp: integer inputs compute in the default float dtype; an empty reduction gives -inf."""
    x = input if is_inexact(input) else input.astype(default_float())
    dims = reduce_dims(dim, x.ndim)
    if dims is None and not keepdim and x.ndim:  # torch's kernel adds a keepdim-shaped max to a full reduction
        raise TorchRuntimeError(f"output with shape [] doesn't match the broadcast shape {[1] * x.ndim}")
    out_dtype = x.dtype
    x = upcast(x)
    if x.size == 0:
        return jnp.full(jnp.sum(x, axis=dims, keepdims=keepdim).shape, -jnp.inf, out_dtype)
    return jax.nn.logsumexp(x, axis=dims, keepdims=keepdim).astype(out_dtype)


@op()
def trace(input):
    """torch.trace: the sum of the main diagonal of a matrix (integers sum to int64)."""
    if input.ndim != 2:
        raise TorchRuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    if input.dtype == jnp.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    out_dtype = _sum_dtype(input, None)
    return jnp.trace(upcast(input.astype(out_dtype))).astype(out_dtype)


# --- norms --------------------------------------------------------------------------------------------------------


def _vector_norm_impl(x, ord, dims, keepdim, who="linalg.vector_norm"):
    """linalg.vector_norm over `dims` (None = all) for a float/complex `x`; the result is real."""
    if not is_inexact(x):
        if who == "norm":
            raise TorchRuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                                    f"{type_name(x.dtype)} instead.")
        raise TorchRuntimeError(f"{who}: Expected a floating point or complex tensor as input. Got "
                                f"{type_name(x.dtype)}")
    out_dtype = jnp.finfo(x.dtype).dtype
    a = jnp.abs(upcast(x))
    if ord == math.inf:
        r = jnp.max(a, axis=dims, keepdims=keepdim)
    elif ord == -math.inf:
        r = jnp.min(a, axis=dims, keepdims=keepdim)
    elif ord == 0:
        r = jnp.sum(a != 0, axis=dims, keepdims=keepdim).astype(a.dtype)
    elif ord == 1:
        r = jnp.sum(a, axis=dims, keepdims=keepdim)
    elif ord == 2:
        r = _safe_root(jnp.sum(a * a, axis=dims, keepdims=keepdim), 2)
    else:
        r = _safe_root(jnp.sum(a ** ord, axis=dims, keepdims=keepdim), ord)
    return r.astype(out_dtype)


def _safe_root(s, p):
    """s ** (1/p), whose gradient at s == 0 is 0 (as torch's norm backward) instead of nan."""
    zero = s == 0
    r = jnp.sqrt(jnp.where(zero, 1, s)) if p == 2 else jnp.where(zero, 1, s) ** (1.0 / p)
    return jnp.where(zero, 0, r)


@op(method=False, grad_name="LinalgVectorNormBackward0")
def _vector_norm(input, ord, dim, keepdim, dtype):
    x = input if dtype is None else input.astype(_dtype.JNP[dtype])
    if not is_inexact(input):
        x = input  # torch rejects integer inputs before looking at dtype
    return _vector_norm_impl(x, ord, reduce_dims(dim, input.ndim), keepdim)


@op(method=False, grad_name="SumBackward1")
def _matrix_norm(input, ord, dim, keepdim, dtype):
    if ord not in ("fro", "nuc"):
        raise TorchRuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    if isinstance(dim, (int, np.integer)) or len(dim) != 2:
        got = dim if isinstance(dim, (int, np.integer)) else " ".join(map(str, dim))
        raise TorchRuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {got}")
    dims = tuple(wrap_dim(d, input.ndim) for d in dim)
    x = input if dtype is None else input.astype(_dtype.JNP[dtype])
    if ord == "fro":
        return _vector_norm_impl(x, 2, dims, keepdim)
    if not is_inexact(x):
        raise TorchRuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as input. Got "
                                f"{type_name(x.dtype)}")
    m = jnp.moveaxis(upcast(x), dims, (-2, -1))
    r = jnp.sum(jnp.linalg.svd(m, compute_uv=False), axis=-1).astype(jnp.finfo(x.dtype).dtype)
    if keepdim:
        for d in sorted(dims):
            r = jnp.expand_dims(r, d)
    return r


@composite()
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """torch.norm: 'fro' and numeric p are vector norms over `dim` (all by default); 'nuc' is the nuclear norm."""
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, (int, np.integer)) or len(dim) <= 2):
            return _vector_norm(input, 2, dim, keepdim, dtype, out=out)
        if dim is None:
            dim = tuple(range(input.ndim))
        return _matrix_norm(input, p, dim, keepdim, dtype, out=out)
    return _vector_norm(input, 2.0 if p is None else p, dim, keepdim, dtype, out=out)


@op(promote=("input", "other"))
def dist(input, other, p=2):
    """torch.dist: the p-norm of input - other."""
    return _vector_norm_impl(input - other, p, None, False, who="norm")


@op(inplace=True)
def renorm(input, p, dim, maxnorm):
    """torch.renorm: rescale each slice along `dim` whose p-norm exceeds `maxnorm` down to `maxnorm`."""
    if input.ndim < 2:
        raise TorchRuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    if p <= 0:
        raise TorchRuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise TorchRuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = wrap_dim(dim, input.ndim)
    others = tuple(i for i in range(input.ndim) if i != d)
    norms = _vector_norm_impl(input, p, others, True)
    factor = jnp.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0).astype(norms.dtype)
    return (upcast(input) * factor).astype(input.dtype)


from torchax._ops.scan import cummax, cummin, cumprod, cumsum, diff, logcumsumexp  # noqa: E402
