"""torch.ao.quantization.qconfig: QConfig (how to observe activations and weights) and torch's defaults."""

from __future__ import annotations

from collections import namedtuple

import torchax
from torchax.ao.quantization import fake_quantize as fq, observer as ob

__all__ = ["QConfig", "QConfigDynamic", "default_qconfig", "default_debug_qconfig", "default_per_channel_qconfig",
           "default_dynamic_qconfig", "float16_dynamic_qconfig", "per_channel_dynamic_qconfig",
           "float_qparams_weight_only_qconfig", "default_qat_qconfig", "default_weight_only_qconfig",
           "default_activation_only_qconfig", "get_default_qconfig", "get_default_qat_qconfig",
           "get_default_qconfig_dict", "get_default_qat_qconfig_dict"]


class QConfig(namedtuple("QConfig", ["activation", "weight"])):
    """torch.ao.quantization.QConfig: factories (classes or with_args partials) of the two observers."""

    __slots__ = ()

    def __new__(cls, activation, weight):
        if isinstance(activation, torchax.nn.Module) or isinstance(weight, torchax.nn.Module):
            raise ValueError("QConfig received observer instance, please pass observer class instead. "
                             "Use MyObserver.with_args(x=1) to override arguments to constructor if needed")
        return super().__new__(cls, activation, weight)


QConfigDynamic = QConfig

default_qconfig = QConfig(activation=ob.default_observer, weight=ob.default_weight_observer)
default_debug_qconfig = QConfig(activation=ob.default_observer, weight=ob.default_weight_observer)
default_per_channel_qconfig = QConfig(activation=ob.default_observer, weight=ob.default_per_channel_weight_observer)
default_dynamic_qconfig = QConfig(activation=ob.default_dynamic_quant_observer, weight=ob.default_weight_observer)
float16_dynamic_qconfig = QConfig(activation=ob.PlaceholderObserver.with_args(dtype=torchax.float16, is_dynamic=True),
                                  weight=ob.PlaceholderObserver.with_args(dtype=torchax.float16))
per_channel_dynamic_qconfig = QConfig(activation=ob.default_dynamic_quant_observer,
                                      weight=ob.default_per_channel_weight_observer)
float_qparams_weight_only_qconfig = QConfig(activation=ob.default_placeholder_observer,
                                            weight=ob.default_float_qparams_observer)
default_qat_qconfig = QConfig(activation=fq.default_fake_quant, weight=fq.default_weight_fake_quant)
default_weight_only_qconfig = QConfig(activation=torchax.nn.Identity, weight=fq.default_weight_fake_quant)
default_activation_only_qconfig = QConfig(activation=fq.default_fake_quant, weight=torchax.nn.Identity)

_BACKENDS = ("fbgemm", "x86", "qnnpack", "onednn")


def _check_backend(backend):
    if backend not in _BACKENDS:
        raise AssertionError(f"backend: {backend} not supported. backend must be one of {list(_BACKENDS)}")


def get_default_qconfig(backend="x86", version=0):
    """torch.ao.quantization.get_default_qconfig: HistogramObserver activations and int8 (per-channel) weights."""
    _check_backend(backend)
    if backend in ("fbgemm", "x86"):
        return QConfig(activation=ob.HistogramObserver.with_args(reduce_range=True),
                       weight=ob.default_per_channel_weight_observer)
    if backend == "qnnpack":
        return QConfig(activation=ob.HistogramObserver.with_args(reduce_range=False),
                       weight=ob.default_weight_observer)
    return QConfig(activation=ob.HistogramObserver.with_args(reduce_range=False),
                   weight=ob.default_per_channel_weight_observer)


def get_default_qat_qconfig(backend="x86", version=1):
    """torch.ao.quantization.get_default_qat_qconfig (version 1: fused moving-average fake-quantizers)."""
    _check_backend(backend)
    if version == 0:
        act = fq.FakeQuantize.with_args(observer=ob.MovingAverageMinMaxObserver, quant_min=0, quant_max=255,
                                        reduce_range=backend in ("fbgemm", "x86"))
        weight = fq.default_per_channel_weight_fake_quant if backend != "qnnpack" else fq.default_weight_fake_quant
        return QConfig(activation=act, weight=weight)
    act = fq.FusedMovingAvgObsFakeQuantize.with_args(observer=ob.MovingAverageMinMaxObserver, quant_min=0,
                                                     quant_max=255, reduce_range=backend in ("fbgemm", "x86"))
    weight = (fq.default_fused_wt_fake_quant if backend == "qnnpack"
              else fq.default_fused_per_channel_wt_fake_quant)
    return QConfig(activation=act, weight=weight)


def get_default_qconfig_dict(backend="x86", version=0):
    """torch.ao.quantization.get_default_qconfig_dict."""
    return {"": get_default_qconfig(backend, version)}


def get_default_qat_qconfig_dict(backend="x86", version=1):
    """torch.ao.quantization.get_default_qat_qconfig_dict."""
    return {"": get_default_qat_qconfig(backend, version)}
