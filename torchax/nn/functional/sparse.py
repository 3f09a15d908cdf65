"""torch.nn.functional: embedding, embedding_bag, one_hot."""

__all__: list[str] = []
# torch.<name> functions that torch also exposes at top level (signatures may differ from F.<name>)
TOPLEVEL: dict = {}
