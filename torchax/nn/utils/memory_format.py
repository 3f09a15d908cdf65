"""torch.nn.utils.memory_format: conv weight layout conversions (layouts are XLA's business here: no-ops)."""

from __future__ import annotations

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def convert_conv2d_weight_memory_format(module, memory_format):
    """torch.nn.utils.convert_conv2d_weight_memory_format: returns `module` (no memory formats under XLA)."""
    return module


def convert_conv3d_weight_memory_format(module, memory_format):
    """torch.nn.utils.convert_conv3d_weight_memory_format: returns `module` (no memory formats under XLA)."""
    return module
