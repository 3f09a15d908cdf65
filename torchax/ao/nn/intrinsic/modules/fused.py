"""torch.ao.nn.intrinsic.modules.fused: containers marking modules fused for quantization (a Sequential each)."""

from __future__ import annotations

from torchax import nn

__all__ = ["_FusedModule", "ConvReLU1d", "ConvReLU2d", "ConvReLU3d", "LinearReLU", "BNReLU2d", "BNReLU3d",
           "ConvBn1d", "ConvBn2d", "ConvBn3d", "ConvBnReLU1d", "ConvBnReLU2d", "ConvBnReLU3d", "LinearBn1d"]


class _FusedModule(nn.Sequential):
    """torch's base of the fused containers."""


def _fused(name: str, kinds: tuple):
    def __init__(self, *mods):
        for m, kind in zip(mods, kinds):
            if not isinstance(m, getattr(nn, kind)):
                raise AssertionError(f"Incorrect types for input modules{tuple(type(x) for x in mods)}")
        _FusedModule.__init__(self, *mods)

    return type(name, (_FusedModule,), {"__init__": __init__, "__doc__": f"torch.ao.nn.intrinsic.{name}.",
                                        "__module__": __name__})


ConvReLU1d = _fused("ConvReLU1d", ("Conv1d", "ReLU"))
ConvReLU2d = _fused("ConvReLU2d", ("Conv2d", "ReLU"))
ConvReLU3d = _fused("ConvReLU3d", ("Conv3d", "ReLU"))
LinearReLU = _fused("LinearReLU", ("Linear", "ReLU"))
BNReLU2d = _fused("BNReLU2d", ("BatchNorm2d", "ReLU"))
BNReLU3d = _fused("BNReLU3d", ("BatchNorm3d", "ReLU"))
ConvBn1d = _fused("ConvBn1d", ("Conv1d", "BatchNorm1d"))
ConvBn2d = _fused("ConvBn2d", ("Conv2d", "BatchNorm2d"))
ConvBn3d = _fused("ConvBn3d", ("Conv3d", "BatchNorm3d"))
ConvBnReLU1d = _fused("ConvBnReLU1d", ("Conv1d", "BatchNorm1d", "ReLU"))
ConvBnReLU2d = _fused("ConvBnReLU2d", ("Conv2d", "BatchNorm2d", "ReLU"))
ConvBnReLU3d = _fused("ConvBnReLU3d", ("Conv3d", "BatchNorm3d", "ReLU"))
LinearBn1d = _fused("LinearBn1d", ("Linear", "BatchNorm1d"))
