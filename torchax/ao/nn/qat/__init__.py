"""torch.ao.nn.qat: modules for quantization-aware training (weights fake-quantized)."""
from torchax.ao.nn.qat.modules import (  # noqa: F401
    Conv1d as Conv1d,
    Conv2d as Conv2d,
    Conv3d as Conv3d,
    Linear as Linear,  # noqa: F401
)
