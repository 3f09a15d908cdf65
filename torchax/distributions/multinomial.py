"""torch.distributions.multinomial (defined in binomial)."""

from torchax.distributions.binomial import Multinomial

__all__ = ["Multinomial"]
