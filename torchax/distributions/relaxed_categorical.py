"""torch.distributions.relaxed_categorical (defined in relaxed)."""

from torchax.distributions.relaxed import ExpRelaxedCategorical, RelaxedOneHotCategorical

__all__ = ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"]
