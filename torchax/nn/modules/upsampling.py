"""torch.nn modules: Upsample, UpsamplingNearest2d, UpsamplingBilinear2d."""

__all__: list[str] = []
