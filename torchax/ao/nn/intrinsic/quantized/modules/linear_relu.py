"""torch.ao.nn.intrinsic.quantized.modules.linear_relu: quantized Linear with a fused ReLU."""

from torchax.ao.nn.intrinsic.modules import fused as nni
from torchax.ao.nn.quantized.modules import linear as nnq

__all__ = ["LinearReLU"]


class LinearReLU(nnq.Linear):
    """torch.ao.nn.intrinsic.quantized.LinearReLU."""

    _FLOAT_MODULE, _RELU = nni.LinearReLU, True
