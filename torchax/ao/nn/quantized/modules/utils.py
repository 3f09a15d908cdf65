"""torch.ao.nn.quantized.modules.utils: weight quantization from an observer, shared from_float logic."""

from __future__ import annotations

from torchax.ao import _qtensor as qt


def _quantize_weight(float_wt, observer):
    """torch's _quantize_weight: per-tensor or per-channel int8 weight from the observer's qparams."""
    wt_scale, wt_zp = observer.calculate_qparams()
    if observer.qscheme in (qt.per_tensor_symmetric, qt.per_tensor_affine):
        return qt.quantize_per_tensor(float_wt, float(wt_scale), int(wt_zp), qt.qint8)
    if observer.qscheme in (qt.per_channel_symmetric, qt.per_channel_affine):
        return qt.quantize_per_channel(float_wt, wt_scale.double(), wt_zp.long(), observer.ch_axis, qt.qint8)
    raise ValueError(f"Unexpected qscheme {observer.qscheme}")


def _weight_params(qw):
    """(int values, scale, zero point) arrays of a quantized weight, for the kernels."""
    return qw._int, qw._scale, qw._zero_point
