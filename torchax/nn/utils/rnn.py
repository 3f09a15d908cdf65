"""torch.nn.utils.rnn: PackedSequence, pack/pad helpers."""

__all__: list[str] = []
