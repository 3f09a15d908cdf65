"""torch.nn.functional: every loss function.

Each loss is one jitted kernel (`@op`, gradients from the tape's VJP of it); the public functions only
normalise torch's arguments (legacy `size_average`/`reduce`, reduction strings), run the checks that need
concrete values (target ranges) and call the kernel. Margin, embedding and CTC losses live in `_loss_margin`.
"""

from __future__ import annotations

import math
import warnings

import jax
import jax.numpy as jnp

from torchax import _dtype
from torchax._registry import (
    TorchIndexError,
    TorchRuntimeError,
    broadcast_shapes,
    check_broadcast,
    op,
)
from torchax._tensor import Tensor
from torchax.nn.functional._loss_common import (
    _static,
    cast,
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
    warn_size,
    when,
)
from torchax.nn.functional._loss_margin import (
    TOPLEVEL as _MARGIN_TOPLEVEL,
    cosine_embedding_loss,
    ctc_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)

__all__ = [
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "soft_margin_loss", "kl_div", "poisson_nll_loss",
    "gaussian_nll_loss", "nll_loss", "cross_entropy", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "multilabel_soft_margin_loss", "hinge_embedding_loss", "margin_ranking_loss", "triplet_margin_loss",
    "triplet_margin_with_distance_loss", "cosine_embedding_loss", "multi_margin_loss", "multilabel_margin_loss",
    "ctc_loss",
]
# torch.<name> functions that torch also exposes at top level (signatures may differ from F.<name>)
TOPLEVEL: dict = dict(_MARGIN_TOPLEVEL)


# --- regression losses ---------------------------------------------------------------------------------------


_L1_NAMES = grad_names(3, "AbsBackward0")  # torch's l1_loss is (input - target).abs() then mean/sum
_HUBER_NAMES = grad_names(3, "MulBackward0")  # with a weight: loss * weight then mean/sum


def _weighted_name(spec):
    """mse/l1 with a weight: torch's last op is the multiply, the sum, or the division by sum(weight)."""
    return {"none": "MulBackward0", "sum": "SumBackward0"}.get(spec[3], "DivBackward0")


def _weighted(loss, w, reduction):
    """mse/l1 with a weight: 'mean' is sum(w * loss) / sum(w)."""
    if w is None:
        return _reduce(loss, reduction)
    loss = loss * w
    return jnp.sum(loss) / jnp.sum(w) if reduction == "mean" else _reduce(loss, reduction)


@op(method=False, grad_name=lambda s: _weighted_name(s) if s[2] is not None else "MseLossBackward0")
def _mse_loss(input, target, weight, reduction):
    """torch.nn.functional.mse_loss kernel."""
    dt = common(input, target, weight)
    need_float(dt, "mse_cpu")
    x, t, w = cast(input, dt), cast(target, dt), cast(weight, dt)
    return _weighted(jnp.square(x - t), w, reduction)


@op(method=False, grad_name=lambda s: _weighted_name(s) if s[2] is not None else _L1_NAMES(s))
def _l1_loss(input, target, weight, reduction):
    """torch.nn.functional.l1_loss kernel."""
    if input.dtype == jnp.bool_ or target.dtype == jnp.bool_:
        raise TorchRuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                                "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    dt = common(input, target, weight)
    if not dt.is_floating_point and reduction == "mean":
        raise TorchRuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating point "
                                f"or complex dtype. Got: {_dtype.type_name(dt)}")
    x, t, w = cast(input, dt), cast(target, dt), cast(weight, dt)
    loss = jnp.abs(x - t)
    if reduction == "sum" and not dt.is_floating_point:
        return jnp.sum(loss, dtype=jnp.int64)  # torch sums integers as int64
    return _weighted(loss, w, reduction)


@op(method=False)
def _smooth_l1_loss(input, target, reduction, beta):
    """torch.nn.functional.smooth_l1_loss kernel (beta > 0)."""
    dt = common(input, target)
    need_float(dt, "smooth_l1_cpu")
    d = jnp.abs(cast(input, dt) - cast(target, dt))
    return _reduce(jnp.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction)


def _input_dtype(input, target, kernel: str) -> _dtype.dtype:
    """Losses whose result has the input's dtype (torch writes into `empty_like(input)`)."""
    dt, common_dt = dtype_of(input), common(input, target)
    if not dt.is_floating_point:
        if common_dt.is_floating_point:
            raise TorchRuntimeError(f"result type {_dtype.type_name(common_dt)} can't be cast to the desired output "
                                    f"type {_dtype.type_name(dt)}")
        need_float(dt, kernel)
    return common_dt


@op(method=False, grad_name=lambda s: _HUBER_NAMES(s) if s[2] is not None else "HuberLossBackward0")
def _huber_loss(input, target, weight, reduction, delta):
    """torch.nn.functional.huber_loss kernel; with a weight 'mean' is the plain mean of w * loss."""
    dt = _input_dtype(input, target, "huber_cpu")
    d = jnp.abs(cast(input, dt) - cast(target, dt))
    loss = jnp.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)).astype(input.dtype)
    if weight is not None:
        loss = loss * cast(weight, common(loss, weight))
    return _reduce(loss, reduction)


@op(method=False)
def _soft_margin_loss(input, target, reduction):
    """torch.nn.functional.soft_margin_loss kernel: log(1 + exp(-y x))."""
    dt = _input_dtype(input, target, "soft_margin_loss")
    loss = jnp.log1p(jnp.exp(-cast(input, dt) * cast(target, dt))).astype(input.dtype)
    return _reduce(loss, reduction)


@op(method=False, grad_name=grad_names(2, when(3, "MulBackward0", "SubBackward0")))
def _kl_div(input, target, reduction, log_target):
    """torch.kl_div kernel; reduction 'batchmean' is the sum divided by the batch size."""
    for a in (input, target):
        if jnp.issubdtype(a.dtype, jnp.integer) or a.dtype == jnp.bool_:
            raise TorchRuntimeError("kl_div: Integral inputs not supported.")
    dt = common(input, target)
    x, t = cast(input, dt), cast(target, dt)
    loss = jnp.exp(t) * (t - x) if log_target else jax.scipy.special.xlogy(t, t) - t * x
    if reduction == "batchmean":
        total = jnp.sum(loss)
        return total / x.shape[0] if x.ndim else total
    return _reduce(loss, reduction)


@op(method=False, grad_name=grad_names(5, when(3, "AddBackward0", "SubBackward0")))
def _poisson_nll_loss(input, target, log_input, full, eps, reduction):
    """torch.poisson_nll_loss kernel (`full` adds Stirling's term where target > 1)."""
    dt = common(input, target)
    if not dt.is_floating_point:
        dt = _dtype.get_default_dtype()
    x, t = cast(input, dt), cast(target, dt)
    loss = jnp.exp(x) - t * x if log_input else x - t * jnp.log(x + eps)
    if full:
        stirling = t * jnp.log(t) - t + 0.5 * jnp.log(2 * math.pi * t)
        loss = loss + jnp.where(t <= 1, jnp.zeros_like(stirling), stirling)
    return _reduce(loss, reduction)


@op(method=False, dynamic=("var",), grad_name=grad_names(5, when(3, "AddBackward0", "MulBackward0")))
def _gaussian_nll_loss(input, target, var, full, eps, reduction):
    """torch.nn.functional.gaussian_nll_loss kernel (var already checked; a Python float var is traced)."""
    if var.ndim and var.shape != input.shape and var.shape == input.shape[:-1]:
        var = var[..., None]  # homoscedastic: one variance per sample
    dt = common(input, target, var)
    x, t, v = cast(input, dt), cast(target, dt), cast(var, dt)
    # NOTE: torch clamps a copy of var under no_grad: the clamp is invisible to autograd
    v = v + jax.lax.stop_gradient(jnp.maximum(v, eps) - v)
    loss = 0.5 * (jnp.log(v) + jnp.square(x - t) / v)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """torch.nn.functional.mse_loss."""
    reduction = _weighted_reduction(size_average, reduce, reduction, input, target, weight)
    return _mse_loss(input, target, weight, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """torch.nn.functional.l1_loss."""
    reduction = _weighted_reduction(size_average, reduce, reduction, input, target, weight)
    return _l1_loss(input, target, weight, reduction)


def _weighted_reduction(size_average, reduce, reduction, input, target, weight) -> str:
    """mse/l1: torch's order of checks (broadcast, then weight size, then the reduction string)."""
    warn_size(input, target)
    if size_average is not None or reduce is not None:
        reduction = reduction_arg(size_average, reduce, reduction)
    broadcast_shapes(tuple(input.shape), tuple(target.shape))
    if weight is None:
        return reduction_arg(None, None, reduction)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
    return reduction


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """torch.nn.functional.smooth_l1_loss (beta=0 is l1_loss, as in torch)."""
    warn_size(input, target)
    reduction = reduction_arg(size_average, reduce, reduction)
    broadcast_shapes(tuple(input.shape), tuple(target.shape))
    if beta < 0:
        raise TorchRuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return _l1_loss(input, target, None, reduction)
    return _smooth_l1_loss(input, target, reduction, float(beta))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """torch.nn.functional.huber_loss."""
    warn_size(input, target)
    broadcast_shapes(tuple(input.shape), tuple(target.shape))
    if weight is None:
        reduction = reduction_arg(None, None, reduction)
    elif weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    if delta <= 0:
        raise TorchRuntimeError("huber_loss does not support non-positive values for delta.")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
    return _huber_loss(input, target, weight, reduction, float(delta))


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """torch.nn.functional.soft_margin_loss."""
    reduction = reduction_arg(size_average, reduce, reduction)
    no_grad_arg(target, "target", "soft_margin_loss")
    return _soft_margin_loss(input, target, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """torch.nn.functional.kl_div (reduction 'batchmean' divides the sum by the batch size)."""
    if size_average is not None or reduce is not None:
        reduction = reduction_arg(size_average, reduce, reduction)
    elif reduction != "batchmean":
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                          "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                          "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                          stacklevel=2)
        reduction = reduction_arg(None, None, reduction)
    return _kl_div(input, target, reduction, bool(log_target))


def _kl_div_top(input, target, reduction=0, *, log_target=False):
    """torch.kl_div: the reduction is torch's enum (0 none, 1 mean, 2 sum)."""
    return _kl_div(input, target, int_reduction(reduction), bool(log_target))


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """torch.nn.functional.poisson_nll_loss."""
    if size_average is not None or reduce is not None:
        reduction = reduction_arg(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    return _poisson_nll_loss(input, target, bool(log_input), bool(full), float(eps), reduction)


def _poisson_nll_loss_top(input, target, log_input, full, eps, reduction):
    """torch.poisson_nll_loss: every argument is required; the reduction is torch's enum."""
    return _poisson_nll_loss(input, target, bool(log_input), bool(full), float(eps), int_reduction(reduction))


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """torch.nn.functional.gaussian_nll_loss."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
    elif not isinstance(var, Tensor):
        raise TypeError(f"any(): argument 'input' (position 1) must be Tensor, not {type(var).__name__}")
    else:
        v = host(var)
        if v is not None and (v < 0).any():
            raise ValueError("var has negative entry/entries")
        if var.shape != input.shape:
            ishape, vshape = tuple(input.shape), tuple(var.shape)
            one_mismatch = len(ishape) == len(vshape) and sum(b for a, b in zip(ishape, vshape) if a != b) == 1
            if ishape[:-1] != vshape and not one_mismatch:
                raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _gaussian_nll_loss(input, target, var, bool(full), float(eps), reduction)


# --- classification losses -----------------------------------------------------------------------------------


def _classes_last(x):
    """(N, C, d1, ...) -> (N, d1, ..., C); an unbatched (C,) stays."""
    return x if x.ndim == 1 else jnp.moveaxis(x, 1, -1)


def _picked(lp, target, weight, ignore_index):
    """Per-element -w[t] * lp[t] (0 where ignored) and the weights w[t] (0 where ignored); classes last."""
    valid = target != ignore_index
    t = jnp.where(valid, target, 0).astype(jnp.int32)
    picked = jnp.take_along_axis(lp, t[..., None], axis=-1, mode="clip")[..., 0]
    w = jnp.ones_like(picked) if weight is None else weight[t]
    w = jnp.where(valid, w, jnp.zeros_like(w))
    return jnp.where(valid, -picked * w, jnp.zeros_like(picked)), w


def _nll_reduce(loss, w, reduction):
    if reduction == "mean":
        return jnp.sum(loss) / jnp.sum(w)
    return jnp.sum(loss) if reduction == "sum" else loss


def _nll_kind(ndim: int) -> str:
    """Which torch kernel nll_loss_nd uses: nll_loss (1-2 dims), nll_loss2d (4), nll_loss2d on a view (3, >4)."""
    return "nll" if ndim <= 2 else "nll2d" if ndim == 4 else "nll2d_view"


def _nll_name(spec, reduction_pos=3, kind_pos=5):
    kind = spec[kind_pos]
    if kind == "nll":
        return "NllLossBackward0"
    return "ViewBackward0" if kind == "nll2d_view" and spec[reduction_pos] == "none" else "NllLoss2DBackward0"


@op(method=False, grad_name=_nll_name)
def _nll_loss(input, target, weight, reduction, ignore_index, kind):
    """torch.nn.functional.nll_loss kernel (shapes, dtypes and target values checked by the caller; `kind` only
    names the grad_fn as torch's)."""
    need_float(dtype_of(input), "nll_loss_out_frame")
    if input.ndim == 1 and target.ndim == 1:
        target = target[0]
    loss, w = _picked(_classes_last(input), target, weight, ignore_index)
    return _nll_reduce(loss, w, reduction)


@op(method=False, grad_name=lambda s: "AddBackward0" if _static(s[5]) > 0 else _nll_name(s, 3, 6))
def _cross_entropy(input, target, weight, reduction, ignore_index, label_smoothing, kind):
    """torch.nn.functional.cross_entropy kernel for class indices, with label smoothing as torch computes it."""
    need_float(dtype_of(input), "log_softmax_lastdim_kernel_impl")
    n_classes = input.shape[0 if input.ndim == 1 else 1]
    if input.ndim == 1 and target.ndim == 1:
        if label_smoothing > 0.0:
            raise TorchRuntimeError("output with shape [] doesn't match the broadcast shape [1]")
        target = target[0]
    lp = _classes_last(jax.nn.log_softmax(input, axis=0 if input.ndim == 1 else 1))
    loss, w = _picked(lp, target, weight, ignore_index)
    nll = _nll_reduce(loss, w, reduction)
    if label_smoothing <= 0.0:
        return nll
    valid = target != ignore_index
    smooth = -jnp.sum(lp if weight is None else lp * weight, axis=-1)
    smooth = jnp.where(valid, smooth, jnp.zeros_like(smooth))
    if reduction == "mean":
        # NOTE: normalised like nll_loss: by the summed weights of the targets that are not ignored
        denom = jnp.sum(w) if weight is not None else jnp.sum(valid).astype(smooth.dtype)
        ret = jnp.sum(smooth) / denom
    else:
        ret = jnp.sum(smooth) if reduction == "sum" else smooth
    return (1 - label_smoothing) * nll + ret * (label_smoothing / n_classes)


@op(method=False, grad_name=grad_names(3, "NegBackward0", mean="DivBackward1", sum="NegBackward0"))
def _cross_entropy_probs(input, target, weight, reduction, label_smoothing):
    """torch.nn.functional.cross_entropy kernel for class probabilities (target of input's shape)."""
    need_float(dtype_of(input), "log_softmax_lastdim_kernel_impl")
    cdim = 0 if input.ndim == 1 else 1
    n_classes = input.shape[cdim]
    lp = jax.nn.log_softmax(input, axis=cdim)
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    if weight is not None and input.ndim > 1:
        weight = weight.reshape((1, n_classes) + (1,) * (input.ndim - 2))
    loss = lp * target if weight is None else lp * target * weight
    if reduction == "mean":
        return -jnp.sum(loss) / (input.size / n_classes) if input.size else jnp.full((), jnp.nan, loss.dtype)
    return -jnp.sum(loss) if reduction == "sum" else -jnp.sum(loss, axis=cdim)


def _check_nll(input, target, weight, prefix: str = "") -> None:
    """torch's shape and dtype checks of nll_loss_nd (batch, spatial sizes, weight size)."""
    ishape, tshape = tuple(input.shape), tuple(target.shape)
    nd = len(ishape)
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if nd != 1 and (not tshape or ishape[0] != tshape[0]):
        raise ValueError(f"Expected input batch_size ({ishape[0]}) to match target batch_size "
                         f"({tshape[0] if tshape else 0}).")
    if target.dtype not in (_dtype.int64, _dtype.uint8):
        raise TorchRuntimeError(f"expected target dtype to be Long or Byte, but got {_dtype.type_name(target.dtype)}")
    n_classes = ishape[1] if nd > 1 else ishape[0]
    if nd <= 2:
        if len(tshape) > 1:
            raise TorchRuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if nd == 1 and len(tshape) == 1 and tshape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {tshape[0]}")
    elif nd == 4:
        if len(tshape) != 3:
            raise TorchRuntimeError("only batches of spatial targets supported (3D tensors) but got targets of "
                                    f"dimension: {len(tshape)}")
        if tshape != ishape[:1] + ishape[2:]:
            raise TorchRuntimeError(f"size mismatch (got input: {shape_str(ishape)} , target: {shape_str(tshape)}")
    elif tshape[1:] != ishape[2:]:
        raise TorchRuntimeError(f"Expected target size {shape_str(ishape[:1] + ishape[2:])}, got {shape_str(tshape)}")
    if weight is not None:
        if weight.ndim != 1 or weight.numel() != n_classes:
            raise TorchRuntimeError(f"{prefix}weight tensor should be defined either for all {n_classes} classes or "
                                    f"no classes but got weight tensor of shape: {shape_str(weight.shape)}")
        if weight.dtype is not input.dtype and input.dtype.is_floating_point:
            raise TorchRuntimeError(f"expected scalar type {_dtype.type_name(input.dtype)} but found "
                                    f"{_dtype.type_name(weight.dtype)}")


def _check_targets(target, n_classes: int, ignore_index: int) -> None:
    """torch's IndexError for a class index outside [0, C) that is not ignore_index (skipped under tracing)."""
    v = host(target)
    if v is None or v.size == 0:
        return
    bad = (v != ignore_index) & ((v < 0) | (v >= n_classes))
    if bad.any():
        raise TorchIndexError(f"Target {int(v[bad].flat[0])} is out of bounds.")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """torch.nn.functional.nll_loss."""
    reduction = reduction_arg(size_average, reduce, reduction)
    no_grad_arg(weight, "weight", "nll_loss_forward")
    _check_nll(input, target, weight)
    _check_targets(target, input.shape[1] if input.ndim > 1 else input.shape[0], ignore_index)
    return _nll_loss(input, target, weight, reduction, int(ignore_index), _nll_kind(input.ndim))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """torch.nn.functional.cross_entropy: class indices or class probabilities, label smoothing, K dims."""
    reduction = reduction_arg(size_average, reduce, reduction)
    if input.shape == target.shape:
        if not target.dtype.is_floating_point:
            raise TorchRuntimeError("Expected floating point type for target with class probabilities, got "
                                    f"{_dtype.type_name(target.dtype)}")
        if ignore_index >= 0:
            raise TorchRuntimeError("ignore_index is not supported for floating point target")
        n_classes = input.shape[0 if input.ndim == 1 else 1]
        if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
            raise TorchRuntimeError(f"cross_entropy: weight tensor should be defined either for all {n_classes} "
                                    f"classes or no classes but got weight tensor of shape: {shape_str(weight.shape)}")
        if label_smoothing > 1.0:
            raise TorchRuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
        return _cross_entropy_probs(input, target, weight, reduction, float(label_smoothing))
    if label_smoothing > 1.0:
        raise TorchRuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    no_grad_arg(weight, "weight", "nll_loss_forward")
    _check_nll(input, target, weight)
    _check_targets(target, input.shape[1] if input.ndim > 1 else input.shape[0], ignore_index)
    return _cross_entropy(input, target, weight, reduction, int(ignore_index), float(label_smoothing),
                          _nll_kind(input.ndim))


@jax.custom_jvp
def _bce_elementwise(x, t):
    # NOTE: torch clamps each log at -100, so an input of exactly 0 or 1 gives a finite loss
    return (t - 1) * jnp.maximum(jnp.log(1 - x), -100.0) - t * jnp.maximum(jnp.log(x), -100.0)


def _bce_jvp(primals, tangents):
    # NOTE: torch's own derivative formulas: they differ from the clamped logs' derivative only at x = 0 or 1, where
    # torch divides by max(x(1-x), 1e-12) for the input and uses the unclamped -logit(x) for the target.
    x, t = primals
    dx, dt = tangents
    out = _bce_elementwise(x, t)
    grad = jnp.zeros_like(out)
    if type(dx) is not jax.custom_derivatives.SymbolicZero:
        grad = grad + dx * (x - t) / jnp.maximum((1 - x) * x, jnp.asarray(1e-12, x.dtype))
    if type(dt) is not jax.custom_derivatives.SymbolicZero:
        grad = grad + dt * (jnp.log(1 - x) - jnp.log(x))
    return out, grad


_bce_elementwise.defjvp(_bce_jvp, symbolic_zeros=True)


@op(method=False)
def _binary_cross_entropy(input, target, weight, reduction):
    """torch.nn.functional.binary_cross_entropy kernel (input range checked by the caller)."""
    if input.dtype != target.dtype:
        raise TorchRuntimeError(f"Found dtype {_dtype.type_name(dtype_of(target))} but expected "
                                f"{_dtype.type_name(dtype_of(input))}")
    need_float(dtype_of(input), "binary_cross_entropy")
    loss = _bce_elementwise(input, target)
    if weight is not None:
        check_broadcast(broadcast_shapes(target.shape, weight.shape), input.shape)
        loss = loss * weight.astype(loss.dtype)
    return _reduce(loss, reduction)


@op(method=False)
def _binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction):
    """torch.binary_cross_entropy_with_logits kernel: (1 - y) x - (1 + (pw - 1) y) log_sigmoid(x), stable."""
    need_float(dtype_of(input), "log_sigmoid_cpu")
    out_dt = dtype_of(target)
    if not out_dt.is_floating_point:  # NOTE: torch computes in a buffer of target's dtype
        if out_dt is _dtype.bool:
            raise TorchRuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                                    "Use the `^` or `logical_xor()` operator instead.")
        raise TorchRuntimeError(f"result type {_dtype.type_name(common(input, target))} can't be cast to the desired "
                                f"output type {_dtype.type_name(out_dt)}")
    # NOTE: torch.binary_cross_entropy_with_logits skips F's size check: its buffer has target's shape
    check_broadcast(broadcast_shapes(input.shape, target.shape), target.shape)
    dt = common(input, target, weight, pos_weight)
    x, t, w, pw = cast(input, dt), cast(target, dt), cast(weight, dt), cast(pos_weight, dt)
    log_sig = jax.nn.log_sigmoid(x)
    if pw is not None:
        log_weight = (pw - 1) * t + 1
        check_broadcast(log_weight.shape, x.shape)
        log_sig = log_sig * log_weight
    loss = (1 - t) * x - log_sig
    if w is not None:
        check_broadcast(w.shape, loss.shape)
        loss = loss * w
    return _reduce(cast(loss, out_dt), reduction)


@op(method=False, grad_name=grad_names(3, "DivBackward0"))
def _multilabel_soft_margin_loss(input, target, weight, reduction):
    """torch.nn.functional.multilabel_soft_margin_loss kernel: the mean over classes of the logistic loss."""
    need_float(dtype_of(input), "log_sigmoid_cpu")
    if target.dtype == jnp.bool_:
        raise TorchRuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                                "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    dt = common(input, target, weight)
    x, t, w = cast(input, dt), cast(target, dt), cast(weight, dt)
    loss = -(t * jax.nn.log_sigmoid(x) + (1 - t) * jax.nn.log_sigmoid(-x))
    if w is not None:
        loss = loss * w
    loss = jnp.sum(loss, axis=-1) / input.shape[-1]
    return _reduce(loss, reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """torch.nn.functional.binary_cross_entropy (logs clamped at -100 as in torch)."""
    reduction = reduction_arg(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    no_grad_arg(weight, "weight", "binary_cross_entropy")
    v = host(input)
    if v is not None and not ((v >= 0) & (v <= 1)).all():
        raise TorchRuntimeError("all elements of input should be between 0 and 1")
    return _binary_cross_entropy(input, target, weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """torch.nn.functional.binary_cross_entropy_with_logits (pos_weight broadcasts over the class dim)."""
    reduction = reduction_arg(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    return _bce_logits_top(input, target, weight, pos_weight, reduction)


def _bce_logits_top(input, target, weight=None, pos_weight=None, reduction=0):
    """torch.binary_cross_entropy_with_logits: no size check; the reduction may be torch's enum."""
    if not isinstance(reduction, str):
        reduction = int_reduction(reduction)
    no_grad_arg(weight, "weight", "binary_cross_entropy_with_logits")
    no_grad_arg(pos_weight, "pos_weight", "binary_cross_entropy_with_logits")
    return _binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """torch.nn.functional.multilabel_soft_margin_loss."""
    if size_average is not None or reduce is not None:
        reduction = reduction_arg(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _multilabel_soft_margin_loss(input, target, weight, reduction)


TOPLEVEL.update(binary_cross_entropy_with_logits=_bce_logits_top, kl_div=_kl_div_top,
                poisson_nll_loss=_poisson_nll_loss_top)
for _name, _fn in TOPLEVEL.items():  # torch.kl_div.__name__ == "kl_div"
    _fn.__name__ = _fn.__qualname__ = _name
