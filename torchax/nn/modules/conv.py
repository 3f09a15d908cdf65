"""torch.nn modules: Conv1d/2d/3d, ConvTranspose1d/2d/3d."""

__all__: list[str] = []
