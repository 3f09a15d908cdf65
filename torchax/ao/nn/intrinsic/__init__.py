"""torch.ao.nn.intrinsic: fused modules (ConvReLU2d, LinearReLU, ConvBn2d, ...)."""
from torchax.ao.nn.intrinsic import qat as qat, quantized as quantized  # noqa: E402
from torchax.ao.nn.intrinsic.modules import *  # noqa: F401,F403
from torchax.ao.nn.intrinsic.modules import _FusedModule  # noqa: F401
