"""torch.ao.nn.intrinsic.quantized.modules."""
from torchax.ao.nn.intrinsic.quantized.modules.conv_relu import *  # noqa: F401,F403
from torchax.ao.nn.intrinsic.quantized.modules.linear_relu import *  # noqa: F401,F403
