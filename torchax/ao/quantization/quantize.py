"""torch.ao.quantization.quantize: eager-mode prepare / prepare_qat / convert / quantize_dynamic."""

from __future__ import annotations

import copy
import functools
import warnings

from torchax import nn
from torchax.ao import _qtensor as qt
from torchax.ao.nn.intrinsic.modules.fused import _FusedModule
from torchax.ao.quantization import qconfig as qc
from torchax.ao.quantization.fake_quantize import FakeQuantizeBase
from torchax.ao.quantization.observer import ObserverBase
from torchax.ao.quantization.quantization_mappings import (
    get_default_dynamic_quant_module_mappings,
    get_default_qat_module_mappings,
    get_default_qconfig_propagation_list,
    get_default_static_quant_module_mappings,
)
from torchax.ao.quantization.stubs import DeQuantStub

__all__ = ["propagate_qconfig_", "prepare", "prepare_qat", "convert", "quantize", "quantize_dynamic",
           "quantize_qat", "swap_module", "add_quant_dequant"]

DEPRECATION_WARNING = (
    "torch.ao.quantization is deprecated and will be removed in 2.10. \n"
    "For migrations of users: \n"
    "1. Eager mode quantization (torch.ao.quantization.quantize, "
    "torch.ao.quantization.quantize_dynamic), please migrate to use torchao eager mode "
    "quantize_ API instead \n"
    "2. FX graph mode quantization (torch.ao.quantization.quantize_fx.prepare_fx,"
    "torch.ao.quantization.quantize_fx.convert_fx, please migrate to use torchao pt2e quantization "
    "API instead (prepare_pt2e, convert_pt2e) \n"
    "3. pt2e quantization has been migrated to torchao "
    "(https://github.com/pytorch/ao/tree/main/torchao/quantization/pt2e) \n"
    "see https://github.com/pytorch/ao/issues/2259 for more details")


def _deprecated(fn):
    """torch marks its eager quantization entry points deprecated (a DeprecationWarning on every call)."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        warnings.warn(DEPRECATION_WARNING, DeprecationWarning, stacklevel=2)
        return fn(*args, **kwargs)
    return call


def propagate_qconfig_(module, qconfig_dict=None, prepare_custom_config_dict=None):
    """torch.ao.quantization.propagate_qconfig_: every module gets its own, its type's, its name's or its parent's."""
    def visit(mod, parent_qconfig, prefix):
        own = (qconfig_dict or {}).get(type(mod), parent_qconfig)
        own = (qconfig_dict or {}).get(prefix, own)
        own = getattr(mod, "qconfig", own)
        mod.qconfig = own
        for name, child in mod.named_children():
            visit(child, own, prefix + "." + name if prefix else name)
    visit(module, None, "")


def _observer_forward_hook(self, input, output):
    """Forward hook calling the module's activation_post_process on its output."""
    return self.activation_post_process(output)


def _needs_observation(m) -> bool:
    return getattr(m, "qconfig", None) is not None


def _insert_observer(m) -> None:
    if _needs_observation(m) and not isinstance(m, DeQuantStub):
        m.add_module("activation_post_process", m.qconfig.activation())
        m.register_forward_hook(_observer_forward_hook)


def _add_observer_(module, propagation, non_leaf) -> None:
    """torch's _add_observer_: an observer after every observed leaf, fused or QAT module."""
    for child in module.children():
        if type(child) is nn.Dropout:
            continue
        if isinstance(child, _FusedModule) or type(child) in non_leaf:
            _insert_observer(child)
        else:
            _add_observer_(child, propagation, non_leaf)
    leaf = not any(True for _ in module.children()) and not isinstance(module, nn.Sequential)
    if (leaf or hasattr(module, "weight_fake_quant")) and type(module) in propagation \
            and not hasattr(module, "activation_post_process"):
        _insert_observer(module)


@_deprecated
def prepare(model, inplace=False, allow_list=None, observer_non_leaf_module_list=None,
            prepare_custom_config_dict=None):
    """torch.ao.quantization.prepare: attach observers (from each module's qconfig) for calibration."""
    if not inplace:
        model = copy.deepcopy(model)
    propagate_qconfig_(model)
    if not any(_needs_observation(m) for m in model.modules()):
        warnings.warn("None of the submodule got qconfig applied. Make sure you "
                      "passed correct configuration through `qconfig_dict` or "
                      "by assigning the `.qconfig` attribute directly on submodules", stacklevel=2)
    _add_observer_(model, allow_list or get_default_qconfig_propagation_list(), observer_non_leaf_module_list or ())
    return model


@_deprecated
def prepare_qat(model, mapping=None, inplace=False):
    """torch.ao.quantization.prepare_qat: swap to QAT modules (fake-quantized weights) and attach fake-quantizers."""
    if not model.training:
        raise AssertionError("prepare_qat only works on models in training mode")
    mapping = get_default_qat_module_mappings() if mapping is None else mapping
    if not inplace:
        model = copy.deepcopy(model)
    propagate_qconfig_(model)
    convert(model, mapping=mapping, inplace=True, remove_qconfig=False)
    prepare(model, observer_non_leaf_module_list=set(mapping.values()), inplace=True)
    return model


def swap_module(mod, mapping, custom_module_class_mapping=None, use_precomputed_fake_quant=False):
    """torch.ao.quantization.swap_module: `mapping[type(mod)].from_float(mod)` when mod has a qconfig."""
    if not _needs_observation(mod) or type(mod) not in mapping:
        return mod
    new = mapping[type(mod)].from_float(mod)
    for hook in mod._forward_pre_hooks.values():
        new.register_forward_pre_hook(hook)
    for hook in mod._forward_hooks.values():
        if hook is not _observer_forward_hook:
            new.register_forward_hook(hook)
    return new


def _convert(module, mapping, custom=None):
    for name, child in list(module.named_children()):
        if not isinstance(child, _FusedModule):
            _convert(child, mapping)
        module._modules[name] = swap_module(child, mapping)


def _is_activation_post_process(m) -> bool:
    return isinstance(m, (ObserverBase, FakeQuantizeBase))


def _remove_qconfig(module) -> None:
    for child in module.children():
        _remove_qconfig(child)
    if "qconfig" in module.__dict__:
        del module.qconfig
    if _is_activation_post_process(getattr(module, "activation_post_process", None)):
        del module.activation_post_process
        for key, hook in list(module._forward_hooks.items()):
            if hook is _observer_forward_hook:
                del module._forward_hooks[key]


@_deprecated
def convert(module, mapping=None, inplace=False, remove_qconfig=True, is_reference=False,
            convert_custom_config_dict=None, use_precomputed_fake_quant=False):
    """torch.ao.quantization.convert: swap observed modules for their quantized counterparts."""
    if is_reference:
        raise NotImplementedError("torchax's convert does not support is_reference=True")
    mapping = get_default_static_quant_module_mappings() if mapping is None else mapping
    if not inplace:
        module = copy.deepcopy(module)
    _convert(module, mapping)
    if remove_qconfig:
        _remove_qconfig(module)
    return module


@_deprecated
def quantize(model, run_fn, run_args, mapping=None, inplace=False):
    """torch.ao.quantization.quantize: prepare, run calibration, convert."""
    if not inplace:
        model = copy.deepcopy(model)
    model.eval()
    prepare(model, inplace=True)
    run_fn(model, *run_args)
    convert(model, mapping, inplace=True)
    return model


@_deprecated
def quantize_qat(model, run_fn, run_args, inplace=False):
    """torch.ao.quantization.quantize_qat: prepare_qat, train with run_fn, convert."""
    if not inplace:
        model = copy.deepcopy(model)
    model.train()
    prepare_qat(model, inplace=True)
    run_fn(model, *run_args)
    convert(model, inplace=True)
    return model


@_deprecated
def quantize_dynamic(model, qconfig_spec=None, dtype=qt.qint8, mapping=None, inplace=False):
    """torch.ao.quantization.quantize_dynamic: Linear/LSTM get int8 weights; activations quantized on the fly."""
    if qconfig_spec is None:
        if dtype != qt.qint8:
            raise NotImplementedError(f"torchax's quantize_dynamic supports dtype=torch.qint8 only, got {dtype}")
        qconfig_spec = {nn.Linear: qc.default_dynamic_qconfig, nn.LSTM: qc.default_dynamic_qconfig}
    elif isinstance(qconfig_spec, set):
        if dtype != qt.qint8:
            raise NotImplementedError(f"torchax's quantize_dynamic supports dtype=torch.qint8 only, got {dtype}")
        qconfig_spec = dict.fromkeys(qconfig_spec, qc.default_dynamic_qconfig)
    mapping = get_default_dynamic_quant_module_mappings() if mapping is None else mapping
    if not inplace:
        model = copy.deepcopy(model)
    propagate_qconfig_(model, qconfig_spec)
    convert(model, mapping, inplace=True)
    return model


def add_quant_dequant(module):
    """torch.ao.quantization.add_quant_dequant: wrap leaf modules with a qconfig in QuantWrapper."""
    from torchax.ao.quantization.stubs import QuantWrapper

    if not any(True for _ in module.children()) and _needs_observation(module):
        return QuantWrapper(module)
    for name, child in list(module.named_children()):
        module._modules[name] = add_quant_dequant(child)
    return module
