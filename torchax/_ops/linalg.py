"""Matrix products: torch.matmul, mm, bmm, mv, dot, tensordot, addmm ... (and, re-exported, torch.einsum and
the factorizations of `linalg_decomp.py` / `linalg_kernels.py`).

torch's BLAS-backed products require equal dtypes instead of promoting (integers stay integers, bool raises
NotImplementedError); outer/ger/addr/kron are pointwise products and promote. Every float product asks XLA
for full precision, as torch does not use TF32 by default.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from torchax import _dtype
from torchax._ops import linalg_decomp, linalg_householder, linalg_kernels, lowrank
from torchax._ops.einsum import einsum
from torchax._ops.linalg_common import HIGHEST, not_implemented, type_name, wrap_dim, write_out
from torchax._ops.linalg_decomp import *  # noqa: F403 - torch.det, torch.svd, ... live there
from torchax._ops.linalg_householder import *  # noqa: F403 - torch.geqrf, torch.ormqr
from torchax._ops.linalg_kernels import *  # noqa: F403 - torch.matrix_power, torch.matrix_exp
from torchax._ops.lowrank import *  # noqa: F403 - torch.svd_lowrank, torch.pca_lowrank
from torchax._registry import (
    TorchRuntimeError,
    TorchTypeError,
    TorchValueError,
    broadcast_shapes,
    composite,
    op,
    warn_once,
)
from torchax._tensor import Tensor

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "einsum", "addmm", "addmv", "addr",
           "addbmm", "baddbmm", "tensordot", "kron", "cross", "chain_matmul", "cdist", *linalg_decomp.__all__,
           *linalg_kernels.__all__, *linalg_householder.__all__,
           *lowrank.__all__]

# C++ type names, as torch's mm dtype message prints them
_CPP = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
        "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
        "bool": "bool", "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def cpp_name(x) -> str:
    return _CPP.get(str(x.dtype), str(x.dtype))


def _need_tensors(fname, **args):
    for pos, (name, x) in enumerate(args.items(), 1):
        if not hasattr(x, "dtype") or not hasattr(x, "ndim"):
            raise TorchTypeError(f"{fname}(): argument '{name}' (position {pos}) must be Tensor, not "
                                 f"{type(x).__name__}")


def _dot_general(a, b):
    return jnp.matmul(a, b, precision=HIGHEST)


def _mm(a, b):
    if a.shape[1] != b.shape[0]:
        raise TorchRuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
                                f"{b.shape[0]}x{b.shape[1]})")
    if a.dtype != b.dtype:
        raise TorchRuntimeError(f"expected m1 and m2 to have the same dtype, but got: {cpp_name(a)} != {cpp_name(b)}")
    if a.dtype == jnp.bool_:
        not_implemented("addmm_impl_cpu_", a)
    return _dot_general(a, b)


def _mv(a, b, self_dtype=None):
    if a.shape[1] != b.shape[0]:
        raise TorchRuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x{a.shape[1]}), vec "
                                f"({b.shape[0]})")
    if a.dtype != b.dtype:
        raise TorchRuntimeError(f"addmv input tensors must have the same dtype, but got {type_name(b)}, "
                                f"{type_name(a)}, and {type_name(b)}")
    if a.dtype == jnp.bool_:
        not_implemented("addmv_impl_cpu", a)
    return _dot_general(a, b)


def _dot(a, b, fname="dot"):
    if a.ndim != 1 or b.ndim != 1:
        raise TorchRuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape[0] != b.shape[0]:
        n, m = a.shape[0], b.shape[0]
        raise TorchRuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have the same "
                                f"number of elements, but got {n} and {m} elements respectively")
    if a.dtype != b.dtype:
        raise TorchRuntimeError(f"dot : expected both vectors to have same dtype, but found {type_name(a)} and "
                                f"{type_name(b)}")
    if a.dtype == jnp.bool_:
        not_implemented(fname, a)
    return _dot_general(a, b)


def _bmm_check(a, b, batch):
    n = math.prod(batch)
    if a.shape[-1] != b.shape[-2]:
        raise TorchRuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{n}, "
                                f"{a.shape[-1]}] but got: [{n}, {b.shape[-2]}].")
    if a.dtype != b.dtype:
        raise TorchRuntimeError(f"expected scalar type {type_name(a)} but found {type_name(b)}")
    if a.dtype == jnp.bool_:
        not_implemented("bmm", a)


@op(out_exact=True)
def matmul(input, other):
    """torch.matmul: every rank combination, with the error messages of the mm/mv/bmm torch dispatches to."""
    _need_tensors("matmul", input=input, other=other)
    a, b = input, other
    da, db = a.ndim, b.ndim
    if da == 0 or db == 0:
        raise TorchRuntimeError(f"both arguments to matmul need to be at least 1D, but they are {da}D and {db}D")
    if da == 1 and db == 1:
        return _dot(a, b)
    if da == 2 and db == 1:
        return _mv(a, b)
    if da == 1 and db == 2:
        return _mm(a[None], b)[0]
    if da == 2 and db == 2:
        return _mm(a, b)
    if da >= 3 and db <= 2:  # torch folds the batch into the rows and calls mm/mv
        folded = a.reshape(-1, a.shape[-1])
        out = _mv(folded, b) if db == 1 else _mm(folded, b)
        return out.reshape(a.shape[:-1] + b.shape[1:])
    a2 = a[None] if da == 1 else a
    b2 = b[:, None] if db == 1 else b
    _bmm_check(a2, b2, broadcast_shapes(a2.shape[:-2], b2.shape[:-2]))
    return _dot_general(a, b)


@op(out_exact=True)
def mm(input, mat2):
    """torch.mm."""
    _need_tensors("mm", input=input, mat2=mat2)
    if input.ndim != 2:
        raise TorchRuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise TorchRuntimeError("mat2 must be a matrix")
    return _mm(input, mat2)


@op(out_exact=True)
def bmm(input, mat2):
    """torch.bmm (no broadcasting)."""
    _need_tensors("bmm", input=input, mat2=mat2)
    _check_3d(input, mat2)
    if input.shape[0] != mat2.shape[0]:
        raise TorchRuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{input.shape[0]}, "
                                f"{input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    _bmm_check(input, mat2, input.shape[:1])
    return _dot_general(input, mat2)


def _check_3d(b1, b2):
    if b1.ndim != 3:
        raise TorchRuntimeError("batch1 must be a 3D tensor")
    if b2.ndim != 3:
        raise TorchRuntimeError("batch2 must be a 3D tensor")


@op()
def mv(input, vec):
    """torch.mv."""
    _need_tensors("mv", input=input, vec=vec)
    if input.ndim != 2 or vec.ndim != 1:
        raise TorchRuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    return _mv(input, vec)


@op()
def dot(input, tensor):
    """torch.dot."""
    _need_tensors("dot", input=input, tensor=tensor)
    return _dot(input, tensor)


@op()
def vdot(input, other):
    """torch.vdot: conjugates the first vector."""
    _need_tensors("vdot", input=input, other=other)
    return _dot(jnp.conj(input) if jnp.iscomplexobj(input) else input, other)


@op()
def inner(input, other):
    """torch.inner: a product over the last dims (a 0-dim operand multiplies, with type promotion)."""
    _need_tensors("inner", input=input, other=other)
    a, b = input, other
    if a.ndim == 0 or b.ndim == 0:
        a, b = _promote(a, b)
        return a * b
    if a.shape[-1] != b.shape[-1]:
        raise TorchRuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                                f"{list(a.shape)} and {list(b.shape)}")
    return _tensordot_impl(a, b, (-1,), (-1,))


def _promote(*xs):
    """torch's type promotion for ops whose operands do not broadcast together (the registry's `promote=` checks
    broadcasting)."""
    rt = _dtype.JNP[_dtype.result_type([(_dtype.from_jax(x.dtype), x.ndim) for x in xs])]
    return [x.astype(rt) for x in xs]


def _check_1d(fname, x, name):
    if x.ndim != 1:
        raise TorchRuntimeError(f"{fname}: Expected 1-D argument {name}, but got {x.ndim}-D")


@op()
def outer(input, vec2):
    """torch.outer."""
    _check_1d("outer", input, "self")
    _check_1d("outer", vec2, "vec2")
    a, b = _promote(input, vec2)
    return a[:, None] * b[None, :]


@op()
def ger(input, vec2):
    """torch.ger (alias of outer)."""
    return outer.__wrapped__(input, vec2)


@op()
def kron(input, other):
    """torch.kron."""
    a, b = _promote(input, other)
    if a.dtype == jnp.bool_:  # jnp.kron multiplies; for bool that is a logical and
        return jnp.kron(a.astype(jnp.int8), b.astype(jnp.int8)).astype(jnp.bool_)
    return jnp.kron(a, b)


# --- beta * input + alpha * product ---------------------------------------------------------------------


def _is_one(s) -> bool:
    return isinstance(s, int) and s == 1  # a traced scalar is never skipped


def _expand(input, shape):
    """Broadcast `input` to exactly `shape`, with torch's expand error."""
    if input.ndim <= len(shape):
        ok = all(i == 1 or i == s for i, s in zip(input.shape[::-1], shape[::-1]))
        if ok:
            return jnp.broadcast_to(input, shape)
    for k, (i, s) in enumerate(zip(input.shape[::-1], shape[::-1])):
        if i != 1 and i != s:
            d = len(shape) - 1 - k
            raise TorchRuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({i}) at "
                                    f"non-singleton dimension {d}.  Target sizes: {list(shape)}.  Tensor sizes: "
                                    f"{list(input.shape)}")
    raise TorchRuntimeError(f"The number of sizes provided ({len(shape)}) must be greater or equal to the number of "
                            f"dimensions in the tensor ({input.ndim})")


def _scaled_sum(input, prod, beta, alpha):
    """beta * input + alpha * prod, where beta == 0 ignores input (even nan) as in torch."""
    dt = prod.dtype
    if dt == jnp.bool_:
        term = input & jnp.asarray(beta).astype(bool)
        return term | (prod & jnp.asarray(alpha).astype(bool))
    if not _is_one(alpha):
        prod = prod * jnp.asarray(alpha).astype(dt)
    if _is_one(beta):
        return input.astype(dt) + prod
    b = jnp.asarray(beta).astype(dt)
    return jnp.where(b == 0, jnp.zeros_like(prod), input.astype(dt) * b) + prod


def _same_self(input, mat2):
    if input.dtype != mat2.dtype:
        raise TorchRuntimeError(f"self and mat2 must have the same dtype, but got {type_name(input)} and "
                                f"{type_name(mat2)}")


@op(inplace=True, dynamic=("beta", "alpha"))
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """torch.addmm: beta * input + alpha * (mat1 @ mat2)."""
    _need_tensors("addmm", input=input, mat1=mat1, mat2=mat2)
    if mat1.ndim != 2:
        raise TorchRuntimeError(f"mat1 must be a matrix, got {mat1.ndim}-D tensor")
    if mat2.ndim != 2:
        raise TorchRuntimeError(f"mat2 must be a matrix, got {mat2.ndim}-D tensor")
    prod = _mm(mat1, mat2)
    _same_self(input, mat2)
    return _scaled_sum(_expand(input, prod.shape), prod, beta, alpha)


@op(inplace=True, dynamic=("beta", "alpha"))
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """torch.addmv: beta * input + alpha * (mat @ vec)."""
    _need_tensors("addmv", input=input, mat=mat, vec=vec)
    if mat.ndim != 2 or vec.ndim != 1 or input.ndim > 1:
        raise TorchRuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, {vec.ndim}")
    if not input.dtype == mat.dtype == vec.dtype:
        raise TorchRuntimeError(f"addmv input tensors must have the same dtype, but got {type_name(input)}, "
                                f"{type_name(mat)}, and {type_name(vec)}")
    prod = _mv(mat, vec)
    return _scaled_sum(_expand(input, prod.shape), prod, beta, alpha)


@op(inplace=True, dynamic=("beta", "alpha"))
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """torch.addr: beta * input + alpha * outer(vec1, vec2)."""
    _check_1d("addr", vec1, "vec1")
    _check_1d("addr", vec2, "vec2")
    input, vec1, vec2 = _promote(input, vec1, vec2)
    if jnp.issubdtype(input.dtype, jnp.integer) or input.dtype == jnp.bool_:
        for name, s in (("beta", beta), ("alpha", alpha)):
            if jnp.issubdtype(jnp.asarray(s).dtype, jnp.inexact):
                kind = "integral" if input.dtype != jnp.bool_ else "Boolean"
                raise TorchRuntimeError(f"For {kind} input tensors, argument {name} must not be a floating point "
                                        f"number.")
    prod = vec1[:, None] * vec2[None, :]
    return _scaled_sum(_expand(input, prod.shape), prod, beta, alpha)


def _batch_check(b1, b2, summed):
    _check_3d(b1, b2)
    if b1.shape[0] != b2.shape[0]:
        raise TorchRuntimeError(f"batch1 and batch2 must have same number of batches, got {b1.shape[0]} and "
                                f"{b2.shape[0]}")
    if summed and b1.shape[2] != b2.shape[1]:
        raise TorchRuntimeError(f"Incompatible matrix sizes for bmm ({b1.shape[1]}x{b1.shape[2]} and "
                                f"{b2.shape[1]}x{b2.shape[2]})")
    _bmm_check(b1, b2, b1.shape[:1])


@op(inplace=True, dynamic=("beta", "alpha"))
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """torch.addbmm: beta * input + alpha * sum_b(batch1[b] @ batch2[b])."""
    _need_tensors("addbmm", input=input, batch1=batch1, batch2=batch2)
    _batch_check(batch1, batch2, summed=True)
    _same_self(input, batch2)
    prod = jnp.einsum("bij,bjk->ik", batch1, batch2, precision=HIGHEST)
    return _scaled_sum(_expand(input, prod.shape), prod, beta, alpha)


@op(inplace=True, dynamic=("beta", "alpha"))
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """torch.baddbmm: beta * input + alpha * (batch1 @ batch2)."""
    _need_tensors("baddbmm", input=input, batch1=batch1, batch2=batch2)
    _batch_check(batch1, batch2, summed=False)
    _same_self(input, batch2)
    prod = _dot_general(batch1, batch2)
    return _scaled_sum(_expand(input, prod.shape), prod, beta, alpha)


# --- tensordot, cross, cdist, chain_matmul ----------------------------------------------------------------


def _tensordot_impl(a, b, dims_a, dims_b):
    if len(dims_a) != len(dims_b):
        raise TorchRuntimeError("both dimension lists should have same length")
    for da, db in zip(dims_a, dims_b):
        sa, sb = a.shape[wrap_dim(da, a.ndim)], b.shape[wrap_dim(db, b.ndim)]
        if sa != sb:
            raise TorchRuntimeError(f"contracted dimensions need to match, but first has size {sa} in dim {da} and "
                                    f"second has size {sb} in dim {db}")
    if a.dtype != b.dtype:
        raise TorchRuntimeError("both inputs should have same dtype")
    if a.dtype == jnp.bool_:
        not_implemented("addmm_impl_cpu_", a)
    axes = ([wrap_dim(d, a.ndim) for d in dims_a], [wrap_dim(d, b.ndim) for d in dims_b])
    return jnp.tensordot(a, b, axes, precision=HIGHEST)


@op(method=False)
def _tensordot(a, b, dims_a, dims_b):
    return _tensordot_impl(a, b, dims_a, dims_b)


@composite(method=False)
def tensordot(a, b, dims=2, out=None):
    """torch.tensordot: dims is an int, a pair of dim lists, or a tensor of either."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = tuple(range(-dims, 0)), tuple(range(dims))
    else:
        dims_a, dims_b = dims
        if isinstance(dims_a, int) or isinstance(dims_b, int):
            raise TypeError(f"tensordot(): argument 'dims_self' (position 3) must be tuple of ints, not "
                            f"{type(dims_a).__name__}")
        dims_a, dims_b = tuple(dims_a), tuple(dims_b)
    return _tensordot(a, b, dims_a, dims_b, out=out)


@op(method=False)
def _cross(input, other, dim):
    """linalg.cross kernel; dim=None picks the first dim of size 3 (torch.cross's deprecated default)."""
    a, b = input, other
    if a.ndim != b.ndim:
        raise TorchRuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if a.dtype != b.dtype:
        raise TorchRuntimeError(f"expected scalar type {type_name(a)} but found {type_name(b)}")
    shape = broadcast_shapes(a.shape, b.shape)
    if dim is None:
        dim = next((d for d, n in enumerate(a.shape) if n == 3), None)
        if dim is None:
            raise TorchRuntimeError("no dimension of size 3 in input")
    d = wrap_dim(dim, len(shape))
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise TorchRuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[d]} and "
                                f"{b.shape[d]}")
    if a.dtype == jnp.bool_:
        not_implemented("cross", a)
    return jnp.cross(jnp.broadcast_to(a, shape), jnp.broadcast_to(b, shape), axis=d)


@composite()
def cross(input, other, dim=None, *, out=None):
    """torch.cross: without dim, warns once and uses the first dim of size 3 (torch 2.x behaviour)."""
    if dim is None:
        warn_once("cross", "Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the "
                  "dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
                  "with that of linalg.cross in a future release.")
    return _cross(input, other, dim, out=out)


_CDIST_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


@op(method=False)
def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """torch.cdist: p-norm distances between the rows of x1 and x2 (batched, broadcasting)."""
    for name, x in (("X1", x1), ("X2", x2)):
        if x.ndim < 2:
            raise TorchRuntimeError(f"cdist only supports at least 2D tensors, {name} got: {x.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise TorchRuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: "
                                f"{x2.shape[-1]}")
    for name, x in (("X1", x1), ("X2", x2)):
        if not jnp.issubdtype(x.dtype, jnp.floating):
            raise TorchRuntimeError(f"cdist only supports floating-point dtypes, {name} got: {type_name(x)}")
    if x1.dtype != x2.dtype:
        raise TorchRuntimeError(f"expected scalar type {type_name(x1)} but found {type_name(x2)}")
    if p < 0:
        raise TorchRuntimeError("cdist only supports non-negative p values")
    if compute_mode not in _CDIST_MODES:
        raise TorchValueError(f"{compute_mode} is not a valid value for compute_mode")
    if x1.dtype in (jnp.float16, jnp.bfloat16):
        not_implemented("cdist", x1)
    batch = broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
    x1 = jnp.broadcast_to(x1, batch + x1.shape[-2:])
    x2 = jnp.broadcast_to(x2, batch + x2.shape[-2:])
    r1, r2 = x1.shape[-2], x2.shape[-2]
    use_mm = compute_mode == _CDIST_MODES[1] or compute_mode == _CDIST_MODES[0] and (r1 > 25 or r2 > 25)
    if p == 2 and use_mm:  # torch's matmul formulation (and its clamp), for its rounding on large inputs
        n1 = jnp.sum(x1 * x1, -1, keepdims=True)
        n2 = jnp.sum(x2 * x2, -1, keepdims=True)
        d2 = jnp.matmul(-2 * x1, jnp.swapaxes(x2, -1, -2), precision=HIGHEST) + n1 + jnp.swapaxes(n2, -1, -2)
        return jnp.sqrt(jnp.maximum(d2, 1e-30))
    diff = jnp.abs(x1[..., :, None, :] - x2[..., None, :, :])
    if p == 0:
        return jnp.sum(diff != 0, -1).astype(x1.dtype)
    if p == math.inf:
        return jnp.max(diff, -1, initial=0)
    if p == 1:
        return jnp.sum(diff, -1)
    if p == 2:
        return jnp.sqrt(jnp.sum(diff * diff, -1))
    return jnp.sum(diff ** p, -1) ** (1 / p)


@op(method=False)
def _multi_dot(tensors, fname="multi_dot"):
    """torch.linalg.multi_dot kernel (1-D first/last operands are a row/column vector)."""
    n = len(tensors)
    if n < 2:
        raise TorchRuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = tensors[0], tensors[-1]
    if first.ndim not in (1, 2):
        raise TorchRuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {first.ndim}D")
    if last.ndim not in (1, 2):
        raise TorchRuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last.ndim}D")
    for i, t in enumerate(tensors[1:-1], 1):
        if t.ndim != 2:
            raise TorchRuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    for i, t in enumerate(tensors[1:], 1):
        if t.dtype != first.dtype:
            raise TorchRuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                                    f"{cpp_name(first)} and tensor {i} {cpp_name(t)}")
    for i in range(n - 1):
        a, b = tensors[i], tensors[i + 1]
        if a.shape[-1] != b.shape[0]:
            raise TorchRuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {list(a.shape)} and "
                                    f"{list(b.shape)} cannot be multiplied")
    if first.dtype == jnp.bool_:
        not_implemented("addmm_impl_cpu_", first)
    return jnp.linalg.multi_dot(list(tensors), precision=HIGHEST)


@composite(method=False)
def chain_matmul(*matrices, out=None):
    """torch.chain_matmul (deprecated; warns once as torch)."""
    warn_once("chain_matmul", "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use "
              "torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than multiple "
              "parameters.")
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if m.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return write_out(out, matrices[0].clone())
    return _multi_dot(list(matrices), out=out)
