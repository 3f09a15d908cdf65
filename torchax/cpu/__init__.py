"""torchax.cpu: torch.cpu (the CPU "device module") and torch.cpu.amp."""

from __future__ import annotations

__all__ = ["is_available", "device_count", "current_device", "set_device", "synchronize", "is_initialized"]


def is_available() -> bool:
    """torch.cpu.is_available."""
    return True


def device_count() -> int:
    """torch.cpu.device_count."""
    return 1


def current_device() -> str:
    """torch.cpu.current_device."""
    return "cpu"


def set_device(device) -> None:
    """torch.cpu.set_device (a no-op, as in torch)."""


def synchronize(device=None) -> None:
    """torch.cpu.synchronize: waits for all pending JAX work."""
    import jax

    jax.effects_barrier()


def is_initialized() -> bool:
    """torch.cpu.is_initialized."""
    return True


from torchax.cpu import amp as amp  # noqa: E402
