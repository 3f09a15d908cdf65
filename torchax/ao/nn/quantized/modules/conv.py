"""torch.ao.nn.quantized.modules.conv: convolutions on quint8 tensors with int8 weights (fbgemm arithmetic)."""

from __future__ import annotations

import jax.numpy as jnp

import torchax
from torchax import nn
from torchax.ao import _qtensor as qt
from torchax.ao.nn.intrinsic.modules.fused import _FusedModule
from torchax.ao.nn.quantized import _kernels
from torchax.ao.nn.quantized.modules.utils import _quantize_weight

__all__ = ["Conv1d", "Conv2d", "Conv3d"]


def _tuple(v, n):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


class _ConvNd(nn.Module):
    _NDIM = 2
    _FLOAT_MODULE = nn.Conv2d
    _RELU = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        n = self._NDIM
        if padding_mode != "zeros":
            raise NotImplementedError("torchax's quantized convolutions support padding_mode='zeros' only")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = _tuple(kernel_size, n), _tuple(stride, n)
        self.padding, self.dilation = _tuple(padding, n), _tuple(dilation, n)
        self.padding_mode, self.transposed, self.output_padding = padding_mode, False, _tuple(0, n)
        w = torchax.zeros((out_channels, in_channels // groups) + self.kernel_size)
        self.set_weight_bias(qt.quantize_per_tensor(w, 1.0, 0, qt.qint8),
                             torchax.zeros(out_channels) if bias else None)
        self.scale, self.zero_point = 1.0, 0

    def set_weight_bias(self, w, b) -> None:
        self._weight, self._bias = w, b

    def weight(self):
        return self._weight

    def bias(self):
        return self._bias

    def _get_name(self) -> str:
        return "Quantized" + type(self).__name__

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
             f"scale={self.scale}, zero_point={self.zero_point}")
        if self.padding != (0,) * self._NDIM:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._NDIM:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self._bias is None:
            s += ", bias=False"
        return s

    def forward(self, input):
        if input.dim() != self._NDIM + 2:
            raise ValueError(f"Input shape must be `(N, C, {', '.join('DHW'[-self._NDIM:])})`!")
        w = self._weight
        out = _kernels.conv(input._int, input._scale, input._zero_point, w._int, w._scale, w._zero_point,
                            None if self._bias is None else self._bias._value, jnp.float32(self.scale),
                            jnp.int32(self.zero_point), self.stride, self.padding, self.dilation, self.groups,
                            self._RELU)
        return qt.QTensor(out, qt.quint8, qt.per_tensor_affine, jnp.float32(self.scale), jnp.int32(self.zero_point))

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        """The quantized module of an observed float, fused or QAT module (weights quantized by its observer)."""
        if hasattr(mod, "weight_fake_quant"):  # a QAT module: its fake-quantizer observed the weight
            weight_post_process, conv = mod.weight_fake_quant, mod
        else:
            if not hasattr(mod, "qconfig"):
                raise AssertionError("Input float module must have qconfig defined.")
            conv = mod[0] if isinstance(mod, _FusedModule) else mod
            weight_post_process = mod.qconfig.weight()
            weight_post_process(conv.weight)
        act_scale, act_zp = mod.activation_post_process.calculate_qparams()
        qconv = cls(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding, conv.dilation,
                    conv.groups, conv.bias is not None, conv.padding_mode)
        qweight = _quantize_weight(conv.weight.float(), weight_post_process)
        qconv.set_weight_bias(qweight, None if conv.bias is None else conv.bias.detach().clone())
        qconv.scale, qconv.zero_point = float(act_scale), int(act_zp)
        return qconv


class Conv1d(_ConvNd):
    """torch.ao.nn.quantized.Conv1d."""

    _NDIM, _FLOAT_MODULE = 1, nn.Conv1d


class Conv2d(_ConvNd):
    """torch.ao.nn.quantized.Conv2d."""

    _NDIM, _FLOAT_MODULE = 2, nn.Conv2d


class Conv3d(_ConvNd):
    """torch.ao.nn.quantized.Conv3d."""

    _NDIM, _FLOAT_MODULE = 3, nn.Conv3d
