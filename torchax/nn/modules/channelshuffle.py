"""torch.nn modules: ChannelShuffle."""

__all__: list[str] = []
