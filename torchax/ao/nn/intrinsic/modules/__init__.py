"""torch.ao.nn.intrinsic.modules."""
from torchax.ao.nn.intrinsic.modules.fused import *  # noqa: F401,F403
from torchax.ao.nn.intrinsic.modules.fused import _FusedModule  # noqa: F401
