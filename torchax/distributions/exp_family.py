"""torch.distributions.exp_family (defined in distribution)."""

from torchax.distributions.distribution import ExponentialFamily

__all__ = ["ExponentialFamily"]
