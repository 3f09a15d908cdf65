"""torch.nn modules: Transformer, TransformerEncoder/Decoder and their layers."""

__all__: list[str] = []
