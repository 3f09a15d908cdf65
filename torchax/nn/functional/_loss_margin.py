"""torch.nn.functional: margin and embedding losses, and CTC (one jitted kernel each)."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from torchax import _dtype
from torchax._registry import TorchRuntimeError, broadcast_shapes, op
from torchax._tensor import Tensor, wrap
from torchax.nn.functional._loss_common import (
    _static,
    cast,
    check_reduction,
    clamp_min0,
    common,
    dtype_of,
    grad_names,
    host,
    int_reduction,
    need_float,
    no_grad_arg,
    reduce as _reduce,
    reduction_arg,
    shape_str,
)
from torchax.nn.functional.distance import pairwise_distance, vector_norm

TOPLEVEL: dict = {}


def _float_input(input, target) -> _dtype.dtype:
    """Losses computed in the input's dtype (torch: where/clamp on input, the target only compared)."""
    dt = dtype_of(input)
    if not dt.is_floating_point:
        raise TorchRuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point "
                                f"or complex dtype. Got: {_dtype.type_name(dt)}")
    broadcast_shapes(input.shape, target.shape)
    return dt


@op(method=False, grad_name=grad_names(3, "AddBackward0"))
def _hinge_embedding_loss(input, target, margin, reduction):
    """torch.hinge_embedding_loss kernel: x where y != -1, plus max(0, margin - x) where y != 1."""
    _float_input(input, target)
    zero = jnp.zeros_like(input)
    loss = jnp.where(target != 1, clamp_min0(margin - input), zero) + jnp.where(target != -1, input, zero)
    return _reduce(loss, reduction)


@op(method=False, grad_name=grad_names(4, "ClampMinBackward0"))
def _margin_ranking_loss(input1, input2, target, margin, reduction):
    """torch.margin_ranking_loss kernel: max(0, -y (x1 - x2) + margin)."""
    dt = common(input1, input2, target)
    broadcast_shapes(input1.shape, input2.shape, target.shape)
    x1, x2, y = cast(input1, dt), cast(input2, dt), cast(target, dt)
    return _reduce(clamp_min0(-y * (x1 - x2) + margin), reduction)


def _pairwise(a, b, p, eps):
    """torch.pairwise_distance: the p-norm of (a - b + eps) over the last dim."""
    d = a - b + eps
    return vector_norm(d, p, -1 if d.ndim else None)


@op(method=False, grad_name=grad_names(7, "ClampMinBackward0"))
def _triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction):
    """torch.triplet_margin_loss kernel: max(0, margin + d(a, p) - d(a, n)), d(a, n) = min(d(a, n), d(p, n)) on swap."""
    dt = common(anchor, positive, negative)
    a, pos, neg = cast(anchor, dt), cast(positive, dt), cast(negative, dt)
    dist_pos = _pairwise(a, pos, p, eps)
    dist_neg = _pairwise(a, neg, p, eps)
    if swap:
        dist_neg = jnp.minimum(dist_neg, _pairwise(pos, neg, p, eps))
    return _reduce(clamp_min0(margin + dist_pos - dist_neg), reduction)


@op(method=False, grad_name=grad_names(4, "ClampMinBackward0"))
def _triplet_distance_reduce(dist_pos, dist_neg, dist_swap, margin, reduction):
    """The tail of triplet_margin_with_distance_loss, given the distances a user function returned."""
    if dist_swap is not None:
        dist_neg = jnp.minimum(dist_neg, dist_swap)
    return _reduce(clamp_min0(margin + dist_pos - dist_neg), reduction)


@op(method=False, grad_name=grad_names(4, "AddBackward0"))
def _cosine_embedding_loss(input1, input2, target, margin, reduction):
    """torch.cosine_embedding_loss kernel: 1 - cos where y == 1, max(0, cos - margin) where y == -1."""
    dt = common(input1, input2)
    broadcast_shapes(input1.shape, input2.shape)
    x1, x2 = cast(input1, dt), cast(input2, dt)
    axis = target.ndim
    eps = 1e-12  # NOTE: torch's EPSILON, added to each squared magnitude
    prod = jnp.sum(x1 * x2, axis=axis)
    mag = (jnp.sum(x1 * x1, axis=axis) + eps) * (jnp.sum(x2 * x2, axis=axis) + eps)
    cos = prod / jnp.sqrt(mag)
    zero = jnp.zeros_like(cos)
    loss = jnp.where(target == 1, 1 - cos, zero) + jnp.where(target == -1, clamp_min0(cos - margin), zero)
    return _reduce(loss, reduction)


@op(method=False)
def _multi_margin_loss(input, target, p, margin, weight, reduction):
    """torch.nn.functional.multi_margin_loss kernel: sum over j != y of max(0, margin - x[y] + x[j])^p / C."""
    need_float(dtype_of(input), "multi_margin_loss_cpu_kernel")
    nframe, dim = (1, 1) if input.ndim == 0 else (1, input.shape[0]) if input.ndim == 1 else input.shape
    x = input.reshape(nframe, dim)
    y = target.reshape(nframe).astype(jnp.int32)
    z = margin - jnp.take_along_axis(x, y[:, None], axis=1, mode="clip") + x
    hinge = jnp.where((z > 0) & (jnp.arange(dim)[None, :] != y[:, None]), z if p == 1 else z * z, jnp.zeros_like(z))
    if weight is not None:
        hinge = hinge * weight[y][:, None]
    per = jnp.sum(hinge, axis=1) / dim
    if reduction == "none":
        return per if target.ndim > 0 else per[0]
    return _reduce(per, reduction)


@op(method=False)
def _multilabel_margin_loss(input, target, reduction):
    """torch.nn.functional.multilabel_margin_loss kernel: targets are the class indices before the first -1."""
    need_float(dtype_of(input), "multilabel_margin_loss_forward_out_frame")
    nframe, dim = (1, 1) if input.ndim == 0 else (1, input.shape[0]) if input.ndim == 1 else input.shape
    x = input.reshape(nframe, dim)
    t = target.reshape(nframe, dim)
    listed = jnp.cumprod(t >= 0, axis=1).astype(bool)  # (N, K): the k-th entry is a target
    idx = jnp.where(listed, t, 0).astype(jnp.int32)
    is_target = jnp.any(listed[:, :, None] & (idx[:, :, None] == jnp.arange(dim)), axis=1)  # (N, C)
    z = 1 - jnp.take_along_axis(x, idx, axis=1)[:, :, None] + x[:, None, :]  # (N, K, C)
    keep = listed[:, :, None] & ~is_target[:, None, :] & (z > 0)
    per = jnp.sum(jnp.where(keep, z, jnp.zeros_like(z)), axis=(1, 2)) / dim
    if reduction == "none":
        return per if target.ndim > 1 else per[0]
    return _reduce(per, reduction)


# --- public functions ------------------------------------------------------------------------------------------


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """torch.nn.functional.hinge_embedding_loss."""
    reduction = reduction_arg(size_average, reduce, reduction)
    return _hinge_embedding_loss(input, _no_grad(target), float(margin), reduction)


def _no_grad(t):
    """A target torch never differentiates (only compared): its gradient stays None."""
    return t.detach() if isinstance(t, Tensor) and t.requires_grad else t


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """torch.nn.functional.margin_ranking_loss."""
    reduction = reduction_arg(size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise TorchRuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                                f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return _margin_ranking_loss(input1, input2, target, float(margin), reduction)


def _check_triplet_dims(anchor, positive, negative):
    a, p, n = anchor.ndim, positive.ndim, negative.ndim
    if not a == p == n:
        raise TorchRuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                                f"dimensions, but got: anchor {a}D, positive {p}D, and negative {n}D inputs")


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """torch.nn.functional.triplet_margin_loss."""
    reduction = reduction_arg(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    return _triplet_margin_loss(anchor, positive, negative, float(margin), float(p), float(eps), bool(swap), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """torch.nn.functional.triplet_margin_with_distance_loss (default distance: pairwise_distance)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    dist = distance_function if distance_function is not None else pairwise_distance
    dist_swap = dist(positive, negative) if swap else None
    return _triplet_distance_reduce(dist(anchor, positive), dist(anchor, negative), dist_swap, float(margin),
                                    reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """torch.nn.functional.cosine_embedding_loss."""
    reduction = reduction_arg(size_average, reduce, reduction)
    return _cosine_top(input1, input2, target, margin, reduction)


def _cosine_top(input1, input2, target, margin=0.0, reduction=0):
    """torch.cosine_embedding_loss (the reduction may be torch's enum)."""
    if not isinstance(reduction, str):
        reduction = int_reduction(reduction)
    td = target.ndim
    if td not in (0, 1):
        raise TorchRuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.ndim != td + 1:
        raise TorchRuntimeError(f"{td}D target tensor expects {td + 1}D input tensors, but found inputs with sizes "
                                f"{shape_str(input1.shape)} and {shape_str(input2.shape)}.")
    return _cosine_embedding_loss(input1, input2, _no_grad(target), float(margin), reduction)


def _frames(input) -> tuple[int, int]:
    """(batch, classes) of a multi-margin input, with torch's error for an empty or >2-D one."""
    nd = input.ndim
    if not (nd == 2 and input.shape[1] != 0 or nd == 1 and input.shape[0] != 0 or nd == 0):
        raise TorchRuntimeError("Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                                f"{shape_str(input.shape)}")
    return (1, 1) if nd == 0 else (1, input.shape[0]) if nd == 1 else tuple(input.shape)


def _need_long(target):
    if target.dtype is not _dtype.int64:
        raise TorchRuntimeError(f"expected scalar type Long but found {_dtype.type_name(target.dtype)}")


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """torch.nn.functional.multi_margin_loss (p = 1 or 2)."""
    reduction = reduction_arg(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    no_grad_arg(weight, "weight", "multi_margin_loss")
    nframe, dim = _frames(input)
    if target.ndim > 1 or target.numel() != nframe:
        raise TorchRuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of "
                                f"input samples (batch size). Expected target size [{nframe}], but got "
                                f"{shape_str(target.shape)}. Input has shape {shape_str(input.shape)}.")
    if weight is not None:
        if weight.numel() != dim:
            raise TorchRuntimeError(f"inconsistent weight size, expected {dim} but got {shape_str(weight.shape)}")
        if weight.dtype is not input.dtype:
            raise TorchRuntimeError(f"expected scalar type {_dtype.type_name(input.dtype)} but found "
                                    f"{_dtype.type_name(weight.dtype)}")
    _need_long(target)
    v = host(target)
    if v is not None and v.size and (v.min() < 0 or v.max() >= dim):
        raise TorchRuntimeError("target out of range")
    return _multi_margin_loss(input, target, int(p), float(margin), weight, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """torch.nn.functional.multilabel_margin_loss (target: class indices, padded with -1)."""
    reduction = reduction_arg(size_average, reduce, reduction)
    nframe, dim = _frames(input)
    ok = (target.ndim <= 1 and target.numel() == dim) if input.ndim <= 1 else tuple(target.shape) == (nframe, dim)
    if not ok:
        raise TorchRuntimeError(f"inconsistent target size: {shape_str(target.shape)} for input of size: "
                                f"{shape_str(input.shape)}")
    _need_long(target)
    v = host(target)
    if v is not None and v.size and (v.min() < -1 or v.max() >= dim):
        raise TorchRuntimeError("argument #2 'target' is out of range")
    return _multilabel_margin_loss(input, target, reduction)


def _hinge_top(input, target, margin=1.0, reduction=0):
    """torch.hinge_embedding_loss (reduction: torch's enum)."""
    return _hinge_embedding_loss(input, _no_grad(target), float(margin), int_reduction(reduction))


def _margin_ranking_top(input1, input2, target, margin=0.0, reduction=0):
    """torch.margin_ranking_loss (reduction: torch's enum)."""
    return _margin_ranking_loss(input1, input2, target, float(margin), int_reduction(reduction))


def _triplet_top(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False, reduction=0):
    """torch.triplet_margin_loss (reduction: torch's enum; no check on the margin)."""
    _check_triplet_dims(anchor, positive, negative)
    return _triplet_margin_loss(anchor, positive, negative, float(margin), float(p), float(eps), bool(swap),
                                int_reduction(reduction))


# --- CTC -------------------------------------------------------------------------------------------------------


def _logsumexp(*xs):
    """log(sum(exp(xs))) elementwise, -inf (with zero gradients, not NaN) where every term is -inf."""
    m = functools.reduce(jnp.maximum, xs)
    finite = m > -jnp.inf
    m = jax.lax.stop_gradient(jnp.where(finite, m, jnp.zeros_like(m)))
    s = sum(jnp.exp(x - m) for x in xs)
    return jnp.where(finite, m + jnp.log(jnp.where(finite, s, jnp.ones_like(s))), jnp.full_like(s, -jnp.inf))


def _shift(a, k: int, fill):
    """a[:, s - k] along the last axis (fill for s < k)."""
    return jnp.concatenate([jnp.full(a.shape[:-1] + (k,), fill, a.dtype), a[..., :-k]], axis=-1)


def _ctc_name(spec):
    if not _static(spec[8]):
        return "SqueezeBackward1"
    return "WhereBackward0" if _static(spec[6]) else "CtcLossBackward0"


@op(method=False, grad_name=grad_names(5, _ctc_name))
def _ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity, max_target, batched):
    """torch.ctc_loss kernel: the forward (alpha) recursion as a lax.scan over time in log space."""
    need_float(dtype_of(log_probs), "ctc_loss_cpu")
    lp = log_probs if batched else log_probs[:, None, :]
    T, N, C = lp.shape
    il = input_lengths.reshape(N).astype(jnp.int32)
    tl = target_lengths.reshape(N).astype(jnp.int32)
    S = max_target
    if targets.ndim == 2:
        tg = targets[:, :S]
    elif targets.size:  # concatenated targets: sample n's labels start at the sum of the lengths before it
        start = jnp.cumsum(tl) - tl
        tg = targets[jnp.clip(start[:, None] + jnp.arange(S), 0, targets.size - 1)]
    else:
        tg = jnp.zeros((N, S), jnp.int32)
    # the extended label sequence blank, l1, blank, l2, ..., blank (length 2S + 1)
    L = 2 * S + 1
    ext = jnp.full((N, L), blank, jnp.int32).at[:, 1::2].set(jnp.clip(tg, 0, C - 1).astype(jnp.int32))
    lpe = jnp.take_along_axis(lp, jnp.broadcast_to(ext[None], (T, N, L)), axis=2)  # (T, N, L)
    s = jnp.arange(L)
    neg = jnp.asarray(-jnp.inf, lp.dtype)
    skip = (s % 2 == 1) & (s >= 2) & (ext != _shift(ext, 2, -1))  # l'(s) may follow l'(s - 2) directly
    alpha0 = jnp.where(s == 0, lpe[0], jnp.where((s == 1) & (tl[:, None] > 0), lpe[0], neg))

    def step(alpha, xs):
        t, lpe_t = xs
        prev2 = jnp.where(skip, _shift(alpha, 2, neg), neg)
        new = _logsumexp(alpha, _shift(alpha, 1, neg), prev2) + lpe_t
        return jnp.where((t < il)[:, None], new, alpha), None  # past its input length a sample keeps its alpha

    alpha, _ = jax.lax.scan(step, alpha0, (jnp.arange(1, T), lpe[1:]))
    last = jnp.take_along_axis(alpha, (2 * tl)[:, None], axis=1)[:, 0]
    before = jnp.take_along_axis(alpha, jnp.maximum(2 * tl - 1, 0)[:, None], axis=1)[:, 0]
    nll = -_logsumexp(last, jnp.where(tl > 0, before, neg))
    # NOTE: torch's gradient w.r.t. log_probs is the true one plus exp(log_probs) for t < input_length (it equals the
    # true one after a log_softmax), and NaN where the loss is infinite unless zero_infinity. A term of value 0 whose
    # gradient is that extra gives torch's numbers.
    inf = jnp.isinf(nll)
    valid = (jnp.arange(T)[:, None] < il[None, :])[:, :, None]  # (T, N, 1)
    bad = jnp.zeros_like(lp) if zero_infinity else jnp.full_like(lp, jnp.nan)
    extra = jnp.where(valid, jnp.where(inf[None, :, None], bad, jnp.exp(lp)), jnp.zeros_like(lp))
    quirk = jnp.sum((lp - jax.lax.stop_gradient(lp)) * jax.lax.stop_gradient(extra), axis=(0, 2))
    if zero_infinity:
        nll = jnp.where(inf, jnp.zeros_like(nll), nll + quirk)
    else:
        nll = jnp.where(inf, nll, nll + quirk)
    if reduction == "mean":
        return jnp.mean(nll / jnp.maximum(tl, 1).astype(nll.dtype))
    if reduction == "sum":
        return jnp.sum(nll)
    return nll if batched else nll[0]


def _lengths(x, name: str) -> tuple[Tensor, np.ndarray | None]:
    """A lengths argument as an int tensor, and its values when concrete."""
    if isinstance(x, Tensor):
        if x.dtype.is_floating_point or x.dtype.is_complex or x.dtype is _dtype.bool:
            raise TorchRuntimeError(f"{name} must be integral")
        v = host(x)
        return x, None if v is None else v.reshape(-1).astype(np.int64)
    v = np.asarray(x, np.int64).reshape(-1)
    return wrap(jnp.asarray(v)), v


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """torch.nn.functional.ctc_loss: targets padded (N, S) or concatenated 1-D; lengths as tensors or tuples."""
    return _ctc_top(log_probs, targets, input_lengths, target_lengths, blank, check_reduction(reduction),
                    zero_infinity)


def _ctc_top(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=0, zero_infinity=False):
    """torch.ctc_loss (reduction may be torch's enum)."""
    if not isinstance(reduction, str):
        reduction = int_reduction(reduction)
    if isinstance(input_lengths, Tensor) != isinstance(target_lengths, Tensor):
        raise TypeError("ctc_loss() received an invalid combination of arguments: input_lengths and target_lengths "
                        "must both be Tensors or both be tuples of ints")
    where = " (while checking arguments for ctc_loss_cpu)"
    if log_probs.ndim not in (2, 3):
        raise TorchRuntimeError(f"Expected 3-dimensional tensor, but got {log_probs.ndim}-dimensional tensor for "
                                f"argument #1 'log_probs'{where}")
    if targets.ndim not in (1, 2):
        raise TorchRuntimeError(f"Expected 1 to 3 dimensions, but got {targets.ndim}-dimensional tensor for argument "
                                f"#2 'targets'{where}")
    T = log_probs.shape[0]
    N = log_probs.shape[1] if log_probs.ndim == 3 else 1
    C = log_probs.shape[-1]
    input_lengths, il = _lengths(input_lengths, "input_lengths")
    target_lengths, tl = _lengths(target_lengths, "target_lengths")
    if not 0 <= blank < C:
        raise TorchRuntimeError("blank must be in label range")
    if input_lengths.numel() != N:
        raise TorchRuntimeError("input_lengths must be of size batch_size")
    if target_lengths.numel() != N:
        raise TorchRuntimeError("target_lengths must be of size batch_size")
    if tl is not None:
        _check_lengths(tl, "target_lengths", 0, None, where)
    if il is not None:
        _check_lengths(il, "input_lengths", 0, T, where)
    if targets.ndim == 1:
        if tl is not None and targets.shape[0] != tl.sum():
            raise TorchRuntimeError(f"Expected tensor to have size {tl.sum()} at dimension 0, but got size "
                                    f"{targets.shape[0]} for argument #2 'targets'{where}")
        max_target = int(tl.max(initial=0)) if tl is not None else targets.shape[0]
    else:
        max_target = targets.shape[1]
        if targets.shape[0] != N:
            raise TorchRuntimeError(f"Expected tensor to have size {N} at dimension 0, but got size "
                                    f"{targets.shape[0]} for argument #2 'targets'{where}")
        if tl is not None and tl.size and tl.max() > max_target:
            raise TorchRuntimeError(f"Expected tensor to have size at least {tl.max()} at dimension 1, but got size "
                                    f"{max_target} for argument #2 'targets'{where}")
    return _ctc_loss(log_probs, targets, input_lengths, target_lengths, int(blank), reduction, bool(zero_infinity),
                     max_target, log_probs.ndim == 3)


def _check_lengths(v: np.ndarray, name: str, low: int, high: int | None, where: str) -> None:
    for x in v:
        if x < low:
            raise TorchRuntimeError(f"Expected {name} to have value at least {low}, but got value {x}{where}")
        if high is not None and x > high:
            raise TorchRuntimeError(f"Expected {name} to have value at most {high}, but got value {x}{where}")


TOPLEVEL.update(hinge_embedding_loss=_hinge_top, margin_ranking_loss=_margin_ranking_top,
                triplet_margin_loss=_triplet_top, cosine_embedding_loss=_cosine_top, ctc_loss=_ctc_top)
