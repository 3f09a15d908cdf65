"""Conformance of views: aliasing of every view kind with its base and siblings, strides, offsets, in-place writes."""

import pytest
from harness import conformance, data


def _base(T, shape=(4, 6)):
    """A float32 base 0, 1, 2, ... of `shape` (distinct values make every misplaced write visible)."""
    n = 1
    for s in shape:
        n *= s
    return T.arange(float(n)).reshape(shape)


# name -> (base shape, view function); every entry is a view in torch (shares the base's storage)
VIEWS = {
    "slice": ((4, 6), lambda a: a[1:]),
    "slice_cols": ((4, 6), lambda a: a[:, 2:5]),
    "slice_negative": ((4, 6), lambda a: a[-3:-1, -2:]),
    "stepped_slice": ((4, 6), lambda a: a[::2, 1::2]),
    "stepped_slice_3": ((4, 6), lambda a: a[1:, ::3]),
    "int_select": ((4, 6), lambda a: a[1]),
    "int_select_col": ((4, 6), lambda a: a[:, -2]),
    "int_and_slice": ((4, 6), lambda a: a[2, 1:4]),
    "scalar_element": ((4, 6), lambda a: a[1, 2]),
    "none_ellipsis": ((2, 3, 4), lambda a: a[None, ..., 1]),
    "ellipsis_slice": ((2, 3, 4), lambda a: a[..., 1:3]),
    "view": ((4, 6), lambda a: a.view(2, 12)),
    "view_flat": ((4, 6), lambda a: a.view(-1)),
    "view_3d": ((4, 6), lambda a: a.view(2, 2, 6)),
    "view_as": ((4, 6), lambda a: a.view_as(a.new_zeros(3, 8))),
    "reshape_viewable": ((4, 6), lambda a: a.reshape(6, 4)),
    "reshape_of_slice": ((4, 6), lambda a: a[1:3].reshape(-1)),
    "t": ((4, 6), lambda a: a.t()),
    "transpose": ((2, 3, 4), lambda a: a.transpose(0, 2)),
    "transpose_fn": ((4, 6), lambda a: a.transpose(1, 0)),
    "swapaxes": ((2, 3, 4), lambda a: a.swapaxes(1, 2)),
    "permute": ((2, 3, 4), lambda a: a.permute(2, 0, 1)),
    "permute_neg": ((2, 3, 4), lambda a: a.permute(-1, -2, -3)),
    "movedim": ((2, 3, 4), lambda a: a.movedim(0, -1)),
    "T": ((4, 6), lambda a: a.T),
    "mT": ((2, 3, 4), lambda a: a.mT),
    "diagonal": ((4, 6), lambda a: a.diagonal()),
    "diagonal_offset": ((4, 6), lambda a: a.diagonal(2)),
    "diagonal_negative": ((4, 6), lambda a: a.diagonal(-1)),
    "diagonal_3d": ((2, 3, 4), lambda a: a.diagonal(0, 0, 2)),
    "unsqueeze": ((4, 6), lambda a: a.unsqueeze(1)),
    "unsqueeze_neg": ((4, 6), lambda a: a.unsqueeze(-1)),
    "squeeze": ((1, 4, 1, 6), lambda a: a.squeeze()),
    "squeeze_dim": ((1, 4, 1, 6), lambda a: a.squeeze(2)),
    "narrow": ((4, 6), lambda a: a.narrow(1, 2, 3)),
    "narrow_rows": ((4, 6), lambda a: a.narrow(0, 1, 2)),
    "select": ((2, 3, 4), lambda a: a.select(1, 2)),
    "select_neg": ((4, 6), lambda a: a.select(-1, -1)),
    "split": ((4, 6), lambda a: a.split(3)[1]),
    "split_sizes": ((4, 6), lambda a: a.split([1, 5], dim=1)[1]),
    "chunk": ((4, 6), lambda a: a.chunk(3, dim=1)[2]),
    "unbind": ((4, 6), lambda a: a.unbind(1)[3]),
    "unbind_rows": ((4, 6), lambda a: a.unbind()[2]),
    "flatten": ((2, 3, 4), lambda a: a.flatten()),
    "flatten_range": ((2, 3, 4), lambda a: a.flatten(1)),
    "unflatten": ((4, 6), lambda a: a.unflatten(1, (2, 3))),
    "expand": ((1, 6), lambda a: a.expand(3, 6)),
    "expand_new_dim": ((4, 6), lambda a: a.expand(2, 4, 6)),
    "unfold": ((4, 6), lambda a: a.unfold(1, 2, 2)),
    "unfold_overlap": ((4, 6), lambda a: a.unfold(1, 3, 1)),
    "chain_t_slice": ((4, 6), lambda a: a.t()[1:]),
    "chain_slice_view_slice": ((4, 6), lambda a: a[1:].view(-1)[2:]),
    "chain_t_slice_col": ((4, 6), lambda a: a.t()[1:][:, 2]),
    "chain_deep": ((4, 6), lambda a: a[:, 1:].t().unsqueeze(0)[0, 2]),
    "chain_permute_diag": ((2, 3, 4), lambda a: a.permute(1, 0, 2)[1:].diagonal(0, 0, 2)),
    "chain_view_t_select": ((4, 6), lambda a: a.view(3, 8).t()[::2].select(1, 1)),
    "detach": ((4, 6), lambda a: a.detach()),
    "data": ((4, 6), lambda a: a.data),
}
# views whose elements overlap (several view elements are one base element): element-wise writes are skipped
OVERLAPPING = {"expand", "expand_new_dim", "unfold_overlap"}
# variants of a kind already written through elsewhere in the table (kept for the cheaper read test only)
READ_ONLY_VARIANTS = {"slice_negative", "stepped_slice_3", "int_select_col", "transpose_fn", "permute_neg",
                      "unsqueeze_neg", "narrow_rows", "select_neg", "unbind_rows", "flatten_range", "view_as",
                      "view_3d", "chain_t_slice", "diagonal_negative", "split_sizes", "swapaxes", "data"}
WRITE_KINDS = [n for n in VIEWS if n not in OVERLAPPING | READ_ONLY_VARIANTS]


def _layout(T, a, v):
    """What torch reports about a view's layout relative to its base."""
    return (v.shape, v.stride(), v.storage_offset(), v.is_contiguous(), v.data_ptr() - a.data_ptr(),
            v.untyped_storage().data_ptr() == a.untyped_storage().data_ptr())


# a few kinds (one per primitive) for the costlier copy_-through-the-view test
COPY_KINDS = ["slice", "stepped_slice", "scalar_element", "t", "diagonal_offset", "unsqueeze", "unbind", "chain_deep"]


@pytest.mark.parametrize("name", list(VIEWS))
@conformance()
def test_view_reads_base(T, name):
    """Each view kind: values, shape, stride(), storage_offset(), is_contiguous(), data_ptr() offset, and the
    values of the view (and of a view of it) after the base is written (copy_, setitem of one element, fill_)."""
    shape, fn = VIEWS[name]
    a = _base(T, shape)
    v = fn(a)
    w = v[None]  # a view of the view, taken before the base changes
    before = (v.tolist(), _layout(T, a, v))
    a.copy_(T.tensor(data(shape, seed=1)))
    after_copy = (v.tolist(), w.tolist())
    a[(0,) * a.dim()] = 100.0
    after_element = v.tolist()
    a.fill_(2.5)
    return before, after_copy, after_element, v, w


@pytest.mark.parametrize("name", WRITE_KINDS)
@conformance()
def test_view_write_reaches_base_and_siblings(T, name):
    """A write through a view (setitem of one element) shows in the base and in other views of the base; a write
    through a view of that view (zero_) shows in the base, the first view and the siblings."""
    shape, fn = VIEWS[name]
    a = _base(T, shape)
    sibling_flat, sibling_t = a.view(-1), a.transpose(0, -1)
    v = fn(a)
    v[(0,) * v.dim()] = -100.0
    after_element = (a.tolist(), sibling_flat.tolist(), sibling_t.tolist())
    w = v[None]  # a view of the view
    w.zero_()
    return after_element, a, sibling_flat, sibling_t, v, w


@pytest.mark.parametrize("name", COPY_KINDS)
@conformance()
def test_view_copy_into(T, name):
    """v.copy_(src) and v.fill_() through a view write the base; v.copy_(0-dim) broadcasts."""
    shape, fn = VIEWS[name]
    a = _base(T, shape)
    v = fn(a)
    v.copy_(T.tensor(data(tuple(v.shape), seed=2)))
    first = a.tolist()
    v.fill_(-1.0)
    second = a.tolist()
    v.copy_(T.tensor(-3.0))
    return first, second, a, v


# --- in-place ops through views -------------------------------------------------------------------


@conformance()
def test_inplace_ops_through_views(T):
    """a[:, 0].add_(1), a.t().mul_(2), a.diagonal().zero_(), a[1].sub_(), a.T.div_() update the base."""
    a = _base(T)
    t = a.t()
    col = a[:, 0]
    col.add_(1)
    s1 = a.clone()
    t.mul_(2)
    s2 = a.clone()
    a.diagonal().zero_()
    s3 = a.clone()
    a[1].sub_(T.ones(6))
    a.T[2:].div_(4)
    return s1, s2, s3, a, t, col


@conformance()
def test_inplace_returns_self(T):
    """In-place methods return the very tensor they were called on (views included)."""
    x, y = _base(T), T.ones(4, 6)
    v = x[1:]
    return (x.add_(y) is x, x.mul_(2) is x, x.zero_() is x, x.fill_(1) is x, x.copy_(y) is x, v.add_(1) is v,
            x.t().clone().add_(1).shape, x, v)


@conformance()
def test_diagonal_fill(T):
    """diagonal().fill_() and diagonal(offset).copy_() write the base's diagonal."""
    a = _base(T)
    a.diagonal().fill_(-1)
    a.diagonal(1).copy_(T.tensor([10.0, 20.0, 30.0, 40.0]))
    a.diagonal(-2).fill_(0)
    b = _base(T, (2, 3, 4))
    b.diagonal(0, 1, 2).fill_(5)
    return a, b


@conformance()
def test_inplace_on_overlapping_view_raises(T):
    """Writes through expand() with add_/copy_ raise; fill_/zero_/setitem of expanded/unfolded views are allowed."""
    a = _base(T, (1, 6))
    e = a.expand(3, 6)
    e.fill_(2.0)
    after_fill = a.clone()
    e[1, 2] = 9.0
    after_set = a.clone()
    b = _base(T)
    b.unfold(1, 3, 1).zero_()
    return after_fill, after_set, a, e, b


@pytest.mark.parametrize("op", ["add_", "copy_", "mul_"])
@conformance(errors=True)
def test_inplace_on_expanded_raises(T, op):
    """add_/copy_/mul_ into an expanded view raise RuntimeError (one element written several times)."""
    e = _base(T, (1, 6)).expand(3, 6)
    return getattr(e, op)(T.ones(3, 6))


# --- detach / data --------------------------------------------------------------------------------


@conformance()
def test_detach_and_data_share_storage(T):
    """.data and detach() share storage with the original in both directions."""
    a = _base(T)
    d, dd = a.detach(), a.data
    d[0] = 5.0
    s1 = (a.clone(), dd.clone())
    a[1] = 7.0
    s2 = (d.clone(), dd.clone())
    dd[2, 3] = -1.0
    return s1, s2, a, d, dd, d is a, dd is a, d.data_ptr() == a.data_ptr()


@conformance()
def test_detach_of_view(T):
    """detach() of a view is a view of the same storage."""
    a = _base(T)
    d = a[1:].t().detach()
    d[0, 0] = 99.0
    a[2, 1] = -5.0
    return a, d, d.stride(), d.storage_offset()


@conformance()
def test_data_assignment(T):
    """Assigning .data replaces the contents (and shape) of the tensor object."""
    a = _base(T)
    b = a
    a.data = T.ones(2, 2)
    return a, b is a, a.shape


# --- setitem --------------------------------------------------------------------------------------

_MASK = data((4, 6), dtype="bool") & False
_MASK[0, 1] = _MASK[2, 3] = _MASK[3, 0] = True
SETITEMS = {
    "int": lambda T, a: a.__setitem__(1, 5.0),
    "neg_int": lambda T, a: a.__setitem__(-1, 5.0),
    "element": lambda T, a: a.__setitem__((2, 3), -1.0),
    "slice": lambda T, a: a.__setitem__(slice(1, 3), 0.0),
    "stepped": lambda T, a: a.__setitem__((slice(None, None, 2), slice(1, None, 2)), 9.0),
    "row_tensor": lambda T, a: a.__setitem__(0, T.arange(6.0) * 10),
    "col_broadcast": lambda T, a: a.__setitem__((slice(None), 1), T.tensor([1.0, 2.0, 3.0, 4.0])),
    "block_broadcast_row": lambda T, a: a.__setitem__(slice(1, 3), T.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])),
    "block_broadcast_col": lambda T, a: a.__setitem__((slice(None), slice(0, 2)), T.tensor([[1.0], [2.0], [3.0],
                                                                                             [4.0]])),
    "ellipsis": lambda T, a: a.__setitem__((Ellipsis, 2), -7.0),
    "none": lambda T, a: a.__setitem__((None, 1), T.ones(1, 6)),
    "adv_rows": lambda T, a: a.__setitem__([0, 2], 1.0),
    "adv_rows_tensor": lambda T, a: a.__setitem__(T.tensor([3, 1]), T.tensor([[1.0] * 6, [2.0] * 6])),
    "adv_pairs": lambda T, a: a.__setitem__((T.tensor([0, 1, 3]), T.tensor([5, 0, 2])), T.tensor([7.0, 8.0, 9.0])),
    "adv_with_slice": lambda T, a: a.__setitem__((slice(1, 3), [0, 4]), 0.5),
    "adv_int_mix": lambda T, a: a.__setitem__((0, [1, 3]), T.tensor([-2.0, -3.0])),
    "adv_negative": lambda T, a: a.__setitem__(([-1, -2], [-1, 0]), 3.0),
    "bool_mask_rows": lambda T, a: a.__setitem__(T.tensor([True, False, True, False]), -1.0),
    "bool_mask_full": lambda T, a: a.__setitem__(a > 10, 0.0),
    "bool_mask_values": lambda T, a: a.__setitem__(T.tensor(_MASK), T.tensor([-1.0, -2.0, -3.0])),
    "bool_mask_col": lambda T, a: a.__setitem__((slice(None), T.tensor([True, False] * 3)), 4.0),
    "python_bool": lambda T, a: a.__setitem__(True, 1.0),
    "int_value_to_float": lambda T, a: a.__setitem__(0, 3),
    "zero_dim_tensor_value": lambda T, a: a.__setitem__(1, T.tensor(2.5)),
    "float64_value": lambda T, a: a.__setitem__(2, T.tensor([0.1] * 6, dtype=T.float64)),
    "int_tensor_value": lambda T, a: a.__setitem__(3, T.arange(6)),
    "empty_index": lambda T, a: a.__setitem__(T.tensor([], dtype=T.int64), 1.0),
}


@pytest.mark.parametrize("name", list(SETITEMS))
@conformance()
def test_setitem(T, name):
    """Tensor.__setitem__ with basic, advanced and bool-mask indices, broadcast and dtype-cast values."""
    a = _base(T)
    view = a[1:]
    SETITEMS[name](T, a)
    return a, view


@pytest.mark.parametrize("name", ["element", "stepped", "col_broadcast", "block_broadcast_col", "ellipsis", "none",
                                  "adv_pairs", "adv_with_slice", "bool_mask_full", "bool_mask_values",
                                  "float64_value"])
@conformance()
def test_setitem_into_view(T, name):
    """The same setitems applied to a transposed-then-sliced view land in the base."""
    base = _base(T, (6, 5))
    a = base.t()[1:]  # shape (4, 6), non-contiguous, offset 1
    SETITEMS[name](T, a)
    return base, a


@conformance()
def test_setitem_view_masks(T):
    """v[v > 10] = 0 and v[[0, 1], 2] = -1 on a slice of the base."""
    a = _base(T)
    v = a[1:]
    v[[0, 1], 2] = -1.0
    v[v > 15] = 0.0
    return a, v


@pytest.mark.parametrize("case", ["shape_mismatch", "too_many_indices", "out_of_range", "float_index",
                                  "negative_step", "zero_step", "uint8_overflow"])
@conformance(errors=True)
def test_setitem_errors(T, case):
    """Bad setitems raise torch's exception types."""
    a = _base(T)
    if case == "shape_mismatch":
        a[0] = T.ones(5)
    elif case == "too_many_indices":
        a[0, 0, 0] = 1.0
    elif case == "out_of_range":
        a[4] = 1.0
    elif case == "float_index":
        a[T.tensor([0.5])] = 1.0
    elif case == "negative_step":
        a[::-1] = 1.0
    elif case == "zero_step":
        a[:, ::0] = 1.0
    else:
        T.zeros(3, dtype=T.uint8)[0] = 300


@pytest.mark.parametrize("index", [(slice(None, None, -1),), (slice(None), slice(None, None, 0))], ids=repr)
@conformance(errors=True)
def test_getitem_bad_step_raises(T, index):
    """Negative and zero slice steps raise ValueError (torch has no negative strides)."""
    return _base(T)[index]


@conformance()
def test_setitem_casts_values(T):
    """Values are cast to the destination dtype: float -> int truncates, numbers -> bool."""
    a = T.arange(6).reshape(2, 3)
    a[0] = 2.7
    a[1, 1:] = T.tensor([-1.9, 3.5])
    b = T.zeros(3, dtype=T.bool)
    b[1] = 5
    b[2] = 0.0
    u = T.zeros(3, dtype=T.uint8)
    u[1:] = T.tensor([255, 7])
    return a, b, u


# --- contiguity, view vs reshape ------------------------------------------------------------------


@conformance()
def test_contiguous(T):
    """contiguous() returns self when contiguous and a copy (no aliasing) otherwise."""
    a = _base(T)
    t = a.t()
    c = t.contiguous()
    c[0, 0] = 100.0
    return (a.contiguous() is a, a[1:].contiguous().is_contiguous(), t.contiguous() is t, c.is_contiguous(),
            c.stride(), t.stride(), a, c, t.is_contiguous(), a[:, 1:].is_contiguous(), a[1:].is_contiguous(),
            a[:, :1].is_contiguous(), a[::2].is_contiguous(), _base(T, (4, 1)).t().is_contiguous())


@conformance(errors=True)
def test_view_non_viewable_raises(T):
    """view() of a transposed tensor whose dims cannot merge raises RuntimeError."""
    return _base(T).t().view(-1)


@conformance(errors=True)
def test_view_chain_non_viewable_raises(T):
    """a.t()[1:].view(-1) cannot be a view."""
    return _base(T).t()[1:].view(-1)


@conformance()
def test_reshape_copies_when_not_viewable(T):
    """reshape() of a non-viewable tensor copies: later writes do not propagate either way."""
    a = _base(T)
    r = a.t().reshape(-1)
    r[0] = 100.0
    a[0, 1] = -5.0
    return a, r, r.is_contiguous(), r.data_ptr() == a.data_ptr()


@conformance()
def test_view_shapes(T):
    """view() with -1 inference, with Size and tuple arguments, and on empty/0-dim tensors."""
    a = _base(T)
    return (a.view(-1, 3), a.view(3, -1, 2), a.view((2, -1)), a.view(T.Size([24])), a.view(1, 24, 1),
            T.zeros(0, 3).view(-1, 3).shape, T.tensor(5.0).view(1), T.tensor([5.0]).view(()), a.view(24, 1).stride())


@pytest.mark.parametrize("shape", [(-1, -1), (5, -1), (7,), (25,), (-2, 12), (0, -1)], ids=repr)
@conformance(errors=True)
def test_view_bad_shape_raises(T, shape):
    """view() with two -1s, a negative size, or a size that does not match raises RuntimeError."""
    return _base(T).view(*shape)


@conformance()
def test_data_ptr(T):
    """data_ptr() of views is the base pointer plus offset * itemsize; untyped storage pointers are equal."""
    a = _base(T)
    s = a.untyped_storage()
    return (a[0].data_ptr() == a.data_ptr(), a[1].data_ptr() - a.data_ptr(), a[:, 2].data_ptr() - a.data_ptr(),
            a.t().data_ptr() == a.data_ptr(), a.clone().data_ptr() == a.data_ptr(),
            a.view(-1).data_ptr() == a.data_ptr(),
            a[1:].untyped_storage().data_ptr() == s.data_ptr(), a.t().untyped_storage().data_ptr() == s.data_ptr(),
            s.nbytes(), a[2:].untyped_storage().nbytes(), a.detach().data_ptr() == a.data_ptr(),
            T.tensor([1, 2], dtype=T.int64)[1:].storage_offset())


@conformance()
def test_strides_dtypes(T):
    """Strides count elements, not bytes, for every element size."""
    out = []
    for d in [T.float64, T.int8, T.bool]:
        x = T.zeros(2, 3, 4, dtype=d)
        out.append((x.stride(), x.stride(1), x.stride(-1), x.permute(2, 0, 1).stride(), x[:, 1].stride(),
                    x[:, 1].storage_offset(), x[1, 2].data_ptr() - x.data_ptr()))
    return out


# --- split/chunk/unbind as pieces -----------------------------------------------------------------


@conformance()
def test_split_pieces_alias(T):
    """All pieces of split/chunk/unbind alias the base; writing each piece fills the base."""
    a = _base(T)
    for i, p in enumerate(a.split(2, dim=1)):
        p.fill_(float(i))
    s1 = a.clone()
    for i, p in enumerate(a.chunk(2)):
        p[0] = -float(i)
    s2 = a.clone()
    rows = a.unbind()
    for i, r in enumerate(rows):
        r[i] = 100.0 + i
    return s1, s2, a, rows


@conformance()
def test_unfold_reading(T):
    """unfold() windows read the base's current values."""
    a = _base(T)
    u = a.unfold(1, 2, 2)
    u2 = a.unfold(0, 2, 1)
    a[:, 1] = -1.0
    return u, u2, u.stride(), u2.stride(), u.shape


@conformance()
def test_expand_reading(T):
    """expand() reads the base's current values; stride 0 along expanded dims."""
    a = _base(T, (4, 1))
    e = a.expand(4, 3)
    e2 = a.expand(2, -1, 5)
    a[2, 0] = -9.0
    return e, e2, e.stride(), e2.stride(), e.is_contiguous(), a.expand_as(T.zeros(4, 2))


# --- copies vs views, augmented assignment, metadata in-place ops ---------------------------------


@conformance()
def test_advanced_getitem_copies(T):
    """Advanced (list/tensor/bool-mask) indexing returns a copy: writes to it do not reach the base."""
    a = _base(T)
    c1, c2, c3 = a[[0, 1]], a[T.tensor([2, 3]), 1:], a[a > 20]
    c1[0] = 100.0
    c2.fill_(-1.0)
    c3.zero_()
    return a, c1, c2, c3, a[[0, 1]].is_contiguous()


@conformance()
def test_chained_setitem(T):
    """a[0][1] = x, a[:, 1][2] = x and a[1:][0, 0] = x write the base through temporary views."""
    a = _base(T)
    a[0][1] = 3.0
    a[:, 1][2] = 7.0
    a[1:][0, 0] = -1.0
    a[2][1:][::2] = 0.5
    a[...][3, 5] = 9.0
    a[:][3, 4] = 8.0
    return a, a[...].data_ptr() == a.data_ptr(), a[:].data_ptr() == a.data_ptr()


@conformance()
def test_augmented_assignment(T):
    """v += 1 on a view and a[idx] op= x (getitem, in-place op, setitem) update the base."""
    a = _base(T)
    v = a[1:]
    v += 1
    s1 = a.clone()
    a[:, 0] *= 2
    a[2:] -= a[0]
    a[[0, 3], 1] += 100
    a.T[0] /= 2
    return s1, a, v


@conformance()
def test_inplace_metadata_ops(T):
    """t_(), unsqueeze_(), squeeze_(), transpose_() change the tensor itself and return it."""
    x = _base(T, (2, 3))
    r = x.t_()
    s1 = (r is x, x.shape, x.stride(), x.clone())
    x.unsqueeze_(0)
    s2 = (x.shape, x.stride())
    x.squeeze_()
    x.transpose_(0, 1)
    return s1, s2, x, x.shape, x.stride(), x.is_contiguous()


@conformance()
def test_real_imag_views(T):
    """.real / .imag of a complex tensor are views: writes through them change the complex tensor."""
    z = T.tensor([1 + 2j, 3 - 4j, -5 + 0.5j])
    re, im = z.real, z.imag
    re.fill_(0.0)
    im[1] = 9.0
    r = T.view_as_real(z)
    r[2, 0] = 7.0
    return z, re, im, r, r.stride(), re.stride(), im.storage_offset()


@conformance()
def test_as_strided(T):
    """as_strided reads the base's storage with explicit sizes, strides and offset."""
    a = _base(T)
    s = a.as_strided((2, 2), (1, 6), 1)
    a[0, 1] = -3.0
    return s, s.stride(), s.storage_offset(), T.as_strided(a, (3,), (7,))


@conformance()
def test_view_dtype_reinterprets(T):
    """view(dtype) of the same element size reinterprets the bits and shares storage."""
    a = T.arange(4.0)
    i = a.view(T.int32)
    i[0] = 1065353216  # the bits of 1.0f
    return a, i, a.view(T.float32) is a, T.tensor([1, -1], dtype=T.int16).view(T.uint8).shape


@conformance()
def test_zero_dim_false_mask(T):
    """x[False] adds a leading dim of size 0 (x[True] one of size 1)."""
    x = T.arange(6).view(2, 3)
    return x[True], x[False], x[T.tensor(False)].shape
