"""torch.ao.quantization: eager-mode quantization on JAX (observers, fake-quantize, fuse/prepare/convert).

Quantized tensors are torchax.ao._qtensor.QTensor (torchax's core has no quantized dtypes); quantized modules compute
in integer arithmetic as fbgemm does (see torchax/ao/nn/quantized/_kernels.py).
"""

from torchax.ao._qtensor import QTensor as QTensor  # noqa: F401
from torchax.ao.quantization import (  # noqa: F401,E402  # noqa: F401,E402
    fake_quantize as fake_quantize,
    observer as observer,
    qconfig as qconfig,
    quantization_mappings as quantization_mappings,  # noqa: F401,E402
    stubs as stubs,
)
from torchax.ao.quantization.fake_quantize import *  # noqa: F401,F403
from torchax.ao.quantization.fuse_modules import *  # noqa: F401,F403
from torchax.ao.quantization.observer import *  # noqa: F401,F403
from torchax.ao.quantization.qconfig import *  # noqa: F401,F403
from torchax.ao.quantization.quantization_mappings import *  # noqa: F401,F403
from torchax.ao.quantization.quantize import *  # noqa: F401,F403
from torchax.ao.quantization.stubs import *  # noqa: F401,F403
