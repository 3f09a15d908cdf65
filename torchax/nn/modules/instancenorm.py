"""torch.nn modules: InstanceNorm1d/2d/3d."""

__all__: list[str] = []
