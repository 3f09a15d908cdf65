"""torch.ao.quantization.observer: modules that record statistics of the tensors they see and compute qparams."""

from __future__ import annotations

import functools
import warnings

import numpy as np

import torchax
from torchax import nn
from torchax.ao import _qtensor as qt

__all__ = ["ObserverBase", "UniformQuantizationObserverBase", "MinMaxObserver", "MovingAverageMinMaxObserver",
           "PerChannelMinMaxObserver", "MovingAveragePerChannelMinMaxObserver", "HistogramObserver",
           "PlaceholderObserver", "NoopObserver", "default_observer", "default_weight_observer",
           "default_per_channel_weight_observer", "default_histogram_observer", "default_placeholder_observer",
           "default_dynamic_quant_observer", "default_float_qparams_observer", "weight_observer_range_neg_127_to_127",
           "per_channel_weight_observer_range_neg_127_to_127"]

_EPS = float(np.finfo(np.float32).eps)


class _PartialWrapper:
    """torch's factory of observers/fake-quantizers made by `with_args` (calling it builds one)."""

    def __init__(self, p):
        self.p = p

    def __call__(self, *args, **kwargs):
        return self.p(*args, **kwargs)

    def __repr__(self) -> str:
        return self.p.__repr__() + "{}"

    def with_args(self, **kwargs):
        return _PartialWrapper(functools.partial(self.p, **kwargs))


def _with_args(cls_or_self, **kwargs):
    return _PartialWrapper(functools.partial(cls_or_self, **kwargs))


class ObserverBase(nn.Module):
    """torch.ao.quantization.observer.ObserverBase."""

    with_args = classmethod(_with_args)

    def __init__(self, dtype, is_dynamic=False):
        super().__init__()
        self.dtype = dtype
        self.is_dynamic = is_dynamic


def _qmin_qmax(dtype, reduce_range, quant_min, quant_max):
    """torch's calculate_qmin_qmax."""
    if quant_min is not None and quant_max is not None:  # (torch halves a custom range too)
        return (quant_min // 2, quant_max // 2) if reduce_range else (quant_min, quant_max)
    lo, hi = {qt.qint8: (-128, 127), qt.quint8: (0, 255), torchax.int8: (-128, 127), torchax.uint8: (0, 255),
              qt.qint32: (-2**31, 2**31 - 1), torchax.int32: (-2**31, 2**31 - 1)}.get(dtype, (0, 15))
    if reduce_range and dtype in (qt.qint8, qt.quint8, torchax.int8, torchax.uint8):
        lo, hi = lo // 2, hi // 2
    return lo, hi


class UniformQuantizationObserverBase(ObserverBase):
    """torch's base of the min/max style observers: qparams from a (min, max) range."""

    def __init__(self, dtype=qt.quint8, qscheme=qt.per_tensor_affine, reduce_range=False, quant_min=None,
                 quant_max=None, factory_kwargs=None, eps=_EPS, is_dynamic=False, **kwargs):
        super().__init__(dtype=dtype, is_dynamic=is_dynamic)
        self.qscheme = qscheme
        if reduce_range:
            warnings.warn("Please use quant_min and quant_max to specify the range for observers. \
                    reduce_range will be deprecated in a future release of PyTorch.", stacklevel=2)
        self.reduce_range = reduce_range
        self.register_buffer("eps", torchax.tensor([eps]))
        self.has_customized_qrange = quant_min is not None and quant_max is not None
        self.quant_min, self.quant_max = _qmin_qmax(dtype, reduce_range, quant_min, quant_max)

    def _calculate_qparams(self, min_val, max_val):
        """torch's qparams: affine (zero point from min) or symmetric (centred) over [min(min,0), max(max,0)]."""
        if min_val.numel() == 0 or bool((min_val == float("inf")).all()):
            return torchax.tensor([1.0]), torchax.tensor([0])
        qmin, qmax = self.quant_min, self.quant_max
        min_neg = torchax.minimum(min_val, torchax.zeros_like(min_val))
        max_pos = torchax.maximum(max_val, torchax.zeros_like(max_val))
        zero_point = torchax.zeros(min_neg.size(), dtype=torchax.int64)
        if self.qscheme in (qt.per_tensor_symmetric, qt.per_channel_symmetric):
            max_pos = torchax.maximum(-min_neg, max_pos)
            scale = torchax.maximum(max_pos / (float(qmax - qmin) / 2), self.eps)
            if self.dtype in (qt.quint8, torchax.uint8):
                zero_point = zero_point.new_full(zero_point.size(),
                                                 (qmin + qmax) // 2 if self.has_customized_qrange else 128)
        elif self.qscheme == qt.per_channel_affine_float_qparams:
            scale = (max_val - min_val) / float(qmax - qmin)
            scale = torchax.where(scale > self.eps, scale, torchax.ones_like(scale))
            zero_point = -1 * min_val / scale
        else:
            scale = torchax.maximum((max_pos - min_neg) / float(qmax - qmin), self.eps)
            zero_point = qmin - torchax.round(min_neg / scale).to(torchax.int32)
            zero_point = torchax.clamp(zero_point, qmin, qmax)
        if scale.dim() == 0:
            scale = scale.reshape(1)
        if zero_point.dim() == 0:
            zero_point = zero_point.reshape(1)
        return scale, zero_point

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class MinMaxObserver(UniformQuantizationObserverBase):
    """torch.ao.quantization.MinMaxObserver: running min/max of every tensor seen."""

    def __init__(self, dtype=qt.quint8, qscheme=qt.per_tensor_affine, reduce_range=False, quant_min=None,
                 quant_max=None, factory_kwargs=None, eps=_EPS, is_dynamic=False, **kwargs):
        if qscheme not in (qt.per_tensor_affine, qt.per_tensor_symmetric):
            raise NotImplementedError("MinMaxObserver's qscheme only support torch.per_tensor_symmetric \
                    and torch.per_tensor_affine.")
        super().__init__(dtype, qscheme, reduce_range, quant_min, quant_max, factory_kwargs, eps, is_dynamic,
                         **kwargs)
        self.register_buffer("min_val", torchax.tensor(float("inf")))
        self.register_buffer("max_val", torchax.tensor(float("-inf")))
        if qscheme == qt.per_tensor_symmetric and reduce_range and dtype == qt.quint8:
            raise NotImplementedError("Cannot reduce range for symmetric \
                                       quantization for quint8")

    def forward(self, x_orig):
        if x_orig.numel() == 0:
            return x_orig
        lo, hi = torchax.aminmax(x_orig.detach().to(self.min_val.dtype))
        self.min_val.copy_(torchax.minimum(lo, self.min_val))
        self.max_val.copy_(torchax.maximum(hi, self.max_val))
        return x_orig

    def calculate_qparams(self):
        return self._calculate_qparams(self.min_val, self.max_val)

    def reset_min_max_vals(self):
        self.min_val.copy_(torchax.tensor(float("inf")))
        self.max_val.copy_(torchax.tensor(float("-inf")))


class MovingAverageMinMaxObserver(MinMaxObserver):
    """torch.ao.quantization.MovingAverageMinMaxObserver: min/max averaged with `averaging_constant`."""

    def __init__(self, averaging_constant=0.01, dtype=qt.quint8, qscheme=qt.per_tensor_affine, reduce_range=False,
                 quant_min=None, quant_max=None, eps=_EPS, is_dynamic=False, **kwargs):
        self.averaging_constant = averaging_constant
        super().__init__(dtype=dtype, qscheme=qscheme, reduce_range=reduce_range, quant_min=quant_min,
                         quant_max=quant_max, eps=eps, is_dynamic=is_dynamic, **kwargs)

    def forward(self, x_orig):
        if x_orig.numel() == 0:
            return x_orig
        lo, hi = torchax.aminmax(x_orig.detach().to(self.min_val.dtype))
        if not (bool(self.min_val == float("inf")) and bool(self.max_val == float("-inf"))):
            c = self.averaging_constant
            lo, hi = self.min_val + c * (lo - self.min_val), self.max_val + c * (hi - self.max_val)
        self.min_val.copy_(lo)
        self.max_val.copy_(hi)
        return x_orig


class PerChannelMinMaxObserver(UniformQuantizationObserverBase):
    """torch.ao.quantization.PerChannelMinMaxObserver: min/max per slice along `ch_axis`."""

    _averaging = None

    def __init__(self, ch_axis=0, dtype=qt.quint8, qscheme=qt.per_channel_affine, reduce_range=False,
                 quant_min=None, quant_max=None, factory_kwargs=None, eps=_EPS, is_dynamic=False, **kwargs):
        if qscheme not in (qt.per_channel_affine, qt.per_channel_symmetric, qt.per_channel_affine_float_qparams):
            raise NotImplementedError("Per channel qscheme only supports torch.per_channel_symmetric, "
                                      "torch.per_channel_affine and torch.per_channel_affine_float_qparams.")
        super().__init__(dtype, qscheme, reduce_range, quant_min, quant_max, factory_kwargs, eps, is_dynamic,
                         **kwargs)
        self.ch_axis = ch_axis
        self.register_buffer("min_val", torchax.tensor([]))
        self.register_buffer("max_val", torchax.tensor([]))
        if qscheme == qt.per_channel_symmetric and reduce_range and dtype == qt.quint8:
            raise NotImplementedError("Cannot reduce range for symmetric quantization for quint8")

    def forward(self, x_orig):
        if x_orig.numel() == 0:
            return x_orig
        y = torchax.flatten(x_orig.detach().movedim(self.ch_axis, 0).to(self.min_val.dtype), 1)
        lo, hi = torchax.aminmax(y, dim=1)
        if self.min_val.numel() != 0:
            if self._averaging is None:
                lo, hi = torchax.minimum(lo, self.min_val), torchax.maximum(hi, self.max_val)
            else:
                c = self._averaging
                lo, hi = self.min_val + c * (lo - self.min_val), self.max_val + c * (hi - self.max_val)
        self.min_val = lo.clone()  # (torch resizes the buffer in place)
        self.max_val = hi.clone()
        return x_orig

    def calculate_qparams(self):
        return self._calculate_qparams(self.min_val, self.max_val)

    def reset_min_max_vals(self):
        self.min_val = torchax.tensor([])
        self.max_val = torchax.tensor([])


class MovingAveragePerChannelMinMaxObserver(PerChannelMinMaxObserver):
    """torch.ao.quantization.MovingAveragePerChannelMinMaxObserver."""

    def __init__(self, averaging_constant=0.01, ch_axis=0, dtype=qt.quint8, qscheme=qt.per_channel_affine,
                 reduce_range=False, quant_min=None, quant_max=None, eps=_EPS, is_dynamic=False, **kwargs):
        super().__init__(ch_axis=ch_axis, dtype=dtype, qscheme=qscheme, reduce_range=reduce_range,
                         quant_min=quant_min, quant_max=quant_max, eps=eps, is_dynamic=is_dynamic, **kwargs)
        self.averaging_constant = self._averaging = averaging_constant


class PlaceholderObserver(ObserverBase):
    """torch.ao.quantization.PlaceholderObserver: records nothing; carries dtype (and is_dynamic) for convert."""

    def __init__(self, dtype=torchax.float32, custom_op_name="", compute_dtype=None, quant_min=None, quant_max=None,
                 qscheme=None, eps=None, is_dynamic=False):
        super().__init__(dtype=dtype, is_dynamic=is_dynamic)
        self.qscheme = qt.per_tensor_affine if qscheme is None else qscheme
        self.quant_min, self.quant_max, self.eps = quant_min, quant_max, eps
        self.custom_op = custom_op_name

    def forward(self, x):
        return x

    def calculate_qparams(self):
        raise Exception("calculate_qparams should not be called for PlaceholderObserver")  # noqa: TRY002


class NoopObserver(ObserverBase):
    """torch.ao.quantization.NoopObserver."""

    def __init__(self, dtype=torchax.float16, custom_op_name=""):
        super().__init__(dtype=dtype)
        self.custom_op = custom_op_name

    def forward(self, x):
        return x

    def calculate_qparams(self):
        raise Exception("calculate_qparams should not be called for NoopObserver")  # noqa: TRY002


from torchax.ao.quantization._histogram import HistogramObserver  # noqa: E402

default_observer = MinMaxObserver.with_args(quant_min=0, quant_max=127)
default_placeholder_observer = PlaceholderObserver
default_weight_observer = MinMaxObserver.with_args(dtype=qt.qint8, qscheme=qt.per_tensor_symmetric)
weight_observer_range_neg_127_to_127 = MinMaxObserver.with_args(
    dtype=qt.qint8, qscheme=qt.per_tensor_symmetric, quant_min=-127, quant_max=127, eps=2**-12)
default_histogram_observer = HistogramObserver.with_args(quant_min=0, quant_max=127)
default_per_channel_weight_observer = PerChannelMinMaxObserver.with_args(
    dtype=qt.qint8, qscheme=qt.per_channel_symmetric)
per_channel_weight_observer_range_neg_127_to_127 = PerChannelMinMaxObserver.with_args(
    dtype=qt.qint8, qscheme=qt.per_channel_symmetric, quant_min=-127, quant_max=127, eps=2**-12)
default_dynamic_quant_observer = PlaceholderObserver.with_args(
    dtype=qt.quint8, quant_min=0, quant_max=255, is_dynamic=True)
default_float_qparams_observer = PerChannelMinMaxObserver.with_args(
    dtype=qt.quint8, qscheme=qt.per_channel_affine_float_qparams, ch_axis=0)
