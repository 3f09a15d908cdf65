"""torch.nn.functional: batch_norm, layer_norm, group_norm, instance_norm, local_response_norm, rms_norm, normalize."""

__all__: list[str] = []
# torch.<name> functions that torch also exposes at top level (signatures may differ from F.<name>)
TOPLEVEL: dict = {}
