"""torch.nn modules: Flatten, Unflatten."""

__all__: list[str] = []
