"""torch.ao.quantization.stubs: QuantStub / DeQuantStub mark where tensors are (de)quantized; QuantWrapper."""

from __future__ import annotations

from torchax import nn

__all__ = ["QuantStub", "DeQuantStub", "QuantWrapper"]


class QuantStub(nn.Module):
    """torch.ao.quantization.QuantStub: identity until convert swaps it for nnq.Quantize."""

    def __init__(self, qconfig=None):
        super().__init__()
        if qconfig:
            self.qconfig = qconfig

    def forward(self, x):
        return x


class DeQuantStub(nn.Module):
    """torch.ao.quantization.DeQuantStub: identity until convert swaps it for nnq.DeQuantize."""

    def __init__(self, qconfig=None):
        super().__init__()
        if qconfig:
            self.qconfig = qconfig

    def forward(self, x):
        return x


class QuantWrapper(nn.Module):
    """torch.ao.quantization.QuantWrapper: QuantStub -> module -> DeQuantStub."""

    def __init__(self, module):
        super().__init__()
        qconfig = getattr(module, "qconfig", None)
        self.add_module("quant", QuantStub(qconfig))
        self.add_module("dequant", DeQuantStub(qconfig))
        self.add_module("module", module)
        self.train(module.training)

    def forward(self, X):
        return self.dequant(self.module(self.quant(X)))
