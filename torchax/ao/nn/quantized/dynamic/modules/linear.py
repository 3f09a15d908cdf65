"""torch.ao.nn.quantized.dynamic.modules.linear: Linear with int8 weights; activations quantized on the fly."""

from __future__ import annotations

import torchax
from torchax.ao import _qtensor as qt
from torchax.ao.nn.intrinsic.modules.fused import LinearReLU
from torchax.ao.nn.quantized import _kernels
from torchax.ao.nn.quantized.modules import linear as nnq
from torchax.ao.nn.quantized.modules.utils import _quantize_weight
from torchax.nn import functional as F

__all__ = ["Linear"]


class Linear(nnq.Linear):
    """torch.ao.nn.quantized.dynamic.Linear: float in, float out; int8 x uint8 products accumulated in int32."""

    _FLOAT_MODULE = torchax.nn.Linear

    def __init__(self, in_features, out_features, bias_=True, dtype=qt.qint8):
        super().__init__(in_features, out_features, bias_, dtype=dtype)
        self.version = 4

    def _get_name(self) -> str:
        return "DynamicQuantizedLinear"

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, dtype={self._weight.dtype}, "
                f"qscheme={self._weight.qscheme()}")

    def forward(self, x):
        w = self._weight
        out = _kernels.dynamic_linear(x.float()._value, w._int, w._scale, w._zero_point,
                                      None if self._bias is None else self._bias._value, reduce_range=True)
        return torchax._tensor.wrap(out).to(x.dtype)

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        """The dynamic quantized Linear of a float Linear with a qconfig (int8 weights from its weight observer)."""
        float_mod = mod[0] if isinstance(mod, LinearReLU) else mod
        weight_observer = mod.qconfig.weight() if getattr(mod, "qconfig", None) is not None else \
            __import__("torchax.ao.quantization.qconfig", fromlist=["x"]).default_dynamic_qconfig.weight()
        if weight_observer.dtype != qt.qint8:
            raise RuntimeError(f"Unsupported dtype specified for dynamic quantized Linear! {weight_observer.dtype}")
        weight_observer(float_mod.weight)
        qlin = cls(float_mod.in_features, float_mod.out_features)
        qlin.set_weight_bias(_quantize_weight(float_mod.weight.float(), weight_observer),
                             None if float_mod.bias is None else float_mod.bias.detach().clone())
        if isinstance(mod, LinearReLU):
            qlin.forward = lambda x, _f=qlin.forward: F.relu(_f(x))
        return qlin
