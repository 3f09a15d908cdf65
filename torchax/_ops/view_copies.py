"""The copy and scatter forms of view ops (torch.diagonal_copy, torch.slice_scatter, ...), and small aliases.

`<view>_copy(x, ...)` is the view's values in new storage; `<view>_scatter(x, src, ...)` is a copy of x with the
view's elements replaced by src. Both are composed as torch's decompositions compose them: a view of a clone,
written through (autograd follows the in-place write on the view).
"""

from __future__ import annotations

from torchax._registry import composite

__all__ = ["alias_copy", "as_strided_copy", "diagonal_copy", "expand_copy", "permute_copy", "squeeze_copy", "t_copy",
           "transpose_copy", "unbind_copy", "unfold_copy", "unsqueeze_copy", "view_copy", "split_with_sizes_copy",
           "diagonal_scatter", "select_scatter", "slice_scatter", "as_strided_scatter", "fill", "unsafe_chunk",
           "unsafe_split", "empty_permuted"]


def _write_out(out, result):
    if out is None:
        return result
    if isinstance(result, (list, tuple)):
        for o, r in zip(out, result):
            o.copy_(r)
        return out
    return out.copy_(result)


def _copy_variant(view: str, many: bool = False):
    def fn(input, *args, out=None, **kwargs):
        result = input if view == "alias" else getattr(input, view)(*args, **kwargs)
        result = [t.clone() for t in result] if many else result.clone()
        return _write_out(out, result)

    fn.__name__ = fn.__qualname__ = view + "_copy"
    fn.__doc__ = f"torch.{view}_copy: the values of `{view}` in new storage."
    return composite(view + "_copy", method=False)(fn)


alias_copy = _copy_variant("alias")
as_strided_copy = _copy_variant("as_strided")


def check_diagonal_dims(ndim: int, dim1, dim2) -> None:
    """torch.diagonal's argument checks: each dim in range (IndexError), the two dims distinct."""
    from torchax._tensor import _wrap_dim

    d1, d2 = _wrap_dim(dim1, ndim), _wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")


@composite("diagonal_copy", method=False)
def diagonal_copy(input, offset=0, dim1=0, dim2=1, *, out=None):
    """torch.diagonal_copy: the values of `diagonal` in new storage."""
    check_diagonal_dims(input.ndim, dim1, dim2)
    return _write_out(out, input.diagonal(offset, dim1, dim2).clone())


expand_copy = _copy_variant("expand")
permute_copy = _copy_variant("permute")
squeeze_copy = _copy_variant("squeeze")
t_copy = _copy_variant("t")
transpose_copy = _copy_variant("transpose")
unbind_copy = _copy_variant("unbind", many=True)
unfold_copy = _copy_variant("unfold")
unsqueeze_copy = _copy_variant("unsqueeze")
view_copy = _copy_variant("view")
split_with_sizes_copy = _copy_variant("split_with_sizes", many=True)


def _scatter(input, src, view):
    out = input.clone()
    view(out).copy_(src)
    return out


@composite()
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """torch.diagonal_scatter."""
    return _scatter(input, src, lambda t: t.diagonal(offset, dim1, dim2))


@composite()
def select_scatter(input, src, dim, index):
    """torch.select_scatter."""
    return _scatter(input, src, lambda t: t.select(dim, index))


@composite()
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """torch.slice_scatter."""
    d = dim % max(input.ndim, 1)
    key = (slice(None),) * d + (slice(start, end, step),)
    return _scatter(input, src, lambda t: t[key])


@composite()
def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """torch.as_strided_scatter."""
    return _scatter(input, src, lambda t: t.as_strided(size, stride, storage_offset))


@composite(method=False)
def fill(input, value):
    """torch.fill: a new tensor of input's shape and dtype filled with value (a number or 0-dim tensor)."""
    from torchax._ops.comparison import where
    from torchax._ops.creation import full_like, ones_like
    from torchax._tensor import Tensor

    if isinstance(value, Tensor):  # the gradient flows to value (summed), zero to input
        if value.ndim:
            raise RuntimeError(f"fill only supports 0-dimension value tensor but got tensor with {value.ndim} "
                               "dimensions.")
        filled = value.to(input.dtype).expand(input.shape)
    else:
        filled = full_like(input, value)
    return where(ones_like(input, dtype=bool), filled, input)  # input gets a zero gradient, as in torch


@composite()
def unsafe_chunk(input, chunks, dim=0):
    """torch.unsafe_chunk (chunk; torchax has no storage-sharing hazard to warn about)."""
    return input.chunk(chunks, dim)


@composite()
def unsafe_split(input, split_size, dim=0):
    """torch.unsafe_split (split)."""
    return input.split(split_size, dim)


@composite(function=False)
def sum_to_size(self, *size):
    """Tensor.sum_to_size: sum the dims broadcast from `size` (leading dims, and dims of size 1)."""
    size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (list, tuple)) else tuple(size)
    lead = self.ndim - len(size)
    if lead < 0 or any(s not in (1, n) for s, n in zip(size, self.shape[lead:])):
        raise RuntimeError(f"size {{{', '.join(map(str, size))}}} is not expandable to size "
                           f"{{{', '.join(map(str, self.shape))}}}.")
    dims = list(range(lead)) + [lead + i for i, s in enumerate(size) if s == 1 and self.shape[lead + i] != 1]
    out = self.sum(dims, keepdim=True) if dims else self
    return out.reshape(size) if lead else out


@composite(function=False)
def __rdiv__(self, other):  # noqa: N807 - torch's name
    """Tensor.__rdiv__ (other / self)."""
    return self.__rtruediv__(other)


@composite(function=False)
def new_empty_strided(self, size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                      pin_memory=False):
    """Tensor.new_empty_strided (torchax tensors have no user-visible strides: new_empty)."""
    return self.new_empty(size, dtype=dtype, device=device, requires_grad=requires_grad)


@composite(method=False)
def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad=False,
                   pin_memory=False):
    """torch.empty_permuted (the physical layout is not observable in torchax: empty)."""
    from torchax._ops.creation import empty

    if sorted(physical_layout) != list(range(len(size))):
        raise RuntimeError("Dimension order must be a permutation of the dimensions")
    return empty(tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)

