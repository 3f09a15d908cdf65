"""torch.nn modules: PixelShuffle, PixelUnshuffle."""

__all__: list[str] = []
