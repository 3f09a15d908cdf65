"""torch.ao.quantization.fake_quantize: quantize-dequantize modules for quantization-aware training."""

from __future__ import annotations

import torchax
from torchax import nn
from torchax.ao import _qtensor as qt
from torchax.ao.quantization.observer import (
    MovingAverageMinMaxObserver,
    MovingAveragePerChannelMinMaxObserver,
    _with_args,
)

__all__ = ["FakeQuantizeBase", "FakeQuantize", "FusedMovingAvgObsFakeQuantize", "default_fake_quant",
           "default_weight_fake_quant", "default_per_channel_weight_fake_quant", "default_fused_act_fake_quant",
           "default_fused_wt_fake_quant", "default_fused_per_channel_wt_fake_quant", "disable_fake_quant",
           "enable_fake_quant", "disable_observer", "enable_observer"]


class FakeQuantizeBase(nn.Module):
    """torch.ao.quantization.FakeQuantizeBase: the fake_quant_enabled / observer_enabled switches."""

    with_args = classmethod(_with_args)

    def __init__(self):
        super().__init__()
        self.register_buffer("fake_quant_enabled", torchax.tensor([1], dtype=torchax.uint8))
        self.register_buffer("observer_enabled", torchax.tensor([1], dtype=torchax.uint8))

    def enable_fake_quant(self, enabled: bool = True) -> None:
        self.fake_quant_enabled[0] = 1 if enabled else 0

    def disable_fake_quant(self) -> None:
        self.enable_fake_quant(False)

    def enable_observer(self, enabled: bool = True) -> None:
        self.observer_enabled[0] = 1 if enabled else 0

    def disable_observer(self) -> None:
        self.enable_observer(False)


class FakeQuantize(FakeQuantizeBase):
    """torch.ao.quantization.FakeQuantize: observe (when enabled), then fake-quantize with the observer's qparams.

    The gradient is the straight-through estimator (1 inside [quant_min, quant_max], 0 where values clamp)."""

    def __init__(self, observer=MovingAverageMinMaxObserver, quant_min=None, quant_max=None, is_dynamic=False,
                 **observer_kwargs):
        super().__init__()
        if quant_min is not None and quant_max is not None:
            if quant_min > quant_max:
                raise ValueError("quant_min must be less than or equal to quant_max")
            observer_kwargs.update(quant_min=quant_min, quant_max=quant_max)
        observer_kwargs["is_dynamic"] = is_dynamic
        self.activation_post_process = observer(**observer_kwargs)
        self.quant_min = self.activation_post_process.quant_min
        self.quant_max = self.activation_post_process.quant_max
        self.is_dynamic = self.activation_post_process.is_dynamic
        self.register_buffer("scale", torchax.tensor([1.0], dtype=torchax.float32))
        self.register_buffer("zero_point", torchax.tensor([0], dtype=torchax.int32))
        self.dtype = self.activation_post_process.dtype
        self.qscheme = self.activation_post_process.qscheme
        self.ch_axis = getattr(self.activation_post_process, "ch_axis", -1)
        self.is_per_channel = self.qscheme in (qt.per_channel_affine, qt.per_channel_symmetric,
                                               qt.per_channel_affine_float_qparams)
        self.is_symmetric_quant = self.qscheme in (qt.per_tensor_symmetric, qt.per_channel_symmetric)

    def calculate_qparams(self):
        return self.activation_post_process.calculate_qparams()

    def _update_qparams(self, X) -> None:
        self.activation_post_process(X.detach())
        scale, zero_point = self.calculate_qparams()
        self.scale = scale.to(torchax.float32)  # (torch resizes the buffers in place)
        self.zero_point = zero_point.to(torchax.int32)

    def forward(self, X):
        if self.observer_enabled[0].item() == 1:
            self._update_qparams(X)
        if self.fake_quant_enabled[0].item() == 1:
            if self.is_per_channel:
                X = qt.fake_quantize_per_channel_affine(X, self.scale, self.zero_point, self.ch_axis,
                                                        self.quant_min, self.quant_max)
            else:
                X = qt.fake_quantize_per_tensor_affine(X, self.scale, self.zero_point, self.quant_min,
                                                       self.quant_max)
        return X

    def extra_repr(self) -> str:
        return (f"fake_quant_enabled={self.fake_quant_enabled}, observer_enabled={self.observer_enabled}, "
                f"quant_min={self.activation_post_process.quant_min}, "
                f"quant_max={self.activation_post_process.quant_max}, dtype={self.dtype}, qscheme={self.qscheme}, "
                f"ch_axis={self.ch_axis}, scale={self.scale}, zero_point={self.zero_point}")


class FusedMovingAvgObsFakeQuantize(FakeQuantize):
    """torch.ao.quantization.FusedMovingAvgObsFakeQuantize (torch.fused_moving_avg_obs_fake_quant).

    Like torch's fused kernel, the qparams used while training come from ATen's ChooseQuantizationParams on the
    running min/max (symmetric schemes preserve sparsity); calculate_qparams (used by convert) is the observer's."""

    def __init__(self, observer=MovingAverageMinMaxObserver, quant_min=0, quant_max=255, **observer_kwargs):
        super().__init__(observer, quant_min, quant_max, **observer_kwargs)

    def _update_qparams(self, X) -> None:
        obs = self.activation_post_process
        obs(X.detach())
        lo, hi = obs.min_val._value, obs.max_val._value
        scale, zp = qt.choose_qparams_minmax(lo, hi, self.quant_min, self.quant_max,
                                             preserve_sparsity=self.is_symmetric_quant)
        self.scale = torchax._tensor.wrap(scale.reshape(-1))
        self.zero_point = torchax._tensor.wrap(zp.reshape(-1))


def _act_fq(**kw):
    return FakeQuantize.with_args(observer=MovingAverageMinMaxObserver, **kw)


default_fake_quant = _act_fq(quant_min=0, quant_max=255, dtype=qt.quint8, qscheme=qt.per_tensor_affine,
                             reduce_range=True)
default_weight_fake_quant = _act_fq(quant_min=-128, quant_max=127, dtype=qt.qint8, qscheme=qt.per_tensor_symmetric,
                                    reduce_range=False)
default_per_channel_weight_fake_quant = FakeQuantize.with_args(
    observer=MovingAveragePerChannelMinMaxObserver, quant_min=-128, quant_max=127, dtype=qt.qint8,
    qscheme=qt.per_channel_symmetric, reduce_range=False, ch_axis=0)
default_fused_act_fake_quant = FusedMovingAvgObsFakeQuantize.with_args(
    observer=MovingAverageMinMaxObserver, quant_min=0, quant_max=255, dtype=qt.quint8)
default_fused_wt_fake_quant = FusedMovingAvgObsFakeQuantize.with_args(
    observer=MovingAverageMinMaxObserver, quant_min=-128, quant_max=127, dtype=qt.qint8,
    qscheme=qt.per_tensor_symmetric)
default_fused_per_channel_wt_fake_quant = FusedMovingAvgObsFakeQuantize.with_args(
    observer=MovingAveragePerChannelMinMaxObserver, quant_min=-128, quant_max=127, dtype=qt.qint8,
    qscheme=qt.per_channel_symmetric)


def _apply(name):
    def fn(mod):
        if isinstance(mod, FakeQuantizeBase):
            getattr(mod, name)()
    fn.__name__ = name
    fn.__doc__ = f"torch.ao.quantization.{name} (use with module.apply)."
    return fn


disable_fake_quant, enable_fake_quant = _apply("disable_fake_quant"), _apply("enable_fake_quant")
disable_observer, enable_observer = _apply("disable_observer"), _apply("enable_observer")
