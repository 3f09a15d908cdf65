"""torch.ao.nn.quantized.modules.linear: Linear on quint8 tensors with int8 weights (fbgemm arithmetic)."""

from __future__ import annotations

import jax.numpy as jnp

import torchax
from torchax import nn
from torchax.ao import _qtensor as qt
from torchax.ao.nn.intrinsic.modules.fused import _FusedModule
from torchax.ao.nn.quantized import _kernels
from torchax.ao.nn.quantized.modules.utils import _quantize_weight

__all__ = ["Linear"]


class Linear(nn.Module):
    """torch.ao.nn.quantized.Linear."""

    _FLOAT_MODULE = nn.Linear
    _RELU = False

    def __init__(self, in_features, out_features, bias_=True, dtype=qt.qint8):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        w = qt.quantize_per_tensor(torchax.zeros(out_features, in_features), 1.0, 0, qt.qint8)
        self.set_weight_bias(w, torchax.zeros(out_features) if bias_ else None)
        self.scale, self.zero_point = 1.0, 0

    def set_weight_bias(self, w, b) -> None:
        self._weight, self._bias = w, b

    def weight(self):
        return self._weight

    def bias(self):
        return self._bias

    def _get_name(self) -> str:
        return "Quantized" + type(self).__name__

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, scale={self.scale}, "
                f"zero_point={self.zero_point}, qscheme={self._weight.qscheme()}")

    def forward(self, x):
        w = self._weight
        out = _kernels.linear(x._int, x._scale, x._zero_point, w._int, w._scale, w._zero_point,
                              None if self._bias is None else self._bias._value, jnp.float32(self.scale),
                              jnp.int32(self.zero_point), self._RELU)
        return qt.QTensor(out, qt.quint8, qt.per_tensor_affine, jnp.float32(self.scale), jnp.int32(self.zero_point))

    @classmethod
    def from_float(cls, mod, use_precomputed_fake_quant=False):
        """The quantized module of an observed float, fused or QAT Linear."""
        if hasattr(mod, "weight_fake_quant"):
            weight_post_process, lin = mod.weight_fake_quant, mod
        else:
            lin = mod[0] if isinstance(mod, _FusedModule) else mod
            weight_post_process = mod.qconfig.weight()
            weight_post_process(lin.weight)
        act_scale, act_zp = mod.activation_post_process.calculate_qparams()
        qlin = cls(lin.in_features, lin.out_features)
        qlin.set_weight_bias(_quantize_weight(lin.weight.float(), weight_post_process),
                             None if lin.bias is None else lin.bias.detach().clone())
        qlin.scale, qlin.zero_point = float(act_scale), int(act_zp)
        return qlin
