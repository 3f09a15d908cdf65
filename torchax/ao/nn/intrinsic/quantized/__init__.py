"""torch.ao.nn.intrinsic.quantized: quantized fused modules (ConvReLU2d, LinearReLU, ...)."""
from torchax.ao.nn.intrinsic.quantized.modules import *  # noqa: F401,F403
