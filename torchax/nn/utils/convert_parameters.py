"""torch.nn.utils.convert_parameters: parameters_to_vector, vector_to_parameters."""

from __future__ import annotations

import torchax
from torchax._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters):
    """torch.nn.utils.parameters_to_vector: every parameter flattened and concatenated."""
    param_device = None
    vec = []
    for param in parameters:
        param_device = _check_param_device(param, param_device)
        vec.append(param.view(-1))
    return torchax.cat(vec)


def vector_to_parameters(vec, parameters) -> None:
    """torch.nn.utils.vector_to_parameters: slice `vec` back into the parameters (their `.data` is replaced)."""
    if not isinstance(vec, Tensor):
        from torchax.nn.modules.module import typename

        raise TypeError(f"expected torch.Tensor, but got: {typename(vec)}")
    param_device = None
    pointer = 0
    for param in parameters:
        param_device = _check_param_device(param, param_device)
        num_param = param.numel()
        param.data = vec[pointer:pointer + num_param].view_as(param).data
        pointer += num_param


def _check_param_device(param, old_param_device):
    on_accelerator = param.device.type == "cuda"
    if old_param_device is None:
        return param.get_device() if on_accelerator else -1
    if (param.get_device() != old_param_device) if on_accelerator else old_param_device != -1:
        raise TypeError("Found two parameters on different devices, this is currently not supported.")
    return old_param_device
