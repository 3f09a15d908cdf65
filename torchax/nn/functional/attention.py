"""torch.nn.functional: scaled_dot_product_attention, multi_head_attention_forward."""

__all__: list[str] = []
# torch.<name> functions that torch also exposes at top level (signatures may differ from F.<name>)
TOPLEVEL: dict = {}
