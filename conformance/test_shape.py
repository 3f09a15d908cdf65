"""Conformance of the copying shape ops: cat/stack, repeat/tile, flip/roll/rot90, tril/triu, diag, broadcasting."""

import warnings

import pytest
from harness import conformance, tensor

DTYPES = ["float32", "int64", "bool"]


def _messages(caught):
    return [(w.category.__name__, str(w.message).split(" (Triggered internally")[0]) for w in caught]


# --- warnings that torch gives once per process (keep these tests first: nothing above may trigger them) ---


@conformance()
def test_meshgrid_warns_once_without_indexing(T):
    """torch warns (once) that `indexing` will be required."""
    a, b = T.arange(2), T.arange(3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first, second = T.meshgrid(a, b), T.meshgrid([a, b])
    return first, second, _messages(caught)


# --- cat and the stacks --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_cat_stack_family(T, dtype):
    a, b = tensor(T, (2, 3), dtype=dtype), tensor(T, (2, 3), dtype=dtype, seed=1)
    v, s = tensor(T, (3,), dtype=dtype, seed=2), tensor(T, (), dtype=dtype, seed=3)
    empty = T.zeros(0, dtype=a.dtype)
    return (T.cat([a, b]), T.cat((a, b), dim=-1), T.cat([a, empty, b], 1), T.cat([empty, v]), T.cat([a]),
            T.cat([empty, empty]), T.cat([T.zeros(0, 3, dtype=a.dtype), a]), T.concat([a, b], 1),
            T.concatenate([a, b], axis=-2), T.concatenate((a, b), dim=1),
            T.stack([a, b]), T.stack([a, b], -1), T.stack((a, b), dim=1), T.stack([s, s]), T.stack([v]),
            T.hstack([a, b]), T.hstack([v, s]), T.vstack([a, v]), T.vstack([s, s]), T.row_stack([a, b]),
            T.dstack([a, b]), T.dstack([v, v]), T.dstack([s]), T.column_stack([v, a.T]), T.column_stack([s, s]))


@pytest.mark.parametrize("dtypes", [("float32", "int64"), ("int64", "bool"), ("float32", "float64"),
                                    ("int32", "uint8"), ("bfloat16", "float16"), ("bool", "bool")])
@conformance()
def test_cat_stack_promote(T, dtypes):
    a, b = tensor(T, (2, 3), dtype=dtypes[0]), tensor(T, (2, 3), dtype=dtypes[1], seed=1)
    s = tensor(T, (), dtype=dtypes[1], seed=2)
    return (T.cat([a, b]), T.cat([b, a], 1), T.stack([a, b]), T.hstack([a, b]), T.vstack([b, a]),
            T.dstack([a, b]), T.column_stack([a, b]), T.block_diag(a, s), T.block_diag(s, a))


@conformance()
def test_cat_legacy_empty_takes_part_in_promotion(T):
    return T.cat([T.tensor([], dtype=T.float64), tensor(T, (2, 3), dtype="int64")]), T.cat([T.tensor([]), T.arange(2)])


@conformance()
def test_cat_stack_out(T):
    a, b = tensor(T, (2, 3)), tensor(T, (2, 3), seed=1)
    o1, o2, o3, o4 = T.empty(0), T.empty(4, 3, dtype=T.float64), T.empty(0), T.empty(0)
    r = T.cat([a, b], out=o1)
    T.cat([a, b], out=o2)
    T.stack([a, b], 1, out=o3)
    T.hstack([a, b], out=o4)
    return r is o1, o1, o2, o3, o4


CAT_ERRORS = {
    "ndim": lambda T: T.cat([tensor(T, (2, 3)), tensor(T, (2, 3, 1))]),
    "ndim_1d": lambda T: T.cat([tensor(T, (2, 3)), tensor(T, (2,))]),
    "size": lambda T: T.cat([tensor(T, (2, 3)), tensor(T, (3, 3))], 1),
    "size_legacy_2d_empty": lambda T: T.cat([T.zeros(0, 2), tensor(T, (2, 3))]),
    "zero_dim": lambda T: T.cat([tensor(T, ()), tensor(T, ())]),
    "empty_list": lambda T: T.cat([]),
    "dim_high": lambda T: T.cat([tensor(T, (2, 3))], 2),
    "dim_low": lambda T: T.cat([tensor(T, (2, 3))], -3),
    "not_a_list": lambda T: T.cat(tensor(T, (2, 3))),
    "out_cast": lambda T: T.cat([tensor(T, (2, 3))], out=T.empty(0, dtype=T.int64)),
    "concatenate_positional_out": lambda T: T.concatenate([tensor(T, (2, 3))], 0, T.empty(0)),
    "stack_size": lambda T: T.stack([tensor(T, (2, 3)), tensor(T, (1, 3))]),
    "stack_empty": lambda T: T.stack([]),
    "stack_dim": lambda T: T.stack([tensor(T, (2, 3))], 3),
    "stack_not_a_list": lambda T: T.stack(tensor(T, (2, 3))),
    "hstack_empty": lambda T: T.hstack([]),
    "vstack_size": lambda T: T.vstack([tensor(T, (2, 3)), tensor(T, (2,))]),
    "column_stack_size": lambda T: T.column_stack([tensor(T, (2,)), tensor(T, (3, 2))]),
}


@pytest.mark.parametrize("case", CAT_ERRORS)
@conformance(errors=True)
def test_cat_stack_errors(T, case):
    return CAT_ERRORS[case](T)


# --- copies never alias their input; the view-defined ones do ---------------------------------------------------


@conformance()
def test_results_do_not_alias_input(T):
    x = tensor(T, (2, 3))
    outs = [T.cat([x]), T.concat([x, x]), T.stack([x])[0], T.hstack([x]), T.vstack([x]), T.column_stack([x]),
            x.flip(0), T.flip(x, ()), T.fliplr(x), T.flipud(x), T.roll(x, 1), T.roll(x, 0), T.rot90(x, 0),
            T.rot90(x, 4), x.repeat(1, 1), T.tile(x, (1,)), x.repeat_interleave(1, 0), T.tril(x, 5), T.triu(x, -5),
            T.narrow_copy(x, 0, 0, 2), T.block_diag(x), T.diag(x), T.diagflat(x)]
    for o in outs:
        o.fill_(7.0)
    return x, outs


@conformance()
def test_view_defined_results_alias_input(T):
    x, v, s = tensor(T, (2, 3)), tensor(T, (3,), seed=1), tensor(T, (), seed=2)
    T.ravel(x)[4] = 10.0
    T.atleast_2d(v)[0, 1] = 11.0
    T.atleast_1d(s)[0] = 12.0
    T.atleast_3d(x)[1, 0, 0] = 13.0
    T.broadcast_tensors(x, s)[0][0, 0] = 14.0
    T.meshgrid(v, v, indexing="ij")[0][2, 0] = 15.0
    return x, v, s, T.atleast_1d(x) is x, T.atleast_2d(x) is x, T.cartesian_prod(v) is v


@conformance(errors=True)
def test_broadcast_to_result_is_a_view_that_cannot_be_written(T):
    T.broadcast_to(tensor(T, (3,)), (2, 3)).add_(1)


# --- repeat, tile, repeat_interleave ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_repeat_tile(T, dtype):
    x, s = tensor(T, (2, 3), dtype=dtype), tensor(T, (), dtype=dtype, seed=1)
    return (x.repeat(2, 1, 2), x.repeat((1, 2)), x.repeat([2, 1]), x.repeat(0, 2), s.repeat(2, 3), s.repeat(()),
            x.repeat(T.Size([1, 1, 1])), T.tile(x, (2,)), T.tile(x, (2, 1, 1)), T.tile(x, ()), x.tile(2),
            x.tile((1, 2)), x.tile(2, 1), T.tile(s, (2,)), T.tile(x, [0, 1]))


REPEAT_ERRORS = {
    "repeat_too_few": lambda T: tensor(T, (2, 3)).repeat(2),
    "repeat_negative": lambda T: tensor(T, (2, 3)).repeat(-1, 2),
    "tile_negative": lambda T: T.tile(tensor(T, (2, 3)), (-1,)),
    "tile_int": lambda T: T.tile(tensor(T, (2, 3)), 2),
}


@pytest.mark.parametrize("case", REPEAT_ERRORS)
@conformance(errors=True)
def test_repeat_tile_errors(T, case):
    return REPEAT_ERRORS[case](T)


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_repeat_interleave(T, dtype):
    x, s = tensor(T, (2, 3), dtype=dtype), tensor(T, (), dtype=dtype, seed=1)
    reps = T.tensor([1, 2])
    return (T.repeat_interleave(x, 2), T.repeat_interleave(x, 2, 1), x.repeat_interleave(2, dim=-1),
            T.repeat_interleave(x, 0, 0), T.repeat_interleave(x, reps, 0), T.repeat_interleave(x, reps, dim=0,
                                                                                              output_size=3),
            T.repeat_interleave(x, T.tensor([2]), 1), T.repeat_interleave(x, T.tensor(2), 1),
            T.repeat_interleave(x, T.tensor([0, 1, 2], dtype=T.int32), -1), T.repeat_interleave(x, T.tensor([3])),
            T.repeat_interleave(s, 2), T.repeat_interleave(x, 2, 0, output_size=4), x.repeat_interleave(reps, 0))


@conformance()
def test_repeat_interleave_indices_form(T):
    r = T.tensor([1, 0, 3])
    empty = T.tensor([], dtype=T.int64)
    return T.repeat_interleave(r), T.repeat_interleave(r, output_size=4), T.repeat_interleave(empty)


REPEAT_INTERLEAVE_ERRORS = {
    "negative_int": lambda T: T.repeat_interleave(tensor(T, (2, 3)), -1),
    "negative_tensor": lambda T: T.repeat_interleave(tensor(T, (2, 3)), T.tensor([1, -2]), 0),
    "float_repeats": lambda T: T.repeat_interleave(tensor(T, (2, 3)), T.tensor([1.0, 2.0]), 0),
    "size": lambda T: T.repeat_interleave(tensor(T, (2, 3)), T.tensor([1, 2]), 1),
    "2d_repeats": lambda T: T.repeat_interleave(T.tensor([[1, 2]])),
    "output_size_tensor": lambda T: T.repeat_interleave(tensor(T, (2, 3)), T.tensor([1, 2]), 0, output_size=4),
    "output_size_int": lambda T: T.repeat_interleave(tensor(T, (2, 3)), 2, 0, output_size=5),
    "dim": lambda T: T.repeat_interleave(tensor(T, (2, 3)), 2, dim=2),
    "zero_dim_tensor_repeats": lambda T: T.repeat_interleave(tensor(T, ()), T.tensor([2]), 0),
    "zero_dim_int_repeats": lambda T: T.repeat_interleave(tensor(T, ()), 2, 0),
}


@pytest.mark.parametrize("case", REPEAT_INTERLEAVE_ERRORS)
@conformance(errors=True)
def test_repeat_interleave_errors(T, case):
    return REPEAT_INTERLEAVE_ERRORS[case](T)


# --- flip, roll, rot90 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_flip_roll_rot90(T, dtype):
    x, v, s = tensor(T, (2, 3), dtype=dtype), tensor(T, (3,), dtype=dtype, seed=1), tensor(T, (), dtype=dtype, seed=2)
    e = T.zeros(0, 3, dtype=x.dtype)
    return (T.flip(x, (0, 1)), T.flip(x, [-1]), x.flip(0), x.flip(0, 1), x.flip((1,)), T.flip(x, ()), T.flip(s, (0,)),
            s.flip(-1), T.flip(e, (0,)), T.fliplr(x), x.flipud(), T.flipud(v),
            T.roll(x, 1), T.roll(x, 1, 1), T.roll(x, (1, 2), (0, 1)), T.roll(x, -7, -1), x.roll(shifts=1, dims=0),
            T.roll(x, [1], [0]), T.roll(s, 1), T.roll(e, 1, 0), T.roll(e, 2), T.roll(x, 1, ()),
            T.roll(x, T.tensor(1), 0), x.roll(T.tensor(-2)),
            T.rot90(x), T.rot90(x, 2), T.rot90(x, -1), T.rot90(x, 5, [1, 0]), x.rot90(1, [-1, -2]), T.rot90(x, 0),
            T.rot90(tensor(T, (2, 3, 2), dtype=dtype), 1, (0, 2)))


FLIP_ERRORS = {
    "flip_int_dims": lambda T: T.flip(tensor(T, (2, 3)), 0),
    "flip_out": lambda T: T.flip(tensor(T, (2, 3)), (0,), out=T.empty(0)),
    "roll_out": lambda T: T.roll(tensor(T, (2, 3)), 1, out=T.empty(0)),
    "flip_repeated": lambda T: T.flip(tensor(T, (2, 3)), (0, 0)),
    "flip_repeated_negative": lambda T: T.flip(tensor(T, (2, 3)), (1, -1)),
    "flip_dim": lambda T: T.flip(tensor(T, (2, 3)), (2,)),
    "flip_zero_dim_dim": lambda T: T.flip(tensor(T, ()), (1,)),
    "fliplr_1d": lambda T: T.fliplr(tensor(T, (3,))),
    "flipud_0d": lambda T: T.flipud(tensor(T, ())),
    "roll_misaligned": lambda T: T.roll(tensor(T, (2, 3)), (1, 2), (0,)),
    "roll_no_dims": lambda T: T.roll(tensor(T, (2, 3)), (1, 2)),
    "roll_no_shifts": lambda T: T.roll(tensor(T, (2, 3)), (), ()),
    "roll_float_shift": lambda T: T.roll(tensor(T, (2, 3)), 1.5),
    "roll_dim": lambda T: T.roll(tensor(T, (2, 3)), 1, 2),
    "roll_zero_dim_dim": lambda T: T.roll(tensor(T, ()), 1, 0),
    "rot90_same_dims": lambda T: T.rot90(tensor(T, (2, 3)), 1, [0, 0]),
    "rot90_one_dim": lambda T: T.rot90(tensor(T, (2, 3)), 1, [0]),
    "rot90_1d": lambda T: T.rot90(tensor(T, (3,))),
    "rot90_dim": lambda T: T.rot90(tensor(T, (2, 3)), 1, [0, 2]),
}


@pytest.mark.parametrize("case", FLIP_ERRORS)
@conformance(errors=True)
def test_flip_roll_rot90_errors(T, case):
    return FLIP_ERRORS[case](T)


# --- tril / triu and their indices --------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_tril_triu(T, dtype):
    x, b = tensor(T, (2, 3), dtype=dtype), tensor(T, (2, 3, 3), dtype=dtype, seed=1)
    out = T.empty(0, dtype=x.dtype)
    T.tril(x, -1, out=out)
    return (T.tril(x), T.tril(x, 1), T.tril(x, -5), x.tril(diagonal=2), T.triu(x), T.triu(x, -1), x.triu(5),
            T.tril(b, -1), T.triu(b, 1), x.clone().tril_(1), x.clone().triu_(diagonal=1), b.clone().tril_(),
            T.tril(T.zeros(0, 3, dtype=x.dtype)), out)


@conformance(errors=True)
def test_tril_1d_error(T):
    return T.tril(tensor(T, (3,)))


@conformance(errors=True)
def test_triu_0d_error(T):
    return tensor(T, ()).triu()


@pytest.mark.parametrize("args", [(3, 3), (3, 4, 1), (3, 4, -1), (4, 3, 1), (0, 3), (3, 3, 10), (3, 3, -10), (1, 1)])
@conformance()
def test_tril_triu_indices(T, args):
    return T.tril_indices(*args), T.triu_indices(*args), T.tril_indices(*args, dtype=T.int32)


TRI_INDICES_ERRORS = {
    "float_dtype": lambda T: T.triu_indices(3, 3, dtype=T.float32),
    "bool_dtype": lambda T: T.tril_indices(3, 3, dtype=T.bool),
    "negative_row": lambda T: T.triu_indices(-1, 3),
    "negative_col": lambda T: T.tril_indices(3, -1),
    "out": lambda T: T.tril_indices(3, 3, out=T.empty(0, dtype=T.int64)),
}


@pytest.mark.parametrize("case", TRI_INDICES_ERRORS)
@conformance(errors=True)
def test_tril_triu_indices_errors(T, case):
    return TRI_INDICES_ERRORS[case](T)


# --- broadcasting ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_broadcast_ops(T, dtype):
    x, s = tensor(T, (2, 3), dtype=dtype), tensor(T, (), dtype=dtype, seed=1)
    c = tensor(T, (2, 1), dtype="int64", seed=2)
    return (T.broadcast_to(x, (2, 2, 3)), T.broadcast_to(x, (-1, 3)), x.broadcast_to((2, 2, 3)),
            T.broadcast_to(s, (2,)), T.broadcast_to(x, T.Size([1, 2, 3])), T.broadcast_tensors(x, s, c),
            T.broadcast_tensors(x), T.broadcast_tensors(), T.broadcast_tensors(c, x))


@conformance()
def test_broadcast_shapes(T):
    return (T.broadcast_shapes((2, 1), (3,), 3, ()), T.broadcast_shapes(), T.broadcast_shapes(T.Size([2, 1]), [1, 4]),
            T.broadcast_shapes((0,), (1,)), T.broadcast_shapes(5), T.broadcast_shapes((1, 1), (1,)),
            T.broadcast_shapes((2, 3), (1, 1, 1)))


BROADCAST_ERRORS = {
    "to_mismatch": lambda T: T.broadcast_to(tensor(T, (2, 3)), (3, 3)),
    "to_fewer_dims": lambda T: T.broadcast_to(tensor(T, (2, 3)), (3,)),
    "to_int": lambda T: T.broadcast_to(tensor(T, (2, 3)), 5),
    "tensors": lambda T: T.broadcast_tensors(tensor(T, (2, 3)), tensor(T, (3, 1))),
    "shapes": lambda T: T.broadcast_shapes((2,), (3,)),
    "shapes_negative": lambda T: T.broadcast_shapes((2,), (-1,)),
    "shapes_negative_on_one": lambda T: T.broadcast_shapes((1,), (-1,)),
    "shapes_bad_type": lambda T: T.broadcast_shapes((2,), "a"),
}


@pytest.mark.parametrize("case", BROADCAST_ERRORS)
@conformance(errors=True)
def test_broadcast_errors(T, case):
    return BROADCAST_ERRORS[case](T)


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_meshgrid(T, dtype):
    a, b = tensor(T, (2,), dtype=dtype), tensor(T, (3,), dtype=dtype, seed=1)
    c, s = tensor(T, (4,), dtype=dtype, seed=2), tensor(T, (), dtype=dtype, seed=3)
    return (T.meshgrid(a, b, indexing="ij"), T.meshgrid(a, b, indexing="xy"), T.meshgrid([a, b], indexing="xy"),
            T.meshgrid((a, b, c), indexing="xy"), T.meshgrid(a, b, c, indexing="ij"), T.meshgrid(s, indexing="ij"),
            T.meshgrid(a, indexing="xy"), T.meshgrid(s, a, indexing="xy"), T.meshgrid(a, T.zeros(0, dtype=a.dtype),
                                                                                      indexing="xy"))


MESHGRID_ERRORS = {
    "dtypes": lambda T: T.meshgrid(T.arange(2), T.arange(3.0), indexing="ij"),
    "2d": lambda T: T.meshgrid(T.arange(2), T.arange(4).reshape(2, 2), indexing="ij"),
    "indexing": lambda T: T.meshgrid(T.arange(2), T.arange(3), indexing="foo"),
    "empty": lambda T: T.meshgrid(indexing="ij"),
}


@pytest.mark.parametrize("case", MESHGRID_ERRORS)
@conformance(errors=True)
def test_meshgrid_errors(T, case):
    return MESHGRID_ERRORS[case](T)


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_atleast(T, dtype):
    s, v = tensor(T, (), dtype=dtype), tensor(T, (3,), dtype=dtype, seed=1)
    m, c = tensor(T, (2, 3), dtype=dtype, seed=2), tensor(T, (1, 2, 3, 1), dtype=dtype, seed=3)
    return [(f(s), f(v), f(m), f(c), f(s, m), f([s, v]), f((m,)), f()) for f in (T.atleast_1d, T.atleast_2d,
                                                                                  T.atleast_3d)]


# --- diagonals --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_diag_family(T, dtype):
    x, v, s = tensor(T, (2, 3), dtype=dtype), tensor(T, (3,), dtype=dtype, seed=1), tensor(T, (), dtype=dtype, seed=2)
    out = T.empty(0, dtype=x.dtype)
    T.diag(v, 1, out=out)
    return (T.diag(v), T.diag(v, 1), T.diag(v, -2), T.diag(x), T.diag(x, 1), T.diag(x, -1), T.diag(x, 5), x.diag(-2),
            T.diag(T.zeros(0, dtype=x.dtype)), T.diag(T.zeros(0, dtype=x.dtype), 1), out,
            T.diag_embed(x), T.diag_embed(x, 1), T.diag_embed(x, -1, 0, 2), x.diag_embed(1, -1, 0),
            T.diag_embed(v), T.diag_embed(T.zeros(2, 0, dtype=x.dtype)), T.diagflat(x), T.diagflat(x, -1),
            v.diagflat(2), T.diagflat(s))


DIAG_ERRORS = {
    "diag_0d": lambda T: T.diag(tensor(T, ())),
    "diag_3d": lambda T: T.diag(tensor(T, (2, 2, 2))),
    "embed_same_dims": lambda T: T.diag_embed(tensor(T, (2, 3)), 0, 0, 0),
    "embed_same_dims_wrapped": lambda T: T.diag_embed(tensor(T, (2, 3)), 0, 2, -1),
    "embed_dim": lambda T: T.diag_embed(tensor(T, (2, 3)), 0, 0, 3),
    "embed_0d": lambda T: T.diag_embed(tensor(T, ())),
}


@pytest.mark.parametrize("case", DIAG_ERRORS)
@conformance(errors=True)
def test_diag_errors(T, case):
    return DIAG_ERRORS[case](T)


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_block_diag_cartesian_prod_combinations(T, dtype):
    x, v, s = tensor(T, (2, 3), dtype=dtype), tensor(T, (3,), dtype=dtype, seed=1), tensor(T, (), dtype=dtype, seed=2)
    w = tensor(T, (2,), dtype=dtype, seed=3)
    return (T.block_diag(x, v, s), T.block_diag(x), T.block_diag(T.zeros(0, 2, dtype=x.dtype), s), T.block_diag(),
            T.cartesian_prod(v, w), T.cartesian_prod(w, v, w), T.cartesian_prod(v),
            T.combinations(v), T.combinations(v, 3), T.combinations(v, 2, True), T.combinations(v, r=0),
            T.combinations(v, r=5), T.combinations(v, 1), T.combinations(w, with_replacement=True, r=3))


PRODUCT_ERRORS = {
    "block_diag_3d": lambda T: T.block_diag(tensor(T, (2, 2, 2))),
    "cartesian_dtypes": lambda T: T.cartesian_prod(T.arange(2), T.arange(3.0)),
    "cartesian_2d": lambda T: T.cartesian_prod(T.arange(2), T.arange(4).reshape(2, 2)),
    "cartesian_2d_single": lambda T: T.cartesian_prod(T.arange(4).reshape(2, 2)),
    "cartesian_empty": lambda T: T.cartesian_prod(),
    "combinations_negative": lambda T: T.combinations(T.arange(4), r=-1),
    "combinations_2d": lambda T: T.combinations(T.arange(4).reshape(2, 2)),
    "combinations_0d": lambda T: T.combinations(T.tensor(1.0)),
}


@pytest.mark.parametrize("case", PRODUCT_ERRORS)
@conformance(errors=True)
def test_block_diag_cartesian_prod_combinations_errors(T, case):
    return PRODUCT_ERRORS[case](T)


# --- ravel, narrow_copy ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@conformance()
def test_ravel_narrow_copy(T, dtype):
    x, s = tensor(T, (2, 3), dtype=dtype), tensor(T, (), dtype=dtype, seed=1)
    out = T.empty(0, dtype=x.dtype)
    T.narrow_copy(x, 1, 1, 2, out=out)
    return (T.ravel(x), x.t().ravel(), T.ravel(s), T.narrow_copy(x, 1, 1, 2), T.narrow_copy(x, -1, -1, 1),
            x.narrow_copy(0, 1, 1), T.narrow_copy(x, 1, 3, 0), out)


NARROW_COPY_ERRORS = {
    "length": lambda T: T.narrow_copy(tensor(T, (2, 3)), 1, 2, 2),
    "dim_high": lambda T: T.narrow_copy(tensor(T, (2, 3)), 2, 0, 1),
    "dim_low": lambda T: T.narrow_copy(tensor(T, (2, 3)), -3, 0, 1),
    "start": lambda T: T.narrow_copy(tensor(T, (2, 3)), 1, -4, 1),
    "zero_dim": lambda T: T.narrow_copy(tensor(T, ()), 0, 0, 1),
}


@pytest.mark.parametrize("case", NARROW_COPY_ERRORS)
@conformance(errors=True)
def test_narrow_copy_errors(T, case):
    return NARROW_COPY_ERRORS[case](T)


@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16", "int32", "uint8"])
@conformance()
def test_other_dtypes(T, dtype):
    x, y = tensor(T, (2, 3), dtype=dtype), tensor(T, (2, 3), dtype=dtype, seed=1)
    return (T.cat([x, y], 1), T.stack([x, y]), T.hstack([x, y]), x.repeat(2, 1), T.repeat_interleave(x, 2, 0),
            x.flip(1), T.roll(x, 1, 0), T.rot90(x), T.tril(x), T.triu(x, 1), T.diag(x), T.diag_embed(x),
            T.block_diag(x, y), T.combinations(x[0]), T.meshgrid(x[0], y[1], indexing="xy"))


@conformance()
def test_inplace_through_views_writes_the_base(T):
    x, y = tensor(T, (3, 4)), tensor(T, (2, 3, 3), seed=1)
    x[:, 1:].tril_()
    y.transpose(1, 2)[1].triu_(1)
    return x, y
