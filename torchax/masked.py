"""torchax.masked: the `torch.masked` reductions and normalizations on strided tensors.

As in torch, masked-out elements are replaced by the operation's identity (0 for sum, 1 for prod, -inf for
amax/logsumexp/softmax, NaN for median, ...) and the plain op runs; composed from torchax ops as torch composes
them in torch/masked/_ops.py. MaskedTensor and sparse layouts are not supported.
"""

from __future__ import annotations

import math

import torchax

__all__ = ["sum", "prod", "cumsum", "cumprod", "amax", "amin", "argmax", "argmin", "mean", "median", "norm", "var",
           "std", "softmax", "log_softmax", "softmin", "normalize", "logaddexp", "logsumexp"]

_SMALL_INTS = {"torch.uint8", "torch.bool", "torch.int8", "torch.int16", "torch.int32"}


def _canonical_dim(dim, ndim):
    """torch.masked's dims: sorted, wrapped, `None`/`()` meaning every dim."""
    if dim is None or dim == ():
        return tuple(range(ndim))
    ndim = max(ndim, 1)
    out = []
    for d in (dim,) if isinstance(dim, int) else dim:
        if d in out:
            raise RuntimeError(f"dim={d} appears multiple times in the list of dims")
        if not -ndim <= d < ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {d})")
        out.append(d % ndim)
    return tuple(sorted(out))


def _mask(input, mask):
    """The mask as a bool tensor of input's shape."""
    if mask.shape != input.shape:
        if mask.ndim > input.ndim:
            raise IndexError("_input_mask expected broadcastable mask (got mask dimensionality higher than of the "
                             "input)")
        mask = torchax.broadcast_to(mask, input.shape)
    return mask.to(dtype=torchax.bool)


def _identity(name, input, ord=2):
    dt = input.dtype
    if name in ("sum", "cumsum") or name == "norm" and ord != -math.inf:
        return 0
    if name in ("prod", "cumprod"):
        return 1
    if name == "norm" or name in ("amin", "argmin"):
        return math.inf if dt.is_floating_point else torchax.iinfo(dt).max
    if name in ("amax", "argmax", "logaddexp", "logsumexp"):
        return -math.inf if dt.is_floating_point or dt.is_complex else torchax.iinfo(dt).min
    if name == "median":
        return math.nan
    raise ValueError(name)


def _combine(name, input, mask, ord=2):
    if mask is None:
        return input
    fill = torchax.full((), _identity(name, input, ord), dtype=input.dtype)
    return torchax.where(_mask(input, mask), input, fill)


def _sum_dtype(input, dtype):
    if dtype is not None:
        return dtype
    return torchax.int64 if str(input.dtype) in _SMALL_INTS else input.dtype


def sum(input, dim=None, *, keepdim=False, dtype=None, mask=None):  # noqa: A001
    """torch.masked.sum."""
    dtype = _sum_dtype(input, dtype)
    dims = _canonical_dim(dim, input.ndim)
    return torchax.sum(_combine("sum", input, mask), dims, bool(keepdim), dtype=dtype)


def prod(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """torch.masked.prod."""
    dtype = _sum_dtype(input, dtype)
    result = _combine("prod", input, mask).to(dtype=dtype)
    for d in reversed(_canonical_dim(dim, input.ndim)):
        result = result.prod(dim=d, keepdim=bool(keepdim))
    return result


def cumsum(input, dim, *, dtype=None, mask=None):
    """torch.masked.cumsum."""
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return torchax.cumsum(_combine("sum", input, mask), d, dtype=dtype).to(dtype=dtype)


def cumprod(input, dim, *, dtype=None, mask=None):
    """torch.masked.cumprod."""
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return torchax.cumprod(_combine("prod", input, mask), d, dtype=dtype).to(dtype=dtype)


def _extreme(name):
    def fn(input, dim=None, *, keepdim=False, dtype=None, mask=None):
        dtype = input.dtype if dtype is None else dtype
        x = _combine(name, input, mask)
        return getattr(torchax, name)(x, _canonical_dim(dim, x.ndim), bool(keepdim)).to(dtype=dtype)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.masked.{name}."
    return fn


amax, amin = _extreme("amax"), _extreme("amin")


def _arg(name):
    def fn(input, dim=None, *, keepdim=False, dtype=None, mask=None):
        dtype = input.dtype if dtype is None else dtype
        return getattr(torchax, name)(_combine(name, input, mask), dim, bool(keepdim)).to(dtype=dtype)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.masked.{name}."
    return fn


argmax, argmin = _arg("argmax"), _arg("argmin")


def _count(input, dim, keepdim, mask):
    if mask is None:
        return sum(torchax.ones(input.shape, dtype=torchax.int64), dim, keepdim=keepdim)
    return _mask(input, mask).sum(dim=dim, keepdim=bool(keepdim))


def mean(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """torch.masked.mean: the masked sum over the count of unmasked elements."""
    source = "Optional" if dtype is not None else "Input"
    dtype = input.dtype if dtype is None else dtype
    if not (dtype.is_floating_point or dtype.is_complex):
        raise ValueError(f"mean(): Could not infer output dtype. {source} dtype must be either a floating point or "
                         f"complex dtype. Got: {dtype}")
    count = _count(input, dim, keepdim, mask)
    total = sum(input, dim, keepdim=keepdim, dtype=dtype, mask=None if mask is None else _mask(input, mask))
    return total / count


def median(input, dim=-1, *, keepdim=False, dtype=None, mask=None):
    """torch.masked.median: nanmedian with masked-out elements as NaN."""
    dtype = input.dtype if dtype is None else dtype
    d = _canonical_dim(dim, input.ndim)[0]
    is_float = input.dtype.is_floating_point
    if not is_float:
        input = input.to(dtype=torchax.float32)
    out = torchax.nanmedian(_combine("median", input, mask), d, keepdim).values
    if is_float:
        return out
    if bool(torchax.isnan(out).any()):
        raise ValueError("masked median expects no fully masked out rows if dtype is not floating point")
    return out.to(dtype=dtype)


def norm(input, ord=2.0, dim=None, *, keepdim=False, dtype=None, mask=None):
    """torch.masked.norm: the vector norm with masked-out elements as 0 (inf for ord=-inf)."""
    dtype = input.dtype if dtype is None else dtype
    x = _combine("norm", input, mask, ord)
    return torchax.linalg.vector_norm(x, ord, _canonical_dim(dim, input.ndim), bool(keepdim), dtype=dtype)


def _std_var(input, dim, unbiased, correction_opt, keepdim, dtype, mask, take_sqrt):
    if unbiased is not None and correction_opt is not None:
        raise AssertionError("Only one of unbiased and correction may be given")
    correction = 1.0 if unbiased is None or unbiased else 0.0
    if correction_opt is not None:
        correction = float(correction_opt)
    if dtype is None:
        dtype = input.dtype if input.dtype.is_floating_point or input.dtype.is_complex else torchax.float32
    compute = dtype if dtype.is_floating_point or dtype.is_complex else torchax.float32
    inmask = None if mask is None else _mask(input, mask)
    count = _count(input, dim, True, inmask)
    sample_mean = torchax.divide(sum(input, dim, keepdim=True, dtype=dtype, mask=inmask), count)
    x = torchax.subtract(input, sample_mean)
    total = sum(x * x.conj(), dim, keepdim=keepdim, dtype=compute, mask=inmask)
    if not keepdim:
        count = count.reshape(total.shape)
    if correction != 0:
        real = compute.to_real() if compute.is_complex else compute
        count = count.to(real)
        count = torchax.subtract(count, correction)
        count = torchax.maximum(count, count.new_zeros([]))
    out = torchax.divide(total, count).to(dtype=dtype)
    return torchax.sqrt(out) if take_sqrt else out


def var(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None, mask=None):
    """torch.masked.var."""
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, False)


def std(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None, mask=None):
    """torch.masked.std."""
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, True)


def softmax(input, dim, *, dtype=None, mask=None):
    """torch.masked.softmax."""
    d = _canonical_dim(dim, input.ndim)[0]
    return torchax.nn.functional.softmax(_combine("amax", input, mask), d, dtype=dtype)


def log_softmax(input, dim, *, dtype=None, mask=None):
    """torch.masked.log_softmax."""
    d = _canonical_dim(dim, input.ndim)[0]
    return torchax.nn.functional.log_softmax(_combine("amax", input, mask), d, dtype=dtype)


def softmin(input, dim, *, dtype=None, mask=None):
    """torch.masked.softmin."""
    d = _canonical_dim(dim, input.ndim)[0]
    return torchax.nn.functional.softmin(_combine("amin", input, mask), d, dtype=dtype)


def normalize(input, ord, dim, *, eps=1e-12, dtype=None, mask=None):
    """torch.masked.normalize: input over its masked norm (at least eps)."""
    dtype = input.dtype if dtype is None else dtype
    nrm = norm(input, ord, dim, keepdim=True, dtype=dtype, mask=mask)
    x = _combine("sum", input, mask)
    return torchax.divide(x, torchax.clamp(nrm, min=eps))


def logsumexp(input, dim=None, *, keepdim=False, dtype=None, mask=None):
    """torch.masked.logsumexp."""
    dtype = input.dtype if dtype is None else dtype
    x = _combine("logsumexp", input, mask)
    return torchax.logsumexp(x, _canonical_dim(dim, input.ndim), keepdim=keepdim).to(dtype=dtype)


def logaddexp(input, other, *, dtype=None, input_mask=None, other_mask=None):
    """torch.masked.logaddexp."""
    dtype = input.dtype if dtype is None else dtype
    x, y = _combine("logaddexp", input, input_mask), _combine("logaddexp", other, other_mask)
    return torchax.logaddexp(x, y).to(dtype=dtype)
