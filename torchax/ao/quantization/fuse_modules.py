"""torch.ao.quantization.fuse_modules: replace conv/linear/bn/relu sequences by torch's fused modules."""

from __future__ import annotations

import copy

from torchax import nn
from torchax.ao.nn import intrinsic as nni
from torchax.nn.utils import fuse_conv_bn_eval, fuse_linear_bn_eval

__all__ = ["fuse_modules", "fuse_modules_qat", "fuse_known_modules", "get_fuser_method"]

_CONV = {nn.Conv1d: (nni.ConvBn1d, nni.ConvBnReLU1d, nni.ConvReLU1d),
         nn.Conv2d: (nni.ConvBn2d, nni.ConvBnReLU2d, nni.ConvReLU2d),
         nn.Conv3d: (nni.ConvBn3d, nni.ConvBnReLU3d, nni.ConvReLU3d)}


def _fuse_conv_bn(is_qat, conv, bn, relu=None):
    if conv.training != bn.training:
        raise AssertionError("Conv and BN both must be in the same mode (train or eval).")
    bn_cls, bn_relu_cls, relu_cls = _CONV[type(conv)]
    if is_qat:
        return bn_cls(conv, bn) if relu is None else bn_relu_cls(conv, bn, relu)
    if conv.training:
        raise AssertionError("Fusion only for eval!")
    fused = fuse_conv_bn_eval(conv, bn)
    return fused if relu is None else relu_cls(fused, relu)


def _fuse_linear_bn(is_qat, linear, bn):
    if linear.training != bn.training:
        raise AssertionError("Linear and BN both must be in the same mode (train or eval).")
    if is_qat:
        return nni.LinearBn1d(linear, bn)
    if linear.training:
        raise AssertionError("Fusion only for eval!")
    return fuse_linear_bn_eval(linear, bn)


_FUSERS = {
    (nn.Conv1d, nn.BatchNorm1d): _fuse_conv_bn, (nn.Conv2d, nn.BatchNorm2d): _fuse_conv_bn,
    (nn.Conv3d, nn.BatchNorm3d): _fuse_conv_bn,
    (nn.Conv1d, nn.BatchNorm1d, nn.ReLU): _fuse_conv_bn, (nn.Conv2d, nn.BatchNorm2d, nn.ReLU): _fuse_conv_bn,
    (nn.Conv3d, nn.BatchNorm3d, nn.ReLU): _fuse_conv_bn,
    (nn.Conv1d, nn.ReLU): lambda is_qat, c, r: nni.ConvReLU1d(c, r),
    (nn.Conv2d, nn.ReLU): lambda is_qat, c, r: nni.ConvReLU2d(c, r),
    (nn.Conv3d, nn.ReLU): lambda is_qat, c, r: nni.ConvReLU3d(c, r),
    (nn.Linear, nn.BatchNorm1d): _fuse_linear_bn,
    (nn.Linear, nn.ReLU): lambda is_qat, lin, r: nni.LinearReLU(lin, r),
    (nn.BatchNorm2d, nn.ReLU): lambda is_qat, b, r: nni.BNReLU2d(b, r),
    (nn.BatchNorm3d, nn.ReLU): lambda is_qat, b, r: nni.BNReLU3d(b, r),
}


def get_fuser_method(op_list, additional_fuser_method_mapping=None):
    """torch.ao.quantization.get_fuser_method: the function fusing a tuple of module types."""
    table = {**_FUSERS, **(additional_fuser_method_mapping or {})}
    if op_list not in table:
        raise AssertionError(f"did not find fuser method for: {op_list} ")
    return table[op_list]


def fuse_known_modules(mod_list, is_qat, additional_fuser_method_mapping=None):
    """torch.ao.quantization.fuse_known_modules: the fused module first, then Identity for every other one."""
    fuser = get_fuser_method(tuple(type(m) for m in mod_list), additional_fuser_method_mapping)
    fused = fuser(is_qat, *mod_list)
    for hook in mod_list[0]._forward_pre_hooks.values():  # (torch moves the first's pre-hooks, the last's hooks)
        fused.register_forward_pre_hook(hook)
    for hook in mod_list[-1]._forward_hooks.values():
        fused.register_forward_hook(hook)
    identities = []
    for _ in mod_list[1:]:
        identity = nn.Identity()
        identity.training = mod_list[0].training
        identities.append(identity)
    return [fused, *identities]


def _get_module(model, name: str):
    for part in name.split("."):
        model = getattr(model, part)
    return model


def _set_module(model, name: str, new) -> None:
    *parents, last = name.split(".")
    for part in parents:
        model = getattr(model, part)
    setattr(model, last, new)


def _fuse(model, modules_to_fuse, is_qat, inplace, fuser_func, fuse_custom_config_dict):
    if not inplace:
        model = copy.deepcopy(model)
    extra = (fuse_custom_config_dict or {}).get("additional_fuser_method_mapping", {})
    groups = modules_to_fuse if all(isinstance(m, (list, tuple)) for m in modules_to_fuse) else [modules_to_fuse]
    for names in groups:
        mods = [_get_module(model, n) for n in names]
        fused = fuser_func(mods, is_qat, extra)
        for name, new in zip(names, fused):
            _set_module(model, name, new)
    return model


def fuse_modules(model, modules_to_fuse, inplace=False, fuser_func=fuse_known_modules, fuse_custom_config_dict=None):
    """torch.ao.quantization.fuse_modules (eval-mode fusion: conv+bn folds the batch norm into the conv)."""
    return _fuse(model, modules_to_fuse, False, inplace, fuser_func, fuse_custom_config_dict)


def fuse_modules_qat(model, modules_to_fuse, inplace=False, fuser_func=fuse_known_modules,
                     fuse_custom_config_dict=None):
    """torch.ao.quantization.fuse_modules_qat (conv+bn stays a ConvBn container for QAT)."""
    return _fuse(model, modules_to_fuse, True, inplace, fuser_func, fuse_custom_config_dict)
