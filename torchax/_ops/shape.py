"""Shape ops that copy: cat/stack and friends, repeat/tile, flip/roll/rot90, tril/triu, diag, broadcasting helpers.

Every result here has storage of its own, as in torch, except the few that torch defines as views
(broadcast_to, broadcast_tensors, meshgrid, atleast_*d, ravel), which are built from the view ops.
Argument checks live inside the kernels where they can: they run once, at trace time, for free.
"""

from __future__ import annotations

import builtins
import itertools

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from torchax import _dtype
from torchax._registry import (
    TorchIndexError,
    TorchRuntimeError,
    TorchTypeError,
    broadcast_shapes as _broadcast,
    composite,
    op,
    warn_once,
)
from torchax._tensor import Size, Tensor, _wrap_dim

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "row_stack", "dstack", "column_stack",
           "repeat_interleave", "tile", "flip", "fliplr", "flipud", "roll", "rot90", "tril", "triu", "tril_indices",
           "triu_indices", "broadcast_to", "broadcast_tensors", "broadcast_shapes", "meshgrid", "atleast_1d",
           "atleast_2d", "atleast_3d", "diag", "diag_embed", "diagflat", "block_diag", "cartesian_prod",
           "combinations", "ravel", "narrow_copy"]


def wrap_dim(dim, ndim: int) -> int:
    """torch's dim wrapping, raising an IndexError that keeps torch's message inside a kernel."""
    try:
        return _wrap_dim(dim, ndim)
    except IndexError as e:
        raise TorchIndexError(str(e)) from None


def type_name(d) -> str:
    """torch's ScalarType name (Float, Long, ...) of a torch, numpy or jax dtype."""
    return _dtype.type_name(d if isinstance(d, _dtype.dtype) else _dtype.from_jax(d))


def _tensor_list(name: str, tensors, arg="tensors") -> None:
    if not isinstance(tensors, (list, tuple)) or not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError(f"{name}(): argument '{arg}' (position 1) must be tuple of Tensors, not "
                        f"{type(tensors).__name__}")


# --- cat and the stacks -------------------------------------------------------------------------------


def _join_arrays(arrays, dim):
    """torch.cat on jax arrays: legacy 1-D empty tensors are skipped; torch's shape checks."""
    for i, a in enumerate(arrays):
        if a.ndim == 0:
            raise TorchRuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    kept = [(i, a) for i, a in enumerate(arrays) if a.shape != (0,)]
    if not kept:
        return jnp.zeros((0,), arrays[0].dtype)
    ref = kept[0][1]
    d = wrap_dim(dim, ref.ndim)
    for i, a in kept[1:]:
        if a.ndim != ref.ndim:
            raise TorchRuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {a.ndim}")
        for k in range(ref.ndim):
            if k != d and a.shape[k] != ref.shape[k]:
                raise TorchRuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                        f"{ref.shape[k]} but got size {a.shape[k]} for tensor number {i} in the list.")
    return jnp.concatenate([a for _, a in kept], axis=d)


def _at_least(a, n):
    """numpy's atleast_{1,2,3}d rule on a jax array."""
    if a.ndim >= n:
        return a
    if a.ndim == 0:
        return a.reshape((1,) * n)
    if a.ndim == 1:
        return a.reshape((1, a.shape[0]) if n == 2 else (1, a.shape[0], 1))
    return a[..., None]


@op(name="_join", method=False, promote=("tensors",),
    grad_name=lambda spec: "StackBackward0" if spec[2] == "stack" else "CatBackward0")
def _join(tensors, dim, how):
    """cat (how=None), stack, hstack, vstack, dstack, column_stack in one kernel each."""
    if how == "stack":
        shape = tensors[0].shape
        for i, a in enumerate(tensors):
            if a.shape != shape:
                raise TorchRuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at "
                                        f"entry 0 and {list(a.shape)} at entry {i}")
        return jnp.stack(tensors, axis=wrap_dim(dim, len(shape) + 1))
    if how == "h":
        tensors = [_at_least(a, 1) for a in tensors]
        dim = 0 if tensors[0].ndim == 1 else 1
    elif how == "v":
        tensors = [_at_least(a, 2) for a in tensors]
    elif how == "d":
        tensors, dim = [_at_least(a, 3) for a in tensors], 2
    elif how == "column":
        tensors, dim = [a.reshape(a.size, 1) if a.ndim <= 1 else a for a in tensors], 1
    return _join_arrays(tensors, dim)


def _joined(name, tensors, dim, how, out):
    _tensor_list(name, tensors)
    if not tensors:
        if name == "cat":
            raise ValueError("torch.cat(): expected a non-empty list of Tensors")
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    if out is not None:
        rt = _dtype.result_type([(t.dtype, t.ndim) for t in tensors])
        if not _dtype.can_cast(rt, out.dtype):
            raise TypeError(f"torch.{name}(): input types can't be cast to the desired output type "
                            f"{type_name(out.dtype)}")
    return _join(tensors, dim, how, out=out)


@composite(method=False)
def cat(tensors, dim=0, *, out=None):
    """torch.cat: inputs are promoted to a common dtype; 1-D empty tensors are skipped (legacy)."""
    return _joined("cat", tensors, dim, None, out)


@composite(method=False)
def concat(tensors, dim=0, *, out=None):
    """torch.concat (alias of cat)."""
    return _joined("cat", tensors, dim, None, out)


@composite(method=False)
def concatenate(tensors, axis=0, *, out=None, dim=None):
    """torch.concatenate (alias of cat; takes `axis`, or `dim` as torch also does)."""
    return _joined("cat", tensors, axis if dim is None else dim, None, out)


@composite(method=False)
def stack(tensors, dim=0, *, out=None):
    """torch.stack."""
    return _joined("stack", tensors, dim, "stack", out)


def _stack_fn(name, how):
    def fn(tensors, *, out=None):
        return _joined(name, tensors, 0, how, out)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.{name}."
    return composite(name, method=False)(fn)


hstack = _stack_fn("hstack", "h")
vstack = _stack_fn("vstack", "v")
row_stack = _stack_fn("row_stack", "v")
dstack = _stack_fn("dstack", "d")
column_stack = _stack_fn("column_stack", "column")


# --- repeat, tile, repeat_interleave -----------------------------------------------------------------


def _tile(input, repeats):
    shape = (1,) * (len(repeats) - input.ndim) + input.shape
    sizes = [a * b for a, b in zip(shape, repeats)]
    for s in sizes:
        if s < 0:
            raise TorchRuntimeError(f"Trying to create tensor with negative dimension {s}: {sizes}")
    return jnp.tile(input.reshape(shape), repeats)


@op(out=False)
def repeat(input, repeats):
    """Tensor.repeat(*sizes) (torch has no torch.repeat; `Tensor.repeat` unpacks the sizes and calls this)."""
    repeats = tuple(repeats)
    if len(repeats) < input.ndim:
        raise TorchRuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                                "of tensor")
    return _tile(input, repeats)


@op(out=False, grad_name="RepeatBackward0")
def tile(input, dims):
    """torch.tile: missing leading dims of `dims` count as 1."""
    if isinstance(dims, int):
        raise TorchTypeError("tile(): argument 'dims' (position 2) must be tuple of ints, not int")
    dims = tuple(dims)
    return _tile(input, (1,) * (input.ndim - len(dims)) + dims)


@op(method=False, out=False, grad_name="ViewBackward0")
def _repeat_interleave_int(input, repeats, dim, output_size):
    if dim is None:
        input, dim = input.reshape(-1), 0
    else:
        dim = wrap_dim(dim, input.ndim)
        if input.ndim == 0:  # torch unsqueezes first, so its message names a 1-d range
            raise TorchIndexError(f"Dimension out of range (expected to be in range of [-1, 0], but got {dim + 1})")
    if repeats < 0:
        raise TorchRuntimeError("Repeats must be non-negative")
    n = input.shape[dim] * repeats
    if output_size is not None and output_size != n:
        raise TorchRuntimeError(f"repeat_interleave: Invalid output_size, expected {n} but got {output_size}")
    return jnp.repeat(input, repeats, axis=dim)


@op(method=False, out=False, grad_name="IndexSelectBackward0")
def _repeat_interleave_tensor(input, repeats, dim, total):
    if input is None:  # the one-argument form: repeat_interleave(repeats)
        return jnp.repeat(jnp.arange(repeats.shape[0], dtype=repeats.dtype), repeats, total_repeat_length=total)
    if dim is None:
        input, dim = input.reshape(-1), 0
    elif input.ndim == 0:
        raise TorchIndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    dim = wrap_dim(dim, input.ndim)
    repeats = repeats.reshape(-1)
    if repeats.shape[0] == 1:
        repeats = jnp.broadcast_to(repeats, (input.shape[dim],))
    if repeats.shape[0] != input.shape[dim]:
        raise TorchRuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                                f"{repeats.shape[0]} and input.size({dim}) = {input.shape[dim]}")
    return jnp.repeat(input, repeats, axis=dim, total_repeat_length=total)


@jax.jit
def _sum_min(v):
    return jnp.stack([jnp.sum(v), jnp.min(v, initial=0)])


@composite()
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """torch.repeat_interleave: `repeats` an int or a tensor; `repeat_interleave(repeats)` alone gives indices."""
    if repeats is None:
        input, repeats = None, input
    if not isinstance(repeats, Tensor):
        return _repeat_interleave_int(input, builtins.int(repeats), dim, output_size)
    if repeats.dtype not in (_dtype.int64, _dtype.int32):
        raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for '{type_name(repeats.dtype)}'")
    if repeats.ndim > 1 or (input is None and repeats.ndim != 1):
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    if input is not None and input.ndim == 0 and dim is not None:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    v = repeats._value
    total = output_size
    if not isinstance(v, jax.core.Tracer):
        s, lo = np.asarray(_sum_min(v)).tolist() if v.size else (0, 0)
        if lo < 0:
            raise RuntimeError("repeats can not be negative")
        if input is not None and v.size == 1:  # one count for every slice along dim
            s *= input.numel() if dim is None else input.shape[_wrap_dim(dim, input.ndim)]
        if output_size is not None and output_size != s:
            raise RuntimeError("allocated size does not match required size")
        total = s
    elif total is None:
        raise RuntimeError("repeat_interleave with a tensor `repeats` needs `output_size` inside compiled code")
    return _repeat_interleave_tensor(input, repeats, dim, total)


# --- flip, roll, rot90 -------------------------------------------------------------------------------


def _int_tuple(name, arg, pos, x) -> tuple:
    if isinstance(x, int) or isinstance(x, jax.Array) and x.ndim == 0 and jnp.issubdtype(x.dtype, jnp.integer):
        return (x,)  # a 0-dim integer tensor (roll's shifts) arrives as a traced array
    if not isinstance(x, (tuple, list)) or not all(isinstance(i, int) for i in x):
        raise TorchTypeError(f"{name}(): argument '{arg}' (position {pos}) must be tuple of ints, not "
                             f"{type(x).__name__}")
    return tuple(x)


@op(out=False)
def flip(input, dims):
    """torch.flip (`Tensor.flip(*dims)` unpacks the dims and calls this)."""
    if isinstance(dims, int):
        raise TorchTypeError("flip(): argument 'dims' (position 2) must be tuple of ints, not int")
    dims = [wrap_dim(d, input.ndim) for d in _int_tuple("flip", "dims", 2, dims)]
    for d in dims:
        if dims.count(d) > 1:
            raise TorchRuntimeError(f"dim {d} appears multiple times in the list of dims")
    return jnp.flip(input, dims) if input.ndim else input


@op(out=False, grad_name="FlipBackward0")
def fliplr(input):
    """torch.fliplr."""
    if input.ndim < 2:
        raise TorchRuntimeError("Input must be >= 2-d.")
    return jnp.flip(input, 1)


@op(out=False, grad_name="FlipBackward0")
def flipud(input):
    """torch.flipud."""
    if input.ndim < 1:
        raise TorchRuntimeError("Input must be >= 1-d.")
    return jnp.flip(input, 0)


@op(out=False)
def roll(input, shifts, dims=None):
    """torch.roll: dims=None rolls the flattened tensor."""
    shifts = _int_tuple("roll", "shifts", 2, shifts)
    dims = () if dims is None else _int_tuple("roll", "dims", 3, dims)
    if not shifts:
        raise TorchRuntimeError("`shifts` required")
    if len(shifts) != len(dims) and (dims or len(shifts) != 1):
        raise TorchRuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    if not dims:
        return jnp.roll(input.reshape(-1), shifts[0]).reshape(input.shape) if input.size else input
    if input.ndim == 0:
        raise TorchIndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    dims = tuple(wrap_dim(d, input.ndim) for d in dims)
    return jnp.roll(input, shifts, dims) if input.size else input


@op(out=False)
def rot90(input, k=1, dims=(0, 1)):
    """torch.rot90: rotates from the first towards the second of `dims`."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise TorchRuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise TorchRuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    d0, d1 = (wrap_dim(d, input.ndim) for d in dims)
    if d0 == d1:
        raise TorchRuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    return jnp.rot90(input, k, axes=(d0, d1))


# --- triangles and diagonals -------------------------------------------------------------------------


def _tri(name, fn):
    def impl(input, diagonal=0):
        if input.ndim < 2:
            raise TorchRuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        return fn(input, diagonal)

    impl.__name__ = impl.__qualname__ = name
    impl.__doc__ = f"torch.{name}."
    return op(inplace=True)(impl)


tril = _tri("tril", jnp.tril)
triu = _tri("triu", jnp.triu)


def _tri_indices(name, lower, row, col, offset, dtype, device):
    dt = _dtype.as_dtype(dtype)
    if dt not in (_dtype.int64, _dtype.int32):
        raise NotImplementedError(f"\"{name}\" not implemented for '{type_name(dt)}'")
    for arg, v in (("row", row), ("col", col)):
        if v < 0:
            raise RuntimeError(f"{arg} must be non-negative, got{v}")
    idx = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
    from torchax._ops.creation import tensor

    return tensor(np.stack(idx).reshape(2, -1), dtype=dt, device=device)


@composite(method=False)
def tril_indices(row, col, offset=0, *, dtype=_dtype.int64, device=None, layout=None, pin_memory=False):
    """torch.tril_indices: the (2, N) coordinates of the lower triangle, row by row."""
    return _tri_indices("tril_indices", True, row, col, offset, dtype, device)


@composite(method=False)
def triu_indices(row, col, offset=0, *, dtype=_dtype.int64, device=None, layout=None, pin_memory=False):
    """torch.triu_indices: the (2, N) coordinates of the upper triangle, row by row."""
    return _tri_indices("triu_indices", False, row, col, offset, dtype, device)


@op(method=False, grad_name="DiagEmbedBackward0")
def _diag_matrix(input, diagonal):
    return _embed(input, diagonal)


@op(method=False, grad_name="DiagonalBackward0_copy")
def _diag_vector(input, diagonal):
    return jnp.diagonal(input, diagonal)


@composite()
def diag(input, diagonal=0, *, out=None):
    """torch.diag: a 1-D tensor becomes a diagonal matrix; a matrix gives its diagonal (a copy)."""
    if input.ndim not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    return (_diag_matrix if input.ndim == 1 else _diag_vector)(input, diagonal, out=out)


def _embed(input, offset):
    """input[..., m] placed on the `offset` diagonal of new trailing (n, n) dims."""
    m = input.shape[-1]
    n = m + builtins.abs(offset)
    rows = np.arange(m) + builtins.max(-offset, 0)
    cols = np.arange(m) + builtins.max(offset, 0)
    return jnp.zeros(input.shape[:-1] + (n, n), input.dtype).at[..., rows, cols].set(input)


@op(out=False)
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """torch.diag_embed."""
    nd = input.ndim + 1
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise TorchRuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return jnp.moveaxis(_embed(input, offset), (-2, -1), (d1, d2))


@op(out=False, grad_name="DiagEmbedBackward0")
def diagflat(input, offset=0):
    """torch.diagflat."""
    return _embed(input.reshape(-1), offset)


@op(name="_block_diag", method=False, promote=("tensors",), out=False)
def _block_diag(tensors):
    mats = []
    for i, a in enumerate(tensors):
        if a.ndim > 2:
            raise TorchRuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} "
                                    f"has {a.ndim} dimensions")
        mats.append(a.reshape((1,) * (2 - a.ndim) + a.shape))
    out = jnp.zeros((sum(m.shape[0] for m in mats), sum(m.shape[1] for m in mats)), mats[0].dtype)
    r = c = 0
    for m in mats:
        out = out.at[r:r + m.shape[0], c:c + m.shape[1]].set(m)
        r, c = r + m.shape[0], c + m.shape[1]
    return out


@composite(method=False)
def block_diag(*tensors):
    """torch.block_diag: inputs (up to 2-D) placed along the diagonal; dtypes promote."""
    if not tensors:
        from torchax._ops.creation import zeros

        return zeros(1, 0)
    return _block_diag(list(tensors))


# --- broadcasting -----------------------------------------------------------------------------------


@composite()
def broadcast_to(input, size):
    """torch.broadcast_to: a view (Tensor.expand)."""
    from torchax._ops.views import expand

    if isinstance(size, int):
        raise TypeError("broadcast_to(): argument 'size' (position 2) must be tuple of ints, not int")
    return expand(input, tuple(size))


@composite(method=False)
def broadcast_shapes(*shapes):
    """torch.broadcast_shapes: ints count as 1-D shapes; returns a torch.Size."""
    shapes = [(s,) if isinstance(s, int) else s for s in shapes if s is not None]
    for s in shapes:
        if not isinstance(s, (tuple, list)):
            raise RuntimeError(f"Input shapes should be of type ints, a tuple of ints, or a list of ints, got {s}")
    common = [1] * builtins.max((len(s) for s in shapes), default=0)
    for i, s in enumerate(shapes):
        for k in range(-1, -1 - len(s), -1):
            if s[k] == common[k]:
                continue
            if common[k] == 1:
                if s[k] < 0:
                    raise ValueError("Attempting to broadcast a dimension with negative length!")
                common[k] = s[k]
            elif s[k] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {s[k]} at {k}! Mismatching "
                                   f"argument at index {i} had {s}; but expected shape should be broadcastable to "
                                   f"{common}")
    return Size(common)


@composite(method=False)
def broadcast_tensors(*tensors):
    """torch.broadcast_tensors: views of the inputs expanded to one shape."""
    from torchax._ops.views import expand

    if len(tensors) == 1:
        return (tensors[0],)
    shape = _broadcast(*(t.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)





@composite(method=False)
def meshgrid(*tensors, indexing=None):
    """torch.meshgrid: views of the 0-D/1-D inputs expanded to the grid; 'ij' (default) or 'xy' indexing."""
    from torchax._ops.views import expand, reshape

    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warn_once("meshgrid", "torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                  "argument.")
        indexing = "ij"
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if any(t.dtype is not tensors[0].dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t}")
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:  # torch's definition: swap the first two inputs, grid as 'ij', then swap the first two outputs back
        tensors = (tensors[1], tensors[0]) + tuple(tensors[2:])
    shape = tuple(t.numel() for t in tensors)
    out = [expand(reshape(t, tuple(n if k == i else 1 for k, n in enumerate(shape))), shape)
           for i, t in enumerate(tensors)]
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def _atleast(n):
    def fn(*tensors):
        from torchax._ops.views import reshape, unsqueeze

        def one(t):
            if t.ndim >= n:
                return t
            if t.ndim == 2:
                return unsqueeze(t, -1)
            size = t.numel()
            return reshape(t, (1,) * n if t.ndim == 0 else (1, size) if n == 2 else (1, size, 1))

        if len(tensors) == 1 and isinstance(tensors[0], Tensor):
            return one(tensors[0])
        if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
            tensors = tensors[0]
        return tuple(one(t) for t in tensors)

    name = f"atleast_{n}d"
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.{name}: views with at least {n} dims (the input itself when it has enough)."
    return composite(name, method=False)(fn)


atleast_1d = _atleast(1)
atleast_2d = _atleast(2)
atleast_3d = _atleast(3)


# --- products of index sets -----------------------------------------------------------------------------


@op(name="_cartesian_prod", method=False, out=False, grad_name="StackBackward0")
def _cartesian_prod(tensors):
    for a in tensors:
        if a.ndim != 1:
            raise TorchRuntimeError(f"Expect a 1D vector, but got shape {list(a.shape)}")
    if any(a.dtype != tensors[0].dtype for a in tensors):
        raise TorchRuntimeError("meshgrid expects all tensors to have the same dtype")
    grids = jnp.meshgrid(*tensors, indexing="ij")
    return jnp.stack([g.reshape(-1) for g in grids], axis=1)


@composite(method=False)
def cartesian_prod(*tensors):
    """torch.cartesian_prod: one input is returned as it is."""
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if len(tensors) == 1:
        if tensors[0].ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(tensors[0].shape)}")
        return tensors[0]
    return _cartesian_prod(list(tensors))


@op(method=False, out=False, grad_name="StackBackward0")
def combinations(input, r=2, with_replacement=False):
    """torch.combinations: like itertools.combinations of the elements, as rows."""
    if input.ndim != 1:
        raise TorchRuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise TorchRuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return jnp.zeros((0,), input.dtype)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(pick(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    return input[idx]


# --- copies of views --------------------------------------------------------------------------------------


@composite()
def ravel(input):
    """torch.ravel: a view when the tensor is contiguous, else a copy."""
    from torchax._ops.views import reshape

    return reshape(input, (-1,))


@op(method=False, grad_name="NarrowCopyBackward0")
def _narrow_copy(input, dim, start, length):
    return lax.slice_in_dim(input, start, start + length, axis=dim)


@composite()
def narrow_copy(input, dim, start, length, *, out=None):
    """torch.narrow_copy."""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if dim >= input.ndim:  # torch checks this bound (only) with an internal assert
        raise RuntimeError("Expected dim < static_cast<int64_t>(self_sizes.size()) to be true, but got false.")
    d = _wrap_dim(dim, input.ndim)
    size, start = input.shape[d], builtins.int(start)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    start += size if start < 0 else 0
    if start + length > size or length < 0:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return _narrow_copy(input, d, start, length, out=out)
