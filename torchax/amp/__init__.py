"""torchax.amp: torch.amp (autocast, GradScaler, custom_fwd/custom_bwd) on torchax's dispatcher hook."""

from torchax.amp import (  # noqa: F401
    _state,  # noqa: F401 - installs the per-op policies
    autocast_mode as autocast_mode,
    grad_scaler as grad_scaler,
)
from torchax.amp.autocast_mode import (
    _cast as _cast,
    autocast as autocast,
    custom_bwd as custom_bwd,
    custom_fwd as custom_fwd,
    is_autocast_available as is_autocast_available,
)
from torchax.amp.grad_scaler import GradScaler as GradScaler, OptState as OptState  # noqa: F401

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available", "GradScaler"]

# torch.cpu.amp and torch.cuda.amp (deprecated aliases) load with torch.amp, as in torch
from torchax.cpu import amp as _cpu_amp  # noqa: E402,F401
from torchax.cuda import amp as _cuda_amp  # noqa: E402,F401
