"""torchax.linalg: torch.linalg on jax.numpy.linalg."""
