"""torch.nn modules: InstanceNorm1d/2d/3d and their lazy forms."""

from __future__ import annotations

import warnings

from torchax.nn import functional as F
from torchax.nn.modules.batchnorm import _dims, _LazyNormBase, _NormBase

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
           "LazyInstanceNorm3d"]


class _InstanceNorm(_NormBase):
    """Instance norm: no affine parameters and no running stats by default; unbatched inputs allowed."""

    _no_batch_dim = 0

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device=device, dtype=dtype,
                         bias=bias)

    def _get_no_batch_dim(self) -> int:
        return self._no_batch_dim

    def _handle_no_batch_input(self, input):
        return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)

    def _apply_instance_norm(self, input):
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                               self.training or not self.track_running_stats,
                               self.momentum if self.momentum is not None else 0.0, self.eps)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        version = local_metadata.get("version", None)
        if version is None and not self.track_running_stats:  # checkpoints from before 0.4 kept running stats
            keys = [prefix + n for n in ("running_mean", "running_var") if prefix + n in state_dict]
            if keys:
                klass = self.__class__.__name__
                names = " and ".join(f'"{k}"' for k in keys)
                error_msgs.append(
                    f"Unexpected running stats buffer(s) {names} for {klass} with track_running_stats=False. If "
                    f"state_dict is a checkpoint saved before 0.4.0, this may be expected because {klass} does not "
                    f"track running stats by default since 0.4.0. Please remove these keys from state_dict. If the "
                    f"running stats are actually needed, instead set track_running_stats=True in {klass} to enable "
                    f"them. See the documentation of {klass} for details.")
                for key in keys:
                    state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def forward(self, input):
        self._check_input_dim(input)
        feature_dim = input.dim() - self._get_no_batch_dim()
        if input.size(feature_dim) != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match num_features "
                                 f"({self.num_features}), but got: {input.size(feature_dim)}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can silence this "
                          "warning by not passing in num_features, which is not used because affine=False",
                          stacklevel=2)
        if input.dim() == self._get_no_batch_dim():
            return self._handle_no_batch_input(input)
        return self._apply_instance_norm(input)


class InstanceNorm1d(_InstanceNorm):
    """torch.nn.InstanceNorm1d: (N, C, L) or (C, L) inputs."""

    _no_batch_dim = 2
    _check_input_dim = _dims((2, 3), "expected 2D or 3D input (got {}D input)")


class LazyInstanceNorm1d(_LazyNormBase, _InstanceNorm):
    """torch.nn.LazyInstanceNorm1d."""

    cls_to_become = InstanceNorm1d
    _no_batch_dim = 2
    _check_input_dim = InstanceNorm1d._check_input_dim


class InstanceNorm2d(_InstanceNorm):
    """torch.nn.InstanceNorm2d: (N, C, H, W) or (C, H, W) inputs."""

    _no_batch_dim = 3
    _check_input_dim = _dims((3, 4), "expected 3D or 4D input (got {}D input)")


class LazyInstanceNorm2d(_LazyNormBase, _InstanceNorm):
    """torch.nn.LazyInstanceNorm2d."""

    cls_to_become = InstanceNorm2d
    _no_batch_dim = 3
    _check_input_dim = InstanceNorm2d._check_input_dim


class InstanceNorm3d(_InstanceNorm):
    """torch.nn.InstanceNorm3d: (N, C, D, H, W) or (C, D, H, W) inputs."""

    _no_batch_dim = 4
    _check_input_dim = _dims((4, 5), "expected 4D or 5D input (got {}D input)")


class LazyInstanceNorm3d(_LazyNormBase, _InstanceNorm):
    """torch.nn.LazyInstanceNorm3d."""

    cls_to_become = InstanceNorm3d
    _no_batch_dim = 4
    _check_input_dim = InstanceNorm3d._check_input_dim
