"""torch.quantization: torch's older name of torch.ao.quantization (same objects; torch 2.13 does not warn on import,
its entry points warn as deprecated when called)."""
from torchax.ao.quantization import *  # noqa: F401,F403
from torchax.ao.quantization import (  # noqa: F401  # noqa: F401
    fake_quantize,
    fuse_modules as fuse_modules,
    observer,
    qconfig,
    quantization_mappings,
    quantize as quantize,
    stubs,
)
