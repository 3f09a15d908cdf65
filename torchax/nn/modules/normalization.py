"""torch.nn modules: LayerNorm, GroupNorm, LocalResponseNorm, RMSNorm."""

__all__: list[str] = []
