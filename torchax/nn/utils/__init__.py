"""torch.nn.utils."""

from torchax.nn.utils import (  # noqa: F401
    parametrizations as parametrizations,
    parametrize as parametrize,
    rnn as rnn,
    stateless as stateless,
)
from torchax.nn.utils.clip_grad import (  # noqa: F401
    _clip_grads_with_norm_ as clip_grads_with_norm_,
    _get_total_norm as get_total_norm,
    clip_grad_norm as clip_grad_norm,
    clip_grad_norm_ as clip_grad_norm_,
    clip_grad_value_ as clip_grad_value_,
)
from torchax.nn.utils.convert_parameters import (  # noqa: F401
    parameters_to_vector as parameters_to_vector,
    vector_to_parameters as vector_to_parameters,
)
from torchax.nn.utils.fusion import (  # noqa: F401
    fuse_conv_bn_eval as fuse_conv_bn_eval,
    fuse_conv_bn_weights as fuse_conv_bn_weights,
    fuse_linear_bn_eval as fuse_linear_bn_eval,
    fuse_linear_bn_weights as fuse_linear_bn_weights,
)
from torchax.nn.utils.init import skip_init as skip_init  # noqa: F401
from torchax.nn.utils.memory_format import (  # noqa: F401
    convert_conv2d_weight_memory_format as convert_conv2d_weight_memory_format,
    convert_conv3d_weight_memory_format as convert_conv3d_weight_memory_format,
)
from torchax.nn.utils.spectral_norm import (  # noqa: F401
    remove_spectral_norm as remove_spectral_norm,
    spectral_norm as spectral_norm,
)
from torchax.nn.utils.weight_norm import remove_weight_norm as remove_weight_norm, weight_norm as weight_norm  # noqa: F401

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grads_with_norm_", "clip_grad_value_",
           "convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format", "fuse_conv_bn_eval",
           "fuse_conv_bn_weights", "fuse_linear_bn_eval", "fuse_linear_bn_weights", "get_total_norm",
           "parameters_to_vector", "parametrizations", "parametrize", "remove_spectral_norm", "remove_weight_norm",
           "rnn", "skip_init", "spectral_norm", "stateless", "vector_to_parameters", "weight_norm"]
