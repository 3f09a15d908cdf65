"""torch.ao.nn.qat.modules."""
from torchax.ao.nn.qat.modules.conv import Conv1d as Conv1d, Conv2d as Conv2d, Conv3d as Conv3d  # noqa: F401
from torchax.ao.nn.qat.modules.linear import Linear as Linear  # noqa: F401
