"""torch.cuda.amp: deprecated aliases of torch.amp for device 'cuda' (each warns FutureWarning, as torch does)."""

from __future__ import annotations

import functools
import warnings

from torchax import _dtype
from torchax.amp import autocast_mode as _autocast_mode, grad_scaler as _grad_scaler
from torchax.amp.grad_scaler import OptState as OptState  # noqa: F401

__all__ = ["autocast", "custom_fwd", "custom_bwd", "GradScaler", "amp_definitely_not_available"]


def amp_definitely_not_available() -> bool:
    """torch.cuda.amp.common.amp_definitely_not_available."""
    from torchax import cuda

    return not cuda.is_available()


def _warn(old: str, new: str) -> None:
    warnings.warn(f"`torch.cuda.amp.{old}(args...)` is deprecated. Please use `{new}` instead.", FutureWarning,
                  stacklevel=3)


class autocast(_autocast_mode.autocast):
    """torch.cuda.amp.autocast (deprecated): torch.amp.autocast('cuda', ...)."""

    def __init__(self, enabled: bool = True, dtype=_dtype.float16, cache_enabled: bool = True):
        _warn("autocast", "torch.amp.autocast('cuda', args...)")
        super().__init__("cuda", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


class GradScaler(_grad_scaler.GradScaler):
    """torch.cuda.amp.GradScaler (deprecated): torch.amp.GradScaler('cuda', ...)."""

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        _warn("GradScaler", "torch.amp.GradScaler('cuda', args...)")
        super().__init__("cuda", init_scale=init_scale, growth_factor=growth_factor,
                         backoff_factor=backoff_factor, growth_interval=growth_interval, enabled=enabled)


def custom_fwd(fwd=None, *, cast_inputs=None):
    """torch.cuda.amp.custom_fwd (deprecated): torch.amp.custom_fwd(..., device_type='cuda')."""
    _warn("custom_fwd", "torch.amp.custom_fwd(args..., device_type='cuda')")
    return functools.partial(_autocast_mode.custom_fwd, device_type="cuda")(fwd=fwd, cast_inputs=cast_inputs)


def custom_bwd(bwd):
    """torch.cuda.amp.custom_bwd (deprecated): torch.amp.custom_bwd(..., device_type='cuda')."""
    _warn("custom_bwd", "torch.amp.custom_bwd(args..., device_type='cuda')")
    return functools.partial(_autocast_mode.custom_bwd, device_type="cuda")(bwd)
