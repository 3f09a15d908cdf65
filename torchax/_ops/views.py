"""View ops: results alias their input (torch's view semantics).

Six primitives are registered with `view=True` — basic indexing, permute, view (reshape without a
copy), expand, diagonal and unfold — and every other view (transpose, t, squeeze, unsqueeze,
flatten, narrow, select, split, chunk, unbind, movedim ...) is composed from them, so it aliases too.
Primitive impls use only the array API numpy shares with JAX, which is how `_views.layout`
computes torch's strides without touching data.
"""

from __future__ import annotations

import builtins
import math

import jax.numpy as jnp
import numpy as np
from jax import lax
from numpy.lib.stride_tricks import as_strided as np_as_strided

from torchax import _views
from torchax._registry import Static, composite, op
from torchax._tensor import Tensor, _shape_arg as _shape_args, _wrap_dim
from torchax.autograd._graph import rename

__all__ = ["permute", "diagonal", "transpose", "swapaxes", "swapdims", "t", "adjoint", "movedim", "moveaxis",
           "squeeze", "unsqueeze", "flatten", "unflatten", "narrow", "select", "split", "chunk", "unbind",
           "tensor_split", "hsplit", "vsplit", "dsplit", "reshape", "view_as_real", "split_with_sizes", "as_strided"]


def _is_np(x) -> bool:
    return isinstance(x, np.ndarray)


# --- primitives -----------------------------------------------------------------------------------


def _index_grad_name(arg_spec) -> str:
    """torch applies an index entry by entry; the grad_fn is that of the last one that did something."""
    spec = arg_spec[1]
    for e in reversed(spec):
        if e[0] == "i":
            return "SelectBackward0"
        if e[0] == "n":
            return "UnsqueezeBackward0"
        return "SliceBackward0"
    return "AliasBackward0"


@op(view=True, dynamic=("starts",), method=False, out=False, grad_name=_index_grad_name)
def _index(input, spec, starts):
    """Basic indexing: spec entries ("i",) select, ("s", length, step) slice, ("n",) insert a dim."""
    if _is_np(input):  # layout replay, in torch's order: None inserts a dim with unsqueeze's stride
        v, d, it = input, 0, iter(starts)
        for e in spec:
            if e[0] == "i":
                v = v[(slice(None),) * d + (next(it), Ellipsis)]
            elif e[0] == "s":
                s = next(it)
                v = v[(slice(None),) * d + (slice(s, s + (e[1] - 1) * e[2] + 1 if e[1] else s, e[2]), Ellipsis)]
                d += 1
            else:
                stride = v.shape[d] * v.strides[d] if d < v.ndim else 1
                v = np_as_strided(v, shape=v.shape[:d] + (1,) + v.shape[d:],
                                  strides=v.strides[:d] + (stride,) + v.strides[d:])
                d += 1
        return v
    dims = [e for e in spec if e[0] != "n"]
    sizes = [1 if e[0] == "i" else (e[1] - 1) * e[2] + 1 if e[1] else 0 for e in dims]
    sizes += list(input.shape[len(dims):])
    zero = jnp.zeros((), jnp.int64)
    start_idx = list(starts) + [zero] * (input.ndim - len(dims))
    v = lax.dynamic_slice(input, start_idx, sizes) if input.ndim else input
    steps = [e[2] if e[0] == "s" else 1 for e in dims]
    if any(s != 1 for s in steps):
        v = v[tuple(slice(None, None, s) for s in steps)]
    shape, d = [], 0
    for e in spec:
        if e[0] == "n":
            shape.append(1)
            continue
        if e[0] == "s":
            shape.append(e[1])
        d += 1
    shape += list(input.shape[len(dims):])
    return v.reshape(shape)


@op(view=True, out=False)
def permute(input, dims):
    """torch.permute."""
    return input.transpose(dims)


@op(view=True, method=False, out=False, grad_name="ViewBackward0")
def _view(input, shape):
    if _is_np(input):  # the strides of a viewable reshape, by torch's rule
        strides = _views.view_strides(input.shape, tuple(input.strides), shape)
        return np_as_strided(input, shape=shape, strides=strides)
    return input.reshape(shape)


@op(view=True, method=False, out=False, grad_name="ExpandBackward0")
def _expand(input, size):
    xp = np if _is_np(input) else jnp
    return xp.broadcast_to(input, size)


@op(view=True, out=False)
def diagonal(input, offset=0, dim1=0, dim2=1):
    """torch.diagonal."""
    return input.diagonal(offset, dim1, dim2)


@op(view=True, method=False, out=False, grad_name="UnfoldBackward0")
def _unfold(input, dimension, size, step):
    n = (input.shape[dimension] - size) // step + 1
    if _is_np(input):
        shape = input.shape[:dimension] + (n,) + input.shape[dimension + 1:] + (size,)
        st = input.strides
        strides = st[:dimension] + (st[dimension] * step,) + st[dimension + 1:] + (st[dimension],)
        return np_as_strided(input, shape=shape, strides=strides)
    idx = jnp.arange(n)[:, None] * step + jnp.arange(size)[None, :]
    v = jnp.take(input, idx.reshape(-1), axis=dimension)
    v = v.reshape(input.shape[:dimension] + (n, size) + input.shape[dimension + 1:])
    return jnp.moveaxis(v, dimension + 1, -1)


# --- composites -----------------------------------------------------------------------------------


def _dims(ndim, *dims):
    return [_wrap_dim(d, ndim) for d in dims]


@composite()
def transpose(input, dim0, dim1):
    """torch.transpose."""
    d0, d1 = _dims(input.ndim, dim0, dim1)
    perm = list(range(input.ndim))
    perm[d0], perm[d1] = perm[d1], perm[d0]
    return rename(permute(input, tuple(perm)), "TransposeBackward0")


swapaxes = composite("swapaxes")(lambda input, axis0, axis1: transpose(input, axis0, axis1))
swapdims = composite("swapdims")(lambda input, dim0, dim1: transpose(input, dim0, dim1))


@composite()
def t(input):
    """torch.t: transpose of a matrix; 0-d and 1-d tensors are returned as they are."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    out = transpose(input, 0, 1) if input.ndim == 2 else permute(input, tuple(range(input.ndim)))
    return rename(out, "TBackward0")


@composite()
def adjoint(input):
    """torch.adjoint."""
    return input.mH


@composite()
def movedim(input, source, destination):
    """torch.movedim."""
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should contain the "
                           f"same number of dims as destination ({dst} dims)")
    src, dst = _dims(input.ndim, *src), _dims(input.ndim, *dst)
    rest = [d for d in range(input.ndim) if d not in src]
    perm = [None] * input.ndim
    for s, d in zip(src, dst):
        perm[d] = s
    it = iter(rest)
    perm = [p if p is not None else next(it) for p in perm]
    return permute(input, tuple(perm))


moveaxis = composite("moveaxis")(lambda input, source, destination: movedim(input, source, destination))


def _reshape_view(input, shape):
    shape = _infer_shape(shape, input.numel())
    return _view(input, shape)


def _infer_shape(shape, numel) -> tuple:
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    if -1 in shape:
        known = math.prod(s for s in shape if s != -1)
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[shape.index(-1)] = numel // known
    if math.prod(shape) != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def view(input, shape):
    """Tensor.view(*shape): a reshape that must not copy."""
    shape = _infer_shape(shape, input.numel())
    if not input.is_contiguous():
        old_shape, strides, _ = input._strided()
        if _views.view_strides(old_shape, strides, shape) is None:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return _view(input, shape)


@composite(method=False)
def reshape(input, shape):
    """torch.reshape: a view when the strides allow it, a copy otherwise."""
    shape = _infer_shape(shape, input.numel())
    if not input.is_contiguous():
        old_shape, strides, _ = input._strided()
        if _views.view_strides(old_shape, strides, shape) is None:
            return _view(input.clone(), shape)
    return _view(input, shape)


@composite()
def squeeze(input, dim=None):
    """torch.squeeze: drop size-1 dims (all, one, or a tuple of them)."""
    shape = input.shape
    if dim is None:
        drop = {i for i, n in enumerate(shape) if n == 1}
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        drop = {d for d in _dims(input.ndim, *dims) if input.ndim and shape[d] == 1}
    out = _view(input, tuple(n for i, n in enumerate(shape) if i not in drop))
    return rename(out, "SqueezeBackward0" if dim is None else "SqueezeBackward1" if isinstance(dim, int)
                  else "SqueezeBackward2")


@composite()
def unsqueeze(input, dim):
    """torch.unsqueeze."""
    nd = input.ndim + 1
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, {nd - 1}], but got {dim})")
    d = dim % nd
    spec = Static(tuple(("s", n, 1) for n in input.shape[:d]) + (("n",),))
    return _index(input, spec, [0] * d)


@composite()
def flatten(input, start_dim=0, end_dim=-1):
    """torch.flatten."""
    if input.ndim == 0:
        return reshape(input, (1,))
    s, e = _dims(input.ndim, start_dim, end_dim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input.shape
    return reshape(input, tuple(shape[:s]) + (math.prod(shape[s:e + 1]),) + tuple(shape[e + 1:]))


@composite()
def unflatten(input, dim, sizes):
    """torch.unflatten."""
    d = _dims(input.ndim, dim)[0]
    sizes = _infer_shape(sizes, input.shape[d])
    return view(input, tuple(input.shape[:d]) + sizes + tuple(input.shape[d + 1:]))


def _slice_dim(input, d, start, length, step=1):
    """The basic-index view input[..., start:start+length*step:step, ...] along dim d."""
    spec = Static(tuple(("s", n, 1) for n in input.shape[:d]) + (("s", length, step),))
    return _index(input, spec, [0] * d + [start])


@composite()
def narrow(input, dim, start, length):
    """torch.narrow."""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _dims(input.ndim, dim)[0]
    start = builtins.int(start)
    size = input.shape[d]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    start %= size if size else 1
    if start + length > size or length < 0:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return _slice_dim(input, d, start, length)


@composite()
def select(input, dim, index):
    """torch.select."""
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _dims(input.ndim, dim)[0]
    size = input.shape[d]
    index = builtins.int(index)
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
                         f"dimension {d}")
    spec = Static(tuple(("s", n, 1) for n in input.shape[:d]) + (("i",),))
    return _index(input, spec, [0] * d + [index % size])


@composite()
def unbind(input, dim=0):
    """torch.unbind."""
    d = _dims(input.ndim, dim)[0]
    return rename(tuple(select(input, d, i) for i in range(input.shape[d])), "UnbindBackward0")


@composite()
def split(tensor, split_size_or_sections, dim=0):
    """torch.split: pieces of `split_size` (the last may be smaller) or of the given sizes."""
    d = _dims(tensor.ndim, dim)[0]
    size = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0 and size:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
        sizes = [min(step, size - i) for i in range(0, size, step)] if step else [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
                               f"at dimension {d}), but got split_sizes={sizes}")
    out, start = [], 0
    for n in sizes:
        out.append(_slice_dim(tensor, d, start, n))
        start += n
    return rename(tuple(out), "SplitBackward0" if isinstance(split_size_or_sections, int) else
                  "SplitWithSizesBackward0")


@composite()
def split_with_sizes(input, split_sizes, dim=0):
    """torch.split_with_sizes."""
    return split(input, list(split_sizes), dim)


@composite()
def chunk(input, chunks, dim=0):
    """torch.chunk: up to `chunks` pieces of ceil(size / chunks)."""
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    d = _dims(input.ndim, dim)[0]
    size = input.shape[d]
    step = max(-(-size // chunks), 1)
    return split(input, step, d) if size else split(input, [0] * chunks, d)


@composite()
def tensor_split(input, indices_or_sections, dim=0):
    """torch.tensor_split: `sections` nearly-equal pieces, or cuts at the given indices."""
    d = _dims(input.ndim, dim)[0]
    size = input.shape[d]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        q, r = divmod(size, n)
        sizes = [q + 1] * r + [q] * (n - r)
        return split(input, sizes, d)
    bounds = [0] + [min(max(i if i >= 0 else i + size, 0), size) for i in indices_or_sections] + [size]
    return tuple(_slice_dim(input, d, a, max(b - a, 0)) for a, b in zip(bounds, bounds[1:]))


def _dsplit_like(name, dim, min_dim):
    def fn(input, indices_or_sections):
        if input.ndim < min_dim:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dim} dimension, but got a tensor "
                               f"with {input.ndim} dimensions!")
        d = 0 if name == "hsplit" and input.ndim == 1 else dim
        if isinstance(indices_or_sections, int) and input.shape[d] % indices_or_sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but the size of the dimension "
                               f"{input.shape[d]} is not divisible by the split_size {indices_or_sections}!")
        return tensor_split(input, indices_or_sections, d)

    fn.__name__ = name
    return composite(name)(fn)


hsplit = _dsplit_like("hsplit", 1, 1)
vsplit = _dsplit_like("vsplit", 0, 2)
dsplit = _dsplit_like("dsplit", 2, 3)


def expand(input, size):
    """Tensor.expand: -1 keeps a dim; new leading dims may be added."""
    size = tuple(size)
    if len(size) < input.ndim:
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(input.shape)}}}, size={list(size)}): the number of "
                           f"sizes provided ({len(size)}) must be greater or equal to the number of dimensions in "
                           f"the tensor ({input.ndim})")
    lead = len(size) - input.ndim
    out = []
    for i, s in enumerate(size):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   "non-existing dimension 0")
            out.append(s)
            continue
        cur = input.shape[i - lead]
        if s == -1:
            s = cur
        elif cur != 1 and s != cur:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(size)}.  Tensor sizes: "
                               f"{list(input.shape)}")
        out.append(s)
    return _expand(input, tuple(out))


def unfold(input, dimension, size, step):
    """Tensor.unfold: sliding windows of `size` every `step` along `dimension`, as a new last dim."""
    d = _dims(input.ndim, dimension)[0] if input.ndim else 0
    n = input.shape[d] if input.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return _unfold(input, d, size, step)


@composite(method=False)
def view_as_real(input):
    """torch.view_as_real (a copy here; see KNOWN_DIFFERENCES)."""
    if not input.is_complex():
        raise RuntimeError("view_as_real is only supported for complex tensors")
    from torchax._ops.pointwise import imag, real
    from torchax._ops.shape import stack

    return stack([real(input), imag(input)], -1)


Tensor.view = lambda self, *shape: (
    _view_dtype(self, shape[0]) if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int))
    and not hasattr(shape[0], "__index__") else view(self, _shape_args(shape)))
Tensor.reshape = lambda self, *shape: reshape(self, _shape_args(shape))
Tensor.permute = lambda self, *dims: permute(self, _shape_args(dims))
Tensor.expand = lambda self, *sizes: expand(self, _shape_args(sizes))
Tensor.unfold = unfold


def _view_dtype(input, dtype):
    """Tensor.view(dtype): reinterpret the bits (a copy here; see KNOWN_DIFFERENCES)."""
    from torchax import _dtype as D
    from torchax._ops.pointwise import _bitcast

    dt = D.as_dtype(dtype)
    if dt.itemsize != input.dtype.itemsize and input.ndim == 0:
        raise RuntimeError("self.dim() cannot be 0 to view " + str(input.dtype) + " as " + str(dt) +
                           " (different element sizes)")
    return _bitcast(input, dt)


def _inplace_view(fn, name, grad_name):
    def method(self, *args, **kwargs):
        """The tensor itself becomes the view (torch's in-place view ops change metadata only)."""
        out = fn(self, *args, **kwargs)
        self._view, self._cache, self._cache_v, self._layout = out._view, out._cache, out._cache_v, None
        if self._base is None:
            self._base = out._base
        if out.grad_fn is not None:
            from torchax.autograd._graph import rename

            # torch's in-place view ops have their own backward overloads: t_ -> TBackward1, squeeze_(dim) -> 4
            rename(out, grad_name(args, kwargs))
            self.grad_fn, self._out_idx, self._requires_grad = out.grad_fn, out._out_idx, True
        return self

    method.__name__ = name
    return method


_TRANSPOSE1 = lambda a, k: "TransposeBackward1"  # noqa: E731
for _n, _f, _g in (("t_", t, lambda a, k: "TBackward1"), ("transpose_", transpose, _TRANSPOSE1),
                   ("squeeze_", squeeze, lambda a, k: "SqueezeBackward4" if a or k else "SqueezeBackward3"),
                   ("unsqueeze_", unsqueeze, lambda a, k: "UnsqueezeBackward1"), ("swapdims_", swapdims, _TRANSPOSE1),
                   ("swapaxes_", swapaxes, _TRANSPOSE1)):
    setattr(Tensor, _n, _inplace_view(_f, _n, _g))


@op(view=True, method=False, out=False, grad_name="AsStridedBackward0")
def _as_strided(input, size, stride, storage_offset):
    if _is_np(input):
        return np_as_strided(input.reshape(-1)[storage_offset:], shape=size, strides=stride)
    idx = jnp.full(size, storage_offset, jnp.int64)
    for d, (n, st) in enumerate(zip(size, stride)):
        idx = idx + (lax.broadcasted_iota(jnp.int64, size, d) * st if n else 0)
    return jnp.take(input.reshape(-1), idx) if input.size else jnp.zeros(size, input.dtype)


@composite(function=True)
def as_strided(input, size, stride, storage_offset=None):
    """torch.as_strided: a view of the tensor's *storage* with the given sizes, strides and offset."""
    size, stride = tuple(builtins.int(n) for n in size), tuple(builtins.int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    offset = input.storage_offset() if storage_offset is None else builtins.int(storage_offset)
    numel = input._storage.value.size
    need = offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if all(size) else 0
    if need > numel:
        item = input.element_size()
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {item} requiring a storage size of {need * item} are out of bounds for storage "
                           f"of size {numel * item}")
    # NOTE: storage-relative, so the chain starts at the storage's base array, not at this view
    base = input if input._view is None else _new_alias(input)
    return _as_strided(base, size, stride, offset)


def _new_alias(t):
    from torchax._tensor import _new

    alias = _new(Tensor, t._storage)
    alias._requires_grad = t._requires_grad
    return alias
