"""torch.nn modules: Dropout, Dropout1d/2d/3d, AlphaDropout, FeatureAlphaDropout."""

__all__: list[str] = []
