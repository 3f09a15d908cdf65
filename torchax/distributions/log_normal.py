"""torch.distributions.log_normal (defined in transformed_distribution)."""

from torchax.distributions.transformed_distribution import LogNormal

__all__ = ["LogNormal"]
