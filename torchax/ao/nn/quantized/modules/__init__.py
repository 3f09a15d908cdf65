"""torch.ao.nn.quantized.modules: modules computing on quantized tensors; Quantize and DeQuantize."""

from __future__ import annotations

import torchax
from torchax import nn
from torchax.ao import _qtensor as qt
from torchax.ao.nn.quantized.modules.conv import Conv1d, Conv2d, Conv3d
from torchax.ao.nn.quantized.modules.linear import Linear

__all__ = ["Quantize", "DeQuantize", "Conv1d", "Conv2d", "Conv3d", "Linear"]


class Quantize(nn.Module):
    """torch.ao.nn.quantized.Quantize: quantize_per_tensor with the observed scale and zero point."""

    def __init__(self, scale, zero_point, dtype, factory_kwargs=None):
        super().__init__()
        self.register_buffer("scale", torchax.tensor([scale]))
        self.register_buffer("zero_point", torchax.tensor([zero_point], dtype=torchax.int64))
        self.dtype = dtype

    def forward(self, X):
        return qt.quantize_per_tensor(X, self.scale, self.zero_point, self.dtype)

    @staticmethod
    def from_float(mod, use_precomputed_fake_quant=False):
        scale, zero_point = mod.activation_post_process.calculate_qparams()
        return Quantize(scale.float().item(), zero_point.long().item(), mod.activation_post_process.dtype)

    def extra_repr(self) -> str:
        return f"scale={self.scale}, zero_point={self.zero_point}, dtype={self.dtype}"


class DeQuantize(nn.Module):
    """torch.ao.nn.quantized.DeQuantize."""

    def forward(self, Xq):
        return Xq.dequantize()

    @staticmethod
    def from_float(mod, use_precomputed_fake_quant=False):
        return DeQuantize()
