"""torch.nn.functional: conv1d/2d/3d, conv_transpose1d/2d/3d, unfold/fold."""

__all__: list[str] = []
# torch.<name> functions that torch also exposes at top level (signatures may differ from F.<name>)
TOPLEVEL: dict = {}
