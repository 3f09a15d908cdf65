"""torch.ao.nn.intrinsic.quantized.modules.conv_relu: quantized convolution with a fused ReLU."""

from torchax.ao.nn.intrinsic.modules import fused as nni
from torchax.ao.nn.quantized.modules import conv as nnq

__all__ = ["ConvReLU1d", "ConvReLU2d", "ConvReLU3d"]


class ConvReLU1d(nnq.Conv1d):
    """torch.ao.nn.intrinsic.quantized.ConvReLU1d."""

    _FLOAT_MODULE, _RELU = nni.ConvReLU1d, True


class ConvReLU2d(nnq.Conv2d):
    """torch.ao.nn.intrinsic.quantized.ConvReLU2d."""

    _FLOAT_MODULE, _RELU = nni.ConvReLU2d, True


class ConvReLU3d(nnq.Conv3d):
    """torch.ao.nn.intrinsic.quantized.ConvReLU3d."""

    _FLOAT_MODULE, _RELU = nni.ConvReLU3d, True
