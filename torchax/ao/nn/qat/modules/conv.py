"""torch.ao.nn.qat.modules.conv: convolutions whose weight is fake-quantized (quantization-aware training)."""

from __future__ import annotations

from torchax import nn
from torchax.ao.nn.intrinsic.modules.fused import _FusedModule

__all__ = ["Conv1d", "Conv2d", "Conv3d"]


def _from_float(cls, mod, float_cls, use_precomputed_fake_quant=False):
    """Build the QAT module from a float (or fused float) module carrying a qconfig."""
    if type(mod) is not cls._FLOAT_MODULE:
        raise AssertionError(f"qat.{cls.__name__}.from_float only works for {cls._FLOAT_MODULE.__name__}")
    if not hasattr(mod, "qconfig") or not mod.qconfig:
        raise AssertionError("Input float module must have a valid qconfig")
    qconfig = mod.qconfig
    conv = mod[0] if isinstance(mod, _FusedModule) else mod
    qat = cls(conv.in_channels, conv.out_channels, conv.kernel_size, stride=conv.stride, padding=conv.padding,
              dilation=conv.dilation, groups=conv.groups, bias=conv.bias is not None,
              padding_mode=conv.padding_mode, qconfig=qconfig)
    qat.weight = conv.weight
    qat.bias = conv.bias
    return qat


def _qat_conv(float_cls):
    class QATConv(float_cls):
        _FLOAT_MODULE = float_cls
        _FLOAT_CONV_MODULE = float_cls

        def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                     bias=True, padding_mode="zeros", qconfig=None, device=None, dtype=None):
            super().__init__(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                             dilation=dilation, groups=groups, bias=bias, padding_mode=padding_mode,
                             device=device, dtype=dtype)
            if not qconfig:
                raise AssertionError("qconfig must be provided for QAT module")
            self.qconfig = qconfig
            self.weight_fake_quant = qconfig.weight()

        def forward(self, input):
            return self._conv_forward(input, self.weight_fake_quant(self.weight), self.bias)

        @classmethod
        def from_float(cls, mod, use_precomputed_fake_quant=False):
            return _from_float(cls, mod, float_cls)

        def to_float(self):
            conv = float_cls(self.in_channels, self.out_channels, self.kernel_size, self.stride, self.padding,
                             self.dilation, self.groups, self.bias is not None, self.padding_mode)
            conv.weight, conv.bias = nn.Parameter(self.weight.detach()), self.bias
            return conv

    QATConv.__name__ = QATConv.__qualname__ = float_cls.__name__
    QATConv.__module__ = __name__
    QATConv.__doc__ = f"torch.ao.nn.qat.{float_cls.__name__}."
    return QATConv


Conv1d, Conv2d, Conv3d = _qat_conv(nn.Conv1d), _qat_conv(nn.Conv2d), _qat_conv(nn.Conv3d)
