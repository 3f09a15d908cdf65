"""torch.distributions.relaxed_bernoulli (defined in relaxed)."""

from torchax.distributions.relaxed import LogitRelaxedBernoulli, RelaxedBernoulli

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]
