"""torch.ao.nn.quantized: modules computing on quantized tensors."""
from torchax.ao.nn.quantized import dynamic as dynamic  # noqa: E402
from torchax.ao.nn.quantized.modules import *  # noqa: F401,F403
