"""torch.ao: eager-mode quantization (torch.ao.quantization) and its modules (torch.ao.nn).

`from torchax.ao import *` gives torch's top-level quantization names: torch.qint8/quint8/qint32, the qschemes,
torch.quantize_per_tensor, quantize_per_channel, dequantize, fake_quantize_per_*; it also loads torch.quantization.
"""
import torchax.quantization  # noqa: F401,E402 - torch.quantization, torch's older alias of torch.ao.quantization
from torchax.ao import nn as nn, quantization as quantization  # noqa: F401,E402
from torchax.ao._qtensor import *  # noqa: F401,F403
from torchax.ao._qtensor import __all__  # noqa: F401
