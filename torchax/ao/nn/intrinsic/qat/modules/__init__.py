"""torch.ao.nn.intrinsic.qat.modules."""
from torchax.ao.nn.intrinsic.qat.modules.conv_fused import *  # noqa: F401,F403
