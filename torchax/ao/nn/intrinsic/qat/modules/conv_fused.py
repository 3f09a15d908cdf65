"""torch.ao.nn.intrinsic.qat: fused modules for quantization-aware training (conv/linear + ReLU)."""

from __future__ import annotations

from torchax.ao.nn.intrinsic.modules import fused as nni
from torchax.ao.nn.qat.modules import conv as qat_conv
from torchax.ao.nn.qat.modules.linear import Linear
from torchax.nn import functional as F

__all__ = ["ConvReLU1d", "ConvReLU2d", "ConvReLU3d", "LinearReLU"]


def _relu_of(base, fused):
    class QATReLU(base):
        _FLOAT_MODULE = fused

        def forward(self, input):
            return F.relu(super().forward(input))

        @classmethod
        def from_float(cls, mod, use_precomputed_fake_quant=False):
            return base.from_float.__func__(cls, mod)

    QATReLU.__name__ = QATReLU.__qualname__ = fused.__name__
    QATReLU.__module__ = __name__
    QATReLU.__doc__ = f"torch.ao.nn.intrinsic.qat.{fused.__name__}."
    return QATReLU


ConvReLU1d = _relu_of(qat_conv.Conv1d, nni.ConvReLU1d)
ConvReLU2d = _relu_of(qat_conv.Conv2d, nni.ConvReLU2d)
ConvReLU3d = _relu_of(qat_conv.Conv3d, nni.ConvReLU3d)
LinearReLU = _relu_of(Linear, nni.LinearReLU)
