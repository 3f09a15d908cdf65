"""torchax.signal: the `torch.signal` namespace."""

from torchax.signal import windows as windows

__all__ = ["windows"]
