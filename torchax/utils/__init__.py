"""torchax.utils: torch.utils counterparts."""
