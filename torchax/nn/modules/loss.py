"""torch.nn modules: loss modules."""

__all__: list[str] = []
