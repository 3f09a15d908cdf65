"""torch.nn.functional: dropout family, alpha dropout.

torch's CPU algorithm (ATen's _dropout_impl), step for step, so that a seeded run draws torch's masks:
`noise = empty_like(input).bernoulli_(1 - p)` (feature dropout: one draw per (N, C)), then `noise.div_(1 - p)`
and `input * noise`; alpha dropout rescales and shifts instead. p == 0, eval mode or an empty input return the
input itself; p == 1 multiplies by zero.
"""

from __future__ import annotations

import math
import warnings

import torchax

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]
# torch.<name> functions that torch also exposes at top level (signatures may differ from F.<name>)
TOPLEVEL: dict = {}

_ALPHA = 1.7580993408473766  # selu's alpha * scale: the value alpha dropout drops to, negated


def _feature_noise(input):
    if input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return input.new_empty((input.shape[0], input.shape[1], *([1] * (input.dim() - 2))))


def _dropout_impl(input, p, train, *, feature, alpha, inplace):
    if not 0 <= p <= 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not train or input.numel() == 0:
        return input
    if p == 1:
        zero = torchax.zeros((), dtype=input.dtype)
        return input.mul_(zero) if inplace else input.mul(zero)
    noise = _feature_noise(input) if feature else torchax.empty_like(input)
    noise.bernoulli_(1 - p)
    if alpha:
        a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
        b = noise.add(-1).mul_(_ALPHA * a).add_(_ALPHA * a * p)
        noise.mul_(a)
        return (input.mul_(noise) if inplace else input.mul(noise)).add_(b)
    noise.div_(1 - p)
    return input.mul_(noise) if inplace else input.mul(noise)


def _check_p(p) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False):
    """torch.nn.functional.dropout."""
    _check_p(p)
    return _dropout_impl(input, p, training, feature=False, alpha=False, inplace=inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """torch.nn.functional.alpha_dropout."""
    _check_p(p)
    return _dropout_impl(input, p, training, feature=False, alpha=True, inplace=inplace)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """torch.nn.functional.feature_alpha_dropout."""
    _check_p(p)
    return _dropout_impl(input, p, training, feature=True, alpha=True, inplace=inplace)


def _feature_batched(input, p, training, inplace, batched: bool):
    """Feature dropout of an input that may lack the batch dimension (it is added for the draw, as torch)."""
    if not batched:
        input = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    result = _dropout_impl(input, p, training, feature=True, alpha=False, inplace=inplace)
    if not batched:
        result = result.squeeze_(0) if inplace else result.squeeze(0)
    return result


def dropout1d(input, p=0.5, training=True, inplace=False):
    """torch.nn.functional.dropout1d: zeroes whole channels of (N, C, L) or (C, L) inputs."""
    _check_p(p)
    ndim = input.dim()
    if ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {ndim}D input. Note that dropout1d "
                           "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel "
                           "dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_batched(input, p, training, inplace, ndim == 3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """torch.nn.functional.dropout2d (a 3-D input is taken as (N, C, L), with torch's warning)."""
    _check_p(p)
    ndim = input.dim()
    if ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {ndim}-D input to dropout2d, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use dropout "
                      "instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
                      stacklevel=2)
    if ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
                      "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
                      "will change in a future release to interpret the input as one without a batch dimension, i.e. "
                      "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
                      "dropout1d instead.", stacklevel=2)
    return _dropout_impl(input, p, training, feature=True, alpha=False, inplace=inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """torch.nn.functional.dropout3d: zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) inputs."""
    _check_p(p)
    ndim = input.dim()
    if ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {ndim}-D input to dropout3d, which is deprecated and will result in an "
                      "error in a future release. To retain the behavior and silence this warning, please use dropout "
                      "instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 spatial "
                      "dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D inputs).",
                      stacklevel=2)
    return _feature_batched(input, p, training, inplace, ndim == 5)


def _toplevel(name: str, feature: bool, alpha: bool, inplace: bool):
    def fn(input, p, train):
        return _dropout_impl(input, p, train, feature=feature, alpha=alpha, inplace=inplace)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"torch.{name}."
    return fn


for _name, _feature, _alpha in (("dropout", False, False), ("feature_dropout", True, False),
                                ("alpha_dropout", False, True), ("feature_alpha_dropout", True, True)):
    TOPLEVEL[_name] = _toplevel(_name, _feature, _alpha, False)
    TOPLEVEL[_name + "_"] = _toplevel(_name + "_", _feature, _alpha, True)
