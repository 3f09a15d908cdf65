"""torch.nn.functional: interpolate, upsample, grid_sample, affine_grid, pad, pixel and channel shuffles."""

__all__: list[str] = []
# torch.<name> functions that torch also exposes at top level (signatures may differ from F.<name>)
TOPLEVEL: dict = {}
