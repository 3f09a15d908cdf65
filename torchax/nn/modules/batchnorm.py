"""torch.nn modules: BatchNorm1d/2d/3d."""

__all__: list[str] = []
