"""torch.nn modules: MultiheadAttention."""

__all__: list[str] = []
