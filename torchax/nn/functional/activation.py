"""torch.nn.functional: activations, softmax family, glu, threshold."""

__all__: list[str] = []
# torch.<name> functions that torch also exposes at top level (signatures may differ from F.<name>)
TOPLEVEL: dict = {}
