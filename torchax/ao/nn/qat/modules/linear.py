"""torch.ao.nn.qat.modules.linear: Linear whose weight is fake-quantized (quantization-aware training)."""

from __future__ import annotations

from torchax import nn
from torchax.ao.nn.intrinsic.modules.fused import LinearReLU, _FusedModule
from torchax.nn import functional as F

__all__ = ["Linear"]


class Linear(nn.Linear):
    """torch.ao.nn.qat.Linear."""

    _FLOAT_MODULE = nn.Linear

    def __init__(self, in_features, out_features, bias=True, qconfig=None, device=None, dtype=None):
        super().__init__(in_features, out_features, bias, device=device, dtype=dtype)
        if not qconfig:
            raise AssertionError("qconfig must be provided for QAT module")
        self.qconfig = qconfig
        self.weight_fake_quant = qconfig.weight()

    def forward(self, input):
        return F.linear(input, self.weight_fake_quant(self.weight), self.bias)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        if type(mod) not in (cls._FLOAT_MODULE, LinearReLU) and type(mod) is not getattr(cls, "_FUSED", None):
            raise AssertionError(f"qat.{cls.__name__}.from_float only works for {cls._FLOAT_MODULE.__name__}")
        if not hasattr(mod, "qconfig") or not mod.qconfig:
            raise AssertionError("Input float module must have a valid qconfig")
        lin = mod[0] if isinstance(mod, _FusedModule) else mod
        qat = cls(lin.in_features, lin.out_features, bias=lin.bias is not None, qconfig=mod.qconfig)
        qat.weight, qat.bias = lin.weight, lin.bias
        return qat

    def to_float(self):
        lin = nn.Linear(self.in_features, self.out_features, self.bias is not None)
        lin.weight, lin.bias = nn.Parameter(self.weight.detach()), self.bias
        return lin
