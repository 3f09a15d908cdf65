"""Shared pieces of the loss functions: torch's reduction argument handling, dtype rules and eager checks."""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np

from torchax import _dtype, _state
from torchax._registry import TorchNotImplementedError, TorchRuntimeError
from torchax._tensor import Tensor

# --- the reduction argument (torch.nn._reduction) --------------------------------------------------

# the enum torch.<loss> takes at top level. NOTE: where torch's signature says `reduction=Mean`, omitting it gives 0
# ('none') in torch 2.13 (torch.kl_div(x, y).shape == x.shape): the top-level functions here default to 0 as well.
_INT_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def legacy_reduction(size_average, reduce) -> str:
    """torch's `_Reduction.legacy_get_string`: the deprecated flags as a reduction, with torch's warning."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.",
                  stacklevel=4)
    return ret


def check_reduction(reduction) -> str:
    """torch's `_Reduction.get_enum`: a valid reduction string, else torch's ValueError."""
    if reduction in ("none", "mean", "sum"):
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' instead.", stacklevel=4)
        return "mean"
    raise ValueError(f"{reduction} is not a valid value for reduction")


def reduction_arg(size_average, reduce, reduction) -> str:
    """The reduction a loss uses: the legacy flags win when given (torch warns), else `reduction` validated."""
    if size_average is not None or reduce is not None:
        return legacy_reduction(size_average, reduce)
    return check_reduction(reduction)


def int_reduction(reduction) -> str:
    """The reduction enum of torch's top-level loss functions (`torch.kl_div(x, y, 1)`) as a string."""
    if isinstance(reduction, str) or reduction not in _INT_REDUCTIONS:
        raise TypeError(f"reduction must be an int in (0, 1, 2), got {reduction!r}")
    return _INT_REDUCTIONS[reduction]


def reduce(loss, reduction: str):
    """Apply a (validated) reduction inside a kernel."""
    if reduction == "mean":
        return jnp.mean(loss)
    if reduction == "sum":
        return jnp.sum(loss)
    return loss


# --- dtypes (run at trace time inside kernels) ------------------------------------------------------


def common(*xs) -> _dtype.dtype:
    """torch's promoted dtype of the arrays `xs` (None skipped)."""
    return _dtype.result_type([(_dtype.from_jax(x.dtype), x.ndim) for x in xs if x is not None])


def cast(x, dt: _dtype.dtype):
    return None if x is None else x.astype(_dtype.JNP[dt])


def dtype_of(x) -> _dtype.dtype:
    return _dtype.from_jax(x.dtype)


def need_float(dt: _dtype.dtype, kernel: str) -> None:
    """torch's NotImplementedError for a CPU kernel that has no integer version."""
    if not dt.is_floating_point:
        raise TorchNotImplementedError(f'"{kernel}" not implemented for \'{_dtype.type_name(dt)}\'')


def clamp_min0(z):
    """`z.clamp_min(0)` with torch's gradient (it passes where z >= 0, ties included)."""
    return jnp.where(z >= 0, z, jnp.zeros_like(z))


# --- eager checks (Python, run every call: keep them cheap) ------------------------------------------


def host(t: Tensor):
    """The concrete values of `t` as numpy, or None while being traced (checks on values are skipped then)."""
    v = t._value
    if isinstance(v, jax.core.Tracer):
        return None
    return np.asarray(v)


def no_grad_arg(t, arg: str, fn: str) -> None:
    """torch's error for an argument its autograd formula does not differentiate."""
    if isinstance(t, Tensor) and t.requires_grad and _state._local.grad_enabled:
        raise TorchRuntimeError(f"The function '{fn}' is not differentiable with respect to argument '{arg}'. "
                                "This input cannot have requires_grad True.")


def warn_size(input: Tensor, target: Tensor) -> None:
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). "
                      "This will likely lead to incorrect results due to broadcasting. "
                      "Please ensure they have the same size.", stacklevel=3)


def shape_str(shape) -> str:
    return "[" + ", ".join(str(n) for n in shape) + "]"


# --- torch's grad_fn names (users print them): many losses are composites in torch, named by their last op ----------


def _static(entry):
    """A static argument as the kernel's spec holds it (bools and floats are tagged tuples)."""
    return entry[1] if isinstance(entry, tuple) and len(entry) == 2 else entry


def grad_names(pos: int, none, mean: str = "MeanBackward0", sum: str = "SumBackward0"):  # noqa: A002
    """An `@op(grad_name=...)` for a kernel whose torch grad_fn depends on the reduction at positional slot `pos`.
    `none` is a name or a function of the spec (for flags that change torch's last op)."""
    def name(spec):
        r = _static(spec[pos])
        if r == "none":
            return none(spec) if callable(none) else none
        return mean if r == "mean" else sum if r == "sum" else "DivBackward0"  # batchmean

    return name


def when(pos: int, yes: str, no: str):
    """A name chosen by the truth of the static flag (or presence of the tensor) at slot `pos`."""
    return lambda spec: yes if _static(spec[pos]) not in (None, False) else no
